// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics: per GSI (raised, delivered, coalesced, masked, by the status
 * each raise got) and per vCPU (kicks by kind, dropped signal
 * registrations, acknowledges, EOIs, halts and the time spent in them),
 * read with VIRQ_GET_STATS in a versioned layout and shown in debugfs.
 *
 * Counters are atomic64_t, updated lock-free from any context. GSI
 * counters live in blocks of VIRQ_GSI_BLOCK GSIs, allocated in process
 * context by whoever can make a GSI be raised — VIRQ_IRQ_LINE, a routing
 * update (for each routed GSI), an irqfd binding — charged to that
 * caller's memory cgroup and published with cmpxchg. A raise only counts:
 * it never allocates (it may come from an irqfd's wake-up in hard-IRQ
 * context). Block 0 (the ISA and first IOAPIC's GSIs) exists from
 * creation.
 *
 * Locks: none of its own. May call: nothing but the allocator.
 */
#include <linux/nospec.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "virq.h"

u64 virq_stat_read(atomic64_t *c)
{
	return atomic64_read(c);
}

/* The block of @gsi (below VIRQ_NR_GSIS), if it exists. */
static struct virq_gsi_counters *gsi_block(struct virq_chip *chip, u32 gsi)
{
	gsi = array_index_nospec(gsi, VIRQ_NR_GSIS);
	return READ_ONCE(chip->gsi_stats[gsi / VIRQ_GSI_BLOCK]);
}

/**
 * virq_stats_prepare() - make sure raises of @gsi can be counted
 * @chip: the chip
 * @gsi: the GSI (below VIRQ_NR_GSIS)
 *
 * Process context only: allocates the GSI's block of counters if needed.
 *
 * Return: 0, or -ENOMEM.
 */
int virq_stats_prepare(struct virq_chip *chip, u32 gsi)
{
	struct virq_gsi_counters **slot, *b;

	might_sleep();
	gsi = array_index_nospec(gsi, VIRQ_NR_GSIS);
	slot = &chip->gsi_stats[gsi / VIRQ_GSI_BLOCK];
	if (READ_ONCE(*slot))
		return 0;
	b = kcalloc(VIRQ_GSI_BLOCK, sizeof(*b), VIRQ_GFP);
	if (!b)
		return -ENOMEM;
	if (cmpxchg(slot, NULL, b))
		kfree(b);		/* another caller's block won */
	return 0;
}

/**
 * virq_stats_line() - count a raise of a GSI and the status it got
 * @chip: the chip
 * @gsi: the GSI (below VIRQ_NR_GSIS)
 * @status: VIRQ_IRQ_LINE_STATUS's result
 */
void virq_stats_line(struct virq_chip *chip, u32 gsi, int status)
{
	struct virq_gsi_counters *c = gsi_block(chip, gsi);

	if (!c)
		return;		/* not prepared: not counted */
	c += gsi % VIRQ_GSI_BLOCK;
	atomic64_inc(&c->raised);
	if (status > 0)
		atomic64_inc(&c->delivered);
	else if (status == 0)
		atomic64_inc(&c->coalesced);
	else
		atomic64_inc(&c->masked);
}

void virq_stats_irqfd(struct virq_chip *chip)
{
	atomic64_inc(&chip->irqfd_injections);
}

/**
 * virq_stats_atomic_fanout() - a delivery in atomic context visited vCPUs
 * @chip: the chip
 * @visited: how many (at most VIRQ_ATOMIC_FANOUT, or a bug)
 *
 * Keeps the largest number seen: the bound, checked from userspace.
 */
void virq_stats_atomic_fanout(struct virq_chip *chip, u32 visited)
{
	int old = atomic_read(&chip->atomic_fanout_max);

	while ((int)visited > old &&
	       !atomic_try_cmpxchg(&chip->atomic_fanout_max, &old, visited))
		;
}

int virq_stats_init(struct virq_chip *chip)
{
	return virq_stats_prepare(chip, 0);
}

void virq_stats_free(struct virq_chip *chip)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(chip->gsi_stats); i++)
		kfree(chip->gsi_stats[i]);
}

static bool gsi_used(struct virq_gsi_counters *c)
{
	return atomic64_read(&c->raised);
}

/*
 * Fill @out (NULL: only count) with at most @max GSI records; returns how
 * many there are (or were written).
 */
/**
 * virq_stats_prepare_table() - virq_stats_prepare() every GSI of a table
 * @chip: the chip
 * @rt: a routing table about to be published
 *
 * Return: 0, or -ENOMEM.
 */
