// SPDX-License-Identifier: GPL-2.0
/*
 * Guest test "lapic": virq's local APIC behind virq-vmm, with 2 CPUs,
 * written from the Intel SDM (vol. 3, "Advanced Programmable Interrupt
 * Controller"). Covers ID/version, self-IPIs in xAPIC and x2APIC mode,
 * IRR/ISR/PPR, priority order and in-service blocking, TPR gating, IPIs
 * between CPUs, the broadcast shorthands, flat and cluster logical
 * destinations, lowest priority, NMI, the IA32_APIC_BASE transitions and
 * the #GP they and the x2APIC MSRs raise, relocation of the xAPIC page,
 * and the timer in one-shot, periodic and TSC-deadline modes (measured
 * against the PIT through the IOAPIC).
 */
#include "guest.h"

#define PHYS_RTE(cpu)	((u64)(cpu) << 56)
#define V_PIT		0xe0
#define V_TIMER		0xb0

static volatile int hits[256], hit_mask[256], order[32], norder;
static volatile int nmis[MAX_CPUS];
static volatile bool no_eoi[256], probe;
static volatile u32 isr_word_in_handler, ppr_in_handler;
static volatile u64 tsc_in_handler;

static void handler(struct frame *f)
{
	int v = f->vector;

	hits[v]++;
	__atomic_or_fetch(&hit_mask[v], 1 << cpu_id(), __ATOMIC_SEQ_CST);
	if (cpu_id() == 0 && norder < (int)ARRAY_SIZE(order))
		order[norder++] = v;
	if (v == V_TIMER)
		tsc_in_handler = rdtsc();
	if (probe) {	/* each read is an exit: only where a test wants it */
		isr_word_in_handler = apic_read(APIC_ISR + (v / 32) * 0x10);
		ppr_in_handler = apic_read(APIC_PPR);
	}
	if (!no_eoi[v])
		apic_eoi();
}

static void nmi_handler(struct frame *f)
{
	nmis[cpu_id()]++;
}

static void reset(void)
{
	int i;

	for (i = 0; i < 256; i++) {
		hits[i] = hit_mask[i] = 0;
		no_eoi[i] = false;
	}
	for (i = 0; i < MAX_CPUS; i++)
		nmis[i] = 0;
	norder = 0;
}

static void settle(void)
{
	int i;

	for (i = 0; i < 3; i++) {
		vm_roundtrip();
		irq_window();
	}
}

static bool irr_has(int v)
{
	return apic_read(APIC_IRR + (v / 32) * 0x10) & (1u << (v % 32));
}

static bool isr_has(int v)
{
	return apic_read(APIC_ISR + (v / 32) * 0x10) & (1u << (v % 32));
}

static void self_ipi(int v)
{
	apic_icr(0, ICR_SELF | ICR_FIXED | v);
}

/* Send from CPU 0 and wait until the CPUs in @want took vector @v. */
static bool ipi_reaches(u32 dest, u32 lo, int v, int want)
{
	reset();
	apic_icr(dest, lo | v);
	settle();
	WAIT_FOR((hit_mask[v] & want) == want, SPINS / 4);
	settle();
	if (hit_mask[v] != want)
		printf("# ICR 0x%x dest 0x%x: CPUs 0x%x, expected 0x%x\n",
		       lo | v, dest, hit_mask[v], want);
	return hit_mask[v] == want;
}

/* Sleep about @ms on the PIT (mode 0 through IOAPIC pin 2). */
static volatile int pit_fired;
static void pit_handler(struct frame *f)
{
	pit_fired++;
	apic_eoi();
}

static void pit_sleep(int ms)
{
	u32 count = ms * 1193;
	int i;

	if (count > 0xffff)
		count = 0xffff;
	pit_fired = 0;
	outb(0x43, 0x30);
	outb(0x40, count & 0xff);
	outb(0x40, count >> 8);
	for (i = 0; i < 100000 && !pit_fired; i++)
		sti_hlt();
	cli();
}

/* ---- basics ---- */

