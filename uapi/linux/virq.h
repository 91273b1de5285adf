/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * virq: x86 interrupt controllers for userspace VMMs.
 *
 * The complete userspace ABI of /dev/virq, its chip file descriptors and
 * its vCPU file descriptors. Shapes mirror KVM's (struct kvm_irq_routing,
 * struct kvm_irq_level, struct kvm_msi, struct kvm_irqchip) so that a VMM
 * written against KVM ports with a prefix change. Only fixed-size types
 * are used and every structure is padded explicitly so that 32-bit and
 * 64-bit userspace see the same layout. Documentation/api.rst describes
 * every ioctl, its arguments and its errors.
 */
#ifndef _UAPI_LINUX_VIRQ_H
#define _UAPI_LINUX_VIRQ_H

#include <linux/const.h>
#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * 2: IRQ_LINE levels are logical by default (VIRQ_CHIP_ELECTRICAL_LEVELS
 * asks for wire levels); struct virq_lint has flags; the run page counts
 * NMIs (nmi_pending). Documentation/api.rst, "API versions".
 */
#define VIRQ_API_VERSION	2

/*
 * ioctl type 0xB9 (free in Documentation/userspace-api/ioctl/ioctl-number.rst;
 * 0xAE is KVM's, 0xAF vhost's), numbers 0x80-0xBF.
 */
#define VIRQIO			0xB9

/* Limits. */
#define VIRQ_MAX_IOAPICS	8
#define VIRQ_IOAPIC_NUM_PINS	24
#define VIRQ_PIC_NUM_PINS	8
#define VIRQ_MAX_VCPUS		1024
#define VIRQ_NR_GSIS		4096	/* GSIs are 0 .. VIRQ_NR_GSIS - 1 */
#define VIRQ_MAX_ROUTES		4096	/* entries in one routing table */
#define VIRQ_MAX_IRQFDS		1024	/* irqfds bound to one chip */

/*
 * Extensions reported by VIRQ_CHECK_EXTENSION (> 0: supported, the value
 * may carry a number; 0: not supported).
 */
#define VIRQ_CAP_PIC		1	/* chips with VIRQ_CHIP_PIC */
#define VIRQ_CAP_IOAPIC		2	/* chips with VIRQ_CHIP_IOAPIC */
#define VIRQ_CAP_LAPIC		3	/* chips with VIRQ_CHIP_LAPIC */
#define VIRQ_CAP_MAX_VCPUS	4	/* returns VIRQ_MAX_VCPUS */
#define VIRQ_CAP_MAX_ROUTES	5	/* returns VIRQ_MAX_ROUTES */
#define VIRQ_CAP_NR_GSIS	6	/* returns VIRQ_NR_GSIS */
#define VIRQ_CAP_MSI_32BIT_IDS	7	/* VIRQ_CHIP_32BIT_IDS */
#define VIRQ_CAP_IRQ_ROUTING	8	/* VIRQ_SET_GSI_ROUTING */
#define VIRQ_CAP_SIGNAL_MSI	9	/* VIRQ_SIGNAL_MSI */
#define VIRQ_CAP_VCPU_RUN_PAGE	10	/* mmap of a vCPU fd */
#define VIRQ_CAP_IRQFD		11	/* VIRQ_IRQFD, returns VIRQ_MAX_IRQFDS */
#define VIRQ_CAP_IRQFD_RESAMPLE	12	/* VIRQ_IRQFD_FLAG_RESAMPLE */
#define VIRQ_CAP_STATS		13	/* VIRQ_GET_STATS, returns its version */
#define VIRQ_CAP_NMI_COUNT	14	/* run->nmi_pending, returns its limit */
#define VIRQ_CAP_VCPU_CONFIG	15	/* VIRQ_VCPU_SET/GET_CONFIG */

