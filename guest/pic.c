// SPDX-License-Identifier: GPL-2.0
/*
 * Guest test "pic": the 8259A pair as a guest sees it through virq-vmm.
 * Lines are driven with the test device (GSI N level at port 0x2000 + N,
 * GSI N < 16 reaching PIC pin N), the PIT and the keyboard controller.
 * Runs with the PIC-only chip, and with the full chip (where the PIC
 * reaches the BSP through LINT0 in ExtINT mode, as firmware sets up).
 *
 * Covers Linux's initialisation, edge and level triggering, EOI (non-
 * specific, specific, nesting), requests withdrawn before acknowledge,
 * poll, priority rotation (specific and on EOI), auto-EOI, special mask
 * mode, and asynchronous interrupts from the VMM's device thread both
 * into HLT (a wake-up) and into running guest code (a kick signal).
 */
#include "guest.h"

#define EOI_NONE	0
#define EOI_NONSPEC	1
#define EOI_ROTATE	2

static volatile int count[16], order[64], norder;
static volatile int eoi_mode = EOI_NONSPEC;
static volatile int lower_irq = -1, lower_at;
static volatile u16 isr_in_handler;
static volatile bool read_isr;
static volatile int kbd_data = -1;
static int base = 0x20;

static void handler(struct frame *f)
{
	int irq = (f->vector - base) & 15;

	count[irq]++;
	if (norder < (int)ARRAY_SIZE(order))
		order[norder++] = irq;
	if (read_isr)
		isr_in_handler = pic_isr();
	if (irq == 1)
		kbd_data = inb(0x60);
	if (irq == lower_irq && count[irq] >= lower_at)
		set_gsi(irq, 0);
	if (eoi_mode == EOI_NONSPEC) {
		pic_eoi(irq);
	} else if (eoi_mode == EOI_ROTATE) {
		if (irq >= 8)
			outb(PIC_S, 0xa0);
		outb(PIC_M, 0xa0);
	}
}

static void reset_log(void)
{
	int i;

	for (i = 0; i < 16; i++)
		count[i] = 0;
	norder = 0;
	eoi_mode = EOI_NONSPEC;
	lower_irq = -1;
}

static bool order_is(const int *want, int n)
{
	int i;

	if (norder != n)
		return false;
	for (i = 0; i < n; i++)
		if (order[i] != want[i])
			return false;
	return true;
}

static void print_order(void)
{
	char buf[128];
	int i, len = 0;

	for (i = 0; i < norder && len < 100; i++)
		len += snprintf(buf + len, sizeof(buf) - len, " %d", order[i]);
	buf[len] = 0;
	printf("# order:%s\n", norder ? buf : " (none)");
}

/* Unmask these IRQs (and the cascade), everything else masked. */
static void unmask(u16 irqs)
{
	if (irqs & 0xff00)
		irqs |= 1 << 2;
	pic_set_imr(~irqs);
}

/* Give pending interrupts every chance to arrive, with IF=1 briefly. */
static void settle(void)
{
	int i;

	for (i = 0; i < 3; i++) {
		vm_roundtrip();
		irq_window();
	}
}

static void test_init(void)
{
	bool good;

	/* Linux's init_8259A(): mask, ICW1-4 on both, probe, restore. */
	pic_init(base, base + 8, false);
	good = inb(PIC_M + 1) == 0xff && inb(PIC_S + 1) == 0xff;
	outb(PIC_M + 1, 0xfb);
	good = good && inb(PIC_M + 1) == 0xfb;
	ok(good, "Linux init sequence, IMR reads back");
	pic_set_imr(0xffff);
	ok(pic_irr() == 0 && pic_isr() == 0, "IRR and ISR empty after init");

	outb(ELCR_M, 0xff);
	outb(ELCR_S, 0xff);
	good = inb(ELCR_M) == 0xf8 && inb(ELCR_S) == 0xde;
	outb(ELCR_M, 0);
	outb(ELCR_S, 0);
	ok(good && inb(ELCR_M) == 0 && inb(ELCR_S) == 0,
	   "ELCR: only IRQs 3-7, 9-12, 14, 15 can be level (0xf8/0xde)");
}

