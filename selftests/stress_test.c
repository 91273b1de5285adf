// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency: four injector threads (lines and MSIs), one thread swapping
 * routing tables 10,000 times (and offering a broken one now and then),
 * and two vCPU threads that wait, acknowledge and EOI, all at once. Run
 * under the debug kernel, KASAN, lockdep and kmemleak watch it; here it
 * checks that every ioctl answered as documented and interrupts flowed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include "virq_test.h"

#define SWAPS 10000

static atomic_int stop;
static atomic_int errors;

struct ctx {
	int chip;
	int vcpu[2];
	struct virq_vcpu_run *run[2];
	uint64_t acks[2];
	uint64_t injections;
	atomic_int lost;	/* watchdog: halted with INTR for 2 s */
	atomic_int vcpus_stop;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Halted with an interrupt pending: a thread that should be awake. */
static int asleep_with_intr(struct virq_vcpu_run *run)
{
	return __atomic_load_n(&run->mode, __ATOMIC_SEQ_CST) ==
		       VIRQ_MODE_HALTED &&
	       (__atomic_load_n(&run->requests, __ATOMIC_SEQ_CST) &
		VIRQ_REQ_INTR);
}

static void *watchdog(void *p)
{
	struct ctx *c = p;
	uint64_t since[2] = { 0, 0 };
	int i;

	while (!atomic_load(&c->vcpus_stop)) {
		for (i = 0; i < 2; i++) {
			if (!asleep_with_intr(c->run[i]))
				since[i] = 0;
			else if (!since[i])
				since[i] = now_ns();
			else if (now_ns() - since[i] > 2000000000ULL)
				atomic_store(&c->lost, 1);
		}
		usleep(1000);
	}
	return NULL;
}

static void *injector(void *p)
{
	struct ctx *c = p;
	unsigned int seed = (unsigned int)(uintptr_t)&seed;
	struct virq_msi m = { .address_lo = 0xfee01000 };
	uint64_t n = 0;
	int gsi, r;

	while (!atomic_load(&stop)) {
		gsi = rand_r(&seed) % 24;
		r = virq_line(c->chip, gsi, rand_r(&seed) & 1);
		if (r < -1 || r > 2)
			atomic_fetch_add(&errors, 1);
		m.data = 0x40 + rand_r(&seed) % 0x80;
		if (ioctl(c->chip, VIRQ_SIGNAL_MSI, &m) < 0)
			atomic_fetch_add(&errors, 1);
		n++;
	}
	__atomic_fetch_add(&c->injections, n, __ATOMIC_RELAXED);
	return NULL;
}

static struct virq_irq_routing *routing_table(int variant)
{
	struct virq_irq_routing *r;
	int i, n = 20;

