#!/bin/sh
# A control for tests/linux/scale.sh, without lwkboot: Linux alone takes
# CPUs 2-63 offline through sysfs and brings them back, twice, the way
# the module's reserve and release do (remove_cpu/add_cpu).  Prints the
# kernel's warnings, so that one seen under scale.sh can be told apart
# from Linux's own under TCG.  Run by hand:
#   qemu/linux-vm --kernel 6.12 --smp 64 --x2apic --mem 1G \
#       --append "lpj=8384152 quiet no_timer_check" --timeout 1800 \
#       tests/linux/hotplug-control.sh
# Ends with "N passed, N failed" (a round passes when every CPU is back).
echo 60 > /proc/sys/kernel/hung_task_timeout_secs
pass=0 fail=0
for round in 1 2; do
	t0=$(date +%s)
	for c in $(seq 2 63); do echo 0 > /sys/devices/system/cpu/cpu$c/online; done
	t1=$(date +%s)
	for c in $(seq 2 63); do echo 1 > /sys/devices/system/cpu/cpu$c/online; done
	t2=$(date +%s)
	on=$(cat /sys/devices/system/cpu/online)
	echo "round $round: offline 62 CPUs $((t1 - t0)) s, online $((t2 - t1)) s; online now $on"
	if [ "$on" = 0-63 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "kernel warnings: $(dmesg | grep -c 'WARNING')"
dmesg | grep -E 'WARNING|Dying CPU' | sort | uniq -c | head -10
echo "$pass passed, $fail failed"