static void test_edge(void)
{
	u16 irr;
	int taken_early;

	reset_log();
	unmask(1 << 3);
	set_gsi(3, 1);
	irr = pic_irr();
	vm_roundtrip();
	taken_early = count[3];
	settle();
	ok((irr & (1 << 3)) && !taken_early && count[3] == 1 && order[0] == 3,
	   "edge: IRR latched with IF=0, one vector 0x%x once IF=1",
	   base + 3);

	set_gsi(3, 1);		/* still high: no new edge */
	settle();
	taken_early = count[3];
	set_gsi(3, 0);
	set_gsi(3, 1);
	settle();
	set_gsi(3, 0);
	ok(taken_early == 1 && count[3] == 2 && pic_isr() == 0,
	   "edge: a held line does not re-trigger, a new edge does");

	reset_log();
	unmask(1 << 10);
	set_gsi(10, 1);
	settle();
	set_gsi(10, 0);
	ok(count[10] == 1 && norder == 1 && pic_isr() == 0 && pic_irr() == 0,
	   "slave: IRQ 10 through the cascade, vector 0x%x, EOI to both",
	   base + 10);
}

static void test_level(void)
{
	u16 irr_high, irr_low;

	/* A level request stays until the line drops: re-delivery after EOI. */
	reset_log();
	outb(ELCR_M, 1 << 5);
	unmask(1 << 5);
	lower_irq = 5;
	lower_at = 3;
	set_gsi(5, 1);
	settle();
	settle();
	ok(count[5] == 3 && pic_irr() == 0 && pic_isr() == 0,
	   "level: re-delivered after each EOI while high (%d times)",
	   count[5]);

	reset_log();
	set_gsi(5, 1);
	irr_high = pic_irr();
	set_gsi(5, 0);
	irr_low = pic_irr();
	settle();
	ok((irr_high & (1 << 5)) && !(irr_low & (1 << 5)) && count[5] == 0 &&
	   count[7] == 0,
	   "level: IRR follows the line; withdrawn before INTA, nothing taken");
	outb(ELCR_M, 0);
}

static void test_nesting(void)
{
	static const int want[] = { 3, 1, 4 };
	u16 isr1, isr2, irr;

	reset_log();
	eoi_mode = EOI_NONE;
	unmask((1 << 1) | (1 << 3) | (1 << 4));
	set_gsi(3, 1);
	settle();
	set_gsi(4, 1);
	settle();
	irr = pic_irr();
	isr1 = pic_isr();
	ok(count[3] == 1 && count[4] == 0 && (irr & (1 << 4)) &&
	   isr1 == (1 << 3),
	   "fully nested: IRQ 3 in service blocks IRQ 4 (ISR 0x%x)", isr1);

	set_gsi(1, 1);
	settle();
	isr2 = pic_isr();
	outb(PIC_M, 0x60 | 1);		/* specific EOI for IRQ 1 */
	isr1 = pic_isr();
	outb(PIC_M, 0x20);		/* non-specific: IRQ 3 */
	settle();
	ok(isr2 == ((1 << 1) | (1 << 3)) && isr1 == (1 << 3) &&
	   order_is(want, 3) && pic_isr() == (1 << 4),
	   "higher priority nests; specific EOI, non-specific EOI");
	if (norder != 3)
		print_order();
	outb(PIC_M, 0x20);
	set_gsi(1, 0);
	set_gsi(3, 0);
	set_gsi(4, 0);
	eoi_mode = EOI_NONSPEC;
}

static void test_poll(void)
{
	u8 p1, p2;
	u16 isr;

	reset_log();
	unmask(1 << 4);
	set_gsi(4, 1);
	outb(PIC_M, 0x0c);		/* OCW3: poll */
	p1 = inb(PIC_M);
	isr = pic_isr();
	outb(PIC_M, 0x20);
	outb(PIC_M, 0x0c);
	p2 = inb(PIC_M);
	settle();
	set_gsi(4, 0);
	ok(p1 == 0x84 && isr == (1 << 4) && !(p2 & 0x80) && count[4] == 0,
	   "poll: 0x%02x (IRQ 4, in service), then 0x%02x (none)", p1, p2);
}

static void test_rotation(void)
{
	static const int spec[] = { 4, 1 };
	static const int rot[] = { 3, 4, 1 };

	/* Specific rotation: IR3 highest, so 4 beats 1. */
	reset_log();
	unmask((1 << 1) | (1 << 3) | (1 << 4));
	outb(PIC_M, 0xc0 | 2);		/* set priority: IR2 lowest */
	set_gsi(1, 1);
	set_gsi(4, 1);
	settle();
	set_gsi(1, 0);
	set_gsi(4, 0);
	outb(PIC_M, 0xc0 | 7);		/* back to IR0 highest */
	ok(order_is(spec, 2), "specific rotation: IR3 highest, 4 before 1");
	if (!order_is(spec, 2))
		print_order();

	/* Rotate on non-specific EOI: the serviced IR becomes lowest. */
	reset_log();
	eoi_mode = EOI_ROTATE;
	set_gsi(3, 1);
	settle();
	set_gsi(1, 1);
	set_gsi(4, 1);
	settle();
	set_gsi(1, 0);
	set_gsi(3, 0);
	set_gsi(4, 0);
	outb(PIC_M, 0xc0 | 7);
	ok(order_is(rot, 3), "rotate on EOI: after 3, 4 goes before 1");
	if (!order_is(rot, 3))
		print_order();
	eoi_mode = EOI_NONSPEC;
}

