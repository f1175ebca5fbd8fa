#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# /sys/class/kbuf/<name>/: the attributes, the writable length, the open
# and mapping counts and the I/O counters, and the ABI document.

load 'helpers/common'

KBUF_ATTRS=(backend capacity max_capacity source length map_mode gfp numa_node
	mappings exports opens reads writes bytes_read bytes_written mmaps)

setup() {
	kbuf_test_setup
	kbuf_clear_all
}

# Write $2 to attribute $3 of buffer $1 (one write(2), as echo does).
write_attr() {
	printf '%s\n' "$2" >"$KBUF_SYS/$1/$3"
}

@test "each buffer's sysfs directory has every documented attribute" {
	check() {
		local a
		for a in "${KBUF_ATTRS[@]}"; do
			assert_file_exists "$KBUF_SYS/$1/$a"
		done
	}
	kbuf_each_backend check
}

@test "every attribute reads as one decimal (numa_node may be -1) or word followed by a newline" {
	check() {
		local a v re
		for a in "${KBUF_ATTRS[@]}"; do
			re=$'^[a-z0-9]+\n$'
			[[ $a != numa_node ]] || re=$'^(-1|[0-9]+)\n$'
			# read, not cat: no exec per attribute (slow under TCG).
			IFS= read -r -d '' v <"$KBUF_SYS/$1/$a" || true
			[[ $v =~ $re ]] || fail "$1/$a reads '$v'"
		done
	}
	kbuf_each_backend check
}

