// SPDX-License-Identifier: GPL-2.0
/*
 * The guest library's core: start-up (GDT, IDT, per-CPU data), interrupt
 * dispatch, #GP catching for the *_safe() helpers, the console (16550 at
 * 0x3f8, one lock for all CPUs), a small printf, TAP results and the exit
 * port. No libgcc: 64-bit numbers are printed with divl, never with a
 * 64-bit division.
 */
#include <stdarg.h>
#include "guest.h"

u8 cpu_stacks[MAX_CPUS + 1][STACK_SIZE] __attribute__((aligned(STACK_SIZE)));
u32 mb_magic, mb_info_addr;
volatile int unexpected_irqs;

static u64 gdt[3] = {
	0,
	0x00cf9a000000ffffULL,	/* 0x08: code */
	0x00cf92000000ffffULL,	/* 0x10: data */
};
static u64 idt[256];
static handler_t handlers[256];
extern u8 isr_stubs[];

struct __attribute__((packed)) dtr {
	u16 limit;
	u32 base;
};

/* ---- start-up ---- */

static void load_tables(void)
{
	struct dtr g = { sizeof(gdt) - 1, (u32)gdt };
	struct dtr i = { sizeof(idt) - 1, (u32)idt };

	__asm__ __volatile__(
		"lgdt %0\n\t"
		"ljmp $0x08, $1f\n"
		"1:\tmovw $0x10, %%ax\n\t"
		"movw %%ax, %%ds\n\tmovw %%ax, %%es\n\tmovw %%ax, %%ss\n\t"
		"movw %%ax, %%fs\n\tmovw %%ax, %%gs\n\t"
		"lidt %1"
		:: "m"(g), "m"(i) : "eax", "memory");
}

static void percpu_init(int id)
{
	struct percpu *pc = this_cpu();

	memset(pc, 0, sizeof(*pc));
	pc->id = id;
}

void guest_start(u32 magic, u32 info)
{
	int v;

	mb_magic = magic;
	mb_info_addr = info;
	for (v = 0; v < 256; v++) {
		u32 off = (u32)isr_stubs + 16 * v;

		/* Present, DPL 0, 32-bit interrupt gate, selector 0x08. */
		idt[v] = (off & 0xffff) | (0x08u << 16) |
			 ((u64)0x8e00 << 32) | ((u64)(off >> 16) << 48);
	}
	load_tables();
	percpu_init(0);
	guest_exit(main());
}

/* APs arrive here from the trampoline, on their own stacks. */
void ap_main(int id);
void ap_start(int id)
{
	load_tables();
	percpu_init(id);
	ap_main(id);
}

void set_handler(int vector, handler_t h)
{
	handlers[vector & 0xff] = h;
}

void isr_dispatch(struct frame *f)
{
	struct percpu *pc = this_cpu();
	handler_t h = handlers[f->vector];

	if (pc->expect_fault && (int)f->vector == pc->expect_fault) {
		pc->faulted = 1;
		pc->fault_error = f->error;
		f->eip += pc->fault_skip;
		return;
	}
	if (h) {
		h(f);
		return;
	}
	if (f->vector < 32 && f->vector != 2) {
		printf("# cpu%d: exception %u, error 0x%x at eip 0x%x\n",
		       pc->id, f->vector, f->error, f->eip);
		printf("not ok 9999 unexpected exception\n");
		guest_exit(3);
	}
	atomic_inc(&unexpected_irqs);
	printf("# cpu%d: unexpected vector 0x%02x\n", pc->id, f->vector);
}

int rdmsr_safe(u32 msr, u64 *v)
{
	struct percpu *pc = this_cpu();
	u32 lo = 0, hi = 0;

	pc->faulted = 0;
	pc->fault_skip = 2;	/* 0f 32 */
	pc->expect_fault = 13;
	__asm__ __volatile__("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	pc->expect_fault = 0;
	*v = (u64)hi << 32 | lo;
	return pc->faulted ? -1 : 0;
}

int wrmsr_safe(u32 msr, u64 v)
{
	struct percpu *pc = this_cpu();

	pc->faulted = 0;
	pc->fault_skip = 2;	/* 0f 30 */
	pc->expect_fault = 13;
	wrmsr(msr, v);
	pc->expect_fault = 0;
	return pc->faulted ? -1 : 0;
}

/* ---- strings ---- */

void *memset(void *d, int c, size_t n)
{
	u8 *p = d;

	while (n--)
		*p++ = c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *p = d;
	const u8 *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (u8)*a - (u8)*b;
}

const char *strstr(const char *h, const char *n)
{
	size_t l = strlen(n);

	for (; *h; h++)
		if (!memcmp(h, n, l))
			return h;
	return l ? NULL : h;
}

/* ---- formatting ---- */

struct out {
	char *buf;
	size_t n, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->n)
		o->buf[o->len] = c;
	o->len++;
}

