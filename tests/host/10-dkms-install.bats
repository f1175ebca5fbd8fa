#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs on the host before the guests boot (tests/check.sh): `make
# dkms-install` for every test kernel. The guests then load the DKMS-built
# module (tests/81-dkms.bats) and 99-dkms-uninstall.bats removes it again.
# KBUF_TEST_KERNELS lists the kernels.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

setup_file() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	KBUF_VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
	export KBUF_VERSION
}

setup() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
}

@test "dkms.conf names the package, its module and a kernel floor, and no deprecated key" {
	run grep -E '^(PACKAGE_NAME|BUILT_MODULE_NAME\[0\]|BUILT_MODULE_LOCATION\[0\]|AUTOINSTALL|BUILD_EXCLUSIVE_KERNEL_MIN)=' dkms.conf
	assert_line 'PACKAGE_NAME="kbuf"'
	assert_line 'BUILT_MODULE_NAME[0]="kbuf"'
	assert_line 'BUILT_MODULE_LOCATION[0]="driver/"'
	assert_line 'AUTOINSTALL="yes"'
	assert_line 'BUILD_EXCLUSIVE_KERNEL_MIN="5.10"'
	run grep -E '^(CLEAN|REMAKE_INITRD|MODULES_CONF)' dkms.conf
	assert_failure
}

@test "make dkms-install builds and installs the module for every test kernel" {
	local k
	for k in $KBUF_TEST_KERNELS; do
		run make -s dkms-install KVER="$k"
		assert_success
		refute_output --partial deprecated
		# DKMS compresses like the kernel's own modules (6.12: .ko.xz).
		run compgen -G "/lib/modules/$k/updates/dkms/kbuf.ko*"
		assert_success
	done
}

@test "dkms status shows the version installed for every test kernel" {
	local k
	for k in $KBUF_TEST_KERNELS; do
		run dkms status -m kbuf -v "$KBUF_VERSION" -k "$k"
		# Debian's DKMS also prints readelf warnings about the kernel.
		assert_line "kbuf/$KBUF_VERSION, $k, x86_64: installed"
	done
}

@test "the DKMS-built module carries the version of dkms.conf" {
	local k
	for k in $KBUF_TEST_KERNELS; do
		run modinfo -k "$k" -F version kbuf
		assert_output "$KBUF_VERSION"
	done
}
