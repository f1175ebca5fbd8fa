// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl layout: what the frames of a buffer are.
 *
 * The frames are cut into runs (frames that follow each other). Each run
 * gets its NUMA node and zone from /proc/zoneinfo (readable by everyone:
 * each populated zone's start_pfn and spanned frames) and the flags of its
 * pages from /proc/kpageflags (one 64-bit word per frame; the file is mode
 * 0400 root, so a process that may see frames through CAP_SYS_ADMIN but is
 * not root gets no flags). The flags counted are the ones the lessons
 * need: compound head and tail (__GFP_COMP), slab, buddy (free) and
 * reserved, and nopage (no struct page: a hole).
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layout.h"

#define KBUF_KPF_CHUNK 4096 /* words of /proc/kpageflags per read */

static const unsigned int kbuf_lflag_bits[KBUF_LF_NR] = {
	[KBUF_LF_HEAD] = KBUF_KPF_COMPOUND_HEAD,
	[KBUF_LF_TAIL] = KBUF_KPF_COMPOUND_TAIL,
	[KBUF_LF_SLAB] = KBUF_KPF_SLAB,
	[KBUF_LF_BUDDY] = KBUF_KPF_BUDDY,
	[KBUF_LF_RESERVED] = KBUF_KPF_RESERVED,
	[KBUF_LF_NOPAGE] = KBUF_KPF_NOPAGE,
};

static const char *const kbuf_lflag_names[KBUF_LF_NR] = {
	[KBUF_LF_HEAD] = "compound_head", [KBUF_LF_TAIL] = "compound_tail",
	[KBUF_LF_SLAB] = "slab",	  [KBUF_LF_BUDDY] = "buddy",
	[KBUF_LF_RESERVED] = "reserved",  [KBUF_LF_NOPAGE] = "nopage",
};

/**
 * kbuf_lflags() - the flags layout counts, from a /proc/kpageflags word
 * @kpf: the word
 *
 * Return: bit f set for each enum kbuf_lflag f that @kpf has.
 */
unsigned int kbuf_lflags(__u64 kpf)
{
	unsigned int f, out = 0;

	for (f = 0; f < KBUF_LF_NR; f++)
		if (kpf & (1ULL << kbuf_lflag_bits[f]))
			out |= 1U << f;
	return out;
}

/* The name of flag @f, as page-types(1) spells it. */
const char *kbuf_lflag_name(enum kbuf_lflag f)
{
	return f < KBUF_LF_NR ? kbuf_lflag_names[f] : "?";
}

/**
 * kbuf_zoneinfo_parse() - the populated zones of /proc/zoneinfo
 * @in:    the file
 * @zones: where to put them
 * @max:   room at @zones
 *
 * A zone starts at its "Node N, zone NAME" line; "spanned" gives its
 * length and "start_pfn:", printed only for a populated zone, its start.
 *
 * Return: the zones found, at most @max.
 */
size_t kbuf_zoneinfo_parse(FILE *in, struct kbuf_zone *zones, size_t max)
{
	struct kbuf_zone cur = { -1, "", 0, 0 };
	unsigned long long v;
	char line[256];
	size_t nr = 0;

	while (nr < max && fgets(line, sizeof(line), in)) {
		if (sscanf(line, "Node %d, zone %15s", &cur.node, cur.name) ==
		    2) {
			cur.spanned = 0;
		} else if (sscanf(line, " spanned %llu", &v) == 1) {
			cur.spanned = v;
		} else if (sscanf(line, " start_pfn: %llu", &v) == 1 &&
			   cur.node >= 0 && cur.spanned) {
			cur.start = v;
			zones[nr++] = cur;
		}
	}
	return nr;
}

/* The index of the zone holding frame @pfn, or -1. */
int kbuf_zone_of(const struct kbuf_zone *zones, size_t nr, __u64 pfn)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (pfn >= zones[i].start &&
		    pfn - zones[i].start < zones[i].spanned)
			return (int)i;
	return -1;
}

/* The histogram bucket of a run of @len pages (>= 1): floor(log2(len)). */
unsigned int kbuf_hist_bucket(size_t len)
{
	unsigned int b = 0;

	while (len >>= 1)
		b++;
	return b;
}

/* "1", "2-3", "4-7": the lengths bucket @b counts. */
void kbuf_hist_label(unsigned int b, char *buf, size_t len)
{
	unsigned long long lo = 1ULL << b;

	if (!b)
		snprintf(buf, len, "1");
	else
		snprintf(buf, len, "%llu-%llu", lo, 2 * lo - 1);
}

/**
 * kbuf_layout_runs_of() - cut frames into runs
 * @pfn:   the frame of each page
 * @pages: pages
 * @runs:  kbuf_count_runs() entries to fill
 *
 * Return: the runs written.
 */
size_t kbuf_layout_runs_of(const __u64 *pfn, size_t pages,
			   struct kbuf_run *runs)
{
	size_t i, nr = 0;

