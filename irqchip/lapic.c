// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC of one vCPU (Intel SDM vol. 3, "Advanced Programmable
 * Interrupt Controller (APIC)"), in xAPIC mode (a 4 KiB MMIO page at
 * IA32_APIC_BASE) and x2APIC mode (MSRs 0x800-0x8ff), with
 * IA32_APIC_BASE and IA32_TSC_DEADLINE.
 *
 * Modelled: ID, version (six LVT entries, EOI-broadcast suppression where
 * every IOAPIC of the chip has the EOI register), TPR
 * (kept in the run page, which the VMM writes too), APR, PPR, EOI, LDR,
 * DFR, SVR (software enable, spurious vector, EOI-broadcast suppression),
 * ISR/TMR/IRR, ESR with its write-then-read protocol, ICR (IPIs with every
 * delivery mode, destination mode and shorthand), SELF IPI, the LVT entries
 * (timer, thermal, performance counters, LINT0, LINT1, error), the timer
 * (one-shot, periodic, TSC-deadline) on an hrtimer, acceptance of fixed,
 * lowest-priority, NMI, SMI, INIT, SIPI and ExtINT messages, the
 * interrupt-acknowledge cycle, EOI with its broadcast to the IOAPICs, the
 * APIC_BASE state machine (disabled, xAPIC, x2APIC) and save/restore.
 *
 * The LAPIC's IRR is the vCPU's pending-vector set (vcpu->irr) and its
 * INTR request is derived from IRR, ISR and TPR (PPR) by vcpu.c.
 *
 * Locks: everything here is protected by the owning vCPU's irq_lock
 * (spinlock, irqsave); helpers named *_locked assert it. It nests inside
 * pic->lock and ioapic->lock (deliveries). The timer's callback takes it
 * and ignores an expiry whose arming it no longer recognises (the timer is
 * re-armed and cancelled under the lock without waiting). EOIs reach the
 * IOAPICs and IPIs reach other vCPUs only after irq_lock is dropped; a
 * vCPU never holds two vCPUs' irq_locks.
 * May call: bus.c (virq_deliver_msg, map updates), ioapic.c (EOIs),
 * i8259.c (the ExtINT acknowledge), vcpu.c (requests, kicks).
 */
#include <linux/bitmap.h>
#include <linux/bits.h>
#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <kunit/visibility.h>
#ifdef CONFIG_X86
#include <asm/tsc.h>
#endif

#include "virq.h"
#include "virq_trace.h"

/* Register offsets in the xAPIC page; x2APIC MSR = 0x800 + offset / 16. */
#define LA_ID			0x020
#define LA_VERSION		0x030
#define LA_TPR		0x080
#define LA_APR		0x090
#define LA_PPR		0x0a0
#define LA_EOI		0x0b0
#define LA_RRD		0x0c0
#define LA_LDR		0x0d0
#define LA_DFR		0x0e0
#define LA_SVR		0x0f0
#define LA_ISR		0x100
#define LA_TMR		0x180
#define LA_IRR		0x200
#define LA_ESR		0x280
#define LA_ICR_LO		0x300
#define LA_ICR_HI		0x310
#define LA_LVT_TIMER		0x320
#define LA_LVT_ERROR		0x370
#define LA_TIMER_INITIAL	0x380
#define LA_TIMER_CURRENT	0x390
#define LA_TIMER_DCR		0x3e0
#define LA_SELF_IPI		0x3f0	/* x2APIC only */

#define LA_PAGE_SIZE		0x1000

#define MSR_APIC_BASE		0x1b
#define MSR_TSC_DEADLINE	0x6e0
#define MSR_X2APIC_FIRST	0x800
#define MSR_X2APIC_LAST		0x8ff

/* IA32_APIC_BASE */
#define LA_BASE_BSP		BIT_ULL(8)
#define LA_BASE_EXTD		BIT_ULL(10)	/* x2APIC mode */
#define LA_BASE_EN		BIT_ULL(11)
#define LA_BASE_ADDR		GENMASK_ULL(51, 12)
#define LA_BASE_DEFAULT	0xfee00000ULL

/* Version: 0x14, six LVT entries (max index 5); bit 24: EOI suppression. */
#define LA_VERSION_VALUE	(0x14 | (5 << 16))
#define LA_VERSION_SUPPRESS_EOI	BIT(24)

/*
 * SVR. Bit 9 is "Focus Processor Checking" (SDM vol. 3, 11.9, Figure
 * "Spurious-Interrupt Vector Register": 0 enabled, 1 disabled, for
 * lowest-priority delivery); the SDM marks it not supported, and
 * reserved, on Pentium 4 and Xeon processors only. It is a field of the
 * architectural register, so it is kept and read back (no #GP in x2APIC
 * mode, as KVM and Xen accept it); this model never does focus checking,
 * which is what "disabled" asks for.
 */
#define SVR_VECTOR		0xff
#define SVR_ENABLE		BIT(8)
#define SVR_FOCUS_DISABLE	BIT(9)
#define SVR_SUPPRESS_EOI	BIT(12)
#define SVR_WRITABLE		(SVR_VECTOR | SVR_ENABLE | SVR_FOCUS_DISABLE | \
				 SVR_SUPPRESS_EOI)

/* DFR models */
#define DFR_MODEL_FLAT		0xf
#define DFR_MODEL_CLUSTER	0x0

/* LVT fields */
#define LVT_VECTOR		0xff
#define LVT_DM_SHIFT		8
#define LVT_DM			(7 << LVT_DM_SHIFT)
#define LVT_DELIVS		BIT(12)
#define LVT_ACTIVE_LOW		BIT(13)
#define LVT_REMOTE_IRR		BIT(14)
#define LVT_LEVEL		BIT(15)
#define LVT_MASKED		BIT(16)
#define LVT_TIMER_MODE_SHIFT	17
#define LVT_TIMER_MODE		(3 << LVT_TIMER_MODE_SHIFT)
#define TIMER_ONESHOT		0
#define TIMER_PERIODIC		1
#define TIMER_TSC_DEADLINE	2

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };

static const u32 lvt_writable[VIRQ_LAPIC_NR_LVT] = {
	[LVT_TIMER]	= LVT_VECTOR | LVT_MASKED | LVT_TIMER_MODE,
	[LVT_THERMAL]	= LVT_VECTOR | LVT_DM | LVT_MASKED,
	[LVT_PERF]	= LVT_VECTOR | LVT_DM | LVT_MASKED,
	[LVT_LINT0]	= LVT_VECTOR | LVT_DM | LVT_ACTIVE_LOW | LVT_LEVEL |
			  LVT_MASKED,
	[LVT_LINT1]	= LVT_VECTOR | LVT_DM | LVT_ACTIVE_LOW | LVT_LEVEL |
			  LVT_MASKED,
	[LVT_ERROR]	= LVT_VECTOR | LVT_MASKED,
};

/* ICR */
#define ICR_VECTOR		0xff
#define ICR_DM_SHIFT		8
#define ICR_DEST_LOGICAL	BIT(11)
#define ICR_DELIVS		BIT(12)
#define ICR_LEVEL_ASSERT	BIT(14)
#define ICR_TRIGGER_LEVEL	BIT(15)
#define ICR_SHORTHAND_SHIFT	18
#define ICR_WRITABLE		(ICR_VECTOR | (7 << ICR_DM_SHIFT) | \
				 ICR_DEST_LOGICAL | ICR_LEVEL_ASSERT | \
				 ICR_TRIGGER_LEVEL | (3 << ICR_SHORTHAND_SHIFT))

/* ESR bits */
#define ESR_SEND_ILLEGAL_VECTOR	BIT(5)
#define ESR_RECV_ILLEGAL_VECTOR	BIT(6)
#define ESR_ILLEGAL_REGISTER	BIT(7)

/* Timer divide configuration: bits 0, 1 and 3. */
#define DCR_WRITABLE		0xb

#define NSEC_PER_SEC_U64	1000000000ULL

/*
 * The shortest period a periodic timer runs with: a guest that programs
 * divide-by-1 and an initial count of 1 would otherwise re-arm an hrtimer
 * every nanosecond, in hard interrupt context. KVM uses the same 200 us.
 */
static unsigned int min_timer_period_us = 200;
module_param(min_timer_period_us, uint, 0644);
MODULE_PARM_DESC(min_timer_period_us,
		 "shortest LAPIC periodic timer period in microseconds (default 200, 0: 1 ns)");

static u64 timer_floor_ns(void)
{
	return max_t(u64, (u64)READ_ONCE(min_timer_period_us) * NSEC_PER_USEC,
		     1);
}

/*
 * IA32_APIC_BASE bits that must be 0 (SDM figure 11-5): the base address
 * holds bits MAXPHYADDR-1:12, with the vCPU's MAXPHYADDR (the VMM's CPUID,
 * VIRQ_VCPU_SET_CONFIG).
 */
static u64 apic_base_reserved(struct virq_vcpu *vcpu)
{
	u32 bits = READ_ONCE(vcpu->maxphyaddr);

	return ~(GENMASK_ULL(bits - 1, 12) | LA_BASE_EN | LA_BASE_EXTD |
		 LA_BASE_BSP);
}

/*
 * EOI-broadcast suppression (version bit 24, SVR bit 12) only where an
 * EOI can still reach every IOAPIC: through its EOI register, which the
 * version 0x11 IOAPIC lacks (a suppressed EOI would leave remote IRR set
 * for good).
 */
static bool eoi_suppression(struct virq_vcpu *vcpu)
{
	return vcpu->chip->cfg.ioapic_version != VIRQ_IOAPIC_VERSION_11;
}

static u32 svr_writable(struct virq_vcpu *vcpu)
{
	return eoi_suppression(vcpu) ? SVR_WRITABLE :
				       SVR_WRITABLE & ~SVR_SUPPRESS_EOI;
}

static struct virq_lapic *apic_of(struct virq_vcpu *vcpu)
{
	return vcpu->apic;
}

static bool x2apic_mode(struct virq_lapic *a)
{
	return a->apic_base & LA_BASE_EXTD;
}

static bool hw_enabled(struct virq_lapic *a)
{
	return a->apic_base & LA_BASE_EN;
}

static bool sw_enabled(struct virq_lapic *a)
{
	return a->svr & SVR_ENABLE;
}

