# SPDX-License-Identifier: GPL-2.0-only
#
# Filter of a kernel log: drops the reports that the tests provoke on
# purpose, and nothing else.
#
# The allocation failures tests/91-fault.bats injects: vmalloc() cannot be
# asked to fail quietly (vmalloc_user() takes no __GFP_NOWARN), so each
# injected vmalloc failure prints warn_alloc's line, named after the task
# (kbuf-fault), and a stack dump, which the log checks would otherwise
# count as a problem.
#
# The lab book's sleeping allocation under a spinlock (lesson 5, run by
# tests/99-lab-debug.bats in the debug kernel only): loading lab_atomic.ko
# makes CONFIG_DEBUG_ATOMIC_SLEEP report "BUG: sleeping function called
# from invalid context". It is dropped only if it is that one: insmod's,
# with lab_atomic_init() [lab_atomic] in its call chain.
#
# Either report is held back from its first line to its </TASK> line (at
# most 80 lines), then dropped if it is what the tests provoke: one CPU
# line, of the expected task, one Call Trace, and the frame that prints
# such a report (warn_alloc, __might_resched). A report cut short is
# printed. Reports of two CPUs can interleave: a line that
# begins another report (the words the log checks look for, less the
# "Call Trace:" every report has), or a second "CPU: N PID:" or "Call
# Trace:" line (another report's, whatever its header says: an OOM kill,
# an allocation failure, an RCU stall), ends the hold, and it and the
# lines held are printed.
#
# Everything else passes through. The words that begin another report
# ("another") come from report-words.awk, loaded first.

function flush_held(i) {
	for (i = 1; i <= nheld; i++)
		print held[i]
	nheld = 0
}

# hold(KIND): hold back the line, the first of a report of KIND ("lab" or
# "injected").
function hold(what) {
	kind = what
	held[nheld = 1] = $0
	by_insmod = in_chain = cpus = traces = frame = 0
	comm = what == "lab" ? "insmod" : "kbuf-fault"
}

# Whether the line is a second "CPU: N PID:" or "Call Trace:" line since
# the report being held began, or a CPU line of another task.
function second_report_line() {
	if ($0 ~ /CPU: [0-9]+ (UID: [0-9]+ )?PID: [0-9]+ /)
		return ++cpus > 1 || $0 !~ ("Comm: " comm " ")
	if ($0 ~ /Call Trace:/)
		return ++traces > 1
	return 0
}

nheld > 0 && ($0 ~ another || second_report_line()) {
	flush_held()
}

nheld > 0 {
	held[++nheld] = $0
	if ($0 ~ /name: insmod$/)
		by_insmod = 1
	if ($0 ~ /^(\[[ 0-9.]+\] )? lab_atomic_init\+0x[0-9a-f]+\/0x[0-9a-f]+ \[lab_atomic\]$/)
		in_chain = 1
	# The frame that printed the report: warn_alloc() for an allocation
	# failure, __might_resched() for a sleep in atomic context.
	if ($0 ~ /^(\[[ 0-9.]+\] )? (warn_alloc|__might_resched)\+0x[0-9a-f]+\/0x[0-9a-f]+$/)
		frame = 1
	if ($0 ~ /<\/TASK>/) {
		if (cpus == 1 && traces == 1 && frame &&
		    (kind == "injected" || (by_insmod && in_chain)))
			nheld = 0
		else
			flush_held()
	} else if (nheld >= 80) {
		flush_held()
	}
	next
}

/BUG: sleeping function called from invalid context/ {
	hold("lab")
	next
}

/kbuf-fault: .*(vmalloc error|allocation failure)/ {
	hold("injected")
	next
}

{ print }

END {
	flush_held()
}
