// SPDX-License-Identifier: GPL-2.0
/*
 * Seeing inside: the tracepoints follow one interrupt hop by hop (line
 * set, route fan-out, PIC and IOAPIC pins, the IOAPIC's message, the
 * LAPIC's acceptance, the kick, the wait and wake, the acknowledge, the
 * EOI), an irqfd injection and an MSI; VIRQ_GET_STATS against a known
 * sequence; and the debugfs views of a chip.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <sys/eventfd.h>
#include "virq_test.h"

#define TRACING "/sys/kernel/debug/tracing"

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

static char *read_file(const char *path)
{
	static char buf[1 << 18];
	ssize_t n = 0, r;
	int fd = open(path, O_RDONLY);

	buf[0] = 0;
	if (fd < 0)
		return buf;
	while (n < (ssize_t)sizeof(buf) - 1 &&
	       (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
	close(fd);
	return buf;
}

static void mmio_w(int fd, uint64_t addr, uint32_t v)
{
	struct virq_io io = { .space = VIRQ_IO_MMIO, .addr = addr, .len = 4,
			      .write = 1, .data = v };

	ioctl(fd, VIRQ_IO, &io);
}

/* The PIC initialised and masked: ISA GSIs reach the IOAPIC only. */
static void mask_pic(int chip)
{
	uint8_t all = 0xff;

	virq_pic_init_linux(chip);
	virq_pio_fd(chip, 0x21, 1, &all);
	virq_pio_fd(chip, 0xa1, 1, &all);
}

static int full_chip(int dev)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC | VIRQ_CHIP_LAPIC,
		.nr_ioapics = 1, .max_vcpus = 2,
	};

	return ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
}

static void *get_stats(int chip, struct virq_stats_header **h);

/* The chip's id, as traces and debugfs name it (VIRQ_GET_STATS). */
static int chip_id_of(int chip)
{
	struct virq_stats_header *h;
	void *buf = get_stats(chip, &h);
	int id = buf ? (int)h->chip_id : -1;

	free(buf);
	return id;
}

/*
 * Follow GSI 4 on a full chip: it reaches the PIC (masked) and IOAPIC pin
 * 4 (fixed, vector 0x44, APIC 1), which sends it to the LAPIC of vCPU 1,
 * which is halted: the kick wakes it, it acknowledges and EOIs.
 */
struct halted {
	int vcpu, vec;
};

static void *halt_ack_eoi(void *p)
{
	struct halted *h = p;

	h->vec = virq_wait(h->vcpu, 5000000000LL, VIRQ_WAIT_ACK);
	mmio_w(h->vcpu, 0xfee000b0, 0);
	return NULL;
}

