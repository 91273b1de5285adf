// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the local APIC (lapic.c) and the APIC bus (bus.c) on a chip
 * without fds. Registers are reached the way a guest reaches them (xAPIC
 * MMIO, x2APIC MSRs through virq_lapic_io()), interrupts are taken with
 * the vCPU's acknowledge. One case per register or rule; the destination
 * map is cross-checked against the architectural match for random IDs,
 * logical IDs, models and destinations.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/random.h>

#include "virq.h"

#define APIC_MMIO	0xfee00000ULL

#define NCPU		4

struct rig {
	struct virq_chip *chip;
	struct virq_vcpu *cpu[NCPU];
};

static void rig_init_ids(struct kunit *test, struct rig *r, const u32 *ids,
			 unsigned int n, u32 flags)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC | VIRQ_CHIP_LAPIC |
			 flags,
		.nr_ioapics = 1, .max_vcpus = 64,
	};
	unsigned int i;

	r->chip = virq_chip_alloc(&cfg);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r->chip));
	for (i = 0; i < n; i++) {
		r->cpu[i] = virq_vcpu_add(r->chip, ids ? ids[i] : i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(r->cpu[i]));
	}
}

static void rig_init(struct kunit *test, struct rig *r)
{
	rig_init_ids(test, r, NULL, NCPU, 0);
}

static void rig_exit(struct rig *r)
{
	virq_chip_put(r->chip);
}

static int io(struct virq_vcpu *v, u32 space, u64 addr, u32 len, bool write,
	      u64 *data, u8 *fault)
{
	struct virq_io x = { .space = space, .addr = addr, .len = len,
			     .write = write, .data = write ? *data : 0 };
	int ret = virq_lapic_io(v, &x);

	if (!write)
		*data = x.data;
	if (fault)
		*fault = x.fault;
	return ret;
}

static u32 rd(struct virq_vcpu *v, u32 off)
{
	u64 d = 0xdead;

	io(v, VIRQ_IO_MMIO, APIC_MMIO + off, 4, false, &d, NULL);
	return d;
}

static void wr(struct virq_vcpu *v, u32 off, u32 val)
{
	u64 d = val;

	io(v, VIRQ_IO_MMIO, APIC_MMIO + off, 4, true, &d, NULL);
}

/* An MSR access; returns the fault (VIRQ_IO_FAULT_*). */
static u8 msr(struct virq_vcpu *v, u32 idx, bool write, u64 *val)
{
	u8 fault = 0xee;

	io(v, VIRQ_IO_MSR, idx, 8, write, val, &fault);
	return fault;
}

static u64 g_rdmsr(struct virq_vcpu *v, u32 idx)
{
	u64 val = 0;

	msr(v, idx, false, &val);
	return val;
}

static u8 g_wrmsr(struct virq_vcpu *v, u32 idx, u64 val)
{
	return msr(v, idx, true, &val);
}

static void enable(struct virq_vcpu *v)
{
	wr(v, 0xf0, 0x1ff);		/* SVR: enabled, spurious 0xff */
}

static u32 reqs(struct virq_vcpu *v)
{
	return READ_ONCE(v->run->requests);
}

static int fixed_msg(struct rig *r, u32 dest, bool logical, u8 vector,
		     u8 dm)
{
	struct virq_irq_msg m = { .dest = dest, .dest_logical = logical,
				  .vector = vector, .delivery_mode = dm,
				  .level_assert = true };
	struct virq_kicks k;
	int ret;

	virq_kicks_init(&k);
	ret = virq_deliver_msg(r->chip, &m, &k, NULL);
	virq_kicks_flush(r->chip, &k);
	return ret;
}

static bool irr_has(struct virq_vcpu *v, u8 vec)
{
	return rd(v, 0x200 + (vec / 32) * 16) & BIT(vec % 32);
}

static u64 g_rdmsr(struct virq_vcpu *v, u32 idx);

/* The same through the x2APIC MSRs. */
static bool irr_has_x2(struct virq_vcpu *v, u8 vec)
{
	return g_rdmsr(v, 0x820 + vec / 32) & BIT(vec % 32);
}

static void lapic_reset_state(struct kunit *test)
{
	struct rig r;

	rig_init(test, &r);
	KUNIT_EXPECT_EQ(test, 0x01050014, rd(r.cpu[0], 0x30));
	KUNIT_EXPECT_EQ(test, 0xff, rd(r.cpu[0], 0xf0));
	KUNIT_EXPECT_EQ(test, 0xffffffff, rd(r.cpu[0], 0xe0));
	KUNIT_EXPECT_EQ(test, 0, rd(r.cpu[0], 0xd0));
	KUNIT_EXPECT_EQ(test, 0x00000000, rd(r.cpu[0], 0x20));
	KUNIT_EXPECT_EQ(test, 0x02000000, rd(r.cpu[2], 0x20));
	/* The BSP in virtual wire mode; APs with everything masked. */
	KUNIT_EXPECT_EQ(test, 0x700, rd(r.cpu[0], 0x350));
	KUNIT_EXPECT_EQ(test, 0x10000, rd(r.cpu[1], 0x350));
	KUNIT_EXPECT_EQ(test, 0x10000, rd(r.cpu[0], 0x320));
	KUNIT_EXPECT_EQ(test, 0xfee00900ULL, g_rdmsr(r.cpu[0], 0x1b));
	KUNIT_EXPECT_EQ(test, 0xfee00800ULL, g_rdmsr(r.cpu[1], 0x1b));
	rig_exit(&r);
}

/* Software-disabled: fixed interrupts dropped, NMI and INIT taken. */
static void lapic_software_disabled(struct kunit *test)
{
	struct rig r;

	rig_init(test, &r);
	KUNIT_EXPECT_EQ(test, -1, fixed_msg(&r, 1, false, 0x40, VIRQ_DM_FIXED));
	KUNIT_EXPECT_FALSE(test, irr_has(r.cpu[1], 0x40));
	KUNIT_EXPECT_EQ(test, 1, fixed_msg(&r, 1, false, 0, VIRQ_DM_NMI));
	KUNIT_EXPECT_TRUE(test, reqs(r.cpu[1]) & VIRQ_REQ_NMI);
	/* LVT masks cannot be cleared while software-disabled. */
	wr(r.cpu[1], 0x370, 0x33);
	KUNIT_EXPECT_EQ(test, 0x10033, rd(r.cpu[1], 0x370));
	enable(r.cpu[1]);
	KUNIT_EXPECT_EQ(test, 1, fixed_msg(&r, 1, false, 0x40, VIRQ_DM_FIXED));
	KUNIT_EXPECT_TRUE(test, irr_has(r.cpu[1], 0x40));
	/* Disabling again masks every LVT. */
	wr(r.cpu[1], 0x370, 0x33);
	wr(r.cpu[1], 0xf0, 0xff);
	KUNIT_EXPECT_EQ(test, 0x10033, rd(r.cpu[1], 0x370));
	rig_exit(&r);
}

/* IRR -> ISR by priority class; PPR blocks lower classes until EOI. */
static void lapic_ack_ppr_eoi(struct kunit *test)
{
	struct virq_vcpu *v;
	struct rig r;

	rig_init(test, &r);
	v = r.cpu[1];
	enable(v);
	fixed_msg(&r, 1, false, 0x41, VIRQ_DM_FIXED);
	fixed_msg(&r, 1, false, 0x52, VIRQ_DM_FIXED);
	fixed_msg(&r, 1, false, 0x53, VIRQ_DM_FIXED);
	KUNIT_EXPECT_EQ(test, 0x53, READ_ONCE(v->run->irr_max));
	KUNIT_EXPECT_EQ(test, 0x53, virq_vcpu_ack(v));
	KUNIT_EXPECT_EQ(test, 0x50, rd(v, 0xa0));	/* PPR */
	KUNIT_EXPECT_EQ(test, BIT(0x53 - 0x40), rd(v, 0x120));	/* ISR */
	/* 0x52 is of the same class: blocked; 0x41 too. */
	KUNIT_EXPECT_FALSE(test, reqs(v) & VIRQ_REQ_INTR);
	KUNIT_EXPECT_EQ(test, -EAGAIN, virq_vcpu_ack(v));
	KUNIT_EXPECT_EQ(test, 0, READ_ONCE(v->run->irr_max));
	/* A higher class nests. */
	fixed_msg(&r, 1, false, 0x61, VIRQ_DM_FIXED);
	KUNIT_EXPECT_TRUE(test, reqs(v) & VIRQ_REQ_INTR);
	KUNIT_EXPECT_EQ(test, 0x61, virq_vcpu_ack(v));
	wr(v, 0xb0, 0);			/* EOI: the highest ISR, 0x61 */
	KUNIT_EXPECT_EQ(test, 0x50, rd(v, 0xa0));
	wr(v, 0xb0, 0);			/* EOI 0x53 */
	KUNIT_EXPECT_EQ(test, 0, rd(v, 0xa0));
	KUNIT_EXPECT_EQ(test, 0x52, virq_vcpu_ack(v));
	wr(v, 0xb0, 0);
	KUNIT_EXPECT_EQ(test, 0x41, virq_vcpu_ack(v));
	wr(v, 0xb0, 0);
	KUNIT_EXPECT_EQ(test, -EAGAIN, virq_vcpu_ack(v));
	rig_exit(&r);
}

/* TPR: in the run page, written by the guest (MMIO) or the VMM. */
static void lapic_tpr(struct kunit *test)
{
	struct virq_vcpu *v;
	struct rig r;

	rig_init(test, &r);
	v = r.cpu[0];
	enable(v);
	wr(v, 0x80, 0x60);
	KUNIT_EXPECT_EQ(test, 0x60, READ_ONCE(v->run->tpr));
	KUNIT_EXPECT_EQ(test, 0x60, rd(v, 0xa0));
	fixed_msg(&r, 0, false, 0x55, VIRQ_DM_FIXED);
	KUNIT_EXPECT_FALSE(test, reqs(v) & VIRQ_REQ_INTR);
	KUNIT_EXPECT_EQ(test, -EAGAIN, virq_vcpu_ack(v));
	KUNIT_EXPECT_EQ(test, 0x55, READ_ONCE(v->run->irr_max));
	wr(v, 0x80, 0x40);		/* the guest lowers TPR */
	KUNIT_EXPECT_TRUE(test, reqs(v) & VIRQ_REQ_INTR);
	KUNIT_EXPECT_EQ(test, 0x55, virq_vcpu_ack(v));
	wr(v, 0xb0, 0);
	/* The VMM's store (CR8 << 4) is read at the acknowledge. */
	WRITE_ONCE(v->run->tpr, 0x70);
	fixed_msg(&r, 0, false, 0x66, VIRQ_DM_FIXED);
	KUNIT_EXPECT_EQ(test, -EAGAIN, virq_vcpu_ack(v));
	WRITE_ONCE(v->run->tpr, 0x50);
	KUNIT_EXPECT_EQ(test, 0x66, virq_vcpu_ack(v));
	KUNIT_EXPECT_EQ(test, 0x50, rd(v, 0x80));
	rig_exit(&r);
}

