#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make lab: runs the lab book's experiments (docs/templates/lab.md) in the
# test-bed guest of Debian's default 6.1 kernel (KBUF_KERNELS="kver" picks
# another), without the test bed's debug arguments, and writes
# docs/lab.md: the source with each block's real output after it. The
# guest half is scripts/lab-guest.sh; tests/82-lab.bats runs the same
# blocks in every test guest and checks what each must show.
set -euo pipefail

# shellcheck source=../tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/vm/lib.sh"

# docs/lab.md from the outputs in $1/lab.
write_book() {
	local md=$KBUF_ROOT/docs/lab.md kernel
	read -r kernel <"$1/lab/kernel"
	{
		echo "<!-- Made by make lab from docs/templates/lab.md: edit that. -->"
		awk -v mode=book -v outdir="$1/lab" \
			-f "$KBUF_ROOT/scripts/lab-blocks.awk" \
			"$KBUF_ROOT/docs/templates/lab.md" |
			sed "s/@KERNEL@/$kernel/g"
	} >"$md.tmp"
	mv "$md.tmp" "$md"
	echo "lab: wrote $md"
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
	write_book "$out"
}

main "$@"
