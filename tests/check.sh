#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check: installs what is missing, runs the static gates, builds user
# space, then for each test kernel builds the module against its headers and
# boots it once under QEMU to run every tests/*.bats file (tests/vm/boot.sh).
#
# Counting: every bats test is one test; so is every static gate and, per
# kernel, each of three harness checks (module builds, guest finishes,
# kernel log clean). The last line printed is "N passed, N failed" (", N
# skipped" when some were), summed over everything; the exit status is
# non-zero if anything failed.
#
# Environment: KBUF_KERNELS="kver ..." (default: newest 6.1 and 6.12; an
# entry KVER%I/N boots KVER for shard I of N of the bats files only),
# KBUF_FILTER=STR[,STR...] (only tests/*STR*.bats), KBUF_VM_TIMEOUT (s per guest,
# default 3600), KBUF_HOST_TIMEOUT (s per tests/host file, default 600),
# KBUF_SKIP_STATIC=1 and KBUF_SKIP_DEPS=1 (developer loops).
set -euo pipefail

# shellcheck source=vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"

TOTAL_PASS=0
TOTAL_FAIL=0
TOTAL_SKIP=0

count() {
	TOTAL_PASS=$((TOTAL_PASS + $1))
	TOTAL_FAIL=$((TOTAL_FAIL + $2))
	TOTAL_SKIP=$((TOTAL_SKIP + $3))
}

# "N passed, N failed" plus ", N skipped" when N > 0.
summary() {
	local s="$1 passed, $2 failed"
	(($3 > 0)) && s+=", $3 skipped"
	printf '%s\n' "$s"
}

