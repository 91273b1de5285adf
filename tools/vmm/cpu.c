// SPDX-License-Identifier: GPL-2.0
/*
 * virq-vmm: the vCPU threads. Each guest CPU is one KVM vCPU (created
 * without an in-kernel irqchip) and one virq vCPU with the same index,
 * which is also its APIC ID. The thread runs KVM_RUN inside virq's mode
 * protocol (Documentation/delivery.rst):
 *
 *   handle requests (INIT, SIPI, NMI, EVENT)
 *   interrupt pending and the guest can take one?  VIRQ_VCPU_ACK and
 *       KVM_INTERRUPT; else ask KVM for an interrupt window
 *   kvm_run->cr8 = TPR >> 4
 *   xchg(mode, IN_GUEST); a request that appeared meanwhile? go round
 *   KVM_RUN  (the kick signal is blocked outside, unblocked inside)
 *   mode = OUTSIDE; TPR = cr8 << 4 if the guest changed CR8
 *   handle the exit: port I/O, MMIO and the LAPIC's MSRs go to VIRQ_IO on
 *       this vCPU's fd (what nobody claims goes to the platform), HLT
 *       becomes VIRQ_VCPU_WAIT
 *
 * APs start in wait-for-SIPI: their threads run no guest code until a
 * SIPI request arrives, then enter real mode at CS = vector << 8, IP = 0.
 * With --chip kvm the vCPU is KVM's alone: its LAPIC, HLT, INIT and SIPI
 * are in KVM, and the thread only runs KVM_RUN and answers the platform's
 * exits (kvm_chip_loop()).
 *
 * Locks: none of its own; every field of struct vcpu is the thread's own
 * (the summary reads them after the threads are joined).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <asm/kvm_para.h>

#include "vmm.h"

#define MSR_IA32_TSC		0x10
#define MSR_IA32_APICBASE	0x1b
#define MSR_IA32_TSC_DEADLINE	0x6e0
#define APIC_BUS_HZ		100000000ULL	/* the LAPIC timer's input */

/* Requests handled as events: each is consumed by clearing it. */
#define EVENT_REQS	(VIRQ_REQ_NMI | VIRQ_REQ_SMI | VIRQ_REQ_INIT | \
			 VIRQ_REQ_SIPI | VIRQ_REQ_EVENT)

static uint32_t reqs(struct vcpu *v)
{
	return __atomic_load_n(&v->vr->requests, __ATOMIC_SEQ_CST);
}

static void req_clear(struct vcpu *v, uint32_t bits)
{
	__atomic_and_fetch(&v->vr->requests, ~bits, __ATOMIC_SEQ_CST);
}

/* virq's LAPIC (not KVM's) backs this vCPU. */
static bool has_lapic(struct vcpu *v)
{
	return v->vm->chip_kind == CHIP_FULL;
}

/* ---- setup ---- */

