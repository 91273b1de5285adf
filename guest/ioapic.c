// SPDX-License-Identifier: GPL-2.0
/*
 * Guest test "ioapic": the IOAPIC (82093AA, version 0x20) behind
 * virq-vmm, with 2 CPUs. Lines are driven with the test device (GSI N ->
 * pin N; GSI 0 -> pin 2). Covers the ID/version registers and read-only
 * RTE bits, edge delivery (one interrupt per edge, coalescing in the
 * LAPIC's IRR), level delivery with remote IRR (set while in service,
 * blocking, re-delivery on EOI while the line stays asserted), polarity,
 * masking (an edge while masked is lost, a level is seen on unmask),
 * physical, logical flat and cluster destinations, lowest priority,
 * reprogramming an entry inside its handler, and the EOI register (with
 * EOI-broadcast suppression if the LAPIC offers it).
 */
#include "guest.h"

#define PHYS(cpu)	((u64)(cpu) << 56)
#define V_EDGE		0x40
#define V_TIMER		0x41
#define V_PIN0		0x42
#define V_LEVEL		0x50
#define V_HOLD		0x51
#define V_LOW		0x52
#define V_REPROG	0x60
#define V_MOVE		0x61
#define V_EOIREG	0x70
#define V_DEST		0x80

static volatile int hits[256], hit_cpu[256], hit_mask[256];
static volatile u64 rte_seen;
static volatile int lower_at;

static void count(struct frame *f)
{
	hits[f->vector]++;
	hit_cpu[f->vector] = cpu_id();
	__atomic_or_fetch(&hit_mask[f->vector], 1 << cpu_id(), __ATOMIC_SEQ_CST);
}

static void plain(struct frame *f)
{
	count(f);
	apic_eoi();
}

static void reset(void)
{
	int i;

	for (i = 0; i < 256; i++)
		hits[i] = hit_cpu[i] = hit_mask[i] = 0;
}

static void settle(void)
{
	int i;

	for (i = 0; i < 3; i++) {
		vm_roundtrip();
		irq_window();
	}
}

/* ---- registers ---- */

static void test_registers(void)
{
	u32 ver = ioapic_read(1), id = ioapic_read(0);
	u64 want = 0x4a | (1u << 8) | RTE_LOGICAL | RTE_LOW | RTE_LEVEL |
		   RTE_MASKED | ((u64)0xa5 << 56), got;

	ioapic_write(0, 0x0a000000);
	ok((ver & 0xff) == 0x20 && ((ver >> 16) & 0xff) == 23 &&
	   (ioapic_read(0) & 0x0f000000) == 0x0a000000,
	   "version 0x%x: 0x20 with 24 entries; ID writable", ver);
	ioapic_write(0, id);

	ioapic_set_rte(9, want | RTE_DELIVS | RTE_REMOTE_IRR);
	got = ioapic_rte(9);
	ok(got == want, "RTE written with delivery status and remote IRR "
	   "reads back without them (0x%llx)", got);
	ioapic_set_rte(9, RTE_MASKED);
}

/* ---- edge ---- */

static void test_edge(void)
{
	int first, held;

	reset();
	ioapic_set_rte(3, V_EDGE | PHYS(0));
	set_gsi(3, 1);
	settle();
	first = hits[V_EDGE];
	set_gsi(3, 1);
	settle();
	held = hits[V_EDGE];
	set_gsi(3, 0);
	set_gsi(3, 1);
	settle();
	set_gsi(3, 0);
	ok(first == 1 && held == 1 && hits[V_EDGE] == 2 && hit_cpu[V_EDGE] == 0,
	   "edge: one interrupt per rising edge (%d, %d, %d)", first, held,
	   hits[V_EDGE]);

	/* Three edges while the CPU cannot take them: one in the IRR. */
	reset();
	set_gsi(3, 1);
	set_gsi(3, 0);
	set_gsi(3, 1);
	set_gsi(3, 0);
	set_gsi(3, 1);
	set_gsi(3, 0);
	settle();
	ok(hits[V_EDGE] == 1, "edge: three edges with IF=0 coalesce to one "
	   "(%d)", hits[V_EDGE]);
	ioapic_set_rte(3, RTE_MASKED);

	/* GSI 0 is wired to pin 2 (the timer override), pin 0 to nothing. */
	reset();
	ioapic_set_rte(2, V_TIMER | PHYS(0));
	ioapic_set_rte(0, V_PIN0 | PHYS(0));
	set_gsi(0, 1);
	settle();
	set_gsi(0, 0);
	ok(hits[V_TIMER] == 1 && hits[V_PIN0] == 0,
	   "GSI 0 reaches pin 2, not pin 0");
	ioapic_set_rte(2, RTE_MASKED);
	ioapic_set_rte(0, RTE_MASKED);
}

