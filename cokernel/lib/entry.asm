; SPDX-License-Identifier: MIT
;
; Co-kernel entry points and exception stubs.
;
; The boot contract (include/lwkboot/boot_info.h, IHK spec chapter 2):
; 64-bit mode, paging on with the temporary tables, interrupts off,
; rdi = boot_info physical address, rsi = image physical base, rdx = the
; core's trampoline slot, rsp = top of the core's own boot stack.

	bits 64
	section .text.entry

	extern lwk_start
	extern lwk_exception

global lwk_entry
lwk_entry:
	cli
	cld
	and	rsp, -16		; entered as after a call: align for ours
	call	lwk_start		; (boot_info, image, slot); does not return
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

; Exception stubs: vectors with an error code get it from the CPU (SDM
; vol. 3A, "Exception and Interrupt Reference"); the others push 0, so
; every frame has the same shape for lwk_exception(struct lwk_regs *).
%macro STUB 1
global isr_%1
isr_%1:
%if (%1 = 8) || (%1 >= 10 && %1 <= 14) || (%1 = 17) || (%1 = 21) || (%1 = 29) || (%1 = 30)
%else
	push	0
%endif
	push	%1
	jmp	isr_common
%endmacro

%assign v 0
%rep 32
	STUB v
%assign v v + 1
%endrep

; Every general register, in the order struct lwk_regs reads them back
; (cokernel/lib/internal.h: r15 at the lowest address).
%macro PUSH_ALL 0
	push	rax
	push	rbx
	push	rcx
	push	rdx
	push	rsi
	push	rdi
	push	rbp
	push	r8
	push	r9
	push	r10
	push	r11
	push	r12
	push	r13
	push	r14
	push	r15
%endmacro
%macro POP_ALL 0
	pop	r15
	pop	r14
	pop	r13
	pop	r12
	pop	r11
	pop	r10
	pop	r9
	pop	r8
	pop	rbp
	pop	rdi
	pop	rsi
	pop	rdx
	pop	rcx
	pop	rbx
	pop	rax
%endmacro

isr_common:
	PUSH_ALL
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

; Every other vector from 32 to 255: interrupts the LWK did not ask for.  A host that sends IPIs with the all-but-self shorthand (Linux
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


%assign v 32
%rep 224
	STRAY v
%assign v v + 1
%endrep

stray_common:
	SAVE_SCRATCH
	mov	rdi, [rsp + 9 * 8]	; the vector
	sub	rsp, 8
	cld
	call	lwk_stray_irq
	add	rsp, 8
	RESTORE_SCRATCH
	add	rsp, 8			; the vector
	iretq

; The NMI (IST 1, its own stack): a whole struct lwk_regs frame, so that
; lwk_nmi() can save what the core was doing when the host asks for a
; register snapshot (lwkboot dump); then back to it.  An NMI needs no EOI
; (SDM vol. 3A, "Handling an NMI").  Stack: the CPU aligns rsp to 16 and
; pushes 5 words; error, vector and 15 registers make 22 words: aligned.
	extern lwk_nmi
global isr_nmi
isr_nmi:
	push	0			; error code
	push	2			; vector
	PUSH_ALL
	mov	rdi, rsp		; struct lwk_regs *
	cld
	call	lwk_nmi
	POP_ALL
	add	rsp, 16			; vector, error code
	iretq

	section .rodata
global isr_table
isr_table:
%assign v 0
%rep 32
	dq	isr_%[v]
%assign v v + 1
%endrep
global stray_table
stray_table:				; vectors 32-255
%assign v 32
%rep 224
	dq	isr_stray_%[v]
%assign v v + 1
%endrep
