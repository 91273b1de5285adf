// SPDX-License-Identifier: GPL-2.0
/*
 * virq-vmm: the platform. Port I/O and MMIO exits land here; what this
 * file does not own goes to VIRQ_IO on the exiting vCPU's fd (PIC, ELCR,
 * IOAPIC, LAPIC), and what virq does not claim either reads all ones and
 * ignores writes (counted). The devices follow the conventions of QEMU's
 * test devices so that common x86 test kernels run unchanged:
 *
 *   0x3f8-0x3ff  16550-style UART: transmit, LSR with THRE/TEMT always set,
 *                DLAB tracked (divisor writes are not printed)
 *   0xf4         exit port: a write of v ends the VMM, status (v << 1) | 1
 *   0x2000+N     test device, N < 24: a byte write sets GSI N's level
 *   0xe4         flush page (4 bytes): a no-op
 *   0x510/0x511  fw_cfg: 16-bit selector / byte data; signature (0x00),
 *                ID (0x01), RAM size (0x03, u64), CPUs (0x05 and 0x0f, u16),
 *                virq-vmm's own (0x7f00, u32): bit 0, virq reads the guest's
 *                TSC exactly (VIRQ_CLOCK_HOST_TSC)
 *   0x40-0x43    8254 PIT channel 0 (modes 0, 2, 3; latch): GSI 0
 *   0x60, 0x64   keyboard controller subset: level IRQ 1, lowered when the
 *                data port is read empty; command 0xd2 (write output
 *                buffer) and --type keystrokes after command 0xae
 *   0x2100-0x217f  MSI test device: 4 vectors of 32 bytes (address low,
 *                high, data, command/status, period, count, delivered,
 *                coalesced), each sent through its own GSI route (GSI
 *                32 + k) or with VIRQ_SIGNAL_MSI
 *
 * Locks: vm->dev_lock protects every device's state; VIRQ ioctls that
 * inject are made with it held (virq never calls back into the VMM), so a
 * device's line follows its state in order. The device thread runs the
 * PIT, the typist and the MSI device's periodic sends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "vmm.h"

/* ---- UART ---- */

static char uart_buf[4096];
static size_t uart_len;
static pthread_mutex_t uart_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t uart_lcr, uart_ier, uart_mcr, uart_scr, uart_dll, uart_dlm;

static void uart_flush_locked(void)
{
	size_t done = 0;

	while (done < uart_len) {
		ssize_t r = write(STDOUT_FILENO, uart_buf + done, uart_len - done);

		if (r <= 0)
			break;
		done += r;
	}
	uart_len = 0;
}

void uart_flush(void)
{
	pthread_mutex_lock(&uart_lock);
	uart_flush_locked();
	pthread_mutex_unlock(&uart_lock);
}

static void uart_putc(struct vm *vm, char c)
{
	pthread_mutex_lock(&uart_lock);
	uart_buf[uart_len++] = c;
	if (c == '\n' || uart_len == sizeof(uart_buf)) {
		/* In the timeline too, where the guest says it. */
		if (vm->timeline)
			ev(vm, -1, 2, "serial: %.*s", (int)uart_len - 1,
			   uart_buf);
		uart_flush_locked();
	}
	pthread_mutex_unlock(&uart_lock);
}

static uint32_t uart_io(struct vm *vm, uint16_t reg, bool write, uint32_t val)
{
	bool dlab = uart_lcr & 0x80;

	if (write) {
		switch (reg) {
		case 0:
			if (dlab)
				uart_dll = val;
			else
				uart_putc(vm, val);
			break;
		case 1:
			if (dlab)
				uart_dlm = val;
			else
				uart_ier = val & 0xf;
			break;
		case 3:
			uart_lcr = val;
			break;
		case 4:
			uart_mcr = val & 0x1f;
			break;
		case 7:
			uart_scr = val;
			break;
		}
		return 0;
	}
	switch (reg) {
	case 0:
		return dlab ? uart_dll : 0;
	case 1:
		return dlab ? uart_dlm : uart_ier;
	case 2:
		return 0x01;	/* IIR: no interrupt pending */
	case 3:
		return uart_lcr;
	case 4:
		return uart_mcr;
	case 5:
		return 0x60;	/* LSR: THRE | TEMT */
	case 6:
		return 0xb0;	/* MSR: DCD, DSR, CTS */
	default:
		return uart_scr;
	}
}

