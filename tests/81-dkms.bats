#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# The Debian packages as a user of this kernel gets them: before the guests
# boot, tests/host/05-deb.bats installs kbuf-dkms and kbuf-utils on the
# host, whose root the guest sees, and leaves them there (90-deb-purge.bats
# purges them afterwards). The module the package's DKMS built loads with
# modprobe from updates/dkms; the packaged rule in /usr/lib/udev/rules.d
# alone (the harness's copy in /run/udev/rules.d is hidden for the file)
# gives its nodes group kbuf and mode 0660; the packaged /usr/bin/kbufctl
# shows both versions and the buffers. Skips, saying why, when the packages
# are not installed (a KBUF_FILTER run without the host files: use
# KBUF_FILTER=deb,81-dkms) or this kernel has no DKMS build (the debug
# kernel has no headers package).

load 'helpers/common'

KBUF_PKG_RULES=/usr/lib/udev/rules.d/60-kbuf.rules
KBUF_PKG_TOOL=/usr/bin/kbufctl
HIDDEN=/run/kbuf-dkms-hidden

# The status of package $1 in dpkg's database ("installed" once configured).
kbuf_pkg_status() {
	dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true
}

# Move the rules that would override the packaged one out of udev's way.
kbuf_hide_rules() {
	local r
	mkdir -p "$HIDDEN"
	for r in /run/udev/rules.d/60-kbuf.rules /etc/udev/rules.d/60-kbuf.rules; do
		[[ -f $r ]] || continue
		mkdir -p "$HIDDEN${r%/*}"
		mv "$r" "$HIDDEN$r"
	done
	udevadm control --reload
}

kbuf_restore_rules() {
	local r
	[[ -d $HIDDEN ]] || return 0
	while IFS= read -r r; do
		mv "$r" "${r#"$HIDDEN"}"
	done < <(find "$HIDDEN" -type f)
	rm -rf "$HIDDEN"
	udevadm control --reload
}

setup_file() {
	local p
	kbuf_dmesg_mark file
	for p in kbuf-dkms kbuf-utils; do
		if [[ $(kbuf_pkg_status "$p") != installed ]]; then
			kbuf_file_skip "package $p is not installed on the host: tests/host/05-deb.bats installs it before the guests boot (a whole make check, or KBUF_FILTER=deb,81-dkms)"
			return 0
		fi
	done
	# DKMS compresses like the kernel's own modules (6.12: .ko.xz).
	KBUF_DKMS_KO=$(compgen -G "/lib/modules/$(uname -r)/updates/dkms/kbuf.ko*" ||
		true)
	export KBUF_DKMS_KO
	if [[ -z $KBUF_DKMS_KO ]]; then
		kbuf_file_skip "the package's DKMS built no module for $(uname -r) (the debug kernel has no headers package)"
		return 0
	fi
	KBUF_VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' \
		"$BATS_TEST_DIRNAME/../dkms.conf")
	export KBUF_VERSION
	! kbuf_loaded || kbuf_unload
	kbuf_hide_rules
}

teardown_file() {
	kbuf_restore_rules
	kbuf_file_teardown
}

@test "modinfo finds kbuf in updates/dkms with the version of dkms.conf" {
	run modinfo -n kbuf
	assert_output "$KBUF_DKMS_KO"
	run modinfo -F version kbuf
	assert_output "$KBUF_VERSION"
}

@test "modinfo shows a description with default and limit for every parameter" {
	run modinfo -F parm kbuf
	assert_line --regexp '^kmalloc_size:.*default 65536, limit 1\.\.4194304'
	assert_line --regexp '^pages_order:.*default 4, limit 10'
	assert_line --regexp '^vmalloc_size:.*default 1048576, limit 1\.\.1073741824'
	assert_line --regexp '^map_mode:.*page.*pfn'
}

@test "dkms status in the guest agrees that the running kernel has kbuf installed" {
	run dkms status -m kbuf -k "$(uname -r)"
	assert_line "kbuf/$KBUF_VERSION, $(uname -r), x86_64: installed"
}

@test "the packaged rule is the only kbuf rule udev has, and kbuf-utils owns it" {
	run dpkg -S "$KBUF_PKG_RULES"
	assert_output "kbuf-utils: $KBUF_PKG_RULES"
	run compgen -G '/run/udev/rules.d/*kbuf*'
	assert_failure
	run compgen -G '/etc/udev/rules.d/*kbuf*'
	assert_failure
}

@test "modprobe kbuf loads the packaged module; the packaged rule gives nodes group kbuf, mode 0660" {
	run modprobe kbuf
	assert_success
	kbuf_settle
	kbuf_wait_for "$KBUF_DEV/vmalloc"
	run cat /sys/module/kbuf/version
	assert_output "$KBUF_VERSION"
	run stat -c '%n %U %G %a' "$KBUF_DEV"/kmalloc "$KBUF_DEV"/pages \
		"$KBUF_DEV"/vmalloc "$KBUF_CONTROL"
	assert_output "$(printf '%s\n' '/dev/kbuf/kmalloc root kbuf 660' \
		'/dev/kbuf/pages root kbuf 660' '/dev/kbuf/vmalloc root kbuf 660' \
		'/dev/kbuf/control root root 600')"
}

@test "the packaged kbufctl shows its version and the loaded module's" {
	run dpkg -S "$KBUF_PKG_TOOL"
	assert_output "kbuf-utils: $KBUF_PKG_TOOL"
	run -0 "$KBUF_PKG_TOOL" --version
	assert_output "$(printf '%s\n' "kbufctl $KBUF_VERSION" \
		"kbuf module $KBUF_VERSION")"
}

@test "the packaged kbufctl lists the packaged module's buffers" {
	run -0 "$KBUF_PKG_TOOL" list
	assert_output "$(printf '%s\n' \
		'NAME     BACKEND  CAPACITY  LENGTH  MAP   GFP     MAPPINGS  OPENS  EXPORTS' \
		'kmalloc  kmalloc       64K      0B  pfn   kernel         0      0        0' \
		'pages    pages         64K      0B  page  kernel         0      0        0' \
		'vmalloc  vmalloc        1M      0B  page  kernel         0      0        0')"
}

@test "a member of group kbuf writes and reads a buffer with the packaged kbufctl" {
	run kbuf_as_member "$KBUF_PKG_TOOL" write vmalloc --data packaged
	assert_success
	run kbuf_as_member "$KBUF_PKG_TOOL" read vmalloc
	assert_success
	assert_output packaged
	run -1 kbuf_as_nobody "$KBUF_PKG_TOOL" read vmalloc
	assert_output "kbufctl: /dev/kbuf/vmalloc: Permission denied
kbufctl: join group kbuf: 'sudo usermod -aG kbuf nobody', then log in again"
}

@test "modprobe -r kbuf unloads the packaged module and its nodes go" {
	run modprobe -r kbuf
	assert_success
	kbuf_wait_gone "$KBUF_DEV"
	assert_dir_not_exists /sys/module/kbuf
}
