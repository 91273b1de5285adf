// SPDX-License-Identifier: GPL-2.0
/*
 * The APIC bus: one function delivers every interrupt message — from an
 * IOAPIC pin, an MSI, or a LAPIC's ICR — to the vCPUs it names (SDM vol. 3,
 * "Determining IPI Destination", "Lowest Priority Delivery Mode"):
 * physical destinations by APIC ID, the broadcast IDs, logical
 * destinations in the flat, cluster and x2APIC models, the ICR's
 * shorthands, and lowest-priority arbitration with a fair tie-break.
 *
 * Finding the vCPUs is O(1) for physical and cluster destinations: a map
 * from APIC ID (and xAPIC logical ID) to vCPU is rebuilt whenever IDs,
 * LDRs, DFRs or APIC modes change and is published with RCU. A change
 * bumps chip->map_gen first, under the vCPU's irq_lock and before the new
 * value is stored (virq_apic_map_invalidate()); a map built for an older
 * generation is not trusted and the message is matched against every
 * vCPU's live registers instead (always correct, O(n)) until the map is
 * rebuilt. So a delivery that finds the map current ran before the
 * change, and one that runs after it scans. Rebuilds run in process
 * context: at once after a register write or a vCPU's creation, and from
 * a work item after a change made in atomic context (an INIT accepted
 * from an IOAPIC).
 *
 * Work with interrupts off is bounded: virq_deliver_msg_atomic() refuses
 * a message it cannot narrow to VIRQ_ATOMIC_FANOUT vCPUs through the map
 * (its caller sends it from a work item instead).
 *
 * Locks: readers hold rcu_read_lock() (callers may hold an IOAPIC lock,
 * never a vCPU's irq_lock); acceptance takes each target's irq_lock in
 * turn. chip->map_lock (mutex) serialises rebuilds, which take each
 * vCPU's irq_lock to read its IDs.
 * May call: vcpu.c (virq_vcpu_accept, virq_kicks_add), lapic.c (IDs and
 * arbitration priority).
 */
#include <linux/bitmap.h>
#include <linux/hash.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "virq.h"

#define DFR_MODEL_FLAT		0xf
#define DFR_MODEL_CLUSTER	0x0
#define XAPIC_BROADCAST		0xff
#define X2APIC_BROADCAST	0xffffffffU

/* The logical models a map can serve (virq.h): */
#define LOGICAL_NONE	VIRQ_MAP_LOGICAL_NONE	/* no vCPU has a logical ID */
#define LOGICAL_FLAT	VIRQ_MAP_LOGICAL_FLAT	/* all xAPIC, flat model */
#define LOGICAL_CLUSTER	VIRQ_MAP_LOGICAL_CLUSTER /* all xAPIC, cluster */
#define LOGICAL_X2APIC	VIRQ_MAP_LOGICAL_X2APIC	/* all x2APIC: the hash */
#define LOGICAL_SCAN	VIRQ_MAP_LOGICAL_SCAN	/* mixed, shared: match all */

/* x2APIC IDs from 2^20 share logical IDs with lower ones (LDR 31:16). */
#define X2APIC_LOGICAL_IDS	BIT(20)

struct virq_apic_slot {
	u32 id;
	u32 idx1;		/* vCPU index + 1; 0: empty */
};

struct virq_apic_map {
	struct rcu_head rcu;
	u32 gen;		/* chip->map_gen it was built for */
	u32 nr;			/* vCPUs it covers */
	bool phys_scan;		/* two vCPUs share an ID: match them all */
	u8 logical;		/* LOGICAL_* */
	u16 flat[8];		/* xAPIC flat: vCPU index + 1 per LDR bit */
	u16 cluster[15][4];	/* xAPIC cluster: [cluster][bit] */
	u32 mask;		/* hash size - 1 */
	struct virq_apic_slot slot[];
};

