// SPDX-License-Identifier: GPL-2.0
/*
 * GSI routing: builds and validates routing tables, publishes them under
 * the chip's grace (chip->grace, grace.c), and fans a GSI's line level out
 * to every route (PIC pins, IOAPIC pins, MSI).
 *
 * A table is immutable once published. VIRQ_SET_GSI_ROUTING builds the new
 * table aside, swaps it in under chip->lock and frees the old one after a
 * grace period of the chip's own grace: only this chip's injections are
 * waited for, and no other CPU of the host is interrupted (an expedited
 * RCU grace period IPIs every busy CPU; SRCU wakes a worker on the boot
 * CPU). A rejected table changes nothing. Line injection reads the table
 * in a read section of the grace only; an irqfd's wake-up does so in
 * atomic context, which the grace allows.
 *
 * May call: i8259.c (virq_pic_set_irq), ioapic.c (virq_ioapic_set_irq),
 * vcpu.c (virq_msi_send, virq_kicks_*), msi.c.
 */
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <kunit/visibility.h>

#include "virq.h"
#include "virq_trace.h"

static bool virq_route_irqchip_ok(const struct virq_chip_config *cfg,
				  u32 irqchip, u32 pin)
{
	switch (irqchip) {
	case VIRQ_IRQCHIP_PIC_MASTER:
		/* Master IR2 is the cascade input, not a device pin. */
		if (pin == 2)
			return false;
		fallthrough;
	case VIRQ_IRQCHIP_PIC_SLAVE:
		return (cfg->flags & VIRQ_CHIP_PIC) && pin < VIRQ_PIC_NUM_PINS;
	default:
		return irqchip - VIRQ_IRQCHIP_IOAPIC(0) < cfg->nr_ioapics &&
		       pin < VIRQ_IOAPIC_NUM_PINS;
	}
}

/* Check one user entry and convert it. */
static int virq_route_parse(const struct virq_chip_config *cfg,
			    const struct virq_irq_routing_entry *ue,
			    struct virq_route *r)
{
	const u32 *upad = ue->u.pad;

	if (ue->gsi >= VIRQ_NR_GSIS || ue->pad)
		return -EINVAL;
	r->gsi = ue->gsi;
	r->type = ue->type;
	switch (ue->type) {
	case VIRQ_IRQ_ROUTING_IRQCHIP:
		if (ue->flags || memchr_inv(upad + 2, 0, 6 * sizeof(u32)))
			return -EINVAL;
		if (!virq_route_irqchip_ok(cfg, ue->u.irqchip.irqchip,
					   ue->u.irqchip.pin))
			return -EINVAL;
		r->irqchip.irqchip = ue->u.irqchip.irqchip;
		r->irqchip.pin = ue->u.irqchip.pin;
		return 0;
	case VIRQ_IRQ_ROUTING_MSI:
		if (ue->flags & ~VIRQ_MSI_VALID_DEVID)
			return -EINVAL;
		if (!(ue->flags & VIRQ_MSI_VALID_DEVID) && ue->u.msi.devid)
			return -EINVAL;
		if (memchr_inv(upad + 4, 0, 4 * sizeof(u32)))
			return -EINVAL;
		/*
		 * A guest may program any address/data; an undecodable
		 * message is accepted here and delivers nothing.
		 */
		r->msi.valid = !virq_msi_decode(ue->u.msi.address_lo,
						ue->u.msi.address_hi,
						ue->u.msi.data,
						cfg->flags & VIRQ_CHIP_32BIT_IDS,
						&r->msi.msg);
		return 0;
	default:
		return -EINVAL;
	}
}

/* The GSI index: right after the entries, in the same allocation. */
static u16 *virq_routing_index(const struct virq_routing *rt)
{
	return (u16 *)&rt->entries[rt->nr];
}

/**
 * virq_routing_find() - the routes of a GSI
 * @rt: a routing table
 * @gsi: any GSI (bounds-checked here)
 * @first: set to the first route of @gsi
 *
 * Return: the number of routes of @gsi, 0 if it has none.
 */
u32 virq_routing_find(const struct virq_routing *rt, u32 gsi,
		      const struct virq_route **first)
{
	const u16 *index = virq_routing_index(rt);

	if (gsi >= rt->nr_gsis)
		return 0;
	gsi = array_index_nospec(gsi, rt->nr_gsis);
	*first = &rt->entries[index[gsi]];
	return index[gsi + 1] - index[gsi];
}
EXPORT_SYMBOL_IF_KUNIT(virq_routing_find);

