// SPDX-License-Identifier: GPL-2.0
/*
 * virq-vmm: a KVM-based VMM whose interrupt controllers are /dev/virq.
 *
 * main.c parses the options, creates the KVM VM *without*
 * KVM_CREATE_IRQCHIP and a virq chip (PIC + IOAPIC + a LAPIC per vCPU, or
 * the PIC alone), guest RAM, one KVM vCPU and one virq vCPU per guest CPU,
 * loads the kernel (multiboot or Linux), starts the platform devices and
 * one thread per vCPU, and waits until the guest ends the VM (port 0xf4,
 * ACPI power-off, reset), crashes or runs out of time. With --chip kvm
 * the same machine runs on KVM's in-kernel irqchip instead (the
 * reference): no virq at all, lines by KVM_IRQ_LINE_STATUS.
 * Documentation/vmm.rst describes the whole VMM.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vmm.h"

static pthread_cond_t exit_cond = PTHREAD_COND_INITIALIZER;

void die(const char *fmt, ...)
{
	va_list ap;

	uart_flush();
	fprintf(stderr, "virq-vmm: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(VMM_EXIT_ERROR);
}

void die_errno(const char *what)
{
	die("%s: %s", what, strerror(errno));
}

/* End the VM with @status; the first caller wins. */
void vm_exit(struct vm *vm, int status, const char *why)
{
	pthread_mutex_lock(&vm->exit_lock);
	if (!vm->exiting) {
		vm->exit_status = status;
		__atomic_store_n(&vm->exiting, 1, __ATOMIC_SEQ_CST);
		ev(vm, -1, 1, "VM ends: %s (status %d)", why, status);
		pthread_cond_broadcast(&exit_cond);
	}
	pthread_mutex_unlock(&vm->exit_lock);
}

/*
 * Set a GSI's level for a device, with VIRQ_IRQ_LINE_STATUS so the
 * summary can tell delivered, coalesced and ignored requests apart.
 */
int virq_line(struct vm *vm, enum src_id src, uint32_t gsi, int level)
{
	struct virq_irq_level l = { .irq = gsi, .level = level };
	struct src_stats *s = &vm->src[src];
	uint64_t t = now_ns();

	if (!vm_on_virq(vm)) {
		/* KVM_IRQ_LINE_STATUS: the same shape, the same statuses. */
		struct kvm_irq_level k = { .irq = gsi, .level = level };

		if (ioctl(vm->vm_fd, KVM_IRQ_LINE_STATUS, &k) < 0)
			die("KVM_IRQ_LINE_STATUS gsi %u: %s", gsi,
			    strerror(errno));
		l.status = k.status;
	} else if (ioctl(vm->chip, VIRQ_IRQ_LINE_STATUS, &l) < 0) {
		die("VIRQ_IRQ_LINE_STATUS gsi %u: %s", gsi, strerror(errno));
	}
	if (level) {
		__atomic_add_fetch(&s->raised, 1, __ATOMIC_RELAXED);
		if (l.status > 0)
			__atomic_add_fetch(&s->delivered, 1, __ATOMIC_RELAXED);
		else if (l.status == 0)
			__atomic_add_fetch(&s->coalesced, 1, __ATOMIC_RELAXED);
		else
			__atomic_add_fetch(&s->ignored, 1, __ATOMIC_RELAXED);
	}
	ev_at(vm, t, -1, 2, "%s: GSI %u %s -> %s_IRQ_LINE_STATUS %d (%s)",
	   s->name, gsi, level ? "raised" : "lowered",
	   vm_on_virq(vm) ? "VIRQ" : "KVM", l.status,
	   l.status > 0 ? "delivered" : l.status == 0 ? "coalesced" :
	   "ignored");
	return l.status;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: virq-vmm [options] KERNEL\n"
"Runs KERNEL under KVM with virq's interrupt controllers: a Linux bzImage\n"
"(x86 boot protocol 2.10+) or a multiboot v1 image (ELF32, a.out kludge).\n"
"  -c, --cpus N        guest CPUs, 1-%d (default 1); APIC IDs 0..N-1\n"
"  -m, --mem SIZE      guest RAM, MiB or with K/M/G (default 128M)\n"
"  -a, --append STR    kernel command line (again: appended, a space\n"
"                      between)\n"
"  -i, --initrd FILE   the initrd (Linux) or multiboot module 0\n"
"      --chip KIND     full (virq's PIC + IOAPIC + LAPICs, default), pic\n"
"                      (virq's PIC alone, one CPU) or kvm (the same machine\n"
"                      on KVM's in-kernel irqchip: the reference)\n"
"  -v, --verbose       summary at exit; twice: event log; thrice: every exit\n"
"      --log FILE      write the log to FILE instead of stderr\n"
"      --timeline      collect events and print them sorted at the end\n"
"      --trace         add virq's tracepoints to the timeline (root)\n"
"  -t, --timeout SEC   end the VM after SEC seconds (status %d)\n"
"      --type TEXT     the keyboard types TEXT (letters, digits, space),\n"
"                      one key per 20 ms, once the guest enables it (0xae);\n"
"                      the UART receives it, then a CR, once the guest\n"
"                      writes port 0x2030\n"
"      --caps          print what this virq supports and exit\n"
"Exit status: (v << 1) | 1 when the guest writes v to port 0xf4; %d when\n"
"it switches the machine off (ACPI S5); %d on an error, %d if the guest\n"
"crashed, %d if it reset the machine (INIT to the BSP, port 0xcf9: there is\n"
"no firmware to restart), %d if virq lacks the chip, %d on timeout.\n",
		VMM_MAX_CPUS, VMM_EXIT_TIMEOUT, VMM_EXIT_POWEROFF, VMM_EXIT_ERROR,
		VMM_EXIT_CRASH, VMM_EXIT_RESET, VMM_EXIT_UNSUPPORTED,
		VMM_EXIT_TIMEOUT);
}

