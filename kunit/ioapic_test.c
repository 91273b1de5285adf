// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the IOAPIC model (ioapic.c) on a chip without fds, driven the way
 * a guest drives it: 32-bit MMIO to IOREGSEL/IOWIN/EOI, lines through the
 * routing table (VIRQ_IRQ_LINE's path), interrupts taken with the vCPU's
 * acknowledge and closed with the EOI broadcast. One case per behaviour
 * of the 82093AA the model claims.
 */
#include <kunit/test.h>
#include <linux/delay.h>

#include "virq.h"

#define BASE		VIRQ_IOAPIC_DEFAULT_BASE(0)
#define REGSEL		(BASE + 0x00)
#define IOWIN		(BASE + 0x10)
#define EOIREG		(BASE + 0x40)

#define LEVEL		VIRQ_IOAPIC_RTE_LEVEL
#define MASKED		VIRQ_IOAPIC_RTE_MASKED
#define ACTIVE_LOW	VIRQ_IOAPIC_RTE_ACTIVE_LOW
#define REMOTE_IRR	VIRQ_IOAPIC_RTE_REMOTE_IRR
#define DELIVS		VIRQ_IOAPIC_RTE_DELIVS

struct rig {
	struct virq_chip *chip;
	struct virq_ioapic *io;
	struct virq_vcpu *cpu[2];
};

static void rig_init_cfg(struct kunit *test, struct rig *r,
			 struct virq_chip_config *cfg)
{
	u8 all = 0xff;

	r->chip = virq_chip_alloc(cfg);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r->chip));
	r->io = r->chip->ioapic[0];
	r->cpu[0] = virq_vcpu_add(r->chip, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r->cpu[0]));
	r->cpu[1] = virq_vcpu_add(r->chip, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r->cpu[1]));
	/* The PICs masked: ISA GSIs reach them too (the default routes). */
	virq_pic_pio(r->chip->pic, 0x21, true, &all);
	virq_pic_pio(r->chip->pic, 0xa1, true, &all);
}

static void rig_init(struct kunit *test, struct rig *r)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC,
		.nr_ioapics = 1, .max_vcpus = 4,
	};

	rig_init_cfg(test, r, &cfg);
}

/* A chip with wire levels (VIRQ_CHIP_ELECTRICAL_LEVELS). */
static void rig_init_wire(struct kunit *test, struct rig *r)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC |
			 VIRQ_CHIP_ELECTRICAL_LEVELS,
		.nr_ioapics = 1, .max_vcpus = 4,
	};

	rig_init_cfg(test, r, &cfg);
}

static void rig_exit(struct rig *r)
{
	virq_chip_put(r->chip);
}

static void wr(struct virq_ioapic *io, u64 addr, u32 v)
{
	virq_ioapic_mmio(io, addr, 4, true, &v);
}

static u32 rd(struct virq_ioapic *io, u64 addr)
{
	u32 v = 0xdeadbeef;

	virq_ioapic_mmio(io, addr, 4, false, &v);
	return v;
}

static u32 reg(struct virq_ioapic *io, u32 sel)
{
	wr(io, REGSEL, sel);
	return rd(io, IOWIN);
}

static void set_reg(struct virq_ioapic *io, u32 sel, u32 v)
{
	wr(io, REGSEL, sel);
	wr(io, IOWIN, v);
}

static u64 rte(struct virq_ioapic *io, unsigned int pin)
{
	return reg(io, 0x10 + 2 * pin) | (u64)reg(io, 0x11 + 2 * pin) << 32;
}

static void set_rte(struct virq_ioapic *io, unsigned int pin, u64 v)
{
	set_reg(io, 0x11 + 2 * pin, v >> 32);
	set_reg(io, 0x10 + 2 * pin, (u32)v);
}

/* A fixed entry to APIC @dest. */
static u64 fixed(u8 vector, u8 dest, u64 bits)
{
	return vector | bits | (u64)dest << VIRQ_IOAPIC_RTE_DEST_SHIFT;
}

static int line(struct rig *r, u32 gsi, int level)
{
	return virq_irq_line(r->chip, gsi, level, true);
}

static int ack(struct virq_vcpu *v)
{
	return virq_vcpu_ack(v);
}

/* The vCPU's LAPIC (the VMM's) EOIs @vector: VIRQ_VCPU_EOI's path. */
static void eoi(struct rig *r, struct virq_vcpu *v, u8 vector)
{
	virq_vcpu_report_eoi(v, vector);
}

static void ioapic_version_id_arbitration(struct kunit *test)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC, .nr_ioapics = 1,
		.max_vcpus = 2, .ioapic_version = VIRQ_IOAPIC_VERSION_11,
	};
	struct rig r;

	rig_init(test, &r);
	KUNIT_EXPECT_EQ(test, 0x170020, reg(r.io, 0x01));
	KUNIT_EXPECT_EQ(test, 0, reg(r.io, 0x00));
	set_reg(r.io, 0x00, 0xffffffff);	/* only bits 27:24 stick */
	KUNIT_EXPECT_EQ(test, 0x0f000000, reg(r.io, 0x00));
	KUNIT_EXPECT_EQ(test, 0x0f000000, reg(r.io, 0x02));
	set_reg(r.io, 0x02, 0);			/* arbitration: read-only */
	KUNIT_EXPECT_EQ(test, 0x0f000000, reg(r.io, 0x02));
	set_reg(r.io, 0x01, 0);			/* version: read-only */
	KUNIT_EXPECT_EQ(test, 0x170020, reg(r.io, 0x01));
	wr(r.io, REGSEL, 0x1234);		/* IOREGSEL keeps 8 bits */
	KUNIT_EXPECT_EQ(test, 0x34, rd(r.io, REGSEL));
	rig_exit(&r);

	rig_init_cfg(test, &r, &cfg);
	KUNIT_EXPECT_EQ(test, 0x170011, reg(r.io, 0x01));
	rig_exit(&r);
}

/* Every IOREGSEL value has a defined result; none reaches past the table. */
static void ioapic_ioregsel_sweep(struct kunit *test)
{
	struct rig r;
	u32 sel, v;

	rig_init(test, &r);
	for (sel = 0; sel < 0x100; sel++) {
		v = reg(r.io, sel);
		if (sel >= 0x03 && sel < 0x10)
			KUNIT_EXPECT_EQ_MSG(test, 0, v, "sel %#x", sel);
		if (sel >= 0x40)
			KUNIT_EXPECT_EQ_MSG(test, 0, v, "sel %#x", sel);
		if (sel >= 0x40 || (sel >= 0x03 && sel < 0x10)) {
			set_reg(r.io, sel, 0xffffffff);
			KUNIT_EXPECT_EQ_MSG(test, 0, reg(r.io, sel),
					    "sel %#x", sel);
		}
	}
	/* The table itself is untouched by the sweep's writes. */
	KUNIT_EXPECT_EQ(test, (u64)MASKED, rte(r.io, 0));
	KUNIT_EXPECT_EQ(test, (u64)MASKED, rte(r.io, 23));
	rig_exit(&r);
}

