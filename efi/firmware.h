/* SPDX-License-Identifier: MIT */
/*
 * What the EFI host asks of the firmware before ExitBootServices
 * (firmware.c): files on the boot volume, pages, the ACPI MADT and the
 * memory map.  Only main.c and firmware.c include GNU-EFI's headers.
 */
#ifndef LWKB_EFI_FIRMWARE_H
#define LWKB_EFI_FIRMWARE_H

#include <efi.h>
#include <efilib.h>
#include "host.h"

/* The whole file at path (on the volume root), NUL-terminated. */
EFI_STATUS fw_read_file(EFI_FILE_HANDLE root, const char *path, void **buf, UINTN *size);
/* Pages of EfiLoaderData, zeroed; max is the address for AllocateAddress
 * and the highest one for AllocateMaxAddress. */
EFI_STATUS fw_alloc_pages(EFI_ALLOCATE_TYPE type, lwkb_u64 max, UINTN pages, lwkb_u64 *addr);
/* An ACPI table by signature ("APIC": the MADT, "SRAT", "SLIT") through
 * the ACPI 2.0 RSDP's XSDT, or 0; *len is its header's length. */
const void *fw_find_table(const char *sig, lwkb_u64 *len);
/* The memory map's key for ExitBootServices and, if ram_end, the end of
 * its highest RAM (MMIO, reserved and unusable ranges left out). */
EFI_STATUS fw_memory_map(lwkb_u64 *ram_end, UINTN *key);
/* ExitBootServices, with a fresh map key on each of a few tries. */
EFI_STATUS fw_exit_boot_services(EFI_HANDLE image);

#endif /* LWKB_EFI_FIRMWARE_H */
