#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Allocation failures, injected one at a time (kbuf-fault, with
# /proc/thread-self/fail-nth): every allocation made while loading the
# module, creating, resizing, mapping, opening and exporting a buffer, and
# importing its dma-buf into vgem, fails once, in turn. Each failure must
# give ENOMEM (a load: an error) and leave nothing behind: no buffer, no
# attachment, and as many live per-CPU allocations as before (which
# kmemleak does not check). A create the driver refuses must be refused
# before anything is allocated (its EINVAL is never an ENOMEM). The per-CPU counters' allocation, which neither
# failslab nor fail_page_alloc reaches, is failed with fail_function. The
# file's last test then looks for leaks with kmemleak.
#
# Debian's stock kernels have no fault injection: this file runs in the
# debug kernel of make check-debug and is skipped elsewhere. Its sweeps
# are long: sharded by test count, it and six short tests took 973 s under
# KASAN while 88-stress's eleven took 600 s, so its weight gives it a guest
# of its own.
# kbuf-shard-weight: 40

load 'helpers/common'
load 'helpers/fault'

# Every create that gets far enough, and every load that succeeds, adds
# and removes devices (a failed load sends no uevent of its devices):
# thousands of uevents, which udevd under the debug kernel takes minutes to
# work through. The sweeps are about the kernel side, and devtmpfs makes
# the nodes without udev: udevd is stopped for this file
# (kbuf_udevd_stop) and started again after.

setup_file() {
	local d
	if [[ ! -e /proc/thread-self/fail-nth ]]; then
		kbuf_file_skip "this kernel has no fault injection (CONFIG_FAULT_INJECTION; Debian's kernels lack it): make check-debug runs this file"
		return 0
	fi
	for d in "${KBUF_FAULT_DIRS[@]}"; do
		if [[ ! -d $d ]]; then
			kbuf_file_skip "$d is missing (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS)"
			return 0
		fi
	done
	rm -f "$KBUF_OUT/fault.txt"
	# From here on teardown_file undoes every step, each whether or not
	# it was reached.
	: >"$BATS_FILE_TMPDIR/armed"
	kbuf_fault_arm
	kbuf_udevd_stop
	# Opening a node whose character device is not registered yet (kbuf
	# adds its cdev last, after the load-time buffers' nodes: main.c,
	# kbuf_cdev_add()) makes the kernel run modprobe for char-major-M-N
	# and wait for it. The load sweep's contending opener did that
	# hundreds of times, most of a second each under KASAN: 3 s an
	# attempt, 0.5 s with the helper off. The open still races the load
	# and still gets ENXIO, only sooner: /proc/sys/kernel/modprobe is
	# empty for this file (no module autoloading meanwhile), and
	# teardown_file puts the kernel's default back.
	printf '\n' >/proc/sys/kernel/modprobe
	kbuf_file_setup
}

teardown_file() {
	local rc=0
	[[ -f $BATS_FILE_TMPDIR/armed ]] || return 0
	echo /sbin/modprobe >/proc/sys/kernel/modprobe || rc=1
	kbuf_fault_disarm || rc=1
	kbuf_file_teardown || rc=1
	kbuf_udevd_restart || rc=1
	return "$rc"
}

teardown() {
	kbuf_fei_clear
	kbuf_test_teardown
}

# Fail unless the count of live per-CPU allocations is $1 (no check when
# $1 is empty: the kernel lacks CONFIG_PERCPU_STATS).
kbuf_percpu_same() {
	local now
	[[ -n $1 ]] || return 0
	now=$(kbuf_percpu_live)
	((now == $1)) ||
		fail "live per-CPU allocations: $1 before, $now after (leaked or freed twice)"
}

# Run a sweep; it must end with the uninjected run and have failed at
# least one allocation, and leave as many per-CPU allocations as it found.
# Appends the figure to $KBUF_OUT/fault.txt.
kbuf_sweep() {
	local before
	before=$(kbuf_percpu_live)
	run kbuf-fault "$@"
	assert_success
	assert_line --regexp '^allocations [1-9][0-9]* enomem [0-9]+ ok [0-9]+$'
	printf '%s: %s\n' "$*" "${lines[-1]}" >>"$KBUF_OUT/fault.txt"
	kbuf_percpu_same "$before"
}

