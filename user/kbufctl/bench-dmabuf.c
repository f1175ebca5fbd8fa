// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl bench --dmabuf: a buffer shared as a dma-buf against the
 * kernel's own exporters, in one run, backend by backend.
 *
 * - "dma-buf new+map": a 4 MiB buffer created through the control node,
 *   its node opened, exported (KBUF_IOC_EXPORT_DMABUF, O_RDWR|O_CLOEXEC),
 *   the dma-buf mapped shared, one byte written per page, unmapped, the
 *   dma-buf and the node closed, the buffer destroyed; against
 *   DMA_HEAP_IOCTL_ALLOC of the system heap (/dev/dma_heap/system) with
 *   the same mapping and touches, and against a sealed memfd made a
 *   dma-buf by UDMABUF_CREATE (/dev/udmabuf), mapped the same way.
 * - "dma-buf export+map": the same without the create and destroy (and
 *   with the node open throughout): an existing 4 MiB buffer exported,
 *   mapped, touched, unmapped and its dma-buf closed; against
 *   UDMABUF_CREATE over a sealed memfd made, sized and touched once
 *   before the timing, mapped and touched the same way. Both wrap memory
 *   that exists already, so this row is the exporter alone, apart from
 *   making a buffer (for kbuf, a device's registration) or filling a memfd.
 *   Part of what it compares: kbuf's mapping of a dma-buf fills its page
 *   tables at mmap() (by pfn), udmabuf's takes a fault at each first touch.
 * - "vgem import": DRM_IOCTL_PRIME_FD_TO_HANDLE of a kbuf dma-buf on
 *   vgem's render node, then DRM_IOCTL_GEM_CLOSE of the handle, against
 *   the same for a dma-buf of the system heap; both dma-bufs are made
 *   before the timing. vgem attaches its device and maps the attachment
 *   (drm_gem_prime_import_dev()); the close unmaps and detaches.
 *
 * A peer this kernel lacks leaves kbuf's figure alone in its row, with no
 * ratio; without vgem there is no import row at all.
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
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "bench.h"
#include "kbuf-drm.h"

#define KBUF_DMABUF_NAME "bench-dmabuf"
#define KBUF_DMABUF_IMPORT_NAME "bench-dmabuf-in"
#define KBUF_DMABUF_HEAP "/dev/dma_heap/system"
#define KBUF_UDMABUF "/dev/udmabuf"

/**
 * struct kbuf_bench_dmabuf - what the run uses, open from start to end
 * @size:     bytes of every buffer
 * @ctl:      /dev/kbuf/control
 * @heap:     /dev/dma_heap/system, or -1 if this kernel has none
 * @udmabuf:  /dev/udmabuf, or -1
 * @vgem:     vgem's render node, or -1
 * @heap_buf: a dma-buf of the system heap for the import peer, or -1
 */
struct kbuf_bench_dmabuf {
	size_t size;
	int ctl;
	int heap;
	int udmabuf;
	int memfd;
	int vgem;
	int heap_buf;
};

/* ---- kbuf's side ----------------------------------------------------- */

/* Open the node of a buffer just made: devtmpfs or udev may lag. */
static int kbuf_bench_open_node(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		kbuf_bench_wait_node(path);
		fd = open(path, O_RDWR | O_CLOEXEC);
	}
	if (fd < 0)
		err(KBUF_EXIT_FAIL, "bench: %s", path);
	return fd;
}

/*
 * Create buffer @name and export it: the dma-buf, and the node's
 * descriptor in @node. Return: the dma-buf, or -errno of the create
 * (@node is -1: nothing to destroy) or of the export (the buffer exists,
 * its node is closed).
 */
static int kbuf_bench_new_export(int ctl, const char *name, __u32 backend,
				 size_t size, int *node)
{
	struct kbuf_export ke = { .flags = O_RDWR | O_CLOEXEC };
	char path[KBUF_PATH_MAX];
	int ret;

	*node = -1;
	ret = kbuf_bench_create(ctl, name, backend, size);
	if (ret)
		return -ret;
	snprintf(path, sizeof(path), KBUF_DEV_DIR "/%s", name);
	*node = kbuf_bench_open_node(path);
	if (!ioctl(*node, KBUF_IOC_EXPORT_DMABUF, &ke))
		return ke.fd;
	ret = -errno;
	close(*node);
	return ret;
}

