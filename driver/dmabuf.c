// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: a buffer shared with other drivers and processes as a dma-buf
 * (KBUF_IOC_EXPORT_DMABUF).
 *
 * User space gets a dma-buf file descriptor for the buffer's whole pages
 * (mem.map_size bytes; a kmalloc buffer smaller than a page, or from a
 * slab cache, is refused). The node must be open read-write: any importer
 * may write the buffer, whatever the dma-buf's own access mode. User space
 * may map the descriptor, pass it to another process, or hand it to an
 * importing driver (a GPU, a capture device, vgem), which attaches its
 * device, maps the buffer for DMA and synchronizes the CPU's view with
 * DMA_BUF_IOCTL_SYNC.
 *
 * - Each attachment gets a scatterlist of its own, built at attach time
 *   outside the core's locks: physically adjacent pages merged, no entry
 *   longer than the importer's device takes or across its segment
 *   boundary; a device that cannot take a whole page is refused.
 *   map_dma_buf maps it for that device with the DMA API, unmap_dma_buf
 *   unmaps it with the same direction; one mapping of an attachment at a
 *   time (EBUSY). Several attachments may map the buffer at once.
 * - begin_cpu_access waits for the devices' fences, then it and
 *   end_cpu_access sync every attachment mapped at that moment, in the
 *   direction it was mapped with, as the DMA API asks.
 * - mmap of the dma-buf goes through kbuf_mmap_buffer(), the node's own
 *   checks and map functions (mmap.c): shared mappings only, in range,
 *   always by pfn.
 * - vmap hands out the buffer's kernel address: kmalloc, page allocator
 *   and vmalloc memory all have one already.
 *
 * Lifetime: an export holds a reference on the buffer's device and counts
 * in buf->exports until the dma-buf's release, which comes after the last
 * descriptor, mapping and importer has let go; the buffer outlives its
 * node's last close, and resize and destroy are refused meanwhile
 * (buffer.c). dma_buf_export() pins this module, whose ops the dma-buf
 * calls, until then.
 *
 * Locks: the core may call map_dma_buf and unmap_dma_buf with the
 * dma-buf's dma_resv lock held (always from 6.2), and mmap with the mm's
 * mmap_lock. The export's own mutex, which guards its attachments list,
 * ranks below both and is never held across a call into the core.
 */
#include "kbuf.h"

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

MODULE_IMPORT_NS(KBUF_NS_DMA_BUF);

/**
 * struct kbuf_exporter - one dma-buf of a buffer, its exporter's side
 * @buf:         the buffer, held by a device reference and counted in
 *               buf->exports
 * @lock:        guards @attachments and each attachment's @mapped
 * @attachments: struct kbuf_attachment of every attached device
 */
struct kbuf_exporter {
	struct kbuf_buffer *buf;
	struct mutex lock; /* see above */
	struct list_head attachments;
};

/**
 * struct kbuf_attachment - one importing device's view of the buffer
 * @node:   entry in the export's list
 * @dev:    the importer's device
 * @sgt:    the buffer's pages; DMA addresses valid while @mapped
 * @dir:    the direction of the mapping
 * @mapped: map_dma_buf succeeded and unmap_dma_buf has not come yet
 */
struct kbuf_attachment {
	struct list_head node;
	struct device *dev;
	struct sg_table sgt;
	enum dma_data_direction dir;
	bool mapped;
};

/* The struct page of page @i of a buffer that has pages of its own. */
static struct page *kbuf_export_page(struct kbuf_buffer *buf, pgoff_t i)
{
	void *addr = buf->mem.vaddr + (i << PAGE_SHIFT);

	if (buf->backend->contiguous)
		return virt_to_page(addr);
	return vmalloc_to_page(addr);
}

/*
 * The longest scatterlist entry @dev takes: its DMA segment limit (64 KiB
 * for a device that never set one, as vgem) and what its DMA mapping can
 * carry (a bounce buffer's slot), in whole pages; 0 if that is less than
 * a page, which no entry of whole pages can keep to.
 */
static size_t kbuf_export_max_segment(struct device *dev)
{
	size_t seg = min_t(size_t, dma_get_max_seg_size(dev),
			   dma_max_mapping_size(dev));

	return round_down(seg, PAGE_SIZE);
}

