// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of kbufctl's pure functions: sizes, patterns, names,
 * size classes, the layout picture, the PRNG, and the model that kbufctl
 * stress checks the driver against. Built with ASan and UBSan by
 * "make unit"; prints TAP and exits 1 if any test fails.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stress.h"
#include "tap.h"

struct kbuf_size_case {
	const char *text;
	int ret;
	__u64 value;
};

static const struct kbuf_size_case kbuf_size_cases[] = {
	{ "0", 0, 0 },
	{ "1", 0, 1 },
	{ "4096", 0, 4096 },
	{ "4K", 0, 4096 },
	{ "4k", 0, 4096 },
	{ "4KiB", 0, 4096 },
	{ "1M", 0, 1048576 },
	{ "8m", 0, 8388608 },
	{ "1MiB", 0, 1048576 },
	{ "1G", 0, 1073741824 },
	{ "0x1000", 0, 4096 },
	{ "0X1f", 0, 31 },
	{ "0x10K", 0, 16384 },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "0xffffffffffffffff", 0, UINT64_MAX },
	{ "17179869183G", 0, 17179869183ULL << 30 },
	{ "17179869184G", -ERANGE, 0 },
	{ "18014398509481984K", -ERANGE, 0 },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "0x10000000000000000", -ERANGE, 0 },
	{ "99999999999999999999999", -ERANGE, 0 },
	{ "", -EINVAL, 0 },
	{ "K", -EINVAL, 0 },
	{ "4X", -EINVAL, 0 },
	{ "4KB", -EINVAL, 0 },
	{ "4Ki", -EINVAL, 0 },
	{ "4KiBB", -EINVAL, 0 },
	{ "4T", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "+1", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
	{ "1 ", -EINVAL, 0 },
	{ "4K ", -EINVAL, 0 },
	{ "1.5K", -EINVAL, 0 },
	{ "0x", -EINVAL, 0 },
	{ "0xg", -EINVAL, 0 },
	{ "12abc", -EINVAL, 0 },
};

static void kbuf_test_size(struct kbuf_tap *t, const struct kbuf_size_case *c)
{
	__u64 v = 0;
	int ret = kbuf_parse_size(c->text, &v);

	kbuf_tap(t, ret == c->ret && (ret || v == c->value),
		 "size \"%s\" gives %d, %llu (got %d, %llu)", c->text, c->ret,
		 (unsigned long long)c->value, ret, (unsigned long long)v);
}

static void kbuf_test_sizes(struct kbuf_tap *t)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kbuf_size_cases); i++)
		kbuf_test_size(t, &kbuf_size_cases[i]);
}

struct kbuf_pattern_case {
	const char *text;
	int ret;
	enum kbuf_pattern_kind kind;
	__u64 value;
};

static const struct kbuf_pattern_case kbuf_pattern_cases[] = {
	{ "seq", 0, KBUF_PATTERN_SEQ, 0 },
	{ "random:42", 0, KBUF_PATTERN_RANDOM, 42 },
	{ "random:0x10", 0, KBUF_PATTERN_RANDOM, 16 },
	{ "random:0", 0, KBUF_PATTERN_RANDOM, 0 },
	{ "byte:0xff", 0, KBUF_PATTERN_BYTE, 255 },
	{ "byte:0x00", 0, KBUF_PATTERN_BYTE, 0 },
	{ "byte:65", 0, KBUF_PATTERN_BYTE, 65 },
	{ "byte:256", -ERANGE, KBUF_PATTERN_BYTE, 0 },
	{ "byte:0x100", -ERANGE, KBUF_PATTERN_BYTE, 0 },
	{ "random:18446744073709551616", -ERANGE, KBUF_PATTERN_RANDOM, 0 },
	{ "byte:", -EINVAL, KBUF_PATTERN_BYTE, 0 },
	{ "byte:0x1g", -EINVAL, KBUF_PATTERN_BYTE, 0 },
	{ "byte:1K", -EINVAL, KBUF_PATTERN_BYTE, 0 },
	{ "random:", -EINVAL, KBUF_PATTERN_RANDOM, 0 },
	{ "random:x", -EINVAL, KBUF_PATTERN_RANDOM, 0 },
	{ "rand", -EINVAL, KBUF_PATTERN_SEQ, 0 },
	{ "seq:1", -EINVAL, KBUF_PATTERN_SEQ, 0 },
	{ "SEQ", -EINVAL, KBUF_PATTERN_SEQ, 0 },
	{ "", -EINVAL, KBUF_PATTERN_SEQ, 0 },
};

