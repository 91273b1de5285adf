// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs as a VMM drives them: creation rules, the run page, halt-wait
 * woken by a line from another thread, interrupt acknowledge, -EINTR on a
 * signal, timeouts, the mode protocol (one signal per IN_GUEST kick, none
 * OUTSIDE), a polling loop that sees the request bit with no syscall, and
 * a lost-wake-up hunt over many iterations, and the end of a signal
 * registration when its thread execs, changes credentials or exits.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <sys/wait.h>
#include "virq_test.h"

#ifndef WAKE_ITERATIONS
#define WAKE_ITERATIONS 1000000
#endif

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

FIXTURE(vm) {
	int dev, chip, vcpu;
	struct virq_vcpu_run *run;
};

FIXTURE_SETUP(vm)
{
	self->dev = virq_open();
	ASSERT_LE(0, self->dev);
	self->chip = virq_chip(self->dev, 4);
	ASSERT_LE(0, self->chip);
	ASSERT_EQ(0, virq_pic_init_linux(self->chip));
	self->vcpu = ioctl(self->chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, self->vcpu);
	self->run = virq_map_run(self->vcpu);
	ASSERT_NE(NULL, self->run);
}

FIXTURE_TEARDOWN(vm)
{
	munmap(self->run, 4096);
	close(self->vcpu);
	close(self->chip);
	close(self->dev);
}

TEST(create_rules)
{
	struct virq_chip_config cfg = virq_cfg_pic(2);
	int dev = virq_open(), chip, a, b;

	ASSERT_LE(0, dev);
	chip = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
	ASSERT_LE(0, chip);
	a = ioctl(chip, VIRQ_CREATE_VCPU, 7);
	ASSERT_LE(0, a);
	EXPECT_EQ(-1, ioctl(chip, VIRQ_CREATE_VCPU, 7));	/* duplicate */
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, ioctl(chip, VIRQ_CREATE_VCPU, 0xff));	/* broadcast */
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(chip, VIRQ_CREATE_VCPU, 0x100));	/* > 8 bits */
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(chip, VIRQ_CREATE_VCPU, 1UL << 32));
	EXPECT_EQ(EINVAL, errno);
	b = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, b);
	EXPECT_EQ(-1, ioctl(chip, VIRQ_CREATE_VCPU, 1));	/* max is 2 */
	EXPECT_EQ(ENOSPC, errno);
	close(a);
	close(b);
	close(chip);

	/* 32-bit IDs: anything but the x2APIC broadcast ID. */
	cfg.flags |= VIRQ_CHIP_32BIT_IDS;
	chip = ioctl(dev, VIRQ_CREATE_CHIP, &cfg);
	ASSERT_LE(0, chip);
	a = ioctl(chip, VIRQ_CREATE_VCPU, 0x12345);
	EXPECT_LE(0, a);
	EXPECT_EQ(-1, ioctl(chip, VIRQ_CREATE_VCPU, 0xffffffffUL));
	EXPECT_EQ(EINVAL, errno);
	close(a);
	close(chip);
	close(dev);
}

TEST(run_page_mapping)
{
	int dev = virq_open(), chip, vcpu;
	struct virq_vcpu_run *run;
	void *p;

	ASSERT_LE(0, dev);
	chip = virq_chip(dev, 1);
	ASSERT_LE(0, chip);
	vcpu = ioctl(chip, VIRQ_CREATE_VCPU, 42);
	ASSERT_LE(0, vcpu);
	run = virq_map_run(vcpu);
	ASSERT_NE(NULL, run);
	EXPECT_EQ(42, run->apic_id);
	EXPECT_EQ(VIRQ_MODE_OUTSIDE, run->mode);
	EXPECT_EQ(0, run->requests);
	/* Private, offset or oversized mappings are refused. */
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, vcpu, 0);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, vcpu, 4096);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, vcpu, 0);
	EXPECT_EQ(MAP_FAILED, p);
	/* The kernel's writes show through the mapping. */
	ASSERT_EQ(0, ioctl(vcpu, VIRQ_VCPU_KICK, 0));
	EXPECT_EQ(VIRQ_REQ_EVENT, virq_requests(run) & VIRQ_REQ_EVENT);
	EXPECT_EQ(1, run->kicks);
	munmap(run, 4096);
	close(vcpu);
	close(chip);
	close(dev);
}

