#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Builds, once, the debug guest kernel: Debian's linux-source-6.1 from
# `make tinyconfig` plus tests/debug/kernel.config (KASAN, kmemleak,
# lockdep, fault injection, ...). The tree is cached outside the work tree,
# keyed by the source package's version and the fragment's hash, so later
# runs only rebuild the module against it. About 12 minutes on 2 cores.
#
# Prints the path of the built tree (bzImage at arch/x86/boot/bzImage; build
# kbuf with make -C TREE M=...).
#
# Environment: KBUF_CACHE (default /var/cache/kbuf).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment=$here/kernel.config
tarball=/usr/src/linux-source-6.1.tar.xz

log() {
	printf 'debug-kernel: %s\n' "$*" >&2
}

cache_key() {
	local ver hash
	ver=$(dpkg-query -W -f '${Version}' linux-source-6.1)
	hash=$(sha256sum "$fragment" | cut -c1-12)
	printf '%s-%s\n' "$ver" "$hash"
}

extract() {
	local dir=$1
	log "extracting $tarball into $dir"
	mkdir -p "$dir.tmp"
	tar -xJf "$tarball" -C "$dir.tmp" --strip-components=1
	mv "$dir.tmp" "$dir"
}

configure() {
	local tree=$1
	make -s -C "$tree" tinyconfig
	"$tree/scripts/kconfig/merge_config.sh" -m -O "$tree" \
		"$tree/.config" "$fragment" >/dev/null
	make -s -C "$tree" olddefconfig
	# merge_config only warns when a symbol did not stick: fail instead,
	# a debug kernel without KASAN would prove nothing.
	local line
	while read -r line; do
		[[ $line == CONFIG_*=* ]] || continue
		grep -qx "$line" "$tree/.config" ||
			{ log "fragment line not in .config: $line"; return 1; }
	done <"$fragment"
}

main() {
	local cache=${KBUF_CACHE:-/var/cache/kbuf} key tree start
	key=$(cache_key)
	tree=$cache/debug-kernel/linux-$key
	if [[ -f $tree/.kbuf-built ]]; then
		printf '%s\n' "$tree"
		return
	fi
	start=$(date +%s)
	rm -rf "$tree" "$tree.tmp"
	# Only the tree's path goes to stdout: the callers capture it.
	extract "$tree" >&2
	configure "$tree" >&2
	log "building bzImage and modules_prepare (make -j$(nproc))"
	make -s -C "$tree" -j"$(nproc)" bzImage >&2
	make -s -C "$tree" -j"$(nproc)" modules_prepare >&2
	touch "$tree/.kbuf-built"
	log "built in $(($(date +%s) - start)) s: $tree"
	printf '%s\n' "$tree"
}

main "$@"
