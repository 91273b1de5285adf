// SPDX-License-Identifier: GPL-2.0
/*
 * Guest test "smp": 4 CPUs started the way firmware and kernels do it,
 * INIT (assert, de-assert) and two SIPIs per AP with the trampoline's
 * page as vector: each AP must start in real mode at CS = vector << 8,
 * IP = 0, reach protected mode and check in with its APIC ID. Then the
 * CPU topology seen through CPUID and fw_cfg, work on every AP, IPIs to
 * and from all of them, a SIPI to a running CPU being ignored, and one
 * AP restarted by INIT and SIPI again. NMIs are counted, not a flag:
 * pairs sent to one CPU at the same moment from two others are two NMIs
 * (SDM 6.7.1: one is handled while the other is latched).
 */
#include "guest.h"

#define NCPUS	4

extern u8 ap_tramp_start[], ap_tramp_cs[];
static volatile int seen_id[MAX_CPUS], seen_cpuid[MAX_CPUS];
static volatile u64 seen_base[MAX_CPUS];
static volatile int hits[256], hit_mask[256];
static volatile int nmis[MAX_CPUS], nmi_go, nmi_seen, nmi_stop;

#define NMI_ROUNDS	200

static void nmi_handler(struct frame *f)
{
	nmis[cpu_id()]++;
}

/* On CPUs 1 and 2: wait for round @arg's start, then NMI CPU 3. */
static void nmi_at_go(void *arg)
{
	int round = (int)(long)arg;

	WAIT_FOR(READ_ONCE(nmi_go) == round, SPINS);
	apic_icr(3, ICR_NMI);
}

/*
 * On CPU 3, outside any handler: the NMIs it has finished with. A round
 * waits for this, not for the count the handler keeps: an NMI that
 * arrives while the previous one is still in its handler (before its
 * IRET) may be latched once, and a third would be lost, as on hardware.
 */
static void nmi_watch(void *arg)
{
	while (!READ_ONCE(nmi_stop)) {
		WRITE_ONCE(nmi_seen, READ_ONCE(nmis[3]));
		pause();
	}
}

/* On CPU 1: two NMIs to CPU 3, back to back. */
static void nmi_twice(void *arg)
{
	apic_icr(3, ICR_NMI);
	apic_icr(3, ICR_NMI);
}

static void handler(struct frame *f)
{
	hits[f->vector]++;
	__atomic_or_fetch(&hit_mask[f->vector], 1 << cpu_id(), __ATOMIC_SEQ_CST);
	apic_eoi();
}

static void report(void *arg)
{
	u32 a, b, c, d;
	int id = cpu_id();

	cpuid(1, 0, &a, &b, &c, &d);
	seen_cpuid[id] = b >> 24;
	seen_id[id] = apic_id();
	seen_base[id] = rdmsr(MSR_APIC_BASE);
}

static void send_to_bsp(void *arg)
{
	apic_icr(0, ICR_FIXED | (0x80 + cpu_id()));
}

static void settle(void)
{
	int i;

	for (i = 0; i < 3; i++) {
		vm_roundtrip();
		irq_window();
	}
}

