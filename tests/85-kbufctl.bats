#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# kbufctl, the command-line tool: every command, its output and its errors
# (exit 1 when the operation fails, 2 for a usage error), on the buffers
# made at load with the default parameters (map_mode=page).

load 'helpers/common'
load 'helpers/completion'

setup_file() {
	# The hints for members of group kbuf need it, and the nodes in it
	# (see 80-udev.bats for the reload).
	getent group kbuf >/dev/null || groupadd --system kbuf
	if [[ -f /run/udev/rules.d/60-kbuf.rules ]]; then
		touch /run/udev/rules.d/60-kbuf.rules
		udevadm control --reload
	fi
	kbuf_file_setup
}

teardown_file() {
	kbuf_file_teardown
}

setup() {
	kbuf_test_setup
	kbuf_clear_all
}

# Wait up to 10 s for sysfs attribute $2 of buffer $1 to read $3.
wait_attr() {
	local i
	for ((i = 0; i < 100; i++)); do
		[[ $(kbuf_attr "$1" "$2") == "$3" ]] && return 0
		sleep 0.1
	done
	echo "$1/$2 is $(kbuf_attr "$1" "$2"), not $3" >&2
	return 1
}

# Map buffer $1 in the background with kbufctl map --hold; return once
# the mapping is counted.
# assert_destroy_busy NAME ATTR HOLDERS: while the background process holds
# buffer NAME (sysfs attribute ATTR counts its hold), destroy fails with
# EBUSY and prints HOLDERS; once the holder is gone, destroy succeeds.
assert_destroy_busy() {
	run -1 kbufctl destroy "$1"
	assert_output "kbufctl: /dev/kbuf/control: destroy $1: Device or resource busy
$3"
	kbuf_bg_kill "$KBUF_BG_PID"
	wait_attr "$1" "$2" 0
	run -0 kbufctl destroy "$1"
}

hold_map() {
	kbuf_bg kbufctl map "$1" --hold 600
	wait_attr "$1" mappings 1
}

# ---- the command line ---------------------------------------------------

@test "kbufctl --version prints its version and the loaded module's" {
	run -0 kbufctl --version
	assert_line --index 0 --regexp '^kbufctl [^ ]+$'
	assert_line --index 1 "kbuf module $(cat /sys/module/kbuf/version)"
	assert_equal "${#lines[@]}" 2
}

@test "kbufctl help CMD is CMD --help; help alone is --help" {
	run -0 kbufctl help resize
	assert_output "$(kbufctl resize --help)"
	run -0 kbufctl help
	assert_output "$(kbufctl --help)"
	run -2 kbufctl help frob
	assert_output "kbufctl help: unknown command 'frob'
Try 'kbufctl help --help' for more information."
}

@test "kbufctl without a command prints the usage and exits 2" {
	run -2 kbufctl
	assert_output --partial 'Usage:'
	assert_output --partial 'layout'
}

@test "an unknown command exits 2 and names the command" {
	run -2 kbufctl frobnicate
	assert_output --partial "unknown command 'frobnicate'"
}

@test "every command answers --help with its usage and exit status 0" {
	local c
	for c in list info create destroy write read truncate clear resize \
		fill verify map export layout stress bench help; do
		run -0 kbufctl "$c" --help
		assert_line --index 0 --regexp "^Usage: kbufctl $c"
	done
}

@test "an unknown option exits 2 and points to --help" {
	run -2 kbufctl read vmalloc --frob
	assert_output --partial "unrecognized option '--frob'"
	assert_output --partial "Try 'kbufctl read --help'"
}

@test "a missing DEV exits 2" {
	run -2 kbufctl read
	assert_output --partial 'missing DEV'
}

@test "kbufctl info nosuch exits 1 with a message naming the device" {
	run -1 kbufctl info nosuch
	assert_output "kbufctl: /dev/kbuf/nosuch: No such file or directory
kbufctl: no such buffer: 'kbufctl list' shows them"
}

@test "a node that is not a kbuf buffer is refused with ENOTTY" {
	run -1 kbufctl info /dev/null
	assert_output --partial '/dev/null: KBUF_IOC_INFO: Inappropriate ioctl for device'
}

@test "a size with a bad suffix exits 2 and names the size" {
	run -2 kbufctl resize vmalloc 4Q
	assert_output --partial "'4Q' is not a size"
	run -2 kbufctl write vmalloc --offset 1KB --data x
	assert_output --partial "offset '1KB' is not a size"
	run -2 kbufctl write vmalloc -o 1 --data x
	assert_output --partial "invalid option -- 'o'"
	run -2 kbufctl create big --backend vmalloc --size 8X
	assert_output --partial "size '8X' is not a size"
}

@test "a size that overflows 64 bits exits 2" {
	run -2 kbufctl truncate vmalloc 18446744073709551616
	assert_output --partial 'does not fit in 64 bits'
	run -2 kbufctl read vmalloc --length 17179869184G
	assert_output --partial 'does not fit in 64 bits'
}

@test "sizes take K, M and G suffixes" {
	run -0 kbufctl truncate vmalloc 1K
	assert_equal "$(kbuf_attr vmalloc length)" 1024
	run -0 kbufctl truncate vmalloc 1M
	assert_equal "$(kbuf_attr vmalloc length)" 1048576
	run -1 kbufctl truncate vmalloc 1G
	assert_output --partial 'set length to 1073741824: Invalid argument'
}

# ---- list and info ------------------------------------------------------

@test "list prints the three load-time buffers in an aligned table, sizes for people" {
	run -0 kbufctl list
	assert_output "$(printf '%s\n' \
		'NAME     BACKEND  CAPACITY  LENGTH  MAP   GFP     MAPPINGS  OPENS  EXPORTS' \
		'kmalloc  kmalloc       64K      0B  pfn   kernel         0      0        0' \
		'pages    pages         64K      0B  page  kernel         0      0        0' \
		'vmalloc  vmalloc        1M      0B  page  kernel         0      0        0')"
}

