// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC as a VMM drives it: every guest access forwarded with
 * VIRQ_IO on the vCPU's own fd (the xAPIC page, the x2APIC MSRs,
 * IA32_APIC_BASE, IA32_TSC_DEADLINE; a guest fault comes back in
 * io.fault), vCPU threads that halt and acknowledge, VIRQ_GET/SET_LAPIC,
 * VIRQ_VCPU_NMI, VIRQ_VCPU_LINT and VIRQ_VCPU_SET_CLOCK.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include "virq_test.h"

#define APIC		0xfee00000ULL
#define NCPU		4

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* An access; returns errno, 0, or 1000 + fault. */
static int xio(int vcpu, uint32_t space, uint64_t addr, uint32_t len,
	       int write, uint64_t *v)
{
	struct virq_io io = { .space = space, .addr = addr, .len = len,
			      .write = write, .data = write ? *v : 0,
			      .fault = 0x55 };

	if (ioctl(vcpu, VIRQ_IO, &io))
		return errno;
	if (!write)
		*v = io.data;
	return io.fault ? 1000 + io.fault : 0;
}

static uint32_t rd(int vcpu, uint32_t off)
{
	uint64_t v = 0;

	xio(vcpu, VIRQ_IO_MMIO, APIC + off, 4, 0, &v);
	return v;
}

static void wr(int vcpu, uint32_t off, uint32_t val)
{
	uint64_t v = val;

	xio(vcpu, VIRQ_IO_MMIO, APIC + off, 4, 1, &v);
}

static int wrmsr(int vcpu, uint32_t msr, uint64_t val)
{
	return xio(vcpu, VIRQ_IO_MSR, msr, 8, 1, &val);
}

static uint64_t rdmsr(int vcpu, uint32_t msr)
{
	uint64_t v = 0;

	xio(vcpu, VIRQ_IO_MSR, msr, 8, 0, &v);
	return v;
}

#define GP (1000 + VIRQ_IO_FAULT_GP)

FIXTURE(apic) {
	int dev, chip, v[NCPU];
	struct virq_vcpu_run *run[NCPU];
};

FIXTURE_SETUP(apic)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC | VIRQ_CHIP_LAPIC,
		.nr_ioapics = 1, .max_vcpus = NCPU,
	};
	int i;

	self->dev = virq_open();
	ASSERT_LE(0, self->dev);
	self->chip = ioctl(self->dev, VIRQ_CREATE_CHIP, &cfg);
	ASSERT_LE(0, self->chip);
	for (i = 0; i < NCPU; i++) {
		self->v[i] = ioctl(self->chip, VIRQ_CREATE_VCPU, i);
		ASSERT_LE(0, self->v[i]);
		self->run[i] = virq_map_run(self->v[i]);
		ASSERT_NE(NULL, self->run[i]);
		wr(self->v[i], 0xf0, 0x1ff);	/* software-enable */
	}
}

FIXTURE_TEARDOWN(apic)
{
	int i;

	for (i = 0; i < NCPU; i++) {
		munmap(self->run[i], 4096);
		close(self->v[i]);
	}
	close(self->chip);
	close(self->dev);
}

static int irr_has(int vcpu, uint8_t vec)
{
	return (rd(vcpu, 0x200 + vec / 32 * 16) >> (vec % 32)) & 1;
}

static void ipi(int from, uint32_t dest, uint32_t lo)
{
	wr(from, 0x310, dest << 24);
	wr(from, 0x300, lo);
}

/* Take every pending vector of a vCPU, EOI'ing each; count @vec. */
static int drain(int vcpu, uint8_t vec)
{
	int v, n = 0;

	while ((v = ioctl(vcpu, VIRQ_VCPU_ACK, 0)) >= 0) {
		n += v == vec;
		wr(vcpu, 0xb0, 0);
	}
	return n;
}

TEST(capability)
{
	int dev = virq_open();

	ASSERT_LE(0, dev);
	EXPECT_EQ(1, ioctl(dev, VIRQ_CHECK_EXTENSION, VIRQ_CAP_LAPIC));
	close(dev);
}

TEST_F(apic, version_and_ids)
{
	EXPECT_EQ(0x01050014, rd(self->v[0], 0x30));
	EXPECT_EQ(0x03000000, rd(self->v[3], 0x20));
	/* xAPIC: the ID is writable. */
	wr(self->v[3], 0x20, 0x09000000);
	EXPECT_EQ(0x09000000, rd(self->v[3], 0x20));
	ipi(self->v[0], 9, 0x51);
	EXPECT_EQ(1, irr_has(self->v[3], 0x51));
	/* x2APIC: the ID is the x2APIC ID, read-only. */
	EXPECT_EQ(0, wrmsr(self->v[2], 0x1b, 0xfee00c00));
	EXPECT_EQ(2, rdmsr(self->v[2], 0x802));
	EXPECT_EQ(GP, wrmsr(self->v[2], 0x802, 5));
	EXPECT_EQ(0x01050014, rdmsr(self->v[2], 0x803));
}

TEST_F(apic, apic_base_transitions)
{
	int v = self->v[1];
	uint64_t d = 0;

	EXPECT_EQ(0xfee00800, rdmsr(v, 0x1b));
	EXPECT_EQ(0xfee00900, rdmsr(self->v[0], 0x1b));	/* the BSP */
	EXPECT_EQ(GP, wrmsr(v, 0x1b, 0xfee00400));	/* EXTD without EN */
	EXPECT_EQ(GP, wrmsr(v, 0x1b, 0xfee00802));	/* reserved bit */
	EXPECT_EQ(GP, wrmsr(v, 0x1b, 1ULL << 52 | 0x800)); /* past 51 */
	EXPECT_EQ(0, wrmsr(v, 0x1b, 0xfee00c00));	/* xAPIC -> x2APIC */
	EXPECT_EQ(GP, wrmsr(v, 0x1b, 0xfee00800));	/* x2APIC -> xAPIC */
	EXPECT_EQ(0xfee00c00, rdmsr(v, 0x1b));		/* unchanged */
	EXPECT_EQ(0, wrmsr(v, 0x1b, 0xfee00000));	/* -> disabled */
	EXPECT_EQ(GP, wrmsr(v, 0x1b, 0xfee00c00));	/* disabled -> x2 */
	/* Disabled: the page reads all ones, nothing is accepted. */
	EXPECT_EQ(0xffffffff, rd(v, 0x30));
	EXPECT_EQ(0, xio(v, VIRQ_IO_MMIO, APIC + 0x20, 2, 0, &d));
	EXPECT_EQ(0xffff, d);
	ipi(self->v[0], 1, 0x400);			/* an NMI */
	EXPECT_EQ(0, virq_requests(self->run[1]) & VIRQ_REQ_NMI);
	/* Enabled again: the power-up state. */
	EXPECT_EQ(0, wrmsr(v, 0x1b, 0xfee00800));
	EXPECT_EQ(0xff, rd(v, 0xf0));
	EXPECT_EQ(0x01000000, rd(v, 0x20));
}

