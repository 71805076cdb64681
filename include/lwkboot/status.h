/* SPDX-License-Identifier: MIT */
/*
 * OS instance status values and the shared status page.
 *
 * The values and their order are those of enum ihklib_os_status in the IHK
 * specification 1.7.1, section 1.2.2.20 (ihk_os_get_status).
 */
#ifndef LWKBOOT_STATUS_H
#define LWKBOOT_STATUS_H

#include "types.h"

enum lwkb_os_status {
	LWKB_STATUS_INACTIVE = 0,	/* before boot / after shutdown */
	LWKB_STATUS_BOOTING = 1,	/* boot requested, not every core up */
	LWKB_STATUS_RUNNING = 2,	/* every LWK core is up */
	LWKB_STATUS_SHUTDOWN = 3,	/* shutting down */
	LWKB_STATUS_PANIC = 4,		/* the LWK panicked (reason in kmsg) */
	LWKB_STATUS_HUNGUP = 5,		/* heartbeat stopped */
	LWKB_STATUS_FREEZING = 6,	/* moving to the frozen state */
	LWKB_STATUS_FROZEN = 7,		/* frozen */
	LWKB_STATUS_NR
};

/* Names as printed by the tools ("RUNNING", ...); NULL past the end. */
static inline const char *lwkb_status_name(lwkb_u32 s)
{
	static const char *const names[LWKB_STATUS_NR] = {
		"INACTIVE", "BOOTING", "RUNNING", "SHUTDOWN",
		"PANIC", "HUNGUP", "FREEZING", "FROZEN",
	};
	return s < LWKB_STATUS_NR ? names[s] : (const char *)0;
}

#define LWKB_STATUS_MAGIC 0x54415453424b574cULL	/* "LWKBSTAT" */

/*
 * The area the host allocates (one page or more: see LWKB_STATUS_AREA_SIZE)
 * and both sides write: the status word and
 * what a monitor needs to tell a live LWK from a dead one.  Aligned 32/64-bit
 * loads and stores (atomic on x86-64).
 *
 * Lifecycle: the host sets BOOTING and starts LWK core 0; the LWK sets
 * RUNNING once every core is up and then increments heartbeat from its
 * timer (every 10 ms in the demo library).  The host calls the LWK HUNGUP
 * when the heartbeat stops for longer than its limit while RUNNING.
 * Graceful shutdown: the host sets SHUTDOWN and shutdown_req = 1; every LWK
 * core notices it at its next timer tick, increments cores_parked and halts
 * with interrupts off (INIT can always take such a core); the host waits
 * for cores_parked == cores, bounded, then INITs every core either way.
 *
 * Freeze and thaw (IHK spec 1.2.2.32 ihk_os_freeze, 1.2.2.33 ihk_os_thaw):
 * an LWK that can pause every core on request sets freeze_ready = 1 before
 * it sets RUNNING; the host refuses to freeze one that did not
 * (-EOPNOTSUPP).  To freeze a RUNNING LWK the host sets freeze_req = 1 and
 * returns at once.  Each LWK core notices it at its next timer tick, counts
 * itself into cores_frozen and waits with interrupts off (NMIs still
 * arrive, so a dump works) until freeze_req is 0 again or shutdown_req is
 * set.  The LWK keeps the status word at FREEZING while 1 to cores - 1
 * cores are frozen and FROZEN when all are, RUNNING again when none is,
 * each change by compare-and-swap from RUNNING, FREEZING or FROZEN only, so
 * a SHUTDOWN, PANIC or HUNGUP stored meanwhile stays.  The heartbeat stops
 * while core 0 is frozen.  Thaw: the host sets freeze_req = 0 (which also
 * cancels a freeze not every core has reached).  Shutdown of a frozen LWK
 * is a shutdown as above: its cores leave the wait and park.  The host
 * keeps its own record of whether it asked for a freeze and reads
 * cores_frozen only to show it.
 */
