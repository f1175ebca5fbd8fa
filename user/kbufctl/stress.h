/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kbufctl stress: the declarations shared by stress.c (options, processes,
 * threads, the report) and model.c (the operations and the model they are
 * checked against).
 *
 * Every worker thread owns one region of each DEV and, with --create, one
 * private buffer of its own. Operations on a region are ordered by its one
 * owner, so each has an exact expected result. Operations that touch a
 * whole shared buffer (resize, clear, set-length, O_TRUNC) run under the
 * buffer's process-shared lock held for writing; the others hold it for
 * reading. The model of a shared buffer lives in memory shared by every
 * process, so a whole-buffer operation updates every owner's view.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#ifndef KBUF_STRESS_H
#define KBUF_STRESS_H

#include <pthread.h>
#include <stdatomic.h>

#include "kbufctl.h"

#define KST_MAX_DEVS 8
#define KST_MAX_THREADS 64
#define KST_MAX_PROCS 16
#define KST_MAX_WORKERS (KST_MAX_THREADS * KST_MAX_PROCS)
/* Largest single read or write. */
#define KST_IO_MAX 16384
/* Largest private buffer: its model is a fixed array. */
#define KST_PRIV_MAX 65536
#define KST_MSG_LEN 1024

enum kst_op {
	KST_READ,
	KST_WRITE,
	KST_PREAD,
	KST_PWRITE,
	KST_LSEEK,
	KST_MMAP,
	KST_MUNMAP,
	KST_MREMAP,
	KST_MAPWRITE,
	KST_MAPREAD,
	KST_INFO,
	KST_SETLEN,
	KST_RESIZE,
	KST_CLEAR,
	KST_BADIOCTL,
	KST_FORK,
	KST_CLOSEMAP,
	KST_TRUNC,
	KST_APPEND,
	KST_CREATE,
	KST_DESTROY,
	KST_NR_OPS,
};

/* The errnos an operation may get, one bit each (see kst_errnos). */
enum kst_err {
	KST_E_INVAL,
	KST_E_NOSPC,
	KST_E_BUSY,
	KST_E_FAULT,
	KST_E_ACCES,
	KST_E_BADF,
	KST_E_NOTTY,
	KST_E_NXIO,
	KST_E_NOMEM,
	KST_E_EXIST,
	KST_E_NOENT,
	KST_NR_ERRS,
};

/**
 * struct kst_stats - what one worker did
 * @calls: operations run, by kind
 * @errs:  expected failures, by kind and errno
 * @secs:  time inside the operations, by kind, in seconds (waits for the
 *         stress's own locks left out)
 */
struct kst_stats {
	__u64 calls[KST_NR_OPS];
	double secs[KST_NR_OPS];
	__u64 errs[KST_NR_OPS][KST_NR_ERRS];
};

/**
 * struct kst_model - what a buffer must hold
 * @bytes:    map_size bytes at least; bytes past the capacity are zeros
 * @capacity: its capacity
 * @length:   its length
 * @backend:  KBUF_BACKEND_*
 */
struct kst_model {
	unsigned char *bytes;
	__u64 capacity;
	__u64 length;
	__u32 backend;
};

/**
 * struct kst_sdev - a DEV, shared by every process
 * @lock:   held for writing by whole-buffer operations, for reading else
 * @model:  its model (@model.bytes is shared memory too)
 * @cap0:   the capacity it had at the start, which every resize restores
 * @region: bytes each worker owns: worker i owns [i * region, +region)
 * @path:   its node
 */
struct kst_sdev {
	pthread_rwlock_t lock;
	struct kst_model model;
	__u64 cap0;
	__u64 region;
	char path[KBUF_PATH_MAX];
};

/**
 * struct kst_shared - the memory every process of a run shares
 * @stop:        set to end the run (the time is up or something failed)
 * @failures:    failures seen: divergences and unexpected errnos
 * @divergences: results that differed from the model
 * @bad_errnos:  errnos the contract does not allow for the operation
 * @run_id:      the first process's id, in the names of private buffers
 * @first:       the message of the first failure
 * @stats:       one per worker
 * @devs:        the DEVs
 */
struct kst_shared {
	atomic_int stop;
	atomic_int failures;
	atomic_int divergences;
	atomic_int bad_errnos;
	int run_id;
	char first[KST_MSG_LEN];
	struct kst_stats stats[KST_MAX_WORKERS];
	struct kst_sdev devs[KST_MAX_DEVS];
};

