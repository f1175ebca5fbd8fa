#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The guest half of make bench (scripts/bench.sh boots the test-bed guest
# with it as kbuftest.script): loads kbuf.ko twice, with map_mode=page and
# map_mode=pfn, and measures with `kbufctl bench`, fio and the
# function_graph tracer; then `kbufctl bench --scaling` and `kbufctl bench
# --dmabuf`. Booted with hardened_usercopy=off, only the 64-byte figures;
# booted with kbuftest.bench_part=dmabuf (the 6.12 boot, whose kernel has
# the dma-buf system heap and udmabuf to compare with), only the dma-buf
# figures. The results go to $KBUF_OUT as JSON and text, from which the
# host half writes docs/bench.md.
#
# What to measure comes from the host on the kernel command line:
#   kbuftest.bench_repeat=N       samples per figure
#   kbuftest.bench_time=MS        ms per sample
#   kbuftest.bench_fio_time=S     seconds per fio job
#   kbuftest.bench_params=P,P...  the module's parameters, comma-separated
#   kbuftest.bench_part=dmabuf    only the dma-buf figures (optional)
set -euo pipefail

# shellcheck source=../tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/vm/lib.sh"

[[ -n ${KBUF_KO:-} && -n ${KBUF_OUT:-} && -r /proc/cmdline ]] ||
	kbuf_die "bench-guest.sh runs inside the test-bed guest: use make bench"
BENCH_REPEAT=$(kbuf_cmdline_arg kbuftest.bench_repeat '')
BENCH_TIME=$(kbuf_cmdline_arg kbuftest.bench_time '')
BENCH_FIO_TIME=$(kbuf_cmdline_arg kbuftest.bench_fio_time '')
BENCH_PARAMS=$(kbuf_cmdline_arg kbuftest.bench_params '')
BENCH_PARAMS=${BENCH_PARAMS//,/ }
[[ -n $BENCH_REPEAT && -n $BENCH_TIME && -n $BENCH_FIO_TIME && -n $BENCH_PARAMS ]] ||
	kbuf_die "bench: kbuftest.bench_* missing from the kernel command line"

guest_load() {
	# shellcheck disable=SC2086 # a list of parameters on purpose
	insmod "$KBUF_KO" $BENCH_PARAMS "$@"
	udevadm settle --timeout=30 2>/dev/null || true
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -e /dev/kbuf/vmalloc ]] && return 0
		sleep 0.1
	done
	echo "bench: /dev/kbuf/vmalloc did not appear" >&2
	return 1
}

# The sysfs counters of the buffers: evidence of what the run did.
guest_counters() {
	local b a
	for b in kmalloc pages vmalloc; do
		printf '%s:' "$b"
		for a in map_mode reads writes bytes_read bytes_written mmaps; do
			printf ' %s=%s' "$a" "$(<"/sys/class/kbuf/$b/$a")"
		done
		echo
	done
}

# The kernel functions one 64-byte read of each of /dev/zero and the three
# buffers runs, with the function_graph tracer: why a read of kbuf costs
# more than a read of /dev/zero (the figures above). The time column is
# inflated by the tracer itself; the calls are what count. Only the read()
# of the device is kept: dd's loader reads its libraries with read() too.
# Switching the tracer on and off rewrites the call site of every kernel
# function, and with the second CPU online that once hung this guest for
# good (soft lockup: CPU 1 waiting in text_poke_bp_batch() for CPU 0 to
# answer its IPI), so the second CPU goes offline meanwhile, and the
# tracer is switched once for all four reads. The graphs only explain a
# figure: the caller goes on without them if this fails.
guest_read_graphs() {
	local t=/sys/kernel/tracing cpu1=/sys/devices/system/cpu/cpu1/online b
	[[ -w $t/current_tracer ]] || mount -t tracefs nodev "$t" 2>/dev/null ||
		return 1
	grep -qw function_graph "$t/available_tracers" || return 1
	if [[ -w $cpu1 ]]; then
		echo 0 >"$cpu1" || return 1
	fi
	echo 0 >"$t/tracing_on"
	echo function_graph >"$t/current_tracer"
	echo ksys_read >"$t/set_graph_function"
	for b in zero kbuf/kmalloc kbuf/pages kbuf/vmalloc; do
		[[ $b == zero ]] || echo 64 >"/sys/class/kbuf/${b#kbuf/}/length"
		echo >"$t/trace"
		bash -c "echo \$\$ >$t/set_ftrace_pid; echo 1 >$t/tracing_on; exec dd if=/dev/$b of=/dev/null bs=64 count=1 status=none"
		echo 0 >"$t/tracing_on"
		echo "== one 64-byte read() of /dev/$b"
		awk 'function flush() {
				if (blk ~ /kbuf_read|read_zero|read_iter_zero/) printf "%s", blk
				blk = ""
			}
			/ksys_read\(\) \{/ { flush() }
			!/^#/ { blk = blk $0 "\n" }
			END { flush() }' "$t/trace"
	done
	echo nop >"$t/current_tracer"
	echo >"$t/set_ftrace_pid"
	echo >"$t/set_graph_function"
	[[ ! -w $cpu1 ]] || echo 1 >"$cpu1"
}

