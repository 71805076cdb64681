// SPDX-License-Identifier: GPL-2.0
/*
 * An empty module named as McKernel's mcctrl.ko, which IHK's test programs
 * insmod after ihk.ko and check with lsmod.  lwkboot has no McKernel
 * syscall-offload driver; the programs that need one (mcexec) are skipped.
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Stand-in for McKernel's mcctrl.ko in lwkboot's run of IHK's tests");
