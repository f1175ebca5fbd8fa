#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make mutants: how strong the tests are. Small faults are made in
# driver/*.c one at a time (scripts/mutants-gen.py makes and lists them),
# each mutant module is built against the test kernel's headers, and the
# bats files that cover the mutated file (tests/mutants.map) run against
# it in a test-bed guest (scripts/mutants-guest.sh). A mutant is killed
# when a test fails, the guest panics or hangs, or the kernel reports a
# problem (lockdep turning itself off included); it survives when every
# test passes. Verdicts are kept in docs/mutants-verdicts.tsv
# (scripts/mutants-store.sh) and runs add to them: a mutant with a
# verdict for the same text of its file is not run again. The score
# (killed out of killed + survived) of every stored verdict and the
# survivors go to docs/mutants.md.
#
# One guest runs many mutants: a boot costs 30 to 60 s under TCG. The
# first guest of a run tests the unmutated module first (the baseline):
# every listed bats file must pass, and how long each took sets the time
# a mutant may take (3 times that, plus a minute). A guest that dies or
# hangs has killed the mutant it was running; so does one whose kernel a
# mutant tainted or whose lockdep it turned off, which then powers off:
# the next guest, a clean kernel, goes on with the rest. A guest whose
# lockdep is off before a mutant, or whose lockdep tables fill up during
# one, powers off with no verdict for it, for a fresh kernel to run it
# (lockdep off before a mutant also takes back the survival of the one
# before, which runs again, and is killed if that happens to it twice).
#
# Environment:
#   KBUF_MUTANTS_LIST=1    print the mutants and the bats files each would
#                          run, build nothing
#   KBUF_MUTANTS_FILES     driver files to mutate ("ioctl.c mmap.c");
#                          default every driver/*.c
#   KBUF_MUTANTS_MAX=N     at most N mutants of each file, a sample drawn
#                          with seed KBUF_MUTANTS_SEED (default 1) from
#                          every mutant, with a verdict or not: another
#                          seed draws others
#   KBUF_MUTANTS_IDS       only these mutant ids ("ioctl-003 mmap-007"),
#                          run again even if they have a verdict
#   KBUF_MUTANTS_RERUN     none (default: a mutant with a stored verdict is
#                          not run), survived (survivors and mutants killed
#                          only by a hung guest run again, after
#                          a test was added for them) or all
#   KBUF_MUTANTS_KERNEL    6.12 (default: the newest 6.12 in /boot), 6.1,
#                          a release in /boot, or a debug kernel of make
#                          check-debug (6.1-kasan, 6.12-kasan, 6.12-kcsan),
#                          which runs the mutants a stock kind let
#                          survive, the map's debug rows first, and a
#                          kmemleak scan after each mutant
#   KBUF_MUTANTS_ROWS      all (default) or, in a KASAN kernel, debug:
#                          only the map's debug rows run, which a stock
#                          kernel cannot (a baseline of under an hour,
#                          not one or two), for the mutants of the files
#                          that have one; a survivor is stored as surviving
#                          "debug rows only", which a run of all the
#                          rows does not take as a verdict, and which
#                          never replaces a verdict of all the rows
#   KBUF_MUTANTS_OUT       results (default tests/out/mutants)
#   KBUF_MUTANTS_STORE     the verdicts kept from run to run (default
#                          docs/mutants-verdicts.tsv)
#   KBUF_MUTANTS_REPORT=1  only write the report from the stored
#                          verdicts: build and run nothing
#   KBUF_MUTANTS_DOC       the report: default docs/mutants.md for the 6.12
#                          stock kernel and the default store, else
#                          OUT/mutants.md
#   KBUF_MUTANTS_RESUME=1  keep the builds and results of an earlier run
#                          in OUT with the same list, driver text,
#                          kernel and rows: only the rest runs
#   KBUF_MUTANTS_BASE_LIMIT  seconds each bats file may take in the
#                          baseline (default 1800; 7200 in a debug kernel)
set -euo pipefail