static void kbuf_bench_dmabuf_destroy(int ctl, const char *name)
{
	int ret = kbuf_bench_destroy(ctl, name);

	if (ret)
		kbuf_bench_fail(ret, "bench: " KBUF_CONTROL_PATH ": destroy");
}

/* Create, export, map and touch, unmap, close, destroy: @op->fd is ctl. */
static void kbuf_bench_op_kbuf_new(struct kbuf_bench_op *op, __u64 n)
{
	int fd, node;

	while (n--) {
		fd = kbuf_bench_new_export(op->fd, op->path, op->backend,
					   op->span, &node);
		if (fd < 0) {
			/* A failed export leaves no buffer behind. */
			if (node >= 0)
				kbuf_bench_destroy(op->fd, op->path);
			kbuf_bench_fail(-fd, node < 0 ? "bench: create" :
							"bench: export");
		}
		kbuf_bench_map_touch(fd, op->span);
		close(fd);
		close(node);
		kbuf_bench_dmabuf_destroy(op->fd, op->path);
	}
}

/* Export the open node @op->fd, map and touch, unmap, close the dma-buf. */
static void kbuf_bench_op_kbuf_export(struct kbuf_bench_op *op, __u64 n)
{
	struct kbuf_export ke;

	while (n--) {
		memset(&ke, 0, sizeof(ke));
		ke.flags = O_RDWR | O_CLOEXEC;
		if (ioctl(op->fd, KBUF_IOC_EXPORT_DMABUF, &ke))
			err(KBUF_EXIT_FAIL, "bench: export");
		kbuf_bench_map_touch((int)ke.fd, op->span);
		close((int)ke.fd);
	}
}

/* ---- the peers --------------------------------------------------------- */

static int kbuf_bench_heap_alloc(int heap, size_t len)
{
	struct dma_heap_allocation_data d = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};

	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d))
		err(KBUF_EXIT_FAIL, "bench: " KBUF_DMABUF_HEAP ": %zu bytes",
		    len);
	return (int)d.fd;
}

/* Allocate from the heap @op->fd, map and touch, unmap, close. */
static void kbuf_bench_op_heap(struct kbuf_bench_op *op, __u64 n)
{
	int fd;

	while (n--) {
		fd = kbuf_bench_heap_alloc(op->fd, op->span);
		kbuf_bench_map_touch(fd, op->span);
		close(fd);
	}
}

/* A memfd of @size bytes that cannot shrink, as UDMABUF_CREATE needs. */
static int kbuf_bench_sealed_memfd(size_t size)
{
	int memfd =
		memfd_create("kbufctl-bench", MFD_ALLOW_SEALING | MFD_CLOEXEC);

	if (memfd < 0 || ftruncate(memfd, (off_t)size) ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		err(KBUF_EXIT_FAIL, "bench: sealed memfd of %zu bytes", size);
	return memfd;
}

/* The memfd @memfd made a dma-buf by @udmabuf (/dev/udmabuf), mapped. */
static void kbuf_bench_udmabuf_map(int udmabuf, int memfd, size_t size)
{
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC };
	int fd;

	c.memfd = (__u32)memfd;
	c.size = size;
	fd = ioctl(udmabuf, UDMABUF_CREATE, &c);
	if (fd < 0)
		err(KBUF_EXIT_FAIL, "bench: " KBUF_UDMABUF ": create");
	kbuf_bench_map_touch(fd, size);
	close(fd);
}

/* A new sealed memfd made a dma-buf by @op->fd (/dev/udmabuf), mapped. */
static void kbuf_bench_op_udmabuf(struct kbuf_bench_op *op, __u64 n)
{
	int memfd;

	while (n--) {
		memfd = kbuf_bench_sealed_memfd(op->span);
		kbuf_bench_udmabuf_map(op->fd, memfd, op->span);
		close(memfd);
	}
}

/* The existing memfd @op->out made a dma-buf by @op->fd, mapped. */
static void kbuf_bench_op_udmabuf_wrap(struct kbuf_bench_op *op, __u64 n)
{
	while (n--)
		kbuf_bench_udmabuf_map(op->fd, op->out, op->span);
}

