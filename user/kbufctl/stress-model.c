// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl stress: the pure model. What a buffer holds, what the contract
 * lets each call return, and the seeded picks that make a run: no system
 * call here, so that the host unit tests (user/tests/unit.c) check the
 * rules on their own.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "stress.h"

const int kst_errnos[KST_NR_ERRS] = {
	[KST_E_INVAL] = EINVAL, [KST_E_NOSPC] = ENOSPC, [KST_E_BUSY] = EBUSY,
	[KST_E_FAULT] = EFAULT, [KST_E_ACCES] = EACCES, [KST_E_BADF] = EBADF,
	[KST_E_NOTTY] = ENOTTY, [KST_E_NXIO] = ENXIO,	[KST_E_NOMEM] = ENOMEM,
	[KST_E_EXIST] = EEXIST, [KST_E_NOENT] = ENOENT,
};

/* ---- numbers ------------------------------------------------------- */

/* The worker's splitmix64 stream. */
__u64 kst_rand(struct kst_worker *w)
{
	return kbuf_splitmix64(&w->rng);
}

/* A number in [0, n), or 0 if n is 0. */
__u64 kst_below(struct kst_worker *w, __u64 n)
{
	return n ? kst_rand(w) % n : 0;
}

/* @n bytes of the worker's stream. */
void kst_random_bytes(struct kst_worker *w, unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 8) {
		__u64 r = kst_rand(w);

		memcpy(p + i, &r, n - i < 8 ? n - i : 8);
	}
}

/* A kmalloc buffer smaller than a page owns no whole page. */
__u64 kst_map_size(const struct kst_model *m)
{
	if (m->backend == KBUF_BACKEND_KMALLOC && m->capacity < kst_page())
		return 0;
	return kst_page_align(m->capacity);
}

/* The index of errno @e in kst_errnos, or -1. */
int kst_err_index(int e)
{
	int i;

	for (i = 0; i < KST_NR_ERRS; i++)
		if (kst_errnos[i] == e)
			return i;
	return -1;
}

/* May operation @op (or its checks) get errno @e? */
bool kst_errno_allowed(enum kst_op op, int e)
{
	int i = kst_err_index(e);

	return i >= 0 && (kst_ops[op].allowed & (1U << i));
}

/* ---- the model ----------------------------------------------------- */

/* What read() or pread() of @len bytes at @off returns. */
long kst_want_read(const struct kst_model *m, __u64 off, size_t len)
{
	if (off > INT64_MAX || len > INT64_MAX - off)
		return -EINVAL;
	if (off >= m->length)
		return 0;
	return (long)kst_min(len, m->length - off);
}

/* What write() or pwrite() of @len bytes at @off returns. */
long kst_want_write(const struct kst_model *m, __u64 off, size_t len)
{
	if (off > INT64_MAX || len > INT64_MAX - off)
		return -EINVAL;
	if (!len)
		return 0;
	if (off >= m->capacity)
		return -ENOSPC;
	return (long)kst_min(len, m->capacity - off);
}

/* @n bytes were written at @off: a gap after the length reads as zeros. */
void kst_model_write(struct kst_model *m, __u64 off, const unsigned char *data,
		     size_t n)
{
	if (!n)
		return;
	if (off > m->length)
		memset(m->bytes + m->length, 0, off - m->length);
	memcpy(m->bytes + off, data, n);
	m->length = kst_max(m->length, off + n);
}

/* Where lseek() goes, as on a file of size length capped at capacity. */
long kst_want_seek(const struct kst_model *m, __u64 pos, long long off,
		   int whence)
{
	long long r;

	switch (whence) {
	case SEEK_SET:
		r = off;
		break;
	case SEEK_CUR:
		if (!off)
			return (long)pos;
		r = (long long)pos + off;
		break;
	case SEEK_END:
		r = (long long)m->length + off;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		if ((__u64)off >= m->length)
			return -ENXIO;
		r = whence == SEEK_DATA ? off : (long long)m->length;
		break;
	default:
		return -EINVAL;
	}
	return r < 0 || (__u64)r > m->capacity ? -EINVAL : (long)r;
}

