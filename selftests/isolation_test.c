// SPDX-License-Identifier: GPL-2.0
/*
 * Isolation and limits: one process's chips do not affect another's; a
 * vCPU fd passed to another process cannot make virq signal the first
 * process's threads unless they registered themselves; every limit on
 * what a user can make virq allocate holds, and inside a small memory
 * cgroup the allocations fail with a clean ENOMEM — nobody is OOM-killed,
 * neither the process that asked nor an innocent one beside it.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "virq_test.h"

/* ---- two processes, two chips ---- */

TEST(another_process_chip_changes_nothing_here)
{
	struct virq_irqchip before[2] = { { .chip_id = 0 }, { .chip_id = 1 } };
	struct virq_irqchip after[2] = { { .chip_id = 0 }, { .chip_id = 1 } };
	int dev = virq_open(), chip, v, st, i;
	pid_t pid;

	ASSERT_LE(0, dev);
	chip = virq_chip(dev, 1);
	ASSERT_LE(0, chip);
	v = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, v);
	ASSERT_EQ(0, virq_pic_init_linux(chip));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, ioctl(chip, VIRQ_GET_IRQCHIP, &before[i]));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Its own chip, same APIC IDs, every line and register. */
		int d = virq_open(), c = virq_chip(d, 1), w, g;

		close(chip);	/* inherited: not ours to use */
		close(v);
		if (c < 0 || (w = ioctl(c, VIRQ_CREATE_VCPU, 0)) < 0)
			_exit(1);
		virq_pic_init_linux(c);
		for (g = 0; g < 16; g++)
			virq_line(c, g, 1);
		virq_outb(c, 0x21, 0x00);
		virq_outb(c, 0x20, 0xc5);	/* rotate priorities */
		while (ioctl(w, VIRQ_VCPU_ACK, 0) >= 0)
			;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, ioctl(chip, VIRQ_GET_IRQCHIP, &after[i]));
		EXPECT_EQ(0, memcmp(&before[i], &after[i], sizeof(after[i])));
	}
	EXPECT_EQ(-1, ioctl(v, VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(EAGAIN, errno);
	close(v);
	close(chip);
	close(dev);
}

/* ---- a vCPU fd in another process's hands ---- */

static atomic_int got_usr1, got_usr2;

static void on_usr1(int s)
{
	atomic_fetch_add(&got_usr1, 1);
}

static void on_usr2(int s)
{
	atomic_fetch_add(&got_usr2, 1);
}

/*
 * Take file descriptor @fd of process @pid (pidfd_getfd: what SCM_RIGHTS
 * does, without needing AF_UNIX in the test kernel).
 */
static int grab_fd(pid_t pid, int fd)
{
	int pfd = syscall(SYS_pidfd_open, pid, 0), r;

	if (pfd < 0)
		return -1;
	r = syscall(SYS_pidfd_getfd, pfd, fd, 0);
	close(pfd);
	return r;
}

/* In guest mode, as a VMM's vCPU thread would be around KVM_RUN. */
static void set_mode(struct virq_vcpu_run *run, uint32_t mode)
{
	__atomic_store_n(&run->mode, mode, __ATOMIC_SEQ_CST);
}

TEST(passed_vcpu_fd_signals_only_who_registered)
{
	int dev = virq_open(), chip, v, done[2], st, i;
	struct virq_vcpu_run *run;
	char c;
	pid_t pid, parent = getpid();

	ASSERT_LE(0, dev);
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	chip = virq_chip(dev, 1);
	ASSERT_LE(0, chip);
	v = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, v);
	run = virq_map_run(v);
	ASSERT_NE(NULL, run);
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* B: takes A's vCPU and chip fds, tries everything. */
		struct virq_vcpu_signal s = { .signo = SIGUSR2 };
		struct virq_vcpu_run *r;
		int fv, fc, n, ok;

		close(done[0]);
		/* Not through fork's copies: the fds of the other process. */
		fv = grab_fd(parent, v);
		fc = grab_fd(parent, chip);
		munmap(run, 4096);
		close(v);
		close(chip);
		r = fv < 0 ? NULL : virq_map_run(fv);
		if (fc < 0 || !r)
			_exit(1);
		virq_pic_init_linux(fc);
		/* Nobody registered: kicks, lines and mode flips signal no one. */
		for (n = 0; n < 50; n++) {
			set_mode(r, VIRQ_MODE_IN_GUEST);
			ioctl(fv, VIRQ_VCPU_KICK, 0);
			set_mode(r, VIRQ_MODE_IN_GUEST);
			virq_line(fc, 4, 1);
			virq_line(fc, 4, 0);
			ioctl(fv, VIRQ_VCPU_ACK, 0);
			virq_outb(fc, 0x20, 0x20);
			set_mode(r, VIRQ_MODE_IN_GUEST);
			ioctl(fv, VIRQ_VCPU_NMI, 0);
		}
		/* B registers itself: B's kicks now signal B. */
		if (ioctl(fv, VIRQ_VCPU_SET_SIGNAL, &s))
			_exit(2);
		set_mode(r, VIRQ_MODE_IN_GUEST);
		ioctl(fv, VIRQ_VCPU_KICK, 0);
		for (n = 0; n < 100 && !atomic_load(&got_usr2); n++)
			usleep(1000);
		ok = atomic_load(&got_usr2) == 1 && !atomic_load(&got_usr1);
		set_mode(r, VIRQ_MODE_OUTSIDE);
		if (write(done[1], "d", 1) != 1)
			_exit(3);
		_exit(ok ? 0 : 4);
	}
	close(done[1]);
	ASSERT_EQ(1, read(done[0], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		TH_LOG("child status 0x%x", st);
	}
	/* A never registered: not one signal reached it. */
	for (i = 0; i < 20; i++)
		usleep(1000);
	EXPECT_EQ(0, atomic_load(&got_usr1));
	EXPECT_EQ(0, atomic_load(&got_usr2));
	close(done[0]);
	munmap(run, 4096);
	close(v);
	close(chip);
	close(dev);
}

