/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The little of the kernel's <drm/drm.h> that kbufctl bench and the test
 * helper kbuf-dmabuf need to import a dma-buf into vgem: the same in Linux
 * 6.1 and 6.12. Debian installs the DRM uapi headers with no package the
 * project depends on (linux-libc-dev leaves them out).
 */
#ifndef KBUF_DRM_H
#define KBUF_DRM_H

#include <stddef.h>
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

#endif /* KBUF_DRM_H */