/**
 * struct kst_opts - the command line
 * @threads:   threads per process
 * @procs:     processes
 * @seconds:   run time, or 0 with @ops
 * @ops:       operations in all, or 0 with @seconds
 * @seed:      the seed
 * @create:    give each worker private buffers made through the control
 *             node
 * @json:      print the report as JSON
 * @self_test: corrupt the model once on purpose (hidden, for the tests)
 * @ndevs:     how many DEVs
 * @devs:      the DEV arguments
 */
struct kst_opts {
	unsigned int threads;
	unsigned int procs;
	double seconds;
	__u64 ops;
	__u64 seed;
	bool create;
	bool json;
	bool self_test;
	unsigned int ndevs;
	const char *devs[KST_MAX_DEVS];
};

/**
 * struct kst_map - a worker's mapping of one target
 * @addr:     where, or NULL
 * @len:      its length
 * @off:      the buffer offset it starts at
 * @own_file: it holds a file description whose descriptor was closed
 * @split:    a middle page was unmapped: it counts as two mappings
 */
struct kst_map {
	unsigned char *addr;
	size_t len;
	__u64 off;
	bool own_file;
	bool split;
};

/**
 * struct kst_target - one buffer as a worker sees it
 * @m:       its model (shared for a DEV)
 * @sdev:    the DEV, or NULL for a private buffer
 * @priv:    the model of a private buffer
 * @path:    its node
 * @name:    the private buffer's name
 * @fd:      the worker's own O_RDWR descriptor, or -1
 * @pos:     that descriptor's file position
 * @lo:      the first byte the worker owns
 * @hi:      one past the last
 * @map:     the worker's mapping
 * @gen:     how many private buffers this worker made
 */
struct kst_target {
	struct kst_model *m;
	struct kst_sdev *sdev;
	struct kst_model priv;
	char path[KBUF_PATH_MAX];
	char name[KBUF_NAME_LEN];
	int fd;
	__u64 pos;
	__u64 lo;
	__u64 hi;
	struct kst_map map;
	unsigned int gen;
};

/**
 * struct kst_worker - one thread of one process
 * @o:        the options
 * @sh:       the shared memory
 * @fork_lock: process-wide: a fork holds it for writing, checks that a
 *            forked child's copy of a mapping would upset hold it for
 *            reading
 * @st:       this worker's counters, in @sh
 * @proc:     process number
 * @thread:   thread number within it
 * @id:       worker number, proc * threads + thread
 * @rng:      splitmix64 state
 * @opno:     operations done so far
 * @op:       the operation running
 * @ntargets: targets: the DEVs, then the private buffer if any
 * @t:        the targets
 * @ctl:      the control node, with --create
 * @cur:      the target of the operation running
 * @io:       a KST_IO_MAX scratch buffer for data read
 * @data:     a KST_IO_MAX scratch buffer for data written
 */
struct kst_worker {
	const struct kst_opts *o;
	struct kst_shared *sh;
	pthread_rwlock_t *fork_lock;
	struct kst_stats *st;
	unsigned int proc;
	unsigned int thread;
	unsigned int id;
	__u64 rng;
	__u64 opno;
	enum kst_op op;
	unsigned int ntargets;
	struct kst_target t[KST_MAX_DEVS + 1];
	int ctl;
	struct kst_target *cur;
	unsigned char *io;
	unsigned char *data;
};

/* model.c */
extern const char *const kst_op_names[KST_NR_OPS];
extern const int kst_errnos[KST_NR_ERRS];
__u64 kst_rand(struct kst_worker *w);
__u64 kst_below(struct kst_worker *w, __u64 n);
__u64 kst_map_size(const struct kst_model *m);
__u64 kst_backend_limit(__u32 backend);
int kst_worker_start(struct kst_worker *w);
void kst_worker_step(struct kst_worker *w);
void kst_worker_end(struct kst_worker *w);

/* How a failure counts. */
enum kst_fail_kind {
	KST_F_DIVERGE, /* a result differs from the model */
	KST_F_ERRNO, /* an errno the contract does not allow */
	KST_F_TOOL, /* the tool itself could not go on */
};

/* stress.c */
void kst_fail(struct kst_worker *w, enum kst_fail_kind kind, const char *fmt,
	      ...);

#endif /* KBUF_STRESS_H */
