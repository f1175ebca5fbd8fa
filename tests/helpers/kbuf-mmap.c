// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf-mmap: map a kbuf buffer and work through the mapping.
 *
 *   kbuf-mmap [-r|-w] [-p] [-P PROT] [-o OFF] [-l LEN] DEV [OP [ARGS]]...
 *
 * DEV (a path, or fd:N) is opened O_RDWR, O_RDONLY (-r) or O_WRONLY (-w)
 * and mapped MAP_SHARED (MAP_PRIVATE with -p) with PROT (letters of "rwx",
 * or "none"; default "rw", "r" with -r) at offset OFF (default 0) for LEN
 * bytes (default the buffer's map_size). If mmap fails, the errno name is
 * printed and the exit status is 1. Then the operations run in order;
 * those that fail print the errno name and make the exit status 1.
 *
 *   show OFF LEN               the bytes, unprintable ones as \xHH
 *   zero OFF LEN               "zero", or "nonzero at N"
 *   write OFF STR              copy STR into the mapping
 *   fill OFF LEN BYTE          memset
 *   close                      close the descriptor, keep the mapping
 *   info KEY                   a field of KBUF_IOC_INFO (reopening DEV
 *                              read-only if the descriptor is closed)
 *   fork-write OFF STR         a child writes STR through the mapping
 *   fork-info KEY              a child prints a field of KBUF_IOC_INFO
 *   mremap NEWLEN              resize the mapping (MREMAP_MAYMOVE)
 *   munmap OFF LEN             unmap part of the mapping
 *   mprotect PROT              on the whole mapping
 *   phys                       physical address of the first page, from
 *                              /proc/self/pagemap, after a read of it
 *   vmreadv OFF LEN            process_vm_readv of the mapping: count
 *   procmem OFF LEN            pread of /proc/self/mem at it: count
 *   odirect-read FILE OFF LEN  O_DIRECT read of FILE into the mapping
 *   odirect-write FILE OFF LEN O_DIRECT write of the mapping to FILE
 *   read-self OFF LEN          pread(fd, map + OFF, LEN, 0): count
 *   write-self OFF LEN         pwrite(fd, map + OFF, LEN, 0): count
 *   ready FILE                 create FILE (tells a test we are mapped)
 *   wait-file FILE             wait up to 60 s for FILE to exist
 *   sleep SECONDS
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kbuf-test.h"

static long psz;
static const char *dev;
static int fd = -1;
static unsigned char *map;
static size_t map_len;

#define KBUF_MMAP_USAGE \
	"usage: kbuf-mmap [-r|-w] [-p] [-P PROT] [-o OFF] [-l LEN] DEV [OP [ARGS]]..."

static void bad_usage(void)
{
	errx(KT_USAGE, KBUF_MMAP_USAGE);
}

static int parse_prot(const char *s)
{
	int prot = PROT_NONE;

	if (!strcmp(s, "none"))
		return prot;
	for (; *s; s++) {
		if (*s == 'r')
			prot |= PROT_READ;
		else if (*s == 'w')
			prot |= PROT_WRITE;
		else if (*s == 'x')
			prot |= PROT_EXEC;
		else
			errx(KT_USAGE, "bad protection '%c'", *s);
	}
	return prot;
}

/* Check that [off, off + len) lies in the mapping; returns the address. */
static unsigned char *at(const char *offs, const char *lens, size_t *lenp)
{
	size_t off = kt_u64(offs), len = lens ? kt_u64(lens) : 0;

	if (off > map_len || len > map_len - off)
		errx(KT_USAGE, "range %zu+%zu outside the mapping (%zu)", off,
		     len, map_len);
	if (lenp)
		*lenp = len;
	return map + off;
}

static int check(int ret)
{
	if (ret < 0) {
		kt_perr(errno);
		return 1;
	}
	return 0;
}

static int do_info(const char *key)
{
	struct kbuf_info info;
	int ifd = fd;

	if (ifd < 0)
		ifd = kt_open(dev, O_RDONLY);
	if (ioctl(ifd, KBUF_IOC_INFO, &info) < 0) {
		kt_perr(errno);
		return 1;
	}
	if (ifd != fd)
		close(ifd);
	if (kt_print_info(&info, key))
		errx(KT_USAGE, "no field '%s'", key);
	fflush(stdout);
	return 0;
}

static int do_fork(void (*fn)(const char *, const char *), const char *a,
		   const char *b)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		err(KT_USAGE, "fork");
	if (!pid) {
		fn(a, b);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0)
		err(KT_USAGE, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("child failed (status 0x%x)\n", status);
		return 1;
	}
	return 0;
}