/*
 * The run page cannot be reached at another offset or grown by placing a
 * mapping right after it: the kernel would merge an adjacent mapping of
 * the next page of the same file into the first without asking the
 * driver, and mremap() would grow it.
 */
TEST(run_page_mapping_cannot_grow)
{
	int dev = virq_open(), chip, vcpu;
	char *base, *p;

	ASSERT_LE(0, dev);
	chip = virq_chip(dev, 1);
	ASSERT_LE(0, chip);
	vcpu = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu);
	base = mmap(NULL, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	ASSERT_NE(MAP_FAILED, base);
	p = mmap(base, 4096, PROT_READ, MAP_SHARED | MAP_FIXED, vcpu, 0);
	ASSERT_EQ(base, p);
	p = mmap(base + 4096, 4096, PROT_READ, MAP_SHARED | MAP_FIXED, vcpu,
		 4096);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	munmap(base + 4096, 2 * 4096);
	p = mremap(base, 4096, 2 * 4096, 0);
	EXPECT_EQ(MAP_FAILED, p);
	munmap(base, 4096);
	close(vcpu);
	close(chip);
	close(dev);
}

TEST_F(vm, ack_with_nothing_pending)
{
	EXPECT_EQ(-1, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, virq_wait(self->vcpu, 0, 0));
	EXPECT_EQ(ETIMEDOUT, errno);
}

TEST_F(vm, wait_timeout)
{
	uint64_t t0 = now_ns();

	EXPECT_EQ(-1, virq_wait(self->vcpu, 20 * 1000 * 1000, 0));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LE(20 * 1000 * 1000ULL, now_ns() - t0);
	EXPECT_EQ(VIRQ_MODE_OUTSIDE, self->run->mode);
}