/* The IDs a vCPU answers to now (its LAPIC's, or its fixed APIC ID). */
static void vcpu_ids(struct virq_vcpu *vcpu, struct virq_apic_ids *ids)
{
	unsigned long flags;

	if (!vcpu->apic) {
		memset(ids, 0, sizeof(*ids));
		ids->enabled = true;
		ids->sw_enabled = true;
		ids->x2apic = vcpu->chip->cfg.flags & VIRQ_CHIP_32BIT_IDS;
		ids->phys = vcpu->apic_id;
		ids->dfr_model = DFR_MODEL_FLAT;
		return;
	}
	spin_lock_irqsave(&vcpu->irq_lock, flags);
	virq_lapic_ids_locked(vcpu, ids);
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
}

static u32 msg_broadcast(const struct virq_irq_msg *msg)
{
	return msg->dest_32 ? X2APIC_BROADCAST : XAPIC_BROADCAST;
}

/*
 * SDM vol. 3, 11.6.2.2 "Logical Destination Mode": does a logical
 * destination name this LAPIC? Flat: any common bit of the 8-bit MDA and
 * LDR[31:24]. Cluster: MDA bits 7:4 name the cluster and bits 3:0 the
 * members; "broadcast to all local APICs is achieved by setting all
 * destination bits to one (FFH)", which "guarantees a match on all
 * clusters". Only FFH does: the SDM gives no other cluster value a
 * meaning, so 0xF1 names cluster 15, member 0 (as KVM matches it too).
 * A DFR model other than flat (1111b) is treated as cluster.
 */
static bool logical_match(const struct virq_apic_ids *ids, u32 dest)
{
	u32 ldr = ids->ldr, d8 = dest & 0xff, id8 = ldr >> 24;

	if (ids->x2apic)
		return dest == X2APIC_BROADCAST ||
		       ((ldr >> 16) == (dest >> 16) && (ldr & dest & 0xffff));
	if (ids->dfr_model == DFR_MODEL_FLAT)
		return id8 & d8;
	return (d8 == XAPIC_BROADCAST || (d8 >> 4) == (id8 >> 4)) &&
	       (id8 & d8 & 0xf);
}

/**
 * virq_msg_matches() - does @msg name the vCPU whose IDs are @ids?
 * @ids: the vCPU's IDs (virq_apic_ids)
 * @msg: the message
 *
 * Shorthands are handled by the caller. The reference the map must agree
 * with (KUnit checks it does).
 */
bool virq_msg_matches(const struct virq_apic_ids *ids,
		      const struct virq_irq_msg *msg)
{
	if (!ids->enabled)
		return false;
	if (!msg->dest_logical)
		return msg->dest == msg_broadcast(msg) || msg->dest == ids->phys;
	/* No logical destinations without LAPICs (no LDR to match). */
	if (!ids->has_ldr)
		return false;
	return logical_match(ids, msg->dest);
}
EXPORT_SYMBOL_IF_KUNIT(virq_msg_matches);

/* ---- the map ---- */

static u32 slot_hash(u32 id, u32 mask)
{
	return hash_32(id, 32) & mask;
}

static void map_insert(struct virq_apic_map *m, u32 id, u32 idx)
{
	u32 h = slot_hash(id, m->mask);

	while (m->slot[h].idx1) {
		if (m->slot[h].id == id) {
			m->phys_scan = true;	/* a shared physical ID */
			return;
		}
		h = (h + 1) & m->mask;
	}
	m->slot[h].id = id;
	m->slot[h].idx1 = idx + 1;
}

static int map_lookup(const struct virq_apic_map *m, u32 id)
{
	u32 h = slot_hash(id, m->mask);

	while (m->slot[h].idx1) {
		if (m->slot[h].id == id)
			return m->slot[h].idx1 - 1;
		h = (h + 1) & m->mask;
	}
	return -1;
}

