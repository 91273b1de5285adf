// SPDX-License-Identifier: GPL-2.0
/*
 * The 8259A programmable interrupt controller pair of the PC (Intel 8259A
 * datasheet): a master at ports 0x20/0x21 and a slave at 0xa0/0xa1 whose
 * INT output drives master IR2, plus the PIIX edge/level control registers
 * (ELCR) at 0x4d0/0x4d1. The master's INT output goes to the BSP as an
 * ExtINT request; VIRQ_VCPU_ACK runs the INTA cycle.
 *
 * Modelled: ICW1-ICW4 (edge/level, single/cascade, ICW4 optional, AEOI,
 * SFNM; uPM, BUF and M/S stored), OCW1 mask, every OCW2 command, OCW3
 * register select, poll and special mask mode, rotation, spurious IR7,
 * cascade acknowledge by slave ID, and save/restore.
 *
 * The ELCR alone selects level triggering, as on the PIIX: ICW1's LTIM
 * bit is stored and saved but does not change how an input is sensed.
 *
 * Locks: pic->lock (spinlock, irqsave) protects both PICs and the output;
 * every helper below runs with it held. The receiving vCPU's extint state
 * is updated under its irq_lock, nested inside pic->lock. Kicks happen
 * after pic->lock is dropped.
 * May call: vcpu.c (virq_vcpu_set_extint, virq_vcpu_kick); it defines the
 * tracepoints of virq_trace.h.
 */
#include <linux/bitops.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "virq.h"

#define CREATE_TRACE_POINTS
#include "virq_trace.h"

#define PIC_MASTER		0
#define PIC_SLAVE		1
#define PIC_CASCADE_IR		2	/* master IR wired to the slave's INT */

#define PIC_MASTER_CMD		0x20
#define PIC_MASTER_DATA		0x21
#define PIC_SLAVE_CMD		0xa0
#define PIC_SLAVE_DATA		0xa1
#define PIC_ELCR_MASTER		0x4d0
#define PIC_ELCR_SLAVE		0x4d1

/* IRQ 0, 1, 2 (master) and 8, 13 (slave) are edge-only on the PC. */
#define PIC_ELCR_MASK_MASTER	0xf8
#define PIC_ELCR_MASK_SLAVE	0xde

/* ICW1 (A0 = 0, D4 = 1) */
#define ICW1_IC4		BIT(0)	/* ICW4 follows */
#define ICW1_SNGL		BIT(1)	/* single: no ICW3, no cascade */
#define ICW1_ADI		BIT(2)	/* 8080 call address interval */
#define ICW1_LTIM		BIT(3)	/* level triggered inputs */
#define ICW1_SEL		BIT(4)

/* ICW4 */
#define ICW4_UPM		BIT(0)	/* 8086 mode */
#define ICW4_AEOI		BIT(1)
#define ICW4_MS			BIT(2)	/* buffered master */
#define ICW4_BUF		BIT(3)
#define ICW4_SFNM		BIT(4)

/* OCW2 (A0 = 0, D4 = 0, D3 = 0): R, SL, EOI in D7-D5, level in D2-D0 */
#define OCW2_LEVEL		0x07
#define OCW2_ROTATE_AEOI_CLEAR	0x0
#define OCW2_NONSPECIFIC_EOI	0x1
#define OCW2_NOP		0x2
#define OCW2_SPECIFIC_EOI	0x3
#define OCW2_ROTATE_AEOI_SET	0x4
#define OCW2_ROTATE_NS_EOI	0x5
#define OCW2_SET_PRIORITY	0x6
#define OCW2_ROTATE_SPECIFIC_EOI 0x7

/* OCW3 (A0 = 0, D4 = 0, D3 = 1) */
#define OCW3_RIS		BIT(0)	/* read ISR (with RR) */
#define OCW3_RR			BIT(1)	/* read register command */
#define OCW3_P			BIT(2)	/* poll command */
#define OCW3_SEL		BIT(3)
#define OCW3_SMM		BIT(5)	/* special mask mode (with ESMM) */
#define OCW3_ESMM		BIT(6)

#define PIC_POLL_INT		0x80	/* poll word: an interrupt is pending */
#define PIC_NO_RESPONSE		0xff	/* INTA with no slave on the bus */

