#!/bin/sh
# CPU hot-removal under lwkboot, inside the Linux VM started by
# qemu/linux-vm --smp 4 --hotplug-cpus 1: CPUs 0-3 plus CPU 4, a QEMU CPU
# device (hpcpu0) that an ACPI eject can take away.  A reserved CPU is
# offline in Linux, so the eject succeeds and Linux forgets the CPU
# (cpu_present clear, APIC id BAD_APICID).  Checked: boot refuses it
# before any IPI (in xAPIC mode BAD_APICID would be the broadcast
# destination), the rest still boots, release and rmmod drop it without an
# Oops, and a CPU added back is Linux's again.  Ends with "N passed, N failed".
. /root/lib.sh
ko=/lib/modules/$(uname -r)/extra/lwkboot.ko
img=/usr/lib/lwkboot/cokernel.elf
online() { cat /sys/devices/system/cpu/online; }
present() { cat /sys/devices/system/cpu/present; }
H=4	# the hot-pluggable CPU
add_back() {	# QEMU adds hpcpu0 again; Linux registers it offline, then onlines it
	qemu_monitor "device_add max-x86_64-cpu,socket-id=$H,core-id=0,thread-id=0,id=hpcpu0"
	wait_for 60 sh -c "[ \"\$(cat /sys/devices/system/cpu/present)\" = 0-$H ]" ||
		note "CPU $H did not come back (present: $(present))"
	wait_for 10 test -e /sys/devices/system/cpu/cpu$H/online
	[ "$(cat /sys/devices/system/cpu/cpu$H/online 2>/dev/null)" = 1 ] ||
		echo 1 > /sys/devices/system/cpu/cpu$H/online 2>/tmp/out ||
		note "onlining CPU $H again failed: $(cat /tmp/out)"
}
eject() {	# QEMU asks Linux to eject hpcpu0; Linux removes the (offline) CPU
	qemu_monitor "device_del hpcpu0"
	wait_for 60 sh -c "[ \"\$(cat /sys/devices/system/cpu/present)\" = 0-$((H - 1)) ]" ||
		note "CPU $H was not ejected (present: $(present))"
}

if [ "$(present)" != "0-$H" ] || [ "$(online)" != "0-$H" ]; then
	setup_fail "CPUs present $(present), online $(online); run with qemu/linux-vm --smp 4 --hotplug-cpus 1"
fi
need_x2apic_if_asked
mem0=$(memfree)

check "insmod" insmod $ko tramp_addr=0x70000 tramp_pages=16
check "reserve cpu" lwkboot reserve cpu 3-$H
check "reserve mem" lwkboot reserve mem 32M@0
same "create" 0 "$(lwkboot create)"
check "assign cpu" lwkboot -o 0 assign cpu 3-$H
check "assign mem" lwkboot -o 0 assign mem all
check "load" lwkboot -o 0 load $img
eject
same "CPU $H still reserved" "3-$H" "$(lwkboot query cpu)"
dmesg -c > /dev/null
refuse "boot with an ejected CPU" "No such device" lwkboot -o 0 boot
dmesg | grep -q "os0: CPU $H is no longer present" ||
	note "the kernel log does not name the ejected CPU: $(dmesg | grep lwkboot | tail -3)"
same "status after the refused boot" INACTIVE "$(lwkboot -o 0 status)"
done_test boot_refuses_an_ejected_cpu

check "os release the ejected CPU" lwkboot -o 0 release cpu $H
refuse "assign it again" "No such device" lwkboot -o 0 assign cpu $H
check "boot on the CPU left" lwkboot -o 0 boot
check "RUNNING" lwkboot -o 0 status --wait RUNNING --timeout 30
lwkboot -o 0 kmsg | grep -qxF 'demo: all 1 cores up, RUNNING' ||
	note "kmsg lacks 'all 1 cores up': $(lwkboot -o 0 kmsg | tail -3)"
check "shutdown" lwkboot -o 0 shutdown
check "destroy" lwkboot destroy 0
dmesg -c > /dev/null
check "release both" lwkboot release cpu 3-$H
dmesg | grep -q "CPU $H was hot-removed while reserved: dropped from the reserve" ||
	note "release did not say it dropped CPU $H: $(dmesg | tail -3)"
same "reserve empty" "" "$(lwkboot query cpu)"
same "online after release" "0-3" "$(online)"
done_test the_rest_boots_and_release_drops_it

# Module unload with an ejected CPU still reserved: it used to reach
# add_cpu() with no CPU device (a NULL dereference in device_online()).
add_back
same "CPU $H online again" "0-$H" "$(online)"
check "reserve it" lwkboot reserve cpu $H
eject
check "rmmod with it reserved" rmmod lwkboot
grep -q '^lwkboot ' /proc/modules && note "lwkboot is still loaded"
add_back
same "all CPUs online" "0-$H" "$(online)"
near "free memory" "$mem0" "$(memfree)"
done_test rmmod_drops_an_ejected_cpu

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