/* ---- fw_cfg ---- */

static uint16_t fwcfg_key;
static uint32_t fwcfg_off;

static uint8_t fwcfg_byte(struct vm *vm)
{
	uint8_t item[8] = { 0 };
	uint64_t v = 0;
	uint32_t len = 0;

	switch (fwcfg_key) {
	case 0x00:
		memcpy(item, "QEMU", 4);
		len = 4;
		break;
	case 0x01:		/* traditional interface, no DMA */
		v = 1;
		len = 4;
		break;
	case 0x03:
		v = vm->ram_size;
		len = 8;
		break;
	case 0x05:
	case 0x0f:
		v = vm->ncpus;
		len = 2;
		break;
	case FWCFG_VMM_FEATURES:
		v = __atomic_load_n(&vm->exact_tsc, __ATOMIC_RELAXED) ?
		    VMM_FEATURE_EXACT_TSC : 0;
		len = 4;
		break;
	}
	if (fwcfg_key)
		memcpy(item, &v, sizeof(v));
	return fwcfg_off < len ? item[fwcfg_off++] : 0;
}

/* ---- timers of the device thread ---- */

static pthread_cond_t dev_cond;
static pthread_t dev_thread;
static bool dev_stop;

static void dev_wake(void)
{
	pthread_cond_signal(&dev_cond);
}

/* ---- 8254 PIT, channel 0 ---- */

#define PIT_HZ		1193182ULL
#define PIT_MIN_NS	500000ULL	/* faster periods are slowed to this */

static struct {
	uint8_t mode, access, rw_hi, latch_hi;
	bool latched;
	uint16_t reload, latch;
	uint64_t start_ns, period_ns, next_ns;
	bool out_high;
} pit;

static uint16_t pit_count_now(void)
{
	uint64_t ticks, reload = pit.reload ? pit.reload : 65536;

	if (!pit.start_ns)
		return pit.reload;
	ticks = (now_ns() - pit.start_ns) * PIT_HZ / 1000000000ULL;
	if (pit.mode == 0)
		return ticks >= reload ? 0 : reload - ticks;
	return reload - ticks % reload;
}

static void pit_arm(struct vm *vm)
{
	uint64_t reload = pit.reload ? pit.reload : 65536;

	pit.period_ns = reload * 1000000000ULL / PIT_HZ;
	if (pit.period_ns < PIT_MIN_NS)
		pit.period_ns = PIT_MIN_NS;
	pit.start_ns = now_ns();
	pit.next_ns = pit.start_ns + pit.period_ns;
	if (pit.out_high) {
		pit.out_high = false;
		virq_line(vm, SRC_TIMER, 0, 0);
	}
	ev(vm, -1, 2, "pit: mode %u, count %u: GSI 0 every %.3f ms", pit.mode,
	   pit.reload, pit.period_ns / 1e6);
	dev_wake();
}

