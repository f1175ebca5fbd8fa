# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The verdicts of make mutants, kept from run to run, sourced by
# scripts/mutants.sh: a run of a few files or of an hour adds its
# verdicts to docs/mutants-verdicts.tsv, and the score is of every
# mutant with a verdict there. Defines no behaviour when sourced.
#
# A verdict holds for one text of one driver file: it is stored with the
# file's checksum and the mutant's change, and used again only while the
# file and the change are the same. When a file changes, its verdicts
# are left out of the score and dropped at the next save; the other
# files' stay. A verdict also holds for one kind of kernel (6.12, 6.1,
# 6.1-kasan...: KBUF_MUTANTS_KERNEL). It is not measured again when the
# tests change: a new test for a survivor is checked with
# KBUF_MUTANTS_RERUN=survived (or KBUF_MUTANTS_IDS), and
# KBUF_MUTANTS_RERUN=all measures everything again.
#
# The store, one verdict a line, tab-separated: kernel kind, file,
# checksum, id, operator, before, after, verdict (killed, survived,
# nobuild or same), seconds in the guest, how it was killed, the kernel
# release, the commit the run was of. Sorted by file and id.

# The checksum of a driver file's text: 16 hex digits of its SHA-256.
kbuf_mut_sum() {
	sha256sum "$1" | cut -c1-16
}

# Mutant list $1 (mutants-gen.py's columns: id, file:line, operator,
# before, after) with each file's checksum added as a sixth column.
kbuf_mut_keyed() {
	local f
	cut -f2 "$1" | sed 's/:[0-9]*$//' | sort -u | while read -r f; do
		printf '%s\t%s\n' "$f" "$(kbuf_mut_sum "$KBUF_ROOT/$f")"
	done | awk -F '\t' -v OFS='\t' '
		FILENAME == "-" { sum[$1] = $2; next }
		{ f = $2; sub(/:[0-9]+$/, "", f); print $0, sum[f] }' - "$1"
}

# The stored verdicts of kernel kind $2 for the mutants of keyed list
# $1, as a run's results: id, verdict, seconds, how it was killed,
# commit.
kbuf_mut_stored() {
	[[ -f $MUT_STORE ]] || return 0
	awk -F '\t' -v OFS='\t' -v kind="$2" '
		FILENAME == ARGV[1] {
			if ($1 == kind)
				v[$2, $3, $4, $6, $7] = $4 OFS $8 OFS $9 OFS $10 OFS $12
			next
		}
		{
			f = $2; sub(/:[0-9]+$/, "", f)
			k = f SUBSEP $6 SUBSEP $1 SUBSEP $4 SUBSEP $5
			if (k in v) print v[k]
		}' "$MUT_STORE" "$1"
}

# This run's verdicts as store lines: for each mutant of keyed list $1,
# its build status when it did not build or built the same object
# (build.tsv, $2), else its verdict in the guest (results.tsv, $3).
# Kernel kind $4, release $5, commit $6.
kbuf_mut_fresh() {
	awk -F '\t' -v OFS='\t' -v kind="$4" -v rel="$5" -v commit="$6" '
		FILENAME == ARGV[1] { built[$1] = $2; next }
		FILENAME == ARGV[2] { if ($1 != "orig") r[$1] = $2 OFS $3 OFS $4; next }
		{
			f = $2; sub(/:[0-9]+$/, "", f)
			head = kind OFS f OFS $6 OFS $1 OFS $3 OFS $4 OFS $5
			if (built[$1] == "nobuild" || built[$1] == "same")
				print head, built[$1], "", "", rel, commit
			else if ($1 in r)
				print head, r[$1], rel, commit
		}' "$2" "$3" "$1"
}

# Merge store lines on stdin into the store. A new line replaces the
# stored one of the same kind, file, checksum and mutant; the lines of
# a file whose checksum is not its current one ($1, a keyed list of every
# mutant) are dropped. A lock keeps two runs from losing each other's.
kbuf_mut_merge() {
	local new
	new=$(mktemp)
	cat >"$new"
	(
		flock 9
		touch "$MUT_STORE"
		awk -F '\t' -v OFS='\t' '
			FILENAME == ARGV[1] {
				f = $2; sub(/:[0-9]+$/, "", f); cur[f] = $6; next
			}
			FILENAME == ARGV[2] { seen[$1, $2, $3, $4, $6, $7] = 1; print; next }
			(($1, $2, $3, $4, $6, $7) in seen) || cur[$2] != $3 { next }
			{ print }' "$1" "$new" "$MUT_STORE" |
			LC_ALL=C sort -t $'\t' -k2,2 -k4,4V -k1,1 >"$MUT_STORE.tmp"
		mv "$MUT_STORE.tmp" "$MUT_STORE"
	) 9>>"$KBUF_OUTROOT/.mutants-store.lock"
	rm -f "$new"
}