/* All ones into every entry: RO bits and reserved bits stay as they were. */
static void ioapic_rte_all_ones(struct kunit *test)
{
	unsigned int pin;
	struct rig r;

	rig_init(test, &r);
	for (pin = 0; pin < 24; pin++) {
		set_rte(r.io, pin, ~0ULL);
		KUNIT_EXPECT_EQ_MSG(test, 0xff0000000001afffULL, rte(r.io, pin),
				    "pin %u", pin);
	}
	/* An entry with remote IRR set keeps it through all-ones writes. */
	set_rte(r.io, 5, fixed(0x45, 0, LEVEL));
	line(&r, 5, 1);
	KUNIT_EXPECT_TRUE(test, rte(r.io, 5) & REMOTE_IRR);
	set_rte(r.io, 5, fixed(0x45, 0, LEVEL) | DELIVS | 0x1fe0000ULL);
	KUNIT_EXPECT_EQ(test, fixed(0x45, 0, LEVEL | REMOTE_IRR), rte(r.io, 5));
	set_reg(r.io, 0x10 + 10, LEVEL);	/* low half, RIRR written 0 */
	KUNIT_EXPECT_TRUE(test, rte(r.io, 5) & REMOTE_IRR);
	rig_exit(&r);
}

static void ioapic_mmio_sizes(struct kunit *test)
{
	struct rig r;
	u32 v = 0;

	rig_init(test, &r);
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_ioapic_mmio(r.io, IOWIN, 2, false, &v));
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_ioapic_mmio(r.io, IOWIN, 8, false, &v));
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_ioapic_mmio(r.io, BASE + 1, 4, false, &v));
	KUNIT_EXPECT_EQ(test, 0, virq_ioapic_mmio(r.io, BASE + 0x20, 4, false, &v));
	KUNIT_EXPECT_EQ(test, 0, v);
	KUNIT_EXPECT_TRUE(test, virq_ioapic_claims(r.io, BASE + 0xfc));
	KUNIT_EXPECT_FALSE(test, virq_ioapic_claims(r.io, BASE + 0x100));
	KUNIT_EXPECT_FALSE(test, virq_ioapic_claims(r.io, BASE - 4));
	rig_exit(&r);
}

/* Edge: one message per asserting edge; a raise of a high line is not one. */
static void ioapic_edge_one_delivery(struct kunit *test)
{
	struct rig r;

	rig_init(test, &r);
	set_rte(r.io, 3, fixed(0x33, 0, 0));
	KUNIT_EXPECT_EQ(test, 1, line(&r, 3, 1));
	KUNIT_EXPECT_EQ(test, 0x33, ack(r.cpu[0]));
	KUNIT_EXPECT_EQ(test, 0, line(&r, 3, 1));	/* still high */
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));
	KUNIT_EXPECT_EQ(test, 0, line(&r, 3, 0));
	KUNIT_EXPECT_EQ(test, 1, line(&r, 3, 1));
	/* Not taken yet: the next edge is coalesced in the vCPU's IRR. */
	line(&r, 3, 0);
	KUNIT_EXPECT_EQ(test, 0, line(&r, 3, 1));
	KUNIT_EXPECT_EQ(test, 0x33, ack(r.cpu[0]));
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));
	rig_exit(&r);
}

static void ioapic_masked_edge_lost(struct kunit *test)
{
	struct rig r;

	rig_init(test, &r);
	set_rte(r.io, 4, fixed(0x34, 0, MASKED));
	KUNIT_EXPECT_EQ(test, -1, line(&r, 4, 1));
	set_rte(r.io, 4, fixed(0x34, 0, 0));	/* unmask: nothing comes */
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));
	line(&r, 4, 0);
	KUNIT_EXPECT_EQ(test, 1, line(&r, 4, 1));
	KUNIT_EXPECT_EQ(test, 0x34, ack(r.cpu[0]));
	rig_exit(&r);
}

/* Level: remote IRR set on delivery, coalesced while set, cleared by EOI. */
static void ioapic_level_remote_irr(struct kunit *test)
{
	struct rig r;

	rig_init(test, &r);
	set_rte(r.io, 10, fixed(0x4a, 0, LEVEL));
	KUNIT_EXPECT_EQ(test, 1, line(&r, 10, 1));
	KUNIT_EXPECT_TRUE(test, rte(r.io, 10) & REMOTE_IRR);
	KUNIT_EXPECT_EQ(test, 0x4a, ack(r.cpu[0]));
	KUNIT_EXPECT_EQ(test, 0, line(&r, 10, 1));	/* coalesced */
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));
	/* EOI with the line still high: remote IRR again, delivered again. */
	eoi(&r, r.cpu[0], 0x4a);
	KUNIT_EXPECT_TRUE(test, rte(r.io, 10) & REMOTE_IRR);
	KUNIT_EXPECT_EQ(test, 0x4a, ack(r.cpu[0]));
	/* Lowered, then EOI: nothing more. */
	KUNIT_EXPECT_EQ(test, 0, line(&r, 10, 0));
	eoi(&r, r.cpu[0], 0x4a);
	KUNIT_EXPECT_FALSE(test, rte(r.io, 10) & REMOTE_IRR);
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));
	/* Two sequential asserts: two deliveries. */
	KUNIT_EXPECT_EQ(test, 1, line(&r, 10, 1));
	KUNIT_EXPECT_EQ(test, 0x4a, ack(r.cpu[0]));
	line(&r, 10, 0);
	eoi(&r, r.cpu[0], 0x4a);
	KUNIT_EXPECT_EQ(test, 1, line(&r, 10, 1));
	KUNIT_EXPECT_EQ(test, 0x4a, ack(r.cpu[0]));
	/* An EOI of another vector leaves it alone. */
	eoi(&r, r.cpu[0], 0x4b);
	KUNIT_EXPECT_TRUE(test, rte(r.io, 10) & REMOTE_IRR);
	rig_exit(&r);
}

static void ioapic_unmask_asserted_level(struct kunit *test)
{
	struct rig r;

	rig_init(test, &r);
	set_rte(r.io, 11, fixed(0x4b, 0, LEVEL | MASKED));
	KUNIT_EXPECT_EQ(test, -1, line(&r, 11, 1));
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));
	set_rte(r.io, 11, fixed(0x4b, 0, LEVEL));
	KUNIT_EXPECT_EQ(test, 0x4b, ack(r.cpu[0]));
	KUNIT_EXPECT_TRUE(test, rte(r.io, 11) & REMOTE_IRR);
	rig_exit(&r);
}

