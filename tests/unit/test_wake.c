// SPDX-License-Identifier: MIT
/*
 * Waking cores (loader/wake.c) against a fake platform.
 *
 * The fake records every INIT, SIPI and delay with the time of a fake
 * clock that only udelay advances, and models each core by APIC id: a
 * core "arrives" by writing its slot's stage word in the installed
 * trampoline page, exactly where the real trampoline writes it.
 *
 * What these tests prove:
 *  - the sequence is INIT to all, one INIT delay (none when 0), SIPI to
 *    all with the page's vector, then a second SIPI only to cores still at
 *    stage none; cores that arrive are never re-SIPIed or re-INITed;
 *  - n cores cost one INIT delay, not n (parallel wake);
 *  - a core that never arrives (or stops half-way) makes the call return
 *    -LWKB_ETIMEDOUT after timeout_us (not much later), with a log line
 *    naming its lwk id, APIC id and last stage, and it is parked by INIT;
 *  - invalid input (duplicate APIC ids, bad stacks, bad page) fails before
 *    any IPI; a failing send_init / send_sipi stops cleanly.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwkb_loader.h"
#include "unit.h"

#define PAGE_PHYS	0x9000
#define VECTOR		0x09
#define MAX_FAKE	16

enum model {
	ARRIVE_FIRST_SIPI,	/* jumps as soon as the first SIPI comes */
	ARRIVE_SECOND_SIPI,	/* misses the first SIPI */
	ARRIVE_LATE,		/* runs after the first SIPI but needs late_us */
	ARRIVE_LATE_REAL,	/* same, but reports stage real at once */
	NEVER,			/* no reaction at all */
	STOPS_PROT,		/* stuck in protected mode */
	ARRIVE_IN_LOG,		/* jumps while the waker logs (a slow host) */
};

struct fake_cpu {
	lwkb_u32 apic_id;
	enum model model;
	lwkb_u32 late_us;
	/* state */
	int sipis, inits, running;
	lwkb_u64 sipi_at;
	lwkb_u64 arrived_at;
	int alive;		/* jumped, and no INIT since */
};

struct event {
	char kind;		/* 'I' INIT, 'S' SIPI, 'D' delay */
	lwkb_u32 apic_id;	/* I, S */
	lwkb_u32 us;		/* D */
	lwkb_u8 vector;		/* S */
	lwkb_u64 at;		/* fake clock before the event */
};

struct fake {
	void *page;
	struct lwkb_tramp_slot *slots;	/* the slot table, FAKE_SLOTS slots */
	lwkb_u64 clock;
	struct fake_cpu cpu[MAX_FAKE];
	unsigned ncpu;
	struct event ev[8192];
	unsigned nev;
	char log[8192];
	size_t loglen;
	unsigned stray;		/* SIPIs to ids without a slot */
	lwkb_u32 fail_init_apic, fail_sipi_apic;	/* ~0: none */
	int fail_rc;
};

#define FAKE_SLOTS	16
static struct fake F;

static struct fake_cpu *cpu_of(lwkb_u32 apic_id)
{
	for (unsigned i = 0; i < F.ncpu; i++)
		if (F.cpu[i].apic_id == apic_id)
			return &F.cpu[i];
	return NULL;
}

static void add_event(char kind, lwkb_u32 apic_id, lwkb_u32 us, lwkb_u8 vector)
{
	if (F.nev < sizeof(F.ev) / sizeof(F.ev[0]))
		F.ev[F.nev++] = (struct event){ kind, apic_id, us, vector, F.clock };
}

/* What the real trampoline does: find the slot by APIC id, write stage. */
static void set_stage(struct fake_cpu *c, lwkb_u32 stage)
{
	struct lwkb_tramp_data *d = lwkb_tramp_data(F.page);
	struct lwkb_tramp_slot *s = F.slots;
	lwkb_u32 n = __atomic_load_n(&d->nr_slots, __ATOMIC_ACQUIRE);

	for (lwkb_u32 i = 0; i < n; i++)
		if (s[i].apic_id == c->apic_id) {
			if (stage == LWKB_STAGE_JUMPED) {
				c->arrived_at = F.clock;
				c->alive = 1;
			}
			__atomic_store_n(&s[i].stage, stage, __ATOMIC_RELEASE);
			return;
		}
	F.stray++;
}

