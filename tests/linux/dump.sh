#!/bin/sh
# lwkboot dump inside the Linux VM (qemu/linux-vm --smp 5 --out FILE, run
# by tests/linux/dump-test): the demo LWK on CPUs 3-4 is dumped RUNNING
# (and must go on running), after demo.panic_after_ms, demo.fault_after_ms
# and demo.hang_after_ms, and after shutdown (memory only); bad file names,
# an instance without memory and a non-root caller are refused.  The core
# files go to the host through ttyS1 (send_file), where dump-test opens
# them with gdb.  Ends with "N passed, N failed".
. /root/lib.sh
ko=/lib/modules/$(uname -r)/extra/lwkboot.ko
img=/usr/lib/lwkboot/cokernel.elf
heartbeat() { lwkboot -o 0 status -v | sed -n 's/^heartbeat //p'; }
elf_type() { od -A n -t x1 -j 16 -N 2 "$1" | tr -d ' '; }	# 0400 = ET_CORE

check "insmod" insmod $ko tramp_addr=0x70000 tramp_pages=16 hung_ms=1000
check "reserve cpu" lwkboot reserve cpu 3-4
check "reserve mem" lwkboot reserve mem 32M@0
same "create" 0 "$(lwkboot create)"
check "assign cpu" lwkboot -o 0 assign cpu 3-4
check "assign mem" lwkboot -o 0 assign mem all
check "load" lwkboot -o 0 load $img

# RUNNING: an NMI snapshot of both cores, and the LWK goes on.
check "boot" lwkboot -o 0 boot
check "RUNNING" lwkboot -o 0 status --wait RUNNING --timeout 30
check "dump RUNNING" lwkboot -o 0 dump -d 24 /tmp/running.core
grep -q 'registers of 2 cores' /tmp/out || note "dump did not save both cores: $(cat /tmp/out)"
same "still RUNNING" RUNNING "$(lwkboot -o 0 status)"
b1=$(heartbeat); sleep 1; b2=$(heartbeat)
[ "${b2:-0}" -gt "${b1:-0}" ] || note "the heartbeat stopped after the dump ($b1 -> $b2)"
same "core file" 0400 "$(elf_type /tmp/running.core)"
check "dump level 0" lwkboot -o 0 dump /tmp/all.core
size=$(wc -c < /tmp/all.core)
[ "$size" -gt 33554432 ] && [ "$size" -lt 34603008 ] ||
	note "a level-0 dump of 32 MiB is $size bytes"
rm -f /tmp/all.core
send_file running.core /tmp/running.core
check "shutdown" lwkboot -o 0 shutdown
done_test dump_running_goes_on

dump_state() {	# dump_state NAME STATE KARGS: boot into STATE, dump, recover
	check "kargs $3" lwkboot -o 0 kargs "$3"
	check "boot ($3)" lwkboot -o 0 boot
	check "$2" lwkboot -o 0 status --wait $2 --timeout 30
	check "dump $2" lwkboot -o 0 dump -d 24 /tmp/$1.core
	same "$1: core file" 0400 "$(elf_type /tmp/$1.core)"
	send_file $1.core /tmp/$1.core
	check "shutdown after $1" lwkboot -o 0 shutdown
}
dump_state panic PANIC "demo.panic_after_ms=300"
done_test dump_panic
dump_state fault PANIC "demo.fault_after_ms=300"
done_test dump_fault
dump_state hang HUNGUP "demo.hang_after_ms=300"
done_test dump_hang

# After shutdown: memory only, said so.
check "dump after shutdown" lwkboot -o 0 dump /tmp/down.core
grep -q 'INACTIVE: memory only' /tmp/out || note "no 'memory only' note: $(cat /tmp/out)"
same "down: core file" 0400 "$(elf_type /tmp/down.core)"
rm -f /tmp/down.core
done_test dump_after_shutdown_memory_only

# Bad input: changes nothing, each error names the problem.
echo keep > /tmp/exists
refuse "an existing file" "cannot create '/tmp/exists': File exists" lwkboot -o 0 dump /tmp/exists
same "the file is untouched" keep "$(cat /tmp/exists)"
refuse "an empty name" "cannot create '': No such file" lwkboot -o 0 dump ""
refuse "no such directory" "cannot create '/nonexistent/x': No such file" lwkboot -o 0 dump /nonexistent/x
mkdir -p /mnt/ro && mount -t tmpfs -o ro tmpfs /mnt/ro
refuse "a read-only directory" "cannot create '/mnt/ro/x': Read-only" lwkboot -o 0 dump /mnt/ro/x
umount /mnt/ro
refuse "level 7" "level '7': want 0 or 24" lwkboot -o 0 dump -d 7 /tmp/x
refuse "no level" "[-]d needs a level" lwkboot -o 0 dump -d
same "create a second instance" 1 "$(lwkboot create)"
refuse "an instance without memory" "OS 1 has no memory assigned" lwkboot -o 1 dump /tmp/x
# Memory that no boot of the instance cleared may hold what Linux freed.
check "reserve more memory" lwkboot reserve mem 8M@0
check "assign it to OS 1" lwkboot -o 1 assign mem all
refuse "an instance never booted" "OS 1 has not booted with the memory it has" lwkboot -o 1 dump /tmp/x
check "destroy it" lwkboot destroy 1
refuse "no such instance" "No such file|no such instance" lwkboot -o 5 dump /tmp/x
chmod 1777 /tmp
refuse "non-root" "dump needs root|not permitted|Permission denied" su nobody -s /bin/sh -c "lwkboot -o 0 dump /tmp/nobody.core"
[ -e /tmp/x ] || [ -e /tmp/nobody.core ] && note "a refused dump left a file"
done_test dump_bad_input

check "down" lwkboot down
done_test down
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
