// SPDX-License-Identifier: MIT
/*
 * The EFI host's console and clock: COM1 written directly (it works after
 * ExitBootServices too), TSC delays, and the verdict line that ends every
 * run through isa-debug-exit.
 */
#include "host.h"
#include "lwkb_cpu.h"

#define COM1		0x3f8
#define EXIT_PORT	0xf4
#define EXIT_OK		0x10	/* QEMU exits with 33 */
#define EXIT_FAIL	0x11	/* QEMU exits with 35 */

lwkb_u64 host_tsc_khz = 1000000;

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

/* 16550: wait for THR empty (LSR bit 5), then write. */
static void serial_putc(char c)
{
	int n = 100000;

	while (!(inb(COM1 + 5) & 0x20) && --n)
		;
	outb(COM1, (lwkb_u8)c);
}

void host_serial_write(const char *s, lwkb_size_t n)
{
	for (; n; n--, s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
}

void host_say(const char *fmt, ...)
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
	host_serial_write("lwkboot: ", 9);
	host_serial_write(buf, (lwkb_size_t)n);
}

void host_udelay(lwkb_u32 us)
{
	lwkb_u64 t0 = lwkb_rdtsc(), n = (lwkb_u64)us * host_tsc_khz / 1000;

	while (lwkb_rdtsc() - t0 < n)
		__builtin_ia32_pause();
}

void host_finish(const char *status, lwkb_u32 up, lwkb_u32 asked, int ok)
{
	host_say("RESULT status=%s cores=%u/%u", status, up, asked);
	outl(EXIT_PORT, ok ? EXIT_OK : EXIT_FAIL);
	/* Without isa-debug-exit: stop here. */
	for (;;)
		__asm__ volatile("cli; hlt");
}
