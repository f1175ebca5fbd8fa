#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# The control node /dev/kbuf/control: creating and destroying buffers at
# run time, every refusal with its errno, the GFP choice, the 64-buffer
# limit, and fresh buffers never showing old memory.

load 'helpers/common'

setup_file() {
	kbuf_file_setup
}

create() {
	kbuf-ioctl "$KBUF_CONTROL" create "$@"
}

@test "create makes a node and a sysfs directory for each backend" {
	check() {
		create "c-$1" "$1" 8192
		kbuf_settle
		assert_character_exists "$KBUF_DEV/c-$1"
		assert_dir_exists "$KBUF_SYS/c-$1"
		run kbuf_attr "c-$1" backend
		assert_output "$1"
		run kbuf_attr "c-$1" capacity
		assert_output 8192
		run kbuf_info "c-$1" name
		assert_output "c-$1"
	}
	kbuf_each_backend check
}

@test "a created buffer works with echo and cat" {
	check() {
		kbuf_create "c-$1" "$1" 100
		echo created >"$KBUF_DEV/c-$1"
		run cat "$KBUF_DEV/c-$1"
		assert_output created
	}
	kbuf_each_backend check
}

@test "a created pages buffer has the requested capacity, not the allocation's" {
	kbuf_create odd pages 5000
	run kbuf_info odd capacity
	assert_output 5000
	run kbuf_info odd map_size
	assert_output 8192
	run -1 kbuf-io "$KBUF_DEV/odd" pwrite 5000 x
	assert_output ENOSPC
}

# The kernel's islower() follows Latin-1: 0xDF-0xFF (but 0xF7) would pass.
@test "a name with any byte from 0x80 to 0xff fails with EINVAL and makes no node" {
	run python3 "$KBUF_ROOT/tests/helpers/create-high-bytes.py" "$KBUF_CONTROL"
	assert_success
	assert_output 'EINVAL 128'
	kbuf_settle
	run ls "$KBUF_DEV"
	assert_output "$(printf '%s\n' control kmalloc pages vmalloc)"
}

@test "destroy removes the node and the sysfs directory" {
	check() {
		kbuf_create "d-$1" "$1" 4096
		kbuf_destroy "d-$1"
		assert_not_exists "$KBUF_DEV/d-$1"
		assert_not_exists "$KBUF_SYS/d-$1"
	}
	kbuf_each_backend check
}

@test "a destroyed name can be created again" {
	kbuf_create again vmalloc 4096
	kbuf_destroy again
	kbuf_create again kmalloc 8192
	run kbuf_attr again backend
	assert_output kmalloc
}

@test "names of 1 and 31 characters of a-z, 0-9, _ and - are accepted" {
	kbuf_create a kmalloc 16
	kbuf_create abcdefghijklmnopqrstuvwxyz_-019 kmalloc 16
	assert_character_exists "$KBUF_DEV/abcdefghijklmnopqrstuvwxyz_-019"
}

@test "a name filling all 32 bytes without a NUL fails with EINVAL" {
	run -1 create abcdefghijklmnopqrstuvwxyz012345 kmalloc 16
	assert_output EINVAL
}

@test "an empty name fails with EINVAL" {
	run -1 create '' kmalloc 16
	assert_output EINVAL
}

@test "names with characters outside a-z, 0-9, _ and - fail with EINVAL" {
	local name
	for name in Abc a.b a/b 'a b' .. . 'é' 'a:b' 'a*'; do
		run -1 create "$name" kmalloc 16
		assert_output EINVAL
	done
}

@test "the name control fails with EINVAL" {
	run -1 create control kmalloc 16
	assert_output EINVAL
}

@test "a name in use fails with EEXIST" {
	kbuf_create twice pages 4096
	run -1 create twice vmalloc 4096
	assert_output EEXIST
	run -1 create vmalloc vmalloc 4096
	assert_output EEXIST
}

@test "an unknown backend fails with EINVAL" {
	run -1 create nob 3 4096
	assert_output EINVAL
	run -1 create nob 4294967295 4096
	assert_output EINVAL
}

@test "an unknown gfp fails with EINVAL" {
	run -1 create nog kmalloc 4096 2
	assert_output EINVAL
}

@test "flags other than one map flag and the node flag, KBUF_CREATE_MAP_PAGE for kmalloc, or a node without the node flag fail with EINVAL" {
	local flags
	# Both map flags (with the node flag too), the next bit, the top bit.
	for flags in 3 7 8 0x80000000; do
		run -1 create nof pages 4096 kernel "$flags"
		assert_output EINVAL
	done
	run -1 create nof kmalloc 4096 kernel 1
	assert_output EINVAL
	run -1 create nof kmalloc 4096 kernel 0 1
	assert_output EINVAL
	assert_not_exists "$KBUF_DEV/nof"
}

@test "vmalloc with gfp atomic fails with EINVAL" {
	run -1 create va vmalloc 4096 atomic
	assert_output EINVAL
	assert_not_exists "$KBUF_DEV/va"
}

