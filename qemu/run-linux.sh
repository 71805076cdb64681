#!/bin/sh
# What `make run-linux` shows, inside the Linux VM (qemu/linux-vm): Debian's
# 6.12 kernel, unmodified, booted as a co-kernel on CPUs 2-3 and 512 MiB
# next to the host, its log (lwkboot kmsg: its own console, through
# lwkcon.ko), the host's log meanwhile, then everything given back.
set -e
lx=/usr/share/lwkboot/linux
show() { echo; echo "# $*"; "$@"; }
echo "# host: Linux $(uname -r), CPUs online $(cat /sys/devices/system/cpu/online), $(grep MemFree /proc/meminfo)"
show lwkboot up -c 2-3 -m 512M@0 -i $lx/initrd.img $lx/vmlinuz-6.12
show lwkboot status -v
echo "# Linux CPUs online while the co-kernel runs: $(cat /sys/devices/system/cpu/online)"
i=0
while ! lwkboot kmsg | grep -q 'lwkcok: RESULT' && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
echo
echo "# lwkboot kmsg: the co-kernel's log"
lwkboot kmsg
echo
echo "# dmesg: the host's log"
dmesg | tail -15
show lwkboot down
echo
echo "# host after: CPUs online $(cat /sys/devices/system/cpu/online), $(grep MemFree /proc/meminfo)"
