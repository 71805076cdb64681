#!/bin/sh
# Runs in the Debian VM (qemu/debian-vm, systemd as PID 1) as an admin
# would: the two packages from /tmp/debs installed with apt, DKMS building
# the module for the running kernel, modprobe with the options of
# /etc/modprobe.d/lwkboot.conf, the monitor as a systemd service, an LWK up,
# a PANIC seen in the journal, down, and apt purge leaving nothing behind.
# tests/debian/debian-test prepends tests/linux/lib.sh (check, refuse, same,
# done_test).  Ends with "N passed, N failed".
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
rel=$(uname -r)
ncpu=$(nproc)
A=$((ncpu - 2)) B=$((ncpu - 1))
files_before=/tmp/files-before
# What the file system holds besides the volatile trees, to compare after purge.
snapshot() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
		-o -path /var/log -o -path /var/cache -o -path /var/lib/apt -o -path /var/lib/dpkg \
		-o -path /var/lib/systemd -o -path /root \) -prune -o -print 2>/dev/null | sort
}
snapshot > $files_before

# (No network here: everything they depend on is in the image.)
apt-get install -y /tmp/debs/lwkboot_*.deb /tmp/debs/lwkboot-dkms_*.deb > /tmp/apt.log 2>&1 ||
	note "apt install failed: $(tail -8 /tmp/apt.log)"
grep -q 'Setting up lwkboot-dkms' /tmp/apt.log || note "apt did not set up lwkboot-dkms"
lwkboot grub-line > /tmp/grub 2>&1 || note "grub-line failed: $(cat /tmp/grub)"
grep -qx 'memmap=64K$0x[0-9a-f]* no_ipi_broadcast=1' /tmp/grub || note "grub-line: no kernel command line: $(cat /tmp/grub)"
grep -qx 'options lwkboot tramp_addr=0x[0-9a-f]* tramp_pages=16' /tmp/grub || note "grub-line: no modprobe.d line"
dkms status > /tmp/dkms 2>/dev/null
grep -q "^lwkboot/[^,]*, $rel, [^:]*: installed" /tmp/dkms || note "dkms status: not installed for $rel: $(cat /tmp/dkms)"
modpath=$(modinfo -n lwkboot 2>/dev/null)
case $modpath in
/lib/modules/$rel/updates/dkms/lwkboot.ko*) ;;
*) note "modinfo finds no DKMS-built lwkboot.ko for $rel: '$modpath'" ;;
esac
same "the command" "/usr/sbin/lwkboot" "$(command -v lwkboot)"
same "its version" "lwkboot $(dpkg-query -W -f '${Version}' lwkboot)" "$(lwkboot --version)"
man -w lwkboot > /dev/null 2>&1 || [ -e /usr/share/man/man8/lwkboot.8.gz ] || note "no lwkboot(8) man page"
done_test dkms_builds_the_module

# The admin sets the options once, in the conffile the package installed.
sed -i 's/^#options lwkboot /options lwkboot /' /etc/modprobe.d/lwkboot.conf
check "modprobe" modprobe lwkboot
same "tramp_addr from modprobe.d" 458752 "$(cat /sys/module/lwkboot/parameters/tramp_addr 2>&1)"
same "tramp_pages from modprobe.d" 16 "$(cat /sys/module/lwkboot/parameters/tramp_pages 2>&1)"
check "rmmod" rmmod lwkboot
done_test modprobe_with_modprobe_d

# As the README says: the monitor first (it waits for the module, restarted
# by systemd), then up.  No lwkboot.* parameters on this command line and no
# module outside DKMS's directory: up can only load it with modprobe.
check "enable the monitor" systemctl enable --now lwkboot-monitor
check "up (modprobes the module)" lwkboot up -c $A-$B -m 64M@0
same "status" RUNNING "$(lwkboot -o 0 status)"
same "tramp_addr after up" 458752 "$(cat /sys/module/lwkboot/parameters/tramp_addr 2>&1)"
i=0
while [ $i -lt 30 ] && ! journalctl -u lwkboot-monitor --no-pager | grep -q 'OS 0: demo: all 2 cores up'; do
	sleep 1; i=$((i + 1))
