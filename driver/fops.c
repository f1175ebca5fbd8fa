// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: the file operations of a buffer node. The device behaves like a
 * file of fixed capacity: read() stops at the length, write() moves the
 * length up, O_TRUNC and O_APPEND work as on a regular file.
 *
 * Copies to and from user space run under io_rwsem (shared for read,
 * exclusive for write) and never under buf->lock, which mmap() takes with
 * the mm's mmap_lock held: a copy may fault and take mmap_lock itself.
 */
#include "kbuf.h"

#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>

/* Long copies are cut in chunks to reschedule and to heed fatal signals. */
#define KBUF_COPY_CHUNK SZ_256K

/*
 * Move @count bytes between the buffer and user space. A fault ends the
 * copy: the bytes done so far count, -EFAULT only if there are none.
 */
static ssize_t kbuf_copy(void *kaddr, void __user *uaddr, size_t count,
			 bool to_user)
{
	size_t done = 0, n, left;

	while (done < count) {
		if (done && fatal_signal_pending(current))
			return done;
		n = min_t(size_t, count - done, KBUF_COPY_CHUNK);
		if (to_user)
			left = copy_to_user(uaddr + done, kaddr + done, n);
		else
			left = copy_from_user(kaddr + done, uaddr + done, n);
		done += n - left;
		if (left)
			return done ? done : -EFAULT;
		if (done < count)
			cond_resched();
	}
	return done;
}

/*
 * The VFS refuses O_DIRECT (kbuf has no direct_IO) only after ->open has
 * run. Refusing it here, with the same EINVAL, keeps the rule that a
 * failed open changes nothing: O_TRUNC below never runs for it.
 */
static int kbuf_open(struct inode *inode, struct file *filp)
{
	struct kbuf_buffer *buf;
	int ret;

	if (filp->f_flags & O_DIRECT)
		return -EINVAL;
	buf = kbuf_buffer_open(iminor(inode));
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	filp->private_data = buf;

	/* As for a regular file, truncation needs write access. */
	if ((filp->f_flags & O_TRUNC) && (filp->f_mode & FMODE_WRITE)) {
		ret = kbuf_buffer_set_length(buf, 0);
		if (ret) {
			kbuf_buffer_close(buf);
			return ret;
		}
	}
	return 0;
}

static int kbuf_release(struct inode *inode, struct file *filp)
{
	kbuf_buffer_close(filp->private_data);
	return 0;
}

static ssize_t kbuf_read(struct file *filp, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	struct kbuf_buffer *buf = filp->private_data;
	loff_t pos = *ppos;
	ssize_t ret = 0;

	if (down_read_killable(&buf->io_rwsem))
		return -EINTR;
	if (pos < buf->length) {
		count = min_t(size_t, count, buf->length - pos);
		ret = kbuf_copy(buf->mem.vaddr + pos, ubuf, count, true);
	}
	up_read(&buf->io_rwsem);

	if (ret > 0) {
		*ppos = pos + ret;
		kbuf_stat_add(buf, KBUF_STAT_READS, 1);
		kbuf_stat_add(buf, KBUF_STAT_BYTES_READ, ret);
	}
	return ret;
}

/* Caller holds io_rwsem exclusive and checked @pos < capacity. */
static ssize_t kbuf_write_locked(struct kbuf_buffer *buf,
				 const char __user *ubuf, size_t count,
				 size_t pos)
{
	size_t length = buf->length;
	ssize_t ret;

	count = min(count, buf->mem.capacity - pos);
	ret = kbuf_copy(buf->mem.vaddr + pos, (void __user *)ubuf, count,
			false);
	if (ret <= 0)
		return ret;

	/*
	 * A gap between the old end and this write reads as zeros. The data
	 * is already in: the zeroing runs to the end, signal or not.
	 */
	if (pos > length)
		kbuf_mem_fill(buf->mem.vaddr + length, NULL, pos - length,
			      false);
	WRITE_ONCE(buf->length, max(length, pos + ret));
	return ret;
}

static ssize_t kbuf_write(struct file *filp, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	struct kbuf_buffer *buf = filp->private_data;
	loff_t pos;
	ssize_t ret;

	if (!count)
		return 0;
	if (down_write_killable(&buf->io_rwsem))
		return -EINTR;
	pos = (filp->f_flags & O_APPEND) ? buf->length : *ppos;
	if (pos >= buf->mem.capacity)
		ret = -ENOSPC;
	else
		ret = kbuf_write_locked(buf, ubuf, count, pos);
	up_write(&buf->io_rwsem);

	if (ret > 0) {
		*ppos = pos + ret;
		kbuf_stat_add(buf, KBUF_STAT_WRITES, 1);
		kbuf_stat_add(buf, KBUF_STAT_BYTES_WRITTEN, ret);
	}
	return ret;
}

/*
 * SEEK_END is relative to the length; a result below 0 or beyond the
 * capacity is -EINVAL. Both sizes are read once: a concurrent resize can
 * only make the position stale, and read() and write() check it again.
 */
static loff_t kbuf_llseek(struct file *filp, loff_t offset, int whence)
{
	struct kbuf_buffer *buf = filp->private_data;

	return generic_file_llseek_size(filp, offset, whence,
					READ_ONCE(buf->mem.capacity),
					READ_ONCE(buf->length));
}

/* The buffer nodes' operations; main.c's open hands them to a file. */
const struct file_operations kbuf_fops = {
	.owner = THIS_MODULE,
	.open = kbuf_open,
	.release = kbuf_release,
	.read = kbuf_read,
	.write = kbuf_write,
	.llseek = kbuf_llseek,
	.unlocked_ioctl = kbuf_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = kbuf_mmap,
};
