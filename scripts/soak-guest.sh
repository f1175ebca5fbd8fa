#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The guest half of make soak (scripts/soak.sh boots the debug kernel with
# it as kbuftest.script): kbufctl stress on every backend and map mode, the
# kbuf-fault sweeps, load/unload cycles, tests/92-trinity.bats, then a
# kmemleak and a kernel-log scan. Each result is one line of
# $KBUF_OUT/soak.txt, from which the host half writes docs/reliability.md;
# "problem" lines count, and any fails the run.
#
# How much comes from the host on the kernel command line:
#   kbuftest.soak_ops=N       stress operations per backend and map mode
#   kbuftest.soak_cycles=N    load/unload cycles
#   kbuftest.trinity_ops=N    read by tests/92-trinity.bats
set -euo pipefail

# shellcheck source=../tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/vm/lib.sh"
# shellcheck source=../tests/helpers/fault.bash
. "$(dirname "${BASH_SOURCE[0]}")/../tests/helpers/fault.bash"

[[ -n ${KBUF_KO:-} && -n ${KBUF_OUT:-} && -r /proc/cmdline ]] ||
	kbuf_die "soak-guest.sh runs inside the test-bed guest: use make soak"

PROBLEMS=0

# Record one result line; "problem" lines count.
record() {
	printf '%s\n' "$*" | tee -a "${KBUF_OUT:?}/soak.txt"
	[[ $1 != problem ]] || PROBLEMS=$((PROBLEMS + 1))
}

guest_load() {
	insmod "${KBUF_KO:?}" "$@" || return 1
	udevadm settle --timeout=60 2>/dev/null || true
}

# udevd handles an event and runs two programs (RUN+= in
# udev/60-kbuf.rules) for every buffer the stress creates. Under the debug
# kernel and QEMU that took most of the guest's two CPUs: a 3000-op stress
# with --create ran at 333 to 347 ops/s with udevd, 693 with the rule's
# RUN+= removed and 1021 to 1172 with udevd stopped. The long stress runs
# without it; tests/88-stress.bats runs with it, so udev's workers still
# meet creates and destroys there.
udevd_pause() {
	udevadm settle --timeout=120 2>/dev/null || true
	kbuf_udevd_stop
}

udevd_resume() {
	kbuf_udevd_start "${KBUF_OUT:?}/udevd.log" ||
		record problem "systemd-udevd did not start again"
	udevadm settle --timeout=300 2>/dev/null || true
}

guest_stress() {
	local ops=$1 mode b seed=1 json
	udevd_pause
	for mode in page pfn; do
		guest_load "map_mode=$mode" || {
			record problem "stress: kbuf.ko map_mode=$mode did not load"
			seed=$((seed + 3))
			continue
		}
		for b in kmalloc pages vmalloc; do
			json=$(kbufctl stress --threads 4 --procs 2 --ops "$ops" \
				--seed "$seed" --create "$b" --json) ||
				record problem "stress $mode $b exited non-zero"
			record "stress $mode $b $(jq -r '"ops=\(.ops) seconds=\(.seconds) ops_per_sec=\(.ops_per_sec) divergences=\(.divergences) unexpected_errnos=\(.unexpected_errnos) failures=\(.failures) seed=\(.seed)"' <<<"$json")"
			jq -r --arg r "$mode $b" '.mix | to_entries[] |
				"optime \($r) \(.key) calls=\(.value.calls) seconds=\(.value.seconds)"' \
				<<<"$json" >>"$KBUF_OUT/soak.txt"
			[[ $(jq -r '.divergences + .unexpected_errnos + .failures' <<<"$json") == 0 ]] ||
				record problem "stress $mode $b: $(jq -r .first_failure <<<"$json")"
			seed=$((seed + 1))
		done
		rmmod kbuf || record problem "stress: rmmod after map_mode=$mode failed"
	done
	udevd_resume
}

# One sweep; its "allocations A enomem E ok K" line is recorded.
fault_sweep() {
	local last
	last=$(kbuf-fault "$@" | tail -n 1) || {
		record problem "fault $*: $last"
		return 0
	}
	record "fault $1 ${*:2} | $last"
}

# The per-CPU counters' allocation, which no fail-nth sweep reaches: made
# to fail once per backend with fail_function.
fei_create() {
	local b=$1 err times
	kbuf_fei_fail_next kbuf_stats_alloc || {
		record problem "fail_function refused kbuf_stats_alloc"
		return 0
	}
	err=$(kbuf-ioctl /dev/kbuf/control create "fp-$b" "$b" 16384 2>&1) &&
		kbuf-ioctl /dev/kbuf/control destroy "fp-$b"
	times=$(<"$KBUF_FEI/times")
	kbuf_fei_clear
	if [[ $err != ENOMEM || $times != 0 || -e /sys/class/kbuf/fp-$b ]]; then
		record problem "fail_function on kbuf_stats_alloc: create fp-$b gave '$err', times left $times"
		return 0
	fi
	record "fault create fp-$b $b 16384, kbuf_stats_alloc failed by fail_function | allocations 1 enomem 1 ok 0"
}

percpu_live() {
	local n
	n=$(kbuf_percpu_live)
	echo "${n:-none}"
}

