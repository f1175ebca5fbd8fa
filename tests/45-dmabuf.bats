#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# dma-buf export (KBUF_IOC_EXPORT_DMABUF): each errno of the ioctl, the
# dma-buf core's own calls (DMA_BUF_IOCTL_SYNC, DMA_BUF_SET_NAME, mmap,
# poll, debugfs bufinfo) on every backend and map mode, the lifetime rules
# (resize, destroy and rmmod refused while a descriptor, a mapping or an
# importer holds a dma-buf, a forked child's copies included; the buffer
# outlives its node), the export from a 32-bit process, and vgem, a
# driver nobody here wrote, importing the buffer (twice at once), within
# its DMA segment limit and in as few entries as the limit allows (the
# DMA API checker of the debug kernels shows them), and fencing it.
# kbuf-dmabuf (and kbuf-dmabuf32) is the client.

load 'helpers/common'

setup_file() {
	kbuf_file_setup
	kbuf_modprobe_once vgem
	if ! kbuf_have_vgem; then
		echo "this kernel has no vgem (CONFIG_DRM_VGEM)" \
			>"$(kbuf_state_dir)/novgem"
	fi
	kbuf_settle
}

teardown_file() {
	local rc=0
	kbuf_file_teardown || rc=1
	kbuf_modprobe_undo || rc=1
	return "$rc"
}

setup() {
	kbuf_test_setup
	kbuf_clear_all
}

# A test that reloads the module with map_mode=pfn leaves the rest of the
# file the default module even when it fails.
teardown() {
	local rc=0
	kbuf_test_teardown || rc=1
	if [[ $(kbuf_attr vmalloc map_mode) != page ]]; then
		kbuf_reload || rc=1
	fi
	return "$rc"
}

# Skip the test if setup_file could not load vgem.
require_vgem() {
	local f
	f="$(kbuf_state_dir)/novgem"
	[[ ! -f $f ]] || skip "$(<"$f")"
}

# hold DEV OP...: run kbuf-dmabuf DEV OP... in the background, then keep
# what it made until killed. Returns when the operations are done.
hold() {
	local ready
	ready="$(mktemp -u "${BATS_TEST_TMPDIR:-/tmp}/ready.XXXXXX")"
	kbuf_bg kbuf-dmabuf "$@" ready "$ready" sleep 600
	kbuf_wait_for "$ready" 300
}

# The bytes of buffer $1's map_size.
map_size() {
	kbuf_info "$1" map_size
}

@test "export gives a read-write dma-buf of map_size bytes for every backend" {
	check() {
		run kbuf-dmabuf "$KBUF_DEV/$1" export rdwr size fdflags
		assert_success
		assert_output "exported
$(map_size "$1")
rdwr inherit"
	}
	kbuf_each_backend check
}

@test "export honours O_RDONLY and O_CLOEXEC" {
	run kbuf-dmabuf "$KBUF_DEV/pages" export rdonly,cloexec fdflags \
		export rdwr,cloexec fdflags export rdonly fdflags
	assert_success
	assert_output "exported
rdonly cloexec
exported
rdwr cloexec
exported
rdonly inherit"
}

@test "export fails with EINVAL for O_WRONLY, both access bits, another flag or a non-zero reserved" {
	local o_nonblock=2048 o_accmode=3
	run -1 kbuf-dmabuf "$KBUF_DEV/pages" export wronly
	assert_output EINVAL
	run -1 kbuf-dmabuf "$KBUF_DEV/pages" export $o_accmode
	assert_output EINVAL
	run -1 kbuf-dmabuf "$KBUF_DEV/pages" export $((o_nonblock | 2))
	assert_output EINVAL
	run -1 kbuf-dmabuf "$KBUF_DEV/pages" export-reserved rdwr 1
	assert_output EINVAL
	run -1 kbuf-dmabuf "$KBUF_DEV/pages" export-reserved rdonly 0x8000000000000000
	assert_output EINVAL
	assert_equal "$(kbuf_attr pages exports)" 0
}