static void ioapic_level_to_edge_clears_remote_irr(struct kunit *test)
{
	struct rig r;

	rig_init(test, &r);
	set_rte(r.io, 12, fixed(0x4c, 0, LEVEL));
	line(&r, 12, 1);
	KUNIT_EXPECT_TRUE(test, rte(r.io, 12) & REMOTE_IRR);
	set_rte(r.io, 12, fixed(0x4c, 0, 0));
	KUNIT_EXPECT_FALSE(test, rte(r.io, 12) & REMOTE_IRR);
	rig_exit(&r);
}

/*
 * The guest rewrites vector and destination inside its level handler,
 * before the EOI: the EOI of the vector it was delivered with still
 * clears remote IRR, and the still-asserted line goes to the new place.
 */
static void ioapic_reprogram_inside_handler(struct kunit *test)
{
	struct rig r;

	rig_init(test, &r);
	set_rte(r.io, 9, fixed(0x49, 0, LEVEL));
	line(&r, 9, 1);
	KUNIT_EXPECT_EQ(test, 0x49, ack(r.cpu[0]));
	set_rte(r.io, 9, fixed(0x59, 1, LEVEL));
	eoi(&r, r.cpu[0], 0x49);
	KUNIT_EXPECT_EQ(test, 0x59, ack(r.cpu[1]));
	KUNIT_EXPECT_TRUE(test, rte(r.io, 9) & REMOTE_IRR);
	/* The EOI of the new vector works the same. */
	line(&r, 9, 0);
	eoi(&r, r.cpu[1], 0x59);
	KUNIT_EXPECT_FALSE(test, rte(r.io, 9) & REMOTE_IRR);
	rig_exit(&r);
}

/* Active low, wire levels: the pin asserts when the line goes low. */
static void ioapic_active_low(struct kunit *test)
{
	struct rig r;

	rig_init_wire(test, &r);
	line(&r, 16, 1);			/* idle: high */
	set_rte(r.io, 16, fixed(0x60, 0, LEVEL | ACTIVE_LOW));
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));
	KUNIT_EXPECT_EQ(test, 1, line(&r, 16, 0));	/* asserted */
	KUNIT_EXPECT_EQ(test, 0x60, ack(r.cpu[0]));
	line(&r, 16, 1);
	eoi(&r, r.cpu[0], 0x60);
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));
	/* Edge, active low: the falling line is the edge. */
	set_rte(r.io, 17, fixed(0x61, 0, ACTIVE_LOW));
	line(&r, 17, 1);
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));
	KUNIT_EXPECT_EQ(test, 1, line(&r, 17, 0));
	KUNIT_EXPECT_EQ(test, 0x61, ack(r.cpu[0]));
	/* A logical source (an irqfd) asserts whatever the polarity. */
	line(&r, 18, 1);			/* idle: high */
	set_rte(r.io, 18, fixed(0x62, 0, LEVEL | ACTIVE_LOW));
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));
	KUNIT_EXPECT_EQ(test, 1, virq_irq_line(r.chip, 18, 1,
					       VIRQ_LINE_LOGICAL));
	KUNIT_EXPECT_EQ(test, 0x62, ack(r.cpu[0]));
	KUNIT_EXPECT_EQ(test, 0, virq_irq_line(r.chip, 18, 0,
					       VIRQ_LINE_LOGICAL));
	KUNIT_EXPECT_TRUE(test, r.io->line_level & BIT(18));	/* high */
	eoi(&r, r.cpu[0], 0x62);
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));
	rig_exit(&r);
}

/* Logical levels (the default): 1 asserts, whatever the polarity. */
static void ioapic_active_low_logical(struct kunit *test)
{
	struct rig r;

	rig_init(test, &r);
	set_rte(r.io, 16, fixed(0x60, 0, LEVEL | ACTIVE_LOW));
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));	/* 0: idle */
	KUNIT_EXPECT_EQ(test, 1, line(&r, 16, 1));
	KUNIT_EXPECT_EQ(test, 0x60, ack(r.cpu[0]));
	line(&r, 16, 0);
	eoi(&r, r.cpu[0], 0x60);
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));
	set_rte(r.io, 17, fixed(0x61, 0, ACTIVE_LOW));
	KUNIT_EXPECT_EQ(test, 1, line(&r, 17, 1));
	KUNIT_EXPECT_EQ(test, 0x61, ack(r.cpu[0]));
	KUNIT_EXPECT_EQ(test, 0, line(&r, 17, 0));
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));
	rig_exit(&r);
}

/* The EOI register (version 0x20): a directed EOI; 0x11 has none. */
static void ioapic_eoi_register(struct kunit *test)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC, .nr_ioapics = 1,
		.max_vcpus = 2, .ioapic_version = VIRQ_IOAPIC_VERSION_11,
	};
	struct rig r;

	rig_init(test, &r);
	set_rte(r.io, 20, fixed(0x70, 0, LEVEL));
	line(&r, 20, 1);
	KUNIT_EXPECT_EQ(test, 0x70, ack(r.cpu[0]));
	line(&r, 20, 0);
	wr(r.io, EOIREG, 0x71);			/* another vector */
	KUNIT_EXPECT_TRUE(test, rte(r.io, 20) & REMOTE_IRR);
	wr(r.io, EOIREG, 0x170);		/* bits 7:0 count */
	KUNIT_EXPECT_FALSE(test, rte(r.io, 20) & REMOTE_IRR);
	rig_exit(&r);

	rig_init_cfg(test, &r, &cfg);
	set_rte(r.io, 20, fixed(0x70, 0, LEVEL));
	line(&r, 20, 1);
	wr(r.io, EOIREG, 0x70);
	KUNIT_EXPECT_TRUE(test, rte(r.io, 20) & REMOTE_IRR);
	rig_exit(&r);
}

/*
 * A guest that EOIs a stuck line: after 10,000 back-to-back re-deliveries
 * the next waits 10 ms (delivery status shows it pending), then comes.
 */
static void ioapic_eoi_storm_throttled(struct kunit *test)
{
	struct rig r;
	int i, got = 0;

	rig_init(test, &r);
	set_rte(r.io, 21, fixed(0x71, 0, LEVEL));
	line(&r, 21, 1);
	for (i = 0; i < 10000; i++) {
		if (ack(r.cpu[0]) != 0x71)
			break;
		got++;
		eoi(&r, r.cpu[0], 0x71);
	}
	KUNIT_EXPECT_EQ(test, 10000, got);
	/* The 10,000th EOI was deferred. */
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));
	KUNIT_EXPECT_TRUE(test, rte(r.io, 21) & DELIVS);
	KUNIT_EXPECT_FALSE(test, rte(r.io, 21) & REMOTE_IRR);
	KUNIT_EXPECT_EQ(test, 0, line(&r, 21, 1));	/* held */
	msleep(30);
	KUNIT_EXPECT_EQ(test, 0x71, ack(r.cpu[0]));
	KUNIT_EXPECT_FALSE(test, rte(r.io, 21) & DELIVS);
	KUNIT_EXPECT_TRUE(test, rte(r.io, 21) & REMOTE_IRR);
	rig_exit(&r);
}

