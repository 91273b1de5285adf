// SPDX-License-Identifier: GPL-2.0
/*
 * The PIC pair through VIRQ_IO as a VMM forwards a guest's port accesses,
 * with a real vCPU thread that halts, acknowledges and EOIs the way Linux
 * and SeaBIOS handlers do; VIRQ_GET/SET_IRQCHIP; VIRQ_IO's errors.
 */
#include <pthread.h>
#include <stdatomic.h>
#include "virq_test.h"

FIXTURE(pic) {
	int dev, chip, vcpu;
	struct virq_vcpu_run *run;
};

/*
 * Every PIC test runs on a PIC-only chip and again on a PIC + IOAPIC chip,
 * whose default routes send the ISA GSIs to the (masked) IOAPIC as well:
 * the PIC's behaviour and the merged statuses must not change.
 */
FIXTURE_VARIANT(pic) {
	uint32_t flags;
	uint32_t nr_ioapics;
};

FIXTURE_VARIANT_ADD(pic, pic_only) {
	.flags = VIRQ_CHIP_PIC,
	.nr_ioapics = 0,
};

FIXTURE_VARIANT_ADD(pic, pic_and_ioapic) {
	.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC,
	.nr_ioapics = 1,
};

FIXTURE_SETUP(pic)
{
	struct virq_chip_config cfg = virq_cfg_pic(2);

	cfg.flags = variant->flags;
	cfg.nr_ioapics = variant->nr_ioapics;
	self->dev = virq_open();
	ASSERT_LE(0, self->dev);
	self->chip = ioctl(self->dev, VIRQ_CREATE_CHIP, &cfg);
	ASSERT_LE(0, self->chip);
	self->vcpu = ioctl(self->chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, self->vcpu);
	self->run = virq_map_run(self->vcpu);
	ASSERT_NE(NULL, self->run);
}

FIXTURE_TEARDOWN(pic)
{
	munmap(self->run, 4096);
	close(self->vcpu);
	close(self->chip);
	close(self->dev);
}

static int io(int fd, uint32_t space, uint64_t addr, uint32_t len, int write)
{
	struct virq_io x = { .space = space, .addr = addr, .len = len,
			     .write = write };

	return ioctl(fd, VIRQ_IO, &x) ? errno : 0;
}

TEST_F(pic, io_errors)
{
	struct virq_io x = { .space = VIRQ_IO_PIO, .addr = 0x20, .len = 1 };

	EXPECT_EQ(0, io(self->chip, VIRQ_IO_PIO, 0x20, 1, 0));
	EXPECT_EQ(EINVAL, io(self->chip, VIRQ_IO_PIO, 0x20, 2, 0));	/* size */
	EXPECT_EQ(EINVAL, io(self->chip, VIRQ_IO_PIO, 0x4d0, 4, 1));
	EXPECT_EQ(ENOENT, io(self->chip, VIRQ_IO_PIO, 0x60, 1, 0));	/* not ours */
	EXPECT_EQ(ENOENT, io(self->chip, VIRQ_IO_PIO, 0x10020, 1, 0));
	EXPECT_EQ(ENOENT, io(self->chip, VIRQ_IO_MMIO, 0xfed00000, 4, 0));
	EXPECT_EQ(ENOENT, io(self->chip, VIRQ_IO_MSR, 0x1b, 8, 0));
	EXPECT_EQ(EINVAL, io(self->chip, 7, 0x20, 1, 0));		/* space */
	EXPECT_EQ(EINVAL, io(self->chip, VIRQ_IO_PIO, 0x20, 1, 2));	/* write */
	x.pad[5] = 1;
	EXPECT_EQ(-1, ioctl(self->chip, VIRQ_IO, &x));
	EXPECT_EQ(EINVAL, errno);
	/*
	 * A vCPU fd reaches the chip's devices too, with the same answers:
	 * a VMM forwards every exit through the vCPU that took it.
	 */
	EXPECT_EQ(0, io(self->vcpu, VIRQ_IO_PIO, 0x20, 1, 0));
	EXPECT_EQ(0, io(self->vcpu, VIRQ_IO_PIO, 0x4d1, 1, 1));
	EXPECT_EQ(EINVAL, io(self->vcpu, VIRQ_IO_PIO, 0x20, 2, 0));
	EXPECT_EQ(ENOENT, io(self->vcpu, VIRQ_IO_PIO, 0x60, 1, 0));
	EXPECT_EQ(ENOENT, io(self->vcpu, VIRQ_IO_MSR, 0x1b, 8, 0));
	EXPECT_EQ(ENOENT, io(self->vcpu, VIRQ_IO_MMIO, 0xfee00020, 4, 0));
	EXPECT_EQ(EINVAL, io(self->vcpu, 7, 0x20, 1, 0));
	EXPECT_EQ(-1, ioctl(self->vcpu, VIRQ_IO, &x));
	EXPECT_EQ(EINVAL, errno);
}

