// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl layout: how a buffer's virtual pages land on physical frames.
 *
 * The buffer is mapped and every page touched; /proc/self/pagemap then
 * gives the frame (PFN, bits 0-54, valid when bit 63 "present" is set) of
 * each page. Frames that follow each other form a run: kmalloc and the
 * page allocator give one run, vmalloc gives many. Without CAP_SYS_ADMIN
 * the kernel reports every PFN as 0. A pfn mapping (VM_PFNMAP) is not
 * walked by pagemap at all; for those the driver's phys_addr (root only,
 * kmalloc and pages only) gives the frames instead.
 *
 * This file finds the frames and prints the text report; layout-scan.c
 * cuts them into runs and adds node, zone and page flags, layout-json.c
 * and layout-svg.c give the other two forms (see layout.h).
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "layout.h"

#define KBUF_PM_PFN_MASK 0x007fffffffffffffULL /* bits 0-54 */
#define KBUF_PM_PRESENT 0x8000000000000000ULL /* bit 63 */
#define KBUF_LAYOUT_CELLS 64
#define KBUF_GLYPH_MAX 3 /* bytes of the longest glyph (UTF-8) */
#define KBUF_HIST_BAR 32 /* units of the longest histogram bar */

const struct kbuf_glyphs kbuf_glyphs_utf8 = {
	.solid = "\xe2\x96\x88", /* U+2588 FULL BLOCK */
	.broken = { "\xe2\x96\x9a", "\xe2\x96\x9e" }, /* U+259A, U+259E */
	.bar = "\xe2\x96\x88",
	.len = 3,
};

const struct kbuf_glyphs kbuf_glyphs_ascii = {
	.solid = "#",
	.broken = { "/", "\\" },
	.bar = "#",
	.len = 1,
};

/**
 * kbuf_count_runs() - runs of physically contiguous frames
 * @pfn: the frame of each page
 * @n:   pages
 *
 * Return: 1 + the number of pages whose frame does not follow the previous
 * page's frame, or 0 for no pages.
 */
size_t kbuf_count_runs(const __u64 *pfn, size_t n)
{
	size_t runs = n ? 1 : 0;
	size_t i;

	for (i = 1; i < n; i++)
		if (pfn[i] != pfn[i - 1] + 1)
			runs++;
	return runs;
}

/* Does every page of [start, end) follow the page before it? */
static bool kbuf_slice_solid(const __u64 *pfn, size_t start, size_t end)
{
	size_t i;

	for (i = start ? start : 1; i < end; i++)
		if (pfn[i] != pfn[i - 1] + 1)
			return false;
	return true;
}

/**
 * kbuf_layout_draw() - one line picturing the runs
 * @pfn:   the frame of each page
 * @n:     pages
 * @cells: at most this many glyphs; each covers a slice of the pages
 * @g:     the glyphs to draw with
 * @out:   the picture
 * @len:   bytes at @out
 *
 * A cell is solid when its pages are contiguous with their predecessors,
 * and a broken glyph (alternating, to show the breaks) when a run breaks
 * inside it.
 */
void kbuf_layout_draw(const __u64 *pfn, size_t n, size_t cells,
		      const struct kbuf_glyphs *g, char *out, size_t len)
{
	size_t c, used = 0;
	const char *glyph;

	if (cells > n)
		cells = n;
	for (c = 0; c < cells && used + g->len < len; c++) {
		if (kbuf_slice_solid(pfn, c * n / cells, (c + 1) * n / cells))
			glyph = g->solid;
		else
			glyph = g->broken[c % 2];
		memcpy(out + used, glyph, g->len);
		used += g->len;
	}
	if (len)
		out[used] = '\0';
}

/* kbuf_layout_draw() in UTF-8. */
void kbuf_layout_picture(const __u64 *pfn, size_t n, size_t cells, char *out,
			 size_t len)
{
	kbuf_layout_draw(pfn, n, cells, &kbuf_glyphs_utf8, out, len);
}

/* Does nl_langinfo(CODESET) name UTF-8 ("UTF-8", or "utf8" as some do)? */
bool kbuf_codeset_utf8(const char *codeset)
{
	return codeset &&
	       (!strcasecmp(codeset, "UTF-8") || !strcasecmp(codeset, "UTF8"));
}

