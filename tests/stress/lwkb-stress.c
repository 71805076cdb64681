// SPDX-License-Identifier: MIT
/*
 * lwkb-stress: stress and fuzz the interface of lwkboot.ko.
 *
 * N worker processes run for a bounded time.  Each issues random but
 * type-aware sequences of every ioctl on /dev/mcd0 and /dev/mcosN (valid
 * CPU numbers mostly, hostile ones sometimes; memory mostly in 4 MiB
 * multiples; good and corrupt images; kernel arguments of 0 to 5000 bytes;
 * kmsg reads anywhere; ikc-ping; eventfds; bad pointers), real boots
 * (reserve, create, assign, load, boot, RUNNING, ikc-ping, shutdown), opens
 * racing destroys, sysfs CPU onlining racing reserve/release, and module
 * unload attempts (reloading the module when one succeeds).
 *
 * Every result is checked against the errno values the operation may give
 * for the arguments it was given.  Anything else is "unexpected", and so
 * is a failed semantic check (a CPU both reserved and online, an ikc-ping
 * round-trip time no round trip can take, a corrupt image accepted, a value
 * out of range), a worker that crashes, and an operation that outlives its
 * time bound (the parent's watchdog prints its kernel stack and kills it).
 * The exit status is 0 only when nothing unexpected happened.
 *
 * The seed is printed at the start; -s SEED replays a run as far as
 * scheduling allows: worker i draws from its own stream, derived from the
 * seed and i, and its helpers from that stream.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lwkboot/ioctl.h"
#include "lwkboot/boot_info.h"
#include "lwkboot/ikc.h"
#include "lwkboot/status.h"

#define MAX_PROCS	64
#define NERR		134		/* result slots: 0 ok, 1..132 errno, 133 other */
#define ERR_OTHER	(NERR - 1)
#define UNIT		LWKB_MEM_UNIT
#define KMSG_AREA	(128 * 1024)	/* the module's kmsg ring, header included */
#define PING_MAX	512		/* rtt entries the harness asks for */
#define RTT_PATTERN	0x5a5a5a5a5a5a5a5aULL
#define RTT_LIMIT	30000000000ULL	/* 30 s: no round trip takes longer */
#define LOW_MEM_MB	192		/* below this MemAvailable, reserve releases */
#define HELPER_GRACE_S	30
#define KILL_GRACE_S	30
#define MODULE_NAME	"lwkboot"
#define MODULE_PARAMS	"tramp_addr=0x70000 tramp_pages=16"
#define CPU_SYSFS	"/sys/devices/system/cpu"
#define NS		1000000000ULL
#define MS		1000000ULL

struct worker;
typedef void op_fn(struct worker *);

/*
 * The operations: name, weight (how often a worker picks it; 0: only as a
 * step of another), and the time bound in seconds after which the watchdog
 * calls it hung.  Bounds are generous: the VM runs under TCG.
 */
#ifdef LWKB_OS_STATUS_INFO
#define OP_STATUS_INFO(X)	X(os_status_info, 2, 30)
#else
#define OP_STATUS_INFO(X)
#endif
#ifdef LWKB_OS_FREEZE
#define OP_FREEZE(X)	X(os_freeze, 3, 60) X(os_thaw, 1, 30)
#else
#define OP_FREEZE(X)
#endif
#define OP_LIST(X)				\
	X(open_mcd0, 1, 60)			\
	X(open_os, 3, 60)			\
	X(close_os, 3, 60)			\
	X(reserve_cpu, 8, 60)			\
	X(release_cpu, 8, 60)			\
	X(query_cpu, 3, 30)			\
	X(reserve_mem, 8, 90)			\
	X(release_mem, 7, 60)			\
	X(query_mem, 3, 30)			\
	X(create, 6, 30)			\
	X(destroy, 6, 30)			\
	X(list, 2, 30)				\
	X(bad_ioctl, 2, 30)			\
	X(bad_pointer, 2, 30)			\
	X(os_assign_cpu, 6, 30)			\
	X(os_release_cpu, 3, 30)		\
	X(os_query_cpu, 2, 30)			\
	X(os_assign_mem, 6, 30)			\
	X(os_release_mem, 3, 30)		\
	X(os_query_mem, 2, 30)			\
	X(os_set_ikc_map, 2, 30)		\
	X(os_get_ikc_map, 1, 30)		\
	X(os_load_good, 5, 60)			\
	X(os_load_bad, 8, 60)			\
	X(os_kargs, 5, 30)			\
	X(os_boot, 5, 90)			\
	X(os_status, 3, 30)			\
	X(os_status_wait, 3, 120)		\
	X(os_kmsg, 5, 30)			\
	X(os_clear_kmsg, 1, 30)			\
	X(os_shutdown, 4, 90)			\
	X(os_query_free_mem, 1, 30)		\
	X(os_eventfd, 3, 30)			\
	X(os_ikc_ping, 5, 90)			\
	OP_STATUS_INFO(X)			\
	OP_FREEZE(X)				\
	X(cpu_online, 5, 90)			\
	X(check_cpus, 2, 60)			\
	X(mod_unload, 1, 180)			\
	X(mod_reload, 0, 90)			\
	X(mod_params, 0, 90)			\
	X(lifecycle, 6, 400)			\
	X(race_destroy, 3, 120)			\
	X(race_hotplug, 3, 180)

#define X(n, wt, b) static op_fn op_##n;
OP_LIST(X)
#undef X
enum {
#define X(n, wt, b) OP_##n,
	OP_LIST(X)
#undef X
	NOPS
};
static const struct {
	const char *name;
	op_fn *fn;
	unsigned weight, bound_s;
} ops[NOPS] = {
#define X(n, wt, b) { #n, op_##n, wt, b },
	OP_LIST(X)
#undef X
};

/* Kinds of unexpected result; the first few of each per operation are printed. */
enum check { CK_ERRNO, CK_VALUE, CK_CPU, CK_ELF, CK_RTT, CK_CRASH, CK_HANG, NCK };
#define PRINT_PER_KIND	3

/* ---- state shared by all processes (one MAP_SHARED mapping) ---- */
struct slot {			/* what worker i is doing, for the watchdog */
	pid_t pid, helper;
	int op, sub, hsub;	/* top-level op, its current step, the helper's step */
	uint64_t op_t, sub_t, hsub_t;
	uint64_t ops;
	int hung, gone;		/* reported hung; given up on (unkillable) */
	int idle;		/* paused for another worker's unload attempt */
	uint64_t killed_t;
};

struct shared {
	int stop;
	uint64_t count[NOPS][NERR];
	uint64_t unexpected[NOPS];
	uint64_t max_ns[NOPS];
	uint32_t printed[NOPS][NCK];
	uint64_t nunexpected;
	uint64_t full_boots, unloads, reloads, efd_signals, rtt_checked, boots_skipped;
	struct lwkb_cpuset poisoned;	/* CPUs seen reserved and online: never boot them */
	int sysrq_done;
	uint64_t quiesce_until;		/* nonzero: the others pause for an unload attempt */
	int quiescer;			/* the worker attempting it, or -1 */
	struct slot w[MAX_PROCS];
};
static struct shared *sh;
#define INC(x)		__atomic_fetch_add(&(x), 1, __ATOMIC_RELAXED)
#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* ---- configuration, set before the fork ---- */
static struct {
	int procs;
	unsigned seconds;
	uint64_t seed;
	const char *image, *ko;
	int boot_poisoned;
	unsigned char *img;		/* the good image */
	size_t img_size, img_need;	/* bytes the headers and segments need */
	int cpus[LWKB_MAX_CPUS], ncpus;	/* present CPUs other than 0 */
	unsigned max_cpu;		/* highest present CPU + 1 */
	struct lwkb_cpuset nodes;	/* online NUMA nodes */
	uint64_t deadline;
	char *guard;			/* an inaccessible page */
	unsigned weight[NOPS], total_weight;
} cfg;

struct worker {
	int id, helper;		/* helper: a short-lived child of worker id */
	uint64_t rng;
	int mcd, mcd_left;	/* /dev/mcd0, ops before it is closed */
	int os, os_idx, os_left;
	int efd;		/* the eventfd last given to an instance */
	char desc[240];		/* the arguments of the call in progress */
	unsigned char *img;	/* scratch copy of the image, ends at a guard page */
	char *kbuf;		/* kmsg buffer, KMSG_AREA bytes before a guard page */
	char *kargs;		/* 5001 bytes */
	uint64_t *rtt;		/* PING_MAX entries before a guard page */
	void *zero;		/* 16 KiB of zeros */
};

/* ---- small helpers ---- */
static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * NS + (uint64_t)t.tv_nsec;
}

static void sleep_us(unsigned us)
{
	struct timespec t = { us / 1000000, (long)(us % 1000000) * 1000 };

	nanosleep(&t, NULL);
}

static void sleep_ms(unsigned ms)
{
	sleep_us(ms * 1000);
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(struct worker *w, uint64_t n)
{
	uint64_t v = splitmix(&w->rng);

	return n ? v % n : v;
}

static int chance(struct worker *w, unsigned pct)
{
	return rnd(w, 100) < pct;
}

static int stopping(void)
{
	return LOAD(sh->stop) || now_ns() >= cfg.deadline;
}

static void say(const char *fmt, ...)
{
	char b[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b, sizeof(b) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(b) - 2)
		n = sizeof(b) - 2;
	b[n++] = '\n';
	if (write(STDOUT_FILENO, b, n) < 0)
		return;
}

static const char *ename(int e)
{
	const char *s = e ? strerrorname_np(e) : "ok";
	static char buf[16];

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

static void desc(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->desc, sizeof(w->desc), fmt, ap);
	va_end(ap);
}

static void *guarded(size_t size)
{
	size_t pg = 4096, len = (size + pg - 1) / pg * pg;
	char *m = mmap(NULL, len + pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED || mprotect(m + len, pg, PROT_NONE)) {
		perror("lwkb-stress: mmap");
		exit(2);
	}
	return m + len - size;
}

static void *bad_ptr(struct worker *w)
{
	static const uintptr_t bad[] = {
		0, 8, 0xffff888000000000UL, 0x0000800000000000UL, 0xffffffffff600000UL,
	};
	unsigned k = rnd(w, 6);

	return k == 5 ? (void *)cfg.guard : (void *)bad[k];
}

/* ---- results ---- */
#define ALLOW(...)	((const int[]){ __VA_ARGS__, -1 })
#define ANY		NULL

static int allowed(const int *set, int e)
{
	if (!set)
		return 1;
	for (; *set >= 0; set++)
		if (*set == e)
			return 1;
	return 0;
}

static void unexpected(struct worker *w, int op, enum check ck, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	INC(sh->unexpected[op]);
	INC(sh->nunexpected);
	if (__atomic_fetch_add(&sh->printed[op][ck], 1, __ATOMIC_RELAXED) >= PRINT_PER_KIND)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w && w->id < cfg.procs)
		say("UNEXPECTED [worker %d%s, pid %d, op %s] %s (%s)", w->id,
		    w->helper ? " helper" : "", (int)getpid(), ops[op].name, msg, w->desc);
	else
		say("UNEXPECTED [op %s] %s%s%s", ops[op].name, msg, w ? " " : "", w ? w->desc : "");
}

