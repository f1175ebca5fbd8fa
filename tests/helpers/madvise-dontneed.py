#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# madvise-dontneed.py DEV: Python's own mmap module on a buffer node, as a
# user would write it. Maps the first page shared, writes "zap!" through
# it, asks madvise(MADV_DONTNEED), reads the four bytes back through the
# mapping, then pread()s four bytes at offset 100 of the buffer into the
# mapping at 8 and shows them. Prints one line per step: "madvise ok" or
# the errno name, the bytes seen, the pread count, the bytes it left.
# A SIGBUS ends the process with that signal.
"""Zap a buffer mapping with MADV_DONTNEED and touch it again."""

import errno
import mmap
import os
import sys

PAGE = mmap.PAGESIZE


def main(dev):
    """Run the steps on DEV; return the exit status."""
    fd = os.open(dev, os.O_RDWR)
    os.pwrite(fd, b"abcd", 100)
    m = mmap.mmap(fd, PAGE, mmap.MAP_SHARED,
                  mmap.PROT_READ | mmap.PROT_WRITE)
    m[0:4] = b"zap!"
    try:
        m.madvise(mmap.MADV_DONTNEED)
        print("madvise ok")
    except OSError as e:
        print("madvise", errno.errorcode[e.errno])
    print(m[0:4].decode())
    view = memoryview(m)
    print(os.preadv(fd, [view[8:12]], 100))
    print(m[8:12].decode())
    view.release()
    m.close()
    os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
