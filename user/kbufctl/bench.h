/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kbufctl bench: the declarations shared by its files:
 *
 *   bench.c        options and the command
 *   bench-ops.c    the operations timed (reads, writes, maps, copies,
 *                  reader threads)
 *   bench-dev.c    the figures for one buffer against their peers
 *   bench-scale.c  the scaling run, size by size and backend by backend
 *   bench-dmabuf.c the dma-buf run: kbuf's exports against the kernel's
 *                  own exporters and importing them into vgem
 *   bench-stat.c   sampling, statistics, and the output of the figures
 *
 * Copyright (C) 2025 The kbuf authors
 */
#ifndef KBUF_BENCH_H
#define KBUF_BENCH_H

#include <limits.h>

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
/* The dma-buf run: the size of every buffer, unless --size says. */
#define KBUF_DMABUF_SIZE (4ULL << 20)
/* A row whose peer this kernel lacks: kbuf's figure alone. */
#define KBUF_BENCH_NO_PEER UINT_MAX

/**
 * struct kbuf_bench_opts - what "kbufctl bench" was asked to do
 * @size:      bytes of each buffer to use, or 0 for its whole capacity
 * @blocks:    bytes per read()/write() call, one figure each
 * @nr_blocks: how many
 * @repeat:    samples per figure
 * @time:      seconds one sample should last
 * @json:      JSON instead of a table
 * @scaling:   the scaling run instead of DEV figures
 * @dmabuf:    the dma-buf run instead of DEV figures
 * @quiet:     no progress line on a terminal
 */
struct kbuf_bench_opts {
	__u64 size;
	__u64 blocks[KBUF_BENCH_MAX_BLOCKS];
	unsigned int nr_blocks;
	unsigned int repeat;
	double time;
	bool json;
	bool scaling;
	bool dmabuf;
	bool quiet;
};

/**
 * struct kbuf_bench_op - one operation to time, done @n times per sample
 * @run:     do it @n times
 * @fd:      the file read or written, or -1
 * @out:     where sendfile() writes (/dev/null), or -1
 * @path:    a path that opens the same file (reader threads)
 * @backend: KBUF_BACKEND_* of the buffers the op creates
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
struct kbuf_bench_op {
	void (*run)(struct kbuf_bench_op *op, __u64 n);
	int fd;
	int out;
	const char *path;
	__u32 backend;
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
 * struct kbuf_bench_meas - one measurement and its samples
 * @op: what is timed
 * @n:  iterations per slice, calibrated at the first slice
 * @t:  seconds per iteration, one per sample
 * @done: sampled already (a peer may serve more than one row)
 */
struct kbuf_bench_meas {
	struct kbuf_bench_op op;
	__u64 n;
	double t[KBUF_BENCH_MAX_REPEAT];
	bool done;
};

enum kbuf_bench_row_kind {
	KBUF_ROW_RATE, /* MB/s: higher is better */
	KBUF_ROW_NS, /* ns per call: lower is better */
	KBUF_ROW_US, /* us per operation: lower is better */
};

/**
 * struct kbuf_bench_row - one line of output: a figure against its peer
 * @figure: what is measured
 * @block:  bytes per call or per operation, 0 if it does not apply
 * @kind:   KBUF_ROW_*
 * @dev:    index of the buffer's measurement
 * @peer:   index of the peer's measurement, or KBUF_BENCH_NO_PEER
 * @peer_name: what the peer is
 */
struct kbuf_bench_row {
	const char *figure;
	__u64 block;
	enum kbuf_bench_row_kind kind;
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
 * @null_fd:  /dev/null, where sendfile() writes
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
	int null_fd;
	unsigned char *buf;
	unsigned char *dst;
	unsigned char *src;
	unsigned char *map;
	unsigned char *anon;
	unsigned char *anon4k;
	struct kbuf_bench_meas meas[KBUF_BENCH_MAX_MEAS];
	unsigned int nr_meas;
	struct kbuf_bench_row rows[KBUF_BENCH_MAX_ROWS];
	unsigned int nr_rows;
};