@test "list -o picks columns, -n drops the heading, -r and -b are for scripts" {
	echo hello >"$KBUF_DEV/vmalloc"
	run -0 kbufctl list -o name,capacity,LENGTH
	assert_output "$(printf '%s\n' 'NAME     CAPACITY  LENGTH' \
		'kmalloc       64K      0B' 'pages         64K      0B' \
		'vmalloc        1M      6B')"
	run -0 kbufctl list --output=NAME,CAPACITY,LENGTH -n -r -b
	assert_output "$(printf '%s\n' 'kmalloc 65536 0' 'pages 65536 0' \
		'vmalloc 1048576 6')"
	run -0 kbufctl list -rb --output name,opens
	assert_output "$(printf '%s\n' 'NAME OPENS' 'kmalloc 0' 'pages 0' \
		'vmalloc 0')"
	run -0 kbufctl list --noheadings --output backend
	assert_output "$(printf '%s\n' kmalloc pages vmalloc)"
	run -0 kbufctl list -j -o name,length
	assert_output '[{"name":"kmalloc","length":0},{"name":"pages","length":0},{"name":"vmalloc","length":6}]'
	run -2 kbufctl list -o name,size
	assert_output "kbufctl list: unknown column 'size'
Try 'kbufctl list --help' for more information."
	run -0 kbufctl list -rb -o name -o +opens,NAME,length
	assert_output "$(printf '%s\n' 'NAME OPENS LENGTH' 'kmalloc 0 0' \
		'pages 0 0' 'vmalloc 0 6')"
	run -0 kbufctl list -n -o +name
	assert_output "$(kbufctl list -n)"
	run -2 kbufctl list --json -n
	assert_output "kbufctl list: --json has no heading and no alignment: drop --noheadings and --raw
Try 'kbufctl list --help' for more information."
	run -2 kbufctl list -r --json
	assert_line --index 0 "kbufctl list: --json has no heading and no alignment: drop --noheadings and --raw"
}

@test "list --json is an array that jq reads, with numbers as numbers" {
	echo hello >"$KBUF_DEV/vmalloc"
	run -0 kbufctl list --json
	run -0 jq -r 'length' <<<"$output"
	assert_output 3
	run -0 kbufctl list --json
	run -0 jq -r '.[] | select(.name == "vmalloc") |
		"\(.backend) \(.capacity) \(.length) \(.map_mode) \(.gfp) \(.mappings) \(.opens) \(.exports) \(.capacity | type)"' <<<"$output"
	assert_output 'vmalloc 1048576 6 page kernel 0 0 0 number'
}

@test "list --json shows a buffer made at run time" {
	kbufctl create -q extra1 --backend pages --size 12K --gfp atomic
	run -0 kbufctl list --json
	run -0 jq -r '.[] | select(.name == "extra1") | "\(.backend) \(.capacity) \(.gfp)"' <<<"$output"
	assert_output 'pages 12288 atomic'
}

@test "info shows a buffer in full" {
	echo abc >"$KBUF_DEV/pages"
	run -0 kbufctl info pages
	assert_line --regexp '^name: +pages$'
	assert_line --regexp '^device: +/dev/kbuf/pages$'
	assert_line --regexp "^capacity: +$((KBUF_PAGE << 4)) \\(64 KiB\\)$"
	assert_line --regexp '^length: +4$'
	assert_line --regexp '^map mode: +page$'
	assert_line --regexp '^opens: +0$'
	assert_line --regexp '^exports: +0$'
	assert_line --regexp '^placement: +page allocator \(order 4\)$'
	assert_line --regexp '^phys addr: +0x[0-9a-f]+$'
}

@test "info takes a path as well as a bare name" {
	run -0 kbufctl info /dev/kbuf/vmalloc --json
	run -0 jq -r .name <<<"$output"
	assert_output vmalloc
}

@test "info --json agrees with sysfs for every backend" {
	local attrs=(backend capacity length map_mode gfp mappings opens exports)
	check() {
		local a want=
		run -0 kbufctl info "$1" --json
		# One jq and reads by the shell: an exec costs 0.1 s under TCG.
		run -0 jq -r "$(printf '.%s, ' "${attrs[@]}")(.counters.reads | type)" <<<"$output"
		for a in "${attrs[@]}"; do
			want+=$(<"$KBUF_SYS/$1/$a")$'\n'
		done
		assert_output "${want}number"
	}
	kbuf_each_backend check
}

@test "info gives root the physical address of kmalloc and pages, never of vmalloc" {
	run -0 kbufctl info kmalloc --json
	run -0 jq -r '.phys_addr | type' <<<"$output"
	assert_output number
	run -0 kbufctl info vmalloc --json
	run -0 jq -r '.phys_addr' <<<"$output"
	assert_output null
}

# Debian's kernels have memory cgroups with kernel memory accounting:
# kbuf's charged objects (__GFP_ACCOUNT) live in the kmalloc-cg-* caches.
@test "info names the kmalloc slab cache of a small kmalloc buffer, the charged kmalloc-cg one" {
	kbufctl create -q small --backend kmalloc --size 100
	run -0 kbufctl info small
	assert_line --regexp '^placement: +slab cache kmalloc-cg-128$'
	# The third number is the slot, larger under slub_debug or KASAN.
	assert_line --regexp '^seen in: +kmalloc-cg-128 +[0-9]+ +[0-9]+ +[0-9]+ '
	assert_equal "$(cat /sys/kernel/slab/kmalloc-cg-128/object_size)" 128
}

@test "info says a large kmalloc buffer comes from the page allocator" {
	run -0 kbufctl info kmalloc
	assert_line --regexp '^placement: +page allocator \(kmalloc of 65536 bytes, order 4\)$'
}

@test "info finds a vmalloc buffer in /proc/vmallocinfo" {
	run -0 kbufctl info vmalloc
	assert_line --regexp '^placement: +vmalloc area \(256 pages\)$'
	assert_line --regexp '^seen in: .*\[kbuf\].* pages=256( |$)'
}

# ---- create and destroy -------------------------------------------------

@test "create makes a node of each backend and destroy removes it" {
	check() {
		run -0 kbufctl create "new-$1" --backend "$1" --size 8K
		assert_output "/dev/kbuf/new-$1"
		kbuf_wait_for "$KBUF_DEV/new-$1"
		assert_equal "$(kbuf_attr "new-$1" backend)" "$1"
		assert_equal "$(kbuf_attr "new-$1" capacity)" 8192
		run -0 kbufctl destroy "new-$1"
		kbuf_settle
		kbuf_wait_gone "$KBUF_DEV/new-$1"
		assert_not_exists "$KBUF_SYS/new-$1"
	}
	kbuf_each_backend check
	run -0 kbufctl create q1 -B pages -s 4K --quiet
	assert_output ''
	run -0 kbufctl create -q -B vmalloc -s 4K q2
	assert_output ''
}

@test "destroy takes the node's path too" {
	kbufctl create bypath --backend vmalloc --size 4K
	run -0 kbufctl destroy /dev/kbuf/bypath
	kbuf_settle
	assert_not_exists "$KBUF_SYS/bypath"
}

@test "create and destroy refuse a path other than /dev/kbuf/NAME, exit 2" {
	run -2 kbufctl destroy ./pages
	assert_output "kbufctl destroy: './pages' is not a buffer name or /dev/kbuf/NAME
Try 'kbufctl destroy --help' for more information."
	run -2 kbufctl create /tmp/foo --backend kmalloc --size 1
	assert_output "kbufctl create: '/tmp/foo' is not a buffer name
Try 'kbufctl create --help' for more information."
	assert_character_exists "$KBUF_DEV/pages"
	assert_not_exists "$KBUF_DEV/foo"
}

@test "create with gfp atomic shows in sysfs" {
	run -0 kbufctl create at --backend kmalloc --size 4K --gfp atomic
	assert_equal "$(kbuf_attr at gfp)" atomic
}

