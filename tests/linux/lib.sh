# Shared by the scripts that run in the Linux VM (tests/linux/suite.sh,
# tests/linux/broadcast.sh, tests/stress/stress.sh): qemu/linux-vm puts this
# file at /root/lib.sh.  A test collects problems with note (through check,
# refuse, same, near) and ends with done_test NAME, which prints PASS or
# FAIL with the problems; the script ends with "$pass passed, $fail failed".
pass=0 fail=0
problems=""

note() { problems="$problems
     $*"; }
check() {	# check DESCRIPTION COMMAND...: the command must succeed
	d=$1; shift
	"$@" >/tmp/out 2>&1 || note "$d: '$*' failed: $(head -c 300 /tmp/out)"
}
refuse() {	# refuse DESCRIPTION MESSAGE-REGEX COMMAND...: must fail saying so
	d=$1 re=$2; shift 2
	if "$@" >/tmp/out 2>&1; then
		note "$d: '$*' succeeded"
	elif ! grep -qE "$re" /tmp/out; then
		note "$d: '$*' said '$(head -c 300 /tmp/out)', expected /$re/"
	fi
}
same() {	# same DESCRIPTION EXPECTED ACTUAL
	[ "$2" = "$3" ] || note "$1: expected '$2', got '$3'"
}
done_test() {
	if [ -z "$problems" ]; then
		echo "PASS $1"; pass=$((pass + 1))
	else
		echo "FAIL $1$problems"; fail=$((fail + 1))
	fi
	problems=""
}

# A setup the script cannot test on: says so as one failure and ends it.
setup_fail() {
	echo "FAIL setup: $*"
	echo "0 passed, 1 failed"
	exit 1
}
# linux-vm --x2apic puts lwkb.x2apic=1 on the command line: Linux must then
# run its local APICs in x2APIC mode, or the run tests the wrong thing.
need_x2apic_if_asked() {
	if grep -qw lwkb.x2apic=1 /proc/cmdline && ! dmesg | grep -q 'x2apic enabled'; then
		setup_fail "linux-vm --x2apic, but Linux does not run in x2APIC mode"
	fi
}

# Free memory after dropping clean caches and compacting: the zones' free
# pages plus the pages on the per-CPU free lists (the "count:" lines of
# /proc/zoneinfo), which MemFree does not count and which Linux 6.x tunes
# and grows by itself (MemFree alone moved by up to 20 MB between two reads
# on 6.12).  pages_held is the exact check; this is the cross-check.
memfree() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	echo 1 > /proc/sys/vm/compact_memory
	awk '/^ +pages free/ { f += $3 } /^ +count: / { p += $2 } END { print (f + p) * 4 }' /proc/zoneinfo
}

# How much the cross-check allows, in kB: 8 MiB.  The debug kernel's KASAN
# keeps freed objects in a quarantine of up to 1/32 of RAM before they are
# free again, and nothing drains it from user space; there it allows that
# much more, and kmemleak (linux-vm scans after the script) and pages_held
# are the exact checks.
case $(uname -r) in
*-lwkb-debug) tolerance=$(( $(awk '/^MemTotal/ { print $2 }' /proc/meminfo) / 32 + 8192 )) ;;
*) tolerance=8192 ;;
esac

# near DESCRIPTION KB-BEFORE KB-AFTER: no more than the tolerance lost.
# (Free memory may grow as the kernel frees its own caches; a leak shrinks
# it.)
near() {
	d=$(( $2 - $3 ))
	[ "$d" -le "$tolerance" ] || note "$1: free memory dropped by $d kB ($2 -> $3, at most $tolerance)"
}

# qemu_monitor CMD: asks the host to send CMD to QEMU's monitor (a
# device_add or device_del; qemu/linux-vm --hotplug-cpus relays it).  The
# line goes to the console, where linux-vm reads it; the caller waits for the
# effect.
qemu_monitor() { echo "=== linux-vm: monitor: $*" > /dev/console; }

# wait_for SECONDS COMMAND...: until COMMAND succeeds, at most SECONDS.
wait_for() {
	w=$1; shift
	while ! "$@" 2>/dev/null; do
		[ "$w" -gt 0 ] || return 1
		sleep 1; w=$((w - 1))
	done
}

# send_file NAME PATH: hands a file to the host through ttyS1 (qemu/linux-vm
# --out FILE): a line "LWKBFILE NAME SIZE", then the bytes.  The port is put
# in raw mode first, so no byte is translated.
send_file() {
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
	printf 'LWKBFILE %s %s\n' "$1" "$(wc -c < "$2")" > /dev/ttyS1
	cat "$2" > /dev/ttyS1
}
