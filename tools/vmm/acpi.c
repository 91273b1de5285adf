// SPDX-License-Identifier: GPL-2.0
/*
 * virq-vmm: the ACPI tables that describe the machine to an operating
 * system (ACPI 6.4): where the IOAPIC and every LAPIC are, how the ISA
 * IRQs reach the IOAPIC (IRQ 0 -> GSI 2), the legacy devices, and the
 * PM1 registers that power the machine off, and the PM timer. Written to the reserved
 * region at 0xe0000 (the RSDP first, where a legacy boot scans for it),
 * and announced in boot_params.acpi_rsdp_addr as well.
 *
 *   RSDP -> XSDT -> FADT (-> FACS, DSDT with \_S5), MADT
 *
 * The PM1 block (ports 0x600-0x605), the PM timer (0x608) and the reset
 * register (0xcf9) are emulated in devices.c: writing SLP_EN with \_S5's
 * type ends the VM.
 * Locks: none; runs once before the vCPUs start.
 */
#include <stdio.h>
#include <string.h>

#include "vmm.h"

#define OEM_ID		"VIRQ  "
#define OEM_TABLE_ID	"VIRQVMM "

/* MADT entry types. */
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_ISO		2
#define MADT_LAPIC_NMI		4

struct acpi_builder {
	struct vm *vm;
	uint32_t at;		/* next free byte */
};

static uint8_t checksum(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return -sum;
}

/* Reserve @len bytes, 16-byte aligned, zeroed. */
static uint32_t alloc(struct acpi_builder *b, uint32_t len)
{
	uint32_t a = (b->at + 15) & ~15u;

	if (a + len > ACPI_END)
		die("ACPI tables do not fit below 0x%x", ACPI_END);
	memset(b->vm->ram + a, 0, len);
	b->at = a + len;
	return a;
}

/* The common header; the checksum is set by finish(). */
static void header(struct vm *vm, uint32_t a, const char *sig, uint32_t len,
		   uint8_t rev)
{
	memcpy(vm->ram + a, sig, 4);
	put32(vm, a + 4, len);
	put8(vm, a + 8, rev);
	memcpy(vm->ram + a + 10, OEM_ID, 6);
	memcpy(vm->ram + a + 16, OEM_TABLE_ID, 8);
	put32(vm, a + 24, 1);			/* OEM revision */
	memcpy(vm->ram + a + 28, "VIRQ", 4);	/* creator ID */
	put32(vm, a + 32, 1);			/* creator revision */
}

static void finish(struct vm *vm, uint32_t a)
{
	uint32_t len;

	memcpy(&len, vm->ram + a + 4, 4);
	put8(vm, a + 9, 0);
	put8(vm, a + 9, checksum(vm->ram + a, len));
}

/* A Generic Address Structure: I/O space, @bits wide. */
static void gas_io(struct vm *vm, uint32_t a, uint16_t port, uint8_t bits)
{
	put8(vm, a, 1);			/* system I/O */
	put8(vm, a + 1, bits);
	put8(vm, a + 2, 0);
	put8(vm, a + 3, bits <= 8 ? 1 : bits <= 16 ? 2 : 3);
	put64(vm, a + 4, port);
}

/*
 * The DSDT: only \_S5 (the soft-off state's SLP_TYP values), which an OS
 * needs to power the machine off through PM1a_CNT. AML:
 *   Name (_S5, Package (4) { 5, 5, 0, 0 })
 */
static uint32_t build_dsdt(struct acpi_builder *b)
{
	static const uint8_t aml[] = {
		0x08, '_', 'S', '5', '_',	/* NameOp "_S5_" */
		0x12, 0x08, 0x04,		/* PackageOp, length 8, 4 elements */
		0x0a, ACPI_SLP_TYP_S5,		/* BytePrefix 5 */
		0x0a, ACPI_SLP_TYP_S5,
		0x00, 0x00,			/* Zero, Zero */
	};
	uint32_t len = 36 + sizeof(aml), a = alloc(b, len);

	header(b->vm, a, "DSDT", len, 2);
	memcpy(b->vm->ram + a + 36, aml, sizeof(aml));
	finish(b->vm, a);
	return a;
}

static uint32_t build_facs(struct acpi_builder *b)
{
	uint32_t a = alloc(b, 64);

	memcpy(b->vm->ram + a, "FACS", 4);
	put32(b->vm, a + 4, 64);
	put8(b->vm, a + 32, 2);			/* version */
	return a;
}

