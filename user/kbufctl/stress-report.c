// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl stress: the report. The operations run, their time and the
 * errnos they got as expected, as a table or as JSON; on a failure, the
 * first one and the command line that replays the run.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <string.h>

#include "stress.h"

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

/* The expected errors of @op: "  EBUSY 3, EINVAL 1", or JSON members. */
static void kst_errs(const struct kst_stats *sum, unsigned int op, bool json)
{
	const char *sep = json ? "" : "  ";
	unsigned int e;

	for (e = 0; e < KST_NR_ERRS; e++) {
		if (!sum->errs[op][e])
			continue;
		printf(json ? "%s\"%s\": %llu" : "%s%s %llu", sep,
		       kst_errname(e), (unsigned long long)sum->errs[op][e]);
		sep = ", ";
	}
}

static void kst_text_mix(const struct kst_stats *sum)
{
	unsigned int op;
	double ms, share;

	printf("%-13s %10s %9s %6s  %s\n", "op", "calls", "ms/call", "time%",
	       "expected errors");
	for (op = 0; op < KST_NR_OPS; op++) {
		kst_op_time(sum, op, &ms, &share);
		printf("%-13s %10llu %9.3f %6.1f", kst_ops[op].name,
		       (unsigned long long)sum->calls[op], ms, share);
		kst_errs(sum, op, false);
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
	unsigned int op;

	for (op = 0; op < KST_NR_OPS; op++) {
		printf("%s\"%s\": {\"calls\": %llu, \"seconds\": %.6f, ",
		       op ? ", " : "", kst_ops[op].name,
		       (unsigned long long)sum->calls[op], sum->secs[op]);
		printf("\"errors\": {");
		kst_errs(sum, op, true);
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

/**
 * kst_report() - print the report of a run
 * @o:    the options
 * @sh:   the shared memory, every worker done
 * @secs: how long the run took
 *
 * Return: the exit status: 0, or 1 after a failure.
 */
int kst_report(const struct kst_opts *o, struct kst_shared *sh, double secs)
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
