// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl stress: the operations, each checked against the model of the
 * buffer it runs on (see stress.h for who owns which bytes), and the
 * contract's rules that the model follows.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress.h"

#define KST_KMALLOC_LIMIT 4194304ULL
#define KST_VMALLOC_LIMIT 1073741824ULL
/* Backend and size values of kst_bad_creates meaning "the worker's own". */
#define KST_OWN_BACKEND UINT32_MAX
#define KST_OVER_LIMIT UINT64_MAX
#define KST_RW (PROT_READ | PROT_WRITE)
#define KST_B(e) (1U << KST_E_##e)
/* The worker and operation at which --self-test-divergence strikes. */
#define KST_SELF_TEST_OP 20

typedef void kst_op_fn(struct kst_worker *w, struct kst_target *t);

const char *const kst_op_names[KST_NR_OPS] = {
	[KST_READ] = "read",
	[KST_WRITE] = "write",
	[KST_PREAD] = "pread",
	[KST_PWRITE] = "pwrite",
	[KST_LSEEK] = "lseek",
	[KST_MMAP] = "mmap",
	[KST_MUNMAP] = "munmap",
	[KST_MREMAP] = "mremap",
	[KST_MAPWRITE] = "map-write",
	[KST_MAPREAD] = "map-read",
	[KST_INFO] = "info",
	[KST_SETLEN] = "set-length",
	[KST_RESIZE] = "resize",
	[KST_CLEAR] = "clear",
	[KST_BADIOCTL] = "bad-ioctl",
	[KST_FORK] = "fork",
	[KST_CLOSEMAP] = "close-mapped",
	[KST_TRUNC] = "open-trunc",
	[KST_APPEND] = "open-append",
	[KST_CREATE] = "create",
	[KST_DESTROY] = "destroy",
};

const int kst_errnos[KST_NR_ERRS] = {
	[KST_E_INVAL] = EINVAL, [KST_E_NOSPC] = ENOSPC, [KST_E_BUSY] = EBUSY,
	[KST_E_FAULT] = EFAULT, [KST_E_ACCES] = EACCES, [KST_E_BADF] = EBADF,
	[KST_E_NOTTY] = ENOTTY, [KST_E_NXIO] = ENXIO,	[KST_E_NOMEM] = ENOMEM,
	[KST_E_EXIST] = EEXIST, [KST_E_NOENT] = ENOENT,
};

/* The errnos the contract lets each operation (and its checks) get. */
static const unsigned int kst_allowed[KST_NR_OPS] = {
	[KST_READ] = KST_B(INVAL) | KST_B(FAULT),
	[KST_WRITE] = KST_B(INVAL) | KST_B(NOSPC) | KST_B(FAULT),
	[KST_PREAD] = KST_B(INVAL) | KST_B(FAULT),
	[KST_PWRITE] = KST_B(INVAL) | KST_B(NOSPC) | KST_B(FAULT),
	[KST_LSEEK] = KST_B(INVAL) | KST_B(NXIO),
	[KST_MMAP] = KST_B(INVAL) | KST_B(ACCES),
	[KST_MREMAP] = KST_B(FAULT),
	[KST_SETLEN] = KST_B(INVAL),
	[KST_RESIZE] = KST_B(INVAL) | KST_B(BUSY) | KST_B(NOMEM),
	[KST_BADIOCTL] = KST_B(NOTTY) | KST_B(FAULT) | KST_B(BADF),
	[KST_CLOSEMAP] = KST_B(INVAL),
	[KST_APPEND] = KST_B(NOSPC),
	[KST_CREATE] = KST_B(INVAL) | KST_B(EXIST) | KST_B(NOSPC) |
		       KST_B(NOMEM),
	[KST_DESTROY] = KST_B(BUSY) | KST_B(NOENT) | KST_B(INVAL),
};

/* How often each operation runs, out of 100. */
static const unsigned char kst_weights[KST_NR_OPS] = {
	[KST_READ] = 12,   [KST_WRITE] = 12,   [KST_PREAD] = 12,
	[KST_PWRITE] = 12, [KST_LSEEK] = 6,    [KST_MMAP] = 5,
	[KST_MUNMAP] = 4,  [KST_MREMAP] = 2,   [KST_MAPWRITE] = 8,
	[KST_MAPREAD] = 8, [KST_INFO] = 4,     [KST_SETLEN] = 2,
	[KST_RESIZE] = 2,  [KST_CLEAR] = 1,    [KST_BADIOCTL] = 2,
	[KST_FORK] = 1,	   [KST_CLOSEMAP] = 2, [KST_TRUNC] = 1,
	[KST_APPEND] = 2,  [KST_CREATE] = 1,   [KST_DESTROY] = 1,
};

/* ---- numbers ------------------------------------------------------- */