@test "create --map pfn and --map page set the buffer's map mode, shown by info" {
	run -0 kbufctl create mp --backend pages --size 8K --map pfn
	assert_equal "$(kbuf_attr mp map_mode)" pfn
	run -0 kbufctl create mv --backend vmalloc --size 8K -M page
	assert_equal "$(kbuf_attr mv map_mode)" page
	run -0 kbufctl create mk --backend kmalloc --size 8K --map pfn
	assert_equal "$(kbuf_attr mk map_mode)" pfn
	run -0 kbufctl info mp
	assert_line --regexp '^map mode: +pfn$'
}

@test "create --map page of kmalloc and an unknown --map are usage errors, the driver not asked" {
	run -2 kbufctl create mk --backend kmalloc --size 8K --map page
	assert_output "kbufctl create: --map page is not for kmalloc (pfn only)
Try 'kbufctl create --help' for more information."
	run -2 kbufctl create mk --backend pages --size 8K --map struct
	assert_output "kbufctl create: map mode 'struct' is not page or pfn
Try 'kbufctl create --help' for more information."
	assert_not_exists "$KBUF_DEV/mk"
}

@test "create of an existing name fails with EEXIST" {
	run -1 kbufctl create vmalloc --backend vmalloc --size 4K
	assert_output "kbufctl: /dev/kbuf/control: create vmalloc: File exists
kbufctl: a buffer named vmalloc exists: 'kbufctl list' shows them"
}

@test "create of vmalloc with gfp atomic is a usage error, the driver not asked" {
	run -2 kbufctl create va --backend vmalloc --size 4K --gfp atomic
	assert_output "kbufctl create: --gfp atomic is not for vmalloc
Try 'kbufctl create --help' for more information."
}

@test "create or resize over the backend's limit fails with EINVAL and names the limit" {
	run -1 kbufctl create huge --backend kmalloc --size 5M
	assert_output 'kbufctl: /dev/kbuf/control: create huge: Invalid argument
kbufctl: kmalloc buffers hold at most 4 MiB'
	run -1 kbufctl create huge --backend vmalloc --size 2G
	assert_output 'kbufctl: /dev/kbuf/control: create huge: Invalid argument
kbufctl: vmalloc buffers hold at most 1 GiB'
	run -1 kbufctl resize pages 8M
	assert_output 'kbufctl: /dev/kbuf/pages: resize to 8388608: Invalid argument
kbufctl: pages buffers hold at most 4 MiB'
}

@test "create with a bad name, backend or gfp exits 2 before asking the driver" {
	run -2 kbufctl create Bad --backend vmalloc --size 4K
	assert_output --partial "'Bad' is not a buffer name"
	run -2 kbufctl create control --backend vmalloc --size 4K
	assert_output --partial "'control' is not a buffer name"
	run -2 kbufctl create ok --backend slab --size 4K
	assert_output --partial "backend 'slab' is not kmalloc, pages or vmalloc"
	run -2 kbufctl create ok --backend pages --size 4K --gfp nowait
	assert_output --partial "gfp 'nowait' is not kernel or atomic"
	run -2 kbufctl create ok --size 4K
	assert_output --partial 'missing --backend'
}

@test "create without CAP_SYS_ADMIN fails with EPERM" {
	run -1 kbuf_without_sys_admin kbufctl create np --backend vmalloc --size 4K
	assert_output 'kbufctl: /dev/kbuf/control: create np: Operation not permitted
kbufctl: creating and destroying buffers needs root: use sudo'
}

@test "destroy of an unknown buffer fails with ENOENT" {
	run -1 kbufctl destroy nosuch
	assert_output "kbufctl: /dev/kbuf/control: destroy nosuch: No such file or directory
kbufctl: no buffer named nosuch: 'kbufctl list' shows them"
}

@test "destroy of a mapped buffer fails with EBUSY" {
	kbufctl_create busy --backend vmalloc --size 8K
	hold_map busy
	assert_destroy_busy busy mappings \
		"kbufctl: busy is held by 1 open file and 1 mapping:
kbufctl:   pid $KBUF_BG_PID (kbufctl): 1 descriptor, 1 mapping"
}

# ---- write, read, truncate, clear, resize -------------------------------

@test "write --data then read prints the data back" {
	check() {
		run -0 kbufctl write "$1" --data 'hello world'
		run -0 kbufctl read "$1"
		assert_output 'hello world'
		assert_equal "$(kbuf_attr "$1" length)" 11
	}
	kbuf_each_backend check
}

@test "write at an offset past the length leaves a gap of zeros" {
	kbufctl write vmalloc --offset 4 --data ab
	run -0 kbufctl read vmalloc --hex
	assert_output '00000000  00 00 00 00 61 62                                 |....ab|'
}

@test "write takes stdin with - and a file with --file" {
	printf 'from stdin' | kbufctl write pages -
	run -0 kbufctl read pages
	assert_output 'from stdin'
	printf 'FROM' >"$BATS_TEST_TMPDIR/f"
	run -0 kbufctl write pages --file "$BATS_TEST_TMPDIR/f"
	run -0 kbufctl read pages
	assert_output 'FROM stdin'
}

@test "write needs exactly one source" {
	run -2 kbufctl write vmalloc
	assert_output --partial 'give exactly one of --data, --file and -'
	run -2 kbufctl write vmalloc --data a --file /dev/null
	assert_output --partial 'give exactly one of --data, --file and -'
}

@test "write past the capacity writes what fits, then fails with ENOSPC" {
	kbufctl_create tiny --backend kmalloc --size 16
	run -1 kbufctl write tiny --data 0123456789abcdefXYZ
	assert_output 'kbufctl: /dev/kbuf/tiny: write at offset 16: No space left on device'
	run -0 kbufctl read tiny
	assert_output 0123456789abcdef
}

@test "write of a missing file fails naming the file" {
	run -1 kbufctl write vmalloc --file /nonexistent
	assert_output 'kbufctl: /nonexistent: No such file or directory'
}

@test "read --offset and --length print a slice" {
	kbufctl write vmalloc --data 0123456789
	run -0 kbufctl read vmalloc --offset 3 --length 4
	assert_output 3456
	run -0 kbufctl read vmalloc --offset 8 --length 100
	assert_output 89
	run -0 kbufctl read vmalloc --offset 1M
	assert_output ''
}

@test "read --hex prints offsets, bytes and text like hexdump -C" {
	kbufctl write kmalloc --data 'ABCDEFGHIJKLMNOPQR'
	run -0 kbufctl read kmalloc --hex
	assert_line --index 0 '00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|'
	assert_line --index 1 '00000010  51 52                                             |QR|'
}

@test "truncate sets the length without zeroing" {
	kbufctl write pages --data abcdef
	run -0 kbufctl truncate pages 3
	run -0 kbufctl read pages
	assert_output abc
	run -0 kbufctl truncate pages 6
	run -0 kbufctl read pages
	assert_output abcdef
}

