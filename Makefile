# SPDX-License-Identifier: GPL-2.0-only
#
# kbuf: top-level entry points. Each part builds and installs itself:
# driver/Makefile (a thin wrapper around Kbuild) the module, user/Makefile
# kbufctl, its header, man pages and completion, tests/helpers/Makefile the
# test programs. This file calls them and adds what belongs to the system
# (udev rule, group, DKMS, packages).
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
#   make lab              the lab book's experiments in the guest, into
#                         docs/lab.md
#   make soak             long stress, fault and load/unload runs in the
#                         debug kernel, into docs/reliability.md
#   make mutants          the mutation score: small faults made in driver/
#                         one at a time, each run against its tests in the
#                         guest, into docs/mutants.md (KBUF_MUTANTS_LIST=1
#                         lists them and builds nothing)
#   make install          module, then everything install-user installs
#   make install-user     kbufctl, UAPI header, man pages, bash completion,
#                         udev rule and the kbuf group: no module
#   make uninstall        removes exactly what install and install-user added
#   make dkms-install     registers, builds and installs the module with DKMS
#                         (KVER=...), and the user side of install-user
#   make dkms-uninstall   the reverse
#   make deb              kbuf-dkms and kbuf-utils .debs, built from a copy
#                         of the tree into $(DEB_OUT)
#   make version          prints the version, for scripts

KVER ?= $(shell uname -r)
# The project's one version string is PACKAGE_VERSION in dkms.conf: read
# here, once, and passed down (user/Makefile asks `make version` when run
# on its own; DKMS builds driver/ without this file, so Kbuild reads it too).
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)

PREFIX ?= /usr/local
# kbuild's own knob: 1 strips the installed module's debug information (as
# DKMS does), empty keeps it (for crash, drgn or perf probe on the module).
INSTALL_MOD_STRIP ?= 1
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
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
# Where user/ installs, and the version it prints.
USER_VARS = KBUF_VERSION=$(VERSION) DESTDIR=$(DESTDIR) BINDIR=$(BINDIR) \
	INCLUDEDIR=$(INCLUDEDIR) MANDIR=$(MANDIR) BASHCOMPDIR=$(BASHCOMPDIR)

.PHONY: all no-space module user check check-debug demo bench lab soak mutants clean \
	version install install-module install-user uninstall dkms-src \
	dkms-not-packaged user-not-packaged dkms-module dkms-install \
	dkms-uninstall deb

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
	$(MAKE) -C user KBUF_VERSION=$(VERSION)

version:
	@echo $(VERSION)

check: no-space
	bash tests/check.sh

check-debug: no-space
	bash tests/check-debug.sh

demo: no-space
	bash scripts/demo.sh

bench: no-space
	bash scripts/bench.sh

lab: no-space
	bash scripts/lab.sh

soak: no-space
	bash scripts/soak.sh

mutants: no-space
	bash scripts/mutants.sh

clean:
	$(MAKE) -C driver clean KVER=$(KVER) 2>/dev/null || true
	$(MAKE) -C user clean
	@# A copy of the tree without tests/ (the guests' install tree) too.
	$(if $(wildcard tests/helpers/Makefile),$(MAKE) -C tests/helpers clean)
	rm -rf tests/out

# Every file install and install-user write is listed in $(MANIFEST) (each
# run adds its own, once), and uninstall removes exactly those, plus the
# kbuf group if an install created it.
MODDIR = /lib/modules/$(KVER)/extra
SYSTEM_FILES = $(UDEVRULESDIR)/60-kbuf.rules

# The checks first: a refusal must come before anything is installed.
install: user-not-packaged install-module install-user

# The module for KVER, by default without its debug information as DKMS
# and Debian's own modules are (kbuf.ko is a hundred times smaller: 6.12
# compresses it with xz), and commented-out modprobe.d and modules-load.d
# examples.
install-module: module
	$(MAKE) -C driver modules_install KVER=$(KVER) \
		INSTALL_MOD_DIR=extra INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_STRIP=$(INSTALL_MOD_STRIP)
	install -D -m 0644 udev/kbuf-modprobe.conf \
		$(DESTDIR)$(SYSCONFDIR)/modprobe.d/kbuf.conf
	install -D -m 0644 udev/kbuf-modules-load.conf \
		$(DESTDIR)$(SYSCONFDIR)/modules-load.d/kbuf.conf
	install -d $(dir $(MANIFEST))
	@# modules_install compresses as the kernel's own modules are (Debian's
	@# 6.12: kbuf.ko.xz): record the file it really wrote.
	ko=$$(cd $(DESTDIR)$(MODDIR) && ls kbuf.ko* | head -n 1) && \
		printf '%s\n' $(MODDIR)/$$ko $(SYSCONFDIR)/modprobe.d/kbuf.conf \
		$(SYSCONFDIR)/modules-load.d/kbuf.conf >> $(MANIFEST)
	sort -u -o $(MANIFEST) $(MANIFEST)
	if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

# What a user of the module needs besides the module: user/ installs the
# tool, header, man pages and completion; the system gets the rule and group.
install-user: user-not-packaged
	install -d $(dir $(MANIFEST))
	$(MAKE) -C user install $(USER_VARS) MANIFEST=$(MANIFEST)
	install -D -m 0644 udev/60-kbuf.rules $(DESTDIR)$(UDEVRULESDIR)/60-kbuf.rules
	printf '%s\n' $(SYSTEM_FILES) >> $(MANIFEST)
	sort -u -o $(MANIFEST) $(MANIFEST)
	@if [ -z "$(DESTDIR)" ]; then \
		if ! getent group kbuf >/dev/null; then \
			groupadd --system kbuf && echo group:kbuf >> $(MANIFEST); \
		fi; \
		udevadm control --reload 2>/dev/null || true; \
		udevadm trigger --subsystem-match=kbuf --action=add 2>/dev/null || true; \
	fi

