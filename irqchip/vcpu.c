// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: how an interrupt reaches a VMM thread. Each vCPU has a shared
 * run page (request word, mode word, counters), a wait queue for
 * VIRQ_VCPU_WAIT, an optional registered thread that kicks signal, and
 * the interrupt-acknowledge cycle (VIRQ_VCPU_ACK). A vCPU with a LAPIC
 * (lapic.c) takes messages through it; on a chip without LAPICs the VMM
 * keeps its own, and messages land here in a 256-bit pending-vector set
 * (its IRR) with the level vectors and the RTC's published in eoi_exit.
 *
 * Requests follow kvm_make_request(): the state that caused a request is
 * stored first, then the bit is set with a barrier between. INTR and
 * EXTINT in the page mirror kernel state (the pending-vector set, the PIC
 * output) and only the kernel changes them; NMI, SMI, INIT, SIPI and EVENT
 * are set by the kernel and consumed (cleared atomically) by the VMM.
 *
 * INTR is derived under vcpu->irq_lock from the state it mirrors: every
 * change of that state (a vector becoming pending, the PIC output moving,
 * an acknowledge) recomputes it in the same critical section, so a set and
 * a clear can never interleave. Whoever turns INTR on kicks the vCPU after
 * dropping its locks: a thread that saw INTR clear and went to sleep is
 * always woken by the change that set it.
 *
 * Kick: wake the thread sleeping in VIRQ_VCPU_WAIT; else, if mode is
 * IN_GUEST, cmpxchg it to EXITING and send the registered signal (exactly
 * one signal per IN_GUEST -> EXITING transition); else nothing. The
 * registration is the thread's own and ends when that thread execs,
 * changes credentials or exits (as the kernel drops pdeath_signal).
 *
 * Locks: vcpu->irq_lock (spinlock, irqsave) protects the pending-vector
 * set, extint and the INTR/EXTINT bits; it nests inside pic->lock.
 * vcpu->sig_lock (spinlock, irqsave) protects the signal registration.
 * Kicks take sig_lock and the wait-queue lock and are never issued with a
 * device lock or irq_lock held. May call: i8259.c
 * (virq_pic_read_acknowledge).
 */
#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "virq.h"
#include "virq_trace.h"

static atomic_t *virq_req_word(struct virq_vcpu *vcpu)
{
	return (atomic_t *)&vcpu->run->requests;
}

static atomic_t *virq_mode_word(struct virq_vcpu *vcpu)
{
	return (atomic_t *)&vcpu->run->mode;
}

static void virq_count(__u64 *counter)
{
	atomic64_inc((atomic64_t *)counter);
}

/* Make requests, counting them, as kvm_make_request() does. */
void virq_vcpu_request(struct virq_vcpu *vcpu, u32 bits)
{
	/* The state the request announces is visible before the bit. */
	smp_mb__before_atomic();
	atomic_or(bits, virq_req_word(vcpu));
	virq_count(&vcpu->run->requests_made);
}

/**
 * virq_vcpu_nmi() - an NMI reaches the vCPU
 * @vcpu: the vCPU
 *
 * Counted in the run page's nmi_pending, which saturates at
 * VIRQ_NMI_PENDING_MAX (SDM 6.7.1: one NMI handled, one latched; further
 * ones are lost), then VIRQ_REQ_NMI is set; the VMM takes them one by
 * one. A count the VMM scribbled past the limit is left as it is.
 */
void virq_vcpu_nmi(struct virq_vcpu *vcpu)
{
	atomic_t *n = (atomic_t *)&vcpu->run->nmi_pending;
	int old = atomic_read(n);

	while ((u32)old < VIRQ_NMI_PENDING_MAX &&
	       !atomic_try_cmpxchg(n, &old, old + 1))
		;
	virq_vcpu_request(vcpu, VIRQ_REQ_NMI);
}

/* A reset: the events the VMM had not taken are gone (NMIs counted too). */
void virq_vcpu_clear_events(struct virq_vcpu *vcpu)
{
	atomic_andnot(VIRQ_REQ_NMI | VIRQ_REQ_SMI | VIRQ_REQ_INIT |
		      VIRQ_REQ_SIPI, virq_req_word(vcpu));
	atomic_set((atomic_t *)&vcpu->run->nmi_pending, 0);
}

/* Drop a signal registration; the caller puts what it returns. */
static struct task_struct *virq_sig_unregister(struct virq_vcpu *vcpu,
					       const struct cred **cred)
{
	struct task_struct *task = vcpu->sig_task;

	lockdep_assert_held(&vcpu->sig_lock);
	*cred = vcpu->sig_cred;
	vcpu->sig_task = NULL;
	vcpu->sig_cred = NULL;
	vcpu->sig_no = 0;
	return task;
}

static void virq_sig_put(struct task_struct *task, const struct cred *cred)
{
	if (task)
		put_task_struct(task);
	if (cred)
		put_cred(cred);
}

/*
 * Is the registered thread still the program and the credentials that
 * registered? An exec or a credential change ends the registration, as
 * it ends pdeath_signal; so does exiting.
 */
static bool virq_sig_target_ok(struct virq_vcpu *vcpu)
{
	struct task_struct *t = vcpu->sig_task;

	lockdep_assert_held(&vcpu->sig_lock);
	return READ_ONCE(t->self_exec_id) == vcpu->sig_exec_id &&
	       rcu_access_pointer(t->real_cred) == vcpu->sig_cred &&
	       !(READ_ONCE(t->flags) & PF_EXITING);
}

static void virq_vcpu_signal(struct virq_vcpu *vcpu)
{
	struct task_struct *drop = NULL;
	const struct cred *cred = NULL;
	unsigned long flags;

	spin_lock_irqsave(&vcpu->sig_lock, flags);
	if (vcpu->sig_task) {
		if (!virq_sig_target_ok(vcpu) ||
		    send_sig(vcpu->sig_no, vcpu->sig_task, 1)) {
			drop = virq_sig_unregister(vcpu, &cred);
			atomic64_inc(&vcpu->stats.signals_dropped);
		} else {
			virq_count(&vcpu->run->signals);
			atomic64_inc(&vcpu->stats.signals);
		}
	}
	spin_unlock_irqrestore(&vcpu->sig_lock, flags);
	virq_sig_put(drop, cred);
}