static void set_cpuid(struct vm *vm, struct vcpu *v)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[128];
	} cp = { .c.nent = 128 - 3 };
	struct kvm_cpuid_entry2 *e = cp.c.entries;
	uint32_t i, n = 0, shift = 0;

	if (ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, &cp))
		die_errno("KVM_GET_SUPPORTED_CPUID");
	while ((1u << shift) < (uint32_t)vm->ncpus)
		shift++;
	for (i = 0; i < cp.c.nent; i++) {
		struct kvm_cpuid_entry2 x = e[i];

		switch (x.function) {
		case 0:
			if (x.eax < 0xb)
				x.eax = 0xb;
			break;
		case 1:
			/* APIC ID, logical processor count, HTT. */
			x.ebx = (x.ebx & 0xffff) | (vm->ncpus << 16) |
				((uint32_t)v->index << 24);
			x.edx = vm->ncpus > 1 ? x.edx | (1u << 28) :
						x.edx & ~(1u << 28);
			if (vm_has_apic(vm)) {
				x.edx |= 1u << 9;		/* APIC */
				x.ecx |= (1u << 21) | (1u << 24); /* x2APIC, TSC-deadline */
			} else {
				x.edx &= ~(1u << 9);
				x.ecx &= ~((1u << 21) | (1u << 24));
			}
			x.ecx |= 1u << 31;			/* hypervisor */
			x.ecx &= ~(1u << 5);			/* VMX: no nesting */
			break;
		case 0xb:
		case 0x1f:
			continue;	/* replaced below */
		case 0x80000001:
			x.ecx &= ~(1u << 1);	/* CmpLegacy: we count by 0xb */
			x.ecx &= ~(1u << 2);	/* SVM: no nested guests */
			break;
		case 0x8000000a:
			continue;		/* SVM's leaf goes with it */
		case KVM_CPUID_FEATURES:
			/*
			 * KVM's paravirtual features that act on its own
			 * in-kernel LAPIC, which this VM does not have: EOIs
			 * written to memory, kicks and IPIs by hypercall,
			 * yield to an APIC ID, async page faults (KVM
			 * refuses to enable them without its LAPIC: older
			 * Linux guests would take a #GP); and destination
			 * bits in MSI address bits 11:4, which virq refuses.
			 */
			x.eax &= ~((1u << KVM_FEATURE_ASYNC_PF) |
				   (1u << KVM_FEATURE_ASYNC_PF_VMEXIT) |
				   (1u << KVM_FEATURE_PV_EOI) |
				   (1u << KVM_FEATURE_PV_UNHALT) |
				   (1u << KVM_FEATURE_PV_SEND_IPI) |
				   (1u << KVM_FEATURE_PV_SCHED_YIELD) |
				   (1u << KVM_FEATURE_ASYNC_PF_INT) |
				   (1u << KVM_FEATURE_MSI_EXT_DEST_ID));
			break;
		}
		e[n++] = x;
	}
	/* Leaf 0xB: one thread per core, ncpus cores; EDX the x2APIC ID. */
	for (i = 0; i < 3; i++) {
		struct kvm_cpuid_entry2 x = {
			.function = 0xb, .index = i,
			.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
			.edx = v->index,
		};

		if (i == 0) {
			x.eax = 0;
			x.ebx = 1;
			x.ecx = (1 << 8) | 0;		/* SMT */
		} else if (i == 1) {
			x.eax = shift;
			x.ebx = vm->ncpus;
			x.ecx = (2 << 8) | 1;		/* core */
		} else {
			x.ecx = 2;			/* invalid level */
		}
		e[n++] = x;
	}
	cp.c.nent = n;
	if (ioctl(v->kvm_fd, KVM_SET_CPUID2, &cp))
		die_errno("KVM_SET_CPUID2");
	/* A PV MSR or hypercall the leaf does not offer faults in the guest. */
	{
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID, .args = { 1 },
		};

		if (ioctl(v->kvm_fd, KVM_ENABLE_CAP, &cap))
			die_errno("KVM_ENABLE_CAP(ENFORCE_PV_FEATURE_CPUID)");
	}
}

static void seg(struct kvm_segment *s, uint64_t base, uint32_t limit,
		uint16_t sel, uint8_t type, bool big)
{
	memset(s, 0, sizeof(*s));
	s->base = base;
	s->limit = limit;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->db = big;
	s->g = big;
}

/*
 * Multiboot's and Linux's 32-bit entry state: protected mode, flat
 * segments, no paging, interrupts off.
 */
static void enter_protected(struct vcpu *v, const struct boot_regs *b)
{
	struct kvm_sregs s;
	struct kvm_regs r = { 0 };

	if (ioctl(v->kvm_fd, KVM_GET_SREGS, &s))
		die_errno("KVM_GET_SREGS");
	/* Linux's boot protocol names __BOOT_CS and __BOOT_DS. */
	seg(&s.cs, 0, 0xffffffff, b->linux_entry ? 0x10 : 0x08, 0xb, true);
	seg(&s.ds, 0, 0xffffffff, b->linux_entry ? 0x18 : 0x10, 0x3, true);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.tr.type = 0xb;
	s.tr.present = 1;
	s.tr.limit = 0x67;
	s.ldt.type = 2;
	s.ldt.present = 1;
	s.ldt.limit = 0xffff;
	s.gdt.base = 0;
	s.gdt.limit = 0xffff;
	s.idt.base = 0;
	s.idt.limit = 0xffff;
	s.cr0 = 0x11;		/* PE, ET */
	s.cr3 = s.cr4 = s.efer = 0;
	/*
	 * KVM derives CPUID.1:EDX.APIC from its own IA32_APIC_BASE: without
	 * LAPICs, disable it there so the guest sees no APIC.
	 */
	if (!vm_has_apic(v->vm))
		s.apic_base = 0;
	if (ioctl(v->kvm_fd, KVM_SET_SREGS, &s))
		die_errno("KVM_SET_SREGS");
	r.rip = b->eip;
	r.rax = b->eax;
	r.rbx = b->ebx;
	r.rsi = b->esi;
	r.rflags = 0x2;
	if (ioctl(v->kvm_fd, KVM_SET_REGS, &r))
		die_errno("KVM_SET_REGS");
}

/*
 * Start an AP at its SIPI: real mode, CS = vector << 8 (base vector <<
 * 12), IP = 0, the rest as after INIT. Events KVM still holds (a queued
 * interrupt, an NMI) belong to the life before INIT: drop them.
 */
