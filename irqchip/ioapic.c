// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O APIC (Intel 82093AA datasheet; version 0x20 as in the ICH family,
 * which adds the EOI register): 24 input pins, each with a 64-bit
 * redirection entry that turns an asserted pin into an interrupt message
 * (vector, delivery mode, destination) for the local APICs. A chip has up
 * to VIRQ_MAX_IOAPICS of them, each decoding a 256-byte MMIO window
 * (IOREGSEL +0x00, IOWIN +0x10, EOI +0x40) and serving the GSIs from its
 * base on.
 *
 * Modelled: ID (bits 27:24 writable), version (0x11 or 0x20, 24 entries),
 * arbitration (read-only, the ID), every redirection entry field with
 * delivery status and remote IRR read-only, polarity (an active-low pin
 * asserts when its line is low), edge pins (one message per asserting
 * edge while unmasked; a masked edge is lost), level pins with the remote
 * IRR handshake (set when a LAPIC accepts, cleared by the EOI of the
 * vector, re-delivered after the EOI while still asserted), EOIs from the
 * LAPICs' broadcast, from the EOI register and from a VMM's own LAPIC
 * (VIRQ_VCPU_EOI), an EOI-storm throttle, RTC (GSI 8) coalescing for
 * VIRQ_IRQ_LINE_STATUS, and save/restore.
 *
 * Reprogramming inside a level handler: while remote IRR is set the pin
 * remembers the vector it was delivered with; an EOI of that vector or of
 * the entry's current vector clears remote IRR, so rewriting the vector
 * (or the destination, which EOIs do not name) before the EOI never leaves
 * remote IRR stuck. Switching an entry to edge clears remote IRR.
 *
 * EOIs name a vector, not a CPU (the 82093AA's EOI message carries only
 * the vector): any level EOI of vector V clears remote IRR of every pin
 * waiting for V, whichever vCPU took that pin's interrupt. A pin still
 * asserted is then sent again.
 *
 * Fixed and lowest-priority entries alone use remote IRR: NMI, SMI, INIT
 * and ExtINT entries behave as edges whatever their trigger bit says.
 *
 * Levels: a pin's line level is logical (1 = asserted) unless the chip was
 * created with VIRQ_CHIP_ELECTRICAL_LEVELS; then it is the wire's, and an
 * active-low pin asserts at 0. A logical source (an irqfd) asserts the
 * pin whatever its polarity: on a chip with wire levels it drives the
 * level the entry's polarity asserts at the time.
 *
 * Messages for many vCPUs: the delivery runs under io->lock with
 * interrupts off, so it may visit at most VIRQ_ATOMIC_FANOUT vCPUs. A
 * message the destination map cannot narrow that far (a broadcast on a
 * large chip) is sent by send_work instead: the pin is "send pending"
 * (delivery status 1) until it has gone, nothing else sends that pin
 * meanwhile (a further asserting edge is remembered once, a level pin is
 * looked at again when the message has gone), and a level pin's remote
 * IRR is set when the message is committed, so that an EOI of it can
 * never arrive before remote IRR is set. The message sent is the entry as
 * it reads when the work item sends it.
 *
 * Locks: ioapic->lock (spinlock, irqsave) protects everything in struct
 * virq_ioapic but gsi_base, index and version (fixed); base is written
 * under it and read racily by the MMIO dispatch only. Every helper below
 * runs with it held but send_work, which drops it to deliver. It nests
 * outside vcpu->irq_lock (deliveries, the vCPUs' EOI bookkeeping); kicks
 * are collected and issued after it is dropped. The RTC's debts are kept
 * by the vCPUs (vcpu.c).
 * May call: bus.c (virq_deliver_msg, virq_deliver_msg_atomic), vcpu.c
 * (virq_kicks_*, virq_rtc_forget_all under ioapic->lock);
 * its tracepoints (virq_ioapic_*) are in virq_trace.h.
 */
#include <linux/bitmap.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/hrtimer.h>
#include <linux/nospec.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "virq.h"
#include "virq_trace.h"

/* Indirect registers (IOREGSEL values). */
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_RTE_FIRST	0x10
#define IOAPIC_REG_RTE_LAST	(IOAPIC_REG_RTE_FIRST + 2 * VIRQ_IOAPIC_NUM_PINS - 1)

/* Direct registers: offsets in the MMIO window. */
#define IOAPIC_IOREGSEL		0x00
#define IOAPIC_IOWIN		0x10
#define IOAPIC_EOI		0x40	/* version 0x20 only */

#define IOAPIC_ID_SHIFT		24
#define IOAPIC_ID_MASK		0xf
#define IOAPIC_MAX_RTE_SHIFT	16

/* Redirection entry: the bits a guest may write. */
#define RTE_WRITABLE_LO		(VIRQ_IOAPIC_RTE_VECTOR | (7ULL << 8) | \
				 VIRQ_IOAPIC_RTE_DEST_LOGICAL | \
				 VIRQ_IOAPIC_RTE_ACTIVE_LOW | \
				 VIRQ_IOAPIC_RTE_LEVEL | VIRQ_IOAPIC_RTE_MASKED)
#define RTE_WRITABLE		(RTE_WRITABLE_LO | (0xffULL << VIRQ_IOAPIC_RTE_DEST_SHIFT))
/* What an entry may hold: the writable bits and remote IRR. */
#define RTE_STORED		(RTE_WRITABLE | VIRQ_IOAPIC_RTE_REMOTE_IRR)
#define RTE_RESET		VIRQ_IOAPIC_RTE_MASKED

