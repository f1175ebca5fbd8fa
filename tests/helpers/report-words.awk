# SPDX-License-Identifier: GPL-2.0-only
#
# Loaded before each filter of the kernel-log checks (dmesg-injected.awk,
# kcsan-known.awk; kbuf_log_filter in tests/vm/lib.sh): "another" matches
# a line that begins a kernel report of the kinds the log checks look for
# (tests/vm/lib.sh, KBUF_DMESG_BAD), less the "Call Trace:" line that
# every such report has. A filter that holds a report back ends the hold
# at such a line.

BEGIN {
	word = "(^|[^A-Za-z])"
	another = word "(BUG|WARNING)([^A-Za-z]|$)|Oops|KASAN|UBSAN"
	another = another "|circular locking|possible recursive locking"
	another = another "|inconsistent lock state|kmemleak.*unreferenced"
	another = another "|blocked for more than|hung_task|soft lockup"
	another = another "|general protection"
}
