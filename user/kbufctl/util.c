// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl: option parsing, usage errors and output helpers shared by the
 * commands.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "kbufctl.h"

#define KBUF_PROGRESS_WIDTH 40

static void kbuf_print_lines(FILE *out, const char *const *lines)
{
	for (; *lines; lines++)
		fprintf(out, "%s\n", *lines);
}

static noreturn void kbuf_try_help(const char *prog)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	exit(KBUF_EXIT_USAGE);
}

/**
 * kbuf_getopt() - getopt_long() that handles --help and bad options
 * @argc:      as for getopt_long()
 * @argv:      as for getopt_long(); argv[0] is "kbufctl <command>"
 * @shortopts: as for getopt_long(); must contain 'h'
 * @longopts:  as for getopt_long(); must map "help" to 'h'
 * @help:      the command's help, NULL-terminated lines
 *
 * Return: the next option, or -1. --help prints @help and exits 0; an
 * unknown option or a missing argument exits 2.
 */
int kbuf_getopt(int argc, char **argv, const char *shortopts,
		const struct option *longopts, const char *const *help)
{
	int c = getopt_long(argc, argv, shortopts, longopts, NULL);

	if (c == 'h') {
		kbuf_print_lines(stdout, help);
		exit(KBUF_EXIT_OK);
	}
	if (c == '?')
		kbuf_try_help(argv[0]);
	return c;
}

/* For commands whose only option is --help. */
void kbuf_getopt_none(int argc, char **argv, const char *const *help)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	while (kbuf_getopt(argc, argv, "h", opts, help) != -1)
		kbuf_usage_error(argv[0], "no such option");
}

/**
 * kbuf_usage_error() - report a usage error and exit 2
 * @prog: "kbufctl <command>"
 * @fmt:  printf format of the message
 */
noreturn void kbuf_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	kbuf_try_help(prog);
}

/* The next positional argument, which must be there. */
const char *kbuf_arg_next(int argc, char **argv, const char *what)
{
	if (optind >= argc)
		kbuf_usage_error(argv[0], "missing %s", what);
	return argv[optind++];
}

/* No positional argument may be left. */
void kbuf_args_done(int argc, char **argv)
{
	if (optind < argc)
		kbuf_usage_error(argv[0], "unexpected argument '%s'",
				 argv[optind]);
}

static const char kbuf_size_rule[] =
	"digits or 0x digits, then K, M or G if wanted";

/* A size argument; garbage or overflow is a usage error. */
__u64 kbuf_arg_size(const char *prog, const char *what, const char *s)
{
	__u64 v;
	int ret;

	ret = kbuf_parse_size(s, &v);
	if (ret == -ERANGE)
		kbuf_usage_error(prog, "%s '%s' does not fit in 64 bits", what,
				 s);
	if (ret)
		kbuf_usage_error(prog, "%s '%s' is not a size (%s)", what, s,
				 kbuf_size_rule);
	return v;
}

/**
 * kbuf_arg_count() - a count argument, from 1 to @max
 * @prog: "kbufctl <command>"
 * @what: the option, for the message
 * @s:    the argument (a size: suffixes are allowed)
 * @max:  the largest count allowed
 *
 * Return: the count; anything else is a usage error.
 */
unsigned int kbuf_arg_count(const char *prog, const char *what, const char *s,
			    unsigned int max)
{
	__u64 v;

	if (kbuf_parse_size(s, &v) || !v || v > max)
		kbuf_usage_error(prog, "%s '%s' is not 1 to %u", what, s, max);
	return (unsigned int)v;
}

long kbuf_page_size(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return page > 0 ? page : 4096;
}

/* Seconds on the monotonic clock. */
double kbuf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* @s as a JSON string, quotes included. */
void kbuf_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* All of @buf to stdout, or exit 1. */
void kbuf_write_stdout(const void *buf, size_t len)
{
	const char *p = buf;

	fflush(stdout);
	while (len) {
		ssize_t n = write(STDOUT_FILENO, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err(KBUF_EXIT_FAIL, "stdout");
		p += n;
		len -= (size_t)n;
	}
}

void kbuf_progress_start(struct kbuf_progress *p, const char *label,
			 __u64 total)
{
	p->label = label;
	p->total = total;
	p->shown = -1;
	p->tty = isatty(STDERR_FILENO);
}

void kbuf_progress_update(struct kbuf_progress *p, __u64 done)
{
	static const char bar[KBUF_PROGRESS_WIDTH + 1] =
		"########################################";
	int pct, n;

	if (!p->tty || !p->total)
		return;
	pct = (int)(done * 100 / p->total);
	if (pct == p->shown)
		return;
	p->shown = pct;
	n = pct * KBUF_PROGRESS_WIDTH / 100;
	fprintf(stderr, "\r%s [%.*s%*s] %3d%%", p->label, n, bar,
		KBUF_PROGRESS_WIDTH - n, "", pct);
}

void kbuf_progress_end(struct kbuf_progress *p)
{
	if (p->tty && p->shown >= 0)
		fputc('\n', stderr);
}

/* Erase the bar, so that a line of output can take its place. */
void kbuf_progress_clear(struct kbuf_progress *p)
{
	if (p->tty && p->shown >= 0)
		fputs("\r\033[K", stderr);
	p->shown = -1;
}

/* "s" after a count of @n things, unless it is one. */
const char *kbuf_plural(__u64 n)
{
	return n == 1 ? "" : "s";
}
