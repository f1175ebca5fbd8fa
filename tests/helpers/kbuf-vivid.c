// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf-vivid: vivid, the V4L2 test driver, as an importer of a kbuf
 * dma-buf.
 *
 *   kbuf-vivid format
 *   kbuf-vivid import DEV
 *   kbuf-vivid capture DEV SPARE ORDER
 *   kbuf-vivid hold PID FD READY
 *
 * Each first finds vivid's video capture node (the first /dev/videoN whose
 * VIDIOC_QUERYCAP says driver "vivid", single-planar capture, streaming,
 * not touch), selects input 0 (a webcam), sets the format (YUYV 320x180)
 * and the controls, found by name, that make every frame alike: the 75%
 * colour bars with the border and the square (rows that differ from the
 * bars' rows), no OSD text, no movement.
 *
 *   format            the node and the frame's sizeimage: "/dev/video0 115200"
 *   import DEV        export buffer DEV (a kbuf node) as a dma-buf for each
 *                     of vivid's capture buffers (V4L2_MEMORY_DMABUF) and
 *                     queue them: "queued", or the errno name VIDIOC_QBUF
 *                     failed with
 *   capture DEV SPARE ORDER
 *                     capture a frame into vivid's own (MMAP) buffer; fill
 *                     kbuf buffers DEV and SPARE (the same size) with a
 *                     byte each that the frame does not hold, queue a
 *                     dma-buf of each as vivid's two capture buffers, and
 *                     capture until vivid has handed back both. Each, read
 *                     through its node with pread(), must hold the MMAP
 *                     frame: "same N" (N bytes alike), or "buffer I
 *                     differs at OFFSET: MMAP DMABUF" (exit 1). Then close
 *                     the importer, the dma-bufs and the nodes in ORDER,
 *                     the words video, dmabuf and node joined by commas,
 *                     and after each print the word and the live exports
 *                     of DEV and SPARE (sysfs): "video 1 1"
 *   hold PID FD READY take descriptor FD of process PID, a dma-buf, with
 *                     pidfd_getfd(2), queue it as vivid's capture buffer
 *                     0 (V4L2_MEMORY_DMABUF, attached and mapped by
 *                     vivid now), close it: "queued"; then create file
 *                     READY and keep vivid's buffer until killed
 *
 * A failed call prints its errno name (exit 1). No vivid node, a control
 * or format vivid does not have, a buffer smaller than the frame and a
 * usage error print a message on stderr and exit 2.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/syscall.h>

#include <linux/dma-buf.h>
#include <linux/videodev2.h>

#include "kbuf-test.h"

#define KV_USAGE                                                            \
	"usage: kbuf-vivid format | import DEV | capture DEV SPARE ORDER\n" \
	"       | hold PID FD READY\n"                                      \
	"ORDER: video, dmabuf and node joined by commas"
#define KV_WIDTH 320
#define KV_HEIGHT 180
#define KV_BUFS 2 /* vivid starts streaming with two buffers queued */
#define KV_TIMEOUT_MS 60000

/* What a failed call reports: its errno name, exit status 1. */
static void kv_fail(void)
{
	kt_perr(errno);
	exit(1);
}

static void kv_ioctl(int fd, unsigned long req, void *arg)
{
	if (ioctl(fd, req, arg) < 0)
		kv_fail();
}

/* Is /dev/video@name vivid's capture node? Returns its fd, or -1. */
static int kv_try_node(const char *name, char *path, size_t len)
{
	struct v4l2_capability cap;
	__u32 caps, want = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
	int fd;

	snprintf(path, len, "/dev/%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memset(&cap, 0, sizeof(cap));
	if (ioctl(fd, VIDIOC_QUERYCAP, &cap) == 0) {
		caps = cap.capabilities & V4L2_CAP_DEVICE_CAPS ?
			       cap.device_caps :
			       cap.capabilities;
		if (!strcmp((char *)cap.driver, "vivid") &&
		    (caps & want) == want && !(caps & V4L2_CAP_TOUCH))
			return fd;
	}
	close(fd);
	return -1;
}

/* Open vivid's capture node, the lowest-numbered one; @path gets its name. */
static int kv_open_vivid(char *path, size_t len)
{
	char name[32];
	int n, fd;

	for (n = 0; n < 256; n++) {
		snprintf(name, sizeof(name), "video%d", n);
		fd = kv_try_node(name, path, len);
		if (fd >= 0)
			return fd;
	}
	errx(KT_USAGE, "no vivid video capture node in /dev");
}

/* The index of menu item @item of control @q, or exit 2. */
static __s64 kv_menu_index(int fd, const struct v4l2_query_ext_ctrl *q,
			   const char *item)
{
	struct v4l2_querymenu m;
	__s64 i;

	for (i = q->minimum; i <= q->maximum; i++) {
		memset(&m, 0, sizeof(m));
		m.id = q->id;
		m.index = i;
		if (!ioctl(fd, VIDIOC_QUERYMENU, &m) &&
		    !strcmp((char *)m.name, item))
			return i;
	}
	errx(KT_USAGE, "vivid's control '%s' has no item '%s'", q->name, item);
}

/*
 * Set the control named @name (found by walking VIDIOC_QUERY_EXT_CTRL) to
 * its menu item @item, or to @value if @item is NULL.
 */
static void kv_set_ctrl(int fd, const char *name, const char *item, int value)
{
	struct v4l2_query_ext_ctrl q = { .id = V4L2_CTRL_FLAG_NEXT_CTRL };
	struct v4l2_control c;

	while (!ioctl(fd, VIDIOC_QUERY_EXT_CTRL, &q)) {
		if (!strcmp(q.name, name)) {
			c.id = q.id;
			c.value = item ? kv_menu_index(fd, &q, item) : value;
			kv_ioctl(fd, VIDIOC_S_CTRL, &c);
			return;
		}
		q.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
	}
	errx(KT_USAGE, "vivid has no control '%s'", name);
}

/* Input 0, the fixed format and controls; returns the frame's sizeimage. */
static __u32 kv_setup(int fd)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	int input = 0;

	kv_ioctl(fd, VIDIOC_S_INPUT, &input);
	f.fmt.pix.width = KV_WIDTH;
	f.fmt.pix.height = KV_HEIGHT;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	kv_ioctl(fd, VIDIOC_S_FMT, &f);
	if (f.fmt.pix.pixelformat != V4L2_PIX_FMT_YUYV ||
	    f.fmt.pix.width != KV_WIDTH || f.fmt.pix.height != KV_HEIGHT)
		errx(KT_USAGE, "vivid gave format %.4s %ux%u, not YUYV %ux%u",
		     (char *)&f.fmt.pix.pixelformat, f.fmt.pix.width,
		     f.fmt.pix.height, KV_WIDTH, KV_HEIGHT);
	kv_set_ctrl(fd, "Test Pattern", "75% Colorbar", 0);
	kv_set_ctrl(fd, "OSD Text Mode", "None", 0);
	kv_set_ctrl(fd, "Horizontal Movement", "No Movement", 0);
	kv_set_ctrl(fd, "Vertical Movement", "No Movement", 0);
	kv_set_ctrl(fd, "Show Border", NULL, 1);
	kv_set_ctrl(fd, "Show Square", NULL, 1);
	return f.fmt.pix.sizeimage;
}

/* VIDIOC_REQBUFS of @count buffers of @memory; returns how many vivid gave. */
static __u32 kv_reqbufs(int fd, __u32 memory, __u32 count)
{
	struct v4l2_requestbuffers r = {
		.count = count,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = memory,
	};

	kv_ioctl(fd, VIDIOC_REQBUFS, &r);
	if (count && r.count < count)
		errx(KT_USAGE, "vivid gave %u buffers, not %u", r.count, count);
	return r.count;
}

/* Wait for a filled buffer and dequeue it into @b. */
static void kv_dqbuf(int fd, __u32 memory, struct v4l2_buffer *b)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, KV_TIMEOUT_MS);

	if (n < 0)
		kv_fail();
	if (n == 0) {
		errno = ETIMEDOUT;
		kv_fail();
	}
	memset(b, 0, sizeof(*b));
	b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b->memory = memory;
	kv_ioctl(fd, VIDIOC_DQBUF, b);
	if (b->flags & V4L2_BUF_FLAG_ERROR)
		errx(KT_USAGE, "vivid marked buffer %u in error", b->index);
}

