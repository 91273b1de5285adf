// SPDX-License-Identifier: GPL-2.0
/*
 * irqfd: an eventfd bound to a GSI of a chip (VIRQ_IRQFD, the shape of
 * KVM_IRQFD). A device thread writes the eventfd; the eventfd's wake-up
 * callback injects the GSI — an edge, assert then de-assert (an MSI route
 * sends one message) — without a trip through the VMM's main loop. With
 * VIRQ_IRQFD_FLAG_RESAMPLE the eventfd asserts a level line instead, and
 * the guest's EOI of the pin it reaches de-asserts it and signals a second
 * eventfd, the resamplefd, so the device can look at its state again;
 * every resample irqfd of one GSI shares one assertion (a resampler) and
 * all of them are notified.
 *
 * irqfds assert logically: a pulse or a resampler's assertion asserts the
 * pin whatever its polarity, on chips with wire levels too
 * (VIRQ_LINE_LOGICAL).
 *
 * The wake-up callback runs in atomic context (under the eventfd's
 * wait-queue lock, interrupts off, possibly in hard-IRQ context when
 * another subsystem signals the eventfd). It injects there directly when
 * the work is bounded: the delivery path takes only irqsave spinlocks and
 * the chip's grace (grace.c), allocates nothing, kicks from any context,
 * and visits at most
 * VIRQ_ATOMIC_FANOUT vCPUs (an IOAPIC hands a larger fan-out to its own
 * work item). An MSI route whose message the destination map cannot
 * narrow that far is injected from the irqfd's work item instead, as is
 * every signal while an earlier one waits there (so that they stay in
 * order). The module parameter irqfd_defer, read when an irqfd is bound,
 * makes that irqfd always inject from the work item (for comparison: the
 * benchmark measures both).
 *
 * An edge is one pass over one routing-table snapshot (virq_irq_pulse),
 * so a routing update can never assert a pin through the old table and
 * de-assert another through the new one. A GSI without a route is
 * accepted and works as soon as a routing update routes it.
 *
 * Publication: an irqfd becomes visible (on chip->irqfds, where DEASSIGN
 * and chip release find it) in the same critical section that puts it on
 * the eventfd's wait queue, under that queue's lock, after everything
 * else about it is set up; the binding thread does not touch it after
 * that. A signal already pending at binding is consumed and injected in
 * the same critical section.
 *
 * Teardown: whoever takes an irqfd off chip->irqfds under irqfd_lock owns
 * its teardown: DEASSIGN and chip release run it synchronously; the
 * eventfd's HUP (atomic) queues it on virq_cleanup_wq, a workqueue of its
 * own: a teardown waits for its irqfd's queued injection, which must
 * never wait behind teardowns on the same workqueue. It removes the wait
 * entry under the eventfd's lock (after which no injection can start),
 * waits for a queued injection, leaves the resampler and waits for the
 * chip's grace readers, then frees. nr_irqfds counts an irqfd until it is
 * freed, so VIRQ_MAX_IRQFDS bounds memory, and chip release waits for it
 * to reach 0: the last teardown drops it and wakes the waiter under
 * irqfd_lock, and the waiter takes that lock once more before it lets
 * the chip go, so no teardown touches a freed chip.
 *
 * Locks: chip->irqfd_lock (spinlock, irqsave) protects chip->irqfds and
 * nr_irqfds; it nests inside an eventfd's wait-queue lock. resample_lock
 * (mutex) protects the resampler lists' writers, and a routing update
 * holds it throughout (it nests outside chip->lock); the EOI paths read
 * the lists under the chip's grace. virq_irqfd_lock (mutex) serialises
 * binding against the set of bound eventfds.
 * May call: routing.c (virq_irq_line), eventfd.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>

#include "virq.h"
#include "virq_trace.h"

static bool irqfd_defer;
module_param(irqfd_defer, bool, 0644);
MODULE_PARM_DESC(irqfd_defer,
		 "irqfd injects from a work item instead of the eventfd wake-up (for measurements)");

/* Injections out of atomic context (irqfds, IOAPIC fan-out: virq.h). */
struct workqueue_struct *virq_inject_wq;
EXPORT_SYMBOL_IF_KUNIT(virq_inject_wq);
/* irqfd teardowns queued by an eventfd's HUP: they wait for injections. */
static struct workqueue_struct *virq_cleanup_wq;