void virq_vcpu_kick(struct virq_vcpu *vcpu)
{
	virq_count(&vcpu->run->kicks);
	/*
	 * Order the request bit before the waiter and mode checks; pairs
	 * with the barrier in prepare_to_wait() and with the VMM's atomic
	 * exchange of mode to IN_GUEST before it re-reads the requests.
	 */
	smp_mb__after_atomic();
	if (wq_has_sleeper(&vcpu->wq)) {
		wake_up_interruptible(&vcpu->wq);
		virq_count(&vcpu->run->wakeups);
		atomic64_inc(&vcpu->stats.kicks_wake);
		trace_virq_kick(vcpu->chip->id, vcpu->apic_id, VIRQ_KICK_WAKE);
		return;
	}
	if (atomic_cmpxchg(virq_mode_word(vcpu), VIRQ_MODE_IN_GUEST,
			   VIRQ_MODE_EXITING) == VIRQ_MODE_IN_GUEST) {
		atomic64_inc(&vcpu->stats.kicks_signal);
		trace_virq_kick(vcpu->chip->id, vcpu->apic_id, VIRQ_KICK_SIGNAL);
		virq_vcpu_signal(vcpu);
		return;
	}
	atomic64_inc(&vcpu->stats.kicks_none);
	trace_virq_kick(vcpu->chip->id, vcpu->apic_id, VIRQ_KICK_NONE);
}
EXPORT_SYMBOL_IF_KUNIT(virq_vcpu_kick);

/*
 * Recompute INTR (and EXTINT) from the state they mirror. Returns true if
 * the caller must kick once its locks are gone: INTR went from clear to
 * set, or (LAPIC) INTR was already set but the deliverable vector's class
 * rose above the irr_max published before. The second case matters when
 * the VMM raised TPR by a plain store, judged the pending vector blocked
 * from irr_max and entered the guest with INTR still set: a vector above
 * its new TPR must still bring it out.
 */
bool virq_vcpu_update_intr(struct virq_vcpu *vcpu)
{
	u32 req = atomic_read(virq_req_word(vcpu));
	bool want, extint, raised = false;

	lockdep_assert_held(&vcpu->irq_lock);
	if (vcpu->apic) {
		/* A LAPIC: above PPR (TPR from the run page, ISR), or ExtINT. */
		want = virq_lapic_pending_locked(vcpu, &raised);
		extint = virq_lapic_extint_locked(vcpu);
	} else {
		extint = vcpu->extint;
		want = extint || !bitmap_empty(vcpu->irr, 256);
	}
	if (extint && !(req & VIRQ_REQ_EXTINT))
		virq_vcpu_request(vcpu, VIRQ_REQ_EXTINT);
	else if (!extint && (req & VIRQ_REQ_EXTINT))
		atomic_andnot(VIRQ_REQ_EXTINT, virq_req_word(vcpu));
	if (want && !(req & VIRQ_REQ_INTR)) {
		virq_vcpu_request(vcpu, VIRQ_REQ_INTR);
		return true;
	}
	if (!want && (req & VIRQ_REQ_INTR))
		atomic_andnot(VIRQ_REQ_INTR, virq_req_word(vcpu));
	return want && raised;
}
EXPORT_SYMBOL_IF_KUNIT(virq_vcpu_update_intr);

/**
 * virq_vcpu_set_extint() - follow the PIC's INT output
 * @vcpu: the vCPU wired to the PIC
 * @level: the output level
 *
 * Called with pic->lock held.
 *
 * Return: true if the caller must kick @vcpu after dropping pic->lock.
 */
bool virq_vcpu_set_extint(struct virq_vcpu *vcpu, bool level)
{
	unsigned long flags;
	bool kick;

	spin_lock_irqsave(&vcpu->irq_lock, flags);
	WRITE_ONCE(vcpu->extint, level);
	/* With a LAPIC the PIC drives LINT0, whatever LVT0 makes of it. */
	kick = vcpu->apic && virq_lapic_lint_changed_locked(vcpu);
	kick |= virq_vcpu_update_intr(vcpu);
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	return kick;
}
EXPORT_SYMBOL_IF_KUNIT(virq_vcpu_set_extint);

/*
 * The run page's eoi_exit: the level vectors this vCPU owes an EOI, and
 * the RTC's vector while it owes that tick's.
 */
static void virq_vcpu_publish_eoi_exit_locked(struct virq_vcpu *vcpu)
{
	DECLARE_BITMAP(bits, 256);
	u64 words[4];
	unsigned int w;

	lockdep_assert_held(&vcpu->irq_lock);
	bitmap_copy(bits, vcpu->eoi_level, 256);
	if (virq_vcpu_rtc_owes(vcpu) && virq_vcpu_rtc_vector(vcpu))
		__set_bit(virq_vcpu_rtc_vector(vcpu), bits);
	bitmap_to_arr64(words, bits, 256);
	for (w = 0; w < 4; w++)
		WRITE_ONCE(vcpu->run->eoi_exit[w], words[w]);
}

/*
 * The RTC's debts: chip->rtc_debt holds a generation (bits 63:16) and the
 * number of vCPUs owing a tick's EOI (bits 15:0; at most VIRQ_MAX_VCPUS).
 * A vCPU's debt counts only while its generation is the chip's: voiding
 * every debt (virq_rtc_forget_all(), with an IOAPIC's lock held and
 * interrupts off) is one new generation, not a walk over the vCPUs. 48
 * bits of generations do not wrap in the life of a machine (one per RTC
 * reprogramming). Each vCPU also keeps the vector it owes: the EOI of
 * that vector pays, whatever the RTC's entry says since.
 */
#define RTC_COUNT_BITS	16
#define RTC_GEN(d)	((u64)(d) >> RTC_COUNT_BITS)
#define RTC_COUNT(d)	((u32)((u64)(d) & GENMASK_ULL(RTC_COUNT_BITS - 1, 0)))
static_assert(BIT(RTC_COUNT_BITS) > VIRQ_MAX_VCPUS);

/* How many vCPUs owe the RTC's tick its EOI. */
u32 virq_rtc_pending(struct virq_chip *chip)
{
	return RTC_COUNT(atomic64_read(&chip->rtc_debt));
}
EXPORT_SYMBOL_IF_KUNIT(virq_rtc_pending);

