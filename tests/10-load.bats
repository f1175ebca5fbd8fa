#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Loading and unloading kbuf.ko: the buffers, nodes and sysfs directories
# it makes, its parameters and their limits, and rmmod refused while the
# module is in use. Each test loads the module itself.
#
# Each limit test of a size parameter loads or refuses it four times: the
# file weighs what its 31 tests did before they were merged, so that the
# debug guests share the files as before, plus one for the test added since.
# kbuf-shard-weight: 32

load 'helpers/common'

setup_file() {
	kbuf_file_setup_unloaded
}

teardown() {
	kbuf_test_teardown
	if kbuf_loaded; then
		kbuf_unload
	fi
}

# The driver's own kernel log lines since the mark, without timestamps and
# without the kernel's one-time taint notices about out-of-tree modules.
kbuf_lines_since_mark() {
	kbuf_dmesg_since_mark | sed -E 's/^\[[ 0-9.]+\] //' | grep '^kbuf: ' |
		grep -v -e 'taint' -e 'module verification failed' || true
}

# Loading with "$1" fails with EINVAL and logs exactly the line "$2".
assert_load_refused() {
	kbuf_dmesg_mark
	run -1 insmod "$KBUF_KO" "$1"
	assert_output --partial 'Invalid parameters'
	run kbuf_loaded
	assert_failure
	run kbuf_lines_since_mark
	assert_output "$2"
	assert_not_exists "$KBUF_DEV"
	assert_not_exists "$KBUF_SYS"
}

# Loading with "$1" works and gives buffer $2 the capacity $3.
assert_load_capacity() {
	kbuf_load "$1"
	run kbuf_info "$2" capacity
	assert_output "$3"
	run kbuf_attr "$2" capacity
	assert_output "$3"
	kbuf_unload
}

# Size parameter $1 loads at 1 and at its limit $3, buffer $2 getting that
# capacity, and is refused at 0 and one past the limit.
assert_size_limits() {
	local v
	assert_load_capacity "$1=1" "$2" 1
	assert_load_capacity "$1=$3" "$2" "$3"
	for v in 0 $(($3 + 1)); do
		assert_load_refused "$1=$v" "kbuf: $1=$v out of range (limit $3)"
	done
}

@test "loading creates the kmalloc, pages and vmalloc nodes and the control node" {
	kbuf_load
	assert_character_exists "$KBUF_DEV/kmalloc"
	assert_character_exists "$KBUF_DEV/pages"
	assert_character_exists "$KBUF_DEV/vmalloc"
	assert_character_exists "$KBUF_CONTROL"
}

@test "loading creates a sysfs directory under /sys/class/kbuf for each buffer and the control node" {
	kbuf_load
	run ls "$KBUF_SYS"
	assert_output "$(printf '%s\n' control kmalloc pages vmalloc)"
}

@test "the control node is the class device control, mode 0600, with no buffer attributes" {
	kbuf_load
	assert_dir_exists "$KBUF_SYS/control"
	assert_not_exists "$KBUF_SYS/control/capacity"
	run stat -c '%a %U' "$KBUF_CONTROL"
	assert_output '600 root'
	# Its minor follows the 64 of the buffers.
	run stat -c '%T' "$KBUF_CONTROL"
	assert_output 40
}

