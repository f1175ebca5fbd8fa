#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# The module that DKMS built and installed on the host before this guest
# booted (tests/host/10-dkms-install.bats) loads with modprobe from
# updates/dkms and shows its version and parameter descriptions.

load 'helpers/common'

setup_file() {
	kbuf_dmesg_mark file
	# DKMS compresses like the kernel's own modules (6.12: .ko.xz).
	KBUF_DKMS_KO=$(compgen -G "/lib/modules/$(uname -r)/updates/dkms/kbuf.ko*" ||
		true)
	export KBUF_DKMS_KO
	if [[ -z $KBUF_DKMS_KO ]]; then
		kbuf_file_skip "no DKMS build for $(uname -r): the host step did not run (or this is the debug kernel, which has no headers package)"
		return 0
	fi
	KBUF_VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' \
		"$BATS_TEST_DIRNAME/../dkms.conf")
	export KBUF_VERSION
}

teardown_file() {
	kbuf_file_teardown
}

@test "modinfo finds kbuf in updates/dkms with the version of dkms.conf" {
	run modinfo -n kbuf
	assert_output "$KBUF_DKMS_KO"
	run modinfo -F version kbuf
	assert_output "$KBUF_VERSION"
}

@test "modinfo shows a description with default and limit for every parameter" {
	run modinfo -F parm kbuf
	assert_line --regexp '^kmalloc_size:.*default 65536, limit 1\.\.4194304'
	assert_line --regexp '^pages_order:.*default 4, limit 10'
	assert_line --regexp '^vmalloc_size:.*default 1048576, limit 1\.\.1073741824'
	assert_line --regexp '^map_mode:.*page.*pfn'
}

@test "modprobe kbuf loads the DKMS-built module and its nodes appear" {
	run modprobe kbuf vmalloc_size=8192
	assert_success
	kbuf_settle
	kbuf_wait_for /dev/kbuf/vmalloc
	run cat /sys/module/kbuf/version
	assert_output "$KBUF_VERSION"
	run cat /sys/class/kbuf/vmalloc/capacity
	assert_output 8192
	run modprobe -r kbuf
	assert_success
	kbuf_wait_gone /dev/kbuf
}

@test "dkms status in the guest agrees that the running kernel has kbuf installed" {
	run dkms status -m kbuf -k "$(uname -r)"
	assert_line "kbuf/$KBUF_VERSION, $(uname -r), x86_64: installed"
}