static const u8 pic_elcr_masks[2] = { PIC_ELCR_MASK_MASTER,
				      PIC_ELCR_MASK_SLAVE };
static const u8 pic_default_icw3[2] = { BIT(PIC_CASCADE_IR), PIC_CASCADE_IR };

static bool pic_is_master(struct virq_pic *pic, struct virq_i8259 *s)
{
	return s == &pic->dev[PIC_MASTER];
}

/* Priority of an IR: 0 is the highest. */
static unsigned int pic_prio(const struct virq_i8259 *s, unsigned int ir)
{
	return (ir - s->priority_add) & 7;
}

/*
 * The IR of highest priority among @mask, or -1: rotate priority_add down
 * to bit 0, so the lowest set bit is the highest priority.
 */
static int pic_highest(const struct virq_i8259 *s, u8 mask)
{
	if (!mask)
		return -1;
	return (__ffs(ror8(mask, s->priority_add)) + s->priority_add) & 7;
}

/* Level-sensed inputs: the ELCR decides (the PIIX ignores LTIM). */
static u8 pic_level_mask(const struct virq_i8259 *s)
{
	return s->elcr;
}

/* IRs the master treats as cascade inputs (ICW3), none in single mode. */
static u8 pic_cascade_mask(struct virq_pic *pic, struct virq_i8259 *s)
{
	if (!pic_is_master(pic, s) || s->single)
		return 0;
	return s->icw3;
}

/* In-service levels that block @req, honouring SMM and SFNM. */
static u8 pic_blocking_isr(struct virq_pic *pic, struct virq_i8259 *s,
			   int req)
{
	u8 isr = s->isr;

	/* Special mask mode: a masked level does not block the others. */
	if (s->special_mask)
		isr &= ~s->imr;
	/*
	 * Special fully nested mode: a cascade IR in service still lets the
	 * slave's further (higher priority) requests through.
	 */
	if (s->sfnm)
		isr &= ~(BIT(req) & pic_cascade_mask(pic, s));
	return isr;
}

/* The IR this PIC would present on INT now, or -1 (priority resolver). */
static int pic_resolve(struct virq_pic *pic, struct virq_i8259 *s)
{
	int req, cur;

	lockdep_assert_held(&pic->lock);
	req = pic_highest(s, s->irr & ~s->imr);
	if (req < 0)
		return -1;
	cur = pic_highest(s, pic_blocking_isr(pic, s, req));
	if (cur >= 0 && pic_prio(s, cur) <= pic_prio(s, req))
		return -1;
	return req;
}

/* An input line changes: level pins follow it, edge pins latch rising. */
static void pic_set_input(struct virq_pic *pic, struct virq_i8259 *s,
			  unsigned int ir, bool level)
{
	u8 bit = BIT(ir);

	lockdep_assert_held(&pic->lock);
	if (pic_level_mask(s) & bit) {
		if (level)
			s->irr |= bit;
		else
			s->irr &= ~bit;
	} else if (level && !(s->last_irr & bit)) {
		s->irr |= bit;
	}
	if (level)
		s->last_irr |= bit;
	else
		s->last_irr &= ~bit;
}

/*
 * Present the master's INT output to the vCPU. Returns the vCPU to kick
 * once pic->lock is dropped, or NULL.
 */
static struct virq_vcpu *pic_update_output(struct virq_pic *pic)
{
	bool out;

	lockdep_assert_held(&pic->lock);
	out = pic_resolve(pic, &pic->dev[PIC_MASTER]) >= 0;
	if (out == pic->output)
		return NULL;
	pic->output = out;
	if (pic->vcpu && virq_vcpu_set_extint(pic->vcpu, out))
		return pic->vcpu;
	return NULL;
}

/* Propagate the slave's INT to master IR2, then the master's INT. */
static struct virq_vcpu *pic_update(struct virq_pic *pic)
{
	lockdep_assert_held(&pic->lock);
	pic_set_input(pic, &pic->dev[PIC_MASTER], PIC_CASCADE_IR,
		      pic_resolve(pic, &pic->dev[PIC_SLAVE]) >= 0);
	return pic_update_output(pic);
}