/* Import the dma-buf @op->fd into vgem (@op->out), close the handle. */
static void kbuf_bench_op_import(struct kbuf_bench_op *op, __u64 n)
{
	struct kbuf_drm_prime_handle p;
	struct kbuf_drm_gem_close c;

	while (n--) {
		memset(&p, 0, sizeof(p));
		p.fd = op->fd;
		if (ioctl(op->out, KBUF_DRM_IOCTL_PRIME_FD_TO_HANDLE, &p))
			err(KBUF_EXIT_FAIL, "bench: vgem: import");
		memset(&c, 0, sizeof(c));
		c.handle = p.handle;
		if (ioctl(op->out, KBUF_DRM_IOCTL_GEM_CLOSE, &c))
			err(KBUF_EXIT_FAIL, "bench: vgem: close of a handle");
	}
}

static void kbuf_bench_dmabuf_open(struct kbuf_bench_dmabuf *d,
				   const struct kbuf_bench_opts *o)
{
	size_t page = (size_t)kbuf_page_size();

	d->size = o->size ? (size_t)o->size : KBUF_DMABUF_SIZE;
	d->size = (d->size + page - 1) / page * page;
	d->ctl = kbuf_bench_ctl_open();
	/* Left-overs of an interrupted run. */
	kbuf_bench_destroy(d->ctl, KBUF_DMABUF_NAME);
	kbuf_bench_destroy(d->ctl, KBUF_DMABUF_IMPORT_NAME);
	d->heap = open(KBUF_DMABUF_HEAP, O_RDONLY | O_CLOEXEC);
	d->udmabuf = open(KBUF_UDMABUF, O_RDWR | O_CLOEXEC);
	d->vgem = kbuf_drm_open_vgem();
	/* The export+map row's peer wraps a memfd whose pages exist. */
	d->memfd = -1;
	if (d->udmabuf >= 0) {
		d->memfd = kbuf_bench_sealed_memfd(d->size);
		kbuf_bench_udmabuf_map(d->udmabuf, d->memfd, d->size);
	}
	d->heap_buf = -1;
	if (d->heap >= 0 && d->vgem >= 0)
		d->heap_buf = kbuf_bench_heap_alloc(d->heap, d->size);
}

static void kbuf_bench_dmabuf_close(struct kbuf_bench_dmabuf *d)
{
	int *fds[] = { &d->heap_buf, &d->vgem, &d->memfd,
		       &d->udmabuf,  &d->heap, &d->ctl };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
}

/* ---- one backend ------------------------------------------------------- */

/* A measurement of @run on @fd, or KBUF_BENCH_NO_PEER if @fd is -1. */
static unsigned int
kbuf_bench_dmabuf_add(struct kbuf_bench *b,
		      void (*run)(struct kbuf_bench_op *op, __u64 n), int fd)
{
	return fd < 0 ? KBUF_BENCH_NO_PEER : kbuf_bench_add(b, run, fd, 0, 0);
}

/*
 * The rows of @backend; @node is a buffer of it, open, and @in a dma-buf
 * of that buffer to import.
 */
static void kbuf_bench_dmabuf_rows(struct kbuf_bench *b,
				   const struct kbuf_bench_dmabuf *d,
				   __u32 backend, int node, int in)
{
	unsigned int m, heap, udma;

	m = kbuf_bench_add(b, kbuf_bench_op_kbuf_new, d->ctl, 0, 0);
	b->meas[m].op.path = KBUF_DMABUF_NAME;
	b->meas[m].op.backend = backend;
	heap = kbuf_bench_dmabuf_add(b, kbuf_bench_op_heap, d->heap);
	udma = kbuf_bench_dmabuf_add(b, kbuf_bench_op_udmabuf, d->udmabuf);
	kbuf_bench_add_row(b, "dma-buf new+map", d->size, KBUF_ROW_US, m, heap,
			   "system heap");
	kbuf_bench_add_row(b, "dma-buf new+map", d->size, KBUF_ROW_US, m, udma,
			   "udmabuf");
	m = kbuf_bench_add(b, kbuf_bench_op_kbuf_export, node, 0, 0);
	udma = kbuf_bench_dmabuf_add(b, kbuf_bench_op_udmabuf_wrap, d->udmabuf);
	if (udma != KBUF_BENCH_NO_PEER)
		b->meas[udma].op.out = d->memfd;
	kbuf_bench_add_row(b, "dma-buf export+map", d->size, KBUF_ROW_US, m,
			   udma, "udmabuf");
	if (d->vgem < 0)
		return;
	m = kbuf_bench_add(b, kbuf_bench_op_import, in, 0, 0);
	b->meas[m].op.out = d->vgem;
	heap = kbuf_bench_dmabuf_add(b, kbuf_bench_op_import, d->heap_buf);
	if (heap != KBUF_BENCH_NO_PEER)
		b->meas[heap].op.out = d->vgem;
	kbuf_bench_add_row(b, "vgem import", d->size, KBUF_ROW_US, m, heap,
			   "system heap");
}

