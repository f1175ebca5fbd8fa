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
# into its own MMAP buffer with the same controls. vivid and vgem also
# import one dma-buf at once. kbuf-vivid is the client; a kernel without
# vivid skips the file (the debug kernel has it as a module when make
# check-debug runs this file: tests/debug/build-kernel.sh).

load 'helpers/common'

# A kernel log line of vb2's dma-contig importer, from its contiguity check.
VIVID_NOT_CONTIG='contiguous chunk is too small [0-9]+/[0-9]+$'

setup_file() {
	kbuf_file_setup
	# Only a kernel built without vivid skips: a vivid that is there and
	# does not load is a failure.
	if ! modinfo vivid >/dev/null 2>&1; then
		kbuf_file_skip "this kernel has no vivid module (CONFIG_VIDEO_VIVID; the debug kernel's are built when make check-debug runs this file, or with KBUF_DEBUG_MODULES=1)"
		return 0
	fi
	modprobe vivid
	# vgem, for the test of two importers at once; it skips without.
	kbuf_modprobe_once vgem
	kbuf_settle
}

# A vivid that will not unload still holds something: a dma-buf of kbuf's
# among its buffers, say.
teardown_file() {
	local rc=0
	kbuf_file_teardown || rc=1
	if [[ -e /sys/module/vivid ]] && ! modprobe -r vivid; then
		echo "vivid will not unload" >&2
		rc=1
	fi
	kbuf_modprobe_undo || rc=1
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

# vivid_buffer BACKEND: make buffers vivid-BACKEND and vivid-BACKEND-spare
# of the frame's size in whole pages, and print the pages of the first
# one's first physically contiguous run (kbufctl layout --runs), what
# dma-contig can take from its start.
vivid_buffer() {
	local pages=$(((VIVID_FRAME + KBUF_PAGE - 1) / KBUF_PAGE)) out re
	kbuf_create "vivid-$1" "$1" $((pages * KBUF_PAGE)) || return 1
	kbuf_create "vivid-$1-spare" "$1" $((pages * KBUF_PAGE)) || return 1
	out=$(kbufctl layout "vivid-$1" --runs) || return 1
	re=$'\n''  run 0: pages 0-[0-9]+ \(([0-9]+)\)'
	[[ $out =~ $re ]] || {
		echo "no run 0 in kbufctl layout vivid-$1 --runs: $out" >&2
		return 1
	}
	echo "${BASH_REMATCH[1]}"
}

# closes ORDER: what kbuf-vivid capture prints as it closes the
# descriptors in ORDER: each word, then the live exports of the buffer and
# its spare, 1 each until both the importer and the dma-bufs are closed.
closes() {
	local w video=1 dmabuf=1 n
	for w in ${1//,/ }; do
		case $w in
		video) video=0 ;;
		dmabuf) dmabuf=0 ;;
		esac
		n=$((video | dmabuf))
		echo "$w $n $n"
	done
}

# capture_into NAME ORDER: with dma-bufs of buffers NAME and NAME-spare as
# vivid's two capture buffers, both filled first with a byte the frame
# lacks, each buffer vivid hands back holds its MMAP frame; the
# descriptors closed in ORDER hold the exports until the importer and the
# dma-bufs are both closed.
capture_into() {
	run kbuf-vivid capture "$KBUF_DEV/$1" "$KBUF_DEV/$1-spare" "$2"
	assert_success
	assert_output "same $VIVID_FRAME
$(closes "$2")"
	assert_equal "$(kbuf_attr "$1" exports)" 0
	assert_equal "$(kbuf_attr "$1-spare" exports)" 0
}

# capture ORDER BACKEND: the same in new buffers vivid-BACKEND and its
# spare (the backend last, as kbuf_each_backend passes it).
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

