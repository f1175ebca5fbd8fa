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
 *   writev-split VALID N       the same write through writev(), one iovec
 *   read-bad N / write-bad N   buffer wholly unmapped
 *   close                      close the descriptor
 *   sleep SECONDS
 *   odirect-probe DIR          can O_DIRECT read and write a file in DIR?
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "kbuf-test.h"

#define KBUF_IO_USAGE "usage: kbuf-io [-r|-w] [-a] [-t] DEV OP [ARGS]..."

static long psz;
/* The descriptor the operations work on; -1 after "close". */
static int fd = -1;

static void bad_usage(void)
{
	errx(KT_USAGE, KBUF_IO_USAGE);
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

static int do_info(const char *key)
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

static int do_dump(long long off, size_t n, int positional)
{
	unsigned char *buf = kt_xcalloc(n);
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

static int do_fill(long long off, size_t n, int byte, int positional)
{
	unsigned char *buf = kt_xcalloc(n);
	ssize_t ret;

	memset(buf, byte, n);
	ret = positional ? pwrite(fd, buf, n, off) : write(fd, buf, n);
	free(buf);
	return kt_report(ret);
}

static int do_read(long long off, size_t n, int positional)
{
	unsigned char *buf = kt_xcalloc(n);
	ssize_t ret;

	ret = positional ? pread(fd, buf, n, off) : read(fd, buf, n);
	free(buf);
	return kt_report(ret);
}

/* Open a file in @dir with O_DIRECT and write and read one page. */
static int odirect_probe(const char *dir)
{
	char path[4096];
	void *buf;
	int dfd, ret = 1;

	snprintf(path, sizeof(path), "%s/.kbuf-odirect-probe", dir);
	if (posix_memalign(&buf, psz, psz))
		errx(KT_USAGE, "posix_memalign");
	memset(buf, 'd', psz);
	dfd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	if (dfd < 0) {
		kt_perr(errno);
		goto out_free;
	}
	if (pwrite(dfd, buf, psz, 0) != psz || pread(dfd, buf, psz, 0) != psz) {
		kt_perr(errno);
		goto out_close;
	}
	printf("ok\n");
	ret = 0;
out_close:
	close(dfd);
	unlink(path);
out_free:
	free(buf);
	return ret;
}

static int op_read(char **a)
{
	return do_read(0, kt_u64(a[1]), 0);
}

static int op_pread(char **a)
{
	return do_read(kt_s64(a[1]), kt_u64(a[2]), 1);
}

static int op_dump(char **a)
{
	return do_dump(0, kt_u64(a[1]), 0);
}

static int op_pdump(char **a)
{
	return do_dump(kt_s64(a[1]), kt_u64(a[2]), 1);
}

static int op_write(char **a)
{
	return kt_report(write(fd, a[1], strlen(a[1])));
}

static int op_pwrite(char **a)
{
	return kt_report(pwrite(fd, a[2], strlen(a[2]), kt_s64(a[1])));
}

static int op_fill(char **a)
{
	return do_fill(0, kt_u64(a[1]), kt_u64(a[2]), 0);
}

static int op_pfill(char **a)
{
	return do_fill(kt_s64(a[1]), kt_u64(a[2]), kt_u64(a[3]), 1);
}

static int op_seek(char **a)
{
	return kt_report(lseek(fd, kt_s64(a[1]), parse_whence(a[2])));
}

static int op_info(char **a)
{
	return do_info(a[1]);
}

static int op_read_split(char **a)
{
	return kt_report(read(fd, split_buffer(kt_u64(a[1])), kt_u64(a[2])));
}

static int op_write_split(char **a)
{
	return kt_report(write(fd, split_buffer(kt_u64(a[1])), kt_u64(a[2])));
}

static int op_writev_split(char **a)
{
	struct iovec v = {
		.iov_base = split_buffer(kt_u64(a[1])),
		.iov_len = kt_u64(a[2]),
	};

	return kt_report(writev(fd, &v, 1));
}

static int op_read_bad(char **a)
{
	return kt_report(read(fd, kt_unmapped(kt_u64(a[1])), kt_u64(a[1])));
}

static int op_write_bad(char **a)
{
	return kt_report(write(fd, kt_unmapped(kt_u64(a[1])), kt_u64(a[1])));
}

static int op_close(char **a)
{
	int ret = close(fd);

	(void)a;
	fd = -1;
	if (ret)
		kt_perr(errno);
	return ret;
}

static int op_sleep(char **a)
{
	sleep(kt_u64(a[1]));
	return 0;
}

static int op_odirect_probe(char **a)
{
	return odirect_probe(a[1]);
}

static const struct kt_op io_ops[] = {
	{ "read", 1, op_read },
	{ "pread", 2, op_pread },
	{ "dump", 1, op_dump },
	{ "pdump", 2, op_pdump },
	{ "write", 1, op_write },
	{ "pwrite", 2, op_pwrite },
	{ "fill", 2, op_fill },
	{ "pfill", 3, op_pfill },
	{ "seek", 2, op_seek },
	{ "info", 1, op_info },
	{ "read-split", 2, op_read_split },
	{ "write-split", 2, op_write_split },
	{ "writev-split", 2, op_writev_split },
	{ "read-bad", 1, op_read_bad },
	{ "write-bad", 1, op_write_bad },
	{ "close", 0, op_close },
	{ "sleep", 1, op_sleep },
	{ "odirect-probe", 1, op_odirect_probe },
};

int main(int argc, char **argv)
{
	int flags = O_RDWR, opt;

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
	return kt_run_ops(io_ops, ARRAY_SIZE(io_ops), argc - optind - 1,
			  argv + optind + 1, KBUF_IO_USAGE);
}
