// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf-uring: io_uring requests on a buffer node, through liburing.
 *
 *   kbuf-uring DEV OP [ARGS...]
 *
 * DEV is opened O_RDWR. Each operation submits one request, waits for its
 * completion and prints one line: the result, or the errno name when the
 * completion (or a setup call) failed. Exit status 1 if it failed, 2 on
 * usage errors. OFF -1 means the file position, which the request then
 * moves (DEV fd:N shares it with the shell).
 *
 *   read OFF N             IORING_OP_READ: bytes, then the bytes read
 *   write OFF STR          IORING_OP_WRITE: bytes written
 *   readv OFF N...         IORING_OP_READV into one iovec per N
 *   writev OFF STR...      IORING_OP_WRITEV from one iovec per STR
 *   fixed-read SRC LEN     map LEN bytes of DEV shared, register the mapping
 *                          as a fixed buffer, IORING_OP_READ_FIXED LEN
 *                          bytes of the file SRC into it: "registered"
 *                          (or the errno io_uring_register_buffers gave),
 *                          then the bytes read
 *   fixed-write DST LEN    the same mapping registered, IORING_OP_WRITE_FIXED
 *                          of its LEN bytes to the file DST (created)
 */
#define _GNU_SOURCE
#include <liburing.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "kbuf-test.h"

#define KU_MAX_IOV 8

/* Submit the prepared request and wait: the completion's result. */
static int ku_run(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_submit_and_wait(ring, 1);
	if (ret < 0)
		return ret;
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

/* Print a completion's result or its errno name; 1 if it failed. */
static int ku_report(int res)
{
	if (res < 0) {
		kt_perr(-res);
		return 1;
	}
	printf("%d\n", res);
	fflush(stdout);
	return 0;
}

static int ku_read(struct io_uring *ring, int fd, char **argv)
{
	size_t n = kt_u64(argv[1]);
	unsigned char *buf = kt_xcalloc(n);
	int res;

	io_uring_prep_read(io_uring_get_sqe(ring), fd, buf, n, kt_s64(argv[0]));
	res = ku_run(ring);
	if (res >= 0)
		kt_print_escaped(buf, res);
	free(buf);
	return ku_report(res);
}

static int ku_write(struct io_uring *ring, int fd, char **argv)
{
	io_uring_prep_write(io_uring_get_sqe(ring), fd, argv[1],
			    strlen(argv[1]), kt_s64(argv[0]));
	return ku_report(ku_run(ring));
}

/* One iovec per word after OFF: a length to read, or a string to write. */
static int ku_vector(struct io_uring *ring, int fd, int argc, char **argv,
		     bool write)
{
	struct iovec iov[KU_MAX_IOV];
	int i, n = argc - 1, res;

	if (n < 1 || n > KU_MAX_IOV)
		errx(KT_USAGE, "1 to %d iovecs", KU_MAX_IOV);
	for (i = 0; i < n; i++) {
		if (write) {
			iov[i].iov_base = argv[i + 1];
			iov[i].iov_len = strlen(argv[i + 1]);
			continue;
		}
		iov[i].iov_len = kt_u64(argv[i + 1]);
		iov[i].iov_base = calloc(1, iov[i].iov_len + 1);
		if (!iov[i].iov_base)
			err(KT_USAGE, "calloc");
	}
	if (write)
		io_uring_prep_writev(io_uring_get_sqe(ring), fd, iov, n,
				     kt_s64(argv[0]));
	else
		io_uring_prep_readv(io_uring_get_sqe(ring), fd, iov, n,
				    kt_s64(argv[0]));
	res = ku_run(ring);
	for (i = 0; !write && i < n; i++) {
		if (res >= 0)
			kt_print_escaped(iov[i].iov_base, iov[i].iov_len);
		free(iov[i].iov_base);
	}
	return ku_report(res);
}

static int ku_readv(struct io_uring *ring, int fd, int argc, char **argv)
{
	return ku_vector(ring, fd, argc, argv, false);
}

static int ku_writev(struct io_uring *ring, int fd, int argc, char **argv)
{
	return ku_vector(ring, fd, argc, argv, true);
}

/*
 * Map @len bytes of the node and register them as fixed buffer 0. Prints
 * "registered" or the errno name; NULL if registering failed.
 */
static void *ku_register_map(struct io_uring *ring, int fd, size_t len)
{
	struct iovec iov;
	void *map;
	int ret;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		kt_perr(errno);
		return NULL;
	}
	iov.iov_base = map;
	iov.iov_len = len;
	ret = io_uring_register_buffers(ring, &iov, 1);
	if (ret < 0) {
		kt_perr(-ret);
		munmap(map, len);
		return NULL;
	}
	printf("registered\n");
	return map;
}

static int ku_fixed(struct io_uring *ring, int fd, char **argv, bool write)
{
	size_t len = kt_u64(argv[1]);
	int file, res;
	void *map;

	file = open(argv[0], write ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY,
		    0644);
	if (file < 0)
		err(KT_USAGE, "%s", argv[0]);
	map = ku_register_map(ring, fd, len);
	if (!map)
		return 1;
	if (write)
		io_uring_prep_write_fixed(io_uring_get_sqe(ring), file, map,
					  len, 0, 0);
	else
		io_uring_prep_read_fixed(io_uring_get_sqe(ring), file, map, len,
					 0, 0);
	res = ku_run(ring);
	io_uring_unregister_buffers(ring);
	munmap(map, len);
	close(file);
	return ku_report(res);
}

static int ku_fixed_read(struct io_uring *ring, int fd, int argc, char **argv)
{
	(void)argc;
	return ku_fixed(ring, fd, argv, false);
}

static int ku_fixed_write(struct io_uring *ring, int fd, int argc, char **argv)
{
	(void)argc;
	return ku_fixed(ring, fd, argv, true);
}

static int ku_read_op(struct io_uring *ring, int fd, int argc, char **argv)
{
	(void)argc;
	return ku_read(ring, fd, argv);
}

static int ku_write_op(struct io_uring *ring, int fd, int argc, char **argv)
{
	(void)argc;
	return ku_write(ring, fd, argv);
}

struct ku_op {
	const char *name;
	int nargs; /* at least */
	int (*fn)(struct io_uring *ring, int fd, int argc, char **argv);
};

static const struct ku_op ku_ops[] = {
	{ "read", 2, ku_read_op },
	{ "write", 2, ku_write_op },
	{ "readv", 2, ku_readv },
	{ "writev", 2, ku_writev },
	{ "fixed-read", 2, ku_fixed_read },
	{ "fixed-write", 2, ku_fixed_write },
};

/* The operation named @argv[2], or a usage error. */
static const struct ku_op *ku_find(int argc, char **argv)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ku_ops); i++)
		if (kt_is(argv[2], ku_ops[i].name, argc - 2, ku_ops[i].nargs))
			return &ku_ops[i];
	errx(KT_USAGE, "unknown operation '%s'", argv[2]);
}

int main(int argc, char **argv)
{
	const struct ku_op *op;
	struct io_uring ring;
	int fd, ret;

	if (argc < 3)
		errx(KT_USAGE, "usage: kbuf-uring DEV OP [ARGS]...");
	op = ku_find(argc, argv);
	fd = kt_open(argv[1], O_RDWR);
	ret = io_uring_queue_init(8, &ring, 0);
	if (ret < 0) {
		kt_perr(-ret);
		return 1;
	}
	ret = op->fn(&ring, fd, argc - 3, argv + 3);
	io_uring_queue_exit(&ring);
	return ret;
}
