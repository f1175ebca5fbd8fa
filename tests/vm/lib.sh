# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Shared helpers of the test bed, sourced by tests/check.sh, tests/static.sh,
# scripts/*.sh, tests/vm/*.sh and, in the guest, by tests/guest/init.sh,
# scripts/*-guest.sh and tests/helpers/common.bash. Defines no behaviour
# when sourced.

# Absolute path of the work tree: the guest mounts it at the same path, so
# every path printed or passed on the kernel command line means the same
# thing on both sides.
# Inside a guest's bats files it is already exported: no subshell per test.
: "${KBUF_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
KBUF_OUTROOT=${KBUF_OUTROOT:-$KBUF_ROOT/tests/out}

# What a kernel log line must never say, in the guests' per-test checks
# (tests/helpers/common.bash), the whole log of each guest (tests/check.sh)
# and make soak. \b keeps BUG from matching DEBUG.
KBUF_DMESG_BAD='\bBUG\b|\bWARNING\b|Oops|KASAN|UBSAN|circular locking'
KBUF_DMESG_BAD+='|possible recursive locking|inconsistent lock state'
KBUF_DMESG_BAD+='|kmemleak.*unreferenced|blocked for more than|hung_task'
KBUF_DMESG_BAD+='|soft lockup|general protection|Call Trace'
# The DMA API's checker turning itself off (out of memory): nothing it
# would have reported after that is seen.
KBUF_DMESG_BAD+='|dma-debug disabled|debugging out of memory'

# The lines of kernel log $1 that report a problem, less the command line
# (which says hung_task_panic), the failures 91-fault.bats and make soak
# inject on purpose, and the core kernel's KCSAN reports listed in
# tests/debug/kcsan-known.tsv.
kbuf_dmesg_problems() {
	grep -avi 'command line:' "$1" | kbuf_log_filter |
		grep -aE "$KBUF_DMESG_BAD" || true
}

# A kernel log on stdin less what every log check lets through: the
# reports the tests provoke on purpose (dmesg-injected.awk) and the core
# kernel's listed KCSAN reports (kcsan-known.awk).
kbuf_log_filter() {
	local h=$KBUF_ROOT/tests/helpers
	awk -f "$h/report-words.awk" -f "$h/dmesg-injected.awk" |
		awk -v known="$KBUF_ROOT/tests/debug/kcsan-known.tsv" \
			-f "$h/report-words.awk" -f "$h/kcsan-known.awk"
}

# The kernel command line on stdin without the harness's own arguments
# (console, kbuftest.*): what make soak reports as the guest's boot
# arguments.
kbuf_args_line() {
	tr ' ' '\n' | grep -v -e '^kbuftest\.' -e '^console=' -e '^$' |
		paste -sd ' '
}