/* Note a vCPU's xAPIC logical ID in the flat or cluster table. */
static void map_logical(struct virq_apic_map *m, const struct virq_apic_ids *ids,
			u32 idx, u8 *model)
{
	u32 id8 = ids->ldr >> 24, b;
	u8 want = ids->x2apic ? LOGICAL_X2APIC :
		  ids->dfr_model == DFR_MODEL_FLAT ? LOGICAL_FLAT :
		  LOGICAL_CLUSTER;

	if (!ids->has_ldr || (!ids->x2apic && !id8))
		return;		/* answers to no logical destination */
	/* The hash finds an x2APIC logical ID's holder below 2^20 only. */
	if (ids->x2apic && ids->phys >= X2APIC_LOGICAL_IDS)
		want = LOGICAL_SCAN;
	if (*model == LOGICAL_NONE)
		*model = want;
	else if (*model != want)
		*model = LOGICAL_SCAN;	/* mixed models: match them all */
	if (*model != want)
		return;
	if (want == LOGICAL_FLAT) {
		for (b = 0; b < 8; b++) {
			if (!(id8 & BIT(b)))
				continue;
			if (m->flat[b])
				*model = LOGICAL_SCAN;
			m->flat[b] = idx + 1;
		}
	} else if (want == LOGICAL_CLUSTER) {
		if ((id8 >> 4) == 0xf) {
			*model = LOGICAL_SCAN;	/* cluster 15 is "all" */
			return;
		}
		for (b = 0; b < 4; b++) {
			if (!(id8 & BIT(b)))
				continue;
			if (m->cluster[id8 >> 4][b])
				*model = LOGICAL_SCAN;
			m->cluster[id8 >> 4][b] = idx + 1;
		}
	}
	/* x2APIC logical IDs follow from the physical ones: the hash. */
}

/**
 * virq_apic_map_update() - rebuild the destination map
 * @chip: the chip
 *
 * Process context only (it allocates and takes a mutex).
 */
void virq_apic_map_update(struct virq_chip *chip)
{
	struct virq_apic_map *m, *old;
	struct virq_apic_ids ids;
	u32 i, n, size, gen;
	u8 model = LOGICAL_NONE;

	mutex_lock(&chip->map_lock);
	gen = atomic_read_acquire(&chip->map_gen);
	n = virq_chip_nr_vcpus(chip);
	old = rcu_dereference_protected(chip->apic_map,
					lockdep_is_held(&chip->map_lock));
	if (old && old->gen == gen && old->nr == n)
		goto unlock;		/* someone rebuilt it already */
	size = roundup_pow_of_two(max_t(u32, 16, 2 * n));
	m = kvzalloc(struct_size(m, slot, size), VIRQ_GFP);
	if (!m)
		goto unlock;		/* the scan stays correct */
	m->gen = gen;
	m->nr = n;
	m->mask = size - 1;
	for (i = 0; i < n; i++) {
		vcpu_ids(chip->vcpus[i], &ids);
		if (!ids.enabled)
			continue;
		map_insert(m, ids.phys, i);
		map_logical(m, &ids, i, &model);
	}
	/* x2APIC logical lookups go through the hash: no shared IDs. */
	if (model == LOGICAL_X2APIC && m->phys_scan)
		model = LOGICAL_SCAN;
	m->logical = model;
	rcu_assign_pointer(chip->apic_map, m);
	if (old)
		kvfree_rcu(old, rcu);
unlock:
	mutex_unlock(&chip->map_lock);
}
EXPORT_SYMBOL_IF_KUNIT(virq_apic_map_update);

/**
 * virq_apic_map_invalidate() - IDs or modes are about to change
 * @chip: the chip
 *
 * Called under the changing vCPU's irq_lock, before the new ID, LDR, DFR
 * or APIC_BASE is stored: from here on deliveries do not trust the map
 * (they scan the live registers) until virq_apic_map_changed() rebuilt it.
 */
void virq_apic_map_invalidate(struct virq_chip *chip)
{
	atomic_inc(&chip->map_gen);
	/* The new generation is visible before the new IDs. */
	smp_mb__after_atomic();
}

static void virq_apic_map_work(struct work_struct *work)
{
	virq_apic_map_update(container_of(work, struct virq_chip, map_work));
}

/**
 * virq_apic_map_changed() - rebuild the map after virq_apic_map_invalidate()
 * @chip: the chip
 * @can_sleep: the caller is in process context: rebuild now; else a work
 *	       item rebuilds it soon
 */
