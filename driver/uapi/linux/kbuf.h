/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * kbuf: kernel buffers from kmalloc, the page allocator and vmalloc,
 * reachable from user space as character devices.
 *
 * This header is the driver's whole user-space ABI. Every structure is
 * made of fixed-size fields with no implicit padding, so 32-bit and 64-bit
 * processes share one layout.
 *
 * Buffer nodes (/dev/kbuf/<name>) take KBUF_IOC_INFO, KBUF_IOC_SET_LENGTH,
 * KBUF_IOC_RESIZE, KBUF_IOC_CLEAR and KBUF_IOC_EXPORT_DMABUF. The control node (/dev/kbuf/control)
 * takes KBUF_IOC_CREATE and KBUF_IOC_DESTROY.
 */
#ifndef _UAPI_LINUX_KBUF_H
#define _UAPI_LINUX_KBUF_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bytes in a name field, with the terminating NUL: names are 1..31 chars. */
#define KBUF_NAME_LEN 32

/* Values of kbuf_info.backend and kbuf_create.backend. */
#define KBUF_BACKEND_KMALLOC 0
#define KBUF_BACKEND_PAGES 1
#define KBUF_BACKEND_VMALLOC 2

/* Values of kbuf_info.map_mode: how mmap() maps this buffer. */
#define KBUF_MAP_PAGE 0 /* struct-page mapping */
#define KBUF_MAP_PFN 1 /* remap_pfn_range: VM_PFNMAP */

/* Values of kbuf_info.gfp and kbuf_create.gfp. */
#define KBUF_GFP_KERNEL 0 /* GFP_KERNEL: may sleep */
#define KBUF_GFP_ATOMIC 1 /* GFP_ATOMIC: made under a spinlock */

/* Bits of kbuf_info.flags. */
#define KBUF_INFO_PHYS 0x1U /* phys_addr is valid */

/**
 * struct kbuf_info - one buffer, as KBUF_IOC_INFO reports it
 * @name:      the buffer's name, NUL-terminated
 * @backend:   KBUF_BACKEND_*
 * @map_mode:  KBUF_MAP_*
 * @gfp:       KBUF_GFP_*
 * @flags:     KBUF_INFO_*
 * @capacity:  bytes allocated for data; read/write never pass it
 * @length:    bytes of valid data; read() stops here
 * @map_size:  bytes mmap() may cover: capacity rounded up to the whole
 *             pages the buffer owns, or 0 if it owns no whole page
 * @mappings:  live mappings (VMAs) of the buffer
 * @opens:     open file descriptions of the buffer
 * @phys_addr: physical address of the first byte, only for an opener with
 *             CAP_SYS_ADMIN and a physically contiguous backend; else 0
 * @exports:   live dma-bufs of the buffer (KBUF_IOC_EXPORT_DMABUF; since
 *             0.2.0)
 *
 * The structure only grows at its end, and KBUF_IOC_INFO's request code
 * carries its size. The driver answers the code of every size the struct
 * has had (KBUF_INFO_SIZE_VER*), copying that many bytes: a program built
 * with kbuf 0.1.0's header still gets its fields and nothing past them.
 * A program built with this header gets ENOTTY from a 0.1.0 module; it
 * may ask again with KBUF_IOC_INFO_VER0, and has no @exports there.
 */
struct kbuf_info {
	char name[KBUF_NAME_LEN];
	__u32 backend;
	__u32 map_mode;
	__u32 gfp;
	__u32 flags;
	__u64 capacity;
	__u64 length;
	__u64 map_size;
	__u64 mappings;
	__u64 opens;
	__u64 phys_addr;
	__u64 exports;
};

/* sizeof(struct kbuf_info): 0.1.0 ended at @phys_addr; 0.2.0 added @exports */
#define KBUF_INFO_SIZE_VER0 96
#define KBUF_INFO_SIZE_VER1 104

/*
 * Flags of kbuf_create.flags: at most one KBUF_CREATE_MAP_* flag. kmalloc
 * buffers map by pfn only, so KBUF_CREATE_MAP_PAGE is refused for them.
 * Without either, pages and vmalloc buffers take the module's map_mode.
 * KBUF_CREATE_NODE: @node names the NUMA node of the buffer's memory.
 */
