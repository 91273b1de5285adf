// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input, ioctl by ioctl: every invalid argument class gets its errno
 * and changes nothing. The table below is the one in
 * Documentation/badinput.rst: `badinput_test --table` prints it in
 * reStructuredText and `make check` fails if the document differs.
 *
 * Each row runs against one live machine — a PIC + 2 IOAPICs + LAPIC chip
 * with two vCPUs, programmed PICs, IOAPIC entries and LAPICs, a routing
 * table of its own, a bound irqfd and a pending interrupt, beside a
 * PIC-only chip with one vCPU — and the whole observable state (chip
 * configs, every GET_IRQCHIP and GET_LAPIC, the routing and irqfd views
 * in debugfs, the statistics, the run pages, the lowest free fd) is
 * compared before and after the rejected call.
 *
 * A second test fills every output buffer with a pattern first and
 * checks that padding and unused bytes come back zero: no uninitialised
 * kernel byte reaches userspace.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include "virq_test.h"

#define BADP ((void *)8)	/* an unreadable, unwritable user pointer */
#define NV 2

struct fx {
	int dev, chip, v[NV], pchip, pv, efd, efd2;
	int id, pid;				/* chip ids */
	struct virq_vcpu_run *run[NV], *prun;
};

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	int r = ioctl(fd, cmd, arg);

	return r < 0 ? -errno : r;
}

static struct virq_chip_config good_cfg(void)
{
	struct virq_chip_config c = {
		.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_IOAPIC | VIRQ_CHIP_LAPIC,
		.nr_ioapics = 2, .max_vcpus = NV,
		.ioapic_gsi_base = { 0, 24 },
	};

	return c;
}

static int io_fd(int fd, uint32_t space, uint64_t addr, uint32_t len,
		 int write, uint64_t data)
{
	struct virq_io io = { .space = space, .addr = addr, .len = len,
			      .write = write, .data = data };

	return xioctl(fd, VIRQ_IO, &io);
}

static int chip_id_of(int chip)
{
	struct virq_stats_header h;
	struct virq_stats_args a = { .buf = (uintptr_t)&h, .size = sizeof(h) };

	/* Too small for any vCPU: -ENOSPC, but the header is not written. */
	if (!ioctl(chip, VIRQ_GET_STATS, &a))
		return h.chip_id;
	{
		char *buf = calloc(1, a.size);
		int id;

		a.buf = (uintptr_t)buf;
		id = ioctl(chip, VIRQ_GET_STATS, &a) ? -1 :
		     (int)((struct virq_stats_header *)buf)->chip_id;
		free(buf);
		return id;
	}
}

/* The machine every row runs against. */
static int fx_init(struct fx *f)
{
	struct virq_chip_config c = good_cfg();
	struct {
		struct virq_irq_routing h;
		struct virq_irq_routing_entry e[4];
	} rt = { .h.nr = 4 };
	struct virq_irqfd_args a = { .gsi = 5 };
	struct virq_chip_config pc = virq_cfg_pic(1);
	int i;

	f->dev = virq_open();
	f->chip = ioctl(f->dev, VIRQ_CREATE_CHIP, &c);
	if (f->chip < 0)
		return -1;
	for (i = 0; i < NV; i++) {
		f->v[i] = ioctl(f->chip, VIRQ_CREATE_VCPU, i);
		f->run[i] = virq_map_run(f->v[i]);
		if (f->v[i] < 0 || !f->run[i])
			return -1;
		io_fd(f->v[i], VIRQ_IO_MMIO, 0xfee000f0, 4, 1, 0x1ff);
		io_fd(f->v[i], VIRQ_IO_MMIO, 0xfee000d0, 4, 1, 1u << (24 + i));
		io_fd(f->v[i], VIRQ_IO_MMIO, 0xfee00080, 4, 1, 0x20);
		io_fd(f->v[i], VIRQ_IO_MMIO, 0xfee00350, 4, 1, 0x700);
	}
	if (virq_pic_init_linux(f->chip) || virq_outb(f->chip, 0x21, 0xf8))
		return -1;
	/* IOAPIC 0 pin 3: vector 0x53, level, to APIC 1; pin 9 masked */
	io_fd(f->chip, VIRQ_IO_MMIO, 0xfec00000, 4, 1, 0x17);
	io_fd(f->chip, VIRQ_IO_MMIO, 0xfec00010, 4, 1, 0x01000000);
	io_fd(f->chip, VIRQ_IO_MMIO, 0xfec00000, 4, 1, 0x16);
	io_fd(f->chip, VIRQ_IO_MMIO, 0xfec00010, 4, 1, 0x8053);
	/* routing: GSI 3 -> IOAPIC 0 pin 3 and PIC, 5 -> MSI, 30 -> IOAPIC 1 */
	rt.e[0] = (struct virq_irq_routing_entry){ .gsi = 3,
		.type = VIRQ_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { VIRQ_IRQCHIP_IOAPIC(0), 3 } };
	rt.e[1] = (struct virq_irq_routing_entry){ .gsi = 3,
		.type = VIRQ_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { VIRQ_IRQCHIP_PIC_MASTER, 3 } };
	rt.e[2] = (struct virq_irq_routing_entry){ .gsi = 5,
		.type = VIRQ_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = 0xfee01000, .data = 0x45 } };
	rt.e[3] = (struct virq_irq_routing_entry){ .gsi = 30,
		.type = VIRQ_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { VIRQ_IRQCHIP_IOAPIC(1), 6 } };
	if (ioctl(f->chip, VIRQ_SET_GSI_ROUTING, &rt))
		return -1;
	f->efd = eventfd(0, EFD_NONBLOCK);
	f->efd2 = eventfd(0, EFD_NONBLOCK);
	a.fd = f->efd;
	if (ioctl(f->chip, VIRQ_IRQFD, &a))
		return -1;
	/* pending: 0x53 (level, in IRR of APIC 1), 0x45 by the irqfd */
	if (virq_line(f->chip, 3, 1) != 1 ||
	    write(f->efd, &(uint64_t){ 1 }, 8) != 8)
		return -1;

	f->pchip = ioctl(f->dev, VIRQ_CREATE_CHIP, &pc);
	f->pv = ioctl(f->pchip, VIRQ_CREATE_VCPU, 0);
	f->prun = virq_map_run(f->pv);
	if (f->pchip < 0 || f->pv < 0 || !f->prun ||
	    virq_pic_init_linux(f->pchip) || virq_line(f->pchip, 4, 1) != 1)
		return -1;
	f->id = chip_id_of(f->chip);
	f->pid = chip_id_of(f->pchip);
	return f->id > 0 && f->pid > 0 ? 0 : -1;
}

static void fx_fini(struct fx *f)
{
	int i;

	for (i = 0; i < NV; i++) {
		munmap(f->run[i], 4096);
		close(f->v[i]);
	}
	munmap(f->prun, 4096);
	close(f->pv);
	close(f->pchip);
	close(f->chip);
	close(f->efd);
	close(f->efd2);
	close(f->dev);
}

/* ---- the observable state ---- */

struct snap {
	struct virq_chip_config cfg, pcfg;
	struct virq_irqchip ic[4], pic[2];
	struct virq_lapic_state ls[NV], pls;
	struct virq_vcpu_run run[NV], prun;
	struct virq_vcpu_config vc[NV];
	char text[4][4096];
	char stats[2][4096];
	char chips[1024];
	int free_fd;
};

static void read_text(char *buf, size_t n, int id, const char *file)
{
	char path[96];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/debug/virq/%d/%s", id,
		 file);
	memset(buf, 0, n);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		snprintf(buf, n, "(%s: %s)", path, strerror(errno));
		return;
	}
	r = read(fd, buf, n - 1);
	if (r < 0)
		snprintf(buf, n, "(read %s: %s)", path, strerror(errno));
	close(fd);
}

static void read_stats(char *buf, size_t n, int chip)
{
	struct virq_stats_args a = { .buf = (uintptr_t)buf, .size = n };

	memset(buf, 0, n);
	ioctl(chip, VIRQ_GET_STATS, &a);
}

