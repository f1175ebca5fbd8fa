#!/bin/busybox sh
# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the test-bed initramfs (busybox sh, PID 1). Loads the 9p modules,
# builds the guest's root from the host's root file system and hands over to
# tests/guest/init.sh in the work tree with switch_root (systemd-udevd refuses
# to run under chroot).
#
# Kernel command line (set by tests/vm/boot.sh):
#   kbuftest.work=PATH   host path of the work tree, mounted at the same path
#                        after everything else, so it may lie anywhere but
#                        under /dev, /proc or /sys
#   kbuftest.cmd=probe   print KBUF-PROBE-OK and power off (KVM probe)
#   kbuftest.root=MODE   dirs (default): the host root read-only over 9p,
#                        with tmpfs overlays on the few directories a test
#                        may write (/etc /var /root /usr/src /usr/local
#                        /lib/modules: depmod, DKMS, groupadd) so nothing
#                        reaches the host; overlay: one overlay over the
#                        whole root (about 3x slower: overlayfs checks
#                        xattrs over 9p on every lookup); 9p: read-only
#   kbuftest.cache=MODE  9p cache mode of the host root (default loose: the
#                        host root does not change during a run)
#   kbuftest.msize=N     9p message size (default 512000)

PATH=/bin
/bin/busybox --install -s /bin
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

# Never return: PID 1 exiting panics the kernel and hides the reason.
halt_now() {
	echo "initramfs: $*"
	echo o >/proc/sysrq-trigger
	sleep 600
}

# Value of kernel command-line parameter $1, or $2 when it is absent.
# Built-ins only (read, not cat): no fork per lookup.
arg() {
	v=$2
	read -r cmdline </proc/cmdline
	for w in $cmdline; do
		case $w in "$1"=*) v=${w#*=} ;; esac
	done
	echo "$v"
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys

# Seconds since boot, for the timing lines in console.log.
uptime() {
	read -r up _ </proc/uptime
	echo "$up"
}

if [ "$(arg kbuftest.cmd '')" = probe ]; then
	echo
	echo KBUF-PROBE-OK
	halt_now "probe done"
fi

echo "initramfs: loading modules at $(uptime) s"
while read -r m; do
	insmod "/lib/modules/$m" || halt_now "insmod $m failed"
done </modules.order

work=$(arg kbuftest.work '')
[ -n "$work" ] || halt_now "kbuftest.work= missing on the command line"
opts="trans=virtio,version=9p2000.L,msize=$(arg kbuftest.msize 512000)"
rootopts="$opts,ro,cache=$(arg kbuftest.cache loose)"

# Overlay the directory /newroot$1 with a tmpfs-backed upper layer kept
# under /newroot/run/testbed (visible in the guest for debugging).
overlay_dir() {
	dir=$(readlink -f "/newroot$1")
	[ -d "$dir" ] || return 0
	up=/newroot/run/testbed/overlay$1
	mkdir -p "$up/data" "$up/work"
	mount -t overlay -o "lowerdir=$dir,upperdir=$up/data,workdir=$up/work" \
		overlay "$dir" || halt_now "cannot overlay $1"
}

root=$(arg kbuftest.root dirs)
if [ "$root" = overlay ]; then
	mount -t 9p -o "$rootopts" hostroot /lower ||
		halt_now "cannot mount the host root over 9p"
	mount -t tmpfs -o mode=755 tmpfs /upper
	mkdir -p /upper/data /upper/work
	mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work \
		overlay /newroot || halt_now "cannot mount the overlay root"
else
	mount -t 9p -o "$rootopts" hostroot /newroot ||
		halt_now "cannot mount the host root over 9p"
fi

mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp
mount -t tmpfs -o mode=755 tmpfs /newroot/run
if [ "$root" = dirs ]; then
	for d in /etc /var /root /usr/src /usr/local /lib/modules; do
		overlay_dir "$d"
	done
fi
# The work tree last, over whatever the lines above mounted: a clone in
# /tmp or /root is then neither hidden by the tmpfs nor written to an
# overlay's upper layer. Under /tmp or /run its mount point is made on the
# fresh tmpfs. It is written by both sides while the guest runs (the host
# reads the results): no caching.
mkdir -p "/newroot$work" || halt_now "cannot make the mount point $work"
mount -t 9p -o "$opts,cache=none" work "/newroot$work" ||
	halt_now "cannot mount the work tree at $work"
for d in dev proc sys; do
	mount --move "/$d" "/newroot/$d"
done
exec switch_root -c /dev/console /newroot /bin/bash "$work/tests/guest/init.sh"
