// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: the life of a buffer: the registry of names and minors, create,
 * open, destroy, and the changes of size and length that every interface
 * (ioctl, sysfs, open with O_TRUNC) goes through.
 *
 * A buffer's structure lives as long as its struct device: every open file
 * holds a reference, so a destroy racing with an open or a close never
 * frees it under them. The memory is freed at destroy, which is refused
 * while any file description is open; a mapping holds its file, so it
 * counts as open until munmap().
 */
#include "kbuf.h"

#include <linux/capability.h>
#include <linux/error-injection.h>
#include <linux/idr.h>
#include <linux/minmax.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/string.h>

/* Long memset()s and memcpy()s are cut in chunks to reschedule. */
#define KBUF_MEM_CHUNK SZ_1M

static LIST_HEAD(kbuf_buffers);
static DEFINE_MUTEX(kbuf_registry_lock);
/* Minor -> buffer; an entry is NULL until its device is added. */
static DEFINE_IDR(kbuf_minors);
/* Under kbuf_registry_lock: the char device is added, uevents go out. */
static bool kbuf_buffers_announced;

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

static struct kbuf_buffer *kbuf_buffer_new(const char *name,
					   const struct kbuf_backend *be,
					   u32 gfp, u32 map_mode, int node)
{
	struct kbuf_pcpu_stats __percpu *stats;
	struct kbuf_buffer *buf;

	/* One exit for either failure; both frees accept NULL. */
	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);
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
	buf->map_mode = map_mode;
	buf->numa_node = node;
	init_rwsem(&buf->io_rwsem);
	mutex_init(&buf->lock);
	/* From here on put_device() frees the structure. */
	device_initialize(&buf->dev);
	buf->dev.class = &kbuf_class;
	buf->dev.groups = kbuf_groups;
	buf->dev.release = kbuf_buffer_release;
	set_dev_node(&buf->dev, node);
	return buf;
}

/* Caller holds kbuf_registry_lock; @buf has its memory and its name. */
static int kbuf_buffer_register(struct kbuf_buffer *buf)
{
	int minor, ret;

	/* -ENOSPC when every minor is taken. */
	minor = idr_alloc(&kbuf_minors, NULL, 0, KBUF_MAX_BUFFERS, GFP_KERNEL);
	if (minor < 0)
		return minor;

	buf->dev.devt = MKDEV(MAJOR(kbuf_devt), minor);
	ret = dev_set_name(&buf->dev, "%s", buf->name);
	if (ret)
		goto err_remove_minor;
	dev_set_uevent_suppress(&buf->dev, !kbuf_buffers_announced);
	ret = device_add(&buf->dev);
	if (ret)
		goto err_remove_minor;

	/* Only now can open() find it. */
	idr_replace(&kbuf_minors, buf, minor);
	list_add_tail(&buf->node, &kbuf_buffers);
	return 0;

err_remove_minor:
	idr_remove(&kbuf_minors, minor);
	return ret;
}

/**
 * kbuf_buffer_create() - allocate a buffer and make its device
 * @name: 1..31 characters, already validated
 * @be:   the backend
 * @size: capacity in bytes
 * @gfp:  KBUF_GFP_*
 * @map_mode: KBUF_MAP_*, one that @be can map (kbuf_map_mode_for())
 * @node: a NUMA node with memory, or NUMA_NO_NODE
 *
 * The node cannot be opened before the module's char device exists, so
 * the buffers made at load time are not reachable until the load is sure
 * to succeed (main.c). Their uevents wait for kbuf_buffers_announce().
 *
 * Return: 0, -EINVAL (size or gfp), -EEXIST, -ENOSPC (no minor left) or
 * -ENOMEM.
 */
