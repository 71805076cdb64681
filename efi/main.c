// SPDX-License-Identifier: MIT
/*
 * lwkboot EFI host (BOOTX64.EFI).
 *
 * Before ExitBootServices: read lwkboot.cfg and the co-kernel ELF from the
 * boot volume, find the CPUs in the ACPI MADT, measure the TSC against the
 * firmware's Stall(), allocate the trampoline page below 1 MiB, the table
 * pool below 4 GiB, the LWK memory, the kmsg ring and the status page, and
 * prepare the instance with loader/ (ELF checked before any byte is
 * copied).  After ExitBootServices (the firmware owns the APs until then:
 * OVMF's MpInitLib INITs every AP again at ExitBootServices), start LWK
 * core 0 with loader/'s waker, copy the kmsg ring to the serial port as it
 * fills, and end with one line
 *     lwkboot: RESULT status=<STATUS> cores=<up>/<asked>
 * then leave QEMU through isa-debug-exit: 0x10 (QEMU exit 33) for success
 * (RUNNING and every core up), 0x11 (exit 35) for anything else.
 */
#include <efi.h>
#include <efilib.h>
#include "host.h"
#include "lwkb_cpu.h"

#define KMSG_AREA	(64 * 1024 + 4096)
#define EXIT_PORT	0xf4
#define EXIT_OK		0x10
#define EXIT_FAIL	0x11
#define COM1		0x3f8

static struct host_cfg cfg;
static struct host_cpu cpus[HOST_MAX_CPUS];
static lwkb_u32 nr_cpus;
static lwkb_u64 tsc_khz = 1000000;
static struct lwkb_apic apic;
static lwkb_u64 first_sipi_tsc;
static lwkb_u32 asked;		/* LWK cores asked for, once known */

