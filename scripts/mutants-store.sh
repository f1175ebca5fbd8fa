# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The verdicts of make mutants, kept from run to run, sourced by
# scripts/mutants.sh: a run of a few files or of an hour adds its
# verdicts to docs/mutants-verdicts.tsv, and the score is of every
# mutant with a verdict there. Defines no behaviour when sourced.
#
# A verdict holds for one text of the driver: it is stored with a
# checksum of the mutated file and of every header and the Kbuild file
# the driver builds with, and with the mutant's place and change (file,
# line, the line before and after), and used again only while all of
# them are the same. When a file changes, its verdicts are left out of
# the score and dropped at the next save (a header or Kbuild change
# drops them all); the other files' stay. A verdict also holds for one
# kind of kernel (6.12, 6.1, 6.1-kasan...: KBUF_MUTANTS_KERNEL). It is
# not measured again when the tests change: KBUF_MUTANTS_RERUN says what
# runs again.
#
# The store, one verdict a line, tab-separated: kernel kind, file:line,
# checksum, id, operator, before, after, verdict (killed, survived,
# nobuild or same), seconds in the guest, how it was killed, the kernel
# release, the commit the run was of. Sorted by file and line.

# The checksum of what the headers and Kbuild give every driver file.
kbuf_mut_common_sum() {
	(
		cd "$KBUF_ROOT" &&
			find driver -name '*.h' -o -name Kbuild | LC_ALL=C sort |
			while read -r f; do
				printf '%s\n' "$f"
				cat "$f"
			done
	) | sha256sum | cut -c1-16
}

# The checksum of driver file $1 (from the tree) with the common part
# $2: 16 hex digits.
kbuf_mut_sum() {
	{
		printf '%s\n' "$2"
		cat "$KBUF_ROOT/$1"
	} | sha256sum | cut -c1-16
}

# "file checksum" a line for each driver file of list $1 (column 2 is
# file:line), as the tree is now.
kbuf_mut_sums() {
	local f common
	common=$(kbuf_mut_common_sum)
	cut -f2 "$1" | sed 's/:[0-9]*$//' | sort -u | while read -r f; do
		if [[ -f $KBUF_ROOT/$f ]]; then
			printf '%s\t%s\n' "$f" "$(kbuf_mut_sum "$f" "$common")"
		fi
	done
}

# Mutant list $1 (mutants-gen.py's columns: id, file:line, operator,
# before, after) with its file's checksum added as a sixth column.
kbuf_mut_keyed() {
	kbuf_mut_sums "$1" | awk -F '\t' -v OFS='\t' '
		FILENAME == "-" { sum[$1] = $2; next }
		{ f = $2; sub(/:[0-9]+$/, "", f); print $0, sum[f] }' - "$1"
}

# The stored verdicts of kernel kind $2 for the mutants of keyed list
# $1, as a run's results: id (today's), verdict, seconds, how it was
# killed, commit.
kbuf_mut_stored() {
	[[ -f $MUT_STORE ]] || return 0
	awk -F '\t' -v OFS='\t' -v kind="$2" '
		FILENAME == ARGV[1] {
			if ($1 == kind)
				v[$2, $3, $6, $7] = $8 OFS $9 OFS $10 OFS $12
			next
		}
		($2, $6, $4, $5) in v { print $1, v[$2, $6, $4, $5] }' "$MUT_STORE" "$1"
}

# The stored verdicts this run uses instead of running the mutant: none
# for KBUF_MUTANTS_IDS or KBUF_MUTANTS_RERUN=all; for
# KBUF_MUTANTS_RERUN=survived, neither a survivor nor a mutant killed
# only by a guest that hung (a loaded host can make a guest slow); for a
# run of all the rows, not a survival of the debug rows only.
kbuf_mut_reuse() {
	local rerun=${KBUF_MUTANTS_RERUN:-none}
	case $rerun in
	none | survived | all) ;;
	*) kbuf_die "KBUF_MUTANTS_RERUN=$rerun: none, survived or all" ;;
	esac
	[[ -z ${KBUF_MUTANTS_IDS:-} && $rerun != all ]] || return 0
	kbuf_mut_stored "$MUT_OUT/keyed.tsv" "$(kbuf_mut_flavour)" |
		awk -F '\t' -v rerun="$rerun" -v rows="${KBUF_MUTANTS_ROWS:-all}" '
			rerun == "survived" && ($2 == "survived" || $4 ~ /^guest hung/) { next }
			rows == "all" && $2 == "survived" && $4 == "debug rows only" { next }
			{ print }'
}