# shellcheck source=../tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/vm/lib.sh"
# shellcheck source=mutants-report.sh
. "$KBUF_ROOT/scripts/mutants-report.sh"
# shellcheck source=mutants-store.sh
. "$KBUF_ROOT/scripts/mutants-store.sh"

MUT_GEN=$KBUF_ROOT/scripts/mutants-gen.py
MUT_MAP=$KBUF_ROOT/tests/mutants.map
MUT_OUT=${KBUF_MUTANTS_OUT:-$KBUF_OUTROOT/mutants}
MUT_GUEST=$MUT_OUT/guest
MUT_STORE=${KBUF_MUTANTS_STORE:-$KBUF_ROOT/docs/mutants-verdicts.tsv}
MUT_EQUIVALENT=$KBUF_ROOT/tests/mutants.equivalent
# A guest that has not started its first mutant after this long is stuck.
MUT_BOOT_LIMIT=900
# Slack the host gives a guest past the time its mutant may take, for
# the guest's own clean-up and for a panic to reach QEMU's exit.
MUT_SLACK=180

# ---- what to mutate -----------------------------------------------------

# The driver files of this run, one a line, as paths from the tree.
kbuf_mut_files() {
	local f all
	all=$(cd "$KBUF_ROOT" && python3 "$MUT_GEN" sources driver)
	if [[ -z ${KBUF_MUTANTS_FILES:-} ]]; then
		printf '%s\n' "$all"
		return
	fi
	for f in $KBUF_MUTANTS_FILES; do
		f=driver/${f#driver/}
		grep -qxF -- "$f" <<<"$all" ||
			kbuf_die "KBUF_MUTANTS_FILES: $f is not a driver source"
		printf '%s\n' "$f"
	done
}

# The mutants of this run, as mutants-gen.py lists them.
kbuf_mut_list() {
	local -a opts=() files
	local ids=" ${KBUF_MUTANTS_IDS:-} "
	[[ -z ${KBUF_MUTANTS_MAX:-} ]] ||
		opts=(--max "$KBUF_MUTANTS_MAX" --seed "${KBUF_MUTANTS_SEED:-1}")
	mapfile -t files < <(kbuf_mut_files)
	(cd "$KBUF_ROOT" && python3 "$MUT_GEN" list "${opts[@]}" "${files[@]}") |
		awk -F '\t' -v ids="$ids" 'ids ~ /^ *$/ || index(ids, " " $1 " ")'
}

# The map's rows for driver file $1 in a guest of kind $2 (stock or
# debug): "BATS[=REGEX]" a line, in the map's order, but a debug guest's
# own rows first: what it runs a mutant for (kbuf_mut_debug_skip); with
# KBUF_MUTANTS_ROWS=debug, only those.
kbuf_mut_map_rows() {
	awk -v file="${1#driver/}" -v kind="$2" -v only="$(kbuf_mut_rows)" '
		/^#/ || NF < 3 || $1 != file { next }
		$2 == "debug" && kind != "debug" { next }
		$2 != "debug" && only == "debug" { next }
		{
			re = $0
			sub(/^[ \t]*[^ \t]+[ \t]+[^ \t]+[ \t]+[^ \t]+[ \t]*/, "", re)
			row = $3 (re == "" ? "" : "=" re)
			if ($2 == "debug") print row; else rows[++n] = row
		}
		END { for (i = 1; i <= n; i++) print rows[i] }' "$MUT_MAP"
}

# The kind of kernel a verdict holds for: 6.12 or 6.1 for Debian's
# kernels, the debug flavour's name (6.1-kasan...), else the release.
kbuf_mut_flavour() {
	local k=${KBUF_MUTANTS_KERNEL:-6.12}
	case $k in
	6.1.*) echo 6.1 ;;
	6.12.*) echo 6.12 ;;
	*) echo "$k" ;;
	esac
}

