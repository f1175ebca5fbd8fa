#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# The quick start's `make demo` runs scripts/demo-guest.sh (on this machine or
# inside the test guest): it must run to the end and show what the README
# promises.

load 'helpers/common'

setup_file() {
	kbuf_file_setup_unloaded
}

@test "the demo loads kbuf, echoes, cats, maps, shows layouts and unloads" {
	run bash "$KBUF_ROOT/scripts/demo-guest.sh" "$KBUF_KO"
	assert_success
	assert_line "hello from user space"
	assert_output --regexp 'kmalloc +64 KiB +16 pages +1 run '
	assert_output --regexp 'pages +64 KiB +16 pages +1 run '
	assert_output --regexp 'vmalloc +8 MiB +2048 pages +[0-9]+ runs '
	assert_line "demo done"
	run kbuf_loaded
	assert_failure
}
