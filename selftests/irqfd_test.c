// SPDX-License-Identifier: GPL-2.0
/*
 * VIRQ_IRQFD as a device emulation thread uses it: an eventfd write
 * injects a GSI (an edge through the IOAPIC, or an MSI route) into a
 * vCPU thread that waits; resample irqfds assert a level line that the
 * guest's EOI releases, signalling the resamplefd; GSIs without a route;
 * one binding per eventfd; DEASSIGN; the eventfd or the chip fd closed
 * while bound; bad arguments; the per-chip limit; and a stress of
 * signal / deassign / routing swap / close from four threads.
 */
#include <pthread.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include "virq_test.h"

#define BASE		0xfec00000ULL
#define LEVEL		VIRQ_IOAPIC_RTE_LEVEL
#define REMOTE_IRR	VIRQ_IOAPIC_RTE_REMOTE_IRR

static int mmio_w(int fd, uint64_t addr, uint32_t v)
{
	struct virq_io io = { .space = VIRQ_IO_MMIO, .addr = addr, .len = 4,
			      .write = 1, .data = v };

	return ioctl(fd, VIRQ_IO, &io);
}

static uint32_t mmio_r(int fd, uint64_t addr)
{
	struct virq_io io = { .space = VIRQ_IO_MMIO, .addr = addr, .len = 4 };

	ioctl(fd, VIRQ_IO, &io);
	return io.data;
}

static void set_rte(int fd, unsigned int pin, uint64_t v)
{
	mmio_w(fd, BASE, 0x11 + 2 * pin);
	mmio_w(fd, BASE + 0x10, v >> 32);
	mmio_w(fd, BASE, 0x10 + 2 * pin);
	mmio_w(fd, BASE + 0x10, (uint32_t)v);
}

static uint64_t rte(int fd, unsigned int pin)
{
	mmio_w(fd, BASE, 0x10 + 2 * pin);
	return mmio_r(fd, BASE + 0x10);
}

static int irqfd(int chip, int efd, uint32_t gsi, uint32_t flags, int rfd)
{
	struct virq_irqfd_args a = { .fd = efd, .gsi = gsi, .flags = flags,
				     .resamplefd = rfd };

	return ioctl(chip, VIRQ_IRQFD, &a) ? errno : 0;
}

/* The electrical level of IOAPIC 0's pins (GET_IRQCHIP). */
static uint32_t line_levels(int chip)
{
	struct virq_irqchip ic = { .chip_id = VIRQ_IRQCHIP_STATE_IOAPIC(0) };

	if (ioctl(chip, VIRQ_GET_IRQCHIP, &ic))
		return ~0u;
	return ic.chip.ioapic.line_level;
}

/* irqfd injections the chip counted (VIRQ_GET_STATS). */
static long injections(int chip)
{
	char buf[4096];
	struct virq_stats_args a = { .buf = (uintptr_t)buf, .size = sizeof(buf) };

	if (ioctl(chip, VIRQ_GET_STATS, &a))
		return -1;
	return ((struct virq_stats_header *)buf)->irqfd_injections;
}

static int chip_id(int chip)
{
	char buf[4096];
	struct virq_stats_args a = { .buf = (uintptr_t)buf, .size = sizeof(buf) };

	if (ioctl(chip, VIRQ_GET_STATS, &a))
		return -1;
	return ((struct virq_stats_header *)buf)->chip_id;
}

/* The debugfs irqfd count of a chip settles to @n within 2 s. */
static int irqfds_settle(int chip, unsigned int n)
{
	char path[80], buf[256];
	unsigned int have = ~0u;
	int i, fd;
	ssize_t r;

	snprintf(path, sizeof(path), "/sys/kernel/debug/virq/%d/irqfds",
		 chip_id(chip));
	for (i = 0; i < 200; i++) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return -1;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[r > 0 ? r : 0] = 0;
		if (sscanf(buf, "%u irqfds", &have) == 1 && have == n)
			return 0;
		usleep(10000);
	}
	return (int)have;
}

static int set_defer(int on)
{
	int fd = open("/sys/module/virq/parameters/irqfd_defer", O_WRONLY), r;

	if (fd < 0)
		return -1;
	r = write(fd, on ? "Y" : "N", 1) == 1 ? 0 : -1;
	close(fd);
	return r;
}

static void kick_efd(int efd)
{
	uint64_t one = 1;

	if (write(efd, &one, sizeof(one)) != sizeof(one))
		abort();
}

/* How many times @efd was signalled (0 if not, within @ms). */
static uint64_t efd_count(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t v = 0;

	if (poll(&p, 1, ms) == 1 && read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

FIXTURE(fd) {
	int dev, chip, v[2];
	struct virq_vcpu_run *run[2];
};

FIXTURE_SETUP(fd)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC, .nr_ioapics = 1,
		.max_vcpus = 2,
	};
	uint8_t all = 0xff;
	int i;

	self->dev = virq_open();
	ASSERT_LE(0, self->dev);
	self->chip = ioctl(self->dev, VIRQ_CREATE_CHIP, &cfg);
	ASSERT_LE(0, self->chip);
	for (i = 0; i < 2; i++) {
		self->v[i] = ioctl(self->chip, VIRQ_CREATE_VCPU, i);
		ASSERT_LE(0, self->v[i]);
		self->run[i] = virq_map_run(self->v[i]);
		ASSERT_NE(NULL, self->run[i]);
	}
	virq_pio_fd(self->chip, 0x21, 1, &all);
	virq_pio_fd(self->chip, 0xa1, 1, &all);
}

FIXTURE_TEARDOWN(fd)
{
	int i;

	for (i = 0; i < 2; i++) {
		munmap(self->run[i], 4096);
		close(self->v[i]);
	}
	close(self->chip);
	close(self->dev);
}

TEST(capabilities)
{
	int dev = virq_open();

	ASSERT_LE(0, dev);
	EXPECT_EQ(VIRQ_MAX_IRQFDS, ioctl(dev, VIRQ_CHECK_EXTENSION, VIRQ_CAP_IRQFD));
	EXPECT_EQ(1, ioctl(dev, VIRQ_CHECK_EXTENSION, VIRQ_CAP_IRQFD_RESAMPLE));
	close(dev);
}

