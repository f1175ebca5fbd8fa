// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl stress: a seeded random mix of every operation against live
 * buffers, from several threads in several processes, each result checked
 * against a model of the buffer (stress-model.c). This file holds the
 * options, the shared memory, the table of operations, the worker loop,
 * and the processes and threads that run it; stress.h lists the rest.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stress.h"

/* The worker and operation at which --self-test-divergence strikes. */
#define KST_SELF_TEST_OP 20

/* How often the progress line is redrawn. */
#define KST_PROGRESS_US 250000

static const char *const kbuf_stress_help[] = {
	"Usage: kbufctl stress [--threads N] [--procs N] [--seconds S | --ops N]",
	"                      [--seed S] [--create] [--json] [--quiet] DEV...",
	"",
	"Run a seeded random mix of read, write, pread, pwrite, lseek, mmap,",
	"munmap, mremap, writes and reads through mappings, every ioctl, fork",
	"and close with a mapping held, opens with O_TRUNC and O_APPEND, and",
	"with --create the control node's create and destroy, from N threads",
	"in each of N processes. Each thread owns a slice of every DEV and",
	"checks every result against a model of the buffer; operations on a",
	"whole DEV (resize, clear, set-length, O_TRUNC) hold a lock shared by",
	"all processes. The first result the model does not expect, or an",
	"errno the driver's contract does not allow, ends the run with exit",
	"status 1 and the seed and operation to replay.",
	"",
	"Each DEV is cleared first and left holding random data.",
	"",
	"Options:",
	" -t, --threads N   threads per process (default 4, at most 64)",
	" -P, --procs N     processes (default 2, at most 16)",
	" -T, --seconds S   run for S seconds (default 10)",
	" -N, --ops N       run N operations in all instead",
	" -S, --seed S      the seed (default: from the clock)",
	" -C, --create      also give each thread a private buffer of its own,",
	"                   created, resized, cleared and destroyed through",
	"                   /dev/kbuf/control (needs CAP_SYS_ADMIN)",
	" -j, --json        print the report as JSON",
	" -q, --quiet       no progress line on a terminal",
	" -h, --help        show this help",
	NULL,
};

static const char *const kst_kinds[] = {
	[KST_F_DIVERGE] = "divergence",
	[KST_F_ERRNO] = "unexpected errno",
	[KST_F_TOOL] = "failure",
};

/**
 * kst_fail() - record a failure and end the run
 * @w:    the worker that saw it
 * @kind: what it is
 * @fmt:  printf format of what happened
 *
 * The first failure of the run is kept with where it happened.
 */
void kst_fail(struct kst_worker *w, enum kst_fail_kind kind, const char *fmt,
	      ...)
{
	struct kst_shared *sh = w->sh;
	char msg[256];
	va_list ap;

	if (kind == KST_F_DIVERGE)
		atomic_fetch_add(&sh->divergences, 1);
	else if (kind == KST_F_ERRNO)
		atomic_fetch_add(&sh->bad_errnos, 1);
	atomic_store(&sh->stop, 1);
	if (atomic_fetch_add(&sh->failures, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(sh->first, sizeof(sh->first),
		 "%s at op %llu of process %u thread %u: %s on %s: %s",
		 kst_kinds[kind], (unsigned long long)w->opno, w->proc,
		 w->thread, kst_ops[w->op].name, w->cur ? w->cur->path : "-",
		 msg);
}

/* ---- options ------------------------------------------------------- */

static double kst_arg_seconds(const char *prog, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 86400)
		kbuf_usage_error(prog, "seconds '%s' is not in (0, 86400]", s);
	return v;
}

static void kst_option(const char *prog, int c, struct kst_opts *o)
{
	o->create |= c == 'C';
	o->json |= c == 'j';
	o->quiet |= c == 'q';
	o->self_test |= c == 'D';
	switch (c) {
	case 't':
		o->threads = kbuf_arg_count(prog, "threads", optarg,
					    KST_MAX_THREADS);
		break;
	case 'P':
		o->procs = kbuf_arg_count(prog, "procs", optarg, KST_MAX_PROCS);
		break;
	case 'T':
		o->seconds = kst_arg_seconds(prog, optarg);
		break;
	case 'N':
		o->ops = kbuf_arg_size(prog, "ops", optarg);
		if (!o->ops)
			kbuf_usage_error(prog, "--ops must be at least 1");
		break;
	case 'S':
		o->seed = kbuf_arg_size(prog, "seed", optarg);
		break;
	}
}

static void kst_parse(int argc, char **argv, struct kst_opts *o)
{
	static const char spec[] =
		"t,threads= P,procs= T,seconds= N,ops= S,seed=\n"
		"C,create j,json q,quiet D.self-test-divergence";
	int c;

	memset(o, 0, sizeof(*o));
	o->threads = 4;
	o->procs = 2;
	o->seed = (__u64)time(NULL) ^ ((__u64)getpid() << 32);
	while ((c = kbuf_getopt(argc, argv, spec, kbuf_stress_help)) != -1)
		kst_option(argv[0], c, o);
	if (o->seconds > 0 && o->ops)
		kbuf_usage_error(argv[0], "give --seconds or --ops, not both");
	if (!o->ops && !(o->seconds > 0))
		o->seconds = 10;
	if (o->create && o->threads * o->procs > 61)
		kbuf_usage_error(argv[0],
				 "--create: at most 61 threads in all");
	while (optind < argc && o->ndevs < KST_MAX_DEVS)
		o->devs[o->ndevs++] = argv[optind++];
	if (!o->ndevs)
		kbuf_usage_error(argv[0], "missing DEV");
	kbuf_args_done(argc, argv);
}

/* ---- shared memory ------------------------------------------------- */

static void *kst_shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		err(KBUF_EXIT_FAIL, "mmap of %zu bytes of shared memory", len);
	return p;
}

