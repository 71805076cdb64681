// SPDX-License-Identifier: MIT
/*
 * lwkboot EFI host (BOOTX64.EFI).
 *
 * Before ExitBootServices: read lwkboot.cfg and the co-kernel ELF from the
 * boot volume, find the CPUs in the ACPI MADT, measure the TSC against the
 * firmware's Stall(), allocate the trampoline page below 1 MiB, the LWK
 * memory, the kmsg ring and the status area, and prepare the instance
 * with loader/'s host sequence (loader/host.c: the table pool below 4 GiB
 * comes from efi_alloc_pt_pool; the ELF is checked before any byte is
 * copied).  After ExitBootServices (the firmware owns the APs until then:
 * OVMF's MpInitLib INITs every AP again at ExitBootServices), start LWK
 * core 0 with lwkb_host_start, then follow the LWK (watch.c) to one line
 *     lwkboot: RESULT status=<STATUS> cores=<up>/<asked>
 * and leave QEMU through isa-debug-exit (console.c).
 */
#include "firmware.h"
#include "lwkb_cpu.h"

#define KMSG_AREA	(64 * 1024 + 4096)

/* Everything the host learns and allocates, from the config to the LWK. */
static struct efi_boot {
	struct host_cfg cfg;
	struct host_cpu cpus[HOST_MAX_CPUS];	/* in MADT order */
	lwkb_u32 nr_cpus;
	lwkb_u32 sel[HOST_MAX_CPUS];	/* LWK core i runs on CPU sel[i] */
	lwkb_u32 asked;			/* LWK cores asked for, once known */
	lwkb_u64 apic_phys;
	struct lwkb_apic apic;
	lwkb_u64 first_sipi_tsc;	/* for the timing line (watch.c) */
	void *elf;
	UINTN elf_size;
	struct lwkb_kmsg *kmsg;
	struct host_numa numa;		/* SRAT memory ranges, SLIT */
	struct lwkb_host h;
} eb;

static void fail(const char *what) __attribute__((noreturn));
static void fail(const char *what)
{
	host_say("error: %s", what);
	host_finish("INACTIVE", 0, eb.asked, 0);
}

/* ---- the platform loader/ runs on ---- */
static int efi_send_init(void *ctx, lwkb_u32 apic_id)
{
	(void)ctx;
	return lwkb_apic_send_init(&eb.apic, apic_id);
}

static int efi_send_sipi(void *ctx, lwkb_u32 apic_id, lwkb_u8 vector)
{
	int drop = eb.cfg.drop_sipi_cpu;

	(void)ctx;
	if (!eb.first_sipi_tsc)
		eb.first_sipi_tsc = lwkb_rdtsc();
	if (drop >= 0 && (lwkb_u32)drop < eb.nr_cpus && eb.cpus[drop].apic_id == apic_id)
		return 0;	/* test_drop_sipi: the IPI is "lost" */
	return lwkb_apic_send_sipi(&eb.apic, apic_id, vector);
}

static void efi_udelay(void *ctx, lwkb_u32 us)
{
	(void)ctx;
	host_udelay(us);
}

static void efi_log(void *ctx, const char *msg)
{
	(void)ctx;
	host_say("%s", msg);
}

static const struct lwkb_platform efi_platform = {
	.send_init = efi_send_init,
	.send_sipi = efi_send_sipi,
	.udelay = efi_udelay,
	.log = efi_log,
};

/* ---- what loader/'s host sequence asks of the firmware ---- */
static int efi_alloc_pt_pool(void *ctx, lwkb_u32 pages, lwkb_u64 *phys, void **virt)
{
	(void)ctx;
	if (EFI_ERROR(fw_alloc_pages(AllocateMaxAddress, 0xffffffff, pages, phys)))
		return -LWKB_ENOMEM;
	*virt = (void *)(UINTN)*phys;
	return 0;
}

/* A core's node is its SRAT proximity domain (0 without an SRAT). */
static void efi_core(void *ctx, lwkb_u32 i, struct lwkb_host_core *c)
{
	(void)ctx;
	c->host_cpu = eb.sel[i];
	c->apic_id = eb.cpus[eb.sel[i]].apic_id;
	c->host_node = eb.cpus[eb.sel[i]].node;
	c->ikc_cpu = 0;
}

static lwkb_u32 efi_numa_distance(void *ctx, lwkb_u32 from, lwkb_u32 to)
{
	(void)ctx;
	return host_numa_distance(&eb.numa, from, to);
}

static const struct lwkb_host_ops efi_host_ops = {
	.alloc_pt_pool = efi_alloc_pt_pool,
	.core = efi_core,
	.numa_distance = efi_numa_distance,
};

