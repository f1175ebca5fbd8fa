# SPDX-License-Identifier: GPL-2.0-only
#
# kbuf: top-level entry points. The module itself is built by
# driver/Makefile (a thin wrapper around Kbuild); user space by user/Makefile.
#
#   make                  module for the running kernel (or KVER=), kbufctl,
#                         examples
#   make demo             the driver working: here if this kernel can load
#                         modules, otherwise inside the test-bed guest
#   make check            every test: static gates, then the bats suites
#                         inside Debian's real kernels under QEMU
#   make check-debug      the suites again inside a KASAN/kmemleak/lockdep
#                         kernel built from linux-source-6.1 (once, cached)
#   make bench            kbufctl bench in the guest, into docs/bench.md
#   make soak             long stress, fault and load/unload runs in the
#                         debug kernel, into docs/reliability.md
#   make install          module, UAPI header, kbufctl, man pages, udev rule
#   make uninstall        removes exactly what install added
#   make dkms-install     registers, builds and installs the module with DKMS
#   make dkms-uninstall   the reverse

KVER ?= $(shell uname -r)
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/kbuf
# Rules for the local admin go to /etc; a distribution package (PREFIX=/usr)
# puts them where packaged rules live.
ifeq ($(PREFIX),/usr)
UDEVRULESDIR ?= /usr/lib/udev/rules.d
else
UDEVRULESDIR ?= /etc/udev/rules.d
endif
SYSCONFDIR ?= /etc
MANIFEST := $(DESTDIR)$(DATADIR)/install-manifest

.PHONY: all no-space module user check check-debug demo bench soak clean \
	install uninstall dkms-install dkms-uninstall

all: module user

# Kbuild cannot build a module in a directory whose path has a space (it
# splits M= there and says "No rule to make target"): every target that
# calls it says so first, in one line naming the path.
no-space:
	$(if $(filter-out 1,$(words $(CURDIR))),$(error kbuf cannot be built \
		in '$(CURDIR)': Kbuild does not allow a space in the path; \
		clone or move the tree to a path without one))

module: no-space
	$(MAKE) -C driver KVER=$(KVER)

user:
	$(MAKE) -C user

check: no-space
	bash tests/check.sh

check-debug: no-space
	bash tests/check-debug.sh

demo: no-space
	bash tests/demo.sh

bench: no-space
	bash tests/bench.sh

soak: no-space
	bash tests/soak.sh

clean:
	$(MAKE) -C driver clean KVER=$(KVER) 2>/dev/null || true
	$(MAKE) -C user clean
	rm -rf tests/out tests/helpers/bin

# Every file install writes is listed in $(MANIFEST), and uninstall removes
# exactly those, plus the kbuf group if install created it.
MODDIR = /lib/modules/$(KVER)/extra
INSTALLED = $(BINDIR)/kbufctl $(INCLUDEDIR)/linux/kbuf.h \
	$(MANDIR)/man1/kbufctl.1 $(MANDIR)/man4/kbuf.4 \
	$(UDEVRULESDIR)/60-kbuf.rules \
	$(SYSCONFDIR)/modprobe.d/kbuf.conf \
	$(SYSCONFDIR)/modules-load.d/kbuf.conf

install: all
	$(MAKE) -C driver modules_install KVER=$(KVER) \
		INSTALL_MOD_DIR=extra INSTALL_MOD_PATH=$(DESTDIR)
	install -D -m 0755 user/kbufctl/kbufctl $(DESTDIR)$(BINDIR)/kbufctl
	install -D -m 0644 driver/uapi/linux/kbuf.h $(DESTDIR)$(INCLUDEDIR)/linux/kbuf.h
	install -D -m 0644 man/kbufctl.1 $(DESTDIR)$(MANDIR)/man1/kbufctl.1
	install -D -m 0644 man/kbuf.4 $(DESTDIR)$(MANDIR)/man4/kbuf.4
	install -D -m 0644 udev/60-kbuf.rules \
		$(DESTDIR)$(UDEVRULESDIR)/60-kbuf.rules
	install -D -m 0644 udev/kbuf-modprobe.conf \
		$(DESTDIR)$(SYSCONFDIR)/modprobe.d/kbuf.conf
	install -D -m 0644 udev/kbuf-modules-load.conf \
		$(DESTDIR)$(SYSCONFDIR)/modules-load.d/kbuf.conf
	install -d $(dir $(MANIFEST))
	@# modules_install compresses as the kernel's own modules are (Debian's
	@# 6.12: kbuf.ko.xz): record the file it really wrote.
	ko=$$(cd $(DESTDIR)$(MODDIR) && ls kbuf.ko* | head -n 1) && \
		printf '%s\n' $(MODDIR)/$$ko $(INSTALLED) > $(MANIFEST)
	@if [ -z "$(DESTDIR)" ]; then \
		depmod -a $(KVER); \
		if ! getent group kbuf >/dev/null; then \
			groupadd --system kbuf && echo group:kbuf >> $(MANIFEST); \
		fi; \
		udevadm control --reload 2>/dev/null || true; \
	fi

uninstall:
	@test -f $(MANIFEST) || { echo "nothing to uninstall: no $(MANIFEST)" >&2; exit 1; }
	@while read -r f; do \
		case "$$f" in \
		group:*) groupdel "$${f#group:}" ;; \
		*) rm -f "$(DESTDIR)$$f" ;; \
		esac; \
	done < $(MANIFEST)
	rm -f $(MANIFEST)
	-rmdir $(dir $(MANIFEST)) 2>/dev/null
	@if [ -z "$(DESTDIR)" ]; then \
		depmod -a $(KVER); udevadm control --reload 2>/dev/null || true; \
	fi

# DKMS builds from a copy of the sources under /usr/src/kbuf-<version>.
DKMS_SRC = /usr/src/kbuf-$(VERSION)
DKMS_FILES = dkms.conf driver/Kbuild driver/Makefile driver/*.c driver/*.h \
	driver/uapi/linux/kbuf.h

# Run once per kernel (KVER=...): the sources are registered on the first.
dkms-install:
	install -d $(DKMS_SRC)/driver/uapi/linux
	for f in $(DKMS_FILES); do install -m 0644 $$f $(DKMS_SRC)/$$f; done
	dkms status -m kbuf -v $(VERSION) | grep -q . || \
		dkms add -m kbuf -v $(VERSION)
	dkms build -m kbuf -v $(VERSION) -k $(KVER)
	dkms install -m kbuf -v $(VERSION) -k $(KVER)

dkms-uninstall:
	dkms remove -m kbuf -v $(VERSION) --all
	rm -rf $(DKMS_SRC)
