#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs on the host (tests/check.sh): the filter every kernel-log check
# goes through, tests/helpers/dmesg-injected.awk, fed logs made of real
# reports. It may drop the two reports the tests provoke on purpose (the
# lab book's sleeping allocation under a spinlock, kbuf-fault's injected
# vmalloc failures) and nothing else: a report that interleaves with them,
# follows one cut short, or only looks like them is kept whole, so that
# kbuf_dmesg_problems (tests/vm/lib.sh) still finds it.
#
# lab_atomic's report is the one make lab recorded in docs/lab.md from the
# debug kernel. The KCSAN reports are real ones of the 6.12-kcsan guest.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup_file() {
	TREE=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export TREE
}

setup() {
	KBUF_ROOT=$TREE
	# shellcheck source=../vm/lib.sh
	. "$TREE/tests/vm/lib.sh"
	cd "$BATS_TEST_TMPDIR" || return
	# Lesson 5's report, with dmesg's timestamps put back.
	awk '/^## 5\./, /^## 6\./' "$TREE/docs/lab.md" |
		sed -n '/^BUG: sleeping function/,/<\/TASK>/p' |
		awk '{ printf "[   12.%06d] %s\n", NR, $0 }' >lab.log
	[[ $(wc -l <lab.log) -gt 20 ]] ||
		fail "no lab_atomic report in docs/lab.md's lesson 5"
}

# injected_filter FILE: FILE through dmesg-injected.awk.
injected_filter() {
	awk -f "$TREE/tests/helpers/report-words.awk" \
		-f "$TREE/tests/helpers/dmesg-injected.awk" "$1"
}

# problems FILE: what the log checks report of FILE.
problems() {
	kbuf_dmesg_problems "$1"
}

# stamp: stdin with dmesg's timestamps.
stamp() {
	awk '{ printf "[   13.%06d] %s\n", NR, $0 }'
}

# An injected vmalloc failure's report, as kbuf-fault provokes it.
injected() {
	stamp <<'EOF'
kbuf-fault: vmalloc error: size 16384, failed to allocate pages, mode:0x400dc0(GFP_KERNEL_ACCOUNT|__GFP_ZERO), nodemask=(null),cpuset=/,mems_allowed=0
CPU: 1 PID: 171 Comm: kbuf-fault Tainted: G           O       6.1.192 #1
Call Trace:
 <TASK>
 dump_stack_lvl+0x4c/0x5f
 warn_alloc+0x1a1/0x1c0
 __vmalloc_node_range+0x6c1/0x7e0
 kbuf_vmalloc_alloc+0x4e/0xb0 [kbuf]
 </TASK>
EOF
}

# A report of the kind a kbuf defect would give.
real_report() {
	stamp <<'EOF'
BUG: scheduling while atomic: kbufctl/170/0x00000002
Modules linked in: kbuf(O)
CPU: 0 PID: 170 Comm: kbufctl Tainted: G        W  O       6.1.192 #1
Call Trace:
 <TASK>
 dump_stack_lvl+0x4c/0x5f
 __schedule_bug+0x8a/0xa0
 kbuf_resize+0x99/0x200 [kbuf]
 </TASK>
EOF
}

@test "lab_atomic's report from insmod is dropped, the lines around it are kept" {
	{
		echo '[   11.000000] kbuf: loaded'
		cat lab.log
		echo '[   14.000000] lab_atomic: unloaded'
	} >log
	run injected_filter log
	assert_success
	assert_output '[   11.000000] kbuf: loaded
[   14.000000] lab_atomic: unloaded'
	run problems log
	assert_output ''
}

@test "the same report without lab_atomic_init in its call chain is kept whole" {
	grep -v 'lab_atomic_init+0x4e' lab.log >log
	run problems log
	assert_line --partial 'BUG: sleeping function called from invalid context'
	assert_line --partial 'Call Trace:'
	assert_equal "$(injected_filter log)" "$(cat log)"
}

@test "the same report from another task than insmod is kept whole" {
	sed 's/name: insmod$/name: modprobe/' lab.log >log
	assert_equal "$(injected_filter log)" "$(cat log)"
}

@test "a KASAN or lockdep header interleaved with lab_atomic's report is kept, and the report with it" {
	local header
	for header in 'BUG: KASAN: slab-use-after-free in kbuf_read+0x1c/0x200 [kbuf]' \
		'WARNING: possible recursive locking detected'; do
		awk -v h="[   12.500000] $header" 'NR == 12 { print h } { print }' lab.log >log
		run problems log
		assert_line "[   12.500000] $header"
		assert_line --partial 'BUG: sleeping function called from invalid context'
	done
}

