// SPDX-License-Identifier: GPL-2.0
/*
 * The guest library's interrupt controllers: the 8259A pair, the local
 * APIC in xAPIC (MMIO at apic_base) or x2APIC (MSRs 0x800-0x8ff) mode as
 * each CPU has chosen, the IOAPIC at 0xfec00000, and SMP: the APs are
 * started with INIT, INIT de-assert and two SIPIs to the trampoline at
 * TRAMP_BASE, then idle in STI; HLT until on_cpu() gives them work (a
 * function pointer, and a WAKE_VEC IPI).
 */
#include "guest.h"

u32 apic_base = APIC_DEFAULT_BASE;
volatile int cpus_online = 1;
extern u8 cpu_stacks[][STACK_SIZE];
extern u8 ap_tramp_start[], ap_tramp_end[];

/* ---- 8259A ---- */

void pic_init(u8 master_base, u8 slave_base, bool auto_eoi)
{
	u8 icw4 = auto_eoi ? 0x03 : 0x01;	/* 8086 mode (+ AEOI) */

	outb(PIC_M + 1, 0xff);
	outb(PIC_S + 1, 0xff);
	outb(PIC_M, 0x11);		/* ICW1: edge, cascade, ICW4 */
	outb(PIC_M + 1, master_base);	/* ICW2 */
	outb(PIC_M + 1, 0x04);		/* ICW3: slave on IR2 */
	outb(PIC_M + 1, icw4);
	outb(PIC_S, 0x11);
	outb(PIC_S + 1, slave_base);
	outb(PIC_S + 1, 0x02);		/* ICW3: slave ID 2 */
	outb(PIC_S + 1, icw4);
	pic_set_imr(0xffff);
}

void pic_set_imr(u16 mask)
{
	outb(PIC_M + 1, mask);
	outb(PIC_S + 1, mask >> 8);
}

u16 pic_irr(void)
{
	outb(PIC_M, 0x0a);
	outb(PIC_S, 0x0a);
	return inb(PIC_M) | inb(PIC_S) << 8;
}

u16 pic_isr(void)
{
	u16 v;

	outb(PIC_M, 0x0b);
	outb(PIC_S, 0x0b);
	v = inb(PIC_M) | inb(PIC_S) << 8;
	outb(PIC_M, 0x0a);
	outb(PIC_S, 0x0a);
	return v;
}

void pic_eoi(int irq)
{
	if (irq >= 8)
		outb(PIC_S, 0x20);
	outb(PIC_M, 0x20);
}

/* ---- local APIC ---- */

static u32 cpuid1(int reg)
{
	u32 r[4];

	cpuid(1, 0, &r[0], &r[1], &r[2], &r[3]);
	return r[reg];
}

bool has_apic(void)
{
	return cpuid1(3) & (1u << 9);
}

bool has_x2apic(void)
{
	return cpuid1(2) & (1u << 21);
}

bool has_tsc_deadline(void)
{
	return cpuid1(2) & (1u << 24);
}

u32 apic_read(u32 reg)
{
	if (this_cpu()->x2apic)
		return rdmsr(0x800 + (reg >> 4));
	return mmio_read32(apic_base + reg);
}