/* The chip directories in debugfs: a half-created chip would show. */
static void list_chips(char *buf, size_t n)
{
	struct dirent *d;
	DIR *dir = opendir("/sys/kernel/debug/virq");
	size_t used = 0;

	memset(buf, 0, n);
	if (!dir)
		return;
	while ((d = readdir(dir)) && used + 16 < n)
		used += snprintf(buf + used, n - used, "%s ", d->d_name);
	closedir(dir);
}

static void take(struct fx *f, struct snap *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	ioctl(f->chip, VIRQ_GET_CHIP_CONFIG, &s->cfg);
	ioctl(f->pchip, VIRQ_GET_CHIP_CONFIG, &s->pcfg);
	for (i = 0; i < 4; i++) {
		s->ic[i].chip_id = i;
		ioctl(f->chip, VIRQ_GET_IRQCHIP, &s->ic[i]);
	}
	for (i = 0; i < 2; i++) {
		s->pic[i].chip_id = i;
		ioctl(f->pchip, VIRQ_GET_IRQCHIP, &s->pic[i]);
	}
	for (i = 0; i < NV; i++) {
		ioctl(f->v[i], VIRQ_GET_LAPIC, &s->ls[i]);
		ioctl(f->v[i], VIRQ_VCPU_GET_CONFIG, &s->vc[i]);
		memcpy(&s->run[i], f->run[i], sizeof(s->run[i]));
	}
	ioctl(f->pv, VIRQ_GET_LAPIC, &s->pls);
	memcpy(&s->prun, f->prun, sizeof(s->prun));
	read_text(s->text[0], 4096, f->id, "routing");
	read_text(s->text[1], 4096, f->id, "irqfds");
	read_text(s->text[2], 4096, f->pid, "routing");
	read_text(s->text[3], 4096, f->pid, "irqfds");
	read_stats(s->stats[0], 4096, f->chip);
	read_stats(s->stats[1], 4096, f->pchip);
	list_chips(s->chips, sizeof(s->chips));
	s->free_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	close(s->free_fd);
}

/* Which part differs, or NULL. */
static const char *differs(struct snap *a, struct snap *b)
{
#define PART(x, name) do { \
		if (memcmp(&a->x, &b->x, sizeof(a->x))) \
			return name; \
	} while (0)
	PART(cfg, "chip config");
	PART(pcfg, "PIC chip config");
	PART(ic[0], "PIC master");
	PART(ic[1], "PIC slave");
	PART(ic[2], "IOAPIC 0");
	PART(ic[3], "IOAPIC 1");
	PART(pic, "PIC-only chip's PICs");
	PART(ls, "LAPIC state");
	PART(pls, "PIC-only chip's vCPU state");
	PART(run, "run pages");
	PART(vc, "vCPU configurations");
	PART(prun, "PIC-only chip's run page");
	PART(text[0], "routing");
	PART(text[1], "irqfds");
	PART(text[2], "PIC-only chip's routing");
	PART(text[3], "PIC-only chip's irqfds");
	PART(stats, "statistics");
	PART(chips, "the set of chips in debugfs");
	PART(free_fd, "file descriptors (a new fd appeared)");
	return NULL;
#undef PART
}

/* ---- the rows ---- */

#define BAD(name) static int name(struct fx *f)

/* /dev/virq: VIRQ_CREATE_CHIP */
#define CFG_CASE(name, change) BAD(name) \
{ \
	struct virq_chip_config c = good_cfg(); \
	change; \
	return xioctl(f->dev, VIRQ_CREATE_CHIP, &c); \
}
CFG_CASE(cc_flag, c.flags |= 0x80)
CFG_CASE(cc_set, c.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_LAPIC; c.nr_ioapics = 0;
	 c.ioapic_gsi_base[1] = 0)
CFG_CASE(cc_noset, c.flags = 0; c.nr_ioapics = 0; c.ioapic_gsi_base[1] = 0)
CFG_CASE(cc_pad, c.pad = 1)
CFG_CASE(cc_levels, c.flags |= VIRQ_CHIP_LOGICAL_LEVELS |
			       VIRQ_CHIP_ELECTRICAL_LEVELS)
CFG_CASE(cc_reserved, c.reserved[6] = 1)
CFG_CASE(cc_vcpus0, c.max_vcpus = 0)
CFG_CASE(cc_vcpusmax, c.max_vcpus = VIRQ_MAX_VCPUS + 1)
CFG_CASE(cc_nrio, c.nr_ioapics = VIRQ_MAX_IOAPICS + 1)
CFG_CASE(cc_nrio0, c.nr_ioapics = 0; c.ioapic_gsi_base[1] = 0)
CFG_CASE(cc_nrio_noflag, c.flags = VIRQ_CHIP_PIC)
CFG_CASE(cc_overlap, c.ioapic_gsi_base[1] = 23)
CFG_CASE(cc_base0, c.ioapic_gsi_base[0] = 1; c.ioapic_gsi_base[1] = 25)
CFG_CASE(cc_past, c.ioapic_gsi_base[1] = VIRQ_NR_GSIS - 23)
CFG_CASE(cc_absent, c.ioapic_gsi_base[2] = 48)
CFG_CASE(cc_version, c.ioapic_version = 0x12)
CFG_CASE(cc_version_noio, c.flags = VIRQ_CHIP_PIC; c.nr_ioapics = 0;
	 c.ioapic_gsi_base[1] = 0; c.ioapic_version = 0x20)
BAD(cc_fault) { return xioctl(f->dev, VIRQ_CREATE_CHIP, BADP); }
BAD(dev_unknown) { return xioctl(f->dev, _IO(VIRQIO, 0xbf), NULL); }
BAD(dev_foreign) { return xioctl(f->dev, _IO(0xAE, 0x00), NULL); }

/* chip: VIRQ_SET_GSI_ROUTING */
struct rtab {
	struct virq_irq_routing h;
	struct virq_irq_routing_entry e[2];
};

static struct rtab good_rt(void)
{
	struct rtab t = { .h.nr = 2 };

	t.e[0].gsi = 7;
	t.e[0].type = VIRQ_IRQ_ROUTING_IRQCHIP;
	t.e[0].u.irqchip.irqchip = VIRQ_IRQCHIP_IOAPIC(0);
	t.e[0].u.irqchip.pin = 7;
	t.e[1].gsi = 8;
	t.e[1].type = VIRQ_IRQ_ROUTING_MSI;
	t.e[1].u.msi.address_lo = 0xfee00000;
	t.e[1].u.msi.data = 0x48;
	return t;
}

#define RT_CASE(name, change) BAD(name) \
{ \
	struct rtab t = good_rt(); \
	change; \
	return xioctl(f->chip, VIRQ_SET_GSI_ROUTING, &t); \
}
RT_CASE(rt_nr, t.h.nr = VIRQ_MAX_ROUTES + 1)
RT_CASE(rt_flags, t.h.flags = 1)
RT_CASE(rt_epad, t.e[0].pad = 1)
RT_CASE(rt_upad, t.e[0].u.pad[5] = 1)
RT_CASE(rt_gsi, t.e[0].gsi = VIRQ_NR_GSIS)
RT_CASE(rt_type, t.e[0].type = 3)
RT_CASE(rt_icflags, t.e[0].flags = 1)
RT_CASE(rt_absent, t.e[0].u.irqchip.irqchip = VIRQ_IRQCHIP_IOAPIC(2))
RT_CASE(rt_icnum, t.e[0].u.irqchip.irqchip = 0x10000)
RT_CASE(rt_iopin, t.e[0].u.irqchip.pin = VIRQ_IOAPIC_NUM_PINS)
RT_CASE(rt_picpin, t.e[0].u.irqchip.irqchip = VIRQ_IRQCHIP_PIC_SLAVE;
	t.e[0].u.irqchip.pin = 8)