static __u64 kst_min(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

static __u64 kst_max(__u64 a, __u64 b)
{
	return a > b ? a : b;
}

static __u64 kst_page(void)
{
	return (__u64)kbuf_page_size();
}

static __u64 kst_page_align(__u64 n)
{
	return (n + kst_page() - 1) & ~(kst_page() - 1);
}

/* splitmix64 */
__u64 kst_rand(struct kst_worker *w)
{
	__u64 z = (w->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n), or 0 if n is 0. */
__u64 kst_below(struct kst_worker *w, __u64 n)
{
	return n ? kst_rand(w) % n : 0;
}

static void kst_random_bytes(struct kst_worker *w, unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 8) {
		__u64 r = kst_rand(w);

		memcpy(p + i, &r, n - i < 8 ? n - i : 8);
	}
}

__u64 kst_backend_limit(__u32 backend)
{
	return backend == KBUF_BACKEND_VMALLOC ? KST_VMALLOC_LIMIT :
						 KST_KMALLOC_LIMIT;
}

/* A kmalloc buffer smaller than a page owns no whole page. */
__u64 kst_map_size(const struct kst_model *m)
{
	if (m->backend == KBUF_BACKEND_KMALLOC && m->capacity < kst_page())
		return 0;
	return kst_page_align(m->capacity);
}

/* ---- results and failures ------------------------------------------ */

static long kst_res(long ret)
{
	return ret < 0 ? -errno : ret;
}

static const char *kst_str(long v, char *buf, size_t len)
{
	const char *name;

	if (v >= 0) {
		snprintf(buf, len, "%ld", v);
		return buf;
	}
	name = strerrorname_np((int)-v);
	snprintf(buf, len, "%s", name ? name : "an unknown errno");
	return buf;
}

static int kst_err_index(int e)
{
	int i;

	for (i = 0; i < KST_NR_ERRS; i++)
		if (kst_errnos[i] == e)
			return i;
	return -1;
}

static void kst_mismatch(struct kst_worker *w, long got, long want,
			 const char *what)
{
	char g[32], x[32];
	int i = got < 0 ? kst_err_index((int)-got) : 0;

	kst_str(got, g, sizeof(g));
	kst_str(want, x, sizeof(x));
	if (got < 0 && (i < 0 || !(kst_allowed[w->op] & (1U << i))))
		kst_fail(w, KST_F_ERRNO,
			 "%s: got %s, never allowed for %s (model: %s)", what,
			 g, kst_op_names[w->op], x);
	else
		kst_fail(w, KST_F_DIVERGE, "%s: got %s, the model expects %s",
			 what, g, x);
}

/*
 * Is @got (a value or -errno) what the model expects? Counts an expected
 * errno; reports a wrong result with @fmt describing the call.
 */
static bool kst_expect(struct kst_worker *w, long got, long want,
		       const char *fmt, ...)
{
	char what[160];
	va_list ap;
	int i;

	if (got == want) {
		i = got < 0 ? kst_err_index((int)-got) : -1;
		if (i >= 0)
			w->st->errs[w->op][i]++;
		return true;
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	kst_mismatch(w, got, want, what);
	return false;
}

/* Do @n bytes @got, from buffer offset @off, match the model? */
static bool kst_verify(struct kst_worker *w, __u64 off,
		       const unsigned char *got, size_t n, const char *how)
{
	const unsigned char *want = w->cur->m->bytes + off;
	size_t i = 0;

	if (!memcmp(got, want, n))
		return true;
	while (got[i] == want[i])
		i++;
	kst_fail(w, KST_F_DIVERGE,
		 "%s of %zu bytes at %llu: byte %llu is 0x%02x, not 0x%02x",
		 how, n, (unsigned long long)off, (unsigned long long)(off + i),
		 got[i], want[i]);
	return false;
}

/* ---- the model ----------------------------------------------------- */

/* What read() or pread() of @len bytes at @off returns. */
static long kst_want_read(const struct kst_model *m, __u64 off, size_t len)
{
	if (off > INT64_MAX || len > INT64_MAX - off)
		return -EINVAL;
	if (off >= m->length)
		return 0;
	return (long)kst_min(len, m->length - off);
}

/* What write() or pwrite() of @len bytes at @off returns. */
static long kst_want_write(const struct kst_model *m, __u64 off, size_t len)
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
static void kst_model_write(struct kst_model *m, __u64 off,
			    const unsigned char *data, size_t n)
{
	if (!n)
		return;
	if (off > m->length)
		memset(m->bytes + m->length, 0, off - m->length);
	memcpy(m->bytes + off, data, n);
	m->length = kst_max(m->length, off + n);
}

/* Where lseek() goes, as on a file of size length capped at capacity. */
static long kst_want_seek(const struct kst_model *m, __u64 pos, long long off,
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
static void kst_model_resize(struct kst_model *m, __u64 size)
{
	if (size < m->capacity)
		memset(m->bytes + size, 0, m->capacity - size);
	m->capacity = size;
	m->length = kst_min(m->length, size);
}

static void kst_model_clear(struct kst_model *m)
{
	memset(m->bytes, 0, m->capacity);
	m->length = 0;
}

/* ---- picking ------------------------------------------------------- */

/* A position in or near [0, @cap], its edges more often than not. */
static __u64 kst_pick_pos(struct kst_worker *w, __u64 cap)
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
static __u64 kst_pick_size(struct kst_worker *w)
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
static void kst_pick_io(struct kst_worker *w, struct kst_target *t, bool odd,
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

/* ---- small calls --------------------------------------------------- */

static int kst_open(struct kst_worker *w, struct kst_target *t, int flags)
{
	int fd = open(t->path, flags | O_CLOEXEC);

	if (fd < 0)
		kst_expect(w, -errno, 0, "open of %s", t->path);
	return fd;
}

static bool kst_ioctl_u64(struct kst_worker *w, int fd, unsigned long req,
			  __u64 v, long want, const char *name)
{
	long got = kst_res(ioctl(fd, req, &v));

	return kst_expect(w, got, want, "%s %llu", name, (unsigned long long)v);
}

static bool kst_field(struct kst_worker *w, const char *name, __u64 got,
		      __u64 want)
{
	if (got == want)
		return true;
	kst_fail(w, KST_F_DIVERGE, "KBUF_IOC_INFO says %s %llu, the model %llu",
		 name, (unsigned long long)got, (unsigned long long)want);
	return false;
}

/* What a private buffer's open count and mapping count must be. */
static __u64 kst_want_opens(const struct kst_target *t)
{
	return (t->fd >= 0) + (t->map.addr && t->map.own_file);
}

static __u64 kst_want_maps(const struct kst_target *t)
{
	return t->map.addr ? 1 + t->map.split : 0;
}

/* How many mappings of @path /proc/self/maps lists (for a divergence). */
static unsigned int kst_maps_of(const char *path)
{
	char line[512];
	unsigned int n = 0;
	size_t len = strlen(path);
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, path);

		n += p && (p[len] == '\n' || p[len] == ' ');
	}
	fclose(f);
	return n;
}

/* KBUF_IOC_INFO must agree with the model (counts: private only). */
static void kst_check_info(struct kst_worker *w, struct kst_target *t)
{
	struct kbuf_info info;
	long got = kst_res(ioctl(t->fd, KBUF_IOC_INFO, &info));
	__u64 want;

	if (!kst_expect(w, got, 0, "KBUF_IOC_INFO"))
		return;
	if (!kst_field(w, "capacity", info.capacity, t->m->capacity) ||
	    !kst_field(w, "length", info.length, t->m->length) ||
	    !kst_field(w, "map_size", info.map_size, kst_map_size(t->m)) ||
	    !kst_field(w, "backend", info.backend, t->m->backend) || t->sdev)
		return;
	want = kst_want_maps(t);
	if (info.mappings != want) {
		/* Does the process still have them? Kernel or model at fault. */
		kst_fail(w, KST_F_DIVERGE,
			 "INFO says mappings %llu, the model %llu, maps %u",
			 (unsigned long long)info.mappings,
			 (unsigned long long)want, kst_maps_of(t->path));
		return;
	}
	kst_field(w, "opens", info.opens, kst_want_opens(t));
}

/*
 * After an operation on a whole buffer: INFO must agree, and a DEV gets
 * its length back (its owners rely on length == capacity).
 */
static void kst_global_done(struct kst_worker *w, struct kst_target *t)
{
	kst_check_info(w, t);
	if (!t->sdev || t->m->length == t->m->capacity)
		return;
	if (kst_ioctl_u64(w, t->fd, KBUF_IOC_SET_LENGTH, t->m->capacity, 0,
			  "KBUF_IOC_SET_LENGTH"))
		t->m->length = t->m->capacity;
}

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

static void kst_do_read(struct kst_worker *w, struct kst_target *t)
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

static void kst_do_write(struct kst_worker *w, struct kst_target *t)
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

static void kst_do_pread(struct kst_worker *w, struct kst_target *t)
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

static void kst_do_pwrite(struct kst_worker *w, struct kst_target *t)
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

static void kst_do_lseek(struct kst_worker *w, struct kst_target *t)
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

/* ---- mappings ------------------------------------------------------ */

/* mmap() and compare with @want (0 or -errno); the mapping or NULL. */
static unsigned char *kst_mmap(struct kst_worker *w, int fd, __u64 off,
			       size_t len, int flags, int prot, long want)
{
	void *p = mmap(NULL, len, prot, flags, fd, (off_t)off);
	long got = p == MAP_FAILED ? -errno : 0;

	if (!kst_expect(w, got, want, "mmap of %zu bytes at %llu", len,
			(unsigned long long)off)) {
		if (p != MAP_FAILED)
			munmap(p, len);
		return NULL;
	}
	return p == MAP_FAILED ? NULL : p;
}

/* The pages to map: the region of a DEV, any valid range if private. */
static long kst_map_range(struct kst_worker *w, struct kst_target *t,
			  __u64 *off, size_t *len)
{
	__u64 size = kst_map_size(t->m), npages = size / kst_page(), first;

	if (t->sdev) {
		*off = t->lo & ~(kst_page() - 1);
		*len = kst_page_align(t->hi) - *off;
	} else if (npages) {
		first = kst_below(w, npages);
		*off = first * kst_page();
		*len = (1 + kst_below(w, npages - first)) * kst_page();
	} else {
		*off = 0;
		*len = kst_page();
	}
	return size ? 0 : -EINVAL;
}

static void kst_map_good(struct kst_worker *w, struct kst_target *t, int fd,
			 bool own_file)
{
	__u64 off;
	size_t len;
	long want = kst_map_range(w, t, &off, &len);
	unsigned char *p = kst_mmap(w, fd, off, len, MAP_SHARED, KST_RW, want);

	if (!p)
		return;
	t->map.addr = p;
	t->map.len = len;
	t->map.off = off;
	t->map.own_file = own_file;
	t->map.split = false;
}

static void kst_munmap(struct kst_worker *w, void *addr, size_t len)
{
	if (munmap(addr, len))
		kst_fail(w, KST_F_TOOL, "munmap: %s", strerror(errno));
}

/*
 * Unmap what is left of the mapping. A split mapping goes piece by piece:
 * the page cut out of its middle is free address space again, and another
 * thread's mmap may have landed there meanwhile.
 */
static void kst_unmap(struct kst_worker *w, struct kst_target *t)
{
	size_t page = kst_page();

	if (!t->map.addr)
		return;
	if (t->map.split) {
		kst_munmap(w, t->map.addr, page);
		kst_munmap(w, t->map.addr + 2 * page, t->map.len - 2 * page);
	} else {
		kst_munmap(w, t->map.addr, t->map.len);
	}
	memset(&t->map, 0, sizeof(t->map));
}

/* Private, past the end, pgoff near the top, PROT_WRITE on O_RDONLY. */
static void kst_map_bad(struct kst_worker *w, struct kst_target *t)
{
	__u64 page = kst_page(), size = kst_map_size(t->m);
	int ro;

	switch (kst_below(w, 5)) {
	case 0:
		kst_mmap(w, t->fd, 0, page, MAP_PRIVATE, KST_RW, -EINVAL);
		break;
	case 1:
		kst_mmap(w, t->fd, size, page, MAP_SHARED, KST_RW, -EINVAL);
		break;
	case 2:
		kst_mmap(w, t->fd, 0, size + page, MAP_SHARED, KST_RW, -EINVAL);
		break;
	case 3:
		kst_mmap(w, t->fd, (1ULL << 63) - 2 * page, page, MAP_SHARED,
			 KST_RW, -EINVAL);
		break;
	default:
		ro = kst_open(w, t, O_RDONLY);
		if (ro >= 0)
			kst_mmap(w, ro, 0, page, MAP_SHARED, KST_RW, -EACCES);
		close(ro);
	}
}

static void kst_do_mmap(struct kst_worker *w, struct kst_target *t)
{
	kst_unmap(w, t);
	if (kst_below(w, 6))
		kst_map_good(w, t, t->fd, false);
	else
		kst_map_bad(w, t);
}

/* Map through a descriptor of its own, then close it: the map holds it. */
static void kst_do_closemap(struct kst_worker *w, struct kst_target *t)
{
	int fd = kst_open(w, t, O_RDWR);

	if (fd < 0)
		return;
	kst_unmap(w, t);
	kst_map_good(w, t, fd, true);
	close(fd);
	if (!t->sdev)
		kst_check_info(w, t);
}

/* Unmap; a private mapping of 3 pages or more loses its middle first. */
static void kst_do_munmap(struct kst_worker *w, struct kst_target *t)
{
	__u64 page = kst_page();

	if (!t->sdev && t->map.len >= 3 * page && kst_below(w, 2)) {
		kst_munmap(w, t->map.addr + page, page);
		t->map.split = true;
		kst_check_info(w, t);
	}
	kst_unmap(w, t);
	if (!t->sdev)
		kst_check_info(w, t);
}

/* Shrinking works; growing fails with EFAULT (VM_DONTEXPAND). */
static void kst_do_mremap(struct kst_worker *w, struct kst_target *t)
{
	size_t page = kst_page(), len = t->map.len;
	void *p;

	if (len >= 2 * page && kst_below(w, 2)) {
		p = mremap(t->map.addr, len, len - page, 0);
		if (kst_expect(w, p == MAP_FAILED ? -errno : 0, 0,
			       "mremap from %zu to %zu bytes", len, len - page))
			t->map.len -= page;
		return;
	}
	p = mremap(t->map.addr, len, len + page, MREMAP_MAYMOVE);
	if (p != MAP_FAILED) {
		t->map.addr = p;
		t->map.len += page;
	}
	kst_expect(w, p == MAP_FAILED ? -errno : 0, -EFAULT,
		   "mremap growing %zu bytes by a page", len);
}

/*
 * The bytes of the mapping the worker may touch, as buffer offsets
 * [*lo, *hi): its own, below the capacity unless @tail (the rest of the
 * last page, which must read as zeros).
 */
static bool kst_map_window(const struct kst_target *t, bool tail, __u64 *lo,
			   __u64 *hi)
{
	__u64 end = t->map.off + t->map.len;

	*lo = kst_max(t->map.off, t->sdev ? t->lo : 0);
	if (t->sdev)
		*hi = kst_min(end, t->hi);
	else
		*hi = tail ? end : kst_min(end, t->m->capacity);
	return *lo < *hi;
}

static void kst_pick_window(struct kst_worker *w, __u64 lo, __u64 hi,
			    __u64 *off, size_t *len)
{
	*off = lo + kst_below(w, hi - lo);
	*len = 1 + kst_below(w, kst_min(hi - *off, KST_IO_MAX));
}

static void kst_do_mapwrite(struct kst_worker *w, struct kst_target *t)
{
	__u64 lo, hi, off;
	size_t len;

	if (!kst_map_window(t, false, &lo, &hi))
		return;
	kst_pick_window(w, lo, hi, &off, &len);
	kst_random_bytes(w, w->data, len);
	memcpy(t->map.addr + (off - t->map.off), w->data, len);
	memcpy(t->m->bytes + off, w->data, len);
}

static void kst_do_mapread(struct kst_worker *w, struct kst_target *t)
{
	__u64 lo, hi, off;
	size_t len;

	if (!kst_map_window(t, true, &lo, &hi))
		return;
	kst_pick_window(w, lo, hi, &off, &len);
	kst_verify(w, off, t->map.addr + (off - t->map.off), len,
		   "read through the mapping");
}

/*
 * The forked child checks what it sees of the worker's bytes, writes
 * @data at @off through its copy of the mapping, and exits: 0, or 3 if
 * it saw something else than the model.
 */
static noreturn void kst_child(const struct kst_target *t, __u64 lo, __u64 hi,
			       __u64 off, const unsigned char *data, size_t len)
{
	const unsigned char *p = t->map.addr + (lo - t->map.off);

	if (memcmp(p, t->m->bytes + lo, hi - lo))
		_exit(3);
	memcpy(t->map.addr + (off - t->map.off), data, len);
	_exit(0);
}

static void kst_do_fork(struct kst_worker *w, struct kst_target *t)
{
	__u64 lo, hi, off;
	size_t len;
	int status;
	pid_t pid;

	if (!kst_map_window(t, false, &lo, &hi))
		return;
	kst_pick_window(w, lo, hi, &off, &len);
	kst_random_bytes(w, w->data, len);
	pid = fork();
	if (!pid)
		kst_child(t, lo, hi, off, w->data, len);
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		kst_fail(w, KST_F_TOOL, "fork: %s", strerror(errno));
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		kst_fail(w, KST_F_DIVERGE, "the child saw other bytes (0x%x)",
			 status);
		return;
	}
	memcpy(t->m->bytes + off, w->data, len);
	kst_verify(w, off, t->map.addr + (off - t->map.off), len,
		   "the parent's view of its child's write");
}

/* ---- ioctls -------------------------------------------------------- */

static void kst_do_info(struct kst_worker *w, struct kst_target *t)
{
	kst_check_info(w, t);
}

static void kst_do_setlen(struct kst_worker *w, struct kst_target *t)
{
	__u64 cap = t->m->capacity;
	__u64 v = kst_below(w, 8) ? kst_below(w, cap + 1) :
				    cap + 1 + kst_below(w, 4096);
	long want = v > cap ? -EINVAL : 0;

	if (!kst_ioctl_u64(w, t->fd, KBUF_IOC_SET_LENGTH, v, want,
			   "KBUF_IOC_SET_LENGTH"))
		return;
	if (!want)
		t->m->length = v;
	kst_global_done(w, t);
}

static long kst_want_resize(const struct kst_target *t, __u64 size)
{
	if (!size || size > kst_backend_limit(t->m->backend))
		return -EINVAL;
	return t->map.addr ? -EBUSY : 0;
}

/*
 * Resize to @size; besides the model's answer, the errnos in @also may
 * come (EBUSY: another worker maps a DEV; ENOMEM). True if resized.
 */
static bool kst_resize_to(struct kst_worker *w, struct kst_target *t,
			  __u64 size, unsigned int also)
{
	long want = kst_want_resize(t, size);
	long got = kst_res(ioctl(t->fd, KBUF_IOC_RESIZE, &size));
	int i = got < 0 ? kst_err_index((int)-got) : -1;

	if (!want && i >= 0 && (also & (1U << i)))
		want = got;
	if (!kst_expect(w, got, want, "KBUF_IOC_RESIZE to %llu",
			(unsigned long long)size) ||
	    got)
		return false;
	kst_model_resize(t->m, size);
	return true;
}

static __u64 kst_bad_size(struct kst_worker *w, const struct kst_target *t)
{
	return kst_below(w, 2) ? 0 : kst_backend_limit(t->m->backend) + 1;
}

/* A DEV goes to another size and back: what the others own survives. */
static void kst_resize_shared(struct kst_worker *w, struct kst_target *t)
{
	__u64 cap0 = t->sdev->cap0, limit = kst_backend_limit(t->m->backend);
	__u64 size = 1 + kst_below(w, kst_min(2 * cap0, limit));

	if (!kst_below(w, 8))
		size = kst_bad_size(w, t);
	if (!kst_resize_to(w, t, size, KST_B(BUSY) | KST_B(NOMEM)))
		return;
	if (kst_resize_to(w, t, cap0, 0))
		kst_global_done(w, t);
}

static void kst_do_resize(struct kst_worker *w, struct kst_target *t)
{
	__u64 size;

	if (t->sdev) {
		kst_resize_shared(w, t);
		return;
	}
	size = kst_below(w, 8) ? kst_pick_size(w) : kst_bad_size(w, t);
	if (kst_resize_to(w, t, size, KST_B(NOMEM)))
		kst_global_done(w, t);
}

static void kst_do_clear(struct kst_worker *w, struct kst_target *t)
{
	long got = kst_res(ioctl(t->fd, KBUF_IOC_CLEAR));

	if (!kst_expect(w, got, 0, "KBUF_IOC_CLEAR"))
		return;
	kst_model_clear(t->m);
	kst_global_done(w, t);
}

/* Commands the node must refuse, and those a read-only fd may not use. */
static void kst_do_badioctl(struct kst_worker *w, struct kst_target *t)
{
	static const struct {
		unsigned long req;
		bool ro;
		long want;
	} bad[] = {
		{ _IO(KBUF_IOC_MAGIC, 0x7f), false, -ENOTTY },
		{ _IOW(KBUF_IOC_MAGIC, 0x02, __u32), false, -ENOTTY },
		{ _IOR(KBUF_IOC_MAGIC, 0x01, __u64), false, -ENOTTY },
		{ KBUF_IOC_CREATE, false, -ENOTTY },
		{ KBUF_IOC_SET_LENGTH, true, -EBADF },
		{ KBUF_IOC_RESIZE, true, -EBADF },
		{ KBUF_IOC_CLEAR, true, -EBADF },
	};
	struct kbuf_create arg;
	size_t i = kst_below(w, ARRAY_SIZE(bad));
	int fd = bad[i].ro ? kst_open(w, t, O_RDONLY) : t->fd;

	if (fd < 0)
		return;
	memset(&arg, 0, sizeof(arg));
	arg.size = 1;
	kst_expect(w, kst_res(ioctl(fd, bad[i].req, &arg)), bad[i].want,
		   "ioctl 0x%lx%s", bad[i].req,
		   bad[i].ro ? " on a read-only descriptor" : "");
	if (bad[i].ro)
		close(fd);
	if (!kst_below(w, 4))
		kst_expect(w, kst_res(ioctl(t->fd, KBUF_IOC_INFO, NULL)),
			   -EFAULT, "KBUF_IOC_INFO to NULL");
}

/* ---- open with O_TRUNC, O_APPEND ----------------------------------- */

static void kst_do_trunc(struct kst_worker *w, struct kst_target *t)
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
static void kst_do_append(struct kst_worker *w, struct kst_target *t)
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

/* ---- the control node ---------------------------------------------- */

static long kst_create(struct kst_worker *w, const char *name, __u32 backend,
		       __u32 gfp, __u64 size, long want)
{
	struct kbuf_create kc;
	long got;

	memset(&kc, 0, sizeof(kc));
	snprintf(kc.name, sizeof(kc.name), "%s", name);
	kc.backend = backend;
	kc.gfp = gfp;
	kc.size = size;
	got = kst_res(ioctl(w->ctl, KBUF_IOC_CREATE, &kc));
	kst_expect(w, got, want,
		   "KBUF_IOC_CREATE of %s (backend %u, gfp %u, %llu bytes)",
		   name, backend, gfp, (unsigned long long)size);
	return got;
}

static long kst_destroy(struct kst_worker *w, const char *name, long want)
{
	struct kbuf_destroy kd;
	long got;

	memset(&kd, 0, sizeof(kd));
	snprintf(kd.name, sizeof(kd.name), "%s", name);
	got = kst_res(ioctl(w->ctl, KBUF_IOC_DESTROY, &kd));
	kst_expect(w, got, want, "KBUF_IOC_DESTROY of %s", name);
	return got;
}

/* Open a node just made; udev may still be busy with it. */
static int kst_open_new(struct kst_worker *w, struct kst_target *t)
{
	int fd = -1, i;

	for (i = 0; i < 500 && fd < 0; i++) {
		fd = open(t->path, O_RDWR | O_CLOEXEC);
		if (fd < 0 && errno != ENOENT)
			break;
		if (fd < 0)
			usleep(10000);
	}
	if (fd < 0)
		kst_expect(w, -errno, 0, "open of new %s", t->path);
	return fd;
}

/* A fresh buffer reads as zeros over its whole capacity. */
static void kst_check_fresh(struct kst_worker *w, struct kst_target *t)
{
	__u64 cap = t->m->capacity;
	long got;

	kst_check_info(w, t);
	if (!kst_ioctl_u64(w, t->fd, KBUF_IOC_SET_LENGTH, cap, 0,
			   "KBUF_IOC_SET_LENGTH"))
		return;
	t->m->length = cap;
	got = kst_res(pread(t->fd, w->io, cap, 0));
	if (kst_expect(w, got, (long)cap, "pread of all %llu bytes",
		       (unsigned long long)cap))
		kst_verify(w, 0, w->io, cap, "pread of a fresh buffer");
}

/* Make the worker's next private buffer, of its backend, open it. */
static bool kst_priv_new(struct kst_worker *w, struct kst_target *t)
{
	__u64 size = kst_pick_size(w);
	__u32 gfp = KBUF_GFP_KERNEL;

	if (t->m->backend != KBUF_BACKEND_VMALLOC && !kst_below(w, 4))
		gfp = KBUF_GFP_ATOMIC;
	snprintf(t->name, sizeof(t->name), "kst-%d-%u-%u", w->sh->run_id, w->id,
		 t->gen++);
	snprintf(t->path, sizeof(t->path), KBUF_DEV_DIR "/%s", t->name);
	if (kst_create(w, t->name, t->m->backend, gfp, size, 0)) {
		t->name[0] = '\0';
		return false;
	}
	t->fd = kst_open_new(w, t);
	if (t->fd < 0)
		return false;
	memset(t->m->bytes, 0, KST_PRIV_MAX);
	t->m->capacity = size;
	t->m->length = 0;
	t->pos = 0;
	kst_check_fresh(w, t);
	return true;
}

static bool kst_priv_destroy(struct kst_worker *w, struct kst_target *t)
{
	kst_unmap(w, t);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	return !kst_destroy(w, t->name, 0);
}

/* Names, sizes, backends and flags the control node must refuse. */
static void kst_create_bad(struct kst_worker *w, struct kst_target *t)
{
	static const struct {
		const char *name;
		__u32 backend;
		__u32 gfp;
		__u64 size;
		long want;
	} bad[] = {
		{ NULL, KST_OWN_BACKEND, 0, 4096, -EEXIST },
		{ "Bad!", KST_OWN_BACKEND, 0, 4096, -EINVAL },
		{ "control", KST_OWN_BACKEND, 0, 4096, -EINVAL },
		{ "kst-never", KST_OWN_BACKEND, 0, 0, -EINVAL },
		{ "kst-never", KST_OWN_BACKEND, 0, KST_OVER_LIMIT, -EINVAL },
		{ "kst-never", KBUF_BACKEND_VMALLOC, KBUF_GFP_ATOMIC, 4096,
		  -EINVAL },
		{ "kst-never", 7, 0, 4096, -EINVAL },
		{ "kst-never", KST_OWN_BACKEND, 2, 4096, -EINVAL },
	};
	size_t i = kst_below(w, ARRAY_SIZE(bad));
	__u32 backend = bad[i].backend;
	__u64 size = bad[i].size;

	if (backend == KST_OWN_BACKEND)
		backend = t->m->backend;
	if (size == KST_OVER_LIMIT)
		size = kst_backend_limit(backend) + 1;
	kst_create(w, bad[i].name ? bad[i].name : t->name, backend, bad[i].gfp,
		   size, bad[i].want);
}

static void kst_do_create(struct kst_worker *w, struct kst_target *t)
{
	if (kst_below(w, 2))
		kst_create_bad(w, t);
	else if (kst_priv_destroy(w, t))
		kst_priv_new(w, t);
}

/* Destroy while open, while mapped after close, or of no such buffer. */
static void kst_destroy_bad(struct kst_worker *w, struct kst_target *t)
{
	char name[KBUF_NAME_LEN];

	switch (kst_below(w, 3)) {
	case 0:
		kst_destroy(w, t->name, -EBUSY);
		break;
	case 1:
		if (!t->map.addr)
			kst_map_good(w, t, t->fd, false);
		if (!t->map.addr)
			return;
		close(t->fd);
		t->fd = -1;
		t->map.own_file = true;
		kst_destroy(w, t->name, -EBUSY);
		t->fd = kst_open(w, t, O_RDWR);
		t->pos = 0;
		break;
	default:
		snprintf(name, sizeof(name), "kst-none-%u", w->id);
		kst_destroy(w, name, -ENOENT);
	}
}

static void kst_do_destroy(struct kst_worker *w, struct kst_target *t)
{
	if (kst_below(w, 2))
		kst_destroy_bad(w, t);
	else if (kst_priv_destroy(w, t))
		kst_priv_new(w, t);
}

/* ---- the worker ---------------------------------------------------- */

static kst_op_fn *const kst_ops[KST_NR_OPS] = {
	[KST_READ] = kst_do_read,	  [KST_WRITE] = kst_do_write,
	[KST_PREAD] = kst_do_pread,	  [KST_PWRITE] = kst_do_pwrite,
	[KST_LSEEK] = kst_do_lseek,	  [KST_MMAP] = kst_do_mmap,
	[KST_MUNMAP] = kst_do_munmap,	  [KST_MREMAP] = kst_do_mremap,
	[KST_MAPWRITE] = kst_do_mapwrite, [KST_MAPREAD] = kst_do_mapread,
	[KST_INFO] = kst_do_info,	  [KST_SETLEN] = kst_do_setlen,
	[KST_RESIZE] = kst_do_resize,	  [KST_CLEAR] = kst_do_clear,
	[KST_BADIOCTL] = kst_do_badioctl, [KST_FORK] = kst_do_fork,
	[KST_CLOSEMAP] = kst_do_closemap, [KST_TRUNC] = kst_do_trunc,
	[KST_APPEND] = kst_do_append,	  [KST_CREATE] = kst_do_create,
	[KST_DESTROY] = kst_do_destroy,
};

/* --self-test-divergence: the model loses a byte the next pread reads. */
static void kst_self_test(struct kst_worker *w, struct kst_target *t)
{
	long got;

	t->m->bytes[t->lo] ^= 0x5a;
	got = kst_res(pread(t->fd, w->io, 1, (off_t)t->lo));
	if (kst_expect(w, got, 1, "pread of 1 byte at %llu",
		       (unsigned long long)t->lo))
		kst_verify(w, t->lo, w->io, 1, "pread");
}

static enum kst_op kst_pick_op(struct kst_worker *w)
{
	unsigned int r = (unsigned int)kst_below(w, 100), op;

	for (op = 0; op < KST_NR_OPS - 1; op++) {
		if (r < kst_weights[op])
			break;
		r -= kst_weights[op];
	}
	return (enum kst_op)op;
}

static bool kst_needs_map(enum kst_op op)
{
	return op == KST_MUNMAP || op == KST_MREMAP || op == KST_MAPWRITE ||
	       op == KST_MAPREAD || op == KST_FORK;
}

/* Operations on a whole DEV: they hold its lock for writing. */
static bool kst_op_excl(enum kst_op op)
{
	return op == KST_SETLEN || op == KST_RESIZE || op == KST_CLEAR ||
	       op == KST_TRUNC;
}

/*
 * A fork holds the fork lock for writing: no other thread of the process
 * may meanwhile check counts of a private buffer (the child's copies of
 * its mappings and descriptors count too). DEV operations take the DEV's
 * lock.
 */
static void kst_run_locked(struct kst_worker *w, struct kst_target *t,
			   kst_op_fn *fn)
{
	bool forks = w->op == KST_FORK, priv = !t->sdev;

	if (forks)
		pthread_rwlock_wrlock(w->fork_lock);
	else if (priv)
		pthread_rwlock_rdlock(w->fork_lock);
	if (!priv && kst_op_excl(w->op))
		pthread_rwlock_wrlock(&t->sdev->lock);
	else if (!priv)
		pthread_rwlock_rdlock(&t->sdev->lock);
	if (t->fd >= 0) {
		double t0 = kbuf_now();

		fn(w, t);
		w->st->secs[w->op] += kbuf_now() - t0;
	}
	if (!priv)
		pthread_rwlock_unlock(&t->sdev->lock);
	if (forks || priv)
		pthread_rwlock_unlock(w->fork_lock);
}

/* One operation, chosen by the worker's random stream. */
void kst_worker_step(struct kst_worker *w)
{
	struct kst_target *t = &w->t[kst_below(w, w->ntargets)];
	enum kst_op op = kst_pick_op(w);
	kst_op_fn *fn;

	if ((op == KST_CREATE || op == KST_DESTROY) && t->sdev)
		op = KST_INFO;
	if (kst_needs_map(op) && !t->map.addr)
		op = KST_MMAP;
	fn = kst_ops[op];
	w->opno++;
	if (w->o->self_test && w->id == 0 && w->opno == KST_SELF_TEST_OP) {
		t = &w->t[0];
		op = KST_PREAD;
		fn = kst_self_test;
	}
	w->op = op;
	w->cur = t;
	w->st->calls[op]++;
	kst_run_locked(w, t, fn);
}

static void kst_target_shared(struct kst_worker *w, struct kst_target *t,
			      struct kst_sdev *d)
{
	memset(t, 0, sizeof(*t));
	t->sdev = d;
	t->m = &d->model;
	snprintf(t->path, sizeof(t->path), "%s", d->path);
	t->lo = w->id * d->region;
	t->hi = t->lo + d->region;
	w->cur = t;
	t->fd = kst_open(w, t, O_RDWR);
}

static bool kst_target_private(struct kst_worker *w, struct kst_target *t)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
	t->m = &t->priv;
	t->priv.bytes = calloc(1, KST_PRIV_MAX);
	t->priv.backend = w->t[w->id % w->o->ndevs].m->backend;
	w->cur = t;
	w->op = KST_CREATE;
	if (!t->priv.bytes) {
		kst_fail(w, KST_F_TOOL, "out of memory");
		return false;
	}
	return kst_priv_new(w, t);
}

