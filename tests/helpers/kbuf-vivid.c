// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf-vivid: vivid, the V4L2 test driver, as an importer of a kbuf
 * dma-buf.
 *
 *   kbuf-vivid format
 *   kbuf-vivid import DEV
 *   kbuf-vivid capture DEV ORDER
 *
 * Each first finds vivid's video capture node (the first /dev/videoN whose
 * VIDIOC_QUERYCAP says driver "vivid", single-planar capture, streaming,
 * not touch), selects input 0 (a webcam), sets the format (YUYV 320x180)
 * and the controls, found by name, that make every frame alike: the 75%
 * colour bars, no OSD text, no movement, no border, no square.
 *
 *   format            the node and the frame's sizeimage: "/dev/video0 115200"
 *   import DEV        export buffer DEV (a kbuf node) as a dma-buf and queue
 *                     it as vivid's capture buffers (V4L2_MEMORY_DMABUF):
 *                     "queued", or the errno name VIDIOC_QBUF failed with
 *   capture DEV ORDER capture a frame into vivid's own (MMAP) buffer, then
 *                     one into DEV's dma-buf, read back through DEV with
 *                     pread(): "same N" (the N bytes of the frame alike), or
 *                     "differ at OFFSET: MMAP DMABUF" (exit 1); then close
 *                     the importer, the dma-buf and DEV in ORDER, the words
 *                     video, dmabuf and node joined by commas: "closed"
 *
 * A failed call prints its errno name (exit 1). No vivid node, a control
 * or format vivid does not have, a buffer smaller than the frame and a
 * usage error print a message on stderr and exit 2.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <poll.h>

#include <linux/dma-buf.h>
#include <linux/videodev2.h>

#include "kbuf-test.h"

#define KV_USAGE                                                      \
	"usage: kbuf-vivid format | import DEV | capture DEV ORDER\n" \
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
	kv_set_ctrl(fd, "Show Border", NULL, 0);
	kv_set_ctrl(fd, "Show Square", NULL, 0);
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

/* STREAMON, the first filled buffer dequeued into @b, STREAMOFF. */
static void kv_capture_one(int fd, __u32 memory, struct v4l2_buffer *b)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	kv_ioctl(fd, VIDIOC_STREAMON, &type);
	n = poll(&p, 1, KV_TIMEOUT_MS);
	if (n < 0)
		kv_fail();
	if (n == 0) {
		errno = ETIMEDOUT;
		kv_fail();
	}
	memset(b, 0, sizeof(*b));
	b->type = type;
	b->memory = memory;
	kv_ioctl(fd, VIDIOC_DQBUF, b);
	if (b->flags & V4L2_BUF_FLAG_ERROR)
		errx(KT_USAGE, "vivid marked buffer %u in error", b->index);
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
	kv_capture_one(fd, V4L2_MEMORY_MMAP, &b);
	used = b.bytesused < size ? b.bytesused : size;
	memcpy(frame, map[b.index], used);
	for (i = 0; i < KV_BUFS; i++)
		munmap(map[i], len[i]);
	kv_reqbufs(fd, V4L2_MEMORY_MMAP, 0);
	return used;
}

/*
 * Export kbuf node @node as a dma-buf and queue it as every buffer of a
 * DMABUF queue. Returns the dma-buf's fd; *@qerr gets 0, or the errno
 * VIDIOC_QBUF failed with (nothing queued then).
 */
