#!/bin/sh
# A core that arrives after the host gave up on it (wake_timeout_us=1 makes
# every wake time out while LWK core 0 is still on its way), then normal
# boots and shutdowns: the VM must survive and every normal boot must work.
. /root/lib.sh
ko=/lib/modules/$(uname -r)/extra/lwkboot.ko
img=/usr/lib/lwkboot/cokernel.elf
P=/sys/module/lwkboot/parameters
ncpu=$(grep -c ^processor /proc/cpuinfo)
A=$((ncpu - 2)) B=$((ncpu - 1))
N=${LATE_CYCLES:-20}
check "insmod" insmod $ko tramp_addr=0x70000 tramp_pages=16
check "reserve cpu" lwkboot reserve cpu $A-$B
check "reserve mem" lwkboot reserve mem 64M@0
same "create" 0 "$(lwkboot create)"
check "assign cpu" lwkboot -o 0 assign cpu $A-$B
check "assign mem" lwkboot -o 0 assign mem all
check "load" lwkboot -o 0 load $img
i=0 ok=0 late_boots=0
while [ $i -lt $N ]; do
	echo "late-core: cycle $i: a boot that gives up at once"
	echo 1 > $P/wake_timeout_us
	late=1
	if lwkboot -o 0 boot >/tmp/out 2>&1; then
		late=0		# the core was fast enough after all: not a test
		lwkboot -o 0 status --wait RUNNING --timeout 30 >/dev/null 2>&1
		lwkboot -o 0 shutdown >/dev/null 2>&1
	fi
	late_boots=$((late_boots + late))
	echo 0 > $P/wake_timeout_us
	dmesg | tail -3 | sed 's/^/  /'
	sleep 0.$((i % 10))
	echo "late-core: cycle $i: a normal boot"
	if lwkboot -o 0 boot >/tmp/out 2>&1 &&
	   lwkboot -o 0 status --wait RUNNING --timeout 30 >/tmp/out 2>&1 &&
	   lwkboot -o 0 shutdown >/tmp/out 2>&1; then
		ok=$((ok + 1))
	else
		note "cycle $i: normal boot/shutdown failed: $(head -c 200 /tmp/out)"
		dmesg | tail -4 | sed 's/^/  /'
		lwkboot -o 0 shutdown >/dev/null 2>&1
	fi
	i=$((i + 1))
done
same "normal boots after a wake that gave up" $N $ok
[ $late_boots -gt 0 ] || note "no wake gave up: nothing was tested"
echo "late-core: $late_boots of $N wakes gave up on a late core"
done_test late_core_survives
lwkboot -o 0 kmsg | tail -20
echo "$pass passed, $fail failed"
[ $fail = 0 ]
