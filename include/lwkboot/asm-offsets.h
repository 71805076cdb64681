/* SPDX-License-Identifier: MIT */
/*
 * C constants for NASM, computed by the compiler (the scheme of Linux's
 * asm-offsets).  A file such as trampoline/asm-offsets.c uses these
 * macros inside a function and is compiled with -S only; every use leaves
 * a line
 *	.ascii "->NAME VALUE EXPRESSION"
 * in the assembly, which scripts/asm-offsets turns into
 *	NAME equ VALUE	; EXPRESSION
 * for the NASM source to %include.  So a struct offset, a size or a bit
 * the C headers define is written once, in C.
 *
 * VALUE comes out as an AT&T immediate ("$788"), in decimal, as a signed
 * 64-bit number: constants must lie below 2^63.
 */
#ifndef LWKBOOT_ASM_OFFSETS_H
#define LWKBOOT_ASM_OFFSETS_H

#define LWKB_ASM_EMIT(name_str, value, expr_str)			\
	__asm__ volatile("\n.ascii \"->" name_str " %0 " expr_str "\""	\
			 : : "i"((long long)(value)))
#define LWKB_ASM_STR(x)			#x
#define LWKB_ASM_XSTR(x)		LWKB_ASM_STR(x)

/* NAME equ VALUE */
#define LWKB_ASM_CONST(name, value)	LWKB_ASM_EMIT(#name, value, #value)
/* A C macro under its own name. */
#define LWKB_ASM_SAME(macro)		LWKB_ASM_EMIT(#macro, macro, LWKB_ASM_XSTR(macro))
#define LWKB_ASM_OFFSET(name, type, member)				\
	LWKB_ASM_CONST(name, __builtin_offsetof(type, member))
#define LWKB_ASM_SIZE(name, type)	LWKB_ASM_CONST(name, sizeof(type))

#endif /* LWKBOOT_ASM_OFFSETS_H */
