// SPDX-License-Identifier: MIT
/*
 * Co-kernel start-up: what runs between the trampoline's jump and
 * lwk_main() / lwk_ap_main().
 *
 * Core 0 (started by the host) checks boot_info, loads its IDT, GDT and
 * TSS, builds the LWK's own page tables (identity [0, ident_end) and the
 * high half, as the temporary ones but in LWK memory, so the host can free
 * its table pages once the LWK runs), sets up its local APIC, then calls
 * lwk_main().  Other cores enter at lwk_ap_entry, do the same per-core
 * set-up, switch to the same tables and call lwk_ap_main().
 */
#include "internal.h"
#include "lwkb_cpu.h"

/*
 * The note that tells a host which boot_info this image reads
 * (LWKB_NOTE_CONTRACT in boot_info.h; gABI "Note Section" layout:
 * namesz, descsz, type, name and descriptor padded to 4 bytes).
 * cokernel.ld puts .note.lwkboot in a PT_NOTE segment.
 */
static const struct {
	lwkb_u32 namesz, descsz, type;
	char name[sizeof(LWKB_NOTE_NAME)];
	lwkb_u32 version;
} lwk_contract_note __attribute__((section(".note.lwkboot"), aligned(4), used)) = {
	sizeof(LWKB_NOTE_NAME), 4, LWKB_NOTE_CONTRACT, LWKB_NOTE_NAME,
	LWKB_BOOT_INFO_VERSION,
};

/* Core 0: the pointers to what the host handed over, checked. */
static void take_boot_info(struct lwkb_boot_info *bi, lwkb_u64 bi_phys, lwkb_u64 image_phys)
{
	char err[120];

	if (bi->magic != LWKB_BOOT_INFO_MAGIC)
		lwk_halt();	/* nowhere to report: no kmsg address */
	lwk_bi = bi;
	lwk_kmsg = phys_to_virt(bi->kmsg_phys);
	lwk_st = phys_to_virt(bi->status_phys);
	/* The boot stacks follow boot_info and its arrays (loader/boot.c). */
	if (lwkb_bootinfo_check(bi, bi->stacks_phys > bi_phys ?
				bi->stacks_phys - bi_phys : 0, err, sizeof(err)))
		lwk_panic("%s", err);
	if (bi->image_phys != image_phys)
		lwk_panic("image at 0x%llx but boot_info says 0x%llx",
			  (unsigned long long)image_phys,
			  (unsigned long long)bi->image_phys);
}

void lwk_start(lwkb_u64 bi_phys, lwkb_u64 image_phys)
{
	struct lwkb_boot_info *bi = phys_to_virt(bi_phys);

	take_boot_info(bi, bi_phys, image_phys);
	lwk_mem_init(image_phys);
	/*
	 * IDT first: until then the trampoline's zero-limit IDT turns any
	 * fault into a triple fault, which resets the whole machine.  Both
	 * work under the temporary table (GDT and IDT are in the high half,
	 * per-core pages identity-mapped).
	 */
	lwk_idt_init();
	lwk_cpu_setup(0);
	lwk_paging_init();
	if (lwkb_cpu_apic_id() != lwkb_bi_cores(bi)[0].apic_id)
		lwk_panic("core 0 runs on APIC id %u, boot_info says %u",
			  lwkb_cpu_apic_id(), lwkb_bi_cores(bi)[0].apic_id);
	lwk_apic_init();
	lwk_timer_calibrate();
	lwk_ikc_init();
	__atomic_store_n(&lwk_st->cores_up, 1, __ATOMIC_RELEASE);
	lwk_main();
	lwk_halt();
}

/* Entry of every further core (pass it as pc to lwk_boot_cpus). */
void lwk_ap_entry(lwkb_u64 bi_phys, lwkb_u64 image_phys)
{
	lwkb_u32 apic = lwkb_cpu_apic_id(), i;

	(void)bi_phys;
	(void)image_phys;
	/* Its LWK id: the core of boot_info with its APIC id. */
	for (i = 0; i < lwk_bi->nr_cores; i++)
		if (lwkb_bi_cores(lwk_bi)[i].apic_id == apic)
			break;
	if (i == lwk_bi->nr_cores)
		lwk_halt();	/* not ours: no IDT yet to report it with */
	lwk_cpu_setup((int)i);	/* IDT before anything that can fault */
	lwk_load_cr3();
	lwk_apic_init_ap();
	__atomic_fetch_add(&lwk_st->cores_up, 1, __ATOMIC_ACQ_REL);
	lwk_ap_main((int)i);
	lwk_halt();
}
