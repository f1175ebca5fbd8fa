// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: the control node /dev/kbuf/control, which creates and destroys
 * buffers at run time. It is a misc device, root-only (0600), and each
 * command also needs CAP_SYS_ADMIN: a buffer pins kernel memory.
 */
#include "kbuf.h"

#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/* 1..31 characters of [a-z0-9_-], NUL-terminated, not the control node's. */
static int kbuf_name_check(const char *name)
{
	size_t len = strnlen(name, KBUF_NAME_LEN);
	size_t i;

	if (len == 0 || len == KBUF_NAME_LEN || !strcmp(name, "control"))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!(islower(c) || isdigit(c) || c == '_' || c == '-'))
			return -EINVAL;
	}
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

static const struct file_operations kbuf_control_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = kbuf_control_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice kbuf_control_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kbuf-control",
	.nodename = "kbuf/control",
	.mode = 0600,
	.fops = &kbuf_control_fops,
};

/**
 * kbuf_control_register() - create /dev/kbuf/control
 *
 * Return: 0 or the error of misc_register().
 */
int kbuf_control_register(void)
{
	return misc_register(&kbuf_control_dev);
}

/**
 * kbuf_control_unregister() - remove /dev/kbuf/control
 */
void kbuf_control_unregister(void)
{
	misc_deregister(&kbuf_control_dev);
}
