#!/bin/sh
# Runs in qemu/linux-vm --ipi-broadcast --allow-reboot (no no_ipi_broadcast=1
# on the command line, init_on_alloc=0), --smp 5 or more, as root: the host
# as an admin who skipped the README's prerequisites would run it, and an
# LWK that must survive it.  tests/linux/broadcast-test runs it and checks
# the console log around the final `reboot -f`.
ko=/lib/modules/$(uname -r)/extra/lwkboot.ko
img=/usr/lib/lwkboot/cokernel.elf
dummy=/lib/modules/$(uname -r)/extra/dummy.ko
. /root/lib.sh		# note, check, refuse, same, done_test
ncpu=$(grep -c ^processor /proc/cpuinfo)
A=$((ncpu - 2)) B=$((ncpu - 1))
LIN="0-$((A - 1))" ALL="0-$B"

# ---- the command refuses a host that broadcasts, and changes nothing ----
grep -qw no_ipi_broadcast=1 /proc/cmdline && note "booted with no_ipi_broadcast=1: this test needs linux-vm --ipi-broadcast"
refuse "up without no_ipi_broadcast=1" "lacks no_ipi_broadcast=1" lwkboot up -c $A-$B -m 16M@0
[ -e /dev/mcd0 ] && note "the refused up loaded the module"
same "CPUs untouched" "$ALL" "$(cat /sys/devices/system/cpu/online)"
check "up --allow-ipi-broadcast" lwkboot up --allow-ipi-broadcast -c $A-$B -m 16M@0
same "RUNNING" RUNNING "$(lwkboot -o 0 status)"
done_test refuses_without_no_ipi_broadcast

# ---- a flood of all-CPU calls reaches the LWK; it counts and goes on ----
# Static-key flips patch kernel text (text_poke: IPIs to every CPU), as do
# module loads; with 3 Linux CPUs online Linux sends them all-but-self.
i=0
while [ $i -lt 200 ]; do
	echo $((i % 2)) > /proc/sys/kernel/sched_schedstats
	i=$((i + 1))
done
for i in 1 2 3 4 5; do insmod $dummy && rmmod dummy || note "dummy.ko load/unload failed"; done
sleep 0.5
same "still RUNNING after the flood" RUNNING "$(lwkboot -o 0 status)"
lwkboot -o 0 status -v > /tmp/sv
strays=$(sed -n 's/^stray_irqs //p' /tmp/sv)
[ "${strays:-0}" -gt 0 ] || note "no stray interrupt counted: $(tr '\n' ' ' < /tmp/sv)"
lwkboot -o 0 kmsg | grep -q 'stray interrupt, vector 0x' || note "kmsg does not report the first stray interrupt"
echo "broadcast: $strays stray interrupts, last vector $(sed -n 's/^stray_vector //p' /tmp/sv)"
out=$(lwkboot -o 0 ikc-ping -n 200 2>&1) || note "ikc-ping after the flood: $out"
check "graceful shutdown" lwkboot -o 0 shutdown
dmesg | tail -3 | grep -q 'os0: shut down gracefully' || note "the shutdown was not graceful"
lwkboot -o 0 kmsg | grep -E 'parked: [1-9][0-9]* stray interrupts' >/dev/null ||
	note "kmsg lacks the per-core stray counts at shutdown: $(lwkboot -o 0 kmsg | grep parked)"
done_test lwk_survives_broadcast_ipis

# ---- boot refuses too; the override works step by step ----
refuse "boot without no_ipi_broadcast=1" "lacks no_ipi_broadcast=1" lwkboot -o 0 boot
same "still INACTIVE" INACTIVE "$(lwkboot -o 0 status)"
# ikc-ping's round-trip buffer: with init_on_alloc=0 an unzeroed buffer would
# hand old kernel memory to the caller for every unanswered message.
dd if=/dev/urandom of=/tmp/noise bs=1M count=32 2>/dev/null; rm -f /tmp/noise
check "kargs" lwkboot -o 0 kargs demo.echo_max=100
check "boot --allow-ipi-broadcast" lwkboot -o 0 boot --allow-ipi-broadcast
check "RUNNING" lwkboot -o 0 status --wait RUNNING --timeout 30
out=$(lwkboot -o 0 ikc-ping -n 200000 2>&1)
case $out in
*"stale data"*) note "ikc-ping: $out" ;;
*"ikc-ping: 200000 messages"*"lost 199900,"*) ;;
*) note "ikc-ping with replies stopping after 100: $out" ;;
esac
done_test ping_returns_no_stale_memory

# ---- lockdown: no co-kernel may be loaded or booted ----
mount -t securityfs none /sys/kernel/security 2>/dev/null
check "lockdown=integrity" sh -c 'echo integrity > /sys/kernel/security/lockdown'
same "RUNNING under lockdown" RUNNING "$(lwkboot -o 0 status)"
same "create" 1 "$(lwkboot create)"
refuse "load under lockdown" "locked down" lwkboot -o 1 load $img
dmesg | tail -5 | grep -q 'os1: the kernel is locked down' || note "dmesg lacks the lockdown refusal"
done_test lockdown_refuses_load

echo "$pass passed, $fail failed"
# ---- reboot with the LWK running: the module INITs it first ----
echo "broadcast: rebooting with os0 RUNNING"
sync
reboot -f