/*
 * INTR already set does not mean the VMM knows about every deliverable
 * vector. 0x50 pending, INTR set; the VMM raises TPR to 0x80 with a plain
 * store, finds irr_max 0x50 blocked and enters the guest without an
 * acknowledge (nothing recomputes INTR: it stays set). 0x90 is above the
 * new TPR and must kick the vCPU out of guest mode; another of 0x90's
 * class afterwards adds no kick.
 */
static void lapic_kick_when_irr_max_rises(struct kunit *test)
{
	struct virq_vcpu *v;
	struct rig r;
	u64 kicks;

	rig_init(test, &r);
	v = r.cpu[1];
	enable(v);
	KUNIT_EXPECT_EQ(test, 1, fixed_msg(&r, 1, false, 0x50, VIRQ_DM_FIXED));
	KUNIT_EXPECT_TRUE(test, reqs(v) & VIRQ_REQ_INTR);
	WRITE_ONCE(v->run->tpr, 0x80);
	KUNIT_EXPECT_EQ(test, 0x50, READ_ONCE(v->run->irr_max));
	atomic_set((atomic_t *)&v->run->mode, VIRQ_MODE_IN_GUEST);
	kicks = READ_ONCE(v->run->kicks);
	KUNIT_EXPECT_TRUE(test, reqs(v) & VIRQ_REQ_INTR);	/* stale */
	fixed_msg(&r, 1, false, 0x90, VIRQ_DM_FIXED);
	KUNIT_EXPECT_EQ(test, kicks + 1, READ_ONCE(v->run->kicks));
	KUNIT_EXPECT_EQ(test, VIRQ_MODE_EXITING, READ_ONCE(v->run->mode));
	KUNIT_EXPECT_EQ(test, 0x90, READ_ONCE(v->run->irr_max));
	/* The VMM was told: another of 0x90's class adds no kick. */
	fixed_msg(&r, 1, false, 0x91, VIRQ_DM_FIXED);
	KUNIT_EXPECT_EQ(test, kicks + 1, READ_ONCE(v->run->kicks));
	KUNIT_EXPECT_EQ(test, 0x91, virq_vcpu_ack(v));
	rig_exit(&r);
}

/*
 * APR by the SDM's formula: TPR[7:4] >= IRRV[7:4] and TPR[7:4] >
 * ISRV[7:4] gives TPR; otherwise the highest class of the three, low
 * nibble 0 (TPR's class equal to the in-service class included).
 */
static void lapic_apr(struct kunit *test)
{
	struct virq_vcpu *v;
	struct rig r;

	rig_init(test, &r);
	v = r.cpu[1];
	enable(v);
	wr(v, 0x80, 0x35);
	KUNIT_EXPECT_EQ(test, 0x35, rd(v, 0x90));	/* TPR's own */
	fixed_msg(&r, 1, false, 0x61, VIRQ_DM_FIXED);
	KUNIT_EXPECT_EQ(test, 0x60, rd(v, 0x90));	/* IRR's class */
	KUNIT_EXPECT_EQ(test, 0x61, virq_vcpu_ack(v));
	KUNIT_EXPECT_EQ(test, 0x60, rd(v, 0x90));	/* ISR's class */
	wr(v, 0xb0, 0);
	fixed_msg(&r, 1, false, 0x48, VIRQ_DM_FIXED);
	KUNIT_EXPECT_EQ(test, 0x48, virq_vcpu_ack(v));
	wr(v, 0x80, 0x45);				/* TPR class = ISR's */
	KUNIT_EXPECT_EQ(test, 0x40, rd(v, 0x90));
	wr(v, 0x80, 0x55);
	KUNIT_EXPECT_EQ(test, 0x55, rd(v, 0x90));
	wr(v, 0x80, 0x05);				/* ISR class 4 above */
	KUNIT_EXPECT_EQ(test, 0x40, rd(v, 0x90));
	wr(v, 0xb0, 0);				/* TPR[7:4] = 0 > 0 fails */
	KUNIT_EXPECT_EQ(test, 0x00, rd(v, 0x90));
	rig_exit(&r);
}

/*
 * SVR bit 9 (focus processor checking disable) is a field of the
 * register: written and read back in both modes, no #GP in x2APIC mode.
 */
static void lapic_svr_focus_bit(struct kunit *test)
{
	struct virq_vcpu *v;
	struct rig r;

	rig_init(test, &r);
	v = r.cpu[1];
	wr(v, 0xf0, 0x3ff);
	KUNIT_EXPECT_EQ(test, 0x3ff, rd(v, 0xf0));
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x1b, 0xfee00c00));
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x80f, 0x13ff));
	KUNIT_EXPECT_EQ(test, 0x13ffULL, g_rdmsr(v, 0x80f));
	KUNIT_EXPECT_EQ(test, 1, g_wrmsr(v, 0x80f, 0x7ff));	/* bit 10 */
	KUNIT_EXPECT_EQ(test, 0x13ffULL, g_rdmsr(v, 0x80f));
	rig_exit(&r);
}

/* Level vectors: TMR set, EOI broadcast to the IOAPIC unless suppressed. */
static void lapic_eoi_broadcast(struct kunit *test)
{
	struct virq_ioapic *ioa;
	struct virq_vcpu *v;
	struct rig r;
	u32 val;

	rig_init(test, &r);
	v = r.cpu[0];
	ioa = r.chip->ioapic[0];
	enable(v);
	val = 0x10 + 2 * 16;
	virq_ioapic_mmio(ioa, 0xfec00000, 4, true, &val);
	val = 0x8071;			/* level, vector 0x71, APIC 0 */
	virq_ioapic_mmio(ioa, 0xfec00010, 4, true, &val);
	virq_irq_line(r.chip, 16, 1, true);
	KUNIT_EXPECT_EQ(test, 0x71, virq_vcpu_ack(v));
	KUNIT_EXPECT_TRUE(test, rd(v, 0x180 + 3 * 16) & BIT(0x71 - 0x60));
	virq_irq_line(r.chip, 16, 0, true);
	wr(v, 0xb0, 0);
	virq_ioapic_mmio(ioa, 0xfec00010, 4, false, &val);
	KUNIT_EXPECT_FALSE(test, val & VIRQ_IOAPIC_RTE_REMOTE_IRR);
	/* Suppressed broadcast (SVR bit 12): the IOAPIC's EOI register. */
	wr(v, 0xf0, 0x11ff);
	virq_irq_line(r.chip, 16, 1, true);
	KUNIT_EXPECT_EQ(test, 0x71, virq_vcpu_ack(v));
	virq_irq_line(r.chip, 16, 0, true);
	wr(v, 0xb0, 0);
	virq_ioapic_mmio(ioa, 0xfec00010, 4, false, &val);
	KUNIT_EXPECT_TRUE(test, val & VIRQ_IOAPIC_RTE_REMOTE_IRR);
	val = 0x71;
	virq_ioapic_mmio(ioa, 0xfec00040, 4, true, &val);
	virq_ioapic_mmio(ioa, 0xfec00010, 4, false, &val);
	KUNIT_EXPECT_FALSE(test, val & VIRQ_IOAPIC_RTE_REMOTE_IRR);
	rig_exit(&r);
}

/*
 * The RTC's tick is not coalesced for good by a vCPU that took it and
 * then software-disabled its APIC without an EOI (a CPU going offline):
 * the SVR write voids its debt.
 */
static void lapic_rtc_debt_void_on_software_disable(struct kunit *test)
{
	struct virq_lapic_state *st;
	struct virq_ioapic *ioa;
	struct virq_vcpu *v;
	struct rig r;
	u32 val;
	u8 b;

	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	rig_init(test, &r);
	v = r.cpu[1];
	ioa = r.chip->ioapic[0];
	enable(v);
	b = 0xff;			/* the PICs masked: the IOAPIC's alone */
	virq_pic_pio(r.chip->pic, 0x21, true, &b);
	virq_pic_pio(r.chip->pic, 0xa1, true, &b);
	val = 0x10 + 2 * 8 + 1;
	virq_ioapic_mmio(ioa, 0xfec00000, 4, true, &val);
	val = 1 << 24;			/* destination: APIC 1 */
	virq_ioapic_mmio(ioa, 0xfec00010, 4, true, &val);
	val = 0x10 + 2 * 8;
	virq_ioapic_mmio(ioa, 0xfec00000, 4, true, &val);
	val = 0x68;			/* fixed, edge, vector 0x68 */
	virq_ioapic_mmio(ioa, 0xfec00010, 4, true, &val);
	KUNIT_EXPECT_EQ(test, 1, virq_irq_line(r.chip, 8, 1, true));
	virq_irq_line(r.chip, 8, 0, true);
	KUNIT_EXPECT_EQ(test, 0x68, virq_vcpu_ack(v));
	KUNIT_EXPECT_EQ(test, 0, virq_irq_line(r.chip, 8, 1, true));
	virq_irq_line(r.chip, 8, 0, true);
	/* Offline: SVR software-disabled, the tick never EOI'd. */
	wr(v, 0xf0, 0xff);
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_get_state(v, st));
	KUNIT_EXPECT_FALSE(test, st->flags & VIRQ_LAPIC_STATE_RTC_OWED);
	KUNIT_EXPECT_EQ(test, 0U, virq_rtc_pending(r.chip));
	/* Not coalesced: sent, and refused by the disabled APIC. */
	KUNIT_EXPECT_EQ(test, -1, virq_irq_line(r.chip, 8, 1, true));
	virq_irq_line(r.chip, 8, 0, true);
	/* Back online: the late EOI pays nothing; ticks flow again. */
	enable(v);
	wr(v, 0xb0, 0);
	KUNIT_EXPECT_EQ(test, 0U, virq_rtc_pending(r.chip));
	KUNIT_EXPECT_EQ(test, 1, virq_irq_line(r.chip, 8, 1, true));
	rig_exit(&r);
}

static void send_ipi(struct virq_vcpu *from, u32 dest, u32 lo)
{
	wr(from, 0x310, dest << 24);
	wr(from, 0x300, lo);
}

