// SPDX-License-Identifier: MIT
/*
 * The kmsg ring (loader/kmsg.c; scheme in include/lwkboot/kmsg.h).
 *
 * What these tests prove:
 *  - init picks the largest power of two that fits (capped at 2 GiB);
 *  - bytes come out as they went in, across the wrap of the ring;
 *  - when the reader falls behind, it gets exactly the newest 'size'
 *    bytes and 'lost' counts exactly the bytes it missed;
 *  - clearing hides older bytes without counting them as lost;
 *  - under concurrency (4 writer threads, 1 reader thread), the reader
 *    never sees a torn line, each writer's lines arrive in order, and
 *    lost + read == written, byte for byte.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lwkb_loader.h"
#include "unit.h"

/* What the host passed to lwkb_kmsg_init (tests keep no other record). */
#define AREA(k) (LWKB_KMSG_HDR_SIZE + (lwkb_u64)(k)->size)

/* A ring with 'size' data bytes (header + data, 64-byte aligned). */
static struct lwkb_kmsg *ring_new(lwkb_u64 size)
{
	struct lwkb_kmsg *k = aligned_alloc(64, LWKB_KMSG_HDR_SIZE + size);

	if (k && lwkb_kmsg_init(k, LWKB_KMSG_HDR_SIZE + size) != 0) {
		free(k);
		k = NULL;
	}
	return k;
}

static void kmsg_init_sizes(void)
{
	static const struct {
		lwkb_u64 area;
		lwkb_u32 size;
	} cases[] = {
		{ 4096 + 64, 4096 },
		{ 4096 + 64 + 100, 4096 },
		{ 8192 + 63, 4096 },
		{ 8192 + 64, 8192 },
		{ 128, 64 },			/* the smallest ring */
		{ 3ULL << 30, 1u << 31 },	/* capped at 2 GiB */
		{ 1ULL << 40, 1u << 31 },
	};
	struct lwkb_kmsg k;	/* init writes the header only */

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&k, 0xee, sizeof(k));
		CHECK(lwkb_kmsg_init(&k, cases[i].area) == 0 && k.size == cases[i].size,
		      "area %llu: size %u, want %u", (unsigned long long)cases[i].area,
		      k.size, cases[i].size);
		CHECK(k.magic == LWKB_KMSG_MAGIC && k.head == 0 && k.tail == 0 &&
		      k.cleared == 0 && k.forced == 0, "area %llu: header not reset",
		      (unsigned long long)cases[i].area);
	}
	CHECK_EQ(lwkb_kmsg_init(&k, 127), -LWKB_EINVAL);
	CHECK_EQ(lwkb_kmsg_init(&k, 0), -LWKB_EINVAL);
}

static void kmsg_round_trip(void)
{
	struct lwkb_kmsg *k = ring_new(4096);
	char buf[64];
	lwkb_u64 pos = 0, lost = 0;

	if (!CHECK(k != NULL, "out of memory"))
		return;
	lwkb_kmsg_write(k, AREA(k), "hello\n", 6);
	lwkb_kmsg_write(k, AREA(k), "world\n", 6);
	lwkb_kmsg_write(k, AREA(k), "ignored", 0);
	CHECK_EQ(k->head, 12);
	CHECK_EQ(k->tail, 12);
	CHECK_EQ(lwkb_kmsg_read(k, AREA(k), &pos, buf, sizeof(buf), &lost), 12);
	CHECK(memcmp(buf, "hello\nworld\n", 12) == 0, "content");
	CHECK_EQ(pos, 12);
	CHECK_EQ(lost, 0);
	CHECK_EQ(lwkb_kmsg_read(k, AREA(k), &pos, buf, sizeof(buf), &lost), 0);
	/* A short buffer reads in pieces. */
	lwkb_kmsg_write(k, AREA(k), "abcdefgh", 8);
	CHECK_EQ(lwkb_kmsg_read(k, AREA(k), &pos, buf, 3, &lost), 3);
	CHECK(memcmp(buf, "abc", 3) == 0, "first piece");
	CHECK_EQ(lwkb_kmsg_read(k, AREA(k), &pos, buf, 100, NULL), 5);
	CHECK(memcmp(buf, "defgh", 5) == 0, "second piece");
	CHECK_EQ(pos, 20);
	/* A ring without its magic reads as empty. */
	k->magic = 0;
	pos = 0;
	CHECK_EQ(lwkb_kmsg_read(k, AREA(k), &pos, buf, sizeof(buf), &lost), 0);
	free(k);
}