/* Every eventfd bound to an irqfd, on any chip: one binding each. */
static DEFINE_XARRAY(virq_irqfd_bound);
static DEFINE_MUTEX(virq_irqfd_lock);

struct virq_resampler {
	struct virq_chip *chip;
	u32 gsi;
	struct list_head irqfds;	/* grace readers; writers: resample_lock */
	struct list_head link;		/* chip->resamplers */
};

struct virq_irqfd {
	struct virq_chip *chip;
	struct eventfd_ctx *ctx;
	u32 gsi;
	bool defer;
	struct virq_resampler *resampler;	/* RESAMPLE only */
	struct virq_resampler *dead;	/* left empty: freed after a grace period */
	struct eventfd_ctx *resample_ctx;
	struct list_head link;		/* chip->irqfds, under irqfd_lock */
	struct list_head gone;		/* a detaching caller's own list */
	struct list_head rlink;		/* resampler->irqfds */
	wait_queue_entry_t wait;
	struct work_struct inject;
	struct work_struct shutdown;
};

/* 6.8 dropped eventfd_signal()'s count; Kbuild tells which we have. */
static void irqfd_signal(struct eventfd_ctx *ctx)
{
#ifdef VIRQ_EVENTFD_SIGNAL_NO_COUNT
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/*
 * Inject: a pulse, or (resample) an assertion held until the guest's EOI
 * (virq_resample_ack()). From the wake-up (@flags VIRQ_LINE_ATOMIC) it
 * returns -EWOULDBLOCK, having done nothing, when the work would not be
 * bounded.
 */
static int irqfd_do_inject(struct virq_irqfd *irqfd, unsigned int flags)
{
	struct virq_chip *chip = irqfd->chip;
	bool atomic = flags & VIRQ_LINE_ATOMIC;
	int r;

	trace_virq_irqfd_inject(chip->id, irqfd->gsi, !!irqfd->resampler,
				atomic ? VIRQ_IRQFD_INJ_WAKEUP :
					 VIRQ_IRQFD_INJ_WORK);
	flags |= VIRQ_LINE_LOGICAL;
	if (irqfd->resampler)
		r = virq_irq_line(chip, irqfd->gsi, 1, flags);
	else
		r = virq_irq_pulse(chip, irqfd->gsi, flags);
	if (r == -EWOULDBLOCK) {
		trace_virq_irqfd_inject(chip->id, irqfd->gsi,
					!!irqfd->resampler,
					VIRQ_IRQFD_INJ_DEFER);
		return r;
	}
	virq_stats_irqfd(chip);
	return r;
}

/*
 * A signal, in the wake-up: inject now, or from the work item when asked
 * to (irqfd_defer), when the injection would not be bounded here, or
 * when an earlier signal still waits there (no overtaking it).
 */
static void irqfd_signalled(struct virq_irqfd *irqfd)
{
	if (irqfd->defer || work_pending(&irqfd->inject) ||
	    irqfd_do_inject(irqfd, VIRQ_LINE_ATOMIC) == -EWOULDBLOCK) {
		if (!irqfd->defer)
			atomic64_inc(&irqfd->chip->irqfd_deferred);
		queue_work(virq_inject_wq, &irqfd->inject);
	}
}

static void irqfd_inject_work(struct work_struct *work)
{
	irqfd_do_inject(container_of(work, struct virq_irqfd, inject), 0);
}

static bool irqfd_active(struct virq_irqfd *irqfd)
{
	return !list_empty(&irqfd->link);
}

/* The eventfd's wake-up: atomic context, the eventfd's wqh lock held. */
static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			int sync, void *key)
{
	struct virq_irqfd *irqfd = container_of(wait, struct virq_irqfd, wait);
	__poll_t flags = key_to_poll(key);
	struct virq_chip *chip = irqfd->chip;
	unsigned long iflags;
	u64 cnt;

	if (flags & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->ctx, &cnt);
		irqfd_signalled(irqfd);
	}
	if (flags & EPOLLHUP) {
		/* The eventfd is being closed: the binding goes with it. */
		spin_lock_irqsave(&chip->irqfd_lock, iflags);
		if (irqfd_active(irqfd)) {
			list_del_init(&irqfd->link);
			trace_virq_irqfd_bind(chip->id, irqfd->gsi,
					      !!irqfd->resampler,
					      VIRQ_IRQFD_EV_HUP);
			queue_work(virq_cleanup_wq, &irqfd->shutdown);
		}
		spin_unlock_irqrestore(&chip->irqfd_lock, iflags);
	}
	return 0;
}