static void lapic_ipi_physical_and_shorthands(struct kunit *test)
{
	struct rig r;
	int i;

	rig_init(test, &r);
	for (i = 0; i < NCPU; i++)
		enable(r.cpu[i]);
	send_ipi(r.cpu[0], 2, 0x61);
	KUNIT_EXPECT_TRUE(test, irr_has(r.cpu[2], 0x61));
	KUNIT_EXPECT_FALSE(test, irr_has(r.cpu[1], 0x61));
	KUNIT_EXPECT_EQ(test, 0, rd(r.cpu[0], 0x300) & BIT(12)); /* idle */
	send_ipi(r.cpu[1], 0, 0x62 | (1 << 18));	/* self */
	KUNIT_EXPECT_TRUE(test, irr_has(r.cpu[1], 0x62));
	KUNIT_EXPECT_FALSE(test, irr_has(r.cpu[0], 0x62));
	send_ipi(r.cpu[1], 0, 0x63 | (2 << 18));	/* all incl. self */
	for (i = 0; i < NCPU; i++)
		KUNIT_EXPECT_TRUE_MSG(test, irr_has(r.cpu[i], 0x63), "cpu %d", i);
	send_ipi(r.cpu[1], 0, 0x64 | (3 << 18));	/* all but self */
	for (i = 0; i < NCPU; i++)
		KUNIT_EXPECT_EQ_MSG(test, i != 1, irr_has(r.cpu[i], 0x64),
				    "cpu %d", i);
	send_ipi(r.cpu[3], 0xff, 0x65);			/* broadcast ID */
	for (i = 0; i < NCPU; i++)
		KUNIT_EXPECT_TRUE(test, irr_has(r.cpu[i], 0x65));
	/* NMI by IPI. */
	send_ipi(r.cpu[0], 3, 0x400);
	KUNIT_EXPECT_TRUE(test, reqs(r.cpu[3]) & VIRQ_REQ_NMI);
	rig_exit(&r);
}

/* Flat and cluster logical destinations, one and several targets. */
static void lapic_ipi_logical(struct kunit *test)
{
	struct rig r;
	int i;

	rig_init(test, &r);
	for (i = 0; i < NCPU; i++) {
		enable(r.cpu[i]);
		wr(r.cpu[i], 0xd0, BIT(24 + i));	/* flat: bit i */
	}
	send_ipi(r.cpu[0], 0x06, 0x871);		/* logical 1 and 2 */
	for (i = 0; i < NCPU; i++)
		KUNIT_EXPECT_EQ_MSG(test, i == 1 || i == 2,
				    irr_has(r.cpu[i], 0x71), "cpu %d", i);
	/* Cluster model: clusters 1 and 2, two members each. */
	for (i = 0; i < NCPU; i++) {
		wr(r.cpu[i], 0xe0, 0x0fffffff);
		wr(r.cpu[i], 0xd0, ((0x10 << (i / 2)) | BIT(i % 2)) << 24);
	}
	send_ipi(r.cpu[0], 0x23, 0x872);		/* cluster 2, both */
	for (i = 0; i < NCPU; i++)
		KUNIT_EXPECT_EQ_MSG(test, i >= 2, irr_has(r.cpu[i], 0x72),
				    "cpu %d", i);
	/*
	 * SDM 11.6.2.2: only all ones (0xff) is the broadcast that matches
	 * every cluster; 0xf1 names cluster 15, which nobody is in.
	 */
	send_ipi(r.cpu[0], 0xf1, 0x873);
	for (i = 0; i < NCPU; i++)
		KUNIT_EXPECT_FALSE_MSG(test, irr_has(r.cpu[i], 0x73), "cpu %d",
				       i);
	send_ipi(r.cpu[0], 0xff, 0x874);		/* every cluster, all */
	for (i = 0; i < NCPU; i++)
		KUNIT_EXPECT_TRUE_MSG(test, irr_has(r.cpu[i], 0x74), "cpu %d",
				      i);
	rig_exit(&r);
}

/* Lowest priority: the lowest PPR wins; equals take turns. */
static void lapic_lowest_priority(struct kunit *test)
{
	int got[NCPU] = { }, i, n;
	struct rig r;

	rig_init(test, &r);
	for (i = 0; i < NCPU; i++) {
		enable(r.cpu[i]);
		wr(r.cpu[i], 0xd0, BIT(24 + i));
	}
	for (n = 0; n < 4 * NCPU; n++) {
		KUNIT_EXPECT_EQ(test, 1,
				fixed_msg(&r, 0x0f, true, 0x80, VIRQ_DM_LOWEST));
		for (i = 0; i < NCPU; i++) {
			if (virq_vcpu_ack(r.cpu[i]) == 0x80) {
				got[i]++;
				wr(r.cpu[i], 0xb0, 0);
			}
		}
	}
	for (i = 0; i < NCPU; i++)
		KUNIT_EXPECT_EQ_MSG(test, 4, got[i], "cpu %d", i);
	/* cpu 2 has the lowest TPR: it always wins. */
	for (i = 0; i < NCPU; i++)
		wr(r.cpu[i], 0x80, i == 2 ? 0x10 : 0x30);
	for (n = 0; n < 4; n++) {
		fixed_msg(&r, 0x0f, true, 0x81, VIRQ_DM_LOWEST);
		KUNIT_EXPECT_TRUE(test, irr_has(r.cpu[2], 0x81));
		KUNIT_EXPECT_EQ(test, 0x81, virq_vcpu_ack(r.cpu[2]));
		wr(r.cpu[2], 0xb0, 0);
	}
	rig_exit(&r);
}

/*
 * Lowest priority never picks a vCPU that would refuse the message: an AP
 * not started yet (software-disabled, PPR 0) must not beat enabled vCPUs
 * with a higher TPR and make the interrupt vanish.
 */
static void lapic_lowest_priority_skips_disabled(struct kunit *test)
{
	struct rig r;
	int i, n;

	rig_init(test, &r);
	for (i = 0; i < NCPU; i++) {
		wr(r.cpu[i], 0xd0, BIT(24 + i));
		if (i == 0)
			continue;		/* cpu 0: software-disabled */
		enable(r.cpu[i]);
		wr(r.cpu[i], 0x80, 0x40);
	}
	for (n = 0; n < 6; n++) {
		KUNIT_EXPECT_EQ(test, 1,
				fixed_msg(&r, 0x0f, true, 0x82, VIRQ_DM_LOWEST));
		KUNIT_EXPECT_FALSE(test, irr_has(r.cpu[0], 0x82));
		for (i = 1; i < NCPU; i++)
			if (irr_has(r.cpu[i], 0x82)) {
				wr(r.cpu[i], 0x80, 0);
				KUNIT_EXPECT_EQ(test, 0x82, virq_vcpu_ack(r.cpu[i]));
				wr(r.cpu[i], 0xb0, 0);
				wr(r.cpu[i], 0x80, 0x40);
			}
	}
	rig_exit(&r);
}

/*
 * Fair among many: 40 equal candidates (a broadcast, matched by scan)
 * take exact turns, 3 messages each in 120.
 */
static void lapic_lowest_priority_many(struct kunit *test)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC | VIRQ_CHIP_LAPIC,
		.nr_ioapics = 1, .max_vcpus = 40,
	};
	struct virq_chip *chip;
	struct virq_vcpu *v;
	int *got, i, n, hit;
	struct rig r;

	got = kunit_kcalloc(test, 40, sizeof(*got), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, got);
	chip = virq_chip_alloc(&cfg);
	KUNIT_ASSERT_FALSE(test, IS_ERR(chip));
	r.chip = chip;
	for (i = 0; i < 40; i++) {
		v = virq_vcpu_add(chip, i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(v));
		enable(v);
	}
	for (n = 0; n < 120; n++) {
		KUNIT_EXPECT_EQ(test, 1,
				fixed_msg(&r, 0xff, false, 0x83, VIRQ_DM_LOWEST));
		hit = 0;
		for (i = 0; i < 40; i++) {
			v = chip->vcpus[i];
			if (virq_vcpu_ack(v) != 0x83)
				continue;
			got[i]++;
			hit++;
			wr(v, 0xb0, 0);
		}
		KUNIT_EXPECT_EQ(test, 1, hit);
	}
	for (i = 0; i < 40; i++)
		KUNIT_EXPECT_EQ_MSG(test, 3, got[i], "cpu %d", i);
	virq_chip_put(chip);
}

/*
 * SDM 11.11.1: an MSI with the redirection hint (address bit 3) and a
 * logical destination goes to one processor of the group, the lowest
 * priority one, not to every member; equals take turns.
 */
static void lapic_msi_redirection_hint(struct kunit *test)
{
	struct virq_irq_msg m;
	int got[NCPU] = { }, i, n, hit;
	struct virq_kicks k;
	struct rig r;

	rig_init(test, &r);
	for (i = 0; i < NCPU; i++) {
		enable(r.cpu[i]);
		wr(r.cpu[i], 0xd0, BIT(24 + i));
	}
	/* Fixed, logical 0x0f, RH = 1. */
	KUNIT_ASSERT_EQ(test, 0, virq_msi_decode(0xfee0f00c, 0, 0x84, false,
						 &m));
	KUNIT_EXPECT_TRUE(test, m.redir_hint);
	for (n = 0; n < 4 * NCPU; n++) {
		virq_kicks_init(&k);
		KUNIT_EXPECT_EQ(test, 1, virq_msi_send(r.chip, &m, &k, false));
		virq_kicks_flush(r.chip, &k);
		hit = 0;
		for (i = 0; i < NCPU; i++) {
			if (virq_vcpu_ack(r.cpu[i]) != 0x84)
				continue;
			got[i]++;
			hit++;
			wr(r.cpu[i], 0xb0, 0);
		}
		KUNIT_EXPECT_EQ(test, 1, hit);
	}
	for (i = 0; i < NCPU; i++)
		KUNIT_EXPECT_EQ_MSG(test, 4, got[i], "cpu %d", i);
	/* Without the hint: every member. */
	KUNIT_ASSERT_EQ(test, 0, virq_msi_decode(0xfee0f004, 0, 0x85, false,
						 &m));
	virq_kicks_init(&k);
	KUNIT_EXPECT_EQ(test, NCPU, virq_msi_send(r.chip, &m, &k, false));
	virq_kicks_flush(r.chip, &k);
	rig_exit(&r);
}

/*
 * An INIT accepted in atomic context (from an IOAPIC, an MSI) resets LDR
 * and DFR: the map is rebuilt by a work item, not only at the next vCPU
 * ioctl; meanwhile deliveries scan and stay right.
 */
static void bus_map_rebuilt_after_atomic_init(struct kunit *test)
{
	struct rig r;
	ktime_t t0;
	int i;

	rig_init(test, &r);
	for (i = 0; i < NCPU; i++) {
		enable(r.cpu[i]);
		wr(r.cpu[i], 0xd0, BIT(24 + i));
	}
	KUNIT_EXPECT_FALSE(test, virq_apic_map_stale(r.chip));
	KUNIT_EXPECT_EQ(test, 1, fixed_msg(&r, 2, false, 0, VIRQ_DM_INIT));
	/* cpu 2's LDR is 0 now: logical 0x04 reaches nobody. */
	enable(r.cpu[2]);
	KUNIT_EXPECT_EQ(test, -1, fixed_msg(&r, 0x04, true, 0x86,
					    VIRQ_DM_FIXED));
	t0 = ktime_get();
	while (virq_apic_map_stale(r.chip) &&
	       ktime_ms_delta(ktime_get(), t0) < 5000)
		usleep_range(1000, 2000);
	KUNIT_EXPECT_FALSE(test, virq_apic_map_stale(r.chip));
	KUNIT_EXPECT_EQ(test, 1, fixed_msg(&r, 0x08, true, 0x86,
					   VIRQ_DM_FIXED));
	rig_exit(&r);
}

