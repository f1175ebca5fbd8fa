#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs on the host (tests/check.sh): how make check runs the host bats
# files (host_suites in tests/check.sh, sourced here), against a tree of
# small bats files written by each test. A file that hangs must cost its
# time limit and no more: it is reported by name, its unreported tests
# count as failed, its teardown runs, nothing it started is left, and the
# next file still runs. A bats that ends in error with no failed test
# counts as a failure.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup_file() {
	TREE=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export TREE
}

setup() {
	FAKE=$BATS_TEST_TMPDIR/tree
	mkdir -p "$FAKE/tests/host" "$BATS_TEST_TMPDIR/out"
}

# What a failed test may have left: the hung file's two children, if
# those pids are still theirs.
teardown() {
	local f pid
	for f in "$BATS_TEST_TMPDIR"/out/{child,sleep}; do
		pid=$(cat "$f" 2>/dev/null) || continue
		[[ $pid =~ ^[0-9]+$ && $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == "sleep 300 " ]] ||
			continue
		kill -KILL "$pid" 2>/dev/null || true
	done
}

# Host file $1 of the fake tree, its body on stdin, where "test" at the
# start of a line stands for bats' keyword (which this file cannot hold
# inside a here-document: bats would count it as one of its own tests).
host_file() {
	{
		printf '#!/usr/bin/env bats\n'
		sed 's/^test /@test /'
	} >"$FAKE/tests/host/$1.bats"
}

# host_suites on the fake tree's files matching glob $1, with limit
# KBUF_HOST_TIMEOUT from the caller; then the summary line, as make check
# prints it. Its own bash, with INT at its default as make gives it.
host_run() {
	local v
	local -a env=(env --default-signal=INT)
	# Nothing of this bats run may reach the one host_suites starts.
	for v in $(compgen -e); do
		[[ $v != BATS_* ]] || env+=(-u "$v")
	done
	# shellcheck disable=SC2016 # expanded by the inner bash
	"${env[@]}" KBUF_ROOT="$FAKE" KBUF_OUTROOT="$BATS_TEST_TMPDIR/out" \
		KBUF_FILTER= bash -c '
		. "$1/tests/check.sh"
		kernels=()
		host_suites "$2"
		summary "$TOTAL_PASS" "$TOTAL_FAIL" "$TOTAL_SKIP"' _ "$TREE" "$1"
}

# Fails if the process whose pid file $1 holds still runs.
gone() {
	local pid
	pid=$(cat "$1") || fail "no pid file $1"
	[[ $pid =~ ^[0-9]+$ ]] || fail "no pid in $1"
	# shellcheck source=../vm/lib.sh
	. "$TREE/tests/vm/lib.sh"
	! kbuf_pid_alive "$pid" || fail "process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline")) still runs"
}

@test "a host file past its time limit is reported, its teardown runs, nothing it started is left, and the next file runs" {
	local out=$BATS_TEST_TMPDIR/out
	host_file 10-hang <<EOF
teardown() {
	[[ -e $out/child ]] || return 0
	kill "\$(cat $out/child)"
	touch $out/teardown-ran
}
test "quick" { true; }
test "hangs" {
	setsid sleep 300 &
	echo \$! >$out/child
	# Left behind by bats itself: deaf to INT and TERM, and holding
	# none of bats' files open.
	(trap '' INT TERM; exec sleep 300) </dev/null >/dev/null 2>&1 3>&- &
	echo \$! >$out/sleep
	sleep 300
}
test "never reached" { true; }
EOF
	host_file 11-next <<'EOF'
test "runs after the hang" { true; }
EOF
	# Time enough for bats to reach the hang on a loaded machine.
	KBUF_HOST_TIMEOUT=8 run -0 host_run '*'
	assert_line 'host: ok 1 quick'
	assert_line 'host: tests/host/10-hang.bats did not finish in 8 s'
	assert_line 'host: ok 1 runs after the hang'
	assert_line -n -1 '2 passed, 2 failed'
	[[ -e $out/teardown-ran ]] || fail "the hung file's teardown did not run"
	gone "$out/child"
	gone "$out/sleep"
}

@test "a bats that ends in error with every test passed counts as a failure" {
	# bats itself gives no such end to a file whose tests all passed (a
	# failed setup_file or teardown_file is a "not ok" line); a bats
	# killed, or a broken install, would: a bats that says so stands in.
	mkdir "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\nprintf "1..1\\nok 1 x\\n"\nexit 3\n' >"$BATS_TEST_TMPDIR/bin/bats"
	chmod +x "$BATS_TEST_TMPDIR/bin/bats"
	host_file 10-ends-badly <<'EOF'
test "x" { true; }
EOF
	PATH=$BATS_TEST_TMPDIR/bin:$PATH KBUF_HOST_TIMEOUT=60 run -0 host_run '*'
	assert_output "host: 1..1
host: ok 1 x
host: bats exited with status 3 on tests/host/10-ends-badly.bats but no test failed
1 passed, 1 failed"
}

@test "a time limit that is not 1 to 86400 seconds is refused" {
	local limit
	host_file 10-ok <<'EOF'
test "fine" { true; }
EOF
	for limit in 0 -5 10s 86401 99999999999999999999; do
		KBUF_HOST_TIMEOUT=$limit run -1 host_run '*'
		assert_output --partial "KBUF_HOST_TIMEOUT: 1 to 86400 seconds, not '$limit'"
	done
	KBUF_HOST_TIMEOUT=60 run -0 host_run '*'
	assert_line -n -1 '1 passed, 0 failed'
}
