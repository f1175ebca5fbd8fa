#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# The README's `sh` blocks, run as written inside the guest with the module
# loaded, so the README cannot rot. Each block runs in one bash -e; the
# tests check what the README says the commands show.

load 'helpers/common'

setup_file() {
	kbuf_file_setup
}

# Print the Nth (from 1) ```sh block of README.md.
readme_block() {
	awk -v want="$1" '
	/^```sh$/ { n++; inside = (n == want); next }
	/^```/ { inside = 0; next }
	inside { print }' "$BATS_TEST_DIRNAME/../README.md"
}

run_block() {
	local code
	code=$(readme_block "$1")
	[[ -n $code ]] || {
		echo "README has no sh block $1"
		return 1
	}
	bash -e -o pipefail -c "$code"
}

@test "the README has exactly the sh blocks this file runs" {
	run grep -c '^```sh$' "$BATS_TEST_DIRNAME/../README.md"
	assert_output 4
}

@test "the README's echo, cat and dd block works as it says" {
	run run_block 1
	assert_success
	assert_output "hello
again
1048576
12"
	run cat /sys/class/kbuf/pages/length
	assert_output 12288
}

@test "the README's kbufctl block works and layout shows the lesson" {
	run run_block 2
	assert_success
	assert_output --regexp 'kmalloc +64 KiB +16 pages +1 run '
	assert_line "exp_name:	kbuf"
	assert_output --regexp 'demo \(vmalloc\) +8 MiB +2048 pages +[0-9]+ runs '
	refute_output --regexp 'demo \(vmalloc\) +8 MiB +2048 pages +1 run '
	assert_file_not_exists /dev/kbuf/demo
}

# The guest cannot build (TCG: minutes) nor install into the host's root,
# which it sees read-only: the host built everything, 84-install.bats tests
# make install-user, and here make stands for it with the header the
# install would put in cc's path.
@test "the README's block from a clone to mapping from C works as it says" {
	local dir=$BATS_TEST_TMPDIR/clone
	mkdir -p "$dir/user"
	cp -r "$BATS_TEST_DIRNAME/../user/examples" "$dir/user/"
	cd "$dir"
	make() { :; }
	export -f make
	export CPATH=$BATS_TEST_DIRNAME/../driver/uapi
	run bash -e -o pipefail -c "$(readme_block 3)"
	assert_success
	assert_output '/dev/kbuf/vmalloc: wrote 16 bytes through a shared mapping and set the length
now: cat /dev/kbuf/vmalloc
hello from mmap
/dev/kbuf/vmalloc: wrote 16 bytes through a shared mapping and set the length
now: cat /dev/kbuf/vmalloc'
	assert_file_executable "$dir/my_hello"
}

@test "the README's troubleshooting block finds kbuf in each place it names" {
	run run_block 4
	assert_success
	assert_output --partial 'kbuf: version'
	assert_output --regexp 'kbuf_vmalloc_alloc.*\[kbuf\]'
	assert_line --regexp '^kmalloc-(8k|4k|128) '
	assert_line 1048576
}