/* struct virq_chip_config.flags */
#define VIRQ_CHIP_PIC		0x1	/* 8259A master + slave */
#define VIRQ_CHIP_IOAPIC	0x2	/* nr_ioapics IOAPICs */
#define VIRQ_CHIP_LAPIC		0x4	/* a local APIC per vCPU */
#define VIRQ_CHIP_32BIT_IDS	0x8	/* MSI address_hi carries dest 31:8 */
/*
 * IRQ_LINE levels are logical (1 = asserted), as KVM's, unless the chip
 * is created with VIRQ_CHIP_ELECTRICAL_LEVELS (1 = the wire is high; an
 * active-low IOAPIC pin asserts at 0). LOGICAL_LEVELS names the default;
 * both together are refused. irqfds always assert logically.
 */
#define VIRQ_CHIP_LOGICAL_LEVELS 0x10
#define VIRQ_CHIP_ELECTRICAL_LEVELS 0x20

/* Argument of VIRQ_CREATE_CHIP. */
struct virq_chip_config {
	__u32 flags;
	__u32 nr_ioapics;	/* 0 without VIRQ_CHIP_IOAPIC, else 1..MAX */
	__u32 max_vcpus;	/* 1 .. VIRQ_MAX_VCPUS */
	__u32 pad;		/* must be 0 */
	/* GSI of pin 0 of each IOAPIC; [0] must be 0, unused entries 0. */
	__u32 ioapic_gsi_base[VIRQ_MAX_IOAPICS];
	/* IOAPIC version: 0 (the default, 0x20), 0x20 or 0x11; 0 without IOAPICs */
	__u32 ioapic_version;
	__u32 reserved[7];	/* must be 0 */
};

/* IOAPIC versions: 0x20 has the EOI register at +0x40, 0x11 has not. */
#define VIRQ_IOAPIC_VERSION_11	0x11
#define VIRQ_IOAPIC_VERSION_20	0x20

/*
 * IOAPIC n decodes VIRQ_IOAPIC_WINDOW bytes at its base address:
 * IOREGSEL at +0x00, IOWIN at +0x10, EOI at +0x40 (version 0x20).
 * Default bases: 0xfec00000 + n * 0x1000; VIRQ_SET_IRQCHIP relocates.
 */
#define VIRQ_IOAPIC_DEFAULT_BASE(n)	(0xfec00000ULL + (n) * 0x1000ULL)
#define VIRQ_IOAPIC_WINDOW		0x100

/* ioctls on /dev/virq */
#define VIRQ_GET_API_VERSION	_IO(VIRQIO, 0x80)
#define VIRQ_CHECK_EXTENSION	_IO(VIRQIO, 0x81)
#define VIRQ_CREATE_CHIP	_IOW(VIRQIO, 0x82, struct virq_chip_config)

/* Routing: the irqchip numbers of struct virq_irq_routing_irqchip. */
#define VIRQ_IRQCHIP_PIC_MASTER	0
#define VIRQ_IRQCHIP_PIC_SLAVE	1
#define VIRQ_IRQCHIP_IOAPIC(n)	(2 + (n))	/* IOAPIC n, 0-based */

struct virq_irq_routing_irqchip {
	__u32 irqchip;
	__u32 pin;
};

struct virq_irq_routing_msi {
	__u32 address_lo;
	__u32 address_hi;
	__u32 data;
	__u32 devid;	/* valid with VIRQ_MSI_VALID_DEVID */
};

/* struct virq_irq_routing_entry.type */
#define VIRQ_IRQ_ROUTING_IRQCHIP	1
#define VIRQ_IRQ_ROUTING_MSI		2

/* struct virq_irq_routing_entry.flags and struct virq_msi.flags */
#define VIRQ_MSI_VALID_DEVID		0x1

struct virq_irq_routing_entry {
	__u32 gsi;
	__u32 type;
	__u32 flags;
	__u32 pad;
	union {
		struct virq_irq_routing_irqchip irqchip;
		struct virq_irq_routing_msi msi;
		__u32 pad[8];
	} u;
};

struct virq_irq_routing {
	__u32 nr;
	__u32 flags;	/* must be 0 */
	struct virq_irq_routing_entry entries[];
};

/* Argument of VIRQ_IRQ_LINE and VIRQ_IRQ_LINE_STATUS. */
struct virq_irq_level {
	union {
		__u32 irq;	/* in: the GSI */
		__s32 status;	/* out (_STATUS): >0 CPUs, 0 coalesced, <0 ignored */
	};
	__u32 level;
};

