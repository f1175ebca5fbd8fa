// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: the life of a buffer: the registry of names, create, destroy, and
 * the changes of size and length that every interface (ioctl, sysfs, open
 * with O_TRUNC) goes through.
 *
 * A buffer's structure lives as long as its struct device: the cdev is
 * parented to it, so an open() racing with destroy still holds a reference
 * and finds @dead set. The memory is freed at destroy, which is refused
 * while any file description is open; a mapping holds its file, so it
 * counts as open until munmap().
 */
#include "kbuf.h"

#include <linux/error-injection.h>
#include <linux/idr.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>

static LIST_HEAD(kbuf_buffers);
static DEFINE_MUTEX(kbuf_registry_lock);
static DEFINE_IDA(kbuf_minors);

static void kbuf_buffer_release(struct device *dev)
{
	struct kbuf_buffer *buf = kbuf_from_dev(dev);

	free_percpu(buf->stats);
	kfree(buf);
}

/* Caller holds kbuf_registry_lock. */
static struct kbuf_buffer *kbuf_buffer_find(const char *name)
{
	struct kbuf_buffer *buf;

	list_for_each_entry(buf, &kbuf_buffers, node)
		if (!strcmp(buf->name, name))
			return buf;
	return NULL;
}

/*
 * A function of its own so that fail_function can make it fail: failslab
 * and fail_page_alloc do not reach a small alloc_percpu(), which is served
 * from chunks the allocator has already populated (tests/91-fault.bats).
 */
static noinline struct kbuf_pcpu_stats __percpu *kbuf_stats_alloc(void)
{
	return alloc_percpu(struct kbuf_pcpu_stats);
}

ALLOW_ERROR_INJECTION(kbuf_stats_alloc, NULL);

static struct kbuf_buffer *
kbuf_buffer_new(const char *name, const struct kbuf_backend *be, u32 gfp)
{
	struct kbuf_pcpu_stats __percpu *stats;
	struct kbuf_buffer *buf;

	/* One exit for either failure; both frees accept NULL. */
	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	stats = kbuf_stats_alloc();
	if (!buf || !stats) {
		free_percpu(stats);
		kfree(buf);
		return NULL;
	}
	buf->stats = stats;

	strscpy(buf->name, name, sizeof(buf->name));
	buf->backend = be;
	buf->gfp = gfp;
	buf->map_mode = kbuf_default_map_mode();
	if (!be->map_page)
		buf->map_mode = KBUF_MAP_PFN;
	buf->map = buf->map_mode == KBUF_MAP_PAGE ? be->map_page : be->map_pfn;
	init_rwsem(&buf->io_rwsem);
	mutex_init(&buf->lock);
	/* From here on put_device() frees the structure. */
	device_initialize(&buf->dev);
	buf->dev.class = &kbuf_class;
	buf->dev.release = kbuf_buffer_release;
	return buf;
}

/* Caller holds kbuf_registry_lock; @buf has its memory and its name. */
static int kbuf_buffer_register(struct kbuf_buffer *buf)
{
	int minor, ret;

	/* -ENOSPC when every minor is taken. */
	minor = ida_alloc_max(&kbuf_minors, KBUF_MAX_BUFFERS - 1, GFP_KERNEL);
	if (minor < 0)
		return minor;

	buf->dev.devt = MKDEV(MAJOR(kbuf_devt), minor);
	ret = dev_set_name(&buf->dev, "%s", buf->name);
	if (ret)
		goto err_free_minor;

	cdev_init(&buf->cdev, &kbuf_fops);
	buf->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&buf->cdev, &buf->dev);
	if (ret)
		goto err_free_minor;

	list_add_tail(&buf->node, &kbuf_buffers);
	return 0;

err_free_minor:
	ida_free(&kbuf_minors, minor);
	return ret;
}

/**
 * kbuf_buffer_create() - allocate a buffer and make its device
 * @name: 1..31 characters, already validated
 * @be:   the backend
 * @size: capacity in bytes
 * @gfp:  KBUF_GFP_*
 *
 * Return: 0, -EINVAL (size or gfp), -EEXIST, -ENOSPC (no minor left) or
 * -ENOMEM.
 */
int kbuf_buffer_create(const char *name, const struct kbuf_backend *be,
		       u64 size, u32 gfp)
{
	struct kbuf_buffer *buf;
	int ret;

	ret = kbuf_backend_check_size(be, size);
	if (ret)
		return ret;
	if (gfp == KBUF_GFP_ATOMIC && !be->can_atomic)
		return -EINVAL;

	buf = kbuf_buffer_new(name, be, gfp);
	if (!buf)
		return -ENOMEM;
	ret = kbuf_mem_alloc(be, &buf->mem, size, gfp);
	if (ret)
		goto err_put_device;

	mutex_lock(&kbuf_registry_lock);
	ret = kbuf_buffer_find(name) ? -EEXIST : kbuf_buffer_register(buf);
	mutex_unlock(&kbuf_registry_lock);
	if (ret)
		goto err_free_mem;
	return 0;

err_free_mem:
	be->free(&buf->mem);
err_put_device:
	put_device(&buf->dev);
	return ret;
}

