# SPDX-License-Identifier: GPL-2.0-only
#
# The runnable parts of the lab book's source, docs/templates/lab.md. A
# lesson starts at a heading "## N. title"; its ```sh blocks are numbered
# from 1, and a block is named N-B. The lines "<!-- expect: ERE -->" right
# after a block are what its output must show: each pattern matches at
# least one whole line of it (tests/82-lab.bats and 99-lab-debug.bats
# check them). A block
# fenced ```sh debug runs only in the debug kernel of make check-debug
# (tests/debug/), from the directory of the modules built for it there
# (tests/debug/lab-atomic). Other fenced blocks are text. An expect line
# anywhere else, or a malformed one, is an error: the awk says where and
# exits 1.
#
#   awk -f lab-blocks.awk -v mode=list                   "N B" per block,
#       "N B debug" for a debug block
#   awk -f lab-blocks.awk -v mode=code -v want=N-B       its commands
#   awk -f lab-blocks.awk -v mode=expect -v want=N-B     its patterns
#   awk -f lab-blocks.awk -v mode=book -v outdir=DIR     the book, each
#       block followed by its output, DIR/N-B.txt, and no patterns

function problem(what) {
	printf "%s:%d: %s\n", FILENAME, FNR, what >"/dev/stderr"
	bad = 1
}

# Inside a fenced block that is not a lesson's sh block: text.
other {
	if (/^```$/)
		other = 0
	if (mode == "book")
		print
	next
}

/^## [0-9]+\. / {
	lesson = $2 + 0
	block = 0
}

/^```sh( debug)?$/ {
	block++
	id = lesson "-" block
	inside = 1
	if (mode == "list")
		print lesson, block ($2 == "debug" ? " debug" : "")
	if (mode == "book")
		print
	next
}

inside && /^```$/ {
	inside = 0
	after = 1
	if (mode == "book") {
		print
		print ""
		print "```text"
		file = outdir "/" id ".txt"
		while ((getline line < file) > 0)
			print line
		close(file)
		print "```"
	}
	next
}

inside {
	if (mode == "code" && id == want)
		print
	if (mode == "book")
		print
	next
}

/^```/ {
	other = 1
	after = 0
	if (mode == "book")
		print
	next
}

/^<!-- expect: .* -->$/ {
	if (!after)
		problem("an expect line that follows no sh block")
	if (mode == "expect" && id == want) {
		pattern = $0
		sub(/^<!-- expect: /, "", pattern)
		sub(/ -->$/, "", pattern)
		print pattern
	}
	next
}

/^<!-- expect/ {
	problem("a malformed expect line: <!-- expect: ERE --> it must be")
	next
}

{
	after = 0
}

mode == "book" {
	print
}

END {
	exit bad
}