static void enter_sipi(struct vcpu *v, uint8_t vector)
{
	struct kvm_vcpu_events evs = { 0 };
	struct kvm_sregs s;
	struct kvm_regs r = { 0 };

	if (ioctl(v->kvm_fd, KVM_GET_SREGS, &s))
		die_errno("KVM_GET_SREGS");
	seg(&s.cs, (uint32_t)vector << 12, 0xffff, (uint16_t)vector << 8, 0xb,
	    false);
	seg(&s.ds, 0, 0xffff, 0, 0x3, false);
	s.es = s.fs = s.gs = s.ss = s.ds;
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.type = 0xb;
	s.tr.present = 1;
	s.tr.limit = 0xffff;
	memset(&s.ldt, 0, sizeof(s.ldt));
	s.ldt.type = 2;
	s.ldt.present = 1;
	s.ldt.limit = 0xffff;
	s.gdt.base = 0;
	s.gdt.limit = 0xffff;
	s.idt.base = 0;
	s.idt.limit = 0xffff;
	s.cr0 = 0x60000010;	/* CD, NW, ET: the INIT value */
	s.cr2 = s.cr3 = s.cr4 = s.efer = 0;
	memset(s.interrupt_bitmap, 0, sizeof(s.interrupt_bitmap));
	if (ioctl(v->kvm_fd, KVM_SET_SREGS, &s))
		die_errno("KVM_SET_SREGS");
	r.rip = 0;
	r.rflags = 0x2;
	r.rdx = 0x600;		/* family 6: what DX holds after INIT */
	if (ioctl(v->kvm_fd, KVM_SET_REGS, &r))
		die_errno("KVM_SET_REGS");
	if (ioctl(v->kvm_fd, KVM_SET_VCPU_EVENTS, &evs))
		die_errno("KVM_SET_VCPU_EVENTS");
	v->injected = false;
	v->halted = false;
}

static uint64_t host_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/*
 * The exact clock: KVM's guest TSC is the host's TSC plus KVM's offset
 * when KVM does not scale it. Returns true if virq now reads the guest's
 * TSC exactly that way (VIRQ_CLOCK_HOST_TSC): a deadline the guest
 * computes from a TSC it just read is then never in virq's future.
 */
static bool set_clock_host_tsc(struct vm *vm, struct vcpu *v)
{
	struct {
		struct kvm_msrs m;
		struct kvm_msr_entry e;
	} msrs = { .m.nmsrs = 1, .e.index = MSR_IA32_TSC };
	struct virq_vcpu_clock c = { .bus_hz = APIC_BUS_HZ,
				     .flags = VIRQ_CLOCK_HOST_TSC };
	uint64_t off = 0, before, after, host;
	struct kvm_device_attr attr = {
		.group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET,
		.addr = (uintptr_t)&off,
	};

	if (ioctl(v->kvm_fd, KVM_GET_DEVICE_ATTR, &attr))
		return false;		/* KVM before 5.16 */
	before = host_rdtsc();
	if (ioctl(v->kvm_fd, KVM_GET_MSRS, &msrs) != 1)
		die_errno("KVM_GET_MSRS(IA32_TSC)");
	after = host_rdtsc();
	host = msrs.e.data - off;
	if (host < before || host > after)
		return false;		/* scaled: not host TSC + offset */
	c.tsc_hz = (uint64_t)vm->tsc_khz * 1000;
	c.tsc_offset = (int64_t)off;
	if (ioctl(v->virq_fd, VIRQ_VCPU_SET_CLOCK, &c))
		return false;		/* the host's TSC is not reliable */
	ev(vm, v->index, 2, "guest TSC = host TSC + %#llx (exact clock)",
	   (unsigned long long)off);
	return true;
}

/*
 * Tell virq the clocks of this vCPU's LAPIC timer: the bus frequency and
 * the guest TSC, exactly (set_clock_host_tsc()) or else as a function of
 * CLOCK_MONOTONIC. Then the guest TSC is read from KVM; the sample is
 * taken so that any error makes virq's idea of the guest TSC lag (a
 * deadline then fires late, never early).
 */
