// SPDX-License-Identifier: GPL-2.0
/*
 * VIRQ_SIGNAL_MSI: the decode table (address and data formats of the SDM),
 * delivery by APIC ID, broadcast, lowest priority, NMI/SMI/INIT requests,
 * coalescing, 32-bit destination IDs, and acknowledge order.
 */
#include "virq_test.h"

#define ERR(e) (-1000 - (e))
#define LOWEST 9999	/* lowest priority: either vCPU, exactly one */

/*
 * Send an MSI; returns its status (>0 CPUs, 0 coalesced, -1 ignored) or
 * ERR(errno). The return value must be KVM's: the status clamped at 0.
 */
static int msi(int chip, uint32_t lo, uint32_t hi, uint32_t data)
{
	struct virq_msi m = { .address_lo = lo, .address_hi = hi, .data = data };
	int r = ioctl(chip, VIRQ_SIGNAL_MSI, &m);

	if (r < 0)
		return ERR(errno);
	if (r != (m.status > 0 ? m.status : 0))
		return ERR(0);
	return m.status;
}

FIXTURE(m) {
	int dev, chip, v0, v1;
	struct virq_vcpu_run *r0, *r1;
};

FIXTURE_SETUP(m)
{
	self->dev = virq_open();
	ASSERT_LE(0, self->dev);
	self->chip = virq_chip(self->dev, 2);
	ASSERT_LE(0, self->chip);
	self->v0 = ioctl(self->chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, self->v0);
	self->v1 = ioctl(self->chip, VIRQ_CREATE_VCPU, 1);
	ASSERT_LE(0, self->v1);
	self->r0 = virq_map_run(self->v0);
	self->r1 = virq_map_run(self->v1);
	ASSERT_NE(NULL, self->r0);
	ASSERT_NE(NULL, self->r1);
}

FIXTURE_TEARDOWN(m)
{
	munmap(self->r0, 4096);
	munmap(self->r1, 4096);
	close(self->v0);
	close(self->v1);
	close(self->chip);
	close(self->dev);
}

static int ack(int vcpu)
{
	int r = ioctl(vcpu, VIRQ_VCPU_ACK, 0);

	return r < 0 ? -errno : r;
}

struct msi_case {
	const char *what;
	uint32_t lo, hi, data;
	int result;		/* status, or ERR(errno) */
	int ack0, ack1;		/* vectors then acked, -EAGAIN if none */
	uint32_t req0;		/* request bits expected on vCPU 0 */
};

static const struct msi_case cases[] = {
	{ "fixed to APIC 0", 0xfee00000, 0, 0x0041, 1, 0x41, -EAGAIN, VIRQ_REQ_INTR },
	{ "fixed to APIC 1", 0xfee01000, 0, 0x0042, 1, -EAGAIN, 0x42, 0 },
	{ "broadcast 0xff", 0xfeeff000, 0, 0x0043, 2, 0x43, 0x43, VIRQ_REQ_INTR },
	{ "lowest priority broadcast", 0xfeeff000, 0, 0x0144, 1, LOWEST, LOWEST, 0 },
	{ "no such APIC", 0xfee05000, 0, 0x0045, -1, -EAGAIN, -EAGAIN, 0 },
	{ "logical (no LAPIC)", 0xfee01004, 0, 0x0046, -1, -EAGAIN, -EAGAIN, 0 },
	{ "illegal vector 15", 0xfee00000, 0, 0x000f, -1, -EAGAIN, -EAGAIN, 0 },
	{ "level deassert", 0xfee00000, 0, 0x8047, -1, -EAGAIN, -EAGAIN, 0 },
	{ "level assert", 0xfee00000, 0, 0xc048, 1, 0x48, -EAGAIN, VIRQ_REQ_INTR },
	{ "redirection hint", 0xfee00008, 0, 0x0049, 1, 0x49, -EAGAIN, VIRQ_REQ_INTR },
	{ "address bits 1:0 ignored", 0xfee00003, 0, 0x004a, 1, 0x4a, -EAGAIN, VIRQ_REQ_INTR },
	{ "NMI", 0xfee00000, 0, 0x0400, 1, -EAGAIN, -EAGAIN, VIRQ_REQ_NMI },
	{ "SMI", 0xfee00000, 0, 0x0200, 1, -EAGAIN, -EAGAIN, VIRQ_REQ_SMI },
	{ "INIT", 0xfee00000, 0, 0x0500, 1, -EAGAIN, -EAGAIN, VIRQ_REQ_INIT },
	{ "ExtINT (no LAPIC)", 0xfee00000, 0, 0x0700, -1, -EAGAIN, -EAGAIN, 0 },
	{ "not 0xFEE", 0xfed00000, 0, 0x0041, ERR(EINVAL), -EAGAIN, -EAGAIN, 0 },
	{ "zero address", 0, 0, 0x0041, ERR(EINVAL), -EAGAIN, -EAGAIN, 0 },
	{ "reserved address bit 4", 0xfee00010, 0, 0x0041, ERR(EINVAL), -EAGAIN, -EAGAIN, 0 },
	{ "address_hi, 8-bit IDs", 0xfee00000, 1, 0x0041, ERR(EINVAL), -EAGAIN, -EAGAIN, 0 },
	{ "reserved data bit 11", 0xfee00000, 0, 0x0841, ERR(EINVAL), -EAGAIN, -EAGAIN, 0 },
	{ "reserved data bit 16", 0xfee00000, 0, 0x10041, ERR(EINVAL), -EAGAIN, -EAGAIN, 0 },
	{ "reserved mode 011", 0xfee00000, 0, 0x0341, ERR(EINVAL), -EAGAIN, -EAGAIN, 0 },
	{ "reserved mode 110", 0xfee00000, 0, 0x0641, ERR(EINVAL), -EAGAIN, -EAGAIN, 0 },
};