static uint32_t pit_io(struct vm *vm, uint16_t port, bool write, uint32_t val)
{
	if (port == 0x43) {
		if (!write)
			return 0xff;
		if ((val >> 6) != 0)
			return 0;	/* channels 1 and 2: not modelled */
		if (((val >> 4) & 3) == 0) {	/* latch */
			pit.latch = pit_count_now();
			pit.latched = true;
			pit.latch_hi = 0;
			return 0;
		}
		pit.access = (val >> 4) & 3;
		pit.mode = (val >> 1) & 7;
		if (pit.mode > 5)
			pit.mode -= 4;
		pit.rw_hi = 0;
		pit.next_ns = 0;	/* stopped until the count is written */
		pit.start_ns = 0;
		if (pit.out_high) {
			pit.out_high = false;
			virq_line(vm, SRC_TIMER, 0, 0);
		}
		return 0;
	}
	if (port != 0x40)
		return write ? 0 : 0xff;
	if (write) {
		switch (pit.access) {
		case 1:
			pit.reload = val & 0xff;
			pit_arm(vm);
			break;
		case 2:
			pit.reload = (val & 0xff) << 8;
			pit_arm(vm);
			break;
		default:
			if (!pit.rw_hi) {
				pit.reload = (pit.reload & 0xff00) | (val & 0xff);
				pit.rw_hi = 1;
			} else {
				pit.reload = (pit.reload & 0xff) | (val & 0xff) << 8;
				pit.rw_hi = 0;
				pit_arm(vm);
			}
		}
		return 0;
	}
	{
		uint16_t c = pit.latched ? pit.latch : pit_count_now();
		uint8_t r;

		if (pit.access == 1)
			r = c;
		else if (pit.access == 2)
			r = c >> 8;
		else
			r = pit.latch_hi ? c >> 8 : c;
		if (pit.access == 3 || pit.access == 0) {
			pit.latch_hi ^= 1;
			if (!pit.latch_hi)
				pit.latched = false;
		} else {
			pit.latched = false;
		}
		return r;
	}
}

static void pit_tick(struct vm *vm, uint64_t now)
{
	if (!pit.next_ns || now < pit.next_ns)
		return;
	if (pit.mode == 0) {
		/* Interrupt on terminal count: OUT rises and stays high. */
		pit.next_ns = 0;
		pit.out_high = true;
		virq_line(vm, SRC_TIMER, 0, 1);
		return;
	}
	/* Rate generator / square wave: one edge per period. */
	virq_line(vm, SRC_TIMER, 0, 1);
	virq_line(vm, SRC_TIMER, 0, 0);
	pit.next_ns += pit.period_ns;
	if (pit.next_ns < now)		/* we fell behind: do not burst */
		pit.next_ns = now + pit.period_ns;
}

/* ---- keyboard controller subset ---- */

#define KBD_GSI		1
#define KBD_QLEN	64

static struct {
	uint8_t q[KBD_QLEN];
	unsigned int head, n;
	bool line, enabled, wr_outbuf;
	const char *typing;	/* --type text still to send */
	uint64_t next_ns, period_ns;
} kbd;

static void kbd_update(struct vm *vm)
{
	bool want = kbd.n > 0;

	if (want != kbd.line) {
		kbd.line = want;
		virq_line(vm, SRC_KBD, KBD_GSI, want);
	}
}

static void kbd_push(struct vm *vm, uint8_t code)
{
	if (kbd.n == KBD_QLEN)
		return;
	kbd.q[(kbd.head + kbd.n++) % KBD_QLEN] = code;
	ev(vm, -1, 2, "kbd: scancode 0x%02x queued", code);
	kbd_update(vm);
}

/* Set-1 make code of a letter, digit or space. */
static uint8_t scancode(char c)
{
	static const char rows[] = "qwertyuiop\0\0\0\0asdfghjkl\0\0\0\0\0zxcvbnm";
	const char *p;

	if (c == ' ')
		return 0x39;
	if (c >= '1' && c <= '9')
		return 0x02 + (c - '1');
	if (c == '0')
		return 0x0b;
	for (p = rows; p < rows + sizeof(rows); p++)
		if (*p == c)
			return 0x10 + (p - rows);
	return 0x1c;	/* enter */
}

