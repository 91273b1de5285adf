// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs as a VMM drives them: creation rules, the run page, halt-wait
 * woken by a line from another thread, interrupt acknowledge, -EINTR on a
 * signal, timeouts, the mode protocol (one signal per IN_GUEST kick, none
 * OUTSIDE), a polling loop that sees the request bit with no syscall, and
 * a lost-wake-up hunt over many iterations.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
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
	struct virq_vcpu_wait w = { .timeout_ns = 0, .flags = 2 };

	EXPECT_EQ(-1, ioctl(self->vcpu, VIRQ_VCPU_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.flags = 0;
	w.pad = 1;
	EXPECT_EQ(-1, ioctl(self->vcpu, VIRQ_VCPU_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
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
	s.signo = 65;
	EXPECT_EQ(-1, ioctl(self->vcpu, VIRQ_VCPU_SET_SIGNAL, &s));
	EXPECT_EQ(EINVAL, errno);
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

TEST_HARNESS_MAIN
