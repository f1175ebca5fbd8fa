// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf-hammer: threads racing on kbuf buffers, one descriptor and many.
 *
 *   kbuf-hammer [-t THREADS] [-s SECONDS] [-R SIZE[,SIZE]...] [-m] DEV...
 *
 * Each thread works on one of the devices, half of them through one
 * descriptor shared per device (so f_pos is shared), half through a
 * descriptor of their own. They read, pread, write, pwrite, lseek, ask
 * KBUF_IOC_INFO, set the length and clear; with -R they also resize to
 * one of the given sizes, with -m they map, scan and unmap.
 *
 * Every byte written is 0xa5, so every byte read (by read, pread or
 * through a mapping) must be 0xa5 or 0: anything else is stale or freed
 * memory. Every result must be one the contract allows. At the end the
 * buffer's open count and mappings must match what the process holds.
 * Prints "ok OPS" and exits 0, or prints the first violation and exits 1.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

#include "kbuf-test.h"

#define MAX_DEVS 8
#define MAX_SIZES 8
#define MAX_THREADS 64
#define IO_MAX 16384
#define BYTE 0xa5

struct hdev {
	const char *path;
	int shared_fd;
	__u64 sizes[MAX_SIZES + 1];
	int nsizes;
};

struct worker {
	pthread_t tid;
	struct hdev *dev;
	int fd;
	int own_fd;
	unsigned long long seed;
	unsigned long ops;
};

static struct hdev devs[MAX_DEVS];
static int ndevs, do_mmap;
static __u64 resize_sizes[MAX_SIZES];
static int nresize;
static atomic_int stop;
static atomic_int failed;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

static void bad_usage(void)
{
	errx(KT_USAGE,
	     "usage: kbuf-hammer [-t N] [-s SECONDS] [-R SIZE,...] [-m] DEV...");
}

static void fail(struct worker *w, const char *what, int e)
{
	pthread_mutex_lock(&report_lock);
	if (!atomic_exchange(&failed, 1))
		printf("%s: %s: %s\n", w->dev->path, what,
		       e ? kt_errname(e) : "bad result");
	pthread_mutex_unlock(&report_lock);
	atomic_store(&stop, 1);
}

static unsigned long long rnd(struct worker *w)
{
	w->seed ^= w->seed << 13;
	w->seed ^= w->seed >> 7;
	w->seed ^= w->seed << 17;
	return w->seed;
}

static __u64 max_capacity(struct hdev *d)
{
	__u64 m = 0;
	int i;

	for (i = 0; i < d->nsizes; i++)
		if (d->sizes[i] > m)
			m = d->sizes[i];
	return m;
}

static int known_capacity(struct hdev *d, __u64 cap)
{
	int i;

	for (i = 0; i < d->nsizes; i++)
		if (d->sizes[i] == cap)
			return 1;
	return 0;
}

static int clean(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] && p[i] != BYTE)
			return 0;
	return 1;
}

static void op_read(struct worker *w, unsigned char *buf, int positional)
{
	size_t n = 1 + rnd(w) % IO_MAX;
	off_t off = rnd(w) % (max_capacity(w->dev) + 1);
	ssize_t ret;

	ret = positional ? pread(w->fd, buf, n, off) : read(w->fd, buf, n);
	if (ret < 0)
		fail(w, positional ? "pread" : "read", errno);
	else if ((size_t)ret > n || !clean(buf, ret))
		fail(w, positional ? "pread data" : "read data", 0);
}

static void op_write(struct worker *w, unsigned char *buf, int positional)
{
	size_t n = 1 + rnd(w) % IO_MAX;
	off_t off = rnd(w) % (max_capacity(w->dev) + 1);
	ssize_t ret;

	ret = positional ? pwrite(w->fd, buf, n, off) : write(w->fd, buf, n);
	if (ret < 0 && errno != ENOSPC)
		fail(w, positional ? "pwrite" : "write", errno);
	else if (ret > (ssize_t)n || ret == 0)
		fail(w, positional ? "pwrite count" : "write count", 0);
}

