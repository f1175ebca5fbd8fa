# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Fault injection knobs of the debug kernel, for tests/91-fault.bats and
# scripts/soak.sh. fail-nth (/proc/thread-self/fail-nth) picks which call
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

# ---- fail_function and per-CPU counts ----------------------------------

KBUF_FEI=/sys/kernel/debug/fail_function
KBUF_PCPU_STATS=/sys/kernel/debug/percpu_stats

# The number of live per-CPU allocations, or nothing when the kernel lacks
# CONFIG_PERCPU_STATS. kmemleak never reports a per-CPU block: this count
# is how a leaked one shows.
kbuf_percpu_live() {
	[[ -r $KBUF_PCPU_STATS ]] || return 0
	awk '$1 == "nr_cur_alloc" { print $3; found = 1; exit }
		END { exit !found }' "$KBUF_PCPU_STATS"
}

# Make the next call of function $1, marked ALLOW_ERROR_INJECTION, return
# its failure value (fail_function: once, whoever calls it). Reading
# $KBUF_FEI/times back then tells whether the call was reached: 0.
kbuf_fei_fail_next() {
	echo "$1" >"$KBUF_FEI/inject" || return 1
	echo 0 >"$KBUF_FEI/verbose"
	echo 1 >"$KBUF_FEI/interval"
	echo 100 >"$KBUF_FEI/probability"
	echo 1 >"$KBUF_FEI/times"
}

# Remove every injection point: a probe on a module's function would
# outlive the module's unload, and refuse the same name after a reload.
kbuf_fei_clear() {
	[[ -d $KBUF_FEI ]] || return 0
	echo 0 >"$KBUF_FEI/probability"
	echo >"$KBUF_FEI/inject"
}