@test "truncate beyond the capacity fails with EINVAL" {
	run -1 kbufctl truncate kmalloc 65537
	assert_output 'kbufctl: /dev/kbuf/kmalloc: set length to 65537: Invalid argument'
}

@test "clear zeroes the data and sets the length to 0" {
	kbufctl write vmalloc --data secret
	run -0 kbufctl clear vmalloc
	assert_equal "$(kbuf_attr vmalloc length)" 0
	kbufctl truncate vmalloc 6
	run -0 kbufctl read vmalloc --hex
	assert_output '00000000  00 00 00 00 00 00                                 |......|'
}

@test "resize changes the capacity and keeps the data" {
	check() {
		kbufctl create "rs-$1" --backend "$1" --size 8K
		kbuf_wait_for "$KBUF_DEV/rs-$1"
		kbufctl write "rs-$1" --data keep
		run -0 kbufctl resize "rs-$1" 16K
		assert_equal "$(kbuf_attr "rs-$1" capacity)" 16384
		run -0 kbufctl read "rs-$1"
		assert_output keep
		run -0 kbufctl resize "rs-$1" 2
		run -0 kbufctl read "rs-$1"
		assert_output ke
	}
	kbuf_each_backend check
}

@test "resize to 0 fails with EINVAL" {
	run -1 kbufctl resize vmalloc 0
	assert_output 'kbufctl: /dev/kbuf/vmalloc: resize to 0: Invalid argument
kbufctl: a capacity must be at least 1 byte'
}

@test "resize past max_capacity without CAP_SYS_ADMIN fails with EPERM and names it" {
	kbufctl create -q cap1 --backend pages --size 12K
	run -1 kbuf_without_sys_admin kbufctl resize cap1 16K
	assert_output 'kbufctl: /dev/kbuf/cap1: resize to 16384: Operation not permitted
kbufctl: growing cap1 past its max_capacity, 12 KiB, needs root: use sudo'
	# Read from the driver: root raised it, and a shrink keeps it.
	run -0 kbufctl resize cap1 1000000
	run -0 kbufctl resize cap1 8K
	run -1 kbuf_without_sys_admin kbufctl resize cap1 1M
	assert_output 'kbufctl: /dev/kbuf/cap1: resize to 1048576: Operation not permitted
kbufctl: growing cap1 past its max_capacity, 976.6 KiB, needs root: use sudo'
}

@test "resize of an atomic buffer without CAP_SYS_ADMIN fails with EPERM and says so" {
	kbufctl create -q at1 --backend kmalloc --size 8K --gfp atomic
	run -1 kbuf_without_sys_admin kbufctl resize at1 4K
	assert_output 'kbufctl: /dev/kbuf/at1: resize to 4096: Operation not permitted
kbufctl: resizing an atomic buffer needs root: use sudo'
}

@test "resize of a mapped buffer fails with EBUSY, naming the mappers only" {
	local opener
	# Open but not mapped: no obstacle to a resize, so not named.
	# shellcheck disable=SC2016 # expanded by sh, not here
	kbuf_bg sh -c 'exec sleep 600 <"$1"' sh "$KBUF_DEV/vmalloc"
	opener=$KBUF_BG_PID
	wait_attr vmalloc opens 1
	hold_map vmalloc
	run -1 kbufctl resize vmalloc 2M
	assert_output "kbufctl: /dev/kbuf/vmalloc: resize to 2097152: Device or resource busy
kbufctl: vmalloc has 1 mapping, and a mapped buffer cannot be resized:
kbufctl:   pid $KBUF_BG_PID (kbufctl): 1 mapping"
	kbuf_bg_kill "$KBUF_BG_PID"
	kbuf_bg_kill "$opener"
	wait_attr vmalloc mappings 0
}

@test "a busy resize by a member of kbuf says root would see more" {
	hold_map vmalloc
	run -1 kbuf_as_member kbufctl resize vmalloc 512K
	assert_output "kbufctl: /dev/kbuf/vmalloc: resize to 524288: Device or resource busy
kbufctl: vmalloc has 1 mapping, and a mapped buffer cannot be resized:
kbufctl:   none found: run as root to see the processes of every user"
	kbuf_bg_kill "$KBUF_BG_PID"
	wait_attr vmalloc mappings 0
}

@test "a busy destroy finds a holder that opened the device under another name" {
	local alias=$BATS_TEST_TMPDIR/alias major minor
	kbufctl create -q held --backend pages --size 4K
	kbuf_wait_for "$KBUF_DEV/held"
	read -r major minor < <(stat -c '%Hr %Lr' "$KBUF_DEV/held")
	mknod "$alias" c "$major" "$minor"
	# shellcheck disable=SC2016 # expanded by sh, not here
	kbuf_bg sh -c 'exec sleep 600 <"$1"' sh "$alias"
	wait_attr held opens 1
	assert_destroy_busy held opens \
		"kbufctl: held is held by 1 open file and 0 mappings:
kbufctl:   pid $KBUF_BG_PID (sleep): 1 descriptor, 0 mappings"
}

@test "a user outside group kbuf is told to join it" {
	run kbuf_as_nobody kbufctl read vmalloc
	assert_failure 1
	assert_output "kbufctl: /dev/kbuf/vmalloc: Permission denied
kbufctl: join group kbuf: 'sudo usermod -aG kbuf nobody', then log in again"
}

@test "a file that is not a buffer node gets no kbuf advice" {
	run -1 kbuf_as_nobody kbufctl read /etc/shadow
	assert_output 'kbufctl: /etc/shadow: Permission denied'
}

@test "a holder's name is shown with its control bytes escaped" {
	local evil
	evil=$BATS_TEST_TMPDIR/$(printf 'x\033[2Jy')
	cp /bin/sleep "$evil"
	kbufctl create -q named --backend pages --size 4K
	kbuf_wait_for "$KBUF_DEV/named"
	# shellcheck disable=SC2016 # expanded by sh, not here
	kbuf_bg sh -c 'exec "$1" 600 <"$2"' sh "$evil" "$KBUF_DEV/named"
	wait_attr named opens 1
	run -1 kbufctl destroy named
	assert_line --index 2 "kbufctl:   pid $KBUF_BG_PID (x\\x1b[2Jy): 1 descriptor, 0 mappings"
	kbuf_bg_kill "$KBUF_BG_PID"
	wait_attr named opens 0
	run -0 kbufctl destroy named
}

