// SPDX-License-Identifier: GPL-2.0
/*
 * Guest test "boot": what the multiboot loader and the platform hand a
 * kernel. Built twice, as an ELF32 image with header flags 0 and as a raw
 * image with the a.out kludge; the harness runs both with the command
 * line "virq-boot-test" and /guest/initrd.txt as the initrd. Checks the
 * entry state (EAX magic, EBX info below 4 MiB and outside page 0,
 * protected mode without paging, flat segments, interrupts off), the
 * info's memory fields, cmdline, module and memory map, the bss being
 * zero, the UART's registers, fw_cfg and the unclaimed-port convention.
 */
#include "guest.h"

#define INITRD_TEXT	"virq initrd: multiboot module 0\n"

static u32 bss_words[1024];	/* must be zero: the loader zeroes the bss */

struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
	u32 mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
	u32 drives_length, drives_addr, config_table, boot_loader_name;
};

struct mb_mod {
	u32 start, end, string, reserved;
};

static u32 read_cr0(void)
{
	u32 v;

	__asm__ __volatile__("movl %%cr0, %0" : "=r"(v));
	return v;
}

int main(void)
{
	struct mb_info *mbi = (struct mb_info *)mb_info_addr;
	u32 i, nonzero = 0, ram_mb, avail = 0, cs, ds;
	struct mb_mod *mod;
	const char *cmd;

	plan(17);
	ok(mb_magic == 0x2BADB002, "EAX holds the multiboot magic (0x%x)",
	   mb_magic);
	ok(mb_info_addr >= 0x1000 && mb_info_addr + sizeof(*mbi) <= 0x400000,
	   "EBX: info at 0x%x, below 4 MiB and outside page 0", mb_info_addr);
	__asm__ __volatile__("movl %%cs, %0; movl %%ds, %1" : "=r"(cs), "=r"(ds));
	ok((read_cr0() & 0x80000001) == 1 && !(read_eflags() & 0x200),
	   "protected mode, paging off, interrupts off (cr0 0x%x)", read_cr0());
	for (i = 0; i < ARRAY_SIZE(bss_words); i++)
		nonzero |= bss_words[i];
	ok(!nonzero, "the bss is zero");

	ok((mbi->flags & 0x5) == 0x5 && mbi->mem_lower == 640 &&
	   mbi->mem_upper >= 1024,
	   "mem_lower %u KiB, mem_upper %u KiB", mbi->mem_lower,
	   mbi->mem_upper);
	ram_mb = (mbi->mem_upper + 1024) / 1024;
	ok(fwcfg_read(0x03, 4) == ram_mb << 20,
	   "fw_cfg RAM size (0x%x) matches mem_upper (%u MiB)",
	   fwcfg_read(0x03, 4), ram_mb);

	cmd = (const char *)mbi->cmdline;
	ok((mbi->flags & 0x4) && cmd && !strcmp(cmd, "virq-boot-test"),
	   "cmdline \"%s\"", cmd ? cmd : "");
	ok(mbi->cmdline >= 0x1000 && mbi->cmdline < 0x400000,
	   "cmdline at 0x%x, below 4 MiB", mbi->cmdline);

	mod = (struct mb_mod *)mbi->mods_addr;
	ok((mbi->flags & 0x8) && mbi->mods_count == 1,
	   "one module (mods_count %u)", mbi->mods_count);
	ok(mbi->mods_count == 1 && mod->end - mod->start == strlen(INITRD_TEXT) &&
	   !memcmp((void *)mod->start, INITRD_TEXT, strlen(INITRD_TEXT)),
	   "module 0 holds the initrd's bytes");
	ok(mbi->mods_count == 1 && !(mod->start & 0xfff) &&
	   mod->start >= 0x100000 && mod->end <= (ram_mb << 20) &&
	   strstr((const char *)mod->string, "initrd.txt"),
	   "module at 0x%x, page aligned, string \"%s\"", mod->start,
	   mbi->mods_count ? (const char *)mod->string : "");

	if (mbi->flags & 0x40) {
		u32 at = mbi->mmap_addr;

		while (at < mbi->mmap_addr + mbi->mmap_length) {
			u32 *e = (u32 *)at;

			if (e[5] == 1)
				avail += e[3];	/* low half of the length */
			at += e[0] + 4;
		}
	}
	ok(avail >= (ram_mb << 20) - 0x100000,
	   "memory map: %u KiB available", avail >> 10);
	ok((mbi->flags & 0x200) &&
	   !strcmp((const char *)mbi->boot_loader_name, "virq-vmm"),
	   "boot loader name");

	/* The UART: DLAB hides THR behind the divisor latch. */
	outb(0x3fb, 0x80);
	outb(0x3f8, 0x01);
	outb(0x3f9, 0x00);
	i = inb(0x3f8) == 0x01 && (inb(0x3fd) & 0x60) == 0x60;
	outb(0x3fb, 0x03);
	ok(i, "UART: divisor latch readable, LSR THRE|TEMT");
	outb(0x3ff, 0x5a);
	ok(inb(0x3ff) == 0x5a && inb(0x3fb) == 0x03, "UART: scratch and LCR");

	ok(fwcfg_read(0x00, 4) == 0x554d4551 && nr_cpus() == 1,
	   "fw_cfg: signature QEMU, 1 CPU");
	ok(inb(0x3e0) == 0xff && inl(0x1230) == 0xffffffff &&
	   mmio_read32(0xd0000000) == 0xffffffff,
	   "unclaimed ports and MMIO read all ones");
	return tap_done();
}
