// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl export: make a dma-buf of a buffer (KBUF_IOC_EXPORT_DMABUF) and
 * hand its descriptor on: to a command run in kbufctl's place, on
 * descriptor 3, or to the process listening on a Unix stream socket, in
 * an SCM_RIGHTS message.
 *
 * Copyright (C) 2026 The kbuf authors
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "kbufctl.h"

/* Where COMMAND finds the dma-buf, as the environment says too. */
#define KBUF_EXPORT_FD 3
#define KBUF_EXPORT_FD_STR "3"
#define KBUF_EXPORT_ENV "KBUF_DMABUF_FD"

/* Exit statuses of a COMMAND that cannot be run, as env(1) has them. */
#define KBUF_EXIT_CANNOT_RUN 126
#define KBUF_EXIT_NOT_FOUND 127

#define KBUF_SUN_PATH_LEN sizeof(((struct sockaddr_un *)0)->sun_path)

static const char *const kbuf_export_help[] = {
	"Usage: kbufctl export [--read-only] DEV -- COMMAND [ARG...]",
	"       kbufctl export [--read-only] DEV --socket PATH",
	"",
	"Make a dma-buf of the buffer's pages and hand its descriptor on. With",
	"COMMAND, run it in kbufctl's place with the dma-buf on descriptor 3",
	"and KBUF_DMABUF_FD=3 in its environment; the exit status is",
	"COMMAND's (126: it cannot be run, 127: not found). With --socket,",
	"connect to the Unix stream socket PATH and send the descriptor",
	"(SCM_RIGHTS) with one line of text, \"NAME SIZE rw\" or \"NAME SIZE",
	"ro\". The node is opened read-write either way, as the driver needs;",
	"the buffer cannot be resized or destroyed while the dma-buf lives.",
	"",
	"Options:",
	"     --read-only     a dma-buf that maps only for reading",
	"     --socket PATH   send the descriptor to the socket PATH",
	" -h, --help          show this help",
	NULL,
};

/**
 * struct kbuf_export_opts - what "kbufctl export" was asked to do
 * @dev:       the DEV argument
 * @socket:    the socket path, or NULL
 * @command:   COMMAND and its arguments, NULL-terminated, or NULL
 * @read_only: export O_RDONLY
 */
struct kbuf_export_opts {
	const char *dev;
	const char *socket;
	char **command;
	bool read_only;
};

/*
 * Everything before the first "--" is kbufctl's; what follows is COMMAND,
 * so its own options are never taken for ours.
 */
static void kbuf_export_parse(int argc, char **argv, struct kbuf_export_opts *o)
{
	int c, end = 1;

	memset(o, 0, sizeof(*o));
	while (end < argc && strcmp(argv[end], "--"))
		end++;
	while ((c = kbuf_getopt(end, argv, "r.read-only S.socket=",
				kbuf_export_help)) != -1) {
		o->read_only |= c == 'r';
		if (c == 'S')
			o->socket = optarg;
	}
	o->dev = kbuf_arg_next(end, argv, "DEV");
	kbuf_args_done(end, argv);
	if (end + 1 < argc)
		o->command = argv + end + 1;
	if (o->socket && end < argc)
		kbuf_usage_error(argv[0],
				 "--socket and -- COMMAND: choose one");
	if (!o->socket && !o->command)
		kbuf_usage_error(argv[0], "missing %s",
				 end < argc ? "COMMAND after --" :
					      "-- COMMAND or --socket PATH");
	if (o->socket && !*o->socket)
		kbuf_usage_error(argv[0], "the socket path is empty");
	if (o->socket && strlen(o->socket) >= KBUF_SUN_PATH_LEN)
		kbuf_usage_error(argv[0], "socket path '%s' is too long",
				 o->socket);
}