/*
 * The vector @vcpu's RTC debt is owed for: its own, or for a debt a VMM
 * restored without one (rtc_vector 0, before the field existed) the
 * RTC's last vector, which IOAPIC 0's restored state sets, whichever
 * order the VMM restores them in. 0: not known yet.
 */
u8 virq_vcpu_rtc_vector(struct virq_vcpu *vcpu)
{
	return vcpu->rtc_vector ?: READ_ONCE(vcpu->chip->rtc_vector);
}

/* Does @vcpu owe the RTC a tick's EOI (of virq_vcpu_rtc_vector())? */
bool virq_vcpu_rtc_owes(struct virq_vcpu *vcpu)
{
	return vcpu->rtc_owed &&
	       vcpu->rtc_gen == RTC_GEN(atomic64_read(&vcpu->chip->rtc_debt));
}

/*
 * The vCPU accepted the RTC's tracked tick on @vector: it owes its EOI.
 * One debt at a time: a vCPU that owes one already keeps it.
 */
void virq_vcpu_rtc_owe_locked(struct virq_vcpu *vcpu, u8 vector)
{
	s64 old;

	lockdep_assert_held(&vcpu->irq_lock);
	if (virq_vcpu_rtc_owes(vcpu))
		return;
	old = atomic64_read(&vcpu->chip->rtc_debt);
	while (!atomic64_try_cmpxchg(&vcpu->chip->rtc_debt, &old, old + 1))
		;
	vcpu->rtc_owed = true;
	vcpu->rtc_gen = RTC_GEN(old);
	vcpu->rtc_vector = vector;
}

/* The debt is paid or void: the count drops if it is still current. */
static void virq_vcpu_rtc_clear_locked(struct virq_vcpu *vcpu)
{
	s64 old = atomic64_read(&vcpu->chip->rtc_debt);

	lockdep_assert_held(&vcpu->irq_lock);
	vcpu->rtc_owed = false;
	do {
		if (RTC_GEN(old) != vcpu->rtc_gen || !RTC_COUNT(old))
			return;
	} while (!atomic64_try_cmpxchg(&vcpu->chip->rtc_debt, &old, old - 1));
}

/**
 * virq_vcpu_rtc_eoi_locked() - an EOI that may pay the RTC's debt
 * @vcpu: the vCPU, irq_lock held
 * @vector: the vector EOI'd
 *
 * Return: true if it was the RTC's tick this vCPU owed.
 */
bool virq_vcpu_rtc_eoi_locked(struct virq_vcpu *vcpu, u8 vector)
{
	bool owed;

	lockdep_assert_held(&vcpu->irq_lock);
	if (!vcpu->rtc_owed || vector != virq_vcpu_rtc_vector(vcpu))
		return false;
	owed = virq_vcpu_rtc_owes(vcpu);
	virq_vcpu_rtc_clear_locked(vcpu);
	return owed;
}

/**
 * virq_vcpu_rtc_restore_vector() - the vector a restored RTC debt names
 * @vcpu: the vCPU
 * @st: the state VIRQ_SET_LAPIC loads
 *
 * The state's rtc_vector, or with 0 (a VMM older than the field)
 * VIRQ_RTC_VECTOR_CHIP: the debt follows the RTC's last vector, which
 * IOAPIC 0's restored state sets, before or after this vCPU's.
 *
 * Return: the vector, VIRQ_RTC_VECTOR_CHIP, 0 if the state owes nothing,
 * -EINVAL for a vector without a debt or outside 16-255.
 */
int virq_vcpu_rtc_restore_vector(struct virq_vcpu *vcpu,
				 const struct virq_lapic_state *st)
{
	u32 v = st->rtc_vector;

	if (!(st->flags & VIRQ_LAPIC_STATE_RTC_OWED))
		return v ? -EINVAL : 0;
	if (!v)
		return VIRQ_RTC_VECTOR_CHIP;
	return v >= 16 && v <= 255 ? v : -EINVAL;
}

/*
 * Load the restored debt (VIRQ_SET_LAPIC): @vector, VIRQ_RTC_VECTOR_CHIP
 * (owed for the chip's RTC vector), or none with 0.
 */
void virq_vcpu_rtc_restore_locked(struct virq_vcpu *vcpu, u8 vector)
{
	lockdep_assert_held(&vcpu->irq_lock);
	virq_vcpu_rtc_forget_locked(vcpu);
	if (vector)
		virq_vcpu_rtc_owe_locked(vcpu, vector == VIRQ_RTC_VECTOR_CHIP ?
					 0 : vector);
}

/**
 * virq_rtc_vector_restored() - IOAPIC 0's restored state named the RTC's
 * vector: debts restored without their own are owed for it now
 * @chip: the chip
 *
 * VIRQ_SET_IRQCHIP, with IOAPIC 0's lock held (interrupts off).
 */
void virq_rtc_vector_restored(struct virq_chip *chip)
{
	u32 i, n = virq_chip_nr_vcpus(chip);
	struct virq_vcpu *vcpu;

	for (i = 0; i < n; i++) {
		vcpu = chip->vcpus[i];
		spin_lock(&vcpu->irq_lock);
		if (vcpu->rtc_owed && !vcpu->rtc_vector)
			virq_vcpu_publish_eoi_exit_locked(vcpu);
		spin_unlock(&vcpu->irq_lock);
	}
}

/* The vCPU was reset, or the RTC reprogrammed: the debt is void. */
void virq_vcpu_rtc_forget_locked(struct virq_vcpu *vcpu)
{
	lockdep_assert_held(&vcpu->irq_lock);
	if (!vcpu->rtc_owed)
		return;
	virq_vcpu_rtc_clear_locked(vcpu);
	if (!vcpu->apic)
		virq_vcpu_publish_eoi_exit_locked(vcpu);
}

/**
 * virq_rtc_forget_all() - no vCPU owes the RTC's EOI any more
 * @chip: the chip
 *
 * When the guest reprograms the RTC's entry, with IOAPIC 0's lock held:
 * a new generation, constant work whatever the number of vCPUs (vCPUs
 * without a LAPIC may keep the vector in eoi_exit until their next EOI,
 * which then pays nothing).
 */
void virq_rtc_forget_all(struct virq_chip *chip)
{
	s64 old = atomic64_read(&chip->rtc_debt), new;

	do {
		if (!RTC_COUNT(old))
			return;		/* nothing owed: the generation stays */
		new = (s64)((RTC_GEN(old) + 1) << RTC_COUNT_BITS);
	} while (!atomic64_try_cmpxchg(&chip->rtc_debt, &old, new));
}