/* STREAMON, the first @n filled buffers dequeued into @b[], STREAMOFF. */
static void kv_capture_n(int fd, __u32 memory, struct v4l2_buffer *b,
			 unsigned int n)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	unsigned int i;

	kv_ioctl(fd, VIDIOC_STREAMON, &type);
	for (i = 0; i < n; i++)
		kv_dqbuf(fd, memory, &b[i]);
	kv_ioctl(fd, VIDIOC_STREAMOFF, &type);
}

/* A frame captured into vivid's own MMAP buffers, copied into @frame. */
static __u32 kv_capture_mmap(int fd, unsigned char *frame, __u32 size)
{
	struct v4l2_buffer b;
	void *map[KV_BUFS];
	__u32 i, len[KV_BUFS], used;

	kv_reqbufs(fd, V4L2_MEMORY_MMAP, KV_BUFS);
	for (i = 0; i < KV_BUFS; i++) {
		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		kv_ioctl(fd, VIDIOC_QUERYBUF, &b);
		len[i] = b.length;
		map[i] = mmap(NULL, b.length, PROT_READ, MAP_SHARED, fd,
			      b.m.offset);
		if (map[i] == MAP_FAILED)
			kv_fail();
		kv_ioctl(fd, VIDIOC_QBUF, &b);
	}
	kv_capture_n(fd, V4L2_MEMORY_MMAP, &b, 1);
	used = b.bytesused < size ? b.bytesused : size;
	memcpy(frame, map[b.index], used);
	for (i = 0; i < KV_BUFS; i++)
		munmap(map[i], len[i]);
	kv_reqbufs(fd, V4L2_MEMORY_MMAP, 0);
	return used;
}

