// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf-dmabuf: export a kbuf buffer as a dma-buf and use it the ways the
 * dma-buf core and an importer (vgem) offer.
 *
 *   kbuf-dmabuf [-r|-w] DEV [OP [ARGS]]...
 *
 * DEV (a path, or fd:N) is opened O_RDWR (O_RDONLY with -r, O_WRONLY with
 * -w). The
 * operations run in order, on the node, on the last dma-buf exported and
 * on the vgem device; each prints one line, or the errno name of the call
 * that failed (exit status 1). FLAGS are words joined by commas, or a
 * number: rdonly, rdwr, wronly, cloexec for an export; start, end, read,
 * write for DMA_BUF_IOCTL_SYNC.
 *
 *   export FLAGS            KBUF_IOC_EXPORT_DMABUF: "exported"
 *   export-reserved FLAGS N the same with reserved = N
 *   export-fault            the same with an argument pointer that faults
 *   export-ro FLAGS         the same with an argument in a read-only page,
 *                           which the driver reads but cannot write back;
 *                           after the errno, "fd leaked" if the lowest
 *                           free descriptor changed
 *   nofile                  lower RLIMIT_NOFILE to the descriptors in use:
 *                           "limited"
 *   fdflags                 the dma-buf descriptor's "rdonly" or "rdwr",
 *                           and "cloexec" or "inherit"
 *   inode                   the dma-buf's inode number
 *   size                    lseek(SEEK_END) of the dma-buf: its size
 *   dup FD                  move the dma-buf to descriptor FD (another
 *                           process may take it with pidfd_getfd(2)):
 *                           "fd FD"
 *   sync FLAGS              DMA_BUF_IOCTL_SYNC: "synced"
 *   sync-intr FLAGS MS      DMA_BUF_IOCTL_SYNC with a SIGALRM every MS
 *                           milliseconds, its handler installed without
 *                           SA_RESTART: the errno of a sync a signal
 *                           interrupted, or "synced"
 *   setname NAME            DMA_BUF_SET_NAME: "named"
 *   mmap PROT OFF LEN       map the dma-buf (PROT rw or r) MAP_SHARED:
 *                           "mapped"
 *   mmap-private LEN        as "mmap rw 0 LEN", but MAP_PRIVATE
 *   write OFF STR           copy STR into the mapping: "written"
 *   show OFF LEN            the mapping's bytes, unprintable as \xHH
 *   vmsplice OFF LEN        vmsplice(2) LEN bytes of the mapping at OFF
 *                           into a pipe, which pins its pages with
 *                           get_user_pages(): "spliced N"
 *   munmap                  unmap the mapping: "unmapped"
 *   close                   close the dma-buf descriptor: "closed"
 *   close-node              close DEV's descriptor: "closed"
 *   pread OFF LEN           pread(2) of the node, its bytes as for show
 *   fork OPS                fork(); the child inherits every descriptor
 *                           and mapping and runs OPS (one argument,
 *                           operation words separated by spaces), then
 *                           waits for reap; the parent waits until the
 *                           child has run OPS (their lines come first):
 *                           "forked"
 *   reap                    let the child exit and wait for it: "reaped",
 *                           or "child status N" (exit 1)
 *   vgem-open               open the render node of vgem, a new file of
 *                           it each time (the vgem ops act on the last
 *                           one still open): "vgem"
 *   vgem-import             DRM_IOCTL_PRIME_FD_TO_HANDLE: "imported"
 *   vgem-export             DRM_IOCTL_PRIME_HANDLE_TO_FD of the handle:
 *                           "same inode" or "other inode N"
 *   vgem-fence              DRM_IOCTL_VGEM_FENCE_ATTACH, a write fence:
 *                           "fenced"
 *   vgem-signal             DRM_IOCTL_VGEM_FENCE_SIGNAL: "signalled"
 *   vgem-close              DRM_IOCTL_GEM_CLOSE of the handle, then close
 *                           that file of the render node: "closed"
 *   poll                    poll() of the dma-buf for POLLIN|POLLOUT, not
 *                           waiting: the events, "in out", "in" or "none"
 *   ready FILE              create FILE (tells a test we got here)
 *   await FILE              wait (up to 600 s) until FILE exists (a test
 *                           says go on)
 *   sleep SECONDS
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <linux/dma-buf.h>

