// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: ioctls of a buffer node (see uapi/linux/kbuf.h). Commands that change
 * the buffer need the descriptor open for writing, as write() does; a
 * dma-buf export needs it open for reading and writing (dmabuf.c).
 */
#include "kbuf.h"

#include <linux/build_bug.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/*
 * KBUF_IOC_INFO's request code carries the caller's sizeof(struct
 * kbuf_info): each size the struct has had gets that many bytes. Growing
 * the struct breaks these asserts on purpose: add its size to the uapi
 * header and answer its code in kbuf_ioctl() too.
 */
static_assert(offsetof(struct kbuf_info, exports) == KBUF_INFO_SIZE_VER0);
static_assert(sizeof(struct kbuf_info) == KBUF_INFO_SIZE_VER1);

/*
 * A physical address helps an attacker more than a reader: only an opener
 * with CAP_SYS_ADMIN sees it, checked against the credentials the file was
 * opened with (as /proc/PID/pagemap does), so a descriptor passed to a
 * less privileged process does not carry the right along.
 */
static void kbuf_info_phys(struct kbuf_buffer *buf, struct file *filp,
			   struct kbuf_info *info)
{
	if (!buf->backend->contiguous ||
	    !file_ns_capable(filp, &init_user_ns, CAP_SYS_ADMIN))
		return;
	info->phys_addr = virt_to_phys(buf->mem.vaddr);
	info->flags |= KBUF_INFO_PHYS;
}

static int kbuf_ioctl_info(struct kbuf_buffer *buf, struct file *filp,
			   void __user *argp, size_t usize)
{
	struct kbuf_info info;

	/* Size, length and address must describe one allocation. */
	if (down_read_killable(&buf->io_rwsem))
		return -EINTR;
	memset(&info, 0, sizeof(info));
	strscpy(info.name, buf->name, sizeof(info.name));
	info.backend = buf->backend->id;
	info.map_mode = buf->map_mode;
	info.gfp = buf->gfp;
	info.mappings = atomic_read(&buf->mappings);
	info.opens = atomic_read(&buf->opens);
	info.exports = atomic_read(&buf->exports);
	info.capacity = buf->mem.capacity;
	info.map_size = buf->mem.map_size;
	info.length = buf->length;
	kbuf_info_phys(buf, filp, &info);
	up_read(&buf->io_rwsem);

	if (copy_to_user(argp, &info, usize))
		return -EFAULT;
	return 0;
}

static int kbuf_ioctl_set_length(struct kbuf_buffer *buf, u64 __user *argp)
{
	u64 length;

	if (get_user(length, argp))
		return -EFAULT;
	return kbuf_buffer_set_length(buf, length);
}

/*
 * A buffer pins kernel memory: growing it past the capacity an
 * administrator gave it needs CAP_SYS_ADMIN, as creating one does
 * (kbuf_buffer_resize() asks).
 */
static int kbuf_ioctl_resize(struct kbuf_buffer *buf, u64 __user *argp)
{
	u64 size;

	if (get_user(size, argp))
		return -EFAULT;
	return kbuf_buffer_resize(buf, size);
}

/**
 * kbuf_ioctl() - the buffer node's ioctl entry point
 * @filp: the open buffer
 * @cmd:  KBUF_IOC_*
 * @arg:  user pointer to the command's argument
 *
 * Return: 0, a negative errno of the command, -EBADF for a changing
 * command on a descriptor not open for writing, or -ENOTTY for a command
 * this node does not know.
 */
long kbuf_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct kbuf_buffer *buf = filp->private_data;
	void __user *argp = (void __user *)arg;

	if (cmd == KBUF_IOC_INFO || cmd == KBUF_IOC_INFO_VER0)
		return kbuf_ioctl_info(buf, filp, argp, _IOC_SIZE(cmd));
	/* Checks the descriptor's access itself: -EBADF. */
	if (cmd == KBUF_IOC_EXPORT_DMABUF)
		return kbuf_ioctl_export_dmabuf(filp, argp);
	if (cmd != KBUF_IOC_SET_LENGTH && cmd != KBUF_IOC_RESIZE &&
	    cmd != KBUF_IOC_CLEAR)
		return -ENOTTY;
	if (!(filp->f_mode & FMODE_WRITE))
		return -EBADF;

	switch (cmd) {
	case KBUF_IOC_SET_LENGTH:
		return kbuf_ioctl_set_length(buf, argp);
	case KBUF_IOC_RESIZE:
		return kbuf_ioctl_resize(buf, argp);
	default:
		return kbuf_buffer_clear(buf);
	}
}