TEST_F(apic, relocation)
{
	int v = self->v[1];
	uint64_t d;

	EXPECT_EQ(0, wrmsr(v, 0x1b, 0xfed00800));
	EXPECT_EQ(ENOENT, xio(v, VIRQ_IO_MMIO, APIC + 0x30, 4, 0, &d));
	EXPECT_EQ(0, xio(v, VIRQ_IO_MMIO, 0xfed00030, 4, 0, &d));
	EXPECT_EQ(0x01050014, d);
	/* Other vCPUs keep theirs. */
	EXPECT_EQ(0x01050014, rd(self->v[0], 0x30));
}

/*
 * Every offset and size: a result, and nothing beyond the page. Sizes 1,
 * 2, 4 and 8 are accesses; 0, 3, 5-7 and 9-16 are EINVAL and change
 * nothing.
 */
TEST_F(apic, every_offset_and_size)
{
	uint32_t off, l, bad = 0;
	uint64_t d;
	int r, ok;

	for (off = 0; off < 0x1000; off++) {
		for (l = 0; l <= 16; l++) {
			ok = l == 1 || l == 2 || l == 4 || l == 8;
			d = 0x1234;
			r = xio(self->v[0], VIRQ_IO_MMIO, APIC + off, l, 0, &d);
			if (r != (ok ? 0 : EINVAL))
				bad++;
			if (ok && off >= 0x400 && d) {
				EXPECT_EQ(0, d);
			}
		}
	}
	EXPECT_EQ(0, bad);
	/* A write of a bad size is refused before it reaches TPR. */
	d = 0x50;
	EXPECT_EQ(EINVAL, xio(self->v[0], VIRQ_IO_MMIO, APIC + 0x80, 3, 1, &d));
	EXPECT_EQ(EINVAL, xio(self->v[0], VIRQ_IO_MMIO, APIC + 0x80, 0, 1, &d));
	EXPECT_EQ(0, rd(self->v[0], 0x80));
	EXPECT_EQ(ENOENT, xio(self->v[0], VIRQ_IO_MMIO, APIC + 0x1000, 4, 0,
			      &d));
	EXPECT_EQ(EINVAL, xio(self->v[0], VIRQ_IO_MSR, 0x1b, 4, 0, &d));
	/* MSRs past 0x8ff are not the LAPIC's (XSA-108). */
	EXPECT_EQ(ENOENT, xio(self->v[0], VIRQ_IO_MSR, 0x900, 8, 0, &d));
	EXPECT_EQ(ENOENT, xio(self->v[0], VIRQ_IO_MSR, 0xbff, 8, 0, &d));
}

/*
 * io.fault is an output: a vCPU fd of a chip without LAPICs (the access
 * goes to the PIC) and a chip fd return 0 there whatever the caller left
 * in it.
 */
TEST(io_fault_cleared_without_lapic)
{
	int dev = virq_open(), chip, vcpu, fd, i;
	struct virq_io io;

	ASSERT_LE(0, dev);
	chip = virq_chip(dev, 1);
	ASSERT_LE(0, chip);
	vcpu = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu);
	for (i = 0; i < 2; i++) {
		fd = i ? chip : vcpu;
		memset(&io, 0, sizeof(io));
		io.space = VIRQ_IO_PIO;
		io.addr = 0x21;
		io.len = 1;
		io.fault = VIRQ_IO_FAULT_GP;
		EXPECT_EQ(0, ioctl(fd, VIRQ_IO, &io));
		EXPECT_EQ(VIRQ_IO_FAULT_NONE, io.fault);
		io.write = 1;
		io.data = 0xff;
		io.fault = 0x55;
		EXPECT_EQ(0, ioctl(fd, VIRQ_IO, &io));
		EXPECT_EQ(VIRQ_IO_FAULT_NONE, io.fault);
	}
	close(vcpu);
	close(chip);
	close(dev);
}

