// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl stress: the control operations. The buffer's ioctls (info,
 * set-length, resize, clear, and commands it must refuse) and, with
 * --create, the control node's create and destroy of a private buffer.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "stress.h"

/* Values in kst_create_bad()'s table: the worker's backend; over its limit. */
#define KST_OWN_BACKEND UINT32_MAX
#define KST_OVER_LIMIT UINT64_MAX

/* ---- ioctls -------------------------------------------------------- */

void kst_do_info(struct kst_worker *w, struct kst_target *t)
{
	kst_check_info(w, t);
}

void kst_do_setlen(struct kst_worker *w, struct kst_target *t)
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

/*
 * Resize to @size; besides the model's answer, the errnos in @also may
 * come (EBUSY: another worker maps a DEV; ENOMEM). True if resized.
 */
static bool kst_resize_to(struct kst_worker *w, struct kst_target *t,
			  __u64 size, unsigned int also)
{
	long want = kst_want_resize(t->m, size, t->map.addr);
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
	return kst_below(w, 2) ? 0 : t->m->limit + 1;
}

/* A DEV goes to another size and back: what the others own survives. */
static void kst_resize_shared(struct kst_worker *w, struct kst_target *t)
{
	__u64 cap0 = t->sdev->cap0, limit = t->m->limit;
	__u64 size = 1 + kst_below(w, kst_min(2 * cap0, limit));

	if (!kst_below(w, 8))
		size = kst_bad_size(w, t);
	if (!kst_resize_to(w, t, size, KST_B(BUSY) | KST_B(NOMEM)))
		return;
	if (kst_resize_to(w, t, cap0, 0))
		kst_global_done(w, t);
}

void kst_do_resize(struct kst_worker *w, struct kst_target *t)
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

void kst_do_clear(struct kst_worker *w, struct kst_target *t)
{
	long got = kst_res(ioctl(t->fd, KBUF_IOC_CLEAR));

	if (!kst_expect(w, got, 0, "KBUF_IOC_CLEAR"))
		return;
	kst_model_clear(t->m);
	kst_global_done(w, t);
}

/* Commands the node must refuse, and those a read-only fd may not use. */
void kst_do_badioctl(struct kst_worker *w, struct kst_target *t)
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
bool kst_priv_new(struct kst_worker *w, struct kst_target *t)
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

bool kst_priv_destroy(struct kst_worker *w, struct kst_target *t)
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
		size = kbuf_backend_limit(backend) + 1;
	kst_create(w, bad[i].name ? bad[i].name : t->name, backend, bad[i].gfp,
		   size, bad[i].want);
}

void kst_do_create(struct kst_worker *w, struct kst_target *t)
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

void kst_do_destroy(struct kst_worker *w, struct kst_target *t)
{
	if (kst_below(w, 2))
		kst_destroy_bad(w, t);
	else if (kst_priv_destroy(w, t))
		kst_priv_new(w, t);
}