RT_CASE(rt_msiflags, t.e[1].flags = 2)
RT_CASE(rt_devid, t.e[1].u.msi.devid = 9)
RT_CASE(rt_twice, t.e[1] = t.e[0]; t.e[1].u.irqchip.pin = 9)
RT_CASE(rt_msinotalone, t.e[1].gsi = 7)
BAD(rt_fault) { return xioctl(f->chip, VIRQ_SET_GSI_ROUTING, BADP); }
BAD(rt_fault_entries)
{
	struct virq_irq_routing *h = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int r;

	/* The header readable, the entries past it not. */
	munmap((char *)h + 4096, 4096);
	h = (void *)((char *)h + 4096 - sizeof(*h));
	h->nr = 1;
	h->flags = 0;
	r = xioctl(f->chip, VIRQ_SET_GSI_ROUTING, h);
	munmap((char *)h + sizeof(*h) - 4096, 4096);
	return r;
}

/* chip: VIRQ_IRQ_LINE(_STATUS) */
#define LINE_CASE(name, cmd, gsi_, level_) BAD(name) \
{ \
	struct virq_irq_level l = { .irq = gsi_, .level = level_ }; \
	return xioctl(f->chip, cmd, &l); \
}
LINE_CASE(line_gsi, VIRQ_IRQ_LINE, VIRQ_NR_GSIS, 1)
LINE_CASE(line_gsi_huge, VIRQ_IRQ_LINE, 0x80000003, 1)
LINE_CASE(line_level, VIRQ_IRQ_LINE, 3, 2)
LINE_CASE(lines_gsi, VIRQ_IRQ_LINE_STATUS, VIRQ_NR_GSIS, 1)
LINE_CASE(lines_level, VIRQ_IRQ_LINE_STATUS, 3, 0x100)
BAD(line_fault) { return xioctl(f->chip, VIRQ_IRQ_LINE, BADP); }
BAD(lines_fault) { return xioctl(f->chip, VIRQ_IRQ_LINE_STATUS, BADP); }

/* chip: VIRQ_SIGNAL_MSI */
#define MSI_CASE(name, change) BAD(name) \
{ \
	struct virq_msi m = { .address_lo = 0xfee01000, .data = 0x46 }; \
	change; \
	return xioctl(f->chip, VIRQ_SIGNAL_MSI, &m); \
}
MSI_CASE(msi_addr, m.address_lo = 0xfed01000)
MSI_CASE(msi_addrres, m.address_lo |= 0x10)
MSI_CASE(msi_hi, m.address_hi = 0x100)
MSI_CASE(msi_datares, m.data |= 0x10000)
MSI_CASE(msi_datares2, m.data |= 0x800)
MSI_CASE(msi_dm3, m.data |= 3 << 8)
MSI_CASE(msi_dm6, m.data |= 6 << 8)
MSI_CASE(msi_flags, m.flags = 2)
MSI_CASE(msi_devid, m.devid = 1)
MSI_CASE(msi_pad, m.pad[7] = 1)
BAD(msi_fault) { return xioctl(f->chip, VIRQ_SIGNAL_MSI, BADP); }

/* chip: VIRQ_CREATE_VCPU */
BAD(cv_id) { return xioctl(f->chip, VIRQ_CREATE_VCPU, (void *)0xffUL); }
BAD(cv_id_huge) { return xioctl(f->chip, VIRQ_CREATE_VCPU, (void *)(1UL << 32)); }
BAD(cv_exists) { return xioctl(f->chip, VIRQ_CREATE_VCPU, (void *)1UL); }
BAD(cv_full) { return xioctl(f->chip, VIRQ_CREATE_VCPU, (void *)7UL); }

/* chip and vCPU: VIRQ_IO */
BAD(io_unclaimed) { return io_fd(f->chip, VIRQ_IO_PIO, 0x60, 1, 0, 0); }
BAD(io_unclaimed_mmio) { return io_fd(f->chip, VIRQ_IO_MMIO, 0xfec02000, 4, 0, 0); }
BAD(io_piclen) { return io_fd(f->chip, VIRQ_IO_PIO, 0x21, 2, 1, 0xffff); }
BAD(io_elcrlen) { return io_fd(f->chip, VIRQ_IO_PIO, 0x4d0, 4, 1, 0xff); }
BAD(io_iolen) { return io_fd(f->chip, VIRQ_IO_MMIO, 0xfec00010, 2, 1, 0); }
BAD(io_iolen8) { return io_fd(f->chip, VIRQ_IO_MMIO, 0xfec00010, 8, 1, 0); }
BAD(io_ioalign) { return io_fd(f->chip, VIRQ_IO_MMIO, 0xfec00011, 4, 1, 0); }
BAD(io_space) { return io_fd(f->chip, 7, 0x20, 1, 1, 0x11); }
BAD(io_write2) { return io_fd(f->chip, VIRQ_IO_PIO, 0x20, 1, 2, 0x11); }
BAD(io_pad)
{
	struct virq_io io = { .space = VIRQ_IO_PIO, .addr = 0x21, .len = 1,
			      .write = 1, .data = 0 };

	io.pad[5] = 1;
	return xioctl(f->chip, VIRQ_IO, &io);
}
BAD(io_fault) { return xioctl(f->chip, VIRQ_IO, BADP); }
BAD(vio_apiclen) { return io_fd(f->v[0], VIRQ_IO_MMIO, 0xfee00080, 3, 1, 0xff); }
BAD(vio_apiclen0) { return io_fd(f->v[0], VIRQ_IO_MMIO, 0xfee00080, 0, 1, 0xff); }
BAD(vio_msrlen) { return io_fd(f->v[0], VIRQ_IO_MSR, 0x808, 4, 1, 0xff); }
BAD(vio_space) { return io_fd(f->v[0], 3, 0xfee00080, 4, 1, 0xff); }
BAD(vio_fault) { return xioctl(f->v[0], VIRQ_IO, BADP); }
BAD(pvio_piclen) { return io_fd(f->pv, VIRQ_IO_PIO, 0x20, 2, 1, 0x11); }

/* chip: VIRQ_GET_IRQCHIP, VIRQ_SET_IRQCHIP */
BAD(gi_id)
{
	struct virq_irqchip ic = { .chip_id = VIRQ_IRQCHIP_STATE_IOAPIC(2) };

	return xioctl(f->chip, VIRQ_GET_IRQCHIP, &ic);
}
BAD(gi_pad)
{
	struct virq_irqchip ic = { .chip_id = 0, .pad = 1 };

	return xioctl(f->chip, VIRQ_GET_IRQCHIP, &ic);
}
BAD(gi_noio)
{
	struct virq_irqchip ic = { .chip_id = VIRQ_IRQCHIP_STATE_IOAPIC(0) };

	return xioctl(f->pchip, VIRQ_GET_IRQCHIP, &ic);
}
BAD(gi_fault) { return xioctl(f->chip, VIRQ_GET_IRQCHIP, BADP); }

#define PIC_CASE(name, change) BAD(name) \
{ \
	struct virq_irqchip ic = { .chip_id = VIRQ_IRQCHIP_STATE_PIC_MASTER }; \
	struct virq_pic_state *p = &ic.chip.pic; \
	if (ioctl(f->chip, VIRQ_GET_IRQCHIP, &ic)) \
		return -1000; \
	change; \
	return xioctl(f->chip, VIRQ_SET_IRQCHIP, &ic); \
}
PIC_CASE(sp_id, ic.chip_id = 9; (void)p)
PIC_CASE(sp_pad, ic.pad = 1; (void)p)
PIC_CASE(sp_tail, ic.chip.dummy[sizeof(*p) + 3] = 1)
PIC_CASE(sp_statepad, p->pad[10] = 1)
PIC_CASE(sp_elcrmask, p->elcr_mask = 0xff)
PIC_CASE(sp_elcr, p->elcr = 0x01)
PIC_CASE(sp_prio, p->priority_add = 8)
PIC_CASE(sp_base, p->irq_base = 0x31)
PIC_CASE(sp_init, p->init_state = 4)
PIC_CASE(sp_init3, p->init_state = 3; p->init4 = 0)
PIC_CASE(sp_flag, p->auto_eoi = 2)
PIC_CASE(sp_ext0, p->ext = 0)
PIC_CASE(sp_ext2, p->ext = 2)

