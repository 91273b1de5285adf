// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test: a seeded fuzzer for /dev/virq (issue 12).
 *
 * Random sequences of every ioctl of /dev/virq, chip fds and vCPU fds,
 * with valid-looking arguments most of the time and invalid ones some of
 * the time: chip creation, routing tables, line and MSI injection, VIRQ_IO
 * at and around every device's registers (every size, alignment and
 * space, on chip and vCPU fds), register programming sequences (PIC init,
 * IOAPIC entries, LAPIC setup, IPIs, EOIs), GET/SET of every state with
 * round trips and mutations, vCPU create / wait / acknowledge / kick /
 * close, signal registration, run-page mappings and scribbles, irqfd
 * bind / signal / deassign, statistics — from several threads at once.
 *
 * Reproducible: every thread draws its operations from its own stream, a
 * pure function of (seed, stream): three draws per operation (kind,
 * object, a 64-bit sub-seed from which the operation's arguments come),
 * never depending on a result. A run with --threads 1 is therefore
 * exactly reproducible from its seed; a multi-threaded run reproduces
 * each thread's sequence, not their interleaving. The seed is printed
 * first (and written to the kernel log, so a kernel report can be tied
 * to it).
 *
 * Objects: shared chips, vCPU fds and eventfds live in slots every thread
 * uses and closes (closing fds that others are using is part of the
 * game). Their fd numbers are kept at or above SHARED_FD_BASE, so a stale
 * number another thread still holds can only ever reach another shared
 * object. Each thread also owns private chips (with their vCPUs, run-page
 * mappings and eventfds) no other thread can reach, on which results are
 * deterministic and checked exactly.
 *
 * Invariants, checked as it goes:
 *  - every GET state is well formed (PIC, IOAPIC, LAPIC or the minimal
 *    bus's vCPU state), and SET accepts everything GET returns; on
 *    private chips a PIC or vCPU round trip reproduces the state, a
 *    mutated state SET accepts reads back well formed, and one it rejects
 *    (EINVAL) leaves the state as it was;
 *  - VIRQ_VCPU_ACK (and VIRQ_VCPU_WAIT with VIRQ_WAIT_ACK) on a private
 *    vCPU returns what the chip's state says: the PIC's INTA vector when
 *    its output reaches the vCPU (an IR unmasked in IMR), else with a
 *    LAPIC the highest IRR vector whose class is above PPR (computed from
 *    GET_LAPIC first) or none, without one the highest pending vector;
 *    never a vector below 16 from the LAPIC or the pending set;
 *  - statistics and run-page counters never decrease; on private chips a
 *    GSI's raises are the sum of its outcomes, the run page's acks equal
 *    the statistics', its kicks cover theirs;
 *  - documented results: invalid arguments by construction get EINVAL (and
 *    never success), errnos come from the documented set, vCPU creation,
 *    irqfd binding, routing tables and chip configurations get exactly the
 *    result their rules give, GET_CHIP_CONFIG returns the configuration,
 *    VIRQ_IO's result matches the device map and its fault byte is 0 or
 *    #GP, WAIT leaves the mode OUTSIDE.
 * A failure prints the thread's last operations and how to reproduce.
 *
 * Waits time out within 1 ms; signals registered for kicks all have a
 * handler; timers are never programmed with periods below a floor (a
 * periodic 1 ns timer would flood the test VM), unless --timer-storms.
 *
 * Usage: fuzz_test [--seed N] [--ops N] [--threads N] [--stream N]
 *                  [--history N] [--timer-storms]
 * Defaults come from VIRQ_FUZZ_SEED, VIRQ_FUZZ_OPS and VIRQ_FUZZ_THREADS
 * (set by the test VM's /init from the kernel command line). Prints TAP.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <linux/virq.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- options ---- */

static uint64_t opt_seed;
static long opt_ops = 2000;		/* per thread */
static int opt_threads = 4;
static int opt_stream = -1;		/* --stream: that stream alone */
static int opt_history = 24;
static bool opt_timer_storms;

/* ---- the random streams ---- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A stream is a pure function of two numbers (seed, stream or sub-seed). */
static void rng_init(struct rng *r, uint64_t a, uint64_t b)
{
	uint64_t x = a ^ (b * 0xd1342543de82ef95ULL) ^ 0x5851f42d4c957f2dULL;
	unsigned int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
static uint64_t rnd(struct rng *r)
{
	uint64_t *s = r->s, res = rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return res;
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rnd(r) >> 32) * n) >> 32);
}

static bool pct(struct rng *r, unsigned int p)
{
	return below(r, 100) < p;
}

static uint64_t interesting(struct rng *r)
{
	static const uint64_t v[] = {
		0, 1, 2, 0xf, 0x10, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000,
		0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe,
		0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, ~1ULL, ~0ULL,
	};

	switch (below(r, 4)) {
	case 0:
		return v[below(r, ARRAY_SIZE(v))];
	case 1:
		return below(r, 256);
	case 2:
		return (uint32_t)rnd(r);
	default:
		return rnd(r);
	}
}

/* ---- objects ---- */

#define NR_SCHIP	4	/* shared chip slots */
#define NR_SVCPU	8	/* shared vCPU fd slots */
#define NR_SEFD		6	/* shared eventfd slots */
#define NR_PCHIP	2	/* private chips per thread */
#define NR_PVCPU	3	/* vCPU fd slots per private chip */
#define NR_PEFD		3	/* eventfds per private chip */
#define PMAX_VCPUS	6	/* max_vcpus of a private chip, at most */
#define SHARED_FD_BASE	512	/* shared objects' fds are >= this */
#define MAX_THREADS	16
#define HIST		64

/* Timer floor: 10 ms of a 1 GHz bus, the fastest bus the fuzzer sets. */
#define TIMER_FLOOR	10000000U
#define BUS_HZ_MAX	1000000000ULL

struct world {
	int dev;			/* /dev/virq, open for the whole run */
	atomic_int chip[NR_SCHIP];
	atomic_int vcpu[NR_SVCPU];
	atomic_int efd[NR_SEFD];
};

static struct world W;

struct pvcpu {
	int fd;				/* -1: closed (the vCPU lives on) */
	uint32_t apic_id;
	struct virq_vcpu_run *run;	/* our mapping; may outlive fd */
	uint64_t seen[5];		/* run-page counters seen last */
};

struct pefd {
	int fd;				/* -1: none */
	int gsi;			/* bound to this GSI of the chip, or -1 */
};

struct pchip {
	int fd;				/* -1: none */
	struct virq_chip_config cfg;
	uint64_t ioapic_base[VIRQ_MAX_IOAPICS];
	uint32_t ids[PMAX_VCPUS];	/* vCPUs created, in creation order */
	unsigned int nr_ids;
	struct pvcpu v[NR_PVCPU];
	struct pefd e[NR_PEFD];
	int rfd;			/* a resamplefd for its irqfds */
	void *stats;			/* the last VIRQ_GET_STATS seen */
	size_t stats_len;
};

struct hent {
	uint64_t no;
	const char *kind;
	char desc[150];
};

struct fz;
typedef void (*op_fn)(struct fz *t, struct rng *r, bool priv, uint32_t obj);

struct kind {
	const char *name;
	unsigned int weight;
	op_fn fn;
};

/* What a thread saw (printed at the end, to show how deep it went). */
enum {
	D_ACK_PIC, D_ACK_LAPIC, D_ACK_BUS, D_ACK_NONE, D_WAIT_WOKE,
	D_WAIT_TIMEOUT, D_WAIT_EINTR, D_ACK_CHECKS, D_ROUND_TRIPS,
	D_MUTATED_OK, D_MUTATED_REJECTED, D_STATS_CHECKS, D_DELIVERED,
	D_IRQFD_BOUND, D_GP_FAULTS, D_CREATED_CHIPS, D_CREATED_VCPUS,
	D_NR
};

static const char *const depth_names[D_NR] = {
	"ACK -> PIC vector", "ACK -> LAPIC vector", "ACK -> pending-set vector",
	"ACK -> none", "WAIT woke", "WAIT timed out", "WAIT interrupted",
	"ACK model checks", "state round trips", "mutated states accepted",
	"mutated states rejected", "statistics checks",
	"injections delivered (status > 0)", "irqfds bound",
	"VIRQ_IO #GP faults", "chips created", "vCPUs created",
};

#define NR_KINDS_MAX	48

struct fz {
	int stream;
	struct rng rng;
	uint64_t op_no;
	struct hent hist[HIST];
	unsigned int hn;
	struct hent *cur;
	struct pchip pc[NR_PCHIP];
	struct virq_vcpu_run *smap[NR_SVCPU];	/* our maps of shared vCPUs */
	uint8_t *buf;			/* scratch, a guard page at buf_end */
	uint8_t *buf_end;
	uint64_t calls[NR_KINDS_MAX], oks[NR_KINDS_MAX];
	uint64_t depth[D_NR];
	bool failed;
	pthread_t th;
};

static struct fz *threads[MAX_THREADS];
static atomic_int stop;			/* a failure: every thread stops */
static atomic_ulong progress;		/* operations done, all threads */
static atomic_ulong signals_seen;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static int kmsg = -1;
static bool irqfd_deferred;		/* irqfd injections are asynchronous */
static const char *phase = "";
static char *argv0;

static const int handled_signals[] = {
	SIGUSR1, SIGUSR2, SIGCHLD, SIGURG, SIGWINCH,
};
#define NR_RT_SIGNALS	3		/* SIGRTMIN .. SIGRTMIN + 2 */

static void on_signal(int sig)
{
	atomic_fetch_add_explicit(&signals_seen, 1, memory_order_relaxed);
}

/* ---- history, notes and failures ---- */

static void kmsg_printf(const char *fmt, ...)
{
	char line[200];
	va_list ap;
	int n;

	if (kmsg < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)!write(kmsg, line, n < (int)sizeof(line) ? n : sizeof(line) - 1);
}

/* Append to the current operation's description. */
static void note(struct fz *t, const char *fmt, ...)
{
	size_t len = strlen(t->cur->desc);
	va_list ap;

	if (len >= sizeof(t->cur->desc) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(t->cur->desc + len, sizeof(t->cur->desc) - len, fmt, ap);
	va_end(ap);
}

/* Note a syscall's result; returns it. */
static long res(struct fz *t, long r)
{
	if (r < 0)
		note(t, " -> %s;", strerrorname_np(errno) ?: "?");
	else
		note(t, " -> %ld;", r);
	return r;
}

static void dump_history(struct fz *t)
{
	unsigned int i, n = opt_history < HIST ? opt_history : HIST;
	uint64_t first = t->op_no + 1 > n ? t->op_no + 1 - n : 0;

	printf("# last %u operations of stream %d (oldest first):\n",
	       (unsigned int)(t->op_no + 1 - first), t->stream);
	for (i = 0; i < HIST; i++) {
		struct hent *h = &t->hist[(t->hn + i) % HIST];

		if (h->kind && h->no >= first && h->no <= t->op_no)
			printf("#   %6" PRIu64 " %-12s %s\n", h->no, h->kind,
			       h->desc);
	}
}

static void fail(struct fz *t, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	if (!t->failed) {
		printf("# FAIL [%s] stream %d, operation %" PRIu64 ": ", phase,
		       t->stream, t->op_no);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
		dump_history(t);
		printf("# reproduce: %s --seed %" PRIu64
		       " --ops %" PRIu64 " --stream %d\n", argv0, opt_seed,
		       t->op_no + 1, t->stream);
		fflush(stdout);
		kmsg_printf("virq-fuzz: check failed, seed %" PRIu64
			    " stream %d op %" PRIu64 "\n", opt_seed, t->stream,
			    t->op_no);
	}
	t->failed = true;
	atomic_store(&stop, 1);
	pthread_mutex_unlock(&out_lock);
}

#define CHECK(t, cond, ...)			\
	do {					\
		if (!(cond))			\
			fail(t, __VA_ARGS__);	\
	} while (0)

/* ---- errno sets ---- */

#define EL(...)	((const int[]){ __VA_ARGS__, 0 })

static bool in_list(int e, const int *l)
{
	for (; *l; l++)
		if (*l == e)
			return true;
	return false;
}

/*
 * Errors a stale shared fd number may add to any operation: closed
 * (EBADF), or now another kind of object (ENOTTY, ENODEV for mmap,
 * EINVAL for a write to a virq fd).
 */
static const int shared_extra[] = { EBADF, ENOTTY, ENODEV, EINVAL, 0 };

/*
 * Check a failed call's errno against the documented set @ok (ENOMEM is
 * always possible); on shared objects add what fd reuse can give.
 */
static void expect_errno(struct fz *t, bool priv, const char *what,
			 const int *ok)
{
	int e = errno;

	if (in_list(e, ok) || e == ENOMEM)
		return;
	if (!priv && in_list(e, shared_extra))
		return;
	fail(t, "%s: unexpected errno %s (%d)", what,
	     strerrorname_np(e) ?: "?", e);
}

/* A call whose arguments are invalid by construction must fail, EINVAL. */
static void expect_einval(struct fz *t, bool priv, long r, const char *what)
{
	if (r >= 0) {
		fail(t, "%s: invalid arguments accepted (returned %ld)", what, r);
		return;
	}
	if (priv)
		CHECK(t, errno == EINVAL || errno == ENOMEM,
		      "%s: invalid arguments gave %s, not EINVAL", what,
		      strerrorname_np(errno) ?: "?");
	else
		expect_errno(t, priv, what, EL(EINVAL));
}

/* A private call that must succeed. */
static void expect_ok(struct fz *t, long r, const char *what)
{
	if (r < 0 && errno != ENOMEM)
		fail(t, "%s: failed with %s on a valid private object", what,
		     strerrorname_np(errno) ?: "?");
}

/* ---- shared slots ---- */

/* Move a new shared object's fd to the shared range. */
static int to_shared(int fd)
{
	int s;

	if (fd < 0)
		return fd;
	s = fcntl(fd, F_DUPFD_CLOEXEC, SHARED_FD_BASE);
	close(fd);
	return s;
}

static void slot_put(atomic_int *slot, int fd)
{
	int old = atomic_exchange(slot, fd);

	if (old >= 0)
		close(old);
}

static void slot_close(atomic_int *slot)
{
	slot_put(slot, -1);
}

static int slot_get(atomic_int *slot)
{
	return atomic_load(slot);
}

/* ---- chip configurations ---- */

/* The documented rules of VIRQ_CREATE_CHIP (api.rst): valid or not. */
static bool cfg_valid(const struct virq_chip_config *c)
{
	const uint32_t all = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC |
			     VIRQ_CHIP_LAPIC | VIRQ_CHIP_32BIT_IDS |
			     VIRQ_CHIP_LOGICAL_LEVELS |
			     VIRQ_CHIP_ELECTRICAL_LEVELS;
	bool io = c->flags & VIRQ_CHIP_IOAPIC;
	unsigned int i;

	if ((c->flags & ~all) || !(c->flags & VIRQ_CHIP_PIC))
		return false;
	if ((c->flags & VIRQ_CHIP_LOGICAL_LEVELS) &&
	    (c->flags & VIRQ_CHIP_ELECTRICAL_LEVELS))
		return false;
	if ((c->flags & VIRQ_CHIP_LAPIC) && !io)
		return false;
	if (c->pad || c->max_vcpus < 1 || c->max_vcpus > VIRQ_MAX_VCPUS)
		return false;
	for (i = 0; i < ARRAY_SIZE(c->reserved); i++)
		if (c->reserved[i])
			return false;
	if (!io && (c->nr_ioapics || c->ioapic_version))
		return false;
	if (io && (c->nr_ioapics < 1 || c->nr_ioapics > VIRQ_MAX_IOAPICS))
		return false;
	if (c->ioapic_version && c->ioapic_version != VIRQ_IOAPIC_VERSION_11 &&
	    c->ioapic_version != VIRQ_IOAPIC_VERSION_20)
		return false;
	for (i = 0; i < VIRQ_MAX_IOAPICS; i++) {
		uint32_t b = c->ioapic_gsi_base[i];

		if (i >= c->nr_ioapics) {
			if (b)
				return false;
			continue;
		}
		if (i == 0 && b)
			return false;
		if (i && b < c->ioapic_gsi_base[i - 1] + VIRQ_IOAPIC_NUM_PINS)
			return false;
		if (b > VIRQ_NR_GSIS - VIRQ_IOAPIC_NUM_PINS)
			return false;
	}
	return true;
}

/* A valid configuration; small ones for private chips. */
static void gen_cfg(struct rng *r, struct virq_chip_config *c, bool priv)
{
	unsigned int i, n;

	memset(c, 0, sizeof(*c));
	c->flags = VIRQ_CHIP_PIC;
	if (pct(r, 80)) {
		c->flags |= VIRQ_CHIP_IOAPIC;
		n = 1 + (pct(r, 70) ? 0 : below(r, priv ? 3 : VIRQ_MAX_IOAPICS));
		c->nr_ioapics = n;
		for (i = 1; i < n; i++) {
			uint32_t b = c->ioapic_gsi_base[i - 1] +
				     VIRQ_IOAPIC_NUM_PINS +
				     (pct(r, 30) ? below(r, 200) : 0);

			if (b > VIRQ_NR_GSIS - VIRQ_IOAPIC_NUM_PINS) {
				c->nr_ioapics = i;
				break;
			}
			c->ioapic_gsi_base[i] = b;
		}
		c->ioapic_version = (const uint32_t[]){ 0, 0x11, 0x20 }[below(r, 3)];
		if (pct(r, 75))
			c->flags |= VIRQ_CHIP_LAPIC;
	}
	if (pct(r, 20))
		c->flags |= VIRQ_CHIP_32BIT_IDS;
	if (pct(r, 30))
		c->flags |= VIRQ_CHIP_LOGICAL_LEVELS;
	else if (pct(r, 40))
		c->flags |= VIRQ_CHIP_ELECTRICAL_LEVELS;
	if (priv)
		c->max_vcpus = 1 + below(r, PMAX_VCPUS);
	else
		c->max_vcpus = pct(r, 95) ? 1 + below(r, 16) :
					    1 + below(r, VIRQ_MAX_VCPUS);
}

/* Break one rule of a valid configuration. */
static void break_cfg(struct rng *r, struct virq_chip_config *c)
{
	unsigned int n = c->nr_ioapics;

	switch (below(r, 14)) {
	case 0:
		if (pct(r, 80))
			c->flags |= 1U << (6 + below(r, 26));
		else	/* logical and wire levels together */
			c->flags |= VIRQ_CHIP_LOGICAL_LEVELS |
				    VIRQ_CHIP_ELECTRICAL_LEVELS;
		break;
	case 1:
		c->flags &= ~VIRQ_CHIP_PIC;
		break;
	case 2:		/* LAPIC without IOAPIC */
		c->flags = (c->flags & ~VIRQ_CHIP_IOAPIC) | VIRQ_CHIP_LAPIC;
		c->nr_ioapics = 0;
		c->ioapic_version = 0;
		memset(c->ioapic_gsi_base, 0, sizeof(c->ioapic_gsi_base));
		break;
	case 3:
		c->pad = 1 + below(r, 0xffff);
		break;
	case 4:
		c->reserved[below(r, ARRAY_SIZE(c->reserved))] = 1 + below(r, 9);
		break;
	case 5:
		c->max_vcpus = (const uint32_t[]){ 0, VIRQ_MAX_VCPUS + 1,
						   0x80000000, ~0U }[below(r, 4)];
		break;
	case 6:		/* nr_ioapics out of range, or without the flag */
		if (c->flags & VIRQ_CHIP_IOAPIC) {
			c->nr_ioapics = pct(r, 50) ? 0 : VIRQ_MAX_IOAPICS + 1 +
							 below(r, 100);
		} else {
			c->nr_ioapics = 1 + below(r, VIRQ_MAX_IOAPICS);
		}
		break;
	case 7:
		if (c->flags & VIRQ_CHIP_IOAPIC)
			c->ioapic_gsi_base[0] = 1 + below(r, 100);
		else
			c->ioapic_gsi_base[below(r, VIRQ_MAX_IOAPICS)] = 1;
		break;
	case 8:		/* overlapping bases */
		if (n >= 2)
			c->ioapic_gsi_base[1] = c->ioapic_gsi_base[0] +
						below(r, VIRQ_IOAPIC_NUM_PINS);
		else
			c->pad = 1;
		break;
	case 9:		/* past the GSI space */
		if (n)
			c->ioapic_gsi_base[n - 1] = n == 1 ? 1 :
				VIRQ_NR_GSIS - VIRQ_IOAPIC_NUM_PINS + 1 +
				below(r, 1000);
		else
			c->nr_ioapics = 3;
		break;
	case 10:	/* a base for an absent IOAPIC */
		if (n < VIRQ_MAX_IOAPICS)
			c->ioapic_gsi_base[n + below(r, VIRQ_MAX_IOAPICS - n)] =
				4000;
		else
			c->max_vcpus = 0;
		break;
	case 11:
		c->ioapic_version = (const uint32_t[]){ 1, 0x10, 0x12, 0x21,
							~0U }[below(r, 5)];
		break;
	case 12:	/* a version without IOAPICs */
		c->flags &= ~(VIRQ_CHIP_IOAPIC | VIRQ_CHIP_LAPIC);
		c->nr_ioapics = 0;
		memset(c->ioapic_gsi_base, 0, sizeof(c->ioapic_gsi_base));
		c->ioapic_version = pct(r, 50) ? 0x20 : 0x11;
		break;
	default:
		c->flags = 0;
		break;
	}
}

/* ---- interrupt messages ---- */

/* An MSI address/data pair: valid (*valid) unless a rule is broken. */
static void gen_msi(struct rng *r, struct virq_msi *m, bool ids32,
		    bool *valid)
{
	static const uint8_t dms[] = { 0, 0, 0, 0, 1, 1, 2, 4, 5, 7 };
	uint32_t dest = pct(r, 70) ? below(r, 4) :
			pct(r, 50) ? 0xff : below(r, 256);

	memset(m, 0, sizeof(*m));
	m->address_lo = 0xfee00000 | (dest << 12) |
			(pct(r, 20) ? 4 : 0) | (pct(r, 10) ? 8 : 0) |
			(pct(r, 5) ? below(r, 4) : 0);
	m->data = (pct(r, 95) ? 0x20 + below(r, 0xe0) : below(r, 0x20)) |
		  (uint32_t)dms[below(r, ARRAY_SIZE(dms))] << 8 |
		  (pct(r, 30) ? 0x4000 : 0) | (pct(r, 20) ? 0x8000 : 0);
	if (ids32 && pct(r, 30))
		m->address_hi = pct(r, 50) ? 0xffffff00 : (uint32_t)rnd(r) & ~0xffU;
	if (pct(r, 10)) {
		m->flags = VIRQ_MSI_VALID_DEVID;
		m->devid = rnd(r);
	}
	m->status = rnd(r);	/* out only: ignored on entry */
	*valid = true;
	if (!pct(r, 12))
		return;
	*valid = false;
	switch (below(r, 8)) {
	case 0:
		m->address_lo ^= 1U << (20 + below(r, 12));
		break;
	case 1:
		m->address_lo |= 1U << (4 + below(r, 8));
		break;
	case 2:
		m->address_hi |= ids32 ? 1U << below(r, 8) : 1U << below(r, 32);
		break;
	case 3:
		m->data |= pct(r, 50) ? 1U << (11 + below(r, 3)) :
					1U << (16 + below(r, 16));
		break;
	case 4:
		m->data = (m->data & ~0x700U) | (pct(r, 50) ? 3 : 6) << 8;
		break;
	case 5:
		m->flags |= 2U << below(r, 31);
		break;
	case 6:
		m->flags = 0;
		m->devid = 1 + below(r, 1000);
		break;
	default:
		m->pad[below(r, sizeof(m->pad))] = 1 + below(r, 255);
		break;
	}
}

/* ---- routing tables ---- */

/*
 * A routing table for a chip of configuration @c (NULL: unknown, use only
 * what every chip has). Returns 0 if valid, 1 if broken on purpose, -1 if
 * its validity is unknown.
 */
static int gen_routing(struct rng *r, const struct virq_chip_config *c,
		       struct virq_irq_routing *rt, uint32_t max)
{
	uint32_t nr_io = c ? c->nr_ioapics : 0, nr = 0, gsi, i, j;
	uint32_t want = pct(r, 85) ? below(r, 48) :
			pct(r, 70) ? 48 + below(r, 400) : below(r, max + 1);
	int verdict = 0;

	memset(rt, 0, sizeof(*rt));
	if (want > max)
		want = max;
	for (gsi = 0; nr < want; gsi++) {
		struct virq_irq_routing_entry *e;
		uint8_t used = 0;	/* irqchips 0..7 already on this gsi */
		unsigned int k = 1 + below(r, 3);

		if (pct(r, 10))
			gsi += below(r, pct(r, 10) ? 4000 : 40);
		if (gsi >= VIRQ_NR_GSIS)
			break;
		if (pct(r, 15)) {	/* an MSI route, alone */
			struct virq_msi m;
			bool ok;

			e = &rt->entries[nr++];
			memset(e, 0, sizeof(*e));
			gen_msi(r, &m, c && (c->flags & VIRQ_CHIP_32BIT_IDS), &ok);
			e->gsi = gsi;
			e->type = VIRQ_IRQ_ROUTING_MSI;
			e->u.msi.address_lo = m.address_lo;
			e->u.msi.address_hi = m.address_hi;
			e->u.msi.data = m.data;
			if (pct(r, 20)) {
				e->flags = VIRQ_MSI_VALID_DEVID;
				e->u.msi.devid = rnd(r);
			}
			continue;
		}
		for (j = 0; j < k && nr < want; j++) {
			uint32_t chip = below(r, 2 + (c ? nr_io : 1));
			uint32_t pin = chip < 2 ? below(r, 8) : below(r, 24);

			if (chip == 0 && pin == 2)
				pin = 3;
			if (used & (1U << chip))
				continue;
			used |= 1U << chip;
			if (chip >= 2 && !c)
				verdict = -1;	/* IOAPIC 0 may not exist */
			e = &rt->entries[nr++];
			memset(e, 0, sizeof(*e));
			e->gsi = gsi;
			e->type = VIRQ_IRQ_ROUTING_IRQCHIP;
			e->u.irqchip.irqchip = chip;
			e->u.irqchip.pin = pin;
		}
	}
	/* Shuffle: the kernel sorts. */
	for (i = nr; i > 1; i--) {
		struct virq_irq_routing_entry tmp;

		j = below(r, i);
		tmp = rt->entries[i - 1];
		rt->entries[i - 1] = rt->entries[j];
		rt->entries[j] = tmp;
	}
	rt->nr = nr;
	if (!pct(r, 15))
		return verdict;

	/* Break one rule. */
	if (!nr && below(r, 3)) {
		rt->flags = 1;
		return 1;
	}
	i = nr ? below(r, nr) : 0;
	switch (below(r, 12)) {
	case 0:
		rt->flags = 1U << below(r, 32);
		break;
	case 1:
		if (!nr)
			goto hdr;
		rt->entries[i].pad = 1 + below(r, 100);
		break;
	case 2:
		if (!nr)
			goto hdr;
		rt->entries[i].u.pad[rt->entries[i].type == VIRQ_IRQ_ROUTING_MSI ?
				     4 + below(r, 4) : 2 + below(r, 6)] = 1;
		break;
	case 3:
		if (!nr)
			goto hdr;
		rt->entries[i].gsi = VIRQ_NR_GSIS + below(r, 100000);
		break;
	case 4:
		if (!nr)
			goto hdr;
		rt->entries[i].type = pct(r, 50) ? 0 : 3 + below(r, 100);
		break;
	case 5:		/* an irqchip entry with flags */
		if (!nr || rt->entries[i].type != VIRQ_IRQ_ROUTING_IRQCHIP)
			goto hdr;
		rt->entries[i].flags = 1 + below(r, 3);
		break;
	case 6:		/* an irqchip the chip has not, or a bad pin */
		if (!nr || rt->entries[i].type != VIRQ_IRQ_ROUTING_IRQCHIP)
			goto hdr;
		if (c && pct(r, 50)) {
			rt->entries[i].u.irqchip.irqchip = 2 + nr_io + below(r, 10);
		} else {
			uint32_t ch = rt->entries[i].u.irqchip.irqchip;

			if (!c && ch >= 2)
				goto hdr;
			rt->entries[i].u.irqchip.pin = (ch < 2 ? 8 : 24) +
						       below(r, 1000);
		}
		break;
	case 7:		/* master pin 2, the cascade */
		if (!nr || rt->entries[i].type != VIRQ_IRQ_ROUTING_IRQCHIP ||
		    rt->entries[i].u.irqchip.irqchip != 0)
			goto hdr;
		rt->entries[i].u.irqchip.pin = 2;
		break;
	case 8:		/* MSI flags or devid without the flag */
		if (!nr || rt->entries[i].type != VIRQ_IRQ_ROUTING_MSI)
			goto hdr;
		if (pct(r, 50)) {
			rt->entries[i].flags = 2U << below(r, 31);
		} else {
			rt->entries[i].flags = 0;
			rt->entries[i].u.msi.devid = 1 + below(r, 100);
		}
		break;
	case 9:		/* the same irqchip twice on a GSI */
		if (!nr || nr >= max || rt->entries[i].type !=
		    VIRQ_IRQ_ROUTING_IRQCHIP)
			goto hdr;
		rt->entries[nr] = rt->entries[i];
		rt->entries[nr].u.irqchip.pin ^= 1;
		if (rt->entries[nr].u.irqchip.irqchip == 0 &&
		    rt->entries[nr].u.irqchip.pin == 2)
			rt->entries[nr].u.irqchip.pin = 4;
		rt->nr = ++nr;
		break;
	case 10:	/* an MSI that is not alone */
		if (!nr || nr >= max)
			goto hdr;
		memset(&rt->entries[nr], 0, sizeof(rt->entries[nr]));
		rt->entries[nr].gsi = rt->entries[i].gsi;
		rt->entries[nr].type = VIRQ_IRQ_ROUTING_MSI;
		rt->entries[nr].u.msi.address_lo = 0xfee00000;
		rt->entries[nr].u.msi.data = 0x30;
		rt->nr = ++nr;
		break;
	default:
hdr:
		rt->flags = 1 + below(r, 0xffff);
		break;
	}
	return 1;
}

/* ---- register values that look like a guest's ---- */

static uint32_t timer_count(struct rng *r)
{
	uint32_t v;

	if (pct(r, 20))
		return 0;		/* stop */
	v = pct(r, 50) ? (uint32_t)rnd(r) : TIMER_FLOOR + below(r, 50000000);
	if (!opt_timer_storms && v < TIMER_FLOOR)
		v = TIMER_FLOOR + v % 1000;
	return v;
}

static uint32_t gen_vector(struct rng *r)
{
	return pct(r, 92) ? 0x20 + below(r, 0xe0) : below(r, 0x20);
}

static uint32_t gen_lvt(struct rng *r, unsigned int idx)
{
	static const uint8_t dms[] = { 0, 0, 0, 2, 4, 4, 5, 7, 7, 3, 6 };
	uint32_t v = gen_vector(r) | (uint32_t)dms[below(r, ARRAY_SIZE(dms))] << 8;

	if (pct(r, 30))
		v |= 1U << 13;		/* active low */
	if (pct(r, 30))
		v |= 1U << 15;		/* level */
	if (pct(r, 40))
		v |= 1U << 16;		/* masked */
	if (idx == 0)
		v |= (uint32_t)below(r, 4) << 17;	/* timer mode */
	if (pct(r, 5))
		v |= (uint32_t)rnd(r);
	return v;
}

static uint32_t gen_icr_lo(struct rng *r)
{
	static const uint8_t dms[] = { 0, 0, 0, 1, 1, 2, 4, 5, 5, 6, 6, 3, 7 };
	uint32_t v = gen_vector(r) | (uint32_t)dms[below(r, ARRAY_SIZE(dms))] << 8;

	if (pct(r, 25))
		v |= 1U << 11;		/* logical */
	if (pct(r, 70))
		v |= 1U << 14;		/* level assert */
	if (pct(r, 20))
		v |= 1U << 15;		/* level trigger */
	if (pct(r, 35))
		v |= (uint32_t)(1 + below(r, 3)) << 18;	/* shorthand */
	if (pct(r, 3))
		v |= (uint32_t)rnd(r);
	return v;
}

static uint64_t gen_apic_base(struct rng *r)
{
	static const uint64_t bases[] = {
		0xfee00000, 0xfee00000, 0xfee00000, 0xfed00000, 0xfec00000,
		0xfee01000, 0, 0xfffff000, 0xf00000000ULL, 0xffffffffff000ULL,
	};
	uint64_t v = bases[below(r, ARRAY_SIZE(bases))];

	switch (below(r, 6)) {
	case 0:
		break;			/* disabled */
	case 1:
	case 2:
		v |= 1 << 11;		/* xAPIC */
		break;
	case 3:
	case 4:
		v |= 3 << 10;		/* x2APIC */
		break;
	default:
		v |= 1 << 10;		/* EXTD without EN: #GP */
		break;
	}
	if (pct(r, 20))
		v |= 1 << 8;		/* BSP: kept as it is */
	if (pct(r, 5))
		v |= 1ULL << (pct(r, 50) ? below(r, 8) : 52 + below(r, 12));
	return v;
}

/* A value for the LAPIC register at xAPIC offset @off. */
static uint64_t gen_lapic_value(struct rng *r, uint32_t off, bool x2)
{
	switch (off) {
	case 0x20:		/* ID */
		return (uint32_t)below(r, 8) << 24;
	case 0x80:		/* TPR */
		return pct(r, 60) ? below(r, 3) << 4 : below(r, 256);
	case 0xb0:		/* EOI */
		return pct(r, 95) ? 0 : interesting(r);
	case 0xd0:		/* LDR */
		return (uint32_t)(1U << below(r, 8)) << 24;
	case 0xe0:		/* DFR */
		return pct(r, 50) ? 0xffffffff : pct(r, 80) ? 0x0fffffff :
		       (uint32_t)rnd(r);
	case 0xf0:		/* SVR */
		return (pct(r, 85) ? 0x100 : 0) | (pct(r, 15) ? 0x1000 : 0) |
		       (pct(r, 80) ? 0xff : below(r, 256));
	case 0x280:		/* ESR */
		return 0;
	case 0x300:		/* ICR */
		if (x2)
			return gen_icr_lo(r) | (uint64_t)(pct(r, 80) ?
				below(r, 4) : pct(r, 50) ? 0xffffffff :
				(uint32_t)rnd(r)) << 32;
		return gen_icr_lo(r);
	case 0x310:		/* ICR high */
		return (uint32_t)(pct(r, 80) ? below(r, 4) : 0xff) << 24;
	case 0x320 ... 0x370:
		return gen_lvt(r, (off - 0x320) >> 4);
	case 0x380:
		return timer_count(r);
	case 0x3e0:
		return below(r, 16);
	case 0x3f0:		/* SELF IPI */
		return gen_vector(r);
	default:
		return interesting(r);
	}
}

/* Keep the timer above the floor whatever a write's value. */
static void clamp_timer_write(struct virq_io *io)
{
	bool initial = (io->space == VIRQ_IO_MMIO &&
			(io->addr & 0xff0) == 0x380) ||
		       (io->space == VIRQ_IO_MSR && io->addr == 0x838);

	if (opt_timer_storms || !io->write || !initial)
		return;
	if ((uint32_t)io->data && (uint32_t)io->data < TIMER_FLOOR)
		io->data = (io->data & ~0xffffffffULL) | TIMER_FLOOR;
}

/* ---- VIRQ_IO ---- */

static const uint16_t pic_ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };

static bool is_pic_port(uint64_t a)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pic_ports); i++)
		if (a == pic_ports[i])
			return true;
	return false;
}

