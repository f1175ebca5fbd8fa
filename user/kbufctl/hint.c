// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl: errors that say what to do. A failed open names the module to
 * load or the group to join; a refused size names the backend's limit or
 * the buffer's max_capacity; a busy buffer names what holds it, from sysfs
 * and /proc (holders.c); a refused dma-buf export says why.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kbufctl.h"

#define KBUF_MODULE_DIR "/sys/module/kbuf"

/* Is the kbuf module loaded? */
bool kbuf_module_loaded(void)
{
	struct stat st;

	return !stat(KBUF_MODULE_DIR, &st);
}

/* The loaded module's version, or "not loaded". */
void kbuf_module_version(char *buf, size_t len)
{
	FILE *f = fopen(KBUF_MODULE_DIR "/version", "re");

	snprintf(buf, len, "%s",
		 kbuf_module_loaded() ? "(version unknown)" : "(not loaded)");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* Print how to load the module, if that is what is wrong. */
bool kbuf_hint_module(void)
{
	if (kbuf_module_loaded())
		return false;
	warnx("the kbuf module is not loaded: load it with 'sudo modprobe kbuf'");
	return true;
}

static const char *kbuf_user_name(void)
{
	struct passwd *pw = getpwuid(getuid());

	return pw ? pw->pw_name : "USER";
}

/* The name of group @gid, or "?". */
static const char *kbuf_group_name(gid_t gid)
{
	struct group *gr = getgrgid(gid);

	return gr ? gr->gr_name : "?";
}

/* Does this process have group @gid, as its own or a supplementary one? */
static bool kbuf_in_group(gid_t gid)
{
	int i, n = getgroups(0, NULL);
	bool found = getegid() == gid;
	gid_t *groups;

	if (found || n <= 0)
		return found;
	groups = calloc((size_t)n, sizeof(*groups));
	if (!groups)
		return false;
	n = getgroups(n, groups);
	for (i = 0; i < n && !found; i++)
		found = groups[i] == gid;
	free(groups);
	return found;
}

/* Does the group database list the caller as a member of @gr? */
static bool kbuf_listed_in(const struct group *gr)
{
	struct passwd *pw = getpwuid(getuid());
	char *const *m;

	if (!pw)
		return false;
	if (pw->pw_gid == gr->gr_gid)
		return true;
	for (m = gr->gr_mem; *m; m++)
		if (!strcmp(*m, pw->pw_name))
			return true;
	return false;
}

/* The permission bits, as for "other", that an open with @flags needs. */
static unsigned int kbuf_access_bits(int flags)
{
	switch (flags & O_ACCMODE) {
	case O_WRONLY:
		return 2;
	case O_RDWR:
		return 6;
	default:
		return 4;
	}
}

/*
 * After EACCES opening buffer node @path with @flags: what would let the
 * caller in. Joining group kbuf helps only if the node is in it and its
 * group bits allow the access, and a user who has just joined must log
 * in again before a process of theirs has the group. If the node cannot
 * even be looked at (a directory on the way), or is no device node at all,
 * there is nothing to add.
 */
static void kbuf_hint_access(const char *path, int flags)
{
	unsigned int need = kbuf_access_bits(flags) << 3;
	struct group *gr = getgrnam("kbuf");
	struct stat st;

	if (!gr) {
		warnx("no group kbuf: 'make install-user' or kbuf-utils makes it");
		return;
	}
	if (stat(path, &st) || !S_ISCHR(st.st_mode))
		return;
	if (st.st_gid != gr->gr_gid)
		warnx("%s is in group %s, not kbuf: is the udev rule 60-kbuf.rules installed?",
		      path, kbuf_group_name(st.st_gid));
	else if ((st.st_mode & need) != need)
		warnx("%s is mode %04o: the kbuf udev rule makes it 0660", path,
		      (unsigned int)(st.st_mode & 07777));
	else if (kbuf_in_group(gr->gr_gid))
		return;
	else if (kbuf_listed_in(gr))
		warnx("%s is in group kbuf, but not this login: log in again, or run 'newgrp kbuf'",
		      kbuf_user_name());
	else
		warnx("join group kbuf: 'sudo usermod -aG kbuf %s', then log in again",
		      kbuf_user_name());
}

/**
 * kbuf_open_fail() - report that @path cannot be opened, with a hint
 * @path:  the node
 * @error: errno of the open
 * @flags: its flags (O_RDONLY, O_WRONLY or O_RDWR matter)
 *
 * Exits 1. The first line is the usual "kbufctl: PATH: error"; the second,
 * when there is one, says what to do.
 */
noreturn void kbuf_open_fail(const char *path, int error, int flags)
{
	bool control = !strcmp(path, KBUF_CONTROL_PATH);

	warnx("%s: %s", path, strerror(error));
	if ((error == ENOENT || error == ENXIO || error == ENODEV) &&
	    !kbuf_hint_module() && error == ENOENT &&
	    !strncmp(path, KBUF_DEV_DIR "/", strlen(KBUF_DEV_DIR "/")))
		warnx("no such buffer: 'kbufctl list' shows them");
	if ((error == EACCES || error == EPERM) && control)
		warnx("creating and destroying buffers needs root: use sudo");
	else if (error == EACCES)
		kbuf_hint_access(path, flags);
	exit(KBUF_EXIT_FAIL);
}

/* After EINVAL for capacity @size: name the limit it broke, if any. */
void kbuf_hint_size(__u32 backend, __u64 size)
{
	char lim[32];

	kbuf_format_size(kbuf_backend_limit(backend), lim, sizeof(lim));
	if (!size)
		warnx("a capacity must be at least 1 byte");
	else if (size > kbuf_backend_limit(backend))
		warnx("%s buffers hold at most %s", kbuf_backend_name(backend),
		      lim);
}

/*
 * Does the loaded module lack buffer attribute @attr, which came with a
 * feature this kbufctl knows? Told by the first buffer in sysfs; false
 * when there is none to ask.
 */
static bool kbuf_module_lacks(const char *attr)
{
	DIR *dir = opendir(KBUF_SYSFS_DIR);
	char buf[64];
	bool lacks = false;
	struct dirent *d;

	if (!dir)
		return false;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.' || !strcmp(d->d_name, "control") ||
		    kbuf_sysfs_read(d->d_name, "backend", buf, sizeof(buf)))
			continue;
		lacks = kbuf_sysfs_read(d->d_name, attr, buf, sizeof(buf)) ==
			-ENOENT;
		break;
	}
	closedir(dir);
	return lacks;
}

