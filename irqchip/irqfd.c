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
 * The wake-up callback runs in atomic context (under the eventfd's
 * wait-queue lock, interrupts off). It injects there directly: the whole
 * delivery path takes only spinlocks and RCU, and kicks from any context.
 * The module parameter irqfd_defer makes injections go through a work
 * item instead (for comparison: the benchmark measures both).
 *
 * The GSI is looked up in the routing table at each injection, so a GSI
 * without a route is accepted and works as soon as a routing update routes
 * it, and no update can be half seen.
 *
 * Locks: chip->irqfd_lock (spinlock, irqsave) protects the chip's irqfd
 * list and each irqfd's membership in it (the wake-up callback takes it to
 * detach an irqfd whose eventfd is closing). chip->resample_lock (mutex)
 * protects the resampler list's writers; the EOI paths read it under RCU.
 * virq_irqfd_lock (mutex) serialises binding against the global set of
 * bound eventfds. Detaching (deassign, eventfd close, chip fd close) is
 * done by a work item on virq_irqfd_wq, which removes the wait entry
 * under the eventfd's lock (so no injection runs afterwards), waits for
 * RCU readers, and frees; DEASSIGN and the chip fd's release flush it.
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

static struct workqueue_struct *virq_irqfd_wq;

/* Every eventfd bound to an irqfd, on any chip: one binding each. */
static DEFINE_XARRAY(virq_irqfd_bound);
static DEFINE_MUTEX(virq_irqfd_lock);

struct virq_resampler {
	struct virq_chip *chip;
	u32 gsi;
	struct list_head irqfds;	/* RCU; writers hold resample_lock */
	struct list_head link;		/* chip->resamplers */
	struct rcu_head rcu;
};

struct virq_irqfd {
	struct virq_chip *chip;
	struct eventfd_ctx *ctx;
	u32 gsi;
	bool defer;
	struct virq_resampler *resampler;	/* RESAMPLE only */
	struct eventfd_ctx *resample_ctx;
	struct list_head link;		/* chip->irqfds, under irqfd_lock */
	struct list_head rlink;		/* resampler->irqfds */
	wait_queue_entry_t wait;
	poll_table pt;
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

static void irqfd_do_inject(struct virq_irqfd *irqfd)
{
	struct virq_chip *chip = irqfd->chip;

	trace_virq_irqfd_inject(chip->id, irqfd->gsi, !!irqfd->resampler);
	virq_stats_irqfd(chip);
	if (irqfd->resampler) {
		/* Level: asserted until the guest's EOI (virq_resample_ack). */
		virq_irq_line(chip, irqfd->gsi, 1, false);
		return;
	}
	virq_irq_line(chip, irqfd->gsi, 1, false);
	virq_irq_line(chip, irqfd->gsi, 0, false);
}

static void irqfd_inject_work(struct work_struct *work)
{
	irqfd_do_inject(container_of(work, struct virq_irqfd, inject));
}

/* Detach: called with chip->irqfd_lock held, at most once per irqfd. */
static void irqfd_deactivate(struct virq_irqfd *irqfd)
{
	lockdep_assert_held(&irqfd->chip->irqfd_lock);
	list_del_init(&irqfd->link);
	irqfd->chip->nr_irqfds--;
	queue_work(virq_irqfd_wq, &irqfd->shutdown);
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
		if (irqfd->defer)
			queue_work(virq_irqfd_wq, &irqfd->inject);
		else
			irqfd_do_inject(irqfd);
	}
	if (flags & EPOLLHUP) {
		/* The eventfd is being closed: the binding goes with it. */
		spin_lock_irqsave(&chip->irqfd_lock, iflags);
		if (irqfd_active(irqfd))
			irqfd_deactivate(irqfd);
		spin_unlock_irqrestore(&chip->irqfd_lock, iflags);
	}
	return 0;
}

static void irqfd_queue_proc(struct file *file, wait_queue_head_t *wqh,
			     poll_table *pt)
{
	struct virq_irqfd *irqfd = container_of(pt, struct virq_irqfd, pt);

	add_wait_queue(wqh, &irqfd->wait);
}

/* The shared assertion of one GSI's resample irqfds, created on demand. */
static struct virq_resampler *resampler_get(struct virq_chip *chip, u32 gsi)
{
	struct virq_resampler *r;

