// SPDX-License-Identifier: GPL-2.0
/*
 * virq module entry: the /dev/virq misc device and its ioctls
 * (VIRQ_GET_API_VERSION, VIRQ_CHECK_EXTENSION, VIRQ_CREATE_CHIP).
 *
 * Locks: none of its own; /dev/virq holds no state. Chip creation is in
 * chip.c. May call: virq_create_chip().
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "virq.h"

#define VIRQ_VERSION "0.1.0"

static long virq_check_extension(unsigned long ext)
{
	switch (ext) {
	case VIRQ_CAP_PIC:
	case VIRQ_CAP_MSI_32BIT_IDS:
	case VIRQ_CAP_IRQ_ROUTING:
	case VIRQ_CAP_SIGNAL_MSI:
	case VIRQ_CAP_VCPU_RUN_PAGE:
		return 1;
	case VIRQ_CAP_MAX_VCPUS:
		return VIRQ_MAX_VCPUS;
	case VIRQ_CAP_MAX_ROUTES:
		return VIRQ_MAX_ROUTES;
	case VIRQ_CAP_NR_GSIS:
		return VIRQ_NR_GSIS;
	case VIRQ_CAP_IOAPIC:
		return VIRQ_MAX_IOAPICS;
	case VIRQ_CAP_LAPIC:
	case VIRQ_CAP_IRQFD_RESAMPLE:
		return 1;
	case VIRQ_CAP_IRQFD:
		return VIRQ_MAX_IRQFDS;
	case VIRQ_CAP_STATS:
		return VIRQ_STATS_VERSION;
	case VIRQ_CAP_NMI_COUNT:
		return VIRQ_NMI_PENDING_MAX;
	case VIRQ_CAP_VCPU_CONFIG:
		return 1;
	default:
		return 0;
	}
}

static long virq_dev_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	switch (cmd) {
	case VIRQ_GET_API_VERSION:
		return arg ? -EINVAL : VIRQ_API_VERSION;
	case VIRQ_CHECK_EXTENSION:
		return virq_check_extension(arg);
	case VIRQ_CREATE_CHIP:
		return virq_create_chip((const void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations virq_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = virq_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice virq_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "virq",
	.fops = &virq_dev_fops,
	.mode = 0600,		/* grant VMM users access with a udev rule */
};

static int __init virq_init(void)
{
	int ret = virq_irqfd_init();

	if (ret)
		return ret;
	virq_debugfs_init();
	ret = misc_register(&virq_misc);
	if (ret) {
		pr_err("virq: cannot register /dev/virq: %d\n", ret);
		virq_debugfs_exit();
		virq_irqfd_exit();
	}
	return ret;
}

static void __exit virq_exit(void)
{
	misc_deregister(&virq_misc);
	virq_debugfs_exit();
	virq_irqfd_exit();
}

module_init(virq_init);
module_exit(virq_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("x86 interrupt controllers (8259A PIC, IOAPIC, local APIC, GSI routing, MSI) for userspace VMMs");
MODULE_VERSION(VIRQ_VERSION);
MODULE_AUTHOR("The virq developers");
