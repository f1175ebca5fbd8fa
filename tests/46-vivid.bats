#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# vivid, the V4L2 test driver nobody here wrote, imports kbuf's dma-bufs as
# its capture buffers (V4L2_MEMORY_DMABUF). With its default allocator
# (vmalloc: it reaches the buffer through the exporter's vmap) every
# backend must work; with allocators=1 (dma-contig: it maps the
# scatterlist for DMA and needs one run of DMA addresses) the contiguous
# kmalloc and pages buffers must work and a scattered vmalloc buffer must
# be refused. Each frame must be, byte for byte, the frame vivid captures
# into its own MMAP buffer with the same controls. kbuf-vivid is the
# client; a kernel without vivid (the debug kernel) skips the file.

load 'helpers/common'

# A kernel log line of vb2's dma-contig importer, from its contiguity check.
VIVID_NOT_CONTIG='contiguous chunk is too small [0-9]+/[0-9]+$'

setup_file() {
	kbuf_file_setup
	local err
	if ! err=$(modprobe vivid 2>&1); then
		kbuf_file_skip "this kernel has no vivid (CONFIG_VIDEO_VIVID): ${err:-modprobe vivid failed}"
	fi
	kbuf_settle
}

teardown_file() {
	local rc=0
	kbuf_file_teardown || rc=1
	modprobe -r vivid 2>/dev/null || true
	return "$rc"
}

setup() {
	kbuf_test_setup
}

teardown() {
	kbuf_test_teardown
}

# vivid_load [PARAMETER...]: load vivid afresh with PARAMETER..., set up
# its capture node and set VIVID_FRAME to the frame's sizeimage.
vivid_load() {
	modprobe -r vivid || return 1
	modprobe vivid "$@" || return 1
	kbuf_settle
	local fmt
	fmt=$(kbuf-vivid format) || return 1
	VIVID_FRAME=${fmt##* }
}

# vivid_buffer BACKEND: make buffer vivid-BACKEND of the frame's size in
# whole pages, and print the pages of its first physically contiguous
# run (kbufctl layout --runs), what dma-contig can take from its start.
vivid_buffer() {
	local pages=$(((VIVID_FRAME + KBUF_PAGE - 1) / KBUF_PAGE)) out re
	kbuf_create "vivid-$1" "$1" $((pages * KBUF_PAGE)) || return 1
	out=$(kbufctl layout "vivid-$1" --runs) || return 1
	re=$'\n''  run 0: pages 0-[0-9]+ \(([0-9]+)\)'
	[[ $out =~ $re ]] || {
		echo "no run 0 in kbufctl layout vivid-$1 --runs: $out" >&2
		return 1
	}
	echo "${BASH_REMATCH[1]}"
}

# capture_into NAME ORDER: vivid's frame in buffer NAME is its MMAP
# frame; the descriptors closed in ORDER leave no dma-buf.
capture_into() {
	run kbuf-vivid capture "$KBUF_DEV/$1" "$2"
	assert_success
	assert_output "same $VIVID_FRAME
closed"
	assert_equal "$(kbuf_attr "$1" exports)" 0
}

# capture ORDER BACKEND: the same in a new buffer vivid-BACKEND (the
# backend last, as kbuf_each_backend passes it).
capture() {
	vivid_buffer "$2" >/dev/null
	capture_into "vivid-$2" "$1"
}

@test "vivid's vmalloc allocator captures into a dma-buf of every backend its MMAP frame, byte for byte" {
	vivid_load
	run cat /sys/module/vivid/parameters/allocators
	assert_output --regexp '^0(,|$)'
	assert [ "$VIVID_FRAME" -gt $((16 * KBUF_PAGE)) ]
	kbuf_each_backend capture video,dmabuf,node
}

@test "vivid's dma-contig allocator captures into a contiguous kmalloc or pages dma-buf its MMAP frame" {
	local pages
	vivid_load allocators=1
	run cat /sys/module/vivid/parameters/allocators
	assert_output --regexp '^1(,|$)'
	pages=$(((VIVID_FRAME + KBUF_PAGE - 1) / KBUF_PAGE))
	check() {
		assert_equal "$(vivid_buffer "$1")" "$pages"
		capture_into "vivid-$1" video,dmabuf,node
	}
	check kmalloc
	check pages
}

# vb2-dma-contig maps the dma-buf, finds the run of DMA addresses from its
# start shorter than the plane, says so in the kernel log (pr_err, which
# the log checks accept) and fails VIDIOC_QBUF with EFAULT.
@test "vivid's dma-contig allocator refuses a scattered vmalloc dma-buf: EFAULT, and one kernel log line" {
	local run0 pages
	vivid_load allocators=1
	pages=$(((VIVID_FRAME + KBUF_PAGE - 1) / KBUF_PAGE))
	run0=$(vivid_buffer vmalloc)
	# vmalloc takes its pages one by one, and nothing promises they are
	# scattered: on a quiet machine they may happen to follow each other.
	((run0 < pages)) ||
		skip "vivid-vmalloc happens to begin with $run0 physically contiguous pages: no scattered buffer to refuse"
	kbuf_dmesg_mark
	run -1 kbuf-vivid import "$KBUF_DEV/vivid-vmalloc"
	assert_output EFAULT
	run kbuf_dmesg_since_mark
	assert_line --regexp "$VIVID_NOT_CONTIG"
	assert_equal "$(grep -cE "$VIVID_NOT_CONTIG" <<<"$output")" 1
	run kbuf_dmesg_check
	assert_success
	assert_equal "$(kbuf_attr vivid-vmalloc exports)" 0
}

@test "closing the importer, the dma-buf and the node in every order leaves no dma-buf, and kbuf unloads" {
	local b
	vivid_load
	check() {
		local order
		for order in video,dmabuf,node video,node,dmabuf \
			dmabuf,video,node dmabuf,node,video node,video,dmabuf \
			node,dmabuf,video; do
			capture "$order" "$1"
			kbuf_destroy "vivid-$1"
		done
	}
	kbuf_each_backend check
	for b in "${KBUF_BACKENDS[@]}"; do
		assert_equal "$(kbuf_attr "$b" exports)" 0
	done
	modprobe -r vivid
	run kbuf_unload
	assert_success
	kbuf_load
}
