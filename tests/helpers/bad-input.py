#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# bad-input.py REQUESTS ANSWERS: the Python behind the py function of
# tests/89-bad-input.bats. Started once per test (python3 and its imports
# take seconds to start under TCG), it runs each row's code in a process
# of its own forked from it, so that a row still starts from nothing and
# its descriptors, pipes and mappings are gone when it ends, as they were
# when every row started python3 -c.
#
# REQUESTS and ANSWERS are FIFOs, held open read-write here from the
# start. "ready" on ANSWERS says both are open. A request is NUL-separated
# fields: N, then N fields: ID, OUT, CODE and the row's arguments. The
# row's child runs CODE with stdout and stderr in the file OUT, the
# arguments as the list a, os, fcntl, mmap, ctypes, errno and sys imported
# and three helpers: fd(PATH) opens PATH read-write, pipe1() makes a pipe
# of one page, cmmap(FD, LEN, PROT, FLAGS) calls mmap(2) with any flags
# and returns "mapped". An OSError prints its errno name as
# strerrorname_np() (the C helpers) spells it and exits 1; any other
# exception, SystemExit and a signal end it as they end python3 -c. Then
# "ID STATUS" on ANSWERS gives its exit status (128 + N for signal N).
"""Run the py rows of tests/bad-input.tsv, each in a fresh child."""

import ctypes
import errno
import fcntl
import mmap
import os
import sys
import traceback

libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                      ctypes.c_int, ctypes.c_int, ctypes.c_long]


def fd(path):
    """Open PATH read-write."""
    return os.open(path, os.O_RDWR)


def pipe1():
    """Make a pipe of one page; return its read and write ends."""
    r, w = os.pipe()
    fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 4096)
    return r, w


def cmmap(f, n, prot, flags):
    """Call mmap(2) on descriptor F with any FLAGS; return "mapped"."""
    if libc.mmap(None, n, prot, flags, f, 0) in (None, 2**64 - 1):
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return "mapped"


# What a row's code sees besides a, as the globals of python3 -c had it.
ROW_GLOBALS = {
    "__name__": "__main__",
    "ctypes": ctypes, "errno": errno, "fcntl": fcntl, "mmap": mmap,
    "os": os, "sys": sys, "libc": libc,
    "fd": fd, "pipe1": pipe1, "cmmap": cmmap,
}


def exit_status(e):
    """The exit status python3 gives SystemExit E (printing as it does)."""
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code & 0xff
    print(e.code, file=sys.stderr)
    return 1


def run_row(code, args):
    """Run one row's CODE with a = ARGS; return its exit status."""
    ns = dict(ROW_GLOBALS, a=args)
    sys.argv = ["-c"] + args
    try:
        try:
            exec(code, ns)
        except OSError as e:
            print({errno.EOPNOTSUPP: "EOPNOTSUPP"}.get(
                e.errno, errno.errorcode[e.errno]))
            sys.exit(1)
    except SystemExit as e:
        status = exit_status(e)
    except BaseException:  # as python3 -c: a traceback, status 1
        traceback.print_exc()
        status = 1
    else:
        status = 0
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        status = 120
    return status


def child(out, code, args, keep):
    """In the forked child: output to OUT, run the row, exit."""
    status = 1
    try:
        for f in keep:
            os.close(f)
        o = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(o, 1)
        os.dup2(o, 2)
        os.close(o)
        status = run_row(code, args)
    finally:
        os._exit(status)


def fields(f):
    """Yield the NUL-terminated fields read from descriptor F."""
    buf = b""
    while True:
        while b"\0" not in buf:
            chunk = os.read(f, 65536)
            if not chunk:
                return
            buf += chunk
        field, buf = buf.split(b"\0", 1)
        yield os.fsdecode(field)


def main(requests, answers):
    """Serve the requests on the FIFO REQUESTS; answer on ANSWERS."""
    req = os.open(requests, os.O_RDWR)
    ans = os.open(answers, os.O_RDWR)
    os.write(ans, b"ready\n")
    it = fields(req)
    for n in it:
        rest = [next(it) for _ in range(int(n))]
        rid, out, code, args = rest[0], rest[1], rest[2], rest[3:]
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            child(out, code, args, (req, ans))
        status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        if status < 0:
            status = 128 - status
        os.write(ans, f"{rid} {status}\n".encode())
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
