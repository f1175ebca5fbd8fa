// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl create and destroy: buffers made and removed at run time through
 * the control node, /dev/kbuf/control (root only).
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kbufctl.h"

static const char *const kbuf_create_help[] = {
	"Usage: kbufctl create NAME --backend B --size SIZE [--gfp G] [--map M]",
	"                      [--node N] [--quiet]",
	"",
	"Create buffer NAME (1 to 31 characters of a-z, 0-9, _ and -) and",
	"print its device node, /dev/kbuf/NAME. Needs CAP_SYS_ADMIN.",
	"",
	"Options:",
	" -B, --backend B   kmalloc, pages or vmalloc",
	" -s, --size SIZE   capacity in bytes (K, M, G accepted), up to the",
	"                   backend's limit in /sys/class/kbuf/control/limits",
	"                   (x86-64: 4 MiB for kmalloc and pages, 1 GiB for vmalloc)",
	" -g, --gfp G       kernel (default) or atomic (not for vmalloc)",
	" -M, --map M       how mmap() maps it: page (struct page) or pfn",
	"                   (remap_pfn_range); default: the module's map_mode",
	"                   for pages and vmalloc, pfn for kmalloc (pfn only)",
	" -L, --node N      take the memory from NUMA node N only, now and at",
	"                   each resize; N must have memory the kernel may use",
	"                   (listed in /sys/devices/system/node/has_normal_memory)",
	" -q, --quiet       do not print the device node",
	" -h, --help        show this help",
	NULL,
};

static const char kbuf_create_opts[] =
	"B,backend= s,size= g,gfp= M,map= L,node= q,quiet";

static const char kbuf_name_rule[] =
	"use 1 to 31 characters of a-z, 0-9, _ and -, not \"control\"";

/*
 * NAME; with @node_ok, /dev/kbuf/NAME too. Any other path is refused:
 * its last part is not what it names.
 */
static const char *kbuf_arg_name(int argc, char **argv, bool node_ok)
{
	const char *arg = kbuf_arg_next(argc, argv, "NAME");
	const char *dir = KBUF_DEV_DIR "/";
	const char *name = arg;

	if (node_ok && !strncmp(arg, dir, strlen(dir)))
		name = arg + strlen(dir);
	if (strchr(name, '/'))
		kbuf_usage_error(argv[0], "'%s' is not a buffer name%s", arg,
				 node_ok ? " or " KBUF_DEV_DIR "/NAME" : "");
	if (!kbuf_name_valid(name))
		kbuf_usage_error(argv[0], "'%s' is not a buffer name: %s", name,
				 kbuf_name_rule);
	return name;
}

static void kbuf_create_option(const char *prog, int c, struct kbuf_create *kc)
{
	if (c == 's') {
		kc->size = kbuf_arg_size(prog, "size", optarg);
	} else if (c == 'B' && kbuf_parse_backend(optarg, &kc->backend)) {
		kbuf_usage_error(prog, "backend '%s' is not %s", optarg,
				 "kmalloc, pages or vmalloc");
	} else if (c == 'g' && kbuf_parse_gfp(optarg, &kc->gfp)) {
		kbuf_usage_error(prog, "gfp '%s' is not kernel or atomic",
				 optarg);
	} else if (c == 'M') {
		kc->flags &= ~(KBUF_CREATE_MAP_PAGE | KBUF_CREATE_MAP_PFN);
		kc->flags |= kbuf_parse_create_map(optarg);
		if (!(kc->flags & ~KBUF_CREATE_NODE))
			kbuf_usage_error(prog,
					 "map mode '%s' is not page or pfn",
					 optarg);
	} else if (c == 'L') {
		if (kbuf_parse_node(optarg, &kc->node))
			kbuf_usage_error(prog, "node '%s' is not a node number",
					 optarg);
		kc->flags |= KBUF_CREATE_NODE;
	}
}

