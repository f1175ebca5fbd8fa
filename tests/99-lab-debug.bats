#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# The lab book's one block for the debug kernel (lesson 5, fenced ```sh
# debug in docs/templates/lab.md): lab_atomic.ko allocates with GFP_KERNEL
# under a spinlock on purpose, and CONFIG_DEBUG_ATOMIC_SLEEP reports it.
# tests/check.sh builds that module for the debug kernel only (never for
# Debian's, never installed); in a stock guest the file is skipped.
#
# The file is last in every guest on purpose. The report taints the
# kernel with W for good, and the per-test taint check of every test after
# it could no longer tell a new warning from this one; and for a second
# after it the kernel prints no other report of its kind (__might_resched()
# reports once per second at most), so the test waits that second out
# before its file unloads kbuf. CI's make check-debug runs it, beside the
# stress and the fault sweeps.

load 'helpers/common'
load 'helpers/lab'

setup_file() {
	kbuf_dmesg_mark file
	if ! kbuf_debug_kernel; then
		kbuf_file_skip "not a debug kernel (no kmemleak, no KCSAN): make check-debug runs this file (CONFIG_DEBUG_ATOMIC_SLEEP, and tests/debug/lab-atomic built for that kernel)"
		return 0
	fi
	kbuf_file_setup
}

# The one report a test provokes on purpose: the block must show it, and
# the kernel log since the test began must hold no other (the report
# itself is dropped by helpers/dmesg-injected.awk only if it is
# lab_atomic's, from insmod, with lab_atomic_init() in its call chain).
@test "lab lesson 5 in the debug kernel: kmalloc(GFP_KERNEL) under a spinlock is reported by DEBUG_ATOMIC_SLEEP" {
	[[ -f $KBUF_OUT/lab-atomic/lab_atomic.ko ]] ||
		fail "lab_atomic.ko was not built for this kernel: see lab-atomic.log beside this run's results"
	kbuf_dmesg_mark
	run_lesson 5 debug
	sleep 1.1
	kbuf_dmesg_check
	KBUF_TAINT0=$((KBUF_TAINT0 | 1 << 9))
}
