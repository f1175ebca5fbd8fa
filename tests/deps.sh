#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Installs the Debian packages make check needs, and only those missing.
# As root: apt-get update (only when something is missing) and install.
# Otherwise: prints the one apt-get line to run and fails.
#
# Usage: tests/deps.sh [PACKAGE...]: with arguments, only those of the list
# below (.ci/run installs what the debug kernel's build needs first, so
# that the build runs while the rest downloads and unpacks).
set -euo pipefail

KBUF_PACKAGES=(
	# the test kernels and their headers (6.1 is Debian 12's default,
	# 6.12 the newest backport)
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	# the guests: QEMU, the initramfs, udev inside
	qemu-system-x86 busybox-static cpio xz-utils udev kmod util-linux procps
	# the suites
	bats bats-assert bats-support bats-file dkms python3 jq
	# make deb and its host test (tests/host/05-deb.bats)
	debhelper dh-dkms lintian man-db
	# 32-bit build of a C helper (compat_ioctl); ext4 on a loop device
	# for O_DIRECT into mappings; groupadd for the udev suite
	gcc-multilib e2fsprogs passwd
	# clients of the I/O path nobody here wrote: fio, io_uring's
	# library, tools that splice
	fio liburing-dev pv socat
	# groff -ww checks the man pages (85-kbufctl); strace injects errors
	# and traces kbufctl's calls (85-kbufctl), which skips without it
	groff-base strace
	# make check-debug: building the debug kernel from linux-source-6.1
	# (build-kernel.sh installs linux-source-6.12 itself when a 6.12
	# flavor is asked for: CI builds only 6.1's); trinity, the syscall
	# fuzzer of tests/92-trinity.bats
	bc bison flex libelf-dev libssl-dev trinity
	# the static gates and builds; linux-source-6.1 ships checkpatch.pl
	build-essential sparse shellcheck cppcheck clang-format linux-source-6.1
)

# Print the packages of KBUF_PACKAGES that are not installed.
# The packages of $@ (default: all of KBUF_PACKAGES) not installed yet.
missing_packages() {
	local p status
	for p in "${@:-${KBUF_PACKAGES[@]}}"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) ||
			status=
		[[ $status == installed ]] || printf '%s\n' "$p"
	done
}

main() {
	local -a missing
	local p
	for p in "$@"; do
		[[ " ${KBUF_PACKAGES[*]} " == *" $p "* ]] ||
			{ echo "deps: $p is not one of make check's packages" >&2 && return 2; }
	done
	mapfile -t missing < <(missing_packages "$@")
	((${#missing[@]} == 0)) && return 0
	if ((EUID != 0)); then
		echo "deps: missing packages; as root run:" >&2
		echo "apt-get install --no-install-recommends ${missing[*]}"
		return 1
	fi
	echo "deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
}

main "$@"
