#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Programs nobody here wrote, moving and checking bytes through the nodes:
# fio with crc32c verification on six I/O engines, every backend and both
# map modes; Python's mmap module; coreutils (dd, cp, cmp, truncate),
# util-linux's hexdump, pv and socat. Each test asserts the exact bytes or
# error and fails if the client reports any error.

load 'helpers/common'

setup() {
	kbuf_test_setup
	kbuf_clear_all
}

FIO_SIZE=$((1 << 20))

# fio_job BACKEND ENGINE I: a job file for region I (128 KiB at I * 128
# KiB) of the 1 MiB buffer f-BACKEND, with its engine's pattern and block
# size (512 B to the region, sequential and random); it writes the region
# and reads it back, checking crc32c. fio takes a character device's size
# from size= and starts at offset=, so the region is [offset, size). With
# I = whole: the whole buffer in one block.
fio_job() {
	local b=$1 e=$2 i=$3 bs rw depth
	local -A opt=(
		[psync]="write 512 1" [pvsync2]="randwrite 4k 1"
		[io_uring]="randwrite 16k 4" [libaio]="write 64k 4"
		[sync]="randwrite 2k 1" [mmap]="write 128k 1"
	)
	local name=$e
	[[ $i != whole ]] || name=whole
	printf '[%s-%s]\nfilename=%s\nverify=crc32c\nverify_fatal=1\n' \
		"$b" "$name" "$KBUF_DEV/f-$b"
	printf 'do_verify=1\nrandrepeat=1\nioengine=%s\n' "$e"
	if [[ $i == whole ]]; then
		printf 'rw=write\nbs=%d\nsize=%d\n' "$FIO_SIZE" "$FIO_SIZE"
		return
	fi
	read -r rw bs depth <<<"${opt[$e]}"
	printf 'rw=%s\nbs=%s\niodepth=%s\noffset=%dk\nsize=%dk\n' \
		"$rw" "$bs" "$depth" $((i * 128)) $((i * 128 + 128))
}

# fio_run ENGINES...: on each backend's buffer, one fio per engine, all at
# once, each on its own region, then the whole buffer in one block; prints
# "JOB ERROR WRITTEN READ" per job. One job per fio: with all of them in
# one fio 3.33 process, on both kernels, jobs past the first region did
# less I/O than their region or none, and reported no error; each alone
# does its region. The mmap engine takes region 0, because fio maps a
# job's file from offset 0 whatever its offset= is (fio_mmapio_prep_full).
fio_run() {
	local b e i rc=0 d=$BATS_TEST_TMPDIR
	local -a pids
	for b in "${KBUF_BACKENDS[@]}"; do
		i=0 pids=()
		for e in "$@"; do
			fio_job "$b" "$e" "$i" >"$d/$b-$e.fio"
			fio --output-format=json --output="$d/$b-$e.json" \
				"$d/$b-$e.fio" &
			pids+=($!) i=$((i + 1))
		done
		for i in "${pids[@]}"; do
			wait "$i" || rc=1
		done
		fio_job "$b" psync whole >"$d/$b-whole.fio"
		fio --output-format=json --output="$d/$b-whole.json" \
			"$d/$b-whole.fio" || rc=1
		for e in "$@" whole; do
			jq -r '.jobs[] | "\(.jobname) \(.error) \(.write.io_bytes) \(.read.io_bytes)"' \
				"$d/$b-$e.json"
		done
	done
	return "$rc"
}

# The lines fio_run prints when every job did all its I/O.
fio_expect() {
	local b e
	for b in "${KBUF_BACKENDS[@]}"; do
		for e in "$@"; do
			echo "$b-$e 0 131072 131072"
		done
		echo "$b-whole 0 $FIO_SIZE $FIO_SIZE"
	done
}

# Buffers of FIO_SIZE bytes, written whole once: stores through a mapping
# do not move the length, and a write through the node past the length
# zeroes the gap, so the first write of a job above the mmap job's region
# would wipe what the mmap job stored there (the semantics kbuf(4) gives).
fio_buffers() {
	local b
	for b in "${KBUF_BACKENDS[@]}"; do
		kbuf_create "f-$b" "$b" "$FIO_SIZE"
		kbuf-io "$KBUF_DEV/f-$b" fill "$FIO_SIZE" 0 >/dev/null
	done
}

