// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: mmap() of a buffer node. All the checks live here; the backends
 * only insert pages or pfns into a range already known to be theirs.
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
 *   destroy are refused while @mappings is not zero.
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

static const struct vm_operations_struct kbuf_vm_ops = {
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
 * kbuf_mmap() - map a buffer into user space
 * @filp: the open buffer
 * @vma:  the mapping the core set up
 *
 * Return: 0, -EINVAL for a private mapping or a range outside the pages
 * the buffer owns, or the backend's error.
 */
int kbuf_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct kbuf_buffer *buf = filp->private_data;
	int ret = -EINVAL;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	/* Hold off resize: mem must not change between check and map. */
	mutex_lock(&buf->lock);
	if (!kbuf_mmap_in_range(buf, vma))
		goto out_unlock;

	kbuf_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	ret = buf->map(&buf->mem, vma);
	if (ret)
		goto out_unlock;

	vma->vm_ops = &kbuf_vm_ops;
	vma->vm_private_data = buf;
	atomic_inc(&buf->mappings);
	kbuf_stat_add(buf, KBUF_STAT_MMAPS, 1);
out_unlock:
	mutex_unlock(&buf->lock);
	return ret;
}
