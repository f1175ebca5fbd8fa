#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# create-high-bytes.py CONTROL: one KBUF_IOC_CREATE per byte 0x80..0xff,
# each asking for a 16-byte kmalloc buffer named "x" and that byte, from
# one process (128 execs of kbuf-ioctl take minutes under TCG). Prints
# "HH ERRNO" for each byte whose create did not fail with EINVAL (and
# destroys a buffer that was made), then "EINVAL N": how many did.
"""Ask the control node to create buffers whose names have a high byte."""

import errno
import fcntl
import struct
import sys

# struct kbuf_create: char name[32]; __u32 backend, gfp, flags, node;
# __u64 size. _IOW(0xBF, 0x10, struct kbuf_create) and
# _IOW(0xBF, 0x11, struct kbuf_destroy).
CREATE_FMT = "=32sIIIIQ"
KBUF_IOC_CREATE = (1 << 30) | (struct.calcsize(CREATE_FMT) << 16) | (0xBF << 8) | 0x10
KBUF_IOC_DESTROY = (1 << 30) | (32 << 16) | (0xBF << 8) | 0x11
KBUF_BACKEND_KMALLOC = 0


def main(control):
    """Try every high byte; return 0."""
    refused = 0
    with open(control, "rb", buffering=0) as ctl:
        for byte in range(0x80, 0x100):
            name = b"x" + bytes([byte])
            req = struct.pack(CREATE_FMT, name, KBUF_BACKEND_KMALLOC,
                              0, 0, 0, 16)
            try:
                fcntl.ioctl(ctl, KBUF_IOC_CREATE, req)
            except OSError as e:
                if e.errno == errno.EINVAL:
                    refused += 1
                else:
                    print(f"{byte:02x} {errno.errorcode[e.errno]}")
                continue
            print(f"{byte:02x} created")
            fcntl.ioctl(ctl, KBUF_IOC_DESTROY, struct.pack("=32s", name))
    print("EINVAL", refused)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
