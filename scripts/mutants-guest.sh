#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The guest half of make mutants (scripts/mutants.sh boots a test-bed
# guest with it as kbuftest.script). For each line of $KBUF_OUT/queue.tsv
# (a mutant id, its kbuf.ko, and a BATS[=REGEX] field per bats file to
# run), in order: the bats files run against that module with KBUF_KO
# pointing at it, one at a time, and the first failed test ends the
# mutant (bats 1.8 has no option to stop at a failure: the TAP is watched
# and bats killed). Then every process it left is killed, the module
# unloaded, and the taint word and kernel log checked. One line per
# mutant goes to $KBUF_OUT/results.tsv: ID, verdict (killed or survived;
# passed or failed for the baseline "orig"), seconds, and how it was
# killed.
#
# The guest powers off early, for the host to boot a clean one, when the
# kernel is tainted by a report, the module will not unload, or lockdep
# turned itself off during the mutant (all three kill it), and with no
# verdict when lockdep is off before a mutant (its log is kept, and the
# mutant before runs again if it survived, or is killed if that
# happened to it before) or its tables filled up during one. Before
# each mutant $KBUF_OUT/current says which one runs and how long it may
# take: if the guest dies, the host gives that mutant its verdict.
#
# The baseline "orig" (the unmutated module) runs every file to the end
# and writes $KBUF_OUT/baseline.tsv: seconds per bats file (and filter).
# A mutant's may take 3 times as long plus a minute before it counts as
# hung; the baseline's each take at most kbuftest.mutants_limit seconds
# (from the kernel command line).
set -euo pipefail

# shellcheck source=../tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/vm/lib.sh"

[[ -n ${KBUF_OUT:-} && -r /proc/cmdline ]] ||
	kbuf_die "mutants-guest.sh runs inside the test-bed guest: use make mutants"

# Taint flags that mean the kernel reported a problem, as in
# tests/helpers/common.bash: B, D, W, L.
MUT_TAINT_BAD=$(((1 << 5) | (1 << 7) | (1 << 9) | (1 << 14)))
# A file may take this long when the baseline has not timed it (in the
# baseline itself): the host's KBUF_MUTANTS_BASE_LIMIT.
MUT_DEFAULT_LIMIT=$(kbuf_cmdline_arg kbuftest.mutants_limit 1800)
MUT_PGID=
# Lockdep's state (tests/host/55-mutants.bats points it elsewhere).
MUT_LOCKDEP_STATS=${MUT_LOCKDEP_STATS:-/proc/lockdep_stats}

# ---- one bats file --------------------------------------------------------

# Seconds spec $1 (BATS[=REGEX]) may take: 3 times the baseline's, plus
# a minute.
kbuf_mut_limit() {
	local s
	s=$(awk -F '\t' -v s="$1" '$1 == s { t = $2 } END { print t }' \
		"$KBUF_OUT/baseline.tsv" 2>/dev/null)
	[[ -n $s ]] || {
		echo "$MUT_DEFAULT_LIMIT"
		return
	}
	echo $((3 * ${s%.*} + 60))
}

# Kill bats and everything a test started: they share its session.
kbuf_mut_kill_group() {
	[[ -n $MUT_PGID ]] || return 0
	kill -KILL -- "-$MUT_PGID" 2>/dev/null || true
	wait "$MUT_PGID" 2>/dev/null || true
	MUT_PGID=
}

# Run spec $1 (BATS[=REGEX]) into TAP file $2, for at most $3 seconds.
# With $4 = stop, kill bats at the first failed test. Prints nothing if
# every test passed, else the reason: the first "not ok" line, no plan,
# fewer tests reported than planned, or the time limit.
kbuf_mut_bats() {
	local spec=$1 tap=$2 limit=$3 stop=$4 file=${1%%=*} start=$SECONDS
	local -a opts=(--tap)
	[[ $spec != *=* ]] || opts+=(-f "${spec#*=}")
	setsid bats "${opts[@]}" "$KBUF_ROOT/tests/$file.bats" >"$tap" 2>&1 &
	MUT_PGID=$!
	while kill -0 "$MUT_PGID" 2>/dev/null; do
		if [[ $stop == stop ]] && grep -q '^not ok' "$tap"; then
			break
		fi
		if ((SECONDS - start > limit)); then
			kbuf_mut_kill_group
			echo "$file: no end after $limit s"
			return
		fi
		sleep 1
	done
	kbuf_mut_kill_group
	if grep -q '^not ok' "$tap"; then
		echo "$file: $(grep -m 1 '^not ok' "$tap" | cut -c1-150)"
	elif ! grep -q '^1\.\.' "$tap"; then
		echo "$file: bats printed no plan"
	else
		kbuf_mut_bats_whole "$file" "$tap"
	fi
	return 0
}

# Nothing if TAP file $2 reports every test its plan announced, else why:
# bats cut short (killed, out of memory) passed nothing.
kbuf_mut_bats_whole() {
	local plan ran
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$2" | head -n 1)
	ran=$(grep -c '^ok ' "$2" || true)
	((ran == plan)) || echo "$1: only $ran of $plan tests reported"
}

