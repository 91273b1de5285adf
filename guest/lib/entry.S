/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of virq's multiboot test programs: the multiboot v1 header (ELF
 * form with flags 0, or with -DAOUT_KLUDGE the a.out-kludge form whose
 * address fields the loader uses instead of ELF headers), the BSP entry,
 * 256 interrupt stubs that call isr_dispatch() with a struct frame, and
 * the AP trampoline: real-mode code copied to TRAMP_BASE, where a SIPI
 * with vector TRAMP_BASE >> 12 starts an AP; it switches to protected
 * mode and calls ap_start(apic_id) on the AP's own stack.
 */
#define MB_MAGIC	0x1BADB002
#ifdef AOUT_KLUDGE
#define MB_FLAGS	0x00010002	/* address fields valid, memory info */
#else
#define MB_FLAGS	0x00000000
#endif
#define STACK_SIZE	16384
#define TRAMP_BASE	0x8000

	.section .multiboot, "a"
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
#ifdef AOUT_KLUDGE
	.long mb_header		/* header_addr */
	.long _load_start	/* load_addr */
	.long _load_end		/* load_end_addr */
	.long _bss_end		/* bss_end_addr */
	.long _start		/* entry_addr */
#endif

	.text
	.code32
	.globl _start
_start:
	cli
	cld
	movl $(cpu_stacks + STACK_SIZE), %esp	/* the BSP's: stack 0 */
	pushl %ebx
	pushl %eax
	call guest_start
1:	cli
	hlt
	jmp 1b

/* ---- interrupt stubs: 16 bytes each, vector v at isr_stubs + 16 * v ---- */

	.align 16
	.globl isr_stubs
isr_stubs:
	vector = 0
	.rept 256
	.align 16
	.if (vector == 8) || (vector >= 10 && vector <= 14) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
	.else
	pushl $0		/* no error code from the CPU */
	.endif
	pushl $vector
	jmp isr_common
	vector = vector + 1
	.endr

isr_common:
	pushal
	movl %esp, %eax
	pushl %eax
	call isr_dispatch
	addl $4, %esp
	popal
	addl $8, %esp		/* vector, error code */
	iret

/* ---- AP trampoline, position-dependent on TRAMP_BASE ---- */

#define T(x)	(TRAMP_BASE + (x) - ap_tramp_start)

	.globl ap_tramp_start, ap_tramp_end
	.code16
ap_tramp_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	movw %ax, ap_tramp_cs - ap_tramp_start	/* what the SIPI gave us */
	lgdtl tramp_gdtr - ap_tramp_start
	movl %cr0, %eax
	andl $0x9fffffff, %eax	/* caches on: clear CD, NW */
	orl $1, %eax		/* PE */
	movl %eax, %cr0
	ljmpl $0x08, $T(tramp_pm)

	.code32
tramp_pm:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl $1, %eax
	cpuid
	shrl $24, %ebx		/* initial APIC ID = CPU index */
	movl %ebx, %eax
	incl %eax
	shll $14, %eax		/* STACK_SIZE */
	addl $cpu_stacks, %eax
	movl %eax, %esp
	pushl %ebx
	movl $ap_start, %eax
	call *%eax
2:	cli
	hlt
	jmp 2b

	.align 8
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: code, flat, 32-bit */
	.quad 0x00cf92000000ffff	/* 0x10: data, flat */
tramp_gdtr:
	.word 23
	.long T(tramp_gdt)
	.globl ap_tramp_cs
ap_tramp_cs:
	.word 0
ap_tramp_end:

	.section .note.GNU-stack, "", @progbits