static void kbuf_bench_dmabuf_print(const struct kbuf_bench *b, __u32 backend,
				    bool first)
{
	unsigned int i;

	if (!b->o->json) {
		printf("%sdma-buf: %s, %zu bytes; median of %u [min..max]\n",
		       first ? "" : "\n", kbuf_backend_name(backend), b->size,
		       b->o->repeat);
		kbuf_bench_titles();
		for (i = 0; i < b->nr_rows; i++)
			kbuf_bench_table_row(b, i);
		return;
	}
	printf("%s{\"backend\": \"%s\", \"size\": %zu, \"rows\": [",
	       first ? "\n" : ",\n", kbuf_backend_name(backend), b->size);
	for (i = 0; i < b->nr_rows; i++) {
		fputs(i ? ",\n  " : "\n  ", stdout);
		kbuf_bench_json_row(b, &b->rows[i]);
	}
	fputs("\n]}", stdout);
}

/*
 * The figures of @backend. Its first buffer, the one imported, also tells
 * whether the backend can make and export a buffer of the size at all: not
 * past its limit, and not a kmalloc buffer from a slab cache (EINVAL
 * either way). The backend is left out then, with a warning.
 */
static void kbuf_bench_dmabuf_backend(const struct kbuf_bench_opts *o,
				      const struct kbuf_bench_dmabuf *d,
				      __u32 backend, bool *first)
{
	struct kbuf_bench *b;
	int in, node;

	in = kbuf_bench_new_export(d->ctl, KBUF_DMABUF_IMPORT_NAME, backend,
				   d->size, &node);
	if (in < 0) {
		if (node >= 0)
			kbuf_bench_dmabuf_destroy(d->ctl,
						  KBUF_DMABUF_IMPORT_NAME);
		warnx("bench: %s: %zu bytes cannot be %s: %s",
		      kbuf_backend_name(backend), d->size,
		      node >= 0 ? "exported" : "created", strerror(-in));
		return;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		err(KBUF_EXIT_FAIL, "bench");
	b->o = o;
	b->size = d->size;
	b->null_fd = -1;
	kbuf_bench_dmabuf_rows(b, d, backend, node, in);
	/* All of them take turns: one figure serves two rows. */
	kbuf_bench_run(b);
	kbuf_bench_dmabuf_print(b, backend, *first);
	*first = false;
	fflush(stdout);
	free(b);
	close(in);
	close(node);
	kbuf_bench_dmabuf_destroy(d->ctl, KBUF_DMABUF_IMPORT_NAME);
}

int kbuf_bench_dmabuf(const struct kbuf_bench_opts *o)
{
	static const __u32 backends[] = { KBUF_BACKEND_KMALLOC,
					  KBUF_BACKEND_PAGES,
					  KBUF_BACKEND_VMALLOC };
	struct kbuf_bench_dmabuf d;
	struct utsname u;
	bool first = true;
	unsigned int i;

	kbuf_bench_dmabuf_open(&d, o);
	if (uname(&u))
		err(KBUF_EXIT_FAIL, "bench: uname");
	if (o->json) {
		printf("{\"repeat\": %u, \"time_ms\": %.0f, \"kernel\": ",
		       o->repeat, o->time * 1000);
		kbuf_json_string(stdout, u.release);
		printf(", \"size\": %zu, \"system_heap\": %s, ", d.size,
		       d.heap >= 0 ? "true" : "false");
		printf("\"udmabuf\": %s, \"vgem\": %s, \"buffers\": [",
		       d.udmabuf >= 0 ? "true" : "false",
		       d.vgem >= 0 ? "true" : "false");
	} else {
		printf("kernel %s: system heap %s, udmabuf %s, vgem %s\n\n",
		       u.release, d.heap >= 0 ? "yes" : "no",
		       d.udmabuf >= 0 ? "yes" : "no",
		       d.vgem >= 0 ? "yes" : "no");
	}
	for (i = 0; i < ARRAY_SIZE(backends); i++)
		kbuf_bench_dmabuf_backend(o, &d, backends[i], &first);
	if (o->json)
		fputs("\n]}\n", stdout);
	kbuf_bench_dmabuf_close(&d);
	return KBUF_EXIT_OK;
}