# Value of kernel command-line parameter $1 (in a guest), or $2 when it is
# absent.
kbuf_cmdline_arg() {
	local w v=$2
	for w in $(</proc/cmdline); do
		[[ $w == "$1="* ]] && v=${w#*=}
	done
	printf '%s\n' "$v"
}

# True if file $1 matches the filter $2 of KBUF_FILTER: empty, or a
# comma-separated list of strings one of which the file's name contains.
kbuf_filter_match() {
	local s
	[[ -z $2 ]] && return 0
	for s in ${2//,/ }; do
		[[ $(basename "$1") == *"$s"* ]] && return 0
	done
	return 1
}

# In a guest: start systemd-udevd in the background, its output appended
# to the file $1, and return once it answers on its control socket. It runs
# in the foreground of its own subshell, not with --daemon, so that what it
# logs (a worker killed, a control message refused) is kept. Every
# descriptor above 2 is closed first: a caller such as bats reads its pipes
# until the last holder closes them, and would wait for udevd to exit. On
# failure the end of the log goes to stderr.
kbuf_udevd_start() {
	local log=$1 i
	(
		for i in /proc/self/fd/*; do
			i=${i##*/}
			((i > 2)) && eval "exec $i>&-"
		done
		exec /lib/systemd/systemd-udevd </dev/null >>"$log" 2>&1
	) &
	for ((i = 0; i < 300; i++)); do
		udevadm control --ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "systemd-udevd did not start; the end of its log:" >&2
	tail -n 20 "$log" >&2
	return 1
}

# In a guest: stop systemd-udevd with SIGTERM, as systemd stops it, and
# return once it is gone; killed, with its workers, if it is still there
# after 60 s. The kernel drops the uevents nobody listens to. Not "udevadm
# control --exit" or "--stop-exec-queue": in a debug guest such a control
# message was lost more than once, and udevd kept a queue it no longer ran.
kbuf_udevd_stop() {
	local i
	pkill -TERM -x systemd-udevd || return 0
	for ((i = 0; i < 600; i++)); do
		pgrep -x systemd-udevd >/dev/null || return 0
		sleep 0.1
	done
	echo "systemd-udevd ignored SIGTERM for 60 s: killed" >&2
	pkill -KILL -x systemd-udevd || true
	pkill -KILL -x '(udev-worker)' || true
}

kbuf_log() {
	printf '%s\n' "$*" >&2
}

# In a guest: print the path of a copy of module $1 in memory
# (/run/kbuf-ko), or $1 itself, with a message, if it cannot be copied. A
# load reads its file, and read over 9p that is the test bed's work, not
# the loader's: 91-fault.bats fails every allocation of a load in turn,
# and in 6.12's debug kernel one of them, in 9p's read (netfs), made
# netfs_put_request() underflow a refcount, and panic_on_warn ended the
# guest.
kbuf_ko_in_memory() {
	local dir=/run/kbuf-ko
	if mkdir -p "$dir" && cp "$1" "$dir/kbuf.ko"; then
		echo "$dir/kbuf.ko"
	else
		kbuf_log "could not copy $1 to $dir: loading it from where it is"
		echo "$1"
	fi
}

kbuf_die() {
	kbuf_log "error: $*"
	exit 1
}

# Stop, in one line that names the path, if the work tree's path has a
# space: Kbuild cannot build a module there (it splits M= at the space and
# says "No rule to make target"). Called before anything is built; the
# top-level Makefile says the same for its targets.
kbuf_require_no_space() {
	[[ $KBUF_ROOT != *[[:space:]]* ]] ||
		kbuf_die "kbuf cannot be built in '$KBUF_ROOT': Kbuild does not allow a space in the path; clone or move the tree to a path without one"
}

# Print the newest /boot/vmlinuz-* whose release matches the regex $1.
# Release strings are compared with sort -V so that 6.1.0-100 beats 6.1.0-56.
kbuf_newest_kernel() {
	local re=$1 f rel
	for f in /boot/vmlinuz-*; do
		[[ -e $f ]] || continue
		rel=${f#/boot/vmlinuz-}
		if [[ $rel =~ $re ]]; then printf '%s\n' "$rel"; fi
	done | sort -V | tail -n 1
}

# The test kernels, one per line: Debian 12's default 6.1 kernel and the
# newest 6.12 backport. Flavours such as -rt- or -cloud- do not match the
# patterns on purpose. KBUF_KERNELS="kver ..." overrides (e.g. one kernel
# for a quick run).
kbuf_kernels() {
	local k
	if [[ -n ${KBUF_KERNELS:-} ]]; then
		for k in $KBUF_KERNELS; do printf '%s\n' "$k"; done
		return
	fi
	kbuf_newest_kernel '^6\.1\.[0-9]+-[0-9]+-amd64$'
	kbuf_newest_kernel '^6\.12\.[0-9]+\+deb12-amd64$'
}

# Whether process $1 (a pid) still runs: a zombie has ended. The state
# is the field after the command name, which may hold spaces and
# parentheses.
kbuf_pid_alive() {
	local stat
	[[ $1 =~ ^[1-9][0-9]*$ ]] || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}

# Wait up to $2 seconds (1 to 86400) for process $1 to end; fails if it
# still runs.
kbuf_pid_wait() {
	local i
	if [[ ! $2 =~ ^[1-9][0-9]{0,4}$ ]] || (($2 > 86400)); then
		kbuf_die "kbuf_pid_wait: 1 to 86400 seconds, not '$2'"
	fi
	for ((i = 0; i < $2 * 4; i++)); do
		kbuf_pid_alive "$1" || return 0
		sleep 0.25
	done
	return 1
}

# Seconds since the epoch with milliseconds, for timing reports.
kbuf_now() {
	date +%s.%N
}

# Elapsed seconds since $1 (a kbuf_now value), one decimal.
kbuf_since() {
	awk -v a="$1" -v b="$(kbuf_now)" 'BEGIN { printf "%.1f", b - a }'
}

# The C files every style gate looks at: driver, UAPI, user space and C test
# helpers. Missing directories are simply empty sets.
kbuf_c_files() {
	local d
	for d in driver driver/uapi driver/uapi/linux tests/helpers \
		tests/debug/lab-atomic; do
		[[ -d $KBUF_ROOT/$d ]] || continue
		find "$KBUF_ROOT/$d" -maxdepth 1 -type f -name '*.[ch]' \
			! -name '*.mod.c'
	done
	[[ -d $KBUF_ROOT/user ]] &&
		find "$KBUF_ROOT/user" -type f -name '*.[ch]' ! -name '*.mod.c'
	return 0
}

# Copy driver/'s sources to $1/driver for an out-of-tree build there, so
# that builds for several kernels do not clobber each other or the source
# tree. Only the sources: an in-tree build's kbuf.ko, copied along, would
# hide a build that wrote none. The Kbuild reads the version from
# ../dkms.conf: copy that too.
kbuf_stage_driver() {
	local dest=$1
	rm -rf "$dest/driver"
	mkdir -p "$dest/driver"
	(cd "$KBUF_ROOT/driver" &&
		find . -type f ! -name '.*' \( -name Kbuild -o -name Makefile -o \
			-name '*.[ch]' ! -name '*.mod.c' \) \
			-exec cp --parents -p -t "$dest/driver" {} +)
	if [[ -f $KBUF_ROOT/dkms.conf ]]; then
		cp "$KBUF_ROOT/dkms.conf" "$dest/dkms.conf"
	fi
}

# kbufctl, and kbuf.ko for kernel $1 in $2/driver, where a guest booted
# with output directory $2 loads it (make bench, make lab).
kbuf_build_for_guest() {
	make -s -C "$KBUF_ROOT/user"
	kbuf_stage_driver "$2"
	make -s -C "/lib/modules/$1/build" M="$2/driver" modules >&2
}

# lab_atomic.ko, the lab book's sleeping allocation under a spinlock
# (tests/debug/lab-atomic), built against the debug kernel's tree $1 in
# $2/lab-atomic, where a guest booted with output directory $2 finds it:
# make check-debug and make lab build it, for that kernel only.
kbuf_build_lab_atomic() {
	local dest=$2/lab-atomic
	rm -rf "$dest"
	cp -a "$KBUF_ROOT/tests/debug/lab-atomic" "$dest"
	make -C "$1" M="$dest" W=1 modules
}

# Take an exclusive lock on file $1 for the rest of this process, waiting
# while another run holds it: developers and helpers share tests/out, and
# two runs in one output directory would clobber each other's results.
kbuf_lock() {
	local file=$1 fd
	mkdir -p "$(dirname "$file")"
	exec {fd}>"$file"
	if ! flock -n "$fd"; then
		kbuf_log "waiting for another run holding $file"
		flock "$fd"
	fi
}

# Print the Markdown template $1 filled in: the scripts that write docs/
# keep their prose in docs/templates/ and make only the tables. A line
# "@@table NAME@@" becomes what the function ${2}NAME prints; "@@KEY@@"
# anywhere becomes the value of KEY in the associative array named $3.
kbuf_render_template() {
	local tmpl=$1 prefix=$2 line key
	local -n kbuf_tmpl_vars=$3
	while IFS= read -r line; do
		if [[ $line =~ ^@@table\ ([a-z_]+)@@$ ]]; then
			"$prefix${BASH_REMATCH[1]}" ||
				kbuf_die "$tmpl: table ${BASH_REMATCH[1]} failed"
			continue
		fi
		for key in "${!kbuf_tmpl_vars[@]}"; do
			line=${line//"@@$key@@"/"${kbuf_tmpl_vars[$key]}"}
		done
		[[ $line != *@@* ]] || kbuf_die "$tmpl: nothing fills '$line'"
		printf '%s\n' "$line"
	done <"$tmpl"
}