/*
 * RTC (GSI 8, edge): with a status asked for, a tick is coalesced until
 * every destination has EOI'd the last one (Windows' time keeping).
 */
static void ioapic_rtc_coalescing(struct kunit *test)
{
	struct rig r;

	rig_init(test, &r);
	set_rte(r.io, 8, fixed(0x38, 0xff, 0));	/* broadcast */
	KUNIT_EXPECT_EQ(test, 2, line(&r, 8, 1));
	line(&r, 8, 0);
	KUNIT_EXPECT_TRUE(test, r.cpu[1]->run->eoi_exit[0] & BIT_ULL(0x38));
	KUNIT_EXPECT_EQ(test, 0, line(&r, 8, 1));	/* nobody EOI'd */
	line(&r, 8, 0);
	KUNIT_EXPECT_EQ(test, 0x38, ack(r.cpu[0]));
	eoi(&r, r.cpu[0], 0x38);
	KUNIT_EXPECT_FALSE(test, r.cpu[0]->run->eoi_exit[0] & BIT_ULL(0x38));
	KUNIT_EXPECT_EQ(test, 0, line(&r, 8, 1));	/* vCPU 1 has not */
	line(&r, 8, 0);
	eoi(&r, r.cpu[0], 0x38);			/* twice: counts once */
	KUNIT_EXPECT_EQ(test, 0, line(&r, 8, 1));
	line(&r, 8, 0);
	KUNIT_EXPECT_EQ(test, 0x38, ack(r.cpu[1]));
	eoi(&r, r.cpu[1], 0x38);
	KUNIT_EXPECT_EQ(test, 2, line(&r, 8, 1));
	line(&r, 8, 0);
	/* Without a status (VIRQ_IRQ_LINE) the tick is sent regardless. */
	KUNIT_EXPECT_EQ(test, 0, virq_irq_line(r.chip, 8, 1, 0));
	line(&r, 8, 0);
	/* Reprogramming the RTC's entry voids the debts. */
	set_rte(r.io, 8, fixed(0x39, 0xff, 0));
	KUNIT_EXPECT_EQ(test, 0U, virq_rtc_pending(r.chip));
	KUNIT_EXPECT_EQ(test, 2, line(&r, 8, 1));
	KUNIT_EXPECT_EQ(test, 2U, virq_rtc_pending(r.chip));
	rig_exit(&r);
}

/* Level-triggered NMI/INIT/ExtINT entries are edges: no remote IRR. */
static void ioapic_level_nmi_is_edge(struct kunit *test)
{
	struct rig r;

	rig_init(test, &r);
	set_rte(r.io, 22, fixed(0, 0, LEVEL | (4ULL << 8)));
	KUNIT_EXPECT_EQ(test, 1, line(&r, 22, 1));
	KUNIT_EXPECT_FALSE(test, rte(r.io, 22) & REMOTE_IRR);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(r.cpu[0]->run->requests) &
			  VIRQ_REQ_NMI);
	rig_exit(&r);
}

/* A GSI below 16 reaches the PIC and the IOAPIC; statuses merge. */
static void ioapic_status_merges_with_pic(struct kunit *test)
{
	struct rig r;
	u8 v;

	rig_init(test, &r);
	/* PIC: Linux's init, everything unmasked. */
	v = 0x11; virq_pic_pio(r.chip->pic, 0x20, true, &v);
	v = 0x30; virq_pic_pio(r.chip->pic, 0x21, true, &v);
	v = 0x04; virq_pic_pio(r.chip->pic, 0x21, true, &v);
	v = 0x01; virq_pic_pio(r.chip->pic, 0x21, true, &v);
	KUNIT_EXPECT_EQ(test, 1, line(&r, 4, 1));	/* PIC only */
	line(&r, 4, 0);
	set_rte(r.io, 5, fixed(0x45, 1, 0));
	KUNIT_EXPECT_EQ(test, 2, line(&r, 5, 1));	/* PIC + IOAPIC */
	line(&r, 5, 0);
	v = 0xff; virq_pic_pio(r.chip->pic, 0x21, true, &v);
	set_rte(r.io, 5, fixed(0x45, 1, MASKED));
	KUNIT_EXPECT_EQ(test, -1, line(&r, 5, 1));	/* masked on both */
	/* GSI 0 goes to IOAPIC pin 2 (the timer override). */
	set_rte(r.io, 2, fixed(0x42, 1, 0));
	KUNIT_EXPECT_EQ(test, 1, line(&r, 0, 1));
	KUNIT_EXPECT_EQ(test, 0x45, ack(r.cpu[1]));
	KUNIT_EXPECT_EQ(test, 0x42, ack(r.cpu[1]));
	rig_exit(&r);
}

static void ioapic_destinations(struct kunit *test)
{
	struct rig r;

	rig_init(test, &r);
	set_rte(r.io, 6, fixed(0x46, 1, 0));		/* physical 1 */
	KUNIT_EXPECT_EQ(test, 1, line(&r, 6, 1));
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));
	KUNIT_EXPECT_EQ(test, 0x46, ack(r.cpu[1]));
	set_rte(r.io, 7, fixed(0x47, 0xff, 0));		/* broadcast */
	KUNIT_EXPECT_EQ(test, 2, line(&r, 7, 1));
	KUNIT_EXPECT_EQ(test, 0x47, ack(r.cpu[0]));
	KUNIT_EXPECT_EQ(test, 0x47, ack(r.cpu[1]));
	set_rte(r.io, 13, fixed(0x4d, 9, 0));		/* nobody */
	KUNIT_EXPECT_EQ(test, -1, line(&r, 13, 1));
	/* Level to nobody: no remote IRR, nothing will EOI it. */
	set_rte(r.io, 14, fixed(0x4e, 9, LEVEL));
	KUNIT_EXPECT_EQ(test, -1, line(&r, 14, 1));
	KUNIT_EXPECT_FALSE(test, rte(r.io, 14) & REMOTE_IRR);
	/* NMI delivery mode: a request, no vector. */
	set_rte(r.io, 15, fixed(0, 0, 4ULL << 8));
	KUNIT_EXPECT_EQ(test, 1, line(&r, 15, 1));
	KUNIT_EXPECT_TRUE(test, READ_ONCE(r.cpu[0]->run->requests) &
			  VIRQ_REQ_NMI);
	rig_exit(&r);
}