static void child_write(const char *offs, const char *str)
{
	memcpy(at(offs, NULL, NULL), str, strlen(str));
}

static void child_info(const char *key, const char *unused)
{
	(void)unused;
	if (do_info(key))
		_exit(1);
}

static int do_mremap(size_t newlen)
{
	void *p = mremap(map, map_len, newlen, MREMAP_MAYMOVE);

	if (p == MAP_FAILED) {
		kt_perr(errno);
		return 1;
	}
	map = p;
	map_len = newlen;
	return 0;
}

static int do_phys(void)
{
	unsigned long long entry;
	int pfd;

	/*
	 * Map mode pfn fills every page table entry at mmap() time; map mode
	 * page when a page is first touched.
	 */
	(void)__atomic_load_n(map, __ATOMIC_RELAXED);
	pfd = open("/proc/self/pagemap", O_RDONLY);
	if (pfd < 0)
		err(KT_USAGE, "/proc/self/pagemap");
	if (pread(pfd, &entry, sizeof(entry),
		  (unsigned long)map / psz * sizeof(entry)) != sizeof(entry))
		err(KT_USAGE, "pagemap");
	close(pfd);
	if (!(entry >> 63)) {
		printf("not present\n");
		return 1;
	}
	printf("%llu\n", (entry & ((1ULL << 55) - 1)) * psz);
	return 0;
}

/*
 * @ret bytes that @what copied from the mapping at @p into @buf: the count,
 * or the errno name, or a line saying the bytes differ. Frees @buf.
 */
static int report_copy(unsigned char *buf, const unsigned char *p, ssize_t ret,
		       const char *what)
{
	int rc;

	if (ret >= 0 && memcmp(buf, p, ret)) {
		printf("%s returned other bytes\n", what);
		rc = 1;
	} else {
		rc = kt_report(ret);
	}
	free(buf);
	return rc;
}

static int do_vmreadv(unsigned char *p, size_t len)
{
	unsigned char *buf = kt_xcalloc(len);
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = p, .iov_len = len };
	ssize_t ret;

	ret = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	return report_copy(buf, p, ret, "process_vm_readv");
}

static int do_procmem(unsigned char *p, size_t len)
{
	unsigned char *buf = kt_xcalloc(len);
	ssize_t ret;
	int mfd;

	mfd = open("/proc/self/mem", O_RDONLY);
	if (mfd < 0)
		err(KT_USAGE, "/proc/self/mem");
	ret = pread(mfd, buf, len, (off_t)(unsigned long)p);
	close(mfd);
	return report_copy(buf, p, ret, "/proc/self/mem");
}

static int do_odirect(const char *file, unsigned char *p, size_t len,
		      int writing)
{
	ssize_t ret;
	int dfd;

	dfd = open(file,
		   writing ? O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT :
			     O_RDONLY | O_DIRECT,
		   0600);
	if (dfd < 0)
		err(KT_USAGE, "%s", file);
	ret = writing ? pwrite(dfd, p, len, 0) : pread(dfd, p, len, 0);
	close(dfd);
	return kt_report(ret);
}

static int wait_file(const char *file)
{
	struct stat st;
	int i;

	for (i = 0; i < 6000; i++) {
		if (!stat(file, &st))
			return 0;
		usleep(10000);
	}
	printf("timed out waiting for %s\n", file);
	return 1;
}

static int do_zero(unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i]) {
			printf("nonzero at %zu\n", i);
			return 0;
		}
	}
	printf("zero\n");
	return 0;
}

static int op_show(char **a)
{
	size_t len;
	unsigned char *p = at(a[1], a[2], &len);

	kt_print_escaped(p, len);
	return 0;
}

static int op_zero(char **a)
{
	size_t len;
	unsigned char *p = at(a[1], a[2], &len);

	return do_zero(p, len);
}

static int op_write(char **a)
{
	size_t len = strlen(a[2]);

	memcpy(at(a[1], NULL, NULL), a[2], len);
	return 0;
}

static int op_fill(char **a)
{
	size_t len;
	unsigned char *p = at(a[1], a[2], &len);

	memset(p, (int)kt_u64(a[3]), len);
	return 0;
}

static int op_close(char **a)
{
	int ret = check(close(fd));

	(void)a;
	fd = -1;
	return ret;
}