TEST_F(vm, wait_bad_args)
{
	struct virq_vcpu_wait w = { .timeout_ns = 0, .flags = 4 };

	EXPECT_EQ(-1, ioctl(self->vcpu, VIRQ_VCPU_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	/* Acknowledging what must not wake it is a contradiction. */
	w.flags = VIRQ_WAIT_ACK | VIRQ_WAIT_IGNORE_INTR;
	EXPECT_EQ(-1, ioctl(self->vcpu, VIRQ_VCPU_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.flags = 0;
	w.pad = 1;
	EXPECT_EQ(-1, ioctl(self->vcpu, VIRQ_VCPU_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * HLT with interrupts disabled (or wait-for-SIPI): a pending interrupt
 * does not end the wait, an NMI does.
 */
static void *nmi_later(void *p)
{
	usleep(30000);
	ioctl(*(int *)p, VIRQ_VCPU_NMI, 0);
	return NULL;
}

TEST_F(vm, wait_ignoring_intr)
{
	struct virq_vcpu_wait w = { .timeout_ns = 20000000,
				    .flags = VIRQ_WAIT_IGNORE_INTR };
	pthread_t t;

	EXPECT_EQ(1, virq_line(self->chip, 1, 1));
	EXPECT_EQ(VIRQ_REQ_INTR, virq_requests(self->run) & VIRQ_REQ_INTR);
	EXPECT_EQ(-1, ioctl(self->vcpu, VIRQ_VCPU_WAIT, &w));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(-1, virq_wait(self->vcpu, 0, VIRQ_WAIT_IGNORE_INTR));
	EXPECT_EQ(ETIMEDOUT, errno);
	ASSERT_EQ(0, pthread_create(&t, NULL, nmi_later, &self->vcpu));
	w.timeout_ns = 5000000000LL;
	EXPECT_EQ(0, ioctl(self->vcpu, VIRQ_VCPU_WAIT, &w));
	pthread_join(t, NULL);
	EXPECT_EQ(VIRQ_REQ_NMI, virq_requests(self->run) & VIRQ_REQ_NMI);
	/* The interrupt is still there for when interrupts are enabled. */
	EXPECT_EQ(0x31, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
}

TEST_F(vm, pending_interrupt_returns_at_once)
{
	EXPECT_EQ(1, virq_line(self->chip, 1, 1));
	EXPECT_EQ(VIRQ_REQ_INTR | VIRQ_REQ_EXTINT,
		  virq_requests(self->run) & (VIRQ_REQ_INTR | VIRQ_REQ_EXTINT));
	EXPECT_EQ(0, virq_wait(self->vcpu, -1, 0));
	EXPECT_EQ(0x31, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	/* Acknowledged: nothing left, the INTR request is gone. */
	EXPECT_EQ(0, virq_requests(self->run) & VIRQ_REQ_INTR);
	EXPECT_EQ(-1, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(1, self->run->acks);
}

struct raiser {
	int chip;
	unsigned int gsi;
	int delay_us;
};

static void *raise_later(void *arg)
{
	struct raiser *r = arg;

	usleep(r->delay_us);
	virq_line(r->chip, r->gsi, 1);
	return NULL;
}

TEST_F(vm, wait_woken_by_line_from_another_thread)
{
	struct raiser r = { self->chip, 12, 50000 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, raise_later, &r));
	EXPECT_EQ(0, virq_wait(self->vcpu, 5000000000LL, 0));
	pthread_join(t, NULL);
	/* IRQ 12 is slave IR4: vector 0x38 + 4. */
	EXPECT_EQ(0x3c, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(1, self->run->wakeups);
}

TEST_F(vm, wait_ack_returns_the_vector)
{
	struct raiser r = { self->chip, 3, 20000 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, raise_later, &r));
	EXPECT_EQ(0x33, virq_wait(self->vcpu, 5000000000LL, VIRQ_WAIT_ACK));
	pthread_join(t, NULL);
	/* A kick without an interrupt wakes it with no vector. */
	ASSERT_EQ(0, ioctl(self->vcpu, VIRQ_VCPU_KICK, 0));
	EXPECT_EQ(VIRQ_WAIT_NO_VECTOR,
		  virq_wait(self->vcpu, 5000000000LL, VIRQ_WAIT_ACK));
}

static void on_sig(int sig)
{
}

static void *signal_later(void *arg)
{
	usleep(50000);
	pthread_kill(*(pthread_t *)arg, SIGUSR1);
	return NULL;
}

TEST_F(vm, wait_interrupted_by_signal)
{
	struct sigaction sa = { .sa_handler = on_sig };
	pthread_t self_t = pthread_self(), t;

	sigaction(SIGUSR1, &sa, NULL);
	ASSERT_EQ(0, pthread_create(&t, NULL, signal_later, &self_t));
	EXPECT_EQ(-1, virq_wait(self->vcpu, -1, 0));
	EXPECT_EQ(EINTR, errno);
	pthread_join(t, NULL);
}

static atomic_int sigs;

static void count_sig(int sig)
{
	atomic_fetch_add(&sigs, 1);
}

TEST_F(vm, set_signal_args)
{
	struct virq_vcpu_signal s = { .signo = SIGKILL };

	EXPECT_EQ(-1, ioctl(self->vcpu, VIRQ_VCPU_SET_SIGNAL, &s));
	EXPECT_EQ(EINVAL, errno);
	s.signo = SIGSTOP;
	EXPECT_EQ(-1, ioctl(self->vcpu, VIRQ_VCPU_SET_SIGNAL, &s));
	EXPECT_EQ(EINVAL, errno);
	s.signo = 65;				/* _NSIG + 1 */
	EXPECT_EQ(-1, ioctl(self->vcpu, VIRQ_VCPU_SET_SIGNAL, &s));
	EXPECT_EQ(EINVAL, errno);
	s.signo = 64;				/* SIGRTMAX is a signal */
	EXPECT_EQ(0, ioctl(self->vcpu, VIRQ_VCPU_SET_SIGNAL, &s));
	s.signo = SIGUSR2;
	s.flags = 1;
	EXPECT_EQ(-1, ioctl(self->vcpu, VIRQ_VCPU_SET_SIGNAL, &s));
	EXPECT_EQ(EINVAL, errno);
	s.flags = 0;
	EXPECT_EQ(0, ioctl(self->vcpu, VIRQ_VCPU_SET_SIGNAL, &s));
	s.signo = 0;
	EXPECT_EQ(0, ioctl(self->vcpu, VIRQ_VCPU_SET_SIGNAL, &s));
}

/*
 * The mode protocol: IN_GUEST -> one signal per kick and mode EXITING;
 * OUTSIDE -> no signal, the request bit is all there is.
 */
TEST_F(vm, mode_protocol)
{
	struct sigaction sa = { .sa_handler = count_sig };
	struct virq_vcpu_signal s = { .signo = SIGUSR2 };
	uint32_t mode;
	int i;

	sigaction(SIGUSR2, &sa, NULL);
	atomic_store(&sigs, 0);
	ASSERT_EQ(0, ioctl(self->vcpu, VIRQ_VCPU_SET_SIGNAL, &s));

	/* OUTSIDE: a raised line sets INTR and sends nothing. */
	EXPECT_EQ(1, virq_line(self->chip, 1, 1));
	EXPECT_EQ(0, atomic_load(&sigs));
	EXPECT_NE(0, virq_requests(self->run) & VIRQ_REQ_INTR);
	EXPECT_EQ(0x31, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
	EXPECT_EQ(0, virq_outb(self->chip, 0x20, 0x20));
	virq_line(self->chip, 1, 0);

	for (i = 0; i < 100; i++) {
		/* The VMM enters the guest: exchange, then re-check. */
		__atomic_exchange_n(&self->run->mode, VIRQ_MODE_IN_GUEST,
				    __ATOMIC_SEQ_CST);
		ASSERT_EQ(0, virq_requests(self->run) & VIRQ_REQ_INTR);
		/* A kick while in guest: exactly one signal, mode EXITING. */
		ASSERT_EQ(1, virq_line(self->chip, 1, 1));
		mode = __atomic_load_n(&self->run->mode, __ATOMIC_SEQ_CST);
		ASSERT_EQ(VIRQ_MODE_EXITING, mode);
		/* More kicks before the VMM is out send nothing more. */
		ASSERT_EQ(0, ioctl(self->vcpu, VIRQ_VCPU_KICK, 0));
		ASSERT_EQ(1, virq_line(self->chip, 3, 1));
		__atomic_store_n(&self->run->mode, VIRQ_MODE_OUTSIDE,
				 __ATOMIC_SEQ_CST);
		ASSERT_EQ(i + 1, atomic_load(&sigs));
		ASSERT_EQ(0x31, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
		ASSERT_EQ(0, virq_outb(self->chip, 0x20, 0x20));
		ASSERT_EQ(0x33, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
		ASSERT_EQ(0, virq_outb(self->chip, 0x20, 0x20));
		virq_line(self->chip, 1, 0);
		virq_line(self->chip, 3, 0);
		__atomic_and_fetch(&self->run->requests, ~VIRQ_REQ_EVENT,
				   __ATOMIC_SEQ_CST);
	}
	EXPECT_EQ(100, self->run->signals);

	/* Unregistered: IN_GUEST still flips to EXITING, nothing is sent. */
	s.signo = 0;
	ASSERT_EQ(0, ioctl(self->vcpu, VIRQ_VCPU_SET_SIGNAL, &s));
	__atomic_store_n(&self->run->mode, VIRQ_MODE_IN_GUEST, __ATOMIC_SEQ_CST);
	EXPECT_EQ(1, virq_line(self->chip, 1, 1));
	EXPECT_EQ(VIRQ_MODE_EXITING, self->run->mode);
	EXPECT_EQ(100, atomic_load(&sigs));
}

/* The signal reaches the registered thread, not the injecting one. */
static pthread_t sig_seen_by;

static void record_thread(int sig)
{
	sig_seen_by = pthread_self();
}

struct guest_arg {
	int vcpu;
	struct virq_vcpu_run *run;
	atomic_int ready, done;
	pthread_t me;
};

static void *guest_thread(void *p)
{
	struct guest_arg *g = p;
	struct virq_vcpu_signal s = { .signo = SIGURG };

	g->me = pthread_self();
	if (ioctl(g->vcpu, VIRQ_VCPU_SET_SIGNAL, &s))
		return NULL;
	__atomic_exchange_n(&g->run->mode, VIRQ_MODE_IN_GUEST,
			    __ATOMIC_SEQ_CST);
	atomic_store(&g->ready, 1);
	/* "Run guest code" until kicked out. */
	while (__atomic_load_n(&g->run->mode, __ATOMIC_SEQ_CST) ==
	       VIRQ_MODE_IN_GUEST)
		;
	while (!sig_seen_by)
		usleep(1000);
	atomic_store(&g->done, 1);
	return NULL;
}

TEST_F(vm, signal_goes_to_registered_thread)
{
	struct sigaction sa = { .sa_handler = record_thread };
	struct guest_arg g = { .vcpu = self->vcpu, .run = self->run };
	pthread_t t;

	sigaction(SIGURG, &sa, NULL);
	sig_seen_by = 0;
	ASSERT_EQ(0, pthread_create(&t, NULL, guest_thread, &g));
	while (!atomic_load(&g.ready))
		usleep(100);
	EXPECT_EQ(1, virq_line(self->chip, 6, 1));
	pthread_join(t, NULL);
	EXPECT_EQ(1, atomic_load(&g.done));
	EXPECT_TRUE(pthread_equal(sig_seen_by, g.me));
	EXPECT_EQ(1, self->run->signals);
}

/* A translator's loop: it sees the request word change with no syscall. */
struct poller {
	struct virq_vcpu_run *run;
	atomic_int started;
	uint64_t spins;
};

static void *poll_loop(void *p)
{
	struct poller *pl = p;

	atomic_store(&pl->started, 1);
	while (!(__atomic_load_n(&pl->run->requests, __ATOMIC_ACQUIRE) &
		 VIRQ_REQ_INTR))
		pl->spins++;
	return NULL;
}

TEST_F(vm, polling_loop_sees_request)
{
	struct poller pl = { .run = self->run };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, poll_loop, &pl));
	while (!atomic_load(&pl.started))
		usleep(100);
	usleep(10000);
	EXPECT_EQ(1, virq_line(self->chip, 5, 1));
	pthread_join(t, NULL);
	EXPECT_LT(0, pl.spins);
	EXPECT_EQ(0x35, ioctl(self->vcpu, VIRQ_VCPU_ACK, 0));
}

/*
 * Lost wake-up hunt: the vCPU thread waits with no timeout, the other
 * thread raises as soon as it may. A lost wake-up hangs the test (and the
 * harness fails it on its timeout).
 */
struct pingpong {
	int chip, vcpu, n;
	atomic_int turn;
	int bad;
};

static void *pp_vcpu(void *p)
{
	struct pingpong *pp = p;
	int i, v;

	for (i = 0; i < pp->n; i++) {
		v = virq_wait(pp->vcpu, -1, VIRQ_WAIT_ACK);
		if (v != 0x34) {
			pp->bad++;
			continue;
		}
		virq_outb(pp->chip, 0x20, 0x20);
		atomic_store(&pp->turn, 1);
	}
	return NULL;
}

TEST_F_TIMEOUT(vm, no_lost_wakeups, 1200)
{
	struct pingpong pp = { .chip = self->chip, .vcpu = self->vcpu };
	const char *env = getenv("VIRQ_WAKE_ITERATIONS");
	pthread_t t;
	int i;

	pp.n = env ? atoi(env) : WAKE_ITERATIONS;
	ASSERT_EQ(0, pthread_create(&t, NULL, pp_vcpu, &pp));
	for (i = 0; i < pp.n; i++) {
		/* Sometimes before the vCPU sleeps, sometimes after. */
		if (i & 1)
			sched_yield();
		virq_line(self->chip, 4, 1);
		while (!atomic_load(&pp.turn))
			;
		atomic_store(&pp.turn, 0);
		virq_line(self->chip, 4, 0);
	}
	pthread_join(t, NULL);
	EXPECT_EQ(0, pp.bad);
	EXPECT_EQ((uint64_t)pp.n, self->run->acks);
	TH_LOG("%d wait/raise/ack round trips, %llu sleeping wake-ups", pp.n,
	       (unsigned long long)self->run->wakeups);
}

/*
 * A registration belongs to the thread and the program that made it.
 *
 * A child process registers its (only) thread for SIGUSR1, installs a
 * counting handler and then, depending on the case, execs this program
 * again (the exec helper below), changes its credentials, or does neither
 * (the control, which must be signalled). The parent, which holds the
 * vCPU fd too, sets IN_GUEST and kicks. The child reports through its exit
 * status how many SIGUSR1 it received; the run page says whether the
 * kernel counted a signal.
 */
#define EXEC_HELPER "--exec-helper"

static volatile sig_atomic_t usr1_count;

static void count_usr1(int sig)
{
	usr1_count++;
}

/* Sleep the whole time, whatever signals arrive meanwhile. */
static void sleep_through_signals(long ns)
{
	struct timespec t = { ns / 1000000000, ns % 1000000000 };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/*
 * Wait until the parent says it has kicked (a byte on @fd), whatever
 * signals arrive meanwhile; then a little longer for their handlers.
 */
static void wait_for_parent(int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	sleep_through_signals(20000000);
}

/* The program a registered thread execs: it counts SIGUSR1 meanwhile. */
static void __attribute__((constructor)) exec_helper(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = count_usr1 };
	int wfd, rfd;

	if (argc < 4 || strcmp(argv[1], EXEC_HELPER))
		return;
	wfd = atoi(argv[2]);
	rfd = atoi(argv[3]);
	sigaction(SIGUSR1, &sa, NULL);
	if (write(wfd, "r", 1) != 1)
		_exit(100);
	wait_for_parent(rfd);	/* alive while the parent kicks */
	_exit(usr1_count);
}

enum reg_case { REG_CONTROL, REG_EXEC, REG_SETUID };

static int registration_case(enum reg_case c, uint64_t *signals)
{
	struct virq_vcpu_signal s = { .signo = SIGUSR1 };
	struct sigaction sa = { .sa_handler = count_usr1 };
	struct virq_vcpu_run *run;
	int dev, chip, vcpu, p[2], q[2], status = -1;
	char fdarg[16], fdarg2[16], ch;
	pid_t pid;

	dev = virq_open();
	chip = virq_chip(dev, 1);
	vcpu = ioctl(chip, VIRQ_CREATE_VCPU, 0);
	run = virq_map_run(vcpu);
	if (dev < 0 || chip < 0 || vcpu < 0 || !run || pipe(p) || pipe(q))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		close(q[1]);
		sigaction(SIGUSR1, &sa, NULL);
		if (ioctl(vcpu, VIRQ_VCPU_SET_SIGNAL, &s))
			_exit(101);
		if (c == REG_EXEC) {
			snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
			snprintf(fdarg2, sizeof(fdarg2), "%d", q[0]);
			execl("/proc/self/exe", "vcpu_test", EXEC_HELPER, fdarg,
			      fdarg2, (char *)NULL);
			_exit(102);
		}
		if (c == REG_SETUID && setresuid(65534, 65534, 65534))
			_exit(103);
		if (write(p[1], "r", 1) != 1)
			_exit(104);
		wait_for_parent(q[0]);
		_exit(usr1_count);
	}
	close(p[1]);
	close(q[0]);
	if (read(p[0], &ch, 1) == 1) {
		__atomic_store_n(&run->mode, VIRQ_MODE_IN_GUEST,
				 __ATOMIC_SEQ_CST);
		ioctl(vcpu, VIRQ_VCPU_KICK, 0);
		/* Once more: a dropped registration stays dropped. */
		__atomic_store_n(&run->mode, VIRQ_MODE_IN_GUEST,
				 __ATOMIC_SEQ_CST);
		ioctl(vcpu, VIRQ_VCPU_KICK, 0);
	}
	/* The child is alive (and still the same program) until now. */
	if (write(q[1], "k", 1) != 1)
		return -1;
	waitpid(pid, &status, 0);
	*signals = run->signals;
	munmap(run, 4096);
	close(p[0]);
	close(q[1]);
	close(vcpu);
	close(chip);
	close(dev);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

TEST(registration_control_is_signalled)
{
	uint64_t signals = 0;

	/* Two kicks while IN_GUEST: two signals (handlers may merge them). */
	EXPECT_LE(1, registration_case(REG_CONTROL, &signals));
	EXPECT_EQ(2, signals);
}

TEST(registration_ends_at_exec)
{
	uint64_t signals = 99;

	EXPECT_EQ(0, registration_case(REG_EXEC, &signals));
	EXPECT_EQ(0, signals);
}

TEST(registration_ends_at_credential_change)
{
	uint64_t signals = 99;

	if (geteuid())
		SKIP(return, "needs root to change credentials");
	EXPECT_EQ(0, registration_case(REG_SETUID, &signals));
	EXPECT_EQ(0, signals);
}

static void *register_and_exit(void *p)
{
	struct virq_vcpu_signal s = { .signo = SIGUSR1 };

	return (void *)(long)ioctl(*(int *)p, VIRQ_VCPU_SET_SIGNAL, &s);
}

/* A registered thread that exited is not signalled, nor counted. */
TEST_F(vm, registration_of_exited_thread)
{
	struct sigaction sa = { .sa_handler = count_usr1 };
	pthread_t t;
	void *r;

	sigaction(SIGUSR1, &sa, NULL);
	usr1_count = 0;
	ASSERT_EQ(0, pthread_create(&t, NULL, register_and_exit, &self->vcpu));
	pthread_join(t, &r);
	ASSERT_EQ(NULL, r);
	__atomic_store_n(&self->run->mode, VIRQ_MODE_IN_GUEST, __ATOMIC_SEQ_CST);
	EXPECT_EQ(0, ioctl(self->vcpu, VIRQ_VCPU_KICK, 0));
	EXPECT_EQ(VIRQ_MODE_EXITING, self->run->mode);
	EXPECT_EQ(0, self->run->signals);
	EXPECT_EQ(0, usr1_count);
}

/*
 * The lost wake-up of a racy INTR recompute, hammered. Each round, a
 * device thread raises a level-triggered PIC line (the BSP thread wakes,
 * takes and EOIs the PIC's vector) and lowers it again after a delay; the
 * main thread sends an MSI to APIC 0 after a delay of its own. The BSP
 * thread waits with no timeout and acknowledges. The delays sweep across
 * rounds, so the MSI lands everywhere around the PIC output's fall and
 * the BSP thread's empty acknowledges and returns to sleep. Each round
 * ends only when the MSI has been taken: a lost wake-up leaves the BSP
 * asleep for good, and the round's deadline fails the test. Three threads
 * share the VM's two CPUs, so every wait for another thread yields: the
 * race needs the BSP thread to run while the other two are in the kernel.
 */
#define HAMMER_ROUNDS 20000
#define HAMMER_DEADLINE_NS (10 * 1000000000ULL)

struct hammer {
	int chip, vcpu;
	atomic_int round, raised, msi_taken, device_done, stop;
	int bad;
};

static void spin_ns(uint64_t ns)
{
	uint64_t t0 = now_ns();

	while (now_ns() - t0 < ns)
		;
}

static void *hammer_bsp(void *p)
{
	struct hammer *h = p;
	int v;

	while (!atomic_load(&h->stop)) {
		v = virq_wait(h->vcpu, -1, VIRQ_WAIT_ACK);
		if (v == 0x40)
			atomic_fetch_add(&h->msi_taken, 1);
		else if (v == 0x33)
			virq_outb(h->vcpu, 0x20, 0x20);
		else if (v != VIRQ_WAIT_NO_VECTOR)
			h->bad++;
	}
	return NULL;
}

static void *hammer_device(void *p)
{
	struct hammer *h = p;
	int r;

	for (r = 0; r < HAMMER_ROUNDS && !atomic_load(&h->stop); r++) {
		while (atomic_load(&h->round) < r && !atomic_load(&h->stop))
			sched_yield();
		virq_line(h->chip, 3, 1);
		atomic_store(&h->raised, r + 1);
		spin_ns((r * 104729ULL) % 40000);
		virq_line(h->chip, 3, 0);
		atomic_store(&h->device_done, r + 1);
	}
	return NULL;
}

TEST_F_TIMEOUT(vm, lost_wakeup_hammer, 900)
{
	struct virq_msi m = { .address_lo = 0xfee00000, .data = 0x40 };
	struct hammer h = { .chip = self->chip, .vcpu = self->vcpu };
	pthread_t bsp, dev;
	uint64_t t0;
	int r;

	ASSERT_EQ(0, virq_outb(self->chip, 0x4d0, 0x08));	/* IRQ 3 level */
	ASSERT_EQ(0, pthread_create(&bsp, NULL, hammer_bsp, &h));
	ASSERT_EQ(0, pthread_create(&dev, NULL, hammer_device, &h));
	for (r = 0; r < HAMMER_ROUNDS; r++) {
		atomic_store(&h.round, r);
		while (atomic_load(&h.raised) < r + 1)
			sched_yield();
		spin_ns((r * 7919ULL) % 60000);
		ASSERT_LE(0, ioctl(self->chip, VIRQ_SIGNAL_MSI, &m));
		t0 = now_ns();
		while (atomic_load(&h.msi_taken) < r + 1 ||
		       atomic_load(&h.device_done) < r + 1) {
			if (now_ns() - t0 > HAMMER_DEADLINE_NS)
				break;
			sched_yield();
		}
		if (atomic_load(&h.msi_taken) < r + 1) {
			TH_LOG("round %d: MSI not taken after 10 s, requests %#x mode %u: lost wake-up",
			       r, virq_requests(self->run), self->run->mode);
			break;
		}
	}
	EXPECT_EQ(HAMMER_ROUNDS, r);
	atomic_store(&h.stop, 1);
	ioctl(self->vcpu, VIRQ_VCPU_KICK, 0);
	pthread_join(dev, NULL);
	pthread_join(bsp, NULL);
	EXPECT_EQ(0, h.bad);
}

TEST_HARNESS_MAIN
