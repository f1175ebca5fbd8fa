#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# The iterator path (read_iter/write_iter) as the calls that need it see
# it: readv/writev, preadv2/pwritev2 and their RWF_* flags, RWF_NOWAIT
# against a busy buffer, sendfile, splice and copy_file_range, io_uring's
# READ/WRITE/READV/WRITEV and fixed buffers in both map modes. Python's os
# module and liburing (kbuf-uring, kbuf-nowait) are the clients.

load 'helpers/common'

setup() {
	kbuf_test_setup
	kbuf_clear_all
}

# py DEV CODE: run CODE with fd open O_RDWR on DEV and os imported.
py() {
	python3 -c "import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
$2" "$1"
}

@test "writev gathers and readv scatters across iovecs" {
	check() {
		run py "$KBUF_DEV/$1" "print(os.writev(fd, [b'ab', b'', b'cdef']))
print(os.preadv(fd, [a := bytearray(1), b := bytearray(9)], 0), a, b)"
		assert_output "6
6 bytearray(b'a') bytearray(b'bcdef\x00\x00\x00\x00')"
	}
	kbuf_each_backend check
}

@test "preadv2 and pwritev2 with RWF_NOWAIT work on an idle buffer" {
	check() {
		run py "$KBUF_DEV/$1" "print(os.pwritev(fd, [b'idle'], 0, os.RWF_NOWAIT))
print(os.preadv(fd, [b := bytearray(8)], 1, os.RWF_NOWAIT), bytes(b[:3]))"
		assert_output "4
3 b'dle'"
	}
	kbuf_each_backend check
}

@test "RWF_NOWAIT gets EAGAIN while a writer holds the buffer, and io_uring waits for it" {
	kbuf_require_uring
	[[ -e /proc/sys/vm/unprivileged_userfaultfd ]] ||
		skip "this kernel has no userfaultfd (CONFIG_USERFAULTFD)"
	check() {
		run kbuf-nowait "$KBUF_DEV/$1" 16
		assert_success
		assert_output "preadv2 RWF_NOWAIT: EAGAIN
pwritev2 RWF_NOWAIT: EAGAIN
io_uring read RWF_NOWAIT: EAGAIN
io_uring read: pending
writer: 16
io_uring read: 16 UUUUUUUUUUUUUUUU
preadv2 RWF_NOWAIT: 16 UUUUUUUUUUUUUUUU"
		assert_equal "$(kbuf_attr "$1" length)" 16
	}
	kbuf_each_backend check
}

@test "pwritev2 with RWF_APPEND writes at the length, not at the offset" {
	check() {
		run py "$KBUF_DEV/$1" "os.write(fd, b'abc')
print(os.pwritev(fd, [b'xyz'], 0, os.RWF_APPEND), os.pread(fd, 9, 0))"
		assert_output "3 b'abcxyz'"
	}
	kbuf_each_backend check
}

@test "RWF_NOAPPEND writes at the offset of an O_APPEND descriptor from 6.9; EOPNOTSUPP on 6.1" {
	check() {
		run python3 -c "import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_APPEND)
os.write(fd, b'abcdef')
for flags in (0x20, 0x20 | os.RWF_APPEND):
    try:
        print(os.pwritev(fd, [b'XY'], 1, flags))
    except OSError as e:
        print(os.strerror(e.errno))
print(os.pread(fd, 9, 0))" "$KBUF_DEV/$1"
		if [[ $(uname -r) == 6.1.* ]]; then
			assert_output "Operation not supported
Operation not supported
b'abcdef'"
		else
			assert_output "2
Invalid argument
b'aXYdef'"
		fi
	}
	kbuf_each_backend check
}

@test "RWF_DSYNC, RWF_SYNC and RWF_HIPRI are accepted and change nothing" {
	run py "$KBUF_DEV/vmalloc" "for f in (os.RWF_DSYNC, os.RWF_SYNC, os.RWF_HIPRI):
    print(os.pwritev(fd, [b'ok'], 0, f), os.preadv(fd, [bytearray(2)], 0, f))"
	assert_output "2 2
2 2
2 2"
}

@test "an unknown RWF flag is EOPNOTSUPP and changes nothing" {
	check() {
		run py "$KBUF_DEV/$1" "for call in (os.preadv, os.pwritev):
    try:
        call(fd, [bytearray(4)], 0, 1 << 30)
    except OSError as e:
        print(call.__name__, os.strerror(e.errno))"
		assert_output "preadv Operation not supported
pwritev Operation not supported"
		assert_equal "$(kbuf_attr "$1" length)" 0
	}
	kbuf_each_backend check
}

