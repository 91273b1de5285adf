// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetimes under load: the chip fd, vCPU fds, eventfds and run-page
 * mappings closed in random orders while vCPU threads wait, injectors
 * inject, irqfds fire and LAPIC timers run; vCPU fds closed in every
 * order; a process that exits (or is killed) with everything open; rmmod
 * refused throughout and clean at the end. Each check ends with the
 * module's reference count back where it was, which is what would leak
 * if any object outlived its last user; the debug kernel's kmemleak scan
 * at the end of the run catches leaked memory.
 *
 * Seeded: VIRQ_SEED in the environment picks the seed (printed).
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "virq_test.h"

#define APIC 0xfee00000ULL
#define NVCPU 4
#define NEFD 6

static unsigned int seed;

static void pick_seed(void)
{
	const char *s = getenv("VIRQ_SEED");

	seed = s ? strtoul(s, NULL, 0) : (unsigned int)getpid() * 2654435761u;
	printf("# seed %u (VIRQ_SEED=%u reproduces)\n", seed, seed);
}

static int try_rmmod(void)
{
	return syscall(SYS_delete_module, "virq", O_NONBLOCK) ? errno : 0;
}

static int reload(void)
{
	const char *path = getenv("VIRQ_KO");
	int fd, r;

	fd = open(path ? path : "/lib/modules/virq.ko", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	r = syscall(SYS_finit_module, fd, "", 0) ? errno : 0;
	close(fd);
	return r;
}

static long refcnt(void)
{
	return virq_read_number("/sys/module/virq/refcnt", "");
}

/* The module's references settle to @want (releases may be deferred). */
static long settled_refcnt(long want)
{
	long r = -1;
	int i;

	for (i = 0; i < 500; i++) {
		r = refcnt();
		if (r == want)
			break;
		usleep(10000);
	}
	return r;
}

static int apic_w(int vcpu, uint32_t off, uint32_t v)
{
	struct virq_io io = { .space = VIRQ_IO_MMIO, .len = 4,
			      .addr = APIC + off, .data = v, .write = 1 };

	return ioctl(vcpu, VIRQ_IO, &io);
}

static int full_chip(int dev, int nvcpu)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC | VIRQ_CHIP_LAPIC,
		.nr_ioapics = 1, .max_vcpus = nvcpu,
	};

	return ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
}

/* Software-enable the LAPIC and run a periodic timer of @ns. */
static int busy_vcpu(int chip, int id, uint32_t ns)
{
	int v = ioctl(chip, VIRQ_CREATE_VCPU, id);

	if (v < 0)
		return v;
	if (apic_w(v, 0xf0, 0x1ff) || apic_w(v, 0x3e0, 0xb) ||
	    apic_w(v, 0x320, 0x20000 | 0x40) || apic_w(v, 0x380, ns)) {
		close(v);
		return -1;
	}
	return v;
}

/* IOAPIC pin @pin: @vec, fixed, physical to APIC @dest, @level. */
static void route_pin(int chip, int pin, int vec, int dest, int level)
{
	struct virq_io io = { .space = VIRQ_IO_MMIO, .len = 4, .write = 1 };

	io.addr = 0xfec00000;
	io.data = 0x11 + 2 * pin;
	ioctl(chip, VIRQ_IO, &io);
	io.addr = 0xfec00010;
	io.data = (uint32_t)dest << 24;
	ioctl(chip, VIRQ_IO, &io);
	io.addr = 0xfec00000;
	io.data = 0x10 + 2 * pin;
	ioctl(chip, VIRQ_IO, &io);
	io.addr = 0xfec00010;
	io.data = vec | (level ? 0x8000 : 0);
	ioctl(chip, VIRQ_IO, &io);
}

static int bind_irqfd(int chip, int efd, int gsi, int resamplefd)
{
	struct virq_irqfd_args a = { .fd = efd, .gsi = gsi };

	if (resamplefd >= 0) {
		a.flags = VIRQ_IRQFD_FLAG_RESAMPLE;
		a.resamplefd = resamplefd;
	}
	return ioctl(chip, VIRQ_IRQFD, &a);
}

/* ---- closing everything while it runs ---- */

struct busy {
	int chip, vcpu[NVCPU], efd[NEFD], rfd;
	struct virq_vcpu_run *run[NVCPU];
	atomic_int stop;
	atomic_long waits, acks, lines, signals;
};