/* ---- port I/O, TSC, serial ---- */
static inline void outb(lwkb_u16 port, lwkb_u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline lwkb_u8 inb(lwkb_u16 port)
{
	lwkb_u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(lwkb_u16 port, lwkb_u32 v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}


/* COM1 directly (16550: wait for THR empty, LSR bit 5); works after EBS. */
static void serial_putc(char c)
{
	int n = 100000;

	while (!(inb(COM1 + 5) & 0x20) && --n)
		;
	outb(COM1, (lwkb_u8)c);
}

static void serial_write(const char *s, lwkb_size_t n)
{
	for (; n; n--, s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[320];
	lwkb_va_list ap;
	int n;

	__builtin_va_start(ap, fmt);
	n = lwkb_vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	__builtin_va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	serial_write("lwkboot: ", 9);
	serial_write(buf, (lwkb_size_t)n);
}

static void udelay(lwkb_u32 us)
{
	lwkb_u64 t0 = lwkb_rdtsc(), n = (lwkb_u64)us * tsc_khz / 1000;

	while (lwkb_rdtsc() - t0 < n)
		__builtin_ia32_pause();
}

static void __attribute__((noreturn)) finish(const char *status, lwkb_u32 up,
					     lwkb_u32 asked, int ok)
{
	say("RESULT status=%s cores=%u/%u", status, up, asked);
	outl(EXIT_PORT, ok ? EXIT_OK : EXIT_FAIL);
	/* Without isa-debug-exit: stop here. */
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* ---- the platform loader/ runs on ---- */
static int p_send_init(void *ctx, lwkb_u32 apic_id)
{
	(void)ctx;
	return lwkb_apic_send_init(&apic, apic_id);
}

static int p_send_sipi(void *ctx, lwkb_u32 apic_id, lwkb_u8 vector)
{
	(void)ctx;
	if (!first_sipi_tsc)
		first_sipi_tsc = lwkb_rdtsc();
	if (cfg.drop_sipi_cpu >= 0 && (lwkb_u32)cfg.drop_sipi_cpu < nr_cpus &&
	    cpus[cfg.drop_sipi_cpu].apic_id == apic_id)
		return 0;	/* test_drop_sipi: the IPI is "lost" */
	return lwkb_apic_send_sipi(&apic, apic_id, vector);
}

static void p_udelay(void *ctx, lwkb_u32 us)
{
	(void)ctx;
	udelay(us);
}

static void p_log(void *ctx, const char *msg)
{
	(void)ctx;
	say("%s", msg);
}

static const struct lwkb_platform platform = {
	.send_init = p_send_init,
	.send_sipi = p_send_sipi,
	.udelay = p_udelay,
	.log = p_log,
};

/* ---- EFI helpers (before ExitBootServices) ---- */
static EFI_STATUS read_file(EFI_FILE_HANDLE root, const char *path, void **buf,
			    UINTN *size)
{
	CHAR16 wpath[128];
	EFI_FILE_HANDLE fh;
	EFI_FILE_INFO *info;
	EFI_STATUS st;
	UINTN i;

	for (i = 0; path[i] && i < 127; i++)
		wpath[i] = path[i] == '/' ? '\\' : (CHAR16)path[i];
	wpath[i] = 0;
	st = uefi_call_wrapper(root->Open, 5, root, &fh, wpath, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	info = LibFileInfo(fh);
	if (!info) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_DEVICE_ERROR;
	}
	*size = info->FileSize;
	FreePool(info);
	*buf = AllocatePool(*size + 1);
	if (!*buf) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_OUT_OF_RESOURCES;
	}
	st = uefi_call_wrapper(fh->Read, 3, fh, size, *buf);
	((char *)*buf)[*size] = '\0';
	uefi_call_wrapper(fh->Close, 1, fh);
	return st;
}

static EFI_STATUS alloc_pages(EFI_ALLOCATE_TYPE type, lwkb_u64 max, UINTN pages,
			      lwkb_u64 *addr)
{
	EFI_PHYSICAL_ADDRESS a = max;
	EFI_STATUS st = uefi_call_wrapper(BS->AllocatePages, 4, type, EfiLoaderData,
					  pages, &a);

	if (!EFI_ERROR(st)) {
		*addr = a;
		lwkb_memset((void *)a, 0, pages * 4096);
	}
	return st;
}

static const void *find_madt(lwkb_u64 *len)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	const lwkb_u8 *rsdp = 0, *xsdt;
	lwkb_u32 i, n;

	if (EFI_ERROR(LibGetSystemConfigurationTable(&acpi20, (void **)&rsdp)) || !rsdp)
		return 0;
	if (lwkb_memcmp(rsdp, "RSD PTR ", 8) || rsdp[15] < 2)
		return 0;
	xsdt = (const lwkb_u8 *)(__UINTPTR_TYPE__)*(const lwkb_u64 *)(rsdp + 24);
	if (!xsdt || lwkb_memcmp(xsdt, "XSDT", 4))
		return 0;
	n = (*(const lwkb_u32 *)(xsdt + 4) - 36) / 8;
	for (i = 0; i < n; i++) {
		lwkb_u64 a;
		const lwkb_u8 *t;

		lwkb_memcpy(&a, xsdt + 36 + 8 * i, 8);
		t = (const lwkb_u8 *)(__UINTPTR_TYPE__)a;
		if (t && !lwkb_memcmp(t, "APIC", 4)) {
			*len = *(const lwkb_u32 *)(t + 4);
			return t;
		}
	}
	return 0;
}

/* Highest RAM address in the memory map, and the key for EBS. */
static EFI_STATUS memory_map(lwkb_u64 *ram_top, UINTN *key)
{
	static lwkb_u8 buf[64 * 1024];
	UINTN size = sizeof(buf), dsize;
	UINT32 dver;
	EFI_STATUS st;
	lwkb_u8 *p;

	st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, (EFI_MEMORY_DESCRIPTOR *)buf,
			       key, &dsize, &dver);
	if (EFI_ERROR(st))
		return st;
	if (ram_top) {
		*ram_top = 0;
		for (p = buf; p < buf + size; p += dsize) {
			EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)p;
			lwkb_u64 end = d->PhysicalStart + d->NumberOfPages * 4096;

			if (d->Type == EfiMemoryMappedIO || d->Type == EfiMemoryMappedIOPortSpace ||
			    d->Type == EfiReservedMemoryType || d->Type == EfiUnusableMemory)
				continue;
			if (end > *ram_top)
				*ram_top = end;
		}
	}
	return EFI_SUCCESS;
}