/*
 * The map's generation is bumped before an ID changes, not after: a
 * thread that sees cpu 1's new xAPIC ID and at once sends to it must
 * reach it, never find a map that is "current" but lacks the new ID.
 */
struct id_race {
	struct rig *r;
	atomic_t stop, ready;
	atomic_t lost, sent;
};

static int id_race_sender(void *p)
{
	struct id_race *x = p;
	struct virq_vcpu *v = x->r->cpu[1];
	u8 id, last = READ_ONCE(v->apic->xapic_id);
	unsigned int spins = 0;

	atomic_set(&x->ready, 1);
	while (!atomic_read(&x->stop)) {
		id = READ_ONCE(v->apic->xapic_id);
		if (id == last) {
			if (!(++spins % 1024))
				cond_resched();
			cpu_relax();
			continue;
		}
		last = id;
		/* The deliverer reads the generation after the ID. */
		smp_rmb();
		if (fixed_msg(x->r, id, false, 0x87, VIRQ_DM_FIXED) < 0)
			atomic_inc(&x->lost);
		atomic_inc(&x->sent);
	}
	return 0;
}

static void bus_map_id_change_race(struct kunit *test)
{
	struct task_struct *t;
	struct id_race x = { };
	struct rig r;
	ktime_t t0;
	int i;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	rig_init(test, &r);
	for (i = 0; i < NCPU; i++)
		enable(r.cpu[i]);
	x.r = &r;
	t = kthread_run(id_race_sender, &x, "virq-id-race");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	t0 = ktime_get();
	while (!atomic_read(&x.ready) && ktime_ms_delta(ktime_get(), t0) < 5000)
		cond_resched();
	/* One change at a time: the ID holds still while it is sent to. */
	for (i = 0; i < 2000; i++) {
		t0 = ktime_get();
		wr(r.cpu[1], 0x20, (i & 1 ? 0x11 : 0x21) << 24);
		while (atomic_read(&x.sent) < i + 1 &&
		       ktime_ms_delta(ktime_get(), t0) < 1000)
			cond_resched();
		if (atomic_read(&x.sent) < i + 1)
			break;
	}
	KUNIT_EXPECT_EQ(test, 2000, i);
	atomic_set(&x.stop, 1);
	kthread_stop(t);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&x.lost));
	kunit_info(test, "%d sends after an ID change", atomic_read(&x.sent));
	rig_exit(&r);
}

/* INIT resets the AP and makes it wait; one SIPI then starts it. */
static void lapic_init_sipi(struct kunit *test)
{
	struct virq_vcpu *ap;
	struct rig r;

	rig_init(test, &r);
	ap = r.cpu[1];
	enable(r.cpu[0]);
	enable(ap);
	wr(ap, 0x80, 0x20);
	send_ipi(r.cpu[0], 1, 0x4500);			/* INIT, assert */
	KUNIT_EXPECT_TRUE(test, reqs(ap) & VIRQ_REQ_INIT);
	KUNIT_EXPECT_EQ(test, 0xff, rd(ap, 0xf0));	/* reset */
	KUNIT_EXPECT_EQ(test, 0, rd(ap, 0x80));
	KUNIT_EXPECT_EQ(test, 0x01000000, rd(ap, 0x20));	/* ID kept */
	send_ipi(r.cpu[0], 1, 0x8500);			/* INIT de-assert */
	send_ipi(r.cpu[0], 1, 0x69a);			/* SIPI 0x9a */
	KUNIT_EXPECT_TRUE(test, reqs(ap) & VIRQ_REQ_SIPI);
	KUNIT_EXPECT_EQ(test, 0x9a, READ_ONCE(ap->run->sipi_vector));
	atomic_andnot(VIRQ_REQ_SIPI, (atomic_t *)&ap->run->requests);
	send_ipi(r.cpu[0], 1, 0x69b);			/* not waiting now */
	KUNIT_EXPECT_FALSE(test, reqs(ap) & VIRQ_REQ_SIPI);
	KUNIT_EXPECT_EQ(test, 0x9a, READ_ONCE(ap->run->sipi_vector));
	rig_exit(&r);
}

/* IA32_APIC_BASE's state machine (SDM 11.12.5) and relocation. */
static void lapic_apic_base(struct kunit *test)
{
	struct virq_vcpu *v;
	struct rig r;

	rig_init(test, &r);
	v = r.cpu[1];
	KUNIT_EXPECT_EQ(test, 1, g_wrmsr(v, 0x1b, 0xfee00400));	/* EXTD, !EN */
	KUNIT_EXPECT_EQ(test, 1, g_wrmsr(v, 0x1b, 0xfee00801));	/* reserved */
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x1b, 0xfee00c00));	/* x2APIC */
	KUNIT_EXPECT_EQ(test, 1, g_wrmsr(v, 0x1b, 0xfee00800));	/* -> xAPIC */
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x1b, 0xfee00000));	/* disable */
	KUNIT_EXPECT_EQ(test, 1, g_wrmsr(v, 0x1b, 0xfee00c00));	/* -> x2APIC */
	/* Disabled: the page reads all ones, nothing is accepted. */
	KUNIT_EXPECT_EQ(test, 0xffffffff, rd(v, 0x30));
	KUNIT_EXPECT_EQ(test, -1, fixed_msg(&r, 1, false, 0, VIRQ_DM_NMI));
	/* Relocated xAPIC: the new page answers, the old is not ours. */
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x1b, 0xfed00800));
	KUNIT_EXPECT_EQ(test, -ENOENT, io(v, VIRQ_IO_MMIO, APIC_MMIO + 0x30, 4,
					  false, &(u64){ 0 }, NULL));
	KUNIT_EXPECT_EQ(test, 0, io(v, VIRQ_IO_MMIO, 0xfed00030, 4, false,
				    &(u64){ 0 }, NULL));
	/* The BSP flag is the platform's: a guest cannot set it. */
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x1b, 0xfed00900));
	KUNIT_EXPECT_EQ(test, 0xfed00800ULL, g_rdmsr(v, 0x1b));
	rig_exit(&r);
}

/* x2APIC: the MSRs, read-only and write-only rules, reserved ones. */
static void lapic_x2apic_msrs(struct kunit *test)
{
	static const u32 ids[] = { 0, 0x25 };
	struct virq_vcpu *v;
	struct rig r;
	u64 val;

	rig_init_ids(test, &r, ids, 2, VIRQ_CHIP_32BIT_IDS);
	v = r.cpu[1];
	KUNIT_EXPECT_EQ(test, 1, msr(v, 0x802, false, &val));	/* xAPIC */
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x1b, 0xfee00c00));
	KUNIT_EXPECT_EQ(test, 0x25ULL, g_rdmsr(v, 0x802));
	KUNIT_EXPECT_EQ(test, (2ULL << 16) | BIT(5), g_rdmsr(v, 0x80d));
	KUNIT_EXPECT_EQ(test, 1, g_wrmsr(v, 0x802, 7));		/* ID: RO */
	KUNIT_EXPECT_EQ(test, 1, g_wrmsr(v, 0x80d, 7));		/* LDR: RO */
	KUNIT_EXPECT_EQ(test, 1, msr(v, 0x80b, false, &val));	/* EOI: WO */
	KUNIT_EXPECT_EQ(test, 1, g_wrmsr(v, 0x80b, 1));		/* EOI != 0 */
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x80b, 0));
	KUNIT_EXPECT_EQ(test, 1, msr(v, 0x80e, false, &val));	/* no DFR */
	KUNIT_EXPECT_EQ(test, 1, msr(v, 0x831, false, &val));	/* no ICR hi */
	KUNIT_EXPECT_EQ(test, 1, msr(v, 0x804, false, &val));	/* reserved */
	KUNIT_EXPECT_EQ(test, 1, g_wrmsr(v, 0x808, 0x100));	/* TPR bits */
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x80f, 0x1ff));
	/* The ICR is one 64-bit MSR; SELF IPI is x2APIC's own. */
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x830, 0x0000002500000061ULL));
	KUNIT_EXPECT_TRUE(test, irr_has_x2(v, 0x61));
	KUNIT_EXPECT_EQ(test, 0x2500000061ULL, g_rdmsr(v, 0x830));
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x83f, 0x62));
	KUNIT_EXPECT_TRUE(test, irr_has_x2(v, 0x62));
	KUNIT_EXPECT_EQ(test, 1, g_wrmsr(v, 0x83f, 0x162));
	/* Above 0x8ff: not the LAPIC's (XSA-108). */
	KUNIT_EXPECT_EQ(test, -ENOENT, io(v, VIRQ_IO_MSR, 0x900, 8, false,
					  &val, NULL));
	KUNIT_EXPECT_EQ(test, -EINVAL, io(v, VIRQ_IO_MSR, 0x802, 4, false,
					  &val, NULL));
	/* The page is not decoded in x2APIC mode. */
	KUNIT_EXPECT_EQ(test, 0xffffffff, rd(v, 0x30));
	rig_exit(&r);
}

/*
 * Every offset and size of the page: a defined result, never past it.
 * Sizes 1, 2, 4 and 8 are accesses; any other is EINVAL (len 0 used to
 * build GENMASK_ULL(-1, 0)), the page decoded or not.
 */
static void lapic_page_every_offset(struct kunit *test)
{
	struct rig r;
	u32 off, l;
	bool ok;
	u64 d;

	rig_init(test, &r);
	enable(r.cpu[0]);
	for (off = 0; off < 0x1000; off++) {
		for (l = 0; l <= 16; l++) {
			ok = l == 1 || l == 2 || l == 4 || l == 8;
			d = 0xabcd;
			KUNIT_EXPECT_EQ_MSG(test, ok ? 0 : -EINVAL,
					    io(r.cpu[0], VIRQ_IO_MMIO,
					       APIC_MMIO + off, l, false, &d,
					       NULL), "off %#x len %u", off, l);
			if (ok && (off >= 0x400 || (off & 0xf) >= 4))
				KUNIT_EXPECT_EQ(test, 0ULL, d);
		}
	}
	/* Not decoded (x2APIC mode): the sizes are checked all the same. */
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(r.cpu[1], 0x1b, 0xfee00c00));
	for (l = 0; l <= 16; l++) {
		ok = l == 1 || l == 2 || l == 4 || l == 8;
		KUNIT_EXPECT_EQ_MSG(test, ok ? 0 : -EINVAL,
				    io(r.cpu[1], VIRQ_IO_MMIO, APIC_MMIO + 0x30,
				       l, false, &d, NULL), "len %u", l);
		KUNIT_EXPECT_EQ_MSG(test, ok ? 0 : -EINVAL,
				    io(r.cpu[1], VIRQ_IO_MMIO, APIC_MMIO + 0x80,
				       l, true, &d, NULL), "len %u", l);
	}
	/* Bytes of the version register. */
	d = 0;
	io(r.cpu[0], VIRQ_IO_MMIO, APIC_MMIO + 0x32, 1, false, &d, NULL);
	KUNIT_EXPECT_EQ(test, 0x05ULL, d);
	rig_exit(&r);
}

