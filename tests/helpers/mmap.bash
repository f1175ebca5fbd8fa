# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# mmap checks shared by 40-mmap.bats (map_mode=page) and 41-mmap-pfn.bats
# (map_mode=pfn). Each mmap_* function takes a backend name, so that a test
# runs it for all three with kbuf_each_backend. Each suite defines
# mmap_has_pages BACKEND: whether its mappings have struct pages, so that
# get_user_pages works on them.

# A buffer's node from its name.
dev_of() {
	printf '%s/%s\n' "$KBUF_DEV" "$1"
}

# Fill buffer $1 with $2 bytes of 'D' through write() and make them valid.
mmap_fill_d() {
	head -c "$2" /dev/zero | tr '\0' D >"$(dev_of "$1")"
}

mmap_sees_write() {
	echo hello >"$(dev_of "$1")"
	run kbuf-mmap "$(dev_of "$1")" show 0 6
	assert_output 'hello\x0a'
}

mmap_read_sees_mapping_write() {
	kbuf-mmap "$(dev_of "$1")" write 0 WORLD
	kbuf-ioctl "$(dev_of "$1")" set-length 5
	run cat "$(dev_of "$1")"
	assert_output WORLD
}

mmap_write_keeps_length() {
	echo abc >"$(dev_of "$1")"
	run kbuf-mmap "$(dev_of "$1")" write 0 0123456789 info length
	assert_output 4
	run kbuf_attr "$1" length
	assert_output 4
}

# A process that mapped the buffer earlier sees a later write() and a
# later write through another process's mapping.
mmap_live_across_processes() {
	local dev go ready
	dev=$(dev_of "$1")
	go="$BATS_TEST_TMPDIR/go.$1"
	ready="$BATS_TEST_TMPDIR/ready.$1"
	kbuf_bg kbuf-mmap "$dev" ready "$ready" wait-file "$go" show 0 12
	kbuf_wait_for "$ready" 300
	echo written >"$dev"
	kbuf-mmap "$dev" write 8 ABCD
	touch "$go"
	wait "$KBUF_BG_PID"
	run cat "$BATS_TEST_TMPDIR/bg.out"
	assert_output 'written\x0aABCD'
	rm -f "$BATS_TEST_TMPDIR/bg.out"
}

mmap_fork_shares() {
	run kbuf-mmap "$(dev_of "$1")" fork-write 0 child show 0 5
	assert_output child
}

mmap_private_fails() {
	run -1 kbuf-mmap -p "$(dev_of "$1")"
	assert_output EINVAL
	run -1 kbuf-mmap -r -p -P r "$(dev_of "$1")"
	assert_output EINVAL
}

mmap_readonly_fd_shared_read() {
	echo ro >"$(dev_of "$1")"
	run kbuf-mmap -r "$(dev_of "$1")" show 0 2
	assert_output ro
}

mmap_readonly_fd_write_fails() {
	run -1 kbuf-mmap -r -P rw "$(dev_of "$1")"
	assert_output EACCES
}

mmap_readonly_fd_mprotect_fails() {
	run -1 kbuf-mmap -r "$(dev_of "$1")" mprotect rw
	assert_output EACCES
}

# PROT_READ on a read-write descriptor: a store must fault (the driver
# honours vma->vm_page_prot instead of forcing PAGE_SHARED).
mmap_prot_read_is_read_only() {
	run -139 kbuf-mmap -P r "$(dev_of "$1")" write 0 X
	kbuf-ioctl "$(dev_of "$1")" set-length 1
	run kbuf-io "$(dev_of "$1")" pdump 0 1
	assert_output '\x00'
}

mmap_bounds() {
	local dev size
	dev=$(dev_of "$1")
	size=$(kbuf_info "$1" map_size)
	assert_equal "$size" $(((($(kbuf_info "$1" capacity) + KBUF_PAGE - 1) / KBUF_PAGE) * KBUF_PAGE))
	run kbuf-mmap -l "$size" "$dev"
	assert_success
	run -1 kbuf-mmap -l $((size + KBUF_PAGE)) "$dev"
	assert_output EINVAL
	run kbuf-mmap -o $((size - KBUF_PAGE)) -l "$KBUF_PAGE" "$dev"
	assert_success
	run -1 kbuf-mmap -o "$size" -l "$KBUF_PAGE" "$dev"
	assert_output EINVAL
	run -1 kbuf-mmap -o $((size - KBUF_PAGE)) -l $((2 * KBUF_PAGE)) "$dev"
	assert_output EINVAL
}

# The largest offset the VFS lets through to the driver for one page
# (file_mmap_ok: pgoff <= (MAX_LFS_FILESIZE - len) >> PAGE_SHIFT).
mmap_huge_offset_fails() {
	run -1 kbuf-mmap -o $(((1 << 63) - 2 * KBUF_PAGE)) -l "$KBUF_PAGE" \
		"$(dev_of "$1")"
	assert_output EINVAL
}

