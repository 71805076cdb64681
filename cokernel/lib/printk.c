// SPDX-License-Identifier: MIT
/* kmsg output, panic and halting. */
#include "internal.h"

int lwk_printk(const char *fmt, ...)
{
	char buf[256];
	lwkb_va_list ap;
	int n;

	__builtin_va_start(ap, fmt);
	n = lwkb_vsnprintf(buf, sizeof(buf), fmt, ap);
	__builtin_va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (lwk_kmsg)
		lwkb_kmsg_write(lwk_kmsg, lwk_bi->kmsg_size, buf, (lwkb_size_t)n);
	return n;
}

void lwk_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void lwk_panic(const char *fmt, ...)
{
	char buf[200];
	lwkb_va_list ap;

	lwk_dump_panic();	/* registers first, before anything changes */
	lwk_dump_siblings();
	__builtin_va_start(ap, fmt);
	lwkb_vsnprintf(buf, sizeof(buf), fmt, ap);
	__builtin_va_end(ap);
	lwk_printk("PANIC on core %d: %s\n", lwk_this_core(), buf);
	if (lwk_st) {
		lwk_st->panic_core = (lwkb_u32)lwk_this_core();
		lwk_st->panic_vector = 0xffffffff;
	}
	lwk_set_status(LWKB_STATUS_PANIC);
	lwk_halt();
}