done
same "monitor active" active "$(systemctl is-active lwkboot-monitor)"
journalctl -u lwkboot-monitor --no-pager > /tmp/j 2>&1
grep -q 'OS 0: demo: all 2 cores up, RUNNING' /tmp/j || note "the journal lacks the LWK's kmsg: $(tail -3 /tmp/j)"
done_test up_with_the_monitor

check "shutdown" lwkboot -o 0 shutdown
check "kargs" lwkboot -o 0 kargs demo.panic_after_ms=300
check "boot" lwkboot -o 0 boot
check "PANIC" lwkboot -o 0 status --wait PANIC --timeout 30
# The monitor's own report (not the LWK's kmsg line "PANIC on core 0"):
# the entry with the instance and the event in their fields.
i=0
while [ $i -lt 20 ] && ! journalctl LWKB_OS=0 LWKB_EVENT=PANIC --no-pager -o cat | grep -qx 'OS 0: PANIC'; do
	sleep 1; i=$((i + 1))
done
journalctl LWKB_OS=0 LWKB_EVENT=PANIC PRIORITY=3 --no-pager -o cat > /tmp/j0 2>&1
grep -qx 'OS 0: PANIC' /tmp/j0 || note "no 'OS 0: PANIC' entry with LWKB_OS=0, LWKB_EVENT=PANIC, priority err: $(tail -3 /tmp/j0)"
journalctl -u lwkboot-monitor --no-pager -o cat > /tmp/j 2>&1
grep -qx 'OS 0: PANIC' /tmp/j || note "the monitor's unit log lacks the PANIC"
systemctl status lwkboot-monitor --no-pager -n 30 > /tmp/s 2>&1
grep -q 'OS 0: PANIC$' /tmp/s || note "systemctl status does not show the PANIC: $(tail -3 /tmp/s)"
systemctl status lwkboot-monitor --no-pager > /tmp/s 2>&1
grep -q 'PANIC' /tmp/s || note "systemctl status does not show the PANIC"
done_test panic_in_the_journal

check "down" lwkboot down
grep -q '^lwkboot ' /proc/modules && note "the module is still loaded after down"
same "CPUs back" "0-$B" "$(cat /sys/devices/system/cpu/online)"
done_test down

# Purged with the monitor enabled and live (after down the module is gone,
# so systemd is restarting it every 5 s): the package stops it.
same "monitor enabled before purge" enabled "$(systemctl is-enabled lwkboot-monitor)"
case $(systemctl is-active lwkboot-monitor) in
active|activating) ;;
*) note "the monitor is not live before purge: $(systemctl is-active lwkboot-monitor)" ;;
esac
apt-get purge -y lwkboot lwkboot-dkms > /tmp/apt.log 2>&1 || note "apt purge failed: $(tail -8 /tmp/apt.log)"
pgrep -f 'lwkboot monitor' > /dev/null && note "a monitor process is left running"
[ -e /etc/systemd/system/multi-user.target.wants/lwkboot-monitor.service ] && note "the unit's enablement link is left"
[ -n "$(find /lib/modules -name 'lwkboot.ko*' 2>/dev/null)" ] && note "a module is left: $(find /lib/modules -name 'lwkboot.ko*')"
[ -e /etc/modprobe.d/lwkboot.conf ] && note "/etc/modprobe.d/lwkboot.conf is left"
[ -e /lib/systemd/system/lwkboot-monitor.service ] && note "the unit file is left"
systemctl cat lwkboot-monitor > /dev/null 2>&1 && note "systemd still knows lwkboot-monitor"
dkms status lwkboot 2>/dev/null | grep -q . && note "dkms still lists lwkboot: $(dkms status lwkboot)"
[ -e /var/lib/dkms/lwkboot ] && note "/var/lib/dkms/lwkboot is left"
# DKMS's own Machine Owner Key, made at its first build for every DKMS
# module (README, Secure Boot), belongs to the dkms package, which stays.
snapshot | grep -v '^/var/lib/dkms/mok\.' > /tmp/files-after
left=$(comm -13 $files_before /tmp/files-after)
[ -z "$left" ] || note "files left behind that dpkg does not track: $(echo "$left" | head -10)"
done_test purge_leaves_nothing

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
