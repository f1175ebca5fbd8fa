# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Loaded by every tests/*.bats file (load 'helpers/common'). Runs inside the
# test-bed guest as root; the harness exports:
#   KBUF_KO    the kbuf.ko built for the running kernel
#   KBUF_KVER  the running kernel's release
#   KBUF_OUT   a writable output directory
#   PATH       with the programs of tests/helpers/bin (kbuf-ioctl,
#              kbuf-io, kbuf-mmap, kbuf-hammer) and user/, copied to
#              /run/kbuf-bin, then those directories
#
# Each suite's setup_file calls kbuf_load with the parameters it needs and
# kbuf_file_setup; its teardown_file calls kbuf_file_teardown, which unloads
# the module and fails on any kernel warning logged while the file ran.
# The default setup/teardown also fail a test after which the kernel is
# newly tainted by a report, and clean up background processes and extra
# buffers.

bats_require_minimum_version 1.5.0

# kbuf_load_library NAME: what bats_load_library NAME does, for the bats
# libraries, whose load.bash only sources each file of src/ (functions
# only) as "$(dirname "${BASH_SOURCE[0]}")/src/FILE": seventeen command
# substitutions, each a fork, and bats sources this for every test. Under
# TCG that was most of the time a suite spent outside its tests. A library
# laid out otherwise is loaded by bats itself.
kbuf_load_library() {
	local dir f
	local -a path
	IFS=: read -r -a path <<<"${BATS_LIB_PATH:-/usr/lib/bats}"
	for dir in "${path[@]}"; do
		[[ -f $dir/$1/load.bash && -d $dir/$1/src ]] || continue
		for f in "$dir/$1"/src/*.bash; do
			# shellcheck disable=SC1090 # the library's own files
			source "$f"
		done
		return 0
	done
	bats_load_library "$1"
}
kbuf_load_library bats-support
kbuf_load_library bats-assert
kbuf_load_library bats-file

KBUF_DEV=/dev/kbuf
KBUF_SYS=/sys/class/kbuf
KBUF_CONTROL=$KBUF_DEV/control
KBUF_BACKENDS=(kmalloc pages vmalloc)
# x86-64, the only architecture of the test bed (getconf costs an exec).
KBUF_PAGE=4096
# KBUF_DMESG_BAD: what a kernel log line must never say during the tests.
# shellcheck source=../vm/lib.sh
. "$KBUF_ROOT/tests/vm/lib.sh"

# Where the state shared by setup_file, the tests and teardown_file lives.
kbuf_state_dir() {
	printf '%s\n' "${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}"
}

# ---- kernel log ---------------------------------------------------------

# Remember how far the kernel log goes now (in this shell and in a file,
# so that a later process of the same bats file can read only newer lines).
kbuf_dmesg_mark() {
	local -a log
	mapfile -t log < <(dmesg)
	KBUF_DMESG_MARK=${#log[@]}
	printf '%s\n' "$KBUF_DMESG_MARK" >"$(kbuf_state_dir)/dmesg.mark.${1:-test}"
}

# Print the kernel log lines logged since kbuf_dmesg_mark [NAME]. If the
# ring buffer wrapped since (fewer lines than at the mark), print it all.
kbuf_dmesg_since_mark() {
	local mark file
	local -a log
	file="$(kbuf_state_dir)/dmesg.mark.${1:-test}"
	if [[ -z ${1:-} && -n ${KBUF_DMESG_MARK:-} ]]; then
		mark=$KBUF_DMESG_MARK
	elif [[ -f $file ]]; then
		mark=$(<"$file")
	else
		mark=0
	fi
	mapfile -t log < <(dmesg)
	((${#log[@]} >= mark)) || mark=0
	((${#log[@]} > mark)) || return 0
	printf '%s\n' "${log[@]:mark}"
}

# Fail (with the lines) if the kernel logged a warning, oops, sanitizer or
# lockdep report since kbuf_dmesg_mark [NAME]. The allocation-failure
# reports 91-fault.bats provokes on purpose do not count.
kbuf_dmesg_check() {
	local line bad=
	while IFS= read -r line; do
		[[ $line =~ $KBUF_DMESG_BAD ]] && bad+="$line"$'\n'
	done < <(kbuf_dmesg_since_mark "$@" | kbuf_log_filter)
	if [[ -n $bad ]]; then
		printf '%s' "$bad" |
			batslib_decorate 'kernel log shows a warning' | fail
		return 1
	fi
}

# ---- module load and unload --------------------------------------------

# Wait for udev to finish processing events, if a udevd is running, for
# up to KBUF_SETTLE_TIMEOUT seconds (tests/guest/init.sh sets it: 30, or
# 150 in a debug kernel). udevadm settle that fails before then without
# timing out (udevd dropped its control connection: "Broken pipe", seen
# once in a debug guest) is tried again. If udev does not settle, show what
# it is doing: the processes it runs, how long they have run, and the end
# of udevd's own log.
kbuf_settle() {
	local deadline left err=
	udevadm control --ping >/dev/null 2>&1 || return 0
	deadline=$((SECONDS + ${KBUF_SETTLE_TIMEOUT:-30}))
	while left=$((deadline - SECONDS)); ((left > 0)); do
		err+=$(udevadm settle --timeout="$left" 2>&1) && return 0
		err+=$'\n'
		((deadline - SECONDS > 1)) && sleep 1
	done
	local pids
	printf '%s' "$err"
	echo "udev did not settle in ${KBUF_SETTLE_TIMEOUT:-30} s; its processes:"
	pids=$(pgrep -d, -f 'udev|chgrp|chmod') &&
		ps -o pid,ppid,stat,etimes,wchan:32,args -p "$pids"
	if [[ -s ${KBUF_OUT:-}/udevd.log ]]; then
		echo "the end of udevd's log:"
		tail -n 20 "$KBUF_OUT/udevd.log"
	fi
	return 1
}

# Start systemd-udevd again after kbuf_udevd_stop (tests/vm/lib.sh), its
# log appended to the guest's, and wait for it to settle.
kbuf_udevd_restart() {
	kbuf_udevd_start "${KBUF_OUT:?}/udevd.log" && kbuf_settle
}

# Wait up to $2 tenths of a second (default 100) for path $1 to exist.
kbuf_wait_for() {
	local i
	for ((i = 0; i < ${2:-100}; i++)); do
		[[ -e $1 ]] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $1" >&2
	return 1
}

# Wait up to $2 tenths of a second (default 100) for path $1 to be gone.
kbuf_wait_gone() {
	local i
	for ((i = 0; i < ${2:-100}; i++)); do
		[[ -e $1 || -L $1 ]] || return 0
		sleep 0.1
	done
	echo "timed out waiting for $1 to go" >&2
	return 1
}

kbuf_loaded() {
	[[ -e /sys/module/kbuf ]]
}

# insmod kbuf.ko with parameters; wait for its nodes.
kbuf_load() {
	if [[ -z ${KBUF_KO:-} || ! -f $KBUF_KO ]]; then
		echo "KBUF_KO='${KBUF_KO:-}' is not a built module" >&2
		return 1
	fi
	# A file before may have failed to unload: start clean.
	if kbuf_loaded; then
		echo "kbuf was still loaded: unloading it first" >&2
		kbuf_unload || return 1
	fi
	insmod "$KBUF_KO" "$@" || return 1
	kbuf_settle
	kbuf_wait_for "$KBUF_DEV/vmalloc"
}

# rmmod kbuf; the module and every node of it must be gone.
kbuf_unload() {
	rmmod kbuf || return 1
	kbuf_settle
	if kbuf_loaded; then
		echo "/sys/module/kbuf still exists after rmmod" >&2
		return 1
	fi
	kbuf_wait_gone "$KBUF_DEV" 50 || {
		ls -la "$KBUF_DEV" >&2
		return 1
	}
}

# Unload and load again with other parameters (inside one test).
kbuf_reload() {
	kbuf_unload && kbuf_load "$@"
}

# The usual bodies of setup_file and teardown_file. Suites pass the
# module's parameters.
# shellcheck disable=SC2120
kbuf_file_setup() {
	kbuf_dmesg_mark file
	kbuf_load "$@"
}

# The body of setup_file for suites that load the module themselves.
kbuf_file_setup_unloaded() {
	kbuf_dmesg_mark file
	if kbuf_loaded; then
		kbuf_unload
	fi
}

kbuf_file_teardown() {
	local rc=0
	kbuf_bg_kill_all
	if kbuf_loaded; then
		kbuf_unload || rc=1
	fi
	kbuf_odirect_cleanup
	kbuf_dmesg_check file || rc=1
	return "$rc"
}

# ---- per test ----------------------------------------------------------

# Taint flags that mean the kernel reported a problem: B (bad page, also
# set by KASAN), D (oops), W (warning), L (soft lockup). Loading kbuf itself
# adds O and E, which are not problems.
KBUF_TAINT_BAD=$(((1 << 5) | (1 << 7) | (1 << 9) | (1 << 14)))

# The taint word is read with a builtin: an exec costs about 0.1 s under
# TCG, and this runs twice per test.
kbuf_test_setup() {
	kbuf_trace_test_body
	read -r KBUF_TAINT0 </proc/sys/kernel/tainted
	KBUF_ON_BACKEND=
	if [[ -f $(kbuf_state_dir)/skip ]]; then
		skip "$(<"$(kbuf_state_dir)/skip")"
	fi
}

# bats runs a DEBUG trap before every command of a test, down to the
# last line of every function it calls, to know where a test failed; its
# handler costs some 0.4 ms of a native CPU per command (20000 calls of a
# two-line function: 25 s in a test, 0.1 s without the trap), ten times
# that under TCG, which made it the largest cost of the suites' bash
# loops inside functions. Here bats' handler runs only for the lines of
# the test's own body (a loop written there is still traced) and, once
# the body is done, for teardown; in setup and in the functions the body
# calls, where a failure is located instead by an ERR trap ahead of bats'
# own, which records the stack where the failing command ran, as bats'
# handler would have. With a bats that calls setup() from elsewhere,
# bats' traps stay.
kbuf_trace_test_body() {
	local i
	for ((i = 1; i < ${#FUNCNAME[@]}; i++)); do
		[[ ${FUNCNAME[i]} == bats_test_begin ]] || continue
		# The test's body runs this many functions deep.
		# shellcheck disable=SC2034 # read by the traps
		KBUF_TRACE_DEPTH=$((${#FUNCNAME[@]} - i - 1))
		# One line each: a call on a trap's second line would be
		# reported one line below the command that failed.
		# shellcheck disable=SC2016 # expanded when the trap runs
		trap '[[ -z $BATS_TEST_COMPLETED ]] && ((${#FUNCNAME[@]} > KBUF_TRACE_DEPTH)) || bats_debug_trap "$BASH_SOURCE"' DEBUG
		# shellcheck disable=SC2016 # expanded when the trap runs
		trap 'KBUF_ERR=$?; ((${#FUNCNAME[@]} <= KBUF_TRACE_DEPTH)) || kbuf_error_where; [[ -n $BATS_TEST_COMPLETED ]] || BATS_ERROR_STATUS=${BATS_ERROR_STATUS:-$KBUF_ERR}; bats_error_trap' ERR
		return
	done
}

# Called by the ERR trap of kbuf_trace_test_body deeper than the test's
# body: the stack of the failing command, unless one is recorded already
# or the command is bats' own.
kbuf_error_where() {
	[[ -z $BATS_DEBUG_LAST_STACK_TRACE_IS_VALID ]] || return 0
	[[ ${BASH_SOURCE[1]} != /usr/lib/bats* ]] || return 0
	bats_capture_stack_trace
}

# bats 1.8 (Debian 12's) reports a skip in setup_file as a failure: a
# setup_file that finds a facility missing calls kbuf_file_skip REASON and
# returns, and kbuf_test_setup skips every test of the file with REASON.
kbuf_file_skip() {
	printf '%s\n' "$1" >"$(kbuf_state_dir)/skip"
}

# Fail the test if it left the kernel newly tainted by a report. The full
# pattern scan of the log (lockdep, UBSAN...) runs once per file, in
# kbuf_file_teardown, and once per guest on the host.
kbuf_taint_check() {
	local now
	read -r now </proc/sys/kernel/tainted
	(((now & ~KBUF_TAINT0 & KBUF_TAINT_BAD) == 0)) && return 0
	{
		printf 'taint went from %s to %s; last kernel log lines:\n' \
			"$KBUF_TAINT0" "$now"
		dmesg | tail -n 40
	} | batslib_decorate 'kernel reported a problem' | fail
	return 1
}

kbuf_test_teardown() {
	local rc=0
	# Descriptors a test opened with exec 5<... and did not close.
	exec 5<&- 6<&-
	if [[ -z ${BATS_TEST_COMPLETED:-} && -n ${KBUF_ON_BACKEND:-} ]]; then
		echo "# failed while testing backend $KBUF_ON_BACKEND" >&2
	fi
	kbuf_bg_kill_all
	kbuf_destroy_extra
	kbuf_taint_check || rc=1
	return "$rc"
}

# The usual set-up of a suite: the module loaded for the whole file and
# the kernel log checked after it, each test checked for taint and
# cleaned up after. A suite defines its own to do more (load with
# parameters, clear the buffers before each test).
# shellcheck disable=SC2119 # the default loads with no parameters
setup_file() {
	kbuf_file_setup
}

teardown_file() {
	kbuf_file_teardown
}

setup() {
	kbuf_test_setup
}

teardown() {
	kbuf_test_teardown
}

# Zero the three buffers made at load (the start of each test of suites
# that need them empty).
kbuf_clear_all() {
	local b
	for b in "${KBUF_BACKENDS[@]}"; do
		kbuf_clear "$b"
	done
}

# Run "$@ BACKEND" for each backend; on a failure, teardown names it.
kbuf_each_backend() {
	local b
	for b in "${KBUF_BACKENDS[@]}"; do
		KBUF_ON_BACKEND=$b
		"$@" "$b"
	done
	KBUF_ON_BACKEND=
}

# ---- other modules -----------------------------------------------------

# kbuf_modprobe_once MODULE...: load each MODULE not loaded yet and note
# it for kbuf_modprobe_undo, which unloads only those: a module that was
# loaded before, or is built in, stays. One that will not load is not an
# error here; the caller checks for what it needs.
kbuf_modprobe_once() {
	local m
	for m; do
		[[ -e /sys/module/${m//-/_} ]] && continue
		modprobe "$m" 2>/dev/null || continue
		[[ -e /sys/module/${m//-/_} ]] &&
			echo "$m" >>"$(kbuf_state_dir)/modprobed"
	done
	return 0
}

# Unload what kbuf_modprobe_once loaded, last first, and nothing else
# (rmmod: modprobe -r would take unused dependencies loaded before). Fails
# if one will not go: something still holds it (a dma-buf import left
# behind, say).
kbuf_modprobe_undo() {
	local f m rc=0
	f="$(kbuf_state_dir)/modprobed"
	[[ -f $f ]] || return 0
	for m in $(tac "$f"); do
		rmmod "$m" || rc=1
	done
	rm -f "$f"
	return "$rc"
}

# ---- dma-buf importers -------------------------------------------------

# Whether a render node of vgem exists (a module loaded, or built in as in
# the debug kernel): its device is the platform device "vgem".
kbuf_have_vgem() {
	local dev
	for dev in /sys/class/drm/renderD*/device; do
		[[ $(readlink -f "$dev") == */vgem ]] && return 0
	done
	return 1
}

