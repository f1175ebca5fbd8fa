// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: mmap() of a buffer node. All the checks live here; the backends
 * only map pfns, or look up a page, in a range already known to be theirs.
 *
 * - Only shared mappings: a private (copy-on-write) mapping of pfn memory
 *   is a known way to crash the kernel, and of this buffer would be a lie.
 *   VM_MAYSHARE, not VM_SHARED, is the test: a MAP_SHARED mapping of a
 *   read-only descriptor has VM_SHARED cleared by the core.
 * - The range is checked without overflow against the pages the buffer
 *   owns (mem.map_size).
 * - VM_DONTEXPAND: mremap() cannot grow the mapping past the buffer.
 *   VM_DONTDUMP: the buffer is not the process's memory to dump.
 * - vma->vm_page_prot is passed on as the core computed it, so a
 *   read-only mapping stays read-only.
 * - The mapping holds its file, so the buffer outlives close(); resize and
 *   destroy are refused while @mappings is not zero. The file is the node,
 *   or a dma-buf of the buffer (dmabuf.c), whose mmap() comes here too.
 *
 * Map mode pfn fills the whole range at mmap() time with
 * remap_pfn_range(): VM_PFNMAP, no struct page behind it for the core, and
 * madvise(MADV_DONTNEED) is refused (EINVAL). Map mode page inserts
 * nothing at mmap() time: each page is handed to the core by the fault
 * handler when first touched, as a struct page with a reference. A range
 * that madvise(MADV_DONTNEED) zapped is simply faulted in again, and
 * get_user_pages() users (O_DIRECT, process_vm_readv) see ordinary pages.
 */
#include "kbuf.h"

#include <linux/fs.h>
#include <linux/mm.h>

static void kbuf_vm_open(struct vm_area_struct *vma)
{
	struct kbuf_buffer *buf = vma->vm_private_data;

	/* fork() or a split of an existing mapping: never the first one. */
	atomic_inc(&buf->mappings);
}

static void kbuf_vm_close(struct vm_area_struct *vma)
{
	struct kbuf_buffer *buf = vma->vm_private_data;

	atomic_dec(&buf->mappings);
}

/*
 * Takes no lock: buf->mem cannot change while this VMA exists (resize is
 * refused while mapped), and a read() or write() whose user buffer is
 * this very mapping faults here with io_rwsem held.
 */
static vm_fault_t kbuf_vm_fault(struct vm_fault *vmf)
{
	struct kbuf_buffer *buf = vmf->vma->vm_private_data;
	struct page *page;

	/* mmap() checked the range and VM_DONTEXPAND keeps it. */
	if (WARN_ON_ONCE(vmf->pgoff >= buf->mem.map_size >> PAGE_SHIFT))
		return VM_FAULT_SIGBUS;
	page = buf->backend->page(&buf->mem, vmf->pgoff);
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct kbuf_vm_page_ops = {
	.open = kbuf_vm_open,
	.close = kbuf_vm_close,
	.fault = kbuf_vm_fault,
};

static const struct vm_operations_struct kbuf_vm_pfn_ops = {
	.open = kbuf_vm_open,
	.close = kbuf_vm_close,
};

static bool kbuf_mmap_in_range(struct kbuf_buffer *buf,
			       struct vm_area_struct *vma)
{
	unsigned long npages = buf->mem.map_size >> PAGE_SHIFT;

	return vma->vm_pgoff < npages &&
	       vma_pages(vma) <= npages - vma->vm_pgoff;
}

/**
 * kbuf_mmap_buffer() - map a buffer into user space
 * @buf: the buffer
 * @vma: the mapping the core set up, of a file that keeps @buf alive (its
 *       node, or a dma-buf of it): vma->vm_pgoff is an offset in @buf
 * @mode: KBUF_MAP_PAGE or KBUF_MAP_PFN: the node's map mode, or pfn for a
 *        dma-buf
 *
 * The one place that checks and makes a mapping, for the node's mmap()
 * and for the dma-buf's (dmabuf.c).
 *
 * Return: 0, -EINVAL for a private mapping or a range outside the pages
 * the buffer owns, -EINTR if a fatal signal came while waiting for a
 * resize to decide, or the error of remap_pfn_range().
 */
int kbuf_mmap_buffer(struct kbuf_buffer *buf, struct vm_area_struct *vma,
		     u32 mode)
{
	bool in_range;
	int ret = 0;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	/*
	 * Check the range and count the mapping in one step under buf->lock:
	 * from then on a resize refuses to swap the memory (it decides under
	 * the same lock), so the pfns can be inserted without holding it.
	 */
	if (mutex_lock_killable(&buf->lock))
		return -EINTR;
	in_range = kbuf_mmap_in_range(buf, vma);
	if (in_range) {
		atomic_inc(&buf->mappings);
		buf->map_seq++;
	}
	mutex_unlock(&buf->lock);
	if (!in_range)
		return -EINVAL;

	kbuf_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	if (mode == KBUF_MAP_PFN)
		ret = buf->backend->map_pfn(&buf->mem, vma);
	if (ret) {
		/* The core unmaps what was inserted; no vm_ops yet to close. */
		atomic_dec(&buf->mappings);
		return ret;
	}
	if (mode == KBUF_MAP_PFN)
		vma->vm_ops = &kbuf_vm_pfn_ops;
	else
		vma->vm_ops = &kbuf_vm_page_ops;
	vma->vm_private_data = buf;
	kbuf_stat_add(buf, KBUF_STAT_MMAPS, 1);
	return 0;
}

/**
 * kbuf_mmap() - the buffer node's mmap()
 * @filp: the open buffer
 * @vma:  the mapping the core set up
 *
 * Return: as kbuf_mmap_buffer().
 */
int kbuf_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct kbuf_buffer *buf = filp->private_data;

	return kbuf_mmap_buffer(buf, vma, buf->map_mode);
}