# "stock" or "debug": the guest kind of KBUF_MUTANTS_KERNEL.
kbuf_mut_kind() {
	[[ ${KBUF_MUTANTS_KERNEL:-} == *-kasan || ${KBUF_MUTANTS_KERNEL:-} == *-kcsan ]] &&
		echo debug || echo stock
}

# Which rows of the map run: "all" or "debug" (KBUF_MUTANTS_ROWS). The
# debug rows are fault injection's, which only a KASAN kernel has. Call
# it once outside a command substitution (main, kbuf_mut_prepare): a
# bad value must stop the run, not only print.
kbuf_mut_rows() {
	local rows=${KBUF_MUTANTS_ROWS:-all}
	case $rows in
	all) ;;
	debug)
		[[ ${KBUF_MUTANTS_KERNEL:-} == *-kasan ]] ||
			kbuf_die "KBUF_MUTANTS_ROWS=debug: only in a KASAN kernel (KBUF_MUTANTS_KERNEL=6.1-kasan or 6.12-kasan)"
		;;
	*) kbuf_die "KBUF_MUTANTS_ROWS=$rows: all or debug" ;;
	esac
	echo "$rows"
}

# With KBUF_MUTANTS_ROWS=debug, "ID norow" for each listed mutant whose
# file has no debug row in the map: nothing would run for it.
kbuf_mut_norow() {
	local id loc f
	[[ $(kbuf_mut_rows) == debug ]] || return 0
	while IFS=$'\t' read -r id loc _; do
		f=${loc%%:*}
		[[ -n $(kbuf_mut_map_rows "$f" debug) ]] || printf '%s\tnorow\n' "$id"
	done <"$MUT_OUT/list.tsv"
}

# KBUF_MUTANTS_LIST=1: every mutant and the bats files it would meet.
kbuf_mut_print_list() {
	local id loc op before after n=0
	while IFS=$'\t' read -r id loc op before after; do
		printf '%s\t%s\t%s\t%s\t->\t%s\n' "$id" "$loc" "$op" "$before" "$after"
		n=$((n + 1))
	done < <(kbuf_mut_list)
	echo "$n mutants; bats files per driver file (tests/mutants.map):"
	kbuf_mut_files | while read -r f; do
		printf '  %s: %s\n' "$f" "$(kbuf_mut_map_rows "$f" "$(kbuf_mut_kind)" | paste -sd ' ')"
	done
}

# ---- kernel ---------------------------------------------------------

# The release booted (a debug flavour boots its own image: "debug").
kbuf_mut_kver() {
	local k=${KBUF_MUTANTS_KERNEL:-6.12}
	case $k in
	*-kasan | *-kcsan) echo debug ;;
	6.1) kbuf_newest_kernel '^6\.1\.[0-9]+-[0-9]+-amd64$' ;;
	6.12) kbuf_newest_kernel '^6\.12\.[0-9]+\+deb12-amd64$' ;;
	*) echo "$k" ;;
	esac
}

# The tree mutants build against; for a debug flavour, builds it first
# if it is not cached (tests/debug/build-kernel.sh, about an hour).
kbuf_mut_kdir() {
	if [[ $1 == debug ]]; then
		bash "$KBUF_ROOT/tests/debug/build-kernel.sh" "$KBUF_MUTANTS_KERNEL"
	else
		echo "/usr/src/linux-headers-$1"
	fi
}

# ---- building -----------------------------------------------------------

# Record build status $2 of mutant $1.
kbuf_mut_built() {
	printf '%s\t%s\n' "$1" "$2" >>"$MUT_OUT/build.tsv"
}

# The object file $1 without its debug information: two objects whose
# code and data are the same compare equal.
kbuf_mut_strip() {
	objcopy --strip-debug --remove-section=.comment "$1" "$2"
}

# Build the module in $MUT_OUT/build/driver; its log in $1.
kbuf_mut_make() {
	nice make -C "$KDIR" M="$MUT_OUT/build/driver" modules >"$1" 2>&1
}