/* A kbuf buffer as one of vivid's capture buffers. */
struct kv_slot {
	int node; /* the kbuf node */
	int dbuf; /* a dma-buf of it */
};

/*
 * Export each slot's node as a dma-buf and queue slot i as buffer i of a
 * DMABUF queue. Returns 0, or the errno VIDIOC_QBUF failed with (the later
 * slots are not queued then).
 */
static int kv_queue_dmabufs(int fd, struct kv_slot *slot)
{
	struct kbuf_export e;
	struct v4l2_buffer b;
	__u32 i;

	for (i = 0; i < KV_BUFS; i++) {
		memset(&e, 0, sizeof(e));
		e.flags = O_RDWR | O_CLOEXEC;
		kv_ioctl(slot[i].node, KBUF_IOC_EXPORT_DMABUF, &e);
		slot[i].dbuf = e.fd;
	}
	kv_reqbufs(fd, V4L2_MEMORY_DMABUF, KV_BUFS);
	for (i = 0; i < KV_BUFS; i++) {
		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_DMABUF;
		b.index = i;
		b.m.fd = slot[i].dbuf;
		if (ioctl(fd, VIDIOC_QBUF, &b) < 0)
			return errno;
	}
	return 0;
}

/* vivid's node, set up; @size gets the frame's sizeimage. */
static int kv_open_setup(__u32 *size, char *path, size_t len)
{
	int fd = kv_open_vivid(path, len);

	*size = kv_setup(fd);
	return fd;
}

static int kv_format(void)
{
	char path[64];
	__u32 size;

	kv_open_setup(&size, path, sizeof(path));
	printf("%s %u\n", path, size);
	return 0;
}

/* Open kbuf node @dev; exit 2 if it holds less than @size bytes. */
static int kv_open_node(const char *dev, __u32 size)
{
	struct kbuf_info info;
	int node = kt_open(dev, O_RDWR);

	kv_ioctl(node, KBUF_IOC_INFO, &info);
	if (info.capacity < size)
		errx(KT_USAGE, "%s holds %llu bytes, less than a frame (%u)",
		     dev, (unsigned long long)info.capacity, size);
	return node;
}