static void test_aeoi(void)
{
	bool good;

	base = 0x30;
	pic_init(base, base + 8, true);
	reset_log();
	eoi_mode = EOI_NONE;
	read_isr = true;
	unmask(1 << 3);
	set_gsi(3, 1);
	settle();
	good = count[3] == 1 && isr_in_handler == 0;
	set_gsi(3, 0);
	set_gsi(3, 1);
	settle();
	set_gsi(3, 0);
	read_isr = false;
	ok(good && count[3] == 2 && pic_isr() == 0,
	   "auto-EOI: ISR clear in the handler, next edge without an EOI");
	base = 0x20;
	pic_init(base, base + 8, false);
	eoi_mode = EOI_NONSPEC;
}

static void test_special_mask(void)
{
	int got4;

	reset_log();
	eoi_mode = EOI_NONE;
	unmask((1 << 3) | (1 << 4));
	set_gsi(3, 1);
	settle();
	outb(PIC_M + 1, ~((1 << 4)) & 0xff);	/* mask IRQ 3 itself */
	set_gsi(4, 1);
	settle();
	got4 = count[4];
	outb(PIC_M, 0x68);		/* OCW3: set special mask mode */
	settle();
	outb(PIC_M, 0x48);		/* reset special mask mode */
	outb(PIC_M, 0x64);		/* specific EOI IRQ 4 */
	outb(PIC_M, 0x63);		/* specific EOI IRQ 3 */
	set_gsi(3, 0);
	set_gsi(4, 0);
	ok(got4 == 0 && count[4] == 1 && count[3] == 1 && pic_isr() == 0,
	   "special mask mode lets IRQ 4 past an in-service IRQ 3");
	eoi_mode = EOI_NONSPEC;
}

static void test_gsi0(void)
{
	reset_log();
	unmask((1 << 0) | (1 << 2));
	set_gsi(0, 1);
	settle();
	set_gsi(0, 0);
	set_gsi(2, 1);		/* GSI 2 is the cascade: routed nowhere */
	settle();
	set_gsi(2, 0);
	ok(count[0] == 1 && norder == 1, "GSI 0 reaches IRQ 0; GSI 2 nothing");
}

static void test_async(void)
{
	int i, spun;

	/* PIT channel 0, mode 2, ~10 ms: the device thread raises GSI 0. */
	reset_log();
	unmask(1 << 0);
	outb(0x43, 0x34);
	outb(0x40, 11932 & 0xff);
	outb(0x40, 11932 >> 8);
	for (i = 0; i < 1000 && count[0] < 3; i++)
		sti_hlt();
	cli();
	ok(count[0] >= 3, "PIT interrupts wake HLT (%d wake-ups)", i);

	/* Guest code that never exits: only a kick's signal gets it out. */
	spun = count[0];
	sti();
	WAIT_FOR(READ_ONCE(count[0]) >= spun + 3, SPINS);
	cli();
	ok(count[0] >= spun + 3,
	   "PIT interrupts reach a CPU spinning in guest code (kick)");
	outb(0x43, 0x30);		/* mode 0, no count: stopped */
	settle();
	pic_set_imr(0xffff);
}

static void test_kbd(void)
{
	u8 st_before, st_after;

	reset_log();
	unmask(1 << 1);
	outb(0x64, 0xd2);		/* write keyboard output buffer */
	outb(0x60, 0x1e);
	st_before = kbd_data;
	settle();
	st_after = inb(0x64);
	ok(count[1] == 1 && kbd_data == 0x1e && st_before != 0x1e &&
	   !(st_after & 1),
	   "keyboard: IRQ 1 with scancode 0x1e, lowered when read");
	pic_set_imr(0xffff);
}

int main(void)
{
	int v;

	for (v = 0x20; v < 0x40; v++)
		set_handler(v, handler);
	plan(20);
	if (has_apic()) {
		/* The PIC reaches the BSP through LINT0 in ExtINT mode. */
		apic_enable();
		apic_write(APIC_LVT0, 0x700);
		ioapic_mask_all();
		printf("# LAPIC present: PIC through LINT0 (ExtINT)\n");
	}
	test_init();
	test_edge();
	test_level();
	test_nesting();
	test_poll();
	test_rotation();
	test_aeoi();
	test_special_mask();
	test_gsi0();
	test_async();
	test_kbd();
	ok(unexpected_irqs == 0, "no unexpected vectors (%d)", unexpected_irqs);
	return tap_done();
}