# The unmutated module (ko/orig.ko), and each object stripped in base/.
kbuf_mut_build_base() {
	local o
	kbuf_stage_driver "$MUT_OUT/build"
	mkdir -p "$MUT_OUT/ko" "$MUT_OUT/base" "$MUT_OUT/log"
	kbuf_mut_make "$MUT_OUT/log/orig.build" ||
		kbuf_die "the unmutated module does not build: $MUT_OUT/log/orig.build"
	cp "$MUT_OUT/build/driver/kbuf.ko" "$MUT_OUT/ko/orig.ko"
	for o in "$MUT_OUT"/build/driver/*.o; do
		kbuf_mut_strip "$o" "$MUT_OUT/base/${o##*/}"
	done
}

# Build mutant $1 of file $2: built (ko/ID.ko), nobuild, or same (its
# object code is the original's: an equivalent mutant, not run). The
# file is put back after, with a new time stamp so that make rebuilds it.
kbuf_mut_build_one() {
	local id=$1 file=$2 stem obj status=built
	stem=$(basename "$file" .c)
	obj=$MUT_OUT/build/driver/$stem.o
	python3 "$MUT_GEN" apply "$KBUF_ROOT/$file" "$id" >"$MUT_OUT/build/$file"
	if ! kbuf_mut_make "$MUT_OUT/log/$id.build"; then
		status=nobuild
	else
		kbuf_mut_strip "$obj" "$MUT_OUT/build/stripped.o"
		if cmp -s "$MUT_OUT/build/stripped.o" "$MUT_OUT/base/$stem.o"; then
			status=same
		else
			cp "$MUT_OUT/build/driver/kbuf.ko" "$MUT_OUT/ko/$id.ko"
		fi
	fi
	cat "$KBUF_ROOT/$file" >"$MUT_OUT/build/$file"
	kbuf_mut_built "$id" "$status"
}

# Build every mutant not built yet; adds the seconds it took to
# build-seconds.
kbuf_mut_build_all() {
	local id loc start n=0
	start=$(kbuf_now)
	touch "$MUT_OUT/build.tsv"
	while IFS=$'\t' read -r id loc _; do
		grep -q "^$id	" "$MUT_OUT/build.tsv" "$MUT_OUT/stored.tsv" \
			"$MUT_OUT/skipped.tsv" && continue
		[[ -f $MUT_OUT/ko/orig.ko ]] || kbuf_mut_build_base
		kbuf_mut_build_one "$id" "${loc%%:*}"
		n=$((n + 1))
	done <"$MUT_OUT/list.tsv"
	kbuf_since "$start" >>"$MUT_OUT/build-seconds"
	kbuf_log "mutants: built $n mutants in $(kbuf_since "$start") s" \
		"($(cut -f2 "$MUT_OUT/build.tsv" | sort | uniq -c | paste -sd ' '))"
}

# ---- running ------------------------------------------------------------

# Seconds a bats file may take in the baseline, which has no earlier
# time to go by: a debug kernel is several times slower.
kbuf_mut_base_limit() {
	local d=1800
	[[ $(kbuf_mut_kind) != debug ]] || d=7200
	echo "${KBUF_MUTANTS_BASE_LIMIT:-$d}"
}