static void kbuf_create_parse(int argc, char **argv, struct kbuf_create *kc,
			      bool *quiet)
{
	bool backend = false, size = false;
	int c;

	memset(kc, 0, sizeof(*kc));
	kc->gfp = KBUF_GFP_KERNEL;
	while ((c = kbuf_getopt(argc, argv, kbuf_create_opts,
				kbuf_create_help)) != -1) {
		kbuf_create_option(argv[0], c, kc);
		backend |= c == 'B';
		size |= c == 's';
		*quiet |= c == 'q';
	}
	if (!backend || !size)
		kbuf_usage_error(argv[0], "missing %s",
				 backend ? "--size" : "--backend");
	if (kc->backend == KBUF_BACKEND_VMALLOC && kc->gfp == KBUF_GFP_ATOMIC)
		kbuf_usage_error(argv[0], "--gfp atomic is not for vmalloc");
	if (kc->backend == KBUF_BACKEND_KMALLOC &&
	    (kc->flags & KBUF_CREATE_MAP_PAGE))
		kbuf_usage_error(argv[0],
				 "--map page is not for kmalloc (pfn only)");
	snprintf(kc->name, sizeof(kc->name), "%s",
		 kbuf_arg_name(argc, argv, false));
	kbuf_args_done(argc, argv);
}

/* Send one control ioctl about buffer @name; 0 or errno, said. */
static int kbuf_control(unsigned long req, void *arg, const char *verb,
			const char *name)
{
	int fd = open(KBUF_CONTROL_PATH, O_RDWR | O_CLOEXEC);
	int error = 0;

	if (fd < 0)
		kbuf_open_fail(KBUF_CONTROL_PATH, errno, O_RDWR);
	if (ioctl(fd, req, arg)) {
		error = errno;
		warn("%s: %s %s", KBUF_CONTROL_PATH, verb, name);
	}
	close(fd);
	if (error == EPERM)
		warnx("creating and destroying buffers needs root: use sudo");
	return error;
}

int kbuf_cmd_create(int argc, char **argv)
{
	struct kbuf_create kc;
	bool quiet = false;
	int error;

	kbuf_create_parse(argc, argv, &kc, &quiet);
	error = kbuf_control(KBUF_IOC_CREATE, &kc, "create", kc.name);
	if (error == EINVAL && !kbuf_hint_node(&kc))
		kbuf_hint_size(kc.backend, kc.size);
	if (error == EEXIST)
		warnx("a buffer named %s exists: 'kbufctl list' shows them",
		      kc.name);
	if (error)
		return KBUF_EXIT_FAIL;
	if (!quiet)
		printf(KBUF_DEV_DIR "/%s\n", kc.name);
	return KBUF_EXIT_OK;
}

static const char *const kbuf_destroy_help[] = {
	"Usage: kbufctl destroy NAME",
	"",
	"Destroy buffer NAME and remove /dev/kbuf/NAME; NAME may also be given",
	"as /dev/kbuf/NAME. Fails with EBUSY while the buffer is open or mapped,",
	"and then names the processes that hold it.",
	"Needs CAP_SYS_ADMIN.",
	"",
	"Options:",
	" -h, --help   show this help",
	NULL,
};

int kbuf_cmd_destroy(int argc, char **argv)
{
	struct kbuf_destroy kd;

	kbuf_getopt_none(argc, argv, kbuf_destroy_help);
	memset(&kd, 0, sizeof(kd));
	snprintf(kd.name, sizeof(kd.name), "%s",
		 kbuf_arg_name(argc, argv, true));
	kbuf_args_done(argc, argv);
	switch (kbuf_control(KBUF_IOC_DESTROY, &kd, "destroy", kd.name)) {
	case 0:
		return KBUF_EXIT_OK;
	case EBUSY:
		kbuf_hint_busy(kd.name, false);
		break;
	case ENOENT:
		warnx("no buffer named %s: 'kbufctl list' shows them", kd.name);
		break;
	}
	return KBUF_EXIT_FAIL;
}
