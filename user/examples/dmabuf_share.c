// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmabuf_share: hand a kbuf buffer to another process as a dma-buf.
 *
 * The parent exports the buffer (KBUF_IOC_EXPORT_DMABUF) and sends the
 * dma-buf descriptor over a Unix socket (SCM_RIGHTS) to a child, which has
 * no other way to the buffer: it maps the dma-buf, writes a string between
 * DMA_BUF_IOCTL_SYNC start and end, and says so. The parent then reads the
 * string back through the node, bracketed by a sync of its own: a device
 * that imported the dma-buf would see the same bytes.
 *
 * Usage: dmabuf_share [DEVICE]   (default /dev/kbuf/vmalloc)
 *
 * Copyright (C) 2026 The kbuf authors
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/kbuf.h>

#define MSG "hello through a dma-buf"

/* Bracket CPU access to a dma-buf: START before, END after. */
static void sync_dmabuf(int dmabuf, __u64 flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	if (ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync))
		err(1, "DMA_BUF_IOCTL_SYNC");
}

/*
 * A message of one byte with room for one descriptor: SCM_RIGHTS sends
 * descriptors only along with data. The union aligns the control buffer
 * for the struct cmsghdr that CMSG_FIRSTHDR() puts at its start, as in
 * cmsg(3).
 */
struct fd_message {
	struct msghdr msg;
	struct iovec iov;
	char byte;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
};

static struct msghdr *fd_message_init(struct fd_message *m)
{
	memset(m, 0, sizeof(*m));
	m->iov.iov_base = &m->byte;
	m->iov.iov_len = 1;
	m->msg.msg_iov = &m->iov;
	m->msg.msg_iovlen = 1;
	m->msg.msg_control = m->control.buf;
	m->msg.msg_controllen = sizeof(m->control.buf);
	return &m->msg;
}

static void send_fd(int sock, int fd)
{
	struct fd_message m;
	struct msghdr *msg = fd_message_init(&m);
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	if (sendmsg(sock, msg, 0) != 1)
		err(1, "sendmsg");
}

static int recv_fd(int sock)
{
	struct fd_message m;
	struct msghdr *msg = fd_message_init(&m);
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, msg, MSG_CMSG_CLOEXEC) != 1)
		errx(1, "the parent sent nothing");
	/*
	 * MSG_CTRUNC: the kernel dropped descriptors that did not fit (the
	 * buffer is padded, so on 64-bit it holds two), or that this
	 * process could not take (EMFILE, or a security module said no).
	 */
	if (msg->msg_flags & MSG_CTRUNC)
		errx(1, "descriptors dropped: too many, or no room here");
	/*
	 * Exactly one descriptor, or give up: this process exits at once,
	 * which closes any others the kernel installed.
	 */
	cmsg = CMSG_FIRSTHDR(msg);
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET ||
	    cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		errx(1, "expected one SCM_RIGHTS descriptor");
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* The child: all it has of the buffer is the descriptor it receives. */
static int child_side(int sock)
{
	int dmabuf = recv_fd(sock);
	long page = sysconf(_SC_PAGESIZE);
	char *map;

	map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	if (map == MAP_FAILED)
		err(1, "mmap of the dma-buf");
	sync_dmabuf(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	strcpy(map, MSG);
	sync_dmabuf(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	printf("child wrote through its mapping of the dma-buf: %s\n", map);
	fflush(stdout);
	munmap(map, page);
	close(dmabuf);
	if (write(sock, "w", 1) != 1)
		err(1, "socket");
	return 0;
}

/* The parent: read the child's string back through the node. */
static void read_back(const char *dev, int node, int dmabuf)
{
	__u64 len = strlen(MSG);
	char got[sizeof(MSG)] = { 0 };

	/*
	 * read() stops at the length, which a mapping does not move: set it,
	 * so that cat shows the string too.
	 */
	if (ioctl(node, KBUF_IOC_SET_LENGTH, &len))
		err(1, "%s: KBUF_IOC_SET_LENGTH", dev);
	sync_dmabuf(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	if (pread(node, got, len, 0) != (ssize_t)len)
		err(1, "%s: pread", dev);
	sync_dmabuf(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	printf("parent read through %s: %s\n", dev, got);
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/kbuf/vmalloc";
	struct kbuf_export exp = { .flags = O_RDWR | O_CLOEXEC };
	int node, sock[2], status;
	char done;
	pid_t pid;

	node = open(dev, O_RDWR | O_CLOEXEC);
	if (node < 0)
		err(1, "%s", dev);
	if (ioctl(node, KBUF_IOC_EXPORT_DMABUF, &exp))
		err(1, "%s: KBUF_IOC_EXPORT_DMABUF", dev);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock))
		err(1, "socketpair");
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		/* Nothing inherited but the socket: drop the rest. */
		close(node);
		close(exp.fd);
		close(sock[0]);
		return child_side(sock[1]);
	}
	close(sock[1]);
	send_fd(sock[0], exp.fd);
	if (read(sock[0], &done, 1) != 1)
		errx(1, "the child went away");
	read_back(dev, node, exp.fd);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		errx(1, "the child failed");
	close(exp.fd);
	close(node);
	return WEXITSTATUS(status);
}