static void set_clock(struct vm *vm, struct vcpu *v)
{
	struct {
		struct kvm_msrs m;
		struct kvm_msr_entry e;
	} msrs = { .m.nmsrs = 1, .e.index = MSR_IA32_TSC };
	struct virq_vcpu_clock c = { .bus_hz = APIC_BUS_HZ };
	static bool checked;
	uint64_t t, first;

	if (ioctl(v->kvm_fd, KVM_GET_MSRS, &msrs) != 1)
		die_errno("KVM_GET_MSRS(IA32_TSC)");
	/*
	 * Once: KVM's view of the guest TSC must move. Linux 6.12 leaves a
	 * vCPU's TSC multiplier at 0 when the host's TSC rate changed by
	 * more than kvm.tsc_tolerance_ppm after KVM loaded ("user requested
	 * TSC rate below hardware speed"): IA32_TSC then reads a constant
	 * while the guest's RDTSC runs, and every deadline would be placed
	 * wrongly. Say so instead of letting the guest hang.
	 */
	if (!__atomic_exchange_n(&checked, true, __ATOMIC_RELAXED)) {
		first = msrs.e.data;
		usleep(2000);
		if (ioctl(v->kvm_fd, KVM_GET_MSRS, &msrs) != 1)
			die_errno("KVM_GET_MSRS(IA32_TSC)");
		if (msrs.e.data == first)
			die("KVM's IA32_TSC does not advance (its TSC multiplier "
			    "is 0; see dmesg for \"TSC rate below hardware "
			    "speed\"): boot the host with a larger "
			    "kvm.tsc_tolerance_ppm");
	}
	if (set_clock_host_tsc(vm, v)) {
		if (v->index == 0)
			__atomic_store_n(&vm->exact_tsc, true, __ATOMIC_RELAXED);
		return;
	}
	__atomic_store_n(&vm->exact_tsc, false, __ATOMIC_RELAXED);
	t = now_ns();
	c.tsc_hz = (uint64_t)vm->tsc_khz * 1000;
	c.tsc_offset = (int64_t)(msrs.e.data -
				 (uint64_t)((unsigned __int128)t * c.tsc_hz /
					    1000000000u));
	if (ioctl(v->virq_fd, VIRQ_VCPU_SET_CLOCK, &c))
		die_errno("VIRQ_VCPU_SET_CLOCK");
}

void vcpu_setup(struct vm *vm, struct vcpu *v, const struct boot_regs *bsp)
{
	sigset_t set;
	struct {
		struct kvm_signal_mask m;
		uint8_t bits[8];
	} sm;

	v->vm = vm;
	v->kvm_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, v->index);
	if (v->kvm_fd < 0)
		die_errno("KVM_CREATE_VCPU");
	v->kr = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     v->kvm_fd, 0);
	if (v->kr == MAP_FAILED)
		die_errno("mmap kvm_run");
	v->virq_fd = -1;
	if (vm_on_virq(vm)) {
		v->virq_fd = ioctl(vm->chip, VIRQ_CREATE_VCPU, v->index);
		if (v->virq_fd < 0)
			die_errno("VIRQ_CREATE_VCPU");
		v->vr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
			     v->virq_fd, 0);
		if (v->vr == MAP_FAILED)
			die_errno("mmap virq run page");
	}
	set_cpuid(vm, v);
	if (!vm->tsc_khz) {
		int khz = ioctl(v->kvm_fd, KVM_GET_TSC_KHZ, 0);

		if (khz <= 0)
			die_errno("KVM_GET_TSC_KHZ");
		vm->tsc_khz = khz;
	}
	if (has_lapic(v))
		set_clock(vm, v);
	else if (!vm_on_virq(vm))
		vm->exact_tsc = true;	/* KVM's LAPIC reads the guest TSC */

	/* Inside KVM_RUN the kick signal is the only difference. */
	pthread_sigmask(SIG_SETMASK, NULL, &set);
	sigdelset(&set, VMM_KICK_SIGNAL);
	sm.m.len = 8;
	memcpy(sm.m.sigset, &set, 8);
	if (ioctl(v->kvm_fd, KVM_SET_SIGNAL_MASK, &sm))
		die_errno("KVM_SET_SIGNAL_MASK");

	if (bsp) {
		enter_protected(v, bsp);
		v->state = VCPU_RUNNING;
	} else {
		/* KVM keeps its own APs in wait-for-SIPI. */
		v->state = vm_on_virq(vm) ? VCPU_WAIT_SIPI : VCPU_RUNNING;
	}
}

/*
 * Bring every vCPU thread out (the VM is ending). KVM's vCPUs have no
 * virq kick: the signal, which only KVM_RUN unblocks, interrupts it, or
 * makes the next one return at once.
 */
void vcpu_kick_all(struct vm *vm)
{
	int i;

	for (i = 0; i < vm->ncpus; i++) {
		if (vm_on_virq(vm))
			ioctl(vm->cpus[i]->virq_fd, VIRQ_VCPU_KICK, 0);
		else
			pthread_kill(vm->cpus[i]->thread, VMM_KICK_SIGNAL);
	}
}

/* ---- crash reports ---- */

