// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/virq as a VMM first meets it: open, API version, extensions,
 * unknown ioctls, chip creation arguments, chip isolation, and creating
 * and closing many chips.
 */
#include <stdio.h>
#include <sys/stat.h>
#include "virq_test.h"

TEST(open_and_version)
{
	int dev = virq_open();

	ASSERT_LE(0, dev);
	EXPECT_EQ(VIRQ_API_VERSION, ioctl(dev, VIRQ_GET_API_VERSION, 0));
	EXPECT_EQ(-1, ioctl(dev, VIRQ_GET_API_VERSION, 1));
	EXPECT_EQ(EINVAL, errno);
	close(dev);
}

TEST(check_extension)
{
	int dev = virq_open();

	ASSERT_LE(0, dev);
	EXPECT_EQ(1, ioctl(dev, VIRQ_CHECK_EXTENSION, VIRQ_CAP_PIC));
	EXPECT_EQ(1, ioctl(dev, VIRQ_CHECK_EXTENSION, VIRQ_CAP_IRQ_ROUTING));
	EXPECT_EQ(1, ioctl(dev, VIRQ_CHECK_EXTENSION, VIRQ_CAP_SIGNAL_MSI));
	EXPECT_EQ(VIRQ_MAX_VCPUS,
		  ioctl(dev, VIRQ_CHECK_EXTENSION, VIRQ_CAP_MAX_VCPUS));
	EXPECT_EQ(VIRQ_MAX_ROUTES,
		  ioctl(dev, VIRQ_CHECK_EXTENSION, VIRQ_CAP_MAX_ROUTES));
	EXPECT_EQ(VIRQ_NR_GSIS,
		  ioctl(dev, VIRQ_CHECK_EXTENSION, VIRQ_CAP_NR_GSIS));
	EXPECT_EQ(VIRQ_MAX_IOAPICS,
		  ioctl(dev, VIRQ_CHECK_EXTENSION, VIRQ_CAP_IOAPIC));
	EXPECT_EQ(1, ioctl(dev, VIRQ_CHECK_EXTENSION, VIRQ_CAP_LAPIC));
	EXPECT_EQ(0, ioctl(dev, VIRQ_CHECK_EXTENSION, 9999));
	close(dev);
}

TEST(unknown_ioctl)
{
	int dev = virq_open(), chip, vcpu;

	ASSERT_LE(0, dev);
	EXPECT_EQ(-1, ioctl(dev, _IO(VIRQIO, 0x7f), 0));
	EXPECT_EQ(ENOTTY, errno);
	/* A chip ioctl on /dev/virq is unknown there. */
	EXPECT_EQ(-1, ioctl(dev, VIRQ_NOP, 0));
	EXPECT_EQ(ENOTTY, errno);
	chip = virq_chip(dev, 1);
	ASSERT_LE(0, chip);
	EXPECT_EQ(-1, ioctl(chip, _IO(VIRQIO, 0x7f), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(chip, VIRQ_GET_API_VERSION, 0));
	EXPECT_EQ(ENOTTY, errno);
	vcpu = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu);
	EXPECT_EQ(-1, ioctl(vcpu, VIRQ_IRQ_LINE, 0));
	EXPECT_EQ(ENOTTY, errno);
	close(vcpu);
	close(chip);
	close(dev);
}

