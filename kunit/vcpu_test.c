// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the vCPU delivery core (vcpu.c) on a chip without fds. A fake
 * waiter stands in for a thread asleep in VIRQ_VCPU_WAIT: it "sleeps" by
 * putting an entry on the vCPU's wait queue when it sees INTR clear, and
 * records the wake-up a kick gives it. The rule under test: whoever sets
 * INTR wakes a sleeper, so a waiter is never asleep with INTR set.
 */
#include <kunit/test.h>
#include <linux/wait.h>

#include "virq.h"

struct fake_waiter {
	struct wait_queue_entry wq;
	bool asleep;
	int wakes;
};

static int fake_wake(struct wait_queue_entry *wq, unsigned int mode,
		     int flags, void *key)
{
	struct fake_waiter *w = container_of(wq, struct fake_waiter, wq);

	w->asleep = false;
	w->wakes++;
	list_del_init(&wq->entry);
	return 1;
}

static u32 reqs(struct virq_vcpu *vcpu)
{
	return READ_ONCE(vcpu->run->requests);
}

/* The waiter's step: go to sleep if it sees nothing to do. */
static void waiter_step(struct virq_vcpu *vcpu, struct fake_waiter *w)
{
	if (w->asleep || (reqs(vcpu) & VIRQ_REQ_WAKE_MASK))
		return;
	w->asleep = true;
	add_wait_queue(&vcpu->wq, &w->wq);
}

static void waiter_init(struct fake_waiter *w)
{
	memset(w, 0, sizeof(*w));
	init_waitqueue_func_entry(&w->wq, fake_wake);
}

static void waiter_done(struct virq_vcpu *vcpu, struct fake_waiter *w)
{
	if (w->asleep)
		remove_wait_queue(&vcpu->wq, &w->wq);
}

struct rig {
	struct virq_chip *chip;
	struct virq_vcpu *bsp;
};

static void out(struct virq_pic *pic, u16 port, u8 val)
{
	virq_pic_pio(pic, port, true, &val);
}

static void rig_init(struct kunit *test, struct rig *r)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC, .max_vcpus = 2,
	};
	struct virq_pic *pic;

	r->chip = virq_chip_alloc(&cfg);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r->chip));
	r->bsp = virq_vcpu_add(r->chip, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r->bsp));
	pic = r->chip->pic;
	/* Linux's init, IRQ 3 level triggered. */
	out(pic, 0x20, 0x11);
	out(pic, 0x21, 0x30);
	out(pic, 0x21, 0x04);
	out(pic, 0x21, 0x01);
	out(pic, 0xa0, 0x11);
	out(pic, 0xa1, 0x38);
	out(pic, 0xa1, 0x02);
	out(pic, 0xa1, 0x01);
	out(pic, 0x4d0, 0x08);
}

static void rig_exit(struct rig *r)
{
	virq_chip_put(r->chip);
}

static const struct virq_irq_msg fixed_0x40 = {
	.vector = 0x40, .delivery_mode = VIRQ_DM_FIXED,
};

enum step { STEP_D, STEP_A, STEP_W };

/*
 * The three actors: D lowers the PIC line, A sends an MSI to the
 * BSP, W (the BSP thread) goes to sleep if it sees nothing. Each is one
 * critical section now, so their orders are all there is: every order
 * must end with the waiter awake or INTR clear, and with INTR set (the
 * MSI's vector is pending). (The old code's race ran A inside D; the next
 * case builds the state it left behind, and fails on the old code.)
 */
static void vcpu_intr_all_orders(struct kunit *test)
{
	static const enum step orders[6][3] = {
		{ STEP_D, STEP_A, STEP_W }, { STEP_D, STEP_W, STEP_A },
		{ STEP_A, STEP_D, STEP_W }, { STEP_A, STEP_W, STEP_D },
		{ STEP_W, STEP_D, STEP_A }, { STEP_W, STEP_A, STEP_D },
	};
	struct fake_waiter w;
	unsigned int o, i;
	struct rig r;

	for (o = 0; o < ARRAY_SIZE(orders); o++) {
		rig_init(test, &r);
		waiter_init(&w);
		KUNIT_ASSERT_EQ(test, 1, virq_pic_set_irq(r.chip->pic, 0, 3, 1));
		KUNIT_ASSERT_TRUE(test, reqs(r.bsp) & VIRQ_REQ_INTR);
		for (i = 0; i < 3; i++) {
			switch (orders[o][i]) {
			case STEP_D:
				virq_pic_set_irq(r.chip->pic, 0, 3, 0);
				break;
			case STEP_A:
				KUNIT_EXPECT_EQ(test, 1,
						virq_vcpu_deliver(r.bsp, &fixed_0x40));
				break;
			case STEP_W:
				waiter_step(r.bsp, &w);
				break;
			}
			KUNIT_EXPECT_FALSE_MSG(test, w.asleep &&
					       (reqs(r.bsp) & VIRQ_REQ_INTR),
					       "order %u step %u: asleep with INTR",
					       o, i);
		}
		KUNIT_EXPECT_TRUE_MSG(test, reqs(r.bsp) & VIRQ_REQ_INTR,
				      "order %u", o);
		KUNIT_EXPECT_FALSE(test, reqs(r.bsp) & VIRQ_REQ_EXTINT);
		KUNIT_EXPECT_EQ(test, 0x40, virq_vcpu_ack(r.bsp));
		KUNIT_EXPECT_FALSE(test, reqs(r.bsp) & VIRQ_REQ_INTR);
		waiter_done(r.bsp, &w);
		rig_exit(&r);
	}
}

