# SPDX-License-Identifier: GPL-2.0-only
#
# Filter of a kernel log: drops the reports of allocation failures that
# tests/91-fault.bats injects on purpose. vmalloc() cannot be asked to fail
# quietly (vmalloc_user() takes no __GFP_NOWARN), so each injected vmalloc
# failure prints warn_alloc's line, named after the task (kbuf-fault), and
# a stack dump, which the log checks would otherwise count as a problem.
# The report ends with the dump's </TASK> line (at most 80 lines on).
# Everything else passes through.

/kbuf-fault: .*(vmalloc error|allocation failure)/ {
	skip = 80
}

skip > 0 {
	skip--
	if ($0 ~ /<\/TASK>/)
		skip = 0
	next
}

{ print }