/* The FADT (revision 6, minor 4: 276 bytes). */
static uint32_t build_fadt(struct acpi_builder *b, uint32_t dsdt,
			   uint32_t facs)
{
	struct vm *vm = b->vm;
	uint32_t a = alloc(b, 276);

	header(vm, a, "FACP", 276, 6);
	put32(vm, a + 36, facs);		/* FIRMWARE_CTRL */
	put32(vm, a + 40, dsdt);
	put16(vm, a + 46, ACPI_SCI_IRQ);	/* SCI_INT */
	put32(vm, a + 48, 0);			/* SMI_CMD: always in ACPI mode */
	put32(vm, a + 56, ACPI_PM1_EVT);	/* PM1a_EVT_BLK */
	put32(vm, a + 64, ACPI_PM1_CNT);	/* PM1a_CNT_BLK */
	put32(vm, a + 76, ACPI_PM_TMR);		/* PM_TMR_BLK */
	put8(vm, a + 88, 4);			/* PM1_EVT_LEN */
	put8(vm, a + 89, 2);			/* PM1_CNT_LEN */
	put8(vm, a + 91, 4);			/* PM_TMR_LEN */
	put16(vm, a + 96, 101);			/* P_LVL2_LAT: no C2 */
	put16(vm, a + 98, 1001);		/* P_LVL3_LAT: no C3 */
	put8(vm, a + 108, 0x32);		/* CENTURY: CMOS register */
	put16(vm, a + 109, (1 << 0));		/* IAPC_BOOT_ARCH: legacy devices */
	/* WBINVD, C1 on all CPUs, no power or sleep button, reset register. */
	put32(vm, a + 112, (1 << 0) | (1 << 2) | (1 << 4) | (1 << 5) |
			   (1 << 10));
	gas_io(vm, a + 116, ACPI_RESET_PORT, 8);	/* RESET_REG */
	put8(vm, a + 128, ACPI_RESET_VALUE);
	put8(vm, a + 131, 4);			/* FADT minor version */
	put64(vm, a + 140, dsdt);		/* X_DSDT */
	gas_io(vm, a + 148, ACPI_PM1_EVT, 32);	/* X_PM1a_EVT_BLK */
	gas_io(vm, a + 172, ACPI_PM1_CNT, 16);	/* X_PM1a_CNT_BLK */
	gas_io(vm, a + 208, ACPI_PM_TMR, 32);	/* X_PM_TMR_BLK */
	memcpy(vm->ram + a + 268, "VIRQVMM\0", 8); /* hypervisor vendor */
	finish(vm, a);
	return a;
}

/* The MADT: every LAPIC, the IOAPIC, the ISA overrides, LINT1 NMI. */
static uint32_t build_madt(struct acpi_builder *b)
{
	struct vm *vm = b->vm;
	uint32_t len = 44 + vm->ncpus * 8 + 12 + 2 * 10 + 6, a, p;
	int i;

	a = alloc(b, len);
	header(vm, a, "APIC", len, 5);
	put32(vm, a + 36, 0xfee00000);		/* LAPIC address */
	put32(vm, a + 40, 1);			/* PCAT_COMPAT: 8259s present */
	p = a + 44;
	for (i = 0; i < vm->ncpus; i++, p += 8) {
		put8(vm, p, MADT_LAPIC);
		put8(vm, p + 1, 8);
		put8(vm, p + 2, i);		/* ACPI processor UID */
		put8(vm, p + 3, i);		/* APIC ID */
		put32(vm, p + 4, 1);		/* enabled */
	}
	put8(vm, p, MADT_IOAPIC);
	put8(vm, p + 1, 12);
	put8(vm, p + 2, 0);			/* IOAPIC ID */
	put32(vm, p + 4, 0xfec00000);
	put32(vm, p + 8, 0);			/* GSI base */
	p += 12;
	/* IRQ 0 (the PIT) is GSI 2, as virq's default table routes it. */
	put8(vm, p, MADT_ISO);
	put8(vm, p + 1, 10);
	put8(vm, p + 2, 0);			/* ISA */
	put8(vm, p + 3, 0);
	put32(vm, p + 4, 2);
	put16(vm, p + 8, 0);			/* conforming */
	p += 10;
	/* The SCI: level, active high (it is never raised here). */
	put8(vm, p, MADT_ISO);
	put8(vm, p + 1, 10);
	put8(vm, p + 2, 0);
	put8(vm, p + 3, ACPI_SCI_IRQ);
	put32(vm, p + 4, ACPI_SCI_IRQ);
	put16(vm, p + 8, 0x1 | 0xc);		/* active high, level */
	p += 10;
	put8(vm, p, MADT_LAPIC_NMI);
	put8(vm, p + 1, 6);
	put8(vm, p + 2, 0xff);			/* every processor */
	put16(vm, p + 3, 0);
	put8(vm, p + 5, 1);			/* LINT1 */
	finish(vm, a);
	return a;
}

/**
 * acpi_build() - write the tables; returns the RSDP's address
 * @vm: the machine (its RAM and CPU count)
 */
uint32_t acpi_build(struct vm *vm)
{
	struct acpi_builder b = { .vm = vm, .at = ACPI_BASE };
	uint32_t rsdp, xsdt, fadt, madt, dsdt, facs;

	if (vm->ram_size < ACPI_END)
		die("ACPI tables need at least 1 MiB of RAM");
	rsdp = alloc(&b, 36);
	dsdt = build_dsdt(&b);
	b.at = (b.at + 63) & ~63u;	/* the FACS is 64-byte aligned */
	facs = build_facs(&b);
	fadt = build_fadt(&b, dsdt, facs);
	madt = build_madt(&b);
	xsdt = alloc(&b, 36 + 2 * 8);
	header(vm, xsdt, "XSDT", 36 + 2 * 8, 1);
	put64(vm, xsdt + 36, fadt);
	put64(vm, xsdt + 44, madt);
	finish(vm, xsdt);

	memcpy(vm->ram + rsdp, "RSD PTR ", 8);
	memcpy(vm->ram + rsdp + 9, OEM_ID, 6);
	put8(vm, rsdp + 15, 2);			/* revision: XSDT */
	put32(vm, rsdp + 16, 0);		/* no RSDT */
	put32(vm, rsdp + 20, 36);		/* length */
	put64(vm, rsdp + 24, xsdt);
	put8(vm, rsdp + 8, checksum(vm->ram + rsdp, 20));
	put8(vm, rsdp + 32, checksum(vm->ram + rsdp, 36));
	ev(vm, -1, 2, "ACPI: RSDP at 0x%x, XSDT 0x%x, FADT 0x%x, MADT 0x%x "
	   "(%d CPUs), DSDT 0x%x", rsdp, xsdt, fadt, madt, vm->ncpus, dsdt);
	return rsdp;
}
