// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf-fault: fail every allocation of one operation, one at a time.
 *
 *   kbuf-fault load KO [PARAMS]
 *   kbuf-fault load-contended KO [PARAMS]
 *   kbuf-fault create NAME BACKEND SIZE [GFP [NODE]]  (NODE: KBUF_CREATE_NODE)
 *   kbuf-fault resize DEV SIZE
 *   kbuf-fault mmap DEV
 *   kbuf-fault open DEV
 *   kbuf-fault export NAME   (KBUF_IOC_EXPORT_DMABUF of /dev/kbuf/NAME)
 *   kbuf-fault import NAME   (a dma-buf of /dev/kbuf/NAME imported into
 *                            vgem: the exporter's attach and map_dma_buf)
 *   kbuf-fault refused OP ARGS...
 *
 * For N = 1, 2, ... it writes N to /proc/thread-self/fail-nth, which makes
 * the N-th fault-injection point this thread passes fail (an allocation
 * under failslab or fail_page_alloc, with ignore-gfp-wait off), runs the
 * operation once and reads fail-nth back: 0 means the failure was
 * injected. The sweep ends at the first N the operation did not reach, so
 * every allocation the operation makes, the driver's and the kernel's on
 * its behalf, fails once.
 *
 * An injected failure must give ENOMEM (a load: any error) and leave
 * nothing behind (checked per operation below), or, where the failed
 * allocation was optional, succeed whole (checked too); a success is
 * undone before the next N. The last, uninjected run must succeed.
 *
 * load-contended is load with a second process that opens, maps and holds
 * /dev/kbuf/kmalloc as often as it can all through the sweep (paused only
 * while a load that succeeded is unloaded): an open that succeeds during a
 * load that then fails would be left with a file and a mapping of a freed
 * module (the kernel log then shows it).
 *
 * Prints one line per N ("N ENOMEM", "N ok", or a load's errno name), then
 * "allocations M enomem E ok K". Exits 0 if every run was clean, 1 at the
 * first that was not (the line says why), 2 on usage errors.
 *
 * refused runs an operation the driver must refuse (bad input) once, with
 * the first allocation armed to fail: a refusal must come before anything
 * is allocated, so that no injected failure can turn it into ENOMEM (or
 * leave anything behind). Prints "ERRNO, no allocation" and exits 0 if the
 * operation failed with nothing allocated and nothing changed; else prints
 * what happened and exits 1. "No allocation" means no fault-injection
 * point passed in this thread: the per-CPU allocator, __GFP_NOFAIL and
 * other tasks' allocations are not seen.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/dma-buf.h>

#include "kbuf-test.h"
#include "../../user/kbufctl/kbuf-drm.h"

/* A sweep that reaches this many allocations is not ending. */
#define KF_MAX_NTH 100000U

struct kf_op {
	const char *name;
	int nargs;
	/* Once before the sweep; may open descriptors. */
	void (*prepare)(char **argv);
	/* The operation: 0 or an errno. Runs with fail-nth armed. */
	int (*run)(char **argv);
	/* After a failed run: NULL if nothing changed, else what did. */
	const char *(*check_failed)(char **argv);
	/* After a successful run: NULL if all is there, else what is not. */
	const char *(*check_ok)(char **argv);
	/* After a successful run: put things back as they were. */
	void (*undo)(char **argv);
	/* Any errno is a clean failure (the module loader's own paths). */
	bool any_errno;
};

static int kf_nth_fd = -1;
static int kf_fd = -1;

static void kf_nth_write(unsigned int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%u", n);

	if (pwrite(kf_nth_fd, s, len, 0) != len)
		err(1, "write fail-nth %u", n);
}

static unsigned int kf_nth_read(void)
{
	char s[16] = "";

	if (pread(kf_nth_fd, s, sizeof(s) - 1, 0) <= 0)
		err(1, "read fail-nth");
	return (unsigned int)strtoul(s, NULL, 10);
}

static struct kbuf_info kf_info(int fd)
{
	struct kbuf_info info;

	if (ioctl(fd, KBUF_IOC_INFO, &info) < 0)
		err(1, "KBUF_IOC_INFO");
	return info;
}

/* NULL if the count @now is @want, else @why. */
static const char *kf_count_is(__u64 now, __u64 want, const char *why)
{
	return now == want ? NULL : why;
}

static bool kf_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* ---- load ------------------------------------------------------------- */

static void load_prepare(char **argv)
{
	if (kf_exists("/sys/module/kbuf"))
		errx(1, "kbuf is loaded: unload it before the load sweep");
	kf_fd = kt_open(argv[0], O_RDONLY);
}

static int load_run(char **argv)
{
	const char *params = argv[1] ? argv[1] : "";

	return syscall(SYS_finit_module, kf_fd, params, 0) ? errno : 0;
}

static const char *load_check_failed(char **argv)
{
	(void)argv;
	if (kf_exists("/sys/module/kbuf"))
		return "/sys/module/kbuf exists after a failed load";
	if (kf_exists("/sys/class/kbuf"))
		return "/sys/class/kbuf exists after a failed load";
	return NULL;
}

/* An injected failure the load survived must not have cost a piece. */
static const char *load_check_ok(char **argv)
{
	static const char *const paths[] = {
		"/sys/class/kbuf/kmalloc",
		"/sys/class/kbuf/pages",
		"/sys/class/kbuf/vmalloc",
		"/sys/class/kbuf/control",
	};
	unsigned int i;

	(void)argv;
	for (i = 0; i < ARRAY_SIZE(paths); i++)
		if (!kf_exists(paths[i]))
			return "a loaded module is missing a buffer or the control node";
	return NULL;
}

/*
 * The contending opener: a child that opens, maps and holds
 * /dev/kbuf/kmalloc as often as it can. It holds the module nearly all the
 * time, so a delete_module() racing it may never find the module free: a
 * load that succeeded is undone with the opener paused (it acknowledges
 * the pause only with nothing open or mapped). What races the opener is
 * the load, which is what the sweep is about.
 */
struct kf_opener {
	atomic_int pause;
	atomic_int paused;
};

/* Shared with the opener; its pid is the parent's alone. */
static struct kf_opener *kf_opener;
static pid_t kf_opener_pid;

/* Fails if the opener has died: the sweep would go on uncontended. */
static void kf_opener_check(void)
{
	if (waitpid(kf_opener_pid, NULL, WNOHANG))
		errx(1, "the contending opener died");
}

static void kf_opener_set_pause(int on)
{
	int i;

	if (!kf_opener)
		return;
	kf_opener_check();
	atomic_store(&kf_opener->pause, on);
	for (i = 0; atomic_load(&kf_opener->paused) != on; i++) {
		if (i == 10000)
			errx(1, "the contending opener did not %s",
			     on ? "pause" : "resume");
		usleep(1000);
	}
}

/* The kernel may still hold the module for a moment: try for 10 s. */
static void load_undo(char **argv)
{
	int i;

	(void)argv;
	kf_opener_set_pause(1);
	for (i = 0; syscall(SYS_delete_module, "kbuf", O_NONBLOCK); i++) {
		if (errno != EWOULDBLOCK || i == 1000)
			err(1, "delete_module after a load");
		usleep(10000);
	}
	kf_opener_set_pause(0);
}

/* Hold what was opened long enough for a failing load to unwind under it. */
static void kf_opener_hold(int fd)
{
	unsigned char *p;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED)
		p[0] = 1;
	usleep(20000);
	if (p != MAP_FAILED)
		munmap(p, 4096);
}

static void kf_opener_wait_resume(void)
{
	atomic_store(&kf_opener->paused, 1);
	while (atomic_load(&kf_opener->pause))
		usleep(1000);
	atomic_store(&kf_opener->paused, 0);
}

static void kf_opener_loop(void)
{
	int fd;

	for (;;) {
		if (atomic_load(&kf_opener->pause)) {
			kf_opener_wait_resume();
			continue;
		}
		fd = open("/dev/kbuf/kmalloc", O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			sched_yield();
			continue;
		}
		kf_opener_hold(fd);
		close(fd);
	}
}

/*
 * The opener dies with kbuf-fault, however that exits, and keeps none of
 * its descriptors: an opener left behind would keep the pipes of whoever
 * reads kbuf-fault's output (bats) open, and the module busy, forever.
 */
static void kf_opener_start(void)
{
	pid_t parent = getpid();

	kf_opener = mmap(NULL, sizeof(*kf_opener), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (kf_opener == MAP_FAILED)
		err(1, "mmap");
	kf_opener_pid = fork();
	if (kf_opener_pid < 0)
		err(1, "fork");
	if (kf_opener_pid)
		return;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	if (!freopen("/dev/null", "w", stdout) ||
	    !freopen("/dev/null", "w", stderr) || close_range(3, ~0U, 0))
		_exit(1);
	kf_opener_loop();
	_exit(1);
}

static void load_contended_prepare(char **argv)
{
	load_prepare(argv);
	kf_opener_start();
}

static void kf_opener_stop(void)
{
	if (kf_opener_pid <= 0)
		return;
	kill(kf_opener_pid, SIGKILL);
	waitpid(kf_opener_pid, NULL, 0);
}

/* ---- create ----------------------------------------------------------- */

static struct kbuf_create kf_create;

static void create_prepare(char **argv)
{
	static const char *const backends[] = { "kmalloc", "pages", "vmalloc" };
	unsigned int i;

	memset(&kf_create, 0, sizeof(kf_create));
	if (strlen(argv[0]) >= KBUF_NAME_LEN)
		errx(KT_USAGE, "name too long");
	strcpy(kf_create.name, argv[0]);
	for (i = 0; i < ARRAY_SIZE(backends); i++)
		if (!strcmp(argv[1], backends[i]))
			break;
	if (i == ARRAY_SIZE(backends))
		errx(KT_USAGE, "no backend '%s'", argv[1]);
	kf_create.backend = i;
	kf_create.size = kt_u64(argv[2]);
	kf_create.gfp = KBUF_GFP_KERNEL;
	if (argv[3] && !strcmp(argv[3], "atomic"))
		kf_create.gfp = KBUF_GFP_ATOMIC;
	else if (argv[3] && strcmp(argv[3], "kernel"))
		errx(KT_USAGE, "no gfp '%s'", argv[3]);
	if (argv[3] && argv[4]) {
		kf_create.flags = KBUF_CREATE_NODE;
		kf_create.node = (__u32)kt_u64(argv[4]);
	}
	kf_fd = kt_open("/dev/kbuf/control", O_RDWR);
}

static int create_run(char **argv)
{
	(void)argv;
	return ioctl(kf_fd, KBUF_IOC_CREATE, &kf_create) ? errno : 0;
}

static int create_destroy(void)
{
	struct kbuf_destroy d;

	memcpy(d.name, kf_create.name, sizeof(d.name));
	return ioctl(kf_fd, KBUF_IOC_DESTROY, &d) ? errno : 0;
}

static const char *create_check_failed(char **argv)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/kbuf/%s", argv[0]);
	if (kf_exists(path))
		return "the sysfs directory exists after a failed create";
	if (create_destroy() != ENOENT)
		return "destroy did not say ENOENT after a failed create";
	return NULL;
}

static const char *create_check_ok(char **argv)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/kbuf/%s/capacity", argv[0]);
	if (!kf_exists(path))
		return "a created buffer has no sysfs attributes";
	return NULL;
}