static uint32_t kbd_io(struct vm *vm, uint16_t port, bool write, uint32_t val)
{
	if (port == 0x64) {
		if (!write)
			return (kbd.n ? 0x01 : 0) | 0x04;	/* OBF, system */
		if (val == 0xd2)
			kbd.wr_outbuf = true;
		if (val == 0xae && !kbd.enabled) {
			kbd.enabled = true;
			if (kbd.typing && *kbd.typing) {
				kbd.next_ns = now_ns() + kbd.period_ns;
				dev_wake();
			}
		}
		if (val == 0xad)
			kbd.enabled = false;
		return 0;
	}
	if (write) {
		if (kbd.wr_outbuf)
			kbd_push(vm, val);
		kbd.wr_outbuf = false;
		return 0;
	}
	if (!kbd.n)
		return 0;
	val = kbd.q[kbd.head];
	kbd.head = (kbd.head + 1) % KBD_QLEN;
	kbd.n--;
	kbd_update(vm);		/* lowered when read empty */
	return val;
}

static void kbd_tick(struct vm *vm, uint64_t now)
{
	if (!kbd.next_ns || now < kbd.next_ns)
		return;
	if (!kbd.enabled || !kbd.typing || !*kbd.typing) {
		kbd.next_ns = 0;
		return;
	}
	kbd_push(vm, scancode(*kbd.typing++));
	kbd.next_ns = *kbd.typing ? now + kbd.period_ns : 0;
}

/* ---- MSI test device and the routing table ---- */

#define MSI_BASE	0x2100
#define MSI_VECS	4
#define MSI_GSI(k)	(32 + (k))

static struct msi_vec {
	uint32_t addr_lo, addr_hi, data;
	uint32_t period_us, count;
	uint32_t delivered, coalesced;	/* sends by their status */
	bool masked, pending, routed;
	int16_t last_status;
	uint64_t next_ns;
} msi[MSI_VECS];
static bool routes_dirty;

static void add_route(struct virq_irq_routing_entry *e, uint32_t *n,
		      uint32_t gsi, uint32_t chip, uint32_t pin)
{
	memset(&e[*n], 0, sizeof(e[*n]));
	e[*n].gsi = gsi;
	e[*n].type = VIRQ_IRQ_ROUTING_IRQCHIP;
	e[*n].u.irqchip.irqchip = chip;
	e[*n].u.irqchip.pin = pin;
	(*n)++;
}

/*
 * The whole table: virq's default PC wiring (api.rst) plus one MSI route
 * per programmed vector of the MSI device.
 */
static void set_routing(struct vm *vm)
{
	struct {
		struct virq_irq_routing r;
		struct virq_irq_routing_entry e[64];
	} t = { 0 };
	bool ioapic = vm->chip_kind == CHIP_FULL;
	uint32_t n = 0, g;
	int k;

	for (g = 0; g < 16; g++) {
		if (g == 2)
			continue;
		add_route(t.e, &n, g, g < 8 ? VIRQ_IRQCHIP_PIC_MASTER :
			  VIRQ_IRQCHIP_PIC_SLAVE, g & 7);
		if (ioapic)
			add_route(t.e, &n, g, VIRQ_IRQCHIP_IOAPIC(0),
				  g == 0 ? 2 : g);
	}
	for (g = 16; ioapic && g < 24; g++)
		add_route(t.e, &n, g, VIRQ_IRQCHIP_IOAPIC(0), g);
	for (k = 0; k < MSI_VECS; k++) {
		if (!msi[k].routed)
			continue;
		t.e[n].gsi = MSI_GSI(k);
		t.e[n].type = VIRQ_IRQ_ROUTING_MSI;
		t.e[n].u.msi.address_lo = msi[k].addr_lo;
		t.e[n].u.msi.address_hi = msi[k].addr_hi;
		t.e[n].u.msi.data = msi[k].data;
		n++;
	}
	t.r.nr = n;
	if (ioctl(vm->chip, VIRQ_SET_GSI_ROUTING, &t))
		die("VIRQ_SET_GSI_ROUTING: %s", strerror(errno));
	routes_dirty = false;
}

