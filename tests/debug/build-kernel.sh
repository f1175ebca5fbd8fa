#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Usage: tests/debug/build-kernel.sh [FLAVOR]
#
# Builds, once, a debug guest kernel: Debian's linux-source-VERSION from
# `make tinyconfig` plus the fragments of tests/debug/config/ that FLAVOR
# (VERSION-CHECKER) names: common.config, CHECKER.config, then VERSION.config
# and FLAVOR.config where they exist. The flavors:
#
#   6.1-kasan   (the default) KASAN, kmemleak, lockdep, UBSAN, fault
#               injection, per-CPU counts, gcov; about 12 minutes on 2 cores
#   6.12-kasan  the same on linux-source-6.12, with KFENCE
#   6.12-kcsan  KCSAN (default reporting), lockdep, DEBUG_ATOMIC_SLEEP
#
# linux-source-6.12 is installed with apt-get when a 6.12 flavor is asked
# for (as root; tests/deps.sh installs only 6.1's, for CI).
#
# The tree is cached outside the work tree, keyed by the source package's
# version and the hash of the fragments, so later runs only rebuild the
# module against it. A tree whose configuration turns out identical to one
# already built under another key (a fragment moved or reworded) is not
# built again: the new key becomes a link to the old tree. An interrupted
# build (Ctrl-C, kill) continues where it stopped on the next run; a lock
# beside the tree keeps two runs from building the same key at once.
#
# Prints the path of the built tree (bzImage at arch/x86/boot/bzImage; build
# kbuf with make -C TREE M=...).
#
# Environment: KBUF_CACHE (default /var/cache/kbuf); KBUF_DEBUG_MODULES=1
# also builds, once, the tree's modules (vivid and what it needs, which the
# fragments make modules, and the few options tinyconfig leaves as modules)
# and installs them under TREE/kbuf-modules, for the guests' /lib/modules
# (tests/guest/init.sh). Only the runs that load them ask: they cost a few
# minutes that CI's subset does not need.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KBUF_DEBUG_FLAVORS="6.1-kasan 6.12-kasan 6.12-kcsan"

log() {
	printf 'debug-kernel: %s\n' "$*" >&2
}

die() {
	log "error: $*"
	exit 1
}

# The fragments of flavor $1, in merge order.
fragments() {
	local flavor=$1 f
	for f in common "${flavor#*-}" "${flavor%%-*}" "$flavor"; do
		[[ -f $here/config/$f.config ]] && echo "$here/config/$f.config"
	done
	return 0
}

source_package() {
	echo "linux-source-${1%%-*}"
}

# Install flavor $1's source package if it is missing: only 6.1's is in
# tests/deps.sh, so that CI downloads no other.
ensure_source() {
	local pkg status
	pkg=$(source_package "$1")
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null) || status=
	[[ $status == installed ]] && return 0
	((EUID == 0)) || die "$1 needs $pkg; as root run: apt-get install --no-install-recommends $pkg"
	log "installing $pkg"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$pkg" >&2 ||
		{ apt-get update -q >&2 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$pkg" >&2; }
}

# The source version with '~' (6.12.118-1~deb12u1) made safe for a path.
source_version() {
	local ver
	ver=$(dpkg-query -W -f '${Version}' "$(source_package "$1")")
	echo "${ver//\~/_}"
}

cache_key() {
	local flavor=$1 hash
	local -a frags
	mapfile -t frags < <(fragments "$flavor")
	hash=$(cat "${frags[@]}" | sha256sum | cut -c1-12)
	printf '%s-%s\n' "$(source_version "$flavor")" "$hash"
}

extract() {
	local dir=$1 tarball=$2
	log "extracting $tarball into $dir"
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -xJf "$tarball" -C "$dir.tmp" --strip-components=1
	mv "$dir.tmp" "$dir"
}

# Fail if a line of the fragments did not stick: merge_config only warns,
# and a debug kernel without KASAN would prove nothing. A symbol set in
# several fragments counts as the last one sets it.
verify_config() {
	local tree=$1 line sym
	shift
	while read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qx "$line" "$tree/.config" && continue ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			! grep -q "^$sym=" "$tree/.config" && continue ;;
		*) continue ;;
		esac
		log "fragment line not in .config: $line"
		return 1
	done < <(cat "$@")
}

