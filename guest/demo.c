// SPDX-License-Identifier: GPL-2.0
/*
 * Guest "demo" (make demo): a small machine with every kind of interrupt
 * source virq carries, for virq-vmm's timeline. With 2-4 CPUs:
 *
 *   keyboard  level IRQ 1 -> IOAPIC pin 1 (level) -> CPU 1; the VMM types
 *             its --type text once the guest enables the keyboard (0xae),
 *             and lowers the line when the data port is read empty
 *   timer     PIT channel 0 every 20 ms -> GSI 0 -> IOAPIC pin 2 -> CPU 0
 *   MSI       the MSI test device, 5 messages 15 ms apart through a GSI
 *             route -> the last CPU
 *   IPIs      on a timer tick CPU 0 sends an IPI to every AP, and each
 *             AP answers with one to CPU 0 (10 rounds, one at a time)
 *
 * The guest ends with its own TAP lines: each source's count checked.
 */
#include "guest.h"

#define V_TIMER		0x30
#define V_KBD		0x31
#define V_MSI		0x40
#define V_PING		0x60
#define V_PONG		0x50	/* + the AP's ID */
#define TICKS		10
#define MSIS		5
#define MSI_PORT(reg)	(0x2100 + (reg))

static volatile int ticks, keys, msis, pings, pongs, rounds, ncpus;
static char typed[32];

/*
 * On a tick, a new round of pings if the last round is answered: no AP
 * ever has two pings, nor CPU 0 two answers from one AP, outstanding, so
 * none can coalesce (a slow host may bunch the PIT's ticks together).
 */
static void timer_handler(struct frame *f)
{
	int i;

	ticks++;
	if (rounds < TICKS && pongs == rounds * (ncpus - 1)) {
		rounds++;
		for (i = 1; i < ncpus; i++)
			apic_icr(i, ICR_FIXED | V_PING);
	}
	apic_eoi();
}

static void kbd_handler(struct frame *f)
{
	static const char map[] = "??1234567890????qwertyuiop????asdfghjkl"
				  "?????zxcvbnm";
	u8 code = inb(0x60);	/* the VMM lowers IRQ 1 when it is empty */
	int n = keys++;

	if (n < (int)sizeof(typed) - 1)
		typed[n] = code == 0x39 ? ' ' :
			   code < sizeof(map) - 1 ? map[code] : '?';
	apic_eoi();
}

static void msi_handler(struct frame *f)
{
	msis++;
	apic_eoi();
}

static void ping_handler(struct frame *f)
{
	atomic_inc(&pings);
	/* One vector per AP: answers arriving together must not coalesce. */
	apic_icr(0, ICR_FIXED | (V_PONG + cpu_id()));
	apic_eoi();
}

static void pong_handler(struct frame *f)
{
	pongs++;
	apic_eoi();
}

int main(void)
{
	int i, n;

	set_handler(V_TIMER, timer_handler);
	set_handler(V_KBD, kbd_handler);
	set_handler(V_MSI, msi_handler);
	set_handler(V_PING, ping_handler);
	for (i = 1; i < MAX_CPUS; i++)
		set_handler(V_PONG + i, pong_handler);
	plan(5);

	pic_init(0x20, 0x28, false);	/* masked: the IOAPIC carries IRQs */
	apic_enable();
	ioapic_mask_all();
	n = smp_boot();
	ncpus = n;
	ok(n >= 2 && n == nr_cpus(), "%d CPUs online by INIT/SIPI", n);
	printf("# demo: keyboard -> CPU 1, PIT -> CPU 0, MSI -> CPU %d, "
	       "IPIs 0 <-> APs\n", n - 1);

	/* Keyboard: level-triggered, active high, to CPU 1. */
	ioapic_set_rte(1, V_KBD | RTE_LEVEL | ((u64)1 << 56));
	/* PIT on GSI 0, which is IOAPIC pin 2: edge, to CPU 0. */
	ioapic_set_rte(2, V_TIMER);
	/* MSI vector 0 of the test device: to the last CPU, 5 messages. */
	outl(MSI_PORT(0), 0xfee00000u | ((n - 1) << 12));
	outl(MSI_PORT(4), 0);
	outl(MSI_PORT(8), V_MSI);
	outl(MSI_PORT(16), 15000);
	outl(MSI_PORT(20), MSIS);

	outb(0x64, 0xae);		/* enable the keyboard: typing starts */
	outb(0x43, 0x34);		/* PIT: mode 2, 20 ms */
	outb(0x40, 23864 & 0xff);
	outb(0x40, 23864 >> 8);

	for (i = 0; i < 5000; i++) {
		if (ticks >= TICKS && pongs >= (n - 1) * TICKS &&
		    inl(MSI_PORT(20)) == 0 && keys >= 9)
			break;
		sti_hlt();
	}
	cli();
	outb(0x43, 0x30);		/* stop the PIT */
	ioapic_mask_all();
	WAIT_FOR(msis >= (int)inl(MSI_PORT(24)), SPINS / 4);

	ok(ticks >= TICKS, "timer: %d ticks on CPU 0 through IOAPIC pin 2",
	   ticks);
	ok(keys == 9 && !strcmp(typed, "virq demo"),
	   "keyboard: typed \"%s\" on CPU 1 (level IRQ 1)", typed);
	ok(msis >= 1 && msis == (int)inl(MSI_PORT(24)) &&
	   inl(MSI_PORT(24)) + inl(MSI_PORT(28)) == MSIS,
	   "MSI: %d messages through the route, %d coalesced", msis,
	   inl(MSI_PORT(28)));
	ok(rounds == TICKS && pings == (n - 1) * TICKS &&
	   pongs == (n - 1) * TICKS,
	   "IPIs: %d rounds, %d pings to the APs, %d answers", rounds, pings,
	   pongs);
	n = tap_done();
	if (!n)
		printf("# demo passed: every source reached its CPU\n");
	return n;
}