#define IOS_CASE(name, change) BAD(name) \
{ \
	struct virq_irqchip ic = { .chip_id = VIRQ_IRQCHIP_STATE_IOAPIC(0) }; \
	struct virq_ioapic_state *s = &ic.chip.ioapic; \
	if (ioctl(f->chip, VIRQ_GET_IRQCHIP, &ic)) \
		return -1000; \
	change; \
	return xioctl(f->chip, VIRQ_SET_IRQCHIP, &ic); \
}
IOS_CASE(si_pad, s->pad = 1)
IOS_CASE(si_flags, s->flags |= 0x10)
IOS_CASE(si_wire, s->flags |= VIRQ_IOAPIC_STATE_WIRE_LEVELS)
IOS_CASE(si_tail, ic.chip.dummy[sizeof(*s) + 1] = 1)
IOS_CASE(si_misaligned, s->base_address += 0x10)
IOS_CASE(si_above4g, s->base_address = 0x100000000ULL)
IOS_CASE(si_inside, s->base_address = VIRQ_IOAPIC_DEFAULT_BASE(1))
IOS_CASE(si_ioregsel, s->ioregsel = 0x100)
IOS_CASE(si_id, s->id = 16)
IOS_CASE(si_irr, s->irr = 1u << 24)
IOS_CASE(si_rteres, s->redirtbl[5] |= 1ULL << 20)
IOS_CASE(si_remoteedge, s->redirtbl[5] = VIRQ_IOAPIC_RTE_REMOTE_IRR | 0x55)
IOS_CASE(si_version, s->version = s->version == 0x20 ? 0x11 : 0x20)
IOS_CASE(si_linelevel, s->line_level = 1u << 24)
IOS_CASE(si_irrlevels, s->irr |= 1u << 3; s->line_level &= ~(1u << 3))
IOS_CASE(si_eoicount, s->eoi_count[3] = 10000)
IOS_CASE(si_deferededge, s->eoi_deferred = 1u << 5)

/* chip: VIRQ_IRQFD */
#define IRQFD_CASE(name, change) BAD(name) \
{ \
	struct virq_irqfd_args a = { .fd = f->efd2, .gsi = 6 }; \
	change; \
	return xioctl(f->chip, VIRQ_IRQFD, &a); \
}
IRQFD_CASE(fd_flags, a.flags = 4)
IRQFD_CASE(fd_rfd, a.resamplefd = f->efd)
IRQFD_CASE(fd_pad, a.pad[15] = 1)
IRQFD_CASE(fd_gsi, a.gsi = VIRQ_NR_GSIS)
IRQFD_CASE(fd_noteventfd, a.fd = f->dev)
IRQFD_CASE(fd_rnoteventfd, a.flags = VIRQ_IRQFD_FLAG_RESAMPLE;
	   a.resamplefd = f->dev)
IRQFD_CASE(fd_badfd, a.fd = 1000)
IRQFD_CASE(fd_bound, a.fd = f->efd)
IRQFD_CASE(fd_deassign, a.flags = VIRQ_IRQFD_FLAG_DEASSIGN)
IRQFD_CASE(fd_deassign_gsi, a.fd = f->efd; a.gsi = 9;
	   a.flags = VIRQ_IRQFD_FLAG_DEASSIGN)
BAD(fd_fault) { return xioctl(f->chip, VIRQ_IRQFD, BADP); }

/* chip: VIRQ_GET_STATS, VIRQ_GET_CHIP_CONFIG, unknown */
BAD(st_flags)
{
	struct virq_stats_args a = { .flags = 1 };

	return xioctl(f->chip, VIRQ_GET_STATS, &a);
}
BAD(st_small)
{
	char buf[64];
	struct virq_stats_args a = { .buf = (uintptr_t)buf, .size = 64 };

	return xioctl(f->chip, VIRQ_GET_STATS, &a);
}
BAD(st_fault) { return xioctl(f->chip, VIRQ_GET_STATS, BADP); }
BAD(st_buffault)
{
	struct virq_stats_args a = { .buf = 8, .size = 1 << 20 };

	return xioctl(f->chip, VIRQ_GET_STATS, &a);
}
BAD(cfg_fault) { return xioctl(f->chip, VIRQ_GET_CHIP_CONFIG, BADP); }
BAD(chip_unknown) { return xioctl(f->chip, _IO(VIRQIO, 0x9e), NULL); }
BAD(chip_vcpuioctl) { return xioctl(f->chip, VIRQ_VCPU_ACK, NULL); }

/* vCPU: VIRQ_VCPU_SET_SIGNAL */
#define SIG_CASE(name, signo_, flags_) BAD(name) \
{ \
	struct virq_vcpu_signal s = { .signo = signo_, .flags = flags_ }; \
	return xioctl(f->v[0], VIRQ_VCPU_SET_SIGNAL, &s); \
}
SIG_CASE(sig_flags, SIGUSR1, 1)
SIG_CASE(sig_big, 65, 0)
SIG_CASE(sig_kill, SIGKILL, 0)
SIG_CASE(sig_stop, SIGSTOP, 0)
BAD(sig_fault) { return xioctl(f->v[0], VIRQ_VCPU_SET_SIGNAL, BADP); }

/* vCPU: VIRQ_VCPU_WAIT, ACK, EOI, RESET */
BAD(wait_flags)
{
	struct virq_vcpu_wait w = { .timeout_ns = 0, .flags = 4 };

	return xioctl(f->v[1], VIRQ_VCPU_WAIT, &w);
}
BAD(wait_ackignore)
{
	struct virq_vcpu_wait w = { .timeout_ns = 0,
				    .flags = VIRQ_WAIT_ACK | VIRQ_WAIT_IGNORE_INTR };

	return xioctl(f->v[1], VIRQ_VCPU_WAIT, &w);
}
BAD(wait_pad)
{
	struct virq_vcpu_wait w = { .timeout_ns = 0, .pad = 1 };

	return xioctl(f->v[1], VIRQ_VCPU_WAIT, &w);
}
BAD(wait_fault) { return xioctl(f->v[1], VIRQ_VCPU_WAIT, BADP); }
BAD(ack_none) { return xioctl(f->v[0], VIRQ_VCPU_ACK, NULL); }
BAD(ack_arg) { return xioctl(f->v[0], VIRQ_VCPU_ACK, (void *)1UL); }
BAD(kick_arg) { return xioctl(f->v[0], VIRQ_VCPU_KICK, (void *)1UL); }
BAD(nmi_arg) { return xioctl(f->v[0], VIRQ_VCPU_NMI, (void *)1UL); }
BAD(eoi_lapic) { return xioctl(f->v[1], VIRQ_VCPU_EOI, (void *)0x53UL); }
BAD(eoi_vector) { return xioctl(f->pv, VIRQ_VCPU_EOI, (void *)256UL); }
BAD(reset_arg) { return xioctl(f->v[1], VIRQ_VCPU_RESET, (void *)1UL); }
BAD(vcpu_unknown) { return xioctl(f->v[0], _IO(VIRQIO, 0xbe), NULL); }
BAD(vcpu_chipioctl) { return xioctl(f->v[0], VIRQ_NOP, NULL); }

/* vCPU: VIRQ_SET_LAPIC, VIRQ_GET_LAPIC */
#define REG(s, off) (*(uint32_t *)&(s).regs[off])
#define LS_CASE(name, vcpu, change) BAD(name) \
{ \
	static struct virq_lapic_state s; \
	if (ioctl(vcpu, VIRQ_GET_LAPIC, &s)) \
		return -1000; \
	change; \
	return xioctl(vcpu, VIRQ_SET_LAPIC, &s); \
}
LS_CASE(sl_rtcvec, f->v[1], s.rtc_vector = 0x40)
LS_CASE(sl_rtclow, f->v[1], s.flags |= VIRQ_LAPIC_STATE_RTC_OWED;
	s.rtc_vector = 15)