static int fake_init(void *ctx, lwkb_u32 apic_id)
{
	struct fake_cpu *c = cpu_of(apic_id);

	(void)ctx;
	add_event('I', apic_id, 0, 0);
	if (apic_id == F.fail_init_apic)
		return F.fail_rc;
	if (c) {
		c->inits++;
		c->running = 0;		/* back to wait-for-SIPI */
		c->alive = 0;
	}
	return 0;
}

static int fake_sipi(void *ctx, lwkb_u32 apic_id, lwkb_u8 vector)
{
	struct fake_cpu *c = cpu_of(apic_id);

	(void)ctx;
	add_event('S', apic_id, 0, vector);
	if (apic_id == F.fail_sipi_apic)
		return F.fail_rc;
	if (!c)
		return 0;
	c->sipis++;
	if (c->running)
		return 0;	/* a running core ignores SIPIs */
	switch (c->model) {
	case ARRIVE_FIRST_SIPI:
		set_stage(c, LWKB_STAGE_JUMPED);
		break;
	case ARRIVE_SECOND_SIPI:
		if (c->sipis == 2)
			set_stage(c, LWKB_STAGE_JUMPED);
		break;
	case ARRIVE_LATE_REAL:
		set_stage(c, LWKB_STAGE_REAL);
		/* fall through */
	case ARRIVE_LATE:
		c->running = 1;
		c->sipi_at = F.clock;
		break;
	case ARRIVE_IN_LOG:
		set_stage(c, LWKB_STAGE_LONG);
		c->running = 1;
		break;
	case NEVER:
		break;
	case STOPS_PROT:
		set_stage(c, LWKB_STAGE_PROT);
		c->running = 1;
		break;
	}
	return 0;
}

static void fake_udelay(void *ctx, lwkb_u32 us)
{
	(void)ctx;
	add_event('D', 0, us, 0);
	F.clock += us;
	for (unsigned i = 0; i < F.ncpu; i++) {
		struct fake_cpu *c = &F.cpu[i];

		if ((c->model == ARRIVE_LATE || c->model == ARRIVE_LATE_REAL) &&
		    c->running && !c->arrived_at && F.clock - c->sipi_at >= c->late_us)
			set_stage(c, LWKB_STAGE_JUMPED);
	}
}

static void fake_log(void *ctx, const char *msg)
{
	(void)ctx;
	for (unsigned i = 0; i < F.ncpu; i++)
		if (F.cpu[i].model == ARRIVE_IN_LOG && F.cpu[i].running && !F.cpu[i].alive)
			set_stage(&F.cpu[i], LWKB_STAGE_JUMPED);
	F.loglen += (size_t)snprintf(F.log + F.loglen, sizeof(F.log) - F.loglen, "%s\n", msg);
	if (F.loglen >= sizeof(F.log))
		F.loglen = sizeof(F.log) - 1;
}

static const struct lwkb_platform PF = {
	.ctx = &F, .send_init = fake_init, .send_sipi = fake_sipi,
	.udelay = fake_udelay, .log = fake_log,
};

static const struct lwkb_wake_params WP = {
	.init_delay_us = 10000, .sipi_delay_us = 200, .timeout_us = 5000, .poll_us = 10,
};

/*
 * Sets up the fake with one CPU per model, installs the trampoline in a
 * fresh page at PAGE_PHYS, and fills cores[]: APIC ids 4, 6, 8, ..., lwk
 * ids 1, 2, 3, ... and host CPUs 10, 11, ..., so that messages can be
 * told apart.
 */
static int setup(const enum model *models, unsigned n, struct lwkb_wake_core *cores)
{
	struct lwkb_tramp_params tp = {
		.page_phys = PAGE_PHYS, .cr3 = 0x100000, .cr4 = 0x20,
		.efer_set = 0x100, .entry = 0xffffffff80000000ULL,
		.slots_phys = 0x200000, .max_slots = FAKE_SLOTS,
	};

	free(F.page);
	free(F.slots);
	memset(&F, 0, sizeof(F));
	F.fail_init_apic = F.fail_sipi_apic = ~0u;
	F.page = aligned_alloc(4096, 4096);
	F.slots = calloc(FAKE_SLOTS, sizeof(*F.slots));
	if (!F.page || !F.slots || lwkb_tramp_install(F.page, &tp))
		return -1;
	F.ncpu = n;
	for (unsigned i = 0; i < n; i++) {
		F.cpu[i].apic_id = 4 + 2 * i;
		F.cpu[i].model = models[i];
		F.cpu[i].late_us = 1000;
		memset(&cores[i], 0xee, sizeof(cores[i]));	/* outputs must be set */
		cores[i].apic_id = 4 + 2 * i;
		cores[i].lwk_id = 1 + i;
		cores[i].host_cpu = 10 + i;
		cores[i].stack_top = 0x40100000 + 0x4000 * (i + 1);
	}
	return 0;
}

