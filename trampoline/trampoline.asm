; SPDX-License-Identifier: MIT
;
; lwkboot trampoline: real mode -> protected mode -> long mode -> LWK entry.
;
; One 4 KiB page, installed by loader/ at any page below 1 MiB and started
; by a STARTUP IPI.  Layout and data block: include/lwkboot/trampoline.h;
; its offsets and the x86 bits (include/lwkboot/x86.h) come from C through
; asm-offsets.inc, generated at build time from trampoline/asm-offsets.c.
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
; The slot table lies anywhere below 4 GiB (TD_SLOTS_PHYS), so the search
; runs in 32-bit protected mode with flat segments; real mode only counts
; the core in TD_ENTERED (a core stuck before its slot shows there).

%include "asm-offsets.inc"

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
	xor	eax, eax		; LWKB_CPUID_MAX
	cpuid
	cmp	eax, LWKB_CPUID_TOPOLOGY
	jb	.leaf1
	mov	eax, LWKB_CPUID_TOPOLOGY
	xor	ecx, ecx
	cpuid
	test	bx, bx			; LWKB_CPUID_0B_EBX_CPUS: 0 if invalid
	jz	.leaf1
	mov	esi, edx
	jmp	.have_id
.leaf1:
	mov	eax, LWKB_CPUID_FEATURES
	cpuid
	shr	ebx, LWKB_CPUID_01_EBX_APIC_ID_SHIFT
	mov	esi, ebx
.have_id:
	mov	ax, cs			; CPUID clobbered EBX: recompute the base
	movzx	ebx, ax
	shl	ebx, 4

	lock inc dword [TD_ENTERED]

	; A 32-bit operand size loads all 32 bits of the GDT base; with a
	; 16-bit operand only 24 bits are loaded (SDM vol. 2A, LGDT).
	o32 lgdt [TD_GDTR_LIMIT]
	o32 lidt [TD_IDTR_LIMIT]	; limit 0: any exception shuts us down

	; Write CR0 whole: PE | ET | NE, which also clears CD and NW (an INIT
	; leaves them as they were; a SIPI after RESET has them set).
	mov	eax, LWKB_CR0_PE | LWKB_CR0_ET | LWKB_CR0_NE
	mov	cr0, eax
	jmp	dword far [TD_FAR32]	; to tramp_pm32 in LWKB_TRAMP_CS32

	bits 32
global tramp_pm32
tramp_pm32:
	mov	ax, LWKB_TRAMP_DS
	mov	ds, ax
	mov	es, ax
	mov	ss, ax
	mov	fs, ax
	mov	gs, ax

	; Our slot: the first of min(nr_slots, max_slots) with our APIC id.
global tramp_find_slot
tramp_find_slot:
	; The page is the LWK's once it runs: never trust its room beyond
	; the protocol's 8192 slots either.
	mov	ecx, [ebx + TD_NR_SLOTS]
	cmp	ecx, [ebx + TD_MAX_SLOTS]
	jbe	.count_ok
	mov	ecx, [ebx + TD_MAX_SLOTS]
.count_ok:
	cmp	ecx, LWKB_TRAMP_MAX_SLOTS
	jbe	.count_max
	mov	ecx, LWKB_TRAMP_MAX_SLOTS
.count_max:
	mov	edi, [ebx + TD_SLOTS_PHYS]
.next:
	jecxz	.no_slot
	cmp	[edi + SLOT_APIC_ID], esi
	je	.found
	add	edi, SLOT_SIZE
	dec	ecx
	jmp	.next
.no_slot:
	lock inc dword [ebx + TD_STRAY]
.park32:
	hlt
	jmp	.park32
.found:
	mov	dword [edi + SLOT_STAGE], LWKB_STAGE_REAL

	; Long mode (SDM vol. 3A, "Initializing IA-32e Mode"): CR4.PAE, CR3,
	; EFER.LME (and NXE, so entries with XD set are legal), then CR0.PG.
	mov	eax, [ebx + TD_CR4]
	mov	cr4, eax
	mov	eax, [ebx + TD_CR3]	; 32-bit CR3: why the table is below 4 GiB
	mov	cr3, eax
	mov	ecx, LWKB_MSR_EFER
	rdmsr
	or	eax, [ebx + TD_EFER_SET]
	wrmsr
	mov	dword [edi + SLOT_STAGE], LWKB_STAGE_PROT