static void fail(const char *what) __attribute__((noreturn));
static void fail(const char *what)
{
	say("error: %s", what);
	finish("INACTIVE", 0, asked, 0);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li;
	EFI_FILE_HANDLE root;
	void *cfgbuf, *elf;
	UINTN cfgsize, elfsize, key;
	const void *madt;
	lwkb_u64 madt_len, apic_phys, ram_top, ident_end, t0, mem_raw, mem_phys;
	lwkb_u64 tramp, pool, kmsg, statusp, pt_pages, status_pages;
	lwkb_u32 i, n = 0, bsp_id, sel[HOST_MAX_CPUS];
	struct lwkb_prepare prep;
	struct lwkb_status_page *st;
	struct lwkb_wake_core wc;
	struct lwkb_wake_params wp;
	char err[200], list[256];
	EFI_STATUS s;
	lwkb_u64 pos = 0, lost = 0, deadline, beat0 = 0, beat0_tsc = 0;
	int rc;

	InitializeLib(image, systab);
	say("EFI host starting");
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);

	/* Configuration and image from the boot volume. */
	host_cfg_defaults(&cfg);
	s = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
			      (void **)&li);
	if (EFI_ERROR(s) || !(root = LibOpenRoot(li->DeviceHandle)))
		fail("cannot open the boot volume");
	if (!EFI_ERROR(read_file(root, "\\lwkboot.cfg", &cfgbuf, &cfgsize))) {
		if (host_cfg_parse(cfgbuf, cfgsize, &cfg, err, sizeof(err)))
			fail(err);
	} else {
		say("no lwkboot.cfg, using defaults");
	}
	s = read_file(root, cfg.image, &elf, &elfsize);
	if (EFI_ERROR(s)) {
		lwkb_snprintf(err, sizeof(err), "cannot read the co-kernel image %s (EFI status 0x%llx)",
			      cfg.image, (unsigned long long)s);
		fail(err);
	}

	/* CPUs. */
	madt = find_madt(&madt_len);
	if (!madt)
		fail("no ACPI MADT found");
	if (host_madt_parse(madt, madt_len, cpus, HOST_MAX_CPUS, &nr_cpus, &apic_phys,
			    err, sizeof(err)))
		fail(err);
	bsp_id = lwkb_cpu_apic_id();
	list[0] = '\0';
	for (i = 0; i < nr_cpus; i++)
		lwkb_snprintf(list + lwkb_strlen(list), sizeof(list) - lwkb_strlen(list),
			      "%s%u", i ? "," : "", cpus[i].apic_id);
	say("%u CPUs in the MADT, APIC ids %s; host runs on APIC id %u", nr_cpus, list, bsp_id);
	if (cpus[0].apic_id != bsp_id)
		fail("the host does not run on CPU 0 of the MADT");
	if (!cfg.have_cores)
		for (i = 1; i < nr_cpus; i++)
			lwkb_set_bit(cfg.cores, i);
	for (i = 0; i < HOST_MAX_CPUS; i++)
		asked += (lwkb_u32)lwkb_test_bit(cfg.cores, i);
	for (i = 0; i < HOST_MAX_CPUS; i++) {
		if (!lwkb_test_bit(cfg.cores, i))
			continue;
		if (i == 0)
			fail("cores: CPU 0 runs the host and cannot be given to the LWK");
		if (i >= nr_cpus) {
			lwkb_snprintf(err, sizeof(err), "cores: CPU %u does not exist (CPUs 0-%u)",
				      i, nr_cpus - 1);
			fail(err);
		}
		sel[n++] = i;
	}
	if (!asked)
		fail("cores: no CPU left for the LWK");
	if (asked > LWKB_MAX_CORES)
		fail("cores: more CPUs than an LWK can have");

	/* APIC mode. */
	apic.mmio = (volatile lwkb_u32 *)(__UINTPTR_TYPE__)apic_phys;
	if (!cfg.apic_mode)
		cfg.apic_mode = (lwkb_rdmsr(LWKB_MSR_APIC_BASE) & LWKB_APIC_BASE_EXTD) ?
				 LWKB_APIC_X2APIC : LWKB_APIC_XAPIC;
	if (cfg.apic_mode == LWKB_APIC_X2APIC && !lwkb_cpu_has_x2apic())
		fail("apic=x2apic, but CPUID reports no x2APIC on this CPU");
	for (i = 0; i < asked; i++)
		if (cfg.apic_mode == LWKB_APIC_XAPIC &&
		    cpus[sel[i]].apic_id >= LWKB_XAPIC_DEST_BROADCAST)
			fail("xAPIC cannot address APIC ids above 254: use apic=x2apic");

	/* TSC frequency, against the firmware's Stall(). */
	t0 = lwkb_rdtsc();
	uefi_call_wrapper(BS->Stall, 1, 20000);
	tsc_khz = (lwkb_rdtsc() - t0) / 20;
	if (!tsc_khz)
		tsc_khz = 1;

	/* Memory. */
	if (EFI_ERROR(memory_map(&ram_top, &key)))
		fail("GetMemoryMap failed");
	ident_end = ram_top > apic_phys + 4096 ? ram_top : apic_phys + 4096;
	/* mem_phys is 2 MiB aligned below; the kernel half maps up to 2 GiB. */
	pt_pages = lwkb_tmp_pt_pages(lwkb_cpu_has_1g_pages(), ident_end, 0,
				     cfg.mem < 2 * LWKB_1G ? cfg.mem : 2 * LWKB_1G);
	if (!pt_pages)
		fail("no temporary page table can map this machine's memory");
	if (cfg.tramp) {
		if (EFI_ERROR(alloc_pages(AllocateAddress, cfg.tramp, 1, &tramp))) {
			lwkb_snprintf(err, sizeof(err), "tramp=0x%llx: that page is not free",
				      (unsigned long long)cfg.tramp);
			fail(err);
		}
	} else if (EFI_ERROR(alloc_pages(AllocateMaxAddress, 0x9ffff, 1, &tramp))) {
		fail("no free page below 0xA0000 for the trampoline");
	}
	if (EFI_ERROR(alloc_pages(AllocateMaxAddress, 0xffffffff, pt_pages, &pool)))
		fail("no free pages below 4 GiB for the page table");
	if (EFI_ERROR(alloc_pages(AllocateAnyPages, 0, cfg.mem / 4096 + 511, &mem_raw))) {
		lwkb_snprintf(err, sizeof(err), "cannot allocate %llu MiB of LWK memory",
			      (unsigned long long)(cfg.mem >> 20));
		fail(err);
	}
	mem_phys = LWKB_ALIGN_UP(mem_raw, LWKB_2M);
	status_pages = (LWKB_STATUS_AREA_SIZE(asked) + 4095) / 4096;
	if (EFI_ERROR(alloc_pages(AllocateAnyPages, 0, KMSG_AREA / 4096, &kmsg)) ||
	    EFI_ERROR(alloc_pages(AllocateAnyPages, 0, status_pages, &statusp)))
		fail("cannot allocate the kmsg ring and status area");
	lwkb_kmsg_init((struct lwkb_kmsg *)kmsg, KMSG_AREA);
	st = (struct lwkb_status_page *)statusp;
	lwkb_status_init(st, status_pages * 4096);

	/* Prepare the instance: nothing is copied unless the ELF is valid. */
	lwkb_memset(&prep, 0, sizeof(prep));
	prep.mem_phys = mem_phys;
	prep.mem_size = cfg.mem;
	prep.mem_virt = (void *)mem_phys;
	prep.elf = elf;
	prep.elf_size = elfsize;
	prep.tramp_phys = tramp;
	prep.tramp_virt = (void *)tramp;
	prep.pt_pool_phys = pool;
	prep.pt_pool_virt = (void *)pool;
	prep.pt_pool_pages = (lwkb_u32)pt_pages;
	prep.ident_end = ident_end;
	prep.allow_1g = lwkb_cpu_has_1g_pages();
	prep.nx = lwkb_cpu_has_nx();
	prep.apic_mode = cfg.apic_mode;
	prep.apic_phys = apic_phys;
	prep.tsc_khz = tsc_khz;
	prep.kmsg_phys = kmsg;
	prep.kmsg_size = KMSG_AREA;
	prep.status_phys = statusp;
	prep.nr_cores = asked;
	rc = lwkb_prepare(&prep, err, sizeof(err));
	if (rc) {
		say("invalid co-kernel image or layout (error %d)", rc);
		fail(err);
	}
	for (i = 0; i < asked; i++) {
		rc = lwkb_bootinfo_add_core(prep.bi, sel[i], cpus[sel[i]].apic_id, 0);
		if (rc) {
			lwkb_snprintf(err, sizeof(err), "boot_info: CPU %u (APIC id %u): error %d",
				      sel[i], cpus[sel[i]].apic_id, rc);
			fail(err);
		}
	}
	rc = lwkb_bootinfo_set_kargs(prep.bi, cfg.kargs);
	if (rc) {
		lwkb_snprintf(err, sizeof(err), "kargs: %u bytes do not fit in %u: error %d",
			      (unsigned)lwkb_strlen(cfg.kargs), LWKB_KARGS_SIZE - 1, rc);
		fail(err);
	}
	lwkb_cpulist_format(cfg.cores, HOST_MAX_CPUS, list, sizeof(list));
	say("LWK: cpus %s, %llu MiB at 0x%llx, image %llu bytes, entry 0x%llx",
	    list, (unsigned long long)(cfg.mem >> 20), (unsigned long long)mem_phys,
	    (unsigned long long)elfsize, (unsigned long long)prep.entry);
	say("trampoline page 0x%llx (%u bytes of code), page table at 0x%llx: %u pages, %s pages, identity [0, 0x%llx)",
	    (unsigned long long)tramp, lwkb_tramp_data((void *)tramp)->code_size,
	    (unsigned long long)prep.bi->pt_phys, prep.bi->pt_pages,
	    prep.allow_1g ? "1 GiB" : "2 MiB",
	    (unsigned long long)prep.bi->ident_end);
	say("%s, TSC %llu kHz, INIT delay %u us", cfg.apic_mode == LWKB_APIC_X2APIC ?
	    "x2APIC" : "xAPIC", (unsigned long long)tsc_khz, cfg.init_delay_us);

	/* Leave the firmware: from here on only serial, TSC and raw hardware. */
	for (i = 0; i < 8; i++) {
		if (EFI_ERROR(memory_map(0, &key)))
			fail("GetMemoryMap failed");
		s = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (!EFI_ERROR(s))
			break;
	}
	if (EFI_ERROR(s))
		fail("ExitBootServices failed");
	if (cfg.apic_mode == LWKB_APIC_X2APIC && lwkb_apic_enable_x2apic(&apic))
		fail("cannot enable x2APIC");
	apic.x2apic = cfg.apic_mode == LWKB_APIC_X2APIC;

	/* Start LWK core 0; it starts the others itself. */
	st->status = LWKB_STATUS_BOOTING;
	wc.apic_id = prep.bi->cores[0].apic_id;
	wc.lwk_id = 0;
	wc.host_cpu = prep.bi->cores[0].host_cpu;
	wc.stack_top = lwkb_stack_top(prep.bi, 0);
	lwkb_wake_defaults(&wp);
	wp.init_delay_us = cfg.init_delay_us;
	wp.timeout_us = cfg.wake_timeout_ms * 1000;
	say("starting LWK core 0 (cpu %u, APIC id %u)", wc.host_cpu, wc.apic_id);
	rc = lwkb_wake_cores(&platform, (void *)tramp, tramp, &wc, 1, &wp);
	if (rc) {
		st->status = LWKB_STATUS_INACTIVE;
		say("error: LWK core 0 did not start (error %d); boot failed", rc);
		finish("INACTIVE", 0, asked, 0);
	}
	say("LWK core 0 reached the entry after %u us (%u SIPI%s)", wc.elapsed_us,
	    wc.sipis, wc.sipis > 1 ? "s" : "");

	/* Follow kmsg until RUNNING with every core, PANIC, or timeout. */
	deadline = lwkb_rdtsc() + (lwkb_u64)cfg.run_timeout_ms * tsc_khz;
	for (;;) {
		char buf[512];
		lwkb_size_t n;
		lwkb_u32 status = __atomic_load_n(&st->status, __ATOMIC_ACQUIRE);
		lwkb_u32 up = __atomic_load_n(&st->cores_up, __ATOMIC_ACQUIRE);
		int done = status == LWKB_STATUS_PANIC || lwkb_rdtsc() > deadline ||
			   (status == LWKB_STATUS_RUNNING && up >= asked);

		/* RUNNING counts once the heartbeat shows the LWK alive: 5 ticks. */
		if (status == LWKB_STATUS_RUNNING && up >= asked && !beat0_tsc) {
			beat0_tsc = lwkb_rdtsc();
			beat0 = __atomic_load_n(&st->heartbeat, __ATOMIC_ACQUIRE);
		}
		if (status == LWKB_STATUS_RUNNING && up >= asked &&
		    __atomic_load_n(&st->heartbeat, __ATOMIC_ACQUIRE) < beat0 + 5 &&
		    lwkb_rdtsc() < deadline)
			done = 0;
		if (status == LWKB_STATUS_RUNNING && first_sipi_tsc && up >= asked) {
			say("timing first_sipi_to_running_us=%llu cores=%u",
			    (unsigned long long)((lwkb_rdtsc() - first_sipi_tsc) * 1000 / tsc_khz),
			    asked);
			first_sipi_tsc = 0;
		}
		if (done)
			udelay(20000);	/* let the last lines land */
		while ((n = lwkb_kmsg_read((struct lwkb_kmsg *)kmsg, KMSG_AREA, &pos, buf,
					   sizeof(buf), &lost)) > 0)
			serial_write(buf, n);
		if (!done) {
			udelay(1000);
			continue;
		}
		if (lost)
			say("kmsg: %llu bytes were overwritten before they were read",
			    (unsigned long long)lost);
		status = __atomic_load_n(&st->status, __ATOMIC_ACQUIRE);
		up = __atomic_load_n(&st->cores_up, __ATOMIC_ACQUIRE);
		if (status == LWKB_STATUS_BOOTING)
			say("error: the LWK did not reach RUNNING within %u ms",
			    cfg.run_timeout_ms);
		if (status == LWKB_STATUS_RUNNING &&
		    __atomic_load_n(&st->heartbeat, __ATOMIC_ACQUIRE) < beat0 + 5) {
			say("error: RUNNING, but the heartbeat does not move: the LWK is hung");
			finish("HUNGUP", up, asked, 0);
		}
		finish(lwkb_status_name(status) ? lwkb_status_name(status) : "INVALID",
		       up, asked, status == LWKB_STATUS_RUNNING && up == asked);
	}
}
