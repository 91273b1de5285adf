// SPDX-License-Identifier: GPL-2.0
/*
 * virq-vmm: the platform. Port I/O and MMIO exits land here; what this
 * file does not own goes to VIRQ_IO on the exiting vCPU's fd (PIC, ELCR,
 * IOAPIC, LAPIC), and what virq does not claim either reads all ones and
 * ignores writes (counted). The devices follow the conventions of QEMU's
 * test devices so that common x86 test kernels run unchanged:
 *
 *   0x3f8-0x3ff  16550A UART on GSI 4: transmit (THRE interrupt), receive
 *                FIFO of 16 (RDA interrupt; --type's text, each time the
 *                guest writes port 0x2030), IER/IIR/LCR/MCR/LSR/MSR/SCR,
 *                loopback;
 *                the interrupt reaches the line only with MCR.OUT2, as on
 *                a PC
 *   0x70, 0x71   MC146818 CMOS RTC on GSI 8: time of day from the host
 *                (BCD or binary, 12/24 h, SET), periodic, update-ended and
 *                alarm interrupts, 114 bytes of CMOS RAM
 *   0x600-0x605  ACPI PM1a event and control blocks: S5 ends the VM with
 *                status 0; 0x608 the ACPI PM timer (24 bits, 3.58 MHz)
 *   0xcf9        reset control: bit 2 ends the VM with status 6
 *   0xf4         exit port: a write of v ends the VMM, status (v << 1) | 1
 *   0x2000+N     test device, N < 24: a byte write sets GSI N's level
 *   0xe4         flush page (4 bytes): a no-op
 *   0x80         POST code / I/O delay: ignored
 *   0x510/0x511  fw_cfg: 16-bit selector / byte data; signature (0x00),
 *                ID (0x01), RAM size (0x03, u64), CPUs (0x05 and 0x0f, u16),
 *                virq-vmm's own (0x7f00, u32): bit 0, virq reads the guest's
 *                TSC exactly (VIRQ_CLOCK_HOST_TSC)
 *   0x40-0x43    8254 PIT, three counters (modes 0-5, latch, read-back):
 *                channel 0 on GSI 0, channel 2 gated by port 0x61
 *   0x61         port B: channel 2's gate and OUT, speaker bit
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
 * PIT, the UART's and RTC's clocks, the typist and the MSI device's
 * periodic sends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "vmm.h"

/* ---- UART (16550A) ---- */

static void dev_wake(void);

#define UART_GSI	4
#define UART_FIFO	16
#define UART_TYPE_PORT	0x2030	/* a write: --type's text into the UART */

/* IER */
#define IER_RDA		0x01	/* received data available */
#define IER_THRE	0x02	/* transmitter holding register empty */
/* IIR */
#define IIR_NONE	0x01
#define IIR_THRE	0x02
#define IIR_RDA		0x04
#define IIR_FIFOS	0xc0
/* LSR */
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
/* MCR */
#define MCR_OUT2	0x08	/* gates the interrupt to the ISA bus (PC) */
#define MCR_LOOP	0x10

static char uart_buf[4096];
static size_t uart_len;
static pthread_mutex_t uart_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The 16550A's state (dev_lock). Transmission is instant: THR and the
 * shift register are always empty, so THRE's interrupt is due whenever
 * it is enabled and was not yet acknowledged (by reading IIR while it is
 * the one reported, or by writing THR). Received bytes (--type, after
 * the guest asks at port 0x2030) wait in a 16-byte FIFO.
 */
static struct {
	uint8_t lcr, ier, mcr, scr, dll, dlm, fcr;
	bool thre_pending;	/* THRE's interrupt not yet acknowledged */
	bool line;		/* the INTR output, as virq last saw it */
	uint8_t rx[UART_FIFO];
	unsigned int rx_head, rx_n;
	const char *typing;	/* --type text still to send */
	uint64_t next_ns, period_ns;
} uart;

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