static u32 tpr_of(struct virq_vcpu *vcpu)
{
	return READ_ONCE(vcpu->run->tpr) & 0xff;
}

static int highest(const unsigned long *bits)
{
	unsigned long v = find_last_bit(bits, 256);

	return v < 256 ? v : -1;
}

/* Processor priority (SDM 11.8.3.1): TPR or the ISR's class, the higher. */
static u32 ppr_of(struct virq_vcpu *vcpu)
{
	struct virq_lapic *a = apic_of(vcpu);
	u32 tpr = tpr_of(vcpu), isrv = READ_ONCE(a->isrv);

	return (tpr & 0xf0) >= (isrv & 0xf0) ? tpr : isrv & 0xf0;
}

/*
 * Arbitration priority, as SDM vol. 3 11.6.2.4 defines it (IRRV, ISRV:
 * the highest vector in IRR, ISR, 0 if none):
 *   if TPR[7:4] >= IRRV[7:4] and TPR[7:4] > ISRV[7:4]
 *	then APR[7:0] = TPR[7:0]
 *	else APR[7:4] = max(TPR[7:4], ISRV[7:4], IRRV[7:4]), APR[3:0] = 0.
 * TPR's class equal to ISRV's takes the second branch: no low nibble.
 */
static u32 apr_locked(struct virq_vcpu *vcpu)
{
	struct virq_lapic *a = apic_of(vcpu);
	int irrv = highest(vcpu->irr);
	u32 tpr = tpr_of(vcpu), t = tpr >> 4, s = a->isrv >> 4;
	u32 i = irrv < 0 ? 0 : irrv >> 4;

	lockdep_assert_held(&vcpu->irq_lock);
	if (t >= i && t > s)
		return tpr;
	return max3(t, s, i) << 4;
}

/* The priority lowest-priority arbitration compares, read without locks. */
u32 virq_lapic_arb_priority(struct virq_vcpu *vcpu)
{
	return ppr_of(vcpu);
}

static void update_isrv_locked(struct virq_vcpu *vcpu)
{
	struct virq_lapic *a = apic_of(vcpu);
	int v = highest(a->isr);

	lockdep_assert_held(&vcpu->irq_lock);
	WRITE_ONCE(a->isrv, v < 0 ? 0 : v);
}

/* The highest pending vector the ISR does not block, or -1. */
static int irr_unblocked_locked(struct virq_vcpu *vcpu)
{
	struct virq_lapic *a = apic_of(vcpu);
	int v = highest(vcpu->irr);

	lockdep_assert_held(&vcpu->irq_lock);
	if (v < 0 || (v & 0xf0) <= (a->isrv & 0xf0))
		return -1;
	return v;
}

/* Does LINT0 deliver the PIC's INTR now (virtual wire)? */
static bool lint0_extint_locked(struct virq_vcpu *vcpu)
{
	struct virq_lapic *a = apic_of(vcpu);
	u32 lvt0 = a->lvt[LVT_LINT0];

	lockdep_assert_held(&vcpu->irq_lock);
	/* A globally disabled APIC passes INTR straight to the CPU. */
	if (!hw_enabled(a))
		return true;
	return !(lvt0 & LVT_MASKED) &&
	       ((lvt0 & LVT_DM) >> LVT_DM_SHIFT) == VIRQ_DM_EXTINT;
}

/**
 * virq_lapic_extint_locked() - does an ExtINT await the PIC's acknowledge?
 * @vcpu: a vCPU with a LAPIC
 *
 * Either the PIC's output reaches this vCPU through LINT0 in ExtINT mode
 * (or a globally disabled APIC), or an ExtINT message was accepted.
 */
bool virq_lapic_extint_locked(struct virq_vcpu *vcpu)
{
	lockdep_assert_held(&vcpu->irq_lock);
	return (vcpu->extint && lint0_extint_locked(vcpu)) ||
	       apic_of(vcpu)->extint_msg;
}

/**
 * virq_lapic_pending_locked() - would the LAPIC interrupt the CPU now?
 * @vcpu: a vCPU with a LAPIC
 * @raised: set if the deliverable vector's class rose above the irr_max
 *	    published last (the VMM may have judged that one blocked by a
 *	    TPR it raised without telling the kernel: it must look again)
 *
 * Also publishes irr_max in the run page.
 *
 * Return: true if an ExtINT waits, or the highest pending vector's class
 * is above PPR's.
 */
bool virq_lapic_pending_locked(struct virq_vcpu *vcpu, bool *raised)
{
	struct virq_lapic *a = apic_of(vcpu);
	int v = irr_unblocked_locked(vcpu);
	u8 max = v < 0 ? 0 : v;
	bool above;

	WRITE_ONCE(vcpu->run->irr_max, max);
	/*
	 * The VMM stores tpr and then loads irr_max; this stores irr_max and
	 * then loads tpr. With a full barrier on both sides (the VMM's is
	 * documented in lapic.rst) at least one sees the other's store: the
	 * VMM sees the vector, or INTR is computed with its new TPR.
	 */
	smp_mb();
	above = v >= 0 && (v & 0xf0) > (tpr_of(vcpu) & 0xf0);
	*raised = above && (max & 0xf0) > (a->irr_max_pub & 0xf0);
	a->irr_max_pub = max;
	return above || virq_lapic_extint_locked(vcpu);
}

/* ---- errors ---- */

static void set_irr_locked(struct virq_vcpu *vcpu, u8 vector, bool level);

/* Latch an error; an unmasked error LVT interrupts (once per error). */
static void apic_error_locked(struct virq_vcpu *vcpu, u32 bits)
{
	struct virq_lapic *a = apic_of(vcpu);
	u32 lvt = a->lvt[LVT_ERROR];

	lockdep_assert_held(&vcpu->irq_lock);
	a->esr_pending |= bits;
	if (!(lvt & LVT_MASKED) && (lvt & LVT_VECTOR) >= 16)
		set_irr_locked(vcpu, lvt & LVT_VECTOR, false);
}

/* A vector becomes pending in IRR (TMR as its trigger mode says). */
static void set_irr_locked(struct virq_vcpu *vcpu, u8 vector, bool level)
{
	struct virq_lapic *a = apic_of(vcpu);

	lockdep_assert_held(&vcpu->irq_lock);
	__set_bit(vector, vcpu->irr);
	if (level)
		__set_bit(vector, a->tmr);
	else
		__clear_bit(vector, a->tmr);
}

/* ---- the timer ---- */

static u32 timer_mode(struct virq_lapic *a)
{
	return (a->lvt[LVT_TIMER] & LVT_TIMER_MODE) >> LVT_TIMER_MODE_SHIFT;
}

/* The divider DCR selects: 2, 4, ... 128, then 1 (SDM Figure 11-10). */
static u32 timer_divider(u32 dcr)
{
	u32 v = (dcr & 3) | ((dcr >> 1) & 4);

	return v == 7 ? 1 : 2U << v;
}

/* Nanoseconds for @count ticks of the timer's input after @div. */
static u64 ticks_to_ns(struct virq_lapic *a, u64 count, u32 div)
{
	return mul_u64_u64_div_u64(count * div, NSEC_PER_SEC_U64, a->bus_hz);
}

static u64 ns_to_ticks(struct virq_lapic *a, u64 ns, u32 div)
{
	return mul_u64_u64_div_u64(ns, a->bus_hz, NSEC_PER_SEC_U64 * div);
}

/*
 * The guest's TSC now, and CLOCK_MONOTONIC now in @now: offset + the host's
 * TSC (VIRQ_CLOCK_HOST_TSC, exact), or offset + @now * tsc_hz / 1e9.
 */
static u64 guest_tsc_now(struct virq_lapic *a, ktime_t *now);

/* The guest's TSC at CLOCK_MONOTONIC @ns: offset + ns * tsc_hz / 1e9. */
static u64 ns_to_tsc(struct virq_lapic *a, u64 ns)
{
	u64 secs, rem;

	secs = div64_u64_rem(ns, NSEC_PER_SEC_U64, &rem);
	/* Modulo 2^64, as the TSC counts; rem * tsc_hz / 1e9 < 2^40. */
	return a->tsc_offset + secs * a->tsc_hz +
	       mul_u64_u64_div_u64(rem, a->tsc_hz, NSEC_PER_SEC_U64);
}

/* May the guest's TSC be the host's TSC plus an offset? */
static bool virq_host_tsc_usable(void)
{
#ifdef CONFIG_X86
	return boot_cpu_has(X86_FEATURE_TSC) && !check_tsc_unstable();
#else
	return false;
#endif
}

static u64 guest_tsc_now(struct virq_lapic *a, ktime_t *now)
{
#ifdef CONFIG_X86
	if (a->clock_flags & VIRQ_CLOCK_HOST_TSC) {
		/* The TSC first: a deadline it passes is due by then. */
		u64 tsc = rdtsc_ordered() + a->tsc_offset;

		*now = ktime_get();
		return tsc;
	}
#endif
	*now = ktime_get();
	return ns_to_tsc(a, *now);
}

/*
 * When (CLOCK_MONOTONIC) the guest's TSC reaches @tsc: 0 if it already
 * has (unsigned, as the architecture compares), KTIME_MAX if that is
 * beyond reach. The division is split into whole seconds and a remainder:
 * mul_u64_u64_div_u64() is mulq/divq on x86-64, which raises #DE when the
 * quotient needs more than 64 bits (a TSC slower than 1 GHz and a far
 * deadline), and the deadline is the guest's to choose. Rounded up: the
 * interrupt never comes before the TSC reads @tsc.
 */
static ktime_t tsc_deadline_expiry(struct virq_lapic *a, u64 tsc)
{
	ktime_t now;
	u64 cur = guest_tsc_now(a, &now), secs, rem, ns;

	if (tsc <= cur)
		return 0;
	secs = div64_u64_rem(tsc - cur, a->tsc_hz, &rem);
	if (secs >= (KTIME_MAX - now) / NSEC_PER_SEC_U64)
		return KTIME_MAX;
	ns = secs * NSEC_PER_SEC_U64 +
	     mul_u64_u64_div_u64(rem, NSEC_PER_SEC_U64, a->tsc_hz) + !!rem;
	return ktime_add_ns(now, ns);
}

/*
 * Stop the timer without waiting: a callback already running (spinning on
 * irq_lock) finds timer_armed clear and does nothing.
 */
