// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl layout --svg FILE: the buffer's frames against physical memory,
 * as a plain SVG file any browser shows.
 *
 * Top: the buffer as the CPU sees it, page 0 to the last, one colour per
 * run (two colours alternating, so that neighbouring runs show; grey where
 * one pixel holds pages of several runs). Bottom: physical memory, frame
 * 0 to the end of the last zone, the zones of /proc/zoneinfo as bands,
 * and a mark at each frame of the buffer (at least one pixel wide). While
 * there are few runs, a band joins each run to where it lies. The output
 * is bounded: at most one rectangle per pixel column in each bar.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"

#define KBUF_SVG_W 960
#define KBUF_SVG_H 250
#define KBUF_SVG_X 20 /* left margin */
#define KBUF_SVG_COLS 920 /* width of the bars in pixels */
#define KBUF_SVG_BAR_H 28
#define KBUF_SVG_VIRT_Y 58
#define KBUF_SVG_PHYS_Y 150
#define KBUF_SVG_LINKS_MAX 64 /* runs joined to their frames */

static const char *const kbuf_svg_run_colour[] = { "#1f77b4", "#ff7f0e" };
static const char kbuf_svg_mixed[] = "#666666";
static const char kbuf_svg_frames[] = "#d62728";
static const char *const kbuf_svg_zone_colour[] = { "#eeeeee", "#d8d8d8" };

/**
 * kbuf_xml_string() - print @s as XML character data or attribute text
 * @out: where
 * @s:   the text; &, <, >, " and ' are escaped, and control characters,
 *       which XML 1.0 does not allow, become '?'
 */
void kbuf_xml_string(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '&')
			fputs("&amp;", out);
		else if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '"')
			fputs("&quot;", out);
		else if (c == '\'')
			fputs("&apos;", out);
		else if (c < 0x20 && c != '\t' && c != '\n')
			fputc('?', out);
		else
			fputc(c, out);
	}
}

/* One past the last frame the picture shows. */
static __u64 kbuf_svg_end(const struct kbuf_layout *l)
{
	__u64 end = 1;
	size_t i;

	for (i = 0; i < l->nr_zones; i++)
		if (l->zones[i].start + l->zones[i].spanned > end)
			end = l->zones[i].start + l->zones[i].spanned;
	for (i = 0; i < l->nr_runs; i++)
		if (l->runs[i].pfn + l->runs[i].pages > end)
			end = l->runs[i].pfn + l->runs[i].pages;
	return end;
}

static double kbuf_svg_x(__u64 v, __u64 end)
{
	return KBUF_SVG_X + (double)v * KBUF_SVG_COLS / (double)end;
}

static void kbuf_svg_rect(FILE *out, double x, double y, double w, double h,
			  const char *fill)
{
	fprintf(out,
		"<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>\n",
		x, y, w, h, fill);
}

static void kbuf_svg_text(FILE *out, double x, double y, const char *anchor,
			  const char *text)
{
	fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\">", x, y,
		anchor);
	kbuf_xml_string(out, text);
	fputs("</text>\n", out);
}

/* The index of the run of each page. */
static size_t *kbuf_svg_page_runs(const struct kbuf_layout *l)
{
	size_t *run = calloc(l->pages ? l->pages : 1, sizeof(*run));
	size_t i, p;

	if (!run)
		err(KBUF_EXIT_FAIL, "malloc");
	for (i = 0; i < l->nr_runs; i++)
		for (p = 0; p < l->runs[i].pages; p++)
			run[l->runs[i].page + p] = i;
	return run;
}

/* The run of every page in pixel column @c of @cols, or SIZE_MAX. */
static size_t kbuf_svg_column_run(const struct kbuf_layout *l,
				  const size_t *run, size_t c, size_t cols)
{
	size_t a = c * l->pages / cols, b = (c + 1) * l->pages / cols;

	if (b <= a)
		b = a + 1;
	return run[a] == run[b - 1] ? run[a] : SIZE_MAX;
}

static void kbuf_svg_virt(FILE *out, const struct kbuf_layout *l)
{
	size_t cols = l->pages < KBUF_SVG_COLS ? l->pages : KBUF_SVG_COLS;
	double w = (double)KBUF_SVG_COLS / (double)cols;
	size_t *run = kbuf_svg_page_runs(l);
	size_t c, key, from = 0;
	const char *fill;

	for (c = 0; c < cols; c++) {
		key = kbuf_svg_column_run(l, run, c, cols);
		if (c + 1 < cols &&
		    kbuf_svg_column_run(l, run, c + 1, cols) == key)
			continue;
		fill = key == SIZE_MAX ? kbuf_svg_mixed :
					 kbuf_svg_run_colour[key % 2];
		kbuf_svg_rect(out, KBUF_SVG_X + (double)from * w,
			      KBUF_SVG_VIRT_Y, (double)(c + 1 - from) * w,
			      KBUF_SVG_BAR_H, fill);
		from = c + 1;
	}
	free(run);
}

static void kbuf_svg_zones(FILE *out, const struct kbuf_layout *l, __u64 end)
{
	const struct kbuf_zone *z;
	char label[64];
	double x0, x1;
	size_t i;

	for (i = 0; i < l->nr_zones; i++) {
		z = &l->zones[i];
		x0 = kbuf_svg_x(z->start, end);
		x1 = kbuf_svg_x(z->start + z->spanned, end);
		kbuf_svg_rect(out, x0, KBUF_SVG_PHYS_Y, x1 - x0, KBUF_SVG_BAR_H,
			      kbuf_svg_zone_colour[i % 2]);
		snprintf(label, sizeof(label), "node %d %s", z->node, z->name);
		/* from the zone's start, kept inside the picture */
		if (x0 > KBUF_SVG_W - 140)
			x0 = KBUF_SVG_W - 140;
		kbuf_svg_text(out, x0,
			      KBUF_SVG_PHYS_Y + KBUF_SVG_BAR_H + 16 +
				      14 * (i % 2),
			      "start", label);
	}
}

