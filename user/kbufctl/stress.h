/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kbufctl stress: the declarations shared by its files:
 *
 *   stress.c         options, shared memory, processes, threads, the table
 *                    of operations and the worker loop
 *   stress-model.c   the pure model: numbers, the PRNG's picks, what a
 *                    buffer holds and what the contract lets each call
 *                    return (unit-tested on the host)
 *   stress-check.c   results compared with the model; failures
 *   stress-io.c      read, write, pread, pwrite, lseek, O_TRUNC, O_APPEND
 *   stress-map.c     mmap, munmap, mremap, access through a mapping, fork
 *   stress-ctl.c     the buffer's ioctls and the control node
 *   stress-report.c  the report, as text or JSON
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

/* The bit of errno KST_E_@e in a mask of allowed errnos. */
#define KST_B(e) (1U << KST_E_##e)

struct kst_worker;
struct kst_target;

typedef void kst_op_fn(struct kst_worker *w, struct kst_target *t);

/* Flags of an operation (struct kst_op_row). */
#define KST_OP_MAP 0x1 /* on the worker's mapping: an mmap if there is none */
#define KST_OP_WHOLE 0x2 /* on a whole DEV: its lock held for writing */
#define KST_OP_PRIVATE 0x4 /* on a private buffer only: an info on a DEV */
#define KST_OP_FORK 0x8 /* forks: holds the fork lock for writing */

/**
 * struct kst_op_row - one row of the table of operations, kst_ops[]
 * @name:    its name in the report
 * @fn:      runs it once on a target and checks the result
 * @weight:  how often it runs, out of 100 (the weights add up to 100)
 * @allowed: the errnos the contract lets it (and its checks) get, KST_B()
 * @flags:   KST_OP_*
 */
struct kst_op_row {
	const char *name;
	kst_op_fn *fn;
	unsigned char weight;
	unsigned int allowed;
	unsigned int flags;
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
 * @limit:    the largest capacity the driver accepts for @backend
 */
struct kst_model {
	unsigned char *bytes;
	__u64 capacity;
	__u64 length;
	__u32 backend;
	__u64 limit;
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
 * @quiet:     no progress line
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
	bool quiet;
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

/* How a failure counts. */
enum kst_fail_kind {
	KST_F_DIVERGE, /* a result differs from the model */
	KST_F_ERRNO, /* an errno the contract does not allow */
	KST_F_TOOL, /* the tool itself could not go on */
};

static inline __u64 kst_min(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

static inline __u64 kst_max(__u64 a, __u64 b)
{
	return a > b ? a : b;
}

static inline __u64 kst_page(void)
{
	return (__u64)kbuf_page_size();
}

static inline __u64 kst_page_align(__u64 n)
{
	return (n + kst_page() - 1) & ~(kst_page() - 1);
}

/* stress.c */
extern const struct kst_op_row kst_ops[KST_NR_OPS];
void kst_fail(struct kst_worker *w, enum kst_fail_kind kind, const char *fmt,
	      ...);

/* stress-model.c */
extern const int kst_errnos[KST_NR_ERRS];
__u64 kst_rand(struct kst_worker *w);
__u64 kst_below(struct kst_worker *w, __u64 n);
void kst_random_bytes(struct kst_worker *w, unsigned char *p, size_t n);
__u64 kst_map_size(const struct kst_model *m);
int kst_err_index(int e);
bool kst_errno_allowed(enum kst_op op, int e);
long kst_want_read(const struct kst_model *m, __u64 off, size_t len);
long kst_want_write(const struct kst_model *m, __u64 off, size_t len);
long kst_want_seek(const struct kst_model *m, __u64 pos, long long off,
		   int whence);
long kst_want_resize(const struct kst_model *m, __u64 size, bool mapped);
__u64 kst_want_opens(const struct kst_target *t);
__u64 kst_want_maps(const struct kst_target *t);
void kst_model_write(struct kst_model *m, __u64 off, const unsigned char *data,
		     size_t n);
void kst_model_resize(struct kst_model *m, __u64 size);
void kst_model_clear(struct kst_model *m);
__u64 kst_pick_pos(struct kst_worker *w, __u64 cap);
__u64 kst_pick_size(struct kst_worker *w);
void kst_pick_io(struct kst_worker *w, const struct kst_target *t, bool odd,
		 __u64 *off, size_t *len);
void kst_pick_window(struct kst_worker *w, __u64 lo, __u64 hi, __u64 *off,
		     size_t *len);
enum kst_op kst_pick_op(struct kst_worker *w);

/* stress-check.c */
long kst_res(long ret);
bool kst_expect(struct kst_worker *w, long got, long want, const char *fmt,
		...);
bool kst_verify(struct kst_worker *w, __u64 off, const unsigned char *got,
		size_t n, const char *how);
int kst_open(struct kst_worker *w, struct kst_target *t, int flags);
bool kst_ioctl_u64(struct kst_worker *w, int fd, unsigned long req, __u64 v,
		   long want, const char *name);
void kst_check_info(struct kst_worker *w, struct kst_target *t);
void kst_global_done(struct kst_worker *w, struct kst_target *t);

/* stress-io.c */
kst_op_fn kst_do_read, kst_do_write, kst_do_pread, kst_do_pwrite, kst_do_lseek,
	kst_do_trunc, kst_do_append;

/* stress-map.c */
kst_op_fn kst_do_mmap, kst_do_munmap, kst_do_mremap, kst_do_mapwrite,
	kst_do_mapread, kst_do_fork, kst_do_closemap;
void kst_map_good(struct kst_worker *w, struct kst_target *t, int fd,
		  bool own_file);
void kst_unmap(struct kst_worker *w, struct kst_target *t);

/* stress-ctl.c */
kst_op_fn kst_do_info, kst_do_setlen, kst_do_resize, kst_do_clear,
	kst_do_badioctl, kst_do_create, kst_do_destroy;
bool kst_priv_new(struct kst_worker *w, struct kst_target *t);
bool kst_priv_destroy(struct kst_worker *w, struct kst_target *t);

/* stress-report.c */
int kst_report(const struct kst_opts *o, struct kst_shared *sh, double secs);

#endif /* KBUF_STRESS_H */
