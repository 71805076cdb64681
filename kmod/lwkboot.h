/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lwkboot.ko internals.  One mutex (lwkb_lock) serialises every operation:
 * they are rare, and each either completes or is rolled back under it.
 * Lock order: lwkb_lock, then an instance's ikc_lock, then Linux's CPU
 * hotplug lock (cpus_read_lock, or remove_cpu/add_cpu inside).  Every wait
 * under lwkb_lock is bounded by a capped parameter or ends on a fatal
 * signal.
 */
#ifndef LWKBOOT_KMOD_LWKBOOT_H
#define LWKBOOT_KMOD_LWKBOOT_H

#include <linux/types.h>
#include <linux/log2.h>
#include <linux/cpumask.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/cdev.h>
#include <linux/eventfd.h>
#include "lwkb_loader.h"
#include "lwkboot/ioctl.h"

/* Memory is taken from Linux in units of LWKB_MEM_UNIT (4 MiB) buddy blocks. */
#define LWKB_MEM_UNIT_ORDER	(ilog2(LWKB_MEM_UNIT) - PAGE_SHIFT)
#define LWKB_KMSG_ORDER		5			/* 128 KiB ring */
#define LWKB_KMSG_AREA		(PAGE_SIZE << LWKB_KMSG_ORDER)
#define LWKB_MAX_IMAGE_SIZE	(64UL << 20)

/*
 * One ioctl's arguments (req.c): copied in before lwkb_lock is taken and
 * out after it is dropped, so no user memory is touched under the lock.
 */
struct lwkb_req {
	unsigned int cmd;
	void __user *uarg;
	union {
		struct lwkb_mem_list ml;
		struct lwkb_os_list ol;
		struct lwkb_buf buf;
		struct lwkb_kmsg_read kr;
		struct lwkb_os_info info;
		struct lwkb_ikc_list il;
		struct lwkb_dump_info dinfo;
		struct lwkb_dump_read dread;
		struct lwkb_dump_nmi dnmi;
		u32 u32v;
		s32 s32v;
		u64 u64v;
	} a;			/* the argument struct, in and out (a CPU set is not here: in, out) */
	void *in;		/* what it points to, copied in (entries, image, kargs),
				 * or the CPU set */
	void *out;		/* bytes for out_uaddr (entries, kmsg, a CPU set) */
	size_t out_len;		/* set by the operation */
	u64 out_uaddr;
	void *out2;		/* a second result array (dump info's chunks) */
	size_t out2_len;
	u64 out2_uaddr;
};

int lwkb_req_in(struct lwkb_req *r, bool on_os);
int lwkb_req_out(struct lwkb_req *r);
void lwkb_req_free(struct lwkb_req *r);

struct lwkb_chunk {
	struct list_head list;
	phys_addr_t start;
	u64 size;
	int nid;
	int os;			/* the owning instance's index, or -1 in the pool */
};

/*
 * An instance lives from create to destroy, under lwkb_lock.  Its device
 * (cdev_alloc) has a lifetime of its own: an open that raced destroy
 * holds only the cdev, finds no instance at its minor and fails.  An open
 * file pins the instance (opens; destroy answers -EBUSY).
 */
struct lwkb_os {
	int index;
	struct cdev *cdev;
	struct device *dev;
	cpumask_var_t cpus;		/* assigned Linux CPUs */
	s32 *ikc;			/* IKC destination of each Linux CPU (nr_cpu_ids), -1: none */
	void *image;			/* vmalloc'ed copy of the ELF or bzImage */
	size_t image_size;
	bool is_linux;			/* the image is a Linux bzImage (loader/linux.c) */
	void *initrd;			/* vmalloc'ed initrd of a bzImage, or NULL */
	size_t initrd_size;
	char *kargs;			/* LWKB_KARGS_SIZE bytes */
	bool booted;
	atomic_t opens;			/* open files of /dev/mcosN */
	struct page *kmsg_page;		/* survives shutdown until destroy */
	struct lwkb_kmsg *kmsg;
	struct page *status_page;	/* the status area (status.h) */
	struct lwkb_status_page *status;
	unsigned int status_order;
	struct page *pt_pool;		/* the temporary page table's pool, below 4 GiB */
	unsigned int pt_pool_order;
	/*
	 * Room for nr_cpu_ids cores each, one allocation (apic_ids) made at
	 * create and kept until destroy: the reboot notifier reads apic_ids
	 * without the lock, so it never moves.
	 */
	u32 *apic_ids;			/* of the booted LWK cores */
	u32 *host_cpus;			/* their Linux CPUs */
	u32 *core_numa;			/* their LWK NUMA ids */
	u32 nr_cores;
	/* the last boot's layout, recorded before the LWK ran (for dump) */
	struct {
		u64 image_phys, high_size, loader_end, boot_info_phys, chunk_end;
		struct lwkb_mem_chunk *chunks;	/* kvmalloc'ed, room for chunks_room */
		u32 nr_chunks, chunks_room;
		bool valid;		/* a boot got as far as waking core 0 */
	} last;
	u64 dump_seq;			/* the last snapshot request */
	bool freeze_asked;		/* freeze_req set by us and not cleared (status.h) */
	/* the watchdog (lwkb_watch) */
	u64 last_heartbeat;
	unsigned long last_beat;	/* jiffies when the heartbeat last moved */
	u32 reported;			/* status last signalled on the eventfd */
	bool was_running;		/* lwkb_os_status() read RUNNING since this boot */
	struct eventfd_ctx *eventfd;	/* PANIC/HUNGUP notification, or NULL */
	struct mutex ikc_lock;		/* one IKC user at a time; after lwkb_lock */
	bool ikc_stop;			/* shutdown: IKC users leave at once */
	struct page *ikc_page;		/* IKC area, formatted at each boot */
	struct lwkb_ikc_area *ikc_area;
};

