// SPDX-License-Identifier: MIT
/*
 * The demo co-kernel: shows that the boot path works end to end.
 *
 * Core 0 prints what the host gave it (cores, memory, NUMA, kernel
 * arguments verbatim), starts every other LWK core in parallel through the
 * same trampoline page, waits until each has reported in, and sets the
 * status word to RUNNING.  Each further core prints its LWK id and APIC id.
 *
 * Kernel arguments it understands (besides the library's lwkboot.*):
 *   demo.drop_sipi=ID   drop the STARTUP IPIs to LWK core ID (tests the
 *                       "core did not arrive" path)
 *   demo.fault=1        take a page fault on core 0 after start-up (tests
 *                       the exception dump and PANIC)
 *   demo.serial_boot=1  start the cores one at a time instead of all at
 *                       once (bench/ compares the two)
 *   demo.panic_after_ms=MS  panic MS after RUNNING (tests PANIC)
 *   demo.hang_after_ms=MS   spin with interrupts off MS after RUNNING, so
 *                       the heartbeat stops (tests HUNGUP)
 *   demo.fault_after_ms=MS  touch an unmapped address MS after RUNNING
 *                       (tests the exception dump and PANIC)
 *   demo.kmsg_flood=N   print N numbered lines at start (tests kmsg wrap)
 *   demo.panic_core=ID  LWK core ID panics as soon as it is up, while core 0
 *                       still waits for the others (PANIC must not be
 *                       overwritten by RUNNING)
 *   demo.echo_max=N     the echo service answers only the first N messages
 *                       (tests a host ping whose replies stop coming)
 *   demo.memtest=MIB    before RUNNING, take MIB MiB from the library's
 *                       allocator (at most what it has left but 1 MiB: the
 *                       image's chunk may be only part of the memory),
 *                       check that every byte is zero, then fill
 *                       them with a pattern (tests that the library clears
 *                       what it hands out: the host does not, and the next
 *                       boot on the same memory finds the pattern there)
 *   demo.no_freeze=1    say the LWK cannot be frozen (lwk_no_freeze: tests
 *                       the host's -EOPNOTSUPP)
 *   demo.hostile=1      once RUNNING, write nonsense where the host reads:
 *                       a 2 GiB kmsg size and a Linux CPU's APIC id (1) as
 *                       the IKC doorbell target; =2 also a status word
 *                       outside the enum (tests that the host keeps its own
 *                       bounds, kmod/ikc_host.c and os.c); =3 instead the
 *                       status BOOTING, then no heartbeat (tests that going
 *                       back does not hide a hang, kmod/watch.c)
 */
#include "lwk.h"
#include "lwkboot/ikc.h"

static lwkb_u64 echo_max = ~0ULL, echoed;

/* The echo service on IKC port 7: every message goes back unchanged. */
static void echo(int channel, struct lwkb_ikc_msg *msg)
{
	int tries = 100000;

	if (echoed++ >= echo_max)
		return;

	while (ihk_ikc_send(channel, msg) == -LWKB_EAGAIN && --tries)
		__builtin_ia32_pause();	/* the host drains its ring */
}

#define CORE_WAIT_MS	5000
#define NEVER		(~0ULL)

static lwkb_u64 panic_ms = NEVER, hang_ms = NEVER, fault_ms = NEVER;

static lwkb_u64 karg_or(const char *key, lwkb_u64 dflt)
{
	lwkb_u64 v;

	return lwk_karg_u64(key, &v) ? dflt : v;
}

/* Every timer tick of every core; the fault switches act on core 0. */
void lwk_tick(int lwk_id, lwkb_u64 ms)
{
	if (lwk_id != 0)
		return;
	if (ms >= panic_ms)
		lwk_panic("demo.panic_after_ms=%llu reached", (unsigned long long)panic_ms);
	if (ms >= fault_ms) {
		fault_ms = NEVER;
		lwk_printk("demo: touching an unmapped address (demo.fault_after_ms)\n");
		*(volatile lwkb_u64 *)0x0000700000000000ULL = 1;
	}
	if (ms >= hang_ms) {
		lwk_printk("demo: spinning with interrupts off (demo.hang_after_ms)\n");
		for (;;)
			__builtin_ia32_pause();	/* we are in the tick: IF is 0 */
	}
}

