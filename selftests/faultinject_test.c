// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures, one at a time: every ioctl that allocates is run
 * with its 1st, 2nd, ... allocation failed (the kernel's fail-nth: write
 * N to /proc/thread-self/fail-nth and the N-th fault-injection point this
 * thread reaches fails), until a run reaches none. Each failed run must
 * return ENOMEM (or the errno the failing kernel service gives), leave
 * nothing behind (no fd, no module reference; kmemleak scans at the end
 * of the VM) and change nothing: the old routing still routes, an APIC ID
 * whose vCPU failed can be created afterwards, an eventfd whose binding
 * failed can be bound.
 *
 * Needs CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS (the debug
 * test kernel); /init runs it only where /sys/kernel/debug/failslab is.
 */
#include <dirent.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include "virq_test.h"

#define FAILSLAB "/sys/kernel/debug/failslab/"
#define MAX_NTH 400

static int nth_fd = -1;

/* Fail the n-th injection point from here on (0: none). */
static void fail_nth(int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	if (pwrite(nth_fd, buf, len, 0) != len)
		abort();
}

/* Was the n-th point reached? (fail-nth reads 0 once it fired.) */
static int fired(void)
{
	char buf[16] = "";

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		abort();
	fail_nth(0);
	return atoi(buf) == 0;
}

static int setup_failslab(void)
{
	/* GFP_KERNEL allocations are ignored by default: not here. */
	if (virq_write_file(FAILSLAB "ignore-gfp-wait", "N") ||
	    virq_write_file(FAILSLAB "verbose", "0"))
		return -1;
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	return nth_fd < 0 ? -1 : 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static long module_refs(void)
{
	return virq_read_number("/sys/module/virq/refcnt", "");
}

/*
 * Run @op with allocation 1, 2, ... failed until a run reaches no
 * injection point that fails. @op returns the ioctl's result (-1 with
 * errno on failure); @undo releases what a successful run made; @check
 * runs after each failed run and reports whether the state is intact.
 */
struct fi_case {
	const char *name;
	int (*op)(void *ctx);
	void (*undo)(void *ctx, int ret);
	int (*check)(void *ctx);
	void *ctx;
};

static int run_case(struct __test_metadata *_metadata, struct fi_case *c)
{
	int n, r, err, fds, fails = 0, absorbed = 0;
	long refs;

	for (n = 1; n <= MAX_NTH; n++) {
		fds = count_fds();
		refs = module_refs();
		fail_nth(n);
		r = c->op(c->ctx);
		err = errno;
		if (!fired()) {
			/* Every allocation it makes succeeded: done. */
			EXPECT_LE(0, r) {
				TH_LOG("%s: fails (errno %d) with no fault injected",
				       c->name, err);
			}
			if (r >= 0 && c->undo)
				c->undo(c->ctx, r);
			TH_LOG("%s: %d allocation failures returned, %d absorbed",
			       c->name, fails, absorbed);
			return fails;
		}
		if (r >= 0) {
			/*
			 * The failure was absorbed: a fallback, or not ours
			 * (kmemleak's own objects come from the slab and fall
			 * back to its pool). Undo, go on.
			 */
			absorbed++;
			if (c->undo)
				c->undo(c->ctx, r);
			continue;
		}
		fails++;
		EXPECT_EQ(ENOMEM, err) {
			TH_LOG("%s: allocation %d failed: errno %d", c->name, n,
			       err);
		}
		EXPECT_EQ(fds, count_fds()) {
			TH_LOG("%s: allocation %d failed: an fd leaked", c->name,
			       n);
		}
		EXPECT_EQ(refs, module_refs()) {
			TH_LOG("%s: allocation %d failed: module reference",
			       c->name, n);
		}
		if (c->check)
			EXPECT_EQ(0, c->check(c->ctx)) {
				TH_LOG("%s: allocation %d failed: state changed",
				       c->name, n);
			}
	}
	TH_LOG("%s: still injecting after %d allocations", c->name, MAX_NTH);
	EXPECT_TRUE(0);
	return fails;
}

struct ctx {
	int dev, chip, vcpu, efd, rfd;
	unsigned int apic_id;		/* the next vCPU's */
	int new_table_seen;
	unsigned int rt_base;		/* the new table's first GSI */
	struct virq_irq_routing *rt;
};

static int full_chip(int dev, unsigned int nv)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC | VIRQ_CHIP_LAPIC,
		.nr_ioapics = 2, .ioapic_gsi_base = { 0, 24 },
		.max_vcpus = nv,
	};

	return ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
}