/* Two IOAPICs: the second serves its GSIs from its base, at its address. */
static void ioapic_second_ioapic(struct kunit *test)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC, .nr_ioapics = 2,
		.max_vcpus = 2, .ioapic_gsi_base = { 0, 32 },
	};
	struct virq_ioapic *io1;
	struct rig r;

	rig_init_cfg(test, &r, &cfg);
	io1 = r.chip->ioapic[1];
	KUNIT_EXPECT_TRUE(test, virq_ioapic_claims(io1, VIRQ_IOAPIC_DEFAULT_BASE(1)));
	KUNIT_EXPECT_EQ(test, 1, io1->id);
	wr(io1, VIRQ_IOAPIC_DEFAULT_BASE(1), 0x10 + 2 * 3);
	wr(io1, VIRQ_IOAPIC_DEFAULT_BASE(1) + 0x10, 0x93);
	KUNIT_EXPECT_EQ(test, 1, line(&r, 35, 1));
	KUNIT_EXPECT_EQ(test, 0x93, ack(r.cpu[0]));
	KUNIT_EXPECT_EQ(test, -1, line(&r, 24, 1));	/* between the two */
	rig_exit(&r);
}

static void get(struct virq_ioapic *io, struct virq_ioapic_state *st)
{
	virq_ioapic_get_state(io, st);
}

static struct virq_ioapic_state *new_state(struct kunit *test)
{
	struct virq_ioapic_state *st = kunit_kzalloc(test, sizeof(*st),
						     GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, st);
	return st;
}

/* Save, reset, restore: the same registers, and the pending level goes. */
static void ioapic_state_roundtrip(struct kunit *test)
{
	struct virq_ioapic_state *a = new_state(test), *b = new_state(test);
	struct rig r;

	rig_init_wire(test, &r);
	set_reg(r.io, 0, 0x05000000);
	set_rte(r.io, 10, fixed(0x4a, 0, LEVEL));
	set_rte(r.io, 11, fixed(0x4b, 1, LEVEL | MASKED));
	set_rte(r.io, 16, fixed(0x60, 0, LEVEL | ACTIVE_LOW));
	line(&r, 10, 1);
	line(&r, 11, 1);
	line(&r, 16, 1);
	wr(r.io, REGSEL, 0x21);
	get(r.io, a);
	KUNIT_EXPECT_EQ(test, 5, a->id);
	KUNIT_EXPECT_EQ(test, 0x21, a->ioregsel);
	KUNIT_EXPECT_EQ(test, BIT(10) | BIT(11), a->irr);
	KUNIT_EXPECT_EQ(test, BIT(10) | BIT(11) | BIT(16), a->line_level);
	KUNIT_EXPECT_EQ(test, 0x4a, a->delivered_vector[10]);
	rig_exit(&r);

	rig_init_wire(test, &r);
	KUNIT_ASSERT_EQ(test, 0, virq_ioapic_set_state(r.io, a));
	get(r.io, b);
	KUNIT_EXPECT_EQ(test, 0, memcmp(a, b, sizeof(*a)));
	/*
	 * Pin 10 was in service: its EOI (as a LAPIC broadcasts it; this
	 * rig's vCPUs never took 0x4a) re-delivers; unmask 11: delivered.
	 */
	virq_ioapic_eoi_all(r.chip, r.cpu[0], 0x4a, true);
	KUNIT_EXPECT_EQ(test, 0x4a, ack(r.cpu[0]));
	set_rte(r.io, 11, fixed(0x4b, 1, LEVEL));
	KUNIT_EXPECT_EQ(test, 0x4b, ack(r.cpu[1]));
	rig_exit(&r);
}

/* KVM's format (no EXT): line levels follow from irr and polarity. */
static void ioapic_kvm_format_restore(struct kunit *test)
{
	struct virq_ioapic_state *st = new_state(test), *now = new_state(test);
	struct rig r;
	unsigned int pin;

	rig_init(test, &r);
	st->base_address = BASE;
	st->irr = BIT(3);
	for (pin = 0; pin < 24; pin++)
		st->redirtbl[pin] = MASKED;
	st->redirtbl[3] = fixed(0x53, 0, LEVEL);
	KUNIT_ASSERT_EQ(test, 0, virq_ioapic_set_state(r.io, st));
	KUNIT_EXPECT_EQ(test, 0x53, ack(r.cpu[0]));
	get(r.io, now);
	KUNIT_EXPECT_EQ(test, BIT(3), now->line_level);
	st->version = 0x20;			/* EXT fields without EXT */
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_ioapic_set_state(r.io, st));
	rig_exit(&r);
}

/*
 * A saved message in flight (delivery status) that nobody accepts when
 * SET sends it again: the level pin is not left in service (remote IRR
 * from its commit), so the next look at the asserted pin delivers it.
 */
static void ioapic_restore_flight_refused(struct kunit *test)
{
	struct virq_ioapic_state *st = new_state(test);
	struct rig r;

	rig_init(test, &r);
	get(r.io, st);
	/* Level, asserted, to APIC 7 (nobody), committed and in flight. */
	st->redirtbl[12] = fixed(0x4c, 7, LEVEL) | REMOTE_IRR | DELIVS;
	st->line_level |= BIT(12);
	st->irr |= BIT(12);
	KUNIT_ASSERT_EQ(test, 0, virq_ioapic_set_state(r.io, st));
	KUNIT_EXPECT_FALSE(test, rte(r.io, 12) & (REMOTE_IRR | DELIVS));
	set_rte(r.io, 12, fixed(0x4c, 0, LEVEL));	/* to APIC 0 now */
	KUNIT_EXPECT_EQ(test, 0x4c, ack(r.cpu[0]));
	KUNIT_EXPECT_TRUE(test, rte(r.io, 12) & REMOTE_IRR);
	rig_exit(&r);
}

/* KVM's format knows no delivery status: bit 12 sends nothing. */
static void ioapic_kvm_format_ignores_delivs(struct kunit *test)
{
	struct virq_ioapic_state *st = new_state(test);
	struct rig r;
	unsigned int pin;

	rig_init(test, &r);
	st->base_address = BASE;
	for (pin = 0; pin < 24; pin++)
		st->redirtbl[pin] = MASKED;
	st->redirtbl[4] = fixed(0x54, 0, 0) | DELIVS;
	st->redirtbl[5] = fixed(0x55, 0, MASKED) | DELIVS;
	KUNIT_ASSERT_EQ(test, 0, virq_ioapic_set_state(r.io, st));
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(r.cpu[0]));
	KUNIT_EXPECT_FALSE(test, rte(r.io, 4) & DELIVS);
	rig_exit(&r);
}

/*
 * The RTC's debt names the vector its vCPU took: a restore that installs
 * another vector on pin 8 leaves it payable by the EOI of the old one
 * (and, without a LAPIC, still published in eoi_exit for the VMM).
 */