static void timer_stop_locked(struct virq_vcpu *vcpu)
{
	struct virq_lapic *a = apic_of(vcpu);

	lockdep_assert_held(&vcpu->irq_lock);
	a->timer_armed = false;
	hrtimer_try_to_cancel(&a->timer);
}

/*
 * (Re)arm. A callback already running for the old expiry finds the timer
 * queued again and leaves it to fire on its own.
 */
static void timer_arm_locked(struct virq_vcpu *vcpu, ktime_t expires)
{
	struct virq_lapic *a = apic_of(vcpu);

	lockdep_assert_held(&vcpu->irq_lock);
	a->timer_armed = true;
	a->timer_expires = expires;
	hrtimer_start(&a->timer, expires, HRTIMER_MODE_ABS);
}

/*
 * Start a one-shot or periodic countdown of @count ticks from now. The
 * period (used only in periodic mode, also after a switch from one-shot)
 * and a periodic timer's first expiry are at least min_timer_period_us.
 */
static void timer_start_count_locked(struct virq_vcpu *vcpu, u64 count)
{
	struct virq_lapic *a = apic_of(vcpu);
	ktime_t now = ktime_get();
	u64 first, floor = timer_floor_ns();

	lockdep_assert_held(&vcpu->irq_lock);
	if (!count) {
		timer_stop_locked(vcpu);
		return;
	}
	a->timer_div = timer_divider(a->timer_dcr);
	a->timer_period_ns = max(ticks_to_ns(a, a->timer_initial,
					     a->timer_div), floor);
	first = max_t(u64, ticks_to_ns(a, count, a->timer_div), 1);
	if (timer_mode(a) == TIMER_PERIODIC)
		first = max(first, floor);
	timer_arm_locked(vcpu, ktime_add_ns(now, first));
}

static bool timer_expire_locked(struct virq_vcpu *vcpu);

/*
 * Arm the TSC deadline. One at or before the guest's TSC now (the TSC
 * just read included) is due: its vector is in IRR before the write that
 * armed it returns, so the guest's next instruction can take it. Returns
 * true if the caller must kick.
 */
static bool timer_start_deadline_locked(struct virq_vcpu *vcpu)
{
	struct virq_lapic *a = apic_of(vcpu);
	ktime_t expires;

	lockdep_assert_held(&vcpu->irq_lock);
	if (!a->tsc_deadline) {
		timer_stop_locked(vcpu);
		return false;
	}
	expires = tsc_deadline_expiry(a, a->tsc_deadline);
	if (!expires) {
		timer_stop_locked(vcpu);
		return timer_expire_locked(vcpu);
	}
	timer_arm_locked(vcpu, expires);
	return false;
}

/* The current count register (SDM 11.5.4): 0 when the timer is idle. */
static u32 timer_current_locked(struct virq_vcpu *vcpu)
{
	struct virq_lapic *a = apic_of(vcpu);
	s64 left;
	u64 late;

	lockdep_assert_held(&vcpu->irq_lock);
	if (!a->timer_armed || timer_mode(a) == TIMER_TSC_DEADLINE)
		return 0;
	left = ktime_to_ns(ktime_sub(a->timer_expires, ktime_get()));
	/*
	 * Due but not yet handled (the callback runs late under load): a
	 * periodic timer has already reloaded, a one-shot one reads 0.
	 */
	if (left <= 0 && timer_mode(a) == TIMER_PERIODIC) {
		div64_u64_rem(-left, a->timer_period_ns, &late);
		left = a->timer_period_ns - late;
	}
	if (left <= 0)
		return 0;
	return min_t(u64, max_t(u64, ns_to_ticks(a, left, a->timer_div), 1),
		     a->timer_initial);
}

/*
 * The armed expiry happened: the LVT's vector goes into IRR (unless
 * masked), then a periodic timer computes its next expiry (the caller
 * queues it) and the others disarm. Returns true if the caller must kick.
 */
static bool timer_expire_locked(struct virq_vcpu *vcpu)
{
	struct virq_lapic *a = apic_of(vcpu);
	u32 lvt = a->lvt[LVT_TIMER];
	bool kick = false;

	lockdep_assert_held(&vcpu->irq_lock);
	if (!(lvt & LVT_MASKED) && (lvt & LVT_VECTOR) >= 16) {
		set_irr_locked(vcpu, lvt & LVT_VECTOR, false);
		kick = virq_vcpu_update_intr(vcpu);
	}
	a->timer_fired++;
	trace_virq_lapic_timer(virq_chip_id(vcpu->chip), vcpu->apic_id,
			       lvt & LVT_VECTOR, timer_mode(a));
	switch (timer_mode(a)) {
	case TIMER_PERIODIC:
		a->timer_expires = ktime_add_ns(a->timer_expires,
						a->timer_period_ns);
		/* Far behind (the host slept): no burst of catch-up ticks. */
		if (ktime_before(a->timer_expires, ktime_get()))
			a->timer_expires = ktime_add_ns(ktime_get(),
							a->timer_period_ns);
		break;
	case TIMER_TSC_DEADLINE:
		a->tsc_deadline = 0;	/* reads 0 once it fired */
		a->timer_armed = false;
		break;
	default:
		a->timer_armed = false;
		break;
	}
	return kick;
}

/*
 * An expiry that is due but whose callback has not run yet (it waits for
 * irq_lock, or runs late under load) happens now: before the count is
 * read to restart the timer (SET_CLOCK, a DCR write) or saved
 * (GET_LAPIC), so that a due one-shot is neither dropped nor saved as
 * "expired" without its vector in IRR. The late callback then finds the
 * timer stopped or queued again and does nothing. Returns true to kick.
 */
static bool timer_catch_up_locked(struct virq_vcpu *vcpu)
{
	struct virq_lapic *a = apic_of(vcpu);
	bool kick;

	lockdep_assert_held(&vcpu->irq_lock);
	if (!a->timer_armed || ktime_after(a->timer_expires, ktime_get()))
		return false;
	kick = timer_expire_locked(vcpu);
	if (a->timer_armed)
		timer_arm_locked(vcpu, a->timer_expires);
	else
		hrtimer_try_to_cancel(&a->timer);
	return kick;
}

static enum hrtimer_restart lapic_timer_fn(struct hrtimer *t)
{
	struct virq_lapic *a = container_of(t, struct virq_lapic, timer);
	struct virq_vcpu *vcpu = a->vcpu;
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;
	bool kick = false;

	spin_lock_irqsave(&vcpu->irq_lock, flags);
	/*
	 * Stopped, or re-armed while this callback waited for the lock (the
	 * timer is queued again): this expiry is not the current one.
	 */
	if (!a->timer_armed || hrtimer_is_queued(t) ||
	    hrtimer_get_expires(t) != a->timer_expires)
		goto unlock;
	kick = timer_expire_locked(vcpu);
	if (a->timer_armed) {		/* periodic: the next one */
		hrtimer_set_expires(t, a->timer_expires);
		ret = HRTIMER_RESTART;
	}
unlock:
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	if (kick)
		virq_vcpu_kick(vcpu);
	return ret;
}

/**
 * virq_lapic_timer_info() - the timer as it is, for debugfs
 * @vcpu: a vCPU with a LAPIC
 * @info: filled in
 *
 * Nothing is caught up (unlike GET_LAPIC): a due expiry whose callback
 * has not run shows as due.
 */
void virq_lapic_timer_info(struct virq_vcpu *vcpu, struct virq_timer_info *info)
{
	struct virq_lapic *a = apic_of(vcpu);
	unsigned long flags;
	ktime_t now;
	u64 tsc;

	spin_lock_irqsave(&vcpu->irq_lock, flags);
	tsc = guest_tsc_now(a, &now);
	info->armed = a->timer_armed;
	info->queued = hrtimer_is_queued(&a->timer);
	info->mode = timer_mode(a);
	info->expires_in_ns = ktime_to_ns(ktime_sub(a->timer_expires, now));
	info->deadline_in_tsc = a->tsc_deadline ? (s64)(a->tsc_deadline - tsc) : 0;
	info->fired = a->timer_fired;
	info->host_tsc = a->clock_flags & VIRQ_CLOCK_HOST_TSC;
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
}

/* ---- reset ---- */

/*
 * Which LINT inputs are asserted now, from their levels and LVT polarity,
 * without acting on it: after a reset or a restore changed the LVTs, so
 * that the next change is judged an edge or not against the new entries.
 */
static void lint_resample_locked(struct virq_vcpu *vcpu)
{
	struct virq_lapic *a = apic_of(vcpu);
	unsigned int i;
	bool high;

	lockdep_assert_held(&vcpu->irq_lock);
	a->lint_asserted = 0;
	for (i = 0; i < 2; i++) {
		high = (a->lint_level & BIT(i)) || (i == 0 && vcpu->extint);
		if (high != !!(a->lvt[LVT_LINT0 + i] & LVT_ACTIVE_LOW))
			a->lint_asserted |= BIT(i);
	}
}

/* Power-up reset (or INIT with @init): SDM 11.4.7.1 and 11.4.7.3. */
static void lapic_reset_locked(struct virq_vcpu *vcpu, bool init)
{
	struct virq_lapic *a = apic_of(vcpu);
	unsigned int i;

	lockdep_assert_held(&vcpu->irq_lock);
	/* LDR, DFR (and the ID, APIC_BASE) change: the map first. */
	virq_apic_map_invalidate(vcpu->chip);
	timer_stop_locked(vcpu);
	if (!init) {
		a->apic_base = LA_BASE_DEFAULT | LA_BASE_EN |
			       (vcpu->apic_id == 0 ? LA_BASE_BSP : 0);
		a->xapic_id = vcpu->apic_id & 0xff;
	}
	WRITE_ONCE(vcpu->run->tpr, 0);
	bitmap_zero(vcpu->irr, 256);
	bitmap_zero(a->isr, 256);
	bitmap_zero(a->tmr, 256);
	WRITE_ONCE(a->isrv, 0);
	a->ldr = 0;
	a->dfr = 0xffffffff;
	a->svr = 0xff;
	a->esr = 0;
	a->esr_pending = 0;
	a->icr_lo = 0;
	a->icr_hi = 0;
	for (i = 0; i < VIRQ_LAPIC_NR_LVT; i++)
		a->lvt[i] = LVT_MASKED;
	/* The BSP comes up in virtual wire mode: LINT0 passes ExtINT. */
	if (a->apic_base & LA_BASE_BSP)
		a->lvt[LVT_LINT0] = VIRQ_DM_EXTINT << LVT_DM_SHIFT;
	a->timer_initial = 0;
	a->timer_dcr = 0;
	a->timer_div = 2;
	a->tsc_deadline = 0;
	a->extint_msg = false;
	a->wait_sipi = false;
	virq_vcpu_rtc_forget_locked(vcpu);
	if (x2apic_mode(a))
		a->ldr = ((vcpu->apic_id >> 4) << 16) | BIT(vcpu->apic_id & 0xf);
	lint_resample_locked(vcpu);
}

