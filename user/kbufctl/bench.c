// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl bench: how fast a buffer is, measured in one process and one run
 * side by side with what a user would take instead: a tmpfs file of the
 * same size, /dev/zero, memcpy() between two user buffers, a memfd mapped
 * with MAP_POPULATE, anonymous memory. With --scaling, how creating,
 * reading and mapping a buffer move with its size, backend by backend,
 * and where each backend stops.
 *
 * Every figure is the median of --repeat samples, min and max beside it.
 * A sample lasts about --time milliseconds: five slices that repeat one
 * operation a number of times calibrated once, of which the fastest counts;
 * the slices of a figure and of its peer take turns. What matters are the
 * ratios: the test bed is emulated and shared, so absolute speeds mean
 * little there.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kbufctl.h"

#define KBUF_BENCH_MAX_BLOCKS 8
#define KBUF_BENCH_MAX_REPEAT 99
#define KBUF_BENCH_MAX_TIME 10000
#define KBUF_BENCH_MAX_BLOCK (1024ULL * 1024 * 1024)
#define KBUF_BENCH_MAX_MEAS 64
#define KBUF_BENCH_MAX_ROWS 40
#define KBUF_BENCH_MAX_THREADS 2
/* A sample is the fastest of this many slices (see kbuf_bench_run()). */
#define KBUF_BENCH_SLICES 5
/* The small-call figure, and the block of the reader-thread figures. */
#define KBUF_BENCH_CALL 64
#define KBUF_BENCH_THREAD_BLOCK (64 * 1024)
#define KBUF_BENCH_NUM_LEN 24
#define KBUF_BENCH_STR_LEN (3 * KBUF_BENCH_NUM_LEN + 8)
/* Scaling: full figures up to here; mmap figures up to the next. */
#define KBUF_SCALE_READ_MAX (16ULL << 20)
#define KBUF_SCALE_MAP_MAX (256ULL << 20)
#define KBUF_SCALE_NAME "bench-scale"

static const __u64 kbuf_bench_default_blocks[] = { 64, 4096, 65536, 1048576 };

/**
 * struct kbuf_bench_opts - what "kbufctl bench" was asked to do
 * @size:      bytes of each buffer to use, or 0 for its whole capacity
 * @blocks:    bytes per read()/write() call, one figure each
 * @nr_blocks: how many
 * @repeat:    samples per figure
 * @time:      seconds one sample should last
 * @json:      JSON instead of a table
 * @scaling:   the scaling run instead of DEV figures
 */
struct kbuf_bench_opts {
	__u64 size;
	__u64 blocks[KBUF_BENCH_MAX_BLOCKS];
	unsigned int nr_blocks;
	unsigned int repeat;
	double time;
	bool json;
	bool scaling;
};

/**
 * struct kbuf_op - one operation to time, done @n times per sample
 * @run:     do it @n times
 * @fd:      the file read or written, or -1
 * @path:    a path that opens the same file (reader threads)
 * @buf:     user memory: the read/write buffer, a mapping, memcpy's target
 * @src:     memcpy's source
 * @span:    bytes of the file or memory walked through
 * @block:   bytes per call
 * @off:     the next offset, cycling through [0, @span)
 * @threads: reader threads
 * @bytes:   bytes moved per iteration, 0 for a figure that is a time
 * @sum:     what a summing loop found, kept so it is not optimised away
 * @elapsed: seconds, if @run timed itself (without its set-up); else < 0
 */
struct kbuf_op {
	void (*run)(struct kbuf_op *op, __u64 n);
	int fd;
	const char *path;
	unsigned char *buf;
	const unsigned char *src;
	size_t span;
	size_t block;
	size_t off;
	unsigned int threads;
	double bytes;
	__u64 sum;
	double elapsed;
};

/**
 * struct kbuf_meas - one measurement and its samples
 * @op: what is timed
 * @n:  iterations per slice, calibrated at the first slice
 * @t:  seconds per iteration, one per sample
 */
struct kbuf_meas {
	struct kbuf_op op;
	__u64 n;
	double t[KBUF_BENCH_MAX_REPEAT];
};

enum kbuf_row_kind {
	KBUF_ROW_RATE, /* MB/s: higher is better */
	KBUF_ROW_NS, /* ns per call: lower is better */
	KBUF_ROW_US, /* us per operation: lower is better */
};

/**
 * struct kbuf_row - one line of output: a figure against its peer
 * @figure: what is measured
 * @block:  bytes per call or per operation, 0 if it does not apply
 * @kind:   KBUF_ROW_*
 * @dev:    index of the buffer's measurement
 * @peer:   index of the peer's measurement
 * @peer_name: what the peer is
 */
struct kbuf_row {
	const char *figure;
	__u64 block;
	enum kbuf_row_kind kind;
	unsigned int dev;
	unsigned int peer;
	const char *peer_name;
};