/**
 * struct kbuf_export_limits - what one entry of an importer's table may span
 * @max_len:  bytes, a multiple of the page size
 * @boundary: the device's segment boundary mask: no entry may cross an
 *            address that is a multiple of @boundary + 1 (4 GiB for a PCI
 *            device unless its driver says otherwise; none for a device
 *            that sets no boundary, as vgem)
 */
struct kbuf_export_limits {
	size_t max_len;
	unsigned long boundary;
};

/*
 * Whether page frame @pfn may end the entry that starts at frame @first
 * and is @len bytes long. Physical addresses stand for the DMA addresses
 * here: they are the same on x86 without an IOMMU (dma-direct), and an
 * IOMMU's mapping merges and splits the entries by its own rules.
 */
static bool kbuf_export_extends(const struct kbuf_export_limits *lim,
				unsigned long first, size_t len,
				unsigned long pfn)
{
	phys_addr_t start = PFN_PHYS(first), last = PFN_PHYS(pfn + 1) - 1;

	return pfn == first + (len >> PAGE_SHIFT) &&
	       len + PAGE_SIZE <= lim->max_len &&
	       (start | lim->boundary) == (last | lim->boundary);
}

/*
 * The entries of @pages within @lim: physically adjacent pages merged.
 * With @sgl, fills in that many entries; returns how many there are.
 */
static unsigned int kbuf_export_fill(struct page **pages, unsigned int npages,
				     const struct kbuf_export_limits *lim,
				     struct scatterlist *sgl)
{
	unsigned long first = page_to_pfn(pages[0]), pfn;
	unsigned int i, nents = 1;
	size_t len = PAGE_SIZE;

	for (i = 1; i < npages; i++) {
		pfn = page_to_pfn(pages[i]);
		if (kbuf_export_extends(lim, first, len, pfn)) {
			len += PAGE_SIZE;
			continue;
		}
		if (sgl) {
			sg_set_page(sgl, pfn_to_page(first), len, 0);
			sgl = sg_next(sgl);
		}
		first = pfn;
		len = PAGE_SIZE;
		nents++;
	}
	if (sgl)
		sg_set_page(sgl, pfn_to_page(first), len, 0);
	return nents;
}

/*
 * The buffer's pages as @dev may map them, in as few entries as its
 * limits allow: a page allocator buffer is one run of pages, a vmalloc
 * buffer usually many. (sg_alloc_table_from_pages_segment() knows the
 * segment length but not the boundary.) -EINVAL for a device whose
 * segments, or the spans between its boundaries, are shorter than a page.
 */
static int kbuf_export_sgt(struct sg_table *sgt, struct kbuf_buffer *buf,
			   struct device *dev)
{
	unsigned int i, npages = buf->mem.map_size >> PAGE_SHIFT;
	struct kbuf_export_limits lim = {
		.max_len = kbuf_export_max_segment(dev),
		.boundary = dma_get_seg_boundary(dev),
	};
	struct page **pages;
	int ret;

	if (!lim.max_len || lim.boundary < PAGE_SIZE - 1)
		return -EINVAL;
	pages = kvmalloc_array(npages, sizeof(*pages), KBUF_GFP_USER);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < npages; i++) {
		pages[i] = kbuf_export_page(buf, i);
		/* Up to 262144 page-table walks for a 1 GiB vmalloc buffer. */
		if (!(i % 4096))
			cond_resched();
	}
	ret = sg_alloc_table(sgt, kbuf_export_fill(pages, npages, &lim, NULL),
			     KBUF_GFP_USER);
	if (!ret)
		kbuf_export_fill(pages, npages, &lim, sgt->sgl);
	kvfree(pages);
	return ret;
}

