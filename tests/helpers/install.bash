# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# What `make install-user` puts on the system with the default PREFIX, for
# the guest's `make install` test (84-install.bats) and the host's `make
# dkms-install` one (host/96-dkms-install-user.bats): one list, so that the
# two cannot drift apart.

# kbufctl first: it must be executable, the others exist.
KBUF_USER_FILES=(
	/usr/local/bin/kbufctl
	/usr/local/include/linux/kbuf.h
	/usr/local/share/man/man1/kbufctl.1
	/usr/local/share/man/man4/kbuf.4
	/usr/local/share/bash-completion/completions/kbufctl
	/etc/udev/rules.d/60-kbuf.rules
)

kbuf_assert_user_files() {
	local f
	assert_file_executable "${KBUF_USER_FILES[0]}"
	for f in "${KBUF_USER_FILES[@]:1}"; do
		assert_file_exists "$f"
	done
}

kbuf_assert_no_user_files() {
	local f
	for f in "${KBUF_USER_FILES[@]}"; do
		assert_file_not_exists "$f"
	done
}

# Group kbuf exists and is a system group: its id is below GID_MIN.
kbuf_assert_system_group() {
	local gid min
	gid=$(getent group kbuf | cut -d: -f3)
	[[ -n $gid ]] || fail "there is no group kbuf"
	min=$(awk '$1 == "GID_MIN" { print $2 }' /etc/login.defs)
	((gid < min)) || fail "group kbuf has id $gid, not below GID_MIN $min"
}
