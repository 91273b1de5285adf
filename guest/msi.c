// SPDX-License-Identifier: GPL-2.0
/*
 * Guest test "msi": message-signalled interrupts through GSI routes, with
 * 2 CPUs. virq-vmm's MSI test device (4 vectors of 32 bytes at port
 * 0x2100: address low/high, data, command/status, period, count) turns
 * each programmed vector into an MSI route on GSI 32 + k, fires it with
 * VIRQ_IRQ_LINE (command 1) or VIRQ_SIGNAL_MSI (command 2), masks (3)
 * and unmasks (4) it like an MSI-X entry, and reports the last
 * VIRQ_IRQ_LINE_STATUS in bits 31:16 of the status. Covers physical,
 * broadcast and logical destinations, lowest priority, NMI messages,
 * coalescing, the device mask with its pending bit, re-routing and
 * messages sent from the VMM's device thread.
 */
#include "guest.h"

#define MSI(k, reg)	(0x2100 + 32 * (k) + (reg))
#define ADDR(dest)	(0xfee00000u | ((dest) << 12))
#define ADDR_LOGICAL	(1u << 2)

static volatile int hits[256], hit_mask[256], nmis;

static void handler(struct frame *f)
{
	hits[f->vector]++;
	__atomic_or_fetch(&hit_mask[f->vector], 1 << cpu_id(), __ATOMIC_SEQ_CST);
	apic_eoi();
}

static void nmi_handler(struct frame *f)
{
	nmis++;
}

static void reset(void)
{
	int i;

	for (i = 0; i < 256; i++)
		hits[i] = hit_mask[i] = 0;
	nmis = 0;
}

static void settle(void)
{
	int i;

	for (i = 0; i < 3; i++) {
		vm_roundtrip();
		irq_window();
	}
}

static void program(int k, u32 addr, u32 data)
{
	outl(MSI(k, 0), addr);
	outl(MSI(k, 4), 0);
	outl(MSI(k, 8), data);
}

static s16 fire(int k, int how)
{
	outl(MSI(k, 12), how);
	return (s16)(inl(MSI(k, 12)) >> 16);
}

/* Fire vector k and check which CPUs took @vec. */
static bool reaches(int k, u32 addr, u32 data, int want, int how)
{
	int vec = data & 0xff;
	s16 st;

	reset();
	program(k, addr, data);
	st = fire(k, how);
	settle();
	WAIT_FOR((hit_mask[vec] & want) == want, SPINS / 4);
	settle();
	if (hit_mask[vec] != want || st != hweight32(want))
		printf("# MSI 0x%x/0x%x: CPUs 0x%x, status %d, expected 0x%x\n",
		       addr, data, hit_mask[vec], st, want);
	return hit_mask[vec] == want && st == hweight32(want);
}

static void set_flat(void *arg)
{
	apic_write(APIC_DFR, 0xffffffff);
	apic_write(APIC_LDR, (1u << cpu_id()) << 24);
}

int main(void)
{
	s16 st1, st2, st;
	int i, n, got;

	for (i = 0x40; i < 0xf0; i++)
		set_handler(i, handler);
	set_handler(2, nmi_handler);
	plan(12);
	pic_init(0x20, 0x28, false);
	apic_enable();
	ioapic_mask_all();
	n = smp_boot();
	ok(n == 2, "2 CPUs online (%d)", n);

	ok(reaches(0, ADDR(0), 0x41, 1, 1) && reaches(0, ADDR(1), 0x42, 2, 1),
	   "MSI route: fixed, physical destination 0, then 1");
	ok(reaches(1, ADDR(1), 0x43, 2, 2),
	   "VIRQ_SIGNAL_MSI: the same message without a route");
	ok(reaches(0, ADDR(0xff), 0x44, 3, 1), "broadcast destination 0xff");

	on_cpu(0, set_flat, NULL);
	on_cpu(1, set_flat, NULL);
	ok(reaches(0, ADDR(0x02) | ADDR_LOGICAL, 0x45, 2, 1) &&
	   reaches(0, ADDR(0x03) | ADDR_LOGICAL, 0x46, 3, 1),
	   "logical destinations 0x02 and 0x03");

	reset();
	program(0, ADDR(0x03) | ADDR_LOGICAL, 0x100 | 0x47);
	st = fire(0, 1);
	settle();
	WAIT_FOR(hits[0x47] >= 1, SPINS / 4);
	settle();
	ok(hits[0x47] == 1 && st == 1, "lowest priority: one CPU (status %d)",
	   st);

	reset();
	program(0, ADDR(0), 0x400);
	st = fire(0, 1);
	vm_roundtrip();
	ok(nmis == 1 && st == 1, "NMI message taken with IF=0 (status %d)", st);

	/* Two messages before the CPU can take one: the second coalesces. */
	reset();
	program(0, ADDR(0), 0x48);
	st1 = fire(0, 1);
	st2 = fire(0, 1);
	settle();
	ok(st1 == 1 && st2 == 0 && hits[0x48] == 1,
	   "coalescing: status %d then %d, one interrupt", st1, st2);

	/* The device's mask holds a message as pending. */
	reset();
	outl(MSI(0, 12), 3);
	outl(MSI(0, 12), 1);
	settle();
	got = hits[0x48];
	st = inl(MSI(0, 12)) & 3;
	outl(MSI(0, 12), 4);
	settle();
	ok(got == 0 && st == 3 && hits[0x48] == 1 && !(inl(MSI(0, 12)) & 2),
	   "device mask: pending while masked, sent on unmask");

	/* A new message for the same GSI replaces the route. */
	ok(reaches(0, ADDR(1), 0x49, 2, 1) && reaches(0, ADDR(0), 0x4a, 1, 1),
	   "re-programmed: the route follows (0x49 to CPU 1, 0x4a to CPU 0)");

	/* Vectors 0-15 are illegal: an APIC drops them. */
	reset();
	program(2, ADDR(0), 0x05);
	st = fire(2, 1);
	settle();
	ok(st == -1 && hits[5] == 0 && unexpected_irqs == 0,
	   "illegal vector 5: ignored (status %d)", st);

	/*
	 * From the VMM's device thread: 5 messages, 2 ms apart, to CPU 1.
	 * Each was delivered or coalesced (registers 24 and 28 count them);
	 * CPU 1 took exactly the delivered ones.
	 */
	reset();
	program(3, ADDR(1), 0x4b);
	outl(MSI(3, 16), 2000);
	outl(MSI(3, 20), 5);
	WAIT_FOR(inl(MSI(3, 20)) == 0, SPINS);
	WAIT_FOR(hits[0x4b] >= (int)inl(MSI(3, 24)), SPINS / 4);
	settle();
	ok(inl(MSI(3, 24)) + inl(MSI(3, 28)) == 5 && inl(MSI(3, 24)) >= 1 &&
	   hits[0x4b] == (int)inl(MSI(3, 24)) && hit_mask[0x4b] == 2,
	   "messages from the device thread reach CPU 1 (%d delivered, %d "
	   "coalesced)", hits[0x4b], inl(MSI(3, 28)));
	return tap_done();
}
