// SPDX-License-Identifier: MIT
/*
 * Prints the interface facts of an ihklib.h: enum values, structure sizes
 * and field offsets, and a prototype check of every function.  tests/tools/run
 * compiles it once against IHK's header and once against lwkboot's
 * (tools/ihk/ihklib.h) and requires the same output, so programs built with
 * IHK's header run against libihk.so.
 */
#include <stddef.h>
#include <stdio.h>
#include <ihklib.h>

#define V(x)	printf("%s %ld\n", #x, (long)(x))
#define S(t)	printf("sizeof %s %zu\n", #t, sizeof(t))
#define O(t, f)	printf("offsetof %s.%s %zu\n", #t, #f, offsetof(t, f))
/* A function's type, as a pointer of the prototype the spec gives. */
#define F(name, ret, ...) do { ret (*p)(__VA_ARGS__) = name; printf("fn %s %d\n", #name, p != 0); } while (0)

int main(void)
{
	ihk_perf_event_attr a = { 0 };

	V(IHK_OS_EVENTFD_TYPE_OOM); V(IHK_OS_EVENTFD_TYPE_STATUS); V(IHK_OS_EVENTFD_TYPE_KMSG);
	V(IHK_STATUS_INACTIVE); V(IHK_STATUS_BOOTING); V(IHK_STATUS_RUNNING);
	V(IHK_STATUS_SHUTDOWN); V(IHK_STATUS_PANIC); V(IHK_STATUS_HUNGUP);
	V(IHK_STATUS_FREEZING); V(IHK_STATUS_FROZEN);
	V(PERF_EVENT_ENABLE); V(PERF_EVENT_DISABLE); V(PERF_EVENT_DESTROY);
	V(IHKLIB_LOGLEVEL_EMERG); V(IHKLIB_LOGLEVEL_ERR);
	V(IHK_RESERVE_MEM_BALANCED_ENABLE); V(IHK_RESERVE_MEM_BALANCED_BEST_EFFORT);
	V(IHK_RESERVE_MEM_BALANCED_VARIANCE_LIMIT); V(IHK_RESERVE_MEM_MIN_CHUNK_SIZE);
	V(IHK_RESERVE_MEM_MAX_SIZE_RATIO_ALL); V(IHK_RESERVE_MEM_TIMEOUT);
	S(struct ihk_mem_chunk); O(struct ihk_mem_chunk, size);
	O(struct ihk_mem_chunk, numa_node_number);
	S(struct ihk_ikc_cpu_map); O(struct ihk_ikc_cpu_map, src_cpu);
	O(struct ihk_ikc_cpu_map, dst_cpu);
	S(ihk_perf_event_attr); O(ihk_perf_event_attr, config);
	a.exclude_idle = 1;
	printf("perf bits %02x\n", ((unsigned char *)&a)[sizeof(unsigned long)]);
	S(enum ihklib_os_status);
	printf("%s %s\n", PATH_SYS_NODE, PATH_DEV);

	F(ihk_reserve_cpu, int, int, int *, int);
	F(ihk_reserve_cpu_str, int, int, const char *, int);
	F(ihk_get_num_reserved_cpus, int, int);
	F(ihk_query_cpu, int, int, int *, int);
	F(ihk_release_cpu, int, int, int *, int);
	F(ihk_reserve_mem_conf, int, int, int, void *);
	F(ihk_reserve_mem_conf_str, int, int, const char *, int);
	F(ihk_reserve_mem, int, int, struct ihk_mem_chunk *, int);
	F(ihk_reserve_mem_str, int, int, const char *, int);
	F(ihk_get_num_reserved_mem_chunks, int, int);
	F(ihk_query_mem, int, int, struct ihk_mem_chunk *, int);
	F(ihk_release_mem, int, int, struct ihk_mem_chunk *, int);
	F(ihk_create_os, int, int);
	F(ihk_get_num_os_instances, int, int);
	F(ihk_get_os_instances, int, int, int *, int);
	F(ihk_destroy_os, int, int, int);
	F(ihk_os_assign_cpu, int, int, int *, int);
	F(ihk_os_assign_cpu_str, int, int, const char *, int);
	F(ihk_os_get_num_assigned_cpus, int, int);
	F(ihk_os_query_cpu, int, int, int *, int);
	F(ihk_os_release_cpu, int, int, int *, int);
	F(ihk_os_set_ikc_map, int, int, struct ihk_ikc_cpu_map *, int);
	F(ihk_os_set_ikc_map_str, int, int, const char *, int);
	F(ihk_os_get_ikc_map, int, int, struct ihk_ikc_cpu_map *, int);
	F(ihk_os_assign_mem, int, int, struct ihk_mem_chunk *, int);
	F(ihk_os_get_num_assigned_mem_chunks, int, int);
	F(ihk_os_query_mem, int, int, struct ihk_mem_chunk *, int);
	F(ihk_os_release_mem, int, int, struct ihk_mem_chunk *, int);
	F(ihk_os_get_eventfd, int, int, int);
	F(ihk_os_load, int, int, char *);
	F(ihk_os_kargs, int, int, char *);
	F(ihk_os_kargs_str, int, int, const char *, int, const char *);
	F(ihk_create_os_str, int, int, int *, const char *, int, const char *, const char *, char *);
	F(ihk_os_boot, int, int);
	F(ihk_os_shutdown, int, int);
	F(ihk_os_get_status, int, int);
	F(ihk_os_get_kmsg_size, int, int);
	F(ihk_os_kmsg, int, int, char *, ssize_t);
	F(ihk_os_clear_kmsg, int, int);
	F(ihk_os_get_num_numa_nodes, int, int);
	F(ihk_os_query_free_mem, int, int, unsigned long *, int);
	F(ihk_os_query_total_mem, int, int, unsigned long *, int);
	F(ihk_os_get_num_pagesizes, int, int);
	F(ihk_os_get_pagesizes, int, int, long *, int);
	F(ihk_os_getrusage, int, int, struct ihk_os_rusage *, size_t);
	F(ihk_os_setperfevent, int, int, ihk_perf_event_attr *, int);
	F(ihk_os_perfctl, int, int, int);
	F(ihk_os_getperfevent, int, int, unsigned long *, int);
	F(ihk_os_freeze, int, unsigned long *, int);
	F(ihk_os_thaw, int, unsigned long *, int);
	F(ihk_os_makedumpfile, int, int, char *, int, int);
	F(ihk_set_loglevel, int, enum IHKLIB_LOGLEVEL);
	printf("loglevel %zu\n", sizeof(loglevel));
	return 0;
}