static __u64 kbuf_pattern_value(const struct kbuf_pattern *pat)
{
	return pat->kind == KBUF_PATTERN_BYTE ? pat->byte : pat->seed;
}

static void kbuf_test_pattern(struct kbuf_tap *t,
			      const struct kbuf_pattern_case *c)
{
	struct kbuf_pattern pat;
	int ret = kbuf_parse_pattern(c->text, &pat);
	bool ok = ret == c->ret;

	if (ok && !ret)
		ok = pat.kind == c->kind &&
		     kbuf_pattern_value(&pat) == c->value;
	kbuf_tap(t, ok, "pattern \"%s\" gives %d (got %d)", c->text, c->ret,
		 ret);
}

static void kbuf_test_patterns(struct kbuf_tap *t)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kbuf_pattern_cases); i++)
		kbuf_test_pattern(t, &kbuf_pattern_cases[i]);
}

/* Generating [0, n) at once equals generating it in two slices. */
static bool kbuf_fill_sliced(const struct kbuf_pattern *pat, size_t n,
			     size_t cut)
{
	unsigned char *whole = malloc(n), *parts = malloc(n);
	bool same;

	if (!whole || !parts)
		abort();
	kbuf_pattern_fill(pat, 0, whole, n);
	kbuf_pattern_fill(pat, 0, parts, cut);
	kbuf_pattern_fill(pat, cut, parts + cut, n - cut);
	same = !memcmp(whole, parts, n);
	free(whole);
	free(parts);
	return same;
}

static void kbuf_test_fill(struct kbuf_tap *t)
{
	struct kbuf_pattern seq = { KBUF_PATTERN_SEQ, 0, 0 };
	struct kbuf_pattern r1 = { KBUF_PATTERN_RANDOM, 1, 0 };
	struct kbuf_pattern r2 = { KBUF_PATTERN_RANDOM, 2, 0 };
	struct kbuf_pattern b = { KBUF_PATTERN_BYTE, 0, 0xa5 };
	unsigned char x[16], y[16];

	kbuf_pattern_fill(&seq, 249, x, 4);
	kbuf_tap(t, x[0] == 249 && x[1] == 250 && x[2] == 0 && x[3] == 1,
		 "seq counts modulo 251");
	kbuf_pattern_fill(&seq, 4096, x, 1);
	kbuf_tap(t, x[0] == 4096 % 251, "seq at 4096 is 4096 %% 251");
	kbuf_tap(t, kbuf_fill_sliced(&seq, 10000, 4097),
		 "seq slices agree with the whole");
	kbuf_tap(t, kbuf_fill_sliced(&r1, 10000, 4093),
		 "random slices agree with the whole (unaligned cut)");
	kbuf_pattern_fill(&r1, 0, x, sizeof(x));
	kbuf_pattern_fill(&r2, 0, y, sizeof(y));
	kbuf_tap(t, memcmp(x, y, sizeof(x)), "different seeds differ");
	kbuf_pattern_fill(&r1, 0, y, sizeof(y));
	kbuf_tap(t, !memcmp(x, y, sizeof(x)), "one seed repeats itself");
	kbuf_pattern_fill(&b, 12345, x, sizeof(x));
	kbuf_tap(t, x[0] == 0xa5 && x[15] == 0xa5, "byte:0xa5 fills 0xa5");
}

