// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl: which processes hold a buffer. A process holds it through an
 * open descriptor (/proc/PID/fd) or a mapping (/proc/PID/maps). Both are
 * matched by the device, never by the path text: a descriptor by the
 * st_rdev of what it points to, a mapping by the device and inode that
 * maps prints (or that of the file it names), or, where
 * /proc/PID/map_files can be read (root), by its st_rdev too. So a node
 * opened through another name (a bind mount, a second node made with
 * mknod) is still found. A process's figure counts descriptors: two
 * descriptors may share one open file (dup, fork), which the driver's
 * "opens" counts once.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <dirent.h>
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kbufctl.h"

/* Is the open file of /proc/@pid/fd/@fd the node @node? */
static bool kbuf_fd_is(const char *pid, const char *fd, const struct stat *node)
{
	char path[KBUF_PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%.20s/fd/%.16s", pid, fd);
	return !stat(path, &st) && S_ISCHR(st.st_mode) &&
	       st.st_rdev == node->st_rdev;
}

/* How many descriptors of process @pid are open on @node. */
static unsigned int kbuf_fd_count(const char *pid, const struct stat *node)
{
	char path[KBUF_PATH_MAX];
	unsigned int n = 0;
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%.20s/fd", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.' && kbuf_fd_is(pid, d->d_name, node))
			n++;
	closedir(dir);
	return n;
}

/*
 * Is the maps line @line of process @pid a mapping of @node? Through
 * map_files where it can be read (root); else through the file the line
 * names, if it still is the inode the line gives ("MAJ:MIN INODE") and a
 * node of the same device: so a mapping made through another node of
 * the buffer is found without root too.
 */
static bool kbuf_map_is(const char *pid, const char *line,
			const struct stat *node)
{
	unsigned long long start, end, ino;
	char path[KBUF_PATH_MAX];
	unsigned int maj, min;
	struct stat st;
	int name = 0;

	if (sscanf(line, "%llx-%llx %*s %*s %x:%x %llu %n", &start, &end, &maj,
		   &min, &ino, &name) != 5)
		return false;
	/* maps pads the addresses with zeros, map_files does not. */
	snprintf(path, sizeof(path), "/proc/%.20s/map_files/%llx-%llx", pid,
		 start, end);
	if (!stat(path, &st))
		return S_ISCHR(st.st_mode) && st.st_rdev == node->st_rdev;
	if (makedev(maj, min) == node->st_dev && ino == node->st_ino)
		return true;
	if (!name || line[name] != '/')
		return false;
	snprintf(path, sizeof(path), "%.*s", (int)strcspn(line + name, "\n"),
		 line + name);
	return !stat(path, &st) && S_ISCHR(st.st_mode) &&
	       st.st_rdev == node->st_rdev && st.st_dev == makedev(maj, min) &&
	       st.st_ino == ino;
}

/* How many mappings of process @pid map @node. */
static unsigned int kbuf_map_count(const char *pid, const struct stat *node)
{
	char path[KBUF_PATH_MAX], *line = NULL;
	unsigned int n = 0;
	size_t size = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%.20s/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (getline(&line, &size, f) > 0)
		if (kbuf_map_is(pid, line, node))
			n++;
	free(line);
	fclose(f);
	return n;
}

/*
 * The command name of process @pid, or "?", safe to print: any process
 * chooses its own name, and a byte outside printable ASCII (an escape
 * sequence for the terminal of whoever runs kbufctl) is shown as \xNN.
 */
static void kbuf_proc_comm(const char *pid, char *buf, size_t len)
{
	char path[KBUF_PATH_MAX], raw[32];
	size_t i, got, n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%.20s/comm", pid);
	snprintf(buf, len, "?");
	f = fopen(path, "re");
	if (!f)
		return;
	/* The name may hold a newline of its own: only the last one ends it. */
	got = fread(raw, 1, sizeof(raw) - 1, f);
	if (got && raw[got - 1] == '\n')
		got--;
	raw[got] = '\0';
	if (got) {
		for (i = 0; i < got && n + 5 <= len; i++) {
			unsigned char c = (unsigned char)raw[i];

			if (c >= 0x20 && c < 0x7f && c != '\\')
				buf[n++] = (char)c;
			else
				n += (size_t)snprintf(buf + n, len - n,
						      "\\x%02x", c);
		}
		buf[n] = '\0';
	}
	fclose(f);
}

/* Print what process @pid holds of @node, if anything; add it to @seen. */
static void kbuf_holder_show(const char *pid, const struct stat *node,
			     bool maps_only, struct kbuf_holders *seen)
{
	unsigned int opens = kbuf_fd_count(pid, node);
	unsigned int maps = kbuf_map_count(pid, node);
	char comm[128];

	if (!maps && (maps_only || !opens))
		return;
	kbuf_proc_comm(pid, comm, sizeof(comm));
	if (maps_only)
		warnx("  pid %s (%s): %u mapping%s", pid, comm, maps,
		      kbuf_plural(maps));
	else
		warnx("  pid %s (%s): %u descriptor%s, %u mapping%s", pid, comm,
		      opens, kbuf_plural(opens), maps, kbuf_plural(maps));
	seen->opens += opens;
	seen->maps += maps;
	seen->procs++;
}

/**
 * kbuf_holders_show() - print one line per process that holds buffer @name
 * @name:      the buffer
 * @maps_only: name only the processes that map it, and only their mappings
 *
 * kbufctl's own process is left out. Processes of other users are seen
 * only by root.
 *
 * Return: what was found, all zero if the node cannot be found.
 */
struct kbuf_holders kbuf_holders_show(const char *name, bool maps_only)
{
	struct kbuf_holders seen = { 0 };
	char node_path[KBUF_PATH_MAX], self[16];
	struct stat node;
	struct dirent *d;
	DIR *proc;

	snprintf(node_path, sizeof(node_path), KBUF_DEV_DIR "/%s", name);
	snprintf(self, sizeof(self), "%d", (int)getpid());
	if (stat(node_path, &node) || !S_ISCHR(node.st_mode))
		return seen;
	proc = opendir("/proc");
	if (!proc)
		return seen;
	while ((d = readdir(proc)))
		if (d->d_name[strspn(d->d_name, "0123456789")] == '\0' &&
		    strcmp(d->d_name, self))
			kbuf_holder_show(d->d_name, &node, maps_only, &seen);
	closedir(proc);
	return seen;
}
