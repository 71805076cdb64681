#!/bin/sh
# Unmodified Linux kernels as lwkboot co-kernels (docs/linux-cokernel.md),
# run by qemu/linux-vm --smp 4 in a host of either series.  Each co-kernel
# series in turn: `lwkboot up` of Debian's bzImage with the tree's
# co-kernel initramfs on CPUs 2-3 and 512 MiB, then RUNNING with both
# cores, its own "Linux version" line in kmsg, the CPUs and the memory it
# was given (its e820 log: exactly the assigned memory, the low window and
# the tables), its workload's result, a host workload beside it, a clean
# host log (linux-vm checks it), and after `down` every CPU online and the
# memory back.  Then the failures, on the co-kernel series given as $1
# (lwkb.fail_series= on the host's command line, default the other series):
# a panic is PANIC on the host and shutdown recovers it; a hang becomes
# HUNGUP; `reboot -f` inside leaves the machine running (linux-vm runs
# QEMU with -no-reboot: a reset would end the VM before this script).
. /root/lib.sh
lx=/usr/share/lwkboot/linux
fail_series=$(sed -n 's/.*lwkb\.fail_series=\([0-9.]*\).*/\1/p' /proc/cmdline)
[ -n "$fail_series" ] || case $(uname -r) in 6.1.*) fail_series=6.12 ;; *) fail_series=6.1 ;; esac
echo "host $(uname -r), $(nproc) CPUs; failures on the $fail_series co-kernel"

# The kernel's release as its bzImage says (boot.rst: kernel_version, a
# pointer at 0x20e to a string at 0x200 + it in the setup code).
bz_release() {
	off=$(od -An -tu2 -j $((0x20e)) -N2 "$1" | tr -d ' ')
	dd if="$1" bs=1 skip=$((off + 0x200)) count=80 2>/dev/null | cut -d' ' -f1
}

kmsg_has() { lwkboot kmsg 2>/dev/null | grep -q "$1"; }
up_cok() {	# up_cok SERIES [KARGS]: 512 MiB with the workload, 256 MiB without
	m=512M; [ -n "$2" ] && m=256M
	lwkboot up -t 180 -c 2-3 -m $m@0 ${2:+-k "$2"} -i $lx/initrd.img $lx/vmlinuz-$1
}

# With qemu/linux-vm --trace-io (tests/linux/cokernel-test), the first
# co-kernel boots step by step and QEMU traces device accesses from just
# before the boot (lwkboot has taken CPUs 2-3 from Linux) until before
# `down` gives them back: every access by vCPU 2 or 3 then is the
# co-kernel's, and cokernel-test checks them.
traced=0
grep -q 'lwkb\.trace_io=1' /proc/cmdline && traced=1
trace() {	# trace on|off
	qemu_monitor "trace-event memory_region_ops_read $1"
	qemu_monitor "trace-event memory_region_ops_write $1"
	sleep 2		# linux-vm relays the lines to QEMU's monitor
}
up_traced() {	# up_traced SERIES: up's steps, with the trace on before boot
	insmod /lib/modules/$(uname -r)/extra/lwkboot.ko tramp_addr=0x70000 tramp_pages=16 \
		linux_windows=1 && lwkboot reserve cpu 2-3 && lwkboot reserve mem 512M@0 &&
		lwkboot create > /dev/null && lwkboot assign cpu 2-3 && lwkboot assign mem "$(lwkboot query mem)" &&
		lwkboot load $lx/vmlinuz-$1 --initrd $lx/initrd.img || return 1
	echo "=== lwkb-trace-on" > /dev/console
	trace on
	lwkboot boot && lwkboot status --wait RUNNING --timeout 180 > /dev/null
}

# The co-kernel's e820 log: RAM and reserved in bytes, and the entries.
e820_sum() {	# e820_sum usable|reserved
	lwkboot kmsg | sed -n "s/.*BIOS-e820: \[mem 0x\([0-9a-f]*\)-0x\([0-9a-f]*\)\] $1\$/\1 \2/p" |
		while read a b; do echo $(( 0x$b - 0x$a + 1 )); done | awk '{ s += $1 } END { print s + 0 }'
}