static void dump_state(struct vcpu *v, const char *why)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	uart_flush();
	fprintf(stderr, "virq-vmm: cpu%d: %s\n", v->index, why);
	if (!ioctl(v->kvm_fd, KVM_GET_REGS, &r) &&
	    !ioctl(v->kvm_fd, KVM_GET_SREGS, &s))
		fprintf(stderr,
			"  rip %08llx rflags %08llx cs %04x/%08llx cr0 %08llx\n"
			"  eax %08llx ebx %08llx ecx %08llx edx %08llx\n"
			"  esi %08llx edi %08llx ebp %08llx esp %08llx\n",
			r.rip, r.rflags, s.cs.selector, s.cs.base, s.cr0,
			r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp);
}

/* ---- requests ---- */

static void handle_requests(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint32_t r = reqs(v);

	if (!(r & EVENT_REQS))
		return;
	if (r & VIRQ_REQ_INIT) {
		req_clear(v, VIRQ_REQ_INIT);
		v->st.inits++;
		/*
		 * virq resets the BSP's LAPIC and does not make it wait for
		 * a SIPI (SDM: the BSP restarts at the reset vector, in the
		 * firmware). There is none here: the machine was reset.
		 */
		if (v->index == 0) {
			vm_exit(vm, VMM_EXIT_RESET, "INIT to the BSP: a reset, "
				"and there is no firmware to restart");
			return;
		}
		ev(vm, v->index, 2, "INIT: enters wait-for-SIPI");
		v->state = VCPU_WAIT_SIPI;
		v->halted = false;
	}
	if (r & VIRQ_REQ_SIPI) {
		uint32_t vec = __atomic_load_n(&v->vr->sipi_vector,
					       __ATOMIC_SEQ_CST);

		req_clear(v, VIRQ_REQ_SIPI);
		if (v->state == VCPU_WAIT_SIPI) {
			v->st.sipis++;
			ev(vm, v->index, 2, "SIPI vector 0x%02x: starts at "
			   "%04x:0000 in real mode", vec & 0xff, (vec & 0xff) << 8);
			enter_sipi(v, vec);
			v->state = VCPU_RUNNING;
		} else {
			ev(vm, v->index, 2, "SIPI 0x%02x ignored: not waiting "
			   "for one", vec & 0xff);
		}
	}
	if (r & VIRQ_REQ_NMI) {
		uint32_t n;

		/*
		 * The request first, then the count (delivery.rst): an NMI
		 * counted after the load sets the request again. KVM keeps
		 * its own count and the architecture's limit (one NMI in
		 * service, one latched), so each one goes to KVM_NMI.
		 */
		req_clear(v, VIRQ_REQ_NMI);
		n = __atomic_exchange_n(&v->vr->nmi_pending, 0, __ATOMIC_SEQ_CST);
		while (n-- && v->state == VCPU_RUNNING) {
			if (ioctl(v->kvm_fd, KVM_NMI, 0))
				die_errno("KVM_NMI");
			v->st.nmis++;
			v->halted = false;	/* an NMI ends HLT */
			ev(vm, v->index, 2, "NMI request -> KVM_NMI");
		}
	}
	if (r & VIRQ_REQ_SMI) {
		req_clear(v, VIRQ_REQ_SMI);
		ev(vm, v->index, 1, "SMI request dropped: no SMM here");
	}
	if (r & VIRQ_REQ_EVENT)
		req_clear(v, VIRQ_REQ_EVENT);
}

/* Does the interrupt controller have something for the CPU to take? */
static bool intr_pending(struct vcpu *v)
{
	if (reqs(v) & VIRQ_REQ_INTR)
		return true;
	/* After TPR was lowered, INTR may be stale: compare ourselves. */
	return has_lapic(v) &&
	       (__atomic_load_n(&v->vr->irr_max, __ATOMIC_RELAXED) >> 4) >
	       (__atomic_load_n(&v->vr->tpr, __ATOMIC_RELAXED) >> 4);
}

static void inject(struct vcpu *v, int vector, const char *how)
{
	struct kvm_interrupt irq = { .irq = vector };

	if (ioctl(v->kvm_fd, KVM_INTERRUPT, &irq))
		die_errno("KVM_INTERRUPT");
	v->injected = true;
	v->st.injected++;
	v->st.vectors[vector & 0xff]++;
	ev(v->vm, v->index, 2, "%s -> vector 0x%02x, KVM_INTERRUPT", how,
	   vector);
}

/*
 * Before entering: inject one interrupt if the guest can take it (the
 * state KVM reported at the last exit), otherwise ask for an exit when it
 * can. One KVM_INTERRUPT per entry: KVM keeps a single queued vector.
 */
