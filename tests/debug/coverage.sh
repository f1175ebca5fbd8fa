#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Usage: tests/debug/coverage.sh REPORT OUTDIR...
#
# make check-debug builds kbuf with gcov and each guest saves the module's
# counters in OUTDIR/gcov (tests/guest/init.sh). This runs gcov on each
# OUTDIR's build, counts a line of driver/*.c as run if any guest ran it,
# prints one summary line per file and the total, and writes REPORT: every
# line no test ran, with its source text. Prints nothing and succeeds when
# no OUTDIR has counters (a kernel without CONFIG_GCOV_KERNEL).
set -euo pipefail

# gcov's text output, one OUTDIR: "FILE LINE COUNT SOURCE" per executable
# line (COUNT 0: never run).
gcov_lines() {
	local out=$1 tmp c
	tmp=$(mktemp -d)
	cp "$out"/gcov/*.gcda "$out/driver/"
	for c in "$out"/driver/*.c; do
		(cd "$tmp" && gcov -o "$out/driver" "$c" >/dev/null 2>&1) || true
	done
	for c in "$tmp"/*.c.gcov; do
		[[ -f $c ]] || continue
		awk -v f="$(basename "$c" .gcov)" -F: '
			{ n = $1; gsub(/[ *]/, "", n) }
			n == "-" { next }
			{
				src = $0
				sub(/^[^:]*:[^:]*:/, "", src)
				# A tab would split the tab-separated line below.
				sub(/^[ \t]+/, "", src)
				gsub(/\t/, " ", src)
				line = $2 + 0
				run = (n == "#####" || n == "=====") ? 0 : 1
				print f "\t" line "\t" run "\t" src
			}' "$c"
	done
	rm -rf "$tmp"
}

main() {
	local report=$1 out
	shift
	rm -f "$report"
	for out in "$@"; do
		compgen -G "$out/gcov/*.gcda" >/dev/null || continue
		gcov_lines "$out"
	done | awk -F'\t' -v report="$report" '
		{
			k = $1 "\t" $2
			if (!(k in run)) { run[k] = 0; src[k] = $4; keys[++n] = k }
			if ($3) run[k] = 1
		}
		END {
			if (!n) exit
			for (i = 1; i <= n; i++) {
				split(keys[i], p, "\t")
				total[p[1]]++; all++
				if (run[keys[i]]) { hit[p[1]]++; hits++; continue }
				printf "%s:%d: %s\n", p[1], p[2], src[keys[i]] >>report
			}
			for (f in total)
				printf "coverage: %s: %d of %d lines run\n", f, hit[f], total[f] | "sort"
			close("sort")
			printf "coverage: driver/: %d of %d lines run (%.1f %%); the others: %s\n",
				hits, all, 100 * hits / all, report
		}'
}

main "$@"