TEST_F(apic, self_ipi_both_modes)
{
	int v = self->v[1];

	ipi(v, 0, 0x61 | (1 << 18));
	EXPECT_EQ(0x61, ioctl(v, VIRQ_VCPU_ACK, 0));
	wr(v, 0xb0, 0);
	EXPECT_EQ(0, wrmsr(v, 0x1b, 0xfee00c00));
	EXPECT_EQ(0, wrmsr(v, 0x83f, 0x62));
	EXPECT_EQ(0x62, ioctl(v, VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(0, wrmsr(v, 0x80b, 0));
	EXPECT_EQ(GP, wrmsr(v, 0x83f, 0x1062));		/* reserved bits */
	EXPECT_EQ(GP, xio(v, VIRQ_IO_MSR, 0x83f, 8, 0, &(uint64_t){ 0 }));
}

TEST_F(apic, broadcast_by_address_and_shorthand)
{
	int i;

	ipi(self->v[1], 0xff, 0x71);
	for (i = 0; i < NCPU; i++)
		EXPECT_EQ(1, drain(self->v[i], 0x71));
	ipi(self->v[1], 0, 0x72 | (2 << 18));		/* all incl. self */
	for (i = 0; i < NCPU; i++)
		EXPECT_EQ(1, drain(self->v[i], 0x72));
	ipi(self->v[1], 0, 0x73 | (3 << 18));		/* all excl. self */
	for (i = 0; i < NCPU; i++)
		EXPECT_EQ(i != 1, drain(self->v[i], 0x73));
	/* x2APIC broadcast 0xffffffff. */
	EXPECT_EQ(0, wrmsr(self->v[1], 0x1b, 0xfee00c00));
	EXPECT_EQ(0, wrmsr(self->v[1], 0x830, 0xffffffff00000074ULL));
	for (i = 0; i < NCPU; i++)
		EXPECT_EQ(1, drain(self->v[i], 0x74));
}

TEST_F(apic, logical_flat_and_cluster)
{
	int i;

	for (i = 0; i < NCPU; i++)
		wr(self->v[i], 0xd0, 1 << (24 + i));
	ipi(self->v[0], 0x04, 0x881);			/* one */
	ipi(self->v[0], 0x0a, 0x882);			/* two */
	for (i = 0; i < NCPU; i++) {
		EXPECT_EQ(i == 2, irr_has(self->v[i], 0x81));
		EXPECT_EQ(i == 1 || i == 3, irr_has(self->v[i], 0x82));
	}
	for (i = 0; i < NCPU; i++) {
		drain(self->v[i], 0);
		wr(self->v[i], 0xe0, 0x0fffffff);	/* cluster model */
		wr(self->v[i], 0xd0, (((i / 2 + 1) << 4) | (1 << (i % 2))) << 24);
	}
	ipi(self->v[0], 0x12, 0x883);			/* cluster 1, bit 1 */
	ipi(self->v[0], 0x23, 0x884);			/* cluster 2, both */
	for (i = 0; i < NCPU; i++) {
		EXPECT_EQ(i == 1, irr_has(self->v[i], 0x83));
		EXPECT_EQ(i >= 2, irr_has(self->v[i], 0x84));
	}
}

/* Lowest priority spreads across equal PPRs; a lower PPR always wins. */
TEST_F(apic, lowest_priority)
{
	struct virq_msi m = { .address_lo = 0xfee0f00c, .data = 0x190 };
	int got[NCPU] = { 0 }, i, n;

	for (i = 0; i < NCPU; i++)
		wr(self->v[i], 0xd0, 1 << (24 + i));
	for (n = 0; n < 40; n++) {
		EXPECT_EQ(1, ioctl(self->chip, VIRQ_SIGNAL_MSI, &m));
		for (i = 0; i < NCPU; i++)
			got[i] += drain(self->v[i], 0x90);
	}
	for (i = 0; i < NCPU; i++)
		EXPECT_EQ(10, got[i]);
	__atomic_store_n(&self->run[3]->tpr, 0x10, __ATOMIC_SEQ_CST);
	for (i = 0; i < 3; i++)
		wr(self->v[i], 0x80, 0x20);
	for (n = 0; n < 8; n++) {
		EXPECT_EQ(1, ioctl(self->chip, VIRQ_SIGNAL_MSI, &m));
		EXPECT_EQ(1, drain(self->v[3], 0x90));
	}
}

/* TPR (MMIO or the run page) holds a vector back; WAIT does not wake. */
TEST_F(apic, tpr_blocks_until_lowered)
{
	int v = self->v[1];

	__atomic_store_n(&self->run[1]->tpr, 0x80, __ATOMIC_SEQ_CST);
	ipi(self->v[0], 1, 0x75);
	EXPECT_EQ(0, virq_requests(self->run[1]) & VIRQ_REQ_INTR);
	EXPECT_EQ(0x75, self->run[1]->irr_max);
	EXPECT_EQ(-1, virq_wait(v, 20000000, VIRQ_WAIT_ACK));
	EXPECT_EQ(ETIMEDOUT, errno);
	wr(v, 0x80, 0x70);		/* the guest: 0x75's class, still held */
	EXPECT_EQ(0, virq_requests(self->run[1]) & VIRQ_REQ_INTR);
	wr(v, 0x80, 0x60);
	EXPECT_EQ(0x60, rd(v, 0xa0));			/* PPR */
	EXPECT_NE(0, virq_requests(self->run[1]) & VIRQ_REQ_INTR);
	EXPECT_EQ(0x75, virq_wait(v, 1000000000, VIRQ_WAIT_ACK));
	wr(v, 0xb0, 0);
	/* Lowered by the VMM's store alone: WAIT looks again. */
	wr(v, 0x80, 0x90);
	ipi(self->v[0], 1, 0x85);
	EXPECT_EQ(0, virq_requests(self->run[1]) & VIRQ_REQ_INTR);
	__atomic_store_n(&self->run[1]->tpr, 0, __ATOMIC_SEQ_CST);
	EXPECT_EQ(0x85, virq_wait(v, 1000000000, VIRQ_WAIT_ACK));
}

TEST_F(apic, nmi_three_ways)
{
	struct virq_lint l = { .pin = 1, .level = 1 };

	EXPECT_EQ(0, ioctl(self->v[2], VIRQ_VCPU_NMI, 0));
	EXPECT_NE(0, virq_requests(self->run[2]) & VIRQ_REQ_NMI);
	__atomic_and_fetch(&self->run[2]->requests, ~VIRQ_REQ_NMI,
			   __ATOMIC_SEQ_CST);
	ipi(self->v[0], 2, 0x400);
	EXPECT_NE(0, virq_requests(self->run[2]) & VIRQ_REQ_NMI);
	__atomic_and_fetch(&self->run[2]->requests, ~VIRQ_REQ_NMI,
			   __ATOMIC_SEQ_CST);
	wr(self->v[2], 0x360, 0x400);			/* LINT1: NMI */
	EXPECT_EQ(0, ioctl(self->v[2], VIRQ_VCPU_LINT, &l));
	EXPECT_NE(0, virq_requests(self->run[2]) & VIRQ_REQ_NMI);
	l.pin = 2;
	EXPECT_EQ(-1, ioctl(self->v[2], VIRQ_VCPU_LINT, &l));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(apic, init_sipi_sequence)
{
	struct virq_lapic_state st;
	int ap = self->v[3];

	/* An AP waits for its SIPI from the start. */
	ASSERT_EQ(0, ioctl(ap, VIRQ_GET_LAPIC, &st));
	EXPECT_EQ(VIRQ_LAPIC_STATE_WAIT_SIPI,
		  st.flags & VIRQ_LAPIC_STATE_WAIT_SIPI);
	ipi(self->v[0], 3, 0xc500);			/* INIT assert */
	EXPECT_NE(0, virq_requests(self->run[3]) & VIRQ_REQ_INIT);
	ipi(self->v[0], 3, 0x8500);			/* INIT de-assert */
	ipi(self->v[0], 3, 0x609);			/* SIPI 0x09 */
	EXPECT_NE(0, virq_requests(self->run[3]) & VIRQ_REQ_SIPI);
	EXPECT_EQ(0x09, self->run[3]->sipi_vector);
	__atomic_and_fetch(&self->run[3]->requests,
			   ~(VIRQ_REQ_INIT | VIRQ_REQ_SIPI), __ATOMIC_SEQ_CST);
	ipi(self->v[0], 3, 0x60a);			/* the second: ignored */
	EXPECT_EQ(0, virq_requests(self->run[3]) & VIRQ_REQ_SIPI);
	/* The BSP does not wait for one. */
	ASSERT_EQ(0, ioctl(self->v[0], VIRQ_GET_LAPIC, &st));
	EXPECT_EQ(0, st.flags & VIRQ_LAPIC_STATE_WAIT_SIPI);
}

TEST_F(apic, timer_one_shot)
{
	int v = self->v[0];
	uint32_t c1, c2;
	uint64_t t0;
	int vec;

	wr(v, 0x3e0, 0xb);				/* divide by 1 */
	wr(v, 0x320, 0xe0);
	t0 = now_ns();
	wr(v, 0x380, 30000000);				/* 30 ms at 1 GHz */
	c1 = rd(v, 0x390);
	usleep(1000);
	c2 = rd(v, 0x390);
	EXPECT_LT(c2, c1);
	vec = virq_wait(v, 2000000000, VIRQ_WAIT_ACK);
	EXPECT_EQ(0xe0, vec);
	EXPECT_LE(30000000ULL, now_ns() - t0);		/* not early */
	EXPECT_EQ(0, rd(v, 0x390));			/* stopped at 0 */
	wr(v, 0xb0, 0);
	EXPECT_EQ(-1, virq_wait(v, 60000000, VIRQ_WAIT_ACK));	/* once */
	EXPECT_EQ(ETIMEDOUT, errno);
}

TEST_F(apic, timer_periodic_and_mode_switch)
{
	int v = self->v[0], n = 0;
	uint64_t t0 = now_ns();

	wr(v, 0x3e0, 0xb);
	wr(v, 0x320, 0x200e1);
	wr(v, 0x380, 5000000);				/* 5 ms */
	while (n < 6 && now_ns() - t0 < 2000000000ULL) {
		if (virq_wait(v, 100000000, VIRQ_WAIT_ACK) == 0xe1) {
			n++;
			wr(v, 0xb0, 0);
		}
	}
	EXPECT_EQ(6, n);
	EXPECT_LE(25000000ULL, now_ns() - t0);
	/*
	 * One-shot from periodic: it carries on in its new mode, counting
	 * down from where it was, or, when that was close to 0 and the
	 * read came after the expiry (a slow test VM), having fired.
	 */
	wr(v, 0x320, 0x000e1);
	if (!rd(v, 0x390)) {
		EXPECT_EQ(0xe1, virq_wait(v, 100000000, VIRQ_WAIT_ACK));
		wr(v, 0xb0, 0);
	}
	/* To TSC-deadline: stopped. */
	wr(v, 0x320, 0x400e1);
	EXPECT_EQ(0, rd(v, 0x390));
	drain(v, 0);
	EXPECT_EQ(-1, virq_wait(v, 30000000, VIRQ_WAIT_ACK));
	EXPECT_EQ(ETIMEDOUT, errno);
}

TEST_F(apic, timer_tsc_deadline)
{
	struct virq_vcpu_clock c = { .bus_hz = 100000000, .tsc_hz = 3000000000ULL,
				     .tsc_offset = 12345 };
	int v = self->v[0];
	uint64_t t0, tsc;

	ASSERT_EQ(0, ioctl(v, VIRQ_VCPU_SET_CLOCK, &c));
	wr(v, 0x320, 0x400e2);
	t0 = now_ns();
	tsc = 12345 + t0 * 3;			/* the guest's TSC now */
	EXPECT_EQ(0, wrmsr(v, 0x6e0, tsc + 3 * 20000000ULL));	/* +20 ms */
	EXPECT_EQ(0xe2, virq_wait(v, 2000000000, VIRQ_WAIT_ACK));
	EXPECT_LE(20000000ULL, now_ns() - t0);
	EXPECT_EQ(0, rdmsr(v, 0x6e0));			/* fired: 0 */
	c.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(v, VIRQ_VCPU_SET_CLOCK, &c));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * The ICR through GET/SET_LAPIC: every vector (all 256), mode and
 * shorthand writes and reads back, with the delivery-status (busy) bit
 * always clear. Odd vectors use logical mode (LDR 0: nobody), even ones
 * a physical destination equal to the vector (never this vCPU, 1).
 */
TEST_F(apic, icr_roundtrip_through_state)
{
	struct virq_lapic_state st, st2;
	uint32_t dm, sh, vec, lo;
	int v = self->v[1], ok = 1;

	wr(v, 0x80, 0xf0);		/* nothing is taken meanwhile */
	for (dm = 0; dm < 8; dm++) {
		for (sh = 0; sh < 4; sh++) {
			for (vec = 0; vec < 256; vec++) {
				/* An INIT to itself would reset this ICR. */
				if (dm == 5 && (sh == 1 || sh == 2))
					continue;
				lo = vec | dm << 8 | sh << 18 | (vec & 1) << 11 |
				     1 << 14;
				wr(v, 0x310, vec << 24);
				wr(v, 0x300, lo);
				if (rd(v, 0x300) & (1 << 12))
					ok = 0;
				if (ioctl(v, VIRQ_GET_LAPIC, &st))
					ok = 0;
				if (*(uint32_t *)&st.regs[0x300] != lo ||
				    *(uint32_t *)&st.regs[0x310] != vec << 24)
					ok = 0;
				if (ioctl(v, VIRQ_SET_LAPIC, &st) ||
				    ioctl(v, VIRQ_GET_LAPIC, &st2) ||
				    memcmp(st.regs + 0x300, st2.regs + 0x300, 0x20))
					ok = 0;
			}
		}
	}
	EXPECT_EQ(1, ok);
}

TEST_F(apic, state_roundtrip_and_rejects)
{
	struct virq_lapic_state a, b, bad;
	int v = self->v[2];

	wr(v, 0x80, 0x30);
	wr(v, 0xd0, 0x40000000);
	ipi(self->v[0], 2, 0x95);
	ipi(self->v[0], 2, 0xa5);
	EXPECT_EQ(0xa5, ioctl(v, VIRQ_VCPU_ACK, 0));
	ASSERT_EQ(0, ioctl(v, VIRQ_GET_LAPIC, &a));
	EXPECT_EQ(0, ioctl(v, VIRQ_SET_LAPIC, &a));
	ASSERT_EQ(0, ioctl(v, VIRQ_GET_LAPIC, &b));
	EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));
	bad = a;
	bad.apic_base |= 1 << 8;			/* not this vCPU's BSP flag */
	EXPECT_EQ(-1, ioctl(v, VIRQ_SET_LAPIC, &bad));
	EXPECT_EQ(EINVAL, errno);
	bad = a;
	bad.apic_base |= 0x400;				/* x2APIC, xAPIC ID */
	EXPECT_EQ(-1, ioctl(v, VIRQ_SET_LAPIC, &bad));
	bad = a;
	bad.regs[0x3f4] = 1;				/* no register */
	EXPECT_EQ(-1, ioctl(v, VIRQ_SET_LAPIC, &bad));
	bad = a;
	bad.rtc_vector = 0x40;			/* no debt: no vector */
	EXPECT_EQ(-1, ioctl(v, VIRQ_SET_LAPIC, &bad));
	ASSERT_EQ(0, ioctl(v, VIRQ_GET_LAPIC, &b));
	EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));	/* unchanged */
	/* The restored vCPU carries on: EOI 0xa5, then 0x95. */
	wr(v, 0xb0, 0);
	EXPECT_EQ(0x95, ioctl(v, VIRQ_VCPU_ACK, 0));
}

