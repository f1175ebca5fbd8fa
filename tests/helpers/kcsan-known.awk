# SPDX-License-Identifier: GPL-2.0-only
#
# Filter of a kernel log: drops the KCSAN reports that lie wholly inside
# the core kernel and are listed, with the reason each is not kbuf's, in
# tests/debug/kcsan-known.tsv (awk -v known=FILE). Every other line goes
# through, and so does every other KCSAN report: one whose functions are
# not listed, and one with a kbuf frame anywhere ("[kbuf]", "kbuf_"),
# whatever its functions.
#
# A report is held back from the "=====" line before its "BUG: KCSAN:
# data-race in ..." line to the "=====" line that closes it (at most 80
# lines). Its signature is
# what follows "data-race in", each function without its +offset/size:
# "process_scheduled_works" or "kbuf_ioctl_info / kbuf_write". A line
# that begins another report or that the log checks look for ends the
# hold, and it and the held lines are printed: a report cut short is
# kept. (A KCSAN report has no "Call Trace:" line of its own: one inside
# it is another CPU's report.)

BEGIN {
	# report-words.awk, loaded first, has the rest.
	another = another "|Call Trace"
	another = another "|dma-debug disabled|debugging out of memory"
	if (known != "") {
		while ((getline line < known) > 0) {
			if (line ~ /^#/ || line == "")
				continue
			split(line, f, "\t")
			listed[f[1]] = 1
		}
		close(known)
	}
}

function flush_held(i) {
	for (i = 1; i <= nheld; i++)
		print held[i]
	nheld = 0
	holding = 0
}

# A "=====" line is held until the next line says whether it opens a
# KCSAN report.
function flush_rule() {
	if (rule != "")
		print rule
	rule = ""
}

# The signature of a "BUG: KCSAN: data-race in ..." line.
function signature(s, n, i, parts, out) {
	sub(/.*BUG: KCSAN: data-race in /, "", s)
	n = split(s, parts, / \/ /)
	out = ""
	for (i = 1; i <= n; i++) {
		sub(/\+0x[0-9a-f]+\/0x[0-9a-f]+.*/, "", parts[i])
		sub(/ \[[^]]*\]$/, "", parts[i])
		sub(/ +$/, "", parts[i])
		out = out (i > 1 ? " / " : "") parts[i]
	}
	return out
}

holding && /BUG: KCSAN: data-race in / {
	flush_held()
}

holding && $0 ~ another {
	flush_held()
	print
	next
}

holding {
	held[++nheld] = $0
	if ($0 ~ /kbuf_|\[kbuf\]/)
		ours = 1
	if ($0 ~ /=================/) {
		if (listed[sig] && !ours)
			nheld = 0
		flush_held()
	} else if (nheld >= 80) {
		flush_held()
	}
	next
}

/BUG: KCSAN: data-race in / {
	holding = 1
	sig = signature($0)
	ours = ($0 ~ /kbuf_|\[kbuf\]/)
	nheld = 0
	if (rule != "")
		held[++nheld] = rule
	rule = ""
	held[++nheld] = $0
	next
}

{ flush_rule() }

/^(\[ *[0-9.]+\] )?=================/ {
	rule = $0
	next
}

{ print }

END {
	flush_rule()
	flush_held()
}