static int op_info(char **a)
{
	return do_info(a[1]);
}

static int op_fork_write(char **a)
{
	return do_fork(child_write, a[1], a[2]);
}

static int op_fork_info(char **a)
{
	return do_fork(child_info, a[1], NULL);
}

static int op_mremap(char **a)
{
	return do_mremap(kt_u64(a[1]));
}

static int op_munmap(char **a)
{
	size_t len;
	unsigned char *p = at(a[1], a[2], &len);

	return check(munmap(p, len));
}

static int op_mprotect(char **a)
{
	return check(mprotect(map, map_len, parse_prot(a[1])));
}

static int op_phys(char **a)
{
	(void)a;
	return do_phys();
}

static int op_vmreadv(char **a)
{
	size_t len;
	unsigned char *p = at(a[1], a[2], &len);

	return do_vmreadv(p, len);
}

static int op_procmem(char **a)
{
	size_t len;
	unsigned char *p = at(a[1], a[2], &len);

	return do_procmem(p, len);
}

static int op_odirect(char **a)
{
	size_t len;
	unsigned char *p = at(a[2], a[3], &len);

	return do_odirect(a[1], p, len, !strcmp(a[0], "odirect-write"));
}

static int op_read_self(char **a)
{
	size_t len;
	unsigned char *p = at(a[1], a[2], &len);

	return kt_report(pread(fd, p, len, 0));
}

static int op_write_self(char **a)
{
	size_t len;
	unsigned char *p = at(a[1], a[2], &len);

	return kt_report(pwrite(fd, p, len, 0));
}

static int op_ready(char **a)
{
	close(open(a[1], O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	return 0;
}

static int op_wait_file(char **a)
{
	return wait_file(a[1]);
}

static int op_sleep(char **a)
{
	sleep(kt_u64(a[1]));
	return 0;
}

static const struct kt_op mmap_ops[] = {
	{ "show", 2, op_show },
	{ "zero", 2, op_zero },
	{ "write", 2, op_write },
	{ "fill", 3, op_fill },
	{ "close", 0, op_close },
	{ "info", 1, op_info },
	{ "fork-write", 2, op_fork_write },
	{ "fork-info", 1, op_fork_info },
	{ "mremap", 1, op_mremap },
	{ "munmap", 2, op_munmap },
	{ "mprotect", 1, op_mprotect },
	{ "phys", 0, op_phys },
	{ "vmreadv", 2, op_vmreadv },
	{ "procmem", 2, op_procmem },
	{ "odirect-read", 3, op_odirect },
	{ "odirect-write", 3, op_odirect },
	{ "read-self", 2, op_read_self },
	{ "write-self", 2, op_write_self },
	{ "ready", 1, op_ready },
	{ "wait-file", 1, op_wait_file },
	{ "sleep", 1, op_sleep },
};

int main(int argc, char **argv)
{
	int flags = O_RDWR, prot = -1, mflags = MAP_SHARED, opt;
	off_t off = 0;
	long long len = -1;
	struct kbuf_info info;

	psz = sysconf(_SC_PAGESIZE);
	while ((opt = getopt(argc, argv, "+rwpP:o:l:")) != -1) {
		switch (opt) {
		case 'r':
			flags = O_RDONLY;
			break;
		case 'w':
			flags = O_WRONLY;
			break;
		case 'p':
			mflags = MAP_PRIVATE;
			break;
		case 'P':
			prot = parse_prot(optarg);
			break;
		case 'o':
			off = (off_t)kt_u64(optarg);
			break;
		case 'l':
			len = (long long)kt_u64(optarg);
			break;
		default:
			bad_usage();
		}
	}
	if (optind >= argc)
		bad_usage();
	dev = argv[optind];
	fd = kt_open(dev, flags);
	if (prot < 0)
		prot = flags == O_RDONLY ? PROT_READ : PROT_READ | PROT_WRITE;
	if (len < 0) {
		if (ioctl(fd, KBUF_IOC_INFO, &info) < 0)
			err(KT_USAGE, "KBUF_IOC_INFO");
		len = info.map_size;
	}
	map = mmap(NULL, len, prot, mflags, fd, off);
	if (map == MAP_FAILED) {
		kt_perr(errno);
		return 1;
	}
	map_len = len;
	return kt_run_ops(mmap_ops, ARRAY_SIZE(mmap_ops), argc - optind - 1,
			  argv + optind + 1, KBUF_MMAP_USAGE);
}
