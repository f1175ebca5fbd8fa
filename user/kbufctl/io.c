// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl: write, read, truncate, clear and resize: the buffer as a file.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kbufctl.h"

/**
 * struct kbuf_write_opts - what "kbufctl write" was asked to do
 * @offset: where the data goes
 * @data:   --data STR, or NULL
 * @file:   --file F, or "-" for stdin, or NULL
 * @sources: how many of --data, --file and - were given
 */
struct kbuf_write_opts {
	__u64 offset;
	const char *data;
	const char *file;
	int sources;
};

static const char *const kbuf_write_help[] = {
	"Usage: kbufctl write DEV [--offset N] (--data STR | --file F | -)",
	"",
	"Write data into a buffer at an offset; the buffer's length grows to",
	"cover it. A gap between the old length and the offset reads as zeros.",
	"Writing past the capacity fails with ENOSPC.",
	"",
	"Options:",
	" -O, --offset N   start at byte N (K, M, G accepted; default 0)",
	" -d, --data STR   write STR (no newline added)",
	" -f, --file F     write the contents of file F",
	" -                write what arrives on stdin",
	" -h, --help       show this help",
	NULL,
};

/* Copy everything @in has to the buffer, starting at @off. */
static void kbuf_write_from_fd(struct kbuf_dev *dev, int in, const char *name,
			       __u64 off)
{
	unsigned char *buf = malloc(KBUF_CHUNK);

	if (!buf)
		err(KBUF_EXIT_FAIL, "malloc");
	for (;;) {
		ssize_t n = read(in, buf, KBUF_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err(KBUF_EXIT_FAIL, "%s", name);
		if (!n)
			break;
		kbuf_dev_pwrite(dev, buf, (size_t)n, off);
		off += (__u64)n;
	}
	free(buf);
}

static void kbuf_write_file(struct kbuf_dev *dev, const char *file, __u64 off)
{
	int in;

	if (!strcmp(file, "-")) {
		kbuf_write_from_fd(dev, STDIN_FILENO, "stdin", off);
		return;
	}
	in = open(file, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		err(KBUF_EXIT_FAIL, "%s", file);
	kbuf_write_from_fd(dev, in, file, off);
	close(in);
}

static void kbuf_write_parse(int argc, char **argv, struct kbuf_write_opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = kbuf_getopt(argc, argv, "O,offset= d,data= f,file=",
				kbuf_write_help)) != -1) {
		if (c == 'O') {
			o->offset = kbuf_arg_size(argv[0], "offset", optarg);
			continue;
		}
		if (c == 'd')
			o->data = optarg;
		else
			o->file = optarg;
		o->sources++;
	}
}

int kbuf_cmd_write(int argc, char **argv)
{
	struct kbuf_write_opts o;
	struct kbuf_dev dev;
	const char *arg;

	kbuf_write_parse(argc, argv, &o);
	arg = kbuf_arg_next(argc, argv, "DEV");
	if (optind < argc && !strcmp(argv[optind], "-")) {
		o.file = argv[optind++];
		o.sources++;
	}
	kbuf_args_done(argc, argv);
	if (o.sources != 1)
		kbuf_usage_error(argv[0],
				 "give exactly one of --data, --file and -");
	kbuf_dev_open(&dev, arg, O_WRONLY);
	if (o.data)
		kbuf_dev_pwrite(&dev, o.data, strlen(o.data), o.offset);
	else
		kbuf_write_file(&dev, o.file, o.offset);
	kbuf_dev_close(&dev);
	return KBUF_EXIT_OK;
}

static const char *const kbuf_read_help[] = {
	"Usage: kbufctl read DEV [--offset N] [--length N] [--hex]",
	"",
	"Print a buffer's data from an offset up to its length (not its",
	"capacity), as raw bytes or as a hex dump.",
	"",
	"Options:",
	" -O, --offset N   start at byte N (default 0)",
	" -l, --length N   print at most N bytes (default: up to the length)",
	" -x, --hex        print a hex dump with offsets and ASCII",
	" -h, --help       show this help",
	NULL,
};

