// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf-nowait: what RWF_NOWAIT and io_uring get while a writer holds the
 * buffer, made deterministic with userfaultfd.
 *
 *   kbuf-nowait DEV N
 *
 * A thread pwrite()s N bytes at offset 0 from a page registered with
 * userfaultfd: the driver's copy from user space faults and waits, with the
 * buffer's io lock held, until this program resolves the fault. Meanwhile
 * it prints, one line each:
 *
 *   preadv2 RWF_NOWAIT: RESULT     the errno name, or bytes read
 *   pwritev2 RWF_NOWAIT: RESULT
 *   io_uring read RWF_NOWAIT: RESULT  a request with rw_flags RWF_NOWAIT
 *   io_uring read: pending         (or its result if it completed already)
 *
 * then fills the page with 'U', and prints
 *
 *   writer: RESULT                 the blocked pwrite's result
 *   io_uring read: RESULT BYTES    the io_uring read, completed after it
 *   preadv2 RWF_NOWAIT: RESULT BYTES
 *
 * Exit status 0 if every step ran (whatever its result), 1 if the set-up
 * failed, 2 on usage errors. After 30 s SIGALRM ends it: a call that
 * sleeps on the held buffer would otherwise wait for good.
 */
#define _GNU_SOURCE
#include <liburing.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "kbuf-test.h"

struct kn_writer {
	int fd;
	void *src;
	size_t n;
	ssize_t ret;
	int err;
};

static void *kn_write(void *arg)
{
	struct kn_writer *w = arg;

	w->ret = pwrite(w->fd, w->src, w->n, 0);
	w->err = errno;
	return NULL;
}

/* A userfaultfd watching the missing page at @page. */
static int kn_uffd(void *page, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)page, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int uffd;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) ||
	    ioctl(uffd, UFFDIO_REGISTER, &reg))
		err(1, "userfaultfd");
	return uffd;
}

/* Wait until the writer's copy has faulted on the watched page. */
static void kn_wait_fault(int uffd)
{
	struct pollfd p = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&p, 1, 10000) != 1 ||
	    read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		errx(1, "the writer did not fault on the watched page");
}

/* "LABEL: RESULT" and, for a positive result, the @n bytes of @buf. */
static void kn_print(const char *label, ssize_t ret, int e,
		     const unsigned char *buf)
{
	printf("%s: ", label);
	if (ret < 0) {
		kt_perr(e);
		return;
	}
	printf("%zd", ret);
	if (buf && ret > 0) {
		putchar(' ');
		kt_print_escaped(buf, ret);
	} else {
		putchar('\n');
	}
	fflush(stdout);
}

static void kn_nowait(int fd, const char *op, size_t n, unsigned char *buf)
{
	struct iovec iov = { .iov_base = buf, .iov_len = n };
	char label[32];
	ssize_t ret;

	if (!strcmp(op, "preadv2"))
		ret = preadv2(fd, &iov, 1, 0, RWF_NOWAIT);
	else
		ret = pwritev2(fd, &iov, 1, 0, RWF_NOWAIT);
	snprintf(label, sizeof(label), "%s RWF_NOWAIT", op);
	kn_print(label, ret, errno, ret > 0 && op[1] == 'r' ? buf : NULL);
}

/* An io_uring read that asks for RWF_NOWAIT itself: no retry for it. */
static void kn_uring_nowait(struct io_uring *ring, int fd, size_t n,
			    unsigned char *buf)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;

	io_uring_prep_read(sqe, fd, buf, n, 0);
	sqe->rw_flags = RWF_NOWAIT;
	if (io_uring_submit_and_wait(ring, 1) < 0 ||
	    io_uring_wait_cqe(ring, &cqe))
		errx(1, "io_uring submit");
	kn_print("io_uring read RWF_NOWAIT", cqe->res, -cqe->res, buf);
	io_uring_cqe_seen(ring, cqe);
}

/* Resolve the fault: the watched page becomes @n bytes of 'U'. */
static void kn_resolve(int uffd, void *page, size_t psz)
{
	struct uffdio_copy copy = { .dst = (unsigned long)page, .len = psz };
	void *src = malloc(psz);

	if (!src)
		err(1, "malloc");
	memset(src, 'U', psz);
	copy.src = (unsigned long)src;
	if (ioctl(uffd, UFFDIO_COPY, &copy))
		err(1, "UFFDIO_COPY");
	free(src);
}

/*
 * The io_uring read submitted while the writer held the buffer: printed
 * once it completed (true), or "pending" if @peek finds it still waiting.
 */
static bool kn_uring_wait(struct io_uring *ring, unsigned char *buf, bool peek)
{
	struct io_uring_cqe *cqe;
	int ret;

	ret = peek ? io_uring_peek_cqe(ring, &cqe) :
		     io_uring_wait_cqe(ring, &cqe);
	if (peek && ret == -EAGAIN) {
		printf("io_uring read: pending\n");
		return false;
	}
	if (ret < 0)
		errx(1, "io_uring wait: %s", kt_errname(-ret));
	kn_print("io_uring read", cqe->res, -cqe->res, buf);
	io_uring_cqe_seen(ring, cqe);
	return true;
}

int main(int argc, char **argv)
{
	unsigned char rbuf[4096], ubuf[4096];
	struct kn_writer w = { 0 };
	long psz = sysconf(_SC_PAGESIZE);
	struct io_uring ring;
	pthread_t thread;
	bool done;
	int uffd;

	if (argc != 3)
		errx(KT_USAGE, "usage: kbuf-nowait DEV N");
	/* A call that waits where it must not would hang here for good. */
	alarm(30);
	w.n = kt_u64(argv[2]);
	if (!w.n || w.n > sizeof(rbuf) || w.n > (size_t)psz)
		errx(KT_USAGE, "N from 1 to one page");
	w.fd = kt_open(argv[1], O_RDWR);
	w.src = mmap(NULL, psz, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w.src == MAP_FAILED)
		err(1, "mmap");
	uffd = kn_uffd(w.src, psz);
	if (io_uring_queue_init(4, &ring, 0))
		errx(1, "io_uring_queue_init");
	if (pthread_create(&thread, NULL, kn_write, &w))
		errx(1, "pthread_create");
	kn_wait_fault(uffd);

	kn_nowait(w.fd, "preadv2", w.n, rbuf);
	kn_nowait(w.fd, "pwritev2", w.n, rbuf);
	kn_uring_nowait(&ring, w.fd, w.n, rbuf);
	io_uring_prep_read(io_uring_get_sqe(&ring), w.fd, ubuf, w.n, 0);
	io_uring_submit(&ring);
	usleep(200000);
	done = kn_uring_wait(&ring, ubuf, true);

	kn_resolve(uffd, w.src, psz);
	pthread_join(thread, NULL);
	kn_print("writer", w.ret, w.err, NULL);
	if (!done)
		kn_uring_wait(&ring, ubuf, false);
	kn_nowait(w.fd, "preadv2", w.n, rbuf);
	io_uring_queue_exit(&ring);
	return 0;
}
