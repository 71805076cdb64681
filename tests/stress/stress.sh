#!/bin/sh
# lwkboot stress run inside the Linux VM (qemu/linux-vm --smp 6, as root,
# busybox): loads the module, runs lwkb-stress, cleans up as `lwkboot down`
# does (shutdown and destroy every instance, release every CPU and all
# memory), then checks that nothing was lost: no kernel report, no page
# held, every CPU online, free memory near the start (lib.sh), and the module
# unloads.  The last line is "N passed, N failed".
#
# Settings come from the kernel command line (make stress passes them):
#   lwkb.stress_seconds=N   run time (default 120)
#   lwkb.stress_procs=N     worker processes (default 4)
#   lwkb.stress_seed=SEED   replay a run (lwkb-stress prints the seed)
#   lwkb.stress_only=OPS    run only these operations (comma-separated)
#   lwkb.stress_exclude=OPS never run these, e.g. to get past a known bug
. /root/lib.sh		# note, check, same, done_test, memfree, near
ko=/lib/modules/$(uname -r)/extra/lwkboot.ko
img=/usr/lib/lwkboot/cokernel.elf
held=/sys/module/lwkboot/parameters/pages_held

arg() {	# arg NAME DEFAULT: lwkb.NAME=VALUE from the kernel command line
	v=$(tr ' ' '\n' < /proc/cmdline | sed -n "s/^lwkb\.$1=//p" | tail -1)
	echo "${v:-$2}"
}
# Kernel reports: oopses, BUG and WARNING splats, sanitizers, lockdep, hung
# tasks, soft lockups and RCU stalls, SLUB debug and list corruption.
REPORTS='Oops|BUG|WARNING:|KASAN|UBSAN|KFENCE|lockdep is turned off|inconsistent lock state|possible circular locking|blocked for more than|hung_task|soft lockup|rcu_.*stall|general protection fault|Poison overwritten|Redzone|Object already free|list_(add|del) corruption|refcount_t:|Kernel panic'

secs=$(arg stress_seconds 120)
procs=$(arg stress_procs 4)
seed=$(arg stress_seed "")
only=$(arg stress_only "")
exclude=$(arg stress_exclude "")
mem0=$(memfree)
log0=$(dmesg | wc -l)

check "insmod" insmod "$ko" tramp_addr=0x70000 tramp_pages=16
done_test insmod

# The console keeps its log level: a run that freezes the VM must still
# show what the kernel said (the module's refusals are ~100 lines a second).
lwkb-stress -p "$procs" -t "$secs" -k "$ko" -i "$img" ${seed:+-s "$seed"} \
	${only:+-O "$only"} ${exclude:+-X "$exclude"}
rc=$?
[ $rc = 0 ] || note "lwkb-stress exited with status $rc (UNEXPECTED lines above)"
done_test "stress_${secs}s"

# `lwkboot down` without its rmmod, so that pages_held can be read first.
cleanup() {
	[ -e /dev/mcd0 ] || insmod "$ko" tramp_addr=0x70000 tramp_pages=16
	lwkboot list | while read -r os state; do
		[ "$state" = INACTIVE ] || lwkboot -o "$os" shutdown ||
			echo "shutdown os$os ($state) failed"
		lwkboot destroy "$os" || echo "destroy os$os failed"
	done
	cpus=$(lwkboot query cpu)
	[ -z "$cpus" ] || lwkboot release cpu "$cpus" || echo "release cpu $cpus failed"
	lwkboot release mem all || echo "release mem failed"
}
out=$(cleanup 2>&1)
[ -z "$out" ] || note "cleanup: $out"
same "no instance left" "" "$(lwkboot list 2>&1)"
same "no CPU reserved" "" "$(lwkboot query cpu 2>&1)"
same "no memory reserved" "" "$(lwkboot query mem 2>&1)"
done_test cleanup

same "pages_held before unload" 0 "$(cat $held 2>&1)"
done_test pages_held_zero

check "rmmod" rmmod lwkboot
[ -e /dev/mcd0 ] && note "/dev/mcd0 still exists after rmmod"
done_test module_unloads

same "every CPU online" "$(cat /sys/devices/system/cpu/present)" \
	"$(cat /sys/devices/system/cpu/online)"
done_test cpus_online

near "MemFree after the run" "$mem0" "$(memfree)"
done_test memfree

dmesg | tail -n +$((log0 + 1)) > /tmp/klog
if grep -qE "$REPORTS" /tmp/klog; then
	note "the kernel log shows a report:"
	note "$(grep -m1 -E -B2 -A30 "$REPORTS" /tmp/klog)"
fi
done_test no_kernel_report

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