/* The interrupt the 16550A would identify now (IIR bits 3:0). */
static uint8_t uart_iir_id(void)
{
	if ((uart.ier & IER_RDA) && uart.rx_n)
		return IIR_RDA;
	if ((uart.ier & IER_THRE) && uart.thre_pending)
		return IIR_THRE;
	return IIR_NONE;
}

/* INTR follows the pending interrupt, through OUT2 as a PC wires it. */
static void uart_update(struct vm *vm)
{
	bool want = uart_iir_id() != IIR_NONE && (uart.mcr & MCR_OUT2) &&
		    !(uart.mcr & MCR_LOOP);

	if (want != uart.line) {
		uart.line = want;
		virq_line(vm, SRC_UART, UART_GSI, want);
	}
}

/* MSR: in loopback the modem outputs come back as inputs. */
static uint8_t uart_msr(void)
{
	uint8_t m = uart.mcr;

	if (m & MCR_LOOP)
		return ((m & 0x02) ? 0x10 : 0) | ((m & 0x01) ? 0x20 : 0) |
		       ((m & 0x04) ? 0x40 : 0) | ((m & 0x08) ? 0x80 : 0);
	return 0xb0;	/* DCD, DSR, CTS */
}

static uint32_t uart_io(struct vm *vm, uint16_t reg, bool write, uint32_t val)
{
	bool dlab = uart.lcr & 0x80;
	uint32_t r = 0;

	if (write) {
		switch (reg) {
		case 0:
			if (dlab) {
				uart.dll = val;
				break;
			}
			if (!(uart.mcr & MCR_LOOP))
				uart_putc(vm, val);
			uart.thre_pending = true;	/* sent at once */
			break;
		case 1:
			if (dlab) {
				uart.dlm = val;
				break;
			}
			/* Enabling THRE's interrupt with THR empty raises it. */
			if ((val & IER_THRE) && !(uart.ier & IER_THRE))
				uart.thre_pending = true;
			uart.ier = val & 0xf;
			break;
		case 2:
			uart.fcr = val & 0xc9;
			if (val & 0x02)			/* clear the RX FIFO */
				uart.rx_n = 0;
			break;
		case 3:
			uart.lcr = val;
			break;
		case 4:
			uart.mcr = val & 0x1f;
			break;
		case 7:
			uart.scr = val;
			break;
		}
		uart_update(vm);
		return 0;
	}
	switch (reg) {
	case 0:
		if (dlab) {
			r = uart.dll;
		} else if (uart.rx_n) {
			r = uart.rx[uart.rx_head];
			uart.rx_head = (uart.rx_head + 1) % UART_FIFO;
			uart.rx_n--;
		}
		break;
	case 1:
		r = dlab ? uart.dlm : uart.ier;
		break;
	case 2:
		r = uart_iir_id();
		/* Reading IIR acknowledges THRE's interrupt it reports. */
		if (r == IIR_THRE)
			uart.thre_pending = false;
		if (uart.fcr & 1)
			r |= IIR_FIFOS;
		break;
	case 3:
		r = uart.lcr;
		break;
	case 4:
		r = uart.mcr;
		break;
	case 5:
		r = LSR_THRE | LSR_TEMT | (uart.rx_n ? LSR_DR : 0);
		break;
	case 6:
		r = uart_msr();
		break;
	default:
		r = uart.scr;
		break;
	}
	uart_update(vm);
	return r;
}

/*
 * Port 0x2030: the guest is ready to read --type's text on the UART.
 * Each write types it again (once the last typing has ended): a source
 * of receive interrupts the guest can ask for.
 */
static void uart_start_typing(struct vm *vm)
{
	if (!vm->type_text || !*vm->type_text || uart.next_ns)
		return;
	uart.typing = vm->type_text;
	uart.next_ns = now_ns() + uart.period_ns;
	ev(vm, -1, 2, "uart: typing \"%s\"", uart.typing);
	dev_wake();
}

