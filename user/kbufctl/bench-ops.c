// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl bench: the operations timed, each done @n times per call: reads
 * and writes of a file, copies, maps and first touches, sums and fills of
 * memory, and reader threads that each read through a descriptor of
 * their own.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "bench.h"

static void kbuf_bench_op_next(struct kbuf_bench_op *op)
{
	op->off += op->block;
	if (op->off + op->block > op->span)
		op->off = 0;
}

/* @n blocks read (or written) at op->off, each of them whole. */
static void kbuf_bench_op_rw(struct kbuf_bench_op *op, __u64 n, bool out)
{
	const char *what = out ? "write" : "read";

	while (n--) {
		ssize_t r;

		if (out)
			r = pwrite(op->fd, op->buf, op->block, (off_t)op->off);
		else
			r = pread(op->fd, op->buf, op->block, (off_t)op->off);
		if (r < 0)
			err(KBUF_EXIT_FAIL, "bench: %s of %zu at %zu", what,
			    op->block, op->off);
		if (r != (ssize_t)op->block)
			errx(KBUF_EXIT_FAIL, "bench: %s of %zu at %zu: %zd",
			     what, op->block, op->off, r);
		kbuf_bench_op_next(op);
	}
}

void kbuf_bench_op_pread(struct kbuf_bench_op *op, __u64 n)
{
	kbuf_bench_op_rw(op, n, false);
}

void kbuf_bench_op_pwrite(struct kbuf_bench_op *op, __u64 n)
{
	kbuf_bench_op_rw(op, n, true);
}

void kbuf_bench_op_memcpy(struct kbuf_bench_op *op, __u64 n)
{
	while (n--) {
		memcpy(op->buf, op->src, op->span);
		/* Each copy must happen: make the target look used. */
		op->sum += op->buf[n % op->span];
	}
}

/* Write one byte to each page of a fresh mapping, as a first user does. */
static void kbuf_bench_touch(unsigned char *p, size_t len)
{
	size_t page = (size_t)kbuf_page_size(), i;

	for (i = 0; i < len; i += page)
		p[i] = (unsigned char)i;
}

/* Map @len bytes of @fd shared, touch each page, unmap. */
void kbuf_bench_map_touch(int fd, size_t len)
{
	unsigned char *p =
		mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		err(KBUF_EXIT_FAIL, "bench: mmap of %zu bytes", len);
	kbuf_bench_touch(p, len);
	munmap(p, len);
}

void kbuf_bench_op_map_dev(struct kbuf_bench_op *op, __u64 n)
{
	while (n--)
		kbuf_bench_map_touch(op->fd, op->span);
}

void kbuf_bench_op_map_memfd(struct kbuf_bench_op *op, __u64 n)
{
	while (n--) {
		int fd = memfd_create("kbufctl-bench", MFD_CLOEXEC);
		unsigned char *p;

		if (fd < 0 || ftruncate(fd, (off_t)op->span))
			err(KBUF_EXIT_FAIL, "bench: memfd of %zu bytes",
			    op->span);
		p = mmap(NULL, op->span, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, fd, 0);
		if (p == MAP_FAILED)
			err(KBUF_EXIT_FAIL, "bench: mmap of a memfd");
		kbuf_bench_touch(p, op->span);
		munmap(p, op->span);
		close(fd);
	}
}

void kbuf_bench_op_sum(struct kbuf_bench_op *op, __u64 n)
{
	const __u64 *p = (const __u64 *)op->buf;
	size_t i, words = op->span / sizeof(*p);
	__u64 s = 0;

	while (n--)
		for (i = 0; i < words; i++)
			s += p[i];
	op->sum += s;
}

void kbuf_bench_op_fill(struct kbuf_bench_op *op, __u64 n)
{
	while (n--)
		memset(op->buf, (int)(n & 0xff), op->span);
}

/**
 * struct kbuf_bench_reader - one reader thread
 * @op:    its own copy of the operation: its own descriptor and buffer
 * @n:     calls to make
 * @start: where the readers and the main thread wait for each other
 * @begin: when this reader started reading
 * @end:   when this reader was done
 * @err:   errno of a failed open, or 0
 *
 * Each reader takes its own times: the main thread may be scheduled out
 * right after the barrier while the readers already run, and a clock read
 * there would make the readers look faster than they are.
 */
struct kbuf_bench_reader {
	struct kbuf_bench_op op;
	__u64 n;
	pthread_barrier_t *start;
	double begin;
	double end;
	int err;
};

