// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of kbufctl layout's pure parts: page flag decoding, the
 * /proc/zoneinfo parser, runs and the histogram of their lengths, the
 * JSON and XML escaping, the ASCII picture and the codeset test. Built
 * with ASan and UBSan by "make unit"; prints TAP and exits 1 if any test
 * fails.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "tap.h"

/* Each kpageflags bit that layout counts, and the flag it counts as. */
static const struct {
	unsigned int bit;
	unsigned int flag;
	const char *name;
} kbuf_lflag_cases[] = {
	{ 15, KBUF_LF_HEAD, "compound_head" },
	{ 16, KBUF_LF_TAIL, "compound_tail" },
	{ 7, KBUF_LF_SLAB, "slab" },
	{ 10, KBUF_LF_BUDDY, "buddy" },
	{ 32, KBUF_LF_RESERVED, "reserved" },
	{ 20, KBUF_LF_NOPAGE, "nopage" },
};

static void kbuf_test_lflags(struct kbuf_tap *t)
{
	size_t i;

	kbuf_tap(t, kbuf_lflags(0) == 0, "no kpageflags bit, no flag");
	for (i = 0; i < ARRAY_SIZE(kbuf_lflag_cases); i++)
		kbuf_tap(t,
			 kbuf_lflags(1ULL << kbuf_lflag_cases[i].bit) ==
				 1U << kbuf_lflag_cases[i].flag,
			 "bit %u is %s", kbuf_lflag_cases[i].bit,
			 kbuf_lflag_cases[i].name);
	/* LRU, MMAP, ANON, UPTODATE, ARCH_2: not counted */
	kbuf_tap(t,
		 kbuf_lflags((1ULL << 5) | (1ULL << 11) | (1ULL << 12) |
			     (1ULL << 3) | (1ULL << 41)) == 0,
		 "other bits are not counted");
	kbuf_tap(t, kbuf_lflags(~0ULL) == (1U << KBUF_LF_NR) - 1,
		 "every bit set gives every flag");
	kbuf_tap(t,
		 !strcmp(kbuf_lflag_name(KBUF_LF_HEAD), "compound_head") &&
			 !strcmp(kbuf_lflag_name(KBUF_LF_RESERVED),
				 "reserved") &&
			 !strcmp(kbuf_lflag_name(KBUF_LF_NR), "?"),
		 "flag names as page-types spells them");
}

/* Two nodes, empty zones, and a zone whose start_pfn is missing. */
static const char kbuf_zoneinfo[] = "Node 0, zone      DMA\n"
				    "  per-node stats\n"
				    "      nr_inactive_anon 0\n"
				    "  pages free     3840\n"
				    "        spanned  4095\n"
				    "        present  3998\n"
				    "  start_pfn:           1\n"
				    "Node 0, zone    DMA32\n"
				    "        spanned  520192\n"
				    "  start_pfn:           4096\n"
				    "Node 0, zone  Movable\n"
				    "        spanned  0\n"
				    "        present  0\n"
				    "Node 1, zone   Normal\n"
				    "        spanned  262144\n"
				    "        protection: (0, 0, 0, 0, 0)\n"
				    "  start_pfn:           1048576\n"
				    "Node 1, zone   Device\n"
				    "        spanned  0\n";

static void kbuf_test_zoneinfo(struct kbuf_tap *t)
{
	struct kbuf_zone z[8];
	FILE *in = fmemopen((void *)kbuf_zoneinfo, strlen(kbuf_zoneinfo), "r");
	size_t nr;

	if (!in)
		abort();
	nr = kbuf_zoneinfo_parse(in, z, 8);
	fclose(in);
	kbuf_tap(t, nr == 3, "three populated zones of five (%zu)", nr);
	kbuf_tap(t,
		 z[0].node == 0 && !strcmp(z[0].name, "DMA") &&
			 z[0].start == 1 && z[0].spanned == 4095,
		 "node 0 DMA: frames 1 to 4095");
	kbuf_tap(t,
		 z[2].node == 1 && !strcmp(z[2].name, "Normal") &&
			 z[2].start == 1048576 && z[2].spanned == 262144,
		 "node 1 Normal: from frame 0x100000");
	kbuf_tap(t,
		 kbuf_zone_of(z, nr, 0) == -1 && kbuf_zone_of(z, nr, 1) == 0 &&
			 kbuf_zone_of(z, nr, 4095) == 0 &&
			 kbuf_zone_of(z, nr, 4096) == 1 &&
			 kbuf_zone_of(z, nr, 524287) == 1 &&
			 kbuf_zone_of(z, nr, 524288) == -1 &&
			 kbuf_zone_of(z, nr, 1310719) == 2 &&
			 kbuf_zone_of(z, nr, 1310720) == -1,
		 "frames map to their zone, holes and the end to none");
	in = fmemopen((void *)kbuf_zoneinfo, strlen(kbuf_zoneinfo), "r");
	if (!in)
		abort();
	nr = kbuf_zoneinfo_parse(in, z, 1);
	fclose(in);
	kbuf_tap(t, nr == 1, "the parser stops when the table is full");
}

