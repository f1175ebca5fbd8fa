#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# read, write, pread, pwrite and lseek at exact offsets (kbuf-io): the
# fixed-capacity file semantics, faults in the user buffer, O_APPEND and
# O_TRUNC, and threads racing on one descriptor and on many. Every test
# runs on all three backends.

load 'helpers/common'

setup() {
	kbuf_test_setup
	kbuf_clear_all
}

cap_of() {
	kbuf_info "$1" capacity
}

@test "read returns at most length minus position bytes" {
	check() {
		run kbuf-io "$KBUF_DEV/$1" write 0123456789 pread 4 100
		assert_output "$(printf '%s\n' 10 6)"
	}
	kbuf_each_backend check
}

@test "read returns the bytes written at that position" {
	check() {
		run kbuf-io "$KBUF_DEV/$1" write 0123456789 pdump 3 4
		assert_output "$(printf '%s\n' 10 3456)"
	}
	kbuf_each_backend check
}

@test "read at length returns 0" {
	check() {
		run kbuf-io "$KBUF_DEV/$1" write abc read 10
		assert_output "$(printf '%s\n' 3 0)"
	}
	kbuf_each_backend check
}

@test "read past length but inside capacity returns 0" {
	check() {
		run kbuf-io "$KBUF_DEV/$1" write abc pread 100 10
		assert_output "$(printf '%s\n' 3 0)"
	}
	kbuf_each_backend check
}

@test "read at and beyond capacity returns 0 even when the buffer is full" {
	check() {
		local cap
		cap=$(cap_of "$1")
		kbuf-ioctl "$KBUF_DEV/$1" set-length "$cap"
		run kbuf-io "$KBUF_DEV/$1" pread "$cap" 10 pread $((cap + 4096)) 10
		assert_output "$(printf '%s\n' 0 0)"
	}
	kbuf_each_backend check
}

@test "a write that starts at capacity fails with ENOSPC" {
	check() {
		run -1 kbuf-io "$KBUF_DEV/$1" pwrite "$(cap_of "$1")" x
		assert_output ENOSPC
		run kbuf_info "$1" length
		assert_output 0
	}
	kbuf_each_backend check
}

@test "a write that starts beyond capacity fails with ENOSPC" {
	check() {
		run -1 kbuf-io "$KBUF_DEV/$1" pwrite $(($(cap_of "$1") + 4097)) x
		assert_output ENOSPC
	}
	kbuf_each_backend check
}

@test "a write that crosses capacity is short and fills the buffer" {
	check() {
		local cap
		cap=$(cap_of "$1")
		run kbuf-io "$KBUF_DEV/$1" pwrite $((cap - 3)) abcdef \
			pdump $((cap - 3)) 10
		assert_output "$(printf '%s\n' 3 abc)"
		run kbuf_info "$1" length
		assert_output "$cap"
	}
	kbuf_each_backend check
}

@test "a write inside the length keeps the length and the other bytes" {
	check() {
		run kbuf-io "$KBUF_DEV/$1" write abcdef pwrite 2 X info length \
			pdump 0 10
		assert_output "$(printf '%s\n' 6 1 6 abXdef)"
	}
	kbuf_each_backend check
}

@test "a write past the length moves the length to its end" {
	check() {
		run kbuf-io "$KBUF_DEV/$1" write abc pwrite 3 defg info length
		assert_output "$(printf '%s\n' 3 4 7)"
	}
	kbuf_each_backend check
}

@test "a write past the length zero-fills the gap even over old bytes" {
	check() {
		kbuf-io "$KBUF_DEV/$1" write AAAAAAAAAA >/dev/null
		kbuf-ioctl "$KBUF_DEV/$1" set-length 2
		run kbuf-io "$KBUF_DEV/$1" pwrite 6 B pdump 0 10
		assert_output "$(printf '%s\n' 1 'AA\x00\x00\x00\x00B')"
	}
	kbuf_each_backend check
}

@test "read and write advance the file position" {
	check() {
		run kbuf-io "$KBUF_DEV/$1" write abcdef seek 0 cur seek 1 set \
			read 2 seek 0 cur dump 10
		assert_output "$(printf '%s\n' 6 6 1 2 3 def)"
	}
	kbuf_each_backend check
}

@test "lseek SEEK_SET to capacity succeeds and to capacity + 1 fails with EINVAL" {
	check() {
		local cap
		cap=$(cap_of "$1")
		run -1 kbuf-io "$KBUF_DEV/$1" seek "$cap" set seek $((cap + 1)) set \
			seek 0 cur
		assert_output "$(printf '%s\n' "$cap" EINVAL "$cap")"
	}
	kbuf_each_backend check
}