/* ---- limits and a small memory cgroup ---- */

#define CG "/sys/fs/cgroup"
#define CGT CG "/virq-limits"

#define cg_write virq_write_file

static long cg_read(const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), CGT "/%s", file);
	return virq_read_number(path, "");
}

/* memory.events' oom_kill count */
static long cg_oom_kills(void)
{
	return virq_read_number(CGT "/memory.events", "oom_kill ");
}

static int cg_join(pid_t pid)
{
	char s[16];

	snprintf(s, sizeof(s), "%d", pid);
	return cg_write(CGT "/cgroup.procs", s);
}

/* Limits that hold whatever the memory: vCPUs, routes, irqfds. */
TEST(fixed_limits)
{
	static struct {
		struct virq_irq_routing h;
		struct virq_irq_routing_entry e[VIRQ_MAX_ROUTES + 1];
	} rt;
	struct rlimit nofile = { 4096, 4096 };
	struct virq_chip_config cfg = virq_cfg_pic(VIRQ_MAX_VCPUS);
	int dev = virq_open(), chip, i, *fds, efd;
	struct virq_irqfd_args a = { 0 };

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &nofile));
	cfg.max_vcpus = VIRQ_MAX_VCPUS + 1;
	EXPECT_EQ(-1, ioctl(dev, VIRQ_CREATE_CHIP, &cfg));
	EXPECT_EQ(EINVAL, errno);
	cfg.max_vcpus = 64;
	chip = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
	ASSERT_LE(0, chip);
	fds = calloc(VIRQ_MAX_IRQFDS + 1, sizeof(int));
	ASSERT_NE(NULL, fds);
	for (i = 0; i < 64; i++) {
		fds[i] = ioctl(chip, VIRQ_CREATE_VCPU, i);
		ASSERT_LE(0, fds[i]);
	}
	EXPECT_EQ(-1, ioctl(chip, VIRQ_CREATE_VCPU, 64));
	EXPECT_EQ(ENOSPC, errno);
	for (i = 0; i < 64; i++)
		close(fds[i]);

	/* VIRQ_MAX_ROUTES entries are a table; one more is not. */
	for (i = 0; i <= VIRQ_MAX_ROUTES; i++) {
		rt.e[i].gsi = i % VIRQ_NR_GSIS;
		rt.e[i].type = VIRQ_IRQ_ROUTING_MSI;
		rt.e[i].u.msi.address_lo = 0xfee00000;
		rt.e[i].u.msi.data = 0x30 + i % 200;
	}
	rt.h.nr = VIRQ_MAX_ROUTES;
	EXPECT_EQ(0, ioctl(chip, VIRQ_SET_GSI_ROUTING, &rt));
	rt.h.nr = VIRQ_MAX_ROUTES + 1;
	rt.e[VIRQ_MAX_ROUTES].gsi = 5000 % VIRQ_NR_GSIS;
	EXPECT_EQ(-1, ioctl(chip, VIRQ_SET_GSI_ROUTING, &rt));
	EXPECT_EQ(EINVAL, errno);

	/* VIRQ_MAX_IRQFDS irqfds on one chip; the next is ENOSPC. */
	for (i = 0; i < VIRQ_MAX_IRQFDS; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC);
		ASSERT_LE(0, fds[i]);
		a.fd = fds[i];
		a.gsi = i % 64;
		ASSERT_EQ(0, ioctl(chip, VIRQ_IRQFD, &a)) {
			TH_LOG("irqfd %d: %s", i, strerror(errno));
		}
	}
	efd = eventfd(0, EFD_CLOEXEC);
	a.fd = efd;
	EXPECT_EQ(-1, ioctl(chip, VIRQ_IRQFD, &a));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(VIRQ_MAX_IRQFDS, ioctl(dev, VIRQ_CHECK_EXTENSION,
					 VIRQ_CAP_IRQFD));
	close(efd);
	for (i = 0; i < VIRQ_MAX_IRQFDS; i++)
		close(fds[i]);
	free(fds);
	close(chip);
	close(dev);
}