# The queue line of mutant $1 (file $2): ID, module, then a BATS[=REGEX]
# field per map row, tab-separated.
kbuf_mut_queue_line() {
	local -a rows
	mapfile -t rows < <(kbuf_mut_map_rows "$2" "$(kbuf_mut_kind)")
	((${#rows[@]})) || kbuf_die "tests/mutants.map has no row for $2"
	(
		IFS=$'\t'
		printf '%s\n' "$1	$3	${rows[*]}"
	)
}

# The baseline's queue line: the unmutated module against every bats file
# and test the mutants of queue $1 meet (their lines' third field on).
kbuf_mut_baseline_line() {
	local -a rows
	mapfile -t rows < <(cut -f3- "$1" | tr '\t' '\n' | awk '!seen[$0]++')
	(
		IFS=$'\t'
		printf '%s\n' "orig	$MUT_OUT/ko/orig.ko	${rows[*]}"
	)
}

# Whether mutant $1 has a verdict.
kbuf_mut_done() {
	grep -q "^$1	" "$MUT_OUT/results.tsv"
}

# Write the guest's queue: the baseline unless it passed already, then
# every built mutant without a verdict. Fails if no mutant is left.
kbuf_mut_write_queue() {
	local id loc status m=$MUT_OUT/queue-mutants.tsv
	: >"$m"
	while IFS=$'\t' read -r id loc _; do
		status=$(awk -F '\t' -v id="$id" '$1 == id { print $2 }' "$MUT_OUT/build.tsv")
		[[ $status == built ]] || continue
		# A resumed run keeps builds the store now has no use for.
		! grep -q "^$id	" "$MUT_OUT/skipped.tsv" || continue
		kbuf_mut_done "$id" || kbuf_mut_queue_line "$id" "${loc%%:*}" \
			"$MUT_OUT/ko/$id.ko" >>"$m"
	done <"$MUT_OUT/list.tsv"
	[[ -s $m ]] || return 1
	{
		kbuf_mut_done orig || kbuf_mut_baseline_line "$m"
		cat "$m"
	} >"$MUT_GUEST/queue.tsv"
}

# Kill the process group $1 if the guest's mutant (its "current" file:
# ID and the seconds it may take) has run for too long, or no mutant has
# started MUT_BOOT_LIMIT s after QEMU did (it makes console.log: the wait
# for a free VM slot before it does not count). The guest removes
# "current" when its queue is done.
kbuf_mut_watchdog() {
	local pgid=$1 cur=$MUT_GUEST/current id limit age qemu='' seen=''
	while kill -0 "$pgid" 2>/dev/null; do
		sleep 5
		if [[ -z $qemu && -e $MUT_GUEST/console.log ]]; then
			qemu=$(date +%s)
			echo "$qemu" >"$MUT_GUEST/qemu-start"
		fi
		if [[ -s $cur ]]; then
			seen=1
			read -r id limit <"$cur" || continue
			age=$(($(date +%s) - $(stat -c %Y "$cur")))
			((age > limit + MUT_SLACK)) || continue
			kbuf_log "mutants: $id ran ${age} s, over its ${limit} s: stopping the guest"
		else
			[[ -n $qemu && -z $seen ]] || continue
			(($(date +%s) - qemu > MUT_BOOT_LIMIT)) || continue
			kbuf_log "mutants: no mutant started ${MUT_BOOT_LIMIT} s after the boot: stopping the guest"
		fi
		echo "hang" >"$MUT_GUEST/stopped"
		kill -KILL -- "-$pgid" 2>/dev/null || true
		return
	done
}

# The first line of console.log that says how the guest died.
kbuf_mut_death() {
	local why
	local re='Kernel panic|BUG:|Oops|WARNING:|general protection|soft lockup'
	re+='|blocked for more than'
	why=$(grep -a -m 1 -E "$re" "$MUT_GUEST/console.log" 2>/dev/null |
		sed 's/^\[[^]]*\] //' | cut -c1-120)
	if [[ -s $MUT_GUEST/stopped ]]; then
		echo "guest hung${why:+: $why}"
	else
		echo "guest died${why:+: $why}"
	fi
}

# After a boot: its results into results.tsv, and a verdict for the
# mutant the guest was running when it died or hung.
kbuf_mut_collect() {
	local id limit
	[[ -f $MUT_GUEST/results.tsv ]] && cat "$MUT_GUEST/results.tsv" >>"$MUT_OUT/results.tsv"
	[[ -s $MUT_GUEST/current ]] || return 0
	read -r id limit <"$MUT_GUEST/current"
	kbuf_mut_done "$id" && return 0
	printf '%s\tkilled\t%s\t%s\n' "$id" "$(awk -v a="$(stat -c %Y "$MUT_GUEST/current")" \
		-v b="$(date +%s)" 'BEGIN { print b - a }')" "$(kbuf_mut_death)" >>"$MUT_OUT/results.tsv"
}

# One guest: runs the queue until it ends, a mutant taints the kernel, or
# the guest dies. Appends a line to boots.tsv: the boot's number, seconds
# QEMU ran (the wait for a VM slot left out), the guest's uptime when its
# script started, verdicts it gave, boot.sh's status.
kbuf_mut_boot() {
	local n=$1 start pid rc=0 before after up
	rm -f "$MUT_GUEST"/{current,results.tsv,started,stopped,qemu-start}
	before=$(wc -l <"$MUT_OUT/results.tsv")
	start=$(kbuf_now)
	KBUF_VMLINUZ=$VMLINUZ KBUF_VM_SMP=${KBUF_VM_SMP:-1} \
		KBUF_APPEND="kbuftest.script=scripts/mutants-guest.sh kbuftest.mutants_limit=$(kbuf_mut_base_limit)" \
		setsid bash "$KBUF_ROOT/tests/vm/boot.sh" "$KVER" "$MUT_GUEST" script \
		"${KBUF_MUTANTS_BOOT_TIMEOUT:-86400}" &
	pid=$!
	MUT_BOOT_PGID=$pid
	kbuf_mut_watchdog "$pid" &
	wait "$pid" || rc=$?
	wait || true
	MUT_BOOT_PGID=
	kbuf_mut_collect
	after=$(wc -l <"$MUT_OUT/results.tsv")
	up=$(cat "$MUT_GUEST/started" 2>/dev/null || echo -)
	[[ ! -s $MUT_GUEST/qemu-start ]] || start=$(<"$MUT_GUEST/qemu-start")
	printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$(kbuf_since "$start")" "$up" \
		"$((after - before))" "$rc" >>"$MUT_OUT/boots.tsv"
	kbuf_log "mutants: boot $n ran $(kbuf_since "$start") s, $((after - before)) verdicts"
	((after > before))
}

# Whether any mutant of the list still needs a guest.
kbuf_mut_queue_some() {
	mkdir -p "$MUT_GUEST"
	touch "$MUT_OUT/results.tsv" "$MUT_OUT/boots.tsv"
	kbuf_mut_write_queue || {
		kbuf_log "mutants: no mutant of the list to run (each has a verdict or, in a debug kernel, waits for a stock kernel's): no guest to boot"
		return 1
	}
}

# Boot guests until every queued mutant has a verdict. The baseline must
# pass; a guest that gives no verdict at all twice in a row stops the run.
kbuf_mut_run_all() {
	local n=0 idle=0
	mkdir -p "$MUT_GUEST"
	touch "$MUT_OUT/results.tsv" "$MUT_OUT/boots.tsv"
	while kbuf_mut_write_queue; do
		n=$((n + 1))
		if kbuf_mut_boot "$n"; then idle=0; else idle=$((idle + 1)); fi
		((idle < 2)) || kbuf_die "two guests in a row gave no verdict: see $MUT_GUEST/console.log and script.txt"
		if awk -F '\t' '$1 == "orig" && $2 != "passed" { bad = 1 } END { exit !bad }' \
			"$MUT_OUT/results.tsv"; then
			grep '^orig' "$MUT_OUT/results.tsv" >&2
			kbuf_die "the tests fail on the unmutated module: fix them or" \
				"take them out of tests/mutants.map ($MUT_GUEST/tap/orig.tap)"
		fi
	done
}

# ---- main ---------------------------------------------------------------

# The commit the tree is at, with a + when the driver, the tests or these
# scripts differ from it; - outside git.
kbuf_mut_commit() {
	local c
	c=$(git -C "$KBUF_ROOT" rev-parse --short=12 HEAD 2>/dev/null) || {
		echo -
		return
	}
	[[ -z $(git -C "$KBUF_ROOT" status --porcelain -- driver tests scripts 2>/dev/null) ]] ||
		c+=+
	echo "$c"
}

# Add this run's verdicts to the store, once kbuf_mut_prepare has made
# this run's files (MUT_READY), and only once: also when the run is
# stopped, with the verdicts given so far.
MUT_READY=''
MUT_SAVED=''
kbuf_mut_save() {
	[[ -n $MUT_READY && -z $MUT_SAVED ]] || return 0
	touch "$MUT_OUT/build.tsv" "$MUT_OUT/results.tsv"
	kbuf_mut_fresh "$MUT_OUT/keyed.tsv" "$MUT_OUT/build.tsv" "$MUT_OUT/results.tsv" \
		"$(kbuf_mut_flavour)" "$KVER_RELEASE" "$MUT_COMMIT" "$(kbuf_mut_rows)" |
		kbuf_mut_merge || return 1
	MUT_SAVED=1
}

# The guest runs in a session of its own (so that the watchdog can stop
# QEMU with it): stop it when this script ends or is interrupted, keep
# the verdicts it gave, and end with the script's own status. A second
# signal must not cut this short: make passes its SIGTERM on to us, so
# stopping make's process group sends us two (a hangup, two SIGHUPs), and
# a second Ctrl-C is ignored on purpose. Only the script itself saves: a
# signal that comes while bash forks can run the trap in the child.
MUT_BOOT_PGID=
kbuf_mut_on_exit() {
	local rc=$?
	trap '' INT TERM HUP
	[[ $BASHPID == "$$" ]] || exit "$rc"
	if [[ -n $MUT_BOOT_PGID ]]; then
		kill -KILL -- "-$MUT_BOOT_PGID" 2>/dev/null || true
		[[ ! -f $MUT_GUEST/results.tsv ]] ||
			cat "$MUT_GUEST/results.tsv" >>"$MUT_OUT/results.tsv"
	fi
	kbuf_mut_save || kbuf_log "mutants: the verdicts could not be saved to $MUT_STORE"
	exit "$rc"
}

# From here on, however the script ends, the guest is stopped and the
# verdicts are saved (kbuf_mut_on_exit). INT or TERM ends it with 130,
# HUP with 129.
kbuf_mut_traps() {
	trap kbuf_mut_on_exit EXIT
	trap 'trap "" INT TERM HUP; exit 130' INT TERM
	trap 'trap "" INT TERM HUP; exit 129' HUP
}

# Start afresh unless KBUF_MUTANTS_RESUME=1 and the list, the text of
# the driver (keyed.tsv holds both), the kernel and the rows run are the
# same.
kbuf_mut_prepare() {
	local old=$MUT_OUT/keyed.tsv.old n
	kbuf_mut_rows >/dev/null
	[[ -f $MUT_OUT/keyed.tsv ]] && mv "$MUT_OUT/keyed.tsv" "$old"
	kbuf_mut_list >"$MUT_OUT/list.tsv"
	[[ -s $MUT_OUT/list.tsv ]] || kbuf_die "no mutant to run"
	kbuf_mut_keyed "$MUT_OUT/list.tsv" >"$MUT_OUT/keyed.tsv"
	if [[ ${KBUF_MUTANTS_RESUME:-0} == 1 && -f $old ]] && cmp -s "$old" "$MUT_OUT/keyed.tsv" &&
		[[ $(cat "$MUT_OUT/kernel" 2>/dev/null) == "$KVER_RELEASE rows=$(kbuf_mut_rows)" ]]; then
		kbuf_log "mutants: resuming the run in $MUT_OUT"
	else
		rm -rf "$MUT_OUT"/{build,base,ko,log,guest} "$MUT_OUT"/{build,results,boots}.tsv \
			"$MUT_OUT/build-seconds"
		echo "$KVER_RELEASE rows=$(kbuf_mut_rows)" >"$MUT_OUT/kernel"
	fi
	rm -f "$old"
	MUT_COMMIT=$(kbuf_mut_commit)
	kbuf_mut_reuse >"$MUT_OUT/stored.tsv"
	[[ ! -s $MUT_OUT/stored.tsv ]] ||
		kbuf_log "mutants: $(wc -l <"$MUT_OUT/stored.tsv") have a verdict in ${MUT_STORE#"$KBUF_ROOT"/}: not run again"
	kbuf_mut_debug_skip >"$MUT_OUT/skipped.tsv"
	[[ ! -s $MUT_OUT/skipped.tsv ]] ||
		kbuf_log "mutants: $(wc -l <"$MUT_OUT/skipped.tsv") not let through by a stock kernel yet: not run in a debug one"
	kbuf_mut_norow | awk -F '\t' 'FILENAME == ARGV[1] { s[$1]; next } !($1 in s)' \
		"$MUT_OUT/skipped.tsv" - >"$MUT_OUT/norow.tsv"
	n=$(wc -l <"$MUT_OUT/norow.tsv")
	((n == 0)) ||
		kbuf_log "mutants: $n in files with no debug row in tests/mutants.map: not run (KBUF_MUTANTS_ROWS=debug)"
	cat "$MUT_OUT/norow.tsv" >>"$MUT_OUT/skipped.tsv"
	MUT_READY=1
}

# Every mutant of every driver file, keyed: what the report covers.
kbuf_mut_all_keyed() {
	local -a files
	mapfile -t files < <(cd "$KBUF_ROOT" && python3 "$MUT_GEN" sources driver)
	(cd "$KBUF_ROOT" && python3 "$MUT_GEN" list "${files[@]}") >"$MUT_OUT/all-list.tsv"
	kbuf_mut_keyed "$MUT_OUT/all-list.tsv"
}

main() {
	kbuf_require_no_space
	# Here, not in the subshells that read the list, a bad name stops us.
	kbuf_mut_files >/dev/null
	kbuf_mut_rows >/dev/null
	if [[ ${KBUF_MUTANTS_LIST:-0} == 1 ]]; then
		kbuf_mut_print_list
		return
	fi
	mkdir -p "$MUT_OUT"
	kbuf_lock "$MUT_OUT/.mutants.lock"
	if [[ ${KBUF_MUTANTS_REPORT:-0} == 1 ]]; then
		kbuf_mut_report
		return
	fi
	KVER=''
	KVER_RELEASE=''
	MUT_COMMIT=''
	kbuf_mut_traps
	[[ -n ${KBUF_SKIP_DEPS:-} ]] || bash "$KBUF_ROOT/tests/deps.sh"
	KVER=$(kbuf_mut_kver)
	[[ -n $KVER ]] || kbuf_die "no kernel for KBUF_MUTANTS_KERNEL=${KBUF_MUTANTS_KERNEL:-6.12}"
	KDIR=$(kbuf_mut_kdir "$KVER")
	VMLINUZ=
	KVER_RELEASE=$KVER
	if [[ $KVER == debug ]]; then
		VMLINUZ=$KDIR/arch/x86/boot/bzImage
		KVER_RELEASE=$(<"$KDIR/include/config/kernel.release")
	fi
	kbuf_mut_prepare
	make -s -C "$KBUF_ROOT/user"
	make -s -C "$KBUF_ROOT/tests/helpers"
	kbuf_mut_build_all
	kbuf_mut_queue_some && kbuf_mut_run_all
	kbuf_mut_save
	kbuf_mut_run_figures
	kbuf_mut_report
}

# Sourced (tests/host/55-mutants.bats), main does not run: the functions
# are defined, the globals above set from the environment, and set -euo
# pipefail is on in the shell that sourced it.
[[ ${BASH_SOURCE[0]} != "$0" ]] || main "$@"
