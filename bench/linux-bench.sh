#!/bin/sh
# Runs inside the Linux VM (bench/linux-bench starts it with 8 vCPUs).
# Median of REPEAT runs for every figure; Linux keeps CPU 0.
REPEAT=${REPEAT:-3}
MEM_MB=64
med() { sort -n | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : "n/a") }'; }
us() { sed -n 's/^elapsed_us=\([0-9]*\).*/\1/p'; }
cpus_for() { case $1 in 1) echo 7 ;; 3) echo 5-7 ;; 7) echo 1-7 ;; esac; }
list_of() { echo "$1" | awk -F- '{ if (NF == 1) print $1; else for (i = $1; i <= $2; i++) printf "%d ", i }'; }
sysfs_online() {	# time Linux takes to online CPUs LIST (after taking them offline)
	for c in $1; do echo 0 > /sys/devices/system/cpu/cpu$c/online; done
	lwkb-timeit sh -c "for c in $1; do echo 1 > /sys/devices/system/cpu/cpu\$c/online; done" 2>&1 | us
}

echo "== lwkboot up, split by step, next to Linux (${MEM_MB} MiB)"
for n in 1 3; do
	cpus=$(cpus_for $n); list=$(list_of $cpus)
	: > /tmp/steps; : > /tmp/online; : > /tmp/huge
	i=0
	while [ $i -lt $REPEAT ]; do
		i=$((i + 1))
		lwkboot up -v -c $cpus -m ${MEM_MB}M@0 2>/tmp/up >/dev/null || { cat /tmp/up; exit 1; }
		sed -n 's/^lwkboot: up: \([a-z_]*\) \([0-9]*\) us$/\1 \2/p' /tmp/up >> /tmp/steps
		lwkboot down || exit 1
		sysfs_online "$list" >> /tmp/online
		lwkb-timeit sh -c "echo $((MEM_MB / 2)) > /proc/sys/vm/nr_hugepages" 2>&1 | us >> /tmp/huge
		echo 0 > /proc/sys/vm/nr_hugepages
	done
	echo "  $n LWK core(s), CPUs $cpus:"
	for s in load_module reserve_mem reserve_cpu create_assign load boot_to_running; do
		printf '    lwkboot up: %-16s %8s us\n' $s "$(awk -v s=$s '$1 == s { print $2 }' /tmp/steps | med)"
	done
	printf '    Linux: online %d CPU(s) via sysfs  %8s us\n' $n "$(med < /tmp/online)"
	printf '    Linux: %d x 2 MiB huge pages       %8s us\n' $((MEM_MB / 2)) "$(med < /tmp/huge)"
done

echo "== boot latency (boot request -> RUNNING) next to Linux onlining as many CPUs"
for n in 1 3 7; do
	cpus=$(cpus_for $n); list=$(list_of $cpus)
	: > /tmp/boot; : > /tmp/online
	lwkboot up -c $cpus -m 16M@0 >/dev/null || exit 1
	lwkboot shutdown || exit 1
	i=0
	while [ $i -lt $REPEAT ]; do
		i=$((i + 1))
		lwkb-timeit sh -c 'lwkboot boot && lwkboot status --wait RUNNING --timeout 30' 2>&1 | us >> /tmp/boot
		lwkboot shutdown || exit 1
	done
	lwkboot down || exit 1
	i=0
	while [ $i -lt $REPEAT ]; do i=$((i + 1)); sysfs_online "$list" >> /tmp/online; done
	printf '  %d LWK core(s): lwkboot boot -> RUNNING %8s us   Linux online via sysfs %8s us\n' \
		$n "$(med < /tmp/boot)" "$(med < /tmp/online)"
done

echo "== IKC round trip (64-byte messages, 2000 per run) next to a pipe ping-pong"
lwkboot up -c 6-7 -m 16M@0 >/dev/null || exit 1
for db in Y N; do
	echo $db > /sys/module/lwkboot/parameters/ikc_doorbell
	: > /tmp/rtt
	i=0
	while [ $i -lt $REPEAT ]; do
		i=$((i + 1))
		lwkboot ikc-ping -n 2000 -s 64 | sed -n 's/.*median \([0-9.]*\) us.*/\1/p' >> /tmp/rtt
	done
	[ $db = Y ] && what="doorbell IPI to the LWK" || what="no doorbell (LWK polls every 10 ms tick)"
	printf '  IKC, %-42s median %8s us\n' "$what" "$(med < /tmp/rtt)"
done
echo Y > /sys/module/lwkboot/parameters/ikc_doorbell
: > /tmp/pipe
i=0
while [ $i -lt $REPEAT ]; do
	i=$((i + 1))
	lwkb-timeit --pipe-ping 2000 0 1 | sed -n 's/^pipe_rtt_median_us=\([0-9.]*\).*/\1/p' >> /tmp/pipe
done
printf '  %-47s median %8s us\n' "pipe ping-pong, Linux CPUs 0 and 1" "$(med < /tmp/pipe)"

echo "== shutdown latency (2 LWK cores)"
: > /tmp/grace; : > /tmp/force
i=0
while [ $i -lt $REPEAT ]; do
	i=$((i + 1))
	lwkb-timeit lwkboot shutdown 2>&1 | us >> /tmp/grace
	lwkboot boot && lwkboot status --wait RUNNING --timeout 30 || exit 1
	lwkb-timeit lwkboot shutdown --force 2>&1 | us >> /tmp/force
	lwkboot boot && lwkboot status --wait RUNNING --timeout 30 || exit 1
done
# The command's time includes starting lwkboot; the module logs its own.
kg=$(dmesg | sed -n 's/.*shut down gracefully in \([0-9]*\) us.*/\1/p' | tail -$REPEAT | med)
kf=$(dmesg | sed -n 's/.*shut down by INIT in \([0-9]*\) us.*forced.*/\1/p' | tail -$REPEAT | med)
printf '  graceful (park every core, then INIT)  command %8s us, in the module %8s us\n' "$(med < /tmp/grace)" "$kg"
printf '  forced (INIT at once)                  command %8s us, in the module %8s us\n' "$(med < /tmp/force)" "$kf"
lwkboot down
