// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the 8259A PIC pair (i8259.c), driven through its ports exactly as
 * a guest would, one case per mode of the datasheet. No vCPU is wired, so
 * the INTA cycle is run with virq_pic_intack() and the INT output read
 * with virq_pic_output().
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "virq.h"

static struct virq_pic *new_pic(struct kunit *test)
{
	struct virq_pic *pic = kunit_kzalloc(test, sizeof(*pic), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pic);
	virq_pic_init(pic);
	return pic;
}

static void out(struct virq_pic *pic, u16 port, u8 val)
{
	virq_pic_pio(pic, port, true, &val);
}

static u8 in(struct virq_pic *pic, u16 port)
{
	u8 val = 0;

	virq_pic_pio(pic, port, false, &val);
	return val;
}

/* ISA IRQ 0-15 (8-15 on the slave). */
static int irq(struct virq_pic *pic, unsigned int n, int level)
{
	return virq_pic_set_irq(pic, n / 8, n % 8, level);
}

static void pulse(struct virq_pic *pic, unsigned int n)
{
	irq(pic, n, 1);
	irq(pic, n, 0);
}

static u16 cmd(unsigned int chip)
{
	return chip ? 0xa0 : 0x20;
}

static u8 read_irr(struct virq_pic *pic, unsigned int chip)
{
	out(pic, cmd(chip), 0x0a);	/* OCW3: read IRR */
	return in(pic, cmd(chip));
}

static u8 read_isr(struct virq_pic *pic, unsigned int chip)
{
	u8 v;

	out(pic, cmd(chip), 0x0b);	/* OCW3: read ISR */
	v = in(pic, cmd(chip));
	out(pic, cmd(chip), 0x0a);
	return v;
}

static void init_pair(struct virq_pic *pic, u8 icw4_master, u8 icw4_slave)
{
	out(pic, 0x20, 0x11);
	out(pic, 0x21, 0x30);
	out(pic, 0x21, 0x04);
	out(pic, 0x21, icw4_master);
	out(pic, 0xa0, 0x11);
	out(pic, 0xa1, 0x38);
	out(pic, 0xa1, 0x02);
	out(pic, 0xa1, icw4_slave);
}

/* Linux's sequence: ICW1 0x11, ICW2 0x30/0x38, ICW3 0x04/0x02, ICW4 0x01. */
static struct virq_pic *linux_pic(struct kunit *test)
{
	struct virq_pic *pic = new_pic(test);

	init_pair(pic, 0x01, 0x01);
	return pic;
}

static void eoi(struct virq_pic *pic, unsigned int n)
{
	if (n >= 8)
		out(pic, 0xa0, 0x20);
	out(pic, 0x20, 0x20);
}

static int ack(struct virq_pic *pic)
{
	return virq_pic_intack(pic);
}

static struct virq_pic_state get_state(struct virq_pic *pic, unsigned int chip)
{
	struct virq_pic_state st;

	virq_pic_get_state(pic, chip, &st);
	return st;
}

/* ---- initialisation ---- */

static void pic_init_linux_sequence(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);
	struct virq_pic_state m = get_state(pic, 0), s = get_state(pic, 1);

	KUNIT_EXPECT_EQ(test, 0, m.init_state);
	KUNIT_EXPECT_EQ(test, 0x30, m.irq_base);
	KUNIT_EXPECT_EQ(test, 0x38, s.irq_base);
	KUNIT_EXPECT_EQ(test, 0x04, m.icw3);
	KUNIT_EXPECT_EQ(test, 0x02, s.icw3);
	KUNIT_EXPECT_EQ(test, 0x01, m.icw4);
	KUNIT_EXPECT_EQ(test, 1, m.init4);
	KUNIT_EXPECT_EQ(test, 0, m.single);
	KUNIT_EXPECT_EQ(test, 0x00, in(pic, 0x21));
	/* The next odd-port write is OCW1. */
	out(pic, 0x21, 0xfb);
	KUNIT_EXPECT_EQ(test, 0xfb, in(pic, 0x21));
	KUNIT_EXPECT_EQ(test, 0x30, get_state(pic, 0).irq_base);
}

static void pic_init_single_mode(struct kunit *test)
{
	struct virq_pic *pic = new_pic(test);

	out(pic, 0x20, 0x13);		/* ICW1: SNGL, IC4 */
	out(pic, 0x21, 0x40);		/* ICW2 */
	KUNIT_EXPECT_EQ(test, 3, get_state(pic, 0).init_state);	/* no ICW3 */
	out(pic, 0x21, 0x01);		/* ICW4 */
	KUNIT_EXPECT_EQ(test, 0, get_state(pic, 0).init_state);
	out(pic, 0x21, 0xfe);		/* OCW1 */
	KUNIT_EXPECT_EQ(test, 0xfe, in(pic, 0x21));
	KUNIT_EXPECT_EQ(test, 1, get_state(pic, 0).single);
	/* Single: IR2 is an ordinary input, acknowledged by the master. */
	out(pic, 0x21, 0x00);
	out(pic, 0xa0, 0x11);
	out(pic, 0xa1, 0x38);
	out(pic, 0xa1, 0x02);
	out(pic, 0xa1, 0x01);
	irq(pic, 10, 1);		/* slave INT drives master IR2 */
	KUNIT_EXPECT_TRUE(test, virq_pic_output(pic));
	KUNIT_EXPECT_EQ(test, 0x42, ack(pic));
	KUNIT_EXPECT_EQ(test, 0x00, read_isr(pic, 1));	/* slave untouched */
}