/* The EOI-storm throttle: after this many successive re-deliveries... */
#define IOAPIC_STORM_COUNT	10000
/* ...the next one waits this long. */
#define IOAPIC_STORM_DELAY_NS	(10 * NSEC_PER_MSEC)

/* The RTC's pin on IOAPIC 0 (GSI 8). */
#define IOAPIC_RTC_PIN		8

static bool rte_level(u64 rte)
{
	return rte & VIRQ_IOAPIC_RTE_LEVEL;
}

static bool rte_masked(u64 rte)
{
	return rte & VIRQ_IOAPIC_RTE_MASKED;
}

static u8 rte_vector(u64 rte)
{
	return rte & VIRQ_IOAPIC_RTE_VECTOR;
}

/* Does the chip take wire levels (VIRQ_CHIP_ELECTRICAL_LEVELS)? */
static bool wire_levels(struct virq_ioapic *io)
{
	return io->chip->cfg.flags & VIRQ_CHIP_ELECTRICAL_LEVELS;
}

static bool rte_active_low(u64 rte)
{
	return rte & VIRQ_IOAPIC_RTE_ACTIVE_LOW;
}

/*
 * Is the pin asserted? By default the level is the assertion (KVM's
 * logical levels); with wire levels, the level seen through its polarity.
 */
static bool pin_asserted(struct virq_ioapic *io, unsigned int pin)
{
	bool high = io->line_level & BIT(pin);

	lockdep_assert_held(&io->lock);
	if (!wire_levels(io))
		return high;
	return high != rte_active_low(io->rte[pin]);
}

/*
 * Is the entry level triggered as far as remote IRR goes? Only fixed and
 * lowest-priority messages are: NMI, SMI, INIT and ExtINT are always
 * edges on the 82093AA, whatever the trigger bit says.
 */
static bool rte_level_irr(u64 rte)
{
	u32 dm = (rte >> VIRQ_IOAPIC_RTE_DM_SHIFT) & 7;

	return rte_level(rte) && (dm == VIRQ_DM_FIXED || dm == VIRQ_DM_LOWEST);
}

static bool is_rtc_pin(struct virq_ioapic *io, unsigned int pin)
{
	return io->index == 0 && pin == IOAPIC_RTC_PIN;
}

/* The message a redirection entry sends (82093AA, IOREDTBL). */
static void rte_to_msg(u64 rte, struct virq_irq_msg *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->vector = rte_vector(rte);
	msg->delivery_mode = (rte >> VIRQ_IOAPIC_RTE_DM_SHIFT) & 7;
	msg->dest_logical = rte & VIRQ_IOAPIC_RTE_DEST_LOGICAL;
	msg->trigger_level = rte_level(rte);
	msg->level_assert = true;
	msg->dest = rte >> VIRQ_IOAPIC_RTE_DEST_SHIFT;
}

/* Delivery modes an entry can send: 011 and 110 are reserved. */
static bool rte_dm_valid(u64 rte)
{
	u32 dm = (rte >> VIRQ_IOAPIC_RTE_DM_SHIFT) & 7;

	return dm != 3 && dm != VIRQ_DM_SIPI;
}

/* Arm the throttle's timer, unless the IOAPIC is being destroyed. */
static void ioapic_storm_arm(struct virq_ioapic *io)
{
	lockdep_assert_held(&io->lock);
	if (!io->dead && !hrtimer_is_queued(&io->storm_timer))
		hrtimer_start(&io->storm_timer,
			      ns_to_ktime(IOAPIC_STORM_DELAY_NS),
			      HRTIMER_MODE_REL);
}

/*
 * The pin's message is for more vCPUs than may be visited here: commit it
 * to send_work. A level pin is in service from now (remote IRR), so that
 * its EOI can never come first. Returns the status of a message sent.
 */
static int ioapic_defer(struct virq_ioapic *io, unsigned int pin,
			const struct virq_irq_msg *msg)
{
	lockdep_assert_held(&io->lock);
	io->sending |= BIT(pin);
	io->send_again &= ~BIT(pin);
	io->eoi_in_flight &= ~BIT(pin);
	if (msg->rtc_track)
		io->rtc_sending = true;
	if (msg->trigger_level) {
		io->rte[pin] |= VIRQ_IOAPIC_RTE_REMOTE_IRR;
		io->delivered_vector[pin] = msg->vector;
	}
	atomic64_inc(&io->chip->fanout_deferred);
	trace_virq_ioapic_deliver(virq_chip_id(io->chip), io->index, pin,
				  msg, VIRQ_IOAPIC_DEFERRED);
	if (!io->dead)
		queue_work(virq_inject_wq, &io->send_work);
	return 1;
}

/*
 * Send the pin's message. Level pins get remote IRR when a LAPIC accepts
 * (even coalesced: it will EOI the vector). Returns the delivery status.
 */
