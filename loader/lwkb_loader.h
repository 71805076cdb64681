/* SPDX-License-Identifier: MIT */
/*
 * loader/: the freestanding bring-up library, used by the Linux module, the
 * EFI host and the co-kernel alike.  No libc, no Linux or EFI headers: all
 * it needs from its caller comes through struct lwkb_platform (IPIs,
 * delays, log), struct lwkb_host_ops (a host's allocations) or plain
 * memory.  Every function returns 0 or a negative LWKB_E* error code.
 */
#ifndef LWKBOOT_LOADER_LWKB_LOADER_H
#define LWKBOOT_LOADER_LWKB_LOADER_H

#include "lwkboot/types.h"
#include "lwkboot/boot_info.h"
#include "lwkboot/trampoline.h"
#include "lwkboot/kmsg.h"
#include "lwkboot/status.h"
#include "lwkb_parse.h"	/* lists, sizes, numbers, bits; lwkb_err */
#include "lwkb_elf.h"	/* ELF64 validation and loading */
#include "lwkb_linux.h"	/* Linux bzImages as the co-kernel */
#include "lwkboot/x86.h"

typedef __builtin_va_list lwkb_va_list;

#define LWKB_PAGE_SIZE	4096ULL
#define LWKB_2M		(1ULL << 21)
#define LWKB_1G		(1ULL << 30)
#define LWKB_ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((lwkb_u64)(a) - 1))

