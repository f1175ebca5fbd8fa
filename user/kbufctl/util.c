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
#include <string.h>
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

#define KBUF_OPTS_MAX 16
#define KBUF_OPT_NAME_MAX 24

/**
 * struct kbuf_opt_tables - a command's options as getopt_long() wants them
 * @shortopts: the short options, "O:l:xh"
 * @longopts:  the long options, then a zero row
 * @names:     the long options' names
 * @nr_short:  bytes used at @shortopts
 * @nr_long:   rows used at @longopts
 */
struct kbuf_opt_tables {
	char shortopts[2 * KBUF_OPTS_MAX + 1];
	struct option longopts[KBUF_OPTS_MAX + 1];
	char names[KBUF_OPTS_MAX][KBUF_OPT_NAME_MAX];
	size_t nr_short;
	size_t nr_long;
};

/* Add one word of a spec (see kbuf_getopt()), @len bytes long. */
static void kbuf_opt_add(struct kbuf_opt_tables *t, const char *word,
			 size_t len)
{
	bool arg = word[len - 1] == '=';
	size_t name_len = len - 2 - arg;
	struct option *o = &t->longopts[t->nr_long];

	if (len < 3 || (arg && len < 4) || (word[1] != ',' && word[1] != '.') ||
	    t->nr_long == KBUF_OPTS_MAX || name_len >= KBUF_OPT_NAME_MAX)
		errx(KBUF_EXIT_FAIL, "bad option spec '%.*s'", (int)len, word);
	memcpy(t->names[t->nr_long], word + 2, name_len);
	t->names[t->nr_long][name_len] = '\0';
	o->name = t->names[t->nr_long++];
	o->has_arg = arg ? required_argument : no_argument;
	o->flag = NULL;
	o->val = (unsigned char)word[0];
	if (word[1] != ',')
		return;
	t->shortopts[t->nr_short++] = word[0];
	if (arg)
		t->shortopts[t->nr_short++] = ':';
}

static void kbuf_opt_tables(struct kbuf_opt_tables *t, const char *spec)
{
	size_t len;

	memset(t, 0, sizeof(*t));
	for (; *spec; spec += len) {
		spec += strspn(spec, "\n ");
		len = strcspn(spec, "\n ");
		if (len)
			kbuf_opt_add(t, spec, len);
	}
	kbuf_opt_add(t, "h,help", strlen("h,help"));
}

/**
 * kbuf_getopt() - getopt_long() that handles --help and bad options
 * @argc: as for getopt_long()
 * @argv: as for getopt_long(); argv[0] is "kbufctl <command>"
 * @spec: the command's options but --help, in the order of the long
 *        options, separated by spaces or newlines: "O,offset=" is -O and
 *        --offset with an argument, "x,hex" is -x and --hex without one,
 *        and "A.scaling" is --scaling alone (no -A); each returns its
 *        letter
 * @help: the command's help, NULL-terminated lines
 *
 * Return: the next option, or -1. -h and --help print @help and exit 0;
 * an unknown option or a missing argument exits 2.
 */
int kbuf_getopt(int argc, char **argv, const char *spec,
		const char *const *help)
{
	struct kbuf_opt_tables t;
	int c;

	kbuf_opt_tables(&t, spec);
	c = getopt_long(argc, argv, t.shortopts, t.longopts, NULL);
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
	while (kbuf_getopt(argc, argv, "", help) != -1)
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

/**
 * kbuf_arg_list() - each item of a comma-separated argument, in order
 * @prog: "kbufctl <command>"
 * @s:    the argument; empty items are skipped
 * @what: what to name if copying @s fails
 * @add:  called with @prog, each item and @arg
 * @arg:  for @add
 *
 * Return: how many items there were.
 */
unsigned int kbuf_arg_list(const char *prog, const char *s, const char *what,
			   void (*add)(const char *prog, const char *item,
				       void *arg),
			   void *arg)
{
	char *copy = strdup(s), *save = NULL, *tok;
	unsigned int n = 0;

	if (!copy)
		err(KBUF_EXIT_FAIL, "%s", what);
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save), n++)
		add(prog, tok, arg);
	free(copy);
	return n;
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