# kbuf-utils gives the same user side from /usr, with the same rule name
# (one in /etc would hide the package's) and the same group.
user-not-packaged:
	@[ -n "$(DESTDIR)" ] || [ "$$(dpkg-query -W -f='$${db:Status-Status}' \
		kbuf-utils 2>/dev/null)" != installed ] || { echo "kbuf-utils" \
		"is installed and gives kbufctl, the header, man pages, rule and" \
		"group: use it, or 'apt-get purge kbuf-utils' first" >&2; exit 1; }

# depmod runs for each kernel a module was removed from. The group made by
# install-user stays if kbuf-utils has taken it over since, or if users
# have joined it.
uninstall:
	@test -f $(MANIFEST) || { echo "nothing to uninstall: no $(MANIFEST)" >&2; exit 1; }
	@kvers=; while read -r f; do \
		case "$$f" in \
		group:*) g=$${f#group:}; \
			if [ "$$(dpkg-query -W -f='$${db:Status-Status}' \
				kbuf-utils 2>/dev/null)" = installed ]; then \
				echo "keeping group $$g: kbuf-utils uses it"; \
			elif [ -n "$$(getent group "$$g" | cut -d: -f4)" ]; then \
				echo "keeping group $$g: it has members"; \
			else groupdel "$$g"; fi ;; \
		/lib/modules/*) rm -f "$(DESTDIR)$$f"; \
			k=$${f#/lib/modules/}; kvers="$$kvers $${k%%/*}" ;; \
		*) rm -f "$(DESTDIR)$$f" ;; \
		esac; \
	done < $(MANIFEST); \
	if [ -z "$(DESTDIR)" ]; then \
		for k in $$kvers; do depmod -a $$k; done; \
		udevadm control --reload 2>/dev/null || true; \
	fi
	rm -f $(MANIFEST)
	-rmdir $(dir $(MANIFEST)) 2>/dev/null

# DKMS builds from a copy of the sources under /usr/src/kbuf-<version>
# (dkms-src; the kbuf-dkms package installs the same files).
DKMS_SRC = /usr/src/kbuf-$(VERSION)
# Not the kbuf.mod.c an in-tree build writes beside the sources.
DKMS_FILES = dkms.conf driver/Kbuild driver/Makefile \
	$(filter-out %.mod.c,$(wildcard driver/*.c)) $(wildcard driver/*.h) \
	driver/uapi/linux/kbuf.h

# A source install must not write over, or remove, the files of the
# kbuf-dkms package (dpkg would no longer know what it installed). A
# staging install (DESTDIR, as debian/rules does) touches no system file.
dkms-not-packaged:
	@[ -n "$(DESTDIR)" ] || \
	owner=$$(dpkg-query -S $(DKMS_SRC)/dkms.conf 2>/dev/null | cut -d: -f1); \
	[ -z "$$owner" ] || { echo "$(DKMS_SRC) belongs to the package" \
		"$$owner: use it, or 'apt-get purge $$owner' first" >&2; exit 1; }

dkms-src: dkms-not-packaged
	install -d $(DESTDIR)$(DKMS_SRC)/driver/uapi/linux
	for f in $(DKMS_FILES); do install -m 0644 $$f $(DESTDIR)$(DKMS_SRC)/$$f; done

# Run once per kernel (KVER=...): the sources are registered on the first.
dkms-module: dkms-src
	dkms status -m kbuf -v $(VERSION) | grep -q . || \
		dkms add -m kbuf -v $(VERSION)
	dkms build -m kbuf -v $(VERSION) -k $(KVER)
	dkms install -m kbuf -v $(VERSION) -k $(KVER)

dkms-install: dkms-not-packaged user-not-packaged dkms-module install-user

# The Debian packages, built by dpkg-buildpackage from a copy of the tree
# (the files git tracks, as the work tree has them: a new file counts once
# it is added), so that the source tree stays clean. $(DEB_OUT) keeps the .debs,
# .buildinfo and .changes; the copy is removed after a build that worked.
DEB_OUT ?= $(CURDIR)/tests/out/deb
DEB_TREE = $(DEB_OUT)/kbuf-$(VERSION)

deb: no-space
	@top=$$(git rev-parse --show-toplevel 2>&1); \
	[ "$$top" = "$$(pwd -P)" ] || { echo "make deb packages the files" \
		"git tracks: run it at the top of a git clone (git: $$top)" >&2; \
		exit 1; }
	@v=$$(dpkg-parsechangelog -l debian/changelog -S Version) && \
	[ "$$v" = "$(VERSION)" ] || { echo "debian/changelog is at $$v but" \
		"dkms.conf at $(VERSION): add an entry (dch -v $(VERSION))" >&2; \
		exit 1; }
	rm -rf $(DEB_TREE) $(DEB_OUT)/*.deb $(DEB_OUT)/*.buildinfo $(DEB_OUT)/*.changes
	mkdir -p $(DEB_TREE)
	git ls-files -z | \
		tar --null -T - --ignore-failed-read -cf - | tar -xf - -C $(DEB_TREE)
	cd $(DEB_TREE) && dpkg-buildpackage -b -us -uc
	rm -rf $(DEB_TREE)

# The user side goes too, if install-user's manifest is there.
dkms-uninstall: dkms-not-packaged
	dkms remove -m kbuf -v $(VERSION) --all
	rm -rf $(DKMS_SRC)
	if [ -f $(MANIFEST) ]; then $(MAKE) uninstall; fi