static void test_id_version(void)
{
	u32 a, b, c, d, ver = apic_read(APIC_VER);
	u64 base = rdmsr(MSR_APIC_BASE);

	cpuid(1, 0, &a, &b, &c, &d);
	ok(apic_id() == 0 && (b >> 24) == 0 && (ver & 0xff) >= 0x10 &&
	   (ver & 0xff) <= 0x15 && ((ver >> 16) & 0xff) >= 5,
	   "BSP: ID 0 as CPUID says, version 0x%x", ver);
	ok((base & 0xfffff000) == APIC_DEFAULT_BASE &&
	   (base & (APIC_BASE_BSP | APIC_BASE_EN)) ==
	   (APIC_BASE_BSP | APIC_BASE_EN) && !(base & APIC_BASE_EXTD),
	   "IA32_APIC_BASE 0x%llx: 0xfee00000, enabled, BSP", base);
	/*
	 * Under KVM, its paravirtual features that act on KVM's in-kernel
	 * LAPIC (async PF 4 and 10, PV EOI 6, PV unhalt 7, PV IPIs 11,
	 * sched-yield 13, async PF interrupts 14) and the extended MSI
	 * destination ID (15) are hidden: this VM's LAPIC is virq's.
	 */
	cpuid(0x40000000, 0, &a, &b, &c, &d);
	if (b == 0x4b4d564b)		/* "KVMKVMKVM" */
		cpuid(0x40000001, 0, &a, &b, &c, &d);
	else
		a = 0;
	ok(!(a & 0xecd0), "no KVM PV feature that needs KVM's LAPIC (0x%x)",
	   a);
}

static void ap_base(void *arg)
{
	*(u64 *)arg = rdmsr(MSR_APIC_BASE);
}

static void test_self_ipi(void)
{
	static const int want[] = { 0xa1, 0x91 };
	bool pending;

	reset();
	probe = true;
	self_ipi(0x90);
	pending = irr_has(0x90);
	settle();
	probe = false;
	ok(pending && hits[0x90] == 1 &&
	   (isr_word_in_handler & (1u << (0x90 % 32))) && !isr_has(0x90) &&
	   !irr_has(0x90),
	   "xAPIC self-IPI: IRR with IF=0, ISR in the handler, clear after");

	reset();
	self_ipi(0x91);
	self_ipi(0xa1);
	settle();
	ok(norder == 2 && order[0] == want[0] && order[1] == want[1],
	   "two pending vectors: the higher (0xa1) first");
}

static void test_priority(void)
{
	u32 ppr;
	bool blocked;

	/* In service 0x75 blocks its class (0x72), not a higher one (0x85). */
	reset();
	no_eoi[0x75] = true;
	self_ipi(0x75);
	settle();
	ppr = apic_read(APIC_PPR);
	self_ipi(0x72);
	settle();
	blocked = hits[0x72] == 0 && irr_has(0x72);
	self_ipi(0x85);
	settle();
	apic_eoi();		/* ends 0x75: 0x72 may come */
	settle();
	ok(ppr == 0x70 && blocked && norder == 3 && order[0] == 0x75 &&
	   order[1] == 0x85 && order[2] == 0x72,
	   "ISR 0x75: PPR 0x%x, blocks 0x72, lets 0x85 nest; EOI frees 0x72",
	   ppr);

	/* TPR holds back vectors at or below its class. */
	reset();
	apic_write(APIC_TPR, 0x50);
	self_ipi(0x45);
	self_ipi(0x55);
	settle();
	blocked = hits[0x45] == 0 && hits[0x55] == 0 &&
		  apic_read(APIC_PPR) == 0x50;
	self_ipi(0x65);
	settle();
	apic_write(APIC_TPR, 0);
	settle();
	ok(blocked && norder == 3 && order[0] == 0x65 && order[1] == 0x55 &&
	   order[2] == 0x45,
	   "TPR 0x50 holds 0x45 and 0x55, lets 0x65; lowering TPR delivers");

	apic_write(APIC_TPR, 0x2a);
	ok(apic_read(APIC_TPR) == 0x2a, "TPR keeps its sub-class bits (0x%x)",
	   apic_read(APIC_TPR));
	apic_write(APIC_TPR, 0);
}

/* ---- between CPUs ---- */

static volatile int ap_sent;
static void ap_send_to_bsp(void *arg)
{
	apic_icr(0, ICR_FIXED | (u32)arg);
	ap_sent = 1;
}

static void set_logical(void *arg)
{
	if (arg == 0) {
		apic_write(APIC_DFR, 0xffffffff);
		apic_write(APIC_LDR, (1u << cpu_id()) << 24);
	} else {
		apic_write(APIC_DFR, 0x0fffffff);
		apic_write(APIC_LDR, ((1u << 4) | (1u << cpu_id())) << 24);
	}
}