/* A second --append adds its words to the first's. */
static void append_cmdline(struct vm *vm, const char *s)
{
	char *c;

	if (!vm->cmdline || !*vm->cmdline) {
		vm->cmdline = s;
		return;
	}
	if (asprintf(&c, "%s %s", vm->cmdline, s) < 0)
		die("out of memory");
	vm->cmdline = c;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	case 'm':
	case 'M':
		end++;
		/* fall through */
	case 0:
		v <<= 20;
		break;
	default:
		die("bad size '%s'", s);
	}
	if (*end)
		die("bad size '%s'", s);
	return v;
}

static int print_caps(void)
{
	static const struct { const char *name; int cap; } caps[] = {
		{ "pic", VIRQ_CAP_PIC }, { "ioapic", VIRQ_CAP_IOAPIC },
		{ "lapic", VIRQ_CAP_LAPIC }, { "max_vcpus", VIRQ_CAP_MAX_VCPUS },
		{ "irq_routing", VIRQ_CAP_IRQ_ROUTING },
		{ "signal_msi", VIRQ_CAP_SIGNAL_MSI },
	};
	int fd = open("/dev/virq", O_RDWR | O_CLOEXEC), kvm;
	unsigned int i;

	if (fd < 0)
		die_errno("open /dev/virq");
	printf("api %d", ioctl(fd, VIRQ_GET_API_VERSION, 0));
	for (i = 0; i < sizeof(caps) / sizeof(*caps); i++)
		printf(" %s=%d", caps[i].name,
		       ioctl(fd, VIRQ_CHECK_EXTENSION, caps[i].cap));
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	printf(" kvm=%d\n", kvm >= 0);
	return 0;
}