configure() {
	local tree=$1
	shift
	make -s -C "$tree" tinyconfig
	"$tree/scripts/kconfig/merge_config.sh" -m -O "$tree" \
		"$tree/.config" "$@" >/dev/null
	make -s -C "$tree" olddefconfig
	verify_config "$tree" "$@"
}

# If a tree already built from the same source has the same .config as
# $1, replace $1 with a link to it and succeed.
adopt_twin() {
	local tree=$1 ver=$2 d
	for d in "${tree%/*}/linux-$ver"-*; do
		[[ -d $d && ! -L $d && $d != "$tree" && -f $d/.kbuf-built ]] || continue
		cmp -s "$d/.config" "$tree/.config" || continue
		log "same configuration as $d: linked, not built again"
		rm -rf "$tree"
		ln -s "${d##*/}" "$tree"
		return 0
	done
	return 1
}

# Take the build lock of tree $1 (a file beside it) for this process.
lock_tree() {
	local fd
	# A tree adopted as a twin is a link: lock the tree it names.
	exec {fd}>"$(readlink -f "$1").lock"
	flock -n "$fd" && return 0
	log "waiting for another build of $1"
	flock "$fd"
}

build() {
	local flavor=$1 tree=$2 ver=$3 start
	local -a frags
	mapfile -t frags < <(fragments "$flavor")
	start=$(date +%s)
	[[ -d $tree ]] ||
		extract "$tree" "/usr/src/$(source_package "$flavor").tar.xz"
	if [[ ! -f $tree/.kbuf-configured ]]; then
		configure "$tree" "${frags[@]}"
		touch "$tree/.kbuf-configured"
		adopt_twin "$tree" "$ver" && return 0
	else
		log "resuming the build in $tree"
	fi
	log "building $flavor: bzImage and modules_prepare (make -j$(nproc))"
	make -s -C "$tree" -j"$(nproc)" bzImage
	make -s -C "$tree" -j"$(nproc)" modules_prepare
	# What vmlinux exports, for modpost's checks of kbuf: make modules
	# would write it, and 6.12's modpost fails without it where 6.1's
	# only warned.
	cp "$tree/vmlinux.symvers" "$tree/Module.symvers"
	touch "$tree/.kbuf-built"
	log "built $flavor in $(($(date +%s) - start)) s: $tree"
}

# Build and install the modules of tree $1 once (see above). make modules
# rewrites Module.symvers, which kbuf's build reads: it is put back as
# build() left it (kbuf needs only vmlinux's symbols); after an interrupted
# run, the next one that asks for the modules does it.
build_modules() {
	local tree=$1 start
	[[ -f $tree/.kbuf-modules-built ]] && return 0
	start=$(date +%s)
	log "building the modules of $tree (make -j$(nproc))"
	make -s -C "$tree" -j"$(nproc)" modules
	rm -rf "$tree/kbuf-modules"
	make -s -C "$tree" INSTALL_MOD_PATH="$tree/kbuf-modules" \
		INSTALL_MOD_STRIP=1 modules_install
	cp "$tree/vmlinux.symvers" "$tree/Module.symvers"
	touch "$tree/.kbuf-modules-built"
	log "built the modules in $(($(date +%s) - start)) s"
}

main() {
	local flavor=${1:-6.1-kasan} cache=${KBUF_CACHE:-/var/cache/kbuf}
	local key tree modules
	[[ " $KBUF_DEBUG_FLAVORS " == *" $flavor "* ]] ||
		die "unknown flavor '$flavor' (known: $KBUF_DEBUG_FLAVORS)"
	ensure_source "$flavor"
	key=$(cache_key "$flavor")
	tree=$cache/debug-kernel/linux-$key
	mkdir -p "${tree%/*}"
	modules=${KBUF_DEBUG_MODULES:-0}
	[[ $modules == 1 && ! -f $tree/.kbuf-modules-built ]] || modules=0
	if [[ ! -f $tree/.kbuf-built ]] || ((modules)); then
		lock_tree "$tree"
		# Only the tree's path goes to stdout: the callers capture it.
		[[ -f $tree/.kbuf-built ]] ||
			build "$flavor" "$tree" "$(source_version "$flavor")" >&2
		((!modules)) || build_modules "$tree" >&2
	fi
	printf '%s\n' "$tree"
}

main "$@"