/**
 * virq_kicks_add() - remember a vCPU to kick once the caller's locks drop
 * @k: the caller's kick set
 * @vcpu: the vCPU
 */
void virq_kicks_add(struct virq_kicks *k, struct virq_vcpu *vcpu)
{
	unsigned int i;

	for (i = 0; i < k->n; i++)
		if (k->v[i] == vcpu)
			return;
	if (k->n < ARRAY_SIZE(k->v)) {
		k->v[k->n++] = vcpu;
		return;
	}
	if (!k->overflow) {
		bitmap_zero(k->more, VIRQ_MAX_VCPUS);
		k->overflow = true;
	}
	__set_bit(vcpu->index, k->more);
}
EXPORT_SYMBOL_IF_KUNIT(virq_kicks_add);

/**
 * virq_kicks_flush() - kick every vCPU of a kick set
 * @chip: the chip the vCPUs belong to
 * @k: the kick set; empty afterwards
 *
 * Called with no device lock and no irq_lock held.
 */
void virq_kicks_flush(struct virq_chip *chip, struct virq_kicks *k)
{
	unsigned int i;

	for (i = 0; i < k->n; i++)
		virq_vcpu_kick(k->v[i]);
	if (k->overflow)
		for_each_set_bit(i, k->more, VIRQ_MAX_VCPUS)
			virq_vcpu_kick(chip->vcpus[i]);
	virq_kicks_init(k);
}
EXPORT_SYMBOL_IF_KUNIT(virq_kicks_flush);

/*
 * Accept one decoded message on one vCPU; a vCPU that needs a kick goes
 * into @k. With @judge, first decide from the vCPU's registers whether
 * the message names it (virq_vcpu_takes_locked()), under the same hold of
 * irq_lock as the acceptance. Returns 1 if it became pending, 0 if it was
 * pending already (coalesced), -1 if not accepted.
 */
int virq_vcpu_accept(struct virq_vcpu *vcpu, const struct virq_irq_msg *msg,
		     bool judge, struct virq_kicks *k)
{
	bool kick = true, map_changed = false;
	unsigned long flags;
	int r = 1;

	if (vcpu->apic) {
		spin_lock_irqsave(&vcpu->irq_lock, flags);
		if (judge && !virq_vcpu_takes_locked(vcpu, msg)) {
			spin_unlock_irqrestore(&vcpu->irq_lock, flags);
			return -1;
		}
		r = virq_lapic_accept_locked(vcpu, msg, &map_changed);
		if (r >= 0 && msg->rtc_track)
			virq_vcpu_rtc_owe_locked(vcpu, msg->vector);
		kick = virq_vcpu_update_intr(vcpu);
		spin_unlock_irqrestore(&vcpu->irq_lock, flags);
		/* Events (NMI, INIT, SIPI...) kick even with INTR set. */
		if (r > 0 && (msg->delivery_mode != VIRQ_DM_FIXED &&
			      msg->delivery_mode != VIRQ_DM_LOWEST))
			kick = true;
		if (map_changed)
			virq_apic_map_changed(vcpu->chip, false);
		if (kick)
			virq_kicks_add(k, vcpu);
		return r;
	}

	/* Without a LAPIC the IDs are fixed: no lock to judge them. */
	if (judge && !virq_vcpu_takes(vcpu, msg))
		return -1;
	switch (msg->delivery_mode) {
	case VIRQ_DM_FIXED:
	case VIRQ_DM_LOWEST:
		/* Vectors 0-15 are illegal; an APIC refuses them. */
		if (msg->vector < 16)
			return -1;
		spin_lock_irqsave(&vcpu->irq_lock, flags);
		/* Already pending: coalesced, as an APIC's IRR. */
		if (__test_and_set_bit(msg->vector, vcpu->irr))
			r = 0;
		/*
		 * What the VMM's LAPIC will EOI and must report: the level
		 * vectors (its TMR: an edge clears the bit) and the tracked
		 * RTC tick. Published before INTR, so the VMM never sees the
		 * vector without its eoi_exit bit.
		 */
		if (msg->trigger_level)
			__set_bit(msg->vector, vcpu->eoi_level);
		else
			__clear_bit(msg->vector, vcpu->eoi_level);
		if (msg->rtc_track)
			virq_vcpu_rtc_owe_locked(vcpu, msg->vector);
		virq_vcpu_publish_eoi_exit_locked(vcpu);
		kick = virq_vcpu_update_intr(vcpu);
		spin_unlock_irqrestore(&vcpu->irq_lock, flags);
		break;
	case VIRQ_DM_NMI:
		virq_vcpu_nmi(vcpu);
		break;
	case VIRQ_DM_SMI:
		virq_vcpu_request(vcpu, VIRQ_REQ_SMI);
		break;
	case VIRQ_DM_INIT:
		virq_vcpu_request(vcpu, VIRQ_REQ_INIT);
		break;
	default:
		/* ExtINT needs a LAPIC's LINT0: the VMM's, not ours. */
		return -1;
	}
	if (kick)
		virq_kicks_add(k, vcpu);
	return r;
}

/* One message to one vCPU, kicked at once: for callers without locks. */
int virq_vcpu_deliver(struct virq_vcpu *vcpu, const struct virq_irq_msg *msg)
{
	struct virq_kicks k;
	int r;

	virq_kicks_init(&k);
	r = virq_vcpu_accept(vcpu, msg, false, &k);
	virq_kicks_flush(vcpu->chip, &k);
	return r;
}
EXPORT_SYMBOL_IF_KUNIT(virq_vcpu_deliver);

/**
 * virq_msi_send() - send a decoded MSI, from VIRQ_SIGNAL_MSI or a route
 * @chip: the chip
 * @msg: the decoded message
 * @k: kick set the caller flushes
 * @atomic: the caller has interrupts off (an irqfd's wake-up)
 *
 * A level-triggered message with the level bit clear is a deassert: it
 * delivers nothing and is ignored.
 *
 * Return: as virq_deliver_msg(), or virq_deliver_msg_atomic()'s
 * -EWOULDBLOCK with @atomic.
 */
