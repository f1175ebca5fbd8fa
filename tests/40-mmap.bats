#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# mmap with the default map_mode=page: kmalloc buffers are mapped with
# remap_pfn_range, pages and vmalloc buffers with struct pages. The checks
# themselves live in helpers/mmap.bash and run for every backend;
# 41-mmap-pfn.bats runs them again with map_mode=pfn.

load 'helpers/common'
load 'helpers/mmap'

# kmalloc is always mapped by pfn; pages and vmalloc follow map_mode=page.
mmap_has_pages() {
	[[ $1 != kmalloc ]]
}

setup_file() {
	kbuf_file_setup map_mode=page
}

setup() {
	kbuf_test_setup
	kbuf_clear_all
}

@test "with map_mode=page kmalloc maps by pfn and pages and vmalloc by page" {
	run kbuf_attr kmalloc map_mode
	assert_output pfn
	run kbuf_attr pages map_mode
	assert_output page
	run kbuf_attr vmalloc map_mode
	assert_output page
	run kbuf_info kmalloc map_mode
	assert_output pfn
	run kbuf_info pages map_mode
	assert_output page
	run kbuf_info vmalloc map_mode
	assert_output page
}

@test "with map_mode=page a create's map flag chooses page or pfn for pages and vmalloc; kmalloc maps by pfn" {
	local b
	for b in pages vmalloc; do
		mmap_created_maps "$b" 0 page
		mmap_created_maps "$b" 1 page
		mmap_created_maps "$b" 2 pfn
	done
	mmap_created_maps kmalloc 0 pfn
	mmap_created_maps kmalloc 2 pfn
}

@test "a mapping sees what write() wrote" {
	kbuf_each_backend mmap_sees_write
}

@test "read() sees what was written through a mapping" {
	kbuf_each_backend mmap_read_sees_mapping_write
}

@test "writes through a mapping do not change length" {
	kbuf_each_backend mmap_write_keeps_length
}

@test "a mapping sees later writes by other processes, through write() and their mappings" {
	kbuf_each_backend mmap_live_across_processes
}

@test "a forked child's writes through the inherited mapping are seen by the parent" {
	kbuf_each_backend mmap_fork_shares
}

@test "MAP_PRIVATE fails with EINVAL, on read-write and read-only descriptors" {
	kbuf_each_backend mmap_private_fails
}

@test "MAP_SHARED with PROT_READ works on a read-only descriptor" {
	kbuf_each_backend mmap_readonly_fd_shared_read
}

@test "MAP_SHARED with PROT_WRITE on a read-only descriptor fails with EACCES" {
	kbuf_each_backend mmap_readonly_fd_write_fails
}

@test "mprotect to PROT_WRITE of a mapping of a read-only descriptor fails with EACCES" {
	kbuf_each_backend mmap_readonly_fd_mprotect_fails
}

@test "a PROT_READ mapping of a read-write descriptor cannot be written" {
	kbuf_each_backend mmap_prot_read_is_read_only
}

@test "mmap covers exactly map_size: one page more or an offset outside fails with EINVAL" {
	kbuf_each_backend mmap_bounds
}

@test "an offset near the largest the VFS passes on fails with EINVAL" {
	kbuf_each_backend mmap_huge_offset_fails
}

@test "an offset whose page number wraps around never maps" {
	kbuf_each_backend mmap_wrapping_offset_fails
}

@test "a mapping at an offset sees the bytes at that offset" {
	kbuf_each_backend mmap_offset_window
}

@test "mremap cannot grow a mapping (EFAULT)" {
	kbuf_each_backend mmap_mremap_grow_fails
}

@test "mremap can shrink a mapping" {
	kbuf_each_backend mmap_mremap_shrink_works
}

@test "munmap of a middle page splits the mapping in two" {
	kbuf_each_backend mmap_munmap_middle_splits
}

@test "fork counts the child's copy of a mapping until the child exits" {
	kbuf_each_backend mmap_fork_counts
}