static atomic_int kick_sigs;

static void count_kick(int sig)
{
	atomic_fetch_add(&kick_sigs, 1);
}

/*
 * INTR already set must not swallow the kick for a better vector: 0x50
 * pending with INTR set; this thread (the VMM) raises TPR to 0x80 with a
 * store, judges 0x50 blocked from irr_max and "enters the guest". An IPI
 * of 0x90, above the new TPR, must signal it out.
 */
TEST_F(apic, kick_when_irr_max_rises_with_intr_set)
{
	struct sigaction sa = { .sa_handler = count_kick };
	struct virq_vcpu_signal s = { .signo = SIGUSR1 };
	struct virq_vcpu_run *run = self->run[1];

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, ioctl(self->v[1], VIRQ_VCPU_SET_SIGNAL, &s));
	atomic_store(&kick_sigs, 0);
	ipi(self->v[0], 1, 0x50);
	EXPECT_NE(0, virq_requests(run) & VIRQ_REQ_INTR);
	__atomic_store_n(&run->tpr, 0x80, __ATOMIC_SEQ_CST);
	EXPECT_EQ(0x50, __atomic_load_n(&run->irr_max, __ATOMIC_SEQ_CST));
	__atomic_exchange_n(&run->mode, VIRQ_MODE_IN_GUEST, __ATOMIC_SEQ_CST);
	/* INTR is still set: nothing made the kernel look at TPR again. */
	EXPECT_NE(0, virq_requests(run) & VIRQ_REQ_INTR);
	EXPECT_EQ(0, atomic_load(&kick_sigs));
	ipi(self->v[0], 1, 0x90);
	EXPECT_EQ(1, atomic_load(&kick_sigs));
	EXPECT_EQ(VIRQ_MODE_EXITING, __atomic_load_n(&run->mode,
						     __ATOMIC_SEQ_CST));
	/* Told once: another of 0x90's class signals no more. */
	__atomic_store_n(&run->mode, VIRQ_MODE_IN_GUEST, __ATOMIC_SEQ_CST);
	ipi(self->v[0], 1, 0x91);
	EXPECT_EQ(1, atomic_load(&kick_sigs));
	__atomic_store_n(&run->mode, VIRQ_MODE_OUTSIDE, __ATOMIC_SEQ_CST);
	EXPECT_EQ(0x91, ioctl(self->v[1], VIRQ_VCPU_ACK, 0));
	s.signo = 0;
	EXPECT_EQ(0, ioctl(self->v[1], VIRQ_VCPU_SET_SIGNAL, &s));
}

