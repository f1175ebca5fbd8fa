#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs on the host after the guests (tests/check.sh): `make dkms-uninstall`
# removes every file that 95-dkms-install.bats made DKMS add. It skips
# while the packages of 05-deb.bats are installed: they own kbuf in DKMS.

load deb

setup_file() {
	if kbuf_pkgs_anywhere; then
		kbuf_host_file_skip "the kbuf packages are installed and own kbuf in DKMS: 90-deb-purge.bats did not run or failed"
	fi
}

setup() {
	kbuf_host_skipped
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

# After 90-deb-purge.bats (kbuf-utils would keep every group): a group
# the manifest names stays once users have joined it (their membership
# would go with it), and goes otherwise.
@test "make uninstall keeps a group it made once users have joined it" {
	local root=$BATS_TEST_TMPDIR/root
	mkdir -p "$root/usr/local/share/kbuf"
	printf '%s\n' group:kbuf-keep-t group:kbuf-drop-t \
		>"$root/usr/local/share/kbuf/install-manifest"
	groupadd --system kbuf-keep-t
	groupadd --system kbuf-drop-t
	gpasswd -a nobody kbuf-keep-t >/dev/null
	run make -s uninstall DESTDIR="$root"
	getent group kbuf-keep-t kbuf-drop-t >"$BATS_TEST_TMPDIR/left" || true
	groupdel kbuf-keep-t 2>/dev/null || true
	groupdel kbuf-drop-t 2>/dev/null || true
	assert_success
	assert_output 'keeping group kbuf-keep-t: it has members'
	run cat "$BATS_TEST_TMPDIR/left"
	assert_output --regexp '^kbuf-keep-t:x:[0-9]+:nobody$'
}