@test "lab_atomic's report cut short, then a real report: both are kept" {
	{
		sed '/\]  lab_atomic_init+0x4e/q' lab.log
		real_report
	} >log
	run problems log
	assert_line --partial 'BUG: sleeping function called from invalid context'
	assert_line --partial 'BUG: scheduling while atomic: kbufctl/170/0x00000002'
	assert_equal "$(injected_filter log)" "$(cat log)"
}

@test "an injected vmalloc failure's report is dropped, a report after it is kept" {
	{
		injected
		real_report
	} >log
	run problems log
	assert_output "$(real_report | grep -aE "$KBUF_DMESG_BAD")"
}

@test "a warning interleaved with an injected vmalloc failure's report is kept" {
	{
		injected | sed '6q'
		echo '[   13.500000] WARNING: CPU: 0 PID: 170 at driver/buffer.c:120 kbuf_buffer_put+0x30/0x40 [kbuf]'
		injected | sed '1,6d'
	} >log
	run problems log
	assert_line '[   13.500000] WARNING: CPU: 0 PID: 170 at driver/buffer.c:120 kbuf_buffer_put+0x30/0x40 [kbuf]'
}

# A report whose header has none of the words the filter looks for: the
# log checks catch it by its "Call Trace:" line.
wordless_report() {
	stamp <<'EOF2'
kworker/1:2: page allocation failure: order:4, mode:0xcc0(GFP_KERNEL), nodemask=(null)
CPU: 1 PID: 97 Comm: kworker/1:2 Tainted: G           O       6.1.192 #1
Call Trace:
 <TASK>
 dump_stack_lvl+0x4c/0x5f
 warn_alloc+0x1a1/0x1c0
 kbuf_stats_refresh+0x30/0x90 [kbuf]
 </TASK>
EOF2
}

@test "a report without a header word inside lab_atomic's report is kept, and the report with it" {
	{
		sed -n '1,20p' lab.log
		wordless_report
		sed '1,20d' lab.log
	} >log
	run problems log
	assert_line --partial 'BUG: sleeping function called from invalid context'
	assert_equal "$(grep -c 'Call Trace:' <<<"$output")" 2
	assert_equal "$(injected_filter log)" "$(cat log)"
}

@test "an injected vmalloc failure's report cut short, then a report without a header word: that one is kept" {
	{
		injected | sed '5q'
		wordless_report
	} >log
	run problems log
	assert_output --partial 'Call Trace:'
	run injected_filter log
	assert_output --partial 'kworker/1:2: page allocation failure: order:4'
	assert_output --partial 'kbuf_stats_refresh+0x30/0x90 [kbuf]'
}

@test "an injected vmalloc failure's header alone, then another task's report: that report is kept" {
	{
		injected | sed '1q'
		wordless_report
	} >log
	assert_equal "$(injected_filter log)" "$(cat log)"
}

@test "another task's report between an injected failure's header and its stack is kept, and the failure with it" {
	{
		injected | sed '1q'
		wordless_report
		injected | sed '1d'
	} >log
	assert_equal "$(injected_filter log)" "$(cat log)"
}

# ---- KCSAN (tests/helpers/kcsan-known.awk, tests/debug/kcsan-known.tsv)

# A core-kernel KCSAN report of the 6.12-kcsan guest, listed in
# kcsan-known.tsv: virtio's ring index, written by QEMU.
kcsan_virtio() {
	stamp <<'EOT'
==================================================================
BUG: KCSAN: data-race in virtqueue_kick_prepare+0x125/0x154

race at unknown origin, with read to 0xffff888003ec3d44 of 2 bytes by task 1600 on cpu 1:
 virtqueue_kick_prepare+0x125/0x154
 virtqueue_kick+0xe/0x21
 p9_virtio_request+0x237/0x258
 p9_client_rpc+0x12c/0x421
 p9_client_clunk+0x45/0x84
 v9fs_dir_release+0x160/0x1ab
 __fput+0x244/0x39c
 ____fput+0x10/0x11
 task_work_run+0x108/0x14c
 resume_user_mode_work.constprop.0+0x3c/0x48
 syscall_exit_to_user_mode+0x73/0xcc
 do_syscall_64+0x77/0xc2
 entry_SYSCALL_64_after_hwframe+0x4b/0x53

value changed: 0xb4e3 -> 0xb4e5

Reported by Kernel Concurrency Sanitizer on:
CPU: 1 UID: 0 PID: 1600 Comm: chgrp Tainted: G           O       6.12.118 #1 
Tainted: [O]=OOT_MODULE
==================================================================
EOT
}

