// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: the file operations of a buffer node. The device behaves like a
 * file of fixed capacity: read() stops at the length, write() moves the
 * length up, O_TRUNC and O_APPEND work as on a regular file.
 *
 * Transfers go through the iterator operations, as for the kernel's own
 * memory devices (drivers/char/mem.c): they serve the vectored calls,
 * preadv2()/pwritev2(), aio, io_uring and, through the kernel's splice
 * helpers, splice() and sendfile(). Plain read(), write(), pread() and
 * pwrite() keep a direct entry, as /dev/zero's read() does; one pair of
 * functions (kbuf_read_at(), kbuf_write_at()) holds the rules for all.
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
#include <linux/uio.h>

/* Long copies are cut in chunks to reschedule and to heed fatal signals. */
#define KBUF_COPY_CHUNK SZ_256K

/**
 * struct kbuf_io - the user side of a transfer
 * @iter: an iterator: user memory for readv(), preadv2(), aio and
 *        io_uring, pipe pages for splice() and sendfile()
 * @ubuf: or, when @iter is NULL, the plain user pointer of read(),
 *        write(), pread() and pwrite()
 *
 * Plain calls keep their own entry points, as /dev/zero does in
 * drivers/char/mem.c: building a kiocb and an iterator for each small
 * read() cost 5 to 12 % more per 64-byte read, measured side by side with
 * the driver before it in one boot. Both kinds share every rule below;
 * only the copy primitive differs. The shared helpers are inlined into
 * each entry, so that the plain one compiles to the direct copy_to_user()
 * it was before the iterator path came: without that, the 64-byte figures
 * stayed 4 to 9 % worse.
 */
struct kbuf_io {
	struct iov_iter *iter;
	void __user *ubuf;
};

static __always_inline size_t kbuf_copy_chunk(void *kaddr, struct kbuf_io *io,
					      size_t off, size_t n,
					      bool to_user)
{
	if (io->iter)
		return to_user ? copy_to_iter(kaddr, n, io->iter) :
				 copy_from_iter(kaddr, n, io->iter);
	if (to_user)
		return n - copy_to_user(io->ubuf + off, kaddr, n);
	/*
	 * Not copy_from_user(): on a fault it zeroes the rest of its
	 * destination, here the buffer's data past the bytes the write
	 * reports. copy_from_iter() never zeroes either.
	 */
	return n - kbuf_copy_from_user_nozero(kaddr, io->ubuf + off, n);
}

/*
 * Move @count bytes between the buffer at @kaddr and @io. A fault ends the
 * copy: the bytes done so far count, -EFAULT only if there are none.
 */
static __always_inline ssize_t kbuf_copy(void *kaddr, struct kbuf_io *io,
					 size_t count, bool to_user)
{
	size_t done = 0, n, moved;

	while (done < count) {
		if (done && fatal_signal_pending(current))
			return done;
		n = min_t(size_t, count - done, KBUF_COPY_CHUNK);
		moved = kbuf_copy_chunk(kaddr + done, io, done, n, to_user);
		done += moved;
		if (moved < n)
			return done ? done : -EFAULT;
		if (done < count)
			cond_resched();
	}
	return done;
}

/*
 * io_rwsem for a transfer. @nowait (IOCB_NOWAIT: RWF_NOWAIT, io_uring's
 * first try) must not sleep: -EAGAIN instead, as a regular file answers.
 * A fatal signal ends the wait otherwise.
 */