/**
 * struct kbuf_bench_stat - median, min and max of some samples
 * @med: the median
 * @min: the smallest
 * @max: the largest
 */
struct kbuf_bench_stat {
	double med;
	double min;
	double max;
};

/* bench.c */
noreturn void kbuf_bench_fail(int error, const char *what);

/* bench-ops.c: what is timed, done @n times */
void kbuf_bench_op_pread(struct kbuf_bench_op *op, __u64 n);
void kbuf_bench_op_pwrite(struct kbuf_bench_op *op, __u64 n);
void kbuf_bench_op_memcpy(struct kbuf_bench_op *op, __u64 n);
void kbuf_bench_op_map_dev(struct kbuf_bench_op *op, __u64 n);
void kbuf_bench_op_map_memfd(struct kbuf_bench_op *op, __u64 n);
void kbuf_bench_op_sum(struct kbuf_bench_op *op, __u64 n);
void kbuf_bench_op_fill(struct kbuf_bench_op *op, __u64 n);
void kbuf_bench_op_readers(struct kbuf_bench_op *op, __u64 n);
void kbuf_bench_op_sendfile(struct kbuf_bench_op *op, __u64 n);
void kbuf_bench_map_touch(int fd, size_t len);
void kbuf_bench_wait_node(const char *path);
int kbuf_bench_ctl_open(void);
int kbuf_bench_create(int ctl, const char *name, __u32 backend, __u64 size);
int kbuf_bench_destroy(int ctl, const char *name);

/* bench-stat.c: sampling, statistics, output */
struct kbuf_bench_stat kbuf_bench_stat_of(const double *v, unsigned int n);
void kbuf_bench_run(struct kbuf_bench *b);
struct kbuf_bench_stat kbuf_bench_row_stat(const struct kbuf_bench *b,
					   const struct kbuf_bench_row *r,
					   bool peer);
void kbuf_bench_stat_str(const struct kbuf_bench_stat *s, char *buf,
			 size_t len);
void kbuf_bench_json_stat(const char *key, const struct kbuf_bench_stat *s);
void kbuf_bench_run_row(struct kbuf_bench *b, unsigned int row);
void kbuf_bench_header(const struct kbuf_bench *b);
void kbuf_bench_titles(void);
void kbuf_bench_table_row(const struct kbuf_bench *b, unsigned int row);
void kbuf_bench_json_row(const struct kbuf_bench *b,
			 const struct kbuf_bench_row *r);
void kbuf_bench_json(const struct kbuf_bench *b);

/* bench-dev.c: the figures of one buffer */
unsigned int kbuf_bench_add_pair(struct kbuf_bench *b, const char *figure,
				 void (*run)(struct kbuf_bench_op *op, __u64 n),
				 size_t bl);
unsigned int kbuf_bench_add(struct kbuf_bench *b,
			    void (*run)(struct kbuf_bench_op *op, __u64 n),
			    int fd, size_t block, double bytes);
void kbuf_bench_add_row(struct kbuf_bench *b, const char *figure, __u64 block,
			enum kbuf_bench_row_kind kind, unsigned int dev,
			unsigned int peer, const char *peer_name);
void kbuf_bench_add_map(struct kbuf_bench *b);
struct kbuf_bench *kbuf_bench_new(const struct kbuf_bench_opts *o,
				  const char *arg);
void kbuf_bench_free(struct kbuf_bench *b);
void kbuf_bench_dev(const struct kbuf_bench_opts *o, const char *arg,
		    bool first);

/* bench-scale.c: the scaling run */
int kbuf_bench_scaling(const struct kbuf_bench_opts *o);

/* bench-dmabuf.c: the dma-buf run */
int kbuf_bench_dmabuf(const struct kbuf_bench_opts *o);

#endif /* KBUF_BENCH_H */