/* n / 10 for a 64-bit n with 32-bit divisions only. */
static u64 div10(u64 n, u32 *rem)
{
	u32 hi = n >> 32, lo = n, qhi = hi / 10, r = hi % 10, qlo;

	__asm__("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "r"(10u));
	*rem = r;
	return (u64)qhi << 32 | qlo;
}

static void number(struct out *o, u64 v, int base, int width, char padc,
		   bool neg, bool upper)
{
	char tmp[24];
	int i = 0;

	do {
		u32 d;

		if (base == 16) {
			d = v & 15;
			v >>= 4;
		} else {
			v = div10(v, &d);
		}
		tmp[i++] = d < 10 ? '0' + d : (upper ? 'A' : 'a') + d - 10;
	} while (v);
	if (neg)
		tmp[i++] = '-';
	while (i < width--)
		put(o, padc);
	while (i)
		put(o, tmp[--i]);
}

static int vformat(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct out o = { buf, n, 0 };

	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		char padc = ' ';
		u64 v;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0') {
			padc = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			s64 s = lng >= 2 ? va_arg(ap, s64) : va_arg(ap, int);

			number(&o, s < 0 ? -(u64)s : (u64)s, 10, width, padc,
			       s < 0, false);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			v = lng >= 2 ? va_arg(ap, u64) : va_arg(ap, u32);
			number(&o, v, *fmt == 'u' ? 10 : 16, width, padc, false,
			       *fmt == 'X');
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			number(&o, (u32)va_arg(ap, void *), 16, 8, '0', false,
			       false);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			width -= strlen(s);
			while (width-- > 0)
				put(&o, ' ');
			while (*s)
				put(&o, *s++);
			break;
		}
		case 'c':
			put(&o, va_arg(ap, int));
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '?');
		}
	}
	if (n)
		buf[o.len < n ? o.len : n - 1] = 0;
	return o.len;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vformat(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

/* ---- console ---- */

static volatile int console_lock;

static void lock_console(u32 *flags)
{
	*flags = read_eflags();
	cli();
	while (__atomic_exchange_n(&console_lock, 1, __ATOMIC_ACQUIRE))
		pause();
}

static void unlock_console(u32 flags)
{
	__atomic_store_n(&console_lock, 0, __ATOMIC_RELEASE);
	if (flags & 0x200)
		sti();
}

static void puts_raw(const char *s)
{
	/* virq-vmm's LSR always has THRE: no need to poll it. */
	for (; *s; s++)
		outb(0x3f8, *s);
}

int printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	u32 flags;
	int r;

	va_start(ap, fmt);
	r = vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	lock_console(&flags);
	puts_raw(buf);
	unlock_console(flags);
	return r;
}

/* ---- TAP ---- */

static int planned, tests, failures;

void plan(int n)
{
	planned = n;
	printf("TAP version 13\n1..%d\n", n);
}

bool ok(bool cond, const char *fmt, ...)
{
	char name[200];
	va_list ap;

	va_start(ap, fmt);
	vformat(name, sizeof(name), fmt, ap);
	va_end(ap);
	tests++;
	if (!cond)
		failures++;
	printf("%s %d %s\n", cond ? "ok" : "not ok", tests, name);
	return cond;
}

int tap_done(void)
{
	if (tests != planned)
		printf("# planned %d tests, ran %d\n", planned, tests);
	printf("# %d passed, %d failed\n", tests - failures, failures);
	return failures || tests != planned;
}

void guest_exit(u32 code)
{
	outl(0xf4, code);
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

/* ---- fw_cfg ---- */

u32 fwcfg_read(u16 key, int len)
{
	u32 v = 0;
	int i;

	outw(0x510, key);
	for (i = 0; i < len && i < 4; i++)
		v |= (u32)inb(0x511) << (8 * i);
	return v;
}

int nr_cpus(void)
{
	return fwcfg_read(0x05, 2);
}