/*
 * The binding's poll table, on the binder's stack: once the irqfd is
 * published a DEASSIGN may free it, so whether it was published is kept
 * here, never in the irqfd.
 */
struct irqfd_poll {
	poll_table pt;
	struct virq_irqfd *irqfd;
	bool published;
};

/*
 * Called by vfs_poll() at binding, with no lock held: publish the irqfd
 * and hook it into the eventfd in one critical section under the queue's
 * lock, and inject a signal that is already pending.
 */
static void irqfd_queue_proc(struct file *file, wait_queue_head_t *wqh,
			     poll_table *pt)
{
	struct irqfd_poll *p = container_of(pt, struct irqfd_poll, pt);
	struct virq_irqfd *irqfd = p->irqfd;
	struct virq_chip *chip = irqfd->chip;
	unsigned long flags;
	u64 cnt;

	spin_lock_irqsave(&wqh->lock, flags);
	spin_lock(&chip->irqfd_lock);
	if (!chip->irqfds_closed && chip->nr_irqfds < VIRQ_MAX_IRQFDS) {
		list_add_tail(&irqfd->link, &chip->irqfds);
		chip->nr_irqfds++;
		p->published = true;
	}
	spin_unlock(&chip->irqfd_lock);
	if (p->published) {
		__add_wait_queue(wqh, &irqfd->wait);
		eventfd_ctx_do_read(irqfd->ctx, &cnt);
		if (cnt)
			irqfd_signalled(irqfd);
	}
	spin_unlock_irqrestore(&wqh->lock, flags);
}

/* The shared assertion of one GSI's resample irqfds, created on demand. */
static struct virq_resampler *resampler_get(struct virq_chip *chip, u32 gsi)
{
	struct virq_resampler *r;

	lockdep_assert_held(&chip->resample_lock);
	list_for_each_entry(r, &chip->resamplers, link)
		if (r->gsi == gsi)
			return r;
	r = kzalloc(sizeof(*r), VIRQ_GFP);
	if (!r)
		return NULL;
	r->chip = chip;
	r->gsi = gsi;
	INIT_LIST_HEAD(&r->irqfds);
	list_add_rcu(&r->link, &chip->resamplers);
	atomic_inc(&chip->nr_resamplers);
	return r;
}

/* Returns the resampler if it is left empty: free it after a grace period. */
static struct virq_resampler *resampler_put(struct virq_resampler *r)
{
	struct virq_chip *chip = r->chip;

	lockdep_assert_held(&chip->resample_lock);
	if (!list_empty(&r->irqfds))
		return NULL;
	list_del_rcu(&r->link);
	atomic_dec(&chip->nr_resamplers);
	/* Its line was asserted for the irqfds that are gone: release it. */
	virq_irq_line(chip, r->gsi, 0, VIRQ_LINE_LOGICAL);
	return r;
}