extern struct mutex lwkb_lock;
extern bool lwkb_going_down;		/* reboot or kexec under way: no new boot */
extern struct lwkb_os *lwkb_oses[LWKB_MAX_OS];
extern cpumask_var_t lwkb_reserved_cpus;
extern struct list_head lwkb_chunks;
extern unsigned long tramp_addr;
extern void *tramp_virt_base;		/* the whole region, mapped once at load */
extern unsigned int tramp_pages;
extern unsigned int linux_windows;
/* A Linux co-kernel's low-memory window, after the trampoline pages. */
#define LWKB_LINUX_WINDOW	(64UL << 10)
unsigned long lwkb_linux_window(const struct lwkb_os *os);
extern unsigned int init_delay_us;
extern unsigned int wake_timeout_us;
extern unsigned int hung_ms;
extern unsigned int reserve_threads;
extern unsigned int shutdown_ms;
extern bool ikc_doorbell;

/* pool_cpu.c: CPUs taken from Linux */
int lwkb_cpuset_to_mask(const struct lwkb_cpuset *set, struct cpumask *mask);
void lwkb_mask_to_cpuset(const struct cpumask *mask, struct lwkb_cpuset *set);
int lwkb_cpu_guard(unsigned int cpu);
int lwkb_cpu_owner(unsigned int cpu);
int lwkb_reserve_cpus(const struct cpumask *mask);
int lwkb_release_cpus(const struct cpumask *mask);
/* pool_mem.c: memory taken from Linux */
struct page *lwkb_alloc_pages(int nid, gfp_t gfp, unsigned int order);
void lwkb_free_pages(struct page *pg, unsigned int order);
int lwkb_mem_init(void);
void lwkb_mem_exit(void);
int lwkb_reserve_mem(const struct lwkb_mem_ent *ents, u32 nr);
int lwkb_release_mem(const struct lwkb_mem_ent *ents, u32 nr, int os_index);
int lwkb_assign_mem(const struct lwkb_mem_ent *ents, u32 nr, int os_index);
void lwkb_query_mem(int os_index, struct lwkb_mem_ent *ents, u32 room, u32 *nr, u32 *total);
void lwkb_free_chunk(struct lwkb_chunk *c);
/* dump.c: lwkboot dump */
long lwkb_os_dump_info(struct lwkb_os *os, struct lwkb_req *r);
long lwkb_os_dump_read(struct lwkb_os *os, struct lwkb_req *r);
long lwkb_os_dump_nmi(struct lwkb_os *os, struct lwkb_dump_nmi *n);
/* os.c: instances */
int lwkb_os_status(struct lwkb_os *os);
struct lwkb_chunk *lwkb_first_chunk(struct lwkb_os *os);
u32 lwkb_os_nr_chunks(struct lwkb_os *os);
int lwkb_os_create(void);
int lwkb_os_destroy(int index);
long lwkb_os_ioctl(struct lwkb_os *os, struct lwkb_req *r);

/* boot_host.c: one boot, as loader/'s host sequence (loader/host.c) sees it */
struct lwkb_boot {
	struct lwkb_host h;		/* filled by lwkb_boot_fill */
	struct lwkb_os *os;
	struct lwkb_chunk *img;		/* first chunk: image, boot_info, stacks */
	struct lwkb_chunk *chunk;	/* the chunk the host's next_chunk gave last */
	struct lwkb_platform pf;	/* IPIs, delays and log for the waker */
	struct lwkb_linux *lx;		/* a bzImage's plan (kzalloc'ed), or NULL */
	char *cmdline;			/* its command line (kmalloc'ed) */
};
int lwkb_boot_fill(struct lwkb_boot *b);
void lwkb_boot_free(struct lwkb_boot *b);
void lwkb_os_free_pt_pool(struct lwkb_os *os);
/* os_boot.c: boot */
int lwkb_may_take_code(struct lwkb_os *os);
int lwkb_os_boot(struct lwkb_os *os);
/* os_shutdown.c: shutdown */
void lwkb_os_shutdown(struct lwkb_os *os, bool force);
void lwkb_stop_all(const char *why);
void lwkb_init_all_cores(void);

/* ipi.c */
bool lwkb_apic_id_ok(u32 apic_id);
int lwkb_send_ipi(u32 low, u32 apic_id);
int lwkb_send_init(u32 apic_id);

/* watch.c: the watchdog */
void lwkb_watch_start(void);
void lwkb_watch_stop(void);

/* ikc_host.c */
long lwkb_ikc_ping(struct lwkb_os *os, struct lwkb_ikc_ping __user *arg);

/* main.c: device files */
int lwkb_os_device_add(struct lwkb_os *os);
void lwkb_os_device_del(struct lwkb_os *os);

#endif /* LWKBOOT_KMOD_LWKBOOT_H */