/* Argument of VIRQ_SIGNAL_MSI. */
struct virq_msi {
	__u32 address_lo;
	__u32 address_hi;
	__u32 data;
	__u32 flags;
	__u32 devid;
	__s32 status;	/* out: as VIRQ_IRQ_LINE_STATUS (>0, 0, -1) */
	__u8 pad[8];
};

/* VIRQ_IO: forwarded register access. */
#define VIRQ_IO_PIO	0
#define VIRQ_IO_MMIO	1
#define VIRQ_IO_MSR	2

/* struct virq_io.fault: what the guest's access raised (out). */
#define VIRQ_IO_FAULT_NONE	0
#define VIRQ_IO_FAULT_GP	1	/* inject #GP(0) */

struct virq_io {
	__u32 space;	/* VIRQ_IO_* */
	__u32 len;	/* bytes: 1, 2, 4 or 8 */
	__u64 addr;	/* port, guest-physical address or MSR index */
	__u64 data;	/* in for a write, out for a read */
	__u8 write;	/* 1: write, 0: read */
	__u8 fault;	/* out: VIRQ_IO_FAULT_*; its value on entry is ignored */
	__u8 pad[6];	/* must be 0 */
};

/*
 * Interrupt controller state (VIRQ_GET/SET_IRQCHIP). The PIC part keeps
 * KVM's 16-byte struct kvm_pic_state layout and adds the ICW1/ICW4 bits
 * KVM does not keep in the bytes after it.
 */
#define VIRQ_PIC_STATE_KVM_SIZE	16

struct virq_pic_state {
	/* struct kvm_pic_state */
	__u8 last_irr;		/* edge detector: line levels seen last */
	__u8 irr;		/* interrupt request register */
	__u8 imr;		/* interrupt mask register */
	__u8 isr;		/* in-service register */
	__u8 priority_add;	/* IR with the highest priority */
	__u8 irq_base;		/* ICW2: vector of IR0 */
	__u8 read_reg_select;	/* OCW3: 0 reads IRR, 1 reads ISR */
	__u8 poll;		/* OCW3 poll command pending */
	__u8 special_mask;	/* OCW3 special mask mode */
	__u8 init_state;	/* 0 ready, 1..3 waiting for ICW2..ICW4 */
	__u8 auto_eoi;		/* ICW4 AEOI */
	__u8 rotate_on_auto_eoi;/* OCW2 rotate in AEOI mode */
	__u8 special_fully_nested_mode; /* ICW4 SFNM */
	__u8 init4;		/* ICW1 IC4: ICW4 expected */
	__u8 elcr;		/* edge/level control (1: level) */
	__u8 elcr_mask;		/* ELCR bits that may be set */
	/*
	 * virq additions. With ext == 0 (KVM-format state) SET_IRQCHIP
	 * takes the PC defaults: cascade mode, ICW3 0x04 / 0x02, ICW4 from
	 * auto_eoi and special_fully_nested_mode with uPM set.
	 */
	__u8 ext;		/* 1: the fields below are valid */
	__u8 single;		/* ICW1 SNGL: no cascade, no ICW3 */
	__u8 ltim;		/* ICW1 LTIM: all inputs level triggered */
	__u8 icw3;		/* ICW3 as written */
	__u8 icw4;		/* ICW4 as written (uPM, BUF, M/S kept) */
	__u8 pad[11];		/* must be 0 */
};

/*
 * IOAPIC state. The first 216 bytes are KVM's struct kvm_ioapic_state
 * (id is the 4-bit ID, irr the pins requesting service); the rest is what
 * KVM does not keep, valid when flags has VIRQ_IOAPIC_STATE_EXT.
 */
#define VIRQ_IOAPIC_STATE_EXT	0x1
/* With EXT: line_level holds wire levels (VIRQ_CHIP_ELECTRICAL_LEVELS). */
#define VIRQ_IOAPIC_STATE_WIRE_LEVELS	0x2