guest_fault() {
	local b mode p0 p1
	kbuf_fault_arm
	# The sweeps make thousands of uevents: udevd would take minutes.
	udevd_pause
	p0=$(percpu_live)
	fault_sweep load "${KBUF_KO:?}" "kmalloc_size=8192 pages_order=1 vmalloc_size=8192"
	for mode in page pfn; do
		guest_load "map_mode=$mode" || {
			record problem "sweeps: kbuf.ko map_mode=$mode did not load"
			continue
		}
		for b in kmalloc pages vmalloc; do
			[[ $mode == pfn ]] || fault_sweep create "f-$b" "$b" 16384
			[[ $mode == pfn || $b == vmalloc ]] ||
				fault_sweep create "fa-$b" "$b" 16384 atomic
			[[ $mode == pfn ]] || {
				kbuf-ioctl /dev/kbuf/control create "r-$b" "$b" 8192
				fault_sweep resize "/dev/kbuf/r-$b" 32768
				kbuf-ioctl /dev/kbuf/control destroy "r-$b"
			}
			fault_sweep mmap "/dev/kbuf/$b"
			[[ $mode == pfn ]] || fault_sweep open "/dev/kbuf/$b"
			[[ $mode == pfn ]] || fei_create "$b"
		done
		rmmod kbuf || record problem "sweeps: rmmod after map_mode=$mode failed"
	done
	p1=$(percpu_live)
	record "percpu faults_before=$p0 faults_after=$p1"
	[[ $p0 == "$p1" ]] || record problem "per-CPU allocations: $p0 before the sweeps, $p1 after"
	udevd_resume
}

vmalloc_lines() {
	wc -l </proc/vmallocinfo
}

slab_kb() {
	sed -n 's/^Slab: *\([0-9]*\) kB/\1/p' /proc/meminfo
}

guest_cycles() {
	local n=$1 i b v0 v1 s0 s1 p0 p1
	v0=$(vmalloc_lines) s0=$(slab_kb) p0=$(percpu_live)
	for ((i = 0; i < n; i++)); do
		guest_load || { record problem "cycle $i: load failed"; return 0; }
		for b in kmalloc pages vmalloc; do
			kbuf-ioctl /dev/kbuf/control create "c-$b" "$b" 65536
			echo "cycle $i" >"/dev/kbuf/c-$b"
			kbuf-mmap "/dev/kbuf/c-$b" write 0 C >/dev/null
		done
		rmmod kbuf || { record problem "cycle $i: rmmod failed"; return 0; }
	done
	udevadm settle --timeout=120 2>/dev/null || true
	v1=$(vmalloc_lines) s1=$(slab_kb) p1=$(percpu_live)
	record "cycles n=$n vmallocinfo_before=$v0 vmallocinfo_after=$v1 slab_kb_before=$s0 slab_kb_after=$s1 kbuf_vmalloc_after=$(grep -c '\[kbuf\]' /proc/vmallocinfo || true) percpu_before=$p0 percpu_after=$p1"
	[[ $p0 == "$p1" ]] || record problem "per-CPU allocations: $p0 before the cycles, $p1 after"
	[[ -e /sys/module/kbuf ]] && record problem "kbuf still loaded after the cycles"
	return 0
}

# tests/92-trinity.bats at the soak's size (kbuftest.trinity_ops): its
# command lines, seeds and counts go to soak.txt.
guest_trinity() {
	local tap=${KBUF_OUT:?}/soak-trinity.tap
	rm -f "$KBUF_OUT/trinity.txt"
	bats --tap "$KBUF_ROOT/tests/92-trinity.bats" >"$tap" 2>&1 ||
		record problem "trinity: tests/92-trinity.bats failed ($tap)"
	grep '^trinity as' "$KBUF_OUT/trinity.txt" |
		tee -a "$KBUF_OUT/soak.txt" || record problem "trinity did not run"
}

guest_kmemleak() {
	local k=/sys/kernel/debug/kmemleak n
	[[ -w $k ]] || { record problem "no kmemleak in this kernel"; return 0; }
	sleep 5
	echo scan >"$k"
	echo scan >"$k"
	cp "$k" "${KBUF_OUT:?}/soak-kmemleak.txt"
	n=$(awk -f "$KBUF_ROOT/tests/helpers/kmemleak-known.awk" "$k" |
		grep -c '^unreferenced object' || true)
	record "kmemleak leaks=$n known_kernel_leaks=$(($(grep -c '^unreferenced object' "$k" || true) - n))"
	((n == 0)) || record problem "kmemleak found $n leaks"
}

guest_dmesg() {
	local n
	dmesg >"${KBUF_OUT:?}/soak-dmesg.txt"
	n=$(kbuf_dmesg_problems "${KBUF_OUT:?}/soak-dmesg.txt" | grep -c . || true)
	record "dmesg problem_lines=$n"
	((n == 0)) || record problem "the kernel log shows $n problem lines"
}

main() {
	local ops cycles start
	ops=$(kbuf_cmdline_arg kbuftest.soak_ops '')
	cycles=$(kbuf_cmdline_arg kbuftest.soak_cycles '')
	[[ -n $ops && -n $cycles ]] ||
		kbuf_die "soak: kbuftest.soak_ops or soak_cycles missing from the kernel command line"
	PATH=$KBUF_ROOT/user/kbufctl:$PATH
	: >"${KBUF_OUT:?}/soak.txt"
	record "kernel $(uname -r) cpus=$(nproc) config=KASAN,kmemleak,lockdep,failslab,fail_page_alloc,fail_function,percpu_stats"
	record "cmdline $(kbuf_args_line </proc/cmdline)"
	start=$SECONDS
	guest_stress "$ops"
	guest_fault
	guest_cycles "$cycles"
	guest_trinity
	record "badinputs rows=$(grep -c -v -e '^#' -e '^$' "$KBUF_ROOT/tests/bad-input.tsv")"
	guest_kmemleak
	guest_dmesg
	record "elapsed seconds=$((SECONDS - start))"
	((PROBLEMS == 0))
}

main "$@"