static void pic_init_without_icw4(struct kunit *test)
{
	struct virq_pic *pic = new_pic(test);

	init_pair(pic, 0x03, 0x01);	/* master AEOI on */
	KUNIT_EXPECT_EQ(test, 1, get_state(pic, 0).auto_eoi);
	out(pic, 0x20, 0x10);		/* ICW1 without IC4 */
	out(pic, 0x21, 0x30);
	out(pic, 0x21, 0x04);
	/* Done after ICW3; ICW4's functions are zero. */
	KUNIT_EXPECT_EQ(test, 0, get_state(pic, 0).init_state);
	KUNIT_EXPECT_EQ(test, 0, get_state(pic, 0).auto_eoi);
	KUNIT_EXPECT_EQ(test, 0, get_state(pic, 0).icw4);
	out(pic, 0x21, 0x12);
	KUNIT_EXPECT_EQ(test, 0x12, in(pic, 0x21));
}

static void pic_reinit_resets(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);
	struct virq_pic_state m;

	irq(pic, 3, 1);
	KUNIT_EXPECT_EQ(test, 0x33, ack(pic));
	out(pic, 0x20, 0xc4);		/* OCW2: set priority, IR4 lowest */
	out(pic, 0x20, 0x68);		/* OCW3: special mask mode on */
	out(pic, 0x20, 0x0b);		/* OCW3: read ISR */
	out(pic, 0x21, 0xf0);
	KUNIT_EXPECT_EQ(test, 0x08, in(pic, 0x20));

	out(pic, 0x20, 0x11);
	m = get_state(pic, 0);
	KUNIT_EXPECT_EQ(test, 0, m.imr);
	KUNIT_EXPECT_EQ(test, 0, m.isr);
	KUNIT_EXPECT_EQ(test, 0, m.priority_add);	/* IR7 lowest */
	KUNIT_EXPECT_EQ(test, 0, m.special_mask);
	KUNIT_EXPECT_EQ(test, 0, m.read_reg_select);	/* IRR */
	KUNIT_EXPECT_EQ(test, 1, m.init_state);
}

static void pic_reinit_edge_sense_reset(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	irq(pic, 5, 1);			/* latched, line stays high */
	KUNIT_EXPECT_EQ(test, 0x20, read_irr(pic, 0));
	init_pair(pic, 0x01, 0x01);
	KUNIT_EXPECT_EQ(test, 0x00, read_irr(pic, 0));
	/* Still high: no low-to-high transition, no request. */
	KUNIT_EXPECT_EQ(test, 0, irq(pic, 5, 1));
	KUNIT_EXPECT_FALSE(test, virq_pic_output(pic));
	irq(pic, 5, 0);
	KUNIT_EXPECT_EQ(test, 1, irq(pic, 5, 1));
	KUNIT_EXPECT_EQ(test, 0x35, ack(pic));
}

static void pic_icw2_low_bits_ignored(struct kunit *test)
{
	struct virq_pic *pic = new_pic(test);

	out(pic, 0x20, 0x11);
	out(pic, 0x21, 0x37);
	out(pic, 0x21, 0x04);
	out(pic, 0x21, 0x01);
	KUNIT_EXPECT_EQ(test, 0x30, get_state(pic, 0).irq_base);
	irq(pic, 1, 1);
	KUNIT_EXPECT_EQ(test, 0x31, ack(pic));
}

/* ---- masking, priorities, acknowledge ---- */

static void pic_ocw1_mask(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	out(pic, 0x21, 0x02);
	KUNIT_EXPECT_EQ(test, -1, irq(pic, 1, 1));
	/* The request is latched but does not reach INT. */
	KUNIT_EXPECT_EQ(test, 0x02, read_irr(pic, 0));
	KUNIT_EXPECT_FALSE(test, virq_pic_output(pic));
	out(pic, 0x21, 0x00);
	KUNIT_EXPECT_TRUE(test, virq_pic_output(pic));
	KUNIT_EXPECT_EQ(test, 0x31, ack(pic));
}

static void pic_status_codes(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	KUNIT_EXPECT_EQ(test, 1, irq(pic, 4, 1));	/* accepted */
	KUNIT_EXPECT_EQ(test, 0, irq(pic, 4, 1));	/* no new edge */
	irq(pic, 4, 0);
	KUNIT_EXPECT_EQ(test, 0, irq(pic, 4, 1));	/* still pending */
	KUNIT_EXPECT_EQ(test, 0x34, ack(pic));
	irq(pic, 4, 0);
	KUNIT_EXPECT_EQ(test, 1, irq(pic, 4, 1));
	out(pic, 0x21, 0x10);
	irq(pic, 4, 0);
	KUNIT_EXPECT_EQ(test, -1, irq(pic, 4, 1));	/* masked */
	out(pic, 0xa1, 0x10);				/* mask IRQ 12 */
	KUNIT_EXPECT_EQ(test, -1, irq(pic, 12, 1));
	KUNIT_EXPECT_EQ(test, 1, irq(pic, 13, 1));
}