#include "kbuf-test.h"
#include "../../user/kbufctl/kbuf-drm.h"

/*
 * What this helper needs of <drm/vgem_drm.h> (the same in Linux 6.1 and
 * 6.12), which no package installs here; <drm/drm.h>'s part is shared
 * with kbufctl bench.
 */
struct kd_vgem_fence_attach {
	__u32 handle;
	__u32 flags;
	__u32 out_fence;
	__u32 pad;
};

struct kd_vgem_fence_signal {
	__u32 fence;
	__u32 flags;
};

#define KD_VGEM_FENCE_WRITE 0x1
#define KD_DRM_IOCTL_VGEM_FENCE_ATTACH                    \
	_IOWR(KBUF_DRM_BASE, KBUF_DRM_COMMAND_BASE + 0x1, \
	      struct kd_vgem_fence_attach)
#define KD_DRM_IOCTL_VGEM_FENCE_SIGNAL                   \
	_IOW(KBUF_DRM_BASE, KBUF_DRM_COMMAND_BASE + 0x2, \
	     struct kd_vgem_fence_signal)

#define KD_USAGE "usage: kbuf-dmabuf [-r|-w] DEV [OP [ARGS]]..."

/* Files of vgem's render node open at once: one importer each. */
#define KD_VGEMS 4
/* Operation words of fork's OPS. */
#define KD_CHILD_WORDS 32

static int node = -1, dbuf = -1, vgem = -1;
static __u32 handle, fence;
static unsigned char *map;
static size_t map_len;

/* The vgem files opened before the one in use, and their handles. */
static int vgem_below[KD_VGEMS];
static __u32 handle_below[KD_VGEMS];
static int nvgem_below;

/* The forked child, and the pipe it waits on to exit. */
static pid_t child = -1;
static int child_hold = -1;

/* This program's operations, for fork's child. */
static const struct kt_op *kd_ops;
static size_t kd_n_ops;

struct kd_flag {
	const char *name;
	unsigned int value;
};

static const struct kd_flag kd_flags[] = {
	{ "rdonly", O_RDONLY },		 { "rdwr", O_RDWR },
	{ "wronly", O_WRONLY },		 { "cloexec", O_CLOEXEC },
	{ "start", DMA_BUF_SYNC_START }, { "end", DMA_BUF_SYNC_END },
	{ "read", DMA_BUF_SYNC_READ },	 { "write", DMA_BUF_SYNC_WRITE },
};

static unsigned int kd_flag(const char *word)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kd_flags); i++)
		if (!strcmp(word, kd_flags[i].name))
			return kd_flags[i].value;
	errx(KT_USAGE, "unknown flag '%s'", word);
}

/* Words of kd_flags joined by commas, or a number. */
static unsigned long long kd_parse_flags(const char *s)
{
	unsigned long long v = 0;
	char *copy, *word, *save;

	if (isdigit((unsigned char)*s))
		return kt_u64(s);
	copy = strdup(s);
	if (!copy)
		err(KT_USAGE, "strdup");
	for (word = strtok_r(copy, ",", &save); word;
	     word = strtok_r(NULL, ",", &save))
		v |= kd_flag(word);
	free(copy);
	return v;
}

static int kd_export(unsigned int flags, __u64 reserved)
{
	struct kbuf_export arg = { .flags = flags, .reserved = reserved };

	if (ioctl(node, KBUF_IOC_EXPORT_DMABUF, &arg) < 0)
		return kt_report_msg(-1, "");
	dbuf = arg.fd;
	return kt_report_msg(0, "exported");
}

