/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kbufctl: private declarations shared by the command files.
 *
 * parse.c holds the pure functions (sizes, patterns, the PRNG, names, size
 * classes) that the host unit tests exercise; dev.c opens buffers and reads
 * sysfs; util.c holds option and output helpers; every other file
 * implements one group of commands (stress and bench have their own
 * private headers, stress.h and bench.h).
 *
 * Copyright (C) 2025 The kbuf authors
 */
#ifndef KBUFCTL_H
#define KBUFCTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdnoreturn.h>
#include <linux/types.h>

#include <linux/kbuf.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define KBUF_DEV_DIR "/dev/kbuf"
#define KBUF_CONTROL_PATH KBUF_DEV_DIR "/control"
#define KBUF_SYSFS_DIR "/sys/class/kbuf"
#define KBUF_PATH_MAX 256

/* Exit statuses of every command. */
#define KBUF_EXIT_OK 0
#define KBUF_EXIT_FAIL 1
#define KBUF_EXIT_USAGE 2

/* Bytes moved per read()/write() by the commands that stream data. */
#define KBUF_CHUNK (64 * 1024)

/*
 * The largest capacity of each backend on x86-64, for a module that does
 * not say it in sysfs (kbuf_backend_limit()).
 */
#define KBUF_KMALLOC_LIMIT (4ULL * 1024 * 1024)
#define KBUF_VMALLOC_LIMIT (1024ULL * 1024 * 1024)

/* Largest slab size class on x86-64 with SLUB (2 pages); above: pages. */
#define KBUF_KMALLOC_MAX_CACHE 8192

/**
 * struct kbuf_cmd - one row of the subcommand table
 * @name:    the word after "kbufctl"
 * @run:     the command; argv[0] is "kbufctl <name>"; returns an exit status
 * @summary: one line for "kbufctl --help"
 */
struct kbuf_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

enum kbuf_pattern_kind {
	KBUF_PATTERN_SEQ,
	KBUF_PATTERN_RANDOM,
	KBUF_PATTERN_BYTE,
};

/**
 * struct kbuf_pattern - the data fill writes and verify expects
 * @kind: seq (offset % 251), random:SEED (splitmix64) or byte:0xNN
 * @seed: the seed of a random pattern
 * @byte: the value of a byte pattern
 */
struct kbuf_pattern {
	enum kbuf_pattern_kind kind;
	__u64 seed;
	unsigned char byte;
};

/**
 * struct kbuf_dev - an open buffer node
 * @path: the node's path, for messages
 * @fd:   the open descriptor
 * @info: what KBUF_IOC_INFO said right after open
 */
struct kbuf_dev {
	char path[KBUF_PATH_MAX];
	int fd;
	struct kbuf_info info;
};

/* parse.c: pure functions, unit-tested on the host */
int kbuf_parse_size(const char *s, __u64 *out);
int kbuf_parse_pattern(const char *s, struct kbuf_pattern *pat);
void kbuf_pattern_fill(const struct kbuf_pattern *pat, __u64 off,
		       unsigned char *buf, size_t len);
bool kbuf_name_valid(const char *name);
int kbuf_dev_path(const char *arg, char *path, size_t len);
int kbuf_parse_backend(const char *s, __u32 *backend);
int kbuf_parse_gfp(const char *s, __u32 *gfp);
__u32 kbuf_parse_create_map(const char *s);
int kbuf_parse_node(const char *s, __u32 *node);
const char *kbuf_backend_name(__u32 backend);
const char *kbuf_map_mode_name(__u32 map_mode);
const char *kbuf_gfp_name(__u32 gfp);
void kbuf_format_size(__u64 bytes, char *buf, size_t len);
void kbuf_format_size_short(__u64 bytes, char *buf, size_t len);
__u64 kbuf_kmalloc_alloc_size(__u64 capacity, __u64 page_size);
__u64 kbuf_kmalloc_class(__u64 size);
int kbuf_kmalloc_cache_name(__u64 size, char *buf, size_t len);
unsigned int kbuf_page_order(__u64 size, __u64 page_size);
__u64 kbuf_splitmix64_at(__u64 seed, __u64 n);
__u64 kbuf_splitmix64(__u64 *state);

/* layout.c: pure helpers, unit-tested too */
size_t kbuf_count_runs(const __u64 *pfn, size_t n);
void kbuf_layout_picture(const __u64 *pfn, size_t n, size_t cells, char *out,
			 size_t len);