int virq_msi_send(struct virq_chip *chip, const struct virq_irq_msg *msg,
		  struct virq_kicks *k, bool atomic)
{
	if (msg->trigger_level && !msg->level_assert)
		return -1;
	if (atomic)
		return virq_deliver_msg_atomic(chip, msg, k);
	return virq_deliver_msg(chip, msg, k, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(virq_msi_send);

struct virq_vcpu *virq_vcpu_by_apic_id(struct virq_chip *chip, u32 apic_id)
{
	u32 i, n = virq_chip_nr_vcpus(chip);

	for (i = 0; i < n; i++)
		if (chip->vcpus[i]->apic_id == apic_id)
			return chip->vcpus[i];
	return NULL;
}

/* Take the highest pending vector, or -EAGAIN. */
static int virq_vcpu_take_vector(struct virq_vcpu *vcpu)
{
	unsigned long flags;
	bool kick;
	int vector;

	spin_lock_irqsave(&vcpu->irq_lock, flags);
	vector = find_last_bit(vcpu->irr, 256);
	if (vector < 256)
		__clear_bit(vector, vcpu->irr);
	else
		vector = -EAGAIN;
	kick = virq_vcpu_update_intr(vcpu);
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	/* INTR may turn on here only if it was stale; kick all the same. */
	if (kick)
		virq_vcpu_kick(vcpu);
	return vector;
}

/*
 * The interrupt-acknowledge cycle: the PIC's INTA if its output reaches
 * this vCPU (ExtINT wins over fixed interrupts), else the highest pending
 * vector. Returns the vector or -EAGAIN.
 */
int virq_vcpu_ack(struct virq_vcpu *vcpu)
{
	struct virq_chip *chip = vcpu->chip;
	int vector = -1;

	if (vcpu->apic) {
		vector = virq_lapic_ack(vcpu);
	} else {
		if (chip->pic && READ_ONCE(vcpu->extint))
			vector = virq_pic_read_acknowledge(chip->pic, vcpu,
							   false);
		if (vector < 0)
			vector = virq_vcpu_take_vector(vcpu);
	}
	if (vector >= 0) {
		virq_count(&vcpu->run->acks);
		atomic64_inc(&vcpu->stats.acks);
	}
	return vector;
}
EXPORT_SYMBOL_IF_KUNIT(virq_vcpu_ack);

static bool virq_vcpu_woken(struct virq_vcpu *vcpu, u32 mask)
{
	return atomic_read(virq_req_word(vcpu)) & mask;
}

static long virq_vcpu_wait(struct virq_vcpu *vcpu, void __user *argp)
{
	u32 mask = VIRQ_REQ_WAKE_MASK;
	struct virq_vcpu_wait w;
	bool sleeps;
	ktime_t t0;
	long ret;

	if (copy_from_user(&w, argp, sizeof(w)))
		return -EFAULT;
	if ((w.flags & ~(VIRQ_WAIT_ACK | VIRQ_WAIT_IGNORE_INTR)) || w.pad)
		return -EINVAL;
	/*
	 * HLT with interrupts disabled, wait-for-SIPI: INTR does not wake,
	 * and acknowledging one on the way out would contradict that.
	 */
	if (w.flags & VIRQ_WAIT_IGNORE_INTR) {
		if (w.flags & VIRQ_WAIT_ACK)
			return -EINVAL;
		mask &= ~(VIRQ_REQ_INTR | VIRQ_REQ_EXTINT);
	}

	/*
	 * The VMM may have lowered TPR in the run page since the kernel last
	 * looked: recompute INTR before going to sleep on it.
	 */
	if (vcpu->apic) {
		unsigned long flags;

		spin_lock_irqsave(&vcpu->irq_lock, flags);
		virq_vcpu_update_intr(vcpu);
		spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	}
	atomic_set(virq_mode_word(vcpu), VIRQ_MODE_HALTED);
	/* A halt is a wait that sleeps: not a poll, not one already woken. */
	sleeps = w.timeout_ns && !virq_vcpu_woken(vcpu, mask);
	t0 = ktime_get();
	trace_virq_wait(vcpu->chip->id, vcpu->apic_id, 0,
			atomic_read(virq_req_word(vcpu)));
	if (w.timeout_ns < 0)
		ret = wait_event_interruptible(vcpu->wq,
					       virq_vcpu_woken(vcpu, mask));
	else if (w.timeout_ns == 0)
		ret = virq_vcpu_woken(vcpu, mask) ? 0 : -ETIME;
	else
		ret = wait_event_interruptible_hrtimeout(vcpu->wq,
							 virq_vcpu_woken(vcpu, mask),
							 ns_to_ktime(w.timeout_ns));
	atomic_set(virq_mode_word(vcpu), VIRQ_MODE_OUTSIDE);
	if (sleeps) {
		atomic64_inc(&vcpu->stats.halts);
		atomic64_add(ktime_to_ns(ktime_sub(ktime_get(), t0)),
			     &vcpu->stats.halt_ns);
	}
	trace_virq_wait(vcpu->chip->id, vcpu->apic_id, 1,
			atomic_read(virq_req_word(vcpu)));

	if (ret == -ETIME)
		return -ETIMEDOUT;
	if (ret)
		return -EINTR;	/* a signal: never restarted */
	if (w.flags & VIRQ_WAIT_ACK) {
		ret = virq_vcpu_ack(vcpu);
		return ret >= 0 ? ret : VIRQ_WAIT_NO_VECTOR;
	}
	return 0;
}

static long virq_vcpu_set_signal(struct virq_vcpu *vcpu, void __user *argp)
{
	struct task_struct *old, *task = NULL;
	const struct cred *old_cred, *cred = NULL;
	struct virq_vcpu_signal s;
	unsigned long flags;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	if (s.flags || (s.signo && !valid_signal(s.signo)) ||
	    s.signo == SIGKILL || s.signo == SIGSTOP)
		return -EINVAL;
	if (s.signo) {
		task = get_task_struct(current);
		cred = get_cred(current_real_cred());
	}
	spin_lock_irqsave(&vcpu->sig_lock, flags);
	old = virq_sig_unregister(vcpu, &old_cred);
	if (task) {
		vcpu->sig_task = task;
		vcpu->sig_cred = cred;
		vcpu->sig_exec_id = current->self_exec_id;
		vcpu->sig_no = s.signo;
	}
	spin_unlock_irqrestore(&vcpu->sig_lock, flags);
	virq_sig_put(old, old_cred);
	return 0;
}

static long virq_vcpu_io(struct virq_vcpu *vcpu, void __user *argp)
{
	struct virq_io io;
	int ret;

	if (copy_from_user(&io, argp, sizeof(io)))
		return -EFAULT;
	if (!virq_io_valid(&io))
		return -EINVAL;
	/* An output: only a device that faults the access sets it. */
	io.fault = VIRQ_IO_FAULT_NONE;
	/* The vCPU's own LAPIC first, then the chip's devices. */
	ret = vcpu->apic ? virq_lapic_io(vcpu, &io) : -ENOENT;
	if (ret == -ENOENT)
		ret = virq_chip_io(vcpu->chip, &io);
	if (ret)
		return ret;
	/* A write's result is its fault field. */
	return copy_to_user(argp, &io, sizeof(io)) ? -EFAULT : 0;
}

/*
 * GET/SET_LAPIC on a chip without LAPICs: the minimal bus's state, the
 * pending vectors (IRR words), the owed level EOIs (TMR words) and the
 * RTC's debt; every other byte is 0.
 */
static void virq_vcpu_bus_get(struct virq_vcpu *vcpu,
			      struct virq_lapic_state *st)
{
	unsigned long flags;
	u32 irr[8], tmr[8];
	unsigned int i;

	memset(st, 0, sizeof(*st));
	spin_lock_irqsave(&vcpu->irq_lock, flags);
	/* A debt an RTC reprogramming voided leaves eoi_exit here. */
	if (vcpu->rtc_owed && !virq_vcpu_rtc_owes(vcpu)) {
		vcpu->rtc_owed = false;
		virq_vcpu_publish_eoi_exit_locked(vcpu);
	}
	bitmap_to_arr32(irr, vcpu->irr, 256);
	bitmap_to_arr32(tmr, vcpu->eoi_level, 256);
	if (virq_vcpu_rtc_owes(vcpu)) {
		st->flags = VIRQ_LAPIC_STATE_RTC_OWED;
		st->rtc_vector = vcpu->rtc_vector;	/* 0: follows the chip's */
	}
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	for (i = 0; i < 8; i++) {
		memcpy(st->regs + 0x200 + 16 * i, &irr[i], 4);
		memcpy(st->regs + 0x180 + 16 * i, &tmr[i], 4);
	}
}

static int virq_vcpu_bus_set(struct virq_vcpu *vcpu,
			     const struct virq_lapic_state *st)
{
	struct virq_lapic_state *tmp;
	unsigned long flags;
	u32 irr[8], tmr[8];
	unsigned int i;
	bool kick;
	int rtc;

	if (st->flags & ~VIRQ_LAPIC_STATE_RTC_OWED)
		return -EINVAL;
	rtc = virq_vcpu_rtc_restore_vector(vcpu, st);
	if (rtc < 0)
		return rtc;
	/* Only the IRR and TMR words may be set. */
	tmp = kmemdup(st, sizeof(*st), GFP_KERNEL);
	if (!tmp)
		return -ENOMEM;
	for (i = 0; i < 8; i++) {
		memcpy(&irr[i], tmp->regs + 0x200 + 16 * i, 4);
		memcpy(&tmr[i], tmp->regs + 0x180 + 16 * i, 4);
		memset(tmp->regs + 0x200 + 16 * i, 0, 4);
		memset(tmp->regs + 0x180 + 16 * i, 0, 4);
	}
	tmp->flags = 0;
	tmp->rtc_vector = 0;
	i = !!memchr_inv(tmp, 0, sizeof(*tmp));
	kfree(tmp);
	if (i || (irr[0] & 0xffff))	/* vectors 0-15 cannot be pending */
		return -EINVAL;
	spin_lock_irqsave(&vcpu->irq_lock, flags);
	bitmap_from_arr32(vcpu->irr, irr, 256);
	bitmap_from_arr32(vcpu->eoi_level, tmr, 256);
	virq_vcpu_rtc_restore_locked(vcpu, rtc);
	virq_vcpu_publish_eoi_exit_locked(vcpu);
	kick = virq_vcpu_update_intr(vcpu);
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	if (kick)
		virq_vcpu_kick(vcpu);
	return 0;
}

/* The vCPU's LAPIC state, or the minimal bus's (debugfs, GET_LAPIC). */
void virq_vcpu_get_state(struct virq_vcpu *vcpu, struct virq_lapic_state *st)
{
	if (vcpu->apic)
		virq_lapic_get_state(vcpu, st);
	else
		virq_vcpu_bus_get(vcpu, st);
}

/* Load the vCPU's LAPIC state, or the minimal bus's (SET_LAPIC). */
int virq_vcpu_set_state(struct virq_vcpu *vcpu,
			const struct virq_lapic_state *st)
{
	return vcpu->apic ? virq_lapic_set_state(vcpu, st) :
			    virq_vcpu_bus_set(vcpu, st);
}
EXPORT_SYMBOL_IF_KUNIT(virq_vcpu_set_state);

static long virq_vcpu_lapic_state(struct virq_vcpu *vcpu, void __user *argp,
				  bool set)
{
	struct virq_lapic_state *st;
	long ret;

	if (set) {
		st = memdup_user(argp, sizeof(*st));
		if (IS_ERR(st))
			return PTR_ERR(st);
		ret = virq_vcpu_set_state(vcpu, st);
	} else {
		st = kmalloc(sizeof(*st), GFP_KERNEL);
		if (!st)
			return -ENOMEM;
		ret = 0;
		if (vcpu->apic)
			ret = virq_lapic_get_state(vcpu, st);
		else
			virq_vcpu_bus_get(vcpu, st);
		if (!ret && copy_to_user(argp, st, sizeof(*st)))
			ret = -EFAULT;
	}
	kfree(st);
	return ret;
}

static long virq_vcpu_lint(struct virq_vcpu *vcpu, void __user *argp)
{
	struct virq_lint l;

	if (copy_from_user(&l, argp, sizeof(l)))
		return -EFAULT;
	if (!vcpu->apic || l.flags || l.pad)
		return -EINVAL;
	return virq_lapic_set_lint(vcpu, l.pin, l.level);
}

/*
 * VIRQ_VCPU_SET_CONFIG: the guest's MAXPHYADDR bounds IA32_APIC_BASE. One
 * below the base the LAPIC has now is refused (the register would hold
 * reserved bits).
 */
static long virq_vcpu_set_config(struct virq_vcpu *vcpu, void __user *argp)
{
	struct virq_vcpu_config c;
	unsigned long flags;
	long ret = 0;

	if (copy_from_user(&c, argp, sizeof(c)))
		return -EFAULT;
	if (c.flags || memchr_inv(c.reserved, 0, sizeof(c.reserved)))
		return -EINVAL;
	if (c.maxphyaddr < 32 || c.maxphyaddr > 52)
		return -EINVAL;
	spin_lock_irqsave(&vcpu->irq_lock, flags);
	if (vcpu->apic && (virq_lapic_base(vcpu) >> c.maxphyaddr))
		ret = -EINVAL;
	else
		WRITE_ONCE(vcpu->maxphyaddr, c.maxphyaddr);
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	return ret;
}

static long virq_vcpu_get_config(struct virq_vcpu *vcpu, void __user *argp)
{
	struct virq_vcpu_config c = { .maxphyaddr = READ_ONCE(vcpu->maxphyaddr) };

	return copy_to_user(argp, &c, sizeof(c)) ? -EFAULT : 0;
}

static long virq_vcpu_set_clock(struct virq_vcpu *vcpu, void __user *argp)
{
	struct virq_vcpu_clock c;

	if (copy_from_user(&c, argp, sizeof(c)))
		return -EFAULT;
	if (!vcpu->apic)
		return -EINVAL;
	return virq_lapic_set_clock(vcpu, &c);
}

/*
 * The VMM's own LAPIC reports the EOI of a vector the run page's eoi_exit
 * lists. A level vector this vCPU accepted goes to the IOAPICs (remote
 * IRR); the RTC's tick pays its debt. Anything else is a no-op: another
 * vCPU's level vector of the same number is not this vCPU's to EOI.
 */
int virq_vcpu_report_eoi(struct virq_vcpu *vcpu, unsigned long vector)
{
	struct virq_chip *chip = vcpu->chip;
	unsigned long flags;
	bool level;

	if (vector > 0xff || (chip->cfg.flags & VIRQ_CHIP_LAPIC))
		return -EINVAL;
	vector = array_index_nospec(vector, 256);	/* indexes eoi_level */
	atomic64_inc(&vcpu->stats.eois);
	spin_lock_irqsave(&vcpu->irq_lock, flags);
	level = __test_and_clear_bit(vector, vcpu->eoi_level);
	virq_vcpu_rtc_eoi_locked(vcpu, vector);
	virq_vcpu_publish_eoi_exit_locked(vcpu);
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	if (level)
		virq_ioapic_eoi_all(chip, vcpu, vector, true);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virq_vcpu_report_eoi);

/*
 * VIRQ_VCPU_RESET: the vCPU's local APIC is back in its power-up state
 * (the VMM's INIT or reset). Pending vectors, owed EOIs and requests go;
 * a virq LAPIC is reset too.
 */
static long virq_vcpu_reset(struct virq_vcpu *vcpu, unsigned long arg)
{
	unsigned long flags;

	if (arg)
		return -EINVAL;
	if (vcpu->apic)
		return virq_lapic_reset(vcpu);
	spin_lock_irqsave(&vcpu->irq_lock, flags);
	bitmap_zero(vcpu->irr, 256);
	bitmap_zero(vcpu->eoi_level, 256);
	virq_vcpu_rtc_forget_locked(vcpu);
	virq_vcpu_publish_eoi_exit_locked(vcpu);
	virq_vcpu_clear_events(vcpu);
	virq_vcpu_update_intr(vcpu);
	spin_unlock_irqrestore(&vcpu->irq_lock, flags);
	return 0;
}

static long virq_vcpu_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct virq_vcpu *vcpu = file->private_data;
	void __user *argp = (void __user *)arg;

	/* An ID change made in atomic context (INIT) left the map stale. */
	if (vcpu->apic && unlikely(virq_apic_map_stale(vcpu->chip)))
		virq_apic_map_update(vcpu->chip);

	switch (cmd) {
	case VIRQ_GET_LAPIC:
		return virq_vcpu_lapic_state(vcpu, argp, false);
	case VIRQ_SET_LAPIC:
		return virq_vcpu_lapic_state(vcpu, argp, true);
	case VIRQ_VCPU_LINT:
		return virq_vcpu_lint(vcpu, argp);
	case VIRQ_VCPU_SET_CLOCK:
		return virq_vcpu_set_clock(vcpu, argp);
	case VIRQ_VCPU_NMI:
		if (arg)
			return -EINVAL;
		virq_vcpu_nmi(vcpu);
		virq_vcpu_kick(vcpu);
		return 0;
	case VIRQ_VCPU_WAIT:
		return virq_vcpu_wait(vcpu, argp);
	case VIRQ_VCPU_ACK:
		if (arg)
			return -EINVAL;
		return virq_vcpu_ack(vcpu);
	case VIRQ_VCPU_SET_SIGNAL:
		return virq_vcpu_set_signal(vcpu, argp);
	case VIRQ_VCPU_KICK:
		if (arg)
			return -EINVAL;
		virq_vcpu_request(vcpu, VIRQ_REQ_EVENT);
		virq_vcpu_kick(vcpu);
		return 0;
	case VIRQ_VCPU_SET_CONFIG:
		return virq_vcpu_set_config(vcpu, argp);
	case VIRQ_VCPU_GET_CONFIG:
		return virq_vcpu_get_config(vcpu, argp);
	case VIRQ_IO:
		return virq_vcpu_io(vcpu, argp);
	case VIRQ_VCPU_EOI:
		return virq_vcpu_report_eoi(vcpu, arg);
	case VIRQ_VCPU_RESET:
		return virq_vcpu_reset(vcpu, arg);
	default:
		return -ENOTTY;
	}
}

static vm_fault_t virq_vcpu_fault(struct vm_fault *vmf)
{
	struct virq_vcpu *vcpu = vmf->vma->vm_file->private_data;

	if (vmf->pgoff)
		return VM_FAULT_SIGBUS;
	get_page(vcpu->run_page);
	vmf->page = vcpu->run_page;
	return 0;
}

static const struct vm_operations_struct virq_vcpu_vm_ops = {
	.fault = virq_vcpu_fault,
};

static int virq_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff || vma_pages(vma) != 1 ||
	    !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	/*
	 * Never merged with a neighbour nor grown by mremap(): either would
	 * reach offsets this check never saw.
	 */
#ifdef VIRQ_HAVE_VM_FLAGS_SET	/* 6.3 made vm_flags read-only */
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
#endif
	vma->vm_ops = &virq_vcpu_vm_ops;
	return 0;
}

