// SPDX-License-Identifier: GPL-2.0
/*
 * virq_bench: the cost of virq's hot paths as ratios against a baseline
 * measured in the same run, so that the figures mean the same on a fast
 * host, a slow one and under TCG. Each ratio is the median over several
 * repetitions, reported with its spread (min..max).
 *
 *   irq_line      VIRQ_IRQ_LINE (ISA GSI 4 -> PIC) / VIRQ_NOP, same chip fd
 *   irq_line_status_pic_ioapic
 *                 VIRQ_IRQ_LINE_STATUS on a PIC + IOAPIC chip: GSI 4 reaches
 *                 the PIC and IOAPIC pin 4 (masked, as after reset) — the
 *                 case KVM's reference measures / VIRQ_NOP
 *   signal_msi    VIRQ_SIGNAL_MSI (fixed, physical) / VIRQ_NOP
 *   wake p50/p99  VIRQ_IRQ_LINE on one CPU -> vCPU thread on another holding
 *                 the vector (VIRQ_VCPU_WAIT with VIRQ_WAIT_ACK)
 *                 / eventfd write -> blocked read() wake, same two CPUs
 *   poll p50      VIRQ_IRQ_LINE -> a vCPU thread polling the run page's
 *                 request word / a store to a shared word seen by the
 *                 same polling thread (the memory-only floor)
 *   irqfd wake    write() to an eventfd bound with VIRQ_IRQFD to GSI 4 ->
 *                 the vCPU thread holding the vector / the eventfd floor;
 *                 injected from the eventfd's wake callback (the default)
 *                 and, as irqfd_deferred, from a work item
 *                 (module parameter irqfd_defer=Y)
 *   ipi wake      a fixed IPI written to vCPU 0's ICR -> vCPU 1 waiting
 *                 on a LAPIC chip holds the vector / the eventfd floor
 *   signal_msi_N_vcpus
 *                 VIRQ_SIGNAL_MSI to the last of N vCPUs of a LAPIC chip
 *                 / VIRQ_NOP, N = 1, 64, 254: flat in N is the design
 *
 * The reference: where the kernel has KVM (the bench kernel does), the
 * same ratios for KVM's in-kernel irqchip, measured in the same run:
 * KVM_IRQ_LINE_STATUS and KVM_SIGNAL_MSI over KVM_CHECK_EXTENSION on the
 * same VM fd, its vCPU's LAPIC software-enabled as virq's are (compare
 * KVM_SIGNAL_MSI with signal_msi_1_vcpus). Under TCG absolute ratios run
 * higher than on hardware (syscall entry is cheap relative to other code
 * there); the KVM figures say what "good" is in the same conditions.
 *
 * Prints a table and one JSON object. --quick: few iterations, a smoke
 * run for `make check` (no figures are judged there).
 *
 * It refuses to report (exit 2) when a measurement is not one: a clock
 * whose resolution is coarser than 1 us (a VM left on jiffies), a timed
 * interval at or below the clock's resolution, or a figure that is not a
 * finite positive number.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <linux/kvm.h>
#include <linux/virq.h>

#define REPS 7

static int quick;
static int bad_measurements;
static uint64_t clock_res_ns;
static int chip, vcpu;
static struct virq_vcpu_run *run;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "virq_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % sysconf(_SC_NPROCESSORS_ONLN), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* A timed interval must be longer than the clock can resolve. */
static uint64_t measured(const char *what, uint64_t ns)
{
	if (ns <= clock_res_ns) {
		fprintf(stderr, "virq_bench: %s took %llu ns, at or below the clock's resolution (%llu ns)\n",
			what, (unsigned long long)ns,
			(unsigned long long)clock_res_ns);
		bad_measurements++;
	}
	return ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pct(uint64_t *v, int n, int p)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[(long)(n - 1) * p / 100];
}

static void outb(uint16_t port, uint8_t v)
{
	struct virq_io io = { .space = VIRQ_IO_PIO, .len = 1, .addr = port,
			      .data = v, .write = 1 };

	if (ioctl(chip, VIRQ_IO, &io))
		die("VIRQ_IO");
}

static void line(uint32_t gsi, uint32_t level)
{
	struct virq_irq_level il = { .irq = gsi, .level = level };

	if (ioctl(chip, VIRQ_IRQ_LINE, &il))
		die("VIRQ_IRQ_LINE");
}

/* ---- syscall cost ratios ---- */

