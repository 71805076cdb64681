/* SPDX-License-Identifier: MIT */
/*
 * What the parts of the lwkboot command share (the .c files of tools/ but
 * liblwkboot.c and timeit.c): the options given before the command,
 * messages and exit codes, and the helpers more than one command uses.
 * A command's handler gets argc/argv from its own name on (argv[0] is
 * "up", "status", ...) and returns the exit status: 0 on success, 1 on
 * failure (fail), 2 for bad usage (die_usage exits).
 */
#ifndef LWKBOOT_TOOLS_CMD_H
#define LWKBOOT_TOOLS_CMD_H

#include <stddef.h>
#include <stdio.h>
#include "lwkb_parse.h"
#include "liblwkboot.h"
#include "json.h"

#define DEFAULT_IMAGE	"/usr/lib/lwkboot/cokernel.elf"
#define DEFAULT_MEM	"64M@0"
#define MAX_ENTS	256	/* memory list entries a command handles */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* main.c: the options before the command. */
extern const char *prog;
extern int os_index;		/* -o N, default 0 */
extern int os_given;		/* -o was given: query/release address the instance */
extern int allow_broadcast;	/* --allow-ipi-broadcast: boot without no_ipi_broadcast=1 */
extern int json_out;		/* --json: a query prints one JSON document (docs/json.md) */

/* main.c: one command, argv[0] its name (the options before it taken). */
int lwkb_run(int argc, char **argv);
/* ihkcmd.c: ihkconfig and ihkosctl (IHK spec 1.3), name is which. */
int ihk_front(const char *name, int argc, char **argv);

/* main.c: messages. */
/* --help: everything (cmd NULL) or what concerns cmd, on stdout; returns 0. */
int print_help(const char *cmd);
/* "lwkboot: MESSAGE" and a pointer to --help on stderr; exits 2. */
void die_usage(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* "lwkboot: MESSAGE[: strerror(-err)]" and a hint for the usual causes; returns 1. */
int fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Exactly n - 1 arguments after the command (argc == n), else die_usage. */
int need(int argc, int n, const char *what);

/* module.c: the kernel lwkboot runs on. */
int locked_down(void);
int check_ipi_broadcast(const char *what);
int load_module(void);
int unload_module(void);

/* pool.c: CPUs and memory, in the pool and in an instance. */
int parse_cpus(const char *s, struct lwkb_cpuset *set);
unsigned int parse_mem(const char *s, struct lwkb_mem_ent *ents);
int online_cpus(struct lwkb_cpuset *set);
int check_cpus_for_reserve(const struct lwkb_cpuset *set);
int check_cpus_exist(const lwkb_u64 *bits, const char *what);
int check_ikcmap_cpus(const struct lwkb_ikc_map *m, const char *what);

/* os.c: an instance. */
const char *status_str(int st);
int status_of(int os);
double now(void);
int wait_state(int os, int want, double timeout);
int do_load(int os, const char *path, const char *initrd);
int do_kargs(int os, const char *s);

/* The commands, as main.c's table lists them. */
int cmd_cpu_mem(int argc, char **argv);		/* pool.c */
int cmd_create(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_ikc_map(int argc, char **argv);		/* os.c */
int cmd_load(int argc, char **argv);
int cmd_kargs(int argc, char **argv);
int cmd_boot(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_kmsg(int argc, char **argv);
int cmd_clear_kmsg(int argc, char **argv);
int cmd_freeze(int argc, char **argv);
int cmd_thaw(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);
int cmd_query_free_mem(int argc, char **argv);
int cmd_ikc_ping(int argc, char **argv);		/* ikcping.c */
int cmd_dump(int argc, char **argv);		/* dump.c */
int cmd_grub_line(int argc, char **argv);	/* grubline.c */
int cmd_monitor(int argc, char **argv);		/* monitor.c */
int cmd_up(int argc, char **argv);		/* updown.c */
int cmd_down(int argc, char **argv);

#endif /* LWKBOOT_TOOLS_CMD_H */