static int op_export(char **a)
{
	return kd_export(kd_parse_flags(a[1]), 0);
}

static int op_export_reserved(char **a)
{
	return kd_export(kd_parse_flags(a[1]), kt_u64(a[2]));
}

static int op_export_fault(char **a)
{
	(void)a;
	return kt_report_msg(ioctl(node, KBUF_IOC_EXPORT_DMABUF, (void *)16),
			     "exported");
}

/* The descriptor the next open() would get. */
static int kd_lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY);

	if (fd < 0)
		err(KT_USAGE, "/dev/null");
	close(fd);
	return fd;
}

static int op_export_ro(char **a)
{
	long page = sysconf(_SC_PAGESIZE);
	struct kbuf_export *arg;
	int before = kd_lowest_free_fd(), ret;

	arg = mmap(NULL, page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arg == MAP_FAILED)
		err(KT_USAGE, "mmap");
	arg->flags = kd_parse_flags(a[1]);
	if (mprotect(arg, page, PROT_READ))
		err(KT_USAGE, "mprotect");
	ret = kt_report_msg(ioctl(node, KBUF_IOC_EXPORT_DMABUF, arg),
			    "exported");
	if (kd_lowest_free_fd() != before)
		printf("fd leaked\n");
	munmap(arg, page);
	return ret;
}

static int op_nofile(char **a)
{
	int used = kd_lowest_free_fd();
	struct rlimit rl = { .rlim_cur = used, .rlim_max = used };

	(void)a;
	return kt_report_msg(setrlimit(RLIMIT_NOFILE, &rl), "limited");
}

static int op_fdflags(char **a)
{
	int fl = fcntl(dbuf, F_GETFL), fd = fcntl(dbuf, F_GETFD);

	(void)a;
	if (fl < 0 || fd < 0)
		return kt_report_msg(-1, "");
	printf("%s %s\n", (fl & O_ACCMODE) == O_RDWR ? "rdwr" : "rdonly",
	       fd & FD_CLOEXEC ? "cloexec" : "inherit");
	return 0;
}

static int op_inode(char **a)
{
	struct stat st;

	(void)a;
	if (fstat(dbuf, &st) < 0)
		return kt_report_msg(-1, "");
	printf("%llu\n", (unsigned long long)st.st_ino);
	return 0;
}

static int op_size(char **a)
{
	off_t end = lseek(dbuf, 0, SEEK_END);

	(void)a;
	if (end < 0)
		return kt_report_msg(-1, "");
	printf("%lld\n", (long long)end);
	return 0;
}

static int op_dup(char **a)
{
	int fd = (int)kt_u64(a[1]);

	if (fd == dbuf)
		errx(KT_USAGE, "the dma-buf is descriptor %d already", fd);
	if (dup2(dbuf, fd) < 0)
		return kt_report_msg(-1, "");
	close(dbuf);
	dbuf = fd;
	printf("fd %d\n", fd);
	return 0;
}

static int op_sync(char **a)
{
	struct dma_buf_sync sync = { .flags = kd_parse_flags(a[1]) };

	return kt_report_msg(ioctl(dbuf, DMA_BUF_IOCTL_SYNC, &sync), "synced");
}

static void kd_alarm(int sig)
{
	(void)sig;
}

static int op_sync_intr(char **a)
{
	struct dma_buf_sync sync = { .flags = kd_parse_flags(a[1]) };
	struct sigaction act = { .sa_handler = kd_alarm };
	unsigned long long ms = kt_u64(a[2]);
	struct itimerval due = { 0 }, off = { 0 };
	int ret, ok;

	/*
	 * Every MS, not once: an alarm that comes before the ioctl starts to
	 * wait (a guest descheduled just then) is followed by another.
	 */
	due.it_value.tv_sec = ms / 1000;
	due.it_value.tv_usec = ms % 1000 * 1000;
	due.it_interval = due.it_value;
	if (sigaction(SIGALRM, &act, NULL))
		err(1, "sigaction");
	if (setitimer(ITIMER_REAL, &due, NULL))
		err(1, "setitimer");
	ret = ioctl(dbuf, DMA_BUF_IOCTL_SYNC, &sync);
	ok = kt_report_msg(ret, "synced");
	if (setitimer(ITIMER_REAL, &off, NULL))
		err(1, "setitimer");
	return ok;
}