static void test_ipis(void)
{
	bool a, b, c;

	ok(ipi_reaches(1, ICR_FIXED, 0x92, 2), "fixed IPI to CPU 1");
	reset();
	on_cpu(1, ap_send_to_bsp, (void *)0x93);
	settle();
	ok(hits[0x93] == 1 && hit_mask[0x93] == 1, "fixed IPI from CPU 1 to 0");

	a = ipi_reaches(0, ICR_ALL, 0x94, 3);
	b = ipi_reaches(0, ICR_OTHERS, 0x95, 2);
	c = ipi_reaches(0xff, ICR_FIXED, 0x96, 3);
	ok(a && b && c, "all-including-self, all-excluding-self, "
	   "destination 0xff");

	on_cpu(0, set_logical, (void *)0);
	on_cpu(1, set_logical, (void *)0);
	a = ipi_reaches(0x02, ICR_LOGICAL, 0x97, 2);
	b = ipi_reaches(0x03, ICR_LOGICAL, 0x98, 3);
	c = ipi_reaches(0x04, ICR_LOGICAL, 0x99, 0);
	ok(a && b && c, "logical flat: 0x02, 0x03, 0x04 (nobody)");

	reset();
	apic_icr(0x03, ICR_LOGICAL | ICR_LOWEST | 0x9a);
	settle();
	WAIT_FOR(hits[0x9a] >= 1, SPINS / 4);
	settle();
	ok(hits[0x9a] == 1, "lowest priority to 0x03: one CPU (mask 0x%x)",
	   hit_mask[0x9a]);

	on_cpu(0, set_logical, (void *)1);
	on_cpu(1, set_logical, (void *)1);
	a = ipi_reaches(0x12, ICR_LOGICAL, 0x9b, 2);
	b = ipi_reaches(0x13, ICR_LOGICAL, 0x9c, 3);
	c = ipi_reaches(0x23, ICR_LOGICAL, 0x9d, 0);
	ok(a && b && c, "logical cluster: 1/0x2, 1/0x3, 2/0x3 (nobody)");
	on_cpu(0, set_logical, (void *)0);
	on_cpu(1, set_logical, (void *)0);
}

static void test_nmi(void)
{
	reset();
	apic_icr(0, ICR_SELF | ICR_NMI);
	vm_roundtrip();
	ok(nmis[0] == 1, "self NMI with IF=0 is taken at once");
	reset();
	apic_icr(1, ICR_NMI);
	WAIT_FOR(nmis[1] == 1, SPINS / 4);
	ok(nmis[1] == 1 && nmis[0] == 0, "NMI to CPU 1 wakes its HLT");
}

/* ---- x2APIC ---- */

static void go_x2apic(void *arg)
{
	x2apic_enable();
}

static void go_xapic(void *arg)
{
	x2apic_disable();
	apic_enable();
}

static void test_x2apic(void)
{
	u64 v;
	int gp_ro, gp_wo, gp_rsvd, gp_icr2, gp_dfr, gp_xapic;
	u32 ldr0;

	gp_xapic = rdmsr_safe(0x802, &v);
	on_cpu(0, go_x2apic, NULL);
	on_cpu(1, go_x2apic, NULL);
	ok(gp_xapic == -1 && rdmsr(0x802) == 0 &&
	   (rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD),
	   "x2APIC: MSRs fault in xAPIC mode; enabled, ID MSR reads 0");

	reset();
	wrmsr(0x83f, 0xa2);	/* SELF IPI register */
	settle();
	ok(hits[0xa2] == 1, "x2APIC self-IPI through MSR 0x83f");

	ok(ipi_reaches(1, ICR_FIXED, 0xa3, 2) &&
	   ipi_reaches(0xffffffff, ICR_FIXED, 0xa4, 3),
	   "x2APIC ICR (MSR 0x830): CPU 1, broadcast 0xffffffff");

	ldr0 = apic_read(APIC_LDR);
	ok(ldr0 == 0x00000001 && ipi_reaches(0x00000002, ICR_LOGICAL, 0xa5, 2) &&
	   ipi_reaches(0x00000003, ICR_LOGICAL, 0xa6, 3),
	   "x2APIC logical: LDR 0x%x (cluster 0, bit 0); 0x2, 0x3", ldr0);

	gp_ro = wrmsr_safe(0x802, 5);		/* ID: read-only */
	gp_wo = rdmsr_safe(0x80b, &v);		/* EOI: write-only */
	gp_rsvd = rdmsr_safe(0x801, &v);	/* reserved */
	gp_icr2 = rdmsr_safe(0x831, &v);	/* no ICR2 in x2APIC */
	gp_dfr = rdmsr_safe(0x80e, &v);		/* no DFR in x2APIC */
	ok(gp_ro == -1 && gp_wo == -1 && gp_rsvd == -1 && gp_icr2 == -1 &&
	   gp_dfr == -1 && rdmsr_safe(0x83f, &v) == -1,
	   "x2APIC GP faults: ID write, EOI read, 0x801, ICR2, DFR, SELF IPI "
	   "read (%d %d %d %d %d)", gp_ro, gp_wo, gp_rsvd, gp_icr2, gp_dfr);

	on_cpu(1, go_xapic, NULL);
	on_cpu(0, go_xapic, NULL);
	ok(!(rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD) &&
	   (apic_read(APIC_ID) >> 24) == 0 && ipi_reaches(1, ICR_FIXED, 0xa7, 2),
	   "back to xAPIC through disabled; IPIs work again");
}

