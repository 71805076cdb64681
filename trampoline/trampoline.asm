; SPDX-License-Identifier: MIT
;
; lwkboot trampoline: real mode -> protected mode -> long mode -> LWK entry.
;
; One 4 KiB page, installed by loader/ at any page below 1 MiB and started
; by a STARTUP IPI.  Layout and data block: include/lwkboot/trampoline.h.
; Assembled at origin 0; the loader adds the page's physical address to the
; three patched fields (GDTR base, the two far pointers).  Everything else is
; addressed relative to CS (real mode) or to EBX = page base (32/64-bit).
;
; State after SIPI (Intel SDM vol. 3A, "Multiple-Processor Management"):
; CS = VV00h with base VV000h, IP = 0, other segments 0, CR0 = 60000010h
; (caches disabled), interrupts off, EDX = CPUID signature.
;
; Register use: ESI = this core's APIC id, EDI = linear address of its slot,
; EBX = linear base of the page.  No stack is used until the 64-bit stub
; loads the slot's stack, so any number of cores may run this at once.

%include "layout.inc"

	bits 16
	section .text

global tramp_start
tramp_start:
	cli
	cld
	mov	ax, cs
	mov	ds, ax
	movzx	ebx, ax
	shl	ebx, 4			; EBX = page base (CS base)

	; Our APIC id.  CPUID leaf 0Bh gives the 32-bit x2APIC id in EDX
	; (valid if EBX[15:0] != 0); older CPUs only have the 8-bit initial
	; APIC id in CPUID.01h:EBX[31:24] (SDM vol. 2A, CPUID).
	xor	eax, eax
	cpuid
	cmp	eax, 0x0b
	jb	.leaf1
	mov	eax, 0x0b
	xor	ecx, ecx
	cpuid
	test	bx, bx
	jz	.leaf1
	mov	esi, edx
	jmp	.have_id
.leaf1:
	mov	eax, 1
	cpuid
	shr	ebx, 24
	mov	esi, ebx
.have_id:
	mov	ax, cs			; CPUID clobbered EBX: recompute the base
	movzx	ebx, ax
	shl	ebx, 4

global tramp_find_slot
tramp_find_slot:
	mov	ecx, [TD_NR_SLOTS]
	cmp	ecx, MAX_SLOTS
	jbe	.count_ok
	mov	ecx, MAX_SLOTS
.count_ok:
	mov	di, SLOTS_OFF
.next:
	jecxz	.no_slot
	cmp	[di + SLOT_APIC_ID], esi
	je	.found
	add	di, SLOT_SIZE
	dec	ecx
	jmp	.next
.no_slot:
	lock inc dword [TD_STRAY]
.park16:
	hlt
	jmp	.park16

.found:
	mov	dword [di + SLOT_STAGE], STAGE_REAL
	movzx	edi, di
	add	edi, ebx		; EDI = linear address of our slot

	; A 32-bit operand size loads all 32 bits of the GDT base; with a
	; 16-bit operand only 24 bits are loaded (SDM vol. 2A, LGDT).
	o32 lgdt [TD_GDTR_LIMIT]
	o32 lidt [TD_IDTR_LIMIT]	; limit 0: any exception shuts us down

	; Write CR0 whole: PE | ET | NE, which also clears CD and NW (an INIT
	; leaves them as they were; a SIPI after RESET has them set).
	mov	eax, CR0_PE | CR0_ET | CR0_NE
	mov	cr0, eax
	jmp	dword far [TD_FAR32]	; to tramp_pm32 in CS32

	bits 32