static int op_setname(char **a)
{
	return kt_report_msg(ioctl(dbuf, DMA_BUF_SET_NAME, a[1]), "named");
}

static int kd_mmap(int prot, int flags, off_t off, size_t len)
{
	void *p = mmap(NULL, len, prot, flags, dbuf, off);

	if (p == MAP_FAILED)
		return kt_report_msg(-1, "");
	map = p;
	map_len = len;
	return kt_report_msg(0, "mapped");
}

static int op_mmap(char **a)
{
	int prot = PROT_READ;

	if (!strcmp(a[1], "rw"))
		prot |= PROT_WRITE;
	else if (strcmp(a[1], "r"))
		errx(KT_USAGE, "PROT is rw or r");
	return kd_mmap(prot, MAP_SHARED, kt_u64(a[2]), kt_u64(a[3]));
}

static int op_mmap_private(char **a)
{
	return kd_mmap(PROT_READ | PROT_WRITE, MAP_PRIVATE, 0, kt_u64(a[1]));
}

static void kd_check_range(size_t off, size_t len)
{
	if (!map || off > map_len || len > map_len - off)
		errx(KT_USAGE, "outside the mapping");
}

static int op_write(char **a)
{
	size_t off = kt_u64(a[1]), len = strlen(a[2]);

	kd_check_range(off, len);
	memcpy(map + off, a[2], len);
	return kt_report_msg(0, "written");
}

static int op_show(char **a)
{
	size_t off = kt_u64(a[1]), len = kt_u64(a[2]);

	kd_check_range(off, len);
	kt_print_escaped(map + off, len);
	return 0;
}

static int op_vmsplice(char **a)
{
	size_t off = kt_u64(a[1]), len = kt_u64(a[2]);
	struct iovec iov;
	int p[2];
	ssize_t n;

	kd_check_range(off, len);
	if (pipe(p))
		err(KT_USAGE, "pipe");
	iov.iov_base = map + off;
	iov.iov_len = len;
	n = vmsplice(p[1], &iov, 1, 0);
	close(p[0]);
	close(p[1]);
	if (n < 0)
		return kt_report_msg(-1, "");
	printf("spliced %zd\n", n);
	return 0;
}

static int op_munmap(char **a)
{
	int ret = munmap(map, map_len);

	(void)a;
	map = NULL;
	return kt_report_msg(ret, "unmapped");
}

static int op_close(char **a)
{
	int ret = close(dbuf);

	(void)a;
	dbuf = -1;
	return kt_report_msg(ret, "closed");
}

static int op_close_node(char **a)
{
	int ret = close(node);

	(void)a;
	node = -1;
	return kt_report_msg(ret, "closed");
}

static int op_pread(char **a)
{
	size_t off = kt_u64(a[1]), len = kt_u64(a[2]);
	unsigned char *buf = kt_xcalloc(len);
	ssize_t n = pread(node, buf, len, off);

	if (n < 0) {
		free(buf);
		return kt_report_msg(-1, "");
	}
	kt_print_escaped(buf, n);
	free(buf);
	return 0;
}

/*
 * The child of op_fork(): run the @n words of @words, tell the parent
 * through @done, then hold everything inherited until the parent closes
 * @hold (reap, or its exit).
 */
static void kd_child(char **words, int n, int done, int hold)
{
	char c;
	int rc;

	rc = kt_run_ops(kd_ops, kd_n_ops, n, words, KD_USAGE);
	fflush(stdout);
	c = rc;
	if (write(done, &c, 1) != 1)
		_exit(KT_USAGE);
	while (read(hold, &c, 1) > 0)
		;
	_exit(rc);
}