static void kst_lock_init(pthread_rwlock_t *lock, bool pshared)
{
	int kind = PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP;
	pthread_rwlockattr_t a;

	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setpshared(&a, pshared ? PTHREAD_PROCESS_SHARED :
						    PTHREAD_PROCESS_PRIVATE);
	/* Whole-buffer operations must not starve behind the readers. */
	pthread_rwlockattr_setkind_np(&a, kind);
	pthread_rwlock_init(lock, &a);
	pthread_rwlockattr_destroy(&a);
}

/* Room for the model of @cap bytes and of the largest resize of it. */
static size_t kst_model_bytes(__u64 cap, __u32 backend)
{
	__u64 page = (__u64)kbuf_page_size();
	__u64 grow = 2 * cap < kbuf_backend_limit(backend) ?
			     2 * cap :
			     kbuf_backend_limit(backend);

	if (grow < cap)
		grow = cap;
	return (size_t)((grow + page - 1) & ~(page - 1));
}

static void kst_dev_unique(const struct kst_shared *sh, unsigned int i)
{
	unsigned int j;

	for (j = 0; j < i; j++)
		if (!strcmp(sh->devs[j].path, sh->devs[i].path))
			errx(KBUF_EXIT_USAGE, "%s: given twice",
			     sh->devs[i].path);
}

/* Clear DEV @i, set its length to its capacity, and model that. */
static void kst_dev_setup(const struct kst_opts *o, struct kst_shared *sh,
			  unsigned int i)
{
	unsigned int workers = o->threads * o->procs;
	struct kst_sdev *d = &sh->devs[i];
	struct kbuf_dev dev;
	__u64 cap;

	kbuf_dev_open(&dev, o->devs[i], O_RDWR);
	cap = dev.info.capacity;
	snprintf(d->path, sizeof(d->path), "%s", dev.path);
	kst_dev_unique(sh, i);
	if (cap / workers == 0)
		errx(KBUF_EXIT_FAIL,
		     "%s: %llu bytes cannot give each of %u threads a byte",
		     dev.path, (unsigned long long)cap, workers);
	if (ioctl(dev.fd, KBUF_IOC_CLEAR) ||
	    ioctl(dev.fd, KBUF_IOC_SET_LENGTH, &cap))
		err(KBUF_EXIT_FAIL, "%s: clear", dev.path);
	d->model.bytes =
		kst_shared_alloc(kst_model_bytes(cap, dev.info.backend));
	d->model.capacity = cap;
	d->model.length = cap;
	d->model.backend = dev.info.backend;
	d->model.limit = kbuf_backend_limit(dev.info.backend);
	d->cap0 = cap;
	d->region = cap / workers;
	kst_lock_init(&d->lock, true);
	kbuf_dev_close(&dev);
}

/* ---- the operations ------------------------------------------------ */

