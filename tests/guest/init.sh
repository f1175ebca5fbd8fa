#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 of the test-bed guest, started by the initramfs with switch_root.
# The root file system is the host's, read-only over 9p (with tmpfs
# overlays on /etc, /var, /root, /usr/src, /usr/local and /lib/modules), the
# work tree is mounted read-write at its host path. Sets up /dev, /sys, a
# real systemd-udevd with the project's rules, runs the mode given on the
# kernel command line and powers off. PID 1 must never exit (the kernel
# would panic and hide why): every path ends in power_off.
#
# Kernel command line:
#   kbuftest.cmd=suites|demo|script   what to run
#   kbuftest.out=DIR                  results directory (inside the work tree)
#   kbuftest.work=DIR                 the work tree
#   kbuftest.filter=STR[,STR...]      suites: only tests/*STR*.bats
#   kbuftest.shard=I/N                suites: only shard I of N (the files
#                                     split by test count; see shard_files)
#   kbuftest.timing=1                 suites: bats --timing (two execs of
#                                     date(1) per test, about 0.1 s)
#   kbuftest.script=FILE              script: run FILE (relative to the tree)
set -euo pipefail

TEE_PID=

# kbuf_cmdline_arg, kbuf_filter_match; the work tree is at the same path
# in the guest.
# shellcheck source=../vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../vm/lib.sh"

uptime_s() {
	cut -d' ' -f1 /proc/uptime
}

# Flush the console copy, sync the shares and power off; never returns.
power_off() {
	trap - EXIT ERR
	set +e
	echo
	echo "guest: powering off"
	exec >/dev/console 2>&1
	# tee ends once every writer closed the pipe; a process a test left
	# behind may hold it: wait 5 s at most.
	local i
	for ((i = 0; i < 50; i++)); do
		if [[ -z $TEE_PID ]] || ! kill -0 "$TEE_PID" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	sync
	echo o >/proc/sysrq-trigger
	while :; do sleep 60; done
}

mount_if_needed() {
	local type=$1 dir=$2 opts=${3:-defaults}
	[[ -d $dir ]] || return 0
	mountpoint -q "$dir" && return 0
	mount -t "$type" -o "$opts" "$type" "$dir" ||
		echo "guest: cannot mount $type on $dir"
}

mount_basics() {
	mount_if_needed proc /proc
	mount_if_needed sysfs /sys
	mount_if_needed devtmpfs /dev mode=755
	# devtmpfs has no /dev/fd: bash process substitution needs it.
	[[ -e /dev/fd ]] || ln -s /proc/self/fd /dev/fd
	[[ -e /dev/stdin ]] || ln -s /proc/self/fd/0 /dev/stdin
	[[ -e /dev/stdout ]] || ln -s /proc/self/fd/1 /dev/stdout
	[[ -e /dev/stderr ]] || ln -s /proc/self/fd/2 /dev/stderr
	mkdir -p /dev/pts /dev/shm
	mount_if_needed devpts /dev/pts gid=5,mode=620,ptmxmode=666
	mount_if_needed tmpfs /dev/shm mode=1777
	mount_if_needed debugfs /sys/kernel/debug
	mount_if_needed tracefs /sys/kernel/tracing
	mount_if_needed configfs /sys/kernel/config
}

# What the guest's scripts print goes to the kernel console (ttyS0, saved in
# console.log with the kernel's messages around it) and to ttyS1, which the
# host shows live.
setup_output() {
	exec </dev/null
	if [[ -c /dev/ttyS1 ]]; then
		stty -F /dev/ttyS1 raw -echo 2>/dev/null || true
		exec > >(tee /dev/ttyS1 >/dev/console) 2>&1
		TEE_PID=$!
	else
		exec >/dev/console 2>&1
	fi
}