static int ioapic_deliver(struct virq_ioapic *io, unsigned int pin,
			  bool rtc_track, struct virq_kicks *k)
{
	struct virq_irq_msg msg;
	u64 rte = io->rte[pin];
	int status;

	lockdep_assert_held(&io->lock);
	rte_to_msg(rte, &msg);
	msg.trigger_level = rte_level_irr(rte);
	switch (msg.delivery_mode) {
	case VIRQ_DM_FIXED:
	case VIRQ_DM_LOWEST:
		/*
		 * The RTC's tick: each vCPU that accepts it owes its EOI
		 * (counted in chip->rtc_debt), the vector is noted first.
		 */
		if (rtc_track) {
			msg.rtc_track = true;
			WRITE_ONCE(io->chip->rtc_vector, msg.vector);
			io->delivered_vector[pin] = msg.vector;
		}
		fallthrough;
	case VIRQ_DM_SMI:
	case VIRQ_DM_NMI:
	case VIRQ_DM_INIT:
	case VIRQ_DM_EXTINT:
		status = virq_deliver_msg_atomic(io->chip, &msg, k);
		if (status == -EWOULDBLOCK)
			return ioapic_defer(io, pin, &msg);
		break;
	default:	/* 011 and 110 are reserved: nothing is sent */
		status = -1;
		break;
	}
	if (msg.trigger_level && status >= 0) {
		io->rte[pin] |= VIRQ_IOAPIC_RTE_REMOTE_IRR;
		io->delivered_vector[pin] = msg.vector;
	}
	trace_virq_ioapic_deliver(virq_chip_id(io->chip), io->index, pin,
				  &msg, status);
	return status;
}

/*
 * A level pin that may send now does: asserted, unmasked, not waiting
 * for an EOI, the throttle or its message in flight.
 */
static void ioapic_service_level(struct virq_ioapic *io, unsigned int pin,
				 struct virq_kicks *k)
{
	u64 rte = io->rte[pin];

	lockdep_assert_held(&io->lock);
	if (rte_level_irr(rte) && !rte_masked(rte) &&
	    !(rte & VIRQ_IOAPIC_RTE_REMOTE_IRR) &&
	    !((io->eoi_deferred | io->sending) & BIT(pin)) &&
	    pin_asserted(io, pin))
		ioapic_deliver(io, pin, false, k);
}

/*
 * An assertion while the pin's message is in flight: a level pin is
 * looked at again when it has gone; an asserting edge is remembered, once
 * (as the pin's IRR would hold it), but a tracked RTC tick is coalesced
 * (the one in flight is not EOI'd).
 */
static int ioapic_in_flight(struct virq_ioapic *io, unsigned int pin,
			    bool was, bool rtc)
{
	lockdep_assert_held(&io->lock);
	if (rte_level_irr(io->rte[pin]) || was || rtc ||
	    (io->send_again & BIT(pin)))
		return 0;
	io->send_again |= BIT(pin);
	return 1;
}

/**
 * virq_ioapic_set_irq() - drive an input pin
 * @io: the IOAPIC
 * @pin: 0-23 (checked by the routing table)
 * @level: the line's level: logical, or the wire's on a chip with
 *	   VIRQ_CHIP_ELECTRICAL_LEVELS
 * @flags: VIRQ_LINE_STATUS (the caller reports a status: RTC interrupts
 *	   not yet EOI'd everywhere are then coalesced), VIRQ_LINE_LOGICAL
 *	   (@level is an assertion whatever the chip's levels: an irqfd)
 * @k: kick set the caller flushes
 *
 * Return: -1 if the pin is masked or nobody accepted the message; 0 if it
 * was coalesced (no asserting edge, remote IRR still set, RTC not EOI'd,
 * a message of the pin in flight, or every destination had it pending);
 * else the number of CPUs (1 for a message committed to send_work).
 */
