#!/bin/sh
# Runs inside the Linux VM (bench/linux-mem-bench starts it with 2 vCPUs):
# the LWK runs on CPU 1, Linux keeps CPU 0.  Median of REPEAT runs.
REPEAT=${REPEAT:-3}
HP=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
med() { sort -n | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : "n/a") }'; }
least() { sort -n | head -1; }
# Both sides of a comparison start from the same state: clean caches
# dropped, free memory compacted (neither timed).
settle() { sync; echo 3 > /proc/sys/vm/drop_caches; echo 1 > /proc/sys/vm/compact_memory; }
us() { sed -n 's/^elapsed_us=\([0-9]*\).*/\1/p'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
mib() { case $1 in *G) echo $(( ${1%G} * 1024 )) ;; *M) echo ${1%M} ;; esac; }

echo "== boot request -> RUNNING by LWK memory (1 LWK core, CPU 1)"
for size in 16M 256M 1G 4G; do
	: > /tmp/boot
	lwkboot up -c 1 -m $size@0 -t 300 >/tmp/up 2>&1 || { cat /tmp/up; exit 1; }
	lwkboot shutdown || exit 1
	i=0
	while [ $i -lt $REPEAT ]; do
		i=$((i + 1))
		lwkb-timeit sh -c 'lwkboot boot && lwkboot status --wait RUNNING --timeout 300' 2>&1 |
			us >> /tmp/boot
		lwkboot shutdown || exit 1
	done
	lwkboot down || exit 1
	m=$(med < /tmp/boot) l=$(least < /tmp/boot)
	[ $size = 16M ] && base=$m lbase=$l
	printf '  %5s: lwkboot boot -> RUNNING median %9s us (%s x 16 MiB), least %9s us (%s x)\n' \
		$size "$m" "$(ratio "$m" "$base")" "$l" "$(ratio "$l" "$lbase")"
done

echo "== reserve next to Linux's 2 MiB huge pages (node 0, then freed)"
# The module stays loaded with nothing reserved, so both CPUs are Linux's:
# reserve_threads=1 takes the 4 MiB blocks one after the other, as Linux
# takes huge pages; the default spreads them (and Linux's clearing of
# them) over the node's online CPUs.
lwkboot up -c 1 -m 16M@0 >/dev/null || exit 1	# loads the module
{ lwkboot shutdown && lwkboot destroy 0 && lwkboot release cpu all &&
	lwkboot release mem all; } >/dev/null || exit 1
P=/sys/module/lwkboot/parameters/reserve_threads
[ -w $P ] || { echo "linux-mem-bench: no $P (module not loaded?)"; exit 1; }
for size in 1G 4G; do
	n=$(( $(mib $size) / 2 ))
	: > /tmp/res; : > /tmp/res1; : > /tmp/huge; short=""
	i=0
	while [ $i -lt $REPEAT ]; do
		i=$((i + 1))
		for t in 0 1; do
			echo $t > $P
			f=/tmp/res; [ $t = 1 ] && f=/tmp/res1
			settle
			lwkb-timeit lwkboot reserve mem $size@0 2>&1 | us >> $f
			lwkboot release mem all || exit 1
		done
		echo 0 > $P
		settle
		lwkb-timeit sh -c "echo $n > $HP" 2>&1 | us >> /tmp/huge
		got=$(cat $HP)
		[ "$got" = $n ] || short=" (only $got of $n huge pages)"
		echo 0 > $HP
	done
	r=$(med < /tmp/res) r1=$(med < /tmp/res1) h=$(med < /tmp/huge)
	rl=$(least < /tmp/res) r1l=$(least < /tmp/res1) hl=$(least < /tmp/huge)
	printf '  %3s: %5d x 2 MiB huge pages %9s us (least %9s)%s\n' $size $n "$h" "$hl" "$short"
	printf '       reserve mem, default threads %9s us (least %9s)   ratio %s (least %s)\n' \
		"$r" "$rl" "$(ratio "$r" "$h")" "$(ratio "$rl" "$hl")"
	printf '       reserve mem, reserve_threads=1 %7s us (least %9s)   ratio %s (least %s)\n' \
		"$r1" "$r1l" "$(ratio "$r1" "$h")" "$(ratio "$r1l" "$hl")"
done
lwkboot down