/*
 * Leave the resampler. The EOI paths walk its list, and signal
 * resample_ctx, under the chip's grace: the irqfd (and a resampler left
 * empty) are freed only after a grace period.
 */
static void irqfd_unlink_resampler(struct virq_irqfd *irqfd)
{
	struct virq_chip *chip = irqfd->chip;

	mutex_lock(&chip->resample_lock);
	list_del_rcu(&irqfd->rlink);
	irqfd->dead = resampler_put(irqfd->resampler);
	mutex_unlock(&chip->resample_lock);
}

/* Leave the resampler (not published: nobody else sees the irqfd). */
static void irqfd_leave_resampler(struct virq_irqfd *irqfd)
{
	irqfd_unlink_resampler(irqfd);
	virq_grace_synchronize(&irqfd->chip->grace);
}

static void irqfd_free(struct virq_irqfd *irqfd)
{
	kfree(irqfd->dead);
	if (irqfd->resample_ctx)
		eventfd_ctx_put(irqfd->resample_ctx);
	mutex_lock(&virq_irqfd_lock);
	xa_erase(&virq_irqfd_bound, (unsigned long)irqfd->ctx);
	mutex_unlock(&virq_irqfd_lock);
	eventfd_ctx_put(irqfd->ctx);
	kfree(irqfd);
}

/*
 * The teardown of an irqfd its caller took off chip->irqfds, in two
 * halves: unhook it (returns true if it must wait for a grace period
 * before the second half), then free it. Whoever tears down many irqfds
 * waits for one grace period for all of them.
 */
static bool irqfd_unhook(struct virq_irqfd *irqfd)
{
	u64 cnt;

	/* After this no wake-up can run for us (it holds the same lock). */
	eventfd_ctx_remove_wait_queue(irqfd->ctx, &irqfd->wait, &cnt);
	flush_work(&irqfd->inject);
	if (!irqfd->resampler)
		return false;
	irqfd_unlink_resampler(irqfd);
	return true;
}

/*
 * The last thing a teardown does with the chip: chip release may free it
 * as soon as it sees nr_irqfds reach 0 and then takes irqfd_lock once
 * (virq_irqfd_release_all()), which waits for this unlock.
 */
static void irqfd_finish(struct virq_irqfd *irqfd)
{
	struct virq_chip *chip = irqfd->chip;
	unsigned long flags;

	irqfd_free(irqfd);
	spin_lock_irqsave(&chip->irqfd_lock, flags);
	if (!--chip->nr_irqfds) {
		/*
		 * wake_up_var() looks at the wait queue without its lock:
		 * order the store before that look, against the waiter's
		 * enqueue-then-check (or it sleeps on a stale 1 for good).
		 */
		smp_mb();
		wake_up_var(&chip->nr_irqfds);
	}
	spin_unlock_irqrestore(&chip->irqfd_lock, flags);
}

static void irqfd_shutdown(struct work_struct *work)
{
	struct virq_irqfd *irqfd = container_of(work, struct virq_irqfd,
						shutdown);

	if (irqfd_unhook(irqfd))
		virq_grace_synchronize(&irqfd->chip->grace);
	irqfd_finish(irqfd);
}

