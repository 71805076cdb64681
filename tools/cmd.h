/* SPDX-License-Identifier: MIT */
/*
 * What the parts of the lwkboot command share (the .c files of tools/ but
 * liblwkboot.c and timeit.c): the options given before the command,
 * messages and exit codes, and the helpers more than one command uses.
 * A command's handler gets argc/argv from its own name on (argv[0] is
 * "up", "status", ...) and returns the exit status: 0 on success, 1 on
 * failure (fail), 2 for bad usage (die_usage exits).
 */
#ifndef LWKBOOT_CMD_H
#define LWKBOOT_CMD_H

#include <stddef.h>
#include <stdio.h>
#include "lwkb_parse.h"
#include "liblwkboot.h"

#define DEFAULT_IMAGE	"/usr/share/lwkboot/cokernel.elf"
#define DEFAULT_MEM	"64M@0"
#define MAX_ENTS	256	/* memory list entries a command handles */

/* main.c: the options before the command. */
extern const char *prog;
extern int os_index;		/* -o N, default 0 */
extern int os_given;		/* -o was given: query/release address the instance */
extern int allow_broadcast;	/* --allow-ipi-broadcast: boot without no_ipi_broadcast=1 */

/* main.c: messages. */
void usage(FILE *f);
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

/* pool.c: CPUs and memory. */
int parse_cpus(const char *s, struct lwkb_cpuset *set);
unsigned int parse_mem(const char *s, struct lwkb_mem_ent *ents);
int print_mem(int os);
int online_cpus(struct lwkb_cpuset *set);
int check_cpus_for_reserve(const struct lwkb_cpuset *set);
int cmd_cpu_mem(const char *verb, int argc, char **argv, int on_os);

/* os.c: an instance. */
const char *status_str(int st);
int status_of(int os);
int print_status_info(int os);
int parse_state(const char *s);
double now(void);
int wait_state(int os, int want, double timeout);
int do_load(int os, const char *path);
int do_kargs(int os, const char *s);
int do_kmsg(int os, int follow);

/* updown.c, monitor.c, ikcping.c: commands. */
int cmd_up(int argc, char **argv);
int cmd_down(void);
int cmd_monitor(int argc, char **argv);
int cmd_ikc_ping(int argc, char **argv);

#endif /* LWKBOOT_CMD_H */
