// SPDX-License-Identifier: GPL-2.0
/*
 * virq-vmm: the Linux/x86 boot protocol (the kernel's
 * Documentation/arch/x86/boot.rst), 32-bit entry, for a bzImage of
 * protocol 2.10 or later: the protected-mode kernel at 1 MiB, the zero
 * page (struct boot_params) with the setup header copied in, an e820
 * map, the command line, the initrd as high as the kernel allows, and
 * ACPI's RSDP (acpi.c). The BSP enters at code32_start in flat 32-bit
 * protected mode (CS __BOOT_CS 0x10, DS/ES/SS __BOOT_DS 0x18), paging
 * and interrupts off, ESI = the zero page.
 *
 * Memory map the guest sees (e820):
 *   0 - 0x9fc00          RAM (the zero page at 0x10000, cmdline 0x20000)
 *   0x9fc00 - 0xa0000    reserved (where an EBDA would be)
 *   0xe0000 - 0x100000   reserved: ACPI tables (acpi.c), BIOS area
 *   1 MiB - RAM's end    RAM: the kernel, which decompresses itself
 *                        where it was built to run, the initrd at the top
 * Locks: none; runs once before the vCPUs start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

#define ZERO_PAGE	0x10000u
#define CMDLINE		0x20000u
#define CMDLINE_MAX	0x10000u
#define KERNEL_LOAD	0x100000u

/* Offsets in the zero page (struct boot_params) and the setup header. */
#define BP_ACPI_RSDP	0x070	/* u64, protocol 2.14 */
#define BP_E820_COUNT	0x1e8	/* u8 */
#define BP_SETUP_SECTS	0x1f1	/* u8; the setup header starts here */
#define BP_BOOT_FLAG	0x1fe	/* u16: 0xaa55 */
#define BP_JUMP		0x200	/* u16: jmp; byte 0x201 = header length - 0x202 */
#define BP_HEADER	0x202	/* "HdrS" */
#define BP_VERSION	0x206	/* u16 */
#define BP_LOADER	0x210	/* u8: type_of_loader */
#define BP_LOADFLAGS	0x211	/* u8 */
#define BP_CODE32	0x214	/* u32: code32_start */
#define BP_RAMDISK	0x218	/* u32 */
#define BP_RAMDISK_SIZE	0x21c	/* u32 */
#define BP_CMDLINE	0x228	/* u32 */
#define BP_INITRD_MAX	0x22c	/* u32: initrd_addr_max */
#define BP_CMDLINE_SIZE	0x238	/* u32: cmdline_size (2.06) */
#define BP_INIT_SIZE	0x260	/* u32: init_size (2.10) */
#define BP_E820		0x2d0	/* struct boot_e820_entry[128], 20 bytes each */
#define E820_MAX	128

#define LOADED_HIGH	0x01

#define E820_RAM	1
#define E820_RESERVED	2

static uint16_t get16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

/* Is @img a Linux bzImage (the setup header's magic)? */
bool linux_detect(const uint8_t *img, size_t size)
{
	return size > BP_INIT_SIZE + 4 && get16(img + BP_BOOT_FLAG) == 0xaa55 &&
	       !memcmp(img + BP_HEADER, "HdrS", 4);
}

static void e820(struct vm *vm, unsigned int *n, uint64_t addr,
		 uint64_t size, uint32_t type)
{
	uint32_t a = ZERO_PAGE + BP_E820 + *n * 20;

	if (*n >= E820_MAX)
		die("e820: too many entries");
	put64(vm, a, addr);
	put64(vm, a + 8, size);
	put32(vm, a + 16, type);
	(*n)++;
}

void linux_load(struct vm *vm, const uint8_t *img, size_t size,
		struct boot_regs *regs)
{
	uint32_t setup_sects = img[BP_SETUP_SECTS] ?: 4, pm_off, pm_size;
	uint16_t version = get16(img + BP_VERSION);
	uint32_t hdr_end = BP_HEADER + img[BP_JUMP + 1], init_size;
	uint32_t initrd_max, rd = 0, rd_size = 0, cmdline_max;
	unsigned int n = 0;
	size_t len;

