// SPDX-License-Identifier: GPL-2.0
/*
 * Per-chip grace periods that cost the host's other CPUs nothing: what a
 * routing update (and an irqfd's teardown) waits for before it frees or
 * reuses what injections may still be reading.
 *
 * Readers (virq_grace_read_lock()/_unlock(), virq.h) count themselves in
 * per-CPU lock and unlock counters of one of two indexes: the index in
 * use when they start. They may run in any context but NMI (an eventfd's
 * wake-up in hard-IRQ context included), may be preempted and may finish
 * on another CPU. An updater waits until the lock and unlock counts of an
 * index are equal, summed over every CPU; it flips the index between two
 * such waits, so that readers that keep arriving cannot hold it off, and
 * waits first for the index not in use, so that a reader that read the
 * index before the previous flip but counted itself after the previous
 * wait is waited for too. The sums read other CPUs' memory and nothing
 * else: no IPI, no work queued on another CPU, no timer (RCU's expedited
 * grace periods IPI every busy CPU; SRCU queues its callback work on the
 * boot CPU at the end of each grace period, measured as one IPI to that
 * CPU per routing update).
 *
 * Ordering: an updater publishes, full barrier (P), sums the unlock
 * counts, full barrier (S), sums the lock counts; a reader counts its
 * lock, full barrier (L), reads, full barrier (U), counts its unlock.
 * P pairs with L: if the updater's lock sum misses a reader's lock, the
 * reader's loads come after the publication and see it. S pairs with U:
 * a reader's unlock that the updater counted comes after its loads, and
 * its lock was counted too (locks are summed after unlocks), so equal
 * sums mean that every reader the updater counted has left.
 *
 * Locks: grace->mutex serialises updaters; readers take no lock. An
 * updater must not wait inside a read section of the same grace (it would
 * wait for itself). May call: the per-CPU allocator, the scheduler.
 */
#include <linux/delay.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <kunit/visibility.h>

#include "virq.h"

int virq_grace_init(struct virq_grace *g)
{
	g->c = alloc_percpu_gfp(struct virq_grace_cpu, VIRQ_GFP);
	if (!g->c)
		return -ENOMEM;
	g->idx = 0;
	mutex_init(&g->mutex);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virq_grace_init);

void virq_grace_destroy(struct virq_grace *g)
{
	mutex_destroy(&g->mutex);
	free_percpu(g->c);
}
EXPORT_SYMBOL_IF_KUNIT(virq_grace_destroy);

/* Has every reader of @idx that this scan can see left? */
static bool readers_gone(struct virq_grace *g, unsigned int idx)
{
	unsigned long locks = 0, unlocks = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		unlocks += READ_ONCE(per_cpu_ptr(g->c, cpu)->unlock[idx]);
	smp_mb();	/* S: unlocks before locks, pairs with U */
	for_each_possible_cpu(cpu)
		locks += READ_ONCE(per_cpu_ptr(g->c, cpu)->lock[idx]);
	return locks == unlocks;
}

/*
 * Readers are short (a line's injection, an EOI's resample), but one in
 * process context may be preempted: look a few times, then sleep between
 * looks.
 */
static void wait_readers(struct virq_grace *g, unsigned int idx)
{
	unsigned int tries = 0;

	while (!readers_gone(g, idx)) {
		if (++tries < 8)
			cpu_relax();
		else
			usleep_range(20, 100);
	}
}

/**
 * virq_grace_synchronize() - wait for the readers that may see the past
 * @g: the grace
 *
 * Returns once every read section that began before the call has ended:
 * what the caller unpublished before calling is no longer read by anyone.
 * Process context; sleeps.
 */
void virq_grace_synchronize(struct virq_grace *g)
{
	unsigned long idx;

	might_sleep();
	mutex_lock(&g->mutex);
	idx = g->idx;
	smp_mb();	/* P: the caller's publication before the scans */
	wait_readers(g, (idx + 1) & 1);
	smp_mb();	/* that scan before the flip */
	WRITE_ONCE(g->idx, idx + 1);
	smp_mb();	/* new readers use the other index before we look */
	wait_readers(g, idx & 1);
	smp_mb();	/* the scans before what the caller frees */
	mutex_unlock(&g->mutex);
}
EXPORT_SYMBOL_IF_KUNIT(virq_grace_synchronize);
