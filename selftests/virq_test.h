/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the virq selftests: open /dev/virq, create chips and
 * vCPUs, map run pages, drive lines and PIC ports the way a VMM does.
 */
#ifndef VIRQ_TEST_H
#define VIRQ_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/virq.h>

#include "kselftest_harness.h"

/* Write a string to a sysfs/cgroupfs file: 0, or -1. */
static inline int virq_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), r;

	if (fd < 0)
		return -1;
	r = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return r;
}

/* A text file read in one go into @buf (NUL-terminated): its length, or -1. */
static inline ssize_t virq_read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return n;
}

/*
 * The number after @key in a small text file (@key "" for the file's
 * first number), or -1.
 */
static inline long virq_read_number(const char *path, const char *key)
{
	char buf[512], *p;

	if (virq_read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, key);
	return p ? atol(p + strlen(key)) : -1;
}

static inline int virq_open(void)
{
	return open("/dev/virq", O_RDWR | O_CLOEXEC);
}

static inline struct virq_chip_config virq_cfg_pic(unsigned int max_vcpus)
{
	struct virq_chip_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.flags = VIRQ_CHIP_PIC;
	cfg.max_vcpus = max_vcpus;
	return cfg;
}

/* A PIC-only chip (the configuration this version implements). */
static inline int virq_chip(int dev, unsigned int max_vcpus)
{
	struct virq_chip_config cfg = virq_cfg_pic(max_vcpus);

	return ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
}

static inline struct virq_vcpu_run *virq_map_run(int vcpu)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);

	return p == MAP_FAILED ? NULL : p;
}

static inline int virq_line(int chip, unsigned int gsi, unsigned int level)
{
	struct virq_irq_level il = { .irq = gsi, .level = level };

	if (ioctl(chip, VIRQ_IRQ_LINE_STATUS, &il))
		return -1000 - errno;
	return il.status;
}

static inline int virq_pio_fd(int fd, unsigned int port, int write,
			      uint8_t *val)
{
	struct virq_io io = {
		.space = VIRQ_IO_PIO, .len = 1, .addr = port,
		.data = write ? *val : 0, .write = write,
	};
	int r = ioctl(fd, VIRQ_IO, &io);

	if (!r && !write)
		*val = io.data;
	return r;
}

static inline int virq_outb(int chip, unsigned int port, uint8_t v)
{
	return virq_pio_fd(chip, port, 1, &v);
}

static inline int virq_inb(int chip, unsigned int port)
{
	uint8_t v = 0;

	if (virq_pio_fd(chip, port, 0, &v))
		return -1;
	return v;
}

/* Linux's i8259 init: ICW1 0x11, ICW2 0x30/0x38, ICW3 4/2, ICW4 1. */
static inline int virq_pic_init_linux(int chip)
{
	return virq_outb(chip, 0x20, 0x11) | virq_outb(chip, 0x21, 0x30) |
	       virq_outb(chip, 0x21, 0x04) | virq_outb(chip, 0x21, 0x01) |
	       virq_outb(chip, 0xa0, 0x11) | virq_outb(chip, 0xa1, 0x38) |
	       virq_outb(chip, 0xa1, 0x02) | virq_outb(chip, 0xa1, 0x01);
}

static inline uint32_t virq_requests(struct virq_vcpu_run *run)
{
	return __atomic_load_n(&run->requests, __ATOMIC_SEQ_CST);
}

static inline int virq_wait(int vcpu, int64_t timeout_ns, uint32_t flags)
{
	struct virq_vcpu_wait w = { .timeout_ns = timeout_ns, .flags = flags };

	return ioctl(vcpu, VIRQ_VCPU_WAIT, &w);
}

#endif /* VIRQ_TEST_H */