/* Note that @ir's service ended (EOI or AEOI): resamplers hear of it. */
static void pic_note_ack(struct virq_pic *pic, struct virq_i8259 *s,
			 unsigned int ir)
{
	lockdep_assert_held(&pic->lock);
	pic->acked |= BIT(ir) << (pic_is_master(pic, s) ? 0 : 8);
}

/* The acknowledge of @ir on one PIC: IRR -> ISR, or AEOI. */
static void pic_ack_ir(struct virq_pic *pic, struct virq_i8259 *s,
		       unsigned int ir)
{
	u8 bit = BIT(ir);

	lockdep_assert_held(&pic->lock);
	s->irr &= ~bit;
	/* A level input still high requests again at once. */
	s->irr |= s->last_irr & pic_level_mask(s) & bit;
	if (!s->auto_eoi) {
		s->isr |= bit;
		return;
	}
	pic_note_ack(pic, s, ir);
	if (s->rotate_on_auto_eoi)
		s->priority_add = (ir + 1) & 7;
}

/* The slave's INT falls during its acknowledge (a new request re-raises). */
static void pic_slave_int_dropped(struct virq_pic *pic)
{
	pic->dev[PIC_MASTER].last_irr &= ~BIT(PIC_CASCADE_IR);
}

/* The full INTA cycle; returns the vector put on the bus. */
static u8 pic_intack_cycle(struct virq_pic *pic)
{
	struct virq_i8259 *m = &pic->dev[PIC_MASTER];
	struct virq_i8259 *sl = &pic->dev[PIC_SLAVE];
	int ir, sir;

	lockdep_assert_held(&pic->lock);
	ir = pic_resolve(pic, m);
	if (ir < 0)
		return m->irq_base | 7;	/* spurious IR7: ISR untouched */
	pic_ack_ir(pic, m, ir);
	if (!(pic_cascade_mask(pic, m) & BIT(ir)))
		return m->irq_base | ir;

	/* CAS2-0 = ir: only a slave with that ID answers. */
	if (ir != PIC_CASCADE_IR || sl->single || (sl->icw3 & 7) != ir)
		return PIC_NO_RESPONSE;
	pic_slave_int_dropped(pic);
	sir = pic_resolve(pic, sl);
	if (sir < 0)
		return sl->irq_base | 7; /* spurious IR15: master ISR2 stays */
	pic_ack_ir(pic, sl, sir);
	return sl->irq_base | sir;
}

static u8 pic_intack_locked(struct virq_pic *pic)
{
	u8 vector = pic_intack_cycle(pic);

	trace_virq_pic_intack(virq_chip_id(pic->chip), vector,
			      pic->dev[PIC_MASTER].isr,
			      pic->dev[PIC_SLAVE].isr, false);
	return vector;
}

/* Poll command: the read acts as an acknowledge of this PIC alone. */
static u8 pic_poll_read(struct virq_pic *pic, struct virq_i8259 *s)
{
	int ir = pic_resolve(pic, s);

	s->poll = 0;
	if (ir < 0)
		return 0;
	pic_ack_ir(pic, s, ir);
	if (!pic_is_master(pic, s))
		pic_slave_int_dropped(pic);
	trace_virq_pic_intack(virq_chip_id(pic->chip), PIC_POLL_INT | ir,
			      pic->dev[PIC_MASTER].isr,
			      pic->dev[PIC_SLAVE].isr, true);
	return PIC_POLL_INT | ir;
}

static void pic_eoi(struct virq_pic *pic, struct virq_i8259 *s,
		    unsigned int ir, bool rotate)
{
	if (s->isr & BIT(ir))
		pic_note_ack(pic, s, ir);
	s->isr &= ~BIT(ir);
	if (rotate)
		s->priority_add = (ir + 1) & 7;
}