/* ---- before ExitBootServices ---- */
/* lwkboot.cfg (defaults without it) and the co-kernel image. */
static void read_inputs(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *li;
	EFI_FILE_HANDLE root;
	void *cfgbuf;
	UINTN cfgsize;
	char err[200];
	EFI_STATUS s;

	host_cfg_defaults(&eb.cfg);
	s = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
			      (void **)&li);
	if (EFI_ERROR(s) || !(root = LibOpenRoot(li->DeviceHandle)))
		fail("cannot open the boot volume");
	if (!EFI_ERROR(fw_read_file(root, "\\lwkboot.cfg", &cfgbuf, &cfgsize))) {
		if (host_cfg_parse(cfgbuf, cfgsize, &eb.cfg, err, sizeof(err)))
			fail(err);
	} else {
		host_say("no lwkboot.cfg, using defaults");
	}
	s = fw_read_file(root, eb.cfg.image, &eb.elf, &eb.elf_size);
	if (EFI_ERROR(s)) {
		lwkb_snprintf(err, sizeof(err), "cannot read the co-kernel image %s (EFI status 0x%llx)",
			      eb.cfg.image, (unsigned long long)s);
		fail(err);
	}
}

/* NUMA from the SRAT and SLIT when the firmware has them. */
static void find_numa(void)
{
	const void *t;
	lwkb_u64 len;
	char err[200];

	lwkb_u32 i;

	/* A table the host cannot use costs the LWK its NUMA view, not its boot. */
	t = fw_find_table("SRAT", &len);
	if (t && host_srat_parse(t, len, eb.cpus, eb.nr_cpus, &eb.numa, err, sizeof(err))) {
		host_say("NUMA: %s: every CPU and all memory count as node 0", err);
		lwkb_memset(&eb.numa, 0, sizeof(eb.numa));
		for (i = 0; i < eb.nr_cpus; i++)
			eb.cpus[i].node = 0;
		return;
	}
	t = fw_find_table("SLIT", &len);
	if (t && host_slit_parse(t, len, &eb.numa, err, sizeof(err)))
		host_say("NUMA: %s: distances 10 local, 20 remote", err);
	if (eb.numa.nr_ranges)
		host_say("NUMA: %u memory ranges in the SRAT, %s", eb.numa.nr_ranges,
			 eb.numa.slit ? "distances from the SLIT" : "no SLIT (10 local, 20 remote)");
}

/* The host nodes of the LWK's cores and memory: boot_info's room. */
static lwkb_u32 count_nodes(lwkb_u32 mem_node)
{
	lwkb_u32 seen[64], n = 0, i, j, node;

	for (i = 0; i <= eb.asked; i++) {
		node = i < eb.asked ? eb.cpus[eb.sel[i]].node : mem_node;
		for (j = 0; j < n && seen[j] != node; j++)
			;
		if (j == n && n < 64)
			seen[n++] = node;
		else if (j == n)	/* many: room for one per core and the memory */
			return eb.asked + 1 < LWKB_MAX_NUMA ? eb.asked + 1 : LWKB_MAX_NUMA;
	}
	return n;
}

/* The CPUs of the MADT; the host must run on the first. */
static void find_cpus(void)
{
	lwkb_u32 i, bsp_id = lwkb_cpu_apic_id();
	const void *madt;
	lwkb_u64 madt_len;
	char err[200], list[256];

	madt = fw_find_table("APIC", &madt_len);
	if (!madt)
		fail("no ACPI MADT found");
	if (host_madt_parse(madt, madt_len, eb.cpus, HOST_MAX_CPUS, &eb.nr_cpus,
			    &eb.apic_phys, err, sizeof(err)))
		fail(err);
	find_numa();
	list[0] = '\0';
	for (i = 0; i < eb.nr_cpus; i++)
		lwkb_snprintf(list + lwkb_strlen(list), sizeof(list) - lwkb_strlen(list),
			      "%s%u", i ? "," : "", eb.cpus[i].apic_id);
	host_say("%u CPUs in the MADT, APIC ids %s; host runs on APIC id %u", eb.nr_cpus,
		 list, bsp_id);
	if (eb.cpus[0].apic_id != bsp_id)
		fail("the host does not run on CPU 0 of the MADT");
}

/* cores= (all but CPU 0 without it) into sel[], each checked. */
static void select_cores(void)
{
	struct host_cfg *cfg = &eb.cfg;
	char err[200];
	lwkb_u32 i, n = 0;

	if (!cfg->have_cores)
		for (i = 1; i < eb.nr_cpus; i++)
			lwkb_set_bit(cfg->cores, i);
	for (i = 0; i < HOST_MAX_CPUS; i++)
		eb.asked += (lwkb_u32)lwkb_test_bit(cfg->cores, i);
	for (i = 0; i < HOST_MAX_CPUS; i++) {
		if (!lwkb_test_bit(cfg->cores, i))
			continue;
		if (i == 0)
			fail("cores: CPU 0 runs the host and cannot be given to the LWK");
		if (i >= eb.nr_cpus) {
			lwkb_snprintf(err, sizeof(err), "cores: CPU %u does not exist (CPUs 0-%u)",
				      i, eb.nr_cpus - 1);
			fail(err);
		}
		eb.sel[n++] = i;
	}
	if (!eb.asked)
		fail("cores: no CPU left for the LWK");
	if (eb.asked > LWKB_MAX_CORES)
		fail("cores: more CPUs than an LWK can have");
}