static int op_fork(char **a)
{
	char *words[KD_CHILD_WORDS], *copy, *save, *w;
	int done[2], hold[2], n = 0;
	char c = 1;

	if (child > 0)
		errx(KT_USAGE, "one child at a time");
	copy = strdup(a[1]);
	if (!copy)
		err(KT_USAGE, "strdup");
	w = strtok_r(copy, " ", &save);
	while (w && n < KD_CHILD_WORDS) {
		words[n++] = w;
		w = strtok_r(NULL, " ", &save);
	}
	if (w)
		errx(KT_USAGE, "more than %d words in '%s'", KD_CHILD_WORDS,
		     a[1]);
	if (pipe2(done, O_CLOEXEC) || pipe2(hold, O_CLOEXEC))
		err(KT_USAGE, "pipe2");
	/* Nothing buffered may be printed twice. */
	fflush(stdout);
	child = fork();
	if (child < 0)
		return kt_report_msg(-1, "");
	if (!child) {
		close(done[0]);
		close(hold[1]);
		kd_child(words, n, done[1], hold[0]);
	}
	free(copy);
	close(done[1]);
	close(hold[0]);
	child_hold = hold[1];
	/* No byte: the child died before it could say (a usage error). */
	if (read(done[0], &c, 1) != 1)
		c = 1;
	close(done[0]);
	printf("forked\n");
	return c != 0;
}

static int op_reap(char **a)
{
	int status;

	(void)a;
	if (child <= 0)
		errx(KT_USAGE, "no child to reap");
	close(child_hold);
	child_hold = -1;
	if (waitpid(child, &status, 0) < 0)
		return kt_report_msg(-1, "");
	child = -1;
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return kt_report_msg(0, "reaped");
	printf("child status %#x\n", status);
	return 1;
}

static int op_vgem_open(char **a)
{
	(void)a;
	if (vgem >= 0) {
		if (nvgem_below == KD_VGEMS)
			errx(KT_USAGE, "more than %d vgem files", KD_VGEMS + 1);
		vgem_below[nvgem_below] = vgem;
		handle_below[nvgem_below++] = handle;
		vgem = -1;
		handle = 0;
	}
	vgem = kbuf_drm_open_vgem();
	if (vgem < 0) {
		printf("no vgem render node\n");
		return 1;
	}
	return kt_report_msg(0, "vgem");
}