LS_CASE(sl_rtcnot, f->v[1], s.flags |= VIRQ_LAPIC_STATE_RTC_OWED;
	s.rtc_vector = 0x40)
LS_CASE(sl_reserved, f->v[1], s.reserved[3] = 1)
LS_CASE(sl_flags, f->v[1], s.flags |= 0x80)
LS_CASE(sl_lint, f->v[1], s.lint_level = 4)
LS_CASE(sl_baseres, f->v[1], s.apic_base |= 1 << 9)
LS_CASE(sl_extd, f->v[1], s.apic_base = (s.apic_base & ~(1ULL << 11)) |
	(1 << 10))
LS_CASE(sl_bsp, f->v[1], s.apic_base |= 1 << 8)
LS_CASE(sl_regres, f->v[1], REG(s, 0x80) |= 0x100)
LS_CASE(sl_gap, f->v[1], s.regs[0x84] = 1)
LS_CASE(sl_noreg, f->v[1], REG(s, 0x3f0) = 1)
LS_CASE(sl_count, f->v[1], REG(s, 0x380) = 10; REG(s, 0x390) = 11)
LS_CASE(sl_lvtres, f->v[1], REG(s, 0x320) |= 1u << 19)
LS_CASE(psl_other, f->pv, REG(s, 0x80) = 0x20)
LS_CASE(psl_lowvec, f->pv, REG(s, 0x200) = 1u << 5)
BAD(sl_fault) { return xioctl(f->v[1], VIRQ_SET_LAPIC, BADP); }
BAD(gl_fault) { return xioctl(f->v[1], VIRQ_GET_LAPIC, BADP); }

/* vCPU: VIRQ_VCPU_LINT, VIRQ_VCPU_SET_CLOCK */
#define LINT_CASE(name, vcpu, pin_, level_) BAD(name) \
{ \
	struct virq_lint l = { .pin = pin_, .level = level_ }; \
	return xioctl(vcpu, VIRQ_VCPU_LINT, &l); \
}
LINT_CASE(lint_pin, f->v[0], 2, 1)
LINT_CASE(lint_level, f->v[0], 1, 2)
LINT_CASE(lint_nolapic, f->pv, 0, 1)
BAD(lint_flags)
{
	struct virq_lint l = { .pin = 1, .level = 1, .flags = 1 };

	return xioctl(f->v[0], VIRQ_VCPU_LINT, &l);
}
BAD(lint_pad)
{
	struct virq_lint l = { .pin = 1, .level = 1, .pad = 1 };

	return xioctl(f->v[0], VIRQ_VCPU_LINT, &l);
}
BAD(lint_fault) { return xioctl(f->v[0], VIRQ_VCPU_LINT, BADP); }

#define CLK_CASE(name, vcpu, change) BAD(name) \
{ \
	struct virq_vcpu_clock c = { .bus_hz = 100000000, \
				     .tsc_hz = 2000000000 }; \
	change; \
	return xioctl(vcpu, VIRQ_VCPU_SET_CLOCK, &c); \
}
CLK_CASE(clk_bus, f->v[0], c.bus_hz = 999)
CLK_CASE(clk_bushigh, f->v[0], c.bus_hz = 1000000000001ULL)
CLK_CASE(clk_tsc, f->v[0], c.tsc_hz = 0)
CLK_CASE(clk_reserved, f->v[0], c.reserved[1] = 1)
CLK_CASE(clk_flags, f->v[0], c.flags = 2)
CLK_CASE(clk_pad, f->v[0], c.pad = 1)
CLK_CASE(clk_nolapic, f->pv, (void)c)
BAD(clk_fault) { return xioctl(f->v[0], VIRQ_VCPU_SET_CLOCK, BADP); }

/* vCPU: VIRQ_VCPU_SET_CONFIG, VIRQ_VCPU_GET_CONFIG */
#define VC_CASE(name, change) BAD(name) \
{ \
	struct virq_vcpu_config c = { .maxphyaddr = 40 }; \
	change; \
	return xioctl(f->v[1], VIRQ_VCPU_SET_CONFIG, &c); \
}
VC_CASE(vc_flags, c.flags = 1)
VC_CASE(vc_reserved, c.reserved[0] = 1)
VC_CASE(vc_low, c.maxphyaddr = 31)
VC_CASE(vc_high, c.maxphyaddr = 53)
BAD(vc_fault) { return xioctl(f->v[1], VIRQ_VCPU_SET_CONFIG, BADP); }
BAD(gvc_fault) { return xioctl(f->v[1], VIRQ_VCPU_GET_CONFIG, BADP); }
LS_CASE(sl_maxphys, f->v[1], s.apic_base |= 1ULL << 36)