static int virq_vcpu_release(struct inode *inode, struct file *file)
{
	struct virq_vcpu *vcpu = file->private_data;
	struct virq_chip *chip = vcpu->chip;
	const struct cred *cred;
	struct task_struct *old;
	unsigned long flags;

	spin_lock_irqsave(&vcpu->sig_lock, flags);
	old = virq_sig_unregister(vcpu, &cred);
	spin_unlock_irqrestore(&vcpu->sig_lock, flags);
	virq_sig_put(old, cred);
	/* The vCPU itself lives, wired into the chip, as long as the chip. */
	virq_chip_put(chip);
	return 0;
}

static const struct file_operations virq_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = virq_vcpu_release,
	.unlocked_ioctl = virq_vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = virq_vcpu_mmap,
	.llseek = noop_llseek,
};

void virq_vcpu_free(struct virq_vcpu *vcpu)
{
	/* Every fd is closed: no registration is left. */
	WARN_ON_ONCE(vcpu->sig_task);
	virq_lapic_free(vcpu);
	/* A mapping of the run page keeps its own page reference. */
	__free_page(vcpu->run_page);
	kfree(vcpu);
}

static bool virq_apic_id_ok(struct virq_chip *chip, u32 apic_id)
{
	if (chip->cfg.flags & VIRQ_CHIP_32BIT_IDS)
		return apic_id != U32_MAX;
	return apic_id < 0xff;	/* 0xff is the xAPIC broadcast ID */
}

