// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf-io: a sequence of read/write/lseek calls on one descriptor.
 *
 *   kbuf-io [-r|-w] [-a] [-t] DEV OP [ARGS...] [OP [ARGS...]]...
 *
 * DEV is opened O_RDWR, or O_RDONLY (-r), O_WRONLY (-w), with O_APPEND (-a)
 * and O_TRUNC (-t); fd:N names an inherited descriptor; "-" opens nothing.
 * Each operation prints one line: its result, or the errno name when it
 * fails. The exit status is 1 if any operation failed, 2 on usage errors.
 *
 *   read N / pread OFF N       bytes returned
 *   dump N / pdump OFF N       the bytes read, unprintable ones as \xHH
 *   write STR / pwrite OFF STR bytes written
 *   fill N BYTE                write N bytes of value BYTE
 *   pfill OFF N BYTE           pwrite N bytes of value BYTE
 *   seek OFF WHENCE            WHENCE set|cur|end|data|hole|number
 *   info KEY                   one field of KBUF_IOC_INFO
 *   read-split VALID N         read N bytes into a buffer whose first VALID
 *   write-split VALID N        bytes are mapped and the rest is not
 *   read-bad N / write-bad N   buffer wholly unmapped
 *   close                      close the descriptor
 *   sleep SECONDS
 *   odirect-probe DIR          can O_DIRECT read and write a file in DIR?
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/stat.h>

#include "kbuf-test.h"

static long psz;

static void bad_usage(void)
{
	errx(KT_USAGE, "usage: kbuf-io [-r|-w] [-a] [-t] DEV OP [ARGS]...");
}

/* Print a ssize_t result or the errno name; returns 1 on failure. */
static int report(ssize_t ret)
{
	if (ret < 0) {
		kt_perr(errno);
		return 1;
	}
	printf("%zd\n", ret);
	fflush(stdout);
	return 0;
}

static void *xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		err(KT_USAGE, "calloc");
	return p;
}

/* @valid mapped bytes followed by an unmapped page. */
static unsigned char *split_buffer(size_t valid)
{
	size_t pages = (valid + psz - 1) / psz + 1;
	unsigned char *p;

	p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		err(KT_USAGE, "mmap");
	if (munmap(p + (pages - 1) * psz, psz))
		err(KT_USAGE, "munmap");
	memset(p, 'S', (pages - 1) * psz);
	return p + (pages - 1) * psz - valid;
}

static void *unmapped_buffer(size_t n)
{
	size_t len = (n + psz - 1) / psz * psz + psz;
	void *p;

	p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		err(KT_USAGE, "mmap");
	if (munmap(p, len))
		err(KT_USAGE, "munmap");
	return p;
}

static int parse_whence(const char *s)
{
	static const struct {
		const char *name;
		int whence;
	} w[] = {
		{ "set", SEEK_SET },   { "cur", SEEK_CUR },
		{ "end", SEEK_END },   { "data", SEEK_DATA },
		{ "hole", SEEK_HOLE },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(w); i++)
		if (!strcmp(s, w[i].name))
			return w[i].whence;
	return (int)kt_s64(s);
}

static int do_info(int fd, const char *key)
{
	struct kbuf_info info;

	if (ioctl(fd, KBUF_IOC_INFO, &info) < 0) {
		kt_perr(errno);
		return 1;
	}
	if (kt_print_info(&info, key))
		errx(KT_USAGE, "no field '%s'", key);
	return 0;
}

static int do_dump(int fd, long long off, size_t n, int positional)
{
	unsigned char *buf = xmalloc(n);
	ssize_t ret;

	ret = positional ? pread(fd, buf, n, off) : read(fd, buf, n);
	if (ret < 0) {
		kt_perr(errno);
		free(buf);
		return 1;
	}
	kt_print_escaped(buf, ret);
	free(buf);
	return 0;
}

static int do_fill(int fd, long long off, size_t n, int byte, int positional)
{
	unsigned char *buf = xmalloc(n);
	ssize_t ret;

	memset(buf, byte, n);
	ret = positional ? pwrite(fd, buf, n, off) : write(fd, buf, n);
	free(buf);
	return report(ret);
}

static int do_read(int fd, long long off, size_t n, int positional)
{
	unsigned char *buf = xmalloc(n);
	ssize_t ret;

	ret = positional ? pread(fd, buf, n, off) : read(fd, buf, n);
	free(buf);
	return report(ret);
}

