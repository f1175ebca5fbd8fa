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

FIO_REGION=$((128 << 10))

# fio_job BUFFER JOB ENGINE SIZE [OFFSET]: job JOB, for SIZE bytes at
# OFFSET (default 0) of buffer BUFFER, with the engine's pattern and block size
# (512 B to the region, sequential and random); it writes the region and
# reads it back, checking crc32c. fio cannot ask a character device its
# size and takes it from size=, so a job past offset 0 would find nothing
# to do: a random job, which must stay inside its region, gets a buffer of
# its own, and jobs that share a buffer are sequential, with io_size=.
fio_job() {
	local buf=$1 job=$2 e=$3 size=$4 off=${5:-0} bs rw depth
	local -A opt=(
		[psync]="write 512 1" [pvsync2]="randwrite 4k 1"
		[io_uring]="randwrite 16k 4" [libaio]="write 64k 4"
		[sync]="randwrite 2k 1" [mmap]="write 128k 1"
	)
	read -r rw bs depth <<<"${opt[$e]}"
	((off == 0)) || rw="write"
	printf '[%s]\nfilename=%s\nioengine=%s\nrw=%s\nbs=%s\niodepth=%s\n' \
		"$job" "$KBUF_DEV/$buf" "$e" "$rw" "$bs" "$depth"
	printf 'size=%d\noffset=%d\nio_size=%d\n' $((off + size)) "$off" "$size"
	# verify_state_save=0: no local-*-verify.state file in the cwd.
	printf 'verify=crc32c\nverify_fatal=1\ndo_verify=1\nrandrepeat=1\n'
	printf 'verify_state_save=0\n'
}

# fio_at_once JOBFILE...: one fio per job file, all at once; prints "JOB
# ERROR WRITTEN READ" for each job, in order. Jobs at an offset of one
# buffer each get a fio of their own: together in one fio 3.33 process
# they did less I/O than asked, or none, and reported no error.
fio_at_once() {
	local f rc=0
	local -a pids=()
	for f in "$@"; do
		fio --output-format=json --output="$f.json" "$f" &
		pids+=($!)
	done
	for f in "${pids[@]}"; do
		wait "$f" || rc=1
	done
	for f in "$@"; do
		jq -r '.jobs[] | "\(.jobname) \(.error) \(.write.io_bytes) \(.read.io_bytes)"' \
			"$f.json"
	done
	return "$rc"
}

# fio_engines ENGINES...: for every backend, one 128 KiB buffer per
# engine and one fio running all of the backend's jobs at once (each at
# offset 0 of its buffer), the three fios at once.
fio_engines() {
	local b e
	local -a files=()
	for b in "${KBUF_BACKENDS[@]}"; do
		for e in "$@"; do
			fio_buffer "f$b-$e" "$b" "$FIO_REGION"
			fio_job "f$b-$e" "f$b-$e" "$e" "$FIO_REGION"
		done >"$BATS_TEST_TMPDIR/f$b.fio"
		files+=("$BATS_TEST_TMPDIR/f$b.fio")
	done
	fio_at_once "${files[@]}"
}

# Buffer $1 of backend $2, $3 bytes, written whole once: stores through a
# mapping do not move the length, and a write through the node past the
# length zeroes the gap (kbuf(4)), so a job writing above an mmap job's
# region of the same buffer would wipe what that job stored.
fio_buffer() {
	kbuf_create "$1" "$2" "$3"
	kbuf-io "$KBUF_DEV/$1" fill "$3" 0 >/dev/null
}

# The lines fio prints for ENGINES... over every backend, each job having
# done its whole region.
fio_expect() {
	local b e
	for b in "${KBUF_BACKENDS[@]}"; do
		for e in "$@"; do
			echo "f$b-$e 0 $FIO_REGION $FIO_REGION"
		done
	done
}

@test "fio verifies crc32c through six engines on every backend at once (page mode)" {
	kbuf_require_uring
	local engines=(mmap psync pvsync2 io_uring libaio sync)
	run fio_engines "${engines[@]}"
	assert_success
	assert_output "$(fio_expect "${engines[@]}")"
}

@test "fio's mmap and io_uring engines verify crc32c on every backend in pfn mode" {
	kbuf_require_uring
	local engines=(mmap io_uring)
	kbuf_reload map_mode=pfn
	run fio_engines "${engines[@]}"
	assert_success
	assert_output "$(fio_expect "${engines[@]}")"
	assert_equal "$(kbuf_attr fpages-mmap map_mode)" pfn
	kbuf_destroy_extra
	kbuf_reload
}

@test "four fio jobs at once on one buffer, each on its own region, from 512 B blocks to the whole buffer" {
	kbuf_require_uring
	local b e i size=$((4 * FIO_REGION))
	local -a files
	for b in "${KBUF_BACKENDS[@]}"; do
		fio_buffer "s$b" "$b" "$size"
		i=0 files=()
		# mmap maps a job's file from offset 0 whatever its offset=
		# (fio_mmapio_prep_full): it takes the region at 0.
		for e in mmap psync io_uring libaio; do
			fio_job "s$b" "s$b-$e" "$e" "$FIO_REGION" $((i * FIO_REGION)) \
				>"$BATS_TEST_TMPDIR/s$b-$e.fio"
			files+=("$BATS_TEST_TMPDIR/s$b-$e.fio")
			i=$((i + 1))
		done
		fio_job "s$b" "s$b-whole" psync "$size" | sed "s/^bs=.*/bs=$size/" \
			>"$BATS_TEST_TMPDIR/s$b-whole.fio"
		run fio_at_once "${files[@]}"
		assert_success
		assert_output "$(for e in mmap psync io_uring libaio; do
			echo "s$b-$e 0 $FIO_REGION $FIO_REGION"
		done)"
		run fio_at_once "$BATS_TEST_TMPDIR/s$b-whole.fio"
		assert_output "s$b-whole 0 $size $size"
	done
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
