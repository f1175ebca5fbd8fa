// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl bench --scaling: buffers of growing size made through the
 * control node, backend by backend, one size past each backend's limit:
 * how creating, reading and mapping them move with their size, and where
 * each backend stops.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bench.h"

/**
 * struct kbuf_bench_scale - one buffer size tried in the scaling run
 * @backend: KBUF_BACKEND_*
 * @size:    capacity asked for
 * @err:     errno of the failed create, or 0
 * @create:  seconds per create, one per sample
 * @read:    read of 64 KiB blocks against tmpfs, MB/s, if measured
 * @mmap:    mmap and first touch against memfd, us, if measured
 */
struct kbuf_bench_scale {
	__u32 backend;
	__u64 size;
	int err;
	struct kbuf_bench_stat create;
	double read[2];
	double mmap[2];
};

static int kbuf_bench_scale_destroy(void)
{
	int ctl = kbuf_bench_ctl_open();
	int ret = kbuf_bench_destroy(ctl, KBUF_SCALE_NAME);

	close(ctl);
	return ret;
}

/* Create @s->size with @s->backend @repeat times, timing each create. */
static void kbuf_bench_scale_create(struct kbuf_bench_scale *s,
				    unsigned int repeat)
{
	double t[KBUF_BENCH_MAX_REPEAT] = { 0 };
	unsigned int i;
	int ret;

	for (i = 0; i < repeat; i++) {
		double t0 = kbuf_now();
		int ctl = kbuf_bench_ctl_open();

		s->err = kbuf_bench_create(ctl, KBUF_SCALE_NAME, s->backend,
					   s->size);
		close(ctl);
		t[i] = (kbuf_now() - t0) * 1e6;
		if (s->err)
			return;
		if (i + 1 == repeat)
			break;
		ret = kbuf_bench_scale_destroy();
		if (ret)
			kbuf_bench_fail(ret, KBUF_CONTROL_PATH ": destroy");
	}
	s->create = kbuf_bench_stat_of(t, repeat);
}

/* The read and mmap figures of the buffer just created. */
static void kbuf_bench_scale_figures(const struct kbuf_bench_opts *o,
				     struct kbuf_bench_scale *s)
{
	struct kbuf_bench_opts so = *o;
	struct kbuf_bench *b;
	struct kbuf_bench_stat st;
	unsigned int i;

	so.nr_blocks = 1;
	so.blocks[0] = KBUF_BENCH_THREAD_BLOCK;
	b = kbuf_bench_new(&so, KBUF_DEV_DIR "/" KBUF_SCALE_NAME);
	if (b->io)
		kbuf_bench_add_pair(b, "read", kbuf_bench_op_pread,
				    KBUF_BENCH_THREAD_BLOCK);
	kbuf_bench_add_map(b);
	kbuf_bench_run(b);
	for (i = 0; i < b->nr_rows; i++) {
		double *f = b->rows[i].kind == KBUF_ROW_RATE ? s->read :
							       s->mmap;

		st = kbuf_bench_row_stat(b, &b->rows[i], false);
		f[0] = st.med;
		st = kbuf_bench_row_stat(b, &b->rows[i], true);
		f[1] = st.med;
	}
	kbuf_bench_free(b);
}

static void kbuf_bench_scale_one(const struct kbuf_bench_opts *o,
				 struct kbuf_bench_scale *s)
{
	int ret;

	memset(s->read, 0, sizeof(s->read));
	memset(s->mmap, 0, sizeof(s->mmap));
	kbuf_bench_scale_create(s, o->repeat);
	if (s->err)
		return;
	kbuf_bench_wait_node(KBUF_DEV_DIR "/" KBUF_SCALE_NAME);
	if (s->size <= KBUF_SCALE_MAP_MAX)
		kbuf_bench_scale_figures(o, s);
	ret = kbuf_bench_scale_destroy();
	if (ret)
		kbuf_bench_fail(ret, KBUF_CONTROL_PATH ": destroy");
}

static void kbuf_bench_scale_print(const struct kbuf_bench_opts *o,
				   const struct kbuf_bench_scale *s, bool first)
{
	char size[KBUF_BENCH_NUM_LEN], c[KBUF_BENCH_STR_LEN], r[64], m[64];
	const char *be = kbuf_backend_name(s->backend);

	kbuf_format_size(s->size, size, sizeof(size));
	if (o->json) {
		printf("%s{\"backend\": \"%s\", \"size\": %llu, ",
		       first ? "\n  " : ",\n  ", be,
		       (unsigned long long)s->size);
		printf("\"error\": \"%s\"", s->err ? strerror(s->err) : "");
		if (!s->err) {
			fputs(", ", stdout);
			kbuf_bench_json_stat("create_us", &s->create);
		}
		printf(", \"read_mbs\": %.6g, \"read_tmpfs_mbs\": %.6g",
		       s->read[0], s->read[1]);
		printf(", \"mmap_us\": %.6g, \"mmap_memfd_us\": %.6g}",
		       s->mmap[0], s->mmap[1]);
		return;
	}
	if (s->err) {
		printf("%-8s %-9s %s\n", be, size, strerror(s->err));
		return;
	}
	kbuf_bench_stat_str(&s->create, c, sizeof(c));
	snprintf(r, sizeof(r), "-");
	snprintf(m, sizeof(m), "-");
	if (s->read[1] > 0)
		snprintf(r, sizeof(r), "%.0f (%.2fx tmpfs)", s->read[0],
			 s->read[0] / s->read[1]);
	if (s->mmap[1] > 0)
		snprintf(m, sizeof(m), "%.0f (%.2fx memfd)", s->mmap[0],
			 s->mmap[0] / s->mmap[1]);
	printf("%-8s %-9s %-28s %-24s %s\n", be, size, c, r, m);
}

int kbuf_bench_scaling(const struct kbuf_bench_opts *o)
{
	/* One size past each backend's limit shows where it stops. */
	static const __u64 kmalloc_sizes[] = { 64 << 10, 256 << 10, 1 << 20,
					       4 << 20, 8 << 20 };
	static const __u64 vmalloc_sizes[] = { 64 << 10,  1 << 20,   16 << 20,
					       64 << 20,  256 << 20, 1 << 30,
					       2ULL << 30 };
	static const __u32 backends[] = { KBUF_BACKEND_KMALLOC,
					  KBUF_BACKEND_PAGES,
					  KBUF_BACKEND_VMALLOC };
	struct kbuf_bench_scale s;
	bool first = true;
	unsigned int i, j;

	kbuf_bench_scale_destroy(); /* a left-over of an interrupted run */
	if (o->json)
		fputs("{\"scaling\": [", stdout);
	else
		printf("%-8s %-9s %-28s %-24s %s\n", "BACKEND", "SIZE",
		       "CREATE us [min..max]", "READ 64K MB/s",
		       "MMAP+TOUCH us");
	for (i = 0; i < ARRAY_SIZE(backends); i++) {
		const __u64 *sizes = backends[i] == KBUF_BACKEND_VMALLOC ?
					     vmalloc_sizes :
					     kmalloc_sizes;
		size_t n = backends[i] == KBUF_BACKEND_VMALLOC ?
				   ARRAY_SIZE(vmalloc_sizes) :
				   ARRAY_SIZE(kmalloc_sizes);

		for (j = 0; j < n; j++) {
			s.backend = backends[i];
			s.size = sizes[j];
			kbuf_bench_scale_one(o, &s);
			kbuf_bench_scale_print(o, &s, first);
			first = false;
			fflush(stdout);
		}
	}
	if (o->json)
		fputs("\n]}\n", stdout);
	return KBUF_EXIT_OK;
}
