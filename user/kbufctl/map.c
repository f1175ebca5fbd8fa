// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl map: mmap a buffer, maybe write through the mapping, print what
 * the mapping shows, maybe hold it so tests can watch a mapped buffer.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kbufctl.h"

#define KBUF_HOLD_MAX (365 * 86400)

/**
 * struct kbuf_map_opts - what "kbufctl map" was asked to do
 * @offset:     mmap offset
 * @length:     mmap length, or 0 for "the rest of the buffer"
 * @write:      string to write at the start of the mapping, or NULL
 * @hold:       seconds to keep the mapping before unmapping it
 */
struct kbuf_map_opts {
	__u64 offset;
	__u64 length;
	const char *write;
	__u64 hold;
};

static const char *const kbuf_map_help[] = {
	"Usage: kbufctl map DEV [--offset N] [--length N] [--write STR]",
	"                       [--hold SECONDS]",
	"",
	"Map a buffer MAP_SHARED, optionally write STR at the start of the",
	"mapping, then print what the mapping shows: its bytes up to the",
	"buffer's length or the end of STR, whichever is further. Writes",
	"through a mapping do not change the length.",
	"",
	"Options:",
	" -O, --offset N       map from byte N (a multiple of the page size)",
	" -l, --length N       map N bytes (default: up to the end)",
	" -w, --write STR      write STR through the mapping (opens O_RDWR)",
	" -H, --hold SECONDS   keep the mapping that long before unmapping",
	" -h, --help           show this help",
	NULL,
};

static void kbuf_map_parse(int argc, char **argv, struct kbuf_map_opts *o)
{
	static const char spec[] = "O,offset= l,length= w,write= H,hold=";
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = kbuf_getopt(argc, argv, spec, kbuf_map_help)) != -1) {
		if (c == 'O')
			o->offset = kbuf_arg_size(argv[0], "offset", optarg);
		else if (c == 'l')
			o->length = kbuf_arg_size(argv[0], "length", optarg);
		else if (c == 'w')
			o->write = optarg;
		else if (kbuf_parse_size(optarg, &o->hold) ||
			 o->hold > KBUF_HOLD_MAX)
			kbuf_usage_error(argv[0],
					 "--hold takes whole seconds, %s",
					 "at most a year");
	}
}

/* The length to map: as asked, or the rest of map_size (at least a page). */
static __u64 kbuf_map_length(const struct kbuf_dev *dev,
			     const struct kbuf_map_opts *o)
{
	if (o->length)
		return o->length;
	if (o->offset < dev->info.map_size)
		return dev->info.map_size - o->offset;
	/* Let the driver say why this cannot be mapped. */
	return (__u64)kbuf_page_size();
}

static void *kbuf_map_region(struct kbuf_dev *dev,
			     const struct kbuf_map_opts *o, __u64 len)
{
	int prot = PROT_READ | (o->write ? PROT_WRITE : 0);
	void *map;

	map = mmap(NULL, len, prot, MAP_SHARED, dev->fd, (off_t)o->offset);
	if (map != MAP_FAILED)
		return map;
	if (!dev->info.map_size)
		errx(KBUF_EXIT_FAIL,
		     "%s: mmap: %s (map size 0: a kmalloc buffer smaller than a page owns no whole page)",
		     dev->path, strerror(errno));
	err(KBUF_EXIT_FAIL, "%s: mmap of %llu bytes at offset %llu", dev->path,
	    (unsigned long long)len, (unsigned long long)o->offset);
}

/* Bytes to print: up to the length, or to the end of what was written. */
static size_t kbuf_map_shown(const struct kbuf_dev *dev,
			     const struct kbuf_map_opts *o, __u64 len)
{
	__u64 n = 0;

	if (dev->info.length > o->offset)
		n = dev->info.length - o->offset;
	if (o->write && strlen(o->write) > n)
		n = strlen(o->write);
	return n < len ? (size_t)n : (size_t)len;
}

static void kbuf_map_hold(const struct kbuf_dev *dev, __u64 len, __u64 secs)
{
	unsigned int left = (unsigned int)secs;

	fprintf(stderr, "kbufctl: %s: holding %llu mapped bytes for %u s\n",
		dev->path, (unsigned long long)len, left);
	while (left)
		left = sleep(left);
}

int kbuf_cmd_map(int argc, char **argv)
{
	struct kbuf_map_opts o;
	struct kbuf_dev dev;
	const char *arg;
	unsigned char *map;
	__u64 len;

	kbuf_map_parse(argc, argv, &o);
	arg = kbuf_arg_next(argc, argv, "DEV");
	kbuf_args_done(argc, argv);
	kbuf_dev_open(&dev, arg, o.write ? O_RDWR : O_RDONLY);
	len = kbuf_map_length(&dev, &o);
	map = kbuf_map_region(&dev, &o, len);
	if (o.write)
		memcpy(map, o.write, strnlen(o.write, (size_t)len));
	kbuf_write_stdout(map, kbuf_map_shown(&dev, &o, len));
	if (o.hold)
		kbuf_map_hold(&dev, len, o.hold);
	if (munmap(map, (size_t)len))
		err(KBUF_EXIT_FAIL, "%s: munmap", dev.path);
	kbuf_dev_close(&dev);
	return KBUF_EXIT_OK;
}