@test "kmalloc and pages with gfp atomic work and show gfp atomic" {
	check() {
		kbuf_create "at-$1" "$1" 16384 atomic
		run kbuf_attr "at-$1" gfp
		assert_output atomic
		run kbuf_info "at-$1" gfp
		assert_output atomic
		kbuf-ioctl "$KBUF_DEV/at-$1" set-length 16384
		run cmp "$KBUF_DEV/at-$1" <(head -c 16384 /dev/zero)
		assert_success
	}
	check kmalloc
	check pages
}

# The point of gfp atomic: the allocation is made where sleeping is
# forbidden, under a spinlock, so that CONFIG_DEBUG_ATOMIC_SLEEP reports
# any allocator path that would sleep. Lockdep lists a lock's class once
# the lock has been taken, and forgets it when the module unloads: after
# a reload, a sleeping create leaves kbuf_atomic_lock untaken and an
# atomic one takes it. That the allocation itself is inside the lock is
# not shown: whether the allocator takes a lock lockdep sees depends on
# its state at the time.
@test "an atomic create takes kbuf_atomic_lock and a sleeping one does not, as lockdep records it (debug kernels)" {
	local class='^[0-9a-f]+ .*: kbuf_atomic_lock$'
	[[ -r /proc/lockdep ]] ||
		skip "no lockdep in this kernel (CONFIG_LOCKDEP): the debug kernels have it"
	run -0 sed -n -E 's/^ debug_locks: +//p' /proc/lockdep_stats
	[[ $output == 1 ]] ||
		skip "lockdep has turned itself off (debug_locks '$output'): it records nothing more"
	kbuf_reload
	kbuf_create sleep-lock pages 16384
	run -1 grep -c -E "$class" /proc/lockdep
	assert_output 0
	kbuf_create at-lock pages 16384 atomic
	run -0 grep -c -E "$class" /proc/lockdep
	assert_output 1
}

@test "size 0 fails with EINVAL" {
	check() {
		run -1 create "z-$1" "$1" 0
		assert_output EINVAL
	}
	kbuf_each_backend check
}

@test "a size over the backend's limit fails with EINVAL" {
	run -1 create big kmalloc 4194305
	assert_output EINVAL
	run -1 create big pages 4194305
	assert_output EINVAL
	run -1 create big vmalloc 1073741825
	assert_output EINVAL
	run -1 create big vmalloc 18446744073709551615
	assert_output EINVAL
}

@test "control/limits names each backend's limit to every user, read-only" {
	local b lim
	local -A want=([kmalloc]=4194304 [pages]=4194304 [vmalloc]=1073741824)
	for b in kmalloc pages vmalloc; do
		lim=$KBUF_SYS/control/limits/$b
		run -0 stat -c %a "$lim"
		assert_output 444
		# x86-64 with 4 KiB pages: the same in 6.1 and 6.12.
		run -0 kbuf_as_nobody cat "$lim"
		assert_output "${want[$b]}"
		run -1 create big "$b" $((want[$b] + 1))
		assert_output EINVAL
	done
	run ls "$KBUF_SYS/control/limits"
	assert_output "$(printf '%s\n' kmalloc pages vmalloc)"
}

@test "a size at the kmalloc and pages limits works" {
	kbuf_create lk kmalloc 4194304
	kbuf_create lp pages 4194304
	run kbuf_info lk capacity
	assert_output 4194304
	run kbuf_info lp capacity
	assert_output 4194304
}

@test "a 65th buffer fails with ENOSPC" {
	local i n
	# The class holds the buffers and the control node.
	n=$(find "$KBUF_SYS/" -mindepth 1 -maxdepth 1 ! -name control | wc -l)
	for ((i = n; i < 64; i++)); do
		create "n$i" kmalloc 16
	done
	kbuf_settle
	assert_equal "$(find "$KBUF_SYS/" -mindepth 1 -maxdepth 1 ! -name control | wc -l)" 64
	run -1 create one-too-many kmalloc 16
	assert_output ENOSPC
	kbuf_destroy n63
	kbuf_create one-more kmalloc 16
}

@test "without CAP_SYS_ADMIN create fails with EPERM" {
	run -1 kbuf_without_sys_admin kbuf-ioctl "$KBUF_CONTROL" create np kmalloc 16
	assert_output EPERM
	assert_not_exists "$KBUF_DEV/np"
}

@test "without CAP_SYS_ADMIN destroy fails with EPERM" {
	kbuf_create np kmalloc 16
	run -1 kbuf_without_sys_admin kbuf-ioctl "$KBUF_CONTROL" destroy np
	assert_output EPERM
	assert_character_exists "$KBUF_DEV/np"
}

@test "an unprivileged user cannot open the control node" {
	run -1 kbuf_as_nobody kbuf-ioctl "$KBUF_CONTROL" create np kmalloc 16
	assert_output EACCES
}

@test "destroying an unknown name fails with ENOENT" {
	run -1 kbuf-ioctl "$KBUF_CONTROL" destroy nosuch
	assert_output ENOENT
}