struct virq_ioapic_state {
	/* struct kvm_ioapic_state */
	__u64 base_address;
	__u32 ioregsel;
	__u32 id;
	__u32 irr;
	__u32 pad;
	__u64 redirtbl[VIRQ_IOAPIC_NUM_PINS];
	/* virq additions */
	__u32 flags;		/* VIRQ_IOAPIC_STATE_EXT */
	__u32 version;		/* 0x11 or 0x20: must be the chip's */
	__u32 line_level;	/* level of each pin (wire's: WIRE_LEVELS) */
	__u32 eoi_deferred;	/* re-deliveries the EOI-storm throttle holds */
	/*
	 * The vector remote IRR waits for; for IOAPIC 0 pin 8 also the RTC
	 * tick's vector whose EOIs are counted (the vCPUs' debts are in
	 * their GET_LAPIC state, VIRQ_LAPIC_STATE_RTC_OWED).
	 */
	__u8 delivered_vector[VIRQ_IOAPIC_NUM_PINS];
	__u16 eoi_count[VIRQ_IOAPIC_NUM_PINS]; /* successive asserted EOIs */
};

/* Redirection table entry bits (82093AA). */
#define VIRQ_IOAPIC_RTE_VECTOR		0xffULL
#define VIRQ_IOAPIC_RTE_DM_SHIFT	8
#define VIRQ_IOAPIC_RTE_DEST_LOGICAL	_BITULL(11)
#define VIRQ_IOAPIC_RTE_DELIVS		_BITULL(12)	/* read-only */
#define VIRQ_IOAPIC_RTE_ACTIVE_LOW	_BITULL(13)
#define VIRQ_IOAPIC_RTE_REMOTE_IRR	_BITULL(14)	/* read-only */
#define VIRQ_IOAPIC_RTE_LEVEL		_BITULL(15)
#define VIRQ_IOAPIC_RTE_MASKED		_BITULL(16)
#define VIRQ_IOAPIC_RTE_DEST_SHIFT	56

#define VIRQ_IRQCHIP_STATE_PIC_MASTER	0
#define VIRQ_IRQCHIP_STATE_PIC_SLAVE	1
#define VIRQ_IRQCHIP_STATE_IOAPIC(n)	(2 + (n))	/* as KVM's 2 for n = 0 */

struct virq_irqchip {
	__u32 chip_id;
	__u32 pad;	/* must be 0 */
	union {
		struct virq_pic_state pic;
		struct virq_ioapic_state ioapic;
		__u8 dummy[512];
	} chip;
};

/* Argument of VIRQ_IRQFD (KVM's struct kvm_irqfd). */
#define VIRQ_IRQFD_FLAG_DEASSIGN	0x1
#define VIRQ_IRQFD_FLAG_RESAMPLE	0x2

struct virq_irqfd_args {
	__u32 fd;		/* the eventfd */
	__u32 gsi;
	__u32 flags;		/* VIRQ_IRQFD_FLAG_* */
	__u32 resamplefd;	/* with RESAMPLE: the eventfd EOIs signal */
	__u8 pad[16];		/* must be 0 */
};

/*
 * VIRQ_GET_STATS: statistics in a versioned binary layout. The caller
 * passes a buffer; the kernel writes a header, then nr_vcpus vCPU
 * records, then nr_gsis GSI records (the GSIs with any count), each of the
 * size the header gives (newer versions only append fields). If the buffer
 * is too small, -ENOSPC and size holds the bytes needed.
 */
#define VIRQ_STATS_VERSION	3

struct virq_stats_args {
	__u64 buf;		/* user pointer */
	__u32 size;		/* in: buffer bytes; out: bytes written/needed */
	__u32 flags;		/* must be 0 */
};

struct virq_stats_header {
	__u32 version;		/* VIRQ_STATS_VERSION */
	__u32 header_size;
	__u32 chip_id;		/* in tracepoints and /sys/kernel/debug/virq/ */
	__u32 nr_vcpus;
	__u32 vcpu_size;	/* bytes of each struct virq_vcpu_stats */
	__u32 nr_gsis;
	__u32 gsi_size;		/* bytes of each struct virq_gsi_stats */
	__u32 pad;
	__u64 irqfd_injections;
	__u64 msis;		/* VIRQ_SIGNAL_MSI calls */
	/* version 3: work bounded in atomic context (api.rst, "irqfd") */
	__u64 irqfd_deferred;	/* irqfd injections handed to a work item */
	__u64 fanout_deferred;	/* IOAPIC messages a work item sent */
	__u64 atomic_fanout_max; /* most vCPUs one atomic delivery visited */
};

