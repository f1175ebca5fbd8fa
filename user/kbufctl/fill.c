// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl: fill and verify the whole capacity of a buffer with a pattern,
 * through write()/read() or through a mapping.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kbufctl.h"

/**
 * struct kbuf_fill_opts - the options fill and verify share
 * @pat:     the pattern
 * @text:    the pattern as given, for messages
 * @use_map: --via mmap rather than write or read
 */
struct kbuf_fill_opts {
	struct kbuf_pattern pat;
	const char *text;
	bool use_map;
};

static void kbuf_fill_pattern(const char *prog, const char *s,
			      struct kbuf_fill_opts *o)
{
	int ret = kbuf_parse_pattern(s, &o->pat);

	if (ret == -ERANGE)
		kbuf_usage_error(prog, "pattern '%s': value too large", s);
	if (ret)
		kbuf_usage_error(prog, "pattern '%s' is not %s", s,
				 "seq, random:SEED or byte:0xNN");
	o->text = s;
}

/* Parse --pattern and --via; @file_way is "write" or "read". */
static void kbuf_fill_parse(int argc, char **argv, const char *const *help,
			    const char *file_way, struct kbuf_fill_opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = kbuf_getopt(argc, argv, "p,pattern= m,via=", help)) != -1) {
		if (c == 'p')
			kbuf_fill_pattern(argv[0], optarg, o);
		else if (!strcmp(optarg, "mmap"))
			o->use_map = true;
		else if (strcmp(optarg, file_way))
			kbuf_usage_error(argv[0], "--via takes %s or mmap",
					 file_way);
		else
			o->use_map = false;
	}
	if (!o->text)
		kbuf_usage_error(argv[0], "missing --pattern");
}

static size_t kbuf_chunk_at(__u64 off, __u64 end)
{
	return end - off < KBUF_CHUNK ? (size_t)(end - off) : KBUF_CHUNK;
}

static void kbuf_fill_write(struct kbuf_dev *dev,
			    const struct kbuf_pattern *pat)
{
	unsigned char *buf = malloc(KBUF_CHUNK);
	__u64 cap = dev->info.capacity;
	struct kbuf_progress progress;
	size_t n;
	__u64 off;

	if (!buf)
		err(KBUF_EXIT_FAIL, "malloc");
	kbuf_progress_start(&progress, "fill", cap);
	for (off = 0; off < cap; off += n) {
		n = kbuf_chunk_at(off, cap);
		kbuf_pattern_fill(pat, off, buf, n);
		kbuf_dev_pwrite(dev, buf, n, off);
		kbuf_progress_update(&progress, off + n);
	}
	kbuf_progress_end(&progress);
	free(buf);
}

/* Fill through a mapping, then make the data valid for read(). */
static void kbuf_fill_map(struct kbuf_dev *dev, const struct kbuf_pattern *pat)
{
	unsigned char *map = kbuf_dev_map(dev, PROT_READ | PROT_WRITE, 0);
	__u64 cap = dev->info.capacity;
	struct kbuf_progress progress;
	size_t n;
	__u64 off;

	kbuf_progress_start(&progress, "fill", cap);
	for (off = 0; off < cap; off += n) {
		n = kbuf_chunk_at(off, cap);
		kbuf_pattern_fill(pat, off, map + off, n);
		kbuf_progress_update(&progress, off + n);
	}
	kbuf_progress_end(&progress);
	if (munmap(map, dev->info.map_size))
		err(KBUF_EXIT_FAIL, "%s: munmap", dev->path);
	if (ioctl(dev->fd, KBUF_IOC_SET_LENGTH, &cap))
		err(KBUF_EXIT_FAIL, "%s: set length to %llu", dev->path,
		    (unsigned long long)cap);
}

static const char *const kbuf_fill_help[] = {
	"Usage: kbufctl fill DEV --pattern P [--via write|mmap]",
	"",
	"Fill the whole capacity of a buffer with a pattern and make all of",
	"it valid (length = capacity). A progress bar shows on a terminal.",
	"",
	"Patterns:",
	" seq           byte at offset i is i % 251",
	" random:SEED   a pseudo-random stream (splitmix64) from SEED",
	" byte:0xNN     every byte is 0xNN",
	"",
	"Options:",
	" -p, --pattern P   the pattern",
	" -m, --via W       write (default) or mmap",
	" -h, --help        show this help",
	NULL,
};