int main(void)
{
	u32 a, b, c, d, tb;
	u16 cs;
	int n, i, good;

	for (i = 0x40; i < 0xf0; i++)
		set_handler(i, handler);
	set_handler(2, nmi_handler);
	plan(12);
	cpuid(1, 0, &a, &b, &c, &d);
	cpuid(0xb, 1, &a, &tb, &c, &d);
	ok(nr_cpus() == NCPUS && ((b >> 16) & 0xff) == NCPUS &&
	   (tb & 0xffff) == NCPUS && ((c >> 8) & 0xff) == 2,
	   "topology: fw_cfg, CPUID.1 and CPUID.0xB say %d CPUs", NCPUS);

	pic_init(0x20, 0x28, false);
	apic_enable();
	ioapic_mask_all();
	n = smp_boot();
	ok(n == NCPUS, "INIT, INIT de-assert, SIPI, SIPI: %d of %d CPUs online",
	   n, NCPUS);
	cs = *(volatile u16 *)(TRAMP_BASE + (ap_tramp_cs - ap_tramp_start));
	ok(cs == (TRAMP_BASE >> 4), "APs started in real mode at CS 0x%x, IP 0",
	   cs);

	good = 1;
	for (i = 1; i < NCPUS; i++) {
		on_cpu(i, report, NULL);
		good &= seen_id[i] == i && seen_cpuid[i] == i &&
			!(seen_base[i] & APIC_BASE_BSP) &&
			(seen_base[i] & APIC_BASE_EN);
	}
	ok(good, "each AP: LAPIC ID = CPUID APIC ID = its index, not the BSP");

	for (i = 0; i < 256; i++)
		hits[i] = hit_mask[i] = 0;
	apic_icr(0, ICR_OTHERS | ICR_FIXED | 0x70);
	WAIT_FOR(hit_mask[0x70] == 0xe, SPINS / 4);
	ok(hit_mask[0x70] == 0xe, "all-excluding-self reaches the 3 APs (0x%x)",
	   hit_mask[0x70]);

	for (i = 1; i < NCPUS; i++)
		on_cpu_async(i, send_to_bsp, NULL);
	for (i = 1; i < NCPUS; i++)
		wait_cpu(i);
	settle();
	ok(hits[0x81] == 1 && hits[0x82] == 1 && hits[0x83] == 1,
	   "every AP's IPI reaches the BSP");

	/* A SIPI to a running CPU is ignored. */
	apic_icr(2, ICR_SIPI | (TRAMP_BASE >> 12));
	seen_id[2] = -1;
	on_cpu(2, report, NULL);
	ok(READ_ONCE(cpus_online) == NCPUS && seen_id[2] == 2,
	   "a SIPI to a running AP changes nothing");

	/* INIT puts CPU 3 back in wait-for-SIPI; a SIPI restarts it. */
	apic_icr(3, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
	apic_icr(3, ICR_INIT | ICR_LEVEL);
	for (i = 0; i < 1000; i++)
		vm_roundtrip();
	ok(READ_ONCE(cpus_online) == NCPUS, "INIT alone does not restart an AP");
	apic_icr(3, ICR_SIPI | (TRAMP_BASE >> 12));
	WAIT_FOR(READ_ONCE(cpus_online) == NCPUS + 1, SPINS);
	seen_id[3] = -1;
	on_cpu(3, report, NULL);
	ok(READ_ONCE(cpus_online) == NCPUS + 1 && seen_id[3] == 3,
	   "INIT + SIPI restart CPU 3 through the trampoline");
	/* NMI pairs: from CPUs 1 and 2 at once, then from CPU 1 alone. */
	nmis[3] = nmi_seen = nmi_stop = 0;
	on_cpu_async(3, nmi_watch, NULL);
	good = 1;
	for (i = 1; i <= NMI_ROUNDS && good; i++) {
		on_cpu_async(1, nmi_at_go, (void *)(long)i);
		on_cpu_async(2, nmi_at_go, (void *)(long)i);
		WRITE_ONCE(nmi_go, i);
		wait_cpu(1);
		wait_cpu(2);
		good = WAIT_FOR(READ_ONCE(nmi_seen) == 2 * i, SPINS / 16);
	}
	ok(good && nmis[3] == 2 * NMI_ROUNDS, "%d NMI pairs from CPUs 1 and 2 "
	   "at once: %d NMIs taken by CPU 3", i - 1, nmis[3]);
	WRITE_ONCE(nmi_seen, 0);
	nmis[3] = 0;
	good = 1;
	for (i = 1; i <= NMI_ROUNDS && good; i++) {
		on_cpu(1, nmi_twice, NULL);
		good = WAIT_FOR(READ_ONCE(nmi_seen) == 2 * i, SPINS / 16);
	}
	ok(good && nmis[3] == 2 * NMI_ROUNDS, "%d NMI pairs back to back from "
	   "CPU 1: %d NMIs taken by CPU 3", i - 1, nmis[3]);
	WRITE_ONCE(nmi_stop, 1);
	wait_cpu(3);

	ok(unexpected_irqs == 0, "no unexpected vectors (%d)", unexpected_irqs);
	return tap_done();
}
