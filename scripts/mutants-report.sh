# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The report of make mutants, sourced by scripts/mutants.sh: its tables
# from the run's files in $MUT_OUT (list.tsv from mutants-gen.py,
# build.tsv, results.tsv and boots.tsv), written into
# docs/templates/mutants.md. Defines no behaviour when sourced.

# Every mutant with its fate, tab-separated: id, file:line, operator,
# before, after, verdict (killed, survived, nobuild, same or notrun),
# seconds in the guest, how it was killed.
kbuf_mut_joined() {
	awk -F '\t' -v OFS='\t' '
		FILENAME ~ /build.tsv$/ { built[$1] = $2; next }
		FILENAME ~ /results.tsv$/ { v[$1] = $2; s[$1] = $3; why[$1] = $4; next }
		{
			b = built[$1]
			fate = b == "built" ? ($1 in v ? v[$1] : "notrun") : (b == "" ? "notrun" : b)
			print $1, $2, $3, $4, $5, fate, s[$1], why[$1]
		}' "$MUT_OUT/build.tsv" "$MUT_OUT/results.tsv" "$MUT_OUT/list.tsv"
}

# How many mutants have fate $1.
kbuf_mut_count() {
	awk -F '\t' -v f="$1" '$6 == f { n++ } END { print n + 0 }' "$MUT_JOINED"
}

