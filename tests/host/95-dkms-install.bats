#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs on the host after the guests and 90-deb-purge.bats (tests/check.sh):
# `make dkms-install`, the source install of the README, for the first
# test kernel. The packages of 05-deb.bats have already had DKMS build the
# module for every test kernel from the same dkms.conf and sources, and
# the guests loaded it (tests/81-dkms.bats): one more build here checks
# the source route without building every kernel twice. It skips while the
# packages are installed (they own kbuf in DKMS). 96-dkms-install-user.bats
# checks the user side and 99-dkms-uninstall.bats removes it all.
# KBUF_TEST_KERNELS lists the kernels.

load deb

setup_file() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	KBUF_VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
	# The first kernel, without its shard suffix (KVER%I/N).
	KBUF_KVER=${KBUF_TEST_KERNELS%% *}
	KBUF_KVER=${KBUF_KVER%%%*}
	export KBUF_VERSION KBUF_KVER
	if kbuf_pkgs_anywhere; then
		kbuf_host_file_skip "the kbuf packages are installed and own kbuf in DKMS: 90-deb-purge.bats did not run or failed"
	fi
}

setup() {
	kbuf_host_skipped
	cd "$BATS_TEST_DIRNAME/../.." || return 1
}

@test "dkms.conf names the package, its module and a kernel floor, and no deprecated key" {
	run grep -E '^(PACKAGE_NAME|BUILT_MODULE_NAME\[0\]|BUILT_MODULE_LOCATION\[0\]|AUTOINSTALL|BUILD_EXCLUSIVE_KERNEL_MIN)=' dkms.conf
	assert_line 'PACKAGE_NAME="kbuf"'
	assert_line 'BUILT_MODULE_NAME[0]="kbuf"'
	assert_line 'BUILT_MODULE_LOCATION[0]="driver/"'
	assert_line 'AUTOINSTALL="yes"'
	assert_line 'BUILD_EXCLUSIVE_KERNEL_MIN="5.17"'
	run grep -E '^(CLEAN|REMAKE_INITRD|MODULES_CONF)' dkms.conf
	assert_failure
}

# DKMS 3.0 (Debian 12) reads only the regular expression: it must say what
# the minimum says, 5.17 (virt_to_folio()) and later.
@test "dkms.conf's kernel pattern admits 5.17 and later and refuses older kernels" {
	local re v
	re=$(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$/\1/p' dkms.conf)
	[[ -n $re ]] || fail "no BUILD_EXCLUSIVE_KERNEL in dkms.conf"
	for v in 5.17.0 5.19.0-50-generic 6.1.0-57-amd64 6.12.118+deb12-amd64 10.0.0; do
		[[ $v =~ $re ]] || fail "$v is refused by $re"
	done
	for v in 4.19.0-27-amd64 5.4.0 5.10.0-30-amd64 5.15.0-91-generic 5.16.20; do
		[[ ! $v =~ $re ]] || fail "$v is admitted by $re"
	done
}

@test "make dkms-install builds and installs the module for the first test kernel" {
	run make -s dkms-install KVER="$KBUF_KVER"
	assert_success
	refute_output --partial deprecated
	# DKMS compresses like the kernel's own modules (6.12: .ko.xz).
	run compgen -G "/lib/modules/$KBUF_KVER/updates/dkms/kbuf.ko*"
	assert_success
}

@test "dkms status shows the version installed for that kernel" {
	run dkms status -m kbuf -v "$KBUF_VERSION" -k "$KBUF_KVER"
	# Debian's DKMS also prints readelf warnings about the kernel.
	assert_line "kbuf/$KBUF_VERSION, $KBUF_KVER, x86_64: installed"
}

@test "the DKMS-built module carries the version of dkms.conf" {
	run modinfo -k "$KBUF_KVER" -F version kbuf
	assert_output "$KBUF_VERSION"
}
