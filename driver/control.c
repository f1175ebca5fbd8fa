// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: the control node /dev/kbuf/control, which creates and destroys
 * buffers at run time. It is the last minor of kbuf's own region (so it
 * cannot be opened before the load has succeeded: main.c), a device of
 * the kbuf class named "control", root-only (0600), and each command also
 * needs CAP_SYS_ADMIN: a buffer pins kernel memory. Its sysfs directory
 * holds the size limit of each backend, readable by all.
 */
#include "kbuf.h"

#include <linux/capability.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/nodemask.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

/*
 * ASCII ranges, spelt out: the kernel's islower() and isalpha() follow a
 * Latin-1 table, where bytes such as 0xE9 are lower-case letters.
 */
static bool kbuf_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-';
}

/* 1..31 characters of [a-z0-9_-], NUL-terminated, not the control node's. */
static int kbuf_name_check(const char *name)
{
	size_t len = strnlen(name, KBUF_NAME_LEN);
	size_t i;

	if (len == 0 || len == KBUF_NAME_LEN || !strcmp(name, "control"))
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!kbuf_name_char_ok(name[i]))
			return -EINVAL;
	return 0;
}

/*
 * The node a create asks for into @node: NUMA_NO_NODE without
 * KBUF_CREATE_NODE (req->node must then be 0), else a node with memory
 * the kernel may allocate from. -EINVAL for any other: a node that does
 * not exist, is offline, has only CPUs (mbind() answers the same), or has
 * only movable memory (hot-plugged, CXL), which no kernel allocation
 * may use: N_MEMORY counts that, N_NORMAL_MEMORY does not.
 */
static int kbuf_create_node(const struct kbuf_create *req, int *node)
{
	u32 n = req->node;

	*node = NUMA_NO_NODE;
	if (!(req->flags & KBUF_CREATE_NODE))
		return n ? -EINVAL : 0;
	if (n >= nr_node_ids)
		return -EINVAL;
	n = array_index_nospec(n, nr_node_ids);
	if (!node_state(n, N_NORMAL_MEMORY))
		return -EINVAL;
	*node = n;
	return 0;
}

static int kbuf_control_create(const struct kbuf_create __user *argp)
{
	const struct kbuf_backend *be;
	struct kbuf_create req;
	int map_mode, node, ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	ret = kbuf_name_check(req.name);
	if (ret)
		return ret;
	be = kbuf_backend_by_id(req.backend);
	if (!be || req.gfp > KBUF_GFP_ATOMIC)
		return -EINVAL;
	ret = kbuf_create_node(&req, &node);
	if (ret)
		return ret;
	map_mode = kbuf_map_mode_for(be, req.flags & ~KBUF_CREATE_NODE);
	if (map_mode < 0)
		return map_mode;
	return kbuf_buffer_create(req.name, be, req.size, req.gfp, map_mode,
				  node);
}

static int kbuf_control_destroy(const struct kbuf_destroy __user *argp)
{
	struct kbuf_destroy req;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (strnlen(req.name, KBUF_NAME_LEN) == KBUF_NAME_LEN)
		return -EINVAL;
	return kbuf_buffer_destroy(req.name);
}

static long kbuf_control_ioctl(struct file *filp, unsigned int cmd,
			       unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	if (cmd != KBUF_IOC_CREATE && cmd != KBUF_IOC_DESTROY)
		return -ENOTTY;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (cmd == KBUF_IOC_CREATE)
		return kbuf_control_create(argp);
	return kbuf_control_destroy(argp);
}

static dev_t kbuf_control_devt(void)
{
	return MKDEV(MAJOR(kbuf_devt), KBUF_CONTROL_MINOR);
}

const struct file_operations kbuf_control_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = kbuf_control_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/*
 * /sys/class/kbuf/control/limits/<backend>: the largest capacity each
 * backend accepts, so that tools need not know this kernel's page size
 * and largest order. One show function; each attribute knows its backend.
 */
struct kbuf_limit_attr {
	struct device_attribute attr;
	u32 backend;
};

static ssize_t kbuf_limit_show(struct device *dev,
			       struct device_attribute *attr, char *page)
{
	struct kbuf_limit_attr *la =
		container_of(attr, struct kbuf_limit_attr, attr);

	return sysfs_emit(page, "%zu\n",
			  kbuf_backend_by_id(la->backend)->max_size);
}

#define KBUF_LIMIT_ATTR(_name, _backend)                            \
	static struct kbuf_limit_attr kbuf_limit_##_name = {        \
		.attr = __ATTR(_name, 0444, kbuf_limit_show, NULL), \
		.backend = _backend,                                \
	}

KBUF_LIMIT_ATTR(kmalloc, KBUF_BACKEND_KMALLOC);
KBUF_LIMIT_ATTR(pages, KBUF_BACKEND_PAGES);
KBUF_LIMIT_ATTR(vmalloc, KBUF_BACKEND_VMALLOC);

static struct attribute *kbuf_limit_attrs[] = {
	&kbuf_limit_kmalloc.attr.attr,
	&kbuf_limit_pages.attr.attr,
	&kbuf_limit_vmalloc.attr.attr,
	NULL,
};

static const struct attribute_group kbuf_limit_group = {
	.name = "limits",
	.attrs = kbuf_limit_attrs,
};

static const struct attribute_group *kbuf_control_groups[] = {
	&kbuf_limit_group,
	NULL,
};

static struct device *kbuf_control_dev;

static void kbuf_control_release(struct device *dev)
{
	kfree(dev);
}

/**
 * kbuf_control_register() - create the control node's device
 *
 * Its node opens only once main.c has added the region's char device, and
 * its uevent waits until then (kbuf_control_announce()). Its attributes
 * exist before the uevent, as those of a buffer do.
 *
 * Return: 0, -ENOMEM or the error of device_add().
 */
int kbuf_control_register(void)
{
	struct device *dev;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	device_initialize(dev);
	dev->class = &kbuf_class;
	dev->devt = kbuf_control_devt();
	dev->groups = kbuf_control_groups;
	dev->release = kbuf_control_release;
	dev_set_uevent_suppress(dev, true);
	ret = dev_set_name(dev, "control");
	if (!ret)
		ret = device_add(dev);
	if (ret) {
		put_device(dev);
		return ret;
	}
	kbuf_control_dev = dev;
	return 0;
}

/**
 * kbuf_control_announce() - send the control node's add uevent
 */
void kbuf_control_announce(void)
{
	kbuf_dev_announce(kbuf_control_dev);
}

/**
 * kbuf_control_unregister() - remove the control node's device
 */
void kbuf_control_unregister(void)
{
	device_unregister(kbuf_control_dev);
}