/* Every operation of the mix, indexed by enum kst_op. */
const struct kst_op_row kst_ops[KST_NR_OPS] = {
	[KST_READ] = { "read", kst_do_read, 12, KST_B(INVAL) | KST_B(FAULT) },
	[KST_WRITE] = { "write", kst_do_write, 12,
			KST_B(INVAL) | KST_B(NOSPC) | KST_B(FAULT) },
	[KST_PREAD] = { "pread", kst_do_pread, 12,
			KST_B(INVAL) | KST_B(FAULT) },
	[KST_PWRITE] = { "pwrite", kst_do_pwrite, 12,
			 KST_B(INVAL) | KST_B(NOSPC) | KST_B(FAULT) },
	[KST_LSEEK] = { "lseek", kst_do_lseek, 6, KST_B(INVAL) | KST_B(NXIO) },
	[KST_MMAP] = { "mmap", kst_do_mmap, 5, KST_B(INVAL) | KST_B(ACCES) },
	[KST_MUNMAP] = { "munmap", kst_do_munmap, 4, 0, KST_OP_MAP },
	[KST_MREMAP] = { "mremap", kst_do_mremap, 2, KST_B(FAULT), KST_OP_MAP },
	[KST_MAPWRITE] = { "map-write", kst_do_mapwrite, 8, 0, KST_OP_MAP },
	[KST_MAPREAD] = { "map-read", kst_do_mapread, 8, 0, KST_OP_MAP },
	[KST_INFO] = { "info", kst_do_info, 4 },
	[KST_SETLEN] = { "set-length", kst_do_setlen, 2, KST_B(INVAL),
			 KST_OP_WHOLE },
	[KST_RESIZE] = { "resize", kst_do_resize, 2,
			 KST_B(INVAL) | KST_B(BUSY) | KST_B(NOMEM),
			 KST_OP_WHOLE },
	[KST_CLEAR] = { "clear", kst_do_clear, 1, 0, KST_OP_WHOLE },
	[KST_BADIOCTL] = { "bad-ioctl", kst_do_badioctl, 2,
			   KST_B(NOTTY) | KST_B(FAULT) | KST_B(BADF) },
	[KST_FORK] = { "fork", kst_do_fork, 1, 0, KST_OP_MAP | KST_OP_FORK },
	[KST_CLOSEMAP] = { "close-mapped", kst_do_closemap, 2, KST_B(INVAL) },
	[KST_TRUNC] = { "open-trunc", kst_do_trunc, 1, 0, KST_OP_WHOLE },
	[KST_APPEND] = { "open-append", kst_do_append, 2, KST_B(NOSPC) },
	[KST_CREATE] = { "create", kst_do_create, 1,
			 KST_B(INVAL) | KST_B(EXIST) | KST_B(NOSPC) |
				 KST_B(NOMEM),
			 KST_OP_PRIVATE },
	[KST_DESTROY] = { "destroy", kst_do_destroy, 1,
			  KST_B(BUSY) | KST_B(NOENT) | KST_B(INVAL),
			  KST_OP_PRIVATE },
};

/* ---- the worker ---------------------------------------------------- */

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

/*
 * A fork holds the fork lock for writing: no other thread of the process
 * may meanwhile check counts of a private buffer (the child's copies of
 * its mappings and descriptors count too). DEV operations take the DEV's
 * lock.
 */