# ---- between mutants ----------------------------------------------------

# Put the guest back as a mutant found it: udevd running, the loop mount
# of the O_DIRECT tests gone, kbuf unloaded. Fails if kbuf will not
# unload (a mutant leaked a reference): the guest must reboot.
kbuf_mut_cleanup() {
	local i
	udevadm control --ping >/dev/null 2>&1 ||
		kbuf_udevd_start "$KBUF_OUT/udevd.log" || true
	udevadm settle --timeout=60 >/dev/null 2>&1 || true
	if mountpoint -q /tmp/kbuf-odirect 2>/dev/null; then
		umount /tmp/kbuf-odirect || true
	fi
	rm -f /tmp/kbuf-odirect.img
	for ((i = 0; i < 20; i++)); do
		[[ -e /sys/module/kbuf ]] || return 0
		rmmod kbuf 2>/dev/null || sleep 0.5
	done
	[[ ! -e /sys/module/kbuf ]]
}

# The kernel's complaints since log line $1: lines that report a problem,
# and for a debug kernel a kmemleak report naming kbuf, less Linux 6.1's
# own leak of the class name that the module-load sweep of 91-fault.bats
# provokes (tests/helpers/kmemleak-known.awk), as make check leaves it out.
# The log is read after kmemleak's wait, so that a report printed during
# it is the reason given; kmemleak's own reports are not in the log.
kbuf_mut_kernel_problems() {
	local log=/tmp/mutant-dmesg.txt leak problem
	leak=$(kbuf_mut_kmemleak)
	dmesg | tail -n "+$(($1 + 1))" >"$log"
	problem=$(kbuf_dmesg_problems "$log" | head -n 1 | cut -c1-150)
	printf '%s' "${problem:-$leak}"
}

# The first leak kmemleak finds that names kbuf, after a 5 s wait.
kbuf_mut_kmemleak() {
	local k=/sys/kernel/debug/kmemleak report
	[[ -w $k ]] || return 0
	sleep 5
	echo scan >"$k" 2>/dev/null && echo scan >"$k" 2>/dev/null || return 0
	report=$(awk -f "$KBUF_ROOT/tests/helpers/kmemleak-known.awk" "$k")
	if grep -q kbuf <<<"$report"; then
		echo "kmemleak: $(grep -m 1 'unreferenced object' <<<"$report")"
	fi
	echo clear >"$k" 2>/dev/null || true
}

# ---- one mutant ---------------------------------------------------------

# Say which mutant runs now and the seconds its files may take.
kbuf_mut_announce() {
	local id=$1 spec total=0
	shift 2
	for spec; do
		total=$((total + $(kbuf_mut_limit "$spec")))
	done
	printf '%s %s\n' "$id" "$total" >"$KBUF_OUT/current"
	echo "mutant $id: $* (at most $total s)"
}

# Record verdict $2 for mutant $1 after $3 seconds, reason $4.
kbuf_mut_record() {
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$KBUF_OUT/results.tsv"
	echo "mutant $1: $2${4:+ ($4)}"
}

# Run specs $4... of mutant $1 into TAP file $2, stopping at the first
# failure if $3 is "stop"; prints the first reason the mutant failed.
kbuf_mut_run_specs() {
	local id=$1 tap=$2 stop=$3 spec r why='' t1
	shift 3
	for spec; do
		t1=$SECONDS
		r=$(kbuf_mut_bats "$spec" "$tap.part" "$(kbuf_mut_limit "$spec")" "$stop")
		cat "$tap.part" >>"$tap"
		[[ $id != orig ]] ||
			printf '%s\t%s\n' "$spec" $((SECONDS - t1)) >>"$KBUF_OUT/baseline.tsv"
		why=${why:-$r}
		[[ -z $why || $stop != stop ]] || break
	done
	rm -f "$tap.part"
	printf '%s' "$why"
}

# Lockdep's debug_locks: 1 while it checks, 0 once it has turned itself
# off (after its own report, with its tables full, or after a taint or
# an oops), "-" in a kernel without lockdep (no stats file), "?" when
# the file cannot be read. Off, it checks nothing more: the tests that
# need it would skip, and the mutants after it could survive what it
# would have seen.
kbuf_mut_debug_locks() {
	local v
	[[ -e $MUT_LOCKDEP_STATS ]] || {
		echo -
		return 0
	}
	v=$(sed -n -E 's/^ debug_locks: +//p' "$MUT_LOCKDEP_STATS" 2>/dev/null) || true
	echo "${v:-?}"
}

# Whether the kernel log says lockdep's tables filled up ("BUG:
# MAX_STACK_TRACE_ENTRIES too low!" and its kin): what the guest has run
# since it booted fills them, so the mutant running then is not to
# blame, whatever failed after (the bats file's own log check fails on
# that line). The whole log is read, since a line count cannot mark a
# log that has wrapped, and a guest whose lockdep was already off runs
# no mutant: the line is this mutant's. MAX_LOCK_DEPTH is a task
# holding too many locks at once, which a mutant can do.
kbuf_mut_lockdep_full() {
	dmesg | awk '/MAX_[A-Z_]+ too low!/ && !/MAX_LOCK_DEPTH/ { full = 1 }
		END { exit !full }'
}

