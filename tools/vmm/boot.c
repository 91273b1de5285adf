// SPDX-License-Identifier: GPL-2.0
/*
 * virq-vmm: the multiboot v1 loader (a Linux bzImage goes to linux.c
 * instead: kernel_load()). Finds the multiboot header in the
 * first 8 KiB of the kernel file, loads an ELF32 image by its program
 * headers (zeroing each segment's bss) or, when the header has the a.out
 * kludge (flags bit 16), by the header's load addresses. Builds the
 * multiboot information in the page at 0x9000 (below 4 MiB, outside page
 * 0): mem_lower/mem_upper, a NUL-terminated cmdline (always present), the
 * initrd as module 0, a memory map and the boot loader's name. The BSP
 * enters at the kernel's entry with EAX = 0x2BADB002, EBX = the info.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "vmm.h"

#define MB_MAGIC		0x1BADB002
#define MB_BOOT_MAGIC		0x2BADB002
#define MB_FLAG_PAGE_ALIGN	(1u << 0)	/* modules page aligned */
#define MB_FLAG_MEMINFO		(1u << 1)	/* mem_* fields wanted */
#define MB_FLAG_VIDEO		(1u << 2)	/* video mode wanted */
#define MB_FLAG_AOUT		(1u << 16)	/* the address fields are valid */
#define MB_SEARCH		8192

#define MBI_INFO_MEM		(1u << 0)
#define MBI_INFO_CMDLINE	(1u << 2)
#define MBI_INFO_MODS		(1u << 3)
#define MBI_INFO_MMAP		(1u << 6)
#define MBI_INFO_LOADER		(1u << 9)

/* Where the information goes: one page, fixed offsets. */
#define MBI_PAGE	0x9000u
#define MBI_INFO	(MBI_PAGE + 0x000)
#define MBI_MODS	(MBI_PAGE + 0x080)
#define MBI_LOADER	(MBI_PAGE + 0x0a0)
#define MBI_MMAP	(MBI_PAGE + 0x0c0)
#define MBI_MODSTR	(MBI_PAGE + 0x110)
#define MBI_MODSTR_MAX	0xf0u
#define MBI_CMDLINE	(MBI_PAGE + 0x200)
#define MBI_CMDLINE_MAX	(0x1000u - 0x200u)	/* with its NUL */

uint8_t *read_file(const char *path, size_t *size)
{
	struct stat s;
	uint8_t *buf;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &s))
		die("%s: %s", path, strerror(errno));
	buf = malloc(s.st_size + 1);
	if (!buf)
		die("out of memory");
	while (done < (size_t)s.st_size) {
		ssize_t r = read(fd, buf + done, s.st_size - done);

		if (r <= 0)
			die("%s: read error", path);
		done += r;
	}
	close(fd);
	*size = done;
	return buf;
}

/* Is [start, start + len) guest RAM that the loader may fill? */
static void check_range(struct vm *vm, const char *what, uint64_t start,
			uint64_t len)
{
	if (start + len > vm->ram_size || start + len < start)
		die("%s: [0x%llx, 0x%llx) is outside the guest's %llu MiB of RAM",
		    what, (unsigned long long)start,
		    (unsigned long long)(start + len),
		    (unsigned long long)(vm->ram_size >> 20));
	if (start < 0x1000 && len)
		die("%s: loads into page 0", what);
	if (start < MBI_PAGE + 0x1000 && start + len > MBI_PAGE)
		die("%s: overlaps the multiboot information at 0x%x", what,
		    MBI_PAGE);
}

