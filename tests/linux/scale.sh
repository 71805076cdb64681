#!/bin/sh
# Many CPUs (qemu/linux-vm --smp 64 --x2apic --mem 1G): an LWK on CPUs 2-63
# (62 cores) comes up and goes down twice with nothing lost (every CPU back
# online, the memory back, every core RUNNING, the last one on CPU 63 with
# its APIC id); CPU numbers this kernel cannot have (64, 1024, 8191: its
# nr_cpu_ids is 64) are refused by name, by the command and by the module
# itself (lwkb-rawctl), and change nothing.  Prints how long each step
# took.  Ends with "N passed, N failed".
. /root/lib.sh
ko=/lib/modules/$(uname -r)/extra/lwkboot.ko
img=/usr/lib/lwkboot/cokernel.elf
online() { cat /sys/devices/system/cpu/online; }
state() { echo "online=$(online) reserved=$(lwkboot query cpu 2>&1) os=$(lwkboot list 2>&1 | tr '\n' ' ')"; }
t0=$(date +%s)
took() { echo "  ($1: $(( $(date +%s) - t0 )) s)"; t0=$(date +%s); }
# The kernel messages since mark (the log is not cleared: linux-vm checks it).
mark() { marked=$(dmesg | wc -l); }
since_mark() { dmesg | tail -n +$((marked + 1)); }

if [ "$(online)" != 0-63 ] || [ "$(cat /sys/devices/system/cpu/possible)" != 0-63 ]; then
	setup_fail "want CPUs 0-63 (qemu/linux-vm --smp 64), have $(online)"
fi
need_x2apic_if_asked
echo "  (kernel taint at start: $(cat /proc/sys/kernel/tainted))"
# With 64 vCPUs under TCG Linux's own remove_cpu() waits in D state for
# more than linux-vm's 5 s (cpu_down_maps_locked -> work_on_cpu, seen at
# 7-8 s on a loaded host): report only waits of 60 s, still far below
# Linux's default 120 s.
echo 60 > /proc/sys/kernel/hung_task_timeout_secs
apic63=$(awk '/^processor/ { p = $3 } /^apicid/ && p == 63 { print $3 }' /proc/cpuinfo)
mem0=$(memfree)

for round in 1 2; do
	check "up on CPUs 2-63" lwkboot up -v -c 2-63 -m 64M $img
	took "round $round: up"
	grep '^lwkboot: up: ' /tmp/out | sed 's/^lwkboot: /    /'
	same "status" RUNNING "$(lwkboot -o 0 status)"
	same "the instance's CPUs" 2-63 "$(lwkboot -o 0 query cpu)"
	same "Linux keeps" 0-1 "$(online)"
	lwkboot -o 0 status -v > /tmp/st
	same "cores up" "cores 62 cores_up 62" "$(grep -E '^cores(_up)? ' /tmp/st | tr '\n' ' ' | sed 's/ $//')"
	lwkboot -o 0 kmsg > /tmp/kmsg
	grep -qF "demo: core 61 up (cpu 63, APIC id $apic63," /tmp/kmsg ||
		note "kmsg: no 'core 61 up (cpu 63, APIC id $apic63, ...)': $(grep 'core 61' /tmp/kmsg)"
	check "down" lwkboot down
	took "round $round: down"
	same "every CPU back" 0-63 "$(online)"
	same "module unloaded" "" "$(grep -w ^lwkboot /proc/modules)"
	near "free memory" "$mem0" "$(memfree)"
	done_test "up_down_62_cores_round_$round"
done

# ---- CPU numbers beyond nr_cpu_ids (64) ----
check "insmod" insmod $ko tramp_addr=0x70000 tramp_pages=16
before=$(state)
refuse "reserve CPU 64" "reserve cpu: CPU 64 does not exist: this kernel's CPUs are 0-63" \
	lwkboot reserve cpu 2,64
refuse "reserve CPU 1024" "CPU 1024 does not exist: this kernel's CPUs are 0-63" \
	lwkboot reserve cpu 1024
refuse "reserve CPU 8191" "CPU 8191 does not exist" lwkboot reserve cpu 8191
refuse "reserve CPUs 8000-8191" "CPU 8000 does not exist" lwkboot reserve cpu 3,8000-8191
refuse "reserve CPU 8192" "CPU 8192 out of range \(0-8191\)" lwkboot reserve cpu 8192
refuse "up on CPU 1024" "up: CPU 1024 does not exist" lwkboot up -c 2,1024 -m 64M $img
mark
for c in 64 1024 8191; do
	same "module: reserve CPU $c" EINVAL "$(lwkb-rawctl reserve-cpu $c)"
	since_mark | grep -qF "CPU $c does not exist: this kernel's CPUs are 0-63" ||
		note "module: no message naming CPU $c: $(since_mark | tail -2)"
done
same "nothing changed" "$before" "$(state)"
done_test refuse_reserve_beyond_nr_cpu_ids

same "create" 0 "$(lwkboot create)"
check "reserve CPUs 2-3" lwkboot reserve cpu 2-3
check "set ikc_map" lwkboot -o 0 set ikc_map 2-3:1
before="$(state) map=$(lwkboot -o 0 get ikc_map)"
refuse "assign CPU 1024" "assign cpu: CPU 1024 does not exist" lwkboot -o 0 assign cpu 2,1024
refuse "ikc_map from CPU 5000" "set ikc_map: CPU 5000 does not exist" \
	lwkboot -o 0 set ikc_map 2,5000:1
refuse "ikc_map to CPU 64" "set ikc_map: CPU 64 does not exist" lwkboot -o 0 set ikc_map 2:64
mark
same "module: assign CPU 4000" EINVAL "$(lwkb-rawctl assign-cpu 0 4000)"
since_mark | grep -qF "CPU 4000 does not exist" || note "module: no message naming CPU 4000"
same "module: IKC from CPU 1500" EINVAL "$(lwkb-rawctl ikc-map 0 1500 0)"
since_mark | grep -qF "IKC map: CPU 1500 does not exist" || note "module: no message naming CPU 1500"
same "module: IKC to CPU 1500" EINVAL "$(lwkb-rawctl ikc-map 0 3 1500)"
since_mark | grep -qF "IKC map: destination 1500 of CPU 3 is not a Linux CPU" ||
	note "module: no message naming destination 1500"
same "module: IKC map of 8193 entries" EINVAL "$(lwkb-rawctl ikc-count 0 8193)"
since_mark | grep -qF "an IKC map of 8193 entries: at most 8192" || note "module: no message for 8193 entries"
same "module: IKC map of 2^32-1 entries" EINVAL "$(lwkb-rawctl ikc-count 0 4294967295)"
same "nothing changed" "$before" "$(state) map=$(lwkboot -o 0 get ikc_map)"
same "module: IKC map of 8192 entries, none set" ok "$(lwkb-rawctl ikc-count 0 8192)"
same "map cleared" "" "$(lwkboot -o 0 get ikc_map)"
check "down" lwkboot down
same "every CPU back" 0-63 "$(online)"
done_test refuse_assign_and_ikc_beyond_nr_cpu_ids

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