static void op_seek(struct worker *w)
{
	static const int whence[] = { SEEK_SET, SEEK_CUR, SEEK_END };
	__u64 cap = max_capacity(w->dev);
	off_t off = (off_t)(rnd(w) % (cap + 1)) - (off_t)(cap / 2);
	off_t ret;

	ret = lseek(w->fd, off, whence[rnd(w) % 3]);
	if (ret < 0 && errno != EINVAL)
		fail(w, "lseek", errno);
	else if (ret > (off_t)cap)
		fail(w, "lseek beyond capacity", 0);
}

static void op_info(struct worker *w)
{
	struct kbuf_info info;

	if (ioctl(w->fd, KBUF_IOC_INFO, &info) < 0)
		fail(w, "KBUF_IOC_INFO", errno);
	else if (!known_capacity(w->dev, info.capacity) ||
		 info.length > info.capacity)
		fail(w, "KBUF_IOC_INFO capacity/length", 0);
}

static void op_set_length(struct worker *w)
{
	__u64 len = rnd(w) % (max_capacity(w->dev) + 1);

	if (ioctl(w->fd, KBUF_IOC_SET_LENGTH, &len) < 0 && errno != EINVAL)
		fail(w, "KBUF_IOC_SET_LENGTH", errno);
}

static void op_clear(struct worker *w)
{
	if (ioctl(w->fd, KBUF_IOC_CLEAR) < 0)
		fail(w, "KBUF_IOC_CLEAR", errno);
}

static void op_resize(struct worker *w)
{
	__u64 size = resize_sizes[rnd(w) % nresize];

	if (ioctl(w->fd, KBUF_IOC_RESIZE, &size) < 0 && errno != EBUSY)
		fail(w, "KBUF_IOC_RESIZE", errno);
}

static void op_mmap(struct worker *w)
{
	struct kbuf_info info;
	unsigned char *p;

	if (ioctl(w->fd, KBUF_IOC_INFO, &info) < 0) {
		fail(w, "KBUF_IOC_INFO", errno);
		return;
	}
	if (!info.map_size)
		return;
	p = mmap(NULL, info.map_size, PROT_READ, MAP_SHARED, w->fd, 0);
	if (p == MAP_FAILED) {
		/* A resize may have shrunk the buffer since INFO. */
		if (errno != EINVAL || !nresize)
			fail(w, "mmap", errno);
		return;
	}
	if (!clean(p, info.map_size))
		fail(w, "mapping data", 0);
	munmap(p, info.map_size);
}

static void *worker(void *arg)
{
	struct worker *w = arg;
	unsigned char *rbuf = malloc(IO_MAX), *wbuf = malloc(IO_MAX);
	unsigned int op;

	if (!rbuf || !wbuf)
		err(KT_USAGE, "malloc");
	memset(wbuf, BYTE, IO_MAX);
	while (!atomic_load(&stop)) {
		op = rnd(w) % 100;
		if (op < 20)
			op_read(w, rbuf, 1);
		else if (op < 35)
			op_read(w, rbuf, 0);
		else if (op < 50)
			op_write(w, wbuf, 1);
		else if (op < 60)
			op_write(w, wbuf, 0);
		else if (op < 75)
			op_seek(w);
		else if (op < 85)
			op_info(w);
		else if (op < 92)
			op_set_length(w);
		else if (op < 93)
			op_clear(w);
		else if (op < 96 && nresize)
			op_resize(w);
		else if (do_mmap)
			op_mmap(w);
		w->ops++;
	}
	free(rbuf);
	free(wbuf);
	return NULL;
}

static void parse_sizes(char *s)
{
	char *tok;

	for (tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		if (nresize == MAX_SIZES)
			errx(KT_USAGE, "at most %d sizes", MAX_SIZES);
		resize_sizes[nresize++] = kt_u64(tok);
	}
}

static int open_dev(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		err(1, "%s", path);
	return fd;
}