/*
 * The state the lost wake-up left behind: a vector pending, INTR clear,
 * the BSP asleep. (A's vector store landed; its INTR was wiped by D's
 * clear.) Any later look at the state must set INTR and wake the sleeper.
 */
static void vcpu_stale_intr_repaired_with_wake(struct kunit *test)
{
	struct fake_waiter w;
	unsigned long flags;
	struct rig r;

	rig_init(test, &r);
	waiter_init(&w);
	KUNIT_ASSERT_EQ(test, 1, virq_pic_set_irq(r.chip->pic, 0, 3, 1));
	spin_lock_irqsave(&r.bsp->irq_lock, flags);
	__set_bit(0x40, r.bsp->irr);
	atomic_andnot(VIRQ_REQ_INTR, (atomic_t *)&r.bsp->run->requests);
	spin_unlock_irqrestore(&r.bsp->irq_lock, flags);
	waiter_step(r.bsp, &w);
	KUNIT_ASSERT_TRUE(test, w.asleep);
	/* D: the PIC output falls. */
	virq_pic_set_irq(r.chip->pic, 0, 3, 0);
	KUNIT_EXPECT_TRUE(test, reqs(r.bsp) & VIRQ_REQ_INTR);
	KUNIT_EXPECT_FALSE(test, w.asleep);
	KUNIT_EXPECT_EQ(test, 1, w.wakes);
	waiter_done(r.bsp, &w);
	rig_exit(&r);
}

/* Each way INTR can go from clear to set wakes a sleeper exactly once. */
static void vcpu_every_intr_setter_wakes(struct kunit *test)
{
	struct fake_waiter w;
	struct rig r;
	int op;

	for (op = 0; op < 3; op++) {
		rig_init(test, &r);
		waiter_init(&w);
		waiter_step(r.bsp, &w);
		KUNIT_ASSERT_TRUE(test, w.asleep);
		switch (op) {
		case 0:		/* an MSI */
			virq_vcpu_deliver(r.bsp, &fixed_0x40);
			break;
		case 1:		/* the PIC's output rises */
			virq_pic_set_irq(r.chip->pic, 0, 4, 1);
			break;
		case 2:		/* an MSI after the last one was acknowledged */
			virq_vcpu_deliver(r.bsp, &fixed_0x40);
			waiter_done(r.bsp, &w);
			waiter_init(&w);
			KUNIT_EXPECT_EQ(test, 0x40, virq_vcpu_ack(r.bsp));
			waiter_step(r.bsp, &w);
			virq_vcpu_deliver(r.bsp, &fixed_0x40);
			break;
		}
		KUNIT_EXPECT_TRUE_MSG(test, reqs(r.bsp) & VIRQ_REQ_INTR,
				      "op %d", op);
		KUNIT_EXPECT_FALSE_MSG(test, w.asleep, "op %d", op);
		KUNIT_EXPECT_EQ_MSG(test, 1, w.wakes, "op %d", op);
		waiter_done(r.bsp, &w);
		rig_exit(&r);
	}
}

/* ExtINT first, then vectors high to low; INTR/EXTINT mirror what's left. */
static void vcpu_ack_order_and_mirror(struct kunit *test)
{
	struct virq_irq_msg m = fixed_0x40;
	struct rig r;

	rig_init(test, &r);
	virq_vcpu_deliver(r.bsp, &m);
	m.vector = 0x90;
	virq_vcpu_deliver(r.bsp, &m);
	KUNIT_EXPECT_EQ(test, 0, virq_vcpu_deliver(r.bsp, &m));	/* coalesced */
	m.vector = 0x0f;
	KUNIT_EXPECT_EQ(test, -1, virq_vcpu_deliver(r.bsp, &m));	/* illegal */
	virq_pic_set_irq(r.chip->pic, 0, 5, 1);
	KUNIT_EXPECT_EQ(test, VIRQ_REQ_INTR | VIRQ_REQ_EXTINT,
			reqs(r.bsp) & (VIRQ_REQ_INTR | VIRQ_REQ_EXTINT));
	KUNIT_EXPECT_EQ(test, 0x35, virq_vcpu_ack(r.bsp));
	KUNIT_EXPECT_FALSE(test, reqs(r.bsp) & VIRQ_REQ_EXTINT);
	KUNIT_EXPECT_TRUE(test, reqs(r.bsp) & VIRQ_REQ_INTR);
	KUNIT_EXPECT_EQ(test, 0x90, virq_vcpu_ack(r.bsp));
	KUNIT_EXPECT_EQ(test, 0x40, virq_vcpu_ack(r.bsp));
	KUNIT_EXPECT_FALSE(test, reqs(r.bsp) & VIRQ_REQ_INTR);
	KUNIT_EXPECT_EQ(test, -EAGAIN, virq_vcpu_ack(r.bsp));
	rig_exit(&r);
}

static struct kunit_case vcpu_cases[] = {
	KUNIT_CASE(vcpu_intr_all_orders),
	KUNIT_CASE(vcpu_stale_intr_repaired_with_wake),
	KUNIT_CASE(vcpu_every_intr_setter_wakes),
	KUNIT_CASE(vcpu_ack_order_and_mirror),
	{}
};

static struct kunit_suite vcpu_suite = {
	.name = "virq_vcpu",
	.test_cases = vcpu_cases,
};

kunit_test_suite(vcpu_suite);