@test "a mapping keeps working after its descriptor is closed" {
	kbuf_each_backend mmap_outlives_close
}

@test "info and sysfs count a mapping held by another process" {
	kbuf_each_backend mmap_counts_held_mapping
}

@test "resize fails with EBUSY while the buffer is mapped" {
	kbuf_each_backend mmap_resize_busy
}

@test "destroy fails with EBUSY while the buffer is mapped after close" {
	kbuf_each_backend mmap_destroy_busy
}

@test "read() and write() with the buffer's own mapping as user memory complete" {
	kbuf_each_backend mmap_read_into_own_mapping
}

# The copy of a resize runs without the lock mmap() takes: a mapping made,
# written and unmapped meanwhile must make the resize fail, not vanish.
@test "a store through a mapping made and unmapped during a resize is never lost" {
	kbuf_create race vmalloc $((8 << 20))
	run kbuf-resize-race "$KBUF_DEV/race" 8192
	assert_success
	assert_output --regexp '^resizes [1-9][0-9]* ebusy [0-9]+ stores 8192 lost 0$'
}

@test "madvise(MADV_DONTNEED) on pages and vmalloc mappings is undone by the next touch and fails with EINVAL on kmalloc" {
	kbuf_each_backend mmap_dontneed
}

@test "process_vm_readv works on pages and vmalloc mappings and fails with EFAULT on kmalloc" {
	kbuf_each_backend mmap_vmreadv
}

@test "reading /proc/self/mem works on pages and vmalloc mappings and fails with EIO on kmalloc" {
	kbuf_each_backend mmap_procmem
}

@test "an O_DIRECT read into a mapping works for pages and vmalloc and fails with EFAULT for kmalloc" {
	mmap_odirect_each read
}

@test "an O_DIRECT write from a mapping works for pages and vmalloc and fails with EFAULT for kmalloc" {
	mmap_odirect_each write
}

@test "the physical page under a mapping of the pages buffer is its phys_addr" {
	# pagemap shows struct-page mappings only: pfn mappings (kmalloc) are
	# skipped by the page walk, so only pages can be checked this way.
	mmap_phys_matches pages
}

@test "a buffer of 5000 bytes maps two pages and the bytes past capacity read as zeros" {
	kbuf_each_backend mmap_partial_page
}

@test "a kmalloc buffer smaller than a page has map_size 0 and cannot be mapped" {
	kbuf_create small kmalloc 100
	run kbuf_info small map_size
	assert_output 0
	run -1 kbuf-mmap -l "$KBUF_PAGE" "$KBUF_DEV/small"
	assert_output EINVAL
}

@test "a kmalloc buffer of exactly one page is mappable" {
	kbuf_create onepage kmalloc "$KBUF_PAGE"
	run kbuf_info onepage map_size
	assert_output "$KBUF_PAGE"
	run kbuf-mmap "$KBUF_DEV/onepage" write 0 x show 0 1
	assert_output x
}

@test "mapping a higher-order pages buffer many times keeps its data and page counts" {
	local dev="$KBUF_DEV/pages" cap i
	cap=$(kbuf_info pages capacity)
	for ((i = 0; i < 8; i++)); do
		kbuf-mmap "$dev" fill 0 "$cap" 90 munmap 0 "$KBUF_PAGE"
	done
	# Churn the page allocator: pages wrongly freed by the mappings would
	# be handed out, poisoned or zeroed here.
	for ((i = 0; i < 6; i++)); do
		kbuf_create "churn$i" pages "$cap"
		kbuf-ioctl "$KBUF_DEV/churn$i" set-length "$cap"
	done
	for ((i = 0; i < 6; i++)); do
		kbuf_destroy "churn$i"
	done
	kbuf-ioctl "$dev" set-length "$cap"
	run cmp "$dev" <(head -c "$cap" /dev/zero | tr '\0' Z)
	assert_success
}
