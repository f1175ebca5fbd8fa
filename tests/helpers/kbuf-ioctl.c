// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf-ioctl: issue one kbuf ioctl from the command line.
 *
 *   kbuf-ioctl [-r|-w] DEV CMD [ARGS...]
 *
 * DEV is a device path, or fd:N for a descriptor the shell opened. The
 * descriptor is opened O_RDWR unless -r (O_RDONLY) or -w (O_WRONLY).
 *
 *   info [KEY]                 all fields as key=value lines, or one value
 *   info-ver0 [KEY]            the same with kbuf 0.1.0's request code
 *                              (KBUF_IOC_INFO_VER0), its
 *                              fields only; fails (exit 1) if the driver
 *                              wrote past that size
 *   set-length N
 *   resize N
 *   clear
 *   create NAME BACKEND SIZE [GFP [FLAGS [NODE]]]
 *                              BACKEND kmalloc|pages|vmalloc|number,
 *                              GFP kernel|atomic|number; a NAME of 32 or
 *                              more characters fills the field without NUL
 *   destroy NAME
 *   raw NUMBER [null]          any command number, with a pointer to a
 *                              zeroed page (or NULL) as argument
 *   badptr CMD null|unmapped   CMD info|set-length|resize|create|destroy
 *                              with a NULL or an unmapped argument pointer
 *
 * Success prints what the command returns (nothing for most); failure
 * prints the errno name and exits 1. Usage errors exit 2.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "kbuf-test.h"

#define KI_USAGE "usage: kbuf-ioctl [-r|-w] DEV CMD [ARGS...]"

static void bad_usage(void)
{
	errx(KT_USAGE, KI_USAGE);
}

static __u32 parse_word(const char *s, const char *const *words, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, words[i]))
			return i;
	return (__u32)kt_u64(s);
}

static void fill_name(char *dst, const char *name)
{
	size_t len = strlen(name);

	memset(dst, 0, KBUF_NAME_LEN);
	memcpy(dst, name, len < KBUF_NAME_LEN ? len : KBUF_NAME_LEN);
}

static int do_ioctl(int fd, unsigned long cmd, void *arg)
{
	if (ioctl(fd, cmd, arg) < 0) {
		kt_perr(errno);
		return 1;
	}
	return 0;
}

static int cmd_info(int fd, int argc, char **argv)
{
	struct kbuf_info info;

	memset(&info, 0xa5, sizeof(info));
	if (do_ioctl(fd, KBUF_IOC_INFO, &info))
		return 1;
	if (kt_print_info(&info, argc > 0 ? argv[0] : NULL))
		errx(KT_USAGE, "no field '%s'", argv[0]);
	return 0;
}

/* The fields up to phys_addr: kbuf 0.1.0's struct kbuf_info. */
#define KI_VER0_FIELDS 11

static int cmd_info_ver0(int fd, int argc, char **argv)
{
	struct kbuf_info info;
	const unsigned char *bytes;
	size_t i;

	memset(&info, 0xa5, sizeof(info));
	if (do_ioctl(fd, KBUF_IOC_INFO_VER0, &info))
		return 1;
	bytes = (const unsigned char *)&info;
	for (i = KBUF_INFO_SIZE_VER0; i < sizeof(info); i++)
		if (bytes[i] != 0xa5)
			errx(1, "INFO wrote byte %zu of a %d-byte struct", i,
			     KBUF_INFO_SIZE_VER0);
	if (kt_print_info_n(&info, argc > 0 ? argv[0] : NULL, KI_VER0_FIELDS))
		errx(KT_USAGE, "no field '%s'", argv[0]);
	return 0;
}

static int cmd_create(int fd, int argc, char **argv)
{
	static const char *const backends[] = { "kmalloc", "pages", "vmalloc" };
	static const char *const gfps[] = { "kernel", "atomic" };
	struct kbuf_create c;

	if (argc < 3)
		bad_usage();
	memset(&c, 0, sizeof(c));
	fill_name(c.name, argv[0]);
	c.backend = parse_word(argv[1], backends, 3);
	c.size = kt_u64(argv[2]);
	if (argc > 3)
		c.gfp = parse_word(argv[3], gfps, 2);
	if (argc > 4)
		c.flags = (__u32)kt_u64(argv[4]);
	if (argc > 5)
		c.node = (__u32)kt_u64(argv[5]);
	return do_ioctl(fd, KBUF_IOC_CREATE, &c);
}

static int cmd_destroy(int fd, int argc, char **argv)
{
	struct kbuf_destroy d;

	if (argc < 1)
		bad_usage();
	fill_name(d.name, argv[0]);
	return do_ioctl(fd, KBUF_IOC_DESTROY, &d);
}

static int cmd_raw(int fd, int argc, char **argv)
{
	static char page[65536];
	unsigned long cmd;
	int ret;

	if (argc < 1)
		bad_usage();
	cmd = (unsigned long)kt_u64(argv[0]);
	ret = ioctl(fd, cmd,
		    argc > 1 && !strcmp(argv[1], "null") ? NULL : page);
	if (ret < 0) {
		kt_perr(errno);
		return 1;
	}
	printf("%d\n", ret);
	return 0;
}

static int cmd_badptr(int fd, int argc, char **argv)
{
	static const struct {
		const char *name;
		unsigned long cmd;
	} cmds[] = {
		{ "info", KBUF_IOC_INFO },
		{ "set-length", KBUF_IOC_SET_LENGTH },
		{ "resize", KBUF_IOC_RESIZE },
		{ "create", KBUF_IOC_CREATE },
		{ "destroy", KBUF_IOC_DESTROY },
	};
	void *arg;
	size_t i;

	if (argc < 2)
		bad_usage();
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[0], cmds[i].name))
			break;
	if (i == ARRAY_SIZE(cmds))
		bad_usage();
	if (!strcmp(argv[1], "null"))
		arg = NULL;
	else if (!strcmp(argv[1], "unmapped"))
		arg = kt_unmapped(sysconf(_SC_PAGESIZE));
	else
		bad_usage();
	return do_ioctl(fd, cmds[i].cmd, arg);
}

int main(int argc, char **argv)
{
	int flags = kt_access_opts(argc, argv, KI_USAGE), fd;
	const char *cmd;
	__u64 val;

	if (argc - optind < 2)
		bad_usage();
	fd = kt_open(argv[optind], flags);
	cmd = argv[optind + 1];
	argc -= optind + 2;
	argv += optind + 2;

	if (!strcmp(cmd, "info"))
		return cmd_info(fd, argc, argv);
	if (!strcmp(cmd, "info-ver0"))
		return cmd_info_ver0(fd, argc, argv);
	if (!strcmp(cmd, "set-length") && argc == 1) {
		val = kt_u64(argv[0]);
		return do_ioctl(fd, KBUF_IOC_SET_LENGTH, &val);
	}
	if (!strcmp(cmd, "resize") && argc == 1) {
		val = kt_u64(argv[0]);
		return do_ioctl(fd, KBUF_IOC_RESIZE, &val);
	}
	if (!strcmp(cmd, "clear"))
		return do_ioctl(fd, KBUF_IOC_CLEAR, NULL);
	if (!strcmp(cmd, "create"))
		return cmd_create(fd, argc, argv);
	if (!strcmp(cmd, "destroy"))
		return cmd_destroy(fd, argc, argv);
	if (!strcmp(cmd, "raw"))
		return cmd_raw(fd, argc, argv);
	if (!strcmp(cmd, "badptr"))
		return cmd_badptr(fd, argc, argv);
	bad_usage();
	return KT_USAGE;
}