void apic_write(u32 reg, u32 v)
{
	if (this_cpu()->x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		mmio_write32(apic_base + reg, v);
}

void apic_icr(u32 dest, u32 lo)
{
	if (this_cpu()->x2apic) {
		wrmsr(0x830, (u64)dest << 32 | lo);
		return;
	}
	mmio_write32(apic_base + APIC_ICR2, dest << 24);
	mmio_write32(apic_base + APIC_ICR, lo);
	WAIT_FOR(!(mmio_read32(apic_base + APIC_ICR) & ICR_BUSY), 1000000);
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_enable(void)
{
	apic_write(APIC_SVR, 0x100 | SPURIOUS_VEC);
	apic_write(APIC_TPR, 0);
}

void x2apic_enable(void)
{
	u64 b = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, b | APIC_BASE_EN | APIC_BASE_EXTD);
	this_cpu()->x2apic = true;
}

void x2apic_disable(void)
{
	u64 b = rdmsr(MSR_APIC_BASE);

	/* x2APIC -> disabled -> xAPIC: the only legal way back. */
	wrmsr(MSR_APIC_BASE, b & ~(u64)(APIC_BASE_EN | APIC_BASE_EXTD));
	wrmsr(MSR_APIC_BASE, (b & ~(u64)APIC_BASE_EXTD) | APIC_BASE_EN);
	this_cpu()->x2apic = false;
}

u32 apic_id(void)
{
	u32 id = apic_read(APIC_ID);

	return this_cpu()->x2apic ? id : id >> 24;
}

/* ---- IOAPIC ---- */

static volatile int ioapic_lock;

static u32 ioapic_lock_irqsave(void)
{
	u32 f = read_eflags();

	cli();
	while (__atomic_exchange_n(&ioapic_lock, 1, __ATOMIC_ACQUIRE))
		pause();
	return f;
}

static void ioapic_unlock_irqrestore(u32 f)
{
	__atomic_store_n(&ioapic_lock, 0, __ATOMIC_RELEASE);
	if (f & 0x200)
		sti();
}

u32 ioapic_read(u32 reg)
{
	u32 f = ioapic_lock_irqsave(), v;

	mmio_write32(IOAPIC_BASE, reg);
	v = mmio_read32(IOAPIC_BASE + 0x10);
	ioapic_unlock_irqrestore(f);
	return v;
}

void ioapic_write(u32 reg, u32 v)
{
	u32 f = ioapic_lock_irqsave();

	mmio_write32(IOAPIC_BASE, reg);
	mmio_write32(IOAPIC_BASE + 0x10, v);
	ioapic_unlock_irqrestore(f);
}

u64 ioapic_rte(int pin)
{
	u32 lo = ioapic_read(0x10 + 2 * pin);

	return (u64)ioapic_read(0x11 + 2 * pin) << 32 | lo;
}

void ioapic_set_rte(int pin, u64 rte)
{
	/* Destination first, so an unmasking low word sends it right. */
	ioapic_write(0x11 + 2 * pin, rte >> 32);
	ioapic_write(0x10 + 2 * pin, (u32)rte);
}

void ioapic_mask_all(void)
{
	int pins = ((ioapic_read(1) >> 16) & 0xff) + 1, p;

	for (p = 0; p < pins; p++)
		ioapic_set_rte(p, RTE_MASKED);
}

void ioapic_eoi_reg(u8 vector)
{
	mmio_write32(IOAPIC_BASE + 0x40, vector);
}

/* ---- SMP ---- */

static struct percpu *percpu_of(int id)
{
	return (struct percpu *)cpu_stacks[id];
}

static void wake_handler(struct frame *f)
{
	apic_eoi();
}

void ap_main(int id)
{
	struct percpu *pc = this_cpu();

	apic_enable();
	atomic_inc(&cpus_online);
	for (;;) {
		void (*fn)(void *);

		cli();
		fn = pc->fn;
		if (fn) {
			fn(pc->arg);
			__atomic_store_n(&pc->fn, NULL, __ATOMIC_RELEASE);
			atomic_inc(&pc->done);
			continue;
		}
		sti_hlt();
	}
}

int smp_boot(void)
{
	int n = nr_cpus(), i;

	memcpy((void *)TRAMP_BASE, ap_tramp_start, ap_tramp_end - ap_tramp_start);
	set_handler(WAKE_VEC, wake_handler);
	apic_enable();
	for (i = 1; i < n && i < MAX_CPUS; i++) {
		apic_icr(i, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
		apic_icr(i, ICR_INIT | ICR_LEVEL);
		apic_icr(i, ICR_SIPI | (TRAMP_BASE >> 12));
		apic_icr(i, ICR_SIPI | (TRAMP_BASE >> 12));
	}
	WAIT_FOR(READ_ONCE(cpus_online) >= n, SPINS);
	return READ_ONCE(cpus_online);
}

void on_cpu_async(int id, void (*fn)(void *), void *arg)
{
	struct percpu *pc = percpu_of(id);

	if (id == cpu_id()) {
		fn(arg);
		return;
	}
	WAIT_FOR(READ_ONCE(pc->fn) == NULL, SPINS);
	pc->arg = arg;
	__atomic_store_n(&pc->fn, fn, __ATOMIC_RELEASE);
	apic_icr(id, ICR_FIXED | WAKE_VEC);
}

void wait_cpu(int id)
{
	struct percpu *pc = percpu_of(id);

	if (!WAIT_FOR(__atomic_load_n(&pc->fn, __ATOMIC_ACQUIRE) == NULL, SPINS))
		printf("# cpu%d did not finish its work\n", id);
}

void on_cpu(int id, void (*fn)(void *), void *arg)
{
	on_cpu_async(id, fn, arg);
	wait_cpu(id);
}