struct waiter {
	int vcpu, vec;
};

static void *wait_one(void *p)
{
	struct waiter *w = p;

	w->vec = virq_wait(w->vcpu, 5000000000LL, VIRQ_WAIT_ACK);
	return NULL;
}

TEST_F(fd, injection_reaches_a_waiting_vcpu)
{
	struct waiter w = { .vcpu = self->v[0] };
	int efd = eventfd(0, EFD_CLOEXEC);
	pthread_t t;

	ASSERT_LE(0, efd);
	set_rte(self->chip, 5, 0x45);			/* edge, APIC 0 */
	ASSERT_EQ(0, irqfd(self->chip, efd, 5, 0, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_one, &w));
	/* Signal only once it sleeps: the wake-up is what is tested. */
	for (int i = 0; i < 500 && __atomic_load_n(&self->run[0]->mode,
			__ATOMIC_SEQ_CST) != VIRQ_MODE_HALTED; i++)
		usleep(2000);
	usleep(5000);
	kick_efd(efd);
	pthread_join(t, NULL);
	EXPECT_EQ(0x45, w.vec);
	EXPECT_EQ(1, self->run[0]->wakeups);
	/* An edge: the line is low again, the next write is a new edge. */
	kick_efd(efd);
	EXPECT_EQ(0x45, virq_wait(self->v[0], 1000000000, VIRQ_WAIT_ACK));
	close(efd);
}

TEST_F(fd, msi_route_through_irqfd)
{
	struct {
		struct virq_irq_routing r;
		struct virq_irq_routing_entry e;
	} rt = { .r = { .nr = 1 } };
	int efd = eventfd(0, EFD_CLOEXEC);

	rt.e.gsi = 100;
	rt.e.type = VIRQ_IRQ_ROUTING_MSI;
	rt.e.u.msi.address_lo = 0xfee01000;
	rt.e.u.msi.data = 0x61;
	ASSERT_EQ(0, ioctl(self->chip, VIRQ_SET_GSI_ROUTING, &rt));
	ASSERT_EQ(0, irqfd(self->chip, efd, 100, 0, 0));
	kick_efd(efd);
	EXPECT_EQ(0x61, virq_wait(self->v[1], 1000000000, VIRQ_WAIT_ACK));
	kick_efd(efd);
	kick_efd(efd);
	EXPECT_EQ(0x61, virq_wait(self->v[1], 1000000000, VIRQ_WAIT_ACK));
	close(efd);
}

