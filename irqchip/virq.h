/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virq internal interfaces: the chip object, the routing table, the device
 * models (i8259 PIC pair) and the vCPU delivery primitives they share.
 *
 * Lock order (outer first):
 *   chip->lock (mutex: vCPU creation, routing updates)
 *     pic->lock (spinlock, irqsave: PIC registers and output line)
 *     ioapic->lock (spinlock, irqsave: one IOAPIC's registers and pins)
 *       vcpu->irq_lock (spinlock, irqsave: pending vectors, extint, and
 *                       the INTR/EXTINT request bits derived from them)
 *     chip->map_lock (mutex: APIC destination map rebuilds)
 *       vcpu->irq_lock (to read each vCPU's IDs)
 * The RTC's owed EOIs are counted in chip->rtc_debt (atomic, with a
 * generation) and recorded per vCPU (rtc_owed, rtc_vector, rtc_gen, under
 * its irq_lock).
 *   vcpu->sig_lock (spinlock, irqsave: the signal registration; kicks)
 *     task siglock (inside send_sig())
 * Routing readers hold only the chip's grace (chip->grace, grace.c). vCPU kicks
 * (wake-ups and signals) are issued after every device lock and irq_lock
 * is dropped.
 *
 * Work with interrupts off (an irqfd's wake-up, anything under an IOAPIC's
 * or a vCPU's lock) is bounded by a constant: one delivery there visits
 * at most VIRQ_ATOMIC_FANOUT vCPUs. A message for more goes to a work
 * item (virq_inject_wq): an irqfd's injection, or an IOAPIC pin's message,
 * which shows "send pending" in its delivery status meanwhile.
 *
 * irqfds (irqfd.c): an eventfd's wait-queue lock (held around the wake-up
 * callback, interrupts off, possibly in hard-IRQ context) is outermost:
 *   eventfd wqh lock
 *     chip->irqfd_lock (spinlock, irqsave: the chip's irqfd list)
 *     the injection path: pic->lock / ioapic->lock -> vcpu->irq_lock,
 *       then, locks dropped, vcpu->sig_lock -> siglock and vcpu->wq
 *   chip->resample_lock (mutex: resampler lists' writers)
 *     the injection path (a resampler's last irqfd lowers its line)
 *   virq_irqfd_lock (mutex: the set of bound eventfds)
 * The EOI paths signal resamplefds (their wqh lock) with no device lock
 * held. Every lock the injection path takes is irqsave, and it allocates
 * nothing.
 */
#ifndef VIRQ_INTERNAL_H
#define VIRQ_INTERNAL_H

#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/hrtimer.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/virq.h>

/*
 * Memory a user makes virq allocate: charged to the memory cgroup, and
 * failing with -ENOMEM at the cgroup's limit instead of invoking its OOM
 * killer. The caller hears of a failure from the errno: no warning in the
 * kernel log (vmalloc's would be one per failed kvmalloc, which a user at
 * the cgroup's limit can repeat at will).
 */
#define VIRQ_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

struct virq_chip;
struct virq_vcpu;
struct virq_kicks;
struct virq_apic_map;
struct dentry;
struct seq_file;

/* ---- MSI (msi.c) ---- */

/* Delivery modes of the MSI data register (SDM vol. 3, 11.11.2). */
#define VIRQ_DM_FIXED		0
#define VIRQ_DM_LOWEST		1
#define VIRQ_DM_SMI		2
#define VIRQ_DM_NMI		4
#define VIRQ_DM_INIT		5
#define VIRQ_DM_SIPI		6	/* ICR only: start-up */
#define VIRQ_DM_EXTINT		7

/* ICR destination shorthands (ICR bits 19:18). */
#define VIRQ_SH_NONE		0
#define VIRQ_SH_SELF		1
#define VIRQ_SH_ALL		2
#define VIRQ_SH_ALL_BUT_SELF	3

/* A decoded interrupt message, as a LAPIC bus would carry it. */
struct virq_irq_msg {
	u32 dest;		/* destination APIC ID or logical mask */
	u8 vector;
	u8 delivery_mode;	/* VIRQ_DM_* */
	u8 shorthand;		/* VIRQ_SH_*: IPIs only */
	bool dest_logical;
	bool dest_32;		/* x2APIC format: broadcast is 0xffffffff */
	bool redir_hint;
	bool level_assert;	/* data bit 14 */
	bool trigger_level;	/* data bit 15 */
	bool rtc_track;		/* the RTC's tick: its EOIs are counted */
	struct virq_vcpu *src;	/* the sender of an IPI (shorthands) */
};

int virq_msi_decode(u32 address_lo, u32 address_hi, u32 data, bool ids32,
		    struct virq_irq_msg *msg);

/*
 * The most vCPUs one delivery may visit with interrupts off (an irqfd's
 * wake-up, under an IOAPIC's lock): as many as KVM's map fast path.
 */
#define VIRQ_ATOMIC_FANOUT	16

/* Workqueue of injections moved out of atomic context (irqfd.c). */
extern struct workqueue_struct *virq_inject_wq;

/* How a line is driven (virq_irq_line(), virq_ioapic_set_irq()). */
#define VIRQ_LINE_STATUS	0x1	/* VIRQ_IRQ_LINE_STATUS: RTC coalescing */
#define VIRQ_LINE_LOGICAL	0x2	/* 1 asserts, whatever the chip's levels */
#define VIRQ_LINE_ATOMIC	0x4	/* atomic context: -EWOULDBLOCK past the bound */

/* ---- grace periods (grace.c) ---- */

struct virq_grace_cpu {
	unsigned long lock[2];		/* read sections begun, per index */
	unsigned long unlock[2];	/* ...and ended */
};

/* Per-chip grace periods without IPIs: grace.c. */
struct virq_grace {
	struct virq_grace_cpu __percpu *c;
	unsigned long idx;		/* readers count in idx & 1 */
	struct mutex mutex;		/* serialises updaters */
};

int virq_grace_init(struct virq_grace *g);
void virq_grace_destroy(struct virq_grace *g);
void virq_grace_synchronize(struct virq_grace *g);

/* Begin a read section (any context but NMI); returns its index. */
static inline unsigned int virq_grace_read_lock(struct virq_grace *g)
{
	unsigned int idx = READ_ONCE(g->idx) & 1;

	this_cpu_inc(g->c->lock[idx]);
	smp_mb();	/* L: the count before the section's loads */
	return idx;
}

static inline void virq_grace_read_unlock(struct virq_grace *g,
					  unsigned int idx)
{
	smp_mb();	/* U: the section's loads before the count */
	this_cpu_inc(g->c->unlock[idx]);
}

/* ---- routing (routing.c) ---- */

struct virq_route {
	u32 gsi;
	u32 type;		/* VIRQ_IRQ_ROUTING_* */
	union {
		struct {
			u32 irqchip;
			u32 pin;
		} irqchip;
		struct {
			struct virq_irq_msg msg;
			bool valid;	/* address/data decoded */
		} msi;
	};
};

/*
 * An immutable routing table. entries[] is sorted by GSI and followed, in
 * the same allocation, by a u16 index[nr_gsis + 1]: the routes of GSI g
 * are entries[index[g]] .. entries[index[g + 1] - 1] for g < nr_gsis, and
 * GSIs from nr_gsis on have no route. Look routes up with
 * virq_routing_find().
 */
struct virq_routing {
	struct rcu_head rcu;
	u32 nr;
	u32 nr_gsis;
	struct virq_route entries[];
};

int virq_chip_config_check(const struct virq_chip_config *cfg);
struct virq_routing *virq_routing_build(const struct virq_chip_config *cfg,
					const struct virq_irq_routing_entry *ue,
					u32 nr);
struct virq_routing *virq_routing_default(const struct virq_chip_config *cfg);
void virq_routing_free(struct virq_routing *rt);
u32 virq_routing_find(const struct virq_routing *rt, u32 gsi,
		      const struct virq_route **first);
u32 virq_irq_lower_lost(struct virq_chip *chip, const struct virq_routing *old,
			const struct virq_routing *new, u32 gsi,
			unsigned int flags);
int virq_set_gsi_routing(struct virq_chip *chip,
			 const struct virq_irq_routing_entry *ue, u32 nr);
int virq_irq_pulse(struct virq_chip *chip, u32 gsi, unsigned int flags);
int virq_irq_line(struct virq_chip *chip, u32 gsi, u32 level,
		  unsigned int flags);

/* ---- i8259 PIC pair (i8259.c) ---- */

struct virq_i8259 {
	u8 last_irr;		/* input line levels seen last */
	u8 irr;
	u8 imr;
	u8 isr;
	u8 priority_add;	/* IR with the highest priority */
	u8 irq_base;
	u8 read_isr;
	u8 poll;
	u8 special_mask;
	u8 init_state;
	u8 auto_eoi;
	u8 rotate_on_auto_eoi;
	u8 sfnm;
	u8 init4;
	u8 elcr;
	u8 elcr_mask;
	u8 single;
	u8 ltim;
	u8 icw3;
	u8 icw4;
};

struct virq_pic {
	struct virq_chip *chip;	/* fixed */
	spinlock_t lock;	/* protects everything below */
	struct virq_i8259 dev[2];	/* 0: master, 1: slave */
	bool output;		/* master INT pin */
	struct virq_vcpu *vcpu;	/* INT goes to this vCPU (the BSP), or NULL */
	u16 acked;		/* IRs whose ISR bit an EOI/AEOI cleared (resample) */
};

void virq_pic_init(struct virq_pic *pic);
int virq_pic_set_irq(struct virq_pic *pic, unsigned int chip_no,
		     unsigned int pin, int level);
int virq_pic_intack(struct virq_pic *pic);
bool virq_pic_output(struct virq_pic *pic);
int virq_pic_read_acknowledge(struct virq_pic *pic, struct virq_vcpu *vcpu,
			      bool any);
void virq_pic_connect(struct virq_pic *pic, struct virq_vcpu *vcpu);
int virq_pic_pio(struct virq_pic *pic, u16 port, bool write, u8 *data);
bool virq_pic_claims(u16 port);
int virq_pic_get_state(struct virq_pic *pic, unsigned int chip_no,
		       struct virq_pic_state *st);
int virq_pic_set_state(struct virq_pic *pic, unsigned int chip_no,
		       const struct virq_pic_state *st);

/* ---- IOAPIC (ioapic.c) ---- */

struct virq_ioapic {
	spinlock_t lock;		/* protects the state below */
	struct virq_chip *chip;
	unsigned int index;		/* fixed: IOAPIC n of the chip */
	u32 gsi_base;			/* fixed */
	u8 version;			/* fixed: 0x11 or 0x20 */
	u64 base;			/* MMIO window (READ_ONCE outside) */
	u32 ioregsel;
	u8 id;
	u64 rte[VIRQ_IOAPIC_NUM_PINS];	/* writable bits + remote IRR */
	u32 line_level;			/* level of each pin (electrical or logical) */
	u32 eoi_deferred;		/* re-deliveries the throttle holds */
	u32 sending;			/* pins whose message send_work sends */
	u32 send_again;			/* edge pins asserted again meanwhile */
	u32 eoi_in_flight;		/* pins EOI'd while their message flew */
	u32 send_gen;			/* bumped by a restore: flights cancelled */
	bool rtc_sending;		/* the RTC tick in flight is tracked */
	u32 eoi_resampling;		/* EOI'd pins whose resamplers run */
	bool dead;			/* destroyed: queue and arm nothing */
	u8 delivered_vector[VIRQ_IOAPIC_NUM_PINS];
	u16 eoi_count[VIRQ_IOAPIC_NUM_PINS];
	struct hrtimer storm_timer;
	struct work_struct send_work;	/* messages for many vCPUs */
};

void virq_ioapic_init(struct virq_ioapic *io, struct virq_chip *chip,
		      unsigned int index);
void virq_ioapic_destroy(struct virq_ioapic *io);
void virq_ioapic_flush(struct virq_ioapic *io);
int virq_ioapic_set_irq(struct virq_ioapic *io, unsigned int pin,
			int level, unsigned int flags, struct virq_kicks *k);
void virq_ioapic_eoi_all(struct virq_chip *chip, struct virq_vcpu *vcpu,
			 u8 vector, bool level);
bool virq_ioapic_claims(struct virq_ioapic *io, u64 addr);
int virq_ioapic_mmio(struct virq_ioapic *io, u64 addr, u32 len, bool write,
		     u32 *data);
int virq_ioapic_get_state(struct virq_ioapic *io,
			  struct virq_ioapic_state *st);
int virq_ioapic_set_state(struct virq_ioapic *io,
			  const struct virq_ioapic_state *st);

/* ---- local APIC (lapic.c) and the APIC bus (bus.c) ---- */

#define VIRQ_LAPIC_NR_LVT	6
#define VIRQ_LAPIC_DEFAULT_HZ	1000000000ULL	/* 1 GHz, as KVM's bus */
#define VIRQ_LAPIC_MIN_HZ	1000ULL
#define VIRQ_LAPIC_MAX_HZ	1000000000000ULL

struct virq_lapic {
	struct virq_vcpu *vcpu;
	u64 apic_base;			/* IA32_APIC_BASE (READ_ONCE outside) */
	u8 xapic_id;			/* xAPIC ID register, bits 31:24 */
	u8 isrv;			/* highest in-service vector (racy reads) */
	u8 irr_max_pub;			/* run->irr_max as last published */
	u32 ldr, dfr, svr;
	u32 esr, esr_pending;		/* visible errors, errors since */
	u32 icr_lo, icr_hi;
	u32 lvt[VIRQ_LAPIC_NR_LVT];
	unsigned long isr[BITS_TO_LONGS(256)];
	unsigned long tmr[BITS_TO_LONGS(256)];
	bool wait_sipi;			/* in wait-for-SIPI */
	bool extint_msg;		/* an ExtINT message awaits INTA */
	u8 lint_level;			/* VMM-driven LINT0/LINT1 levels */
	u8 lint_asserted;		/* LINT inputs asserted, for edges */
	/* the timer */
	struct hrtimer timer;
	bool timer_armed;
	ktime_t timer_expires;
	u64 timer_period_ns;
	u32 timer_initial, timer_dcr, timer_div;
	u64 tsc_deadline;
	u64 timer_fired;
	u64 bus_hz, tsc_hz;
	s64 tsc_offset;
	u32 clock_flags;		/* VIRQ_CLOCK_* */
};

/* The IDs and mode a vCPU answers to, as the bus matches them. */
struct virq_apic_ids {
	bool enabled;			/* globally enabled (on the bus) */
	bool sw_enabled;		/* takes fixed interrupts (SVR bit 8) */
	bool x2apic;
	bool has_ldr;			/* a LAPIC: logical IDs exist */
	u8 dfr_model;
	u32 phys;			/* xAPIC ID, or the x2APIC ID */
	u32 ldr;
};

int virq_lapic_create(struct virq_vcpu *vcpu);
int virq_lapic_reset(struct virq_vcpu *vcpu);
void virq_lapic_free(struct virq_vcpu *vcpu);
int virq_lapic_accept_locked(struct virq_vcpu *vcpu,
			     const struct virq_irq_msg *msg, bool *map_changed);
bool virq_lapic_pending_locked(struct virq_vcpu *vcpu, bool *raised);
bool virq_lapic_extint_locked(struct virq_vcpu *vcpu);
bool virq_lapic_lint_changed_locked(struct virq_vcpu *vcpu);
int virq_lapic_take_vector_locked(struct virq_vcpu *vcpu);
int virq_lapic_ack(struct virq_vcpu *vcpu);
int virq_lapic_io(struct virq_vcpu *vcpu, struct virq_io *io);
int virq_lapic_set_lint(struct virq_vcpu *vcpu, u32 pin, u32 level);
u64 virq_lapic_base(struct virq_vcpu *vcpu);
/* The LAPIC timer's raw state (debugfs). */
struct virq_timer_info {
	bool armed, queued, host_tsc;
	u32 mode;
	s64 expires_in_ns;	/* from now; meaningful when armed */
	s64 deadline_in_tsc;	/* TSC-deadline: the deadline minus the TSC */
	u64 fired;
};

void virq_lapic_timer_info(struct virq_vcpu *vcpu, struct virq_timer_info *info);
int virq_lapic_set_clock(struct virq_vcpu *vcpu,
			 const struct virq_vcpu_clock *c);
int virq_lapic_get_state(struct virq_vcpu *vcpu,
			 struct virq_lapic_state *st);
int virq_lapic_set_state(struct virq_vcpu *vcpu,
			 const struct virq_lapic_state *st);
u32 virq_lapic_arb_priority(struct virq_vcpu *vcpu);
void virq_lapic_ids_locked(struct virq_vcpu *vcpu, struct virq_apic_ids *ids);

bool virq_msg_matches(const struct virq_apic_ids *ids,
		      const struct virq_irq_msg *msg);
bool virq_vcpu_takes(struct virq_vcpu *vcpu, const struct virq_irq_msg *msg);
bool virq_vcpu_takes_locked(struct virq_vcpu *vcpu,
			    const struct virq_irq_msg *msg);
/* The logical model a destination map serves (bus.c). */
#define VIRQ_MAP_LOGICAL_NONE		0	/* no vCPU has a logical ID */
#define VIRQ_MAP_LOGICAL_FLAT		1	/* all xAPIC, flat model */
#define VIRQ_MAP_LOGICAL_CLUSTER	2	/* all xAPIC, cluster model */
#define VIRQ_MAP_LOGICAL_X2APIC		3	/* all x2APIC, IDs < 2^20 */
#define VIRQ_MAP_LOGICAL_SCAN		4	/* match every vCPU */

void virq_apic_map_init(struct virq_chip *chip);
void virq_apic_map_update(struct virq_chip *chip);
void virq_apic_map_invalidate(struct virq_chip *chip);
void virq_apic_map_changed(struct virq_chip *chip, bool can_sleep);
int virq_apic_map_model(struct virq_chip *chip);
bool virq_apic_map_stale(struct virq_chip *chip);
void virq_apic_map_free(struct virq_chip *chip);

/* ---- statistics (stats.c) ---- */

struct virq_vcpu_counters {
	atomic64_t kicks_wake, kicks_signal, kicks_none, signals_dropped, signals;
	atomic64_t acks, eois, halts, halt_ns;
};

struct virq_gsi_counters {
	atomic64_t raised, delivered, coalesced, masked;
};

#define VIRQ_GSI_BLOCK		64	/* GSIs per lazily allocated block */

void virq_stats_line(struct virq_chip *chip, u32 gsi, int status);
int virq_stats_prepare(struct virq_chip *chip, u32 gsi);
int virq_stats_prepare_table(struct virq_chip *chip,
			     const struct virq_routing *rt);
void virq_stats_irqfd(struct virq_chip *chip);
void virq_stats_atomic_fanout(struct virq_chip *chip, u32 visited);
int virq_stats_ioctl(struct virq_chip *chip, void __user *argp);
int virq_stats_init(struct virq_chip *chip);
void virq_stats_free(struct virq_chip *chip);
u64 virq_stat_read(atomic64_t *c);
void virq_vcpu_fill_stats(struct virq_vcpu *vcpu, struct virq_vcpu_stats *o);
void virq_stats_show(struct seq_file *m, struct virq_chip *chip);

/* ---- debugfs (debugfs.c) ---- */

void virq_debugfs_chip_add(struct virq_chip *chip);
void virq_debugfs_chip_remove(struct virq_chip *chip);
void virq_debugfs_vcpu_add(struct virq_vcpu *vcpu);
int virq_debugfs_init(void);
void virq_debugfs_exit(void);

/* ---- irqfd (irqfd.c) ---- */

int virq_irqfd_ioctl(struct virq_chip *chip, void __user *argp);
void virq_irqfd_release_all(struct virq_chip *chip);
void virq_resample_ack(struct virq_chip *chip, u32 irqchip, u32 pin);
void virq_resample_rerouted(struct virq_chip *chip,
			    const struct virq_routing *old,
			    const struct virq_routing *new);
void virq_irqfd_show(struct seq_file *m, struct virq_chip *chip);
int virq_irqfd_init(void);
void virq_irqfd_exit(void);

/* ---- vCPUs (vcpu.c) ---- */

struct virq_vcpu {
	struct virq_chip *chip;
	u32 apic_id;
	u32 index;			/* slot in chip->vcpus */
	struct virq_vcpu_run *run;	/* the shared page */
	struct page *run_page;
	wait_queue_head_t wq;		/* VIRQ_VCPU_WAIT sleeps here */

	spinlock_t irq_lock;		/* protects irr, extint, apic, INTR */
	unsigned long irr[BITS_TO_LONGS(256)];	/* pending vectors (IRR) */
	bool extint;			/* PIC INT high (read racily by ACK) */
	struct virq_lapic *apic;	/* LAPIC chips only */
	u8 maxphyaddr;			/* the guest's (VIRQ_VCPU_SET_CONFIG) */
	/*
	 * Chips without LAPICs: the level vectors accepted and not yet
	 * EOI'd (the VMM's LAPIC's TMR), mirrored into run->eoi_exit.
	 */
	unsigned long eoi_level[BITS_TO_LONGS(256)];
	bool rtc_owed;			/* owes the RTC a tick's EOI... */
	u8 rtc_vector;			/* ...of this vector... */
	u64 rtc_gen;			/* ...in this generation of rtc_debt */
	struct virq_vcpu_counters stats;
	struct dentry *debugfs;

	spinlock_t sig_lock;		/* protects the registration below */
	struct task_struct *sig_task;	/* registered thread, or NULL */
	const struct cred *sig_cred;	/* its real_cred at registration */
	u64 sig_exec_id;		/* its self_exec_id at registration */
	int sig_no;
};

/*
 * The vCPUs a delivery made runnable, kicked by virq_kicks_flush() once
 * the deliverer's locks are dropped. Lives on the deliverer's stack.
 */
struct virq_kicks {
	unsigned int n;
	bool overflow;			/* more[] is in use */
	struct virq_vcpu *v[8];
	unsigned long more[BITS_TO_LONGS(VIRQ_MAX_VCPUS)]; /* by index */
};

static inline void virq_kicks_init(struct virq_kicks *k)
{
	k->n = 0;
	k->overflow = false;
}

void virq_kicks_add(struct virq_kicks *k, struct virq_vcpu *vcpu);
void virq_kicks_flush(struct virq_chip *chip, struct virq_kicks *k);

int virq_vcpu_create(struct virq_chip *chip, u32 apic_id);
struct virq_vcpu *virq_vcpu_add(struct virq_chip *chip, u32 apic_id);
void virq_vcpu_free(struct virq_vcpu *vcpu);
struct virq_vcpu *virq_vcpu_by_apic_id(struct virq_chip *chip, u32 apic_id);
void virq_vcpu_request(struct virq_vcpu *vcpu, u32 bits);
void virq_vcpu_nmi(struct virq_vcpu *vcpu);
void virq_vcpu_clear_events(struct virq_vcpu *vcpu);
void virq_vcpu_kick(struct virq_vcpu *vcpu);
bool virq_vcpu_set_extint(struct virq_vcpu *vcpu, bool level);
bool virq_vcpu_update_intr(struct virq_vcpu *vcpu);
bool virq_vcpu_rtc_eoi_locked(struct virq_vcpu *vcpu, u8 vector);
bool virq_vcpu_rtc_owes(struct virq_vcpu *vcpu);
u8 virq_vcpu_rtc_vector(struct virq_vcpu *vcpu);
/* A restored debt without a vector: owed for the chip's RTC vector. */
#define VIRQ_RTC_VECTOR_CHIP	1
void virq_rtc_vector_restored(struct virq_chip *chip);
u32 virq_rtc_pending(struct virq_chip *chip);
void virq_vcpu_rtc_owe_locked(struct virq_vcpu *vcpu, u8 vector);
int virq_vcpu_report_eoi(struct virq_vcpu *vcpu, unsigned long vector);
int virq_vcpu_set_state(struct virq_vcpu *vcpu,
			const struct virq_lapic_state *st);
void virq_vcpu_get_state(struct virq_vcpu *vcpu, struct virq_lapic_state *st);
int virq_vcpu_rtc_restore_vector(struct virq_vcpu *vcpu,
				 const struct virq_lapic_state *st);
void virq_vcpu_rtc_restore_locked(struct virq_vcpu *vcpu, u8 vector);
void virq_vcpu_rtc_forget_locked(struct virq_vcpu *vcpu);
void virq_rtc_forget_all(struct virq_chip *chip);
int virq_vcpu_accept(struct virq_vcpu *vcpu, const struct virq_irq_msg *msg,
		     bool judge, struct virq_kicks *k);
int virq_vcpu_deliver(struct virq_vcpu *vcpu, const struct virq_irq_msg *msg);
int virq_vcpu_ack(struct virq_vcpu *vcpu);
int virq_deliver_msg(struct virq_chip *chip, const struct virq_irq_msg *msg,
		     struct virq_kicks *k, unsigned long *dest_map);
int virq_deliver_msg_atomic(struct virq_chip *chip,
			    const struct virq_irq_msg *msg,
			    struct virq_kicks *k);
int virq_msi_send(struct virq_chip *chip, const struct virq_irq_msg *msg,
		  struct virq_kicks *k, bool atomic);

/* The checks every VIRQ_IO argument passes, on a chip or a vCPU fd. */
static inline bool virq_io_valid(const struct virq_io *io)
{
	return io->space <= VIRQ_IO_MSR && io->write <= 1 &&
	       !memchr_inv(io->pad, 0, sizeof(io->pad));
}

/* ---- the chip (chip.c) ---- */

struct virq_chip {
	struct kref ref;		/* chip fd + one per vCPU fd */
	u32 id;				/* module-wide, for traces and debugfs */
	struct virq_chip_config cfg;
	struct mutex lock;		/* vCPU creation, routing updates */
	struct virq_grace grace;	/* routing and resampler readers */
	struct virq_routing __rcu *routing;
	struct virq_pic *pic;		/* NULL without VIRQ_CHIP_PIC */
	struct virq_ioapic *ioapic[VIRQ_MAX_IOAPICS]; /* cfg.nr_ioapics */
	u32 nr_vcpus;			/* published with release semantics */
	struct virq_vcpu **vcpus;	/* cfg.max_vcpus slots */
	atomic64_t rtc_debt;		/* generation << 16 | vCPUs owing (vcpu.c) */
	u8 rtc_vector;			/* the last tracked tick's vector */
	struct virq_apic_map __rcu *apic_map;	/* destinations, bus.c */
	struct mutex map_lock;		/* serialises map rebuilds */
	atomic_t map_gen;		/* bumped before every ID/mode change */
	struct work_struct map_work;	/* rebuilds after atomic changes */
	atomic_t lowest_rr;		/* lowest-priority tie-break */
	/* irqfd.c */
	spinlock_t irqfd_lock;		/* irqfds, nr_irqfds, irqfds_closed */
	struct list_head irqfds;
	u32 nr_irqfds;
	bool irqfds_closed;		/* the chip fd is gone */
	struct mutex resample_lock;	/* resamplers' writers */
	struct list_head resamplers;	/* grace readers: the EOI paths */
	atomic_t nr_resamplers;
	/* stats.c */
	struct virq_gsi_counters *gsi_stats[VIRQ_NR_GSIS / VIRQ_GSI_BLOCK];
	atomic64_t irqfd_injections, msis;
	atomic64_t irqfd_deferred, fanout_deferred;
	atomic_t atomic_fanout_max;	/* most vCPUs one atomic delivery visited */
	/* debugfs.c */
	struct dentry *debugfs;
};

/*
 * The routing table, in a read section of chip->grace (or with chip->lock
 * held, for the updater).
 */
static inline struct virq_routing *virq_routing_deref(struct virq_chip *chip)
{
	return rcu_dereference_raw(chip->routing);
}

static inline bool virq_chip_has_resamplers(struct virq_chip *chip)
{
	return atomic_read(&chip->nr_resamplers) > 0;
}

void virq_chip_put(struct virq_chip *chip);
struct virq_chip *virq_chip_alloc(const struct virq_chip_config *cfg);
int virq_create_chip(const struct virq_chip_config __user *ucfg);
int virq_chip_io(struct virq_chip *chip, struct virq_io *io);
int virq_memcg_headroom(void);

static inline u32 virq_chip_nr_vcpus(struct virq_chip *chip)
{
	/* Pairs with the release in virq_vcpu_create(). */
	return smp_load_acquire(&chip->nr_vcpus);
}

/* The chip's id for tracepoints (0: a device KUnit built without one). */
static inline u32 virq_chip_id(const struct virq_chip *chip)
{
	return chip ? chip->id : 0;
}

#endif /* VIRQ_INTERNAL_H */
