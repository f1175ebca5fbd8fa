// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl bench: the figures for one buffer. Each is measured side by side
 * with its peer, what a user would take instead: a tmpfs file of the same
 * size, /dev/zero, memcpy(), a memfd, anonymous memory, one reader.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

/* ---- building the measurements ------------------------------------------ */

unsigned int kbuf_bench_add(struct kbuf_bench *b,
			    void (*run)(struct kbuf_bench_op *op, __u64 n),
			    int fd, size_t block, double bytes)
{
	struct kbuf_bench_meas *m;

	if (b->nr_meas >= KBUF_BENCH_MAX_MEAS)
		errx(KBUF_EXIT_FAIL, "bench: too many measurements");
	m = &b->meas[b->nr_meas];
	memset(m, 0, sizeof(*m));
	m->op.run = run;
	m->op.fd = fd;
	m->op.out = b->null_fd;
	m->op.buf = b->buf;
	m->op.span = b->size;
	m->op.block = block;
	m->op.threads = 1;
	m->op.bytes = bytes;
	return b->nr_meas++;
}

void kbuf_bench_add_row(struct kbuf_bench *b, const char *figure, __u64 block,
			enum kbuf_bench_row_kind kind, unsigned int dev,
			unsigned int peer, const char *peer_name)
{
	struct kbuf_bench_row *r;

	if (b->nr_rows >= KBUF_BENCH_MAX_ROWS)
		errx(KBUF_EXIT_FAIL, "bench: too many rows");
	r = &b->rows[b->nr_rows++];
	r->figure = figure;
	r->block = block;
	r->kind = kind;
	r->dev = dev;
	r->peer = peer;
	r->peer_name = peer_name;
}

/* @figure with @run through the buffer and through the tmpfs file. */
unsigned int kbuf_bench_add_pair(struct kbuf_bench *b, const char *figure,
				 void (*run)(struct kbuf_bench_op *op, __u64 n),
				 size_t bl)
{
	unsigned int dev, peer;

	dev = kbuf_bench_add(b, run, b->dev.fd, bl, (double)bl);
	peer = kbuf_bench_add(b, run, b->shm_fd, bl, (double)bl);
	kbuf_bench_add_row(b, figure, bl, KBUF_ROW_RATE, dev, peer, "tmpfs");
	return dev;
}

/* read and write per block, against tmpfs; the largest against memcpy. */
static void kbuf_bench_add_io(struct kbuf_bench *b)
{
	unsigned int i, rd, wr, cp, last_rd = 0, last_wr = 0;
	__u64 last = 0;

	for (i = 0; i < b->o->nr_blocks; i++) {
		size_t bl = (size_t)b->o->blocks[i];

		if (bl > b->size)
			continue;
		rd = kbuf_bench_add_pair(b, "read", kbuf_bench_op_pread, bl);
		wr = kbuf_bench_add_pair(b, "write", kbuf_bench_op_pwrite, bl);
		if (bl >= last) {
			last = bl;
			last_rd = rd;
			last_wr = wr;
		}
	}
	if (!last)
		return;
	cp = kbuf_bench_add(b, kbuf_bench_op_memcpy, -1, b->size,
			    (double)b->size);
	b->meas[cp].op.buf = b->dst;
	b->meas[cp].op.src = b->src;
	kbuf_bench_add_row(b, "read", last, KBUF_ROW_RATE, last_rd, cp,
			   "memcpy");
	kbuf_bench_add_row(b, "write", last, KBUF_ROW_RATE, last_wr, cp,
			   "memcpy");
}

/* The whole buffer to /dev/null by sendfile(), against the tmpfs file. */
static void kbuf_bench_add_sendfile(struct kbuf_bench *b)
{
	unsigned int dev, peer;
	double bytes = (double)b->size;

	dev = kbuf_bench_add(b, kbuf_bench_op_sendfile, b->dev.fd, b->size,
			     bytes);
	peer = kbuf_bench_add(b, kbuf_bench_op_sendfile, b->shm_fd, b->size,
			      bytes);
	kbuf_bench_add_row(b, "sendfile", b->size, KBUF_ROW_RATE, dev, peer,
			   "tmpfs");
}

static void kbuf_bench_add_call(struct kbuf_bench *b)
{
	unsigned int dev, zero;

	if (b->size < KBUF_BENCH_CALL)
		return;
	dev = kbuf_bench_add(b, kbuf_bench_op_pread, b->dev.fd, KBUF_BENCH_CALL,
			     0);
	zero = kbuf_bench_add(b, kbuf_bench_op_pread, b->zero_fd,
			      KBUF_BENCH_CALL, 0);
	kbuf_bench_add_row(b, "read call", KBUF_BENCH_CALL, KBUF_ROW_NS, dev,
			   zero, "/dev/zero");
}