static const struct {
	const char *ioctl, *fd, *what, *ename;
	int err;
	int (*run)(struct fx *f);
} rows[] = {
#define ROW(i, fd, what, err, fn) { i, fd, what, #err, err, fn }
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "unknown flag", EINVAL, cc_flag),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "LAPIC without IOAPIC", EINVAL, cc_set),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "no PIC (empty set)", EINVAL, cc_noset),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "pad not 0", EINVAL, cc_pad),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "logical and electrical levels", EINVAL, cc_levels),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "reserved not 0", EINVAL, cc_reserved),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "max_vcpus 0", EINVAL, cc_vcpus0),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "max_vcpus above VIRQ_MAX_VCPUS", EINVAL, cc_vcpusmax),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "nr_ioapics above VIRQ_MAX_IOAPICS", EINVAL, cc_nrio),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "nr_ioapics 0 with the IOAPIC flag", EINVAL, cc_nrio0),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "nr_ioapics without the IOAPIC flag", EINVAL, cc_nrio_noflag),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "overlapping GSI bases", EINVAL, cc_overlap),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "IOAPIC 0 not at GSI 0", EINVAL, cc_base0),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "GSI base past the GSI space", EINVAL, cc_past),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "GSI base of an absent IOAPIC", EINVAL, cc_absent),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "ioapic_version not 0, 0x11, 0x20", EINVAL, cc_version),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "ioapic_version without IOAPICs", EINVAL, cc_version_noio),
	ROW("VIRQ_CREATE_CHIP", "/dev/virq", "unreadable argument", EFAULT, cc_fault),
	ROW("(unknown)", "/dev/virq", "an unknown virq ioctl number", ENOTTY, dev_unknown),
	ROW("(unknown)", "/dev/virq", "another subsystem's ioctl (KVM's)", ENOTTY, dev_foreign),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "nr above VIRQ_MAX_ROUTES", EINVAL, rt_nr),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "header flags not 0", EINVAL, rt_flags),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "entry pad not 0", EINVAL, rt_epad),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "unused union words not 0", EINVAL, rt_upad),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "GSI outside 0..4095", EINVAL, rt_gsi),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "unknown type", EINVAL, rt_type),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "irqchip entry flags not 0", EINVAL, rt_icflags),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "an IOAPIC the chip lacks", EINVAL, rt_absent),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "an unknown irqchip number", EINVAL, rt_icnum),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "IOAPIC pin 24", EINVAL, rt_iopin),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "PIC pin 8", EINVAL, rt_picpin),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "MSI flags other than VALID_DEVID", EINVAL, rt_msiflags),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "devid without VALID_DEVID", EINVAL, rt_devid),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "a GSI on one irqchip twice", EINVAL, rt_twice),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "an MSI entry not alone on its GSI", EINVAL, rt_msinotalone),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "unreadable header", EFAULT, rt_fault),
	ROW("VIRQ_SET_GSI_ROUTING", "chip", "unreadable entries", EFAULT, rt_fault_entries),
	ROW("VIRQ_IRQ_LINE", "chip", "GSI 4096", EINVAL, line_gsi),
	ROW("VIRQ_IRQ_LINE", "chip", "GSI 0x80000003", EINVAL, line_gsi_huge),
	ROW("VIRQ_IRQ_LINE", "chip", "level 2", EINVAL, line_level),
	ROW("VIRQ_IRQ_LINE", "chip", "unreadable argument", EFAULT, line_fault),
	ROW("VIRQ_IRQ_LINE_STATUS", "chip", "GSI 4096", EINVAL, lines_gsi),
	ROW("VIRQ_IRQ_LINE_STATUS", "chip", "level 0x100", EINVAL, lines_level),
	ROW("VIRQ_IRQ_LINE_STATUS", "chip", "unreadable argument", EFAULT, lines_fault),
	ROW("VIRQ_SIGNAL_MSI", "chip", "address not 0xFEExxxxx", EINVAL, msi_addr),
	ROW("VIRQ_SIGNAL_MSI", "chip", "address bits 11:4 set", EINVAL, msi_addrres),
	ROW("VIRQ_SIGNAL_MSI", "chip", "address_hi without 32-bit IDs", EINVAL, msi_hi),
	ROW("VIRQ_SIGNAL_MSI", "chip", "data bits 31:16 set", EINVAL, msi_datares),
	ROW("VIRQ_SIGNAL_MSI", "chip", "data bits 13:11 set", EINVAL, msi_datares2),
	ROW("VIRQ_SIGNAL_MSI", "chip", "delivery mode 011", EINVAL, msi_dm3),
	ROW("VIRQ_SIGNAL_MSI", "chip", "delivery mode 110", EINVAL, msi_dm6),
	ROW("VIRQ_SIGNAL_MSI", "chip", "unknown flags", EINVAL, msi_flags),
	ROW("VIRQ_SIGNAL_MSI", "chip", "devid without VALID_DEVID", EINVAL, msi_devid),
	ROW("VIRQ_SIGNAL_MSI", "chip", "pad not 0", EINVAL, msi_pad),
	ROW("VIRQ_SIGNAL_MSI", "chip", "unreadable argument", EFAULT, msi_fault),
	ROW("VIRQ_CREATE_VCPU", "chip", "APIC ID 0xff (xAPIC broadcast)", EINVAL, cv_id),
	ROW("VIRQ_CREATE_VCPU", "chip", "APIC ID 2^32", EINVAL, cv_id_huge),
	ROW("VIRQ_CREATE_VCPU", "chip", "an APIC ID in use", EEXIST, cv_exists),
	ROW("VIRQ_CREATE_VCPU", "chip", "max_vcpus reached", ENOSPC, cv_full),
	ROW("VIRQ_IO", "chip", "an unclaimed port", ENOENT, io_unclaimed),
	ROW("VIRQ_IO", "chip", "an unclaimed address", ENOENT, io_unclaimed_mmio),
	ROW("VIRQ_IO", "chip", "PIC port, len 2", EINVAL, io_piclen),
	ROW("VIRQ_IO", "chip", "ELCR port, len 4", EINVAL, io_elcrlen),
	ROW("VIRQ_IO", "chip", "IOAPIC window, len 2", EINVAL, io_iolen),
	ROW("VIRQ_IO", "chip", "IOAPIC window, len 8", EINVAL, io_iolen8),
	ROW("VIRQ_IO", "chip", "IOAPIC window, unaligned", EINVAL, io_ioalign),
	ROW("VIRQ_IO", "chip", "unknown space", EINVAL, io_space),
	ROW("VIRQ_IO", "chip", "write 2", EINVAL, io_write2),
	ROW("VIRQ_IO", "chip", "pad not 0", EINVAL, io_pad),
	ROW("VIRQ_IO", "chip", "unreadable argument", EFAULT, io_fault),
	ROW("VIRQ_IO", "vCPU", "LAPIC page, len 3", EINVAL, vio_apiclen),
	ROW("VIRQ_IO", "vCPU", "LAPIC page, len 0", EINVAL, vio_apiclen0),
	ROW("VIRQ_IO", "vCPU", "x2APIC MSR, len 4", EINVAL, vio_msrlen),
	ROW("VIRQ_IO", "vCPU", "unknown space", EINVAL, vio_space),
	ROW("VIRQ_IO", "vCPU", "unreadable argument", EFAULT, vio_fault),
	ROW("VIRQ_IO", "vCPU (no LAPIC)", "PIC port, len 2", EINVAL, pvio_piclen),
	ROW("VIRQ_GET_IRQCHIP", "chip", "an IOAPIC the chip lacks", EINVAL, gi_id),
	ROW("VIRQ_GET_IRQCHIP", "chip", "pad not 0", EINVAL, gi_pad),
	ROW("VIRQ_GET_IRQCHIP", "chip (PIC only)", "IOAPIC 0", EINVAL, gi_noio),
	ROW("VIRQ_GET_IRQCHIP", "chip", "unwritable argument", EFAULT, gi_fault),
	ROW("VIRQ_SET_IRQCHIP", "chip", "unknown chip_id", EINVAL, sp_id),
	ROW("VIRQ_SET_IRQCHIP", "chip", "pad not 0", EINVAL, sp_pad),
	ROW("VIRQ_SET_IRQCHIP", "chip", "PIC: union bytes past the state", EINVAL, sp_tail),
	ROW("VIRQ_SET_IRQCHIP", "chip", "PIC: state padding", EINVAL, sp_statepad),
	ROW("VIRQ_SET_IRQCHIP", "chip", "PIC: elcr_mask not the PC's", EINVAL, sp_elcrmask),
	ROW("VIRQ_SET_IRQCHIP", "chip", "PIC: elcr outside elcr_mask", EINVAL, sp_elcr),
	ROW("VIRQ_SET_IRQCHIP", "chip", "PIC: priority_add 8", EINVAL, sp_prio),
	ROW("VIRQ_SET_IRQCHIP", "chip", "PIC: irq_base bits 2:0", EINVAL, sp_base),
	ROW("VIRQ_SET_IRQCHIP", "chip", "PIC: init_state 4", EINVAL, sp_init),
	ROW("VIRQ_SET_IRQCHIP", "chip", "PIC: waiting for ICW4 without init4", EINVAL, sp_init3),
	ROW("VIRQ_SET_IRQCHIP", "chip", "PIC: a flag byte of 2", EINVAL, sp_flag),
	ROW("VIRQ_SET_IRQCHIP", "chip", "PIC: ext 0 with extension fields", EINVAL, sp_ext0),
	ROW("VIRQ_SET_IRQCHIP", "chip", "PIC: ext 2", EINVAL, sp_ext2),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: pad not 0", EINVAL, si_pad),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: unknown flags", EINVAL, si_flags),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: wire levels on a logical chip", EINVAL, si_wire),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: union bytes past the state", EINVAL, si_tail),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: misaligned base", EINVAL, si_misaligned),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: base above 4 GiB", EINVAL, si_above4g),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: base inside another IOAPIC", EINVAL, si_inside),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: ioregsel above 0xff", EINVAL, si_ioregsel),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: id above 15", EINVAL, si_id),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: irr bit 24", EINVAL, si_irr),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: reserved entry bits", EINVAL, si_rteres),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: remote IRR on an edge entry", EINVAL, si_remoteedge),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: another version", EINVAL, si_version),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: line_level bit 24", EINVAL, si_linelevel),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: irr against the line levels", EINVAL, si_irrlevels),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: throttle count 10000", EINVAL, si_eoicount),
	ROW("VIRQ_SET_IRQCHIP", "chip", "IOAPIC: held re-delivery on an edge entry", EINVAL, si_deferededge),
	ROW("VIRQ_IRQFD", "chip", "unknown flag", EINVAL, fd_flags),
	ROW("VIRQ_IRQFD", "chip", "resamplefd without RESAMPLE", EINVAL, fd_rfd),
	ROW("VIRQ_IRQFD", "chip", "pad not 0", EINVAL, fd_pad),
	ROW("VIRQ_IRQFD", "chip", "GSI 4096", EINVAL, fd_gsi),
	ROW("VIRQ_IRQFD", "chip", "fd not an eventfd", EINVAL, fd_noteventfd),
	ROW("VIRQ_IRQFD", "chip", "resamplefd not an eventfd", EINVAL, fd_rnoteventfd),
	ROW("VIRQ_IRQFD", "chip", "fd not open", EBADF, fd_badfd),
	ROW("VIRQ_IRQFD", "chip", "an eventfd bound already", EBUSY, fd_bound),
	ROW("VIRQ_IRQFD", "chip", "DEASSIGN of an unbound eventfd", ENOENT, fd_deassign),
	ROW("VIRQ_IRQFD", "chip", "DEASSIGN with another GSI", ENOENT, fd_deassign_gsi),
	ROW("VIRQ_IRQFD", "chip", "unreadable argument", EFAULT, fd_fault),
	ROW("VIRQ_GET_STATS", "chip", "flags not 0", EINVAL, st_flags),
	ROW("VIRQ_GET_STATS", "chip", "buffer too small", ENOSPC, st_small),
	ROW("VIRQ_GET_STATS", "chip", "unreadable argument", EFAULT, st_fault),
	ROW("VIRQ_GET_STATS", "chip", "unwritable buffer", EFAULT, st_buffault),
	ROW("VIRQ_GET_CHIP_CONFIG", "chip", "unwritable argument", EFAULT, cfg_fault),
	ROW("(unknown)", "chip", "an unknown virq ioctl number", ENOTTY, chip_unknown),
	ROW("(unknown)", "chip", "a vCPU ioctl", ENOTTY, chip_vcpuioctl),
	ROW("VIRQ_VCPU_SET_SIGNAL", "vCPU", "flags not 0", EINVAL, sig_flags),
	ROW("VIRQ_VCPU_SET_SIGNAL", "vCPU", "signo 65", EINVAL, sig_big),
	ROW("VIRQ_VCPU_SET_SIGNAL", "vCPU", "SIGKILL", EINVAL, sig_kill),
	ROW("VIRQ_VCPU_SET_SIGNAL", "vCPU", "SIGSTOP", EINVAL, sig_stop),
	ROW("VIRQ_VCPU_SET_SIGNAL", "vCPU", "unreadable argument", EFAULT, sig_fault),
	ROW("VIRQ_VCPU_WAIT", "vCPU", "unknown flags", EINVAL, wait_flags),
	ROW("VIRQ_VCPU_WAIT", "vCPU", "ACK with IGNORE_INTR", EINVAL, wait_ackignore),
	ROW("VIRQ_VCPU_WAIT", "vCPU", "pad not 0", EINVAL, wait_pad),
	ROW("VIRQ_VCPU_WAIT", "vCPU", "unreadable argument", EFAULT, wait_fault),
	ROW("VIRQ_VCPU_ACK", "vCPU", "nothing to acknowledge", EAGAIN, ack_none),
	ROW("VIRQ_VCPU_ACK", "vCPU", "argument not 0", EINVAL, ack_arg),
	ROW("VIRQ_VCPU_KICK", "vCPU", "argument not 0", EINVAL, kick_arg),
	ROW("VIRQ_VCPU_NMI", "vCPU", "argument not 0", EINVAL, nmi_arg),
	ROW("VIRQ_VCPU_EOI", "vCPU", "a chip with LAPICs", EINVAL, eoi_lapic),
	ROW("VIRQ_VCPU_EOI", "vCPU (no LAPIC)", "vector 256", EINVAL, eoi_vector),
	ROW("VIRQ_VCPU_RESET", "vCPU", "argument not 0", EINVAL, reset_arg),
	ROW("(unknown)", "vCPU", "an unknown virq ioctl number", ENOTTY, vcpu_unknown),
	ROW("(unknown)", "vCPU", "a chip ioctl", ENOTTY, vcpu_chipioctl),
	ROW("VIRQ_SET_LAPIC", "vCPU", "rtc_vector without RTC_OWED", EINVAL, sl_rtcvec),
	ROW("VIRQ_SET_LAPIC", "vCPU", "RTC_OWED, vector 15", EINVAL, sl_rtclow),
	ROW("VIRQ_SET_LAPIC", "vCPU", "RTC_OWED, vector neither in IRR nor ISR", EINVAL, sl_rtcnot),
	ROW("VIRQ_SET_LAPIC", "vCPU", "reserved not 0", EINVAL, sl_reserved),
	ROW("VIRQ_SET_LAPIC", "vCPU", "unknown flags", EINVAL, sl_flags),
	ROW("VIRQ_SET_LAPIC", "vCPU", "lint_level above 3", EINVAL, sl_lint),
	ROW("VIRQ_SET_LAPIC", "vCPU", "APIC_BASE reserved bits", EINVAL, sl_baseres),
	ROW("VIRQ_SET_LAPIC", "vCPU", "APIC_BASE bit 36 (MAXPHYADDR 36)", EINVAL, sl_maxphys),
	ROW("VIRQ_SET_LAPIC", "vCPU", "APIC_BASE EXTD without EN", EINVAL, sl_extd),
	ROW("VIRQ_SET_LAPIC", "vCPU", "APIC_BASE BSP flag on an AP", EINVAL, sl_bsp),
	ROW("VIRQ_SET_LAPIC", "vCPU", "reserved register bits (TPR)", EINVAL, sl_regres),
	ROW("VIRQ_SET_LAPIC", "vCPU", "bytes between registers", EINVAL, sl_gap),
	ROW("VIRQ_SET_LAPIC", "vCPU", "bytes where no register is", EINVAL, sl_noreg),
	ROW("VIRQ_SET_LAPIC", "vCPU", "current count above initial", EINVAL, sl_count),
	ROW("VIRQ_SET_LAPIC", "vCPU", "reserved LVT bits", EINVAL, sl_lvtres),
	ROW("VIRQ_SET_LAPIC", "vCPU (no LAPIC)", "a register other than IRR/TMR", EINVAL, psl_other),
	ROW("VIRQ_SET_LAPIC", "vCPU (no LAPIC)", "vector 5 pending", EINVAL, psl_lowvec),
	ROW("VIRQ_SET_LAPIC", "vCPU", "unreadable argument", EFAULT, sl_fault),
	ROW("VIRQ_GET_LAPIC", "vCPU", "unwritable argument", EFAULT, gl_fault),
	ROW("VIRQ_VCPU_LINT", "vCPU", "pin 2", EINVAL, lint_pin),
	ROW("VIRQ_VCPU_LINT", "vCPU", "level 2", EINVAL, lint_level),
	ROW("VIRQ_VCPU_LINT", "vCPU (no LAPIC)", "any", EINVAL, lint_nolapic),
	ROW("VIRQ_VCPU_LINT", "vCPU", "flags not 0", EINVAL, lint_flags),
	ROW("VIRQ_VCPU_LINT", "vCPU", "pad not 0", EINVAL, lint_pad),
	ROW("VIRQ_VCPU_LINT", "vCPU", "unreadable argument", EFAULT, lint_fault),
	ROW("VIRQ_VCPU_SET_CLOCK", "vCPU", "bus_hz below 1 kHz", EINVAL, clk_bus),
	ROW("VIRQ_VCPU_SET_CLOCK", "vCPU", "bus_hz above 1 THz", EINVAL, clk_bushigh),
	ROW("VIRQ_VCPU_SET_CLOCK", "vCPU", "tsc_hz 0", EINVAL, clk_tsc),
	ROW("VIRQ_VCPU_SET_CLOCK", "vCPU", "reserved not 0", EINVAL, clk_reserved),
	ROW("VIRQ_VCPU_SET_CLOCK", "vCPU", "unknown flags", EINVAL, clk_flags),
	ROW("VIRQ_VCPU_SET_CLOCK", "vCPU", "pad not 0", EINVAL, clk_pad),
	ROW("VIRQ_VCPU_SET_CLOCK", "vCPU (no LAPIC)", "any", EINVAL, clk_nolapic),
	ROW("VIRQ_VCPU_SET_CLOCK", "vCPU", "unreadable argument", EFAULT, clk_fault),
	ROW("VIRQ_VCPU_SET_CONFIG", "vCPU", "flags not 0", EINVAL, vc_flags),
	ROW("VIRQ_VCPU_SET_CONFIG", "vCPU", "reserved not 0", EINVAL, vc_reserved),
	ROW("VIRQ_VCPU_SET_CONFIG", "vCPU", "maxphyaddr 31", EINVAL, vc_low),
	ROW("VIRQ_VCPU_SET_CONFIG", "vCPU", "maxphyaddr 53", EINVAL, vc_high),
	ROW("VIRQ_VCPU_SET_CONFIG", "vCPU", "unreadable argument", EFAULT, vc_fault),
	ROW("VIRQ_VCPU_GET_CONFIG", "vCPU", "unwritable argument", EFAULT, gvc_fault),
