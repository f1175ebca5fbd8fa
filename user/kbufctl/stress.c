// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl stress: a seeded random mix of every operation against live
 * buffers, from several threads in several processes, each result checked
 * against a model of the buffer (model.c). This file holds the options,
 * the shared memory, the processes and threads, and the report.
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

static const char *const kbuf_stress_help[] = {
	"Usage: kbufctl stress [--threads N] [--procs N] [--seconds S | --ops N]",
	"                      [--seed S] [--create] [--json] DEV...",
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
	" -p, --procs N     processes (default 2, at most 16)",
	" -s, --seconds S   run for S seconds (default 10)",
	" -n, --ops N       run N operations in all instead",
	" -S, --seed S      the seed (default: from the clock)",
	" -c, --create      also give each thread a private buffer of its own,",
	"                   created, resized, cleared and destroyed through",
	"                   /dev/kbuf/control (needs CAP_SYS_ADMIN)",
	" -j, --json        print the report as JSON",
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
		 w->thread, kst_op_names[w->op], w->cur ? w->cur->path : "-",
		 msg);
}

/* ---- options ------------------------------------------------------- */

static unsigned int kst_arg_count(const char *prog, const char *what,
				  const char *s, unsigned int max)
{
	__u64 v = kbuf_arg_size(prog, what, s);

	if (!v || v > max)
		kbuf_usage_error(prog, "%s '%s' is not in 1..%u", what, s, max);
	return (unsigned int)v;
}

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
	switch (c) {
	case 't':
		o->threads =
			kst_arg_count(prog, "threads", optarg, KST_MAX_THREADS);
		break;
	case 'p':
		o->procs = kst_arg_count(prog, "procs", optarg, KST_MAX_PROCS);
		break;
	case 's':
		o->seconds = kst_arg_seconds(prog, optarg);
		break;
	case 'n':
		o->ops = kbuf_arg_size(prog, "ops", optarg);
		if (!o->ops)
			kbuf_usage_error(prog, "--ops must be at least 1");
		break;
	case 'S':
		o->seed = kbuf_arg_size(prog, "seed", optarg);
		break;
	default:
		o->create |= c == 'c';
		o->json |= c == 'j';
		o->self_test |= c == 'D';
	}
}