global tramp_pm32
tramp_pm32:
	mov	ax, DS_SEL
	mov	ds, ax
	mov	es, ax
	mov	ss, ax
	mov	fs, ax
	mov	gs, ax
	mov	dword [edi + SLOT_STAGE], STAGE_PROT

	; Long mode (SDM vol. 3A, "Initializing IA-32e Mode"): CR4.PAE, CR3,
	; EFER.LME (and NXE, so entries with XD set are legal), then CR0.PG.
	mov	eax, [ebx + TD_CR4]
	mov	cr4, eax
	mov	eax, [ebx + TD_CR3]	; 32-bit CR3: why the table is below 4 GiB
	mov	cr3, eax
	mov	ecx, MSR_EFER
	rdmsr
	or	eax, [ebx + TD_EFER_SET]
	wrmsr
global tramp_paging_on
tramp_paging_on:
	mov	eax, CR0_PG | CR0_PE | CR0_ET | CR0_NE
	mov	cr0, eax		; now IA-32e compatibility mode, EFER.LMA = 1
	jmp	far [ebx + TD_FAR64]	; to tramp_lm64 in CS64

	bits 64
global tramp_lm64
tramp_lm64:
	mov	ax, DS_SEL
	mov	ds, ax
	mov	es, ax
	mov	ss, ax
	xor	eax, eax
	mov	fs, ax
	mov	gs, ax
	mov	ebx, ebx		; upper halves are undefined across the
	mov	edi, edi		; mode switch: zero-extend explicitly
	mov	dword [rdi + SLOT_STAGE], STAGE_LONG

	mov	rsp, [rdi + SLOT_STACK_TOP]
	lea	rdx, [rbx + SLOTS_OFF]
	mov	rax, rdi
	sub	rax, rdx
	shr	rax, 4			; slot index
	mov	rdx, rax		; rdx = slot index (3rd argument)
	mov	rax, [rbx + TD_ENTRY]
	mov	rsi, [rbx + TD_ARG1]	; physical base of the image
	mov	dword [rdi + SLOT_STAGE], STAGE_JUMPED
	mov	rdi, [rbx + TD_ARG0]	; physical address of boot_info
	push	0			; fake return address: (rsp + 8) % 16 == 0
	xor	ebp, ebp
global tramp_jump_entry
tramp_jump_entry:
	jmp	rax

global tramp_code_end
tramp_code_end:
%if tramp_code_end - tramp_start > DATA_OFF
%error "trampoline code overlaps the data block"
%endif

	times DATA_OFF - ($ - $$) db 0xcc

; struct lwkb_tramp_data (include/lwkboot/trampoline.h), with what the
; loader does not patch already filled in.
global tramp_data
tramp_data:
	dq	TRAMP_MAGIC		; magic
	dd	TRAMP_VERSION		; version
	dd	0			; nr_slots
	dd	0			; page_phys
	dd	0			; cr3
	dd	0			; cr4
	dd	0			; efer_set
	dq	0			; entry
	dq	0			; arg0
	dq	0			; arg1
	dd	0			; stray
	dd	tramp_code_end - tramp_start	; code_size
	dw	0, 0, 0			; gdtr_pad
	dw	GDT_SIZE - 1		; gdtr_limit
	dd	tramp_gdt - tramp_start	; gdtr_base (+ page_phys)
	dd	tramp_pm32 - tramp_start, CS32_SEL	; far32 (+ page_phys)
	dd	tramp_lm64 - tramp_start, CS64_SEL	; far64 (+ page_phys)
	dw	0, 0, 0			; idtr_pad
	dw	0			; idtr_limit
	dd	0			; idtr_base
tramp_gdt:
	; The accessed bit is preset so the CPU never writes the GDT.
	dq	0			; null
	dq	0x00cf9b000000ffff	; 0x08: 32-bit code, base 0, 4 GiB
	dq	0x00cf93000000ffff	; 0x10: data, base 0, 4 GiB
	dq	0x00af9b000000ffff	; 0x18: 64-bit code (L = 1, D = 0)
tramp_data_end:
%if tramp_data_end - tramp_data > SLOTS_OFF - DATA_OFF
%error "data block overlaps the slots"
%endif
%if tramp_data_end - tramp_data != TD_SIZE
%error "data block size differs from struct lwkb_tramp_data"
%endif
