// SPDX-License-Identifier: MIT
/*
 * The constants entry.asm needs, from C: where isr_common stores each
 * register in struct lwk_regs (internal.h), and the exception vectors of
 * include/lwkboot/x86.h.  Compiled with -S only; the Makefile turns the
 * output into build/gen/cokernel/asm-offsets.inc
 * (include/lwkboot/asm-offsets.h).  Not linked into the co-kernel.
 */
#include "internal.h"
#include "lwkboot/asm-offsets.h"

#define REG(name, member)	LWKB_ASM_OFFSET(name, struct lwk_regs, member)

void lwk_asm_offsets(void);
void lwk_asm_offsets(void)
{
	/* struct lwk_regs: the frame lwk_exception() reads */
	REG(REGS_RAX, rax);
	REG(REGS_RBX, rbx);
	REG(REGS_RCX, rcx);
	REG(REGS_RDX, rdx);
	REG(REGS_RSI, rsi);
	REG(REGS_RDI, rdi);
	REG(REGS_RBP, rbp);
	REG(REGS_R8, r8);
	REG(REGS_R9, r9);
	REG(REGS_R10, r10);
	REG(REGS_R11, r11);
	REG(REGS_R12, r12);
	REG(REGS_R13, r13);
	REG(REGS_R14, r14);
	REG(REGS_R15, r15);
	REG(REGS_VECTOR, vector);
	REG(REGS_ERROR, error);
	REG(REGS_RIP, rip);

	/* exception vectors */
	LWKB_ASM_SAME(LWKB_NR_EXCEPTIONS);
	LWKB_ASM_SAME(LWKB_VEC_NMI);
	LWKB_ASM_SAME(LWKB_EXC_ERRCODE);
}