static void max_time(int op, uint64_t ns)
{
	uint64_t old = LOAD(sh->max_ns[op]);

	while (ns > old && !__atomic_compare_exchange_n(&sh->max_ns[op], &old, ns, 0,
						       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static int record(struct worker *w, int op, int err, const int *ok)
{
	INC(sh->count[op][err >= 0 && err < ERR_OTHER ? err : ERR_OTHER]);
	if (!allowed(ok, err))
		unexpected(w, op, CK_ERRNO, "%s", ename(err));
	return err;
}

/* The step in progress, for the watchdog (a helper has a field of its own). */
static void step(struct worker *w, int op)
{
	struct slot *s = &sh->w[w->id];

	if (w->helper) {
		STORE(s->hsub_t, now_ns());
		STORE(s->hsub, op);
	} else {
		STORE(s->sub_t, now_ns());
		STORE(s->sub, op);
	}
}

static void step_done(struct worker *w, int op, uint64_t t0)
{
	max_time(op, now_ns() - t0);
	if (w->helper)
		STORE(sh->w[w->id].hsub, -1);
	else
		STORE(sh->w[w->id].sub, -1);
}

/* Requests that return a value on success; every other one returns 0. */
static int returns_value(unsigned long req)
{
	return req == LWKB_CREATE_OS || req == LWKB_OS_STATUS || req == LWKB_OS_KMSG;
}

/* One ioctl, timed and checked: returns 0 or the errno. */
static int xio(struct worker *w, int op, int fd, unsigned long req, void *arg,
	       long *ret, const int *ok)
{
	uint64_t t0 = now_ns();
	long r;
	int err;

	step(w, op);
	r = ioctl(fd, req, arg);
	err = r < 0 ? errno : 0;
	step_done(w, op, t0);
	if (ret)
		*ret = r;
	if (r > 0 && !returns_value(req))
		unexpected(w, op, CK_VALUE, "returned %ld: neither 0 nor -1 with errno", r);
	return record(w, op, err, ok);
}

static int open_dev(struct worker *w, int op, const char *path)
{
	uint64_t t0 = now_ns();
	int fd, err;

	step(w, op);
	fd = open(path, O_RDWR | O_CLOEXEC);
	err = fd < 0 ? errno : 0;
	step_done(w, op, t0);
	record(w, op, err, ALLOW(0, ENOENT, ENXIO, ENODEV));
	return fd;
}

static void close_fd(struct worker *w, int *fd)
{
	uint64_t t0 = now_ns();

	if (*fd < 0)
		return;
	step(w, OP_close_os);
	close(*fd);
	step_done(w, OP_close_os, t0);
	*fd = -1;
}

/* ---- CPU sets ---- */
static void cs_set(struct lwkb_cpuset *s, unsigned c)
{
	s->bits[c / 64] |= 1ULL << (c % 64);
}

static int cs_test(const struct lwkb_cpuset *s, unsigned c)
{
	return c < LWKB_MAX_CPUS && (s->bits[c / 64] >> (c % 64)) & 1;
}

static int cs_empty(const struct lwkb_cpuset *s)
{
	for (unsigned i = 0; i < LWKB_MAX_CPUS / 64; i++)
		if (s->bits[i])
			return 0;
	return 1;
}

static void cs_and(struct lwkb_cpuset *d, const struct lwkb_cpuset *s)
{
	for (unsigned i = 0; i < LWKB_MAX_CPUS / 64; i++)
		d->bits[i] &= s->bits[i];
}

static const char *cs_fmt(const struct lwkb_cpuset *s, char *buf, size_t len)
{
	size_t n = 0;
	unsigned c, shown = 0;

	buf[0] = 0;
	for (c = 0; c < LWKB_MAX_CPUS && n + 8 < len; c++)
		if (cs_test(s, c))
			n += snprintf(buf + n, len - n, shown++ < 8 ? "%s%u" : "%s...",
				      n ? "," : "", c);
	return n ? buf : "none";
}

/* Parses Linux's CPU list format ("0-3,5\n"). */
static int cs_parse(const char *p, struct lwkb_cpuset *s)
{
	char *end;

	memset(s, 0, sizeof(*s));
	while (*p && *p != '\n') {
		unsigned long a = strtoul(p, &end, 10), b = a;

		if (end == p)
			return -1;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (; a <= b && a < LWKB_MAX_CPUS; a++)
			cs_set(s, a);
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

static int read_cpus(const char *path, struct lwkb_cpuset *s)
{
	char buf[4096];

	return read_file(path, buf, sizeof(buf)) ? -1 : cs_parse(buf, s);
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) < 0)
		err = errno;
	close(fd);
	return err;
}

static long mem_available_mb(void)
{
	char buf[4096], *p;

	if (read_file("/proc/meminfo", buf, sizeof(buf)) ||
	    !(p = strstr(buf, "MemAvailable:")))
		return -1;
	return strtol(p + 13, NULL, 10) / 1024;
}

/* A present CPU other than 0, or -1. */
static int rand_cpu(struct worker *w)
{
	return cfg.ncpus ? cfg.cpus[rnd(w, cfg.ncpus)] : -1;
}

/* Mostly one or two present CPUs; sometimes CPU 0, CPUs that do not
 * exist, none, or all of them. */
static void rand_cpuset(struct worker *w, struct lwkb_cpuset *s)
{
	unsigned r = rnd(w, 100), i, n;

	memset(s, 0, sizeof(*s));
	if (r < 75 && cfg.ncpus) {
		for (i = 0, n = 1 + rnd(w, 2); i < n; i++)
			cs_set(s, rand_cpu(w));
	} else if (r < 83) {
		cs_set(s, 0);
		if (chance(w, 50) && cfg.ncpus)
			cs_set(s, rand_cpu(w));
	} else if (r < 91) {
		cs_set(s, cfg.max_cpu + rnd(w, LWKB_MAX_CPUS - cfg.max_cpu));
	} else if (r < 95) {
		return;
	} else {
		for (i = 0; i < cfg.max_cpu; i++)
			cs_set(s, i);
	}
}

/* ---- memory lists ---- */
enum ml_kind { ML_VALID, ML_INVALID, ML_EMPTY, ML_TOOMANY, ML_BADPTR };

static uint64_t rand_size(struct worker *w, unsigned all_pct)
{
	static const uint64_t odd[] = { 1, 4096, 1 << 20, UNIT + 4096, 2 * UNIT - 1, 3 * UNIT / 2 };
	static const uint64_t huge[] = { 1ULL << 40, 1ULL << 63, ~0ULL - 1, UNIT * 0xffffffffULL,
					 1ULL << 34 };
	unsigned r = rnd(w, 100);

	if (r < all_pct)
		return LWKB_MEM_ALL;
	if (r < 70)
		return UNIT * (1 + rnd(w, 4));
	if (r < 82)
		return UNIT * (5 + rnd(w, 12));
	if (r < 88)
		return 0;
	if (r < 94)
		return odd[rnd(w, sizeof(odd) / sizeof(odd[0]))];
	return huge[rnd(w, sizeof(huge) / sizeof(huge[0]))];
}

static int32_t rand_numa(struct worker *w)
{
	static const int32_t hostile[] = { 1, 7, -2, INT32_MAX, INT32_MIN, 1024 };
	unsigned r = rnd(w, 100);

	if (r < 85)
		return LWKB_NUMA_ANY;
	if (r < 95)
		return 0;
	return hostile[rnd(w, sizeof(hostile) / sizeof(hostile[0]))];
}

static int ent_valid(const struct lwkb_mem_ent *e)
{
	int numa_ok = e->numa == LWKB_NUMA_ANY ||
		      (e->numa >= 0 && cs_test(&cfg.nodes, (unsigned)e->numa));

	return numa_ok && (e->size == LWKB_MEM_ALL || (e->size && e->size % UNIT == 0));
}

/* Fills ml (and up to 3 entries in e) and says what kind of list it is. */
static enum ml_kind rand_memlist(struct worker *w, struct lwkb_mem_ent *e,
				 struct lwkb_mem_list *ml, unsigned all_pct)
{
	unsigned r = rnd(w, 100), i;
	enum ml_kind kind = ML_VALID;

	memset(ml, 0, sizeof(*ml));
	memset(e, 0, 3 * sizeof(*e));
	ml->ents = (uintptr_t)e;
	if (r < 4)
		return ML_EMPTY;
	if (r < 8) {
		ml->nr = chance(w, 50) ? 1025 : 0xffffffffu;
		return ML_TOOMANY;
	}
	ml->nr = 1 + rnd(w, 3);
	for (i = 0; i < ml->nr; i++) {
		e[i].size = rand_size(w, all_pct);
		e[i].numa = rand_numa(w);
		if (!ent_valid(&e[i]))
			kind = ML_INVALID;
	}
	if (r < 12) {
		ml->ents = (uintptr_t)bad_ptr(w);
		return ML_BADPTR;
	}
	return kind;
}

static void desc_memlist(struct worker *w, const char *what, const struct lwkb_mem_list *ml)
{
	const struct lwkb_mem_ent *e = (const void *)(uintptr_t)ml->ents;
	char b[160] = "";
	size_t n = 0;

	for (unsigned i = 0; ml->nr <= 3 && i < ml->nr && (uintptr_t)e > 4096 &&
	     (uintptr_t)e < 0x0000800000000000UL && (void *)e != cfg.guard; i++)
		n += snprintf(b + n, sizeof(b) - n, "%s0x%llx@%d%s", i ? "," : "",
			      (unsigned long long)e[i].size, e[i].numa,
			      e[i].start ? "(start)" : "");
	desc(w, "%s nr=%u ents=%p [%s]", what, ml->nr, (void *)e, b);
}

/* Checks what a memory query returned. */
static void check_chunks(struct worker *w, int op, const struct lwkb_mem_ent *e,
			 const struct lwkb_mem_list *ml, uint32_t room)
{
	if (ml->nr > room || ml->nr > ml->total)
		unexpected(w, op, CK_VALUE, "query filled %u of %u entries with room %u",
			   ml->nr, ml->total, room);
	for (uint32_t i = 0; i < ml->nr && i < room; i++)
		if (!e[i].size || e[i].size % UNIT || e[i].start % UNIT || e[i].numa < 0)
			unexpected(w, op, CK_VALUE, "chunk %u: size 0x%llx start 0x%llx numa %d",
				   i, (unsigned long long)e[i].size,
				   (unsigned long long)e[i].start, e[i].numa);
}

static int query_mem(struct worker *w, int op, int fd, unsigned long req,
		     struct lwkb_mem_ent *e, uint32_t room, struct lwkb_mem_list *ml)
{
	int err;

	memset(ml, 0, sizeof(*ml));
	ml->ents = (uintptr_t)e;
	ml->nr = room;
	desc(w, "room %u", room);
	err = xio(w, op, fd, req, ml, NULL, ALLOW(0));
	if (!err)
		check_chunks(w, op, e, ml, room);
	return err;
}

/* ---- device files ---- */
static int get_mcd(struct worker *w)
{
	if (w->mcd < 0) {
		w->mcd = open_dev(w, OP_open_mcd0, "/dev/mcd0");
		w->mcd_left = chance(w, 50) ? 1 : 1 + rnd(w, 5);
	}
	return w->mcd;
}

static int pick_index(struct worker *w)
{
	return chance(w, 75) ? (int)rnd(w, 3) : (int)rnd(w, LWKB_MAX_OS);
}

static int open_os_index(struct worker *w, int idx)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/mcos%d", idx);
	desc(w, "%s", path);
	return open_dev(w, OP_open_os, path);
}

static int get_os(struct worker *w)
{
	if (w->os >= 0 && chance(w, 75))
		return w->os;
	close_fd(w, &w->os);
	w->os_idx = pick_index(w);
	w->os = open_os_index(w, w->os_idx);
	w->os_left = 1 + rnd(w, 6);
	return w->os;
}

static void close_all(struct worker *w)
{
	close_fd(w, &w->mcd);
	close_fd(w, &w->os);
}

/* ---- helpers: short-lived children of a worker ---- */
typedef void helper_fn(struct worker *, long arg, uint64_t end);

static pid_t helper_start(struct worker *w, helper_fn *fn, long arg, unsigned ms)
{
	uint64_t seed = rnd(w, 0), end = now_ns() + ms * MS;
	pid_t pid = fork();

	if (pid == 0) {
		w->helper = 1;
		w->rng = seed;
		fn(w, arg, end);
		_exit(0);
	}
	if (pid > 0)
		STORE(sh->w[w->id].helper, pid);
	return pid;
}

static void print_stack(pid_t pid, const char *who)
{
	char path[64], buf[4096], *line, *save = NULL;

	snprintf(path, sizeof(path), "/proc/%d/stack", (int)pid);
	if (read_file(path, buf, sizeof(buf))) {
		say("  %s (pid %d): no kernel stack (%s)", who, (int)pid, strerror(errno));
		return;
	}
	say("  %s (pid %d) kernel stack:", who, (int)pid);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		say("    %s", line);
}

static void helper_wait(struct worker *w, pid_t pid, int op)
{
	uint64_t limit = now_ns() + HELPER_GRACE_S * NS, hard = limit + KILL_GRACE_S * NS;
	int st = 0, killed = 0;

	if (pid <= 0)
		return;
	while (waitpid(pid, &st, WNOHANG) != pid) {
		if (!killed && now_ns() > limit) {
			unexpected(w, op, CK_HANG, "helper pid %d still running %d s after its end",
				   (int)pid, HELPER_GRACE_S);
			print_stack(pid, "helper");
			kill(pid, SIGKILL);
			killed = 1;
		}
		if (now_ns() > hard) {
			say("lwkb-stress: worker %d: helper %d cannot be killed; leaving it", w->id,
			    (int)pid);
			return;
		}
		sleep_ms(5);
	}
	STORE(sh->w[w->id].helper, 0);
	if (!killed && (WIFSIGNALED(st) || WEXITSTATUS(st)))
		unexpected(w, op, CK_CRASH, "helper pid %d %s %d", (int)pid,
			   WIFSIGNALED(st) ? "died of signal" : "exited with",
			   WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

/* ======== /dev/mcd0 ======== */
static void op_open_mcd0(struct worker *w)
{
	close_fd(w, &w->mcd);
	get_mcd(w);
}

static void op_reserve_cpu(struct worker *w)
{
	struct lwkb_cpuset s;
	char b[80];
	int fd = get_mcd(w), bad = chance(w, 3);

	if (fd < 0)
		return;
	rand_cpuset(w, &s);
	desc(w, "cpus %s%s", cs_fmt(&s, b, sizeof(b)), bad ? " (bad pointer)" : "");
	xio(w, OP_reserve_cpu, fd, LWKB_RESERVE_CPU, bad ? bad_ptr(w) : &s, NULL,
	    bad ? ALLOW(EFAULT) : ALLOW(0, EINVAL, EBUSY, ENOMEM));
}

static void op_release_cpu(struct worker *w)
{
	struct lwkb_cpuset s;
	char b[80];
	int fd = get_mcd(w), bad = chance(w, 3);

	if (fd < 0)
		return;
	if (!chance(w, 30) ||
	    xio(w, OP_query_cpu, fd, LWKB_QUERY_CPU, &s, NULL, ALLOW(0)))
		rand_cpuset(w, &s);
	desc(w, "cpus %s%s", cs_fmt(&s, b, sizeof(b)), bad ? " (bad pointer)" : "");
	xio(w, OP_release_cpu, fd, LWKB_RELEASE_CPU, bad ? bad_ptr(w) : &s, NULL,
	    bad ? ALLOW(EFAULT) : ALLOW(0, EINVAL, EBUSY, ENOMEM));
}

static void check_cpuset(struct worker *w, int op, const struct lwkb_cpuset *s)
{
	char b[80];

	if (cs_test(s, 0))
		unexpected(w, op, CK_VALUE, "CPU 0 in the set (%s)", cs_fmt(s, b, sizeof(b)));
	for (unsigned c = cfg.max_cpu; c < LWKB_MAX_CPUS; c++)
		if (cs_test(s, c)) {
			unexpected(w, op, CK_VALUE, "CPU %u does not exist", c);
			break;
		}
}

static void op_query_cpu(struct worker *w)
{
	struct lwkb_cpuset s;
	int fd = get_mcd(w);

	desc(w, "-");
	if (fd >= 0 && !xio(w, OP_query_cpu, fd, LWKB_QUERY_CPU, &s, NULL, ALLOW(0)))
		check_cpuset(w, OP_query_cpu, &s);
}

static void release_all_mem(struct worker *w, int fd)
{
	struct lwkb_mem_list ml = { 0 };

	desc(w, "all (memory is low)");
	xio(w, OP_release_mem, fd, LWKB_RELEASE_MEM, &ml, NULL, ALLOW(0));
}

static void op_reserve_mem(struct worker *w)
{
	struct lwkb_mem_ent e[3];
	struct lwkb_mem_list ml;
	enum ml_kind k;
	int fd = get_mcd(w);

	if (fd < 0)
		return;
	if (mem_available_mb() < LOW_MEM_MB) {
		release_all_mem(w, fd);
		return;
	}
	k = rand_memlist(w, e, &ml, 1);
	desc_memlist(w, "reserve", &ml);
	xio(w, OP_reserve_mem, fd, LWKB_RESERVE_MEM, &ml, NULL,
	    k == ML_VALID ? ALLOW(0, ENOMEM) : k == ML_BADPTR ? ALLOW(EFAULT) :
	    ALLOW(EINVAL));
}

/* Up to two chunks a query returned, as release/assign entries (start set). */
static uint32_t pick_chunks(struct worker *w, struct lwkb_mem_ent *from, uint32_t n,
			    struct lwkb_mem_ent *to)
{
	uint32_t k = 0, want = 1 + rnd(w, 2);

	for (uint32_t i = 0; n && i < want; i++)
		to[k++] = from[rnd(w, n)];
	if (k == 2 && to[0].start == to[1].start)
		k = 1;
	return k;
}

static void op_release_mem(struct worker *w)
{
	struct lwkb_mem_ent q[16], e[3];
	struct lwkb_mem_list ml;
	enum ml_kind k;
	unsigned r = rnd(w, 100);
	int fd = get_mcd(w);

	if (fd < 0)
		return;
	if (r < 45) {
		memset(&ml, 0, sizeof(ml));
		desc(w, "all");
		xio(w, OP_release_mem, fd, LWKB_RELEASE_MEM, &ml, NULL, ALLOW(0));
		return;
	}
	if (r < 80) {
		if (query_mem(w, OP_query_mem, fd, LWKB_QUERY_MEM, q, 16, &ml))
			return;
		ml.nr = pick_chunks(w, q, ml.nr, e);
		ml.ents = (uintptr_t)e;
		desc_memlist(w, "release queried", &ml);
		xio(w, OP_release_mem, fd, LWKB_RELEASE_MEM, &ml, NULL, ALLOW(0, EINVAL));
		return;
	}
	k = rand_memlist(w, e, &ml, 5);
	desc_memlist(w, "release", &ml);
	xio(w, OP_release_mem, fd, LWKB_RELEASE_MEM, &ml, NULL,
	    k == ML_EMPTY ? ALLOW(0) : k == ML_TOOMANY ? ALLOW(EINVAL) :
	    k == ML_BADPTR ? ALLOW(EFAULT) : ALLOW(0, EINVAL, ENOMEM));
}

static void op_query_mem(struct worker *w)
{
	struct lwkb_mem_ent q[9];
	struct lwkb_mem_list ml;
	int fd = get_mcd(w), bad = chance(w, 4);
	uint32_t room = rnd(w, 9);

	if (fd < 0)
		return;
	if (!bad) {
		query_mem(w, OP_query_mem, fd, LWKB_QUERY_MEM, q, room, &ml);
		return;
	}
	memset(&ml, 0, sizeof(ml));
	ml.ents = (uintptr_t)bad_ptr(w);
	ml.nr = 1 + room;
	desc(w, "room %u, bad entries pointer", ml.nr);
	xio(w, OP_query_mem, fd, LWKB_QUERY_MEM, &ml, NULL, ALLOW(0, EFAULT));
}

static void op_create(struct worker *w)
{
	int fd = get_mcd(w);
	long idx;

	desc(w, "-");
	if (fd >= 0 && !xio(w, OP_create, fd, LWKB_CREATE_OS, NULL, &idx,
			    ALLOW(0, ENOSPC, ENOMEM)) && (idx < 0 || idx >= LWKB_MAX_OS))
		unexpected(w, OP_create, CK_VALUE, "index %ld", idx);
}

static void op_destroy(struct worker *w)
{
	static const uint32_t hostile[] = { LWKB_MAX_OS, 0xffffffffu, 1000, 0x80000000u };
	uint32_t idx = chance(w, 95) ? (uint32_t)pick_index(w) : hostile[rnd(w, 4)];
	int fd = get_mcd(w);

	desc(w, "index %u", idx);
	if (fd >= 0)
		xio(w, OP_destroy, fd, LWKB_DESTROY_OS, &idx, NULL, ALLOW(0, ENOENT, EBUSY));
}

static void op_list(struct worker *w)
{
	struct lwkb_os_list l;
	int fd = get_mcd(w);

	desc(w, "-");
	if (fd < 0 || xio(w, OP_list, fd, LWKB_LIST_OS, &l, NULL, ALLOW(0)))
		return;
	if (l.nr > LWKB_MAX_OS)
		unexpected(w, OP_list, CK_VALUE, "%u instances", l.nr);
	for (uint32_t i = 0; i < l.nr && i < LWKB_MAX_OS; i++)
		if (l.index[i] >= LWKB_MAX_OS || (i && l.index[i] <= l.index[i - 1]))
			unexpected(w, OP_list, CK_VALUE, "index[%u] = %u", i, l.index[i]);
}

/* ---- unknown requests and bad argument pointers ---- */
static const uint32_t mcd_cmds[] = {
	LWKB_RESERVE_CPU, LWKB_QUERY_CPU, LWKB_RELEASE_CPU, LWKB_RESERVE_MEM,
	LWKB_QUERY_MEM, LWKB_RELEASE_MEM, LWKB_CREATE_OS, LWKB_DESTROY_OS, LWKB_LIST_OS,
};
static const uint32_t os_cmds[] = {
	LWKB_OS_ASSIGN_CPU, LWKB_OS_QUERY_CPU, LWKB_OS_RELEASE_CPU, LWKB_OS_ASSIGN_MEM,
	LWKB_OS_QUERY_MEM, LWKB_OS_RELEASE_MEM, LWKB_OS_SET_IKC_MAP, LWKB_OS_GET_IKC_MAP,
	LWKB_OS_LOAD, LWKB_OS_KARGS, LWKB_OS_BOOT, LWKB_OS_STATUS, LWKB_OS_KMSG,
	LWKB_OS_CLEAR_KMSG, LWKB_OS_SHUTDOWN, LWKB_OS_QUERY_FREE_MEM, LWKB_OS_EVENTFD,
	LWKB_OS_IKC_PING,
#ifdef LWKB_OS_STATUS_INFO
	LWKB_OS_STATUS_INFO,
#endif
#ifdef LWKB_OS_FREEZE
	LWKB_OS_FREEZE, LWKB_OS_THAW, LWKB_OS_DUMP_NMI,
#endif
};
#define NMCD	(sizeof(mcd_cmds) / sizeof(mcd_cmds[0]))
#define NOSC	(sizeof(os_cmds) / sizeof(os_cmds[0]))

static int known_cmd(uint32_t c)
{
	for (size_t i = 0; i < NMCD; i++)
		if (mcd_cmds[i] == c)
			return 1;
	for (size_t i = 0; i < NOSC; i++)
		if (os_cmds[i] == c)
			return 1;
	return 0;
}

static void op_bad_ioctl(struct worker *w)
{
	int on_os = chance(w, 50), fd = on_os ? get_os(w) : get_mcd(w);
	unsigned r = rnd(w, 3);
	uint32_t cmd;

	if (fd < 0)
		return;
	if (r == 0) {		/* a request of the other device */
		cmd = on_os ? mcd_cmds[rnd(w, NMCD)] : os_cmds[rnd(w, NOSC)];
	} else {
		do {
			cmd = r == 1 ? LWKB_IOC(rnd(w, 4), rnd(w, 256), rnd(w, 1 << 14)) :
			      (on_os ? os_cmds[rnd(w, NOSC)] : mcd_cmds[rnd(w, NMCD)]) ^
			      (uint32_t)((1 + rnd(w, 0x3fff)) << 16);
		} while (known_cmd(cmd));
	}
	desc(w, "request 0x%08x on %s", cmd, on_os ? "/dev/mcosN" : "/dev/mcd0");
	memset(w->zero, 0, 1 << 14);
	xio(w, OP_bad_ioctl, fd, cmd, w->zero, NULL, ALLOW(ENOTTY));
}

/* Requests whose argument is a pointer the module reads or writes first. */
static const uint32_t mcd_ptr_cmds[] = {
	LWKB_RESERVE_CPU, LWKB_QUERY_CPU, LWKB_RELEASE_CPU, LWKB_RESERVE_MEM,
	LWKB_QUERY_MEM, LWKB_RELEASE_MEM, LWKB_DESTROY_OS, LWKB_LIST_OS,
};
static const uint32_t os_ptr_cmds[] = {
	LWKB_OS_ASSIGN_CPU, LWKB_OS_QUERY_CPU, LWKB_OS_RELEASE_CPU, LWKB_OS_ASSIGN_MEM,
	LWKB_OS_QUERY_MEM, LWKB_OS_RELEASE_MEM, LWKB_OS_SET_IKC_MAP, LWKB_OS_GET_IKC_MAP,
	LWKB_OS_LOAD, LWKB_OS_KARGS, LWKB_OS_KMSG, LWKB_OS_SHUTDOWN,
	LWKB_OS_QUERY_FREE_MEM, LWKB_OS_EVENTFD, LWKB_OS_IKC_PING,
};

static void op_bad_pointer(struct worker *w)
{
	int on_os = chance(w, 60), fd = on_os ? get_os(w) : get_mcd(w);
	uint32_t cmd = on_os ? os_ptr_cmds[rnd(w, sizeof(os_ptr_cmds) / 4)] :
			       mcd_ptr_cmds[rnd(w, sizeof(mcd_ptr_cmds) / 4)];
	void *p = bad_ptr(w);

	if (fd < 0)
		return;
	desc(w, "request 0x%08x, argument %p", cmd, p);
	/* Some instance requests answer EBUSY for a booted instance first. */
	xio(w, OP_bad_pointer, fd, cmd, p, NULL, on_os ? ALLOW(EFAULT, EBUSY) : ALLOW(EFAULT));
}

/* ======== /dev/mcosN ======== */
static void op_open_os(struct worker *w)
{
	close_fd(w, &w->os);
	get_os(w);
}

static void op_close_os(struct worker *w)
{
	desc(w, "-");
	close_all(w);
}

static void op_os_assign_cpu(struct worker *w)
{
	struct lwkb_cpuset s, r;
	char b[80];
	int fd = get_os(w), mcd, bad = chance(w, 3);

	if (fd < 0)
		return;
	rand_cpuset(w, &s);
	if (chance(w, 45) && (mcd = get_mcd(w)) >= 0 &&
	    !xio(w, OP_query_cpu, mcd, LWKB_QUERY_CPU, &r, NULL, ALLOW(0)) && !cs_empty(&r))
		s = r;
	desc(w, "os%d cpus %s%s", w->os_idx, cs_fmt(&s, b, sizeof(b)), bad ? " (bad pointer)" : "");
	xio(w, OP_os_assign_cpu, fd, LWKB_OS_ASSIGN_CPU, bad ? bad_ptr(w) : &s, NULL,
	    bad ? ALLOW(EFAULT) : ALLOW(0, EINVAL, EBUSY, ENOMEM));
}

static void op_os_release_cpu(struct worker *w)
{
	struct lwkb_cpuset s;
	char b[80];
	int fd = get_os(w);

	if (fd < 0)
		return;
	if (!chance(w, 50) ||
	    xio(w, OP_os_query_cpu, fd, LWKB_OS_QUERY_CPU, &s, NULL, ALLOW(0)))
		rand_cpuset(w, &s);
	desc(w, "os%d cpus %s", w->os_idx, cs_fmt(&s, b, sizeof(b)));
	xio(w, OP_os_release_cpu, fd, LWKB_OS_RELEASE_CPU, &s, NULL,
	    ALLOW(0, EINVAL, EBUSY, ENOMEM));
}

static void op_os_query_cpu(struct worker *w)
{
	struct lwkb_cpuset s;
	int fd = get_os(w);

	desc(w, "os%d", w->os_idx);
	if (fd >= 0 && !xio(w, OP_os_query_cpu, fd, LWKB_OS_QUERY_CPU, &s, NULL, ALLOW(0)))
		check_cpuset(w, OP_os_query_cpu, &s);
}

static void op_os_assign_mem(struct worker *w)
{
	struct lwkb_mem_ent q[16], e[3];
	struct lwkb_mem_list ml;
	enum ml_kind k = ML_VALID;
	int fd = get_os(w), mcd;
	unsigned r = rnd(w, 100);

	if (fd < 0)
		return;
	if (r < 50 && (mcd = get_mcd(w)) >= 0 &&
	    !query_mem(w, OP_query_mem, mcd, LWKB_QUERY_MEM, q, 16, &ml) && ml.nr) {
		ml.nr = pick_chunks(w, q, ml.nr, e);
		ml.ents = (uintptr_t)e;
	} else if (r < 75) {
		memset(e, 0, sizeof(e));
		memset(&ml, 0, sizeof(ml));
		e[0].size = UNIT * (1 + rnd(w, 4));
		e[0].numa = LWKB_NUMA_ANY;
		ml.ents = (uintptr_t)e;
		ml.nr = 1;
	} else {
		k = rand_memlist(w, e, &ml, 8);
	}
	desc_memlist(w, "assign", &ml);
	xio(w, OP_os_assign_mem, fd, LWKB_OS_ASSIGN_MEM, &ml, NULL,
	    k == ML_BADPTR ? ALLOW(EFAULT, EBUSY) :
	    k == ML_EMPTY || k == ML_TOOMANY ? ALLOW(EINVAL, EBUSY) :
	    ALLOW(0, EINVAL, ENOMEM, EBUSY));
}

static void op_os_release_mem(struct worker *w)
{
	struct lwkb_mem_ent q[16], e[3];
	struct lwkb_mem_list ml;
	enum ml_kind k;
	int fd = get_os(w);
	unsigned r = rnd(w, 100);

	if (fd < 0)
		return;
	if (r < 50) {
		memset(&ml, 0, sizeof(ml));
		desc(w, "os%d all", w->os_idx);
		xio(w, OP_os_release_mem, fd, LWKB_OS_RELEASE_MEM, &ml, NULL, ALLOW(0, EBUSY));
		return;
	}
	if (r < 80) {
		if (query_mem(w, OP_os_query_mem, fd, LWKB_OS_QUERY_MEM, q, 16, &ml))
			return;
		ml.nr = pick_chunks(w, q, ml.nr, e);
		ml.ents = (uintptr_t)e;
		desc_memlist(w, "release queried", &ml);
		xio(w, OP_os_release_mem, fd, LWKB_OS_RELEASE_MEM, &ml, NULL,
		    ALLOW(0, EINVAL, EBUSY));
		return;
	}
	k = rand_memlist(w, e, &ml, 5);
	desc_memlist(w, "release", &ml);
	xio(w, OP_os_release_mem, fd, LWKB_OS_RELEASE_MEM, &ml, NULL,
	    k == ML_EMPTY ? ALLOW(0, EBUSY) : k == ML_TOOMANY ? ALLOW(EINVAL, EBUSY) :
	    k == ML_BADPTR ? ALLOW(EFAULT, EBUSY) : ALLOW(0, EINVAL, EBUSY, ENOMEM));
}

static void op_os_query_mem(struct worker *w)
{
	struct lwkb_mem_ent q[9];
	struct lwkb_mem_list ml;
	int fd = get_os(w);

	if (fd >= 0)
		query_mem(w, OP_os_query_mem, fd, LWKB_OS_QUERY_MEM, q, rnd(w, 9), &ml);
}

static int32_t rand_ikc_dst(struct worker *w)
{
	static const int32_t hostile[] = { LWKB_MAX_CPUS - 1, INT32_MAX, -7, INT32_MIN };

	if (chance(w, 85))
		return chance(w, 50) ? 0 : rand_cpu(w);
	if (chance(w, 50))
		return cfg.max_cpu + rnd(w, 100);
	return hostile[rnd(w, 4)];
}

/* An IKC map's entry count: mostly what the CPUs need; sometimes 0, all
 * LWKB_MAX_CPUS, or one too many up to UINT32_MAX (whose count * 4
 * overflows 32 bits). */
static uint32_t rand_ikc_nr(struct worker *w, uint32_t need)
{
	static const uint32_t hostile[] = { 0, LWKB_MAX_CPUS, LWKB_MAX_CPUS + 1,
					    0x40000000u, UINT32_MAX };

	return chance(w, 85) ? need : hostile[rnd(w, 5)];
}

static void op_os_set_ikc_map(struct worker *w)
{
	static int32_t dst[LWKB_MAX_CPUS];
	struct lwkb_ikc_list il = { .dst = (uintptr_t)dst };
	int fd = get_os(w), n = rnd(w, 8), bad = chance(w, 3);
	uint32_t need = 0;

	if (fd < 0)
		return;
	memset(dst, 0xff, sizeof(dst));
	for (int i = 0; i < n; i++) {
		unsigned c = chance(w, 80) ? (unsigned)rnd(w, cfg.max_cpu) : rnd(w, LWKB_MAX_CPUS);

		dst[c] = rand_ikc_dst(w);
		need = c + 1 > need ? c + 1 : need;
	}
	il.nr = rand_ikc_nr(w, need);
	if (bad)
		il.dst = (uintptr_t)bad_ptr(w);
	desc(w, "os%d, %d entries, nr %u%s", w->os_idx, n, il.nr, bad ? " (bad pointer)" : "");
	xio(w, OP_os_set_ikc_map, fd, LWKB_OS_SET_IKC_MAP, &il, NULL,
	    bad ? ALLOW(0, EFAULT, EINVAL, EBUSY) : ALLOW(0, EINVAL, EBUSY));
}

static void op_os_get_ikc_map(struct worker *w)
{
	static int32_t dst[LWKB_MAX_CPUS];
	struct lwkb_ikc_list il = { .dst = (uintptr_t)dst };
	int fd = get_os(w), bad = chance(w, 3);

	if (fd < 0)
		return;
	/* More room than the buffer only with a bad pointer: the module
	 * writes at most nr_cpu_ids entries, but not into our stack. */
	il.nr = bad ? rand_ikc_nr(w, LWKB_MAX_CPUS) : rnd(w, 2) ? LWKB_MAX_CPUS : rnd(w, 9);
	if (bad)
		il.dst = (uintptr_t)bad_ptr(w);
	desc(w, "os%d, room %u%s", w->os_idx, il.nr, bad ? " (bad pointer)" : "");
	if (xio(w, OP_os_get_ikc_map, fd, LWKB_OS_GET_IKC_MAP, &il, NULL,
		bad ? ALLOW(0, EFAULT) : ALLOW(0)) || bad)
		return;
	if (il.nr > il.total || il.total < cfg.max_cpu || il.total > LWKB_MAX_CPUS)
		unexpected(w, OP_os_get_ikc_map, CK_VALUE, "filled %u of %u entries", il.nr,
			   il.total);
	for (uint32_t c = 0; c < il.nr && c < LWKB_MAX_CPUS; c++)
		if (dst[c] < -1 || dst[c] >= (int32_t)il.total) {
			unexpected(w, OP_os_get_ikc_map, CK_VALUE,
				   "CPU %u's destination %d", c, dst[c]);
			break;
		}
}

static int load_good(struct worker *w, int fd)
{
	struct lwkb_buf b = { (uintptr_t)cfg.img, cfg.img_size };

	desc(w, "good image, %zu bytes", cfg.img_size);
	return xio(w, OP_os_load_good, fd, LWKB_OS_LOAD, &b, NULL, ALLOW(0, EINVAL, EBUSY, ENOMEM));
}

static void op_os_load_good(struct worker *w)
{
	int fd = get_os(w);

	if (fd >= 0)
		load_good(w, fd);
}

/* ---- corrupt images ---- */
enum corrupt {
	K_TRUNC_HDR, K_MAGIC, K_IDENT, K_TYPE, K_MACHINE, K_VERSION, K_PHENTSIZE,
	K_PHNUM, K_PHOFF, K_MEMSZ_HUGE, K_FILESZ, K_OFFSET, K_VADDR, K_OVERLAP,
	K_ENTRY, K_GARBAGE, K_LEN0, K_LENHUGE, K_BADPTR, K_SHORTBUF,
	K_TRUNC_TAIL, K_TAILFLIP, K_MEMSZ_BIG,	/* may be accepted: they boot as well */
	NK
};
static const char *const kname[NK] = {
	"truncated in headers or segments", "bad magic", "bad class/data/version ident",
	"bad e_type", "bad e_machine", "bad e_version", "bad e_phentsize", "bad e_phnum",
	"e_phoff past the end", "huge p_memsz", "p_filesz > p_memsz", "p_offset past the end",
	"p_vaddr below the kernel base", "overlapping segments", "entry outside code",
	"random bytes", "length 0", "length over 64 MiB", "bad buffer pointer",
	"length past the buffer", "truncated after the segments", "flipped bytes after the segments",
	"larger p_memsz (bss)",
};

static Elf64_Ehdr *eh_of(unsigned char *img)
{
	return (Elf64_Ehdr *)img;	/* img is the copy; headers are read and written in place */
}

static Elf64_Phdr *ph_of(unsigned char *img, unsigned i)
{
	return (Elf64_Phdr *)(img + eh_of(img)->e_phoff + (size_t)i * sizeof(Elf64_Phdr));
}

/* Index of a PT_LOAD with memory: the n-th one, or the one placed highest. */
static int load_seg(unsigned char *img, int nth, int highest)
{
	int best = -1, k = 0;

	for (unsigned i = 0; i < eh_of(img)->e_phnum; i++) {
		Elf64_Phdr *p = ph_of(img, i);

		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		if (highest ? best < 0 || p->p_vaddr > ph_of(img, best)->p_vaddr : k++ == nth)
			best = i;
	}
	return best;
}

static int nloads(unsigned char *img)
{
	int n = 0;

	while (load_seg(img, n, 0) >= 0)
		n++;
	return n;
}

static int entry_in_code(unsigned char *img, uint64_t entry)
{
	for (unsigned i = 0; i < eh_of(img)->e_phnum; i++) {
		Elf64_Phdr *p = ph_of(img, i);

		if (p->p_type == PT_LOAD && (p->p_flags & PF_X) && entry >= p->p_vaddr &&
		    entry - p->p_vaddr < p->p_memsz)
			return 1;
	}
	return 0;
}

static uint64_t pick(struct worker *w, const uint64_t *v, unsigned n)
{
	return v[rnd(w, n)];
}

/* Corrupts the program headers; returns the kind actually made. */
static enum corrupt corrupt_phdr(struct worker *w, unsigned char *img, enum corrupt k)
{
	int n = nloads(img), a = rnd(w, n), s = load_seg(img, a, 0);
	Elf64_Phdr *p = ph_of(img, s);

	if (k == K_MEMSZ_HUGE) {
		const uint64_t v[] = { 1ULL << 40, ~0ULL, 0 - p->p_vaddr + 1, 1ULL << 63 };

		p->p_memsz = pick(w, v, 4);
	} else if (k == K_FILESZ) {
		p->p_filesz = p->p_memsz + 1 + rnd(w, 4096);
	} else if (k == K_OFFSET) {
		p->p_offset = cfg.img_size + 1 + rnd(w, 1 << 20);
	} else if (k == K_VADDR) {
		p->p_vaddr = rnd(w, LWKB_KERNEL_VBASE);
	} else if (k == K_MEMSZ_BIG) {
		ph_of(img, load_seg(img, 0, 1))->p_memsz += UNIT * (1 + rnd(w, 16));
	} else if (k == K_OVERLAP) {
		if (n < 2)
			return corrupt_phdr(w, img, K_VADDR);
		/* another segment becomes a copy of this one */
		memcpy(ph_of(img, load_seg(img, (a + 1 + rnd(w, n - 1)) % n, 0)), p, sizeof(*p));
	}
	return k;
}

static enum corrupt corrupt_ehdr(struct worker *w, unsigned char *img, enum corrupt k)
{
	static const unsigned char good_ident[3] = { ELFCLASS64, ELFDATA2LSB, EV_CURRENT };
	Elf64_Ehdr *e = eh_of(img);
	unsigned i;

	if (k == K_MAGIC) {
		img[rnd(w, 4)] ^= 1 + rnd(w, 255);
	} else if (k == K_IDENT) {
		i = rnd(w, 3);
		img[4 + i] = good_ident[i] + 1 + rnd(w, 254);
	} else if (k == K_TYPE) {
		e->e_type = ET_EXEC + 1 + rnd(w, 0xfffe);
	} else if (k == K_MACHINE) {
		e->e_machine = EM_X86_64 + 1 + rnd(w, 0xfffe);
	} else if (k == K_VERSION) {
		e->e_version = EV_CURRENT + 1 + rnd(w, 0xfffffffe);
	} else if (k == K_PHENTSIZE) {
		e->e_phentsize = sizeof(Elf64_Phdr) + 1 + rnd(w, 0xfffe);
	} else if (k == K_PHNUM) {
		e->e_phnum = chance(w, 30) ? 0 : 65 + rnd(w, 0xffff - 65);
	} else if (k == K_PHOFF) {
		e->e_phoff = chance(w, 30) ? ~0ULL - rnd(w, 100) :
			     cfg.img_size - e->e_phnum * sizeof(Elf64_Phdr) + 1 + rnd(w, 1 << 20);
	} else if (k == K_ENTRY) {
		const uint64_t v[] = { 0, LWKB_KERNEL_VBASE - 1, ~0ULL, 0x400000 };

		do
			e->e_entry = chance(w, 70) ? pick(w, v, 4) : rnd(w, 0);
		while (entry_in_code(img, e->e_entry));
	}
	return k;
}

/*
 * Makes a corrupt copy of the image in w->img (which ends at a guard page)
 * and returns the kind; *len is the length to pass.
 */
static enum corrupt make_corrupt(struct worker *w, lwkb_u64 *len)
{
	enum corrupt k = rnd(w, NK);
	unsigned char *img = w->img;

	memcpy(img, cfg.img, cfg.img_size);
	*len = cfg.img_size;
	switch (k) {
	case K_TRUNC_HDR:
		*len = 1 + rnd(w, cfg.img_need - 1);
		break;
	case K_TRUNC_TAIL:
		*len = cfg.img_need + rnd(w, cfg.img_size - cfg.img_need + 1);
		break;
	case K_TAILFLIP:
		for (unsigned i = 0, n = 1 + rnd(w, 16); i < n && cfg.img_need < cfg.img_size; i++)
			img[cfg.img_need + rnd(w, cfg.img_size - cfg.img_need)] ^= 1 + rnd(w, 255);
		break;
	case K_GARBAGE:
		*len = 1 + rnd(w, cfg.img_size);
		for (uint64_t i = 0; i < *len; i++)
			img[i] = rnd(w, 256);
		img[0] = 0;
		break;
	case K_LEN0:
		*len = 0;
		break;
	case K_LENHUGE:
		*len = chance(w, 50) ? (64ULL << 20) + 1 + rnd(w, 1 << 20) : 1ULL << 62;
		break;
	case K_SHORTBUF:
		*len = cfg.img_size + 1 + rnd(w, 4095);
		break;
	case K_BADPTR:
		break;
	case K_MEMSZ_HUGE: case K_FILESZ: case K_OFFSET: case K_VADDR:
	case K_OVERLAP: case K_MEMSZ_BIG:
		return corrupt_phdr(w, img, k);
	default:
		return corrupt_ehdr(w, img, k);
	}
	return k;
}

static void op_os_load_bad(struct worker *w)
{
	struct lwkb_buf b;
	enum corrupt k;
	int fd = get_os(w), err;

	if (fd < 0)
		return;
	k = make_corrupt(w, &b.len);
	b.addr = k == K_BADPTR ? (uintptr_t)bad_ptr(w) : (uintptr_t)w->img;
	desc(w, "os%d image: %s, length %llu", w->os_idx, kname[k], (unsigned long long)b.len);
	err = xio(w, OP_os_load_bad, fd, LWKB_OS_LOAD, &b, NULL,
		  k >= K_TRUNC_TAIL ? ALLOW(0, EINVAL, EBUSY, ENOMEM) :
		  k == K_BADPTR || k == K_SHORTBUF ? ALLOW(EFAULT, EINVAL, EBUSY, ENOMEM) :
		  k == K_LEN0 || k == K_LENHUGE ? ALLOW(EINVAL, EBUSY) :
		  ALLOW(EINVAL, EBUSY, ENOMEM));
	if (!err && k < K_TRUNC_TAIL) {
		unexpected(w, OP_os_load_bad, CK_ELF, "a corrupt image (%s) was accepted", kname[k]);
		load_good(w, fd);	/* never boot it */
	}
}

/* ---- kernel arguments ---- */
enum kargs_kind { KA_OK, KA_NUL, KA_LONG, KA_BADPTR };

static size_t demo_option(struct worker *w, char *buf, size_t room)
{
	static const char *const opt[] = {
		"demo.panic_after_ms=%u", "demo.hang_after_ms=%u", "demo.fault_after_ms=%u",
		"demo.kmsg_flood=%u", "demo.serial_boot=1", "demo.panic_core=1", "demo.fault=1",
		"demo.drop_sipi=1", "lwkboot.init_delay_us=%u", "lwkboot.wake_timeout_ms=%u",
	};
	unsigned i = rnd(w, sizeof(opt) / sizeof(opt[0])), v = 50 + rnd(w, 2000);
	int n = snprintf(buf, room, opt[i], i == 3 ? v / 2 : i == 8 ? v * 10 : v);

	return n < 0 ? 0 : (size_t)n >= room ? room - 1 : (size_t)n;
}

static void fill_kargs(struct worker *w, char *buf, size_t len)
{
	static const char *const words[] = {
		"quiet", "a=1", "lwkb.stress=yes", "\"quoted words\"", "x", "key=value=more",
		"--", "UPPER", "0", "=", "''", "\\",
	};
	size_t n = 0;

	if (chance(w, 25) && len > 40)
		n = demo_option(w, buf, len);
	while (n < len) {
		const char *wd = words[rnd(w, sizeof(words) / sizeof(words[0]))];

		if (n)
			buf[n++] = ' ';
		while (*wd && n < len)
			buf[n++] = *wd++;
		while (chance(w, 40) && n < len)
			buf[n++] = "abcdefghijklmnopqrstuvwxyz0123456789._-"[rnd(w, 39)];
	}
	buf[len] = 0;
}

static size_t rand_kargs_len(struct worker *w)
{
	unsigned r = rnd(w, 100);

	if (r < 15)
		return 0;
	if (r < 55)
		return 1 + rnd(w, 100);
	if (r < 75)
		return 101 + rnd(w, LWKB_KARGS_SIZE - 102);
	if (r < 82)
		return LWKB_KARGS_SIZE - 1;
	if (r < 87)
		return LWKB_KARGS_SIZE;
	return LWKB_KARGS_SIZE + 1 + rnd(w, 5000 - LWKB_KARGS_SIZE);
}

static int set_kargs(struct worker *w, int fd, const char *s, size_t len, enum kargs_kind k)
{
	struct lwkb_buf b = { (uintptr_t)s, len };

	if (k == KA_BADPTR)
		b.addr = (uintptr_t)bad_ptr(w);
	desc(w, "os%d kargs of %zu bytes%s: \"%.40s%s\"", w->os_idx, len,
	     k == KA_NUL ? " with a NUL" : k == KA_BADPTR ? " (bad pointer)" : "",
	     k == KA_BADPTR ? "" : s, len > 40 ? "..." : "");
	return xio(w, OP_os_kargs, fd, LWKB_OS_KARGS, &b, NULL,
		   k == KA_OK ? ALLOW(0, EBUSY, ENOMEM) : k == KA_BADPTR ? ALLOW(EFAULT, EBUSY) :
		   ALLOW(EINVAL, EBUSY, ENOMEM));
}

static void op_os_kargs(struct worker *w)
{
	size_t len = rand_kargs_len(w);
	enum kargs_kind k = len >= LWKB_KARGS_SIZE ? KA_LONG : KA_OK;
	int fd = get_os(w);

	if (fd < 0)
		return;
	fill_kargs(w, w->kargs, len);
	if (k == KA_OK && len && chance(w, 8)) {
		w->kargs[rnd(w, len)] = 0;
		k = KA_NUL;
	} else if (k == KA_OK && len && chance(w, 4)) {
		k = KA_BADPTR;
	}
	set_kargs(w, fd, w->kargs, len, k);
}

/* ---- boot, status, shutdown ---- */
static const int boot_errs[] = { 0, EINVAL, EBUSY, ENOMEM, ENOEXEC, ETIMEDOUT, ENODEV, -1 };

static int check_reserved_offline(struct worker *w, int op, int fd);
static int cpu_is_online(int cpu);

/*
 * Whether the instance has a CPU that Linux runs: seen reserved and online
 * before, or online now (a CPU assigned is reserved and must be offline).
 * Booting it would INIT a CPU in Linux's hands; -B does it anyway.
 */
static int has_poisoned_cpu(struct worker *w, int fd)
{
	struct lwkb_cpuset s, p = sh->poisoned;
	int online = 0, mcd;

	if (cfg.boot_poisoned ||
	    xio(w, OP_os_query_cpu, fd, LWKB_OS_QUERY_CPU, &s, NULL, ALLOW(0)))
		return 0;
	for (unsigned c = 1; c < cfg.max_cpu; c++)
		online |= cs_test(&s, c) && cpu_is_online(c);
	if (online && (mcd = get_mcd(w)) >= 0)
		check_reserved_offline(w, OP_os_boot, mcd);
	p = sh->poisoned;
	cs_and(&s, &p);
	if (cs_empty(&s))
		return 0;
	INC(sh->boots_skipped);
	return 1;
}

static int boot(struct worker *w, int fd)
{
	desc(w, "os%d boot", w->os_idx);
	if (has_poisoned_cpu(w, fd))
		return EAGAIN;
	desc(w, "os%d boot", w->os_idx);
	return xio(w, OP_os_boot, fd, LWKB_OS_BOOT, NULL, NULL, boot_errs);
}

static void op_os_boot(struct worker *w)
{
	int fd = get_os(w);

	if (fd >= 0)
		boot(w, fd);
}

static int status(struct worker *w, int fd, long *st)
{
	int err;

	desc(w, "os%d", w->os_idx);
	err = xio(w, OP_os_status, fd, LWKB_OS_STATUS, NULL, st, ALLOW(0));
	if (!err && (*st < 0 || *st >= LWKB_STATUS_NR))
		unexpected(w, OP_os_status, CK_VALUE, "status %ld", *st);
	return err;
}

static void op_os_status(struct worker *w)
{
	int fd = get_os(w);
	long st;

	if (fd >= 0)
		status(w, fd, &st);
}

/* Polls the status until it is in the mask `want`: 0, ETIMEDOUT, ECANCELED. */
static int wait_status(struct worker *w, int fd, unsigned want, unsigned ms, long *st)
{
	uint64_t end = now_ns() + ms * MS, t0 = now_ns();
	int err = 0;

	for (;;) {
		long s;

		step(w, OP_os_status_wait);
		s = ioctl(fd, LWKB_OS_STATUS, NULL);
		if (s < 0) {
			err = record(w, OP_os_status, errno, ALLOW(0));
			break;
		}
		*st = s;
		if (s < 32 && (want >> s) & 1)
			break;
		if (now_ns() > end || LOAD(sh->stop)) {
			err = err ? err : LOAD(sh->stop) ? ECANCELED : ETIMEDOUT;
			break;
		}
		sleep_ms(2);
	}
	step_done(w, OP_os_status_wait, t0);
	return err;
}

static void op_os_status_wait(struct worker *w)
{
	static const unsigned masks[] = {
		1u << LWKB_STATUS_RUNNING, 1u << LWKB_STATUS_INACTIVE,
		1u << LWKB_STATUS_PANIC | 1u << LWKB_STATUS_HUNGUP, ~(1u << LWKB_STATUS_BOOTING),
	};
	unsigned m = masks[rnd(w, 4)], ms = 50 + rnd(w, 2000);
	int fd = get_os(w);
	long st;

	if (fd < 0)
		return;
	desc(w, "os%d wait for mask 0x%x up to %u ms", w->os_idx, m, ms);
	record(w, OP_os_status_wait, wait_status(w, fd, m, ms, &st), ALLOW(0, ETIMEDOUT, ECANCELED));
}

static void kmsg_read(struct worker *w, int fd)
{
	static const uint64_t lens[] = { 0, 1, 80, 4096, KMSG_AREA, KMSG_AREA + 1, 1ULL << 40, ~0ULL };
	static const uint64_t poss[] = { 0, 1, 4095, 1ULL << 32, 1ULL << 63, ~0ULL };
	struct lwkb_kmsg_read r = { 0 };
	uint64_t len;
	int bad = chance(w, 4), err;
	long n;

	len = r.len = chance(w, 50) ? 1 + rnd(w, 8192) : pick(w, lens, 8);
	r.pos = chance(w, 40) ? 0 : chance(w, 50) ? rnd(w, 1 << 20) : pick(w, poss, 6);
	r.addr = bad ? (uintptr_t)bad_ptr(w) : (uintptr_t)w->kbuf;
	desc(w, "os%d pos %llu len %llu addr 0x%llx", w->os_idx, (unsigned long long)r.pos,
	     (unsigned long long)r.len, (unsigned long long)r.addr);
	err = xio(w, OP_os_kmsg, fd, LWKB_OS_KMSG, &r, &n,
		  bad ? ALLOW(0, EFAULT, ENOMEM) : ALLOW(0, ENOMEM));
	if (!err && (n < 0 || (uint64_t)n > len || n > KMSG_AREA))
		unexpected(w, OP_os_kmsg, CK_VALUE, "returned %ld bytes for %llu", n,
			   (unsigned long long)len);
}

static void op_os_kmsg(struct worker *w)
{
	int fd = get_os(w);

	if (fd >= 0)
		kmsg_read(w, fd);
}

static void op_os_clear_kmsg(struct worker *w)
{
	int fd = get_os(w);

	desc(w, "os%d", w->os_idx);
	if (fd >= 0)
		xio(w, OP_os_clear_kmsg, fd, LWKB_OS_CLEAR_KMSG, NULL, NULL, ALLOW(0));
}

static int shutdown_os(struct worker *w, int fd, uint32_t flags)
{
	int valid = !(flags & ~LWKB_SHUTDOWN_FORCE);

	desc(w, "os%d flags 0x%x", w->os_idx, flags);
	return xio(w, OP_os_shutdown, fd, LWKB_OS_SHUTDOWN, &flags, NULL,
		   valid ? ALLOW(0, EINVAL) : ALLOW(EINVAL));
}

static void op_os_shutdown(struct worker *w)
{
	static const uint32_t hostile[] = { 2, ~0u, 0x80000000u, 3 };
	unsigned r = rnd(w, 100);
	int fd = get_os(w);

	if (fd >= 0)
		shutdown_os(w, fd, r < 70 ? 0 : r < 90 ? LWKB_SHUTDOWN_FORCE : hostile[rnd(w, 4)]);
}

static void op_os_query_free_mem(struct worker *w)
{
	uint64_t v = 1;
	int fd = get_os(w);

	desc(w, "os%d", w->os_idx);
	if (fd >= 0 && !xio(w, OP_os_query_free_mem, fd, LWKB_OS_QUERY_FREE_MEM, &v, NULL,
			    ALLOW(0)) && v % UNIT)
		unexpected(w, OP_os_query_free_mem, CK_VALUE, "%llu bytes", (unsigned long long)v);
}

#ifdef LWKB_OS_STATUS_INFO
static void op_os_status_info(struct worker *w)
{
	struct lwkb_os_info in;
	int fd = get_os(w);

	desc(w, "os%d", w->os_idx);
	if (fd >= 0 && !xio(w, OP_os_status_info, fd, LWKB_OS_STATUS_INFO, &in, NULL, ALLOW(0)) &&
	    in.status >= LWKB_STATUS_NR)
		unexpected(w, OP_os_status_info, CK_VALUE, "status %u", in.status);
}
#endif

/* ---- eventfd ---- */
static int set_eventfd(struct worker *w, int fd, int32_t v, const int *ok)
{
	desc(w, "os%d eventfd %d", w->os_idx, v);
	return xio(w, OP_os_eventfd, fd, LWKB_OS_EVENTFD, &v, NULL, ok);
}

static int new_eventfd(struct worker *w, int fd)
{
	int e = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), err;

	if (e < 0)
		return errno;
	err = set_eventfd(w, fd, e, ALLOW(0));
	if (w->efd >= 0)
		close(w->efd);	/* the module keeps its own reference */
	w->efd = e;
	return err;
}

static int eventfd_count(struct worker *w)
{
	uint64_t v = 0;

	if (w->efd < 0 || read(w->efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	__atomic_fetch_add(&sh->efd_signals, v, __ATOMIC_RELAXED);
	return (int)v;
}

static void op_os_eventfd(struct worker *w)
{
	unsigned r = rnd(w, 100);
	int fd = get_os(w);

	if (fd < 0)
		return;
	if (r < 45)
		new_eventfd(w, fd);
	else if (r < 65)
		set_eventfd(w, fd, chance(w, 80) ? -1 : -5 - (int)rnd(w, 1000), ALLOW(0));
	else if (r < 75)
		set_eventfd(w, fd, fd, ALLOW(EINVAL));	/* not an eventfd */
	else if (r < 85)
		set_eventfd(w, fd, 100000 + rnd(w, 1000), ALLOW(EBADF));
	else
		eventfd_count(w);
}

#ifdef LWKB_OS_FREEZE
/*
 * Freeze and thaw racing everything else: a freeze is held for a moment
 * only (another worker's ping loses a message or two meanwhile), sometimes
 * with a dump's NMI snapshot of the frozen cores in between.  Whoever
 * froze it thaws it, unless a shutdown or another thaw came first.
 */
static void op_os_freeze(struct worker *w)
{
	struct lwkb_dump_nmi n = { .timeout_ms = 200 };
	int fd = get_os(w);

	if (fd < 0)
		return;
	desc(w, "os%d freeze", w->os_idx);
	if (xio(w, OP_os_freeze, fd, LWKB_OS_FREEZE, NULL, NULL,
		ALLOW(0, EINVAL, EBUSY, EOPNOTSUPP)))
		return;
	sleep_ms(rnd(w, 50));
	if (chance(w, 30)) {
		desc(w, "os%d NMI snapshot while frozen", w->os_idx);
		xio(w, OP_os_freeze, fd, LWKB_OS_DUMP_NMI, &n, NULL, ALLOW(0, EINVAL));
	}
	desc(w, "os%d thaw", w->os_idx);
	xio(w, OP_os_freeze, fd, LWKB_OS_THAW, NULL, NULL, ALLOW(0, EINVAL));
}

static void op_os_thaw(struct worker *w)
{
	int fd = get_os(w);

	desc(w, "os%d thaw", w->os_idx);
	if (fd >= 0)
		xio(w, OP_os_thaw, fd, LWKB_OS_THAW, NULL, NULL, ALLOW(0, EINVAL));
}
#endif

/* ---- ikc-ping ---- */
static void check_ping(struct worker *w, const struct lwkb_ikc_ping *p, const uint64_t *rtt,
		       uint32_t count)
{
	if (p->channel < 1 || p->channel >= LWKB_IKC_CHANNELS || p->lost > count)
		unexpected(w, OP_os_ikc_ping, CK_VALUE, "channel %u, lost %u of %u", p->channel,
			   p->lost, count);
	if (!rtt)
		return;
	INC(sh->rtt_checked);
	for (uint32_t i = 0; i < count; i++)
		if (rtt[i] != RTT_PATTERN && rtt[i] > RTT_LIMIT) {
			unexpected(w, OP_os_ikc_ping, CK_RTT,
				   "rtt_ns[%u] = 0x%016llx (of %u; lost %u, misordered %u): no round "
				   "trip takes that long; uninitialised kernel memory copied out?",
				   i, (unsigned long long)rtt[i], count, p->lost, p->misordered);
			return;
		}
}

static int ping(struct worker *w, int fd, uint32_t count, uint32_t size, uint32_t port,
		int rtt_kind)
{
	struct lwkb_ikc_ping p = { .count = count, .size = size, .port = port };
	int hostile = !count || count > LWKB_PING_MAX || size > LWKB_IKC_PAYLOAD, err;
	uint64_t *rtt = rtt_kind == 1 && count <= PING_MAX ? w->rtt : NULL;

	if (rtt) {
		for (uint32_t i = 0; i < count; i++)
			rtt[i] = RTT_PATTERN;
		p.rtt_ns = (uintptr_t)rtt;
	} else if (rtt_kind == 2) {
		p.rtt_ns = (uintptr_t)bad_ptr(w);
	}
	desc(w, "os%d count %u size %u port %u rtt 0x%llx", w->os_idx, count, size, port,
	     (unsigned long long)p.rtt_ns);
	err = xio(w, OP_os_ikc_ping, fd, LWKB_OS_IKC_PING, &p, NULL,
		  hostile ? ALLOW(EINVAL) : rtt_kind == 2 ?
		  ALLOW(0, EFAULT, EINVAL, ECONNREFUSED, EPROTO, ETIMEDOUT, EBUSY, ENOMEM, EINTR,
			ESHUTDOWN) :
		  ALLOW(0, EINVAL, ECONNREFUSED, EPROTO, ETIMEDOUT, EBUSY, ENOMEM, EINTR, ESHUTDOWN));
	if (!err && !hostile)
		check_ping(w, &p, rtt, count);
	return err;
}

static void op_os_ikc_ping(struct worker *w)
{
	unsigned r = rnd(w, 100);
	uint32_t count = r < 85 ? 1 + rnd(w, 20) : r < 90 ? 0 : r < 95 ? 21 + rnd(w, 100) :
			 10000001 + rnd(w, 1000);
	uint32_t size = chance(w, 90) ? rnd(w, LWKB_IKC_PAYLOAD + 1) : LWKB_IKC_PAYLOAD + 1 + rnd(w, 10000);
	uint32_t port = (r = rnd(w, 100)) < 75 ? 0 : r < 85 ? LWKB_IKC_ECHO_PORT : rnd(w, 0);
	int fd = get_os(w);

	if (fd >= 0)
		ping(w, fd, count, size, port, (r = rnd(w, 100)) < 50 ? 1 : r < 55 ? 2 : 0);
}

/* ======== Linux: CPU hotplug through sysfs, module unload ======== */
static int cpu_online_write(struct worker *w, int cpu, int on)
{
	char path[80];
	uint64_t t0 = now_ns();
	int err;

	if (cpu <= 0)	/* never CPU 0 */
		return EINVAL;
	snprintf(path, sizeof(path), CPU_SYSFS "/cpu%d/online", cpu);
	desc(w, "cpu%d online=%d", cpu, on);
	step(w, OP_cpu_online);
	err = write_file(path, on ? "1" : "0");
	step_done(w, OP_cpu_online, t0);
	return record(w, OP_cpu_online, err, ALLOW(0, EBUSY, EINVAL, EAGAIN));
}

static void op_cpu_online(struct worker *w)
{
	cpu_online_write(w, rand_cpu(w), chance(w, 60));
}

/* CPUs in both of two QUERY_CPU answers and online in between. */
static int reserved_online(struct worker *w, int fd, struct lwkb_cpuset *out)
{
	struct lwkb_cpuset q2, on;

	if (xio(w, OP_query_cpu, fd, LWKB_QUERY_CPU, out, NULL, ALLOW(0)) ||
	    read_cpus(CPU_SYSFS "/online", &on) ||
	    xio(w, OP_query_cpu, fd, LWKB_QUERY_CPU, &q2, NULL, ALLOW(0)))
		return 0;
	cs_and(out, &on);
	cs_and(out, &q2);
	return !cs_empty(out);
}

/*
 * The module must never let a reserved CPU be online: each QUERY_CPU holds
 * its lock, so a CPU seen reserved and online 4 times over 0.3 s is a
 * broken invariant, not a race with release.
 */
static int check_reserved_offline(struct worker *w, int op, int fd)
{
	struct lwkb_cpuset bad, again;
	char b[80];

	if (!reserved_online(w, fd, &bad))
		return 0;
	for (int i = 0; i < 3; i++) {
		sleep_ms(100);
		if (!reserved_online(w, fd, &again))
			return 0;
		cs_and(&bad, &again);
		if (cs_empty(&bad))
			return 0;
	}
	for (unsigned i = 0; i < LWKB_MAX_CPUS / 64; i++)
		__atomic_fetch_or(&sh->poisoned.bits[i], bad.bits[i], __ATOMIC_RELAXED);
	unexpected(w, op, CK_CPU, "CPU %s reserved (QUERY_CPU) and online in Linux, 4 times "
		   "over 0.3 s", cs_fmt(&bad, b, sizeof(b)));
	return 1;
}

static void op_check_cpus(struct worker *w)
{
	int fd = get_mcd(w);

	desc(w, "reserved CPUs are offline");
	if (fd >= 0)
		check_reserved_offline(w, OP_check_cpus, fd);
}

static int insmod(struct worker *w, int op, const char *params, const int *ok)
{
	uint64_t t0 = now_ns();
	int fd = open(cfg.ko, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0) {
		unexpected(w, op, CK_VALUE, "cannot open %s: %s", cfg.ko, strerror(errno));
		return errno;
	}
	desc(w, "finit_module %s %s", cfg.ko, params);
	step(w, op);
	err = syscall(SYS_finit_module, fd, params, 0) ? errno : 0;
	step_done(w, op, t0);
	close(fd);
	return record(w, op, err, ok);
}

static int module_load(struct worker *w)
{
	int err = insmod(w, OP_mod_reload, MODULE_PARAMS, ALLOW(0, EEXIST, EBUSY));

	if (!err)
		INC(sh->reloads);
	return err;
}

static int rmmod(struct worker *w, int op, const int *ok)
{
	uint64_t t0 = now_ns();
	int err;

	desc(w, "delete_module %s O_NONBLOCK", MODULE_NAME);
	step(w, op);
	err = syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK) ? errno : 0;
	step_done(w, op, t0);
	return record(w, op, err, ok);
}

/*
 * Module parameters an administrator could pass, with what loading must
 * answer: a region that is not page aligned, runs past 0xA0000, is System
 * RAM or has no pages is refused, and so is tramp_pages outside 1-160 even
 * without a region (it once divided by zero at boot); no region at all is
 * allowed (boot then answers ENODEV).
 */
static const struct {
	const char *params;
	int loads;
} hostile_params[] = {
	{ "tramp_addr=0 tramp_pages=0", 0 },
	{ "tramp_addr=0", 1 },
	{ "tramp_addr=0x70000 tramp_pages=0", 0 },
	{ "tramp_addr=0x70001 tramp_pages=16", 0 },
	{ "tramp_addr=0x9f000 tramp_pages=2", 0 },
	{ "tramp_addr=0x10000 tramp_pages=1", 0 },
	{ "tramp_addr=0x70000 tramp_pages=4294967295", 0 },
	{ "tramp_addr=0x70000 tramp_pages=16 init_delay_us=0 owner=65534", 1 },
};

/* With the module loaded with odd parameters: an instance, a boot attempt. */
static void params_probe(struct worker *w)
{
	int mcd = open("/dev/mcd0", O_RDWR | O_CLOEXEC), os;
	long idx;
	uint32_t i;

	if (mcd < 0 || xio(w, OP_create, mcd, LWKB_CREATE_OS, NULL, &idx, ALLOW(0))) {
		if (mcd >= 0)
			close(mcd);
		return;
	}
	w->os_idx = idx;
	os = open_os_index(w, idx);
	if (os >= 0) {
		desc(w, "os%ld boot with no image, odd module parameters", idx);
		xio(w, OP_os_boot, os, LWKB_OS_BOOT, NULL, NULL, ALLOW(EINVAL, ENODEV));
		close(os);
	}
	i = idx;
	xio(w, OP_destroy, mcd, LWKB_DESTROY_OS, &i, NULL, ALLOW(0));
	close(mcd);
}

/* The module is unloaded and the others paused: try odd parameters first. */
static void mod_params(struct worker *w)
{
	unsigned k = rnd(w, sizeof(hostile_params) / sizeof(hostile_params[0]));
	int loads = hostile_params[k].loads;

	if (insmod(w, OP_mod_params, hostile_params[k].params, loads ? ALLOW(0) : ALLOW(EINVAL)))
		return;
	params_probe(w);
	rmmod(w, OP_mod_params, ALLOW(0));
}

static void op_mod_params(struct worker *w)
{
	(void)w;	/* only a step of mod_unload */
}

static void op_mod_reload(struct worker *w)
{
	if (cfg.ko && access("/dev/mcd0", F_OK))
		module_load(w);
}

/*
 * Asks the other workers to close their files and pause (they check between
 * operations) and waits up to 2 s for them: an unload then has a chance.
 * Returns 0 if another worker is already doing so.
 */
static int quiesce(struct worker *w)
{
	uint64_t zero = 0, until = now_ns() + 2 * NS;
	int idle;

	if (!__atomic_compare_exchange_n(&sh->quiesce_until, &zero, until, 0,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return 0;
	STORE(sh->quiescer, w->id);
	do {
		sleep_ms(10);
		idle = 1;
		for (int i = 0; i < cfg.procs; i++)
			idle &= i == w->id || LOAD(sh->w[i].idle) || !LOAD(sh->w[i].pid);
	} while (!idle && now_ns() < until);
	return 1;
}

static void pause_for_quiesce(struct worker *w)
{
	struct slot *s = &sh->w[w->id];
	uint64_t until;

	close_all(w);
	STORE(s->idle, 1);	/* until the unloader is done, at most a minute */
	while ((until = LOAD(sh->quiesce_until)) && now_ns() < until + 60 * NS && !stopping())
		sleep_ms(5);
	STORE(s->idle, 0);
}

/* Our own files would pin the module: close them first.  Others' files
 * make the unload fail with EAGAIN (EWOULDBLOCK), which is expected. */
static void op_mod_unload(struct worker *w)
{
	int err, quiet;

	close_all(w);
	quiet = chance(w, 20) && quiesce(w);
	err = rmmod(w, OP_mod_unload, ALLOW(0, EAGAIN, EBUSY, ENOENT));
	if (!err) {
		INC(sh->unloads);
		for (unsigned i = 0; i < LWKB_MAX_CPUS / 64; i++)	/* all released */
			STORE(sh->poisoned.bits[i], 0);
	}
	if (!err && quiet && chance(w, 40))
		mod_params(w);
	if (!err || err == ENOENT)
		module_load(w);
	if (quiet) {
		STORE(sh->quiescer, -1);
		STORE(sh->quiesce_until, 0);
	}
}

/* ======== composite operations ======== */

/* ---- a real boot: reserve, create, assign, load, boot, RUNNING, ping, shutdown ---- */
struct life {
	int mcd, os, idx, booted, shut;
	struct lwkb_cpuset cpus;
	struct lwkb_mem_ent mine[8];	/* the chunks this cycle reserved */
	uint32_t nmine;
	unsigned expect;		/* status the kargs lead to, as a mask */
};

/*
 * Other workers leave CPUs reserved or offline: give some back to Linux so
 * that the cycle finds free ones (reserved but unassigned CPUs are released,
 * offline ones onlined; either may fail in a race).
 */
static void life_free_cpus(struct worker *w, struct life *L)
{
	struct lwkb_cpuset res, one;

	if (xio(w, OP_query_cpu, L->mcd, LWKB_QUERY_CPU, &res, NULL, ALLOW(0)))
		return;
	for (int i = 0; i < cfg.ncpus; i++) {
		int c = cfg.cpus[i];

		memset(&one, 0, sizeof(one));
		cs_set(&one, c);
		desc(w, "lifecycle: free cpu%d", c);
		if (cs_test(&res, c))
			xio(w, OP_release_cpu, L->mcd, LWKB_RELEASE_CPU, &one, NULL,
			    ALLOW(0, EINVAL, EBUSY));
		else if (!cpu_is_online(c))
			cpu_online_write(w, c, 1);
	}
}

static int online_cpus(int *cand)
{
	struct lwkb_cpuset on;
	int n = 0;

	if (read_cpus(CPU_SYSFS "/online", &on))
		return 0;
	for (int i = 0; i < cfg.ncpus; i++)
		if (cs_test(&on, cfg.cpus[i]))
			cand[n++] = cfg.cpus[i];
	return n;
}

static int life_cpus(struct worker *w, struct life *L)
{
	int cand[LWKB_MAX_CPUS], n, want = 1 + rnd(w, 2);
	char b[80];

	n = online_cpus(cand);
	if (n < want) {
		life_free_cpus(w, L);
		n = online_cpus(cand);
	}
	if (n < want)
		return EAGAIN;
	memset(&L->cpus, 0, sizeof(L->cpus));
	for (int i = 0; i < want; i++) {
		int j = i + rnd(w, n - i), c = cand[j];

		cand[j] = cand[i];
		cs_set(&L->cpus, c);
	}
	desc(w, "lifecycle: cpus %s", cs_fmt(&L->cpus, b, sizeof(b)));
	return xio(w, OP_reserve_cpu, L->mcd, LWKB_RESERVE_CPU, &L->cpus, NULL,
		   ALLOW(0, EINVAL, EBUSY, ENOMEM));
}

static int has_chunk(const struct lwkb_mem_ent *e, uint32_t n, uint64_t start)
{
	for (uint32_t i = 0; i < n; i++)
		if (e[i].start == start)
			return 1;
	return 0;
}

/* Reserves 8 to 16 MiB and finds the chunks that are new in the pool. */
static int life_mem(struct worker *w, struct life *L)
{
	struct lwkb_mem_ent before[64], after[64], e = { .numa = LWKB_NUMA_ANY };
	struct lwkb_mem_list mb, ma, ml = { (uintptr_t)&e, 1, 0 };
	int err;

	e.size = UNIT * (2 + rnd(w, 3));
	if ((err = query_mem(w, OP_query_mem, L->mcd, LWKB_QUERY_MEM, before, 64, &mb)))
		return err;
	desc(w, "lifecycle: reserve %llu MiB", (unsigned long long)(e.size >> 20));
	if ((err = xio(w, OP_reserve_mem, L->mcd, LWKB_RESERVE_MEM, &ml, NULL, ALLOW(0, ENOMEM))))
		return err;
	if ((err = query_mem(w, OP_query_mem, L->mcd, LWKB_QUERY_MEM, after, 64, &ma)))
		return err;
	for (uint32_t i = 0; i < ma.nr && L->nmine < 8; i++)
		if (!has_chunk(before, mb.nr, after[i].start))
			L->mine[L->nmine++] = after[i];
	return L->nmine ? 0 : EAGAIN;
}

/* A new instance, or with every index taken an existing one. */
static int life_create(struct worker *w, struct life *L)
{
	struct lwkb_os_list l;
	long idx;
	int err;

	desc(w, "lifecycle: create");
	err = xio(w, OP_create, L->mcd, LWKB_CREATE_OS, NULL, &idx, ALLOW(0, ENOSPC, ENOMEM));
	if (err == ENOSPC && !xio(w, OP_list, L->mcd, LWKB_LIST_OS, &l, NULL, ALLOW(0)) && l.nr &&
	    l.nr <= LWKB_MAX_OS) {
		idx = l.index[rnd(w, l.nr)];
		err = 0;
	}
	if (err)
		return err;
	L->idx = idx;
	w->os_idx = idx;
	L->os = open_os_index(w, L->idx);	/* another worker may destroy it first */
	return L->os < 0 ? ENOENT : 0;
}

static int life_kargs(struct worker *w, struct life *L)
{
	char k[96];
	unsigned r = rnd(w, 100), ms = 200 + rnd(w, 1300);

	L->expect = 1u << LWKB_STATUS_RUNNING;
	if (r < 15) {
		snprintf(k, sizeof(k), "demo.panic_after_ms=%u", ms);
		L->expect = 1u << LWKB_STATUS_PANIC;
	} else if (r < 20) {
		snprintf(k, sizeof(k), "demo.hang_after_ms=%u", ms);
		L->expect = 1u << LWKB_STATUS_HUNGUP;
	} else if (r < 30) {
		snprintf(k, sizeof(k), "demo.fault_after_ms=%u", ms);
		L->expect = 1u << LWKB_STATUS_PANIC;
	} else {
		snprintf(k, sizeof(k), "lwkb-stress worker=%d", w->id);
	}
	return set_kargs(w, L->os, k, strlen(k), KA_OK);
}

static int life_prepare(struct worker *w, struct life *L)
{
	struct lwkb_mem_list ml = { (uintptr_t)L->mine, L->nmine, 0 };
	char b[80];
	int err;

	desc(w, "lifecycle: os%d cpus %s", L->idx, cs_fmt(&L->cpus, b, sizeof(b)));
	if ((err = xio(w, OP_os_assign_cpu, L->os, LWKB_OS_ASSIGN_CPU, &L->cpus, NULL,
		       ALLOW(0, EINVAL, EBUSY))))
		return err;
	desc_memlist(w, "lifecycle: assign", &ml);
	if ((err = xio(w, OP_os_assign_mem, L->os, LWKB_OS_ASSIGN_MEM, &ml, NULL,
		       ALLOW(0, EINVAL, ENOMEM, EBUSY))))
		return err;
	if ((err = load_good(w, L->os)) || (err = life_kargs(w, L)))
		return err;
	return chance(w, 50) ? new_eventfd(w, L->os) : 0;
}

static int life_boot(struct worker *w, struct life *L)
{
	long st = -1;
	int err = boot(w, L->os);

	if (err)
		return err;
	L->booted = 1;
	desc(w, "lifecycle: os%d leaves BOOTING", L->idx);
	err = wait_status(w, L->os, ~(1u << LWKB_STATUS_BOOTING), 60000, &st);
	if (err == ETIMEDOUT)
		unexpected(w, OP_lifecycle, CK_VALUE, "os%d still BOOTING 60 s after a boot of "
			   "the good image", L->idx);
	return err;
}

/* A ping and a shutdown at once: the ping stops early, its rtt tail unset. */
static void ping_helper(struct worker *w, long fd, uint64_t end)
{
	(void)end;
	ping(w, (int)fd, PING_MAX, 64, 0, 1);
}

static int life_run(struct worker *w, struct life *L)
{
	unsigned flags = chance(w, 30) ? LWKB_SHUTDOWN_FORCE : 0;
	long st = -1;
	int err = 0, perr = 0;
	pid_t pid;

	if (L->expect != 1u << LWKB_STATUS_RUNNING) {
		wait_status(w, L->os, L->expect, 20000, &st);
		if (eventfd_count(w) == 0)
			sleep_ms(300), eventfd_count(w);
	} else if (chance(w, 25)) {
		pid = helper_start(w, ping_helper, L->os, 1000);
		sleep_ms(5 + rnd(w, 60));
		L->shut = 1;
		err = shutdown_os(w, L->os, flags);
		helper_wait(w, pid, OP_lifecycle);
		return err;
	} else {
		perr = ping(w, L->os, 5 + rnd(w, 16), rnd(w, LWKB_IKC_PAYLOAD + 1), 0, 1);
	}
	kmsg_read(w, L->os);
	L->shut = 1;
	err = shutdown_os(w, L->os, flags);
	if (!err && !perr && L->expect == 1u << LWKB_STATUS_RUNNING)
		INC(sh->full_boots);
	return err ? err : perr;
}

static void life_cleanup(struct worker *w, struct life *L)
{
	struct lwkb_mem_list ml = { (uintptr_t)L->mine, L->nmine, 0 };
	uint32_t idx = L->idx;

	struct lwkb_mem_list all = { 0 };
	int destroy = cfg.weight[OP_destroy] > 0;	/* -X destroy: no destroys at all */

	if (L->booted && !L->shut && L->os >= 0)
		shutdown_os(w, L->os, LWKB_SHUTDOWN_FORCE);
	if (!destroy && L->os >= 0) {
		desc(w, "lifecycle: give back os%d's CPUs and memory", L->idx);
		xio(w, OP_os_release_cpu, L->os, LWKB_OS_RELEASE_CPU, &L->cpus, NULL,
		    ALLOW(0, EINVAL, EBUSY));
		xio(w, OP_os_release_mem, L->os, LWKB_OS_RELEASE_MEM, &all, NULL, ALLOW(0, EBUSY));
	}
	close_fd(w, &L->os);
	if (chance(w, 15))	/* sometimes leave it to the others */
		goto out;
	if (L->idx >= 0 && destroy) {
		desc(w, "lifecycle: destroy os%d", L->idx);
		xio(w, OP_destroy, L->mcd, LWKB_DESTROY_OS, &idx, NULL, ALLOW(0, ENOENT, EBUSY));
	}
	desc(w, "lifecycle: release");
	if (!cs_empty(&L->cpus))
		xio(w, OP_release_cpu, L->mcd, LWKB_RELEASE_CPU, &L->cpus, NULL,
		    ALLOW(0, EINVAL, EBUSY));
	if (L->nmine) {
		desc_memlist(w, "lifecycle: release", &ml);
		xio(w, OP_release_mem, L->mcd, LWKB_RELEASE_MEM, &ml, NULL, ALLOW(0, EINVAL));
	}
out:
	close_fd(w, &L->mcd);
}

static void op_lifecycle(struct worker *w)
{
	struct life L = { .mcd = -1, .os = -1, .idx = -1 };
	int err;

	L.mcd = open_dev(w, OP_open_mcd0, "/dev/mcd0");
	if (L.mcd < 0)
		return;
	err = life_cpus(w, &L);
	if (err)
		memset(&L.cpus, 0, sizeof(L.cpus));
	if (!err)
		err = life_mem(w, &L);
	if (!err)
		err = life_create(w, &L);
	if (!err)
		err = life_prepare(w, &L);
	if (!err)
		err = life_boot(w, &L);
	if (!err)
		err = life_run(w, &L);
	life_cleanup(w, &L);
	record(w, OP_lifecycle, err, ANY);
}

/* ---- opens and closes of /dev/mcosN racing destroy and create ---- */
static void open_helper(struct worker *w, long idx, uint64_t end)
{
	long st;

	w->os_idx = idx;
	while (now_ns() < end) {
		int fd = open_os_index(w, idx);

		if (fd >= 0 && chance(w, 50))
			status(w, fd, &st);
		close_fd(w, &fd);
		if (chance(w, 30))
			sleep_us(rnd(w, 200));
	}
}

static void op_race_destroy(struct worker *w)
{
	int fd = get_mcd(w);
	long idx, r;
	uint64_t end;
	unsigned ms;
	pid_t pid;

	desc(w, "race: create");
	if (fd < 0 || xio(w, OP_create, fd, LWKB_CREATE_OS, NULL, &idx, ALLOW(0, ENOSPC, ENOMEM)))
		return;
	ms = 50 + rnd(w, 150);
	pid = helper_start(w, open_helper, idx, ms);
	end = now_ns() + ms * MS;
	while (now_ns() < end && !LOAD(sh->stop)) {
		uint32_t i = idx;
		int err;

		desc(w, "race: destroy os%ld", idx);
		err = xio(w, OP_destroy, fd, LWKB_DESTROY_OS, &i, NULL, ALLOW(0, ENOENT, EBUSY));
		if ((!err || err == ENOENT) &&
		    !xio(w, OP_create, fd, LWKB_CREATE_OS, NULL, &r, ALLOW(0, ENOSPC, ENOMEM)) &&
		    r != idx) {
			i = r;	/* another index came back: give it up again */
			xio(w, OP_destroy, fd, LWKB_DESTROY_OS, &i, NULL, ALLOW(0, ENOENT, EBUSY));
		}
		sleep_us(rnd(w, 300));
	}
	helper_wait(w, pid, OP_race_destroy);
	desc(w, "race: final destroy os%ld", idx);
	xio(w, OP_destroy, fd, LWKB_DESTROY_OS, &(uint32_t){ idx }, NULL, ALLOW(0, ENOENT, EBUSY));
	record(w, OP_race_destroy, 0, ANY);
}

/* ---- sysfs onlining racing reserve and release of the same CPU ---- */
static void online_helper(struct worker *w, long cpu, uint64_t end)
{
	while (now_ns() < end) {
		cpu_online_write(w, cpu, chance(w, 85));
		sleep_us(rnd(w, 300));
	}
}

static int cpu_is_online(int cpu)
{
	char path[80], v[8];

	snprintf(path, sizeof(path), CPU_SYSFS "/cpu%d/online", cpu);
	return !read_file(path, v, sizeof(v)) && v[0] == '1';
}

static void op_race_hotplug(struct worker *w)
{
	struct lwkb_cpuset s = { { 0 } };
	int fd = get_mcd(w), cpu = rand_cpu(w);
	unsigned ms = 50 + rnd(w, 150);
	uint64_t end;
	pid_t pid;

	if (fd < 0 || cpu < 0)
		return;
	cs_set(&s, cpu);
	pid = helper_start(w, online_helper, cpu, ms);
	end = now_ns() + ms * MS;
	while (now_ns() < end && !LOAD(sh->stop)) {
		desc(w, "race: reserve cpu%d", cpu);
		if (xio(w, OP_reserve_cpu, fd, LWKB_RESERVE_CPU, &s, NULL,
			ALLOW(0, EINVAL, EBUSY, ENOMEM))) {
			sleep_us(100 + rnd(w, 400));
			continue;
		}
		/* Reserved: it must be offline now, and stay offline. */
		if (cpu_is_online(cpu))
			check_reserved_offline(w, OP_race_hotplug, fd);
		desc(w, "race: release cpu%d", cpu);
		xio(w, OP_release_cpu, fd, LWKB_RELEASE_CPU, &s, NULL, ALLOW(0, EINVAL, EBUSY, ENOMEM));
	}
	helper_wait(w, pid, OP_race_hotplug);
	record(w, OP_race_hotplug, 0, ANY);
}

/* ======== the worker ======== */
static int pick_op(struct worker *w)
{
	unsigned r = rnd(w, cfg.total_weight);
	int op;

	for (op = 0; op < NOPS - 1 && r >= cfg.weight[op]; op++)
		r -= cfg.weight[op];
	return op;
}

static void expire_fds(struct worker *w)
{
	if (w->mcd >= 0 && --w->mcd_left <= 0)
		close_fd(w, &w->mcd);
	if (w->os >= 0 && --w->os_left <= 0)
		close_fd(w, &w->os);
}

static void worker_init(struct worker *w, int id)
{
	uint64_t s = cfg.seed ^ (0xd1b54a32d192ed03ULL * (uint64_t)(id + 1));

	memset(w, 0, sizeof(*w));
	w->id = id;
	w->rng = splitmix(&s);
	w->mcd = w->os = w->efd = -1;
	w->img = guarded(cfg.img_size);
	w->kbuf = guarded(KMSG_AREA);
	w->kargs = malloc(5001);
	w->rtt = guarded(PING_MAX * sizeof(uint64_t));
	w->zero = calloc(1, 1 << 14);
	if (!w->kargs || !w->zero)
		exit(3);
}

static void worker_main(int id)
{
	struct worker w;
	struct slot *s = &sh->w[id];

	worker_init(&w, id);
	while (!stopping()) {
		uint64_t t0 = now_ns();
		int op;

		if (LOAD(sh->quiesce_until) && LOAD(sh->quiescer) != id) {
			pause_for_quiesce(&w);
			continue;
		}
		op = pick_op(&w);
		STORE(s->sub, -1);
		STORE(s->op_t, t0);
		STORE(s->op, op);
		w.desc[0] = 0;
		ops[op].fn(&w);
		expire_fds(&w);
		max_time(op, now_ns() - t0);
		STORE(s->op, -1);
		INC(s->ops);
	}
	close_all(&w);
	if (w.efd >= 0)
		close(w.efd);
	_exit(0);
}

/* ======== the parent: watchdog, end of run, report ======== */
static void sysrq_blocked(void)
{
	if (!__atomic_exchange_n(&sh->sysrq_done, 1, __ATOMIC_RELAXED))
		write_file("/proc/sysrq-trigger", "w");	/* blocked tasks into dmesg */
}

static int overdue(int op, uint64_t since, uint64_t now)
{
	return op >= 0 && op < NOPS && since && now > since &&
	       now - since > (uint64_t)ops[op].bound_s * NS;
}

static void report_hang(int i, int op, uint64_t since, uint64_t now)
{
	struct slot *s = &sh->w[i];
	pid_t h = LOAD(s->helper);

	unexpected(NULL, op, CK_HANG, "worker %d (pid %d) in %s for %.1f s (bound %u s); "
		   "the kernel log has the blocked tasks (sysrq w)", i, (int)s->pid,
		   ops[op].name, (now - since) / 1e9, ops[op].bound_s);
	print_stack(s->pid, "worker");
	if (h > 0)
		print_stack(h, "helper");
	sysrq_blocked();
	kill(s->pid, SIGKILL);
	if (h > 0)
		kill(h, SIGKILL);
	s->hung = 1;
	s->killed_t = now;
}

static void watchdog(void)
{
	uint64_t now = now_ns();

	for (int i = 0; i < cfg.procs; i++) {
		struct slot *s = &sh->w[i];
		int op = LOAD(s->op), sub = LOAD(s->sub), hsub = LOAD(s->hsub);

		if (!s->pid || s->hung)
			continue;
		if (overdue(sub, LOAD(s->sub_t), now))
			report_hang(i, sub, LOAD(s->sub_t), now);
		else if (overdue(hsub, LOAD(s->hsub_t), now))
			report_hang(i, hsub, LOAD(s->hsub_t), now);
		else if (overdue(op, LOAD(s->op_t), now))
			report_hang(i, op, LOAD(s->op_t), now);
	}
}

/* Reaps workers; returns how many are still to wait for. */
static int reap(void)
{
	int left = 0, st;

	for (int i = 0; i < cfg.procs; i++) {
		struct slot *s = &sh->w[i];

		if (!s->pid || s->gone)
			continue;
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			int op = LOAD(s->op);

			if (!s->hung && (WIFSIGNALED(st) || WEXITSTATUS(st)))
				unexpected(NULL, op >= 0 ? op : OP_open_mcd0, CK_CRASH,
					   "worker %d (pid %d) %s %d during %s", i, (int)s->pid,
					   WIFSIGNALED(st) ? "died of signal" : "exited with",
					   WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
					   op >= 0 ? ops[op].name : "no operation");
			s->pid = 0;
			continue;
		}
		if (s->hung && now_ns() - s->killed_t > KILL_GRACE_S * NS) {
			say("lwkb-stress: worker %d (pid %d) does not die after SIGKILL: stuck in "
			    "the kernel; not waiting for it", i, (int)s->pid);
			print_stack(s->pid, "worker");
			s->gone = 1;
			continue;
		}
		left++;
	}
	return left;
}

static void on_signal(int sig)
{
	(void)sig;
	sh->stop = 1;
}

static uint64_t total_ops(void)
{
	uint64_t n = 0;

	for (int op = 0; op < NOPS; op++)
		for (int e = 0; e < NERR; e++)
			n += LOAD(sh->count[op][e]);
	return n;
}

static void supervise(void)
{
	uint64_t start = now_ns(), next = start + 30 * NS;

	while (reap()) {
		watchdog();
		if (now_ns() >= cfg.deadline)
			STORE(sh->stop, 1);
		if (now_ns() >= next) {
			say("lwkb-stress: %llu s, %llu operations, %llu unexpected",
			    (unsigned long long)((now_ns() - start) / NS),
			    (unsigned long long)total_ops(), (unsigned long long)LOAD(sh->nunexpected));
			next += 30 * NS;
		}
		sleep_ms(100);
	}
}

/* After the run: no reserved CPU online; CPUs sysfs took offline come back. */
static void final_cpus(void)
{
	struct worker w;
	struct lwkb_cpuset res = { { 0 } }, on, present;
	char path[80];
	int fd;

	memset(&w, 0, sizeof(w));
	w.id = MAX_PROCS - 1;
	w.mcd = w.os = w.efd = -1;
	desc(&w, "end of run");
	if (cfg.ko && access("/dev/mcd0", F_OK))
		module_load(&w);
	fd = open("/dev/mcd0", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		check_reserved_offline(&w, OP_check_cpus, fd);
		ioctl(fd, LWKB_QUERY_CPU, &res);
		close(fd);
	}
	if (read_cpus(CPU_SYSFS "/present", &present) || read_cpus(CPU_SYSFS "/online", &on))
		return;
	for (unsigned c = 1; c < cfg.max_cpu; c++)
		if (cs_test(&present, c) && !cs_test(&on, c) && !cs_test(&res, c)) {
			snprintf(path, sizeof(path), CPU_SYSFS "/cpu%u/online", c);
			if (write_file(path, "1"))
				say("lwkb-stress: cannot bring CPU %u back online: %s", c,
				    strerror(errno));
		}
}

static void print_op(int op)
{
	char line[1024];
	uint64_t total = 0;
	size_t n;

	for (int e = 0; e < NERR; e++)
		total += sh->count[op][e];
	if (!total && !sh->unexpected[op])
		return;
	n = snprintf(line, sizeof(line), "  %-18s %8llu  max %6.2f s ", ops[op].name,
		     (unsigned long long)total, sh->max_ns[op] / 1e9);
	for (int e = 0; e < NERR && n < sizeof(line) - 40; e++)
		if (sh->count[op][e])
			n += snprintf(line + n, sizeof(line) - n, " %s %llu",
				      e == ERR_OTHER ? "other" : ename(e),
				      (unsigned long long)sh->count[op][e]);
	if (sh->unexpected[op])
		snprintf(line + n, sizeof(line) - n, "  UNEXPECTED %llu",
			 (unsigned long long)sh->unexpected[op]);
	say("%s", line);
}

static void report(void)
{
	say("lwkb-stress: results per operation (count, slowest, outcome counts):");
	for (int op = 0; op < NOPS; op++)
		print_op(op);
	say("lwkb-stress: full boot cycles (RUNNING, ikc-ping, shutdown) %llu; module unloads %llu, "
	    "reloads %llu; eventfd signals %llu; ping rtt arrays checked %llu; boots skipped on "
	    "CPUs found reserved and online %llu",
	    (unsigned long long)sh->full_boots, (unsigned long long)sh->unloads,
	    (unsigned long long)sh->reloads, (unsigned long long)sh->efd_signals,
	    (unsigned long long)sh->rtt_checked, (unsigned long long)sh->boots_skipped);
	say("lwkb-stress: seed 0x%016llx: %llu operations, %llu unexpected: %s",
	    (unsigned long long)cfg.seed, (unsigned long long)total_ops(),
	    (unsigned long long)sh->nunexpected, sh->nunexpected ? "FAIL" : "PASS");
}

/* ======== set-up ======== */
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lwkb-stress: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lwkb-stress [-p N] [-t SECONDS] [-s SEED] [-i IMAGE] [-k MODULE.ko]\n"
		"                   [-O OP,...] [-X OP,...] [-B]\n"
		"Stress and fuzz lwkboot.ko's interface: N processes issue random, type-aware\n"
		"sequences of every ioctl on /dev/mcd0 and /dev/mcosN, real boots, opens racing\n"
		"destroys, sysfs CPU onlining and module unloads, for SECONDS; then print counts\n"
		"per operation.  Exit status 0 when every result was one the operation allows.\n"
		"  -p N        worker processes (default 4, at most %d)\n"
		"  -t SECONDS  run time (default 60)\n"
		"  -s SEED     replay a run (the seed is printed at the start)\n"
		"  -i IMAGE    the good co-kernel (default /usr/lib/lwkboot/cokernel.elf)\n"
		"  -k KO       lwkboot.ko: try unloads, reload with " MODULE_PARAMS "\n"
		"  -O OPS      run only these operations (comma-separated names)\n"
		"  -X OPS      never run these operations\n"
		"  -B          boot even instances with CPUs found reserved and online\n"
		"  -h, --help  this text\n", MAX_PROCS);
}

static int op_by_name(const char *s, size_t len)
{
	for (int op = 0; op < NOPS; op++)
		if (strlen(ops[op].name) == len && !strncmp(ops[op].name, s, len))
			return op;
	die("unknown operation '%.*s' (see the report for names)", (int)len, s);
	return -1;
}

static void set_ops(const char *list, int only)
{
	unsigned char in[NOPS] = { 0 };

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");

		in[op_by_name(p, len)] = 1;
		p += len + (p[len] == ',');
	}
	for (int op = 0; op < NOPS; op++)
		if (only ? !in[op] : in[op])
			cfg.weight[op] = 0;
}

static uint64_t parse_u64(const char *s, const char *what)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end)
		die("%s '%s' is not a number", what, s);
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = { { "help", no_argument, NULL, 'h' }, { 0, 0, 0, 0 } };
	const char *only = NULL, *except = NULL;
	int c, seeded = 0;

	cfg.procs = 4;
	cfg.seconds = 60;
	cfg.image = "/usr/lib/lwkboot/cokernel.elf";
	while ((c = getopt_long(argc, argv, "p:t:s:i:k:O:X:Bh", lo, NULL)) != -1) {
		switch (c) {
		case 'p': cfg.procs = parse_u64(optarg, "-p"); break;
		case 't': cfg.seconds = parse_u64(optarg, "-t"); break;
		case 's': cfg.seed = parse_u64(optarg, "-s"); seeded = 1; break;
		case 'i': cfg.image = optarg; break;
		case 'k': cfg.ko = optarg; break;
		case 'O': only = optarg; break;
		case 'X': except = optarg; break;
		case 'B': cfg.boot_poisoned = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc)
		die("unexpected argument '%s'", argv[optind]);
	if (cfg.procs < 1 || cfg.procs > MAX_PROCS - 1)
		die("-p %d: want 1 to %d", cfg.procs, MAX_PROCS - 1);
	if (!seeded)
		cfg.seed = now_ns() ^ ((uint64_t)getpid() << 32);
	for (int op = 0; op < NOPS; op++)
		cfg.weight[op] = ops[op].weight;
	if (!cfg.ko)
		cfg.weight[OP_mod_unload] = 0;
	if (only)
		set_ops(only, 1);
	if (except)
		set_ops(except, 0);
	for (int op = 0; op < NOPS; op++)
		cfg.total_weight += cfg.weight[op];
	if (!cfg.total_weight)
		die("no operation left to run");
}

/* Reads the good image and finds how many bytes its headers and segments need. */
static void load_image(void)
{
	struct stat st;
	int fd = open(cfg.image, O_RDONLY | O_CLOEXEC);
	const Elf64_Ehdr *e;

	if (fd < 0 || fstat(fd, &st) || st.st_size < (off_t)sizeof(*e))
		die("%s: cannot read a co-kernel image", cfg.image);
	cfg.img_size = st.st_size;
	cfg.img = malloc(cfg.img_size);
	if (!cfg.img || read(fd, cfg.img, cfg.img_size) != (ssize_t)cfg.img_size)
		die("%s: read failed", cfg.image);
	close(fd);
	e = (const Elf64_Ehdr *)cfg.img;
	if (memcmp(e->e_ident, ELFMAG, SELFMAG) || e->e_phentsize != sizeof(Elf64_Phdr) ||
	    e->e_phoff + e->e_phnum * sizeof(Elf64_Phdr) > cfg.img_size || !e->e_phnum)
		die("%s: not an ELF64 co-kernel", cfg.image);
	cfg.img_need = e->e_phoff + e->e_phnum * sizeof(Elf64_Phdr);
	for (unsigned i = 0; i < e->e_phnum; i++) {
		Elf64_Phdr p;

		memcpy(&p, cfg.img + e->e_phoff + i * sizeof(p), sizeof(p));
		if (p.p_type == PT_LOAD && p.p_offset + p.p_filesz > cfg.img_need)
			cfg.img_need = p.p_offset + p.p_filesz;
	}
	if (cfg.img_need > cfg.img_size || !nloads(cfg.img))
		die("%s: segments past the end of the file", cfg.image);
}

static void read_system(void)
{
	struct lwkb_cpuset present;

	if (read_cpus(CPU_SYSFS "/present", &present))
		die("cannot read " CPU_SYSFS "/present");
	for (unsigned c = 0; c < LWKB_MAX_CPUS; c++)
		if (cs_test(&present, c)) {
			cfg.max_cpu = c + 1;
			if (c)
				cfg.cpus[cfg.ncpus++] = c;
		}
	if (read_cpus("/sys/devices/system/node/online", &cfg.nodes))
		cs_set(&cfg.nodes, 0);
	cfg.guard = guarded(0);
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	load_image();
	read_system();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	setvbuf(stdout, NULL, _IOLBF, 0);
	say("lwkb-stress: seed 0x%016llx, %d processes, %u s, %d CPUs, image %s (%zu bytes), "
	    "module %s", (unsigned long long)cfg.seed, cfg.procs, cfg.seconds, cfg.max_cpu,
	    cfg.image, cfg.img_size, cfg.ko ? cfg.ko : "(no unloads)");
	say("lwkb-stress: replay with: lwkb-stress -p %d -t %u -s 0x%016llx%s%s", cfg.procs,
	    cfg.seconds, (unsigned long long)cfg.seed, cfg.ko ? " -k " : "", cfg.ko ? cfg.ko : "");
	sh->quiescer = -1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	cfg.deadline = now_ns() + (uint64_t)cfg.seconds * NS;
	for (int i = 0; i < cfg.procs; i++) {
		pid_t pid;

		sh->w[i].op = sh->w[i].sub = sh->w[i].hsub = -1;
		pid = fork();
		if (pid == 0)
			worker_main(i);
		if (pid < 0)
			die("fork: %s", strerror(errno));
		sh->w[i].pid = pid;
	}
	supervise();
	final_cpus();
	report();
	return sh->nunexpected ? 1 : 0;
}