# Every allocation of a load fails once, and each failure must leave
# nothing loaded. Meanwhile a node opened while the module is still
# loading must not outlive a load that then fails: the opener holds a file
# and a mapping for 20 ms each time. (One sweep does both: the same sweep
# without the opener, about 750 loads under KASAN, checked nothing this one
# does not, and kept CI over its hour. make soak still runs it.)
@test "every allocation of a module load fails once while another process opens and maps a buffer" {
	kbuf_unload
	kbuf_sweep load-contended "$KBUF_KO" "kmalloc_size=8192 pages_order=1 vmalloc_size=8192"
	run kbuf_loaded
	assert_failure
	kbuf_load
}

@test "every allocation of a create fails once with ENOMEM for each backend" {
	check() {
		kbuf_sweep create "f-$1" "$1" 16384
		# The last, uninjected create was destroyed: the name is free.
		kbuf_create "f-$1" "$1" 4096
		kbuf_destroy "f-$1"
	}
	kbuf_each_backend check
}

@test "a create whose per-CPU counters cannot be allocated fails with ENOMEM for each backend" {
	[[ -d $KBUF_FEI ]] || skip "this kernel has no fail_function (CONFIG_FAIL_FUNCTION)"
	check() {
		local before times
		before=$(kbuf_percpu_live)
		kbuf_fei_fail_next kbuf_stats_alloc
		run -1 kbuf-ioctl "$KBUF_CONTROL" create "fp-$1" "$1" 16384
		times=$(<"$KBUF_FEI/times")
		kbuf_fei_clear
		assert_output ENOMEM
		# The one failure armed was spent: the call was reached.
		assert_equal "$times" 0
		assert_not_exists "$KBUF_DEV/fp-$1"
		assert_not_exists "$KBUF_SYS/fp-$1"
		kbuf_percpu_same "$before"
		kbuf_create "fp-$1" "$1" 4096
		kbuf_destroy "fp-$1"
	}
	kbuf_each_backend check
}

@test "creates, destroys and a reload leave as many per-CPU allocations as before" {
	[[ -r $KBUF_PCPU_STATS ]] || skip "this kernel has no /sys/kernel/debug/percpu_stats (CONFIG_PERCPU_STATS)"
	local before i
	kbuf_unload
	before=$(kbuf_percpu_live)
	kbuf_load
	check() {
		for i in 1 2 3; do
			kbuf_create "pc-$1-$i" "$1" 8192
		done
		for i in 1 2 3; do
			kbuf_destroy "pc-$1-$i"
		done
	}
	kbuf_each_backend check
	kbuf_unload
	kbuf_percpu_same "$before"
	kbuf_load
}

@test "every allocation of a create on node 0 fails once with ENOMEM for each backend" {
	# On a node, vmalloc is built by hand: an array, each page, vmap().
	check() {
		kbuf_sweep create "fn-$1" "$1" 16384 kernel 0
	}
	kbuf_each_backend check
}

@test "every allocation of an atomic create fails once with ENOMEM" {
	# vmalloc may sleep: it refuses atomic creates.
	kbuf_sweep create fa-kmalloc kmalloc 16384 atomic
	kbuf_sweep create fa-pages pages 16384 atomic
}

