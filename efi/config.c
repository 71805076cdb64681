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

/* One "key=value" line of lwkboot.cfg. */
struct cfg_line {
	int nr;				/* from 1, for messages */
	const char *key;		/* not NUL-terminated */
	lwkb_size_t kl;
	char val[CFG_VAL_MAX];		/* NUL-terminated */
	lwkb_size_t vl;
	char *err;
	lwkb_size_t errlen;
};

/* Writes "lwkboot.cfg line N: " and the message to err; -LWKB_EINVAL. */
static int bad(const struct cfg_line *l, const char *fmt, ...)
{
	lwkb_va_list ap;
	int n;

	if (!l->err || !l->errlen)
		return -LWKB_EINVAL;
	n = lwkb_snprintf(l->err, l->errlen, "lwkboot.cfg line %d: ", l->nr);
	if ((lwkb_size_t)n < l->errlen) {
		__builtin_va_start(ap, fmt);
		lwkb_vsnprintf(l->err + n, l->errlen - n, fmt, ap);
		__builtin_va_end(ap);
	}
	return -LWKB_EINVAL;
}

static int key_is(const struct cfg_line *l, const char *want)
{
	return l->kl == lwkb_strlen(want) && !lwkb_strncmp(l->key, want, l->kl);
}

static int num(const char *v, lwkb_size_t vl, lwkb_u32 max, lwkb_u32 *out)
{
	lwkb_u64 x;

	if (lwkb_parse_u64(v, vl, &x) || x > max)
		return -1;
	*out = (lwkb_u32)x;
	return 0;
}

/* A number from min to max. */
static int set_u32(const struct cfg_line *l, lwkb_u32 min, lwkb_u32 max, lwkb_u32 *out)
{
	if (num(l->val, l->vl, max, out) || *out < min)
		return bad(l, "%.*s=%s: want %u to %u", (int)l->kl, l->key, l->val, min, max);
	return 0;
}

static int set_key(struct host_cfg *cfg, const struct cfg_line *l)
{
	char sub[120];
	lwkb_u32 cpu;

	if (key_is(l, "cores")) {
		if (lwkb_cpulist_parse(l->val, cfg->cores, HOST_MAX_CPUS, sub, sizeof(sub)))
			return bad(l, "cores=%s: %s", l->val, sub);
		cfg->have_cores = 1;
	} else if (key_is(l, "mem")) {
		if (lwkb_parse_size(l->val, &cfg->mem, sub, sizeof(sub)))
			return bad(l, "mem=%s: %s", l->val, sub);
		if (cfg->mem == 0 || cfg->mem % (2ULL << 20))
			return bad(l, "mem=%s is not a non-zero multiple of 2 MiB", l->val);
	} else if (key_is(l, "kargs")) {
		lwkb_memcpy(cfg->kargs, l->val, l->vl + 1);
	} else if (key_is(l, "image")) {
		if (l->vl == 0 || l->vl >= sizeof(cfg->image))
			return bad(l, "image path of %u bytes", (unsigned)l->vl);
		lwkb_memcpy(cfg->image, l->val, l->vl + 1);
	} else if (key_is(l, "apic")) {
		if (!lwkb_strncmp(l->val, "xapic", 6))
			cfg->apic_mode = LWKB_APIC_XAPIC;
		else if (!lwkb_strncmp(l->val, "x2apic", 7))
			cfg->apic_mode = LWKB_APIC_X2APIC;
		else
			return bad(l, "apic=%s: want xapic or x2apic", l->val);
	} else if (key_is(l, "init_delay_us")) {
		return set_u32(l, 0, 1000000, &cfg->init_delay_us);
	} else if (key_is(l, "wake_timeout_ms")) {
		return set_u32(l, 1, 600000, &cfg->wake_timeout_ms);
	} else if (key_is(l, "run_timeout_ms")) {
		return set_u32(l, 1, 3600000, &cfg->run_timeout_ms);
	} else if (key_is(l, "tramp")) {
		if (lwkb_parse_u64(l->val, l->vl, &cfg->tramp) || !cfg->tramp ||
		    cfg->tramp % 4096 || cfg->tramp >= 0xA0000)
			return bad(l, "tramp=%s: want a page address below 0xA0000", l->val);
	} else if (key_is(l, "test_drop_sipi")) {
		if (num(l->val, l->vl, HOST_MAX_CPUS - 1, &cpu))
			return bad(l, "test_drop_sipi=%s: want a CPU number", l->val);
		cfg->drop_sipi_cpu = (int)cpu;
	} else {
		return bad(l, "unknown key '%.*s'", (int)l->kl, l->key);
	}
	return 0;
}

int host_cfg_parse(const char *text, lwkb_size_t len, struct host_cfg *cfg,
		   char *err, lwkb_size_t errlen)
{
	struct cfg_line l;	/* not zeroed whole: val is 4 KiB */
	lwkb_size_t i = 0, s, e, eq;
	int rc;

	l.nr = 0;
	l.err = err;
	l.errlen = errlen;
	while (i < len) {
		s = i;
		l.nr++;
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
			return bad(&l, "no '=' in '%.40s'", text + s);
		l.key = text + s;
		l.kl = eq - s;
		l.vl = e - eq - 1;
		if (l.vl >= sizeof(l.val))
			return bad(&l, "value of %u bytes is longer than %u", (unsigned)l.vl,
				   (unsigned)sizeof(l.val) - 1);
		lwkb_memcpy(l.val, text + eq + 1, l.vl);
		l.val[l.vl] = '\0';
		rc = set_key(cfg, &l);
		if (rc)
			return rc;
	}
	return 0;
}