/**
 * struct kbuf_bench - one buffer being measured
 * @o:        the options
 * @dev:      the buffer, open for reading and writing
 * @size:     bytes of it in use
 * @io:       the read/write peers are set up (not for the largest sizes
 *            of the scaling run)
 * @map_len:  bytes mapped (whole pages), 0 if it cannot be mapped
 * @shm_fd:   the tmpfs peer, an unlinked file in /dev/shm
 * @shm_path: /proc/self/fd/N of @shm_fd, to open it again
 * @zero_fd:  /dev/zero
 * @buf:      the user side of read() and write()
 * @dst:      memcpy's target
 * @src:      memcpy's source
 * @map:      the buffer mapped, or NULL
 * @anon:     anonymous memory of @map_len bytes, or NULL
 * @anon4k:   the same with 4 KiB pages only (MADV_NOHUGEPAGE), or NULL
 * @memfd:    scratch for the memfd figure
 * @meas:     the measurements
 * @nr_meas:  how many
 * @rows:     the output lines
 * @nr_rows:  how many
 */
struct kbuf_bench {
	const struct kbuf_bench_opts *o;
	struct kbuf_dev dev;
	size_t size;
	bool io;
	size_t map_len;
	int shm_fd;
	char shm_path[64];
	int zero_fd;
	unsigned char *buf;
	unsigned char *dst;
	unsigned char *src;
	unsigned char *map;
	unsigned char *anon;
	unsigned char *anon4k;
	struct kbuf_meas meas[KBUF_BENCH_MAX_MEAS];
	unsigned int nr_meas;
	struct kbuf_row rows[KBUF_BENCH_MAX_ROWS];
	unsigned int nr_rows;
};

/**
 * struct kbuf_stat - median, min and max of some samples
 * @med: the median
 * @min: the smallest
 * @max: the largest
 */
struct kbuf_stat {
	double med;
	double min;
	double max;
};

static const char *const kbuf_bench_help[] = {
	"Usage: kbufctl bench [--size SIZE] [--block SIZE,...] [--repeat N]",
	"                     [--time MS] [--json] DEV...",
	"       kbufctl bench --scaling [--repeat N] [--time MS] [--json]",
	"",
	"Measure each buffer side by side with what a user would take",
	"instead, in one run: read and write per block size against a tmpfs",
	"file of the same size and against memcpy, the cost of a 64-byte",
	"read against /dev/zero, mmap and first touch against memfd with",
	"MAP_POPULATE, access through the mapping against anonymous memory,",
	"and two reader threads against one. Each figure is the median of N",
	"samples [min..max] with its ratio to the peer. The buffer's data are",
	"overwritten. --scaling creates buffers of growing size with each",
	"backend instead (needs CAP_SYS_ADMIN).",
	"",
	"Options:",
	" -s, --size SIZE      bytes of each buffer to use (default: all)",
	" -b, --block LIST     bytes per call, comma-separated",
	"                      (default: 64,4K,64K,1M)",
	" -r, --repeat N       samples per figure, 1 to 99 (default: 5)",
	" -t, --time MS        length of a sample, 1 to 10000 (default: 100)",
	" -j, --json           print JSON instead of a table",
	" -S, --scaling        the scaling run (no DEV)",
	" -h, --help           show this help",
	NULL,
};

/* Exit 1 with @what and the error text of @error. */
static noreturn void kbuf_bench_fail(int error, const char *what)
{
	errx(KBUF_EXIT_FAIL, "%s: %s", what, strerror(error));
}

/* ---- timing ------------------------------------------------------------ */

static double kbuf_op_time(struct kbuf_op *op, __u64 n)
{
	double t0 = kbuf_now(), t;

	op->elapsed = -1;
	op->run(op, n);
	t = kbuf_now() - t0;
	return op->elapsed >= 0 ? op->elapsed : t;
}

/* Iterations that last about @target seconds. */
static __u64 kbuf_op_calibrate(struct kbuf_op *op, double target)
{
	__u64 n = 1;
	double t, f;

	for (;;) {
		t = kbuf_op_time(op, n);
		if (t >= target / 8 || n >= (1ULL << 40))
			break;
		/* Grow by what the time says, 2 to 16 times. */
		f = t > 0 ? target / 4 / t : 16;
		f = f < 2 ? 2 : f > 16 ? 16 : f;
		n = (__u64)((double)n * f);
	}
	f = (double)n * target / t;
	return f < 1 ? 1 : (__u64)f;
}

/* One slice of sample @i: the sample keeps its fastest slice. */
static void kbuf_meas_slice(struct kbuf_meas *m, unsigned int i,
			    unsigned int slice, double target)
{
	double t;

	if (!m->n)
		m->n = kbuf_op_calibrate(&m->op, target / KBUF_BENCH_SLICES);
	t = kbuf_op_time(&m->op, m->n) / (double)m->n;
	if (!slice || t < m->t[i])
		m->t[i] = t;
}

