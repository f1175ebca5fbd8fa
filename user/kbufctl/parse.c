// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl: pure functions for sizes, patterns, names and size classes.
 *
 * Nothing here touches a file or exits: every function returns 0 or a
 * negative errno, so the host unit tests can drive each one directly.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kbufctl.h"

static int kbuf_digit(char c, unsigned int base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parse the number at *sp: decimal, or hexadecimal after "0x". Advances
 * *sp past the digits. No sign, no blanks: "-1" and " 1" are garbage.
 */
static int kbuf_parse_number(const char **sp, __u64 *val)
{
	const char *s = *sp;
	unsigned int base = 10;
	const char *start;
	__u64 v = 0;
	int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (start = s; (d = kbuf_digit(*s, base)) >= 0; s++) {
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (s == start)
		return -EINVAL;
	*sp = s;
	*val = v;
	return 0;
}

/* "", "K", "KiB", "m", "MiB", "G", ...: the shift the suffix stands for. */
static int kbuf_parse_suffix(const char *s, unsigned int *shift)
{
	static const char units[] = "KMG";
	const char *unit;
	char c = *s;

	*shift = 0;
	if (!c)
		return 0;
	if (c >= 'a' && c <= 'z')
		c -= 'a' - 'A';
	unit = strchr(units, c);
	if (!unit)
		return -EINVAL;
	*shift = 10 * (unsigned int)(unit - units + 1);
	if (s[1] && strcmp(s + 1, "iB"))
		return -EINVAL;
	return 0;
}

/**
 * kbuf_parse_size() - parse a byte count such as "4096", "0x1000" or "4K"
 * @s:   the text; K, M and G (optionally KiB, MiB, GiB) mean powers of 1024
 * @out: the value
 *
 * Return: 0, -EINVAL for empty text or garbage, -ERANGE if it overflows
 * 64 bits.
 */
int kbuf_parse_size(const char *s, __u64 *out)
{
	unsigned int shift;
	__u64 v;
	int ret;

	ret = kbuf_parse_number(&s, &v);
	if (ret)
		return ret;
	ret = kbuf_parse_suffix(s, &shift);
	if (ret)
		return ret;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

/* A whole string that is one number, no suffix, at most @max. */
static int kbuf_parse_plain(const char *s, __u64 max, __u64 *out)
{
	__u64 v;
	int ret;

	ret = kbuf_parse_number(&s, &v);
	if (ret)
		return ret;
	if (*s)
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int kbuf_parse_byte(const char *s, unsigned char *byte)
{
	__u64 v;
	int ret = kbuf_parse_plain(s, 0xff, &v);

	if (!ret)
		*byte = (unsigned char)v;
	return ret;
}

/**
 * kbuf_parse_pattern() - parse "seq", "random:SEED" or "byte:0xNN"
 * @s:   the text
 * @pat: the pattern
 *
 * Return: 0, -EINVAL for an unknown pattern or garbage, -ERANGE for a
 * byte over 0xff or a seed over 64 bits.
 */
int kbuf_parse_pattern(const char *s, struct kbuf_pattern *pat)
{
	memset(pat, 0, sizeof(*pat));
	if (!strcmp(s, "seq")) {
		pat->kind = KBUF_PATTERN_SEQ;
		return 0;
	}
	if (!strncmp(s, "random:", 7)) {
		pat->kind = KBUF_PATTERN_RANDOM;
		return kbuf_parse_plain(s + 7, UINT64_MAX, &pat->seed);
	}
	if (!strncmp(s, "byte:", 5)) {
		pat->kind = KBUF_PATTERN_BYTE;
		return kbuf_parse_byte(s + 5, &pat->byte);
	}
	return -EINVAL;
}

#define KBUF_SPLITMIX_GAMMA 0x9e3779b97f4a7c15ULL

/**
 * kbuf_splitmix64_at() - one number of a splitmix64 stream, on its own
 * @seed: the stream's seed
 * @n:    which number: 1 is the first
 *
 * The state after @n steps is @seed + @n * the golden gamma, so any
 * number of the stream can be had without those before it.
 *
 * Return: the @n-th number of the stream.
 */
__u64 kbuf_splitmix64_at(__u64 seed, __u64 n)
{
	__u64 z = seed + n * KBUF_SPLITMIX_GAMMA;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/**
 * kbuf_splitmix64() - the next number of a splitmix64 stream
 * @state: the stream's state, advanced one step
 *
 * Return: the number.
 */
__u64 kbuf_splitmix64(__u64 *state)
{
	*state += KBUF_SPLITMIX_GAMMA;
	return kbuf_splitmix64_at(*state, 0);
}

static unsigned char kbuf_pattern_byte(const struct kbuf_pattern *pat,
				       __u64 off)
{
	__u64 word;

	switch (pat->kind) {
	case KBUF_PATTERN_SEQ:
		/* A prime period: no two pages of a buffer look alike. */
		return (unsigned char)(off % 251);
	case KBUF_PATTERN_RANDOM:
		word = kbuf_splitmix64_at(pat->seed, off / 8 + 1);
		return (unsigned char)(word >> (8 * (off % 8)));
	default:
		return pat->byte;
	}
}

/**
 * kbuf_pattern_fill() - the bytes a pattern puts at [off, off + len)
 * @pat: the pattern
 * @off: offset in the buffer of buf[0]
 * @buf: where to put them
 * @len: how many
 *
 * Every byte depends only on the pattern and its own offset, so any slice
 * can be generated on its own, in any order.
 */
void kbuf_pattern_fill(const struct kbuf_pattern *pat, __u64 off,
		       unsigned char *buf, size_t len)
{
	size_t i;

	if (pat->kind == KBUF_PATTERN_BYTE) {
		memset(buf, pat->byte, len);
		return;
	}
	for (i = 0; i < len; i++)
		buf[i] = kbuf_pattern_byte(pat, off + i);
}

/**
 * kbuf_name_valid() - is @name a buffer name the driver accepts?
 * @name: the name
 *
 * Return: true for 1..31 characters of [a-z0-9_-] other than "control".
 */
bool kbuf_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= KBUF_NAME_LEN || !strcmp(name, "control"))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

/**
 * kbuf_dev_path() - the node a DEV argument names
 * @arg:  a path (anything with a '/') or a bare name under /dev/kbuf
 * @path: the node's path
 * @len:  bytes at @path
 *
 * Return: 0, -EINVAL for an empty argument, -ENAMETOOLONG if it does not fit.
 */
int kbuf_dev_path(const char *arg, char *path, size_t len)
{
	int n;

	if (!*arg)
		return -EINVAL;
	if (strchr(arg, '/'))
		n = snprintf(path, len, "%s", arg);
	else
		n = snprintf(path, len, KBUF_DEV_DIR "/%s", arg);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static const char *const kbuf_backends[] = {
	[KBUF_BACKEND_KMALLOC] = "kmalloc",
	[KBUF_BACKEND_PAGES] = "pages",
	[KBUF_BACKEND_VMALLOC] = "vmalloc",
};

static const char *const kbuf_map_modes[] = {
	[KBUF_MAP_PAGE] = "page",
	[KBUF_MAP_PFN] = "pfn",
};

static const char *const kbuf_gfps[] = {
	[KBUF_GFP_KERNEL] = "kernel",
	[KBUF_GFP_ATOMIC] = "atomic",
};

static int kbuf_lookup(const char *const *words, size_t n, const char *s,
		       __u32 *val)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strcmp(words[i], s)) {
			*val = (__u32)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* "kmalloc", "pages" or "vmalloc" to KBUF_BACKEND_*; 0 or -EINVAL. */
int kbuf_parse_backend(const char *s, __u32 *backend)
{
	return kbuf_lookup(kbuf_backends, ARRAY_SIZE(kbuf_backends), s,
			   backend);
}

/* "kernel" or "atomic" to KBUF_GFP_*; 0 or -EINVAL. */
int kbuf_parse_gfp(const char *s, __u32 *gfp)
{
	return kbuf_lookup(kbuf_gfps, ARRAY_SIZE(kbuf_gfps), s, gfp);
}

/* A NUMA node number, in decimal as sysfs prints it; 0 or -EINVAL. */
int kbuf_parse_node(const char *s, __u32 *node)
{
	__u64 v;

	if (kbuf_digit(s[0], 10) < 0 || (s[0] == '0' && s[1]) ||
	    kbuf_parse_number(&s, &v) || *s || v > INT32_MAX)
		return -EINVAL;
	*node = (__u32)v;
	return 0;
}

/* "page" or "pfn" to its KBUF_CREATE_MAP_* flag; 0 for anything else. */
__u32 kbuf_parse_create_map(const char *s)
{
	__u32 mode;

	if (kbuf_lookup(kbuf_map_modes, ARRAY_SIZE(kbuf_map_modes), s, &mode))
		return 0;
	return mode == KBUF_MAP_PAGE ? KBUF_CREATE_MAP_PAGE :
				       KBUF_CREATE_MAP_PFN;
}

const char *kbuf_backend_name(__u32 backend)
{
	return backend < ARRAY_SIZE(kbuf_backends) ? kbuf_backends[backend] :
						     "unknown";
}

const char *kbuf_map_mode_name(__u32 map_mode)
{
	return map_mode < ARRAY_SIZE(kbuf_map_modes) ?
		       kbuf_map_modes[map_mode] :
		       "unknown";
}

const char *kbuf_gfp_name(__u32 gfp)
{
	return gfp < ARRAY_SIZE(kbuf_gfps) ? kbuf_gfps[gfp] : "unknown";
}

/*
 * @bytes in its largest binary unit @unit (0 B .. 4 TiB) as @whole and
 * @tenth, rounded as lsblk(8) rounds: the fraction is cut to thousandths,
 * then rounded to tenths, carrying into @whole (4095 is 4 K, and 1048575
 * is 1024 K: lsblk does not move to the next unit either). The units stop
 * at T, where lsblk goes on to P and E: no kbuf size comes near.
 */
static void kbuf_size_parts(__u64 bytes, unsigned int *unit, __u64 *whole,
			    unsigned int *tenth)
{
	unsigned int u = 0, shift;
	__u64 rest;

	while (u < 4 && bytes >> (10 * (u + 1)))
		u++;
	shift = 10 * u;
	*unit = u;
	*whole = bytes >> shift;
	rest = bytes & ((1ULL << shift) - 1);
	*tenth = (unsigned int)((((rest * 1000) >> shift) + 50) / 100);
	if (*tenth == 10) {
		(*whole)++;
		*tenth = 0;
	}
}

/* @bytes in @units[unit], the number and the unit joined by @sep. */
static void kbuf_size_print(__u64 bytes, const char *const *units,
			    const char *sep, char *buf, size_t len)
{
	unsigned int u, tenth;
	__u64 whole;

	kbuf_size_parts(bytes, &u, &whole, &tenth);
	if (tenth)
		snprintf(buf, len, "%llu.%u%s%s", (unsigned long long)whole,
			 tenth, sep, units[u]);
	else
		snprintf(buf, len, "%llu%s%s", (unsigned long long)whole, sep,
			 units[u]);
}

/**
 * kbuf_format_size() - a byte count for people: "100 B", "64 KiB", "1.5 MiB"
 * @bytes: the count
 * @buf:   where to write it
 * @len:   bytes at @buf
 */
void kbuf_format_size(__u64 bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };

	kbuf_size_print(bytes, units, " ", buf, len);
}

/**
 * kbuf_format_size_short() - a byte count as lsblk shows it: "64K", "1.5M"
 * @bytes: the count
 * @buf:   where to write it: one word, "100B" below 1 KiB
 * @len:   bytes at @buf
 */
void kbuf_format_size_short(__u64 bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "K", "M", "G", "T" };

	kbuf_size_print(bytes, units, "", buf, len);
}

/*
 * What the driver asks kmalloc for: the capacity, or whole pages once the
 * capacity reaches a page (so those buffers can be mapped).
 */
__u64 kbuf_kmalloc_alloc_size(__u64 capacity, __u64 page_size)
{
	if (capacity < page_size)
		return capacity;
	return (capacity + page_size - 1) / page_size * page_size;
}

/**
 * kbuf_kmalloc_class() - the kmalloc size class that serves @size bytes
 * @size: the request
 *
 * x86-64 with SLUB: 8, 16, 32, 64, 96, 128, 192, then powers of two up to
 * two pages. Larger requests go straight to the page allocator.
 *
 * Return: the class in bytes, or 0 for the page allocator.
 */
__u64 kbuf_kmalloc_class(__u64 size)
{
	__u64 class = 8;

	if (size > KBUF_KMALLOC_MAX_CACHE)
		return 0;
	if (size > 64 && size <= 96)
		return 96;
	if (size > 128 && size <= 192)
		return 192;
	while (class < size)
		class <<= 1;
	return class;
}

/**
 * kbuf_kmalloc_cache_name() - the slab cache that serves @size bytes
 * @size: the request
 * @buf:  its name as /proc/slabinfo spells it ("kmalloc-96", "kmalloc-4k")
 * @len:  bytes at @buf
 *
 * Return: 0, or -E2BIG when the page allocator serves the request.
 */
int kbuf_kmalloc_cache_name(__u64 size, char *buf, size_t len)
{
	__u64 class = kbuf_kmalloc_class(size);

	if (!class)
		return -E2BIG;
	if (class < 1024)
		snprintf(buf, len, "kmalloc-%llu", (unsigned long long)class);
	else
		snprintf(buf, len, "kmalloc-%lluk",
			 (unsigned long long)class / 1024);
	return 0;
}

/* get_order(): the smallest order whose block holds @size bytes. */
unsigned int kbuf_page_order(__u64 size, __u64 page_size)
{
	unsigned int order = 0;

	while (order < 63 && page_size << order < size)
		order++;
	return order;
}
