// SPDX-License-Identifier: GPL-2.0
/*
 * Guest test "cr8" (64-bit): CR8 and the LAPIC's TPR are one register.
 * Only long mode has CR8, so this test has its own small runtime
 * (lib/entry64.S): a raw image booted through the multiboot a.out kludge.
 * virq-vmm keeps run->tpr and kvm_run->cr8 in step: a MOV to CR8 must
 * show in the TPR register, a TPR write by MMIO in CR8, TPR must gate
 * interrupts, and lowering CR8 (KVM_EXIT_SET_TPR) must deliver what was
 * held back at once.
 */
typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long u64;

#define APIC		0xfee00000UL
#define APIC_TPR	0x80
#define APIC_SVR	0xf0
#define APIC_ICR	0x300

extern u8 isr64_stubs[];
extern u32 mb_magic64;
static u64 idt[512];
static volatile int hits[256];
static volatile u64 cr8_in_handler;
static int tests, failures;

static inline void outb(unsigned short port, u8 v)
{
	__asm__ __volatile__("outb %0, %1" :: "a"(v), "Nd"(port));
}

static inline void outl(unsigned short port, u32 v)
{
	__asm__ __volatile__("outl %0, %1" :: "a"(v), "Nd"(port));
}

static u32 apic_read(u32 reg)
{
	return *(volatile u32 *)(APIC + reg);
}

static void apic_write(u32 reg, u32 v)
{
	*(volatile u32 *)(APIC + reg) = v;
}

static u64 read_cr8(void)
{
	u64 v;

	__asm__ __volatile__("movq %%cr8, %0" : "=r"(v));
	return v;
}

static void write_cr8(u64 v)
{
	__asm__ __volatile__("movq %0, %%cr8" :: "r"(v) : "memory");
}

static void puts(const char *s)
{
	for (; *s; s++)
		outb(0x3f8, *s);
}

static void putnum(u64 v)
{
	char buf[24];
	int i = 0;

	do {
		buf[i++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (i)
		outb(0x3f8, buf[--i]);
}

static void ok(int cond, const char *name)
{
	tests++;
	failures += !cond;
	puts(cond ? "ok " : "not ok ");
	putnum(tests);
	puts(" ");
	puts(name);
	puts("\n");
}

void isr64(u64 vector)
{
	hits[vector & 0xff]++;
	cr8_in_handler = read_cr8();
	apic_write(0xb0, 0);	/* EOI */
}

static void idt_init(void)
{
	struct __attribute__((packed)) {
		unsigned short limit;
		u64 base;
	} ptr = { sizeof(idt) - 1, (u64)idt };
	int v;

	for (v = 0; v < 256; v++) {
		u64 off = (u64)isr64_stubs + 16 * v;

		/* Present, 64-bit interrupt gate, selector 0x08. */
		idt[2 * v] = (off & 0xffff) | (0x08UL << 16) | (0x8eUL << 40) |
			     ((off >> 16) & 0xffff) << 48;
		idt[2 * v + 1] = off >> 32;
	}
	__asm__ __volatile__("lidt %0" :: "m"(ptr));
}

static void settle(void)
{
	int i;

	for (i = 0; i < 3; i++) {
		outl(0xe4, 0);
		__asm__ __volatile__("sti; nop; nop; cli" ::: "memory");
	}
}

void main64(void)
{
	u32 tpr;
	int blocked;
	long i;

	idt_init();
	puts("TAP version 13\n1..7\n");
	ok(mb_magic64 == 0x2BADB002, "64-bit guest booted by the a.out kludge");
	apic_write(APIC_SVR, 0x1ff);

	write_cr8(5);
	tpr = apic_read(APIC_TPR);
	ok(tpr == 0x50, "MOV CR8, 5: the LAPIC's TPR reads 0x50");

	apic_write(APIC_TPR, 0x30);
	ok(read_cr8() == 3, "TPR 0x30 written by MMIO: CR8 reads 3");

	apic_write(APIC_TPR, 0x35);
	outl(0xe4, 0);
	ok(apic_read(APIC_TPR) == 0x35 && read_cr8() == 3,
	   "TPR 0x35: the sub-class survives an exit, CR8 3");

	write_cr8(6);
	apic_write(APIC_ICR, 0x40000 | 0x65);	/* self-IPI, class 6 */
	settle();
	blocked = hits[0x65] == 0;
	__asm__ __volatile__("sti");
	write_cr8(0);		/* lowering exits: KVM_EXIT_SET_TPR */
	__asm__ __volatile__("nop; cli" ::: "memory");
	ok(blocked && hits[0x65] == 1 && cr8_in_handler == 0,
	   "CR8 6 holds vector 0x65; lowering CR8 delivers it at once");

	write_cr8(0);
	ok(apic_read(APIC_TPR) == 0 && hits[0x65] == 1,
	   "CR8 0: TPR 0, nothing more delivered");

	/*
	 * Raise CR8 (no exit: the VMM's TPR is stale), then let the PIT's
	 * vector 0x85 (class 8) kick this CPU out of KVM_RUN while it spins:
	 * CR8 must survive the kick and 0x85 still pass CR8 7.
	 */
	outb(0x21, 0xff);			/* the PIC stays out of it */
	outb(0xa1, 0xff);
	*(volatile u32 *)0xfec00000UL = 0x15;	/* IOAPIC pin 2, high: CPU 0 */
	*(volatile u32 *)0xfec00010UL = 0;
	*(volatile u32 *)0xfec00000UL = 0x14;	/* low: edge, vector 0x85 */
	*(volatile u32 *)0xfec00010UL = 0x85;
	outb(0x43, 0x30);			/* PIT one-shot, ~5 ms */
	outb(0x40, 5966 & 0xff);
	outb(0x40, 5966 >> 8);
	write_cr8(7);
	__asm__ __volatile__("sti");
	for (i = 0; i < 500000000L && !hits[0x85]; i++)
		__asm__ __volatile__("pause");
	__asm__ __volatile__("cli");
	ok(hits[0x85] == 1 && cr8_in_handler == 7 && read_cr8() == 7,
	   "CR8 7 set without an exit survives a kick; 0x85 passes it");
	write_cr8(0);

	puts(failures ? "# failed\n" : "# all passed\n");
	outl(0xf4, failures || tests != 7);
}
