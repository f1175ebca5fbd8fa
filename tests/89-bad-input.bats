#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Bad input, all of it: walks tests/bad-input.tsv, the table of every
# user-controlled input and the errno it must get (docs/bad-input.md shows
# the same table). Rows tested here run on every backend or once; rows
# another suite already tests name that test, which must exist. Then the
# stale-data checks: buffers created, destroyed and resized again and
# again never show a byte that is not zero.

load 'helpers/common'

BAD_INPUT_TSV="$BATS_TEST_DIRNAME/bad-input.tsv"
BAD_INPUT_DOC="$BATS_TEST_DIRNAME/../docs/bad-input.md"
# Cycles of each stale-data test per backend. The creates take each size
# below twice in a row: the allocators hand a freed block straight back
# out to the next request of its size (slab free lists, per-CPU page
# lists, vmalloc's freed areas), so the second of the two usually gets the
# first one's 0xff bytes if the driver does not zero them. 34 cycles cost a
# minute and a half more of each stock guest under TCG.
STALE_CYCLES=12

setup_file() {
	kbuf_file_setup
}

# The table's rows, tab-separated, without comments.
bad_input_rows() {
	grep -v '^#' "$BAD_INPUT_TSV"
}

# Print the Markdown table of tests/bad-input.tsv ($1). Regenerate the
# document's table on the host with:
#   bash -c "$(sed -n '/^bad_input_markdown()/,/^}/p' \
#     tests/89-bad-input.bats); bad_input_markdown tests/bad-input.tsv"
bad_input_markdown() {
	local area id input want how ref by
	local -a refs
	printf '| Area | Input | Must get | Tested by |\n'
	printf '|---|---|---|---|\n'
	while IFS=$'\t' read -r area id input want how; do
		[[ $area == '#'* ]] && continue
		case $how in
		each\ *) by="89-bad-input.bats, each backend: \`${how#each }\`" ;;
		run\ *) by="89-bad-input.bats: \`${how#run }\`" ;;
		*)
			by=
			IFS='|' read -ra refs <<<"${how#see }"
			for ref in "${refs[@]}"; do
				ref=${ref# }
				ref=${ref% }
				[[ -z $by ]] || by+='<br>'
				by+="${ref%%: *}: \"${ref#*: }\""
			done
			by=${by//tests\//}
			;;
		esac
		printf '| %s | %s | %s | %s |\n' "$area" "$input" "$want" "$by"
	done <"$1"
}

# Fill buffer $DEV to its capacity with 'F'.
full() {
	kbuf-io "$DEV" pfill 0 "$CAP" 70 >/dev/null
}

# py CODE ARGS...: run Python with os, fcntl, mmap and ctypes, the ARGS as
# the list a and three helpers: fd(PATH) opens PATH read-write, pipe1()
# makes a pipe of one page, cmmap(FD, LEN, PROT, FLAGS) calls mmap(2) with
# any flags and prints "mapped". An OSError prints its errno name as
# strerrorname_np() (the C helpers) spells it, and exits 1. CODE runs in a
# process of its own, forked by the tests/helpers/bad-input.py that
# py_start started for the test: python3 starting anew for each of some
# 140 rows cost minutes under TCG. Its stdout and stderr, together, are
# printed when it ends; py returns its exit status.
py() {
	local id=$BASHPID.$SRANDOM file=$BATS_TEST_TMPDIR/py.out line=''
	local -a out
	if [[ -z ${PY_PID:-} ]] || ! kill -0 "$PY_PID" 2>/dev/null; then
		echo "py: bad-input.py is not running (see py_start)"
		return 2
	fi
	printf '%s\0' "$(($# + 2))" "$id" "$file" "$@" 1<>"$BATS_TEST_TMPDIR/py.req"
	until read -r -t 5 line <>"$BATS_TEST_TMPDIR/py.rsp"; do
		kill -0 "$PY_PID" 2>/dev/null || break
	done
	if [[ $line != "$id "* ]]; then
		echo "py: bad-input.py ${line:+answered \"$line\" to request $id}${line:-ended without an answer}"
		return 2
	fi
	# What $(...) would keep of it: all but NUL bytes.
	mapfile -t -d '' out <"$file"
	printf '%s' "${out[@]}"
	return "${line#"$id "}"
}

# py_start: start tests/helpers/bad-input.py, which runs this test's py
# calls (teardown stops it), and wait until it listens.
py_start() {
	local line=''
	mkfifo "$BATS_TEST_TMPDIR/py.req" "$BATS_TEST_TMPDIR/py.rsp"
	kbuf_bg python3 "$KBUF_ROOT/tests/helpers/bad-input.py" \
		"$BATS_TEST_TMPDIR/py.req" "$BATS_TEST_TMPDIR/py.rsp"
	PY_PID=$KBUF_BG_PID
	until read -r -t 5 line <>"$BATS_TEST_TMPDIR/py.rsp"; do
		kill -0 "$PY_PID" 2>/dev/null || break
	done
	[[ $line == ready ]] ||
		fail "bad-input.py did not start: $(cat "$BATS_TEST_TMPDIR/bg.out")"
}

# load_ok PARAM=VALUE...: the module must load; print the capacities of
# kmalloc, pages and vmalloc and the map mode of pages, then load it again
# with the defaults.
load_ok() {
	local b out=() rc=0
	kbuf_unload || return 2
	if kbuf_load "$@"; then
		for b in "${KBUF_BACKENDS[@]}"; do
			out+=("$(kbuf_attr "$b" capacity)")
		done
		out+=("$(kbuf_attr pages map_mode)")
		kbuf_unload || rc=2
	else
		out=("the load failed")
		rc=1
	fi
	kbuf_load || return 2
	echo "${out[*]}"
	return "$rc"
}

# kernel_want WANT: set WANT_HERE to the part of WANT for this kernel's
# series, when WANT reads "A (6.12); B (6.1)"; else to WANT. A variable,
# not a $(...): a fork fewer in each of the checks, and builtins only
# (a fork and two execs of $(uname -r | cut ...) cost about 0.1 s each
# under TCG).
kernel_want() {
	local part series major minor
	local -a parts
	IFS=. read -r major minor _ </proc/sys/kernel/osrelease
	series=$major.$minor
	WANT_HERE=$1
	IFS=';' read -ra parts <<<"$1"
	for part in "${parts[@]}"; do
		part=${part# }
		[[ $part =~ ^(.+)\ \(([0-9]+\.[0-9]+)\)$ ]] || break
		if [[ ${BASH_REMATCH[2]} == "$series" ]]; then
			WANT_HERE=${BASH_REMATCH[1]}
			return
		fi
	done
}

# load_fails PARAM=VALUE...: insmod must fail; print the errno its
# message names. The module is loaded again with the defaults after.
load_fails() {
	local out rc=0
	kbuf_unload || return 2
	out=$(insmod "$KBUF_KO" "$@" 2>&1) && rc=1
	kbuf_loaded && rc=1
	kbuf_load || return 2
	case $out in
	*'Invalid parameters'*) echo EINVAL ;;
	*'Numerical result out of range'*) echo ERANGE ;;
	*) echo "insmod said: ${out:-nothing}" ;;
	esac
	((rc == 0)) || echo "the module loaded"
	return 1
}