struct lwkb_status_page {
	lwkb_u64 magic;		/* LWKB_STATUS_MAGIC, set by the host */
	lwkb_u32 status;	/* enum lwkb_os_status */
	lwkb_u32 cores_up;	/* LWK cores that reached their C entry */
	lwkb_u64 heartbeat;	/* incremented by the LWK while it runs */
	lwkb_u32 panic_core;	/* LWK core id that set PANIC */
	lwkb_u32 panic_vector;	/* exception vector, or 0xffffffff */
	lwkb_u32 shutdown_req;	/* host: 1 = park every core now */
	lwkb_u32 cores_parked;	/* LWK: cores that parked for shutdown */
	/*
	 * Interrupts the LWK did not ask for, counted on every core: a host
	 * that broadcasts IPIs (all-but-self shorthand) reaches the LWK's cores
	 * too.  The LWK acknowledges them and goes on; the host shows them.
	 */
	lwkb_u64 stray_irqs;	/* LWK: interrupts at vectors it does not use */
	lwkb_u32 stray_vector;	/* LWK: the last such vector */
	lwkb_u32 nmis;		/* LWK: NMIs received (counted; a dump request's saves) */
	/*
	 * lwkboot dump (docs/debugging.md).  The host allocates the status
	 * area with room for every core's struct lwkb_core_dump, core i's at
	 * regs_offset + i * regs_size from this header.  To take a snapshot
	 * of a RUNNING or HUNGUP LWK it increments dump_req and sends an NMI
	 * to every core that set nmi_ready; a core saves what it was doing in
	 * its nmi slot, stores dump_req in the slot's seq last, and goes on.
	 * A core that faults or panics saves its fault slot and NMIs the
	 * others itself.
	 */
	lwkb_u32 regs_offset;	/* host: the first core's save area, from here */
	lwkb_u32 regs_size;	/* host: bytes from one core's area to the next */
	lwkb_u64 dump_req;	/* host: the latest snapshot request, from 1 */
	/* LWK: end (physical) of what its page allocator has handed out (and
	 * cleared) in the first chunk: a dump reads nothing above it. */
	lwkb_u64 mem_used_end;
	lwkb_u32 freeze_req;	/* host: 1 = pause every core (freeze), 0 = thaw */
	lwkb_u32 cores_frozen;	/* LWK: cores paused for freeze_req now */
	lwkb_u32 freeze_ready;	/* LWK: 1 = its cores honour freeze_req */
	lwkb_u32 reserved32;
	lwkb_u64 reserved[4];
};
LWKB_STATIC_ASSERT(sizeof(struct lwkb_status_page) == 128, "status page layout");

/* Why a core saved its registers (lwkb_regs.why). */
#define LWKB_REGS_NONE		0
#define LWKB_REGS_EXCEPTION	1	/* at an exception; vector and error say which */
#define LWKB_REGS_PANIC		2	/* in lwk_panic(), as at a call from there */
#define LWKB_REGS_NMI		3	/* at the NMI of a dump request */

/*
 * One saved register state.  The first LWKB_REGS_GPRS fields are in the
 * order of Linux's struct user_regs_struct (arch/x86/include/asm/user_64.h),
 * the pr_reg of an ELF core's NT_PRSTATUS note, so the host copies them as
 * they are.  The LWK writes all of it; the host only copies it into a file.
 */
struct lwkb_regs {
	lwkb_u64 r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	lwkb_u64 rax, rcx, rdx, rsi, rdi;
	lwkb_u64 vector;	/* orig_rax's place: the exception vector (2 = NMI) */
	lwkb_u64 rip, cs, rflags, rsp, ss;
	lwkb_u64 fs_base, gs_base, ds, es, fs, gs;
	lwkb_u64 error;		/* the exception's error code, or 0 */
	lwkb_u64 cr0, cr2, cr3, cr4;
	lwkb_u32 why;		/* LWKB_REGS_*; LWKB_REGS_NONE: nothing saved */
	lwkb_u32 reserved;
	lwkb_u64 seq;		/* the dump_req answered (LWKB_REGS_NMI), written last */
};
#define LWKB_REGS_GPRS	27
LWKB_STATIC_ASSERT(sizeof(struct lwkb_regs) == 272, "lwkb_regs layout");
LWKB_STATIC_ASSERT(__builtin_offsetof(struct lwkb_regs, gs) == 26 * 8, "user_regs order");

/* A core's save area: its first exception or panic of this boot, and its
 * answer to the latest snapshot request. */
struct lwkb_core_dump {
	struct lwkb_regs fault;
	struct lwkb_regs nmi;
	/* LWK: 1 once this core's NMI gate is in place.  The host sends a
	 * snapshot NMI only then: before, an NMI could triple-fault it. */
	lwkb_u32 nmi_ready;
	lwkb_u32 reserved[3];
};

/* Bytes of status area the host allocates for nr_cores cores. */
#define LWKB_STATUS_AREA_SIZE(nr_cores) \
	(sizeof(struct lwkb_status_page) + (lwkb_u64)(nr_cores) * sizeof(struct lwkb_core_dump))

#endif /* LWKBOOT_STATUS_H */