static void pic_fully_nested_order(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	irq(pic, 3, 1);
	irq(pic, 1, 1);
	irq(pic, 5, 1);
	KUNIT_EXPECT_EQ(test, 0x31, ack(pic));
	eoi(pic, 1);
	KUNIT_EXPECT_EQ(test, 0x33, ack(pic));
	eoi(pic, 3);
	KUNIT_EXPECT_EQ(test, 0x35, ack(pic));
	eoi(pic, 5);
	KUNIT_EXPECT_FALSE(test, virq_pic_output(pic));
}

static void pic_nesting(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	irq(pic, 5, 1);
	KUNIT_EXPECT_EQ(test, 0x35, ack(pic));
	irq(pic, 6, 1);			/* lower than 5 in service */
	KUNIT_EXPECT_FALSE(test, virq_pic_output(pic));
	irq(pic, 3, 1);			/* higher: nests */
	KUNIT_EXPECT_TRUE(test, virq_pic_output(pic));
	KUNIT_EXPECT_EQ(test, 0x33, ack(pic));
	KUNIT_EXPECT_EQ(test, 0x28, read_isr(pic, 0));
	eoi(pic, 3);
	KUNIT_EXPECT_FALSE(test, virq_pic_output(pic));	/* 5 still blocks 6 */
	eoi(pic, 5);
	KUNIT_EXPECT_EQ(test, 0x36, ack(pic));
}

static void pic_cascade_acknowledge(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	irq(pic, 9, 1);
	KUNIT_EXPECT_TRUE(test, virq_pic_output(pic));
	KUNIT_EXPECT_EQ(test, 0x39, ack(pic));
	KUNIT_EXPECT_EQ(test, 0x04, read_isr(pic, 0));
	KUNIT_EXPECT_EQ(test, 0x02, read_isr(pic, 1));
	eoi(pic, 9);
	KUNIT_EXPECT_EQ(test, 0, read_isr(pic, 0) | read_isr(pic, 1));
	/* A second slave request behind the first: both get through. */
	irq(pic, 14, 1);
	irq(pic, 8, 1);
	KUNIT_EXPECT_EQ(test, 0x38, ack(pic));
	eoi(pic, 8);
	KUNIT_EXPECT_EQ(test, 0x3e, ack(pic));
}

static void pic_slave_id_mismatch(struct kunit *test)
{
	struct virq_pic *pic = new_pic(test);

	init_pair(pic, 0x01, 0x01);
	out(pic, 0xa0, 0x11);
	out(pic, 0xa1, 0x38);
	out(pic, 0xa1, 0x03);		/* slave ID 3, but wired to IR2 */
	out(pic, 0xa1, 0x01);
	irq(pic, 9, 1);
	/* CAS = 2 selects no slave: nobody drives the data bus. */
	KUNIT_EXPECT_EQ(test, 0xff, ack(pic));
	KUNIT_EXPECT_EQ(test, 0x00, read_isr(pic, 1));
}

/* ---- OCW2 ---- */

static void pic_ocw2_nonspecific_eoi(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	irq(pic, 6, 1);
	ack(pic);
	irq(pic, 4, 1);
	ack(pic);
	KUNIT_EXPECT_EQ(test, 0x50, read_isr(pic, 0));
	out(pic, 0x20, 0x20);		/* clears the highest: IR4 */
	KUNIT_EXPECT_EQ(test, 0x40, read_isr(pic, 0));
	out(pic, 0x20, 0x20);
	KUNIT_EXPECT_EQ(test, 0x00, read_isr(pic, 0));
	out(pic, 0x20, 0x20);		/* nothing in service: no effect */
	KUNIT_EXPECT_EQ(test, 0, get_state(pic, 0).priority_add);
}

static void pic_ocw2_specific_eoi(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	irq(pic, 6, 1);
	ack(pic);
	irq(pic, 4, 1);
	ack(pic);
	out(pic, 0x20, 0x66);		/* specific EOI, level 6 */
	KUNIT_EXPECT_EQ(test, 0x10, read_isr(pic, 0));
	KUNIT_EXPECT_EQ(test, 0, get_state(pic, 0).priority_add);
}

static void pic_ocw2_rotate_nonspecific_eoi(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	irq(pic, 3, 1);
	ack(pic);
	out(pic, 0x20, 0xa0);		/* rotate on non-specific EOI */
	KUNIT_EXPECT_EQ(test, 0, read_isr(pic, 0));
	KUNIT_EXPECT_EQ(test, 4, get_state(pic, 0).priority_add);
	/* Now 4 is highest and 3 lowest: 5 beats 1. */
	irq(pic, 1, 1);
	irq(pic, 5, 1);
	KUNIT_EXPECT_EQ(test, 0x35, ack(pic));
	out(pic, 0x20, 0x20);
	KUNIT_EXPECT_EQ(test, 0x31, ack(pic));
}

static void pic_ocw2_rotate_specific_eoi(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	irq(pic, 6, 1);
	ack(pic);
	out(pic, 0x20, 0xe6);		/* rotate on specific EOI, level 6 */
	KUNIT_EXPECT_EQ(test, 0, read_isr(pic, 0));
	KUNIT_EXPECT_EQ(test, 7, get_state(pic, 0).priority_add);
	irq(pic, 0, 1);
	irq(pic, 7, 1);
	KUNIT_EXPECT_EQ(test, 0x37, ack(pic));	/* 7 is now highest */
}