/* ---- level ---- */

static void level_handler(struct frame *f)
{
	count(f);
	rte_seen = ioapic_rte(5);
	if (hits[f->vector] >= lower_at)
		set_gsi(5, 0);
	apic_eoi();
}

static volatile bool release;

static void hold_handler(struct frame *f)
{
	count(f);
	rte_seen = ioapic_rte(5);
	if (release) {
		set_gsi(5, 0);
		apic_eoi();
	}
	/* Otherwise no EOI: remote IRR stays set. */
}

static void test_level(void)
{
	u64 rte;
	int before;

	reset();
	lower_at = 3;
	ioapic_set_rte(5, V_LEVEL | RTE_LEVEL | PHYS(0));
	set_gsi(5, 1);
	settle();
	settle();
	rte = ioapic_rte(5);
	ok(hits[V_LEVEL] == 3 && (rte_seen & RTE_REMOTE_IRR) &&
	   !(rte & RTE_REMOTE_IRR),
	   "level: remote IRR set in the handler, re-delivered after each "
	   "EOI while asserted (%d), clear at the end", hits[V_LEVEL]);

	/* Remote IRR blocks the pin until the EOI. */
	reset();
	ioapic_set_rte(5, V_HOLD | RTE_LEVEL | PHYS(0));
	set_gsi(5, 1);
	settle();
	set_gsi(5, 0);
	set_gsi(5, 1);		/* a new assertion while remote IRR is set */
	settle();
	before = hits[V_HOLD];
	rte = ioapic_rte(5);
	release = true;
	apic_eoi();		/* EOI for V_HOLD: remote IRR clears */
	settle();
	release = false;
	ok(before == 1 && (rte & RTE_REMOTE_IRR) && hits[V_HOLD] == 2 &&
	   !(ioapic_rte(5) & RTE_REMOTE_IRR),
	   "level: no delivery while remote IRR is set; EOI re-delivers");

	/* Active low: a low line is an asserted one. */
	reset();
	set_gsi(6, 0);
	ioapic_set_rte(6, V_LOW | RTE_LEVEL | RTE_LOW | PHYS(0));
	settle();
	ok(hits[V_LOW] == 1, "polarity: active-low pin asserted by a low "
	   "line (%d)", hits[V_LOW]);
	ioapic_set_rte(6, RTE_MASKED);
	ioapic_set_rte(5, RTE_MASKED);
}

static void low_handler(struct frame *f)
{
	count(f);
	set_gsi(6, 1);		/* deassert (active low) */
	apic_eoi();
}

/* ---- masking ---- */

static void test_mask(void)
{
	int masked_hits;

	reset();
	ioapic_set_rte(4, V_EDGE | RTE_MASKED | PHYS(0));
	set_gsi(4, 1);
	settle();
	masked_hits = hits[V_EDGE];
	ioapic_set_rte(4, V_EDGE | PHYS(0));
	settle();
	set_gsi(4, 0);
	ok(masked_hits == 0 && hits[V_EDGE] == 0,
	   "mask: an edge on a masked pin is lost, unmasking sends nothing");

	reset();
	lower_at = 1;
	ioapic_set_rte(5, V_LEVEL | RTE_LEVEL | RTE_MASKED | PHYS(0));
	set_gsi(5, 1);
	settle();
	masked_hits = hits[V_LEVEL];
	ioapic_set_rte(5, V_LEVEL | RTE_LEVEL | PHYS(0));
	settle();
	ok(masked_hits == 0 && hits[V_LEVEL] == 1,
	   "mask: a level asserted while masked is delivered on unmask");
	ioapic_set_rte(4, RTE_MASKED);
	ioapic_set_rte(5, RTE_MASKED);
}