static int create_errno(int dev, struct virq_chip_config *cfg)
{
	int fd = ioctl(dev, VIRQ_CREATE_CHIP, cfg);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

TEST(bad_creation_arguments)
{
	struct virq_chip_config cfg;
	int dev = virq_open();

	ASSERT_LE(0, dev);
	cfg = virq_cfg_pic(1);
	EXPECT_EQ(0, create_errno(dev, &cfg));

	cfg.flags |= 1U << 17;			/* unknown flag */
	EXPECT_EQ(EINVAL, create_errno(dev, &cfg));
	cfg = virq_cfg_pic(1);
	cfg.pad = 1;				/* padding */
	EXPECT_EQ(EINVAL, create_errno(dev, &cfg));
	cfg = virq_cfg_pic(1);
	cfg.reserved[6] = 1;
	EXPECT_EQ(EINVAL, create_errno(dev, &cfg));
	cfg = virq_cfg_pic(0);			/* no vCPU */
	EXPECT_EQ(EINVAL, create_errno(dev, &cfg));
	cfg = virq_cfg_pic(VIRQ_MAX_VCPUS + 1);
	EXPECT_EQ(EINVAL, create_errno(dev, &cfg));
	cfg = virq_cfg_pic(VIRQ_MAX_VCPUS);
	EXPECT_EQ(0, create_errno(dev, &cfg));

	cfg = virq_cfg_pic(1);			/* no PIC */
	cfg.flags = 0;
	EXPECT_EQ(EINVAL, create_errno(dev, &cfg));
	cfg.flags = VIRQ_CHIP_IOAPIC;		/* IOAPIC without PIC */
	cfg.nr_ioapics = 1;
	EXPECT_EQ(EINVAL, create_errno(dev, &cfg));
	cfg.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_LAPIC;	/* LAPIC, no IOAPIC */
	cfg.nr_ioapics = 0;
	EXPECT_EQ(EINVAL, create_errno(dev, &cfg));
	cfg.flags = VIRQ_CHIP_PIC;		/* IOAPIC count, no IOAPIC */
	cfg.nr_ioapics = 1;
	EXPECT_EQ(EINVAL, create_errno(dev, &cfg));
	cfg.nr_ioapics = 0;			/* stray GSI base */
	cfg.ioapic_gsi_base[1] = 24;
	EXPECT_EQ(EINVAL, create_errno(dev, &cfg));

	cfg = virq_cfg_pic(1);
	cfg.flags |= VIRQ_CHIP_IOAPIC;
	cfg.nr_ioapics = 0;			/* IOAPIC with none */
	EXPECT_EQ(EINVAL, create_errno(dev, &cfg));
	cfg.nr_ioapics = VIRQ_MAX_IOAPICS + 1;
	EXPECT_EQ(EINVAL, create_errno(dev, &cfg));
	cfg.nr_ioapics = 2;			/* overlapping GSI bases */
	cfg.ioapic_gsi_base[1] = 23;
	EXPECT_EQ(EINVAL, create_errno(dev, &cfg));
	cfg.ioapic_gsi_base[0] = 24;		/* IOAPIC 0 not at GSI 0 */
	cfg.ioapic_gsi_base[1] = 48;
	EXPECT_EQ(EINVAL, create_errno(dev, &cfg));
	cfg.ioapic_gsi_base[0] = 0;		/* beyond the GSI space */
	cfg.ioapic_gsi_base[1] = VIRQ_NR_GSIS - 23;
	EXPECT_EQ(EINVAL, create_errno(dev, &cfg));
	cfg.ioapic_gsi_base[1] = 24;
	cfg.ioapic_version = 0x21;		/* no such version */
	EXPECT_EQ(EINVAL, create_errno(dev, &cfg));
	cfg.ioapic_version = 0;
	EXPECT_EQ(0, create_errno(dev, &cfg));
	cfg.flags |= VIRQ_CHIP_LAPIC;		/* the full set */
	EXPECT_EQ(0, create_errno(dev, &cfg));

	EXPECT_EQ(-1, ioctl(dev, VIRQ_CREATE_CHIP, NULL));
	EXPECT_EQ(EFAULT, errno);
	close(dev);
}

TEST(chip_config_readback)
{
	struct virq_chip_config cfg = virq_cfg_pic(3), got;
	int dev = virq_open(), chip;

	ASSERT_LE(0, dev);
	cfg.flags |= VIRQ_CHIP_32BIT_IDS;
	chip = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
	ASSERT_LE(0, chip);
	ASSERT_EQ(0, ioctl(chip, VIRQ_GET_CHIP_CONFIG, &got));
	EXPECT_EQ(0, memcmp(&cfg, &got, sizeof(cfg)));
	EXPECT_EQ(0, ioctl(chip, VIRQ_NOP, 0));
	close(chip);
	close(dev);
}

TEST(chips_are_isolated)
{
	int dev = virq_open(), a, b;

	ASSERT_LE(0, dev);
	a = virq_chip(dev, 1);
	b = virq_chip(dev, 1);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, virq_pic_init_linux(a));
	ASSERT_EQ(0, virq_outb(a, 0x21, 0x5a));
	/* b's PIC is untouched by a's programming. */
	EXPECT_EQ(0x5a, virq_inb(a, 0x21));
	EXPECT_EQ(0x00, virq_inb(b, 0x21));
	/* The same APIC ID exists once per chip, not once overall. */
	EXPECT_LE(0, ioctl(a, VIRQ_CREATE_VCPU, 0));
	EXPECT_LE(0, ioctl(b, VIRQ_CREATE_VCPU, 0));
	/* A line on a reaches a's PIC only (IRR is read at 0x20). */
	EXPECT_EQ(1, virq_line(a, 5, 1));
	EXPECT_EQ(0x20, virq_inb(a, 0x20));
	EXPECT_EQ(0x00, virq_inb(b, 0x20));
	close(a);
	close(b);
	close(dev);
}

