#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# What user space may make the kernel allocate: a resize past the capacity
# an administrator gave a buffer (max_capacity) needs CAP_SYS_ADMIN, every
# buffer is charged to the memory cgroup of the task that allocated it,
# and a refused allocation prints no allocation-failure report. The
# cgroup tests mount cgroup2 if the guest has not, and make a group with
# memory.max=32M.

load 'helpers/common'

KBUF_CGROOT=/sys/fs/cgroup
KBUF_CG=$KBUF_CGROOT/kbuf-test
KBUF_CG_MAX=$((32 << 20))
# How far the group's charge may move for reasons of its own (the page
# cache and pages of the programs run in it), in bytes: a buffer of 4 MiB
# or more is told apart from nothing.
KBUF_CG_SLACK=$((1 << 20))

# Run "$@" inside the test's memory cgroup.
kbuf_in_cgroup() {
	bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$KBUF_CG" "$@"
}

# Set up cgroup2 with the memory controller, or say why not.
kbuf_cgroup_setup() {
	mountpoint -q "$KBUF_CGROOT" ||
		mount -t cgroup2 cgroup2 "$KBUF_CGROOT" 2>/dev/null ||
		return 1
	grep -qw memory "$KBUF_CGROOT/cgroup.controllers" || return 1
	echo +memory >"$KBUF_CGROOT/cgroup.subtree_control" || return 1
	mkdir -p "$KBUF_CG" && echo "$KBUF_CG_MAX" >"$KBUF_CG/memory.max"
}

setup_file() {
	getent group kbuf >/dev/null || groupadd --system kbuf
	kbuf_file_setup
	if ! kbuf_cgroup_setup; then
		echo "no cgroup2 memory controller in this guest" \
			>"$(kbuf_state_dir)/nocg"
	fi
}

teardown_file() {
	[[ ! -d $KBUF_CG ]] || rmdir "$KBUF_CG"
	kbuf_file_teardown
}

# kbuf_member_buffer NAME BACKEND SIZE [GFP]: a buffer whose node a member
# of group kbuf may open for writing, as udev/60-kbuf.rules makes it.
kbuf_member_buffer() {
	kbuf_create "$@"
	chgrp kbuf "$KBUF_DEV/$1"
	chmod 0660 "$KBUF_DEV/$1"
}

kbuf_need_cgroup() {
	local f
	f="$(kbuf_state_dir)/nocg"
	[[ ! -f $f ]] || skip "$(<"$f")"
}

@test "max_capacity starts as the capacity the buffer was created with" {
	check() {
		kbuf_create "m-$1" "$1" 8192
		run kbuf_attr "m-$1" max_capacity
		assert_output 8192
	}
	kbuf_each_backend check
}

@test "a member of group kbuf cannot grow a buffer past max_capacity: EPERM, nothing changes" {
	check() {
		kbuf_member_buffer "g-$1" "$1" 8192
		kbuf-io "$KBUF_DEV/g-$1" write kept >/dev/null
		run -1 kbuf_as_member kbuf-ioctl "$KBUF_DEV/g-$1" resize 16384
		assert_output EPERM
		run kbuf_info "g-$1" capacity
		assert_output 8192
		run kbuf-io "$KBUF_DEV/g-$1" dump 4
		assert_output kept
	}
	kbuf_each_backend check
}

@test "a member of group kbuf may shrink a buffer and grow it back up to max_capacity" {
	check() {
		kbuf_member_buffer "s-$1" "$1" 16384
		kbuf_as_member kbuf-ioctl "$KBUF_DEV/s-$1" resize 4096
		run kbuf_as_member kbuf-ioctl "$KBUF_DEV/s-$1" resize 16384
		assert_success
		run kbuf_info "s-$1" capacity
		assert_output 16384
		run kbuf_attr "s-$1" max_capacity
		assert_output 16384
	}
	kbuf_each_backend check
}

@test "a resize by root past max_capacity raises it, and a shrink keeps it" {
	check() {
		kbuf_member_buffer "r-$1" "$1" 8192
		kbuf-ioctl "$KBUF_DEV/r-$1" resize 32768
		run kbuf_attr "r-$1" max_capacity
		assert_output 32768
		kbuf-ioctl "$KBUF_DEV/r-$1" resize 4096
		run kbuf_attr "r-$1" max_capacity
		assert_output 32768
		run kbuf_as_member kbuf-ioctl "$KBUF_DEV/r-$1" resize 32768
		assert_success
		run -1 kbuf_as_member kbuf-ioctl "$KBUF_DEV/r-$1" resize 32769
		assert_output EPERM
	}
	kbuf_each_backend check
}

