// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: what the three backends share: choosing one, checking a size
 * against its limit, the allocation context, and the linear-map pfn mapping
 * used by both physically contiguous allocators.
 */
#include "kbuf.h"

#include <linux/mm.h>
#include <linux/io.h>
#include <linux/spinlock.h>

static const struct kbuf_backend *const kbuf_backends[] = {
	[KBUF_BACKEND_KMALLOC] = &kbuf_backend_kmalloc,
	[KBUF_BACKEND_PAGES] = &kbuf_backend_pages,
	[KBUF_BACKEND_VMALLOC] = &kbuf_backend_vmalloc,
};

/*
 * Taken around GFP_ATOMIC allocations so that they really are made where
 * sleeping is forbidden: a kernel built with CONFIG_DEBUG_ATOMIC_SLEEP
 * reports any allocator path that would sleep here.
 */
static DEFINE_SPINLOCK(kbuf_atomic_lock);

/**
 * kbuf_backend_by_id() - look up a backend by its UAPI number
 * @id: KBUF_BACKEND_*
 *
 * Return: the backend, or NULL if @id names none.
 */
const struct kbuf_backend *kbuf_backend_by_id(u32 id)
{
	if (id >= ARRAY_SIZE(kbuf_backends))
		return NULL;
	return kbuf_backends[id];
}

/**
 * kbuf_backend_check_size() - check a requested capacity
 * @be:   the backend
 * @size: bytes asked for
 *
 * Return: 0, or -EINVAL if @size is 0 or above the backend's limit.
 */
int kbuf_backend_check_size(const struct kbuf_backend *be, u64 size)
{
	if (size == 0 || size > be->max_size)
		return -EINVAL;
	return 0;
}

/**
 * kbuf_mem_alloc() - allocate a buffer's memory in the chosen context
 * @be:   the backend
 * @mem:  filled in on success
 * @size: capacity in bytes, already checked
 * @gfp:  KBUF_GFP_KERNEL, or KBUF_GFP_ATOMIC to allocate under a spinlock
 * @node: the NUMA node to allocate on, or NUMA_NO_NODE
 *
 * Every buffer is memory user space asked for: it is charged to the
 * memory cgroup of the task that allocates it (KBUF_GFP_USER).
 *
 * Return: 0, -EINVAL if @be cannot allocate atomically, or -ENOMEM.
 */
int kbuf_mem_alloc(const struct kbuf_backend *be, struct kbuf_mem *mem,
		   size_t size, u32 gfp, int node)
{
	int ret;

	if (gfp == KBUF_GFP_KERNEL)
		return be->alloc(mem, size, KBUF_GFP_USER, node);
	if (!be->can_atomic)
		return -EINVAL;

	spin_lock(&kbuf_atomic_lock);
	ret = be->alloc(mem, size, KBUF_GFP_USER_ATOMIC, node);
	spin_unlock(&kbuf_atomic_lock);
	return ret;
}

/**
 * kbuf_linear_source() - which allocator a linear-map address came from
 * @vaddr: the start of a kmalloc object or a page allocator block
 *
 * Return: "slab" for an object of a kmalloc cache, else "pages".
 */
const char *kbuf_linear_source(const void *vaddr)
{
	return folio_test_slab(virt_to_folio(vaddr)) ? "slab" : "pages";
}

/**
 * kbuf_map_linear_pfn() - map physically contiguous memory by pfn
 * @mem: memory in the kernel's linear map (kmalloc or page allocator)
 * @vma: the checked mapping
 *
 * remap_pfn_range() marks the mapping VM_PFNMAP | VM_IO: no struct page is
 * referenced, so get_user_pages() users cannot reach it.
 *
 * Return: 0 or the error of remap_pfn_range().
 */
int kbuf_map_linear_pfn(struct kbuf_mem *mem, struct vm_area_struct *vma)
{
	unsigned long pfn = PHYS_PFN(virt_to_phys(mem->vaddr));

	return remap_pfn_range(vma, vma->vm_start, pfn + vma->vm_pgoff,
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}
