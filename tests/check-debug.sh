#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-debug: the whole bats suite inside a kernel built for finding
# bugs (KASAN, kmemleak, lockdep, DEBUG_ATOMIC_SLEEP, UBSAN, fault
# injection: tests/debug/kernel.config), built once from Debian's
# linux-source-6.1 and cached outside the work tree. The module is rebuilt
# against that tree on every run. Same output as make check; the kernel log
# check fails on any KASAN, UBSAN, lockdep, BUG/WARNING or kmemleak report.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=vm/lib.sh
. "$here/vm/lib.sh"

# Before the debug kernel's long build, which would fail there anyway.
kbuf_require_no_space
bash "$here/deps.sh"
KBUF_DEBUG_TREE=$(bash "$here/debug/build-kernel.sh")
export KBUF_DEBUG_TREE
# KASAN and lockdep make the guest several times slower than a stock one:
# guests side by side (one per host CPU, at most four) each run a share
# of the files.
shards=${KBUF_DEBUG_SHARDS:-$(nproc)}
((shards <= 4)) || shards=4
KBUF_KERNELS=
for ((i = 1; i <= shards; i++)); do
	KBUF_KERNELS+=" debug%$i/$shards"
done
export KBUF_KERNELS KBUF_SKIP_DEPS=1 KBUF_SKIP_STATIC=1
export KBUF_VM_TIMEOUT=${KBUF_VM_TIMEOUT:-5400}
# KASAN finds what slub_debug's red zones would, and slub_debug on top of it
# only slows every allocation down; the rest of the test bed's arguments
# (panic on a warning, a soft lockup or a hung task) stay.
export KBUF_DEBUG_ARGS=${KBUF_DEBUG_ARGS-"init_on_alloc=0 panic_on_warn=1 softlockup_panic=1 hung_task_panic=1"}
exec bash "$here/check.sh"