static void parse_options(struct vm *vm, int argc, char **argv)
{
	enum { OPT_CHIP = 256, OPT_LOG, OPT_TIMELINE, OPT_TRACE, OPT_CAPS,
	       OPT_TYPE };
	static const struct option opts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "mem", required_argument, NULL, 'm' },
		{ "append", required_argument, NULL, 'a' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "chip", required_argument, NULL, OPT_CHIP },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "timeline", no_argument, NULL, OPT_TIMELINE },
		{ "trace", no_argument, NULL, OPT_TRACE },
		{ "timeout", required_argument, NULL, 't' },
		{ "caps", no_argument, NULL, OPT_CAPS },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c;

	vm->ncpus = 1;
	vm->ram_size = 128ULL << 20;
	vm->cmdline = "";
	vm->chip_kind = CHIP_FULL;
	while ((c = getopt_long(argc, argv, "c:m:a:i:vt:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			vm->ncpus = atoi(optarg);
			if (vm->ncpus < 1 || vm->ncpus > VMM_MAX_CPUS)
				die("--cpus: 1 to %d", VMM_MAX_CPUS);
			break;
		case 'm':
			vm->ram_size = parse_size(optarg);
			if (vm->ram_size < (2ULL << 20) ||
			    vm->ram_size > (3ULL << 30))
				die("--mem: 2 MiB to 3 GiB");
			vm->ram_size &= ~0xfffULL;
			break;
		case 'a':
			append_cmdline(vm, optarg);
			break;
		case 'i':
			vm->initrd = optarg;
			break;
		case OPT_CHIP:
			if (!strcmp(optarg, "full"))
				vm->chip_kind = CHIP_FULL;
			else if (!strcmp(optarg, "pic"))
				vm->chip_kind = CHIP_PIC;
			else if (!strcmp(optarg, "kvm"))
				vm->chip_kind = CHIP_KVM;
			else
				die("--chip: full, pic or kvm");
			break;
		case 'v':
			vm->verbose++;
			break;
		case OPT_LOG:
			vm->log_path = optarg;
			break;
		case OPT_TRACE:
			vm->trace = true;
			/* fall through */
		case OPT_TIMELINE:
			vm->timeline = true;
			if (vm->verbose < 2)
				vm->verbose = 2;
			break;
		case 't':
			vm->timeout = atoi(optarg);
			break;
		case OPT_TYPE:
			vm->type_text = optarg;
			break;
		case OPT_CAPS:
			exit(print_caps());
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(VMM_EXIT_ERROR);
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		exit(VMM_EXIT_ERROR);
	}
	vm->kernel = argv[optind];
	if (vm->chip_kind == CHIP_PIC && vm->ncpus > 1)
		die("--chip pic has no LAPICs to start APs with: use --cpus 1");
	if (vm->chip_kind == CHIP_KVM && vm->trace)
		die("--trace reads virq's tracepoints: not with --chip kvm");
}

static void create_chip(struct vm *vm)
{
	/*
	 * Wire levels: the devices here drive wires (the test device sets
	 * a line's electrical level, and the guest tests check the IOAPIC's
	 * polarity with it). A VMM whose devices assert lines, as KVM's
	 * KVM_IRQ_LINE callers do, keeps virq's default, logical levels.
	 */
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_ELECTRICAL_LEVELS,
		.max_vcpus = vm->ncpus,
	};

	vm->virq = vm->chip = -1;
	if (!vm_on_virq(vm))
		return;
	vm->virq = open("/dev/virq", O_RDWR | O_CLOEXEC);
	if (vm->virq < 0)
		die_errno("open /dev/virq");
	if (ioctl(vm->virq, VIRQ_GET_API_VERSION, 0) != VIRQ_API_VERSION)
		die("virq API version %d, want %d",
		    ioctl(vm->virq, VIRQ_GET_API_VERSION, 0), VIRQ_API_VERSION);
	if (vm->chip_kind == CHIP_FULL) {
		cfg.flags |= VIRQ_CHIP_IOAPIC | VIRQ_CHIP_LAPIC;
		cfg.nr_ioapics = 1;
	}
	vm->chip = ioctl(vm->virq, VIRQ_CREATE_CHIP, &cfg);
	if (vm->chip < 0 && errno == EOPNOTSUPP) {
		fprintf(stderr, "virq-vmm: this virq does not implement the %s chip "
			"(VIRQ_CREATE_CHIP: EOPNOTSUPP)\n",
			vm->chip_kind == CHIP_FULL ? "full" : "pic");
		exit(VMM_EXIT_UNSUPPORTED);
	}
	if (vm->chip < 0)
		die_errno("VIRQ_CREATE_CHIP");
}

/*
 * The MSRs KVM would handle itself although virq's LAPIC owns them: deny
 * them with a filter so that they exit to userspace. x2APIC MSRs cannot
 * be filtered; without an in-kernel APIC KVM refuses them (an "invalid"
 * MSR exit) and they reach us anyway.
 */
static void setup_msr_exits(struct vm *vm)
{
	static uint8_t deny[1];	/* one MSR per range, bit 0 clear: deny */
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args[0] = KVM_MSR_EXIT_REASON_INVAL |
			   KVM_MSR_EXIT_REASON_UNKNOWN |
			   KVM_MSR_EXIT_REASON_FILTER,
	};
	struct kvm_msr_filter f = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges = {
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			  .base = 0x1b, .nmsrs = 1, .bitmap = deny },
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			  .base = 0x6e0, .nmsrs = 1, .bitmap = deny },
		},
	};

	if (ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_MSR) <= 0 ||
	    ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER) <= 0)
		die("KVM lacks user-space MSR exits or MSR filters");
	/* KVM's own LAPIC has its MSRs: only the unknown ones exit. */
	if (!vm_on_virq(vm))
		cap.args[0] = KVM_MSR_EXIT_REASON_INVAL |
			      KVM_MSR_EXIT_REASON_UNKNOWN;
	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap))
		die_errno("KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR)");
	if (vm->chip_kind == CHIP_FULL &&
	    ioctl(vm->vm_fd, KVM_X86_SET_MSR_FILTER, &f))
		die_errno("KVM_X86_SET_MSR_FILTER");
}

