/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every kernel-version difference kbuf meets, in one place. Where possible
 * the answer comes from a build-time probe of the headers (see Kbuild), not
 * from LINUX_VERSION_CODE: distribution kernels backport API changes.
 *
 * Floor: 5.17 (dkms.conf's BUILD_EXCLUSIVE_KERNEL_MIN), the first kernel
 * with virt_to_folio() (backend.c). Older still, the natural alignment of
 * power-of-two kmalloc() objects (5.4) that the kmalloc backend's mmap
 * relies on is not guaranteed either.
 */
#ifndef KBUF_COMPAT_H
#define KBUF_COMPAT_H

#include <linux/device.h>
#include <linux/dma-resv.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>

/*
 * 6.3 made vma->vm_flags read-only and added vm_flags_set(); before it the
 * flags were written directly, under the mmap lock that ->mmap holds.
 */
static inline void kbuf_vm_flags_set(struct vm_area_struct *vma,
				     vm_flags_t flags)
{
#ifdef KBUF_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/* 6.2 passes a const struct device to class->devnode. */
#ifdef KBUF_HAVE_CONST_DEVNODE
#define KBUF_DEVNODE_DEV const struct device
#else
#define KBUF_DEVNODE_DEV struct device
#endif

/*
 * splice() and sendfile() from a file that has ->read_iter but no page
 * cache: 6.5 removed generic_file_splice_read() (which read through an
 * ITER_PIPE iterator) and added copy_splice_read() (which reads into pages
 * it then hands to the pipe). Both call ->read_iter.
 */
#ifdef KBUF_HAVE_COPY_SPLICE_READ
#define kbuf_splice_read copy_splice_read
#else
#define kbuf_splice_read generic_file_splice_read
#endif

/*
 * The largest order the page allocator hands out. MAX_ORDER changed meaning
 * in 6.4 (exclusive to inclusive) and became MAX_PAGE_ORDER in 6.8, but
 * MAX_ORDER_NR_PAGES has always been the size of the largest block.
 */
#define KBUF_MAX_ORDER ilog2(MAX_ORDER_NR_PAGES)

/*
 * The symbol namespace of the dma-buf core, for MODULE_IMPORT_NS(): an
 * identifier that the macro stringifies until 6.13, a string literal from
 * 6.13 on. dma-buf's symbols are in it on both 6.1 and 6.12.
 */
#ifdef KBUF_HAVE_IMPORT_NS_STRING
#define KBUF_NS_DMA_BUF "DMA_BUF"
#else
#define KBUF_NS_DMA_BUF DMA_BUF
#endif

/*
 * From 6.2 the dma-buf core calls an exporter's map_dma_buf and
 * unmap_dma_buf with the dma-buf's dma_resv lock held. 6.1 holds it only
 * for dynamic importers or exporters, or when an importer takes it itself
 * (dma_buf_map_attachment_unlocked()); the DRM core's PRIME import calls
 * dma_buf_map_attachment() without it. So there is nothing to assert.
 */
static inline void kbuf_dma_resv_assert_held(struct dma_resv *resv)
{
#ifdef KBUF_HAVE_DMA_BUF_RESV_MAP
	dma_resv_assert_held(resv);
#endif
}

/*
 * copy_from_user() without its zeroing of what it could not copy: fops.c
 * copies a write straight into the buffer's data. Its guards are kept:
 * the range check, and no speculation past it (Spectre v1). 6.12 masks
 * the pointer where the architecture can (mask_user_address(), x86-64);
 * before, and elsewhere, access_ok() is followed by barrier_nospec(), as
 * in copy_from_user(). __copy_from_user() does the rest: might_fault(),
 * fault injection, the sanitizers' hooks and the hardened usercopy check.
 */
static __always_inline unsigned long
kbuf_copy_from_user_nozero(void *to, const void __user *from, unsigned long n)
{
#ifdef can_do_masked_user_access
	if (can_do_masked_user_access()) {
		from = mask_user_address(from);
		return __copy_from_user(to, from, n);
	}
#endif
	if (!access_ok(from, n))
		return n;
	barrier_nospec();
	return __copy_from_user(to, from, n);
}

#endif /* KBUF_COMPAT_H */
