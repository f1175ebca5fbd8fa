#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# The buffer ioctls of driver/uapi/linux/kbuf.h (kbuf-ioctl): INFO, SET_LENGTH,
# RESIZE, CLEAR, their error paths, the physical address shown only to
# CAP_SYS_ADMIN, and 32-bit callers.

load 'helpers/common'

setup() {
	kbuf_test_setup
	kbuf_clear_all
}

# ioc DIR NR SIZE: _IOC(DIR, 0xBF, NR, SIZE) as a number (DIR 1 write,
# 2 read).
ioc() {
	echo $((($1 << 30) | ($3 << 16) | (0xBF << 8) | $2))
}

@test "INFO reports every field of the vmalloc buffer" {
	run kbuf-ioctl -r "$KBUF_DEV/vmalloc" info
	assert_output "$(
		cat <<-END
			name=vmalloc
			backend=vmalloc
			map_mode=page
			gfp=kernel
			flags=0
			capacity=1048576
			length=0
			map_size=1048576
			mappings=0
			opens=1
			phys_addr=0
			exports=0
		END
	)"
}

@test "INFO with kbuf 0.1.0's request code gets that struct's fields and not one byte more" {
	check() {
		run kbuf-ioctl -r "$KBUF_DEV/$1" info
		assert_success
		local want=${output%$'\n'exports=*}
		run kbuf-ioctl -r "$KBUF_DEV/$1" info-ver0
		assert_success
		assert_output "$want"
		refute_line --partial exports
	}
	kbuf_each_backend check
}

@test "INFO reports the name, backend and capacity of each default buffer" {
	check() {
		run kbuf_info "$1" name
		assert_output "$1"
		run kbuf_info "$1" backend
		assert_output "$1"
		run kbuf_info "$1" capacity
		assert_output "$(kbuf_default_capacity "$1")"
		run kbuf_info "$1" map_size
		assert_output "$(kbuf_default_capacity "$1")"
		run kbuf_info "$1" gfp
		assert_output kernel
	}
	kbuf_each_backend check
}

@test "INFO counts open file descriptions, not descriptors" {
	check() {
		exec 5<"$KBUF_DEV/$1"
		exec 6<&5
		run kbuf_info "$1" opens
		assert_output 2
		exec 5<&- 6<&-
		run kbuf_info "$1" opens
		assert_output 1
	}
	kbuf_each_backend check
}

@test "INFO works on read-only and write-only descriptors" {
	check() {
		run kbuf-ioctl -r "$KBUF_DEV/$1" info length
		assert_output 0
		run kbuf-ioctl -w "$KBUF_DEV/$1" info length
		assert_output 0
	}
	kbuf_each_backend check
}

@test "SET_LENGTH sets the length without zeroing or touching the bytes" {
	check() {
		echo hello >"$KBUF_DEV/$1"
		kbuf-ioctl "$KBUF_DEV/$1" set-length 0
		assert_length_0_bytes_kept "$1"
	}
	kbuf_each_backend check
}

@test "SET_LENGTH to capacity works and to capacity + 1 fails with EINVAL" {
	check() {
		local cap
		cap=$(kbuf_info "$1" capacity)
		kbuf-ioctl "$KBUF_DEV/$1" set-length "$cap"
		run -1 kbuf-ioctl "$KBUF_DEV/$1" set-length $((cap + 1))
		assert_output EINVAL
		run kbuf_info "$1" length
		assert_output "$cap"
	}
	kbuf_each_backend check
}

@test "CLEAR zeroes the whole buffer and sets length 0" {
	check() {
		local cap
		cap=$(kbuf_info "$1" capacity)
		head -c "$cap" /dev/zero | tr '\0' x >"$KBUF_DEV/$1"
		kbuf-ioctl "$KBUF_DEV/$1" clear
		run kbuf_info "$1" length
		assert_output 0
		kbuf-ioctl "$KBUF_DEV/$1" set-length "$cap"
		run cmp -n "$cap" "$KBUF_DEV/$1" /dev/zero
		assert_success
	}
	kbuf_each_backend check
}

# resize_filled BACKEND BYTE SIZE: a new buffer r-BACKEND of 8192 bytes of
# BYTE, resized to SIZE: its capacity reads SIZE.
resize_filled() {
	kbuf_create "r-$1" "$1" 8192
	head -c 8192 /dev/zero | tr '\0' "$2" >"$KBUF_DEV/r-$1"
	kbuf-ioctl "$KBUF_DEV/r-$1" resize "$3"
	run kbuf_info "r-$1" capacity
	assert_output "$3"
}