/*
 * Map @a for its device in direction @dir, and sync it for the device as
 * dma_map_sgtable() itself would. The sync is asked for on its own
 * (DMA_ATTR_SKIP_CPU_SYNC on the map) because several importers may map
 * the same pages at once, which is what a dma-buf is for, and the DMA
 * API's checker (CONFIG_DMA_API_DEBUG) warns of overlapping mappings that
 * sync the CPU's caches. The hazard it means remains where DMA is not
 * coherent or goes through bounce buffers (swiotlb): a sync for the CPU
 * copies back every mapped attachment's view, and an importer that wrote
 * nothing can overwrite another's newer bytes. Fences order the devices,
 * not those copies; x86 without swiotlb, where the tests run, needs
 * neither. The DRM core's exporters skip the syncs altogether; this one
 * still hands a newly mapped device what the CPU wrote before.
 */
static int kbuf_attachment_map(struct kbuf_attachment *a,
			       enum dma_data_direction dir)
{
	int ret;

	ret = dma_map_sgtable(a->dev, &a->sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		return ret;
	dma_sync_sgtable_for_device(a->dev, &a->sgt, dir);
	a->dir = dir;
	a->mapped = true;
	return 0;
}

/* Give the CPU what @a's device wrote, then unmap it (see above). */
static void kbuf_attachment_unmap(struct kbuf_attachment *a)
{
	dma_sync_sgtable_for_cpu(a->dev, &a->sgt, a->dir);
	dma_unmap_sgtable(a->dev, &a->sgt, a->dir, DMA_ATTR_SKIP_CPU_SYNC);
	a->mapped = false;
}

/*
 * buf->mem cannot change while the export lives: resize is refused
 * (buffer.c), so the table describes the buffer until detach.
 */
static int kbuf_dmabuf_attach(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attach)
{
	struct kbuf_exporter *exp = dmabuf->priv;
	struct kbuf_buffer *buf = exp->buf;
	struct kbuf_attachment *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);
	if (!a)
		return -ENOMEM;
	ret = kbuf_export_sgt(&a->sgt, buf, attach->dev);
	if (ret) {
		kfree(a);
		return ret;
	}
	a->dev = attach->dev;
	attach->priv = a;

	mutex_lock(&exp->lock);
	list_add(&a->node, &exp->attachments);
	mutex_unlock(&exp->lock);
	return 0;
}

static void kbuf_dmabuf_detach(struct dma_buf *dmabuf,
			       struct dma_buf_attachment *attach)
{
	struct kbuf_exporter *exp = dmabuf->priv;
	struct kbuf_attachment *a = attach->priv;

	mutex_lock(&exp->lock);
	list_del(&a->node);
	mutex_unlock(&exp->lock);
	/*
	 * The core unmaps a mapping it cached before detaching; an importer
	 * that did not unmap its own is buggy, but its DMA mapping (an IOMMU
	 * range, a bounce buffer) is not leaked.
	 */
	if (WARN_ON_ONCE(a->mapped))
		kbuf_attachment_unmap(a);
	sg_free_table(&a->sgt);
	kfree(a);
}

static struct sg_table *kbuf_dmabuf_map(struct dma_buf_attachment *attach,
					enum dma_data_direction dir)
{
	struct kbuf_exporter *exp = attach->dmabuf->priv;
	struct kbuf_attachment *a = attach->priv;
	int ret;

	kbuf_dma_resv_assert_held(attach->dmabuf->resv);
	mutex_lock(&exp->lock);
	if (a->mapped) {
		/* One table per attachment: one mapping of it at a time. */
		ret = -EBUSY;
	} else {
		ret = kbuf_attachment_map(a, dir);
	}
	mutex_unlock(&exp->lock);
	return ret ? ERR_PTR(ret) : &a->sgt;
}

static void kbuf_dmabuf_unmap(struct dma_buf_attachment *attach,
			      struct sg_table *sgt, enum dma_data_direction dir)
{
	struct kbuf_exporter *exp = attach->dmabuf->priv;
	struct kbuf_attachment *a = attach->priv;

	kbuf_dma_resv_assert_held(attach->dmabuf->resv);
	mutex_lock(&exp->lock);
	WARN_ON_ONCE(!a->mapped || sgt != &a->sgt || dir != a->dir);
	kbuf_attachment_unmap(a);
	mutex_unlock(&exp->lock);
}

/*
 * Give the CPU (@for_cpu) or the devices back the buffer. Each mapping is
 * synced in the direction it was made with: the DMA API wants the same
 * direction as the map call, whatever the CPU is about to do.
 */