/* Load an ELF32 executable by its program headers. Returns the end. */
static uint32_t load_elf(struct vm *vm, const uint8_t *img, size_t size,
			 uint32_t *entry)
{
	const Elf32_Ehdr *eh = (const void *)img;
	uint32_t end = 0, e = eh->e_entry;
	bool entry_mapped = false;
	int i;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		die("%s: neither ELF nor a multiboot a.out kludge", vm->kernel);
	if (eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_machine != EM_386 ||
	    eh->e_type != ET_EXEC)
		die("%s: not an ELF32 i386 executable (build it with -m32, or use "
		    "the a.out kludge)", vm->kernel);
	if (eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr) > size ||
	    eh->e_phentsize != sizeof(Elf32_Phdr))
		die("%s: bad program headers", vm->kernel);
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf32_Phdr *ph = (const void *)(img + eh->e_phoff +
						      i * sizeof(Elf32_Phdr));

		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		if (ph->p_filesz > ph->p_memsz ||
		    (uint64_t)ph->p_offset + ph->p_filesz > size)
			die("%s: segment %d is truncated", vm->kernel, i);
		check_range(vm, "ELF segment", ph->p_paddr, ph->p_memsz);
		memcpy(vm->ram + ph->p_paddr, img + ph->p_offset, ph->p_filesz);
		memset(vm->ram + ph->p_paddr + ph->p_filesz, 0,
		       ph->p_memsz - ph->p_filesz);
		if (ph->p_paddr + ph->p_memsz > end)
			end = ph->p_paddr + ph->p_memsz;
		/* A kernel linked high enters at the physical address. */
		if (e >= ph->p_vaddr && e - ph->p_vaddr < ph->p_memsz) {
			e = e - ph->p_vaddr + ph->p_paddr;
			entry_mapped = true;
		}
	}
	if (!end)
		die("%s: no loadable segment", vm->kernel);
	if (!entry_mapped)
		die("%s: the entry point 0x%x is in no segment", vm->kernel,
		    eh->e_entry);
	*entry = e;
	return end;
}

/* Load by the a.out kludge fields of the multiboot header. */
static uint32_t load_aout(struct vm *vm, const uint8_t *img, size_t size,
			  size_t hoff, const uint32_t *h, uint32_t *entry)
{
	uint32_t header_addr = h[3], load_addr = h[4], load_end = h[5];
	uint32_t bss_end = h[6];
	uint64_t off, len;

	if (header_addr < load_addr || header_addr - load_addr > hoff)
		die("%s: a.out kludge: header_addr 0x%x below load_addr 0x%x or "
		    "before the file", vm->kernel, header_addr, load_addr);
	off = hoff - (header_addr - load_addr);
	len = load_end ? (uint64_t)load_end - load_addr : size - off;
	if (load_end && load_end < load_addr)
		die("%s: a.out kludge: load_end_addr below load_addr", vm->kernel);
	if (off + len > size)
		die("%s: a.out kludge: the image is shorter than its load range",
		    vm->kernel);
	check_range(vm, "a.out image", load_addr, len);
	memcpy(vm->ram + load_addr, img + off, len);
	if (bss_end) {
		if (bss_end < load_addr + len)
			die("%s: a.out kludge: bss_end_addr below the image end",
			    vm->kernel);
		check_range(vm, "a.out bss", load_addr + len,
			    bss_end - load_addr - len);
		memset(vm->ram + load_addr + len, 0, bss_end - load_addr - len);
	}
	if (h[7] < load_addr || h[7] >= (bss_end ? bss_end : load_addr + len))
		die("%s: a.out kludge: entry 0x%x outside the image", vm->kernel,
		    h[7]);
	*entry = h[7];
	return bss_end ? bss_end : load_addr + len;
}

static void mmap_entry(struct vm *vm, uint32_t *at, uint64_t base,
		       uint64_t len, uint32_t type)
{
	put32(vm, *at, 20);	/* size of the entry after this field */
	put64(vm, *at + 4, base);
	put64(vm, *at + 12, len);
	put32(vm, *at + 20, type);
	*at += 24;
}

static void multiboot_load(struct vm *vm, uint8_t *img, size_t size,
			   struct boot_regs *regs)
{
	uint32_t flags = 0, end, entry, info = 0, mmap_at = MBI_MMAP;
	const uint32_t *h = NULL;
	size_t hoff, len;