static int kv_queue_dmabuf(int fd, int node, int *qerr)
{
	struct kbuf_export e = { .flags = O_RDWR | O_CLOEXEC };
	struct v4l2_buffer b;
	__u32 i, n;

	kv_ioctl(node, KBUF_IOC_EXPORT_DMABUF, &e);
	n = kv_reqbufs(fd, V4L2_MEMORY_DMABUF, KV_BUFS);
	*qerr = 0;
	for (i = 0; i < n; i++) {
		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_DMABUF;
		b.index = i;
		b.m.fd = e.fd;
		if (ioctl(fd, VIDIOC_QBUF, &b) < 0) {
			*qerr = errno;
			break;
		}
	}
	return e.fd;
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

static int kv_import(const char *dev)
{
	char path[64];
	__u32 size;
	int fd, node, qerr;

	fd = kv_open_setup(&size, path, sizeof(path));
	node = kv_open_node(dev, size);
	kv_queue_dmabuf(fd, node, &qerr);
	if (qerr) {
		kt_perr(qerr);
		return 1;
	}
	printf("queued\n");
	return 0;
}

/* Read @used bytes of the frame back through @node, the dma-buf synced. */
static void kv_read_back(int node, int dbuf, unsigned char *got, __u32 used)
{
	struct dma_buf_sync s = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	__u64 len = used;
	ssize_t n;

	kv_ioctl(dbuf, DMA_BUF_IOCTL_SYNC, &s);
	kv_ioctl(node, KBUF_IOC_SET_LENGTH, &len);
	n = pread(node, got, used, 0);
	if (n < 0)
		kv_fail();
	if ((__u32)n != used)
		errx(KT_USAGE, "pread gave %zd bytes of %u", n, used);
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	kv_ioctl(dbuf, DMA_BUF_IOCTL_SYNC, &s);
}

/* Close the descriptors in @order ("video,dmabuf,node" or another). */
static void kv_close(const char *order, int fd, int dbuf, int node)
{
	char *words = strdup(order), *w, *save = NULL;
	int n = 0;

	for (w = strtok_r(words, ",", &save); w;
	     w = strtok_r(NULL, ",", &save), n++) {
		if (!strcmp(w, "video"))
			close(fd);
		else if (!strcmp(w, "dmabuf"))
			close(dbuf);
		else if (!strcmp(w, "node"))
			close(node);
		else
			errx(KT_USAGE, "unknown descriptor '%s'\n%s", w,
			     KV_USAGE);
	}
	free(words);
	if (n != 3)
		errx(KT_USAGE, "ORDER names %d descriptors, not 3\n%s", n,
		     KV_USAGE);
	printf("closed\n");
}

/* The first byte at which @a and @b differ, or @n. */
static __u32 kv_diff(const unsigned char *a, const unsigned char *b, __u32 n)
{
	__u32 i;

	for (i = 0; i < n && a[i] == b[i]; i++)
		;
	return i;
}

static int kv_capture(const char *dev, const char *order)
{
	struct v4l2_buffer b;
	unsigned char *want, *got;
	char path[64];
	__u32 size, used, at;
	int fd, node, dbuf, qerr, rc = 0;

	fd = kv_open_setup(&size, path, sizeof(path));
	node = kv_open_node(dev, size);
	want = kt_xcalloc(size);
	got = kt_xcalloc(size);
	used = kv_capture_mmap(fd, want, size);
	dbuf = kv_queue_dmabuf(fd, node, &qerr);
	if (qerr) {
		kt_perr(qerr);
		return 1;
	}
	kv_capture_one(fd, V4L2_MEMORY_DMABUF, &b);
	if (b.bytesused != used)
		errx(KT_USAGE, "MMAP frame of %u bytes, DMABUF frame of %u",
		     used, b.bytesused);
	kv_read_back(node, dbuf, got, used);
	at = kv_diff(want, got, used);
	if (at == used) {
		printf("same %u\n", used);
	} else {
		printf("differ at %u: %02x %02x\n", at, want[at], got[at]);
		rc = 1;
	}
	kv_close(order, fd, dbuf, node);
	free(want);
	free(got);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "format"))
		return kv_format();
	if (argc == 3 && !strcmp(argv[1], "import"))
		return kv_import(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "capture"))
		return kv_capture(argv[2], argv[3]);
	errx(KT_USAGE, "%s", KV_USAGE);
}