/*
 * The TPR store-buffer pair: the VMM lowers TPR (seq_cst store, the full
 * barrier lapic.rst asks for) and loads irr_max; another thread's IPI
 * makes the kernel store irr_max and load TPR. One of them must see the
 * other: either the VMM sees the vector in irr_max, or the kernel sets
 * INTR (and kicks). Neither is a lost interrupt. The VMM side is
 * delayed by a varying spin to sweep across the kernel's window.
 */
struct tpr_race {
	int sender, target;
	struct virq_vcpu_run *run;
	atomic_int go, done;
	int spin;
};

static void *tpr_race_sender(void *p)
{
	struct tpr_race *t = p;
	int round = 0;

	for (;;) {
		while (atomic_load(&t->go) == round)
			;
		round = atomic_load(&t->go);
		if (round < 0)
			break;
		ipi(t->sender, 1, 0x80);
		atomic_store(&t->done, round);
	}
	return NULL;
}

TEST_F(apic, tpr_store_and_irr_max_never_both_stale)
{
	struct tpr_race t = { .sender = self->v[0], .target = self->v[1],
			      .run = self->run[1] };
	uint64_t t0 = now_ns();
	int round, lost = 0, rounds = 0;
	volatile int spin;
	pthread_t th;
	uint32_t m;

	ASSERT_EQ(0, pthread_create(&th, NULL, tpr_race_sender, &t));
	for (round = 1; round < 20000 && now_ns() - t0 < 3000000000ULL;
	     round++) {
		wr(t.target, 0x80, 0xf0);	/* blocks everything */
		atomic_store(&t.go, round);
		for (spin = round % 64 * 16; spin; spin--)
			;
		__atomic_store_n(&t.run->tpr, 0, __ATOMIC_SEQ_CST);
		m = __atomic_load_n(&t.run->irr_max, __ATOMIC_SEQ_CST);
		while (atomic_load(&t.done) != round)
			;
		rounds++;
		if (!(m >> 4) && !(virq_requests(t.run) & VIRQ_REQ_INTR))
			lost++;
		EXPECT_EQ(0x80, ioctl(t.target, VIRQ_VCPU_ACK, 0));
		wr(t.target, 0xb0, 0);
	}
	atomic_store(&t.go, -1);
	pthread_join(th, NULL);
	EXPECT_EQ(0, lost);
	TH_LOG("%d rounds", rounds);
}