#define KBUF_NODES_WITH_MEMORY "/sys/devices/system/node/has_normal_memory"

/* Is @node in @list, a node list as the kernel prints it ("0-1,3")? */
static bool kbuf_node_listed(const char *list, unsigned long node)
{
	unsigned long lo, hi;
	char *end;

	while (*list) {
		lo = strtoul(list, &end, 10);
		if (end == list)
			return false;
		hi = lo;
		if (*end == '-') {
			list = end + 1;
			hi = strtoul(list, &end, 10);
			if (end == list)
				return false;
		}
		if (node >= lo && node <= hi)
			return true;
		if (*end != ',')
			return false;
		list = end + 1;
	}
	return false;
}

/**
 * kbuf_hint_node() - after EINVAL, say so if the node asked for is why
 * @kc: the refused create
 *
 * The driver takes only a node with memory the kernel may allocate from:
 * those listed in KBUF_NODES_WITH_MEMORY (absent without NUMA, when node
 * 0 is all). A module from before KBUF_CREATE_NODE has no numa_node in
 * sysfs, and refuses the flag.
 *
 * Return: true if a hint was printed.
 */
bool kbuf_hint_node(const struct kbuf_create *kc)
{
	char list[256] = "0";
	FILE *f;

	if (!(kc->flags & KBUF_CREATE_NODE))
		return false;
	if (kbuf_module_lacks("numa_node")) {
		warnx("the loaded kbuf module predates --node: load this kbufctl's module");
		return true;
	}
	f = fopen(KBUF_NODES_WITH_MEMORY, "re");
	if (f) {
		if (!fgets(list, sizeof(list), f))
			list[0] = '\0';
		fclose(f);
		list[strcspn(list, "\n")] = '\0';
	}
	if (kbuf_node_listed(list, kc->node))
		return false;
	warnx("NUMA node %u is absent or has no kernel memory; nodes with it: %s (%s)",
	      kc->node, list[0] ? list : "none", KBUF_NODES_WITH_MEMORY);
	return true;
}

/**
 * kbuf_hint_resize_perm() - say why a resize of @info to @size needs root
 * @info: the buffer, as KBUF_IOC_INFO gave it before the resize
 * @size: the capacity asked for
 *
 * After EPERM: without CAP_SYS_ADMIN an atomic buffer is not resized at
 * all, and another grows only up to its max_capacity, read from sysfs.
 */