/* An INIT: the LAPIC's INIT state; an AP then waits for its start-up IPI. */
static void lapic_init_locked(struct virq_vcpu *vcpu)
{
	struct virq_lapic *a = apic_of(vcpu);

	lockdep_assert_held(&vcpu->irq_lock);
	lapic_reset_locked(vcpu, true);
	/* The BSP restarts; an AP waits for its start-up IPI. */
	a->wait_sipi = !(a->apic_base & LA_BASE_BSP);
	virq_vcpu_request(vcpu, VIRQ_REQ_INIT);
}

/* ---- acceptance ---- */

/**
 * virq_lapic_accept_locked() - a message arrives at this LAPIC
 * @vcpu: the vCPU, with its irq_lock held
 * @msg: the decoded message
 * @map_changed: set if acceptance changed the APIC's IDs (an INIT)
 *
 * A globally disabled APIC accepts nothing; a software-disabled one drops
 * fixed, lowest-priority and ExtINT messages (SDM 11.4.7.2, as KVM does)
 * and takes INIT, NMI, SMI and SIPI. Illegal vectors (0-15) are dropped
 * with "receive illegal vector" in ESR. A SIPI counts only while the vCPU
 * waits for one.
 *
 * Return: 1 if it became pending (or was taken), 0 if coalesced, -1 if
 * not accepted.
 */
int virq_lapic_accept_locked(struct virq_vcpu *vcpu,
			     const struct virq_irq_msg *msg, bool *map_changed)
{
	struct virq_lapic *a = apic_of(vcpu);
	int r = 1;

	lockdep_assert_held(&vcpu->irq_lock);
	if (!hw_enabled(a))
		return -1;
	switch (msg->delivery_mode) {
	case VIRQ_DM_FIXED:
	case VIRQ_DM_LOWEST:
		if (!sw_enabled(a))
			return -1;
		if (msg->vector < 16) {
			apic_error_locked(vcpu, ESR_RECV_ILLEGAL_VECTOR);
			return -1;
		}
		if (test_bit(msg->vector, vcpu->irr))
			r = 0;
		set_irr_locked(vcpu, msg->vector, msg->trigger_level);
		break;
	case VIRQ_DM_NMI:
		virq_vcpu_nmi(vcpu);
		break;
	case VIRQ_DM_SMI:
		virq_vcpu_request(vcpu, VIRQ_REQ_SMI);
		break;
	case VIRQ_DM_INIT:
		/* INIT level de-assert: arbitration IDs only; no effect. */
		if (msg->trigger_level && !msg->level_assert)
			return -1;
		lapic_init_locked(vcpu);
		*map_changed = true;
		break;
	case VIRQ_DM_SIPI:
		if (!a->wait_sipi)
			return -1;
		a->wait_sipi = false;
		WRITE_ONCE(vcpu->run->sipi_vector, msg->vector);
		virq_vcpu_request(vcpu, VIRQ_REQ_SIPI);
		break;
	case VIRQ_DM_EXTINT:
		if (!sw_enabled(a))
			return -1;
		a->extint_msg = true;
		break;
	default:
		return -1;
	}
	trace_virq_lapic_accept(virq_chip_id(vcpu->chip), vcpu->apic_id,
				msg->vector, msg->delivery_mode,
				msg->trigger_level, r);
	return r;
}

/* ---- LINT0 and LINT1 ---- */

/*
 * A LINT input changed (the PIC's output on the BSP's LINT0, or the VMM
 * through VIRQ_VCPU_LINT). Fixed, NMI, SMI and INIT modes act on the
 * asserting edge (level-triggered fixed: while asserted and remote IRR is
 * clear; SDM 11.5.1: NMI, SMI and INIT are always edge triggered); ExtINT
 * is sampled by the acknowledge. An INIT resets the LAPIC as an INIT
 * message does, and has the destination map rebuilt from a work item.
 * Returns true to kick.
 */
static bool lint_update_locked(struct virq_vcpu *vcpu, unsigned int pin)
{
	struct virq_lapic *a = apic_of(vcpu);
	unsigned int idx = pin ? LVT_LINT1 : LVT_LINT0;
	u32 lvt = a->lvt[idx];
	bool high, asserted, was;

	lockdep_assert_held(&vcpu->irq_lock);
	high = (a->lint_level & BIT(pin)) || (pin == 0 && vcpu->extint);
	asserted = high != !!(lvt & LVT_ACTIVE_LOW);
	was = a->lint_asserted & BIT(pin);
	if (asserted)
		a->lint_asserted |= BIT(pin);
	else
		a->lint_asserted &= ~BIT(pin);
	if (!hw_enabled(a) || (lvt & LVT_MASKED) || !asserted)
		return false;
	switch ((lvt & LVT_DM) >> LVT_DM_SHIFT) {
	case VIRQ_DM_FIXED:
		if ((lvt & LVT_VECTOR) < 16)
			return false;
		if (lvt & LVT_LEVEL) {
			if (lvt & LVT_REMOTE_IRR)
				return false;
			a->lvt[idx] |= LVT_REMOTE_IRR;
		} else if (was) {
			return false;
		}
		set_irr_locked(vcpu, lvt & LVT_VECTOR, lvt & LVT_LEVEL);
		return true;
	case VIRQ_DM_NMI:
		if (was)
			return false;
		virq_vcpu_nmi(vcpu);
		return true;
	case VIRQ_DM_SMI:
		if (was)
			return false;
		virq_vcpu_request(vcpu, VIRQ_REQ_SMI);
		return true;
	case VIRQ_DM_INIT:
		if (was)
			return false;
		lapic_init_locked(vcpu);
		virq_apic_map_changed(vcpu->chip, false);
		return true;
	default:
		return false;
	}
}

/**
 * virq_lapic_lint_changed_locked() - re-evaluate LINT inputs
 * @vcpu: the vCPU, irq_lock held
 *
 * Return: true if the caller must kick (an NMI or a vector was raised).
 */
bool virq_lapic_lint_changed_locked(struct virq_vcpu *vcpu)
{
	bool kick = lint_update_locked(vcpu, 0);

	return lint_update_locked(vcpu, 1) || kick;
}

/* ---- acknowledge and EOI ---- */

/**
 * virq_lapic_take_vector_locked() - the LAPIC's part of INTA
 * @vcpu: the vCPU, irq_lock held
 *
 * Return: the highest pending vector above PPR, now in service, or
 * -EAGAIN.
 */
int virq_lapic_take_vector_locked(struct virq_vcpu *vcpu)
{
	struct virq_lapic *a = apic_of(vcpu);
	int v = irr_unblocked_locked(vcpu);

	lockdep_assert_held(&vcpu->irq_lock);
	if (v < 0 || (v & 0xf0) <= (tpr_of(vcpu) & 0xf0))
		return -EAGAIN;
	__clear_bit(v, vcpu->irr);
	__set_bit(v, a->isr);
	update_isrv_locked(vcpu);
	return v;
}

/* What an EOI leaves to do once irq_lock is dropped. */
struct eoi_work {
	int vector;		/* -1: nothing was in service */
	bool broadcast;		/* a level vector: tell the IOAPICs */
};

static void lapic_eoi_locked(struct virq_vcpu *vcpu, struct eoi_work *w,
			     bool *kick)
{
	struct virq_lapic *a = apic_of(vcpu);
	unsigned int i;
	int v;

	lockdep_assert_held(&vcpu->irq_lock);
	w->vector = -1;
	v = highest(a->isr);
	if (v < 0)
		return;		/* nothing in service: not an EOI to count */
	atomic64_inc(&vcpu->stats.eois);
	w->vector = v;
	__clear_bit(v, a->isr);
	update_isrv_locked(vcpu);
	if (test_bit(v, a->tmr)) {
		w->broadcast = !(a->svr & SVR_SUPPRESS_EOI);
		/* A level LINT input in service: it may assert again. */
		for (i = LVT_LINT0; i <= LVT_LINT1; i++) {
			if ((a->lvt[i] & LVT_REMOTE_IRR) &&
			    (a->lvt[i] & LVT_VECTOR) == v) {
				a->lvt[i] &= ~LVT_REMOTE_IRR;
				*kick |= lint_update_locked(vcpu, i - LVT_LINT0);
			}
		}
	}
	/* The RTC's tick: counted here, not broadcast (it is an edge). */
	virq_vcpu_rtc_eoi_locked(vcpu, v);
	trace_virq_lapic_eoi(virq_chip_id(vcpu->chip), vcpu->apic_id, v,
			     w->broadcast);
}

static void lapic_eoi_finish(struct virq_vcpu *vcpu, struct eoi_work *w)
{
	if (w->vector >= 0 && w->broadcast)
		virq_ioapic_eoi_all(vcpu->chip, vcpu, w->vector, true);
}

/* ---- IPIs ---- */

/* Build the message of an ICR write; false if nothing is to be sent. */
static bool icr_to_msg(struct virq_vcpu *vcpu, u32 lo, u32 dest,
		       struct virq_irq_msg *msg)
{
	struct virq_lapic *a = apic_of(vcpu);
	u8 dm = (lo >> ICR_DM_SHIFT) & 7;