static void kbuf_test_names(struct kbuf_tap *t)
{
	static const char *const good[] = {
		"a",	    "kmalloc", "a_b-9",
		"controls", "0",       "abcdefghijklmnopqrstuvwxyz01234",
	};
	static const char *const bad[] = {
		"",	    "control",
		"Foo",	    "a/b",
		"a b",	    "a.b",
		"\xc3\xa9", "abcdefghijklmnopqrstuvwxyz012345",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		kbuf_tap(t, kbuf_name_valid(good[i]), "name \"%s\" is valid",
			 good[i]);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		kbuf_tap(t, !kbuf_name_valid(bad[i]), "name \"%s\" is invalid",
			 bad[i]);
}

static void kbuf_test_dev_path(struct kbuf_tap *t)
{
	char path[KBUF_PATH_MAX], tiny[8], huge[KBUF_PATH_MAX + 8];

	kbuf_tap(t,
		 !kbuf_dev_path("vmalloc", path, sizeof(path)) &&
			 !strcmp(path, "/dev/kbuf/vmalloc"),
		 "bare name vmalloc is /dev/kbuf/vmalloc");
	kbuf_tap(t,
		 !kbuf_dev_path("/dev/kbuf/x", path, sizeof(path)) &&
			 !strcmp(path, "/dev/kbuf/x"),
		 "an absolute path is kept");
	kbuf_tap(t,
		 !kbuf_dev_path("./x", path, sizeof(path)) &&
			 !strcmp(path, "./x"),
		 "a relative path is kept");
	kbuf_tap(t, kbuf_dev_path("", path, sizeof(path)) == -EINVAL,
		 "an empty DEV is refused");
	kbuf_tap(t,
		 kbuf_dev_path("vmalloc", tiny, sizeof(tiny)) == -ENAMETOOLONG,
		 "a path that does not fit is refused");
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	kbuf_tap(t, kbuf_dev_path(huge, path, sizeof(path)) == -ENAMETOOLONG,
		 "an overlong name is refused");
}

static void kbuf_test_words(struct kbuf_tap *t)
{
	__u32 v = 99;

	kbuf_tap(t, !kbuf_parse_backend("pages", &v) && v == KBUF_BACKEND_PAGES,
		 "backend pages");
	kbuf_tap(t, kbuf_parse_backend("slab", &v) == -EINVAL,
		 "backend slab is refused");
	kbuf_tap(t, !kbuf_parse_gfp("atomic", &v) && v == KBUF_GFP_ATOMIC,
		 "gfp atomic");
	kbuf_tap(t, kbuf_parse_gfp("nowait", &v) == -EINVAL,
		 "gfp nowait is refused");
	kbuf_tap(t, kbuf_parse_create_map("page") == KBUF_CREATE_MAP_PAGE,
		 "map page is KBUF_CREATE_MAP_PAGE");
	kbuf_tap(t, kbuf_parse_create_map("pfn") == KBUF_CREATE_MAP_PFN,
		 "map pfn is KBUF_CREATE_MAP_PFN");
	kbuf_tap(t, !kbuf_parse_create_map("PFN") && !kbuf_parse_create_map(""),
		 "map PFN and an empty map are refused");
	kbuf_tap(t, !kbuf_parse_node("1", &v) && v == 1, "node 1");
	kbuf_tap(t, !kbuf_parse_node("2147483647", &v) && v == INT32_MAX,
		 "node 2147483647, the largest an int holds");
	v = 99;
	kbuf_tap(t, kbuf_parse_node("2147483648", &v) == -EINVAL && v == 99,
		 "node 2147483648 is refused");
	kbuf_tap(t, kbuf_parse_node("-1", &v) == -EINVAL && v == 99,
		 "node -1 is refused");
	kbuf_tap(t, kbuf_parse_node("1a", &v) == -EINVAL && v == 99,
		 "node 1a is refused");
	kbuf_tap(t, kbuf_parse_node("0x1", &v) == -EINVAL && v == 99,
		 "node 0x1 is refused: sysfs numbers nodes in decimal");
	kbuf_tap(t, kbuf_parse_node("01", &v) == -EINVAL && v == 99,
		 "node 01 is refused");

	kbuf_tap(t, kbuf_parse_node("", &v) == -EINVAL && v == 99,
		 "an empty node is refused");
	kbuf_tap(t, !kbuf_parse_node("0", &v) && v == 0, "node 0");
	kbuf_tap(t, !strcmp(kbuf_backend_name(KBUF_BACKEND_VMALLOC), "vmalloc"),
		 "backend 2 is vmalloc");
	kbuf_tap(t, !strcmp(kbuf_map_mode_name(KBUF_MAP_PFN), "pfn"),
		 "map mode 1 is pfn");
	kbuf_tap(t, !strcmp(kbuf_gfp_name(7), "unknown"), "gfp 7 is unknown");
}

struct kbuf_format_case {
	__u64 bytes;
	const char *text;
};

static const struct kbuf_format_case kbuf_format_cases[] = {
	{ 0, "0 B" },
	{ 100, "100 B" },
	{ 1023, "1023 B" },
	{ 1024, "1 KiB" },
	{ 1536, "1.5 KiB" },
	{ 65536, "64 KiB" },
	{ 8388608, "8 MiB" },
	{ 1073741824, "1 GiB" },
	{ 4ULL << 40, "4 TiB" },
	{ 4ULL << 50, "4096 TiB" },
	{ 1075, "1 KiB" },
	{ 1126, "1.1 KiB" },
	{ 4095, "4 KiB" },
	{ 999999, "976.6 KiB" },
	{ 1048575, "1024 KiB" },
};

/*
 * Each of @n @cases printed by @format; @where names the format in the
 * test's name ("" for the long one).
 */
static void kbuf_test_format_cases(struct kbuf_tap *t,
				   const struct kbuf_format_case *cases,
				   size_t n,
				   void (*format)(__u64, char *, size_t),
				   const char *where)
{
	char buf[32];
	size_t i;

	for (i = 0; i < n; i++) {
		format(cases[i].bytes, buf, sizeof(buf));
		kbuf_tap(t, !strcmp(buf, cases[i].text),
			 "%llu bytes read \"%s\"%s (got \"%s\")",
			 (unsigned long long)cases[i].bytes, cases[i].text,
			 where, buf);
	}
}

static void kbuf_test_format(struct kbuf_tap *t)
{
	kbuf_test_format_cases(t, kbuf_format_cases,
			       ARRAY_SIZE(kbuf_format_cases), kbuf_format_size,
			       "");
}

/* list's sizes, as lsblk prints them: one word each. */
static const struct kbuf_format_case kbuf_format_short_cases[] = {
	{ 0, "0B" },	      { 100, "100B" },	       { 1024, "1K" },
	{ 1536, "1.5K" },     { 65536, "64K" },	       { 1048576, "1M" },
	{ 1073741824, "1G" }, { 4ULL << 50, "4096T" }, { 4095, "4K" },
	{ 1048575, "1024K" }, { 1073741823, "1024M" }, { 1126, "1.1K" },
	{ 1075, "1K" },	      { 1572863, "1.5M" },
};

static void kbuf_test_format_short(struct kbuf_tap *t)
{
	kbuf_test_format_cases(t, kbuf_format_short_cases,
			       ARRAY_SIZE(kbuf_format_short_cases),
			       kbuf_format_size_short, " in list");
}

static void kbuf_test_kmalloc(struct kbuf_tap *t)
{
	static const __u64 cases[][2] = {
		{ 1, 8 },     { 8, 8 },	      { 9, 16 },      { 64, 64 },
		{ 65, 96 },   { 96, 96 },     { 97, 128 },    { 129, 192 },
		{ 193, 256 }, { 1000, 1024 }, { 4096, 4096 }, { 8192, 8192 },
		{ 8193, 0 },
	};
	char name[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		kbuf_tap(t, kbuf_kmalloc_class(cases[i][0]) == cases[i][1],
			 "kmalloc(%llu) is served by class %llu",
			 (unsigned long long)cases[i][0],
			 (unsigned long long)cases[i][1]);
	kbuf_tap(t,
		 !kbuf_kmalloc_cache_name(70, name, sizeof(name)) &&
			 !strcmp(name, "kmalloc-96"),
		 "kmalloc(70) comes from kmalloc-96");
	kbuf_tap(t,
		 !kbuf_kmalloc_cache_name(4096, name, sizeof(name)) &&
			 !strcmp(name, "kmalloc-4k"),
		 "kmalloc(4096) comes from kmalloc-4k");
	kbuf_tap(t,
		 kbuf_kmalloc_cache_name(65536, name, sizeof(name)) == -E2BIG,
		 "kmalloc(65536) comes from the page allocator");
	kbuf_tap(t,
		 kbuf_kmalloc_alloc_size(100, 4096) == 100 &&
			 kbuf_kmalloc_alloc_size(4097, 4096) == 8192,
		 "kmalloc buffers of a page or more take whole pages");
	kbuf_tap(t,
		 kbuf_page_order(1, 4096) == 0 &&
			 kbuf_page_order(4097, 4096) == 1 &&
			 kbuf_page_order(65536, 4096) == 4 &&
			 kbuf_page_order(4 << 20, 4096) == 10,
		 "page orders as get_order() gives them");
}

static void kbuf_test_runs(struct kbuf_tap *t)
{
	static const __u64 one[] = { 5, 6, 7, 8 };
	static const __u64 two[] = { 5, 6, 9, 10 };
	static const __u64 down[] = { 9, 8, 7 };

	kbuf_tap(t, kbuf_count_runs(one, 0) == 0, "no pages, no runs");
	kbuf_tap(t, kbuf_count_runs(one, 1) == 1, "one page, one run");
	kbuf_tap(t, kbuf_count_runs(one, 4) == 1, "contiguous frames, one run");
	kbuf_tap(t, kbuf_count_runs(two, 4) == 2, "one break, two runs");
	kbuf_tap(t, kbuf_count_runs(down, 3) == 3,
		 "descending frames are not contiguous");
}

/* A picture of @n pages with a break before each page in @breaks. */
static void kbuf_picture_of(size_t n, const size_t *breaks, size_t nr,
			    char *out, size_t len)
{
	__u64 *pfn = calloc(n, sizeof(*pfn));
	size_t i, b = 0;

	if (!pfn)
		abort();
	for (i = 0; i < n; i++) {
		pfn[i] = i ? pfn[i - 1] + 1 : 1000;
		if (b < nr && breaks[b] == i) {
			pfn[i] += 7;
			b++;
		}
	}
	kbuf_layout_picture(pfn, n, 64, out, len);
	free(pfn);
}

static void kbuf_test_picture(struct kbuf_tap *t)
{
	static const char solid[] = "\xe2\x96\x88";
	static const size_t mid[] = { 64 };
	char pic[64 * 3 + 1], want[64 * 3 + 1];
	size_t i;

	want[0] = '\0';
	for (i = 0; i < 16; i++)
		strcat(want, solid);
	kbuf_picture_of(16, NULL, 0, pic, sizeof(pic));
	kbuf_tap(t, !strcmp(pic, want), "16 contiguous pages: 16 full blocks");
	kbuf_picture_of(128, mid, 1, pic, sizeof(pic));
	kbuf_tap(t,
		 strlen(pic) == 64 * 3 && !memcmp(pic, want, 3) &&
			 !memcmp(pic + 32 * 3, "\xe2\x96\x9a", 3) &&
			 !memcmp(pic + 31 * 3, solid, 3) &&
			 !memcmp(pic + 33 * 3, solid, 3),
		 "128 pages, a break at page 64: cell 32 alone is broken");
	kbuf_picture_of(100, NULL, 0, pic, 10);
	kbuf_tap(t, strlen(pic) == 9,
		 "the picture stops where its buffer ends");
}

/* ---- the PRNG, and the stress model (stress-model.c) ---------------- */

/* splitmix64 from seed 0, as its reference implementation gives it. */
static void kbuf_test_splitmix(struct kbuf_tap *t)
{
	static const __u64 want[] = {
		0xe220a8397b1dcdafULL,
		0x6e789e6aa1b965f4ULL,
		0x06c45d188009454fULL,
		0xf88bb8a8724c81ecULL,
	};
	__u64 state = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		__u64 got = kbuf_splitmix64(&state);

		kbuf_tap(t,
			 got == want[i] && kbuf_splitmix64_at(0, i + 1) == got,
			 "splitmix64 number %zu from seed 0 is 0x%016llx",
			 i + 1, (unsigned long long)want[i]);
	}
}

/* random:42 gives the bytes it gave before the PRNG was shared. */
static void kbuf_test_random_bytes(struct kbuf_tap *t)
{
	static const unsigned char want[16] = {
		0xd3, 0x51, 0x1c, 0xf2, 0x35, 0x71, 0x80, 0x9a,
		0xdf, 0x29, 0x33, 0x5c, 0x69, 0xca, 0x4a, 0x94,
	};
	struct kbuf_pattern pat = { .kind = KBUF_PATTERN_RANDOM, .seed = 42 };
	unsigned char got[16];

	kbuf_pattern_fill(&pat, 4090, got, sizeof(got));
	kbuf_tap(t, !memcmp(got, want, sizeof(want)),
		 "random:42 at 4090 gives the same 16 bytes as ever");
}

/*
 * A seed still makes the same run: the operations and sizes worker 0 of
 * --seed 12345 picks first (recorded before the table of operations).
 */
static void kbuf_test_stress_picks(struct kbuf_tap *t)
{
	static const unsigned char ops[40] = {
		1, 10, 17, 5, 0, 8, 1, 8, 0, 8, 0, 0, 1, 2, 3, 4, 9, 0, 3,  6,
		1, 6,  0,  3, 2, 1, 1, 9, 1, 4, 1, 8, 3, 3, 8, 3, 0, 5, 10, 3,
	};
	static const __u64 sizes[8] = { 4096,  8192, 63892, 1,
					16151, 4097, 1,	    4096 };
	struct kst_worker w = { .rng = 12345 ^ 0xd1342543de82ef95ULL };
	bool ok = true;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ops); i++)
		ok &= kst_pick_op(&w) == (enum kst_op)ops[i];
	kbuf_tap(t, ok, "seed 12345 picks the same 40 operations");
	ok = true;
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		ok &= kst_pick_size(&w) == sizes[i];
	kbuf_tap(t, ok, "and then the same 8 private buffer sizes");
}

