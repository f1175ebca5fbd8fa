// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl stress: the mapping operations. mmap() good and bad, munmap()
 * whole or from the middle, mremap(), writes and reads through the
 * mapping, a mapping that outlives its descriptor, and a forked child
 * writing through its copy of the mapping.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress.h"

#define KST_RW (PROT_READ | PROT_WRITE)

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

void kst_map_good(struct kst_worker *w, struct kst_target *t, int fd,
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
void kst_unmap(struct kst_worker *w, struct kst_target *t)
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

void kst_do_mmap(struct kst_worker *w, struct kst_target *t)
{
	kst_unmap(w, t);
	if (kst_below(w, 6))
		kst_map_good(w, t, t->fd, false);
	else
		kst_map_bad(w, t);
}

/* Map through a descriptor of its own, then close it: the map holds it. */
void kst_do_closemap(struct kst_worker *w, struct kst_target *t)
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
void kst_do_munmap(struct kst_worker *w, struct kst_target *t)
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
void kst_do_mremap(struct kst_worker *w, struct kst_target *t)
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

void kst_do_mapwrite(struct kst_worker *w, struct kst_target *t)
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

void kst_do_mapread(struct kst_worker *w, struct kst_target *t)
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

void kst_do_fork(struct kst_worker *w, struct kst_target *t)
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