	if (version < 0x20a)
		die("%s: Linux boot protocol %u.%02u; 2.10 or later needed",
		    vm->kernel, version >> 8, version & 0xff);
	if (!(img[BP_LOADFLAGS] & LOADED_HIGH))
		die("%s: not a bzImage (its kernel loads low)", vm->kernel);
	pm_off = (setup_sects + 1) * 512;
	if (pm_off >= size || hdr_end > pm_off || hdr_end > 0x1000)
		die("%s: truncated setup", vm->kernel);
	pm_size = size - pm_off;
	init_size = get32(img + BP_INIT_SIZE);
	/* It decompresses in place or where it was linked to run. */
	if (KERNEL_LOAD + (uint64_t)pm_size > vm->ram_size ||
	    16 * 1024 * 1024 + (uint64_t)init_size > vm->ram_size)
		die("%s: needs more than %llu MiB of RAM (init_size %u)",
		    vm->kernel, (unsigned long long)(vm->ram_size >> 20),
		    init_size);
	memcpy(vm->ram + KERNEL_LOAD, img + pm_off, pm_size);

	/* The zero page: the setup header as the image has it, then ours. */
	memset(vm->ram + ZERO_PAGE, 0, 0x1000);
	memcpy(vm->ram + ZERO_PAGE + BP_SETUP_SECTS, img + BP_SETUP_SECTS,
	       hdr_end - BP_SETUP_SECTS);
	vm->ram[ZERO_PAGE + BP_LOADER] = 0xff;	/* no registered loader ID */
	put32(vm, ZERO_PAGE + BP_CODE32, KERNEL_LOAD);

	cmdline_max = version >= 0x206 ? get32(img + BP_CMDLINE_SIZE) : 255;
	len = strlen(vm->cmdline);
	if (len > cmdline_max || len >= CMDLINE_MAX)
		die("kernel command line longer than %u bytes", cmdline_max);
	memcpy(vm->ram + CMDLINE, vm->cmdline, len + 1);
	put32(vm, ZERO_PAGE + BP_CMDLINE, CMDLINE);

	if (vm->initrd) {
		uint8_t *data = read_file(vm->initrd, &len);
		uint64_t top = vm->ram_size;

		initrd_max = get32(img + BP_INITRD_MAX);
		if (top > (uint64_t)initrd_max + 1)
			top = (uint64_t)initrd_max + 1;
		if (len > top)
			die("%s: too big for the RAM below 0x%llx", vm->initrd,
			    (unsigned long long)top);
		rd = (top - len) & ~0xfffu;
		if (rd < 16 * 1024 * 1024 + (uint64_t)init_size)
			die("%s: no room above the kernel (%zu bytes in %llu MiB)",
			    vm->initrd, len,
			    (unsigned long long)(vm->ram_size >> 20));
		memcpy(vm->ram + rd, data, len);
		free(data);
		rd_size = len;
		put32(vm, ZERO_PAGE + BP_RAMDISK, rd);
		put32(vm, ZERO_PAGE + BP_RAMDISK_SIZE, rd_size);
	}

	e820(vm, &n, 0, 0x9fc00, E820_RAM);
	e820(vm, &n, 0x9fc00, 0x400, E820_RESERVED);
	e820(vm, &n, 0xe0000, 0x20000, E820_RESERVED);
	e820(vm, &n, 0x100000, vm->ram_size - 0x100000, E820_RAM);
	vm->ram[ZERO_PAGE + BP_E820_COUNT] = n;

	if (vm_has_apic(vm)) {
		uint64_t rsdp = acpi_build(vm);

		if (version >= 0x20e)
			put64(vm, ZERO_PAGE + BP_ACPI_RSDP, rsdp);
	}

	ev(vm, -1, 2, "loaded %s: Linux boot protocol %u.%02u, %u setup "
	   "sectors, kernel %u bytes at 0x%x, init_size %u; initrd %u bytes "
	   "at 0x%x", vm->kernel, version >> 8, version & 0xff, setup_sects,
	   pm_size, KERNEL_LOAD, init_size, rd_size, rd);
	regs->linux_entry = true;
	regs->eip = KERNEL_LOAD;
	regs->esi = ZERO_PAGE;
}