static __always_inline int kbuf_io_lock(struct kbuf_buffer *buf, bool nowait,
					bool write)
{
	if (nowait) {
		if (write ? down_write_trylock(&buf->io_rwsem) :
			    down_read_trylock(&buf->io_rwsem))
			return 0;
		return -EAGAIN;
	}
	if (write)
		return down_write_killable(&buf->io_rwsem) ? -EINTR : 0;
	return down_read_killable(&buf->io_rwsem) ? -EINTR : 0;
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
	/* Transfers honour IOCB_NOWAIT: see kbuf_io_lock(). */
	filp->f_mode |= FMODE_NOWAIT;
	/*
	 * The VFS sets this for regular files and directories only. With
	 * it, read(), readv(), write(), writev() and lseek() of a shared
	 * descriptor hold f_pos_lock, so each moves the position at once.
	 * Without it two calls start at one position and one update of
	 * f_pos is lost: a data race that KCSAN reported between two
	 * read()s, and kbuf_llseek()'s store would be one side of it too.
	 * The wait for f_pos_lock cannot be killed; it lasts as long as
	 * the sharer's call, which may wait for io_rwsem, as an XFS read
	 * waits for i_rwsem.
	 */
	filp->f_mode |= FMODE_ATOMIC_POS;

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

/* Every read comes here: at most length - @pos bytes into @io. */
static __always_inline ssize_t kbuf_read_at(struct kbuf_buffer *buf, loff_t pos,
					    size_t count, bool nowait,
					    struct kbuf_io *io)
{
	ssize_t ret;

	if (!count)
		return 0;
	ret = kbuf_io_lock(buf, nowait, false);
	if (ret)
		return ret;
	if (pos < buf->length) {
		count = min_t(size_t, count, buf->length - pos);
		ret = kbuf_copy(buf->mem.vaddr + pos, io, count, true);
	}
	up_read(&buf->io_rwsem);

	if (ret > 0) {
		kbuf_stat_add(buf, KBUF_STAT_READS, 1);
		kbuf_stat_add(buf, KBUF_STAT_BYTES_READ, ret);
	}
	return ret;
}

static ssize_t kbuf_read(struct file *filp, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	struct kbuf_io io = { .ubuf = ubuf };
	ssize_t ret;

	ret = kbuf_read_at(filp->private_data, *ppos, count, false, &io);
	if (ret > 0)
		*ppos += ret;
	return ret;
}

/* readv(), preadv2(), aio, io_uring, splice() and sendfile(). */
static ssize_t kbuf_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct kbuf_io io = { .iter = to };
	ssize_t ret;

	ret = kbuf_read_at(iocb->ki_filp->private_data, iocb->ki_pos,
			   iov_iter_count(to), iocb->ki_flags & IOCB_NOWAIT,
			   &io);
	if (ret > 0)
		iocb->ki_pos += ret;
	return ret;
}

/* Caller holds io_rwsem exclusive and checked @pos < capacity. */
static __always_inline ssize_t kbuf_write_locked(struct kbuf_buffer *buf,
						 struct kbuf_io *io,
						 size_t count, size_t pos)
{
	size_t length = buf->length;
	ssize_t ret;

	count = min(count, buf->mem.capacity - pos);
	ret = kbuf_copy(buf->mem.vaddr + pos, io, count, false);
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

/*
 * Every write comes here, at *@pos or, with @append (O_APPEND or
 * RWF_APPEND), at the length; *@pos becomes the end of what was written.
 */
static __always_inline ssize_t kbuf_write_at(struct kbuf_buffer *buf,
					     loff_t *pos, size_t count,
					     bool append, bool nowait,
					     struct kbuf_io *io)
{
	ssize_t ret;

	if (!count)
		return 0;
	ret = kbuf_io_lock(buf, nowait, true);
	if (ret)
		return ret;
	if (append)
		*pos = buf->length;
	if (*pos >= buf->mem.capacity)
		ret = -ENOSPC;
	else
		ret = kbuf_write_locked(buf, io, count, *pos);
	up_write(&buf->io_rwsem);

	if (ret > 0) {
		*pos += ret;
		kbuf_stat_add(buf, KBUF_STAT_WRITES, 1);
		kbuf_stat_add(buf, KBUF_STAT_BYTES_WRITTEN, ret);
	}
	return ret;
}

static ssize_t kbuf_write(struct file *filp, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	struct kbuf_io io = { .ubuf = (void __user *)ubuf };
	loff_t pos = *ppos;
	ssize_t ret;

	ret = kbuf_write_at(filp->private_data, &pos, count,
			    filp->f_flags & O_APPEND, false, &io);
	if (ret > 0)
		*ppos = pos;
	return ret;
}

/* writev(), pwritev2(), aio, io_uring, splice() and sendfile(). */
static ssize_t kbuf_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct kbuf_io io = { .iter = from };

	return kbuf_write_at(iocb->ki_filp->private_data, &iocb->ki_pos,
			     iov_iter_count(from), iocb->ki_flags & IOCB_APPEND,
			     iocb->ki_flags & IOCB_NOWAIT, &io);
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
	.read_iter = kbuf_read_iter,
	.write_iter = kbuf_write_iter,
	.splice_read = kbuf_splice_read,
	.splice_write = iter_file_splice_write,
	.llseek = kbuf_llseek,
	.unlocked_ioctl = kbuf_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = kbuf_mmap,
};
