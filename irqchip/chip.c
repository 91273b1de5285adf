// SPDX-License-Identifier: GPL-2.0
/*
 * The chip object: one isolated set of interrupt controllers (PIC pair,
 * IOAPICs, a LAPIC per vCPU), its GSI routing and its vCPUs, reached through
 * an anon-inode chip fd. Validates the creation argument, dispatches the
 * chip fd's ioctls and forwarded register accesses.
 *
 * Locks: chip->lock (mutex) serialises vCPU creation, routing updates and
 * IOAPIC relocations (VIRQ_SET_IRQCHIP). The chip lives until its fd and
 * every vCPU fd are closed (chip->ref).
 * May call: routing.c, i8259.c, ioapic.c, lapic.c, bus.c, msi.c, vcpu.c.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>

#include "virq.h"
#include "virq_trace.h"

#define VIRQ_CHIP_ALL_FLAGS (VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC | \
			     VIRQ_CHIP_LAPIC | VIRQ_CHIP_32BIT_IDS | \
			     VIRQ_CHIP_LOGICAL_LEVELS | \
			     VIRQ_CHIP_ELECTRICAL_LEVELS)

/**
 * virq_chip_config_check() - validate a VIRQ_CREATE_CHIP argument
 * @cfg: the configuration as userspace passed it
 *
 * Return: 0 if @cfg describes a possible chip, -EINVAL otherwise. Whether
 * this build implements every part it asks for is checked by the caller.
 */
int virq_chip_config_check(const struct virq_chip_config *cfg)
{
	u32 i, n = cfg->nr_ioapics;

	if (cfg->flags & ~VIRQ_CHIP_ALL_FLAGS)
		return -EINVAL;
	/* Logical levels are the default; asking for both is a mistake. */
	if ((cfg->flags & VIRQ_CHIP_LOGICAL_LEVELS) &&
	    (cfg->flags & VIRQ_CHIP_ELECTRICAL_LEVELS))
		return -EINVAL;
	/* The supported sets: PIC, PIC + IOAPIC, PIC + IOAPIC + LAPIC. */
	if (!(cfg->flags & VIRQ_CHIP_PIC))
		return -EINVAL;
	if ((cfg->flags & VIRQ_CHIP_LAPIC) && !(cfg->flags & VIRQ_CHIP_IOAPIC))
		return -EINVAL;
	if (cfg->pad || memchr_inv(cfg->reserved, 0, sizeof(cfg->reserved)))
		return -EINVAL;
	if (cfg->max_vcpus < 1 || cfg->max_vcpus > VIRQ_MAX_VCPUS)
		return -EINVAL;

	if (!(cfg->flags & VIRQ_CHIP_IOAPIC)) {
		if (n || cfg->ioapic_version)
			return -EINVAL;
	} else if (n < 1 || n > VIRQ_MAX_IOAPICS) {
		return -EINVAL;
	}
	if (cfg->ioapic_version && cfg->ioapic_version != VIRQ_IOAPIC_VERSION_11 &&
	    cfg->ioapic_version != VIRQ_IOAPIC_VERSION_20)
		return -EINVAL;
	/* IOAPIC 0 carries the ISA IRQs; the others follow, disjoint. */
	for (i = 0; i < VIRQ_MAX_IOAPICS; i++) {
		u32 base = cfg->ioapic_gsi_base[i];

		if (i >= n) {
			if (base)
				return -EINVAL;
			continue;
		}
		if (i == 0 && base != 0)
			return -EINVAL;
		if (i > 0 && base < cfg->ioapic_gsi_base[i - 1] +
				    VIRQ_IOAPIC_NUM_PINS)
			return -EINVAL;
		if (base > VIRQ_NR_GSIS - VIRQ_IOAPIC_NUM_PINS)
			return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virq_chip_config_check);

static DEFINE_XARRAY_ALLOC1(virq_chip_ids);
static u32 virq_next_chip_id;

static void virq_chip_release(struct kref *ref)
{
	struct virq_chip *chip = container_of(ref, struct virq_chip, ref);
	u32 i;

	virq_debugfs_chip_remove(chip);
	for (i = 0; i < VIRQ_MAX_IOAPICS; i++) {
		if (!chip->ioapic[i])
			continue;
		virq_ioapic_destroy(chip->ioapic[i]);
		kfree(chip->ioapic[i]);
	}
	/* No IOAPIC is left to deliver an INIT: the rebuild work ends. */
	virq_apic_map_free(chip);
	for (i = 0; i < chip->nr_vcpus; i++)
		virq_vcpu_free(chip->vcpus[i]);
	mutex_destroy(&chip->map_lock);
	mutex_destroy(&chip->resample_lock);
	virq_stats_free(chip);
	if (chip->id)
		xa_erase(&virq_chip_ids, chip->id);
	/* No fd is left, so no reader can hold the table. */
	virq_routing_free(rcu_dereference_protected(chip->routing, true));
	virq_grace_destroy(&chip->grace);
	kfree(chip->vcpus);
	kfree(chip->pic);
	mutex_destroy(&chip->lock);
	kfree(chip);
}

void virq_chip_put(struct virq_chip *chip)
{
	kref_put(&chip->ref, virq_chip_release);
}
EXPORT_SYMBOL_IF_KUNIT(virq_chip_put);

static int virq_chip_fd_release(struct inode *inode, struct file *file)
{
	struct virq_chip *chip = file->private_data;

	/* The chip fd owns the irqfds: none outlives it. */
	virq_irqfd_release_all(chip);
	virq_chip_put(chip);
	return 0;
}

static int virq_ioctl_set_gsi_routing(struct virq_chip *chip,
				      void __user *argp)
{
	struct virq_irq_routing hdr;
	struct virq_irq_routing_entry *ue = NULL;
	int ret;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.flags || hdr.nr > VIRQ_MAX_ROUTES)
		return -EINVAL;
	if (hdr.nr) {
		/* Transient copy; at most VIRQ_MAX_ROUTES entries. */
		ue = vmemdup_user(argp + sizeof(hdr), hdr.nr * sizeof(*ue));
		if (IS_ERR(ue))
			return PTR_ERR(ue);
	}
	ret = virq_set_gsi_routing(chip, ue, hdr.nr);
	kvfree(ue);
	return ret;
}

