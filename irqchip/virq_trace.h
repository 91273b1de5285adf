/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virq tracepoints (events/virq/ in tracefs): every PIC input change with
 * its VIRQ_IRQ_LINE_STATUS result, every PIC acknowledge with the vector
 * it produced, every IOAPIC pin change, message sent and EOI, and every
 * LAPIC acceptance, EOI, IPI, timer expiry and APIC_BASE change; each GSI
 * raise and its route fan-out, MSIs, kicks, halts, irqfd injections,
 * bindings and resamples. Every event carries the chip's id. Device
 * events are called with the device's lock held; they only record.
 * i8259.c creates them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM virq

#if !defined(VIRQ_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define VIRQ_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(virq_pic_set_irq,
	    TP_PROTO(u32 chip, unsigned int chip_no, unsigned int pin, int level,
		     int status),
	    TP_ARGS(chip, chip_no, pin, level, status),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u8, irq)
			     __field(u8, level)
			     __field(s8, status)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->irq = chip_no * 8 + pin;
			   __entry->level = level;
			   __entry->status = status;),
	    TP_printk("chip %u irq %u level %u status %d", __entry->chip,
		      __entry->irq, __entry->level, __entry->status)
);

TRACE_EVENT(virq_pic_intack,
	    TP_PROTO(u32 chip, u8 vector, u8 master_isr, u8 slave_isr, bool poll),
	    TP_ARGS(chip, vector, master_isr, slave_isr, poll),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u8, vector)
			     __field(u8, master_isr)
			     __field(u8, slave_isr)
			     __field(bool, poll)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->vector = vector;
			   __entry->master_isr = master_isr;
			   __entry->slave_isr = slave_isr;
			   __entry->poll = poll;),
	    TP_printk("chip %u %s 0x%02x isr %02x/%02x", __entry->chip,
		      __entry->poll ? "poll" : "vector", __entry->vector,
		      __entry->master_isr, __entry->slave_isr)
);

TRACE_EVENT(virq_ioapic_set_irq,
	    TP_PROTO(u32 chip, unsigned int ioapic, unsigned int pin, int level,
		     int status),
	    TP_ARGS(chip, ioapic, pin, level, status),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u8, ioapic)
			     __field(u8, pin)
			     __field(u8, level)
			     __field(s16, status)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->ioapic = ioapic;
			   __entry->pin = pin;
			   __entry->level = level;
			   __entry->status = status;),
	    TP_printk("chip %u ioapic %u pin %u level %u status %d", __entry->chip, __entry->ioapic,
		      __entry->pin, __entry->level, __entry->status)
);

/* virq_ioapic_deliver's status for a message handed to send_work. */
#ifndef VIRQ_IOAPIC_DEFERRED
#define VIRQ_IOAPIC_DEFERRED	(-2)
#endif

TRACE_EVENT(virq_ioapic_deliver,
	    TP_PROTO(u32 chip, unsigned int ioapic, unsigned int pin,
		     const struct virq_irq_msg *msg, int status),
	    TP_ARGS(chip, ioapic, pin, msg, status),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u8, ioapic)
			     __field(u8, pin)
			     __field(u8, vector)
			     __field(u8, dm)
			     __field(bool, logical)
			     __field(bool, level)
			     __field(u32, dest)
			     __field(s16, status)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->ioapic = ioapic;
			   __entry->pin = pin;
			   __entry->vector = msg->vector;
			   __entry->dm = msg->delivery_mode;
			   __entry->logical = msg->dest_logical;
			   __entry->level = msg->trigger_level;
			   __entry->dest = msg->dest;
			   __entry->status = status;),
	    TP_printk("chip %u ioapic %u pin %u vector 0x%02x dm %u %s dest 0x%x %s status %d%s",
		      __entry->chip,
		      __entry->ioapic, __entry->pin, __entry->vector,
		      __entry->dm, __entry->logical ? "logical" : "physical",
		      __entry->dest, __entry->level ? "level" : "edge",
		      __entry->status,
		      __entry->status == VIRQ_IOAPIC_DEFERRED ?
		      " (to the work item)" : "")
);

TRACE_EVENT(virq_ioapic_eoi,
	    TP_PROTO(u32 chip, unsigned int ioapic, unsigned int pin, u8 vector,
		     int action),
	    TP_ARGS(chip, ioapic, pin, vector, action),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u8, ioapic)
			     __field(u8, pin)
			     __field(u8, vector)
			     __field(u8, action)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->ioapic = ioapic;
			   __entry->pin = pin;
			   __entry->vector = vector;
			   __entry->action = action;),
	    TP_printk("chip %u ioapic %u pin %u vector 0x%02x remote IRR cleared%s", __entry->chip,
		      __entry->ioapic, __entry->pin, __entry->vector,
		      __entry->action == 1 ? ", re-delivered" :
		      __entry->action == 2 ? ", re-delivery deferred (EOI storm)" :
		      "")
);

