#!/bin/sh
# Runs inside the Linux VM (bench/linux-scale-bench starts it with 64 vCPUs
# in x2APIC mode).  Median of REPEAT boots for every figure.  One instance
# takes the highest 61 CPUs once (taking CPUs offline and back costs
# seconds each under TCG); for fewer cores it gives some back to the pool.
REPEAT=${REPEAT:-3}
med() { sort -n | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : "n/a") }'; }
us() { sed -n 's/^elapsed_us=\([0-9]*\).*/\1/p'; }
img=/usr/lib/lwkboot/cokernel.elf
last=$(( $(grep -c ^processor /proc/cpuinfo) - 1 ))

echo "== boot request -> RUNNING (lwkboot boot, then status --wait RUNNING), 16 MiB"
printf '  %-9s %-11s %14s %22s\n' "LWK cores" "start" "boot->RUNNING" "LWK starts its cores"
lwkboot up -c $((last - 60))-$last -m 16M -t 600 $img >/dev/null || exit 1
lwkboot shutdown || exit 1
have=61
for n in 61 31 7 1; do
	[ $n -lt $have ] && { lwkboot -o 0 release cpu $((last - have + 1))-$((last - n)) || exit 1; }
	have=$n
	for mode in parallel serial; do
		[ $n = 1 ] && [ $mode = serial ] && continue
		[ $mode = serial ] && k=demo.serial_boot=1 || k=demo.serial_boot=0
		lwkboot kargs "$k" || exit 1
		: > /tmp/boot; : > /tmp/lwk
		i=0
		while [ $i -lt $REPEAT ]; do
			i=$((i + 1))
			lwkboot clear_kmsg
			lwkb-timeit sh -c 'lwkboot boot && lwkboot status --wait RUNNING --timeout 600' 2>&1 | us >> /tmp/boot
			lwkboot kmsg | sed -n 's/^demo: started [0-9]* cores .* in \([0-9]*\) us$/\1/p' | tail -1 >> /tmp/lwk
			lwkboot shutdown || exit 1
		done
		[ $mode = serial ] && what="one by one" || what="in parallel"
		printf '  %-9s %-11s %11s us %19s us\n' $n "$what" "$(med < /tmp/boot)" "$(med < /tmp/lwk)"
	done
done
lwkboot down || exit 1