	lockdep_assert_held(&vcpu->irq_lock);
	memset(msg, 0, sizeof(*msg));
	msg->vector = lo & ICR_VECTOR;
	msg->delivery_mode = dm;
	msg->dest_logical = lo & ICR_DEST_LOGICAL;
	msg->level_assert = lo & ICR_LEVEL_ASSERT;
	msg->trigger_level = lo & ICR_TRIGGER_LEVEL;
	msg->shorthand = (lo >> ICR_SHORTHAND_SHIFT) & 3;
	msg->dest = dest;
	msg->dest_32 = x2apic_mode(a);
	msg->src = vcpu;
	switch (dm) {
	case VIRQ_DM_FIXED:
	case VIRQ_DM_LOWEST:
		if (msg->vector < 16) {
			apic_error_locked(vcpu, ESR_SEND_ILLEGAL_VECTOR);
			return false;
		}
		/* IPIs are edge triggered, whatever the trigger bit says. */
		msg->trigger_level = false;
		return true;
	case VIRQ_DM_INIT:
		return true;
	case VIRQ_DM_SMI:
	case VIRQ_DM_NMI:
	case VIRQ_DM_SIPI:
		msg->trigger_level = false;
		return true;
	default:	/* 011 and 111 are reserved in the ICR */
		return false;
	}
}

/* ---- register access ---- */

/* What a register write asks the caller to do after dropping irq_lock. */
struct apic_after {
	struct virq_irq_msg ipi;
	bool send_ipi;
	struct eoi_work eoi;
	bool map_changed;
	bool kick;
};

/* A LINT entry in level-triggered fixed mode: the one with remote IRR. */
static bool lvt_level_fixed(u32 lvt)
{
	return (lvt & LVT_LEVEL) &&
	       ((lvt & LVT_DM) >> LVT_DM_SHIFT) == VIRQ_DM_FIXED;
}

static u32 lvt_read(struct virq_lapic *a, unsigned int i)
{
	u32 v = a->lvt[i];

	return v;
}

static void lvt_write_locked(struct virq_vcpu *vcpu, unsigned int i, u32 val,
			     struct apic_after *after)
{
	struct virq_lapic *a = apic_of(vcpu);
	u32 old = a->lvt[i], old_mode = timer_mode(a), keep;

	lockdep_assert_held(&vcpu->irq_lock);
	/*
	 * Delivery status (always idle here) and remote IRR are read-only:
	 * a written value is ignored. Only LINT0/1 have remote IRR.
	 */
	keep = (i == LVT_LINT0 || i == LVT_LINT1) ? old & LVT_REMOTE_IRR : 0;
	val &= lvt_writable[i];
	/* A software-disabled APIC keeps every LVT masked (SDM 11.4.7.2). */
	if (!sw_enabled(a))
		val |= LVT_MASKED;
	if (i == LVT_TIMER &&
	    ((val & LVT_TIMER_MODE) >> LVT_TIMER_MODE_SHIFT) > TIMER_TSC_DEADLINE)
		val &= ~LVT_TIMER_MODE;	/* 11b is reserved: one-shot */
	a->lvt[i] = val | keep;
	if (i == LVT_TIMER && old_mode != timer_mode(a) &&
	    (old_mode == TIMER_TSC_DEADLINE ||
	     timer_mode(a) == TIMER_TSC_DEADLINE)) {
		/* To or from TSC-deadline mode: the timer is disarmed. */
		timer_stop_locked(vcpu);
		a->timer_initial = 0;
		a->tsc_deadline = 0;
	}
	if (i == LVT_LINT0 || i == LVT_LINT1) {
		/*
		 * An edge is only what changes after the write. Remote IRR
		 * belongs to level-triggered fixed mode: reprogrammed to
		 * anything else, nothing would EOI it.
		 */
		if (!lvt_level_fixed(a->lvt[i]))
			a->lvt[i] &= ~LVT_REMOTE_IRR;
		after->kick |= lint_update_locked(vcpu, i - LVT_LINT0);
	}
}

static void svr_write_locked(struct virq_vcpu *vcpu, u32 val)
{
	struct virq_lapic *a = apic_of(vcpu);
	unsigned int i;

	lockdep_assert_held(&vcpu->irq_lock);
	a->svr = val & svr_writable(vcpu);
	if (!sw_enabled(a)) {
		/* Explicitly disabled: every LVT is masked. */
		for (i = 0; i < VIRQ_LAPIC_NR_LVT; i++)
			a->lvt[i] |= LVT_MASKED;
		/*
		 * A CPU going offline disables its APIC and may never EOI
		 * the RTC tick it took: its debt would coalesce every tick
		 * for good. The debt is void (an EOI later pays nothing).
		 */
		virq_vcpu_rtc_forget_locked(vcpu);
	}
}

/* Write a value ICR low (xAPIC) or the whole ICR (x2APIC) holds: send. */
static void icr_send_locked(struct virq_vcpu *vcpu, struct apic_after *after)
{
	struct virq_lapic *a = apic_of(vcpu);
	u32 dest = x2apic_mode(a) ? a->icr_hi : a->icr_hi >> 24;

	lockdep_assert_held(&vcpu->irq_lock);
	after->send_ipi = icr_to_msg(vcpu, a->icr_lo, dest, &after->ipi);
	if (after->send_ipi)
		trace_virq_lapic_ipi(virq_chip_id(vcpu->chip), vcpu->apic_id,
				     &after->ipi);
}

/* Bits 32 i .. 32 i + 31 of a 256-bit register (ISR, TMR, IRR). */
static u32 word32(const unsigned long *bits, unsigned int i)
{
	u32 w[8];

	bitmap_to_arr32(w, bits, 256);
	return w[array_index_nospec(i, 8)];
}

/* The register at @off as a guest reads it (xAPIC offsets). */
static u32 reg_read_locked(struct virq_vcpu *vcpu, u32 off)
{
	struct virq_lapic *a = apic_of(vcpu);
	unsigned int i;

	lockdep_assert_held(&vcpu->irq_lock);
	switch (off) {
	case LA_ID:
		return x2apic_mode(a) ? vcpu->apic_id : (u32)a->xapic_id << 24;
	case LA_VERSION:
		return LA_VERSION_VALUE |
		       (eoi_suppression(vcpu) ? LA_VERSION_SUPPRESS_EOI : 0);
	case LA_TPR:
		return tpr_of(vcpu);
	case LA_APR:
		return apr_locked(vcpu);
	case LA_PPR:
		return ppr_of(vcpu);
	case LA_LDR:
		return a->ldr;
	case LA_DFR:
		return a->dfr;
	case LA_SVR:
		return a->svr;
	case LA_ISR ... LA_ISR + 0x70:
		return word32(a->isr, (off - LA_ISR) >> 4);
	case LA_TMR ... LA_TMR + 0x70:
		return word32(a->tmr, (off - LA_TMR) >> 4);
	case LA_IRR ... LA_IRR + 0x70:
		return word32(vcpu->irr, (off - LA_IRR) >> 4);
	case LA_ESR:
		return a->esr;
	case LA_ICR_LO:
		return a->icr_lo;	/* delivery status: always idle */
	case LA_ICR_HI:
		return a->icr_hi;
	case LA_LVT_TIMER ... LA_LVT_ERROR:
		i = array_index_nospec((off - LA_LVT_TIMER) >> 4,
				       VIRQ_LAPIC_NR_LVT);
		return lvt_read(a, i);
	case LA_TIMER_INITIAL:
		return a->timer_initial;
	case LA_TIMER_CURRENT:
		return timer_current_locked(vcpu);
	case LA_TIMER_DCR:
		return a->timer_dcr;
	default:		/* EOI, RRD, reserved: read as 0 */
		return 0;
	}
}

/* A write to the register at @off (xAPIC offsets, both modes). */
static void reg_write_locked(struct virq_vcpu *vcpu, u32 off, u32 val,
			     struct apic_after *after)
{
	struct virq_lapic *a = apic_of(vcpu);
	unsigned int i;
	u32 count;

	lockdep_assert_held(&vcpu->irq_lock);
	switch (off) {
	case LA_ID:		/* xAPIC only: x2APIC's is read-only */
		virq_apic_map_invalidate(vcpu->chip);
		a->xapic_id = val >> 24;
		after->map_changed = true;
		break;
	case LA_TPR:
		WRITE_ONCE(vcpu->run->tpr, val & 0xff);
		break;
	case LA_EOI:
		lapic_eoi_locked(vcpu, &after->eoi, &after->kick);
		break;
	case LA_LDR:		/* xAPIC only */
		virq_apic_map_invalidate(vcpu->chip);
		a->ldr = val & 0xff000000;
		after->map_changed = true;
		break;
	case LA_DFR:		/* xAPIC only */
		virq_apic_map_invalidate(vcpu->chip);
		a->dfr = (val & 0xf0000000) | 0x0fffffff;
		after->map_changed = true;
		break;
	case LA_SVR:
		svr_write_locked(vcpu, val);
		break;
	case LA_ESR:
		/* The write latches the errors since the last one. */
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		break;
	case LA_ICR_LO:
		a->icr_lo = val & ICR_WRITABLE;
		icr_send_locked(vcpu, after);
		break;
	case LA_ICR_HI:	/* xAPIC only */
		a->icr_hi = val & 0xff000000;
		break;
	case LA_LVT_TIMER ... LA_LVT_ERROR:
		i = array_index_nospec((off - LA_LVT_TIMER) >> 4,
				       VIRQ_LAPIC_NR_LVT);
		lvt_write_locked(vcpu, i, val, after);
		break;
	case LA_TIMER_INITIAL:
		if (timer_mode(a) == TIMER_TSC_DEADLINE)
			break;		/* ignored in TSC-deadline mode */
		a->timer_initial = val;
		timer_start_count_locked(vcpu, val);
		break;
	case LA_TIMER_DCR:
		/*
		 * SDM vol. 3, "APIC Timer": the count decrements at the bus
		 * clock divided by DCR; nothing restarts it when DCR changes.
		 * A running count keeps its value and goes on at the new
		 * rate (a periodic one reloads at the new rate too).
		 */
		after->kick |= timer_catch_up_locked(vcpu);
		count = timer_current_locked(vcpu);	/* 0: not counting */
		a->timer_dcr = val & DCR_WRITABLE;
		if (count)
			timer_start_count_locked(vcpu, count);
		break;
	case LA_SELF_IPI:	/* x2APIC only */
		memset(&after->ipi, 0, sizeof(after->ipi));
		after->ipi.vector = val & 0xff;
		after->ipi.delivery_mode = VIRQ_DM_FIXED;
		after->ipi.shorthand = VIRQ_SH_SELF;
		after->ipi.src = vcpu;
		after->send_ipi = after->ipi.vector >= 16;
		if (!after->send_ipi)
			apic_error_locked(vcpu, ESR_SEND_ILLEGAL_VECTOR);
		break;
	default:		/* read-only or reserved: ignored */
		break;
	}
	after->kick |= virq_vcpu_update_intr(vcpu);
}