/* A mark on every pixel column of physical memory that holds a frame. */
static void kbuf_svg_frames_marks(FILE *out, const struct kbuf_layout *l,
				  __u64 end)
{
	unsigned char hit[KBUF_SVG_COLS] = { 0 };
	const struct kbuf_run *r;
	size_t i, c, c0, c1, from;

	for (i = 0; i < l->nr_runs; i++) {
		r = &l->runs[i];
		c0 = (size_t)(r->pfn * KBUF_SVG_COLS / end);
		c1 = (size_t)((r->pfn + r->pages - 1) * KBUF_SVG_COLS / end);
		for (c = c0; c <= c1 && c < KBUF_SVG_COLS; c++)
			hit[c] = 1;
	}
	for (c = 0; c < KBUF_SVG_COLS; c++) {
		if (!hit[c])
			continue;
		for (from = c; c + 1 < KBUF_SVG_COLS && hit[c + 1]; c++)
			;
		kbuf_svg_rect(out, KBUF_SVG_X + (double)from, KBUF_SVG_PHYS_Y,
			      (double)(c + 1 - from), KBUF_SVG_BAR_H,
			      kbuf_svg_frames);
	}
}

/* A band from each run in the buffer to its frames, while runs are few. */
static void kbuf_svg_links(FILE *out, const struct kbuf_layout *l, __u64 end)
{
	double v0, v1, p0, p1, top = KBUF_SVG_VIRT_Y + KBUF_SVG_BAR_H;
	const struct kbuf_run *r;
	size_t i;

	if (l->nr_runs > KBUF_SVG_LINKS_MAX)
		return;
	for (i = 0; i < l->nr_runs; i++) {
		r = &l->runs[i];
		v0 = KBUF_SVG_X + (double)r->page * KBUF_SVG_COLS / l->pages;
		v1 = KBUF_SVG_X +
		     (double)(r->page + r->pages) * KBUF_SVG_COLS / l->pages;
		p0 = kbuf_svg_x(r->pfn, end);
		p1 = kbuf_svg_x(r->pfn + r->pages, end);
		if (p1 < p0 + 1)
			p1 = p0 + 1;
		fprintf(out,
			"<polygon points=\"%.2f,%.2f %.2f,%.2f %.2f,%d %.2f,%d\" fill=\"%s\" fill-opacity=\"0.35\"/>\n",
			v0, top, v1, top, p1, KBUF_SVG_PHYS_Y, p0,
			KBUF_SVG_PHYS_Y, kbuf_svg_run_colour[i % 2]);
	}
}

static void kbuf_svg_labels(FILE *out, const struct kbuf_layout *l, __u64 end)
{
	const struct kbuf_info *in = &l->dev->info;
	char text[160], size[32];

	kbuf_format_size(in->capacity, size, sizeof(size));
	snprintf(text, sizeof(text),
		 "%s (%s): %s, %zu page%s, %zu run%s, the largest %zu page%s",
		 in->name, kbuf_backend_name(in->backend), size, l->pages,
		 kbuf_plural(l->pages), l->nr_runs, kbuf_plural(l->nr_runs),
		 l->runs[l->largest].pages,
		 kbuf_plural(l->runs[l->largest].pages));
	kbuf_svg_text(out, KBUF_SVG_X, 24, "start", text);
	snprintf(text, sizeof(text),
		 "the buffer, as the CPU sees it: pages 0-%zu (virtual)",
		 l->pages - 1);
	kbuf_svg_text(out, KBUF_SVG_X, KBUF_SVG_VIRT_Y - 6, "start", text);
	snprintf(text, sizeof(text), "physical memory: frames 0x0-0x%llx",
		 (unsigned long long)(end - 1));
	kbuf_svg_text(out, KBUF_SVG_X, KBUF_SVG_PHYS_Y - 6, "start", text);
	if (l->nr_runs > KBUF_SVG_LINKS_MAX) {
		snprintf(text, sizeof(text),
			 "(more than %d runs: not joined to their frames)",
			 KBUF_SVG_LINKS_MAX);
		kbuf_svg_text(out, KBUF_SVG_X + KBUF_SVG_COLS,
			      KBUF_SVG_PHYS_Y - 6, "end", text);
	}
}

/**
 * kbuf_layout_svg() - draw @l as an SVG document
 * @out: where
 * @l:   the layout, scanned
 */
void kbuf_layout_svg(FILE *out, const struct kbuf_layout *l)
{
	__u64 end = kbuf_svg_end(l);

	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
		KBUF_SVG_W, KBUF_SVG_H, KBUF_SVG_W, KBUF_SVG_H);
	fputs("<title>", out);
	kbuf_xml_string(out, l->dev->info.name);
	fputs(": pages against physical frames</title>\n", out);
	kbuf_svg_rect(out, 0, 0, KBUF_SVG_W, KBUF_SVG_H, "#ffffff");
	kbuf_svg_labels(out, l, end);
	kbuf_svg_virt(out, l);
	kbuf_svg_zones(out, l, end);
	kbuf_svg_frames_marks(out, l, end);
	kbuf_svg_links(out, l, end);
	fputs("</svg>\n", out);
}
