// SPDX-License-Identifier: GPL-2.0
/*
 * The reserved pool's CPUs: taken offline through Linux's own CPU hotplug
 * (remove_cpu/add_cpu, kernel/cpu.c) and kept offline by a hotplug guard
 * until they are released.  Every operation validates its whole input
 * before changing anything and undoes its own steps on failure.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/string.h>
#include "lwkboot.h"

/*
 * Every CPU the set names must be one this kernel can have (below
 * nr_cpu_ids, which is at most NR_CPUS and may be far below
 * LWKB_MAX_CPUS) and present.
 */
int lwkb_cpuset_to_mask(const struct lwkb_cpuset *set, struct cpumask *mask)
{
	unsigned int w, cpu;
	u64 bits;

	cpumask_clear(mask);
	for (w = 0; w < ARRAY_SIZE(set->bits); w++) {
		for (bits = set->bits[w]; bits; bits &= bits - 1) {
			cpu = w * 64 + __ffs64(bits);
			if (cpu >= nr_cpu_ids) {
				pr_err("CPU %u does not exist: this kernel's CPUs are 0-%u\n",
				       cpu, nr_cpu_ids - 1);
				return -EINVAL;
			}
			/* A reserved CPU that was hot-removed can still be
			 * named, so that it can be released (give_cpu drops it). */
			if (!cpu_present(cpu) && !cpumask_test_cpu(cpu, lwkb_reserved_cpus)) {
				pr_err("CPU %u does not exist\n", cpu);
				return -EINVAL;
			}
			cpumask_set_cpu(cpu, mask);
		}
	}
	return 0;
}