/* The PIC's registers through the vCPU fd: what one writes, both read. */
TEST_F(pic, vcpu_fd_reaches_the_pic)
{
	uint8_t v = 0x5a;

	ASSERT_EQ(0, virq_pic_init_linux(self->vcpu));
	ASSERT_EQ(0, virq_pio_fd(self->vcpu, 0x21, 1, &v));
	EXPECT_EQ(0x5a, virq_inb(self->chip, 0x21));
	EXPECT_EQ(0x5a, virq_inb(self->vcpu, 0x21));
	/* Linux's ICW2 went through the vCPU fd: IR1 is vector 0x31. */
	v = 0;
	ASSERT_EQ(0, virq_pio_fd(self->vcpu, 0x21, 1, &v));
	EXPECT_EQ(1, virq_line(self->chip, 1, 1));
	EXPECT_EQ(0x31, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
}

/* One byte of a PIC's VIRQ_GET_IRQCHIP state. */
static int get_state_byte(int chip, uint32_t id, unsigned int off)
{
	struct virq_irqchip ic;

	memset(&ic, 0, sizeof(ic));
	ic.chip_id = id;
	if (ioctl(chip, VIRQ_GET_IRQCHIP, &ic))
		return -1;
	return ((uint8_t *)&ic.chip.pic)[off];
}

/* The vCPU side: halt, acknowledge, run the handler, EOI. */
struct guest {
	int chip, vcpu, n;
	int vectors[32];
	atomic_int handled;
};

static void *guest_cpu(void *p)
{
	struct guest *g = p;
	int i, v;

	for (i = 0; i < g->n; i++) {
		v = virq_wait(g->vcpu, 5000000000LL, VIRQ_WAIT_ACK);
		g->vectors[i] = v;
		if (v >= 0x38 && v < 0x40)
			virq_outb(g->chip, 0xa0, 0x20);	/* slave EOI */
		virq_outb(g->chip, 0x20, 0x20);		/* master EOI */
		atomic_fetch_add(&g->handled, 1);
	}
	return NULL;
}

TEST_F(pic, linux_guest_takes_interrupts)
{
	static const int irqs[] = { 0, 1, 4, 8, 12, 14, 15, 3 };
	struct guest g = { .chip = self->chip, .vcpu = self->vcpu, .n = 8 };
	pthread_t t;
	int i;

	ASSERT_EQ(0, virq_pic_init_linux(self->chip));
	ASSERT_EQ(0, pthread_create(&t, NULL, guest_cpu, &g));
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(1, virq_line(self->chip, irqs[i], 1));
		while (atomic_load(&g.handled) != i + 1)
			usleep(100);
		virq_line(self->chip, irqs[i], 0);
	}
	pthread_join(t, NULL);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(irqs[i] < 8 ? 0x30 + irqs[i] : 0x38 + irqs[i] - 8,
			  g.vectors[i]);
	EXPECT_EQ(0, virq_inb(self->chip, 0x20));	/* nothing left */
}