static void pic_ocw2_set_priority(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	out(pic, 0x20, 0xc4);		/* set priority: IR4 lowest */
	KUNIT_EXPECT_EQ(test, 5, get_state(pic, 0).priority_add);
	irq(pic, 1, 1);
	irq(pic, 5, 1);
	irq(pic, 4, 1);
	KUNIT_EXPECT_EQ(test, 0x35, ack(pic));
	eoi(pic, 5);
	KUNIT_EXPECT_EQ(test, 0x31, ack(pic));
	eoi(pic, 1);
	KUNIT_EXPECT_EQ(test, 0x34, ack(pic));
}

static void pic_ocw2_rotate_in_aeoi(struct kunit *test)
{
	struct virq_pic *pic = new_pic(test);

	init_pair(pic, 0x03, 0x01);	/* master AEOI */
	out(pic, 0x20, 0x80);		/* rotate in AEOI mode (set) */
	KUNIT_EXPECT_EQ(test, 1, get_state(pic, 0).rotate_on_auto_eoi);
	irq(pic, 3, 1);
	KUNIT_EXPECT_EQ(test, 0x33, ack(pic));
	KUNIT_EXPECT_EQ(test, 0, read_isr(pic, 0));
	KUNIT_EXPECT_EQ(test, 4, get_state(pic, 0).priority_add);
	out(pic, 0x20, 0x00);		/* rotate in AEOI mode (clear) */
	KUNIT_EXPECT_EQ(test, 0, get_state(pic, 0).rotate_on_auto_eoi);
	irq(pic, 6, 1);
	KUNIT_EXPECT_EQ(test, 0x36, ack(pic));
	KUNIT_EXPECT_EQ(test, 4, get_state(pic, 0).priority_add);
}

static void pic_ocw2_nop(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);
	struct virq_pic_state a, b;

	irq(pic, 3, 1);
	ack(pic);
	a = get_state(pic, 0);
	out(pic, 0x20, 0x40);		/* no operation */
	b = get_state(pic, 0);
	KUNIT_EXPECT_EQ(test, 0, memcmp(&a, &b, sizeof(a)));
}

/* Round robin: with rotation, equal devices take turns. */
static void pic_rotation_sequence(struct kunit *test)
{
	static const u8 expect[] = { 1, 4, 6, 1, 4, 6, 1 };
	struct virq_pic *pic = linux_pic(test);
	unsigned int i;
	int v;

	irq(pic, 1, 1);
	irq(pic, 4, 1);
	irq(pic, 6, 1);
	for (i = 0; i < ARRAY_SIZE(expect); i++) {
		v = ack(pic);
		KUNIT_EXPECT_EQ_MSG(test, 0x30 + expect[i], v, "step %u", i);
		out(pic, 0x20, 0xa0);	/* rotate on non-specific EOI */
		irq(pic, v - 0x30, 0);	/* the device asks again */
		irq(pic, v - 0x30, 1);
	}
	/* All eight slave inputs at once: 8, 9, ..., 15, 8 with rotation. */
	for (i = 8; i < 16; i++)
		irq(pic, i, 1);
	for (i = 0; i < 9; i++) {
		v = ack(pic);
		KUNIT_EXPECT_EQ_MSG(test, 0x38 + (i % 8), v, "slave step %u", i);
		out(pic, 0xa0, 0xa0);
		out(pic, 0x20, 0x20);
		irq(pic, v - 0x38 + 8, 0);
		irq(pic, v - 0x38 + 8, 1);
	}
}

/* ---- OCW3 ---- */

static void pic_read_register_select(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	irq(pic, 3, 1);
	irq(pic, 5, 1);
	ack(pic);
	out(pic, 0x20, 0x0b);
	KUNIT_EXPECT_EQ(test, 0x08, in(pic, 0x20));
	KUNIT_EXPECT_EQ(test, 0x08, in(pic, 0x20));	/* select sticks */
	out(pic, 0x20, 0x0a);
	KUNIT_EXPECT_EQ(test, 0x20, in(pic, 0x20));
	out(pic, 0x20, 0x08);		/* RR = 0: no change */
	KUNIT_EXPECT_EQ(test, 0x20, in(pic, 0x20));
}

static void pic_poll_command(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	out(pic, 0x20, 0x0c);		/* poll, nothing pending */
	KUNIT_EXPECT_EQ(test, 0x00, in(pic, 0x20));
	irq(pic, 6, 1);
	irq(pic, 3, 1);
	out(pic, 0x20, 0x0c);
	KUNIT_EXPECT_EQ(test, 0x83, in(pic, 0x20));	/* acts as INTA */
	KUNIT_EXPECT_EQ(test, 0x08, read_isr(pic, 0));
	KUNIT_EXPECT_EQ(test, 0x40, read_irr(pic, 0));
	out(pic, 0x20, 0x0c);		/* poll on the odd port too */
	KUNIT_EXPECT_EQ(test, 0x00, in(pic, 0x21));	/* 6 < 3 in service */
	KUNIT_EXPECT_EQ(test, 0, get_state(pic, 0).poll);
}

