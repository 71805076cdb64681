// SPDX-License-Identifier: MIT
/*
 * The EFI host's calls into the firmware, all before ExitBootServices
 * (UEFI spec, "Boot Services"): reading files from the boot volume,
 * allocating pages, finding the MADT and reading the memory map.
 */
#include "firmware.h"

EFI_STATUS fw_read_file(EFI_FILE_HANDLE root, const char *path, void **buf, UINTN *size)
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

EFI_STATUS fw_alloc_pages(EFI_ALLOCATE_TYPE type, lwkb_u64 max, UINTN pages, lwkb_u64 *addr)
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

const void *fw_find_table(const char *sig, lwkb_u64 *len)
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
		if (t && !lwkb_memcmp(t, sig, 4)) {
			*len = *(const lwkb_u32 *)(t + 4);
			return t;
		}
	}
	return 0;
}

EFI_STATUS fw_memory_map(lwkb_u64 *ram_end, UINTN *key)
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
	if (ram_end) {
		*ram_end = 0;
		for (p = buf; p < buf + size; p += dsize) {
			EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)p;
			lwkb_u64 end = d->PhysicalStart + d->NumberOfPages * 4096;

			if (d->Type == EfiMemoryMappedIO || d->Type == EfiMemoryMappedIOPortSpace ||
			    d->Type == EfiReservedMemoryType || d->Type == EfiUnusableMemory)
				continue;
			if (end > *ram_end)
				*ram_end = end;
		}
	}
	return EFI_SUCCESS;
}

EFI_STATUS fw_exit_boot_services(EFI_HANDLE image)
{
	EFI_STATUS st = EFI_SUCCESS;
	UINTN key;
	int i;

	/* The key goes stale when the map changes (an event may allocate in
	 * between); ExitBootServices then fails and the image is to read the
	 * map again and retry (UEFI spec, EFI_BOOT_SERVICES.ExitBootServices). */
	for (i = 0; i < 8; i++) {
		st = fw_memory_map(0, &key);
		if (EFI_ERROR(st))
			return st;
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (!EFI_ERROR(st))
			break;
	}
	return st;
}