static void kbuf_test_hist(struct kbuf_tap *t)
{
	char label[48];

	kbuf_tap(t,
		 kbuf_hist_bucket(1) == 0 && kbuf_hist_bucket(2) == 1 &&
			 kbuf_hist_bucket(3) == 1 && kbuf_hist_bucket(4) == 2 &&
			 kbuf_hist_bucket(1023) == 9 &&
			 kbuf_hist_bucket(1024) == 10 &&
			 kbuf_hist_bucket(SIZE_MAX) == 63,
		 "a run of N pages goes to bucket floor(log2(N))");
	kbuf_hist_label(0, label, sizeof(label));
	kbuf_tap(t, !strcmp(label, "1"), "bucket 0 is \"1\"");
	kbuf_hist_label(1, label, sizeof(label));
	kbuf_tap(t, !strcmp(label, "2-3"), "bucket 1 is \"2-3\"");
	kbuf_hist_label(10, label, sizeof(label));
	kbuf_tap(t, !strcmp(label, "1024-2047"), "bucket 10 is \"1024-2047\"");
	kbuf_hist_label(63, label, sizeof(label));
	kbuf_tap(t, !strcmp(label, "9223372036854775808-18446744073709551615"),
		 "bucket 63 ends at 2^64 - 1");
}

/* Frames 100-103, 200-202 and 50-51: three runs of 4, 3 and 2 pages. */
static void kbuf_test_tally(struct kbuf_tap *t)
{
	static const __u64 pfn[] = { 100, 101, 102, 103, 200, 201, 202, 50, 51 };
	struct kbuf_run runs[ARRAY_SIZE(pfn)];
	struct kbuf_layout l;

	memset(&l, 0, sizeof(l));
	l.pfn = pfn;
	l.pages = ARRAY_SIZE(pfn);
	l.runs = runs;
	l.nr_runs = kbuf_layout_runs_of(pfn, l.pages, runs);
	l.zones[0] = (struct kbuf_zone){ 0, "DMA", 0, 150 };
	l.zones[1] = (struct kbuf_zone){ 1, "Normal", 150, 100 };
	l.nr_zones = 2;
	runs[0].flags[KBUF_LF_HEAD] = 1;
	runs[0].flags[KBUF_LF_TAIL] = 3;
	kbuf_layout_tally(&l);
	kbuf_tap(t, l.nr_runs == 3 && kbuf_count_runs(pfn, l.pages) == 3,
		 "9 frames in 3 runs (%zu)", l.nr_runs);
	kbuf_tap(t,
		 runs[1].page == 4 && runs[1].pages == 3 && runs[1].pfn == 200,
		 "run 1: pages 4-6 at frame 200");
	kbuf_tap(t, l.largest == 0, "the largest run is the first of 4 pages");
	kbuf_tap(t, l.hist[0] == 0 && l.hist[1] == 2 && l.hist[2] == 1,
		 "histogram: two runs of 2-3 pages, one of 4-7");
	kbuf_tap(t,
		 runs[0].zone == 0 && runs[1].zone == 1 && runs[2].zone == 0 &&
			 runs[0].zone_last == 0,
		 "each run gets its zone");
	kbuf_tap(t,
		 l.flags[KBUF_LF_HEAD] == 1 && l.flags[KBUF_LF_TAIL] == 3 &&
			 l.flags[KBUF_LF_SLAB] == 0,
		 "flag totals add up the runs'");
	kbuf_tap(t,
		 kbuf_layout_zone_pages(&l, 0) == 6 &&
			 kbuf_layout_zone_pages(&l, 1) == 3 &&
			 kbuf_layout_zone_pages(&l, -1) == 0,
		 "pages per zone");
	l.zones[0].spanned = 101;
	l.zones[1].start = 101;
	kbuf_layout_tally(&l);
	kbuf_tap(t, runs[0].zone == 0 && runs[0].zone_last == 1,
		 "a run across a zone boundary has two zones");
}

