// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifetime: rmmod is refused while any virq fd is open (/dev/virq,
 * a chip fd, a vCPU fd, a run page mapping) and succeeds after the last
 * close. The test reloads the module from $VIRQ_KO when it is done.
 */
#include <sys/syscall.h>
#include "virq_test.h"

static int try_rmmod(void)
{
	return syscall(SYS_delete_module, "virq", O_NONBLOCK) ? errno : 0;
}

static int reload(void)
{
	const char *path = getenv("VIRQ_KO");
	int fd, r;

	if (!path)
		path = "/lib/modules/virq.ko";
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	r = syscall(SYS_finit_module, fd, "", 0) ? errno : 0;
	close(fd);
	return r;
}

TEST(rmmod_refused_while_open)
{
	int dev = virq_open(), chip, vcpu;
	struct virq_vcpu_run *run;

	ASSERT_LE(0, dev);
	EXPECT_EQ(EWOULDBLOCK, try_rmmod());
	chip = virq_chip(dev, 1);
	ASSERT_LE(0, chip);
	close(dev);
	EXPECT_EQ(EWOULDBLOCK, try_rmmod());	/* the chip fd pins it */
	vcpu = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu);
	close(chip);
	EXPECT_EQ(EWOULDBLOCK, try_rmmod());	/* the vCPU fd pins it */
	run = virq_map_run(vcpu);
	ASSERT_NE(NULL, run);
	close(vcpu);
	EXPECT_EQ(EWOULDBLOCK, try_rmmod());	/* the mapping pins it */
	EXPECT_EQ(0, run->apic_id);
	munmap(run, 4096);

	/* The last close drops the last reference: now it goes. */
	ASSERT_EQ(0, try_rmmod());
	EXPECT_EQ(-1, virq_open());
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, reload());
	dev = virq_open();
	ASSERT_LE(0, dev);
	EXPECT_EQ(VIRQ_API_VERSION, ioctl(dev, VIRQ_GET_API_VERSION, 0));
	close(dev);
}

TEST_HARNESS_MAIN