/* Both capture buffers are dma-bufs of @dev: does vivid take them? */
static int kv_import(const char *dev)
{
	struct kv_slot slot[KV_BUFS];
	char path[64];
	__u32 size, i;
	int fd, qerr;

	fd = kv_open_setup(&size, path, sizeof(path));
	for (i = 0; i < KV_BUFS; i++)
		slot[i].node = kv_open_node(dev, size);
	qerr = kv_queue_dmabufs(fd, slot);
	if (qerr) {
		kt_perr(qerr);
		return 1;
	}
	printf("queued\n");
	return 0;
}

/* Read @used bytes back through @s's node, its dma-buf synced for reading. */
static void kv_read_back(const struct kv_slot *s, unsigned char *got,
			 __u32 used)
{
	struct dma_buf_sync sync = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	__u64 len = used;
	ssize_t n;

	kv_ioctl(s->dbuf, DMA_BUF_IOCTL_SYNC, &sync);
	kv_ioctl(s->node, KBUF_IOC_SET_LENGTH, &len);
	n = pread(s->node, got, used, 0);
	if (n < 0)
		kv_fail();
	if ((__u32)n != used)
		errx(KT_USAGE, "pread gave %zd bytes of %u", n, used);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	kv_ioctl(s->dbuf, DMA_BUF_IOCTL_SYNC, &sync);
}

/*
 * Fill the first @used bytes of each slot's buffer with a byte the frame
 * @want does not hold, a different one per slot: a page vivid did not
 * write then cannot pass for a page of the frame.
 */
static void kv_fill(struct kv_slot *slot, const unsigned char *want, __u32 used)
{
	bool seen[256] = { false };
	unsigned char *buf = kt_xcalloc(used);
	unsigned int v = 0;
	__u32 i;

	for (i = 0; i < used; i++)
		seen[want[i]] = true;
	for (i = 0; i < KV_BUFS; i++, v++) {
		while (v < 256 && seen[v])
			v++;
		if (v == 256)
			errx(KT_USAGE, "the frame holds every byte value");
		memset(buf, v, used);
		if (pwrite(slot[i].node, buf, used, 0) != (ssize_t)used)
			kv_fail();
	}
	free(buf);
}

/* The live exports of kbuf node @dev (/dev/kbuf/NAME), from sysfs. */
static unsigned long kv_exports(const char *dev)
{
	const char *name = strrchr(dev, '/');
	unsigned long n;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/kbuf/%s/exports",
		 name ? name + 1 : dev);
	f = fopen(path, "re");
	if (!f || fscanf(f, "%lu", &n) != 1)
		err(KT_USAGE, "%s", path);
	fclose(f);
	return n;
}

/* Close descriptor @w ("video", "dmabuf": both, "node": both). */
static void kv_close_one(const char *w, int fd, const struct kv_slot *slot)
{
	__u32 i;

	if (!strcmp(w, "video")) {
		close(fd);
		return;
	}
	if (strcmp(w, "dmabuf") && strcmp(w, "node"))
		errx(KT_USAGE, "unknown descriptor '%s'\n%s", w, KV_USAGE);
	for (i = 0; i < KV_BUFS; i++)
		close(!strcmp(w, "dmabuf") ? slot[i].dbuf : slot[i].node);
}

/*
 * Close the descriptors in @order ("video,dmabuf,node" or another), and
 * after each print it and the live exports of @dev and @spare:
 * "video 1 1".
 */
static void kv_close(const char *order, int fd, const struct kv_slot *slot,
		     const char *dev, const char *spare)
{
	char *words = strdup(order), *w, *save = NULL;
	int n = 0;

	for (w = strtok_r(words, ",", &save); w;
	     w = strtok_r(NULL, ",", &save), n++) {
		kv_close_one(w, fd, slot);
		printf("%s %lu %lu\n", w, kv_exports(dev), kv_exports(spare));
	}
	free(words);
	if (n != 3)
		errx(KT_USAGE, "ORDER names %d descriptors, not 3\n%s", n,
		     KV_USAGE);
}

/* How many of the first @n bytes of @a are alike @b's (all of them: @n). */
static __u32 kv_diff(const unsigned char *a, const unsigned char *b, __u32 n)
{
	__u32 i;

	for (i = 0; i < n && a[i] == b[i]; i++)
		;
	return i;
}

