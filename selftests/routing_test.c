// SPDX-License-Identifier: GPL-2.0
/*
 * GSI routing as a VMM sees it: the default PC table, VIRQ_SET_GSI_ROUTING
 * swaps, every rejection leaving the old table in force, and the
 * VIRQ_IRQ_LINE_STATUS codes summed over routes.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include "virq_test.h"

#define MAX_ENTRIES (VIRQ_MAX_ROUTES + 1)

static struct virq_irq_routing *table(unsigned int nr)
{
	struct virq_irq_routing *r;

	r = calloc(1, sizeof(*r) + nr * sizeof(r->entries[0]));
	r->nr = nr;
	return r;
}

static void chip_route(struct virq_irq_routing_entry *e, uint32_t gsi,
		       uint32_t irqchip, uint32_t pin)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = VIRQ_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = irqchip;
	e->u.irqchip.pin = pin;
}

static void msi_route(struct virq_irq_routing_entry *e, uint32_t gsi,
		      uint32_t addr, uint32_t data)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = VIRQ_IRQ_ROUTING_MSI;
	e->u.msi.address_lo = addr;
	e->u.msi.data = data;
}

static int set_routing(int chip, struct virq_irq_routing *r)
{
	return ioctl(chip, VIRQ_SET_GSI_ROUTING, r) ? errno : 0;
}

FIXTURE(rt) {
	int dev, chip, vcpu;
	struct virq_irq_routing *good;
};

/*
 * The "old" table every rejection must leave in force: GSI 20 -> master
 * IR5, GSI 21 -> slave IR3, GSI 30 -> MSI vector 0x50 to APIC 0.
 */
FIXTURE_SETUP(rt)
{
	self->dev = virq_open();
	ASSERT_LE(0, self->dev);
	self->chip = virq_chip(self->dev, 2);
	ASSERT_LE(0, self->chip);
	ASSERT_EQ(0, virq_pic_init_linux(self->chip));
	self->vcpu = ioctl(self->chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, self->vcpu);
	self->good = table(3);
	chip_route(&self->good->entries[0], 20, VIRQ_IRQCHIP_PIC_MASTER, 5);
	chip_route(&self->good->entries[1], 21, VIRQ_IRQCHIP_PIC_SLAVE, 3);
	msi_route(&self->good->entries[2], 30, 0xfee00000, 0x50);
	ASSERT_EQ(0, set_routing(self->chip, self->good));
}

FIXTURE_TEARDOWN(rt)
{
	free(self->good);
	close(self->vcpu);
	close(self->chip);
	close(self->dev);
}