static void teardown(void)
{
	free(F.page);
	free(F.slots);
	F.page = NULL;
	F.slots = NULL;
}

/* Index of the first event of kind k (for apic, or any when apic == ~0) at or after from. */
static int find_ev(unsigned from, char k, lwkb_u32 apic)
{
	for (unsigned i = from; i < F.nev; i++)
		if (F.ev[i].kind == k && (apic == ~0u || F.ev[i].apic_id == apic))
			return (int)i;
	return -1;
}

/* Fake time of the first SIPI (0 if there was none: the caller checks). */
static lwkb_u64 first_sipi_at(void)
{
	int i = find_ev(0, 'S', ~0u);

	return CHECK(i >= 0, "no SIPI sent") ? F.ev[i].at : 0;
}

static unsigned count_ev(char k, lwkb_u32 apic)
{
	unsigned n = 0;

	for (unsigned i = 0; i < F.nev; i++)
		n += F.ev[i].kind == k && (apic == ~0u || F.ev[i].apic_id == apic);
	return n;
}

/*
 * Checks the start of the event list: n INITs in core order, the INIT
 * delay (if any), n SIPIs in core order with the vector.  Returns the
 * index after the first round of SIPIs.
 */
static unsigned check_prologue(const struct lwkb_wake_core *cores, unsigned n,
			       lwkb_u32 init_delay)
{
	unsigned e = 0;

	for (unsigned i = 0; i < n; i++, e++)
		CHECK(e < F.nev && F.ev[e].kind == 'I' && F.ev[e].apic_id == cores[i].apic_id,
		      "event %u: want INIT to APIC %u", e, cores[i].apic_id);
	if (init_delay) {
		CHECK(e < F.nev && F.ev[e].kind == 'D' && F.ev[e].us == init_delay,
		      "event %u: want the INIT delay of %u us", e, init_delay);
		e++;
	}
	for (unsigned i = 0; i < n; i++, e++)
		CHECK(e < F.nev && F.ev[e].kind == 'S' && F.ev[e].apic_id == cores[i].apic_id &&
		      F.ev[e].vector == VECTOR,
		      "event %u: want SIPI 0x%02x to APIC %u", e, VECTOR, cores[i].apic_id);
	return e;
}

/* Fast and slow-but-healthy cores: all jump, each with the right SIPI count. */
static void wake_success_order(void)
{
	static const enum model m[] = { ARRIVE_FIRST_SIPI, ARRIVE_SECOND_SIPI,
					ARRIVE_FIRST_SIPI };
	struct lwkb_wake_core cores[3];
	unsigned e;
	int rc;

	if (!CHECK(setup(m, 3, cores) == 0, "setup"))
		return;
	rc = lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 3, &WP);
	CHECK_EQ(rc, 0);
	e = check_prologue(cores, 3, WP.init_delay_us);
	/* then the SIPI delay and exactly one second SIPI, to the core that missed */
	CHECK(e < F.nev && F.ev[e].kind == 'D' && F.ev[e].us == WP.sipi_delay_us,
	      "want the SIPI delay after the first SIPIs");
	CHECK(e + 1 < F.nev && F.ev[e + 1].kind == 'S' && F.ev[e + 1].apic_id == 6,
	      "want the second SIPI to APIC 6");
	CHECK_EQ(F.nev, e + 2);		/* all arrived: no polling, no parking */
	CHECK_EQ(count_ev('I', ~0u), 3);
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ(cores[i].stage, LWKB_STAGE_JUMPED);
		CHECK_EQ(cores[i].sipis, i == 1 ? 2 : 1);
		CHECK_EQ(F.cpu[i].sipis, i == 1 ? 2 : 1);
		CHECK_EQ(F.slots[i].stack_top, cores[i].stack_top);
	}
	CHECK_EQ(F.stray, 0);
	CHECK_EQ(lwkb_tramp_data(F.page)->nr_slots, 3);
	CHECK_EQ(F.loglen, 0);
	teardown();
}