/* A sender thread IPIs a halting vCPU thread: every IPI wakes it. */
struct pingpong {
	int from, to, n;
	atomic_int got;
};

static void *halting_cpu(void *p)
{
	struct pingpong *pp = p;
	int i, v;

	for (i = 0; i < pp->n; i++) {
		v = virq_wait(pp->to, -1, VIRQ_WAIT_ACK);
		if (v != 0x66)
			break;
		wr(pp->to, 0xb0, 0);
		atomic_fetch_add(&pp->got, 1);
	}
	return NULL;
}

TEST_F_TIMEOUT(apic, ipi_wakes_a_halted_vcpu_every_time, 300)
{
	struct pingpong pp = { .from = self->v[0], .to = self->v[1],
			       .n = 20000 };
	pthread_t t;
	uint64_t t0;
	int i;

	ASSERT_EQ(0, pthread_create(&t, NULL, halting_cpu, &pp));
	for (i = 0; i < pp.n; i++) {
		ipi(pp.from, 1, 0x66);
		t0 = now_ns();
		while (atomic_load(&pp.got) < i + 1 &&
		       now_ns() - t0 < 10000000000ULL)
			;
		if (atomic_load(&pp.got) < i + 1)
			break;
	}
	EXPECT_EQ(pp.n, i);
	pthread_join(t, NULL);
	EXPECT_EQ(pp.n, atomic_load(&pp.got));
	TH_LOG("%d IPIs, %llu wake-ups", pp.n,
	       (unsigned long long)self->run[1]->wakeups);
}

/* Level IOAPIC interrupt -> LAPIC EOI broadcast -> remote IRR clear. */
static uint64_t rte16(int fd)
{
	uint64_t v = 0x30;

	xio(fd, VIRQ_IO_MMIO, 0xfec00000, 4, 1, &v);
	xio(fd, VIRQ_IO_MMIO, 0xfec00010, 4, 0, &v);
	return v;
}

TEST_F(apic, level_eoi_clears_remote_irr_and_directed_eoi)
{
	uint64_t sel = 0x30, val = 0x8055;		/* pin 16, level */
	int v = self->v[0];

	xio(v, VIRQ_IO_MMIO, 0xfec00000, 4, 1, &sel);
	xio(v, VIRQ_IO_MMIO, 0xfec00010, 4, 1, &val);
	EXPECT_EQ(1, virq_line(self->chip, 16, 1));
	EXPECT_EQ(0x55, ioctl(v, VIRQ_VCPU_ACK, 0));
	EXPECT_NE(0, rte16(v) & VIRQ_IOAPIC_RTE_REMOTE_IRR);
	virq_line(self->chip, 16, 0);
	wr(v, 0xb0, 0);
	EXPECT_EQ(0, rte16(v) & VIRQ_IOAPIC_RTE_REMOTE_IRR);
	/* SVR bit 12: no broadcast; the IOAPIC's EOI register closes it. */
	wr(v, 0xf0, 0x11ff);
	EXPECT_EQ(1, virq_line(self->chip, 16, 1));
	EXPECT_EQ(0x55, ioctl(v, VIRQ_VCPU_ACK, 0));
	virq_line(self->chip, 16, 0);
	wr(v, 0xb0, 0);
	EXPECT_NE(0, rte16(v) & VIRQ_IOAPIC_RTE_REMOTE_IRR);
	val = 0x55;
	xio(v, VIRQ_IO_MMIO, 0xfec00040, 4, 1, &val);
	EXPECT_EQ(0, rte16(v) & VIRQ_IOAPIC_RTE_REMOTE_IRR);
	/* VIRQ_VCPU_EOI is for chips without LAPICs. */
	EXPECT_EQ(-1, ioctl(v, VIRQ_VCPU_EOI, 0x55));
	EXPECT_EQ(EINVAL, errno);
}

/* The PIC reaches the BSP through LINT0 (virtual wire) from reset. */
TEST_F(apic, pic_through_lint0)
{
	EXPECT_EQ(0, virq_pic_init_linux(self->chip));
	EXPECT_EQ(1, virq_line(self->chip, 3, 1));
	EXPECT_EQ(VIRQ_REQ_INTR | VIRQ_REQ_EXTINT,
		  virq_requests(self->run[0]) &
		  (VIRQ_REQ_INTR | VIRQ_REQ_EXTINT));
	EXPECT_EQ(0x33, ioctl(self->v[0], VIRQ_VCPU_ACK, 0));
	/* An AP's LINT0 is masked: nothing there. */
	EXPECT_EQ(0, virq_requests(self->run[1]) & VIRQ_REQ_INTR);
}

static uint32_t requests_of(struct virq_vcpu_run *run)
{
	return __atomic_load_n(&run->requests, __ATOMIC_SEQ_CST);
}

static void clear_requests(struct virq_vcpu_run *run, uint32_t bits)
{
	__atomic_and_fetch(&run->requests, ~bits, __ATOMIC_SEQ_CST);
}

/*
 * Item 4 of the second correctness round: EOI-broadcast suppression
 * (version bit 24, SVR bit 12) exists only where every IOAPIC has the
 * EOI register. With a version 0x11 IOAPIC, a guest that suppressed the
 * broadcast could never clear remote IRR.
 */
