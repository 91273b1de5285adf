// SPDX-License-Identifier: GPL-2.0
/*
 * virq-vmm: the event log. Events carry a CLOCK_MONOTONIC time stamp and
 * the vCPU (or device side) they happened on. With -v -v they are written
 * as they happen; with --timeline they are kept and printed sorted at the
 * end, merged with virq's own tracepoints (--trace: events/virq/ in
 * tracefs on the "mono" trace clock, which is CLOCK_MONOTONIC), so one
 * timeline shows device line -> GSI -> PIC/IOAPIC -> LAPIC -> request and
 * kick -> vCPU. The summary counts per source and per vCPU.
 *
 * Locks: log_lock serialises the event store and the log's writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

#define TIMELINE_MAX	50000

struct event {
	uint64_t ns;
	int cpu;		/* -1: devices / VMM, -2: virq (kernel) */
	unsigned int seq;
	char *text;
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_f;
static uint64_t t0;
static struct event *events;
static unsigned int nevents, dropped;
static const char *tracefs;

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void log_init(struct vm *vm)
{
	log_f = stderr;
	if (vm->log_path) {
		log_f = fopen(vm->log_path, "w");
		if (!log_f)
			die("%s: %s", vm->log_path, strerror(errno));
	}
	setvbuf(log_f, NULL, _IOLBF, 0);
	t0 = now_ns();
	if (vm->timeline) {
		events = calloc(TIMELINE_MAX, sizeof(*events));
		if (!events)
			die("out of memory");
	}
}

static void print_event(const struct event *e)
{
	char who[16];

	if (e->cpu >= 0)
		snprintf(who, sizeof(who), "cpu%d", e->cpu);
	else
		snprintf(who, sizeof(who), "%s", e->cpu == -1 ? "vmm" : "virq");
	fprintf(log_f, "[%10.6f] %-4s  %s\n",
		e->ns >= t0 ? (e->ns - t0) / 1e9 : -((t0 - e->ns) / 1e9),
		who, e->text);
}

static void add_event(uint64_t ns, int cpu, char *text)
{
	struct event e = { .ns = ns, .cpu = cpu, .text = text };

	pthread_mutex_lock(&log_lock);
	if (events) {
		if (nevents < TIMELINE_MAX) {
			e.seq = nevents;
			events[nevents++] = e;
			text = NULL;
		} else {
			dropped++;
		}
	} else {
		print_event(&e);
	}
	pthread_mutex_unlock(&log_lock);
	free(text);
}

static void vev(uint64_t ns, int cpu, const char *fmt, va_list ap)
{
	char *text;

	if (vasprintf(&text, fmt, ap) >= 0)
		add_event(ns, cpu, text);
}

void ev(struct vm *vm, int cpu, int level, const char *fmt, ...)
{
	va_list ap;

	if (level > vm->verbose)
		return;
	va_start(ap, fmt);
	vev(now_ns(), cpu, fmt, ap);
	va_end(ap);
}

/* An event that began at @ns: an ioctl's cause precedes its effects. */
void ev_at(struct vm *vm, uint64_t ns, int cpu, int level, const char *fmt,
	   ...)
{
	va_list ap;

	if (level > vm->verbose)
		return;
	va_start(ap, fmt);
	vev(ns, cpu, fmt, ap);
	va_end(ap);
}

/* ---- virq's tracepoints ---- */

static int tracefs_write(const char *file, const char *val)
{
	char path[256];
	int fd, r;

	snprintf(path, sizeof(path), "%s/%s", tracefs, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return r;
}

void trace_start(struct vm *vm)
{
	static const char *dirs[] = { "/sys/kernel/tracing",
				      "/sys/kernel/debug/tracing" };
	char path[256];
	unsigned int i;

	for (i = 0; i < 2 && !tracefs; i++) {
		snprintf(path, sizeof(path), "%s/events/virq", dirs[i]);
		if (!access(path, F_OK))
			tracefs = dirs[i];
	}
	if (!tracefs) {
		ev(vm, -1, 1, "--trace: no events/virq in tracefs; timeline "
		   "without virq's tracepoints");
		return;
	}
	if (tracefs_write("tracing_on", "0") ||
	    tracefs_write("trace_clock", "mono") ||
	    tracefs_write("buffer_size_kb", "4096") ||
	    tracefs_write("trace", "") ||
	    tracefs_write("events/virq/enable", "1") ||
	    tracefs_write("tracing_on", "1")) {
		ev(vm, -1, 1, "--trace: cannot set up tracefs (%s)",
		   strerror(errno));
		tracefs = NULL;
	}
}

/* Read the trace buffer into the timeline. */
void trace_collect(struct vm *vm)
{
	char path[256], *line = NULL;
	size_t cap = 0;
	unsigned int n = 0;
	FILE *f;

	if (!tracefs)
		return;
	tracefs_write("tracing_on", "0");
	snprintf(path, sizeof(path), "%s/trace", tracefs);
	f = fopen(path, "r");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char *ev_at = strstr(line, ": virq_"), *p, *text;
		double ts;

		if (line[0] == '#' || !ev_at)
			continue;
		/* "... [cpu] flags  12345.678901: virq_event: fields" */
		*ev_at = 0;
		p = strrchr(line, ' ');
		if (!p || sscanf(p + 1, "%lf", &ts) != 1)
			continue;
		text = strdup(ev_at + 2);
		if (!text)
			break;
		text[strcspn(text, "\n")] = 0;
		add_event((uint64_t)(ts * 1e9), -2, text);
		n++;
	}
	free(line);
	fclose(f);
	tracefs_write("events/virq/enable", "0");
	tracefs_write("trace_clock", "local");
	ev(vm, -1, 2, "%u virq trace events merged", n);
}

