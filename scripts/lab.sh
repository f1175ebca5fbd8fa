#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make lab: runs the lab book's experiments (docs/templates/lab.md) in the
# test-bed guest of Debian's default 6.1 kernel (KBUF_KERNELS="kver" picks
# another), without the test bed's debug arguments, then its blocks fenced
# ```sh debug in a guest of the debug kernel of make check-debug (6.1-kasan,
# built by tests/debug/build-kernel.sh if it is not cached: about 12
# minutes), and writes docs/lab.md: the source with each block's real
# output after it. The guest half is scripts/lab-guest.sh;
# tests/82-lab.bats runs the same blocks in every test guest, and
# tests/99-lab-debug.bats the debug block in the debug kernel's, and they
# check what each must show.
set -euo pipefail

# shellcheck source=../tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/vm/lib.sh"

# docs/lab.md from the outputs in $1/lab, those of the debug blocks in
# $2/lab.
write_book() {
	local md=$KBUF_ROOT/docs/lab.md kernel debug_kernel
	read -r kernel <"$1/lab/kernel"
	read -r debug_kernel <"$2/lab/kernel"
	cp "$2"/lab/*-*.txt "$1/lab/"
	{
		echo "<!-- Made by make lab from docs/templates/lab.md: edit that. -->"
		awk -v mode=book -v outdir="$1/lab" \
			-f "$KBUF_ROOT/scripts/lab-blocks.awk" \
			"$KBUF_ROOT/docs/templates/lab.md" |
			sed -e "s/@KERNEL@/$kernel/g" -e "s/@DEBUG_KERNEL@/$debug_kernel/g"
	} >"$md.tmp"
	mv "$md.tmp" "$md"
	echo "lab: wrote $md"
}

# The debug blocks in a guest of the debug kernel, results in $1: kbuf and
# tests/debug/lab-atomic built against its tree, booted as make
# check-debug boots it but without the test bed's debug arguments.
run_debug() {
	local out=$1 tree rc
	tree=$(bash "$KBUF_ROOT/tests/debug/build-kernel.sh" 6.1-kasan) ||
		kbuf_die "the debug kernel did not build"
	kbuf_lock "$out/.lab.lock"
	kbuf_stage_driver "$out"
	make -s -C "$tree" M="$out/driver" modules >&2
	kbuf_build_lab_atomic "$tree" "$out" >&2
	rm -rf "$out/lab"
	echo "lab: running the debug blocks in a guest of the debug kernel (QEMU, a few minutes)"
	KBUF_VMLINUZ=$tree/arch/x86/boot/bzImage KBUF_DEBUG_ARGS="" \
		KBUF_APPEND="kbuftest.script=scripts/lab-guest.sh kbuftest.lab=debug" \
		bash "$KBUF_ROOT/tests/vm/boot.sh" debug "$out" script 1800
	read -r rc <"$out/done" || rc=1
	((rc == 0)) || kbuf_die "a debug experiment failed ($out/script.txt)"
}

main() {
	local kver out rc
	kbuf_require_no_space
	kver=$(kbuf_kernels | sed -n 1p)
	[[ -n $kver ]] || kbuf_die "no test kernel installed (bash tests/deps.sh)"
	out=$KBUF_OUTROOT/lab-$kver
	kbuf_lock "$out/.lab.lock"
	kbuf_build_for_guest "$kver" "$out"
	rm -rf "$out/lab"
	echo "lab: running the experiments in a $kver guest (QEMU, a few minutes)"
	KBUF_DEBUG_ARGS="" KBUF_APPEND="kbuftest.script=scripts/lab-guest.sh" \
		bash "$KBUF_ROOT/tests/vm/boot.sh" "$kver" "$out" script 1200
	read -r rc <"$out/done" || rc=1
	((rc == 0)) || kbuf_die "an experiment failed ($out/script.txt)"
	run_debug "$KBUF_OUTROOT/lab-debug"
	write_book "$out" "$KBUF_OUTROOT/lab-debug"
}

main "$@"