/* Finish a register write: IPIs, EOIs, the map, kicks. */
static void apic_after_run(struct virq_vcpu *vcpu, struct apic_after *after)
{
	struct virq_chip *chip = vcpu->chip;
	struct virq_kicks k;

	if (after->map_changed)
		virq_apic_map_changed(chip, true);
	lapic_eoi_finish(vcpu, &after->eoi);
	virq_kicks_init(&k);
	if (after->kick)
		virq_kicks_add(&k, vcpu);
	if (after->send_ipi)
		virq_deliver_msg(chip, &after->ipi, &k, NULL);
	virq_kicks_flush(chip, &k);
}

/* Is @off (16-byte aligned) a register that exists in xAPIC mode? */
static bool xapic_reg_exists(u32 off)
{
	switch (off) {
	case LA_ID: case LA_VERSION: case LA_TPR: case LA_APR:
	case LA_PPR: case LA_EOI: case LA_RRD: case LA_LDR:
	case LA_DFR: case LA_SVR: case LA_ESR: case LA_ICR_LO:
	case LA_ICR_HI: case LA_TIMER_INITIAL: case LA_TIMER_CURRENT:
	case LA_TIMER_DCR:
	case LA_ISR ... LA_IRR + 0x70:
	case LA_LVT_TIMER ... LA_LVT_ERROR:
		return true;
	default:
		return false;
	}
}

/*
 * The xAPIC page. Every offset and size has a result: reads of 1, 2 or 4
 * bytes within the first four bytes of a register's 16-byte slot return
 * those bytes; any other read returns 0; only 4-byte writes at a slot's
 * start act, others are ignored. A globally disabled APIC, or one in
 * x2APIC mode, does not decode the page: reads are all ones.
 */
static void lapic_mmio(struct virq_vcpu *vcpu, struct virq_io *io)
{
	struct virq_lapic *a = apic_of(vcpu);
	u32 off = io->addr & (LA_PAGE_SIZE - 1), slot = off & ~0xfU;
	struct apic_after after = { };
	unsigned long flags;
	u32 v;

	spin_lock_irqsave(&vcpu->irq_lock, flags);
	if (!hw_enabled(a) || x2apic_mode(a)) {
		if (!io->write)
			io->data = io->len >= 8 ? ~0ULL :
				   GENMASK_ULL(io->len * 8 - 1, 0);
		spin_unlock_irqrestore(&vcpu->irq_lock, flags);
		return;
	}
	if (io->write) {
		if (io->len == 4 && !(off & 0xf) && xapic_reg_exists(off))
			reg_write_locked(vcpu, off, io->data, &after);
	} else if ((off & 0xf) + io->len <= 4 && io->len <= 4) {
		v = reg_read_locked(vcpu, slot);
		io->data = (v >> ((off & 3) * 8)) &
			   GENMASK_ULL(io->len * 8 - 1, 0);
	} else {
		io->data = 0;
	}
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	apic_after_run(vcpu, &after);
}

/* x2APIC MSR index to register offset, if the register exists there. */
static bool x2apic_offset(u32 msr, bool write, u32 *off)
{
	u32 o = (msr - MSR_X2APIC_FIRST) << 4;

	switch (o) {
	case LA_ID: case LA_VERSION: case LA_PPR: case LA_LDR:
	case LA_ISR ... LA_IRR + 0x70:
	case LA_TIMER_CURRENT:
		if (write)
			return false;	/* read-only */
		break;
	case LA_EOI: case LA_SELF_IPI:
		if (!write)
			return false;	/* write-only */
		break;
	case LA_TPR: case LA_SVR: case LA_ESR: case LA_ICR_LO:
	case LA_LVT_TIMER ... LA_LVT_ERROR:
	case LA_TIMER_INITIAL: case LA_TIMER_DCR:
		break;
	default:		/* APR, RRD, DFR, ICR high, reserved */
		return false;
	}
	*off = o;
	return true;
}

/* The reserved bits an x2APIC MSR write must leave clear (else #GP). */
static u64 x2apic_reserved(struct virq_vcpu *vcpu, u32 off)
{
	unsigned int i;

	switch (off) {
	case LA_TPR:
		return ~0xffULL;
	case LA_SVR:
		return ~(u64)svr_writable(vcpu);
	case LA_EOI:
	case LA_ESR:
		return ~0ULL;
	case LA_ICR_LO:
		return ~((u64)ICR_WRITABLE | GENMASK_ULL(63, 32));
	case LA_SELF_IPI:
		return ~0xffULL;
	case LA_TIMER_INITIAL:
		return GENMASK_ULL(63, 32);
	case LA_TIMER_DCR:
		return ~(u64)DCR_WRITABLE;
	case LA_LVT_TIMER ... LA_LVT_ERROR:
		/*
		 * SDM 11.12.1.3: a non-zero write to a reserved bit raises
		 * #GP. Delivery status and remote IRR are read-only bits,
		 * not reserved ones: a guest's read-modify-write carries
		 * them back, and they are ignored.
		 */
		i = array_index_nospec((off - LA_LVT_TIMER) >> 4,
				       VIRQ_LAPIC_NR_LVT);
		return ~(u64)(lvt_writable[i] | LVT_DELIVS |
			      (i == LVT_LINT0 || i == LVT_LINT1 ?
			       LVT_REMOTE_IRR : 0));
	default:
		return 0;
	}
}

/* A guest write of IA32_APIC_BASE; false means #GP (SDM 11.12.5). */
static bool apic_base_write_locked(struct virq_vcpu *vcpu, u64 val,
				   struct apic_after *after)
{
	struct virq_lapic *a = apic_of(vcpu);
	u64 old = a->apic_base;
	bool en = val & LA_BASE_EN, extd = val & LA_BASE_EXTD;

	lockdep_assert_held(&vcpu->irq_lock);
	if (val & apic_base_reserved(vcpu))
		return false;
	if (extd && !en)			/* invalid state */
		return false;
	if ((old & LA_BASE_EXTD) && en && !extd)	/* x2APIC -> xAPIC */
		return false;
	if (!(old & LA_BASE_EN) && extd)	/* disabled -> x2APIC */
		return false;
	/* The BSP flag is the platform's, not the guest's. */
	val = (val & ~LA_BASE_BSP) | (old & LA_BASE_BSP);
	if (old != val)
		virq_apic_map_invalidate(vcpu->chip);
	if ((old & LA_BASE_EN) && !en) {
		/* Disabled: back to the power-up state, base as written. */
		a->apic_base = val;
		lapic_reset_locked(vcpu, true);
		a->xapic_id = vcpu->apic_id & 0xff;
	}
	a->apic_base = val;
	if (!(old & LA_BASE_EXTD) && extd) {
		/*
		 * Into x2APIC mode: the ID is the x2APIC ID, LDR derived;
		 * DFR does not exist there (and leaving x2APIC mode goes
		 * through a reset), so it holds its reset value.
		 */
		a->ldr = ((vcpu->apic_id >> 4) << 16) | BIT(vcpu->apic_id & 0xf);
		a->dfr = 0xffffffff;
	}
	after->map_changed = old != val;
	after->kick |= virq_vcpu_update_intr(vcpu);
	trace_virq_lapic_base(virq_chip_id(vcpu->chip), vcpu->apic_id, old,
			      val);
	return true;
}

static bool lapic_msr_locked(struct virq_vcpu *vcpu, struct virq_io *io,
			     struct apic_after *after)
{
	struct virq_lapic *a = apic_of(vcpu);
	u32 msr = io->addr, off;
	u64 val = io->data;

	lockdep_assert_held(&vcpu->irq_lock);
	if (msr == MSR_APIC_BASE) {
		if (!io->write) {
			io->data = a->apic_base;
			return true;
		}
		return apic_base_write_locked(vcpu, val, after);
	}
	if (msr == MSR_TSC_DEADLINE) {
		if (!hw_enabled(a) || timer_mode(a) != TIMER_TSC_DEADLINE) {
			/* Outside TSC-deadline mode: reads 0, writes ignored. */
			if (!io->write)
				io->data = 0;
			return true;
		}
		if (!io->write) {
			io->data = a->tsc_deadline;
			return true;
		}
		a->tsc_deadline = val;
		after->kick |= timer_start_deadline_locked(vcpu);
		return true;
	}
	/* 0x800-0x8ff: only in x2APIC mode, only registers that exist. */
	if (!x2apic_mode(a) || !x2apic_offset(msr, io->write, &off))
		return false;
	if (!io->write) {
		io->data = reg_read_locked(vcpu, off);
		if (off == LA_ICR_LO)
			io->data |= (u64)a->icr_hi << 32;
		return true;
	}
	if (val & x2apic_reserved(vcpu, off))
		return false;
	if (off == LA_ICR_LO)
		a->icr_hi = val >> 32;
	reg_write_locked(vcpu, off, val, after);
	return true;
}

/**
 * virq_lapic_io() - a forwarded access the vCPU's LAPIC may claim
 * @vcpu: the vCPU (with a LAPIC)
 * @io: the access, checked by virq_io_valid(); results go into it
 *
 * Claims the 4 KiB page at IA32_APIC_BASE (MMIO), and the MSRs
 * IA32_APIC_BASE, IA32_TSC_DEADLINE and 0x800-0x8ff. An access the
 * architecture faults sets io->fault = VIRQ_IO_FAULT_GP. MSRs above 0x8ff
 * are not the LAPIC's (Xen XSA-108).
 *
 * Return: -ENOENT if not claimed, -EINVAL for an MSR access of a size
 * other than 8 or an MMIO access of a size other than 1, 2, 4 or 8,
 * else 0.
 */