static void kst_parse(int argc, char **argv, struct kst_opts *o)
{
	static const struct option opts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "procs", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' },
		{ "create", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "self-test-divergence", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->threads = 4;
	o->procs = 2;
	o->seed = (__u64)time(NULL) ^ ((__u64)getpid() << 32);
	while ((c = kbuf_getopt(argc, argv, "t:p:s:n:S:cjh", opts,
				kbuf_stress_help)) != -1)
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
	__u64 grow = 2 * cap < kst_backend_limit(backend) ?
			     2 * cap :
			     kst_backend_limit(backend);

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
	d->cap0 = cap;
	d->region = cap / workers;
	kst_lock_init(&d->lock, true);
	kbuf_dev_close(&dev);
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

/* Wait for every process; one that dies stops the others. */
static void kst_wait_all(const struct kst_opts *o, struct kst_shared *sh)
{
	unsigned int left = o->procs;
	int status;

	while (left) {
		if (wait(&status) < 0) {
			if (errno == EINTR)
				continue;
			err(KBUF_EXIT_FAIL, "wait");
		}
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

/* ---- the report ---------------------------------------------------- */

static void kst_sum(const struct kst_opts *o, const struct kst_shared *sh,
		    struct kst_stats *sum, __u64 *ops)
{
	unsigned int i, op, e;

	memset(sum, 0, sizeof(*sum));
	*ops = 0;
	for (i = 0; i < o->threads * o->procs; i++) {
		for (op = 0; op < KST_NR_OPS; op++) {
			sum->calls[op] += sh->stats[i].calls[op];
			sum->secs[op] += sh->stats[i].secs[op];
			*ops += sh->stats[i].calls[op];
			for (e = 0; e < KST_NR_ERRS; e++)
				sum->errs[op][e] += sh->stats[i].errs[op][e];
		}
	}
}

static const char *kst_errname(unsigned int e)
{
	const char *name = strerrorname_np(kst_errnos[e]);

	return name ? name : "?";
}

/* Milliseconds per call of one kind, and its share of all the time. */
static void kst_op_time(const struct kst_stats *sum, unsigned int op,
			double *ms, double *share)
{
	double all = 0;
	unsigned int i;

	for (i = 0; i < KST_NR_OPS; i++)
		all += sum->secs[i];
	*ms = sum->calls[op] ? sum->secs[op] * 1e3 / sum->calls[op] : 0;
	*share = all > 0 ? 100.0 * sum->secs[op] / all : 0;
}

static void kst_text_mix(const struct kst_stats *sum)
{
	unsigned int op, e;
	const char *sep;
	double ms, share;

	printf("%-13s %10s %9s %6s  %s\n", "op", "calls", "ms/call", "time%",
	       "expected errors");
	for (op = 0; op < KST_NR_OPS; op++) {
		kst_op_time(sum, op, &ms, &share);
		printf("%-13s %10llu %9.3f %6.1f", kst_op_names[op],
		       (unsigned long long)sum->calls[op], ms, share);
		sep = "  ";
		for (e = 0; e < KST_NR_ERRS; e++) {
			if (!sum->errs[op][e])
				continue;
			printf("%s%s %llu", sep, kst_errname(e),
			       (unsigned long long)sum->errs[op][e]);
			sep = ", ";
		}
		putchar('\n');
	}
}

static void kst_text(const struct kst_opts *o, const struct kst_shared *sh,
		     const struct kst_stats *sum, __u64 ops, double secs)
{
	printf("stress: %llu ops in %.2f s, %.0f ops/s, seed %llu, ",
	       (unsigned long long)ops, secs, ops / secs,
	       (unsigned long long)o->seed);
	printf("%u threads x %u processes, %d divergences, %d unexpected errnos\n",
	       o->threads, o->procs, atomic_load(&sh->divergences),
	       atomic_load(&sh->bad_errnos));
	kst_text_mix(sum);
}

static void kst_json_mix(const struct kst_stats *sum)
{
	unsigned int op, e;
	const char *sep;

	for (op = 0; op < KST_NR_OPS; op++) {
		printf("%s\"%s\": {\"calls\": %llu, \"seconds\": %.6f, ",
		       op ? ", " : "", kst_op_names[op],
		       (unsigned long long)sum->calls[op], sum->secs[op]);
		printf("\"errors\": {");
		sep = "";
		for (e = 0; e < KST_NR_ERRS; e++) {
			if (!sum->errs[op][e])
				continue;
			printf("%s\"%s\": %llu", sep, kst_errname(e),
			       (unsigned long long)sum->errs[op][e]);
			sep = ", ";
		}
		printf("}}");
	}
}

static void kst_json(const struct kst_opts *o, struct kst_shared *sh,
		     const struct kst_stats *sum, __u64 ops, double secs)
{
	unsigned int i;

	printf("{\"seed\": %llu, \"threads\": %u, \"procs\": %u, \"devs\": [",
	       (unsigned long long)o->seed, o->threads, o->procs);
	for (i = 0; i < o->ndevs; i++) {
		printf("%s", i ? ", " : "");
		kbuf_json_string(stdout, sh->devs[i].path);
	}
	printf("], \"create\": %s, \"ops\": %llu, \"seconds\": %.3f, ",
	       o->create ? "true" : "false", (unsigned long long)ops, secs);
	printf("\"ops_per_sec\": %.0f, \"divergences\": %d, ", ops / secs,
	       atomic_load(&sh->divergences));
	printf("\"unexpected_errnos\": %d, \"failures\": %d, ",
	       atomic_load(&sh->bad_errnos), atomic_load(&sh->failures));
	printf("\"first_failure\": ");
	if (atomic_load(&sh->failures))
		kbuf_json_string(stdout, sh->first);
	else
		printf("null");
	printf(", \"mix\": {");
	kst_json_mix(sum);
	printf("}}\n");
}

/* The command line that runs the same operations again. */
static void kst_replay(const struct kst_opts *o)
{
	unsigned int i;

	fprintf(stderr,
		"kbufctl stress: replay with: kbufctl stress --seed %llu --threads %u --procs %u",
		(unsigned long long)o->seed, o->threads, o->procs);
	if (o->ops)
		fprintf(stderr, " --ops %llu", (unsigned long long)o->ops);
	else
		fprintf(stderr, " --seconds %g", o->seconds);
	fprintf(stderr, "%s", o->create ? " --create" : "");
	for (i = 0; i < o->ndevs; i++)
		fprintf(stderr, " %s", o->devs[i]);
	fputc('\n', stderr);
}

static int kst_report(const struct kst_opts *o, struct kst_shared *sh,
		      double secs)
{
	struct kst_stats sum;
	__u64 ops;

	kst_sum(o, sh, &sum, &ops);
	if (secs <= 0)
		secs = 0.000001;
	if (o->json)
		kst_json(o, sh, &sum, ops, secs);
	else
		kst_text(o, sh, &sum, ops, secs);
	fflush(stdout);
	if (!atomic_load(&sh->failures))
		return KBUF_EXIT_OK;
	fprintf(stderr, "kbufctl stress: seed %llu: %s\n",
		(unsigned long long)o->seed, sh->first);
	kst_replay(o);
	return KBUF_EXIT_FAIL;
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