/*
 * Both buffers vivid handed back, read back through their nodes, must hold
 * the frame @want. Returns 0, or 1 after saying where one differs.
 */
static int kv_check(const struct kv_slot *slot, const unsigned char *want,
		    __u32 used)
{
	unsigned char *got = kt_xcalloc(used);
	__u32 i, at;
	int rc = 0;

	for (i = 0; i < KV_BUFS; i++) {
		kv_read_back(&slot[i], got, used);
		at = kv_diff(want, got, used);
		if (at != used) {
			printf("buffer %u differs at %u: %02x %02x\n", i, at,
			       want[at], got[at]);
			rc = 1;
		}
	}
	if (!rc)
		printf("same %u\n", used);
	free(got);
	return rc;
}

/* vivid handed back each of the KV_BUFS buffers once, with a whole frame. */
static void kv_check_dequeued(const struct v4l2_buffer *b, __u32 used)
{
	__u32 i;

	for (i = 0; i < KV_BUFS; i++) {
		if (b[i].bytesused != used)
			errx(KT_USAGE,
			     "MMAP frame of %u bytes, DMABUF frame of %u", used,
			     b[i].bytesused);
		if (b[i].index >= KV_BUFS || (i && b[i].index == b[0].index))
			errx(KT_USAGE, "vivid handed back buffers %u and %u",
			     b[0].index, b[i].index);
	}
}

static int kv_capture(const char *dev, const char *spare, const char *order)
{
	struct kv_slot slot[KV_BUFS];
	struct v4l2_buffer b[KV_BUFS];
	unsigned char *want;
	char path[64];
	__u32 size, used;
	int fd, qerr, rc;

	fd = kv_open_setup(&size, path, sizeof(path));
	slot[0].node = kv_open_node(dev, size);
	slot[1].node = kv_open_node(spare, size);
	want = kt_xcalloc(size);
	used = kv_capture_mmap(fd, want, size);
	kv_fill(slot, want, used);
	qerr = kv_queue_dmabufs(fd, slot);
	if (qerr) {
		kt_perr(qerr);
		return 1;
	}
	kv_capture_n(fd, V4L2_MEMORY_DMABUF, b, KV_BUFS);
	kv_check_dequeued(b, used);
	rc = kv_check(slot, want, used);
	kv_close(order, fd, slot, dev, spare);
	free(want);
	return rc;
}

/* A descriptor of this process for descriptor @fd of process @pid. */
static int kv_take_fd(const char *pid, const char *fd)
{
	int pidfd, got;

	pidfd = syscall(SYS_pidfd_open, (pid_t)kt_u64(pid), 0);
	if (pidfd < 0)
		kv_fail();
	got = syscall(SYS_pidfd_getfd, pidfd, (int)kt_u64(fd), 0);
	if (got < 0)
		kv_fail();
	close(pidfd);
	return got;
}

/* Another process's dma-buf as vivid's capture buffer 0, until killed. */
static int kv_hold(const char *pid, const char *fd, const char *ready)
{
	struct v4l2_buffer b;
	char path[64];
	int vfd, dbuf, rfd;
	__u32 size;

	vfd = kv_open_setup(&size, path, sizeof(path));
	dbuf = kv_take_fd(pid, fd);
	kv_reqbufs(vfd, V4L2_MEMORY_DMABUF, 1);
	memset(&b, 0, sizeof(b));
	b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b.memory = V4L2_MEMORY_DMABUF;
	b.index = 0;
	b.m.fd = dbuf;
	kv_ioctl(vfd, VIDIOC_QBUF, &b);
	close(dbuf);
	printf("queued\n");
	fflush(stdout);
	rfd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (rfd < 0)
		err(KT_USAGE, "%s", ready);
	close(rfd);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "format"))
		return kv_format();
	if (argc == 3 && !strcmp(argv[1], "import"))
		return kv_import(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "capture"))
		return kv_capture(argv[2], argv[3], argv[4]);
	if (argc == 5 && !strcmp(argv[1], "hold"))
		return kv_hold(argv[2], argv[3], argv[4]);
	errx(KT_USAGE, "%s", KV_USAGE);
}