int virq_lapic_io(struct virq_vcpu *vcpu, struct virq_io *io)
{
	struct virq_lapic *a = apic_of(vcpu);
	struct apic_after after = { };
	unsigned long flags;
	u64 page;
	bool ok;

	io->fault = VIRQ_IO_FAULT_NONE;
	switch (io->space) {
	case VIRQ_IO_MMIO:
		page = READ_ONCE(a->apic_base) & LA_BASE_ADDR;
		if (io->addr < page || io->addr - page >= LA_PAGE_SIZE)
			return -ENOENT;
		/* The sizes an x86 access has; anything else is no access. */
		if (io->len != 1 && io->len != 2 && io->len != 4 && io->len != 8)
			return -EINVAL;
		/* Accesses past the page's end are the page's too. */
		lapic_mmio(vcpu, io);
		return 0;
	case VIRQ_IO_MSR:
		if (io->addr != MSR_APIC_BASE && io->addr != MSR_TSC_DEADLINE &&
		    (io->addr < MSR_X2APIC_FIRST || io->addr > MSR_X2APIC_LAST))
			return -ENOENT;
		if (io->len != 8)
			return -EINVAL;
		spin_lock_irqsave(&vcpu->irq_lock, flags);
		ok = lapic_msr_locked(vcpu, io, &after);
		spin_unlock_irqrestore(&vcpu->irq_lock, flags);
		if (!ok) {
			io->fault = VIRQ_IO_FAULT_GP;
			if (!io->write)
				io->data = 0;
			return 0;
		}
		apic_after_run(vcpu, &after);
		return 0;
	default:
		return -ENOENT;
	}
}
EXPORT_SYMBOL_IF_KUNIT(virq_lapic_io);

/**
 * virq_lapic_ack() - the interrupt-acknowledge cycle with a LAPIC
 * @vcpu: the vCPU
 *
 * An ExtINT (LINT0 in virtual-wire mode with the PIC's output high, or an
 * ExtINT message) is acknowledged at the PIC; otherwise the highest IRR
 * vector above PPR moves to ISR.
 *
 * Return: the vector, or -EAGAIN.
 */
int virq_lapic_ack(struct virq_vcpu *vcpu)
{
	struct virq_lapic *a = apic_of(vcpu);
	struct virq_chip *chip = vcpu->chip;
	bool lint0, msg;
	unsigned long flags;
	bool kick;
	int v;

	spin_lock_irqsave(&vcpu->irq_lock, flags);
	lint0 = vcpu->extint && lint0_extint_locked(vcpu);
	msg = a->extint_msg;
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	if ((lint0 || msg) && chip->pic) {
		v = virq_pic_read_acknowledge(chip->pic, vcpu, !lint0);
		if (msg) {
			spin_lock_irqsave(&vcpu->irq_lock, flags);
			a->extint_msg = false;
			kick = virq_vcpu_update_intr(vcpu);
			spin_unlock_irqrestore(&vcpu->irq_lock, flags);
			if (kick)
				virq_vcpu_kick(vcpu);
		}
		if (v >= 0)
			return v;
	}
	spin_lock_irqsave(&vcpu->irq_lock, flags);
	v = virq_lapic_take_vector_locked(vcpu);
	kick = virq_vcpu_update_intr(vcpu);
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	if (kick)
		virq_vcpu_kick(vcpu);
	return v;
}

/* ---- VMM-side controls ---- */

int virq_lapic_set_lint(struct virq_vcpu *vcpu, u32 pin, u32 level)
{
	struct virq_lapic *a = apic_of(vcpu);
	unsigned long flags;
	bool kick;

	if (pin > 1 || level > 1)
		return -EINVAL;
	spin_lock_irqsave(&vcpu->irq_lock, flags);
	if (level)
		a->lint_level |= BIT(pin);
	else
		a->lint_level &= ~BIT(pin);
	kick = lint_update_locked(vcpu, pin);
	kick |= virq_vcpu_update_intr(vcpu);
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	if (kick)
		virq_vcpu_kick(vcpu);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virq_lapic_set_lint);

int virq_lapic_set_clock(struct virq_vcpu *vcpu,
			 const struct virq_vcpu_clock *c)
{
	struct virq_lapic *a = apic_of(vcpu);
	unsigned long flags;
	bool kick;
	u64 count;

	if (c->pad || memchr_inv(c->reserved, 0, sizeof(c->reserved)))
		return -EINVAL;
	if (c->flags & ~VIRQ_CLOCK_HOST_TSC)
		return -EINVAL;
	if ((c->flags & VIRQ_CLOCK_HOST_TSC) && !virq_host_tsc_usable())
		return -EINVAL;
	if (c->bus_hz < VIRQ_LAPIC_MIN_HZ || c->bus_hz > VIRQ_LAPIC_MAX_HZ ||
	    c->tsc_hz < VIRQ_LAPIC_MIN_HZ || c->tsc_hz > VIRQ_LAPIC_MAX_HZ)
		return -EINVAL;
	spin_lock_irqsave(&vcpu->irq_lock, flags);
	/* A due expiry happens at the old rates: it is not lost. */
	kick = timer_catch_up_locked(vcpu);
	count = timer_current_locked(vcpu);
	a->bus_hz = c->bus_hz;
	a->tsc_hz = c->tsc_hz;
	a->tsc_offset = c->tsc_offset;
	a->clock_flags = c->flags;
	/* A running timer carries on at the new rates. */
	if (a->timer_armed) {
		if (timer_mode(a) == TIMER_TSC_DEADLINE)
			kick |= timer_start_deadline_locked(vcpu);
		else
			timer_start_count_locked(vcpu, count);
	}
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	if (kick)
		virq_vcpu_kick(vcpu);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virq_lapic_set_clock);

/* ---- save and restore ---- */

static void put_reg(u8 *regs, u32 off, u32 v)
{
	memcpy(regs + off, &v, sizeof(v));
}

static u32 get_reg(const u8 *regs, u32 off)
{
	u32 v;

	memcpy(&v, regs + off, sizeof(v));
	return v;
}

int virq_lapic_get_state(struct virq_vcpu *vcpu, struct virq_lapic_state *st)
{
	struct virq_lapic *a = apic_of(vcpu);
	unsigned long flags;
	bool kick;
	u32 off;

	memset(st, 0, sizeof(*st));
	spin_lock_irqsave(&vcpu->irq_lock, flags);
	/* A due expiry is saved as what it is: its vector in IRR. */
	kick = timer_catch_up_locked(vcpu);
	for (off = 0; off < VIRQ_APIC_REG_SIZE; off += 16)
		if (xapic_reg_exists(off) && off != LA_EOI)
			put_reg(st->regs, off, reg_read_locked(vcpu, off));
	/* The errors since the last ESR write: a field of their own. */
	st->esr_pending = a->esr_pending;
	st->apic_base = a->apic_base;
	st->tsc_deadline = timer_mode(a) == TIMER_TSC_DEADLINE ?
			   a->tsc_deadline : 0;
	st->flags = (a->wait_sipi ? VIRQ_LAPIC_STATE_WAIT_SIPI : 0) |
		    (a->extint_msg ? VIRQ_LAPIC_STATE_EXTINT : 0);
	if (virq_vcpu_rtc_owes(vcpu)) {
		st->flags |= VIRQ_LAPIC_STATE_RTC_OWED;
		st->rtc_vector = vcpu->rtc_vector;	/* 0: follows the chip's */
	}
	st->lint_level = a->lint_level;
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	if (kick)
		virq_vcpu_kick(vcpu);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virq_lapic_get_state);

/* Reserved bits of each register in a saved page (SET must see 0). */
static u32 reg_reserved(u32 off, bool x2apic)
{
	switch (off) {
	case LA_ID:
		return x2apic ? 0 : 0x00ffffff;
	case LA_TPR:
		return ~0xffU;
	case LA_LDR:
		return x2apic ? 0 : 0x00ffffff;
	case LA_DFR:
		return 0;		/* bits 27:0 are ones, checked apart */
	case LA_SVR:
		return ~(u32)SVR_WRITABLE;
	case LA_ICR_LO:
		return ~(u32)ICR_WRITABLE;
	case LA_ICR_HI:
		return x2apic ? 0 : 0x00ffffff;
	case LA_LVT_TIMER ... LA_LVT_ERROR:	/* remote IRR: checked apart */
		return ~(lvt_writable[array_index_nospec((off - LA_LVT_TIMER) >> 4,
							 VIRQ_LAPIC_NR_LVT)] |
			 LVT_REMOTE_IRR);
	case LA_TIMER_DCR:
		return ~DCR_WRITABLE;
	case LA_ESR:
		return ~0xffU;		/* bits 7:0 are the errors */
	case LA_ISR: case LA_TMR: case LA_IRR:
		return 0xffff;		/* vectors 0-15 are never taken */
	case LA_VERSION: case LA_APR: case LA_PPR:
	case LA_TIMER_INITIAL: case LA_TIMER_CURRENT:
	case LA_ISR + 0x10 ... LA_ISR + 0x70:
	case LA_TMR + 0x10 ... LA_TMR + 0x70:
	case LA_IRR + 0x10 ... LA_IRR + 0x70:
		return 0;
	default:
		return ~0U;		/* no register here: must be 0 */
	}
}

/*
 * What no LAPIC can hold, though each register alone is well formed.
 * Everything GET returns passes: these are the states the model never
 * enters.
 */