@test "lseek to a negative position fails with EINVAL" {
	check() {
		run -1 kbuf-io "$KBUF_DEV/$1" seek 5 set seek -1 set seek -6 cur \
			seek 0 cur
		assert_output "$(printf '%s\n' 5 EINVAL EINVAL 5)"
	}
	kbuf_each_backend check
}

@test "lseek SEEK_CUR moves relative to the position up to capacity" {
	check() {
		local cap
		cap=$(cap_of "$1")
		run -1 kbuf-io "$KBUF_DEV/$1" seek 10 set seek 5 cur \
			seek $((cap - 15)) cur seek 1 cur
		assert_output "$(printf '%s\n' 10 15 "$cap" EINVAL)"
	}
	kbuf_each_backend check
}

@test "lseek SEEK_END is relative to length, not capacity" {
	check() {
		local cap
		cap=$(cap_of "$1")
		run -1 kbuf-io "$KBUF_DEV/$1" write 0123456789 seek 0 end \
			seek -3 end seek $((cap - 10)) end seek $((cap - 9)) end \
			seek -11 end
		assert_output "$(printf '%s\n' 10 10 7 "$cap" EINVAL EINVAL)"
	}
	kbuf_each_backend check
}

@test "lseek SEEK_DATA and SEEK_HOLE behave as on a file of size length" {
	check() {
		run -1 kbuf-io "$KBUF_DEV/$1" write 0123456789 seek 3 data \
			seek 10 data seek 3 hole seek 10 hole
		assert_output "$(printf '%s\n' 10 3 ENXIO 10 ENXIO)"
	}
	kbuf_each_backend check
}

@test "lseek SEEK_DATA on an empty buffer fails with ENXIO" {
	check() {
		run -1 kbuf-io "$KBUF_DEV/$1" seek 0 data
		assert_output ENXIO
	}
	kbuf_each_backend check
}

@test "lseek with an unknown whence fails with EINVAL" {
	check() {
		run -1 kbuf-io "$KBUF_DEV/$1" seek 0 5
		assert_output EINVAL
	}
	kbuf_each_backend check
}

@test "with O_APPEND every write goes at length whatever the position" {
	check() {
		run kbuf-io -a "$KBUF_DEV/$1" write abc seek 0 set write de \
			pwrite 0 f pdump 0 10
		assert_output "$(printf '%s\n' 3 0 2 1 abcdef)"
	}
	kbuf_each_backend check
}

@test "with O_APPEND a write to a full buffer fails with ENOSPC" {
	check() {
		kbuf-ioctl "$KBUF_DEV/$1" set-length "$(cap_of "$1")"
		run -1 kbuf-io -a "$KBUF_DEV/$1" write x
		assert_output ENOSPC
	}
	kbuf_each_backend check
}

# trunc_open_length MODE LENGTH BACKEND: after "abc" is written, an O_TRUNC
# open with MODE (kbuf-io's -w or -r) sees the length LENGTH.
trunc_open_length() {
	kbuf-io "$KBUF_DEV/$3" write abc >/dev/null
	run kbuf-io "$1" -t "$KBUF_DEV/$3" info length
	assert_output "$2"
}

@test "an O_TRUNC open with write access sets length to 0" {
	kbuf_each_backend trunc_open_length -w 0
}

@test "an O_TRUNC open without write access keeps the length" {
	kbuf_each_backend trunc_open_length -r 3
}

# The VFS refuses O_DIRECT only after the driver's open has run: the
# driver must refuse it first, or O_TRUNC truncates for an open that fails.
@test "an O_TRUNC open with O_DIRECT fails with EINVAL and keeps the length" {
	check() {
		kbuf-io "$KBUF_DEV/$1" write abc >/dev/null
		run -1 python3 -c '
import errno, os, sys
try:
    os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC | os.O_DIRECT)
except OSError as e:
    sys.exit(errno.errorcode[e.errno])
' "$KBUF_DEV/$1"
		assert_output EINVAL
		run kbuf_info "$1" length
		assert_output 3
	}
	kbuf_each_backend check
}

@test "a read into a buffer whose tail is unmapped returns the bytes before the fault" {
	check() {
		kbuf-ioctl "$KBUF_DEV/$1" set-length 8192
		run kbuf-io "$KBUF_DEV/$1" read-split 100 1000 seek 0 cur
		assert_output "$(printf '%s\n' 100 100)"
	}
	kbuf_each_backend check
}

@test "a read into a wholly unmapped buffer fails with EFAULT and keeps the position" {
	check() {
		kbuf-ioctl "$KBUF_DEV/$1" set-length 8192
		run -1 kbuf-io "$KBUF_DEV/$1" read-bad 1000 seek 0 cur
		assert_output "$(printf '%s\n' EFAULT 0)"
	}
	kbuf_each_backend check
}