# Any importing device may write the buffer, so a node open for reading
# only (or writing only) must not make a dma-buf, read-only or not.
@test "export needs the node open for reading and writing: EBADF otherwise, whatever the flags" {
	local opt flags
	for opt in -r -w; do
		for flags in rdonly rdwr rdonly,cloexec; do
			run -1 kbuf-dmabuf "$opt" "$KBUF_DEV/vmalloc" export "$flags"
			assert_output EBADF
		done
	done
	assert_equal "$(kbuf_attr vmalloc exports)" 0
}

@test "export with an argument that faults fails with EFAULT and leaves nothing" {
	run -1 kbuf-dmabuf "$KBUF_DEV/vmalloc" export-fault
	assert_output EFAULT
	assert_equal "$(kbuf_attr vmalloc exports)" 0
}

# The argument is read, the dma-buf made and a descriptor reserved; then
# the fd cannot be written back: all of it must be undone.
@test "export whose argument cannot be written back fails with EFAULT, no descriptor, no dma-buf" {
	run -1 kbuf-dmabuf "$KBUF_DEV/vmalloc" export-ro rdwr
	assert_output EFAULT
	assert_equal "$(kbuf_attr vmalloc exports)" 0
}

@test "export with no descriptor left under RLIMIT_NOFILE fails with EMFILE and leaves nothing" {
	run -1 kbuf-dmabuf "$KBUF_DEV/pages" nofile export rdwr
	assert_output "limited
EMFILE"
	assert_equal "$(kbuf_attr pages exports)" 0
}

@test "a kmalloc buffer smaller than a page cannot be exported: EINVAL" {
	kbuf_create small kmalloc 100
	run -1 kbuf-dmabuf "$KBUF_DEV/small" export rdwr
	assert_output EINVAL
	assert_equal "$(kbuf_attr small exports)" 0
}

# A page-sized kmalloc object is page-aligned but lives in a slab page,
# which importers must not get as an ordinary page.
@test "a kmalloc buffer from a slab cache cannot be exported: EINVAL" {
	kbuf_create slab4k kmalloc "$KBUF_PAGE"
	assert_equal "$(kbuf_attr slab4k source)" slab
	run -1 kbuf-dmabuf "$KBUF_DEV/slab4k" export rdwr
	assert_output EINVAL
	assert_equal "$(kbuf_attr slab4k exports)" 0
}

@test "sysfs exports and KBUF_IOC_INFO's exports count live dma-bufs" {
	assert_equal "$(kbuf_attr pages exports)" 0
	hold "$KBUF_DEV/pages" export rdwr export rdonly
	assert_equal "$(kbuf_attr pages exports)" 2
	run kbuf-ioctl -r "$KBUF_DEV/pages" info exports
	assert_output 2
	kbuf_bg_kill "$KBUF_BG_PID"
	assert_equal "$(kbuf_attr pages exports)" 0
	run kbuf-ioctl -r "$KBUF_DEV/pages" info exports
	assert_output 0
}

# The six valid DMA_BUF_IOCTL_SYNC flag sets, as kbuf-dmabuf's operations,
# and what it prints for an export followed by them.
SYNC_ALL=(sync "start,read" sync "end,read" sync "start,write"
	sync "end,write" sync "start,read,write" sync "end,read,write")
SYNC_ALL_OUT="exported
synced
synced
synced
synced
synced
synced"

@test "DMA_BUF_IOCTL_SYNC accepts every valid flag combination and refuses bad flags with EINVAL" {
	local bad=8
	check() {
		run kbuf-dmabuf "$KBUF_DEV/$1" export rdwr "${SYNC_ALL[@]}"
		assert_success
		assert_output "$SYNC_ALL_OUT"
		run -1 kbuf-dmabuf "$KBUF_DEV/$1" export rdwr sync start
		assert_output "exported
EINVAL"
		run -1 kbuf-dmabuf "$KBUF_DEV/$1" export rdwr sync end
		assert_output "exported
EINVAL"
		run -1 kbuf-dmabuf "$KBUF_DEV/$1" export rdwr sync $((bad | 3))
		assert_output "exported
EINVAL"
	}
	kbuf_each_backend check
}

