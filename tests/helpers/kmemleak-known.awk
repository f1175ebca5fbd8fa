# SPDX-License-Identifier: GPL-2.0-only
#
# Filter of a kmemleak report (/sys/kernel/debug/kmemleak): drops the one
# leak that is the kernel's, not kbuf's, and prints every other report.
#
# Linux 6.1's kset_register() does not free the kobject's name when
# kobject_add_internal() fails, so an injected allocation failure there,
# during class_register() in kbuf's init (tests/91-fault.bats), leaks the
# class name "kbuf" (8 bytes, allocated by kobject_set_name() from
# __class_register()). Fixed upstream for 6.2 by "kset: fix memory leak
# when kset_register() returns error" (Yang Yingliang,
# https://lore.kernel.org/r/20221025071549.1280528-1-yangyingliang@huawei.com),
# which 6.1.y does not have. A kbuf bug that leaked the class (no
# class_unregister()) would leak the class's private structure, allocated
# by kzalloc() in __class_register(), with a different backtrace: this
# filter keeps that one.

function flush() {
	if (block != "" && !(block ~ /kobject_set_name/ && block ~ /__class_register/))
		printf "%s", block
	block = ""
}

/^unreferenced object/ { flush() }
{ block = block $0 "\n" }
END { flush() }