static int irqfd_assign(struct virq_chip *chip, const struct virq_irqfd_args *a)
{
	struct eventfd_ctx *rctx = NULL;
	struct virq_irqfd *irqfd;
	struct irqfd_poll poll;
	struct file *file;
	bool retried = false;
	int ret;

	irqfd = kzalloc(sizeof(*irqfd), VIRQ_GFP);
	if (!irqfd)
		return -ENOMEM;
	irqfd->chip = chip;
	irqfd->gsi = a->gsi;
	irqfd->defer = READ_ONCE(irqfd_defer);
	INIT_LIST_HEAD(&irqfd->link);
	INIT_LIST_HEAD(&irqfd->rlink);
	INIT_WORK(&irqfd->inject, irqfd_inject_work);
	INIT_WORK(&irqfd->shutdown, irqfd_shutdown);
	init_waitqueue_func_entry(&irqfd->wait, irqfd_wakeup);
	poll.irqfd = irqfd;
	poll.published = false;
	init_poll_funcptr(&poll.pt, irqfd_queue_proc);

	ret = -EBADF;
	file = fget(a->fd);
	if (!file)
		goto free;
	irqfd->ctx = eventfd_ctx_fileget(file);
	if (IS_ERR(irqfd->ctx)) {
		ret = PTR_ERR(irqfd->ctx);	/* not an eventfd: EINVAL */
		goto fput;
	}
	if (a->flags & VIRQ_IRQFD_FLAG_RESAMPLE) {
		rctx = eventfd_ctx_fdget(a->resamplefd);
		if (IS_ERR(rctx)) {
			ret = PTR_ERR(rctx);
			goto put;
		}
	}
	ret = virq_stats_prepare(chip, a->gsi);
	if (ret)
		goto put_r;

	/* One binding per eventfd, across every chip. */
	mutex_lock(&virq_irqfd_lock);
	ret = xa_insert(&virq_irqfd_bound, (unsigned long)irqfd->ctx, irqfd,
			VIRQ_GFP);
	mutex_unlock(&virq_irqfd_lock);
	if (ret)
		goto put_r;		/* -EBUSY: bound already */

	if (rctx) {
		mutex_lock(&chip->resample_lock);
		irqfd->resampler = resampler_get(chip, a->gsi);
		if (irqfd->resampler) {
			irqfd->resample_ctx = rctx;
			rctx = NULL;
			list_add_rcu(&irqfd->rlink, &irqfd->resampler->irqfds);
		}
		mutex_unlock(&chip->resample_lock);
		if (!irqfd->resampler) {
			ret = -ENOMEM;
			goto unbind;
		}
	}

	/*
	 * Publish and hook in (irqfd_queue_proc). Irqfds being torn down
	 * still count: if they fill the limit, let them finish, once.
	 */
	for (;;) {
		vfs_poll(file, &poll.pt);
		if (poll.published || retried ||
		    READ_ONCE(chip->irqfds_closed))
			break;
		flush_workqueue(virq_cleanup_wq);
		retried = true;
	}
	if (!poll.published) {
		ret = chip->irqfds_closed ? -EBADF : -ENOSPC;
		if (irqfd->resampler)
			irqfd_leave_resampler(irqfd);
		fput(file);
		irqfd_free(irqfd);
		return ret;
	}
	/* Published: a concurrent DEASSIGN may free it from here on. */
	trace_virq_irqfd_bind(chip->id, a->gsi,
			      !!(a->flags & VIRQ_IRQFD_FLAG_RESAMPLE),
			      VIRQ_IRQFD_EV_ASSIGN);
	fput(file);
	return 0;

unbind:
	mutex_lock(&virq_irqfd_lock);
	xa_erase(&virq_irqfd_bound, (unsigned long)irqfd->ctx);
	mutex_unlock(&virq_irqfd_lock);
put_r:
	if (rctx)
		eventfd_ctx_put(rctx);
put:
	eventfd_ctx_put(irqfd->ctx);
fput:
	fput(file);
free:
	kfree(irqfd);
	return ret;
}

