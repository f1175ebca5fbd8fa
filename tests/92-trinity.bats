#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Trinity, Debian's random-syscall fuzzer, aimed at the buffer nodes: its
# victim path is /dev/kbuf (-V), its syscalls narrowed (-c) to those that
# reach a character device and its mappings, on 64- and 32-bit entry points
# (the compat ioctl path). It runs as root (--dangerous: the control node
# too, with random creates and destroys) and as an unprivileged member of
# group kbuf, several children each, a fixed number of syscalls (-N) from a
# recorded seed (-s): both are printed, and in $KBUF_OUT/trinity.txt, so
# that a run can be replayed (`trinity ... -s SEED -N COUNT`, the whole
# command line is printed). Afterwards the kernel log must be clean (the
# file's kernel-log check: KASAN, KCSAN, lockdep, WARNING, BUG, hung task)
# and every buffer must still take a fill and verify back.
#
# Trinity cannot target close and fork (it marks them AVOID): it forks its
# children and opens and closes descriptors itself.
#
# Only in the debug kernels of make check-debug (a random syscall that
# finds a bug must be reported by KASAN, kmemleak, lockdep or KCSAN to
# count): skipped in Debian's stock kernels. The count per run is
# kbuftest.trinity_ops on the kernel command line (check-debug and soak set
# it from KBUF_TRINITY_OPS), the seed kbuftest.trinity_seed.

load 'helpers/common'

KBUF_TRINITY_CALLS=(
	read write pread64 pwrite64 readv writev preadv pwritev preadv2
	pwritev2 lseek mmap munmap mremap madvise msync mprotect mlock
	munlock ioctl fcntl dup dup2 dup3 splice tee vmsplice sendfile
	copy_file_range fsync fdatasync io_uring_setup io_uring_enter
	io_uring_register
)
KBUF_TRINITY_CHILDREN=4

setup_file() {
	# teardown_file checks the log from here, skipped or not: without a
	# mark it would read the whole boot log.
	kbuf_dmesg_mark file
	if ! kbuf_debug_kernel; then
		kbuf_file_skip "not a debug kernel (no kmemleak, no KCSAN): make check-debug runs this file"
		return 0
	fi
	if ! command -v trinity >/dev/null; then
		kbuf_file_skip "trinity is not installed (tests/deps.sh installs it)"
		return 0
	fi
	getent group kbuf >/dev/null || groupadd --system kbuf
	kbuf_file_setup
}

# The buffers trinity may reach: the three of the load and what its random
# creates left.
kbuf_trinity_buffers() {
	local d
	for d in "$KBUF_SYS"/*; do
		[[ ${d##*/} == control ]] || echo "${d##*/}"
	done
}

# Give group kbuf the buffer nodes, as udev/60-kbuf.rules does (udevd may
# not know the group: it resolves names when it parses the rules).
kbuf_trinity_nodes_to_group() {
	local b
	for b in $(kbuf_trinity_buffers); do
		chgrp kbuf "$KBUF_DEV/$b" && chmod 0660 "$KBUF_DEV/$b" || return 1
	done
}

# kbuf_trinity AS SEED: run trinity as root or member with the file's
# count, in a directory of its own (its test files land there).
kbuf_trinity() {
	# Under /tmp itself: the member cannot enter bats' own 0700 dirs.
	local as=$1 seed=$2 ops dir=/tmp/kbuf-trinity-$1
	local -a cmd=(trinity -q -l off -V "$KBUF_DEV" -C "$KBUF_TRINITY_CHILDREN")
	local c
	ops=$(kbuf_cmdline_arg kbuftest.trinity_ops 3000)
	for c in "${KBUF_TRINITY_CALLS[@]}"; do
		cmd+=(-c "$c")
	done
	# Its file provider, the one that opens the victim path, is called
	# "pseudo": it stays; the others would only dilute the aim.
	cmd+=("--disable-fds=sockets,perf,epoll,eventfd,timerfd,testfile,memfd,drm" -s "$seed" -N "$ops")
	# Where it dumps the trace if the kernel gets tainted (/boot is
	# read-only in the guest).
	cmd+=("--ftrace-dump-file=$dir/ftrace.txt")
	[[ $as == root ]] && cmd+=(--dangerous)
	rm -rf "$dir"
	mkdir -m 0777 "$dir"
	printf 'trinity as %s, seed %s, %s syscalls: %s\n' "$as" "$seed" "$ops" \
		"${cmd[*]}" | tee -a "$KBUF_OUT/trinity.txt" >&3
	cd "$dir" || return 1
	if [[ $as == root ]]; then
		run "${cmd[@]}"
	else
		# Trinity opens a victim only if its mode allows the owner, the
		# primary group or others: kbuf must be the primary group.
		run setpriv --reuid="$KBUF_USER" --regid="$(kbuf_gid)" \
			--groups="$(kbuf_gid)" -- "${cmd[@]}"
	fi
	cd - >/dev/null || return 1
	printf '%s\n' "$output" | tail -n 5 >>"$KBUF_OUT/trinity.txt"
}

# The reads, writes and mmaps the driver counted, summed over the
# buffers of the load (trinity's random creates and destroys come and go).
kbuf_trinity_ops_seen() {
	local b n=0 a
	for b in "${KBUF_BACKENDS[@]}"; do
		for a in reads writes mmaps; do
			n=$((n + $(<"$KBUF_SYS/$b/$a")))
		done
	done
	echo "$n"
}

# Every buffer left is closed and unmapped, and takes a fill and reads it
# back.
kbuf_trinity_fill_verify() {
	local b
	for b in $(kbuf_trinity_buffers); do
		run kbuf_attr "$b" opens
		assert_output 0
		run kbuf_attr "$b" mappings
		assert_output 0
		run kbufctl fill "$KBUF_DEV/$b" --pattern "random:$1"
		assert_success
		run kbufctl verify "$KBUF_DEV/$b" --pattern "random:$1"
		assert_success
	done
}

# kbuf_trinity_case AS SEED: a run, then the checks.
kbuf_trinity_case() {
	local seed before after
	seed=$(kbuf_cmdline_arg kbuftest.trinity_seed "$2")
	before=$(kbuf_trinity_ops_seen)
	kbuf_trinity "$1" "$seed"
	if ((status != 0)); then
		printf '%s\n' "$output" | tail -n 40
		fail "trinity as $1 (seed $seed) exited with status $status"
	fi
	after=$(kbuf_trinity_ops_seen)
	echo "trinity as $1: $((after - before)) reads, writes and mmaps reached kbuf" |
		tee -a "$KBUF_OUT/trinity.txt" >&3
	((after > before)) || fail "trinity never reached a kbuf buffer"
	kbuf_dmesg_check file
	kbuf_trinity_fill_verify "$seed"
}

@test "trinity as root on /dev/kbuf: kernel log clean, buffers fill and verify" {
	kbuf_trinity_case root 9201
}

@test "trinity as a member of group kbuf on /dev/kbuf: log clean, buffers fill and verify" {
	kbuf_trinity_nodes_to_group
	kbuf_trinity_case member 9202
}
