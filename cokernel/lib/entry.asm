; SPDX-License-Identifier: MIT
;
; Co-kernel entry points and exception stubs.
;
; The boot contract (include/lwkboot/boot_info.h, IHK spec chapter 2):
; 64-bit mode, paging on with the temporary tables, interrupts off,
; rdi = boot_info physical address, rsi = image physical base, rsp = top
; of the core's own boot stack.
;
; asm-offsets.inc is generated from cokernel/lib/asm-offsets.c: the layout
; of struct lwk_regs (internal.h) and the exception vectors of
; include/lwkboot/x86.h.

%include "asm-offsets.inc"

; The stub pushes error code and vector; the CPU's frame lies just above.
%if REGS_ERROR != REGS_VECTOR + 8 || REGS_RIP != REGS_ERROR + 8
%error "struct lwk_regs: vector, error and the CPU's frame must follow each other"
%endif

	bits 64
	section .text.entry

	extern lwk_start
	extern lwk_exception

global lwk_entry
lwk_entry:
	cli
	cld
	and	rsp, -16		; entered as after a call: align for ours
	call	lwk_start		; (boot_info, image); does not return
.halt:
	hlt
	jmp	.halt

	section .text

; Reload CS after lgdt: far return to the new code selector (rdi).
global lwk_reload_cs
lwk_reload_cs:
	pop	rax			; return address
	push	rdi
	push	rax
	o64 retf

; Exception stubs: vectors in LWKB_EXC_ERRCODE get an error code from the
; CPU (SDM vol. 3A, 6.13 "Error Code"); the others push 0, so every frame
; has the same shape for lwk_exception(struct lwk_regs *).
%macro STUB 1
global isr_%1
isr_%1:
%if ((LWKB_EXC_ERRCODE >> %1) & 1) = 0
	push	0
%endif
	push	%1
	jmp	isr_common
%endmacro

%assign v 0
%rep LWKB_NR_EXCEPTIONS
	STUB v
%assign v v + 1
%endrep

; The general registers go below the vector, each where struct lwk_regs
; has it; RESTORE_ALL takes them back.
%macro SAVE_ALL 0
	sub	rsp, REGS_VECTOR
	mov	[rsp + REGS_RAX], rax
	mov	[rsp + REGS_RBX], rbx
	mov	[rsp + REGS_RCX], rcx
	mov	[rsp + REGS_RDX], rdx
	mov	[rsp + REGS_RSI], rsi
	mov	[rsp + REGS_RDI], rdi
	mov	[rsp + REGS_RBP], rbp
	mov	[rsp + REGS_R8], r8
	mov	[rsp + REGS_R9], r9
	mov	[rsp + REGS_R10], r10
	mov	[rsp + REGS_R11], r11
	mov	[rsp + REGS_R12], r12
	mov	[rsp + REGS_R13], r13
	mov	[rsp + REGS_R14], r14
	mov	[rsp + REGS_R15], r15
%endmacro
%macro RESTORE_ALL 0
	mov	rax, [rsp + REGS_RAX]
	mov	rbx, [rsp + REGS_RBX]
	mov	rcx, [rsp + REGS_RCX]
	mov	rdx, [rsp + REGS_RDX]
	mov	rsi, [rsp + REGS_RSI]
	mov	rdi, [rsp + REGS_RDI]
	mov	rbp, [rsp + REGS_RBP]
	mov	r8, [rsp + REGS_R8]
	mov	r9, [rsp + REGS_R9]
	mov	r10, [rsp + REGS_R10]
	mov	r11, [rsp + REGS_R11]
	mov	r12, [rsp + REGS_R12]
	mov	r13, [rsp + REGS_R13]
	mov	r14, [rsp + REGS_R14]
	mov	r15, [rsp + REGS_R15]
	add	rsp, REGS_VECTOR
%endmacro

isr_common:
	SAVE_ALL
	mov	rdi, rsp		; struct lwk_regs *
	and	rsp, -16
	call	lwk_exception		; does not return