/* A core that needs 1000 us after its SIPI: it still at stage none after
 * the SIPI delay, so it gets a second SIPI (which it ignores), and the poll
 * loop sees it arrive; elapsed_us says when. */
static void wake_late_core(void)
{
	static const enum model m[] = { ARRIVE_FIRST_SIPI, ARRIVE_LATE };
	struct lwkb_wake_core cores[2];
	lwkb_u64 t0;
	int rc;

	if (!CHECK(setup(m, 2, cores) == 0, "setup"))
		return;
	rc = lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 2, &WP);
	CHECK_EQ(rc, 0);
	check_prologue(cores, 2, WP.init_delay_us);
	CHECK_EQ(cores[1].stage, LWKB_STAGE_JUMPED);
	CHECK_EQ(cores[1].sipis, 2);
	t0 = first_sipi_at();
	CHECK(cores[1].elapsed_us >= 1000 && cores[1].elapsed_us < 1000 + WP.poll_us,
	      "elapsed %u us, arrived at +%llu us", cores[1].elapsed_us,
	      (unsigned long long)(F.cpu[1].arrived_at - t0));
	CHECK(F.clock - t0 < 1000 + 2 * WP.poll_us, "returned %llu us after the SIPIs",
	      (unsigned long long)(F.clock - t0));
	CHECK_EQ(count_ev('I', ~0u), 2);	/* no parking */
	teardown();
}

/* Late too, but it reports stage real at once: no second SIPI. */
static void wake_late_core_no_second_sipi(void)
{
	static const enum model m[] = { ARRIVE_LATE_REAL };
	struct lwkb_wake_core cores[1];

	if (!CHECK(setup(m, 1, cores) == 0, "setup"))
		return;
	CHECK_EQ(lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 1, &WP), 0);
	CHECK_EQ(count_ev('S', ~0u), 1);
	CHECK_EQ(cores[0].sipis, 1);
	CHECK_EQ(cores[0].stage, LWKB_STAGE_JUMPED);
	teardown();
}

/*
 * Common checks for a core that did not arrive: the call returned
 * -LWKB_ETIMEDOUT, waited timeout_us (not much more) after the SIPIs,
 * logged the core with its stage, and INITed it (only it) afterwards.
 */
static void check_timeout(const struct lwkb_wake_core *cores, unsigned n, unsigned bad,
			  int rc, const char *stage_word, lwkb_u32 want_stage)
{
	char want[64];
	int last_delay = -1, park;
	lwkb_u64 t0 = first_sipi_at(), waited = F.clock - t0;

	CHECK_EQ(rc, -LWKB_ETIMEDOUT);
	CHECK(waited >= WP.timeout_us && waited < WP.timeout_us + 3 * WP.poll_us,
	      "waited %llu us after the first SIPI, timeout %u us",
	      (unsigned long long)waited, WP.timeout_us);
	snprintf(want, sizeof(want), "core %u ", cores[bad].lwk_id);
	CHECK_CONTAINS(F.log, want);
	snprintf(want, sizeof(want), "APIC id %u", cores[bad].apic_id);
	CHECK_CONTAINS(F.log, want);
	snprintf(want, sizeof(want), "cpu %u", cores[bad].host_cpu);
	CHECK_CONTAINS(F.log, want);
	CHECK_CONTAINS(F.log, stage_word);
	CHECK_EQ(cores[bad].stage, want_stage);
	/* A core that never entered cannot find its slot any more, should a
	 * late SIPI start it after all: it would halt in real mode. */
	if (want_stage == LWKB_STAGE_NONE) {
		struct lwkb_tramp_slot *sl = F.slots;
		unsigned j;

		for (j = 0; j < lwkb_tramp_data(F.page)->nr_slots; j++)
			CHECK(sl[j].apic_id != cores[bad].apic_id,
			      "slot %u still names APIC id %u after the timeout", j,
			      cores[bad].apic_id);
	}
	/* Only the bad core is named. */
	for (unsigned i = 0; i < n; i++) {
		if (i == bad)
			continue;
		snprintf(want, sizeof(want), "APIC id %u", cores[i].apic_id);
		CHECK(!strstr(F.log, want), "healthy core %u logged: %s", i, F.log);
		CHECK_EQ(cores[i].stage, LWKB_STAGE_JUMPED);
	}
	/* Parking: an INIT to the bad core after the last delay. */
	for (unsigned i = 0; i < F.nev; i++)
		if (F.ev[i].kind == 'D')
			last_delay = (int)i;
	park = find_ev((unsigned)last_delay + 1, 'I', cores[bad].apic_id);
	CHECK(park > last_delay, "core not parked with INIT after the timeout");
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(count_ev('I', cores[i].apic_id), i == bad ? 2 : 1);
}