static void pic_special_mask_mode(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	irq(pic, 3, 1);
	KUNIT_EXPECT_EQ(test, 0x33, ack(pic));
	irq(pic, 5, 1);
	KUNIT_EXPECT_FALSE(test, virq_pic_output(pic));
	out(pic, 0x20, 0x68);		/* OCW3: set special mask mode */
	out(pic, 0x21, 0x08);		/* mask the level in service */
	/* A lower priority request gets through. */
	KUNIT_EXPECT_TRUE(test, virq_pic_output(pic));
	KUNIT_EXPECT_EQ(test, 0x35, ack(pic));
	/* Non-specific EOI skips the masked ISR bit 3 and clears 5. */
	out(pic, 0x20, 0x20);
	KUNIT_EXPECT_EQ(test, 0x08, read_isr(pic, 0));
	out(pic, 0x20, 0x48);		/* OCW3: reset special mask mode */
	KUNIT_EXPECT_EQ(test, 0, get_state(pic, 0).special_mask);
	out(pic, 0x21, 0x00);
	irq(pic, 6, 1);
	KUNIT_EXPECT_FALSE(test, virq_pic_output(pic));	/* 3 blocks again */
	out(pic, 0x20, 0x20);
	KUNIT_EXPECT_EQ(test, 0x36, ack(pic));
}

/* ---- modes ---- */

static void pic_special_fully_nested(struct kunit *test)
{
	struct virq_pic *pic = new_pic(test);

	init_pair(pic, 0x11, 0x01);	/* master SFNM */
	irq(pic, 12, 1);
	KUNIT_EXPECT_EQ(test, 0x3c, ack(pic));
	/* A higher slave request while the slave is in service... */
	irq(pic, 9, 1);
	KUNIT_EXPECT_TRUE(test, virq_pic_output(pic));
	KUNIT_EXPECT_EQ(test, 0x39, ack(pic));
	KUNIT_EXPECT_EQ(test, 0x12, read_isr(pic, 1));
	/* ...but not a lower master one. */
	irq(pic, 5, 1);
	KUNIT_EXPECT_FALSE(test, virq_pic_output(pic));

	/* Without SFNM the master blocks the slave's second request. */
	pic = linux_pic(test);
	irq(pic, 12, 1);
	ack(pic);
	irq(pic, 9, 1);
	KUNIT_EXPECT_FALSE(test, virq_pic_output(pic));
}

static void pic_spurious_irq7(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	KUNIT_EXPECT_EQ(test, 0x37, ack(pic));
	KUNIT_EXPECT_EQ(test, 0x00, read_isr(pic, 0));
	/* A masked request withdrawn before INTA: also IR7. */
	irq(pic, 4, 1);
	out(pic, 0x21, 0x10);
	KUNIT_EXPECT_EQ(test, 0x37, ack(pic));
	KUNIT_EXPECT_EQ(test, 0x00, read_isr(pic, 0));
}

static void pic_spurious_irq15(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	out(pic, 0x4d1, 0x04);		/* IRQ 10 level triggered */
	irq(pic, 10, 1);
	KUNIT_EXPECT_EQ(test, 0x04, read_irr(pic, 0));
	irq(pic, 10, 0);		/* gone before the INTA */
	KUNIT_EXPECT_EQ(test, 0x00, read_irr(pic, 1));
	KUNIT_EXPECT_TRUE(test, virq_pic_output(pic));	/* IR2 latched */
	KUNIT_EXPECT_EQ(test, 0x3f, ack(pic));
	/* The master took IR2 in service; the slave nothing. */
	KUNIT_EXPECT_EQ(test, 0x04, read_isr(pic, 0));
	KUNIT_EXPECT_EQ(test, 0x00, read_isr(pic, 1));
	out(pic, 0x20, 0x20);		/* the handler EOIs the master only */
	KUNIT_EXPECT_EQ(test, 0x00, read_isr(pic, 0));
}

static void pic_auto_eoi(struct kunit *test)
{
	struct virq_pic *pic = new_pic(test);

	init_pair(pic, 0x03, 0x03);
	irq(pic, 3, 1);
	irq(pic, 5, 1);
	KUNIT_EXPECT_EQ(test, 0x33, ack(pic));
	KUNIT_EXPECT_EQ(test, 0x00, read_isr(pic, 0));
	/* No EOI needed for the next one. */
	KUNIT_EXPECT_TRUE(test, virq_pic_output(pic));
	KUNIT_EXPECT_EQ(test, 0x35, ack(pic));
	KUNIT_EXPECT_EQ(test, 0, get_state(pic, 0).priority_add);
	irq(pic, 11, 1);
	KUNIT_EXPECT_EQ(test, 0x3b, ack(pic));
	KUNIT_EXPECT_EQ(test, 0, read_isr(pic, 0) | read_isr(pic, 1));
}

/* ---- triggering ---- */

static void pic_elcr_masks(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	out(pic, 0x4d0, 0xff);
	KUNIT_EXPECT_EQ(test, 0xf8, in(pic, 0x4d0));	/* IRQ 0-2 edge */
	out(pic, 0x4d1, 0xff);
	KUNIT_EXPECT_EQ(test, 0xde, in(pic, 0x4d1));	/* IRQ 8, 13 edge */
	out(pic, 0x4d0, 0x00);
	KUNIT_EXPECT_EQ(test, 0x00, in(pic, 0x4d0));
}

