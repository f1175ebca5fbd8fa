# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The lab book's blocks, for tests/82-lab.bats and tests/99-lab-debug.bats.

# lab_awk AWK-ARGS...: scripts/lab-blocks.awk over the book's source.
lab_awk() {
	awk -f "$KBUF_ROOT/scripts/lab-blocks.awk" "$@" \
		"$KBUF_ROOT/docs/templates/lab.md"
}

# run_lesson N [debug]: each block of lesson N in order (with "debug",
# each debug block, from the directory of their module; else every other
# block, from /tmp) as root, then its patterns; a block without one is a
# defect of the book.
run_lesson() {
	local lesson block kind code re dir=/tmp
	local -a patterns
	[[ -z ${2:-} ]] || dir=$KBUF_OUT/lab-atomic
	while read -r lesson block kind; do
		[[ $lesson == "$1" && $kind == "${2:-}" ]] || continue
		code=$(lab_awk -v mode=code -v want="$1-$block")
		mapfile -t patterns < <(lab_awk -v mode=expect -v want="$1-$block")
		((${#patterns[@]} > 0)) || fail "block $block of lesson $1 expects nothing"
		run bash -e -o pipefail -c "cd $dir && $code"
		assert_success
		for re in "${patterns[@]}"; do
			assert_line --regexp "$re"
		done
	done < <(lab_awk -v mode=list)
}