@test "length is writable by its owner and every other attribute is read-only" {
	check() {
		local a mode
		while read -r a mode; do
			a=${a##*/}
			if [[ $a == length ]]; then
				assert_equal $((8#$mode & 8#200)) $((8#200))
				assert_equal $((8#$mode & 8#002)) 0
			else
				assert_equal $((8#$mode & 8#222)) 0
			fi
		done < <(cd "$KBUF_SYS/$1" && stat -c '%n %a' "${KBUF_ATTRS[@]}")
	}
	kbuf_each_backend check
}

@test "backend names the allocator" {
	check() {
		run kbuf_attr "$1" backend
		assert_output "$1"
	}
	kbuf_each_backend check
}

@test "capacity is the capacity INFO reports" {
	check() {
		run kbuf_attr "$1" capacity
		assert_output "$(kbuf_default_capacity "$1")"
	}
	kbuf_each_backend check
}

@test "gfp is kernel for the buffers made at load" {
	check() {
		run kbuf_attr "$1" gfp
		assert_output kernel
	}
	kbuf_each_backend check
}

@test "length follows writes" {
	check() {
		echo hi >"$KBUF_DEV/$1"
		run kbuf_attr "$1" length
		assert_output 3
	}
	kbuf_each_backend check
}

@test "writing a decimal to length sets it without touching the bytes" {
	check() {
		echo hello >"$KBUF_DEV/$1"
		write_attr "$1" 2 length
		run cat "$KBUF_DEV/$1"
		assert_output he
		write_attr "$1" 5 length
		run kbuf_info "$1" length
		assert_output 5
		run cat "$KBUF_DEV/$1"
		assert_output hello
	}
	kbuf_each_backend check
}

@test "writing capacity to length works and capacity + 1 fails with EINVAL" {
	check() {
		local cap
		cap=$(kbuf_attr "$1" capacity)
		write_attr "$1" "$cap" length
		run kbuf_attr "$1" length
		assert_output "$cap"
		run -1 write_attr "$1" $((cap + 1)) length
		assert_output --partial 'Invalid argument'
		run kbuf_attr "$1" length
		assert_output "$cap"
	}
	kbuf_each_backend check
}

# Base 0 would read 010 as octal 8 and accept 0x10.
@test "length is read in decimal only: 010 sets 10 and 0x10 fails with EINVAL" {
	check() {
		kbuf-io "$KBUF_DEV/$1" fill 20 0 >/dev/null
		write_attr "$1" 010 length
		run kbuf_attr "$1" length
		assert_output 10
		run -1 write_attr "$1" 0x10 length
		assert_output --partial 'Invalid argument'
		run kbuf_attr "$1" length
		assert_output 10
	}
	kbuf_each_backend check
}

# SLUB serves kmalloc() from its caches up to two pages, and passes larger
# sizes to the page allocator.
@test "source says slab for kmalloc up to two pages, pages above, and the allocator for the others" {
	local size want
	for size in 100 4096 8192 12288 65536; do
		want=slab
		((size <= 2 * KBUF_PAGE)) || want=pages
		kbuf_create "s-$size" kmalloc "$size"
		run kbuf_attr "s-$size" source
		assert_output "$want"
		kbuf_destroy "s-$size"
	done
	run kbuf_attr pages source
	assert_output pages
	run kbuf_attr vmalloc source
	assert_output vmalloc
}

@test "source follows a resize of a kmalloc buffer across two pages" {
	kbuf_create s-grow kmalloc 4096
	kbuf-ioctl "$KBUF_DEV/s-grow" resize 65536
	run kbuf_attr s-grow source
	assert_output pages
	kbuf-ioctl "$KBUF_DEV/s-grow" resize 4096
	run kbuf_attr s-grow source
	assert_output slab
}

@test "writing something that is not a number to length fails with EINVAL" {
	check() {
		local bad
		for bad in abc -1 '' 12abc 0x; do
			run -1 write_attr "$1" "$bad" length
			assert_output --partial 'Invalid argument'
		done
		run kbuf_attr "$1" length
		assert_output 0
	}
	kbuf_each_backend check
}

@test "opens counts open file descriptions" {
	check() {
		run kbuf_attr "$1" opens
		assert_output 0
		exec 5<"$KBUF_DEV/$1"
		run kbuf_attr "$1" opens
		assert_output 1
		exec 5<&-
		run kbuf_attr "$1" opens
		assert_output 0
	}
	kbuf_each_backend check
}

@test "mappings counts live mappings" {
	check() {
		kbuf_hold_mapping "$KBUF_DEV/$1"
		run kbuf_attr "$1" mappings
		assert_output 1
		kbuf_bg_kill "$KBUF_BG_PID"
		run kbuf_attr "$1" mappings
		assert_output 0
	}
	kbuf_each_backend check
}

# assert_counted COUNTER N BYTES M CMD NAME: after "CMD NAME", the
# attributes COUNTER and BYTES of buffer NAME read N and M more than before.
assert_counted() {
	local was_n was_m
	was_n=$(kbuf_attr "$6" "$1")
	was_m=$(kbuf_attr "$6" "$3")
	"$5" "$6"
	run kbuf_attr "$6" "$1"
	assert_output $((was_n + $2))
	run kbuf_attr "$6" "$3"
	assert_output $((was_m + $4))
}

@test "reads and bytes_read count each read that returns data" {
	digits() {
		echo 0123456789 >"$KBUF_DEV/$1"
	}
	preads() {
		kbuf-io "$KBUF_DEV/$1" pread 0 5 pread 5 100 >/dev/null
	}
	kbuf_each_backend digits
	kbuf_each_backend assert_counted reads 2 bytes_read 11 preads
}

@test "writes and bytes_written count successful writes, not ENOSPC" {
	pwrites() {
		local cap
		cap=$(kbuf_attr "$1" capacity)
		kbuf-io "$KBUF_DEV/$1" pwrite 0 hello pwrite $((cap - 2)) abcd \
			>/dev/null
		run -1 kbuf-io "$KBUF_DEV/$1" pwrite "$cap" x
	}
	kbuf_each_backend assert_counted writes 2 bytes_written 7 pwrites
}

@test "mmaps counts successful mmap calls only" {
	check() {
		local mmaps
		mmaps=$(kbuf_attr "$1" mmaps)
		kbuf-mmap "$KBUF_DEV/$1"
		kbuf-mmap -l "$KBUF_PAGE" "$KBUF_DEV/$1"
		run -1 kbuf-mmap -p "$KBUF_DEV/$1"
		run -1 kbuf-mmap -l $((2 << 30)) "$KBUF_DEV/$1"
		run kbuf_attr "$1" mmaps
		assert_output $((mmaps + 2))
	}
	kbuf_each_backend check
}

@test "the ABI document in the repository describes every attribute" {
	local doc a
	doc=${KBUF_ROOT:-$BATS_TEST_DIRNAME/..}/docs/sysfs-class-kbuf
	assert_file_exists "$doc"
	for a in "${KBUF_ATTRS[@]}"; do
		run grep -c "^What:.*/sys/class/kbuf/<name>/$a\$" "$doc"
		assert_output 1
	done
}