# GFP_ATOMIC draws on the reserves and is charged past memory.max.
@test "a member of group kbuf cannot resize an atomic buffer at all: EPERM, nothing changes" {
	check() {
		kbuf_member_buffer "a-$1" "$1" 16384 atomic
		run -1 kbuf_as_member kbuf-ioctl "$KBUF_DEV/a-$1" resize 8192
		assert_output EPERM
		run kbuf_info "a-$1" capacity
		assert_output 16384
		run kbuf-ioctl "$KBUF_DEV/a-$1" resize 8192
		assert_success
	}
	check kmalloc
	check pages
}

@test "a member in a 32M memory cgroup asking for 1 GiB gets EPERM, and nothing stays charged" {
	kbuf_need_cgroup
	local before after
	kbuf_member_buffer big vmalloc 4096
	before=$(<"$KBUF_CG/memory.current")
	run -1 kbuf_in_cgroup setpriv --reuid="$KBUF_USER" --regid="$KBUF_USER" \
		--groups="$(kbuf_gid)" -- kbuf-ioctl "$KBUF_DEV/big" resize $((1 << 30))
	assert_output EPERM
	after=$(<"$KBUF_CG/memory.current")
	run kbuf_info big capacity
	assert_output 4096
	((after - before < KBUF_CG_SLACK)) ||
		fail "the group's charge grew from $before to $after"
}

@test "root in a 32M memory cgroup gets ENOMEM for 64 MiB of vmalloc, no report, nothing kept" {
	kbuf_need_cgroup
	local before after
	kbuf_create cg vmalloc 4096
	kbuf-io "$KBUF_DEV/cg" write kept >/dev/null
	before=$(<"$KBUF_CG/memory.current")
	kbuf_dmesg_mark
	run -1 kbuf_in_cgroup kbuf-ioctl "$KBUF_DEV/cg" resize $((64 << 20))
	assert_output ENOMEM
	after=$(<"$KBUF_CG/memory.current")
	run kbuf_info cg capacity
	assert_output 4096
	run kbuf-io "$KBUF_DEV/cg" dump 4
	assert_output kept
	((after - before < KBUF_CG_SLACK)) ||
		fail "the group's charge grew from $before to $after"
	run kbuf_dmesg_since_mark
	refute_output --regexp 'allocation failure|vmalloc error|Out of memory|oom-kill'
}

# charged_check BACKEND [GFP FLAGS NODE]: a 4 MiB buffer created in the
# group is charged to it, and nothing is after its destroy.
charged_check() {
	local size=$((4 << 20)) base charged after
	base=$(<"$KBUF_CG/memory.current")
	kbuf_in_cgroup kbuf-ioctl "$KBUF_CONTROL" create "c-$1" "$1" "$size" "${@:2}"
	charged=$(<"$KBUF_CG/memory.current")
	kbuf_settle
	kbuf_destroy "c-$1"
	after=$(<"$KBUF_CG/memory.current")
	# Other charges of the group come and go (the exited kbuf-ioctl's
	# own pages): a slack either way.
	((charged - base >= size - KBUF_CG_SLACK)) ||
		fail "$1: a $size-byte buffer charged $((charged - base)) bytes"
	((after - base < KBUF_CG_SLACK)) ||
		fail "$1: $((after - base)) bytes still charged after destroy"
}

@test "a buffer created or resized in a memory cgroup is charged to it until destroyed" {
	kbuf_need_cgroup
	kbuf_each_backend charged_check
}

@test "a buffer placed on NUMA node 1 is charged to its memory cgroup the same, and past the limit gets ENOMEM" {
	kbuf_need_cgroup
	[[ $(cat /sys/devices/system/node/has_normal_memory 2>/dev/null) == 0-1 ]] ||
		skip "the guest does not have two nodes with memory"
	local before after
	check() {
		charged_check "$1" kernel 4 1
	}
	kbuf_each_backend check
	# vmalloc on a node is built page by page (backend_vmalloc.c): the
	# pages taken before the limit hit must be given back.
	before=$(<"$KBUF_CG/memory.current")
	run -1 kbuf_in_cgroup kbuf-ioctl "$KBUF_CONTROL" create c-over vmalloc \
		$((64 << 20)) kernel 4 1
	assert_output ENOMEM
	after=$(<"$KBUF_CG/memory.current")
	assert_not_exists "$KBUF_DEV/c-over"
	((after - before < KBUF_CG_SLACK)) ||
		fail "the group's charge grew from $before to $after"
}