static void msi_send(struct vm *vm, int k, bool direct)
{
	struct msi_vec *m = &msi[k];
	struct src_stats *s = &vm->src[SRC_MSI];
	int st;

	if (m->masked) {
		m->pending = true;
		return;
	}
	if (direct) {
		struct virq_msi x = { .address_lo = m->addr_lo,
				      .address_hi = m->addr_hi, .data = m->data };

		if (ioctl(vm->chip, VIRQ_SIGNAL_MSI, &x) < 0)
			st = -2;	/* rejected: a malformed message */
		else
			st = x.status;
		s->raised++;
		if (st > 0)
			s->delivered++;
		else if (st == 0)
			s->coalesced++;
		else
			s->ignored++;
		ev(vm, -1, 2, "msi%d: VIRQ_SIGNAL_MSI addr 0x%08x data 0x%04x -> "
		   "status %d", k, m->addr_lo, m->data, st);
	} else {
		if (routes_dirty)
			set_routing(vm);
		ev(vm, -1, 2, "msi%d: GSI %d (MSI route: addr 0x%08x data 0x%04x)",
		   k, MSI_GSI(k), m->addr_lo, m->data);
		st = virq_line(vm, SRC_MSI, MSI_GSI(k), 1);
		virq_line(vm, SRC_MSI, MSI_GSI(k), 0);
	}
	m->last_status = st;
	if (st > 0)
		m->delivered++;
	else if (st == 0)
		m->coalesced++;
}

static uint32_t msi_io(struct vm *vm, uint16_t off, bool write, uint32_t val)
{
	struct msi_vec *m = &msi[off / 32];
	int k = off / 32;

	switch (off % 32) {
	case 0:
		if (!write)
			return m->addr_lo;
		m->addr_lo = val;
		m->routed = routes_dirty = true;
		return 0;
	case 4:
		if (!write)
			return m->addr_hi;
		m->addr_hi = val;
		m->routed = routes_dirty = true;
		return 0;
	case 8:
		if (!write)
			return m->data;
		m->data = val;
		m->routed = routes_dirty = true;
		return 0;
	case 12:
		if (!write)
			return (m->masked ? 1 : 0) | (m->pending ? 2 : 0) |
			       ((uint32_t)(uint16_t)m->last_status << 16);
		switch (val) {
		case 1:
			msi_send(vm, k, false);
			break;
		case 2:
			msi_send(vm, k, true);
			break;
		case 3:
			m->masked = true;
			break;
		case 4:
			m->masked = false;
			if (m->pending) {
				m->pending = false;
				msi_send(vm, k, false);
			}
			break;
		}
		return 0;
	case 16:
		if (!write)
			return m->period_us;
		m->period_us = val;
		return 0;
	case 20:
		if (!write)
			return m->count;
		m->count = val;
		m->next_ns = val && m->period_us ?
			     now_ns() + m->period_us * 1000ULL : 0;
		dev_wake();
		return 0;
	case 24:
		if (!write)
			return m->delivered;
		m->delivered = 0;
		return 0;
	case 28:
		if (!write)
			return m->coalesced;
		m->coalesced = 0;
		return 0;
	}
	return write ? 0 : 0xffffffff;
}

static void msi_tick(struct vm *vm, uint64_t now)
{
	int k;

	for (k = 0; k < MSI_VECS; k++) {
		struct msi_vec *m = &msi[k];

		if (!m->next_ns || now < m->next_ns)
			continue;
		msi_send(vm, k, false);
		m->count--;
		m->next_ns = m->count ? now + m->period_us * 1000ULL : 0;
	}
}

/* ---- the device thread ---- */