static double per_call_ns(int fd, unsigned long cmd, void *arg, int n)
{
	uint64_t t0 = now_ns();
	int i;

	for (i = 0; i < n; i++)
		if (ioctl(fd, cmd, arg) < 0)
			die("ioctl");
	return (double)measured("an ioctl loop", now_ns() - t0) / n;
}

static double ratio_irq_line(int n, unsigned long cmd)
{
	struct virq_irq_level hi = { .irq = 4, .level = 1 };
	double nop = per_call_ns(chip, VIRQ_NOP, NULL, n);
	double l = per_call_ns(chip, cmd, &hi, n);

	return l / nop;
}

/* The same on a PIC + IOAPIC chip, whose default table fans GSI 4 out. */
static int chip2;

static double ratio_irq_line_pic_ioapic(int n)
{
	struct virq_irq_level hi = { .irq = 4, .level = 1 };
	double nop = per_call_ns(chip2, VIRQ_NOP, NULL, n);

	return per_call_ns(chip2, VIRQ_IRQ_LINE_STATUS, &hi, n) / nop;
}

static double ratio_signal_msi(int n)
{
	struct virq_msi msi = { .address_lo = 0xfee00000, .data = 0x41 };
	double nop = per_call_ns(chip, VIRQ_NOP, NULL, n);
	double m = per_call_ns(chip, VIRQ_SIGNAL_MSI, &msi, n);

	return m / nop;
}

/* ---- the reference: KVM's in-kernel irqchip ---- */

static int kvm_vm = -1;
/* The MSI the KVM figure repeats: vector 0x41 to APIC ID 0. */
static struct kvm_msi kvm_ref_msi = { .address_lo = 0xfee00000,
				      .data = 0x41 };

static int kvm_setup(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), kvcpu;
	static struct kvm_lapic_state la;
	const char *what = "VM setup";
	uint32_t svr = 0x1ff;

	if (kvm < 0) {
		printf("# kvm reference: /dev/kvm: %s\n", strerror(errno));
		return -1;
	}
	kvm_vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (kvm_vm < 0 || ioctl(kvm_vm, KVM_CREATE_IRQCHIP, 0) ||
	    (kvcpu = ioctl(kvm_vm, KVM_CREATE_VCPU, 0)) < 0)
		goto fail;
	/*
	 * Software-enable its LAPIC as virq's are (SVR 0x1ff): a vCPU fresh
	 * from reset has SVR 0xff, and KVM drops a fixed MSI to it at once,
	 * which would make its figure the cost of a refusal.
	 */
	what = "KVM_GET_LAPIC";
	if (ioctl(kvcpu, KVM_GET_LAPIC, &la))
		goto fail;
	memcpy(&la.regs[0xf0], &svr, sizeof(svr));
	what = "KVM_SET_LAPIC";
	if (ioctl(kvcpu, KVM_SET_LAPIC, &la))
		goto fail;
	/* The MSI the figure repeats reaches one CPU (0: refused). */
	what = "KVM_SIGNAL_MSI reaching one CPU";
	errno = 0;
	if (ioctl(kvm_vm, KVM_SIGNAL_MSI, &kvm_ref_msi) != 1)
		goto fail;
	return 0;
fail:
	printf("# kvm reference: %s: %s\n", what,
	       errno ? strerror(errno) : "no");
	kvm_vm = -1;
	return -1;
}

/* KVM's no-op: KVM_CHECK_EXTENSION on the VM fd (its arg is a number). */
static double kvm_nop(int n)
{
	return per_call_ns(kvm_vm, KVM_CHECK_EXTENSION,
			   (void *)(long)KVM_CAP_IRQCHIP, n);
}

static double kvm_ratio_irq_line(int n)
{
	struct kvm_irq_level hi = { .irq = 4, .level = 1 };
	double nop = kvm_nop(n);

	return per_call_ns(kvm_vm, KVM_IRQ_LINE_STATUS, &hi, n) / nop;
}

static double kvm_ratio_signal_msi(int n)
{
	double nop = kvm_nop(n);

	return per_call_ns(kvm_vm, KVM_SIGNAL_MSI, &kvm_ref_msi, n) / nop;
}

/* ---- wake latency: virq vs eventfd ---- */

enum wake_kind { WAKE_LINE, WAKE_EVENTFD, WAKE_IRQFD, WAKE_IPI };