static void wake_timeout_never_arrives(void)
{
	static const enum model m[] = { ARRIVE_FIRST_SIPI, NEVER, ARRIVE_FIRST_SIPI };
	struct lwkb_wake_core cores[3];
	int rc;

	if (!CHECK(setup(m, 3, cores) == 0, "setup"))
		return;
	rc = lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 3, &WP);
	check_timeout(cores, 3, 1, rc, "none", LWKB_STAGE_NONE);
	CHECK_EQ(F.cpu[1].sipis, 2);
	CHECK_EQ(cores[1].sipis, 2);
	teardown();
}

static void wake_timeout_stuck_in_protected_mode(void)
{
	static const enum model m[] = { STOPS_PROT, ARRIVE_FIRST_SIPI };
	struct lwkb_wake_core cores[2];
	int rc;

	if (!CHECK(setup(m, 2, cores) == 0, "setup"))
		return;
	rc = lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 2, &WP);
	check_timeout(cores, 2, 0, rc, "protected", LWKB_STAGE_PROT);
	CHECK_EQ(F.cpu[0].sipis, 1);	/* it had entered: no second SIPI */
	teardown();
}

/* A timeout that is not a multiple of the poll step still ends in time. */
static void wake_timeout_odd_values(void)
{
	static const enum model m[] = { NEVER };
	struct lwkb_wake_core cores[1];
	struct lwkb_wake_params wp = { .init_delay_us = 0, .sipi_delay_us = 0,
				       .timeout_us = 1234, .poll_us = 100 };
	lwkb_u64 waited;

	if (!CHECK(setup(m, 1, cores) == 0, "setup"))
		return;
	CHECK_EQ(lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 1, &wp), -LWKB_ETIMEDOUT);
	waited = F.clock - first_sipi_at();
	CHECK(waited >= 1234 && waited < 1234 + 100, "waited %llu us",
	      (unsigned long long)waited);
	teardown();
}

/* Seven cores: one INIT delay in total, all INITs before it, all SIPIs after. */
static void wake_parallel_one_init_delay(void)
{
	enum model m[7];
	struct lwkb_wake_core cores[7];
	unsigned delays = 0;

	for (int i = 0; i < 7; i++)
		m[i] = ARRIVE_FIRST_SIPI;
	if (!CHECK(setup(m, 7, cores) == 0, "setup"))
		return;
	CHECK_EQ(lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 7, &WP), 0);
	check_prologue(cores, 7, WP.init_delay_us);
	for (unsigned i = 0; i < F.nev; i++)
		delays += F.ev[i].kind == 'D' && F.ev[i].us == WP.init_delay_us;
	CHECK_EQ(delays, 1);
	CHECK_EQ(count_ev('S', ~0u), 7);
	CHECK_EQ(F.clock, WP.init_delay_us + WP.sipi_delay_us);
	teardown();
}

/* init_delay_us = 0: the SIPIs follow the INITs directly. */
static void wake_no_init_delay(void)
{
	static const enum model m[] = { ARRIVE_FIRST_SIPI, ARRIVE_FIRST_SIPI };
	struct lwkb_wake_core cores[2];
	struct lwkb_wake_params wp = WP;

	wp.init_delay_us = 0;
	if (!CHECK(setup(m, 2, cores) == 0, "setup"))
		return;
	CHECK_EQ(lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 2, &wp), 0);
	check_prologue(cores, 2, 0);
	for (unsigned i = 0; i < F.nev; i++)
		CHECK(F.ev[i].kind != 'D' || F.ev[i].us != 0, "udelay(0) called");
	teardown();
}