@test "a member is shown their own mapping made through another node" {
	# Not under BATS_TEST_TMPDIR, which the member cannot enter; a
	# failed run's node goes at the next.
	local dir=/tmp/kbuf-alias major minor
	rm -rf "$dir"
	mkdir -m 0755 "$dir"
	read -r major minor < <(stat -c '%Hr %Lr' "$KBUF_DEV/vmalloc")
	mknod -m 0660 "$dir/vm" c "$major" "$minor"
	chgrp kbuf "$dir/vm"
	kbuf_bg setpriv --reuid="$KBUF_USER" --regid="$KBUF_USER" \
		--groups="$(kbuf_gid)" -- kbufctl map "$dir/vm" --hold 600
	wait_attr vmalloc mappings 1
	run -1 kbuf_as_member kbufctl resize vmalloc 512K
	kbuf_bg_kill "$KBUF_BG_PID"
	wait_attr vmalloc mappings 0
	rm -rf "$dir"
	assert_output "kbufctl: /dev/kbuf/vmalloc: resize to 524288: Device or resource busy
kbufctl: vmalloc has 1 mapping, and a mapped buffer cannot be resized:
kbufctl:   pid $KBUF_BG_PID (kbufctl): 1 mapping"
}

@test "without a group kbuf the hint says what makes it" {
	local gid
	gid=$(kbuf_gid)
	groupdel kbuf
	run kbuf_as_nobody kbufctl read vmalloc
	groupadd --system --gid "$gid" kbuf
	assert_failure 1
	assert_output "kbufctl: /dev/kbuf/vmalloc: Permission denied
kbufctl: no group kbuf: 'make install-user' or kbuf-utils makes it"
}

@test "a user listed in group kbuf whose login is not yet is told to log in again" {
	usermod -aG kbuf nobody
	run kbuf_as_nobody kbufctl read vmalloc
	gpasswd -d nobody kbuf >/dev/null
	assert_failure 1
	assert_output "kbufctl: /dev/kbuf/vmalloc: Permission denied
kbufctl: nobody is in group kbuf, but not this login: log in again, or run 'newgrp kbuf'"
}

@test "a node outside group kbuf is blamed on the udev rule, not on the user" {
	chgrp root "$KBUF_DEV/vmalloc"
	run kbuf_as_member kbufctl read vmalloc
	chgrp kbuf "$KBUF_DEV/vmalloc"
	assert_failure 1
	assert_output "kbufctl: /dev/kbuf/vmalloc: Permission denied
kbufctl: /dev/kbuf/vmalloc is in group root, not kbuf: is the udev rule 60-kbuf.rules installed?"
}

@test "a member refused by a node's mode is told the mode" {
	chmod 0600 "$KBUF_DEV/vmalloc"
	run kbuf_as_member kbufctl read vmalloc
	chmod 0660 "$KBUF_DEV/vmalloc"
	assert_failure 1
	assert_output "kbufctl: /dev/kbuf/vmalloc: Permission denied
kbufctl: /dev/kbuf/vmalloc is mode 0600: the kbuf udev rule makes it 0660"
}

@test "clear by a user who may not write the node fails naming it" {
	local mode
	mode=$(stat -c %a "$KBUF_DEV/pages")
	chmod 0644 "$KBUF_DEV/pages"
	run kbuf_as_nobody kbufctl clear pages
	chmod "$mode" "$KBUF_DEV/pages"
	assert_failure 1
	assert_line --index 0 'kbufctl: /dev/kbuf/pages: Permission denied'
	assert_line --index 1 'kbufctl: /dev/kbuf/pages is mode 0644: the kbuf udev rule makes it 0660'
}

# ---- fill and verify ----------------------------------------------------

@test "fill and verify agree through write and read on every backend" {
	check() {
		run -0 kbufctl fill "$1" --pattern seq
		assert_output ''
		assert_equal "$(kbuf_attr "$1" length)" "$(kbuf_attr "$1" capacity)"
		run -0 kbufctl verify "$1" --pattern seq
		assert_output "/dev/kbuf/$1: $(kbuf_attr "$1" capacity) bytes match seq"
	}
	kbuf_each_backend check
}

@test "fill through a mapping is seen by read, and a write by the mapping" {
	check() {
		run -0 kbufctl fill "$1" --pattern random:42 --via mmap
		run -0 kbufctl verify "$1" --pattern random:42 --via read
		run -0 kbufctl fill "$1" --pattern byte:0x5a --via write
		run -0 kbufctl verify "$1" --pattern byte:0x5a --via mmap
	}
	kbuf_each_backend check
}

@test "verify reports the first mismatching offset and exits 1" {
	kbufctl fill vmalloc --pattern byte:0xaa
	kbufctl write vmalloc --offset 1000 --data X
	run -1 kbufctl verify vmalloc --pattern byte:0xaa
	assert_output 'kbufctl: /dev/kbuf/vmalloc: mismatch at offset 1000: expected 0xaa, found 0x58'
	run -1 kbufctl verify vmalloc --pattern byte:0xaa --via mmap
	assert_output 'kbufctl: /dev/kbuf/vmalloc: mismatch at offset 1000: expected 0xaa, found 0x58'
}

@test "verify through read fails where the data ends before the capacity" {
	kbufctl fill pages --pattern seq
	kbufctl truncate pages 100
	run -1 kbufctl verify pages --pattern seq
	assert_output --partial 'mismatch at offset 100: the data ends there'
}

@test "two random seeds give different data" {
	kbufctl fill vmalloc --pattern random:1
	run -1 kbufctl verify vmalloc --pattern random:2
	assert_output --partial 'mismatch at offset'
}

@test "fill through a mapping of a buffer with no whole page fails and says why" {
	kbufctl_create small --backend kmalloc --size 100
	run -1 kbufctl fill small --pattern seq --via mmap
	assert_output --partial 'smaller than a page owns no whole page'
	run -0 kbufctl fill small --pattern seq
	run -0 kbufctl verify small --pattern seq
}

@test "fill and verify take no progress bar when stderr is not a terminal" {
	run -0 kbufctl fill vmalloc --pattern seq
	assert_output ''
}

@test "fill with a bad pattern or --via exits 2" {
	run -2 kbufctl fill vmalloc --pattern nope
	assert_output --partial "pattern 'nope' is not seq, random:SEED or byte:0xNN"
	run -2 kbufctl fill vmalloc --pattern byte:0x100
	assert_output --partial 'value too large'
	run -2 kbufctl fill vmalloc --pattern seq --via read
	assert_output --partial '--via takes write or mmap'
	run -2 kbufctl verify vmalloc --pattern seq --via write
	assert_output --partial '--via takes read or mmap'
	run -2 kbufctl verify vmalloc
	assert_output --partial 'missing --pattern'
}

# ---- map ----------------------------------------------------------------

@test "map prints what the mapping shows up to the length" {
	check() {
		kbufctl write "$1" --data 'seen through mmap'
		run -0 kbufctl map "$1"
		assert_output 'seen through mmap'
	}
	kbuf_each_backend check
}

@test "map --write stores through the mapping without changing the length" {
	run -0 kbufctl map vmalloc --write hello
	assert_output hello
	assert_equal "$(kbuf_attr vmalloc length)" 0
	kbufctl truncate vmalloc 5
	run -0 kbufctl read vmalloc
	assert_output hello
}