/* Map the buffer with every page populated, read its pagemap entries. */
static __u64 *kbuf_pagemap_read(struct kbuf_dev *dev, size_t pages)
{
	size_t page = (size_t)kbuf_page_size();
	size_t bytes = pages * sizeof(__u64);
	__u64 *pm = malloc(bytes);
	off_t where;
	void *map;
	int fd;

	if (!pm)
		err(KBUF_EXIT_FAIL, "malloc");
	map = kbuf_dev_map(dev, PROT_READ, MAP_POPULATE);
	where = (off_t)((uintptr_t)map / page * sizeof(__u64));
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		err(KBUF_EXIT_FAIL, "/proc/self/pagemap");
	if (pread(fd, pm, bytes, where) != (ssize_t)bytes)
		err(KBUF_EXIT_FAIL, "/proc/self/pagemap");
	close(fd);
	munmap(map, dev->info.map_size);
	return pm;
}

/*
 * Turn pagemap entries into frame numbers in place. Return the source of
 * the frames for the report, or exit 1 when they cannot be known.
 */
static const char *kbuf_frames(const struct kbuf_dev *dev, __u64 *pm,
			       size_t pages)
{
	const struct kbuf_info *in = &dev->info;
	size_t i, present = 0, known = 0;

	for (i = 0; i < pages; i++) {
		present += !!(pm[i] & KBUF_PM_PRESENT);
		pm[i] &= KBUF_PM_PFN_MASK;
		known += !!pm[i];
	}
	if (present == pages && known)
		return "/proc/self/pagemap";
	if (present == pages || (in->map_mode == KBUF_MAP_PFN &&
				 in->backend != KBUF_BACKEND_VMALLOC &&
				 !(in->flags & KBUF_INFO_PHYS)))
		errx(KBUF_EXIT_FAIL,
		     "%s: layout needs CAP_SYS_ADMIN: without it the kernel hides physical frame numbers (/proc/self/pagemap reads them as 0)",
		     dev->path);
	if (in->map_mode != KBUF_MAP_PFN || !(in->flags & KBUF_INFO_PHYS))
		errx(KBUF_EXIT_FAIL,
		     "%s: %zu of %zu pages show in /proc/self/pagemap: a pfn mapping hides its frames, and the driver gives no physical address for %s (create it with --map page, or load kbuf with map_mode=page)",
		     dev->path, present, pages, kbuf_backend_name(in->backend));
	/* kmalloc and pages memory is physically contiguous by construction */
	for (i = 0; i < pages; i++)
		pm[i] = in->phys_addr / (__u64)kbuf_page_size() + i;
	return "the driver's phys_addr (pagemap does not show pfn mappings)";
}

/**
 * struct kbuf_layout_opts - what "kbufctl layout" was asked to show
 * @runs:  list every run
 * @json:  JSON instead of text
 * @ascii: ASCII glyphs even in a UTF-8 locale
 * @svg:   a file to draw the picture in, or NULL
 */
struct kbuf_layout_opts {
	bool runs;
	bool json;
	bool ascii;
	const char *svg;
};

/* "node 0 DMA32", or "node ? zone ?" for a frame of no known zone. */
static void kbuf_zone_print(const struct kbuf_layout *l, int z)
{
	if (z < 0)
		printf("node ? zone ?");
	else
		printf("node %d %s", l->zones[z].node, l->zones[z].name);
}

static void kbuf_run_flags_print(const struct kbuf_layout *l,
				 const size_t *flags, const char *sep)
{
	const char *before = "";
	unsigned int f;

	if (!l->flags_known) {
		printf("?");
		return;
	}
	for (f = 0; f < KBUF_LF_NR; f++) {
		if (!flags[f])
			continue;
		printf("%s%s %zu", before, kbuf_lflag_name(f), flags[f]);
		before = sep;
	}
	if (!*before)
		printf("none");
}

