#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Usage: tests/vm/boot.sh KVER OUTDIR MODE [TIMEOUT]
#
# Boots /boot/vmlinuz-KVER under qemu-system-x86_64 with the host's root file
# system (read-only) and the work tree (read-write) shared over virtio-9p, and
# runs tests/guest/init.sh MODE in it (suites, demo, or shell-free modes that
# init.sh knows). OUTDIR must lie inside the work tree: the guest writes its
# results there (done, tap.txt, dmesg.txt, ...). The kernel's own console goes
# to OUTDIR/console.log; what the guest's scripts print is shown live here.
#
# Environment:
#   KBUF_FILTER   run only tests/*STR*.bats for each STR of this
#                 comma-separated list (suites mode)
#   KBUF_TIMING   1: bats --timing (each test's time in the TAP)
#   KBUF_SHARD    I/N: run only shard I of N of the bats files (suites mode)
#   KBUF_APPEND   extra kernel command-line arguments (e.g. init_on_alloc=0)
#   KBUF_ACCEL    kvm or tcg: skip the cached KVM probe
#   KBUF_VM_MEM   guest memory (default 2G); KBUF_VM_SMP (default 2)
#   KBUF_VM_NODES NUMA nodes with memory (default 2): the memory split
#                 evenly, every CPU on node 0, so that node 1 is memory
#                 only; with 2 or more, one node more with neither memory
#                 nor CPUs, which the firmware lists for memory hotplug
#   KBUF_TCG      the -accel argument under TCG (default tcg,thread=multi)
#   KBUF_VMLINUZ  boot this image instead of /boot/vmlinuz-KVER (the debug
#                 kernel of make check-debug, which has 9p built in: its
#                 initramfs carries no modules; it boots with no5lvl)
#
# Exits 0 only if the guest wrote OUTDIR/done.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Boot arguments that turn silent memory corruption and warnings into loud
# failures on Debian's stock kernels (measured in vm-facts.md): SLUB red
# zones and consistency checks (a slab overflow is reported at kfree), and
# any WARN, soft lockup or hung task panics the guest (the host then reports
# a guest that did not finish, with the splat in console.log). SLUB
# poisoning and user tracking (slub_debug=PU), page_poison and init_on_free
# made every exec in the guest about 1.5 times slower under TCG (100 execs
# of /bin/true: 19.7 s against 12.6 s), which the suites cannot afford; the
# debug kernel of make check-debug has KASAN and kmemleak for what they find.
# init_on_alloc=0 undoes Debian's default: with it on, the kernel zeroes
# every allocation and a driver that forgets to would pass the stale-data
# tests.
# KBUF_DEBUG_ARGS in the environment replaces them (empty: none).
if [[ -z ${KBUF_DEBUG_ARGS+set} ]]; then
	KBUF_DEBUG_ARGS="slub_debug=FZ init_on_alloc=0"
	KBUF_DEBUG_ARGS+=" panic_on_warn=1 softlockup_panic=1 hung_task_panic=1"
fi

# The key under which the KVM verdict is cached: a different host kernel,
# QEMU or /dev/kvm may change the answer.
kvm_key() {
	printf '%s %s %s\n' "$(uname -r)" \
		"$(qemu-system-x86_64 --version | head -n 1)" \
		"$(stat -c %t:%T /dev/kvm 2>/dev/null || echo none)"
}

# Boot KVER's kernel under KVM into the initramfs probe mode; succeed if it
# reached user space. A hung KVM guest (as on this nested machine) is cut
# short by the timeout, so the probe costs at most 20 s once per host.
kvm_probe() {
	local kver=$1 initrd=$2 log
	[[ -r /dev/kvm && -w /dev/kvm ]] || return 1
	log=$(mktemp)
	timeout --foreground -k 5 20 qemu-system-x86_64 -accel kvm -cpu host -m 256M \
		-kernel "/boot/vmlinuz-$kver" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 kbuftest.cmd=probe" \
		-display none -monitor none -serial "file:$log" -nic none \
		-no-reboot </dev/null >/dev/null 2>&1 || true
	grep -q KBUF-PROBE-OK "$log"
	local rc=$?
	rm -f "$log"
	return "$rc"
}

# Print "kvm" or "tcg", probing once and caching the verdict.
choose_accel() {
	local kver=$1 initrd=$2 cache="$KBUF_ROOT/tests/out/kvm-verdict" key verdict
	if [[ -n ${KBUF_ACCEL:-} ]]; then
		echo "$KBUF_ACCEL"
		return
	fi
	key=$(kvm_key)
	if [[ -f $cache && $(head -n 1 "$cache") == "$key" ]]; then
		sed -n 2p "$cache"
		return
	fi
	verdict=tcg
	kvm_probe "$kver" "$initrd" && verdict=kvm
	mkdir -p "$(dirname "$cache")"
	printf '%s\n%s\n' "$key" "$verdict" >"$cache"
	kbuf_log "boot: KVM probe says $verdict (cached in $cache)"
	echo "$verdict"
}

