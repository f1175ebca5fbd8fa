// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: kernel buffers from kmalloc, the page allocator and vmalloc, as
 * character devices. This file holds the module: its parameters, the
 * device class, the char device every node opens through, and the three
 * buffers made at load time.
 *
 *   $ echo hello > /dev/kbuf/vmalloc
 *   $ cat /dev/kbuf/vmalloc
 *   hello
 *
 * See kbuf(4) for reads, writes, mmap, ioctls and sysfs attributes.
 */
#include "kbuf.h"

#include <linux/cdev.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

static unsigned long kmalloc_size = SZ_64K;
module_param(kmalloc_size, ulong, 0444);
MODULE_PARM_DESC(kmalloc_size,
		 "kmalloc buffer bytes (default 65536, limit 1..4194304)");

static unsigned int pages_order = 4;
module_param(pages_order, uint, 0444);
MODULE_PARM_DESC(pages_order,
		 "pages buffer: PAGE_SIZE << order bytes (default 4, limit 10)");

static unsigned long vmalloc_size = SZ_1M;
module_param(vmalloc_size, ulong, 0444);
MODULE_PARM_DESC(vmalloc_size,
		 "vmalloc buffer bytes (default 1048576, limit 1..1073741824)");

static char *map_mode = "page";
module_param(map_mode, charp, 0444);
MODULE_PARM_DESC(map_mode,
		 "mmap of pages and vmalloc buffers: page (default) or pfn");

static const char *const kbuf_map_modes[] = {
	[KBUF_MAP_PAGE] = "page",
	[KBUF_MAP_PFN] = "pfn",
};

static u32 kbuf_map_mode;
dev_t kbuf_devt;
static struct cdev *kbuf_cdev;

/**
 * kbuf_map_mode_for() - the map mode of a new buffer
 * @be:    its backend
 * @flags: KBUF_CREATE_MAP_PAGE, KBUF_CREATE_MAP_PFN, or 0 for the module's
 *         map_mode (which kmalloc buffers, mapped by pfn only, ignore)
 *
 * Return: KBUF_MAP_PAGE or KBUF_MAP_PFN; -EINVAL for other flags, both
 * flags, or KBUF_CREATE_MAP_PAGE for a backend without struct pages.
 */
int kbuf_map_mode_for(const struct kbuf_backend *be, u32 flags)
{
	switch (flags) {
	case 0:
		return be->page ? kbuf_map_mode : KBUF_MAP_PFN;
	case KBUF_CREATE_MAP_PAGE:
		return be->page ? KBUF_MAP_PAGE : -EINVAL;
	case KBUF_CREATE_MAP_PFN:
		return KBUF_MAP_PFN;
	}
	return -EINVAL;
}

static char *kbuf_devnode(KBUF_DEVNODE_DEV *dev, umode_t *mode)
{
	/* devtmpfs's default, said aloud: the control node is root's. */
	if (mode && MINOR(dev->devt) == KBUF_CONTROL_MINOR)
		*mode = 0600;
	return kasprintf(GFP_KERNEL, "kbuf/%s", dev_name(dev));
}

/*
 * Every node of kbuf's region opens here, as drivers/char/mem.c's do: the
 * minor chooses the operations, which then replace these.
 */
static int kbuf_node_open(struct inode *inode, struct file *filp)
{
	const struct file_operations *fops = &kbuf_fops;

	if (iminor(inode) == KBUF_CONTROL_MINOR)
		fops = &kbuf_control_fops;
	/* NULL only for a module on its way out (rmmod -f). */
	fops = fops_get(fops);
	if (!fops)
		return -ENODEV;
	replace_fops(filp, fops);
	return fops->open ? fops->open(inode, filp) : 0;
}

static const struct file_operations kbuf_node_fops = {
	.owner = THIS_MODULE,
	.open = kbuf_node_open,
	.llseek = noop_llseek,
};

struct class kbuf_class = {
	.name = "kbuf",
	.devnode = kbuf_devnode,
};

static int kbuf_check_range(const char *param, unsigned long value,
			    unsigned long min, unsigned long max)
{
	if (value >= min && value <= max)
		return 0;
	pr_err("%s=%lu out of range (limit %lu)\n", param, value, max);
	return -EINVAL;
}