/* Take every irqfd matching @ctx/@gsi (NULL: all) off the chip; tear down. */
static int irqfd_detach(struct virq_chip *chip, struct eventfd_ctx *ctx,
			u32 gsi, int why)
{
	struct virq_irqfd *irqfd, *tmp;
	unsigned long flags;
	bool grace = false;
	LIST_HEAD(gone);
	int n = 0;

	spin_lock_irqsave(&chip->irqfd_lock, flags);
	if (!ctx)
		chip->irqfds_closed = true;
	list_for_each_entry_safe(irqfd, tmp, &chip->irqfds, link) {
		if (ctx && (irqfd->ctx != ctx || irqfd->gsi != gsi))
			continue;
		/* Inactive now: the HUP path leaves it to us. */
		list_del_init(&irqfd->link);
		list_add_tail(&irqfd->gone, &gone);
		trace_virq_irqfd_bind(chip->id, irqfd->gsi,
				      !!irqfd->resampler, why);
		n++;
	}
	spin_unlock_irqrestore(&chip->irqfd_lock, flags);
	/* Off the list, they are ours: the HUP path no longer sees them. */
	list_for_each_entry(irqfd, &gone, gone)
		grace |= irqfd_unhook(irqfd);
	if (grace)
		virq_grace_synchronize(&chip->grace);
	list_for_each_entry_safe(irqfd, tmp, &gone, gone)
		irqfd_finish(irqfd);
	return n;
}

