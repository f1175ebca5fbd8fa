// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf: attributes under /sys/class/kbuf/<name>/. They are the groups of
 * every buffer device (not of the control node), so they exist before the
 * uevent and udev can set their permissions. Documented in
 * docs/sysfs-class-kbuf.
 */
#include "kbuf.h"

#include <linux/kernel.h>
#include <linux/sysfs.h>

static const char *const kbuf_map_mode_names[] = {
	[KBUF_MAP_PAGE] = "page",
	[KBUF_MAP_PFN] = "pfn",
};

static const char *const kbuf_gfp_names[] = {
	[KBUF_GFP_KERNEL] = "kernel",
	[KBUF_GFP_ATOMIC] = "atomic",
};

static ssize_t backend_show(struct device *dev, struct device_attribute *attr,
			    char *page)
{
	return sysfs_emit(page, "%s\n", kbuf_from_dev(dev)->backend->name);
}
static DEVICE_ATTR_RO(backend);

static ssize_t map_mode_show(struct device *dev, struct device_attribute *attr,
			     char *page)
{
	u32 mode = kbuf_from_dev(dev)->map_mode;

	return sysfs_emit(page, "%s\n", kbuf_map_mode_names[mode]);
}
static DEVICE_ATTR_RO(map_mode);

static ssize_t gfp_show(struct device *dev, struct device_attribute *attr,
			char *page)
{
	return sysfs_emit(page, "%s\n",
			  kbuf_gfp_names[kbuf_from_dev(dev)->gfp]);
}
static DEVICE_ATTR_RO(gfp);

/* As PCI devices show theirs: the node, or -1 for none asked for. */
static ssize_t numa_node_show(struct device *dev, struct device_attribute *attr,
			      char *page)
{
	return sysfs_emit(page, "%d\n", kbuf_from_dev(dev)->numa_node);
}
static DEVICE_ATTR_RO(numa_node);

static ssize_t capacity_show(struct device *dev, struct device_attribute *attr,
			     char *page)
{
	return sysfs_emit(page, "%zu\n",
			  READ_ONCE(kbuf_from_dev(dev)->mem.capacity));
}
static DEVICE_ATTR_RO(capacity);

static ssize_t max_capacity_show(struct device *dev,
				 struct device_attribute *attr, char *page)
{
	return sysfs_emit(page, "%zu\n",
			  READ_ONCE(kbuf_from_dev(dev)->max_capacity));
}
static DEVICE_ATTR_RO(max_capacity);

static ssize_t source_show(struct device *dev, struct device_attribute *attr,
			   char *page)
{
	return sysfs_emit(page, "%s\n",
			  READ_ONCE(kbuf_from_dev(dev)->mem.source));
}
static DEVICE_ATTR_RO(source);

static ssize_t length_show(struct device *dev, struct device_attribute *attr,
			   char *page)
{
	return sysfs_emit(page, "%zu\n", READ_ONCE(kbuf_from_dev(dev)->length));
}

static ssize_t length_store(struct device *dev, struct device_attribute *attr,
			    const char *page, size_t count)
{
	u64 length;
	int ret;

	/*
	 * Decimal only, as documented: base 0 would read "010" as 8. Too big
	 * for 64 bits is above any capacity: EINVAL, not ERANGE.
	 */
	if (kstrtou64(page, 10, &length))
		return -EINVAL;
	ret = kbuf_buffer_set_length(kbuf_from_dev(dev), length);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(length);

static ssize_t mappings_show(struct device *dev, struct device_attribute *attr,
			     char *page)
{
	return sysfs_emit(page, "%d\n",
			  atomic_read(&kbuf_from_dev(dev)->mappings));
}
static DEVICE_ATTR_RO(mappings);

static ssize_t exports_show(struct device *dev, struct device_attribute *attr,
			    char *page)
{
	return sysfs_emit(page, "%d\n",
			  atomic_read(&kbuf_from_dev(dev)->exports));
}
static DEVICE_ATTR_RO(exports);

static ssize_t opens_show(struct device *dev, struct device_attribute *attr,
			  char *page)
{
	return sysfs_emit(page, "%d\n",
			  atomic_read(&kbuf_from_dev(dev)->opens));
}
static DEVICE_ATTR_RO(opens);

/* The counters share one show function; each attribute knows its field. */
struct kbuf_stat_attr {
	struct device_attribute attr;
	enum kbuf_stat stat;
};

static ssize_t kbuf_stat_show(struct device *dev, struct device_attribute *attr,
			      char *page)
{
	struct kbuf_stat_attr *sa =
		container_of(attr, struct kbuf_stat_attr, attr);
	struct kbuf_buffer *buf = kbuf_from_dev(dev);
	u64 sum = 0;
	int cpu;

	/*
	 * Other CPUs add to their counters meanwhile (kbuf_stat_add()): a
	 * marked read of each, or KCSAN sees a data race. The sum may lag
	 * the I/O in flight; it never goes back.
	 */
	for_each_possible_cpu(cpu) {
		const struct kbuf_pcpu_stats *st = per_cpu_ptr(buf->stats, cpu);

		sum += READ_ONCE(st->count[sa->stat]);
	}
	return sysfs_emit(page, "%llu\n", sum);
}

#define KBUF_STAT_ATTR(_name, _stat)                               \
	static struct kbuf_stat_attr kbuf_stat_##_name = {         \
		.attr = __ATTR(_name, 0444, kbuf_stat_show, NULL), \
		.stat = _stat,                                     \
	}

KBUF_STAT_ATTR(reads, KBUF_STAT_READS);
KBUF_STAT_ATTR(writes, KBUF_STAT_WRITES);
KBUF_STAT_ATTR(bytes_read, KBUF_STAT_BYTES_READ);
KBUF_STAT_ATTR(bytes_written, KBUF_STAT_BYTES_WRITTEN);
KBUF_STAT_ATTR(mmaps, KBUF_STAT_MMAPS);

static struct attribute *kbuf_attrs[] = {
	&dev_attr_backend.attr,
	&dev_attr_capacity.attr,
	&dev_attr_max_capacity.attr,
	&dev_attr_source.attr,
	&dev_attr_length.attr,
	&dev_attr_map_mode.attr,
	&dev_attr_gfp.attr,
	&dev_attr_numa_node.attr,
	&dev_attr_mappings.attr,
	&dev_attr_exports.attr,
	&dev_attr_opens.attr,
	&kbuf_stat_reads.attr.attr,
	&kbuf_stat_writes.attr.attr,
	&kbuf_stat_bytes_read.attr.attr,
	&kbuf_stat_bytes_written.attr.attr,
	&kbuf_stat_mmaps.attr.attr,
	NULL,
};

static const struct attribute_group kbuf_group = {
	.attrs = kbuf_attrs,
};

const struct attribute_group *kbuf_groups[] = {
	&kbuf_group,
	NULL,
};