static uint64_t efd_count(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static const char *find_after(const char *buf, const char *what)
{
	const char *p = strstr(buf, what);

	return p ? p + strlen(what) : NULL;
}

TEST(one_interrupt_hop_by_hop)
{
	int dev = virq_open(), chip, v0, v1, id;
	struct halted h;
	char hop[12][128];
	const char *buf, *p;
	pthread_t t;
	unsigned int i;
	uint8_t all = 0xff;

	ASSERT_LE(0, dev);
	chip = full_chip(dev);
	ASSERT_LE(0, chip);
	id = chip_id_of(chip);
	ASSERT_LT(0, id);
	v0 = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	v1 = ioctl(chip, VIRQ_CREATE_VCPU, 1);
	ASSERT_LE(0, v1);
	mmio_w(v1, 0xfee000f0, 0x1ff);			/* software-enable */
	virq_pio_fd(chip, 0x21, 1, &all);		/* PIC masked */
	mmio_w(chip, 0xfec00000, 0x19);			/* pin 4 high: APIC 1 */
	mmio_w(chip, 0xfec00010, 0x01000000);
	mmio_w(chip, 0xfec00000, 0x18);
	mmio_w(chip, 0xfec00010, 0x44);

	h.vcpu = v1;
	ASSERT_EQ(0, pthread_create(&t, NULL, halt_ack_eoi, &h));
	usleep(100000);					/* it halts */
	ASSERT_EQ(0, write_str(TRACING "/trace", ""));
	ASSERT_EQ(0, write_str(TRACING "/events/virq/enable", "1"));
	EXPECT_EQ(1, virq_line(chip, 4, 1));
	pthread_join(t, NULL);
	ASSERT_EQ(0, write_str(TRACING "/events/virq/enable", "0"));
	EXPECT_EQ(0x44, h.vec);

	snprintf(hop[0], 128, "virq_route: chip %d gsi 4 -> pic 0 pin 4", id);
	snprintf(hop[1], 128, "virq_pic_set_irq: chip %d irq 4 level 1 status -1", id);
	snprintf(hop[2], 128, "virq_route: chip %d gsi 4 -> ioapic 0 pin 4", id);
	snprintf(hop[3], 128, "virq_lapic_accept: chip %d apic 1 vector 0x44 dm 0 edge status 1", id);
	snprintf(hop[4], 128, "virq_ioapic_deliver: chip %d ioapic 0 pin 4 vector 0x44 dm 0 physical dest 0x1 edge status 1", id);
	snprintf(hop[5], 128, "virq_ioapic_set_irq: chip %d ioapic 0 pin 4 level 1 status 1", id);
	snprintf(hop[6], 128, "virq_kick: chip %d apic 1 wake", id);
	snprintf(hop[7], 128, "virq_set_irq: chip %d gsi 4 level 1 routes 2 status 1", id);
	/* The vCPU thread's side may be stamped on its CPU before hop 7. */
	snprintf(hop[8], 128, "virq_wait: chip %d apic 1 woke", id);
	snprintf(hop[9], 128, "virq_lapic_eoi: chip %d apic 1 vector 0x44", id);
	buf = read_file(TRACING "/trace");
	/* The raiser's hops are there in this order (innermost first). */
	p = buf;
	for (i = 0; i < 8; i++) {
		const char *q = find_after(p, hop[i]);

		EXPECT_NE(NULL, q) {
			TH_LOG("hop %u missing after its predecessors: %s", i,
			       hop[i]);
		}
		if (q)
			p = q;
	}
	/* The vCPU's: it woke, then EOI'd. */
	p = find_after(buf, hop[8]);
	EXPECT_NE(NULL, p);
	EXPECT_NE(NULL, p ? strstr(p, hop[9]) : NULL);
	close(v0);
	close(v1);
	close(chip);
	close(dev);
}

/* An irqfd's injection and a resample, hop by hop; an MSI. */
TEST(irqfd_and_msi_events)
{
	struct virq_msi m = { .address_lo = 0xfee00000, .data = 0x51 };
	int dev = virq_open(), chip, v0, id;
	int efd = eventfd(0, 0), efd2 = eventfd(0, 0);
	int rfd = eventfd(0, EFD_NONBLOCK);
	struct virq_irqfd_args a = { .fd = efd, .gsi = 9 };
	struct virq_irqfd_args r = { .fd = efd2, .gsi = 10, .resamplefd = rfd,
				     .flags = VIRQ_IRQFD_FLAG_RESAMPLE };
	const char *want[16], *buf, *p, *q;
	char w[16][160];
	uint64_t one = 1;
	int i, n = 0;

	ASSERT_LE(0, dev);
	chip = full_chip(dev);
	ASSERT_LE(0, chip);
	id = chip_id_of(chip);
	v0 = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, v0);
	mmio_w(v0, 0xfee000f0, 0x1ff);
	mask_pic(chip);
	mmio_w(chip, 0xfec00000, 0x22);			/* pin 9: 0x59 edge */
	mmio_w(chip, 0xfec00010, 0x59);
	mmio_w(chip, 0xfec00000, 0x24);			/* pin 10: 0x5a level */
	mmio_w(chip, 0xfec00010, 0x805a);
	ASSERT_EQ(0, write_str(TRACING "/trace", ""));
	ASSERT_EQ(0, write_str(TRACING "/events/virq/enable", "1"));
	ASSERT_EQ(0, ioctl(chip, VIRQ_IRQFD, &a));
	ASSERT_EQ(8, write(efd, &one, 8));
	EXPECT_EQ(0x59, ioctl(v0, VIRQ_VCPU_ACK, 0));
	mmio_w(v0, 0xfee000b0, 0);
	ASSERT_EQ(0, ioctl(chip, VIRQ_IRQFD, &r));
	ASSERT_EQ(8, write(efd2, &one, 8));
	EXPECT_EQ(0x5a, ioctl(v0, VIRQ_VCPU_ACK, 0));
	mmio_w(v0, 0xfee000b0, 0);			/* EOI: the resample */
	a.flags = VIRQ_IRQFD_FLAG_DEASSIGN;
	ASSERT_EQ(0, ioctl(chip, VIRQ_IRQFD, &a));
	EXPECT_EQ(1, ioctl(chip, VIRQ_SIGNAL_MSI, &m));
	ASSERT_EQ(0, write_str(TRACING "/events/virq/enable", "0"));
	buf = read_file(TRACING "/trace");

#define WANT(...) do { \
		snprintf(w[n], sizeof(w[n]), __VA_ARGS__); \
		want[n] = w[n]; \
		n++; \
	} while (0)
	WANT("virq_irqfd_bind: chip %d gsi 9 bound", id);
	WANT("virq_irqfd_inject: chip %d gsi 9", id);
	WANT("virq_route: chip %d gsi 9 -> ioapic 0 pin 9", id);
	WANT("virq_lapic_accept: chip %d apic 0 vector 0x59 dm 0 edge status 1", id);
	WANT("virq_ioapic_deliver: chip %d ioapic 0 pin 9 vector 0x59", id);
	WANT("virq_ioapic_set_irq: chip %d ioapic 0 pin 9 level 1 status 1", id);
	/* GSI 9 reaches the (masked) PIC too: two routes. */
	WANT("virq_set_irq: chip %d gsi 9 level 1 routes 2 status 1", id);
	WANT("virq_set_irq: chip %d gsi 9 level 0 routes 2", id);
	WANT("virq_irqfd_bind: chip %d gsi 10 resample bound", id);
	WANT("virq_irqfd_inject: chip %d gsi 10 (resample: asserted)", id);
	WANT("virq_lapic_eoi: chip %d apic 0 vector 0x5a broadcast", id);
	/* The resampler lowers the line before the IOAPIC looks at it. */
	WANT("virq_irqfd_resample: chip %d gsi 10: EOI of irqchip 2 pin 10 lowered it, 1 resamplefds signalled", id);
	WANT("virq_ioapic_eoi: chip %d ioapic 0 pin 10 vector 0x5a", id);
	WANT("virq_irqfd_bind: chip %d gsi 9 deassigned", id);
	WANT("virq_msi: chip %d address 0xfee00000 data 0x51 status 1", id);