/* ---- destinations ---- */

static void set_logical(void *arg)
{
	u32 mode = (u32)arg;	/* 0: flat, 1: cluster */

	if (mode == 0) {
		apic_write(APIC_DFR, 0xffffffff);
		apic_write(APIC_LDR, (1u << cpu_id()) << 24);
	} else {
		apic_write(APIC_DFR, 0x0fffffff);
		/* cluster 1, member bit = CPU index */
		apic_write(APIC_LDR, ((1u << 4) | (1u << cpu_id())) << 24);
	}
}

static bool deliver(u64 rte, int expect_mask)
{
	int spins;

	reset();
	ioapic_set_rte(16, V_DEST | rte);
	set_gsi(16, 1);
	settle();
	spins = WAIT_FOR(hweight32(hit_mask[V_DEST]) >=
			 hweight32(expect_mask), SPINS / 4);
	settle();
	set_gsi(16, 0);
	ioapic_set_rte(16, RTE_MASKED);
	if (hit_mask[V_DEST] != expect_mask)
		printf("# rte 0x%llx: CPUs 0x%x, expected 0x%x (%d)\n",
		       rte, hit_mask[V_DEST], expect_mask, spins);
	return hit_mask[V_DEST] == expect_mask;
}

static void test_destinations(void)
{
	bool a, b, c;
	int got;

	ok(deliver(PHYS(1), 2) && deliver(PHYS(0), 1),
	   "physical destination: APIC ID 1, then 0");
	ok(deliver(PHYS(0xff), 3), "physical broadcast (0xff) reaches both");

	on_cpu(0, set_logical, (void *)0);
	on_cpu(1, set_logical, (void *)0);
	a = deliver(RTE_LOGICAL | PHYS(0x02), 2);
	b = deliver(RTE_LOGICAL | PHYS(0x01), 1);
	c = deliver(RTE_LOGICAL | PHYS(0x03), 3);
	ok(a && b && c, "logical flat: masks 0x02, 0x01, 0x03");

	reset();
	ioapic_set_rte(16, V_DEST | (1u << 8) | RTE_LOGICAL | PHYS(0x03));
	set_gsi(16, 1);
	settle();
	WAIT_FOR(hits[V_DEST] >= 1, SPINS / 4);
	settle();
	set_gsi(16, 0);
	got = hits[V_DEST];
	ioapic_set_rte(16, RTE_MASKED);
	ok(got == 1, "lowest priority to 0x03: exactly one CPU (%d, mask 0x%x)",
	   got, hit_mask[V_DEST]);

	on_cpu(0, set_logical, (void *)1);
	on_cpu(1, set_logical, (void *)1);
	a = deliver(RTE_LOGICAL | PHYS(0x12), 2);
	b = deliver(RTE_LOGICAL | PHYS(0x13), 3);
	c = deliver(RTE_LOGICAL | PHYS(0x22), 0);
	ok(a && b && c, "logical cluster: cluster 1 members 0x2, 0x3; "
	   "cluster 2 nobody");
	on_cpu(0, set_logical, (void *)0);
	on_cpu(1, set_logical, (void *)0);
}

/* ---- reprogramming in the handler ---- */

static volatile u64 rte_after_rewrite;

static void rewrite_handler(struct frame *f)
{
	count(f);
	/* Rewrite the same entry while it is in service. */
	ioapic_set_rte(7, V_REPROG | RTE_LEVEL | PHYS(0));
	rte_after_rewrite = ioapic_rte(7);
	set_gsi(7, 0);
	apic_eoi();
}

static volatile int moved_done;

static void move_handler(struct frame *f)
{
	count(f);
	if (cpu_id() == 0) {
		/* Linux's way: mask, EOI, retarget, unmask; line still high. */
		ioapic_set_rte(7, V_MOVE | RTE_LEVEL | RTE_MASKED | PHYS(0));
		apic_eoi();
		ioapic_set_rte(7, V_MOVE | RTE_LEVEL | PHYS(1));
	} else {
		set_gsi(7, 0);
		apic_eoi();
		moved_done = 1;
	}
}