struct virq_vcpu_stats {
	__u32 apic_id;
	__u32 pad;
	__u64 kicks_wake;	/* kicks that woke VIRQ_VCPU_WAIT */
	__u64 kicks_signal;	/* kicks that found the thread in guest code */
	__u64 kicks_none;	/* kicks that found the thread outside guest code */
	__u64 signals_dropped;	/* registrations dropped at a kick (exec...) */
	__u64 acks;		/* vectors acknowledged */
	__u64 eois;		/* EOIs of an in-service vector */
	__u64 halts;		/* VIRQ_VCPU_WAIT calls that slept */
	__u64 halt_ns;		/* time spent asleep in them */
	__u64 signals;		/* signals sent to the registered thread */
};

struct virq_gsi_stats {
	__u32 gsi;
	__u32 pad;
	__u64 raised;		/* VIRQ_IRQ_LINE(_STATUS) / irqfd raises */
	__u64 delivered;	/* raises with status > 0 */
	__u64 coalesced;	/* raises with status 0 */
	__u64 masked;		/* raises with status < 0 */
};

/* ioctls on a chip fd */
#define VIRQ_SET_GSI_ROUTING	_IOW(VIRQIO, 0x90, struct virq_irq_routing)
#define VIRQ_IRQ_LINE		_IOW(VIRQIO, 0x91, struct virq_irq_level)
#define VIRQ_IRQ_LINE_STATUS	_IOWR(VIRQIO, 0x92, struct virq_irq_level)
#define VIRQ_SIGNAL_MSI		_IOWR(VIRQIO, 0x93, struct virq_msi)
#define VIRQ_CREATE_VCPU	_IO(VIRQIO, 0x94)	/* arg: APIC ID */
#define VIRQ_IO			_IOWR(VIRQIO, 0x95, struct virq_io)
#define VIRQ_GET_IRQCHIP	_IOWR(VIRQIO, 0x96, struct virq_irqchip)
#define VIRQ_SET_IRQCHIP	_IOW(VIRQIO, 0x97, struct virq_irqchip)
#define VIRQ_GET_CHIP_CONFIG	_IOR(VIRQIO, 0x98, struct virq_chip_config)
#define VIRQ_IRQFD		_IOW(VIRQIO, 0x99, struct virq_irqfd_args)
#define VIRQ_GET_STATS		_IOWR(VIRQIO, 0x9a, struct virq_stats_args)
#define VIRQ_NOP		_IO(VIRQIO, 0x9f)	/* does nothing: a baseline */

/*
 * The vCPU run page: mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
 * vcpu_fd, 0). See Documentation/delivery.rst for the protocol.
 */

/* requests: set by the kernel; INTR is also cleared by the kernel. */
#define VIRQ_REQ_INTR		0x1	/* an interrupt awaits VIRQ_VCPU_ACK */
#define VIRQ_REQ_NMI		0x2
#define VIRQ_REQ_SMI		0x4
#define VIRQ_REQ_INIT		0x8
#define VIRQ_REQ_SIPI		0x10	/* vector in sipi_vector */
#define VIRQ_REQ_EXTINT		0x20	/* INTR comes from the PIC */
#define VIRQ_REQ_EVENT		0x40	/* re-evaluate interrupt state */
/* requests that end VIRQ_VCPU_WAIT */
#define VIRQ_REQ_WAKE_MASK	(VIRQ_REQ_INTR | VIRQ_REQ_NMI | VIRQ_REQ_SMI | \
				 VIRQ_REQ_INIT | VIRQ_REQ_SIPI | VIRQ_REQ_EVENT)

/* mode */
#define VIRQ_MODE_OUTSIDE	0	/* VMM code, not guest code */
#define VIRQ_MODE_IN_GUEST	1	/* running guest code: kick = signal */
#define VIRQ_MODE_EXITING	2	/* a kick signalled this run */
#define VIRQ_MODE_HALTED	3	/* in VIRQ_VCPU_WAIT (kernel-written) */

