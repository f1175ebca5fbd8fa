# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Shared by the host files about the Debian packages: 05-deb.bats installs
# kbuf-dkms and kbuf-utils and leaves them installed for the guests
# (tests/81-dkms.bats loads the packaged module), 90-deb-purge.bats purges
# them after the guests, and 95-dkms-install.bats and 96-*.bats, which
# need DKMS free of the packages, skip while they are still there.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

# apt-get as a package test runs it: no question, no recommends; waiting
# up to 10 minutes for another apt or dpkg (tests/deps.sh, say) to finish.
kbuf_apt() {
	DEBIAN_FRONTEND=noninteractive apt-get -y -q --no-install-recommends \
		-o DPkg::Lock::Timeout=600 "$@"
}

# True if package $1 is installed (or half-installed, or only configured).
kbuf_pkg_present() {
	local s
	s=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || return 1
	[[ -n $s && $s != not-installed && $s != config-files ]]
}

# True if either package is on the host, even as config files only.
kbuf_pkgs_anywhere() {
	local p
	for p in kbuf-utils kbuf-dkms; do
		kbuf_pkg_present "$p" && return 0
		dpkg-query -W "$p" >/dev/null 2>&1 && return 0
	done
	return 1
}

# Purge both packages, whatever state they are in; quiet.
kbuf_pkgs_purge() {
	local p
	for p in kbuf-utils kbuf-dkms; do
		if kbuf_pkg_present "$p" || dpkg-query -W "$p" >/dev/null 2>&1; then
			kbuf_apt purge "$p" >/dev/null 2>&1 || true
		fi
	done
}

# Where make deb puts the packages, and where 05-deb.bats notes whether the
# host had a kbuf group before the packages made one: 90-deb-purge.bats
# deletes the group only then (dpkg keeps it: Debian keeps a package's
# system group on purge).
kbuf_deb_paths() {
	DEB_OUT=$(realpath -m "${DEB_OUT:-${KBUF_OUTROOT:-$PWD/tests/out}/deb}")
	KBUF_GROUP_NOTE=$DEB_OUT/host-had-kbuf-group
	export DEB_OUT KBUF_GROUP_NOTE
}

# The test kernels, without shard suffixes (KVER%I/N), in KBUF_KVERS.
kbuf_test_kvers() {
	local k
	KBUF_KVERS=
	for k in ${KBUF_TEST_KERNELS:-}; do KBUF_KVERS+=" ${k%%%*}"; done
	export KBUF_KVERS
}

# bats 1.8 reports a skip in setup_file as a failure: setup_file notes the
# reason with kbuf_host_file_skip and setup() skips each test with it
# (kbuf_host_skipped).
kbuf_host_file_skip() {
	printf '%s\n' "$1" >"$BATS_FILE_TMPDIR/skip"
}

kbuf_host_skipped() {
	if [[ -f $BATS_FILE_TMPDIR/skip ]]; then
		skip "$(<"$BATS_FILE_TMPDIR/skip")"
	fi
}