/* The first bytes stay, the rest reads as zeros, the length shrinks. */
void kst_model_resize(struct kst_model *m, __u64 size)
{
	if (size < m->capacity)
		memset(m->bytes + size, 0, m->capacity - size);
	m->capacity = size;
	m->length = kst_min(m->length, size);
}

void kst_model_clear(struct kst_model *m)
{
	memset(m->bytes, 0, m->capacity);
	m->length = 0;
}

/* What a resize to @size returns; a mapped buffer keeps its size. */
long kst_want_resize(const struct kst_model *m, __u64 size, bool mapped)
{
	if (!size || size > m->limit)
		return -EINVAL;
	return mapped ? -EBUSY : 0;
}

/* What a private buffer's open count and mapping count must be. */
__u64 kst_want_opens(const struct kst_target *t)
{
	return (t->fd >= 0) + (t->map.addr && t->map.own_file);
}

__u64 kst_want_maps(const struct kst_target *t)
{
	return t->map.addr ? 1 + t->map.split : 0;
}

/* ---- picking ------------------------------------------------------- */

/* A position in or near [0, @cap], its edges more often than not. */
__u64 kst_pick_pos(struct kst_worker *w, __u64 cap)
{
	switch (kst_below(w, 16)) {
	case 0:
		return 0;
	case 1:
		return cap ? cap - 1 : 0;
	case 2:
		return cap;
	case 3:
		return cap + 1;
	default:
		return kst_below(w, cap + 1);
	}
}

/* A private buffer's size: page edges often, at most KST_PRIV_MAX. */
__u64 kst_pick_size(struct kst_worker *w)
{
	static const __u64 sizes[] = { 1, 4095, 4096, 4097, 8192, 65536 };

	if (kst_below(w, 2))
		return sizes[kst_below(w, ARRAY_SIZE(sizes))];
	return 1 + kst_below(w, KST_PRIV_MAX);
}

/*
 * Where an I/O goes: inside the worker's region of a DEV; anywhere near
 * a private buffer, at times at an offset that is negative, huge, or
 * makes offset + length overflow (@odd).
 */
void kst_pick_io(struct kst_worker *w, const struct kst_target *t, bool odd,
		 __u64 *off, size_t *len)
{
	static const __u64 odds[] = { UINT64_MAX, INT64_MAX - 2, 1ULL << 62 };

	if (t->sdev) {
		*off = t->lo + kst_below(w, t->hi - t->lo);
		*len = 1 + kst_below(w, kst_min(t->hi - *off, KST_IO_MAX));
		return;
	}
	*off = kst_pick_pos(w, t->m->capacity);
	*len = kst_below(w, kst_below(w, 4) ? 4097 : KST_IO_MAX + 1);
	if (odd && !kst_below(w, 16))
		*off = odds[kst_below(w, ARRAY_SIZE(odds))];
}

/* Where a mapped access goes: in [@lo, @hi), at most KST_IO_MAX bytes. */
void kst_pick_window(struct kst_worker *w, __u64 lo, __u64 hi, __u64 *off,
		     size_t *len)
{
	*off = lo + kst_below(w, hi - lo);
	*len = 1 + kst_below(w, kst_min(hi - *off, KST_IO_MAX));
}

/* The next operation, by the weights of kst_ops[]. */
enum kst_op kst_pick_op(struct kst_worker *w)
{
	unsigned int r = (unsigned int)kst_below(w, 100), op;

	for (op = 0; op < KST_NR_OPS - 1; op++) {
		if (r < kst_ops[op].weight)
			break;
		r -= kst_ops[op].weight;
	}
	return (enum kst_op)op;
}
