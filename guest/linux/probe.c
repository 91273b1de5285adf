// SPDX-License-Identifier: GPL-2.0
/*
 * probe: the Linux guest's measuring helper (guest/linux/init runs it).
 *
 *   probe pingpong CPU_A CPU_B N   pipe ping-pong between two pinned
 *                                  processes, N round trips: prints the
 *                                  round trip in ns (median of 9 blocks)
 *   probe membarrier N             N private expedited membarriers with a
 *                                  thread spinning on every other CPU
 *                                  (each one IPIs them: call-function)
 *   probe rtc N                    N of the CMOS RTC's update interrupts
 *                                  through /dev/rtc0: prints how many and
 *                                  their rate (mHz)
 *   probe readline DEV MS          one line from DEV within MS ms: prints it
 *   probe outb PORT VALUE          one byte to an I/O port (/dev/port)
 *
 * Static, no library beyond libc; exit status 0 unless something failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <linux/rtc.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s)) {
		perror("sched_setaffinity");
		exit(2);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int pingpong(int a, int b, long n)
{
	int ab[2], ba[2], i;
	uint64_t blk[9], t0;
	long k, per = n / 9 ? n / 9 : 1;
	char c = 0;
	pid_t pid;

	if (pipe(ab) || pipe(ba))
		return perror("pipe"), 2;
	pid = fork();
	if (!pid) {
		pin(b);
		for (k = 0; k < per * 9; k++)
			if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
				_exit(3);
		_exit(0);
	}
	pin(a);
	for (i = 0; i < 9; i++) {
		t0 = now_ns();
		for (k = 0; k < per; k++)
			if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
				return 3;
		blk[i] = (now_ns() - t0) / per;
	}
	waitpid(pid, NULL, 0);
	qsort(blk, 9, sizeof(blk[0]), cmp_u64);
	printf("%llu\n", (unsigned long long)blk[4]);
	return 0;
}

static atomic_int stop;

static void *spin(void *arg)
{
	pin((int)(long)arg);
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		;
	return NULL;
}

static int membarriers(long n)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), i;
	pthread_t t[64];

	if (syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
		    0, 0))
		return perror("membarrier register"), 2;
	pin(0);
	for (i = 1; i < ncpu && i < 64; i++)
		pthread_create(&t[i], NULL, spin, (void *)i);
	usleep(100000);
	for (i = 0; i < n; i++)
		if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED,
			    0, 0))
			return perror("membarrier"), 2;
	atomic_store(&stop, 1);
	for (i = 1; i < ncpu && i < 64; i++)
		pthread_join(t[i], NULL);
	printf("%ld\n", n);
	return 0;
}

/*
 * The CMOS RTC's update interrupt, once a second: Linux's RTC core makes
 * it from the chip's alarm (AIE, IRQ 8), re-armed each second. (Its
 * periodic interrupt, RTC_PIE_ON, is an hrtimer: it never reaches the
 * chip.) Reads @n interrupts; prints how many and their rate in mHz.
 */
static int rtc(long n)
{
	int fd = open("/dev/rtc0", O_RDONLY);
	uint64_t t0 = 0, t;
	unsigned long data;
	long got = 0, i;

	if (fd < 0)
		return perror("/dev/rtc0"), 2;
	if (ioctl(fd, RTC_UIE_ON, 0))
		return perror("RTC_UIE_ON"), 2;
	/* The first one starts the clock: its second began before us. */
	for (i = 0; i <= n; i++) {
		if (read(fd, &data, sizeof(data)) != sizeof(data))
			return perror("read /dev/rtc0"), 2;
		if (!(data & RTC_UF))
			return fprintf(stderr, "not an update: %#lx\n", data), 2;
		if (i)
			got += data >> 8;
		else
			t0 = now_ns();
	}
	t = now_ns();
	ioctl(fd, RTC_UIE_OFF, 0);
	printf("%ld %llu\n", got,
	       (unsigned long long)(got * 1000000000000ULL / (t - t0)));
	return 0;
}

static int readline(const char *dev, long ms)
{
	int fd = open(dev, O_RDONLY | O_NOCTTY);
	struct pollfd p = { .events = POLLIN };
	char buf[256];
	size_t len = 0;
	uint64_t end = now_ns() + ms * 1000000ULL;
	struct termios tio;

	if (fd < 0)
		return perror(dev), 2;
	if (!tcgetattr(fd, &tio)) {
		cfmakeraw(&tio);
		tcsetattr(fd, TCSANOW, &tio);
	}
	p.fd = fd;
	while (len < sizeof(buf) - 1) {
		int64_t left = (int64_t)(end - now_ns()) / 1000000;

		if (left <= 0 || poll(&p, 1, left) != 1)
			break;
		if (read(fd, buf + len, 1) != 1)
			break;
		if (buf[len] == '\r' || buf[len] == '\n')
			break;
		len++;
	}
	buf[len] = 0;
	printf("%s\n", buf);
	return len ? 0 : 1;
}

static int outb(long port, long v)
{
	int fd = open("/dev/port", O_WRONLY);
	unsigned char b = v;

	if (fd < 0 || pwrite(fd, &b, 1, port) != 1)
		return perror("/dev/port"), 2;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "pingpong"))
		return pingpong(atoi(argv[2]), atoi(argv[3]), atol(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "membarrier"))
		return membarriers(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "rtc"))
		return rtc(atol(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "readline"))
		return readline(argv[2], atol(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "outb"))
		return outb(strtol(argv[2], NULL, 0), strtol(argv[3], NULL, 0));
	fprintf(stderr, "usage: probe pingpong A B N | membarrier N | rtc N "
		"| readline DEV MS | outb PORT VALUE\n");
	return 2;
}
