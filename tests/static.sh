#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Static gates, each printed as one TAP-like line with its duration:
#   ok - NAME (T s) | not ok - NAME (T s) | ok - NAME # skip REASON
# followed, on failure, by the tool's output indented. Gates whose file set
# is empty are skipped, not failed. Exit status: non-zero if a gate failed.
#
# The gates:
#   sparse KVER: the module built with W=1 C=2, no warning or error
#   checkpatch: checkpatch.pl --strict on the driver and C user space
#   clang-format: the kernel's .clang-format, no change needed
#   cppcheck: user/ and tests/helpers/
#   shell: shellcheck on every shell script, bats file and bats helper
set -euo pipefail

# shellcheck source=vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"

TOOLS=$KBUF_OUTROOT/tools
LINUX_SRC_TAR=${KBUF_LINUX_SRC_TAR:-/usr/src/linux-source-6.1.tar.xz}
FAILED=0

# gate NAME CMD...: run CMD, print the verdict. CMD returns 77 to skip (its
# output is the reason).
gate() {
	local name=$1 start out rc=0
	shift
	start=$(kbuf_now)
	out=$("$@" 2>&1) || rc=$?
	if ((rc == 77)); then
		echo "ok - $name # skip ${out:-nothing to check}"
	elif ((rc == 0)); then
		echo "ok - $name ($(kbuf_since "$start") s)"
	else
		echo "not ok - $name ($(kbuf_since "$start") s)"
		printf '%s\n' "$out" | head -n 60 | sed 's/^/    /'
		FAILED=1
	fi
}

# checkpatch.pl and the kernel's .clang-format come from Debian's
# linux-source-6.1 tarball: extract only them, once (about 10 s).
extract_tools() {
	local stamp="$TOOLS/.from" want
	want=$(stat -c '%n %s %Y' "$LINUX_SRC_TAR")
	[[ -f $stamp && $(cat "$stamp") == "$want" ]] && return 0
	rm -rf "$TOOLS"
	mkdir -p "$TOOLS"
	tar -xJf "$LINUX_SRC_TAR" -C "$TOOLS" --strip-components=1 \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' '*/.clang-format'
	printf '%s\n' "$want" >"$stamp"
}

# The module with W=1 and sparse (C=2 checks every file, built or not).
gate_sparse() {
	local kver=$1 dir="$KBUF_OUTROOT/static-$1/driver" log
	if ! compgen -G "$KBUF_ROOT/driver/*.c" >/dev/null; then
		echo "no driver/*.c"
		return 77
	fi
	kbuf_stage_driver "$(dirname "$dir")"
	log=$(make -C "/lib/modules/$kver/build" M="$dir" W=1 C=2 modules 2>&1) || {
		printf '%s\n' "$log"
		return 1
	}
	! printf '%s\n' "$log" | grep -E 'warning:|error:'
}

# The C sources of the style gates, relative to the tree, one per line.
c_files() {
	kbuf_c_files | sed "s|^$KBUF_ROOT/||" | LC_ALL=C sort
}

# --no-tree: there is no kernel tree around out-of-tree code. Nothing is
# ignored: SPDX lines, spelling and kernel style all apply to this project.
# checkpatch leaves a .checkpatch-camelcase.* cache in its working
# directory: run it in tests/out/tools, with absolute paths, and print the
# paths relative to the tree again. Only problems are shown, not the
# "total: 0 errors" line of every clean file.
gate_checkpatch() {
	local -a files
	local f out rc=0
	mapfile -t files < <(c_files)
	((${#files[@]})) || { echo "no C files" && return 77; }
	extract_tools
	for f in "${files[@]}"; do
		out=$(cd "$TOOLS" && perl scripts/checkpatch.pl --no-tree --strict \
			-f --terse --show-types "$KBUF_ROOT/$f") || rc=1
		[[ -n $out ]] || continue
		printf '%s\n' "$out" | sed "s|$KBUF_ROOT/||" |
			grep -v '^total: 0 errors, 0 warnings, 0 checks' || true
	done
	return "$rc"
}

gate_clang_format() {
	local -a files
	mapfile -t files < <(c_files)
	((${#files[@]})) || { echo "no C files" && return 77; }
	extract_tools
	(cd "$KBUF_ROOT" && clang-format --dry-run --Werror \
		--style="file:$TOOLS/.clang-format" "${files[@]}")
}

gate_cppcheck() {
	local -a dirs=() d
	for d in user tests/helpers; do
		[[ -d $KBUF_ROOT/$d && -n $(find "$KBUF_ROOT/$d" -name '*.c') ]] &&
			dirs+=("$d")
	done
	((${#dirs[@]})) || { echo "no user-space C files" && return 77; }
	(cd "$KBUF_ROOT" && cppcheck --quiet --error-exitcode=1 \
		--enable=warning,portability --inline-suppr \
		-I driver/uapi "${dirs[@]}")
}

# Every shell file of the project except build output.
shell_files() {
	(cd "$KBUF_ROOT" && find . \( -path ./.git -o -path ./tests/out \) -prune \
		-o -type f \( -name '*.sh' -o -name '*.bash' -o -name '*.bats' \) \
		-print | sed 's|^\./||' | LC_ALL=C sort)
	[[ -f $KBUF_ROOT/.ci/run ]] && echo .ci/run
	return 0
}

# Bats files are checked too: shellcheck 0.9 understands @test blocks
# (-s bats); helpers (*.bash) are bash sourced by them. In bats files
# SC2317 (unreachable command) is off: functions defined in a test and
# called through run or a helper look unreachable to shellcheck 0.9.
gate_shellcheck() {
	local -a files bats=() other=()
	local f rc=0
	mapfile -t files < <(shell_files)
	((${#files[@]})) || { echo "no shell files" && return 77; }
	for f in "${files[@]}"; do
		if [[ $f == *.bats ]]; then bats+=("$f"); else other+=("$f"); fi
	done
	cd "$KBUF_ROOT"
	((${#other[@]} == 0)) || shellcheck -x -P SCRIPTDIR "${other[@]}" || rc=1
	((${#bats[@]} == 0)) || shellcheck -x -P SCRIPTDIR -s bats -e SC2317 "${bats[@]}" || rc=1
	return "$rc"
}

main() {
	local kver
	kbuf_lock "$KBUF_OUTROOT/.static.lock"
	for kver in $(kbuf_kernels); do
		gate "sparse $kver" gate_sparse "$kver"
	done
	gate checkpatch gate_checkpatch
	gate clang-format gate_clang_format
	gate cppcheck gate_cppcheck
	gate shell gate_shellcheck
	return "$FAILED"
}

main "$@"
