// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: one directory per chip, /sys/kernel/debug/virq/<chip id>/,
 * with text views of what `info pic` / `info lapic` show in QEMU: the PIC
 * pair, each IOAPIC, each vCPU (its LAPIC or its pending vectors, its
 * requests and counters), the routing table, the irqfds and the
 * statistics. tools/virq_state prints them all.
 *
 * Each view is a seq_file built from the same GET functions the ioctls
 * use (which take the devices' locks), so it is a consistent snapshot of
 * each device. The chip outlives its files: they are removed at chip
 * release before anything is freed, and debugfs waits for readers.
 *
 * The files are made by a kernel worker, not by the creating process:
 * debugfs allocates inodes and dentries with an ordinary charged
 * GFP_KERNEL, which at a full memory cgroup would invoke its OOM killer
 * instead of failing. Uncharged, they cost a few hundred bytes per chip
 * and vCPU, bounded by the chips and vCPUs, whose memory is charged.
 *
 * Locks: none of its own. May call: i8259.c, ioapic.c, lapic.c, vcpu.c
 * (state getters), irqfd.c (the irqfd list), stats.c.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "virq.h"

static struct dentry *virq_debugfs_root;

static int pic_show(struct seq_file *m, void *unused)
{
	struct virq_chip *chip = m->private;
	struct virq_pic_state st;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		virq_pic_get_state(chip->pic, i, &st);
		seq_printf(m, "%s: irr %02x imr %02x isr %02x last_irr %02x base 0x%02x priority_add %u elcr %02x\n",
			   i ? "slave " : "master", st.irr, st.imr, st.isr,
			   st.last_irr, st.irq_base, st.priority_add, st.elcr);
		seq_printf(m, "        init_state %u auto_eoi %u rotate_aeoi %u sfnm %u special_mask %u poll %u read_isr %u single %u ltim %u icw3 %02x icw4 %02x\n",
			   st.init_state, st.auto_eoi, st.rotate_on_auto_eoi,
			   st.special_fully_nested_mode, st.special_mask,
			   st.poll, st.read_reg_select, st.single, st.ltim,
			   st.icw3, st.icw4);
	}
	seq_printf(m, "output %u\n", virq_pic_output(chip->pic));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pic);

static const char *const dm_names[8] = {
	"fixed", "lowest", "smi", "rsvd3", "nmi", "init", "rsvd6", "extint",
};

static int ioapic_show(struct seq_file *m, void *unused)
{
	struct virq_ioapic *io = m->private;
	struct virq_ioapic_state *st;
	unsigned int pin;
	u64 e;

	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	virq_ioapic_get_state(io, st);
	seq_printf(m, "ioapic %u: base 0x%llx id %u version 0x%x gsi base %u ioregsel 0x%02x irr %06x lines %06x held %06x\n",
		   io->index, st->base_address, st->id, st->version,
		   io->gsi_base, st->ioregsel, st->irr, st->line_level,
		   st->eoi_deferred);
	for (pin = 0; pin < VIRQ_IOAPIC_NUM_PINS; pin++) {
		e = st->redirtbl[pin];
		seq_printf(m, "  pin %2u: %016llx vec 0x%02x %-6s %s dest 0x%02llx %s %s%s%s%s eoi_count %u\n",
			   pin, e, (u8)e, dm_names[(e >> 8) & 7],
			   e & VIRQ_IOAPIC_RTE_DEST_LOGICAL ? "logical " : "physical",
			   e >> VIRQ_IOAPIC_RTE_DEST_SHIFT,
			   e & VIRQ_IOAPIC_RTE_LEVEL ? "level" : "edge ",
			   e & VIRQ_IOAPIC_RTE_ACTIVE_LOW ? "active-low " : "active-high",
			   e & VIRQ_IOAPIC_RTE_MASKED ? " masked" : "",
			   e & VIRQ_IOAPIC_RTE_REMOTE_IRR ? " remote-irr" : "",
			   e & VIRQ_IOAPIC_RTE_DELIVS ? " pending" : "",
			   st->eoi_count[pin]);
	}
	kfree(st);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ioapic);