/* Handshake: the waiter bumps armed before it sleeps, done after. */
static atomic_int armed, done;
static uint64_t t_send;
static uint64_t *lat;
static int lat_n;
static int efd;		/* the eventfd floor */
static int irqfd_efd;	/* bound to GSI 4 of chip with VIRQ_IRQFD */

/* The LAPIC chip for IPIs: vCPU 0 sends, vCPU 1 waits. */
static int achip, avcpu[2];
static struct virq_vcpu_run *arun;

/* Who waits and how it ends the interrupt, per kind. */
static int w_vcpu, w_vector, w_lapic;
static struct virq_vcpu_run *w_run;

static void apic_write(int fd, uint32_t off, uint32_t val)
{
	struct virq_io io = { .space = VIRQ_IO_MMIO, .len = 4,
			      .addr = 0xfee00000 + off, .data = val,
			      .write = 1 };

	if (ioctl(fd, VIRQ_IO, &io) || io.fault)
		die("LAPIC write");
}

static void *virq_waiter(void *arg)
{
	int i, v;

	pin(1);
	for (i = 0; i < lat_n; i++) {
		struct virq_vcpu_wait w = { .timeout_ns = -1,
					    .flags = VIRQ_WAIT_ACK };

		v = ioctl(w_vcpu, VIRQ_VCPU_WAIT, &w);
		lat[i] = now_ns() - t_send;
		if (v != w_vector)
			die("unexpected vector");
		/* EOI, as the guest would */
		if (w_lapic)
			apic_write(w_vcpu, 0xb0, 0);
		else
			outb(0x20, 0x20);
		atomic_fetch_add(&done, 1);
	}
	return NULL;
}

static void *eventfd_waiter(void *arg)
{
	uint64_t val;
	int i;

	pin(1);
	for (i = 0; i < lat_n; i++) {
		atomic_fetch_add(&armed, 1);
		if (read(efd, &val, sizeof(val)) != sizeof(val))
			die("eventfd read");
		lat[i] = now_ns() - t_send;
		atomic_fetch_add(&done, 1);
	}
	return NULL;
}

static void efd_signal(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		die("eventfd write");
}

static void wake_run(enum wake_kind kind, int n, uint64_t *p50,
		     uint64_t *p99)
{
	pthread_t t;
	int i;

	w_vcpu = kind == WAKE_IPI ? avcpu[1] : vcpu;
	w_run = kind == WAKE_IPI ? arun : run;
	w_vector = kind == WAKE_IPI ? 0x50 : 0x34;
	w_lapic = kind == WAKE_IPI;
	lat_n = n;
	lat = calloc(n, sizeof(*lat));
	if (!lat)
		die("calloc");
	atomic_store(&armed, 0);
	atomic_store(&done, 0);
	pthread_create(&t, NULL,
		       kind == WAKE_EVENTFD ? eventfd_waiter : virq_waiter,
		       NULL);
	pin(0);
	for (i = 0; i < n; i++) {
		/* Wait until the other thread sleeps, then wake it. */
		if (kind != WAKE_EVENTFD) {
			while (__atomic_load_n(&w_run->mode,
					       __ATOMIC_ACQUIRE) !=
			       VIRQ_MODE_HALTED)
				sched_yield();
		} else {
			while (atomic_load(&armed) != i + 1)
				sched_yield();
		}
		usleep(50);	/* let it reach schedule() */
		t_send = now_ns();
		switch (kind) {
		case WAKE_LINE:
			line(4, 1);
			break;
		case WAKE_EVENTFD:
			efd_signal(efd);
			break;
		case WAKE_IRQFD:
			efd_signal(irqfd_efd);
			break;
		case WAKE_IPI:
			apic_write(avcpu[0], 0x300, 0x50);
			break;
		}
		while (atomic_load(&done) != i + 1)
			sched_yield();
		if (kind == WAKE_LINE)
			line(4, 0);
	}
	pthread_join(t, NULL);
	*p50 = measured("wake p50", pct(lat, n, 50));
	*p99 = measured("wake p99", pct(lat, n, 99));
	free(lat);
}

/* Bind irqfd_efd to GSI 4, injecting from a work item if deferred. */
static void irqfd_bind(int deferred)
{
	struct virq_irqfd_args a = { .fd = irqfd_efd, .gsi = 4 };
	int p = open("/sys/module/virq/parameters/irqfd_defer", O_WRONLY);

	if (p < 0 || write(p, deferred ? "Y" : "N", 1) != 1)
		die("/sys/module/virq/parameters/irqfd_defer");
	close(p);
	if (ioctl(chip, VIRQ_IRQFD, &a))
		die("VIRQ_IRQFD");
}