# kbuf_dmabuf_attached NAME: the devices attached to the kbuf dma-buf named
# NAME (DMA_BUF_SET_NAME), one a line as debugfs dma_buf/bufinfo lists
# them (the last attached first), then its "Total N devices attached";
# nothing if no such dma-buf lives. Returns 2 if the kernel has no
# bufinfo.
kbuf_dmabuf_attached() {
	local dbg=/sys/kernel/debug
	mountpoint -q $dbg || mount -t debugfs debugfs $dbg || return 2
	[[ -r $dbg/dma_buf/bufinfo ]] || return 2
	awk -F '\t' -v name="$1" '
		!/^\t/ && NF == 7 && $5 == "kbuf" && $7 == name { mine = 1; next }
		mine && /^\tAttached Devices:$/ { att = 1; next }
		mine && /^Total [0-9]+ devices attached$/ { print; exit }
		att { sub(/^\t/, ""); print }
	' $dbg/dma_buf/bufinfo
}

# Whether the running kernel is one of make check-debug's (kmemleak in
# the KASAN flavours, KCSAN in the other).
kbuf_debug_kernel() {
	[[ -e /sys/kernel/debug/kmemleak || -e /sys/kernel/debug/kcsan ]]
}

# kbuf_assert_export_busy NAME SIZE: buffer NAME, its node closed, counts
# one export and refuses a resize to SIZE and a destroy with EBUSY.
kbuf_assert_export_busy() {
	assert_equal "$(kbuf_attr "$1" opens)" 0
	assert_equal "$(kbuf_attr "$1" exports)" 1
	run -1 kbuf-ioctl "$KBUF_DEV/$1" resize "$2"
	assert_output EBUSY
	run -1 kbuf-ioctl "$KBUF_CONTROL" destroy "$1"
	assert_output EBUSY
}