/* The byte at stream position i of the wrap tests. */
static char stream_byte(lwkb_u64 i)
{
	return (char)('!' + (i * 7 + i / 91) % 90);
}

static void write_stream(struct lwkb_kmsg *k, lwkb_u64 *written, lwkb_u64 n)
{
	char chunk[300];

	while (n) {
		lwkb_u64 len = 1 + unit_rand() % sizeof(chunk);

		if (len > n)
			len = n;
		for (lwkb_u64 i = 0; i < len; i++)
			chunk[i] = stream_byte(*written + i);
		lwkb_kmsg_write(k, AREA(k), chunk, len);
		*written += len;
		n -= len;
	}
}

/* Reads everything available; checks it against the stream. */
static int read_check(struct lwkb_kmsg *k, lwkb_u64 *pos, lwkb_u64 *lost,
		      lwkb_u64 want_lost, lwkb_u64 want_bytes)
{
	static char buf[1 << 16];
	lwkb_u64 before = *lost, start;
	lwkb_size_t n = lwkb_kmsg_read(k, AREA(k), pos, buf, sizeof(buf), lost);

	start = *pos - n;
	for (lwkb_size_t i = 0; i < n; i++)
		if (buf[i] != stream_byte(start + i))
			return CHECK(0, "byte %llu differs", (unsigned long long)(start + i));
	return CHECK(n == want_bytes && *lost - before == want_lost,
		     "read %zu bytes, lost %llu; want %llu and %llu", n,
		     (unsigned long long)(*lost - before), (unsigned long long)want_bytes,
		     (unsigned long long)want_lost);
}

/* Wrap-around: the newest bytes survive, the loss is counted exactly. */
static void kmsg_wrap_keeps_newest(void)
{
	struct lwkb_kmsg *k = ring_new(4096);
	lwkb_u64 written = 0, pos = 0, lost = 0;

	if (!CHECK(k != NULL, "out of memory"))
		return;
	/* Less than the ring, across its end after the first round. */
	write_stream(k, &written, 3000);
	read_check(k, &pos, &lost, 0, 3000);
	write_stream(k, &written, 3000);		/* wraps at 4096 */
	read_check(k, &pos, &lost, 0, 3000);
	/* 10000 unread bytes: the oldest 10000 - 4096 are gone. */
	write_stream(k, &written, 10000);
	read_check(k, &pos, &lost, 10000 - 4096, 4096);
	CHECK_EQ(pos, written);
	CHECK_EQ(lost, 10000 - 4096);
	/* Exactly a full ring is not a loss. */
	write_stream(k, &written, 4096);
	read_check(k, &pos, &lost, 0, 4096);
	free(k);
}

/* A reader far behind skips to tail - size. */
static void kmsg_reader_far_behind(void)
{
	struct lwkb_kmsg *k = ring_new(4096);
	lwkb_u64 written = 0, pos = 0, lost = 0;

	if (!CHECK(k != NULL, "out of memory"))
		return;
	write_stream(k, &written, 3 * 4096 + 17);
	read_check(k, &pos, &lost, 2 * 4096 + 17, 4096);
	CHECK_EQ(pos, k->tail);
	/* A reader position from the far past (e.g. a new reader at 0) too. */
	write_stream(k, &written, 1000000);
	pos = 5;
	lost = 0;
	read_check(k, &pos, &lost, written - 4096 - 5, 4096);
	free(k);
}

