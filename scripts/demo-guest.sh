#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The quick-start demo: load kbuf, write and read a buffer with echo and
# cat, map one from C, and show how each allocator lays out physical
# memory. Runs as root on a machine that can load modules; `make demo`
# runs it inside the test-bed guest when this one cannot.
#
# Usage: demo-guest.sh [path/to/kbuf.ko]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ko=${1:-${KBUF_KO:-$root/driver/kbuf.ko}}
PATH=$root/user/kbufctl:$root/user/examples:$PATH

step() {
	printf '\n$ %s\n' "$*"
	"$@"
}

cleanup() {
	rmmod kbuf 2>/dev/null || true
}
trap cleanup EXIT

step insmod "$ko" vmalloc_size=8388608
udevadm settle 2>/dev/null || true
step ls -l /dev/kbuf/
printf '\n$ echo "hello from user space" > /dev/kbuf/vmalloc\n'
echo "hello from user space" > /dev/kbuf/vmalloc
step cat /dev/kbuf/vmalloc
step cat /sys/class/kbuf/vmalloc/length
step mmap_hello
step cat /dev/kbuf/vmalloc
step kbufctl list
step kbufctl layout kmalloc
step kbufctl layout pages
step kbufctl layout vmalloc
step rmmod kbuf
trap - EXIT
printf '\ndemo done\n'