/**
 * kst_worker_start() - open the DEVs and make the private buffer
 * @w: the worker, with its options, shared memory and ids set
 *
 * Return: 0, or -1 after reporting a failure.
 */
int kst_worker_start(struct kst_worker *w)
{
	unsigned int i;

	w->ctl = -1;
	w->io = malloc(KST_PRIV_MAX);
	w->data = malloc(KST_PRIV_MAX);
	if (!w->io || !w->data) {
		kst_fail(w, KST_F_TOOL, "out of memory");
		return -1;
	}
	w->op = KST_INFO;
	for (i = 0; i < w->o->ndevs; i++) {
		kst_target_shared(w, &w->t[i], &w->sh->devs[i]);
		if (w->t[i].fd < 0)
			return -1;
	}
	w->ntargets = w->o->ndevs;
	if (!w->o->create)
		return 0;
	w->ctl = open(KBUF_CONTROL_PATH, O_RDWR | O_CLOEXEC);
	if (w->ctl < 0) {
		kst_fail(w, KST_F_TOOL, "%s: %s", KBUF_CONTROL_PATH,
			 strerror(errno));
		return -1;
	}
	w->ntargets++;
	return kst_target_private(w, &w->t[w->o->ndevs]) ? 0 : -1;
}

/**
 * kst_worker_end() - unmap, close, destroy the private buffer
 * @w: the worker
 */
void kst_worker_end(struct kst_worker *w)
{
	unsigned int i;

	for (i = 0; i < w->ntargets; i++) {
		struct kst_target *t = &w->t[i];

		w->cur = t;
		w->op = KST_DESTROY;
		pthread_rwlock_rdlock(w->fork_lock);
		if (t->sdev) {
			kst_unmap(w, t);
			if (t->fd >= 0)
				close(t->fd);
		} else if (t->m && t->name[0]) {
			kst_priv_destroy(w, t);
		}
		pthread_rwlock_unlock(w->fork_lock);
		free(t->priv.bytes);
	}
	if (w->ctl >= 0)
		close(w->ctl);
	free(w->io);
	free(w->data);
}
