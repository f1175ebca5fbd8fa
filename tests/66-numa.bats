#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Buffers placed on a NUMA node: KBUF_CREATE_NODE and kbufctl create
# --node. The test guests have two nodes (tests/vm/boot.sh): node 0 with
# the CPU and half the memory, node 1 with the other half and no CPU, so
# a buffer on node 1 is there because it was asked to be. A third, node
# 2, has neither memory nor CPU: the kernel counts it and keeps it
# offline. Where the pages really are is read from kbufctl layout
# --json (frames placed by /proc/zoneinfo), not from what the driver
# says.

load 'helpers/common'

setup_file() {
	kbuf_file_setup
}

teardown_file() {
	kbuf_file_teardown
}

setup() {
	local nodes=/sys/devices/system/node/has_normal_memory
	kbuf_test_setup
	[[ -f $nodes ]] || skip "the guest's kernel has no NUMA"
	[[ $(<"$nodes") == 0-1 ]] ||
		skip "the guest does not have two nodes with memory ($nodes: $(<"$nodes"); tests/vm/boot.sh KBUF_VM_NODES)"
}

# node_pages NAME: "NODE:PAGES" for each node that holds pages of buffer
# NAME, as kbufctl layout --json finds them.
node_pages() {
	kbufctl layout "$1" --json | python3 -c '
import collections, json, sys
n = collections.Counter()
for m in json.load(sys.stdin)["memory"]:
    n[m["node"]] += m["pages"]
print(" ".join("%s:%d" % kv for kv in sorted(n.items())))'
}

# node_free N: free kilobytes of node N.
node_free() {
	awk '$3 == "MemFree:" { print $4 }' "/sys/devices/system/node/node$1/meminfo"
}

@test "a buffer of each backend created on node 1 has every page there, at create and after a resize" {
	local -A size=([kmalloc]=65536 [pages]=65536 [vmalloc]=$((8 << 20)))
	check() {
		local map=page
		[[ $1 != kmalloc ]] || map=pfn
		kbufctl_create "n1-$1" --backend "$1" --size "${size[$1]}" \
			--node 1 --map "$map" >/dev/null
		run kbuf_attr "n1-$1" numa_node
		assert_output 1
		run node_pages "n1-$1"
		assert_output "1:$((size[$1] / 4096))"
		kbuf-ioctl "$KBUF_DEV/n1-$1" resize $((size[$1] / 2))
		run node_pages "n1-$1"
		assert_output "1:$((size[$1] / 8192))"
		kbuf_destroy "n1-$1"
	}
	kbuf_each_backend check
}

# A create on a node takes another path through two of the allocators
# (alloc_pages_node() for pages, and for vmalloc pages taken one by one
# and joined with vmap()): its zeroing is checked apart. Each round
# leaves 0xff in the memory it frees, and the next create on the node,
# of this backend or the next one, is likely to get it back: 64 KiB of
# pages (and of kmalloc) is an order-4 block, which skips the per-CPU
# lists and returns to the head of the node's free list; vmalloc's
# pages are order 0, handed back from the per-CPU list of the CPU that
# freed them, so the rounds run on CPU 0 only.
@test "buffers of each backend created on node 1 start as zeros where a destroyed one left 0xff" {
	check() {
		local i
		for ((i = 0; i < 3; i++)); do
			kbufctl_create "nz-$1" --backend "$1" --size 65536 \
				--node 1 >/dev/null
			kbuf_fresh_zeros "nz-$1" 65536 \
				"round $i: a $1 buffer on node 1"
		done
	}
	# Each test is a process of its own: the pin ends with it.
	taskset -cp 0 "$BASHPID" >/dev/null
	kbuf_each_backend check
	# The loop left udev its events: handled here, not in the next test.
	kbuf_settle
}

@test "kbufctl info names the node a buffer was created on, and any for the others" {
	kbufctl_create ni --backend pages --size 8192 --node 1 >/dev/null
	run -0 kbufctl info ni
	assert_line 'numa node:     1'
	run -0 kbufctl info --json ni
	assert_output --partial '"gfp":"kernel","numa_node":1,"mappings":0,'
	run kbuf_attr pages numa_node
	assert_output -1
	run -0 kbufctl info pages
	assert_line 'numa node:     any'
	run -0 kbufctl info --json pages
	assert_output --partial '"numa_node":null,'
	kbuf_destroy ni
}

