#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# kbufctl stress: short seeded runs per backend and map mode (4 threads in
# each of 2 processes, with private buffers made through the control
# node), each of which must end with exit 0 and no divergence; and proof
# that the checks bite: a model corrupted on purpose, and a buffer changed
# behind the tool's back, are both reported with the seed to replay.

load 'helpers/common'

# Operations per run: about 20 s each under TCG on a busy 2-core host.
STRESS_OPS=6000

setup_file() {
	kbuf_file_setup map_mode=page
}

# Load the module with map_mode=$1 unless it already is.
use_map_mode() {
	[[ $(cat /sys/module/kbuf/parameters/map_mode) == "$1" ]] ||
		kbuf_reload "map_mode=$1"
}

# After a run: no private buffer left, nothing open or mapped.
assert_clean() {
	local d
	for d in "$KBUF_SYS"/*; do
		case ${d##*/} in
		control | kmalloc | pages | vmalloc) ;;
		*) fail "stress left buffer ${d##*/} behind" ;;
		esac
	done
	run kbuf_attr "$1" opens
	assert_output 0
	run kbuf_attr "$1" mappings
	assert_output 0
}

# stress_run MAP_MODE BACKEND SEED: one run, checked.
stress_run() {
	use_map_mode "$1"
	run kbufctl stress --threads 4 --procs 2 --ops "$STRESS_OPS" \
		--seed "$3" --create "$2"
	echo "$output" >&3
	assert_success
	assert_line --regexp "^stress: $STRESS_OPS ops in [0-9.]+ s, [0-9]+ ops/s, seed $3, 4 threads x 2 processes, 0 divergences, 0 unexpected errnos$"
	# Every kind of operation ran at least once.
	refute_line --regexp '^[a-z-]+ +0( |$)'
	assert_clean "$2"
}

@test "stress with map_mode=page on kmalloc: no divergence" {
	stress_run page kmalloc 101
}

@test "stress with map_mode=page on pages: no divergence" {
	stress_run page pages 102
}

@test "stress with map_mode=page on vmalloc: no divergence" {
	stress_run page vmalloc 103
}

@test "stress with map_mode=pfn on kmalloc: no divergence" {
	stress_run pfn kmalloc 201
}

@test "stress with map_mode=pfn on pages: no divergence" {
	stress_run pfn pages 202
}

@test "stress with map_mode=pfn on vmalloc: no divergence" {
	stress_run pfn vmalloc 203
}

@test "stress on all three buffers at once reports the op mix as JSON" {
	use_map_mode page
	run kbufctl stress --threads 2 --procs 2 --ops 4000 --seed 7 --json \
		kmalloc pages vmalloc
	assert_success
	# The calls of the mix add up to the ops; every kind that ran took
	# time, and none took more than the whole run on all four workers.
	run jq -r '[.ops, .divergences, .unexpected_errnos, .failures,
		.first_failure, .seed, (.mix | length),
		(.mix.resize.calls > 0), (.ops_per_sec > 0),
		([.mix[].calls] | add),
		([.mix[] | select(.calls > 0 and .seconds <= 0)] | length),
		([.mix[].seconds] | add) <= 4 * .seconds] | @tsv' <<<"$output"
	assert_output "$(printf '4000\t0\t0\t0\t\t7\t21\ttrue\ttrue\t4000\t0\ttrue')"
}

# stats_reader BUFFER STOP: read BUFFER's five counters over and over
# until the file STOP exists; print "reading" after the first round, and
# stop at the first counter that is lower than it was ("NAME went back from
# A to B", status 1), else print "N rounds" at the end. A counter is
# summed over the CPUs while they add to it: the sum can lag, never go
# back. The point is as much the reads themselves, made while other CPUs
# count: under KCSAN (make check-debug's 6.12-kcsan) a plain read there
# would be a data race in kbuf_stat_show(), which reads with READ_ONCE().
stats_reader() {
	local b=$1 stop=$2 s n i=0
	local -A last=()
	while ((i == 0)) || [[ ! -e $stop ]]; do
		for s in reads writes bytes_read bytes_written mmaps; do
			read -r n <"$KBUF_SYS/$b/$s"
			if ((n < ${last[$s]:-0})); then
				echo "$s went back from ${last[$s]} to $n"
				return 1
			fi
			last[$s]=$n
		done
		i=$((i + 1))
		((i != 1)) || echo reading
	done
	echo "$i rounds"
}

