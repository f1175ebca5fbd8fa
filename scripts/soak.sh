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

# shellcheck source=../tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/vm/lib.sh"
# shellcheck source=../tests/helpers/fault.bash
. "$(dirname "${BASH_SOURCE[0]}")/../tests/helpers/fault.bash"

SOAK_OPS=${KBUF_SOAK_OPS:-1000000}
SOAK_CYCLES=${KBUF_SOAK_CYCLES:-100}
SOAK_TRINITY=${KBUF_SOAK_TRINITY:-500000}

# ---- in the guest -------------------------------------------------------

in_guest() {
	[[ -r /proc/cmdline && $(</proc/cmdline) == *kbuftest.script=scripts/soak.sh* ]]
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

# The sum of the numbers that sed script $1 picks from soak.txt $2.
soak_sum() {
	sed -n "$1" "$2" | awk '{ s += $1 } END { print s + 0 }'
}

# The stress's figures, a NAME value line each, from soak.txt $1: its ops,
# its mean rate, the hours the default stress takes at that rate, and the
# hours of the whole default soak: this one, with its stress scaled up to
# 1000000 ops per backend and map mode.
soak_figures_stress() {
	local txt=$1 stress_s elapsed
	echo "STRESS_OPS $(soak_sum 's/^stress .* ops=\([0-9]*\) .*/\1/p' "$txt")"
	stress_s=$(soak_sum 's/^stress .* seconds=\([0-9.]*\) ops_per_sec=.*/\1/p' "$txt")
	elapsed=$(field elapsed seconds "$txt")
	awk -v e="${elapsed:-0}" -v s="$stress_s" -v o="$SOAK_OPS" \
		'BEGIN { printf "WHOLE_HOURS %.1f\n", (e + s * (1e6 / o - 1)) / 3600 }'
	sed -n 's/^stress .* ops_per_sec=\([0-9.]*\) .*/\1/p' "$txt" |
		awk '{ s += $1; n++ } END {
			r = n ? s / n : 0
			printf "RATE %d\nSTRESS_HOURS %.1f\n", r, r ? 6e6 / r / 3600 : 0 }'
}

# The fault sweeps' totals, a NAME value line each, from soak.txt $1.
soak_figures_faults() {
	sed -n 's/^fault .*| allocations \([0-9]*\) enomem \([0-9]*\) ok \([0-9]*\)$/\1 \2 \3/p' "$1" |
		awk '{ n++; a += $1; e += $2; o += $3 } END {
			print "SWEEPS", n + 0; print "FAULT_ALLOCS", a + 0
			print "FAULT_ENOMEM", e + 0; print "FAULT_OK", o + 0 }'
}

# The figures soak.txt $1 holds as they are, a NAME value line each (from
# the line and the field named beside NAME below), and the trinity runs'
# syscalls summed.
soak_figures_fields() {
	local name line key
	while read -r name line key; do
		echo "$name $(field "$line" "$key" "$1")"
	done <<-EOF
	PERCPU_SWEEPS_BEFORE percpu faults_before
	PERCPU_SWEEPS_AFTER percpu faults_after
	PERCPU_CYCLES_BEFORE cycles percpu_before
	PERCPU_CYCLES_AFTER cycles percpu_after
	BAD_INPUTS badinputs rows
	CYCLES_DONE cycles n
	VMALLOC_BEFORE cycles vmallocinfo_before
	VMALLOC_AFTER cycles vmallocinfo_after
	KBUF_VMALLOC_AFTER cycles kbuf_vmalloc_after
	SLAB_BEFORE cycles slab_kb_before
	SLAB_AFTER cycles slab_kb_after
	LEAKS kmemleak leaks
	KNOWN_LEAKS kmemleak known_kernel_leaks
	DMESG_PROBLEMS dmesg problem_lines
	ELAPSED elapsed seconds
	EOF
	echo "TRINITY_SYSCALLS $(soak_sum 's/^trinity as [a-z]*, seed [0-9]*, \([0-9]*\) syscalls.*/\1/p' "$1")"
}

# The tables of docs/templates/reliability.md, from soak.txt $SOAK_TXT.
soak_table_stress() {
	sed -n 's/^stress \([a-z]*\) \([a-z]*\) ops=\([0-9]*\) seconds=[^ ]* ops_per_sec=\([0-9.]*\) divergences=\([0-9]*\) unexpected_errnos=\([0-9]*\) failures=[0-9]* seed=\([0-9]*\)$/| \1 | \2 | \3 | \4 | \5 | \6 | \7 |/p' "$SOAK_TXT"
}

soak_table_optime() {
	optime_table "$SOAK_TXT"
}

soak_table_faults() {
	sed -n 's/^fault \(.*\) | allocations \([0-9]*\) enomem \([0-9]*\) ok \([0-9]*\)$/| \1 | \2 | \3 | \4 |/p' "$SOAK_TXT" |
		sed 's|/work/[^ ]*/kbuf.ko|kbuf.ko|'
}

# soak.txt without its optime lines (the table above sums them), its
# trailing empty lines dropped.
soak_table_raw() {
	printf '%s\n' "$(grep -v '^optime ' "$SOAK_TXT" || true)"
}

# docs/reliability.md from its template and the soak's results in $1.
# shellcheck disable=SC2034 # vars is read by kbuf_render_template
write_md() {
	local md=$KBUF_ROOT/docs/reliability.md name value
	local -A vars=([OPS]=$SOAK_OPS [CYCLES]=$SOAK_CYCLES)
	SOAK_TXT=$1
	vars[ARGS]=$(boot_args "$1")
	while read -r name value; do
		vars[$name]=$value
	done < <(soak_figures_stress "$1"
		soak_figures_faults "$1"
		soak_figures_fields "$1")
	kbuf_render_template "$KBUF_ROOT/docs/templates/reliability.md" \
		soak_table_ vars >"$md.tmp"
	mv "$md.tmp" "$md"
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
		KBUF_APPEND="kbuftest.script=scripts/soak.sh kbuftest.soak_ops=$SOAK_OPS kbuftest.soak_cycles=$SOAK_CYCLES kbuftest.trinity_ops=$SOAK_TRINITY" \
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