struct waiter {
	struct busy *b;
	int i;
};

static void *waiter(void *p)
{
	struct waiter *w = p;
	struct busy *b = w->b;
	int fd = b->vcpu[w->i], v;

	while (!atomic_load(&b->stop)) {
		v = virq_wait(fd, 2000000, VIRQ_WAIT_ACK);
		if (v < 0 && errno == EBADF)
			break;
		atomic_fetch_add(&b->waits, 1);
		if (v >= 0 && v < 256) {
			atomic_fetch_add(&b->acks, 1);
			apic_w(fd, 0xb0, 0);
		}
	}
	return NULL;
}

static void *injector(void *p)
{
	struct busy *b = p;
	unsigned int r = seed ^ 0x5bd1e995;
	struct virq_msi m = { .address_lo = 0xfee00000 };

	while (!atomic_load(&b->stop)) {
		r = r * 1103515245 + 12345;
		if (r & 0x10000) {
			if (virq_line(b->chip, (r >> 17) % 24, (r >> 23) & 1) ==
			    -1000 - EBADF)
				break;
		} else {
			m.address_lo = 0xfee00000 | ((r >> 17) % NVCPU) << 12;
			m.data = 0x50 + ((r >> 20) & 0xf);
			if (ioctl(b->chip, VIRQ_SIGNAL_MSI, &m) && errno == EBADF)
				break;
		}
		atomic_fetch_add(&b->lines, 1);
	}
	return NULL;
}

static void *signaller(void *p)
{
	struct busy *b = p;
	uint64_t one = 1;
	int i, live;

	while (!atomic_load(&b->stop)) {
		live = 0;
		for (i = 0; i < NEFD; i++) {
			if (write(b->efd[i], &one, 8) == 8)
				live++;
			atomic_fetch_add(&b->signals, 1);
		}
		if (!live)
			break;
		usleep(50);
	}
	return NULL;
}