int kbuf_buffer_create(const char *name, const struct kbuf_backend *be,
		       u64 size, u32 gfp, u32 map_mode, int node)
{
	struct kbuf_buffer *buf;
	int ret;

	ret = kbuf_backend_check_size(be, size);
	if (ret)
		return ret;
	if (gfp == KBUF_GFP_ATOMIC && !be->can_atomic)
		return -EINVAL;

	buf = kbuf_buffer_new(name, be, gfp, map_mode, node);
	if (!buf)
		return -ENOMEM;
	ret = kbuf_mem_alloc(be, &buf->mem, size, gfp, node);
	if (ret)
		goto err_put_device;
	buf->max_capacity = size;

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

/**
 * kbuf_buffers_announce() - send the add uevents of the buffers made at load
 *
 * Called once the region's char device is added. A uevent tells udev, and
 * every program that waits for it, that the node opens: sent before, it
 * woke openers into -ENXIO, and the kernel ran modprobe for the unknown
 * char major of each. Buffers created from now on announce themselves;
 * those created through the control node before this call (its node
 * exists, root may open it once the char device is added) are announced
 * here with the rest.
 */
void kbuf_buffers_announce(void)
{
	struct kbuf_buffer *buf;

	mutex_lock(&kbuf_registry_lock);
	kbuf_buffers_announced = true;
	list_for_each_entry(buf, &kbuf_buffers, node)
		kbuf_dev_announce(&buf->dev);
	mutex_unlock(&kbuf_registry_lock);
}

/* Caller holds kbuf_registry_lock; the buffer is off the list after. */
static void kbuf_buffer_remove(struct kbuf_buffer *buf)
{
	list_del(&buf->node);
	idr_remove(&kbuf_minors, MINOR(buf->dev.devt));
	device_del(&buf->dev);
	buf->backend->free(&buf->mem);
	put_device(&buf->dev);
}

/*
 * Nothing but the node's own descriptors may hold @buf's memory: no
 * mapping and no dma-buf. Caller holds buf->lock, or answers early.
 */
static bool kbuf_buffer_shared(struct kbuf_buffer *buf)
{
	return atomic_read(&buf->mappings) || atomic_read(&buf->exports);
}

/*
 * Mark @buf dead unless someone has it open (a mapping holds a file) or a
 * dma-buf of it exists.
 */
static int kbuf_buffer_kill(struct kbuf_buffer *buf)
{
	int ret = 0;

	mutex_lock(&buf->lock);
	if (atomic_read(&buf->opens) || kbuf_buffer_shared(buf))
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
 * open or mapped, or a dma-buf of it exists.
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
 * kbuf_buffer_destroy_all() - remove every buffer at unload or failed load
 *
 * Nothing can be open: at unload every open file, mapping and dma-buf
 * pins the module, and a failed load never made the char device that opens go
 * through.
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
 * kbuf_buffer_open() - find the buffer of a minor and count an open
 * @minor: the node's minor number
 *
 * Return: the buffer, with a reference the caller drops with
 * kbuf_buffer_close(), or ERR_PTR(-ENODEV) if no live buffer has @minor.
 */
struct kbuf_buffer *kbuf_buffer_open(unsigned int minor)
{
	struct kbuf_buffer *buf;

	mutex_lock(&kbuf_registry_lock);
	buf = idr_find(&kbuf_minors, minor);
	if (buf) {
		mutex_lock(&buf->lock);
		if (buf->dead) {
			buf = NULL;
		} else {
			atomic_inc(&buf->opens);
			get_device(&buf->dev);
		}
		mutex_unlock(&buf->lock);
	}
	mutex_unlock(&kbuf_registry_lock);
	return buf ? buf : ERR_PTR(-ENODEV);
}

/**
 * kbuf_buffer_close() - undo kbuf_buffer_open()
 * @buf: the buffer
 */
void kbuf_buffer_close(struct kbuf_buffer *buf)
{
	atomic_dec(&buf->opens);
	put_device(&buf->dev);
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

/**
 * kbuf_mem_fill() - memcpy() or memset() of up to a gigabyte
 * @dst:      destination
 * @src:      source, or NULL to zero @dst
 * @len:      bytes
 * @killable: stop when a fatal signal comes
 *
 * Works in chunks with a chance to reschedule between them.
 *
 * Return: 0, or -EINTR when @killable and a fatal signal came (@dst is
 * then partly written).
 */
int kbuf_mem_fill(void *dst, const void *src, size_t len, bool killable)
{
	size_t done, n;

	for (done = 0; done < len; done += n) {
		if (done) {
			if (killable && fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
		n = min_t(size_t, len - done, KBUF_MEM_CHUNK);
		if (src)
			memcpy(dst + done, src + done, n);
		else
			memset(dst + done, 0, n);
	}
	return 0;
}

/* Caller holds io_rwsem exclusive and buf->lock, and nothing maps @buf. */
static void kbuf_mem_publish(struct kbuf_buffer *buf, struct kbuf_mem *new)
{
	WRITE_ONCE(buf->mem.vaddr, new->vaddr);
	WRITE_ONCE(buf->mem.capacity, new->capacity);
	WRITE_ONCE(buf->mem.map_size, new->map_size);
	WRITE_ONCE(buf->mem.order, new->order);
	WRITE_ONCE(buf->mem.source, new->source);
	WRITE_ONCE(buf->length, min(buf->length, new->capacity));
}

/*
 * Nothing maps or exports @buf now; the mmap() and export count to
 * compare with at the swap. Return: 0 or -EBUSY, or -EINTR.
 */
static int kbuf_unmapped_seq(struct kbuf_buffer *buf, unsigned long *seq)
{
	int ret;

	if (mutex_lock_killable(&buf->lock))
		return -EINTR;
	ret = kbuf_buffer_shared(buf) ? -EBUSY : 0;
	*seq = buf->map_seq;
	mutex_unlock(&buf->lock);
	return ret;
}

/*
 * Caller holds io_rwsem exclusive. Copy the kept bytes into @new, then,
 * if nothing mapped or exported the buffer since before the copy, swap:
 * @new gets the old memory. A mapping (or dma-buf) made and gone during
 * the copy may have written the old memory after the copy read it: the
 * resize then fails with -EBUSY rather than lose that write. buf->lock is held only for
 * the decisions, never across the copy, so an mmap() (which takes it
 * under mmap_lock) waits for no copy.
 */
static int kbuf_buffer_swap_mem(struct kbuf_buffer *buf, struct kbuf_mem *new)
{
	struct kbuf_mem old = buf->mem;
	unsigned long seq;
	int ret;

	ret = kbuf_unmapped_seq(buf, &seq);
	if (!ret)
		ret = kbuf_mem_fill(new->vaddr, old.vaddr,
				    min(new->capacity, old.capacity), true);
	if (ret)
		return ret;
	if (mutex_lock_killable(&buf->lock))
		return -EINTR;
	if (kbuf_buffer_shared(buf) || buf->map_seq != seq)
		ret = -EBUSY;
	else
		kbuf_mem_publish(buf, new);
	mutex_unlock(&buf->lock);
	if (!ret)
		*new = old;
	return ret;
}

/*
 * Without CAP_SYS_ADMIN a buffer grows only up to what an administrator
 * allowed, and an atomic buffer not at all: GFP_ATOMIC may draw on the
 * memory reserves and is charged past a cgroup's memory.max. The
 * capability is asked for only when needed, so that a resize within the
 * limit leaves no trace in the audit log. Sets *@raise when the new size
 * raises max_capacity.
 */
static int kbuf_resize_allowed(struct kbuf_buffer *buf, u64 size, bool *raise)
{
	*raise = size > READ_ONCE(buf->max_capacity);
	if (!*raise && buf->gfp != KBUF_GFP_ATOMIC)
		return 0;
	return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

/**
 * kbuf_buffer_resize() - reallocate with the same backend
 * @buf:  the buffer
 * @size: new capacity; the first min(old, new) bytes are kept, the rest
 *        reads as zeros
 *
 * The new memory is allocated, and the data copied, before the lock that
 * mmap() takes is: a resize never makes a page fault or an mmap() wait
 * for a large allocation. A size above max_capacity, allowed with
 * CAP_SYS_ADMIN, becomes the new max_capacity.
 *
 * Return: 0, -EINVAL for a size the backend refuses, -EPERM without
 * CAP_SYS_ADMIN for a size above max_capacity or an atomic buffer,
 * -EBUSY while mapped or exported (or during the copy), -ENOMEM, or
 * -EINTR.
 */
int kbuf_buffer_resize(struct kbuf_buffer *buf, u64 size)
{
	struct kbuf_mem new;
	bool raise;
	int ret;

	ret = kbuf_backend_check_size(buf->backend, size);
	if (!ret)
		ret = kbuf_resize_allowed(buf, size, &raise);
	if (ret)
		return ret;
	/* Cheap early answer; the real test is made again at the swap. */
	if (kbuf_buffer_shared(buf))
		return -EBUSY;
	ret = kbuf_mem_alloc(buf->backend, &new, size, buf->gfp,
			     buf->numa_node);
	if (ret)
		return ret;

	if (down_write_killable(&buf->io_rwsem)) {
		ret = -EINTR;
		goto out_free;
	}
	ret = kbuf_buffer_swap_mem(buf, &new);
	/* Only ever raised, under io_rwsem: no check above can go stale. */
	if (!ret && raise && size > buf->max_capacity)
		WRITE_ONCE(buf->max_capacity, size);
	up_write(&buf->io_rwsem);
out_free:
	/* The old memory after a swap, else the new. */
	buf->backend->free(&new);
	return ret;
}

/**
 * kbuf_buffer_clear() - zero every byte user space can reach, length 0
 * @buf: the buffer
 *
 * Return: 0, or -EINTR if a fatal signal came while waiting for a reader
 * or during the zeroing (the length is then left as it was).
 */
int kbuf_buffer_clear(struct kbuf_buffer *buf)
{
	int ret;

	if (down_write_killable(&buf->io_rwsem))
		return -EINTR;
	ret = kbuf_mem_fill(buf->mem.vaddr, NULL,
			    max(buf->mem.capacity, buf->mem.map_size), true);
	if (!ret)
		WRITE_ONCE(buf->length, 0);
	up_write(&buf->io_rwsem);
	return ret;
}