# Write through a mapping of the dma-buf, read through the node; write
# through the node, read through a new mapping of the dma-buf.
roundtrip() {
	local off=$((KBUF_PAGE + 1)) size
	size=$(map_size "$1")
	kbuf-ioctl "$KBUF_DEV/$1" set-length "$(kbuf_attr "$1" capacity)"
	run kbuf-dmabuf "$KBUF_DEV/$1" export rdwr mmap rw 0 "$size" \
		write $off via-dmabuf munmap
	assert_success
	assert_output "exported
mapped
written
unmapped"
	run kbuf-io "$KBUF_DEV/$1" pdump $off 10
	assert_output via-dmabuf
	run kbuf-io "$KBUF_DEV/$1" pwrite $((size - 8)) via-node
	assert_output 8
	run kbuf-dmabuf "$KBUF_DEV/$1" export rdonly mmap r 0 "$size" \
		show $((size - 8)) 8 show $off 10
	assert_success
	assert_output "exported
mapped
via-node
via-dmabuf"
}

@test "bytes written through a dma-buf mapping read back through the node and back, in map mode page" {
	kbuf_each_backend roundtrip
}

@test "bytes written through a dma-buf mapping read back through the node and back, in map mode pfn" {
	kbuf_reload map_mode=pfn
	run kbuf_attr vmalloc map_mode
	assert_output pfn
	kbuf_each_backend roundtrip
}

@test "a dma-buf mapping follows the node's rules: shared only, in range, read-only for a read-only export" {
	local size
	check() {
		size=$(map_size "$1")
		run -1 kbuf-dmabuf "$KBUF_DEV/$1" export rdwr mmap-private "$KBUF_PAGE"
		assert_output "exported
EINVAL"
		run -1 kbuf-dmabuf "$KBUF_DEV/$1" export rdwr \
			mmap rw 0 $((size + KBUF_PAGE))
		assert_output "exported
EINVAL"
		run -1 kbuf-dmabuf "$KBUF_DEV/$1" export rdwr mmap rw "$size" "$KBUF_PAGE"
		assert_output "exported
EINVAL"
		run -1 kbuf-dmabuf "$KBUF_DEV/$1" export rdonly mmap rw 0 "$size"
		assert_output "exported
EACCES"
		run kbuf-dmabuf "$KBUF_DEV/$1" export rdwr \
			mmap rw "$KBUF_PAGE" "$KBUF_PAGE" write 0 second-page
		assert_success
		kbuf-ioctl "$KBUF_DEV/$1" set-length $((2 * KBUF_PAGE))
		run kbuf-io "$KBUF_DEV/$1" pdump "$KBUF_PAGE" 11
		assert_output second-page
	}
	kbuf_each_backend check
}

# get_user_pages() fails on a VM_PFNMAP mapping: nothing can pin the
# buffer's pages through a dma-buf past its last holder.
@test "a dma-buf mapping is by pfn in map mode page: vmsplice from it fails with EFAULT" {
	check() {
		run -1 kbuf-dmabuf "$KBUF_DEV/$1" export rdwr \
			mmap rw 0 "$KBUF_PAGE" vmsplice 0 "$KBUF_PAGE"
		assert_output "exported
mapped
EFAULT"
	}
	assert_equal "$(kbuf_attr vmalloc map_mode)" page
	kbuf_each_backend check
}

@test "a dma-buf outlives its node's last close with the buffer's bytes" {
	check() {
		kbuf-io "$KBUF_DEV/$1" write kept >/dev/null
		run kbuf-dmabuf "$KBUF_DEV/$1" export rdwr close-node \
			mmap rw 0 "$KBUF_PAGE" show 0 4
		assert_success
		assert_output "exported
closed
mapped
kept"
	}
	kbuf_each_backend check
}

# busy_while NAME MAPPINGS OP...: buffer NAME (made for the test, of four
# pages: a smaller kmalloc one is a slab object, which cannot be
# exported), with MAPPINGS live mappings, cannot be resized or destroyed
# while a process holds what OP... made, node closed; both work once it is
# gone.
busy_while() {
	local name=$1 mappings=$2
	shift 2
	hold "$KBUF_DEV/$name" "$@" close-node
	assert_equal "$(kbuf_attr "$name" opens)" 0
	assert_equal "$(kbuf_attr "$name" exports)" 1
	assert_equal "$(kbuf_attr "$name" mappings)" "$mappings"
	run -1 kbuf-ioctl "$KBUF_DEV/$name" resize $((8 * KBUF_PAGE))
	assert_output EBUSY
	run -1 kbuf-ioctl "$KBUF_CONTROL" destroy "$name"
	assert_output EBUSY
	kbuf_bg_kill "$KBUF_BG_PID"
	assert_equal "$(kbuf_attr "$name" exports)" 0
	run kbuf-ioctl "$KBUF_DEV/$name" resize $((8 * KBUF_PAGE))
	assert_success
	run kbuf_destroy "$name"
	assert_success
}