static void ioapic_rtc_debt_keeps_its_vector(struct kunit *test)
{
	struct virq_ioapic_state *st = new_state(test);
	u64 *bm;
	struct rig r;

	rig_init(test, &r);
	bm = r.cpu[0]->run->eoi_exit;
	set_rte(r.io, 8, fixed(0x38, 0, 0));
	KUNIT_EXPECT_EQ(test, 1, line(&r, 8, 1));
	line(&r, 8, 0);
	KUNIT_EXPECT_EQ(test, 0x38, ack(r.cpu[0]));
	KUNIT_EXPECT_EQ(test, 1U, virq_rtc_pending(r.chip));
	get(r.io, st);
	st->redirtbl[8] = fixed(0x39, 0, 0);
	st->delivered_vector[8] = 0x39;
	KUNIT_ASSERT_EQ(test, 0, virq_ioapic_set_state(r.io, st));
	KUNIT_EXPECT_TRUE(test, bm[0] & BIT_ULL(0x38));
	KUNIT_EXPECT_FALSE(test, bm[0] & BIT_ULL(0x39));
	eoi(&r, r.cpu[0], 0x38);
	KUNIT_EXPECT_EQ(test, 0U, virq_rtc_pending(r.chip));
	KUNIT_EXPECT_FALSE(test, bm[0] & BIT_ULL(0x38));
	KUNIT_EXPECT_EQ(test, 1, line(&r, 8, 1));	/* not coalesced */
	KUNIT_EXPECT_EQ(test, 0x39, ack(r.cpu[0]));
	rig_exit(&r);
}

/*
 * A VMM older than rtc_vector restores a vCPU that owes the RTC's EOI
 * (rtc_vector 0) before the IOAPIC: the debt is owed for the vector the
 * IOAPIC's restored state names, whichever comes first.
 */
static void ioapic_rtc_debt_restored_before_ioapic(struct kunit *test)
{
	struct virq_ioapic_state *st = new_state(test);
	struct virq_lapic_state *ls;
	u64 *bm;
	struct rig r;

	ls = kunit_kzalloc(test, sizeof(*ls), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ls);
	rig_init(test, &r);
	bm = r.cpu[0]->run->eoi_exit;
	ls->flags = VIRQ_LAPIC_STATE_RTC_OWED;
	KUNIT_ASSERT_EQ(test, 0, virq_vcpu_set_state(r.cpu[0], ls));
	KUNIT_EXPECT_EQ(test, 1U, virq_rtc_pending(r.chip));
	KUNIT_EXPECT_FALSE(test, bm[0] & BIT_ULL(0x38));
	get(r.io, st);
	st->redirtbl[8] = fixed(0x38, 0, 0);
	st->delivered_vector[8] = 0x38;
	KUNIT_ASSERT_EQ(test, 0, virq_ioapic_set_state(r.io, st));
	KUNIT_EXPECT_TRUE(test, bm[0] & BIT_ULL(0x38));
	eoi(&r, r.cpu[0], 0x38);
	KUNIT_EXPECT_EQ(test, 0U, virq_rtc_pending(r.chip));
	KUNIT_EXPECT_FALSE(test, bm[0] & BIT_ULL(0x38));
	rig_exit(&r);
}

static void ioapic_set_state_validation(struct kunit *test)
{
	struct virq_ioapic_state *good = new_state(test);
	struct virq_ioapic_state *bad = new_state(test);
	struct virq_ioapic_state *after = new_state(test);
	struct rig r;

	rig_init(test, &r);
	set_rte(r.io, 10, fixed(0x4a, 0, LEVEL));
	line(&r, 10, 1);
	get(r.io, good);
#define EXPECT_REJECTED(stmt) do {					\
		*bad = *good;						\
		stmt;							\
		KUNIT_EXPECT_EQ(test, -EINVAL,				\
				virq_ioapic_set_state(r.io, bad));	\
		get(r.io, after);					\
		KUNIT_EXPECT_EQ(test, 0, memcmp(good, after, sizeof(*good))); \
	} while (0)
	EXPECT_REJECTED(bad->base_address = BASE + 4);
	EXPECT_REJECTED(bad->base_address = 0x100000000ULL);
	EXPECT_REJECTED(bad->ioregsel = 0x100);
	EXPECT_REJECTED(bad->id = 16);
	EXPECT_REJECTED(bad->irr |= BIT(24));
	EXPECT_REJECTED(bad->irr &= ~BIT(10));	/* disagrees with the line */
	EXPECT_REJECTED(bad->pad = 1);
	EXPECT_REJECTED(bad->redirtbl[1] |= 1ULL << 20);	/* reserved */
	EXPECT_REJECTED(bad->redirtbl[1] |= REMOTE_IRR);	/* on an edge entry */
	EXPECT_REJECTED(bad->version = 0x11);
	EXPECT_REJECTED(bad->flags = 2);
	EXPECT_REJECTED(bad->line_level |= BIT(30));
	EXPECT_REJECTED(bad->eoi_count[10] = 10000);
	EXPECT_REJECTED(bad->eoi_deferred = BIT(1));	/* edge entry */
#undef EXPECT_REJECTED
	rig_exit(&r);
}

/*
 * The EOI-exit bitmap is per vCPU: the level vectors it accepted and has
 * not EOI'd, set before the vector is visible; another vCPU's EOI of the
 * same number does not touch this vCPU's pin.
 */
static void ioapic_eoi_exit_bitmap(struct kunit *test)
{
	struct virq_irq_msg edge = { .vector = 0x4a, .delivery_mode = 0 };
	u64 *bm0, *bm1;
	struct rig r;

	rig_init(test, &r);
	bm0 = r.cpu[0]->run->eoi_exit;
	bm1 = r.cpu[1]->run->eoi_exit;
	set_rte(r.io, 10, fixed(0x4a, 0, LEVEL));
	KUNIT_EXPECT_EQ(test, 0, bm0[1]);		/* nothing accepted */
	line(&r, 10, 1);
	KUNIT_EXPECT_EQ(test, BIT_ULL(0x4a - 64), bm0[1]);
	KUNIT_EXPECT_EQ(test, 0, bm1[1]);
	/* vCPU 1 takes an edge 0x4a (an MSI) and EOIs it: no effect. */
	virq_vcpu_deliver(r.cpu[1], &edge);
	KUNIT_EXPECT_EQ(test, 0x4a, ack(r.cpu[1]));
	eoi(&r, r.cpu[1], 0x4a);
	KUNIT_EXPECT_TRUE(test, rte(r.io, 10) & REMOTE_IRR);
	/* Reprogrammed in its handler: the old vector is still owed. */
	KUNIT_EXPECT_EQ(test, 0x4a, ack(r.cpu[0]));
	set_rte(r.io, 10, fixed(0x5a, 0, LEVEL));
	KUNIT_EXPECT_EQ(test, BIT_ULL(0x4a - 64), bm0[1]);
	line(&r, 10, 0);
	eoi(&r, r.cpu[0], 0x4a);
	KUNIT_EXPECT_FALSE(test, rte(r.io, 10) & REMOTE_IRR);
	KUNIT_EXPECT_EQ(test, 0, bm0[1]);
	/* An edge acceptance of a vector clears its bit (the TMR). */
	line(&r, 10, 1);
	KUNIT_EXPECT_EQ(test, BIT_ULL(0x5a - 64), bm0[1]);
	edge.vector = 0x5a;
	virq_vcpu_deliver(r.cpu[0], &edge);
	KUNIT_EXPECT_EQ(test, 0, bm0[1]);
	rig_exit(&r);
}

