// SPDX-License-Identifier: MIT
/*
 * The kernel lwkboot runs on: loading and unloading lwkboot.ko (with the
 * lwkboot.* parameters of the kernel command line, as modprobe passes
 * them), the no_ipi_broadcast=1 check, and lockdown.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cmd.h"

/* Lockdown in integrity or confidentiality mode (security/lockdown). */
int locked_down(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strstr(buf, "[integrity]") || strstr(buf, "[confidentiality]");
}

/* The kernel command line, split into words that point into text. */
struct cmdline {
	char text[8192];
	char *w[4096];		/* a word takes two characters at least */
	int n;
};

/* 0, or -errno when /proc/cmdline cannot be read. */
static int read_cmdline(struct cmdline *c)
{
	FILE *f = fopen("/proc/cmdline", "r");
	char *tok, *save = NULL;
	size_t len;

	c->n = 0;
	if (!f)
		return -errno;
	len = fread(c->text, 1, sizeof(c->text) - 1, f);
	fclose(f);
	c->text[len] = '\0';
	for (tok = strtok_r(c->text, " \t\n", &save); tok && c->n < (int)ARRAY_SIZE(c->w);
	     tok = strtok_r(NULL, " \t\n", &save))
		c->w[c->n++] = tok;
	return 0;
}

/*
 * Linux sends some IPIs with the all-but-self shorthand once every present
 * CPU has booted (arch/x86/kernel/apic/ipi.c, apic_smt_update); offlining a
 * CPU does not undo that, so with 3 or more Linux CPUs online an all-CPU
 * function call reaches the LWK's cores.  no_ipi_broadcast=1 on the kernel
 * command line turns the shorthand off.  0 if it is there or overridden.
 */
int check_ipi_broadcast(const char *what)
{
	static struct cmdline c;
	int i, ret;

	if (allow_broadcast)
		return 0;
	ret = read_cmdline(&c);
	if (ret)
		return fail(ret, "%s: cannot read /proc/cmdline", what);
	for (i = 0; i < c.n; i++)
		if (!strcmp(c.w[i], "no_ipi_broadcast=1"))
			return 0;
	fprintf(stderr,
		"%s: %s: the kernel command line lacks no_ipi_broadcast=1.\n"
		"  Without it Linux sends broadcast IPIs (all-but-self) that reach the LWK's\n"
		"  cores too.  Add no_ipi_broadcast=1 to the kernel command line and reboot\n"
		"  (README, 'Real hardware'), or pass --allow-ipi-broadcast to go on anyway:\n"
		"  the lwkboot co-kernel library acknowledges and counts such interrupts\n"
		"  (lwkboot status -v), other co-kernels may not.\n", prog, what);
	return 1;
}

/* Runs argv[0] (found in PATH) and waits for it: 0 if it exited with 0. */
static int run(const char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (!pid) {
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -EIO;
}

/* udev makes /dev/mcd0 soon after the module loads (5 s at most). */
static int wait_for_device(void)
{
	int i;

	for (i = 0; i < 500 && !lwkb_module_loaded(); i++)
		usleep(10000);
	return lwkb_module_loaded() ? 0 : fail(0, "up: /dev/mcd0 did not appear");
}

/* Whether depmod knows lwkboot.ko for this kernel (a package or DKMS installed it). */
static int modprobe_knows(const char *release)
{
	char path[512], line[1024];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", release);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "/lwkboot.ko") && strchr(line, ':');
	fclose(f);
	return found;
}

/*
 * modprobe when the module is installed (it applies /etc/modprobe.d and the
 * lwkboot.* parameters of the kernel command line); otherwise insmod of
 * LWKBOOT_MODULE or /lib/modules/RELEASE/extra/lwkboot.ko with those
 * command-line parameters, as modprobe would pass them.
 */
int load_module(void)
{
	static struct cmdline c;
	char path[512];
	const char *argv[64];
	struct utsname u;
	const char *env = getenv("LWKBOOT_MODULE");
	int i, n = 0;

	uname(&u);
	if (!env && modprobe_knows(u.release)) {
		const char *mp[] = { "modprobe", "lwkboot", NULL };

		if (run(mp))
			return fail(0, "up: modprobe lwkboot failed (see dmesg)");
		return wait_for_device();
	}
	if (env)
		snprintf(path, sizeof(path), "%s", env);
	else
		snprintf(path, sizeof(path), "/lib/modules/%s/extra/lwkboot.ko", u.release);
	if (access(path, R_OK)) {
		int err = -errno;

		if (!env)
			fprintf(stderr, "%s: up: no lwkboot.ko for kernel %s: install lwkboot-dkms "
				"and linux-headers-%s (see 'dkms status'), 'make install' it, or name "
				"one in LWKBOOT_MODULE\n", prog, u.release, u.release);
		return fail(err, "up: module %s", path);
	}
	argv[n++] = "insmod";
	argv[n++] = path;
	read_cmdline(&c);	/* none: no parameters */
	for (i = 0; i < c.n && n < 62; i++)
		if (!strncmp(c.w[i], "lwkboot.", 8) && strchr(c.w[i], '='))
			argv[n++] = c.w[i] + 8;
	argv[n] = NULL;
	if (run(argv))
		return fail(0, "up: insmod %s failed (see dmesg)", path);
	return wait_for_device();
}

int unload_module(void)
{
	const char *argv[] = { "rmmod", "lwkboot", NULL };

	return run(argv);
}
