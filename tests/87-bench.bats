#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# kbufctl bench: that it runs and reports every figure, as a table and as
# JSON, and refuses bad options. A functional test, not a timed one: the
# figures themselves are not checked (make bench measures them).

load 'helpers/common'

setup_file() {
	kbuf_file_setup
}

# The dma-buf peers a test loaded go with it, whatever failed.
teardown() {
	local rc=0
	kbuf_modprobe_undo || rc=1
	kbuf_test_teardown || rc=1
	return "$rc"
}

# The quickest run that still has every figure: one sample of 20 ms each.
bench() {
	kbufctl bench --repeat 1 --size 64K --block 4K --time 20 "$@"
}

@test "bench prints a table with every figure for each buffer" {
	local b
	run -0 bench kmalloc pages vmalloc
	for b in "${KBUF_BACKENDS[@]}"; do
		assert_line --regexp "^/dev/kbuf/$b: $b, 64 KiB used of [0-9]+ [KM]iB, map (page|pfn); median of 1 "
	done
	assert_line --index 1 --regexp '^FIGURE +BLOCK +UNIT +KBUF +PEER +PEER VALUE +RATIO$'
	assert_line --regexp '^read +4 KiB +MB/s +[0-9.]+ \[[0-9.]+\.\.[0-9.]+\] +tmpfs +[0-9.]+ .* [0-9]+\.[0-9]{2}$'
	assert_line --regexp '^write +4 KiB +MB/s .* tmpfs '
	assert_line --regexp '^read +4 KiB +MB/s .* memcpy '
	assert_line --regexp '^write +4 KiB +MB/s .* memcpy '
	assert_line --regexp '^sendfile +64 KiB +MB/s .* tmpfs '
	assert_line --regexp '^read call +64 B +ns .* /dev/zero '
	assert_line --regexp '^mmap\+touch +64 KiB +us .* memfd '
	assert_line --regexp '^mapped read +64 KiB +MB/s .* anon '
	assert_line --regexp '^mapped write +64 KiB +MB/s .* anon '
	assert_line --regexp '^mapped read +64 KiB +MB/s .* anon 4K '
	assert_line --regexp '^mapped write +64 KiB +MB/s .* anon 4K '
	assert_line --regexp '^2 readers +64 KiB +MB/s .* 1 reader '
	assert_line --regexp '^tmpfs 2 readers +64 KiB +MB/s .* tmpfs 1 reader '
	# 3 buffers x (header, titles, 13 rows); bats leaves out the blank
	# lines between them.
	assert_equal "${#lines[@]}" 45
}

@test "bench leaves the buffer unmapped, closed and full" {
	run -0 bench vmalloc
	[[ $(kbuf_attr vmalloc mappings) == 0 ]]
	[[ $(kbuf_attr vmalloc opens) == 0 ]]
	[[ $(kbuf_attr vmalloc length) == 65536 ]]
	[[ -z $(find /dev/shm -name 'kbufctl-bench.*') ]]
}

@test "bench --json parses with jq and has the expected keys" {
	run -0 bench --json kmalloc vmalloc
	echo "$output" | jq -e '.repeat == 1 and (.buffers | length) == 2'
	echo "$output" | jq -e '.buffers[1] | .name == "vmalloc" and
		.backend == "vmalloc" and .size == 65536 and
		.capacity == 1048576 and (.map_mode | type) == "string"'
	echo "$output" | jq -e '[.buffers[].rows[]] | length == 26 and
		all(has("figure", "block", "unit", "better", "value",
			"peer", "peer_value", "ratio")) and
		all(.value | has("median", "min", "max")) and
		all(.ratio > 0)'
	run -0 jq -r '.buffers[0].rows[] | "\(.figure)/\(.peer)"' <<<"$output"
	assert_line 'read/tmpfs'
	assert_line 'read/memcpy'
	assert_line 'sendfile/tmpfs'
	assert_line 'read call//dev/zero'
	assert_line 'mmap+touch/memfd'
	assert_line 'mapped write/anon'
	assert_line 'mapped read/anon 4K'
	assert_line '2 readers/1 reader'
}

@test "bench skips block sizes larger than the size in use" {
	run -0 kbufctl bench --repeat 1 --time 10 --size 4K --block 64,1M \
		--json vmalloc
	run -0 jq -r '[.buffers[0].rows[] | select(.figure == "read") |
		.block] | unique | join(",")' <<<"$output"
	assert_output '64'
}