/* ESR: errors latch; a write makes them visible and starts afresh. */
static void lapic_esr(struct kunit *test)
{
	struct virq_vcpu *v;
	struct rig r;

	rig_init(test, &r);
	v = r.cpu[0];
	enable(v);
	send_ipi(v, 1, 0x05);			/* illegal vector */
	KUNIT_EXPECT_EQ(test, 0, rd(v, 0x280));
	wr(v, 0x280, 0);
	KUNIT_EXPECT_EQ(test, 0x20, rd(v, 0x280));
	wr(v, 0x280, 0);
	KUNIT_EXPECT_EQ(test, 0, rd(v, 0x280));
	fixed_msg(&r, 0, false, 0x03, VIRQ_DM_FIXED);	/* received */
	wr(v, 0x280, 0);
	KUNIT_EXPECT_EQ(test, 0x40, rd(v, 0x280));
	rig_exit(&r);
}

/* The timer's expiry count, masked ones included. */
static u64 fired(struct virq_vcpu *v)
{
	unsigned long flags;
	u64 n;

	spin_lock_irqsave(&v->irq_lock, flags);
	n = v->apic->timer_fired;
	spin_unlock_irqrestore(&v->irq_lock, flags);
	return n;
}

static void lapic_timer_oneshot(struct kunit *test)
{
	struct virq_vcpu *v;
	ktime_t t0, t1, seen;
	struct rig r;
	u32 c1, c2;

	rig_init(test, &r);
	v = r.cpu[0];
	enable(v);
	wr(v, 0x3e0, 0xb);			/* divide by 1 */
	wr(v, 0x320, 0xe0);			/* one-shot, vector 0xe0 */
	t0 = ktime_get();
	wr(v, 0x380, 20000000);			/* 20 ms at 1 GHz */
	c1 = rd(v, 0x390);
	usleep_range(100, 200);
	c2 = rd(v, 0x390);
	t1 = ktime_get();
	KUNIT_EXPECT_LE(test, c1, 20000000U);
	/* A stalled VM may have let it expire; if not, it counts down. */
	if (ktime_to_ns(ktime_sub(t1, t0)) < 20000000) {
		KUNIT_EXPECT_GT(test, c1, 0U);
		KUNIT_EXPECT_LT(test, c2, c1);
	}
	/* Never early: whenever IRR shows it, 20 ms have passed. */
	while (!irr_has(v, 0xe0) && ktime_ms_delta(ktime_get(), t0) < 5000) {
		if (ktime_ms_delta(ktime_get(), t0) < 20)
			KUNIT_EXPECT_GT(test, rd(v, 0x390), 0U);
		usleep_range(500, 1000);
	}
	seen = ktime_get();
	KUNIT_EXPECT_TRUE(test, irr_has(v, 0xe0));
	KUNIT_EXPECT_GE(test, ktime_to_ns(ktime_sub(seen, t0)), 20000000LL);
	KUNIT_EXPECT_EQ(test, 0, rd(v, 0x390));		/* stopped at 0 */
	KUNIT_EXPECT_EQ(test, 0xe0, virq_vcpu_ack(v));
	wr(v, 0xb0, 0);
	msleep(30);
	KUNIT_EXPECT_FALSE(test, irr_has(v, 0xe0));	/* once */
	rig_exit(&r);
}

static void lapic_timer_periodic_and_switch(struct kunit *test)
{
	struct virq_vcpu *v;
	ktime_t t0, t1;
	struct rig r;
	u64 n;

	rig_init(test, &r);
	v = r.cpu[0];
	enable(v);
	wr(v, 0x3e0, 0xb);
	wr(v, 0x320, 0x300e1);			/* periodic, masked: counts */
	t0 = ktime_get();
	wr(v, 0x380, 2000000);			/* 2 ms */
	/*
	 * 25 expiries come (a slow VM may take longer than 50 ms, not
	 * forever), never more than one per 2 ms since the start.
	 */
	do {
		usleep_range(1000, 2000);
		n = fired(v);
		t1 = ktime_get();
		KUNIT_EXPECT_LE(test, n, ktime_to_ns(ktime_sub(t1, t0)) /
					 2000000 + 1);
	} while (n < 25 && ktime_ms_delta(t1, t0) < 10000);
	KUNIT_EXPECT_GE(test, n, 25ULL);
	KUNIT_EXPECT_FALSE(test, irr_has(v, 0xe1));	/* masked */
	KUNIT_EXPECT_GT(test, rd(v, 0x390), 0U);	/* still counting */
	/* To TSC-deadline mode: the countdown stops. */
	wr(v, 0x320, 0x400e1);
	KUNIT_EXPECT_EQ(test, 0, rd(v, 0x390));
	KUNIT_EXPECT_EQ(test, 0, rd(v, 0x380));
	n = fired(v);
	msleep(20);
	KUNIT_EXPECT_EQ(test, n, fired(v));
	rig_exit(&r);
}

/*
 * A periodic period below min_timer_period_us (200 us by default) runs at
 * 200 us: divide by 1 and a count of 1 is not a 1 ns hrtimer. The same
 * for a one-shot count switched to periodic while it runs.
 */
static void lapic_timer_periodic_floor(struct kunit *test)
{
	const s64 floor = 200000;
	struct virq_vcpu *v;
	ktime_t t0, t1;
	struct rig r;
	u64 n, n0;
	int round;

	rig_init(test, &r);
	v = r.cpu[0];
	enable(v);
	wr(v, 0x3e0, 0xb);			/* divide by 1: 1 ns per tick */
	for (round = 0; round < 2; round++) {
		n0 = fired(v);
		if (round == 0) {
			wr(v, 0x320, 0x300e1);	/* periodic, masked */
			t0 = ktime_get();
			wr(v, 0x380, 1);	/* 1 ns */
		} else {
			wr(v, 0x320, 0x100e1);	/* one-shot, masked */
			t0 = ktime_get();
			wr(v, 0x380, 100000);	/* 100 us */
			wr(v, 0x320, 0x300e1);	/* now periodic */
		}
		msleep(20);
		n = fired(v) - n0;
		t1 = ktime_get();
		KUNIT_EXPECT_GE_MSG(test, n, 1ULL, "round %d", round);
		KUNIT_EXPECT_LE_MSG(test, n,
				    ktime_to_ns(ktime_sub(t1, t0)) / floor + 1,
				    "round %d", round);
		wr(v, 0x380, 0);		/* stop */
	}
	rig_exit(&r);
}

/*
 * A slow TSC and a deadline far away: the conversion to nanoseconds must
 * not divide-fault (mulq/divq with a quotient past 64 bits) on the MSR
 * write, on SET_CLOCK or on SET_LAPIC. The timer simply never fires.
 */
static void lapic_timer_deadline_far(struct kunit *test)
{
	struct virq_vcpu_clock c = { .bus_hz = 1000000000,
				     .tsc_hz = 100000000 };
	struct virq_lapic_state *st;
	struct virq_vcpu *v;
	struct rig r;
	ktime_t t0;

	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	rig_init(test, &r);
	v = r.cpu[0];
	enable(v);
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_set_clock(v, &c));
	wr(v, 0x320, 0x400e2);
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x6e0, 1ULL << 62));
	KUNIT_EXPECT_EQ(test, 1ULL << 62, g_rdmsr(v, 0x6e0));
	/* Unsigned, as the TSC compares: 2^64 - 1 is far ahead, not past. */
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x6e0, ~0ULL));
	msleep(20);
	KUNIT_EXPECT_FALSE(test, irr_has(v, 0xe2));
	KUNIT_EXPECT_EQ(test, ~0ULL, g_rdmsr(v, 0x6e0));
	c.tsc_hz = 1000;			/* the slowest allowed */
	KUNIT_EXPECT_EQ(test, 0, virq_lapic_set_clock(v, &c));
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_get_state(v, st));
	st->tsc_deadline = 1ULL << 62;
	KUNIT_EXPECT_EQ(test, 0, virq_lapic_set_state(v, st));
	/* A near one at 1 kHz still fires: 5 ticks ahead (5 ms). */
	t0 = ktime_get();
	g_wrmsr(v, 0x6e0, ktime_get_ns() / 1000000 + 5);
	while (!irr_has(v, 0xe2) && ktime_ms_delta(ktime_get(), t0) < 5000)
		usleep_range(1000, 2000);
	KUNIT_EXPECT_TRUE(test, irr_has(v, 0xe2));
	KUNIT_EXPECT_EQ(test, 0ULL, g_rdmsr(v, 0x6e0));
	rig_exit(&r);
}

/*
 * An expiry that is due while its callback has not run yet (it waits for
 * irq_lock, or runs late) is made to look so by cancelling the hrtimer
 * behind the model's back. SET_CLOCK must not drop it, and GET must save
 * it with its vector in IRR, so that SET elsewhere delivers it.
 */
