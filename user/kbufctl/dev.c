// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl: opening buffer nodes, reading sysfs, and "kbufctl info".
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kbufctl.h"

#define KBUF_WHERE_LINES 8

/*
 * KBUF_IOC_INFO; a module of 0.1.0, still loaded after kbufctl was
 * upgraded, knows only the request code of its smaller struct: ask again
 * with that, and leave the fields it does not have at zero.
 */
static void kbuf_dev_info(struct kbuf_dev *dev)
{
	int ret = ioctl(dev->fd, KBUF_IOC_INFO, &dev->info);

	if (ret && errno == ENOTTY) {
		memset(&dev->info, 0, sizeof(dev->info));
		ret = ioctl(dev->fd, KBUF_IOC_INFO_VER0, &dev->info);
	}
	if (ret)
		err(KBUF_EXIT_FAIL, "%s: KBUF_IOC_INFO", dev->path);
	dev->info.name[KBUF_NAME_LEN - 1] = '\0';
}

/**
 * kbuf_dev_open() - open a buffer node and ask it for its info, or exit
 * @dev:   filled in
 * @arg:   the DEV argument: a path or a bare name
 * @flags: open() flags
 *
 * Exits 1 if the node cannot be opened or is not a kbuf buffer node.
 */
void kbuf_dev_open(struct kbuf_dev *dev, const char *arg, int flags)
{
	int ret;

	ret = kbuf_dev_path(arg, dev->path, sizeof(dev->path));
	if (ret)
		errx(KBUF_EXIT_USAGE, "%s: %s", arg, strerror(-ret));
	dev->fd = open(dev->path, flags | O_CLOEXEC);
	if (dev->fd < 0)
		kbuf_open_fail(dev->path, errno, flags);
	kbuf_dev_info(dev);
}

void kbuf_dev_close(struct kbuf_dev *dev)
{
	if (close(dev->fd))
		err(KBUF_EXIT_FAIL, "%s: close", dev->path);
	dev->fd = -1;
}

/**
 * kbuf_dev_map() - map the whole of a buffer (map_size bytes), or exit
 * @dev:   an open buffer
 * @prot:  PROT_READ, maybe with PROT_WRITE
 * @flags: mmap flags besides MAP_SHARED
 *
 * Return: the mapping, map_size bytes long.
 */
void *kbuf_dev_map(struct kbuf_dev *dev, int prot, int flags)
{
	void *map;

	if (!dev->info.map_size)
		errx(KBUF_EXIT_FAIL,
		     "%s: nothing to map: a kmalloc buffer smaller than a page owns no whole page",
		     dev->path);
	map = mmap(NULL, dev->info.map_size, prot, MAP_SHARED | flags, dev->fd,
		   0);
	if (map == MAP_FAILED)
		err(KBUF_EXIT_FAIL, "%s: mmap of %llu bytes", dev->path,
		    (unsigned long long)dev->info.map_size);
	return map;
}

/**
 * kbuf_dev_pwrite() - write all of @buf at @off, or exit 1
 * @dev: an open buffer
 * @buf: the data
 * @len: its length
 * @off: where it goes
 *
 * A write that crosses the capacity is short; the next one then fails
 * with ENOSPC, and the message names the offset it reached.
 */
void kbuf_dev_pwrite(struct kbuf_dev *dev, const void *buf, size_t len,
		     __u64 off)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t n = pwrite(dev->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err(KBUF_EXIT_FAIL, "%s: write at offset %llu",
			    dev->path, (unsigned long long)off);
		if (!n)
			errx(KBUF_EXIT_FAIL,
			     "%s: write at offset %llu: wrote 0 bytes",
			     dev->path, (unsigned long long)off);
		p += n;
		len -= (size_t)n;
		off += (__u64)n;
	}
}

/**
 * kbuf_dev_pread() - read up to @len bytes at @off, or exit 1
 * @dev: an open buffer
 * @buf: where to put them
 * @len: at most this many
 * @off: from here
 *
 * Return: bytes read; fewer than @len only at the buffer's length.
 */