/* Sort key: GSI, then type, then irqchip, so duplicates are adjacent. */
static int virq_route_cmp(const void *a, const void *b)
{
	const struct virq_route *x = a, *y = b;

	if (x->gsi != y->gsi)
		return x->gsi < y->gsi ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->type == VIRQ_IRQ_ROUTING_IRQCHIP &&
	    x->irqchip.irqchip != y->irqchip.irqchip)
		return x->irqchip.irqchip < y->irqchip.irqchip ? -1 : 1;
	return 0;
}

/**
 * virq_routing_build() - validate user entries and build a routing table
 * @cfg: configuration of the chip the table is for
 * @ue: the entries
 * @nr: number of entries, at most VIRQ_MAX_ROUTES
 *
 * Return: the new, unpublished table, or ERR_PTR(-EINVAL) if any entry
 * breaks a rule (nothing stays allocated then), ERR_PTR(-ENOMEM).
 */
struct virq_routing *
virq_routing_build(const struct virq_chip_config *cfg,
		   const struct virq_irq_routing_entry *ue, u32 nr)
{
	struct virq_routing *rt;
	u32 i, nr_gsis = 0;
	size_t size;
	u16 *index;
	int ret;

	if (nr > VIRQ_MAX_ROUTES)
		return ERR_PTR(-EINVAL);
	for (i = 0; i < nr; i++)
		if (ue[i].gsi < VIRQ_NR_GSIS)
			nr_gsis = max(nr_gsis, ue[i].gsi + 1);

	size = struct_size(rt, entries, nr) + (nr_gsis + 1) * sizeof(u16);
	rt = kvzalloc(size, VIRQ_GFP);
	if (!rt)
		return ERR_PTR(-ENOMEM);
	rt->nr = nr;
	rt->nr_gsis = nr_gsis;

	for (i = 0; i < nr; i++) {
		ret = virq_route_parse(cfg, &ue[i], &rt->entries[i]);
		if (ret)
			goto fail;
	}
	sort(rt->entries, nr, sizeof(rt->entries[0]), virq_route_cmp, NULL);

	/*
	 * A GSI reaches each irqchip at most once, and an MSI route is the
	 * only route of its GSI. Sorted, both show in neighbours.
	 */
	ret = -EINVAL;
	for (i = 1; i < nr; i++) {
		const struct virq_route *p = &rt->entries[i - 1];
		const struct virq_route *c = &rt->entries[i];

		if (p->gsi != c->gsi)
			continue;
		if (p->type == VIRQ_IRQ_ROUTING_MSI ||
		    c->type == VIRQ_IRQ_ROUTING_MSI)
			goto fail;
		if (!virq_route_cmp(p, c))
			goto fail;
	}

	index = virq_routing_index(rt);
	for (i = 0; i < nr; i++)
		index[rt->entries[i].gsi + 1]++;
	for (i = 1; i <= nr_gsis; i++)
		index[i] += index[i - 1];
	return rt;
fail:
	kvfree(rt);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_IF_KUNIT(virq_routing_build);

/**
 * virq_routing_default() - the PC wiring a VMM expects at chip creation
 * @cfg: configuration of the chip
 *
 * ISA IRQs 0, 1 and 3-15 reach the PIC pin of that number; GSI 0 also
 * reaches IOAPIC 0 pin 2 (the timer override), GSI 1 and 3-23 the IOAPIC
 * 0 pin of that number, and every further IOAPIC its pins from its GSI
 * base on. GSI 2 (the cascade) has no route.
 */
struct virq_routing *
virq_routing_default(const struct virq_chip_config *cfg)
{
	struct virq_irq_routing_entry *ue;
	struct virq_routing *rt;
	u32 n = 0, gsi, io, pin;

	ue = kcalloc(16 + cfg->nr_ioapics * VIRQ_IOAPIC_NUM_PINS, sizeof(*ue),
		     GFP_KERNEL);
	if (!ue)
		return ERR_PTR(-ENOMEM);

	for (gsi = 0; gsi < 16 && (cfg->flags & VIRQ_CHIP_PIC); gsi++) {
		if (gsi == 2)
			continue;
		ue[n].gsi = gsi;
		ue[n].type = VIRQ_IRQ_ROUTING_IRQCHIP;
		ue[n].u.irqchip.irqchip = gsi < 8 ? VIRQ_IRQCHIP_PIC_MASTER :
						    VIRQ_IRQCHIP_PIC_SLAVE;
		ue[n].u.irqchip.pin = gsi % 8;
		n++;
	}
	for (io = 0; io < cfg->nr_ioapics; io++) {
		for (pin = 0; pin < VIRQ_IOAPIC_NUM_PINS; pin++) {
			gsi = cfg->ioapic_gsi_base[io] + pin;
			if (io == 0 && pin == 0)
				continue;	/* IOAPIC pin 0: the 8259 ExtINT */
			if (io == 0 && pin == 2)
				gsi = 0;	/* the timer on pin 2 */
			ue[n].gsi = gsi;
			ue[n].type = VIRQ_IRQ_ROUTING_IRQCHIP;
			ue[n].u.irqchip.irqchip = VIRQ_IRQCHIP_IOAPIC(io);
			ue[n].u.irqchip.pin = pin;
			n++;
		}
	}
	rt = virq_routing_build(cfg, ue, n);
	kfree(ue);
	return rt;
}
EXPORT_SYMBOL_IF_KUNIT(virq_routing_default);

void virq_routing_free(struct virq_routing *rt)
{
	kvfree(rt);
}
EXPORT_SYMBOL_IF_KUNIT(virq_routing_free);

int virq_set_gsi_routing(struct virq_chip *chip,
			 const struct virq_irq_routing_entry *ue, u32 nr)
{
	struct virq_routing *rt, *old;
	int ret;

	rt = virq_routing_build(&chip->cfg, ue, nr);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	/* Every routed GSI can be raised by an irqfd: count it. */
	ret = virq_stats_prepare_table(chip, rt);
	if (ret) {
		virq_routing_free(rt);
		return ret;
	}
	/*
	 * Updates are serialised whole, and resamplers cannot come or go
	 * meanwhile (resample_lock nests outside chip->lock): each update
	 * sees its own old and new tables, alive, and every resampler that
	 * may have asserted a line through the old one.
	 */
	mutex_lock(&chip->resample_lock);
	mutex_lock(&chip->lock);
	old = rcu_replace_pointer(chip->routing, rt,
				  lockdep_is_held(&chip->lock));
	mutex_unlock(&chip->lock);
	/*
	 * Once this returns nobody raises a GSI through the old table (an
	 * irqfd no longer sends the old MSI), and resample irqfds whose
	 * GSI moved leave no pin asserted behind them. The grace sums this
	 * chip's reader counts: no IPIs, nothing queued elsewhere.
	 */
	virq_grace_synchronize(&chip->grace);
	virq_resample_rerouted(chip, old, rt);
	mutex_unlock(&chip->resample_lock);
	virq_routing_free(old);
	return 0;
}

/*
 * Drive one route; KVM's per-route status: >0 CPUs, 0 coalesced, <0 none;
 * -EWOULDBLOCK (VIRQ_LINE_ATOMIC only) for an MSI to more vCPUs than
 * atomic context may visit, with nothing done.
 */
static int virq_route_set(struct virq_chip *chip, const struct virq_route *r,
			  u32 level, unsigned int flags, struct virq_kicks *k)
{
	u32 n;

	switch (r->type) {
	case VIRQ_IRQ_ROUTING_IRQCHIP:
		if (r->irqchip.irqchip <= VIRQ_IRQCHIP_PIC_SLAVE)
			return virq_pic_set_irq(chip->pic, r->irqchip.irqchip,
						r->irqchip.pin, level);
		/* The table was built for this chip: the IOAPIC exists. */
		n = r->irqchip.irqchip - VIRQ_IRQCHIP_IOAPIC(0);
		if (WARN_ON_ONCE(n >= chip->cfg.nr_ioapics))
			return -1;
		n = array_index_nospec(n, chip->cfg.nr_ioapics);
		return virq_ioapic_set_irq(chip->ioapic[n], r->irqchip.pin,
					   level, flags, k);
	case VIRQ_IRQ_ROUTING_MSI:
		/* An MSI is an edge: only the raising call sends it. */
		if (!level || !r->msi.valid)
			return -1;
		return virq_msi_send(chip, &r->msi.msg, k,
				     flags & VIRQ_LINE_ATOMIC);
	default:
		return -1;
	}
}

static bool route_in(const struct virq_route *r, const struct virq_route *e,
		     u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (!memcmp(r, &e[i], sizeof(*r)))
			return true;
	return false;
}

/**
 * virq_irq_lower_lost() - lower the routes a GSI lost in an update
 * @chip: the chip
 * @old: the table replaced, which nobody raises lines through any more
 * @new: the table published
 * @gsi: the GSI
 * @flags: VIRQ_LINE_LOGICAL for an irqfd's resampler
 *
 * Return: the number of routes lowered (0: the GSI lost none).
 */
u32 virq_irq_lower_lost(struct virq_chip *chip, const struct virq_routing *old,
			const struct virq_routing *new, u32 gsi,
			unsigned int flags)
{
	const struct virq_route *eo, *en;
	u32 no = virq_routing_find(old, gsi, &eo);
	u32 nn = virq_routing_find(new, gsi, &en);
	struct virq_kicks k;
	u32 i, lost = 0;

	virq_kicks_init(&k);
	for (i = 0; i < no; i++) {
		if (nn && route_in(&eo[i], en, nn))
			continue;
		trace_virq_route(chip->id, gsi, &eo[i]);
		virq_route_set(chip, &eo[i], 0, flags, &k);
		lost++;
	}
	virq_kicks_flush(chip, &k);
	return lost;
}

/*
 * Drive every route of @gsi to each level of @levels in turn (a pulse is
 * 1 then 0), all from one routing-table snapshot: an update between the
 * two can neither leave a pin asserted through the old table nor lower
 * one through the new. Returns the status of the first level, or
 * -EWOULDBLOCK (VIRQ_LINE_ATOMIC) with nothing done: an MSI route's
 * message is for more vCPUs than atomic context may visit (an MSI route
 * is its GSI's only route, so nothing else was driven).
 */
static int virq_irq_levels(struct virq_chip *chip, u32 gsi,
			   const u32 *levels, unsigned int nr,
			   unsigned int flags)
{
	const struct virq_routing *rt;
	const struct virq_route *e;
	struct virq_kicks k;
	int r, ret[2] = { -1, -1 };
	unsigned int l;
	unsigned int idx;
	u32 i, n;

	virq_kicks_init(&k);
	idx = virq_grace_read_lock(&chip->grace);
	rt = virq_routing_deref(chip);
	n = virq_routing_find(rt, gsi, &e);
	for (l = 0; l < nr; l++) {
		for (i = 0; i < n; i++) {
			trace_virq_route(chip->id, gsi, &e[i]);
			r = virq_route_set(chip, &e[i], levels[l], flags, &k);
			if (r == -EWOULDBLOCK) {
				virq_grace_read_unlock(&chip->grace, idx);
				return r;
			}
			if (r >= 0)
				ret[l] = (ret[l] < 0 ? 0 : ret[l]) + r;
		}
	}
	virq_grace_read_unlock(&chip->grace, idx);
	virq_kicks_flush(chip, &k);
	for (l = 0; l < nr; l++) {
		if (levels[l])
			virq_stats_line(chip, gsi, ret[l]);
		trace_virq_set_irq(chip->id, gsi, levels[l], n, ret[l]);
	}
	return ret[0];
}

/**
 * virq_irq_line() - set the level of a GSI
 * @chip: the chip
 * @gsi: the GSI, below VIRQ_NR_GSIS
 * @level: 0 or 1
 * @flags: VIRQ_LINE_STATUS (the caller reports the status:
 *	   VIRQ_IRQ_LINE_STATUS), VIRQ_LINE_LOGICAL (1 asserts whatever the
 *	   chip's levels are: an irqfd), VIRQ_LINE_ATOMIC (an irqfd's
 *	   wake-up: bounded work, or -EWOULDBLOCK)
 *
 * Return: the sum of the non-negative route statuses, or -1 if no route
 * accepted the level (masked, ignored, or no route at all); -EWOULDBLOCK
 * as virq_irq_levels().
 */
int virq_irq_line(struct virq_chip *chip, u32 gsi, u32 level,
		  unsigned int flags)
{
	return virq_irq_levels(chip, gsi, &level, 1, flags);
}
EXPORT_SYMBOL_IF_KUNIT(virq_irq_line);

/**
 * virq_irq_pulse() - an edge on a GSI: assert it, then de-assert it
 * @chip: the chip
 * @gsi: the GSI, below VIRQ_NR_GSIS
 * @flags: as virq_irq_line()'s
 *
 * Both levels go through one routing-table snapshot (an irqfd's edge).
 *
 * Return: the status of the raise, as virq_irq_line().
 */
int virq_irq_pulse(struct virq_chip *chip, u32 gsi, unsigned int flags)
{
	static const u32 pulse[2] = { 1, 0 };

	return virq_irq_levels(chip, gsi, pulse, 2, flags);
}
EXPORT_SYMBOL_IF_KUNIT(virq_irq_pulse);