static void kbuf_layout_runs(const struct kbuf_layout *l)
{
	const struct kbuf_run *r;
	size_t i;

	for (i = 0; i < l->nr_runs; i++) {
		r = &l->runs[i];
		printf("  run %zu: pages %zu-%zu (%zu), frames 0x%llx-0x%llx, ",
		       i, r->page, r->page + r->pages - 1, r->pages,
		       (unsigned long long)r->pfn,
		       (unsigned long long)(r->pfn + r->pages - 1));
		kbuf_zone_print(l, r->zone);
		if (r->zone_last != r->zone) {
			printf(" to ");
			kbuf_zone_print(l, r->zone_last);
		}
		printf(", flags ");
		kbuf_run_flags_print(l, r->flags, " ");
		putchar('\n');
	}
}

static void kbuf_layout_memory(const struct kbuf_layout *l)
{
	const char *sep = "";
	size_t n;
	int z;

	printf("  memory: ");
	for (z = -1; z < (int)l->nr_zones; z++) {
		n = kbuf_layout_zone_pages(l, z);
		if (!n)
			continue;
		printf("%s", sep);
		kbuf_zone_print(l, z);
		printf(" %zu page%s", n, n == 1 ? "" : "s");
		sep = ", ";
	}
	putchar('\n');
}

static void kbuf_layout_summary(const struct kbuf_layout *l)
{
	const struct kbuf_run *r = &l->runs[l->largest];
	char size[32];

	kbuf_format_size(r->pages * (__u64)kbuf_page_size(), size,
			 sizeof(size));
	printf("  largest run: %zu page%s (%s), pages %zu-%zu, frames 0x%llx-0x%llx\n",
	       r->pages, r->pages == 1 ? "" : "s", size, r->page,
	       r->page + r->pages - 1, (unsigned long long)r->pfn,
	       (unsigned long long)(r->pfn + r->pages - 1));
	kbuf_layout_memory(l);
	if (l->flags_known) {
		printf("  page flags: ");
		kbuf_run_flags_print(l, l->flags, ", ");
		putchar('\n');
	} else {
		printf("  page flags: unknown (%s)\n", l->flags_why);
	}
}

/* Runs by length, from the shortest bucket used to the longest. */
static void kbuf_layout_hist(const struct kbuf_layout *l,
			     const struct kbuf_glyphs *g)
{
	unsigned int b, lo = KBUF_HIST_BUCKETS, hi = 0;
	size_t most = 0, units, u;
	char label[48];

	for (b = 0; b < KBUF_HIST_BUCKETS; b++) {
		if (!l->hist[b])
			continue;
		lo = b < lo ? b : lo;
		hi = b;
		most = l->hist[b] > most ? l->hist[b] : most;
	}
	printf("  runs by length in pages:\n");
	for (b = lo; b <= hi && most; b++) {
		kbuf_hist_label(b, label, sizeof(label));
		units = (l->hist[b] * KBUF_HIST_BAR + most - 1) / most;
		printf("  %13s %6zu%s", label, l->hist[b], units ? "  " : "");
		for (u = 0; u < units; u++)
			fputs(g->bar, stdout);
		putchar('\n');
	}
}

static void kbuf_layout_print(const struct kbuf_layout *l,
			      const struct kbuf_glyphs *g)
{
	char picture[KBUF_LAYOUT_CELLS * KBUF_GLYPH_MAX + 1];
	const struct kbuf_info *in = &l->dev->info;
	const char *backend = kbuf_backend_name(in->backend);
	char size[32];

	kbuf_format_size(in->capacity, size, sizeof(size));
	kbuf_layout_draw(l->pfn, l->pages, KBUF_LAYOUT_CELLS, g, picture,
			 sizeof(picture));
	printf("%s", in->name);
	if (strcmp(in->name, backend))
		printf(" (%s)", backend);
	printf("  %s  %zu page%s  %zu %-4s  %s\n", size, l->pages,
	       l->pages == 1 ? "" : "s", l->nr_runs,
	       l->nr_runs == 1 ? "run" : "runs", picture);
	printf("  frames from %s\n", l->source);
	kbuf_layout_summary(l);
	kbuf_layout_hist(l, g);
}