# ---- buffers -----------------------------------------------------------

# One field of KBUF_IOC_INFO for buffer $1 (a name or a path).
kbuf_info() {
	local dev=$1
	[[ $dev == /* || $dev == fd:* ]] || dev=$KBUF_DEV/$dev
	kbuf-ioctl -r "$dev" info "$2"
}

# A sysfs attribute of buffer $1. With cat, not a builtin: a read that
# fails (the attribute removed under it) must fail, and mapfile reports
# success with what it got.
kbuf_attr() {
	cat "$KBUF_SYS/$1/$2"
}

# Zero buffer $1 and set its length to 0.
kbuf_clear() {
	kbuf-ioctl "$KBUF_DEV/$1" clear
}

# For buffer $1, written "hello" and then cut to length 0: its length reads
# 0, and setting the length back to 5 shows the bytes left in place.
assert_length_0_bytes_kept() {
	run kbuf_info "$1" length
	assert_output 0
	kbuf-ioctl "$KBUF_DEV/$1" set-length 5
	run cat "$KBUF_DEV/$1"
	assert_output hello
}

# kbuf_create NAME BACKEND SIZE [GFP]: make a buffer and wait for its node.
kbuf_create() {
	kbuf-ioctl "$KBUF_CONTROL" create "$@" || return 1
	kbuf_settle
	kbuf_wait_for "$KBUF_DEV/$1"
}

# kbufctl_create NAME OPTIONS...: kbufctl create, then wait for the node.
kbufctl_create() {
	kbufctl create "$@"
	kbuf_wait_for "$KBUF_DEV/$1"
}

kbuf_destroy() {
	kbuf-ioctl "$KBUF_CONTROL" destroy "$1" || return 1
	kbuf_settle
}

# kbuf_fresh_zeros NAME SIZE WHAT: buffer NAME, just created with at least
# SIZE bytes, reads as SIZE zeros (WHAT names it when it does not); then
# it is filled with 0xff and destroyed without waiting for udev, so that
# the next create of a stale-data loop is likely to get those bytes back
# from the allocator, unless the driver zeroes them.
kbuf_fresh_zeros() {
	local dev=$KBUF_DEV/$1 n
	kbuf-ioctl "$dev" set-length "$2" || fail "$3: set-length failed"
	cmp -n "$2" "$dev" /dev/zero || fail "$3 shows old bytes"
	n=$(kbuf-io "$dev" pfill 0 "$2" 255) || fail "$3: the fill failed: $n"
	[[ $n == "$2" ]] || fail "$3 took $n of $2 bytes of 0xff"
	kbuf-ioctl "$KBUF_CONTROL" destroy "$1" || fail "$3: destroy failed"
}

# Destroy every buffer but the three made at load (teardown of a test).
kbuf_destroy_extra() {
	local d name destroyed=
	[[ -e $KBUF_CONTROL ]] || return 0
	for d in "$KBUF_SYS"/*; do
		[[ -e $d ]] || continue
		name=${d##*/}
		case $name in
		control | kmalloc | pages | vmalloc) ;;
		*)
			kbuf-ioctl "$KBUF_CONTROL" destroy "$name" >/dev/null || true
			destroyed=1
			;;
		esac
	done
	[[ -z $destroyed ]] || kbuf_settle
}