size_t kbuf_dev_pread(struct kbuf_dev *dev, void *buf, size_t len, __u64 off)
{
	unsigned char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(dev->fd, p + done, len - done,
				  (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err(KBUF_EXIT_FAIL, "%s: read at offset %llu",
			    dev->path, (unsigned long long)(off + done));
		if (!n)
			break;
		done += (size_t)n;
	}
	return done;
}

/**
 * kbuf_sysfs_read() - one attribute of /sys/class/kbuf/<name>/
 * @name: the buffer
 * @attr: the attribute
 * @buf:  its value, without the trailing newline
 * @len:  bytes at @buf
 *
 * Return: 0 or -errno.
 */
int kbuf_sysfs_read(const char *name, const char *attr, char *buf, size_t len)
{
	char path[KBUF_PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), KBUF_SYSFS_DIR "/%s/%s", name, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* A decimal attribute; 0, -errno, or -EINVAL if it is not a number. */
int kbuf_sysfs_u64(const char *name, const char *attr, __u64 *val)
{
	char buf[64];
	int ret;

	ret = kbuf_sysfs_read(name, attr, buf, sizeof(buf));
	if (ret)
		return ret;
	return kbuf_parse_size(buf, val);
}

/**
 * kbuf_backend_limit() - the largest capacity @backend accepts
 * @backend: KBUF_BACKEND_*
 *
 * As the loaded driver says in /sys/class/kbuf/control/limits/, which
 * depends on the architecture's page size and largest order; read once.
 * Without it (no module, or one older than that file), x86-64's values.
 */
__u64 kbuf_backend_limit(__u32 backend)
{
	static __u64 cache[KBUF_BACKEND_VMALLOC + 1];
	char attr[32];
	__u64 v;

	if (backend > KBUF_BACKEND_VMALLOC)
		return 0;
	v = __atomic_load_n(&cache[backend], __ATOMIC_RELAXED);
	if (v)
		return v;
	snprintf(attr, sizeof(attr), "limits/%s", kbuf_backend_name(backend));
	if (kbuf_sysfs_u64("control", attr, &v) || !v)
		v = backend == KBUF_BACKEND_VMALLOC ? KBUF_VMALLOC_LIMIT :
						      KBUF_KMALLOC_LIMIT;
	__atomic_store_n(&cache[backend], v, __ATOMIC_RELAXED);
	return v;
}

/**
 * struct kbuf_where - where a buffer sits in the kernel's memory
 * @placement: in words: the slab cache, the page allocator or vmalloc
 * @source:    the /proc file that shows it, or NULL
 * @err:       errno of reading @source (EACCES: not root), or 0
 * @lines:     the matching lines of @source
 * @nr_lines:  how many
 */
struct kbuf_where {
	char placement[64];
	const char *source;
	int err;
	char *lines[KBUF_WHERE_LINES];
	size_t nr_lines;
};

/* Keep the lines of @w->source that @match likes. */
static void kbuf_proc_grep(struct kbuf_where *w,
			   bool (*match)(const char *line, const char *key),
			   const char *key)
{
	char *line = NULL;
	size_t size = 0;
	FILE *f;

	f = fopen(w->source, "re");
	if (!f) {
		w->err = errno;
		return;
	}
	while (getline(&line, &size, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (w->nr_lines < KBUF_WHERE_LINES && match(line, key))
			w->lines[w->nr_lines++] = strdup(line);
	}
	free(line);
	fclose(f);
}

/* A vmallocinfo line of the kbuf module with exactly @key ("pages=N"). */
static bool kbuf_match_vmalloc(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	if (!strstr(line, "[kbuf]") || !p)
		return false;
	p += strlen(key);
	return *p == ' ' || *p == '\0';
}

/* The slabinfo line of cache @key. */
static bool kbuf_match_slab(const char *line, const char *key)
{
	size_t len = strlen(key);

	return !strncmp(line, key, len) && line[len] == ' ';
}

/*
 * kbuf charges every buffer to a memory cgroup (__GFP_ACCOUNT), and SLUB
 * serves charged requests from the kmalloc-cg-* caches wherever the
 * kernel made them (memory cgroups with kernel memory accounting, as in
 * Debian's kernels); from the plain cache of the size otherwise. Rewrite
 * @cache ("kmalloc-4k") to the cache that holds kbuf's objects.
 */
static void kbuf_kmalloc_charged_cache(char *cache, size_t len)
{
	char cg[64], path[96];
	size_t n;

	snprintf(cg, sizeof(cg), "kmalloc-cg-%s", cache + strlen("kmalloc-"));
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s", cg);
	n = strlen(cg) + 1;
	if (n <= len && !access(path, F_OK))
		memcpy(cache, cg, n);
}

/*
 * The driver says in sysfs "source" which allocator served the buffer
 * (slab or pages): that is the kernel's own answer and wins. Without it
 * (an older module) the answer is worked out from the size as SLUB does.
 */
static void kbuf_where_kmalloc(const struct kbuf_info *info,
			       struct kbuf_where *w)
{
	__u64 page = (__u64)kbuf_page_size();
	__u64 size = kbuf_kmalloc_alloc_size(info->capacity, page);
	char cache[32], source[16];
	bool large;

	large = kbuf_kmalloc_cache_name(size, cache, sizeof(cache));
	if (large)
		snprintf(cache, sizeof(cache), "of %llu bytes",
			 (unsigned long long)size);
	if (!kbuf_sysfs_read(info->name, "source", source, sizeof(source)))
		large = !strcmp(source, "pages");
	if (large) {
		snprintf(w->placement, sizeof(w->placement),
			 "page allocator (kmalloc of %llu bytes, order %u)",
			 (unsigned long long)size, kbuf_page_order(size, page));
		return;
	}
	kbuf_kmalloc_charged_cache(cache, sizeof(cache));
	snprintf(w->placement, sizeof(w->placement), "slab cache %s", cache);
	w->source = "/proc/slabinfo";
	kbuf_proc_grep(w, kbuf_match_slab, cache);
}

static void kbuf_where_find(const struct kbuf_info *info, struct kbuf_where *w)
{
	__u64 page = (__u64)kbuf_page_size();
	char key[32];

	memset(w, 0, sizeof(*w));
	switch (info->backend) {
	case KBUF_BACKEND_KMALLOC:
		kbuf_where_kmalloc(info, w);
		break;
	case KBUF_BACKEND_PAGES:
		snprintf(w->placement, sizeof(w->placement),
			 "page allocator (order %u)",
			 kbuf_page_order(info->capacity, page));
		break;
	case KBUF_BACKEND_VMALLOC:
		snprintf(w->placement, sizeof(w->placement),
			 "vmalloc area (%llu pages)",
			 (unsigned long long)(info->map_size / page));
		snprintf(key, sizeof(key), " pages=%llu",
			 (unsigned long long)(info->map_size / page));
		w->source = "/proc/vmallocinfo";
		kbuf_proc_grep(w, kbuf_match_vmalloc, key);
		break;
	}
}

static void kbuf_where_free(struct kbuf_where *w)
{
	while (w->nr_lines)
		free(w->lines[--w->nr_lines]);
}

static const char *const kbuf_counters[] = {
	"reads", "writes", "bytes_read", "bytes_written", "mmaps",
};

static void kbuf_info_counters_text(const char *name)
{
	char label[32];
	size_t i;
	__u64 v;

	for (i = 0; i < ARRAY_SIZE(kbuf_counters); i++) {
		if (kbuf_sysfs_u64(name, kbuf_counters[i], &v))
			continue;
		snprintf(label, sizeof(label), "%s:", kbuf_counters[i]);
		printf("%-15s%llu\n", label, (unsigned long long)v);
	}
}

static void kbuf_where_text(const struct kbuf_where *w)
{
	size_t i;

	printf("%-15s%s\n", "placement:", w->placement);
	if (!w->source)
		return;
	if (w->err)
		printf("%-15s(cannot read %s: %s%s)\n", "seen in:", w->source,
		       strerror(w->err),
		       w->err == EACCES ? ", needs root" : "");
	else if (!w->nr_lines)
		printf("%-15s(no matching line in %s)\n",
		       "seen in:", w->source);
	for (i = 0; i < w->nr_lines; i++)
		printf("%-15s%s\n", i ? "" : "seen in:", w->lines[i]);
}

/*
 * The NUMA node the buffer was created on (sysfs numa_node), into @buf:
 * the number, or "" when none was asked for. Return: false if the module
 * does not say (before 0.2.0).
 */
static bool kbuf_info_node(const char *name, char *buf, size_t len)
{
	if (kbuf_sysfs_read(name, "numa_node", buf, len))
		return false;
	if (!strcmp(buf, "-1"))
		buf[0] = '\0';
	return !buf[0] || strspn(buf, "0123456789") == strlen(buf);
}

static void kbuf_info_text(const struct kbuf_dev *dev,
			   const struct kbuf_where *w)
{
	char node[16];
	const struct kbuf_info *in = &dev->info;
	__u64 page = (__u64)kbuf_page_size(), exports;
	char size[32];

	kbuf_format_size(in->capacity, size, sizeof(size));
	printf("%-15s%s\n", "name:", in->name);
	printf("%-15s%s\n", "device:", dev->path);
	printf("%-15s%s\n", "backend:", kbuf_backend_name(in->backend));
	printf("%-15s%llu (%s)\n",
	       "capacity:", (unsigned long long)in->capacity, size);
	printf("%-15s%llu\n", "length:", (unsigned long long)in->length);
	printf("%-15s%llu (%llu pages)\n",
	       "map size:", (unsigned long long)in->map_size,
	       (unsigned long long)(in->map_size / page));
	printf("%-15s%s\n", "map mode:", kbuf_map_mode_name(in->map_mode));
	printf("%-15s%s\n", "gfp:", kbuf_gfp_name(in->gfp));
	if (kbuf_info_node(in->name, node, sizeof(node)))
		printf("%-15s%s\n", "numa node:", node[0] ? node : "any");
	printf("%-15s%llu\n", "mappings:", (unsigned long long)in->mappings);
	printf("%-15s%llu\n", "opens:", (unsigned long long)in->opens - 1);
	if (!kbuf_sysfs_u64(in->name, "exports", &exports))
		printf("%-15s%llu\n", "exports:", (unsigned long long)exports);
	if (in->flags & KBUF_INFO_PHYS)
		printf("%-15s0x%llx\n",
		       "phys addr:", (unsigned long long)in->phys_addr);
	kbuf_info_counters_text(in->name);
	kbuf_where_text(w);
}

static void kbuf_json_u64_field(const char *key, __u64 v, bool comma)
{
	printf("\"%s\":%llu%s", key, (unsigned long long)v, comma ? "," : "");
}

static void kbuf_info_json_where(const struct kbuf_where *w)
{
	size_t i;

	printf("\"placement\":");
	kbuf_json_string(stdout, w->placement);
	printf(",\"seen_in\":");
	if (!w->source || w->err) {
		printf("null");
		return;
	}
	printf("[");
	for (i = 0; i < w->nr_lines; i++) {
		if (i)
			printf(",");
		kbuf_json_string(stdout, w->lines[i]);
	}
	printf("]");
}

static void kbuf_info_json_counters(const char *name)
{
	size_t i;
	__u64 v;

	printf("\"counters\":{");
	for (i = 0; i < ARRAY_SIZE(kbuf_counters); i++) {
		printf("%s\"%s\":", i ? "," : "", kbuf_counters[i]);
		if (kbuf_sysfs_u64(name, kbuf_counters[i], &v))
			printf("null");
		else
			printf("%llu", (unsigned long long)v);
	}
	printf("}");
}

static void kbuf_info_json(const struct kbuf_dev *dev,
			   const struct kbuf_where *w)
{
	const struct kbuf_info *in = &dev->info;
	char node[16];
	__u64 exports;

	printf("{\"name\":");
	kbuf_json_string(stdout, in->name);
	printf(",\"device\":");
	kbuf_json_string(stdout, dev->path);
	printf(",\"backend\":\"%s\",", kbuf_backend_name(in->backend));
	kbuf_json_u64_field("capacity", in->capacity, true);
	kbuf_json_u64_field("length", in->length, true);
	kbuf_json_u64_field("map_size", in->map_size, true);
	printf("\"map_mode\":\"%s\",", kbuf_map_mode_name(in->map_mode));
	printf("\"gfp\":\"%s\",", kbuf_gfp_name(in->gfp));
	if (kbuf_info_node(in->name, node, sizeof(node)) && node[0])
		printf("\"numa_node\":%s,", node);
	else
		printf("\"numa_node\":null,");
	kbuf_json_u64_field("mappings", in->mappings, true);
	kbuf_json_u64_field("opens", in->opens - 1, true);
	if (!kbuf_sysfs_u64(in->name, "exports", &exports))
		kbuf_json_u64_field("exports", exports, true);
	else
		printf("\"exports\":null,");
	if (in->flags & KBUF_INFO_PHYS)
		kbuf_json_u64_field("phys_addr", in->phys_addr, true);
	else
		printf("\"phys_addr\":null,");
	kbuf_info_json_counters(in->name);
	printf(",");
	kbuf_info_json_where(w);
	printf("}\n");
}

static const char *const kbuf_info_help[] = {
	"Usage: kbufctl info DEV [--json]",
	"",
	"Show one buffer in full: what KBUF_IOC_INFO reports, the sysfs",
	"counters, and where the memory sits: the kmalloc slab cache, the",
	"page allocator or the vmalloc area, with the matching line of",
	"/proc/slabinfo or /proc/vmallocinfo when readable (root).",
	"'opens' does not count kbufctl's own open.",
	"",
	"Options:",
	" -j, --json   print one JSON object",
	" -h, --help   show this help",
	NULL,
};

int kbuf_cmd_info(int argc, char **argv)
{
	struct kbuf_where where;
	struct kbuf_dev dev;
	bool json = false;
	const char *arg;
	int c;

	while ((c = kbuf_getopt(argc, argv, "j,json", kbuf_info_help)) != -1)
		if (c == 'j')
			json = true;
	arg = kbuf_arg_next(argc, argv, "DEV");
	kbuf_args_done(argc, argv);
	kbuf_dev_open(&dev, arg, O_RDONLY);
	kbuf_where_find(&dev.info, &where);
	if (json)
		kbuf_info_json(&dev, &where);
	else
		kbuf_info_text(&dev, &where);
	kbuf_where_free(&where);
	kbuf_dev_close(&dev);
	return KBUF_EXIT_OK;
}
