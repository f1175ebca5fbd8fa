# SPDX-License-Identifier: GPL-2.0-only
#
# Filter of a kernel log: drops the reports that the tests provoke on
# purpose, and nothing else.
#
# The allocation failures tests/91-fault.bats injects: vmalloc() cannot be
# asked to fail quietly (vmalloc_user() takes no __GFP_NOWARN), so each
# injected vmalloc failure prints warn_alloc's line, named after the task
# (kbuf-fault), and a stack dump, which the log checks would otherwise
# count as a problem. The report ends with the dump's </TASK> line (at
# most 80 lines on).
#
# The lab book's sleeping allocation under a spinlock (lesson 5, run by
# tests/99-lab-debug.bats in the debug kernel only): loading lab_atomic.ko
# makes CONFIG_DEBUG_ATOMIC_SLEEP report "BUG: sleeping function called
# from invalid context". Such a report is held back until its </TASK> line
# (at most 80 lines) and dropped only if it is that one: insmod's, with
# lab_atomic_init() [lab_atomic] in its call chain. Any other, or one cut
# short, is printed whole.
#
# Reports of two CPUs can interleave, and one can be cut short: a line
# that begins another report (the words the log checks look for, less the
# "Call Trace:" every report has) ends the hold or the skip, and it and
# the lines held are printed.
#
# Everything else passes through.

BEGIN {
	word = "(^|[^A-Za-z])"
	another = word "(BUG|WARNING)([^A-Za-z]|$)|Oops|KASAN|UBSAN"
	another = another "|circular locking|possible recursive locking"
	another = another "|inconsistent lock state|kmemleak.*unreferenced"
	another = another "|blocked for more than|hung_task|soft lockup"
	another = another "|general protection"
}

function flush_held(i) {
	for (i = 1; i <= nheld; i++)
		print held[i]
	nheld = 0
}

nheld > 0 && $0 ~ another {
	flush_held()
}

nheld > 0 {
	held[++nheld] = $0
	if ($0 ~ /name: insmod$/)
		by_insmod = 1
	if ($0 ~ /^(\[[ 0-9.]+\] )? lab_atomic_init\+0x[0-9a-f]+\/0x[0-9a-f]+ \[lab_atomic\]$/)
		in_chain = 1
	if ($0 ~ /<\/TASK>/) {
		if (by_insmod && in_chain)
			nheld = 0
		else
			flush_held()
	} else if (nheld >= 80) {
		flush_held()
	}
	next
}

/BUG: sleeping function called from invalid context/ {
	held[++nheld] = $0
	by_insmod = in_chain = 0
	next
}

/kbuf-fault: .*(vmalloc error|allocation failure)/ {
	skip = 80
}

skip > 0 && $0 ~ another {
	skip = 0
}

skip > 0 {
	skip--
	if ($0 ~ /<\/TASK>/)
		skip = 0
	next
}

{ print }

END {
	flush_held()
}
