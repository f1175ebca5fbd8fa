// SPDX-License-Identifier: GPL-2.0-only
/*
 * lab_atomic: a bug on purpose, for lesson 5 of the kbuf lab book
 * (docs/lab.md). Loading it takes a spinlock and, once, calls
 * kmalloc(GFP_KERNEL) while holding it. GFP_KERNEL may sleep and a
 * spinlock forbids sleeping: a kernel built with CONFIG_DEBUG_ATOMIC_SLEEP
 * reports the call as "BUG: sleeping function called from invalid
 * context", with the lock held and the call chain. The allocation
 * succeeds and is freed; only the report is wanted.
 *
 * Built only for the debug kernel, by make check-debug and make lab; it is
 * no part of kbuf.ko, its DKMS source or its packages.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

static DEFINE_SPINLOCK(lab_atomic_lock);

static int __init lab_atomic_init(void)
{
	void *p;

	spin_lock(&lab_atomic_lock);
	/* Wrong: GFP_KERNEL may sleep, here where sleeping is forbidden. */
	p = kmalloc(64, GFP_KERNEL);
	spin_unlock(&lab_atomic_lock);
	kfree(p);
	pr_info("called kmalloc(GFP_KERNEL) under a spinlock\n");
	return 0;
}

static void __exit lab_atomic_exit(void)
{
}

module_init(lab_atomic_init);
module_exit(lab_atomic_exit);

MODULE_DESCRIPTION("A sleeping allocation under a spinlock, on purpose");
MODULE_AUTHOR("kbuf developers");
MODULE_LICENSE("GPL");