static void prepare_injection(struct vcpu *v)
{
	struct kvm_run *kr = v->kr;

	kr->request_interrupt_window = 0;
	if (!intr_pending(v))
		return;
	if (kr->ready_for_interrupt_injection && !v->injected) {
		int vec = ioctl(v->virq_fd, VIRQ_VCPU_ACK, 0);

		if (vec >= 0)
			inject(v, vec, (reqs(v) & VIRQ_REQ_EXTINT) ?
			       "VIRQ_VCPU_ACK (PIC)" : "VIRQ_VCPU_ACK");
		else if (errno != EAGAIN)
			die_errno("VIRQ_VCPU_ACK");
		/* More to come: exit as soon as the guest can take it. */
		if (reqs(v) & VIRQ_REQ_INTR)
			kr->request_interrupt_window = 1;
	} else {
		kr->request_interrupt_window = 1;
	}
}

/*
 * Wait-for-SIPI: run nothing until INIT/SIPI/NMI/EVENT. Pending
 * interrupts do not start an AP: VIRQ_WAIT_IGNORE_INTR sleeps through
 * them.
 */
static void wait_sipi(struct vcpu *v)
{
	struct virq_vcpu_wait w = { .timeout_ns = -1,
				    .flags = VIRQ_WAIT_IGNORE_INTR };

	if (reqs(v) & EVENT_REQS)
		return;
	if (ioctl(v->virq_fd, VIRQ_VCPU_WAIT, &w) && errno != EINTR)
		die_errno("VIRQ_VCPU_WAIT");
}

/*
 * The guest executed HLT. With interrupts enabled (as after STI; HLT) any
 * interrupt ends it: VIRQ_VCPU_WAIT with VIRQ_WAIT_ACK sleeps and returns
 * the acknowledged vector in one call. With interrupts disabled only
 * NMI, INIT, SIPI (and our own EVENT kicks) end it.
 */
static void halt(struct vcpu *v)
{
	struct virq_vcpu_wait w = { .timeout_ns = -1 };
	bool can_take = v->kr->ready_for_interrupt_injection && !v->injected;
	int r;

	if (reqs(v) & EVENT_REQS)
		return;		/* handled by the loop; NMI/INIT end HLT there */
	if (!can_take) {
		if (v->injected)
			return;	/* KVM delivers it at the next entry */
		/* IF=0: interrupts do not end this HLT. */
		v->st.waits++;
		w.flags = VIRQ_WAIT_IGNORE_INTR;
		if (ioctl(v->virq_fd, VIRQ_VCPU_WAIT, &w) && errno != EINTR)
			die_errno("VIRQ_VCPU_WAIT");
		return;
	}
	if (has_lapic(v) && !(reqs(v) & VIRQ_REQ_INTR) && intr_pending(v)) {
		/* TPR was lowered: INTR is stale, acknowledge directly. */
		v->halted = false;
		return;
	}
	v->st.waits++;
	ev(v->vm, v->index, 3, "HLT -> VIRQ_VCPU_WAIT");
	w.flags = VIRQ_WAIT_ACK;
	r = ioctl(v->virq_fd, VIRQ_VCPU_WAIT, &w);
	if (r < 0) {
		if (errno != EINTR)
			die_errno("VIRQ_VCPU_WAIT");
		return;
	}
	if (r == VIRQ_WAIT_NO_VECTOR)
		return;		/* an event: the loop looks at it */
	v->halted = false;
	inject(v, r, "woken from HLT, VIRQ_WAIT_ACK");
}

/* ---- exits ---- */

static void eat_kick_signals(void)
{
	static const struct timespec zero;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, VMM_KICK_SIGNAL);
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
}

static void exit_io(struct vcpu *v)
{
	struct kvm_run *kr = v->kr;
	uint8_t *p = (uint8_t *)kr + kr->io.data_offset;
	bool write = kr->io.direction == KVM_EXIT_IO_OUT;
	uint32_t i;

	v->st.exits_io++;
	for (i = 0; i < kr->io.count; i++, p += kr->io.size) {
		uint32_t val = 0;

		if (write)
			memcpy(&val, p, kr->io.size);
		pio_access(v, kr->io.port, kr->io.size, write, &val);
		if (!write)
			memcpy(p, &val, kr->io.size);
	}
}