# Each of the six orders once, the backends taking turns: the release path
# is the same for all three, and each backend still closes in two orders.
@test "closing the importer, the dma-bufs and the nodes in every order leaves no dma-buf, and kbuf unloads" {
	local b order i=0
	vivid_load
	for order in video,dmabuf,node video,node,dmabuf dmabuf,video,node \
		dmabuf,node,video node,video,dmabuf node,dmabuf,video; do
		b=${KBUF_BACKENDS[i++ % ${#KBUF_BACKENDS[@]}]}
		capture "$order" "$b"
		kbuf_destroy "vivid-$b"
		kbuf_destroy "vivid-$b-spare"
	done
	modprobe -r vivid
	run kbuf_unload
	assert_success
	kbuf_load
}

# wait_ready FILE PID: wait up to 30 s for FILE, which background process
# PID creates when it is ready; fail with the background output if PID
# ends (a zombie: not reaped yet) or the time runs out first.
wait_ready() {
	local i state
	for ((i = 0; i < 300; i++)); do
		[[ -e $1 ]] && return 0
		state=Z
		read -r _ _ state _ 2>/dev/null <"/proc/$2/stat" || true
		[[ $state != Z ]] || break
		sleep 0.1
	done
	[[ -e $1 ]] && return 0
	fail "$(printf '%s did not get ready; the background output:\n' "$2"
		cat "$BATS_TEST_TMPDIR/bg.out")"
}

# One dma-buf, one export: kbuf-dmabuf exports it and imports it into
# vgem, kbuf-vivid takes the same descriptor (pidfd_getfd) and queues it
# with vivid's dma-contig allocator, which attaches and maps it at
# VIDIOC_QBUF; then the exporter's descriptor closes and the importers let
# go one at a time.
@test "vivid and vgem import one dma-buf at once: two attachments, one export, busy until both let go" {
	local t=$BATS_TEST_TMPDIR pages holder vivid nobufinfo=
	kbuf_have_vgem || skip "this kernel has no vgem (CONFIG_DRM_VGEM)"
	vivid_load allocators=1
	pages=$(((VIVID_FRAME + KBUF_PAGE - 1) / KBUF_PAGE))
	kbuf_create both pages $((pages * KBUF_PAGE))
	kbuf_bg kbuf-dmabuf "$KBUF_DEV/both" export rdwr dup 100 \
		setname kbuf-both vgem-open vgem-import close-node \
		ready "$t/ready.1" await "$t/go.1" close \
		ready "$t/ready.2" await "$t/go.2" vgem-close \
		ready "$t/ready.3" sleep 600
	holder=$KBUF_BG_PID
	kbuf_wait_for "$t/ready.1" 300
	kbuf_bg kbuf-vivid hold "$holder" 100 "$t/ready.vivid"
	vivid=$KBUF_BG_PID
	wait_ready "$t/ready.vivid" "$vivid"
	touch "$t/go.1"
	kbuf_wait_for "$t/ready.2" 300
	kbuf_assert_export_busy both $((64 * KBUF_PAGE))
	run kbuf_dmabuf_attached kbuf-both
	if ((status == 2)); then
		nobufinfo=1
	else
		assert_output "vivid.0
vgem
Total 2 devices attached"
	fi
	kbuf_bg_kill "$vivid"
	kbuf_assert_export_busy both $((64 * KBUF_PAGE))
	if [[ -z $nobufinfo ]]; then
		run kbuf_dmabuf_attached kbuf-both
		assert_output "vgem
Total 1 devices attached"
	fi
	touch "$t/go.2"
	kbuf_wait_for "$t/ready.3" 300
	run cat "$t/bg.out"
	assert_output "exported
fd 100
named
vgem
imported
closed
queued
closed
closed"
	if [[ -z $nobufinfo ]]; then
		run kbuf_dmabuf_attached kbuf-both
		assert_output ''
	fi
	assert_equal "$(kbuf_attr both exports)" 0
	run kbuf-ioctl "$KBUF_DEV/both" resize $((64 * KBUF_PAGE))
	assert_success
	run kbuf_destroy both
	assert_success
}