/* Open a file in @dir with O_DIRECT and write and read one page. */
static int odirect_probe(const char *dir)
{
	char path[4096];
	void *buf;
	int fd, ret = 1;

	snprintf(path, sizeof(path), "%s/.kbuf-odirect-probe", dir);
	if (posix_memalign(&buf, psz, psz))
		errx(KT_USAGE, "posix_memalign");
	memset(buf, 'd', psz);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	if (fd < 0) {
		kt_perr(errno);
		goto out_free;
	}
	if (pwrite(fd, buf, psz, 0) != psz || pread(fd, buf, psz, 0) != psz) {
		kt_perr(errno);
		goto out_close;
	}
	printf("ok\n");
	ret = 0;
out_close:
	close(fd);
	unlink(path);
out_free:
	free(buf);
	return ret;
}

/* Run the operation at argv[0]; returns how many words it used. */
static int run_op(int *fdp, char **argv, int argc, int *failed)
{
	const char *op = argv[0];
	int fd = *fdp;
	off_t off;

	if (kt_is(op, "read", argc, 1)) {
		*failed |= do_read(fd, 0, kt_u64(argv[1]), 0);
		return 2;
	}
	if (kt_is(op, "pread", argc, 2)) {
		*failed |= do_read(fd, kt_s64(argv[1]), kt_u64(argv[2]), 1);
		return 3;
	}
	if (kt_is(op, "dump", argc, 1)) {
		*failed |= do_dump(fd, 0, kt_u64(argv[1]), 0);
		return 2;
	}
	if (kt_is(op, "pdump", argc, 2)) {
		*failed |= do_dump(fd, kt_s64(argv[1]), kt_u64(argv[2]), 1);
		return 3;
	}
	if (kt_is(op, "write", argc, 1)) {
		*failed |= report(write(fd, argv[1], strlen(argv[1])));
		return 2;
	}
	if (kt_is(op, "pwrite", argc, 2)) {
		off = kt_s64(argv[1]);
		*failed |= report(pwrite(fd, argv[2], strlen(argv[2]), off));
		return 3;
	}
	if (kt_is(op, "fill", argc, 2)) {
		*failed |= do_fill(fd, 0, kt_u64(argv[1]), kt_u64(argv[2]), 0);
		return 3;
	}
	if (kt_is(op, "pfill", argc, 3)) {
		*failed |= do_fill(fd, kt_s64(argv[1]), kt_u64(argv[2]),
				   kt_u64(argv[3]), 1);
		return 4;
	}
	if (kt_is(op, "seek", argc, 2)) {
		off = kt_s64(argv[1]);
		*failed |= report(lseek(fd, off, parse_whence(argv[2])));
		return 3;
	}
	if (kt_is(op, "info", argc, 1)) {
		*failed |= do_info(fd, argv[1]);
		return 2;
	}
	if (kt_is(op, "read-split", argc, 2)) {
		*failed |= report(read(fd, split_buffer(kt_u64(argv[1])),
				       kt_u64(argv[2])));
		return 3;
	}
	if (kt_is(op, "write-split", argc, 2)) {
		*failed |= report(write(fd, split_buffer(kt_u64(argv[1])),
					kt_u64(argv[2])));
		return 3;
	}
	if (kt_is(op, "read-bad", argc, 1)) {
		*failed |= report(read(fd, unmapped_buffer(kt_u64(argv[1])),
				       kt_u64(argv[1])));
		return 2;
	}
	if (kt_is(op, "write-bad", argc, 1)) {
		*failed |= report(write(fd, unmapped_buffer(kt_u64(argv[1])),
					kt_u64(argv[1])));
		return 2;
	}
	if (kt_is(op, "close", argc, 0)) {
		if (close(fd)) {
			kt_perr(errno);
			*failed = 1;
		}
		*fdp = -1;
		return 1;
	}
	if (kt_is(op, "sleep", argc, 1)) {
		sleep(kt_u64(argv[1]));
		return 2;
	}
	if (kt_is(op, "odirect-probe", argc, 1)) {
		*failed |= odirect_probe(argv[1]);
		return 2;
	}
	bad_usage();
	return argc;
}

int main(int argc, char **argv)
{
	int flags = O_RDWR, opt, fd = -1, failed = 0, i;

	psz = sysconf(_SC_PAGESIZE);
	while ((opt = getopt(argc, argv, "+rwat")) != -1) {
		switch (opt) {
		case 'r':
			flags = (flags & ~O_ACCMODE) | O_RDONLY;
			break;
		case 'w':
			flags = (flags & ~O_ACCMODE) | O_WRONLY;
			break;
		case 'a':
			flags |= O_APPEND;
			break;
		case 't':
			flags |= O_TRUNC;
			break;
		default:
			bad_usage();
		}
	}
	if (argc - optind < 2)
		bad_usage();
	if (strcmp(argv[optind], "-"))
		fd = kt_open(argv[optind], flags);
	for (i = optind + 1; i < argc;)
		i += run_op(&fd, argv + i, argc - i, &failed);
	return failed;
}