static int cmp_event(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void log_finish(struct vm *vm)
{
	unsigned int i;

	if (!events)
		return;
	qsort(events, nevents, sizeof(*events), cmp_event);
	fprintf(log_f, "---- timeline (%u events%s) ----\n", nevents,
		dropped ? ", some dropped" : "");
	for (i = 0; i < nevents; i++) {
		print_event(&events[i]);
		free(events[i].text);
	}
	if (dropped)
		fprintf(log_f, "(%u events dropped past %u)\n", dropped,
			TIMELINE_MAX);
	(void)vm;
}

void summary(struct vm *vm)
{
	int i, j;

	fprintf(log_f, "---- summary ----\n");
	fprintf(log_f, "%-8s %9s %9s %9s %9s\n", "source", "raised",
		"delivered", "coalesced", "ignored");
	for (i = 0; i < NR_SRC; i++) {
		struct src_stats *s = &vm->src[i];

		if (i == SRC_IPI)
			fprintf(log_f, "%-8s %9llu %9s %9s %9s\n", s->name,
				(unsigned long long)s->raised, "-", "-", "-");
		else
			fprintf(log_f, "%-8s %9llu %9llu %9llu %9llu\n", s->name,
				(unsigned long long)s->raised,
				(unsigned long long)s->delivered,
				(unsigned long long)s->coalesced,
				(unsigned long long)s->ignored);
	}
	fprintf(log_f, "%-5s %7s %6s %6s %6s %5s %6s %6s %7s %6s %6s %6s %5s\n",
		"vcpu", "exits", "io", "mmio", "msr", "hlt", "kicked", "window",
		"inject", "acks", "kicks", "signal", "wake");
	for (i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = vm->cpus[i];
		struct vcpu_stats *s = &v->st;
		char vecs[256] = "";
		size_t len = 0;

		fprintf(log_f, "cpu%-2d %7llu %6llu %6llu %6llu %5llu %6llu "
			"%6llu %7llu %6llu %6llu %6llu %5llu\n", i,
			(unsigned long long)s->exits,
			(unsigned long long)s->exits_io,
			(unsigned long long)s->exits_mmio,
			(unsigned long long)s->exits_msr,
			(unsigned long long)s->exits_hlt,
			(unsigned long long)s->exits_intr,
			(unsigned long long)s->exits_window,
			(unsigned long long)s->injected,
			(unsigned long long)(v->vr ? v->vr->acks : 0),
			(unsigned long long)(v->vr ? v->vr->kicks : 0),
			(unsigned long long)(v->vr ? v->vr->signals : 0),
			(unsigned long long)(v->vr ? v->vr->wakeups : 0));
		for (j = 0; j < 256 && len < sizeof(vecs) - 24; j++)
			if (s->vectors[j])
				len += snprintf(vecs + len, sizeof(vecs) - len,
						" 0x%02x:%llu", j,
						(unsigned long long)s->vectors[j]);
		fprintf(log_f, "      vectors%s%s; NMI %llu, INIT %llu, SIPI %llu, "
			"#GP %llu\n", len ? "" : " none", vecs,
			(unsigned long long)s->nmis,
			(unsigned long long)s->inits,
			(unsigned long long)s->sipis,
			(unsigned long long)s->gp_injected);
	}
	fprintf(log_f, "platform: %llu unclaimed port accesses, %llu unclaimed "
		"MMIO, %llu unknown MSRs (#GP), %llu refused widths\n",
		(unsigned long long)vm->unclaimed_pio,
		(unsigned long long)vm->unclaimed_mmio,
		(unsigned long long)vm->unknown_msr,
		(unsigned long long)vm->rejected_io);
}