@test "sendfile copies from a buffer's offset to a file and stops at the length" {
	check() {
		run py "$KBUF_DEV/$1" "os.write(fd, b'0123456789')
out = os.open('$BATS_TEST_TMPDIR/out', os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
print(os.sendfile(out, fd, 2, 100), os.sendfile(out, fd, 10, 100))"
		assert_output "8 0"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" 23456789
	}
	kbuf_each_backend check
}

@test "sendfile into a buffer writes at its position, short at the capacity, then ENOSPC" {
	check() {
		local cap
		cap=$(kbuf_info "$1" capacity)
		head -c $((cap + 100)) /dev/urandom >"$BATS_TEST_TMPDIR/src"
		run py "$KBUF_DEV/$1" "src = os.open('$BATS_TEST_TMPDIR/src', os.O_RDONLY)
os.lseek(fd, 100, os.SEEK_SET)
print(os.sendfile(fd, src, 0, $cap))
try:
    os.sendfile(fd, src, 0, 10)
except OSError as e:
    print(os.strerror(e.errno))"
		assert_output "$((cap - 100))
No space left on device"
		cmp -n $((cap - 100)) "$BATS_TEST_TMPDIR/src" - < <(tail -c +101 "$KBUF_DEV/$1")
	}
	kbuf_each_backend check
}

@test "splice moves bytes from a buffer into a pipe and from a pipe into a buffer" {
	check() {
		run py "$KBUF_DEV/$1" "os.write(fd, b'spliced!')
r, w = os.pipe()
print(os.splice(fd, w, 100, offset_src=1))
print(os.splice(r, fd, 100, offset_dst=20), os.pread(fd, 30, 18))"
		assert_output "7
7 b'\x00\x00pliced!'"
	}
	kbuf_each_backend check
}

# splice() copies the bytes into the pipe: the pipe holds no reference on
# the buffer's pages, so no later write, clear, resize or destroy can show
# through it, and no pipe can keep a freed block alive (docs/pitfalls.md).
@test "splice copies: what the pipe holds does not change with a later write or clear" {
	check() {
		run py "$KBUF_DEV/$1" "import ctypes, subprocess
libc = ctypes.CDLL(None, use_errno=True)
os.write(fd, b'old')
r, w = os.pipe()
print(os.splice(fd, w, 3, offset_src=0))
os.pwrite(fd, b'new', 0)
r2, w2 = os.pipe()
print(libc.tee(r, w2, 3, 0))
subprocess.run(['kbuf-ioctl', sys.argv[1], 'clear'], check=True)
print(os.read(r2, 3).decode(), os.read(r, 3).decode())"
		assert_output "3
3
old old"
	}
	kbuf_each_backend check
}

# If the pipe held the pages, the two creates after the destroy could get
# the freed memory, or the destroy would have freed it under the pipe.
@test "bytes in a pipe outlive a resize and a destroy of their buffer" {
	check() {
		local name=pipe-$1
		kbuf_create "$name" "$1" 65536
		run py "$KBUF_DEV/$name" "import subprocess
def kbuf_ioctl(*args):
    subprocess.run(['kbuf-ioctl', *args], check=True)
def read_all(r, n):
    out = b''
    while len(out) < n:
        out += os.read(r, n - len(out))
    return out
data = os.urandom(65536)
os.write(fd, data)
r1, w1 = os.pipe()
r2, w2 = os.pipe()
print(os.splice(fd, w1, 32768, offset_src=0))
os.close(fd)
kbuf_ioctl(sys.argv[1], 'resize', '131072')
fd = os.open(sys.argv[1], os.O_RDONLY)
print(os.splice(fd, w2, 32768, offset_src=32768))
os.close(fd)
kbuf_ioctl('$KBUF_CONTROL', 'destroy', '$name')
kbuf_ioctl('$KBUF_CONTROL', 'create', '$name-a', '$1', '131072')
kbuf_ioctl('$KBUF_CONTROL', 'create', '$name-b', '$1', '65536')
print(read_all(r1, 32768) == data[:32768], read_all(r2, 32768) == data[32768:])"
		assert_output "32768
32768
True True"
	}
	kbuf_each_backend check
}

@test "copy_file_range between a buffer and a file is EINVAL: the kernel wants regular files" {
	run py "$KBUF_DEV/pages" "os.write(fd, b'abc')
out = os.open('$BATS_TEST_TMPDIR/out', os.O_RDWR | os.O_CREAT)
for a, b in ((fd, out), (out, fd)):
    try:
        os.copy_file_range(a, b, 3, 0, 0)
    except OSError as e:
        print(os.strerror(e.errno))"
	assert_output "Invalid argument
Invalid argument"
	assert_equal "$(kbuf_attr pages length)" 3
}

@test "io_uring WRITE, READ, WRITEV and READV move the exact bytes" {
	kbuf_require_uring
	check() {
		run kbuf-uring "$KBUF_DEV/$1" write 0 hello
		assert_output 5
		run kbuf-uring "$KBUF_DEV/$1" read 1 10
		assert_output "$(printf '%s\n' ello 4)"
		run kbuf-uring "$KBUF_DEV/$1" writev 3 ab "" cde
		assert_output 5
		run kbuf-uring "$KBUF_DEV/$1" readv 0 3 5
		assert_output "$(printf '%s\n' hel abcde 8)"
	}
	kbuf_each_backend check
}

@test "io_uring writes at the capacity get ENOSPC and reads at the length 0" {
	kbuf_require_uring
	check() {
		local cap
		cap=$(kbuf_info "$1" capacity)
		run kbuf-uring "$KBUF_DEV/$1" write "$cap" x
		assert_failure 1
		assert_output ENOSPC
		run kbuf-uring "$KBUF_DEV/$1" write $((cap - 2)) xyz
		assert_output 2
		run kbuf-uring "$KBUF_DEV/$1" read "$cap" 4
		assert_output "$(printf '\n0')"
	}
	kbuf_each_backend check
}

@test "splice, sendfile and io_uring transfers count in the sysfs statistics" {
	kbuf_require_uring
	local r0 w0 br0 bw0
	r0=$(kbuf_attr vmalloc reads) w0=$(kbuf_attr vmalloc writes)
	br0=$(kbuf_attr vmalloc bytes_read) bw0=$(kbuf_attr vmalloc bytes_written)
	kbuf-uring "$KBUF_DEV/vmalloc" write 0 12345678
	kbuf-uring "$KBUF_DEV/vmalloc" read 0 8
	py "$KBUF_DEV/vmalloc" "os.sendfile(os.open('/dev/null', os.O_WRONLY), fd, 0, 8)"
	assert_equal "$(kbuf_attr vmalloc reads)" $((r0 + 2))
	assert_equal "$(kbuf_attr vmalloc writes)" $((w0 + 1))
	assert_equal "$(kbuf_attr vmalloc bytes_read)" $((br0 + 16))
	assert_equal "$(kbuf_attr vmalloc bytes_written)" $((bw0 + 8))
}

# Fixed buffers are pinned with pin_user_pages(FOLL_LONGTERM). 6.1's
# io_uring refuses any file-backed memory but shmem and hugetlbfs; from 6.5
# it leaves the decision to GUP, which pins pages that have a struct page.
uring_fixed_file_backed_ok() {
	local v
	v=$(uname -r)
	IFS=. read -r major minor _ <<<"$v"
	((major * 100 + minor >= 605))
}

@test "io_uring fixed buffers in a page-mode mapping: registered from 6.5, EOPNOTSUPP on 6.1" {
	kbuf_require_uring
	check() {
		head -c 8192 /dev/urandom >"$BATS_TEST_TMPDIR/src"
		# Stores through a mapping leave the length alone: make the
		# 8 KiB readable through the node first.
		kbuf-io "$KBUF_DEV/$1" fill 8192 0 >/dev/null
		run kbuf-uring "$KBUF_DEV/$1" fixed-read "$BATS_TEST_TMPDIR/src" 8192
		if uring_fixed_file_backed_ok; then
			assert_output "$(printf '%s\n' registered 8192)"
			cmp -n 8192 "$BATS_TEST_TMPDIR/src" "$KBUF_DEV/$1"
		else
			assert_failure 1
			assert_output EOPNOTSUPP
		fi
	}
	# kmalloc is mapped by pfn in either mode: the next test.
	check pages
	check vmalloc
}

@test "io_uring fixed buffers in a pfn-mode mapping are EFAULT: no struct page to pin" {
	kbuf_require_uring
	run kbuf-uring "$KBUF_DEV/kmalloc" fixed-read /dev/zero 4096
	assert_failure 1
	assert_output EFAULT
	kbuf_reload map_mode=pfn
	check() {
		run kbuf-uring "$KBUF_DEV/$1" fixed-write "$BATS_TEST_TMPDIR/out" 4096
		assert_failure 1
		assert_output EFAULT
		assert_equal "$(kbuf_attr "$1" mappings)" 0
	}
	kbuf_each_backend check
	kbuf_reload
}

@test "io_uring at offset -1, and splice and sendfile without one, use and move the file position" {
	kbuf_require_uring
	exec 5<>"$KBUF_DEV/vmalloc"
	run kbuf-uring fd:5 write -1 abc
	assert_output 3
	run kbuf-uring fd:5 write -1 defgh
	assert_output 5
	run kbuf-uring fd:5 read -1 4
	assert_output "$(printf '%s\n' '' 0)"
	run kbuf-io fd:5 seek 0 cur seek 2 set
	assert_output "$(printf '%s
' 8 2)"
	run kbuf-uring fd:5 read -1 3
	assert_output "$(printf '%s\n' cde 3)"
	run py "$KBUF_DEV/vmalloc" "os.lseek(fd, 1, os.SEEK_SET)
out = os.open('$BATS_TEST_TMPDIR/out', os.O_WRONLY | os.O_CREAT)
print(os.sendfile(out, fd, None, 4), os.lseek(fd, 0, os.SEEK_CUR))
r, w = os.pipe()
print(os.splice(fd, w, 2), os.lseek(fd, 0, os.SEEK_CUR), os.read(r, 2))"
	assert_output "4 5
2 7 b'fg'"
}