/* One access to @buf, all of the mapping's length. */
static unsigned int kbuf_bench_add_span(struct kbuf_bench *b,
					void (*run)(struct kbuf_bench_op *op,
						    __u64 n),
					unsigned char *buf)
{
	unsigned int m;

	m = kbuf_bench_add(b, run, -1, b->map_len, (double)b->map_len);
	b->meas[m].op.buf = buf;
	b->meas[m].op.span = b->map_len;
	return m;
}

/*
 * @figure through the mapping against anonymous memory as a process gets
 * it (transparent huge pages where the system enables them) and against
 * anonymous memory in 4 KiB pages, as the driver maps.
 */
static void kbuf_bench_add_access(struct kbuf_bench *b, const char *figure,
				  void (*run)(struct kbuf_bench_op *op,
					      __u64 n))
{
	unsigned int m, p, p4k;

	m = kbuf_bench_add_span(b, run, b->map);
	p = kbuf_bench_add_span(b, run, b->anon);
	p4k = kbuf_bench_add_span(b, run, b->anon4k);
	kbuf_bench_add_row(b, figure, b->map_len, KBUF_ROW_RATE, m, p, "anon");
	kbuf_bench_add_row(b, figure, b->map_len, KBUF_ROW_RATE, m, p4k,
			   "anon 4K");
}

void kbuf_bench_add_map(struct kbuf_bench *b)
{
	unsigned int m, p;

	if (!b->map_len)
		return;
	m = kbuf_bench_add(b, kbuf_bench_op_map_dev, b->dev.fd, b->map_len, 0);
	b->meas[m].op.span = b->map_len;
	p = kbuf_bench_add(b, kbuf_bench_op_map_memfd, -1, b->map_len, 0);
	b->meas[p].op.span = b->map_len;
	kbuf_bench_add_row(b, "mmap+touch", b->map_len, KBUF_ROW_US, m, p,
			   "memfd");
	if (b->o->scaling)
		return;

	kbuf_bench_add_access(b, "mapped read", kbuf_bench_op_sum);
	kbuf_bench_add_access(b, "mapped write", kbuf_bench_op_fill);
}

static unsigned int kbuf_bench_add_readers(struct kbuf_bench *b, int fd,
					   const char *path,
					   unsigned int threads)
{
	size_t bl = b->size < KBUF_BENCH_THREAD_BLOCK ? b->size :
							KBUF_BENCH_THREAD_BLOCK;
	unsigned int m;

	m = kbuf_bench_add(b, kbuf_bench_op_readers, fd, bl,
			   (double)bl * (double)threads);
	b->meas[m].op.path = path;
	b->meas[m].op.threads = threads;
	return m;
}

static void kbuf_bench_add_threads(struct kbuf_bench *b)
{
	unsigned int one, two;
	size_t bl;

	one = kbuf_bench_add_readers(b, b->dev.fd, b->dev.path, 1);
	two = kbuf_bench_add_readers(b, b->dev.fd, b->dev.path, 2);
	bl = b->meas[one].op.block;
	kbuf_bench_add_row(b, "2 readers", bl, KBUF_ROW_RATE, two, one,
			   "1 reader");
	one = kbuf_bench_add_readers(b, b->shm_fd, b->shm_path, 1);
	two = kbuf_bench_add_readers(b, b->shm_fd, b->shm_path, 2);
	kbuf_bench_add_row(b, "tmpfs 2 readers", bl, KBUF_ROW_RATE, two, one,
			   "tmpfs 1 reader");
}

/* ---- set-up and tear-down ------------------------------------------------ */

/* @len bytes of anonymous memory, touched, or exit 1. */
static unsigned char *kbuf_bench_anon(size_t len, bool small_pages)
{
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		err(KBUF_EXIT_FAIL, "bench: %zu bytes of memory", len);
	if (small_pages && madvise(p, len, MADV_NOHUGEPAGE))
		err(KBUF_EXIT_FAIL, "bench: madvise(MADV_NOHUGEPAGE)");
	memset(p, 0x5a, len);
	return p;
}

/* The tmpfs peer: a file of @b->size bytes, unlinked at once. */
static void kbuf_bench_shm(struct kbuf_bench *b)
{
	char path[] = "/dev/shm/kbufctl-bench.XXXXXX";
	size_t done = 0;

	b->shm_fd = mkostemp(path, O_CLOEXEC);
	if (b->shm_fd < 0)
		err(KBUF_EXIT_FAIL, "bench: tmpfs file in /dev/shm");
	unlink(path);
	snprintf(b->shm_path, sizeof(b->shm_path), "/proc/self/fd/%d",
		 b->shm_fd);
	while (done < b->size) {
		size_t n = b->size - done < KBUF_CHUNK ? b->size - done :
							 KBUF_CHUNK;

		if (pwrite(b->shm_fd, b->src + done, n, (off_t)done) !=
		    (ssize_t)n)
			err(KBUF_EXIT_FAIL, "bench: writing the tmpfs file");
		done += n;
	}
}

