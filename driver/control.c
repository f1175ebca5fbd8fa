// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: the control node /dev/kbuf/control, which creates and destroys
 * buffers at run time. It is the last minor of kbuf's own region (so it
 * cannot be opened before the load has succeeded: main.c), a device of
 * the kbuf class named "control", root-only (0600), and each command also
 * needs CAP_SYS_ADMIN: a buffer pins kernel memory.
 */
#include "kbuf.h"

#include <linux/capability.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/string.h>
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

static int kbuf_control_create(const struct kbuf_create __user *argp)
{
	const struct kbuf_backend *be;
	struct kbuf_create req;
	int ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	ret = kbuf_name_check(req.name);
	if (ret)
		return ret;
	be = kbuf_backend_by_id(req.backend);
	if (!be || req.gfp > KBUF_GFP_ATOMIC || req.flags || req.reserved)
		return -EINVAL;
	return kbuf_buffer_create(req.name, be, req.size, req.gfp);
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

/**
 * kbuf_control_register() - create the control node's device
 *
 * Its node opens only once main.c has added the region's char device.
 *
 * Return: 0 or the error of device_create().
 */
int kbuf_control_register(void)
{
	struct device *dev;

	dev = device_create(&kbuf_class, NULL, kbuf_control_devt(), NULL,
			    "control");
	return PTR_ERR_OR_ZERO(dev);
}

/**
 * kbuf_control_unregister() - remove the control node's device
 */
void kbuf_control_unregister(void)
{
	device_destroy(&kbuf_class, kbuf_control_devt());
}