/* Duplicate APIC ids or a bad stack: an error before any IPI. */
static void wake_invalid_cores_no_ipi(void)
{
	static const enum model m[] = { ARRIVE_FIRST_SIPI, ARRIVE_FIRST_SIPI,
					ARRIVE_FIRST_SIPI };
	struct lwkb_wake_core cores[3];
	int rc;

	if (!CHECK(setup(m, 3, cores) == 0, "setup"))
		return;
	cores[2].apic_id = cores[0].apic_id;
	rc = lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 3, &WP);
	CHECK_EQ(rc, -LWKB_EEXIST);
	CHECK_EQ(F.nev, 0);
	CHECK_CONTAINS(F.log, "twice");
	CHECK_CONTAINS(F.log, "core 3");

	if (!CHECK(setup(m, 3, cores) == 0, "setup"))
		return;
	cores[1].stack_top += 8;
	rc = lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 3, &WP);
	CHECK_EQ(rc, -LWKB_EINVAL);
	CHECK_EQ(F.nev, 0);
	CHECK_CONTAINS(F.log, "core 2");
	teardown();
}

/* Bad parameters or page: -LWKB_EINVAL before any IPI. */
static void wake_bad_args(void)
{
	static const enum model m[] = { ARRIVE_FIRST_SIPI };
	struct lwkb_wake_core cores[LWKB_TRAMP_MAX_SLOTS + 1];
	struct lwkb_wake_params wp = WP;

	if (!CHECK(setup(m, 1, cores) == 0, "setup"))
		return;
	memset(cores, 0, sizeof(cores));
	cores[0].apic_id = 4;
	CHECK_EQ(lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 0, &WP), -LWKB_EINVAL);
	CHECK_EQ(lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, LWKB_TRAMP_MAX_SLOTS + 1, &WP),
		 -LWKB_EINVAL);
	wp.poll_us = 0;
	CHECK_EQ(lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 1, &wp), -LWKB_EINVAL);
	/* the page was installed for 0x9000, not 0x8000 */
	CHECK_EQ(lwkb_wake_cores(&PF, F.page, 0x8000, F.slots, FAKE_SLOTS, cores, 1, &WP), -LWKB_EINVAL);
	lwkb_tramp_data(F.page)->magic = 0;
	CHECK_EQ(lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 1, &WP), -LWKB_EINVAL);
	CHECK_EQ(F.nev, 0);
	teardown();
}

/* send_init fails for the second core: that error comes back, no SIPI at all. */
static void wake_send_init_fails(void)
{
	static const enum model m[] = { ARRIVE_FIRST_SIPI, ARRIVE_FIRST_SIPI,
					ARRIVE_FIRST_SIPI };
	struct lwkb_wake_core cores[3];
	int rc;

	if (!CHECK(setup(m, 3, cores) == 0, "setup"))
		return;
	F.fail_init_apic = cores[1].apic_id;
	F.fail_rc = -LWKB_EIO;
	rc = lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 3, &WP);
	CHECK_EQ(rc, -LWKB_EIO);
	CHECK_EQ(count_ev('S', ~0u), 0);
	CHECK_EQ(count_ev('D', ~0u), 0);
	CHECK_CONTAINS(F.log, "INIT");
	CHECK_CONTAINS(F.log, "APIC id 6");
	for (unsigned i = 0; i < 3; i++)
		CHECK(cores[i].stage != LWKB_STAGE_JUMPED, "core %u jumped", i);
	teardown();
}

/* send_sipi fails: the error comes back and every core is parked. */
static void wake_send_sipi_fails(void)
{
	static const enum model m[] = { ARRIVE_FIRST_SIPI, ARRIVE_FIRST_SIPI };
	struct lwkb_wake_core cores[2];
	int rc, first_sipi;

	if (!CHECK(setup(m, 2, cores) == 0, "setup"))
		return;
	F.fail_sipi_apic = cores[1].apic_id;
	F.fail_rc = -LWKB_EIO;
	rc = lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 2, &WP);
	CHECK_EQ(rc, -LWKB_EIO);
	CHECK_CONTAINS(F.log, "SIPI");
	first_sipi = find_ev(0, 'S', ~0u);
	if (!CHECK(first_sipi >= 0, "no SIPI sent"))
		return;
	/* core 0 had jumped and is left alone; core 1 is INITed again */
	CHECK(find_ev((unsigned)first_sipi, 'I', cores[1].apic_id) > first_sipi,
	      "core 1 not parked");
	CHECK_EQ(find_ev((unsigned)first_sipi, 'I', cores[0].apic_id), -1);
	teardown();
}

