/* SPDX-License-Identifier: MIT */
/*
 * libihk: IHK's user-space library interface (IHK specification 1.7.1,
 * chapter 1.2: the admin functions) over lwkboot.ko.
 *
 * Written from the specification.  The names, prototypes, structure
 * layouts and enumeration values are those of IHK's ihklib.h, so programs
 * written against IHK compile against this header and run against
 * libihk.so unchanged (IHK's header includes <bfd.h>; this one does not).
 * docs/ihk.md says where lwkboot behaves differently and why.
 *
 * Every function returns 0 (or a count, an index, a descriptor) on success
 * and a negative errno on failure, as the specification lists them.
 */
#ifndef LWKBOOT_IHKLIB_H
#define LWKBOOT_IHKLIB_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PATH_SYS_NODE "/sys/devices/system/node"
#define PATH_DEV "/dev"

#ifndef IHK_OS_EVENTFD_TYPE_DEFINED
#define IHK_OS_EVENTFD_TYPE_DEFINED
/* ihk_os_get_eventfd (spec 1.2.2.13) */
enum ihk_os_eventfd_type {
	IHK_OS_EVENTFD_TYPE_OOM = 0,	/* memory use above the limit */
	IHK_OS_EVENTFD_TYPE_STATUS = 2,	/* PANIC or HUNGUP */
	IHK_OS_EVENTFD_TYPE_KMSG = 101,	/* the kmsg buffer is full */
};
#endif

/* A memory request or a reserved/assigned chunk (spec 1.2.1.8). */
struct ihk_mem_chunk {
	unsigned long size;		/* bytes; (unsigned long)-1: as much as possible */
	int numa_node_number;
};

/* One IKC route (spec 1.2.2.6). */
struct ihk_ikc_cpu_map {
	int src_cpu;			/* LWK CPU (its Linux CPU number) */
	int dst_cpu;			/* Linux CPU it sends to */
};

/* ihk_os_get_status (spec 1.2.2.20) */
enum ihklib_os_status {
	IHK_STATUS_INACTIVE,
	IHK_STATUS_BOOTING,
	IHK_STATUS_RUNNING,
	IHK_STATUS_SHUTDOWN,
	IHK_STATUS_PANIC,
	IHK_STATUS_HUNGUP,
	IHK_STATUS_FREEZING,
	IHK_STATUS_FROZEN,
};

enum ihk_perf_event {
	PERF_EVENT_ENABLE,
	PERF_EVENT_DISABLE,
	PERF_EVENT_DESTROY,
};

typedef struct ihk_perf_event_attr {
	unsigned long config;
	unsigned disabled:1;
	unsigned pinned:1;
	unsigned exclude_user:1;
	unsigned exclude_kernel:1;
	unsigned exclude_hv:1;
	unsigned exclude_idle:1;
} ihk_perf_event_attr;

enum IHKLIB_LOGLEVEL {
	IHKLIB_LOGLEVEL_EMERG = 0,
	IHKLIB_LOGLEVEL_ERR
};

/* ihk_reserve_mem_conf (spec 1.2.1.6) */
enum ihk_reserve_mem_conf_keys {
	IHK_RESERVE_MEM_BALANCED_ENABLE,
	IHK_RESERVE_MEM_BALANCED_BEST_EFFORT,
	IHK_RESERVE_MEM_BALANCED_VARIANCE_LIMIT,
	IHK_RESERVE_MEM_MIN_CHUNK_SIZE,
	IHK_RESERVE_MEM_MAX_SIZE_RATIO_ALL,
	IHK_RESERVE_MEM_TIMEOUT,
};

struct ihk_os_rusage;		/* IHK's ihk_rusage.h; ihk_os_getrusage is not supported */

extern int loglevel;

