// SPDX-License-Identifier: MIT
/* lwkboot monitor: the ihkmond of IHK spec 1.3.2.18. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "cmd.h"

static int facility_of(const char *s)
{
	static const struct { const char *name; int fac; } tab[] = {
		{ "user", LOG_USER }, { "daemon", LOG_DAEMON },
		{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
		{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcasecmp(s, tab[i].name) || (!strncasecmp(s, "LOG_", 4) &&
						    !strcasecmp(s + 4, tab[i].name)))
			return tab[i].fac;
	return -1;
}

static volatile sig_atomic_t monitor_stop;

static void on_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

int cmd_monitor(int argc, char **argv)
{
	struct mon { int efd; unsigned long long pos; char line[1024]; size_t len; } m[LWKB_MAX_OS];
	long interval = 600;
	int redirect = 1, facility = LOG_LOCAL6, opt, i;
	char *end;
	FILE *f;

	optind = 1;
	while ((opt = getopt(argc, argv, "i:k:f:h")) != -1) {
		switch (opt) {
		case 'i':
			interval = strtol(optarg, &end, 10);
			if (!*optarg || *end || (interval < 1 && interval != -1))
				die_usage("monitor: -i '%s': want seconds, or -1", optarg);
			break;
		case 'k':
			if (strcmp(optarg, "0") && strcmp(optarg, "1"))
				die_usage("monitor: -k '%s': want 0 or 1", optarg);
			redirect = optarg[0] == '1';
			break;
		case 'f':
			facility = facility_of(optarg);
			if (facility < 0)
				die_usage("monitor: unknown syslog facility '%s'", optarg);
			break;
		case 'h': return print_help(argv[0]);
		default: die_usage("monitor: bad option");
		}
	}
	if (optind < argc)
		die_usage("monitor: unexpected argument '%s'", argv[optind]);
	if (!lwkb_module_loaded())
		return fail(-ENOENT, "monitor: /dev/mcd0");
	/* Hang limit: two intervals without a heartbeat, as ihkmond's "twice in a row". */
	f = fopen("/sys/module/lwkboot/parameters/hung_ms", "w");
	if (!f)
		return fail(-errno, "monitor: cannot set the hang limit");
	fprintf(f, "%ld\n", interval < 0 ? 0 : interval * 2000);
	fclose(f);
	openlog("lwkboot", LOG_PID, facility);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (i = 0; i < LWKB_MAX_OS; i++) {
		m[i].efd = -1;
		m[i].pos = 0;
		m[i].len = 0;
	}
	syslog(LOG_INFO, "monitor started (interval %ld s, kmsg %s)", interval,
	       redirect ? "forwarded" : "not forwarded");
	while (!monitor_stop) {
		struct lwkb_os_list ol;
		struct pollfd pfd[LWKB_MAX_OS];
		int np = 0, idx[LWKB_MAX_OS];

		if (lwkb_ctl(LWKB_LIST_OS, &ol))
			break;	/* the module went away */
		for (i = 0; i < LWKB_MAX_OS; i++) {
			int present = 0;

			for (unsigned int k = 0; k < ol.nr; k++)
				present |= ol.index[k] == (lwkb_u32)i;
			if (!present) {
				if (m[i].efd >= 0)
					close(m[i].efd);
				m[i].efd = -1;
				m[i].pos = 0;
				continue;
			}
			if (m[i].efd < 0) {
				lwkb_s32 fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

				if (fd >= 0 && !lwkb_os_ctl(i, LWKB_OS_EVENTFD, &fd))
					m[i].efd = fd;
				else if (fd >= 0)
					close(fd);
			}
			if (redirect) {
				/* Forward whole lines; keep a partial one for later. */
				static char buf[1 << 17];
				unsigned long long pos = m[i].pos, lost = 0;
				int n = lwkb_read_kmsg(i, &pos, buf, sizeof(buf), &lost);

				if (lost)
					syslog(LOG_WARNING, "OS %d: %llu bytes of kmsg lost", i, lost);
				for (int k = 0; k < n; k++) {
					if (buf[k] == '\n' || m[i].len == sizeof(m[i].line) - 1) {
						m[i].line[m[i].len] = '\0';
						syslog(LOG_INFO, "OS %d: %s", i, m[i].line);
						m[i].len = 0;
					}
					if (buf[k] != '\n')
						m[i].line[m[i].len++] = buf[k];
				}
				if (n > 0)
					m[i].pos = pos;
			}
			if (m[i].efd >= 0) {
				pfd[np].fd = m[i].efd;
				pfd[np].events = POLLIN;
				idx[np++] = i;
			}
		}
		if (poll(pfd, np, 200) > 0) {
			for (int k = 0; k < np; k++) {
				uint64_t v;
				int st;

				if (!(pfd[k].revents & POLLIN) || read(pfd[k].fd, &v, sizeof(v)) != sizeof(v))
					continue;
				st = status_of(idx[k]);
				syslog(LOG_ERR, "OS %d: %s", idx[k], status_str(st));
				fprintf(stderr, "%s: monitor: OS %d is %s\n", prog, idx[k],
					status_str(st));
			}
		}
	}
	syslog(LOG_INFO, "monitor stopped");
	for (i = 0; i < LWKB_MAX_OS; i++)
		if (m[i].efd >= 0)
			close(m[i].efd);
	return 0;
}
