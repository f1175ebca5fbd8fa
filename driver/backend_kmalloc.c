// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: the kmalloc backend.
 *
 * kmalloc() hands out slab objects, physically contiguous, from caches of
 * fixed sizes up to KMALLOC_MAX_CACHE_SIZE (two pages with SLUB). Larger
 * requests are passed straight to the page allocator ("large kmalloc"):
 * the object is then a compound block of its own. An object smaller than
 * a page shares its page with other objects, and mapping that page would
 * give user space those objects too. So a buffer of a page or more is
 * allocated in whole pages: power-of-two sizes are naturally aligned
 * (guaranteed since 5.4) and larger ones come from the page allocator, so
 * the object starts on a page boundary and covers its pages alone. A
 * smaller buffer keeps its exact size and cannot be mapped. sysfs
 * "source" says which of slab or page allocator served a buffer.
 */
#include "kbuf.h"

#include <linux/mm.h>
#include <linux/slab.h>

static int kbuf_kmalloc_alloc(struct kbuf_mem *mem, size_t size, gfp_t gfp,
			      int node)
{
	size_t bytes = size < PAGE_SIZE ? size : PAGE_ALIGN(size);
	void *p;

	/* kzalloc_node() with NUMA_NO_NODE is kzalloc(). */
	if (node != NUMA_NO_NODE)
		gfp |= __GFP_THISNODE;
	p = kzalloc_node(bytes, gfp, node);
	if (!p)
		return -ENOMEM;

	mem->vaddr = p;
	mem->capacity = size;
	mem->map_size = 0;
	mem->order = 0;
	mem->source = kbuf_linear_source(p);
	/* Never map a page that might hold another object. */
	if (size >= PAGE_SIZE && PAGE_ALIGNED(p))
		mem->map_size = bytes;
	return 0;
}

static void kbuf_kmalloc_free(struct kbuf_mem *mem)
{
	kfree(mem->vaddr);
}

const struct kbuf_backend kbuf_backend_kmalloc = {
	.name = "kmalloc",
	.id = KBUF_BACKEND_KMALLOC,
	.max_size = KMALLOC_MAX_SIZE,
	.can_atomic = true,
	.contiguous = true,
	.alloc = kbuf_kmalloc_alloc,
	.free = kbuf_kmalloc_free,
	.map_pfn = kbuf_map_linear_pfn,
	/*
	 * Slab pages cannot be handed out by struct page (vm_insert_page()
	 * refuses them), and the design keeps every kmalloc buffer, slab or
	 * large, on remap_pfn_range().
	 */
	.page = NULL,
};