static void pic_write_icw1(struct virq_pic *pic, struct virq_i8259 *s, u8 val)
{
	lockdep_assert_held(&pic->lock);
	s->init_state = 1;
	s->init4 = !!(val & ICW1_IC4);
	s->single = !!(val & ICW1_SNGL);
	s->ltim = !!(val & ICW1_LTIM);
	/* The datasheet's ICW1 resets, plus ISR and the AEOI rotation. */
	s->imr = 0;
	s->isr = 0;
	s->priority_add = 0;		/* IR7 lowest */
	s->special_mask = 0;
	s->read_isr = 0;		/* status read: IRR */
	s->poll = 0;
	s->rotate_on_auto_eoi = 0;
	if (!pic_is_master(pic, s))
		s->icw3 = 7;		/* slave mode address 7 */
	/* Edge sense reset: a high edge input must go low, then high. */
	s->irr = s->last_irr & pic_level_mask(s);
	/*
	 * The slave's INT is not a device line: it is re-presented after the
	 * write (pic_update()), so a slave request that stays pending through
	 * the master's re-initialisation still reaches it.
	 */
	if (pic_is_master(pic, s))
		s->last_irr &= ~BIT(PIC_CASCADE_IR);
	if (!s->init4) {
		s->icw4 = 0;
		s->auto_eoi = 0;
		s->sfnm = 0;
	}
}

static void pic_write_icw2(struct virq_pic *pic, struct virq_i8259 *s, u8 val)
{
	lockdep_assert_held(&pic->lock);
	s->irq_base = val & 0xf8;	/* T7-T3; IR number fills 2-0 */
	if (!s->single)
		s->init_state = 2;
	else
		s->init_state = s->init4 ? 3 : 0;
}

static void pic_write_icw3(struct virq_pic *pic, struct virq_i8259 *s, u8 val)
{
	lockdep_assert_held(&pic->lock);
	s->icw3 = val;	/* master: IRs with a slave; slave: its ID */
	s->init_state = s->init4 ? 3 : 0;
}

static void pic_write_icw4(struct virq_pic *pic, struct virq_i8259 *s, u8 val)
{
	lockdep_assert_held(&pic->lock);
	s->icw4 = val;
	s->auto_eoi = !!(val & ICW4_AEOI);
	s->sfnm = !!(val & ICW4_SFNM);
	s->init_state = 0;
}

static void pic_write_ocw1(struct virq_pic *pic, struct virq_i8259 *s, u8 val)
{
	lockdep_assert_held(&pic->lock);
	s->imr = val;
}

static void pic_write_ocw2(struct virq_pic *pic, struct virq_i8259 *s, u8 val)
{
	unsigned int level = val & OCW2_LEVEL;
	int ir;

	lockdep_assert_held(&pic->lock);
	switch (val >> 5) {
	case OCW2_NONSPECIFIC_EOI:		/* non-specific EOI */
	case OCW2_ROTATE_NS_EOI:		/* rotate on non-specific EOI */
		/* In special mask mode a masked ISR bit is not cleared. */
		ir = pic_highest(s, s->special_mask ? s->isr & ~s->imr :
						      s->isr);
		if (ir >= 0)
			pic_eoi(pic, s, ir, (val >> 5) == OCW2_ROTATE_NS_EOI);
		break;
	case OCW2_SPECIFIC_EOI:			/* specific EOI */
		pic_eoi(pic, s, level, false);
		break;
	case OCW2_ROTATE_SPECIFIC_EOI:		/* rotate on specific EOI */
		pic_eoi(pic, s, level, true);
		break;
	case OCW2_SET_PRIORITY:			/* set priority: level lowest */
		s->priority_add = (level + 1) & 7;
		break;
	case OCW2_ROTATE_AEOI_SET:		/* rotate in AEOI mode (set) */
		s->rotate_on_auto_eoi = 1;
		break;
	case OCW2_ROTATE_AEOI_CLEAR:		/* rotate in AEOI mode (clear) */
		s->rotate_on_auto_eoi = 0;
		break;
	case OCW2_NOP:				/* no operation */
		break;
	}
}

static void pic_write_ocw3(struct virq_pic *pic, struct virq_i8259 *s, u8 val)
{
	lockdep_assert_held(&pic->lock);
	if (val & OCW3_ESMM)
		s->special_mask = !!(val & OCW3_SMM);
	/* Poll overrides the register read for the next read only. */
	if (val & OCW3_P)
		s->poll = 1;
	if (val & OCW3_RR)
		s->read_isr = !!(val & OCW3_RIS);
}

