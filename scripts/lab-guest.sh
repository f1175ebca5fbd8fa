#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The guest half of make lab: loads kbuf with its defaults, runs the blocks
# of docs/templates/lab.md in order, each in its own bash -e -o pipefail as
# root, and writes what it printed to $KBUF_OUT/lab/N-B.txt and the
# kernel's release to $KBUF_OUT/lab/kernel. In a guest booted with
# kbuftest.lab=debug (the debug kernel) it runs only the blocks fenced
# ```sh debug, from $KBUF_OUT/lab-atomic where their module was built;
# otherwise every other block, from /tmp. Fails if a block fails.
# scripts/lab.sh makes docs/lab.md from them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# kbuf_cmdline_arg
# shellcheck source=../tests/vm/lib.sh
. "$root/tests/vm/lib.sh"
PATH=$root/user/kbufctl:$root/user/examples:$PATH
blocks="$root/scripts/lab-blocks.awk"
book="$root/docs/templates/lab.md"

[[ -n ${KBUF_KO:-} && -n ${KBUF_OUT:-} ]] ||
	{ echo "lab-guest.sh runs in the test-bed guest (make lab)" && exit 2; }

# The list first: a malformed template fails here, not silently below.
list=$(awk -v mode=list -f "$blocks" "$book")
want=$(kbuf_cmdline_arg kbuftest.lab stock)
dir=/tmp
[[ $want == stock ]] || dir=$KBUF_OUT/lab-atomic
rc=0
out=$KBUF_OUT/lab
mkdir -p "$out"
uname -r >"$out/kernel"
insmod "$KBUF_KO"
udevadm settle --timeout=30 2>/dev/null || true
while read -r lesson block kind; do
	[[ ${kind:-stock} == "$want" ]] || continue
	code=$(awk -v mode=code -v want="$lesson-$block" -f "$blocks" "$book")
	if ! (cd "$dir" && bash -e -o pipefail -c "$code") \
		>"$out/$lesson-$block.txt" 2>&1; then
		echo "lab: block $block of lesson $lesson failed:"
		cat "$out/$lesson-$block.txt"
		rc=1
	fi
done <<<"$list"
rmmod kbuf
exit "$rc"