@test "resize and destroy fail with EBUSY while a dma-buf descriptor exists, and work after" {
	check() {
		kbuf_create "busy-$1" "$1" $((4 * KBUF_PAGE))
		busy_while "busy-$1" 0 export rdwr
	}
	kbuf_each_backend check
}

@test "resize and destroy fail with EBUSY while only a dma-buf mapping exists, and work after" {
	check() {
		kbuf_create "busy-$1" "$1" $((4 * KBUF_PAGE))
		busy_while "busy-$1" 1 export rdwr mmap rw 0 "$KBUF_PAGE" close
	}
	kbuf_each_backend check
}

@test "resize and destroy fail with EBUSY while only a vgem import exists, and work after" {
	require_vgem
	check() {
		kbuf_create "busy-$1" "$1" $((4 * KBUF_PAGE))
		busy_while "busy-$1" 0 export rdwr vgem-open vgem-import close
	}
	kbuf_each_backend check
}

# rmmod_refused_while FLAGS OP...: with a dma-buf of vmalloc (exported
# with FLAGS) held only by what kbuf-dmabuf's OP... leave, the node
# closed, rmmod is refused; once they go, nothing of the dma-buf is left.
rmmod_refused_while() {
	hold "$KBUF_DEV/vmalloc" export "$@" close-node
	assert_equal "$(kbuf_attr vmalloc opens)" 0
	run -1 rmmod kbuf
	assert_output --partial 'in use'
	kbuf_bg_kill "$KBUF_BG_PID"
	assert_equal "$(kbuf_attr vmalloc exports)" 0
}

@test "rmmod kbuf is refused while a dma-buf exists, node closed" {
	rmmod_refused_while rdonly
}

@test "rmmod kbuf is refused while only a dma-buf mapping exists" {
	rmmod_refused_while rdwr mmap rw 0 "$KBUF_PAGE" close
}

@test "rmmod kbuf is refused while only a vgem import exists" {
	require_vgem
	rmmod_refused_while rdwr vgem-open vgem-import close
}

@test "vgem imports the dma-buf of every backend and hands back the same dma-buf" {
	require_vgem
	check() {
		run kbuf-dmabuf "$KBUF_DEV/$1" export rdwr inode vgem-open \
			vgem-import vgem-export sync start,read,write \
			sync end,read,write vgem-close close
		assert_success
		assert_output --regexp "^exported
[0-9]+
vgem
imported
same inode
synced
synced
closed
closed$"
	}
	kbuf_each_backend check
}

# vgem's device sets no DMA segment limit, so it takes entries of 64 KiB
# at most: a 1 MiB buffer must reach it in pieces. The debug kernel's DMA
# API checker counts (and warns of) a longer entry; a stock kernel has no
# checker, and there the test shows only that the import works.
@test "vgem imports a 1 MiB buffer of every backend within its DMA segment limit" {
	require_vgem
	local errors=/sys/kernel/debug/dma-api/error_count before=
	[[ ! -r $errors ]] || before=$(<"$errors")
	check() {
		kbuf_create "big-$1" "$1" $((256 * KBUF_PAGE))
		run kbuf-dmabuf "$KBUF_DEV/big-$1" export rdwr vgem-open \
			vgem-import vgem-close close
		assert_success
		assert_output "exported
vgem
imported
closed
closed"
		kbuf_destroy "big-$1"
	}
	kbuf_each_backend check
	[[ -z $before ]] || assert_equal "$(<"$errors")" "$before"
}

