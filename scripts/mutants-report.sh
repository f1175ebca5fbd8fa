# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The report of make mutants, sourced by scripts/mutants.sh: its tables
# from every mutant of today's driver ($MUT_OUT/all.tsv) and the verdicts
# stored for them (scripts/mutants-store.sh), with the last run's
# timing from its files in $MUT_OUT (build-seconds, results.tsv and
# boots.tsv), written into docs/templates/mutants.md. Defines no
# behaviour when sourced.

# The kinds of debug kernel (KBUF_MUTANTS_KERNEL=6.1-kasan...) with
# verdicts in the store, but the one being reported: a line each.
kbuf_mut_debug_kinds() {
	[[ -f $MUT_STORE ]] || return 0
	cut -f1 "$MUT_STORE" | LC_ALL=C sort -u |
		awk -v self="$(kbuf_mut_flavour)" '/-(kasan|kcsan)$/ && $0 != self'
}

# The stored verdicts of the debug kinds for today's mutants, as
# kbuf_mut_stored gives them with the kind in front.
kbuf_mut_debug_verdicts() {
	local kind
	kbuf_mut_debug_kinds | while read -r kind; do
		kbuf_mut_stored "$MUT_OUT/all.tsv" "$kind" |
			awk -v kind="$kind" -v OFS='\t' '{ print kind, $0 }'
	done
}

