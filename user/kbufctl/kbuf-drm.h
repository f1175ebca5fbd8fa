/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The little of the kernel's <drm/drm.h> that kbufctl bench and the test
 * helpers kbuf-dmabuf and kbuf-fault need to import a dma-buf into vgem:
 * the same in Linux 6.1 and 6.12. Debian installs the DRM uapi headers with no package the
 * project depends on (linux-libc-dev leaves them out).
 */
#ifndef KBUF_DRM_H
#define KBUF_DRM_H

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/ioctl.h>
#include <linux/types.h>

struct kbuf_drm_version {
	int version_major;
	int version_minor;
	int version_patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};

struct kbuf_drm_gem_close {
	__u32 handle;
	__u32 pad;
};

struct kbuf_drm_prime_handle {
	__u32 handle;
	__u32 flags;
	__s32 fd;
};

#define KBUF_DRM_BASE 'd'
#define KBUF_DRM_COMMAND_BASE 0x40
#define KBUF_DRM_IOCTL_VERSION \
	_IOWR(KBUF_DRM_BASE, 0x00, struct kbuf_drm_version)
#define KBUF_DRM_IOCTL_GEM_CLOSE \
	_IOW(KBUF_DRM_BASE, 0x09, struct kbuf_drm_gem_close)
#define KBUF_DRM_IOCTL_PRIME_HANDLE_TO_FD \
	_IOWR(KBUF_DRM_BASE, 0x2d, struct kbuf_drm_prime_handle)
#define KBUF_DRM_IOCTL_PRIME_FD_TO_HANDLE \
	_IOWR(KBUF_DRM_BASE, 0x2e, struct kbuf_drm_prime_handle)

/* Is @fd a node of the DRM driver "vgem"? */
static inline int kbuf_drm_is_vgem(int fd)
{
	char name[8] = "";
	struct kbuf_drm_version v = { .name_len = sizeof(name) - 1,
				      .name = name };

	return !ioctl(fd, KBUF_DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem");
}

/* A new open file of vgem's render node (close-on-exec), or -1. */
static inline int kbuf_drm_open_vgem(void)
{
	char path[32];
	unsigned int i;
	int fd;

	for (i = 128; i < 192; i++) {
		snprintf(path, sizeof(path), "/dev/dri/renderD%u", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (kbuf_drm_is_vgem(fd))
			return fd;
		close(fd);
	}
	return -1;
}

#endif /* KBUF_DRM_H */