# The second boot, with hardened_usercopy=off: only the small-block
# figures, to show what the kernel's usercopy check costs a 64-byte read.
guest_usercopy_off() {
	echo "bench: hardened_usercopy=off"
	guest_load
	kbufctl bench --repeat "$BENCH_REPEAT" --time "$BENCH_TIME" --block 64 \
		--size 4M --json kmalloc pages vmalloc >"$KBUF_OUT/bench-usercopy-off.json"
	rmmod kbuf
}

# `kbufctl bench --dmabuf`: kbuf's dma-buf exports against the system
# heap and udmabuf, and imports into vgem; whichever of the three this
# kernel has (a module each, or built in, or absent, as on Debian's 6.1).
guest_dmabuf() {
	local m
	for m in vgem udmabuf; do
		modprobe "$m" 2>/dev/null || true
	done
	udevadm settle --timeout=30 2>/dev/null || true
	guest_load
	kbufctl bench --repeat "$BENCH_REPEAT" --time "$BENCH_TIME" --dmabuf \
		--json
	rmmod kbuf
}

# What the figures were measured on.
guest_env() {
	echo "kernel: $(uname -r)"
	echo "cpus: $(nproc)"
	echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	# The flags that choose the kernel's copy_to_user routine.
	echo "cpu copy flags: $(sed -n '/^flags/{p;q}' /proc/cpuinfo |
		grep -o -w -E 'rep_good|erms|fsrm' | tr '\n' ' ')"
	echo "memory: $(sed -n 's/^MemTotal: *//p' /proc/meminfo)"
	echo "transparent huge pages: $(</sys/kernel/mm/transparent_hugepage/enabled)"
	echo "cmdline: $(</proc/cmdline)"
}

# fio's psync and io_uring engines, 4 KiB and 1 MiB blocks, write then
# read, through a buffer and through a file of the same size in /dev/shm
# (tmpfs), one job after another, BENCH_FIO_TIME s each. Rounds alternate
# kbuf and tmpfs so that a busy host slows both. One JSON line per job.
guest_fio_jobs() {
	local e bs rw
	printf '[global]\nfilename=%s\nsize=4M\ntime_based=1\nruntime=%s\n' \
		"$1" "$BENCH_FIO_TIME"
	for e in psync io_uring; do
		for bs in 4k 1M; do
			for rw in write read; do
				printf '[%s %s %s]\nstonewall\nioengine=%s\nbs=%s\nrw=%s\n' \
					"$e" "$bs" "$rw" "$e" "$bs" "$rw"
			done
		done
	done
}

guest_fio() {
	local b target peer=/dev/shm/kbuf-bench-fio round
	head -c 4M /dev/zero >"$peer"
	for round in 1 2 3; do
		for b in pages vmalloc; do
			for target in "/dev/kbuf/$b" "$peer"; do
				guest_fio_jobs "$target" >/tmp/kbuf-bench.fio
				fio --output-format=json /tmp/kbuf-bench.fio |
					jq -c --arg b "$b" --arg t "${target##*/}" \
						--arg r "$round" '.jobs[] | {buffer: $b,
						target: $t, round: $r, job: .jobname,
						bw: (.read.bw_bytes + .write.bw_bytes)}'
			done
		done
	done
	rm -f "$peer"
}

main() {
	local out=$KBUF_OUT mode b cpus
	local -a opts=(--repeat "$BENCH_REPEAT" --time "$BENCH_TIME")
	PATH=$KBUF_ROOT/user/kbufctl:$PATH
	cpus=$(nproc)
	if [[ $(</proc/cmdline) == *hardened_usercopy=off* ]]; then
		guest_usercopy_off
		return
	fi
	guest_env >"$out/bench-env.txt"
	if [[ $(kbuf_cmdline_arg kbuftest.bench_part '') == dmabuf ]]; then
		echo "bench: dma-buf only"
		guest_dmabuf >"$out/bench-dmabuf.json"
		return
	fi
	for mode in page pfn; do
		echo "bench: map_mode=$mode"
		guest_load "map_mode=$mode"
		kbufctl bench "${opts[@]}" --size 4M --json kmalloc pages vmalloc \
			>"$out/bench-$mode.json"
		guest_counters >"$out/bench-$mode-counters.txt"
		if [[ $mode == page ]]; then
			guest_read_graphs >"$out/bench-read-graph.txt" ||
				echo "bench: no function_graph of the reads" >&2
			[[ $(nproc) == "$cpus" ]] ||
				kbuf_die "bench: CPU 1 did not come back online"
		fi
		rmmod kbuf
	done
	echo "bench: fio"
	guest_load
	guest_fio >"$out/bench-fio.jsonl"
	rmmod kbuf
	echo "bench: scaling"
	guest_load
	kbufctl bench --scaling --repeat 3 --time "$BENCH_TIME" --json \
		>"$out/bench-scaling.json"
	rmmod kbuf
	echo "bench: dma-buf"
	guest_dmabuf >"$out/bench-dmabuf.json"
}

main "$@"