/* After the run: what the driver counts must match what we hold. */
static int final_check(struct worker *ws, int nthreads)
{
	struct kbuf_info info;
	int d, t, fd, held, bad = 0;

	for (d = 0; d < ndevs; d++) {
		held = 1;
		for (t = 0; t < nthreads; t++)
			held += ws[t].dev == &devs[d] && ws[t].own_fd;
		fd = open_dev(devs[d].path);
		if (ioctl(fd, KBUF_IOC_INFO, &info) < 0)
			err(1, "%s: KBUF_IOC_INFO", devs[d].path);
		if (info.opens != (__u64)held + 1 || info.mappings ||
		    info.length > info.capacity ||
		    !known_capacity(&devs[d], info.capacity)) {
			printf("%s: opens %llu (want %d) mappings %llu length %llu capacity %llu\n",
			       devs[d].path, (unsigned long long)info.opens,
			       held + 1, (unsigned long long)info.mappings,
			       (unsigned long long)info.length,
			       (unsigned long long)info.capacity);
			bad = 1;
		}
		close(fd);
	}
	return bad;
}

/* The buffers named on the command line, each with its resize sizes. */
static void open_devs(char **paths)
{
	struct kbuf_info info;
	int d;

	for (d = 0; d < ndevs; d++) {
		devs[d].path = paths[d];
		devs[d].shared_fd = open_dev(devs[d].path);
		if (ioctl(devs[d].shared_fd, KBUF_IOC_INFO, &info) < 0)
			err(1, "%s: KBUF_IOC_INFO", devs[d].path);
		devs[d].sizes[0] = info.capacity;
		memcpy(devs[d].sizes + 1, resize_sizes,
		       nresize * sizeof(resize_sizes[0]));
		devs[d].nsizes = 1 + nresize;
	}
}

/*
 * Workers take the buffers in turn; every other round of them opens its
 * own descriptor, the rest share the buffer's.
 */
static void start_workers(struct worker *ws, int nthreads)
{
	int i;

	for (i = 0; i < nthreads; i++) {
		ws[i].dev = &devs[i % ndevs];
		ws[i].own_fd = (i / ndevs) % 2;
		ws[i].fd = ws[i].own_fd ? open_dev(ws[i].dev->path) :
					  ws[i].dev->shared_fd;
		ws[i].seed = 0x9e3779b97f4a7c15ULL * (i + 1);
		if (pthread_create(&ws[i].tid, NULL, worker, &ws[i]))
			errx(1, "pthread_create");
	}
}

/* Stop the workers after @seconds; the sum of their operations. */
static unsigned long stop_workers(struct worker *ws, int nthreads,
				  unsigned long seconds)
{
	unsigned long total = 0;
	int i;

	sleep(seconds);
	atomic_store(&stop, 1);
	for (i = 0; i < nthreads; i++) {
		pthread_join(ws[i].tid, NULL);
		total += ws[i].ops;
	}
	return total;
}

static void close_all(struct worker *ws, int nthreads)
{
	int i, d;

	for (i = 0; i < nthreads; i++)
		if (ws[i].own_fd)
			close(ws[i].fd);
	for (d = 0; d < ndevs; d++)
		close(devs[d].shared_fd);
}

int main(int argc, char **argv)
{
	static struct worker ws[MAX_THREADS];
	unsigned long seconds = 3, nthreads = 8, total;
	int opt, bad;

	while ((opt = getopt(argc, argv, "t:s:R:m")) != -1) {
		switch (opt) {
		case 't':
			nthreads = kt_u64(optarg);
			break;
		case 's':
			seconds = kt_u64(optarg);
			break;
		case 'R':
			parse_sizes(optarg);
			break;
		case 'm':
			do_mmap = 1;
			break;
		default:
			bad_usage();
		}
	}
	ndevs = argc - optind;
	if (ndevs < 1 || ndevs > MAX_DEVS || !nthreads ||
	    nthreads > MAX_THREADS)
		bad_usage();
	open_devs(argv + optind);
	start_workers(ws, nthreads);
	total = stop_workers(ws, nthreads, seconds);
	if (atomic_load(&failed))
		return 1;
	bad = final_check(ws, nthreads);
	close_all(ws, nthreads);
	if (bad)
		return 1;
	printf("ok %lu\n", total);
	return 0;
}