static const uint64_t ioapic_relocs[] = {
	0xfec10000, 0xfed00000, 0xfee00000, 0xfebfff00, 0xffffff00, 0,
	0xfec00800,
};

/* An IOAPIC window the fuzzer's chips may have. */
static uint64_t gen_ioapic_base(struct rng *r)
{
	if (pct(r, 80))
		return VIRQ_IOAPIC_DEFAULT_BASE(pct(r, 70) ? 0 : below(r, 8));
	return ioapic_relocs[below(r, ARRAY_SIZE(ioapic_relocs))];
}

/* An access at or around some device's registers; invalid sometimes. */
static void gen_io(struct rng *r, struct virq_io *io, bool *invalid)
{
	static const uint32_t odd_lens[] = { 0, 3, 5, 6, 7, 9, 16, 0xffffffff };
	static const uint32_t msrs[] = {
		0x1b, 0x1b, 0x6e0, 0x6e0, 0x1a, 0x1c, 0x6df, 0x6e1, 0x7ff,
		0x8ff, 0x900, 0xbff, 0xc00, 0xffffffff,
	};
	uint32_t off;
	bool x2 = false;

	memset(io, 0, sizeof(*io));
	io->write = pct(r, 55);
	switch (below(r, 16)) {
	case 0:
	case 1:
	case 2:			/* PIC and ELCR ports, and around */
		io->space = VIRQ_IO_PIO;
		io->addr = pic_ports[below(r, ARRAY_SIZE(pic_ports))];
		if (pct(r, 15))
			io->addr += (int)below(r, 7) - 3;
		if (pct(r, 3))
			io->addr += 0x10000ULL << below(r, 40);
		io->len = 1;
		io->data = interesting(r) & (pct(r, 90) ? 0xff : ~0ULL);
		break;
	case 3:
	case 4:
	case 5:			/* IOAPIC windows */
		io->space = VIRQ_IO_MMIO;
		off = (const uint32_t[]){ 0, 0, 0x10, 0x10, 0x40, 0x20, 0x44,
					  0xfc }[below(r, 8)];
		if (pct(r, 25))
			off = below(r, 0x110);
		io->addr = gen_ioapic_base(r) + off;
		if (pct(r, 5))
			io->addr -= 1 + below(r, 8);
		io->len = 4;
		if (off == 0)
			io->data = pct(r, 80) ? (const uint32_t[]){ 0, 1, 2 }[below(r, 3)] |
				   (pct(r, 85) ? 0x10 + below(r, 48) : 0) :
				   interesting(r);
		else if (off == 0x10)
			io->data = pct(r, 50) ? (uint32_t)gen_vector(r) |
				   (pct(r, 50) ? 1U << 16 : 0) |
				   (pct(r, 30) ? 1U << 15 : 0) |
				   (pct(r, 20) ? 1U << 13 : 0) |
				   (pct(r, 20) ? 1U << 11 : 0) |
				   (uint32_t)below(r, 8) << 8 :
				   pct(r, 50) ? (uint32_t)below(r, 4) << 24 :
				   interesting(r);
		else
			io->data = pct(r, 70) ? gen_vector(r) : interesting(r);
		break;
	case 6:
	case 7:
	case 8:
	case 9:			/* the LAPIC page: every offset */
		io->space = VIRQ_IO_MMIO;
		off = pct(r, 70) ? below(r, 0x40) << 4 : below(r, 0x1000);
		io->addr = (pct(r, 90) ? 0xfee00000 :
			    gen_apic_base(r) & 0xffffffffff000ULL) + off;
		if (pct(r, 4))
			io->addr += pct(r, 50) ? 0x1000 : -(1 + below(r, 8));
		io->len = (const uint32_t[]){ 4, 4, 4, 4, 1, 2, 8 }[below(r, 7)];
		io->data = pct(r, 75) ? gen_lapic_value(r, off & ~0xfU, false) :
					interesting(r);
		break;
	case 10:
	case 11:
	case 12:
	case 13:		/* MSRs: x2APIC, APIC base, TSC deadline */
		io->space = VIRQ_IO_MSR;
		if (pct(r, 70)) {
			io->addr = 0x800 + below(r, 0x100);
			x2 = true;
		} else {
			io->addr = msrs[below(r, ARRAY_SIZE(msrs))];
		}
		if (pct(r, 2))
			io->addr |= 1ULL << (32 + below(r, 32));
		io->len = 8;
		if (io->addr == 0x1b)
			io->data = gen_apic_base(r);
		else if (io->addr == 0x6e0)
			io->data = pct(r, 20) ? 0 : pct(r, 50) ? below(r, 1000) :
				   interesting(r);
		else if (x2 && pct(r, 80))
			io->data = gen_lapic_value(r, (io->addr - 0x800) << 4, true);
		else
			io->data = interesting(r);
		break;
	case 14:		/* anywhere */
		io->space = below(r, 3);
		io->addr = interesting(r);
		io->len = (const uint32_t[]){ 1, 2, 4, 8 }[below(r, 4)];
		io->data = interesting(r);
		break;
	default:		/* port space around the ISA devices */
		io->space = VIRQ_IO_PIO;
		io->addr = below(r, 0x500);
		io->len = 1 << below(r, 4);
		io->data = interesting(r);
		break;
	}
	if (pct(r, 8))
		io->len = (const uint32_t[]){ 1, 2, 4, 8 }[below(r, 4)];
	if (pct(r, 5))
		io->len = odd_lens[below(r, ARRAY_SIZE(odd_lens))];
	if (pct(r, 3) && io->addr)
		io->addr += 1 + below(r, 3);		/* unaligned */
	io->fault = rnd(r);	/* ignored on entry */
	*invalid = false;
	if (pct(r, 5)) {
		*invalid = true;
		switch (below(r, 3)) {
		case 0:
			io->space = 3 + below(r, 300);
			if (pct(r, 20))
				io->space = ~0U;
			break;
		case 1:
			io->write = 2 + below(r, 254);
			break;
		default:
			io->pad[below(r, sizeof(io->pad))] = 1 + below(r, 255);
			break;
		}
	}
	clamp_timer_write(io);
}

/* ---- well-formed states ---- */

static char why[200];

#define BAD(...)	(snprintf(why, sizeof(why), __VA_ARGS__), why)

static bool bytes_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

/* A PIC state as GET returns it; NULL if well formed, else why not. */
static const char *pic_state_bad(const struct virq_irqchip *ic)
{
	const struct virq_pic_state *s = &ic->chip.pic;
	uint8_t mask = ic->chip_id ? 0xde : 0xf8;

	if (ic->pad)
		return BAD("pad %u", ic->pad);
	if (!bytes_zero((const uint8_t *)&ic->chip + sizeof(*s),
			sizeof(ic->chip) - sizeof(*s)))
		return BAD("bytes past the PIC state");
	if (s->ext != 1)
		return BAD("ext %u", s->ext);
	if (s->elcr_mask != mask || (s->elcr & ~mask))
		return BAD("elcr %#x mask %#x", s->elcr, s->elcr_mask);
	if (s->priority_add > 7 || (s->irq_base & 7) || s->init_state > 3)
		return BAD("priority_add %u irq_base %#x init_state %u",
			   s->priority_add, s->irq_base, s->init_state);
	if ((s->read_reg_select | s->poll | s->special_mask | s->auto_eoi |
	     s->rotate_on_auto_eoi | s->special_fully_nested_mode |
	     s->init4 | s->single | s->ltim) > 1)
		return BAD("a flag byte above 1");
	if ((s->init_state == 3 && !s->init4) ||
	    (s->init_state == 2 && s->single))
		return BAD("init_state %u waits for an ICW it will not get",
			   s->init_state);
	if (!bytes_zero(s->pad, sizeof(s->pad)))
		return BAD("pad bytes");
	return NULL;
}

#define RTE_DELIVS	VIRQ_IOAPIC_RTE_DELIVS
#define RTE_RIRR	VIRQ_IOAPIC_RTE_REMOTE_IRR
#define RTE_LEVEL	VIRQ_IOAPIC_RTE_LEVEL
#define RTE_WRITABLE	(0xffULL | 7ULL << 8 | 1ULL << 11 | 1ULL << 13 | \
			 1ULL << 15 | 1ULL << 16 | 0xffULL << 56)

static bool rte_level_irr(uint64_t rte)
{
	uint32_t dm = (rte >> 8) & 7;

	return (rte & RTE_LEVEL) && (dm == 0 || dm == 1);
}