static int op_create_chip(void *p)
{
	return full_chip(((struct ctx *)p)->dev, 8);
}

static void undo_close(void *p, int fd)
{
	close(fd);
}

static int op_open_dev(void *p)
{
	return open("/dev/virq", O_RDWR | O_CLOEXEC);
}

static int op_create_vcpu(void *p)
{
	struct ctx *c = p;

	return ioctl(c->chip, VIRQ_CREATE_VCPU, c->apic_id);
}

/* A vCPU lives as long as its chip: the next try takes a new ID. */
static void undo_vcpu(void *p, int fd)
{
	close(fd);
	((struct ctx *)p)->apic_id++;
}

/* The APIC ID whose creation failed is free: created here. */
static int check_vcpu_id_free(void *p)
{
	struct ctx *c = p;
	int v = ioctl(c->chip, VIRQ_CREATE_VCPU, c->apic_id);

	if (v < 0)
		return -1;
	undo_vcpu(c, v);
	return 0;
}

static int op_map_run(void *p)
{
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
		       ((struct ctx *)p)->vcpu, 0);

	if (m == MAP_FAILED)
		return -1;
	munmap(m, 4096);
	return 0;
}

/*
 * The new table: 60 GSIs from rt_base, IOAPIC 1's pins and MSIs (small
 * enough that its copies come from the slab, failslab's reach). Each try
 * uses GSIs whose statistics blocks do not exist yet, so that their
 * allocation is among those failed in turn.
 */
static int op_set_routing(void *p)
{
	struct virq_irq_routing *rt;
	struct ctx *c = p;
	int i;

	if (c->rt_base + 60 > VIRQ_NR_GSIS) {
		errno = ERANGE;		/* too many tries: fails the case */
		return -1;
	}
	rt = c->rt;
	rt->nr = 60;
	for (i = 0; i < 60; i++) {
		memset(&rt->entries[i], 0, sizeof(rt->entries[i]));
		rt->entries[i].gsi = c->rt_base + i;
		if (i % 2) {
			rt->entries[i].type = VIRQ_IRQ_ROUTING_IRQCHIP;
			rt->entries[i].u.irqchip.irqchip = VIRQ_IRQCHIP_IOAPIC(1);
			rt->entries[i].u.irqchip.pin = i % 24;
		} else {
			rt->entries[i].type = VIRQ_IRQ_ROUTING_MSI;
			rt->entries[i].u.msi.address_lo = 0xfee00000;
			rt->entries[i].u.msi.data = 0x40 + i % 64;
		}
	}
	return ioctl(c->chip, VIRQ_SET_GSI_ROUTING, c->rt);
}

static int check_old_routing(void *p);

/* After each try: the next one's GSIs are in fresh statistics blocks. */
static int check_old_routing_next(void *p)
{
	struct ctx *c = p;
	int r = check_old_routing(c);

	c->rt_base += 128;
	return r;
}

/*
 * The table the update replaces: GSI 100 to IOAPIC 1's pin 16 (the
 * default table does not route GSI 100: a reset to it would show).
 */
static int set_old_routing(struct ctx *c)
{
	struct {
		struct virq_irq_routing rt;
		struct virq_irq_routing_entry e;
	} t = {
		.rt.nr = 1,
		.e = { .gsi = 100, .type = VIRQ_IRQ_ROUTING_IRQCHIP,
		       .u.irqchip = { VIRQ_IRQCHIP_IOAPIC(1), 16 } },
	};

	return ioctl(c->chip, VIRQ_SET_GSI_ROUTING, &t);
}

/* A run that succeeded installed the new table: seen, then undone. */
static void undo_routing(void *p, int r)
{
	struct ctx *c = p;

	c->new_table_seen += check_old_routing(c) == -1;
	c->rt_base += 128;
	set_old_routing(c);
}

/*
 * The table before the failed update still routes GSI 100 to pin 16,
 * and the new one's GSI rt_base + 1 (pin 1) is not routed. Both pins are
 * level-triggered, so that the state's irr shows their lines.
 */
