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

void kst_do_read(struct kst_worker *w, struct kst_target *t)
{
	__u64 off;
	size_t len;
	long got, want;

	kst_pick_io(w, t, false, &off, &len);
	if (!kst_position(w, t, &off, &len))
		return;
	want = kst_want_read(t->m, off, len);
	got = kst_res(read(t->fd, w->io, len));
	if (!kst_expect(w, got, want, "read of %zu bytes at %llu", len,
			(unsigned long long)off) ||
	    got <= 0)
		return;
	kst_verify(w, off, w->io, (size_t)got, "read");
	t->pos += (__u64)got;
}

void kst_do_write(struct kst_worker *w, struct kst_target *t)
{
	__u64 off;
	size_t len;
	long got, want;

	kst_pick_io(w, t, false, &off, &len);
	if (!kst_position(w, t, &off, &len))
		return;
	kst_random_bytes(w, w->data, len);
	want = kst_want_write(t->m, off, len);
	got = kst_res(write(t->fd, w->data, len));
	if (!kst_expect(w, got, want, "write of %zu bytes at %llu", len,
			(unsigned long long)off) ||
	    got <= 0)
		return;
	kst_model_write(t->m, off, w->data, (size_t)got);
	t->pos += (__u64)got;
}

void kst_do_pread(struct kst_worker *w, struct kst_target *t)
{
	__u64 off;
	size_t len;
	long got, want;

	kst_pick_io(w, t, true, &off, &len);
	want = kst_want_read(t->m, off, len);
	got = kst_res(pread(t->fd, w->io, len, (off_t)off));
	if (kst_expect(w, got, want, "pread of %zu bytes at %lld", len,
		       (long long)off) &&
	    got > 0)
		kst_verify(w, off, w->io, (size_t)got, "pread");
}

void kst_do_pwrite(struct kst_worker *w, struct kst_target *t)
{
	__u64 off;
	size_t len;
	long got, want;

	kst_pick_io(w, t, true, &off, &len);
	kst_random_bytes(w, w->data, len);
	want = kst_want_write(t->m, off, len);
	got = kst_res(pwrite(t->fd, w->data, len, (off_t)off));
	if (kst_expect(w, got, want, "pwrite of %zu bytes at %lld", len,
		       (long long)off) &&
	    got > 0)
		kst_model_write(t->m, off, w->data, (size_t)got);
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