@test "the counters read while a stress run moves bytes never go backwards" {
	local reader rc=0
	use_map_mode page
	kbuf_bg stats_reader vmalloc "$BATS_TEST_TMPDIR/stop"
	reader=$KBUF_BG_PID
	kbuf_wait_bg_line '^reading$'
	run kbufctl stress --threads 2 --procs 2 --ops 2000 --seed 9 vmalloc
	assert_success
	: >"$BATS_TEST_TMPDIR/stop"
	kbuf_bg_wait "$reader" || rc=$?
	run cat "$BATS_TEST_TMPDIR/bg.out"
	assert_line --index 0 reading
	assert_line --index 1 --regexp '^[1-9][0-9]* rounds$'
	assert_equal "${#lines[@]}" 2
	assert_equal "$rc" 0
}

@test "stress prints the op mix with each kind's time per call and share" {
	use_map_mode page
	run kbufctl stress --threads 2 --procs 1 --ops 500 --seed 8 kmalloc
	assert_success
	assert_line --index 1 --regexp '^op +calls +ms/call +time% +expected errors$'
	assert_line --regexp '^read +[1-9][0-9]* +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]( .*)?$'
	# The shares of the 21 kinds add up to 100 % (rounding aside).
	run awk 'NR > 2 { s += $4 } END { print (s > 99.5 && s < 100.5) }' \
		<<<"$output"
	assert_output 1
}

@test "a model corrupted on purpose is reported as a divergence with the seed" {
	use_map_mode page
	run -1 kbufctl stress --threads 2 --procs 1 --ops 2000 --seed 4242 \
		--self-test-divergence vmalloc
	assert_line --regexp '^stress: .*, seed 4242, 2 threads x 1 processes, [1-9][0-9]* divergences, 0 unexpected errnos$'
	assert_line --regexp '^kbufctl stress: seed 4242: divergence at op 20 of process 0 thread 0: pread on /dev/kbuf/vmalloc: pread of 1 bytes at 0: byte 0 is 0x[0-9a-f]{2}, not 0x[0-9a-f]{2}$'
	assert_line 'kbufctl stress: replay with: kbufctl stress --seed 4242 --threads 2 --procs 1 --ops 2000 vmalloc'
	assert_clean vmalloc
}

@test "a buffer changed behind the tool's back is reported with the seed" {
	use_map_mode page
	# Another writer stamps 0xee over the whole buffer, again and again:
	# that changes its bytes and its length (to the whole 1 MiB), and the
	# tool may see either first.
	kbuf_bg bash -c "while kbuf-io $KBUF_DEV/vmalloc pfill 0 1048576 238; do :; done"
	run -1 kbufctl stress --threads 2 --procs 1 --seconds 60 --seed 99 vmalloc
	kbuf_bg_kill "$KBUF_BG_PID"
	assert_line --regexp '^kbufctl stress: seed 99: divergence at op [0-9]+ of process 0 thread [01]: .*(is 0xee, not 0x[0-9a-f]{2}|the child saw other bytes .*|KBUF_IOC_INFO says length 1048576, the model [0-9]+)$'
	assert_line --partial 'replay with: kbufctl stress --seed 99 '
}

@test "stress refuses bad options with exit status 2" {
	run -2 kbufctl stress --threads 0 vmalloc
	assert_output --partial "threads '0' is not 1 to 64"
	run -2 kbufctl stress --ops 10 --seconds 1 vmalloc
	assert_output --partial 'not both'
	run -2 kbufctl stress --ops 10
	assert_output --partial 'missing DEV'
	run -2 kbufctl stress --ops 10 vmalloc /dev/kbuf/vmalloc
	assert_output --partial 'given twice'
}