/* What @print writes for @s, in @buf. */
static void kbuf_escaped(void (*print)(FILE *, const char *), const char *s,
			 char *buf, size_t len)
{
	FILE *out = fmemopen(buf, len, "w");

	if (!out)
		abort();
	print(out, s);
	fclose(out);
}

static void kbuf_test_escape(struct kbuf_tap *t)
{
	char buf[128];

	kbuf_escaped(kbuf_json_string, "big", buf, sizeof(buf));
	kbuf_tap(t, !strcmp(buf, "\"big\""), "JSON: a plain name is quoted");
	kbuf_escaped(kbuf_json_string, "a\"b\\c\n\x01\x7f", buf, sizeof(buf));
	kbuf_tap(t, !strcmp(buf, "\"a\\\"b\\\\c\\u000a\\u0001\x7f\""),
		 "JSON: quote, backslash and control characters escaped");
	kbuf_escaped(kbuf_json_string, "\xc3\xa9", buf, sizeof(buf));
	kbuf_tap(t, !strcmp(buf, "\"\xc3\xa9\""), "JSON: UTF-8 passes as is");
	kbuf_escaped(kbuf_xml_string, "a<b>&\"c'", buf, sizeof(buf));
	kbuf_tap(t, !strcmp(buf, "a&lt;b&gt;&amp;&quot;c&apos;"),
		 "XML: the five special characters escaped");
	kbuf_escaped(kbuf_xml_string, "a\x01\tb\x1f", buf, sizeof(buf));
	kbuf_tap(t, !strcmp(buf, "a?\tb?"),
		 "XML: control characters XML forbids become '?'");
}

static void kbuf_test_ascii(struct kbuf_tap *t)
{
	static const __u64 one[] = { 7, 8, 9, 10 };
	__u64 two[128];
	char pic[64 * 3 + 1];
	size_t i;

	kbuf_layout_draw(one, 4, 64, &kbuf_glyphs_ascii, pic, sizeof(pic));
	kbuf_tap(t, !strcmp(pic, "####"), "ASCII: 4 contiguous pages: ####");
	for (i = 0; i < 128; i++)
		two[i] = 1000 + i + (i >= 64 ? 7 : 0) + (i >= 66 ? 7 : 0);
	kbuf_layout_draw(two, 128, 64, &kbuf_glyphs_ascii, pic, sizeof(pic));
	kbuf_tap(t,
		 strlen(pic) == 64 && pic[31] == '#' && pic[32] == '/' &&
			 pic[33] == '\\' && pic[34] == '#',
		 "ASCII: breaks in cells 32 and 33 draw / then \\ (%.6s)",
		 pic + 30);
	kbuf_layout_draw(two, 128, 64, &kbuf_glyphs_ascii, pic, 5);
	kbuf_tap(t, !strcmp(pic, "####"),
		 "ASCII: the picture stops where its buffer ends");
}

static void kbuf_test_codeset(struct kbuf_tap *t)
{
	kbuf_tap(t, kbuf_codeset_utf8("UTF-8") && kbuf_codeset_utf8("utf8"),
		 "UTF-8 and utf8 are UTF-8");
	kbuf_tap(t,
		 !kbuf_codeset_utf8("ANSI_X3.4-1968") &&
			 !kbuf_codeset_utf8("ISO-8859-1") &&
			 !kbuf_codeset_utf8("") && !kbuf_codeset_utf8(NULL),
		 "the C locale's ASCII and Latin-1 are not");
}

int main(void)
{
	struct kbuf_tap t = { 0, 0 };

	kbuf_test_lflags(&t);
	kbuf_test_zoneinfo(&t);
	kbuf_test_hist(&t);
	kbuf_test_tally(&t);
	kbuf_test_escape(&t);
	kbuf_test_ascii(&t);
	kbuf_test_codeset(&t);
	return kbuf_tap_done(&t);
}
