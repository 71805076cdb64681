// SPDX-License-Identifier: MIT
/*
 * lwkboot monitor, the ihkmond of IHK spec 1.3.2.18: every 200 ms it
 * forwards each instance's new kmsg lines to syslog and reports the
 * instances whose eventfd says PANIC or HUNGUP (docs/lifecycle.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <stdarg.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "cmd.h"

/* A syslog facility by name: user, daemon, local0..local7, with or without LOG_. */
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

	for (i = 0; i < ARRAY_SIZE(tab); i++)
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

/* What the monitor keeps of each instance. */
struct watched {
	int efd;			/* eventfd for PANIC and HUNGUP, or -1 */
	unsigned long long pos;		/* kmsg forwarded up to here */
	char line[1024];		/* a partial line, forwarded when it ends */
	size_t len;
};

struct monitor {
	long interval;			/* -i: seconds, -1 for no hang limit */
	int redirect;			/* -k 1: forward kmsg */
	int facility;			/* -f */
	struct watched w[LWKB_MAX_OS];
};

/* Returns 1 when it printed the help (-h among other options). */
static int monitor_options(struct monitor *m, int argc, char **argv)
{
	char *end;
	int opt;

	optind = 1;
	while ((opt = getopt(argc, argv, "i:k:f:h")) != -1) {
		switch (opt) {
		case 'i':
			m->interval = strtol(optarg, &end, 10);
			if (!*optarg || *end || (m->interval < 1 && m->interval != -1))
				die_usage("monitor: -i '%s': want seconds, or -1", optarg);
			break;
		case 'k':
			if (strcmp(optarg, "0") && strcmp(optarg, "1"))
				die_usage("monitor: -k '%s': want 0 or 1", optarg);
			m->redirect = optarg[0] == '1';
			break;
		case 'f':
			m->facility = facility_of(optarg);
			if (m->facility < 0)
				die_usage("monitor: unknown syslog facility '%s'", optarg);
			break;
		case 'h': print_help(argv[0]); return 1;
		default: die_usage("monitor: bad option");
		}
	}
	if (optind < argc)
		die_usage("monitor: unexpected argument '%s'", argv[optind]);
	return 0;
}

/* Hang limit: two intervals without a heartbeat, as ihkmond's "twice in a row". */
static int set_hang_limit(long interval)
{
	FILE *f = fopen("/sys/module/lwkboot/parameters/hung_ms", "w");

	if (!f)
		return fail(-errno, "monitor: cannot set the hang limit");
	fprintf(f, "%ld\n", interval < 0 ? 0 : interval * 2000);
	fclose(f);
	return 0;
}

static void report_state(int os, int only_bad);

/*
 * An eventfd for the instance's PANIC and HUNGUP, if it has none yet; and a
 * state it reached before the eventfd was there (before this monitor
 * started, or while systemd restarted it) is reported now.
 */
static void watch_events(struct watched *w, int os)
{
	lwkb_s32 fd;

	if (w->efd >= 0)
		return;
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd >= 0 && !lwkb_os_ctl(os, LWKB_OS_EVENTFD, &fd))
		w->efd = fd;
	else if (fd >= 0)
		close(fd);
	if (w->efd >= 0)
		report_state(os, 1);
}

/* The instance is gone: its eventfd and kmsg position with it. */
static void forget(struct watched *w)
{
	if (w->efd >= 0)
		close(w->efd);
	w->efd = -1;
	w->pos = 0;
	w->len = 0;		/* its partial line is not the next instance's */
}

static int log_facility = LOG_LOCAL6;

/*
 * The LWK writes kmsg: a line may hold any byte.  A trailing CR goes
 * (an LWK that ends lines with CR LF), other control bytes and DEL become
 * '?', so nothing reaches a terminal through journalctl or a syslog file
 * and the journal keeps the line as text.
 */
static void sanitize(char *s)
{
	size_t n = strlen(s);

	if (n && s[n - 1] == '\r')
		s[--n] = '\0';
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/*
 * One line about instance os (-1: none) at priority prio.  Under systemd
 * (JOURNAL_STREAM set: the service's output goes to the journal) it goes
 * to the journal in its native datagram protocol (systemd's
 * sd_journal_send(3) speaks the same; "KEY=value" lines, docs:
 * systemd.journal-fields(7)) with the instance in LWKB_OS= and, for a
 * PANIC or HUNGUP the module reported (not a kmsg line that says so),
 * LWKB_EVENT=, so `journalctl LWKB_OS=0 LWKB_EVENT=PANIC` finds it;
 * elsewhere to syslog.
 * Journald forwards to syslog as configured.
 */
static void __attribute__((format(printf, 4, 5)))
mon_log(int prio, int os, const char *event, const char *fmt, ...)
{
	static const struct sockaddr_un addr = {
		.sun_family = AF_UNIX, .sun_path = "/run/systemd/journal/socket",
	};
	static int fd = -2;
	char msg[1200], dgram[1400];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sanitize(msg);
	if (fd == -2)
		fd = getenv("JOURNAL_STREAM") ? socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) : -1;
	if (fd >= 0) {
		n = snprintf(dgram, sizeof(dgram),
			     "MESSAGE=%s\nPRIORITY=%d\nSYSLOG_FACILITY=%d\nSYSLOG_IDENTIFIER=lwkboot\n",
			     msg, prio, log_facility >> 3);
		if (os >= 0 && n > 0 && n < (int)sizeof(dgram))
			n += snprintf(dgram + n, sizeof(dgram) - n, "LWKB_OS=%d\n", os);
		if (event && n > 0 && n < (int)sizeof(dgram))
			n += snprintf(dgram + n, sizeof(dgram) - n, "LWKB_EVENT=%s\n", event);
		/* Never wait on journald: fall back to syslog instead. */
		if (n > 0 && n < (int)sizeof(dgram) &&
		    sendto(fd, dgram, n, MSG_DONTWAIT, (const struct sockaddr *)&addr,
			   sizeof(addr)) == n)
			return;
	}
	syslog(prio, "%s", msg);
}