void virq_apic_map_changed(struct virq_chip *chip, bool can_sleep)
{
	if (can_sleep)
		virq_apic_map_update(chip);
	else
		schedule_work(&chip->map_work);
}

void virq_apic_map_init(struct virq_chip *chip)
{
	INIT_WORK(&chip->map_work, virq_apic_map_work);
}

/* For KUnit: the logical model the current map serves, or -1 if stale. */
int virq_apic_map_model(struct virq_chip *chip)
{
	struct virq_apic_map *m;
	int model = -1;

	rcu_read_lock();
	m = rcu_dereference(chip->apic_map);
	if (m && !virq_apic_map_stale(chip))
		model = m->logical;
	rcu_read_unlock();
	return model;
}
EXPORT_SYMBOL_IF_KUNIT(virq_apic_map_model);

/* Is the map current? (Checked at each vCPU ioctl to rebuild it.) */
bool virq_apic_map_stale(struct virq_chip *chip)
{
	struct virq_apic_map *m;
	bool stale;

	rcu_read_lock();
	m = rcu_dereference(chip->apic_map);
	stale = !m || m->gen != (u32)atomic_read_acquire(&chip->map_gen) ||
		m->nr != virq_chip_nr_vcpus(chip);
	rcu_read_unlock();
	return stale;
}
EXPORT_SYMBOL_IF_KUNIT(virq_apic_map_stale);

/* The chip is going: nothing queues a rebuild any more. */
void virq_apic_map_free(struct virq_chip *chip)
{
	cancel_work_sync(&chip->map_work);
	kvfree(rcu_dereference_protected(chip->apic_map, true));
}

/* ---- delivery ---- */

/* The candidates of one message: a small set of indexes, or "scan". */
struct dest_set {
	unsigned int n;
	u16 idx[16];
	bool all;		/* every vCPU (broadcasts) */
	bool scan;		/* match every vCPU against live registers */
};

static void dest_add(struct dest_set *d, int idx)
{
	unsigned int i;

	if (idx < 0)
		return;
	for (i = 0; i < d->n; i++)
		if (d->idx[i] == idx)
			return;
	if (d->n < ARRAY_SIZE(d->idx))
		d->idx[d->n++] = idx;
	else
		d->scan = true;
}

/* Resolve a destination with the map, if the map can answer it. */
static void resolve(const struct virq_apic_map *m,
		    const struct virq_irq_msg *msg, struct dest_set *d)
{
	u32 dest = msg->dest, d8 = dest & 0xff, b, c;

	if (!msg->dest_logical) {
		if (dest == msg_broadcast(msg))
			d->all = true;
		else if (m->phys_scan)
			d->scan = true;
		else
			dest_add(d, map_lookup(m, dest));
		return;
	}
	switch (m->logical) {
	case LOGICAL_NONE:
		return;
	case LOGICAL_FLAT:
		for (b = 0; b < 8; b++)
			if ((d8 & BIT(b)) && m->flat[b])
				dest_add(d, m->flat[b] - 1);
		return;
	case LOGICAL_CLUSTER:
		for (c = 0; c < 15; c++) {
			if (d8 != XAPIC_BROADCAST && (d8 >> 4) != c)
				continue;
			for (b = 0; b < 4; b++)
				if ((d8 & BIT(b)) && m->cluster[c][b])
					dest_add(d, m->cluster[c][b] - 1);
		}
		return;
	case LOGICAL_X2APIC:
		if (dest == X2APIC_BROADCAST) {
			d->all = true;
			return;
		}
		for (b = 0; b < 16; b++)
			if (dest & BIT(b))
				dest_add(d, map_lookup(m, ((dest >> 16) << 4) | b));
		return;
	default:
		d->scan = true;
	}
}

static u32 arb_class(struct virq_vcpu *v)
{
	return v->apic ? virq_lapic_arb_priority(v) & 0xf0 : 0;
}

/*
 * Lowest priority (SDM 11.6.2.4): among the candidates (indexes set in
 * @cand), the lowest arbitration priority class wins; among equals, a
 * per-chip counter picks the k-th in index order, so equal vCPUs take
 * exact turns however many there are. Priorities are read without locks
 * and may move between the two passes: then the first of the lowest seen
 * in the first pass wins.
 */