static void lapic_timer_due_not_lost(struct kunit *test)
{
	struct virq_vcpu_clock c = { .bus_hz = 1000000000,
				     .tsc_hz = 1000000000 };
	struct virq_lapic_state *st;
	struct virq_vcpu *v;
	struct rig r;
	ktime_t t0;
	u32 w;

	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	rig_init(test, &r);
	v = r.cpu[1];
	enable(v);
	wr(v, 0x3e0, 0xb);
	wr(v, 0x320, 0xe3);			/* one-shot */
	wr(v, 0x380, 200000000);		/* 200 ms */
	KUNIT_ASSERT_EQ(test, 1, hrtimer_cancel(&v->apic->timer));
	msleep(250);
	KUNIT_EXPECT_FALSE(test, irr_has(v, 0xe3));
	KUNIT_EXPECT_EQ(test, 0, virq_lapic_set_clock(v, &c));
	KUNIT_EXPECT_TRUE(test, irr_has(v, 0xe3));
	KUNIT_EXPECT_TRUE(test, reqs(v) & VIRQ_REQ_INTR);
	KUNIT_EXPECT_EQ(test, 0xe3, virq_vcpu_ack(v));
	wr(v, 0xb0, 0);
	KUNIT_EXPECT_EQ(test, 0U, rd(v, 0x390));

	/* Saved while due: the vector is in the saved IRR. */
	wr(v, 0x380, 200000000);
	KUNIT_ASSERT_EQ(test, 1, hrtimer_cancel(&v->apic->timer));
	msleep(250);
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_get_state(v, st));
	memcpy(&w, &st->regs[0x200 + (0xe3 / 32) * 16], 4);
	KUNIT_EXPECT_TRUE(test, w & BIT(0xe3 % 32));
	memcpy(&w, &st->regs[0x390], 4);
	KUNIT_EXPECT_EQ(test, 0U, w);
	rig_exit(&r);
	rig_init(test, &r);
	v = r.cpu[1];
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_set_state(v, st));
	KUNIT_EXPECT_EQ(test, 0xe3, virq_vcpu_ack(v));

	/* Periodic: the due tick is delivered and the timer goes on. */
	wr(v, 0xb0, 0);
	wr(v, 0x320, 0x200e4);
	wr(v, 0x380, 200000000);		/* 200 ms */
	KUNIT_ASSERT_EQ(test, 1, hrtimer_cancel(&v->apic->timer));
	msleep(250);
	KUNIT_EXPECT_EQ(test, 0, virq_lapic_set_clock(v, &c));
	KUNIT_EXPECT_TRUE(test, irr_has(v, 0xe4));
	KUNIT_EXPECT_GT(test, rd(v, 0x390), 0U);
	KUNIT_EXPECT_EQ(test, 0xe4, virq_vcpu_ack(v));
	wr(v, 0xb0, 0);
	t0 = ktime_get();
	while (!irr_has(v, 0xe4) && ktime_ms_delta(ktime_get(), t0) < 5000)
		usleep_range(1000, 2000);
	KUNIT_EXPECT_TRUE(test, irr_has(v, 0xe4));
	wr(v, 0x380, 0);
	rig_exit(&r);
}

/*
 * SDM vol. 3, "APIC Timer": the count decrements at the bus clock divided
 * by DCR. A DCR write while counting changes the rate of the running
 * count: 80,000,000 ticks at divide-by-128 (10.24 s at 1 GHz) switched to
 * divide-by-1 end some 80 ms later, not 10 s later.
 */
static void lapic_timer_dcr_mid_count(struct kunit *test)
{
	struct virq_vcpu *v;
	struct rig r;
	ktime_t t0;
	u32 c;

	rig_init(test, &r);
	v = r.cpu[0];
	enable(v);
	wr(v, 0x3e0, 0xa);			/* divide by 128 */
	wr(v, 0x320, 0xe5);
	wr(v, 0x380, 80000000);
	t0 = ktime_get();
	wr(v, 0x3e0, 0xb);			/* divide by 1 */
	c = rd(v, 0x390);
	KUNIT_EXPECT_GT(test, c, 0U);
	KUNIT_EXPECT_LE(test, c, 80000000U);
	while (!irr_has(v, 0xe5) && ktime_ms_delta(ktime_get(), t0) < 3000)
		usleep_range(1000, 2000);
	KUNIT_EXPECT_TRUE(test, irr_has(v, 0xe5));
	rig_exit(&r);
}

/*
 * Re-arming while an expiry's callback waits for irq_lock: the stale
 * callback must do nothing. Each round arms a 2 us count (soon due, its
 * callback possibly spinning on the lock), then re-arms 5 ms; no expiry
 * may be counted before those 5 ms have passed.
 */
static void lapic_timer_rearm_while_due(struct kunit *test)
{
	struct virq_vcpu *v;
	ktime_t t_arm;
	struct rig r;
	int round, d;
	u64 n0;

	rig_init(test, &r);
	v = r.cpu[0];
	enable(v);
	wr(v, 0x3e0, 0xb);
	wr(v, 0x320, 0x100e6);			/* one-shot, masked */
	for (round = 0; round < 300; round++) {
		wr(v, 0x380, 2000);
		for (d = round % 7; d; d--)
			udelay(1);
		t_arm = ktime_get();
		wr(v, 0x380, 5000000);
		n0 = fired(v);
		usleep_range(200, 300);
		if (ktime_to_ns(ktime_sub(ktime_get(), t_arm)) < 5000000)
			KUNIT_EXPECT_EQ_MSG(test, n0, fired(v), "round %d",
					    round);
	}
	wr(v, 0x380, 0);
	rig_exit(&r);
}

static void lapic_timer_tsc_deadline(struct kunit *test)
{
	struct virq_vcpu_clock c = { .bus_hz = 1000000000,
				     .tsc_hz = 2000000000 };
	struct virq_vcpu *v;
	struct rig r;
	u64 now;
	int i;

	rig_init(test, &r);
	v = r.cpu[0];
	enable(v);
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_set_clock(v, &c));
	KUNIT_EXPECT_EQ(test, 0ULL, g_rdmsr(v, 0x6e0));	/* not in the mode */
	wr(v, 0x320, 0x400e2);
	now = ktime_get_ns() * 2;			/* guest TSC */
	/* Far enough that a preempted test VM cannot see it fire. */
	g_wrmsr(v, 0x6e0, now + 2 * 10000000000ULL);	/* in 10 s */
	KUNIT_EXPECT_EQ(test, now + 20000000000ULL, g_rdmsr(v, 0x6e0));
	KUNIT_EXPECT_FALSE(test, irr_has(v, 0xe2));
	g_wrmsr(v, 0x6e0, now + 2 * 20000000);		/* in 20 ms */
	for (i = 0; i < 100 && !irr_has(v, 0xe2); i++)
		msleep(20);
	KUNIT_EXPECT_TRUE(test, irr_has(v, 0xe2));
	KUNIT_EXPECT_EQ(test, 0ULL, g_rdmsr(v, 0x6e0));	/* fired: 0 */
	c.reserved[0] = 1;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_lapic_set_clock(v, &c));
	c.reserved[0] = 0;
	c.bus_hz = 0;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_lapic_set_clock(v, &c));
	rig_exit(&r);
}

/*
 * A deadline at or below the guest's TSC is due now: its vector is in IRR
 * when the write returns, not when an hrtimer gets to run. Interrupts are
 * off around the write and the check, so no timer can run in between on
 * this CPU (an hrtimer is queued on the CPU that arms it). The TSC just
 * read counts as past.
 */
static void lapic_timer_tsc_deadline_past(struct kunit *test)
{
	struct virq_vcpu_clock c = { .bus_hz = 1000000000,
				     .tsc_hz = 1000000000 };
	unsigned long flags;
	struct virq_vcpu *v;
	struct rig r;
	bool pending;
	int i;

	rig_init(test, &r);
	v = r.cpu[0];
	enable(v);
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_set_clock(v, &c));
	wr(v, 0x320, 0x400e4);
	for (i = 0; i < 3; i++) {
		local_irq_save(flags);
		g_wrmsr(v, 0x6e0, i == 0 ? 1 : i == 1 ? ktime_get_ns() :
			ktime_get_ns() - 1000);
		pending = irr_has(v, 0xe4);
		local_irq_restore(flags);
		KUNIT_EXPECT_TRUE_MSG(test, pending, "deadline %d", i);
		KUNIT_EXPECT_EQ(test, 0ULL, g_rdmsr(v, 0x6e0));	/* fired */
		KUNIT_EXPECT_EQ(test, 0xe4, virq_vcpu_ack(v));
		wr(v, 0xb0, 0);
	}
	rig_exit(&r);
}

/*
 * LINT0 and LINT1 in SMI and INIT delivery modes: the asserting edge
 * makes the request (SDM 11.5.1 allows both on the LINT pins); INIT
 * resets the LAPIC as an INIT message does.
 */
static void lapic_lint_smi_init(struct kunit *test)
{
	struct virq_vcpu *v;
	struct rig r;
	u32 pin;

	rig_init(test, &r);
	v = r.cpu[1];
	for (pin = 0; pin < 2; pin++) {
		enable(v);
		wr(v, 0x350 + 0x10 * pin, 0x200);		/* SMI */
		KUNIT_EXPECT_EQ(test, 0, virq_lapic_set_lint(v, pin, 1));
		KUNIT_EXPECT_TRUE(test, reqs(v) & VIRQ_REQ_SMI);
		atomic_andnot(VIRQ_REQ_SMI, (atomic_t *)&v->run->requests);
		virq_lapic_set_lint(v, pin, 1);			/* no edge */
		KUNIT_EXPECT_FALSE(test, reqs(v) & VIRQ_REQ_SMI);
		virq_lapic_set_lint(v, pin, 0);
		wr(v, 0x80, 0x30);
		wr(v, 0x350 + 0x10 * pin, 0x500);		/* INIT */
		KUNIT_EXPECT_EQ(test, 0, virq_lapic_set_lint(v, pin, 1));
		KUNIT_EXPECT_TRUE(test, reqs(v) & VIRQ_REQ_INIT);
		KUNIT_EXPECT_EQ(test, 0U, rd(v, 0x80));
		KUNIT_EXPECT_EQ(test, 0xffU, rd(v, 0xf0));
		KUNIT_EXPECT_TRUE(test, v->apic->wait_sipi);
		atomic_andnot(VIRQ_REQ_INIT, (atomic_t *)&v->run->requests);
		virq_lapic_set_lint(v, pin, 0);
	}
	rig_exit(&r);
}

/* LINT: the PIC through the BSP's LINT0 (ExtINT); NMI on LINT1. */
static void lapic_lint(struct kunit *test)
{
	struct virq_vcpu *bsp;
	struct rig r;
	u8 b;

	rig_init(test, &r);
	bsp = r.cpu[0];
	b = 0x11; virq_pic_pio(r.chip->pic, 0x20, true, &b);
	b = 0x30; virq_pic_pio(r.chip->pic, 0x21, true, &b);
	b = 0x04; virq_pic_pio(r.chip->pic, 0x21, true, &b);
	b = 0x01; virq_pic_pio(r.chip->pic, 0x21, true, &b);
	virq_pic_set_irq(r.chip->pic, 0, 4, 1);
	KUNIT_EXPECT_EQ(test, VIRQ_REQ_INTR | VIRQ_REQ_EXTINT,
			reqs(bsp) & (VIRQ_REQ_INTR | VIRQ_REQ_EXTINT));
	KUNIT_EXPECT_EQ(test, 0x34, virq_vcpu_ack(bsp));
	/* LVT0 masked: the PIC no longer reaches the CPU. */
	enable(bsp);
	wr(bsp, 0x350, 0x10700);
	b = 0x20; virq_pic_pio(r.chip->pic, 0x20, true, &b);
	virq_pic_set_irq(r.chip->pic, 0, 5, 1);
	KUNIT_EXPECT_FALSE(test, reqs(bsp) & VIRQ_REQ_INTR);
	wr(bsp, 0x350, 0x700);
	KUNIT_EXPECT_TRUE(test, reqs(bsp) & VIRQ_REQ_EXTINT);
	/* LINT1 as NMI, driven by the VMM. */
	wr(bsp, 0x360, 0x400);
	KUNIT_EXPECT_EQ(test, 0, virq_lapic_set_lint(bsp, 1, 1));
	KUNIT_EXPECT_TRUE(test, reqs(bsp) & VIRQ_REQ_NMI);
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_lapic_set_lint(bsp, 2, 1));
	rig_exit(&r);
}