static const struct kbuf_glyphs *kbuf_layout_glyphs(bool ascii)
{
	setlocale(LC_CTYPE, "");
	if (!ascii && kbuf_codeset_utf8(nl_langinfo(CODESET)))
		return &kbuf_glyphs_utf8;
	return &kbuf_glyphs_ascii;
}

/* Draw the SVG into @svg, opened before anything was printed. */
static void kbuf_layout_svg_close(FILE *svg, const char *path,
				  const struct kbuf_layout *l)
{
	kbuf_layout_svg(svg, l);
	if (ferror(svg) | fclose(svg))
		err(KBUF_EXIT_FAIL, "%s", path);
}

static void kbuf_layout_report(const struct kbuf_layout *l,
			       const struct kbuf_layout_opts *o)
{
	FILE *svg = NULL;

	if (o->svg) {
		svg = fopen(o->svg, "we");
		if (!svg)
			err(KBUF_EXIT_FAIL, "%s", o->svg);
	}
	if (o->json) {
		kbuf_layout_json(stdout, l);
	} else {
		kbuf_layout_print(l, kbuf_layout_glyphs(o->ascii));
		if (o->runs)
			kbuf_layout_runs(l);
	}
	if (svg)
		kbuf_layout_svg_close(svg, o->svg, l);
}

static const char *const kbuf_layout_help[] = {
	"Usage: kbufctl layout DEV [--runs] [--json] [--ascii] [--svg FILE]",
	"",
	"Map the buffer and show how its pages land on physical frames:",
	"runs of contiguous frames, their number, and a picture of up to 64",
	"cells (a full block: contiguous with what precedes it; a broken",
	"glyph: a run breaks there). kmalloc and the page allocator give one",
	"run; vmalloc memory is only virtually contiguous. Then the largest",
	"run, the NUMA node and zone of the pages (/proc/zoneinfo), their page",
	"flags (/proc/kpageflags: compound_head, compound_tail, slab, buddy,",
	"reserved, nopage) and a histogram of the runs' lengths.",
	"Needs CAP_SYS_ADMIN: others see every frame number as 0. The flags",
	"need root too (/proc/kpageflags is mode 0400): without it they show",
	"as unknown.",
	"",
	"Options:",
	" -R, --runs         list every run: pages, frames, node, zone, flags",
	" -j, --json         print one JSON object, every run included",
	" -a, --ascii        draw with ASCII (the default outside UTF-8 locales)",
	"     --svg FILE     draw the frames against physical memory in FILE",
	" -h, --help         show this help",
	NULL,
};

static void kbuf_layout_options(int argc, char **argv,
				struct kbuf_layout_opts *o)
{
	int c;

	/* --svg has no short option: 'v' only tells it apart. */
	while ((c = kbuf_getopt(argc, argv, "R,runs j,json a,ascii v.svg=",
				kbuf_layout_help)) != -1) {
		if (c == 'R')
			o->runs = true;
		else if (c == 'j')
			o->json = true;
		else if (c == 'a')
			o->ascii = true;
		else if (c == 'v' && !*optarg)
			kbuf_usage_error(argv[0], "--svg needs a file name");
		else if (c == 'v')
			o->svg = optarg;
	}
}

int kbuf_cmd_layout(int argc, char **argv)
{
	struct kbuf_layout_opts o = { false, false, false, NULL };
	struct kbuf_layout l;
	struct kbuf_dev dev;
	const char *arg;
	__u64 *pfn;

	kbuf_layout_options(argc, argv, &o);
	arg = kbuf_arg_next(argc, argv, "DEV");
	kbuf_args_done(argc, argv);
	kbuf_dev_open(&dev, arg, O_RDONLY);
	memset(&l, 0, sizeof(l));
	l.dev = &dev;
	l.pages = (size_t)(dev.info.map_size / (__u64)kbuf_page_size());
	pfn = kbuf_pagemap_read(&dev, l.pages);
	l.source = kbuf_frames(&dev, pfn, l.pages);
	l.pfn = pfn;
	kbuf_layout_scan(&l);
	kbuf_layout_report(&l, &o);
	kbuf_layout_free(&l);
	free(pfn);
	kbuf_dev_close(&dev);
	return KBUF_EXIT_OK;
}