/* 256 bits from a register page as 8 words, highest first. */
static void show_bits(struct seq_file *m, const char *name, const u8 *regs,
		      u32 off)
{
	int i;
	u32 w;

	seq_printf(m, "  %s:", name);
	for (i = 7; i >= 0; i--) {
		memcpy(&w, regs + off + 16 * i, 4);
		seq_printf(m, " %08x", w);
	}
	seq_putc(m, '\n');
}

static u32 reg(const u8 *regs, u32 off)
{
	u32 v;

	memcpy(&v, regs + off, 4);
	return v;
}

static int vcpu_show(struct seq_file *m, void *unused)
{
	struct virq_vcpu *vcpu = m->private;
	struct virq_vcpu_run *run = vcpu->run;
	struct virq_lapic_state *st;
	struct virq_timer_info ti = { 0 };
	struct virq_vcpu_stats s;
	const u8 *r;

	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	/* Before GET catches a due expiry up: as it is. */
	if (vcpu->apic)
		virq_lapic_timer_info(vcpu, &ti);
	virq_vcpu_get_state(vcpu, st);
	r = st->regs;
	seq_printf(m, "vcpu %u: apic id %u requests 0x%x mode %u tpr 0x%02x irr_max 0x%02x\n",
		   vcpu->index, vcpu->apic_id, READ_ONCE(run->requests),
		   READ_ONCE(run->mode), READ_ONCE(run->tpr),
		   READ_ONCE(run->irr_max));
	if (vcpu->apic) {
		seq_printf(m, "  apic_base 0x%llx id 0x%08x version 0x%08x svr 0x%08x ppr 0x%02x ldr 0x%08x dfr 0x%08x esr 0x%x\n",
			   st->apic_base, reg(r, 0x20), reg(r, 0x30),
			   reg(r, 0xf0), reg(r, 0xa0), reg(r, 0xd0),
			   reg(r, 0xe0), reg(r, 0x280));
		seq_printf(m, "  icr 0x%08x:%08x lvt timer %08x thermal %08x perf %08x lint0 %08x lint1 %08x error %08x\n",
			   reg(r, 0x310), reg(r, 0x300), reg(r, 0x320),
			   reg(r, 0x330), reg(r, 0x340), reg(r, 0x350),
			   reg(r, 0x360), reg(r, 0x370));
		seq_printf(m, "  timer initial %u current %u divide 0x%x deadline %llu\n",
			   reg(r, 0x380), reg(r, 0x390), reg(r, 0x3e0),
			   st->tsc_deadline);
		seq_printf(m, "  timer mode %u %s%s expires in %lld ns, deadline - TSC %lld, fired %llu (%s clock)\n",
			   ti.mode, ti.armed ? "armed" : "idle",
			   ti.queued ? " queued" : "", ti.expires_in_ns,
			   ti.deadline_in_tsc, ti.fired,
			   ti.host_tsc ? "host TSC" : "monotonic");
		show_bits(m, "isr", r, 0x100);
	}
	show_bits(m, vcpu->apic ? "tmr" : "owed level EOIs", r, 0x180);
	show_bits(m, vcpu->apic ? "irr" : "pending", r, 0x200);
	seq_printf(m, "  flags:%s%s%s\n",
		   st->flags & VIRQ_LAPIC_STATE_WAIT_SIPI ? " wait-for-sipi" : "",
		   st->flags & VIRQ_LAPIC_STATE_EXTINT ? " extint" : "",
		   st->flags & VIRQ_LAPIC_STATE_RTC_OWED ? " rtc-owed" : "");
	virq_vcpu_fill_stats(vcpu, &s);
	seq_printf(m, "  kicks: wake %llu in-guest %llu none %llu; signals sent %llu, registrations dropped %llu\n",
		   s.kicks_wake, s.kicks_signal, s.kicks_none, s.signals,
		   s.signals_dropped);
	seq_printf(m, "  acks %llu eois %llu halts %llu halted %llu ns\n",
		   s.acks, s.eois, s.halts, s.halt_ns);
	kfree(st);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vcpu);