TRACE_EVENT(virq_lapic_accept,
	    TP_PROTO(u32 chip, u32 apic_id, u8 vector, u8 dm, bool level, int status),
	    TP_ARGS(chip, apic_id, vector, dm, level, status),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u32, apic_id)
			     __field(u8, vector)
			     __field(u8, dm)
			     __field(bool, level)
			     __field(s8, status)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->apic_id = apic_id;
			   __entry->vector = vector;
			   __entry->dm = dm;
			   __entry->level = level;
			   __entry->status = status;),
	    TP_printk("chip %u apic %u vector 0x%02x dm %u %s status %d", __entry->chip,
		      __entry->apic_id, __entry->vector, __entry->dm,
		      __entry->level ? "level" : "edge", __entry->status)
);

TRACE_EVENT(virq_lapic_eoi,
	    TP_PROTO(u32 chip, u32 apic_id, u8 vector, bool broadcast),
	    TP_ARGS(chip, apic_id, vector, broadcast),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u32, apic_id)
			     __field(u8, vector)
			     __field(bool, broadcast)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->apic_id = apic_id;
			   __entry->vector = vector;
			   __entry->broadcast = broadcast;),
	    TP_printk("chip %u apic %u vector 0x%02x%s", __entry->chip, __entry->apic_id,
		      __entry->vector,
		      __entry->broadcast ? " broadcast to the IOAPICs" : "")
);

TRACE_EVENT(virq_lapic_ipi,
	    TP_PROTO(u32 chip, u32 apic_id, const struct virq_irq_msg *msg),
	    TP_ARGS(chip, apic_id, msg),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u32, apic_id)
			     __field(u32, dest)
			     __field(u8, vector)
			     __field(u8, dm)
			     __field(u8, shorthand)
			     __field(bool, logical)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->apic_id = apic_id;
			   __entry->dest = msg->dest;
			   __entry->vector = msg->vector;
			   __entry->dm = msg->delivery_mode;
			   __entry->shorthand = msg->shorthand;
			   __entry->logical = msg->dest_logical;),
	    TP_printk("chip %u apic %u vector 0x%02x dm %u %s dest 0x%x shorthand %u",
		      __entry->chip,
		      __entry->apic_id, __entry->vector, __entry->dm,
		      __entry->logical ? "logical" : "physical",
		      __entry->dest, __entry->shorthand)
);

TRACE_EVENT(virq_lapic_timer,
	    TP_PROTO(u32 chip, u32 apic_id, u8 vector, u32 mode),
	    TP_ARGS(chip, apic_id, vector, mode),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u32, apic_id)
			     __field(u8, vector)
			     __field(u8, mode)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->apic_id = apic_id;
			   __entry->vector = vector;
			   __entry->mode = mode;),
	    TP_printk("chip %u apic %u vector 0x%02x %s", __entry->chip, __entry->apic_id,
		      __entry->vector,
		      __entry->mode == 0 ? "one-shot" :
		      __entry->mode == 1 ? "periodic" : "tsc-deadline")
);

TRACE_EVENT(virq_lapic_base,
	    TP_PROTO(u32 chip, u32 apic_id, u64 old, u64 new),
	    TP_ARGS(chip, apic_id, old, new),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u32, apic_id)
			     __field(u64, old)
			     __field(u64, new)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->apic_id = apic_id;
			   __entry->old = old;
			   __entry->new = new;),
	    TP_printk("chip %u apic %u APIC_BASE 0x%llx -> 0x%llx", __entry->chip, __entry->apic_id,
		      __entry->old, __entry->new)
);

TRACE_EVENT(virq_set_irq,
	    TP_PROTO(u32 chip, u32 gsi, u32 level, u32 routes, int status),
	    TP_ARGS(chip, gsi, level, routes, status),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u32, gsi)
			     __field(u8, level)
			     __field(u8, routes)
			     __field(s16, status)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->gsi = gsi;
			   __entry->level = level;
			   __entry->routes = min_t(u32, routes, 255);
			   __entry->status = status;),
	    TP_printk("chip %u gsi %u level %u routes %u status %d",
		      __entry->chip, __entry->gsi, __entry->level,
		      __entry->routes, __entry->status)
);

TRACE_EVENT(virq_route,
	    TP_PROTO(u32 chip, u32 gsi, const struct virq_route *r),
	    TP_ARGS(chip, gsi, r),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u32, gsi)
			     __field(u8, type)
			     __field(u8, irqchip)
			     __field(u8, pin)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->gsi = gsi;
			   __entry->type = r->type;
			   __entry->irqchip = r->type == VIRQ_IRQ_ROUTING_IRQCHIP ?
					      r->irqchip.irqchip : 0;
			   __entry->pin = r->type == VIRQ_IRQ_ROUTING_IRQCHIP ?
					  r->irqchip.pin : 0;),
	    TP_printk("chip %u gsi %u -> %s %u pin %u", __entry->chip,
		      __entry->gsi,
		      __entry->type == VIRQ_IRQ_ROUTING_MSI ? "msi" :
		      __entry->irqchip < 2 ? "pic" : "ioapic",
		      __entry->irqchip < 2 ? __entry->irqchip :
		      __entry->irqchip - 2, __entry->pin)
);