TEST(eoi_suppression_needs_the_eoi_register)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC | VIRQ_CHIP_LAPIC,
		.nr_ioapics = 1, .max_vcpus = 2,
		.ioapic_version = VIRQ_IOAPIC_VERSION_11,
	};
	uint64_t sel = 0x30, val = 0x8055;		/* pin 16, level */
	struct virq_lapic_state st;
	int dev = virq_open(), chip, v, v1;

	ASSERT_LE(0, dev);
	chip = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
	ASSERT_LE(0, chip);
	v = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, v);
	v1 = ioctl(chip, VIRQ_CREATE_VCPU, 1);
	ASSERT_LE(0, v1);
	EXPECT_EQ(0x00050014, rd(v, 0x30));		/* no bit 24 */
	wr(v, 0xf0, 0x11ff);
	EXPECT_EQ(0x1ff, rd(v, 0xf0));			/* bit 12 reserved */
	xio(v, VIRQ_IO_MMIO, 0xfec00000, 4, 1, &sel);
	xio(v, VIRQ_IO_MMIO, 0xfec00010, 4, 1, &val);
	EXPECT_EQ(1, virq_line(chip, 16, 1));
	EXPECT_EQ(0x55, ioctl(v, VIRQ_VCPU_ACK, 0));
	virq_line(chip, 16, 0);
	wr(v, 0xb0, 0);
	sel = 0x20;
	xio(v, VIRQ_IO_MMIO, 0xfec00000, 4, 1, &sel);
	xio(v, VIRQ_IO_MMIO, 0xfec00010, 4, 0, &val);
	EXPECT_EQ(0, val & VIRQ_IOAPIC_RTE_REMOTE_IRR) {
		TH_LOG("remote IRR stuck: the EOI was not broadcast");
	}
	EXPECT_EQ(1, virq_line(chip, 16, 1));		/* not stuck at 0 */
	/* x2APIC: a reserved SVR bit faults; a restored one is refused. */
	EXPECT_EQ(0, wrmsr(v1, 0x1b, 0xfee00c00));
	EXPECT_EQ(GP, wrmsr(v1, 0x80f, 0x11ff));
	EXPECT_EQ(0x00050014, rdmsr(v1, 0x803));
	ASSERT_EQ(0, ioctl(v, VIRQ_GET_LAPIC, &st));
	*(uint32_t *)&st.regs[0xf0] = 0x11ff;
	EXPECT_EQ(-1, ioctl(v, VIRQ_SET_LAPIC, &st));
	EXPECT_EQ(EINVAL, errno);
	close(v1);
	close(v);
	close(chip);
	close(dev);
}

/*
 * Item 5: NMIs are counted, not a flag (SDM 6.7.1: one NMI may be
 * latched while another is handled): two NMIs before the VMM takes the
 * request are two, and the count saturates at VIRQ_NMI_PENDING_MAX.
 */
TEST_F(apic, nmis_are_counted)
{
	struct virq_lint l = { .pin = 1, .level = 1 };
	struct virq_vcpu_run *run = self->run[2];
	int dev = virq_open();

	ASSERT_LE(0, dev);
	EXPECT_EQ(VIRQ_NMI_PENDING_MAX,
		  ioctl(dev, VIRQ_CHECK_EXTENSION, VIRQ_CAP_NMI_COUNT));
	close(dev);
	EXPECT_EQ(0, run->nmi_pending);
	EXPECT_EQ(0, ioctl(self->v[2], VIRQ_VCPU_NMI, 0));
	ipi(self->v[0], 2, 0x400);			/* an NMI IPI */
	EXPECT_NE(0, requests_of(run) & VIRQ_REQ_NMI);
	EXPECT_EQ(2, run->nmi_pending);
	/* A third while two wait: the architecture keeps two. */
	wr(self->v[2], 0x360, 0x400);			/* LINT1: NMI */
	EXPECT_EQ(0, ioctl(self->v[2], VIRQ_VCPU_LINT, &l));
	EXPECT_EQ(2, run->nmi_pending);
	/* The VMM takes one: one is left, and a new one makes two. */
	clear_requests(run, VIRQ_REQ_NMI);
	__atomic_sub_fetch(&run->nmi_pending, 1, __ATOMIC_SEQ_CST);
	ipi(self->v[0], 2, 0x400);
	EXPECT_EQ(2, run->nmi_pending);
	EXPECT_NE(0, requests_of(run) & VIRQ_REQ_NMI);
	/* Reset drops them. */
	EXPECT_EQ(0, ioctl(self->v[2], VIRQ_VCPU_RESET, 0));
	EXPECT_EQ(0, run->nmi_pending);
}

/*
 * Item 6: a TSC deadline at or before the guest's TSC fires before the
 * write returns: the next instruction can take it. The guest's TSC is
 * CLOCK_MONOTONIC here (1 GHz, offset 0), read just before the write.
 */
TEST_F(apic, tsc_deadline_in_the_past_fires_at_once)
{
	struct virq_vcpu_clock c = { .bus_hz = 1000000000, .tsc_hz = 1000000000,
				     .tsc_offset = 0 };
	int v = self->v[1], i, late = 0;

	ASSERT_EQ(0, ioctl(v, VIRQ_VCPU_SET_CLOCK, &c));
	wr(v, 0x320, 0x400e3);
	for (i = 0; i < 200; i++) {
		EXPECT_EQ(0, wrmsr(v, 0x6e0, i & 1 ? 1 : now_ns()));
		late += !irr_has(v, 0xe3);
		EXPECT_EQ(0xe3, ioctl(v, VIRQ_VCPU_ACK, 0));
		wr(v, 0xb0, 0);
	}
	EXPECT_EQ(0, late) {
		TH_LOG("%d of 200 past deadlines not pending when the write returned",
		       late);
	}
}

/*
 * Item 7: IA32_APIC_BASE bits MAXPHYADDR..63 are reserved (SDM figure
 * 11-5). The VMM says the guest's MAXPHYADDR; 36 by default.
 */