static int kbuf_dmabuf_sync(struct dma_buf *dmabuf, bool for_cpu)
{
	struct kbuf_exporter *exp = dmabuf->priv;
	struct kbuf_attachment *a;

	mutex_lock(&exp->lock);
	list_for_each_entry(a, &exp->attachments, node) {
		if (!a->mapped)
			continue;
		if (for_cpu)
			dma_sync_sgtable_for_cpu(a->dev, &a->sgt, a->dir);
		else
			dma_sync_sgtable_for_device(a->dev, &a->sgt, a->dir);
	}
	mutex_unlock(&exp->lock);
	return 0;
}

/*
 * The core waits for the devices' fences only after this returns, so wait
 * here first: a sync for the CPU while a device still writes would copy a
 * bounce buffer, or invalidate a cache, too early. A CPU that will write
 * waits for readers too (@dir is the CPU's: DMA_FROM_DEVICE reads).
 */
static int kbuf_dmabuf_begin_cpu_access(struct dma_buf *dmabuf,
					enum dma_data_direction dir)
{
	bool write = dir != DMA_FROM_DEVICE;
	long ret;

	ret = dma_resv_wait_timeout(dmabuf->resv, dma_resv_usage_rw(write),
				    true, MAX_SCHEDULE_TIMEOUT);
	if (ret < 0)
		return ret;
	return kbuf_dmabuf_sync(dmabuf, true);
}

static int kbuf_dmabuf_end_cpu_access(struct dma_buf *dmabuf,
				      enum dma_data_direction dir)
{
	return kbuf_dmabuf_sync(dmabuf, false);
}

/*
 * The core checked the range against dmabuf->size, which is map_size.
 * Always by pfn, whatever the node's map mode: a dma-buf's mapping is not
 * ordinary memory, and get_user_pages() must not pin the pages behind the
 * export's back (a pin outlives the last holder the buffer counts).
 */
static int kbuf_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct kbuf_exporter *exp = dmabuf->priv;

	return kbuf_mmap_buffer(exp->buf, vma, KBUF_MAP_PFN);
}

/* Every backend's memory has a kernel address of its own already. */
static int kbuf_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct kbuf_exporter *exp = dmabuf->priv;

	iosys_map_set_vaddr(map, exp->buf->mem.vaddr);
	return 0;
}

static void kbuf_dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
}

/* The last holder let go: the buffer may be resized and destroyed again. */
static void kbuf_dmabuf_release(struct dma_buf *dmabuf)
{
	struct kbuf_exporter *exp = dmabuf->priv;
	struct kbuf_buffer *buf = exp->buf;

	mutex_destroy(&exp->lock);
	kfree(exp);
	atomic_dec(&buf->exports);
	put_device(&buf->dev);
}

static const struct dma_buf_ops kbuf_dmabuf_ops = {
	.attach = kbuf_dmabuf_attach,
	.detach = kbuf_dmabuf_detach,
	.map_dma_buf = kbuf_dmabuf_map,
	.unmap_dma_buf = kbuf_dmabuf_unmap,
	.begin_cpu_access = kbuf_dmabuf_begin_cpu_access,
	.end_cpu_access = kbuf_dmabuf_end_cpu_access,
	.mmap = kbuf_dmabuf_mmap,
	.vmap = kbuf_dmabuf_vmap,
	.vunmap = kbuf_dmabuf_vunmap,
	.release = kbuf_dmabuf_release,
};

/*
 * The bytes of @mem a dma-buf may carry: its whole pages, if they are its
 * own. A kmalloc object of one or two pages is page-aligned but lives in
 * a slab page, which the node's page-mode mmap() will not hand out either:
 * importers may take the scatterlist's pages for ordinary ones.
 */
static size_t kbuf_export_size(const struct kbuf_mem *mem)
{
	if (!strcmp(mem->source, "slab"))
		return 0;
	return mem->map_size;
}

/*
 * Count an export of @buf and read the size it will have, in one step
 * under buf->lock: from then on a resize refuses to swap the memory, and
 * one copying at this moment sees map_seq move and fails with EBUSY.
 * Takes a device reference. Return: the size, or 0 if the buffer has no
 * whole pages of its own.
 */