# The project's rules are installed before udevd starts, so the first
# "add" events already see them; /run/udev/rules.d is where local, temporary
# rules belong. udevd's log is $out/udevd.log (kbuf_udevd_start).
start_udev() {
	local work=$1 out=$2 rules t
	mkdir -p /run/udev/rules.d
	# An empty 80-drivers.rules in /run masks Debian's: udev then loads no
	# drivers for the emulated hardware (kvm, ahci, watchdog, cpufreq,
	# crypto...), which took 6-20 s under TCG and is useless here. kbuf
	# is loaded explicitly by the tests; all other rules stay active.
	: >/run/udev/rules.d/80-drivers.rules
	for rules in "$work"/udev/*.rules; do
		[[ -e $rules ]] && cp "$rules" /run/udev/rules.d/
	done
	: >"$out/udevd.log"
	kbuf_udevd_start "$out/udevd.log" || return 0
	udevadm control --reload || true
	# The coldplug replays the add events of the devices the tests use
	# that exist at boot (the memory devices /dev/null..., misc devices
	# such as udmabuf, the dma-buf heaps); kbuf's devices and those of the
	# modules the tests load come later, and udev sees their events live
	# (a built-in vgem's card is not replayed: no test needs udev's work
	# on it). Replaying all 216 devices (71 of them ttys, 39 ACPI objects)
	# took 2 s in a stock guest and 73 s in a debug one, for nothing a
	# test looks at.
	udevadm trigger --action=add --subsystem-match=mem \
		--subsystem-match=misc --subsystem-match=dma_heap || true
	udevadm settle --timeout=300 || echo "guest: udevadm settle timed out"
	# The tests wait for udev after each load, create or destroy: 30 s, or
	# 150 s in a debug kernel (KASAN, KCSAN), where udev takes seconds an
	# event under TCG.
	t=30
	[[ ! -e /sys/kernel/debug/kmemleak && ! -e /sys/kernel/debug/kcsan ]] ||
		t=150
	export KBUF_SETTLE_TIMEOUT=$t
	echo "guest: udev ready at $(uptime_s) s; settle timeout $KBUF_SETTLE_TIMEOUT s"
}

# Environment for the suites and the demo.
export_test_env() {
	local work=$1 out=$2
	export KBUF_ROOT=$work KBUF_OUT=$out KBUF_KO=$out/driver/kbuf.ko
	KBUF_KVER=$(uname -r)
	export KBUF_KVER
	export BATS_LIB_PATH=/usr/lib/bats
	# The work tree's kbufctl, C examples and test programs, once for every
	# suite, before any installed kbufctl (a suite that tests an installed
	# one names its path). They run from a copy in the guest's memory:
	# the work tree is 9p without a cache, and an exec of a file there
	# reads it from the host again each time, 10 to 18 ms (a quarter to
	# two fifths) more an exec under TCG, for thousands of execs a run.
	# Where two directories have a name, the first one's wins, as in PATH.
	# The directories stay in PATH after the copies: a program the copy
	# missed still runs from the work tree, not from an installed kbuf.
	local bins=/run/kbuf-bin d f dirs=
	mkdir -p "$bins"
	for d in user/kbufctl user/examples tests/helpers/bin; do
		dirs+=:$work/$d
		for f in "$work/$d"/*; do
			[[ -f $f && -x $f && ! -e $bins/${f##*/} ]] || continue
			cp "$f" "$bins/"
		done
	done
	export PATH=$bins$dirs:$PATH
	# The module, too (kbuf_ko_in_memory says why).
	[[ ! -f $KBUF_KO ]] || KBUF_KO=$(kbuf_ko_in_memory "$KBUF_KO")
	export HOME=/root TERM=dumb LANG=C.UTF-8
}

# kmemleak's own thread scans all memory every 10 minutes, which under TCG
# takes the only virtual CPU for a minute or more. The suites ask for the
# scans they need (save_kmemleak, 91-fault.bats).
quiet_kmemleak() {
	local k=/sys/kernel/debug/kmemleak
	[[ -w $k ]] || return 0
	echo scan=off >"$k" || true
}