static void uart_tick(struct vm *vm, uint64_t now)
{
	char c;

	if (!uart.next_ns || now < uart.next_ns)
		return;
	uart.next_ns = now + uart.period_ns;
	if (uart.rx_n == UART_FIFO)
		return;			/* the guest has not read: later */
	if (*uart.typing) {
		c = *uart.typing++;
	} else {
		c = '\r';		/* the line's end, then done */
		uart.next_ns = 0;
	}
	uart.rx[(uart.rx_head + uart.rx_n++) % UART_FIFO] = c;
	uart_update(vm);
}

/* ---- CMOS RTC (MC146818) ---- */

#define RTC_GSI		8
#define RTC_A		0x0a
#define RTC_B		0x0b
#define RTC_C		0x0c
#define RTC_D		0x0d
#define RTC_CENTURY	0x32	/* the FADT names it */
/* register B */
#define RTC_B_SET	0x80
#define RTC_B_PIE	0x40
#define RTC_B_AIE	0x20
#define RTC_B_UIE	0x10
#define RTC_B_DM	0x04	/* binary, not BCD */
#define RTC_B_24H	0x02
/* register C */
#define RTC_C_IRQF	0x80
#define RTC_C_PF	0x40
#define RTC_C_AF	0x20
#define RTC_C_UF	0x10

/*
 * The MC146818 as a PC has it (dev_lock): time of day from the host's
 * clock plus an offset the guest sets, BCD or binary, 12 or 24 hours;
 * the periodic interrupt at 32768 >> (RS - 1) Hz, the update-ended
 * interrupt each second, the alarm (0xc0-0xff: any). IRQ 8 is IRQF: set
 * by an enabled event, cleared when the guest reads register C. Each
 * rising edge goes through VIRQ_IRQ_LINE_STATUS, whose status 0 says the
 * previous tick was not yet EOI'd by the guest (virq's RTC coalescing):
 * counted in the summary, as a VMM that reinjects lost ticks would.
 */
static struct {
	uint8_t index;
	uint8_t ram[128];		/* CMOS; A-D kept here too */
	int64_t offset;			/* guest time - host time, seconds */
	struct tm set_tm;		/* the time written while SET */
	bool line;
	uint64_t next_periodic_ns, period_ns, next_second_ns;
} rtc;

static uint8_t to_bcd(unsigned int v)
{
	return (rtc.ram[RTC_B] & RTC_B_DM) ? v : ((v / 10) << 4) | (v % 10);
}

static unsigned int from_bcd(uint8_t v)
{
	return (rtc.ram[RTC_B] & RTC_B_DM) ? v : (v >> 4) * 10 + (v & 0xf);
}

static void rtc_now(struct tm *tm)
{
	time_t t = time(NULL) + rtc.offset;

	gmtime_r(&t, tm);
}

static uint8_t rtc_hour(int h)
{
	bool pm = h >= 12;

	if (rtc.ram[RTC_B] & RTC_B_24H)
		return to_bcd(h);
	h %= 12;
	return to_bcd(h ? h : 12) | (pm ? 0x80 : 0);
}

static uint8_t rtc_time_reg(unsigned int reg)
{
	struct tm tm;

	if (rtc.ram[RTC_B] & RTC_B_SET)
		tm = rtc.set_tm;
	else
		rtc_now(&tm);
	switch (reg) {
	case 0: return to_bcd(tm.tm_sec);
	case 2: return to_bcd(tm.tm_min);
	case 4: return rtc_hour(tm.tm_hour);
	case 6: return to_bcd(tm.tm_wday + 1);
	case 7: return to_bcd(tm.tm_mday);
	case 8: return to_bcd(tm.tm_mon + 1);
	case 9: return to_bcd(tm.tm_year % 100);
	default: return to_bcd((tm.tm_year + 1900) / 100);	/* century */
	}
}

