// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl: every feature of the kbuf driver from the command line.
 *
 * One table maps command words to functions; each command parses its own
 * options with getopt_long() and returns 0 (done), 1 (the operation
 * failed) or 2 (usage error).
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbufctl.h"

#ifndef KBUF_VERSION
#define KBUF_VERSION "unknown"
#endif

/* To add a command (bench, stress, ...), add its row here. */
static const struct kbuf_cmd kbuf_cmds[] = {
	{ "list", kbuf_cmd_list, "list every buffer" },
	{ "info", kbuf_cmd_info, "show one buffer in full" },
	{ "create", kbuf_cmd_create, "create a buffer (needs root)" },
	{ "destroy", kbuf_cmd_destroy, "destroy a buffer (needs root)" },
	{ "write", kbuf_cmd_write, "write data into a buffer" },
	{ "read", kbuf_cmd_read, "print a buffer's data" },
	{ "truncate", kbuf_cmd_truncate, "set a buffer's length" },
	{ "clear", kbuf_cmd_clear, "zero a buffer, length 0" },
	{ "resize", kbuf_cmd_resize, "change a buffer's capacity" },
	{ "fill", kbuf_cmd_fill, "fill the whole capacity with a pattern" },
	{ "verify", kbuf_cmd_verify,
	  "check the whole capacity against a pattern" },
	{ "map", kbuf_cmd_map,
	  "mmap a buffer and show what the mapping holds" },
	{ "export", kbuf_cmd_export,
	  "hand a dma-buf of a buffer to a command or a socket" },
	{ "layout", kbuf_cmd_layout,
	  "show how a buffer lands on physical frames" },
	{ "stress", kbuf_cmd_stress,
	  "check the driver against a model under a random load" },
	{ "bench", kbuf_cmd_bench,
	  "measure a buffer against tmpfs, memcpy and memfd" },
	{ "help", kbuf_cmd_help, "show the help of a command" },
};

static void kbuf_usage(FILE *out)
{
	size_t i;

	fputs("Usage:\n", out);
	fputs(" kbufctl COMMAND [options] [arguments]\n", out);
	fputs(" kbufctl COMMAND --help\n", out);
	fputs(" kbufctl help [COMMAND]\n", out);
	fputs(" kbufctl --help | --version\n\n", out);
	fputs("Drive the kbuf character devices (/dev/kbuf/*).\n\n", out);
	fputs("Commands:\n", out);
	for (i = 0; i < ARRAY_SIZE(kbuf_cmds); i++)
		fprintf(out, " %-10s %s\n", kbuf_cmds[i].name,
			kbuf_cmds[i].summary);
	fputs("\nDEV is a path or a bare name: 'vmalloc' is /dev/kbuf/vmalloc.\n",
	      out);
	fputs("Sizes take K, M or G (powers of 1024).\n", out);
	fputs("Exit status: 0 done, 1 operation failed, 2 usage error.\n", out);
	fputs("\nSee kbufctl(1) and kbuf(4).\n", out);
}

static const struct kbuf_cmd *kbuf_find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kbuf_cmds); i++)
		if (!strcmp(kbuf_cmds[i].name, name))
			return &kbuf_cmds[i];
	return NULL;
}

/* Ours, and the loaded module's: they may differ after an upgrade. */
static void kbuf_version(void)
{
	char module[64];

	kbuf_module_version(module, sizeof(module));
	printf("kbufctl %s\n", KBUF_VERSION);
	printf("kbuf module %s\n", module);
}

/* "kbufctl help CMD" is "kbufctl CMD --help". */
int kbuf_cmd_help(int argc, char **argv)
{
	static const char *const help[] = {
		"Usage: kbufctl help [COMMAND]",
		"",
		"Show the help of COMMAND, or the list of commands.",
		"",
		"Options:",
		" -h, --help   show this help",
		NULL,
	};
	const struct kbuf_cmd *cmd;
	char prog[64], opt[] = "--help";
	char *args[3];

	kbuf_getopt_none(argc, argv, help);
	if (optind >= argc) {
		kbuf_usage(stdout);
		return KBUF_EXIT_OK;
	}
	cmd = kbuf_find_cmd(argv[optind]);
	if (!cmd) {
		kbuf_usage_error(argv[0], "unknown command '%s'", argv[optind]);
		return KBUF_EXIT_USAGE;
	}
	snprintf(prog, sizeof(prog), "kbufctl %s", cmd->name);
	args[0] = prog;
	args[1] = opt;
	args[2] = NULL;
	optind = 0;
	return cmd->run(2, args);
}

/* Handle the options before the command word; return its index. */
static int kbuf_main_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			kbuf_usage(stdout);
			exit(KBUF_EXIT_OK);
		case 'V':
			kbuf_version();
			exit(KBUF_EXIT_OK);
		default:
			fputs("Try 'kbufctl --help' for more information.\n",
			      stderr);
			exit(KBUF_EXIT_USAGE);
		}
	}
	if (optind >= argc) {
		kbuf_usage(stderr);
		exit(KBUF_EXIT_USAGE);
	}
	return optind;
}

/*
 * Started with descriptor 0, 1 or 2 closed, kbufctl would open a buffer
 * node on it, and its messages would land in the buffer: each closed one
 * becomes /dev/null first, as open() gives the lowest free descriptor.
 */
static void kbuf_std_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", O_RDWR) != fd)
			exit(KBUF_EXIT_FAIL);
	}
}

int main(int argc, char **argv)
{
	const struct kbuf_cmd *cmd;
	char prog[64];
	int first;

	kbuf_std_fds();
	first = kbuf_main_options(argc, argv);
	cmd = kbuf_find_cmd(argv[first]);
	if (!cmd) {
		fprintf(stderr, "kbufctl: unknown command '%s'\n", argv[first]);
		fputs("Try 'kbufctl --help' for more information.\n", stderr);
		return KBUF_EXIT_USAGE;
	}
	/* getopt and usage messages then say "kbufctl <command>: ...". */
	snprintf(prog, sizeof(prog), "kbufctl %s", cmd->name);
	argv[first] = prog;
	optind = 0; /* glibc: start a fresh scan */
	return cmd->run(argc - first, argv + first);
}