@test "map --offset maps from a later page" {
	kbufctl write vmalloc --offset "$KBUF_PAGE" --data page1
	run -0 kbufctl map vmalloc --offset "$KBUF_PAGE" --length "$KBUF_PAGE"
	assert_output page1
}

@test "map outside the buffer fails with EINVAL" {
	run -1 kbufctl map vmalloc --offset 1M
	assert_output --partial "/dev/kbuf/vmalloc: mmap of $KBUF_PAGE bytes at offset 1048576: Invalid argument"
	run -1 kbufctl map vmalloc --length 2M
	assert_output --partial 'Invalid argument'
}

@test "map of a kmalloc buffer smaller than a page fails with EINVAL and says why" {
	kbufctl_create small --backend kmalloc --size 100
	run -1 kbufctl map small
	assert_output 'kbufctl: /dev/kbuf/small: mmap: Invalid argument (map size 0: a kmalloc buffer smaller than a page owns no whole page)'
}

@test "map --hold keeps the mapping counted until it ends" {
	hold_map pages
	run -0 kbufctl info pages --json
	run -0 jq -r .mappings <<<"$output"
	assert_output 1
	kbuf_bg_kill "$KBUF_BG_PID"
	wait_attr pages mappings 0
}

@test "map --write by a user who may only read the node fails naming it" {
	local mode
	mode=$(stat -c %a "$KBUF_DEV/vmalloc")
	chmod 0644 "$KBUF_DEV/vmalloc"
	run kbuf_as_nobody kbufctl map vmalloc --write x
	chmod "$mode" "$KBUF_DEV/vmalloc"
	assert_failure 1
	assert_output 'kbufctl: /dev/kbuf/vmalloc: Permission denied
kbufctl: /dev/kbuf/vmalloc is mode 0644: the kbuf udev rule makes it 0660'
}

@test "map with a bad --hold exits 2" {
	run -2 kbufctl map vmalloc --hold soon
	assert_output --partial '--hold takes whole seconds'
}

# ---- layout -------------------------------------------------------------

# The number before " run" or " runs" in a layout line.
runs_of() {
	sed -n 's/.* \([0-9][0-9]*\) runs\{0,1\} .*/\1/p' <<<"$1" | head -n 1
}

@test "layout shows one run of frames for kmalloc" {
	run -0 kbufctl layout kmalloc
	assert_line --index 0 --regexp '^kmalloc  64 KiB  16 pages  1 run   (█){16}$'
}

@test "layout shows one run of frames for pages" {
	run -0 kbufctl layout pages
	assert_line --index 0 --regexp '^pages  64 KiB  16 pages  1 run   (█){16}$'
	assert_line --index 1 '  frames from /proc/self/pagemap'
}

@test "layout shows more than one run for an 8 MiB vmalloc buffer" {
	kbufctl_create big --backend vmalloc --size 8M
	run -0 kbufctl layout big
	assert_line --index 0 --regexp '^big \(vmalloc\)  8 MiB  2048 pages  [0-9]+ runs '
	local runs
	runs=$(runs_of "${lines[0]}")
	echo "runs: $runs"
	((runs > 1))
	# The picture is capped at 64 cells (3 bytes each) and shows breaks.
	[[ ${lines[0]} == *▚* || ${lines[0]} == *▞* ]]
	local picture=${lines[0]##* }
	assert_equal "$(printf '%s' "$picture" | wc -c)" 192
}

@test "layout --runs lists as many runs as it counts" {
	run -0 kbufctl layout vmalloc --runs
	local runs
	runs=$(runs_of "${lines[0]}")
	assert_equal "$(grep -c '^  run [0-9]*: pages ' <<<"$output")" "$runs"
}

@test "layout without CAP_SYS_ADMIN says it needs it and exits 1" {
	check() {
		run -1 kbuf_without_sys_admin kbufctl layout "$1"
		assert_output --partial "/dev/kbuf/$1: layout needs CAP_SYS_ADMIN"
	}
	kbuf_each_backend check
}

@test "layout of a kmalloc buffer smaller than a page has nothing to map" {
	kbufctl_create small --backend kmalloc --size 100
	run -1 kbufctl layout small
	assert_output --partial 'nothing to map'
}

# ---- export -------------------------------------------------------------

# Python that maps the dma-buf on descriptor 3 (the whole page) with
# protection $1 (r or rw), writes $2 at its start if given, and prints its
# first $3 bytes.
dmabuf_py() {
	python3 -c '
import mmap, os, sys
prot = mmap.PROT_READ | (mmap.PROT_WRITE if sys.argv[1] == "rw" else 0)
try:
    m = mmap.mmap(int(os.environ["KBUF_DMABUF_FD"]), mmap.PAGESIZE,
                  mmap.MAP_SHARED, prot)
except OSError as e:
    sys.exit(f"mmap: {os.strerror(e.errno)}")
if sys.argv[2]:
    m[:len(sys.argv[2])] = sys.argv[2].encode()
print(m[:int(sys.argv[3])].decode())' "$@"
}
export -f dmabuf_py

@test "export runs COMMAND with the buffer's dma-buf on descriptor 3" {
	echo node-data >"$KBUF_DEV/pages"
	# shellcheck disable=SC2016 # expanded by COMMAND's shell
	run -0 kbufctl export pages -- bash -c '
		echo "fd=$KBUF_DMABUF_FD"
		grep -E "^(size|exp_name):" /proc/self/fdinfo/3
		readlink /proc/self/fd/3
		dmabuf_py r "" 9'
	assert_output "fd=3
size:	$((KBUF_PAGE << 4))
exp_name:	kbuf
/dmabuf:
node-data"
}

@test "export passes COMMAND's exit status on, 126 and 127 as env does" {
	run -7 kbufctl export vmalloc -- sh -c 'exit 7'
	assert_output ''
	run -127 kbufctl export vmalloc -- no-such-command-kbuf arg
	assert_output 'kbufctl: no-such-command-kbuf: No such file or directory'
	# Not executable: execvp() says EACCES (a file with x bits but no #!
	# would be run by sh, as the shell does).
	local plain=$BATS_TEST_TMPDIR/plain
	echo data >"$plain"
	chmod 644 "$plain"
	run -126 kbufctl export vmalloc -- "$plain"
	assert_output "kbufctl: $plain: Permission denied"
	assert_equal "$(kbuf_attr vmalloc exports)" 0
}

@test "export: COMMAND writes the buffer through the dma-buf; --read-only maps only for reading" {
	echo hello >"$KBUF_DEV/vmalloc"
	run -0 kbufctl export vmalloc -- bash -c 'dmabuf_py rw HELLO 5'
	assert_output HELLO
	assert_equal "$(cat "$KBUF_DEV/vmalloc")" HELLO
	run -1 kbufctl export --read-only vmalloc -- bash -c 'dmabuf_py rw x 1'
	assert_output 'mmap: Permission denied'
	run -0 kbufctl export --read-only vmalloc -- bash -c 'dmabuf_py r "" 5'
	assert_output HELLO
}

@test "info and list count the export while COMMAND holds it, not after" {
	run -0 kbufctl export pages -- sh -c \
		'kbufctl info pages | grep "^exports:"; kbufctl list -rn -o name,exports'
	assert_output "$(printf '%s\n' 'exports:       1' 'kmalloc 0' 'pages 1' \
		'vmalloc 0')"
	run -0 kbufctl info pages --json
	run -0 jq -r .exports <<<"$output"
	assert_output 0
	run -0 kbufctl list -rn -o name,exports
	assert_output "$(printf '%s\n' 'kmalloc 0' 'pages 0' 'vmalloc 0')"
}

@test "destroy and resize of an exported buffer say that a dma-buf holds it" {
	kbufctl create -q held --backend pages --size 8K
	local msg='kbufctl: held has 1 live dma-buf (sysfs exports): each holds it until its descriptors and mappings close'
	run -1 kbufctl export held -- kbufctl destroy held
	assert_output "kbufctl: /dev/kbuf/control: destroy held: Device or resource busy
$msg"
	run -1 kbufctl export held -- kbufctl resize held 4K
	assert_line --index 0 --partial 'resize to 4096: Device or resource busy'
	assert_line --index 1 "$msg"
	run -0 kbufctl destroy held
}

@test "export --socket sends a usable dma-buf and one line over a Unix socket" {
	local sock=$BATS_TEST_TMPDIR/sock i
	echo sock-data >"$KBUF_DEV/pages"
	kbuf_bg python3 -c '
import mmap, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 100, 4)
m = mmap.mmap(fds[0], mmap.PAGESIZE, mmap.MAP_SHARED, mmap.PROT_READ)
print(repr(msg), len(fds), m[:9].decode(), flush=True)
' "$sock"
	for ((i = 0; i < 100; i++)); do
		[[ -S $sock ]] && break
		sleep 0.1
	done
	run -0 kbufctl export pages --socket "$sock"
	assert_output ''
	wait "$KBUF_BG_PID"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/bg.out")" \
		"b'pages $((KBUF_PAGE << 4)) rw\\n' 1 sock-data"
	assert_equal "$(kbuf_attr pages exports)" 0
}