static void exit_mmio(struct vcpu *v)
{
	struct kvm_run *kr = v->kr;
	uint64_t val = 0;
	int len = kr->mmio.len;

	v->st.exits_mmio++;
	if (len != 1 && len != 2 && len != 4 && len != 8) {
		ev(v->vm, v->index, 1, "MMIO of %d bytes at 0x%llx ignored", len,
		   (unsigned long long)kr->mmio.phys_addr);
		memset(kr->mmio.data, 0xff, sizeof(kr->mmio.data));
		return;
	}
	if (kr->mmio.is_write)
		memcpy(&val, kr->mmio.data, len);
	mmio_access(v, kr->mmio.phys_addr, len, kr->mmio.is_write, &val);
	if (!kr->mmio.is_write)
		memcpy(kr->mmio.data, &val, len);
}

/* The LAPIC's MSRs go to virq; other MSRs KVM refused raise #GP. */
static void exit_msr(struct vcpu *v, bool write)
{
	struct kvm_run *kr = v->kr;
	uint32_t idx = kr->msr.index;
	struct virq_io io = { .space = VIRQ_IO_MSR, .len = 8, .addr = idx,
			      .data = write ? kr->msr.data : 0, .write = write };
	bool lapic_msr = idx == MSR_IA32_APICBASE ||
			 idx == MSR_IA32_TSC_DEADLINE ||
			 (idx >= 0x800 && idx <= 0x8ff);

	v->st.exits_msr++;
	kr->msr.error = 0;
	if (write && (idx == 0x830 || idx == 0x83f))	/* ICR, SELF IPI */
		__atomic_add_fetch(&v->vm->src[SRC_IPI].raised, 1,
				   __ATOMIC_RELAXED);
	/*
	 * KVM may move the guest TSC against CLOCK_MONOTONIC (it does when
	 * the host marks its TSC unstable, as TCG's often is): the mapping
	 * virq converts a deadline with is taken again before each one.
	 */
	if (write && idx == MSR_IA32_TSC_DEADLINE && has_lapic(v))
		set_clock(v->vm, v);
	if (lapic_msr && has_lapic(v)) {
		if (ioctl(v->virq_fd, VIRQ_IO, &io) == 0) {
			if (io.fault == VIRQ_IO_FAULT_GP) {
				kr->msr.error = 1;
				v->st.gp_injected++;
				ev(v->vm, v->index, 2, "%s MSR 0x%x%s: virq says #GP",
				   write ? "WRMSR" : "RDMSR", idx, "");
			} else if (!write) {
				kr->msr.data = io.data;
			}
			ev(v->vm, v->index, 3, "%s 0x%x = 0x%llx -> virq",
			   write ? "WRMSR" : "RDMSR", idx,
			   (unsigned long long)(write ? kr->msr.data : io.data));
			return;
		}
		if (errno != ENOENT)
			die("VIRQ_IO MSR 0x%x: %s", idx, strerror(errno));
	}
	/* Nobody has this MSR: #GP, as KVM itself would have raised. */
	kr->msr.error = 1;
	v->st.gp_injected++;
	__atomic_add_fetch(&v->vm->unknown_msr, 1, __ATOMIC_RELAXED);
	ev(v->vm, v->index, 2, "%s of unknown MSR 0x%x: #GP",
	   write ? "WRMSR" : "RDMSR", idx);
}

static void handle_exit(struct vcpu *v)
{
	struct kvm_run *kr = v->kr;
	struct vm *vm = v->vm;
	char why[96];

	v->st.exits++;
	switch (kr->exit_reason) {
	case KVM_EXIT_IO:
		exit_io(v);
		break;
	case KVM_EXIT_MMIO:
		exit_mmio(v);
		break;
	case KVM_EXIT_X86_RDMSR:
		exit_msr(v, false);
		break;
	case KVM_EXIT_X86_WRMSR:
		exit_msr(v, true);
		break;
	case KVM_EXIT_HLT:
		v->st.exits_hlt++;
		v->halted = true;
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		v->st.exits_window++;
		break;
	case KVM_EXIT_SET_TPR:
		v->st.exits_tpr++;
		break;
	case KVM_EXIT_INTR:
		v->st.exits_intr++;
		break;
	case KVM_EXIT_SHUTDOWN:
		dump_state(v, "the guest shut down (triple fault)");
		vm_exit(vm, VMM_EXIT_CRASH, "triple fault");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(why, sizeof(why), "VM entry failed, reason 0x%llx",
			 (unsigned long long)
			 kr->fail_entry.hardware_entry_failure_reason);
		dump_state(v, why);
		vm_exit(vm, VMM_EXIT_CRASH, "entry failure");
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(why, sizeof(why), "KVM internal error, suberror %u",
			 kr->internal.suberror);
		dump_state(v, why);
		vm_exit(vm, VMM_EXIT_CRASH, "KVM internal error");
		break;
	default:
		snprintf(why, sizeof(why), "unexpected exit reason %u",
			 kr->exit_reason);
		dump_state(v, why);
		vm_exit(vm, VMM_EXIT_CRASH, "unexpected exit");
		break;
	}
}