/* May a vCPU with @apic_id be added? Called with chip->lock held. */
static int virq_vcpu_slot_check(struct virq_chip *chip, u32 apic_id)
{
	lockdep_assert_held(&chip->lock);
	if (!virq_apic_id_ok(chip, apic_id))
		return -EINVAL;
	if (virq_vcpu_by_apic_id(chip, apic_id))
		return -EEXIST;
	if (chip->nr_vcpus >= chip->cfg.max_vcpus)
		return -ENOSPC;
	return 0;
}

static struct virq_vcpu *virq_vcpu_alloc(struct virq_chip *chip, u32 apic_id)
{
	struct virq_vcpu *vcpu;

	vcpu = kzalloc(sizeof(*vcpu), VIRQ_GFP);
	if (!vcpu)
		return NULL;
	vcpu->run_page = alloc_page(VIRQ_GFP | __GFP_ZERO);
	if (!vcpu->run_page) {
		kfree(vcpu);
		return NULL;
	}
	vcpu->run = page_address(vcpu->run_page);
	vcpu->run->apic_id = apic_id;
	vcpu->chip = chip;
	vcpu->apic_id = apic_id;
	vcpu->maxphyaddr = VIRQ_MAXPHYADDR_DEFAULT;
	spin_lock_init(&vcpu->irq_lock);
	spin_lock_init(&vcpu->sig_lock);
	init_waitqueue_head(&vcpu->wq);
	if ((chip->cfg.flags & VIRQ_CHIP_LAPIC) && virq_lapic_create(vcpu)) {
		__free_page(vcpu->run_page);
		kfree(vcpu);
		return NULL;
	}
	return vcpu;
}

