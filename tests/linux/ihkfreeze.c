// SPDX-License-Identifier: MIT
/*
 * lwkb-ihkfreeze: libihk's ihk_os_freeze and ihk_os_thaw over several
 * instances (IHK spec 1.2.2.32/33; tools/ihk/ihklib.c os_set_each).  Runs
 * with instance 0 RUNNING a demo that can be frozen and instance 1 RUNNING
 * one that cannot (demo.no_freeze=1): the module refuses 1 with
 * -EOPNOTSUPP, and the freeze it had already asked of 0 must be taken back;
 * a thaw of both goes on past 1 and thaws 0.  Also n 0 (-EINVAL, as IHK's
 * ihk_os_freeze03) and a bit above any instance index (-ENOENT, nothing
 * asked).  Prints each check; exit 1 if any failed.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include "ihklib.h"

static int failed;

static void expect(const char *what, long want, long got)
{
	printf("%s %s: want %ld, got %ld\n", want == got ? "ok" : "FAILED", what, want, got);
	failed |= want != got;
}

/* Instance i's status once it has stood still for 300 ms (at most 10 s). */
static int settled(int i)
{
	int st = ihk_os_get_status(i), last = -1000, same = 0, tries;

	for (tries = 0; tries < 100 && same < 3; tries++) {
		usleep(100000);
		st = ihk_os_get_status(i);
		same = st == last ? same + 1 : 0;
		last = st;
	}
	return st;
}

/* Waits up to 10 s for instance i to reach st. */
static int wait_for(int i, int st)
{
	int tries, got = ihk_os_get_status(i);

	for (tries = 0; tries < 100 && got != st; tries++) {
		usleep(100000);
		got = ihk_os_get_status(i);
	}
	return got;
}

int main(void)
{
	unsigned long both[1] = { 3 }, zero[1] = { 1 }, high[2] = { 1, 1 };
	const int n = 8 * sizeof(unsigned long);

	expect("instance 0 RUNNING", IHK_STATUS_RUNNING, ihk_os_get_status(0));
	expect("instance 1 RUNNING", IHK_STATUS_RUNNING, ihk_os_get_status(1));
	expect("freeze, n 0", -EINVAL, ihk_os_freeze(zero, 0));
	expect("freeze {0, 64}", -ENOENT, ihk_os_freeze(high, 2 * n));
	expect("instance 0 not asked", IHK_STATUS_RUNNING, settled(0));
	/* 1 refuses: 0's freeze is taken back, so 0 runs on */
	expect("freeze {0, 1}", -EOPNOTSUPP, ihk_os_freeze(both, n));
	expect("instance 0 RUNNING after the refused freeze", IHK_STATUS_RUNNING, settled(0));
	expect("instance 1 RUNNING", IHK_STATUS_RUNNING, ihk_os_get_status(1));
	expect("freeze {0}", 0, ihk_os_freeze(zero, n));
	expect("instance 0 FROZEN", IHK_STATUS_FROZEN, wait_for(0, IHK_STATUS_FROZEN));
	/* 1 is not frozen (-EINVAL), and the thaw still reaches 0 */
	expect("thaw {0, 1}", -EINVAL, ihk_os_thaw(both, n));
	expect("instance 0 RUNNING after the thaw", IHK_STATUS_RUNNING, wait_for(0, IHK_STATUS_RUNNING));
	expect("instance 1 RUNNING", IHK_STATUS_RUNNING, ihk_os_get_status(1));
	return failed;
}