/* ---- the loop ---- */

static void run_once(struct vcpu *v)
{
	struct virq_vcpu_run *vr = v->vr;
	struct kvm_run *kr = v->kr;
	uint32_t seen, mode;
	int r;

	prepare_injection(v);
	if (has_lapic(v))
		kr->cr8 = __atomic_load_n(&vr->tpr, __ATOMIC_RELAXED) >> 4;

	/*
	 * The mode protocol: announce IN_GUEST with a full barrier, then
	 * look again. A kicker that came before the exchange saw OUTSIDE
	 * and sent nothing, so whatever this entry is not prepared for
	 * means go round: an event request not yet consumed, or INTR with
	 * no interrupt window asked for (injected or not, a window gets
	 * the next vector in). After the exchange a kick signals us and
	 * the pending signal makes KVM_RUN return at once.
	 */
	__atomic_exchange_n(&vr->mode, VIRQ_MODE_IN_GUEST, __ATOMIC_SEQ_CST);
	seen = reqs(v);
	if ((seen & EVENT_REQS) ||
	    ((seen & VIRQ_REQ_INTR) && !kr->request_interrupt_window) ||
	    v->vm->exiting) {
		__atomic_store_n(&vr->mode, VIRQ_MODE_OUTSIDE, __ATOMIC_SEQ_CST);
		if (v->injected) {
			/* Already queued in KVM: it is delivered next time. */
			kr->ready_for_interrupt_injection = 0;
		}
		return;
	}
	r = ioctl(v->kvm_fd, KVM_RUN, 0);
	mode = __atomic_exchange_n(&vr->mode, VIRQ_MODE_OUTSIDE,
				   __ATOMIC_SEQ_CST);
	v->injected = false;
	if (has_lapic(v)) {
		uint32_t tpr = __atomic_load_n(&vr->tpr, __ATOMIC_RELAXED);

		/*
		 * After every return, kicks too: raising CR8 does not exit.
		 * Keep TPR's low nibble unless the guest moved CR8. A full
		 * barrier (seq_cst store) before intr_pending() loads
		 * irr_max: the kernel stores irr_max, then loads tpr
		 * (lapic.rst, "The TPR barrier").
		 */
		if ((tpr >> 4) != kr->cr8)
			__atomic_store_n(&vr->tpr, (uint32_t)kr->cr8 << 4,
					 __ATOMIC_SEQ_CST);
	}
	if (r < 0) {
		if (errno != EINTR && errno != EAGAIN)
			die("KVM_RUN: %s", strerror(errno));
		eat_kick_signals();
		v->st.exits_intr++;
		ev(v->vm, v->index, mode == VIRQ_MODE_EXITING ? 2 : 3,
		   "KVM_RUN returned EINTR: %s",
		   mode == VIRQ_MODE_EXITING ? "kicked (mode was EXITING)" :
		   "a signal");
		return;
	}
	if (mode == VIRQ_MODE_EXITING)
		ev(v->vm, v->index, 3, "kicked while exiting anyway");
	handle_exit(v);
}

/* The reference machine: KVM injects, halts and starts APs itself. */
static void kvm_chip_loop(struct vcpu *v)
{
	while (!__atomic_load_n(&v->vm->exiting, __ATOMIC_SEQ_CST)) {
		if (ioctl(v->kvm_fd, KVM_RUN, 0) < 0) {
			if (errno != EINTR && errno != EAGAIN)
				die("KVM_RUN: %s", strerror(errno));
			eat_kick_signals();
			v->st.exits_intr++;
			continue;
		}
		handle_exit(v);
	}
}

void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	struct virq_vcpu_signal sig = { .signo = VMM_KICK_SIGNAL };

	if (!vm_on_virq(vm)) {
		kvm_chip_loop(v);
		return NULL;
	}

	/* Kicks signal this thread, and only while it is IN_GUEST. */
	if (ioctl(v->virq_fd, VIRQ_VCPU_SET_SIGNAL, &sig))
		die_errno("VIRQ_VCPU_SET_SIGNAL");
	if (v->state == VCPU_WAIT_SIPI)
		ev(vm, v->index, 2, "AP waits for its SIPI");

	while (!__atomic_load_n(&vm->exiting, __ATOMIC_SEQ_CST)) {
		handle_requests(v);
		if (v->state == VCPU_WAIT_SIPI) {
			wait_sipi(v);
			continue;
		}
		if (v->halted) {
			halt(v);
			if (v->halted)
				continue;
		}
		run_once(v);
	}
	return NULL;
}
