// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl bench: sampling, statistics and output. Each measurement is
 * sampled in slices that take turns with the others; a figure is the
 * median of its samples, min and max beside it, as a table or as JSON.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* ---- timing ------------------------------------------------------------ */

static double kbuf_bench_op_time(struct kbuf_bench_op *op, __u64 n)
{
	double t0 = kbuf_now(), t;

	op->elapsed = -1;
	op->run(op, n);
	t = kbuf_now() - t0;
	return op->elapsed >= 0 ? op->elapsed : t;
}

/* Iterations that last about @target seconds. */
static __u64 kbuf_bench_op_calibrate(struct kbuf_bench_op *op, double target)
{
	__u64 n = 1;
	double t, f;

	for (;;) {
		t = kbuf_bench_op_time(op, n);
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
static void kbuf_bench_meas_slice(struct kbuf_bench_meas *m, unsigned int i,
				  unsigned int slice, double target)
{
	double t;

	if (!m->n)
		m->n = kbuf_bench_op_calibrate(&m->op,
					       target / KBUF_BENCH_SLICES);
	t = kbuf_bench_op_time(&m->op, m->n) / (double)m->n;
	if (!slice || t < m->t[i])
		m->t[i] = t;
}

static int kbuf_bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct kbuf_bench_stat kbuf_bench_stat_of(const double *v, unsigned int n)
{
	double s[KBUF_BENCH_MAX_REPEAT];
	struct kbuf_bench_stat st;

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), kbuf_bench_cmp_double);
	st.min = s[0];
	st.max = s[n - 1];
	st.med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	return st;
}

/*
 * Sample every measurement @repeat times. A sample is the fastest of
 * KBUF_BENCH_SLICES slices, and the slices of all the measurements take
 * turns: a figure and its peer see the same load on a shared machine, and
 * time stolen by other guests (which only ever adds) is left out.
 */
void kbuf_bench_run(struct kbuf_bench *b)
{
	unsigned int r, s, i;

	for (r = 0; r < b->o->repeat; r++)
		for (s = 0; s < KBUF_BENCH_SLICES; s++)
			for (i = 0; i < b->nr_meas; i++)
				kbuf_bench_meas_slice(&b->meas[i], r, s,
						      b->o->time);
}

/*
 * Sample the measurements of one row that are not done yet: the figure
 * and its peer still take turns, slice by slice, so they see the same
 * load, and the row can be printed as soon as it is measured. A row with
 * no peer samples its figure alone.
 */
void kbuf_bench_run_row(struct kbuf_bench *b, unsigned int row)
{
	const struct kbuf_bench_row *r = &b->rows[row];
	unsigned int peer = r->peer == KBUF_BENCH_NO_PEER ? r->dev : r->peer;
	struct kbuf_bench_meas *m[2] = { &b->meas[r->dev], &b->meas[peer] };
	unsigned int rep, s, i;

	for (rep = 0; rep < b->o->repeat; rep++)
		for (s = 0; s < KBUF_BENCH_SLICES; s++)
			for (i = 0; i < 2; i++)
				if (!m[i]->done && (i == 0 || m[1] != m[0]))
					kbuf_bench_meas_slice(m[i], rep, s,
							      b->o->time);
	m[0]->done = true;
	m[1]->done = true;
}

/* ---- output -------------------------------------------------------------- */

/* A sample as the row shows it: MB/s, ns or us. */
static double kbuf_bench_row_value(const struct kbuf_bench_meas *m,
				   enum kbuf_bench_row_kind kind, double t)
{
	if (kind == KBUF_ROW_RATE)
		return m->op.bytes / t / 1e6;
	return t * (kind == KBUF_ROW_NS ? 1e9 : 1e6);
}

struct kbuf_bench_stat kbuf_bench_row_stat(const struct kbuf_bench *b,
					   const struct kbuf_bench_row *r,
					   bool peer)
{
	const struct kbuf_bench_meas *m = &b->meas[peer ? r->peer : r->dev];
	double v[KBUF_BENCH_MAX_REPEAT] = { 0 };
	unsigned int i;

	for (i = 0; i < b->o->repeat; i++)
		v[i] = kbuf_bench_row_value(m, r->kind, m->t[i]);
	return kbuf_bench_stat_of(v, b->o->repeat);
}

