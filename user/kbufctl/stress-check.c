// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl stress: results compared with the model. An expected errno is
 * counted; a result the model does not expect is a divergence, an errno
 * the contract never allows for the operation is reported as such.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "stress.h"

/* A call's result: its return value, or -errno. */
long kst_res(long ret)
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

static void kst_mismatch(struct kst_worker *w, long got, long want,
			 const char *what)
{
	char g[32], x[32];

	kst_str(got, g, sizeof(g));
	kst_str(want, x, sizeof(x));
	if (got < 0 && !kst_errno_allowed(w->op, (int)-got))
		kst_fail(w, KST_F_ERRNO,
			 "%s: got %s, never allowed for %s (model: %s)", what,
			 g, kst_ops[w->op].name, x);
	else
		kst_fail(w, KST_F_DIVERGE, "%s: got %s, the model expects %s",
			 what, g, x);
}

/*
 * Is @got (a value or -errno) what the model expects? Counts an expected
 * errno; reports a wrong result with @fmt describing the call.
 */
bool kst_expect(struct kst_worker *w, long got, long want, const char *fmt, ...)
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
bool kst_verify(struct kst_worker *w, __u64 off, const unsigned char *got,
		size_t n, const char *how)
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

/* ---- calls checked on the way ------------------------------------- */

int kst_open(struct kst_worker *w, struct kst_target *t, int flags)
{
	int fd = open(t->path, flags | O_CLOEXEC);

	if (fd < 0)
		kst_expect(w, -errno, 0, "open of %s", t->path);
	return fd;
}

bool kst_ioctl_u64(struct kst_worker *w, int fd, unsigned long req, __u64 v,
		   long want, const char *name)
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
void kst_check_info(struct kst_worker *w, struct kst_target *t)
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
void kst_global_done(struct kst_worker *w, struct kst_target *t)
{
	kst_check_info(w, t);
	if (!t->sdev || t->m->length == t->m->capacity)
		return;
	if (kst_ioctl_u64(w, t->fd, KBUF_IOC_SET_LENGTH, t->m->capacity, 0,
			  "KBUF_IOC_SET_LENGTH"))
		t->m->length = t->m->capacity;
}