global tramp_paging_on
tramp_paging_on:
	mov	eax, LWKB_CR0_PG | LWKB_CR0_PE | LWKB_CR0_ET | LWKB_CR0_NE
	mov	cr0, eax		; now IA-32e compatibility mode, EFER.LMA = 1
	jmp	far [ebx + TD_FAR64]	; to tramp_lm64 in LWKB_TRAMP_CS64

	bits 64
global tramp_lm64
tramp_lm64:
	mov	ax, LWKB_TRAMP_DS
	mov	ds, ax
	mov	es, ax
	mov	ss, ax
	xor	eax, eax
	mov	fs, ax
	mov	gs, ax
	mov	ebx, ebx		; upper halves are undefined across the
	mov	edi, edi		; mode switch: zero-extend explicitly
	mov	dword [rdi + SLOT_STAGE], LWKB_STAGE_LONG

	; Two arguments (docs/boot-contract.md): a core finds its LWK id
	; from its APIC id in boot_info.  Its slot index would not do: the
	; waker fills the slots anew for each call, in the order of that
	; call's cores, so the index names a place in one call's list.
	mov	rsp, [rdi + SLOT_STACK_TOP]
	mov	rax, [rbx + TD_ENTRY]
	mov	rsi, [rbx + TD_ARG1]	; physical base of the image
	mov	dword [rdi + SLOT_STAGE], LWKB_STAGE_JUMPED
	mov	rdi, [rbx + TD_ARG0]	; physical address of boot_info
	push	0			; fake return address: (rsp + 8) % 16 == 0
	xor	ebp, ebp
global tramp_jump_entry
tramp_jump_entry:
	jmp	rax

global tramp_code_end
tramp_code_end:
%if tramp_code_end - tramp_start > LWKB_TRAMP_DATA_OFF
%error "trampoline code overlaps the data block"
%endif

	times LWKB_TRAMP_DATA_OFF - ($ - $$) db 0xcc

; AT TD_x: pad with zeros up to field x of the data block.  A field written
; past its place makes the count negative, which NASM refuses.
%macro AT 1
	times (%1) - ($ - $$) db 0
%endmacro

; struct lwkb_tramp_data (include/lwkboot/trampoline.h), with what the
; loader does not patch already filled in; every field not named is 0.
global tramp_data
tramp_data:
	AT TD_MAGIC
	dq	LWKB_TRAMP_MAGIC
	AT TD_VERSION
	dd	LWKB_TRAMP_VERSION
	AT TD_CODE_SIZE
	dd	tramp_code_end - tramp_start
	AT TD_GDTR_LIMIT
	dw	TD_GDT_SIZE - 1
	AT TD_GDTR_BASE
	dd	tramp_gdt - tramp_start	; (+ page_phys)
	AT TD_FAR32			; offset, then selector (+ page_phys)
	dd	tramp_pm32 - tramp_start, LWKB_TRAMP_CS32
	AT TD_FAR64
	dd	tramp_lm64 - tramp_start, LWKB_TRAMP_CS64
	AT TD_GDT			; idtr_limit 0 before it
tramp_gdt:
	; The accessed bit is preset so the CPU never writes the GDT.
	dq	0			; null
	dq	LWKB_DESC_CODE32	; LWKB_TRAMP_CS32: 32-bit code, base 0, 4 GiB
	dq	LWKB_DESC_DATA		; LWKB_TRAMP_DS: data, base 0, 4 GiB
	dq	LWKB_DESC_CODE64	; LWKB_TRAMP_CS64: 64-bit code (L = 1, D = 0)
	AT LWKB_TRAMP_DATA_OFF + TD_SIZE
tramp_data_end:
%if tramp_data_end - tramp_start > LWKB_TRAMP_SIZE
%error "data block runs past the page"
%endif