int virq_ioapic_set_irq(struct virq_ioapic *io, unsigned int pin,
			int level, unsigned int flags, struct virq_kicks *k)
{
	bool line_status = flags & VIRQ_LINE_STATUS;
	unsigned long iflags;
	bool was, now;
	int status;
	u64 rte;

	pin = array_index_nospec(pin, VIRQ_IOAPIC_NUM_PINS);
	spin_lock_irqsave(&io->lock, iflags);
	rte = io->rte[pin];
	/* An assertion on a wire-level chip: the level the polarity wants. */
	if ((flags & VIRQ_LINE_LOGICAL) && wire_levels(io))
		level = !!level != rte_active_low(rte);
	was = pin_asserted(io, pin);
	if (level)
		io->line_level |= BIT(pin);
	else
		io->line_level &= ~BIT(pin);
	now = pin_asserted(io, pin);

	if (rte_masked(rte)) {
		status = -1;		/* a masked edge is lost */
	} else if (!now) {
		status = 0;		/* lowering: nothing to send */
	} else if (io->sending & BIT(pin)) {
		status = ioapic_in_flight(io, pin, was,
					  line_status && is_rtc_pin(io, pin));
	} else if (rte_level_irr(rte)) {
		if ((rte & VIRQ_IOAPIC_RTE_REMOTE_IRR) ||
		    (io->eoi_deferred & BIT(pin)))
			status = 0;	/* in service, or held by the throttle */
		else
			status = ioapic_deliver(io, pin, false, k);
	} else if (was) {
		status = 0;		/* edge: no asserting edge */
	} else if (line_status && is_rtc_pin(io, pin) &&
		   virq_rtc_pending(io->chip) > 0) {
		status = 0;		/* the last RTC tick is not EOI'd */
	} else {
		status = ioapic_deliver(io, pin,
					line_status && is_rtc_pin(io, pin), k);
	}
	trace_virq_ioapic_set_irq(virq_chip_id(io->chip), io->index, pin,
				  level, status);
	spin_unlock_irqrestore(&io->lock, iflags);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(virq_ioapic_set_irq);

static void ioapic_eoi_redeliver(struct virq_ioapic *io, u32 pins,
				 struct virq_kicks *k);

/*
 * A message committed by ioapic_defer() has gone with @status: look at its
 * pin again. A level message nobody took leaves the pin out of service
 * (nothing will EOI it; the next change of the line tries again, as a
 * refused synchronous delivery does). A level pin whose EOI came while
 * its message was in flight goes through the EOI's own re-delivery (and
 * its storm throttle), by ioapic_eoi() itself while its resamplers run.
 * An edge asserted again meanwhile is sent again.
 */
static void ioapic_landed(struct virq_ioapic *io, unsigned int pin,
			  int status, struct virq_kicks *k)
{
	bool eoi = io->eoi_in_flight & BIT(pin);
	bool again = io->send_again & BIT(pin);
	u64 rte = io->rte[pin];

	lockdep_assert_held(&io->lock);
	io->sending &= ~BIT(pin);
	io->eoi_in_flight &= ~BIT(pin);
	io->send_again &= ~BIT(pin);
	if (rte_level_irr(rte)) {
		if (status < 0)
			io->rte[pin] &= ~VIRQ_IOAPIC_RTE_REMOTE_IRR;
		else if (eoi && !(rte & VIRQ_IOAPIC_RTE_REMOTE_IRR) &&
			 !(io->eoi_resampling & BIT(pin)))
			ioapic_eoi_redeliver(io, BIT(pin), k);
	} else if (again && !rte_masked(rte)) {
		ioapic_deliver(io, pin, false, k);
	}
}

/*
 * send_work: the messages committed by ioapic_defer(), sent from process
 * context (any number of vCPUs), lowest pin first. A restore in between
 * (send_gen) cancels a flight; then ioapic_landed() looks at the pin.
 */
static void ioapic_send_work(struct work_struct *work)
{
	struct virq_ioapic *io = container_of(work, struct virq_ioapic,
					      send_work);
	struct virq_chip *chip = io->chip;
	struct virq_irq_msg msg;
	struct virq_kicks k;
	unsigned long flags;
	unsigned int pin;
	int status;
	u64 rte;
	u32 gen;

	virq_kicks_init(&k);
	spin_lock_irqsave(&io->lock, flags);
	while (io->sending && !io->dead) {
		pin = __ffs(io->sending);
		gen = io->send_gen;
		rte = io->rte[pin];
		rte_to_msg(rte, &msg);
		msg.trigger_level = rte_level_irr(rte);
		/* Tracked only as a fixed or lowest-priority message. */
		msg.rtc_track = io->rtc_sending && is_rtc_pin(io, pin) &&
				(msg.delivery_mode == VIRQ_DM_FIXED ||
				 msg.delivery_mode == VIRQ_DM_LOWEST);
		/*
		 * The entry may have become level since the commit: a level
		 * message is in service from now, whatever it was then (a
		 * refusal clears it again in ioapic_landed()).
		 */
		if (msg.trigger_level) {
			io->rte[pin] |= VIRQ_IOAPIC_RTE_REMOTE_IRR;
			io->delivered_vector[pin] = msg.vector;
		}
		/* What GET saves as the vector the debts are owed for. */
		if (msg.rtc_track) {
			io->delivered_vector[pin] = msg.vector;
			WRITE_ONCE(chip->rtc_vector, msg.vector);
		}
		spin_unlock_irqrestore(&io->lock, flags);

		status = rte_dm_valid(rte) ?
			 virq_deliver_msg(chip, &msg, &k, NULL) : -1;
		trace_virq_ioapic_deliver(virq_chip_id(chip), io->index, pin,
					  &msg, status);
		virq_kicks_flush(chip, &k);
		cond_resched();

		spin_lock_irqsave(&io->lock, flags);
		if (gen != io->send_gen || !(io->sending & BIT(pin)))
			continue;	/* a restore cancelled it */
		if (is_rtc_pin(io, pin))
			io->rtc_sending = false;
		ioapic_landed(io, pin, status, &k);
	}
	spin_unlock_irqrestore(&io->lock, flags);
	virq_kicks_flush(chip, &k);
}

/*
 * The EOI of a level-triggered @vector reached this IOAPIC: clear remote
 * IRR of the entries waiting for it. Returns the pins it cleared; the
 * caller re-delivers them (ioapic_eoi_redeliver()), after telling the
 * resamplers if there are any.
 */
static u32 ioapic_eoi_clear(struct virq_ioapic *io, u8 vector)
{
	unsigned int pin;
	u32 cleared = 0;
	u64 rte;

	lockdep_assert_held(&io->lock);
	for (pin = 0; pin < VIRQ_IOAPIC_NUM_PINS; pin++) {
		rte = io->rte[pin];
		if (!(rte & VIRQ_IOAPIC_RTE_REMOTE_IRR) ||
		    (io->delivered_vector[pin] != vector &&
		     rte_vector(rte) != vector))
			continue;
		io->rte[pin] &= ~VIRQ_IOAPIC_RTE_REMOTE_IRR;
		cleared |= BIT(pin);
	}
	/* In flight: ioapic_landed() re-delivers them when they have gone. */
	io->eoi_in_flight |= cleared & io->sending;
	return cleared;
}

/* After an EOI cleared @pins: a line still asserted goes out again. */
static void ioapic_eoi_redeliver(struct virq_ioapic *io, u32 pins,
				 struct virq_kicks *k)
{
	bool arm = false;
	unsigned int pin;
	u64 rte;

	lockdep_assert_held(&io->lock);
	for (pin = 0; pin < VIRQ_IOAPIC_NUM_PINS; pin++) {
		if (!(pins & BIT(pin)))
			continue;
		/* Its message is in flight: send_work looks at it after. */
		if (io->sending & BIT(pin))
			continue;
		rte = io->rte[pin];
		if (!rte_level_irr(rte) || rte_masked(rte) ||
		    (rte & VIRQ_IOAPIC_RTE_REMOTE_IRR) ||
		    !pin_asserted(io, pin)) {
			io->eoi_count[pin] = 0;
			trace_virq_ioapic_eoi(virq_chip_id(io->chip), io->index,
					      pin, rte_vector(rte), 0);
			continue;
		}
		/* Still asserted: again, unless the guest storms. */
		if (++io->eoi_count[pin] >= IOAPIC_STORM_COUNT) {
			io->eoi_count[pin] = 0;
			io->eoi_deferred |= BIT(pin);
			arm = true;
			trace_virq_ioapic_eoi(virq_chip_id(io->chip), io->index,
					      pin, rte_vector(rte), 2);
			continue;
		}
		trace_virq_ioapic_eoi(virq_chip_id(io->chip), io->index, pin,
				      rte_vector(rte), 1);
		ioapic_deliver(io, pin, false, k);
	}
	if (arm)
		ioapic_storm_arm(io);
}

/*
 * An EOI of @vector on one IOAPIC, lock not held. With resample irqfds on
 * the chip, the lock is dropped between clearing remote IRR and looking
 * at the lines again, so that a resampler de-asserts its line first (the
 * device asserts it again if it still needs service).
 */
static void ioapic_eoi(struct virq_ioapic *io, u8 vector, struct virq_kicks *k)
{
	unsigned long flags;
	unsigned int pin;
	u32 cleared;

	spin_lock_irqsave(&io->lock, flags);
	cleared = ioapic_eoi_clear(io, vector);
	if (cleared && virq_chip_has_resamplers(io->chip)) {
		/* A flight landing meanwhile leaves these pins to us. */
		io->eoi_resampling |= cleared;
		spin_unlock_irqrestore(&io->lock, flags);
		for (pin = 0; pin < VIRQ_IOAPIC_NUM_PINS; pin++)
			if (cleared & BIT(pin))
				virq_resample_ack(io->chip,
						  VIRQ_IRQCHIP_IOAPIC(io->index),
						  pin);
		spin_lock_irqsave(&io->lock, flags);
		io->eoi_resampling &= ~cleared;
	}
	ioapic_eoi_redeliver(io, cleared, k);
	spin_unlock_irqrestore(&io->lock, flags);
}

/**
 * virq_ioapic_eoi_all() - an EOI broadcast to every IOAPIC of a chip
 * @chip: the chip
 * @vcpu: the vCPU whose LAPIC (or VMM) issued it
 * @vector: the vector
 * @level: a level-triggered vector's EOI; others concern no IOAPIC (the
 *	   RTC's debts are paid by the vCPU itself)
 *
 * Called with no device lock and no irq_lock held.
 */
void virq_ioapic_eoi_all(struct virq_chip *chip, struct virq_vcpu *vcpu,
			 u8 vector, bool level)
{
	struct virq_kicks k;
	unsigned int i;

	if (!level)
		return;
	virq_kicks_init(&k);
	for (i = 0; i < chip->cfg.nr_ioapics; i++)
		ioapic_eoi(chip->ioapic[i], vector, &k);
	virq_kicks_flush(chip, &k);
}
EXPORT_SYMBOL_IF_KUNIT(virq_ioapic_eoi_all);

/* The throttle's delay is over: send what it held. */
static enum hrtimer_restart ioapic_storm_expired(struct hrtimer *t)
{
	struct virq_ioapic *io = container_of(t, struct virq_ioapic,
					      storm_timer);
	struct virq_kicks k;
	unsigned long flags;
	unsigned int pin;
	u32 held;

	virq_kicks_init(&k);
	spin_lock_irqsave(&io->lock, flags);
	held = io->eoi_deferred;
	io->eoi_deferred = 0;
	for (pin = 0; pin < VIRQ_IOAPIC_NUM_PINS; pin++)
		if (held & BIT(pin))
			ioapic_service_level(io, pin, &k);
	spin_unlock_irqrestore(&io->lock, flags);
	virq_kicks_flush(io->chip, &k);
	return HRTIMER_NORESTART;
}

/* The value a guest reads from a redirection entry. */
static u64 rte_read(struct virq_ioapic *io, unsigned int pin)
{
	u64 rte = io->rte[pin];

	lockdep_assert_held(&io->lock);
	/*
	 * Delivery status: a message is pending, held by the throttle or
	 * in flight through send_work.
	 */
	if ((io->eoi_deferred | io->sending) & BIT(pin))
		rte |= VIRQ_IOAPIC_RTE_DELIVS;
	return rte;
}

/*
 * A guest write of one half of a redirection entry. Returns true if the
 * RTC's entry changed where its ticks go: the tracked debts are void.
 */
static bool rte_write(struct virq_ioapic *io, unsigned int pin, bool high,
		      u32 val, struct virq_kicks *k)
{
	u64 old = io->rte[pin], new, route;

	lockdep_assert_held(&io->lock);
	if (high)
		new = (old & 0xffffffffULL) | ((u64)val << 32);
	else
		new = (old & ~0xffffffffULL) | val;
	new = (new & RTE_WRITABLE) | (old & VIRQ_IOAPIC_RTE_REMOTE_IRR);
	/* Level to edge: nothing will EOI it as a level interrupt. */
	if (rte_level_irr(old) && !rte_level_irr(new)) {
		new &= ~VIRQ_IOAPIC_RTE_REMOTE_IRR;
		io->eoi_deferred &= ~BIT(pin);
		io->eoi_count[pin] = 0;
	}
	io->rte[pin] = new;
	/* Unmasking (or making level) an asserted pin delivers it. */
	ioapic_service_level(io, pin, k);
	route = VIRQ_IOAPIC_RTE_VECTOR | (7ULL << VIRQ_IOAPIC_RTE_DM_SHIFT) |
		VIRQ_IOAPIC_RTE_DEST_LOGICAL |
		(0xffULL << VIRQ_IOAPIC_RTE_DEST_SHIFT);
	return is_rtc_pin(io, pin) && ((old ^ new) & route);
}

static u32 ioapic_read_indirect(struct virq_ioapic *io)
{
	u32 reg = io->ioregsel;
	unsigned int pin;

	lockdep_assert_held(&io->lock);
	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:	/* arbitration ID: the ID, read-only */
		return (u32)io->id << IOAPIC_ID_SHIFT;
	case IOAPIC_REG_VERSION:
		return io->version |
		       ((VIRQ_IOAPIC_NUM_PINS - 1) << IOAPIC_MAX_RTE_SHIFT);
	case IOAPIC_REG_RTE_FIRST ... IOAPIC_REG_RTE_LAST:
		pin = array_index_nospec((reg - IOAPIC_REG_RTE_FIRST) / 2,
					 VIRQ_IOAPIC_NUM_PINS);
		return rte_read(io, pin) >> ((reg & 1) ? 32 : 0);
	default:		/* no register: reads as 0 */
		return 0;
	}
}