/* A second call on the same page sets the slots anew. */
static void wake_twice_same_page(void)
{
	static const enum model m[] = { ARRIVE_FIRST_SIPI, ARRIVE_FIRST_SIPI,
					ARRIVE_FIRST_SIPI };
	struct lwkb_wake_core cores[3];

	if (!CHECK(setup(m, 3, cores) == 0, "setup"))
		return;
	CHECK_EQ(lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 2, &WP), 0);
	F.nev = 0;
	CHECK_EQ(lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores + 2, 1, &WP), 0);
	CHECK_EQ(lwkb_tramp_data(F.page)->nr_slots, 1);
	CHECK_EQ(F.slots[0].apic_id, cores[2].apic_id);
	CHECK_EQ(F.slots[1].apic_id, 0);
	CHECK_EQ(count_ev('I', ~0u), 1);
	CHECK_EQ(F.stray, 0);
	teardown();
}

/*
 * The core reaches its entry after the last poll, while the waker writes
 * its timeout lines (QEMU/TCG on a loaded host: the core is late, the log
 * lines take milliseconds).  The call fails, so the core must not be left
 * running: before, the waker looked at the stages again after logging,
 * saw it jumped and left it alone, and the host then freed what it ran on
 * and booted the next image over it (a triple fault that reset the VM).
 * Whatever the call returns, a core runs after it exactly when its stage
 * says jumped.
 */
static void wake_core_jumps_while_logging(void)
{
	static const enum model m[] = { ARRIVE_FIRST_SIPI, ARRIVE_IN_LOG };
	struct lwkb_wake_core cores[2];
	int rc, last_delay = -1;

	if (!CHECK(setup(m, 2, cores) == 0, "setup"))
		return;
	rc = lwkb_wake_cores(&PF, F.page, PAGE_PHYS, F.slots, FAKE_SLOTS, cores, 2, &WP);
	CHECK_EQ(rc, -LWKB_ETIMEDOUT);
	for (unsigned i = 0; i < 2; i++)
		CHECK(F.cpu[i].alive == (cores[i].stage == LWKB_STAGE_JUMPED),
		      "core %u: running %d, but its stage says %u", i, F.cpu[i].alive,
		      cores[i].stage);
	CHECK_EQ(cores[0].stage, LWKB_STAGE_JUMPED);
	CHECK_EQ(cores[1].stage, LWKB_STAGE_LONG);
	CHECK_CONTAINS(F.log, "last stage long");
	/* Its INIT comes after the last poll, and its slot is retired. */
	for (unsigned i = 0; i < F.nev; i++)
		if (F.ev[i].kind == 'D')
			last_delay = (int)i;
	CHECK(find_ev((unsigned)last_delay + 1, 'I', cores[1].apic_id) > last_delay,
	      "the late core got no INIT after the timeout");
	CHECK_EQ(count_ev('I', cores[0].apic_id), 1);
	CHECK(F.slots[1].apic_id == LWKB_TRAMP_SLOT_RETIRED, "slot 1 names APIC id %u",
	      F.slots[1].apic_id);
	teardown();
}

static void wake_defaults(void)
{
	struct lwkb_wake_params wp;

	memset(&wp, 0xff, sizeof(wp));
	lwkb_wake_defaults(&wp);
	CHECK_EQ(wp.init_delay_us, 10000);
	CHECK_EQ(wp.sipi_delay_us, 200);
	CHECK_EQ(wp.timeout_us, 1000000);
	CHECK_EQ(wp.poll_us, 10);
}

UNIT_SUITE(wake,
	UNIT_TEST(wake_success_order),
	UNIT_TEST(wake_late_core),
	UNIT_TEST(wake_late_core_no_second_sipi),
	UNIT_TEST(wake_timeout_never_arrives),
	UNIT_TEST(wake_timeout_stuck_in_protected_mode),
	UNIT_TEST(wake_timeout_odd_values),
	UNIT_TEST(wake_parallel_one_init_delay),
	UNIT_TEST(wake_no_init_delay),
	UNIT_TEST(wake_invalid_cores_no_ipi),
	UNIT_TEST(wake_bad_args),
	UNIT_TEST(wake_send_init_fails),
	UNIT_TEST(wake_send_sipi_fails),
	UNIT_TEST(wake_twice_same_page),
	UNIT_TEST(wake_core_jumps_while_logging),
	UNIT_TEST(wake_defaults));