static int virq_ioctl_irq_line(struct virq_chip *chip,
			       struct virq_irq_level __user *argp, bool status)
{
	struct virq_irq_level il;
	int r;

	if (copy_from_user(&il, argp, sizeof(il)))
		return -EFAULT;
	if (il.irq >= VIRQ_NR_GSIS || il.level > 1)
		return -EINVAL;
	/* A raise goes through even if its counters cannot be allocated. */
	if (il.level)
		(void)virq_stats_prepare(chip, il.irq);
	r = virq_irq_line(chip, il.irq, il.level,
			  status ? VIRQ_LINE_STATUS : 0);
	/* Only the status word goes back. */
	if (status && copy_to_user(&argp->status, &r, sizeof(r)))
		return -EFAULT;
	return 0;
}

static int virq_ioctl_signal_msi(struct virq_chip *chip,
				 struct virq_msi __user *argp)
{
	struct virq_irq_msg msg;
	struct virq_kicks k;
	struct virq_msi m;
	int status;

	if (copy_from_user(&m, argp, sizeof(m)))
		return -EFAULT;
	/* status is out only: whatever it holds on entry is overwritten. */
	if ((m.flags & ~VIRQ_MSI_VALID_DEVID) ||
	    memchr_inv(m.pad, 0, sizeof(m.pad)))
		return -EINVAL;
	if (!(m.flags & VIRQ_MSI_VALID_DEVID) && m.devid)
		return -EINVAL;
	if (virq_msi_decode(m.address_lo, m.address_hi, m.data,
			    chip->cfg.flags & VIRQ_CHIP_32BIT_IDS, &msg))
		return -EINVAL;
	virq_kicks_init(&k);
	status = virq_msi_send(chip, &msg, &k, false);
	virq_kicks_flush(chip, &k);
	atomic64_inc(&chip->msis);
	trace_virq_msi(chip->id, m.address_lo, m.address_hi, m.data, status);
	/* The status as VIRQ_IRQ_LINE_STATUS reports it for an MSI route. */
	if (put_user(status, &argp->status))
		return -EFAULT;
	/* KVM's return value: the CPUs reached; 0 when none was. */
	return max(status, 0);
}

/**
 * virq_chip_io() - a forwarded register access to the chip's devices
 * @chip: the chip
 * @io: the access, already checked by virq_io_valid(); a read's result
 *      goes to @io->data
 *
 * Return: 0, -ENOENT if no device of the chip claims the address,
 * -EINVAL for a size the claimed register does not have.
 */
int virq_chip_io(struct virq_chip *chip, struct virq_io *io)
{
	unsigned int i;
	u32 word;
	u8 byte;
	int ret;

	switch (io->space) {
	case VIRQ_IO_PIO:
		if (!chip->pic || io->addr > 0xffff ||
		    !virq_pic_claims(io->addr))
			return -ENOENT;
		/* The PIC and ELCR ports are byte registers. */
		if (io->len != 1)
			return -EINVAL;
		byte = io->data;
		ret = virq_pic_pio(chip->pic, io->addr, io->write, &byte);
		if (!ret && !io->write)
			io->data = byte;
		return ret;
	case VIRQ_IO_MMIO:
		for (i = 0; i < chip->cfg.nr_ioapics; i++) {
			struct virq_ioapic *ioapic = chip->ioapic[i];

			if (!virq_ioapic_claims(ioapic, io->addr))
				continue;
			word = io->data;
			ret = virq_ioapic_mmio(ioapic, io->addr, io->len,
					       io->write, &word);
			if (!ret && !io->write)
				io->data = word;
			return ret;
		}
		return -ENOENT;
	default:
		/* No chip device claims MSRs: they are the LAPIC's. */
		return -ENOENT;
	}
}