static int kbuf_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static struct kbuf_stat kbuf_stat_of(const double *v, unsigned int n)
{
	double s[KBUF_BENCH_MAX_REPEAT];
	struct kbuf_stat st;

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), kbuf_cmp_double);
	st.min = s[0];
	st.max = s[n - 1];
	st.med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	return st;
}

/* ---- the operations ------------------------------------------------------ */

static void kbuf_op_next(struct kbuf_op *op)
{
	op->off += op->block;
	if (op->off + op->block > op->span)
		op->off = 0;
}

static void kbuf_op_pread(struct kbuf_op *op, __u64 n)
{
	while (n--) {
		ssize_t r = pread(op->fd, op->buf, op->block, (off_t)op->off);

		if (r < 0)
			err(KBUF_EXIT_FAIL, "bench: read of %zu at %zu",
			    op->block, op->off);
		if (r != (ssize_t)op->block)
			errx(KBUF_EXIT_FAIL, "bench: read of %zu at %zu: %zd",
			     op->block, op->off, r);
		kbuf_op_next(op);
	}
}

static void kbuf_op_pwrite(struct kbuf_op *op, __u64 n)
{
	while (n--) {
		ssize_t r = pwrite(op->fd, op->buf, op->block, (off_t)op->off);

		if (r < 0)
			err(KBUF_EXIT_FAIL, "bench: write of %zu at %zu",
			    op->block, op->off);
		if (r != (ssize_t)op->block)
			errx(KBUF_EXIT_FAIL, "bench: write of %zu at %zu: %zd",
			     op->block, op->off, r);
		kbuf_op_next(op);
	}
}

static void kbuf_op_memcpy(struct kbuf_op *op, __u64 n)
{
	while (n--) {
		memcpy(op->buf, op->src, op->span);
		/* Each copy must happen: make the target look used. */
		op->sum += op->buf[n % op->span];
	}
}

/* Write one byte to each page of a fresh mapping, as a first user does. */
static void kbuf_touch(unsigned char *p, size_t len)
{
	size_t page = (size_t)kbuf_page_size(), i;

	for (i = 0; i < len; i += page)
		p[i] = (unsigned char)i;
}

static void kbuf_op_map_dev(struct kbuf_op *op, __u64 n)
{
	while (n--) {
		unsigned char *p = mmap(NULL, op->span, PROT_READ | PROT_WRITE,
					MAP_SHARED, op->fd, 0);

		if (p == MAP_FAILED)
			err(KBUF_EXIT_FAIL, "bench: mmap of %zu bytes",
			    op->span);
		kbuf_touch(p, op->span);
		munmap(p, op->span);
	}
}

static void kbuf_op_map_memfd(struct kbuf_op *op, __u64 n)
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
		kbuf_touch(p, op->span);
		munmap(p, op->span);
		close(fd);
	}
}

static void kbuf_op_sum(struct kbuf_op *op, __u64 n)
{
	const __u64 *p = (const __u64 *)op->buf;
	size_t i, words = op->span / sizeof(*p);
	__u64 s = 0;

	while (n--)
		for (i = 0; i < words; i++)
			s += p[i];
	op->sum += s;
}

static void kbuf_op_fill(struct kbuf_op *op, __u64 n)
{
	while (n--)
		memset(op->buf, (int)(n & 0xff), op->span);
}

/**
 * struct kbuf_reader - one reader thread
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
struct kbuf_reader {
	struct kbuf_op op;
	__u64 n;
	pthread_barrier_t *start;
	double begin;
	double end;
	int err;
};

/* Open, wait for the others, read; starting threads is not timed. */
static void *kbuf_reader_run(void *arg)
{
	struct kbuf_reader *r = arg;

	r->op.fd = open(r->op.path, O_RDONLY | O_CLOEXEC);
	if (r->op.fd < 0)
		r->err = errno;
	pthread_barrier_wait(r->start);
	if (r->err)
		return NULL;
	r->begin = kbuf_now();
	kbuf_op_pread(&r->op, r->n);
	r->end = kbuf_now();
	close(r->op.fd);
	return NULL;
}