/* Open, wait for the others, read; starting threads is not timed. */
static void *kbuf_bench_reader_run(void *arg)
{
	struct kbuf_bench_reader *r = arg;

	r->op.fd = open(r->op.path, O_RDONLY | O_CLOEXEC);
	if (r->op.fd < 0)
		r->err = errno;
	pthread_barrier_wait(r->start);
	if (r->err)
		return NULL;
	r->begin = kbuf_now();
	kbuf_bench_op_pread(&r->op, r->n);
	r->end = kbuf_now();
	close(r->op.fd);
	return NULL;
}

/* @threads readers, each with its own descriptor, @n calls each. */
void kbuf_bench_op_readers(struct kbuf_bench_op *op, __u64 n)
{
	struct kbuf_bench_reader r[KBUF_BENCH_MAX_THREADS];
	pthread_t tid[KBUF_BENCH_MAX_THREADS];
	pthread_barrier_t start;
	double begin = 0, end = 0;
	unsigned int i;
	int ret;

	ret = pthread_barrier_init(&start, NULL, op->threads + 1);
	if (ret)
		kbuf_bench_fail(ret, "bench: pthread_barrier_init");
	for (i = 0; i < op->threads; i++) {
		r[i].op = *op;
		r[i].op.buf = op->buf + i * op->block;
		r[i].op.off =
			(i * op->span / op->threads) / op->block * op->block;
		r[i].n = n;
		r[i].start = &start;
		r[i].begin = 0;
		r[i].end = 0;
		r[i].err = 0;
		ret = pthread_create(&tid[i], NULL, kbuf_bench_reader_run,
				     &r[i]);
		if (ret)
			kbuf_bench_fail(ret, "bench: pthread_create");
	}
	pthread_barrier_wait(&start);
	for (i = 0; i < op->threads; i++) {
		pthread_join(tid[i], NULL);
		if (r[i].err)
			kbuf_bench_fail(r[i].err, op->path);
		if (!i || r[i].begin < begin)
			begin = r[i].begin;
		if (r[i].end > end)
			end = r[i].end;
	}
	pthread_barrier_destroy(&start);
	op->elapsed = end - begin;
}

/* sendfile() of the whole span to @op->out, as many calls as it takes. */
void kbuf_bench_op_sendfile(struct kbuf_bench_op *op, __u64 n)
{
	while (n--) {
		off_t off = 0;

		while ((size_t)off < op->span) {
			ssize_t r = sendfile(op->out, op->fd, &off,
					     op->span - (size_t)off);

			if (r < 0)
				err(KBUF_EXIT_FAIL,
				    "bench: sendfile of %zu at %lld", op->span,
				    (long long)off);
			if (!r)
				errx(KBUF_EXIT_FAIL,
				     "bench: sendfile of %zu ended at %lld",
				     op->span, (long long)off);
		}
	}
}

/* ---- buffers made through the control node ------------------------------ */

/* /dev/kbuf/control, open read-write, or exit 1. */
int kbuf_bench_ctl_open(void)
{
	int fd = open(KBUF_CONTROL_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		kbuf_open_fail(KBUF_CONTROL_PATH, errno, O_RDWR);
	return fd;
}

/* KBUF_IOC_CREATE of @name through @ctl. Return: 0 or an errno. */
int kbuf_bench_create(int ctl, const char *name, __u32 backend, __u64 size)
{
	struct kbuf_create kc;

	memset(&kc, 0, sizeof(kc));
	snprintf(kc.name, sizeof(kc.name), "%s", name);
	kc.backend = backend;
	kc.gfp = KBUF_GFP_KERNEL;
	kc.size = size;
	return ioctl(ctl, KBUF_IOC_CREATE, &kc) ? errno : 0;
}

/* KBUF_IOC_DESTROY of @name through @ctl. Return: 0 or an errno. */
int kbuf_bench_destroy(int ctl, const char *name)
{
	struct kbuf_destroy kd;

	memset(&kd, 0, sizeof(kd));
	snprintf(kd.name, sizeof(kd.name), "%s", name);
	return ioctl(ctl, KBUF_IOC_DESTROY, &kd) ? errno : 0;
}

/* Wait up to 2 s for the node of a buffer just made (devtmpfs, udev). */
void kbuf_bench_wait_node(const char *path)
{
	unsigned int i;

	for (i = 0; i < 100 && access(path, F_OK); i++)
		usleep(20000);
}