	lockdep_assert_held(&chip->resample_lock);
	list_for_each_entry(r, &chip->resamplers, link)
		if (r->gsi == gsi)
			return r;
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return NULL;
	r->chip = chip;
	r->gsi = gsi;
	INIT_LIST_HEAD(&r->irqfds);
	list_add_rcu(&r->link, &chip->resamplers);
	atomic_inc(&chip->nr_resamplers);
	return r;
}

static void resampler_put(struct virq_resampler *r)
{
	struct virq_chip *chip = r->chip;

	lockdep_assert_held(&chip->resample_lock);
	if (!list_empty(&r->irqfds))
		return;
	list_del_rcu(&r->link);
	atomic_dec(&chip->nr_resamplers);
	/* Its line was asserted for the irqfds that are gone: release it. */
	virq_irq_line(chip, r->gsi, 0, false);
	kfree_rcu(r, rcu);
}

static void irqfd_shutdown(struct work_struct *work)
{
	struct virq_irqfd *irqfd = container_of(work, struct virq_irqfd,
						shutdown);
	struct virq_chip *chip = irqfd->chip;
	u64 cnt;

	/* After this no wake-up can run for us (it holds the same lock). */
	eventfd_ctx_remove_wait_queue(irqfd->ctx, &irqfd->wait, &cnt);
	flush_work(&irqfd->inject);
	if (irqfd->resampler) {
		mutex_lock(&chip->resample_lock);
		list_del_rcu(&irqfd->rlink);
		resampler_put(irqfd->resampler);
		mutex_unlock(&chip->resample_lock);
		/* The EOI paths walk the list under RCU. */
		synchronize_rcu();
		eventfd_ctx_put(irqfd->resample_ctx);
	}
	mutex_lock(&virq_irqfd_lock);
	xa_erase(&virq_irqfd_bound, (unsigned long)irqfd->ctx);
	mutex_unlock(&virq_irqfd_lock);
	eventfd_ctx_put(irqfd->ctx);
	kfree(irqfd);
}

static int irqfd_assign(struct virq_chip *chip, const struct virq_irqfd_args *a)
{
	struct eventfd_ctx *rctx = NULL;
	struct virq_irqfd *irqfd;
	unsigned long flags;
	struct file *file;
	__poll_t events;
	int ret;

	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd)
		return -ENOMEM;
	irqfd->chip = chip;
	irqfd->gsi = a->gsi;
	irqfd->defer = READ_ONCE(irqfd_defer);
	INIT_LIST_HEAD(&irqfd->link);
	INIT_WORK(&irqfd->inject, irqfd_inject_work);
	INIT_WORK(&irqfd->shutdown, irqfd_shutdown);

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
			rctx = NULL;
			goto put;
		}
	}

	/* One binding per eventfd, across every chip. */
	mutex_lock(&virq_irqfd_lock);
	ret = xa_insert(&virq_irqfd_bound, (unsigned long)irqfd->ctx, irqfd,
			GFP_KERNEL_ACCOUNT);
	mutex_unlock(&virq_irqfd_lock);
	if (ret)
		goto put;		/* -EBUSY: bound already */

	spin_lock_irqsave(&chip->irqfd_lock, flags);
	if (chip->irqfds_closed || chip->nr_irqfds >= VIRQ_MAX_IRQFDS) {
		ret = chip->irqfds_closed ? -EBADF : -ENOSPC;
		spin_unlock_irqrestore(&chip->irqfd_lock, flags);
		goto unbind;
	}
	list_add_tail(&irqfd->link, &chip->irqfds);
	chip->nr_irqfds++;
	spin_unlock_irqrestore(&chip->irqfd_lock, flags);

	if (rctx) {
		mutex_lock(&chip->resample_lock);
		irqfd->resampler = resampler_get(chip, a->gsi);
		if (irqfd->resampler) {
			irqfd->resample_ctx = rctx;
			list_add_rcu(&irqfd->rlink, &irqfd->resampler->irqfds);
		}
		mutex_unlock(&chip->resample_lock);
		if (!irqfd->resampler) {
			ret = -ENOMEM;
			spin_lock_irqsave(&chip->irqfd_lock, flags);
			list_del_init(&irqfd->link);
			chip->nr_irqfds--;
			spin_unlock_irqrestore(&chip->irqfd_lock, flags);
			goto unbind;
		}
	}

	/* Hook into the eventfd; a signal already pending injects now. */
	init_waitqueue_func_entry(&irqfd->wait, irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, irqfd_queue_proc);
	events = vfs_poll(file, &irqfd->pt);
	if (events & EPOLLIN)
		irqfd_do_inject(irqfd);
	fput(file);
	return 0;