/* ---- string and formatting (lib.c, format.c) ---- */
void *lwkb_memset(void *d, int c, lwkb_size_t n);
void *lwkb_memcpy(void *d, const void *s, lwkb_size_t n);
int lwkb_memcmp(const void *a, const void *b, lwkb_size_t n);
lwkb_size_t lwkb_strlen(const char *s);
lwkb_size_t lwkb_strnlen(const char *s, lwkb_size_t max);
int lwkb_strncmp(const char *a, const char *b, lwkb_size_t n);
/* %d %i %u %x %X %s %c %p %%, flags '0' '-', width, %.Ns/%.*s, l ll z */
int lwkb_vsnprintf(char *buf, lwkb_size_t len, const char *fmt, lwkb_va_list ap);
int lwkb_snprintf(char *buf, lwkb_size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- the platform a caller provides ---- */
struct lwkb_platform {
	void *ctx;
	/* INIT (level, assert) to one APIC id; 0 or negative error. */
	int (*send_init)(void *ctx, lwkb_u32 apic_id);
	/* STARTUP IPI with the page number 'vector'; 0 or negative error. */
	int (*send_sipi)(void *ctx, lwkb_u32 apic_id, lwkb_u8 vector);
	/* Busy-wait at least 'us' microseconds. */
	void (*udelay)(void *ctx, lwkb_u32 us);
	/* One line of log text, without the trailing newline. */
	void (*log)(void *ctx, const char *msg);
};
void lwkb_logf(const struct lwkb_platform *pf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- 4-level page tables (pgtable.c; entry bits in lwkboot/x86.h) ---- */
struct lwkb_pt {
	lwkb_u64 root;		/* physical address of the PML4 */
	/* Returns the physical address of a zeroed page, or 0. */
	lwkb_u64 (*alloc)(void *ctx);
	/* Where the caller can write a table page it got from alloc(). */
	void *(*p2v)(void *ctx, lwkb_u64 phys);
	void *ctx;
	int allow_1g;		/* the CPU has 1 GiB pages (CPUID pdpe1gb) */
	lwkb_u32 pages;		/* table pages allocated so far */
};
/* Allocates the PML4. */
int lwkb_pt_init(struct lwkb_pt *pt);
/* Maps [virt, virt+size) -> phys with the largest pages that fit. */
int lwkb_pt_map(struct lwkb_pt *pt, lwkb_u64 virt, lwkb_u64 phys,
		lwkb_u64 size, lwkb_u64 flags);

/*
 * The temporary table of the boot contract, built from a pool of pages
 * below 4 GiB: identity [0, ident_end) and LWKB_KERNEL_VBASE + [0,
 * high_size) -> high_phys.  Uses 1 GiB pages where allowed, else 2 MiB,
 * and 4 KiB pages only where alignment forces them.  When the identity
 * range ends at or below 510 GiB, PML4[511] shares the identity PDPT
 * (its entries 510-511 are otherwise unused), saving one page.
 * Typical counts: 3 pages with 1 GiB pages, 3 + ident_end/1 GiB with
 * 2 MiB pages (a 2 MiB-aligned image up to 1 GiB).
 */
struct lwkb_tmp_pt {
	void *pool_virt;
	lwkb_u64 pool_phys;	/* page aligned, pool must end below 4 GiB */
	lwkb_u32 pool_pages;
	int allow_1g;
	lwkb_u64 ident_end;	/* rounded up to the page size used */
	lwkb_u64 high_phys;
	lwkb_u64 high_size;	/* at most 2 GiB */
	/* out */
	lwkb_u64 cr3;
	lwkb_u32 pages_used;
};
int lwkb_tmp_pt_build(struct lwkb_tmp_pt *t);
/* Pool pages lwkb_tmp_pt_build() needs at most for these arguments; 0 if bad. */
lwkb_u32 lwkb_tmp_pt_pages(int allow_1g, lwkb_u64 ident_end, lwkb_u64 high_phys,
			   lwkb_u64 high_size);

/* ---- trampoline (tramp.c) ---- */
extern const lwkb_u8 lwkb_tramp_blob[];
extern const lwkb_u32 lwkb_tramp_blob_size;
struct lwkb_tramp_params {
	lwkb_u64 page_phys;	/* page aligned, below 0xA0000 */
	lwkb_u64 cr3;		/* below 4 GiB */
	lwkb_u32 cr4;
	lwkb_u32 efer_set;
	lwkb_u64 entry;
	lwkb_u64 arg0;
	lwkb_u64 arg1;
	lwkb_u64 slots_phys;	/* the slot table: 16-byte aligned, ends below 4 GiB */
	lwkb_u32 max_slots;	/* its room, 1 to LWKB_TRAMP_MAX_SLOTS */
};
/* Copies the blob to 'page' (its mapping), relocates it, points it at the slot table. */
int lwkb_tramp_install(void *page, const struct lwkb_tramp_params *p);
/* Points an installed page at a new entry (the LWK reuses the page). */
void lwkb_tramp_set_entry(void *page, lwkb_u64 entry, lwkb_u64 arg0, lwkb_u64 arg1);
/*
 * The slot table through the caller's mapping 'slots' of the page's
 * slots_phys, with the room the caller allocated ('room' slots; a page
 * whose max_slots differs is refused with -LWKB_EINVAL).  clear_slots also
 * zeroes the entered and stray counts.  add_slot returns the slot index
 * (slots fill in order from 0 after clear_slots), or a negative error:
 * -LWKB_ENOSPC when full.
 */
int lwkb_tramp_add_slot(void *page, struct lwkb_tramp_slot *slots, lwkb_u32 room,
			lwkb_u32 apic_id, lwkb_u64 stack_top);
int lwkb_tramp_clear_slots(void *page, struct lwkb_tramp_slot *slots, lwkb_u32 room);
struct lwkb_tramp_data *lwkb_tramp_data(void *page);

/* ---- waking cores (wake.c) ---- */
struct lwkb_wake_params {
	lwkb_u32 init_delay_us;	/* INIT -> SIPI; SDM example 10000, 0 allowed */
	lwkb_u32 sipi_delay_us;	/* after the first SIPI, before checking (200) */
	lwkb_u32 timeout_us;	/* how long to wait for every core (1000000) */
	lwkb_u32 poll_us;	/* polling step (10) */
};
void lwkb_wake_defaults(struct lwkb_wake_params *wp);
struct lwkb_wake_core {
	lwkb_u32 apic_id;
	lwkb_u32 lwk_id;	/* for messages */
	lwkb_u32 host_cpu;	/* for messages */
	lwkb_u64 stack_top;
	/* out */
	lwkb_u32 stage;		/* last stage seen */
	lwkb_u32 sipis;		/* STARTUP IPIs sent */
	lwkb_u32 elapsed_us;	/* when it reached LWKB_STAGE_JUMPED */
};
/*
 * Starts cores[0..n) in parallel through the installed trampoline 'page'
 * (physical page_phys): slots for all, INIT to all, one delay, SIPI to
 * all, a second SIPI to those still at stage none after sipi_delay_us,
 * then polls until every core has jumped to the entry or timeout_us.
 * A core that did not arrive is logged with its number and last stage,
 * sent INIT again (so it waits for SIPI and runs nothing), and the call
 * returns -LWKB_ETIMEDOUT.  The slots are set anew on each call.
 */
int lwkb_wake_cores(const struct lwkb_platform *pf, void *page,
		    lwkb_u64 page_phys, struct lwkb_tramp_slot *slots, lwkb_u32 room,
		    struct lwkb_wake_core *cores,
		    lwkb_u32 n, const struct lwkb_wake_params *wp);

/* ---- local APIC back ends (apic.c); need ring 0 ---- */
struct lwkb_apic {
	int x2apic;			/* 1: MSR ICR, 0: MMIO ICR */
	volatile lwkb_u32 *mmio;	/* xAPIC register page (mapped UC) */
	lwkb_u32 icr_timeout_loops;	/* delivery-status polls (xAPIC) */
};
int lwkb_apic_send_init(struct lwkb_apic *a, lwkb_u32 apic_id);
/* A 32-bit local APIC register by its xAPIC offset, in either mode. */
lwkb_u32 lwkb_apic_read(struct lwkb_apic *a, lwkb_u32 reg);
void lwkb_apic_write(struct lwkb_apic *a, lwkb_u32 reg, lwkb_u32 v);
int lwkb_apic_send_sipi(struct lwkb_apic *a, lwkb_u32 apic_id, lwkb_u8 vector);
/* An NMI (the co-kernel's crash snapshot of its other cores). */
int lwkb_apic_send_nmi(struct lwkb_apic *a, lwkb_u32 apic_id);
lwkb_u32 lwkb_apic_self_id(struct lwkb_apic *a);
/* Sets IA32_APIC_BASE.EXTD; 0, or -LWKB_ENOSYS without CPUID x2APIC. */
int lwkb_apic_enable_x2apic(struct lwkb_apic *a);
/* CPUID helpers */
int lwkb_cpu_has_1g_pages(void);
int lwkb_cpu_has_nx(void);
int lwkb_cpu_has_x2apic(void);
lwkb_u32 lwkb_cpu_apic_id(void);	/* CPUID leaf 0Bh, else leaf 1 */

/*
 * ---- boot_info (bootinfo.c) ----
 * The adders fail with -LWKB_ENOSPC when boot_info's table is full (and
 * add_core with -LWKB_EEXIST for an APIC id or host CPU already listed,
 * add_chunk with -LWKB_EINVAL for end <= start); a caller must look.
 */
#define LWKB_MUST_CHECK __attribute__((warn_unused_result))
/*
 * Bytes of a boot_info with room for this many cores, chunks and NUMA
 * nodes (and LWKB_KARGS_SIZE of arguments); 0 when a count is 0 or above
 * its LWKB_MAX_*.  init lays it out in buf_size bytes: -LWKB_EINVAL for
 * such counts, -LWKB_ENOSPC when it does not fit.
 */
lwkb_u64 lwkb_bootinfo_size(lwkb_u32 cores, lwkb_u32 chunks, lwkb_u32 numa);
LWKB_MUST_CHECK int lwkb_bootinfo_init(struct lwkb_boot_info *bi, lwkb_u64 buf_size,
				       lwkb_u32 cores, lwkb_u32 chunks, lwkb_u32 numa);
LWKB_MUST_CHECK int lwkb_bootinfo_add_core(struct lwkb_boot_info *bi, lwkb_u32 host_cpu,
					   lwkb_u32 apic_id, lwkb_u32 numa_id);
LWKB_MUST_CHECK int lwkb_bootinfo_add_chunk(struct lwkb_boot_info *bi, lwkb_u64 start,
					    lwkb_u64 end, lwkb_u32 numa_id);
LWKB_MUST_CHECK int lwkb_bootinfo_add_numa(struct lwkb_boot_info *bi, lwkb_u32 host_id,
					   lwkb_u32 type);
/* -LWKB_E2BIG if it does not fit in LWKB_KARGS_SIZE with its NUL. */
LWKB_MUST_CHECK int lwkb_bootinfo_set_kargs(struct lwkb_boot_info *bi, const char *kargs);
/*
 * Structural checks an LWK runs at entry, before it uses any array: magic,
 * version, size at most buf_size (what the reader can see), every array
 * inside size, counts within room.  Message into err.
 */
int lwkb_bootinfo_check(const struct lwkb_boot_info *bi, lwkb_u64 buf_size, char *err,
			lwkb_size_t errlen);

/* ---- preparing an instance (boot.c) ---- */
struct lwkb_prepare {
	/* in: LWK memory, 2 MiB aligned, mapped at mem_virt */
	lwkb_u64 mem_phys;
	lwkb_u64 mem_size;
	void *mem_virt;
	const void *elf;
	lwkb_u64 elf_size;
	/* trampoline page (below 0xA0000) */
	lwkb_u64 tramp_phys;
	void *tramp_virt;
	/* the pool the temporary table is built in (below 4 GiB) */
	lwkb_u64 pt_pool_phys;
	void *pt_pool_virt;
	lwkb_u32 pt_pool_pages;
	lwkb_u64 ident_end;	/* at least all RAM and the local APIC */
	int allow_1g;
	int nx;
	lwkb_u32 apic_mode;
	lwkb_u64 apic_phys;
	lwkb_u64 tsc_khz;
	lwkb_u64 kmsg_phys;
	lwkb_u64 kmsg_size;
	lwkb_u64 status_phys;
	lwkb_u32 stack_size;	/* per core, multiple of 4 KiB; 0 = 16 KiB */
	lwkb_u32 nr_cores;	/* boot stacks to set aside, room in boot_info */
	lwkb_u32 nr_chunks;	/* room for memory chunks in boot_info; 0 = 1 */
	lwkb_u32 nr_numa;	/* room for NUMA nodes in boot_info; 0 = 1 */
	lwkb_u32 numa_host;	/* host NUMA id of mem_phys: becomes LWK NUMA 0 */
	/* the trampoline's slot table: pages below 4 GiB, outside LWK memory */
	lwkb_u64 slots_phys;
	void *slots_virt;
	lwkb_u32 max_slots;	/* at least nr_cores */
	/* out */
	struct lwkb_boot_info *bi;	/* in LWK memory; caller adds cores, kargs */
	lwkb_u64 bi_phys;
	lwkb_u64 entry;
};
/*
 * Loads the ELF at mem_phys, places boot_info (sized for nr_cores,
 * nr_chunks, nr_numa) and the boot stacks after
 * the image, builds the temporary page table in the pool (its PML4 and
 * the pages it used: bi->pt_phys, bi->pt_pages) and installs the
 * trampoline.  Nothing outside [mem_virt, +mem_size), the trampoline page
 * and the table pool is written; the ELF is checked before any byte is
 * copied.  boot_info gets NUMA node 0 (numa_host) and the first chunk.
 */
int lwkb_prepare(struct lwkb_prepare *p, char *err, lwkb_size_t errlen);
/* boot_info's fields from the host and the temporary table alone (the ELF
 * and the Linux paths add the image's place and the stacks). */
void lwkb_bootinfo_fill_host(struct lwkb_boot_info *bi, const struct lwkb_prepare *p,
			     const struct lwkb_tmp_pt *t);
/* After cores were added: stack top of LWK core 'lwk_id'. */
lwkb_u64 lwkb_stack_top(const struct lwkb_boot_info *bi, lwkb_u32 lwk_id);

/*
 * Host: formats the status area (status.h) of area_size bytes, at least
 * LWKB_STATUS_AREA_SIZE(nr_cores): zeroed, magic, no panic vector, and
 * where each core's register save area is (bootinfo.c).
 */
void lwkb_status_init(struct lwkb_status_page *st, lwkb_u64 area_size);

/*
 * ---- booting an instance from a host (host.c) ----
 * The one sequence the Linux module and the EFI host run; each only
 * allocates memory its own way (struct lwkb_host_ops) and sends IPIs
 * through its struct lwkb_platform.
 *
 *   lwkb_host_prepare: the identity end (all RAM and the local APIC), the
 *     table pool sized by lwkb_tmp_pt_pages and allocated by the host,
 *     lwkb_prepare, then the cores, further memory chunks, their NUMA
 *     nodes, the kernel arguments and the IKC area into boot_info, and
 *     the status area formatted.  Every refusal names the value; what
 *     does not fit in boot_info (a core listed twice, too many chunks or
 *     NUMA nodes, kernel arguments too long) is -LWKB_EINVAL.
 *   lwkb_host_start: status BOOTING, LWK core 0 woken (it starts the
 *     others); status INACTIVE again when it did not arrive.
 *
 * Between the two the host may do what must come last before an LWK
 * runs (the EFI host leaves the firmware; the module marks the instance
 * booted).  On a failure the host frees what it allocated, the pool too.
 */
struct lwkb_host_core {
	lwkb_u32 host_cpu;	/* Linux CPU, or MADT order under EFI */
	lwkb_u32 apic_id;
	lwkb_u32 host_node;	/* host NUMA node */
	lwkb_u32 ikc_cpu;	/* host CPU its IKC messages go to (boot_info.ikc_map) */
};
struct lwkb_host_chunk {
	lwkb_u64 start;
	lwkb_u64 end;		/* exclusive */
	lwkb_u32 host_node;
};
struct lwkb_host_ops {
	/* 'pages' contiguous pages below 4 GiB for the temporary table; 0 or
	 * a negative error, which lwkb_host_prepare returns with a message
	 * naming the number of pages.  The host frees them. */
	int (*alloc_pt_pool)(void *ctx, lwkb_u32 pages, lwkb_u64 *phys, void **virt);
	/* LWK core i (0 <= i < prep.nr_cores); core 0 is the one the host wakes. */
	void (*core)(void *ctx, lwkb_u32 i, struct lwkb_host_core *c);
	/* The next memory chunk after the first (prep.mem_phys): 1, or 0 when
	 * there is none left.  NULL: the first is all. */
	int (*next_chunk)(void *ctx, struct lwkb_host_chunk *c);
	/* Distance between two host NUMA nodes (ACPI SLIT units).  NULL: 10
	 * local, 20 remote. */
	lwkb_u32 (*numa_distance)(void *ctx, lwkb_u32 from, lwkb_u32 to);
};
struct lwkb_host {
	/* in: everything lwkb_prepare takes but ident_end and the pool */
	struct lwkb_prepare prep;
	lwkb_u64 ram_end;	/* end of the highest RAM the host knows of */
	struct lwkb_status_page *status;	/* mapping of prep.status_phys */
	lwkb_u64 status_size;	/* bytes, at least LWKB_STATUS_AREA_SIZE(nr_cores) */
	lwkb_u64 ikc_phys;	/* IKC area, 0 = none */
	lwkb_u64 ikc_size;
	const char *kargs;
	lwkb_u32 init_delay_us;	/* INIT -> SIPI */
	lwkb_u32 wake_timeout_us;	/* 0: the waker's default */
	const struct lwkb_platform *pf;
	const struct lwkb_host_ops *ops;
	void *ctx;		/* for ops */
	/*
	 * A Linux bzImage instead of the ELF (loader/linux.c): the caller
	 * fills image, initrd, cmdline, the low window, apic_phys,
	 * decoy_apic_id and p2v; lwkb_host_prepare fills the memory and the
	 * cores from ops, plans, loads and builds the tables.  prep.elf is
	 * not used.  NULL: an ELF co-kernel.
	 */
	struct lwkb_linux *lx;
	/* out: LWK core 0 as lwkb_host_start woke it */
	struct lwkb_wake_core core0;
};
int lwkb_host_prepare(struct lwkb_host *h, char *err, lwkb_size_t errlen);
int lwkb_host_start(struct lwkb_host *h);

/* ---- kmsg ring (kmsg.c) ---- */
/* Host: formats the ring in 'area' of area_size bytes (header included). */
int lwkb_kmsg_init(struct lwkb_kmsg *k, lwkb_u64 area_size);
/* LWK: appends bytes (lock-free, see include/lwkboot/kmsg.h); area_size as
 * for init (boot_info's kmsg_size), never the header's size field. */
void lwkb_kmsg_write(struct lwkb_kmsg *k, lwkb_u64 area_size, const char *s, lwkb_size_t n);
/*
 * Host: copies up to len bytes from position *pos into buf, advancing
 * *pos; counts overwritten bytes in *lost.  Returns bytes copied.
 * area_size is what was passed to lwkb_kmsg_init: the header's size field
 * is the LWK's to corrupt, so the reader never uses it.
 */
lwkb_size_t lwkb_kmsg_read(struct lwkb_kmsg *k, lwkb_u64 area_size, lwkb_u64 *pos,
			   char *buf, lwkb_size_t len, lwkb_u64 *lost);

/* ---- IKC rings (ikc.c), layout in include/lwkboot/ikc.h ---- */
struct lwkb_ikc_area;
struct lwkb_ikc_ring;
struct lwkb_ikc_msg;
void lwkb_ikc_init(struct lwkb_ikc_area *a);	/* host: format the area */
struct lwkb_ikc_ring *lwkb_ikc_ring(struct lwkb_ikc_area *a, lwkb_u32 chan, int to_host);
/* 0, -LWKB_EAGAIN when full (push) or empty (pop); one producer, one consumer. */
int lwkb_ikc_push(struct lwkb_ikc_ring *r, const struct lwkb_ikc_msg *m);
int lwkb_ikc_pop(struct lwkb_ikc_ring *r, struct lwkb_ikc_msg *m);

#endif /* LWKBOOT_LOADER_LWKB_LOADER_H */
