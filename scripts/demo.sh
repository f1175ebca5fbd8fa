#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make demo: shows the driver working. On a machine whose kernel can load
# modules (and has its headers), builds kbuf and runs scripts/demo-guest.sh
# right here (as root). Otherwise builds kbuf for Debian's default 6.1
# kernel and runs the same script inside the test-bed guest, printing its
# output live. KBUF_KERNELS="kver" picks another installed kernel for that.
set -euo pipefail

# shellcheck source=../tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/vm/lib.sh"

# make -C DIR when DIR has a Makefile (user space, test helpers).
build_user() {
	local d
	for d in user tests/helpers; do
		[[ -f $KBUF_ROOT/$d/Makefile ]] && make -s -C "$KBUF_ROOT/$d"
	done
	return 0
}

# Build kbuf.ko for KVER in OUT/driver; print its path.
build_module() {
	local kver=$1 out=$2
	kbuf_stage_driver "$out"
	if ! make -C "/lib/modules/$kver/build" M="$out/driver" modules \
		>"$out/build.log" 2>&1; then
		cat "$out/build.log" >&2
		kbuf_die "module build for $kver failed"
	fi
	printf '%s\n' "$out/driver/kbuf.ko"
}

demo_here() {
	local kver ko
	kver=$(uname -r)
	ko=$(build_module "$kver" "$KBUF_OUTROOT/host-$kver")
	if ((EUID != 0)); then
		echo "demo: loading a module needs root; run:"
		echo "  sudo KBUF_KO=$ko bash $KBUF_ROOT/scripts/demo-guest.sh"
		return 1
	fi
	KBUF_KO=$ko bash "$KBUF_ROOT/scripts/demo-guest.sh" "$ko"
}

demo_in_guest() {
	local kver out
	kver=$(kbuf_kernels | sed -n 1p)
	[[ -n $kver ]] || kbuf_die "no test kernel installed (bash tests/deps.sh)"
	out=$KBUF_OUTROOT/demo-$kver
	kbuf_lock "$out/.demo.lock"
	echo "demo: this kernel cannot load modules; running in a $kver guest" \
		"(QEMU, about a minute)"
	build_module "$kver" "$out" >/dev/null
	bash "$KBUF_ROOT/tests/vm/boot.sh" "$kver" "$out" demo 600
	read -r rc <"$out/done"
	return "$rc"
}

main() {
	kbuf_require_no_space
	bash "$KBUF_ROOT/tests/deps.sh"
	build_user
	if [[ -e /proc/modules && -d /lib/modules/$(uname -r)/build ]]; then
		demo_here
	else
		demo_in_guest
	fi
}

main "$@"