	r = calloc(1, sizeof(*r) + n * sizeof(r->entries[0]));
	r->nr = n;
	for (i = 0; i < 15; i++) {
		int gsi = i < 2 ? i : i + 1;	/* skip the cascade */

		r->entries[i].gsi = variant ? (gsi + 8) % 16 : gsi;
		if (r->entries[i].gsi == 2)
			r->entries[i].gsi = 16;
		r->entries[i].type = VIRQ_IRQ_ROUTING_IRQCHIP;
		r->entries[i].u.irqchip.irqchip = gsi / 8;
		r->entries[i].u.irqchip.pin = gsi % 8;
	}
	for (; i < n; i++) {
		r->entries[i].gsi = 17 + i - 15;
		r->entries[i].type = VIRQ_IRQ_ROUTING_MSI;
		r->entries[i].u.msi.address_lo = variant ? 0xfee00000 : 0xfeeff000;
		r->entries[i].u.msi.data = 0x50 + i;
	}
	return r;
}

struct vcpu_arg {
	struct ctx *c;
	int idx;
};

static void *vcpu_thread(void *p)
{
	struct vcpu_arg *a = p;
	struct ctx *c = a->c;
	int v;

	while (!atomic_load(&c->vcpus_stop)) {
		v = virq_wait(c->vcpu[a->idx], -1, VIRQ_WAIT_ACK);
		if (v < 0) {
			atomic_fetch_add(&errors, 1);
			continue;
		}
		if (v == VIRQ_WAIT_NO_VECTOR)
			continue;
		c->acks[a->idx]++;
		/* PIC vectors need their EOIs (0x30-0x3f). */
		if (v >= 0x38 && v < 0x40)
			virq_outb(c->chip, 0xa0, 0x20);
		if (v >= 0x30 && v < 0x40)
			virq_outb(c->chip, 0x20, 0x20);
	}
	return NULL;
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
}

TEST_F_TIMEOUT(stress, inject_swap_wait_ack, 1200)
{
	struct virq_irq_routing *tables[2] = { routing_table(0), routing_table(1) };
	struct virq_irq_routing *broken = routing_table(0);
	struct ctx c = { 0 };
	struct vcpu_arg va[2] = { { &c, 0 }, { &c, 1 } };
	pthread_t inj[4], vt[2], wd;
	int dev = virq_open(), i, swaps = 0, rejected = 0;
	uint64_t t0;

	ASSERT_LE(0, dev);
	c.chip = virq_chip(dev, 2);
	ASSERT_LE(0, c.chip);
	ASSERT_EQ(0, virq_pic_init_linux(c.chip));
	c.vcpu[0] = ioctl(c.chip, VIRQ_CREATE_VCPU, 0);
	c.vcpu[1] = ioctl(c.chip, VIRQ_CREATE_VCPU, 1);
	ASSERT_LE(0, c.vcpu[0]);
	ASSERT_LE(0, c.vcpu[1]);
	c.run[0] = virq_map_run(c.vcpu[0]);
	c.run[1] = virq_map_run(c.vcpu[1]);
	ASSERT_NE(NULL, c.run[0]);
	ASSERT_NE(NULL, c.run[1]);
	broken->entries[3].u.irqchip.pin = 9;

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&vt[i], NULL, vcpu_thread, &va[i]));
	ASSERT_EQ(0, pthread_create(&wd, NULL, watchdog, &c));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&inj[i], NULL, injector, &c));

	for (i = 0; i < SWAPS; i++) {
		if (ioctl(c.chip, VIRQ_SET_GSI_ROUTING, tables[i & 1]) == 0)
			swaps++;
		if (i % 100 == 0) {
			if (ioctl(c.chip, VIRQ_SET_GSI_ROUTING, broken) &&
			    errno == EINVAL)
				rejected++;
		}
	}
	atomic_store(&stop, 1);
	for (i = 0; i < 4; i++)
		pthread_join(inj[i], NULL);
	/* Nothing is injected any more: both vCPUs drain what is pending. */
	t0 = now_ns();
	while ((virq_requests(c.run[0]) | virq_requests(c.run[1])) &
	       VIRQ_REQ_INTR) {
		if (now_ns() - t0 > 10000000000ULL)
			break;
		usleep(1000);
	}
	EXPECT_EQ(0, (virq_requests(c.run[0]) | virq_requests(c.run[1])) &
		     VIRQ_REQ_INTR);
	atomic_store(&c.vcpus_stop, 1);
	for (i = 0; i < 2; i++)
		ioctl(c.vcpu[i], VIRQ_VCPU_KICK, 0);
	for (i = 0; i < 2; i++)
		pthread_join(vt[i], NULL);
	pthread_join(wd, NULL);
	EXPECT_EQ(0, atomic_load(&c.lost));

	EXPECT_EQ(SWAPS, swaps);
	EXPECT_EQ(SWAPS / 100, rejected);
	EXPECT_EQ(0, atomic_load(&errors));
	EXPECT_LT(0, c.acks[0]);
	EXPECT_LT(0, c.acks[1]);
	TH_LOG("%d swaps, %llu injections, acks %llu / %llu", swaps,
	       (unsigned long long)c.injections,
	       (unsigned long long)c.acks[0], (unsigned long long)c.acks[1]);
	munmap(c.run[0], 4096);
	munmap(c.run[1], 4096);
	close(c.vcpu[0]);
	close(c.vcpu[1]);
	close(c.chip);
	close(dev);
	free(tables[0]);
	free(tables[1]);
	free(broken);
}

/* Closing a chip while other threads still inject through it. */
static void *inject_until_closed(void *p)
{
	int chip = *(int *)p, i;

	for (i = 0; i < 100000; i++)
		if (virq_line(chip, 1, i & 1) == -1000 - EBADF)
			break;
	return NULL;
}

TEST(close_while_injecting)
{
	int dev = virq_open(), round, chip, vcpu;
	pthread_t t;

	ASSERT_LE(0, dev);
	for (round = 0; round < 50; round++) {
		chip = virq_chip(dev, 1);
		ASSERT_LE(0, chip);
		vcpu = ioctl(chip, VIRQ_CREATE_VCPU, 0);
		ASSERT_LE(0, vcpu);
		ASSERT_EQ(0, virq_pic_init_linux(chip));
		ASSERT_EQ(0, pthread_create(&t, NULL, inject_until_closed, &chip));
		usleep(200);
		close(vcpu);
		close(chip);
		pthread_join(t, NULL);
	}
	close(dev);
}

TEST_HARNESS_MAIN