	for (hoff = 0; hoff + 12 <= size && hoff < MB_SEARCH; hoff += 4) {
		const uint32_t *p = (const void *)(img + hoff);

		if (p[0] == MB_MAGIC && p[0] + p[1] + p[2] == 0) {
			h = p;
			flags = p[1];
			break;
		}
	}
	if (!h)
		die("%s: no multiboot header in the first 8 KiB", vm->kernel);
	/* Bits 0-15 are requirements: refuse what we cannot give. */
	if (flags & 0xffff & ~(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMINFO))
		die("%s: multiboot header asks for 0x%x (video mode or unknown "
		    "requirements) that virq-vmm cannot satisfy", vm->kernel,
		    flags & 0xffff);
	if (flags & MB_FLAG_AOUT) {
		if (hoff + 32 > size)
			die("%s: truncated multiboot header", vm->kernel);
		end = load_aout(vm, img, size, hoff, h, &entry);
	} else {
		end = load_elf(vm, img, size, &entry);
	}
	ev(vm, -1, 2, "loaded %s: %s, entry 0x%x, image ends at 0x%x",
	   vm->kernel, flags & MB_FLAG_AOUT ? "a.out kludge" : "ELF32",
	   entry, end);

	memset(vm->ram + MBI_PAGE, 0, 0x1000);
	len = strlen(vm->cmdline);
	if (len + 1 > MBI_CMDLINE_MAX)
		die("kernel command line longer than %u bytes", MBI_CMDLINE_MAX - 1);
	memcpy(vm->ram + MBI_CMDLINE, vm->cmdline, len + 1);
	info |= MBI_INFO_CMDLINE | MBI_INFO_MODS | MBI_INFO_MEM |
		MBI_INFO_MMAP | MBI_INFO_LOADER;

	put32(vm, MBI_INFO + 20, 0);		/* mods_count */
	put32(vm, MBI_INFO + 24, MBI_MODS);	/* mods_addr */
	if (vm->initrd) {
		uint32_t start = (end + 0xfff) & ~0xfffu;
		const char *name = vm->initrd;
		uint8_t *mod = read_file(vm->initrd, &size);

		check_range(vm, "initrd", start, size);
		memcpy(vm->ram + start, mod, size);
		free(mod);
		if (strlen(name) >= MBI_MODSTR_MAX)
			name = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
		snprintf((char *)vm->ram + MBI_MODSTR, MBI_MODSTR_MAX, "%s", name);
		put32(vm, MBI_MODS + 0, start);
		put32(vm, MBI_MODS + 4, start + size);
		put32(vm, MBI_MODS + 8, MBI_MODSTR);
		put32(vm, MBI_INFO + 20, 1);
		ev(vm, -1, 2, "initrd %s at 0x%x, %zu bytes", vm->initrd, start,
		   size);
	}

	put32(vm, MBI_INFO + 4, 640);	/* mem_lower, KiB */
	put32(vm, MBI_INFO + 8, (vm->ram_size - 0x100000) >> 10);
	put32(vm, MBI_INFO + 16, MBI_CMDLINE);
	mmap_entry(vm, &mmap_at, 0, 0x9fc00, 1);
	mmap_entry(vm, &mmap_at, 0xf0000, 0x10000, 2);
	mmap_entry(vm, &mmap_at, 0x100000, vm->ram_size - 0x100000, 1);
	put32(vm, MBI_INFO + 44, mmap_at - MBI_MMAP);	/* mmap_length */
	put32(vm, MBI_INFO + 48, MBI_MMAP);
	strcpy((char *)vm->ram + MBI_LOADER, "virq-vmm");
	put32(vm, MBI_INFO + 64, MBI_LOADER);
	put32(vm, MBI_INFO + 0, info);

	regs->eip = entry;
	regs->eax = MB_BOOT_MAGIC;
	regs->ebx = MBI_INFO;
}

/**
 * kernel_load() - load --kernel: a Linux bzImage, or a multiboot image
 * @vm: the machine
 * @regs: the BSP's entry state, filled in
 */
void kernel_load(struct vm *vm, struct boot_regs *regs)
{
	size_t size;
	uint8_t *img = read_file(vm->kernel, &size);

	memset(regs, 0, sizeof(*regs));
	if (linux_detect(img, size))
		linux_load(vm, img, size, regs);
	else
		multiboot_load(vm, img, size, regs);
	free(img);
}
