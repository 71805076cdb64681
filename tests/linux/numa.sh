#!/bin/sh
# Two NUMA nodes (qemu/linux-vm --smp 6 --numa 2: CPUs 0-2 on node 0, 3-5 on
# node 1, distance 17): an LWK with a core and memory on each node sees
# each core's and chunk's node and the host's distance (kmsg of the demo),
# and gives everything back.  Ends with "N passed, N failed".
. /root/lib.sh
img=/usr/lib/lwkboot/cokernel.elf
if [ "$(cat /sys/devices/system/node/online 2>/dev/null)" != 0-1 ] ||
   [ "$(cat /sys/devices/system/node/node1/cpulist)" != 3-5 ]; then
	setup_fail "want 2 NUMA nodes, CPUs 3-5 on node 1: run with qemu/linux-vm --smp 6 --numa 2"
fi
same "node 1's distances" "17 10" "$(cat /sys/devices/system/node/node1/distance)"
# CPU 5's APIC id (the ids of socket 1 start at a power of two), read
# while it is online.
apic5=$(awk '/^processor/ { p = $3 } /^apicid/ && p == 5 { print $3 }' /proc/cpuinfo)
mem0=$(memfree)
check "up on both nodes" lwkboot up -c 2,5 -m 32M@0,32M@1 $img
same "status" RUNNING "$(lwkboot -o 0 status)"
q=$(lwkboot -o 0 query mem)
case $q in *@0*@1*|*@1*@0*) ;; *) note "the instance's memory is not on both nodes: $q" ;; esac
lwkboot -o 0 kmsg > /tmp/kmsg
# 32 MiB on each node, in one chunk or several (reserve takes 4 MiB blocks,
# adjacent ones merged: a node's 32 MiB need not be contiguous).
for n in 0 1; do
	mib=$(sed -n "s/^demo: memory chunk [0-9]*: .* \([0-9]*\) MiB, NUMA $n\$/\1/p" /tmp/kmsg |
		awk '{ s += $1 } END { print s + 0 }')
	same "kmsg: MiB in chunks on LWK NUMA $n" 32 "$mib"
done
grep -qxF "demo: core 1 up (cpu 5, APIC id $apic5, NUMA 1)" /tmp/kmsg || note "kmsg: core 1 is not on NUMA 1"
# The LWK's node 0 is the image's (the largest chunk's) host node, either one.
grep -qE '^demo: NUMA node 0 \(host node [01]\): distances 10 17$' /tmp/kmsg ||
	note "kmsg: LWK node 0's distances are not 10 17"
grep -qE '^demo: NUMA node 1 \(host node [01]\): distances 17 10$' /tmp/kmsg ||
	note "kmsg: LWK node 1's distances are not the host's 17 10"
[ "$(grep -cE '^demo: NUMA node [01] \(host node 0\)' /tmp/kmsg)" = 1 ] ||
	note "kmsg: not exactly one LWK node on host node 0"
[ -z "$problems" ] || note "kmsg: $(grep -E 'NUMA|chunk' /tmp/kmsg | tr '\n' '|')"
done_test numa_cores_chunks_distances

check "down" lwkboot down
same "CPUs back" 0-5 "$(cat /sys/devices/system/cpu/online)"
near "free memory" "$mem0" "$(memfree)"
done_test numa_nothing_lost
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