#define KBUF_CREATE_MAP_PAGE 0x1U
#define KBUF_CREATE_MAP_PFN 0x2U
#define KBUF_CREATE_NODE 0x4U

/**
 * struct kbuf_create - arguments of KBUF_IOC_CREATE
 * @name:    1..31 characters of [a-z0-9_-], NUL-terminated; the node is
 *           /dev/kbuf/<name>
 * @backend: KBUF_BACKEND_*
 * @gfp:     KBUF_GFP_*; KBUF_GFP_ATOMIC is refused for vmalloc
 * @flags:   0, or one KBUF_CREATE_MAP_* flag: the buffer's map mode instead
 *           of the module's map_mode parameter, and KBUF_CREATE_NODE (both
 *           from kbuf 0.2.0; 0.1.0 refuses any flag with -EINVAL)
 * @node:    with KBUF_CREATE_NODE, the NUMA node every allocation of the
 *           buffer (at create and at each resize) must come from, one with
 *           memory the kernel may use (sysfs has_normal_memory); without
 *           it, 0. @reserved, its name before KBUF_CREATE_NODE, still
 *           compiles.
 * @size:    capacity in bytes, at least 1, at most the backend's limit
 */
struct kbuf_create {
	char name[KBUF_NAME_LEN];
	__u32 backend;
	__u32 gfp;
	__u32 flags;
	union {
		__u32 node;
		__u32 reserved;
	};
	__u64 size;
};

/**
 * struct kbuf_destroy - arguments of KBUF_IOC_DESTROY
 * @name: the buffer to destroy, NUL-terminated
 */
struct kbuf_destroy {
	char name[KBUF_NAME_LEN];
};

/**
 * struct kbuf_export - arguments of KBUF_IOC_EXPORT_DMABUF
 * @flags:    O_CLOEXEC, and O_RDONLY or O_RDWR (the values of <fcntl.h>):
 *            the dma-buf descriptor's flags and access mode, which limits
 *            only mmap() of that descriptor
 * @fd:       out: the new dma-buf descriptor
 * @reserved: must be 0
 *
 * The node must be open read-write: importing devices may write the
 * buffer. The dma-buf covers the pages the buffer owns (kbuf_info.map_size
 * bytes); a kmalloc buffer smaller than a page or from a slab cache cannot
 * be exported. While the dma-buf
 * lives (its descriptors, mappings, importers), the buffer cannot be
 * resized or destroyed, even after its node's last close.
 */
struct kbuf_export {
	__u32 flags;
	__s32 fd;
	__u64 reserved;
};

#define KBUF_IOC_MAGIC 0xBF

/* Buffer nodes. SET_LENGTH, RESIZE and CLEAR need the fd open for writing. */
#define KBUF_IOC_INFO _IOR(KBUF_IOC_MAGIC, 0x01, struct kbuf_info)
/* KBUF_IOC_INFO as kbuf 0.1.0 spelled it: the fields up to phys_addr */
#define KBUF_IOC_INFO_VER0 \
	_IOC(_IOC_READ, KBUF_IOC_MAGIC, 0x01, KBUF_INFO_SIZE_VER0)
#define KBUF_IOC_SET_LENGTH _IOW(KBUF_IOC_MAGIC, 0x02, __u64)
#define KBUF_IOC_RESIZE _IOW(KBUF_IOC_MAGIC, 0x03, __u64)
#define KBUF_IOC_CLEAR _IO(KBUF_IOC_MAGIC, 0x04)
/* A new dma-buf descriptor for the buffer; see struct kbuf_export. */
#define KBUF_IOC_EXPORT_DMABUF _IOWR(KBUF_IOC_MAGIC, 0x05, struct kbuf_export)

/* The control node. Both need CAP_SYS_ADMIN. */
#define KBUF_IOC_CREATE _IOW(KBUF_IOC_MAGIC, 0x10, struct kbuf_create)
#define KBUF_IOC_DESTROY _IOW(KBUF_IOC_MAGIC, 0x11, struct kbuf_destroy)

#endif /* _UAPI_LINUX_KBUF_H */
