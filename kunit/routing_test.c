// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: routing table construction (virq_routing_build()), the default
 * PC wiring (virq_routing_default()), GSI lookup, and every rule that
 * rejects a table.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include "virq.h"

static const struct virq_chip_config pic_cfg = {
	.flags = VIRQ_CHIP_PIC, .max_vcpus = 1,
};

static const struct virq_chip_config ioapic_cfg = {
	.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC, .max_vcpus = 1,
	.nr_ioapics = 2, .ioapic_gsi_base = { 0, 24 },
};

static struct virq_irq_routing_entry chip_entry(u32 gsi, u32 irqchip, u32 pin)
{
	struct virq_irq_routing_entry e = {
		.gsi = gsi, .type = VIRQ_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { .irqchip = irqchip, .pin = pin },
	};

	return e;
}

static struct virq_irq_routing_entry msi_entry(u32 gsi, u32 addr, u32 data)
{
	struct virq_irq_routing_entry e = {
		.gsi = gsi, .type = VIRQ_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = addr, .data = data },
	};

	return e;
}

/* Build, expect @err (0: success), and free. */
static void expect_build(struct kunit *test, const struct virq_chip_config *cfg,
			 const struct virq_irq_routing_entry *e, u32 nr, int err)
{
	struct virq_routing *rt = virq_routing_build(cfg, e, nr);

	if (err) {
		KUNIT_EXPECT_EQ(test, err, PTR_ERR_OR_ZERO(rt));
	} else {
		KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
		virq_routing_free(rt);
	}
}

/* Does @gsi have a route to @irqchip/@pin in @rt? */
static bool has_route(const struct virq_routing *rt, u32 gsi, u32 irqchip,
		      u32 pin)
{
	const struct virq_route *r;
	u32 i, n = virq_routing_find(rt, gsi, &r);

	for (i = 0; i < n; i++)
		if (r[i].type == VIRQ_IRQ_ROUTING_IRQCHIP &&
		    r[i].irqchip.irqchip == irqchip && r[i].irqchip.pin == pin)
			return true;
	return false;
}

static u32 nr_routes(const struct virq_routing *rt, u32 gsi)
{
	const struct virq_route *r;

	return virq_routing_find(rt, gsi, &r);
}

static void routing_default_pic_only(struct kunit *test)
{
	struct virq_routing *rt = virq_routing_default(&pic_cfg);
	u32 gsi;

	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	KUNIT_EXPECT_EQ(test, 15, rt->nr);
	for (gsi = 0; gsi < 16; gsi++) {
		if (gsi == 2) {
			KUNIT_EXPECT_EQ(test, 0, nr_routes(rt, gsi));
			continue;
		}
		KUNIT_EXPECT_EQ(test, 1, nr_routes(rt, gsi));
		KUNIT_EXPECT_TRUE(test, has_route(rt, gsi, gsi / 8, gsi % 8));
	}
	KUNIT_EXPECT_EQ(test, 0, nr_routes(rt, 16));
	KUNIT_EXPECT_EQ(test, 0, nr_routes(rt, VIRQ_NR_GSIS - 1));
	KUNIT_EXPECT_EQ(test, 0, nr_routes(rt, U32_MAX));
	virq_routing_free(rt);
}