static size_t kbuf_export_get(struct kbuf_buffer *buf)
{
	size_t size;

	mutex_lock(&buf->lock);
	size = kbuf_export_size(&buf->mem);
	if (size) {
		atomic_inc(&buf->exports);
		buf->map_seq++;
		get_device(&buf->dev);
	}
	mutex_unlock(&buf->lock);
	return size;
}

static void kbuf_export_put(struct kbuf_buffer *buf)
{
	atomic_dec(&buf->exports);
	put_device(&buf->dev);
}

/* Wrap @buf in a new dma-buf whose file is opened with @accmode. */
static struct dma_buf *kbuf_dmabuf_new(struct kbuf_buffer *buf, int accmode)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct kbuf_exporter *exp;
	struct dma_buf *dmabuf;

	exp = kzalloc(sizeof(*exp), GFP_KERNEL_ACCOUNT);
	if (!exp)
		return ERR_PTR(-ENOMEM);
	exp->buf = buf;
	mutex_init(&exp->lock);
	INIT_LIST_HEAD(&exp->attachments);

	exp_info.exp_name = "kbuf";
	exp_info.owner = THIS_MODULE;
	exp_info.ops = &kbuf_dmabuf_ops;
	exp_info.priv = exp;
	exp_info.flags = accmode;
	exp_info.size = kbuf_export_get(buf);
	if (!exp_info.size) {
		dmabuf = ERR_PTR(-EINVAL);
		goto err_free_exp;
	}
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf))
		goto err_put_export;
	return dmabuf;

err_put_export:
	kbuf_export_put(buf);
err_free_exp:
	mutex_destroy(&exp->lock);
	kfree(exp);
	return dmabuf;
}

/*
 * O_CLOEXEC, and an access mode of O_RDONLY or O_RDWR: nothing else. The
 * node must be open for reading and writing whatever the dma-buf's mode:
 * that mode limits only mmap() of the dma-buf, and any importing device
 * may read and write the buffer.
 */
static int kbuf_export_check(struct file *filp, const struct kbuf_export *arg)
{
	int accmode = arg->flags & O_ACCMODE;

	if (arg->reserved || (arg->flags & ~(O_CLOEXEC | O_ACCMODE)))
		return -EINVAL;
	if (accmode != O_RDONLY && accmode != O_RDWR)
		return -EINVAL;
	if ((filp->f_mode & (FMODE_READ | FMODE_WRITE)) !=
	    (FMODE_READ | FMODE_WRITE))
		return -EBADF;
	return 0;
}

/**
 * kbuf_ioctl_export_dmabuf() - KBUF_IOC_EXPORT_DMABUF
 * @filp: the open buffer
 * @argp: user pointer to struct kbuf_export
 *
 * The descriptor is installed only once its number has reached user
 * space, so a fault leaves no descriptor behind.
 *
 * Return: 0 with the new descriptor in the fd field, -EINVAL for a flag
 * or reserved field not allowed or a buffer with no whole pages of its
 * own, -EBADF for a descriptor not open for both reading and writing,
 * -EMFILE, -ENOMEM or -EFAULT.
 */
int kbuf_ioctl_export_dmabuf(struct file *filp, void __user *argp)
{
	struct kbuf_export arg;
	struct dma_buf *dmabuf;
	int fd, ret;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	ret = kbuf_export_check(filp, &arg);
	if (ret)
		return ret;

	fd = get_unused_fd_flags(arg.flags & O_CLOEXEC);
	if (fd < 0)
		return fd;
	dmabuf = kbuf_dmabuf_new(filp->private_data, arg.flags & O_ACCMODE);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_put_fd;
	}
	arg.fd = fd;
	if (copy_to_user(argp, &arg, sizeof(arg))) {
		ret = -EFAULT;
		goto err_put_dmabuf;
	}
	fd_install(fd, dmabuf->file);
	return 0;

err_put_dmabuf:
	/* The release op drops the export. */
	dma_buf_put(dmabuf);
err_put_fd:
	put_unused_fd(fd);
	return ret;
}