# check_row ID CMD WANT [BACKEND]: run one row; add what went wrong to
# BAD (walk_area's). The buffer (or, for a "run" row, every buffer) starts
# empty and zeroed. It runs in walk_area's shell, not in a $(...) of its
# own: under TCG each fork of the test's shell costs about 0.1 s, and
# there are some 580 checks. walk_area calls it in a || list, so that,
# as in a $(...), a failed step (a clear) does not end the walk before
# the failures found so far are shown.
check_row() {
	local id=$1 cmd=$2 want B=${4:-} DEV='' CAP='' last='' want_rc=0
	# shellcheck disable=SC2034 # the rows' commands use it
	local CTL=$KBUF_CONTROL
	if [[ -n $B ]]; then
		DEV=$KBUF_DEV/$B
		# sysfs, with a builtin: an exec for each of some 550 checks
		# cost a minute under TCG.
		read -r CAP <"$KBUF_SYS/$B/capacity"
		kbuf_clear "$B"
	else
		kbuf_clear_all
	fi || {
		BAD+="$id${B:+ on $B}: the buffers could not be cleared first"$'\n'
		return 0
	}
	kernel_want "$3"
	want=$WANT_HERE
	[[ $want =~ ^E[A-Z]+$ ]] && want_rc=1
	run eval "$cmd"
	((${#lines[@]} == 0)) || last=${lines[-1]}
	if [[ $last != "$want" || $status != "$want_rc" ]]; then
		printf -v last '%s%s: [%s] printed "%s" (exit %s), the table says "%s" (exit %s)\n' \
			"$id" "${B:+ on $B}" "$cmd" "$last" "$status" "$want" "$want_rc"
		BAD+=$last
	fi
	# A row must leave the buffers as it found them.
	kbuf_destroy_extra
}

# Run every each/run row of area $1; fail with all the rows that failed.
walk_area() {
	local area id input want how b n=0 BAD=''
	# bad-input.py for the py rows, if the area has any.
	while IFS=$'\t' read -r area id input want how; do
		if [[ $area == "$1" && $how =~ ^(each|run)\ (.*[^[:alnum:]_-])?py\  ]]; then
			py_start
			break
		fi
	done < <(bad_input_rows)
	while IFS=$'\t' read -r area id input want how; do
		[[ $area == "$1" ]] || continue
		case $how in
		each\ *)
			for b in "${KBUF_BACKENDS[@]}"; do
				check_row "$id" "${how#each }" "$want" "$b" ||
					BAD+="$id on $b: a step of the check failed"$'\n'
				n=$((n + 1))
			done
			;;
		run\ *)
			check_row "$id" "${how#run }" "$want" ||
				BAD+="$id: a step of the check failed"$'\n'
			n=$((n + 1))
			;;
		esac
	done < <(bad_input_rows)
	echo "# area $1: $n checks" >&3
	if [[ -n $BAD ]]; then
		printf '%s' "$BAD" | batslib_decorate "rows of area $1 that failed" | fail
	fi
}

@test "every row of the bad-input table names its errno and a test that exists" {
	local area id input want how ref file name bad='' n=0
	local -a refs
	local -A text=()
	while IFS=$'\t' read -r area id input want how; do
		n=$((n + 1))
		[[ $area =~ ^(rw|seek|mmap|ioctl|dmabuf|control|sysfs|module|kbufctl)$ && -n $id &&
			-n $input && -n $want ]] || bad+="row $n ($id): a field is missing or unknown"$'\n'
		case $how in
		each\ * | run\ *) continue ;;
		see\ *) ;;
		*)
			bad+="$id: HOW is not each, run or see"$'\n'
			continue
			;;
		esac
		IFS='|' read -ra refs <<<"${how#see }"
		for ref in "${refs[@]}"; do
			ref=${ref# }
			ref=${ref% }
			file=${ref%%: *}
			name=${ref#*: }
			[[ -n ${text[$file]+set} ]] ||
				text[$file]=$(<"$BATS_TEST_DIRNAME/../$file")
			[[ ${text[$file]} == *"@test \"$name\" {"* ]] ||
				bad+="$id: $file has no test \"$name\""$'\n'
		done
	done < <(bad_input_rows)
	echo "# $n rows" >&3
	((n >= 200))
	[[ -z $bad ]] || {
		printf '%s' "$bad" | batslib_decorate 'bad rows' | fail
	}
	run bash -c "cut -f2 '$BAD_INPUT_TSV' | grep -v '^#' | sort | uniq -d"
	assert_output ''
}

@test "docs/bad-input.md shows the table of tests/bad-input.tsv" {
	local want got
	want=$(bad_input_markdown "$BAD_INPUT_TSV")
	got=$(grep '^|' "$BAD_INPUT_DOC")
	if [[ $got != "$want" ]]; then
		printf '%s\n' "$want" >"$KBUF_OUT/bad-input-table.md"
		fail "docs/bad-input.md is stale: the table it should hold is in $KBUF_OUT/bad-input-table.md"
	fi
}

@test "bad offsets and lengths of read and write get their errnos" {
	walk_area rw
}

@test "bad lseeks get their errnos" {
	walk_area seek
}

@test "bad mmaps get their errnos" {
	walk_area mmap
}

@test "bad ioctl values get their errnos" {
	walk_area ioctl
}

@test "bad dma-buf exports get their errnos" {
	walk_area dmabuf
}

@test "bad creates and destroys get their errnos" {
	walk_area control
}

@test "bad sysfs writes get their errnos" {
	walk_area sysfs
}

@test "bad module parameters get their errnos" {
	walk_area module
}

# Wait for the node of a buffer made without kbuf_create (no udevadm).
node_wait() {
	local i
	for ((i = 0; i < 500; i++)); do
		[[ -c $1 ]] && return 0
		sleep 0.01
	done
	fail "$1 did not appear"
}

# stale_create BACKEND: create, check zeros, dirty, destroy, many times.
stale_create() {
	local i size dev="$KBUF_DEV/st-$1"
	local -a sizes=(4096 5000 65536 12288 1 8191)
	for ((i = 0; i < STALE_CYCLES; i++)); do
		size=${sizes[(i / 2) % ${#sizes[@]}]}
		kbuf-ioctl "$KBUF_CONTROL" create "st-$1" "$1" "$size"
		node_wait "$dev"
		kbuf_fresh_zeros "st-$1" "$size" \
			"cycle $i: a fresh $1 buffer of $size bytes"
	done
	kbuf_settle
}

# stale_resize BACKEND: dirty, shrink, grow: the new bytes read as zeros.
stale_resize() {
	local i small dev="$KBUF_DEV/rs-$1"
	local -a smalls=(1 4095 4096 4097 30000)
	kbuf_create "rs-$1" "$1" 65536
	for ((i = 0; i < STALE_CYCLES; i++)); do
		small=${smalls[i % ${#smalls[@]}]}
		kbuf-io "$dev" pfill 0 65536 255 >/dev/null
		kbuf-ioctl "$dev" resize "$small"
		kbuf-ioctl "$dev" resize 65536
		kbuf-ioctl "$dev" set-length 65536
		cmp -i "$small:0" -n $((65536 - small)) "$dev" /dev/zero ||
			fail "cycle $i: $1 resized $small -> 65536 shows old bytes"
	done
	kbuf_destroy "rs-$1"
}

@test "buffers created and destroyed $STALE_CYCLES times always read as zeros" {
	grep -qw 'init_on_alloc=0' /proc/cmdline ||
		echo "# note: without init_on_alloc=0 the kernel zeroes allocations itself" >&3
	kbuf_each_backend stale_create
}

@test "buffers shrunk and grown $STALE_CYCLES times read zeros in every new byte" {
	kbuf_each_backend stale_resize
}