TRACE_EVENT(virq_msi,
	    TP_PROTO(u32 chip, u32 address_lo, u32 address_hi, u32 data,
		     int status),
	    TP_ARGS(chip, address_lo, address_hi, data, status),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u64, address)
			     __field(u32, data)
			     __field(s16, status)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->address = (u64)address_hi << 32 | address_lo;
			   __entry->data = data;
			   __entry->status = status;),
	    TP_printk("chip %u address 0x%llx data 0x%x status %d",
		      __entry->chip, __entry->address, __entry->data,
		      __entry->status)
);

#define VIRQ_KICK_WAKE		0
#define VIRQ_KICK_SIGNAL	1
#define VIRQ_KICK_NONE		2

TRACE_EVENT(virq_kick,
	    TP_PROTO(u32 chip, u32 apic_id, int how),
	    TP_ARGS(chip, apic_id, how),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u32, apic_id)
			     __field(u8, how)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->apic_id = apic_id;
			   __entry->how = how;),
	    TP_printk("chip %u apic %u %s", __entry->chip, __entry->apic_id,
		      __entry->how == VIRQ_KICK_WAKE ? "wake" :
		      __entry->how == VIRQ_KICK_SIGNAL ? "signal" : "none")
);

TRACE_EVENT(virq_wait,
	    TP_PROTO(u32 chip, u32 apic_id, int woke, u32 requests),
	    TP_ARGS(chip, apic_id, woke, requests),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u32, apic_id)
			     __field(u8, woke)
			     __field(u32, requests)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->apic_id = apic_id;
			   __entry->woke = woke;
			   __entry->requests = requests;),
	    TP_printk("chip %u apic %u %s requests 0x%x", __entry->chip,
		      __entry->apic_id, __entry->woke ? "woke" : "halts",
		      __entry->requests)
);

/* Where an irqfd's injection runs (virq_irqfd_inject.where). */
#define VIRQ_IRQFD_INJ_WAKEUP	0	/* in the eventfd's wake-up */
#define VIRQ_IRQFD_INJ_DEFER	1	/* too many vCPUs: to the work item */
#define VIRQ_IRQFD_INJ_WORK	2	/* from the work item */

TRACE_EVENT(virq_irqfd_inject,
	    TP_PROTO(u32 chip, u32 gsi, bool resample, u8 where),
	    TP_ARGS(chip, gsi, resample, where),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u32, gsi)
			     __field(bool, resample)
			     __field(u8, where)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->gsi = gsi;
			   __entry->resample = resample;
			   __entry->where = where;),
	    TP_printk("chip %u gsi %u%s%s", __entry->chip, __entry->gsi,
		      __entry->resample ? " (resample: asserted)" : "",
		      __entry->where == VIRQ_IRQFD_INJ_DEFER ?
		      " handed to the work item" :
		      __entry->where == VIRQ_IRQFD_INJ_WORK ?
		      " from the work item" : "")
);

/* Why an irqfd's binding began or ended (virq_irqfd_bind.why). */
#define VIRQ_IRQFD_EV_ASSIGN	0
#define VIRQ_IRQFD_EV_DEASSIGN	1
#define VIRQ_IRQFD_EV_HUP	2	/* the eventfd was closed */
#define VIRQ_IRQFD_EV_RELEASE	3	/* the chip fd was closed */

TRACE_EVENT(virq_irqfd_bind,
	    TP_PROTO(u32 chip, u32 gsi, bool resample, int why),
	    TP_ARGS(chip, gsi, resample, why),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u32, gsi)
			     __field(bool, resample)
			     __field(u8, why)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->gsi = gsi;
			   __entry->resample = resample;
			   __entry->why = why;),
	    TP_printk("chip %u gsi %u%s %s", __entry->chip, __entry->gsi,
		      __entry->resample ? " resample" : "",
		      __entry->why == VIRQ_IRQFD_EV_ASSIGN ? "bound" :
		      __entry->why == VIRQ_IRQFD_EV_DEASSIGN ? "deassigned" :
		      __entry->why == VIRQ_IRQFD_EV_HUP ? "eventfd closed" :
		      "chip closed")
);

/* An EOI released a resampled line: it was lowered, n resamplefds told. */
TRACE_EVENT(virq_irqfd_resample,
	    TP_PROTO(u32 chip, u32 gsi, u32 irqchip, u32 pin, u32 notified),
	    TP_ARGS(chip, gsi, irqchip, pin, notified),
	    TP_STRUCT__entry(__field(u32, chip)
			     __field(u32, gsi)
			     __field(u8, irqchip)
			     __field(u8, pin)
			     __field(u16, notified)),
	    TP_fast_assign(__entry->chip = chip;
			   __entry->gsi = gsi;
			   __entry->irqchip = irqchip;
			   __entry->pin = pin;
			   __entry->notified = notified;),
	    /* irqchip 255: a routing update moved the GSI (no EOI) */
	    TP_printk("chip %u gsi %u: EOI of irqchip %u pin %u lowered it, %u resamplefds signalled",
		      __entry->chip, __entry->gsi, __entry->irqchip,
		      __entry->pin, __entry->notified)
);

#endif /* VIRQ_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE virq_trace
#include <trace/define_trace.h>