static void rtc_set_time_reg(unsigned int reg, uint8_t v)
{
	struct tm *tm = &rtc.set_tm;
	unsigned int h;

	switch (reg) {
	case 0: tm->tm_sec = from_bcd(v); break;
	case 2: tm->tm_min = from_bcd(v); break;
	case 4:
		h = from_bcd(v & 0x7f);
		if (!(rtc.ram[RTC_B] & RTC_B_24H))
			h = h % 12 + ((v & 0x80) ? 12 : 0);
		tm->tm_hour = h;
		break;
	case 6: break;		/* the weekday follows from the date */
	case 7: tm->tm_mday = from_bcd(v); break;
	case 8: tm->tm_mon = from_bcd(v) - 1; break;
	case 9: tm->tm_year = tm->tm_year / 100 * 100 + from_bcd(v); break;
	default:
		tm->tm_year = (from_bcd(v) * 100 - 1900) + tm->tm_year % 100;
		break;
	}
}

static void rtc_update_line(struct vm *vm)
{
	bool want = rtc.ram[RTC_C] & RTC_C_IRQF;

	if (want != rtc.line) {
		rtc.line = want;
		virq_line(vm, SRC_RTC, RTC_GSI, want);
	}
}

/* An event: its flag, and IRQF if its interrupt is enabled. */
static void rtc_event(struct vm *vm, uint8_t flag, uint8_t enable)
{
	rtc.ram[RTC_C] |= flag;
	if (rtc.ram[RTC_B] & enable)
		rtc.ram[RTC_C] |= RTC_C_IRQF;
	rtc_update_line(vm);
}

/* The periodic rate from register A's RS bits: 0 is off. */
static void rtc_arm_periodic(void)
{
	unsigned int rs = rtc.ram[RTC_A] & 0xf;
	uint64_t hz;

	if (!rs || !(rtc.ram[RTC_B] & RTC_B_PIE)) {
		rtc.next_periodic_ns = 0;
		return;
	}
	hz = rs < 3 ? 32768 >> (rs + 6) : 32768 >> (rs - 1);
	rtc.period_ns = 1000000000ULL / hz;
	rtc.next_periodic_ns = now_ns() + rtc.period_ns;
	dev_wake();
}

static bool rtc_alarm_due(void)
{
	static const unsigned int regs[3][2] = { { 1, 0 }, { 3, 2 }, { 5, 4 } };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		uint8_t alarm = rtc.ram[regs[i][0]];

		if ((alarm & 0xc0) == 0xc0)
			continue;	/* don't care */
		if (alarm != rtc_time_reg(regs[i][1]))
			return false;
	}
	return true;
}

static void rtc_tick(struct vm *vm, uint64_t now)
{
	if (rtc.next_periodic_ns && now >= rtc.next_periodic_ns) {
		rtc_event(vm, RTC_C_PF, RTC_B_PIE);
		rtc.next_periodic_ns += rtc.period_ns;
		if (rtc.next_periodic_ns < now)	/* fell behind: no burst */
			rtc.next_periodic_ns = now + rtc.period_ns;
	}
	if (now >= rtc.next_second_ns) {
		struct timespec ts;

		/* The next host second: the RTC's updates follow the host's. */
		clock_gettime(CLOCK_REALTIME, &ts);
		rtc.next_second_ns = now + 1000000000ULL - ts.tv_nsec;
		if (!(rtc.ram[RTC_B] & RTC_B_SET)) {
			rtc_event(vm, RTC_C_UF, RTC_B_UIE);
			if (rtc_alarm_due())
				rtc_event(vm, RTC_C_AF, RTC_B_AIE);
		}
	}
}

