#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# The C examples of user/examples/: what they print and what they leave in
# the buffers.

load 'helpers/common'

setup_file() {
	kbuf_file_setup
}

setup() {
	kbuf_test_setup
	kbuf_clear_all
}

@test "mmap_hello says what it did and succeeds" {
	run -0 mmap_hello
	assert_output '/dev/kbuf/vmalloc: wrote 16 bytes through a shared mapping and set the length
now: cat /dev/kbuf/vmalloc'
}

@test "after mmap_hello, cat /dev/kbuf/vmalloc prints its string" {
	mmap_hello
	run cat "$KBUF_DEV/vmalloc"
	assert_output 'hello from mmap'
}

@test "mmap_hello sets the length to the string's length" {
	mmap_hello
	assert_equal "$(kbuf_attr vmalloc length)" 16
}

@test "mmap_hello leaves no mapping and no open file behind" {
	mmap_hello
	assert_equal "$(kbuf_attr vmalloc mappings)" 0
	assert_equal "$(kbuf_attr vmalloc opens)" 0
}

@test "mmap_share: each process sees what the other wrote" {
	run -0 mmap_share
	assert_line --index 0 'child sees:  hello from the parent'
	assert_line --index 1 'parent sees: hello from the child'
	assert_equal "${#lines[@]}" 2
}

@test "mmap_share works on every backend that owns whole pages" {
	check() {
		run -0 mmap_share "$KBUF_DEV/$1"
		assert_line --index 1 'parent sees: hello from the child'
	}
	kbuf_each_backend check
}

@test "mmap_share leaves the buffer unmapped and closed" {
	mmap_share
	assert_equal "$(kbuf_attr vmalloc mappings)" 0
	assert_equal "$(kbuf_attr vmalloc opens)" 0
}

@test "mmap_share on a missing device fails instead of hanging" {
	run -1 timeout 20 mmap_share /dev/kbuf/nosuch
	assert_output --partial '/dev/kbuf/nosuch: No such file or directory'
}

@test "mmap_share on a buffer with no whole page fails with EINVAL" {
	kbuf_create small kmalloc 100
	run -1 timeout 20 mmap_share "$KBUF_DEV/small"
	assert_output --partial '/dev/kbuf/small: mmap: Invalid argument'
}

@test "dmabuf_share: the child writes through the dma-buf it was sent, the parent reads it through the node" {
	run -0 dmabuf_share
	assert_output "child wrote through its mapping of the dma-buf: hello through a dma-buf
parent read through $KBUF_DEV/vmalloc: hello through a dma-buf"
	run cat "$KBUF_DEV/vmalloc"
	assert_output 'hello through a dma-buf'
}

@test "dmabuf_share works on every backend that owns whole pages" {
	check() {
		run -0 dmabuf_share "$KBUF_DEV/$1"
		assert_line --index 1 "parent read through $KBUF_DEV/$1: hello through a dma-buf"
	}
	kbuf_each_backend check
}

@test "dmabuf_share leaves no dma-buf, mapping or open file behind" {
	dmabuf_share
	assert_equal "$(kbuf_attr vmalloc exports)" 0
	assert_equal "$(kbuf_attr vmalloc mappings)" 0
	assert_equal "$(kbuf_attr vmalloc opens)" 0
}

@test "dmabuf_share on a buffer that cannot be exported fails with EINVAL" {
	kbuf_create small kmalloc 100
	run -1 timeout 20 dmabuf_share "$KBUF_DEV/small"
	assert_output --partial '/dev/kbuf/small: KBUF_IOC_EXPORT_DMABUF: Invalid argument'
}