/* apic= (as the firmware left it without), and every LWK core addressable. */
static void choose_apic_mode(void)
{
	lwkb_u32 i;

	eb.apic.mmio = (volatile lwkb_u32 *)(__UINTPTR_TYPE__)eb.apic_phys;
	if (!eb.cfg.apic_mode)
		eb.cfg.apic_mode = (lwkb_rdmsr(LWKB_MSR_APIC_BASE) & LWKB_APIC_BASE_EXTD) ?
				    LWKB_APIC_X2APIC : LWKB_APIC_XAPIC;
	if (eb.cfg.apic_mode == LWKB_APIC_X2APIC && !lwkb_cpu_has_x2apic())
		fail("apic=x2apic, but CPUID reports no x2APIC on this CPU");
	for (i = 0; i < eb.asked; i++)
		if (eb.cfg.apic_mode == LWKB_APIC_XAPIC &&
		    eb.cpus[eb.sel[i]].apic_id >= LWKB_XAPIC_DEST_BROADCAST)
			fail("xAPIC cannot address APIC ids above 254: use apic=x2apic");
}

/* The TSC frequency, against the firmware's Stall() of 20 ms. */
static void measure_tsc(void)
{
	lwkb_u64 t0 = lwkb_rdtsc();

	uefi_call_wrapper(BS->Stall, 1, 20000);
	host_tsc_khz = (lwkb_rdtsc() - t0) / 20;
	if (!host_tsc_khz)
		host_tsc_khz = 1;
}

/* The trampoline page: tramp=, else the highest free page below 0xA0000. */
static lwkb_u64 alloc_tramp(void)
{
	lwkb_u64 tramp;
	char err[200];

	if (eb.cfg.tramp) {
		if (EFI_ERROR(fw_alloc_pages(AllocateAddress, eb.cfg.tramp, 1, &tramp))) {
			lwkb_snprintf(err, sizeof(err), "tramp=0x%llx: that page is not free",
				      (unsigned long long)eb.cfg.tramp);
			fail(err);
		}
	} else if (EFI_ERROR(fw_alloc_pages(AllocateMaxAddress, 0x9ffff, 1, &tramp))) {
		fail("no free page below 0xA0000 for the trampoline");
	}
	return tramp;
}

/*
 * The pages the host gives the instance: trampoline, LWK memory (2 MiB
 * aligned, as lwkb_prepare wants), kmsg ring and status area.
 */
static void alloc_instance(struct lwkb_prepare *p)
{
	lwkb_u64 mem_raw, kmsg, status;
	lwkb_u64 status_pages = (LWKB_STATUS_AREA_SIZE(eb.asked) + 4095) / 4096;
	char err[200];

	p->tramp_phys = alloc_tramp();
	p->tramp_virt = (void *)(UINTN)p->tramp_phys;
	if (EFI_ERROR(fw_alloc_pages(AllocateAnyPages, 0, eb.cfg.mem / 4096 + 511, &mem_raw))) {
		lwkb_snprintf(err, sizeof(err), "cannot allocate %llu MiB of LWK memory",
			      (unsigned long long)(eb.cfg.mem >> 20));
		fail(err);
	}
	p->mem_phys = LWKB_ALIGN_UP(mem_raw, LWKB_2M);
	p->mem_size = eb.cfg.mem;
	p->mem_virt = (void *)(UINTN)p->mem_phys;
	if (EFI_ERROR(fw_alloc_pages(AllocateAnyPages, 0, KMSG_AREA / 4096, &kmsg)) ||
	    EFI_ERROR(fw_alloc_pages(AllocateAnyPages, 0, status_pages, &status)))
		fail("cannot allocate the kmsg ring and status area");
	eb.kmsg = (struct lwkb_kmsg *)(UINTN)kmsg;
	lwkb_kmsg_init(eb.kmsg, KMSG_AREA);
	p->kmsg_phys = kmsg;
	p->kmsg_size = KMSG_AREA;
	p->status_phys = status;
	eb.h.status = (struct lwkb_status_page *)(UINTN)status;
	eb.h.status_size = status_pages * 4096;
}