/* An IOAPIC state as GET returns it (version: the chip's, or 0). */
static const char *ioapic_state_bad(const struct virq_irqchip *ic,
				    uint32_t version, bool logical)
{
	const struct virq_ioapic_state *s = &ic->chip.ioapic;
	unsigned int pin;

	if (ic->pad || s->pad)
		return BAD("pad");
	if (!bytes_zero((const uint8_t *)&ic->chip + sizeof(*s),
			sizeof(ic->chip) - sizeof(*s)))
		return BAD("bytes past the IOAPIC state");
	if (s->flags != (VIRQ_IOAPIC_STATE_EXT |
			 (logical ? 0 : VIRQ_IOAPIC_STATE_WIRE_LEVELS)))
		return BAD("flags %#x", s->flags);
	if (s->version != 0x11 && s->version != 0x20)
		return BAD("version %#x", s->version);
	if (version && s->version != version)
		return BAD("version %#x, the chip's is %#x", s->version, version);
	if ((s->base_address & 0xff) || s->base_address > 0xffffff00ULL)
		return BAD("base %#" PRIx64, (uint64_t)s->base_address);
	if (s->ioregsel > 0xff || s->id > 15)
		return BAD("ioregsel %#x id %u", s->ioregsel, s->id);
	if ((s->irr | s->line_level | s->eoi_deferred) >> 24)
		return BAD("irr %#x line_level %#x eoi_deferred %#x", s->irr,
			   s->line_level, s->eoi_deferred);
	for (pin = 0; pin < VIRQ_IOAPIC_NUM_PINS; pin++) {
		uint64_t rte = s->redirtbl[pin];
		bool high = s->line_level & (1U << pin);
		bool asserted = logical ? high :
				high != !!(rte & VIRQ_IOAPIC_RTE_ACTIVE_LOW);

		if (rte & ~(RTE_WRITABLE | RTE_RIRR | RTE_DELIVS))
			return BAD("pin %u: reserved entry bits %#" PRIx64,
				   pin, rte);
		if ((rte & RTE_RIRR) && !rte_level_irr(rte))
			return BAD("pin %u: remote IRR on %#" PRIx64, pin, rte);
		/* Pending: held by the throttle, or a message in flight. */
		if ((s->eoi_deferred & (1U << pin)) && !(rte & RTE_DELIVS))
			return BAD("pin %u: delivery status %#" PRIx64
				   " against eoi_deferred %#x", pin, rte,
				   s->eoi_deferred);
		if ((s->eoi_deferred & (1U << pin)) && !rte_level_irr(rte))
			return BAD("pin %u: a held re-delivery on %#" PRIx64,
				   pin, rte);
		if (!!(s->irr & (1U << pin)) !=
		    ((rte & RTE_LEVEL) && asserted))
			return BAD("pin %u: irr %#x against entry %#" PRIx64
				   " and line_level %#x", pin, s->irr, rte,
				   s->line_level);
		if (s->eoi_count[pin] >= 10000)
			return BAD("pin %u: eoi_count %u", pin, s->eoi_count[pin]);
	}
	return NULL;
}

static uint32_t reg(const struct virq_lapic_state *st, uint32_t off)
{
	uint32_t v;

	memcpy(&v, st->regs + off, 4);
	return v;
}

static void set_reg(struct virq_lapic_state *st, uint32_t off, uint32_t v)
{
	memcpy(st->regs + off, &v, 4);
}

/* The highest set bit of a 256-bit register at @off, or -1. */
static int highest_bit(const struct virq_lapic_state *st, uint32_t off)
{
	int i;

	for (i = 7; i >= 0; i--) {
		uint32_t w = reg(st, off + 16 * i);

		if (w)
			return 32 * i + 31 - __builtin_clz(w);
	}
	return -1;
}

#define LA_ISR	0x100
#define LA_TMR	0x180
#define LA_IRR	0x200

static const uint32_t lvt_writable[6] = {
	0xff | 1U << 16 | 3U << 17,			/* timer */
	0xff | 7U << 8 | 1U << 16,			/* thermal */
	0xff | 7U << 8 | 1U << 16,			/* perf */
	0xff | 7U << 8 | 1U << 13 | 1U << 15 | 1U << 16,	/* LINT0 */
	0xff | 7U << 8 | 1U << 13 | 1U << 15 | 1U << 16,	/* LINT1 */
	0xff | 1U << 16,				/* error */
};

static bool lapic_slot_exists(uint32_t off)
{
	switch (off) {
	case 0x20: case 0x30: case 0x80: case 0x90: case 0xa0: case 0xb0:
	case 0xc0: case 0xd0: case 0xe0: case 0xf0: case 0x280: case 0x300:
	case 0x310: case 0x380: case 0x390: case 0x3e0:
	case 0x100 ... 0x270:
	case 0x320 ... 0x370:
		return true;
	default:
		return false;
	}
}

/* A DFR model other than flat (0xf) or cluster (0): a guest can write it. */
static uint32_t x2apic_ldr(uint32_t id)
{
	return (id >> 4) << 16 | 1U << (id & 0xf);
}

/*
 * A vCPU state as GET_LAPIC returns it, for a vCPU with a LAPIC or on the
 * minimal bus. The items under "strict" can only be violated after a
 * SET_LAPIC accepted such a state (which it must not).
 */
static const char *lapic_state_bad(const struct virq_lapic_state *st,
				   bool apic, uint32_t apic_id)
{
	const bool strict = true;
	uint32_t off, v, tpr, isrv, irrv, top, ppr, apr, svr, mode;
	bool x2;
	int i;

	if (!bytes_zero(st->reserved, sizeof(st->reserved)))
		return BAD("reserved");
	v = st->rtc_vector;
	/* Owed with 0: restored without its vector, owed for the RTC's. */
	if ((st->flags & VIRQ_LAPIC_STATE_RTC_OWED) ? v && (v < 16 || v > 255) :
	    v)
		return BAD("RTC debt %d on vector %u",
			   !!(st->flags & VIRQ_LAPIC_STATE_RTC_OWED), v);
	/* A LAPIC's owed tick is pending or in service, or it is never paid. */
	if (apic && v && !((reg(st, LA_IRR + 16 * (v / 32)) |
			    reg(st, LA_ISR + 16 * (v / 32))) & (1u << (v % 32))))
		return BAD("RTC debt on vector %#x, neither in IRR nor ISR", v);
	if (!apic) {
		for (off = 0; off < VIRQ_APIC_REG_SIZE; off += 4) {
			v = reg(st, off);
			if (v && !((off >= LA_TMR && off < LA_IRR + 0x80 &&
				    !(off & 0xf))))
				return BAD("bus state: %#x at %#x", v, off);
		}
		if (st->apic_base || st->tsc_deadline || st->lint_level ||
		    st->esr_pending || (st->flags & ~VIRQ_LAPIC_STATE_RTC_OWED))
			return BAD("bus state: fields a LAPIC has");
		if (reg(st, LA_IRR) & 0xffff)
			return BAD("bus state: vectors 0-15 pending (%#x)",
				   reg(st, LA_IRR));
		return NULL;
	}
	x2 = st->apic_base & (1 << 10);
	if (st->apic_base & ~(0xffffffffff000ULL | 1 << 11 | 1 << 10 | 1 << 8))
		return BAD("APIC base %#" PRIx64, (uint64_t)st->apic_base);
	if (x2 && !(st->apic_base & (1 << 11)))
		return BAD("x2APIC without EN: %#" PRIx64, (uint64_t)st->apic_base);
	if (!!(st->apic_base & (1 << 8)) != (apic_id == 0))
		return BAD("BSP flag %#" PRIx64 " on APIC ID %u",
			   (uint64_t)st->apic_base, apic_id);
	for (off = 0; off < VIRQ_APIC_REG_SIZE; off += 4) {
		v = reg(st, off);
		if (v && ((off & 0xf) || !lapic_slot_exists(off)))
			return BAD("%#x at %#x, where no register is", v, off);
	}
	/* Bit 24 (EOI suppression) only with 0x20 IOAPICs (lapic.rst). */
	if ((reg(st, 0x30) & ~(1u << 24)) != 0x00050014)
		return BAD("version %#x", reg(st, 0x30));
	if (reg(st, 0xb0) || reg(st, 0xc0))
		return BAD("EOI or RRD reads %#x %#x", reg(st, 0xb0), reg(st, 0xc0));
	if (x2 ? reg(st, 0x20) != apic_id : (reg(st, 0x20) & 0xffffff))
		return BAD("ID %#x (APIC ID %u, x2APIC %d)", reg(st, 0x20),
			   apic_id, x2);
	if (x2 ? reg(st, 0xd0) != x2apic_ldr(apic_id) : (reg(st, 0xd0) & 0xffffff))
		return BAD("LDR %#x (x2APIC %d)", reg(st, 0xd0), x2);
	v = reg(st, 0xe0);
	if (!x2 && (v & 0x0fffffff) != 0x0fffffff)
		return BAD("DFR %#x", v);
	tpr = reg(st, 0x80);
	if (tpr > 0xff)
		return BAD("TPR %#x", tpr);
	i = highest_bit(st, LA_ISR);
	isrv = i < 0 ? 0 : i;
	irrv = highest_bit(st, LA_IRR);
	ppr = (tpr & 0xf0) >= (isrv & 0xf0) ? tpr : isrv & 0xf0;
	if (reg(st, 0xa0) != ppr)
		return BAD("PPR %#x, TPR %#x and ISR %#x make %#x", reg(st, 0xa0),
			   tpr, isrv, ppr);
	/* SDM 10.8.3.1: TPR if its class is >= IRRV's and > ISRV's */
	top = (int)irrv > (int)isrv ? irrv : isrv;
	if ((tpr & 0xf0) >= ((int)irrv < 0 ? 0 : irrv & 0xf0) &&
	    (tpr & 0xf0) > (isrv & 0xf0))
		apr = tpr;
	else
		apr = ((tpr > top ? tpr : top) & 0xf0);
	if (reg(st, 0x90) != apr)
		return BAD("APR %#x, expected %#x", reg(st, 0x90), apr);
	svr = reg(st, 0xf0);
	if (svr & ~0x11ffU)
		return BAD("SVR %#x", svr);
	if ((svr & 0x1000) && !(reg(st, 0x30) & (1u << 24)))
		return BAD("SVR %#x: suppression the version does not offer",
			   svr);
	if (reg(st, 0x300) & ~0xccfffU)	/* delivery status reads 0 */
		return BAD("ICR %#x", reg(st, 0x300));
	if (!x2 && (reg(st, 0x310) & 0xffffff))
		return BAD("ICR high %#x", reg(st, 0x310));
	for (i = 0; i < 6; i++) {
		v = reg(st, 0x320 + 16 * i);
		if (v & ~(lvt_writable[i] | 1U << 14))
			return BAD("LVT %d: %#x", i, v);
		if (strict && (v & (1U << 14)) && !((i == 3 || i == 4) &&
						    (v & (1U << 15))))
			return BAD("LVT %d: remote IRR on %#x", i, v);
	}
	mode = (reg(st, 0x320) >> 17) & 3;
	if (strict && mode == 3)
		return BAD("timer mode 3 (reserved)");
	if (reg(st, 0x390) > reg(st, 0x380))
		return BAD("current count %#x above initial %#x", reg(st, 0x390),
			   reg(st, 0x380));
	if (reg(st, 0x3e0) & ~0xbU)
		return BAD("DCR %#x", reg(st, 0x3e0));
	if (st->tsc_deadline && mode != 2)
		return BAD("TSC deadline %#" PRIx64 " in timer mode %u",
			   (uint64_t)st->tsc_deadline, mode);
	if (st->flags & ~7U || st->lint_level > 3 || st->esr_pending > 0xff)
		return BAD("flags %#x lint_level %#x esr_pending %#x", st->flags,
			   st->lint_level, st->esr_pending);
	if (strict && ((reg(st, 0x280) | st->esr_pending) & ~0xe0U))
		return BAD("ESR %#x pending %#x", reg(st, 0x280), st->esr_pending);
	if (strict && ((reg(st, LA_IRR) | reg(st, LA_ISR)) & 0xffff))
		return BAD("vectors 0-15 in IRR %#x or ISR %#x", reg(st, LA_IRR),
			   reg(st, LA_ISR));
	return NULL;
}

/* ---- the acknowledge, as the chip's state says it must go ---- */

struct pic_model {
	uint8_t irr, imr, isr, prio, base, special_mask, sfnm, single, icw3;
};

static void pic_model_load(struct pic_model *m, const struct virq_pic_state *s)
{
	m->irr = s->irr;
	m->imr = s->imr;
	m->isr = s->isr;
	m->prio = s->priority_add;
	m->base = s->irq_base;
	m->special_mask = s->special_mask;
	m->sfnm = s->special_fully_nested_mode;
	m->single = s->single;
	m->icw3 = s->icw3;
}

/* The IR of highest priority among @mask (priority_add first), or -1. */
static int pic_top(const struct pic_model *m, uint8_t mask)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		if (mask & (1U << ((m->prio + i) & 7)))
			return (m->prio + i) & 7;
	return -1;
}

static unsigned int pic_rank(const struct pic_model *m, int ir)
{
	return (ir - m->prio) & 7;
}

/* 8259A priority resolution: the IR the PIC asks INTA for, or -1. */
static int pic_request(const struct pic_model *m, bool master)
{
	int req = pic_top(m, m->irr & ~m->imr), cur;
	uint8_t isr = m->isr;

	if (req < 0)
		return -1;
	if (m->special_mask)
		isr &= ~m->imr;		/* masked levels do not block */
	if (m->sfnm && master && !m->single)
		isr &= ~(m->icw3 & (1U << req));	/* cascade in service */
	cur = pic_top(m, isr);
	if (cur >= 0 && pic_rank(m, cur) <= pic_rank(m, req))
		return -1;
	return req;
}

/*
 * The INTA cycle's vector (IR7 of the master or the slave when the
 * request vanished, 0xff when no slave answers the cascade address). *ir
 * gets the IR acknowledged (slave IRs as 8-15), -1 for a spurious one.
 */
static int pic_inta(const struct pic_model *ma, const struct pic_model *sl,
		    int *ir)
{
	int m = pic_request(ma, true), s;

	*ir = -1;
	if (m < 0)
		return ma->base | 7;
	if (ma->single || !(ma->icw3 & (1U << m))) {
		*ir = m;
		return ma->base | m;
	}
	if (m != 2 || sl->single || (sl->icw3 & 7) != m)
		return 0xff;
	s = pic_request(sl, false);
	if (s < 0)
		return sl->base | 7;
	*ir = 8 + s;
	return sl->base | s;
}

/* Could the LAPIC timer add its vector at any moment? */
static int timer_vector_pending_soon(const struct virq_lapic_state *st)
{
	uint32_t lvt = reg(st, 0x320), mode = (lvt >> 17) & 3;

	if ((lvt & (1U << 16)) || (lvt & 0xff) < 16)
		return -1;
	if (mode == 2 ? !st->tsc_deadline : !reg(st, 0x380))
		return -1;
	return lvt & 0xff;
}

struct ack_pred {
	int v;			/* the vector, -1 for none (EAGAIN) */
	int alt;		/* or this one (the timer fired meanwhile), -1 */
	bool pic;		/* v comes from the PIC's INTA */
	int pic_ir;		/* the IR acknowledged (8-15: slave), -1 spurious */
};

/* The LAPIC's part of INTA: the highest IRR vector above PPR, or -1. */
static int lapic_take(const struct virq_lapic_state *st, int extra)
{
	int irrv = highest_bit(st, LA_IRR), isr = highest_bit(st, LA_ISR);
	uint32_t isrv = isr < 0 ? 0 : isr, tpr = reg(st, 0x80);

	if (extra > irrv)
		irrv = extra;
	if (irrv < 0 || (irrv & 0xf0) <= (isrv & 0xf0) ||
	    (irrv & 0xf0) <= (tpr & 0xf0))
		return -1;
	return irrv;
}

/*
 * What VIRQ_VCPU_ACK must return for this vCPU, from its state and the
 * PICs' (lapic.rst "Acknowledge and EOI", api.rst VIRQ_VCPU_ACK).
 */
static void predict_ack(bool apic, uint32_t apic_id,
			const struct virq_lapic_state *st,
			const struct virq_irqchip *pm,
			const struct virq_irqchip *ps, struct ack_pred *p)
{
	struct pic_model ma, sl;
	bool out, through_pic;
	int tv;

	pic_model_load(&ma, &pm->chip.pic);
	pic_model_load(&sl, &ps->chip.pic);
	/* The master's INT reaches the BSP (APIC ID 0) alone. */
	out = pic_request(&ma, true) >= 0;
	memset(p, 0, sizeof(*p));
	p->alt = -1;
	p->pic_ir = -1;
	if (apic) {
		uint32_t lvt0 = reg(st, 0x350);
		bool en = st->apic_base & (1 << 11);
		bool lint0 = apic_id == 0 && out &&
			     (!en || (!(lvt0 & (1U << 16)) &&
				      ((lvt0 >> 8) & 7) == 7));

		through_pic = out && (lint0 || (st->flags &
						VIRQ_LAPIC_STATE_EXTINT));
	} else {
		through_pic = apic_id == 0 && out;
	}
	if (through_pic) {
		p->pic = true;
		p->v = pic_inta(&ma, &sl, &p->pic_ir);
		return;
	}
	if (!apic) {
		p->v = highest_bit(st, LA_IRR);
		return;
	}
	p->v = lapic_take(st, -1);
	tv = timer_vector_pending_soon(st);
	if (tv >= 0 && lapic_take(st, tv) != p->v)
		p->alt = lapic_take(st, tv);
}

/* ---- helpers for private objects ---- */

static struct pchip *pchip_of(struct fz *t, uint32_t obj)
{
	return &t->pc[obj % NR_PCHIP];
}

static struct pvcpu *pvcpu_of(struct pchip *pc, uint32_t obj)
{
	return &pc->v[(obj >> 8) % NR_PVCPU];
}

static bool pchip_apic(const struct pchip *pc)
{
	return pc->cfg.flags & VIRQ_CHIP_LAPIC;
}

static void pvcpu_drop(struct pvcpu *v)
{
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	if (v->run)
		munmap(v->run, 4096);
	v->run = NULL;
	memset(v->seen, 0, sizeof(v->seen));
}

static void pchip_close(struct pchip *pc)
{
	unsigned int i;

	for (i = 0; i < NR_PVCPU; i++)
		pvcpu_drop(&pc->v[i]);
	if (pc->fd >= 0)
		close(pc->fd);
	pc->fd = -1;
	for (i = 0; i < NR_PEFD; i++)
		pc->e[i].gsi = -1;	/* closing the chip unbinds them */
	free(pc->stats);
	pc->stats = NULL;
	pc->stats_len = 0;
	pc->nr_ids = 0;
}

static void pchip_open(struct fz *t, struct pchip *pc, struct rng *r)
{
	unsigned int i;
	long ret;

	gen_cfg(r, &pc->cfg, true);
	ret = ioctl(W.dev, VIRQ_CREATE_CHIP, &pc->cfg);
	note(t, "private chip flags %#x ioapics %u vcpus %u", pc->cfg.flags,
	     pc->cfg.nr_ioapics, pc->cfg.max_vcpus);
	res(t, ret);
	expect_ok(t, ret, "CREATE_CHIP (private)");
	pc->fd = ret;
	if (ret >= 0)
		t->depth[D_CREATED_CHIPS]++;
	for (i = 0; i < VIRQ_MAX_IOAPICS; i++)
		pc->ioapic_base[i] = VIRQ_IOAPIC_DEFAULT_BASE(i);
}

/* The result VIRQ_CREATE_VCPU must give on a private chip (0 or errno). */
static int pchip_vcpu_expect(const struct pchip *pc, uint64_t id)
{
	bool ids32 = pc->cfg.flags & VIRQ_CHIP_32BIT_IDS;
	unsigned int i;

	if (id > 0xffffffffULL || (ids32 ? id == 0xffffffffULL : id >= 0xff))
		return EINVAL;
	for (i = 0; i < pc->nr_ids; i++)
		if (pc->ids[i] == id)
			return EEXIST;
	if (pc->nr_ids >= pc->cfg.max_vcpus)
		return ENOSPC;
	return 0;
}

static uint64_t ld64(const __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

/* Run-page counters never decrease; the APIC ID stays. */
static void run_check(struct fz *t, struct pvcpu *v)
{
	static const char *const names[5] = {
		"requests_made", "kicks", "signals", "wakeups", "acks",
	};
	struct virq_vcpu_run *run = v->run;
	uint64_t c[5];
	unsigned int i;

	if (!run)
		return;
	c[0] = ld64(&run->requests_made);
	c[1] = ld64(&run->kicks);
	c[2] = ld64(&run->signals);
	c[3] = ld64(&run->wakeups);
	c[4] = ld64(&run->acks);
	for (i = 0; i < 5; i++)
		CHECK(t, c[i] >= v->seen[i],
		      "run page of APIC ID %u: %s went from %" PRIu64 " to %"
		      PRIu64, v->apic_id, names[i], v->seen[i], c[i]);
	memcpy(v->seen, c, sizeof(c));
	CHECK(t, run->apic_id == v->apic_id,
	      "run page apic_id %u, the vCPU's is %u", run->apic_id, v->apic_id);
}

static int get_irqchip(int fd, uint32_t id, struct virq_irqchip *ic)
{
	memset(ic, 0, sizeof(*ic));
	ic->chip_id = id;
	return ioctl(fd, VIRQ_GET_IRQCHIP, ic);
}

static int get_lapic(int fd, struct virq_lapic_state *st)
{
	memset(st, 0xa5, sizeof(*st));	/* GET must write all of it */
	return ioctl(fd, VIRQ_GET_LAPIC, st);
}

/* A guard-page pointer: the copy faults at @n bytes before its end. */
static void *near_guard(struct fz *t, size_t n)
{
	return t->buf_end - n;
}

/* What an fd is, for failure messages ("anon_inode:virq-vcpu"...). */
static const char *fd_name(int fd)
{
	static __thread char name[80];
	char path[40];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, name, sizeof(name) - 1);
	name[n < 0 ? 0 : n] = 0;
	return n < 0 ? "closed" : name;
}

static void *bad_pointer(struct rng *r, struct fz *t)
{
	switch (below(r, 4)) {
	case 0:
		return NULL;
	case 1:
		return t->buf_end;		/* the guard page */
	case 2:
		return (void *)0xffff888000000000ULL;	/* kernel memory */
	default:
		return (void *)(uintptr_t)(1 + below(r, 4095));
	}
}

/* An ioctl whose argument points nowhere: EFAULT, never success. */
static void bad_pointer_ioctl(struct fz *t, struct rng *r, int fd,
			      unsigned long cmd, const char *name, bool priv)
{
	long ret = ioctl(fd, cmd, bad_pointer(r, t));

	note(t, "%s bad pointer", name);
	res(t, ret);
	CHECK(t, ret < 0, "%s with a bad pointer succeeded", name);
	if (ret < 0)
		expect_errno(t, priv, name, EL(EFAULT));
}

/* ---- operations: /dev/virq and chips ---- */

