/* SPDX-License-Identifier: MIT */
/*
 * ioctl interface of lwkboot.ko, shared by kmod/ and tools/.
 *
 * /dev/mcd0 manages the reserved pool (CPUs and memory taken from Linux)
 * and OS instances; /dev/mcosN is instance N.  Semantics and error codes
 * follow the IHK specification 1.7.1, sections 1.2.1 and 1.2.2.
 *
 * The request numbers use the Linux _IOC encoding (include/uapi/asm-generic/
 * ioctl.h: dir << 30 | size << 16 | type << 8 | nr) written out here so
 * that this header includes nothing.  Structures hold fixed-width fields;
 * user buffers are passed as lwkb_u64 addresses.
 */
#ifndef LWKBOOT_IOCTL_H
#define LWKBOOT_IOCTL_H

#include "types.h"

#define LWKB_IOC_TYPE	0xb7
#define LWKB_IOC(dir, nr, size) \
	(((lwkb_u32)(dir) << 30) | ((lwkb_u32)(size) << 16) | (LWKB_IOC_TYPE << 8) | (nr))
#define LWKB_IO(nr)		LWKB_IOC(0, nr, 0)
#define LWKB_IOW(nr, type)	LWKB_IOC(1, nr, sizeof(type))
#define LWKB_IOR(nr, type)	LWKB_IOC(2, nr, sizeof(type))
#define LWKB_IOWR(nr, type)	LWKB_IOC(3, nr, sizeof(type))

/*
 * Linux CPU numbers the interface can name: Debian's NR_CPUS.  A running
 * kernel has CPUs 0 to nr_cpu_ids - 1 of them; a CPU number at or beyond
 * that is refused by name.
 */
#define LWKB_MAX_CPUS		8192
#define LWKB_MAX_OS		16
#define LWKB_MEM_ALL		(~0ULL)	/* size: as much as can be had */
#define LWKB_NUMA_ANY		(-1)
#define LWKB_MEM_UNIT		(4ULL << 20)	/* sizes are multiples of 4 MiB */

/* 1 KiB: the module copies it in and out, never on its stack. */
struct lwkb_cpuset {
	lwkb_u64 bits[LWKB_MAX_CPUS / 64];
};

/* A memory request (size@numa) or, from a query, a chunk. */
struct lwkb_mem_ent {
	lwkb_u64 size;		/* bytes; LWKB_MEM_ALL in a request: best effort */
	lwkb_u64 start;		/* physical start (queries only) */
	lwkb_s32 numa;		/* Linux NUMA node, LWKB_NUMA_ANY */
	/*
	 * Reserve with size LWKB_MEM_ALL: 0 takes what Linux can spare while
	 * it keeps an eighth of RAM (at least 128 MiB); 1 to LWKB_MEM_RATIO_MAX
	 * takes up to that percent of the node's free memory instead (IHK's
	 * MAX_SIZE_RATIO_ALL, spec 1.2.1.6).  0 everywhere else.
	 */
	lwkb_u32 ratio;
};
#define LWKB_MEM_RATIO_MAX 98

struct lwkb_mem_list {
	lwkb_u64 ents;		/* user address of struct lwkb_mem_ent[] */
	lwkb_u32 nr;		/* in: entries given or room; out: entries filled */
	lwkb_u32 total;		/* out (queries): entries that exist */
};

struct lwkb_buf {
	lwkb_u64 addr;		/* user address */
	lwkb_u64 len;
};

/*
 * IKC map: for each LWK CPU (by Linux CPU number) the Linux CPU it sends
 * to.  dst points at an array whose entry c is Linux CPU c's destination,
 * -1 for none.  Setting replaces the whole map: entries from nr on are -1,
 * and a destination for a CPU at or beyond nr_cpu_ids is refused.  Getting
 * fills min(nr, total) entries.
 */
struct lwkb_ikc_list {
	lwkb_u64 dst;		/* user address of lwkb_s32[nr] */
	lwkb_u32 nr;		/* in: entries given (at most LWKB_MAX_CPUS) or room;
				 * out (get): entries filled */
	lwkb_u32 total;		/* out (get): entries that exist: nr_cpu_ids */
};

/* Reading kmsg from a position: pos 0 means "from the last clear". */
struct lwkb_kmsg_read {
	lwkb_u64 addr;		/* user buffer */
	lwkb_u64 len;
	lwkb_u64 pos;		/* in: where to start; out: where to go on */
	lwkb_u64 lost;		/* out: bytes overwritten before they could be read */
};

/* ikc-ping: COUNT messages of SIZE bytes to the LWK's echo port, each
 * reply checked for order and content. */
struct lwkb_ikc_ping {
	lwkb_u32 count;		/* in */
	lwkb_u32 size;		/* in: payload bytes, at most LWKB_IKC_PAYLOAD */
	lwkb_u64 rtt_ns;	/* in: user address of lwkb_u64[count], or 0 */
	lwkb_u32 port;		/* in: 0 = LWKB_IKC_ECHO_PORT */
	lwkb_u32 channel;	/* out: the channel used */
	lwkb_u32 lost;		/* out: no reply within 1 s */
	lwkb_u32 misordered;	/* out: a reply with another sequence number */
	lwkb_u32 corrupt;	/* out: a reply whose bytes differ */
	lwkb_u32 reserved;
};