static void pic_write(struct virq_pic *pic, struct virq_i8259 *s, bool a0,
		      u8 val)
{
	lockdep_assert_held(&pic->lock);
	if (!a0) {
		if (val & ICW1_SEL)
			pic_write_icw1(pic, s, val);
		else if (val & OCW3_SEL)
			pic_write_ocw3(pic, s, val);
		else
			pic_write_ocw2(pic, s, val);
		return;
	}
	switch (s->init_state) {
	case 0:
		pic_write_ocw1(pic, s, val);
		break;
	case 1:
		pic_write_icw2(pic, s, val);
		break;
	case 2:
		pic_write_icw3(pic, s, val);
		break;
	default:
		pic_write_icw4(pic, s, val);
		break;
	}
}

static u8 pic_read(struct virq_pic *pic, struct virq_i8259 *s, bool a0)
{
	lockdep_assert_held(&pic->lock);
	if (s->poll)
		return pic_poll_read(pic, s);
	if (a0)
		return s->imr;
	return s->read_isr ? s->isr : s->irr;
}

static void pic_write_elcr(struct virq_pic *pic, struct virq_i8259 *s, u8 val)
{
	lockdep_assert_held(&pic->lock);
	s->elcr = val & s->elcr_mask;
	/* Pins now level triggered follow their line. */
	s->irr = (s->irr & ~pic_level_mask(s)) |
		 (s->last_irr & pic_level_mask(s));
}

static void pic_reset_one(struct virq_i8259 *s, unsigned int n)
{
	memset(s, 0, sizeof(*s));
	s->elcr_mask = pic_elcr_masks[n];
	s->icw3 = pic_default_icw3[n];
	s->icw4 = ICW4_UPM;
}

void virq_pic_init(struct virq_pic *pic)
{
	memset(pic, 0, sizeof(*pic));
	spin_lock_init(&pic->lock);
	pic_reset_one(&pic->dev[PIC_MASTER], PIC_MASTER);
	pic_reset_one(&pic->dev[PIC_SLAVE], PIC_SLAVE);
}
EXPORT_SYMBOL_IF_KUNIT(virq_pic_init);

/*
 * Drop the lock, then kick the vCPU the output reached and tell the
 * resamplers which IRs' service ended (they may drive lines again).
 */
static void pic_unlock_and_kick(struct virq_pic *pic, unsigned long flags,
				struct virq_vcpu *kick)
	__releases(&pic->lock)
{
	u16 acked = pic->acked;
	unsigned int i;

	pic->acked = 0;
	spin_unlock_irqrestore(&pic->lock, flags);
	if (kick)
		virq_vcpu_kick(kick);
	if (!acked || !pic->chip || !virq_chip_has_resamplers(pic->chip))
		return;
	for (i = 0; i < 16; i++)
		if (acked & BIT(i))
			virq_resample_ack(pic->chip, i / 8, i % 8);
}

/**
 * virq_pic_set_irq() - drive an input pin of the master or the slave
 * @pic: the PIC pair
 * @chip_no: 0 master, 1 slave
 * @pin: 0-7 (master 2 is the cascade and is not routable)
 * @level: line level
 *
 * Return: -1 if the pin is masked, 0 if the request was pending already
 * (or no rising edge), 1 if a new request was latched.
 */