static uint32_t rtc_io(struct vm *vm, uint16_t port, bool write, uint32_t val)
{
	unsigned int reg = rtc.index;
	uint8_t r;

	if (port == 0x70) {
		if (write)
			rtc.index = val & 0x7f;	/* bit 7: NMI mask, ignored */
		return write ? 0 : 0xff;
	}
	if (write) {
		switch (reg) {
		case 0: case 2: case 4: case 6: case 7: case 8: case 9:
		case RTC_CENTURY:
			if (rtc.ram[RTC_B] & RTC_B_SET)
				rtc_set_time_reg(reg, val);
			break;
		case RTC_A:
			rtc.ram[RTC_A] = val & 0x7f;	/* UIP is read-only */
			rtc_arm_periodic();
			break;
		case RTC_B:
			if ((val & RTC_B_SET) && !(rtc.ram[RTC_B] & RTC_B_SET))
				rtc_now(&rtc.set_tm);
			if (!(val & RTC_B_SET) && (rtc.ram[RTC_B] & RTC_B_SET))
				rtc.offset += timegm(&rtc.set_tm) -
					      time(NULL) - rtc.offset;
			rtc.ram[RTC_B] = val & ~(val & RTC_B_SET ? RTC_B_UIE : 0);
			rtc_arm_periodic();
			/* An enabled event already flagged interrupts now. */
			if ((rtc.ram[RTC_C] & 0x70) & (rtc.ram[RTC_B] & 0x70))
				rtc.ram[RTC_C] |= RTC_C_IRQF;
			rtc_update_line(vm);
			break;
		case RTC_C:
		case RTC_D:
			break;			/* read-only */
		default:
			rtc.ram[reg] = val;
			break;
		}
		return 0;
	}
	switch (reg) {
	case 0: case 2: case 4: case 6: case 7: case 8: case 9:
	case RTC_CENTURY:
		return rtc_time_reg(reg);
	case RTC_C:
		r = rtc.ram[RTC_C];
		rtc.ram[RTC_C] = 0;	/* read clears: IRQ 8 drops */
		rtc_update_line(vm);
		return r;
	case RTC_D:
		return 0x80;		/* VRT: the battery is fine */
	default:
		return rtc.ram[reg];
	}
}

/* ---- ACPI's PM1 block and the reset register ---- */

#define PM1_SCI_EN	0x0001
#define PM1_SLP_EN	0x2000

static uint16_t pm1_sts, pm1_en;