static const unsigned long dev_cmds[] = {
	VIRQ_GET_API_VERSION, VIRQ_CHECK_EXTENSION, VIRQ_CREATE_CHIP,
};
static const unsigned long chip_cmds[] = {
	VIRQ_SET_GSI_ROUTING, VIRQ_IRQ_LINE, VIRQ_IRQ_LINE_STATUS,
	VIRQ_SIGNAL_MSI, VIRQ_CREATE_VCPU, VIRQ_IO, VIRQ_GET_IRQCHIP,
	VIRQ_SET_IRQCHIP, VIRQ_GET_CHIP_CONFIG, VIRQ_IRQFD, VIRQ_GET_STATS,
	VIRQ_NOP,
};
static const unsigned long vcpu_cmds[] = {
	VIRQ_VCPU_SET_SIGNAL, VIRQ_VCPU_WAIT, VIRQ_VCPU_ACK, VIRQ_VCPU_KICK,
	VIRQ_VCPU_EOI, VIRQ_GET_LAPIC, VIRQ_SET_LAPIC, VIRQ_VCPU_NMI,
	VIRQ_VCPU_LINT, VIRQ_VCPU_SET_CLOCK, VIRQ_VCPU_RESET, VIRQ_IO,
};

static bool cmd_known(unsigned long cmd, const unsigned long *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i] == cmd)
			return true;
	return false;
}

/* System ioctls, and ioctl numbers no virq file has. */
static void op_dev(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	unsigned long cmd, arg;
	long ret, want;
	int fd, kind;

	switch (below(r, 3)) {
	case 0:
		arg = pct(r, 80) ? 0 : interesting(r) | 1;
		ret = ioctl(W.dev, VIRQ_GET_API_VERSION, arg);
		note(t, "GET_API_VERSION %#lx", arg);
		res(t, ret);
		if (arg)
			expect_einval(t, true, ret, "GET_API_VERSION");
		else
			CHECK(t, ret == VIRQ_API_VERSION, "API version %ld", ret);
		return;
	case 1:
		arg = pct(r, 80) ? below(r, 16) : interesting(r);
		ret = ioctl(W.dev, VIRQ_CHECK_EXTENSION, arg);
		note(t, "CHECK_EXTENSION %#lx", arg);
		res(t, ret);
		switch (arg) {
		case VIRQ_CAP_IOAPIC:
			want = VIRQ_MAX_IOAPICS;
			break;
		case VIRQ_CAP_MAX_VCPUS:
			want = VIRQ_MAX_VCPUS;
			break;
		case VIRQ_CAP_MAX_ROUTES:
			want = VIRQ_MAX_ROUTES;
			break;
		case VIRQ_CAP_NR_GSIS:
			want = VIRQ_NR_GSIS;
			break;
		case VIRQ_CAP_IRQFD:
			want = VIRQ_MAX_IRQFDS;
			break;
		case VIRQ_CAP_PIC:
		case VIRQ_CAP_LAPIC:
		case VIRQ_CAP_MSI_32BIT_IDS ... VIRQ_CAP_VCPU_RUN_PAGE:
		case VIRQ_CAP_IRQFD_RESAMPLE:
			want = 1;
			break;
		case VIRQ_CAP_STATS:
			want = VIRQ_STATS_VERSION;
			break;
		case VIRQ_CAP_NMI_COUNT:
			want = VIRQ_NMI_PENDING_MAX;
			break;
		case VIRQ_CAP_VCPU_CONFIG:
			want = 1;
			break;
		default:
			want = 0;
			break;
		}
		CHECK(t, ret == want, "CHECK_EXTENSION(%#lx) = %ld, not %ld",
		      arg, ret, want);
		return;
	default:
		break;
	}
	/* An unknown command: on /dev/virq, a chip fd or a vCPU fd. */
	cmd = (unsigned long)(pct(r, 50) ? VIRQIO :
			      pct(r, 50) ? 0xae : 0xaf) << _IOC_TYPESHIFT |
	      (unsigned long)below(r, 256) << _IOC_NRSHIFT |
	      (unsigned long)below(r, 4) << _IOC_DIRSHIFT |
	      (unsigned long)(pct(r, 50) ? below(r, 64) : below(r, 0x4000))
	      << _IOC_SIZESHIFT;
	kind = below(r, 3);
	/* (a stale shared number may be any kind of virq fd) */
	if (cmd_known(cmd, dev_cmds, ARRAY_SIZE(dev_cmds)) ||
	    cmd_known(cmd, chip_cmds, ARRAY_SIZE(chip_cmds)) ||
	    cmd_known(cmd, vcpu_cmds, ARRAY_SIZE(vcpu_cmds)))
		return;
	if (kind == 0)
		fd = W.dev;
	else if (kind == 1)
		fd = priv ? pchip_of(t, obj)->fd : slot_get(&W.chip[obj % NR_SCHIP]);
	else
		fd = priv ? pvcpu_of(pchip_of(t, obj), obj)->fd :
			    slot_get(&W.vcpu[obj % NR_SVCPU]);
	if (fd < 0)
		return;
	ret = ioctl(fd, cmd, t->buf);
	note(t, "unknown ioctl %#lx on %s fd %d", cmd,
	     (const char *[]){ "dev", "chip", "vcpu" }[kind], fd);
	res(t, ret);
	CHECK(t, ret < 0, "unknown ioctl %#lx succeeded", cmd);
	if (ret < 0)
		expect_errno(t, kind == 0 || priv, "unknown ioctl", EL(ENOTTY));
}

static void op_create_vcpu(struct fz *t, struct rng *r, bool priv,
			   uint32_t obj);

/* VIRQ_CREATE_CHIP: a valid or broken configuration; chips replaced. */
static void op_create_chip(struct fz *t, struct rng *r, bool priv,
			   uint32_t obj)
{
	struct virq_chip_config c;
	bool valid = !pct(r, 20);
	long ret;

	if (priv && valid) {
		struct pchip *pc = pchip_of(t, obj);

		pchip_close(pc);
		pchip_open(t, pc, r);
		op_create_vcpu(t, r, true, obj);	/* a vCPU to work on */
		return;
	}
	gen_cfg(r, &c, false);
	if (!valid)
		break_cfg(r, &c);
	if (cfg_valid(&c) != valid) {
		fail(t, "the fuzzer broke a configuration wrongly (flags %#x)",
		     c.flags);
		return;
	}
	if (!valid && pct(r, 5)) {
		bad_pointer_ioctl(t, r, W.dev, VIRQ_CREATE_CHIP, "CREATE_CHIP",
				  true);
		return;
	}
	ret = ioctl(W.dev, VIRQ_CREATE_CHIP, &c);
	note(t, "CREATE_CHIP flags %#x ioapics %u bases %u,%u vcpus %u ver %#x "
	     "%s", c.flags, c.nr_ioapics, c.ioapic_gsi_base[0],
	     c.ioapic_gsi_base[1], c.max_vcpus, c.ioapic_version,
	     valid ? "" : "(broken)");
	res(t, ret);
	if (!valid) {
		expect_einval(t, true, ret, "CREATE_CHIP");
		if (ret >= 0)
			close(ret);
		return;
	}
	expect_ok(t, ret, "CREATE_CHIP");
	if (ret < 0)
		return;
	t->depth[D_CREATED_CHIPS]++;
	slot_put(&W.chip[obj % NR_SCHIP], to_shared(ret));
}

/* Close a shared chip, vCPU or eventfd that others may be using. */
static void op_close(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	switch (below(r, 4)) {
	case 0:
		note(t, "close shared chip %u", obj % NR_SCHIP);
		slot_close(&W.chip[obj % NR_SCHIP]);
		break;
	case 1:
	case 2:
		note(t, "close shared vCPU %u", obj % NR_SVCPU);
		slot_close(&W.vcpu[obj % NR_SVCPU]);
		break;
	default:
		note(t, "close shared eventfd %u", obj % NR_SEFD);
		slot_close(&W.efd[obj % NR_SEFD]);
		break;
	}
}

/* The chip fd an operation works on (a shared slot's: one that has one). */
static int chip_fd(struct fz *t, bool priv, uint32_t obj, struct pchip **pcp)
{
	unsigned int i;
	int fd;

	*pcp = NULL;
	if (priv) {
		*pcp = pchip_of(t, obj);
		return (*pcp)->fd;
	}
	for (i = 0; i < NR_SCHIP; i++) {
		fd = slot_get(&W.chip[(obj + i) % NR_SCHIP]);
		if (fd >= 0)
			return fd;
	}
	return -1;
}

static void op_routing(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	size_t cap = (t->buf_end - t->buf - sizeof(struct virq_irq_routing)) /
		     sizeof(struct virq_irq_routing_entry);
	struct virq_irq_routing *rt = (void *)t->buf;
	struct pchip *pc;
	int fd = chip_fd(t, priv, obj, &pc), verdict;
	bool efault = false, huge = false;
	void *arg = rt;
	long ret;

	if (fd < 0)
		return;
	if (cap > VIRQ_MAX_ROUTES)
		cap = VIRQ_MAX_ROUTES;
	verdict = gen_routing(r, pc ? &pc->cfg : NULL, rt, cap);
	if (pct(r, 2)) {
		rt->nr = VIRQ_MAX_ROUTES + 1 + below(r, 100000);
		if (pct(r, 10))
			rt->nr = ~0U;
		huge = true;
		verdict = 1;
	} else if (rt->nr && verdict <= 0 && !rt->flags && pct(r, 3)) {
		/* The entries run into the guard page. */
		size_t len = sizeof(*rt) + rt->nr * sizeof(rt->entries[0]);

		arg = near_guard(t, len - 1 - below(r, sizeof(rt->entries[0])));
		memmove(arg, rt, sizeof(*rt));
		efault = true;
	}
	ret = ioctl(fd, VIRQ_SET_GSI_ROUTING, arg);
	note(t, "SET_GSI_ROUTING %s chip fd %d nr %u flags %#x%s%s",
	     priv ? "private" : "shared", fd, rt->nr, rt->flags,
	     verdict > 0 ? " (broken)" : verdict < 0 ? " (maybe valid)" : "",
	     efault ? " (faults)" : "");
	res(t, ret);
	if (huge || verdict > 0) {
		expect_einval(t, priv, ret, "SET_GSI_ROUTING");
	} else if (efault) {
		CHECK(t, ret < 0, "SET_GSI_ROUTING read past the guard page");
		if (ret < 0)
			expect_errno(t, priv, "SET_GSI_ROUTING", EL(EFAULT));
	} else if (verdict == 0 && priv) {
		expect_ok(t, ret, "SET_GSI_ROUTING");
	} else if (ret < 0) {
		expect_errno(t, priv, "SET_GSI_ROUTING", EL(EINVAL));
	}
}

/* The most vCPUs a status may count on a chip. */
static long status_max(struct pchip *pc)
{
	return pc ? 2 + (long)pc->cfg.nr_ioapics * pc->nr_ids + pc->nr_ids :
		    2 + VIRQ_MAX_IOAPICS * (long)VIRQ_MAX_VCPUS + VIRQ_MAX_VCPUS;
}

static void op_line(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	bool status = pct(r, 60), invalid = false;
	struct virq_irq_level il;
	uint32_t gsi, level;
	struct pchip *pc;
	int fd = chip_fd(t, priv, obj, &pc), n, i;
	long ret;

	if (fd < 0)
		return;
	n = pct(r, 30) ? 2 : 1;		/* a pulse: raise, then lower */
	gsi = pct(r, 65) ? below(r, 24) : pct(r, 60) ? 24 + below(r, 100) :
	      below(r, VIRQ_NR_GSIS);
	level = pct(r, 60);
	if (pct(r, 4)) {
		invalid = true;
		if (pct(r, 50))
			gsi = VIRQ_NR_GSIS + (uint32_t)interesting(r) % 0x7ffff000;
		else
			level = 2 + below(r, 1000);
	}
	for (i = 0; i < n; i++) {
		il.irq = gsi;		/* _STATUS overwrites it */
		il.level = i ? 0 : level;
		ret = ioctl(fd, status ? VIRQ_IRQ_LINE_STATUS : VIRQ_IRQ_LINE,
			    &il);
		note(t, "%sIRQ_LINE%s %s gsi %u level %u", i ? " " : "",
		     status ? "_STATUS" : "",
		     priv ? "private" : "shared", gsi, i ? 0 : level);
		res(t, ret);
		if (invalid) {
			expect_einval(t, priv, ret, "IRQ_LINE");
			return;
		}
		if (ret < 0) {
			expect_errno(t, priv, "IRQ_LINE", EL(0));
			return;
		}
		if (status) {
			note(t, " status %d", il.status);
			CHECK(t, il.status >= -1 && il.status <= status_max(pc),
			      "IRQ_LINE_STATUS status %d", il.status);
			if (il.status > 0)
				t->depth[D_DELIVERED]++;
		}
	}
}

static void op_msi(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	struct virq_msi m;
	struct pchip *pc;
	int fd = chip_fd(t, priv, obj, &pc);
	bool valid, ids32 = pc ? pc->cfg.flags & VIRQ_CHIP_32BIT_IDS : false;
	long ret;

	if (fd < 0)
		return;
	gen_msi(r, &m, ids32, &valid);
	ret = ioctl(fd, VIRQ_SIGNAL_MSI, &m);
	note(t, "SIGNAL_MSI %s addr %#x:%#x data %#x flags %#x devid %#x%s",
	     priv ? "private" : "shared", m.address_hi, m.address_lo, m.data,
	     m.flags, m.devid, valid ? "" : " (broken)");
	res(t, ret);
	if (!pc && m.address_hi) {
		/* Valid or not as the chip has 32-bit IDs or not. */
		if (ret < 0)
			expect_errno(t, false, "SIGNAL_MSI", EL(EINVAL));
		return;
	}
	if (!valid) {
		expect_einval(t, priv, ret, "SIGNAL_MSI");
		return;
	}
	if (ret < 0) {
		expect_errno(t, priv, "SIGNAL_MSI", EL(0));
		return;
	}
	note(t, " status %d", m.status);
	CHECK(t, m.status >= -1 && m.status <= (pc ? (long)pc->nr_ids :
						VIRQ_MAX_VCPUS),
	      "SIGNAL_MSI status %d", m.status);
	CHECK(t, ret == (m.status > 0 ? m.status : 0),
	      "SIGNAL_MSI returned %ld with status %d", ret, m.status);
	if (m.status > 0)
		t->depth[D_DELIVERED]++;
}

static void op_create_vcpu(struct fz *t, struct rng *r, bool priv,
			   uint32_t obj)
{
	static const uint64_t odd[] = {
		0xfe, 0xff, 0x100, 0x12345, 0xfffffffe, 0xffffffff,
		0x100000000ULL, ~0ULL,
	};
	uint64_t id = pct(r, 65) ? below(r, 4) : pct(r, 60) ? below(r, 16) :
		      odd[below(r, ARRAY_SIZE(odd))];
	struct pchip *pc;
	struct pvcpu *v;
	int fd = chip_fd(t, priv, obj, &pc), want;
	long ret;

	if (fd < 0)
		return;
	if (!priv) {
		ret = ioctl(fd, VIRQ_CREATE_VCPU, id);
		note(t, "CREATE_VCPU shared chip fd %d id %#" PRIx64, fd, id);
		res(t, ret);
		if (id >= 0xffffffffULL) {
			expect_einval(t, false, ret, "CREATE_VCPU");
		} else if (ret < 0) {
			expect_errno(t, false, "CREATE_VCPU",
				     EL(EINVAL, EEXIST, ENOSPC));
		}
		if (ret < 0)
			return;
		t->depth[D_CREATED_VCPUS]++;
		slot_put(&W.vcpu[obj % NR_SVCPU], to_shared(ret));
		return;
	}
	v = pvcpu_of(pc, obj);
	want = pchip_vcpu_expect(pc, id);
	pvcpu_drop(v);			/* the vCPU it had lives on */
	ret = ioctl(fd, VIRQ_CREATE_VCPU, id);
	note(t, "CREATE_VCPU private chip fd %d id %#" PRIx64 " (want %s)",
	     fd, id, want ? strerrorname_np(want) : "success");
	res(t, ret);
	if (want) {
		CHECK(t, ret < 0 && (errno == want || errno == ENOMEM),
		      "CREATE_VCPU id %#" PRIx64 ": %ld/%s, not %s", id, ret,
		      ret < 0 ? strerrorname_np(errno) : "ok",
		      strerrorname_np(want));
		if (ret >= 0)
			close(ret);
		return;
	}
	expect_ok(t, ret, "CREATE_VCPU");
	if (ret < 0)
		return;
	t->depth[D_CREATED_VCPUS]++;
	v->fd = ret;
	v->apic_id = id;
	pc->ids[pc->nr_ids++] = id;
	v->run = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		fail(t, "mmap of a new vCPU's run page: %s", strerror(errno));
	}
}

/* The result a chip's devices give an access (0 or errno). */
static int io_expect(const struct pchip *pc, const struct virq_io *io)
{
	unsigned int i;

	switch (io->space) {
	case VIRQ_IO_PIO:
		if (io->addr > 0xffff || !is_pic_port(io->addr))
			return ENOENT;
		return io->len == 1 ? 0 : EINVAL;
	case VIRQ_IO_MMIO:
		for (i = 0; i < pc->cfg.nr_ioapics; i++) {
			uint64_t b = pc->ioapic_base[i];

			if (io->addr >= b && io->addr - b < VIRQ_IOAPIC_WINDOW)
				return io->len == 4 && !(io->addr & 3) ? 0 : EINVAL;
		}
		return ENOENT;
	default:
		return ENOENT;
	}
}

static bool lapic_msr(uint64_t a)
{
	return a == 0x1b || a == 0x6e0 || (a >= 0x800 && a <= 0x8ff);
}

static void io_check(struct fz *t, bool priv, struct pchip *pc, bool on_vcpu,
		     const struct virq_io *in, const struct virq_io *out,
		     long ret, bool invalid)
{
	bool apic = pc && pchip_apic(pc);
	int want = -1, got = ret < 0 ? errno : 0;

	if (invalid) {
		expect_einval(t, priv, ret, "VIRQ_IO");
		return;
	}
	if (ret < 0)
		expect_errno(t, priv, "VIRQ_IO", EL(EINVAL, ENOENT));
	/* What the device map says, where the fuzzer knows the map. */
	if (priv && (!on_vcpu || !apic))
		want = io_expect(pc, in);
	else if (priv && in->space == VIRQ_IO_PIO)
		want = io_expect(pc, in);
	else if (priv && in->space == VIRQ_IO_MSR)
		want = !lapic_msr(in->addr) ? ENOENT : in->len == 8 ? 0 : EINVAL;
	if (want >= 0 && got != ENOMEM)
		CHECK(t, got == want, "VIRQ_IO space %u addr %#" PRIx64
		      " len %u: %s, the device map says %s", in->space,
		      (uint64_t)in->addr, in->len, got ? strerrorname_np(got) :
		      "success", want ? strerrorname_np(want) : "success");
	if (ret < 0)
		return;

	/* Which device could have answered, by the address alone. */
	switch (in->space) {
	case VIRQ_IO_PIO:
		CHECK(t, in->len == 1 && is_pic_port(in->addr),
		      "VIRQ_IO: port %#" PRIx64 " len %u answered",
		      (uint64_t)in->addr, in->len);
		if (!in->write)
			CHECK(t, out->data <= 0xff, "PIO read %#" PRIx64,
			      (uint64_t)out->data);
		break;
	case VIRQ_IO_MMIO:
		/* (a stale shared number may be any kind of fd) */
		if (!on_vcpu && priv)
			CHECK(t, in->len == 4 && !(in->addr & 3),
			      "chip fd MMIO len %u at %#" PRIx64 " answered",
			      in->len, (uint64_t)in->addr);
		if (in->len != 1 && in->len != 2 && in->len != 4 &&
		    in->len != 8)
			fail(t, "MMIO access of length %u at %#" PRIx64
			     " accepted", in->len, (uint64_t)in->addr);
		if (!in->write && in->len < 8 && in->len)
			CHECK(t, !(out->data >> (8 * in->len)),
			      "MMIO read of %u bytes returned %#" PRIx64,
			      in->len, (uint64_t)out->data);
		break;
	default:
		CHECK(t, (on_vcpu || !priv) && in->len == 8 &&
		      lapic_msr(in->addr),
		      "MSR %#" PRIx64 " len %u answered on a %s fd",
		      (uint64_t)in->addr, in->len, on_vcpu ? "vCPU" : "chip");
		if (out->fault) {
			t->depth[D_GP_FAULTS]++;
			if (!in->write)
				CHECK(t, !out->data, "a faulting MSR read "
				      "returned %#" PRIx64, (uint64_t)out->data);
		}
		break;
	}
	/* The fault byte: an output of every success, whatever it held. */
	if (!ret)
		CHECK(t, out->fault == VIRQ_IO_FAULT_NONE ||
		      (out->fault == VIRQ_IO_FAULT_GP &&
		       in->space == VIRQ_IO_MSR),
		      "VIRQ_IO space %u addr %#" PRIx64 " returned fault %u "
		      "(%u on entry)", in->space, (uint64_t)in->addr,
		      out->fault, in->fault);
}

static void op_io(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	bool invalid, on_vcpu = pct(r, 60);
	struct virq_io io, in;
	struct pchip *pc = NULL;
	int fd;
	long ret;

	gen_io(r, &io, &invalid);
	if (priv) {
		pc = pchip_of(t, obj);
		fd = on_vcpu ? pvcpu_of(pc, obj)->fd : pc->fd;
	} else {
		fd = on_vcpu ? slot_get(&W.vcpu[obj % NR_SVCPU]) :
			       slot_get(&W.chip[obj % NR_SCHIP]);
	}
	if (fd < 0)
		return;
	if (pct(r, 1)) {
		bad_pointer_ioctl(t, r, fd, VIRQ_IO, "VIRQ_IO", priv);
		return;
	}
	in = io;
	ret = ioctl(fd, VIRQ_IO, &io);
	note(t, "VIRQ_IO %s %s fd %d space %u addr %#" PRIx64 " len %u %s %#"
	     PRIx64 "%s", priv ? "private" : "shared", on_vcpu ? "vcpu" : "chip",
	     fd, in.space, (uint64_t)in.addr, in.len, in.write ? "write" : "read",
	     (uint64_t)in.data, invalid ? " (broken)" : "");
	res(t, ret);
	if (ret == 0)
		note(t, " data %#" PRIx64 " fault %u", (uint64_t)io.data, io.fault);
	io_check(t, priv, pc, on_vcpu, &in, &io, ret, invalid);
}

