// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl: errors that say what to do. A failed open names the module to
 * load or the group to join; a refused size names the backend's limit or
 * the buffer's max_capacity; a busy buffer names what holds it, from sysfs
 * and /proc/PID/{fd,maps}.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <dirent.h>
#include <err.h>
#include <errno.h>
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

/**
 * kbuf_open_fail() - report that @path cannot be opened, with a hint
 * @path:  the node
 * @error: errno of the open
 *
 * Exits 1. The first line is the usual "kbufctl: PATH: error"; the second,
 * when there is one, says what to do.
 */
noreturn void kbuf_open_fail(const char *path, int error)
{
	bool control = !strcmp(path, KBUF_CONTROL_PATH);
	struct group *gr = getgrnam("kbuf");

	warnx("%s: %s", path, strerror(error));
	if ((error == ENOENT || error == ENXIO || error == ENODEV) &&
	    !kbuf_hint_module() && error == ENOENT &&
	    !strncmp(path, KBUF_DEV_DIR "/", strlen(KBUF_DEV_DIR "/")))
		warnx("no such buffer: 'kbufctl list' shows them");
	if ((error == EACCES || error == EPERM) && control)
		warnx("creating and destroying buffers needs root: use sudo");
	else if (error == EACCES && gr)
		warnx("join group kbuf: 'sudo usermod -aG kbuf %s', then log in again",
		      kbuf_user_name());
	else if (error == EACCES)
		warnx("no group kbuf: 'make install-user' or kbuf-utils makes it");
	exit(KBUF_EXIT_FAIL);
}

/* The largest capacity @backend accepts (see the driver's max_size). */
__u64 kbuf_backend_limit(__u32 backend)
{
	return backend == KBUF_BACKEND_VMALLOC ? KBUF_VMALLOC_LIMIT :
						 KBUF_KMALLOC_LIMIT;
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

/* Count @name's opens (fd) and mappings (maps) held by process @pid. */
static void kbuf_holder_count(const char *pid, const char *node,
			      unsigned int *opens, unsigned int *maps)
{
	char path[KBUF_PATH_MAX], link[KBUF_PATH_MAX], *line = NULL;
	size_t size = 0, len = strlen(node);
	struct dirent *d;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%.20s/fd", pid);
	dir = opendir(path);
	while (dir && (d = readdir(dir))) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%.20s/fd/%.16s", pid,
			 d->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (!strcmp(link, node))
			(*opens)++;
	}
	if (dir)
		closedir(dir);
	snprintf(path, sizeof(path), "/proc/%.20s/maps", pid);
	f = fopen(path, "re");
	while (f && getline(&line, &size, f) > 0) {
		char *end = line + strcspn(line, "\n");

		*end = '\0';
		if ((size_t)(end - line) > len && end[-(long)len - 1] == ' ' &&
		    !strcmp(end - len, node))
			(*maps)++;
	}
	free(line);
	if (f)
		fclose(f);
}

/* The command name of process @pid, or "?". */
static void kbuf_proc_comm(const char *pid, char *buf, size_t len)
{
	char path[KBUF_PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%.20s/comm", pid);
	snprintf(buf, len, "?");
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* Print one line per process that holds /dev/kbuf/@name; how many. */
static unsigned int kbuf_holders(const char *name)
{
	char node[KBUF_PATH_MAX], self[16], comm[64];
	unsigned int found = 0, opens, maps;
	struct dirent *d;
	DIR *proc;

	snprintf(node, sizeof(node), KBUF_DEV_DIR "/%s", name);
	snprintf(self, sizeof(self), "%d", (int)getpid());
	proc = opendir("/proc");
	while (proc && (d = readdir(proc))) {
		if (!strspn(d->d_name, "0123456789") ||
		    !strcmp(d->d_name, self))
			continue;
		opens = 0;
		maps = 0;
		kbuf_holder_count(d->d_name, node, &opens, &maps);
		if (!opens && !maps)
			continue;
		kbuf_proc_comm(d->d_name, comm, sizeof(comm));
		warnx("  pid %s (%s): %u open, %u mapped", d->d_name, comm,
		      opens, maps);
		found++;
	}
	if (proc)
		closedir(proc);
	return found;
}

/**
 * kbuf_hint_busy() - say what holds buffer @name after EBUSY
 * @name: the buffer
 * @own:  opens of the buffer by kbufctl itself, not to be counted
 */
void kbuf_hint_busy(const char *name, unsigned int own)
{
	__u64 opens = 0, maps = 0;

	kbuf_sysfs_u64(name, "opens", &opens);
	kbuf_sysfs_u64(name, "mappings", &maps);
	opens = opens > own ? opens - own : 0;
	warnx("%s is held by %llu open file%s and %llu mapping%s:", name,
	      (unsigned long long)opens, opens == 1 ? "" : "s",
	      (unsigned long long)maps, maps == 1 ? "" : "s");
	if (!kbuf_holders(name))
		warnx("  no process found in /proc%s",
		      getuid() ? " (run as root to see every process)" : "");
}