# The expected capacity of a default buffer (module defaults).
kbuf_default_capacity() {
	case $1 in
	kmalloc) echo 65536 ;;
	pages) echo $((KBUF_PAGE << 4)) ;;
	vmalloc) echo 1048576 ;;
	esac
}

# ---- privileges --------------------------------------------------------

# Run a command as nobody, with no capabilities and no groups.
kbuf_as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}

# The uid an unprivileged member of group kbuf acts as (the group id is
# read from /etc/group: the suites that need it create the group).
KBUF_USER=65534

kbuf_gid() {
	getent group kbuf | cut -d: -f3
}

# Run a command as an unprivileged user that is a member of group kbuf.
kbuf_as_member() {
	setpriv --reuid="$KBUF_USER" --regid="$KBUF_USER" \
		--groups="$(kbuf_gid)" -- "$@"
}

# Run a command as root but without CAP_SYS_ADMIN (gone from the bounding
# set, so the exec'd program never gets it).
kbuf_without_sys_admin() {
	setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin -- "$@"
}

# ---- background processes ----------------------------------------------

# Start "$@" in the background, its output in $BATS_TEST_TMPDIR/bg.out,
# fd 3 (bats' own) closed. Sets KBUF_BG_PID.
kbuf_bg() {
	"$@" >>"${BATS_TEST_TMPDIR:-/tmp}/bg.out" 2>&1 3>&- &
	KBUF_BG_PID=$!
	echo "$KBUF_BG_PID" >>"$(kbuf_state_dir)/bg.pids"
}

