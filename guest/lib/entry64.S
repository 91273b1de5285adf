/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of virq's 64-bit guest tests: a multiboot v1 header with the
 * a.out kludge (the image is a raw binary of x86-64 code), a 32-bit entry
 * that identity-maps the first 4 GiB with 2 MiB pages, enters long mode
 * and calls main64(), and 16-byte interrupt stubs for every vector that
 * call isr64(vector) with the caller-saved registers preserved (no vector
 * a test expects pushes an error code).
 */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00010002

	.section .multiboot, "a"
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header
	.long _load_start
	.long _load_end
	.long _bss_end
	.long _start

	.text
	.code32
	.globl _start
_start:
	cli
	cld
	movl $stack64_top, %esp
	movl %eax, mb_magic64
	movl %ebx, mb_info64

	/* PML4[0] -> PDPT, PDPT[0..3] -> PD0..3, PDx[i] -> 2 MiB pages. */
	movl $pdpt, %eax
	orl $3, %eax
	movl %eax, pml4
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $12, %eax
	addl $pds, %eax
	orl $3, %eax
	movl %eax, pdpt(,%ecx,8)
	incl %ecx
	cmpl $4, %ecx
	jne 1b
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax		/* present, writable, 2 MiB */
	movl %eax, pds(,%ecx,8)
	movl $0, pds+4(,%ecx,8)	/* below 4 GiB: no high bits */
	incl %ecx
	cmpl $2048, %ecx
	jne 2b

	movl $pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $0x20, %eax		/* PAE */
	movl %eax, %cr4
	movl $0xc0000080, %ecx	/* EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax	/* PG, PE */
	movl %eax, %cr0
	lgdt gdt64_ptr
	ljmp $0x08, $long_mode

	.code64
long_mode:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movq $stack64_top, %rsp
	call main64
3:	cli
	hlt
	jmp 3b

/* ---- interrupt stubs ---- */

	.align 16
	.globl isr64_stubs
isr64_stubs:
	vector = 0
	.rept 256
	.align 16
	pushq $vector
	jmp isr64_common
	vector = vector + 1
	.endr

isr64_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	movq 72(%rsp), %rdi	/* the vector */
	subq $8, %rsp		/* the call's 16-byte alignment */
	call isr64
	addq $8, %rsp
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	addq $8, %rsp
	iretq

	.section .rodata
	.align 8
gdt64:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
gdt64_ptr:
	.word 23
	.long gdt64

	.bss
	.align 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pds:	.skip 4 * 4096
	.align 16
	.skip 16384
stack64_top:
	.globl mb_magic64, mb_info64
mb_magic64:	.skip 4
mb_info64:	.skip 4

	.section .note.GNU-stack, "", @progbits
