#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# The lab book's experiments (docs/templates/lab.md, which make lab runs
# into docs/lab.md), run as written inside the guest with the module
# loaded, so that the book cannot go stale: every block succeeds, and its
# output shows a line for each of the block's "expect" patterns, the
# facts the lesson reads in it. The one block fenced ```sh debug runs in
# tests/99-lab-debug.bats, in the debug kernel only.

load 'helpers/common'
load 'helpers/lab'

setup_file() {
	kbuf_file_setup
}

KBUF_NODES=/sys/devices/system/node/has_normal_memory

# Lessons 2, 4 and 8 work on the last NUMA node with memory.
lab_need_numa() {
	[[ -f $KBUF_NODES ]] || skip "the kernel has no NUMA ($KBUF_NODES): lesson $1 counts or fragments one node"
}

# Lessons 2 and 8 read the free blocks of one node around a create: in the
# debug kernel, whose checkers allocate beside the experiment, that count
# moved under them (one create "took" 2 blocks on node 1).
lab_need_quiet_counts() {
	! kbuf_debug_kernel ||
		skip "the debug kernel's free-block counts move under the experiment: lesson $1 is checked in Debian's kernels"
}

@test "the lab book has exactly the lessons this file runs, and no misplaced or malformed expect line" {
	run lab_awk -v mode=list
	assert_success
	assert_equal "$(cut -d' ' -f1 <<<"$output" | uniq)" "1
2
3
4
5
6
7
8"
	# The debug kernel's blocks: lesson 5's report, and nothing else.
	assert_equal "$(grep -c ' debug$' <<<"$output")" 1
	assert_line --regexp '^5 [0-9]+ debug$'
	# They run in 99-lab-debug.bats, which must stay the last file of
	# every guest: the report's taint (W) stays for every test after it.
	assert_equal "$(printf '%s\n' "$KBUF_ROOT"/tests/*.bats | tail -n 1)" \
		"$KBUF_ROOT/tests/99-lab-debug.bats"
}

# lab_skeleton FILE: the book without its outputs (each block of text
# after an sh block emptied), with the kernel's release as K and the
# debug kernel's as D.
lab_skeleton() {
	awk '/^```text$/ { print; skip = 1; next }
		skip && /^```$/ { skip = 0 }
		!skip' "$1" | sed -E -e 's/kernel [^ ]+ under QEMU/kernel K under QEMU/' \
		-e 's/\(Linux [^ ,]+, with KASAN/(Linux D, with KASAN/'
}

@test "docs/lab.md is what make lab makes of docs/templates/lab.md" {
	local want
	want=$(lab_awk -v mode=book -v outdir=/nonexistent |
		sed -e 's/@KERNEL@/K/g' -e 's/@DEBUG_KERNEL@/D/g')
	run lab_skeleton "$KBUF_ROOT/docs/lab.md"
	assert_output "<!-- Made by make lab from docs/templates/lab.md: edit that. -->
$want"
}

@test "lab lesson 1: kmalloc's slab caches, the switch to pages at two pages, the 4 MiB limit, the unmappable small object" {
	run_lesson 1
}

@test "lab lesson 2: the page allocator's orders, one order-10 block off the buddy list and back, the compound page" {
	lab_need_numa 2
	lab_need_quiet_counts 2
	run_lesson 2
}

@test "lab lesson 3: vmalloc's area in /proc/vmallocinfo with its guard page, its pages in several runs, the area given back" {
	run_lesson 3
}

# The guests have two NUMA nodes: the lesson fragments node 1 only, and
# creates its buffers there. The whole machine fragmented, 6.12 under TCG
# tripped the soft-lockup panic in three runs of six.
@test "lab lesson 4: with every 4 MiB block of a node fragmented on purpose a 4 MiB pages buffer fails there, a vmalloc one does not" {
	lab_need_numa 4
	[[ $(sed 's/.*[,-]//' "$KBUF_NODES") != 0 ]] ||
		skip "one NUMA node: lesson 4 would fragment the node the CPUs use, which under TCG can trip the soft-lockup panic (the test bed boots two)"
	run_lesson 4
}

@test "lab lesson 5: kmalloc and pages allocate with GFP_ATOMIC, vmalloc refuses it, the reserves below the min watermark" {
	run_lesson 5
}

@test "lab lesson 6: read and write stop at a hole in user memory, EFAULT when no byte moves" {
	run_lesson 6
}

@test "lab lesson 7: a pfn mapping is VM_PFNMAP | VM_IO and /proc/self/mem cannot read it; a page mapping is ordinary memory" {
	run_lesson 7
}

@test "lab lesson 8: twenty vmalloc and ten order-10 create and destroy cycles leave the counters as they were" {
	lab_need_numa 8
	lab_need_quiet_counts 8
	run_lesson 8
}
