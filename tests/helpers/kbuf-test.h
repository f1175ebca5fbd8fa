/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared bits of the kbuf test helpers: errno names, number parsing,
 * opening a device or an inherited descriptor, and the buffer ioctls.
 *
 * Every helper reports a failed system call by printing the errno name
 * alone on a line (EBUSY, EFAULT, ...) so that the bats suites can assert
 * the exact error. Usage errors exit with status 2, so that they never
 * pass for an expected failure (status 1).
 */
#ifndef KBUF_TEST_H
#define KBUF_TEST_H

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kbuf.h>

#define KT_USAGE 2

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline const char *kt_errname(int e)
{
	const char *name = strerrorname_np(e);

	return name ? name : "EUNKNOWN";
}

/* Print the errno name of a failed call on its own line. */
static inline void kt_perr(int e)
{
	printf("%s\n", kt_errname(e));
	fflush(stdout);
}

/* Print @msg, or the errno name if @ret < 0; returns 1 on failure. */
static inline int kt_report_msg(long long ret, const char *msg)
{
	if (ret < 0) {
		kt_perr(errno);
		return 1;
	}
	printf("%s\n", msg);
	fflush(stdout);
	return 0;
}

/* Print a count, or the errno name if @ret < 0; returns 1 on failure. */
static inline int kt_report(ssize_t ret)
{
	char count[24];

	if (ret < 0)
		return kt_report_msg(ret, "");
	snprintf(count, sizeof(count), "%zd", ret);
	return kt_report_msg(ret, count);
}

/* @n zeroed bytes (one if @n is 0); a failure is a usage error. */
static inline void *kt_xcalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		err(KT_USAGE, "calloc");
	return p;
}

/* An address with at least @n unmapped bytes at it, for EFAULT tests. */
static inline void *kt_unmapped(size_t n)
{
	long psz = sysconf(_SC_PAGESIZE);
	size_t len = (n + psz - 1) / psz * psz + psz;
	void *p;

	p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		err(KT_USAGE, "mmap");
	if (munmap(p, len))
		err(KT_USAGE, "munmap");
	return p;
}

static inline unsigned long long kt_u64(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		errx(KT_USAGE, "not an unsigned number: '%s'", s);
	return v;
}

static inline long long kt_s64(const char *s)
{
	long long v;
	char *end;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || end == s || *end)
		errx(KT_USAGE, "not a number: '%s'", s);
	return v;
}

/*
 * Open @dev with @flags; "fd:N" names a descriptor inherited from the
 * shell instead. A failed open prints the errno name and exits 1.
 */
static inline int kt_open(const char *dev, int flags)
{
	int fd;

	if (!strncmp(dev, "fd:", 3))
		return (int)kt_u64(dev + 3);
	fd = open(dev, flags | O_CLOEXEC);
	if (fd < 0) {
		kt_perr(errno);
		exit(1);
	}
	return fd;
}

/*
 * The options before the device: -r opens it O_RDONLY, -w O_WRONLY, the
 * default is O_RDWR. Any other option exits with @usage.
 */
static inline int kt_access_opts(int argc, char **argv, const char *usage)
{
	int flags = O_RDWR, opt;

	while ((opt = getopt(argc, argv, "+rw")) != -1) {
		if (opt == 'r')
			flags = O_RDONLY;
		else if (opt == 'w')
			flags = O_WRONLY;
		else
			errx(KT_USAGE, "%s", usage);
	}
	return flags;
}

static inline const char *kt_backend_name(__u32 b)
{
	static const char *const names[] = { "kmalloc", "pages", "vmalloc" };

	return b < 3 ? names[b] : "unknown";
}

static inline const char *kt_map_mode_name(__u32 m)
{
	return m == KBUF_MAP_PAGE ? "page" :
	       m == KBUF_MAP_PFN  ? "pfn" :
				    "unknown";
}

static inline const char *kt_gfp_name(__u32 g)
{
	return g == KBUF_GFP_KERNEL ? "kernel" :
	       g == KBUF_GFP_ATOMIC ? "atomic" :
				      "unknown";
}

/*
 * Print the first @nfields fields of struct kbuf_info as key=value lines,
 * or only the value of @key. Returns 0, or -1 if @key is not one of them.
 */
