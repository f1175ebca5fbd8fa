#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs on the host (tests/check.sh): a newcomer's clone works wherever it
# lies. `make demo` from a clone in /tmp (which the guest mounts a tmpfs
# over) and from one in /root (which it overlays) boots the test-bed guest
# and shows the demo; in a clone whose path has a space, make stops with one
# line that says why, before Kbuild is called.
#
# A clone has what is committed (HEAD), not the work tree's uncommitted
# changes: commit a change before expecting it to show here. Each clone
# has its own tests/out: its guest shares nothing with the running check's
# but the machine-wide VM slots. KBUF_TEST_KERNELS: the demo boots the
# first kernel listed.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

setup_file() {
	TREE=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	# The first test kernel, without its shard (KVER%I/N), or the
	# test bed's default.
	KVER=${KBUF_TEST_KERNELS%% *}
	KVER=${KVER%%%*}
	if [[ -z $KVER ]]; then
		# shellcheck source=../vm/lib.sh
		. "$TREE/tests/vm/lib.sh"
		KVER=$(kbuf_kernels | sed -n 1p)
	fi
	export TREE KVER
}

teardown() {
	if [[ -n ${CLONE_PARENT:-} ]]; then rm -rf "$CLONE_PARENT"; fi
}

# Clone the tree under test to $1 (whose parent exists) as a newcomer
# would.
kbuf_clone() {
	local dir=$1
	git clone -q "$TREE" "$dir" || return 1
	# The guest's accelerator does not depend on the tree: reuse this
	# tree's KVM probe instead of waiting 20 s for it again.
	if [[ -f $TREE/tests/out/kvm-verdict ]]; then
		mkdir -p "$dir/tests/out"
		cp "$TREE/tests/out/kvm-verdict" "$dir/tests/out/"
	fi
}

# Run CMD... in directory $1 as from a newcomer's shell: none of the
# caller's test-bed settings but the kernel $KVER (the clone finds its own
# root and output), and not as a sub-make of make check (which would print
# "Entering directory" lines). No timeout(1): it would put the demo in a
# process group of its own, out of reach of an interrupted bats; the guest
# has boot.sh's limit, and waiting for a VM slot is not a failure.
kbuf_run_in() {
	local dir=$1
	shift
	cd "$dir" &&
		env -u KBUF_ROOT -u KBUF_OUTROOT -u KBUF_FILTER -u KBUF_SHARD \
			-u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
			KBUF_KERNELS="$KVER" "$@"
}

# make demo in a fresh clone under directory $1 boots a guest, shows the
# demo and leaves its results in the clone (not in a tmpfs or an overlay of
# the guest, where the host would never see them).
kbuf_demo_under() {
	local clone out
	if [[ -e /proc/modules ]]; then
		skip "this kernel loads modules: make demo would load kbuf here instead of in a guest"
	fi
	CLONE_PARENT=$(mktemp -d "$1/kbuf-clone.XXXXXX")
	clone=$CLONE_PARENT/kbuf
	out=$clone/tests/out/demo-$KVER
	kbuf_clone "$clone"
	run kbuf_run_in "$clone" make demo
	assert_success
	assert_line "demo: this kernel cannot load modules; running in a $KVER guest (QEMU, about a minute)"
	assert_line "hello from user space"
	assert_line "hello from mmap"
	assert_output --regexp 'kmalloc +64 KiB +16 pages +1 run '
	assert_output --regexp 'vmalloc +8 MiB +2048 pages +[0-9]+ runs '
	assert_line "demo done"
	run cat "$out/done"
	assert_output 0
	run grep -c '^demo done$' "$out/demo.txt"
	assert_output 1
}

@test "make demo works in a fresh clone in /tmp" {
	kbuf_demo_under /tmp
}

@test "make demo works in a fresh clone in /root" {
	kbuf_demo_under /root
}

@test "in a clone whose path has a space, make, make demo and scripts/demo.sh stop with one line" {
	local clone msg
	CLONE_PARENT=$(mktemp -d /tmp/kbuf-clone.XXXXXX)
	clone="$CLONE_PARENT/my kbuf"
	kbuf_clone "$clone"
	msg="kbuf cannot be built in '$clone': Kbuild does not allow a space in the path; clone or move the tree to a path without one"
	# A kernel whose headers are installed: without the check, Kbuild
	# would be called.
	run -2 kbuf_run_in "$clone" make KVER="$KVER"
	assert_output --regexp "^Makefile:[0-9]+: \*\*\* "
	assert_output --partial "*** $msg.  Stop."
	assert_equal "${#lines[@]}" 1
	run -2 kbuf_run_in "$clone" make demo
	assert_output --partial "*** $msg.  Stop."
	assert_equal "${#lines[@]}" 1
	run -1 kbuf_run_in "$clone" bash scripts/demo.sh
	assert_output "error: $msg"
	# Nothing was built: make stopped before the module and user space.
	run find "$clone" -name '*.o'
	assert_output ''
}