static int virq_ioctl_io(struct virq_chip *chip, void __user *argp)
{
	struct virq_io io;
	int ret;

	if (copy_from_user(&io, argp, sizeof(io)))
		return -EFAULT;
	if (!virq_io_valid(&io))
		return -EINVAL;
	io.fault = VIRQ_IO_FAULT_NONE;	/* no chip device faults */
	ret = virq_chip_io(chip, &io);
	if (ret)
		return ret;
	return copy_to_user(argp, &io, sizeof(io)) ? -EFAULT : 0;
}

/* Bytes of the state union past @used must be zero on SET. */
static bool virq_irqchip_tail_clear(const struct virq_irqchip *ic, size_t used)
{
	return !memchr_inv(ic->chip.dummy + used, 0, sizeof(ic->chip) - used);
}

static int virq_ioctl_irqchip(struct virq_chip *chip, void __user *argp,
			      bool set)
{
	struct virq_ioapic *io;
	struct virq_irqchip *ic;
	u32 n;
	int ret;

	ic = memdup_user(argp, sizeof(*ic));
	if (IS_ERR(ic))
		return PTR_ERR(ic);
	ret = -EINVAL;
	if (ic->pad)
		goto out;
	switch (ic->chip_id) {
	case VIRQ_IRQCHIP_STATE_PIC_MASTER:
	case VIRQ_IRQCHIP_STATE_PIC_SLAVE:
		if (!chip->pic)
			goto out;
		if (set) {
			if (!virq_irqchip_tail_clear(ic, sizeof(ic->chip.pic)))
				goto out;
			ret = virq_pic_set_state(chip->pic, ic->chip_id,
						 &ic->chip.pic);
			goto out;
		}
		memset(&ic->chip, 0, sizeof(ic->chip));
		ret = virq_pic_get_state(chip->pic, ic->chip_id, &ic->chip.pic);
		break;
	default:
		n = ic->chip_id - VIRQ_IRQCHIP_STATE_IOAPIC(0);
		if (ic->chip_id < VIRQ_IRQCHIP_STATE_IOAPIC(0) ||
		    n >= chip->cfg.nr_ioapics)
			goto out;
		io = chip->ioapic[array_index_nospec(n, chip->cfg.nr_ioapics)];
		/* Messages for many vCPUs that are on their way go first. */
		virq_ioapic_flush(io);
		if (set) {
			if (!virq_irqchip_tail_clear(ic, sizeof(ic->chip.ioapic)))
				goto out;
			/* Base checks and stores of two SETs never interleave. */
			mutex_lock(&chip->lock);
			ret = virq_ioapic_set_state(io, &ic->chip.ioapic);
			mutex_unlock(&chip->lock);
			/*
			 * A send of the old state that was past its last look
			 * at the IOAPIC, and the restored state's own: gone
			 * before SET returns.
			 */
			virq_ioapic_flush(io);
			goto out;
		}
		memset(&ic->chip, 0, sizeof(ic->chip));
		ret = virq_ioapic_get_state(io, &ic->chip.ioapic);
		break;
	}
	if (!ret && copy_to_user(argp, ic, sizeof(*ic)))
		ret = -EFAULT;
out:
	kfree(ic);
	return ret;
}

