// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: the page allocator backend.
 *
 * One block of 2^order physically contiguous pages. Blocks of order 1 and
 * up are allocated with __GFP_COMP: a compound page keeps one reference
 * count for the whole block, so handing its tail pages to user page
 * tables (which takes references) and freeing the block stay balanced.
 * Without it the tail pages have no usable count of their own.
 */
#include "kbuf.h"

#include <linux/gfp.h>
#include <linux/mm.h>

/*
 * On a chosen node the block comes from alloc_pages_node(), with
 * __GFP_THISNODE so that it is on that node or not at all; its address
 * is in the linear map, like __get_free_pages()'s.
 */
static void *kbuf_pages_get(gfp_t gfp, unsigned int order, int node)
{
	struct page *page;

	if (order)
		gfp |= __GFP_COMP;
	if (node != NUMA_NO_NODE) {
		page = alloc_pages_node(node, gfp | __GFP_ZERO | __GFP_THISNODE,
					order);
		return page ? page_address(page) : NULL;
	}
	if (!order)
		return (void *)get_zeroed_page(gfp);
	return (void *)__get_free_pages(gfp | __GFP_ZERO, order);
}

static int kbuf_pages_alloc(struct kbuf_mem *mem, size_t size, gfp_t gfp,
			    int node)
{
	unsigned int order = get_order(size);
	void *addr = kbuf_pages_get(gfp, order, node);

	if (!addr)
		return -ENOMEM;

	mem->vaddr = addr;
	mem->capacity = size;
	mem->map_size = PAGE_ALIGN(size);
	mem->order = order;
	mem->source = "pages";
	return 0;
}

static void kbuf_pages_free(struct kbuf_mem *mem)
{
	if (mem->order == 0)
		free_page((unsigned long)mem->vaddr);
	else
		free_pages((unsigned long)mem->vaddr, mem->order);
}

static struct page *kbuf_pages_page(struct kbuf_mem *mem, pgoff_t pgoff)
{
	return nth_page(virt_to_page(mem->vaddr), pgoff);
}

const struct kbuf_backend kbuf_backend_pages = {
	.name = "pages",
	.id = KBUF_BACKEND_PAGES,
	.max_size = PAGE_SIZE << KBUF_MAX_ORDER,
	.can_atomic = true,
	.contiguous = true,
	.alloc = kbuf_pages_alloc,
	.free = kbuf_pages_free,
	.map_pfn = kbuf_map_linear_pfn,
	.page = kbuf_pages_page,
};