int virq_stats_prepare_table(struct virq_chip *chip,
			     const struct virq_routing *rt)
{
	u32 i;
	int ret;

	for (i = 0; i < rt->nr; i++) {
		ret = virq_stats_prepare(chip, rt->entries[i].gsi);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Copies the records of the GSIs raised so far, up to @max of them, to
 * @out (NULL: none) and returns how many there are, copied or not.
 */
static u32 fill_gsis(struct virq_chip *chip, struct virq_gsi_stats *out,
		     u32 max)
{
	struct virq_gsi_counters *b, *c;
	u32 blk, i, n = 0;

	for (blk = 0; blk < ARRAY_SIZE(chip->gsi_stats); blk++) {
		b = READ_ONCE(chip->gsi_stats[blk]);
		for (i = 0; b && i < VIRQ_GSI_BLOCK; i++) {
			c = &b[i];
			if (!gsi_used(c))
				continue;
			if (out && n < max) {
				out[n].gsi = blk * VIRQ_GSI_BLOCK + i;
				out[n].pad = 0;
				out[n].raised = atomic64_read(&c->raised);
				out[n].delivered = atomic64_read(&c->delivered);
				out[n].coalesced = atomic64_read(&c->coalesced);
				out[n].masked = atomic64_read(&c->masked);
			}
			n++;
		}
	}
	return n;
}

void virq_vcpu_fill_stats(struct virq_vcpu *vcpu, struct virq_vcpu_stats *o)
{
	struct virq_vcpu_counters *c = &vcpu->stats;

	memset(o, 0, sizeof(*o));
	o->apic_id = vcpu->apic_id;
	o->kicks_wake = atomic64_read(&c->kicks_wake);
	o->kicks_signal = atomic64_read(&c->kicks_signal);
	o->kicks_none = atomic64_read(&c->kicks_none);
	o->signals_dropped = atomic64_read(&c->signals_dropped);
	o->signals = atomic64_read(&c->signals);
	o->acks = atomic64_read(&c->acks);
	o->eois = atomic64_read(&c->eois);
	o->halts = atomic64_read(&c->halts);
	o->halt_ns = atomic64_read(&c->halt_ns);
}

/**
 * virq_stats_ioctl() - VIRQ_GET_STATS
 * @chip: the chip
 * @argp: struct virq_stats_args
 *
 * A snapshot, each counter read atomically (not all at one instant). A
 * GSI once listed is always listed: one first raised between counting and
 * copying makes the copy start again (GSIs only ever become listed, so
 * this ends after at most VIRQ_NR_GSIS rounds).
 *
 * Return: 0; -ENOSPC with args.size set to what is needed; -EINVAL for
 * flags; -EFAULT; -ENOMEM.
 */
int virq_stats_ioctl(struct virq_chip *chip, void __user *argp)
{
	struct virq_stats_header *h;
	struct virq_stats_args a;
	struct virq_vcpu_stats *vs;
	struct virq_gsi_stats *gs;
	u32 nv, ng, i;
	size_t size;
	void *buf;
	int ret = 0;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags)
		return -EINVAL;
again:
	nv = virq_chip_nr_vcpus(chip);
	ng = fill_gsis(chip, NULL, 0);
	size = sizeof(*h) + nv * sizeof(*vs) + ng * sizeof(*gs);
	if (a.size < size) {
		a.size = size;
		return copy_to_user(argp, &a, sizeof(a)) ? -EFAULT : -ENOSPC;
	}
	buf = kvzalloc(size, VIRQ_GFP);
	if (!buf)
		return -ENOMEM;
	h = buf;
	vs = buf + sizeof(*h);
	gs = (void *)(vs + nv);
	for (i = 0; i < nv; i++)
		virq_vcpu_fill_stats(chip->vcpus[i], &vs[i]);
	if (fill_gsis(chip, gs, ng) != ng) {
		kvfree(buf);
		cond_resched();
		goto again;
	}
	h->version = VIRQ_STATS_VERSION;
	h->header_size = sizeof(*h);
	h->chip_id = chip->id;
	h->nr_vcpus = nv;
	h->vcpu_size = sizeof(*vs);
	h->nr_gsis = ng;
	h->gsi_size = sizeof(*gs);
	h->irqfd_injections = atomic64_read(&chip->irqfd_injections);
	h->msis = atomic64_read(&chip->msis);
	h->irqfd_deferred = atomic64_read(&chip->irqfd_deferred);
	h->fanout_deferred = atomic64_read(&chip->fanout_deferred);
	h->atomic_fanout_max = atomic_read(&chip->atomic_fanout_max);
	size = sizeof(*h) + nv * sizeof(*vs) + ng * sizeof(*gs);
	if (copy_to_user(u64_to_user_ptr(a.buf), buf, size))
		ret = -EFAULT;
	a.size = size;
	if (!ret && copy_to_user(argp, &a, sizeof(a)))
		ret = -EFAULT;
	kvfree(buf);
	return ret;
}

/* The debugfs view: chip totals, then every GSI raised so far. */
void virq_stats_show(struct seq_file *m, struct virq_chip *chip)
{
	struct virq_gsi_counters *b, *c;
	u32 blk, i;

	seq_printf(m, "irqfd injections %lld, SIGNAL_MSI %lld\n",
		   atomic64_read(&chip->irqfd_injections),
		   atomic64_read(&chip->msis));
	seq_printf(m, "deferred: irqfd %lld, IOAPIC %lld; atomic fan-out max %d\n",
		   atomic64_read(&chip->irqfd_deferred),
		   atomic64_read(&chip->fanout_deferred),
		   atomic_read(&chip->atomic_fanout_max));
	seq_puts(m, "gsi        raised  delivered  coalesced     masked\n");
	for (blk = 0; blk < ARRAY_SIZE(chip->gsi_stats); blk++) {
		b = READ_ONCE(chip->gsi_stats[blk]);
		for (i = 0; b && i < VIRQ_GSI_BLOCK; i++) {
			c = &b[i];
			if (!gsi_used(c))
				continue;
			seq_printf(m, "%4u %11lld %10lld %10lld %10lld\n",
				   blk * VIRQ_GSI_BLOCK + i,
				   atomic64_read(&c->raised),
				   atomic64_read(&c->delivered),
				   atomic64_read(&c->coalesced),
				   atomic64_read(&c->masked));
		}
	}
}