#undef ROW
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static void print_table(void)
{
	const char *rule = "=========================  ===================  "
			   "===========================================  ======";
	unsigned int i;

	printf("%s\n", rule);
	printf("%-25s  %-19s  %-43s  %s\n", "ioctl", "fd", "invalid argument",
	       "errno");
	printf("%s\n", rule);
	for (i = 0; i < NROWS; i++)
		printf("%-25s  %-19s  %-43s  %s\n", rows[i].ioctl, rows[i].fd,
		       rows[i].what, rows[i].ename);
	printf("%s\n", rule);
}

TEST(every_rejection_changes_nothing)
{
	static struct snap before, after;
	struct fx f;
	unsigned int i, bad = 0;
	const char *d;
	int r;

	ASSERT_EQ(0, fx_init(&f));
	for (i = 0; i < NROWS; i++) {
		take(&f, &before);
		r = rows[i].run(&f);
		take(&f, &after);
		d = differs(&before, &after);
		if (r != -rows[i].err || d) {
			bad++;
			TH_LOG("%s on %s, %s: got %d (%s), want -%s%s%s",
			       rows[i].ioctl, rows[i].fd, rows[i].what, r,
			       r < 0 ? strerror(-r) : "success",
			       rows[i].ename, d ? "; changed: " : "",
			       d ? d : "");
		}
	}
	EXPECT_EQ(0, bad);
	TH_LOG("%u rows walked", (unsigned int)NROWS);
	fx_fini(&f);
}

