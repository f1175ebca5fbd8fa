# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Fault injection knobs of the debug kernel, for tests/91-fault.bats and
# tests/soak.sh. fail-nth (/proc/thread-self/fail-nth) picks which call
# fails; these make every allocation a candidate.

KBUF_FAULT_DIRS=(/sys/kernel/debug/failslab /sys/kernel/debug/fail_page_alloc)

# Aim failslab and fail_page_alloc at every allocation (by default they
# skip those that may sleep, and fail_page_alloc those below order 1), and
# keep them quiet: fail-nth alone decides which call fails.
kbuf_fault_arm() {
	local d
	for d in "${KBUF_FAULT_DIRS[@]}"; do
		echo N >"$d/ignore-gfp-wait"
		echo 0 >"$d/verbose"
	done
	echo N >/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem
	echo 0 >/sys/kernel/debug/fail_page_alloc/min-order
}

# The kernel's defaults back.
kbuf_fault_disarm() {
	local d
	for d in "${KBUF_FAULT_DIRS[@]}"; do
		[[ -d $d ]] || continue
		echo Y >"$d/ignore-gfp-wait"
		echo 2 >"$d/verbose"
	done
	[[ -d ${KBUF_FAULT_DIRS[1]} ]] || return 0
	echo Y >/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem
	echo 1 >/sys/kernel/debug/fail_page_alloc/min-order
}