/* Change a PIC or IOAPIC state: a field, a bit, a format. */
static void mutate_irqchip(struct rng *r, struct virq_irqchip *ic)
{
	uint8_t *b = (uint8_t *)&ic->chip;

	if (ic->chip_id < 2) {
		struct virq_pic_state *s = &ic->chip.pic;

		switch (below(r, 8)) {
		case 0:		/* KVM's 16-byte format */
			s->ext = s->single = s->ltim = s->icw3 = s->icw4 = 0;
			break;
		case 1:
			s->irr = rnd(r);
			s->isr = rnd(r);
			s->imr = rnd(r);
			break;
		case 2:
			s->priority_add = below(r, 8 + (pct(r, 20) ? 248 : 0));
			s->irq_base = rnd(r) & (pct(r, 90) ? 0xf8 : 0xff);
			break;
		case 3:
			s->init_state = below(r, 4 + (pct(r, 20) ? 252 : 0));
			s->init4 = below(r, 2);
			s->single = below(r, 2);
			break;
		case 4:
			s->elcr = rnd(r) & (pct(r, 80) ? s->elcr_mask : 0xff);
			break;
		case 5:		/* the flag bytes */
			(&s->read_reg_select)[below(r, 9)] = below(r, 2 +
						(pct(r, 20) ? 254 : 0));
			break;
		default:
			b[below(r, 32 + (pct(r, 10) ? 480 : 0))] ^= 1 << below(r, 8);
			break;
		}
		return;
	} else {
		struct virq_ioapic_state *s = &ic->chip.ioapic;
		unsigned int pin = below(r, VIRQ_IOAPIC_NUM_PINS);

		switch (below(r, 8)) {
		case 0:		/* KVM's format: nothing after pad */
			memset(&s->flags, 0, sizeof(*s) -
			       offsetof(struct virq_ioapic_state, flags));
			break;
		case 1:
			s->base_address = gen_ioapic_base(r);
			if (pct(r, 10))
				s->base_address += 1 + below(r, 0xff);
			if (pct(r, 5))
				s->base_address |= 1ULL << (32 + below(r, 32));
			break;
		case 2:		/* a redirection entry as a guest writes it */
			s->redirtbl[pin] = (rnd(r) & RTE_WRITABLE) |
					   (pct(r, 10) ? RTE_RIRR : 0);
			break;
		case 3:
			s->line_level ^= 1U << pin;
			if (pct(r, 50))
				s->irr ^= 1U << pin;
			break;
		case 4:
			s->ioregsel = pct(r, 80) ? below(r, 256) : rnd(r);
			s->id = pct(r, 80) ? below(r, 16) : rnd(r);
			break;
		case 5:
			s->eoi_count[pin] = pct(r, 50) ? 9999 + below(r, 3) : rnd(r);
			s->delivered_vector[pin] = rnd(r);
			break;
		default:
			b[below(r, sizeof(*s) + (pct(r, 10) ? 100 : 0))] ^=
				1 << below(r, 8);
			break;
		}
	}
}

/* Is @base a place IOAPIC @n of a private chip may move to? */
static bool pchip_base_ok(const struct pchip *pc, unsigned int n, uint64_t base)
{
	unsigned int i;

	if ((base & 0xff) || base > 0xffffff00ULL)
		return false;
	for (i = 0; i < pc->cfg.nr_ioapics; i++)
		if (i != n && base >= pc->ioapic_base[i] &&
		    base - pc->ioapic_base[i] < VIRQ_IOAPIC_WINDOW)
			return false;
	return true;
}

static const char *irqchip_bad(const struct virq_irqchip *ic,
			       const struct virq_chip_config *cfg)
{
	if (ic->chip_id < 2)
		return pic_state_bad(ic);
	return ioapic_state_bad(ic, cfg->ioapic_version ?: 0x20,
				!(cfg->flags & VIRQ_CHIP_ELECTRICAL_LEVELS));
}

/* GET_IRQCHIP, checked; SET of it (a round trip) or of a mutation. */
static void op_irqchip(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	struct virq_irqchip a, b, c;
	struct virq_chip_config scfg, *cfg;
	struct pchip *pc;
	int fd = chip_fd(t, priv, obj, &pc), dfd = -1;
	unsigned int mode = below(r, 10), nr, id;
	const char *bad;
	bool moved;
	long ret;
	int err;

	if (fd < 0)
		return;
	if (!priv) {
		/* Pin the object for the whole operation. */
		dfd = dup(fd);
		if (dfd < 0)
			return;
		fd = dfd;
		if (ioctl(fd, VIRQ_GET_CHIP_CONFIG, &scfg))
			goto out;	/* not a chip (any more) */
		cfg = &scfg;
	} else {
		cfg = &pc->cfg;
	}
	nr = 2 + cfg->nr_ioapics;
	id = below(r, nr);
	if (mode == 9) {		/* no such state */
		memset(&a, 0, sizeof(a));
		a.chip_id = pct(r, 80) ? nr + below(r, 100) : ~0U - below(r, 3);
		if (pct(r, 30)) {
			a.chip_id = id;
			a.pad = 1 + below(r, 100);
		}
		ret = ioctl(fd, pct(r, 50) ? VIRQ_GET_IRQCHIP : VIRQ_SET_IRQCHIP,
			    &a);
		note(t, "GET/SET_IRQCHIP id %u pad %u", a.chip_id, a.pad);
		res(t, ret);
		expect_einval(t, true, ret, "GET/SET_IRQCHIP");
		goto out;
	}
	ret = get_irqchip(fd, id, &a);
	note(t, "GET_IRQCHIP %s %u", priv ? "private" : "shared", id);
	res(t, ret);
	if (ret < 0) {
		if (priv)
			expect_ok(t, ret, "GET_IRQCHIP");
		else
			expect_errno(t, true, "GET_IRQCHIP", EL(0));
		goto out;
	}
	bad = irqchip_bad(&a, cfg);
	if (bad) {
		fail(t, "GET_IRQCHIP %u is not well formed: %s", id, bad);
		goto out;
	}
	b = a;
	if (mode >= 6)
		mutate_irqchip(r, &b);
	ret = ioctl(fd, VIRQ_SET_IRQCHIP, &b);
	err = ret < 0 ? errno : 0;
	note(t, " SET_IRQCHIP%s", mode >= 6 ? " (mutated)" : "");
	res(t, ret);
	moved = id >= 2 && b.chip.ioapic.base_address != a.chip.ioapic.base_address;
	if (mode < 6) {
		t->depth[D_ROUND_TRIPS]++;
		/* Another thread may have moved an IOAPIC onto this base. */
		if (err && !(err == EINVAL && id >= 2 && !priv) && err != ENOMEM)
			fail(t, "SET_IRQCHIP %u refused what GET returned: %s",
			     id, strerrorname_np(err));
	} else if (err) {
		errno = err;
		expect_errno(t, true, "SET_IRQCHIP", EL(EINVAL));
		t->depth[D_MUTATED_REJECTED]++;
	} else {
		t->depth[D_MUTATED_OK]++;
	}
	if (!priv)
		goto out;
	if (!err && id >= 2) {
		if (moved)
			CHECK(t, pchip_base_ok(pc, id - 2, b.chip.ioapic.base_address),
			      "IOAPIC %u moved to %#" PRIx64 ", inside another "
			      "window or misplaced", id - 2,
			      (uint64_t)b.chip.ioapic.base_address);
		pc->ioapic_base[id - 2] = b.chip.ioapic.base_address;
	}
	/* Only the base differs, and it is a free, aligned place. */
	if (err == EINVAL && moved && !memcmp(&a, &b, 8) &&
	    !memcmp((uint8_t *)&a.chip + 8, (uint8_t *)&b.chip + 8,
		    sizeof(a.chip) - 8) &&
	    pchip_base_ok(pc, id - 2, b.chip.ioapic.base_address))
		fail(t, "IOAPIC %u may not move to the free place %#" PRIx64,
		     id - 2, (uint64_t)b.chip.ioapic.base_address);

	/* What the private chip holds now. */
	ret = get_irqchip(fd, id, &c);
	expect_ok(t, ret, "GET_IRQCHIP after SET");
	if (ret < 0)
		goto out;
	bad = irqchip_bad(&c, cfg);
	if (bad) {
		fail(t, "GET_IRQCHIP %u after SET%s is not well formed: %s", id,
		     mode >= 6 ? " of a mutated state" : "", bad);
		goto out;
	}
	/* A PIC round trip reproduces the state. */
	if (!err && id < 2 && !memcmp(&a, &b, sizeof(a)))
		CHECK(t, !memcmp(&a, &c, sizeof(a)),
		      "PIC %u: GET -> SET -> GET changed the state", id);
	/* A rejected state changes nothing. */
	if (err == EINVAL && (id < 2 || !a.chip.ioapic.eoi_deferred))
		CHECK(t, !memcmp(&a, &c, sizeof(a)),
		      "%s %u: a rejected SET_IRQCHIP changed the state",
		      id < 2 ? "PIC" : "IOAPIC", id);
out:
	if (dfd >= 0)
		close(dfd);
}

static void op_config(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	struct virq_chip_config c;
	struct pchip *pc;
	int fd = chip_fd(t, priv, obj, &pc);
	long ret;

	if (fd < 0)
		return;
	if (pct(r, 5)) {
		bad_pointer_ioctl(t, r, fd, VIRQ_GET_CHIP_CONFIG,
				  "GET_CHIP_CONFIG", priv);
		return;
	}
	memset(&c, 0x5a, sizeof(c));
	ret = ioctl(fd, VIRQ_GET_CHIP_CONFIG, &c);
	note(t, "GET_CHIP_CONFIG %s", priv ? "private" : "shared");
	res(t, ret);
	if (ret < 0) {
		expect_errno(t, priv, "GET_CHIP_CONFIG", EL(0));
		return;
	}
	if (priv)
		CHECK(t, !memcmp(&c, &pc->cfg, sizeof(c)),
		      "GET_CHIP_CONFIG differs from the creation argument");
	else
		CHECK(t, cfg_valid(&c), "GET_CHIP_CONFIG returned an invalid "
		      "configuration (flags %#x)", c.flags);
}

/* ---- eventfds and irqfds ---- */

static void op_efd(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	unsigned int what = below(r, 10);
	uint64_t val = pct(r, 90) ? 1 : pct(r, 70) ? interesting(r) : ~0ULL;
	atomic_int *slot = &W.efd[obj % NR_SEFD];
	struct pefd *pe = NULL;
	int fd;
	long ret;

	if (priv) {
		struct pchip *pc = pchip_of(t, obj);

		pe = &pc->e[(obj >> 8) % NR_PEFD];
		fd = pe->fd;
	} else {
		fd = slot_get(slot);
	}
	if (what >= 7) {		/* a new one, or none */
		if (priv) {
			if (pe->fd >= 0)
				close(pe->fd);	/* unbinds it */
			pe->fd = what == 9 ? -1 :
				 eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			pe->gsi = -1;
		} else if (what == 9) {
			slot_close(slot);
		} else {
			slot_put(slot, to_shared(eventfd(0, EFD_NONBLOCK |
							     EFD_CLOEXEC)));
		}
		note(t, "%s eventfd %s", what == 9 ? "close" : "new",
		     priv ? "private" : "shared");
		return;
	}
	if (fd < 0)
		return;
	if (what == 6) {
		ret = read(fd, &val, 8);
		note(t, "read eventfd %s fd %d", priv ? "private" : "shared", fd);
		res(t, ret);
		if (ret < 0)
			expect_errno(t, priv, "eventfd read", EL(EAGAIN));
		return;
	}
	ret = write(fd, &val, 8);
	note(t, "signal eventfd %s fd %d (%#" PRIx64 ")", priv ? "private" :
	     "shared", fd, val);
	res(t, ret);
	if (val == ~0ULL)
		expect_einval(t, priv, ret, "eventfd write");
	else if (ret < 0)
		expect_errno(t, priv, "eventfd write", EL(EAGAIN));
}

static void op_irqfd(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	unsigned int what = below(r, 10);
	struct virq_irqfd_args a;
	struct pefd *pe = NULL;
	struct pchip *pc;
	int fd = chip_fd(t, priv, obj, &pc), want = -1, efd;
	bool invalid = false;
	long ret;

	if (fd < 0)
		return;
	memset(&a, 0, sizeof(a));
	a.gsi = pct(r, 85) ? below(r, 24) : below(r, VIRQ_NR_GSIS);
	if (priv) {
		pe = &pc->e[(obj >> 8) % NR_PEFD];
		efd = pe->fd >= 0 ? pe->fd : 0x7ffffff0;
	} else {
		efd = slot_get(&W.efd[(obj >> 8) % NR_SEFD]);
		if (efd < 0)
			efd = 0x7ffffff0;
	}
	a.fd = efd;
	if (what < 5) {			/* bind */
		/* Deferred injections would make private chips' state racy. */
		if (priv && irqfd_deferred)
			return;
		if (pct(r, 25)) {
			a.flags = VIRQ_IRQFD_FLAG_RESAMPLE;
			a.resamplefd = priv ? pc->rfd :
				slot_get(&W.efd[(obj >> 16) % NR_SEFD]);
		}
		if (priv)
			want = pe->fd < 0 ? EBADF :
			       a.flags && pc->rfd < 0 ? EBADF :
			       pe->gsi >= 0 ? EBUSY : 0;
	} else if (what < 8) {		/* unbind */
		a.flags = VIRQ_IRQFD_FLAG_DEASSIGN;
		if (priv && pe->gsi >= 0 && pct(r, 80))
			a.gsi = pe->gsi;
		if (priv)
			want = pe->fd < 0 ? EBADF : pe->gsi == (int)a.gsi ? 0 :
			       ENOENT;
	} else {			/* broken */
		invalid = true;
		switch (below(r, 7)) {
		case 0:
			a.flags = 4U << below(r, 30);
			break;
		case 1:	/* (DEASSIGN ignores RESAMPLE, as KVM's does) */
			a.flags = VIRQ_IRQFD_FLAG_DEASSIGN |
				  VIRQ_IRQFD_FLAG_RESAMPLE | 4U << below(r, 30);
			break;
		case 2:
			a.resamplefd = 1 + below(r, 100);
			break;
		case 3:
			a.pad[below(r, sizeof(a.pad))] = 1 + below(r, 255);
			break;
		case 4:
			a.gsi = VIRQ_NR_GSIS + below(r, 1000000);
			break;
		case 5:		/* not an eventfd */
			if (!priv)
				a.flags = 8;
			a.fd = fd;
			break;
		default:	/* a resamplefd that is not an eventfd */
			a.flags = VIRQ_IRQFD_FLAG_RESAMPLE;
			if (!priv)
				a.pad[0] = 1;
			a.resamplefd = fd;
			if (priv && pe->fd < 0)
				a.fd = fd;
			break;
		}
	}
	ret = ioctl(fd, VIRQ_IRQFD, &a);
	note(t, "IRQFD %s chip fd %d efd %d gsi %u flags %#x rfd %d%s",
	     priv ? "private" : "shared", fd, a.fd, a.gsi, a.flags,
	     a.resamplefd, invalid ? " (broken)" : "");
	res(t, ret);
	if (invalid) {
		expect_einval(t, priv, ret, "IRQFD");
		return;
	}
	if (priv && want >= 0) {
		int got = ret < 0 ? errno : 0;

		if (got != ENOMEM)
			CHECK(t, got == want, "IRQFD: %s, not %s",
			      got ? strerrorname_np(got) : "success",
			      want ? strerrorname_np(want) : "success");
		if (!got && !(a.flags & VIRQ_IRQFD_FLAG_DEASSIGN)) {
			pe->gsi = a.gsi;
			t->depth[D_IRQFD_BOUND]++;
		} else if (!got) {
			pe->gsi = -1;
		}
		return;
	}
	if (ret < 0)
		expect_errno(t, priv, "IRQFD", EL(EBUSY, ENOENT, EINVAL,
						  EBADF, ENOSPC));
}

/* ---- statistics ---- */

/* GET_STATS into a fresh buffer; NULL if the fd is not a chip. */
static void *read_stats(int fd, size_t *len)
{
	struct virq_stats_args a;
	void *buf = NULL;
	int tries;

	for (tries = 0; tries < 4; tries++) {
		memset(&a, 0, sizeof(a));
		if (ioctl(fd, VIRQ_GET_STATS, &a) == 0 || errno != ENOSPC)
			break;
		free(buf);
		buf = malloc(a.size);
		if (!buf)
			return NULL;
		a.buf = (uintptr_t)buf;
		if (ioctl(fd, VIRQ_GET_STATS, &a) == 0) {
			*len = a.size;
			return buf;
		}
		if (errno != ENOSPC)
			break;
	}
	free(buf);
	return NULL;
}

/*
 * A statistics snapshot is well formed, and nothing in it decreased since
 * @old (if any). On private chips a raise's outcomes add up.
 */
static void stats_check(struct fz *t, const void *old, size_t olen,
			const void *cur, size_t len, struct pchip *pc)
{
	const struct virq_stats_header *h = cur, *o = old;
	const struct virq_vcpu_stats *vs, *ovs;
	const struct virq_gsi_stats *gs, *ogs;
	uint32_t i, j;

	t->depth[D_STATS_CHECKS]++;
	if (len < sizeof(*h) || h->version != VIRQ_STATS_VERSION ||
	    h->header_size != sizeof(*h) ||
	    h->vcpu_size != sizeof(*vs) || h->gsi_size != sizeof(*gs) ||
	    h->pad || len != sizeof(*h) + h->nr_vcpus * sizeof(*vs) +
			     h->nr_gsis * sizeof(*gs)) {
		fail(t, "GET_STATS header: version %u sizes %u/%u/%u counts "
		     "%u/%u in %zu bytes", h->version, h->header_size,
		     h->vcpu_size, h->gsi_size, h->nr_vcpus, h->nr_gsis, len);
		return;
	}
	vs = (const void *)(h + 1);
	gs = (const void *)(vs + h->nr_vcpus);
	if (pc) {
		CHECK(t, h->nr_vcpus == pc->nr_ids, "GET_STATS: %u vCPUs, the "
		      "chip has %u", h->nr_vcpus, pc->nr_ids);
		for (i = 0; i < h->nr_vcpus && i < pc->nr_ids; i++)
			CHECK(t, vs[i].apic_id == pc->ids[i], "GET_STATS: vCPU "
			      "%u is APIC ID %u, created as %u", i,
			      vs[i].apic_id, pc->ids[i]);
	}
	for (i = 0; i < h->nr_vcpus; i++)
		CHECK(t, !vs[i].pad, "GET_STATS: vCPU record pad");
	for (i = 0; i < h->nr_gsis; i++) {
		CHECK(t, gs[i].gsi < VIRQ_NR_GSIS && !gs[i].pad &&
		      gs[i].raised && (!i || gs[i].gsi > gs[i - 1].gsi),
		      "GET_STATS: GSI record %u: gsi %u raised %" PRIu64, i,
		      gs[i].gsi, (uint64_t)gs[i].raised);
		if (pc && !irqfd_deferred)
			CHECK(t, gs[i].raised == gs[i].delivered +
			      gs[i].coalesced + gs[i].masked,
			      "GET_STATS: GSI %u raised %" PRIu64 " times, "
			      "outcomes %" PRIu64 "+%" PRIu64 "+%" PRIu64,
			      gs[i].gsi, (uint64_t)gs[i].raised,
			      (uint64_t)gs[i].delivered,
			      (uint64_t)gs[i].coalesced, (uint64_t)gs[i].masked);
	}
	if (!old)
		return;
	ovs = (const void *)(o + 1);
	ogs = (const void *)(ovs + o->nr_vcpus);
	CHECK(t, h->irqfd_injections >= o->irqfd_injections &&
	      h->msis >= o->msis && h->nr_vcpus >= o->nr_vcpus &&
	      h->chip_id == o->chip_id,
	      "GET_STATS header went back: irqfd %" PRIu64 " -> %" PRIu64
	      ", msis %" PRIu64 " -> %" PRIu64 ", vCPUs %u -> %u",
	      (uint64_t)o->irqfd_injections, (uint64_t)h->irqfd_injections,
	      (uint64_t)o->msis, (uint64_t)h->msis, o->nr_vcpus, h->nr_vcpus);
	for (i = 0; i < o->nr_vcpus && i < h->nr_vcpus; i++) {
		const __u64 *a = &ovs[i].kicks_wake, *b = &vs[i].kicks_wake;

		CHECK(t, vs[i].apic_id == ovs[i].apic_id,
		      "GET_STATS: vCPU %u changed APIC ID", i);
		for (j = 0; j < 8; j++)
			CHECK(t, b[j] >= a[j], "GET_STATS: vCPU %u counter %u "
			      "went from %" PRIu64 " to %" PRIu64, i, j,
			      (uint64_t)a[j], (uint64_t)b[j]);
	}
	for (i = j = 0; i < o->nr_gsis; i++) {
		while (j < h->nr_gsis && gs[j].gsi < ogs[i].gsi)
			j++;
		if (j >= h->nr_gsis || gs[j].gsi != ogs[i].gsi) {
			fail(t, "GET_STATS: GSI %u disappeared", ogs[i].gsi);
			return;
		}
		CHECK(t, gs[j].raised >= ogs[i].raised &&
		      gs[j].delivered >= ogs[i].delivered &&
		      gs[j].coalesced >= ogs[i].coalesced &&
		      gs[j].masked >= ogs[i].masked,
		      "GET_STATS: GSI %u counters went back", gs[j].gsi);
	}
}

/* A private chip's run pages against its statistics (read just before). */
static void stats_vs_runs(struct fz *t, struct pchip *pc, const void *cur)
{
	const struct virq_stats_header *h = cur;
	const struct virq_vcpu_stats *vs = (const void *)(h + 1);
	unsigned int i, k;

	for (k = 0; k < NR_PVCPU; k++) {
		struct pvcpu *v = &pc->v[k];
		uint64_t kicks, acks;

		if (!v->run)
			continue;
		for (i = 0; i < h->nr_vcpus; i++)
			if (vs[i].apic_id == v->apic_id)
				break;
		if (i == h->nr_vcpus)
			continue;
		kicks = ld64(&v->run->kicks);
		acks = ld64(&v->run->acks);
		CHECK(t, kicks >= vs[i].kicks_wake + vs[i].kicks_signal +
		      vs[i].kicks_none, "APIC ID %u: the run page counts %"
		      PRIu64 " kicks, the statistics %" PRIu64 "+%" PRIu64 "+%"
		      PRIu64, v->apic_id, kicks, (uint64_t)vs[i].kicks_wake,
		      (uint64_t)vs[i].kicks_signal, (uint64_t)vs[i].kicks_none);
		CHECK(t, acks == vs[i].acks, "APIC ID %u: the run page counts %"
		      PRIu64 " acks, the statistics %" PRIu64, v->apic_id, acks,
		      (uint64_t)vs[i].acks);
		run_check(t, v);
	}
}