static void routing_default_ioapics(struct kunit *test)
{
	struct virq_routing *rt = virq_routing_default(&ioapic_cfg);
	u32 gsi;

	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	/* GSI 0: the PIC's IR0 and IOAPIC pin 2 (the timer override). */
	KUNIT_EXPECT_EQ(test, 2, nr_routes(rt, 0));
	KUNIT_EXPECT_TRUE(test, has_route(rt, 0, VIRQ_IRQCHIP_PIC_MASTER, 0));
	KUNIT_EXPECT_TRUE(test, has_route(rt, 0, VIRQ_IRQCHIP_IOAPIC(0), 2));
	/* GSI 2: the cascade, nothing. */
	KUNIT_EXPECT_EQ(test, 0, nr_routes(rt, 2));
	for (gsi = 1; gsi < 16; gsi++) {
		if (gsi == 2)
			continue;
		KUNIT_EXPECT_EQ(test, 2, nr_routes(rt, gsi));
		KUNIT_EXPECT_TRUE(test, has_route(rt, gsi, gsi / 8, gsi % 8));
		KUNIT_EXPECT_TRUE(test, has_route(rt, gsi,
						  VIRQ_IRQCHIP_IOAPIC(0), gsi));
	}
	for (gsi = 16; gsi < 24; gsi++) {
		KUNIT_EXPECT_EQ(test, 1, nr_routes(rt, gsi));
		KUNIT_EXPECT_TRUE(test, has_route(rt, gsi,
						  VIRQ_IRQCHIP_IOAPIC(0), gsi));
	}
	/* The second IOAPIC continues the GSI space from its base. */
	for (gsi = 24; gsi < 48; gsi++) {
		KUNIT_EXPECT_EQ(test, 1, nr_routes(rt, gsi));
		KUNIT_EXPECT_TRUE(test, has_route(rt, gsi,
						  VIRQ_IRQCHIP_IOAPIC(1),
						  gsi - 24));
	}
	KUNIT_EXPECT_EQ(test, 0, nr_routes(rt, 48));
	virq_routing_free(rt);
}