# Wait up to 30 s for a line matching regex $1 in the background output.
kbuf_wait_bg_line() {
	local i
	for ((i = 0; i < 300; i++)); do
		grep -qE "$1" "$BATS_TEST_TMPDIR/bg.out" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$BATS_TEST_TMPDIR/bg.out" >&2
	return 1
}

# Wait for background process $1 to end, with its status, and take it off
# the list that teardown kills: its PID may be reused after.
kbuf_bg_wait() {
	local f rc=0
	f="$(kbuf_state_dir)/bg.pids"
	wait "$1" || rc=$?
	sed -i "/^$1\$/d" "$f"
	return "$rc"
}

# Kill and reap one background process.
kbuf_bg_kill() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

kbuf_bg_kill_all() {
	local f pid
	f="$(kbuf_state_dir)/bg.pids"
	[[ -f $f ]] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
	done <"$f"
	while read -r pid; do
		# Not our child in teardown_file: poll until it is gone.
		wait "$pid" 2>/dev/null || while kill -0 "$pid" 2>/dev/null; do
			sleep 0.1
		done
	done <"$f"
	rm -f "$f"
}

# kbuf_hold_mapping DEV [kbuf-mmap options]: map DEV in a background
# process that keeps the mapping (closing its descriptor first) until
# killed. Returns when the mapping exists; KBUF_BG_PID is the process.
kbuf_hold_mapping() {
	local ready
	ready="$(mktemp -u "${BATS_TEST_TMPDIR:-/tmp}/ready.XXXXXX")"
	kbuf_bg kbuf-mmap "$@" close ready "$ready" sleep 600
	kbuf_wait_for "$ready" 300
}