/* Every row of kst_ops[] is whole; the weights make 100. */
static void kbuf_test_stress_table(struct kbuf_tap *t)
{
	unsigned int sum = 0, op, map = 0, whole = 0, priv = 0;
	bool whole_rows = true;

	for (op = 0; op < KST_NR_OPS; op++) {
		whole_rows &= kst_ops[op].name && kst_ops[op].fn &&
			      kst_ops[op].weight;
		sum += kst_ops[op].weight;
		map += !!(kst_ops[op].flags & KST_OP_MAP);
		whole += !!(kst_ops[op].flags & KST_OP_WHOLE);
		priv += !!(kst_ops[op].flags & KST_OP_PRIVATE);
	}
	kbuf_tap(t, whole_rows,
		 "every operation has a name, a function, a weight");
	kbuf_tap(t, sum == 100, "the weights add up to 100 (got %u)", sum);
	kbuf_tap(t, map == 5 && whole == 4 && priv == 2,
		 "5 ops need a map, 4 take a whole DEV, 2 are private");
	kbuf_tap(t, kst_ops[KST_FORK].flags & KST_OP_FORK,
		 "fork holds the fork lock");
	kbuf_tap(t,
		 kst_errno_allowed(KST_READ, EINVAL) &&
			 !kst_errno_allowed(KST_READ, ENOSPC) &&
			 kst_errno_allowed(KST_WRITE, ENOSPC) &&
			 !kst_errno_allowed(KST_INFO, EINVAL) &&
			 !kst_errno_allowed(KST_READ, EIO),
		 "read may get EINVAL, not ENOSPC; write ENOSPC; info nothing");
}

