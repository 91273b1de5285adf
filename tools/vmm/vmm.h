/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virq-vmm: a KVM-based VMM whose interrupt controllers are /dev/virq.
 * Shared definitions of its parts: main.c (options, VM setup, exit),
 * boot.c (multiboot v1 loader), cpu.c (the vCPU threads: KVM_RUN inside
 * virq's mode protocol), devices.c (the platform: UART, exit port, test
 * device, fw_cfg, PIT, keyboard, MSI device) and log.c (event log,
 * timeline, summary).
 */
#ifndef VIRQ_VMM_H
#define VIRQ_VMM_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <linux/kvm.h>
#include <linux/virq.h>

/* fw_cfg key of virq-vmm's features (a u32), and its bits. */
#define FWCFG_VMM_FEATURES	0x7f00
#define VMM_FEATURE_EXACT_TSC	0x1

#define VMM_MAX_CPUS	8
#define VMM_KICK_SIGNAL	(SIGRTMIN + 1)	/* like QEMU's SIG_IPI */

/* Exit statuses of the VMM itself: even, so never (v << 1) | 1. */
#define VMM_EXIT_ERROR		2	/* setup failed, bad options */
#define VMM_EXIT_CRASH		4	/* the guest crashed (shutdown, bad exit) */
#define VMM_EXIT_RESET		6	/* the guest reset the machine (INIT, 0xcf9) */
#define VMM_EXIT_POWEROFF	0	/* the guest switched it off (ACPI S5) */
#define VMM_EXIT_UNSUPPORTED	8	/* this virq lacks the chip asked for */
#define VMM_EXIT_TIMEOUT	124	/* --timeout passed */

/* Which virq chip set backs the VM. */
enum chip_kind {
	CHIP_PIC,	/* PIC pair only: one CPU, no APIC in CPUID */
	CHIP_FULL,	/* PIC + IOAPIC + a LAPIC per vCPU */
	CHIP_KVM,	/* the same machine on KVM's in-kernel irqchip */
};

/* Where a vCPU thread is. */
enum vcpu_state {
	VCPU_RUNNING,	/* runs guest code (or halts in VIRQ_VCPU_WAIT) */
	VCPU_WAIT_SIPI,	/* after INIT, or an AP before its first SIPI */
};

/* Per-vCPU counters, printed by the summary. */
struct vcpu_stats {
	uint64_t exits, exits_io, exits_mmio, exits_msr, exits_hlt;
	uint64_t exits_intr, exits_window, exits_tpr;
	uint64_t injected, nmis, inits, sipis, waits;
	uint64_t gp_injected;
	uint64_t vectors[256];
};

struct vm;

struct vcpu {
	struct vm *vm;
	int index;		/* also the APIC ID */
	int kvm_fd;		/* KVM vCPU */
	int virq_fd;		/* virq vCPU */
	struct kvm_run *kr;
	struct virq_vcpu_run *vr;
	pthread_t thread;
	enum vcpu_state state;
	bool halted;		/* guest executed HLT and was not woken yet */
	bool injected;		/* KVM_INTERRUPT since the last exit */
	struct vcpu_stats st;
};

/* Counters of a device-side interrupt source, for the summary. */
struct src_stats {
	const char *name;
	uint64_t raised, delivered, coalesced, ignored;
};

enum src_id {
	SRC_TESTDEV, SRC_TIMER, SRC_KBD, SRC_MSI, SRC_IPI, SRC_UART, SRC_RTC,
	NR_SRC
};

struct vm {
	/* options */
	int ncpus;
	uint64_t ram_size;
	const char *kernel, *cmdline, *initrd;
	enum chip_kind chip_kind;
	int verbose;		/* 0 quiet, 1 summary, 2 events, 3 every exit */
	bool timeline;		/* collect events (and virq trace) and sort */
	bool trace;		/* read virq's tracepoints into the timeline */
	int timeout;		/* seconds, 0: none */
	const char *log_path;
	const char *type_text;	/* --type: keystrokes after kbd enable */

	/* KVM and virq */
	int kvm, vm_fd, virq, chip;
	size_t run_size;
	uint8_t *ram;
	uint32_t tsc_khz;
	bool exact_tsc;		/* every vCPU's clock is VIRQ_CLOCK_HOST_TSC */
	struct vcpu *cpus[VMM_MAX_CPUS];