static int check_old_routing(void *p)
{
	struct ctx *c = p;
	struct virq_irqchip ic = { .chip_id = VIRQ_IRQCHIP_STATE_IOAPIC(1) };
	int r;

	if (virq_line(c->chip, 100, 1) < -1)
		return -1;
	r = ioctl(c->chip, VIRQ_GET_IRQCHIP, &ic);
	virq_line(c->chip, 100, 0);
	if (r || !(ic.chip.ioapic.irr & (1u << 16)))
		return -1;
	if (virq_line(c->chip, c->rt_base + 1, 1) < -1)
		return -1;
	r = ioctl(c->chip, VIRQ_GET_IRQCHIP, &ic);
	virq_line(c->chip, c->rt_base + 1, 0);
	return r || (ic.chip.ioapic.irr & (1u << 1)) ? -1 : 0;
}

/* Bind the eventfd to @gsi (@flags: RESAMPLE, or 0), or DEASSIGN it. */
static int irqfd(struct ctx *c, unsigned int gsi, unsigned int flags)
{
	struct virq_irqfd_args a = { .fd = c->efd, .gsi = gsi,
				     .flags = flags };

	if (flags & VIRQ_IRQFD_FLAG_RESAMPLE)
		a.resamplefd = c->rfd;
	return ioctl(c->chip, VIRQ_IRQFD, &a);
}

static int op_irqfd(void *p)
{
	return irqfd(p, 41, 0);
}

static void undo_irqfd(void *p, int r)
{
	irqfd(p, 41, VIRQ_IRQFD_FLAG_DEASSIGN);
}

static int op_irqfd_resample(void *p)
{
	return irqfd(p, 42, VIRQ_IRQFD_FLAG_RESAMPLE);
}

static void undo_irqfd_resample(void *p, int r)
{
	irqfd(p, 42, VIRQ_IRQFD_FLAG_DEASSIGN);
}

/* A failed binding leaves the eventfd unbound: DEASSIGN finds nothing. */
static int check_unbound(void *p)
{
	return irqfd(p, 41, VIRQ_IRQFD_FLAG_DEASSIGN) == -1 &&
	       errno == ENOENT &&
	       irqfd(p, 42, VIRQ_IRQFD_FLAG_DEASSIGN) == -1 &&
	       errno == ENOENT ? 0 : -1;
}

static int op_line_new_gsi(void *p)
{
	struct ctx *c = p;
	static unsigned int gsi = 24;	/* IOAPIC 1's pins, masked */
	struct virq_irq_level l = { .irq = gsi++, .level = 1 };

	/* Its first raise: the GSI's statistics block is allocated. */
	return ioctl(c->chip, VIRQ_IRQ_LINE_STATUS, &l) ? -1 : 0;
}

static int op_get_stats(void *p)
{
	static char buf[1 << 16];
	struct virq_stats_args a = { .buf = (uintptr_t)buf,
				     .size = sizeof(buf) };

	return ioctl(((struct ctx *)p)->chip, VIRQ_GET_STATS, &a);
}

static int op_get_set_lapic(void *p)
{
	static struct virq_lapic_state st;
	struct ctx *c = p;

	if (ioctl(c->vcpu, VIRQ_GET_LAPIC, &st))
		return -1;
	return ioctl(c->vcpu, VIRQ_SET_LAPIC, &st);
}

static int op_get_set_ioapic(void *p)
{
	struct virq_irqchip ic = { .chip_id = VIRQ_IRQCHIP_STATE_IOAPIC(0) };
	struct ctx *c = p;

	if (ioctl(c->chip, VIRQ_GET_IRQCHIP, &ic))
		return -1;
	return ioctl(c->chip, VIRQ_SET_IRQCHIP, &ic);
}

FIXTURE(fi) {
	struct ctx c;
};

FIXTURE_SETUP(fi)
{
	struct virq_irq_routing *rt;

	if (access(FAILSLAB, F_OK))
		SKIP(return, "no failslab in this kernel");
	ASSERT_EQ(0, setup_failslab());
	self->c.dev = virq_open();
	ASSERT_LE(0, self->c.dev);
	self->c.chip = full_chip(self->c.dev, 64);
	self->c.apic_id = 1;
	ASSERT_LE(0, self->c.chip);
	self->c.vcpu = ioctl(self->c.chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, self->c.vcpu);
	self->c.efd = eventfd(0, EFD_CLOEXEC);
	self->c.rfd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, self->c.efd);
	ASSERT_LE(0, self->c.rfd);
	rt = calloc(1, sizeof(*rt) + 60 * sizeof(rt->entries[0]));
	ASSERT_NE(NULL, rt);
	self->c.rt_base = 128;
	self->c.rt = rt;
}