mmap_offset_window() {
	kbuf-io "$(dev_of "$1")" pwrite "$KBUF_PAGE" window >/dev/null
	run kbuf-mmap -o "$KBUF_PAGE" -l "$KBUF_PAGE" "$(dev_of "$1")" show 0 6
	assert_output window
}

mmap_mremap_grow_fails() {
	run -1 kbuf-mmap -l "$KBUF_PAGE" "$(dev_of "$1")" mremap $((2 * KBUF_PAGE))
	assert_output EFAULT
}

mmap_mremap_shrink_works() {
	echo ab >"$(dev_of "$1")"
	run kbuf-mmap -l $((2 * KBUF_PAGE)) "$(dev_of "$1")" mremap "$KBUF_PAGE" \
		show 0 2 info mappings
	assert_output "$(printf '%s\n' ab 1)"
}

mmap_munmap_middle_splits() {
	run kbuf-mmap -l $((3 * KBUF_PAGE)) "$(dev_of "$1")" info mappings \
		munmap "$KBUF_PAGE" "$KBUF_PAGE" info mappings
	assert_output "$(printf '%s\n' 1 2)"
	run kbuf_info "$1" mappings
	assert_output 0
}

mmap_fork_counts() {
	run kbuf-mmap "$(dev_of "$1")" info mappings fork-info mappings \
		info mappings
	assert_output "$(printf '%s\n' 1 2 1)"
}

mmap_outlives_close() {
	run kbuf-mmap "$(dev_of "$1")" close write 0 late show 0 4 info mappings
	assert_output "$(printf '%s\n' late 1)"
	kbuf-ioctl "$(dev_of "$1")" set-length 4
	run cat "$(dev_of "$1")"
	assert_output late
}

mmap_counts_held_mapping() {
	kbuf_hold_mapping "$(dev_of "$1")"
	run kbuf_info "$1" mappings
	assert_output 1
	run kbuf_attr "$1" mappings
	assert_output 1
	kbuf_bg_kill "$KBUF_BG_PID"
	run kbuf_info "$1" mappings
	assert_output 0
}

mmap_resize_busy() {
	local dev cap
	dev=$(dev_of "$1")
	cap=$(kbuf_info "$1" capacity)
	kbuf_hold_mapping "$dev"
	run -1 kbuf-ioctl "$dev" resize $((cap * 2))
	assert_output EBUSY
	run kbuf_info "$1" capacity
	assert_output "$cap"
	kbuf_bg_kill "$KBUF_BG_PID"
	kbuf-ioctl "$dev" resize $((cap * 2))
	kbuf-ioctl "$dev" resize "$cap"
}

mmap_destroy_busy() {
	kbuf_create "m-$1" "$1" 8192
	kbuf_hold_mapping "$KBUF_DEV/m-$1"
	run -1 kbuf-ioctl "$KBUF_CONTROL" destroy "m-$1"
	assert_output EBUSY
	assert_character_exists "$KBUF_DEV/m-$1"
	kbuf_bg_kill "$KBUF_BG_PID"
	kbuf_destroy "m-$1"
	assert_not_exists "$KBUF_DEV/m-$1"
}

# read(fd, map) and write(fd, map) on a mapping of the same buffer must
# complete (no self-deadlock between the buffer lock and mmap_lock).
mmap_read_into_own_mapping() {
	local dev
	dev=$(dev_of "$1")
	kbuf-ioctl "$dev" clear
	kbuf-io "$dev" write abc >/dev/null
	kbuf-ioctl "$dev" set-length $((2 * KBUF_PAGE))
	run timeout 120 kbuf-mmap "$dev" read-self "$KBUF_PAGE" "$KBUF_PAGE" \
		show "$KBUF_PAGE" 3 write-self "$KBUF_PAGE" "$KBUF_PAGE"
	assert_output "$(printf '%s\n' "$KBUF_PAGE" abc "$KBUF_PAGE")"
}

# madvise(MADV_DONTNEED) on a mapping: struct-page mappings accept it and
# the fault handler brings the same pages back; pfn mappings refuse it.
mmap_dontneed() {
	local madv='madvise ok'
	mmap_has_pages "$1" || madv='madvise EINVAL'
	run python3 "$KBUF_ROOT/tests/helpers/madvise-dontneed.py" "$(dev_of "$1")"
	assert_success
	assert_output "$(printf '%s\n' "$madv" 'zap!' 4 abcd)"
	run kbuf-io "$(dev_of "$1")" dump 12
	assert_output 'zap!\x00\x00\x00\x00abcd'
}