/*
 * In a 6 MiB memory cgroup: a process creating chips, then vCPUs (a LAPIC
 * and a run page each), then irqfds, until the cgroup is full, gets
 * ENOMEM each time and goes on; an innocent process in the same cgroup
 * is not killed; nobody is.
 */
#define MAX_FILL 8192
static int fds[MAX_FILL];	/* touched before joining the cgroup */

static int fill(int dev, const char *what, long *n)
{
	struct virq_chip_config cfg = {
		/* 32-bit IDs: more than 255 vCPUs, so memory runs out first */
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC | VIRQ_CHIP_LAPIC |
			 VIRQ_CHIP_32BIT_IDS,
		.nr_ioapics = 1, .max_vcpus = VIRQ_MAX_VCPUS,
	};
	int fd, chip = -1, err;
	long i;

	*n = 0;
	for (;;) {
		if (!strcmp(what, "chips")) {
			fd = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
		} else {
			if (chip < 0) {
				chip = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
				if (chip < 0)
					return -2;
			}
			/* APIC IDs 0.., skipping 0xff (the broadcast) */
			fd = ioctl(chip, VIRQ_CREATE_VCPU, *n + (*n >= 0xff));
		}
		if (fd < 0)
			break;
		if (*n == MAX_FILL)
			return -1;
		fds[(*n)++] = fd;
	}
	err = errno;
	/* Give it all back for the next fill. */
	for (i = 0; i < *n; i++)
		close(fds[i]);
	if (chip >= 0)
		close(chip);
	return err;
}

TEST(memcg_limit_gives_enomem_and_kills_nobody)
{
	struct rlimit nofile = { 400000, 400000 };
	int dev, p[2], st, stinn, i;
	long res[4], kills0;
	pid_t pid, innocent;

	ASSERT_EQ(0, access(CG "/cgroup.controllers", R_OK));
	cg_write(CG "/cgroup.subtree_control", "+memory");
	if (mkdir(CGT, 0755) && errno != EEXIST)
		ASSERT_EQ(0, errno);
	ASSERT_EQ(0, cg_write(CGT "/memory.max", "6M"));
	kills0 = cg_oom_kills();
	ASSERT_LE(0, kills0);

	/* The innocent: a process with some memory of its own, asleep. */
	innocent = fork();
	ASSERT_LE(0, innocent);
	if (!innocent) {
		char *m = malloc(512 << 10);

		memset(m, 1, 512 << 10);
		for (;;)
			pause();
	}
	ASSERT_EQ(0, cg_join(innocent));

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p[0]);
		setrlimit(RLIMIT_NOFILE, &nofile);
		memset(fds, 0xff, sizeof(fds));
		if (cg_join(getpid()))
			_exit(1);
		dev = virq_open();
		if (dev < 0)
			_exit(2);
		res[0] = fill(dev, "chips", &res[1]);
		res[2] = fill(dev, "vcpus", &res[3]);
		if (write(p[1], res, sizeof(res)) != sizeof(res))
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	memset(res, 0, sizeof(res));
	EXPECT_EQ((ssize_t)sizeof(res), read(p[0], res, sizeof(res)));
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		TH_LOG("the filling process ended with status 0x%x", st);
	}
	TH_LOG("6 MiB cgroup: %ld full chips, then %ld vCPUs", res[1], res[3]);
	EXPECT_EQ(ENOMEM, res[0]);
	EXPECT_EQ(ENOMEM, res[2]);
	EXPECT_LT(10, res[1]);
	EXPECT_LT(10, res[3]);
	/* The innocent lives, and the cgroup saw no OOM kill. */
	EXPECT_EQ(0, waitpid(innocent, &stinn, WNOHANG));
	EXPECT_EQ(kills0, cg_oom_kills());
	kill(innocent, SIGKILL);
	waitpid(innocent, &stinn, 0);
	/*
	 * Everything was freed with the processes: what stays charged is
	 * the per-CPU charge caches and partly used slab pages, not 6 MiB.
	 */
	for (i = 0; i < 50 && cg_read("memory.current") > 2 * 1024 * 1024L;
	     i++)
		usleep(100000);	/* RCU callbacks and work items free the rest */
	TH_LOG("memory.current %ld once everything is closed",
	       cg_read("memory.current"));
	EXPECT_GE(2 * 1024 * 1024L, cg_read("memory.current"));
	rmdir(CGT);
}

TEST_HARNESS_MAIN