# A KCSAN report in kbuf: a driver mutated so that KBUF_IOC_INFO read the
# length without its lock, under kbuf-hammer.
kcsan_kbuf() {
	stamp <<'EOT'
==================================================================
BUG: KCSAN: data-race in kbuf_ioctl_info [kbuf] / kbuf_write [kbuf]

write (marked) to 0xffff8880036f2c10 of 8 bytes by task 190 on cpu 1:
 kbuf_write+0x237/0x2c2 [kbuf]
 vfs_write+0xc4/0x21e
 ksys_pwrite64+0x7f/0x9b
 __x64_sys_pwrite64+0x4e/0x55
 x64_sys_call+0x109/0x18fe
 do_syscall_64+0x6b/0xc2
 entry_SYSCALL_64_after_hwframe+0x4b/0x53

read to 0xffff8880036f2c10 of 8 bytes by task 194 on cpu 0:
 kbuf_ioctl_info+0x1ab/0x2a0 [kbuf]
 kbuf_ioctl+0x46/0x11e [kbuf]
 vfs_ioctl+0x49/0x5d
 __do_sys_ioctl+0x52/0x69
 __x64_sys_ioctl+0x3b/0x40
 x64_sys_call+0xef/0x18fe
 do_syscall_64+0x6b/0xc2
 entry_SYSCALL_64_after_hwframe+0x4b/0x53

value changed: 0x0000000000001605 -> 0x0000000000007826

Reported by Kernel Concurrency Sanitizer on:
CPU: 0 UID: 0 PID: 194 Comm: kbuf-hammer Tainted: G           O       6.12.118 #1 
Tainted: [O]=OOT_MODULE
==================================================================
EOT
}

# kcsan_filter FILE: FILE through kcsan-known.awk, with the list.
kcsan_filter() {
	awk -v known="$TREE/tests/debug/kcsan-known.tsv" \
		-f "$TREE/tests/helpers/report-words.awk" \
		-f "$TREE/tests/helpers/kcsan-known.awk" "$1"
}

# assert_kcsan_kept SIGNATURE: the log checks find the KCSAN report of
# SIGNATURE in the file log, and kcsan-known.awk passes log unchanged.
assert_kcsan_kept() {
	run problems log
	assert_line --partial "BUG: KCSAN: data-race in $1"
	assert_equal "$(kcsan_filter log)" "$(cat log)"
}

@test "a listed core-kernel KCSAN report is dropped whole, the lines around it are kept" {
	{
		echo '[   11.000000] kbuf: loaded'
		kcsan_virtio
		echo '[   14.000000] ok 39'
	} >log
	run kcsan_filter log
	assert_success
	assert_output '[   11.000000] kbuf: loaded
[   14.000000] ok 39'
	run problems log
	assert_output ''
}

@test "a KCSAN report in kbuf is kept whole" {
	kcsan_kbuf >log
	assert_kcsan_kept 'kbuf_ioctl_info [kbuf] / kbuf_write [kbuf]'
}

@test "a listed function's KCSAN report with a kbuf frame in it is kept whole" {
	kcsan_virtio | sed 's/ virtqueue_kick+0xe\/0x21/ kbuf_read_iter+0x1e\/0x90 [kbuf]/' >log
	grep -q 'kbuf_read_iter' log
	assert_kcsan_kept 'virtqueue_kick_prepare'
}

@test "a core-kernel KCSAN report that is not listed is kept whole" {
	kcsan_virtio | sed 's/virtqueue_kick_prepare/virtqueue_notify/g' >log
	assert_kcsan_kept 'virtqueue_notify'
}

@test "a listed KCSAN report cut short is kept, and so is the report that follows" {
	{
		kcsan_virtio | sed '5q'
		real_report
	} >log
	run problems log
	assert_line --partial 'BUG: KCSAN: data-race in virtqueue_kick_prepare'
	assert_line --partial 'BUG: scheduling while atomic'
}

@test "every row of kcsan-known.tsv has a signature and a reason, and no kbuf function" {
	run awk -F '\t' '!/^#/ && (NF != 2 || $1 == "" || length($2) < 40 || $1 ~ /kbuf/)' \
		"$TREE/tests/debug/kcsan-known.tsv"
	assert_output ''
	run grep -vc '^#' "$TREE/tests/debug/kcsan-known.tsv"
	refute_output 0
}

