#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Boundaries and error paths that fit no single area, and a quiet kernel
# log on the happy path. Allocation failures are 91-fault.bats'.

load 'helpers/common'

setup() {
	kbuf_test_setup
	kbuf_clear_all
}

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

@test "a one-byte write at capacity - 1 fills the last byte" {
	check() {
		local cap
		cap=$(kbuf_info "$1" capacity)
		run kbuf-io "$KBUF_DEV/$1" pwrite $((cap - 1)) z info length
		assert_output "$(printf '%s\n' 1 "$cap")"
	}
	kbuf_each_backend check
}

@test "a write at capacity after a seek to capacity fails with ENOSPC" {
	check() {
		run -1 kbuf-io "$KBUF_DEV/$1" seek "$(kbuf_info "$1" capacity)" set \
			write x
		assert_output "$(printf '%s\n' "$(kbuf_info "$1" capacity)" ENOSPC)"
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

@test "a position left past capacity by a shrinking resize reads 0 and writes ENOSPC" {
	check() {
		kbuf_create "sh-$1" "$1" 16384
		exec 5<>"$KBUF_DEV/sh-$1"
		kbuf-io fd:5 seek 12000 set >/dev/null
		kbuf-ioctl "$KBUF_DEV/sh-$1" resize 8192
		run kbuf-io fd:5 read 10
		assert_output 0
		run -1 kbuf-io fd:5 write x
		assert_output ENOSPC
		exec 5<&-
		kbuf_destroy "sh-$1"
	}
	kbuf_each_backend check
}

@test "opening the node of a destroyed buffer fails with ENOENT" {
	kbuf_create gone vmalloc 4096
	kbuf_destroy gone
	run -1 kbuf-io "$KBUF_DEV/gone" read 1
	assert_output ENOENT
}