static void create_undo(char **argv)
{
	int e = create_destroy();

	if (e)
		errx(1, "destroy %s after a create: %s", argv[0],
		     kt_errname(e));
}

/* ---- resize ----------------------------------------------------------- */

static struct kbuf_info kf_before;
static unsigned char *kf_data;

/* Fill the buffer with a pattern the checks can find again. */
static void resize_fill(void)
{
	__u64 i, len = kf_before.capacity;

	for (i = 0; i < len; i++)
		kf_data[i] = (unsigned char)(i * 7 + 3);
	if (pwrite(kf_fd, kf_data, len, 0) != (ssize_t)len)
		err(1, "fill the buffer");
	kf_before = kf_info(kf_fd);
}

static void resize_prepare(char **argv)
{
	kf_fd = kt_open(argv[0], O_RDWR);
	kf_before = kf_info(kf_fd);
	kf_data = malloc(kf_before.capacity * 2 + 1);
	if (!kf_data)
		err(1, "malloc");
	resize_fill();
}

static int resize_run(char **argv)
{
	__u64 size = kt_u64(argv[1]);

	return ioctl(kf_fd, KBUF_IOC_RESIZE, &size) ? errno : 0;
}

static const char *resize_check_failed(char **argv)
{
	struct kbuf_info now = kf_info(kf_fd);
	unsigned char *p = kf_data + kf_before.capacity;
	__u64 len = kf_before.length;

	(void)argv;
	if (now.capacity != kf_before.capacity)
		return "the capacity changed after a failed resize";
	if (now.length != kf_before.length)
		return "the length changed after a failed resize";
	if (pread(kf_fd, p, len, 0) != (ssize_t)len || memcmp(p, kf_data, len))
		return "the data changed after a failed resize";
	return NULL;
}