static int op_vgem_import(char **a)
{
	struct kbuf_drm_prime_handle p = { .fd = dbuf };
	int ret;

	(void)a;
	ret = ioctl(vgem, KBUF_DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	handle = p.handle;
	return kt_report_msg(ret, "imported");
}

static int op_vgem_export(char **a)
{
	struct kbuf_drm_prime_handle p = { .handle = handle,
					   .flags = O_CLOEXEC };
	struct stat ours, theirs;
	int ret;

	(void)a;
	if (fstat(dbuf, &ours) < 0 ||
	    ioctl(vgem, KBUF_DRM_IOCTL_PRIME_HANDLE_TO_FD, &p) < 0)
		return kt_report_msg(-1, "");
	ret = fstat(p.fd, &theirs);
	close(p.fd);
	if (ret < 0)
		return kt_report_msg(-1, "");
	if (theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev)
		printf("same inode\n");
	else
		printf("other inode %llu\n", (unsigned long long)theirs.st_ino);
	return 0;
}

static int op_vgem_fence(char **a)
{
	struct kd_vgem_fence_attach f = { .handle = handle,
					  .flags = KD_VGEM_FENCE_WRITE };
	int ret;

	(void)a;
	ret = ioctl(vgem, KD_DRM_IOCTL_VGEM_FENCE_ATTACH, &f);
	fence = f.out_fence;
	return kt_report_msg(ret, "fenced");
}

static int op_vgem_signal(char **a)
{
	struct kd_vgem_fence_signal s = { .fence = fence };

	(void)a;
	return kt_report_msg(ioctl(vgem, KD_DRM_IOCTL_VGEM_FENCE_SIGNAL, &s),
			     "signalled");
}

static int op_vgem_close(char **a)
{
	struct kbuf_drm_gem_close c = { .handle = handle };

	(void)a;
	if (ioctl(vgem, KBUF_DRM_IOCTL_GEM_CLOSE, &c) < 0)
		return kt_report_msg(-1, "");
	close(vgem);
	vgem = -1;
	if (nvgem_below) {
		vgem = vgem_below[--nvgem_below];
		handle = handle_below[nvgem_below];
	}
	return kt_report_msg(0, "closed");
}

static int op_poll(char **a)
{
	struct pollfd p = { .fd = dbuf, .events = POLLIN | POLLOUT };
	int n = poll(&p, 1, 0);

	(void)a;
	if (n < 0)
		return kt_report_msg(-1, "");
	if (p.revents & ~(POLLIN | POLLOUT))
		printf("revents %#x\n", p.revents);
	else if (!p.revents)
		printf("none\n");
	else
		printf("%s%s%s\n", p.revents & POLLIN ? "in" : "",
		       p.revents == (POLLIN | POLLOUT) ? " " : "",
		       p.revents & POLLOUT ? "out" : "");
	return 0;
}

static int op_ready(char **a)
{
	int fd = open(a[1], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		err(KT_USAGE, "%s", a[1]);
	close(fd);
	return 0;
}

static int op_await(char **a)
{
	int i;

	for (i = 0; i < 60000; i++) {
		if (!access(a[1], F_OK))
			return 0;
		usleep(10000);
	}
	printf("timed out waiting for %s\n", a[1]);
	return 1;
}

static int op_sleep(char **a)
{
	sleep(kt_u64(a[1]));
	return 0;
}

static const struct kt_op dmabuf_ops[] = {
	{ "export", 1, op_export },
	{ "export-reserved", 2, op_export_reserved },
	{ "export-fault", 0, op_export_fault },
	{ "export-ro", 1, op_export_ro },
	{ "nofile", 0, op_nofile },
	{ "fdflags", 0, op_fdflags },
	{ "inode", 0, op_inode },
	{ "size", 0, op_size },
	{ "dup", 1, op_dup },
	{ "sync", 1, op_sync },
	{ "sync-intr", 2, op_sync_intr },
	{ "setname", 1, op_setname },
	{ "mmap", 3, op_mmap },
	{ "mmap-private", 1, op_mmap_private },
	{ "write", 2, op_write },
	{ "show", 2, op_show },
	{ "vmsplice", 2, op_vmsplice },
	{ "munmap", 0, op_munmap },
	{ "close", 0, op_close },
	{ "close-node", 0, op_close_node },
	{ "pread", 2, op_pread },
	{ "fork", 1, op_fork },
	{ "reap", 0, op_reap },
	{ "vgem-open", 0, op_vgem_open },
	{ "vgem-import", 0, op_vgem_import },
	{ "vgem-export", 0, op_vgem_export },
	{ "vgem-fence", 0, op_vgem_fence },
	{ "vgem-signal", 0, op_vgem_signal },
	{ "vgem-close", 0, op_vgem_close },
	{ "poll", 0, op_poll },
	{ "ready", 1, op_ready },
	{ "await", 1, op_await },
	{ "sleep", 1, op_sleep },
};

int main(int argc, char **argv)
{
	int flags = kt_access_opts(argc, argv, KD_USAGE);

	if (optind >= argc)
		errx(KT_USAGE, KD_USAGE);
	node = kt_open(argv[optind], flags);
	kd_ops = dmabuf_ops;
	kd_n_ops = ARRAY_SIZE(dmabuf_ops);
	return kt_run_ops(dmabuf_ops, ARRAY_SIZE(dmabuf_ops), argc - optind - 1,
			  argv + optind + 1, KD_USAGE);
}