void lwkb_mask_to_cpuset(const struct cpumask *mask, struct lwkb_cpuset *set)
{
	unsigned int cpu;

	memset(set, 0, sizeof(*set));
	for_each_cpu(cpu, mask)
		if (cpu < LWKB_MAX_CPUS)
			set->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

/*
 * CPU hotplug guard: Linux must not bring a reserved CPU online behind our
 * back (sysfs, chcpu, SMT control), since its INIT/SIPI would take the CPU
 * from a running co-kernel.  Registered as a CPUHP_BP_PREPARE_DYN step
 * (include/linux/cpuhotplug.h); a failing prepare step cancels the online.
 * It runs under the CPU hotplug lock, which is also held wherever the
 * reserved mask changes: a CPU is never both online and reserved.
 */
int lwkb_cpu_guard(unsigned int cpu)
{
	if (cpumask_test_cpu(cpu, lwkb_reserved_cpus)) {
		pr_err("CPU %u is reserved for co-kernels: release it with lwkboot first\n",
		       cpu);
		return -EBUSY;
	}
	return 0;
}

/*
 * Takes one CPU from Linux.  remove_cpu() and the reserved bit are two
 * steps; a sysfs online may come in between.  Under the hotplug lock the
 * bit is set only if the CPU is still offline, so afterwards the guard
 * refuses every online.
 */
static int take_cpu(unsigned int cpu)
{
	int ret = remove_cpu(cpu);

	if (ret) {
		pr_err("taking CPU %u offline failed: %d\n", cpu, ret);
		return ret < 0 ? ret : -EBUSY;
	}
	cpus_read_lock();
	if (cpu_online(cpu)) {
		ret = -EBUSY;
		pr_err("CPU %u was brought online again while being reserved\n", cpu);
	} else {
		cpumask_set_cpu(cpu, lwkb_reserved_cpus);
	}
	cpus_read_unlock();
	return ret;
}

/*
 * A reserved (offline) CPU can be hot-removed: an ACPI eject ends in
 * acpi_processor_post_eject() (drivers/acpi/acpi_processor.c), which
 * unregisters its device and clears it from cpu_present_mask under the CPU
 * hotplug lock.  add_cpu() would then pass a NULL device to device_online()
 * (kernel/cpu.c), so such a CPU is only dropped from the reserve.  Answers
 * whether it was.  (An eject between this check and add_cpu() is not
 * covered: the lock that orders them, device_hotplug_lock, is not exported.)
 */
static bool drop_removed_cpu(unsigned int cpu)
{
	bool gone;

	cpus_read_lock();
	gone = !cpu_present(cpu);
	if (gone)
		cpumask_clear_cpu(cpu, lwkb_reserved_cpus);
	cpus_read_unlock();
	if (gone)
		pr_warn("CPU %u was hot-removed while reserved: dropped from the reserve\n", cpu);
	return gone;
}

/*
 * Gives one CPU back.  The bit is cleared so the guard lets add_cpu() pass;
 * a sysfs online may win that race, and add_cpu() then answers 1 (the
 * device was online already).  What counts is the outcome, read under the
 * hotplug lock: online means released; offline means it stays reserved.
 */
static int give_cpu(unsigned int cpu)
{
	int ret;

	if (drop_removed_cpu(cpu))
		return 0;
	cpumask_clear_cpu(cpu, lwkb_reserved_cpus);
	ret = add_cpu(cpu);
	cpus_read_lock();
	if (cpu_online(cpu)) {
		ret = 0;
	} else {
		cpumask_set_cpu(cpu, lwkb_reserved_cpus);	/* nothing lost */
		pr_err("bringing CPU %u online failed: %d\n", cpu, ret);
		ret = ret < 0 ? ret : -EIO;
	}
	cpus_read_unlock();
	return ret;
}

int lwkb_reserve_cpus(const struct cpumask *mask)
{
	unsigned int cpu, undo;
	int ret;

	if (cpumask_empty(mask))
		return -EINVAL;
	for_each_cpu(cpu, mask) {
		if (cpu == 0) {
			pr_err("CPU 0 cannot be reserved\n");
			return -EINVAL;
		}
		if (cpumask_test_cpu(cpu, lwkb_reserved_cpus)) {
			pr_err("CPU %u is already reserved\n", cpu);
			return -EBUSY;
		}
		if (!cpu_online(cpu)) {
			pr_err("CPU %u is offline\n", cpu);
			return -EINVAL;
		}
	}
	if (cpumask_weight(mask) >= num_online_cpus()) {
		pr_err("reserving %u CPUs would leave Linux none\n", cpumask_weight(mask));
		return -EINVAL;
	}
	for_each_cpu(cpu, mask) {
		ret = take_cpu(cpu);
		if (ret)
			goto undo;
	}
	return 0;
undo:
	for_each_cpu(undo, mask) {
		if (undo == cpu)
			break;
		if (give_cpu(undo))
			pr_err("CPU %u stays reserved\n", undo);
	}
	return ret;
}

/* The index of the instance a CPU is assigned to, or -1. */
int lwkb_cpu_owner(unsigned int cpu)
{
	int i;

	for (i = 0; i < LWKB_MAX_OS; i++)
		if (lwkb_oses[i] && cpumask_test_cpu(cpu, lwkb_oses[i]->cpus))
			return i;
	return -1;
}

int lwkb_release_cpus(const struct cpumask *mask)
{
	unsigned int cpu;
	int ret = 0, r;

	if (cpumask_empty(mask))
		return -EINVAL;
	/* Once Linux is going down a reserved CPU may still get an INIT from
	 * the reboot notifier: it stays reserved (and offline). */
	if (READ_ONCE(lwkb_going_down))
		return -ESHUTDOWN;
	for_each_cpu(cpu, mask) {
		if (!cpumask_test_cpu(cpu, lwkb_reserved_cpus)) {
			pr_err("CPU %u is not reserved\n", cpu);
			return -EINVAL;
		}
		if (lwkb_cpu_owner(cpu) >= 0) {
			pr_err("CPU %u is assigned to an OS instance\n", cpu);
			return -EBUSY;
		}
	}
	for_each_cpu(cpu, mask) {
		r = give_cpu(cpu);
		if (r && !ret)
			ret = r;
	}
	return ret;
}