	for (i = 0; i < pages; i++) {
		if (i && pfn[i] == pfn[i - 1] + 1) {
			runs[nr - 1].pages++;
			continue;
		}
		memset(&runs[nr], 0, sizeof(runs[nr]));
		runs[nr].page = i;
		runs[nr].pages = 1;
		runs[nr].pfn = pfn[i];
		runs[nr].zone = -1;
		runs[nr].zone_last = -1;
		nr++;
	}
	return nr;
}

/**
 * kbuf_layout_tally() - the totals of a layout whose runs are known
 * @l: the layout; its runs' flags are counted, its zones read
 *
 * Sets each run's zones, the largest run, the histogram and the flag
 * totals.
 */
void kbuf_layout_tally(struct kbuf_layout *l)
{
	struct kbuf_run *r;
	size_t i, f;

	l->largest = 0;
	memset(l->hist, 0, sizeof(l->hist));
	memset(l->flags, 0, sizeof(l->flags));
	for (i = 0; i < l->nr_runs; i++) {
		r = &l->runs[i];
		r->zone = kbuf_zone_of(l->zones, l->nr_zones, r->pfn);
		r->zone_last = kbuf_zone_of(l->zones, l->nr_zones,
					    r->pfn + r->pages - 1);
		if (r->pages > l->runs[l->largest].pages)
			l->largest = i;
		l->hist[kbuf_hist_bucket(r->pages)]++;
		for (f = 0; f < KBUF_LF_NR; f++)
			l->flags[f] += r->flags[f];
	}
}

/* Pages of the buffer in zone @z (-1: in no known zone). */
size_t kbuf_layout_zone_pages(const struct kbuf_layout *l, int z)
{
	size_t i, n = 0;

	for (i = 0; i < l->pages; i++)
		n += kbuf_zone_of(l->zones, l->nr_zones, l->pfn[i]) == z;
	return n;
}

static void kbuf_layout_zones(struct kbuf_layout *l)
{
	FILE *in = fopen("/proc/zoneinfo", "re");

	l->nr_zones = 0;
	if (!in)
		return;
	l->nr_zones = kbuf_zoneinfo_parse(in, l->zones, KBUF_ZONES_MAX);
	fclose(in);
}

/* Count the flags of the pages of run @r; -errno on a failed read. */
static int kbuf_run_flags(int fd, struct kbuf_run *r, __u64 *buf)
{
	size_t done, n, i, f;
	unsigned int fl;
	ssize_t got;

	for (done = 0; done < r->pages; done += n) {
		n = r->pages - done;
		if (n > KBUF_KPF_CHUNK)
			n = KBUF_KPF_CHUNK;
		got = pread(fd, buf, n * sizeof(*buf),
			    (off_t)((r->pfn + done) * sizeof(*buf)));
		if (got < 0)
			return -errno;
		if ((size_t)got != n * sizeof(*buf))
			return -ENODATA;
		for (i = 0; i < n; i++) {
			fl = kbuf_lflags(buf[i]);
			for (f = 0; f < KBUF_LF_NR; f++)
				r->flags[f] += !!(fl & (1U << f));
		}
	}
	return 0;
}

static void kbuf_layout_flags(struct kbuf_layout *l)
{
	__u64 *buf = malloc(KBUF_KPF_CHUNK * sizeof(*buf));
	int fd, ret = 0;
	size_t i;

	if (!buf)
		err(KBUF_EXIT_FAIL, "malloc");
	fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		ret = -errno;
	for (i = 0; !ret && i < l->nr_runs; i++)
		ret = kbuf_run_flags(fd, &l->runs[i], buf);
	if (fd >= 0)
		close(fd);
	free(buf);
	l->flags_known = !ret;
	if (ret)
		snprintf(l->flags_why, sizeof(l->flags_why),
			 "/proc/kpageflags: %s",
			 ret == -ENODATA ? "short read" : strerror(-ret));
	for (i = 0; ret && i < l->nr_runs; i++)
		memset(l->runs[i].flags, 0, sizeof(l->runs[i].flags));
}

/**
 * kbuf_layout_scan() - runs, zones, flags and totals of @l->pfn
 * @l: the layout, with @dev, @source, @pfn and @pages set
 */
void kbuf_layout_scan(struct kbuf_layout *l)
{
	size_t nr = kbuf_count_runs(l->pfn, l->pages);

	l->runs = calloc(nr ? nr : 1, sizeof(*l->runs));
	if (!l->runs)
		err(KBUF_EXIT_FAIL, "malloc");
	l->nr_runs = kbuf_layout_runs_of(l->pfn, l->pages, l->runs);
	kbuf_layout_zones(l);
	kbuf_layout_flags(l);
	kbuf_layout_tally(l);
}

void kbuf_layout_free(struct kbuf_layout *l)
{
	free(l->runs);
	l->runs = NULL;
	l->nr_runs = 0;
}
