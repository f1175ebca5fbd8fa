#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs on the host (tests/check.sh): the mutant generator of make mutants,
# scripts/mutants-gen.py, and the table tests/mutants.map that says which
# bats files run against the mutants of each driver file. The fixture
# tests/host/mutants/fixture.c holds a little of everything the generator
# mutates and of everything it must leave alone; fixture.tsv is the list
# it must give, reviewed by hand.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup_file() {
	TREE=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export TREE
}

setup() {
	cd "$TREE" || return
	FIX=tests/host/mutants/fixture.c
	# What make mutants mutates: driver/*.c without kbuild's kbuf.mod.c.
	mapfile -t SRCS < <(gen sources driver)
}

# A stop test interrupted (or failed) between starting its harness and
# reaping it leaves nothing running: the harness and its guest each lead
# a session of their own, out of reach of bats' own clean-up.
teardown() {
	local f pid
	for f in "$BATS_TEST_TMPDIR"/out/{harness,guest}.pid; do
		pid=$(cat "$f" 2>/dev/null) || continue
		if [[ $pid =~ ^[0-9]+$ ]]; then
			command kill -KILL -- "-$pid" 2>/dev/null || true
		fi
	done
}

gen() {
	python3 scripts/mutants-gen.py "$@"
}

# The 1-based numbers of the lines of file $1 that stdin replaces; fails
# if stdin adds or removes lines instead.
changed_lines() {
	diff --old-line-format=$'%dn\n' --new-line-format=$'+\n' \
		--unchanged-line-format= "$1" - |
		awk '/^\+$/ { added++; next } { print; removed++ }
			END { if (added != removed) { print "line count changed"; exit 1 } }'
}

@test "the fixture gives exactly the mutants of fixture.tsv" {
	run -0 gen list "$FIX"
	assert_output "$(cat tests/host/mutants/fixture.tsv)"
}

@test "each fixture mutant changes only the lines it names, and keeps the line count" {
	local id loc op want got
	gen write "$BATS_TEST_TMPDIR" "$FIX"
	while IFS=$'\t' read -r id loc op _; do
		case $id in
		fixture-008) want="39 41 46" ;;
		fixture-013) want="47 51" ;;
		fixture-017) want="65 66" ;;
		*) want=${loc##*:} ;;
		esac
		got=$(changed_lines "$FIX" <"$BATS_TEST_TMPDIR/$id.c" | paste -sd ' ')
		[[ $got == "$want" ]] || fail "$id ($op) changed lines '$got', not '$want'"
	done <tests/host/mutants/fixture.tsv
}

@test "no mutant touches a comment, a string, a preprocessor line or code outside a function" {
	local id line
	# The header comment, the #defines, static_assert and the ops table,
	# the string and character literals, the // comment, the binary minus.
	local -a kept=({1..18} 21 22 27 30)
	gen write "$BATS_TEST_TMPDIR" "$FIX"
	while IFS=$'\t' read -r id _; do
		for line in $(changed_lines "$FIX" <"$BATS_TEST_TMPDIR/$id.c"); do
			[[ " ${kept[*]} " != *" $line "* ]] ||
				fail "$id changed line $line"
		done
	done <tests/host/mutants/fixture.tsv
}

@test "-EINTR, the checks of a killable wait and a lock with no unlock are left alone" {
	run -0 gen list "$FIX"
	refute_output --partial EINTR
	refute_output --partial 'fixture.c:48'
	refute_output --partial spin_lock
}

@test "every mutant of the driver keeps its line count and changes one line, or the lines of its statement or lock pair" {
	gen write "$BATS_TEST_TMPDIR" "${SRCS[@]}"
	# One process for all of them (a diff each took half a minute).
	gen list "${SRCS[@]}" | python3 -c '
import sys
tmp = sys.argv[1]
bad = 0
for row in sys.stdin:
	mid, loc, op, _, after = row.rstrip("\n").split("\t")[:5]
	old = open(loc.split(":")[0]).read().split("\n")
	new = open(f"{tmp}/{mid}.c").read().split("\n")
	if len(old) != len(new):
		print(f"{mid}: the line count changed")
		bad = 1
		continue
	n = sum(a != b for a, b in zip(old, new))
	if op == "lock":
		ok = n >= 2
	elif after.endswith(" lines)"):
		ok = after.endswith(f"({n} lines)")
	else:
		ok = n == 1
	if not ok:
		print(f"{mid}: {n} lines changed for {after!r}")
		bad = 1
sys.exit(bad)
' "$BATS_TEST_TMPDIR"
}

@test "the list is the same every time, and a sample is a stable subset of it" {
	local full sample
	full=$(gen list "${SRCS[@]}")
	assert_equal "$(gen list "${SRCS[@]}")" "$full"
	sample=$(gen list --max 3 --seed 7 "${SRCS[@]}")
	assert_equal "$(gen list --max 3 --seed 7 "${SRCS[@]}")" "$sample"
	[[ -z $(comm -13 <(printf '%s\n' "$full" | sort) <(printf '%s\n' "$sample" | sort)) ]] ||
		fail "the sample has mutants the full list has not"
	# A file's sample does not depend on the other files listed.
	assert_equal "$(gen list --max 3 --seed 7 driver/ioctl.c)" \
		"$(printf '%s\n' "$sample" | grep '^ioctl-')"
}