/* Level-triggered: asserted by the eventfd, released by the EOI. */
TEST_F(fd, resample_cycle)
{
	int efd = eventfd(0, EFD_CLOEXEC), rfd = eventfd(0, EFD_CLOEXEC);

	set_rte(self->chip, 10, 0x4a | LEVEL);
	ASSERT_EQ(0, irqfd(self->chip, efd, 10, VIRQ_IRQFD_FLAG_RESAMPLE, rfd));
	kick_efd(efd);
	EXPECT_EQ(0x4a, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(REMOTE_IRR, rte(self->chip, 10) & REMOTE_IRR);
	EXPECT_EQ(0, efd_count(rfd, 0));		/* not yet */
	/* The guest's EOI: de-asserted, resamplefd signalled, no repeat. */
	EXPECT_EQ(0, ioctl(self->v[0], VIRQ_VCPU_EOI, 0x4a));
	EXPECT_EQ(1, efd_count(rfd, 1000));
	EXPECT_EQ(0, rte(self->chip, 10) & REMOTE_IRR);
	EXPECT_EQ(-1, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	/* The device still has work: it asserts again. */
	kick_efd(efd);
	EXPECT_EQ(0x4a, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(0, ioctl(self->v[0], VIRQ_VCPU_EOI, 0x4a));
	EXPECT_EQ(1, efd_count(rfd, 1000));
	close(efd);
	close(rfd);
}

/*
 * Two resample irqfds on one GSI share one assertion: both notified at
 * the EOI; the line stays asserted while either holds it, and drops when
 * the last one goes.
 */
TEST_F(fd, two_resamplers_on_one_gsi)
{
	int e1 = eventfd(0, 0), r1 = eventfd(0, 0);
	int e2 = eventfd(0, 0), r2 = eventfd(0, 0);

	set_rte(self->chip, 11, 0x4b | LEVEL);
	ASSERT_EQ(0, irqfd(self->chip, e1, 11, VIRQ_IRQFD_FLAG_RESAMPLE, r1));
	ASSERT_EQ(0, irqfd(self->chip, e2, 11, VIRQ_IRQFD_FLAG_RESAMPLE, r2));
	kick_efd(e1);
	kick_efd(e2);
	EXPECT_EQ(0x4b, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(-1, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));	/* one */
	EXPECT_EQ(0, ioctl(self->v[0], VIRQ_VCPU_EOI, 0x4b));
	EXPECT_EQ(1, efd_count(r1, 1000));
	EXPECT_EQ(1, efd_count(r2, 1000));
	EXPECT_EQ(0, line_levels(self->chip) & (1u << 11));

	/* Asserted again; e1 goes while it is: e2 still holds the line. */
	kick_efd(e1);
	EXPECT_EQ(0x4b, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(1u << 11, line_levels(self->chip) & (1u << 11));
	EXPECT_EQ(0, irqfd(self->chip, e1, 11, VIRQ_IRQFD_FLAG_DEASSIGN, 0));
	EXPECT_EQ(1u << 11, line_levels(self->chip) & (1u << 11));
	EXPECT_EQ(0, ioctl(self->v[0], VIRQ_VCPU_EOI, 0x4b));
	EXPECT_EQ(1, efd_count(r2, 1000));
	EXPECT_EQ(0, efd_count(r1, 50));
	EXPECT_EQ(0, line_levels(self->chip) & (1u << 11));

	/* e2 asserts, then is the last to go: the line drops with it. */
	kick_efd(e2);
	EXPECT_EQ(0x4b, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(1u << 11, line_levels(self->chip) & (1u << 11));
	EXPECT_EQ(0, irqfd(self->chip, e2, 11, VIRQ_IRQFD_FLAG_DEASSIGN, 0));
	EXPECT_EQ(0, line_levels(self->chip) & (1u << 11));
	EXPECT_EQ(0, ioctl(self->v[0], VIRQ_VCPU_EOI, 0x4b));
	EXPECT_EQ(-1, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));	/* not again */
	close(e1);
	close(e2);
	close(r1);
	close(r2);
}

/* A resample irqfd whose eventfd closes while it asserts: the line drops. */
TEST_F(fd, resample_torn_down_while_asserted)
{
	int efd = eventfd(0, 0), rfd = eventfd(0, 0), i;

	set_rte(self->chip, 12, 0x4c | LEVEL);
	ASSERT_EQ(0, irqfd(self->chip, efd, 12, VIRQ_IRQFD_FLAG_RESAMPLE, rfd));
	kick_efd(efd);
	EXPECT_EQ(0x4c, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(1u << 12, line_levels(self->chip) & (1u << 12));
	close(efd);		/* the detach runs from a work item */
	for (i = 0; i < 200 && (line_levels(self->chip) & (1u << 12)); i++)
		usleep(10000);
	EXPECT_EQ(0, line_levels(self->chip) & (1u << 12));
	EXPECT_EQ(0, ioctl(self->v[0], VIRQ_VCPU_EOI, 0x4c));
	EXPECT_EQ(-1, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(0, irqfds_settle(self->chip, 0));
	close(rfd);
}

/* Injection from a work item (irqfd_defer=Y at binding) works alike. */
TEST_F(fd, deferred_injection)
{
	int efd = eventfd(0, 0), id = chip_id(self->chip), fd;
	char path[80], buf[256] = "";

	set_rte(self->chip, 5, 0x45);
	ASSERT_EQ(0, set_defer(1));
	ASSERT_EQ(0, irqfd(self->chip, efd, 5, 0, 0));
	ASSERT_EQ(0, set_defer(0));
	snprintf(path, sizeof(path), "/sys/kernel/debug/virq/%d/irqfds", id);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_LT(0, read(fd, buf, sizeof(buf) - 1));
	close(fd);
	EXPECT_NE(NULL, strstr(buf, "gsi    5 deferred"));
	kick_efd(efd);
	EXPECT_EQ(0x45, virq_wait(self->v[0], 2000000000LL, VIRQ_WAIT_ACK));
	EXPECT_EQ(0, irqfd(self->chip, efd, 5, VIRQ_IRQFD_FLAG_DEASSIGN, 0));
	kick_efd(efd);
	EXPECT_EQ(-1, virq_wait(self->v[0], 20000000, VIRQ_WAIT_ACK));
	EXPECT_EQ(ETIMEDOUT, errno);
	close(efd);
}

/* The chip fd closes with resample irqfds asserting: all unbound. */
TEST(chip_close_with_resample_irqfds)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC, .nr_ioapics = 1,
		.max_vcpus = 1,
	};
	int dev = virq_open(), chip, e[3], r[3], i;

	ASSERT_LE(0, dev);
	chip = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
	ASSERT_LE(0, chip);
	for (i = 0; i < 3; i++) {
		e[i] = eventfd(0, 0);
		r[i] = eventfd(0, 0);
		set_rte(chip, 16 + i, (0x50 + i) | LEVEL);
		ASSERT_EQ(0, irqfd(chip, e[i], 16 + (i & 1), VIRQ_IRQFD_FLAG_RESAMPLE,
				   r[i]));
		kick_efd(e[i]);
	}
	close(chip);
	/* Unbound with the chip: they bind to a new one at once. */
	chip = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
	ASSERT_LE(0, chip);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, irqfd(chip, e[i], 16, VIRQ_IRQFD_FLAG_RESAMPLE, r[i]));
		close(e[i]);
		close(r[i]);
	}
	close(chip);
	close(dev);
}

/* Through the PIC: the PIC's EOI releases the line. */
TEST_F(fd, resample_through_the_pic)
{
	int efd = eventfd(0, 0), rfd = eventfd(0, 0);

	ASSERT_EQ(0, virq_pic_init_linux(self->chip));
	ASSERT_EQ(0, virq_outb(self->chip, 0x4d0, 0x20));	/* IRQ 5 level */
	ASSERT_EQ(0, irqfd(self->chip, efd, 5, VIRQ_IRQFD_FLAG_RESAMPLE, rfd));
	kick_efd(efd);
	EXPECT_EQ(0x35, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(0, efd_count(rfd, 0));
	EXPECT_EQ(0, virq_outb(self->v[0], 0x20, 0x20));	/* EOI */
	EXPECT_EQ(1, efd_count(rfd, 1000));
	EXPECT_EQ(-1, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	close(efd);
	close(rfd);
}

/*
 * A routing update moves an asserted resample irqfd's GSI to another pin:
 * the old pin is lowered (no EOI storm on it, nothing stuck after
 * unbinding), the resamplefd tells the device to look again, and its next
 * signal asserts the new pin. Before the fix the old pin stayed asserted
 * and re-delivered at every EOI.
 */
TEST_F(fd, resample_rerouted_while_asserted)
{
	struct {
		struct virq_irq_routing r;
		struct virq_irq_routing_entry e;
	} rt = { .r = { .nr = 1 } };
	int efd = eventfd(0, EFD_CLOEXEC), rfd = eventfd(0, EFD_CLOEXEC);

	set_rte(self->chip, 10, 0x4a | LEVEL);
	set_rte(self->chip, 11, 0x4b | LEVEL);
	ASSERT_EQ(0, irqfd(self->chip, efd, 10, VIRQ_IRQFD_FLAG_RESAMPLE, rfd));
	kick_efd(efd);
	EXPECT_EQ(0x4a, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(1u << 10, line_levels(self->chip) & (3u << 10));
	rt.e.gsi = 10;
	rt.e.type = VIRQ_IRQ_ROUTING_IRQCHIP;
	rt.e.u.irqchip.irqchip = VIRQ_IRQCHIP_IOAPIC(0);
	rt.e.u.irqchip.pin = 11;
	ASSERT_EQ(0, ioctl(self->chip, VIRQ_SET_GSI_ROUTING, &rt));
	EXPECT_EQ(0, line_levels(self->chip) & (3u << 10));
	EXPECT_EQ(1, efd_count(rfd, 1000));
	/* The old pin's EOI: nothing re-delivered. */
	EXPECT_EQ(0, ioctl(self->v[0], VIRQ_VCPU_EOI, 0x4a));
	EXPECT_EQ(-1, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(0, efd_count(rfd, 0));
	/* The device still has work: the new pin. */
	kick_efd(efd);
	EXPECT_EQ(1u << 11, line_levels(self->chip) & (3u << 10));
	EXPECT_EQ(0x4b, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(0, ioctl(self->v[0], VIRQ_VCPU_EOI, 0x4b));
	EXPECT_EQ(1, efd_count(rfd, 1000));
	EXPECT_EQ(0, line_levels(self->chip) & (3u << 10));
	/* An update that leaves GSI 10's routes alone signals nothing. */
	ASSERT_EQ(0, ioctl(self->chip, VIRQ_SET_GSI_ROUTING, &rt));
	EXPECT_EQ(0, efd_count(rfd, 0));
	close(efd);
	close(rfd);
}

TEST_F(fd, unrouted_gsi_works_once_routed)
{
	struct {
		struct virq_irq_routing r;
		struct virq_irq_routing_entry e;
	} rt = { .r = { .nr = 1 } };
	int efd = eventfd(0, 0);

	ASSERT_EQ(0, irqfd(self->chip, efd, 200, 0, 0));
	kick_efd(efd);
	EXPECT_EQ(-1, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	rt.e.gsi = 200;
	rt.e.type = VIRQ_IRQ_ROUTING_MSI;
	rt.e.u.msi.address_lo = 0xfee00000;
	rt.e.u.msi.data = 0x71;
	ASSERT_EQ(0, ioctl(self->chip, VIRQ_SET_GSI_ROUTING, &rt));
	kick_efd(efd);
	EXPECT_EQ(0x71, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	close(efd);
}

TEST_F(fd, one_binding_per_eventfd)
{
	int efd = eventfd(0, 0), dev2, chip2;
	struct virq_chip_config cfg = virq_cfg_pic(1);

	ASSERT_EQ(0, irqfd(self->chip, efd, 5, 0, 0));
	EXPECT_EQ(EBUSY, irqfd(self->chip, efd, 5, 0, 0));
	EXPECT_EQ(EBUSY, irqfd(self->chip, efd, 6, 0, 0));
	dev2 = virq_open();
	chip2 = ioctl(dev2, VIRQ_CREATE_CHIP, &cfg);
	ASSERT_LE(0, chip2);
	EXPECT_EQ(EBUSY, irqfd(chip2, efd, 5, 0, 0));	/* another chip */
	/* Deassigned: free to bind elsewhere. */
	EXPECT_EQ(0, irqfd(self->chip, efd, 5, VIRQ_IRQFD_FLAG_DEASSIGN, 0));
	EXPECT_EQ(0, irqfd(chip2, efd, 5, 0, 0));
	close(chip2);		/* the chip fd's close unbinds it */
	EXPECT_EQ(0, irqfd(self->chip, efd, 5, 0, 0));
	close(dev2);
	close(efd);
}

TEST_F(fd, deassign_then_signal_does_nothing)
{
	int efd = eventfd(0, 0);

	set_rte(self->chip, 5, 0x45);
	ASSERT_EQ(0, irqfd(self->chip, efd, 5, 0, 0));
	EXPECT_EQ(ENOENT, irqfd(self->chip, efd, 6, VIRQ_IRQFD_FLAG_DEASSIGN, 0));
	EXPECT_EQ(0, irqfd(self->chip, efd, 5, VIRQ_IRQFD_FLAG_DEASSIGN, 0));
	kick_efd(efd);
	EXPECT_EQ(-1, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(ENOENT, irqfd(self->chip, efd, 5, VIRQ_IRQFD_FLAG_DEASSIGN, 0));
	/* The eventfd keeps its count: nobody consumed it. */
	EXPECT_EQ(1, efd_count(efd, 0));
	close(efd);
}

/*
 * DEASSIGN returns only when no injection can follow, even with a thread
 * signalling the eventfd throughout, in both injection modes: the chip's
 * injection count does not move after it returns.
 */
struct hammer {
	int efd;
	atomic_int stop;
	atomic_long n;
};

static void *hammer_efd(void *p)
{
	struct hammer *h = p;
	uint64_t one = 1;

	while (!atomic_load(&h->stop))
		if (write(h->efd, &one, 8) == 8)
			atomic_fetch_add(&h->n, 1);
	return NULL;
}

TEST_F(fd, deassign_racing_signals)
{
	struct hammer h = { .efd = eventfd(0, EFD_NONBLOCK) };
	long c1, c2, before;
	int mode, round;
	pthread_t t;

	set_rte(self->chip, 5, 0x45);
	for (mode = 0; mode < 2; mode++) {
		for (round = 0; round < 10; round++) {
			ASSERT_EQ(0, set_defer(mode));
			ASSERT_EQ(0, irqfd(self->chip, h.efd, 5, 0, 0));
			ASSERT_EQ(0, set_defer(0));
			atomic_store(&h.stop, 0);
			before = atomic_load(&h.n);
			ASSERT_EQ(0, pthread_create(&t, NULL, hammer_efd, &h));
			while (atomic_load(&h.n) < before + 20)
				usleep(100);
			ASSERT_EQ(0, irqfd(self->chip, h.efd, 5,
					   VIRQ_IRQFD_FLAG_DEASSIGN, 0));
			c1 = injections(self->chip);
			usleep(5000);		/* it keeps signalling */
			c2 = injections(self->chip);
			atomic_store(&h.stop, 1);
			pthread_join(t, NULL);
			EXPECT_EQ(c1, c2) {
				TH_LOG("%s mode, round %d: %ld injections after DEASSIGN returned",
				       mode ? "deferred" : "direct", round,
				       c2 - c1);
			}
			EXPECT_LT(0, c1);
			while (ioctl(self->v[0], VIRQ_VCPU_ACK, 0) >= 0)
				;
		}
	}
	close(h.efd);
}

/*
 * Binding and DEASSIGN of one eventfd from two threads: a DEASSIGN may
 * free the irqfd the moment the binding publishes it, so the binder must
 * not touch it after that (KASAN on the debug kernel reports it if it
 * does). Every result is one the rules allow, and at the end exactly one
 * binding or none remains.
 */
struct bind_race {
	int chip, efd, rfd, stop, bad;
	long deassigned;
};

static void *deassign_loop(void *p)
{
	struct bind_race *b = p;
	int r;

	while (!__atomic_load_n(&b->stop, __ATOMIC_RELAXED)) {
		r = irqfd(b->chip, b->efd, 10, VIRQ_IRQFD_FLAG_DEASSIGN, 0);
		if (r && r != ENOENT)
			__atomic_store_n(&b->bad, r, __ATOMIC_RELAXED);
		b->deassigned += !r;
	}
	return NULL;
}

TEST_F(fd, bind_racing_deassign)
{
	struct bind_race b = { .chip = self->chip, .efd = eventfd(0, 0),
			       .rfd = eventfd(0, 0) };
	long bound = 0;
	pthread_t t;
	int i, r;

	ASSERT_LE(0, b.efd);
	ASSERT_LE(0, b.rfd);
	ASSERT_EQ(0, pthread_create(&t, NULL, deassign_loop, &b));
	for (i = 0; i < 5000; i++) {
		/* Resample on every other binding: the resampler's path too. */
		r = irqfd(self->chip, b.efd, 10,
			  i & 1 ? VIRQ_IRQFD_FLAG_RESAMPLE : 0,
			  i & 1 ? b.rfd : 0);
		EXPECT_TRUE(r == 0 || r == EBUSY) {
			TH_LOG("bind %d: %s", i, strerror(r));
			break;
		}
		bound += !r;
	}
	__atomic_store_n(&b.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	EXPECT_EQ(0, b.bad) {
		TH_LOG("DEASSIGN: %s", strerror(b.bad));
	}
	r = irqfd(self->chip, b.efd, 10, VIRQ_IRQFD_FLAG_DEASSIGN, 0);
	EXPECT_EQ(bound, b.deassigned + !r);
	TH_LOG("%ld bindings, %ld undone by the racing thread", bound,
	       b.deassigned);
	EXPECT_EQ(0, irqfds_settle(self->chip, 0));
	close(b.efd);
	close(b.rfd);
}

/* Closing the eventfd detaches the irqfd: the same number binds again. */
TEST_F(fd, eventfd_closed_while_bound)
{
	int efd = eventfd(0, 0), efd2, i;

	set_rte(self->chip, 5, 0x45);
	ASSERT_EQ(0, irqfd(self->chip, efd, 5, 0, 0));
	EXPECT_EQ(0, irqfds_settle(self->chip, 1));
	close(efd);
	/* The detach completes: the irqfd is gone, not just unlisted. */
	EXPECT_EQ(0, irqfds_settle(self->chip, 0));
	/*
	 * The chip's limit is not consumed by closed eventfds
	 * (VIRQ_MAX_IRQFDS binds and closes in a row).
	 */
	for (i = 0; i < VIRQ_MAX_IRQFDS + 8; i++) {
		efd2 = eventfd(0, 0);
		ASSERT_EQ(0, irqfd(self->chip, efd2, 5, 0, 0));
		close(efd2);
		if (i % 64 == 0)
			usleep(1000);	/* let the detach work run */
	}
	usleep(50000);
	efd2 = eventfd(0, 0);
	ASSERT_EQ(0, irqfd(self->chip, efd2, 5, 0, 0));
	kick_efd(efd2);
	EXPECT_EQ(0x45, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	close(efd2);
}

TEST_F(fd, bad_arguments)
{
	struct virq_irqfd_args a = { .gsi = 5 };
	int efd = eventfd(0, 0), rfd = eventfd(0, 0), p[2];

	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(EINVAL, irqfd(self->chip, efd, 5, 4, 0));	/* flag */
	EXPECT_EQ(EINVAL, irqfd(self->chip, efd, VIRQ_NR_GSIS, 0, 0));
	EXPECT_EQ(EINVAL, irqfd(self->chip, efd, 5, 0, rfd));	/* no RESAMPLE */
	/* As KVM: DEASSIGN ignores RESAMPLE and resamplefd. */
	EXPECT_EQ(ENOENT, irqfd(self->chip, efd, 5, VIRQ_IRQFD_FLAG_DEASSIGN |
				VIRQ_IRQFD_FLAG_RESAMPLE, rfd));
	EXPECT_EQ(EINVAL, irqfd(self->chip, p[0], 5, 0, 0));	/* not eventfd */
	EXPECT_EQ(EBADF, irqfd(self->chip, 9999, 5, 0, 0));
	EXPECT_EQ(EBADF, irqfd(self->chip, efd, 5, VIRQ_IRQFD_FLAG_RESAMPLE,
			       9999));
	EXPECT_EQ(EINVAL, irqfd(self->chip, efd, 5, VIRQ_IRQFD_FLAG_RESAMPLE,
				p[0]));
	a.fd = efd;
	a.pad[15] = 1;
	EXPECT_EQ(-1, ioctl(self->chip, VIRQ_IRQFD, &a));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->chip, VIRQ_IRQFD, NULL));
	EXPECT_EQ(EFAULT, errno);
	/* Nothing was bound by any of them. */
	EXPECT_EQ(0, irqfd(self->chip, efd, 5, 0, 0));
	close(efd);
	close(rfd);
	close(p[0]);
	close(p[1]);
}

#define ACTIVE_LOW	VIRQ_IOAPIC_RTE_ACTIVE_LOW

/*
 * Item 3 of the second correctness round: irqfds assert and de-assert
 * logically whatever the pin's polarity, on chips with logical levels
 * (the default) and with wire levels alike. Before, a plain irqfd's
 * pulse (1 then 0) left an active-low pin asserted (a storm after every
 * EOI), a resample irqfd de-asserted it (the device's interrupt lost)
 * and its DEASSIGN asserted it.
 */
static void irqfd_active_low(struct __test_metadata *_metadata, uint32_t flags)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC | flags,
		.nr_ioapics = 1, .max_vcpus = 1,
	};
	int dev = virq_open(), chip, v, efd, efd2, rfd;

	ASSERT_LE(0, dev);
	chip = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
	ASSERT_LE(0, chip);
	v = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, v);
	/* Wire levels: the device's line idles high (de-asserted). */
	if (flags & VIRQ_CHIP_ELECTRICAL_LEVELS) {
		virq_line(chip, 16, 1);
		virq_line(chip, 17, 1);
	}
	/* A plain irqfd on an active-low level pin: one delivery, no storm. */
	set_rte(chip, 16, 0x60 | LEVEL | ACTIVE_LOW);
	EXPECT_EQ(-1, ioctl(v, VIRQ_VCPU_ACK, 0));
	efd = eventfd(0, 0);
	ASSERT_EQ(0, irqfd(chip, efd, 16, 0, 0));
	kick_efd(efd);
	EXPECT_EQ(0x60, ioctl(v, VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(0, ioctl(v, VIRQ_VCPU_EOI, 0x60));
	EXPECT_EQ(-1, ioctl(v, VIRQ_VCPU_ACK, 0)) {
		TH_LOG("the pulse left the active-low pin asserted");
	}
	EXPECT_EQ(0, rte(chip, 16) & REMOTE_IRR);

	/* A resample irqfd: asserted until the EOI, then released. */
	set_rte(chip, 17, 0x61 | LEVEL | ACTIVE_LOW);
	efd2 = eventfd(0, 0);
	rfd = eventfd(0, EFD_NONBLOCK);
	ASSERT_EQ(0, irqfd(chip, efd2, 17, VIRQ_IRQFD_FLAG_RESAMPLE, rfd));
	EXPECT_EQ(-1, ioctl(v, VIRQ_VCPU_ACK, 0));
	kick_efd(efd2);
	EXPECT_EQ(0x61, ioctl(v, VIRQ_VCPU_ACK, 0)) {
		TH_LOG("the resample irqfd did not assert the active-low pin");
	}
	EXPECT_EQ(0, ioctl(v, VIRQ_VCPU_EOI, 0x61));
	EXPECT_EQ(1, efd_count(rfd, 1000));
	EXPECT_EQ(-1, ioctl(v, VIRQ_VCPU_ACK, 0));
	/* Asserted again, then unbound while asserted: released. */
	kick_efd(efd2);
	EXPECT_EQ(0x61, ioctl(v, VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(0, irqfd(chip, efd2, 17, VIRQ_IRQFD_FLAG_DEASSIGN, 0));
	EXPECT_EQ(0, ioctl(v, VIRQ_VCPU_EOI, 0x61));
	EXPECT_EQ(-1, ioctl(v, VIRQ_VCPU_ACK, 0)) {
		TH_LOG("DEASSIGN left the active-low pin asserted");
	}
	close(efd);
	close(efd2);
	close(rfd);
	close(v);
	close(chip);
	close(dev);
}

TEST(irqfd_active_low_logical_chip)
{
	irqfd_active_low(_metadata, 0);
}

TEST(irqfd_active_low_electrical_chip)
{
	irqfd_active_low(_metadata, VIRQ_CHIP_ELECTRICAL_LEVELS);
}

/* The stats header (version 3 and later carries the fan-out counters). */
static int stats_header(int chip, struct virq_stats_header *h)
{
	static char buf[1 << 16];
	struct virq_stats_args a = { .buf = (uintptr_t)buf, .size = sizeof(buf) };

	memset(h, 0, sizeof(*h));
	if (ioctl(chip, VIRQ_GET_STATS, &a))
		return -1;
	memcpy(h, buf, sizeof(*h));
	return h->header_size >= sizeof(*h) ? 0 : -1;
}

/* Every vCPU of @v has @vec pending within 2 s; returns how many had. */
static int all_get(int *v, int n, int vec)
{
	int i, got = 0, tries;

	for (i = 0; i < n; i++) {
		for (tries = 0; tries < 200; tries++) {
			if (ioctl(v[i], VIRQ_VCPU_ACK, 0) == vec) {
				got++;
				break;
			}
			usleep(10000);
		}
	}
	return got;
}

#define FANOUT_VCPUS	64
#define FANOUT_BOUND	16	/* api.rst: the most vCPUs atomic context visits */

/*
 * Item 1 of the second correctness round: an eventfd's wake-up runs with
 * interrupts off, possibly in hard-IRQ context, and the IOAPIC delivers
 * under an irqsave lock. A broadcast (MSI route, IOAPIC entry) to 64
 * vCPUs must not visit them all there: it goes to a work item, in order,
 * and every vCPU still gets it once. The statistics count the most vCPUs
 * one delivery from atomic context visited, and the deferrals.
 */
TEST(broadcast_fanout_leaves_atomic_context)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC, .nr_ioapics = 1,
		.max_vcpus = FANOUT_VCPUS,
	};
	struct {
		struct virq_irq_routing r;
		struct virq_irq_routing_entry e[2];
	} rt = { .r = { .nr = 2 } };
	int dev = virq_open(), chip, v[FANOUT_VCPUS], i, efd, efd2, rfd;
	struct virq_stats_header h;
	uint8_t all = 0xff;

	ASSERT_LE(0, dev);
	chip = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
	ASSERT_LE(0, chip);
	for (i = 0; i < FANOUT_VCPUS; i++) {
		v[i] = ioctl(chip, VIRQ_CREATE_VCPU, i);
		ASSERT_LE(0, v[i]);
	}
	virq_pio_fd(chip, 0x21, 1, &all);
	virq_pio_fd(chip, 0xa1, 1, &all);
	/* GSI 100: an MSI broadcast (physical 0xff), vector 0x40; 20: pin 20. */
	rt.e[0].gsi = 100;
	rt.e[0].type = VIRQ_IRQ_ROUTING_MSI;
	rt.e[0].u.msi.address_lo = 0xfee00000 | (0xff << 12);
	rt.e[0].u.msi.data = 0x40;
	rt.e[1].gsi = 20;
	rt.e[1].type = VIRQ_IRQ_ROUTING_IRQCHIP;
	rt.e[1].u.irqchip.irqchip = VIRQ_IRQCHIP_IOAPIC(0);
	rt.e[1].u.irqchip.pin = 20;
	ASSERT_EQ(0, ioctl(chip, VIRQ_SET_GSI_ROUTING, &rt));

	/* The MSI route through an irqfd: the wake-up defers it. */
	efd = eventfd(0, 0);
	ASSERT_EQ(0, irqfd(chip, efd, 100, 0, 0));
	kick_efd(efd);
	EXPECT_EQ(FANOUT_VCPUS, all_get(v, FANOUT_VCPUS, 0x40));
	ASSERT_EQ(0, stats_header(chip, &h));
	EXPECT_EQ(1, h.irqfd_injections);
	EXPECT_EQ(1, h.irqfd_deferred);
	EXPECT_GE(FANOUT_BOUND, h.atomic_fanout_max) {
		TH_LOG("one delivery in atomic context visited %llu vCPUs",
		       (unsigned long long)h.atomic_fanout_max);
	}

	/* An IOAPIC edge entry broadcast, from VIRQ_IRQ_LINE and an irqfd. */
	set_rte(chip, 20, 0x41 | (0xffull << 56));
	EXPECT_EQ(1, virq_line(chip, 20, 1));
	EXPECT_EQ(0, virq_line(chip, 20, 0));
	EXPECT_EQ(FANOUT_VCPUS, all_get(v, FANOUT_VCPUS, 0x41));
	efd2 = eventfd(0, 0);
	ASSERT_EQ(0, irqfd(chip, efd2, 20, 0, 0));
	kick_efd(efd2);
	EXPECT_EQ(FANOUT_VCPUS, all_get(v, FANOUT_VCPUS, 0x41));
	ASSERT_EQ(0, irqfd(chip, efd2, 20, VIRQ_IRQFD_FLAG_DEASSIGN, 0));

	/*
	 * A level entry broadcast, asserted by a resample irqfd: every vCPU
	 * takes it once, remote IRR holds it until an EOI, which releases
	 * the line and signals the resamplefd: no level lost or repeated.
	 */
	set_rte(chip, 20, 0x42 | LEVEL | (0xffull << 56));
	rfd = eventfd(0, EFD_NONBLOCK);
	ASSERT_EQ(0, irqfd(chip, efd2, 20, VIRQ_IRQFD_FLAG_RESAMPLE, rfd));
	kick_efd(efd2);
	EXPECT_EQ(FANOUT_VCPUS, all_get(v, FANOUT_VCPUS, 0x42));
	EXPECT_NE(0, rte(chip, 20) & REMOTE_IRR);
	EXPECT_EQ(0, efd_count(rfd, 0));
	EXPECT_EQ(0, ioctl(v[0], VIRQ_VCPU_EOI, 0x42));
	EXPECT_EQ(1, efd_count(rfd, 1000));
	EXPECT_EQ(0, rte(chip, 20) & REMOTE_IRR);
	usleep(20000);
	for (i = 0; i < FANOUT_VCPUS; i++)
		EXPECT_EQ(-1, ioctl(v[i], VIRQ_VCPU_ACK, 0));
	/* Signalled again: asserted again, delivered again to all. */
	kick_efd(efd2);
	EXPECT_EQ(FANOUT_VCPUS, all_get(v, FANOUT_VCPUS, 0x42));

	ASSERT_EQ(0, stats_header(chip, &h));
	EXPECT_LE(3, h.fanout_deferred);
	EXPECT_GE(FANOUT_BOUND, h.atomic_fanout_max) {
		TH_LOG("one delivery in atomic context visited %llu vCPUs",
		       (unsigned long long)h.atomic_fanout_max);
	}
	close(efd);
	close(efd2);
	close(rfd);
	for (i = 0; i < FANOUT_VCPUS; i++)
		close(v[i]);
	close(chip);
	close(dev);
}

/*
 * Item 10 of the second correctness round: irqfd_defer=Y queues
 * injections on a workqueue, and an eventfd's close queues its irqfd's
 * teardown, which waits for that injection. Another subsystem that holds
 * the eventfd (here chip A, for which it is a resamplefd) can signal it
 * after the close, so the injection is queued behind the teardown: with
 * both on one workqueue, teardowns filling its active slots (256) wait
 * for injections that can never start. 300 eventfds are bound as
 * deferred irqfds on chip B and are resamplefds on chip A; they are
 * closed, and chip A's EOI signals them all at once.
 */
#define LATE_N	300

TEST(teardowns_never_wait_behind_late_signals)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC, .nr_ioapics = 1,
		.max_vcpus = 1,
	};
	struct rlimit rl = { 4096, 4096 };
	int dev = virq_open(), a, b, va, vb, round, i;
	static int e[LATE_N], f[LATE_N];

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	ASSERT_LE(0, dev);
	a = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
	b = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	va = ioctl(a, VIRQ_CREATE_VCPU, 0);
	vb = ioctl(b, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, va);
	ASSERT_LE(0, vb);
	set_rte(a, 16, 0x60 | LEVEL);
	for (i = 17; i < 24; i++)
		set_rte(b, i, 0x40 + i);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < LATE_N; i++) {
			e[i] = eventfd(0, 0);
			f[i] = eventfd(0, 0);
			ASSERT_LE(0, e[i]);
			ASSERT_LE(0, f[i]);
			ASSERT_EQ(0, irqfd(a, f[i], 16, VIRQ_IRQFD_FLAG_RESAMPLE,
					   e[i]));
		}
		ASSERT_EQ(0, set_defer(1));
		for (i = 0; i < LATE_N; i++)
			ASSERT_EQ(0, irqfd(b, e[i], 17 + i % 7, 0, 0));
		ASSERT_EQ(0, set_defer(0));
		kick_efd(f[0]);			/* chip A's pin 16 asserted */
		EXPECT_EQ(0x60, ioctl(va, VIRQ_VCPU_ACK, 0));
		for (i = 0; i < LATE_N; i++)
			close(e[i]);		/* chip B's teardowns queued */
		/* The EOI signals every resamplefd: chip B's closed eventfds. */
		EXPECT_EQ(0, ioctl(va, VIRQ_VCPU_EOI, 0x60));
		EXPECT_EQ(0, irqfds_settle(b, 0)) {
			TH_LOG("round %d: chip B's irqfds never went away", round);
		}
		for (i = 0; i < LATE_N; i++)
			close(f[i]);
		EXPECT_EQ(0, irqfds_settle(a, 0));
		while (ioctl(vb, VIRQ_VCPU_ACK, 0) >= 0)
			;
	}
	close(va);
	close(vb);
	close(a);
	close(b);
	close(dev);
}

TEST_F(fd, limit_per_chip)
{
	struct rlimit rl = { 4096, 4096 };
	int efds[VIRQ_MAX_IRQFDS + 1], i, n = 0;

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	for (i = 0; i <= VIRQ_MAX_IRQFDS; i++) {
		efds[i] = eventfd(0, 0);
		ASSERT_LE(0, efds[i]);
		if (irqfd(self->chip, efds[i], i % VIRQ_NR_GSIS, 0, 0) == 0)
			n++;
		else
			EXPECT_EQ(ENOSPC, irqfd(self->chip, efds[i], 1, 0, 0));
	}
	EXPECT_EQ(VIRQ_MAX_IRQFDS, n);
	for (i = 0; i <= VIRQ_MAX_IRQFDS; i++)
		close(efds[i]);
}

/*
 * Five threads: signal, two that deassign and assign the same eventfds,
 * routing swaps that move each GSI between two edge-triggered IOAPIC
 * pins, and a vCPU that acknowledges and EOIs. Odd rounds close the chip
 * fd under them; even rounds stop them and check that no pin was left
 * asserted (an edge's two halves through two tables would leave one so).
 */
struct stress {
	int dev, chip, v, efd[4];
	atomic_int stop;
	atomic_long signals, binds, swaps, acks;
};

static void *st_signal(void *p)
{
	struct stress *s = p;
	uint64_t one = 1;
	int i = 0;

	while (!atomic_load(&s->stop)) {
		if (write(s->efd[i++ % 4], &one, 8) == 8)
			atomic_fetch_add(&s->signals, 1);
	}
	return NULL;
}

static void *st_bind(void *p)
{
	struct stress *s = p;
	int i = 0, e;

	while (!atomic_load(&s->stop)) {
		e = i++ % 4;
		irqfd(s->chip, s->efd[e], 16 + e, VIRQ_IRQFD_FLAG_DEASSIGN, 0);
		if (!irqfd(s->chip, s->efd[e], 16 + e, 0, 0))
			atomic_fetch_add(&s->binds, 1);
	}
	return NULL;
}

static void *st_route(void *p)
{
	struct stress *s = p;
	struct {
		struct virq_irq_routing r;
		struct virq_irq_routing_entry e[4];
	} rt = { .r = { .nr = 4 } };
	int i = 0, j;

	for (j = 0; j < 4; j++) {
		rt.e[j].gsi = 16 + j;
		rt.e[j].type = VIRQ_IRQ_ROUTING_IRQCHIP;
		rt.e[j].u.irqchip.irqchip = VIRQ_IRQCHIP_IOAPIC(0);
	}
	while (!atomic_load(&s->stop)) {
		for (j = 0; j < 4; j++)
			rt.e[j].u.irqchip.pin = 16 + j + 4 * ((i + j) & 1);
		if (!ioctl(s->chip, VIRQ_SET_GSI_ROUTING, &rt))
			atomic_fetch_add(&s->swaps, 1);
		i++;
	}
	return NULL;
}

static void *st_drain(void *p)
{
	struct stress *s = p;

	while (!atomic_load(&s->stop)) {
		if (ioctl(s->v, VIRQ_VCPU_ACK, 0) >= 0) {
			atomic_fetch_add(&s->acks, 1);
			mmio_w(s->v, 0xfee000b0, 0);
		}
	}
	return NULL;
}

TEST(stress_signal_deassign_route_close)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC | VIRQ_CHIP_LAPIC,
		.nr_ioapics = 1, .max_vcpus = 1,
	};
	static struct stress s;
	pthread_t t[5];
	int round, i, pin;

	s.dev = virq_open();
	ASSERT_LE(0, s.dev);
	for (i = 0; i < 4; i++)
		s.efd[i] = eventfd(0, EFD_NONBLOCK);
	for (round = 0; round < 20; round++) {
		s.chip = ioctl(s.dev, VIRQ_CREATE_CHIP, &cfg);
		ASSERT_LE(0, s.chip);
		for (pin = 16; pin < 24; pin++)
			set_rte(s.chip, pin, 0x60 + pin);	/* edge, APIC 0 */
		s.v = ioctl(s.chip, VIRQ_CREATE_VCPU, 0);
		ASSERT_LE(0, s.v);
		mmio_w(s.v, 0xfee000f0, 0x1ff);
		atomic_store(&s.stop, 0);
		ASSERT_EQ(0, pthread_create(&t[0], NULL, st_signal, &s));
		ASSERT_EQ(0, pthread_create(&t[1], NULL, st_bind, &s));
		ASSERT_EQ(0, pthread_create(&t[2], NULL, st_bind, &s));
		ASSERT_EQ(0, pthread_create(&t[3], NULL, st_route, &s));
		ASSERT_EQ(0, pthread_create(&t[4], NULL, st_drain, &s));
		usleep(50000);
		if (round & 1) {
			/* The chip fd closes under them; the threads then fail. */
			close(s.chip);
			usleep(10000);
		}
		atomic_store(&s.stop, 1);
		for (i = 0; i < 5; i++)
			pthread_join(t[i], NULL);
		close(s.v);
		if (!(round & 1)) {
			EXPECT_EQ(0, line_levels(s.chip)) {
				TH_LOG("round %d: pins left asserted: %06x",
				       round, line_levels(s.chip));
			}
			close(s.chip);
		}
	}
	TH_LOG("%ld signals, %ld binds, %ld routing swaps, %ld acks",
	       atomic_load(&s.signals), atomic_load(&s.binds),
	       atomic_load(&s.swaps), atomic_load(&s.acks));
	EXPECT_LT(0, atomic_load(&s.binds));
	EXPECT_LT(0, atomic_load(&s.swaps));
	EXPECT_LT(0, atomic_load(&s.acks));
	/* Everything was unbound with the chips: the eventfds bind again. */
	s.chip = ioctl(s.dev, VIRQ_CREATE_CHIP, &cfg);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, irqfd(s.chip, s.efd[i], 1, 0, 0));
		close(s.efd[i]);
	}
	close(s.chip);
	close(s.dev);
}

TEST_HARNESS_MAIN