unbind:
	mutex_lock(&virq_irqfd_lock);
	xa_erase(&virq_irqfd_bound, (unsigned long)irqfd->ctx);
	mutex_unlock(&virq_irqfd_lock);
put:
	if (rctx)
		eventfd_ctx_put(rctx);
	eventfd_ctx_put(irqfd->ctx);
fput:
	fput(file);
free:
	kfree(irqfd);
	return ret;
}

static int irqfd_deassign(struct virq_chip *chip,
			  const struct virq_irqfd_args *a)
{
	struct virq_irqfd *irqfd, *tmp;
	struct eventfd_ctx *ctx;
	unsigned long flags;
	int ret = -ENOENT;

	ctx = eventfd_ctx_fdget(a->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	spin_lock_irqsave(&chip->irqfd_lock, flags);
	list_for_each_entry_safe(irqfd, tmp, &chip->irqfds, link) {
		if (irqfd->ctx == ctx && irqfd->gsi == a->gsi) {
			irqfd_deactivate(irqfd);
			ret = 0;
		}
	}
	spin_unlock_irqrestore(&chip->irqfd_lock, flags);
	eventfd_ctx_put(ctx);
	/* Returns once no injection from that eventfd can happen. */
	flush_workqueue(virq_irqfd_wq);
	return ret;
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
	if (!(a.flags & VIRQ_IRQFD_FLAG_RESAMPLE) && a.resamplefd)
		return -EINVAL;
	if (a.flags & VIRQ_IRQFD_FLAG_DEASSIGN) {
		if (a.flags & VIRQ_IRQFD_FLAG_RESAMPLE)
			return -EINVAL;
		return irqfd_deassign(chip, &a);
	}
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
	struct virq_irqfd *irqfd, *tmp;
	unsigned long flags;

	spin_lock_irqsave(&chip->irqfd_lock, flags);
	chip->irqfds_closed = true;
	list_for_each_entry_safe(irqfd, tmp, &chip->irqfds, link)
		irqfd_deactivate(irqfd);
	spin_unlock_irqrestore(&chip->irqfd_lock, flags);
	flush_workqueue(virq_irqfd_wq);
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
	bool hit;
	u32 i, n;

	rcu_read_lock();
	rt = rcu_dereference(chip->routing);
	list_for_each_entry_rcu(r, &chip->resamplers, link) {
		hit = false;
		n = virq_routing_find(rt, r->gsi, &e);
		for (i = 0; i < n; i++)
			hit |= e[i].type == VIRQ_IRQ_ROUTING_IRQCHIP &&
			       e[i].irqchip.irqchip == irqchip &&
			       e[i].irqchip.pin == pin;
		if (!hit)
			continue;
		/* De-assert first: a device still busy asserts again. */
		virq_irq_line(chip, r->gsi, 0, false);
		list_for_each_entry_rcu(irqfd, &r->irqfds, rlink)
			irqfd_signal(irqfd->resample_ctx);
	}
	rcu_read_unlock();
}

/* The debugfs view of a chip's irqfds. */
void virq_irqfd_show(struct seq_file *m, struct virq_chip *chip)
{
	struct virq_irqfd *irqfd;
	unsigned long flags;

	spin_lock_irqsave(&chip->irqfd_lock, flags);
	seq_printf(m, "%u irqfds (at most %u)%s\n", chip->nr_irqfds,
		   VIRQ_MAX_IRQFDS, irqfd_defer ? ", injecting from a work item" : "");
	list_for_each_entry(irqfd, &chip->irqfds, link)
		seq_printf(m, "gsi %4u eventfd %p%s\n", irqfd->gsi, irqfd->ctx,
			   irqfd->resampler ? " resample" : "");
	spin_unlock_irqrestore(&chip->irqfd_lock, flags);
}

int virq_irqfd_init(void)
{
	virq_irqfd_wq = alloc_workqueue("virq-irqfd", WQ_UNBOUND, 0);
	return virq_irqfd_wq ? 0 : -ENOMEM;
}

void virq_irqfd_exit(void)
{
	destroy_workqueue(virq_irqfd_wq);
}