static struct virq_lapic_state *new_state(struct kunit *test)
{
	struct virq_lapic_state *st = kunit_kzalloc(test, sizeof(*st),
						    GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, st);
	return st;
}

static void lapic_state_roundtrip_and_checks(struct kunit *test)
{
	struct virq_lapic_state *a = new_state(test), *b = new_state(test);
	struct virq_vcpu *v;
	struct rig r;

	rig_init(test, &r);
	v = r.cpu[1];
	enable(v);
	wr(v, 0x80, 0x20);
	wr(v, 0xd0, 0x04000000);
	fixed_msg(&r, 1, false, 0x91, VIRQ_DM_FIXED);
	fixed_msg(&r, 1, false, 0x81, VIRQ_DM_FIXED);
	KUNIT_EXPECT_EQ(test, 0x91, virq_vcpu_ack(v));
	wr(v, 0x320, 0x000e5);
	wr(v, 0x380, 500000000);		/* 0.5 s at divide 2 */
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_get_state(v, a));
	KUNIT_EXPECT_GT(test, *(u32 *)&a->regs[0x390], 0U);
	rig_exit(&r);

	rig_init(test, &r);
	v = r.cpu[1];
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_set_state(v, a));
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_get_state(v, b));
	/* The current count moved on; the rest is as saved. */
	*(u32 *)&b->regs[0x390] = *(u32 *)&a->regs[0x390];
	KUNIT_EXPECT_EQ(test, 0, memcmp(a, b, sizeof(*a)));
	KUNIT_EXPECT_EQ(test, 0x20, rd(v, 0x80));
	wr(v, 0xb0, 0);				/* 0x91 */
	KUNIT_EXPECT_EQ(test, 0x81, virq_vcpu_ack(v));
	/* Rejected: reserved bits, a foreign BSP flag, reserved fields. */
	*b = *a;
	*(u32 *)&b->regs[0x80] = 0x100;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_lapic_set_state(v, b));
	*b = *a;
	b->apic_base |= 0x100;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_lapic_set_state(v, b));
	*b = *a;
	b->reserved[3] = 1;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_lapic_set_state(v, b));
	*b = *a;
	*(u32 *)&b->regs[0x34] = 1;		/* between registers */
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_lapic_set_state(v, b));
	*b = *a;
	b->apic_base |= 0x400;			/* x2APIC: ID must fit */
	*(u32 *)&b->regs[0x20] = 7;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_lapic_set_state(v, b));
	KUNIT_EXPECT_EQ(test, 0x20, rd(v, 0x80));	/* unchanged */
	rig_exit(&r);
}

static u32 sreg(const struct virq_lapic_state *st, u32 off)
{
	u32 v;

	memcpy(&v, &st->regs[off], 4);
	return v;
}

static void set_sreg(struct virq_lapic_state *st, u32 off, u32 v)
{
	memcpy(&st->regs[off], &v, 4);
}

/*
 * SET_LAPIC refuses what no LAPIC can hold, each check on its own (the
 * rest of the state valid), and accepts everything GET can return: a
 * guest-written DFR model, a disabled APIC, the BSP's reset state, a
 * level LINT0 in service.
 */
static void lapic_state_rejects_impossible(struct kunit *test)
{
	struct virq_lapic_state *a = new_state(test), *b = new_state(test);
	struct virq_vcpu *v, *bsp;
	struct rig r;

#define REJECT(what) do {						\
		*b = *a;						\
		what;							\
		KUNIT_EXPECT_EQ_MSG(test, -EINVAL,			\
				    virq_lapic_set_state(v, b), #what);	\
	} while (0)

	rig_init(test, &r);
	v = r.cpu[1];
	enable(v);
	wr(v, 0x350, 0x8040);			/* LINT0: level, fixed 0x40 */
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_set_lint(v, 0, 1));
	KUNIT_EXPECT_TRUE(test, rd(v, 0x350) & BIT(14));	/* in service */
	wr(v, 0xe0, 0x5fffffff);		/* a model that is neither */
	KUNIT_EXPECT_EQ(test, 0x5fffffffU, rd(v, 0xe0));
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_get_state(v, a));
	/* Everything GET returns, SET accepts. */
	KUNIT_EXPECT_EQ(test, 0, virq_lapic_set_state(v, a));

	/* (a) remote IRR only on LINT0/1 in level fixed mode. */
	REJECT(set_sreg(b, 0x320, sreg(b, 0x320) | BIT(14)));
	REJECT(set_sreg(b, 0x370, sreg(b, 0x370) | BIT(14)));
	REJECT(set_sreg(b, 0x350, (sreg(b, 0x350) & ~BIT(15)))); /* edge */
	REJECT(set_sreg(b, 0x350, sreg(b, 0x350) | 0x400));	/* NMI */
	REJECT(set_sreg(b, 0x320, sreg(b, 0x320) | BIT(12)));	/* delivs */
	/* (c) vectors 0-15 are never pending, in service or level. */
	REJECT(set_sreg(b, 0x200, BIT(5)));
	REJECT(set_sreg(b, 0x100, BIT(15)));
	REJECT(set_sreg(b, 0x180, BIT(0)));
	/* (d) unmasked LVT while software-disabled, mode 11b, ESR, ... */
	*b = *a;				/* software-disabled, all masked */
	set_sreg(b, 0xf0, 0xff);
	set_sreg(b, 0x350, 0x1c040);
	KUNIT_EXPECT_EQ(test, 0, virq_lapic_set_state(v, b));
	REJECT(set_sreg(b, 0xf0, 0xff); set_sreg(b, 0x350, 0x1c040);
	       set_sreg(b, 0x370, 0x40));
	REJECT(set_sreg(b, 0x320, 0x60000 | 0xe0));
	REJECT(set_sreg(b, 0x280, 0x100));
	REJECT(set_sreg(b, 0x320, 0x400e0); set_sreg(b, 0x380, 5));
	REJECT(b->tsc_deadline = 12345);
	/* (b) globally disabled: the power-up state only. */
	REJECT(b->apic_base &= ~0x800ULL);
	rig_exit(&r);

	rig_init(test, &r);
	bsp = r.cpu[0];
	/* The BSP's reset state: software-disabled, LINT0 ExtINT unmasked. */
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_get_state(bsp, a));
	KUNIT_EXPECT_EQ(test, 0x700U, sreg(a, 0x350));
	KUNIT_EXPECT_EQ(test, 0, virq_lapic_set_state(bsp, a));
	v = bsp;
	REJECT(b->flags |= VIRQ_LAPIC_STATE_WAIT_SIPI);
	/* A disabled APIC round-trips; one with state in it does not. */
	v = r.cpu[1];
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x1b, 0xfee00000));
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_get_state(v, a));
	KUNIT_EXPECT_EQ(test, 0, virq_lapic_set_state(v, a));
	REJECT(set_sreg(b, 0x220, 1));
	REJECT(set_sreg(b, 0xf0, 0x1ff));
	REJECT(set_sreg(b, 0x380, 1000); set_sreg(b, 0x320, 0xe0));
	REJECT(set_sreg(b, 0xd0, 0x01000000));
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_get_state(v, b));
	KUNIT_EXPECT_EQ(test, 0, memcmp(a, b, sizeof(*a)));
	rig_exit(&r);
#undef REJECT
}

/*
 * x2APIC state: the 32-bit ID at 0x20 and the ICR's destination at 0x310
 * round-trip; an ID that is not the vCPU's (with the LDR derived from
 * it) and an LDR not derived from the right ID are each refused.
 */
static void lapic_state_x2apic_roundtrip(struct kunit *test)
{
	static const u32 ids[] = { 0, 0x12345 };
	struct virq_lapic_state *a = new_state(test), *b = new_state(test);
	struct virq_vcpu *v;
	struct rig r;

	rig_init_ids(test, &r, ids, 2, VIRQ_CHIP_32BIT_IDS);
	v = r.cpu[1];
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x1b, 0xfee00c00));
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x80f, 0x11ff));
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x808, 0x20));
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x837, 0xfe));
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x83f, 0x91));	/* self */
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x83f, 0xa1));
	KUNIT_EXPECT_EQ(test, 0xa1, virq_vcpu_ack(v));
	/* An IPI to an x2APIC ID nobody has: the ICR keeps it. */
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x830, 0x00abcdef000000b1ULL));
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x83e, 0x3));
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x832, 0x200e7));
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x838, 500000000));
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_get_state(v, a));
	KUNIT_EXPECT_EQ(test, 0x12345U, sreg(a, 0x20));
	KUNIT_EXPECT_EQ(test, 0x00abcdefU, sreg(a, 0x310));
	KUNIT_EXPECT_EQ(test, (0x1234U << 16) | BIT(5), sreg(a, 0xd0));
	rig_exit(&r);

	rig_init_ids(test, &r, ids, 2, VIRQ_CHIP_32BIT_IDS);
	v = r.cpu[1];
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_set_state(v, a));
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_get_state(v, b));
	set_sreg(b, 0x390, sreg(a, 0x390));	/* the count moved on */
	KUNIT_EXPECT_EQ(test, 0, memcmp(a, b, sizeof(*a)));
	KUNIT_EXPECT_EQ(test, 0x12345ULL, g_rdmsr(v, 0x802));
	KUNIT_EXPECT_EQ(test, 0x00abcdef000000b1ULL, g_rdmsr(v, 0x830));
	KUNIT_EXPECT_EQ(test, 0x20ULL, g_rdmsr(v, 0x808));
	KUNIT_EXPECT_TRUE(test, irr_has_x2(v, 0x91));
	/* Each x2APIC check alone. */
	*b = *a;
	set_sreg(b, 0x20, 0x12346);
	set_sreg(b, 0xd0, (0x1234U << 16) | BIT(6));
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_lapic_set_state(v, b));
	*b = *a;
	set_sreg(b, 0xd0, (0x1234U << 16) | BIT(6));
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_lapic_set_state(v, b));
	*b = *a;
	KUNIT_EXPECT_EQ(test, 0, virq_lapic_set_state(v, b));
	g_wrmsr(v, 0x838, 0);
	rig_exit(&r);
}

/*
 * x2APIC: a read-modify-write of an LVT carries its read-only bits back
 * (remote IRR of a level LINT0 in service, delivery status): not #GP,
 * and they stay what the APIC says. Reserved bits still fault.
 */