/* Returns true if the guest switched the machine off. */
static bool pm1_io(struct vm *vm, uint16_t port, bool write,
		   uint32_t *data)
{
	unsigned int typ;

	switch (port) {
	case ACPI_PM1_EVT:
		if (write)
			pm1_sts &= ~*data;	/* write 1 to clear */
		else
			*data = pm1_sts;
		return false;
	case ACPI_PM1_EVT + 2:
		if (write)
			pm1_en = *data;
		else
			*data = pm1_en;
		return false;
	case ACPI_PM1_CNT:
		if (!write) {
			*data = PM1_SCI_EN;	/* always in ACPI mode */
			return false;
		}
		typ = (*data >> 10) & 7;
		if (!(*data & PM1_SLP_EN))
			return false;
		ev(vm, -1, 1, "ACPI: sleep type %u requested", typ);
		return typ == ACPI_SLP_TYP_S5;
	default:
		if (!write)
			*data = 0;
		return false;
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

/* ---- 8254 PIT: channel 0 on GSI 0, channel 2 behind port 0x61 ---- */

#define PIT_HZ		1193182ULL
#define PIT_MIN_NS	500000ULL	/* faster periods are slowed to this */
#define PORT_B		0x61		/* system control port B */
#define PORT_B_GATE2	0x01		/* channel 2's GATE */
#define PORT_B_SPKR	0x02		/* speaker data (stored, silent) */
#define PORT_B_REFRESH	0x10		/* toggles on every read */
#define PORT_B_OUT2	0x20		/* channel 2's OUT (read only) */

/*
 * One counter. Its count is derived from the host clock: @ticks_before
 * ticks counted up to @start_ns, and PIT_HZ since then while it counts
 * (@start_ns non-zero). Channel 2 counts only while its GATE is high
 * (Linux calibrates the TSC against it); channels 0 and 1 always may.
 */
struct pit_channel {
	uint8_t mode, access, rw_hi, latch_hi;
	bool latched, armed;		/* armed: a count was written */
	uint16_t reload, latch;
	uint64_t start_ns, ticks_before;
};

static struct {
	struct pit_channel ch[3];
	uint8_t port_b;
	uint64_t period_ns, next_ns;	/* channel 0's interrupts */
	bool out_high;			/* channel 0's OUT, on GSI 0 */
} pit;

static uint64_t pit_ticks(const struct pit_channel *c)
{
	uint64_t t = c->ticks_before;

	if (c->start_ns)
		t += (now_ns() - c->start_ns) * PIT_HZ / 1000000000ULL;
	return t;
}

static uint16_t pit_count_now(const struct pit_channel *c)
{
	uint64_t ticks = pit_ticks(c), reload = c->reload ? c->reload : 65536;

	if (!c->armed)
		return c->reload;
	if (c->mode == 0 || c->mode == 1 || c->mode == 4 || c->mode == 5)
		return ticks >= reload ? 0 : reload - ticks;
	return reload - ticks % reload;
}

/* The OUT pin (channel 2's is read at port 0x61 bit 5). */
static bool pit_out(const struct pit_channel *c)
{
	uint64_t ticks = pit_ticks(c), reload = c->reload ? c->reload : 65536;

	if (!c->armed)
		return c->mode != 0;	/* mode 0 starts low, the others high */
	switch (c->mode) {
	case 0:		/* interrupt on terminal count: high from then on */
	case 1:		/* one-shot: low while it counts */
		return ticks >= reload;
	case 2:		/* rate generator: low for the last tick */
		return ticks % reload != reload - 1;
	case 3:		/* square wave: high for the first half */
		return ticks % reload < (reload + 1) / 2;
	default:	/* strobes: high but for one tick at the end */
		return ticks != reload;
	}
}

static bool pit_gate(unsigned int n)
{
	return n != 2 || (pit.port_b & PORT_B_GATE2);
}

/* Counting starts (again) from the reload value. */
static void pit_restart(struct pit_channel *c, unsigned int n)
{
	c->ticks_before = 0;
	c->start_ns = pit_gate(n) ? now_ns() : 0;
}

static void pit_arm0(struct vm *vm)
{
	struct pit_channel *c = &pit.ch[0];
	uint64_t reload = c->reload ? c->reload : 65536;

	pit.period_ns = reload * 1000000000ULL / PIT_HZ;
	if (pit.period_ns < PIT_MIN_NS)
		pit.period_ns = PIT_MIN_NS;
	pit.next_ns = c->start_ns + pit.period_ns;
	if (pit.out_high) {
		pit.out_high = false;
		virq_line(vm, SRC_TIMER, 0, 0);
	}
	ev(vm, -1, 2, "pit: mode %u, count %u: GSI 0 every %.3f ms", c->mode,
	   c->reload, pit.period_ns / 1e6);
	dev_wake();
}

static void pit_loaded(struct vm *vm, unsigned int n)
{
	struct pit_channel *c = &pit.ch[n];

	c->armed = true;
	pit_restart(c, n);
	if (n == 0)
		pit_arm0(vm);
}

static void pit_latch(struct pit_channel *c)
{
	if (c->latched)
		return;		/* the first latch holds until it is read */
	c->latch = pit_count_now(c);
	c->latched = true;
	c->latch_hi = 0;
}

static void pit_control(struct vm *vm, uint8_t val)
{
	unsigned int n = val >> 6;
	struct pit_channel *c;

	if (n == 3) {
		/* Read-back: latch the count of each channel selected. */
		if (!(val & 0x20))
			for (n = 0; n < 3; n++)
				if (val & (2 << n))
					pit_latch(&pit.ch[n]);
		return;
	}
	c = &pit.ch[n];
	if (((val >> 4) & 3) == 0) {	/* counter latch */
		pit_latch(c);
		return;
	}
	c->access = (val >> 4) & 3;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;
	c->rw_hi = 0;
	c->latched = false;
	c->armed = false;	/* stopped until the count is written */
	c->start_ns = 0;
	c->ticks_before = 0;
	if (n == 0) {
		pit.next_ns = 0;
		if (pit.out_high) {
			pit.out_high = false;
			virq_line(vm, SRC_TIMER, 0, 0);
		}
	}
}

static void pit_write_count(struct vm *vm, unsigned int n, uint8_t val)
{
	struct pit_channel *c = &pit.ch[n];

	switch (c->access) {
	case 1:
		c->reload = val;
		pit_loaded(vm, n);
		break;
	case 2:
		c->reload = val << 8;
		pit_loaded(vm, n);
		break;
	default:
		if (!c->rw_hi) {
			c->reload = (c->reload & 0xff00) | val;
			c->rw_hi = 1;
		} else {
			c->reload = (c->reload & 0xff) | val << 8;
			c->rw_hi = 0;
			pit_loaded(vm, n);
		}
	}
}

static uint8_t pit_read_count(unsigned int n)
{
	struct pit_channel *c = &pit.ch[n];
	uint16_t v = c->latched ? c->latch : pit_count_now(c);
	uint8_t r;

	if (c->access == 1)
		r = v;
	else if (c->access == 2)
		r = v >> 8;
	else
		r = c->latch_hi ? v >> 8 : v;
	if (c->access == 3 || c->access == 0) {
		c->latch_hi ^= 1;
		if (!c->latch_hi)
			c->latched = false;
	} else {
		c->latched = false;
	}
	return r;
}

/* Port 0x61: channel 2's GATE rising restarts it, falling pauses it. */
static uint8_t port_b_io(bool write, uint8_t val)
{
	struct pit_channel *c = &pit.ch[2];
	bool was = pit.port_b & PORT_B_GATE2;

	if (!write) {
		pit.port_b ^= PORT_B_REFRESH;
		return (pit.port_b & (PORT_B_GATE2 | PORT_B_SPKR |
				      PORT_B_REFRESH)) |
		       (pit_out(c) ? PORT_B_OUT2 : 0);
	}
	pit.port_b = (pit.port_b & PORT_B_REFRESH) |
		     (val & (PORT_B_GATE2 | PORT_B_SPKR));
	if (!c->armed || was == !!(val & PORT_B_GATE2))
		return 0;
	if (!was) {
		if (c->mode == 0 || c->mode == 4)
			c->start_ns = now_ns();		/* resumes */
		else
			pit_restart(c, 2);		/* a trigger */
	} else {
		c->ticks_before = pit_ticks(c);
		c->start_ns = 0;
	}
	return 0;
}

static uint32_t pit_io(struct vm *vm, uint16_t port, bool write, uint32_t val)
{
	if (port == 0x43) {
		if (write)
			pit_control(vm, val);
		return write ? 0 : 0xff;
	}
	if (write) {
		pit_write_count(vm, port - 0x40, val);
		return 0;
	}
	return pit_read_count(port - 0x40);
}

static void pit_tick(struct vm *vm, uint64_t now)
{
	if (!pit.next_ns || now < pit.next_ns)
		return;
	if (pit.ch[0].mode == 0) {
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
	bool ioapic = vm_has_apic(vm);
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
	/*
	 * KVM's table has virq's layout (api.rst mirrors it), entry by
	 * entry, and the same chip numbers: PIC 0, 1, IOAPIC 2.
	 */
	_Static_assert(sizeof(struct kvm_irq_routing_entry) ==
		       sizeof(struct virq_irq_routing_entry), "layout");
	_Static_assert(KVM_IRQCHIP_IOAPIC == VIRQ_IRQCHIP_IOAPIC(0), "chip");
	_Static_assert(KVM_IRQ_ROUTING_MSI == VIRQ_IRQ_ROUTING_MSI, "type");
	if (!vm_on_virq(vm)) {
		if (ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, &t))
			die("KVM_SET_GSI_ROUTING: %s", strerror(errno));
	} else if (ioctl(vm->chip, VIRQ_SET_GSI_ROUTING, &t)) {
		die("VIRQ_SET_GSI_ROUTING: %s", strerror(errno));
	}
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

		if (!vm_on_virq(vm)) {
			struct kvm_msi km = { .address_lo = m->addr_lo,
					      .address_hi = m->addr_hi,
					      .data = m->data };

			/* KVM returns the status; -1 (EPERM): nobody. */
			st = ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &km);
			if (st < 0)
				st = errno == EPERM ? -1 : -2;
		} else if (ioctl(vm->chip, VIRQ_SIGNAL_MSI, &x) < 0) {
			st = -2;	/* rejected: a malformed message */
		} else {
			st = x.status;
		}
		s->raised++;
		if (st > 0)
			s->delivered++;
		else if (st == 0)
			s->coalesced++;
		else
			s->ignored++;
		ev(vm, -1, 2, "msi%d: %s_SIGNAL_MSI addr 0x%08x data 0x%04x -> "
		   "status %d", k, vm_on_virq(vm) ? "VIRQ" : "KVM", m->addr_lo,
		   m->data, st);
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
	if (uart.next_ns && uart.next_ns < t)
		t = uart.next_ns;
	if (rtc.next_periodic_ns && rtc.next_periodic_ns < t)
		t = rtc.next_periodic_ns;
	if (rtc.next_second_ns < t)
		t = rtc.next_second_ns;
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
		uart_tick(vm, now);
		rtc_tick(vm, now);
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
	vm->src[SRC_UART].name = "uart";
	vm->src[SRC_RTC].name = "rtc";
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&dev_cond, &a);
	kbd.typing = vm->type_text;
	kbd.period_ns = 20000000ULL;
	uart.typing = vm->type_text;
	uart.period_ns = 20000000ULL;
	rtc.ram[RTC_A] = 0x26;		/* 32.768 kHz time base, 1024 Hz */
	rtc.ram[RTC_B] = RTC_B_24H;
	rtc.next_second_ns = now_ns();
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

	if (!vm_on_virq(vm))
		return false;	/* KVM's chips never exit to us */
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
	} else if (port == 0x70 || port == 0x71) {
		*data = rtc_io(vm, port, write, *data & 0xff);
	} else if (port >= ACPI_PM1_EVT && port < ACPI_PM1_CNT + 2) {
		if (pm1_io(vm, port, write, data)) {
			pthread_mutex_unlock(&vm->dev_lock);
			uart_flush();
			vm_exit(vm, VMM_EXIT_POWEROFF,
				"the guest switched the machine off (ACPI S5)");
			return true;
		}
	} else if (port >= ACPI_PM_TMR && port < ACPI_PM_TMR + 4) {
		/* The PM timer: 24 bits at 3.579545 MHz, from the host clock. */
		*data = write ? 0 : (uint32_t)((unsigned __int128)now_ns() *
					       ACPI_PM_TMR_HZ / 1000000000ULL) &
					       0xffffff;
	} else if (port == ACPI_RESET_PORT) {
		if (write && (*data & 0x04)) {
			pthread_mutex_unlock(&vm->dev_lock);
			uart_flush();
			vm_exit(vm, VMM_EXIT_RESET,
				"the guest reset the machine (port 0xcf9)");
			return true;
		}
		if (!write)
			*data = 0;
	} else if (port == UART_TYPE_PORT) {
		if (write)
			uart_start_typing(vm);
		else
			*data = 0;
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
	} else if (port == PORT_B) {
		*data = port_b_io(write, *data);
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
