/* SPDX-License-Identifier: MIT */
/*
 * The co-kernel library: the LWK-side API of the IHK specification 1.7.1,
 * section 1.2.3 (ihk_mc_*), over the boot_info lwkboot hands the LWK, plus
 * the few services an LWK needs before it has its own: kmsg output, panic,
 * CPU-local data, delays, and starting further cores.
 *
 * An LWK built on this library provides two functions:
 *   void lwk_main(void);              runs on LWK core 0 after setup
 *   void lwk_ap_main(int lwk_id);     runs on every core it starts
 * Both run with the library's GDT, IDT and page tables loaded, interrupts
 * off.  Neither returns (the library halts the core if one does).
 */
#ifndef LWKBOOT_COKERNEL_LWK_H
#define LWKBOOT_COKERNEL_LWK_H

#include "lwkb_loader.h"

/* ---- IHK spec 1.2.3 ---- */
int ihk_mc_get_nr_numa_nodes(void);
int ihk_mc_get_numa_node(int id, int *linux_numa_id, int *type);
int ihk_mc_get_numa_id(void);
int ihk_mc_get_numa_distance(int i, int j);
int ihk_mc_get_nr_memory_chunks(void);
int ihk_mc_get_memory_chunk(int id, unsigned long *start, unsigned long *end,
			    int *numa_id);
int ihk_mc_get_nr_cores(void);
int ihk_mc_get_core(int id, unsigned long *linux_core_id, unsigned long *hw_id,
		    int *numa_id);
int ihk_mc_get_ikc_cpu(int id);
char *ihk_get_kargs(void);
int ihk_get_kmsg_buf(unsigned long *addr, unsigned long *size);
/*
 * Starts the core with APIC id cpu_id at virtual address pc (spec 1.2.3.12).
 * The spec's version returns nothing; this one returns 0, or a negative
 * error when the core did not arrive (the reason is in kmsg).
 */
int ihk_mc_boot_cpu(int cpu_id, unsigned long pc);

/* ---- IKC, after spec 1.2.4 (include/lwkboot/ikc.h) ---- */
struct lwkb_ikc_msg;
typedef void (*ihk_ikc_handler_t)(int channel, struct lwkb_ikc_msg *msg);
/* Accept connections to port; handler runs for every message on them. */
int ihk_ikc_listen_port(lwkb_u32 port, ihk_ikc_handler_t handler);
/* Send msg on a connected regular channel (to the host); 0 or -LWKB_EAGAIN. */
int ihk_ikc_send(int channel, const struct lwkb_ikc_msg *msg);

/* ---- lwkboot extensions ---- */
/* Starts LWK cores ids[0..n) at pc in parallel; 0 or -LWKB_ETIMEDOUT. */
int lwk_boot_cpus(const int *lwk_ids, int n, unsigned long pc);
/* For tests: SIPIs to this LWK core are dropped (a lost IPI). */
extern int lwk_drop_sipi_core;

struct lwkb_boot_info *lwk_boot_info(void);
struct lwkb_status_page *lwk_status(void);
/*
 * Sets the status word (RUNNING only over BOOTING).  Setting RUNNING also
 * sets the status page's freeze_ready, unless lwk_no_freeze: the library's
 * timer tick pauses the core on the host's freeze request.  An LWK some of
 * whose cores do not take the tick with interrupts enabled (lwk_idle)
 * cannot be frozen: it sets lwk_no_freeze before RUNNING.
 */
void lwk_set_status(lwkb_u32 status);
extern int lwk_no_freeze;
int lwk_this_core(void);		/* LWK id of the calling core */
lwkb_u64 lwk_rdtsc(void);
void lwk_udelay(lwkb_u32 us);
lwkb_u64 lwk_ms_since(lwkb_u64 tsc0);
lwkb_u64 lwk_us_since(lwkb_u64 tsc0);
/*
 * n contiguous pages of the image's chunk, zeroed by the library (the host
 * does not clear memory above boot_info.loader_end); physical address, the
 * same as the identity-mapped virtual one.  Panics when none are left.
 */
lwkb_u64 lwk_alloc_pages(lwkb_u64 n);
lwkb_u64 lwk_mem_left(void);	/* bytes lwk_alloc_pages can still hand out */

/* Look up "key=value" in the kernel arguments; copies the value. */
int lwk_karg(const char *key, char *val, lwkb_size_t len);
int lwk_karg_u64(const char *key, lwkb_u64 *out);

int lwk_printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lwk_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void lwk_halt(void) __attribute__((noreturn));
/*
 * Idle with interrupts on: the core sleeps in hlt between timer ticks.  The
 * tick increments the heartbeat (core 0), runs lwk_tick(), pauses the core
 * while the host holds the LWK frozen (then no tick runs, and core 0's
 * heartbeat stops) and parks the core when the host asks for shutdown.
 * Never returns.
 */
void lwk_idle(void) __attribute__((noreturn));
/* Provided by the LWK, called on every timer tick of every core (10 ms). */
void lwk_tick(int lwk_id, lwkb_u64 ms);

/* Entry for further cores: pass it as pc to lwk_boot_cpus/ihk_mc_boot_cpu. */
void lwk_ap_entry(lwkb_u64 bi_phys, lwkb_u64 image_phys);

/* Provided by the LWK. */
void lwk_main(void);
void lwk_ap_main(int lwk_id);

#endif /* LWKBOOT_COKERNEL_LWK_H */