# Text $1 for a Markdown table cell: | escaped, in backquotes.
kbuf_mut_code() {
	local s=${1//|/\\|}
	printf "\`%s\`" "$s"
}

# The change of a mutant, line $1 before and $2 after, in Markdown; the
# generator's note on what else changed (" (and 1 mutex_unlock)",
# " (2 lines)") is left out of the code.
kbuf_mut_change() {
	local after=$2 note=
	if [[ $after =~ ^(.*)\ (\((and [0-9]+ [a-z_]+|[0-9]+ lines)\))$ ]]; then
		after=${BASH_REMATCH[1]} note=" ${BASH_REMATCH[2]}"
	fi
	printf '%s → %s%s' "$(kbuf_mut_code "$1")" "$(kbuf_mut_code "$after")" "$note"
}

# Per file, then per operator: mutants, killed, survived, did not build,
# same object code, killed per cent. $1 is the awk key of a row.
kbuf_mut_tally() {
	awk -F '\t' -v key="$1" '
		{
			k = key == "file" ? $2 : $3
			sub(/:[0-9]+$/, "", k)
			n[k]++; c[k, $6]++
		}
		END {
			for (k in n) {
				run = c[k, "killed"] + c[k, "survived"]
				printf "| %s | %d | %d | %d | %d | %d | %s |\n", k, n[k],
					c[k, "killed"], c[k, "survived"], c[k, "nobuild"],
					c[k, "same"], run ? sprintf("%.0f %%", 100 * c[k, "killed"] / run) : "-"
			}
		}' "$MUT_JOINED" | LC_ALL=C sort
}

kbuf_mut_table_files() {
	kbuf_mut_tally file
}

kbuf_mut_table_ops() {
	kbuf_mut_tally op
}

# The survivors: each a missing test or an equivalent mutant.
kbuf_mut_table_survivors() {
	local id loc op before after fate
	while IFS=$'\t' read -r id loc op before after fate _; do
		[[ $fate == survived ]] || continue
		printf '| %s | %s | %s | %s |\n' "$id" "$loc" "$op" \
			"$(kbuf_mut_change "$before" "$after")"
	done <"$MUT_JOINED"
}

# Every mutant, its verdict and what killed it.
kbuf_mut_table_all() {
	local id loc op before after fate secs why
	while IFS=$'\t' read -r id loc op before after fate secs why; do
		printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$id" "$loc" \
			"$op" "$(kbuf_mut_change "$before" "$after")" \
			"$fate" "${secs:--}" "${why//|/\\|}"
	done <"$MUT_JOINED"
}

# What the run covered, in one sentence.
kbuf_mut_scope() {
	if kbuf_mut_full_set; then
		echo "The whole set: every mutant of every driver file."
		return
	fi
	printf 'A part of the set, not the project'"'"'s score: files %s' \
		"$(kbuf_mut_files | sed 's|^driver/||' | paste -sd ' ')"
	[[ -z ${KBUF_MUTANTS_MAX:-} ]] ||
		printf ', at most %s mutants a file (seed %s)' "$KBUF_MUTANTS_MAX" "${KBUF_MUTANTS_SEED:-1}"
	[[ -z ${KBUF_MUTANTS_IDS:-} ]] || printf ', mutants %s' "$KBUF_MUTANTS_IDS"
	echo "."
}

# The timing figures, NAME value a line: the builds' minutes, guest
# boots, the minutes QEMU ran and the mean guest uptime when the script
# started, the baseline's seconds, mean seconds per killed and per
# surviving mutant.
kbuf_mut_timing() {
	awk '{ s += $1 } END { printf "BUILD_MIN %.0f\n", s / 60 }' \
		"$MUT_OUT/build-seconds" 2>/dev/null || echo "BUILD_MIN 0"
	awk -F '\t' '{ q += $2 } $3 != "-" { n++; s += $3 } END {
		printf "BOOTS %d\nGUEST_MIN %.0f\nBOOT_S %.0f\n", NR, q / 60, n ? s / n : 0
	}' "$MUT_OUT/boots.tsv"
	awk -F '\t' '
		$1 == "orig" { base = $3; next }
		{ n[$2]++; s[$2] += $3 }
		END {
			printf "BASE_S %d\n", base
			printf "KILLED_S %.0f\n", n["killed"] ? s["killed"] / n["killed"] : 0
			printf "SURVIVED_S %.0f\n", n["survived"] ? s["survived"] / n["survived"] : 0
		}' "$MUT_OUT/results.tsv"
}

# Write the report to KBUF_MUTANTS_DOC (default: docs/mutants.md for the
# whole set, $MUT_OUT/mutants.md for a part).
# shellcheck disable=SC2034 # vars is read by kbuf_render_template
kbuf_mut_report() {
	local doc=${KBUF_MUTANTS_DOC:-} killed survived name value
	local -A vars
	[[ -n $doc ]] || { kbuf_mut_full_set && doc=$KBUF_ROOT/docs/mutants.md; } ||
		doc=$MUT_OUT/mutants.md
	MUT_JOINED=$MUT_OUT/joined.tsv
	kbuf_mut_joined >"$MUT_JOINED"
	killed=$(kbuf_mut_count killed) survived=$(kbuf_mut_count survived)
	vars=([TOTAL]=$(wc -l <"$MUT_JOINED") [KILLED]=$killed [SURVIVED]=$survived
		[RUN]=$((killed + survived))
		[NOBUILD]=$(kbuf_mut_count nobuild) [SAME]=$(kbuf_mut_count same)
		[NOTRUN]=$(kbuf_mut_count notrun) [KERNEL]=$KVER
		[FLAVOUR]=${KBUF_MUTANTS_KERNEL:-6.12} [SCOPE]=$(kbuf_mut_scope)
		[SCORE]=$(awk -v k="$killed" -v s="$survived" \
			'BEGIN { printf "%.1f", k + s ? 100 * k / (k + s) : 0 }'))
	while read -r name value; do
		vars[$name]=$value
	done < <(kbuf_mut_timing)
	kbuf_render_template "$KBUF_ROOT/docs/templates/mutants.md" kbuf_mut_table_ \
		vars >"$doc.tmp"
	mv "$doc.tmp" "$doc"
	echo "mutants: $killed killed of $((killed + survived))" \
		"($(kbuf_mut_count nobuild) did not build," \
		"$(kbuf_mut_count same) same object code); wrote $doc"
}
