/* SPDX-License-Identifier: MIT */
/*
 * liblwkboot: user-space access to lwkboot.ko (include/lwkboot/ioctl.h).
 * Every function returns 0 (or a count) on success and -errno on failure.
 */
#ifndef LWKBOOT_TOOLS_LIBLWKBOOT_H
#define LWKBOOT_TOOLS_LIBLWKBOOT_H

#include <stddef.h>
#include <stdint.h>
#include "lwkboot/ioctl.h"
#include "lwkboot/status.h"

int lwkb_ctl(unsigned long req, void *arg);		/* on /dev/mcd0 */
int lwkb_os_ctl(int os, unsigned long req, void *arg);	/* on /dev/mcosN */
int lwkb_module_loaded(void);

/*
 * Memory lists, IHK spec 1.3.1.4: SIZE[K|M|G|T][@NODE],... or "all".
 * SIZE is lwkb_parse_size's (loader/lwkb_parse.h): decimal or 0x hex, with
 * an optional binary unit K, M, G or T; each a non-zero multiple of 4 MiB.
 */
int lwkb_memlist_parse(const char *s, struct lwkb_mem_ent *ents, unsigned int max,
		       unsigned int *nr, char *err, size_t errlen);
void lwkb_memlist_format(const struct lwkb_mem_ent *ents, unsigned int nr,
			 char *buf, size_t len);
/*
 * Text sizes that hold any CPU list of LWKB_MAX_CPUS bits (at most 5
 * characters a CPU: ",8191" or "-8191") and any IKC map (each CPU in one
 * list, and at most one ":CPU+" per CPU), with the NUL.
 */
#define LWKB_CPULIST_TEXT_MAX	(LWKB_MAX_CPUS * 5 + 1)
#define LWKB_IKCMAP_TEXT_MAX	(LWKB_MAX_CPUS * 11 + 1)

/*
 * IKC map, IHK spec 1.3.2.4: LIST:CPU+LIST:CPU...  In user space the map
 * is a whole array (32 KiB); the ioctl passes it as a struct
 * lwkb_ikc_list.
 */
struct lwkb_ikc_map {
	lwkb_s32 dst[LWKB_MAX_CPUS];	/* for Linux CPU c; -1: not set */
};

int lwkb_ikcmap_parse(const char *s, struct lwkb_ikc_map *m, char *err, size_t errlen);
void lwkb_ikcmap_format(const struct lwkb_ikc_map *m, char *buf, size_t len);
/* The CPUs whose target is Linux CPU d, as bits (LWKB_MAX_CPUS); 0 if none. */
int lwkb_ikcmap_sources(const struct lwkb_ikc_map *m, int d, lwkb_u64 *bits);
/* Instance os's map: set (the entries up to the last one set), or get. */
int lwkb_ikcmap_set(int os, const struct lwkb_ikc_map *m);
int lwkb_ikcmap_get(int os, struct lwkb_ikc_map *m);
/*
 * The chunks of instance os (-1: the reserved pool) into ents, at most max;
 * -E2BIG if there are more.
 */
int lwkb_memlist_query(int os, struct lwkb_mem_ent *ents, unsigned int max,
		       unsigned int *nr);
/*
 * Up to len bytes of instance os's kmsg from *pos (0: from the last clear)
 * into buf; returns how many, or -errno.  *pos becomes where the next read
 * starts, and the bytes overwritten before they could be read are added to
 * *lost.
 */
int lwkb_read_kmsg(int os, unsigned long long *pos, char *buf, size_t len,
		   unsigned long long *lost);

#endif /* LWKBOOT_TOOLS_LIBLWKBOOT_H */