/* Refuse a bad value with one line that names it: never clamp. */
static int kbuf_check_params(void)
{
	int mode;

	if (kbuf_check_range("kmalloc_size", kmalloc_size, 1,
			     kbuf_backend_kmalloc.max_size) ||
	    kbuf_check_range("pages_order", pages_order, 0, KBUF_MAX_ORDER) ||
	    kbuf_check_range("vmalloc_size", vmalloc_size, 1,
			     kbuf_backend_vmalloc.max_size))
		return -EINVAL;

	mode = match_string(kbuf_map_modes, ARRAY_SIZE(kbuf_map_modes),
			    map_mode);
	if (mode < 0) {
		pr_err("map_mode=%s is not one of page, pfn\n", map_mode);
		return -EINVAL;
	}
	kbuf_map_mode = mode;
	return 0;
}

static int kbuf_create_default(const char *name, const struct kbuf_backend *be,
			       u64 size)
{
	return kbuf_buffer_create(name, be, size, KBUF_GFP_KERNEL,
				  kbuf_map_mode_for(be, 0), NUMA_NO_NODE);
}

static int kbuf_create_defaults(void)
{
	int ret;

	ret = kbuf_create_default("kmalloc", &kbuf_backend_kmalloc,
				  kmalloc_size);
	if (!ret)
		ret = kbuf_create_default("pages", &kbuf_backend_pages,
					  PAGE_SIZE << pages_order);
	if (!ret)
		ret = kbuf_create_default("vmalloc", &kbuf_backend_vmalloc,
					  vmalloc_size);
	return ret;
}

/*
 * The one char device of the whole region (buffers and control node),
 * added last: until cdev_add() succeeds no node can be opened, and nothing
 * after it can fail. A load that fails earlier therefore frees nothing a
 * process holds: a file opened while the module was still loading would
 * otherwise outlive the module whose code it points into.
 *
 * devtmpfs makes each node as its device is added, before that; the add
 * uevents, which tell udev and waiting programs that a node is there to
 * open, are held back until the char device is added (kbuf_init()). A
 * failed load sends none for its devices, nor any remove uevent: only the
 * class directory's own add and remove go out.
 */
static int kbuf_cdev_add(void)
{
	int ret;

	kbuf_cdev = cdev_alloc();
	if (!kbuf_cdev)
		return -ENOMEM;
	kbuf_cdev->owner = THIS_MODULE;
	kbuf_cdev->ops = &kbuf_node_fops;
	ret = cdev_add(kbuf_cdev, kbuf_devt, KBUF_MINORS);
	if (ret)
		kobject_put(&kbuf_cdev->kobj);
	return ret;
}

static int __init kbuf_init(void)
{
	int ret;

	ret = kbuf_check_params();
	if (ret)
		return ret;

	ret = alloc_chrdev_region(&kbuf_devt, 0, KBUF_MINORS, "kbuf");
	if (ret)
		return ret;
	ret = class_register(&kbuf_class);
	if (ret)
		goto err_unregister_region;
	ret = kbuf_create_defaults();
	if (ret)
		goto err_destroy_buffers;
	ret = kbuf_control_register();
	if (ret)
		goto err_destroy_buffers;
	ret = kbuf_cdev_add();
	if (ret)
		goto err_unregister_control;
	kbuf_buffers_announce();
	kbuf_control_announce();

	pr_info("version %s loaded: kmalloc %lu, pages %lu, vmalloc %lu bytes, map_mode %s\n",
		KBUF_VERSION, kmalloc_size, PAGE_SIZE << pages_order,
		vmalloc_size, kbuf_map_modes[kbuf_map_mode]);
	return 0;

err_unregister_control:
	kbuf_control_unregister();
err_destroy_buffers:
	kbuf_buffer_destroy_all();
	class_unregister(&kbuf_class);
err_unregister_region:
	unregister_chrdev_region(kbuf_devt, KBUF_MINORS);
	return ret;
}

static void __exit kbuf_exit(void)
{
	cdev_del(kbuf_cdev);
	kbuf_control_unregister();
	kbuf_buffer_destroy_all();
	class_unregister(&kbuf_class);
	unregister_chrdev_region(kbuf_devt, KBUF_MINORS);
}

module_init(kbuf_init);
module_exit(kbuf_exit);

MODULE_DESCRIPTION("Kernel buffers from kmalloc, pages and vmalloc");
MODULE_AUTHOR("kbuf developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(KBUF_VERSION);