TEST_F(m, decode_table)
{
	unsigned int i;
	int a0, a1;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct msi_case *c = &cases[i];
		uint32_t mask = VIRQ_REQ_INTR | VIRQ_REQ_NMI | VIRQ_REQ_SMI |
				VIRQ_REQ_INIT;

		EXPECT_EQ(c->result, msi(self->chip, c->lo, c->hi, c->data)) {
			TH_LOG("%s", c->what);
		}
		if (c->ack0 == LOWEST) {
			/* Exactly one of the equal-priority vCPUs takes it. */
			a0 = ack(self->v0);
			a1 = ack(self->v1);
			EXPECT_EQ(c->data & 0xff, a0 == -EAGAIN ? a1 : a0);
			EXPECT_EQ(-EAGAIN, a0 == -EAGAIN ? a0 : a1);
			continue;
		}
		EXPECT_EQ(c->req0, virq_requests(self->r0) & mask) {
			TH_LOG("%s: requests", c->what);
		}
		EXPECT_EQ(c->ack0, ack(self->v0)) {
			TH_LOG("%s: vCPU 0", c->what);
		}
		EXPECT_EQ(c->ack1, ack(self->v1)) {
			TH_LOG("%s: vCPU 1", c->what);
		}
		/* The VMM consumes the non-INTR requests it handled. */
		__atomic_and_fetch(&self->r0->requests,
				   ~(VIRQ_REQ_NMI | VIRQ_REQ_SMI | VIRQ_REQ_INIT),
				   __ATOMIC_SEQ_CST);
		EXPECT_EQ(0, virq_requests(self->r0) & mask);
	}
}

