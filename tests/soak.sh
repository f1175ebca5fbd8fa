#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make soak: the long reliability runs behind docs/reliability.md, in the
# debug kernel of make check-debug (KASAN, kmemleak, lockdep, fault
# injection) booted with two virtual CPUs, so that threads really race:
#
#   - kbufctl stress, 4 threads x 2 processes, KBUF_SOAK_OPS operations
#     (default 1000000) on each backend in each map mode;
#   - kbuf-fault sweeps: every allocation of a load, of creates (both GFP
#     choices), resizes, mmaps (both map modes) and opens fails once;
#   - KBUF_SOAK_CYCLES load/unload cycles (default 100), each creating,
#     writing and mapping a buffer of every backend, with /proc/vmallocinfo
#     and the slab total compared before and after;
#   - trinity on /dev/kbuf (tests/92-trinity.bats), KBUF_SOAK_TRINITY
#     syscalls (default 500000) as root and as many as a member of group
#     kbuf: a million in all, some 7 hours at the debug kernel's 25 ms
#     per syscall under QEMU;
#   - a kmemleak scan and a kernel-log scan at the end.
#
# Writes docs/reliability.md from the guest's tests/out/soak/soak.txt.
# KBUF_SOAK_KERNEL=6.12-kasan soaks that debug kernel instead (results in
# tests/out/soak-6.12-kasan/soak.txt only; see tests/debug/build-kernel.sh).
# Fails if any of it found a problem. The same file is the guest's script.
set -euo pipefail

# shellcheck source=vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"
# shellcheck source=helpers/fault.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers/fault.bash"

SOAK_OPS=${KBUF_SOAK_OPS:-1000000}
SOAK_CYCLES=${KBUF_SOAK_CYCLES:-100}
SOAK_TRINITY=${KBUF_SOAK_TRINITY:-500000}

# ---- in the guest -------------------------------------------------------

in_guest() {
	[[ -r /proc/cmdline && $(</proc/cmdline) == *kbuftest.script=tests/soak.sh* ]]
}

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

guest_main() {
	local ops cycles start
	ops=$(kbuf_cmdline_arg kbuftest.soak_ops "$SOAK_OPS")
	cycles=$(kbuf_cmdline_arg kbuftest.soak_cycles "$SOAK_CYCLES")
	PATH=$KBUF_ROOT/user/kbufctl:$PATH
	: >"${KBUF_OUT:?}/soak.txt"
	record "kernel $(uname -r) cpus=$(nproc) config=KASAN,kmemleak,lockdep,failslab,fail_page_alloc,fail_function,percpu_stats"
	record "cmdline $(args_line </proc/cmdline)"
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

# ---- on the host: docs/reliability.md -----------------------------------

# Field $2 of the first soak.txt line that starts with $1.
field() {
	sed -n "s/^$1.* $2=\\([^ ]*\\).*/\\1/p" "$3" | head -n 1
}

# The "optime" lines summed by kind, the costliest first.
optime_table() {
	awk '$1 == "optime" {
		sub(/calls=/, "", $5); sub(/seconds=/, "", $6)
		c[$4] += $5; t[$4] += $6; all += $6
	}
	END {
		for (k in c)
			printf "%s\t%d\t%.3f\t%.1f\n", k, c[k],
				c[k] ? 1000 * t[k] / c[k] : 0, all ? 100 * t[k] / all : 0
	}' "$1" | sort -t "$(printf '\t')" -k4,4gr |
		awk -F'\t' '{ printf "| %s | %s | %s | %s %% |\n", $1, $2, $3, $4 }'
}

# A kernel command line without the harness's own arguments (console,
# kbuftest.*).
args_line() {
	tr ' ' '\n' | grep -v -e '^kbuftest\.' -e '^console=' -e '^$' |
		paste -sd ' '
}