# Every mutant with its fate, tab-separated: id, file:line, operator,
# before, after, fate (killed, survived, equivalent, nobuild, same or
# notrun), seconds in the guest, how it was killed or, for an equivalent
# mutant, why it survives (tests/mutants.equivalent), the commit it was
# measured at, its verdict in the reported kernel kind alone, and in
# the debug kernels ("killed in 6.1-kasan", "-" for none). A survivor
# of the reported kind that a debug kernel kills is killed (the faults
# only KASAN, kmemleak or fault injection can see), with the seconds,
# how and commit of that kill; a mutant the reported kind has not run,
# or built the same or not at all, keeps that fate whatever a debug
# kernel says.
kbuf_mut_joined() {
	kbuf_mut_stored "$MUT_OUT/all.tsv" "$(kbuf_mut_flavour)" >"$MUT_OUT/verdicts.tsv"
	kbuf_mut_debug_verdicts >"$MUT_OUT/debug-verdicts.tsv"
	awk -F '\t' -v OFS='\t' '
		FILENAME == ARGV[1] {
			if (!/^#/ && NF == 5) eq[$1, $2, $3, $4] = $5
			next
		}
		FILENAME == ARGV[2] { v[$1] = $2; s[$1] = $3; why[$1] = $4; c[$1] = $5; next }
		FILENAME == ARGV[3] {
			# A kill in any debug kind decides; else a survival. The
			# column names every kind that gave the verdict shown.
			part = $3 == "survived" && $5 == "debug rows only"
			kl[$2, $3, ++nk[$2, $3]] = $1 (part ? " (debug rows only)" : "")
			if (!($2 in dv) || $3 == "killed" ||
			    (dv[$2] != "killed" && $3 == "survived")) {
				dv[$2] = $3; ds[$2] = $4
				dwhy[$2] = $5 == "" ? "" : $1 ": " $5; dc[$2] = $6
			}
			next
		}
		{
			id = $1; f = $2; sub(/:[0-9]+$/, "", f)
			own = id in v ? v[id] : "notrun"
			dbg = id in dv ? dv[id] : ""
			fate = own
			if (own == "survived" && dbg == "killed") {
				fate = dbg; s[id] = ds[id]; why[id] = dwhy[id]; c[id] = dc[id]
			}
			if (fate == "survived" && (id, f, $4, $5) in eq) {
				fate = "equivalent"; why[id] = eq[id, f, $4, $5]
			}
			dcol = dbg == "" ? "-" : dbg " in " kinds(id, dbg)
			# Never an empty field: read with IFS=tab would merge it.
			print id, $2, $3, $4, $5, fate, filled(s[id]), filled(why[id]),
				filled(c[id]), own, dcol
		}
		function filled(x) { return x == "" ? "-" : x }
		# "A", "A and B", "A, B and C": the kinds that gave id verdict v.
		function kinds(id, v,    i, n, out) {
			n = nk[id, v]
			out = kl[id, v, 1]
			for (i = 2; i <= n; i++)
				out = out (i == n ? " and " : ", ") kl[id, v, i]
			return out
		}' "$MUT_EQUIVALENT" \
		"$MUT_OUT/verdicts.tsv" "$MUT_OUT/debug-verdicts.tsv" "$MUT_OUT/all.tsv"
}

# How many mutants have fate $1.
kbuf_mut_count() {
	awk -F '\t' -v f="$1" '$6 == f { n++ } END { print n + 0 }' "$MUT_JOINED"
}

# "K R" of the debug kinds: how many of the reported kind's survivors
# they killed, and how many they ran.
kbuf_mut_debug_counts() {
	awk -F '\t' '$10 == "survived" && $11 ~ /^killed / { k++ }
		$10 == "survived" && $11 ~ /^(killed|survived) / { r++ }
		END { print k + 0, r + 0 }' "$MUT_JOINED"
}

# "K R" of the reported kind alone: killed, and run but for the
# equivalent mutants.
kbuf_mut_own_counts() {
	awk -F '\t' '$10 == "killed" { k++ }
		$10 == "killed" || ($10 == "survived" && $6 != "equivalent") { r++ }
		END { print k + 0, r + 0 }' "$MUT_JOINED"
}

# Per cent $1 of $2, one decimal.
kbuf_mut_pc() {
	awk -v k="$1" -v n="$2" 'BEGIN { printf "%.1f", n ? 100 * k / n : 0 }'
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
# equivalent (same object code, or said why), not run yet, killed per
# cent. $1 is the awk key of a row.
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
				printf "| %s | %d | %d | %d | %d | %d | %d | %s |\n", k, n[k],
					c[k, "killed"], c[k, "survived"], c[k, "nobuild"],
					c[k, "same"] + c[k, "equivalent"], c[k, "notrun"],
					run ? sprintf("%.0f %%", 100 * c[k, "killed"] / run) : "-"
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

# The equivalent mutants and why each survives.
kbuf_mut_table_equivalent() {
	local id loc op before after fate why
	while IFS=$'\t' read -r id loc op before after fate _ why _; do
		[[ $fate == equivalent ]] || continue
		printf '| %s | %s | %s | %s | %s |\n' "$id" "$loc" "$op" \
			"$(kbuf_mut_change "$before" "$after")" "${why//|/\\|}"
	done <"$MUT_JOINED"
}

# Every mutant, its verdict, what killed it, the commit of its run and
# its verdict in the debug kernels.
kbuf_mut_table_all() {
	local id loc op before after fate secs why commit debug
	while IFS=$'\t' read -r id loc op before after fate secs why commit _ debug; do
		[[ $fate != notrun ]] || fate="not run yet"
		[[ $fate != equivalent ]] || why="why: see Equivalent mutants"
		printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$id" "$loc" \
			"$op" "$(kbuf_mut_change "$before" "$after")" \
			"$fate" "${secs:--}" "${why//|/\\|}" "${commit:--}" "$debug"
	done <"$MUT_JOINED"
}

# What the verdicts cover, in one sentence.
kbuf_mut_scope() {
	local left
	left=$(kbuf_mut_count notrun)
	if ((left == 0)); then
		echo "The whole set: every mutant of every driver file has a verdict."
		return
	fi
	printf 'A part of the set, not yet the project'"'"'s score: %s of the %s mutants of today'"'"'s driver have no verdict yet.\n' \
		"$left" "$(wc -l <"$MUT_JOINED")"
}

# What this run took, for the log (the report holds only what the
# stored verdicts say): its verdicts, the baseline's seconds, the
# builds' minutes, guest boots, the minutes QEMU ran and the mean guest
# uptime when the script started.
kbuf_mut_run_figures() {
	local build base boots
	build=$(awk '{ s += $1 } END { printf "%.0f", s / 60 }' "$MUT_OUT/build-seconds" 2>/dev/null)
	base=$(awk -F '\t' '$1 == "orig" { b = $3 } $1 != "orig" { n++ }
		END { printf "%d verdicts; the unmutated module took %d s", n, b }' \
		"$MUT_OUT/results.tsv" 2>/dev/null)
	boots=$(awk -F '\t' '{ q += $2 } $3 != "-" { n++; s += $3 } END {
		printf "%d guest boots, %.0f min in all, each script started %.0f s after power-on",
			NR, q / 60, n ? s / n : 0 }' "$MUT_OUT/boots.tsv" 2>/dev/null)
	kbuf_log "mutants: this run: ${base:-0 verdicts}; builds ${build:-0} min; ${boots:-0 guest boots}"
}

# Mean seconds in the guest per killed and per surviving mutant, of
# every stored verdict of the reported kind, NAME value a line.
kbuf_mut_timing() {
	awk -F '\t' '{ n[$2]++; s[$2] += $3 }
		END {
			printf "KILLED_S %.0f\n", n["killed"] ? s["killed"] / n["killed"] : 0
			printf "SURVIVED_S %.0f\n", n["survived"] ? s["survived"] / n["survived"] : 0
		}' "$MUT_OUT/verdicts.tsv"
}

# Write the report to KBUF_MUTANTS_DOC (default: docs/mutants.md for
# Debian's 6.12 and the project's store, else $MUT_OUT/mutants.md).
# shellcheck disable=SC2034 # vars is read by kbuf_render_template
kbuf_mut_report() {
	local doc=${KBUF_MUTANTS_DOC:-} killed survived own_k own_r dbg_k dbg_r
	local name value kinds
	local -A vars
	# Every mutant of the tree as it is now, as the save read it.
	kbuf_mut_all_keyed >"$MUT_OUT/all.tsv"
	MUT_JOINED=$MUT_OUT/joined.tsv
	kbuf_mut_joined >"$MUT_JOINED"
	if [[ -z $doc ]]; then
		doc=$MUT_OUT/mutants.md
		[[ $(kbuf_mut_flavour) != 6.12 || $MUT_STORE != "$KBUF_ROOT/docs/mutants-verdicts.tsv" ]] ||
			doc=$KBUF_ROOT/docs/mutants.md
	fi
	killed=$(kbuf_mut_count killed) survived=$(kbuf_mut_count survived)
	read -r own_k own_r < <(kbuf_mut_own_counts)
	read -r dbg_k dbg_r < <(kbuf_mut_debug_counts)
	kinds=$(kbuf_mut_debug_kinds | paste -sd ' ')
	vars=([TOTAL]=$(wc -l <"$MUT_JOINED") [KILLED]=$killed [SURVIVED]=$survived
		[RUN]=$((killed + survived))
		[NOBUILD]=$(kbuf_mut_count nobuild) [SAME]=$(kbuf_mut_count same)
		[EQUIVALENT]=$(kbuf_mut_count equivalent)
		[NOTRUN]=$(kbuf_mut_count notrun)
		[FLAVOUR]=$(kbuf_mut_flavour) [SCOPE]=$(kbuf_mut_scope)
		[STORE]=${MUT_STORE#"$KBUF_ROOT"/docs/}
		[SCORE]=$(kbuf_mut_pc "$killed" $((killed + survived)))
		[OWN_KILLED]=$own_k [OWN_RUN]=$own_r
		[OWN_SCORE]=$(kbuf_mut_pc "$own_k" "$own_r")
		[DEBUG_KILLED]=$dbg_k [DEBUG_RUN]=$dbg_r [DEBUG_KINDS]=${kinds:-none yet})
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