@test "destroy fails with EBUSY while the buffer is open" {
	check() {
		kbuf_create "o-$1" "$1" 4096
		exec 5<"$KBUF_DEV/o-$1"
		run -1 kbuf-ioctl "$KBUF_CONTROL" destroy "o-$1"
		assert_output EBUSY
		exec 5<&-
		kbuf_destroy "o-$1"
	}
	kbuf_each_backend check
}

@test "destroy fails with EBUSY while the buffer is mapped" {
	kbuf_create mapped vmalloc 8192
	kbuf_hold_mapping "$KBUF_DEV/mapped"
	run -1 kbuf-ioctl "$KBUF_CONTROL" destroy mapped
	assert_output EBUSY
	kbuf_bg_kill "$KBUF_BG_PID"
	kbuf_destroy mapped
}

@test "the buffers made at load can be destroyed and the module still unloads" {
	local b
	for b in "${KBUF_BACKENDS[@]}"; do
		kbuf_destroy "$b"
		assert_not_exists "$KBUF_DEV/$b"
	done
	kbuf_reload
	assert_character_exists "$KBUF_DEV/vmalloc"
}

@test "a NULL or unmapped argument to create or destroy fails with EFAULT" {
	run -1 kbuf-ioctl "$KBUF_CONTROL" badptr create null
	assert_output EFAULT
	run -1 kbuf-ioctl "$KBUF_CONTROL" badptr create unmapped
	assert_output EFAULT
	run -1 kbuf-ioctl "$KBUF_CONTROL" badptr destroy null
	assert_output EFAULT
	run -1 kbuf-ioctl "$KBUF_CONTROL" badptr destroy unmapped
	assert_output EFAULT
}

@test "read and write on the control node fail with EINVAL" {
	run -1 kbuf-io "$KBUF_CONTROL" read 10
	assert_output EINVAL
	run -1 kbuf-io "$KBUF_CONTROL" write x
	assert_output EINVAL
}

@test "buffer ioctls and unknown commands on the control node fail with ENOTTY" {
	run -1 kbuf-ioctl "$KBUF_CONTROL" info
	assert_output ENOTTY
	run -1 kbuf-ioctl "$KBUF_CONTROL" set-length 1
	assert_output ENOTTY
	run -1 kbuf-ioctl "$KBUF_CONTROL" resize 4096
	assert_output ENOTTY
	run -1 kbuf-ioctl "$KBUF_CONTROL" clear
	assert_output ENOTTY
	run -1 kbuf-ioctl "$KBUF_CONTROL" raw $((0x5401))
	assert_output ENOTTY
}

@test "create and destroy send add and remove uevents" {
	command -v udevadm >/dev/null || skip "no udevadm in the guest"
	kbuf_bg stdbuf -oL udevadm monitor --kernel --subsystem-match=kbuf
	kbuf_wait_bg_line '^KERNEL - '
	kbuf_create ev vmalloc 4096
	kbuf_wait_bg_line '^KERNEL\[.*\] +add +/devices/virtual/kbuf/ev \(kbuf\)'
	run udevadm info --query=property --name="$KBUF_DEV/ev"
	assert_line 'SUBSYSTEM=kbuf'
	assert_line "DEVNAME=$KBUF_DEV/ev"
	kbuf_destroy ev
	kbuf_wait_bg_line '^KERNEL\[.*\] +remove +/devices/virtual/kbuf/ev \(kbuf\)'
	kbuf_bg_kill "$KBUF_BG_PID"
}

@test "a created buffer maps as zeros too" {
	check() {
		kbuf_create "m-$1" "$1" 65536
		kbuf-mmap "$KBUF_DEV/m-$1" fill 0 65536 255
		kbuf_destroy "m-$1"
		kbuf_create "m-$1" "$1" 65536
		run kbuf-mmap "$KBUF_DEV/m-$1" zero 0 65536
		assert_output zero
		kbuf_destroy "m-$1"
	}
	kbuf_each_backend check
}

@test "opening the node of a destroyed buffer fails with ENOENT" {
	kbuf_create gone vmalloc 4096
	kbuf_destroy gone
	run -1 kbuf-io "$KBUF_DEV/gone" read 1
	assert_output ENOENT
}

# Nothing a user does on the happy path may make the kernel print.
@test "the happy path of every operation logs nothing" {
	kbuf_dmesg_mark
	check() {
		kbuf_create "h-$1" "$1" 8192
		echo quiet >"$KBUF_DEV/h-$1"
		cat "$KBUF_DEV/h-$1" >/dev/null
		kbuf-mmap "$KBUF_DEV/h-$1" write 0 Q
		kbuf-ioctl "$KBUF_DEV/h-$1" resize 16384
		kbuf-ioctl "$KBUF_DEV/h-$1" set-length 10
		kbuf-ioctl "$KBUF_DEV/h-$1" clear
		kbuf-ioctl "$KBUF_DEV/h-$1" info >/dev/null
		echo 3 >"$KBUF_SYS/h-$1/length"
		kbuf_destroy "h-$1"
	}
	kbuf_each_backend check
	run kbuf_dmesg_since_mark
	assert_output ''
}