@test "RESIZE up keeps the data, keeps the length and the new bytes read as zeros" {
	check() {
		local dev="$KBUF_DEV/r-$1"
		resize_filled "$1" a 20000
		run kbuf_info "r-$1" length
		assert_output 8192
		run kbuf_info "r-$1" map_size
		assert_output 20480
		kbuf-ioctl "$dev" set-length 20000
		run cmp -n 8192 "$dev" <(head -c 8192 /dev/zero | tr '\0' a)
		assert_success
		run cmp -i 8192:0 -n 11808 "$dev" /dev/zero
		assert_success
		kbuf_destroy "r-$1"
	}
	kbuf_each_backend check
}

@test "RESIZE down keeps the first bytes and cuts the length" {
	check() {
		local dev="$KBUF_DEV/r-$1"
		resize_filled "$1" b 3000
		run kbuf_info "r-$1" length
		assert_output 3000
		run cmp "$dev" <(head -c 3000 /dev/zero | tr '\0' b)
		assert_success
		kbuf_destroy "r-$1"
	}
	kbuf_each_backend check
}

@test "RESIZE down then up never shows the old bytes again" {
	check() {
		local dev="$KBUF_DEV/r-$1"
		kbuf_create "r-$1" "$1" 65536
		head -c 65536 /dev/zero | tr '\0' '\377' >"$dev"
		kbuf-ioctl "$dev" resize 4096
		kbuf-ioctl "$dev" resize 65536
		kbuf-ioctl "$dev" set-length 65536
		run cmp -i 4096:0 -n 61440 "$dev" /dev/zero
		assert_success
		kbuf_destroy "r-$1"
	}
	kbuf_each_backend check
}

@test "RESIZE to 0 fails with EINVAL and changes nothing" {
	check() {
		run -1 kbuf-ioctl "$KBUF_DEV/$1" resize 0
		assert_output EINVAL
		run kbuf_info "$1" capacity
		assert_output "$(kbuf_default_capacity "$1")"
	}
	kbuf_each_backend check
}

@test "RESIZE over the backend's limit fails with EINVAL" {
	run -1 kbuf-ioctl "$KBUF_DEV/kmalloc" resize 4194305
	assert_output EINVAL
	run -1 kbuf-ioctl "$KBUF_DEV/pages" resize 4194305
	assert_output EINVAL
	run -1 kbuf-ioctl "$KBUF_DEV/vmalloc" resize 1073741825
	assert_output EINVAL
}

@test "RESIZE to exactly the kmalloc and pages limits works" {
	check() {
		kbuf_create "l-$1" "$1" 4096
		kbuf-ioctl "$KBUF_DEV/l-$1" resize 4194304
		run kbuf_info "l-$1" capacity
		assert_output 4194304
		kbuf_destroy "l-$1"
	}
	check kmalloc
	check pages
}

@test "SET_LENGTH, RESIZE and CLEAR on a read-only descriptor fail with EBADF" {
	check() {
		run -1 kbuf-ioctl -r "$KBUF_DEV/$1" set-length 1
		assert_output EBADF
		run -1 kbuf-ioctl -r "$KBUF_DEV/$1" resize 8192
		assert_output EBADF
		run -1 kbuf-ioctl -r "$KBUF_DEV/$1" clear
		assert_output EBADF
	}
	kbuf_each_backend check
}

@test "SET_LENGTH, RESIZE and CLEAR work on a write-only descriptor" {
	check() {
		local cap
		cap=$(kbuf_info "$1" capacity)
		kbuf-ioctl -w "$KBUF_DEV/$1" set-length 1
		kbuf-ioctl -w "$KBUF_DEV/$1" resize "$cap"
		kbuf-ioctl -w "$KBUF_DEV/$1" clear
		run kbuf_info "$1" length
		assert_output 0
	}
	kbuf_each_backend check
}

@test "an unknown command number fails with ENOTTY" {
	check() {
		run -1 kbuf-ioctl "$KBUF_DEV/$1" raw "$(ioc 0 0x7f 0)"
		assert_output ENOTTY
		run -1 kbuf-ioctl "$KBUF_DEV/$1" raw $((0x5401))
		assert_output ENOTTY
	}
	kbuf_each_backend check
}