@test "a write from a buffer whose tail is unmapped writes the bytes before the fault" {
	check() {
		run kbuf-io "$KBUF_DEV/$1" write-split 100 1000 info length \
			pdump 98 5
		assert_output "$(printf '%s\n' 100 100 SS)"
	}
	kbuf_each_backend check
}

@test "a write from a wholly unmapped buffer fails with EFAULT and changes nothing" {
	check() {
		run -1 kbuf-io "$KBUF_DEV/$1" write-bad 1000 info length
		assert_output "$(printf '%s\n' EFAULT 0)"
	}
	kbuf_each_backend check
}

# copy_from_user() zeroes what it could not copy: a driver that copies
# into live data with it overwrites bytes the write never reports. write()
# and writev() take different paths to the copy (fops.c).
@test "a write that faults changes no byte past those it reports, through write() and writev()" {
	check() {
		local op
		for op in write-split writev-split; do
			run -1 kbuf-io "$KBUF_DEV/$1" fill 2000 120 seek 0 set \
				"$op" 100 1000 pdump 98 4 write-bad 1000 \
				pdump 100 2 info length
			assert_output "$(printf '%s\n' 2000 0 100 SSxx EFAULT xx 2000)"
		done
	}
	kbuf_each_backend check
}

@test "a write that faults in its second 256 KiB chunk keeps the bytes after the fault" {
	local valid=$((256 * 1024 + 4096))
	run kbuf-io "$KBUF_DEV/vmalloc" fill $((512 * 1024)) 120 seek 0 set \
		write-split "$valid" $((300 * 1024)) pdump $((valid - 2)) 4 \
		pdump $((300 * 1024 - 2)) 4
	assert_output "$(printf '%s\n' $((512 * 1024)) 0 "$valid" SSxx xxxx)"
}

@test "a read of the whole vmalloc buffer into one user buffer is complete" {
	local cap
	cap=$(cap_of vmalloc)
	kbuf-ioctl "$KBUF_DEV/vmalloc" set-length "$cap"
	run kbuf-io "$KBUF_DEV/vmalloc" read "$cap"
	assert_output "$cap"
}

@test "threads reading, writing, seeking and calling ioctls on one descriptor and many are safe" {
	run kbuf-hammer -t 12 -s 4 "$KBUF_DEV/kmalloc" "$KBUF_DEV/pages" \
		"$KBUF_DEV/vmalloc"
	assert_success
	assert_output --regexp '^ok [0-9]+$'
}

@test "threads resizing and mapping while others read and write are safe" {
	run kbuf-hammer -t 12 -s 4 -m -R 4096,8192,65536,100000 \
		"$KBUF_DEV/kmalloc" "$KBUF_DEV/pages" "$KBUF_DEV/vmalloc"
	assert_success
	assert_output --regexp '^ok [0-9]+$'
	# Put the default capacities back for the tests after this one.
	kbuf-ioctl "$KBUF_DEV/kmalloc" resize 65536
	kbuf-ioctl "$KBUF_DEV/pages" resize $((KBUF_PAGE << 4))
	kbuf-ioctl "$KBUF_DEV/vmalloc" resize 1048576
}

# The VFS locks a shared position (f_pos_lock) only for files marked
# FMODE_ATOMIC_POS, which it sets for regular files; kbuf_open() sets it
# too. Without it two calls can read the same position and store theirs
# back, so records are written over or read twice: in the stock guests
# (one virtual CPU) 416 and 1046 of the 4096 were lost (the helper then
# used write() and read() only). The same run on a regular file in the
# guest shows only that the helper counts right.
@test "threads sharing a descriptor write and read each record once, as in a regular file" {
	local want="wrote 4096, lost 0; read 4096, twice 0, missed 0"
	shared_pos() {
		run python3 "$KBUF_ROOT/tests/helpers/shared-pos.py" "$1" 4 1024
		assert_output "$want"
	}
	check() {
		local cap
		cap=$(cap_of "$1")
		((cap >= 65536)) || fail "$1: capacity $cap, 65536 needed"
		shared_pos "$KBUF_DEV/$1"
	}
	: >"$BATS_TEST_TMPDIR/regular"
	shared_pos "$BATS_TEST_TMPDIR/regular"
	kbuf_each_backend check
}

@test "a reader killed during long reads leaves the buffer closed and usable" {
	local size=$((64 << 20)) reads=() i rc=0
	kbuf_create big vmalloc "$size"
	kbuf-ioctl "$KBUF_DEV/big" set-length "$size"
	for ((i = 0; i < 100; i++)); do
		reads+=(pread 0 "$size")
	done
	kbuf_bg kbuf-io "$KBUF_DEV/big" "${reads[@]}"
	sleep 1
	kill -KILL "$KBUF_BG_PID"
	wait "$KBUF_BG_PID" || rc=$?
	assert_equal "$rc" 137
	run kbuf_info big opens
	assert_output 1
	run kbuf_destroy big
	assert_success
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