/* demo.hostile: the fields an LWK can write and the host must not trust. */
static void be_hostile(lwkb_u64 level)
{
	struct lwkb_boot_info *bi = lwk_boot_info();
	struct lwkb_kmsg *k = (struct lwkb_kmsg *)(unsigned long)bi->kmsg_phys;
	struct lwkb_ikc_area *a = (struct lwkb_ikc_area *)(unsigned long)bi->ikc_phys;

	lwk_printk("demo: hostile: kmsg size 2 GiB, IKC doorbell at APIC id 1%s\n",
		   level == 2 ? ", status 99" : level > 2 ? ", status BOOTING, no heartbeat" : "");
	__atomic_store_n(&k->size, 0x80000000u, __ATOMIC_RELEASE);
	__atomic_store_n(&a->lwk_apic_id, 1, __ATOMIC_RELEASE);
	if (level > 1) {
		/* let the host see RUNNING first (its watchdog looks every 100 ms) */
		lwk_udelay(level == 2 ? 300000 : 2000000);
		if (level == 2) {
			__atomic_store_n(&lwk_status()->status, 99, __ATOMIC_RELEASE);
		} else {
			__atomic_store_n(&lwk_status()->status, LWKB_STATUS_BOOTING,
					 __ATOMIC_RELEASE);
			hang_ms = 0;	/* core 0's next tick spins with interrupts off */
		}
	}
}

/*
 * demo.memtest: the pages the library hands out must read as zeros whatever
 * was there before (docs/boot-contract.md, "Memory").  Panics otherwise.
 */
static void memtest(lwkb_u64 mib)
{
	lwkb_u64 left = lwk_mem_left() >> 20, pages, bad = 0, i, w, t0, clear_us, p;
	volatile lwkb_u64 *q;

	if (mib + 1 > left)
		mib = left > 1 ? left - 1 : 0;
	pages = mib << 8;
	if (!pages)
		lwk_panic("demo.memtest: no memory left to test");
	t0 = lwk_rdtsc();
	p = lwk_alloc_pages(pages);

	clear_us = lwk_us_since(t0);
	q = (volatile lwkb_u64 *)(unsigned long)p;
	for (i = 0; i < pages; i++) {
		lwkb_u64 any = 0;

		for (w = 0; w < LWKB_PAGE_SIZE / 8; w++)
			any |= q[i * (LWKB_PAGE_SIZE / 8) + w];
		bad += any != 0;
	}
	for (i = 0; i < pages * (LWKB_PAGE_SIZE / 8); i++)
		q[i] = 0xa5a5a5a5a5a5a5a5ULL;	/* for the next boot to find */
	lwk_printk("demo: memtest: %llu MiB at 0x%llx, cleared by the library in %llu us: %llu of %llu pages not zero\n",
		   (unsigned long long)mib, (unsigned long long)p,
		   (unsigned long long)clear_us, (unsigned long long)bad,
		   (unsigned long long)pages);
	if (bad)
		lwk_panic("demo.memtest: %llu pages handed out were not zero",
			  (unsigned long long)bad);
}

