/* SPDX-License-Identifier: MIT */
/*
 * Fixed-width types for the lwkboot ABI.
 *
 * Every side includes these headers: the freestanding loader and co-kernel,
 * the Linux module, the GNU-EFI host and user-space tools.  They therefore
 * include nothing at all and build their types from the compiler's own
 * __UINTn_TYPE__ macros (GCC and clang define them in every mode).
 * The ABI holds physical addresses as lwkb_u64, never pointers.
 */
#ifndef LWKBOOT_TYPES_H
#define LWKBOOT_TYPES_H

typedef __UINT8_TYPE__ lwkb_u8;
typedef __UINT16_TYPE__ lwkb_u16;
typedef __UINT32_TYPE__ lwkb_u32;
/* long long, not __UINT64_TYPE__ (unsigned long on LP64): the Linux kernel's
 * u64 is unsigned long long, and the two must be the same type there. */
typedef unsigned long long lwkb_u64;
typedef __INT32_TYPE__ lwkb_s32;
typedef long long lwkb_s64;

#define LWKB_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
LWKB_STATIC_ASSERT(sizeof(lwkb_u64) == 8, "64-bit");

/* Error codes: the Linux errno values, so the module can return them as-is. */
#define LWKB_EPERM	1
#define LWKB_ENOENT	2
#define LWKB_EIO	5
#define LWKB_E2BIG	7
#define LWKB_ENOEXEC	8
#define LWKB_EAGAIN	11
#define LWKB_ENOMEM	12
#define LWKB_EBUSY	16
#define LWKB_EEXIST	17
#define LWKB_EINVAL	22
#define LWKB_ENOSPC	28
#define LWKB_ERANGE	34
#define LWKB_ENOSYS	38
#define LWKB_ETIMEDOUT	110

#endif /* LWKBOOT_TYPES_H */