/* New kmsg to the log, whole lines; a partial one waits for its end. */
static void forward_kmsg(struct watched *w, int os)
{
	static char buf[1 << 17];
	unsigned long long pos = w->pos, lost = 0;
	int n = lwkb_read_kmsg(os, &pos, buf, sizeof(buf), &lost);

	if (lost) {
		mon_log(LOG_WARNING, os, NULL, "OS %d: %llu bytes of kmsg lost", os, lost);
		w->len = 0;	/* the rest of that partial line is gone */
	}
	for (int k = 0; k < n; k++) {
		if (buf[k] == '\n' || w->len == sizeof(w->line) - 1) {
			w->line[w->len] = '\0';
			mon_log(LOG_INFO, os, NULL, "OS %d: %s", os, w->line);
			w->len = 0;
		}
		if (buf[k] != '\n')
			w->line[w->len++] = buf[k] ? buf[k] : '?';	/* a NUL would cut the line */
	}
	if (n > 0)
		w->pos = pos;
}

/* Waits up to 200 ms for the eventfds; reports each instance that signalled. */
static void report_events(struct monitor *m)
{
	struct pollfd pfd[LWKB_MAX_OS];
	int np = 0, idx[LWKB_MAX_OS];

	for (int i = 0; i < LWKB_MAX_OS; i++)
		if (m->w[i].efd >= 0) {
			pfd[np].fd = m->w[i].efd;
			pfd[np].events = POLLIN;
			idx[np++] = i;
		}
	if (poll(pfd, np, 200) <= 0)
		return;
	for (int k = 0; k < np; k++) {
		uint64_t v;

		if (!(pfd[k].revents & POLLIN) || read(pfd[k].fd, &v, sizeof(v)) != sizeof(v))
			continue;
		report_state(idx[k], 0);
	}
}

/*
 * The state the module signalled on the eventfd (it signals each PANIC
 * and HUNGUP once); only_bad: at registration, a PANIC or HUNGUP reached
 * before, which no eventfd could carry.
 */
static void report_state(int os, int only_bad)
{
	int st = status_of(os);

	if (only_bad && st != LWKB_STATUS_PANIC && st != LWKB_STATUS_HUNGUP)
		return;
	mon_log(LOG_ERR, os, status_str(st), "OS %d: %s", os, status_str(st));
	fprintf(stderr, "%s: monitor: OS %d is %s\n", prog, os, status_str(st));
}

static int listed(const struct lwkb_os_list *ol, int os)
{
	for (unsigned int k = 0; k < ol->nr; k++)
		if (ol->index[k] == (lwkb_u32)os)
			return 1;
	return 0;
}

/* One round over the instances; 0, or -1 when the module went away. */
static int monitor_round(struct monitor *m)
{
	struct lwkb_os_list ol;

	if (lwkb_ctl(LWKB_LIST_OS, &ol))
		return -1;
	for (int i = 0; i < LWKB_MAX_OS; i++) {
		if (!listed(&ol, i)) {
			forget(&m->w[i]);
			continue;
		}
		watch_events(&m->w[i], i);
		if (m->redirect)
			forward_kmsg(&m->w[i], i);
	}
	report_events(m);
	return 0;
}

int cmd_monitor(int argc, char **argv)
{
	struct monitor m = { .interval = 600, .redirect = 1, .facility = LOG_LOCAL6 };
	int i;

	if (monitor_options(&m, argc, argv))
		return 0;
	if (!lwkb_module_loaded())
		return fail(-ENOENT, "monitor: /dev/mcd0");
	if (set_hang_limit(m.interval))
		return 1;
	openlog("lwkboot", LOG_PID, m.facility);
	log_facility = m.facility;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (i = 0; i < LWKB_MAX_OS; i++) {
		m.w[i].efd = -1;
		m.w[i].pos = 0;
		m.w[i].len = 0;
	}
	mon_log(LOG_INFO, -1, NULL, "monitor started (interval %ld s, kmsg %s)", m.interval,
		m.redirect ? "forwarded" : "not forwarded");
	while (!monitor_stop && !monitor_round(&m))
		;
	mon_log(LOG_INFO, -1, NULL, "monitor stopped");
	for (i = 0; i < LWKB_MAX_OS; i++)
		forget(&m.w[i]);
	return 0;
}