# ---- O_DIRECT ----------------------------------------------------------

KBUF_ODIRECT_MNT=/tmp/kbuf-odirect

# Print a directory on a block file system where O_DIRECT really pins user
# pages (get_user_pages), making one (ext4 on a loop device in /tmp) if
# needed. tmpfs does not count: its O_DIRECT is buffered I/O in disguise.
# On failure prints why and returns 1.
kbuf_odirect_dir() {
	local img=/tmp/kbuf-odirect.img tool
	if mountpoint -q "$KBUF_ODIRECT_MNT"; then
		echo "$KBUF_ODIRECT_MNT"
		return 0
	fi
	for tool in losetup mkfs.ext4 mount; do
		command -v "$tool" >/dev/null || {
			echo "$tool is not installed in the guest"
			return 1
		}
	done
	modprobe loop >/dev/null 2>&1 || true
	modprobe ext4 >/dev/null 2>&1 || true
	mkdir -p "$KBUF_ODIRECT_MNT"
	if ! truncate -s 32M "$img" || ! mkfs.ext4 -q -F "$img" >/dev/null 2>&1 ||
		! mount -o loop "$img" "$KBUF_ODIRECT_MNT" >/dev/null 2>&1; then
		rm -f "$img"
		echo "cannot mount an ext4 image on a loop device"
		return 1
	fi
	if ! kbuf-io - odirect-probe "$KBUF_ODIRECT_MNT" >/dev/null 2>&1; then
		echo "O_DIRECT does not work on ext4 over loop"
		return 1
	fi
	echo "$KBUF_ODIRECT_MNT"
}

kbuf_odirect_cleanup() {
	if mountpoint -q "$KBUF_ODIRECT_MNT" 2>/dev/null; then
		umount "$KBUF_ODIRECT_MNT" || true
	fi
	rm -f /tmp/kbuf-odirect.img
	rmdir "$KBUF_ODIRECT_MNT" 2>/dev/null || true
}

# ---- facilities --------------------------------------------------------

# Skip the test unless this kernel has io_uring: a kernel built without it
# (the debug kernel's tinyconfig, before it asked for it) answers ENOSYS.
kbuf_require_uring() {
	[[ $(kbuf-uring "$KBUF_DEV/vmalloc" read 0 0) != ENOSYS ]] ||
		skip "this kernel has no io_uring (CONFIG_IO_URING)"
}