@test "fio verifies crc32c through six engines at once on every backend (page mode)" {
	kbuf_require_uring
	local engines=(mmap psync pvsync2 io_uring libaio sync)
	fio_buffers
	run fio_run "${engines[@]}"
	assert_success
	assert_output "$(fio_expect "${engines[@]}")"
}

@test "fio's mmap and io_uring engines verify crc32c on every backend in pfn mode" {
	kbuf_require_uring
	local engines=(mmap io_uring)
	kbuf_reload map_mode=pfn
	fio_buffers
	run fio_run "${engines[@]}"
	assert_success
	assert_output "$(fio_expect "${engines[@]}")"
	assert_equal "$(kbuf_attr f-pages map_mode)" pfn
	kbuf_destroy_extra
	kbuf_reload
}

@test "Python's mmap module shares a mapping with the node" {
	check() {
		run python3 -c "import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 4096)
os.pwrite(fd, b'node', 200)
m[100:105] = b'mmap!'
print(os.pread(fd, 5, 100), m[200:204], len(m))
try:
    mmap.mmap(fd, 4096, flags=mmap.MAP_PRIVATE)
except OSError as e:
    print(os.strerror(e.errno))" "$KBUF_DEV/$1"
		assert_output "b'mmap!' b'node' 4096
Invalid argument"
	}
	kbuf_each_backend check
}

@test "dd with iflag=direct or oflag=direct is refused at open with EINVAL" {
	run dd if="$KBUF_DEV/pages" of=/dev/null iflag=direct bs=4k count=1 status=none
	assert_failure 1
	assert_output "dd: failed to open '$KBUF_DEV/pages': Invalid argument"
	run dd if=/dev/zero of="$KBUF_DEV/pages" oflag=direct bs=4k count=1 status=none
	assert_failure 1
	assert_output "dd: failed to open '$KBUF_DEV/pages': Invalid argument"
	assert_equal "$(kbuf_attr pages length)" 0
}

@test "dd, cp and cmp copy a buffer's valid bytes, not its capacity" {
	check() {
		head -c 5000 /dev/urandom >"$BATS_TEST_TMPDIR/src"
		run dd if="$BATS_TEST_TMPDIR/src" of="$KBUF_DEV/$1" bs=1000 status=none
		assert_success
		cp "$KBUF_DEV/$1" "$BATS_TEST_TMPDIR/copy"
		assert_equal "$(stat -c %s "$BATS_TEST_TMPDIR/copy")" 5000
		run cmp "$BATS_TEST_TMPDIR/src" "$KBUF_DEV/$1"
		assert_success
		assert_output ""
	}
	kbuf_each_backend check
}

@test "truncate cannot change a buffer's length: EINVAL, as for any character device" {
	printf 'abcdef' >"$KBUF_DEV/kmalloc"
	run truncate -s 2 "$KBUF_DEV/kmalloc"
	assert_failure 1
	assert_output "truncate: failed to truncate '$KBUF_DEV/kmalloc' at 2 bytes: Invalid argument"
	assert_equal "$(kbuf_attr kmalloc length)" 6
}

@test "hexdump shows the bytes written and the zeros of a gap" {
	printf 'AB' >"$KBUF_DEV/vmalloc"
	printf 'Z' | dd of="$KBUF_DEV/vmalloc" bs=1 seek=17 conv=notrunc status=none
	run hexdump -C "$KBUF_DEV/vmalloc"
	assert_output "00000000  41 42 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |AB..............|
00000010  00 5a                                             |.Z|
00000012"
}

@test "pv and socat move a file into a buffer and back unchanged" {
	check() {
		local cap
		cap=$(kbuf_info "$1" capacity)
		head -c "$cap" /dev/urandom >"$BATS_TEST_TMPDIR/src"
		pv -q "$BATS_TEST_TMPDIR/src" >"$KBUF_DEV/$1"
		pv -q "$KBUF_DEV/$1" | cat >"$BATS_TEST_TMPDIR/pv"
		cmp "$BATS_TEST_TMPDIR/src" "$BATS_TEST_TMPDIR/pv"
		kbuf_clear "$1"
		socat -u "FILE:$BATS_TEST_TMPDIR/src" "FILE:$KBUF_DEV/$1"
		socat -u "FILE:$KBUF_DEV/$1" "CREATE:$BATS_TEST_TMPDIR/socat"
		cmp "$BATS_TEST_TMPDIR/src" "$BATS_TEST_TMPDIR/socat"
	}
	kbuf_each_backend check
}