/* One write larger than the ring keeps its last 'size' bytes. */
static void kmsg_oversized_write(void)
{
	struct lwkb_kmsg *k = ring_new(4096);
	char *big = malloc(10000), buf[4096];
	lwkb_u64 pos = 0, lost = 0;

	if (!CHECK(k && big, "out of memory"))
		return;
	for (int i = 0; i < 10000; i++)
		big[i] = stream_byte((lwkb_u64)i);
	lwkb_kmsg_write(k, AREA(k), big, 10000);
	CHECK_EQ(k->head, 4096);	/* only what is kept is reserved */
	CHECK_EQ(lwkb_kmsg_read(k, AREA(k), &pos, buf, sizeof(buf), &lost), 4096);
	CHECK(memcmp(buf, big + 10000 - 4096, 4096) == 0, "not the newest bytes");
	CHECK_EQ(lost, 0);
	free(big);
	free(k);
}

/* After a clear, readers start at the clear point; nothing counts as lost. */
static void kmsg_cleared(void)
{
	struct lwkb_kmsg *k = ring_new(4096);
	char buf[64];
	lwkb_u64 pos = 0, lost = 0;

	if (!CHECK(k != NULL, "out of memory"))
		return;
	lwkb_kmsg_write(k, AREA(k), "old\n", 4);
	k->cleared = k->tail;
	lwkb_kmsg_write(k, AREA(k), "new\n", 4);
	CHECK_EQ(lwkb_kmsg_read(k, AREA(k), &pos, buf, sizeof(buf), &lost), 4);
	CHECK(memcmp(buf, "new\n", 4) == 0, "content after clear");
	CHECK_EQ(lost, 0);
	free(k);
}

/*
 * A reader position beyond tail: the ring was formatted again (the LWK
 * rebooted) while a host reader kept its old position.  The reader must
 * get only bytes that were written, not a wrapped-around window of stale
 * data, and 'lost' must stay sane.
 */
static void kmsg_stale_reader_after_reinit(void)
{
	struct lwkb_kmsg *k = ring_new(4096);
	char buf[4096];
	lwkb_u64 pos = 0, lost = 0;
	lwkb_size_t n;

	if (!CHECK(k != NULL, "out of memory"))
		return;
	memset(k->data, '#', 4096);
	for (int i = 0; i < 1000; i++)
		lwkb_kmsg_write(k, AREA(k), "old line\n", 9);
	CHECK_EQ(lwkb_kmsg_read(k, AREA(k), &pos, buf, sizeof(buf), &lost), 4096);
	CHECK_EQ(pos, 9000);
	lwkb_kmsg_init(k, LWKB_KMSG_HDR_SIZE + 4096);	/* the LWK boots again */
	lwkb_kmsg_write(k, AREA(k), "new\n", 4);
	lost = 0;
	n = lwkb_kmsg_read(k, AREA(k), &pos, buf, sizeof(buf), &lost);
	CHECK(n == 4 && memcmp(buf, "new\n", 4) == 0,
	      "stale position 9000, tail 4: read %zu bytes starting \"%.8s\"", n, buf);
	CHECK(lost < 4096, "lost %llu bytes", (unsigned long long)lost);
	CHECK_EQ(pos, 4);
	free(k);
}

/*
 * The LWK writes the header: a size, head and tail of its choosing must
 * not make the host read outside the ring or its own buffer (ASan checks
 * every byte here), and the host's size is the one that counts.
 */
static void kmsg_hostile_header(void)
{
	struct lwkb_kmsg *k = ring_new(4096);
	char buf[256];
	lwkb_u64 pos = 0, lost = 0;
	lwkb_size_t n;

	if (!CHECK(k != NULL, "out of memory"))
		return;
	lwkb_kmsg_write(k, AREA(k), "hello\n", 6);
	k->size = 0x80000000u;			/* claims 2 GiB */
	k->tail = k->head = 1ULL << 40;		/* far beyond what was written */
	/* The LWK's own writes use its size too (ASan: nothing past the ring). */
	lwkb_kmsg_write(k, LWKB_KMSG_HDR_SIZE + 4096, "still inside the ring\n", 22);
	k->tail = k->head = 1ULL << 40;
	n = lwkb_kmsg_read(k, LWKB_KMSG_HDR_SIZE + 4096, &pos, buf, sizeof(buf), &lost);
	CHECK(n <= sizeof(buf), "read %zu bytes into a %zu-byte buffer", n, sizeof(buf));
	CHECK(lost >= (1ULL << 40) - 4096, "lost %llu: the host's 4096-byte ring was not used",
	      (unsigned long long)lost);
	k->size = 0;
	k->tail = ~0ULL;
	k->head = 5;
	pos = 3;
	n = lwkb_kmsg_read(k, LWKB_KMSG_HDR_SIZE + 4096, &pos, buf, sizeof(buf), &lost);
	CHECK(n <= sizeof(buf), "read %zu bytes with tail ~0", n);
	CHECK_EQ(lwkb_kmsg_read(k, 16, &pos, buf, sizeof(buf), &lost), 0);	/* too small an area */
	free(k);
}