TEST_F(apic, apic_base_follows_maxphyaddr)
{
	struct virq_vcpu_config vc;
	struct virq_lapic_state st;
	int v = self->v[1], dev = virq_open();

	ASSERT_LE(0, dev);
	EXPECT_LT(0, ioctl(dev, VIRQ_CHECK_EXTENSION, VIRQ_CAP_VCPU_CONFIG));
	close(dev);
	memset(&vc, 0xff, sizeof(vc));
	ASSERT_EQ(0, ioctl(v, VIRQ_VCPU_GET_CONFIG, &vc));
	EXPECT_EQ(0, vc.flags);
	EXPECT_EQ(VIRQ_MAXPHYADDR_DEFAULT, vc.maxphyaddr);
	EXPECT_EQ(GP, wrmsr(v, 0x1b, 1ULL << 36 | 0xfee00800));
	EXPECT_EQ(0, wrmsr(v, 0x1b, 1ULL << 35 | 0xfee00800));
	EXPECT_EQ(1ULL << 35 | 0xfee00800, rdmsr(v, 0x1b));
	EXPECT_EQ(0, wrmsr(v, 0x1b, 0xfee00800));
	vc.maxphyaddr = 40;
	EXPECT_EQ(0, ioctl(v, VIRQ_VCPU_SET_CONFIG, &vc));
	EXPECT_EQ(0, wrmsr(v, 0x1b, 1ULL << 39 | 0xfee00800));
	EXPECT_EQ(GP, wrmsr(v, 0x1b, 1ULL << 40 | 0xfee00800));
	/* A smaller MAXPHYADDR than the base in use: refused. */
	vc.maxphyaddr = 36;
	EXPECT_EQ(-1, ioctl(v, VIRQ_VCPU_SET_CONFIG, &vc));
	EXPECT_EQ(EINVAL, errno);
	/* Restored state is held to the same rule. */
	ASSERT_EQ(0, ioctl(v, VIRQ_GET_LAPIC, &st));
	st.apic_base = 1ULL << 40 | 0xfee00800;
	EXPECT_EQ(-1, ioctl(v, VIRQ_SET_LAPIC, &st));
	EXPECT_EQ(EINVAL, errno);
	/* Bad configurations change nothing. */
	vc.maxphyaddr = 31;
	EXPECT_EQ(-1, ioctl(v, VIRQ_VCPU_SET_CONFIG, &vc));
	EXPECT_EQ(EINVAL, errno);
	vc.maxphyaddr = 53;
	EXPECT_EQ(-1, ioctl(v, VIRQ_VCPU_SET_CONFIG, &vc));
	EXPECT_EQ(EINVAL, errno);
	vc.maxphyaddr = 48;
	vc.flags = 1;
	EXPECT_EQ(-1, ioctl(v, VIRQ_VCPU_SET_CONFIG, &vc));
	EXPECT_EQ(EINVAL, errno);
	vc.flags = 0;
	vc.reserved[2] = 1;
	EXPECT_EQ(-1, ioctl(v, VIRQ_VCPU_SET_CONFIG, &vc));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(v, VIRQ_VCPU_GET_CONFIG, &vc));
	EXPECT_EQ(40, vc.maxphyaddr);
	EXPECT_EQ(0, vc.reserved[2]);
}

/*
 * Item 8: LINT0 and LINT1 in SMI and INIT delivery modes deliver the
 * requests they are, on the asserting edge (SDM 11.5.1: both modes are
 * allowed on the LINT pins; the trigger is edge for them).
 */
TEST_F(apic, lint_smi_and_init)
{
	struct virq_lint l = { 0 };
	struct virq_lapic_state st;
	int pin, v = self->v[1];
	struct virq_vcpu_run *run = self->run[1];

	for (pin = 0; pin < 2; pin++) {
		wr(v, 0xf0, 0x1ff);
		wr(v, 0x350 + 0x10 * pin, 0x200);		/* SMI */
		l.pin = pin;
		l.level = 1;
		EXPECT_EQ(0, ioctl(v, VIRQ_VCPU_LINT, &l));
		EXPECT_NE(0, requests_of(run) & VIRQ_REQ_SMI) {
			TH_LOG("LINT%d in SMI mode", pin);
		}
		clear_requests(run, VIRQ_REQ_SMI);
		EXPECT_EQ(0, ioctl(v, VIRQ_VCPU_LINT, &l));	/* no edge */
		EXPECT_EQ(0, requests_of(run) & VIRQ_REQ_SMI);
		l.level = 0;
		EXPECT_EQ(0, ioctl(v, VIRQ_VCPU_LINT, &l));

		wr(v, 0x80, 0x20);				/* TPR, reset by INIT */
		wr(v, 0x350 + 0x10 * pin, 0x500);		/* INIT */
		l.level = 1;
		EXPECT_EQ(0, ioctl(v, VIRQ_VCPU_LINT, &l));
		EXPECT_NE(0, requests_of(run) & VIRQ_REQ_INIT) {
			TH_LOG("LINT%d in INIT mode", pin);
		}
		ASSERT_EQ(0, ioctl(v, VIRQ_GET_LAPIC, &st));
		EXPECT_EQ(VIRQ_LAPIC_STATE_WAIT_SIPI,
			  st.flags & VIRQ_LAPIC_STATE_WAIT_SIPI);
		EXPECT_EQ(0, rd(v, 0x80));
		EXPECT_EQ(0xff, rd(v, 0xf0));			/* INIT state */
		clear_requests(run, VIRQ_REQ_INIT);
		l.level = 0;
		EXPECT_EQ(0, ioctl(v, VIRQ_VCPU_LINT, &l));
	}
}

/* Items 11 and 12: reserved fields and arguments must be zero. */
TEST_F(apic, reserved_arguments_are_zero)
{
	struct virq_lint l = { .pin = 1, .level = 0, .flags = 1 };

	EXPECT_EQ(-1, ioctl(self->v[1], VIRQ_VCPU_LINT, &l));
	EXPECT_EQ(EINVAL, errno);
	l.flags = 0;
	l.pad = 1;
	EXPECT_EQ(-1, ioctl(self->v[1], VIRQ_VCPU_LINT, &l));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->v[1], VIRQ_VCPU_ACK, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->v[1], VIRQ_VCPU_KICK, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, requests_of(self->run[1]) & VIRQ_REQ_EVENT);
	EXPECT_EQ(-1, ioctl(self->v[1], VIRQ_VCPU_NMI, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, self->run[1]->nmi_pending);
}

TEST_HARNESS_MAIN
