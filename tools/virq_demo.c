// SPDX-License-Identifier: GPL-2.0
/*
 * virq_demo: what a VMM does with virq, end to end. Creates a chip and
 * prints its capabilities, programs the PIC pair the way Linux does, starts
 * a vCPU thread that halts in VIRQ_VCPU_WAIT, raises ISA IRQs (timer,
 * keyboard, a slave IRQ) from the "device" thread, and shows the vCPU
 * acknowledging each vector and sending the EOIs a guest would.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/virq.h>

static int chip, vcpu;
static struct virq_vcpu_run *run;

static int outb(uint16_t port, uint8_t v)
{
	struct virq_io io = { .space = VIRQ_IO_PIO, .len = 1, .addr = port,
			      .data = v, .write = 1 };

	return ioctl(chip, VIRQ_IO, &io);
}

static void die(const char *what)
{
	fprintf(stderr, "virq_demo: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The vCPU: halt until an interrupt, acknowledge it, EOI it. */
static void *vcpu_thread(void *arg)
{
	int n = *(int *)arg, i, vector;

	for (i = 0; i < n; i++) {
		struct virq_vcpu_wait w = { .timeout_ns = 5000000000LL,
					    .flags = VIRQ_WAIT_ACK };

		vector = ioctl(vcpu, VIRQ_VCPU_WAIT, &w);
		if (vector < 0)
			die("VIRQ_VCPU_WAIT");
		printf("  vcpu: woke, acknowledged vector 0x%02x (IRQ %d)\n",
		       vector, vector >= 0x38 ? vector - 0x38 + 8 : vector - 0x30);
		/* The guest's handler ends with EOIs: slave first, then master. */
		if (vector >= 0x38)
			outb(0xa0, 0x20);
		outb(0x20, 0x20);
	}
	return NULL;
}

int main(void)
{
	static const struct { const char *name; int cap; } caps[] = {
		{ "PIC", VIRQ_CAP_PIC }, { "IOAPIC", VIRQ_CAP_IOAPIC },
		{ "LAPIC", VIRQ_CAP_LAPIC }, { "max vCPUs", VIRQ_CAP_MAX_VCPUS },
		{ "max routes", VIRQ_CAP_MAX_ROUTES },
		{ "GSIs", VIRQ_CAP_NR_GSIS },
		{ "SIGNAL_MSI", VIRQ_CAP_SIGNAL_MSI },
		{ "32-bit MSI IDs", VIRQ_CAP_MSI_32BIT_IDS },
	};
	struct virq_chip_config cfg = { .flags = VIRQ_CHIP_PIC, .max_vcpus = 1 };
	static const int irqs[] = { 0, 1, 12 };
	int dev, i, n = 3;
	pthread_t t;

	dev = open("/dev/virq", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		die("open /dev/virq");
	printf("virq API version %d\n", ioctl(dev, VIRQ_GET_API_VERSION, 0));
	for (i = 0; i < (int)(sizeof(caps) / sizeof(caps[0])); i++)
		printf("  %-16s %d\n", caps[i].name,
		       ioctl(dev, VIRQ_CHECK_EXTENSION, caps[i].cap));

	chip = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
	if (chip < 0)
		die("VIRQ_CREATE_CHIP");
	printf("chip fd %d: PIC pair, default PC routing\n", chip);
	vcpu = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("VIRQ_CREATE_VCPU");
	run = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap run page");

	/* Linux's 8259 init: vectors 0x30 (master) and 0x38 (slave). */
	static const uint8_t init[][2] = {
		{ 0x20, 0x11 }, { 0x21, 0x30 }, { 0x21, 0x04 }, { 0x21, 0x01 },
		{ 0xa0, 0x11 }, { 0xa1, 0x38 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
	};
	for (i = 0; i < 8; i++)
		if (outb(init[i][0], init[i][1]))
			die("VIRQ_IO");
	printf("PIC programmed like Linux (ICW1 0x11, ICW2 0x30/0x38)\n");

	if (pthread_create(&t, NULL, vcpu_thread, &n))
		die("pthread_create");
	for (i = 0; i < n; i++) {
		struct virq_irq_level il = { .irq = irqs[i], .level = 1 };

		usleep(100000);
		printf("device: raising IRQ %d\n", irqs[i]);
		if (ioctl(chip, VIRQ_IRQ_LINE_STATUS, &il))
			die("VIRQ_IRQ_LINE_STATUS");
		printf("  status %d (1: delivered)\n", il.status);
		il.irq = irqs[i];
		il.level = 0;
		ioctl(chip, VIRQ_IRQ_LINE, &il);
	}
	pthread_join(t, NULL);
	printf("vcpu counters: requests %llu, kicks %llu, wakeups %llu, acks %llu\n",
	       (unsigned long long)run->requests_made,
	       (unsigned long long)run->kicks,
	       (unsigned long long)run->wakeups,
	       (unsigned long long)run->acks);
	return run->acks == (unsigned int)n ? 0 : 1;
}