/* The dma-buf of @dev, close-on-exec, or exit 1 saying why not. */
static int kbuf_export_fd(struct kbuf_dev *dev, bool read_only)
{
	struct kbuf_export ex = {
		.flags = O_CLOEXEC | (read_only ? O_RDONLY : O_RDWR),
	};

	if (!ioctl(dev->fd, KBUF_IOC_EXPORT_DMABUF, &ex))
		return ex.fd;
	kbuf_hint_export(dev, errno);
	exit(KBUF_EXIT_FAIL);
}

/* Become COMMAND, the dma-buf @fd on descriptor 3; return only on failure. */
static int kbuf_export_exec(int fd, char **command)
{
	int error;

	/* dup2() clears close-on-exec, but does nothing if @fd is 3. */
	if (fd == KBUF_EXPORT_FD) {
		if (fcntl(fd, F_SETFD, 0))
			err(KBUF_EXIT_FAIL, "descriptor %d", KBUF_EXPORT_FD);
	} else {
		if (dup2(fd, KBUF_EXPORT_FD) < 0)
			err(KBUF_EXIT_FAIL, "descriptor %d", KBUF_EXPORT_FD);
		close(fd);
	}
	if (setenv(KBUF_EXPORT_ENV, KBUF_EXPORT_FD_STR, 1))
		err(KBUF_EXIT_FAIL, "setenv");
	execvp(command[0], command);
	error = errno; /* before warn(), which may change it */
	warn("%s", command[0]);
	return error == ENOENT ? KBUF_EXIT_NOT_FOUND : KBUF_EXIT_CANNOT_RUN;
}

/* Connect to the Unix stream socket @path, or exit 1. */
static int kbuf_export_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int error;

	if (sock < 0)
		err(KBUF_EXIT_FAIL, "socket");
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (!connect(sock, (struct sockaddr *)&sun, sizeof(sun)))
		return sock;
	error = errno; /* before warn(), which may change it */
	warn("%s: connect", path);
	if (error == ECONNREFUSED || error == ENOENT) {
		struct stat st;

		if (!stat(path, &st) && !S_ISSOCK(st.st_mode))
			warnx("%s is not a socket: give the path the receiver bound",
			      path);
		else
			warnx("no process listens on %s: start the receiver first",
			      path);
	}
	exit(KBUF_EXIT_FAIL);
}

/* Send @fd over @sock with the line @line, in one message. */
static void kbuf_export_send(int sock, const char *path, int fd,
			     const char *line)
{
	/* Aligned for the header CMSG_FIRSTHDR() gives, as cmsg(3) asks. */
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl = { { 0 } };
	struct iovec iov = { .iov_base = (void *)line,
			     .iov_len = strlen(line) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err(KBUF_EXIT_FAIL, "%s: send", path);
	if ((size_t)n != iov.iov_len)
		errx(KBUF_EXIT_FAIL, "%s: send: %zd of %zu bytes sent", path, n,
		     iov.iov_len);
}

int kbuf_cmd_export(int argc, char **argv)
{
	struct kbuf_export_opts o;
	struct kbuf_dev dev;
	char line[KBUF_NAME_LEN + 32];
	off_t size;
	int fd, sock;

	kbuf_export_parse(argc, argv, &o);
	/* A receiver first: a dma-buf nobody takes would only hold the buffer. */
	sock = o.socket ? kbuf_export_connect(o.socket) : -1;
	kbuf_dev_open(&dev, o.dev, O_RDWR);
	fd = kbuf_export_fd(&dev, o.read_only);
	/* The dma-buf's own size: the buffer may have been resized since INFO. */
	size = lseek(fd, 0, SEEK_END);
	snprintf(line, sizeof(line), "%s %lld %s\n", dev.info.name,
		 (long long)size, o.read_only ? "ro" : "rw");
	/* The dma-buf holds the buffer: COMMAND needs no node open. */
	kbuf_dev_close(&dev);
	if (o.command)
		return kbuf_export_exec(fd, o.command);
	kbuf_export_send(sock, o.socket, fd, line);
	close(sock);
	close(fd);
	return KBUF_EXIT_OK;
}
