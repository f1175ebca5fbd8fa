#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs on the host after 95-dkms-install.bats (tests/check.sh): `make
# dkms-install` gave the source install the user side of `make
# install-user` too (tool, header, man pages, completion, udev rule, kbuf
# group). The last test removes that user side again with `make
# uninstall`, leaving the DKMS module alone for 99-dkms-uninstall.bats.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file
load '../helpers/install'

MANIFEST=/usr/local/share/kbuf/install-manifest

setup_file() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	KBUF_VERSION=$(make -s --no-print-directory version)
	export KBUF_VERSION
}

setup() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	[[ -f $MANIFEST ]] || skip "no $MANIFEST: make dkms-install (95-dkms-install.bats) did not run"
}

@test "make dkms-install installed kbufctl, header, man pages, completion and rule" {
	kbuf_assert_user_files
	run /usr/local/bin/kbufctl --version
	# The first line; the second is the loaded module's.
	assert_line --index 0 "kbufctl $KBUF_VERSION"
}

@test "make dkms-install made the kbuf system group" {
	kbuf_assert_system_group
}

@test "the manifest lists the user side once, though dkms-install ran for each kernel" {
	run grep -v '^group:' "$MANIFEST"
	assert_output "$(printf '%s\n' "${KBUF_USER_FILES[@]}" | sort)"
}

@test "make uninstall removes the user side and leaves the DKMS module" {
	local k made_group=
	# The group goes only if make made it (a group the admin made stays).
	! grep -qx group:kbuf "$MANIFEST" || made_group=1
	run make -s uninstall
	assert_success
	kbuf_assert_no_user_files
	assert_file_not_exists "$MANIFEST"
	if [[ -n $made_group ]]; then
		run getent group kbuf
		assert_failure
	fi
	k=${KBUF_TEST_KERNELS%% *}
	run compgen -G "/lib/modules/${k%%%*}/updates/dkms/kbuf.ko*"
	assert_success
}