void lwk_main(void)
{
	static int ids[LWKB_MAX_CORES];	/* not on the 16 KiB boot stack */
	int n = ihk_mc_get_nr_cores(), i, rc;
	unsigned long cpu, apic, start, end;
	int numa, serial;
	lwkb_u64 v, t0, t1;

	ihk_mc_get_core(0, &cpu, &apic, &numa);
	lwk_printk("demo: lwkboot demo co-kernel on core 0 (cpu %lu, APIC id %lu), %d cores\n",
		   cpu, apic, n);
	lwk_printk("demo: kargs: %s\n", ihk_get_kargs());
	for (i = 0; i < ihk_mc_get_nr_memory_chunks(); i++) {
		ihk_mc_get_memory_chunk(i, &start, &end, &numa);
		lwk_printk("demo: memory chunk %d: [0x%lx, 0x%lx) %lu MiB, NUMA %d\n",
			   i, start, end, (end - start) >> 20, numa);
	}
	/* Each node's row of the distance matrix the host gave (ACPI SLIT
	 * units: 10 local), on one line. */
	for (i = 0; i < ihk_mc_get_nr_numa_nodes(); i++) {
		int host_node = -1, type, j, len;
		char row[96];

		ihk_mc_get_numa_node(i, &host_node, &type);
		row[0] = '\0';
		for (j = 0, len = 0; j < ihk_mc_get_nr_numa_nodes() && len < (int)sizeof(row) - 8;
		     j++)
			len += lwkb_snprintf(row + len, sizeof(row) - (unsigned)len, " %d",
					     ihk_mc_get_numa_distance(i, j));
		lwk_printk("demo: NUMA node %d (host node %d): distances%s%s\n", i, host_node, row,
			   j < ihk_mc_get_nr_numa_nodes() ? " ..." : "");
	}

	if (!lwk_karg_u64("demo.drop_sipi", &v))
		lwk_drop_sipi_core = (int)v;
	panic_ms = karg_or("demo.panic_after_ms", NEVER);
	hang_ms = karg_or("demo.hang_after_ms", NEVER);
	fault_ms = karg_or("demo.fault_after_ms", NEVER);
	v = karg_or("demo.kmsg_flood", 0);
	for (lwkb_u64 k = 0; k < v; k++)
		lwk_printk("demo: flood line %llu of %llu\n", (unsigned long long)k,
			   (unsigned long long)v);
	if (!lwk_karg_u64("demo.fault", &v) && v) {
		lwk_printk("demo: touching an unmapped address as asked (demo.fault)\n");
		*(volatile lwkb_u64 *)0x0000700000000000ULL = 1;
	}

	if (n > 1) {
		for (i = 1; i < n; i++)
			ids[i - 1] = i;
		serial = !lwk_karg_u64("demo.serial_boot", &v) && v;
		t0 = lwk_rdtsc();
		if (serial) {
			for (i = 0; i < n - 1; i++) {
				rc = lwk_boot_cpus(&ids[i], 1, (unsigned long)lwk_ap_entry);
				if (rc)
					lwk_panic("starting core %d failed (error %d)", ids[i], rc);
			}
		} else {
			rc = lwk_boot_cpus(ids, n - 1, (unsigned long)lwk_ap_entry);
			if (rc)
				lwk_panic("starting %d cores failed (error %d)", n - 1, rc);
		}
		/*
		 * The wait for the last cores to count themselves runs from the
		 * last start, not from t0: one by one, the starts alone take
		 * longer than the wait (287 cores under TCG: about 100 s).
		 */
		t1 = lwk_rdtsc();
		while (__atomic_load_n(&lwk_status()->cores_up, __ATOMIC_ACQUIRE) < (lwkb_u32)n) {
			if (lwk_ms_since(t1) > CORE_WAIT_MS)
				lwk_panic("only %u of %d cores reported in within %d ms of the last start",
					  lwk_status()->cores_up, n, CORE_WAIT_MS);
			__builtin_ia32_pause();
		}
		lwk_printk("demo: started %d cores %s in %llu us\n", n - 1,
			   serial ? "one by one" : "in parallel",
			   (unsigned long long)lwk_us_since(t0));
	}
	v = karg_or("demo.memtest", 0);
	if (v)
		memtest(v);
	echo_max = karg_or("demo.echo_max", ~0ULL);
	ihk_ikc_listen_port(LWKB_IKC_ECHO_PORT, echo);
	/* what IHK's tests look for in kmsg after ihk_os_boot (McKernel's word) */
	lwk_printk("demo: booted\n");
	lwk_printk("demo: all %d cores up, RUNNING\n", n);
	lwk_no_freeze = karg_or("demo.no_freeze", 0) != 0;
	lwk_set_status(LWKB_STATUS_RUNNING);
	v = karg_or("demo.hostile", 0);
	if (v)
		be_hostile(v);
	lwk_idle();
}

void lwk_ap_main(int lwk_id)
{
	unsigned long cpu, apic;

	ihk_mc_get_core(lwk_id, &cpu, &apic, 0);
	lwk_printk("demo: core %d up (cpu %lu, APIC id %lu, NUMA %d)\n", lwk_id,
		   cpu, apic, ihk_mc_get_numa_id());
	if (karg_or("demo.panic_core", NEVER) == (lwkb_u64)lwk_id)
		lwk_panic("demo.panic_core=%d", lwk_id);
	lwk_idle();
}