/* One hexdump -C line: offset, up to 16 bytes in hex, then as text. */
static void kbuf_hex_line(const unsigned char *p, size_t n, __u64 off)
{
	size_t i;

	printf("%08llx ", (unsigned long long)off);
	for (i = 0; i < 16; i++) {
		if (i == 8)
			putchar(' ');
		if (i < n)
			printf(" %02x", p[i]);
		else
			printf("   ");
	}
	printf("  |");
	for (i = 0; i < n; i++)
		putchar(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.');
	printf("|\n");
}

static void kbuf_hexdump(const unsigned char *buf, size_t len, __u64 off)
{
	size_t i, n;

	for (i = 0; i < len; i += n) {
		n = len - i < 16 ? len - i : 16;
		kbuf_hex_line(buf + i, n, off + i);
	}
}

/* Print up to @limit bytes from @off, stopping at the buffer's length. */
static void kbuf_read_out(struct kbuf_dev *dev, __u64 off, __u64 limit,
			  bool hex)
{
	unsigned char *buf = malloc(KBUF_CHUNK);

	if (!buf)
		err(KBUF_EXIT_FAIL, "malloc");
	while (limit) {
		size_t want = limit < KBUF_CHUNK ? (size_t)limit : KBUF_CHUNK;
		size_t n = kbuf_dev_pread(dev, buf, want, off);

		if (!n)
			break;
		if (hex)
			kbuf_hexdump(buf, n, off);
		else
			kbuf_write_stdout(buf, n);
		off += n;
		limit -= n;
	}
	free(buf);
}

int kbuf_cmd_read(int argc, char **argv)
{
	__u64 off = 0, limit = UINT64_MAX;
	struct kbuf_dev dev;
	bool hex = false;
	const char *arg;
	int c;

	while ((c = kbuf_getopt(argc, argv, "O,offset= l,length= x,hex",
				kbuf_read_help)) != -1) {
		if (c == 'O')
			off = kbuf_arg_size(argv[0], "offset", optarg);
		else if (c == 'l')
			limit = kbuf_arg_size(argv[0], "length", optarg);
		else
			hex = true;
	}
	arg = kbuf_arg_next(argc, argv, "DEV");
	kbuf_args_done(argc, argv);
	kbuf_dev_open(&dev, arg, O_RDONLY);
	kbuf_read_out(&dev, off, limit, hex);
	fflush(stdout);
	kbuf_dev_close(&dev);
	return KBUF_EXIT_OK;
}

/**
 * struct kbuf_ioctl_cmd - a command that is one ioctl on a buffer node
 * @help:  its help text
 * @value: the name of its numeric argument, or NULL if it takes none
 * @req:   the ioctl
 * @verb:  what it does, for messages
 */
struct kbuf_ioctl_cmd {
	const char *const *help;
	const char *value;
	unsigned long req;
	const char *verb;
};

static int kbuf_run_ioctl_cmd(int argc, char **argv,
			      const struct kbuf_ioctl_cmd *cmd)
{
	struct kbuf_dev dev;
	const char *arg;
	__u64 value = 0;
	int ret;

	kbuf_getopt_none(argc, argv, cmd->help);
	arg = kbuf_arg_next(argc, argv, "DEV");
	if (cmd->value)
		value = kbuf_arg_size(argv[0], cmd->value,
				      kbuf_arg_next(argc, argv, cmd->value));
	kbuf_args_done(argc, argv);
	kbuf_dev_open(&dev, arg, O_WRONLY);
	if (cmd->value)
		ret = ioctl(dev.fd, cmd->req, &value);
	else
		ret = ioctl(dev.fd, cmd->req);
	if (!ret) {
		kbuf_dev_close(&dev);
		return KBUF_EXIT_OK;
	}
	ret = errno;
	if (cmd->value)
		warn("%s: %s %llu", dev.path, cmd->verb,
		     (unsigned long long)value);
	else
		warn("%s: %s", dev.path, cmd->verb);
	if (ret == EBUSY && cmd->req == KBUF_IOC_RESIZE)
		kbuf_hint_busy(dev.info.name, true);
	if (ret == EINVAL && cmd->req == KBUF_IOC_RESIZE)
		kbuf_hint_size(dev.info.backend, value);
	if (ret == EPERM && cmd->req == KBUF_IOC_RESIZE)
		kbuf_hint_resize_perm(&dev.info, value);
	return KBUF_EXIT_FAIL;
}

static const char *const kbuf_truncate_help[] = {
	"Usage: kbufctl truncate DEV LENGTH",
	"",
	"Set how many bytes of the buffer are valid (KBUF_IOC_SET_LENGTH).",
	"Nothing is zeroed; LENGTH may not exceed the capacity.",
	"",
	"Options:",
	" -h, --help   show this help",
	NULL,
};

int kbuf_cmd_truncate(int argc, char **argv)
{
	static const struct kbuf_ioctl_cmd cmd = {
		.help = kbuf_truncate_help,
		.value = "LENGTH",
		.req = KBUF_IOC_SET_LENGTH,
		.verb = "set length to",
	};

	return kbuf_run_ioctl_cmd(argc, argv, &cmd);
}

static const char *const kbuf_clear_help[] = {
	"Usage: kbufctl clear DEV",
	"",
	"Zero the whole buffer and set its length to 0 (KBUF_IOC_CLEAR).",
	"",
	"Options:",
	" -h, --help   show this help",
	NULL,
};

int kbuf_cmd_clear(int argc, char **argv)
{
	static const struct kbuf_ioctl_cmd cmd = {
		.help = kbuf_clear_help,
		.req = KBUF_IOC_CLEAR,
		.verb = "clear",
	};

	return kbuf_run_ioctl_cmd(argc, argv, &cmd);
}

static const char *const kbuf_resize_help[] = {
	"Usage: kbufctl resize DEV SIZE",
	"",
	"Give the buffer a new capacity from the same allocator",
	"(KBUF_IOC_RESIZE). The first bytes are kept, new bytes read as",
	"zeros, the length shrinks with the capacity. Fails with EBUSY while",
	"the buffer is mapped, and then names the processes that map it.",
	"",
	"Options:",
	" -h, --help   show this help",
	NULL,
};

int kbuf_cmd_resize(int argc, char **argv)
{
	static const struct kbuf_ioctl_cmd cmd = {
		.help = kbuf_resize_help,
		.value = "SIZE",
		.req = KBUF_IOC_RESIZE,
		.verb = "resize to",
	};

	return kbuf_run_ioctl_cmd(argc, argv, &cmd);
}