#undef WANT
	p = buf;
	for (i = 0; i < n; i++) {
		q = find_after(p, want[i]);
		EXPECT_NE(NULL, q) {
			TH_LOG("missing after its predecessors: %s", want[i]);
		}
		if (q)
			p = q;
	}
	EXPECT_EQ(1, efd_count(rfd));
	close(efd);
	close(efd2);
	close(rfd);
	close(v0);
	close(chip);
	close(dev);
}

static void *get_stats(int chip, struct virq_stats_header **h)
{
	struct virq_stats_args a = { 0 };
	void *buf;

	if (ioctl(chip, VIRQ_GET_STATS, &a) != -1 || errno != ENOSPC)
		return NULL;
	buf = calloc(1, a.size);
	a.buf = (uintptr_t)buf;
	if (ioctl(chip, VIRQ_GET_STATS, &a))
		return NULL;
	*h = buf;
	return buf;
}

TEST(stats_of_a_known_sequence)
{
	struct virq_vcpu_stats *vs;
	struct virq_gsi_stats *gs;
	struct virq_stats_header *h;
	struct virq_stats_args bad = { .flags = 1 };
	int dev = virq_open(), chip, v0, v1, i;
	void *buf;

	ASSERT_LE(0, dev);
	chip = ioctl(dev, VIRQ_CREATE_CHIP,
		     &(struct virq_chip_config){ .flags = VIRQ_CHIP_PIC,
						 .max_vcpus = 2 });
	ASSERT_LE(0, chip);
	v0 = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	v1 = ioctl(chip, VIRQ_CREATE_VCPU, 1);
	ASSERT_EQ(0, virq_pic_init_linux(chip));
	ASSERT_EQ(0, virq_outb(chip, 0x21, 0x08));	/* IRQ 3 masked */
	EXPECT_EQ(1, virq_line(chip, 4, 1));		/* delivered */
	EXPECT_EQ(0, virq_line(chip, 4, 1));		/* coalesced */
	virq_line(chip, 4, 0);				/* lowering: not a raise */
	EXPECT_EQ(-1, virq_line(chip, 3, 1));		/* masked */
	EXPECT_EQ(-1, virq_line(chip, 700, 1));		/* no route */
	EXPECT_EQ(0x34, ioctl(v0, VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(-1, virq_wait(v1, 1000000, 0));	/* one halt, timed out */
	ioctl(v1, VIRQ_VCPU_KICK, 0);			/* OUTSIDE: none */

	EXPECT_EQ(-1, ioctl(chip, VIRQ_GET_STATS, &bad));
	EXPECT_EQ(EINVAL, errno);
	buf = get_stats(chip, &h);
	ASSERT_NE(NULL, buf);
	EXPECT_EQ(VIRQ_STATS_VERSION, h->version);
	EXPECT_EQ(sizeof(*h), h->header_size);
	EXPECT_EQ(2, h->nr_vcpus);
	EXPECT_EQ(sizeof(*vs), h->vcpu_size);
	EXPECT_EQ(sizeof(*gs), h->gsi_size);
	EXPECT_EQ(3, h->nr_gsis);
	vs = (void *)((char *)buf + h->header_size);
	gs = (void *)((char *)vs + h->nr_vcpus * h->vcpu_size);
	EXPECT_EQ(0, vs[0].apic_id);
	EXPECT_EQ(1, vs[0].acks);
	EXPECT_EQ(1, vs[1].halts);
	EXPECT_LE(900000, vs[1].halt_ns);
	EXPECT_EQ(1, vs[1].kicks_none);
	for (i = 0; i < (int)h->nr_gsis; i++) {
		if (gs[i].gsi == 4) {
			EXPECT_EQ(2, gs[i].raised);
			EXPECT_EQ(1, gs[i].delivered);
			EXPECT_EQ(1, gs[i].coalesced);
			EXPECT_EQ(0, gs[i].masked);
		} else if (gs[i].gsi == 3 || gs[i].gsi == 700) {
			EXPECT_EQ(1, gs[i].raised);
			EXPECT_EQ(1, gs[i].masked);
		} else {
			EXPECT_EQ(-1, (int)gs[i].gsi);	/* unexpected */
		}
	}
	free(buf);
	close(v0);
	close(v1);
	close(chip);
	close(dev);
}

/*
 * The vCPU counters by kind on a LAPIC chip: a kick that finds the thread
 * in guest code (and the signal it sends), EOIs of in-service vectors
 * only, polls that are not halts; the chip's irqfd and MSI totals.
 */
static void on_usr1(int sig)
{
}

TEST(stats_kicks_eois_totals)
{
	struct virq_msi m = { .address_lo = 0xfee00000, .data = 0x51 };
	struct virq_vcpu_signal sig = { .signo = SIGUSR1 };
	struct virq_stats_header *h;
	struct virq_vcpu_stats *vs;
	struct virq_vcpu_run *run;
	int dev = virq_open(), chip, v0, efd = eventfd(0, 0);
	struct virq_irqfd_args a = { .fd = efd, .gsi = 9 };
	uint64_t one = 1;
	void *buf;

	ASSERT_LE(0, dev);
	signal(SIGUSR1, on_usr1);
	chip = full_chip(dev);
	ASSERT_LE(0, chip);
	v0 = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, v0);
	run = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, v0, 0);
	ASSERT_NE(MAP_FAILED, run);
	mmio_w(v0, 0xfee000f0, 0x1ff);
	mask_pic(chip);
	mmio_w(chip, 0xfec00000, 0x22);			/* pin 9: 0x49 */
	mmio_w(chip, 0xfec00010, 0x49);
	ASSERT_EQ(0, ioctl(v0, VIRQ_VCPU_SET_SIGNAL, &sig));
	__atomic_store_n(&run->mode, VIRQ_MODE_IN_GUEST, __ATOMIC_SEQ_CST);
	EXPECT_EQ(1, ioctl(chip, VIRQ_SIGNAL_MSI, &m));	/* kick: signal */
	__atomic_store_n(&run->mode, VIRQ_MODE_OUTSIDE, __ATOMIC_SEQ_CST);
	ASSERT_EQ(0, ioctl(chip, VIRQ_IRQFD, &a));
	ASSERT_EQ(8, write(efd, &one, 8));	/* below 0x51, INTR set: no kick */
	EXPECT_EQ(0x51, ioctl(v0, VIRQ_VCPU_ACK, 0));
	mmio_w(v0, 0xfee000b0, 0);
	EXPECT_EQ(0x49, ioctl(v0, VIRQ_VCPU_ACK, 0));
	mmio_w(v0, 0xfee000b0, 0);
	mmio_w(v0, 0xfee000b0, 0);			/* nothing in service */
	EXPECT_EQ(-1, virq_wait(v0, 0, 0));		/* a poll, not a halt */
	m.data = 0x52;
	EXPECT_EQ(1, ioctl(chip, VIRQ_SIGNAL_MSI, &m));	/* OUTSIDE: none */

	buf = get_stats(chip, &h);
	ASSERT_NE(NULL, buf);
	vs = (void *)((char *)buf + h->header_size);
	EXPECT_EQ(1, h->irqfd_injections);
	EXPECT_EQ(2, h->msis);
	EXPECT_EQ(1, vs[0].kicks_signal);
	EXPECT_EQ(1, vs[0].signals);
	/* The final MSI, and the EOI of 0x51 that made 0x49 deliverable. */
	EXPECT_EQ(2, vs[0].kicks_none);
	EXPECT_EQ(0, vs[0].kicks_wake);
	EXPECT_EQ(0, vs[0].signals_dropped);
	EXPECT_EQ(2, vs[0].acks);
	EXPECT_EQ(2, vs[0].eois);
	EXPECT_EQ(0, vs[0].halts);
	EXPECT_EQ(1, run->signals);
	free(buf);
	munmap(run, 4096);
	close(efd);
	close(v0);
	close(chip);
	close(dev);
}