@test "export --socket without a listener exits 1 and says to start one" {
	local sock=$BATS_TEST_TMPDIR/none
	run -1 kbufctl export --read-only pages --socket "$sock"
	assert_output "kbufctl: $sock: connect: No such file or directory
kbufctl: no process listens on $sock: start the receiver first"
	assert_equal "$(kbuf_attr pages exports)" 0
}

@test "export --socket connects before it opens the buffer, and names a path that is no socket" {
	command -v strace >/dev/null || skip 'no strace'
	run -1 strace -o "$BATS_TEST_TMPDIR/trace" -e trace=connect,openat \
		kbufctl export pages --socket /etc/passwd
	assert_output "kbufctl: /etc/passwd: connect: Connection refused
kbufctl: /etc/passwd is not a socket: give the path the receiver bound"
	# The node is never opened: only the connect is in the trace.
	run grep -e 'sun_path="/etc/passwd"' -e /dev/kbuf/pages "$BATS_TEST_TMPDIR/trace"
	assert_output --regexp '^connect\([0-9]+, \{sa_family=AF_UNIX, sun_path="/etc/passwd"\}, [0-9]+\) = -1 ECONNREFUSED'
	assert_equal "${#lines[@]}" 1
}

@test "export of a buffer with no whole page exits 1 and says why" {
	kbufctl create -q small --backend kmalloc --size 100
	run -1 kbufctl export small -- true
	assert_output 'kbufctl: /dev/kbuf/small: export: Invalid argument
kbufctl: small owns no whole page (kmalloc under a page, or from a slab cache): only whole pages can be exported'
}

@test "kbufctl started with stderr closed writes its messages nowhere near a buffer" {
	kbufctl create -q small --backend kmalloc --size 100
	# Not "run kbufctl ... 2>&-": run gives the command its own stderr.
	run -1 bash -c 'exec kbufctl export small -- true 2>&-'
	assert_output ''
	assert_equal "$(kbuf_attr small length)" 0
	run -1 bash -c 'exec kbufctl fill small --pattern seq --via mmap 2>&-'
	assert_output ''
	assert_equal "$(kbuf_attr small length)" 0
}

@test "export with no free descriptor exits 1 and names ulimit -n" {
	# Descriptors 0-2 and the node's leave none below 4 for the dma-buf.
	run -1 bash -c 'exec 3>&-; ulimit -n 4; exec kbufctl export pages -- true'
	assert_output "kbufctl: /dev/kbuf/pages: export: Too many open files
kbufctl: no free descriptor under the limit: raise it with 'ulimit -n'"
}

@test "export needs write access to the node, and a user outside kbuf is told to join" {
	run -1 kbuf_as_nobody kbufctl export --read-only pages -- true
	assert_output "kbufctl: /dev/kbuf/pages: Permission denied
kbufctl: join group kbuf: 'sudo usermod -aG kbuf nobody', then log in again"
}

@test "export explains ENOTTY and ENOMEM of the ioctl (injected by strace)" {
	command -v strace >/dev/null || skip 'no strace'
	inject() {
		# The second ioctl: KBUF_IOC_INFO is the first.
		run strace -o /dev/null -e trace=ioctl \
			-e inject=ioctl:error="$1":when=2 kbufctl export pages -- true
		assert_failure 1
	}
	local dev='kbufctl: /dev/kbuf/pages: export'
	inject ENOTTY
	assert_output "$dev: Inappropriate ioctl for device
kbufctl: this module or kernel cannot export dma-bufs: an older kbuf, or no CONFIG_DMA_SHARED_BUFFER"
	# kbufctl opens the node read-write: an EBADF gets no hint.
	inject EBADF
	assert_output "$dev: Bad file descriptor"
	inject ENOMEM
	assert_output "$dev: Cannot allocate memory
kbufctl: the kernel, or this memory cgroup, is short of memory"
}

@test "export usage errors exit 2" {
	run -2 kbufctl export pages
	assert_output "kbufctl export: missing -- COMMAND or --socket PATH
Try 'kbufctl export --help' for more information."
	run -2 kbufctl export pages --
	assert_line --index 0 'kbufctl export: missing COMMAND after --'
	run -2 kbufctl export pages --socket s -- true
	assert_line --index 0 'kbufctl export: --socket and -- COMMAND: choose one'
	run -2 kbufctl export pages other -- true
	assert_line --index 0 "kbufctl export: unexpected argument 'other'"
	run -2 kbufctl export -- true
	assert_line --index 0 'kbufctl export: missing DEV'
	run -2 kbufctl export -r pages -- true
	assert_line --index 0 "kbufctl export: invalid option -- 'r'"
	run -2 kbufctl export pages --socket ''
	assert_line --index 0 'kbufctl export: the socket path is empty'
	run -2 kbufctl export pages --socket "/$(printf 'x%.0s' {1..120})"
	assert_line --index 0 --regexp "^kbufctl export: socket path '/x+' is too long$"
	# COMMAND's options are its own.
	run -0 kbufctl export pages -- ls -d -r /
	assert_output /
	run -2 kbufctl export pages -- ls --frob-kbuf
	assert_line --index 0 --partial "ls: unrecognized option '--frob-kbuf'"
}