/* What the host tells loader/'s host sequence besides its allocations. */
static void describe_instance(lwkb_u64 ram_end)
{
	struct lwkb_host *h = &eb.h;
	struct lwkb_prepare *p = &h->prep;

	p->elf = eb.elf;
	p->elf_size = eb.elf_size;
	p->allow_1g = lwkb_cpu_has_1g_pages();
	p->nx = lwkb_cpu_has_nx();
	p->apic_mode = eb.cfg.apic_mode;
	p->apic_phys = eb.apic_phys;
	p->tsc_khz = host_tsc_khz;
	p->nr_cores = eb.asked;
	p->numa_host = host_mem_node(&eb.numa, p->mem_phys);
	p->nr_numa = count_nodes(p->numa_host);
	h->ram_end = ram_end;
	h->kargs = eb.cfg.kargs;
	h->init_delay_us = eb.cfg.init_delay_us;
	h->wake_timeout_us = eb.cfg.wake_timeout_ms * 1000;
	h->pf = &efi_platform;
	h->ops = &efi_host_ops;
}

static void say_layout(void)
{
	const struct lwkb_boot_info *bi = eb.h.prep.bi;
	char list[256];

	lwkb_cpulist_format(eb.cfg.cores, HOST_MAX_CPUS, list, sizeof(list));
	host_say("LWK: cpus %s, %llu MiB at 0x%llx, image %llu bytes, entry 0x%llx",
		 list, (unsigned long long)(eb.cfg.mem >> 20),
		 (unsigned long long)eb.h.prep.mem_phys, (unsigned long long)eb.elf_size,
		 (unsigned long long)eb.h.prep.entry);
	host_say("trampoline page 0x%llx (%u bytes of code), page table at 0x%llx: %u pages, %s pages, identity [0, 0x%llx)",
		 (unsigned long long)bi->tramp_phys,
		 lwkb_tramp_data(eb.h.prep.tramp_virt)->code_size,
		 (unsigned long long)bi->pt_phys, bi->pt_pages,
		 eb.h.prep.allow_1g ? "1 GiB" : "2 MiB", (unsigned long long)bi->ident_end);
	host_say("%s, TSC %llu kHz, INIT delay %u us", eb.cfg.apic_mode == LWKB_APIC_X2APIC ?
		 "x2APIC" : "xAPIC", (unsigned long long)host_tsc_khz, eb.cfg.init_delay_us);
}

/* Allocate, and prepare the instance: nothing is copied unless the ELF is valid. */
static void prepare(void)
{
	lwkb_u64 ram_end;
	UINTN key;
	char err[200];
	int rc;

	if (EFI_ERROR(fw_memory_map(&ram_end, &key)))
		fail("GetMemoryMap failed");
	alloc_instance(&eb.h.prep);
	describe_instance(ram_end);
	rc = lwkb_host_prepare(&eb.h, err, sizeof(err));
	if (rc) {
		host_say("invalid co-kernel image or layout (error %d)", rc);
		fail(err);
	}
	say_layout();
}

/* ---- after ExitBootServices: only serial, TSC and raw hardware ---- */
static void leave_firmware(EFI_HANDLE image)
{
	if (EFI_ERROR(fw_exit_boot_services(image)))
		fail("ExitBootServices failed");
	if (eb.cfg.apic_mode == LWKB_APIC_X2APIC && lwkb_apic_enable_x2apic(&eb.apic))
		fail("cannot enable x2APIC");
	eb.apic.x2apic = eb.cfg.apic_mode == LWKB_APIC_X2APIC;
}

/* LWK core 0; it starts the others itself. */
static void start_core0(void)
{
	const struct lwkb_core *c0 = &lwkb_bi_cores(eb.h.prep.bi)[0];
	const struct lwkb_wake_core *wc = &eb.h.core0;
	int rc;

	host_say("starting LWK core 0 (cpu %u, APIC id %u)", c0->host_cpu, c0->apic_id);
	rc = lwkb_host_start(&eb.h);
	if (rc) {
		host_say("error: LWK core 0 did not start (error %d); boot failed", rc);
		host_finish("INACTIVE", 0, eb.asked, 0);
	}
	host_say("LWK core 0 reached the entry after %u us (%u SIPI%s)", wc->elapsed_us,
		 wc->sipis, wc->sipis > 1 ? "s" : "");
}

static void follow_lwk(void) __attribute__((noreturn));
static void follow_lwk(void)
{
	const struct host_watch w = {
		.st = eb.h.status, .kmsg = eb.kmsg, .kmsg_size = KMSG_AREA,
		.asked = eb.asked, .run_timeout_ms = eb.cfg.run_timeout_ms,
		.first_sipi_tsc = eb.first_sipi_tsc,
	};

	host_follow_lwk(&w);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	InitializeLib(image, systab);
	host_say("EFI host starting");
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);
	read_inputs(image);
	find_cpus();
	select_cores();
	choose_apic_mode();
	measure_tsc();
	prepare();
	leave_firmware(image);
	start_core0();
	follow_lwk();
}
