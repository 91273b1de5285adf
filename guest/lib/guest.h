/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest library of virq's own multiboot test programs: 32-bit
 * protected mode, flat segments, no paging, no libc. Console on the
 * 16550 at 0x3f8, TAP results, an IDT with a C handler per vector,
 * expected-fault catching, the test device (GSI levels at 0x2000 + N),
 * fw_cfg, and helpers for the 8259A pair, the IOAPIC, the local APIC
 * (xAPIC and x2APIC) and SMP boot by INIT/SIPI. Runs on virq-vmm
 * (tools/vmm), or any VMM with QEMU's test-device conventions.
 */
#ifndef VIRQ_GUEST_H
#define VIRQ_GUEST_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef short s16;
typedef int s32;
typedef long long s64;
typedef unsigned int size_t;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define barrier() __asm__ __volatile__("" ::: "memory")
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* ---- port I/O, MSRs, CPU ---- */

static inline void outb(u16 port, u8 v)
{
	__asm__ __volatile__("outb %0, %1" :: "a"(v), "Nd"(port) : "memory");
}

static inline void outw(u16 port, u16 v)
{
	__asm__ __volatile__("outw %0, %1" :: "a"(v), "Nd"(port) : "memory");
}

static inline void outl(u16 port, u32 v)
{
	__asm__ __volatile__("outl %0, %1" :: "a"(v), "Nd"(port) : "memory");
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return (u64)hi << 32 | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ __volatile__("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
			     : "memory");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			     : "a"(leaf), "c"(sub));
}

static inline void cli(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline void sti(void) { __asm__ __volatile__("sti" ::: "memory"); }
static inline void pause(void) { __asm__ __volatile__("pause" ::: "memory"); }
/* Enable interrupts and halt until one arrives (STI's shadow covers HLT). */
static inline void sti_hlt(void)
{
	__asm__ __volatile__("sti; hlt" ::: "memory");
}
/* Take any pending interrupt: STI, one instruction, CLI. */
static inline void irq_window(void)
{
	__asm__ __volatile__("sti; nop; nop; cli" ::: "memory");
}
static inline u32 read_eflags(void)
{
	u32 f;

	__asm__ __volatile__("pushfl; popl %0" : "=r"(f));
	return f;
}

static inline u32 mmio_read32(u32 addr)
{
	return *(volatile u32 *)addr;
}

static inline void mmio_write32(u32 addr, u32 v)
{
	*(volatile u32 *)addr = v;
}

static inline int hweight32(u32 v)
{
	int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

static inline int atomic_inc(volatile int *p)
{
	return __atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST);
}

/* ---- per-CPU data: at the bottom of each CPU's 16 KiB stack ---- */

#define MAX_CPUS	8
#define STACK_SIZE	16384

struct percpu {
	int id;			/* APIC ID = CPU index */
	bool x2apic;		/* this CPU's LAPIC is in x2APIC mode */
	volatile int expect_fault;	/* vector a *_safe() helper expects */
	volatile int faulted;	/* the expected fault happened */
	volatile u32 fault_error;
	int fault_skip;		/* bytes to skip over the faulting insn */
	void (*volatile fn)(void *);	/* work for on_cpu() */
	void *volatile arg;
	volatile int done;
};

static inline struct percpu *this_cpu(void)
{
	u32 sp;

	__asm__ __volatile__("movl %%esp, %0" : "=r"(sp));
	return (struct percpu *)(sp & ~(STACK_SIZE - 1));
}

static inline int cpu_id(void)
{
	return this_cpu()->id;
}

/* ---- interrupts ---- */

struct frame {
	u32 edi, esi, ebp, esp0, ebx, edx, ecx, eax;
	u32 vector, error;
	u32 eip, cs, eflags;
};

typedef void (*handler_t)(struct frame *f);
void set_handler(int vector, handler_t h);
extern volatile int unexpected_irqs;	/* vectors with no handler */

/*
 * Access helpers that catch #GP: return 0 when the access completed,
 * -1 when it raised #GP (the instruction is then skipped).
 */
int rdmsr_safe(u32 msr, u64 *v);
int wrmsr_safe(u32 msr, u64 v);

/* ---- console, TAP, exit ---- */

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int snprintf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
const char *strstr(const char *h, const char *n);

void plan(int n);
bool ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tap_done(void);	/* 0 if every planned test passed */
void __attribute__((noreturn)) guest_exit(u32 code);

/* ---- the platform ---- */

#define TESTDEV_GSI(n)	(0x2000 + (n))
#define FLUSH_PORT	0xe4
static inline void set_gsi(int gsi, int level)
{
	outb(TESTDEV_GSI(gsi), level);
}
/* One exit to the VMM: pending interrupts get injected on re-entry. */
static inline void vm_roundtrip(void)
{
	outl(FLUSH_PORT, 0);
}
u32 fwcfg_read(u16 key, int len);
int nr_cpus(void);		/* fw_cfg key 0x05 */

extern u32 mb_magic;
extern u32 mb_info_addr;

/* Spin until cond or spins run out; yields the result. */
#define WAIT_FOR(cond, spins) ({					\
	unsigned long __n = (spins);					\
	while (!(cond) && __n) {					\
		pause();						\
		__n--;							\
	}								\
	(cond);								\
})
#define SPINS	200000000UL

