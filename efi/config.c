// SPDX-License-Identifier: MIT
/*
 * lwkboot.cfg: one "key=value" per line, '#' starts a comment line.
 *   cores=LIST        CPUs for the LWK (IHK CPU list over MADT order; not 0)
 *   mem=SIZE          LWK memory (default 64M; decimal or 0x hex bytes with
 *                     an optional K, M, G or T suffix, lwkb_parse_size)
 *   kargs=STRING      kernel arguments, the rest of the line verbatim
 *   image=PATH        co-kernel ELF on the boot volume (default \cokernel.elf)
 *   apic=xapic|x2apic APIC mode to use (default: as the firmware left it)
 *   init_delay_us=N   INIT to SIPI delay (default 10000)
 *   wake_timeout_ms=N how long the first LWK core may take (default 5000)
 *   run_timeout_ms=N  how long until RUNNING (default 60000)
 *   tramp=ADDR        put the trampoline page exactly there (a page below
 *                     0xA0000; debuggers use it to know the page in advance)
 *   test_drop_sipi=N  testing: STARTUP IPIs to CPU N are dropped
 */
#include "host.h"

void host_cfg_defaults(struct host_cfg *cfg)
{
	lwkb_memset(cfg, 0, sizeof(*cfg));
	cfg->mem = 64ULL << 20;
	lwkb_memcpy(cfg->image, "\\cokernel.elf", 14);
	cfg->init_delay_us = 10000;
	cfg->wake_timeout_ms = 5000;
	cfg->run_timeout_ms = 60000;
	cfg->drop_sipi_cpu = -1;
}

static int key_is(const char *k, lwkb_size_t kl, const char *want)
{
	return kl == lwkb_strlen(want) && !lwkb_strncmp(k, want, kl);
}

static int num(const char *v, lwkb_size_t vl, lwkb_u32 max, lwkb_u32 *out)
{
	lwkb_u64 x;

	if (lwkb_parse_u64(v, vl, &x) || x > max)
		return -1;
	*out = (lwkb_u32)x;
	return 0;
}

int host_cfg_parse(const char *text, lwkb_size_t len, struct host_cfg *cfg,
		   char *err, lwkb_size_t errlen)
{
	lwkb_size_t i = 0;
	int line = 0;
	char val[CFG_VAL_MAX], sub[120];

	while (i < len) {
		lwkb_size_t s = i, e, eq, kl, vl;
		const char *k;

		line++;
		while (i < len && text[i] != '\n')
			i++;
		e = i++;
		if (e > s && text[e - 1] == '\r')
			e--;
		if (e == s || text[s] == '#')
			continue;
		for (eq = s; eq < e && text[eq] != '='; eq++)
			;
		if (eq == e)
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"lwkboot.cfg line %d: no '=' in '%.40s'", line, text + s);
		k = text + s;
		kl = eq - s;
		vl = e - eq - 1;
		if (vl >= sizeof(val))
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"lwkboot.cfg line %d: value of %u bytes is longer than %u",
					line, (unsigned)vl, (unsigned)sizeof(val) - 1);
		lwkb_memcpy(val, text + eq + 1, vl);
		val[vl] = '\0';

		if (key_is(k, kl, "cores")) {
			if (lwkb_cpulist_parse(val, cfg->cores, HOST_MAX_CPUS, sub, sizeof(sub)))
				return lwkb_err(err, errlen, -LWKB_EINVAL,
						"lwkboot.cfg line %d: cores=%s: %s", line, val, sub);
			cfg->have_cores = 1;
		} else if (key_is(k, kl, "mem")) {
			if (lwkb_parse_size(val, &cfg->mem, sub, sizeof(sub)))
				return lwkb_err(err, errlen, -LWKB_EINVAL,
						"lwkboot.cfg line %d: mem=%s: %s", line, val, sub);
			if (cfg->mem == 0 || cfg->mem % (2ULL << 20))
				return lwkb_err(err, errlen, -LWKB_EINVAL,
						"lwkboot.cfg line %d: mem=%s is not a non-zero multiple of 2 MiB",
						line, val);
		} else if (key_is(k, kl, "kargs")) {
			lwkb_memcpy(cfg->kargs, val, vl + 1);
		} else if (key_is(k, kl, "image")) {
			if (vl == 0 || vl >= sizeof(cfg->image))
				return lwkb_err(err, errlen, -LWKB_EINVAL,
						"lwkboot.cfg line %d: image path of %u bytes", line,
						(unsigned)vl);
			lwkb_memcpy(cfg->image, val, vl + 1);
		} else if (key_is(k, kl, "apic")) {
			if (!lwkb_strncmp(val, "xapic", 6))
				cfg->apic_mode = LWKB_APIC_XAPIC;
			else if (!lwkb_strncmp(val, "x2apic", 7))
				cfg->apic_mode = LWKB_APIC_X2APIC;
			else
				return lwkb_err(err, errlen, -LWKB_EINVAL,
						"lwkboot.cfg line %d: apic=%s: want xapic or x2apic",
						line, val);
		} else if (key_is(k, kl, "init_delay_us")) {
			if (num(val, vl, 1000000, &cfg->init_delay_us))
				return lwkb_err(err, errlen, -LWKB_EINVAL,
						"lwkboot.cfg line %d: init_delay_us=%s: want 0 to 1000000",
						line, val);
		} else if (key_is(k, kl, "wake_timeout_ms")) {
			if (num(val, vl, 600000, &cfg->wake_timeout_ms) || !cfg->wake_timeout_ms)
				return lwkb_err(err, errlen, -LWKB_EINVAL,
						"lwkboot.cfg line %d: wake_timeout_ms=%s: want 1 to 600000",
						line, val);
		} else if (key_is(k, kl, "run_timeout_ms")) {
			if (num(val, vl, 3600000, &cfg->run_timeout_ms) || !cfg->run_timeout_ms)
				return lwkb_err(err, errlen, -LWKB_EINVAL,
						"lwkboot.cfg line %d: run_timeout_ms=%s: want 1 to 3600000",
						line, val);
		} else if (key_is(k, kl, "tramp")) {
			if (lwkb_parse_u64(val, vl, &cfg->tramp) || !cfg->tramp ||
			    cfg->tramp % 4096 || cfg->tramp >= 0xA0000)
				return lwkb_err(err, errlen, -LWKB_EINVAL,
						"lwkboot.cfg line %d: tramp=%s: want a page address below 0xA0000",
						line, val);
		} else if (key_is(k, kl, "test_drop_sipi")) {
			lwkb_u32 c;

			if (num(val, vl, HOST_MAX_CPUS - 1, &c))
				return lwkb_err(err, errlen, -LWKB_EINVAL,
						"lwkboot.cfg line %d: test_drop_sipi=%s: want a CPU number",
						line, val);
			cfg->drop_sipi_cpu = (int)c;
		} else {
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"lwkboot.cfg line %d: unknown key '%.*s'", line, (int)kl, k);
		}
	}
	return 0;
}
