// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: the vmalloc backend.
 *
 * __vmalloc() gives pages that are contiguous only in the kernel's
 * virtual address space: each page has its own struct page and its own
 * physical frame, so mapping it by pfn takes one lookup per page. It is
 * called rather than vmalloc_user() because only it takes the caller's
 * gfp flags, and with them the memory cgroup charge (__GFP_ACCOUNT). The
 * VM_USERMAP mark vmalloc_user() adds is needed only by
 * remap_vmalloc_range(), which kbuf does not use: page mode hands the
 * pages out one fault at a time (mmap.c).
 *
 * On a chosen NUMA node it does what vmalloc does, by hand: no exported
 * vmalloc takes both a node and gfp flags (vzalloc_node() would drop the
 * memory cgroup charge), so each page comes from alloc_pages_node() and
 * vmap() maps them all into one range of the vmalloc area.
 */
#include "kbuf.h"

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

/*
 * @count pages of @node, each zeroed, mapped one after the other. With
 * VM_MAP_PUT_PAGES the area owns the pages and their array: vfree()
 * frees both, as it does a vmalloc'ed area's.
 */
static void *kbuf_vmalloc_node(unsigned long count, gfp_t gfp, int node)
{
	gfp_t page_gfp = gfp | __GFP_ZERO | __GFP_THISNODE;
	struct page **pages;
	unsigned long i;
	void *p;

	/*
	 * The array of 1 GiB's pages takes 2 MiB: tried from kmalloc only
	 * cheaply (__GFP_NORETRY, no compaction for an order-9 block), and
	 * from vmalloc without an OOM kill, as __vmalloc() does its own.
	 */
	pages = kvcalloc(count, sizeof(*pages),
			 (gfp & ~__GFP_RETRY_MAYFAIL) | __GFP_NORETRY);
	if (!pages)
		return NULL;
	for (i = 0; i < count; i++) {
		/* 1 GiB is 262144 pages: let a killed creator go. */
		if (fatal_signal_pending(current))
			goto err_free;
		pages[i] = alloc_pages_node(node, page_gfp, 0);
		if (!pages[i])
			goto err_free;
		cond_resched();
	}
	p = vmap(pages, count, VM_MAP | VM_MAP_PUT_PAGES, PAGE_KERNEL);
	if (p)
		return p;
err_free:
	while (i--)
		__free_page(pages[i]);
	kvfree(pages);
	return NULL;
}

static int kbuf_vmalloc_alloc(struct kbuf_mem *mem, size_t size, gfp_t gfp,
			      int node)
{
	void *p;

	/* vmalloc may sleep: kbuf_mem_alloc() never gets here atomically. */
	if (node == NUMA_NO_NODE)
		p = __vmalloc(size, gfp | __GFP_ZERO);
	else
		p = kbuf_vmalloc_node(PAGE_ALIGN(size) >> PAGE_SHIFT, gfp,
				      node);
	if (!p)
		return -ENOMEM;

	mem->vaddr = p;
	mem->capacity = size;
	mem->map_size = PAGE_ALIGN(size);
	mem->order = 0;
	mem->source = "vmalloc";
	return 0;
}

static void kbuf_vmalloc_free(struct kbuf_mem *mem)
{
	vfree(mem->vaddr);
}

/*
 * The textbook way: look up each page's frame and map it alone. When one
 * fails, the pages mapped before it are zapped here: the driver stops
 * counting the mapping when it returns the error, and a resize could then
 * free frames that user page tables still point at.
 */
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
		if (ret) {
			if (i)
				zap_vma_ptes(vma, vma->vm_start,
					     i << PAGE_SHIFT);
			return ret;
		}
		/*
		 * 262144 pages for a 1 GiB buffer, under mmap_lock: let
		 * others run now and then, as the page-table walks of
		 * dmabuf.c do.
		 */
		if (!((i + 1) % 4096))
			cond_resched();
	}
	return 0;
}

static struct page *kbuf_vmalloc_page(struct kbuf_mem *mem, pgoff_t pgoff)
{
	return vmalloc_to_page(mem->vaddr + (pgoff << PAGE_SHIFT));
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
	.page = kbuf_vmalloc_page,
};