static struct virq_vcpu *lowest_pick(struct virq_chip *chip,
				     const unsigned long *cand, u32 n)
{
	u32 i, p, best = U32_MAX, ties = 0, first = 0, k;

	for_each_set_bit(i, cand, n) {
		p = arb_class(chip->vcpus[i]);
		if (p < best) {
			best = p;
			ties = 0;
			first = i;
		}
		ties += p == best;
	}
	if (!ties)
		return NULL;
	k = (u32)atomic_inc_return(&chip->lowest_rr) % ties;
	for_each_set_bit(i, cand, n) {
		if (arb_class(chip->vcpus[i]) != best)
			continue;
		if (!k--)
			return chip->vcpus[i];
	}
	return chip->vcpus[first];
}

static int accept_one(struct virq_vcpu *vcpu, const struct virq_irq_msg *msg,
		      bool judge, struct virq_kicks *k,
		      unsigned long *dest_map, int ret)
{
	int r = virq_vcpu_accept(vcpu, msg, judge, k);

	if (r < 0)
		return ret;
	if (dest_map)
		__set_bit(vcpu->index, dest_map);
	return (ret < 0 ? 0 : ret) + r;
}

/*
 * Does @vcpu take @msg, judged from its live registers? For lowest
 * priority, only a vCPU that would accept a fixed interrupt (its APIC
 * software-enabled, SDM 11.4.7.2) may compete: one that would refuse it
 * must not win and lose the message others would take.
 */
static bool takes_ids(struct virq_vcpu *vcpu, const struct virq_apic_ids *ids,
		      const struct virq_irq_msg *msg, bool lowest)
{
	if (msg->shorthand == VIRQ_SH_SELF && vcpu != msg->src)
		return false;
	if (msg->shorthand == VIRQ_SH_ALL_BUT_SELF && vcpu == msg->src)
		return false;
	if (lowest && !ids->sw_enabled)
		return false;
	switch (msg->shorthand) {
	case VIRQ_SH_SELF:
		return true;
	case VIRQ_SH_ALL_BUT_SELF:
	case VIRQ_SH_ALL:
		return ids->enabled;
	default:
		return virq_msg_matches(ids, msg);
	}
}

static bool takes(struct virq_vcpu *vcpu, const struct virq_irq_msg *msg,
		  bool lowest)
{
	struct virq_apic_ids ids;

	vcpu_ids(vcpu, &ids);
	return takes_ids(vcpu, &ids, msg, lowest);
}

/* The same for a vCPU without a LAPIC, whose IDs never change. */
bool virq_vcpu_takes(struct virq_vcpu *vcpu, const struct virq_irq_msg *msg)
{
	return takes(vcpu, msg, false);
}

/**
 * virq_vcpu_takes_locked() - does @vcpu's LAPIC take @msg (not lowest
 * priority), judged from its registers?
 * @vcpu: a vCPU with a LAPIC, its irq_lock held
 * @msg: the message
 *
 * For virq_vcpu_accept(): judging and accepting under one hold of the
 * lock costs one lock round trip, not two, and no register can change
 * between the two.
 */
bool virq_vcpu_takes_locked(struct virq_vcpu *vcpu,
			    const struct virq_irq_msg *msg)
{
	struct virq_apic_ids ids;

	lockdep_assert_held(&vcpu->irq_lock);
	virq_lapic_ids_locked(vcpu, &ids);
	return takes_ids(vcpu, &ids, msg, false);
}

/*
 * The delivery itself. With @atomic (the caller has interrupts off), a
 * message whose candidates the map cannot narrow to at most
 * VIRQ_ATOMIC_FANOUT vCPUs is refused with -EWOULDBLOCK before anything
 * is touched; the number of vCPUs an atomic delivery visits is recorded.
 */