static int routing_show(struct seq_file *m, void *unused)
{
	struct virq_chip *chip = m->private;
	const struct virq_routing *rt;
	const struct virq_route *e;
	u32 i;
	unsigned int idx;

	idx = virq_grace_read_lock(&chip->grace);
	rt = virq_routing_deref(chip);
	seq_printf(m, "%u routes, GSIs 0-%u\n", rt->nr,
		   rt->nr_gsis ? rt->nr_gsis - 1 : 0);
	for (i = 0; i < rt->nr; i++) {
		e = &rt->entries[i];
		if (e->type == VIRQ_IRQ_ROUTING_IRQCHIP) {
			if (e->irqchip.irqchip <= VIRQ_IRQCHIP_PIC_SLAVE)
				seq_printf(m, "gsi %4u -> pic %s pin %u\n", e->gsi,
					   e->irqchip.irqchip ? "slave" : "master",
					   e->irqchip.pin);
			else
				seq_printf(m, "gsi %4u -> ioapic %u pin %u\n",
					   e->gsi, e->irqchip.irqchip -
					   VIRQ_IRQCHIP_IOAPIC(0),
					   e->irqchip.pin);
		} else if (e->msi.valid) {
			seq_printf(m, "gsi %4u -> msi vector 0x%02x dm %u dest 0x%x %s %s\n",
				   e->gsi, e->msi.msg.vector,
				   e->msi.msg.delivery_mode, e->msi.msg.dest,
				   e->msi.msg.dest_logical ? "logical" : "physical",
				   e->msi.msg.trigger_level ? "level" : "edge");
		} else {
			seq_printf(m, "gsi %4u -> msi (undecodable: sends nothing)\n",
				   e->gsi);
		}
	}
	virq_grace_read_unlock(&chip->grace, idx);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(routing);

static int irqfds_show(struct seq_file *m, void *unused)
{
	virq_irqfd_show(m, m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(irqfds);

static int stats_show(struct seq_file *m, void *unused)
{
	virq_stats_show(m, m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/* Run @fn(@arg) in a kernel worker, outside the caller's memory cgroup. */
struct uncharged_call {
	struct work_struct work;
	void (*fn)(void *arg);
	void *arg;
};

static void uncharged_work(struct work_struct *work)
{
	struct uncharged_call *c = container_of(work, struct uncharged_call,
						work);

	c->fn(c->arg);
}

static void run_uncharged(void (*fn)(void *arg), void *arg)
{
	struct uncharged_call c = { .fn = fn, .arg = arg };

	INIT_WORK_ONSTACK(&c.work, uncharged_work);
	queue_work(system_unbound_wq, &c.work);
	flush_work(&c.work);
	destroy_work_on_stack(&c.work);
}

static void vcpu_add(void *arg)
{
	struct virq_vcpu *vcpu = arg;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", vcpu->index);
	debugfs_create_file(name, 0400, vcpu->chip->debugfs, vcpu,
			    &vcpu_fops);
}

void virq_debugfs_vcpu_add(struct virq_vcpu *vcpu)
{
	if (vcpu->chip->debugfs)
		run_uncharged(vcpu_add, vcpu);
}

static void chip_add(void *arg)
{
	struct virq_chip *chip = arg;
	struct dentry *d;
	char name[24];	/* "ioapic" and a u32 in decimal */
	unsigned int i;

	snprintf(name, sizeof(name), "%u", chip->id);
	d = debugfs_create_dir(name, virq_debugfs_root);
	if (IS_ERR(d))
		return;
	chip->debugfs = d;
	debugfs_create_file("pic", 0400, d, chip, &pic_fops);
	for (i = 0; i < chip->cfg.nr_ioapics; i++) {
		snprintf(name, sizeof(name), "ioapic%u", i);
		debugfs_create_file(name, 0400, d, chip->ioapic[i],
				    &ioapic_fops);
	}
	debugfs_create_file("routing", 0400, d, chip, &routing_fops);
	debugfs_create_file("irqfds", 0400, d, chip, &irqfds_fops);
	debugfs_create_file("stats", 0400, d, chip, &stats_fops);
}

void virq_debugfs_chip_add(struct virq_chip *chip)
{
	if (!IS_ERR_OR_NULL(virq_debugfs_root))
		run_uncharged(chip_add, chip);
}

/* Before the chip is freed: waits for every reader of its files. */
void virq_debugfs_chip_remove(struct virq_chip *chip)
{
	debugfs_remove(chip->debugfs);
	chip->debugfs = NULL;
}

int virq_debugfs_init(void)
{
	virq_debugfs_root = debugfs_create_dir("virq", NULL);
	return 0;
}

void virq_debugfs_exit(void)
{
	debugfs_remove(virq_debugfs_root);
}