static void routing_empty_and_limits(struct kunit *test)
{
	struct virq_irq_routing_entry *e;
	u32 i;

	expect_build(test, &pic_cfg, NULL, 0, 0);
	e = kunit_kcalloc(test, VIRQ_MAX_ROUTES + 1, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	/* 4096 MSI routes on 4096 GSIs: the largest table. */
	for (i = 0; i <= VIRQ_MAX_ROUTES; i++)
		e[i] = msi_entry(i, 0xfee00000, 0x30);
	expect_build(test, &pic_cfg, e, VIRQ_MAX_ROUTES, 0);
	e[VIRQ_MAX_ROUTES].gsi = 0;
	expect_build(test, &pic_cfg, e, VIRQ_MAX_ROUTES + 1, -EINVAL);
}

static void routing_reject_gsi_range(struct kunit *test)
{
	struct virq_irq_routing_entry e = msi_entry(VIRQ_NR_GSIS - 1,
						    0xfee00000, 0x30);

	expect_build(test, &pic_cfg, &e, 1, 0);
	e.gsi = VIRQ_NR_GSIS;
	expect_build(test, &pic_cfg, &e, 1, -EINVAL);
	e.gsi = U32_MAX;
	expect_build(test, &pic_cfg, &e, 1, -EINVAL);
}

static void routing_reject_type(struct kunit *test)
{
	struct virq_irq_routing_entry e = chip_entry(1, 0, 1);

	e.type = 0;
	expect_build(test, &pic_cfg, &e, 1, -EINVAL);
	e.type = 3;	/* KVM's s390 adapter: not here */
	expect_build(test, &pic_cfg, &e, 1, -EINVAL);
}

static void routing_reject_flags_and_padding(struct kunit *test)
{
	struct virq_irq_routing_entry e = chip_entry(1, 0, 1);

	e.flags = VIRQ_MSI_VALID_DEVID;	/* only MSI entries take it */
	expect_build(test, &pic_cfg, &e, 1, -EINVAL);
	e = chip_entry(1, 0, 1);
	e.pad = 1;
	expect_build(test, &pic_cfg, &e, 1, -EINVAL);
	e = chip_entry(1, 0, 1);
	e.u.pad[2] = 1;
	expect_build(test, &pic_cfg, &e, 1, -EINVAL);

	e = msi_entry(1, 0xfee00000, 0x30);
	e.flags = VIRQ_MSI_VALID_DEVID;
	e.u.msi.devid = 0x1234;
	expect_build(test, &pic_cfg, &e, 1, 0);
	e.flags = 0;			/* devid without its flag */
	expect_build(test, &pic_cfg, &e, 1, -EINVAL);
	e = msi_entry(1, 0xfee00000, 0x30);
	e.flags = 2;
	expect_build(test, &pic_cfg, &e, 1, -EINVAL);
	e = msi_entry(1, 0xfee00000, 0x30);
	e.u.pad[4] = 1;
	expect_build(test, &pic_cfg, &e, 1, -EINVAL);
}

static void routing_reject_irqchip_and_pin(struct kunit *test)
{
	struct virq_irq_routing_entry e = chip_entry(1, VIRQ_IRQCHIP_IOAPIC(0), 1);

	/* No IOAPIC in a PIC-only chip. */
	expect_build(test, &pic_cfg, &e, 1, -EINVAL);
	expect_build(test, &ioapic_cfg, &e, 1, 0);
	e = chip_entry(1, VIRQ_IRQCHIP_IOAPIC(2), 1);	/* IOAPIC 2 of 2 */
	expect_build(test, &ioapic_cfg, &e, 1, -EINVAL);
	e = chip_entry(1, VIRQ_IRQCHIP_IOAPIC(0), 24);
	expect_build(test, &ioapic_cfg, &e, 1, -EINVAL);
	e = chip_entry(1, VIRQ_IRQCHIP_IOAPIC(1), 23);
	expect_build(test, &ioapic_cfg, &e, 1, 0);
	e = chip_entry(1, VIRQ_IRQCHIP_PIC_SLAVE, 8);
	expect_build(test, &pic_cfg, &e, 1, -EINVAL);
	e = chip_entry(1, VIRQ_IRQCHIP_PIC_SLAVE, 7);
	expect_build(test, &pic_cfg, &e, 1, 0);
	/* Master IR2 is the cascade input. */
	e = chip_entry(2, VIRQ_IRQCHIP_PIC_MASTER, 2);
	expect_build(test, &pic_cfg, &e, 1, -EINVAL);
	e = chip_entry(1, U32_MAX, 0);
	expect_build(test, &ioapic_cfg, &e, 1, -EINVAL);
}

static void routing_reject_duplicate_irqchip(struct kunit *test)
{
	struct virq_irq_routing_entry e[3] = {
		chip_entry(5, VIRQ_IRQCHIP_PIC_MASTER, 5),
		chip_entry(9, VIRQ_IRQCHIP_PIC_SLAVE, 1),
		chip_entry(5, VIRQ_IRQCHIP_PIC_MASTER, 6),
	};

	/* GSI 5 reaches the master twice (on two pins): rejected. */
	expect_build(test, &pic_cfg, e, 3, -EINVAL);
	/* Master and slave for one GSI: two irqchips, fine. */
	e[2] = chip_entry(5, VIRQ_IRQCHIP_PIC_SLAVE, 6);
	expect_build(test, &pic_cfg, e, 3, 0);
	/* The same route twice is a duplicate too. */
	e[2] = e[0];
	expect_build(test, &pic_cfg, e, 3, -EINVAL);
}

static void routing_reject_msi_not_alone(struct kunit *test)
{
	struct virq_irq_routing_entry e[2] = {
		msi_entry(40, 0xfee00000, 0x30),
		chip_entry(40, VIRQ_IRQCHIP_PIC_MASTER, 1),
	};

	expect_build(test, &pic_cfg, e, 2, -EINVAL);
	e[1] = msi_entry(40, 0xfee01000, 0x31);
	expect_build(test, &pic_cfg, e, 2, -EINVAL);
	e[1].gsi = 41;
	expect_build(test, &pic_cfg, e, 2, 0);
}

static void routing_lookup_unsorted_input(struct kunit *test)
{
	struct virq_irq_routing_entry e[5] = {
		chip_entry(9, VIRQ_IRQCHIP_PIC_MASTER, 1),
		msi_entry(100, 0xfee00000, 0x41),
		chip_entry(3, VIRQ_IRQCHIP_PIC_MASTER, 3),
		chip_entry(9, VIRQ_IRQCHIP_PIC_SLAVE, 1),
		msi_entry(0, 0xfee00000, 0x40),
	};
	struct virq_routing *rt = virq_routing_build(&pic_cfg, e, 5);
	const struct virq_route *r;

	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	KUNIT_EXPECT_EQ(test, 101, rt->nr_gsis);
	KUNIT_EXPECT_EQ(test, 1, virq_routing_find(rt, 0, &r));
	KUNIT_EXPECT_EQ(test, VIRQ_IRQ_ROUTING_MSI, r->type);
	KUNIT_EXPECT_EQ(test, 0x40, r->msi.msg.vector);
	KUNIT_EXPECT_EQ(test, 0, nr_routes(rt, 1));
	KUNIT_EXPECT_EQ(test, 1, nr_routes(rt, 3));
	KUNIT_EXPECT_EQ(test, 2, nr_routes(rt, 9));
	KUNIT_EXPECT_TRUE(test, has_route(rt, 9, 0, 1));
	KUNIT_EXPECT_TRUE(test, has_route(rt, 9, 1, 1));
	KUNIT_EXPECT_EQ(test, 0, nr_routes(rt, 99));
	KUNIT_EXPECT_EQ(test, 1, virq_routing_find(rt, 100, &r));
	KUNIT_EXPECT_EQ(test, 0x41, r->msi.msg.vector);
	KUNIT_EXPECT_EQ(test, 0, nr_routes(rt, 101));
	virq_routing_free(rt);
}

static void routing_msi_undecodable_accepted(struct kunit *test)
{
	struct virq_irq_routing_entry e = msi_entry(7, 0x12345678, 0);
	struct virq_routing *rt = virq_routing_build(&pic_cfg, &e, 1);
	const struct virq_route *r;

	/* A guest may program garbage; the route exists, delivers nothing. */
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	KUNIT_ASSERT_EQ(test, 1, virq_routing_find(rt, 7, &r));
	KUNIT_EXPECT_FALSE(test, r->msi.valid);
	virq_routing_free(rt);

	e = msi_entry(7, 0xfee00000, 0x30);
	rt = virq_routing_build(&pic_cfg, &e, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	KUNIT_ASSERT_EQ(test, 1, virq_routing_find(rt, 7, &r));
	KUNIT_EXPECT_TRUE(test, r->msi.valid);
	virq_routing_free(rt);
}

struct grace_reader {
	struct virq_grace *g;
	struct completion inside;
	bool left;
	bool migrate;
};

/* A read section of 100 ms, counted out on another CPU if it can. */
static int grace_reader_fn(void *arg)
{
	struct grace_reader *r = arg;
	unsigned int idx = virq_grace_read_lock(r->g);

	complete(&r->inside);
	msleep(50);
	if (r->migrate && num_online_cpus() > 1)
		set_cpus_allowed_ptr(current,
				     cpumask_of(cpumask_any_but(cpu_online_mask,
								raw_smp_processor_id())));
	msleep(50);
	WRITE_ONCE(r->left, true);
	virq_grace_read_unlock(r->g, idx);
	return 0;
}

/*
 * The chip's grace (grace.c): a grace period waits for a read section
 * that began before it, even one that ends on another CPU, and does not
 * wait for nothing.
 */
static void grace_waits_for_readers(struct kunit *test)
{
	struct grace_reader r = { };
	struct virq_grace g;
	struct task_struct *t;
	ktime_t t0;
	int round;

	KUNIT_ASSERT_EQ(test, 0, virq_grace_init(&g));
	t0 = ktime_get();
	virq_grace_synchronize(&g);			/* no readers */
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), t0), 1000);
	for (round = 0; round < 2; round++) {
		r.g = &g;
		r.left = false;
		r.migrate = round;
		init_completion(&r.inside);
		t = kthread_run(grace_reader_fn, &r, "virq-grace-test");
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		wait_for_completion(&r.inside);
		virq_grace_synchronize(&g);
		KUNIT_EXPECT_TRUE(test, READ_ONCE(r.left));
		/* A second one right away: the index flipped back. */
		virq_grace_synchronize(&g);
	}
	virq_grace_destroy(&g);
}

static struct kunit_case routing_cases[] = {
	KUNIT_CASE(routing_default_pic_only),
	KUNIT_CASE(routing_default_ioapics),
	KUNIT_CASE(routing_empty_and_limits),
	KUNIT_CASE(routing_reject_gsi_range),
	KUNIT_CASE(routing_reject_type),
	KUNIT_CASE(routing_reject_flags_and_padding),
	KUNIT_CASE(routing_reject_irqchip_and_pin),
	KUNIT_CASE(routing_reject_duplicate_irqchip),
	KUNIT_CASE(routing_reject_msi_not_alone),
	KUNIT_CASE(routing_lookup_unsorted_input),
	KUNIT_CASE(routing_msi_undecodable_accepted),
	KUNIT_CASE(grace_waits_for_readers),
	{}
};

static struct kunit_suite routing_suite = {
	.name = "virq_routing",
	.test_cases = routing_cases,
};

kunit_test_suites(&routing_suite);