# A workload on the host's own CPUs meanwhile: the same hash twice.
host_work() {
	yes lwkboot-host-workload | head -c 16777216 | md5sum | cut -d' ' -f1 > /tmp/host.$1
}

for s in 6.1 6.12; do
	t0=$(date +%s)
	[ -f $lx/vmlinuz-$s ] || { note "no $lx/vmlinuz-$s"; done_test "cokernel $s: boot"; continue; }
	rel=$(bz_release $lx/vmlinuz-$s)
	free0=$(memfree)
	host_work a & hw=$!
	if [ $traced = 1 ]; then
		check "up $s, traced" up_traced $s
	else
		check "up $s" up_cok $s
	fi
	same "status" RUNNING "$(lwkboot status 2>&1)"
	same "cores up" "cores_up 2" "$(lwkboot status -v | grep '^cores_up')"
	wait_for 180 kmsg_has "lwkcok: RESULT" || note "no RESULT line in kmsg after 180 s"
	host_work b
	wait $hw
	lwkboot kmsg > /tmp/kmsg.$s
	timeout 3 lwkboot kmsg -f > /tmp/kmsg-f.$s 2>&1
	grep -q "lwkcok: RESULT" /tmp/kmsg-f.$s || note "kmsg -f did not show the co-kernel's log"
	grep -q "Linux version $rel " /tmp/kmsg.$s || note "kmsg has no 'Linux version $rel' line"
	grep -q "lwkcok: Linux $rel: cpus=2 online=0-1 present=0-1" /tmp/kmsg.$s ||
		note "CPUs: $(grep 'lwkcok: Linux' /tmp/kmsg.$s)"
	grep -q "lwkcok: RESULT ok cpus=2 passed=2" /tmp/kmsg.$s ||
		note "workload: $(grep 'lwkcok: RESULT' /tmp/kmsg.$s)"
	# Memory: the e820 lists the assigned 512 MiB (the tables reserved in
	# it) and the 64 KiB window, nothing else; MemTotal is below that.
	same "e820 usable + reserved" $(( 512 * 1048576 + 65536 )) $(( $(e820_sum usable) + $(e820_sum reserved) ))
	same "e820 entry types" 0 "$(grep 'BIOS-e820:' /tmp/kmsg.$s | grep -cvE 'usable$|reserved$')"
	same "window" 1 "$(grep -c 'BIOS-e820: \[mem 0x0000000000080000-0x000000000008ffff\] usable' /tmp/kmsg.$s)"
	mt=$(sed -n 's/.*lwkcok: memory: MemTotal: \([0-9]*\) kB.*/\1/p' /tmp/kmsg.$s)
	[ -n "$mt" ] && [ "$mt" -le $((512 * 1024)) ] && [ "$mt" -gt $((400 * 1024)) ] ||
		note "co-kernel MemTotal '$mt' kB for 512 MiB assigned"
	same "host workload" "$(cat /tmp/host.a)" "$(cat /tmp/host.b)"
	if [ $traced = 1 ]; then
		trace off
		echo "=== lwkb-trace-off" > /dev/console
		traced=0
	fi
	check "down $s" lwkboot down
	same "CPUs online after down" 0-3 "$(cat /sys/devices/system/cpu/online)"
	near "memory after down" "$free0" "$(memfree)"
	echo "cokernel $s: $(( $(date +%s) - t0 )) s"
	done_test "cokernel $s: RUNNING, its log, CPUs, memory, workload, down"
done

s=$fail_series
# A panic: PANIC on the host, then shutdown brings the CPUs back.
t0=$(date +%s)
check "up $s, then panic" up_cok $s 'lwkcok.work=0 lwkcok.then=panic'
lwkboot status --wait PANIC --timeout 180 > /dev/null 2>&1 || note "status $(lwkboot status) after the panic, not PANIC"
wait_for 20 kmsg_has "Kernel panic - not syncing: sysrq triggered crash" || note "no panic message in kmsg"
check "shutdown after panic" lwkboot shutdown
same "status after shutdown" INACTIVE "$(lwkboot status 2>&1)"
check "down" lwkboot down
same "CPUs online" 0-3 "$(cat /sys/devices/system/cpu/online)"
echo "panic: $(( $(date +%s) - t0 )) s"
done_test "cokernel $s: a panic is PANIC, shutdown recovers"