int virq_pic_set_irq(struct virq_pic *pic,
		     unsigned int chip_no, unsigned int pin,
		     int level)
{
	struct virq_i8259 *s = &pic->dev[chip_no & 1];
	struct virq_vcpu *kick;
	unsigned long flags;
	u8 bit = BIT(pin & 7);
	int ret;

	spin_lock_irqsave(&pic->lock, flags);
	if (s->imr & bit)
		ret = -1;
	else if (!level || (s->irr & bit))
		ret = 0;
	else if (!(pic_level_mask(s) & bit) && (s->last_irr & bit))
		ret = 0;	/* still high: no new edge */
	else
		ret = 1;
	trace_virq_pic_set_irq(virq_chip_id(pic->chip), chip_no & 1, pin & 7,
			       level, ret);
	pic_set_input(pic, s, pin & 7, level);
	kick = pic_update(pic);
	pic_unlock_and_kick(pic, flags, kick);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(virq_pic_set_irq);

/* INTA cycle regardless of who receives the output (tests, ACK). */
int virq_pic_intack(struct virq_pic *pic)
{
	struct virq_vcpu *kick;
	unsigned long flags;
	u8 vector;

	spin_lock_irqsave(&pic->lock, flags);
	vector = pic_intack_locked(pic);
	kick = pic_update(pic);
	pic_unlock_and_kick(pic, flags, kick);
	return vector;
}
EXPORT_SYMBOL_IF_KUNIT(virq_pic_intack);

bool virq_pic_output(struct virq_pic *pic)
{
	unsigned long flags;
	bool out;

	spin_lock_irqsave(&pic->lock, flags);
	out = pic->output;
	spin_unlock_irqrestore(&pic->lock, flags);
	return out;
}
EXPORT_SYMBOL_IF_KUNIT(virq_pic_output);

/**
 * virq_pic_read_acknowledge() - INTA on behalf of a vCPU
 * @pic: the PIC pair
 * @vcpu: the acknowledging vCPU
 * @any: the vCPU accepted an ExtINT message (from an IOAPIC entry or an
 *	 MSI): it may acknowledge though the output is not wired to it
 *
 * Return: the vector, or -1 if the PIC's output does not reach @vcpu or
 * is low (the vCPU then acknowledges its own pending vectors).
 */
int virq_pic_read_acknowledge(struct virq_pic *pic, struct virq_vcpu *vcpu,
			      bool any)
{
	struct virq_vcpu *kick;
	unsigned long flags;
	int vector = -1;

	spin_lock_irqsave(&pic->lock, flags);
	if ((any || pic->vcpu == vcpu) && pic->output)
		vector = pic_intack_locked(pic);
	kick = pic_update(pic);
	pic_unlock_and_kick(pic, flags, kick);
	return vector;
}

/* Wire the output to @vcpu (the BSP) and present its current level. */
void virq_pic_connect(struct virq_pic *pic, struct virq_vcpu *vcpu)
{
	unsigned long flags;
	bool kick;

	spin_lock_irqsave(&pic->lock, flags);
	pic->vcpu = vcpu;
	kick = pic->output && virq_vcpu_set_extint(vcpu, true);
	pic_unlock_and_kick(pic, flags, kick ? vcpu : NULL);
}

bool virq_pic_claims(u16 port)
{
	switch (port) {
	case PIC_MASTER_CMD:
	case PIC_MASTER_DATA:
	case PIC_SLAVE_CMD:
	case PIC_SLAVE_DATA:
	case PIC_ELCR_MASTER:
	case PIC_ELCR_SLAVE:
		return true;
	default:
		return false;
	}
}
EXPORT_SYMBOL_IF_KUNIT(virq_pic_claims);

/**
 * virq_pic_pio() - a byte access to a PIC or ELCR port
 * @pic: the PIC pair
 * @port: the port
 * @write: true for OUT, false for IN
 * @data: the byte written, or where the byte read goes
 *
 * Return: 0, or -ENOENT for a port the PIC does not claim.
 */
int virq_pic_pio(struct virq_pic *pic, u16 port, bool write,
		 u8 *data)
{
	struct virq_vcpu *kick;
	struct virq_i8259 *s;
	unsigned long flags;

	if (!virq_pic_claims(port))
		return -ENOENT;
	spin_lock_irqsave(&pic->lock, flags);
	switch (port) {
	case PIC_ELCR_MASTER:
	case PIC_ELCR_SLAVE:
		s = &pic->dev[port - PIC_ELCR_MASTER];
		if (write)
			pic_write_elcr(pic, s, *data);
		else
			*data = s->elcr;
		break;
	default:
		s = &pic->dev[port == PIC_MASTER_CMD || port == PIC_MASTER_DATA ?
			      PIC_MASTER : PIC_SLAVE];
		if (write)
			pic_write(pic, s, port & 1, *data);
		else
			*data = pic_read(pic, s, port & 1);
		break;
	}
	kick = pic_update(pic);
	pic_unlock_and_kick(pic, flags, kick);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virq_pic_pio);

int virq_pic_get_state(struct virq_pic *pic,
		       unsigned int chip_no,
		       struct virq_pic_state *st)
{
	struct virq_i8259 *s = &pic->dev[chip_no & 1];
	unsigned long flags;

	memset(st, 0, sizeof(*st));
	spin_lock_irqsave(&pic->lock, flags);
	st->last_irr = s->last_irr;
	st->irr = s->irr;
	st->imr = s->imr;
	st->isr = s->isr;
	st->priority_add = s->priority_add;
	st->irq_base = s->irq_base;
	st->read_reg_select = s->read_isr;
	st->poll = s->poll;
	st->special_mask = s->special_mask;
	st->init_state = s->init_state;
	st->auto_eoi = s->auto_eoi;
	st->rotate_on_auto_eoi = s->rotate_on_auto_eoi;
	st->special_fully_nested_mode = s->sfnm;
	st->init4 = s->init4;
	st->elcr = s->elcr;
	st->elcr_mask = s->elcr_mask;
	st->ext = 1;
	st->single = s->single;
	st->ltim = s->ltim;
	st->icw3 = s->icw3;
	st->icw4 = s->icw4;
	spin_unlock_irqrestore(&pic->lock, flags);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virq_pic_get_state);

/* Every check SET_IRQCHIP makes before it loads anything. */
static int pic_state_check(unsigned int chip_no,
			   const struct virq_pic_state *st)
{
	if (st->elcr_mask != pic_elcr_masks[chip_no] ||
	    (st->elcr & ~st->elcr_mask))
		return -EINVAL;
	if (st->priority_add > 7 || (st->irq_base & 7) || st->init_state > 3)
		return -EINVAL;
	if ((st->read_reg_select | st->poll | st->special_mask | st->auto_eoi |
	     st->rotate_on_auto_eoi | st->special_fully_nested_mode |
	     st->init4 | st->ext | st->single | st->ltim) > 1)
		return -EINVAL;
	if (memchr_inv(st->pad, 0, sizeof(st->pad)))
		return -EINVAL;
	if (!st->ext && (st->single || st->ltim || st->icw3 || st->icw4))
		return -EINVAL;
	/* The init sequence cannot wait for an ICW it will not get. */
	if ((st->init_state == 3 && !st->init4) ||
	    (st->init_state == 2 && st->single))
		return -EINVAL;
	return 0;
}

int virq_pic_set_state(struct virq_pic *pic,
		       unsigned int chip_no,
		       const struct virq_pic_state *st)
{
	struct virq_i8259 *s = &pic->dev[chip_no & 1];
	struct virq_vcpu *kick;
	unsigned long flags;
	int ret;

	ret = pic_state_check(chip_no & 1, st);
	if (ret)
		return ret;
	spin_lock_irqsave(&pic->lock, flags);
	s->last_irr = st->last_irr;
	s->irr = st->irr;
	s->imr = st->imr;
	s->isr = st->isr;
	s->priority_add = st->priority_add;
	s->irq_base = st->irq_base;
	s->read_isr = st->read_reg_select;
	s->poll = st->poll;
	s->special_mask = st->special_mask;
	s->init_state = st->init_state;
	s->auto_eoi = st->auto_eoi;
	s->rotate_on_auto_eoi = st->rotate_on_auto_eoi;
	s->sfnm = st->special_fully_nested_mode;
	s->init4 = st->init4;
	s->elcr = st->elcr;
	if (st->ext) {
		s->single = st->single;
		s->ltim = st->ltim;
		s->icw3 = st->icw3;
		s->icw4 = st->icw4;
	} else {
		s->single = 0;
		s->ltim = 0;
		s->icw3 = pic_default_icw3[chip_no & 1];
		s->icw4 = ICW4_UPM | (s->auto_eoi ? ICW4_AEOI : 0) |
			  (s->sfnm ? ICW4_SFNM : 0);
	}
	/*
	 * Only the output is re-evaluated: the cascade input is part of the
	 * master's restored state (last_irr, irr), and is left as loaded so
	 * that restoring the two PICs in either order gives the same state.
	 */
	kick = pic_update_output(pic);
	pic_unlock_and_kick(pic, flags, kick);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virq_pic_set_state);