struct kbuf_io_case {
	__u64 off;
	size_t len;
	long read;
	long write;
};

/* A buffer of capacity 100 holding 40 bytes. */
static const struct kbuf_io_case kbuf_io_cases[] = {
	{ 0, 10, 10, 10 },
	{ 30, 20, 10, 20 },
	{ 40, 1, 0, 1 },
	{ 90, 20, 0, 10 },
	{ 100, 1, 0, -ENOSPC },
	{ 100, 0, 0, 0 },
	{ 200, 5, 0, -ENOSPC },
	{ INT64_MAX, 1, -EINVAL, -EINVAL },
	{ (__u64)INT64_MAX + 1, 0, -EINVAL, -EINVAL },
	{ UINT64_MAX, 1, -EINVAL, -EINVAL },
};

static void kbuf_test_stress_io(struct kbuf_tap *t)
{
	struct kst_model m = { .capacity = 100, .length = 40 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kbuf_io_cases); i++) {
		const struct kbuf_io_case *c = &kbuf_io_cases[i];
		long r = kst_want_read(&m, c->off, c->len);
		long w = kst_want_write(&m, c->off, c->len);

		kbuf_tap(t, r == c->read && w == c->write,
			 "%zu at %llu: read %ld, write %ld (got %ld, %ld)",
			 c->len, (unsigned long long)c->off, c->read, c->write,
			 r, w);
	}
}

