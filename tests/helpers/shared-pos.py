#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# shared-pos.py NODE THREADS RECORDS: threads sharing one descriptor of
# NODE (an empty buffer of at least THREADS * RECORDS * 16 bytes, or a
# regular file) first write RECORDS 16-byte records each, by write() and
# writev() in turn, then, from position 0, read the buffer back 16 bytes
# at a time, by read() and readv() in turn, until the end. On a regular
# file each call moves the shared position atomically, so every record
# lands once and is read once. Prints
#   "wrote N, lost L; read N, twice T, missed M"
# and exits 0, or 1 on an unexpected error. The threads release the GIL in
# each call, so their calls meet in the kernel.
"""Threads writing and reading records through one shared file position."""

import collections
import os
import sys
import threading

RECORD = 16


def record(thread, seq):
    """Record seq of thread: 16 bytes, unique in the run."""
    return b"%02d:%012d\n" % (thread, seq)


def writer(fd, thread, count, errors):
    """Write thread's count records at the shared position."""
    try:
        for seq in range(count):
            data = record(thread, seq)
            done = os.writev(fd, [data]) if seq % 2 else os.write(fd, data)
            if done != RECORD:
                errors.append("short write")
                return
    except OSError as err:
        errors.append(str(err))


def reader(fd, out, errors):
    """Read records at the shared position until the end of the buffer."""
    vector = [bytearray(RECORD)]
    try:
        while True:
            if len(out) % 2:
                data = bytes(vector[0][:os.readv(fd, vector)])
            else:
                data = os.read(fd, RECORD)
            if not data:
                return
            out.append(data)
    except OSError as err:
        errors.append(str(err))


def run(target, args_of, threads):
    """Start threads of target, args_of(i) each, and wait for them all."""
    pool = [threading.Thread(target=target, args=args_of(i))
            for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def main():
    """Write, then read back, through one descriptor; print the counts."""
    node, threads, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    fd = os.open(node, os.O_RDWR)
    errors = []
    run(writer, lambda i: (fd, i, count, errors), threads)
    total = threads * count
    stored = os.pread(fd, total * RECORD, 0)
    kept = collections.Counter(stored[i:i + RECORD]
                               for i in range(0, len(stored), RECORD))
    lost = sum(1 for t in range(threads) for s in range(count)
               if record(t, s) not in kept)
    os.lseek(fd, 0, os.SEEK_SET)
    got = [[] for _ in range(threads)]
    run(reader, lambda i: (fd, got[i], errors), threads)
    seen = collections.Counter(data for part in got for data in part)
    twice = sum(n - 1 for n in seen.values() if n > 1)
    missed = sum(n for data, n in kept.items() if data not in seen)
    if errors:
        print("\n".join(sorted(set(errors))))
        return 1
    print("wrote %d, lost %d; read %d, twice %d, missed %d" %
          (total, lost, sum(seen.values()), twice, missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
