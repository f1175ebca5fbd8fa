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
# Fails if any of it found a problem. This is the host half: the guest runs
# scripts/soak-guest.sh, given the sizes above on its kernel command line.
set -euo pipefail

# shellcheck source=../tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/vm/lib.sh"

SOAK_OPS=${KBUF_SOAK_OPS:-1000000}
SOAK_CYCLES=${KBUF_SOAK_CYCLES:-100}
SOAK_TRINITY=${KBUF_SOAK_TRINITY:-500000}

# ---- docs/reliability.md from what the guest half wrote --------------

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

# The guest's boot arguments: soak.txt's "cmdline" line, or else the kernel
# log the soak saved beside it (soaks before that line was recorded).
boot_args() {
	local txt=$1 args
	args=$(sed -n 's/^cmdline //p' "$txt")
	[[ -n $args || ! -r ${txt%/*}/soak-dmesg.txt ]] ||
		args=$(sed -n 's/.*Kernel command line: //p' "${txt%/*}/soak-dmesg.txt" |
			head -n 1 | kbuf_args_line)
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

main() {
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
		KBUF_APPEND="kbuftest.script=scripts/soak-guest.sh kbuftest.soak_ops=$SOAK_OPS kbuftest.soak_cycles=$SOAK_CYCLES kbuftest.trinity_ops=$SOAK_TRINITY" \
		bash "$KBUF_ROOT/tests/vm/boot.sh" debug "$out" script "${KBUF_SOAK_TIMEOUT:-43200}" || true
	[[ -s $out/soak.txt ]] || kbuf_die "the guest wrote no results ($out/script.txt)"
	[[ $flavor != 6.1-kasan ]] || write_md "$out/soak.txt"
	read -r rc <"$out/done" || rc=1
	((rc == 0)) || kbuf_die "the soak found problems: see $out/soak.txt"
}

main "$@"
