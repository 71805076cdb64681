// SPDX-License-Identifier: GPL-2.0
/*
 * An empty module named as IHK's architecture driver, ihk-smp-x86.ko.
 * IHK's test programs insmod it (with ihk_ikc_irq_core=0) after ihk.ko and
 * check with lsmod that it is loaded; lwkboot has no such split, its one
 * module (built as ihk.ko for them: tests/ihk/run) does everything.
 */
#include <linux/module.h>

static int ihk_ikc_irq_core;
module_param(ihk_ikc_irq_core, int, 0444);
MODULE_PARM_DESC(ihk_ikc_irq_core, "Accepted and unused (IHK's wrappers pass it)");

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Stand-in for IHK's ihk-smp-x86.ko in lwkboot's run of IHK's tests");