static const char *resize_check_ok(char **argv)
{
	if (kf_info(kf_fd).capacity != kt_u64(argv[1]))
		return "a resize that succeeded did not change the capacity";
	return NULL;
}

static void resize_undo(char **argv)
{
	__u64 size = kf_before.capacity;

	(void)argv;
	if (ioctl(kf_fd, KBUF_IOC_RESIZE, &size))
		err(1, "resize back to %llu", (unsigned long long)size);
	resize_fill();
}

/* ---- mmap ------------------------------------------------------------- */

static void *kf_map;

/*
 * Where a buffer mapped by page goes: 16 TiB, far from anything this
 * process maps, so it has no page tables there and munmap() frees the ones
 * a run made. Every run then allocates them again while the driver inserts
 * its pages, and the sweep fails those allocations too; the mapping
 * straddles a 2 MiB boundary, so the second page table is allocated
 * part-way through (the pages inserted before it must be undone).
 */
#define KF_MAP_FRESH (16ULL << 40)

/*
 * Where a buffer mapped by pfn goes: a hole between two mappings of this
 * process, made by unmapping the middle of three, whose page tables stay
 * (the 2 MiB blocks around a hole of at most 1 MiB are shared with the
 * neighbours). remap_pfn_range() then allocates none. When one of its
 * page-table allocations fails, Linux 6.1 and 6.12 warn in get_pat_info()
 * (arch/x86/mm/pat/memtype.c) while cleaning up: zap_page_range_single()
 * untracks the range before remap_pfn_range() does. That is the kernel's
 * bug, not the driver's; upstream's 2025 rework of pfnmap tracking removed
 * that path. Where the kernel puts a mapping, it may need a page table.
 */