/* ---- nothing uninitialised reaches userspace ---- */

static int all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return 0;
	return 1;
}

TEST(no_uninitialised_bytes)
{
	static struct virq_irqchip ic;
	static struct virq_lapic_state ls;
	struct virq_chip_config cfg;
	struct virq_io io;
	struct virq_msi m;
	char buf[4096];
	struct virq_stats_args sa = { .buf = (uintptr_t)buf, .size = sizeof(buf) };
	struct virq_stats_header *h = (void *)buf;
	struct virq_vcpu_stats *vs;
	struct virq_gsi_stats *gs;
	struct fx f;
	unsigned int i;

	ASSERT_EQ(0, fx_init(&f));
	memset(&ic, 0xa5, sizeof(ic));
	ic.chip_id = 0;
	ic.pad = 0;
	ASSERT_EQ(0, ioctl(f.chip, VIRQ_GET_IRQCHIP, &ic));
	EXPECT_TRUE(all_zero(ic.chip.pic.pad, sizeof(ic.chip.pic.pad)));
	EXPECT_TRUE(all_zero(ic.chip.dummy + sizeof(ic.chip.pic),
			     sizeof(ic.chip) - sizeof(ic.chip.pic)));
	memset(&ic, 0xa5, sizeof(ic));
	ic.chip_id = VIRQ_IRQCHIP_STATE_IOAPIC(1);
	ic.pad = 0;
	ASSERT_EQ(0, ioctl(f.chip, VIRQ_GET_IRQCHIP, &ic));
	EXPECT_EQ(0, ic.chip.ioapic.pad);
	EXPECT_TRUE(all_zero(ic.chip.dummy + sizeof(ic.chip.ioapic),
			     sizeof(ic.chip) - sizeof(ic.chip.ioapic)));

	for (i = 0; i < NV; i++) {
		memset(&ls, 0xa5, sizeof(ls));
		ASSERT_EQ(0, ioctl(f.v[i], VIRQ_GET_LAPIC, &ls));
		EXPECT_EQ(0, ls.rtc_vector);	/* no RTC debt here */
		EXPECT_TRUE(all_zero(ls.reserved, sizeof(ls.reserved)));
		/* Between the 4-byte registers of each 16-byte slot. */
		for (unsigned int off = 0; off < 1024; off += 16) {
			EXPECT_TRUE(all_zero(&ls.regs[off + 4], 12)) {
				TH_LOG("vCPU %u: bytes after register 0x%x", i,
				       off);
			}
		}
	}
	memset(&ls, 0xa5, sizeof(ls));
	ASSERT_EQ(0, ioctl(f.pv, VIRQ_GET_LAPIC, &ls));
	EXPECT_EQ(0, ls.rtc_vector);
	EXPECT_TRUE(all_zero(ls.reserved, sizeof(ls.reserved)));

	memset(&cfg, 0xa5, sizeof(cfg));
	ASSERT_EQ(0, ioctl(f.chip, VIRQ_GET_CHIP_CONFIG, &cfg));
	EXPECT_EQ(0, cfg.pad);
	EXPECT_TRUE(all_zero(cfg.reserved, sizeof(cfg.reserved)));
	EXPECT_TRUE(all_zero(&cfg.ioapic_gsi_base[2],
			     sizeof(cfg.ioapic_gsi_base) - 8));

	memset(buf, 0xa5, sizeof(buf));
	ASSERT_EQ(0, ioctl(f.chip, VIRQ_GET_STATS, &sa));
	EXPECT_EQ(0, h->pad);
	vs = (void *)(buf + h->header_size);
	for (i = 0; i < h->nr_vcpus; i++)
		EXPECT_EQ(0, vs[i].pad);
	gs = (void *)(buf + h->header_size + h->nr_vcpus * h->vcpu_size);
	for (i = 0; i < h->nr_gsis; i++)
		EXPECT_EQ(0, gs[i].pad);
	EXPECT_GE(sizeof(buf), sa.size);

	/* A byte read leaves no stale bits above it. */
	memset(&io, 0, sizeof(io));
	io.space = VIRQ_IO_PIO;
	io.addr = 0x21;
	io.len = 1;
	io.data = ~0ULL;
	io.fault = 0xa5;
	ASSERT_EQ(0, ioctl(f.chip, VIRQ_IO, &io));
	EXPECT_EQ(0xf8, io.data);
	EXPECT_EQ(0, io.fault);
	memset(&io, 0, sizeof(io));
	io.space = VIRQ_IO_MMIO;
	io.addr = 0xfee00080;
	io.len = 4;
	io.data = ~0ULL;
	io.fault = 0xa5;
	ASSERT_EQ(0, ioctl(f.v[0], VIRQ_IO, &io));
	EXPECT_EQ(0x20, io.data);
	EXPECT_EQ(0, io.fault);
	/* The fault byte on a vCPU fd of a chip without LAPICs, too. */
	memset(&io, 0, sizeof(io));
	io.space = VIRQ_IO_PIO;
	io.addr = 0x21;
	io.len = 1;
	io.fault = 0xa5;
	ASSERT_EQ(0, ioctl(f.pv, VIRQ_IO, &io));
	EXPECT_EQ(0, io.fault);

	memset(&m, 0, sizeof(m));
	m.address_lo = 0xfee01000;
	m.data = 0x47;
	m.status = 0x5a5a5a5a;
	ASSERT_LE(0, ioctl(f.chip, VIRQ_SIGNAL_MSI, &m));
	EXPECT_EQ(1, m.status);
	fx_fini(&f);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--table")) {
		print_table();
		return 0;
	}
	return test_harness_run(argc, argv);
}