static void pic_elcr_write_twice(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	out(pic, 0x4d0, 0x08);
	out(pic, 0x4d0, 0x08);
	KUNIT_EXPECT_EQ(test, 0x08, in(pic, 0x4d0));
	out(pic, 0x4d1, 0x06);
	out(pic, 0x4d1, 0x06);
	KUNIT_EXPECT_EQ(test, 0x06, in(pic, 0x4d1));
	KUNIT_EXPECT_EQ(test, 0x08, in(pic, 0x4d0));
}

static void pic_level_reassert_after_eoi(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	out(pic, 0x4d0, 0x08);		/* IRQ 3 level */
	KUNIT_EXPECT_EQ(test, 1, irq(pic, 3, 1));
	KUNIT_EXPECT_EQ(test, 0x33, ack(pic));
	KUNIT_EXPECT_EQ(test, 0x08, read_irr(pic, 0));	/* still high */
	KUNIT_EXPECT_FALSE(test, virq_pic_output(pic));	/* in service */
	eoi(pic, 3);
	KUNIT_EXPECT_TRUE(test, virq_pic_output(pic));	/* asks again */
	KUNIT_EXPECT_EQ(test, 0x33, ack(pic));
	irq(pic, 3, 0);
	eoi(pic, 3);
	KUNIT_EXPECT_FALSE(test, virq_pic_output(pic));
}

/* A master level pin: IRR follows the line, the output with it. */
static void pic_level_follows_line(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	out(pic, 0x4d0, 0x40);		/* IRQ 6 level */
	KUNIT_EXPECT_EQ(test, 1, irq(pic, 6, 1));
	KUNIT_EXPECT_EQ(test, 0x40, read_irr(pic, 0));
	KUNIT_EXPECT_TRUE(test, virq_pic_output(pic));
	irq(pic, 6, 0);			/* deasserted before INTA */
	KUNIT_EXPECT_EQ(test, 0x00, read_irr(pic, 0));
	KUNIT_EXPECT_FALSE(test, virq_pic_output(pic));
	KUNIT_EXPECT_EQ(test, 1, irq(pic, 6, 1));
	KUNIT_EXPECT_EQ(test, 0x36, ack(pic));
}

/*
 * ICW1's LTIM is kept but, as on the PIIX, the ELCR alone decides: an
 * ELCR-edge pin still latches a pulse, an ELCR-level pin follows its line.
 */
static void pic_ltim_ignored_elcr_decides(struct kunit *test)
{
	struct virq_pic *pic = new_pic(test);

	out(pic, 0x20, 0x19);		/* ICW1: LTIM, IC4 */
	out(pic, 0x21, 0x30);
	out(pic, 0x21, 0x04);
	out(pic, 0x21, 0x01);
	KUNIT_EXPECT_EQ(test, 1, get_state(pic, 0).ltim);
	pulse(pic, 1);			/* IRQ 1: edge in the ELCR */
	KUNIT_EXPECT_EQ(test, 0x02, read_irr(pic, 0));
	KUNIT_EXPECT_TRUE(test, virq_pic_output(pic));
	KUNIT_EXPECT_EQ(test, 0x31, ack(pic));
	eoi(pic, 1);
	out(pic, 0x4d0, 0x10);		/* IRQ 4 level in the ELCR */
	pulse(pic, 4);
	KUNIT_EXPECT_EQ(test, 0x00, read_irr(pic, 0));
	KUNIT_EXPECT_FALSE(test, virq_pic_output(pic));
}

static void pic_edge_rising_only(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	KUNIT_EXPECT_EQ(test, 1, irq(pic, 4, 1));
	KUNIT_EXPECT_EQ(test, 0x34, ack(pic));
	KUNIT_EXPECT_EQ(test, 0, irq(pic, 4, 1));	/* high -> high */
	eoi(pic, 4);
	KUNIT_EXPECT_FALSE(test, virq_pic_output(pic));
	irq(pic, 4, 0);
	KUNIT_EXPECT_FALSE(test, virq_pic_output(pic));	/* falling edge */
	KUNIT_EXPECT_EQ(test, 1, irq(pic, 4, 1));
	KUNIT_EXPECT_EQ(test, 0x34, ack(pic));
}

static void pic_edge_latched_after_lower(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	pulse(pic, 7);
	KUNIT_EXPECT_EQ(test, 0x80, read_irr(pic, 0));
	KUNIT_EXPECT_TRUE(test, virq_pic_output(pic));
	KUNIT_EXPECT_EQ(test, 0x37, ack(pic));
	KUNIT_EXPECT_EQ(test, 0x80, read_isr(pic, 0));	/* real IR7: ISR set */
}

/* ---- state ---- */