static int deliver(struct virq_chip *chip, const struct virq_irq_msg *msg,
		   struct virq_kicks *k, unsigned long *dest_map, bool atomic)
{
	/*
	 * SDM 11.11.1: an MSI with the redirection hint set goes to the
	 * processor of lowest priority among its destinations (a physical
	 * destination is a set of one), as KVM delivers it.
	 */
	bool lowest = msg->delivery_mode == VIRQ_DM_LOWEST ||
		      (msg->redir_hint && msg->delivery_mode == VIRQ_DM_FIXED);
	DECLARE_BITMAP(cand, VIRQ_MAX_VCPUS);
	u32 i, n = virq_chip_nr_vcpus(chip);
	const struct virq_apic_map *m;
	struct dest_set d = { };
	struct virq_vcpu *v;
	int ret = -1;

	rcu_read_lock();
	m = rcu_dereference(chip->apic_map);
	if (msg->shorthand == VIRQ_SH_SELF)
		dest_add(&d, msg->src->index);
	else if (msg->shorthand)
		d.scan = true;
	else if (!m || m->gen != (u32)atomic_read_acquire(&chip->map_gen) ||
		 m->nr != n)
		d.scan = true;		/* the map is being rebuilt */
	else
		resolve(m, msg, &d);
	rcu_read_unlock();

	if (atomic) {
		u32 visit = d.all || d.scan ? n : d.n;

		if (visit > VIRQ_ATOMIC_FANOUT)
			return -EWOULDBLOCK;
		virq_stats_atomic_fanout(chip, visit);
	}
	if (lowest)
		bitmap_zero(cand, n);
	/*
	 * The map may lag a change: each candidate's registers decide, for
	 * a fixed message under the lock that accepts it.
	 */
	if (d.all || d.scan) {
		/* Every vCPU, judged one by one (broadcasts, stale maps). */
		for (i = 0; i < n; i++) {
			v = chip->vcpus[i];
			if (!lowest)
				ret = accept_one(v, msg, true, k, dest_map, ret);
			else if (takes(v, msg, true))
				__set_bit(i, cand);
		}
	} else {
		for (i = 0; i < d.n; i++) {
			v = chip->vcpus[d.idx[i]];
			if (!lowest)
				ret = accept_one(v, msg, true, k, dest_map, ret);
			else if (takes(v, msg, true))
				__set_bit(d.idx[i], cand);
		}
	}
	if (lowest) {
		v = lowest_pick(chip, cand, n);
		if (v)
			ret = accept_one(v, msg, false, k, dest_map, ret);
	}
	return ret;
}

/**
 * virq_deliver_msg() - deliver an interrupt message on the APIC bus
 * @chip: the chip
 * @msg: the decoded message (IOAPIC pin, MSI or IPI)
 * @k: kick set the caller flushes once its locks are dropped
 * @dest_map: if not NULL, the indexes of the vCPUs that accepted it
 *	      (even coalesced: each owes an EOI) are set here
 *
 * Process context with interrupts on: the message may visit every vCPU.
 *
 * Return: the number of vCPUs it became pending on, 0 if coalesced on
 * every destination that accepted it, -1 if none accepted it.
 */
int virq_deliver_msg(struct virq_chip *chip, const struct virq_irq_msg *msg,
		     struct virq_kicks *k, unsigned long *dest_map)
{
	return deliver(chip, msg, k, dest_map, false);
}
EXPORT_SYMBOL_IF_KUNIT(virq_deliver_msg);

/**
 * virq_deliver_msg_atomic() - the same with interrupts off
 * @chip: the chip
 * @msg: the decoded message
 * @k: kick set the caller flushes once its locks are dropped (at most
 *     VIRQ_ATOMIC_FANOUT vCPUs go in)
 *
 * Return: as virq_deliver_msg(), or -EWOULDBLOCK with nothing done when
 * the message may name more than VIRQ_ATOMIC_FANOUT vCPUs (a broadcast,
 * a destination the map cannot resolve, a map being rebuilt on a chip
 * that large): the caller sends it from process context.
 */
int virq_deliver_msg_atomic(struct virq_chip *chip,
			    const struct virq_irq_msg *msg,
			    struct virq_kicks *k)
{
	return deliver(chip, msg, k, NULL, true);
}
EXPORT_SYMBOL_IF_KUNIT(virq_deliver_msg_atomic);