static uint64_t next_due(void)
{
	uint64_t t = UINT64_MAX;
	int k;

	if (pit.next_ns && pit.next_ns < t)
		t = pit.next_ns;
	if (kbd.next_ns && kbd.next_ns < t)
		t = kbd.next_ns;
	for (k = 0; k < MSI_VECS; k++)
		if (msi[k].next_ns && msi[k].next_ns < t)
			t = msi[k].next_ns;
	return t;
}

static void *device_thread(void *arg)
{
	struct vm *vm = arg;

	pthread_mutex_lock(&vm->dev_lock);
	while (!dev_stop) {
		uint64_t due = next_due(), now = now_ns();

		if (due > now) {
			if (due == UINT64_MAX) {
				pthread_cond_wait(&dev_cond, &vm->dev_lock);
			} else {
				struct timespec ts = {
					.tv_sec = due / 1000000000ULL,
					.tv_nsec = due % 1000000000ULL,
				};

				pthread_cond_timedwait(&dev_cond, &vm->dev_lock,
						       &ts);
			}
			continue;
		}
		pit_tick(vm, now);
		kbd_tick(vm, now);
		msi_tick(vm, now);
	}
	pthread_mutex_unlock(&vm->dev_lock);
	return NULL;
}

void devices_init(struct vm *vm)
{
	pthread_condattr_t a;

	vm->src[SRC_TESTDEV].name = "testdev";
	vm->src[SRC_TIMER].name = "pit";
	vm->src[SRC_KBD].name = "kbd";
	vm->src[SRC_MSI].name = "msi";
	vm->src[SRC_IPI].name = "ipi";
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&dev_cond, &a);
	kbd.typing = vm->type_text;
	kbd.period_ns = 20000000ULL;
	set_routing(vm);
}

void devices_start(struct vm *vm)
{
	if (pthread_create(&dev_thread, NULL, device_thread, vm))
		die("pthread_create failed");
}

void devices_stop(struct vm *vm)
{
	pthread_mutex_lock(&vm->dev_lock);
	dev_stop = true;
	dev_wake();
	pthread_mutex_unlock(&vm->dev_lock);
	pthread_join(dev_thread, NULL);
}

/* ---- dispatch ---- */

static uint8_t testdev_level[24];

static const char *lapic_reg_name(uint32_t off)
{
	switch (off) {
	case 0x080: return "TPR";
	case 0x0b0: return "EOI";
	case 0x0f0: return "SVR";
	case 0x300: return "ICR";
	case 0x310: return "ICR2";
	case 0x320: return "LVT timer";
	case 0x350: return "LVT LINT0";
	case 0x380: return "timer initial count";
	case 0x3f0: return "SELF IPI";
	}
	return NULL;
}

/* Forward an access to virq; false if nothing there claims it. */
static bool virq_io(struct vcpu *v, uint32_t space, uint64_t addr, int len,
		    bool write, uint64_t *data)
{
	struct virq_io io = { .space = space, .len = len, .addr = addr,
			      .data = write ? *data : 0, .write = write };
	struct vm *vm = v->vm;
	uint64_t t = now_ns();

	if (ioctl(v->virq_fd, VIRQ_IO, &io)) {
		if (errno == ENOENT)
			return false;
		if (errno != EINVAL)
			die("VIRQ_IO %s 0x%llx: %s", space == VIRQ_IO_PIO ?
			    "port" : "MMIO", (unsigned long long)addr,
			    strerror(errno));
		/* A register accessed with a width it does not have. */
		__atomic_add_fetch(&vm->rejected_io, 1, __ATOMIC_RELAXED);
		ev(vm, v->index, 1, "%s %s 0x%llx, %d bytes: virq refuses the "
		   "width; ignored", write ? "write" : "read",
		   space == VIRQ_IO_PIO ? "port" : "MMIO",
		   (unsigned long long)addr, len);
		if (!write)
			*data = ~0ULL;
		return true;
	}
	if (!write)
		*data = io.data;
	if (space == VIRQ_IO_MMIO && (addr & ~0xfffULL) == 0xfee00000ULL) {
		const char *n = lapic_reg_name(addr & 0xff0);

		if (write && (addr & 0xff0) == 0x300)
			__atomic_add_fetch(&vm->src[SRC_IPI].raised, 1,
					   __ATOMIC_RELAXED);
		ev_at(vm, t, v->index, write && n && (addr & 0xff0) != 0x310 ?
		      2 : 3, "LAPIC %s %s0x%llx", n ? n : "register",
		      write ? "<- " : "-> ", (unsigned long long)*data);
	} else {
		ev_at(vm, t, v->index, 3, "%s %s 0x%llx %s 0x%llx -> virq",
		   write ? "write" : "read", space == VIRQ_IO_PIO ? "port" :
		   "MMIO", (unsigned long long)addr, write ? "=" : "->",
		   (unsigned long long)*data);
	}
	return true;
}