/* @threads readers, each with its own descriptor, @n calls each. */
static void kbuf_op_readers(struct kbuf_op *op, __u64 n)
{
	struct kbuf_reader r[KBUF_BENCH_MAX_THREADS];
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
		ret = pthread_create(&tid[i], NULL, kbuf_reader_run, &r[i]);
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

/* ---- building the measurements ------------------------------------------ */

static unsigned int kbuf_bench_add(struct kbuf_bench *b,
				   void (*run)(struct kbuf_op *op, __u64 n),
				   int fd, size_t block, double bytes)
{
	struct kbuf_meas *m;

	if (b->nr_meas >= KBUF_BENCH_MAX_MEAS)
		errx(KBUF_EXIT_FAIL, "bench: too many measurements");
	m = &b->meas[b->nr_meas];
	memset(m, 0, sizeof(*m));
	m->op.run = run;
	m->op.fd = fd;
	m->op.buf = b->buf;
	m->op.span = b->size;
	m->op.block = block;
	m->op.threads = 1;
	m->op.bytes = bytes;
	return b->nr_meas++;
}

static void kbuf_bench_row(struct kbuf_bench *b, const char *figure,
			   __u64 block, enum kbuf_row_kind kind,
			   unsigned int dev, unsigned int peer,
			   const char *peer_name)
{
	struct kbuf_row *r;

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
static unsigned int
kbuf_bench_add_pair(struct kbuf_bench *b, const char *figure,
		    void (*run)(struct kbuf_op *op, __u64 n), size_t bl)
{
	unsigned int dev, peer;

	dev = kbuf_bench_add(b, run, b->dev.fd, bl, (double)bl);
	peer = kbuf_bench_add(b, run, b->shm_fd, bl, (double)bl);
	kbuf_bench_row(b, figure, bl, KBUF_ROW_RATE, dev, peer, "tmpfs");
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
		rd = kbuf_bench_add_pair(b, "read", kbuf_op_pread, bl);
		wr = kbuf_bench_add_pair(b, "write", kbuf_op_pwrite, bl);
		if (bl >= last) {
			last = bl;
			last_rd = rd;
			last_wr = wr;
		}
	}
	if (!last)
		return;
	cp = kbuf_bench_add(b, kbuf_op_memcpy, -1, b->size, (double)b->size);
	b->meas[cp].op.buf = b->dst;
	b->meas[cp].op.src = b->src;
	kbuf_bench_row(b, "read", last, KBUF_ROW_RATE, last_rd, cp, "memcpy");
	kbuf_bench_row(b, "write", last, KBUF_ROW_RATE, last_wr, cp, "memcpy");
}

static void kbuf_bench_add_call(struct kbuf_bench *b)
{
	unsigned int dev, zero;

	if (b->size < KBUF_BENCH_CALL)
		return;
	dev = kbuf_bench_add(b, kbuf_op_pread, b->dev.fd, KBUF_BENCH_CALL, 0);
	zero = kbuf_bench_add(b, kbuf_op_pread, b->zero_fd, KBUF_BENCH_CALL, 0);
	kbuf_bench_row(b, "read call", KBUF_BENCH_CALL, KBUF_ROW_NS, dev, zero,
		       "/dev/zero");
}

/* One access to @buf, all of the mapping's length. */
static unsigned int kbuf_bench_add_span(struct kbuf_bench *b,
					void (*run)(struct kbuf_op *op,
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
				  void (*run)(struct kbuf_op *op, __u64 n))
{
	unsigned int m, p, p4k;

	m = kbuf_bench_add_span(b, run, b->map);
	p = kbuf_bench_add_span(b, run, b->anon);
	p4k = kbuf_bench_add_span(b, run, b->anon4k);
	kbuf_bench_row(b, figure, b->map_len, KBUF_ROW_RATE, m, p, "anon");
	kbuf_bench_row(b, figure, b->map_len, KBUF_ROW_RATE, m, p4k, "anon 4K");
}

static void kbuf_bench_add_map(struct kbuf_bench *b)
{
	unsigned int m, p;

	if (!b->map_len)
		return;
	m = kbuf_bench_add(b, kbuf_op_map_dev, b->dev.fd, b->map_len, 0);
	b->meas[m].op.span = b->map_len;
	p = kbuf_bench_add(b, kbuf_op_map_memfd, -1, b->map_len, 0);
	b->meas[p].op.span = b->map_len;
	kbuf_bench_row(b, "mmap+touch", b->map_len, KBUF_ROW_US, m, p, "memfd");
	if (b->o->scaling)
		return;

	kbuf_bench_add_access(b, "mapped read", kbuf_op_sum);
	kbuf_bench_add_access(b, "mapped write", kbuf_op_fill);
}

static unsigned int kbuf_bench_add_readers(struct kbuf_bench *b, int fd,
					   const char *path,
					   unsigned int threads)
{
	size_t bl = b->size < KBUF_BENCH_THREAD_BLOCK ? b->size :
							KBUF_BENCH_THREAD_BLOCK;
	unsigned int m;

	m = kbuf_bench_add(b, kbuf_op_readers, fd, bl,
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
	kbuf_bench_row(b, "2 readers", bl, KBUF_ROW_RATE, two, one, "1 reader");
	one = kbuf_bench_add_readers(b, b->shm_fd, b->shm_path, 1);
	two = kbuf_bench_add_readers(b, b->shm_fd, b->shm_path, 2);
	kbuf_bench_row(b, "tmpfs 2 readers", bl, KBUF_ROW_RATE, two, one,
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
	kbuf_dev_close(&b->dev);
}

/*
 * Sample every measurement @repeat times. A sample is the fastest of
 * KBUF_BENCH_SLICES slices, and the slices of all the measurements take
 * turns: a figure and its peer see the same load on a shared machine, and
 * time stolen by other guests (which only ever adds) is left out.
 */
static void kbuf_bench_run(struct kbuf_bench *b)
{
	unsigned int r, s, i;

	for (r = 0; r < b->o->repeat; r++)
		for (s = 0; s < KBUF_BENCH_SLICES; s++)
			for (i = 0; i < b->nr_meas; i++)
				kbuf_meas_slice(&b->meas[i], r, s, b->o->time);
}

/* ---- output -------------------------------------------------------------- */

/* A sample as the row shows it: MB/s, ns or us. */
static double kbuf_row_value(const struct kbuf_meas *m, enum kbuf_row_kind kind,
			     double t)
{
	if (kind == KBUF_ROW_RATE)
		return m->op.bytes / t / 1e6;
	return t * (kind == KBUF_ROW_NS ? 1e9 : 1e6);
}

static struct kbuf_stat kbuf_row_stat(const struct kbuf_bench *b,
				      const struct kbuf_row *r, bool peer)
{
	const struct kbuf_meas *m = &b->meas[peer ? r->peer : r->dev];
	double v[KBUF_BENCH_MAX_REPEAT] = { 0 };
	unsigned int i;

	for (i = 0; i < b->o->repeat; i++)
		v[i] = kbuf_row_value(m, r->kind, m->t[i]);
	return kbuf_stat_of(v, b->o->repeat);
}

static const char *kbuf_row_unit(enum kbuf_row_kind kind)
{
	return kind == KBUF_ROW_RATE ? "MB/s" :
	       kind == KBUF_ROW_NS   ? "ns" :
				       "us";
}

static void kbuf_num(double v, char *buf, size_t len)
{
	if (v >= 100)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 10)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2f", v);
}

/* "median [min..max]" */
static void kbuf_stat_str(const struct kbuf_stat *s, char *buf, size_t len)
{
	char med[KBUF_BENCH_NUM_LEN], lo[KBUF_BENCH_NUM_LEN],
		hi[KBUF_BENCH_NUM_LEN];

	kbuf_num(s->med, med, sizeof(med));
	kbuf_num(s->min, lo, sizeof(lo));
	kbuf_num(s->max, hi, sizeof(hi));
	snprintf(buf, len, "%s [%s..%s]", med, lo, hi);
}

static void kbuf_bench_header(const struct kbuf_bench *b)
{
	char cap[KBUF_BENCH_NUM_LEN], size[KBUF_BENCH_NUM_LEN];

	kbuf_format_size(b->dev.info.capacity, cap, sizeof(cap));
	kbuf_format_size(b->size, size, sizeof(size));
	printf("%s: %s, %s used of %s, map %s; median of %u [min..max]\n",
	       b->dev.path, kbuf_backend_name(b->dev.info.backend), size, cap,
	       kbuf_map_mode_name(b->dev.info.map_mode), b->o->repeat);
	printf("%-16s %-8s %-5s %-24s %-15s %-24s %s\n", "FIGURE", "BLOCK",
	       "UNIT", "KBUF", "PEER", "PEER VALUE", "RATIO");
}

static void kbuf_bench_table(const struct kbuf_bench *b)
{
	char block[KBUF_BENCH_NUM_LEN], dev[KBUF_BENCH_STR_LEN],
		peer[KBUF_BENCH_STR_LEN];
	struct kbuf_stat d, p;
	unsigned int i;

	kbuf_bench_header(b);
	for (i = 0; i < b->nr_rows; i++) {
		const struct kbuf_row *r = &b->rows[i];

		d = kbuf_row_stat(b, r, false);
		p = kbuf_row_stat(b, r, true);
		kbuf_format_size(r->block, block, sizeof(block));
		kbuf_stat_str(&d, dev, sizeof(dev));
		kbuf_stat_str(&p, peer, sizeof(peer));
		printf("%-16s %-8s %-5s %-24s %-15s %-24s %.2f\n", r->figure,
		       block, kbuf_row_unit(r->kind), dev, r->peer_name, peer,
		       d.med / p.med);
	}
}

static void kbuf_json_stat(const char *key, const struct kbuf_stat *s)
{
	printf("\"%s\": {\"median\": %.6g, \"min\": %.6g, \"max\": %.6g}", key,
	       s->med, s->min, s->max);
}

static void kbuf_bench_json_row(const struct kbuf_bench *b,
				const struct kbuf_row *r)
{
	struct kbuf_stat d = kbuf_row_stat(b, r, false);
	struct kbuf_stat p = kbuf_row_stat(b, r, true);

	fputs("{\"figure\": ", stdout);
	kbuf_json_string(stdout, r->figure);
	printf(", \"block\": %llu, \"unit\": \"%s\", \"better\": \"%s\", ",
	       (unsigned long long)r->block, kbuf_row_unit(r->kind),
	       r->kind == KBUF_ROW_RATE ? "higher" : "lower");
	kbuf_json_stat("value", &d);
	fputs(", \"peer\": ", stdout);
	kbuf_json_string(stdout, r->peer_name);
	fputs(", ", stdout);
	kbuf_json_stat("peer_value", &p);
	printf(", \"ratio\": %.4f}", d.med / p.med);
}

static void kbuf_bench_json(const struct kbuf_bench *b)
{
	unsigned int i;

	fputs("{\"path\": ", stdout);
	kbuf_json_string(stdout, b->dev.path);
	fputs(", \"name\": ", stdout);
	kbuf_json_string(stdout, b->dev.info.name);
	printf(", \"backend\": \"%s\", \"map_mode\": \"%s\", ",
	       kbuf_backend_name(b->dev.info.backend),
	       kbuf_map_mode_name(b->dev.info.map_mode));
	printf("\"capacity\": %llu, \"size\": %zu, \"rows\": [",
	       (unsigned long long)b->dev.info.capacity, b->size);
	for (i = 0; i < b->nr_rows; i++) {
		fputs(i ? ",\n  " : "\n  ", stdout);
		kbuf_bench_json_row(b, &b->rows[i]);
	}
	fputs("\n]}", stdout);
}

/* ---- one buffer ---------------------------------------------------------- */

static struct kbuf_bench *kbuf_bench_new(const struct kbuf_bench_opts *o,
					 const char *arg)
{
	struct kbuf_bench *b = calloc(1, sizeof(*b));

	if (!b)
		err(KBUF_EXIT_FAIL, "bench");
	b->o = o;
	kbuf_bench_open(b, arg);
	return b;
}

static void kbuf_bench_free(struct kbuf_bench *b)
{
	kbuf_bench_close(b);
	free(b);
}

static void kbuf_bench_dev(const struct kbuf_bench_opts *o, const char *arg,
			   bool first)
{
	struct kbuf_bench *b = kbuf_bench_new(o, arg);

	kbuf_bench_add_io(b);
	kbuf_bench_add_call(b);
	kbuf_bench_add_map(b);
	kbuf_bench_add_threads(b);
	kbuf_bench_run(b);
	if (o->json) {
		fputs(first ? "" : ",\n", stdout);
		kbuf_bench_json(b);
	} else {
		fputs(first ? "" : "\n", stdout);
		kbuf_bench_table(b);
	}
	fflush(stdout);
	kbuf_bench_free(b);
}

/* ---- scaling ------------------------------------------------------------- */

/**
 * struct kbuf_scale - one buffer size tried in the scaling run
 * @backend: KBUF_BACKEND_*
 * @size:    capacity asked for
 * @err:     errno of the failed create, or 0
 * @create:  seconds per create, one per sample
 * @read:    read of 64 KiB blocks against tmpfs, MB/s, if measured
 * @mmap:    mmap and first touch against memfd, us, if measured
 */
struct kbuf_scale {
	__u32 backend;
	__u64 size;
	int err;
	struct kbuf_stat create;
	double read[2];
	double mmap[2];
};

static int kbuf_scale_ctl(unsigned long req, void *arg)
{
	int fd = open(KBUF_CONTROL_PATH, O_RDWR | O_CLOEXEC);
	int ret;

	if (fd < 0)
		err(KBUF_EXIT_FAIL, "%s", KBUF_CONTROL_PATH);
	ret = ioctl(fd, req, arg) ? errno : 0;
	close(fd);
	return ret;
}

static int kbuf_scale_destroy(void)
{
	struct kbuf_destroy kd;

	memset(&kd, 0, sizeof(kd));
	snprintf(kd.name, sizeof(kd.name), "%s", KBUF_SCALE_NAME);
	return kbuf_scale_ctl(KBUF_IOC_DESTROY, &kd);
}

/* Create @s->size with @s->backend @repeat times, timing each create. */
static void kbuf_scale_create(struct kbuf_scale *s, unsigned int repeat)
{
	double t[KBUF_BENCH_MAX_REPEAT] = { 0 };
	struct kbuf_create kc;
	unsigned int i;
	int ret;

	memset(&kc, 0, sizeof(kc));
	snprintf(kc.name, sizeof(kc.name), "%s", KBUF_SCALE_NAME);
	kc.backend = s->backend;
	kc.gfp = KBUF_GFP_KERNEL;
	kc.size = s->size;
	for (i = 0; i < repeat; i++) {
		double t0 = kbuf_now();

		s->err = kbuf_scale_ctl(KBUF_IOC_CREATE, &kc);
		t[i] = (kbuf_now() - t0) * 1e6;
		if (s->err)
			return;
		if (i + 1 == repeat)
			break;
		ret = kbuf_scale_destroy();
		if (ret)
			kbuf_bench_fail(ret, KBUF_CONTROL_PATH ": destroy");
	}
	s->create = kbuf_stat_of(t, repeat);
}

/* The read and mmap figures of the buffer just created. */
static void kbuf_scale_figures(const struct kbuf_bench_opts *o,
			       struct kbuf_scale *s)
{
	struct kbuf_bench_opts so = *o;
	struct kbuf_bench *b;
	struct kbuf_stat st;
	unsigned int i;

	so.nr_blocks = 1;
	so.blocks[0] = KBUF_BENCH_THREAD_BLOCK;
	b = kbuf_bench_new(&so, KBUF_DEV_DIR "/" KBUF_SCALE_NAME);
	if (b->io)
		kbuf_bench_add_pair(b, "read", kbuf_op_pread,
				    KBUF_BENCH_THREAD_BLOCK);
	kbuf_bench_add_map(b);
	kbuf_bench_run(b);
	for (i = 0; i < b->nr_rows; i++) {
		double *f = b->rows[i].kind == KBUF_ROW_RATE ? s->read :
							       s->mmap;

		st = kbuf_row_stat(b, &b->rows[i], false);
		f[0] = st.med;
		st = kbuf_row_stat(b, &b->rows[i], true);
		f[1] = st.med;
	}
	kbuf_bench_free(b);
}

/* Wait for the node of the buffer just made (devtmpfs, maybe udev). */
static void kbuf_scale_wait_node(void)
{
	const char *path = KBUF_DEV_DIR "/" KBUF_SCALE_NAME;
	unsigned int i;

	for (i = 0; i < 100 && access(path, F_OK); i++)
		usleep(20000);
}

static void kbuf_scale_one(const struct kbuf_bench_opts *o,
			   struct kbuf_scale *s)
{
	int ret;

	memset(s->read, 0, sizeof(s->read));
	memset(s->mmap, 0, sizeof(s->mmap));
	kbuf_scale_create(s, o->repeat);
	if (s->err)
		return;
	kbuf_scale_wait_node();
	if (s->size <= KBUF_SCALE_MAP_MAX)
		kbuf_scale_figures(o, s);
	ret = kbuf_scale_destroy();
	if (ret)
		kbuf_bench_fail(ret, KBUF_CONTROL_PATH ": destroy");
}

static void kbuf_scale_print(const struct kbuf_bench_opts *o,
			     const struct kbuf_scale *s, bool first)
{
	char size[KBUF_BENCH_NUM_LEN], c[KBUF_BENCH_STR_LEN], r[64], m[64];
	const char *be = kbuf_backend_name(s->backend);

	kbuf_format_size(s->size, size, sizeof(size));
	if (o->json) {
		printf("%s{\"backend\": \"%s\", \"size\": %llu, ",
		       first ? "\n  " : ",\n  ", be,
		       (unsigned long long)s->size);
		printf("\"error\": \"%s\"", s->err ? strerror(s->err) : "");
		if (!s->err) {
			fputs(", ", stdout);
			kbuf_json_stat("create_us", &s->create);
		}
		printf(", \"read_mbs\": %.6g, \"read_tmpfs_mbs\": %.6g",
		       s->read[0], s->read[1]);
		printf(", \"mmap_us\": %.6g, \"mmap_memfd_us\": %.6g}",
		       s->mmap[0], s->mmap[1]);
		return;
	}
	if (s->err) {
		printf("%-8s %-9s %s\n", be, size, strerror(s->err));
		return;
	}
	kbuf_stat_str(&s->create, c, sizeof(c));
	snprintf(r, sizeof(r), "-");
	snprintf(m, sizeof(m), "-");
	if (s->read[1] > 0)
		snprintf(r, sizeof(r), "%.0f (%.2fx tmpfs)", s->read[0],
			 s->read[0] / s->read[1]);
	if (s->mmap[1] > 0)
		snprintf(m, sizeof(m), "%.0f (%.2fx memfd)", s->mmap[0],
			 s->mmap[0] / s->mmap[1]);
	printf("%-8s %-9s %-28s %-24s %s\n", be, size, c, r, m);
}

static int kbuf_bench_scaling(const struct kbuf_bench_opts *o)
{
	/* One size past each backend's limit shows where it stops. */
	static const __u64 kmalloc_sizes[] = { 64 << 10, 256 << 10, 1 << 20,
					       4 << 20, 8 << 20 };
	static const __u64 vmalloc_sizes[] = { 64 << 10,  1 << 20,   16 << 20,
					       64 << 20,  256 << 20, 1 << 30,
					       2ULL << 30 };
	static const __u32 backends[] = { KBUF_BACKEND_KMALLOC,
					  KBUF_BACKEND_PAGES,
					  KBUF_BACKEND_VMALLOC };
	struct kbuf_scale s;
	bool first = true;
	unsigned int i, j;

	kbuf_scale_destroy(); /* a left-over of an interrupted run */
	if (o->json)
		fputs("{\"scaling\": [", stdout);
	else
		printf("%-8s %-9s %-28s %-24s %s\n", "BACKEND", "SIZE",
		       "CREATE us [min..max]", "READ 64K MB/s",
		       "MMAP+TOUCH us");
	for (i = 0; i < ARRAY_SIZE(backends); i++) {
		const __u64 *sizes = backends[i] == KBUF_BACKEND_VMALLOC ?
					     vmalloc_sizes :
					     kmalloc_sizes;
		size_t n = backends[i] == KBUF_BACKEND_VMALLOC ?
				   ARRAY_SIZE(vmalloc_sizes) :
				   ARRAY_SIZE(kmalloc_sizes);

		for (j = 0; j < n; j++) {
			s.backend = backends[i];
			s.size = sizes[j];
			kbuf_scale_one(o, &s);
			kbuf_scale_print(o, &s, first);
			first = false;
			fflush(stdout);
		}
	}
	if (o->json)
		fputs("\n]}\n", stdout);
	return KBUF_EXIT_OK;
}

/* ---- options ------------------------------------------------------------- */

static void kbuf_bench_blocks(const char *prog, const char *list,
			      struct kbuf_bench_opts *o)
{
	char *copy = strdup(list), *save = NULL, *tok;

	if (!copy)
		err(KBUF_EXIT_FAIL, "bench");
	o->nr_blocks = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		__u64 v = kbuf_arg_size(prog, "block", tok);

		if (!v || v > KBUF_BENCH_MAX_BLOCK)
			kbuf_usage_error(prog, "block '%s' is not 1 to 1G",
					 tok);
		if (o->nr_blocks == KBUF_BENCH_MAX_BLOCKS)
			kbuf_usage_error(prog, "more than %d block sizes",
					 KBUF_BENCH_MAX_BLOCKS);
		o->blocks[o->nr_blocks++] = v;
	}
	free(copy);
	if (!o->nr_blocks)
		kbuf_usage_error(prog, "--block needs at least one size");
}

static unsigned int kbuf_bench_count(const char *prog, const char *what,
				     const char *s, unsigned int max)
{
	__u64 v;

	if (kbuf_parse_size(s, &v) || !v || v > max)
		kbuf_usage_error(prog, "%s '%s' is not 1 to %u", what, s, max);
	return (unsigned int)v;
}

static void kbuf_bench_option(const char *prog, int c,
			      struct kbuf_bench_opts *o)
{
	switch (c) {
	case 's':
		o->size = kbuf_arg_size(prog, "size", optarg);
		if (!o->size)
			kbuf_usage_error(prog, "--size must not be 0");
		break;
	case 'b':
		kbuf_bench_blocks(prog, optarg, o);
		break;
	case 'r':
		o->repeat = kbuf_bench_count(prog, "repeat", optarg,
					     KBUF_BENCH_MAX_REPEAT);
		break;
	case 't':
		o->time = kbuf_bench_count(prog, "time", optarg,
					   KBUF_BENCH_MAX_TIME) /
			  1000.0;
		break;
	case 'j':
		o->json = true;
		break;
	default:
		o->scaling = true;
		break;
	}
}

static void kbuf_bench_parse(int argc, char **argv, struct kbuf_bench_opts *o)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "block", required_argument, NULL, 'b' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "time", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "scaling", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	memcpy(o->blocks, kbuf_bench_default_blocks,
	       sizeof(kbuf_bench_default_blocks));
	o->nr_blocks = ARRAY_SIZE(kbuf_bench_default_blocks);
	o->repeat = 5;
	o->time = 0.1;
	while ((c = kbuf_getopt(argc, argv, "s:b:r:t:jSh", opts,
				kbuf_bench_help)) != -1)
		kbuf_bench_option(argv[0], c, o);
	if (o->scaling && optind < argc)
		kbuf_usage_error(argv[0], "--scaling takes no DEV");
	if (!o->scaling && optind >= argc)
		kbuf_usage_error(argv[0], "missing DEV");
}

int kbuf_cmd_bench(int argc, char **argv)
{
	struct kbuf_bench_opts o;
	bool first = true;

	kbuf_bench_parse(argc, argv, &o);
	if (o.scaling)
		return kbuf_bench_scaling(&o);
	if (o.json)
		printf("{\"repeat\": %u, \"time_ms\": %.0f, \"buffers\": [\n",
		       o.repeat, o.time * 1000);
	for (; optind < argc; optind++) {
		kbuf_bench_dev(&o, argv[optind], first);
		first = false;
	}
	if (o.json)
		fputs("\n]}\n", stdout);
	return KBUF_EXIT_OK;
}