TEST(debugfs_views)
{
	int dev = virq_open(), chip, v0, id;
	const char *b;
	char path[96];

	ASSERT_LE(0, dev);
	chip = full_chip(dev);
	ASSERT_LE(0, chip);
	id = chip_id_of(chip);
	v0 = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, v0);
	ASSERT_EQ(0, virq_pic_init_linux(chip));
	snprintf(path, sizeof(path), "/sys/kernel/debug/virq/%d/pic", id);
	b = read_file(path);
	EXPECT_NE(NULL, strstr(b, "master: irr 00 imr 00 isr 00"));
	EXPECT_NE(NULL, strstr(b, "base 0x30"));
	snprintf(path, sizeof(path), "/sys/kernel/debug/virq/%d/ioapic0", id);
	b = read_file(path);
	EXPECT_NE(NULL, strstr(b, "ioapic 0: base 0xfec00000"));
	EXPECT_NE(NULL, strstr(b, "pin 23:"));
	snprintf(path, sizeof(path), "/sys/kernel/debug/virq/%d/vcpu0", id);
	b = read_file(path);
	EXPECT_NE(NULL, strstr(b, "apic_base 0xfee00900"));
	EXPECT_NE(NULL, strstr(b, "lint0 00000700"));
	snprintf(path, sizeof(path), "/sys/kernel/debug/virq/%d/routing", id);
	b = read_file(path);
	EXPECT_NE(NULL, strstr(b, "gsi    0 -> ioapic 0 pin 2"));
	snprintf(path, sizeof(path), "/sys/kernel/debug/virq/%d/irqfds", id);
	EXPECT_EQ(0, strncmp(read_file(path), "0 irqfds", 8));
	snprintf(path, sizeof(path), "/sys/kernel/debug/virq/%d/stats", id);
	ASSERT_LT(-1000, virq_line(chip, 4, 1));
	ASSERT_LT(-1000, virq_line(chip, 4, 0));
	b = read_file(path);
	EXPECT_NE(NULL, strstr(b, "raised"));
	EXPECT_NE(NULL, strstr(b, "\n   4           1 ")) {
		TH_LOG("%s", b);
	}
	close(v0);
	close(chip);
	/* Gone with the chip. */
	snprintf(path, sizeof(path), "/sys/kernel/debug/virq/%d", id);
	EXPECT_EQ(-1, access(path, F_OK));
	close(dev);
}