# Prints "passed failed skipped" for a TAP file. Tests the plan announced
# but that never reported (bats or the guest died) count as failed.
tap_counts() {
	awk '
	/^1\.\.[0-9]+/ { sub(/^1\.\./, ""); plan += $0 + 0; next }
	/^ok / { if (tolower($0) ~ /# skip/) s++; else p++; next }
	/^not ok / { f++ }
	END {
		miss = plan - (p + f + s)
		if (miss > 0) f += miss
		printf "%d %d %d\n", p, f, s
	}' "$1"
}

# Counts "ok"/"not ok" lines of tests/static.sh (one per gate).
static_gates() {
	local log="$KBUF_OUTROOT/static.txt" p f s
	if [[ -n ${KBUF_SKIP_STATIC:-} ]]; then
		echo "static gates skipped (KBUF_SKIP_STATIC)"
		return
	fi
	bash "$KBUF_ROOT/tests/static.sh" | tee "$log" || true
	read -r p f s < <(tap_counts "$log")
	echo "static: $(summary "$p" "$f" "$s")"
	count "$p" "$f" "$s"
}

# make -C DIR if DIR has a Makefile: one gate each.
build_user() {
	local d
	for d in user tests/helpers; do
		[[ -f $KBUF_ROOT/$d/Makefile ]] || continue
		if make -s -C "$KBUF_ROOT/$d" >"$KBUF_OUTROOT/make-${d//\//-}.log" 2>&1; then
			echo "ok - make -C $d"
			count 1 0 0
		else
			echo "not ok - make -C $d"
			sed 's/^/  /' "$KBUF_OUTROOT/make-${d//\//-}.log" | tail -n 30
			count 0 1 0
		fi
	done
	unit_tests
}

# kbufctl's own unit tests (parsing), built with ASan and UBSan: one gate.
unit_tests() {
	local log="$KBUF_OUTROOT/make-user-unit.log"
	if make -s -C "$KBUF_ROOT/user" unit >"$log" 2>&1 && ! grep -q '^not ok' "$log"; then
		echo "ok - make -C user unit ($(grep -c '^ok' "$log") ASan/UBSan unit tests)"
		count 1 0 0
	else
		echo "not ok - make -C user unit"
		tail -n 30 "$log" | sed 's/^/  /'
		count 0 1 0
	fi
}

# The tree to build the module against: Debian's headers, or for the
# pseudo-kernel "debug" the debug kernel's own tree (make check-debug).
kernel_build_dir() {
	if [[ $1 == debug ]]; then
		echo "${KBUF_DEBUG_TREE:?KBUF_DEBUG_TREE unset}"
	else
		echo "/lib/modules/$1/build"
	fi
}

# A KBUF_KERNELS entry is KVER or KVER%I/N (shard I of N of the files).
entry_kver() {
	echo "${1%%%*}"
}

entry_shard() {
	[[ $1 == *%* ]] && echo "${1#*%}"
	return 0
}

# The results directory of an entry: KVER, or KVER-shardI.
entry_out() {
	local shard
	shard=$(entry_shard "$1")
	echo "$KBUF_OUTROOT/$(entry_kver "$1")${shard:+-shard${shard%/*}}"
}

# Boot KVER (or the debug kernel) once and run the suites (of SHARD, if
# given).
boot_suites() {
	local kver=$1 out=$2 shard=${3:-} limit=${KBUF_VM_TIMEOUT:-3600}
	local image=
	[[ $kver != debug ]] || image=$KBUF_DEBUG_TREE/arch/x86/boot/bzImage
	KBUF_VMLINUZ=$image KBUF_SHARD=$shard \
		bash "$KBUF_ROOT/tests/vm/boot.sh" "$kver" "$out" suites "$limit"
}

# The debug kernel's guests also run the lab book's debug-only block
# (tests/99-lab-debug.bats), which loads lab_atomic.ko: built for that
# kernel alone, never for Debian's. If it does not build, that test fails
# (it finds no module) and the rest of the suites still run.
build_lab_atomic() {
	local kver=$1 out=$2
	[[ $kver == debug ]] || return 0
	kbuf_build_lab_atomic "$KBUF_DEBUG_TREE" "$out" >"$out/lab-atomic.log" 2>&1 &&
		[[ -f $out/lab-atomic/lab_atomic.ko ]] && return 0
	echo "$kver: tests/debug/lab-atomic did not build ($out/lab-atomic.log):"
	tail -n 30 "$out/lab-atomic.log" | sed 's/^/  /'
}

# The debug kernel's own modules (vivid), when its tree has them, whole
# (KBUF_DEBUG_MODULES): copied to OUT/modules, which the guest links into
# its /lib/modules (tests/guest/init.sh). None of an earlier run stays.
copy_debug_modules() {
	local kver=$1 out=$2
	[[ $kver == debug ]] || return 0
	rm -rf "$out/modules"
	[[ -f $KBUF_DEBUG_TREE/.kbuf-modules-built ]] || return 0
	cp -a "$KBUF_DEBUG_TREE/kbuf-modules" "$out/modules"
}

# Copy driver/ to OUT/driver and build it against KVER's headers (and, for
# the debug kernel, tests/debug/lab-atomic).
build_module() {
	local kver=$1 out=$2 kdir
	local -a gcov=()
	kdir=$(kernel_build_dir "$kver")
	[[ -d $KBUF_ROOT/driver ]] || {
		echo "$kver: no driver/ directory"
		return 1
	}
	[[ -d $kdir ]] || {
		echo "$kver: no headers at $kdir"
		return 1
	}
	kbuf_stage_driver "$out"
	[[ $kver != debug ]] || gcov=(KBUF_GCOV=y)
	make -C "$kdir" M="$out/driver" W=1 "${gcov[@]}" modules >"$out/build.log" 2>&1 &&
		[[ -f $out/driver/kbuf.ko ]] && build_lab_atomic "$kver" "$out" &&
		copy_debug_modules "$kver" "$out" && return 0
	echo "$kver: module build failed ($out/build.log):"
	tail -n 30 "$out/build.log" | sed 's/^/  /'
	return 1
}

# A copy of the source tree with everything built for KVER, for
# tests/84-install.bats: the guest runs a real make install from it (with
# nothing left to compile: gcc under TCG would take minutes). Not for the
# debug kernel, which has no headers package.
stage_install_tree() {
	local kver=$1 out=$2 tree=$2/install-tree d
	[[ $kver != debug ]] || return 0
	rm -rf "$tree"
	mkdir -p "$tree"
	for d in Makefile dkms.conf driver user man udev; do
		cp -a "$KBUF_ROOT/$d" "$tree/$d"
	done
	make -s -C "$tree" clean KVER="$kver" >/dev/null 2>&1 || true
	make -C "$tree" all KVER="$kver" >"$out/install-tree.log" 2>&1 && return 0
	echo "$kver: make all for the install tree failed ($out/install-tree.log)"
	tail -n 20 "$out/install-tree.log" | sed 's/^/  /'
	rm -rf "$tree"
	return 1
}

# Succeeds if the guest's kernel log is clean (but for the failures
# 91-fault.bats injects). A guest that died left no dmesg.txt: its
# console.log has the kernel messages instead.
dmesg_clean() {
	local kver=$1 out=$2 log=$2/dmesg.txt bad
	[[ -f $log ]] || log=$out/console.log
	[[ -f $log ]] || return 0
	bad=$(kbuf_dmesg_problems "$log")
	if [[ -s $out/kmemleak.txt ]] && [[ -n $(awk -f \
		"$KBUF_ROOT/tests/helpers/kmemleak-known.awk" "$out/kmemleak.txt") ]]; then
		bad+=$'\n'"kmemleak report: $out/kmemleak.txt"
	fi
	[[ -z $bad ]] && return 0
	echo "$kver: kernel log shows problems ($log):"
	printf '%s\n' "$bad" | head -n 40 | sed 's/^/  /'
	return 1
}

# Interrupt session $1 as a Ctrl-C would (bats runs its teardowns); if
# its leader has not ended $2 seconds later, kill the whole session.
host_interrupt() {
	pkill -INT -s "$1" || true
	kbuf_pid_wait "$1" "$2" || pkill -KILL -s "$1" || true
}

# End what is left in session $1 once its leader is reaped: INT, as a
# Ctrl-C would (bats runs its teardowns), then TERM, then KILL, each
# after up to 5 s for the session to empty.
host_end_session() {
	local sig i
	for sig in INT TERM KILL; do
		for ((i = 0; i < 20; i++)); do
			pgrep -s "$1" >/dev/null || return 0
			((i > 0)) || pkill "-$sig" -s "$1" || true
			sleep 0.25
		done
	done
}

# make check interrupted while host file's session $1 runs: end the
# session as a Ctrl-C would, and exit with status $2.
host_abort() {
	trap '' INT TERM HUP
	if [[ -n $1 ]]; then
		host_interrupt "$1" 10
		wait "$1" 2>/dev/null || true
		host_end_session "$1"
	fi
	exit "$2"
}

# Run bats on host file $1, its TAP output to $2, for at most $3 seconds,
# in a session of its own. At the end nothing it started in that session
# runs: past the limit, or when make check is interrupted, the session
# gets an INT (bats' own interrupt: it runs its teardowns), and what is
# left 30 s later is killed. Returns bats' status, or 124 past the limit.
host_bats() {
	local f=$1 log=$2 limit=$3 pid='' rc=0 late=0
	trap 'host_abort "$pid" 130' INT
	trap 'host_abort "$pid" 143' TERM
	trap 'host_abort "$pid" 129' HUP
	# A background job starts with INT ignored: bats needs it.
	env --default-signal=INT setsid bats --tap "$f" </dev/null >"$log" 2>&1 &
	pid=$!
	if ! kbuf_pid_wait "$pid" "$limit"; then
		late=1
		host_interrupt "$pid" 30
	fi
	wait "$pid" || rc=$?
	trap - INT TERM HUP
	host_end_session "$pid"
	((late == 0)) || return 124
	return "$rc"
}

# Host-side suites around the guests: tests/host/NN-*.bats run as root on
# this machine (DKMS installs the module for the test kernels before the
# guests boot and removes it after). $1 is a glob of file names. Skipped
# when KBUF_FILTER names something else. A file gets KBUF_HOST_TIMEOUT
# seconds (default 600; the longest, 05-deb, takes under three minutes):
# one that hangs fails with the tests it did not report, and the guests
# still run. So does one that bats ended with an error no test reported.
host_suites() {
	local f log p fl s rc limit=${KBUF_HOST_TIMEOUT:-600}
	if [[ ! $limit =~ ^[1-9][0-9]{0,4}$ ]] || ((limit > 86400)); then
		kbuf_die "KBUF_HOST_TIMEOUT: 1 to 86400 seconds, not '$limit'"
	fi
	# DKMS builds for Debian's kernels, not for the debug kernel's tree.
	[[ " ${kernels[*]} " != *" debug"[\ %]* ]] || return 0
	for f in "$KBUF_ROOT"/tests/host/$1.bats; do
		[[ -f $f ]] || continue
		kbuf_filter_match "$f" "${KBUF_FILTER:-}" || [[ $KBUF_FILTER == dkms ]] ||
			continue
		log="$KBUF_OUTROOT/host-$(basename "$f" .bats).tap"
		rc=0
		KBUF_TEST_KERNELS="${kernels[*]}" host_bats "$f" "$log" "$limit" || rc=$?
		sed 's/^/host: /' "$log"
		read -r p fl s < <(tap_counts "$log")
		if ((rc == 124)); then
			echo "host: ${f#"$KBUF_ROOT"/} did not finish in $limit s"
		elif ((rc != 0 && fl == 0)); then
			echo "host: bats exited with status $rc on ${f#"$KBUF_ROOT"/} but no test failed"
		fi
		# Its unreported tests failed; if all reported, the file did.
		((rc == 0 || fl > 0)) || fl=1
		count "$p" "$fl" "$s"
	done
}

# Build, boot, collect for one kernel entry; prints its summary line.
run_kernel() {
	local label=$1 kver shard out p=0 f=0 s=0 tp tf ts start
	kver=$(entry_kver "$1") shard=$(entry_shard "$1") out=$(entry_out "$1")
	start=$(kbuf_now)
	kbuf_lock "$out/.check.lock"
	# A guest that never boots must not leave the last run's results.
	rm -f "$out/done" "$out/tap.txt" "$out/console.log"
	if ! build_module "$kver" "$out"; then
		echo "$label: $(summary 0 1 0) (module did not build)"
		count 0 1 0
		return
	fi
	p=$((p + 1))
	stage_install_tree "$kver" "$out" || f=$((f + 1))
	if boot_suites "$kver" "$out" "$shard"; then
		p=$((p + 1))
	else
		echo "$label: the guest did not finish"
		f=$((f + 1))
	fi
	if dmesg_clean "$kver" "$out"; then p=$((p + 1)); else f=$((f + 1)); fi
	if [[ -f $out/tap.txt ]]; then
		read -r tp tf ts < <(tap_counts "$out/tap.txt")
		p=$((p + tp)) f=$((f + tf)) s=$((s + ts))
		grep -a '^not ok' "$out/tap.txt" | awk -v l="  $label: " '{ print l $0 }' || true
		# bats itself failed (a missing file, a syntax error) yet no
		# test says so: that is a failure too.
		if ((tf == 0)) && [[ -f $out/done && $(<"$out/done") != 0 ]]; then
			echo "$label: bats exited with status $(<"$out/done") but no test failed"
			f=$((f + 1))
		fi
	fi
	echo "$label: build and guest took $(kbuf_since "$start") s; results in $out"
	echo "$label: $(summary "$p" "$f" "$s")"
	count "$p" "$f" "$s"
}

# One kernel in the background: its output to OUT/check.log, its counts to
# OUT/counts.
run_kernel_bg() {
	local kver=$1 out
	out=$(entry_out "$1")
	mkdir -p "$out"
	# shellcheck disable=SC2030,SC2031 # the subshell counts for itself
	(
		TOTAL_PASS=0 TOTAL_FAIL=0 TOTAL_SKIP=0
		run_kernel "$kver"
		echo "$TOTAL_PASS $TOTAL_FAIL $TOTAL_SKIP" >"$out/counts"
	) >"$out/check.log" 2>&1 &
}

# The kernels run side by side, each guest with one virtual CPU and its
# output in its own log, when there is a host CPU for each (KBUF_PARALLEL=0:
# one after another, two CPUs each). A suite runs one command at a time, so
# a second virtual CPU bought nothing: 50 execs of bash took 5.5 s with one
# or two, and two one-CPU guests side by side each ran as fast as one alone
# on this 2-core machine (two-CPU guests side by side ran at a third).
run_kernels() {
	local kver p f s out
	if (($# < 2)) || [[ ${KBUF_PARALLEL:-1} == 0 ]] || (($(nproc) < $#)); then
		for kver in "$@"; do
			run_kernel "$kver"
		done
		return
	fi
	export KBUF_VM_SMP=${KBUF_VM_SMP:-1}
	export KBUF_VM_SLOTS=${KBUF_VM_SLOTS:-$#}
	echo "running $* side by side; logs in $KBUF_OUTROOT/KVER/check.log"
	for kver in "$@"; do
		rm -f "$(entry_out "$kver")/counts"
		run_kernel_bg "$kver"
	done
	wait
	for kver in "$@"; do
		out=$(entry_out "$kver")
		grep -a -v '^#' "$out/check.log" |
			grep -a -F -e "$kver:" -e "$(entry_kver "$kver"):" -e "  " || true
		if read -r p f s <"$out/counts"; then
			count "$p" "$f" "$s"
		else
			echo "$kver: the run died (see $out/check.log)"
			count 0 1 0
		fi
	done
}

# The debug kernel's guests saved the module's gcov counters: which lines
# of driver/ ran (informational; the lines that did not are in the report).
coverage() {
	local e
	local -a outs=()
	for e in "$@"; do
		[[ $(entry_kver "$e") == debug ]] && outs+=("$(entry_out "$e")")
	done
	((${#outs[@]})) || return 0
	bash "$KBUF_ROOT/tests/debug/coverage.sh" \
		"$KBUF_OUTROOT/debug-coverage.txt" "${outs[@]}" || true
	# What KCSAN counted in each guest that had it (the 6.12-kcsan
	# flavour): the watchpoints it set up, which show it was at work, the
	# races it saw between two accesses (data_races: reported only if the
	# watched value changed) and those it inferred from a value that
	# changed under a watchpoint (races_unknown_origin). Reports of one
	# frame come at most every 3 s (CONFIG_KCSAN_REPORT_ONCE_IN_MS).
	for e in "${outs[@]}"; do
		[[ ! -f $e/kcsan.txt ]] || awk -v l="kcsan: ${e##*/}: " '
			/^cpus: 1$/ { s1 = 1 }
			/^(cpus|setup_watchpoints|data_races|races_unknown_origin): / {
				sub(/:$/, "", $1)
				s = s sep $1 " " $2
				sep = ", "
			}
			END {
				if (s != "") print l s
				if (s1) print l "one CPU: no race between two tasks can show"
			}
		' "$e/kcsan.txt" || true
	done
}

# After a failure, what failed again in the last lines, where CI's report
# (which keeps only the tail of the output) shows it: each guest that did
# not finish, the first failed tests of each guest, and the tests of the
# plan that never reported (bats itself died).
# shellcheck disable=SC2031 # as in main: the subshells count for themselves
recap() {
	local e out
	((TOTAL_FAIL > 0)) || return 0
	for e in "$@"; do
		out=$(entry_out "$e")
		[[ -f $out/done ]] ||
			echo "failed: $e: the guest did not finish ($out/console.log)"
		[[ -f $out/tap.txt ]] || continue
		awk -v l="failed: $e: " '
			/^1\.\.[0-9]+$/ { plan = substr($0, 4) + 0 }
			/^(not )?ok / { n++ }
			/^not ok / && ++shown <= 4 { print l $0 }
			END { if (plan > n) print l (plan - n) " of " plan " tests did not report" }
		' "$out/tap.txt"
	done
	return 0
}

# shellcheck disable=SC2031 # run_kernel_bg's subshells count for themselves
main() {
	local kver start
	local -a kernels
	kbuf_require_no_space
	start=$(kbuf_now)
	mkdir -p "$KBUF_OUTROOT"
	if [[ -z ${KBUF_SKIP_DEPS:-} ]] && ! bash "$KBUF_ROOT/tests/deps.sh"; then
		echo "dependencies missing: see above"
		summary 0 1 0
		return 1
	fi
	static_gates
	build_user
	mapfile -t kernels < <(kbuf_kernels)
	((${#kernels[@]} > 0)) || {
		echo "no test kernel installed"
		count 0 1 0
	}
	host_suites '[0-8][0-9]-*'
	run_kernels "${kernels[@]}"
	coverage "${kernels[@]}"
	host_suites '9[0-9]-*'
	recap "${kernels[@]}"
	echo "check: $(kbuf_since "$start") s"
	summary "$TOTAL_PASS" "$TOTAL_FAIL" "$TOTAL_SKIP"
	((TOTAL_FAIL == 0))
}

# Sourced (tests/host/52-check-host.bats), main does not run: the
# functions are defined, and set -euo pipefail is on in the shell that
# sourced it.
[[ ${BASH_SOURCE[0]} != "$0" ]] || main "$@"
