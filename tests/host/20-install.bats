#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs on the host (tests/check.sh): make install with DESTDIR and PREFIX,
# as a packager would, puts every file where it belongs, and make uninstall
# removes exactly those.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

# make install builds the module in the tree, as a user's would. A tree
# that had no build before gets none after: make check leaves the tree as
# it found it.
setup_file() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	KBUF_TREE_BUILT=
	[[ ! -e driver/modules.order ]] || KBUF_TREE_BUILT=1
	export KBUF_TREE_BUILT
}

teardown_file() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	[[ -n $KBUF_TREE_BUILT ]] ||
		make -s -C driver clean KVER="${KBUF_TEST_KERNELS%% *}"
}

setup() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	KVER=${KBUF_TEST_KERNELS%% *}
	STAGE=$BATS_TEST_TMPDIR/stage
}

# The installed module's name: kbuf.ko, compressed by modules_install
# where the kernel's configuration says so (Debian's 6.12: .ko.xz).
kbuf_ko_name() {
	local config=/boot/config-$KVER
	if ! grep -qx 'CONFIG_MODULE_COMPRESS_ALL=y' "$config"; then
		echo kbuf.ko
	elif grep -qx 'CONFIG_MODULE_COMPRESS_XZ=y' "$config"; then
		echo kbuf.ko.xz
	elif grep -qx 'CONFIG_MODULE_COMPRESS_ZSTD=y' "$config"; then
		echo kbuf.ko.zst
	else
		echo kbuf.ko.gz
	fi
}

kbuf_install() {
	make -s install KVER="$KVER" DESTDIR="$STAGE" "$@"
}

@test "make install with DESTDIR and PREFIX=/usr installs what a package needs" {
	run kbuf_install PREFIX=/usr
	assert_success
	assert_file_exists "$STAGE/lib/modules/$KVER/extra/$(kbuf_ko_name)"
	assert_file_executable "$STAGE/usr/bin/kbufctl"
	assert_file_exists "$STAGE/usr/include/linux/kbuf.h"
	assert_file_exists "$STAGE/usr/share/man/man1/kbufctl.1"
	assert_file_exists "$STAGE/usr/share/man/man4/kbuf.4"
	assert_file_exists "$STAGE/usr/lib/udev/rules.d/60-kbuf.rules"
	assert_file_exists "$STAGE/etc/modprobe.d/kbuf.conf"
	assert_file_exists "$STAGE/etc/modules-load.d/kbuf.conf"
}

# The sections of the module make install put under $STAGE for kernel $1,
# uncompressed by the suffix kbuild gave it.
kbuf_installed_sections() {
	local ko
	ko=$(compgen -G "$STAGE/lib/modules/$1/extra/kbuf.ko*") || return 1
	case $ko in
	*.xz) xz -dc "$ko" ;;
	*.zst) zstd -qdc "$ko" ;;
	*.gz) gzip -dc "$ko" ;;
	*) cat "$ko" ;;
	esac >"$BATS_TEST_TMPDIR/kbuf.ko"
	readelf -S --wide "$BATS_TEST_TMPDIR/kbuf.ko"
}

# For each test kernel: 6.1 installs kbuf.ko, 6.12 kbuf.ko.xz.
@test "make install leaves out the module's debug information, as DKMS does, and INSTALL_MOD_STRIP= keeps it" {
	local k btf
	for k in $KBUF_TEST_KERNELS; do
		k=${k%%%*}
		rm -rf "$STAGE"
		# The last KVER= on make's command line is the one it takes.
		run kbuf_install KVER="$k"
		assert_success
		run readelf -S --wide driver/kbuf.ko
		assert_output --partial ' .debug_info '
		# The BTF that 6.12's kbuild adds stays; 6.1's adds none.
		btf=$output
		run kbuf_installed_sections "$k"
		assert_success
		assert_output --partial ' .modinfo '
		assert_output --partial ' __versions '
		[[ $btf != *' .BTF '* ]] || assert_output --partial ' .BTF '
		refute_output --partial ' .debug_'
		rm -rf "$STAGE"
		run kbuf_install KVER="$k" INSTALL_MOD_STRIP=
		assert_success
		run kbuf_installed_sections "$k"
		assert_success
		assert_output --partial ' .debug_info '
	done
}

