// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of kbufctl's pure functions: sizes, patterns, names,
 * size classes and the layout picture. Built with ASan and UBSan by
 * "make unit"; prints TAP and exits 1 if any test fails.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbufctl.h"

/**
 * struct kbuf_tap - the TAP stream
 * @n:      tests run
 * @failed: tests failed
 */
struct kbuf_tap {
	int n;
	int failed;
};

static void kbuf_tap(struct kbuf_tap *t, bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++t->n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		t->failed++;
}

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
};

static void kbuf_test_format(struct kbuf_tap *t)
{
	char buf[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kbuf_format_cases); i++) {
		const struct kbuf_format_case *c = &kbuf_format_cases[i];

		kbuf_format_size(c->bytes, buf, sizeof(buf));
		kbuf_tap(t, !strcmp(buf, c->text),
			 "%llu bytes read \"%s\" (got \"%s\")",
			 (unsigned long long)c->bytes, c->text, buf);
	}
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
	kbuf_test_kmalloc(&t);
	kbuf_test_runs(&t);
	kbuf_test_picture(&t);
	printf("1..%d\n", t.n);
	if (t.failed)
		printf("# %d of %d failed\n", t.failed, t.n);
	return t.failed ? 1 : 0;
}