struct virq_vcpu_run {
	__u32 requests;		/* VIRQ_REQ_*: atomic access only */
	__u32 mode;		/* VIRQ_MODE_*: atomic access only */
	__u32 sipi_vector;	/* valid while VIRQ_REQ_SIPI is set */
	__u32 apic_id;		/* this vCPU's APIC ID (read-only) */
	/* counters, written by the kernel */
	__u64 requests_made;	/* interrupt requests raised */
	__u64 kicks;		/* kicks attempted */
	__u64 signals;		/* kicks that sent the signal */
	__u64 wakeups;		/* kicks that woke VIRQ_VCPU_WAIT */
	__u64 acks;		/* vectors returned by VIRQ_VCPU_ACK */
	/*
	 * LAPIC chips: the task priority register. The VMM writes it when
	 * its view changes (CR8 << 4 after a KVM exit); the guest's TPR
	 * writes through VIRQ_IO change it too. The kernel reads it when it
	 * computes PPR (ACK, WAIT, INTR).
	 */
	__u32 tpr;
	/*
	 * LAPIC chips, written by the kernel: the highest pending vector
	 * that the in-service register does not block (0: none). INTR says
	 * whether it beats TPR as the kernel last saw TPR; after lowering
	 * tpr, a VMM compares (irr_max >> 4) > (tpr >> 4) itself, with a
	 * full barrier between its tpr store and this load (lapic.rst).
	 */
	__u32 irr_max;
	/*
	 * Chips without LAPICs, written by the kernel: the vectors whose EOI
	 * this vCPU's LAPIC (the VMM's) must report with VIRQ_VCPU_EOI: the
	 * level-triggered vectors it accepted and has not EOI'd, and the
	 * RTC's tick while it owes that EOI. Set before INTR.
	 */
	__u64 eoi_exit[4];
	/*
	 * NMIs received and not yet taken, at most VIRQ_NMI_PENDING_MAX
	 * (SDM 6.7.1: one NMI handled, one latched). The kernel increments
	 * it and then sets VIRQ_REQ_NMI; the VMM clears VIRQ_REQ_NMI, then
	 * takes them with an exchange with 0, or one per injection with a
	 * compare-and-exchange of a non-zero count (delivery.rst, "NMIs").
	 */
	__u32 nmi_pending;
	__u32 pad;
};

#define VIRQ_NMI_PENDING_MAX	2

struct virq_vcpu_signal {
	__u32 signo;	/* 0: no signal kicks */
	__u32 flags;	/* must be 0 */
};

/* struct virq_vcpu_wait.flags */
#define VIRQ_WAIT_ACK		0x1	/* acknowledge on wake-up */
#define VIRQ_WAIT_IGNORE_INTR	0x2	/* INTR does not wake (IF=0, wait-for-SIPI) */

/*
 * Return value of VIRQ_VCPU_WAIT with VIRQ_WAIT_ACK when it woke for a
 * request that is not an interrupt (vectors are 0-255).
 */
#define VIRQ_WAIT_NO_VECTOR	256

struct virq_vcpu_wait {
	__s64 timeout_ns;	/* < 0: no timeout; 0: poll once */
	__u32 flags;		/* VIRQ_WAIT_* */
	__u32 pad;		/* must be 0 */
};

/* Argument of VIRQ_VCPU_LINT: drive a LAPIC's LINT0 or LINT1 input. */
struct virq_lint {
	__u32 pin;	/* 0 or 1 */
	__u32 level;	/* 0 or 1 */
	__u32 flags;	/* must be 0 */
	__u32 pad;	/* must be 0 */
};

/*
 * Argument of VIRQ_VCPU_SET_CONFIG / VIRQ_VCPU_GET_CONFIG: what the vCPU
 * is, as the VMM's CPUID describes it to the guest.
 */
struct virq_vcpu_config {
	__u32 flags;		/* must be 0 */
	__u32 maxphyaddr;	/* CPUID.80000008H:EAX[7:0]: 32..52 (default 36) */
	__u64 reserved[3];	/* must be 0 */
};

#define VIRQ_MAXPHYADDR_DEFAULT	36