static void irqfd_unbind(void)
{
	struct virq_irqfd_args a = { .fd = irqfd_efd, .gsi = 4,
				     .flags = VIRQ_IRQFD_FLAG_DEASSIGN };

	if (ioctl(chip, VIRQ_IRQFD, &a))
		die("VIRQ_IRQFD deassign");
}

/* A full chip of n vCPUs (APIC IDs 0..n-1), each LAPIC software-enabled. */
static int apic_chip(int dev, int n, int *vcpus)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC | VIRQ_CHIP_LAPIC,
		.nr_ioapics = 1, .max_vcpus = n,
	};
	int c = ioctl(dev, VIRQ_CREATE_CHIP, &cfg), i;

	if (c < 0)
		die("VIRQ_CREATE_CHIP (LAPIC)");
	for (i = 0; i < n; i++) {
		vcpus[i] = ioctl(c, VIRQ_CREATE_VCPU, i);
		if (vcpus[i] < 0)
			die("VIRQ_CREATE_VCPU (LAPIC)");
		apic_write(vcpus[i], 0xf0, 0x1ff);
	}
	return c;
}

static void ipi_setup(int dev)
{
	achip = apic_chip(dev, 2, avcpu);
	arun = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, avcpu[1],
		    0);
	if (arun == MAP_FAILED)
		die("mmap");
	apic_write(avcpu[0], 0x310, 1 << 24);	/* ICR high: APIC ID 1 */
}

/* SIGNAL_MSI to the last of n vCPUs over NOP, on a chip of n vCPUs. */
#define MSI_SIZES 3
static const int msi_sizes[MSI_SIZES] = { 1, 64, 254 };
static int msi_chip[MSI_SIZES];

static double ratio_msi_n_vcpus(int k, int n)
{
	struct virq_msi msi = {
		.address_lo = 0xfee00000 | (msi_sizes[k] - 1) << 12,
		.data = 0x41,
	};
	double nop = per_call_ns(msi_chip[k], VIRQ_NOP, NULL, n);

	return per_call_ns(msi_chip[k], VIRQ_SIGNAL_MSI, &msi, n) / nop;
}

/* ---- polling vCPU: request bit vs a plain shared word ---- */

static atomic_int flag;

static void *poller(void *arg)
{
	int use_virq = *(int *)arg, i;

	pin(1);
	for (i = 0; i < lat_n; i++) {
		atomic_fetch_add(&armed, 1);
		if (use_virq) {
			while (!(__atomic_load_n(&run->requests,
						 __ATOMIC_ACQUIRE) &
				 VIRQ_REQ_INTR))
				;
		} else {
			while (!atomic_load(&flag))
				;
		}
		lat[i] = now_ns() - t_send;
		if (use_virq) {
			if (ioctl(vcpu, VIRQ_VCPU_ACK, 0) != 0x34)
				die("poll ack");
			outb(0x20, 0x20);
		}
		atomic_store(&flag, 0);
		atomic_fetch_add(&done, 1);
	}
	return NULL;
}

static uint64_t poll_run(int use_virq, int n)
{
	pthread_t t;
	uint64_t p50;
	int i;

	lat_n = n;
	lat = calloc(n, sizeof(*lat));
	atomic_store(&armed, 0);
	atomic_store(&done, 0);
	pthread_create(&t, NULL, poller, &use_virq);
	pin(0);
	for (i = 0; i < n; i++) {
		while (atomic_load(&armed) != i + 1)
			;
		t_send = now_ns();
		if (use_virq)
			line(4, 1);
		else
			atomic_store(&flag, 1);
		while (atomic_load(&done) != i + 1)
			;
		if (use_virq)
			line(4, 0);
	}
	pthread_join(t, NULL);
	p50 = measured("poll p50", pct(lat, n, 50));
	free(lat);
	return p50;
}

struct figure {
	const char *name;
	double v[REPS];
	double med, lo, hi;
	double target;
};

static void summarize(struct figure *f, int reps)
{
	qsort(f->v, reps, sizeof(double), cmp_dbl);
	f->med = f->v[reps / 2];
	f->lo = f->v[0];
	f->hi = f->v[reps - 1];
}