static void pic_save_reset_restore(struct kunit *test)
{
	static const u16 ports[] = { 0x21, 0xa1, 0x4d0, 0x4d1 };
	struct virq_pic *pic = linux_pic(test);
	struct virq_pic_state m, s;
	u8 regs[2][8];
	unsigned int i, round;

	out(pic, 0x4d0, 0x20);
	out(pic, 0x4d1, 0x02);
	out(pic, 0x21, 0x40);
	out(pic, 0x20, 0xc2);		/* IR2 lowest */
	irq(pic, 5, 1);
	irq(pic, 9, 1);
	irq(pic, 4, 1);
	ack(pic);
	out(pic, 0x20, 0x68);		/* special mask mode */
	m = get_state(pic, 0);
	s = get_state(pic, 1);

	for (round = 0; round < 2; round++) {
		for (i = 0; i < ARRAY_SIZE(ports); i++)
			regs[round][i] = in(pic, ports[i]);
		regs[round][4] = read_irr(pic, 0);
		regs[round][5] = read_irr(pic, 1);
		regs[round][6] = read_isr(pic, 0);
		regs[round][7] = read_isr(pic, 1);
		if (round)
			break;
		virq_pic_init(pic);
		KUNIT_EXPECT_EQ(test, 0, in(pic, 0x4d0));
		KUNIT_ASSERT_EQ(test, 0, virq_pic_set_state(pic, 0, &m));
		KUNIT_ASSERT_EQ(test, 0, virq_pic_set_state(pic, 1, &s));
	}
	KUNIT_EXPECT_EQ(test, 0, memcmp(regs[0], regs[1], sizeof(regs[0])));
	/*
	 * The restored pair carries on: IR4 in service blocks 5 and IR2
	 * (IR2 is lowest after the set-priority command); after its EOI the
	 * level IRQ 5 goes first, then IRQ 9 through the cascade.
	 */
	KUNIT_EXPECT_FALSE(test, virq_pic_output(pic));
	eoi(pic, 4);
	KUNIT_EXPECT_EQ(test, 0x35, ack(pic));
	irq(pic, 5, 0);
	eoi(pic, 5);
	KUNIT_EXPECT_EQ(test, 0x39, ack(pic));
}

/*
 * Restoring the pair does not depend on the order: the master's cascade
 * input (last_irr/irr bit 2) reads back as saved whether the slave it was
 * saved with is restored before or after it.
 */
static void pic_restore_order_independent(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);
	struct virq_pic_state m, s, m2, s2;
	unsigned int order;

	irq(pic, 10, 1);		/* slave INT high: master IR2 raised */
	m = get_state(pic, 0);
	s = get_state(pic, 1);
	KUNIT_ASSERT_EQ(test, 0x04, m.last_irr & 0x04);
	KUNIT_ASSERT_EQ(test, 0x04, m.irr & 0x04);
	for (order = 0; order < 2; order++) {
		virq_pic_init(pic);
		if (order) {
			KUNIT_ASSERT_EQ(test, 0, virq_pic_set_state(pic, 1, &s));
			KUNIT_ASSERT_EQ(test, 0, virq_pic_set_state(pic, 0, &m));
		} else {
			KUNIT_ASSERT_EQ(test, 0, virq_pic_set_state(pic, 0, &m));
			/* The old (reset) slave does not rewrite the master. */
			m2 = get_state(pic, 0);
			KUNIT_EXPECT_EQ(test, m.last_irr, m2.last_irr);
			KUNIT_EXPECT_EQ(test, m.irr, m2.irr);
			KUNIT_ASSERT_EQ(test, 0, virq_pic_set_state(pic, 1, &s));
		}
		m2 = get_state(pic, 0);
		s2 = get_state(pic, 1);
		KUNIT_EXPECT_EQ_MSG(test, 0, memcmp(&m, &m2, sizeof(m)),
				    "master, order %u", order);
		KUNIT_EXPECT_EQ_MSG(test, 0, memcmp(&s, &s2, sizeof(s)),
				    "slave, order %u", order);
		KUNIT_EXPECT_EQ(test, 0x3a, ack(pic));
	}
}

/*
 * Re-initialising the master while the slave's INT stays high: the slave's
 * request is presented again and reaches the master.
 */
static void pic_master_reinit_sees_slave(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);

	irq(pic, 11, 1);
	KUNIT_EXPECT_TRUE(test, virq_pic_output(pic));
	out(pic, 0x20, 0x11);		/* master only */
	out(pic, 0x21, 0x30);
	out(pic, 0x21, 0x04);
	out(pic, 0x21, 0x01);
	KUNIT_EXPECT_EQ(test, 0x04, read_irr(pic, 0));
	KUNIT_EXPECT_TRUE(test, virq_pic_output(pic));
	KUNIT_EXPECT_EQ(test, 0x3b, ack(pic));
}

static void pic_set_state_validation(struct kunit *test)
{
	struct virq_pic *pic = linux_pic(test);
	struct virq_pic_state good, bad, after;

	irq(pic, 3, 1);
	good = get_state(pic, 0);
#define EXPECT_REJECTED(field, val) do {				\
		bad = good;						\
		bad.field = (val);					\
		KUNIT_EXPECT_EQ(test, -EINVAL,				\
				virq_pic_set_state(pic, 0, &bad));	\
		after = get_state(pic, 0);				\
		KUNIT_EXPECT_EQ(test, 0, memcmp(&good, &after, sizeof(good))); \
	} while (0)
	EXPECT_REJECTED(elcr, 0x01);		/* outside elcr_mask */
	EXPECT_REJECTED(elcr_mask, 0xff);
	EXPECT_REJECTED(init_state, 4);
	EXPECT_REJECTED(priority_add, 8);
	EXPECT_REJECTED(irq_base, 0x31);
	EXPECT_REJECTED(poll, 2);
	EXPECT_REJECTED(special_mask, 0xff);
	EXPECT_REJECTED(pad[10], 1);
	EXPECT_REJECTED(ext, 2);
	bad = good;
	bad.ext = 0;
	bad.single = 1;			/* ext fields without ext */
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_pic_set_state(pic, 0, &bad));
	bad = good;
	bad.init_state = 3;
	bad.init4 = 0;			/* waits for an ICW4 it won't get */
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_pic_set_state(pic, 0, &bad));
	bad = good;
	bad.init_state = 2;
	bad.single = 1;			/* waits for an ICW3 it won't get */
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_pic_set_state(pic, 0, &bad));
	/* Slave mask on the master and back. */
	bad = get_state(pic, 1);
	bad.elcr_mask = 0xf8;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_pic_set_state(pic, 1, &bad));