/*
 * Argument of VIRQ_VCPU_SET_CLOCK: the clocks of a vCPU's LAPIC timer.
 * The guest's TSC reads tsc_offset + CLOCK_MONOTONIC (ns) * tsc_hz / 1e9;
 * with VIRQ_CLOCK_HOST_TSC (x86 hosts with a reliable TSC), it reads the
 * host's TSC + tsc_offset, as a KVM guest's does without TSC scaling
 * (KVM_VCPU_TSC_OFFSET): then virq's view of the guest's TSC is exact,
 * and a deadline the guest computed from a TSC it just read is never in
 * virq's future. tsc_hz converts TSC ticks to time in both modes.
 */
#define VIRQ_CLOCK_HOST_TSC	0x1

struct virq_vcpu_clock {
	__u64 bus_hz;		/* APIC timer input before the divider */
	__u64 tsc_hz;		/* guest TSC frequency (TSC-deadline mode) */
	__s64 tsc_offset;	/* guest TSC at CLOCK_MONOTONIC 0, or host TSC 0 */
	__u32 flags;		/* VIRQ_CLOCK_* */
	__u32 pad;		/* must be 0 */
	__u64 reserved[2];	/* must be 0 */
};

/*
 * LAPIC state. regs is KVM's struct kvm_lapic_state: the 4 KiB register
 * page's first 1 KiB, each 32-bit register at its xAPIC offset (x2APIC:
 * ICR high at 0x310, as KVM keeps it).
 */
#define VIRQ_APIC_REG_SIZE	1024

struct virq_lapic_state {
	__u8 regs[VIRQ_APIC_REG_SIZE];
	__u64 apic_base;	/* IA32_APIC_BASE */
	__u64 tsc_deadline;	/* IA32_TSC_DEADLINE, 0 when disarmed */
	__u32 flags;		/* VIRQ_LAPIC_STATE_* */
	__u32 lint_level;	/* bit 0: LINT0 high, bit 1: LINT1 high (VMM) */
	__u32 esr_pending;	/* errors since the last ESR write */
	__u32 rtc_vector;	/* with _RTC_OWED: the vector owed (0: the RTC's) */
	__u64 reserved[4];	/* must be 0 */
};

#define VIRQ_LAPIC_STATE_WAIT_SIPI	0x1	/* in wait-for-SIPI */
#define VIRQ_LAPIC_STATE_EXTINT		0x2	/* an ExtINT message waits */
#define VIRQ_LAPIC_STATE_RTC_OWED	0x4	/* owes the RTC tick's EOI */

/* ioctls on a vCPU fd */
#define VIRQ_VCPU_SET_SIGNAL	_IOW(VIRQIO, 0xa0, struct virq_vcpu_signal)
#define VIRQ_VCPU_WAIT		_IOW(VIRQIO, 0xa1, struct virq_vcpu_wait)
#define VIRQ_VCPU_ACK		_IO(VIRQIO, 0xa2)	/* arg: 0 */
#define VIRQ_VCPU_KICK		_IO(VIRQIO, 0xa3)	/* arg: 0 */
#define VIRQ_VCPU_EOI		_IO(VIRQIO, 0xa4)	/* arg: vector */
#define VIRQ_GET_LAPIC		_IOR(VIRQIO, 0xa5, struct virq_lapic_state)
#define VIRQ_SET_LAPIC		_IOW(VIRQIO, 0xa6, struct virq_lapic_state)
#define VIRQ_VCPU_NMI		_IO(VIRQIO, 0xa7)
#define VIRQ_VCPU_LINT		_IOW(VIRQIO, 0xa8, struct virq_lint)
#define VIRQ_VCPU_SET_CLOCK	_IOW(VIRQIO, 0xa9, struct virq_vcpu_clock)
#define VIRQ_VCPU_RESET		_IO(VIRQIO, 0xaa)	/* arg: 0 */
#define VIRQ_VCPU_SET_CONFIG	_IOW(VIRQIO, 0xab, struct virq_vcpu_config)
#define VIRQ_VCPU_GET_CONFIG	_IOR(VIRQIO, 0xac, struct virq_vcpu_config)

#endif /* _UAPI_LINUX_VIRQ_H */