/* The largest block in use, and room for a block per reader thread. */
static size_t kbuf_bench_buf_len(const struct kbuf_bench *b)
{
	size_t len = KBUF_BENCH_THREAD_BLOCK * KBUF_BENCH_MAX_THREADS;
	unsigned int i;

	for (i = 0; i < b->o->nr_blocks; i++)
		if (b->o->blocks[i] <= b->size && b->o->blocks[i] > len)
			len = (size_t)b->o->blocks[i];
	return len;
}

static void kbuf_bench_open(struct kbuf_bench *b, const char *arg)
{
	size_t page = (size_t)kbuf_page_size();

	kbuf_dev_open(&b->dev, arg, O_RDWR);
	b->size = (size_t)b->dev.info.capacity;
	if (b->o->size && b->o->size < b->size)
		b->size = (size_t)b->o->size;
	b->map_len = (b->size + page - 1) / page * page;
	if (b->map_len > b->dev.info.map_size)
		b->map_len = 0;

	b->buf = kbuf_bench_anon(kbuf_bench_buf_len(b), false);
	b->zero_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (b->zero_fd < 0)
		err(KBUF_EXIT_FAIL, "bench: /dev/zero");
	b->null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (b->null_fd < 0)
		err(KBUF_EXIT_FAIL, "bench: /dev/null");
	b->shm_fd = -1;
	b->io = !b->o->scaling || b->size <= KBUF_SCALE_READ_MAX;
	if (b->io) {
		b->src = kbuf_bench_anon(b->size, false);
		b->dst = kbuf_bench_anon(b->size, false);
		/* The buffer holds @size valid bytes: all reads are full. */
		kbuf_dev_pwrite(&b->dev, b->src, b->size, 0);
		kbuf_bench_shm(b);
	}
	if (!b->map_len || b->o->scaling)
		return;
	b->map = mmap(NULL, b->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      b->dev.fd, 0);
	if (b->map == MAP_FAILED)
		err(KBUF_EXIT_FAIL, "%s: mmap of %zu bytes", b->dev.path,
		    b->map_len);
	memset(b->map, 0x5a, b->map_len);
	b->anon = kbuf_bench_anon(b->map_len, false);
	b->anon4k = kbuf_bench_anon(b->map_len, true);
}

static void kbuf_bench_close(struct kbuf_bench *b)
{
	if (b->map)
		munmap(b->map, b->map_len);
	if (b->anon)
		munmap(b->anon, b->map_len);
	if (b->anon4k)
		munmap(b->anon4k, b->map_len);
	if (b->io) {
		munmap(b->src, b->size);
		munmap(b->dst, b->size);
		close(b->shm_fd);
	}
	munmap(b->buf, kbuf_bench_buf_len(b));
	close(b->zero_fd);
	close(b->null_fd);
	kbuf_dev_close(&b->dev);
}

/* ---- one buffer ---------------------------------------------------------- */

struct kbuf_bench *kbuf_bench_new(const struct kbuf_bench_opts *o,
				  const char *arg)
{
	struct kbuf_bench *b = calloc(1, sizeof(*b));

	if (!b)
		err(KBUF_EXIT_FAIL, "bench");
	b->o = o;
	kbuf_bench_open(b, arg);
	return b;
}

void kbuf_bench_free(struct kbuf_bench *b)
{
	kbuf_bench_close(b);
	free(b);
}

/*
 * Measure row by row; a table row is printed as soon as it is measured,
 * and a terminal on stderr sees which row is being measured.
 */
static void kbuf_bench_rows(struct kbuf_bench *b)
{
	struct kbuf_progress p;
	char label[KBUF_PATH_MAX + 16];
	unsigned int i;

	snprintf(label, sizeof(label), "bench %s", b->dev.info.name);
	kbuf_progress_start(&p, label, b->nr_rows);
	p.tty &= !b->o->quiet;
	for (i = 0; i < b->nr_rows; i++) {
		kbuf_progress_update(&p, i);
		kbuf_bench_run_row(b, i);
		if (b->o->json)
			continue;
		kbuf_progress_clear(&p);
		kbuf_bench_table_row(b, i);
		fflush(stdout);
	}
	kbuf_progress_clear(&p);
}

void kbuf_bench_dev(const struct kbuf_bench_opts *o, const char *arg,
		    bool first)
{
	struct kbuf_bench *b = kbuf_bench_new(o, arg);

	kbuf_bench_add_io(b);
	kbuf_bench_add_sendfile(b);
	kbuf_bench_add_call(b);
	kbuf_bench_add_map(b);
	kbuf_bench_add_threads(b);
	if (!o->json) {
		fputs(first ? "" : "\n", stdout);
		kbuf_bench_header(b);
		fflush(stdout);
	}
	kbuf_bench_rows(b);
	if (o->json) {
		fputs(first ? "" : ",\n", stdout);
		kbuf_bench_json(b);
	}
	fflush(stdout);
	kbuf_bench_free(b);
}