/*
 * Memory comes back: the run pages (alloc_page, which kmemleak does not
 * track) and every charged allocation are counted through a memory
 * cgroup this test moves itself into. 2000 chips, half with a vCPU whose
 * fd outlives the chip fd; then 200 held open at once, to prove the
 * counter sees them (each vCPU has a 4 KiB run page).
 */
#define CG "/sys/fs/cgroup"

static long cg_read(const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), CG "/virq-dev-test/%s", file);
	return virq_read_number(path, "");
}

#define cg_write virq_write_file

static int cg_enter(void)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", getpid());
	cg_write(CG "/cgroup.subtree_control", "+memory");
	if (mkdir(CG "/virq-dev-test", 0755) && errno != EEXIST)
		return -1;
	return cg_write(CG "/virq-dev-test/cgroup.procs", pid);
}

static void cg_leave(void)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", getpid());
	cg_write(CG "/cgroup.procs", pid);
	rmdir(CG "/virq-dev-test");
}

/* memory.current, once RCU-deferred frees have had time to run. */
static long settled_current(void)
{
	usleep(200000);
	return cg_read("memory.current");
}

/* A fixture only for the time limit: KASAN makes 2000 chips slow. */
FIXTURE(slow) {
	int unused;
};

FIXTURE_SETUP(slow)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(slow)
{
}

TEST_F_TIMEOUT(slow, create_and_close_2000_chips, 300)
{
	int dev = virq_open(), i, fd, vcpu, fds[400];
	long before, peak, after;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, cg_enter());
	before = settled_current();
	ASSERT_LT(0, before);
	for (i = 0; i < 2000; i++) {
		fd = virq_chip(dev, 2);
		ASSERT_LE(0, fd);
		/* Half of them with a vCPU whose fd outlives the chip fd. */
		if (i & 1) {
			vcpu = ioctl(fd, VIRQ_CREATE_VCPU, 0);
			ASSERT_LE(0, vcpu);
			ASSERT_EQ(0, close(fd));
			ASSERT_EQ(0, close(vcpu));
		} else {
			ASSERT_EQ(0, close(fd));
		}
	}
	after = settled_current();

	/* The counter sees what chips hold: 200 open, each with a vCPU. */
	for (i = 0; i < 200; i++) {
		fds[2 * i] = virq_chip(dev, 2);
		ASSERT_LE(0, fds[2 * i]);
		fds[2 * i + 1] = ioctl(fds[2 * i], VIRQ_CREATE_VCPU, 0);
		ASSERT_LE(0, fds[2 * i + 1]);
	}
	peak = cg_read("memory.current");
	for (i = 0; i < 400; i++)
		close(fds[i]);
	TH_LOG("memory.current: %ld before, %ld after 2000 chips, %ld with 200 open",
	       before, after, peak);
	/*
	 * The memcg charges in per-CPU batches of 64 pages, so its counter
	 * moves in steps: 200 run pages plus the chips' objects (about 300
	 * pages) show as at least 100 pages whatever the batches held.
	 */
	EXPECT_LE(100 * 4096L, peak - after);
	/*
	 * A chip (about 1 KiB of objects) leaked per chip, or a run page per
	 * vCPU, would show 2-4 MiB; the memcg's per-CPU batches are
	 * 0.5 MiB.
	 */
	EXPECT_GE(1024 * 1024L, after - before);
	cg_leave();
	close(dev);
}

TEST_HARNESS_MAIN