# Run one queue line: ID KO SPEC...; fails when the guest must reboot.
kbuf_mut_one() {
	local id=$1 tap=$KBUF_OUT/tap/$1.tap t0=$SECONDS mark taint0 taint locks0
	local why problem dirty='' stop=stop
	if [[ $id == orig ]]; then
		stop=all
		: >"$KBUF_OUT/baseline.tsv"
	fi
	kbuf_mut_announce "$@"
	read -r taint0 </proc/sys/kernel/tainted
	locks0=$(kbuf_mut_debug_locks)
	mark=$(dmesg | wc -l)
	KBUF_KO=$(kbuf_ko_in_memory "$2")
	export KBUF_KO
	: >"$tap"
	shift 2
	why=$(kbuf_mut_run_specs "$id" "$tap" "$stop" "$@")
	kbuf_mut_cleanup || { dirty=1 && why=${why:-"kbuf did not unload"}; }
	read -r taint </proc/sys/kernel/tainted
	if (((taint & ~taint0 & MUT_TAINT_BAD) != 0)); then
		dirty=1
		why=${why:-"kernel tainted: $taint0 -> $taint"}
	fi
	# Scanned after every mutant: one that a test killed must not leave
	# its leaks to the next.
	problem=$(kbuf_mut_kernel_problems "$mark")
	why=${why:-$problem}
	# After the log's scan: a report printed while it waits counts.
	if [[ $locks0 == 1 && $(kbuf_mut_debug_locks) != 1 ]]; then
		dirty=1
		why=${why:-"lockdep turned itself off"}
	fi
	if kbuf_mut_lockdep_full; then
		echo "guest: no verdict for $id: lockdep's tables filled up (${why:0:150})"
		return 1
	fi
	kbuf_mut_verdict "$id" "$why" $((SECONDS - t0))
	[[ -z $dirty ]]
}

# Record mutant $1's verdict from reason $2 (empty: nothing noticed).
kbuf_mut_verdict() {
	if [[ $1 == orig ]]; then
		kbuf_mut_record "$1" "$([[ -z $2 ]] && echo passed || echo failed)" "$3" "$2"
	else
		kbuf_mut_record "$1" "$([[ -n $2 ]] && echo killed || echo survived)" "$3" "$2"
	fi
}

# Lockdep found off after mutant $1 survived: likely its doing, though
# not surely. The first time, its survival is taken back, to run again
# in a fresh kernel; the second (taken-back.txt lasts from guest to
# guest), it is killed. The baseline's pass stands: a report in it
# would have failed its tests.
kbuf_mut_take_back() {
	local r=$KBUF_OUT/results.tsv seen=$KBUF_OUT/taken-back.txt
	[[ -n $1 && -s $r ]] || return 0
	tail -n 1 "$r" | awk -F '\t' -v id="$1" '$1 == id && $2 == "survived" { ok = 1 }
		END { exit !ok }' || return 0
	sed -i '$d' "$r"
	if grep -qxF -e "$1" "$seen" 2>/dev/null; then
		kbuf_mut_record "$1" killed 0 "lockdep turned itself off after it, in two guests"
	else
		echo "$1" >>"$seen"
		echo "guest: $1's survival taken back: it runs again"
	fi
}

main() {
	local line locks last=''
	local -a f lines
	cut -d' ' -f1 /proc/uptime >"$KBUF_OUT/started"
	mkdir -p "$KBUF_OUT/tap"
	cd "$KBUF_ROOT"
	# The queue is read whole first: the tests must not see its descriptor.
	mapfile -t lines <"$KBUF_OUT/queue.tsv"
	for line in "${lines[@]}"; do
		IFS=$'\t' read -r -a f <<<"$line"
		# Off already, lockdep would check nothing: no verdict here.
		# What turned it off after the last mutant's check is likely
		# that one's (work it left), but not surely: its survival is
		# taken back, to run again in a fresh kernel, and the log kept.
		locks=$(kbuf_mut_debug_locks)
		if [[ $locks != [1-] ]]; then
			dmesg >"$KBUF_OUT/lockdep-off-before-${f[0]}.txt"
			kbuf_mut_take_back "$last"
			echo "guest: lockdep is off ($locks) before ${f[0]}${last:+, after $last}: powering off for a fresh kernel (log: $KBUF_OUT/lockdep-off-before-${f[0]}.txt)"
			break
		fi
		last=${f[0]}
		if ! kbuf_mut_one "${f[@]}"; then
			echo "guest: ${f[0]} left the kernel unclean: powering off for a fresh one"
			break
		fi
		[[ ${f[0]} != orig ]] || [[ $(tail -n 1 "$KBUF_OUT/results.tsv" | cut -f2) == passed ]] || break
	done
	rm -f "$KBUF_OUT/current"
}

# Sourced (tests/host/55-mutants.bats), main does not run.
[[ ${BASH_SOURCE[0]} != "$0" ]] || main "$@"