static long virq_chip_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct virq_chip *chip = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case VIRQ_NOP:
		return 0;
	case VIRQ_IRQ_LINE:
		return virq_ioctl_irq_line(chip, argp, false);
	case VIRQ_IRQ_LINE_STATUS:
		return virq_ioctl_irq_line(chip, argp, true);
	case VIRQ_SIGNAL_MSI:
		return virq_ioctl_signal_msi(chip, argp);
	case VIRQ_SET_GSI_ROUTING:
		return virq_ioctl_set_gsi_routing(chip, argp);
	case VIRQ_CREATE_VCPU:
		if (arg > U32_MAX)
			return -EINVAL;
		return virq_vcpu_create(chip, arg);
	case VIRQ_IO:
		return virq_ioctl_io(chip, argp);
	case VIRQ_GET_IRQCHIP:
		return virq_ioctl_irqchip(chip, argp, false);
	case VIRQ_SET_IRQCHIP:
		return virq_ioctl_irqchip(chip, argp, true);
	case VIRQ_IRQFD:
		return virq_irqfd_ioctl(chip, argp);
	case VIRQ_GET_STATS:
		return virq_stats_ioctl(chip, argp);
	case VIRQ_GET_CHIP_CONFIG:
		return copy_to_user(argp, &chip->cfg, sizeof(chip->cfg)) ?
		       -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations virq_chip_fops = {
	.owner = THIS_MODULE,
	.release = virq_chip_fd_release,
	.unlocked_ioctl = virq_chip_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/**
 * virq_chip_alloc() - a chip without a file descriptor
 * @cfg: a configuration virq_chip_config_check() accepted
 *
 * Return: the chip (one reference), or an ERR_PTR().
 */
struct virq_chip *virq_chip_alloc(const struct virq_chip_config *cfg)
{
	struct virq_routing *rt;
	struct virq_chip *chip;
	int ret = -ENOMEM;
	unsigned int i;

	chip = kzalloc(sizeof(*chip), VIRQ_GFP);
	if (!chip)
		return ERR_PTR(-ENOMEM);
	if (virq_grace_init(&chip->grace)) {
		kfree(chip);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&chip->ref);
	mutex_init(&chip->lock);
	mutex_init(&chip->map_lock);
	virq_apic_map_init(chip);
	mutex_init(&chip->resample_lock);
	spin_lock_init(&chip->irqfd_lock);
	INIT_LIST_HEAD(&chip->irqfds);
	INIT_LIST_HEAD(&chip->resamplers);
	chip->cfg = *cfg;
	chip->vcpus = kcalloc(cfg->max_vcpus, sizeof(*chip->vcpus),
			      VIRQ_GFP);
	if (!chip->vcpus)
		goto fail;
	chip->pic = kzalloc(sizeof(*chip->pic), VIRQ_GFP);
	if (!chip->pic)
		goto fail;
	virq_pic_init(chip->pic);
	chip->pic->chip = chip;
	if (virq_stats_init(chip))
		goto fail;
	/*
	 * IDs start at 1 (0 marks "none" in the release path) and are not
	 * reused until they wrap, so traces and debugfs paths name one chip.
	 */
	ret = xa_alloc_cyclic(&virq_chip_ids, &chip->id, NULL,
			      XA_LIMIT(1, INT_MAX), &virq_next_chip_id,
			      GFP_KERNEL);
	if (ret < 0)
		goto fail;
	ret = -ENOMEM;
	for (i = 0; i < cfg->nr_ioapics; i++) {
		chip->ioapic[i] = kzalloc(sizeof(*chip->ioapic[i]),
					  VIRQ_GFP);
		if (!chip->ioapic[i])
			goto fail;
		virq_ioapic_init(chip->ioapic[i], chip, i);
	}
	rt = virq_routing_default(cfg);
	if (IS_ERR(rt)) {
		ret = PTR_ERR(rt);
		goto fail;
	}
	RCU_INIT_POINTER(chip->routing, rt);
	ret = virq_stats_prepare_table(chip, rt);
	if (ret)
		goto fail;
	virq_debugfs_chip_add(chip);
	return chip;
fail:
	virq_chip_put(chip);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_IF_KUNIT(virq_chip_alloc);

/**
 * virq_memcg_headroom() - room in the memory cgroup for a new fd?
 *
 * The file and any fd-table growth that installing a file descriptor
 * needs are allocated by the VFS with a charged GFP_KERNEL: at a full
 * memory cgroup that invokes its OOM killer instead of failing. Charging
 * (then releasing) 16 KiB the way virq allocates, first, turns a full
 * cgroup into -ENOMEM before that point.
 *
 * Return: 0, or -ENOMEM.
 */
int virq_memcg_headroom(void)
{
	struct page *p[4];
	int i, n;

	/* Four pages, not one order-2 block: no compaction, no false ENOMEM. */
	for (n = 0; n < ARRAY_SIZE(p); n++) {
		p[n] = alloc_page(VIRQ_GFP);
		if (!p[n])
			break;
	}
	for (i = 0; i < n; i++)
		__free_page(p[i]);
	return n == ARRAY_SIZE(p) ? 0 : -ENOMEM;
}

int virq_create_chip(const struct virq_chip_config __user *ucfg)
{
	struct virq_chip_config cfg;
	struct virq_chip *chip;
	int ret;

	if (copy_from_user(&cfg, ucfg, sizeof(cfg)))
		return -EFAULT;
	ret = virq_chip_config_check(&cfg);
	if (ret)
		return ret;
	chip = virq_chip_alloc(&cfg);
	if (IS_ERR(chip))
		return PTR_ERR(chip);
	ret = virq_memcg_headroom();
	if (!ret)
		ret = anon_inode_getfd("virq-chip", &virq_chip_fops, chip,
				       O_RDWR | O_CLOEXEC);
	if (ret < 0)
		virq_chip_put(chip);
	return ret;
}
