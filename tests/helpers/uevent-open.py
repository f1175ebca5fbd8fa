#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# uevent-open.py COUNT: a program that waits for kbuf's nodes as udev
# rules and services do. It listens to the kernel's own uevents (netlink,
# NETLINK_KOBJECT_UEVENT, group 1), prints "listening" once bound, and for
# each add uevent of subsystem kbuf opens the node it names at once,
# printing "NAME ok" or "NAME ERRNO" (the errno's name). It exits 0 after
# COUNT such uevents, or 1 after 60 s without one or if the kernel dropped
# events (ENOBUFS).
"""Open each kbuf node the moment its add uevent arrives."""

import errno
import os
import socket
import sys
import time

NETLINK_KOBJECT_UEVENT = 15
KERNEL_GROUP = 1
TIMEOUT = 60


def fields(message):
    """The KEY=VALUE fields of one uevent message, as a dict of bytes."""
    out = {}
    for item in message.split(b"\0")[1:]:
        key, sep, value = item.partition(b"=")
        if sep:
            out[key] = value
    return out


def try_open(devname):
    """Open /dev/DEVNAME; return "ok" or the errno's name."""
    try:
        os.close(os.open("/dev/" + devname, os.O_RDONLY))
        return "ok"
    except OSError as err:
        return errno.errorcode.get(err.errno, str(err.errno))


def main(count):
    """Answer COUNT add uevents of kbuf; return the exit status."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM,
                         NETLINK_KOBJECT_UEVENT)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sock.bind((0, KERNEL_GROUP))
    print("listening", flush=True)
    deadline = time.monotonic() + TIMEOUT
    while count > 0:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            event = fields(sock.recv(1 << 16))
        except socket.timeout:
            print("timed out", flush=True)
            return 1
        except OSError as err:
            # ENOBUFS: the kernel dropped events; one may have been ours.
            print("recv:", errno.errorcode.get(err.errno, err.errno),
                  flush=True)
            return 1
        if event.get(b"SUBSYSTEM") != b"kbuf" or \
                event.get(b"ACTION") != b"add":
            continue
        devname = event[b"DEVNAME"].decode()
        print(devname.rpartition("/")[2], try_open(devname), flush=True)
        count -= 1
        deadline = time.monotonic() + TIMEOUT
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
