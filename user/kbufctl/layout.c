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
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kbufctl.h"

#define KBUF_PM_PFN_MASK 0x007fffffffffffffULL /* bits 0-54 */
#define KBUF_PM_PRESENT 0x8000000000000000ULL /* bit 63 */
#define KBUF_LAYOUT_CELLS 64
#define KBUF_GLYPH_LEN 3 /* bytes of each UTF-8 glyph below */

static const char kbuf_glyph_solid[] = "\xe2\x96\x88"; /* U+2588 */
static const char *const kbuf_glyph_broken[] = {
	"\xe2\x96\x9a", /* U+259A */
	"\xe2\x96\x9e", /* U+259E */
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
 * kbuf_layout_picture() - one line picturing the runs
 * @pfn:   the frame of each page
 * @n:     pages
 * @cells: at most this many glyphs; each covers a slice of the pages
 * @out:   the UTF-8 picture
 * @len:   bytes at @out
 *
 * A cell is a full block when its pages are contiguous with their
 * predecessors, and a broken glyph (alternating, to show the breaks)
 * when a run breaks inside it.
 */
void kbuf_layout_picture(const __u64 *pfn, size_t n, size_t cells, char *out,
			 size_t len)
{
	size_t c, used = 0;
	const char *glyph;

	if (cells > n)
		cells = n;
	for (c = 0; c < cells && used + KBUF_GLYPH_LEN < len; c++) {
		if (kbuf_slice_solid(pfn, c * n / cells, (c + 1) * n / cells))
			glyph = kbuf_glyph_solid;
		else
			glyph = kbuf_glyph_broken[c % 2];
		memcpy(out + used, glyph, KBUF_GLYPH_LEN);
		used += KBUF_GLYPH_LEN;
	}
	if (len)
		out[used] = '\0';
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
		     "%s: %zu of %zu pages show in /proc/self/pagemap: a pfn mapping hides its frames, and the driver gives no physical address for %s (load kbuf with map_mode=page)",
		     dev->path, present, pages, kbuf_backend_name(in->backend));
	/* kmalloc and pages memory is physically contiguous by construction */
	for (i = 0; i < pages; i++)
		pm[i] = in->phys_addr / (__u64)kbuf_page_size() + i;
	return "the driver's phys_addr (pagemap does not show pfn mappings)";
}

static void kbuf_layout_runs(const __u64 *pfn, size_t pages)
{
	size_t i, start = 0, run = 0;

	for (i = 1; i <= pages; i++) {
		if (i < pages && pfn[i] == pfn[i - 1] + 1)
			continue;
		printf("  run %zu: pages %zu-%zu (%zu), frames 0x%llx-0x%llx\n",
		       run++, start, i - 1, i - start,
		       (unsigned long long)pfn[start],
		       (unsigned long long)pfn[i - 1]);
		start = i;
	}
}

static void kbuf_layout_print(const struct kbuf_dev *dev, const __u64 *pfn,
			      size_t pages, const char *source)
{
	char picture[KBUF_LAYOUT_CELLS * KBUF_GLYPH_LEN + 1];
	const char *backend = kbuf_backend_name(dev->info.backend);
	size_t runs = kbuf_count_runs(pfn, pages);
	char size[32];

	kbuf_format_size(dev->info.capacity, size, sizeof(size));
	kbuf_layout_picture(pfn, pages, KBUF_LAYOUT_CELLS, picture,
			    sizeof(picture));
	printf("%s", dev->info.name);
	if (strcmp(dev->info.name, backend))
		printf(" (%s)", backend);
	printf("  %s  %zu page%s  %zu %-4s  %s\n", size, pages,
	       pages == 1 ? "" : "s", runs, runs == 1 ? "run" : "runs",
	       picture);
	printf("  frames from %s\n", source);
}

static const char *const kbuf_layout_help[] = {
	"Usage: kbufctl layout DEV [--runs]",
	"",
	"Map the buffer and show how its pages land on physical frames:",
	"runs of contiguous frames, their number, and a picture of up to 64",
	"cells (a full block: contiguous with what precedes it; a broken",
	"glyph: a run breaks there). kmalloc and the page allocator give one",
	"run; vmalloc memory is only virtually contiguous.",
	"Needs CAP_SYS_ADMIN: others see every frame number as 0.",
	"",
	"Options:",
	" -R, --runs   list every run with its pages and frames",
	" -h, --help   show this help",
	NULL,
};

int kbuf_cmd_layout(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool list_runs = false;
	struct kbuf_dev dev;
	const char *source;
	const char *arg;
	size_t pages;
	__u64 *pfn;
	const char *const *help = kbuf_layout_help;
	int c;

	while ((c = kbuf_getopt(argc, argv, "Rh", opts, help)) != -1)
		if (c == 'R')
			list_runs = true;
	arg = kbuf_arg_next(argc, argv, "DEV");
	kbuf_args_done(argc, argv);
	kbuf_dev_open(&dev, arg, O_RDONLY);
	pages = (size_t)(dev.info.map_size / (__u64)kbuf_page_size());
	pfn = kbuf_pagemap_read(&dev, pages);
	source = kbuf_frames(&dev, pfn, pages);
	kbuf_layout_print(&dev, pfn, pages, source);
	if (list_runs)
		kbuf_layout_runs(pfn, pages);
	free(pfn);
	kbuf_dev_close(&dev);
	return KBUF_EXIT_OK;
}
