// SPDX-License-Identifier: GPL-2.0-only
/*
 * The input of tests/host/55-mutants.bats: a little of each thing
 * scripts/mutants-gen.py mutates, and of each thing it must leave alone.
 * Not compiled. A comment is not code: return -EINVAL; if (a < b)
 */
#include <linux/errno.h>
#define FIX_CHECK(x) ((x) < 0 ? -EINVAL : 0)
#define FIX_LONG(x) \
	((x) > 1 ? -ENOSPC : 0)

static_assert(sizeof(long) >= 4);

static const struct fix_ops fix_table = {
	.limit = -EINVAL, /* outside a function: untouched */
	.f = fix_check,
};

static int fix_check(int a, int b)
{
	const char *s = "return -EINVAL; a < b { ";
	char c = '}';

	if (a < b)
		return -EINVAL;
	if (a >= b) {
		pr_err("a >= b: %c\n", c); // return -EFAULT;
		return -ENOSPC;
	}
	if (a - EDOM == b)
		return a ? -EFAULT : 0;
	return s[0];
}

static int fix_lock(struct fix *f)
{
	int ret;

	mutex_lock(&f->lock);
	if (f->dead) {
		mutex_unlock(&f->lock);
		return -ENODEV;
	}
	atomic_inc(&f->users);
	get_device(&f->dev);
	mutex_unlock(&f->lock);
	if (mutex_lock_killable(&f->lock))
		return -EINTR;
	ret = f->x << 2 >> 1;
	f->p = f->q->r;
	mutex_unlock(&f->lock);
	spin_lock(&f->unpaired);
	return ret;
}

static void *fix_zero(size_t n, struct fix *f)
{
	void *p = kzalloc(n, GFP_KERNEL);
	int fd = get_unused_fd_flags(0);

	if (fd < 0)
		return ERR_PTR(fd);
	if (!p)
		return NULL;
	memset(f->buf, 0,
	       n);
	f->page = alloc_pages(GFP_KERNEL | __GFP_ZERO, 0);
	f->dev = get_device(f->parent);
	return p;
}