struct kbuf_seek_case {
	__u64 pos;
	long long off;
	int whence;
	long want;
};

/* The same buffer: capacity 100, length 40. */
static const struct kbuf_seek_case kbuf_seek_cases[] = {
	{ 5, 0, SEEK_SET, 0 },
	{ 5, 100, SEEK_SET, 100 },
	{ 5, 101, SEEK_SET, -EINVAL },
	{ 5, -1, SEEK_SET, -EINVAL },
	{ 5, 0, SEEK_CUR, 5 },
	{ 5, 10, SEEK_CUR, 15 },
	{ 5, -6, SEEK_CUR, -EINVAL },
	{ 5, 0, SEEK_END, 40 },
	{ 5, 60, SEEK_END, 100 },
	{ 5, 61, SEEK_END, -EINVAL },
	{ 5, 39, SEEK_DATA, 39 },
	{ 5, 40, SEEK_DATA, -ENXIO },
	{ 5, 3, SEEK_HOLE, 40 },
	{ 5, 40, SEEK_HOLE, -ENXIO },
	{ 5, 0, SEEK_HOLE + 1, -EINVAL },
};

static void kbuf_test_stress_seek(struct kbuf_tap *t)
{
	struct kst_model m = { .capacity = 100, .length = 40 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kbuf_seek_cases); i++) {
		const struct kbuf_seek_case *c = &kbuf_seek_cases[i];
		long got = kst_want_seek(&m, c->pos, c->off, c->whence);

		kbuf_tap(t, got == c->want,
			 "lseek(%lld, %d) from %llu goes to %ld (got %ld)",
			 c->off, c->whence, (unsigned long long)c->pos, c->want,
			 got);
	}
}