# The entries of vgem's live DMA mappings of the 1 MiB at physical
# address $1, as the DMA API checker lists them in dma-api/dump, one line
# each: offset from $1, then length, in bytes, in address order. The
# dump's layout changed (6.4 put the driver's name before the device's,
# 6.12.48 writes P=0x... and adds cln=), so the fields are found by name.
vgem_entries() {
	local base=$(($1)) p l
	awk '$1 == "vgem" || $2 == "vgem" {
		p = l = ""
		for (i = 3; i <= NF; i++) {
			if ($i ~ /^P=/) p = substr($i, 3)
			if ($i ~ /^L=/) l = substr($i, 3)
		}
		sub(/^0x/, "", p)
		sub(/^0x/, "", l)
		print p, l
	}' /sys/kernel/debug/dma-api/dump |
		while read -r p l; do
			p=$((16#$p))
			if ((p >= base && p < base + (1 << 20))); then
				echo "$((p - base)) $((16#$l))"
			fi
		done | sort -n
}

# A buffer of one physically contiguous block (kmalloc, pages) reaches
# vgem, whose DMA segments are 64 KiB at most, in as few entries as that
# limit allows: 64 KiB each, one after the other from the buffer's first
# byte. The DMA API checker of the debug kernels lists them; Debian's
# kernels have no checker.
@test "vgem maps a 1 MiB buffer of one block as 16 adjacent entries of 64 KiB" {
	require_vgem
	[[ -r /sys/kernel/debug/dma-api/dump ]] ||
		skip "no DMA API checker in this kernel (CONFIG_DMA_API_DEBUG): the debug kernels have one"
	local b i phys want=
	for ((i = 0; i < 16; i++)); do
		want+="$((i * 65536)) 65536"$'\n'
	done
	for b in kmalloc pages; do
		kbuf_create "big-$b" "$b" $((1 << 20))
		phys=$(kbuf_info "big-$b" phys_addr)
		hold "$KBUF_DEV/big-$b" export rdwr vgem-open vgem-import
		run -0 vgem_entries "$phys"
		kbuf_bg_kill "$KBUF_BG_PID"
		assert_output "${want%$'\n'}"
		kbuf_destroy "big-$b"
	done
}

@test "a vgem write fence holds back poll() on the dma-buf until it is signalled" {
	require_vgem
	run kbuf-dmabuf "$KBUF_DEV/pages" export rdwr vgem-open vgem-import \
		poll vgem-fence poll vgem-signal poll
	assert_success
	assert_output "exported
vgem
imported
in out
fenced
none
signalled
in out"
}

@test "DMA_BUF_IOCTL_SYNC waits for a vgem write fence: a signal ends the wait with EINTR, and the signalled fence lets it through" {
	require_vgem
	# The 300 ms alarm comes while the sync for reading waits for vgem's
	# write fence (vgem's own timeout signals it only after 10 s); once the
	# fence is signalled, the same sync returns before its alarm.
	run kbuf-dmabuf "$KBUF_DEV/pages" export rdwr vgem-open vgem-import \
		vgem-fence sync-intr start,read 300 sync-intr end,read 300 \
		vgem-signal sync-intr start,read 300 sync end,read vgem-close close
	assert_failure 1
	assert_output "exported
vgem
imported
fenced
EINTR
synced
signalled
synced
synced
closed
closed"
}

@test "debugfs bufinfo lists the dma-buf with exporter kbuf, its name and vgem attached" {
	local dbg=/sys/kernel/debug
	require_vgem
	mountpoint -q $dbg || mount -t debugfs debugfs $dbg ||
		skip "cannot mount debugfs"
	[[ -r $dbg/dma_buf/bufinfo ]] ||
		skip "this kernel has no dma_buf/bufinfo in debugfs"
	hold "$KBUF_DEV/pages" export rdwr setname kbuf-shared vgem-open \
		vgem-import
	run cat $dbg/dma_buf/bufinfo
	assert_line --regexp "^0*$(map_size pages)[[:space:]].*[[:space:]]kbuf[[:space:]]+[0-9]+[[:space:]]+kbuf-shared\$"
	assert_line --regexp '^[[:space:]]+vgem$'
	kbuf_bg_kill "$KBUF_BG_PID"
	run cat $dbg/dma_buf/bufinfo
	refute_output --partial kbuf-shared
}

# ---- lifetime across processes and importers ---------------------------

# assert_free NAME: buffer NAME counts no export and no mapping, and can
# be resized and destroyed.
assert_free() {
	assert_equal "$(kbuf_attr "$1" exports)" 0
	assert_equal "$(kbuf_attr "$1" mappings)" 0
	run kbuf-ioctl "$KBUF_DEV/$1" resize $((8 * KBUF_PAGE))
	assert_success
	run kbuf_destroy "$1"
	assert_success
}

# fork_hold NAME CHILD-OPS OP...: in the background, kbuf-dmabuf exports
# buffer NAME, runs OP... up to its "fork", whose child runs CHILD-OPS,
# then the rest of OP...; it waits at await go until the test creates
# go, then reaps the child. Returns when the parent waits; the output
# goes to $BATS_TEST_TMPDIR/bg.out, emptied first.
fork_hold() {
	local name=$1 t=$BATS_TEST_TMPDIR
	shift
	rm -f "$t/ready" "$t/go"
	: >"$t/bg.out"
	kbuf_bg kbuf-dmabuf "$KBUF_DEV/$name" export rdwr "$@" \
		ready "$t/ready" await "$t/go" reap
	kbuf_wait_for "$t/ready" 300
}

# fork_release: let fork_hold's parent reap its child, wait for it and set
# FORK_STATUS to its exit status.
fork_release() {
	touch "$BATS_TEST_TMPDIR/go"
	FORK_STATUS=0
	kbuf_bg_wait "$KBUF_BG_PID" || FORK_STATUS=$?
}

@test "a dma-buf descriptor inherited across fork() keeps the buffer busy after the parent closes it, until the child exits" {
	kbuf_create fork-fd vmalloc $((4 * KBUF_PAGE))
	fork_hold fork-fd fork close-node close close-node
	kbuf_assert_export_busy fork-fd $((8 * KBUF_PAGE))
	assert_equal "$(kbuf_attr fork-fd mappings)" 0
	run kbuf-ioctl -r "$KBUF_DEV/fork-fd" info exports
	assert_output 1
	fork_release
	run cat "$BATS_TEST_TMPDIR/bg.out"
	assert_output "exported
closed
forked
closed
closed
reaped"
	assert_equal "$FORK_STATUS" 0
	assert_free fork-fd
}

# The child closes its copies of both descriptors at once: only the
# mapping it inherited holds the dma-buf. Its bytes, written into that
# MAP_SHARED mapping, are the parent's through the node and its own
# mapping.
@test "a dma-buf mapping inherited across fork() keeps the buffer busy after the parent unmaps, and the child's writes reach the node" {
	check() {
		kbuf_create "fork-$1" "$1" $((4 * KBUF_PAGE))
		kbuf-ioctl "$KBUF_DEV/fork-$1" set-length $((4 * KBUF_PAGE))
		fork_hold "fork-$1" mmap rw "$KBUF_PAGE" $((2 * KBUF_PAGE)) \
			fork "close-node close write 100 from-child" \
			pread $((KBUF_PAGE + 100)) 10 show 100 10 \
			munmap close close-node
		kbuf_assert_export_busy "fork-$1" $((8 * KBUF_PAGE))
		assert_equal "$(kbuf_attr "fork-$1" mappings)" 1
		run kbuf-io "$KBUF_DEV/fork-$1" pdump $((KBUF_PAGE + 100)) 10
		assert_output from-child
		fork_release
		run cat "$BATS_TEST_TMPDIR/bg.out"
		assert_output "exported
mapped
closed
closed
written
forked
from-child
from-child
unmapped
closed
closed
reaped"
		assert_equal "$FORK_STATUS" 0
		assert_free "fork-$1"
	}
	kbuf_each_backend check
}

# Two files of vgem's render node import the one dma-buf: two
# attachments, each mapped for vgem's device, and one export.
@test "two vgem importers of one dma-buf at once: both attached, one export, busy until both let go" {
	require_vgem
	local t=$BATS_TEST_TMPDIR nobufinfo=
	kbuf_create two pages $((4 * KBUF_PAGE))
	kbuf_bg kbuf-dmabuf "$KBUF_DEV/two" export rdwr setname kbuf-two \
		vgem-open vgem-import vgem-open vgem-import close close-node \
		ready "$t/ready.1" await "$t/go.1" vgem-close \
		ready "$t/ready.2" await "$t/go.2" vgem-close \
		ready "$t/ready.3" sleep 600
	kbuf_wait_for "$t/ready.1" 300
	kbuf_assert_export_busy two $((8 * KBUF_PAGE))
	run kbuf_dmabuf_attached kbuf-two
	if ((status == 2)); then
		nobufinfo=1
	else
		assert_output "vgem
vgem
Total 2 devices attached"
	fi
	touch "$t/go.1"
	kbuf_wait_for "$t/ready.2" 300
	kbuf_assert_export_busy two $((8 * KBUF_PAGE))
	if [[ -z $nobufinfo ]]; then
		run kbuf_dmabuf_attached kbuf-two
		assert_output "vgem
Total 1 devices attached"
	fi
	touch "$t/go.2"
	kbuf_wait_for "$t/ready.3" 300
	run cat "$t/bg.out"
	assert_output "exported
named
vgem
imported
vgem
imported
closed
closed
closed
closed"
	if [[ -z $nobufinfo ]]; then
		run kbuf_dmabuf_attached kbuf-two
		assert_output ''
	fi
	assert_free two
}

# Skip the test unless a 32-bit kbuf-dmabuf runs here.
require_dmabuf32() {
	command -v kbuf-dmabuf32 >/dev/null ||
		skip "no 32-bit build of kbuf-dmabuf (gcc -m32 needs gcc-multilib)"
	# Without arguments it prints its usage and exits 2, if it runs at all.
	local rc=0
	kbuf-dmabuf32 >/dev/null 2>&1 || rc=$?
	((rc != 126)) ||
		skip "this kernel cannot run 32-bit programs (CONFIG_IA32_EMULATION)"
}

@test "a 32-bit process exports through the compat ioctl path: the same flags, errnos and DMA_BUF_IOCTL_SYNC" {
	local o_nonblock=2048 bad=8
	require_dmabuf32
	run kbuf-dmabuf32 "$KBUF_DEV/pages" export rdwr size fdflags \
		export rdonly,cloexec fdflags export rdwr,cloexec fdflags \
		export rdonly fdflags
	assert_success
	assert_output "exported
$(map_size pages)
rdwr inherit
exported
rdonly cloexec
exported
rdwr cloexec
exported
rdonly inherit"
	run -1 kbuf-dmabuf32 "$KBUF_DEV/pages" export wronly
	assert_output EINVAL
	run -1 kbuf-dmabuf32 "$KBUF_DEV/pages" export $((o_nonblock | 2))
	assert_output EINVAL
	run -1 kbuf-dmabuf32 "$KBUF_DEV/pages" export-reserved rdwr 1
	assert_output EINVAL
	run -1 kbuf-dmabuf32 "$KBUF_DEV/pages" export-reserved rdonly 0x8000000000000000
	assert_output EINVAL
	run -1 kbuf-dmabuf32 -r "$KBUF_DEV/pages" export rdonly
	assert_output EBADF
	run -1 kbuf-dmabuf32 "$KBUF_DEV/pages" export-fault
	assert_output EFAULT
	run kbuf-dmabuf32 "$KBUF_DEV/pages" export rdwr "${SYNC_ALL[@]}"
	assert_success
	assert_output "$SYNC_ALL_OUT"
	run -1 kbuf-dmabuf32 "$KBUF_DEV/pages" export rdwr sync $((bad | 3))
	assert_output "exported
EINVAL"
	assert_equal "$(kbuf_attr pages exports)" 0
}

@test "a 32-bit process maps its dma-buf of every backend and its bytes reach the node" {
	require_dmabuf32
	check() {
		kbuf-ioctl "$KBUF_DEV/$1" set-length $((2 * KBUF_PAGE))
		run kbuf-dmabuf32 "$KBUF_DEV/$1" export rdwr \
			mmap rw 0 $((2 * KBUF_PAGE)) sync start,write \
			write $((KBUF_PAGE + 3)) from-32-bit sync end,write munmap
		assert_success
		assert_output "exported
mapped
synced
written
synced
unmapped"
		run kbuf-io "$KBUF_DEV/$1" pdump $((KBUF_PAGE + 3)) 11
		assert_output from-32-bit
		run -1 kbuf-dmabuf32 "$KBUF_DEV/$1" export rdonly mmap rw 0 "$KBUF_PAGE"
		assert_output "exported
EACCES"
		assert_equal "$(kbuf_attr "$1" exports)" 0
	}
	kbuf_each_backend check
}