# The dma-buf run: every backend, four rows each with vgem, a peer the
# kernel lacks shown without a ratio, and no buffer left behind.
@test "bench --dmabuf measures each backend against the kernel's exporters" {
	kbuf_modprobe_once vgem udmabuf
	run -0 kbufctl bench --dmabuf --repeat 1 --time 10 --size 64K --json
	local json=$output
	jq -e '.repeat == 1 and .size == 65536 and
		([.buffers[].backend] == ["kmalloc", "pages", "vmalloc"]) and
		(.system_heap | type) == "boolean" and
		(.udmabuf | type) == "boolean" and (.vgem | type) == "boolean"' <<<"$json"
	jq -e '[.buffers[].rows[]] | all(has("figure", "block", "unit",
			"better", "value", "peer", "peer_value", "ratio")) and
		all(.unit == "us" and .better == "lower" and .block == 65536) and
		all(.value.median > 0) and
		all((.peer_value == null) == (.ratio == null))' <<<"$json"
	jq -e '. as $d | .buffers[] | [.rows[] | "\(.figure)/\(.peer)"] ==
		["dma-buf new+map/system heap", "dma-buf new+map/udmabuf",
		 "dma-buf export+map/udmabuf"] +
		(if $d.vgem then ["vgem import/system heap"] else [] end)' <<<"$json"
	jq -e '. as $d | [.buffers[].rows[] | select(.peer == "system heap") |
		.ratio != null] | all(. == $d.system_heap)' <<<"$json"
	jq -e '. as $d | [.buffers[].rows[] | select(.peer == "udmabuf") |
		.ratio != null] | all(. == $d.udmabuf)' <<<"$json"
	[[ ! -e /dev/kbuf/bench-dmabuf && ! -e /dev/kbuf/bench-dmabuf-in ]]
	run -0 kbufctl bench --dmabuf --repeat 1 --time 10 --size 64K
	assert_line --index 0 --regexp '^kernel .*: system heap (yes|no), udmabuf (yes|no), vgem (yes|no)$'
	assert_line --regexp '^dma-buf: vmalloc, 65536 bytes; median of 1 '
	assert_line --regexp '^dma-buf new\+map +64 KiB +us +[0-9.]+ \[.*\] +(system heap +[0-9.]+ .* [0-9]+\.[0-9]{2}|system heap +- +-)$'
}

@test "bench --dmabuf leaves out, and names, a backend that cannot make a buffer of the size" {
	local size
	size=$(($(kbuf_attr control/limits pages) * 2))
	assert [ "$(kbuf_attr control/limits kmalloc)" -lt "$size" ]
	assert [ "$(kbuf_attr control/limits vmalloc)" -ge "$size" ]
	run -0 --separate-stderr kbufctl bench --dmabuf --repeat 1 --time 10 \
		--size "$size" --json
	jq -e '[.buffers[].backend] == ["vmalloc"]' <<<"$output"
	# shellcheck disable=SC2154 # set by run --separate-stderr
	assert_equal "$stderr" "kbufctl: bench: kmalloc: $size bytes cannot be created: Invalid argument
kbufctl: bench: pages: $size bytes cannot be created: Invalid argument"
	[[ ! -e /dev/kbuf/bench-dmabuf && ! -e /dev/kbuf/bench-dmabuf-in ]]
}

@test "bench refuses bad options with exit status 2" {
	run -2 kbufctl bench
	assert_output --partial 'missing DEV'
	run -2 kbufctl bench --repeat 0 vmalloc
	assert_output --partial "repeat '0' is not 1 to 99"
	run -2 kbufctl bench --block 4K,0 vmalloc
	assert_output --partial "block '0' is not 1 to 1G"
	run -2 kbufctl bench --block 4X vmalloc
	assert_output --partial "block '4X' is not a size"
	run -2 kbufctl bench --size 0 vmalloc
	run -2 kbufctl bench --time 99999 vmalloc
	run -2 kbufctl bench --scaling vmalloc
	run -2 kbufctl bench --dmabuf vmalloc
	assert_output --partial '--dmabuf takes no DEV'
	run -2 kbufctl bench --dmabuf --scaling
	run -2 kbufctl bench --frob vmalloc
	assert_output --partial "Try 'kbufctl bench --help'"
	run -0 kbufctl bench --help
	assert_line --index 0 --regexp '^Usage: kbufctl bench'
}

@test "bench of a missing buffer exits 1" {
	run -1 kbufctl bench nosuch
	assert_output --partial '/dev/kbuf/nosuch'
}