/* tools/virq-state prints a chip from debugfs; the harness installs it. */
#define VIRQ_STATE "/tools/virq-state"

static char *run_cmd(const char *cmd, int *status)
{
	static char out[1 << 16];
	size_t n = 0, r;
	FILE *f = popen(cmd, "r");

	out[0] = 0;
	if (!f) {
		*status = -1;
		return out;
	}
	while (n < sizeof(out) - 1 &&
	       (r = fread(out + n, 1, sizeof(out) - 1 - n, f)) > 0)
		n += r;
	out[n] = 0;
	*status = pclose(f);
	return out;
}

TEST(virq_state_tool)
{
	int dev = virq_open(), chip, v0, v1, id, st;
	char cmd[128], want[64];
	const char *out;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, access(VIRQ_STATE, X_OK));
	chip = full_chip(dev);
	ASSERT_LE(0, chip);
	id = chip_id_of(chip);
	v0 = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	v1 = ioctl(chip, VIRQ_CREATE_VCPU, 1);
	ASSERT_LE(0, v1);
	ASSERT_EQ(0, virq_pic_init_linux(chip));

	snprintf(cmd, sizeof(cmd), VIRQ_STATE " %d", id);
	out = run_cmd(cmd, &st);
	EXPECT_EQ(0, st);
	snprintf(want, sizeof(want), "=== chip %d ===", id);
	EXPECT_NE(NULL, strstr(out, want));
	/* Every view, devices first, vCPUs in order. */
	EXPECT_NE(NULL, strstr(out, "--- pic\nmaster: irr 00 imr 00"));
	EXPECT_NE(NULL, strstr(out, "--- ioapic0\nioapic 0: base 0xfec00000"));
	EXPECT_NE(NULL, strstr(out, "--- vcpu0\nvcpu 0: apic id 0"));
	EXPECT_NE(NULL, strstr(out, "--- vcpu1\nvcpu 1: apic id 1"));
	EXPECT_LT(strstr(out, "--- vcpu0"), strstr(out, "--- vcpu1"));
	EXPECT_NE(NULL, strstr(out, "--- routing\n"));
	EXPECT_NE(NULL, strstr(out, "--- irqfds\n0 irqfds ("));
	EXPECT_NE(NULL, strstr(out, "--- stats\n"));

	out = run_cmd(VIRQ_STATE " -l", &st);
	EXPECT_EQ(0, st);
	snprintf(want, sizeof(want), "%d\n", id);
	EXPECT_NE(NULL, strstr(out, want));

	/* A chip that does not exist: an error, not an empty success. */
	snprintf(cmd, sizeof(cmd), VIRQ_STATE " %d 2>&1", id + 100000);
	out = run_cmd(cmd, &st);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	EXPECT_NE(NULL, strstr(out, "no chip"));
	close(v0);
	close(v1);
	close(chip);
	close(dev);
}

TEST_HARNESS_MAIN
