#!/bin/bash
# Runs in the Debian VM (qemu/debian-vm, as root) for tests/ihk/run: unpacks
# what tests/ihk/build made (/tmp/debs/ihk-test.tar.gz), makes the
# non-root user IHK's wrappers expect (they run as a user and call sudo),
# then runs each wrapper of run.list as that user and prints one line per
# program: "PASS NAME" or "FAIL NAME: why" (its [  NG  ]/[INTERR] lines or
# its exit status), then "N passed, N failed".  Between programs it puts the
# machine back (instances, reserved CPUs and memory, modules), so one
# failure does not fail the rest; a program that needed that is a FAIL.
set -u
tar -C / -xzf /tmp/debs/ihk-test.tar.gz || { echo "cannot unpack the test tree"; exit 1; }
P=/opt/ihktest MCK=/opt/mck
dmesg -n 1			# kernel messages stay in dmesg, off the console
grep -qs "$(hostname)" /etc/hosts || echo "127.0.1.1 $(hostname)" >> /etc/hosts
# Some programs keep two to eight 4 MiB kmsg buffers (IHK_KMSG_SIZE) on
# their stack; IHK's own runs need the same.
ulimit -s unlimited
echo '* - stack unlimited' > /etc/security/limits.d/ihk-test.conf	# sudo's PAM session
export PATH=$MCK/sbin:$PATH
# gawk's pre-dependencies first (dpkg does not order those itself)
{ dpkg -i $(ls $P/debs/*.deb | grep -v /gawk_) && dpkg -i $P/debs/gawk_*.deb; } > /tmp/dpkg.log 2>&1 ||
	{ tail -5 /tmp/dpkg.log; echo "cannot install gawk"; exit 1; }
id ihktest >/dev/null 2>&1 || useradd -m -s /bin/bash ihktest
echo 'ihktest ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/ihktest
chmod 440 /etc/sudoers.d/ihktest
echo "ihk: $(nproc) CPUs online, $(awk '/MemTotal/ {print $2 / 1024 " MiB"}' /proc/meminfo)," \
	"$(wc -l < $P/run.list) programs to run"

# Instances, reservations and modules left behind, removed; says what it did.
tidy() {
	local did=""
	if [ -e /dev/mcd0 ]; then
		for os in $(ihkconfig 0 get os_instances 2>/dev/null | tr ',' ' '); do
			ihkosctl "$os" shutdown >/dev/null 2>&1
			ihkconfig 0 destroy "$os" >/dev/null 2>&1 && did="$did destroy $os;"
		done
		[ -n "$(ihkconfig 0 query cpu 2>/dev/null)" ] &&
			ihkconfig 0 release cpu all >/dev/null 2>&1 && did="$did release cpu;"
		[ -n "$(ihkconfig 0 query mem 2>/dev/null)" ] &&
			ihkconfig 0 release mem all >/dev/null 2>&1 && did="$did release mem;"
	fi
	for m in mcctrl ihk_smp_x86 ihk; do
		if lsmod | cut -d' ' -f1 | grep -qx $m; then
			rmmod $m 2>/dev/null && did="$did rmmod $m;"
		fi
	done
	echo "$did"
}

p=0 f=0
t0=$(date +%s)
cd /home/ihktest
while read -r t; do
	[ -n "$t" ] || continue
	log=/tmp/ihk-$t.log
	s=$(date +%s)
	runuser -u ihktest -- timeout -k 10 300 "$P/scripts/ihklib-$t" > "$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - s ))
	bad=$(grep -E '^\[  NG  \]|^\[INTERR\]' "$log" | head -3 | tr '\n' ' ')
	left=$(tidy)
	if [ $rc = 0 ] && [ -z "$bad" ] && [ -z "$left" ]; then
		echo "PASS $t (${secs}s)"
		p=$((p + 1))
	else
		why="exit $rc"
		[ $rc = 124 ] && why="timed out"
		[ -n "$bad" ] && why="$why; $bad"
		[ -n "$left" ] && why="$why; left behind:$left"
		echo "FAIL $t (${secs}s): $why"
		sed 's/^/    | /' "$log" | tail -25
		f=$((f + 1))
	fi
done < $P/run.list
echo "ihk: the programs took $(( $(date +%s) - t0 )) s"
dmesg | grep -E 'BUG|Oops|WARNING|general protection' | head -5
echo "$p passed, $f failed"
[ $f = 0 ]