@test "a known command number with a wrong size or direction fails with ENOTTY" {
	check() {
		run -1 kbuf-ioctl "$KBUF_DEV/$1" raw "$(ioc 2 1 8)"
		assert_output ENOTTY
		# Between 0.1.0's 96 bytes and 0.2.0's 104.
		run -1 kbuf-ioctl "$KBUF_DEV/$1" raw "$(ioc 2 1 100)"
		assert_output ENOTTY
		run -1 kbuf-ioctl "$KBUF_DEV/$1" raw "$(ioc 2 1 112)"
		assert_output ENOTTY
		run -1 kbuf-ioctl "$KBUF_DEV/$1" raw "$(ioc 1 2 4)"
		assert_output ENOTTY
		run -1 kbuf-ioctl "$KBUF_DEV/$1" raw "$(ioc 2 2 8)"
		assert_output ENOTTY
	}
	kbuf_each_backend check
}

@test "the control node's CREATE and DESTROY on a buffer node fail with ENOTTY" {
	check() {
		run -1 kbuf-ioctl "$KBUF_DEV/$1" create x kmalloc 4096
		assert_output ENOTTY
		run -1 kbuf-ioctl "$KBUF_DEV/$1" destroy "$1"
		assert_output ENOTTY
	}
	kbuf_each_backend check
}

# badptr_efault KIND BACKEND: INFO, SET_LENGTH and RESIZE, each given an
# argument pointer of KIND (null or unmapped), fail with EFAULT.
badptr_efault() {
	local cmd
	for cmd in info set-length resize; do
		run -1 kbuf-ioctl "$KBUF_DEV/$2" badptr "$cmd" "$1"
		assert_output EFAULT
	done
}

@test "a NULL argument pointer fails with EFAULT" {
	kbuf_each_backend badptr_efault null
}

@test "an unmapped argument pointer fails with EFAULT" {
	kbuf_each_backend badptr_efault unmapped
}

@test "root sees the physical address of kmalloc and pages buffers, page aligned" {
	check() {
		local phys
		run kbuf_info "$1" flags
		assert_output 1
		phys=$(kbuf_info "$1" phys_addr)
		assert_not_equal "$phys" 0
		assert_equal $((phys % KBUF_PAGE)) 0
	}
	check kmalloc
	check pages
}

@test "nobody sees the physical address of a vmalloc buffer" {
	run kbuf_info vmalloc flags
	assert_output 0
	run kbuf_info vmalloc phys_addr
	assert_output 0
}

@test "root without CAP_SYS_ADMIN sees no physical address" {
	check() {
		run kbuf_without_sys_admin kbuf-ioctl -r "$KBUF_DEV/$1" info flags
		assert_output 0
		run kbuf_without_sys_admin kbuf-ioctl -r "$KBUF_DEV/$1" info phys_addr
		assert_output 0
	}
	kbuf_each_backend check
}

@test "an unprivileged opener sees no physical address" {
	check() {
		local mode
		mode=$(stat -c %a "$KBUF_DEV/$1")
		chmod 0644 "$KBUF_DEV/$1"
		run kbuf_as_nobody kbuf-ioctl -r "$KBUF_DEV/$1" info phys_addr
		chmod "$mode" "$KBUF_DEV/$1"
		assert_output 0
	}
	kbuf_each_backend check
}

@test "the physical address follows the opener: root's descriptor shows it to nobody" {
	local phys
	phys=$(kbuf_info pages phys_addr)
	exec 5<"$KBUF_DEV/pages"
	run kbuf_as_nobody kbuf-ioctl fd:5 info phys_addr
	exec 5<&-
	assert_output "$phys"
}

@test "a 32-bit process gets the same INFO through the compat ioctl path" {
	command -v kbuf-ioctl32 >/dev/null ||
		skip "no 32-bit build of kbuf-ioctl (gcc -m32 needs gcc-multilib)"
	# Without arguments it prints its usage and exits 2, if it runs at all.
	run kbuf-ioctl32
	((status != 126)) ||
		skip "this kernel cannot run 32-bit programs (CONFIG_IA32_EMULATION)"
	check() {
		local dev="$KBUF_DEV/$1"
		kbuf-ioctl32 "$dev" set-length 3
		run kbuf-ioctl32 -r "$dev" info
		assert_success
		assert_output "$(kbuf-ioctl -r "$dev" info)"
		kbuf-ioctl32 "$dev" clear
	}
	kbuf_each_backend check
}

@test "resize while another descriptor is open works and that descriptor sees it" {
	check() {
		kbuf_create "ro-$1" "$1" 8192
		exec 5<>"$KBUF_DEV/ro-$1"
		kbuf-ioctl "$KBUF_DEV/ro-$1" resize 16384
		run kbuf-ioctl -r fd:5 info capacity
		assert_output 16384
		run kbuf-io fd:5 pwrite 16000 x
		assert_output 1
		exec 5<&-
		kbuf_destroy "ro-$1"
	}
	kbuf_each_backend check
}
