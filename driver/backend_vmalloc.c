// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: the vmalloc backend.
 *
 * vmalloc_user() gives zeroed pages that are contiguous only in the
 * kernel's virtual address space, marked VM_USERMAP so that
 * remap_vmalloc_range() accepts them. Each page has its own struct page
 * and its own physical frame: mapping it by pfn takes one lookup per page.
 */
#include "kbuf.h"

#include <linux/mm.h>
#include <linux/vmalloc.h>

static int kbuf_vmalloc_alloc(struct kbuf_mem *mem, size_t size, gfp_t gfp)
{
	void *p;

	/* vmalloc may sleep: kbuf_mem_alloc() never gets here atomically. */
	p = vmalloc_user(size);
	if (!p)
		return -ENOMEM;

	mem->vaddr = p;
	mem->capacity = size;
	mem->map_size = PAGE_ALIGN(size);
	mem->order = 0;
	return 0;
}

static void kbuf_vmalloc_free(struct kbuf_mem *mem)
{
	vfree(mem->vaddr);
}

/* The textbook way: look up each page's frame and map it alone. */
static int kbuf_vmalloc_map_pfn(struct kbuf_mem *mem,
				struct vm_area_struct *vma)
{
	unsigned long i, count = vma_pages(vma);
	void *kaddr = mem->vaddr + (vma->vm_pgoff << PAGE_SHIFT);
	int ret;

	for (i = 0; i < count; i++) {
		unsigned long pfn = vmalloc_to_pfn(kaddr + (i << PAGE_SHIFT));

		ret = remap_pfn_range(vma, vma->vm_start + (i << PAGE_SHIFT),
				      pfn, PAGE_SIZE, vma->vm_page_prot);
		if (ret)
			return ret;
	}
	return 0;
}

/* Insert the pages by struct page, as videobuf2-vmalloc does. */
static int kbuf_vmalloc_map_page(struct kbuf_mem *mem,
				 struct vm_area_struct *vma)
{
	return remap_vmalloc_range(vma, mem->vaddr, vma->vm_pgoff);
}

const struct kbuf_backend kbuf_backend_vmalloc = {
	.name = "vmalloc",
	.id = KBUF_BACKEND_VMALLOC,
	.max_size = KBUF_VMALLOC_MAX,
	.can_atomic = false,
	.contiguous = false,
	.alloc = kbuf_vmalloc_alloc,
	.free = kbuf_vmalloc_free,
	.map_pfn = kbuf_vmalloc_map_pfn,
	.map_page = kbuf_vmalloc_map_page,
};