static const char *kbuf_bench_row_unit(enum kbuf_bench_row_kind kind)
{
	return kind == KBUF_ROW_RATE ? "MB/s" :
	       kind == KBUF_ROW_NS   ? "ns" :
				       "us";
}

static void kbuf_bench_num(double v, char *buf, size_t len)
{
	if (v >= 100)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 10)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2f", v);
}

/* "median [min..max]" */
void kbuf_bench_stat_str(const struct kbuf_bench_stat *s, char *buf, size_t len)
{
	char med[KBUF_BENCH_NUM_LEN], lo[KBUF_BENCH_NUM_LEN],
		hi[KBUF_BENCH_NUM_LEN];

	kbuf_bench_num(s->med, med, sizeof(med));
	kbuf_bench_num(s->min, lo, sizeof(lo));
	kbuf_bench_num(s->max, hi, sizeof(hi));
	snprintf(buf, len, "%s [%s..%s]", med, lo, hi);
}

void kbuf_bench_header(const struct kbuf_bench *b)
{
	char cap[KBUF_BENCH_NUM_LEN], size[KBUF_BENCH_NUM_LEN];

	kbuf_format_size(b->dev.info.capacity, cap, sizeof(cap));
	kbuf_format_size(b->size, size, sizeof(size));
	printf("%s: %s, %s used of %s, map %s; median of %u [min..max]\n",
	       b->dev.path, kbuf_backend_name(b->dev.info.backend), size, cap,
	       kbuf_map_mode_name(b->dev.info.map_mode), b->o->repeat);
	kbuf_bench_titles();
}

/* The column titles of a table of rows. */
void kbuf_bench_titles(void)
{
	printf("%-16s %-8s %-5s %-24s %-15s %-24s %s\n", "FIGURE", "BLOCK",
	       "UNIT", "KBUF", "PEER", "PEER VALUE", "RATIO");
}

void kbuf_bench_table_row(const struct kbuf_bench *b, unsigned int row)
{
	char block[KBUF_BENCH_NUM_LEN], dev[KBUF_BENCH_STR_LEN],
		peer[KBUF_BENCH_STR_LEN];
	const struct kbuf_bench_row *r = &b->rows[row];
	struct kbuf_bench_stat d, p;

	d = kbuf_bench_row_stat(b, r, false);
	kbuf_format_size(r->block, block, sizeof(block));
	kbuf_bench_stat_str(&d, dev, sizeof(dev));
	printf("%-16s %-8s %-5s %-24s %-15s ", r->figure, block,
	       kbuf_bench_row_unit(r->kind), dev, r->peer_name);
	if (r->peer == KBUF_BENCH_NO_PEER) {
		printf("%-24s -\n", "-");
		return;
	}
	p = kbuf_bench_row_stat(b, r, true);
	kbuf_bench_stat_str(&p, peer, sizeof(peer));
	printf("%-24s %.2f\n", peer, d.med / p.med);
}

void kbuf_bench_json_stat(const char *key, const struct kbuf_bench_stat *s)
{
	printf("\"%s\": {\"median\": %.6g, \"min\": %.6g, \"max\": %.6g}", key,
	       s->med, s->min, s->max);
}

/* A row with no peer has null for the peer's value and the ratio. */
void kbuf_bench_json_row(const struct kbuf_bench *b,
			 const struct kbuf_bench_row *r)
{
	struct kbuf_bench_stat d = kbuf_bench_row_stat(b, r, false);
	struct kbuf_bench_stat p;

	fputs("{\"figure\": ", stdout);
	kbuf_json_string(stdout, r->figure);
	printf(", \"block\": %llu, \"unit\": \"%s\", \"better\": \"%s\", ",
	       (unsigned long long)r->block, kbuf_bench_row_unit(r->kind),
	       r->kind == KBUF_ROW_RATE ? "higher" : "lower");
	kbuf_bench_json_stat("value", &d);
	fputs(", \"peer\": ", stdout);
	kbuf_json_string(stdout, r->peer_name);
	if (r->peer == KBUF_BENCH_NO_PEER) {
		fputs(", \"peer_value\": null, \"ratio\": null}", stdout);
		return;
	}
	p = kbuf_bench_row_stat(b, r, true);
	fputs(", ", stdout);
	kbuf_bench_json_stat("peer_value", &p);
	printf(", \"ratio\": %.4f}", d.med / p.med);
}

void kbuf_bench_json(const struct kbuf_bench *b)
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
