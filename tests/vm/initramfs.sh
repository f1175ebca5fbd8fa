#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Usage: tests/vm/initramfs.sh KVER OUTDIR
#
# Builds OUTDIR/initramfs.img for kernel KVER: a static busybox, the modules
# that mount 9p over virtio-pci (Debian builds them as modules), and
# tests/vm/initramfs-init.sh as /init. That init mounts the host's root file
# system read-only over 9p, the work tree read-write at its host path, and
# switch_roots into tests/guest/init.sh. The image is rebuilt only when one of
# its inputs changes (busybox, the module files, the init script, this script).
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Modules for the 9p root, in load order. virtio_pci is built in on 6.12
# (modprobe then prints "builtin"), a module on 6.1.
INITRAMFS_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

# Print the module files to load for KVER, dependencies first, each once.
module_paths() {
	local kver=$1 m
	# A kernel of our own (KBUF_VMLINUZ) has everything built in.
	[[ -z ${KBUF_VMLINUZ:-} ]] || return 0
	for m in "${INITRAMFS_MODULES[@]}"; do
		modprobe -S "$kver" --show-depends "$m" ||
			kbuf_die "modprobe -S $kver --show-depends $m failed"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

# A hash of everything the image is made of.
inputs_hash() {
	local init=$1
	shift
	sha256sum /bin/busybox "$init" "${BASH_SOURCE[0]}" "$@" |
		sha256sum | cut -d' ' -f1
}

# Copy (decompressing .ko.xz/.ko.zst) each module into $1/lib/modules and
# write their names in load order to $1/modules.order.
stage_modules() {
	local dir=$1 path name
	shift
	mkdir -p "$dir/lib/modules"
	: >"$dir/modules.order"
	for path in "$@"; do
		name=$(basename "$path")
		case $name in
		*.ko.xz) name=${name%.xz}; xz -dc "$path" >"$dir/lib/modules/$name" ;;
		*.ko.zst) name=${name%.zst}; zstd -qdc "$path" >"$dir/lib/modules/$name" ;;
		*.ko.gz) name=${name%.gz}; gzip -dc "$path" >"$dir/lib/modules/$name" ;;
		*) cp "$path" "$dir/lib/modules/$name" ;;
		esac
		printf '%s\n' "$name" >>"$dir/modules.order"
	done
}

# Lay out the image tree in $1. No device nodes are needed: /init mounts
# devtmpfs before it opens the console, so a non-root user can build it too.
stage_tree() {
	local dir=$1 init=$2
	shift 2
	mkdir -p "$dir"/{bin,dev,proc,sys,newroot,lower,upper}
	cp /bin/busybox "$dir/bin/busybox"
	cp "$init" "$dir/init"
	chmod 755 "$dir/init"
	stage_modules "$dir" "$@"
}

main() {
	local kver=${1:?usage: initramfs.sh KVER OUTDIR} out=${2:?OUTDIR}
	local init="$KBUF_ROOT/tests/vm/initramfs-init.sh" img="$out/initramfs.img"
	local -a mods
	local hash tmp applets

	# Not "busybox --list | grep -q": under pipefail, busybox killed by
	# SIGPIPE after grep's early exit failed this check now and then.
	applets=$(/bin/busybox --list 2>/dev/null) || applets=
	if ! grep -qx switch_root <<<"$applets"; then
		kbuf_die "no static /bin/busybox with switch_root (busybox-static)"
	fi
	mapfile -t mods < <(module_paths "$kver")
	hash=$(inputs_hash "$init" "${mods[@]}")
	if [[ -s $img && $(cat "$img.hash" 2>/dev/null) == "$hash" ]]; then
		return 0
	fi
	mkdir -p "$out"
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064 # expand $tmp now: it is local
	trap "rm -rf '$tmp'" EXIT
	stage_tree "$tmp/root" "$init" "${mods[@]}"
	(cd "$tmp/root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet --owner=0:0) | gzip -1 >"$img.$$"
	# rename: a concurrent boot reads either the old or the new image
	mv "$img.$$" "$img"
	printf '%s\n' "$hash" >"$img.hash"
	kbuf_log "initramfs: built $img (${#mods[@]} modules)"
}

main "$@"