@test "the sources to mutate are a directory's C files, without dot files or the kbuf.mod.c an in-tree build wrote" {
	local d=$BATS_TEST_TMPDIR/driver
	mkdir -p "$d/uapi"
	touch "$d/main.c" "$d/kbuf.mod.c" "$d/backend_pages.c" "$d/backend.c" "$d/.#main.c" \
		"$d/kbuf.h" "$d/kbuf.o" "$d/uapi/x.c"
	run -0 gen sources "$d"
	assert_output "$(printf '%s\n' "$d/backend.c" "$d/backend_pages.c" "$d/main.c")"
	((${#SRCS[@]} >= 10)) || fail "driver/ has ${#SRCS[@]} sources"
}

@test "apply of a mutant the file does not have fails" {
	run -1 gen apply driver/ioctl.c ioctl-999
	assert_output --partial 'has no mutant ioctl-999'
}

@test "the driver has at least 150 mutants, some in every file" {
	local f
	run -0 gen list "${SRCS[@]}"
	((${#lines[@]} >= 150)) || fail "only ${#lines[@]} mutants"
	for f in "${SRCS[@]}"; do
		[[ $output == *$'\t'"$f:"* ]] || fail "no mutant in $f"
	done
}

@test "tests/mutants.map has rows for every driver file, of bats files that exist, each filter choosing tests" {
	local file kind bats re f
	for f in "${SRCS[@]}"; do
		grep -q "^${f#driver/}[[:space:]]" tests/mutants.map || fail "no row for $f"
	done
	while read -r file kind bats re; do
		[[ -f driver/$file ]] || fail "no driver/$file"
		[[ $kind == any || $kind == debug ]] || fail "$file: guest '$kind'"
		[[ -f tests/$bats.bats ]] || fail "no tests/$bats.bats"
		# What bats -f matches: the test names (bats --count took a
		# second a row).
		[[ -z $re ]] || sed -n 's/^@test "\(.*\)" {$/\1/p' "tests/$bats.bats" |
			grep -qE -- "$re" || fail "'$re' chooses no test of $bats"
	done < <(grep -v -e '^#' -e '^[[:space:]]*$' tests/mutants.map)
}

# A tree for the verdict store (scripts/mutants-store.sh): driver files
# a.c and b.c, a list of three mutants, and the store's functions.
store_setup() {
	KBUF_ROOT=$BATS_TEST_TMPDIR/tree
	MUT_STORE=$KBUF_ROOT/docs/mutants-verdicts.tsv
	MUT_OUT=$BATS_TEST_TMPDIR MUT_JOINED=$BATS_TEST_TMPDIR/joined.tsv
	MUT_EQUIVALENT=$BATS_TEST_TMPDIR/equivalent
	touch "$MUT_EQUIVALENT"
	mkdir -p "$KBUF_ROOT/driver" "$KBUF_ROOT/docs"
	echo 'int a;' >"$KBUF_ROOT/driver/a.c"
	echo 'int b;' >"$KBUF_ROOT/driver/b.c"
	printf '%s\t%s\t%s\t%s\t%s\n' \
		a-001 driver/a.c:3 errno 'return -EINVAL;' 'return 0;' \
		a-002 driver/a.c:9 check 'return -EINVAL;' ';' \
		b-001 driver/b.c:4 zero 'kzalloc(n)' 'kmalloc(n)' >"$BATS_TEST_TMPDIR/list.tsv"
	# shellcheck source=../../scripts/mutants-store.sh
	. "$TREE/scripts/mutants-store.sh"
	kbuf_mut_keyed "$BATS_TEST_TMPDIR/list.tsv" >"$BATS_TEST_TMPDIR/keyed.tsv"
}

# Store the verdicts "ID VERDICT" ... of a run on kernel kind $1.
store_run() {
	local kind=$1 id v
	shift
	: >"$BATS_TEST_TMPDIR/build.tsv"
	: >"$BATS_TEST_TMPDIR/results.tsv"
	printf 'orig\tpassed\t100\t\n' >>"$BATS_TEST_TMPDIR/results.tsv"
	while (($#)); do
		id=$1 v=$2
		shift 2
		case $v in
		nobuild | same) printf '%s\t%s\n' "$id" "$v" >>"$BATS_TEST_TMPDIR/build.tsv" ;;
		*)
			printf '%s\tbuilt\n' "$id" >>"$BATS_TEST_TMPDIR/build.tsv"
			printf '%s\t%s\t7\tby %s\n' "$id" "$v" "$kind" >>"$BATS_TEST_TMPDIR/results.tsv"
			;;
		esac
	done
	kbuf_mut_fresh "$BATS_TEST_TMPDIR/keyed.tsv" "$BATS_TEST_TMPDIR/build.tsv" \
		"$BATS_TEST_TMPDIR/results.tsv" "$kind" 6.12.1 "${STORE_COMMIT:-c0ffee}" "${STORE_ROWS:-all}" |
		kbuf_mut_merge
}

@test "stored verdicts come back for the same file text and kernel kind, a new one replaces the old" {
	store_setup
	store_run 6.12 a-001 killed a-002 survived b-001 same
	store_run 6.1 a-001 survived
	run -0 kbuf_mut_stored "$BATS_TEST_TMPDIR/keyed.tsv" 6.12
	assert_output "$(printf '%s\t%s\t%s\t%s\t%s\n' \
		a-001 killed 7 'by 6.12' c0ffee \
		a-002 survived 7 'by 6.12' c0ffee \
		b-001 same '' '' c0ffee)"
	store_run 6.12 a-002 killed
	run -0 kbuf_mut_stored "$BATS_TEST_TMPDIR/keyed.tsv" 6.12
	assert_line -n 1 "$(printf 'a-002\tkilled\t7\tby 6.12\tc0ffee')"
	assert_equal "${#lines[@]}" 3
	run -0 kbuf_mut_stored "$BATS_TEST_TMPDIR/keyed.tsv" 6.1
	assert_output "$(printf 'a-001\tsurvived\t7\tby 6.1\tc0ffee')"
	assert_equal "$(wc -l <"$MUT_STORE")" 4
}

@test "a changed driver file's verdicts are not used, and go at the next save; the other file's stay" {
	store_setup
	store_run 6.12 a-001 killed b-001 killed
	echo 'int a2;' >"$KBUF_ROOT/driver/a.c"
	kbuf_mut_keyed "$BATS_TEST_TMPDIR/list.tsv" >"$BATS_TEST_TMPDIR/keyed.tsv"
	run -0 kbuf_mut_stored "$BATS_TEST_TMPDIR/keyed.tsv" 6.12
	assert_output "$(printf 'b-001\tkilled\t7\tby 6.12\tc0ffee')"
	assert_equal "$(wc -l <"$MUT_STORE")" 2
	store_run 6.12 a-002 survived
	run -0 cut -f2,4,8 "$MUT_STORE"
	assert_output "$(printf '%s\t%s\t%s\n' driver/a.c:9 a-002 survived driver/b.c:4 b-001 killed)"
}

@test "a stored verdict is used only for the same change at the same line, whatever its id is today" {
	store_setup
	store_run 6.12 a-001 killed
	# The same change on another line (a generator that numbers anew).
	sed -i 's/driver\/a.c:3/driver\/a.c:4/' "$BATS_TEST_TMPDIR/list.tsv"
	kbuf_mut_keyed "$BATS_TEST_TMPDIR/list.tsv" >"$BATS_TEST_TMPDIR/keyed.tsv"
	run -0 kbuf_mut_stored "$BATS_TEST_TMPDIR/keyed.tsv" 6.12
	assert_output ''
	# Another change at the same line.
	sed -i 's/driver\/a.c:4/driver\/a.c:3/; s/return 0;/return 1;/' "$BATS_TEST_TMPDIR/list.tsv"
	kbuf_mut_keyed "$BATS_TEST_TMPDIR/list.tsv" >"$BATS_TEST_TMPDIR/keyed.tsv"
	run -0 kbuf_mut_stored "$BATS_TEST_TMPDIR/keyed.tsv" 6.12
	assert_output ''
	# Another line before.
	sed -i 's/return 1;/return 0;/; s/return -EINVAL;\treturn 0;/return -ENOMEM;\treturn 0;/' \
		"$BATS_TEST_TMPDIR/list.tsv"
	kbuf_mut_keyed "$BATS_TEST_TMPDIR/list.tsv" >"$BATS_TEST_TMPDIR/keyed.tsv"
	run -0 kbuf_mut_stored "$BATS_TEST_TMPDIR/keyed.tsv" 6.12
	assert_output ''
	# The same place and change under another id: today's id.
	sed -i 's/return -ENOMEM;\treturn 0;/return -EINVAL;\treturn 0;/; s/^a-001/a-007/' \
		"$BATS_TEST_TMPDIR/list.tsv"
	kbuf_mut_keyed "$BATS_TEST_TMPDIR/list.tsv" >"$BATS_TEST_TMPDIR/keyed.tsv"
	run -0 kbuf_mut_stored "$BATS_TEST_TMPDIR/keyed.tsv" 6.12
	assert_output "$(printf 'a-007\tkilled\t7\tby 6.12\tc0ffee')"
}

@test "a change to a driver header or to Kbuild takes every stored verdict out" {
	local f
	for f in kbuf.h uapi/linux/kbuf.h Kbuild; do
		store_setup
		rm -f "$MUT_STORE"
		store_run 6.12 a-001 killed b-001 killed
		mkdir -p "$(dirname "$KBUF_ROOT/driver/$f")"
		echo '/* new */' >>"$KBUF_ROOT/driver/$f"
		kbuf_mut_keyed "$BATS_TEST_TMPDIR/list.tsv" >"$BATS_TEST_TMPDIR/keyed.tsv"
		run -0 kbuf_mut_stored "$BATS_TEST_TMPDIR/keyed.tsv" 6.12
		[[ -z $output ]] || fail "after a change to driver/$f: $output"
		rm -rf "$KBUF_ROOT"
	done
}

@test "a save drops what the tree's text is no longer, read at the save, not at the run's start" {
	store_setup
	# A run starts on the first text of a.c and keys its list then ...
	cp "$BATS_TEST_TMPDIR/keyed.tsv" "$BATS_TEST_TMPDIR/keyed-old.tsv"
	# ... a.c changes, and another run stores a verdict for the new text.
	echo 'int a2;' >"$KBUF_ROOT/driver/a.c"
	kbuf_mut_keyed "$BATS_TEST_TMPDIR/list.tsv" >"$BATS_TEST_TMPDIR/keyed.tsv"
	store_run 6.12 a-002 survived
	# The first run saves its verdicts of the old text at its end.
	cp "$BATS_TEST_TMPDIR/keyed-old.tsv" "$BATS_TEST_TMPDIR/keyed.tsv"
	store_run 6.12 a-001 killed b-001 killed
	run -0 cut -f2,4,8 "$MUT_STORE"
	assert_output "$(printf '%s\t%s\t%s\n' driver/a.c:9 a-002 survived driver/b.c:4 b-001 killed)"
}

@test "a merge that fails on the way leaves the store as it was, and says so" {
	local before
	store_setup
	store_run 6.12 a-001 killed b-001 killed
	before=$(cat "$MUT_STORE")
	kbuf_mut_sums() { return 1; }
	run -1 store_run 6.12 a-002 survived
	assert_equal "$(cat "$MUT_STORE")" "$before"
	[[ -z $(find "$KBUF_ROOT/docs" -name 'mutants-verdicts.tsv?*') ]] || fail "left: $(ls "$KBUF_ROOT/docs")"
}

@test "what runs again: KBUF_MUTANTS_RERUN and KBUF_MUTANTS_IDS" {
	store_setup
	kbuf_mut_flavour() { echo 6.12; }
	kbuf_die() {
		echo "error: $*"
		exit 1
	}
	store_run 6.12 a-001 killed a-002 survived b-001 killed
	awk -F '\t' -v OFS='\t' '$4 == "a-001" { $10 = "not ok 1 x" }
		$4 == "b-001" { $10 = "guest hung: no test ended" } { print }' \
		"$MUT_STORE" >"$MUT_STORE.new"
	mv "$MUT_STORE.new" "$MUT_STORE"
	run -0 kbuf_mut_reuse
	assert_equal "$(cut -f1,2 <<<"$output" | paste -sd ' ')" \
		"$(printf 'a-001\tkilled a-002\tsurvived b-001\tkilled')"
	KBUF_MUTANTS_RERUN=survived run -0 kbuf_mut_reuse
	assert_output "$(printf 'a-001\tkilled\t7\tnot ok 1 x\tc0ffee')"
	KBUF_MUTANTS_RERUN=all run -0 kbuf_mut_reuse
	assert_output ''
	KBUF_MUTANTS_IDS=a-001 run -0 kbuf_mut_reuse
	assert_output ''
	KBUF_MUTANTS_RERUN=some run -1 kbuf_mut_reuse
	assert_output 'error: KBUF_MUTANTS_RERUN=some: none, survived or all'
}

# shellcheck disable=SC2016 # the table's backquotes are Markdown
@test "the report's table of every mutant keeps its columns when a field is empty" {
	store_setup
	store_run 6.12 a-001 survived b-001 same
	store_run 6.1-kasan b-001 killed
	# shellcheck source=../../scripts/mutants-report.sh
	. "$TREE/scripts/mutants-report.sh"
	cp "$BATS_TEST_TMPDIR/keyed.tsv" "$BATS_TEST_TMPDIR/all.tsv"
	kbuf_mut_flavour() { echo 6.12; }
	kbuf_mut_joined >"$MUT_JOINED"
	run -0 kbuf_mut_table_all
	assert_line -n 0 '| a-001 | driver/a.c:3 | errno | `return -EINVAL;` → `return 0;` | survived | 7 | by 6.12 | c0ffee | - |'
	assert_line -n 1 '| a-002 | driver/a.c:9 | check | `return -EINVAL;` → `;` | not run yet | - | - | - | - |'
	# A debug kill does not count for a mutant built the same here.
	assert_line -n 2 '| b-001 | driver/b.c:4 | zero | `kzalloc(n)` → `kmalloc(n)` | same | - | - | c0ffee | killed in 6.1-kasan |'
}

@test "a run stopped before its list is made saves nothing, and ends with its own status" {
	local out=$BATS_TEST_TMPDIR/out store=$BATS_TEST_TMPDIR/store.tsv
	# An earlier run's files, as a finished run leaves them.
	mkdir -p "$out"
	gen list driver/ioctl.c >"$out/all-list.tsv"
	head -n 2 "$out/all-list.tsv" >"$out/list.tsv"
	store_setup
	KBUF_ROOT=$TREE kbuf_mut_keyed "$out/list.tsv" >"$out/keyed.tsv"
	cp "$out/keyed.tsv" "$out/all.tsv"
	cut -f1 "$out/list.tsv" | sed 's/$/\tbuilt/' >"$out/build.tsv"
	cut -f1 "$out/list.tsv" | sed 's/$/\tkilled\t9\tx/' >"$out/results.tsv"
	run -1 env KBUF_MUTANTS_KERNEL=6.1 KBUF_MUTANTS_IDS=ioctl-0001 KBUF_SKIP_DEPS=1 \
		KBUF_MUTANTS_OUT="$out" KBUF_MUTANTS_STORE="$store" bash scripts/mutants.sh
	assert_output --partial 'no mutant to run'
	[[ ! -s $store ]] || fail "the store has: $(cat "$store")"
}

# The command that runs a harness that sources mutants.sh without what
# would make it act on another tree or another selection of mutants than
# the test's. An array, not a function: "${HARNESS_ENV[@]}" ... & makes
# $! the harness itself (a function in the background would be a subshell
# of its own, and a signal sent to $! would miss the harness).
HARNESS_ENV=(env -u KBUF_ROOT -u KBUF_OUTROOT -u KBUF_MUTANTS_IDS -u KBUF_MUTANTS_MAX
	-u KBUF_MUTANTS_SEED -u KBUF_MUTANTS_RERUN -u KBUF_MUTANTS_FILES -u KBUF_MUTANTS_ROWS)

# A run that ends while its guest runs: stopping make's process group
# sends the script two SIGTERMs (make passes its own on), a hangup two
# SIGHUPs; a run can also end by itself and be stopped while it saves.
# The signal comes while kbuf_mut_on_exit is stopping the guest: here
# that step waits on fifo "go" (a kill that takes long) until the test
# has sent it, so the test does not depend on timing. The harness gets
# out dir $2 and store $3, and ends by itself with status 3 if $4 is
# "exit", else waits for its guest.
stop_harness() {
	cat >"$BATS_TEST_TMPDIR/stop.sh" <<'HARNESS'
. "$1/scripts/mutants.sh"
MUT_OUT=$2 MUT_GUEST=$2/guest MUT_STORE=$3
KVER_RELEASE=6.1.0-test MUT_COMMIT=c0ffee MUT_READY=1
kill() {
	touch "$MUT_OUT/stopping"
	timeout 30 cat "$MUT_OUT/go" >/dev/null || true
	command kill "$@"
}
kbuf_mut_traps
setsid sleep 150 &
MUT_BOOT_PGID=$!
echo "$!" >"$MUT_OUT/guest.pid.new"
mv "$MUT_OUT/guest.pid.new" "$MUT_OUT/guest.pid"
[[ $4 != exit ]] || exit 3
wait "$MUT_BOOT_PGID"
HARNESS
}

# Wait up to 10 s for file $1.
wait_file() {
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -e $1 ]] && return
		sleep 0.1
	done
	return 1
}

# Start the harness (how it ends: $1), send it signal $2 unless it ends
# by itself, then signal $3 while its exit handler is stopping the guest.
# Prints its exit status; fails if the guest is left running. Its two
# mutants are the first of ioctl.c, or of driver file STOP_FILE. Array
# STOP_ENV, if set, adds "NAME=VALUE"s to the harness's environment. The
# harness starts with INT, TERM and HUP at their defaults: a shell cannot
# trap a signal it was started ignoring, and a background job starts
# with INT ignored, a job under nohup (as CI may run us) with HUP
# ignored. Every wait is bounded: a harness that does not end fails the
# test in about two minutes, and teardown ends whatever is left.
stop_run() {
	local out=$BATS_TEST_TMPDIR/out pid rc=0 guest
	rm -rf "$out"
	mkdir -p "$out/guest"
	gen list "driver/${STOP_FILE:-ioctl.c}" >"$out/all.tsv"
	head -n 2 "$out/all.tsv" >"$out/list.tsv"
	# shellcheck source=../../scripts/mutants-store.sh
	. "$TREE/scripts/mutants-store.sh"
	# shellcheck source=../vm/lib.sh
	. "$TREE/tests/vm/lib.sh"
	KBUF_ROOT=$TREE kbuf_mut_keyed "$out/list.tsv" >"$out/keyed.tsv"
	cut -f1 "$out/list.tsv" | sed 's/$/\tbuilt/' >"$out/build.tsv"
	# One verdict from an earlier guest, one from the guest now running.
	head -n 1 "$out/list.tsv" | cut -f1 | sed 's/$/\tkilled\t9\tx/' >"$out/results.tsv"
	tail -n 1 "$out/list.tsv" | cut -f1 | sed 's/$/\tsurvived\t8\t/' >"$out/guest/results.tsv"
	mkfifo "$out/go"
	stop_harness
	"${HARNESS_ENV[@]}" --default-signal=INT,TERM,HUP KBUF_MUTANTS_KERNEL=6.1 "${STOP_ENV[@]}" \
		setsid bash "$BATS_TEST_TMPDIR/stop.sh" "$TREE" "$out" "$BATS_TEST_TMPDIR/store.tsv" "$1" 2>"$out/stderr" 3>&- &
	pid=$!
	echo "$pid" >"$out/harness.pid"
	wait_file "$out/guest.pid" || echo "the harness did not start its guest"
	guest=$(cat "$out/guest.pid")
	[[ $1 == exit ]] || kill "-$2" "$pid"
	wait_file "$out/stopping" || echo "kbuf_mut_on_exit did not start"
	kill "-$3" "$pid" 2>/dev/null
	# The handler may be gone already: then nobody reads the fifo.
	# shellcheck disable=SC2016 # $1 is the inner shell's
	timeout 10 bash -c 'echo go >"$1"' _ "$out/go" || true
	if ! kbuf_pid_wait "$pid" 60; then
		echo "the harness did not end"
		command kill -KILL -- "-$pid"
	fi
	wait "$pid" || rc=$?
	if kbuf_pid_alive "$guest"; then
		echo "the guest was left running"
		command kill -KILL "$guest"
	fi
	echo "status $rc"
}

@test "a run stopped twice while its guest runs stops the guest, saves its verdicts and the guest's, and ends with its signal's status" {
	local how first second code
	for how in "TERM TERM 130" "HUP HUP 129" "INT INT 130" "INT TERM 130"; do
		read -r first second code <<<"$how"
		run -0 stop_run signal "$first" "$second"
		assert_output "status $code"
		run -0 cut -f 4,8 "$BATS_TEST_TMPDIR/store.tsv"
		assert_output "$(printf '%s\t%s\n' ioctl-001 killed ioctl-002 survived)"
		rm "$BATS_TEST_TMPDIR/store.tsv"
	done
}

@test "a run of the debug rows only saves its survivor as such" {
	# buffer.c has debug rows (ioctl.c's mutants would not run).
	local -a STOP_ENV=(KBUF_MUTANTS_KERNEL=6.1-kasan KBUF_MUTANTS_ROWS=debug)
	local STOP_FILE=buffer.c
	run -0 stop_run exit - TERM
	assert_output "status 3"
	run -0 cut -f 1,4,8,10 "$BATS_TEST_TMPDIR/store.tsv"
	assert_output "$(printf '%s\t%s\t%s\t%s\n' 6.1-kasan buffer-001 killed x \
		6.1-kasan buffer-002 survived 'debug rows only')"
}

@test "a run that ends by itself and is stopped while it saves keeps its status and saves" {
	run -0 stop_run exit - TERM
	assert_output "status 3"
	run -0 cut -f 4,8 "$BATS_TEST_TMPDIR/store.tsv"
	assert_output "$(printf '%s\t%s\n' ioctl-001 killed ioctl-002 survived)"
}

# Run mutants.sh's guest half on the host for a queue of the baseline
# and mutants a-001 and a-002, lockdep's debug_locks $1 at the start and
# $2 once a-001's kmemleak scan is done ("-": no stats file, "": a file
# without the line); during that scan the kernel logs line $3, if any.
# With BETWEEN set, debug_locks becomes that after the verdict of
# AFTER_ID (default a-001); FAILED is what a-001's tests report; with
# FILL, that many lines follow line $3, and with WRAP the log's first
# line then goes (a log that wrapped); TAKEN seeds taken-back.txt. The
# tests, the module, kmemleak (which names each mutant it scans after in
# $KBUF_OUT/scanned) and the log (a file that starts as the line "LOG")
# are stubbed.
guest_lockdep() {
	local out=$BATS_TEST_TMPDIR/guest
	rm -rf "$out"
	mkdir -p "$out/tap"
	printf '%s\ta.ko\t10-load\n' orig a-001 a-002 >"$out/queue.tsv"
	echo LOG >"$out/log"
	[[ -z ${TAKEN:-} ]] || echo "$TAKEN" >"$out/taken-back.txt"
	# shellcheck disable=SC2016 # the inner shell expands them
	KBUF_OUT=$out MUT_LOCKDEP_STATS=$out/stats bash -c '
		. "$1/scripts/mutants-guest.sh"
		stats() {
			case $1 in
			-) rm -f "$MUT_LOCKDEP_STATS" ;;
			"") echo " chain lookup misses: 1" >"$MUT_LOCKDEP_STATS" ;;
			*) printf " debug_locks:                   %11u\n" "$1" >"$MUT_LOCKDEP_STATS" ;;
			esac
		}
		current() { cut -d " " -f 1 "$KBUF_OUT/current"; }
		dmesg() { cat "$KBUF_OUT/log"; }
		kbuf_ko_in_memory() { echo "$1"; }
		kbuf_mut_run_specs() {
			[[ $(current) != a-001 ]] || printf "%s" "${FAILED:-}"
		}
		kbuf_mut_cleanup() { :; }
		kbuf_mut_kmemleak() {
			current >>"$KBUF_OUT/scanned"
			[[ $(current) == a-001 ]] || return 0
			stats "$AFTER"
			[[ -z $PROBLEM ]] || echo "$PROBLEM" >>"$KBUF_OUT/log"
			seq "${FILL:-0}" >>"$KBUF_OUT/log"
			[[ -z ${WRAP:-} ]] || sed -i 1d "$KBUF_OUT/log"
		}
		eval "$(declare -f kbuf_mut_record | sed "1s/kbuf_mut_record/kbuf_mut_record_real/")"
		kbuf_mut_record() {
			kbuf_mut_record_real "$@"
			[[ $1 != "${AFTER_ID:-a-001}" || -z ${BETWEEN+set} ]] || stats "$BETWEEN"
		}
		AFTER=$3 PROBLEM=${4:-}
		stats "$2"
		main' _ "$TREE" "$@"
}

@test "a mutant after which lockdep is off is killed, and its guest powers off" {
	local off
	for off in 0 - ''; do
		run -0 guest_lockdep 1 "$off"
		assert_line "mutant orig: passed"
		assert_line "mutant a-001: killed (lockdep turned itself off)"
		assert_line "guest: a-001 left the kernel unclean: powering off for a fresh one"
		refute_line --partial "mutant a-002"
	done
	# The report that turned it off is the reason given.
	run -0 guest_lockdep 1 0 "WARNING: possible circular locking dependency detected"
	assert_line "mutant a-001: killed (WARNING: possible circular locking dependency detected)"
	refute_line --partial "mutant a-002"
	run -0 guest_lockdep 1 1
	assert_line "mutant a-001: survived"
	assert_line "mutant a-002: survived"
	# Off from boot, or unreadable: no verdict; without lockdep: nothing
	# to tell.
	local f=$BATS_TEST_TMPDIR/guest/lockdep-off-before-orig.txt
	run -0 guest_lockdep 0 0
	assert_output "guest: lockdep is off (0) before orig: powering off for a fresh kernel (log: $f)"
	run -0 cat "$f"
	assert_output LOG
	run -0 guest_lockdep '' ''
	assert_output "guest: lockdep is off (?) before orig: powering off for a fresh kernel (log: $f)"
	run -0 guest_lockdep - -
	assert_line "mutant a-001: survived"
	assert_line "mutant a-002: survived"
}

@test "lockdep off between two mutants takes back the first's survival and keeps the log" {
	local f=$BATS_TEST_TMPDIR/guest/lockdep-off-before-a-002.txt
	BETWEEN=0 run -0 guest_lockdep 1 1
	assert_line "mutant a-001: survived"
	assert_line "guest: a-001's survival taken back: it runs again"
	assert_line "guest: lockdep is off (0) before a-002, after a-001: powering off for a fresh kernel (log: $f)"
	refute_line --partial "mutant a-002"
	run -0 cut -f 1,2 "$BATS_TEST_TMPDIR/guest/results.tsv"
	assert_output "$(printf 'orig\tpassed')"
	run -0 cat "$f"
	assert_output LOG
	run -0 cat "$BATS_TEST_TMPDIR/guest/taken-back.txt"
	assert_output a-001
	# A kill stands, and so does the baseline's pass.
	BETWEEN=0 FAILED="not ok 1 x" run -0 guest_lockdep 1 1
	refute_line --partial "taken back"
	run -0 cut -f 1,2 "$BATS_TEST_TMPDIR/guest/results.tsv"
	assert_output "$(printf 'orig\tpassed\na-001\tkilled')"
	AFTER_ID=orig BETWEEN=0 run -0 guest_lockdep 1 1
	assert_output --partial "guest: lockdep is off (0) before a-001, after orig:"
	refute_line --partial "taken back"
	run -0 cut -f 1,2 "$BATS_TEST_TMPDIR/guest/results.tsv"
	assert_output "$(printf 'orig\tpassed')"
	# Taken back once already, in an earlier guest: killed.
	TAKEN=a-001 BETWEEN=0 run -0 guest_lockdep 1 1
	refute_line --partial "taken back"
	run -0 cut -f 1,2,4 "$BATS_TEST_TMPDIR/guest/results.tsv"
	assert_output "$(printf 'orig\tpassed\t\na-001\tkilled\tlockdep turned itself off after it, in two guests')"
}

@test "lockdep's tables filling up gives no verdict, whatever failed after, unless a task held too many locks" {
	local full="BUG: MAX_STACK_TRACE_ENTRIES too low!"
	run -0 guest_lockdep 1 0 "$full"
	assert_line "guest: no verdict for a-001: lockdep's tables filled up ($full)"
	refute_line --regexp "^mutant a-001: (killed|survived)"
	refute_line --partial "mutant a-002"
	# The bats file's own log check fails on that line.
	FAILED="not ok 3 teardown_file failed" run -0 guest_lockdep 1 0 "$full"
	assert_line "guest: no verdict for a-001: lockdep's tables filled up (not ok 3 teardown_file failed)"
	refute_line --regexp "^mutant a-001: (killed|survived)"
	run -0 guest_lockdep 1 0 "BUG: MAX_LOCK_DEPTH too low!"
	assert_line "mutant a-001: killed (BUG: MAX_LOCK_DEPTH too low!)"
	# A log that has wrapped, and a long one after the line (a reader
	# that stops at the match must not break the pipe).
	local i
	for i in 1 2 3 4 5; do
		FAILED="not ok 3 teardown_file failed" WRAP=1 FILL=40000 \
			run -0 guest_lockdep 1 0 "$full"
		assert_line "guest: no verdict for a-001: lockdep's tables filled up (not ok 3 teardown_file failed)"
	done
}

@test "kmemleak scans after every mutant, a killed one too" {
	FAILED="not ok 1 x" run -0 guest_lockdep 1 1
	assert_line "mutant a-001: killed (not ok 1 x)"
	assert_line "mutant a-002: survived"
	run -0 cat "$BATS_TEST_TMPDIR/guest/scanned"
	assert_output "$(printf 'orig\na-001\na-002')"
}

# kbuf_mut_kernel_problems on a log of one line, to which $1 (if any) is
# added while kmemleak waits, and which has a leak.
kernel_problems() {
	local log=$BATS_TEST_TMPDIR/log
	echo "kbuf: loaded" >"$log"
	# shellcheck disable=SC2016 # the inner shell expands them
	KBUF_OUT=$BATS_TEST_TMPDIR LOGF=$log LATE=${1:-} bash -c '
		. "$1/scripts/mutants-guest.sh"
		dmesg() { cat "$LOGF"; }
		kbuf_mut_kmemleak() {
			[[ -z $LATE ]] || echo "$LATE" >>"$LOGF"
			echo "kmemleak: unreferenced object 0xffff8880 (size 64):"
		}
		kbuf_mut_kernel_problems 1' _ "$TREE"
}

@test "a report printed during kmemleak's wait is the reason given, before the leak" {
	run -0 kernel_problems "WARNING: CPU: 0 PID: 1 at kbuf_late+0x1/0x2 [kbuf]"
	assert_output "WARNING: CPU: 0 PID: 1 at kbuf_late+0x1/0x2 [kbuf]"
	run -0 kernel_problems
	assert_output "kmemleak: unreferenced object 0xffff8880 (size 64):"
}

@test "every line of tests/mutants.equivalent names a mutant of today's driver, with a reason" {
	local id file before after why n=0
	gen list "${SRCS[@]}" >"$BATS_TEST_TMPDIR/list.tsv"
	while IFS=$'\t' read -r id file before after why; do
		[[ -n $id && $id != '#'* ]] || continue
		[[ -n $why && $why != *$'\t'* ]] || fail "$id: no reason, or a tab in it"
		awk -F '\t' -v id="$id" -v f="$file" -v b="$before" -v a="$after" '
			$1 == id && index($2, f ":") == 1 && $4 == b && $5 == a { ok = 1 }
			END { exit !ok }' "$BATS_TEST_TMPDIR/list.tsv" ||
			fail "$id ($file: '$before' -> '$after') is not a mutant of today's driver"
		n=$((n + 1))
	done <tests/mutants.equivalent
	((n > 0)) || fail "no line read"
}

@test "an equivalent survivor is left out of the score and shown with its reason" {
	store_setup
	store_run 6.12 a-001 survived a-002 survived b-001 killed
	printf 'a-001\tdriver/a.c\treturn -EINVAL;\treturn 0;\tno test can tell\n' \
		>"$BATS_TEST_TMPDIR/equivalent"
	# The same id with another change does not apply.
	printf 'a-002\tdriver/a.c\treturn -EINVAL;\treturn 0;\twrong\n' \
		>>"$BATS_TEST_TMPDIR/equivalent"
	# shellcheck source=../../scripts/mutants-report.sh
	. "$TREE/scripts/mutants-report.sh"
	cp "$BATS_TEST_TMPDIR/keyed.tsv" "$BATS_TEST_TMPDIR/all.tsv"
	kbuf_mut_flavour() { echo 6.12; }
	run -0 kbuf_mut_joined
	assert_equal "$(cut -f1,6,8 <<<"$output")" "$(printf '%s\t%s\t%s\n' \
		a-001 equivalent 'no test can tell' a-002 survived 'by 6.12' b-001 killed 'by 6.12')"
}

@test "a survivor a debug kernel kills is killed; the kind's own verdict is kept beside it" {
	store_setup
	store_run 6.12 a-001 survived a-002 survived
	store_run 6.1-kasan a-001 killed b-001 survived
	store_run 6.12-kcsan a-001 killed a-002 survived
	STORE_ROWS=debug store_run 6.1-kasan a-002 survived
	# shellcheck source=../../scripts/mutants-report.sh
	. "$TREE/scripts/mutants-report.sh"
	cp "$BATS_TEST_TMPDIR/keyed.tsv" "$BATS_TEST_TMPDIR/all.tsv"
	kbuf_mut_flavour() { echo 6.12; }
	run -0 kbuf_mut_joined
	# The column names every debug kind that gave the verdict, each as
	# it ran; a kill shows the last kind's reason.
	assert_equal "$(cut -f1,6,8,10,11 <<<"$output")" "$(printf '%s\t%s\t%s\t%s\t%s\n' \
		a-001 killed '6.12-kcsan: by 6.12-kcsan' survived 'killed in 6.1-kasan and 6.12-kcsan' \
		a-002 survived 'by 6.12' survived \
		'survived in 6.1-kasan (debug rows only) and 6.12-kcsan' \
		b-001 notrun - notrun 'survived in 6.1-kasan')"
	# A debug kind's own report counts the other debug kinds, not itself.
	kbuf_mut_flavour() { echo 6.1-kasan; }
	run -0 kbuf_mut_debug_kinds
	assert_output 6.12-kcsan
}

@test "a survivor of the debug rows only is stored as such, and a run of all the rows runs it again" {
	store_setup
	kbuf_mut_flavour() { echo 6.1-kasan; }
	kbuf_die() {
		echo "error: $*"
		exit 1
	}
	STORE_ROWS=debug store_run 6.1-kasan a-001 killed a-002 survived b-001 nobuild
	run -0 kbuf_mut_stored "$BATS_TEST_TMPDIR/keyed.tsv" 6.1-kasan
	assert_output "$(printf '%s\t%s\t%s\t%s\t%s\n' \
		a-001 killed 7 'by 6.1-kasan' c0ffee \
		a-002 survived 7 'debug rows only' c0ffee \
		b-001 nobuild '' '' c0ffee)"
	KBUF_MUTANTS_ROWS=debug run -0 kbuf_mut_reuse
	assert_equal "$(cut -f1 <<<"$output" | paste -sd ' ')" 'a-001 a-002 b-001'
	run -0 kbuf_mut_reuse
	assert_equal "$(cut -f1 <<<"$output" | paste -sd ' ')" 'a-001 b-001'
	# The report tells it from a survival of all the rows.
	store_run 6.12 a-002 survived
	# shellcheck source=../../scripts/mutants-report.sh
	. "$TREE/scripts/mutants-report.sh"
	cp "$BATS_TEST_TMPDIR/keyed.tsv" "$BATS_TEST_TMPDIR/all.tsv"
	kbuf_mut_flavour() { echo 6.12; }
	run -0 kbuf_mut_joined
	assert_line --regexp "^a-002	.*	survived	survived in 6.1-kasan \\(debug rows only\\)\$"
	kbuf_mut_flavour() { echo 6.1-kasan; }
	# A run of all the rows replaces it; a survival of the debug rows only
	# never replaces a verdict of all the rows.
	store_run 6.1-kasan a-002 survived
	run -0 kbuf_mut_reuse
	assert_equal "$(cut -f1 <<<"$output" | paste -sd ' ')" 'a-001 a-002 b-001'
	STORE_ROWS=debug store_run 6.1-kasan a-001 survived a-002 survived
	run -0 kbuf_mut_stored "$BATS_TEST_TMPDIR/keyed.tsv" 6.1-kasan
	assert_line -n 0 "$(printf 'a-001\tkilled\t7\tby 6.1-kasan\tc0ffee')"
	assert_line -n 1 "$(printf 'a-002\tsurvived\t7\tby 6.1-kasan\tc0ffee')"
	run -1 kbuf_mut_fresh "$BATS_TEST_TMPDIR/keyed.tsv" "$BATS_TEST_TMPDIR/build.tsv" \
		"$BATS_TEST_TMPDIR/results.tsv" 6.1-kasan 6.1.1 c0ffee some
	assert_output "error: kbuf_mut_fresh: rows all or debug, not 'some'"
}

@test "a survival of the debug rows only replaces one of the same kind, and no verdict of another kind" {
	store_setup
	STORE_ROWS=debug store_run 6.1-kasan a-001 survived
	STORE_COMMIT=beef STORE_ROWS=debug store_run 6.1-kasan a-001 survived
	store_run 6.12-kasan a-002 killed
	STORE_ROWS=debug store_run 6.1-kasan a-002 survived
	run -0 kbuf_mut_stored "$BATS_TEST_TMPDIR/keyed.tsv" 6.1-kasan
	assert_output "$(printf '%s\t%s\t%s\t%s\t%s\n' \
		a-001 survived 7 'debug rows only' beef \
		a-002 survived 7 'debug rows only' c0ffee)"
	run -0 kbuf_mut_stored "$BATS_TEST_TMPDIR/keyed.tsv" 6.12-kasan
	assert_output "$(printf 'a-002\tkilled\t7\tby 6.12-kasan\tc0ffee')"
}

@test "a debug kernel runs only what a stock kernel let survive, unless ids are given" {
	store_setup
	store_run 6.12 a-001 survived a-002 killed
	store_run 6.1 a-002 survived
	store_run 6.1-kasan b-001 survived
	kbuf_mut_kind() { echo debug; }
	run -0 kbuf_mut_debug_skip
	assert_output "$(printf 'b-001\tstock')"
	KBUF_MUTANTS_IDS=b-001 run -0 kbuf_mut_debug_skip
	assert_output ""
	kbuf_mut_kind() { echo stock; }
	run -0 kbuf_mut_debug_skip
	assert_output ""
}

# Store lines of kind $1 for today's mutants "ID VERDICT"... of the tree.
tree_verdicts() {
	local kind=$1
	shift
	(
		KBUF_ROOT=$TREE
		# shellcheck source=../../scripts/mutants-store.sh
		. "$TREE/scripts/mutants-store.sh"
		gen list driver/buffer.c driver/dmabuf.c driver/ioctl.c >"$BATS_TEST_TMPDIR/tree-list.tsv"
		kbuf_mut_keyed "$BATS_TEST_TMPDIR/tree-list.tsv"
	) | awk -F '\t' -v OFS='\t' -v kind="$kind" -v pairs="$*" '
		BEGIN { n = split(pairs, p, " "); for (i = 1; i < n; i += 2) v[p[i]] = p[i + 1] }
		$1 in v { print kind, $2, $6, $1, $3, $4, $5, v[$1], 9, "x", "r", "c" }'
}

# The wiring of a debug run, by mutants.sh's own functions, up to the
# guest's queue. No kernel tree is given: a mutant it tried to build
# would end the run.
# Run mutants.sh's own functions for a debug run of buffer.c, up to the
# guest's queue, with the environment "NAME=VALUE"... given, against a
# store where 6.12 killed buffer-001 and -002 and let -006, -007 and
# ioctl-001 survive.
debug_queue() {
	local out=$BATS_TEST_TMPDIR/out store=$BATS_TEST_TMPDIR/store.tsv
	mkdir -p "$out"
	tree_verdicts 6.12 buffer-001 killed buffer-002 killed \
		buffer-006 survived buffer-007 survived ioctl-001 survived >"$store"
	cat >"$BATS_TEST_TMPDIR/debug.sh" <<'HARNESS'
. "$1/scripts/mutants.sh"
MUT_OUT=$2 MUT_GUEST=$2/guest MUT_STORE=$3 KVER_RELEASE=6.1.192-test KDIR=
kbuf_mut_prepare
# Builds an earlier run left: buffer-002's from before 6.12 killed it.
printf '%s\tbuilt\n' buffer-002 buffer-006 buffer-007 >"$MUT_OUT/build.tsv"
kbuf_mut_build_all
kbuf_mut_queue_some
HARNESS
	"${HARNESS_ENV[@]}" KBUF_MUTANTS_FILES=buffer.c KBUF_SKIP_DEPS=1 "$@" \
		bash "$BATS_TEST_TMPDIR/debug.sh" "$TREE" "$out" "$store"
}

@test "a debug run neither builds nor queues what no stock kernel let survive, and queues its own rows first" {
	run -0 debug_queue KBUF_MUTANTS_KERNEL=6.1-kasan
	# Every mutant of buffer.c but the two stock survivors.
	assert_line "mutants: $(($(gen list driver/buffer.c | wc -l) - 2)) not let through by a stock kernel yet: not run in a debug one"
	assert_line --regexp '^mutants: built 0 mutants in [0-9.]+ s \( +3 built\)$'
	run -0 cut -f 1,3,4 "$BATS_TEST_TMPDIR/out/guest/queue.tsv"
	assert_output "$(printf '%s\t91-fault=create|resize\t50-ioctl\n' orig buffer-006 buffer-007)"
}

@test "KBUF_MUTANTS_ROWS=debug queues only the map's debug rows, only in a KASAN kernel, and not a file without one" {
	run -0 debug_queue KBUF_MUTANTS_KERNEL=6.1-kasan KBUF_MUTANTS_ROWS=debug \
		KBUF_MUTANTS_FILES="buffer.c ioctl.c"
	assert_line 'mutants: 1 in files with no debug row in tests/mutants.map: not run (KBUF_MUTANTS_ROWS=debug)'
	run -0 cat "$BATS_TEST_TMPDIR/out/guest/queue.tsv"
	assert_output "$(printf '%s\t%s\t91-fault=create|resize\n' \
		orig "$BATS_TEST_TMPDIR/out/ko/orig.ko" \
		buffer-006 "$BATS_TEST_TMPDIR/out/ko/buffer-006.ko" \
		buffer-007 "$BATS_TEST_TMPDIR/out/ko/buffer-007.ko")"
	# What a resumed run must match: not the results of all the rows.
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out/kernel")" '6.1.192-test rows=debug'
	local kernel
	for kernel in 6.12 6.12-kcsan; do
		run -1 debug_queue KBUF_MUTANTS_KERNEL=$kernel KBUF_MUTANTS_ROWS=debug
		assert_output 'error: KBUF_MUTANTS_ROWS=debug: only in a KASAN kernel (KBUF_MUTANTS_KERNEL=6.1-kasan or 6.12-kasan)'
	done
	run -1 debug_queue KBUF_MUTANTS_KERNEL=6.1-kasan KBUF_MUTANTS_ROWS=fault
	assert_output 'error: KBUF_MUTANTS_ROWS=fault: all or debug'
	run -1 "${HARNESS_ENV[@]}" KBUF_MUTANTS_LIST=1 KBUF_MUTANTS_ROWS=fault bash scripts/mutants.sh
	assert_output 'error: KBUF_MUTANTS_ROWS=fault: all or debug'
}

@test "the report's summary: the joint score, the kind's own without its equivalents, the debug kernels'" {
	local store=$BATS_TEST_TMPDIR/store.tsv doc=$BATS_TEST_TMPDIR/mutants.md
	{
		tree_verdicts 6.12 buffer-001 killed buffer-006 survived dmabuf-001 survived ioctl-002 survived
		# Neither a kill of a mutant 6.12 killed nor a verdict of one
		# 6.12 has not run counts.
		tree_verdicts 6.1-kasan buffer-001 killed buffer-006 killed dmabuf-001 survived \
			dmabuf-002 survived
	} >"$store"
	assert_equal "$(wc -l <"$store")" 8
	run -0 env KBUF_MUTANTS_REPORT=1 KBUF_SKIP_DEPS=1 KBUF_MUTANTS_OUT="$BATS_TEST_TMPDIR/out" \
		KBUF_MUTANTS_STORE="$store" KBUF_MUTANTS_DOC="$doc" bash scripts/mutants.sh
	run -0 grep -e '^| killed' -e '^| equivalent' -e '^| survived' "$doc"
	assert_output "$(printf '%s\n' \
		'| killed, in 6.12 or a debug kernel | **2 of the 3 run: 66.7 %** |' \
		'| killed in 6.12 alone | 1 of the 3 run there: 33.3 % |' \
		'| killed in a debug kernel (6.1-kasan) | 1 of the 2 run there |' \
		'| survived | 1 (listed below) |' \
		'| equivalent, said why (below) | 1 |')"
}

@test "docs/mutants.md is what make mutants KBUF_MUTANTS_REPORT=1 makes of the stored verdicts" {
	run -0 env KBUF_MUTANTS_REPORT=1 KBUF_SKIP_DEPS=1 KBUF_MUTANTS_OUT="$BATS_TEST_TMPDIR/out" \
		KBUF_MUTANTS_DOC="$BATS_TEST_TMPDIR/mutants.md" bash scripts/mutants.sh
	run -0 diff -u docs/mutants.md "$BATS_TEST_TMPDIR/mutants.md"
}