static void op_stats(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	struct virq_stats_args a;
	unsigned int what = below(r, 10);
	struct pchip *pc;
	int fd = chip_fd(t, priv, obj, &pc), dfd, i;
	size_t len, len2;
	void *s1, *s2;
	long ret;

	if (fd < 0)
		return;
	if (what >= 7) {		/* the error paths */
		memset(&a, 0, sizeof(a));
		switch (what) {
		case 7:
			a.flags = 1U << below(r, 32);
			a.size = 1 << 20;
			a.buf = (uintptr_t)t->buf;
			break;
		case 8:
			a.size = below(r, sizeof(struct virq_stats_header));
			a.buf = (uintptr_t)t->buf;
			break;
		default:
			a.size = 1 << 16;
			a.buf = (uintptr_t)bad_pointer(r, t);
			break;
		}
		ret = ioctl(fd, VIRQ_GET_STATS, &a);
		note(t, "GET_STATS %s size %u flags %#x buf %#" PRIx64,
		     priv ? "private" : "shared", a.size, a.flags,
		     (uint64_t)a.buf);
		res(t, ret);
		if (what == 7) {
			expect_einval(t, priv, ret, "GET_STATS");
		} else {
			CHECK(t, ret < 0, "GET_STATS into %s succeeded",
			      what == 8 ? "a small buffer" : "a bad pointer");
			if (ret < 0)
				expect_errno(t, priv, "GET_STATS",
					     what == 8 ? EL(ENOSPC) : EL(EFAULT));
			if (ret < 0 && errno == ENOSPC)
				CHECK(t, a.size >= sizeof(struct virq_stats_header),
				      "GET_STATS needs only %u bytes", a.size);
		}
		return;
	}
	if (priv) {
		s1 = read_stats(fd, &len);
		note(t, "GET_STATS private: %s", s1 ? "read" : "failed");
		if (!s1) {
			expect_ok(t, -1, "GET_STATS");
			return;
		}
		stats_check(t, pc->stats, pc->stats_len, s1, len, pc);
		stats_vs_runs(t, pc, s1);
		free(pc->stats);
		pc->stats = s1;
		pc->stats_len = len;
		return;
	}
	/* Shared: two snapshots of one chip, pinned, around some raises. */
	dfd = dup(fd);
	if (dfd < 0)
		return;
	s1 = read_stats(dfd, &len);
	for (i = 0; s1 && i < 3; i++) {
		struct virq_irq_level il = { .irq = below(r, 24), .level = 1 };

		ioctl(dfd, VIRQ_IRQ_LINE, &il);
	}
	s2 = s1 ? read_stats(dfd, &len2) : NULL;
	note(t, "GET_STATS shared fd %d: %s", fd, s2 ? "two reads" : "no");
	if (s1 && s2)
		stats_check(t, s1, len, s2, len2, NULL);
	free(s1);
	free(s2);
	close(dfd);
}

static void op_nop(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	struct pchip *pc;
	int fd = chip_fd(t, priv, obj, &pc);
	long ret;

	if (fd < 0)
		return;
	ret = ioctl(fd, VIRQ_NOP, pct(r, 50) ? 0 : rnd(r));
	note(t, "NOP %s", priv ? "private" : "shared");
	res(t, ret);
	if (ret)
		expect_errno(t, priv, "NOP", EL(0));
}

/* ---- operations: vCPUs ---- */

/*
 * The vCPU fd an operation works on: the drawn slot, or the next one that
 * holds a vCPU (a choice made from the state, not from the stream).
 */
static int vcpu_fd(struct fz *t, bool priv, uint32_t obj, struct pchip **pcp,
		   struct pvcpu **pvp)
{
	unsigned int i;
	int fd;

	*pcp = NULL;
	*pvp = NULL;
	if (!priv) {
		for (i = 0; i < NR_SVCPU; i++) {
			fd = slot_get(&W.vcpu[(obj + i) % NR_SVCPU]);
			if (fd >= 0)
				return fd;
		}
		return -1;
	}
	*pcp = pchip_of(t, obj);
	for (i = 0; i < NR_PVCPU; i++) {
		*pvp = pvcpu_of(*pcp, obj + (i << 8));
		if ((*pvp)->fd >= 0)
			break;
	}
	return (*pcp)->fd < 0 ? -1 : (*pvp)->fd;
}

/* One register access through VIRQ_IO, checked like op_io's. */
static long io_do(struct fz *t, int fd, bool priv, struct pchip *pc,
		  bool on_vcpu, uint32_t space, uint64_t addr, uint32_t len,
		  bool write, uint64_t *data)
{
	struct virq_io io = {
		.space = space, .addr = addr, .len = len, .write = write,
		.data = write ? *data : 0, .fault = 0xa5,
	}, in;
	long ret;

	clamp_timer_write(&io);
	in = io;
	ret = ioctl(fd, VIRQ_IO, &io);
	note(t, " %s%c%#" PRIx64 "=%#" PRIx64, space == VIRQ_IO_PIO ? "io" :
	     space == VIRQ_IO_MMIO ? "mm" : "msr", write ? 'w' : 'r', addr,
	     write ? (uint64_t)in.data : (uint64_t)io.data);
	if (ret < 0)
		note(t, "(%s)", strerrorname_np(errno) ?: "?");
	else if (io.fault)
		note(t, "(#GP)");
	io_check(t, priv, pc, on_vcpu, &in, &io, ret, false);
	if (!ret && !write)
		*data = io.data;
	return ret;
}

struct ack_ctx {
	struct ack_pred p;
	struct virq_lapic_state st;
	struct virq_irqchip pm, ps;
};

/* Read what predicts an acknowledge of a private vCPU. */
static bool ack_prepare(struct fz *t, struct pchip *pc, struct pvcpu *v,
			struct ack_ctx *c)
{
	const char *bad;

	if (get_lapic(v->fd, &c->st) || get_irqchip(pc->fd, 0, &c->pm) ||
	    get_irqchip(pc->fd, 1, &c->ps)) {
		expect_ok(t, -1, "GET_LAPIC/GET_IRQCHIP before ACK");
		return false;
	}
	bad = lapic_state_bad(&c->st, pchip_apic(pc), v->apic_id);
	if (bad) {
		fail(t, "GET_LAPIC (APIC ID %u) is not well formed: %s",
		     v->apic_id, bad);
		return false;
	}
	predict_ack(pchip_apic(pc), v->apic_id, &c->st, &c->pm, &c->ps, &c->p);
	return true;
}

static void ack_verify(struct fz *t, struct ack_ctx *c, int got,
		       const char *what)
{
	const struct virq_pic_state *m = &c->pm.chip.pic, *s = &c->ps.chip.pic;
	struct ack_pred *p = &c->p;

	t->depth[D_ACK_CHECKS]++;
	note(t, " (state says %d%s)", p->v, p->pic ? " from the PIC" : "");
	if (got != p->v && !(p->alt >= 0 && got == p->alt)) {
		fail(t, "%s returned %d; the state says %d%s%s (alt %d). IRR "
		     "top %d ISR top %d TPR %#x PPR %#x flags %#x APIC base %#"
		     PRIx64 " LVT0 %#x; master irr %#x imr %#x isr %#x base %#x "
		     "prio %u; slave irr %#x imr %#x isr %#x base %#x",
		     what, got, p->v, p->pic ? " from the PIC, IR " : "",
		     p->pic ? (p->pic_ir < 0 ? "spurious" :
			       (const char *[]){ "0", "1", "2", "3", "4", "5",
						 "6", "7", "8", "9", "10",
						 "11", "12", "13", "14",
						 "15" }[p->pic_ir]) : "",
		     p->alt, highest_bit(&c->st, LA_IRR),
		     highest_bit(&c->st, LA_ISR), reg(&c->st, 0x80),
		     reg(&c->st, 0xa0), c->st.flags, (uint64_t)c->st.apic_base,
		     reg(&c->st, 0x350), m->irr, m->imr, m->isr, m->irq_base,
		     m->priority_add, s->irr, s->imr, s->isr, s->irq_base);
		return;
	}
	if (got < 0) {
		t->depth[D_ACK_NONE]++;
		return;
	}
	if (p->pic) {
		t->depth[D_ACK_PIC]++;
		/* An IR the PIC acknowledges is never masked. */
		if (p->pic_ir >= 0)
			CHECK(t, !((p->pic_ir < 8 ? m->imr : s->imr) &
				   (1U << (p->pic_ir & 7))),
			      "%s acknowledged IR %d, masked in IMR", what,
			      p->pic_ir);
		return;
	}
	t->depth[c->st.apic_base ? D_ACK_LAPIC : D_ACK_BUS]++;
	CHECK(t, got >= 16, "%s returned vector %d, below 16", what, got);
}

/* The EOI a guest's handler ends with. */
static void guest_eoi(struct fz *t, struct pchip *pc, struct pvcpu *v,
		      struct ack_ctx *c, int vector)
{
	uint64_t zero = 0;

	if (c->p.pic) {
		uint64_t eoi = 0x20;

		if (c->p.pic_ir >= 8)
			io_do(t, pc->fd, true, pc, false, VIRQ_IO_PIO, 0xa0, 1,
			      true, &eoi);
		io_do(t, pc->fd, true, pc, false, VIRQ_IO_PIO, 0x20, 1, true,
		      &eoi);
	} else if (!pchip_apic(pc)) {
		long ret = ioctl(v->fd, VIRQ_VCPU_EOI, (unsigned long)vector);

		note(t, " VCPU_EOI %d", vector);
		expect_ok(t, ret, "VIRQ_VCPU_EOI");
	} else if (c->st.apic_base & (1 << 10)) {
		io_do(t, v->fd, true, pc, true, VIRQ_IO_MSR, 0x80b, 8, true,
		      &zero);
	} else {
		io_do(t, v->fd, true, pc, true, VIRQ_IO_MMIO,
		      (c->st.apic_base & 0xffffffffff000ULL) + 0xb0, 4, true,
		      &zero);
	}
}

/* Acknowledge on a private vCPU, as its state says; EOI it perhaps. */
static void ack_private(struct fz *t, struct pchip *pc, struct pvcpu *v,
			bool eoi)
{
	struct ack_ctx c;
	long ret;
	int got;

	if (!ack_prepare(t, pc, v, &c))
		return;
	ret = ioctl(v->fd, VIRQ_VCPU_ACK, 0);
	note(t, " ACK private APIC ID %u", v->apic_id);
	res(t, ret);
	if (ret < 0)
		CHECK(t, errno == EAGAIN, "ACK failed with %s",
		      strerrorname_np(errno));
	got = ret < 0 ? -1 : ret;
	ack_verify(t, &c, got, "ACK");
	run_check(t, v);
	if (got >= 0 && eoi)
		guest_eoi(t, pc, v, &c, got);
}

static void op_ack(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	bool eoi = pct(r, 70);
	struct pchip *pc;
	struct pvcpu *v;
	int fd = vcpu_fd(t, priv, obj, &pc, &v);
	long ret;

	if (fd < 0)
		return;
	if (!priv) {
		ret = ioctl(fd, VIRQ_VCPU_ACK, 0);
		note(t, "ACK shared fd %d", fd);
		res(t, ret);
		if (ret < 0)
			expect_errno(t, false, "ACK", EL(EAGAIN));
		else
			CHECK(t, ret <= 255, "ACK returned %ld", ret);
		if (ret >= 0 && eoi) {
			uint64_t zero = 0;

			io_do(t, fd, false, NULL, true, VIRQ_IO_MMIO,
			      0xfee000b0, 4, true, &zero);
		}
		return;
	}
	ack_private(t, pc, v, eoi);
}

static void op_wait(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	bool ack = pct(r, 35), invalid = pct(r, 4), forever = pct(r, 5);
	struct virq_vcpu_wait w;
	struct ack_ctx c;
	struct pchip *pc;
	struct pvcpu *v;
	int fd = vcpu_fd(t, priv, obj, &pc, &v);
	long ret;

	if (fd < 0)
		return;
	memset(&w, 0, sizeof(w));
	w.timeout_ns = pct(r, 40) ? 0 : 1 + below(r, 1000000);
	w.flags = ack ? VIRQ_WAIT_ACK : 0;
	if (invalid) {
		switch (below(r, 3)) {
		case 0:
			w.flags |= 4U << below(r, 30);
			break;
		case 1:		/* nothing to acknowledge if INTR is ignored */
			w.flags = VIRQ_WAIT_ACK | VIRQ_WAIT_IGNORE_INTR;
			break;
		default:
			w.pad = 1 + below(r, 1000);
			break;
		}
	} else if (!ack && !forever && pct(r, 20)) {
		w.flags = VIRQ_WAIT_IGNORE_INTR;
	}
	forever = forever && priv && !invalid;
	if (forever) {
		/* A kick first: the wait returns at once, never hangs. */
		ret = ioctl(fd, VIRQ_VCPU_KICK, 0);
		expect_ok(t, ret, "KICK");
		w.timeout_ns = -1;
	}
	if (priv && ack && !invalid && !ack_prepare(t, pc, v, &c))
		return;
	ret = ioctl(fd, VIRQ_VCPU_WAIT, &w);
	note(t, "WAIT %s fd %d timeout %" PRId64 " flags %#x pad %u",
	     priv ? "private" : "shared", fd, (int64_t)w.timeout_ns, w.flags,
	     w.pad);
	res(t, ret);
	if (invalid) {
		expect_einval(t, priv, ret, "WAIT");
		return;
	}
	if (ret < 0) {
		expect_errno(t, priv, "WAIT", EL(ETIMEDOUT, EINTR));
		if (errno == ETIMEDOUT)
			t->depth[D_WAIT_TIMEOUT]++;
		if (errno == EINTR)
			t->depth[D_WAIT_EINTR]++;
		if (forever)
			CHECK(t, errno == EINTR, "WAIT after a KICK: %s",
			      strerrorname_np(errno));
	} else {
		t->depth[D_WAIT_WOKE]++;
		CHECK(t, ack ? ret <= VIRQ_WAIT_NO_VECTOR : ret == 0,
		      "WAIT returned %ld", ret);
		if (priv && ack)
			ack_verify(t, &c, ret == VIRQ_WAIT_NO_VECTOR ? -1 : ret,
				   "WAIT_ACK");
	}
	if (!priv)
		return;
	/* WAIT leaves the mode OUTSIDE, whatever it was. */
	if (v->run)
		CHECK(t, __atomic_load_n(&v->run->mode, __ATOMIC_SEQ_CST) ==
		      VIRQ_MODE_OUTSIDE, "mode %u after WAIT", v->run->mode);
	if (forever && v->run)
		__atomic_and_fetch(&v->run->requests, ~VIRQ_REQ_EVENT,
				   __ATOMIC_SEQ_CST);
	run_check(t, v);
}

/* KICK and NMI: the request is set, and stays until the VMM clears it. */
static void op_kick(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	bool nmi = pct(r, 30), consume = pct(r, 50);
	uint32_t bit = nmi ? VIRQ_REQ_NMI : VIRQ_REQ_EVENT;
	struct pchip *pc;
	struct pvcpu *v;
	int fd = vcpu_fd(t, priv, obj, &pc, &v);
	long ret;

	if (fd < 0)
		return;
	ret = ioctl(fd, nmi ? VIRQ_VCPU_NMI : VIRQ_VCPU_KICK, 0);
	note(t, "%s %s fd %d", nmi ? "NMI" : "KICK", priv ? "private" : "shared",
	     fd);
	res(t, ret);
	if (!priv) {
		if (ret < 0)
			expect_errno(t, false, "KICK/NMI", EL(0));
		return;
	}
	expect_ok(t, ret, nmi ? "NMI" : "KICK");
	if (!v->run)
		return;
	CHECK(t, __atomic_load_n(&v->run->requests, __ATOMIC_SEQ_CST) & bit,
	      "%s did not leave its request bit set", nmi ? "NMI" : "KICK");
	if (consume)
		__atomic_and_fetch(&v->run->requests, ~bit, __ATOMIC_SEQ_CST);
	run_check(t, v);
}

static void op_vcpu_eoi(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	unsigned long vec = pct(r, 90) ? below(r, 256) : interesting(r);
	struct pchip *pc;
	struct pvcpu *v;
	int fd = vcpu_fd(t, priv, obj, &pc, &v);
	long ret;

	if (fd < 0)
		return;
	ret = ioctl(fd, VIRQ_VCPU_EOI, vec);
	note(t, "VCPU_EOI %s %#lx", priv ? "private" : "shared", vec);
	res(t, ret);
	if (vec > 255 || (priv && pchip_apic(pc)))
		expect_einval(t, priv, ret, "VCPU_EOI");
	else if (priv)
		expect_ok(t, ret, "VCPU_EOI");
	else if (ret < 0)
		expect_errno(t, false, "VCPU_EOI", EL(EINVAL));
}

/* Change a vCPU state: a register, a bit, a field. */
static void mutate_lapic(struct rng *r, struct virq_lapic_state *st, bool apic,
			 uint32_t apic_id)
{
	uint32_t off = below(r, 64) << 4, w;

	if (!apic) {
		switch (below(r, 4)) {
		case 0:
			set_reg(st, LA_IRR + 16 * below(r, 8), rnd(r) &
				(pct(r, 80) ? 0xffff0000U : ~0U));
			break;
		case 1:
			set_reg(st, LA_TMR + 16 * below(r, 8), rnd(r));
			break;
		case 2:
			st->flags = pct(r, 80) ? VIRQ_LAPIC_STATE_RTC_OWED * below(r, 2) :
				    rnd(r);
			break;
		default:
			((uint8_t *)st)[below(r, sizeof(*st))] ^= 1 << below(r, 8);
			break;
		}
		return;
	}
	switch (below(r, 9)) {
	case 0:
		st->regs[below(r, VIRQ_APIC_REG_SIZE)] ^= 1 << below(r, 8);
		break;
	case 1:
	case 2:		/* a register as a guest would set it */
		if (off >= 0x100 && off < 0x280)
			set_reg(st, off, rnd(r) & (pct(r, 80) && off % 0x80 == 0 ?
						   0xffff0000U : ~0U));
		else
			set_reg(st, off, gen_lapic_value(r, off, false));
		break;
	case 3:		/* another mode, IDs to match (or not) */
		st->apic_base = gen_apic_base(r);
		if (st->apic_base & (1 << 10) && pct(r, 70)) {
			set_reg(st, 0x20, apic_id);
			set_reg(st, 0xd0, x2apic_ldr(apic_id));
		}
		if (pct(r, 70))
			st->apic_base = (st->apic_base & ~(1ULL << 8)) |
					(apic_id ? 0 : 1 << 8);
		break;
	case 4:
		st->flags = pct(r, 80) ? below(r, 8) : rnd(r);
		st->lint_level = pct(r, 80) ? below(r, 4) : rnd(r);
		st->esr_pending = pct(r, 80) ? below(r, 256) & 0x60 : rnd(r);
		break;
	case 5:		/* the TSC-deadline timer */
		set_reg(st, 0x320, (reg(st, 0x320) & ~(3U << 17)) | 2U << 17);
		st->tsc_deadline = pct(r, 50) ? below(r, 1000) : rnd(r);
		break;
	case 6:		/* an RTC debt's vector, often wrong */
		if (pct(r, 50))
			st->rtc_vector = pct(r, 80) ? below(r, 256) :
				       1 + below(r, 1000);
		else
			st->reserved[below(r, 4)] = 1 + below(r, 1000);
		break;
	case 7:		/* the count-down timer */
		w = timer_count(r);
		set_reg(st, 0x380, w);
		set_reg(st, 0x390, pct(r, 90) ? (w ? below(r, w) : 0) :
				   w + 1 + below(r, 10));
		break;
	default:	/* pending and in-service vectors */
		set_reg(st, (pct(r, 50) ? LA_IRR : LA_ISR) + 16 * below(r, 8),
			1U << below(r, 32));
		break;
	}
	/* The timer floor holds for restored counts too. */
	w = reg(st, 0x380);
	if (!opt_timer_storms && w && w < TIMER_FLOOR)
		set_reg(st, 0x380, TIMER_FLOOR);
}

/*
 * Where two vCPU states differ, NULL if nowhere; what a running timer
 * changes is left out (@tmr: it may also have raised its vector).
 */
static const char *lapic_diff(const struct virq_lapic_state *a,
			      const struct virq_lapic_state *c, bool tmr,
			      bool deadline)
{
	uint32_t off;

	for (off = 0; off < VIRQ_APIC_REG_SIZE; off += 4) {
		if (off == 0x390)
			continue;	/* the current count runs */
		if (tmr && (off == 0x90 || (off >= LA_IRR && off < LA_IRR + 0x80)))
			continue;
		if (reg(a, off) != reg(c, off))
			return BAD("register %#x: %#x, then %#x", off, reg(a, off),
				   reg(c, off));
	}
	if (a->apic_base != c->apic_base || a->flags != c->flags ||
	    a->lint_level != c->lint_level || a->esr_pending != c->esr_pending)
		return BAD("base %#" PRIx64 "/%#" PRIx64 " flags %#x/%#x lint "
			   "%#x/%#x esr_pending %#x/%#x",
			   (uint64_t)a->apic_base, (uint64_t)c->apic_base,
			   a->flags, c->flags, a->lint_level, c->lint_level,
			   a->esr_pending, c->esr_pending);
	if (!deadline && a->tsc_deadline != c->tsc_deadline)
		return BAD("TSC deadline %#" PRIx64 ", then %#" PRIx64,
			   (uint64_t)a->tsc_deadline, (uint64_t)c->tsc_deadline);
	return NULL;
}

/* The run page's eoi_exit lists the TMR words (and the RTC's vector). */
static void eoi_exit_check(struct fz *t, struct pvcpu *v,
			   const struct virq_lapic_state *st)
{
	unsigned int w;

	if (!v->run)
		return;
	for (w = 0; w < 4; w++) {
		uint64_t tmr = reg(st, LA_TMR + 32 * w) |
			       (uint64_t)reg(st, LA_TMR + 32 * w + 16) << 32;
		uint64_t e = ld64(&v->run->eoi_exit[w]);

		if (st->flags & VIRQ_LAPIC_STATE_RTC_OWED)
			CHECK(t, (e & tmr) == tmr &&
			      __builtin_popcountll(e & ~tmr) <= 1,
			      "eoi_exit[%u] %#" PRIx64 " against TMR %#" PRIx64
			      " (RTC owed)", w, e, tmr);
		else
			CHECK(t, e == tmr, "eoi_exit[%u] %#" PRIx64 " against "
			      "TMR %#" PRIx64, w, e, tmr);
	}
}

