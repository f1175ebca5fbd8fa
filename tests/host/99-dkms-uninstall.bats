#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs on the host after the guests (tests/check.sh): `make dkms-uninstall`
# removes every file that 10-dkms-install.bats made DKMS add.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

setup() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	KBUF_VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
}

@test "make dkms-uninstall removes the module, the DKMS tree and the sources" {
	local k
	run make -s dkms-uninstall
	assert_success
	for k in $KBUF_TEST_KERNELS; do
		run compgen -G "/lib/modules/$k/updates/dkms/kbuf.ko*"
		assert_failure
	done
	assert_dir_not_exists "/var/lib/dkms/kbuf"
	assert_dir_not_exists "/usr/src/kbuf-$KBUF_VERSION"
	run dkms status -m kbuf
	refute_output --partial kbuf/
}