/* ---- concurrency ---- */

/*
 * The ring is lock-free for writers that are never preempted: one per LWK
 * core.  A host thread preempted between reserving and committing makes
 * every later writer spin until it runs again, which on a host with fewer
 * CPUs than threads can cost a scheduler time slice per line.  So, as on
 * the LWK, no more writers than CPUs are inside lwkb_kmsg_write at once (a
 * semaphore; waiting writers sleep instead of spinning), writers pause
 * between short bursts, and the reader sleeps when the ring is empty.  The
 * reader also stalls now and then for longer than the ring takes to fill,
 * so that losses happen while writers are active.
 */
#define WRITERS		4
#define LINES		20000
#define BURST		4		/* lines per writer between sleeps */
#define STRESS_RING	4096

struct stress {
	struct lwkb_kmsg *k;
	sem_t inside;			/* writers allowed in the ring at once */
	int done;			/* writers finished (atomic) */
	lwkb_u64 written;		/* bytes written, all writers (atomic) */
	char *got;			/* every byte the reader got, in order */
	size_t ngot, cap;
	/* gap[i] = 1: bytes were lost before got[i] (the first byte of a read) */
	unsigned char *gap;
	lwkb_u64 lost;
	unsigned reads, gaps;
};

struct writer {
	struct stress *s;
	int id;
};

static void sleep_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	char line[32];

	for (int seq = 0; seq < LINES; seq++) {
		int n = snprintf(line, sizeof(line), "T%d %d\n", w->id, seq);

		while (sem_wait(&w->s->inside) != 0)
			;
		lwkb_kmsg_write(w->s->k, AREA(w->s->k), line, (lwkb_size_t)n);
		sem_post(&w->s->inside);
		__atomic_fetch_add(&w->s->written, (lwkb_u64)n, __ATOMIC_RELAXED);
		if (seq % BURST == BURST - 1)
			sleep_us(1);
	}
	return NULL;
}

static void *reader_main(void *arg)
{
	struct stress *s = arg;
	lwkb_u64 pos = 0;
	char buf[1024];

	for (;;) {
		int done = __atomic_load_n(&s->done, __ATOMIC_ACQUIRE);
		lwkb_u64 before = s->lost;
		lwkb_size_t n = lwkb_kmsg_read(s->k, AREA(s->k), &pos, buf, sizeof(buf), &s->lost);

		s->reads++;
		if (s->lost != before && s->ngot < s->cap) {
			s->gap[s->ngot] = 1;	/* mark the gap before the next byte */
			s->gaps++;
		}
		if (n && s->ngot + n <= s->cap) {
			memcpy(s->got + s->ngot, buf, n);
			s->ngot += n;
		}
		if (!n && done && pos == __atomic_load_n(&s->k->tail, __ATOMIC_ACQUIRE))
			break;
		if (s->reads % 250 == 0)
			sleep_us(20000);	/* fall behind: the ring overflows */
		else if (!n)
			sleep_us(20);
	}
	return NULL;
}

