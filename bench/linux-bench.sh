#!/bin/sh
# Runs inside the Linux VM (bench/linux-bench starts it).  For 1 and 3 LWK
# cores: `lwkboot up` split by step, and next to it what Linux itself takes
# to bring the same CPUs online through sysfs and to allocate the same
# memory as 2 MiB huge pages.  Median of REPEAT runs.
REPEAT=${REPEAT:-3}
MEM_MB=64
med() { sort -n | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : "n/a") }'; }
us() { sed -n 's/^elapsed_us=\([0-9]*\).*/\1/p'; }

for n in 1 3; do
	[ $n = 1 ] && cpus=3 || cpus=1-3
	list=$(echo $cpus | awk -F- '{ if (NF == 1) print $1; else for (i = $1; i <= $2; i++) printf "%d ", i }')
	: > /tmp/steps
	: > /tmp/online
	: > /tmp/huge
	i=0
	while [ $i -lt $REPEAT ]; do
		i=$((i + 1))
		lwkboot up -v -c $cpus -m ${MEM_MB}M@0 2>/tmp/up >/dev/null || { cat /tmp/up; exit 1; }
		sed -n 's/^lwkboot: up: \([a-z_]*\) \([0-9]*\) us$/\1 \2/p' /tmp/up >> /tmp/steps
		lwkboot down || exit 1
		for c in $list; do echo 0 > /sys/devices/system/cpu/cpu$c/online; done
		lwkb-timeit sh -c "for c in $list; do echo 1 > /sys/devices/system/cpu/cpu\$c/online; done" 2>>/tmp/online
		lwkb-timeit sh -c "echo $((MEM_MB / 2)) > /proc/sys/vm/nr_hugepages" 2>>/tmp/huge
		got=$(awk '/^HugePages_Total/ { print $2 }' /proc/meminfo)
		[ "$got" = $((MEM_MB / 2)) ] || echo "note: only $got huge pages could be had" >&2
		echo 0 > /proc/sys/vm/nr_hugepages
	done
	echo "== $n LWK core(s) (CPUs $cpus), ${MEM_MB} MiB, median of $REPEAT"
	for s in load_module reserve_mem reserve_cpu create_assign load boot_to_running; do
		printf '  lwkboot up: %-16s %8s us\n' $s "$(awk -v s=$s '$1 == s { print $2 }' /tmp/steps | med)"
	done
	printf '  Linux: online %d CPU(s) via sysfs  %8s us\n' $n "$(us < /tmp/online | med)"
	printf '  Linux: %d x 2 MiB huge pages       %8s us\n' $((MEM_MB / 2)) "$(us < /tmp/huge | med)"
done