int main(int argc, char **argv)
{
	struct virq_chip_config cfg = { .flags = VIRQ_CHIP_PIC, .max_vcpus = 1 };
	struct figure fig[] = {
		{ .name = "irq_line_over_nop", .target = 1.5 },
		{ .name = "irq_line_status_over_nop", .target = 0 },
		{ .name = "signal_msi_over_nop", .target = 1.3 },
		{ .name = "wake_p50_over_eventfd", .target = 1.1 },
		{ .name = "wake_p99_over_eventfd", .target = 0 },
		{ .name = "poll_p50_over_shared_word", .target = 0 },
		{ .name = "irq_line_status_pic_ioapic_over_nop", .target = 0 },
		{ .name = "irqfd_wake_p50_over_eventfd", .target = 1.2 },
		{ .name = "irqfd_deferred_wake_p50_over_eventfd", .target = 0 },
		{ .name = "ipi_wake_p50_over_eventfd", .target = 0 },
		{ .name = "signal_msi_1_vcpus_over_nop", .target = 0 },
		{ .name = "signal_msi_64_vcpus_over_nop", .target = 0 },
		{ .name = "signal_msi_254_vcpus_over_nop", .target = 0 },
		/* the KVM reference stays last: dropped without /dev/kvm */
		{ .name = "kvm_irq_line_status_over_nop", .target = 0 },
		{ .name = "kvm_signal_msi_over_nop", .target = 0 },
	};
	struct virq_chip_config cfg2 = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC, .nr_ioapics = 1,
		.max_vcpus = 1,
	};
	int nfig = sizeof(fig) / sizeof(fig[0]), have_kvm;
	int reps, calls, wakes, r, i, k, dev, *msi_vcpus;
	uint64_t v50, v99, e50, e99, p_virq, p_mem, f50, d50, i50, x99;
	struct rlimit nofile = { 4096, 4096 };
	const char *dev_path = "/dev/virq";

	struct timespec res;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--quick"))
			quick = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (clock_getres(CLOCK_MONOTONIC, &res))
		die("clock_getres");
	clock_res_ns = res.tv_sec * 1000000000ULL + res.tv_nsec;
	printf("# clock resolution %llu ns\n", (unsigned long long)clock_res_ns);
	if (clock_res_ns > 1000) {
		fprintf(stderr, "virq_bench: CLOCK_MONOTONIC resolves only %llu ns (no high-resolution clock): refusing to measure\n",
			(unsigned long long)clock_res_ns);
		return 2;
	}
	reps = quick ? 3 : REPS;
	calls = quick ? 2000 : 200000;
	wakes = quick ? 50 : 2000;

	dev = open(dev_path, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		die("open /dev/virq");
	chip = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
	if (chip < 0)
		die("VIRQ_CREATE_CHIP");
	vcpu = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("VIRQ_CREATE_VCPU");
	run = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap");
	efd = eventfd(0, EFD_CLOEXEC);
	irqfd_efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0 || irqfd_efd < 0)
		die("eventfd");
	/* Linux's PIC init; IRQ 4 unmasked, vectors 0x30.. */
	outb(0x20, 0x11); outb(0x21, 0x30); outb(0x21, 0x04); outb(0x21, 0x01);
	outb(0xa0, 0x11); outb(0xa1, 0x38); outb(0xa1, 0x02); outb(0xa1, 0x01);
	chip2 = ioctl(dev, VIRQ_CREATE_CHIP, &cfg2);
	if (chip2 < 0)
		die("VIRQ_CREATE_CHIP (PIC + IOAPIC)");
	{
		/* Linux's PIC init on the second chip too. */
		int saved = chip;

		chip = chip2;
		outb(0x20, 0x11); outb(0x21, 0x30); outb(0x21, 0x04); outb(0x21, 0x01);
		outb(0xa0, 0x11); outb(0xa1, 0x38); outb(0xa1, 0x02); outb(0xa1, 0x01);
		chip = saved;
	}
	ipi_setup(dev);
	/* 1 + 64 + 254 vCPU fds: more than a default soft limit allows. */
	if (setrlimit(RLIMIT_NOFILE, &nofile))
		die("setrlimit");
	msi_vcpus = calloc(msi_sizes[MSI_SIZES - 1], sizeof(int));
	if (!msi_vcpus)
		die("calloc");
	for (k = 0; k < MSI_SIZES; k++) {
		msi_chip[k] = apic_chip(dev, msi_sizes[k], msi_vcpus);
		for (i = 0; i < msi_sizes[k] - 1; i++)
			close(msi_vcpus[i]);	/* the chip keeps its vCPUs */
	}
	have_kvm = kvm_setup() == 0;
	if (!have_kvm)
		nfig -= 2;

	for (r = 0; r < reps; r++) {
		fprintf(stderr, "# rep %d: syscalls\n", r);
		fig[0].v[r] = ratio_irq_line(calls, VIRQ_IRQ_LINE);
		fig[1].v[r] = ratio_irq_line(calls, VIRQ_IRQ_LINE_STATUS);
		line(4, 0);
		while (ioctl(vcpu, VIRQ_VCPU_ACK, 0) >= 0)
			outb(0x20, 0x20);
		fig[2].v[r] = ratio_signal_msi(calls);
		fig[6].v[r] = ratio_irq_line_pic_ioapic(calls);
		for (k = 0; k < MSI_SIZES; k++)
			fig[10 + k].v[r] = ratio_msi_n_vcpus(k, calls);
		if (have_kvm) {
			fig[13].v[r] = kvm_ratio_irq_line(calls);
			fig[14].v[r] = kvm_ratio_signal_msi(calls);
		}
		while (ioctl(vcpu, VIRQ_VCPU_ACK, 0) >= 0)
			;
		fprintf(stderr, "# rep %d: wake\n", r);
		wake_run(WAKE_LINE, wakes, &v50, &v99);
		wake_run(WAKE_EVENTFD, wakes, &e50, &e99);
		irqfd_bind(0);
		wake_run(WAKE_IRQFD, wakes, &f50, &x99);
		irqfd_unbind();
		irqfd_bind(1);
		wake_run(WAKE_IRQFD, wakes, &d50, &x99);
		irqfd_unbind();
		wake_run(WAKE_IPI, wakes, &i50, &x99);
		fig[3].v[r] = (double)v50 / e50;
		fig[4].v[r] = (double)v99 / e99;
		fig[7].v[r] = (double)f50 / e50;
		fig[8].v[r] = (double)d50 / e50;
		fig[9].v[r] = (double)i50 / e50;
		fprintf(stderr, "# rep %d: poll\n", r);
		p_virq = poll_run(1, wakes);
		p_mem = poll_run(0, wakes);
		fig[5].v[r] = (double)p_virq / p_mem;
		if (r == 0)
			printf("# rep 0 absolute: wake p50 virq %llu ns, eventfd %llu ns, irqfd %llu ns, irqfd deferred %llu ns, ipi %llu ns; poll p50 virq %llu ns, memory %llu ns\n",
			       (unsigned long long)v50, (unsigned long long)e50,
			       (unsigned long long)f50,
			       (unsigned long long)d50,
			       (unsigned long long)i50,
			       (unsigned long long)p_virq,
			       (unsigned long long)p_mem);
	}

	for (i = 0; i < nfig; i++)
		for (r = 0; r < reps; r++)
			if (!isfinite(fig[i].v[r]) || fig[i].v[r] <= 0) {
				fprintf(stderr, "virq_bench: %s rep %d is %f, not a measurement\n",
					fig[i].name, r, fig[i].v[r]);
				bad_measurements++;
			}
	if (bad_measurements) {
		fprintf(stderr, "virq_bench: %d bad measurement(s): refusing to report\n",
			bad_measurements);
		return 2;
	}
	printf("%-38s %8s %18s %8s\n", "figure", "median", "spread", "target");
	for (i = 0; i < nfig; i++) {
		char tgt[16] = "-";

		summarize(&fig[i], reps);
		if (fig[i].target)
			snprintf(tgt, sizeof(tgt), "<= %.1f", fig[i].target);
		printf("%-38s %8.2f %8.2f..%-8.2f %8s\n", fig[i].name,
		       fig[i].med, fig[i].lo, fig[i].hi, tgt);
	}
	printf("{\"reps\": %d, \"calls\": %d, \"wakes\": %d", reps, calls,
	       wakes);
	for (i = 0; i < nfig; i++)
		printf(", \"%s\": {\"median\": %.3f, \"min\": %.3f, \"max\": %.3f}",
		       fig[i].name, fig[i].med, fig[i].lo, fig[i].hi);
	printf("}\n");
	return 0;
}
