// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl bench: how fast a buffer is, measured in one process and one run
 * side by side with what a user would take instead: a tmpfs file of the
 * same size, /dev/zero, memcpy() between two user buffers, a memfd mapped
 * with MAP_POPULATE, anonymous memory. With --scaling, how creating,
 * reading and mapping a buffer move with its size, backend by backend,
 * and where each backend stops. With --dmabuf, a buffer made, exported
 * and mapped as a dma-buf against the system heap and udmabuf, and its
 * import into vgem against a heap buffer's.
 *
 * Every figure is the median of --repeat samples, min and max beside it.
 * A sample lasts about --time milliseconds: five slices that repeat one
 * operation a number of times calibrated once, of which the fastest counts;
 * the slices of a figure and of its peer take turns. What matters are the
 * ratios: the test bed is emulated and shared, so absolute speeds mean
 * little there.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static const __u64 kbuf_bench_default_blocks[] = { 64, 4096, 65536, 1048576 };

static const char *const kbuf_bench_help[] = {
	"Usage: kbufctl bench [--size SIZE] [--block SIZE,...] [--repeat N]",
	"                     [--time MS] [--json] [--quiet] DEV...",
	"       kbufctl bench --scaling [--repeat N] [--time MS] [--json]",
	"       kbufctl bench --dmabuf [--size SIZE] [--repeat N] [--time MS]",
	"                     [--json]",
	"",
	"Measure each buffer side by side with what a user would take",
	"instead, in one run: read and write per block size against a tmpfs",
	"file of the same size and against memcpy, sendfile of the whole",
	"buffer to /dev/null against the same from the tmpfs file, the cost",
	"of a 64-byte read against /dev/zero, mmap and first touch against",
	"memfd with MAP_POPULATE, access through the mapping against",
	"anonymous memory, and two reader threads against one. Each figure is",
	"the median of N samples [min..max] with its ratio to the peer; each",
	"row is printed as soon as it is measured. The",
	"buffer's data are overwritten. --scaling creates buffers of growing",
	"size with each backend instead (needs CAP_SYS_ADMIN). --dmabuf times,",
	"per backend, create + export + mmap + touch of a 4 MiB buffer",
	"against the dma-buf system heap and udmabuf, and a vgem import of",
	"its dma-buf against one of the heap's (needs CAP_SYS_ADMIN); a peer",
	"this kernel lacks shows as -.",
	"",
	"Options:",
	" -s, --size SIZE      bytes of each buffer to use (default: all;",
	"                      4M with --dmabuf)",
	" -k, --block LIST     bytes per call, comma-separated",
	"                      (default: 64,4K,64K,1M)",
	" -c, --repeat N       samples per figure, 1 to 99 (default: 5)",
	" -i, --time MS        length of a sample, 1 to 10000 (default: 100)",
	" -j, --json           print JSON instead of a table",
	"     --scaling        the scaling run (no DEV)",
	"     --dmabuf         the dma-buf run (no DEV)",
	" -q, --quiet          no progress line on a terminal",
	" -h, --help           show this help",
	NULL,
};

/* Exit 1 with @what and the error text of @error. */
noreturn void kbuf_bench_fail(int error, const char *what)
{
	errx(KBUF_EXIT_FAIL, "%s: %s", what, strerror(error));
}

/* ---- options ------------------------------------------------------------- */

static void kbuf_bench_block(const char *prog, const char *tok, void *arg)
{
	struct kbuf_bench_opts *o = arg;
	__u64 v = kbuf_arg_size(prog, "block", tok);

	if (!v || v > KBUF_BENCH_MAX_BLOCK)
		kbuf_usage_error(prog, "block '%s' is not 1 to 1G", tok);
	if (o->nr_blocks == KBUF_BENCH_MAX_BLOCKS)
		kbuf_usage_error(prog, "more than %d block sizes",
				 KBUF_BENCH_MAX_BLOCKS);
	o->blocks[o->nr_blocks++] = v;
}

static void kbuf_bench_blocks(const char *prog, const char *list,
			      struct kbuf_bench_opts *o)
{
	o->nr_blocks = 0;
	if (!kbuf_arg_list(prog, list, "bench", kbuf_bench_block, o))
		kbuf_usage_error(prog, "--block needs at least one size");
}

static void kbuf_bench_option(const char *prog, int c,
			      struct kbuf_bench_opts *o)
{
	o->json |= c == 'j';
	o->scaling |= c == 'A';
	o->dmabuf |= c == 'D';
	o->quiet |= c == 'q';
	switch (c) {
	case 's':
		o->size = kbuf_arg_size(prog, "size", optarg);
		if (!o->size)
			kbuf_usage_error(prog, "--size must not be 0");
		break;
	case 'k':
		kbuf_bench_blocks(prog, optarg, o);
		break;
	case 'c':
		o->repeat = kbuf_arg_count(prog, "repeat", optarg,
					   KBUF_BENCH_MAX_REPEAT);
		break;
	case 'i':
		o->time = kbuf_arg_count(prog, "time", optarg,
					 KBUF_BENCH_MAX_TIME) /
			  1000.0;
		break;
	}
}

static void kbuf_bench_parse(int argc, char **argv, struct kbuf_bench_opts *o)
{
	static const char spec[] =
		"s,size= k,block= c,repeat= i,time= j,json A.scaling D.dmabuf q,quiet";
	int c;

	memset(o, 0, sizeof(*o));
	memcpy(o->blocks, kbuf_bench_default_blocks,
	       sizeof(kbuf_bench_default_blocks));
	o->nr_blocks = ARRAY_SIZE(kbuf_bench_default_blocks);
	o->repeat = 5;
	o->time = 0.1;
	while ((c = kbuf_getopt(argc, argv, spec, kbuf_bench_help)) != -1)
		kbuf_bench_option(argv[0], c, o);
	if (o->scaling && o->dmabuf)
		kbuf_usage_error(argv[0], "--scaling or --dmabuf, not both");
	if ((o->scaling || o->dmabuf) && optind < argc)
		kbuf_usage_error(argv[0], "--%s takes no DEV",
				 o->scaling ? "scaling" : "dmabuf");
	if (!o->scaling && !o->dmabuf && optind >= argc)
		kbuf_usage_error(argv[0], "missing DEV");
}

int kbuf_cmd_bench(int argc, char **argv)
{
	struct kbuf_bench_opts o;
	bool first = true;

	kbuf_bench_parse(argc, argv, &o);
	if (o.scaling)
		return kbuf_bench_scaling(&o);
	if (o.dmabuf)
		return kbuf_bench_dmabuf(&o);
	if (o.json)
		printf("{\"repeat\": %u, \"time_ms\": %.0f, \"buffers\": [\n",
		       o.repeat, o.time * 1000);
	for (; optind < argc; optind++) {
		kbuf_bench_dev(&o, argv[optind], first);
		first = false;
	}
	if (o.json)
		fputs("\n]}\n", stdout);
	return KBUF_EXIT_OK;
}