@test "atomic kmalloc and pages buffers can be placed on node 1 too" {
	check() {
		kbuf_create "na-$1" "$1" 16384 atomic 4 1
		run node_pages "na-$1"
		assert_output 1:4
		kbuf_destroy "na-$1"
	}
	check kmalloc
	check pages
}

@test "a node that does not exist fails with EINVAL and makes no buffer" {
	local node
	for node in 3 1023 2147483647 4294967295; do
		run -1 kbuf-ioctl "$KBUF_CONTROL" create nn pages 4096 kernel 4 "$node"
		assert_output EINVAL
	done
	assert_not_exists "$KBUF_DEV/nn"
	assert_not_exists "$KBUF_SYS/nn"
}

# Below nr_node_ids, so only the check of the node's memory refuses it:
# a create that went on would allocate on the node's fallback list, or
# fail with ENOMEM, instead of EINVAL.
@test "node 2, which the kernel counts but which has no memory, fails with EINVAL for each backend and makes no buffer" {
	local sys=/sys/devices/system/node
	# tests/vm/boot.sh says when it made the node: then it must be so.
	grep -qw kbuftest.empty_node=2 /proc/cmdline ||
		skip "the guest was booted without an empty node 2 (tests/vm/boot.sh, KBUF_VM_NODES)"
	run cat "$sys/possible" "$sys/online" "$sys/has_memory"
	assert_output "$(printf '0-2\n0-1\n0-1')"
	check() {
		run -1 kbuf-ioctl "$KBUF_CONTROL" create nm "$1" 4096 kernel 4 2
		assert_output EINVAL
		assert_not_exists "$KBUF_DEV/nm"
		assert_not_exists "$KBUF_SYS/nm"
	}
	kbuf_each_backend check
	run -1 kbuf-ioctl "$KBUF_CONTROL" create nm pages 4096 atomic 4 2
	assert_output EINVAL
	assert_not_exists "$KBUF_DEV/nm"
}

@test "a node number without KBUF_CREATE_NODE fails with EINVAL, and node 0 with it works" {
	run -1 kbuf-ioctl "$KBUF_CONTROL" create nz pages 4096 kernel 0 1
	assert_output EINVAL
	assert_not_exists "$KBUF_DEV/nz"
	kbuf_create nz pages 4096 kernel 4 0
	run kbuf_attr nz numa_node
	assert_output 0
	run node_pages nz
	assert_output 0:1
	kbuf_destroy nz
}

@test "kbufctl create --node of a node without memory fails and lists the nodes that have it" {
	run -1 kbufctl create nn --backend vmalloc --size 4096 --node 2
	assert_output "kbufctl: /dev/kbuf/control: create nn: Invalid argument
kbufctl: NUMA node 2 is absent or has no kernel memory; nodes with it: 0-1 (/sys/devices/system/node/has_normal_memory)"
	assert_not_exists "$KBUF_DEV/nn"
}

@test "kbufctl create --node with something that is not a node number is a usage error" {
	local bad
	for bad in -1 x 1x '' 2147483648; do
		run -2 kbufctl create nn --backend pages --size 4096 --node "$bad"
		assert_output "kbufctl create: node '$bad' is not a node number
Try 'kbufctl create --help' for more information."
	done
	assert_not_exists "$KBUF_DEV/nn"
}

@test "vmalloc more than node 1 holds fails with ENOMEM, no report, every page given back" {
	local before after
	before=$(node_free 1)
	# 1 GiB is vmalloc's limit: node 1 must hold less (KBUF_VM_MEM=2G).
	((before < 1 << 20)) ||
		skip "node 1 has $before KiB free: 1 GiB of vmalloc fits there"
	kbuf_dmesg_mark
	run -1 kbuf-ioctl "$KBUF_CONTROL" create nbig vmalloc $((1 << 30)) kernel 4 1
	assert_output ENOMEM
	after=$(node_free 1)
	assert_not_exists "$KBUF_DEV/nbig"
	# Within 64 MiB, not to the page: the CPU's lists of free pages keep
	# some of those given back out of MemFree (24 MiB were seen). A leak
	# would keep the most of 1 GiB the create took before it failed.
	((before - after < 65536)) ||
		fail "node 1 had $before KiB free before, $after KiB after"
	run kbuf_dmesg_since_mark
	refute_output --regexp 'allocation failure|vmalloc error|Out of memory|oom-kill'
}