#define KF_HOLE_MAX (1024ULL * 1024)

static unsigned char *kf_hole;

static void mmap_make_hole(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), i;
	unsigned char *g;

	if (len > KF_HOLE_MAX)
		errx(KT_USAGE, "a pfn mapping of %zu bytes is too big to sweep",
		     len);
	g = mmap(NULL, 3 * len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g == MAP_FAILED)
		err(1, "mmap of %zu bytes", 3 * len);
	for (i = 0; i < 3 * len; i += page)
		g[i] = 1;
	if (munmap(g + len, len))
		err(1, "munmap");
	kf_hole = g + len;
}

static void mmap_prepare(char **argv)
{
	kf_fd = kt_open(argv[0], O_RDWR);
	kf_before = kf_info(kf_fd);
	if (!kf_before.map_size)
		errx(KT_USAGE, "%s cannot be mapped", argv[0]);
	if (kf_before.map_mode == KBUF_MAP_PFN)
		mmap_make_hole(kf_before.map_size);
}

static int mmap_run(char **argv)
{
	unsigned long long page = (unsigned long long)sysconf(_SC_PAGESIZE);
	unsigned long long half = kf_before.map_size / 2 / page * page;
	void *at = (void *)(uintptr_t)(KF_MAP_FRESH + (2ULL << 20) - half);

	(void)argv;
	if (kf_before.map_mode == KBUF_MAP_PFN)
		at = kf_hole;
	kf_map = mmap(at, kf_before.map_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_FIXED_NOREPLACE, kf_fd, 0);
	if (kf_map == MAP_FAILED && errno == EEXIST)
		errx(1, "something is mapped at %p already", at);
	return kf_map == MAP_FAILED ? errno : 0;
}

