#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs on the host before the guests boot (tests/check.sh): `make deb`
# builds kbuf-dkms and kbuf-utils out of the tree, lintian finds nothing to
# say, `apt-get install` of both makes DKMS build the module for every test
# kernel and kbuf-utils put its files in place and make the kbuf group, and
# a kernel's headers installed later get the module too. The packages are
# built once, in the first test, and the later tests go on from where the
# earlier left the system: run the file whole. KBUF_TEST_KERNELS lists the
# kernels; DEB_OUT (default tests/out/deb) receives the packages.
# The last test is Debian's own DKMS test, /usr/lib/dkms/dkms-autopkgtest,
# which builds the module once more for each kernel.
#
# The packages stay installed: each guest loads the module their DKMS built,
# with the packaged rule and kbufctl (tests/81-dkms.bats), and
# 90-deb-purge.bats purges them after the guests. Packages an interrupted
# or filtered run left behind are purged first, so that the install here
# is a real one.

load deb

# The local apt repository of the autopkgtest, and apt's index of it.
KBUF_REPO=/var/tmp/kbuf-test-repo
KBUF_REPO_LIST=/etc/apt/sources.list.d/kbuf-test.list

kbuf_repo_remove() {
	rm -f "$KBUF_REPO_LIST" /var/lib/apt/lists/*"$(tr / _ <<<"${KBUF_REPO#/}")"*
	rm -rf "$KBUF_REPO"
}

setup_file() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	KBUF_VERSION=$(make -s --no-print-directory version)
	export KBUF_VERSION
	kbuf_deb_paths
	kbuf_test_kvers
	# A source install (make dkms-install) owns kbuf in DKMS: the
	# packages would take it over and purge would remove it.
	if ! kbuf_pkg_present kbuf-dkms &&
		{ dkms status -m kbuf 2>/dev/null | grep -q kbuf/ ||
			compgen -G '/usr/src/kbuf-*' >/dev/null; }; then
		kbuf_host_file_skip "kbuf is installed in DKMS from the source tree (make dkms-install, a make check running?): not touching it"
		return 0
	fi
	kbuf_pkgs_purge
	mkdir -p "$DEB_OUT"
	if [[ ! -f $KBUF_GROUP_NOTE ]]; then
		if getent group kbuf >/dev/null; then
			echo yes >"$KBUF_GROUP_NOTE"
		else
			echo no >"$KBUF_GROUP_NOTE"
		fi
	fi
}

teardown_file() {
	kbuf_repo_remove
}

setup() {
	kbuf_host_skipped
	cd "$BATS_TEST_DIRNAME/../.." || return 1
}

@test "make deb builds kbuf-dkms and kbuf-utils outside the tree, which it leaves as it was" {
	local before
	# What a build in the tree would leave: debian/'s work files (tmp,
	# .debhelper, files, *.substvars) and the packages in its parent.
	before=$(git status --porcelain --ignored -uall -- debian)
	run make -s deb DEB_OUT="$DEB_OUT"
	assert_success
	assert_file_exists "$DEB_OUT/kbuf-dkms_${KBUF_VERSION}_all.deb"
	assert_file_exists "$DEB_OUT/kbuf-utils_${KBUF_VERSION}_amd64.deb"
	assert_dir_not_exists "$DEB_OUT/kbuf-$KBUF_VERSION"
	run git status --porcelain --ignored -uall -- debian
	assert_output "$before"
	run compgen -G "../kbuf*_$KBUF_VERSION*"
	assert_failure
}

@test "lintian says nothing about the packages: no error, no warning" {
	run lintian "$DEB_OUT/kbuf_${KBUF_VERSION}_amd64.changes"
	assert_success
	refute_line --regexp '^[EW]: '
}

@test "kbuf-dkms is for every architecture and holds the sources DKMS builds" {
	local deb=$DEB_OUT/kbuf-dkms_${KBUF_VERSION}_all.deb
	run dpkg-deb -f "$deb" Architecture Depends
	assert_line 'Architecture: all'
	assert_line --regexp '^Depends: .*dkms'
	run dpkg-deb -c "$deb"
	assert_output --partial "./usr/src/kbuf-$KBUF_VERSION/dkms.conf"
	assert_output --partial "./usr/src/kbuf-$KBUF_VERSION/driver/Kbuild"
	assert_output --partial "./usr/src/kbuf-$KBUF_VERSION/driver/uapi/linux/kbuf.h"
}

@test "apt-get install of both packages makes DKMS build the module for every test kernel" {
	local k
	run kbuf_apt install "$DEB_OUT/kbuf-dkms_${KBUF_VERSION}_all.deb" \
		"$DEB_OUT/kbuf-utils_${KBUF_VERSION}_amd64.deb"
	assert_success
	for k in $KBUF_KVERS; do
		run dkms status -m kbuf -v "$KBUF_VERSION" -k "$k"
		# Debian's DKMS also prints readelf warnings about the kernel.
		assert_line "kbuf/$KBUF_VERSION, $k, x86_64: installed"
		# Compressed as the kernel's own modules are (6.12: .ko.xz).
		run compgen -G "/lib/modules/$k/updates/dkms/kbuf.ko*"
		assert_success
		run modinfo -k "$k" -F version kbuf
		assert_output "$KBUF_VERSION"
	done
}

@test "kbuf-utils installs the tool, header, man pages, rule, completion and examples" {
	run kbufctl --version
	# The first line; the second is the loaded module's.
	assert_line --index 0 "kbufctl $KBUF_VERSION"
	run command -v kbufctl
	assert_output /usr/bin/kbufctl
	assert_file_exists /usr/include/linux/kbuf.h
	run man -w kbufctl
	assert_output /usr/share/man/man1/kbufctl.1.gz
	run man -w 4 kbuf
	assert_output /usr/share/man/man4/kbuf.4.gz
	run cmp /usr/lib/udev/rules.d/60-kbuf.rules udev/60-kbuf.rules
	assert_success
	assert_file_exists /usr/share/bash-completion/completions/kbufctl
	assert_file_exists /usr/share/doc/kbuf-utils/examples/mmap_hello.c
	assert_file_exists /usr/share/doc/kbuf-utils/examples/mmap_share.c
}

@test "make dkms-install and dkms-uninstall leave the package's sources alone" {
	local src=/usr/src/kbuf-$KBUF_VERSION
	run make -s dkms-install
	assert_failure 2
	assert_output --partial "$src belongs to the package kbuf-dkms: use it, or 'apt-get purge kbuf-dkms' first"
	run make -s dkms-uninstall
	assert_failure 2
	assert_output --partial "$src belongs to the package kbuf-dkms"
	# dpkg finds every file of the package as it installed it.
	run dpkg --verify kbuf-dkms
	assert_success
	assert_output ''
	run dkms status -m kbuf -v "$KBUF_VERSION"
	assert_line --partial "kbuf/$KBUF_VERSION, "
}

@test "make install-user leaves kbuf-utils' user side alone" {
	run make -s install-user
	assert_failure 2
	assert_line --index 0 "kbuf-utils is installed and gives kbufctl, the header, man pages, rule and group: use it, or 'apt-get purge kbuf-utils' first"
	assert_file_not_exists /etc/udev/rules.d/60-kbuf.rules
	assert_file_not_exists /usr/local/bin/kbufctl
}

@test "make deb outside a git clone says so in one line" {
	local tree=$BATS_TEST_TMPDIR/export
	mkdir "$tree"
	git archive HEAD | tar -x -C "$tree"
	run make -s -C "$tree" deb DEB_OUT="$BATS_TEST_TMPDIR/out"
	assert_failure 2
	assert_line --index 0 "make deb packages the files git tracks: run it at the top of a git clone (git: fatal: not a git repository (or any of the parent directories): .git)"
	assert_dir_not_exists "$BATS_TEST_TMPDIR/out"
}

@test "kbuf-utils made kbuf a system group" {
	local gid
	run getent group kbuf
	assert_success
	gid=$(cut -d: -f3 <<<"$output")
	((gid < $(awk '$1 == "GID_MIN" { print $2 }' /etc/login.defs)))
}

@test "each packaged example compiles with the packaged header alone" {
	local c
	for c in /usr/share/doc/kbuf-utils/examples/*.c; do
		run cc -Wall -Werror -o "$BATS_TEST_TMPDIR/example" "$c"
		assert_success
	done
}

@test "the packaged bash completion completes commands and a command's options" {
	run bash -c '. /usr/share/bash-completion/completions/kbufctl
		complete -p kbufctl
		COMP_WORDS=(kbufctl cr) COMP_CWORD=1; _kbufctl kbufctl
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(kbufctl create x --ba) COMP_CWORD=3; _kbufctl kbufctl
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(kbufctl create x --backend v) COMP_CWORD=4; _kbufctl kbufctl
		echo "${COMPREPLY[*]}"'
	assert_output "$(printf '%s\n' 'complete -F _kbufctl kbufctl' create \
		--backend vmalloc)"
}

@test "a kernel's headers installed later get the module from DKMS" {
	local k=${KBUF_KVERS##* }
	run dkms remove -m kbuf -v "$KBUF_VERSION" -k "$k"
	assert_success
	run compgen -G "/lib/modules/$k/updates/dkms/kbuf.ko*"
	assert_failure
	# dpkg installs linux-headers-$k again and runs its postinst, which
	# runs DKMS's hook: the path of a kernel upgrade, by the packages'
	# own scripts (the .deb is in apt's cache, or on the mirror).
	run kbuf_apt install --reinstall "linux-headers-$k"
	assert_success
	run dkms status -m kbuf -v "$KBUF_VERSION" -k "$k"
	assert_line "kbuf/$KBUF_VERSION, $k, x86_64: installed"
	run compgen -G "/lib/modules/$k/updates/dkms/kbuf.ko*"
	assert_success
}

# dkms-autopkgtest installs the package by name, with apt: from a local
# repository of the one .deb, known to apt for the length of the test, in a
# directory apt's unprivileged _apt user can read.
@test "Debian's DKMS autopkgtest passes on kbuf-dkms" {
	local repo=$KBUF_REPO k
	mkdir -m 0755 "$repo"
	cp "$DEB_OUT/kbuf-dkms_${KBUF_VERSION}_all.deb" "$repo/"
	(cd "$repo" && dpkg-scanpackages . >Packages 2>/dev/null)
	chmod -R a+rX "$repo"
	echo "deb [trusted=yes] file:$repo ./" >"$KBUF_REPO_LIST"
	apt-get update -q -o Dir::Etc::sourcelist="$KBUF_REPO_LIST" \
		-o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 >/dev/null
	AUTOPKGTEST_ARTIFACTS=$BATS_TEST_TMPDIR \
		run /usr/lib/dkms/dkms-autopkgtest kbuf-dkms
	kbuf_repo_remove
	echo "$output" >"$DEB_OUT/dkms-autopkgtest.log"
	assert_success
	for k in $KBUF_KVERS; do
		assert_line "I: PASS $k"
	done
}