static void op_lapic_state(struct fz *t, struct rng *r, bool priv,
			   uint32_t obj)
{
	struct virq_lapic_state a, b, c;
	unsigned int mode = below(r, 10);
	bool apic, tmr, deadline;
	uint32_t apic_id;
	struct pchip *pc;
	struct pvcpu *v;
	int fd = vcpu_fd(t, priv, obj, &pc, &v), dfd = -1, err;
	const char *bad;
	long ret;

	if (fd < 0)
		return;
	if (mode == 9) {
		bad_pointer_ioctl(t, r, fd, pct(r, 50) ? VIRQ_GET_LAPIC :
				  VIRQ_SET_LAPIC, "GET/SET_LAPIC", priv);
		return;
	}
	if (!priv) {
		dfd = dup(fd);		/* the same vCPU throughout */
		if (dfd < 0)
			return;
		fd = dfd;
	}
	ret = get_lapic(fd, &a);
	note(t, "GET_LAPIC %s fd %d", priv ? "private" : "shared", fd);
	res(t, ret);
	if (ret < 0) {
		if (priv)
			expect_ok(t, ret, "GET_LAPIC");
		else
			expect_errno(t, false, "GET_LAPIC", EL(0));
		goto out;
	}
	if (priv) {
		apic = pchip_apic(pc);
		apic_id = v->apic_id;
	} else {
		/* Which vCPU this is, as far as its state tells. */
		apic = reg(&a, 0x30);
		apic_id = a.apic_base & (1 << 10) ? reg(&a, 0x20) :
			  a.apic_base & (1 << 8) ? 0 : 1;
	}
	bad = lapic_state_bad(&a, apic, apic_id);
	if (bad) {
		fail(t, "GET_LAPIC is not well formed: %s", bad);
		goto out;
	}
	if (priv && !apic)
		eoi_exit_check(t, v, &a);
	b = a;
	if (mode >= 6)
		mutate_lapic(r, &b, apic, apic_id);
	ret = ioctl(fd, VIRQ_SET_LAPIC, &b);
	err = ret < 0 ? errno : 0;
	note(t, " SET_LAPIC%s", mode >= 6 ? " (mutated)" : "");
	res(t, ret);
	if (mode < 6) {
		t->depth[D_ROUND_TRIPS]++;
		if (err && err != ENOMEM)
			fail(t, "SET_LAPIC refused what GET_LAPIC returned: %s",
			     strerrorname_np(err));
	} else if (err) {
		errno = err;
		expect_errno(t, true, "SET_LAPIC", EL(EINVAL));
		t->depth[D_MUTATED_REJECTED]++;
	} else {
		t->depth[D_MUTATED_OK]++;
	}
	if (!priv)
		goto out;
	ret = get_lapic(fd, &c);
	expect_ok(t, ret, "GET_LAPIC after SET");
	if (ret < 0)
		goto out;
	bad = lapic_state_bad(&c, apic, apic_id);
	if (bad) {
		fail(t, "GET_LAPIC after SET_LAPIC%s is not well formed: %s",
		     mode >= 6 && !err ? " of a mutated state" : "", bad);
		goto out;
	}
	tmr = apic && (timer_vector_pending_soon(&a) >= 0 ||
		       timer_vector_pending_soon(&b) >= 0);
	/* A deadline reads 0 once it fired, masked or not. */
	deadline = apic && (a.tsc_deadline || b.tsc_deadline);
	if (mode < 6 || err == EINVAL) {
		bad = lapic_diff(&a, &c, tmr, deadline);
		if (bad)
			fail(t, "GET_LAPIC -> %s -> GET_LAPIC changed the "
			     "state: %s", err ? "a rejected SET_LAPIC" :
			     "SET_LAPIC", bad);
	}
	if (!apic)
		eoi_exit_check(t, v, &c);
	run_check(t, v);
out:
	if (dfd >= 0)
		close(dfd);
}

static void op_lint(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	struct virq_lint l = {
		.pin = pct(r, 95) ? below(r, 2) : interesting(r),
		.level = pct(r, 95) ? below(r, 2) : interesting(r),
		.flags = pct(r, 97) ? 0 : interesting(r) | 1,
		.pad = pct(r, 97) ? 0 : interesting(r) | 1,
	};
	struct pchip *pc;
	struct pvcpu *v;
	int fd = vcpu_fd(t, priv, obj, &pc, &v);
	long ret;

	if (fd < 0)
		return;
	ret = ioctl(fd, VIRQ_VCPU_LINT, &l);
	note(t, "LINT %s pin %u level %u flags %#x pad %#x",
	     priv ? "private" : "shared", l.pin, l.level, l.flags, l.pad);
	res(t, ret);
	if (l.pin > 1 || l.level > 1 || l.flags || l.pad ||
	    (priv && !pchip_apic(pc)))
		expect_einval(t, priv, ret, "LINT");
	else if (priv)
		expect_ok(t, ret, "LINT");
	else if (ret < 0)
		expect_errno(t, false, "LINT", EL(EINVAL));
}

static void op_clock(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	uint64_t max = opt_timer_storms ? 1000000000000ULL : BUS_HZ_MAX;
	struct virq_vcpu_clock c;
	bool invalid = pct(r, 15);
	struct pchip *pc;
	struct pvcpu *v;
	int fd = vcpu_fd(t, priv, obj, &pc, &v);
	long ret;

	if (fd < 0)
		return;
	memset(&c, 0, sizeof(c));
	c.bus_hz = 1000 + rnd(r) % (max - 999);
	c.tsc_hz = 1000 + rnd(r) % (1000000000000ULL - 999);
	c.tsc_offset = pct(r, 50) ? 0 : (int64_t)interesting(r);
	if (invalid) {
		switch (below(r, 3)) {
		case 0:
			c.bus_hz = pct(r, 50) ? below(r, 1000) :
				   1000000000001ULL + below(r, 1000);
			break;
		case 1:
			c.tsc_hz = pct(r, 50) ? below(r, 1000) : ~0ULL;
			break;
		default:
			if (pct(r, 50))
				c.reserved[below(r, 2)] = 1 + below(r, 1000);
			else if (pct(r, 50))
				c.pad = 1 + below(r, 1000);
			else
				c.flags = 2u << below(r, 31);
			break;
		}
	}
	ret = ioctl(fd, VIRQ_VCPU_SET_CLOCK, &c);
	note(t, "SET_CLOCK %s bus %" PRIu64 " tsc %" PRIu64 " offset %" PRId64,
	     priv ? "private" : "shared", (uint64_t)c.bus_hz,
	     (uint64_t)c.tsc_hz, (int64_t)c.tsc_offset);
	res(t, ret);
	if (invalid || (priv && !pchip_apic(pc)))
		expect_einval(t, priv, ret, "SET_CLOCK");
	else if (priv)
		expect_ok(t, ret, "SET_CLOCK");
	else if (ret < 0)
		expect_errno(t, false, "SET_CLOCK", EL(EINVAL));
}

static void op_reset(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	unsigned long arg = pct(r, 92) ? 0 : interesting(r) | 1;
	struct pchip *pc;
	struct pvcpu *v;
	int fd = vcpu_fd(t, priv, obj, &pc, &v);
	long ret;

	if (fd < 0)
		return;
	ret = ioctl(fd, VIRQ_VCPU_RESET, arg);
	note(t, "RESET %s %#lx", priv ? "private" : "shared", arg);
	res(t, ret);
	if (arg)
		expect_einval(t, priv, ret, "RESET");
	else if (priv)
		expect_ok(t, ret, "RESET");
	else if (ret < 0)
		expect_errno(t, false, "RESET", EL(0));
	if (priv)
		run_check(t, v);
}

static void op_signal(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	struct virq_vcpu_signal s = { 0 };
	bool invalid = pct(r, 15);
	struct pchip *pc;
	struct pvcpu *v;
	int fd = vcpu_fd(t, priv, obj, &pc, &v);
	long ret;

	if (fd < 0)
		return;
	if (pct(r, 20))
		s.signo = 0;
	else if (pct(r, 60))
		s.signo = handled_signals[below(r, ARRAY_SIZE(handled_signals))];
	else
		s.signo = SIGRTMIN + below(r, NR_RT_SIGNALS);
	if (invalid) {
		switch (below(r, 4)) {
		case 0:
			s.signo = SIGKILL;
			break;
		case 1:
			s.signo = SIGSTOP;
			break;
		case 2:
			s.signo = 65 + (uint32_t)interesting(r) % 0x7fffffff;
			break;
		default:
			s.flags = 1U << below(r, 32);
			break;
		}
	}
	ret = ioctl(fd, VIRQ_VCPU_SET_SIGNAL, &s);
	note(t, "SET_SIGNAL %s fd %d signo %u flags %#x",
	     priv ? "private" : "shared", fd, s.signo, s.flags);
	res(t, ret);
	if (invalid)
		expect_einval(t, priv, ret, "SET_SIGNAL");
	else if (priv)
		expect_ok(t, ret, "SET_SIGNAL");
	else if (ret < 0)
		expect_errno(t, false, "SET_SIGNAL", EL(0));
}

static void op_mmap(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	unsigned int what = below(r, 10);
	struct virq_vcpu_run **mp;
	struct pchip *pc;
	struct pvcpu *v;
	int fd = vcpu_fd(t, priv, obj, &pc, &v);
	void *p;

	if (what >= 7) {		/* mappings the vCPU fd refuses */
		static const struct { size_t len; int flags; off_t off; } bad[] = {
			{ 8192, MAP_SHARED, 0 },
			{ 4096, MAP_SHARED, 4096 },
			{ 4096, MAP_PRIVATE, 0 },
			{ 4096, MAP_SHARED, 1L << 30 },
		};
		unsigned int i = below(r, ARRAY_SIZE(bad));

		if (fd < 0)
			return;
		p = mmap(NULL, bad[i].len, PROT_READ | PROT_WRITE, bad[i].flags,
			 fd, bad[i].off);
		note(t, "mmap %s fd %d len %zu flags %#x offset %#lx",
		     priv ? "private" : "shared", fd, bad[i].len, bad[i].flags,
		     (long)bad[i].off);
		note(t, p == MAP_FAILED ? " -> %s;" : " -> mapped;",
		     strerrorname_np(errno));
		if (p != MAP_FAILED) {
			fail(t, "mmap of %s fd %d (%s; len %zu flags %#x offset "
			     "%#lx) succeeded", priv ? "private" : "shared", fd,
			     fd_name(fd), bad[i].len, bad[i].flags,
			     (long)bad[i].off);
			munmap(p, bad[i].len);
			return;
		}
		expect_errno(t, priv, "mmap", EL(EINVAL));
		return;
	}
	if (!priv) {
		mp = &t->smap[obj % NR_SVCPU];
		if (*mp)
			munmap(*mp, 4096);
		*mp = NULL;
		if (what >= 5 || fd < 0) {
			note(t, "munmap shared vCPU %u", obj % NR_SVCPU);
			return;
		}
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		note(t, "mmap shared fd %d", fd);
		note(t, p == MAP_FAILED ? " -> %s;" : " -> mapped;",
		     strerrorname_np(errno));
		if (p == MAP_FAILED)
			expect_errno(t, false, "mmap", EL(0));
		else
			*mp = p;
		return;
	}
	if (fd < 0)
		return;
	if (what == 6) {		/* read-only is allowed */
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		note(t, "mmap read-only private APIC ID %u", v->apic_id);
		if (p == MAP_FAILED) {
			fail(t, "read-only mmap of a vCPU: %s", strerror(errno));
			return;
		}
		CHECK(t, ((struct virq_vcpu_run *)p)->apic_id == v->apic_id,
		      "a second mapping shows APIC ID %u",
		      ((struct virq_vcpu_run *)p)->apic_id);
		munmap(p, 4096);
		return;
	}
	/* Map again: the same page, the counters go on. */
	if (v->run)
		munmap(v->run, 4096);
	v->run = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	note(t, "remap private APIC ID %u", v->apic_id);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		fail(t, "mmap of a vCPU: %s", strerror(errno));
		return;
	}
	run_check(t, v);
}

/* The VMM's side of the run page: mode, requests, TPR; garbage too. */
static void op_runpage(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	static const uint32_t modes[] = {
		VIRQ_MODE_IN_GUEST, VIRQ_MODE_IN_GUEST, VIRQ_MODE_IN_GUEST,
		VIRQ_MODE_OUTSIDE, VIRQ_MODE_OUTSIDE, VIRQ_MODE_EXITING,
		VIRQ_MODE_HALTED, 7, 0xffffffff,
	};
	unsigned int what = below(r, 10);
	struct virq_vcpu_run *run;
	uint32_t val = rnd(r);
	uint64_t off = below(r, 512) * 8, big = rnd(r);
	struct pchip *pc;
	struct pvcpu *v;

	if (priv) {
		vcpu_fd(t, priv, obj, &pc, &v);
		run = v->run;
	} else {
		run = t->smap[obj % NR_SVCPU];
	}
	if (!run)
		return;
	switch (what) {
	case 0:
	case 1:
	case 2:
	case 3:
		val = modes[below(r, ARRAY_SIZE(modes))];
		__atomic_store_n(&run->mode, val, __ATOMIC_SEQ_CST);
		note(t, "mode = %#x", val);
		break;
	case 4:
	case 5:			/* the VMM consumes events */
		__atomic_and_fetch(&run->requests, ~val, __ATOMIC_SEQ_CST);
		note(t, "requests &= ~%#x", val);
		break;
	case 6:
		__atomic_or_fetch(&run->requests, val, __ATOMIC_SEQ_CST);
		note(t, "requests |= %#x", val);
		break;
	case 7:
	case 8:
		val = pct(r, 80) ? below(r, 256) : val;
		__atomic_store_n(&run->tpr, val, __ATOMIC_SEQ_CST);
		note(t, "tpr = %#x", val);
		break;
	default:		/* shared pages: anything at all */
		if (priv)
			break;
		__atomic_store_n((uint64_t *)((uint8_t *)run + off), big,
				 __ATOMIC_SEQ_CST);
		note(t, "run page +%#" PRIx64 " = %#" PRIx64, off, big);
		break;
	}
	if (priv)
		run_check(t, v);
}

static void op_close_vcpu(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	struct pchip *pc;
	struct pvcpu *v;

	if (!priv) {
		note(t, "close shared vCPU %u", obj % NR_SVCPU);
		slot_close(&W.vcpu[obj % NR_SVCPU]);
		return;
	}
	vcpu_fd(t, priv, obj, &pc, &v);
	note(t, "close private vCPU APIC ID %u", v->apic_id);
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	/* The mapping alone keeps the page: its counters still move. */
	if (pct(r, 50) && v->run) {
		munmap(v->run, 4096);
		v->run = NULL;
	}
}

/* ---- register programming, as guests do it ---- */

/* LAPIC setup: SVR, LVTs, TPR, timer, IDs; in xAPIC or x2APIC mode. */
static void op_lapic_prog(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	static const uint32_t regs[] = {
		0xf0, 0xf0, 0x80, 0x320, 0x330, 0x340, 0x350, 0x350, 0x360,
		0x370, 0x380, 0x3e0, 0xd0, 0xe0, 0x20, 0x280, 0x3f0,
	};
	unsigned int n = 1 + below(r, 6), i;
	bool x2 = pct(r, 25);
	struct pchip *pc;
	struct pvcpu *v;
	int fd = vcpu_fd(t, priv, obj, &pc, &v);
	uint64_t val;

	if (fd < 0)
		return;
	note(t, "LAPIC setup %s%s:", priv ? "private" : "shared",
	     x2 ? " x2APIC" : "");
	if (x2) {
		val = 0xfee00000 | 3 << 10;
		io_do(t, fd, priv, pc, true, VIRQ_IO_MSR, 0x1b, 8, true, &val);
	} else if (pct(r, 10)) {
		val = 0xfee00000 | 1 << 11;	/* back from disabled */
		io_do(t, fd, priv, pc, true, VIRQ_IO_MSR, 0x1b, 8, true, &val);
	}
	for (i = 0; i < n; i++) {
		uint32_t off = i == 0 && pct(r, 70) ? 0xf0 :
			       regs[below(r, ARRAY_SIZE(regs))];

		if (x2 && (off == 0xd0 || off == 0xe0 || off == 0x20))
			off = 0x80;
		if (!x2 && off == 0x3f0)
			off = 0x350;
		val = gen_lapic_value(r, off, x2);
		if (x2)
			io_do(t, fd, priv, pc, true, VIRQ_IO_MSR,
			      0x800 + (off >> 4), 8, true, &val);
		else
			io_do(t, fd, priv, pc, true, VIRQ_IO_MMIO,
			      0xfee00000 + off, 4, true, &val);
	}
	if (pct(r, 30)) {		/* read something back */
		uint32_t off = regs[below(r, ARRAY_SIZE(regs))];

		if (x2 && (off == 0xe0 || off == 0x3f0))
			off = 0x80;
		val = 0;
		io_do(t, fd, priv, pc, true, x2 ? VIRQ_IO_MSR : VIRQ_IO_MMIO,
		      x2 ? 0x800 + (off >> 4) : 0xfee00000 + off, x2 ? 8 : 4,
		      false, &val);
	}
	if (priv && v)
		run_check(t, v);
}

/* An IPI: ICR high then low (xAPIC), or the 64-bit ICR (x2APIC). */
static void op_ipi(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	bool x2 = pct(r, 25), eoi = pct(r, 30);
	struct pchip *pc;
	struct pvcpu *v;
	int fd = vcpu_fd(t, priv, obj, &pc, &v);
	uint64_t val;

	if (fd < 0)
		return;
	note(t, "%s %s%s:", eoi ? "LAPIC EOI" : "IPI",
	     priv ? "private" : "shared", x2 ? " x2APIC" : "");
	if (eoi) {
		val = pct(r, 95) ? 0 : interesting(r);
		if (x2)
			io_do(t, fd, priv, pc, true, VIRQ_IO_MSR, 0x80b, 8, true,
			      &val);
		else
			io_do(t, fd, priv, pc, true, VIRQ_IO_MMIO, 0xfee000b0, 4,
			      true, &val);
		return;
	}
	if (x2) {
		val = gen_lapic_value(r, 0x300, true);
		io_do(t, fd, priv, pc, true, VIRQ_IO_MSR, 0x830, 8, true, &val);
		if (pct(r, 30)) {
			val = gen_vector(r);
			io_do(t, fd, priv, pc, true, VIRQ_IO_MSR, 0x83f, 8, true,
			      &val);
		}
		return;
	}
	val = gen_lapic_value(r, 0x310, false);
	io_do(t, fd, priv, pc, true, VIRQ_IO_MMIO, 0xfee00310, 4, true, &val);
	val = gen_lapic_value(r, 0x300, false);
	io_do(t, fd, priv, pc, true, VIRQ_IO_MMIO, 0xfee00300, 4, true, &val);
	if (pct(r, 30)) {		/* the errors it may have left */
		val = 0;
		io_do(t, fd, priv, pc, true, VIRQ_IO_MMIO, 0xfee00280, 4, true,
		      &val);
		io_do(t, fd, priv, pc, true, VIRQ_IO_MMIO, 0xfee00280, 4, false,
		      &val);
	}
}

/* The 8259A pair: init sequences, masks, EOIs, OCW3 reads, ELCR. */
static void op_pic_prog(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	bool on_vcpu = pct(r, 30);
	struct pchip *pc = NULL;
	struct pvcpu *v;
	unsigned int i, n;
	uint64_t val;
	int fd;

	if (on_vcpu)
		fd = vcpu_fd(t, priv, obj, &pc, &v);
	else
		fd = chip_fd(t, priv, obj, &pc);
	if (fd < 0)
		return;
	note(t, "PIC %s %s:", priv ? "private" : "shared",
	     on_vcpu ? "vcpu" : "chip");
#define OUTB(port, v)							\
	do {								\
		val = (v);						\
		io_do(t, fd, priv, pc, on_vcpu, VIRQ_IO_PIO, port, 1,	\
		      true, &val);					\
	} while (0)
#define INB(port)							\
	do {								\
		val = 0;						\
		io_do(t, fd, priv, pc, on_vcpu, VIRQ_IO_PIO, port, 1,	\
		      false, &val);					\
	} while (0)
	switch (below(r, 5)) {
	case 0:			/* initialise both, Linux-like, or not quite */
		for (i = 0; i < 2; i++) {
			uint16_t cmd = i ? 0xa0 : 0x20;
			uint8_t icw1 = pct(r, 85) ? 0x11 : 0x10 | below(r, 16);

			OUTB(cmd, icw1);
			OUTB(cmd + 1, pct(r, 90) ? (i ? 0x28 : 0x20) +
			     8 * below(r, 28) : below(r, 256));
			if (!(icw1 & 2))
				OUTB(cmd + 1, pct(r, 90) ? (i ? 2 : 4) :
				     below(r, 256));
			if (icw1 & 1)
				OUTB(cmd + 1, pct(r, 70) ? 1 : pct(r, 50) ? 3 :
				     pct(r, 50) ? 0x11 : below(r, 256));
		}
		__attribute__((fallthrough));	/* then the masks */
	case 1:			/* OCW1: masks, mostly open */
		OUTB(0x21, pct(r, 50) ? 0 : rnd(r) & rnd(r) & 0xff);
		OUTB(0xa1, pct(r, 50) ? 0 : rnd(r) & rnd(r) & 0xff);
		break;
	case 2:			/* OCW2 */
		n = 1 + below(r, 3);
		for (i = 0; i < n; i++) {
			static const uint8_t ocw2[] = {
				0x20, 0x20, 0x20, 0x60, 0xa0, 0xe0, 0xc0, 0x80,
				0x00, 0x40,
			};
			uint8_t cmd = ocw2[below(r, ARRAY_SIZE(ocw2))];

			OUTB(pct(r, 60) ? 0x20 : 0xa0, cmd | below(r, 8));
		}
		break;
	case 3:			/* OCW3 and reads */
		i = pct(r, 50) ? 0x20 : 0xa0;
		n = (const uint8_t[]){ 0x0a, 0x0b, 0x0c, 0x68, 0x48, 0x0e,
				       0x08 }[below(r, 7)];
		OUTB(i, n);
		INB(i + below(r, 2));
		break;
	default:		/* ELCR */
		OUTB(0x4d0 + below(r, 2), pct(r, 70) ? below(r, 256) & 0xf8 :
		     below(r, 256));
		INB(0x4d0 + below(r, 2));
		break;
	}
#undef OUTB
#undef INB
}