FIXTURE_TEARDOWN(fi)
{
	if (nth_fd >= 0)
		fail_nth(0);
	free(self->c.rt);
	close(self->c.efd);
	close(self->c.rfd);
	close(self->c.vcpu);
	close(self->c.chip);
	close(self->c.dev);
}

TEST_F(fi, open_and_create_chip)
{
	struct fi_case a = { "open /dev/virq", op_open_dev, undo_close, NULL,
			     &self->c };
	struct fi_case b = { "VIRQ_CREATE_CHIP", op_create_chip, undo_close,
			     NULL, &self->c };

	/* A raise never fails on its statistics (chip.c): only absorbed. */
	run_case(_metadata, &a);
	EXPECT_LT(0, run_case(_metadata, &b));
}

TEST_F(fi, create_vcpu_and_map)
{
	struct fi_case a = { "VIRQ_CREATE_VCPU", op_create_vcpu, undo_vcpu,
			     check_vcpu_id_free, &self->c };
	struct fi_case b = { "mmap run page", op_map_run, NULL, NULL,
			     &self->c };

	EXPECT_LT(0, run_case(_metadata, &a));
	run_case(_metadata, &b);
}

TEST_F(fi, routing_update_keeps_the_old_table)
{
	struct fi_case a = { "VIRQ_SET_GSI_ROUTING", op_set_routing,
			     undo_routing, check_old_routing_next, &self->c };
	struct virq_irqchip ic = { .chip_id = VIRQ_IRQCHIP_STATE_IOAPIC(1) };

	/* GSI 100 is IOAPIC 1's pin 16, level and unmasked; pin 1 level. */
	ASSERT_EQ(0, set_old_routing(&self->c));
	ASSERT_EQ(0, ioctl(self->c.chip, VIRQ_GET_IRQCHIP, &ic));
	ic.chip.ioapic.redirtbl[16] = 0x8050;	/* level, vector 0x50 */
	ic.chip.ioapic.redirtbl[1] = 0x18051;	/* level, masked */
	ASSERT_EQ(0, ioctl(self->c.chip, VIRQ_SET_IRQCHIP, &ic));
	ASSERT_EQ(0, check_old_routing(&self->c));
	EXPECT_LT(0, run_case(_metadata, &a));
	/* Each run that succeeded had installed the new table. */
	EXPECT_LT(0, self->c.new_table_seen);
}

TEST_F(fi, irqfd_bindings)
{
	struct fi_case a = { "VIRQ_IRQFD", op_irqfd, undo_irqfd,
			     check_unbound, &self->c };
	struct fi_case b = { "VIRQ_IRQFD resample", op_irqfd_resample,
			     undo_irqfd_resample, check_unbound, &self->c };

	EXPECT_LT(0, run_case(_metadata, &a));
	EXPECT_LT(0, run_case(_metadata, &b));
}

TEST_F(fi, injection_and_state)
{
	struct fi_case a = { "IRQ_LINE of a new GSI", op_line_new_gsi, NULL,
			     NULL, &self->c };
	struct fi_case b = { "VIRQ_GET_STATS", op_get_stats, NULL, NULL,
			     &self->c };
	struct fi_case c = { "GET/SET_LAPIC", op_get_set_lapic, NULL, NULL,
			     &self->c };
	struct fi_case d = { "GET/SET_IRQCHIP", op_get_set_ioapic, NULL, NULL,
			     &self->c };

	struct virq_chip_config pic_ioapic = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC, .nr_ioapics = 1,
		.max_vcpus = 1,
	};
	struct ctx nolapic = self->c;
	struct fi_case e = { "GET/SET_LAPIC without LAPICs", op_get_set_lapic,
			     NULL, NULL, &nolapic };

	/* A raise never fails on its statistics (chip.c): only absorbed. */
	run_case(_metadata, &a);
	EXPECT_LT(0, run_case(_metadata, &b));
	EXPECT_LT(0, run_case(_metadata, &c));
	EXPECT_LT(0, run_case(_metadata, &d));
	nolapic.chip = ioctl(self->c.dev, VIRQ_CREATE_CHIP, &pic_ioapic);
	ASSERT_LE(0, nolapic.chip);
	nolapic.vcpu = ioctl(nolapic.chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, nolapic.vcpu);
	EXPECT_LT(0, run_case(_metadata, &e));
	close(nolapic.vcpu);
	close(nolapic.chip);
}

TEST_HARNESS_MAIN