@test "another CPU's Call Trace inside a listed KCSAN report is kept, and the report with it" {
	{
		kcsan_virtio | sed '8q'
		real_report
		kcsan_virtio | sed '1,8d'
	} >log
	assert_kcsan_kept 'virtqueue_kick_prepare'
	assert_line --partial 'Call Trace:'
}

@test "a lone Call Trace line inside a listed KCSAN report is kept" {
	kcsan_virtio | sed '8a\
Call Trace:' >log
	run problems log
	assert_line --partial 'Call Trace:'
}

# Two core-kernel KCSAN reports of the 6.12-kcsan guest under kbuf-hammer
# (two virtual CPUs, the watchpoints tuned as make check-debug tunes
# them). start_dir_add is listed; ksys_read is the race on the position
# of a descriptor two threads shared before kbuf_open() set
# FMODE_ATOMIC_POS, and must never be let through.
kcsan_dir_add() {
	stamp <<'EOT'
==================================================================
BUG: KCSAN: data-race in start_dir_add / start_dir_add

read-write (marked) to 0xffff888003b03f70 of 4 bytes by task 121 on cpu 0:
 start_dir_add+0x71/0x8a
 __d_add+0x76/0x1ac
 d_add+0x27/0x2a
 simple_lookup+0x64/0x69
 lookup_open.isra.0+0x4a0/0x5a0
 path_openat+0x3eb/0xac4
 do_filp_open+0x64/0xad
 do_sys_openat2+0x6e/0xa5
 do_sys_open+0x29/0x2e
 __x64_sys_openat+0x51/0x58
 x64_sys_call+0x1681/0x18fe
 do_syscall_64+0x6b/0xc2
 entry_SYSCALL_64_after_hwframe+0x4b/0x53

read to 0xffff888003b03f70 of 4 bytes by task 131 on cpu 1:
 start_dir_add+0x52/0x8a
 __d_add+0x76/0x1ac
 d_add+0x27/0x2a
 simple_lookup+0x64/0x69
 lookup_open.isra.0+0x4a0/0x5a0
 path_openat+0x3eb/0xac4
 do_filp_open+0x64/0xad
 do_sys_openat2+0x6e/0xa5
 do_sys_open+0x29/0x2e
 __x64_sys_openat+0x51/0x58
 x64_sys_call+0x1681/0x18fe
 do_syscall_64+0x6b/0xc2
 entry_SYSCALL_64_after_hwframe+0x4b/0x53

value changed: 0x00000854 -> 0x00000856

Reported by Kernel Concurrency Sanitizer on:
CPU: 1 UID: 0 PID: 131 Comm: (udev-worker) Not tainted 6.12.118 #1 
==================================================================
EOT
}

kcsan_f_pos() {
	stamp <<'EOT'
==================================================================
BUG: KCSAN: data-race in ksys_read / ksys_read

write to 0xffff888003796ea0 of 8 bytes by task 178 on cpu 0:
 ksys_read+0xb6/0xd4
 __x64_sys_read+0x3c/0x41
 x64_sys_call+0x71/0x18fe
 do_syscall_64+0x6b/0xc2
 entry_SYSCALL_64_after_hwframe+0x4b/0x53

read to 0xffff888003796ea0 of 8 bytes by task 182 on cpu 1:
 ksys_read+0x6a/0xd4
 __x64_sys_read+0x3c/0x41
 x64_sys_call+0x71/0x18fe
 do_syscall_64+0x6b/0xc2
 entry_SYSCALL_64_after_hwframe+0x4b/0x53

value changed: 0x000000000000da05 -> 0x0000000000010000

Reported by Kernel Concurrency Sanitizer on:
CPU: 1 UID: 0 PID: 182 Comm: kbuf-hammer Tainted: G           O       6.12.118 #1 
Tainted: [O]=OOT_MODULE
==================================================================
EOT
}

@test "a listed KCSAN report of two functions is dropped whole" {
	{
		kcsan_dir_add
		echo '[   14.000000] ok 39'
	} >log
	run kcsan_filter log
	assert_success
	assert_output '[   14.000000] ok 39'
}

@test "the KCSAN report of a shared descriptor's position is kept whole" {
	kcsan_f_pos >log
	assert_kcsan_kept 'ksys_read / ksys_read'
}
