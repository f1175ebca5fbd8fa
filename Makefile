# SPDX-License-Identifier: GPL-2.0-only
#
# kbuf: top-level entry points. The module itself is built by
# driver/Makefile (a thin wrapper around Kbuild); user space by user/Makefile.
#
#   make                 module for the running kernel (or KVER=), kbufctl,
#                        examples
#   make demo            the driver working: here if this kernel can load
#                        modules, otherwise inside the test-bed guest
#   make check           every test: static gates, then the bats suites
#                        inside Debian's real kernels under QEMU

KVER ?= $(shell uname -r)

.PHONY: all module user check demo clean

all: module user

module:
	$(MAKE) -C driver KVER=$(KVER)

user:
	$(MAKE) -C user

check:
	bash tests/check.sh

demo:
	bash tests/demo.sh

clean:
	$(MAKE) -C driver clean KVER=$(KVER) || true
	$(MAKE) -C user clean
	rm -rf tests/out tests/helpers/bin
