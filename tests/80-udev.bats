#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# udev/60-kbuf.rules under the guest's real systemd-udevd: buffer nodes are
# group kbuf and 0660, the control node root-only 0600, sysfs length is
# group-writable; a user outside the group is refused, one inside can echo,
# cat and mmap. The guest's /etc is a tmpfs overlay, so the kbuf group made
# here disappears with the guest.

load 'helpers/common'

KBUF_RULES=/run/udev/rules.d/60-kbuf.rules

setup_file() {
	if ! udevadm control --ping >/dev/null 2>&1; then
		skip "no systemd-udevd running in this guest"
	fi
	[[ -f $KBUF_RULES ]] || skip "the harness did not install $KBUF_RULES"
	getent group kbuf >/dev/null || groupadd --system kbuf
	# udev resolves group names when it parses the rules, and a reload
	# parses them again only if a rules file changed: touch ours, as
	# installing it (make install) would.
	touch "$KBUF_RULES"
	udevadm control --reload
	kbuf_file_setup
}

teardown_file() {
	kbuf_file_teardown
}

@test "buffer nodes are owned by root, group kbuf, mode 0660" {
	local b
	for b in kmalloc pages vmalloc; do
		run stat -c '%U %G %a' "/dev/kbuf/$b"
		assert_output "root kbuf 660"
	done
}

@test "the control node is root:root with mode 0600" {
	run stat -c '%U %G %a' /dev/kbuf/control
	assert_output "root root 600"
}

@test "the sysfs length attribute is writable by group kbuf" {
	local b
	for b in kmalloc pages vmalloc; do
		run stat -L -c '%G %a' "/sys/class/kbuf/$b/length"
		assert_output "kbuf 664"
	done
}

@test "a user outside group kbuf gets EACCES on a buffer node" {
	run -1 kbuf_as_nobody kbuf-io /dev/kbuf/vmalloc read 1
	assert_output --partial EACCES
}

@test "a member of group kbuf can echo into and cat a buffer" {
	run kbuf_as_member bash -c 'echo hello > /dev/kbuf/vmalloc'
	assert_success
	run kbuf_as_member cat /dev/kbuf/vmalloc
	assert_success
	assert_output hello
}

@test "a member of group kbuf can map a buffer and set its length in sysfs" {
	run kbuf_as_member kbuf-mmap /dev/kbuf/pages write 0 member
	assert_success
	run kbuf_as_member bash -c 'echo 6 > /sys/class/kbuf/pages/length'
	assert_success
	run cat /dev/kbuf/pages
	assert_output member
}

@test "a user outside group kbuf cannot set the length in sysfs" {
	run -1 kbuf_as_nobody bash -c 'echo 0 > /sys/class/kbuf/pages/length'
	assert_output --partial "Permission denied"
}

@test "the control node refuses a member of group kbuf and an outsider" {
	run -1 kbuf_as_member kbuf-ioctl /dev/kbuf/control create x vmalloc 4096
	assert_output --partial EACCES
	run -1 kbuf_as_nobody kbuf-ioctl /dev/kbuf/control create x vmalloc 4096
	assert_output --partial EACCES
}

@test "a buffer created at run time gets the same group, mode and sysfs rights" {
	kbuf_create udevrt vmalloc 65536
	kbuf_settle
	run stat -c '%U %G %a' /dev/kbuf/udevrt
	assert_output "root kbuf 660"
	run stat -L -c '%G %a' /sys/class/kbuf/udevrt/length
	assert_output "kbuf 664"
	run kbuf_as_member bash -c 'echo rt > /dev/kbuf/udevrt'
	assert_success
	run -1 kbuf_as_nobody cat /dev/kbuf/udevrt
	assert_output --partial "Permission denied"
}