TEST_F(m, bad_arguments)
{
	struct virq_msi m = { .address_lo = 0xfee00000, .data = 0x41 };

	m.flags = 2;
	EXPECT_EQ(-1, ioctl(self->chip, VIRQ_SIGNAL_MSI, &m));
	EXPECT_EQ(EINVAL, errno);
	m.flags = 0;
	m.devid = 5;				/* devid without its flag */
	EXPECT_EQ(-1, ioctl(self->chip, VIRQ_SIGNAL_MSI, &m));
	EXPECT_EQ(EINVAL, errno);
	m.flags = VIRQ_MSI_VALID_DEVID;
	EXPECT_EQ(1, ioctl(self->chip, VIRQ_SIGNAL_MSI, &m));
	m.pad[7] = 1;
	EXPECT_EQ(-1, ioctl(self->chip, VIRQ_SIGNAL_MSI, &m));
	EXPECT_EQ(EINVAL, errno);
	m.pad[7] = 0;
	/* status is out only: a stale value from the last call is fine. */
	m.status = 12345;
	m.data = 0x42;
	EXPECT_EQ(1, ioctl(self->chip, VIRQ_SIGNAL_MSI, &m));
	EXPECT_EQ(1, m.status);
	EXPECT_EQ(-1, ioctl(self->chip, VIRQ_SIGNAL_MSI, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(m, coalescing_and_ack_order)
{
	EXPECT_EQ(1, msi(self->chip, 0xfee00000, 0, 0x41));
	EXPECT_EQ(0, msi(self->chip, 0xfee00000, 0, 0x41));	/* pending */
	EXPECT_EQ(1, msi(self->chip, 0xfee00000, 0, 0x80));
	EXPECT_EQ(1, msi(self->chip, 0xfee00000, 0, 0x60));
	EXPECT_EQ(1, msi(self->chip, 0xfee00000, 0, 0xff));
	EXPECT_EQ(1, msi(self->chip, 0xfee00000, 0, 0x10));
	/* Highest vector first; INTR clears with the last one. */
	EXPECT_EQ(0xff, ack(self->v0));
	EXPECT_EQ(0x80, ack(self->v0));
	EXPECT_EQ(0x60, ack(self->v0));
	EXPECT_EQ(0x41, ack(self->v0));
	EXPECT_NE(0, virq_requests(self->r0) & VIRQ_REQ_INTR);
	EXPECT_EQ(0x10, ack(self->v0));
	EXPECT_EQ(0, virq_requests(self->r0) & VIRQ_REQ_INTR);
	EXPECT_EQ(-EAGAIN, ack(self->v0));
	EXPECT_EQ(5, self->r0->acks);
}

/*
 * The same message gives the same status through VIRQ_SIGNAL_MSI and
 * through an MSI route with VIRQ_IRQ_LINE_STATUS, in every outcome.
 */
TEST_F(m, signal_msi_agrees_with_line_status)
{
	static const struct { uint32_t lo, data; } msgs[] = {
		{ 0xfee00000, 0x0051 },		/* delivered: 1 */
		{ 0xfee00000, 0x0051 },		/* coalesced: 0 */
		{ 0xfeeff000, 0x0052 },		/* broadcast: 2 */
		{ 0xfee07000, 0x0053 },		/* nobody: -1 */
		{ 0xfee00000, 0x0005 },		/* illegal vector: -1 */
		{ 0xfee01004, 0x0054 },		/* logical, no LAPIC: -1 */
		{ 0xfee00000, 0x8055 },		/* level deassert: -1 */
	};
	struct {
		struct virq_irq_routing r;
		struct virq_irq_routing_entry e;
	} rt = { .r = { .nr = 1 } };
	unsigned int i;
	int a, b;

	rt.e.gsi = 40;
	rt.e.type = VIRQ_IRQ_ROUTING_MSI;
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		/* Fresh vCPU state for each pair of sends. */
		while (ack(self->v0) >= 0 || ack(self->v1) >= 0)
			;
		a = msi(self->chip, msgs[i].lo, 0, msgs[i].data);
		if (i == 1)	/* leave the vector pending: coalesce again */
			a = msi(self->chip, msgs[i].lo, 0, msgs[i].data);
		else
			while (ack(self->v0) >= 0 || ack(self->v1) >= 0)
				;
		rt.e.u.msi.address_lo = msgs[i].lo;
		rt.e.u.msi.data = msgs[i].data;
		ASSERT_EQ(0, ioctl(self->chip, VIRQ_SET_GSI_ROUTING, &rt));
		b = virq_line(self->chip, 40, 1);
		virq_line(self->chip, 40, 0);
		EXPECT_EQ(a, b) {
			TH_LOG("message %u: SIGNAL_MSI %d, IRQ_LINE_STATUS %d",
			       i, a, b);
		}
	}
}

TEST(ids_32bit)
{
	struct virq_chip_config cfg = virq_cfg_pic(2);
	int dev = virq_open(), chip, v;

	ASSERT_LE(0, dev);
	cfg.flags |= VIRQ_CHIP_32BIT_IDS;
	chip = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
	ASSERT_LE(0, chip);
	v = ioctl(chip, VIRQ_CREATE_VCPU, 0x12345);
	ASSERT_LE(0, v);
	EXPECT_EQ(1, msi(chip, 0xfee45000, 0x00012300, 0x51));
	EXPECT_EQ(0x51, ack(v));
	EXPECT_EQ(-1, msi(chip, 0xfee45000, 0x00022300, 0x51));	/* other ID */
	EXPECT_EQ(ERR(EINVAL), msi(chip, 0xfee45000, 0x00012301, 0x51));
	/* 0xff is an ordinary ID with 32-bit IDs; the broadcast is ~0. */
	EXPECT_EQ(-1, msi(chip, 0xfeeff000, 0, 0x52));
	EXPECT_EQ(1, msi(chip, 0xfeeff000, 0xffffff00, 0x52));
	EXPECT_EQ(0x52, ack(v));
	close(v);
	close(chip);
	close(dev);
}

TEST_HARNESS_MAIN
