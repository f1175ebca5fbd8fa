// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl stress: the I/O operations. read(), write(), pread(), pwrite()
 * and lseek() on the worker's descriptor, and opens with O_TRUNC and
 * O_APPEND, each checked against the model.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "stress.h"

/* ---- read, write, lseek -------------------------------------------- */

/*
 * Start a read() or write() at the file position, or seek to @off first.
 * Return false if the seek failed (as expected or not).
 */
static bool kst_position(struct kst_worker *w, struct kst_target *t, __u64 *off,
			 size_t *len)
{
	long want, got;

	if (kst_below(w, 2) &&
	    (!t->sdev || (t->pos >= t->lo && t->pos < t->hi))) {
		*off = t->pos;
		if (t->sdev)
			*len = kst_min(*len, t->hi - t->pos);
		return true;
	}
	want = kst_want_seek(t->m, t->pos, (long long)*off, SEEK_SET);
	got = kst_res(lseek(t->fd, (off_t)*off, SEEK_SET));
	if (!kst_expect(w, got, want, "lseek to %llu",
			(unsigned long long)*off) ||
	    got < 0)
		return false;
	t->pos = (__u64)got;
	return true;
}

/*
 * read() or write() (@writing) at the file position, or pread() or pwrite()
 * at @off (@at).
 */
static ssize_t kst_io_call(struct kst_worker *w, struct kst_target *t,
			   bool writing, bool at, __u64 off, size_t len)
{
	if (at)
		return writing ? pwrite(t->fd, w->data, len, (off_t)off) :
				 pread(t->fd, w->io, len, (off_t)off);
	return writing ? write(t->fd, w->data, len) : read(t->fd, w->io, len);
}

/*
 * One read(), write(), pread() or pwrite() (@writing, @at), checked
 * against the model: what a read moved is verified, what a write moved is
 * written into the model. read() and write() start at the file position
 * or seek first, and move it.
 */
static void kst_io(struct kst_worker *w, struct kst_target *t, bool writing,
		   bool at)
{
	static const char *const names[2][2] = { { "read", "write" },
						 { "pread", "pwrite" } };
	const char *what = names[at][writing];
	__u64 off;
	size_t len;
	long got, want;
	bool ok;

	kst_pick_io(w, t, at, &off, &len);
	if (!at && !kst_position(w, t, &off, &len))
		return;
	if (writing)
		kst_random_bytes(w, w->data, len);
	want = writing ? kst_want_write(t->m, off, len) :
			 kst_want_read(t->m, off, len);
	got = kst_res(kst_io_call(w, t, writing, at, off, len));
	if (at)
		ok = kst_expect(w, got, want, "%s of %zu bytes at %lld", what,
				len, (long long)off);
	else
		ok = kst_expect(w, got, want, "%s of %zu bytes at %llu", what,
				len, (unsigned long long)off);
	if (!ok || got <= 0)
		return;
	if (writing)
		kst_model_write(t->m, off, w->data, (size_t)got);
	else
		kst_verify(w, off, w->io, (size_t)got, what);
	if (!at)
		t->pos += (__u64)got;
}

void kst_do_read(struct kst_worker *w, struct kst_target *t)
{
	kst_io(w, t, false, false);
}

void kst_do_write(struct kst_worker *w, struct kst_target *t)
{
	kst_io(w, t, true, false);
}

void kst_do_pread(struct kst_worker *w, struct kst_target *t)
{
	kst_io(w, t, false, true);
}

void kst_do_pwrite(struct kst_worker *w, struct kst_target *t)
{
	kst_io(w, t, true, true);
}

static long long kst_pick_seek(struct kst_worker *w, struct kst_target *t,
			       int whence)
{
	long long delta = (long long)kst_below(w, 8192) - 4096;

	switch (whence) {
	case SEEK_SET:
		return kst_below(w, 8) ?
			       (long long)kst_pick_pos(w, t->m->capacity) :
			       -1;
	case SEEK_CUR:
		return kst_below(w, 2) ? 0 : delta;
	case SEEK_END:
		return kst_below(w, 2) ? 0 : delta;
	default:
		return (long long)kst_pick_pos(w, t->m->length);
	}
}

void kst_do_lseek(struct kst_worker *w, struct kst_target *t)
{
	static const int whences[] = { SEEK_SET,  SEEK_CUR,  SEEK_END,
				       SEEK_DATA, SEEK_HOLE, SEEK_HOLE + 1 };
	int whence = whences[kst_below(w, ARRAY_SIZE(whences))];
	long long off = kst_pick_seek(w, t, whence);
	long want = kst_want_seek(t->m, t->pos, off, whence);
	long got = kst_res(lseek(t->fd, (off_t)off, whence));

	if (kst_expect(w, got, want, "lseek(%lld, whence %d) from %llu", off,
		       whence, (unsigned long long)t->pos) &&
	    got >= 0)
		t->pos = (__u64)got;
}

/* ---- open with O_TRUNC, O_APPEND ----------------------------------- */

void kst_do_trunc(struct kst_worker *w, struct kst_target *t)
{
	static const int modes[] = { O_RDWR, O_WRONLY, O_RDONLY };
	int mode = modes[kst_below(w, ARRAY_SIZE(modes))];
	int fd = kst_open(w, t, mode | O_TRUNC);

	if (fd < 0)
		return;
	if (mode != O_RDONLY)
		t->m->length = 0;
	close(fd);
	kst_global_done(w, t);
}

/* Every write goes at the length: on a DEV (full length) ENOSPC. */
void kst_do_append(struct kst_worker *w, struct kst_target *t)
{
	size_t len = kst_below(w, 4) ? 1 + kst_below(w, 64) :
				       kst_below(w, 4097);
	int fd = kst_open(w, t,
			  (kst_below(w, 2) ? O_WRONLY : O_RDWR) | O_APPEND);
	__u64 at = t->m->length;
	long got;

	if (fd < 0)
		return;
	kst_random_bytes(w, w->data, len);
	got = kst_res(write(fd, w->data, len));
	if (kst_expect(w, got, kst_want_write(t->m, at, len),
		       "O_APPEND write of %zu bytes at length %llu", len,
		       (unsigned long long)at) &&
	    got > 0)
		kst_model_write(t->m, at, w->data, (size_t)got);
	close(fd);
}