static inline int kt_print_info_n(const struct kbuf_info *i, const char *key,
				  int nfields)
{
	char name[KBUF_NAME_LEN + 1];
	struct {
		const char *k;
		char v[48];
	} f[12];
	int n = 0, j;

	memcpy(name, i->name, KBUF_NAME_LEN);
	name[KBUF_NAME_LEN] = '\0';
#define KT_S(kk, fmt, val)                                  \
	do {                                                \
		f[n].k = kk;                                \
		snprintf(f[n].v, sizeof(f[n].v), fmt, val); \
		n++;                                        \
	} while (0)
	KT_S("name", "%s", name);
	KT_S("backend", "%s", kt_backend_name(i->backend));
	KT_S("map_mode", "%s", kt_map_mode_name(i->map_mode));
	KT_S("gfp", "%s", kt_gfp_name(i->gfp));
	KT_S("flags", "%u", (unsigned int)i->flags);
	KT_S("capacity", "%llu", (unsigned long long)i->capacity);
	KT_S("length", "%llu", (unsigned long long)i->length);
	KT_S("map_size", "%llu", (unsigned long long)i->map_size);
	KT_S("mappings", "%llu", (unsigned long long)i->mappings);
	KT_S("opens", "%llu", (unsigned long long)i->opens);
	KT_S("phys_addr", "%llu", (unsigned long long)i->phys_addr);
	KT_S("exports", "%llu", (unsigned long long)i->exports);
#undef KT_S
	if (nfields < n)
		n = nfields;
	for (j = 0; j < n; j++) {
		if (!key)
			printf("%s=%s\n", f[j].k, f[j].v);
		else if (!strcmp(key, f[j].k))
			break;
	}
	if (!key)
		return 0;
	if (j == n)
		return -1;
	printf("%s\n", f[j].v);
	return 0;
}

/* Every field of struct kbuf_info, as kt_print_info_n(). */
static inline int kt_print_info(const struct kbuf_info *i, const char *key)
{
	return kt_print_info_n(i, key, 12);
}

/*
 * Is the operation word @op @name? Then it needs @nargs more words of the
 * @argc left, counting @op itself.
 */
static inline int kt_is(const char *op, const char *name, int argc, int nargs)
{
	if (strcmp(op, name))
		return 0;
	if (argc < nargs + 1)
		errx(KT_USAGE, "%s needs %d argument(s)", name, nargs);
	return 1;
}

/**
 * struct kt_op - one operation word of a helper's command line
 * @name:  the word
 * @nargs: how many words follow it
 * @run:   runs it, @args[0] being the word and @args[1..@nargs] its
 *         arguments; returns nonzero if the operation failed
 */
struct kt_op {
	const char *name;
	int nargs;
	int (*run)(char **args);
};

/*
 * Run the @argc operation words of @argv one after another, each found by
 * name in @ops. Returns 1 if any of them failed; an unknown word or one
 * short of arguments is a usage error (@usage is the program's synopsis).
 */
static inline int kt_run_ops(const struct kt_op *ops, size_t n_ops, int argc,
			     char **argv, const char *usage)
{
	int failed = 0, used;
	size_t i;

	while (argc > 0) {
		for (i = 0; i < n_ops && strcmp(ops[i].name, argv[0]); i++)
			;
		if (i == n_ops)
			errx(KT_USAGE, "unknown operation '%s'\n%s", argv[0],
			     usage);
		used = ops[i].nargs + 1;
		if (argc < used)
			errx(KT_USAGE, "%s needs %d argument(s)", argv[0],
			     ops[i].nargs);
		failed |= ops[i].run(argv) != 0;
		argv += used;
		argc -= used;
	}
	return failed;
}

/* Print @n bytes with anything unprintable as \xHH, then a newline. */
static inline void kt_print_escaped(const unsigned char *p, size_t n)
{
	size_t j;

	for (j = 0; j < n; j++) {
		if (isprint(p[j]) && p[j] != '\\')
			putchar(p[j]);
		else
			printf("\\x%02x", p[j]);
	}
	putchar('\n');
}

#endif /* KBUF_TEST_H */