#undef EXPECT_REJECTED
}

static void pic_kvm_format_restore(struct kunit *test)
{
	struct virq_pic *pic = new_pic(test);
	struct virq_pic_state m = {
		.irq_base = 0x08, .imr = 0xfa, .elcr_mask = 0xf8,
		.auto_eoi = 1, .init4 = 1,
	}, s = { .irq_base = 0x70, .elcr_mask = 0xde };

	/* A KVM-sized state (ext = 0): PC cascade wiring is assumed. */
	KUNIT_ASSERT_EQ(test, 0, virq_pic_set_state(pic, 0, &m));
	KUNIT_ASSERT_EQ(test, 0, virq_pic_set_state(pic, 1, &s));
	m = get_state(pic, 0);
	KUNIT_EXPECT_EQ(test, 0x04, m.icw3);
	KUNIT_EXPECT_EQ(test, 0x03, m.icw4);
	irq(pic, 14, 1);
	KUNIT_EXPECT_EQ(test, 0x76, ack(pic));
	KUNIT_EXPECT_EQ(test, 0x00, read_isr(pic, 0));	/* master AEOI */
}

static void pic_port_claims(struct kunit *test)
{
	struct virq_pic *pic = new_pic(test);
	u8 v = 0;

	KUNIT_EXPECT_TRUE(test, virq_pic_claims(0x20));
	KUNIT_EXPECT_TRUE(test, virq_pic_claims(0x21));
	KUNIT_EXPECT_TRUE(test, virq_pic_claims(0xa0));
	KUNIT_EXPECT_TRUE(test, virq_pic_claims(0xa1));
	KUNIT_EXPECT_TRUE(test, virq_pic_claims(0x4d0));
	KUNIT_EXPECT_TRUE(test, virq_pic_claims(0x4d1));
	KUNIT_EXPECT_FALSE(test, virq_pic_claims(0x22));
	KUNIT_EXPECT_FALSE(test, virq_pic_claims(0x4d2));
	KUNIT_EXPECT_FALSE(test, virq_pic_claims(0x60));
	KUNIT_EXPECT_EQ(test, -ENOENT, virq_pic_pio(pic, 0x22, true, &v));
}

static struct kunit_case pic_cases[] = {
	KUNIT_CASE(pic_init_linux_sequence),
	KUNIT_CASE(pic_init_single_mode),
	KUNIT_CASE(pic_init_without_icw4),
	KUNIT_CASE(pic_reinit_resets),
	KUNIT_CASE(pic_reinit_edge_sense_reset),
	KUNIT_CASE(pic_icw2_low_bits_ignored),
	KUNIT_CASE(pic_ocw1_mask),
	KUNIT_CASE(pic_status_codes),
	KUNIT_CASE(pic_fully_nested_order),
	KUNIT_CASE(pic_nesting),
	KUNIT_CASE(pic_cascade_acknowledge),
	KUNIT_CASE(pic_slave_id_mismatch),
	KUNIT_CASE(pic_ocw2_nonspecific_eoi),
	KUNIT_CASE(pic_ocw2_specific_eoi),
	KUNIT_CASE(pic_ocw2_rotate_nonspecific_eoi),
	KUNIT_CASE(pic_ocw2_rotate_specific_eoi),
	KUNIT_CASE(pic_ocw2_set_priority),
	KUNIT_CASE(pic_ocw2_rotate_in_aeoi),
	KUNIT_CASE(pic_ocw2_nop),
	KUNIT_CASE(pic_rotation_sequence),
	KUNIT_CASE(pic_read_register_select),
	KUNIT_CASE(pic_poll_command),
	KUNIT_CASE(pic_special_mask_mode),
	KUNIT_CASE(pic_special_fully_nested),
	KUNIT_CASE(pic_spurious_irq7),
	KUNIT_CASE(pic_spurious_irq15),
	KUNIT_CASE(pic_auto_eoi),
	KUNIT_CASE(pic_elcr_masks),
	KUNIT_CASE(pic_elcr_write_twice),
	KUNIT_CASE(pic_level_reassert_after_eoi),
	KUNIT_CASE(pic_level_follows_line),
	KUNIT_CASE(pic_ltim_ignored_elcr_decides),
	KUNIT_CASE(pic_edge_rising_only),
	KUNIT_CASE(pic_edge_latched_after_lower),
	KUNIT_CASE(pic_save_reset_restore),
	KUNIT_CASE(pic_restore_order_independent),
	KUNIT_CASE(pic_master_reinit_sees_slave),
	KUNIT_CASE(pic_set_state_validation),
	KUNIT_CASE(pic_kvm_format_restore),
	KUNIT_CASE(pic_port_claims),
	{}
};

static struct kunit_suite pic_suite = {
	.name = "virq_pic",
	.test_cases = pic_cases,
};

kunit_test_suites(&pic_suite);
