/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kbuf: private declarations shared by the driver's files.
 *
 * Locking, outermost first:
 *   file->f_pos_lock    (the VFS's) held around read(), readv(), write(),
 *                       writev(), lseek(), and preadv2() and pwritev2()
 *                       at offset -1, while the file has more than one
 *                       reference (FMODE_ATOMIC_POS, set by kbuf_open());
 *                       a mutex_lock(), not killable. Not taken by
 *                       splice, sendfile or io_uring. Never with
 *                       kbuf_registry_lock
 *   kbuf_registry_lock  the list of buffers, the names and minors, open,
 *                       create and destroy, and whether new buffers'
 *                       uevents are still held back (buffer.c)
 *   buf->io_rwsem       the data and length: read() takes it shared,
 *                       write() and every change of size or length take it
 *                       exclusive. User copies happen under it, so it ranks
 *                       above the mm's mmap_lock.
 *   mmap_lock           (the mm's) held by the core around ->mmap
 *   dmabuf->resv        (a dma-buf's) held by the core around map_dma_buf
 *                       and unmap_dma_buf (always from 6.2), maybe ->mmap
 *   exp->lock           a dma-buf's attachments (dmabuf.c); never held
 *                       into the dma-buf core
 *   buf->lock           mapping, export and open state: mmap(), open(),
 *                       dma-buf export, and the moments resize and
 *                       destroy decide. Held only for a
 *                       few instructions, never across an allocation or a
 *                       copy, so ->mmap may take it under mmap_lock.
 * The page-mode fault handler takes no lock of kbuf's: a read() into a
 * mapping of its own buffer faults with io_rwsem held.
 */
#ifndef KBUF_H
#define KBUF_H

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rwsem.h>
#include <linux/types.h>

#include "compat.h"
#include "uapi/linux/kbuf.h"

#define KBUF_MAX_BUFFERS 64
/* The control node is the minor after the buffers'. */
#define KBUF_CONTROL_MINOR KBUF_MAX_BUFFERS
#define KBUF_MINORS (KBUF_MAX_BUFFERS + 1)
#define KBUF_VMALLOC_MAX SZ_1G

/*
 * Every allocation user space causes: charged to the caller's memory
 * cgroup, no warn_alloc() dump on failure (the caller gets -ENOMEM), and
 * for sleeping ones no OOM kill for a size user space chose: fail instead.
 */
#define KBUF_GFP_USER (GFP_KERNEL_ACCOUNT | __GFP_NOWARN | __GFP_RETRY_MAYFAIL)
#define KBUF_GFP_USER_ATOMIC (GFP_ATOMIC | __GFP_ACCOUNT | __GFP_NOWARN)

/**
 * struct kbuf_mem - one allocation made by a backend
 * @vaddr:    kernel virtual address of the first byte
 * @capacity: bytes read() and write() may reach
 * @map_size: bytes mmap() may reach: whole pages owned by the allocation,
 *            0 when it shares its page with other objects
 * @order:    page order of the block, for the page allocator backend
 * @source:   where the memory came from: "slab" (a kmalloc cache),
 *            "pages" (the page allocator, directly or as a large
 *            kmalloc) or "vmalloc"
 */
struct kbuf_mem {
	void *vaddr;
	size_t capacity;
	size_t map_size;
	unsigned int order;
	const char *source;
};

/**
 * struct kbuf_backend - one allocator, as the rest of the driver sees it
 * @name:       the name in sysfs and in the default buffer's node
 * @id:         KBUF_BACKEND_*
 * @max_size:   largest capacity accepted
 * @can_atomic: the allocator may be called where sleeping is forbidden
 * @contiguous: physically contiguous, so a physical address means something
 * @alloc:      allocate @size zeroed bytes with @gfp into @mem, on NUMA
 *              node @node only, or where the kernel places the calling
 *              task's memory for NUMA_NO_NODE
 * @free:       release what @alloc made
 * @map_pfn:    map @mem into @vma with remap_pfn_range()
 * @page:       the struct page of page @pgoff of @mem, for the page-mode
 *              fault handler; NULL if the memory has no pages of its own
 *              to hand out (slab objects)
 *
 * @map_pfn gets a @vma whose range was checked against @mem->map_size; it
 * honours vma->vm_pgoff and vma->vm_page_prot. @page gets a @pgoff below
 * @mem->map_size >> PAGE_SHIFT.
 */
struct kbuf_backend {
	const char *name;
	u32 id;
	size_t max_size;
	bool can_atomic;
	bool contiguous;
	int (*alloc)(struct kbuf_mem *mem, size_t size, gfp_t gfp, int node);
	void (*free)(struct kbuf_mem *mem);
	int (*map_pfn)(struct kbuf_mem *mem, struct vm_area_struct *vma);
	struct page *(*page)(struct kbuf_mem *mem, pgoff_t pgoff);
};

/* What sysfs counts for a buffer: calls that moved data, and bytes. */
enum kbuf_stat {
	KBUF_STAT_READS,
	KBUF_STAT_WRITES,
	KBUF_STAT_BYTES_READ,
	KBUF_STAT_BYTES_WRITTEN,
	KBUF_STAT_MMAPS, /* successful mmap() calls */
	KBUF_STAT_COUNT,
};

/*
 * One set of counters per CPU: readers on different CPUs must not bounce a
 * shared cache line on every call. sysfs adds them up.
 */
struct kbuf_pcpu_stats {
	u64 count[KBUF_STAT_COUNT];
};

/**
 * struct kbuf_buffer - one buffer and its device
 * @dev:      the device; its release frees the structure. An open file
 *            holds a reference (kbuf_buffer_open())
 * @node:     entry in the registry's list
 * @name:     the buffer's name, also the device's name
 * @backend:  the allocator behind the buffer
 * @map_mode: KBUF_MAP_* actually used by mmap()
 * @gfp:      KBUF_GFP_*
 * @numa_node: the node every allocation of the buffer must come from, or
 *            NUMA_NO_NODE
 * @io_rwsem: serializes writers against readers (see kbuf.h's header)
 * @mem:      the allocation; changes only under @io_rwsem and @lock, and
 *            only while nothing maps it. Each field is written with
 *            WRITE_ONCE(): llseek and sysfs read the capacity locklessly
 * @length:   bytes of valid data; changes only under @io_rwsem held
 *            exclusive, with WRITE_ONCE()
 * @max_capacity: largest capacity a resize without CAP_SYS_ADMIN may ask
 *            for: the capacity the buffer was created with, or the
 *            largest an administrator resized it to. Only rises, under
 *            @io_rwsem
 * @lock:     protects @dead, @map_seq, @mappings and @exports going up
 *            from 0 and the decision to resize or destroy
 * @dead:     destroyed: open() fails from now on
 * @map_seq:  mmap() calls that passed the range check, and exports: a
 *            resize that saw it change during its copy knows the old
 *            memory was mapped or exported
 * @opens:    open file descriptions
 * @mappings: live VMAs
 * @exports:  live dma-bufs of the buffer (dmabuf.c): each holds a device
 *            reference, and resize and destroy are refused while any
 *            exists. Goes up from 0 only under @lock
 * @stats:    per-CPU counters shown in sysfs, indexed by enum kbuf_stat
 */
struct kbuf_buffer {
	struct device dev;
	struct list_head node;
	char name[KBUF_NAME_LEN];
	const struct kbuf_backend *backend;
	u32 map_mode;
	u32 gfp;
	int numa_node;
	struct rw_semaphore io_rwsem;
	struct kbuf_mem mem;
	size_t length;
	size_t max_capacity;
	struct mutex lock; /* see above */
	bool dead;
	unsigned long map_seq;
	atomic_t opens;
	atomic_t mappings;
	atomic_t exports;
	struct kbuf_pcpu_stats __percpu *stats;
};

static inline struct kbuf_buffer *kbuf_from_dev(struct device *dev)
{
	return container_of(dev, struct kbuf_buffer, dev);
}

static inline void kbuf_stat_add(struct kbuf_buffer *buf, enum kbuf_stat stat,
				 u64 n)
{
	this_cpu_add(buf->stats->count[stat], n);
}

/* main.c */
extern struct class kbuf_class;
extern dev_t kbuf_devt;
int kbuf_map_mode_for(const struct kbuf_backend *be, u32 flags);

/* backend.c and backend_*.c */
extern const struct kbuf_backend kbuf_backend_kmalloc;
extern const struct kbuf_backend kbuf_backend_pages;
extern const struct kbuf_backend kbuf_backend_vmalloc;
const struct kbuf_backend *kbuf_backend_by_id(u32 id);
int kbuf_backend_check_size(const struct kbuf_backend *be, u64 size);
int kbuf_mem_alloc(const struct kbuf_backend *be, struct kbuf_mem *mem,
		   size_t size, u32 gfp, int node);
int kbuf_map_linear_pfn(struct kbuf_mem *mem, struct vm_area_struct *vma);
const char *kbuf_linear_source(const void *vaddr);

/* buffer.c */
int kbuf_buffer_create(const char *name, const struct kbuf_backend *be,
		       u64 size, u32 gfp, u32 map_mode, int node);
int kbuf_buffer_destroy(const char *name);
void kbuf_buffer_destroy_all(void);
void kbuf_buffers_announce(void);
struct kbuf_buffer *kbuf_buffer_open(unsigned int minor);
void kbuf_buffer_close(struct kbuf_buffer *buf);
int kbuf_buffer_set_length(struct kbuf_buffer *buf, u64 length);
int kbuf_buffer_resize(struct kbuf_buffer *buf, u64 size);
int kbuf_buffer_clear(struct kbuf_buffer *buf);
int kbuf_mem_fill(void *dst, const void *src, size_t len, bool killable);

/* fops.c, ioctl.c, mmap.c */
extern const struct file_operations kbuf_fops;
long kbuf_ioctl(struct file *filp, unsigned int cmd, unsigned long arg);
int kbuf_mmap(struct file *filp, struct vm_area_struct *vma);
int kbuf_mmap_buffer(struct kbuf_buffer *buf, struct vm_area_struct *vma,
		     u32 mode);

/* dmabuf.c, built where the kernel has the dma-buf core */
#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
int kbuf_ioctl_export_dmabuf(struct file *filp, void __user *argp);
#else
static inline int kbuf_ioctl_export_dmabuf(struct file *filp, void __user *argp)
{
	return -ENOTTY;
}
#endif

/* sysfs.c */
extern const struct attribute_group *kbuf_groups[];

/* control.c */
extern const struct file_operations kbuf_control_fops;
int kbuf_control_register(void);
void kbuf_control_announce(void);
void kbuf_control_unregister(void);

/*
 * Send the add uevent that device_add() held back while the region's char
 * device was not yet added (main.c): the node opens now. Without it udev
 * never applies kbuf's rules to the node, so a failure is told.
 */
static inline void kbuf_dev_announce(struct device *dev)
{
	dev_set_uevent_suppress(dev, false);
	if (kobject_uevent(&dev->kobj, KOBJ_ADD))
		dev_warn(dev, "no add uevent: udev will not see the node\n");
}

#endif /* KBUF_H */