/* What the status page says, for `lwkboot status -v`. */
struct lwkb_os_info {
	lwkb_u32 status;	/* as LWKB_OS_STATUS */
	lwkb_u32 nr_cores;	/* LWK cores booted */
	lwkb_u32 cores_up;
	lwkb_u32 cores_parked;
	lwkb_u64 heartbeat;
	lwkb_u64 stray_irqs;	/* interrupts the LWK did not ask for (all cores) */
	lwkb_u32 stray_vector;	/* the last one's vector */
	lwkb_u32 nmis;
	lwkb_u32 panic_core;
	lwkb_u32 panic_vector;
	lwkb_u32 cores_frozen;	/* cores paused by a freeze (the LWK's figure) */
	lwkb_u32 reserved32;
	lwkb_u64 reserved[3];
};

/*
 * lwkboot dump (docs/debugging.md): what the host recorded of the
 * instance's last boot.  Everything here comes from the host's own records,
 * except mem_used_end, the LWK's figure clamped to the image's chunk.
 */
struct lwkb_dump_info {
	lwkb_u64 cores;		/* in: user address of struct lwkb_core[] (boot_info.h) */
	lwkb_u32 nr_cores;	/* in: room there; out: entries filled */
	lwkb_u32 total_cores;	/* out: cores of the last boot, 0 = never booted */
	lwkb_u64 chunks;	/* in: user address of struct lwkb_mem_chunk[] */
	lwkb_u32 nr_chunks;	/* in: room there; out: entries filled: the last
				 * boot's chunks the instance still has, which
				 * LWKB_DUMP_MEM reads */
	lwkb_u32 reserved1;
	lwkb_u32 status;	/* out: as LWKB_OS_STATUS */
	lwkb_u32 regs_offset;	/* out: core 0's struct lwkb_core_dump in the status area */
	lwkb_u32 regs_size;	/* out: bytes from one core's to the next */
	lwkb_u32 reserved0;
	lwkb_u64 area_size;	/* out: bytes of the status area (LWKB_DUMP_STATUS) */
	lwkb_u64 image_phys;	/* out: the image's base; its high-half map starts here */
	lwkb_u64 high_size;	/* out: LWKB_KERNEL_VBASE + [0, high_size) -> image_phys */
	lwkb_u64 loader_end;	/* out: first byte the loader did not use */
	lwkb_u64 boot_info_phys; /* out */
	lwkb_u64 mem_used_end;	/* out: end of what the LWK allocated, in [loader_end, chunk end] */
	lwkb_u64 chunk_end;	/* out: end of the image's chunk */
	lwkb_u64 kmsg_phys;	/* out: the kmsg ring (kmsg.h), 0 = none yet */
	lwkb_u64 kmsg_size;	/* out: its whole area */
	lwkb_u64 kmsg_head;	/* out: its positions now (the LWK's figures) */
	lwkb_u64 kmsg_tail;
};

#define LWKB_DUMP_MEM		0	/* the instance's memory; offset = physical address */
#define LWKB_DUMP_STATUS	1	/* the status area; offset from its start */
#define LWKB_DUMP_READ_MAX	(1ULL << 20)	/* bytes in one LWKB_OS_DUMP_READ */

/* Bytes of one area: within one chunk of the instance's last boot that it
 * still has, or the status area. */
struct lwkb_dump_read {
	lwkb_u64 addr;		/* user buffer */
	lwkb_u64 len;		/* 1 to LWKB_DUMP_READ_MAX */
	lwkb_u64 offset;
	lwkb_u32 area;		/* LWKB_DUMP_MEM or LWKB_DUMP_STATUS */
	lwkb_u32 reserved;
};

#define LWKB_DUMP_NMI_MAX_MS	10000

/* A register snapshot of a RUNNING or HUNGUP instance: an NMI to every
 * core whose NMI gate is in place, which saves and goes on. */
struct lwkb_dump_nmi {
	lwkb_u32 timeout_ms;	/* in: 1 to LWKB_DUMP_NMI_MAX_MS */
	lwkb_u32 sent;		/* out: cores an NMI was sent to */
	lwkb_u32 answered;	/* out: of those, cores whose nmi slot carries seq */
	lwkb_u32 reserved;
	lwkb_u64 seq;		/* out: this request's number */
};

#define LWKB_PING_MAX		1000000	/* messages in one ikc-ping */
#define LWKB_SHUTDOWN_FORCE	1	/* skip the graceful request: INIT at once */

struct lwkb_os_list {
	lwkb_u32 nr;
	lwkb_u32 index[LWKB_MAX_OS];
};