accel_args() {
	case $1 in
	kvm) echo "-accel kvm -cpu ${KBUF_VM_CPU:-host} -machine q35" ;;
	# thread=multi: one host thread per guest CPU; -cpu max gives the
	# guest every feature TCG emulates (SMAP/SMEP included). Do not trim
	# it with svm=off: Debian's static busybox then aborts in glibc's
	# _dl_get_origin. q35: virtio-pci probes in 0.1 s instead of 4 s on
	# i440fx (ACPI PCI link setup).
	*) echo "-accel ${KBUF_TCG:-tcg,thread=multi} -cpu ${KBUF_VM_CPU:-max} -machine q35" ;;
	esac
}

# The two 9p shares. security_model=none: files are accessed with QEMU's own
# credentials and ownership changes are ignored, which works both as root
# and as an ordinary developer. multidevs=remap: the host root spans several
# file systems (/proc, /sys, ...) whose inode numbers would otherwise clash.
fsdev_args() {
	local work=$1
	printf '%s\n' \
		-fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap" \
		-device "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot" \
		-fsdev "local,id=work,path=$work,security_model=none,multidevs=remap" \
		-device "virtio-9p-pci,fsdev=work,mount_tag=work"
}

# loglevel=5: the serial console (console.log) gets warnings and worse:
# every WARN, oops, lockdep, KASAN or panic report, which is what matters
# when a guest dies before saving dmesg.txt, but not the info messages,
# each of which costs a trapped port write per character under TCG. The
# full log is in dmesg.txt.
kernel_cmdline() {
	local out=$1 mode=$2
	local cmd="console=ttyS0,115200 loglevel=5 panic=-1 $KBUF_DEBUG_ARGS"
	# The debug kernel (KBUF_VMLINUZ) boots with 4-level page tables.
	# QEMU's -cpu max offers LA57, and in Linux 6.1 identify_cpu()
	# clears boot_cpu_data's capabilities with interrupts on and reads
	# them back: in that window pgtable_l5_enabled() is false, so
	# KASAN's addr_has_metadata() takes any 5-level direct-map address
	# (ff11...) for a wild one. An interrupt there once failed a boot:
	# "KASAN: wild-memory-access in do_raw_spin_lock", from
	# handle_edge_irq over get_cpu_cap().
	[[ -z ${KBUF_VMLINUZ:-} ]] || cmd+=" no5lvl"
	cmd+=" kbuftest.work=$KBUF_ROOT kbuftest.cmd=$mode kbuftest.out=$out"
	[[ -n ${KBUF_FILTER:-} ]] && cmd+=" kbuftest.filter=$KBUF_FILTER"
	[[ ${KBUF_TIMING:-0} == 0 ]] || cmd+=" kbuftest.timing=1"
	[[ -z ${KBUF_SHARD:-} ]] || cmd+=" kbuftest.shard=$KBUF_SHARD"
	[[ -n ${KBUF_APPEND:-} ]] && cmd+=" $KBUF_APPEND"
	# The node without memory (memory_args), for 66-numa to insist on.
	# Its memory slot lies above 4 GiB, which would make Linux set up
	# the bounce buffer (64 MiB of node 1) that a guest whose memory all
	# lies below 4 GiB never uses: noforce keeps it off, as before.
	((${KBUF_VM_NODES:-2} < 2)) ||
		cmd+=" swiotlb=noforce kbuftest.empty_node=${KBUF_VM_NODES:-2}"
	echo "$cmd"
}

# Wait for one of KBUF_VM_SLOTS machine-wide guest slots (default: host
# CPUs divided by the guest's virtual CPUs). Each busy virtual CPU keeps a
# host thread busy under TCG; more of them than cores only slow every guest
# down until timeouts, soft-lockup and hung-task detectors fire in them.
# The slot is held until QEMU exits.
take_vm_slot() {
	local dir=${TMPDIR:-/tmp}/kbuf-testbed-slots-$EUID n i fd waited=
	n=${KBUF_VM_SLOTS:-$(($(nproc) / ${KBUF_VM_SMP:-2}))}
	((n >= 1)) || n=1
	mkdir -p "$dir"
	while :; do
		for ((i = 0; i < n; i++)); do
			exec {fd}>"$dir/slot$i"
			flock -n "$fd" && return 0
			exec {fd}>&-
		done
		[[ -n $waited ]] || kbuf_log "boot: waiting for a free VM slot ($n in use)"
		waited=1
		sleep 2
	done
}

# Remove the previous run's results so that a stale "done" cannot pass.
clean_outdir() {
	local out=$1
	mkdir -p "$out"
	rm -f "$out"/{done,tap.txt,dmesg.txt,kmemleak.txt,kcsan.txt,console.log,demo.txt,boot.txt,fault.txt}
}

