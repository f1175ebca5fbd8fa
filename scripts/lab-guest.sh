#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The guest half of make lab: loads kbuf with its defaults, runs every
# block of docs/templates/lab.md in order, each in its own
# bash -e -o pipefail from /tmp as root, and writes what it printed to
# $KBUF_OUT/lab/N-B.txt and the kernel's release to $KBUF_OUT/lab/kernel.
# Fails if a block fails. scripts/lab.sh makes docs/lab.md from them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PATH=$root/user/kbufctl:$root/user/examples:$PATH
blocks="$root/scripts/lab-blocks.awk"
book="$root/docs/templates/lab.md"

[[ -n ${KBUF_KO:-} && -n ${KBUF_OUT:-} ]] ||
	{ echo "lab-guest.sh runs in the test-bed guest (make lab)" && exit 2; }

# The list first: a malformed template fails here, not silently below.
list=$(awk -v mode=list -f "$blocks" "$book")
rc=0
out=$KBUF_OUT/lab
mkdir -p "$out"
uname -r >"$out/kernel"
insmod "$KBUF_KO"
udevadm settle --timeout=30 2>/dev/null || true
while read -r lesson block; do
	code=$(awk -v mode=code -v want="$lesson-$block" -f "$blocks" "$book")
	if ! (cd /tmp && bash -e -o pipefail -c "$code") \
		>"$out/$lesson-$block.txt" 2>&1; then
		echo "lab: block $block of lesson $lesson failed:"
		cat "$out/$lesson-$block.txt"
		rc=1
	fi
done <<<"$list"
rmmod kbuf
exit "$rc"
