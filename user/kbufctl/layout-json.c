// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl layout --json: the whole report as one JSON object.
 *
 * Keys: name, backend, capacity, page_size, pages, source, run_count,
 * largest_run (an index into runs), histogram (one object per power-of-two
 * bucket used: min and max pages, runs), memory (pages per node and zone),
 * page_flags (pages with each flag, or null with page_flags_error saying
 * why) and runs, every one: first_page, pages, first_frame, last_frame,
 * node and zone (null when /proc/zoneinfo does not place the frame), and
 * flags (or null). A run that crosses a zone boundary also has last_node
 * and last_zone.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include "layout.h"

static void kbuf_json_flags(FILE *out, const struct kbuf_layout *l,
			    const size_t *flags)
{
	unsigned int f;

	if (!l->flags_known) {
		fputs("null", out);
		return;
	}
	fputc('{', out);
	for (f = 0; f < KBUF_LF_NR; f++)
		fprintf(out, "%s\"%s\":%zu", f ? "," : "", kbuf_lflag_name(f),
			flags[f]);
	fputc('}', out);
}

/* "KEY_node":N,"KEY_zone":"NAME" or nulls; KEY "" gives "node", "zone". */
static void kbuf_json_zone(FILE *out, const struct kbuf_layout *l,
			   const char *key, int z)
{
	if (z < 0) {
		fprintf(out, "\"%snode\":null,\"%szone\":null", key, key);
		return;
	}
	fprintf(out, "\"%snode\":%d,\"%szone\":", key, l->zones[z].node, key);
	kbuf_json_string(out, l->zones[z].name);
}

static void kbuf_json_run(FILE *out, const struct kbuf_layout *l,
			  const struct kbuf_run *r)
{
	fprintf(out,
		"{\"first_page\":%zu,\"pages\":%zu,\"first_frame\":%llu,\"last_frame\":%llu,",
		r->page, r->pages, (unsigned long long)r->pfn,
		(unsigned long long)(r->pfn + r->pages - 1));
	kbuf_json_zone(out, l, "", r->zone);
	if (r->zone_last != r->zone) {
		fputc(',', out);
		kbuf_json_zone(out, l, "last_", r->zone_last);
	}
	fputs(",\"flags\":", out);
	kbuf_json_flags(out, l, r->flags);
	fputc('}', out);
}

static void kbuf_json_hist(FILE *out, const struct kbuf_layout *l)
{
	const char *sep = "";
	unsigned int b;

	fputs("\"histogram\":[", out);
	for (b = 0; b < KBUF_HIST_BUCKETS; b++) {
		if (!l->hist[b])
			continue;
		fprintf(out, "%s{\"min\":%llu,\"max\":%llu,\"runs\":%zu}", sep,
			1ULL << b, (2ULL << b) - 1, l->hist[b]);
		sep = ",";
	}
	fputc(']', out);
}

static void kbuf_json_memory(FILE *out, const struct kbuf_layout *l)
{
	const char *sep = "";
	size_t n;
	int z;

	fputs("\"memory\":[", out);
	for (z = -1; z < (int)l->nr_zones; z++) {
		n = kbuf_layout_zone_pages(l, z);
		if (!n)
			continue;
		fprintf(out, "%s{", sep);
		kbuf_json_zone(out, l, "", z);
		fprintf(out, ",\"pages\":%zu}", n);
		sep = ",";
	}
	fputc(']', out);
}

static void kbuf_json_head(FILE *out, const struct kbuf_layout *l)
{
	const struct kbuf_info *in = &l->dev->info;

	fputs("{\"name\":", out);
	kbuf_json_string(out, in->name);
	fputs(",\"backend\":", out);
	kbuf_json_string(out, kbuf_backend_name(in->backend));
	fprintf(out,
		",\"capacity\":%llu,\"page_size\":%ld,\"pages\":%zu,\"source\":",
		(unsigned long long)in->capacity, kbuf_page_size(), l->pages);
	kbuf_json_string(out, l->source);
	fprintf(out, ",\"run_count\":%zu,\"largest_run\":%zu,", l->nr_runs,
		l->largest);
}

/**
 * kbuf_layout_json() - print @l as one JSON object and a newline
 * @out: where
 * @l:   the layout, scanned
 */
void kbuf_layout_json(FILE *out, const struct kbuf_layout *l)
{
	size_t i;

	kbuf_json_head(out, l);
	kbuf_json_hist(out, l);
	fputc(',', out);
	kbuf_json_memory(out, l);
	fputs(",\"page_flags\":", out);
	kbuf_json_flags(out, l, l->flags);
	if (!l->flags_known) {
		fputs(",\"page_flags_error\":", out);
		kbuf_json_string(out, l->flags_why);
	}
	fputs(",\"runs\":[", out);
	for (i = 0; i < l->nr_runs; i++) {
		if (i)
			fputc(',', out);
		kbuf_json_run(out, l, &l->runs[i]);
	}
	fputs("]}\n", out);
}