/* What writes, resizes and clears leave in the model. */
static void kbuf_test_stress_contents(struct kbuf_tap *t)
{
	unsigned char bytes[8192], zeros[4096] = { 0 };
	struct kst_model m = { bytes, 8192, 10, KBUF_BACKEND_KMALLOC, 4 << 20 };

	memset(bytes, 0xaa, sizeof(bytes));
	kst_model_write(&m, 20, (const unsigned char *)"xy", 2);
	kbuf_tap(t,
		 m.length == 22 && !memcmp(bytes + 10, zeros, 10) &&
			 bytes[9] == 0xaa && bytes[20] == 'x',
		 "a write past the length zeroes the gap and moves the length");
	kst_model_resize(&m, 21);
	kbuf_tap(t,
		 m.capacity == 21 && m.length == 21 && bytes[20] == 'x' &&
			 !memcmp(bytes + 21, zeros, sizeof(zeros)),
		 "a resize keeps the start, zeroes the rest, cuts the length");
	kbuf_tap(t, kst_map_size(&m) == 0,
		 "a kmalloc buffer under a page cannot be mapped");
	m.backend = KBUF_BACKEND_VMALLOC;
	m.limit = 1 << 30;
	kbuf_tap(t, kst_map_size(&m) == (__u64)kbuf_page_size(),
		 "a vmalloc buffer maps whole pages");
	kst_model_clear(&m);
	kbuf_tap(t, !m.length && !memcmp(bytes, zeros, 21),
		 "a clear zeroes the bytes and the length");
	kbuf_tap(t,
		 kst_want_resize(&m, 0, false) == -EINVAL &&
			 kst_want_resize(&m, 1 << 30, false) == 0 &&
			 kst_want_resize(&m, (1 << 30) + 1, false) == -EINVAL &&
			 kst_want_resize(&m, 4096, true) == -EBUSY,
		 "vmalloc resizes to 1..1G, never while mapped");
	m.backend = KBUF_BACKEND_PAGES;
	m.limit = 4 << 20;
	kbuf_tap(t, kst_want_resize(&m, (4 << 20) + 1, false) == -EINVAL,
		 "pages resize to 4M at most");
}

int main(void)
{
	struct kbuf_tap t = { 0, 0 };

	kbuf_test_sizes(&t);
	kbuf_test_patterns(&t);
	kbuf_test_fill(&t);
	kbuf_test_names(&t);
	kbuf_test_dev_path(&t);
	kbuf_test_words(&t);
	kbuf_test_format(&t);
	kbuf_test_format_short(&t);
	kbuf_test_kmalloc(&t);
	kbuf_test_runs(&t);
	kbuf_test_picture(&t);
	kbuf_test_splitmix(&t);
	kbuf_test_random_bytes(&t);
	kbuf_test_stress_picks(&t);
	kbuf_test_stress_table(&t);
	kbuf_test_stress_io(&t);
	kbuf_test_stress_seek(&t);
	kbuf_test_stress_contents(&t);
	return kbuf_tap_done(&t);
}