static void create_vm(struct vm *vm)
{
	struct kvm_userspace_memory_region mem = { 0 };

	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		die_errno("open /dev/kvm");
	if (ioctl(vm->kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		die("unexpected KVM API version");
	vm->vm_fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		die_errno("KVM_CREATE_VM");
	/*
	 * No KVM_CREATE_IRQCHIP: virq is the interrupt controller. The
	 * reference machine has KVM's (PIC, IOAPIC, LAPICs; no PIT: the
	 * PIT is ours either way). Before any vCPU, as KVM requires.
	 */
	if (!vm_on_virq(vm) && ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0))
		die_errno("KVM_CREATE_IRQCHIP");
	vm->run_size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if ((long)vm->run_size <= 0)
		die_errno("KVM_GET_VCPU_MMAP_SIZE");
	/* Intel needs these three pages below 4 GiB; AMD ignores them. */
	ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL);

	vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED)
		die_errno("mmap guest RAM");
	mem.slot = 0;
	mem.guest_phys_addr = 0;
	mem.memory_size = vm->ram_size;
	mem.userspace_addr = (uintptr_t)vm->ram;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &mem))
		die_errno("KVM_SET_USER_MEMORY_REGION");
	setup_msr_exits(vm);
}

static void kick_handler(int sig)
{
	(void)sig;	/* never runs: the signal is consumed by sigtimedwait */
}

static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	if (sigaction(VMM_KICK_SIGNAL, &sa, NULL))
		die_errno("sigaction");
	/* Blocked everywhere; a vCPU unblocks it only inside KVM_RUN. */
	sigemptyset(&set);
	sigaddset(&set, VMM_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int main(int argc, char **argv)
{
	static struct vm vm_storage;
	struct vm *vm = &vm_storage;
	struct boot_regs regs;
	struct timespec deadline;
	int i, status;

	pthread_mutex_init(&vm->exit_lock, NULL);
	pthread_mutex_init(&vm->dev_lock, NULL);
	parse_options(vm, argc, argv);
	log_init(vm);
	setup_signals();
	create_chip(vm);
	create_vm(vm);
	kernel_load(vm, &regs);
	devices_init(vm);
	for (i = 0; i < vm->ncpus; i++) {
		vm->cpus[i] = calloc(1, sizeof(struct vcpu));
		if (!vm->cpus[i])
			die("out of memory");
		vm->cpus[i]->index = i;
		vcpu_setup(vm, vm->cpus[i], i == 0 ? &regs : NULL);
	}
	if (vm->trace)
		trace_start(vm);
	ev(vm, -1, 1, "VM starts: %d CPU(s), %llu MiB, %s chip, kernel %s",
	   vm->ncpus, (unsigned long long)(vm->ram_size >> 20),
	   vm->chip_kind == CHIP_FULL ? "PIC+IOAPIC+LAPIC" :
	   vm->chip_kind == CHIP_KVM ? "KVM's in-kernel" : "PIC", vm->kernel);
	devices_start(vm);
	for (i = 0; i < vm->ncpus; i++)
		if (pthread_create(&vm->cpus[i]->thread, NULL, vcpu_thread,
				   vm->cpus[i]))
			die("pthread_create failed");

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += vm->timeout;
	pthread_mutex_lock(&vm->exit_lock);
	while (!vm->exiting) {
		if (!vm->timeout) {
			pthread_cond_wait(&exit_cond, &vm->exit_lock);
		} else if (pthread_cond_timedwait(&exit_cond, &vm->exit_lock,
						  &deadline) == ETIMEDOUT) {
			pthread_mutex_unlock(&vm->exit_lock);
			uart_flush();
			fprintf(stderr, "virq-vmm: timeout after %d s\n",
				vm->timeout);
			vm_exit(vm, VMM_EXIT_TIMEOUT, "timeout");
			pthread_mutex_lock(&vm->exit_lock);
		}
	}
	pthread_mutex_unlock(&vm->exit_lock);

	/* Bring every vCPU thread out of KVM_RUN or VIRQ_VCPU_WAIT. */
	vcpu_kick_all(vm);
	for (i = 0; i < vm->ncpus; i++)
		pthread_join(vm->cpus[i]->thread, NULL);
	devices_stop(vm);
	uart_flush();
	if (vm->trace)
		trace_collect(vm);
	status = vm->exit_status;
	log_finish(vm);
	if (vm->verbose)
		summary(vm);
	return status;
}
