/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kbufctl layout: the declarations shared by its files:
 *
 *   layout.c       options, the frames of the buffer, the text report
 *   layout-scan.c  runs, node and zone (/proc/zoneinfo), page flags
 *                  (/proc/kpageflags), the histogram of run lengths
 *   layout-json.c  the report as JSON
 *   layout-svg.c   the picture as SVG
 *
 * The pure parts (flag decoding, the zoneinfo parser, the histogram, XML
 * escaping, the codeset test) are unit-tested in user/tests/unit-layout.c.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#ifndef KBUF_LAYOUT_H
#define KBUF_LAYOUT_H

#include "kbufctl.h"

/* /proc/kpageflags bits (Documentation/admin-guide/mm/pagemap.rst) */
#define KBUF_KPF_SLAB 7
#define KBUF_KPF_BUDDY 10
#define KBUF_KPF_COMPOUND_HEAD 15
#define KBUF_KPF_COMPOUND_TAIL 16
#define KBUF_KPF_NOPAGE 20
#define KBUF_KPF_RESERVED 32 /* a "kernel hacking" bit, always exported */

/* The page flags layout counts, in the order it prints them. */
enum kbuf_lflag {
	KBUF_LF_HEAD,
	KBUF_LF_TAIL,
	KBUF_LF_SLAB,
	KBUF_LF_BUDDY,
	KBUF_LF_RESERVED,
	KBUF_LF_NOPAGE,
	KBUF_LF_NR,
};

/* Runs are counted by length in power-of-two buckets: 1, 2-3, 4-7... */
#define KBUF_HIST_BUCKETS 64
#define KBUF_ZONES_MAX 64
#define KBUF_ZONE_NAME 16
#define KBUF_WHY_LEN 160

/**
 * struct kbuf_zone - one populated zone of /proc/zoneinfo
 * @node:    its NUMA node
 * @name:    DMA, DMA32, Normal, Movable...
 * @start:   its first frame (start_pfn)
 * @spanned: frames from @start to its end, holes included
 */
struct kbuf_zone {
	int node;
	char name[KBUF_ZONE_NAME];
	__u64 start;
	__u64 spanned;
};

/**
 * struct kbuf_run - frames that follow each other
 * @page:  the buffer's first page in the run
 * @pages: pages in the run
 * @pfn:   the first frame
 * @zone:  index in kbuf_layout.zones of the first frame's zone, or -1
 * @zone_last: the same for the last frame (a run can cross a zone boundary)
 * @flags: pages of the run with each kbuf_lflag set
 */
struct kbuf_run {
	size_t page;
	size_t pages;
	__u64 pfn;
	int zone;
	int zone_last;
	size_t flags[KBUF_LF_NR];
};

/**
 * struct kbuf_layout - everything layout reports about one buffer
 * @dev:         the buffer
 * @source:      where the frames came from, for the report
 * @pfn:         the frame of each page
 * @pages:       pages of the buffer
 * @runs:        its runs, in page order
 * @nr_runs:     how many
 * @largest:     index in @runs of the longest run (the first of equals)
 * @hist:        runs whose length is in [2^b, 2^(b+1)), by b
 * @zones:       the populated zones of the machine
 * @nr_zones:    how many
 * @flags_known: /proc/kpageflags could be read
 * @flags_why:   why not, when it could not
 * @flags:       pages of the buffer with each kbuf_lflag set
 */
struct kbuf_layout {
	const struct kbuf_dev *dev;
	const char *source;
	const __u64 *pfn;
	size_t pages;
	struct kbuf_run *runs;
	size_t nr_runs;
	size_t largest;
	size_t hist[KBUF_HIST_BUCKETS];
	struct kbuf_zone zones[KBUF_ZONES_MAX];
	size_t nr_zones;
	bool flags_known;
	char flags_why[KBUF_WHY_LEN];
	size_t flags[KBUF_LF_NR];
};

/**
 * struct kbuf_glyphs - how the text report draws
 * @solid:  a picture cell whose pages continue the frames before them
 * @broken: two cells, alternating, where a run breaks
 * @bar:    one unit of a histogram bar
 * @len:    bytes of each glyph
 */
struct kbuf_glyphs {
	const char *solid;
	const char *broken[2];
	const char *bar;
	size_t len;
};

extern const struct kbuf_glyphs kbuf_glyphs_utf8;
extern const struct kbuf_glyphs kbuf_glyphs_ascii;

/* layout.c */
void kbuf_layout_draw(const __u64 *pfn, size_t n, size_t cells,
		      const struct kbuf_glyphs *g, char *out, size_t len);
bool kbuf_codeset_utf8(const char *codeset);

/* layout-scan.c: pure */
unsigned int kbuf_lflags(__u64 kpf);
const char *kbuf_lflag_name(enum kbuf_lflag f);
size_t kbuf_zoneinfo_parse(FILE *in, struct kbuf_zone *zones, size_t max);
int kbuf_zone_of(const struct kbuf_zone *zones, size_t nr, __u64 pfn);
unsigned int kbuf_hist_bucket(size_t len);
void kbuf_hist_label(unsigned int b, char *buf, size_t len);
size_t kbuf_layout_runs_of(const __u64 *pfn, size_t pages,
			   struct kbuf_run *runs);
void kbuf_layout_tally(struct kbuf_layout *l);

/* layout-scan.c: reading /proc */
void kbuf_layout_scan(struct kbuf_layout *l);
size_t kbuf_layout_zone_pages(const struct kbuf_layout *l, int z);
void kbuf_layout_free(struct kbuf_layout *l);

/* layout-json.c */
void kbuf_layout_json(FILE *out, const struct kbuf_layout *l);

/* layout-svg.c */
void kbuf_xml_string(FILE *out, const char *s);
void kbuf_layout_svg(FILE *out, const struct kbuf_layout *l);

#endif /* KBUF_LAYOUT_H */