/* An IOAPIC redirection entry, as a guest programs it. */
static void op_ioapic_prog(struct fz *t, struct rng *r, bool priv,
			   uint32_t obj)
{
	static const uint8_t dms[] = { 0, 0, 0, 0, 1, 1, 2, 4, 5, 7 };
	unsigned int n = pct(r, 75) ? 0 : below(r, 3), pin = below(r, 24);
	uint64_t lo, hi, base, val;
	struct pchip *pc;
	int fd = chip_fd(t, priv, obj, &pc);

	if (fd < 0)
		return;
	if (pc) {
		if (!pc->cfg.nr_ioapics)
			return;
		n = n % pc->cfg.nr_ioapics;
		base = pc->ioapic_base[n];
	} else {
		base = VIRQ_IOAPIC_DEFAULT_BASE(n);
	}
	lo = gen_vector(r) | (uint64_t)dms[below(r, ARRAY_SIZE(dms))] << 8 |
	     (pct(r, 15) ? 1 << 11 : 0) | (pct(r, 20) ? 1 << 13 : 0) |
	     (pct(r, 35) ? 1 << 15 : 0) | (pct(r, 25) ? 1 << 16 : 0);
	hi = (uint64_t)(pct(r, 85) ? below(r, 4) : pct(r, 50) ? 0xff :
			below(r, 256)) << 24;
	note(t, "IOAPIC %u pin %u %s:", n, pin, priv ? "private" : "shared");
	if (pct(r, 15)) {		/* the EOI register, or the version */
		if (pct(r, 50)) {
			val = gen_vector(r);
			io_do(t, fd, priv, pc, false, VIRQ_IO_MMIO, base + 0x40,
			      4, true, &val);
			return;
		}
		val = 1;
		io_do(t, fd, priv, pc, false, VIRQ_IO_MMIO, base, 4, true, &val);
		io_do(t, fd, priv, pc, false, VIRQ_IO_MMIO, base + 0x10, 4,
		      false, &val);
		if (pc)
			CHECK(t, val == ((pc->cfg.ioapic_version ?: 0x20) |
					 23 << 16), "IOAPIC version register "
			      "%#" PRIx64, val);
		return;
	}
	val = 0x11 + 2 * pin;
	io_do(t, fd, priv, pc, false, VIRQ_IO_MMIO, base, 4, true, &val);
	io_do(t, fd, priv, pc, false, VIRQ_IO_MMIO, base + 0x10, 4, true, &hi);
	val = 0x10 + 2 * pin;
	io_do(t, fd, priv, pc, false, VIRQ_IO_MMIO, base, 4, true, &val);
	io_do(t, fd, priv, pc, false, VIRQ_IO_MMIO, base + 0x10, 4, true, &lo);
	if (!pc)
		return;
	/* Read back: what was written, read-only bits aside. */
	val = 0;
	io_do(t, fd, priv, pc, false, VIRQ_IO_MMIO, base + 0x10, 4, false, &val);
	CHECK(t, (val & ~(RTE_DELIVS | RTE_RIRR)) == lo,
	      "IOAPIC %u pin %u reads %#" PRIx64 " after %#" PRIx64, n, pin,
	      val, lo);
}

/*
 * An interrupt's whole trip on a private chip: a vCPU's LAPIC enabled, an
 * MSI, an IOAPIC pin or a PIC input aimed at it, the acknowledge checked
 * against the state, the EOI.
 */
static void op_flow(struct fz *t, struct rng *r, bool priv, uint32_t obj)
{
	uint32_t vec = 0x20 + below(r, 0xe0), how = below(r, 10);
	bool level = pct(r, 30), eoi = pct(r, 85);
	struct virq_lapic_state st;
	struct pchip *pc;
	struct pvcpu *v;
	int fd = vcpu_fd(t, true, obj, &pc, &v);
	uint64_t val, base;
	long ret;

	if (fd < 0)
		return;
	note(t, "flow to APIC ID %u:", v->apic_id);
	if (pchip_apic(pc)) {
		if (get_lapic(fd, &st))
			return;
		if (!(st.apic_base & (1 << 11))) {
			val = 0xfee00000 | 1 << 11;
			io_do(t, fd, true, pc, true, VIRQ_IO_MSR, 0x1b, 8, true,
			      &val);
			st.apic_base = val;
		}
		val = 0x1ff;
		base = st.apic_base & 0xffffffffff000ULL;
		if (st.apic_base & (1 << 10))
			io_do(t, fd, true, pc, true, VIRQ_IO_MSR, 0x80f, 8, true,
			      &val);
		else
			io_do(t, fd, true, pc, true, VIRQ_IO_MMIO, base + 0xf0, 4,
			      true, &val);
		if (pct(r, 50))
			__atomic_store_n(&v->run->tpr, 0, __ATOMIC_SEQ_CST);
	}
	if (how < 5) {			/* an MSI */
		struct virq_msi m = {
			.address_lo = 0xfee00000 | (v->apic_id & 0xff) << 12,
			.address_hi = v->apic_id & ~0xffU,
			.data = vec | (level ? 0xc000 : 0),
		};

		ret = ioctl(pc->fd, VIRQ_SIGNAL_MSI, &m);
		note(t, " MSI %#x", m.data);
		res(t, ret);
		expect_ok(t, ret, "SIGNAL_MSI");
	} else if (how < 8 && pc->cfg.nr_ioapics) {	/* IOAPIC 0 pin 16-23 */
		uint32_t pin = 16 + below(r, 8);
		struct virq_irq_level il = { .irq = pin, .level = 1 };
		uint64_t lo = vec | (level ? 1 << 15 : 0), hi =
			(uint64_t)(v->apic_id & 0xff) << 24;

		base = pc->ioapic_base[0];
		val = 0x11 + 2 * pin;
		io_do(t, pc->fd, true, pc, false, VIRQ_IO_MMIO, base, 4, true,
		      &val);
		io_do(t, pc->fd, true, pc, false, VIRQ_IO_MMIO, base + 0x10, 4,
		      true, &hi);
		val = 0x10 + 2 * pin;
		io_do(t, pc->fd, true, pc, false, VIRQ_IO_MMIO, base, 4, true,
		      &val);
		io_do(t, pc->fd, true, pc, false, VIRQ_IO_MMIO, base + 0x10, 4,
		      true, &lo);
		ret = ioctl(pc->fd, VIRQ_IRQ_LINE_STATUS, &il);
		note(t, " line %u", pin);
		res(t, ret);
		expect_ok(t, ret, "IRQ_LINE_STATUS");
		il.irq = pin;		/* a level line stays asserted */
		il.level = 0;
		if (!level)
			ioctl(pc->fd, VIRQ_IRQ_LINE, &il);
	} else {			/* the PIC, through the BSP */
		static const uint8_t init[] = { 0x11, 0x20, 0x04, 0x01 };
		uint32_t gsi = 1 + below(r, 15);
		struct virq_irq_level il = { .irq = gsi == 2 ? 3 : gsi, .level = 1 };
		bool reinit = pct(r, 30);
		unsigned int i;

		gsi = il.irq;
		for (i = 0; reinit && i < 8; i++) {
			val = init[i % 4] + (i == 5 ? 8 : 0) - (i == 6 ? 2 : 0);
			io_do(t, pc->fd, true, pc, false, VIRQ_IO_PIO,
			      i < 4 ? (i ? 0x21 : 0x20) : (i > 4 ? 0xa1 : 0xa0),
			      1, true, &val);
		}
		val = 0;
		io_do(t, pc->fd, true, pc, false, VIRQ_IO_PIO, 0x21, 1, true, &val);
		io_do(t, pc->fd, true, pc, false, VIRQ_IO_PIO, 0xa1, 1, true, &val);
		note(t, " line %u", il.irq);
		ret = ioctl(pc->fd, VIRQ_IRQ_LINE_STATUS, &il);
		res(t, ret);
		expect_ok(t, ret, "IRQ_LINE_STATUS");
		il.irq = gsi;
		il.level = 0;
		if (pct(r, 70))
			ioctl(pc->fd, VIRQ_IRQ_LINE, &il);
	}
	ack_private(t, pc, v, eoi);
}

/* ---- the operation mix ---- */

static const struct kind kinds[] = {
	{ "dev",	 2, op_dev },
	{ "create_chip", 2, op_create_chip },
	{ "close",	 2, op_close },
	{ "routing",	 3, op_routing },
	{ "line",	12, op_line },
	{ "msi",	 8, op_msi },
	{ "create_vcpu", 4, op_create_vcpu },
	{ "io",		14, op_io },
	{ "irqchip",	 5, op_irqchip },
	{ "config",	 1, op_config },
	{ "efd",	 4, op_efd },
	{ "irqfd",	 4, op_irqfd },
	{ "stats",	 3, op_stats },
	{ "nop",	 1, op_nop },
	{ "ack",	10, op_ack },
	{ "wait",	 5, op_wait },
	{ "kick",	 3, op_kick },
	{ "vcpu_eoi",	 2, op_vcpu_eoi },
	{ "lapic_state", 5, op_lapic_state },
	{ "lint",	 2, op_lint },
	{ "clock",	 1, op_clock },
	{ "reset",	 1, op_reset },
	{ "signal",	 2, op_signal },
	{ "mmap",	 2, op_mmap },
	{ "runpage",	 5, op_runpage },
	{ "close_vcpu",	 1, op_close_vcpu },
	{ "lapic_prog",	 8, op_lapic_prog },
	{ "ipi",	 6, op_ipi },
	{ "pic_prog",	 5, op_pic_prog },
	{ "ioapic_prog", 7, op_ioapic_prog },
	{ "flow",	10, op_flow },
};

static unsigned int kinds_total;

/*
 * One operation of a stream: exactly three draws from it (kind, target,
 * sub-seed), whatever happens; the operation draws its arguments from its
 * own generator seeded with the sub-seed.
 */
static void fuzz_one(struct fz *t)
{
	unsigned int pick = below(&t->rng, kinds_total), k;
	uint64_t target = rnd(&t->rng), sub = rnd(&t->rng);
	struct rng r;

	for (k = 0; pick >= kinds[k].weight; k++)
		pick -= kinds[k].weight;
	t->cur = &t->hist[t->hn];
	t->hn = (t->hn + 1) % HIST;
	t->cur->no = t->op_no;
	t->cur->kind = kinds[k].name;
	t->cur->desc[0] = 0;
	rng_init(&r, sub, 0);
	t->calls[k]++;
	kinds[k].fn(t, &r, target & 1, target >> 1);
	if (!t->cur->desc[0])
		note(t, "(%s: nothing to work on)", target & 1 ? "private" :
		     "shared");
	if (!strstr(t->cur->desc, "-> E"))
		t->oks[k]++;
}

/* A thread's private world, from its stream like everything else. */
static void fuzz_setup(struct fz *t)
{
	unsigned int i, j;

	for (i = 0; i < NR_PCHIP; i++) {
		struct pchip *pc = &t->pc[i];

		pc->fd = -1;
		pc->rfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		for (j = 0; j < NR_PVCPU; j++)
			pc->v[j].fd = -1;
		for (j = 0; j < NR_PEFD; j++) {
			pc->e[j].fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			pc->e[j].gsi = -1;
		}
	}
}

static void fuzz_teardown(struct fz *t)
{
	unsigned int i, j;

	for (i = 0; i < NR_PCHIP; i++) {
		struct pchip *pc = &t->pc[i];

		pchip_close(pc);
		for (j = 0; j < NR_PEFD; j++)
			if (pc->e[j].fd >= 0)
				close(pc->e[j].fd);
		if (pc->rfd >= 0)
			close(pc->rfd);
	}
	for (i = 0; i < NR_SVCPU; i++)
		if (t->smap[i])
			munmap(t->smap[i], 4096);
}

static long ops_per_thread;

static void *fuzz_thread(void *arg)
{
	struct fz *t = arg;
	struct hent boot = { .kind = "setup" };
	struct rng r;
	unsigned int i;

	/* The private chips, and a vCPU in each, from the stream too. */
	t->cur = &boot;
	fuzz_setup(t);
	rng_init(&r, rnd(&t->rng), 1);
	for (i = 0; i < NR_PCHIP; i++) {
		pchip_open(t, &t->pc[i], &r);
		op_create_vcpu(t, &r, true, i);
	}
	for (t->op_no = 0; t->op_no < (uint64_t)ops_per_thread &&
	     !atomic_load(&stop); t->op_no++) {
		fuzz_one(t);
		atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
		if (t->op_no && !(t->op_no % 5000))
			kmsg_printf("virq-fuzz: seed %" PRIu64 " stream %d at "
				    "operation %" PRIu64 "\n", opt_seed,
				    t->stream, t->op_no);
	}
	/* Whatever failed last, look at everything once more. */
	for (i = 0; i < NR_PCHIP && !t->failed; i++) {
		struct pchip *pc = &t->pc[i];
		unsigned int j;

		for (j = 0; j < NR_PVCPU; j++)
			run_check(t, &pc->v[j]);
	}
	fuzz_teardown(t);
	return NULL;
}

/* ---- the run ---- */

static void *watchdog(void *arg)
{
	unsigned long last = 0, now;
	int idle = 0;

	for (;;) {
		sleep(1);
		if (atomic_load(&stop) == 2)
			return NULL;
		now = atomic_load(&progress);
		idle = now == last ? idle + 1 : 0;
		last = now;
		if (idle == 120) {
			unsigned int i;

			pthread_mutex_lock(&out_lock);
			printf("# watchdog: no operation finished for 120 s\n");
			for (i = 0; i < MAX_THREADS; i++)
				if (threads[i])
					dump_history(threads[i]);
			printf("not ok 99 watchdog\n");
			fflush(stdout);
			kmsg_printf("virq-fuzz: watchdog: no progress, seed %"
				    PRIu64 "\n", opt_seed);
			_exit(2);
		}
	}
}

static void summary(struct fz **ts, int n)
{
	uint64_t calls[ARRAY_SIZE(kinds)] = { 0 }, oks[ARRAY_SIZE(kinds)] = { 0 };
	uint64_t depth[D_NR] = { 0 };
	unsigned int k;
	int i;

	for (i = 0; i < n; i++) {
		for (k = 0; k < ARRAY_SIZE(kinds); k++) {
			calls[k] += ts[i]->calls[k];
			oks[k] += ts[i]->oks[k];
		}
		for (k = 0; k < D_NR; k++)
			depth[k] += ts[i]->depth[k];
	}
	printf("# %-12s %8s %8s\n", "operation", "done", "no errno");
	for (k = 0; k < ARRAY_SIZE(kinds); k++)
		printf("# %-12s %8" PRIu64 " %8" PRIu64 "\n", kinds[k].name,
		       calls[k], oks[k]);
	for (k = 0; k < D_NR; k++)
		printf("# %-36s %8" PRIu64 "\n", depth_names[k], depth[k]);
	printf("# signals received: %lu\n", atomic_load(&signals_seen));
}

static void world_open(void)
{
	unsigned int i;

	for (i = 0; i < NR_SCHIP; i++)
		atomic_store(&W.chip[i], -1);
	for (i = 0; i < NR_SVCPU; i++)
		atomic_store(&W.vcpu[i], -1);
	for (i = 0; i < NR_SEFD; i++)
		atomic_store(&W.efd[i], -1);
}

static void world_close(void)
{
	unsigned int i;

	for (i = 0; i < NR_SVCPU; i++)
		slot_close(&W.vcpu[i]);
	for (i = 0; i < NR_SEFD; i++)
		slot_close(&W.efd[i]);
	for (i = 0; i < NR_SCHIP; i++)
		slot_close(&W.chip[i]);
}

/* Run streams first .. first + n - 1 concurrently; true if all passed. */
static bool run_phase(const char *name, int first, int n, long ops)
{
	struct fz *ts[MAX_THREADS];
	struct timespec t0, t1;
	bool ok = true;
	int i;

	phase = name;
	ops_per_thread = ops;
	atomic_store(&stop, 0);
	atomic_store(&signals_seen, 0);
	world_open();
	printf("# %s: %d thread(s) x %ld operations, streams %d..%d\n", name,
	       n, ops, first, first + n - 1);
	fflush(stdout);
	kmsg_printf("virq-fuzz: seed %" PRIu64 " %s: streams %d..%d, %ld "
		    "operations each\n", opt_seed, name, first, first + n - 1,
		    ops);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		size_t len = (sizeof(struct virq_irq_routing) +
			      VIRQ_MAX_ROUTES *
			      sizeof(struct virq_irq_routing_entry) + 8191) &
			     ~4095UL;

		ts[i] = calloc(1, sizeof(*ts[i]));
		if (!ts[i])
			return false;
		ts[i]->stream = first + i;
		rng_init(&ts[i]->rng, opt_seed, first + i);
		ts[i]->buf = mmap(NULL, len + 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (ts[i]->buf == MAP_FAILED)
			return false;
		ts[i]->buf_end = ts[i]->buf + len;
		mprotect(ts[i]->buf_end, 4096, PROT_NONE);
		threads[i] = ts[i];
	}
	for (i = 0; i < n; i++)
		pthread_create(&ts[i]->th, NULL, fuzz_thread, ts[i]);
	for (i = 0; i < n; i++)
		pthread_join(ts[i]->th, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	world_close();
	summary(ts, n);
	printf("# %s: %.1f s\n", name, (t1.tv_sec - t0.tv_sec) +
	       (t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (i = 0; i < n; i++) {
		ok &= !ts[i]->failed;
		threads[i] = NULL;
		munmap(ts[i]->buf, ts[i]->buf_end - ts[i]->buf + 4096);
		free(ts[i]);
	}
	kmsg_printf("virq-fuzz: seed %" PRIu64 " %s: done, %s\n", opt_seed,
		    name, ok ? "passed" : "FAILED");
	return ok;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s [--seed N] [--ops N] [--threads N] [--stream N]\n"
		"          [--history N] [--timer-storms]\n"
		"  --seed N       the run's seed (default: random, printed)\n"
		"  --ops N        operations per thread (default %ld)\n"
		"  --threads N    threads of the concurrent phase (default %d;\n"
		"                 0: the single-threaded phase alone)\n"
		"  --stream N     run stream N alone, single-threaded: the way\n"
		"                 to replay one thread of a failed run\n"
		"  --history N    operations printed on a failure (default %d)\n"
		"  --timer-storms let LAPIC timers run at any rate\n",
		argv0, opt_ops, opt_threads, opt_history);
	exit(2);
}

static uint64_t parse_u64(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	struct rlimit rl = { 4096, 4096 };
	bool seeded = false, ok = true;
	struct sigaction sa;
	pthread_t wd;
	const char *e;
	unsigned int i;
	int tests, n;

	argv0 = argv[0];
	if ((e = getenv("VIRQ_FUZZ_SEED")) && *e) {
		opt_seed = parse_u64(e);
		seeded = true;
	}
	if ((e = getenv("VIRQ_FUZZ_OPS")) && *e)
		opt_ops = parse_u64(e);
	if ((e = getenv("VIRQ_FUZZ_THREADS")) && *e)
		opt_threads = parse_u64(e);
	for (i = 1; i < (unsigned int)argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--timer-storms")) {
			opt_timer_storms = true;
		} else if (i + 1 < (unsigned int)argc && !strcmp(a, "--seed")) {
			opt_seed = parse_u64(argv[++i]);
			seeded = true;
		} else if (i + 1 < (unsigned int)argc && !strcmp(a, "--ops")) {
			opt_ops = parse_u64(argv[++i]);
		} else if (i + 1 < (unsigned int)argc && !strcmp(a, "--threads")) {
			opt_threads = parse_u64(argv[++i]);
		} else if (i + 1 < (unsigned int)argc && !strcmp(a, "--stream")) {
			opt_stream = parse_u64(argv[++i]);
		} else if (i + 1 < (unsigned int)argc && !strcmp(a, "--history")) {
			opt_history = parse_u64(argv[++i]);
		} else {
			usage();
		}
	}
	if (opt_threads < 0 || opt_threads > MAX_THREADS - 1 || opt_ops < 0)
		usage();
	if (!seeded && getrandom(&opt_seed, sizeof(opt_seed), 0) !=
	    sizeof(opt_seed))
		opt_seed = time(NULL) ^ ((uint64_t)getpid() << 32);
	if (!seeded)
		opt_seed &= (1ULL << 48) - 1;	/* short enough to type */

	setvbuf(stdout, NULL, _IOLBF, 0);
	tests = opt_stream >= 0 ? 1 : 1 + (opt_threads > 0);
	printf("TAP version 13\n");
	printf("# virq fuzz: seed %" PRIu64 "\n", opt_seed);
	printf("1..%d\n", tests);
	printf("# reproduce: %s --seed %" PRIu64 " --ops %ld --threads %d%s\n",
	       argv0, opt_seed, opt_ops, opt_threads,
	       opt_timer_storms ? " --timer-storms" : "");

	setrlimit(RLIMIT_NOFILE, &rl);
	kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	n = open("/sys/module/virq/parameters/irqfd_defer", O_RDONLY);
	if (n >= 0) {
		char c = 'N';

		irqfd_deferred = read(n, &c, 1) == 1 && c == 'Y';
		close(n);
	}
	if (irqfd_deferred)
		printf("# irqfd_defer=Y: no exact GSI statistics checks\n");
	W.dev = open("/dev/virq", O_RDWR | O_CLOEXEC);
	if (W.dev < 0) {
		printf("not ok 1 open /dev/virq: %s\n", strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(handled_signals); i++)
		sigaction(handled_signals[i], &sa, NULL);
	for (i = 0; i < NR_RT_SIGNALS; i++)
		sigaction(SIGRTMIN + i, &sa, NULL);
	for (i = 0, kinds_total = 0; i < ARRAY_SIZE(kinds); i++)
		kinds_total += kinds[i].weight;
	if (ARRAY_SIZE(kinds) > NR_KINDS_MAX)
		return 1;
	pthread_create(&wd, NULL, watchdog, NULL);

	n = 1;
	if (opt_stream >= 0) {
		ok = run_phase("stream", opt_stream, 1, opt_ops);
		printf("%s %d stream %d alone: %ld operations, seed %" PRIu64 "\n",
		       ok ? "ok" : "not ok", n++, opt_stream, opt_ops, opt_seed);
	} else {
		ok = run_phase("solo", 0, 1, opt_ops);
		printf("%s %d solo: stream 0, %ld operations, seed %" PRIu64 "\n",
		       ok ? "ok" : "not ok", n++, opt_ops, opt_seed);
		if (opt_threads > 0) {
			bool ok2 = run_phase("swarm", 1, opt_threads, opt_ops);

			printf("%s %d swarm: streams 1..%d at once, %ld "
			       "operations each, seed %" PRIu64 "\n",
			       ok2 ? "ok" : "not ok", n++, opt_threads, opt_ops,
			       opt_seed);
			ok &= ok2;
		}
	}
	atomic_store(&stop, 2);
	close(W.dev);
	return ok ? 0 : 1;
}