static void shuffle(int *a, int n, unsigned int *r)
{
	int i, j, t;

	for (i = n - 1; i > 0; i--) {
		*r = *r * 1103515245 + 12345;
		j = (*r >> 16) % (i + 1);
		t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

TEST(close_everything_while_it_runs)
{
	int dev = virq_open(), round, i, n;
	unsigned int r = seed;
	long base;

	ASSERT_LE(0, dev);
	base = refcnt();
	ASSERT_LT(0, base);
	for (round = 0; round < 8; round++) {
		struct busy b = { 0 };
		struct waiter w[NVCPU];
		pthread_t t[NVCPU + 3];
		int order[1 + NVCPU + NEFD + 1];

		b.chip = full_chip(dev, NVCPU);
		ASSERT_LE(0, b.chip);
		for (i = 0; i < NVCPU; i++) {
			b.vcpu[i] = busy_vcpu(b.chip, i, 200000 + 100000 * i);
			ASSERT_LE(0, b.vcpu[i]);
			b.run[i] = (i & 1) ? virq_map_run(b.vcpu[i]) : NULL;
			route_pin(b.chip, 16 + i, 0x60 + i, i, i & 1);
		}
		b.rfd = eventfd(0, EFD_NONBLOCK);
		ASSERT_LE(0, b.rfd);
		for (i = 0; i < NEFD; i++) {
			b.efd[i] = eventfd(0, EFD_NONBLOCK);
			ASSERT_LE(0, b.efd[i]);
			/* GSIs 16-19 reach the vCPUs; two share a resampler. */
			ASSERT_EQ(0, bind_irqfd(b.chip, b.efd[i], 16 + i % 4,
						i >= 4 ? b.rfd : -1));
		}
		for (i = 0; i < NVCPU; i++) {
			w[i].b = &b;
			w[i].i = i;
			ASSERT_EQ(0, pthread_create(&t[i], NULL, waiter, &w[i]));
		}
		ASSERT_EQ(0, pthread_create(&t[NVCPU], NULL, injector, &b));
		ASSERT_EQ(0, pthread_create(&t[NVCPU + 1], NULL, injector, &b));
		ASSERT_EQ(0, pthread_create(&t[NVCPU + 2], NULL, signaller, &b));
		usleep(100000);
		EXPECT_EQ(EWOULDBLOCK, try_rmmod());

		/* Close chip, vCPUs, eventfds and resamplefd in any order. */
		n = 0;
		order[n++] = b.chip;
		for (i = 0; i < NVCPU; i++)
			order[n++] = b.vcpu[i];
		for (i = 0; i < NEFD; i++)
			order[n++] = b.efd[i];
		order[n++] = b.rfd;
		shuffle(order, n, &r);
		for (i = 0; i < n; i++) {
			EXPECT_EQ(0, close(order[i]));
			usleep((r >> 8) % 3000);
		}
		atomic_store(&b.stop, 1);
		for (i = 0; i < NVCPU + 3; i++)
			pthread_join(t[i], NULL);
		EXPECT_LT(0, atomic_load(&b.acks));
		/* Mappings outlive every fd, and still read. */
		for (i = 0; i < NVCPU; i++) {
			if (b.run[i]) {
				EXPECT_EQ(i, b.run[i]->apic_id);
				munmap(b.run[i], 4096);
			}
		}
		EXPECT_EQ(base, settled_refcnt(base)) {
			TH_LOG("round %d: module references leaked", round);
		}
		if (round == 0)
			TH_LOG("round 0: %ld waits, %ld acks, %ld injections, %ld eventfd signals",
			       atomic_load(&b.waits), atomic_load(&b.acks),
			       atomic_load(&b.lines), atomic_load(&b.signals));
	}
	close(dev);
}

/* ---- every close order of chip fd and three vCPU fds ---- */

static int next_perm(int *a, int n)
{
	int i = n - 2, j, t;

	while (i >= 0 && a[i] >= a[i + 1])
		i--;
	if (i < 0)
		return 0;
	j = n - 1;
	while (a[j] <= a[i])
		j--;
	t = a[i];
	a[i] = a[j];
	a[j] = t;
	for (i++, j = n - 1; i < j; i++, j--) {
		t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
	return 1;
}

TEST(every_close_order)
{
	int dev = virq_open(), perm[4] = { 0, 1, 2, 3 }, fds[4], efd, i, n = 0;
	struct virq_vcpu_run *run;
	long base;

	ASSERT_LE(0, dev);
	base = refcnt();
	do {
		fds[0] = full_chip(dev, 3);
		ASSERT_LE(0, fds[0]);
		for (i = 1; i < 4; i++) {
			fds[i] = busy_vcpu(fds[0], i - 1, 50000);
			ASSERT_LE(0, fds[i]);
		}
		route_pin(fds[0], 17, 0x61, 1, 1);
		run = virq_map_run(fds[3]);
		ASSERT_NE(NULL, run);
		efd = eventfd(1, 0);		/* signalled before binding */
		ASSERT_EQ(0, bind_irqfd(fds[0], efd, 17, -1));
		/* An interrupt pending in vCPU 2's IRR at the close. */
		route_pin(fds[0], 18, 0x62, 2, 0);
		EXPECT_EQ(1, virq_line(fds[0], 18, 1));
		for (i = 0; i < 4; i++)
			EXPECT_EQ(0, close(fds[perm[i]]));
		EXPECT_EQ(2, run->apic_id);
		munmap(run, 4096);
		close(efd);
		EXPECT_EQ(base, settled_refcnt(base)) {
			TH_LOG("order %d %d %d %d leaked module references",
			       perm[0], perm[1], perm[2], perm[3]);
		}
		n++;
	} while (next_perm(perm, 4));
	EXPECT_EQ(24, n);
	close(dev);
}

/* ---- a process that exits or is killed with everything open ---- */

static void on_usr1(int sig)
{
}

static void *register_and_exit(void *p)
{
	struct virq_vcpu_signal s = { .signo = SIGUSR1 };

	return (void *)(long)ioctl(*(int *)p, VIRQ_VCPU_SET_SIGNAL, &s);
}

static void *wait_long(void *p)
{
	virq_wait(*(int *)p, 10000000000LL, VIRQ_WAIT_ACK);
	return NULL;
}

/* The child: everything open and busy, then @how: 0 exit, 1 wait to die. */
static void child(int ready, int how)
{
	int dev = virq_open(), chip, v[3], efd, rfd, i;
	pthread_t t;
	void *ret;

	signal(SIGUSR1, on_usr1);
	chip = full_chip(dev, 3);
	if (chip < 0)
		_exit(10);
	for (i = 0; i < 3; i++) {
		v[i] = busy_vcpu(chip, i, 100000);
		if (v[i] < 0 || !virq_map_run(v[i]))
			_exit(11);
	}
	/* A thread registers for vCPU 0's kicks, then exits. */
	if (pthread_create(&t, NULL, register_and_exit, &v[0]) ||
	    pthread_join(t, &ret) || ret)
		_exit(12);
	route_pin(chip, 16, 0x70, 0, 1);
	efd = eventfd(0, 0);
	rfd = eventfd(0, 0);
	if (bind_irqfd(chip, efd, 16, rfd))
		_exit(13);
	for (i = 1; i < 3; i++)
		pthread_create(&t, NULL, wait_long, &v[i]);
	/* Kick the vCPU whose registered thread is gone. */
	ioctl(v[0], VIRQ_VCPU_KICK, 0);
	if (write(efd, &(uint64_t){ 1 }, 8) != 8)
		_exit(14);
	if (write(ready, "r", 1) != 1)
		_exit(15);
	if (how == 0) {
		usleep(20000);
		_exit(0);		/* exit_group with threads in WAIT */
	}
	for (;;)
		pause();
}

TEST(process_exit_and_kill_with_everything_open)
{
	int dev = virq_open(), how, p[2], st;
	long base;
	char c;
	pid_t pid;

	ASSERT_LE(0, dev);
	base = refcnt();
	for (how = 0; how < 2; how++) {
		ASSERT_EQ(0, pipe(p));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			close(p[0]);
			child(p[1], how);
		}
		close(p[1]);
		ASSERT_EQ(1, read(p[0], &c, 1));
		close(p[0]);
		EXPECT_EQ(EWOULDBLOCK, try_rmmod());
		if (how == 1)
			kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		if (how == 0) {
			EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		} else {
			EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		}
		EXPECT_EQ(base, settled_refcnt(base));
	}
	close(dev);
}

/*
 * Item 9 of the second correctness round: eventfds bound as irqfds are
 * closed, then at once the chip fd. Each eventfd's close queues its
 * irqfd's teardown on a work item; the chip fd's release, right after,
 * finds none left to detach, waits for the count of irqfds to reach zero
 * and frees the chip. The last teardown must be done with the chip when
 * that wait ends (the debug kernel's KASAN reports the use after free
 * otherwise). The closes are explicit: at a process's exit the files are
 * released last-opened first (task_work runs LIFO), the chip fd before
 * the eventfds, which detaches every irqfd synchronously instead.
 */
TEST(eventfds_closed_then_the_chip)
{
	struct virq_chip_config cfg = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC, .nr_ioapics = 1,
		.max_vcpus = 1,
	};
	struct virq_irqfd_args a = { 0 };
	int dev = virq_open(), efd[NEFD], rfd[NEFD], chip, i, round;
	uint64_t one = 1;
	long base;

	ASSERT_LE(0, dev);
	base = refcnt();
	for (round = 0; round < 300; round++) {
		chip = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
		ASSERT_LE(0, chip);
		for (i = 0; i < NEFD; i++) {
			efd[i] = eventfd(0, 0);
			rfd[i] = eventfd(0, 0);
			a.fd = efd[i];
			a.gsi = 16 + i;
			/* Odd rounds: resample irqfds too (a slower teardown). */
			a.flags = round & i & 1 ? VIRQ_IRQFD_FLAG_RESAMPLE : 0;
			a.resamplefd = a.flags ? rfd[i] : 0;
			ASSERT_EQ(0, ioctl(chip, VIRQ_IRQFD, &a));
			ASSERT_EQ(sizeof(one), write(efd[i], &one, sizeof(one)));
		}
		for (i = 0; i < NEFD; i++)
			close(efd[i]);	/* each queues its teardown */
		close(chip);		/* waits for them, frees the chip */
		for (i = 0; i < NEFD; i++)
			close(rfd[i]);
	}
	EXPECT_EQ(base, settled_refcnt(base));
	close(dev);
}

/* Last: with every fd closed the module goes, and comes back. */
TEST(rmmod_clean_after_all)
{
	int dev;

	ASSERT_EQ(0, settled_refcnt(0));
	ASSERT_EQ(0, try_rmmod());
	ASSERT_EQ(0, reload());
	dev = virq_open();
	ASSERT_LE(0, dev);
	close(dev);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	pick_seed();
	return test_harness_run(argc, argv);
}