@test "the installed modprobe.d and modules-load.d examples are commented out" {
	kbuf_install
	run grep -v '^#' "$STAGE/etc/modprobe.d/kbuf.conf" \
		"$STAGE/etc/modules-load.d/kbuf.conf"
	assert_failure
	assert_output ""
}

@test "the default PREFIX puts the rule in /etc/udev/rules.d and the tool in /usr/local" {
	kbuf_install
	assert_file_exists "$STAGE/etc/udev/rules.d/60-kbuf.rules"
	assert_file_executable "$STAGE/usr/local/bin/kbufctl"
}

@test "the installed UAPI header compiles on its own" {
	kbuf_install PREFIX=/usr
	run gcc -fsyntax-only -I"$STAGE/usr/include" -x c - <<<'#include <linux/kbuf.h>
int main(void) { return KBUF_IOC_INFO != 0 ? 0 : 1; }'
	assert_success
}

@test "each example in user/examples compiles against the installed header alone" {
	local -a examples
	local c
	kbuf_install
	mapfile -t examples < <(compgen -G 'user/examples/*.c')
	assert [ "${#examples[@]}" -gt 0 ]
	for c in "${examples[@]}"; do
		# As a reader would build it: plain cc, the installed include
		# directory and nothing of the tree's.
		run cc -Wall -Wextra -Werror -I"$STAGE/usr/local/include" \
			-o "$BATS_TEST_TMPDIR/example" "$c"
		assert_success
		assert_output ''
		# A kbuf.h it includes is the installed one (-MM lists the
		# headers found through -I, not the system's).
		run cc -MM -I"$STAGE/usr/local/include" "$c"
		assert_success
		refute_output --partial driver/
		if grep -q 'kbuf\.h' "$c"; then
			assert_output --partial "$STAGE/usr/local/include/linux/kbuf.h"
		fi
	done
}

@test "make uninstall removes exactly what make install added" {
	kbuf_install PREFIX=/usr
	run make -s uninstall KVER="$KVER" DESTDIR="$STAGE" PREFIX=/usr
	assert_success
	run find "$STAGE" -type f
	assert_output ""
}

# kbuild writes kbuf.mod.c beside the sources on every in-tree build (make
# install's above, a user's make): DKMS must get the sources git tracks
# and nothing a build left.
@test "make dkms-src with DESTDIR copies the tracked sources, not a build's kbuf.mod.c" {
	local made=
	git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
		skip "not a git work tree: which files are the sources is git's list"
	[[ -e driver/kbuf.mod.c ]] || { : >driver/kbuf.mod.c && made=1; }
	run make -s dkms-src DESTDIR="$STAGE"
	[[ -z $made ]] || rm -f driver/kbuf.mod.c
	assert_success
	run bash -c "cd '$STAGE'/usr/src/kbuf-* && find . -type f -printf '%P\n' | LC_ALL=C sort"
	assert_output "$(git ls-files dkms.conf driver | LC_ALL=C sort)"
}

# make check builds each kernel's module in a copy of driver/: a kbuf.ko
# left in the tree must not ride along and stand in for a build.
@test "the test bed's copy of driver/ has the sources and none of a build's files" {
	local made='' dest=$BATS_TEST_TMPDIR/copy
	git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
		skip "not a git work tree: which files are the sources is git's list"
	[[ -e driver/kbuf.ko ]] || { : >driver/kbuf.ko && : >driver/kbuf.mod.c && made=1; }
	run bash -c '. tests/vm/lib.sh && kbuf_stage_driver "$1"' _ "$dest"
	[[ -z $made ]] || rm -f driver/kbuf.ko driver/kbuf.mod.c
	assert_success
	run bash -c "cd '$dest' && find . -type f -printf '%P\n' | LC_ALL=C sort"
	assert_output "$(git ls-files dkms.conf driver | LC_ALL=C sort)"
}