bool pio_access(struct vcpu *v, uint16_t port, int len, bool write,
		uint32_t *data)
{
	struct vm *vm = v->vm;
	uint64_t d = *data;
	bool mine = true;

	pthread_mutex_lock(&vm->dev_lock);
	if (port >= 0x3f8 && port <= 0x3ff) {
		*data = uart_io(vm, port - 0x3f8, write, *data & 0xff);
	} else if (port == 0xf4) {
		if (write) {
			pthread_mutex_unlock(&vm->dev_lock);
			uart_flush();
			vm_exit(vm, (int)((*data << 1) | 1),
				"the guest wrote to the exit port");
			return true;
		}
		*data = ~0u;
	} else if (port >= 0xe4 && port <= 0xe7) {
		*data = 0;	/* flush page: nothing is cached here */
	} else if (port >= 0x2000 && port < 0x2000 + 24) {
		if (write) {
			testdev_level[port - 0x2000] = *data & 1;
			virq_line(vm, SRC_TESTDEV, port - 0x2000, *data & 1);
		} else {
			*data = testdev_level[port - 0x2000];
		}
	} else if (port == 0x510 && write) {
		fwcfg_key = *data;
		fwcfg_off = 0;
	} else if (port == 0x511 && !write) {
		*data = fwcfg_byte(vm);
	} else if (port >= 0x40 && port <= 0x43) {
		*data = pit_io(vm, port, write, *data);
	} else if (port == 0x60 || port == 0x64) {
		*data = kbd_io(vm, port, write, *data);
	} else if (port >= MSI_BASE && port < MSI_BASE + 32 * MSI_VECS) {
		*data = msi_io(vm, port - MSI_BASE, write, *data);
	} else if (port == 0x80) {
		*data = ~0u;	/* POST code / I/O delay */
	} else {
		mine = false;
	}
	pthread_mutex_unlock(&vm->dev_lock);
	if (mine)
		return true;
	if (virq_io(v, VIRQ_IO_PIO, port, len, write, &d)) {
		if (!write)
			*data = d;
		return true;
	}
	__atomic_add_fetch(&vm->unclaimed_pio, 1, __ATOMIC_RELAXED);
	ev(vm, v->index, 2, "unclaimed port 0x%x %s (%d bytes)", port,
	   write ? "write ignored" : "read: all ones", len);
	if (!write)
		*data = ~0u;
	return false;
}

bool mmio_access(struct vcpu *v, uint64_t addr, int len, bool write,
		 uint64_t *data)
{
	struct vm *vm = v->vm;

	if (virq_io(v, VIRQ_IO_MMIO, addr, len, write, data))
		return true;
	__atomic_add_fetch(&vm->unclaimed_mmio, 1, __ATOMIC_RELAXED);
	ev(vm, v->index, 2, "unclaimed MMIO 0x%llx %s (%d bytes)",
	   (unsigned long long)addr, write ? "write ignored" :
	   "read: all ones", len);
	if (!write)
		*data = ~0ULL;
	return false;
}