static int irqfd_deassign(struct virq_chip *chip,
			  const struct virq_irqfd_args *a)
{
	struct eventfd_ctx *ctx;
	int n;

	ctx = eventfd_ctx_fdget(a->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	/* Returns once no injection from that eventfd can happen. */
	n = irqfd_detach(chip, ctx, a->gsi, VIRQ_IRQFD_EV_DEASSIGN);
	eventfd_ctx_put(ctx);
	return n ? 0 : -ENOENT;
}

/**
 * virq_irqfd_ioctl() - VIRQ_IRQFD on a chip fd
 * @chip: the chip
 * @argp: struct virq_irqfd_args
 *
 * Return: 0, or EINVAL (flags, padding, GSI, resamplefd given without
 * RESAMPLE, not an eventfd), EBADF (no such fd), EBUSY (the eventfd is
 * bound already), ENOSPC (the chip has VIRQ_MAX_IRQFDS), ENOENT (deassign
 * of an unbound eventfd/GSI), ENOMEM, EFAULT.
 */
int virq_irqfd_ioctl(struct virq_chip *chip, void __user *argp)
{
	struct virq_irqfd_args a;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~(VIRQ_IRQFD_FLAG_DEASSIGN | VIRQ_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (memchr_inv(a.pad, 0, sizeof(a.pad)) || a.gsi >= VIRQ_NR_GSIS)
		return -EINVAL;
	/* KVM's rule: DEASSIGN ignores RESAMPLE and resamplefd. */
	if (a.flags & VIRQ_IRQFD_FLAG_DEASSIGN)
		return irqfd_deassign(chip, &a);
	if (!(a.flags & VIRQ_IRQFD_FLAG_RESAMPLE) && a.resamplefd)
		return -EINVAL;
	return irqfd_assign(chip, &a);
}

/**
 * virq_irqfd_release_all() - the chip fd is closing: unbind every irqfd
 * @chip: the chip
 *
 * Returns once every irqfd of the chip is gone.
 */
void virq_irqfd_release_all(struct virq_chip *chip)
{
	unsigned long flags;

	irqfd_detach(chip, NULL, 0, VIRQ_IRQFD_EV_RELEASE);
	/* Those an eventfd's HUP queued: wait for their teardown too. */
	wait_var_event(&chip->nr_irqfds, !READ_ONCE(chip->nr_irqfds));
	/* The last teardown has dropped irqfd_lock: it is done with us. */
	spin_lock_irqsave(&chip->irqfd_lock, flags);
	spin_unlock_irqrestore(&chip->irqfd_lock, flags);
}

/**
 * virq_resample_ack() - the guest EOI'd a pin: release its resamplers
 * @chip: the chip
 * @irqchip: VIRQ_IRQCHIP_* of the pin
 * @pin: the pin
 *
 * Every resampler whose GSI routes to the pin de-asserts its line and
 * signals all its resamplefds. Called with no device lock held, from the
 * EOI paths (process context).
 */
void virq_resample_ack(struct virq_chip *chip, u32 irqchip, u32 pin)
{
	const struct virq_route *e;
	const struct virq_routing *rt;
	struct virq_resampler *r;
	struct virq_irqfd *irqfd;
	unsigned int idx;
	bool hit;
	u32 i, n;

	idx = virq_grace_read_lock(&chip->grace);
	rt = virq_routing_deref(chip);
	list_for_each_entry_rcu(r, &chip->resamplers, link, true) {
		hit = false;
		n = virq_routing_find(rt, r->gsi, &e);
		for (i = 0; i < n; i++)
			hit |= e[i].type == VIRQ_IRQ_ROUTING_IRQCHIP &&
			       e[i].irqchip.irqchip == irqchip &&
			       e[i].irqchip.pin == pin;
		if (!hit)
			continue;
		/* De-assert first: a device still busy asserts again. */
		virq_irq_line(chip, r->gsi, 0, VIRQ_LINE_LOGICAL);
		n = 0;
		list_for_each_entry_rcu(irqfd, &r->irqfds, rlink, true) {
			irqfd_signal(irqfd->resample_ctx);
			n++;
		}
		trace_virq_irqfd_resample(chip->id, r->gsi, irqchip, pin, n);
	}
	virq_grace_read_unlock(&chip->grace, idx);
}

/**
 * virq_resample_rerouted() - a routing update replaced @old by @new
 * @chip: the chip
 * @old: the table replaced, which nobody raises lines through any more
 * @new: the table published
 *
 * A resampler whose GSI lost routes lowers them (the pins it may have
 * asserted through @old are not left asserted; the routes it keeps are
 * untouched) and signals its resamplefds: a device that still wants
 * service signals its irqfd again, which asserts the line through @new.
 * Process context, with resample_lock held by the routing update.
 */
void virq_resample_rerouted(struct virq_chip *chip,
			    const struct virq_routing *old,
			    const struct virq_routing *new)
{
	struct virq_resampler *r;
	struct virq_irqfd *irqfd;
	u32 n;

	lockdep_assert_held(&chip->resample_lock);
	list_for_each_entry(r, &chip->resamplers, link) {
		if (!virq_irq_lower_lost(chip, old, new, r->gsi,
					 VIRQ_LINE_LOGICAL))
			continue;
		n = 0;
		list_for_each_entry(irqfd, &r->irqfds, rlink) {
			irqfd_signal(irqfd->resample_ctx);
			n++;
		}
		trace_virq_irqfd_resample(chip->id, r->gsi, 0xff, 0, n);
	}
}

/* The debugfs view of a chip's irqfds. */
void virq_irqfd_show(struct seq_file *m, struct virq_chip *chip)
{
	struct virq_irqfd *irqfd;
	unsigned long flags;

	spin_lock_irqsave(&chip->irqfd_lock, flags);
	seq_printf(m, "%u irqfds (at most %u)\n", chip->nr_irqfds,
		   VIRQ_MAX_IRQFDS);
	list_for_each_entry(irqfd, &chip->irqfds, link)
		seq_printf(m, "gsi %4u%s%s\n", irqfd->gsi,
			   irqfd->resampler ? " resample" : "",
			   irqfd->defer ? " deferred" : "");
	spin_unlock_irqrestore(&chip->irqfd_lock, flags);
}

int virq_irqfd_init(void)
{
	virq_inject_wq = alloc_workqueue("virq-inject", WQ_UNBOUND, 0);
	if (!virq_inject_wq)
		return -ENOMEM;
	virq_cleanup_wq = alloc_workqueue("virq-irqfd-cleanup", WQ_UNBOUND, 0);
	if (!virq_cleanup_wq) {
		destroy_workqueue(virq_inject_wq);
		return -ENOMEM;
	}
	return 0;
}

void virq_irqfd_exit(void)
{
	destroy_workqueue(virq_cleanup_wq);
	destroy_workqueue(virq_inject_wq);
}