# QEMU's -m and -numa for KBUF_VM_NODES nodes sharing KBUF_VM_MEM (in M
# or G) evenly: one RAM backend per node, the CPUs on node 0. Two nodes
# by default, so that buffers can be placed on a node other than the one
# the creating CPU is on (tests/66-numa.bats). Then one node with no
# memory and no CPU: room for a memory slot (maxmem) makes the firmware
# give it the hotplug range, so Linux counts it (node/possible) and
# keeps it offline, a node a create must refuse although it is below
# nr_node_ids.
memory_args() {
	local mem=${KBUF_VM_MEM:-2G} nodes=${KBUF_VM_NODES:-2} mib i
	if ((nodes < 2)); then
		printf '%s\n' -m "$mem"
		return 0
	fi
	# As QEMU reads -m: a number of MiB, or one with a suffix M or G.
	case $mem in
	*[0-9][Gg]) mib=$((${mem%?} * 1024)) ;;
	*[0-9][Mm]) mib=${mem%?} ;;
	*[0-9]) mib=$mem ;;
	esac
	[[ ${mib:-} =~ ^[0-9]+$ ]] ||
		kbuf_die "KBUF_VM_MEM=$mem: give it in MiB, or with M or G"
	((mib % nodes == 0)) || kbuf_die "KBUF_VM_MEM=$mem does not split into $nodes nodes"
	printf '%s\n' -m "${mib}M,slots=1,maxmem=$((mib + 1024))M"
	for ((i = 0; i < nodes; i++)); do
		echo "-object"
		echo "memory-backend-ram,id=kbuf-mem$i,size=$((mib / nodes))M"
		echo "-numa"
		if ((i == 0)); then
			echo "node,nodeid=0,memdev=kbuf-mem0,cpus=0-$((${KBUF_VM_SMP:-2} - 1))"
		else
			echo "node,nodeid=$i,memdev=kbuf-mem$i"
		fi
	done
	printf '%s\n' -numa "node,nodeid=$nodes"
}

run_qemu() {
	local kver=$1 out=$2 mode=$3 limit=$4 initrd=$5 accel=$6
	local -a fsdev memory
	mapfile -t fsdev < <(fsdev_args "$KBUF_ROOT")
	mapfile -t memory < <(memory_args)
	# --foreground keeps timeout in our process group, so that Ctrl-C (or
	# killing the group) stops QEMU too; by default timeout makes its own.
	# shellcheck disable=SC2046 # accel_args is a list of words on purpose
	timeout --foreground -k 10 "$limit" qemu-system-x86_64 $(accel_args "$accel") \
		-smp "${KBUF_VM_SMP:-2}" "${memory[@]}" \
		-kernel "$(kernel_image "$kver")" -initrd "$initrd" \
		-append "$(kernel_cmdline "$out" "$mode")" \
		-nodefaults -display none -vga none -monitor none -nic none -no-reboot \
		-serial "file:$out/console.log" \
		-chardev stdio,id=live,signal=on -serial chardev:live \
		"${fsdev[@]}" </dev/null
}

kernel_image() {
	echo "${KBUF_VMLINUZ:-/boot/vmlinuz-$1}"
}

main() {
	local kver=${1:?usage: boot.sh KVER OUTDIR MODE [TIMEOUT]}
	local out=${2:?OUTDIR} mode=${3:?MODE} limit=${4:-1800}
	local vmdir="$KBUF_OUTROOT/vm/$kver" accel start rc=0

	[[ -f $(kernel_image "$kver") ]] || kbuf_die "no $(kernel_image "$kver")"
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	[[ $out == "$KBUF_ROOT"/* ]] || kbuf_die "OUTDIR must be inside $KBUF_ROOT"
	# The kernel command line cannot carry a path with a space either.
	kbuf_require_no_space
	case $KBUF_ROOT/ in
	/dev/* | /proc/* | /sys/*)
		kbuf_die "the guest cannot use the tree in '$KBUF_ROOT': it mounts its own /dev, /proc and /sys over it"
		;;
	esac
	memory_args >/dev/null
	kbuf_lock "$out/.boot.lock"
	bash "$KBUF_ROOT/tests/vm/initramfs.sh" "$kver" "$vmdir"
	accel=$(choose_accel "$kver" "$vmdir/initramfs.img")
	clean_outdir "$out"
	take_vm_slot
	start=$(kbuf_now)
	run_qemu "$kver" "$out" "$mode" "$limit" "$vmdir/initramfs.img" "$accel" ||
		rc=$?
	kbuf_log "boot: $kver $mode ($accel) ran $(kbuf_since "$start") s, qemu status $rc"
	if [[ ! -f $out/done ]]; then
		[[ $rc == 124 ]] && kbuf_log "boot: timed out after $limit s"
		kbuf_log "boot: guest did not finish; last console lines ($out/console.log):"
		tail -n 40 "$out/console.log" >&2 || true
		return 1
	fi
}

main "$@"