/* /dev/mcd0 */
#define LWKB_RESERVE_CPU	LWKB_IOW(0x01, struct lwkb_cpuset)
#define LWKB_QUERY_CPU		LWKB_IOR(0x02, struct lwkb_cpuset)
#define LWKB_RELEASE_CPU	LWKB_IOW(0x03, struct lwkb_cpuset)
#define LWKB_RESERVE_MEM	LWKB_IOW(0x04, struct lwkb_mem_list)
#define LWKB_QUERY_MEM		LWKB_IOWR(0x05, struct lwkb_mem_list)
#define LWKB_RELEASE_MEM	LWKB_IOW(0x06, struct lwkb_mem_list)	/* nr 0: all */
#define LWKB_CREATE_OS		LWKB_IO(0x07)	/* returns the index */
#define LWKB_DESTROY_OS		LWKB_IOW(0x08, lwkb_u32)
#define LWKB_LIST_OS		LWKB_IOR(0x09, struct lwkb_os_list)

/* /dev/mcosN: numbered from 0x20 (the module tells the devices apart by it) */
#define LWKB_OS_ASSIGN_CPU	LWKB_IOW(0x20, struct lwkb_cpuset)
#define LWKB_OS_QUERY_CPU	LWKB_IOR(0x21, struct lwkb_cpuset)
#define LWKB_OS_RELEASE_CPU	LWKB_IOW(0x22, struct lwkb_cpuset)
#define LWKB_OS_ASSIGN_MEM	LWKB_IOW(0x23, struct lwkb_mem_list)
#define LWKB_OS_QUERY_MEM	LWKB_IOWR(0x24, struct lwkb_mem_list)
#define LWKB_OS_RELEASE_MEM	LWKB_IOW(0x25, struct lwkb_mem_list)	/* nr 0: all */
#define LWKB_OS_SET_IKC_MAP	LWKB_IOW(0x26, struct lwkb_ikc_list)
#define LWKB_OS_GET_IKC_MAP	LWKB_IOWR(0x27, struct lwkb_ikc_list)
#define LWKB_OS_LOAD		LWKB_IOW(0x28, struct lwkb_buf)
#define LWKB_OS_KARGS		LWKB_IOW(0x29, struct lwkb_buf)
#define LWKB_OS_BOOT		LWKB_IO(0x2a)
#define LWKB_OS_STATUS		LWKB_IO(0x2b)	/* returns enum lwkb_os_status */
#define LWKB_OS_KMSG		LWKB_IOWR(0x2c, struct lwkb_kmsg_read)	/* returns bytes */
#define LWKB_OS_CLEAR_KMSG	LWKB_IO(0x2d)
#define LWKB_OS_SHUTDOWN	LWKB_IOW(0x2e, lwkb_u32)	/* LWKB_SHUTDOWN_* flags */
#define LWKB_OS_QUERY_FREE_MEM	LWKB_IOR(0x2f, lwkb_u64)
/* IHK spec 1.2.2.13: an eventfd signalled when the OS enters PANIC or
 * HUNGUP; the argument is the eventfd's descriptor, -1 to stop. */
#define LWKB_OS_EVENTFD		LWKB_IOW(0x30, lwkb_s32)
#define LWKB_OS_IKC_PING	LWKB_IOWR(0x31, struct lwkb_ikc_ping)
#define LWKB_OS_STATUS_INFO	LWKB_IOR(0x32, struct lwkb_os_info)
#define LWKB_OS_DUMP_INFO	LWKB_IOWR(0x33, struct lwkb_dump_info)
#define LWKB_OS_DUMP_READ	LWKB_IOW(0x34, struct lwkb_dump_read)	/* returns bytes */
#define LWKB_OS_DUMP_NMI	LWKB_IOWR(0x35, struct lwkb_dump_nmi)
/* The initrd of a Linux bzImage co-kernel; len 0 drops it.  At most
 * LWKB_MAX_INITRD_SIZE bytes. */
#define LWKB_OS_LOAD_INITRD	LWKB_IOW(0x36, struct lwkb_buf)
#define LWKB_MAX_INITRD_SIZE	(512ULL << 20)
/*
 * IHK spec 1.2.2.32 and 1.2.2.33 (the protocol: status.h).  Freeze asks
 * every core of a RUNNING LWK to pause and returns at once: the status word
 * then moves to FREEZING and FROZEN.  -EINVAL unless RUNNING, FREEZING or
 * FROZEN; -EBUSY when FREEZING or FROZEN, or a freeze is already asked;
 * -EOPNOTSUPP when the LWK did not say it honours a freeze (a Linux
 * co-kernel).  Thaw lets the cores go on (status back to RUNNING) or
 * cancels a freeze not every core has reached; -EINVAL unless FREEZING or
 * FROZEN, or RUNNING with a freeze asked.  Both need CAP_SYS_ADMIN.
 */
#define LWKB_OS_FREEZE		LWKB_IO(0x37)
#define LWKB_OS_THAW		LWKB_IO(0x38)

LWKB_STATIC_ASSERT(sizeof(struct lwkb_cpuset) < (1 << 14), "fits the _IOC size field");

#endif /* LWKBOOT_IOCTL_H */