/* ---- 8259A ---- */

#define PIC_M	0x20
#define PIC_S	0xa0
#define ELCR_M	0x4d0
#define ELCR_S	0x4d1
void pic_init(u8 master_base, u8 slave_base, bool auto_eoi);
void pic_set_imr(u16 mask);
u16 pic_irr(void);
u16 pic_isr(void);
void pic_eoi(int irq);

/* ---- local APIC ---- */

#define APIC_DEFAULT_BASE	0xfee00000u
#define MSR_APIC_BASE		0x1b
#define MSR_TSC_DEADLINE	0x6e0
#define APIC_BASE_BSP		(1u << 8)
#define APIC_BASE_EXTD		(1u << 10)
#define APIC_BASE_EN		(1u << 11)

#define APIC_ID		0x20
#define APIC_VER	0x30
#define APIC_TPR	0x80
#define APIC_APR	0x90
#define APIC_PPR	0xa0
#define APIC_EOI	0xb0
#define APIC_LDR	0xd0
#define APIC_DFR	0xe0
#define APIC_SVR	0xf0
#define APIC_ISR	0x100
#define APIC_TMR	0x180
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_LVT0	0x350
#define APIC_LVT1	0x360
#define APIC_LVTERR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0
#define APIC_SELF_IPI	0x3f0	/* x2APIC only */

#define ICR_FIXED	0x000
#define ICR_LOWEST	0x100
#define ICR_NMI		0x400
#define ICR_INIT	0x500
#define ICR_SIPI	0x600
#define ICR_LOGICAL	0x800
#define ICR_BUSY	0x1000
#define ICR_ASSERT	0x4000
#define ICR_LEVEL	0x8000
#define ICR_SELF	0x40000
#define ICR_ALL		0x80000
#define ICR_OTHERS	0xc0000

#define SPURIOUS_VEC	0xff
#define WAKE_VEC	0xfe

extern u32 apic_base;	/* the xAPIC page (per system: one base for all) */
bool has_apic(void);
bool has_x2apic(void);
bool has_tsc_deadline(void);
u32 apic_read(u32 reg);
void apic_write(u32 reg, u32 v);
void apic_icr(u32 dest, u32 lo);
void apic_eoi(void);
void apic_enable(void);		/* SVR: software enable, spurious vector */
void x2apic_enable(void);	/* this CPU: IA32_APIC_BASE EN | EXTD */
void x2apic_disable(void);	/* back to xAPIC through disabled */
u32 apic_id(void);

/* ---- IOAPIC ---- */

#define IOAPIC_BASE	0xfec00000u
#define RTE_LOGICAL	(1u << 11)
#define RTE_DELIVS	(1u << 12)
#define RTE_LOW		(1u << 13)
#define RTE_REMOTE_IRR	(1u << 14)
#define RTE_LEVEL	(1u << 15)
#define RTE_MASKED	(1u << 16)
u32 ioapic_read(u32 reg);
void ioapic_write(u32 reg, u32 v);
u64 ioapic_rte(int pin);
void ioapic_set_rte(int pin, u64 rte);
void ioapic_mask_all(void);
void ioapic_eoi_reg(u8 vector);

/* ---- SMP ---- */

#define TRAMP_BASE	0x8000u	/* SIPI vector 0x08 */
extern volatile int cpus_online;
int smp_boot(void);		/* starts every AP; returns CPUs online */
void on_cpu(int id, void (*fn)(void *), void *arg);	/* and wait */
void on_cpu_async(int id, void (*fn)(void *), void *arg);
void wait_cpu(int id);

int main(void);

#endif /* VIRQ_GUEST_H */
