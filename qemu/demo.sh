#!/bin/sh
# What `make run` shows, inside the Linux VM (qemu/linux-vm): the demo
# co-kernel booted next to Linux on half of the CPUs, its status and log,
# then everything given back.
set -e
show() { echo; echo "# $*"; "$@"; }
echo "# Linux before: CPUs online $(cat /sys/devices/system/cpu/online), $(grep MemFree /proc/meminfo)"
show lwkboot up -k "demo.greeting=hello-from-linux"
show lwkboot status
show lwkboot query cpu
echo "# Linux CPUs online while the LWK runs: $(cat /sys/devices/system/cpu/online)"
show lwkboot kmsg
show lwkboot down
echo
echo "# Linux after: CPUs online $(cat /sys/devices/system/cpu/online), $(grep MemFree /proc/meminfo)"