/* Is any mapping of this process backed by @dev? */
static bool mmap_in_maps(const char *dev)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		err(1, "/proc/self/maps");
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, dev);
	fclose(f);
	return found;
}

static const char *mmap_check_failed(char **argv)
{
	if (kf_info(kf_fd).mappings != kf_before.mappings)
		return "the mapping count changed after a failed mmap";
	if (mmap_in_maps(argv[0]))
		return "a mapping of the device exists after a failed mmap";
	return NULL;
}

static const char *mmap_check_ok(char **argv)
{
	(void)argv;
	return kf_count_is(kf_info(kf_fd).mappings, kf_before.mappings + 1,
			   "an mmap that succeeded is not counted");
}

static void mmap_undo(char **argv)
{
	unsigned char *p = kf_map;

	(void)argv;
	/* The mapping works: touching it raises no SIGBUS. */
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED),
			 __ATOMIC_RELAXED);
	if (munmap(kf_map, kf_before.map_size))
		err(1, "munmap");
}

/* ---- open ------------------------------------------------------------- */

static int kf_opened = -1;

static void open_prepare(char **argv)
{
	kf_fd = kt_open(argv[0], O_RDONLY);
	kf_before = kf_info(kf_fd);
}

static int open_run(char **argv)
{
	kf_opened = open(argv[0], O_RDWR | O_CLOEXEC);
	return kf_opened < 0 ? errno : 0;
}

static const char *open_check_failed(char **argv)
{
	(void)argv;
	return kf_count_is(kf_info(kf_fd).opens, kf_before.opens,
			   "the open count changed after a failed open");
}

static const char *open_check_ok(char **argv)
{
	(void)argv;
	return kf_count_is(kf_info(kf_fd).opens, kf_before.opens + 1,
			   "an open that succeeded is not counted");
}

static void open_undo(char **argv)
{
	(void)argv;
	close(kf_opened);
}

/* ---- export ----------------------------------------------------------- */

static int kf_dmabuf = -1, kf_free_fd;

/* Live dma-bufs of buffer @name, as sysfs counts them. */
static unsigned long long export_count(const char *name)
{
	unsigned long long n;
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/kbuf/%s/exports", name);
	f = fopen(path, "re");
	if (!f || fscanf(f, "%llu", &n) != 1)
		err(1, "%s", path);
	fclose(f);
	return n;
}

/* The descriptor the next open() would get. */
static int export_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		err(1, "/dev/null");
	close(fd);
	return fd;
}

static void export_prepare(char **argv)
{
	char dev[96];

	snprintf(dev, sizeof(dev), "/dev/kbuf/%s", argv[0]);
	kf_fd = kt_open(dev, O_RDWR);
	if (export_count(argv[0]))
		errx(KT_USAGE, "%s is exported already", argv[0]);
	kf_free_fd = export_free_fd();
}

static int export_run(char **argv)
{
	struct kbuf_export arg = { .flags = O_RDWR | O_CLOEXEC };

	(void)argv;
	if (ioctl(kf_fd, KBUF_IOC_EXPORT_DMABUF, &arg))
		return errno;
	kf_dmabuf = arg.fd;
	return 0;
}

static const char *export_check_failed(char **argv)
{
	if (export_count(argv[0]))
		return "a dma-buf is counted after a failed export";
	if (export_free_fd() != kf_free_fd)
		return "a descriptor is left after a failed export";
	return NULL;
}