/* The old table still routes exactly as before. */
static void old_table_in_force(struct __test_metadata *_metadata,
			       FIXTURE_DATA(rt) *self)
{
	ASSERT_EQ(-1, virq_line(self->chip, 5, 1));	/* default is gone */
	ASSERT_EQ(1, virq_line(self->chip, 20, 1));
	ASSERT_EQ(1, virq_line(self->chip, 21, 1));
	ASSERT_EQ(1, virq_line(self->chip, 30, 1));
	/* ExtINT first: IR2 (the slave's IR3) outranks IR5; then MSI. */
	ASSERT_EQ(0x3b, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	ASSERT_EQ(0, virq_outb(self->chip, 0xa0, 0x20));
	ASSERT_EQ(0, virq_outb(self->chip, 0x20, 0x20));
	ASSERT_EQ(0x35, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	ASSERT_EQ(0, virq_outb(self->chip, 0x20, 0x20));
	ASSERT_EQ(0x50, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	ASSERT_EQ(-1, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	virq_line(self->chip, 20, 0);
	virq_line(self->chip, 21, 0);
	virq_line(self->chip, 30, 0);
}

TEST(default_table)
{
	int dev = virq_open(), chip, gsi;

	ASSERT_LE(0, dev);
	chip = virq_chip(dev, 1);
	ASSERT_LE(0, chip);
	ASSERT_EQ(0, virq_pic_init_linux(chip));
	for (gsi = 0; gsi < 16; gsi++) {
		if (gsi == 2) {
			EXPECT_EQ(-1, virq_line(chip, gsi, 1));	/* cascade */
		} else {
			EXPECT_EQ(1, virq_line(chip, gsi, 1));
		}
	}
	/* Every ISA IRQ but 2 reached its pin. */
	EXPECT_EQ(0xff, virq_inb(chip, 0x20));		/* IRR, IR2 = slave */
	EXPECT_EQ(0xff, virq_inb(chip, 0xa0));
	/* Unrouted GSIs: status -1, not an error. */
	EXPECT_EQ(-1, virq_line(chip, 16, 1));
	EXPECT_EQ(-1, virq_line(chip, VIRQ_NR_GSIS - 1, 1));
	/* Beyond the GSI space, or a level that is not 0/1: EINVAL. */
	EXPECT_EQ(-1000 - EINVAL, virq_line(chip, VIRQ_NR_GSIS, 1));
	EXPECT_EQ(-1000 - EINVAL, virq_line(chip, 1, 2));
	close(chip);
	close(dev);
}

TEST_F(rt, swap_takes_effect)
{
	struct virq_irq_routing *r = table(1);

	old_table_in_force(_metadata, self);
	chip_route(&r->entries[0], 5, VIRQ_IRQCHIP_PIC_SLAVE, 6);
	ASSERT_EQ(0, set_routing(self->chip, r));
	EXPECT_EQ(-1, virq_line(self->chip, 20, 1));
	EXPECT_EQ(1, virq_line(self->chip, 5, 1));
	EXPECT_EQ(0x3e, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	r->nr = 0;				/* the empty table */
	ASSERT_EQ(0, set_routing(self->chip, r));
	EXPECT_EQ(-1, virq_line(self->chip, 5, 0));
	EXPECT_EQ(-1, virq_line(self->chip, 0, 1));
	free(r);
}

/* Each broken table: EINVAL, and the old table routes as before. */
TEST_F(rt, rejections_keep_old_table)
{
	struct virq_irq_routing *r = table(2);
	struct virq_irq_routing_entry *e = r->entries;
	int i;

	for (i = 0; i < 15; i++) {
		r->nr = 2;
		r->flags = 0;
		chip_route(&e[0], 1, VIRQ_IRQCHIP_PIC_MASTER, 1);
		chip_route(&e[1], 9, VIRQ_IRQCHIP_PIC_SLAVE, 1);
		switch (i) {
		case 0: r->flags = 1; break;			/* header flags */
		case 1: e[1].type = 0; break;			/* type */
		case 2: e[1].type = 3; break;
		case 3: e[1].gsi = VIRQ_NR_GSIS; break;		/* GSI range */
		case 4: e[1].u.irqchip.irqchip = VIRQ_IRQCHIP_IOAPIC(0); break;
		case 5: e[1].u.irqchip.pin = 8; break;		/* pin range */
		case 6: chip_route(&e[1], 2, 0, 2); break;	/* cascade pin */
		case 7: chip_route(&e[1], 1, 0, 3); break;	/* master twice */
		case 8: msi_route(&e[1], 1, 0xfee00000, 0x40); break; /* MSI shared */
		case 9: e[1].flags = VIRQ_MSI_VALID_DEVID; break; /* flags */
		case 10: e[1].pad = 1; break;			/* padding */
		case 11: e[1].u.pad[7] = 1; break;
		case 12: msi_route(&e[1], 40, 0xfee00000, 0x40);
			 e[1].flags = 4; break;			/* MSI flags */
		case 13: msi_route(&e[1], 40, 0xfee00000, 0x40);
			 e[1].u.msi.devid = 1; break;		/* devid, no flag */
		case 14: e[1] = e[0]; break;			/* duplicate */
		}
		EXPECT_EQ(EINVAL, set_routing(self->chip, r)) {
			TH_LOG("case %d accepted", i);
		}
		old_table_in_force(_metadata, self);
	}
	free(r);
}

TEST_F(rt, too_many_entries)
{
	struct virq_irq_routing *r = table(MAX_ENTRIES);
	int i;

	for (i = 0; i < MAX_ENTRIES; i++)
		msi_route(&r->entries[i], i % VIRQ_NR_GSIS, 0xfee00000, 0x40);
	EXPECT_EQ(EINVAL, set_routing(self->chip, r));
	old_table_in_force(_metadata, self);
	r->nr = VIRQ_MAX_ROUTES;		/* the largest table is fine */
	EXPECT_EQ(0, set_routing(self->chip, r));
	EXPECT_EQ(1, virq_line(self->chip, VIRQ_NR_GSIS - 1, 1));
	free(r);
}

TEST_F(rt, bad_pointer)
{
	EXPECT_EQ(-1, ioctl(self->chip, VIRQ_SET_GSI_ROUTING, NULL));
	EXPECT_EQ(EFAULT, errno);
	old_table_in_force(_metadata, self);
}

/* Status: >0 CPUs (summed over routes), 0 coalesced, <0 ignored. */
TEST_F(rt, status_sequences)
{
	struct virq_irq_routing *r = table(2);

	chip_route(&r->entries[0], 7, VIRQ_IRQCHIP_PIC_MASTER, 6);
	chip_route(&r->entries[1], 7, VIRQ_IRQCHIP_PIC_SLAVE, 7);
	ASSERT_EQ(0, set_routing(self->chip, r));
	EXPECT_EQ(2, virq_line(self->chip, 7, 1));	/* both pins */
	EXPECT_EQ(0, virq_line(self->chip, 7, 1));	/* no new edge */
	EXPECT_EQ(0, virq_line(self->chip, 7, 0));	/* lowering */
	EXPECT_EQ(0, virq_line(self->chip, 7, 1));	/* still pending */
	ASSERT_EQ(0, virq_outb(self->chip, 0xa1, 0x80));	/* mask slave IR7 */
	EXPECT_EQ(0, virq_line(self->chip, 7, 0));
	EXPECT_EQ(0, virq_line(self->chip, 7, 1));	/* -1 + 0 */
	ASSERT_EQ(0, virq_outb(self->chip, 0x21, 0x40));	/* and master IR6 */
	EXPECT_EQ(-1, virq_line(self->chip, 7, 0));
	EXPECT_EQ(-1, virq_line(self->chip, 7, 1));
	ASSERT_EQ(0, virq_outb(self->chip, 0x21, 0x00));
	/*
	 * The master latched IR2 when the slave first asked; the slave's
	 * request was masked since: the INTA finds nothing there, a
	 * spurious IRQ 15, and the master's IR2 is in service.
	 */
	EXPECT_EQ(0x3f, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(0, virq_outb(self->chip, 0x20, 0x20));
	EXPECT_EQ(0x36, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(0, virq_outb(self->chip, 0x20, 0x20));
	EXPECT_EQ(0, virq_line(self->chip, 7, 0));
	EXPECT_EQ(1, virq_line(self->chip, 7, 1));	/* master only */
	free(r);
}

TEST_F(rt, msi_route_status)
{
	EXPECT_EQ(1, virq_line(self->chip, 30, 1));
	EXPECT_EQ(-1, virq_line(self->chip, 30, 0));	/* MSI: raise only */
	EXPECT_EQ(0, virq_line(self->chip, 30, 1));	/* 0x50 pending */
	EXPECT_EQ(0x50, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(1, virq_line(self->chip, 30, 1));
}

TEST_F(rt, msi_route_with_garbage_address)
{
	struct virq_irq_routing *r = table(1);

	/* Accepted (a guest may program anything), delivers nothing. */
	msi_route(&r->entries[0], 31, 0x12345678, 0x50);
	ASSERT_EQ(0, set_routing(self->chip, r));
	EXPECT_EQ(-1, virq_line(self->chip, 31, 1));
	free(r);
}

/* The count CPU @cpu shows on /proc/interrupts line @name ("CAL:"). */
static long irq_count(const char *name, int cpu)
{
	static char buf[1 << 16];
	char *line, *p;
	long v = -1;
	int i;

	if (virq_read_text("/proc/interrupts", buf, sizeof(buf)) < 0)
		return -1;
	line = strstr(buf, name);
	if (!line)
		return -1;
	p = line + strlen(name);
	for (i = 0; i <= cpu; i++)
		v = strtol(p, &p, 10);
	return v;
}

/* Function-call and reschedule IPIs CPU @cpu has taken. */
static long ipis(int cpu)
{
	return irq_count("CAL:", cpu) + irq_count("RES:", cpu);
}

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static atomic_int spin_stop;

static void *spinner(void *arg)
{
	pin_to(0);
	while (!atomic_load_explicit(&spin_stop, memory_order_relaxed))
		;
	return NULL;
}

/* 2000 routing updates from CPU 1: the IPIs CPU 0 took meanwhile. */
static long ipis_during_updates(int chip, struct virq_irq_routing *r)
{
	long before = ipis(0);
	int i;

	for (i = 0; i < 2000; i++) {
		r->entries[1].u.msi.data = 0x50 + (i & 1);
		if (set_routing(chip, r))
			return -1;
	}
	return before < 0 ? -1 : ipis(0) - before;
}

/*
 * Item 2 of the second correctness round: a routing update must cost the
 * host's other CPUs nothing. An expedited RCU grace period IPIs every
 * CPU that is busy; a grace-period machinery that queues work on another
 * CPU wakes it (an IPI to an idle CPU, a reschedule to a busy one).
 * 2000 updates from CPU 1, with CPU 0 (the boot CPU) idle and then busy
 * with a spinning thread: CPU 0's function-call and reschedule IPIs.
 */
TEST(routing_updates_send_no_ipis)
{
	struct virq_irq_routing *r = table(2);
	long idle, busy;
	pthread_t t;
	int dev, chip;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	dev = virq_open();
	ASSERT_LE(0, dev);
	chip = virq_chip(dev, 1);
	ASSERT_LE(0, chip);
	chip_route(&r->entries[0], 20, VIRQ_IRQCHIP_PIC_MASTER, 5);
	msi_route(&r->entries[1], 30, 0xfee00000, 0x50);
	ASSERT_EQ(0, pin_to(1));
	usleep(20000);
	idle = ipis_during_updates(chip, r);
	atomic_store(&spin_stop, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, spinner, NULL));
	usleep(50000);
	busy = ipis_during_updates(chip, r);
	atomic_store(&spin_stop, 1);
	pthread_join(t, NULL);
	TH_LOG("CPU 0 took %ld IPIs idle, %ld busy, during 2000 updates each",
	       idle, busy);
	ASSERT_LE(0, idle);
	ASSERT_LE(0, busy);
	EXPECT_GT(100, idle);
	EXPECT_GT(100, busy);
	free(r);
	close(chip);
	close(dev);
}

TEST_HARNESS_MAIN