static void kst_run_locked(struct kst_worker *w, struct kst_target *t,
			   kst_op_fn *fn)
{
	unsigned int flags = kst_ops[w->op].flags;
	bool forks = flags & KST_OP_FORK, priv = !t->sdev;

	if (forks)
		pthread_rwlock_wrlock(w->fork_lock);
	else if (priv)
		pthread_rwlock_rdlock(w->fork_lock);
	if (!priv && (flags & KST_OP_WHOLE))
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
static void kst_worker_step(struct kst_worker *w)
{
	struct kst_target *t = &w->t[kst_below(w, w->ntargets)];
	enum kst_op op = kst_pick_op(w);
	kst_op_fn *fn;

	if ((kst_ops[op].flags & KST_OP_PRIVATE) && t->sdev)
		op = KST_INFO;
	if ((kst_ops[op].flags & KST_OP_MAP) && !t->map.addr)
		op = KST_MMAP;
	fn = kst_ops[op].fn;
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
	t->priv.limit = kbuf_backend_limit(t->priv.backend);
	w->cur = t;
	w->op = KST_CREATE;
	if (!t->priv.bytes) {
		kst_fail(w, KST_F_TOOL, "out of memory");
		return false;
	}
	return kst_priv_new(w, t);
}

/*
 * kst_worker_start() - open the DEVs and make the private buffer
 * @w: the worker, with its options, shared memory and ids set
 *
 * Return: 0, or -1 after reporting a failure.
 */
static int kst_worker_start(struct kst_worker *w)
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

/*
 * kst_worker_end() - unmap, close, destroy the private buffer
 * @w: the worker
 */
static void kst_worker_end(struct kst_worker *w)
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

/* ---- processes and threads ----------------------------------------- */

/* Is there another operation to do? Time is checked every 16 ops. */
static bool kst_more(struct kst_worker *w, __u64 quota, double deadline)
{
	if (atomic_load(&w->sh->stop))
		return false;
	if (quota)
		return w->opno < quota;
	return (w->opno & 15) || kbuf_now() < deadline;
}

static void *kst_thread(void *arg)
{
	struct kst_worker *w = arg;
	const struct kst_opts *o = w->o;
	unsigned int workers = o->threads * o->procs;
	__u64 quota = 0;
	double deadline = kbuf_now() + o->seconds;

	if (o->ops)
		quota = o->ops / workers + (w->id < o->ops % workers);
	if (!kst_worker_start(w))
		while (kst_more(w, quota, deadline))
			kst_worker_step(w);
	kst_worker_end(w);
	return NULL;
}

/* One process: its threads, then exit. */
static noreturn void kst_proc(const struct kst_opts *o, struct kst_shared *sh,
			      unsigned int proc)
{
	static struct kst_worker ws[KST_MAX_THREADS];
	pthread_t tids[KST_MAX_THREADS];
	pthread_rwlock_t fork_lock;
	unsigned int i;

	kst_lock_init(&fork_lock, false);
	for (i = 0; i < o->threads; i++) {
		struct kst_worker *w = &ws[i];

		w->o = o;
		w->sh = sh;
		w->fork_lock = &fork_lock;
		w->proc = proc;
		w->thread = i;
		w->id = proc * o->threads + i;
		w->st = &sh->stats[w->id];
		w->rng = o->seed ^ ((__u64)(w->id + 1) * 0xd1342543de82ef95ULL);
		if (pthread_create(&tids[i], NULL, kst_thread, w))
			errx(KBUF_EXIT_FAIL, "cannot start thread %u", i);
	}
	for (i = 0; i < o->threads; i++)
		pthread_join(tids[i], NULL);
	_exit(0);
}

/* The progress line: operations done so far, and of how many or how long. */
static void kst_progress(const struct kst_opts *o, struct kst_shared *sh,
			 double start)
{
	unsigned int w, k;
	__u64 calls = 0;

	for (w = 0; w < o->threads * o->procs; w++)
		for (k = 0; k < KST_NR_OPS; k++)
			calls += sh->stats[w].calls[k];
	if (o->ops)
		fprintf(stderr, "\rstress: %llu of %llu operations",
			(unsigned long long)calls, (unsigned long long)o->ops);
	else
		fprintf(stderr, "\rstress: %llu operations, %.0f of %.0f s",
			(unsigned long long)calls, kbuf_now() - start,
			o->seconds);
}

/* Wait for one process, drawing the progress line meanwhile if @tty. */
static void kst_wait_one(const struct kst_opts *o, struct kst_shared *sh,
			 int *status, bool tty, double start)
{
	pid_t pid;

	for (;;) {
		pid = waitpid(-1, status, tty ? WNOHANG : 0);
		if (pid > 0)
			return;
		if (pid < 0 && errno != EINTR)
			err(KBUF_EXIT_FAIL, "wait");
		if (!pid) {
			kst_progress(o, sh, start);
			usleep(KST_PROGRESS_US);
		}
	}
}

/* Wait for every process; one that dies stops the others. */
static void kst_wait_all(const struct kst_opts *o, struct kst_shared *sh)
{
	bool tty = !o->quiet && isatty(STDERR_FILENO);
	unsigned int left = o->procs;
	double start = kbuf_now();
	int status;

	while (left) {
		kst_wait_one(o, sh, &status, tty, start);
		left--;
		if (WIFEXITED(status) && !WEXITSTATUS(status))
			continue;
		atomic_store(&sh->stop, 1);
		if (atomic_fetch_add(&sh->failures, 1))
			continue;
		snprintf(sh->first, sizeof(sh->first),
			 "a stress process ended with %s %d",
			 WIFSIGNALED(status) ? "signal" : "exit status",
			 WIFSIGNALED(status) ? WTERMSIG(status) :
					       WEXITSTATUS(status));
	}
	if (tty)
		fputs("\r\033[K", stderr);
}

static double kst_run(const struct kst_opts *o, struct kst_shared *sh)
{
	double start = kbuf_now();
	unsigned int p;
	pid_t pid;

	fflush(NULL);
	for (p = 0; p < o->procs; p++) {
		pid = fork();
		if (pid < 0)
			err(KBUF_EXIT_FAIL, "fork");
		if (!pid)
			kst_proc(o, sh, p);
	}
	kst_wait_all(o, sh);
	return kbuf_now() - start;
}

int kbuf_cmd_stress(int argc, char **argv)
{
	struct kst_shared *sh;
	struct kst_opts o;
	unsigned int i;
	double secs;

	kst_parse(argc, argv, &o);
	sh = kst_shared_alloc(sizeof(*sh));
	sh->run_id = (int)(getpid() % 100000);
	for (i = 0; i < o.ndevs; i++)
		kst_dev_setup(&o, sh, i);
	secs = kst_run(&o, sh);
	return kst_report(&o, sh, secs);
}