static const char *export_check_ok(char **argv)
{
	if (export_count(argv[0]) != 1)
		return "an export that succeeded is not counted";
	return NULL;
}

/* The dma-buf's release runs before close() returns to user space. */
static void export_undo(char **argv)
{
	close(kf_dmabuf);
	if (export_count(argv[0]))
		errx(1, "the dma-buf of %s outlived its only descriptor",
		     argv[0]);
}

/* ---- import ----------------------------------------------------------- */

/*
 * vgem's DRM_IOCTL_PRIME_FD_TO_HANDLE attaches its device to the dma-buf
 * and maps it for DMA at once: kbuf's attach builds the device's
 * scatterlist, map_dma_buf maps it. Whether vgem is still attached is read
 * where the dma-buf core shows it, in debugfs: the dma-buf is named, so
 * its entry in bufinfo can be found.
 */
#define KF_IMPORT_NAME "kbuf-fault-import"
#define KF_BUFINFO "/sys/kernel/debug/dma_buf/bufinfo"

static int kf_vgem = -1;
static __u32 kf_handle;

/*
 * The devices attached to the dma-buf named KF_IMPORT_NAME (-1: none). An
 * object's line is "size flags mode count exp_name ino name"; its last
 * line says how many devices it has.
 */
static int import_attached(void)
{
	static const char object[] = "%*x %*x %*x %*x %31s %*u %63s";
	static const char total[] = "Total %d devices attached";
	char line[256], exp[32], name[64];
	int n = -1, mine = 0;
	FILE *f = fopen(KF_BUFINFO, "re");

	if (!f)
		err(1, KF_BUFINFO);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, object, exp, name) == 2)
			mine = !strcmp(exp, "kbuf") &&
			       !strcmp(name, KF_IMPORT_NAME);
		else if (mine && sscanf(line, total, &n) == 1)
			break;
	}
	fclose(f);
	return n;
}

static void import_prepare(char **argv)
{
	export_prepare(argv);
	if (export_run(argv))
		err(1, "KBUF_IOC_EXPORT_DMABUF");
	if (ioctl(kf_dmabuf, DMA_BUF_SET_NAME, KF_IMPORT_NAME))
		err(1, "DMA_BUF_SET_NAME");
	kf_vgem = kbuf_drm_open_vgem();
	if (kf_vgem < 0)
		errx(KT_USAGE, "no vgem render node");
	if (import_attached())
		errx(1, "the new dma-buf is not in " KF_BUFINFO " or attached");
}

static int import_run(char **argv)
{
	struct kbuf_drm_prime_handle p = { .fd = kf_dmabuf };

	(void)argv;
	if (ioctl(kf_vgem, KBUF_DRM_IOCTL_PRIME_FD_TO_HANDLE, &p))
		return errno;
	kf_handle = p.handle;
	return 0;
}

static const char *import_check_failed(char **argv)
{
	if (import_attached())
		return "vgem is still attached after a failed import";
	if (export_count(argv[0]) != 1)
		return "the export's count moved";
	return NULL;
}

static const char *import_check_ok(char **argv)
{
	(void)argv;
	if (import_attached() != 1)
		return "an import that succeeded left no attachment";
	return NULL;
}

/* Closing vgem's handle detaches it, before the ioctl returns. */
static void import_undo(char **argv)
{
	struct kbuf_drm_gem_close c = { .handle = kf_handle };

	(void)argv;
	if (ioctl(kf_vgem, KBUF_DRM_IOCTL_GEM_CLOSE, &c))
		err(1, "DRM_IOCTL_GEM_CLOSE");
	if (import_attached())
		errx(1, "vgem is still attached after closing its handle");
}

/* One row per operation, whose other functions are PREFIX_run, ... */
#define KF_OP(NAME, NARGS, PREPARE, PREFIX, ...)                            \
	{                                                                   \
		.name = NAME, .nargs = NARGS, .prepare = PREPARE,           \
		.run = PREFIX##_run, .check_failed = PREFIX##_check_failed, \
		.check_ok = PREFIX##_check_ok, .undo = PREFIX##_undo,       \
		__VA_ARGS__                                                 \
	}