static int lapic_state_possible(struct virq_vcpu *vcpu,
				const struct virq_lapic_state *st)
{
	bool bsp = st->apic_base & LA_BASE_BSP;
	u32 svr = get_reg(st->regs, LA_SVR), lvt, mode, off;
	unsigned int i;

	for (i = 0; i < VIRQ_LAPIC_NR_LVT; i++) {
		lvt = get_reg(st->regs, LA_LVT_TIMER + 16 * i);
		/* Remote IRR: LINT0/1 in level-triggered fixed mode only. */
		if ((lvt & LVT_REMOTE_IRR) &&
		    ((i != LVT_LINT0 && i != LVT_LINT1) ||
		     !lvt_level_fixed(lvt)))
			return -EINVAL;
		/*
		 * Software-disabled: every LVT masked (SDM 11.4.7.2); the
		 * BSP's LINT0 in its reset (virtual-wire) value excepted.
		 */
		if (!(svr & SVR_ENABLE) && !(lvt & LVT_MASKED) &&
		    !(bsp && i == LVT_LINT0 &&
		      lvt == VIRQ_DM_EXTINT << LVT_DM_SHIFT))
			return -EINVAL;
	}
	mode = (get_reg(st->regs, LA_LVT_TIMER) & LVT_TIMER_MODE) >>
	       LVT_TIMER_MODE_SHIFT;
	if (mode > TIMER_TSC_DEADLINE)		/* 11b is reserved */
		return -EINVAL;
	/* TSC-deadline mode ignores the count; the others the deadline. */
	if (mode == TIMER_TSC_DEADLINE ? get_reg(st->regs, LA_TIMER_INITIAL) :
					 st->tsc_deadline)
		return -EINVAL;
	/* The BSP never waits for a start-up IPI. */
	if (bsp && (st->flags & VIRQ_LAPIC_STATE_WAIT_SIPI))
		return -EINVAL;
	/*
	 * Globally disabled: the LAPIC was reset when it was disabled and
	 * nothing reaches it until it is enabled again, so it holds the
	 * power-up state (TPR, which the VMM writes too, and the LINT
	 * levels aside).
	 */
	if (st->apic_base & LA_BASE_EN)
		return 0;
	if (st->flags || st->tsc_deadline || st->esr_pending ||
	    get_reg(st->regs, LA_ID) != (vcpu->apic_id & 0xff) << 24 ||
	    get_reg(st->regs, LA_DFR) != 0xffffffff || svr != 0xff)
		return -EINVAL;
	for (off = LA_LDR; off < VIRQ_APIC_REG_SIZE; off += 16) {
		switch (off) {
		case LA_DFR: case LA_SVR:
		case LA_LVT_TIMER ... LA_LVT_ERROR:
			continue;
		default:
			if (get_reg(st->regs, off))
				return -EINVAL;
		}
	}
	for (i = 0; i < VIRQ_LAPIC_NR_LVT; i++)
		if (get_reg(st->regs, LA_LVT_TIMER + 16 * i) !=
		    (bsp && i == LVT_LINT0 ? VIRQ_DM_EXTINT << LVT_DM_SHIFT :
		     LVT_MASKED))
			return -EINVAL;
	return 0;
}

/* @rtc: the vector of the RTC tick the state owes, or 0. */
static int lapic_state_check(struct virq_vcpu *vcpu,
			     const struct virq_lapic_state *st, u8 rtc)
{
	u64 base = st->apic_base;
	bool x2 = base & LA_BASE_EXTD;
	u32 off, v;

	if (base & apic_base_reserved(vcpu))
		return -EINVAL;
	if (x2 && !(base & LA_BASE_EN))
		return -EINVAL;
	if ((base & LA_BASE_BSP) != (apic_of(vcpu)->apic_base & LA_BASE_BSP))
		return -EINVAL;
	if (st->flags & ~(VIRQ_LAPIC_STATE_WAIT_SIPI | VIRQ_LAPIC_STATE_EXTINT |
			  VIRQ_LAPIC_STATE_RTC_OWED))
		return -EINVAL;
	if (st->lint_level > 3 ||
	    memchr_inv(st->reserved, 0, sizeof(st->reserved)))
		return -EINVAL;
	/* An owed RTC tick is pending or in service: its EOI will come. */
	if (rtc >= 16 && !((get_reg(st->regs, LA_IRR + 16 * (rtc / 32)) |
		      get_reg(st->regs, LA_ISR + 16 * (rtc / 32))) &
		     BIT(rtc % 32)))
		return -EINVAL;
	for (off = 0; off < VIRQ_APIC_REG_SIZE; off += 4) {
		v = get_reg(st->regs, off);
		if ((off & 0xf) ? v : (v & reg_reserved(off, x2)))
			return -EINVAL;
	}
	/* x2APIC: the ID is the vCPU's and LDR follows from it. */
	if (x2 && (get_reg(st->regs, LA_ID) != vcpu->apic_id ||
		   get_reg(st->regs, LA_LDR) !=
		   (((vcpu->apic_id >> 4) << 16) | BIT(vcpu->apic_id & 0xf))))
		return -EINVAL;
	/*
	 * DFR: bits 27:0 read as ones; any model a guest can write (the
	 * bus matches models other than flat as cluster) is accepted.
	 */
	if (!x2 && (get_reg(st->regs, LA_DFR) & 0x0fffffff) != 0x0fffffff)
		return -EINVAL;
	if (get_reg(st->regs, LA_TIMER_CURRENT) >
	    get_reg(st->regs, LA_TIMER_INITIAL))
		return -EINVAL;
	/* SVR bit 12 is reserved where EOI suppression is not offered. */
	if (get_reg(st->regs, LA_SVR) & ~svr_writable(vcpu))
		return -EINVAL;
	if (st->esr_pending & ~0xffU)
		return -EINVAL;
	return lapic_state_possible(vcpu, st);
}

int virq_lapic_set_state(struct virq_vcpu *vcpu,
			 const struct virq_lapic_state *st)
{
	struct virq_lapic *a = apic_of(vcpu);
	const u8 *r = st->regs;
	unsigned long flags;
	u32 w[3][8];
	unsigned int i;
	int ret, rtc;
	bool kick;

	rtc = virq_vcpu_rtc_restore_vector(vcpu, st);
	if (rtc < 0)
		return rtc;
	ret = lapic_state_check(vcpu, st, rtc);
	if (ret)
		return ret;
	spin_lock_irqsave(&vcpu->irq_lock, flags);
	virq_apic_map_invalidate(vcpu->chip);
	timer_stop_locked(vcpu);
	a->apic_base = st->apic_base;
	a->xapic_id = x2apic_mode(a) ? vcpu->apic_id & 0xff :
		      get_reg(r, LA_ID) >> 24;
	WRITE_ONCE(vcpu->run->tpr, get_reg(r, LA_TPR));
	a->ldr = get_reg(r, LA_LDR);
	a->dfr = x2apic_mode(a) ? 0xffffffff : get_reg(r, LA_DFR);
	a->svr = get_reg(r, LA_SVR);
	a->esr = get_reg(r, LA_ESR);
	a->esr_pending = st->esr_pending;
	a->icr_lo = get_reg(r, LA_ICR_LO);
	a->icr_hi = get_reg(r, LA_ICR_HI);
	for (i = 0; i < VIRQ_LAPIC_NR_LVT; i++)
		a->lvt[i] = get_reg(r, LA_LVT_TIMER + 16 * i);
	for (i = 0; i < 8; i++) {
		w[0][i] = get_reg(r, LA_ISR + 16 * i);
		w[1][i] = get_reg(r, LA_TMR + 16 * i);
		w[2][i] = get_reg(r, LA_IRR + 16 * i);
	}
	bitmap_from_arr32(a->isr, w[0], 256);
	bitmap_from_arr32(a->tmr, w[1], 256);
	bitmap_from_arr32(vcpu->irr, w[2], 256);
	update_isrv_locked(vcpu);
	a->timer_initial = get_reg(r, LA_TIMER_INITIAL);
	a->timer_dcr = get_reg(r, LA_TIMER_DCR);
	a->tsc_deadline = st->tsc_deadline;
	a->wait_sipi = st->flags & VIRQ_LAPIC_STATE_WAIT_SIPI;
	a->extint_msg = st->flags & VIRQ_LAPIC_STATE_EXTINT;
	virq_vcpu_rtc_restore_locked(vcpu, rtc);
	a->lint_level = st->lint_level;
	/* The timer carries on from where the saved count says. */
	kick = false;
	if (timer_mode(a) == TIMER_TSC_DEADLINE)
		kick = timer_start_deadline_locked(vcpu);
	else if (a->timer_initial)
		timer_start_count_locked(vcpu, get_reg(r, LA_TIMER_CURRENT));
	/* LINT inputs as they are now, without inventing edges. */
	lint_resample_locked(vcpu);
	kick |= virq_vcpu_update_intr(vcpu);
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	virq_apic_map_changed(vcpu->chip, true);
	if (kick)
		virq_vcpu_kick(vcpu);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virq_lapic_set_state);

/* ---- life cycle ---- */

int virq_lapic_create(struct virq_vcpu *vcpu)
{
	struct virq_lapic *a;
	unsigned long flags;

	a = kzalloc(sizeof(*a), VIRQ_GFP);
	if (!a)
		return -ENOMEM;
	a->vcpu = vcpu;
	a->bus_hz = VIRQ_LAPIC_DEFAULT_HZ;
	a->tsc_hz = VIRQ_LAPIC_DEFAULT_HZ;
	hrtimer_init(&a->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	a->timer.function = lapic_timer_fn;
	vcpu->apic = a;
	spin_lock_irqsave(&vcpu->irq_lock, flags);
	lapic_reset_locked(vcpu, false);
	/* APs wait for their start-up IPI; the BSP runs. */
	a->wait_sipi = !(a->apic_base & LA_BASE_BSP);
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	return 0;
}

/* VIRQ_VCPU_RESET: the power-up state, as at creation. */
int virq_lapic_reset(struct virq_vcpu *vcpu)
{
	unsigned long flags;
	bool kick;

	spin_lock_irqsave(&vcpu->irq_lock, flags);
	lapic_reset_locked(vcpu, false);
	vcpu->apic->wait_sipi = !(vcpu->apic->apic_base & LA_BASE_BSP);
	virq_vcpu_clear_events(vcpu);
	kick = virq_vcpu_update_intr(vcpu);
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	virq_apic_map_changed(vcpu->chip, true);
	if (kick)
		virq_vcpu_kick(vcpu);
	return 0;
}

void virq_lapic_free(struct virq_vcpu *vcpu)
{
	struct virq_lapic *a = apic_of(vcpu);

	if (!a)
		return;
	hrtimer_cancel(&a->timer);
	kfree(a);
	vcpu->apic = NULL;
}

/* IA32_APIC_BASE as it is now (irq_lock held). */
u64 virq_lapic_base(struct virq_vcpu *vcpu)
{
	lockdep_assert_held(&vcpu->irq_lock);
	return apic_of(vcpu)->apic_base;
}

/* For the map: the IDs and modes this LAPIC answers to. */
void virq_lapic_ids_locked(struct virq_vcpu *vcpu, struct virq_apic_ids *ids)
{
	struct virq_lapic *a = apic_of(vcpu);

	lockdep_assert_held(&vcpu->irq_lock);
	ids->enabled = hw_enabled(a);
	ids->sw_enabled = sw_enabled(a);
	ids->has_ldr = true;
	ids->x2apic = x2apic_mode(a);
	ids->phys = ids->x2apic ? vcpu->apic_id : a->xapic_id;
	ids->ldr = a->ldr;
	ids->dfr_model = a->dfr >> 28;
}
EXPORT_SYMBOL_IF_KUNIT(virq_lapic_ids_locked);