.halt:
	cli
	hlt
	jmp	.halt

; Interrupt entries (LAPIC timer, IKC doorbell): save the registers the C
; ABI lets a callee clobber, call the handler, return with iretq.  The CPU
; aligns rsp to 16 before its 5-word frame (64-bit mode); 9 more pushes
; leave it 8 off, which is what a call expects.
; The 9 registers the C ABI lets a callee clobber (System V AMD64 ABI).
SCRATCH_BYTES	equ 9 * 8
%macro SAVE_SCRATCH 0
	push	rax
	push	rcx
	push	rdx
	push	rsi
	push	rdi
	push	r8
	push	r9
	push	r10
	push	r11
%endmacro
%macro RESTORE_SCRATCH 0
	pop	r11
	pop	r10
	pop	r9
	pop	r8
	pop	rdi
	pop	rsi
	pop	rdx
	pop	rcx
	pop	rax
%endmacro

%macro IRQ_STUB 2
	extern %2
global %1
%1:
	SAVE_SCRATCH
	cld
	call	%2
	RESTORE_SCRATCH
	iretq
%endmacro

	IRQ_STUB isr_timer, lwk_timer_irq
	IRQ_STUB isr_ikc, lwk_ikc_irq

; Spurious interrupts (SVR vector 0xff) need no EOI (SDM vol. 3A,
; "Spurious Interrupt").
global isr_spurious
isr_spurious:
	iretq

; Every other vector from 32 to 255, and the NMI: interrupts the LWK did not
; ask for.  A host that sends IPIs with the all-but-self shorthand (Linux
; does once every present CPU has booted, arch/x86/kernel/apic/ipi.c) reaches
; the LWK's cores too; without a present gate such a vector would be a #GP
; (SDM vol. 3A, "Interrupt Descriptor Table").  Each stub pushes its vector
; and lwk_stray_irq() acknowledges and counts it.  Stack: the CPU aligns rsp
; to 16 and pushes 5 words; the vector and 9 registers make 15 words, so one
; more word aligns the call.
	extern lwk_stray_irq
%macro STRAY 1
isr_stray_%1:
	push	%1
	jmp	stray_common
%endmacro

%assign v LWKB_NR_EXCEPTIONS
%rep 256 - LWKB_NR_EXCEPTIONS
	STRAY v
%assign v v + 1
%endrep

stray_common:
	SAVE_SCRATCH
	mov	rdi, [rsp + SCRATCH_BYTES]	; the vector
	sub	rsp, 8
	cld
	call	lwk_stray_irq
	add	rsp, 8
	RESTORE_SCRATCH
	add	rsp, 8			; the vector
	iretq

; The NMI (IST 2, its own stack): a whole struct lwk_regs frame, so that
; lwk_nmi() (dump.c) can save what the core was doing when a dump asks for
; a snapshot; then back to it.  An NMI needs no EOI (SDM vol. 3A, "NMI
; Interrupt Handling").  Stack: the CPU aligns rsp to 16 and pushes 5
; words; with the error code, the vector and 15 registers that makes 22
; words, so rsp is aligned for the call.
	extern lwk_nmi
global isr_nmi
isr_nmi:
	push	0			; error code
	push	LWKB_VEC_NMI
	SAVE_ALL
	mov	rdi, rsp		; struct lwk_regs *
	cld
	call	lwk_nmi
	RESTORE_ALL
	add	rsp, 16			; the vector and the error code
	iretq

	section .rodata
global isr_table
isr_table:
%assign v 0
%rep LWKB_NR_EXCEPTIONS
	dq	isr_%[v]
%assign v v + 1
%endrep
global stray_table
stray_table:				; vectors LWKB_NR_EXCEPTIONS to 255
%assign v LWKB_NR_EXCEPTIONS
%rep 256 - LWKB_NR_EXCEPTIONS
	dq	isr_stray_%[v]
%assign v v + 1
%endrep
