// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: splice() and sendfile() from a buffer, by lending its pages.
 *
 * A buffer whose pages are its own (the page allocator and vmalloc
 * backends) puts references to them in the pipe, as tmpfs does with its
 * page cache: no byte is copied until the pipe's reader copies it, and
 * sendfile() to /dev/null or to a socket never copies at all.
 *
 * Each pipe buffer holds a reference of its own on its page (get_page()),
 * so a destroy or resize while the pages sit in a pipe frees only the
 * allocator's reference: the pages live until the pipe lets go, and are
 * never handed to anyone else before. Blocks of the page allocator are
 * compound (backend_pages.c), so a reference on a tail page holds the
 * whole block. The pipe buffers use the kernel's own nosteal operations,
 * which keep no pointer into this module: the module may be unloaded
 * while a pipe still holds its pages.
 *
 * What the pipe holds is the buffer's memory, not a copy: a write to the
 * buffer before the pipe is read shows through, as a write to a tmpfs file
 * does. The pages cannot be stolen (no try_steal): a splice on into a file
 * copies them.
 *
 * kmalloc memory is copied, through the kernel's helper and ->read_iter:
 * a slab object shares its page with other objects, which kfree() hands
 * out again whatever the page's count, and kfree() of a large kmalloc
 * marks the whole block freed for KASAN.
 */
#include "kbuf.h"

#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/pipe_fs_i.h>
#include <linux/splice.h>

/*
 * Put up to @len bytes from @pos into @pipe, one pipe buffer per page,
 * until the pipe is full. Caller holds io_rwsem shared, checked @pos is
 * below the length and cut @len to it.
 */
static ssize_t kbuf_lend_pages(struct kbuf_buffer *buf,
			       struct pipe_inode_info *pipe, loff_t pos,
			       size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		loff_t at = pos + done;
		struct pipe_buffer pb = {
			.offset = offset_in_page(at),
			.ops = &nosteal_pipe_buf_ops,
		};

		if (pipe_full(pipe->head, pipe->tail, pipe->max_usage))
			break;
		pb.page = buf->backend->page(&buf->mem, at >> PAGE_SHIFT);
		pb.len = min_t(size_t, len - done, PAGE_SIZE - pb.offset);
		get_page(pb.page);
		/* On failure add_to_pipe() drops the reference itself. */
		n = add_to_pipe(pipe, &pb);
		if (n < 0)
			return done ? done : n;
		done += n;
	}
	return done;
}

ssize_t kbuf_splice_read(struct file *in, loff_t *ppos,
			 struct pipe_inode_info *pipe, size_t len,
			 unsigned int flags)
{
	struct kbuf_buffer *buf = in->private_data;
	ssize_t ret = 0;

	if (!buf->backend->page)
		return kbuf_copy_splice_read(in, ppos, pipe, len, flags);
	if (!len)
		return 0;
	if (down_read_killable(&buf->io_rwsem))
		return -EINTR;
	if (*ppos < buf->length) {
		len = min_t(size_t, len, buf->length - *ppos);
		ret = kbuf_lend_pages(buf, pipe, *ppos, len);
	}
	up_read(&buf->io_rwsem);

	if (ret > 0) {
		*ppos += ret;
		kbuf_stat_add(buf, KBUF_STAT_READS, 1);
		kbuf_stat_add(buf, KBUF_STAT_BYTES_READ, ret);
	}
	return ret;
}