int ihk_reserve_cpu(int index, int *cpus, int num_cpus);
int ihk_reserve_cpu_str(int dev_index, const char *envp, int num_env);
int ihk_get_num_reserved_cpus(int index);
int ihk_query_cpu(int index, int *cpus, int _num_cpus);
int ihk_release_cpu(int index, int *cpus, int num_cpus);
int ihk_reserve_mem_conf(int index, int key, void *value);
int ihk_reserve_mem_conf_str(int dev_index, const char *envp, int num_env);
int ihk_reserve_mem(int index, struct ihk_mem_chunk *mem_chunks, int num_mem_chunks);
int ihk_reserve_mem_str(int dev_index, const char *envp, int num_env);
int ihk_get_num_reserved_mem_chunks(int index);
int ihk_query_mem(int index, struct ihk_mem_chunk *mem_chunks, int _num_mem_chunks);
int ihk_release_mem(int index, struct ihk_mem_chunk *mem_chunks, int num_mem_chunks);
int ihk_create_os(int index);
int ihk_get_num_os_instances(int index);
int ihk_get_os_instances(int index, int *indices, int _num_os_instances);
int ihk_destroy_os(int dev_index, int os_index);
int ihk_os_assign_cpu(int index, int *cpus, int num_cpus);
int ihk_os_assign_cpu_str(int os_index, const char *envp, int num_env);
int ihk_os_get_num_assigned_cpus(int index);
int ihk_os_query_cpu(int index, int *cpus, int _num_cpus);
int ihk_os_release_cpu(int index, int *cpus, int num_cpus);
int ihk_os_set_ikc_map(int index, struct ihk_ikc_cpu_map *map, int num_cpus);
int ihk_os_set_ikc_map_str(int os_index, const char *envp, int num_env);
int ihk_os_get_ikc_map(int index, struct ihk_ikc_cpu_map *map, int num_cpus);
int ihk_os_assign_mem(int index, struct ihk_mem_chunk *mem_chunks, int num_mem_chunks);
int ihk_os_get_num_assigned_mem_chunks(int index);
int ihk_os_query_mem(int index, struct ihk_mem_chunk *mem_chunks, int _num_mem_chunks);
int ihk_os_release_mem(int index, struct ihk_mem_chunk *mem_chunks, int num_mem_chunks);
int ihk_os_get_eventfd(int index, int type);
int ihk_os_load(int index, char *fn);
int ihk_os_kargs(int index, char *kargs);
int ihk_os_kargs_str(int os_index, const char *envp, int num_env,
		     const char *default_kargs);
int ihk_create_os_str(int dev_index, int *os_index,
		      const char *envp, int num_env,
		      const char *kernel_image,
		      const char *default_kargs,
		      char *err_msg);
int ihk_os_boot(int index);
int ihk_os_shutdown(int index);
int ihk_os_get_status(int index);
int ihk_os_get_kmsg_size(int index);
int ihk_os_kmsg(int index, char *kmsg, ssize_t sz_kmsg);
int ihk_os_clear_kmsg(int index);
int ihk_os_get_num_numa_nodes(int index);
int ihk_os_query_free_mem(int os_index, unsigned long *memfree, int num_numa_nodes);
int ihk_os_query_total_mem(int os_index, unsigned long *memtotal, int num_numa_nodes);
int ihk_os_get_num_pagesizes(int index);
int ihk_os_get_pagesizes(int index, long *pgsizes, int num_pgsizes);
int ihk_os_getrusage(int index, struct ihk_os_rusage *rusage, size_t size_rusage);
int ihk_os_setperfevent(int index, ihk_perf_event_attr *attr, int n);
int ihk_os_perfctl(int index, int comm);
int ihk_os_getperfevent(int index, unsigned long *counter, int n);
int ihk_os_freeze(unsigned long *os_set, int n);
int ihk_os_thaw(unsigned long *os_set, int n);
int ihk_os_makedumpfile(int index, char *dump_file, int dump_level, int interactive);
int ihk_set_loglevel(enum IHKLIB_LOGLEVEL level);

/* Open /dev/mcdN or /dev/mcosN: a descriptor, or -errno (IHK's private API). */
int ihklib_device_open(int index);
int ihklib_os_open(int index);

#ifdef __cplusplus
}
#endif

#endif /* LWKBOOT_IHKLIB_H */