static const struct kf_op kf_ops[] = {
	KF_OP("load", 1, load_prepare, load, .any_errno = true),
	KF_OP("load-contended", 1, load_contended_prepare, load,
	      .any_errno = true),
	KF_OP("create", 3, create_prepare, create),
	KF_OP("resize", 2, resize_prepare, resize),
	KF_OP("mmap", 1, mmap_prepare, mmap),
	KF_OP("open", 1, open_prepare, open),
	KF_OP("export", 1, export_prepare, export),
	KF_OP("import", 1, import_prepare, import),
};

static int kf_sweep(const struct kf_op *op, char **argv)
{
	unsigned int n, enomem = 0, ok = 0;
	const char *why;
	bool injected;
	int e;

	for (n = 1; n <= KF_MAX_NTH; n++) {
		if (kf_opener)
			kf_opener_check();
		kf_nth_write(n);
		e = op->run(argv);
		injected = kf_nth_read() == 0;
		if (!injected) {
			kf_nth_write(0);
			why = e ? "failed with no failure injected" :
				  op->check_ok(argv);
			if (why) {
				printf("%u %s: %s\n", n,
				       e ? kt_errname(e) : "ok", why);
				return 1;
			}
			op->undo(argv);
			printf("allocations %u enomem %u ok %u\n", n - 1,
			       enomem, ok);
			return 0;
		}
		if (!e) {
			why = op->check_ok(argv);
			if (why) {
				printf("%u ok: %s\n", n, why);
				return 1;
			}
			ok++;
			printf("%u ok\n", n);
			op->undo(argv);
			continue;
		}
		if (e != ENOMEM && !op->any_errno) {
			printf("%u %s: an allocation failure must give ENOMEM\n",
			       n, kt_errname(e));
			return 1;
		}
		why = op->check_failed(argv);
		if (why) {
			printf("%u %s: %s\n", n, kt_errname(e), why);
			return 1;
		}
		enomem += e == ENOMEM;
		printf("%u %s\n", n, kt_errname(e));
		fflush(stdout);
	}
	printf("no end after %u allocations\n", KF_MAX_NTH);
	return 1;
}

static int kf_refused(const struct kf_op *op, char **argv)
{
	const char *why;
	bool injected;
	int e;

	kf_nth_write(1);
	e = op->run(argv);
	injected = kf_nth_read() == 0;
	kf_nth_write(0);
	if (!e) {
		op->undo(argv);
		printf("ok: the operation was not refused\n");
		return 1;
	}
	if (injected) {
		printf("%s: an allocation was made before the refusal\n",
		       kt_errname(e));
		return 1;
	}
	why = op->check_failed(argv);
	if (why) {
		printf("%s: %s\n", kt_errname(e), why);
		return 1;
	}
	printf("%s, no allocation\n", kt_errname(e));
	return 0;
}

static const struct kf_op *kf_find(int argc, char **argv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kf_ops); i++)
		if (kt_is(argv[1], kf_ops[i].name, argc - 1, kf_ops[i].nargs))
			return &kf_ops[i];
	errx(KT_USAGE, "no operation '%s'", argv[1]);
}

int main(int argc, char **argv)
{
	const struct kf_op *op;
	bool refused;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	refused = argc > 1 && !strcmp(argv[1], "refused");
	if (refused) {
		argc--;
		argv++;
	}
	if (argc < 2)
		errx(KT_USAGE, "usage: kbuf-fault [refused] OP ARGS...");
	op = kf_find(argc, argv);
	kf_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (kf_nth_fd < 0)
		err(KT_USAGE,
		    "/proc/thread-self/fail-nth (no CONFIG_FAULT_INJECTION?)");
	op->prepare(argv + 2);
	ret = refused ? kf_refused(op, argv + 2) : kf_sweep(op, argv + 2);
	kf_opener_stop();
	return ret;
}