static void lapic_x2apic_lvt_rmw(struct kunit *test)
{
	struct virq_vcpu *v;
	struct rig r;
	u64 lvt0;

	rig_init(test, &r);
	v = r.cpu[1];
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x1b, 0xfee00c00));
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x80f, 0x1ff));
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x835, 0x8040));
	KUNIT_ASSERT_EQ(test, 0, virq_lapic_set_lint(v, 0, 1));
	lvt0 = g_rdmsr(v, 0x835);
	KUNIT_EXPECT_EQ(test, 0xc040ULL, lvt0);	/* remote IRR set */
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x835, lvt0));
	KUNIT_EXPECT_EQ(test, 0xc040ULL, g_rdmsr(v, 0x835));
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x835, lvt0 | BIT(12)));
	KUNIT_EXPECT_EQ(test, 0xc040ULL, g_rdmsr(v, 0x835));
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x832, 0x100e8 | BIT(12)));
	KUNIT_EXPECT_EQ(test, 0x100e8ULL, g_rdmsr(v, 0x832));
	KUNIT_EXPECT_EQ(test, 1, g_wrmsr(v, 0x832, 0x100e8 | BIT(14)));
	KUNIT_EXPECT_EQ(test, 1, g_wrmsr(v, 0x832, 0x100e8 | BIT(20)));
	/* The EOI of 0x40 releases LINT0; still asserted, it fires again. */
	KUNIT_EXPECT_EQ(test, 0x40, virq_vcpu_ack(v));
	KUNIT_EXPECT_EQ(test, 0, g_wrmsr(v, 0x80b, 0));
	KUNIT_EXPECT_TRUE(test, irr_has_x2(v, 0x40));
	rig_exit(&r);
}

/*
 * A chip of 8 vCPUs with random IDs, logical IDs, models and modes. In a
 * "disjoint" round no two vCPUs share a physical or logical ID, so the
 * map must serve the model itself; otherwise LDRs and xAPIC IDs are
 * random and may collide (the map must then fall back to the scan). Some
 * x2APIC rounds use IDs from 2^20 on, whose logical IDs alias lower ones.
 */
static struct virq_chip *random_chip(struct kunit *test, unsigned int round,
				     bool disjoint, bool high, u32 *idv)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC | VIRQ_CHIP_LAPIC |
			 VIRQ_CHIP_32BIT_IDS,
		.nr_ioapics = 1, .max_vcpus = 8,
	};
	bool x2 = round % 4 == 3, cluster = round % 4 == 2;
	unsigned int i, j, nslots = cluster ? 60 : 8;
	u8 slots[60], tmp;
	struct virq_chip *chip;
	struct virq_vcpu *v;

	/* A random permutation of the logical slots (flat: 8, cluster: 60). */
	for (i = 0; i < nslots; i++)
		slots[i] = i;
	for (i = nslots - 1; i > 0; i--) {
		j = get_random_u32_below(i + 1);
		tmp = slots[i];
		slots[i] = slots[j];
		slots[j] = tmp;
	}
	chip = virq_chip_alloc(&cfg);
	KUNIT_ASSERT_FALSE(test, IS_ERR(chip));
	for (i = 0; i < 8; i++) {
		if (!x2)
			idv[i] = i;
		else if (high && i % 2)		/* an alias of the one before */
			idv[i] = idv[i - 1] + BIT(20) * (1 + i / 2);
		else
			idv[i] = get_random_u32_below(64) * 8 + i;
		v = virq_vcpu_add(chip, idv[i]);
		if (IS_ERR(v)) {		/* a duplicate random ID */
			idv[i] = 1000 + i;
			v = virq_vcpu_add(chip, idv[i]);
		}
		KUNIT_ASSERT_FALSE(test, IS_ERR(v));
		enable(v);
		if (x2) {
			g_wrmsr(v, 0x1b, 0xfee00c00);
			continue;
		}
		if (cluster)
			wr(v, 0xe0, 0x0fffffff);
		if (!disjoint)
			wr(v, 0xd0, (get_random_u32() & 0xff) << 24);
		else if (cluster)	/* cluster 0-14, one member bit */
			wr(v, 0xd0, ((slots[i] / 4) << 4 |
				     BIT(slots[i] % 4)) << 24);
		else			/* flat: one bit each */
			wr(v, 0xd0, BIT(24 + slots[i]));
		if (!disjoint && get_random_u32() % 8 == 0)
			wr(v, 0x20, (get_random_u32() % 8) << 24);
	}
	virq_apic_map_update(chip);
	return chip;
}

/* Send @m; each vCPU must have it exactly when the architecture says. */
static void check_delivery(struct kunit *test, struct virq_chip *chip,
			   const struct virq_irq_msg *m, const char *what)
{
	struct virq_apic_ids ids;
	unsigned long flags;
	struct virq_kicks k;
	struct virq_vcpu *v;
	unsigned int i;
	bool want, got;

	virq_kicks_init(&k);
	virq_deliver_msg(chip, m, &k, NULL);
	virq_kicks_flush(chip, &k);
	for (i = 0; i < 8; i++) {
		v = chip->vcpus[i];
		spin_lock_irqsave(&v->irq_lock, flags);
		virq_lapic_ids_locked(v, &ids);
		want = virq_msg_matches(&ids, m);
		got = __test_and_clear_bit(m->vector, v->irr);
		virq_vcpu_update_intr(v);
		spin_unlock_irqrestore(&v->irq_lock, flags);
		KUNIT_EXPECT_EQ_MSG(test, want, got, "%s dest %#x %s cpu %u",
				    what, m->dest,
				    m->dest_logical ? "logical" : "physical", i);
	}
}

/*
 * The destination map against the architecture: random IDs, LDRs, DFR
 * models and APIC modes; every destination must reach exactly the vCPUs
 * virq_msg_matches() names, through the map and with the map stale. In
 * disjoint rounds the map must have chosen the model the vCPUs are in
 * (x2APIC IDs from 2^20 on: the scan, their logical IDs alias).
 */
static void bus_map_matches_architecture(struct kunit *test)
{
	struct virq_irq_msg m = {
		.vector = 0xa0, .delivery_mode = VIRQ_DM_FIXED,
		.level_assert = true,
	};
	unsigned int round, n, stale, models[5] = { };
	bool x2, disjoint, high;
	struct virq_chip *chip;
	int model, want;
	u32 idv[8], id;

	for (round = 0; round < 60; round++) {
		x2 = round % 4 == 3;
		disjoint = round % 5 != 4;
		high = x2 && round % 8 == 7;
		chip = random_chip(test, round, disjoint, high, idv);
		model = virq_apic_map_model(chip);
		if (disjoint) {
			want = high ? VIRQ_MAP_LOGICAL_SCAN :
			       x2 ? VIRQ_MAP_LOGICAL_X2APIC :
			       round % 4 == 2 ? VIRQ_MAP_LOGICAL_CLUSTER :
			       VIRQ_MAP_LOGICAL_FLAT;
			KUNIT_EXPECT_EQ_MSG(test, want, model, "round %u", round);
		}
		if (model >= 0 && model < 5)
			models[model]++;
		for (stale = 0; stale < 2; stale++) {
			if (stale)
				atomic_inc(&chip->map_gen);
			for (n = 0; n < 64; n++) {
				m.dest_logical = n & 1;
				m.dest_32 = x2;
				id = idv[get_random_u32_below(8)];
				if (!x2)
					m.dest = get_random_u32() & 0xff;
				else if (!m.dest_logical)
					m.dest = id;
				else if (n & 2)	/* a vCPU's own cluster */
					m.dest = ((id >> 4) & 0xffff) << 16 |
						 (get_random_u32() & 0xffff);
				else
					m.dest = (get_random_u32_below(64) << 16) |
						 (get_random_u32() & 0xffff);
				check_delivery(test, chip, &m,
					       stale ? "stale map" : "map");
			}
		}
		virq_chip_put(chip);
	}
	kunit_info(test, "maps: flat %u cluster %u x2apic %u scan %u",
		   models[VIRQ_MAP_LOGICAL_FLAT],
		   models[VIRQ_MAP_LOGICAL_CLUSTER],
		   models[VIRQ_MAP_LOGICAL_X2APIC],
		   models[VIRQ_MAP_LOGICAL_SCAN]);
}

static struct kunit_case lapic_cases[] = {
	KUNIT_CASE(lapic_reset_state),
	KUNIT_CASE(lapic_software_disabled),
	KUNIT_CASE(lapic_ack_ppr_eoi),
	KUNIT_CASE(lapic_tpr),
	KUNIT_CASE(lapic_apr),
	KUNIT_CASE(lapic_svr_focus_bit),
	KUNIT_CASE(lapic_kick_when_irr_max_rises),
	KUNIT_CASE(lapic_eoi_broadcast),
	KUNIT_CASE(lapic_rtc_debt_void_on_software_disable),
	KUNIT_CASE(lapic_ipi_physical_and_shorthands),
	KUNIT_CASE(lapic_ipi_logical),
	KUNIT_CASE(lapic_lowest_priority),
	KUNIT_CASE(lapic_lowest_priority_skips_disabled),
	KUNIT_CASE(lapic_lowest_priority_many),
	KUNIT_CASE(lapic_msi_redirection_hint),
	KUNIT_CASE(bus_map_rebuilt_after_atomic_init),
	KUNIT_CASE(bus_map_id_change_race),
	KUNIT_CASE(lapic_init_sipi),
	KUNIT_CASE(lapic_apic_base),
	KUNIT_CASE(lapic_x2apic_msrs),
	KUNIT_CASE(lapic_page_every_offset),
	KUNIT_CASE(lapic_esr),
	KUNIT_CASE(lapic_timer_oneshot),
	KUNIT_CASE(lapic_timer_periodic_and_switch),
	KUNIT_CASE(lapic_timer_tsc_deadline),
	KUNIT_CASE(lapic_timer_periodic_floor),
	KUNIT_CASE(lapic_timer_deadline_far),
	KUNIT_CASE(lapic_timer_due_not_lost),
	KUNIT_CASE(lapic_timer_dcr_mid_count),
	KUNIT_CASE(lapic_timer_rearm_while_due),
	KUNIT_CASE(lapic_lint),
	KUNIT_CASE(lapic_timer_tsc_deadline_past),
	KUNIT_CASE(lapic_lint_smi_init),
	KUNIT_CASE(lapic_state_roundtrip_and_checks),
	KUNIT_CASE(lapic_state_rejects_impossible),
	KUNIT_CASE(lapic_state_x2apic_roundtrip),
	KUNIT_CASE(lapic_x2apic_lvt_rmw),
	KUNIT_CASE(bus_map_matches_architecture),
	{}
};

static struct kunit_suite lapic_suite = {
	.name = "virq_lapic",
	.test_cases = lapic_cases,
};

kunit_test_suite(lapic_suite);