/* Caller holds kbuf_registry_lock; the buffer is off the list after. */
static void kbuf_buffer_remove(struct kbuf_buffer *buf)
{
	int minor = MINOR(buf->dev.devt);

	list_del(&buf->node);
	cdev_device_del(&buf->cdev, &buf->dev);
	buf->backend->free(&buf->mem);
	ida_free(&kbuf_minors, minor);
	put_device(&buf->dev);
}

/* Mark @buf dead unless someone has it open (a mapping holds a file). */
static int kbuf_buffer_kill(struct kbuf_buffer *buf)
{
	int ret = 0;

	mutex_lock(&buf->lock);
	if (atomic_read(&buf->opens) || atomic_read(&buf->mappings))
		ret = -EBUSY;
	else
		buf->dead = true;
	mutex_unlock(&buf->lock);
	return ret;
}

/**
 * kbuf_buffer_destroy() - remove a buffer and free its memory
 * @name: the buffer's name
 *
 * Return: 0, -ENOENT if there is no such buffer, or -EBUSY while it is
 * open or mapped.
 */
int kbuf_buffer_destroy(const char *name)
{
	struct kbuf_buffer *buf;
	int ret;

	mutex_lock(&kbuf_registry_lock);
	buf = kbuf_buffer_find(name);
	ret = buf ? kbuf_buffer_kill(buf) : -ENOENT;
	if (!ret)
		kbuf_buffer_remove(buf);
	mutex_unlock(&kbuf_registry_lock);
	return ret;
}

/**
 * kbuf_buffer_destroy_all() - remove every buffer at module unload
 *
 * Nothing can be open: every open file and mapping pins the module.
 */
void kbuf_buffer_destroy_all(void)
{
	struct kbuf_buffer *buf, *tmp;

	mutex_lock(&kbuf_registry_lock);
	list_for_each_entry_safe(buf, tmp, &kbuf_buffers, node) {
		WARN_ON(kbuf_buffer_kill(buf));
		kbuf_buffer_remove(buf);
	}
	mutex_unlock(&kbuf_registry_lock);
}

/**
 * kbuf_buffer_get_open() - count an open() of @buf
 * @buf: the buffer behind the inode
 *
 * Return: 0, or -ENODEV if the buffer is being destroyed.
 */
int kbuf_buffer_get_open(struct kbuf_buffer *buf)
{
	int ret = 0;

	mutex_lock(&buf->lock);
	if (buf->dead)
		ret = -ENODEV;
	else
		atomic_inc(&buf->opens);
	mutex_unlock(&buf->lock);
	return ret;
}

/**
 * kbuf_buffer_set_length() - set the number of valid bytes
 * @buf:    the buffer
 * @length: new length; the bytes are left as they are
 *
 * Return: 0, -EINVAL if @length exceeds the capacity, or -EINTR if a fatal
 * signal came while waiting for a writer.
 */
int kbuf_buffer_set_length(struct kbuf_buffer *buf, u64 length)
{
	int ret = 0;

	if (down_write_killable(&buf->io_rwsem))
		return -EINTR;
	if (length > buf->mem.capacity)
		ret = -EINVAL;
	else
		WRITE_ONCE(buf->length, length);
	up_write(&buf->io_rwsem);
	return ret;
}

/* Caller holds io_rwsem exclusive and buf->lock. */
static int kbuf_buffer_swap_mem(struct kbuf_buffer *buf, size_t size,
				struct kbuf_mem *old)
{
	struct kbuf_mem new;
	int ret;

	if (atomic_read(&buf->mappings))
		return -EBUSY;
	ret = kbuf_mem_alloc(buf->backend, &new, size, buf->gfp);
	if (ret)
		return ret;

	memcpy(new.vaddr, buf->mem.vaddr, min(size, buf->mem.capacity));
	*old = buf->mem;
	buf->mem = new;
	WRITE_ONCE(buf->length, min(buf->length, size));
	return 0;
}

/**
 * kbuf_buffer_resize() - reallocate with the same backend
 * @buf:  the buffer
 * @size: new capacity; the first min(old, new) bytes are kept, the rest
 *        reads as zeros
 *
 * Return: 0, -EINVAL for a size the backend refuses, -EBUSY while mapped,
 * -ENOMEM, or -EINTR.
 */
int kbuf_buffer_resize(struct kbuf_buffer *buf, u64 size)
{
	struct kbuf_mem old;
	int ret;

	ret = kbuf_backend_check_size(buf->backend, size);
	if (ret)
		return ret;
	if (down_write_killable(&buf->io_rwsem))
		return -EINTR;
	mutex_lock(&buf->lock);
	ret = kbuf_buffer_swap_mem(buf, size, &old);
	mutex_unlock(&buf->lock);
	up_write(&buf->io_rwsem);
	if (!ret)
		buf->backend->free(&old);
	return ret;
}

/**
 * kbuf_buffer_clear() - zero every byte user space can reach, length 0
 * @buf: the buffer
 */
void kbuf_buffer_clear(struct kbuf_buffer *buf)
{
	down_write(&buf->io_rwsem);
	memset(buf->mem.vaddr, 0, max(buf->mem.capacity, buf->mem.map_size));
	WRITE_ONCE(buf->length, 0);
	up_write(&buf->io_rwsem);
}