# kmemleak (debug kernels only) reports a leak after two scans that both
# find the object unreferenced, and only objects older than 5 s.
save_kmemleak() {
	local out=$1 k=/sys/kernel/debug/kmemleak
	[[ -w $k ]] || return 0
	sleep 5
	echo scan >"$k" || return 0
	sleep 1
	echo scan >"$k" || return 0
	cat "$k" >"$out/kmemleak.txt" || true
}

# A KCSAN kernel's counters (the 6.12-kcsan flavour of make check-debug):
# setup_watchpoints shows the detector was at work; data_races counts the
# races it saw (the default configuration prints only those during which
# the watched value changed), races_unknown_origin the values that
# changed under a watchpoint. Each report is in the kernel log, which
# the host checks.
save_kcsan() {
	local out=$1 k=/sys/kernel/debug/kcsan
	[[ -r $k ]] || return 0
	# One CPU sees no race between two tasks: a watchpoint waits with
	# interrupts off.
	{ echo "cpus: $(nproc)" && cat "$k"; } >"$out/kcsan.txt" || true
}

# KCSAN under TCG: a watchpoint waits 80 us (udelay_task) for another
# CPU's access to the watched word, and one access in about 4000 gets
# one (skip_watch), values for a real CPU. A virtual CPU does a small part
# of that work in 80 us. On a driver whose KBUF_IOC_INFO read the length
# without the lock, 30-read-write-seek's kbuf-hammer runs and 88-stress
# gave no report with the defaults; with 1000 and 1000, set after the
# boot (at boot they slowed it to minutes), a minute of kbuf-hammer gave
# two. kbuftest.kcsan=UDELAY,SKIP chooses others.
tune_kcsan() {
	local p=/sys/module/kcsan/parameters udelay skip
	[[ -w $p/udelay_task ]] || return 0
	IFS=, read -r udelay skip <<<"$(kbuf_cmdline_arg kbuftest.kcsan 1000,1000)"
	udelay=${udelay:-1000} skip=${skip:-1000}
	echo "$udelay" >"$p/udelay_task" && echo "$skip" >"$p/skip_watch" ||
		echo "guest: could not set KCSAN's udelay_task and skip_watch"
	echo "guest: KCSAN watchpoints wait $(<"$p/udelay_task") us, one access in $(<"$p/skip_watch")"
}

# The debug kernel has CONFIG_GCOV_KERNEL and make check-debug builds the
# module with gcov: its counters, summed over every load of the module
# (gcov_persist), are under debugfs at the path the objects were built in.
save_gcov() {
	local out=$1 dir=/sys/kernel/debug/gcov$1/driver
	[[ -d $dir ]] || return 0
	mkdir -p "$out/gcov"
	cp "$dir"/*.gcda "$out/gcov/" || echo "guest: could not copy $dir"
}

# "FILE:WEIGHT" for each bats file: its number of tests, or the N of a
# "# kbuf-shard-weight: N" line, for a file whose few tests are long ones.
shard_weights() {
	awk '
	FNR == 1 && NR > 1 { print prev ":" (w != "" ? w : c) }
	FNR == 1 { prev = FILENAME; c = 0; w = "" }
	/^@test/ { c++ }
	/^# kbuf-shard-weight: [0-9]+$/ { w = $3 }
	END { if (NR) print prev ":" (w != "" ? w : c) }' "$@"
}

# Print the files of shard I of N ($1 = "I/N") among the arguments: the
# files, heaviest first, each go to the shard with the least weight so
# far, so that N guests running one shard each end at about the same time.
# Every guest computes the same split.
shard_files() {
	local spec=$1 i n line f c k best
	shift
	i=${spec%/*} n=${spec#*/}
	local -a load=()
	for ((k = 0; k < n; k++)); do load[k]=0; done
	while IFS= read -r line; do
		f=${line%:*} c=${line##*:}
		best=0
		for ((k = 1; k < n; k++)); do
			((load[k] < load[best])) && best=$k
		done
		load[best]=$((load[best] + c + 1))
		((best == i - 1)) && printf '%s\n' "$f"
	done < <(shard_weights "$@" | sort -t: -k2,2 -rn -k1,1)
}

