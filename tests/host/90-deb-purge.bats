#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs on the host after the guests (tests/check.sh): `apt-get purge` of the
# packages 05-deb.bats installed, and left installed for the guests'
# tests/81-dkms.bats, leaves nothing behind but the kbuf group, which Debian
# keeps. Then the host is as 05-deb.bats found it: teardown_file deletes
# the group if the host had none before (05-deb.bats noted it), and purges
# whatever a failed test left.

load deb

setup_file() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	kbuf_deb_paths
	kbuf_test_kvers
	if ! kbuf_pkgs_anywhere; then
		kbuf_host_file_skip "kbuf-dkms and kbuf-utils are not installed: 05-deb.bats did not run (or skipped)"
	fi
}

teardown_file() {
	[[ -f $KBUF_GROUP_NOTE ]] || return 0
	kbuf_pkgs_purge
	if [[ $(<"$KBUF_GROUP_NOTE") == no ]] && getent group kbuf >/dev/null; then
		groupdel kbuf
	fi
	rm -f "$KBUF_GROUP_NOTE"
}

setup() {
	kbuf_host_skipped
	cd "$BATS_TEST_DIRNAME/../.." || return 1
}

@test "apt-get purge leaves no package, no DKMS entry, no sources, no module and no rule" {
	local k
	run kbuf_apt purge kbuf-dkms kbuf-utils
	assert_success
	run dpkg-query -W kbuf-dkms kbuf-utils
	assert_failure
	run dkms status -m kbuf
	refute_output --partial kbuf/
	assert_dir_not_exists /var/lib/dkms/kbuf
	run compgen -G '/usr/src/kbuf-*'
	assert_failure
	for k in $KBUF_KVERS; do
		run compgen -G "/lib/modules/$k/updates/dkms/kbuf.ko*"
		assert_failure
		run modinfo -k "$k" kbuf
		assert_failure
	done
	assert_file_not_exists /usr/lib/udev/rules.d/60-kbuf.rules
	assert_file_not_exists /usr/bin/kbufctl
	assert_file_not_exists /usr/include/linux/kbuf.h
	assert_file_not_exists /usr/share/man/man1/kbufctl.1.gz
	assert_file_not_exists /usr/share/man/man4/kbuf.4.gz
	assert_file_not_exists /usr/share/bash-completion/completions/kbufctl
	assert_dir_not_exists /usr/share/doc/kbuf-utils
	assert_dir_not_exists /usr/share/doc/kbuf-dkms
}

@test "the kbuf group outlives the purge, as Debian keeps a package's system group" {
	run getent group kbuf
	assert_success
}