# In a debug kernel, only the mutants a stock kernel (6.12 or 6.1) let
# survive: the debug guest is for the faults only KASAN, kmemleak and
# fault injection can see, and takes several times as long, and a
# stock report counts a debug verdict only for its own survivors
# (scripts/mutants-report.sh). Prints "ID stock" for each of the
# others (KBUF_MUTANTS_IDS runs any).
kbuf_mut_debug_skip() {
	[[ $(kbuf_mut_kind) == debug && -z ${KBUF_MUTANTS_IDS:-} ]] || return 0
	{
		kbuf_mut_stored "$MUT_OUT/keyed.tsv" 6.12
		kbuf_mut_stored "$MUT_OUT/keyed.tsv" 6.1
	} | awk -F '\t' -v OFS='\t' '
		FILENAME == "-" { if ($2 == "survived") through[$1] = 1; next }
		!($1 in through) { print $1, "stock" }' - "$MUT_OUT/keyed.tsv"
}

# This run's verdicts as store lines: for each mutant of keyed list $1,
# its build status when it did not build or built the same object
# (build.tsv, $2), else its verdict in the guest (results.tsv, $3).
# Kernel kind $4, release $5, commit $6. The rows run, $7: "all", or
# "debug" when only the map's debug rows ran (KBUF_MUTANTS_ROWS): a
# survivor of those is stored as surviving "debug rows only", which a
# run of all the rows does not reuse (kbuf_mut_reuse).
kbuf_mut_fresh() {
	[[ ${7:-} == all || ${7:-} == debug ]] ||
		kbuf_die "kbuf_mut_fresh: rows all or debug, not '${7:-}'"
	awk -F '\t' -v OFS='\t' -v kind="$4" -v rel="$5" -v commit="$6" -v rows="$7" '
		FILENAME == ARGV[1] { built[$1] = $2; next }
		FILENAME == ARGV[2] {
			if ($1 == "orig")
				next
			if (rows == "debug" && $2 == "survived")
				$4 = "debug rows only"
			r[$1] = $2 OFS $3 OFS $4
			next
		}
		{
			head = kind OFS $2 OFS $6 OFS $1 OFS $3 OFS $4 OFS $5
			if (built[$1] == "nobuild" || built[$1] == "same")
				print head, built[$1], "", "", rel, commit
			else if ($1 in r)
				print head, r[$1], rel, commit
		}' "$2" "$3" "$1"
}

# Merge store lines on stdin into the store. A new line replaces the
# stored one of the same kind, place, checksum and change, but a
# survival of the debug rows only never replaces a verdict of all the
# rows (KBUF_MUTANTS_ROWS); a line whose
# checksum is not its file's as the tree is now is dropped (the tree's
# text is read now, not when the run started). A lock on the store's
# directory keeps two runs from losing each other's lines. Fails, and
# leaves the store as it was, if a step fails.
kbuf_mut_merge() {
	local tmp dir
	dir=$(dirname "$MUT_STORE")
	tmp=$(mktemp -d)
	cat >"$tmp/new" || return 1
	(
		flock 9 || exit 1
		touch "$MUT_STORE" || exit 1
		cat "$tmp/new" "$MUT_STORE" >"$tmp/all" || exit 1
		kbuf_mut_sums "$tmp/all" >"$tmp/sums" || exit 1
		awk -F '\t' -v OFS='\t' '
			FILENAME == ARGV[1] { cur[$1] = $2; next }
			{ f = $2; sub(/:[0-9]+$/, "", f) }
			cur[f] != $3 { next }
			{
				k = $1 SUBSEP $2 SUBSEP $3 SUBSEP $6 SUBSEP $7
				partial = $8 == "survived" && $10 == "debug rows only"
				if (!(k in line))
					order[++n] = k
				else if (!part[k] || partial)
					next
				line[k] = $0
				part[k] = partial
			}
			END { for (i = 1; i <= n; i++) print line[order[i]] }' "$tmp/sums" "$tmp/all" |
			LC_ALL=C sort -t $'\t' -k2,2V -k1,1 >"$tmp/merged" || exit 1
		cp "$tmp/merged" "$MUT_STORE.new" && mv "$MUT_STORE.new" "$MUT_STORE"
	) 9<"$dir"
	local rc=$?
	rm -rf "$tmp"
	return "$rc"
}