# mmap_gup_op OP ERRNO BACKEND: kbuf-mmap's OP (vmreadv, procmem), which
# reaches the mapping through get_user_pages, moves 8192 bytes where the
# mapping has struct pages and fails with ERRNO where it has none.
mmap_gup_op() {
	mmap_fill_d "$3" 8192
	if mmap_has_pages "$3"; then
		run kbuf-mmap "$(dev_of "$3")" "$1" 0 8192
		assert_output 8192
	else
		run -1 kbuf-mmap "$(dev_of "$3")" "$1" 0 8192
		assert_output "$2"
	fi
}

# mmap_created_maps BACKEND FLAGS MODE: a buffer of BACKEND created with
# kbuf_create.flags FLAGS, then resized, maps in MODE: sysfs and
# KBUF_IOC_INFO say so, and process_vm_readv() of its mapping
# (get_user_pages) moves 8192 bytes in page mode and fails with EFAULT in
# pfn mode, which has no pages.
mmap_created_maps() {
	local name="m$2-$1"
	run -0 kbuf-ioctl "$KBUF_CONTROL" create "$name" "$1" 4096 kernel "$2"
	kbuf_wait_for "$KBUF_DEV/$name"
	run -0 kbuf-ioctl "$KBUF_DEV/$name" resize 8192
	assert_equal "$(kbuf_attr "$name" map_mode)" "$3"
	assert_equal "$(kbuf_info "$name" map_mode)" "$3"
	head -c 8192 /dev/zero | tr '\0' m >"$KBUF_DEV/$name"
	if [[ $3 == page ]]; then
		run -0 kbuf-mmap "$KBUF_DEV/$name" vmreadv 0 8192
		assert_output 8192
	else
		run -1 kbuf-mmap "$KBUF_DEV/$name" vmreadv 0 8192
		assert_output EFAULT
	fi
	kbuf_destroy "$name"
}

mmap_vmreadv() {
	mmap_gup_op vmreadv EFAULT "$1"
}

mmap_procmem() {
	mmap_gup_op procmem EIO "$1"
}

# mmap_odirect_each read|write: mmap_odirect on each backend; skips the
# test if kbuf_odirect_dir finds no file system that takes O_DIRECT.
mmap_odirect_each() {
	KBUF_ODIRECT=$(kbuf_odirect_dir) || skip "$KBUF_ODIRECT"
	kbuf_each_backend mmap_odirect "$1"
}

# mmap_odirect read|write BACKEND: an O_DIRECT read from a file on ext4
# into the mapping, or an O_DIRECT write from the mapping to the file,
# moves 8192 bytes where the mapping has struct pages (the file and the
# buffer then match) and fails with EFAULT where it has none.
mmap_odirect() {
	local dev file="$KBUF_ODIRECT/$1.$2"
	dev=$(dev_of "$2")
	if [[ $1 == read ]]; then
		head -c 8192 /dev/zero | tr '\0' F >"$file"
		kbuf-ioctl "$dev" clear
	else
		mmap_fill_d "$2" 8192
	fi
	if ! mmap_has_pages "$2"; then
		run -1 kbuf-mmap "$dev" "odirect-$1" "$file" 0 8192
		assert_output EFAULT
		return 0
	fi
	run kbuf-mmap "$dev" "odirect-$1" "$file" 0 8192
	assert_output 8192
	if [[ $1 == read ]]; then
		kbuf-ioctl "$dev" set-length 8192
	fi
	run cmp "$file" "$dev"
	assert_success
}

# The physical page under the mapping (pagemap, root) is phys_addr.
mmap_phys_matches() {
	local phys
	phys=$(kbuf_info "$1" phys_addr)
	run kbuf-mmap "$(dev_of "$1")" phys
	assert_output "$phys"
}

# Buffers of 5000 bytes: map_size is two pages and the bytes past capacity
# in the second page are zeros, even when the memory held data before.
mmap_partial_page() {
	local dev="$KBUF_DEV/p-$1"
	kbuf_create "p-$1" "$1" 8192
	kbuf-mmap "$dev" fill 0 8192 255
	kbuf_destroy "p-$1"
	kbuf_create "p-$1" "$1" 5000
	run kbuf_info "p-$1" map_size
	assert_output 8192
	run kbuf-mmap -l 8192 "$dev" zero 0 8192
	assert_output zero
	run -1 kbuf-mmap -l 12288 "$dev"
	assert_output EINVAL
	kbuf_destroy "p-$1"
}

# Offset 2^64 - PAGE: page number 2^52 - 1, so pgoff + pages wraps in a
# naive check. On x86-64 the VFS (file_mmap_ok) refuses it with EOVERFLOW
# before the driver sees it; what matters is that it never maps.
mmap_wrapping_offset_fails() {
	run -1 kbuf-mmap -o "$(printf %u $((-KBUF_PAGE)))" -l "$KBUF_PAGE" "$(dev_of "$1")"
	assert_output --regexp '^(EOVERFLOW|EINVAL)$'
}
