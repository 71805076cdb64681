/* SPDX-License-Identifier: MIT */
/*
 * The EFI host: a GNU-EFI application that plays the Linux side of lwkboot
 * on a bare (virtual) machine, so the whole bring-up path can be booted and
 * tested under QEMU/OVMF.  What is declared here uses no EFI types (only
 * main.c and firmware.c include GNU-EFI's headers, through firmware.h).
 */
#ifndef LWKBOOT_EFI_HOST_H
#define LWKBOOT_EFI_HOST_H

#include "lwkb_loader.h"

#define HOST_MAX_CPUS	8192	/* = LWKB_MAX_CORES: any x2APIC machine QEMU or a server has */
#define CFG_VAL_MAX	LWKB_KARGS_SIZE

struct host_cfg {
	int have_cores;
	lwkb_u64 cores[HOST_MAX_CPUS / 64];	/* CPU numbers in MADT order */
	lwkb_u64 mem;			/* LWK memory, bytes */
	char kargs[LWKB_KARGS_SIZE];
	char image[128];		/* path on the boot volume */
	lwkb_u32 apic_mode;		/* 0 = as firmware left it */
	lwkb_u32 init_delay_us;
	lwkb_u32 wake_timeout_ms;	/* host waker: first core */
	lwkb_u32 run_timeout_ms;	/* until RUNNING */
	int drop_sipi_cpu;		/* test: SIPIs to this CPU are lost; -1 off */
	lwkb_u64 tramp;			/* trampoline page to use; 0 = highest free below 0xA0000 */
};

/* Parses the "key=value" lines of lwkboot.cfg; err names the bad line. */
int host_cfg_parse(const char *text, lwkb_size_t len, struct host_cfg *cfg,
		   char *err, lwkb_size_t errlen);
void host_cfg_defaults(struct host_cfg *cfg);

struct host_cpu {
	lwkb_u32 apic_id;
	lwkb_u32 uid;		/* ACPI processor UID */
	lwkb_u32 node;		/* ACPI proximity domain (SRAT), 0 without one */
};

/*
 * Walks an ACPI MADT ("APIC" table, ACPI spec "Multiple APIC Description
 * Table"): enabled Processor Local APIC (type 0) and Local x2APIC (type 9)
 * entries, in table order, become CPU 0, 1, ...  Entries that are only
 * online-capable (hot-pluggable, not present) are skipped.
 */
int host_madt_parse(const void *madt, lwkb_u64 len, struct host_cpu *cpus,
		    lwkb_u32 max, lwkb_u32 *nr, lwkb_u64 *apic_phys,
		    char *err, lwkb_size_t errlen);

/*
 * NUMA from ACPI (ACPI 6.5, 5.2.16 "System Resource Affinity Table" and
 * 5.2.17 "System Locality Information Table"): a host node is an ACPI
 * proximity domain.  host_srat_parse sets each CPU's node from the
 * enabled Processor Local APIC (type 0) and x2APIC (type 2) affinity
 * entries and keeps the enabled memory ranges (type 1), at most
 * HOST_MAX_MEM_RANGES; a CPU it does not name stays on node 0.
 */
#define HOST_MAX_MEM_RANGES	256
struct host_numa {
	lwkb_u32 nr_ranges;
	struct { lwkb_u64 start, end; lwkb_u32 node; } range[HOST_MAX_MEM_RANGES];
	const lwkb_u8 *slit;	/* the SLIT's matrix, or 0 */
	lwkb_u64 slit_n;	/* its localities */
};
int host_srat_parse(const void *srat, lwkb_u64 len, struct host_cpu *cpus, lwkb_u32 nr,
		    struct host_numa *numa, char *err, lwkb_size_t errlen);
/* The SLIT's matrix into numa (0 and unchanged if the table is malformed). */
int host_slit_parse(const void *slit, lwkb_u64 len, struct host_numa *numa, char *err,
		    lwkb_size_t errlen);
/* The node of physical address a (0 when no range holds it). */
lwkb_u32 host_mem_node(const struct host_numa *numa, lwkb_u64 a);
/* SLIT distance between two proximity domains; 10 local, 20 remote without one. */
lwkb_u32 host_numa_distance(const struct host_numa *numa, lwkb_u32 from, lwkb_u32 to);

/* console.c: COM1, TSC delays and the verdict; all work after ExitBootServices. */
extern lwkb_u64 host_tsc_khz;		/* measured by main.c against Stall() */
void host_serial_write(const char *s, lwkb_size_t n);
/* One line "lwkboot: ..." on COM1. */
void host_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void host_udelay(lwkb_u32 us);
/*
 * The last line, "lwkboot: RESULT status=<STATUS> cores=<up>/<asked>",
 * then out of QEMU through isa-debug-exit: 0x10 (QEMU exit 33) when ok,
 * 0x11 (exit 35) otherwise.
 */
void host_finish(const char *status, lwkb_u32 up, lwkb_u32 asked, int ok)
	__attribute__((noreturn));

/* watch.c: after LWK core 0 started, kmsg to COM1 until the verdict. */
struct host_watch {
	struct lwkb_status_page *st;
	struct lwkb_kmsg *kmsg;
	lwkb_u64 kmsg_size;		/* as given to lwkb_kmsg_init */
	lwkb_u32 asked;			/* LWK cores */
	lwkb_u32 run_timeout_ms;	/* until RUNNING */
	lwkb_u64 first_sipi_tsc;	/* for the timing line; 0: none */
};
void host_follow_lwk(const struct host_watch *w) __attribute__((noreturn));

#endif /* LWKBOOT_EFI_HOST_H */