# A request that is wrong in itself (size, gfp, node) is refused before
# anything is allocated: else a failed allocation on the way would answer
# ENOMEM for it, and what the driver allocated for a request it was going
# to refuse is work for nothing. (A name in use, EEXIST, and a 65th
# buffer, ENOSPC, are known only when the buffer is added, after its
# memory: kbuf does not check them twice.) A valid create shows first
# that the armed failure reaches the driver's allocations.
@test "a refused create allocates nothing before it gets EINVAL" {
	local args
	run -1 kbuf-fault refused create fr kmalloc 4096
	assert_output "ENOMEM: an allocation was made before the refusal"
	local -a cases=(
		"vmalloc 16384 atomic"
		"kmalloc 0"
		"pages 0"
		"vmalloc 0"
		"kmalloc 1099511627776"
		"pages 18446744073709551615"
		"vmalloc 9223372036854775808"
		"kmalloc 4096 kernel 1023"
	)
	for args in "${cases[@]}"; do
		# shellcheck disable=SC2086 # $args is a list of arguments
		run kbuf-fault refused create fr $args
		[[ $status == 0 && $output == "EINVAL, no allocation" ]] ||
			fail "create $args: '$output', exit $status"
	done
}

@test "every allocation of a resize fails once and keeps size and data" {
	check() {
		kbuf_create "r-$1" "$1" 8192
		kbuf_sweep resize "$KBUF_DEV/r-$1" 32768
		run kbuf_info "r-$1" capacity
		assert_output 8192
		kbuf_destroy "r-$1"
	}
	kbuf_each_backend check
}

@test "every allocation of an mmap fails once and leaves no mapping, map_mode=page" {
	check() {
		kbuf_sweep mmap "$KBUF_DEV/$1"
		run kbuf_info "$1" mappings
		assert_output 0
	}
	kbuf_each_backend check
}

@test "every allocation of an mmap fails once and leaves no mapping, map_mode=pfn" {
	kbuf_reload map_mode=pfn
	check() {
		kbuf_sweep mmap "$KBUF_DEV/$1"
		run kbuf_info "$1" mappings
		assert_output 0
	}
	kbuf_each_backend check
	kbuf_reload
}

@test "every allocation of an open fails once and leaves the open count" {
	check() {
		kbuf_sweep open "$KBUF_DEV/$1"
		run kbuf_info "$1" opens
		# kbuf_info's own descriptor.
		assert_output 1
	}
	kbuf_each_backend check
}

@test "every allocation of a dma-buf export fails once with ENOMEM and leaves no dma-buf, no descriptor" {
	[[ -d /sys/kernel/debug/dma_buf ]] ||
		skip "this kernel has no dma-buf core (CONFIG_DMA_SHARED_BUFFER)"
	check() {
		kbuf_sweep export "$1"
		run kbuf_attr "$1" exports
		assert_output 0
	}
	kbuf_each_backend check
}

@test "every allocation of a vgem import fails once with ENOMEM and leaves vgem detached" {
	kbuf_have_vgem || skip "this kernel has no vgem (CONFIG_DRM_VGEM)"
	# kbuf-fault reads the attachments in debugfs (bufinfo).
	run kbuf_dmabuf_attached kbuf-fault-import
	((status != 2)) || skip "this kernel has no debugfs dma_buf/bufinfo"
	# 16 pages: a scattered vmalloc buffer has several entries, and the
	# sweep stays short. The DMA API's checker allocates for each entry
	# it maps, and a failure there is absorbed: the 4 MiB load-time
	# vmalloc buffer took 1064 runs, a 160-page one 854. A kmalloc buffer
	# of whole pages is attached exactly as a pages one, with the same
	# allocations: pages and vmalloc cover every path.
	check() {
		kbuf_create "import-$1" "$1" $((16 * KBUF_PAGE))
		kbuf_sweep import "import-$1"
		run kbuf_attr "import-$1" exports
		assert_output 0
		kbuf_destroy "import-$1"
	}
	check pages
	check vmalloc
}

@test "kmemleak finds nothing after the sweeps and an unload" {
	local k=/sys/kernel/debug/kmemleak
	[[ -w $k ]] || skip "this kernel has no kmemleak (CONFIG_DEBUG_KMEMLEAK)"
	kbuf_unload
	# Only objects older than 5 s are reported, after two scans.
	sleep 5
	echo scan >"$k"
	echo scan >"$k"
	# Less the one leak of Linux 6.1's own that the load sweep provokes
	# (see the filter).
	run awk -f "$KBUF_ROOT/tests/helpers/kmemleak-known.awk" "$k"
	assert_output ''
	kbuf_load
}