/* util.c: options, messages and output */
void kbuf_getopt_none(int argc, char **argv, const char *const *help);
int kbuf_getopt(int argc, char **argv, const char *spec,
		const char *const *help);
noreturn void kbuf_usage_error(const char *prog, const char *fmt, ...);
const char *kbuf_arg_next(int argc, char **argv, const char *what);
void kbuf_args_done(int argc, char **argv);
__u64 kbuf_arg_size(const char *prog, const char *what, const char *s);
unsigned int kbuf_arg_count(const char *prog, const char *what, const char *s,
			    unsigned int max);
unsigned int kbuf_arg_list(const char *prog, const char *s, const char *what,
			   void (*add)(const char *prog, const char *item,
				       void *arg),
			   void *arg);
long kbuf_page_size(void);
double kbuf_now(void);
void kbuf_json_string(FILE *out, const char *s);
void kbuf_write_stdout(const void *buf, size_t len);
const char *kbuf_plural(__u64 n);

/**
 * struct kbuf_progress - a progress bar on stderr, drawn only on a terminal
 * @label: what is being done
 * @total: bytes to do
 * @shown: percentage drawn last, or -1
 * @tty:   stderr is a terminal
 */
struct kbuf_progress {
	const char *label;
	__u64 total;
	int shown;
	bool tty;
};

void kbuf_progress_start(struct kbuf_progress *p, const char *label,
			 __u64 total);
void kbuf_progress_update(struct kbuf_progress *p, __u64 done);
void kbuf_progress_end(struct kbuf_progress *p);
void kbuf_progress_clear(struct kbuf_progress *p);

/* hint.c: errors that say what to do */
bool kbuf_module_loaded(void);
void kbuf_module_version(char *buf, size_t len);
bool kbuf_hint_module(void);
noreturn void kbuf_open_fail(const char *path, int error, int flags);
void kbuf_hint_size(__u32 backend, __u64 size);
bool kbuf_hint_node(const struct kbuf_create *kc);
void kbuf_hint_resize_perm(const struct kbuf_info *info, __u64 size);
void kbuf_hint_busy(const char *name, bool maps_only);

void kbuf_hint_export(const struct kbuf_dev *dev, int error);

/**
 * struct kbuf_holders - what the processes found holding a buffer hold
 * @opens: open descriptors of its node
 * @maps:  mappings of it
 * @procs: processes
 */
struct kbuf_holders {
	unsigned int opens;
	unsigned int maps;
	unsigned int procs;
};

/* holders.c: the processes that hold a buffer, from /proc */
struct kbuf_holders kbuf_holders_show(const char *name, bool maps_only);

/* dev.c: opening buffers, sysfs */
void kbuf_dev_open(struct kbuf_dev *dev, const char *arg, int flags);
void kbuf_dev_close(struct kbuf_dev *dev);
int kbuf_sysfs_read(const char *name, const char *attr, char *buf, size_t len);
int kbuf_sysfs_u64(const char *name, const char *attr, __u64 *val);
__u64 kbuf_backend_limit(__u32 backend);
void *kbuf_dev_map(struct kbuf_dev *dev, int prot, int flags);
void kbuf_dev_pwrite(struct kbuf_dev *dev, const void *buf, size_t len,
		     __u64 off);
size_t kbuf_dev_pread(struct kbuf_dev *dev, void *buf, size_t len, __u64 off);

/* The commands. */
int kbuf_cmd_list(int argc, char **argv);
int kbuf_cmd_info(int argc, char **argv);
int kbuf_cmd_create(int argc, char **argv);
int kbuf_cmd_destroy(int argc, char **argv);
int kbuf_cmd_write(int argc, char **argv);
int kbuf_cmd_read(int argc, char **argv);
int kbuf_cmd_truncate(int argc, char **argv);
int kbuf_cmd_clear(int argc, char **argv);
int kbuf_cmd_resize(int argc, char **argv);
int kbuf_cmd_fill(int argc, char **argv);
int kbuf_cmd_verify(int argc, char **argv);
int kbuf_cmd_map(int argc, char **argv);
int kbuf_cmd_export(int argc, char **argv);
int kbuf_cmd_layout(int argc, char **argv);
int kbuf_cmd_stress(int argc, char **argv);
int kbuf_cmd_bench(int argc, char **argv);
int kbuf_cmd_help(int argc, char **argv);

#endif /* KBUFCTL_H */
