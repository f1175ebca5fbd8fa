#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# A real make install and make uninstall, as root on a running system:
# the guest's /etc, /usr/local and /lib/modules are throw-away overlays.
# The host built the tree for this kernel ($KBUF_OUT/install-tree, see
# stage_install_tree in tests/check.sh), so nothing compiles here.
#
# So that what is checked is what make install put in place, the file hides
# what the harness and DKMS installed before it: the rule copied to
# /run/udev/rules.d (which would override /etc's), the DKMS module (which
# modprobe would prefer), the kbuf group (make install must create it), and
# the record of the kbuf-utils package that host/05-deb.bats installed
# (make install rightly refuses to install beside it: host/05-deb.bats
# checks that) from the guest's dpkg database, in the overlay over /var.

load 'helpers/common'
load 'helpers/install'

TREE=${KBUF_OUT:-}/install-tree
HIDDEN=/run/kbuf-install-hidden
DKMS_DIR=/lib/modules/${KBUF_KVER:-}/updates/dkms
INSTALL_DIRS=(/lib/modules /usr/local /etc/udev /etc/modprobe.d
	/etc/modules-load.d)

# Every file (not directory) under the places install writes to.
kbuf_tree_listing() {
	find "${INSTALL_DIRS[@]}" -xdev ! -type d 2>/dev/null | sort
}

setup_file() {
	if [[ ! -f $TREE/driver/kbuf.ko ]]; then
		kbuf_file_skip "no install tree built for this kernel ($TREE): the debug kernel has no headers package"
		return 0
	fi
	kbuf_dmesg_mark file
	! kbuf_loaded || kbuf_unload
	mkdir -p "$HIDDEN/depmod"
	# teardown_file puts these back rather than run depmod -a again: it
	# reads every module of the kernel, half a minute under TCG.
	cp -a "/lib/modules/$KBUF_KVER"/modules.* "$HIDDEN/depmod/"
	if [[ -f /run/udev/rules.d/60-kbuf.rules ]]; then
		mv /run/udev/rules.d/60-kbuf.rules "$HIDDEN/"
	fi
	# DKMS compresses like the kernel's own modules (6.12: .ko.xz).
	local ko
	for ko in "$DKMS_DIR"/kbuf.ko*; do
		if [[ -f $ko ]]; then mv "$ko" "$HIDDEN/"; fi
	done
	if getent group kbuf >/dev/null; then
		getent group kbuf >"$HIDDEN/group"
		groupdel kbuf
	fi
	cp /var/lib/dpkg/status "$HIDDEN/dpkg-status"
	awk 'BEGIN { RS = ""; ORS = "\n\n" } !/(^|\n)Package: kbuf-utils\n/' \
		"$HIDDEN/dpkg-status" >/var/lib/dpkg/status
	# No depmod -a here (half a minute, a minute on 6.12's compressed
	# modules): modules.dep still names the DKMS module just hidden, so
	# unless make install runs depmod, modprobe cannot find kbuf, and the
	# depmod test below fails.
	udevadm control --reload
	kbuf_tree_listing >"$HIDDEN/before"
}

teardown_file() {
	local gid ko
	# setup_file skipped: nothing was hidden.
	[[ -d $HIDDEN ]] || return 0
	! kbuf_loaded || rmmod kbuf
	if [[ -f $HIDDEN/60-kbuf.rules ]]; then
		mv "$HIDDEN/60-kbuf.rules" /run/udev/rules.d/
	fi
	for ko in "$HIDDEN"/kbuf.ko*; do
		if [[ -f $ko ]]; then mv "$ko" "$DKMS_DIR/"; fi
	done
	if [[ -f $HIDDEN/group ]]; then
		if getent group kbuf >/dev/null; then groupdel kbuf; fi
		gid=$(cut -d: -f3 "$HIDDEN/group")
		groupadd --system --gid "$gid" kbuf
	fi
	if [[ -f $HIDDEN/dpkg-status ]]; then
		cp "$HIDDEN/dpkg-status" /var/lib/dpkg/status
	fi
	if compgen -G "$HIDDEN/depmod/modules.*" >/dev/null; then
		cp -a "$HIDDEN/depmod"/modules.* "/lib/modules/$KBUF_KVER/"
	else
		depmod -a "$KBUF_KVER"
	fi
	rm -rf "$HIDDEN"
	udevadm control --reload
	kbuf_file_teardown
}

@test "make install as root installs the module, tool, header, man pages and rule" {
	run make -s -C "$TREE" install KVER="$KBUF_KVER"
	assert_success
	# Compressed as the kernel's own modules are (6.12: .ko.xz).
	run compgen -G "/lib/modules/$KBUF_KVER/extra/kbuf.ko*"
	assert_success
	kbuf_assert_user_files
	assert_file_exists /etc/modprobe.d/kbuf.conf
	assert_file_exists /etc/modules-load.d/kbuf.conf
}

@test "make install ran depmod: modprobe finds the module in extra/" {
	local ko
	ko=$(compgen -G "/lib/modules/$KBUF_KVER/extra/kbuf.ko*")
	run modinfo -n kbuf
	assert_output "$ko"
	run modinfo -F version kbuf
	assert_output "$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TREE/dkms.conf")"
}

@test "make install created the kbuf system group and recorded it" {
	kbuf_assert_system_group
	run grep -x 'group:kbuf' /usr/local/share/kbuf/install-manifest
	assert_success
}

@test "after make install, modprobe kbuf gives nodes with the installed rule's modes" {
	run modprobe kbuf
	assert_success
	kbuf_settle
	kbuf_wait_for "$KBUF_DEV/vmalloc"
	run stat -c '%U %G %a' "$KBUF_DEV/kmalloc" "$KBUF_DEV/control"
	assert_output "$(printf '%s\n' 'root kbuf 660' 'root root 600')"
	run /usr/local/bin/kbufctl list
	assert_success
	assert_line --regexp '^kmalloc +'
	run rmmod kbuf
	assert_success
}

@test "make uninstall removes exactly the files make install added, and the group" {
	run make -s -C "$TREE" uninstall KVER="$KBUF_KVER"
	assert_success
	run getent group kbuf
	assert_failure
	run diff -u "$HIDDEN/before" <(kbuf_tree_listing)
	assert_success
	run modprobe kbuf
	assert_failure
	assert_output --partial 'not found'
}