# A hang (every CPU spins with interrupts off): HUNGUP.
t0=$(date +%s)
check "up $s, then hang" up_cok $s 'lwkcok.work=0 lwkcok.then=hang'
echo 2000 > /sys/module/lwkboot/parameters/hung_ms
lwkboot status --wait HUNGUP --timeout 180 > /dev/null 2>&1 || note "status $(lwkboot status) after the hang, not HUNGUP"
check "down after the hang" lwkboot down
same "CPUs online" 0-3 "$(cat /sys/devices/system/cpu/online)"
echo "hang: $(( $(date +%s) - t0 )) s"
done_test "cokernel $s: a hang is HUNGUP, down recovers"

# reboot -f inside: its CPUs park, the machine goes on.
t0=$(date +%s)
check "up $s, then reboot -f" up_cok $s 'lwkcok.work=0 lwkcok.then=reboot'
wait_for 180 kmsg_has "restart: parking every CPU" || note "no parking message in kmsg"
same "status after reboot -f" SHUTDOWN "$(lwkboot status 2>&1)"
sleep 2
same "host alive" 0-1 "$(cat /sys/devices/system/cpu/online)"
check "down after reboot -f" lwkboot down
dmesg | grep -q "shut down gracefully in .* (2 cores parked)" || note "down did not find both cores parked: $(dmesg | grep 'lwkboot mcos0: shut' | tail -1)"
same "CPUs online" 0-3 "$(cat /sys/devices/system/cpu/online)"
echo "reboot: $(( $(date +%s) - t0 )) s"
done_test "cokernel $s: reboot -f parks its CPUs, the machine goes on"

# Refusals: each names the value, before anything changes.
refuse "truncated bzImage" "setup_sects [0-9]* puts the kernel at [0-9]*, beyond the file's 4096 bytes" \
	sh -c "head -c 4096 $lx/vmlinuz-6.12 > /tmp/short && lwkboot load /tmp/short"
refuse "ELF with an initrd" "needs a Linux bzImage" lwkboot load /usr/lib/lwkboot/cokernel.elf --initrd $lx/initrd.img
refuse "init_size beyond the memory" "init_size \([0-9]* MiB\) does not fit in the largest run" \
	lwkboot up -c 2-3 -m 32M@0 -i $lx/initrd.img $lx/vmlinuz-6.12
# (32 MiB reserved in 4 MiB blocks: the largest run of adjacent ones may be less.)
dmesg | grep -q "init_size [0-9]* MiB (and the tables) is larger than the largest assigned run of [0-9]* MiB" ||
	note "dmesg does not say init_size against the largest run: $(dmesg | grep 'invalid image' | tail -1)"
same "CPUs online after the refused up" 0-3 "$(cat /sys/devices/system/cpu/online)"
[ -e /dev/mcd0 ] && note "the module stayed loaded after the refused up"
# Kernel arguments that would take the co-kernel out of its partition, or
# hide the host's own parameters from it, are refused at boot, by name.
for k in "earlycon=uart8250,io,0x3f8" "memmap=64M@0x1000000" "acpi=off" 'a="open'; do
	refuse "kargs $k" "boot OS [0-9]+ \(see dmesg\)" \
		lwkboot up -c 2-3 -m 256M@0 -k "$k" -i $lx/initrd.img $lx/vmlinuz-6.12
	dmesg | tail -20 | grep -qE "kernel arguments: ('.*' would take a Linux co-kernel out of its partition|a '\"' is not closed)" ||
		note "dmesg does not name the refused kargs $k"
done
same "CPUs online after the refused kargs" 0-3 "$(cat /sys/devices/system/cpu/online)"
done_test "bzImage refusals name the value and change nothing"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