TEST_F(pic, seabios_init_and_masks)
{
	/* SeaBIOS: vectors 0x08/0x70, everything masked but the cascade. */
	static const uint8_t seq[][2] = {
		{ 0x20, 0x11 }, { 0x21, 0x08 }, { 0x21, 0x04 }, { 0x21, 0x01 },
		{ 0xa0, 0x11 }, { 0xa1, 0x70 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
		{ 0x21, 0xfb }, { 0xa1, 0xff },
	};
	unsigned int i;

	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		ASSERT_EQ(0, virq_outb(self->chip, seq[i][0], seq[i][1]));
	EXPECT_EQ(0xfb, virq_inb(self->chip, 0x21));
	EXPECT_EQ(0xff, virq_inb(self->chip, 0xa1));
	EXPECT_EQ(-1, virq_line(self->chip, 0, 1));	/* masked */
	EXPECT_EQ(0, virq_requests(self->run) & VIRQ_REQ_INTR);
	ASSERT_EQ(0, virq_outb(self->chip, 0x21, 0xfa));	/* timer on */
	EXPECT_NE(0, virq_requests(self->run) & VIRQ_REQ_INTR);
	EXPECT_EQ(0x08, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	ASSERT_EQ(0, virq_outb(self->chip, 0xa1, 0xef));	/* IRQ 12 on */
	EXPECT_EQ(1, virq_line(self->chip, 12, 1));
	ASSERT_EQ(0, virq_outb(self->chip, 0x20, 0x20));
	EXPECT_EQ(0x74, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
}

TEST_F(pic, level_interrupt_reasserts)
{
	ASSERT_EQ(0, virq_pic_init_linux(self->chip));
	ASSERT_EQ(0, virq_outb(self->chip, 0x4d1, 0x04));	/* IRQ 10 level */
	EXPECT_EQ(0x04, virq_inb(self->chip, 0x4d1));
	EXPECT_EQ(1, virq_line(self->chip, 10, 1));
	EXPECT_EQ(0x3a, virq_wait(self->vcpu, 1000000000LL, VIRQ_WAIT_ACK));
	virq_outb(self->chip, 0xa0, 0x20);
	virq_outb(self->chip, 0x20, 0x20);
	/* Still high after the EOI: the same interrupt again. */
	EXPECT_EQ(0x3a, virq_wait(self->vcpu, 1000000000LL, VIRQ_WAIT_ACK));
	virq_line(self->chip, 10, 0);
	virq_outb(self->chip, 0xa0, 0x20);
	virq_outb(self->chip, 0x20, 0x20);
	EXPECT_EQ(-1, virq_wait(self->vcpu, 10000000LL, VIRQ_WAIT_ACK));
	EXPECT_EQ(ETIMEDOUT, errno);
}

TEST_F(pic, spurious_irq7_on_the_vcpu)
{
	ASSERT_EQ(0, virq_pic_init_linux(self->chip));
	EXPECT_EQ(1, virq_line(self->chip, 5, 1));
	EXPECT_NE(0, virq_requests(self->run) & VIRQ_REQ_EXTINT);
	/* The guest masks IR5 before it takes the interrupt. */
	ASSERT_EQ(0, virq_outb(self->chip, 0x21, 0x20));
	EXPECT_EQ(0, virq_requests(self->run) & (VIRQ_REQ_EXTINT | VIRQ_REQ_INTR));
	EXPECT_EQ(-1, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(pic, output_reaches_only_the_bsp)
{
	int v1 = ioctl(self->chip, VIRQ_CREATE_VCPU, 1);
	struct virq_vcpu_run *r1;

	ASSERT_LE(0, v1);
	r1 = virq_map_run(v1);
	ASSERT_NE(NULL, r1);
	ASSERT_EQ(0, virq_pic_init_linux(self->chip));
	EXPECT_EQ(1, virq_line(self->chip, 1, 1));
	EXPECT_EQ(0, virq_requests(r1) & VIRQ_REQ_INTR);
	EXPECT_EQ(-1, ioctl(v1, VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0x31, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	munmap(r1, 4096);
	close(v1);
}

TEST(output_high_before_bsp_exists)
{
	int dev = virq_open(), chip, vcpu;
	struct virq_vcpu_run *run;

	ASSERT_LE(0, dev);
	chip = virq_chip(dev, 1);
	ASSERT_LE(0, chip);
	ASSERT_EQ(0, virq_pic_init_linux(chip));
	EXPECT_EQ(1, virq_line(chip, 6, 1));
	/* The BSP arrives later and finds the request waiting. */
	vcpu = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu);
	run = virq_map_run(vcpu);
	ASSERT_NE(NULL, run);
	EXPECT_NE(0, virq_requests(run) & VIRQ_REQ_INTR);
	EXPECT_EQ(0, virq_wait(vcpu, 0, 0));
	EXPECT_EQ(0x36, ioctl(vcpu, VIRQ_VCPU_ACK, 0));
	munmap(run, 4096);
	close(vcpu);
	close(chip);
	close(dev);
}

/*
 * The 8259A's modes driven the way a guest drives them: a vCPU thread
 * halts in VIRQ_VCPU_WAIT, acknowledges, and runs a handler whose port
 * accesses go through its own vCPU fd (VIRQ_IO), while the main thread
 * plays the devices.
 */
struct mode_guest {
	int chip, vcpu, n;
	int vec[16];
	int isr[16];		/* what a handler read back, per interrupt */
	atomic_int handled;
	void (*handler)(struct mode_guest *g, int i, int v);
};

static int read_isr_via(int fd, unsigned int cmd)
{
	int v;

	virq_outb(fd, cmd, 0x0b);	/* OCW3: read ISR */
	v = virq_inb(fd, cmd);
	virq_outb(fd, cmd, 0x0a);
	return v;
}

static void *mode_cpu(void *p)
{
	struct mode_guest *g = p;
	int i, v;

	for (i = 0; i < g->n; i++) {
		v = virq_wait(g->vcpu, 5000000000LL, VIRQ_WAIT_ACK);
		g->vec[i] = v;
		if (v < 0 || v == VIRQ_WAIT_NO_VECTOR)
			break;
		g->handler(g, i, v);
		atomic_fetch_add(&g->handled, 1);
	}
	return NULL;
}

static void wait_handled(struct mode_guest *g, int n)
{
	int spins = 0;

	while (atomic_load(&g->handled) < n && spins++ < 50000)
		usleep(100);
}

/* Rotate on non-specific EOI; each device asks again once served. */
static void rotate_handler(struct mode_guest *g, int i, int v)
{
	virq_outb(g->vcpu, 0x20, 0xa0);
	virq_line(g->chip, v - 0x30, 0);
	virq_line(g->chip, v - 0x30, 1);
}

TEST_F(pic, rotation_with_a_vcpu_thread)
{
	static const int expect[] = { 1, 4, 6, 1, 4, 6, 1 };
	struct mode_guest g = { .chip = self->chip, .vcpu = self->vcpu,
				.n = 7, .handler = rotate_handler };
	pthread_t t;
	int i;

	ASSERT_EQ(0, virq_pic_init_linux(self->vcpu));
	ASSERT_EQ(0, virq_outb(self->vcpu, 0x21, 0xff));	/* hold them */
	virq_line(self->chip, 1, 1);
	virq_line(self->chip, 4, 1);
	virq_line(self->chip, 6, 1);
	ASSERT_EQ(0, pthread_create(&t, NULL, mode_cpu, &g));
	ASSERT_EQ(0, virq_outb(self->chip, 0x21, 0x00));
	pthread_join(t, NULL);
	for (i = 0; i < 7; i++) {
		EXPECT_EQ(0x30 + expect[i], g.vec[i]) {
			TH_LOG("step %d", i);
		}
	}
}

/* AEOI: no EOI is written and ISR stays empty. */
static void aeoi_handler(struct mode_guest *g, int i, int v)
{
	g->isr[i] = read_isr_via(g->vcpu, 0x20) | read_isr_via(g->vcpu, 0xa0);
}

TEST_F(pic, auto_eoi_with_a_vcpu_thread)
{
	static const uint8_t init[][2] = {
		{ 0x20, 0x11 }, { 0x21, 0x30 }, { 0x21, 0x04 }, { 0x21, 0x03 },
		{ 0xa0, 0x11 }, { 0xa1, 0x38 }, { 0xa1, 0x02 }, { 0xa1, 0x03 },
	};
	struct mode_guest g = { .chip = self->chip, .vcpu = self->vcpu,
				.n = 3, .handler = aeoi_handler };
	pthread_t t;
	unsigned int i;

	for (i = 0; i < sizeof(init) / sizeof(init[0]); i++)
		ASSERT_EQ(0, virq_outb(self->vcpu, init[i][0], init[i][1]));
	ASSERT_EQ(0, pthread_create(&t, NULL, mode_cpu, &g));
	virq_line(self->chip, 5, 1);
	wait_handled(&g, 1);
	virq_line(self->chip, 3, 1);
	wait_handled(&g, 2);
	virq_line(self->chip, 11, 1);
	pthread_join(t, NULL);
	EXPECT_EQ(0x35, g.vec[0]);
	EXPECT_EQ(0x33, g.vec[1]);
	EXPECT_EQ(0x3b, g.vec[2]);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, g.isr[i]);
}

/*
 * Special mask mode: the IRQ 3 handler masks its own level and turns SMM
 * on, so the lower-priority IRQ 5 nests inside it; the nested handler's
 * non-specific EOI skips the masked ISR bit.
 */
static void smm_handler(struct mode_guest *g, int i, int v)
{
	if (v == 0x33) {
		virq_outb(g->vcpu, 0x20, 0x68);		/* OCW3: SMM on */
		virq_outb(g->vcpu, 0x21, 0x08);		/* mask IR3 */
		g->isr[i] = read_isr_via(g->vcpu, 0x20);
		return;			/* the main thread raises IRQ 5 */
	}
	virq_outb(g->vcpu, 0x20, 0x20);			/* NS EOI: IR5 */
	g->isr[i] = read_isr_via(g->vcpu, 0x20);	/* IR3 stays */
	virq_outb(g->vcpu, 0x20, 0x48);			/* OCW3: SMM off */
	virq_outb(g->vcpu, 0x21, 0x00);
	virq_outb(g->vcpu, 0x20, 0x20);			/* EOI IR3 */
}

TEST_F(pic, special_mask_mode_with_a_vcpu_thread)
{
	struct mode_guest g = { .chip = self->chip, .vcpu = self->vcpu,
				.n = 2, .handler = smm_handler };
	pthread_t t;

	ASSERT_EQ(0, virq_pic_init_linux(self->vcpu));
	ASSERT_EQ(0, pthread_create(&t, NULL, mode_cpu, &g));
	virq_line(self->chip, 3, 1);
	wait_handled(&g, 1);
	EXPECT_EQ(1, virq_line(self->chip, 5, 1));
	pthread_join(t, NULL);
	EXPECT_EQ(0x33, g.vec[0]);
	EXPECT_EQ(0x08, g.isr[0]);
	EXPECT_EQ(0x35, g.vec[1]);	/* nested below 3 */
	EXPECT_EQ(0x08, g.isr[1]);
	EXPECT_EQ(0, read_isr_via(self->chip, 0x20));
	EXPECT_EQ(0, get_state_byte(self->chip, 0, 8));	/* SMM off */
}

/*
 * Special fully nested mode: a higher slave request (IRQ 9) nests inside
 * the slave's IRQ 12 handler; the handler EOIs the master only once the
 * slave's ISR is empty, as the datasheet prescribes.
 */
static void sfnm_handler(struct mode_guest *g, int i, int v)
{
	if (v == 0x3c)
		return;			/* the main thread raises IRQ 9 */
	virq_outb(g->vcpu, 0xa0, 0x20);		/* slave NS EOI: IR1 */
	g->isr[i] = read_isr_via(g->vcpu, 0xa0);
	if (!g->isr[i])
		virq_outb(g->vcpu, 0x20, 0x20);
	/* Back in the IRQ 12 handler. */
	virq_outb(g->vcpu, 0xa0, 0x20);
	if (!read_isr_via(g->vcpu, 0xa0))
		virq_outb(g->vcpu, 0x20, 0x20);
}

TEST_F(pic, sfnm_with_a_vcpu_thread)
{
	static const uint8_t init[][2] = {
		{ 0x20, 0x11 }, { 0x21, 0x30 }, { 0x21, 0x04 }, { 0x21, 0x11 },
		{ 0xa0, 0x11 }, { 0xa1, 0x38 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
	};
	struct mode_guest g = { .chip = self->chip, .vcpu = self->vcpu,
				.n = 2, .handler = sfnm_handler };
	pthread_t t;
	unsigned int i;

	for (i = 0; i < sizeof(init) / sizeof(init[0]); i++)
		ASSERT_EQ(0, virq_outb(self->vcpu, init[i][0], init[i][1]));
	ASSERT_EQ(0, pthread_create(&t, NULL, mode_cpu, &g));
	virq_line(self->chip, 12, 1);
	wait_handled(&g, 1);
	EXPECT_EQ(1, virq_line(self->chip, 9, 1));
	pthread_join(t, NULL);
	EXPECT_EQ(0x3c, g.vec[0]);
	EXPECT_EQ(0x39, g.vec[1]);	/* nested through the busy cascade */
	EXPECT_EQ(0x10, g.isr[1]);	/* IRQ 12 still in service */
	EXPECT_EQ(0, read_isr_via(self->chip, 0x20));
	EXPECT_EQ(0, read_isr_via(self->chip, 0xa0));
}

/*
 * Poll mode: a vCPU thread with interrupts "disabled" never acknowledges;
 * it polls the PIC through its vCPU fd and serves what the poll word says.
 */
struct poller_cpu {
	int chip, vcpu;
	int words[4];
	uint32_t req_after;
	atomic_int n;
};

static void *poll_cpu(void *p)
{
	struct poller_cpu *pc = p;
	int spins = 0, w;

	while (atomic_load(&pc->n) < 2 && spins++ < 100000) {
		virq_outb(pc->vcpu, 0x20, 0x0c);	/* OCW3: poll */
		w = virq_inb(pc->vcpu, 0x20);
		if (!(w & 0x80)) {
			usleep(50);
			continue;
		}
		pc->words[atomic_load(&pc->n)] = w;
		virq_outb(pc->vcpu, 0x20, 0x20);
		atomic_fetch_add(&pc->n, 1);
	}
	return NULL;
}

TEST_F(pic, poll_with_a_vcpu_thread)
{
	struct poller_cpu pc = { .chip = self->chip, .vcpu = self->vcpu };
	pthread_t t;

	ASSERT_EQ(0, virq_pic_init_linux(self->vcpu));
	virq_line(self->chip, 6, 1);
	virq_line(self->chip, 3, 1);
	EXPECT_NE(0, virq_requests(self->run) & VIRQ_REQ_INTR);
	ASSERT_EQ(0, pthread_create(&t, NULL, poll_cpu, &pc));
	pthread_join(t, NULL);
	ASSERT_EQ(2, atomic_load(&pc.n));
	EXPECT_EQ(0x83, pc.words[0]);
	EXPECT_EQ(0x86, pc.words[1]);
	/* The polls were the acknowledges: nothing is left to take. */
	EXPECT_EQ(0, virq_requests(self->run) & VIRQ_REQ_INTR);
	EXPECT_EQ(-1, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(EAGAIN, errno);
}

static int get_chip(int chip, uint32_t id, struct virq_irqchip *ic)
{
	memset(ic, 0, sizeof(*ic));
	ic->chip_id = id;
	return ioctl(chip, VIRQ_GET_IRQCHIP, ic) ? errno : 0;
}

TEST_F(pic, irqchip_state_roundtrip)
{
	struct virq_irqchip m, s, m2, s2;
	int dev2, chip2, vcpu2;

	ASSERT_EQ(0, virq_pic_init_linux(self->chip));
	ASSERT_EQ(0, virq_outb(self->chip, 0x4d0, 0x20));
	ASSERT_EQ(0, virq_outb(self->chip, 0x21, 0x80));
	EXPECT_EQ(1, virq_line(self->chip, 5, 1));
	EXPECT_EQ(1, virq_line(self->chip, 9, 1));
	/* IRQ 9 comes in on IR2, which outranks IR5. */
	EXPECT_EQ(0x39, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	ASSERT_EQ(0, get_chip(self->chip, 0, &m));
	ASSERT_EQ(0, get_chip(self->chip, 1, &s));
	EXPECT_EQ(0x30, m.chip.pic.irq_base);
	EXPECT_EQ(0x80, m.chip.pic.imr);
	EXPECT_EQ(0x04, m.chip.pic.isr);
	EXPECT_EQ(0x20, m.chip.pic.irr);
	EXPECT_EQ(0x20, m.chip.pic.elcr);
	EXPECT_EQ(0xf8, m.chip.pic.elcr_mask);
	EXPECT_EQ(1, m.chip.pic.ext);
	EXPECT_EQ(0x02, s.chip.pic.isr);
	EXPECT_EQ(0x38, s.chip.pic.irq_base);

	/* Load it into a fresh chip: the same registers and behaviour. */
	dev2 = virq_open();
	chip2 = virq_chip(dev2, 1);
	ASSERT_LE(0, chip2);
	ASSERT_EQ(0, ioctl(chip2, VIRQ_SET_IRQCHIP, &m));
	ASSERT_EQ(0, ioctl(chip2, VIRQ_SET_IRQCHIP, &s));
	ASSERT_EQ(0, get_chip(chip2, 0, &m2));
	ASSERT_EQ(0, get_chip(chip2, 1, &s2));
	EXPECT_EQ(0, memcmp(&m, &m2, sizeof(m)));
	EXPECT_EQ(0, memcmp(&s, &s2, sizeof(s)));
	EXPECT_EQ(0x80, virq_inb(chip2, 0x21));
	EXPECT_EQ(0x20, virq_inb(chip2, 0x4d0));
	/* After the EOIs the restored IR5 request is delivered. */
	ASSERT_EQ(0, virq_outb(chip2, 0xa0, 0x20));
	ASSERT_EQ(0, virq_outb(chip2, 0x20, 0x20));
	vcpu2 = ioctl(chip2, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu2);
	EXPECT_EQ(0x35, ioctl(vcpu2, VIRQ_VCPU_ACK, 0));
	close(vcpu2);
	close(chip2);
	close(dev2);
}

TEST_F(pic, irqchip_bad_state_changes_nothing)
{
	struct virq_irqchip good, bad, after;

	ASSERT_EQ(0, virq_pic_init_linux(self->chip));
	ASSERT_EQ(0, get_chip(self->chip, 0, &good));
	EXPECT_EQ(EINVAL, get_chip(self->chip, 10, &bad));	/* no such chip */
	bad = good;
	bad.pad = 1;
	EXPECT_EQ(-1, ioctl(self->chip, VIRQ_SET_IRQCHIP, &bad));
	EXPECT_EQ(EINVAL, errno);
	bad = good;
	bad.chip.pic.elcr = 0x07;	/* IRQ 0-2 cannot be level */
	bad.chip.pic.imr = 0x55;
	EXPECT_EQ(-1, ioctl(self->chip, VIRQ_SET_IRQCHIP, &bad));
	EXPECT_EQ(EINVAL, errno);
	bad = good;
	bad.chip.pic.init_state = 4;
	EXPECT_EQ(-1, ioctl(self->chip, VIRQ_SET_IRQCHIP, &bad));
	EXPECT_EQ(EINVAL, errno);
	bad = good;
	bad.chip.pic.pad[0] = 1;
	EXPECT_EQ(-1, ioctl(self->chip, VIRQ_SET_IRQCHIP, &bad));
	EXPECT_EQ(EINVAL, errno);
	bad = good;
	bad.chip.dummy[100] = 1;	/* beyond the PIC state */
	EXPECT_EQ(-1, ioctl(self->chip, VIRQ_SET_IRQCHIP, &bad));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, get_chip(self->chip, 0, &after));
	EXPECT_EQ(0, memcmp(&good, &after, sizeof(good)));
	EXPECT_EQ(0, virq_inb(self->chip, 0x21));
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	int r;

	if (fd < 0)
		return -1;
	r = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return r;
}

#define TRACING "/sys/kernel/debug/tracing"

TEST_F(pic, tracepoints)
{
	static char buf[1 << 16];
	ssize_t n = 0, r;
	int fd;

	ASSERT_EQ(0, virq_pic_init_linux(self->chip));
	ASSERT_EQ(0, write_str(TRACING "/trace", ""));
	ASSERT_EQ(0, write_str(TRACING "/events/virq/enable", "1"));
	EXPECT_EQ(1, virq_line(self->chip, 4, 1));
	EXPECT_EQ(0x34, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	ASSERT_EQ(0, virq_outb(self->chip, 0x20, 0x0c));	/* poll */
	EXPECT_EQ(0, virq_inb(self->chip, 0x20));
	ASSERT_EQ(0, virq_outb(self->chip, 0x21, 0x02));
	EXPECT_EQ(-1, virq_line(self->chip, 1, 1));
	ASSERT_EQ(0, write_str(TRACING "/events/virq/enable", "0"));

	fd = open(TRACING "/trace", O_RDONLY);
	ASSERT_LE(0, fd);
	while (n < (ssize_t)sizeof(buf) - 1 &&
	       (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
	close(fd);
	/* Every event names the chip: the first word after the event. */
	EXPECT_NE(NULL, strstr(buf, "virq_pic_set_irq: chip "));
	EXPECT_NE(NULL, strstr(buf, " irq 4 level 1 status 1"));
	EXPECT_NE(NULL, strstr(buf, " vector 0x34 isr 10/00"));
	EXPECT_NE(NULL, strstr(buf, " irq 1 level 1 status -1"));
	EXPECT_EQ(NULL, strstr(buf, "virq_pic_set_irq: irq"));
	/* The poll found nothing pending: it acknowledged nothing. */
	EXPECT_EQ(NULL, strstr(buf, " poll 0x"));
}

TEST_HARNESS_MAIN