	/* the end */
	pthread_mutex_t exit_lock;
	volatile int exiting;	/* set once; every thread then stops */
	int exit_status;

	/* platform counters */
	uint64_t unclaimed_pio, unclaimed_mmio, unknown_msr, rejected_io;
	struct src_stats src[NR_SRC];
	pthread_mutex_t dev_lock;	/* device state below (devices.c) */
};

/* The guest has LAPICs (CPUID.APIC, x2APIC, TSC deadline; the MADT). */
static inline bool vm_has_apic(const struct vm *vm)
{
	return vm->chip_kind != CHIP_PIC;
}

/* virq's chip (not KVM's) takes the lines, the MMIO and the vCPUs. */
static inline bool vm_on_virq(const struct vm *vm)
{
	return vm->chip_kind != CHIP_KVM;
}

/* main.c */
void vm_exit(struct vm *vm, int status, const char *why);
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void die_errno(const char *what) __attribute__((noreturn));
int virq_line(struct vm *vm, enum src_id src, uint32_t gsi, int level);

/* Little-endian stores into guest RAM (the loaders and tables). */
static inline void put8(struct vm *vm, uint64_t gpa, uint8_t v)
{
	vm->ram[gpa] = v;
}

static inline void put16(struct vm *vm, uint64_t gpa, uint16_t v)
{
	memcpy(vm->ram + gpa, &v, 2);
}

static inline void put32(struct vm *vm, uint64_t gpa, uint32_t v)
{
	memcpy(vm->ram + gpa, &v, 4);
}

static inline void put64(struct vm *vm, uint64_t gpa, uint64_t v)
{
	memcpy(vm->ram + gpa, &v, 8);
}

/* boot.c, linux.c, acpi.c */
struct boot_regs {
	uint32_t eip, eax, ebx, esi;
	bool linux_entry;	/* Linux's 32-bit entry: CS 0x10, DS 0x18 */
};
uint8_t *read_file(const char *path, size_t *size);
void kernel_load(struct vm *vm, struct boot_regs *regs);
bool linux_detect(const uint8_t *img, size_t size);
void linux_load(struct vm *vm, const uint8_t *img, size_t size,
		struct boot_regs *regs);

/* ACPI (acpi.c): the tables in 0xe0000-0xeffff, the PM1 block, reset. */
#define ACPI_BASE		0xe0000u
#define ACPI_END		0xf0000u
#define ACPI_SCI_IRQ		9
#define ACPI_PM1_EVT		0x600	/* status (2 bytes), enable (2) */
#define ACPI_PM1_CNT		0x604	/* 2 bytes: SCI_EN, SLP_TYP, SLP_EN */
#define ACPI_PM_TMR		0x608	/* 24-bit, 3.579545 MHz */
#define ACPI_PM_TMR_HZ		3579545ULL
#define ACPI_SLP_TYP_S5		5	/* \_S5's SLP_TYP */
#define ACPI_RESET_PORT		0xcf9
#define ACPI_RESET_VALUE	0x06
uint32_t acpi_build(struct vm *vm);

/* cpu.c */
void *vcpu_thread(void *arg);
void vcpu_setup(struct vm *vm, struct vcpu *v, const struct boot_regs *bsp);
void vcpu_kick_all(struct vm *vm);

/* devices.c */
void devices_init(struct vm *vm);
void devices_start(struct vm *vm);
void devices_stop(struct vm *vm);
bool pio_access(struct vcpu *v, uint16_t port, int len, bool write,
		uint32_t *data);
bool mmio_access(struct vcpu *v, uint64_t addr, int len, bool write,
		 uint64_t *data);
void uart_flush(void);

/* log.c */
double now_s(void);
uint64_t now_ns(void);
void log_init(struct vm *vm);
void ev(struct vm *vm, int cpu, int level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void ev_at(struct vm *vm, uint64_t ns, int cpu, int level, const char *fmt,
	   ...) __attribute__((format(printf, 5, 6)));
void trace_start(struct vm *vm);
void trace_collect(struct vm *vm);
void log_finish(struct vm *vm);
void summary(struct vm *vm);

#endif /* VIRQ_VMM_H */