void kbuf_hint_resize_perm(const struct kbuf_info *info, __u64 size)
{
	char lim[32];
	__u64 max;

	if (info->gfp == KBUF_GFP_ATOMIC) {
		warnx("resizing an atomic buffer needs root: use sudo");
		return;
	}
	if (kbuf_sysfs_u64(info->name, "max_capacity", &max) || size <= max)
		return;
	kbuf_format_size(max, lim, sizeof(lim));
	warnx("growing %s past its max_capacity, %s, needs root: use sudo",
	      info->name, lim);
}

/* How many buffer @name's sysfs attribute @attr counts, 0 if unknown. */
static __u64 kbuf_count(const char *name, const char *attr)
{
	__u64 n = 0;

	kbuf_sysfs_u64(name, attr, &n);
	return n;
}

/*
 * After the processes that hold a buffer were listed: say so if some of
 * the @opens and @maps the driver counts were not found.
 */
static void kbuf_holders_missing(const struct kbuf_holders *seen, __u64 opens,
				 __u64 maps)
{
	if (seen->opens >= opens && seen->maps >= maps)
		return;
	if (getuid())
		warnx("  %s: run as root to see the processes of every user",
		      seen->procs ? "there may be more" : "none found");
	else if (!seen->procs)
		warnx("  no process found in /proc: it may have just let go");
}

/**
 * kbuf_hint_busy() - say what holds buffer @name after EBUSY
 * @name:      the buffer
 * @maps_only: a resize, refused only while the buffer is mapped; else a
 *             destroy, refused while it is open or mapped
 *
 * The counts come from sysfs, the processes from /proc; kbufctl's own
 * open of the node is not counted. A live dma-buf holds the buffer too,
 * and is said first. A count of zero means whatever held
 * the buffer has let go since the driver said EBUSY.
 */
void kbuf_hint_busy(const char *name, bool maps_only)
{
	__u64 maps = kbuf_count(name, "mappings");
	__u64 opens = maps_only ? 0 : kbuf_count(name, "opens");
	__u64 exports = kbuf_count(name, "exports");
	struct kbuf_holders seen;

	if (exports)
		warnx("%s has %llu live dma-buf%s (sysfs exports): %s", name,
		      (unsigned long long)exports, kbuf_plural(exports),
		      "each holds it until its descriptors and mappings close");
	if (!opens && !maps) {
		if (!exports)
			warnx("%s is no longer %s: try again", name,
			      maps_only ? "mapped" : "open or mapped");
		return;
	}
	if (maps_only)
		warnx("%s has %llu mapping%s, and a mapped buffer cannot be resized:",
		      name, (unsigned long long)maps, kbuf_plural(maps));
	else
		warnx("%s is held by %llu open file%s and %llu mapping%s:",
		      name, (unsigned long long)opens, kbuf_plural(opens),
		      (unsigned long long)maps, kbuf_plural(maps));
	seen = kbuf_holders_show(name, maps_only);
	kbuf_holders_missing(&seen, opens, maps);
}

/* Does buffer @dev own no whole page of its own, so that none can be shared? */
static bool kbuf_no_pages(const struct kbuf_dev *dev)
{
	char source[16];

	if (!dev->info.map_size)
		return true;
	return !kbuf_sysfs_read(dev->info.name, "source", source,
				sizeof(source)) &&
	       !strcmp(source, "slab");
}

/**
 * kbuf_hint_export() - report that KBUF_IOC_EXPORT_DMABUF failed on @dev
 * @dev:   the buffer, open read-write
 * @error: errno of the ioctl
 *
 * The first line is "kbufctl: PATH: export: error"; the second, when
 * there is one, says what to do.
 */
void kbuf_hint_export(const struct kbuf_dev *dev, int error)
{
	warnx("%s: export: %s", dev->path, strerror(error));
	if (error == ENOTTY)
		warnx("this module or kernel cannot export dma-bufs: %s",
		      "an older kbuf, or no CONFIG_DMA_SHARED_BUFFER");
	else if (error == EINVAL && kbuf_no_pages(dev))
		warnx("%s owns no whole page (kmalloc under a page, or from a slab cache): %s",
		      dev->info.name, "only whole pages can be exported");
	else if (error == EMFILE)
		warnx("no free descriptor under the limit: raise it with 'ulimit -n'");
	else if (error == ENOMEM)
		warnx("the kernel, or this memory cgroup, is short of memory");
}