run_suites() {
	local work=$1 out=$2 filter shard files rc=0 f
	local -a opts=(--tap)
	filter=$(kbuf_cmdline_arg kbuftest.filter "${KBUF_FILTER:-}")
	[[ $(kbuf_cmdline_arg kbuftest.timing 0) == 0 ]] || opts+=(--timing)
	shopt -s nullglob
	files=()
	for f in "$work"/tests/*.bats; do
		kbuf_filter_match "$f" "$filter" && files+=("$f")
	done
	shopt -u nullglob
	shard=$(kbuf_cmdline_arg kbuftest.shard '')
	if [[ -n $shard && ${#files[@]} -gt 0 ]]; then
		mapfile -t files < <(shard_files "$shard" "${files[@]}" | sort)
	fi
	cd "$work"
	echo "guest: ${#files[@]} bats files, filter '${filter}'${shard:+, shard $shard}"
	if ((${#files[@]} == 0)); then
		echo "1..0" >"$out/tap.txt"
	else
		bats "${opts[@]}" "${files[@]}" | tee "$out/tap.txt" ||
			rc=$?
	fi
	save_kmemleak "$out"
	save_kcsan "$out"
	save_gcov "$out"
	return "$rc"
}

run_file() {
	local out=$1 script=$2 log=$3 rc=0
	if [[ ! -f $script ]]; then
		echo "guest: $script does not exist (yet)" | tee "$log"
		return 1
	fi
	bash "$script" 2>&1 | tee "$log" || rc=$?
	return "$rc"
}

run_mode() {
	local work=$1 out=$2 mode=$3
	case $mode in
	suites) run_suites "$work" "$out" ;;
	demo) cd "$work" && run_file "$out" "$work/scripts/demo-guest.sh" "$out/demo.txt" ;;
	script)
		cd "$work" && run_file "$out" \
			"$work/$(kbuf_cmdline_arg kbuftest.script '')" "$out/script.txt"
		;;
	*) echo "guest: unknown mode '$mode'" && return 1 ;;
	esac
}

# The debug kernel's own modules (vivid), copied beside the results by
# tests/check.sh: linked into /lib/modules (a tmpfs overlay), where
# modprobe looks for them.
link_debug_modules() {
	local dir
	dir=$1/modules/lib/modules/$(uname -r)
	[[ -d $dir && ! -e /lib/modules/$(uname -r) ]] || return 0
	ln -s "$dir" "/lib/modules/$(uname -r)"
}

main() {
	local work out mode rc=0
	mount_basics
	setup_output
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	work=$(kbuf_cmdline_arg kbuftest.work '')
	out=$(kbuf_cmdline_arg kbuftest.out '')
	mode=$(kbuf_cmdline_arg kbuftest.cmd suites)
	hostname kbuf-guest
	ip link set lo up 2>/dev/null || true
	echo "guest: $(uname -r) up after $(uptime_s) s; mode $mode"
	[[ -n $work && -d $out ]] || {
		echo "guest: bad kbuftest.work/kbuftest.out"
		return 1
	}
	quiet_kmemleak
	link_debug_modules "$out"
	start_udev "$work" "$out"
	tune_kcsan
	export_test_env "$work" "$out"
	run_mode "$work" "$out" "$mode" || rc=$?
	dmesg >"$out/dmesg.txt" || true
	cat /proc/sys/kernel/tainted >"$out/tainted.txt" || true
	echo "guest: finished with status $rc after $(uptime_s) s"
	echo "$rc" >"$out/done"
}

trap power_off EXIT
main "$@" || echo "guest: init failed"
power_off