/* Make @vcpu reachable from the chip. Called with chip->lock held. */
static void virq_vcpu_publish(struct virq_chip *chip, struct virq_vcpu *vcpu)
{
	lockdep_assert_held(&chip->lock);
	vcpu->index = chip->nr_vcpus;
	chip->vcpus[vcpu->index] = vcpu;
	/* Readers see the slot filled before the count covers it. */
	smp_store_release(&chip->nr_vcpus, chip->nr_vcpus + 1);
	virq_debugfs_vcpu_add(vcpu);
	/* The BSP receives the PIC's INT output. */
	if (vcpu->apic_id == 0 && chip->pic)
		virq_pic_connect(chip->pic, vcpu);
	/* A new destination: the map learns it now. */
	virq_apic_map_changed(chip, true);
}

/**
 * virq_vcpu_add() - add a vCPU without a file descriptor
 * @chip: the chip
 * @apic_id: its APIC ID
 *
 * For KUnit: the vCPU lives until the chip is freed.
 *
 * Return: the vCPU, or an ERR_PTR() as VIRQ_CREATE_VCPU's errors.
 */
struct virq_vcpu *virq_vcpu_add(struct virq_chip *chip, u32 apic_id)
{
	struct virq_vcpu *vcpu;
	int ret;

	mutex_lock(&chip->lock);
	ret = virq_vcpu_slot_check(chip, apic_id);
	if (ret) {
		vcpu = ERR_PTR(ret);
		goto unlock;
	}
	vcpu = virq_vcpu_alloc(chip, apic_id);
	if (!vcpu) {
		vcpu = ERR_PTR(-ENOMEM);
		goto unlock;
	}
	virq_vcpu_publish(chip, vcpu);
unlock:
	mutex_unlock(&chip->lock);
	return vcpu;
}
EXPORT_SYMBOL_IF_KUNIT(virq_vcpu_add);

int virq_vcpu_create(struct virq_chip *chip, u32 apic_id)
{
	struct virq_vcpu *vcpu;
	struct file *file;
	int fd, ret;

	mutex_lock(&chip->lock);
	ret = virq_vcpu_slot_check(chip, apic_id);
	if (ret)
		goto unlock;
	ret = -ENOMEM;
	vcpu = virq_vcpu_alloc(chip, apic_id);
	if (!vcpu)
		goto unlock;
	if (virq_memcg_headroom())
		goto free_vcpu;
	fd = get_unused_fd_flags(O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto free_vcpu;
	}
	file = anon_inode_getfile("virq-vcpu", &virq_vcpu_fops, vcpu, O_RDWR);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		put_unused_fd(fd);
		goto free_vcpu;
	}
	kref_get(&chip->ref);
	virq_vcpu_publish(chip, vcpu);
	mutex_unlock(&chip->lock);
	fd_install(fd, file);
	return fd;

free_vcpu:
	virq_vcpu_free(vcpu);
unlock:
	mutex_unlock(&chip->lock);
	return ret;
}