/* A chip of FAN vCPUs (no LAPICs): a broadcast is sent by send_work. */
#define FAN	20

struct fan {
	struct virq_chip *chip;
	struct virq_ioapic *io;
	struct virq_vcpu *cpu[FAN];
};

static void fan_init(struct kunit *test, struct fan *f)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC,
		.nr_ioapics = 1, .max_vcpus = FAN,
	};
	u8 all = 0xff;
	int i;

	f->chip = virq_chip_alloc(&cfg);
	KUNIT_ASSERT_FALSE(test, IS_ERR(f->chip));
	f->io = f->chip->ioapic[0];
	for (i = 0; i < FAN; i++) {
		f->cpu[i] = virq_vcpu_add(f->chip, i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(f->cpu[i]));
	}
	virq_pic_pio(f->chip->pic, 0x21, true, &all);
	virq_pic_pio(f->chip->pic, 0xa1, true, &all);
}

/* Let what was committed meanwhile go: send_work runs to its end. */
static void fan_release(struct fan *f)
{
	enable_work(&f->io->send_work);
	queue_work(virq_inject_wq, &f->io->send_work);
	virq_ioapic_flush(f->io);
}

/* How many of the FAN vCPUs have exactly @vec pending, once. */
static int fan_took(struct fan *f, int vec)
{
	int i, n = 0;

	for (i = 0; i < FAN; i++)
		n += ack(f->cpu[i]) == vec && ack(f->cpu[i]) == -EAGAIN;
	return n;
}

static int fan_line(struct fan *f, u32 gsi, int level)
{
	return virq_irq_line(f->chip, gsi, level, VIRQ_LINE_STATUS);
}

/*
 * Messages for more vCPUs than atomic context may visit: committed to
 * send_work (held here with disable_work_sync() to look at the flight),
 * "send pending" meanwhile, edges remembered once, a level pin's EOI in
 * flight re-delivered after it, a refused level message leaving the pin
 * out of service without a loop, a restore re-sending the saved flight.
 */
static void ioapic_fanout_in_flight(struct kunit *test)
{
	struct virq_ioapic_state *st = new_state(test);
	u64 bcast = 0xffULL << VIRQ_IOAPIC_RTE_DEST_SHIFT;
	struct fan f;
	s64 sent;

	fan_init(test, &f);
	disable_work_sync(&f.io->send_work);

	/* Edges: the first committed, a second remembered, a third not. */
	set_rte(f.io, 20, 0x41 | bcast);
	KUNIT_EXPECT_EQ(test, 1, fan_line(&f, 20, 1));
	KUNIT_EXPECT_TRUE(test, rte(f.io, 20) & DELIVS);
	fan_line(&f, 20, 0);
	KUNIT_EXPECT_EQ(test, 1, fan_line(&f, 20, 1));
	fan_line(&f, 20, 0);
	KUNIT_EXPECT_EQ(test, 0, fan_line(&f, 20, 1));
	fan_line(&f, 20, 0);
	KUNIT_EXPECT_EQ(test, -EAGAIN, ack(f.cpu[0]));	/* not sent yet */
	sent = atomic64_read(&f.chip->fanout_deferred);
	fan_release(&f);
	KUNIT_EXPECT_EQ(test, FAN, fan_took(&f, 0x41));
	KUNIT_EXPECT_EQ(test, sent + 1, atomic64_read(&f.chip->fanout_deferred));
	KUNIT_EXPECT_FALSE(test, rte(f.io, 20) & DELIVS);
	KUNIT_EXPECT_LE(test, atomic_read(&f.chip->atomic_fanout_max), 16);

	/* Level: remote IRR from the commit; an EOI in flight re-sends. */
	disable_work_sync(&f.io->send_work);
	set_rte(f.io, 21, 0x42 | LEVEL | bcast);
	KUNIT_EXPECT_EQ(test, 1, fan_line(&f, 21, 1));
	KUNIT_EXPECT_TRUE(test, rte(f.io, 21) & REMOTE_IRR);
	KUNIT_EXPECT_EQ(test, 0, fan_line(&f, 21, 1));	/* in flight */
	/*
	 * An EOI of 0x42 (another pin's, say) before the message goes: it
	 * clears remote IRR, and the message, accepted when it goes, sets
	 * it again (once: nothing is sent twice).
	 */
	virq_ioapic_eoi_all(f.chip, f.cpu[0], 0x42, true);
	KUNIT_EXPECT_FALSE(test, rte(f.io, 21) & REMOTE_IRR);
	sent = atomic64_read(&f.chip->fanout_deferred);
	fan_release(&f);
	KUNIT_EXPECT_EQ(test, sent, atomic64_read(&f.chip->fanout_deferred));
	KUNIT_EXPECT_TRUE(test, rte(f.io, 21) & REMOTE_IRR);
	KUNIT_EXPECT_EQ(test, FAN, fan_took(&f, 0x42));
	fan_line(&f, 21, 0);
	virq_ioapic_eoi_all(f.chip, f.cpu[0], 0x42, true);
	KUNIT_EXPECT_FALSE(test, rte(f.io, 21) & REMOTE_IRR);
	virq_ioapic_flush(f.io);
	KUNIT_EXPECT_EQ(test, 0, fan_took(&f, 0x42));

	/* Refused by everyone (vector 5): out of service, sent once. */
	sent = atomic64_read(&f.chip->fanout_deferred);
	set_rte(f.io, 22, 0x05 | LEVEL | bcast);
	KUNIT_EXPECT_EQ(test, 1, fan_line(&f, 22, 1));
	virq_ioapic_flush(f.io);
	KUNIT_EXPECT_EQ(test, sent + 1, atomic64_read(&f.chip->fanout_deferred));
	KUNIT_EXPECT_FALSE(test, rte(f.io, 22) & (REMOTE_IRR | DELIVS));
	set_rte(f.io, 22, MASKED);
	fan_line(&f, 22, 0);

	/* Saved in flight, restored: the saved flight is sent again. */
	disable_work_sync(&f.io->send_work);
	set_rte(f.io, 23, 0x43 | bcast);
	KUNIT_EXPECT_EQ(test, 1, fan_line(&f, 23, 1));
	get(f.io, st);
	KUNIT_EXPECT_TRUE(test, st->redirtbl[23] & DELIVS);
	KUNIT_EXPECT_EQ(test, 0, virq_ioapic_set_state(f.io, st));
	KUNIT_EXPECT_TRUE(test, rte(f.io, 23) & DELIVS);
	fan_release(&f);
	KUNIT_EXPECT_EQ(test, FAN, fan_took(&f, 0x43));
	KUNIT_EXPECT_FALSE(test, rte(f.io, 23) & DELIVS);
	virq_chip_put(f.chip);
}