int kbuf_cmd_fill(int argc, char **argv)
{
	struct kbuf_fill_opts o;
	struct kbuf_dev dev;
	const char *arg;

	kbuf_fill_parse(argc, argv, kbuf_fill_help, "write", &o);
	arg = kbuf_arg_next(argc, argv, "DEV");
	kbuf_args_done(argc, argv);
	kbuf_dev_open(&dev, arg, o.use_map ? O_RDWR : O_WRONLY);
	if (o.use_map)
		kbuf_fill_map(&dev, &o.pat);
	else
		kbuf_fill_write(&dev, &o.pat);
	kbuf_dev_close(&dev);
	return KBUF_EXIT_OK;
}

/* Compare @n bytes found at @off with the pattern; report a mismatch. */
static bool kbuf_check(const struct kbuf_dev *dev,
		       const struct kbuf_pattern *pat, const unsigned char *got,
		       unsigned char *want, size_t n, __u64 off)
{
	size_t i;

	kbuf_pattern_fill(pat, off, want, n);
	if (!memcmp(got, want, n))
		return true;
	i = 0;
	while (got[i] == want[i])
		i++;
	warnx("%s: mismatch at offset %llu: expected 0x%02x, found 0x%02x",
	      dev->path, (unsigned long long)(off + i), want[i], got[i]);
	return false;
}

static bool kbuf_verify_read(struct kbuf_dev *dev,
			     const struct kbuf_pattern *pat,
			     unsigned char *want)
{
	unsigned char *buf = malloc(KBUF_CHUNK);
	__u64 cap = dev->info.capacity;
	struct kbuf_progress progress;
	bool ok = true;
	size_t n;
	__u64 off;

	if (!buf)
		err(KBUF_EXIT_FAIL, "malloc");
	kbuf_progress_start(&progress, "verify", cap);
	for (off = 0; ok && off < cap; off += n) {
		size_t got;

		n = kbuf_chunk_at(off, cap);
		got = kbuf_dev_pread(dev, buf, n, off);
		ok = kbuf_check(dev, pat, buf, want, got, off);
		kbuf_progress_update(&progress, off + got);
		if (ok && got < n) {
			warnx("%s: mismatch at offset %llu: %s %llu", dev->path,
			      (unsigned long long)(off + got),
			      "the data ends there, short of the capacity",
			      (unsigned long long)cap);
			ok = false;
		}
	}
	kbuf_progress_end(&progress);
	free(buf);
	return ok;
}

static bool kbuf_verify_map(struct kbuf_dev *dev,
			    const struct kbuf_pattern *pat, unsigned char *want)
{
	const unsigned char *map = kbuf_dev_map(dev, PROT_READ, 0);
	__u64 cap = dev->info.capacity;
	struct kbuf_progress progress;
	bool ok = true;
	size_t n;
	__u64 off;

	kbuf_progress_start(&progress, "verify", cap);
	for (off = 0; ok && off < cap; off += n) {
		n = kbuf_chunk_at(off, cap);
		ok = kbuf_check(dev, pat, map + off, want, n, off);
		kbuf_progress_update(&progress, off + n);
	}
	kbuf_progress_end(&progress);
	if (munmap((void *)map, dev->info.map_size))
		err(KBUF_EXIT_FAIL, "%s: munmap", dev->path);
	return ok;
}

static const char *const kbuf_verify_help[] = {
	"Usage: kbufctl verify DEV --pattern P [--via read|mmap]",
	"",
	"Check the whole capacity of a buffer against a pattern (see",
	"'kbufctl fill --help'). Through read, data must reach the capacity.",
	"Reports the first mismatching offset and exits 1.",
	"",
	"Options:",
	" -p, --pattern P   the pattern",
	" -m, --via W       read (default) or mmap",
	" -h, --help        show this help",
	NULL,
};

int kbuf_cmd_verify(int argc, char **argv)
{
	unsigned char *want = malloc(KBUF_CHUNK);
	struct kbuf_fill_opts o;
	struct kbuf_dev dev;
	const char *arg;
	bool ok;

	if (!want)
		err(KBUF_EXIT_FAIL, "malloc");
	kbuf_fill_parse(argc, argv, kbuf_verify_help, "read", &o);
	arg = kbuf_arg_next(argc, argv, "DEV");
	kbuf_args_done(argc, argv);
	kbuf_dev_open(&dev, arg, O_RDONLY);
	if (o.use_map)
		ok = kbuf_verify_map(&dev, &o.pat, want);
	else
		ok = kbuf_verify_read(&dev, &o.pat, want);
	if (ok)
		printf("%s: %llu bytes match %s\n", dev.path,
		       (unsigned long long)dev.info.capacity, o.text);
	kbuf_dev_close(&dev);
	free(want);
	return ok ? KBUF_EXIT_OK : KBUF_EXIT_FAIL;
}