/* ---- IA32_APIC_BASE ---- */

static void test_apic_base(void)
{
	u64 base = rdmsr(MSR_APIC_BASE), ap = 0, v;
	u32 svr_after;
	int to_x2_from_dis, extd_only, x2_to_x, rsvd;

	on_cpu(1, ap_base, &ap);
	ok(!(ap & APIC_BASE_BSP) && (ap & APIC_BASE_EN),
	   "CPU 1: IA32_APIC_BASE 0x%llx without the BSP flag", ap);

	/* Disabled (EN=0, EXTD=0) resets the APIC; only xAPIC may follow. */
	wrmsr(MSR_APIC_BASE, base & ~(u64)APIC_BASE_EN);
	extd_only = wrmsr_safe(MSR_APIC_BASE,
			       (base & ~(u64)APIC_BASE_EN) | APIC_BASE_EXTD);
	to_x2_from_dis = wrmsr_safe(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	wrmsr(MSR_APIC_BASE, base);
	svr_after = apic_read(APIC_SVR);
	ok(extd_only == -1 && to_x2_from_dis == -1 && !(svr_after & 0x100),
	   "disabled -> EXTD alone and -> x2APIC fault; -> xAPIC resets "
	   "(SVR 0x%x)", svr_after);
	apic_enable();

	wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	this_cpu()->x2apic = true;
	x2_to_x = wrmsr_safe(MSR_APIC_BASE, base);
	rsvd = wrmsr_safe(MSR_APIC_BASE, base | APIC_BASE_EXTD | (1u << 9));
	v = rdmsr(MSR_APIC_BASE);
	x2apic_disable();
	apic_enable();
	ok(x2_to_x == -1 && rsvd == -1 && (v & APIC_BASE_EXTD),
	   "x2APIC -> xAPIC and a reserved bit fault; the state stays");
}

static void test_relocation(void)
{
	u64 base = rdmsr(MSR_APIC_BASE);
	u32 newb = 0xfed00000, id, old;

	wrmsr(MSR_APIC_BASE, (base & 0xfff) | newb);
	apic_base = newb;
	id = apic_read(APIC_ID);
	old = mmio_read32(APIC_DEFAULT_BASE + APIC_VER);
	reset();
	self_ipi(0xa8);
	settle();
	ok(id == 0 && old == 0xffffffff && hits[0xa8] == 1,
	   "relocated to 0xfed00000: registers there, none at the old base");
	wrmsr(MSR_APIC_BASE, base);
	apic_base = APIC_DEFAULT_BASE;
}

/* ---- timer ---- */

static void test_timer(void)
{
	u32 cur, after;
	int n, i;

	/* One-shot, divide by 1: 200000 bus cycles. */
	reset();
	apic_write(APIC_TDCR, 0xb);
	apic_write(APIC_LVTT, V_TIMER);
	apic_write(APIC_TMICT, 200000);
	cur = apic_read(APIC_TMCCT);
	for (i = 0; i < 100000 && !hits[V_TIMER]; i++)
		sti_hlt();
	cli();
	after = apic_read(APIC_TMCCT);
	ok(hits[V_TIMER] == 1 && cur <= 200000 && cur > 0 && after == 0,
	   "one-shot: fires once, current count %u then 0", cur);

	/* Periodic, 10 ms: five periods, then a zero count stops it. */
	reset();
	apic_write(APIC_LVTT, V_TIMER | (1u << 17));
	apic_write(APIC_TMICT, 1000000);
	for (i = 0; i < 100000 && hits[V_TIMER] < 5; i++)
		sti_hlt();
	cli();
	n = hits[V_TIMER];
	apic_write(APIC_TMICT, 0);
	settle();
	n = hits[V_TIMER];
	pit_sleep(20);
	ok(n >= 5 && n <= 7 && hits[V_TIMER] == n &&
	   apic_read(APIC_TMCCT) == 0,
	   "periodic: %d interrupts, none after the count is zeroed", n);

	/* Masked: it counts down, nothing is delivered. */
	reset();
	apic_write(APIC_LVTT, V_TIMER | (1u << 16));
	apic_write(APIC_TMICT, 100000);
	pit_sleep(20);
	ok(hits[V_TIMER] == 0 && apic_read(APIC_TMCCT) == 0,
	   "masked one-shot: expires without an interrupt");
}

/* virq-vmm's fw_cfg features: bit 0, virq reads our TSC exactly. */
#define FWCFG_VMM_FEATURES	0x7f00

/*
 * RDTSC, then (interrupts on) IA32_TSC_DEADLINE = that TSC minus @back:
 * the deadline has passed, so the timer's interrupt is taken at the
 * boundary after the WRMSR, before the next instruction loads the count.
 * Returns how many timer interrupts that load saw.
 */
static int deadline_now_taken(u32 back)
{
	int before = hits[V_TIMER], after;
	u32 lo, hi;

	__asm__ __volatile__("rdtsc\n\t"
			     "subl %[back], %%eax\n\t"
			     "sbbl $0, %%edx\n\t"
			     "sti\n\t"
			     "wrmsr\n\t"
			     "movl %[h], %[after]\n\t"
			     "cli"
			     : "=&a"(lo), "=&d"(hi), [after] "=&r"(after)
			     : "c"(MSR_TSC_DEADLINE), [h] "m"(hits[V_TIMER]),
			       [back] "r"(back)
			     : "memory");
	return after - before;
}

static void test_tsc_deadline(void)
{
	u64 deadline, delta = 10000000, v = 1;
	bool exact;

	if (!has_tsc_deadline()) {
		ok(0, "CPUID advertises the TSC-deadline timer");
		return;
	}
	reset();
	apic_write(APIC_LVTT, V_TIMER | (2u << 17));
	apic_write(APIC_TMICT, 100);	/* ignored in TSC-deadline mode */
	deadline = rdtsc() + delta;
	wrmsr(MSR_TSC_DEADLINE, deadline);
	while (!hits[V_TIMER] && v++ < 100000)
		sti_hlt();
	cli();
	/*
	 * The VMM tells virq the guest TSC as a function of its monotonic
	 * clock; allow 2% of the interval for that calibration.
	 */
	ok(hits[V_TIMER] == 1 && tsc_in_handler + delta / 50 >= deadline &&
	   rdmsr(MSR_TSC_DEADLINE) == 0,
	   "TSC deadline fires once, not early (%lld ticks after), then "
	   "reads 0", (s64)(tsc_in_handler - deadline));

	reset();
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + 1000000000000ULL);
	wrmsr(MSR_TSC_DEADLINE, 0);	/* disarm */
	pit_sleep(10);
	wrmsr(MSR_TSC_DEADLINE, 1);	/* in the past: now */
	for (v = 0; v < 100000 && !hits[V_TIMER]; v++)
		sti_hlt();
	cli();
	ok(hits[V_TIMER] == 1, "writing 0 disarms; a past deadline fires at "
	   "once");

	/*
	 * With the exact clock the TSC just read is in the past for virq
	 * too; with the VMM's monotonic model it may lag by the sample's
	 * error, so the deadline goes 16M ticks (some ms) back instead.
	 */
	exact = fwcfg_read(FWCFG_VMM_FEATURES, 4) & 1;
	reset();
	for (v = 0; v < 100 && deadline_now_taken(exact ? 0 : 1u << 24) == 1;
	     v++)
		;
	ok(v == 100, "a deadline of the TSC just read%s is taken before the "
	   "next instruction (%d of 100)", exact ? "" : " (less 16M ticks: "
	   "not an exact clock)", (int)v);
	apic_write(APIC_LVTT, 1u << 16);
}

int main(void)
{
	u64 ap = 0;
	int v, n;

	for (v = 0x40; v < 0xf0; v++)
		set_handler(v, handler);
	set_handler(V_PIT, pit_handler);
	set_handler(2, nmi_handler);
	plan(34);
	pic_init(0x20, 0x28, false);
	apic_enable();
	ioapic_mask_all();
	ioapic_set_rte(2, V_PIT | PHYS_RTE(0));
	n = smp_boot();
	on_cpu(1, ap_base, &ap);
	ok(n == 2 && (ap & APIC_BASE_EN), "2 CPUs online (%d)", n);

	test_id_version();
	test_self_ipi();
	test_priority();
	test_ipis();
	test_nmi();
	test_x2apic();
	test_apic_base();
	test_relocation();
	test_timer();
	test_tsc_deadline();
	ok(unexpected_irqs == 0, "no unexpected vectors (%d)", unexpected_irqs);
	return tap_done();
}
