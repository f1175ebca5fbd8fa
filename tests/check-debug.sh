#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-debug: the whole bats suite inside kernels built for finding
# bugs, each built once by tests/debug/build-kernel.sh and cached outside
# the work tree. KBUF_DEBUG_KERNELS lists the flavors, one after another
# (default 6.1-kasan):
#
#   6.1-kasan   linux-source-6.1: KASAN, kmemleak, lockdep,
#               DEBUG_ATOMIC_SLEEP, UBSAN, fault injection, gcov
#   6.12-kasan  the same on linux-source-6.12, with KFENCE
#   6.12-kcsan  linux-source-6.12: KCSAN, lockdep, DEBUG_ATOMIC_SLEEP
#
# The module is rebuilt against each tree on every run. Same output as
# make check, per flavor; the kernel log check fails on any KASAN, KCSAN,
# UBSAN, lockdep, BUG/WARNING or kmemleak report. The results of 6.1-kasan
# are in tests/out/debug-shard*/ as they always were, those of another
# flavor in tests/out/debug-FLAVOR/debug-shard*/. With more than one
# flavor, the last line sums them all.
#
# KBUF_DEBUG_MODULES=1 builds the kernel's modules too (vivid, for
# tests/46-vivid.bats); the default is to build them when the run has that
# file (no KBUF_FILTER, or one that selects it).
#
# KBUF_TRINITY_OPS sets the syscalls of each run of tests/92-trinity.bats
# (default there: 3000).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=vm/lib.sh
. "$here/vm/lib.sh"

# Run tests/check.sh in debug kernel $1's guests (sharded), results under
# $2.
check_flavor() {
	local flavor=$1 outroot=$2 shards i smp=${KBUF_VM_SMP:-} timeout=
	local -a env
	# A flavor's changes to these (kcsan_setup) end with it.
	local KBUF_DEBUG_ARGS=$KBUF_DEBUG_ARGS KBUF_APPEND=${KBUF_APPEND:-}
	KBUF_DEBUG_TREE=$(bash "$here/debug/build-kernel.sh" "$flavor") || {
		echo "$flavor: the debug kernel did not build"
		echo "0 passed, 1 failed"
		return 1
	}
	export KBUF_DEBUG_TREE
	# KASAN and lockdep make the guest several times slower than a stock
	# one: guests side by side (one per host CPU, at most four) each run
	# a share of the files.
	shards=${KBUF_DEBUG_SHARDS:-$(nproc)}
	[[ $flavor != *-kcsan ]] || kcsan_setup
	((shards <= 4)) || shards=4
	KBUF_KERNELS=
	for ((i = 1; i <= shards; i++)); do
		KBUF_KERNELS+=" debug%$i/$shards"
	done
	env=(KBUF_OUTROOT="$outroot" KBUF_KERNELS="$KBUF_KERNELS")
	[[ -z $smp ]] || env+=(KBUF_VM_SMP="$smp")
	[[ -z $timeout ]] || env+=(KBUF_VM_TIMEOUT="$timeout")
	env "${env[@]}" bash "$here/check.sh"
}

# What the KCSAN flavour changes, in check_flavor's variables (shards,
# smp, timeout, KBUF_DEBUG_ARGS, KBUF_APPEND). A report is a warning: under
# panic_on_warn (any value, from KBUF_DEBUG_ARGS or KBUF_APPEND) the first
# one would end the guest and hide every other; the kernel log check fails
# the run on each report all the same. KCSAN needs two CPUs in one guest
# (a watchpoint waits with interrupts off: alone, nothing else could run
# meanwhile): one guest with two virtual CPUs, unless KBUF_DEBUG_SHARDS
# and KBUF_VM_SMP say otherwise. (The guest makes the watchpoints wait
# longer, for TCG: tests/guest/init.sh, tune_kcsan.) That guest runs every
# file alone and slowly: 30-read-write-seek and 88-stress took 636 s there
# (456 s untuned), against two to four minutes in a stock guest: the suite
# would take hours, and the limit is 8 hours unless KBUF_VM_TIMEOUT says
# otherwise. The whole suite has not been run there yet.
kcsan_setup() {
	local re='(^| )(sysctl\.kernel\.)?panic_on_warn=[^ ]*'
	KBUF_DEBUG_ARGS=$(sed -E "s/$re//g" <<<"$KBUF_DEBUG_ARGS")
	KBUF_APPEND=$(sed -E "s/$re//g" <<<"$KBUF_APPEND")
	shards=${KBUF_DEBUG_SHARDS:-1}
	smp=${KBUF_VM_SMP:-2}
	timeout=${KBUF_USER_TIMEOUT:-28800}
}

main() {
	local flavors=${KBUF_DEBUG_KERNELS:-6.1-kasan} flavor out rc=0 line
	local p f s tp=0 tf=0 ts=0
	local -a list
	read -r -a list <<<"$flavors"
	# Before a debug kernel's long build, which would fail there anyway.
	kbuf_require_no_space
	bash "$here/deps.sh"
	export KBUF_SKIP_DEPS=1 KBUF_SKIP_STATIC=1
	# A guest's time limit; the KCSAN flavour's one guest has its own.
	KBUF_USER_TIMEOUT=${KBUF_VM_TIMEOUT:-}
	export KBUF_VM_TIMEOUT=${KBUF_VM_TIMEOUT:-5400}
	# KASAN finds what slub_debug's red zones would, and slub_debug on top
	# of it only slows every allocation down; the rest of the test bed's
	# arguments (panic on a warning, a soft lockup or a hung task) stay.
	export KBUF_DEBUG_ARGS=${KBUF_DEBUG_ARGS-"init_on_alloc=0 panic_on_warn=1 softlockup_panic=1 hung_task_panic=1"}
	# The kernel's modules (vivid) are built only for a run that has the
	# file that loads them.
	if [[ -z ${KBUF_DEBUG_MODULES:-} ]]; then
		KBUF_DEBUG_MODULES=0
		! kbuf_filter_match 46-vivid.bats "${KBUF_FILTER:-}" ||
			KBUF_DEBUG_MODULES=1
	fi
	export KBUF_DEBUG_MODULES
	[[ -z ${KBUF_TRINITY_OPS:-} ]] ||
		export KBUF_APPEND="${KBUF_APPEND:+$KBUF_APPEND }kbuftest.trinity_ops=$KBUF_TRINITY_OPS"
	if ((${#list[@]} == 1)) && [[ ${list[0]} == 6.1-kasan ]]; then
		check_flavor 6.1-kasan "$KBUF_OUTROOT"
		return
	fi
	for flavor in "${list[@]}"; do
		out=$KBUF_OUTROOT
		[[ $flavor == 6.1-kasan ]] || out=$KBUF_OUTROOT/debug-$flavor
		mkdir -p "$out"
		echo "check-debug: $flavor (results in $out)"
		check_flavor "$flavor" "$out" | tee "$out/check-debug.log" || rc=1
		line=$(tail -n 1 "$out/check-debug.log")
		if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
			p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[4]:-0}
		else
			p=0 f=1 s=0
			echo "check-debug: $flavor: no summary line"
		fi
		echo "check-debug: $flavor: $line"
		tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	done
	line="$tp passed, $tf failed"
	((ts == 0)) || line+=", $ts skipped"
	echo "$line"
	((rc == 0 && tf == 0))
}

main "$@"