# The guest's boot arguments: soak.txt's "cmdline" line, or else the kernel
# log the soak saved beside it (soaks before that line was recorded).
boot_args() {
	local txt=$1 args
	args=$(sed -n 's/^cmdline //p' "$txt")
	[[ -n $args || ! -r ${txt%/*}/soak-dmesg.txt ]] ||
		args=$(sed -n 's/.*Kernel command line: //p' "${txt%/*}/soak-dmesg.txt" |
			head -n 1 | args_line)
	echo "${args:-unknown}"
}

write_md() {
	local txt=$1 md=$KBUF_ROOT/docs/reliability.md
	local stress_total fault_allocs fault_enomem fault_ok sweeps rate hours
	local stress_s elapsed whole args
	args=$(boot_args "$txt")
	stress_total=$(sed -n 's/^stress .* ops=\([0-9]*\) .*/\1/p' "$txt" |
		awk '{ s += $1 } END { print s + 0 }')
	# The whole default soak: this one, with its stress scaled up to
	# 1000000 ops per backend and map mode.
	stress_s=$(sed -n 's/^stress .* seconds=\([0-9.]*\) ops_per_sec=.*/\1/p' "$txt" |
		awk '{ s += $1 } END { print s + 0 }')
	elapsed=$(field elapsed seconds "$txt")
	whole=$(awk -v e="${elapsed:-0}" -v s="$stress_s" -v o="$SOAK_OPS" \
		'BEGIN { printf "%.1f\n", (e + s * (1e6 / o - 1)) / 3600 }')
	read -r rate hours < <(
		sed -n 's/^stress .* ops_per_sec=\([0-9.]*\) .*/\1/p' "$txt" |
			awk '{ s += $1; n++ } END {
				r = n ? s / n : 0
				printf "%d %.1f\n", r, r ? 6e6 / r / 3600 : 0 }')
	read -r sweeps fault_allocs fault_enomem fault_ok < <(
		sed -n 's/^fault .*| allocations \([0-9]*\) enomem \([0-9]*\) ok \([0-9]*\)$/\1 \2 \3/p' "$txt" |
			awk '{ n++; a += $1; e += $2; o += $3 } END { print n + 0, a + 0, e + 0, o + 0 }')
	{
		cat <<-EOF
		# kbuf reliability figures

		Generated by \`make soak\` (tests/soak.sh, KBUF_SOAK_OPS=$SOAK_OPS,
		KBUF_SOAK_CYCLES=$SOAK_CYCLES); do not edit. The runs happen inside the
		debug kernel of \`make check-debug\` (Debian's linux-source-6.1 with
		KASAN, kmemleak, lockdep, DEBUG_ATOMIC_SLEEP, UBSAN, failslab,
		fail_page_alloc, fail_function and PERCPU_STATS;
		tests/debug/config/: common.config and kasan.config), booted under QEMU with two
		virtual CPUs and the arguments \`$args\`. \`make check-debug\`
		runs the same kinds of checks at a smaller size: every bats file, a
		6000-op stress per backend and map mode (tests/88-stress.bats) and
		the fault sweeps (tests/91-fault.bats).
		The stress ran at $rate ops/s on average (the debug kernel under QEMU
		TCG; slower still when other guests share the host): at that rate
		the default of \`make soak\`, 1000000 ops per backend and map mode,
		takes about $hours hours of stress and $whole hours in all. The
		stress runs with systemd-udevd stopped: udevd's work for the
		buffers the stress creates and destroys, most of it the two
		programs udev/60-kbuf.rules runs for each, took most of the guest's
		CPU time (a 3000-op stress with --create: 333 to 347 ops/s with
		udevd, 693 with the rule's RUN+= removed, 1021 to 1172 with udevd
		stopped).
		tests/88-stress.bats runs it with udevd, in \`make check\` and
		\`make check-debug\`.

		## Summary

		| Figure | Value |
		|---|---|
		| stress ops under the debug kernel, 4 threads x 2 processes | $stress_total (per backend and map mode: below) |
		| allocation failures injected (fail-nth sweeps; fail_function for the per-CPU counters) | $fault_allocs allocations in $sweeps sweeps, each failed once: $fault_enomem gave ENOMEM cleanly, $fault_ok were absorbed with everything in place |
		| live per-CPU allocations (kmemleak cannot see these) | before the sweeps $(field percpu faults_before "$txt"), after $(field percpu faults_after "$txt"); before the cycles $(field cycles percpu_before "$txt"), after $(field cycles percpu_after "$txt") |
		| bad inputs in the table walked by tests/89-bad-input.bats | $(field badinputs rows "$txt") |
		| load/unload cycles | $(field cycles n "$txt"), /proc/vmallocinfo $(field cycles vmallocinfo_before "$txt") lines before, $(field cycles vmallocinfo_after "$txt") after, $(field cycles kbuf_vmalloc_after "$txt") of kbuf's; slab $(field cycles slab_kb_before "$txt") kB before, $(field cycles slab_kb_after "$txt") kB after |
		| trinity syscalls on /dev/kbuf, as root and as a member of group kbuf (seeds in the raw results) | $(sed -n 's/^trinity as [a-z]*, seed [0-9]*, \([0-9]*\) syscalls.*/\1/p' "$txt" | awk '{ s += $1 } END { print s + 0 }') |
		| kmemleak reports after everything | $(field kmemleak leaks "$txt") (Linux 6.1's own kset_register() leak, left out: $(field kmemleak known_kernel_leaks "$txt")) |
		| kernel log lines with a BUG, WARNING, KASAN, UBSAN, lockdep or hung-task report | $(field dmesg problem_lines "$txt") |
		| wall time in the guest | $(field elapsed seconds "$txt") s |

		## Stress, per backend and map mode

		| Map mode | Backend | Ops | Ops/s | Divergences | Unexpected errnos | Seed |
		|---|---|---|---|---|---|---|
		EOF
		sed -n 's/^stress \([a-z]*\) \([a-z]*\) ops=\([0-9]*\) seconds=[^ ]* ops_per_sec=\([0-9.]*\) divergences=\([0-9]*\) unexpected_errnos=\([0-9]*\) failures=[0-9]* seed=\([0-9]*\)$/| \1 | \2 | \3 | \4 | \5 | \6 | \7 |/p' "$txt"
		cat <<-EOF

		## Where the stress's time goes

		All six runs together, by kind of operation: the time inside each
		call, waits for the stress's own locks left out (\`kbufctl stress\`
		measures it; one line per run and kind in soak.txt).

		| Operation | Calls | ms per call | Share of the time |
		|---|---|---|---|
		EOF
		optime_table "$txt"
		cat <<-EOF

		## Fault sweeps

		Each sweep makes the 1st, 2nd, ... allocation of one operation fail
		(/proc/thread-self/fail-nth) until the operation no longer reaches
		the N-th: so every allocation on the path fails once, kbuf's own and
		the kernel's on its behalf. "Absorbed" failures hit allocations the
		kernel can do without (a uevent, a sysfs link); the sweep checked
		that the buffer or module was then complete. The per-CPU counters'
		alloc_percpu() is served from chunks already populated, where no
		sweep's failure reaches: fail_function fails kbuf_stats_alloc(), its
		wrapper marked with ALLOW_ERROR_INJECTION, once per backend.

		| Operation | Allocations | ENOMEM | Absorbed |
		|---|---|---|---|
		EOF
		sed -n 's/^fault \(.*\) | allocations \([0-9]*\) enomem \([0-9]*\) ok \([0-9]*\)$/| \1 | \2 | \3 | \4 |/p' "$txt" |
			sed 's|/work/[^ ]*/kbuf.ko|kbuf.ko|'
		cat <<-EOF

		## Raw results

		\`\`\`
		$(grep -v '^optime ' "$txt")
		\`\`\`
		EOF
	} >"$md"
	echo "soak: wrote $md"
}

# ---- on the host --------------------------------------------------------

host_main() {
	local flavor=${KBUF_SOAK_KERNEL:-6.1-kasan} out=$KBUF_OUTROOT/soak tree rc
	[[ $flavor == 6.1-kasan ]] || out+=-$flavor
	kbuf_require_no_space
	kbuf_lock "$out/.soak.lock"
	bash "$KBUF_ROOT/tests/deps.sh"
	tree=$(bash "$KBUF_ROOT/tests/debug/build-kernel.sh" "$flavor")
	make -s -C "$KBUF_ROOT/user"
	make -s -C "$KBUF_ROOT/tests/helpers"
	kbuf_stage_driver "$out"
	make -s -C "$tree" M="$out/driver" modules >&2
	rm -f "$out/soak.txt"
	echo "soak: $SOAK_OPS stress ops per backend and map mode, $SOAK_CYCLES load cycles, in the debug kernel (QEMU; long)"
	KBUF_VMLINUZ=$tree/arch/x86/boot/bzImage KBUF_VM_SMP=2 \
		KBUF_APPEND="kbuftest.script=tests/soak.sh kbuftest.soak_ops=$SOAK_OPS kbuftest.soak_cycles=$SOAK_CYCLES kbuftest.trinity_ops=$SOAK_TRINITY" \
		bash "$KBUF_ROOT/tests/vm/boot.sh" debug "$out" script "${KBUF_SOAK_TIMEOUT:-43200}" || true
	[[ -s $out/soak.txt ]] || kbuf_die "the guest wrote no results ($out/script.txt)"
	[[ $flavor != 6.1-kasan ]] || write_md "$out/soak.txt"
	read -r rc <"$out/done" || rc=1
	((rc == 0)) || kbuf_die "the soak found problems: see $out/soak.txt"
}

if in_guest; then
	guest_main "$@"
else
	host_main "$@"
fi
