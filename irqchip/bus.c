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
 * bumps chip->map_gen first; a map built for an older generation is not
 * trusted and the message is matched against every vCPU's live registers
 * instead (always correct, O(n)) until the map is rebuilt. Rebuilds run in
 * process context: at once after a register write or a vCPU's creation,
 * and at the next vCPU ioctl after a change made in atomic context (an
 * INIT accepted from an IOAPIC).
 *
 * Locks: readers hold rcu_read_lock() (callers may hold an IOAPIC lock,
 * never a vCPU's irq_lock); acceptance takes each target's irq_lock in
 * turn. chip->map_lock (mutex) serialises rebuilds, which take each
 * vCPU's irq_lock to read its IDs.
 * May call: vcpu.c (virq_vcpu_accept, virq_kicks_add), lapic.c (IDs and
 * arbitration priority).
 */
#include <linux/hash.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "virq.h"

#define DFR_MODEL_FLAT		0xf
#define DFR_MODEL_CLUSTER	0x0
#define XAPIC_BROADCAST		0xff
#define X2APIC_BROADCAST	0xffffffffU

enum {
	LOGICAL_NONE,		/* no vCPU has a logical ID */
	LOGICAL_FLAT,		/* all xAPIC, flat model */
	LOGICAL_CLUSTER,	/* all xAPIC, cluster model */
	LOGICAL_X2APIC,		/* all x2APIC: IDs through the hash */
	LOGICAL_SCAN,		/* mixed or shared: match every vCPU */
};

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

/* SDM 11.6.2.2: does a logical destination name this LAPIC? */
static bool logical_match(const struct virq_apic_ids *ids, u32 dest)
{
	u32 ldr = ids->ldr, d8 = dest & 0xff, id8 = ldr >> 24;

	if (ids->x2apic)
		return dest == X2APIC_BROADCAST ||
		       ((ldr >> 16) == (dest >> 16) && (ldr & dest & 0xffff));
	if (ids->dfr_model == DFR_MODEL_FLAT)
		return id8 & d8;
	/* Cluster: 4-bit cluster (0xf: all), 4-bit member mask. */
	return ((d8 >> 4) == 0xf || (d8 >> 4) == (id8 >> 4)) &&
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
 * virq_apic_map_changed() - IDs or modes changed: stop trusting the map
 * @chip: the chip
 * @can_sleep: the caller is in process context: rebuild now
 */
void virq_apic_map_changed(struct virq_chip *chip, bool can_sleep)
{
	atomic_inc_return_release(&chip->map_gen);
	if (can_sleep)
		virq_apic_map_update(chip);
}

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

void virq_apic_map_free(struct virq_chip *chip)
{
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
			if ((d8 >> 4) != 0xf && (d8 >> 4) != c)
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

/*
 * Lowest priority (SDM 11.6.2.4): the candidate with the lowest
 * arbitration priority; among equals, the next after the last winner.
 */
static struct virq_vcpu *lowest_pick(struct virq_chip *chip,
				     struct virq_vcpu **cand, unsigned int n)
{
	unsigned int i, start, best = 0;
	u32 p, bestp = U32_MAX;

	if (!n)
		return NULL;
	start = (u32)atomic_inc_return(&chip->lowest_rr) % n;
	for (i = 0; i < n; i++) {
		struct virq_vcpu *v = cand[(start + i) % n];

		p = v->apic ? virq_lapic_arb_priority(v) & 0xf0 : 0;
		if (p < bestp) {
			bestp = p;
			best = (start + i) % n;
		}
	}
	return cand[best];
}

static int accept_one(struct virq_vcpu *vcpu, const struct virq_irq_msg *msg,
		      struct virq_kicks *k, unsigned long *dest_map, int ret)
{
	int r = virq_vcpu_accept(vcpu, msg, k);

	if (r < 0)
		return ret;
	if (dest_map)
		__set_bit(vcpu->index, dest_map);
	return (ret < 0 ? 0 : ret) + r;
}

/* Does @vcpu take @msg, judged from its live registers? */
static bool takes(struct virq_vcpu *vcpu, const struct virq_irq_msg *msg)
{
	struct virq_apic_ids ids;

	switch (msg->shorthand) {
	case VIRQ_SH_SELF:
		return vcpu == msg->src;
	case VIRQ_SH_ALL_BUT_SELF:
		if (vcpu == msg->src)
			return false;
		fallthrough;
	case VIRQ_SH_ALL:
		vcpu_ids(vcpu, &ids);
		return ids.enabled;
	default:
		vcpu_ids(vcpu, &ids);
		return virq_msg_matches(&ids, msg);
	}
}

/**
 * virq_deliver_msg() - deliver an interrupt message on the APIC bus
 * @chip: the chip
 * @msg: the decoded message (IOAPIC pin, MSI or IPI)
 * @k: kick set the caller flushes once its locks are dropped
 * @dest_map: if not NULL, the indexes of the vCPUs that accepted it
 *	      (even coalesced: each owes an EOI) are set here
 *
 * Return: the number of vCPUs it became pending on, 0 if coalesced on
 * every destination that accepted it, -1 if none accepted it.
 */
int virq_deliver_msg(struct virq_chip *chip, const struct virq_irq_msg *msg,
		     struct virq_kicks *k, unsigned long *dest_map)
{
	bool lowest = msg->delivery_mode == VIRQ_DM_LOWEST;
	u32 i, n = virq_chip_nr_vcpus(chip);
	struct virq_vcpu *cand[16], *v;
	const struct virq_apic_map *m;
	struct dest_set d = { };
	unsigned int nc = 0;
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

	if (d.all || d.scan) {
		/* Every vCPU, judged one by one (broadcasts, stale maps). */
		for (i = 0; i < n; i++) {
			v = chip->vcpus[i];
			if (!takes(v, msg))
				continue;
			if (!lowest) {
				ret = accept_one(v, msg, k, dest_map, ret);
			} else if (nc < ARRAY_SIZE(cand)) {
				cand[nc++] = v;
			} else {
				/* Many candidates: keep the best so far. */
				cand[0] = lowest_pick(chip, cand, nc);
				nc = 1;
				cand[nc++] = v;
			}
		}
	} else {
		for (i = 0; i < d.n; i++) {
			v = chip->vcpus[d.idx[i]];
			/* The map may lag a change: the registers decide. */
			if (!takes(v, msg))
				continue;
			if (lowest)
				cand[nc++] = v;
			else
				ret = accept_one(v, msg, k, dest_map, ret);
		}
	}
	if (lowest) {
		v = lowest_pick(chip, cand, nc);
		if (v)
			ret = accept_one(v, msg, k, dest_map, ret);
	}
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(virq_deliver_msg);