static void kmsg_concurrent_writers(void)
{
	struct stress s;
	pthread_t wt[WRITERS], rt;
	struct writer w[WRITERS];
	long last[WRITERS], last_seq = -1;
	size_t i, line_start, lines = 0;
	int skip = 0, bad = 0;
	struct timespec t0, t1;
	long cpus;

	memset(&s, 0, sizeof(s));
	s.k = ring_new(STRESS_RING);
	s.cap = (size_t)WRITERS * LINES * 16;
	s.got = malloc(s.cap);
	s.gap = calloc(s.cap + 1, 1);
	if (!CHECK(s.k && s.got && s.gap, "out of memory"))
		return;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	sem_init(&s.inside, 0, cpus < 1 ? 1 : cpus > WRITERS ? WRITERS : (unsigned)cpus);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&rt, NULL, reader_main, &s);
	for (int t = 0; t < WRITERS; t++) {
		w[t].s = &s;
		w[t].id = t;
		pthread_create(&wt[t], NULL, writer_main, &w[t]);
	}
	for (int t = 0; t < WRITERS; t++)
		pthread_join(wt[t], NULL);
	__atomic_store_n(&s.done, 1, __ATOMIC_RELEASE);
	pthread_join(rt, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	/* Every byte written was either read or counted as lost. */
	CHECK(s.ngot + s.lost == s.written, "read %zu + lost %llu != written %llu",
	      s.ngot, (unsigned long long)s.lost, (unsigned long long)s.written);
	CHECK_EQ(s.k->tail, s.written);
	CHECK_EQ(s.k->head, s.written);

	/*
	 * Split the reader's bytes into lines.  After a gap the first piece
	 * up to '\n' may be the tail of a lost line: skip it.  Every other
	 * line must be "T<id> <seq>" with seq increasing per writer.
	 */
	for (int t = 0; t < WRITERS; t++)
		last[t] = -1;
	line_start = 0;
	for (i = 0; i < s.ngot; i++) {
		if (s.gap[i]) {
			skip = 1;
			line_start = i;
		}
		if (s.got[i] != '\n')
			continue;
		if (!skip) {
			int id, len = (int)(i - line_start), used = 0;
			long seq;
			char tmp[32];

			if (len <= 0 || len >= (int)sizeof(tmp)) {
				bad++;
			} else {
				memcpy(tmp, s.got + line_start, (size_t)len);
				tmp[len] = '\0';
				if (sscanf(tmp, "T%d %ld%n", &id, &seq, &used) != 2 ||
				    used != len || id < 0 || id >= WRITERS ||
				    seq >= LINES || seq <= last[id]) {
					if (bad++ < 5)
						CHECK(0, "bad line \"%s\" at byte %zu", tmp, i);
				} else {
					last[id] = seq;
					last_seq = seq;
					lines++;
				}
			}
		}
		skip = 0;
		line_start = i + 1;
	}
	if (s.k->forced)
		printf("  (note: %llu records forced; lines may be garbled by design)\n",
		       (unsigned long long)s.k->forced);
	else
		CHECK(bad == 0, "%d malformed or out-of-order lines", bad);
	/* The newest data is always kept: the last line read is the last
	 * line of some writer (the one that finished last). */
	CHECK(last_seq == LINES - 1, "last line read has seq %ld", last_seq);
	CHECK(s.gaps > 0, "the reader never fell behind: loss path not exercised");
	printf("  %zu lines read, %llu bytes lost in %u gaps, %u reads, %ld writers at once, %.2f s\n",
	       lines, (unsigned long long)s.lost, s.gaps, s.reads,
	       cpus < 1 ? 1 : cpus > WRITERS ? WRITERS : cpus,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	sem_destroy(&s.inside);
	free(s.got);
	free(s.gap);
	free(s.k);
}

UNIT_SUITE(kmsg,
	UNIT_TEST(kmsg_init_sizes),
	UNIT_TEST(kmsg_round_trip),
	UNIT_TEST(kmsg_wrap_keeps_newest),
	UNIT_TEST(kmsg_reader_far_behind),
	UNIT_TEST(kmsg_oversized_write),
	UNIT_TEST(kmsg_cleared),
	UNIT_TEST(kmsg_stale_reader_after_reinit),
	UNIT_TEST(kmsg_hostile_header),
	UNIT_TEST(kmsg_concurrent_writers));