@test "the nodes are made by devtmpfs, without udev" {
	local nodes
	if ! pgrep -x systemd-udevd >/dev/null; then
		# No udevd at all: devtmpfs alone is what made them.
		kbuf_load
		assert_character_exists "$KBUF_DEV/vmalloc"
		return
	fi
	kbuf_udevd_stop
	# Whatever happens, udevd runs again before the first assertion.
	insmod "$KBUF_KO" && nodes=$(ls "$KBUF_DEV") || nodes="insmod failed"
	kbuf_udevd_restart
	# What udev missed: its rules (group and modes) for the new devices.
	udevadm trigger --action=add /sys/class/kbuf/*
	kbuf_settle
	assert_equal "$nodes" "$(printf '%s\n' control kmalloc pages vmalloc)"
}

@test "each node opens the moment its add uevent arrives, though the load goes on" {
	local pid rc=0
	kbuf_bg python3 "$KBUF_ROOT/tests/helpers/uevent-open.py" 4
	pid=$KBUF_BG_PID
	kbuf_wait_bg_line '^listening$'
	# Zeroing 128 MiB of vmalloc keeps the load busy well after the
	# kmalloc and pages devices are added: a uevent sent at device_add()
	# would wake the opener into ENXIO.
	kbuf_load vmalloc_size=$((128 << 20))
	kbuf_bg_wait "$pid" || rc=$?
	assert_equal "$rc" 0
	run cat "$BATS_TEST_TMPDIR/bg.out"
	assert_output "listening
kmalloc ok
pages ok
vmalloc ok
control ok"
}

@test "loading logs exactly one info line" {
	kbuf_dmesg_mark
	kbuf_load
	run kbuf_lines_since_mark
	assert_line --index 0 --regexp '^kbuf: .*loaded'
	assert_equal "${#lines[@]}" 1
}

@test "the default buffers have the default capacities and start empty" {
	kbuf_load
	check() {
		run kbuf_info "$1" capacity
		assert_output "$(kbuf_default_capacity "$1")"
		run kbuf_info "$1" length
		assert_output 0
	}
	kbuf_each_backend check
}

@test "the default buffers read as zeros over their whole capacity" {
	kbuf_load
	check() {
		kbuf-ioctl "$KBUF_DEV/$1" set-length "$(kbuf_info "$1" capacity)"
		run cmp -n "$(kbuf_info "$1" capacity)" "$KBUF_DEV/$1" /dev/zero
		assert_success
	}
	kbuf_each_backend check
}

@test "unloading removes every node, the /dev/kbuf directory and the sysfs class" {
	kbuf_load
	kbuf_unload
	assert_not_exists "$KBUF_DEV"
	assert_not_exists "$KBUF_SYS"
	assert_not_exists /sys/module/kbuf
}

@test "unloading destroys buffers created at run time too" {
	kbuf_load
	kbuf_create extra vmalloc 4096
	kbuf_unload
	assert_not_exists "$KBUF_DEV/extra"
	assert_not_exists "$KBUF_SYS/extra"
}

@test "the module loads and unloads three times in a row" {
	local i
	for i in 1 2 3; do
		kbuf_load
		echo "round $i" >"$KBUF_DEV/vmalloc"
		run cat "$KBUF_DEV/vmalloc"
		assert_output "round $i"
		kbuf_unload
	done
}

@test "rmmod is refused while a buffer node is open" {
	kbuf_load
	exec 5<"$KBUF_DEV/vmalloc"
	run -1 rmmod kbuf
	assert_output --partial 'in use'
	exec 5<&-
	kbuf_unload
}

@test "rmmod is refused while the control node is open" {
	kbuf_load
	exec 5<>"$KBUF_CONTROL"
	run -1 rmmod kbuf
	assert_output --partial 'in use'
	exec 5<&-
	kbuf_unload
}

@test "rmmod is refused while a buffer is mapped after its descriptor was closed" {
	kbuf_load
	kbuf_hold_mapping "$KBUF_DEV/vmalloc"
	run -1 rmmod kbuf
	assert_output --partial 'in use'
	kbuf_bg_kill "$KBUF_BG_PID"
	kbuf_unload
}

@test "the parameters are read-only under /sys/module/kbuf/parameters" {
	local p
	kbuf_load
	for p in kmalloc_size pages_order vmalloc_size map_mode; do
		run stat -c %a "/sys/module/kbuf/parameters/$p"
		assert_output 444
	done
	run -1 bash -c 'echo 1 >/sys/module/kbuf/parameters/kmalloc_size'
	assert_output --partial 'Permission denied'
}

@test "the parameters show the values the module was loaded with" {
	kbuf_load kmalloc_size=8192 pages_order=2 vmalloc_size=12345 map_mode=pfn
	run cat /sys/module/kbuf/parameters/kmalloc_size \
		/sys/module/kbuf/parameters/pages_order \
		/sys/module/kbuf/parameters/vmalloc_size \
		/sys/module/kbuf/parameters/map_mode
	assert_output "$(printf '%s\n' 8192 2 12345 pfn)"
}

@test "modinfo describes each parameter with its default and its limit" {
	local p
	for p in kmalloc_size pages_order vmalloc_size; do
		run modinfo -F parm "$KBUF_KO"
		assert_line --regexp "^$p:.*default.*limit|^$p:.*limit.*default"
	done
	assert_line --regexp '^map_mode:.*default.*page.*pfn|^map_mode:.*page.*pfn.*default|^map_mode:.*page.*default.*pfn'
}

@test "kmalloc_size=1 and =4194304 (the limits) load; =0 and =4194305 fail with EINVAL and one line naming the limit" {
	assert_size_limits kmalloc_size kmalloc 4194304
}

@test "pages_order=0 loads and gives a one-page buffer" {
	assert_load_capacity pages_order=0 pages "$KBUF_PAGE"
}

@test "pages_order=10 (the limit) loads and gives a 4 MiB buffer" {
	assert_load_capacity pages_order=10 pages $((KBUF_PAGE << 10))
}

@test "pages_order=11 fails with EINVAL and one line naming the limit" {
	assert_load_refused pages_order=11 \
		'kbuf: pages_order=11 out of range (limit 10)'
}

@test "vmalloc_size=1 and =1073741824 (the limits) load; =0 and =1073741825 fail with EINVAL and one line naming the limit" {
	assert_size_limits vmalloc_size vmalloc 1073741824
}

@test "map_mode=pfn loads" {
	kbuf_load map_mode=pfn
	run kbuf_attr vmalloc map_mode
	assert_output pfn
}

@test "map_mode=page loads" {
	kbuf_load map_mode=page
	run kbuf_attr vmalloc map_mode
	assert_output page
}

@test "an unknown map_mode fails with EINVAL and one line naming the choices" {
	assert_load_refused map_mode=bogus \
		'kbuf: map_mode=bogus is not one of page, pfn'
}

@test "a load refused for one bad parameter among good ones leaves nothing behind" {
	assert_load_refused 'kmalloc_size=8192 pages_order=99' \
		'kbuf: pages_order=99 out of range (limit 10)'
}
