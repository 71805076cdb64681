#!/bin/bash
# Runs in the Debian VM (qemu/debian-vm, as root) for tests/ihk/run: unpacks
# what tests/ihk/build made (/tmp/debs/ihk-test.tar.gz), makes the
# non-root user IHK's wrappers expect (they run as a user and call sudo),
# then runs each wrapper of run.list as that user and prints one line per
# program: "PASS NAME" or "FAIL NAME: why" (its [  NG  ] lines, its exit
# status, what it left behind), or "DIFF NAME: why" for a program of
# tests/ihk/differs that failed exactly as listed there; then "N passed,
# N failed".  A program passes when it exits 0 with no [  NG  ] line and
# leaves nothing behind: an [INTERR] line in a program that still exits 0
# comes from its own clean-up helpers, whose results it ignores (e.g. after
# it unloaded the module itself), and is shown, not counted.  Between
# programs it puts the machine back (instances, reserved CPUs and memory,
# modules), so one failure does not fail the rest; a program that needed
# that is a FAIL.
set -u
tar -C / -xzf /tmp/debs/ihk-test.tar.gz || { echo "cannot unpack the test tree"; exit 1; }
P=/opt/ihktest MCK=/opt/mck
# Which list this VM runs (tests/ihk/run splits the programs over VMs and
# puts IHK_LIST=... in front of this script); all of them by default.
LIST=$P/${IHK_LIST:-run.list}
dmesg -n 1			# kernel messages stay in dmesg, off the console
grep -qs "$(hostname)" /etc/hosts || echo "127.0.1.1 $(hostname)" >> /etc/hosts
# Some programs keep two to eight 4 MiB kmsg buffers (IHK_KMSG_SIZE) on
# their stack; IHK's own runs need the same.
ulimit -s unlimited
# sudo's PAM session (pam_limits) sets the limits again; its wildcard does
# not apply to root, whom sudo runs the programs as (limits.conf(5)).
printf '* - stack unlimited\nroot - stack unlimited\n' > /etc/security/limits.d/ihk-test.conf
export PATH=$MCK/sbin:$PATH
# gawk's pre-dependencies first (dpkg does not order those itself)
{ dpkg -i $(ls $P/debs/*.deb | grep -v /gawk_) && dpkg -i $P/debs/gawk_*.deb; } > /tmp/dpkg.log 2>&1 ||
	{ tail -5 /tmp/dpkg.log; echo "cannot install gawk"; exit 1; }
id ihktest >/dev/null 2>&1 || useradd -m -s /bin/bash ihktest
echo 'ihktest ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/ihktest
chmod 440 /etc/sudoers.d/ihktest
echo "ihk: $(nproc) CPUs online, $(awk '/MemTotal/ {print $2 / 1024 " MiB"}' /proc/meminfo)," \
	"$(wc -l < $LIST) programs to run"

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

# NAME | the expected failure line | why (tests/ihk/differs)
differs_field() { awk -F' [|] ' -v t="$1" -v n="$2" '$1 == t { print $n }' $P/differs.list; }

p=0 f=0 d=0
t0=$(date +%s)
cd /home/ihktest
while read -r t; do
	[ -n "$t" ] || continue
	log=/tmp/ihk-$t.log
	s=$(date +%s)
	runuser -u ihktest -- timeout -k 10 300 "$P/scripts/ihklib-$t" > "$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - s ))
	ng=$(grep -E '^\[  NG  \]' "$log")
	interr=$(grep -E '^\[INTERR\]' "$log")
	left=$(tidy)
	want=$(differs_field "$t" 2)
	if [ -n "$want" ]; then
		# Listed as a difference: every [  NG  ]/[INTERR] line must be
		# one of the listed ones (" ; " between them), each listed one
		# must be there, and it must exit non-zero.
		lines=$(printf '%s\n%s\n' "$ng" "$interr" | grep -v '^$')
		ok=1
		[ $rc != 0 ] && [ -z "$left" ] || ok=0
		# "(no line)": it must fail with no [  NG  ]/[INTERR] line at all
		if [ "$want" = "(no line)" ]; then
			[ -z "$lines" ] || ok=0
			want=""
		else
			[ -n "$lines" ] || ok=0
		fi
		rest=$lines
		# (POSIX sh: debian-vm runs this script with sh)
		wants=$(printf '%s\n' "$want" | sed 's/ ; /\n/g')
		oldifs=$IFS
		IFS='
'
		for w in $wants; do
			printf '%s\n' "$lines" | grep -qF -- "$w" || ok=0
			rest=$(printf '%s\n' "$rest" | grep -vF -- "$w")
		done
		IFS=$oldifs
		[ -z "$rest" ] || ok=0
		if [ $ok = 1 ]; then
			echo "DIFF $t (${secs}s): $(differs_field "$t" 3)"
			d=$((d + 1))
			continue
		fi
		echo "FAIL $t (${secs}s): listed in tests/ihk/differs as failing with '$want'," \
			"but exit $rc; $(printf '%s\n' "$lines" | head -3 | tr '\n' ' ')${left:+; left behind:$left}"
		sed 's/^/    | /' "$log" | tail -25
		f=$((f + 1))
		continue
	fi
	if [ $rc = 0 ] && [ -z "$ng" ] && [ -z "$left" ]; then
		echo "PASS $t (${secs}s)${interr:+; its clean-up said: $(printf '%s\n' "$interr" | head -2 | tr '\n' ' ')}"
		p=$((p + 1))
	else
		why="exit $rc"
		[ $rc = 124 ] && why="timed out"
		bad=$(printf '%s\n%s\n' "$ng" "$interr" | grep -v '^$' | head -3 | tr '\n' ' ')
		[ -n "$bad" ] && why="$why; $bad"
		[ -n "$left" ] && why="$why; left behind:$left"
		echo "FAIL $t (${secs}s): $why"
		sed 's/^/    | /' "$log" | tail -25
		f=$((f + 1))
	fi
done < $LIST
echo "ihk: the programs took $(( $(date +%s) - t0 )) s"
oops=$(dmesg | grep -E 'BUG|Oops|WARNING|general protection' | head -5)
if [ -n "$oops" ]; then
	echo "FAIL the kernel log: $oops"
	f=$((f + 1))
fi
echo "ihk: $d differ by design (tests/ihk/differs)"
echo "$p passed, $f failed"
[ $f = 0 ]