/*
 * An edge committed, the entry made level before it goes: the message is
 * a level one, so the pin is in service (remote IRR) once accepted, and
 * its EOI sends it again while the line stays asserted.
 */
static void ioapic_fanout_made_level_in_flight(struct kunit *test)
{
	u64 bcast = 0xffULL << VIRQ_IOAPIC_RTE_DEST_SHIFT;
	struct fan f;

	fan_init(test, &f);
	disable_work_sync(&f.io->send_work);
	set_rte(f.io, 18, 0x46 | bcast);
	KUNIT_EXPECT_EQ(test, 1, fan_line(&f, 18, 1));
	set_rte(f.io, 18, 0x46 | LEVEL | bcast);
	fan_release(&f);
	KUNIT_EXPECT_TRUE(test, rte(f.io, 18) & REMOTE_IRR);
	KUNIT_EXPECT_EQ(test, FAN, fan_took(&f, 0x46));
	virq_ioapic_eoi_all(f.chip, f.cpu[0], 0x46, true);
	virq_ioapic_flush(f.io);
	KUNIT_EXPECT_EQ(test, FAN, fan_took(&f, 0x46));
	virq_chip_put(f.chip);
}

/*
 * The RTC's tick committed on 0x38, its entry moved to 0x39 before the
 * work item sends it: the vCPUs owe 0x39, and the state GET saves says
 * so (the vector a restore gives debts saved without their own).
 */
static void ioapic_fanout_rtc_vector_saved(struct kunit *test)
{
	struct virq_ioapic_state *st = new_state(test);
	u64 bcast = 0xffULL << VIRQ_IOAPIC_RTE_DEST_SHIFT;
	struct fan f;

	fan_init(test, &f);
	disable_work_sync(&f.io->send_work);
	set_rte(f.io, 8, 0x38 | bcast);
	KUNIT_EXPECT_EQ(test, 1, fan_line(&f, 8, 1));
	set_rte(f.io, 8, 0x39 | bcast);
	fan_release(&f);
	KUNIT_EXPECT_EQ(test, FAN, fan_took(&f, 0x39));
	KUNIT_EXPECT_EQ(test, 0x39, READ_ONCE(f.chip->rtc_vector));
	get(f.io, st);
	KUNIT_EXPECT_EQ(test, 0x39, st->delivered_vector[8]);
	virq_chip_put(f.chip);
}

/*
 * Destroying an IOAPIC whose send_work still has a flight to land: the
 * landing (an EOI came in flight, the pin at the storm throttle's count)
 * must not arm the throttle's timer after destroy stopped it, nor send.
 */
static void ioapic_destroy_stops_flights(struct kunit *test)
{
	u64 bcast = 0xffULL << VIRQ_IOAPIC_RTE_DEST_SHIFT;
	struct fan f;

	fan_init(test, &f);
	disable_work_sync(&f.io->send_work);
	set_rte(f.io, 17, 0x47 | LEVEL | bcast);
	KUNIT_EXPECT_EQ(test, 1, fan_line(&f, 17, 1));
	f.io->eoi_count[17] = 9999;		/* one below the throttle */
	virq_ioapic_eoi_all(f.chip, f.cpu[0], 0x47, true);
	virq_ioapic_destroy(f.io);
	/* send_work runs after destroy returned (it was running then). */
	enable_work(&f.io->send_work);
	queue_work(virq_inject_wq, &f.io->send_work);
	flush_work(&f.io->send_work);
	KUNIT_EXPECT_FALSE(test, hrtimer_active(&f.io->storm_timer));
	KUNIT_EXPECT_EQ(test, 0, fan_took(&f, 0x47));
	hrtimer_cancel(&f.io->storm_timer);
	virq_chip_put(f.chip);
}

static struct kunit_case ioapic_cases[] = {
	KUNIT_CASE(ioapic_version_id_arbitration),
	KUNIT_CASE(ioapic_ioregsel_sweep),
	KUNIT_CASE(ioapic_rte_all_ones),
	KUNIT_CASE(ioapic_mmio_sizes),
	KUNIT_CASE(ioapic_edge_one_delivery),
	KUNIT_CASE(ioapic_masked_edge_lost),
	KUNIT_CASE(ioapic_level_remote_irr),
	KUNIT_CASE(ioapic_unmask_asserted_level),
	KUNIT_CASE(ioapic_level_to_edge_clears_remote_irr),
	KUNIT_CASE(ioapic_reprogram_inside_handler),
	KUNIT_CASE(ioapic_active_low),
	KUNIT_CASE(ioapic_active_low_logical),
	KUNIT_CASE(ioapic_fanout_in_flight),
	KUNIT_CASE(ioapic_fanout_made_level_in_flight),
	KUNIT_CASE(ioapic_fanout_rtc_vector_saved),
	KUNIT_CASE(ioapic_destroy_stops_flights),
	KUNIT_CASE(ioapic_eoi_register),
	KUNIT_CASE(ioapic_eoi_storm_throttled),
	KUNIT_CASE(ioapic_rtc_coalescing),
	KUNIT_CASE(ioapic_level_nmi_is_edge),
	KUNIT_CASE(ioapic_status_merges_with_pic),
	KUNIT_CASE(ioapic_destinations),
	KUNIT_CASE(ioapic_second_ioapic),
	KUNIT_CASE(ioapic_state_roundtrip),
	KUNIT_CASE(ioapic_kvm_format_restore),
	KUNIT_CASE(ioapic_restore_flight_refused),
	KUNIT_CASE(ioapic_kvm_format_ignores_delivs),
	KUNIT_CASE(ioapic_rtc_debt_keeps_its_vector),
	KUNIT_CASE(ioapic_rtc_debt_restored_before_ioapic),
	KUNIT_CASE(ioapic_set_state_validation),
	KUNIT_CASE(ioapic_eoi_exit_bitmap),
	{}
};

static struct kunit_suite ioapic_suite = {
	.name = "virq_ioapic",
	.test_cases = ioapic_cases,
};

kunit_test_suite(ioapic_suite);