# ---- what util-linux users expect ---------------------------------------

# "-X --long" for every option of `kbufctl $1 --help` but --help.
help_options() {
	kbufctl "$1" --help | sed -nE 's/^ +(-([a-zA-Z]), )?(--[a-z-]+).*/-\2 \3/p' |
		grep -v -- '--help$' | sort
}

@test "every short option means the same in every command" {
	local c
	for c in list info create destroy write read truncate clear resize \
		fill verify map export layout stress bench; do
		help_options "$c"
	done | grep -v '^- ' | sort -u >"$BATS_TEST_TMPDIR/opts"
	# shellcheck disable=SC2016 # an awk program
	run -0 awk '{ n[$1]++ } END { for (o in n) if (n[o] > 1) print o }' \
		"$BATS_TEST_TMPDIR/opts"
	assert_output ''
}

@test "kbufctl(1) lists each command's options as its --help does, and renders cleanly" {
	local man=$BATS_TEST_DIRNAME/../man/kbufctl.1 c
	for c in list info create destroy write read truncate clear resize \
		fill verify map export layout stress bench; do
		# The options given in the man page's entry for command $c.
		# shellcheck disable=SC2016 # an awk program
		run -0 awk -v cmd="$c" '
			/^\.SH/ { in_cmds = ($2 == "COMMANDS"); next }
			in_cmds && prev == ".TP" && /^\.B [a-z]+/ { cur = $2 }
			in_cmds && cur == cmd && prev == ".TP" && /^\.BR? \\-/ {
				line = $0; gsub(/\\-/, "-", line)
				short = match(line, /^\.BR -[a-zA-Z] /) ? substr(line, 5, 2) : "-"
				if (match(line, /--[a-z-]+/))
					print short, substr(line, RSTART, RLENGTH)
			}
			{ prev = $0 }' "$man"
		assert_equal "$(sort <<<"$output")" "$(help_options "$c")"
	done
	run -0 grep -c '^\.SH FILES$' "$man"
	run -0 sed -n 's/^\.TH KBUFCTL 1 [^ ]* "kbuf \([^"]*\)".*/\1/p' "$man"
	assert_output "$(kbufctl --version | sed -n '1s/^kbufctl //p')"
	run -0 sed -n 's/^\.TH KBUF 4 [^ ]* "kbuf \([^"]*\)".*/\1/p' \
		"$BATS_TEST_DIRNAME/../man/kbuf.4"
	assert_output "$(kbufctl --version | sed -n '1s/^kbufctl //p')"
	command -v groff >/dev/null || skip 'no groff'
	local m
	for m in "$man" "$BATS_TEST_DIRNAME/../man/kbuf.4"; do
		run -0 groff -ww -man -Tutf8 -z "$m"
		assert_output ''
	done
}

@test "bash completion: commands, options, buffers, values, columns" {
	source "$BATS_TEST_DIRNAME/../user/completion/kbufctl"
	run -0 complete -p kbufctl
	assert_output 'complete -F _kbufctl kbufctl'
	assert_equal "$(kbuf_comp kbufctl re)" 'read resize'
	assert_equal "$(kbuf_comp kbufctl help cr)" 'create'
	assert_equal "$(kbuf_comp kbufctl list --)" '--output --noheadings --raw --bytes --json --help'
	assert_equal "$(kbuf_comp kbufctl info '')" 'kmalloc pages vmalloc'
	assert_equal "$(kbuf_comp kbufctl fill v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl create x -B v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl create x --gfp '')" 'kernel atomic'
	assert_equal "$(kbuf_comp kbufctl fill pages -p '')" 'seq random: byte:0x'
	assert_equal "$(kbuf_comp kbufctl verify pages --via '')" 'read mmap'
	assert_equal "$(kbuf_comp kbufctl fill pages -m '')" 'write mmap'
	assert_equal "$(kbuf_comp kbufctl list -o name,ma)" 'name,MAP name,MAPPINGS'
	assert_equal "$(kbuf_comp kbufctl list '')" ''
}

@test "without the module every command says to load it" {
	kbuf_unload
	local hint="kbufctl: the kbuf module is not loaded: load it with 'sudo modprobe kbuf'"
	run -1 kbufctl list
	assert_output "kbufctl: /sys/class/kbuf: No such file or directory
$hint"
	run -1 kbufctl create x -B pages -s 4K
	assert_output "kbufctl: /dev/kbuf/control: No such file or directory
$hint"
	local c
	for c in "info vmalloc" "read vmalloc" "destroy vmalloc" \
		"layout vmalloc" "bench -i 1 -c 1 vmalloc" "stress -N 1 vmalloc" \
		"bench --scaling -i 1 -c 1"; do
		# shellcheck disable=SC2086 # $c is a command line
		run -1 kbufctl $c
		assert_line "$hint"
	done
	run -0 kbufctl --version
	assert_line --index 1 'kbuf module (not loaded)'
	kbuf_load
}

@test "bench prints each row when measured, a progress line only on a terminal" {
	local cmd='kbufctl bench -c 1 -i 1 -s 4K -k 4K vmalloc'
	local err=$BATS_TEST_TMPDIR/err
	run -0 bash -c "$cmd 2>$err"
	assert_line --index 1 --regexp '^FIGURE +BLOCK '
	assert_equal "$(cat "$err")" ''
	command -v script >/dev/null || skip 'no script(1)'
	# On a terminal: the progress line comes back after each row, so the
	# rows come out as they are measured, not all at the end.
	run -0 script -qec "$cmd" /dev/null
	assert_output --regexp $'\e\\[K[a-z][^\r]*\r\n\rbench vmalloc \\['
	run -0 script -qec "$cmd -q" /dev/null
	refute_output --partial 'bench vmalloc ['
	assert_line --regexp '^FIGURE +BLOCK '
}

@test "stress draws a progress line only on a terminal, -q silences it" {
	command -v script >/dev/null || skip 'no script(1)'
	local cmd='kbufctl stress -t 1 -P 1 -N 200 -S 1 vmalloc'
	run -0 script -qec "$cmd" /dev/null
	assert_output --regexp $'\rstress: [0-9]+ of 200 operations'
	run -0 script -qec "$cmd --quiet" /dev/null
	refute_output --partial ' of 200 operations'
	assert_output --partial 'stress: 200 ops in '
	run -0 bash -c "$cmd 2>$BATS_TEST_TMPDIR/err"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ''
}
