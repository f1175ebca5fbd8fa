#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# The buffers as files from the shell: echo, cat, >, >>, dd with seek and
# skip. Every test runs on all three backends.

load 'helpers/common'

setup() {
	kbuf_test_setup
	kbuf_clear_all
}

@test "echo into a node and cat print the same line" {
	check() {
		echo hello >"$KBUF_DEV/$1"
		run cat "$KBUF_DEV/$1"
		assert_output hello
	}
	kbuf_each_backend check
}

@test "cat of a buffer whose length is 0 prints nothing" {
	check() {
		run cat "$KBUF_DEV/$1"
		assert_output ''
		assert_equal "$(wc -c <"$KBUF_DEV/$1")" 0
	}
	kbuf_each_backend check
}

@test "cat reads length bytes, not the whole capacity" {
	check() {
		echo hi >"$KBUF_DEV/$1"
		assert_equal "$(wc -c <"$KBUF_DEV/$1")" 3
	}
	kbuf_each_backend check
}

@test "a second echo with > replaces a longer first line" {
	check() {
		echo 'a much longer first line' >"$KBUF_DEV/$1"
		echo hi >"$KBUF_DEV/$1"
		run cat "$KBUF_DEV/$1"
		assert_output hi
	}
	kbuf_each_backend check
}

@test "echo with >> appends after the existing data" {
	check() {
		echo first >"$KBUF_DEV/$1"
		echo second >>"$KBUF_DEV/$1"
		run cat "$KBUF_DEV/$1"
		assert_output "$(printf '%s\n' first second)"
	}
	kbuf_each_backend check
}

@test "truncating with : > sets length to 0 and leaves the bytes in place" {
	check() {
		echo hello >"$KBUF_DEV/$1"
		: >"$KBUF_DEV/$1"
		assert_length_0_bytes_kept "$1"
	}
	kbuf_each_backend check
}

@test "dd with seek and conv=notrunc writes at that offset and the gap reads as zeros" {
	check() {
		printf XY | dd of="$KBUF_DEV/$1" bs=1 seek=10 conv=notrunc status=none
		run kbuf_info "$1" length
		assert_output 12
		run cmp -n 10 "$KBUF_DEV/$1" /dev/zero
		assert_success
		run dd if="$KBUF_DEV/$1" bs=1 skip=10 status=none
		assert_output XY
	}
	kbuf_each_backend check
}

@test "dd without conv=notrunc truncates first, as on a file" {
	check() {
		echo 0123456789 >"$KBUF_DEV/$1"
		printf ab | dd of="$KBUF_DEV/$1" status=none
		run cat "$KBUF_DEV/$1"
		assert_output ab
	}
	kbuf_each_backend check
}

@test "dd with skip reads from that offset" {
	check() {
		echo 0123456789 >"$KBUF_DEV/$1"
		run dd if="$KBUF_DEV/$1" bs=1 skip=4 count=3 status=none
		assert_output 456
	}
	kbuf_each_backend check
}

@test "dd of exactly capacity bytes fills the buffer and cat returns them all" {
	check() {
		local cap
		cap=$(kbuf_info "$1" capacity)
		head -c "$cap" /dev/urandom >"$BATS_TEST_TMPDIR/data"
		dd if="$BATS_TEST_TMPDIR/data" of="$KBUF_DEV/$1" bs=4096 status=none
		run kbuf_info "$1" length
		assert_output "$cap"
		run cmp "$BATS_TEST_TMPDIR/data" "$KBUF_DEV/$1"
		assert_success
	}
	kbuf_each_backend check
}

@test "dd writing past capacity stops with No space left on device" {
	check() {
		local cap
		cap=$(kbuf_info "$1" capacity)
		run dd if=/dev/zero of="$KBUF_DEV/$1" bs=4096 \
			count=$((cap / 4096 + 2)) status=none
		assert_failure
		assert_output --partial 'No space left on device'
		run kbuf_info "$1" length
		assert_output "$cap"
	}
	kbuf_each_backend check
}

@test "printf of text with NUL bytes reads back byte for byte" {
	check() {
		printf 'a\0b\0c' >"$KBUF_DEV/$1"
		run od -An -c "$KBUF_DEV/$1"
		assert_output --regexp '^ +a +\\0 +b +\\0 +c$'
	}
	kbuf_each_backend check
}
