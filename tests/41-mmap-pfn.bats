#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# mmap with map_mode=pfn: every buffer is mapped with remap_pfn_range
# (VM_PFNMAP), so get_user_pages users (process_vm_readv, /proc/PID/mem,
# O_DIRECT) fail on the mappings, and nothing but the driver's busy rule
# keeps the memory alive. Same checks as 40-mmap.bats (helpers/mmap.bash).

load 'helpers/common'
load 'helpers/mmap'

# map_mode=pfn: no mapping has struct pages.
mmap_has_pages() {
	return 1
}

setup_file() {
	kbuf_file_setup map_mode=pfn
}

setup() {
	kbuf_test_setup
	kbuf_clear_all
}

@test "with map_mode=pfn every buffer maps by pfn" {
	check() {
		run kbuf_attr "$1" map_mode
		assert_output pfn
		run kbuf_info "$1" map_mode
		assert_output pfn
	}
	kbuf_each_backend check
}

@test "with map_mode=pfn buffers created at run time map by pfn too" {
	check() {
		kbuf_create "c-$1" "$1" 8192
		run kbuf_attr "c-$1" map_mode
		assert_output pfn
		kbuf_destroy "c-$1"
	}
	kbuf_each_backend check
}

@test "with map_mode=pfn a create with KBUF_CREATE_MAP_PAGE maps pages and vmalloc by struct page" {
	local b
	for b in pages vmalloc; do
		mmap_created_maps "$b" 0 pfn
		mmap_created_maps "$b" 1 page
		mmap_created_maps "$b" 2 pfn
	done
	mmap_created_maps kmalloc 0 pfn
}

@test "in pfn mode a mapping sees what write() wrote" {
	kbuf_each_backend mmap_sees_write
}

@test "in pfn mode read() sees what was written through a mapping" {
	kbuf_each_backend mmap_read_sees_mapping_write
}

@test "in pfn mode writes through a mapping do not change length" {
	kbuf_each_backend mmap_write_keeps_length
}

@test "in pfn mode a mapping sees later writes by other processes" {
	kbuf_each_backend mmap_live_across_processes
}

@test "in pfn mode a forked child's writes through the mapping are seen by the parent" {
	kbuf_each_backend mmap_fork_shares
}

@test "in pfn mode MAP_PRIVATE fails with EINVAL" {
	kbuf_each_backend mmap_private_fails
}

@test "in pfn mode MAP_SHARED with PROT_READ works on a read-only descriptor" {
	kbuf_each_backend mmap_readonly_fd_shared_read
}

@test "in pfn mode PROT_WRITE on a read-only descriptor fails with EACCES" {
	kbuf_each_backend mmap_readonly_fd_write_fails
}

@test "in pfn mode mprotect to PROT_WRITE on a read-only descriptor fails with EACCES" {
	kbuf_each_backend mmap_readonly_fd_mprotect_fails
}

@test "in pfn mode a PROT_READ mapping cannot be written" {
	kbuf_each_backend mmap_prot_read_is_read_only
}

@test "in pfn mode mmap covers exactly map_size" {
	kbuf_each_backend mmap_bounds
}

@test "in pfn mode an offset near the largest the VFS passes on fails with EINVAL" {
	kbuf_each_backend mmap_huge_offset_fails
}

@test "in pfn mode a mapping at an offset sees the bytes at that offset" {
	kbuf_each_backend mmap_offset_window
}

@test "in pfn mode mremap cannot grow a mapping (EFAULT)" {
	kbuf_each_backend mmap_mremap_grow_fails
}

@test "in pfn mode mremap can shrink a mapping" {
	kbuf_each_backend mmap_mremap_shrink_works
}

@test "in pfn mode munmap of a middle page splits the mapping in two" {
	kbuf_each_backend mmap_munmap_middle_splits
}

@test "in pfn mode fork counts the child's copy of a mapping" {
	kbuf_each_backend mmap_fork_counts
}

@test "in pfn mode a mapping keeps working after its descriptor is closed" {
	kbuf_each_backend mmap_outlives_close
}

@test "in pfn mode resize fails with EBUSY while mapped" {
	kbuf_each_backend mmap_resize_busy
}

@test "in pfn mode destroy fails with EBUSY while mapped after close" {
	kbuf_each_backend mmap_destroy_busy
}

@test "in pfn mode rmmod is refused while a buffer is mapped after close" {
	kbuf_hold_mapping "$KBUF_DEV/pages"
	run -1 rmmod kbuf
	assert_output --partial 'in use'
	kbuf_bg_kill "$KBUF_BG_PID"
}

@test "in pfn mode read() and write() with the buffer's own mapping complete" {
	kbuf_each_backend mmap_read_into_own_mapping
}

@test "in pfn mode madvise(MADV_DONTNEED) fails with EINVAL and keeps the mapping whole" {
	kbuf_each_backend mmap_dontneed
}

@test "in pfn mode process_vm_readv on a mapping fails with EFAULT" {
	kbuf_each_backend mmap_vmreadv
}

@test "in pfn mode reading /proc/self/mem at a mapping fails with EIO" {
	kbuf_each_backend mmap_procmem
}

@test "in pfn mode an O_DIRECT read into a mapping fails with EFAULT" {
	mmap_odirect_each read
}

@test "in pfn mode an O_DIRECT write from a mapping fails with EFAULT" {
	mmap_odirect_each write
}

@test "in pfn mode a buffer of 5000 bytes maps two pages, zeros past capacity" {
	kbuf_each_backend mmap_partial_page
}