static void test_reprogram(void)
{
	reset();
	ioapic_set_rte(7, V_REPROG | RTE_LEVEL | PHYS(0));
	set_gsi(7, 1);
	settle();
	settle();
	ok(hits[V_REPROG] == 1 && (rte_after_rewrite & RTE_REMOTE_IRR) &&
	   !(ioapic_rte(7) & RTE_REMOTE_IRR),
	   "rewriting an entry in its handler keeps remote IRR; one "
	   "interrupt (%d)", hits[V_REPROG]);

	reset();
	ioapic_set_rte(7, V_MOVE | RTE_LEVEL | PHYS(0));
	set_gsi(7, 1);
	settle();
	WAIT_FOR(moved_done, SPINS / 4);
	settle();
	ok(hits[V_MOVE] == 2 && hit_mask[V_MOVE] == 3 &&
	   !(ioapic_rte(7) & RTE_REMOTE_IRR),
	   "moved to CPU 1 in the handler: the asserted line follows it "
	   "(%d, CPUs 0x%x)", hits[V_MOVE], hit_mask[V_MOVE]);
	ioapic_set_rte(7, RTE_MASKED);
}

/* ---- the EOI register ---- */

static volatile u64 rte_after_ioeoi, rte_after_lapic_eoi;
static volatile bool suppress;

static void eoireg_handler(struct frame *f)
{
	count(f);
	set_gsi(17, 0);
	if (suppress) {
		apic_eoi();
		rte_after_lapic_eoi = ioapic_rte(17);
		ioapic_eoi_reg(f->vector);
		rte_after_ioeoi = ioapic_rte(17);
	} else {
		ioapic_eoi_reg(f->vector);
		rte_after_ioeoi = ioapic_rte(17);
		apic_eoi();
	}
}

static void test_eoi_register(void)
{
	bool can_suppress = apic_read(APIC_VER) & (1u << 24);

	reset();
	suppress = false;
	ioapic_set_rte(17, V_EOIREG | RTE_LEVEL | PHYS(0));
	set_gsi(17, 1);
	settle();
	ok(hits[V_EOIREG] == 1 && !(rte_after_ioeoi & RTE_REMOTE_IRR),
	   "EOI register: writing the vector clears remote IRR");

	reset();
	if (can_suppress) {
		suppress = true;
		apic_write(APIC_SVR, apic_read(APIC_SVR) | (1u << 12));
		set_gsi(17, 1);
		settle();
		apic_write(APIC_SVR, apic_read(APIC_SVR) & ~(1u << 12));
		ok(hits[V_EOIREG] == 1 &&
		   (rte_after_lapic_eoi & RTE_REMOTE_IRR) &&
		   !(rte_after_ioeoi & RTE_REMOTE_IRR),
		   "EOI-broadcast suppression: only the EOI register clears "
		   "remote IRR");
	} else {
		/* Without suppression the LAPIC's EOI reaches the IOAPIC. */
		suppress = true;
		set_gsi(17, 1);
		settle();
		ok(hits[V_EOIREG] == 1 &&
		   !(rte_after_lapic_eoi & RTE_REMOTE_IRR),
		   "no EOI-broadcast suppression offered: the LAPIC EOI "
		   "clears remote IRR");
	}
	ioapic_set_rte(17, RTE_MASKED);
}

int main(void)
{
	int v, n;

	for (v = 0x40; v < 0xa0; v++)
		set_handler(v, plain);
	set_handler(V_LEVEL, level_handler);
	set_handler(V_HOLD, hold_handler);
	set_handler(V_LOW, low_handler);
	set_handler(V_REPROG, rewrite_handler);
	set_handler(V_MOVE, move_handler);
	set_handler(V_EOIREG, eoireg_handler);

	plan(21);
	pic_init(0x20, 0x28, false);	/* and masked: the IOAPIC's turn */
	apic_enable();
	ioapic_mask_all();
	n = smp_boot();
	ok(n == 2 && nr_cpus() == 2, "2 CPUs online (%d)", n);
	test_registers();
	test_edge();
	test_level();
	test_mask();
	test_destinations();
	test_reprogram();
	test_eoi_register();
	ok(unexpected_irqs == 0, "no unexpected vectors (%d)", unexpected_irqs);
	return tap_done();
}
