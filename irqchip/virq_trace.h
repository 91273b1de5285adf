/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virq tracepoints (events/virq/ in tracefs): every PIC input change with
 * its VIRQ_IRQ_LINE_STATUS result, and every PIC acknowledge with the
 * vector it produced. Called with pic->lock held; they only record.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM virq

#if !defined(VIRQ_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define VIRQ_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(virq_pic_set_irq,
	    TP_PROTO(unsigned int chip_no, unsigned int pin, int level,
		     int status),
	    TP_ARGS(chip_no, pin, level, status),
	    TP_STRUCT__entry(__field(u8, irq)
			     __field(u8, level)
			     __field(s8, status)),
	    TP_fast_assign(__entry->irq = chip_no * 8 + pin;
			   __entry->level = level;
			   __entry->status = status;),
	    TP_printk("irq %u level %u status %d",
		      __entry->irq, __entry->level, __entry->status)
);

TRACE_EVENT(virq_pic_intack,
	    TP_PROTO(u8 vector, u8 master_isr, u8 slave_isr, bool poll),
	    TP_ARGS(vector, master_isr, slave_isr, poll),
	    TP_STRUCT__entry(__field(u8, vector)
			     __field(u8, master_isr)
			     __field(u8, slave_isr)
			     __field(bool, poll)),
	    TP_fast_assign(__entry->vector = vector;
			   __entry->master_isr = master_isr;
			   __entry->slave_isr = slave_isr;
			   __entry->poll = poll;),
	    TP_printk("%s 0x%02x isr %02x/%02x",
		      __entry->poll ? "poll" : "vector", __entry->vector,
		      __entry->master_isr, __entry->slave_isr)
);

#endif /* VIRQ_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE virq_trace
#include <trace/define_trace.h>