/* Returns true if the RTC's debts must be forgotten (rte_write()). */
static bool ioapic_write_indirect(struct virq_ioapic *io, u32 val,
				  struct virq_kicks *k)
{
	u32 reg = io->ioregsel;
	unsigned int pin;

	lockdep_assert_held(&io->lock);
	switch (reg) {
	case IOAPIC_REG_ID:
		io->id = (val >> IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK;
		return false;
	case IOAPIC_REG_RTE_FIRST ... IOAPIC_REG_RTE_LAST:
		pin = array_index_nospec((reg - IOAPIC_REG_RTE_FIRST) / 2,
					 VIRQ_IOAPIC_NUM_PINS);
		return rte_write(io, pin, reg & 1, val, k);
	default:		/* version, arbitration, no register: ignored */
		return false;
	}
}

/**
 * virq_ioapic_claims() - does @addr fall in this IOAPIC's MMIO window?
 * @io: the IOAPIC
 * @addr: a guest-physical address
 */
bool virq_ioapic_claims(struct virq_ioapic *io, u64 addr)
{
	u64 base = READ_ONCE(io->base);

	return addr >= base && addr - base < VIRQ_IOAPIC_WINDOW;
}
EXPORT_SYMBOL_IF_KUNIT(virq_ioapic_claims);

/**
 * virq_ioapic_mmio() - a guest access to the IOAPIC's window
 * @io: the IOAPIC
 * @addr: the address (virq_ioapic_claims() said yes)
 * @len: its size; only 4 is allowed
 * @write: a write
 * @data: the value written, or where the value read goes
 *
 * IOREGSEL keeps 8 bits; IOWIN reaches the register IOREGSEL selects,
 * and any value selects something defined (registers that do not exist
 * read as 0 and ignore writes); the EOI register (version 0x20) takes a
 * vector. Other aligned offsets in the window read as 0 and ignore
 * writes.
 *
 * Return: 0, or -EINVAL for a size other than 4 or an unaligned address.
 */
int virq_ioapic_mmio(struct virq_ioapic *io, u64 addr, u32 len, bool write,
		     u32 *data)
{
	int eoi_vector = -1;
	struct virq_kicks k;
	unsigned long flags;
	u64 off;

	if (len != 4 || (addr & 3))
		return -EINVAL;
	virq_kicks_init(&k);
	spin_lock_irqsave(&io->lock, flags);
	/*
	 * The base only changes under this lock (SET_IRQCHIP); an access
	 * that raced with a relocation hits no register.
	 */
	off = addr - io->base;
	if (off >= VIRQ_IOAPIC_WINDOW)
		off = VIRQ_IOAPIC_WINDOW;
	switch (off) {
	case IOAPIC_IOREGSEL:
		if (write)
			io->ioregsel = *data & 0xff;
		else
			*data = io->ioregsel;
		break;
	case IOAPIC_IOWIN:
		if (!write) {
			*data = ioapic_read_indirect(io);
			break;
		}
		/*
		 * The RTC's entry was rerouted: the debts of ticks sent the
		 * old way are void. Under io->lock (it nests outside every
		 * vCPU's irq_lock), so that no tick sent the new way can slip
		 * in before they are voided and lose its debt. Rare: a walk
		 * over the vCPUs.
		 */
		if (ioapic_write_indirect(io, *data, &k))
			virq_rtc_forget_all(io->chip);
		break;
	case IOAPIC_EOI:
		if (io->version == VIRQ_IOAPIC_VERSION_20) {
			if (write)
				eoi_vector = *data & 0xff;
			else
				*data = 0;
			break;
		}
		fallthrough;
	default:
		if (!write)
			*data = 0;
		break;
	}
	spin_unlock_irqrestore(&io->lock, flags);
	/* A directed EOI (the EOI register): this IOAPIC only. */
	if (eoi_vector >= 0)
		ioapic_eoi(io, eoi_vector, &k);
	virq_kicks_flush(io->chip, &k);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virq_ioapic_mmio);

/**
 * virq_ioapic_init() - an IOAPIC in its reset state
 * @io: zeroed memory
 * @chip: its chip
 * @index: its number in the chip
 *
 * All entries masked, edge, active high; ID @index; the default base.
 */
void virq_ioapic_init(struct virq_ioapic *io, struct virq_chip *chip,
		      unsigned int index)
{
	unsigned int pin;

	spin_lock_init(&io->lock);
	io->chip = chip;
	io->index = index;
	io->gsi_base = chip->cfg.ioapic_gsi_base[index];
	io->version = chip->cfg.ioapic_version ?: VIRQ_IOAPIC_VERSION_20;
	io->base = VIRQ_IOAPIC_DEFAULT_BASE(index);
	io->id = index & IOAPIC_ID_MASK;
	for (pin = 0; pin < VIRQ_IOAPIC_NUM_PINS; pin++)
		io->rte[pin] = RTE_RESET;
	hrtimer_init(&io->storm_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	io->storm_timer.function = ioapic_storm_expired;
	INIT_WORK(&io->send_work, ioapic_send_work);
}
EXPORT_SYMBOL_IF_KUNIT(virq_ioapic_init);

/**
 * virq_ioapic_flush() - let messages in flight go before a save or restore
 * @io: the IOAPIC
 *
 * Process context, no lock held. A message committed after this returns
 * is saved as in flight (delivery status) and sent again at a restore.
 */
void virq_ioapic_flush(struct virq_ioapic *io)
{
	flush_work(&io->send_work);
}
EXPORT_SYMBOL_IF_KUNIT(virq_ioapic_flush);

/*
 * The chip is going: once dead, send_work stops and nothing queues it or
 * arms the throttle's timer again (each can start the other: send_work's
 * landings re-deliver through the throttle, the timer's expiry commits
 * messages to send_work). Then both are stopped; nothing of the IOAPIC
 * runs afterwards.
 */
void virq_ioapic_destroy(struct virq_ioapic *io)
{
	unsigned long flags;

	spin_lock_irqsave(&io->lock, flags);
	io->dead = true;
	spin_unlock_irqrestore(&io->lock, flags);
	cancel_work_sync(&io->send_work);
	hrtimer_cancel(&io->storm_timer);
}
EXPORT_SYMBOL_IF_KUNIT(virq_ioapic_destroy);

/* KVM's irr: the level pins asserted (edge pins never wait in here). */
static u32 ioapic_irr(struct virq_ioapic *io)
{
	unsigned int pin;
	u32 irr = 0;

	lockdep_assert_held(&io->lock);
	for (pin = 0; pin < VIRQ_IOAPIC_NUM_PINS; pin++)
		if (rte_level(io->rte[pin]) && pin_asserted(io, pin))
			irr |= BIT(pin);
	return irr;
}

int virq_ioapic_get_state(struct virq_ioapic *io, struct virq_ioapic_state *st)
{
	unsigned long flags;
	unsigned int pin;

	memset(st, 0, sizeof(*st));
	spin_lock_irqsave(&io->lock, flags);
	st->base_address = io->base;
	st->ioregsel = io->ioregsel;
	st->id = io->id;
	st->irr = ioapic_irr(io);
	for (pin = 0; pin < VIRQ_IOAPIC_NUM_PINS; pin++) {
		st->redirtbl[pin] = rte_read(io, pin);
		st->delivered_vector[pin] = io->delivered_vector[pin];
		st->eoi_count[pin] = io->eoi_count[pin];
	}
	st->flags = VIRQ_IOAPIC_STATE_EXT |
		    (wire_levels(io) ? VIRQ_IOAPIC_STATE_WIRE_LEVELS : 0);
	st->version = io->version;
	st->line_level = io->line_level;
	st->eoi_deferred = io->eoi_deferred;
	spin_unlock_irqrestore(&io->lock, flags);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virq_ioapic_get_state);

/*
 * The line levels a KVM-format state implies: level pins in irr are
 * asserted; every other line is de-asserted (KVM's irr bit on an edge pin
 * is an edge not delivered yet: SET delivers it, and the next raise is an
 * edge again).
 */
static u32 levels_from_irr(struct virq_ioapic *io,
			   const struct virq_ioapic_state *st)
{
	bool logical = !wire_levels(io);
	unsigned int pin;
	u32 lv = 0;

	for (pin = 0; pin < VIRQ_IOAPIC_NUM_PINS; pin++) {
		bool asserted = (st->irr & BIT(pin)) &&
				rte_level(st->redirtbl[pin]);
		bool low = !logical &&
			   (st->redirtbl[pin] & VIRQ_IOAPIC_RTE_ACTIVE_LOW);

		if (asserted != low)
			lv |= BIT(pin);
	}
	return lv;
}

/* Every check SET makes before it loads anything. */
static int ioapic_state_check(struct virq_ioapic *io,
			      const struct virq_ioapic_state *st)
{
	bool logical = !wire_levels(io);
	struct virq_chip *chip = io->chip;
	unsigned int pin, i;
	u32 lv;
	u64 rte;

	if (st->pad || (st->flags & ~(VIRQ_IOAPIC_STATE_EXT |
				       VIRQ_IOAPIC_STATE_WIRE_LEVELS)))
		return -EINVAL;
	if ((st->base_address & (VIRQ_IOAPIC_WINDOW - 1)) ||
	    st->base_address > U32_MAX - VIRQ_IOAPIC_WINDOW + 1)
		return -EINVAL;
	for (i = 0; i < chip->cfg.nr_ioapics; i++)
		if (i != io->index &&
		    virq_ioapic_claims(chip->ioapic[i], st->base_address))
			return -EINVAL;
	if (st->ioregsel > 0xff || st->id > IOAPIC_ID_MASK)
		return -EINVAL;
	if (st->irr & ~GENMASK(VIRQ_IOAPIC_NUM_PINS - 1, 0))
		return -EINVAL;
	for (pin = 0; pin < VIRQ_IOAPIC_NUM_PINS; pin++) {
		rte = st->redirtbl[pin] & ~VIRQ_IOAPIC_RTE_DELIVS;
		if (rte & ~RTE_STORED)
			return -EINVAL;
		if ((rte & VIRQ_IOAPIC_RTE_REMOTE_IRR) && !rte_level_irr(rte))
			return -EINVAL;
	}
	if (!(st->flags & VIRQ_IOAPIC_STATE_EXT)) {
		/* KVM's format: the rest of the union must be zero. */
		if (memchr_inv(&st->flags, 0, sizeof(*st) -
			       offsetof(struct virq_ioapic_state, flags)))
			return -EINVAL;
		return 0;
	}
	if (st->version != io->version)
		return -EINVAL;
	/* Levels of the other kind would invert every active-low pin. */
	if (!!(st->flags & VIRQ_IOAPIC_STATE_WIRE_LEVELS) != wire_levels(io))
		return -EINVAL;
	lv = st->line_level;
	if (lv & ~GENMASK(VIRQ_IOAPIC_NUM_PINS - 1, 0))
		return -EINVAL;
	/* irr must say what the line levels and polarities say. */
	for (pin = 0; pin < VIRQ_IOAPIC_NUM_PINS; pin++) {
		rte = st->redirtbl[pin];
		if (rte_level(rte) &&
		    !!(st->irr & BIT(pin)) !=
		    (!!(lv & BIT(pin)) !=
		     (!logical && (rte & VIRQ_IOAPIC_RTE_ACTIVE_LOW))))
			return -EINVAL;
		if (!rte_level(rte) && (st->irr & BIT(pin)))
			return -EINVAL;
		if (st->eoi_count[pin] >= IOAPIC_STORM_COUNT)
			return -EINVAL;
		if ((st->eoi_deferred & BIT(pin)) && !rte_level_irr(rte))
			return -EINVAL;
	}
	if (st->eoi_deferred & ~GENMASK(VIRQ_IOAPIC_NUM_PINS - 1, 0))
		return -EINVAL;
	return 0;
}

int virq_ioapic_set_state(struct virq_ioapic *io,
			  const struct virq_ioapic_state *st)
{
	bool ext = st->flags & VIRQ_IOAPIC_STATE_EXT;
	struct virq_kicks k;
	unsigned long flags;
	unsigned int pin;
	int ret;

	ret = ioapic_state_check(io, st);
	if (ret)
		return ret;
	virq_kicks_init(&k);
	spin_lock_irqsave(&io->lock, flags);
	WRITE_ONCE(io->base, st->base_address);
	io->ioregsel = st->ioregsel;
	io->id = st->id;
	for (pin = 0; pin < VIRQ_IOAPIC_NUM_PINS; pin++) {
		io->rte[pin] = st->redirtbl[pin] & RTE_STORED;
		io->delivered_vector[pin] = ext ? st->delivered_vector[pin] :
				rte_vector(st->redirtbl[pin]);
		io->eoi_count[pin] = ext ? st->eoi_count[pin] : 0;
	}
	io->line_level = ext ? st->line_level : levels_from_irr(io, st);
	io->eoi_deferred = ext ? st->eoi_deferred : 0;
	/* Messages in flight belong to the state replaced. */
	io->send_gen++;
	io->sending = 0;
	io->send_again = 0;
	io->eoi_in_flight = 0;
	io->rtc_sending = false;
	/*
	 * The RTC's vector a VMM's older SET_LAPIC means by a debt (debts
	 * restored name their own). KVM's format has no delivered vectors:
	 * pin 8's entry names it.
	 */
	if (io->index == 0) {
		WRITE_ONCE(io->chip->rtc_vector,
			   io->delivered_vector[IOAPIC_RTC_PIN]);
		virq_rtc_vector_restored(io->chip);
	}
	/*
	 * Pending level pins go out; held ones wait for the timer. A message
	 * the saved state had in flight (delivery status set in an extended
	 * state, not the throttle's: a device raised the pin while the VMM
	 * saved) is sent again, masked or not: the saved vCPUs never
	 * received it, and no LAPIC accepted it yet (its remote IRR, set
	 * when it was committed, is set again only if one does now). KVM's
	 * format has no delivery status: whatever bit 12 says, nothing flew.
	 */
	for (pin = 0; pin < VIRQ_IOAPIC_NUM_PINS; pin++) {
		if (ext && (st->redirtbl[pin] & VIRQ_IOAPIC_RTE_DELIVS) &&
		    !(io->eoi_deferred & BIT(pin))) {
			io->rte[pin] &= ~VIRQ_IOAPIC_RTE_REMOTE_IRR;
			ioapic_deliver(io, pin, false, &k);
			continue;
		}
		ioapic_service_level(io, pin, &k);
		/* KVM's format: an edge it had not delivered yet. */
		if (!ext && (st->irr & BIT(pin)) && !rte_level(io->rte[pin]) &&
		    !rte_masked(io->rte[pin]))
			ioapic_deliver(io, pin, false, &k);
	}
	if (io->eoi_deferred)
		ioapic_storm_arm(io);
	spin_unlock_irqrestore(&io->lock, flags);
	virq_kicks_flush(io->chip, &k);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virq_ioapic_set_state);
