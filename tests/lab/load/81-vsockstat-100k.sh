#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Load: vsockstat -A lists 100,000 sockets in 1,000 network namespaces (100
# listeners each, one process holding them all), every socket and every
# namespace once, within the VM's memory; its peak RSS and time are shown.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
T=$LAB_TMP
NS=${LOAD_NETNS:-1000}
PER=${LOAD_PER_NETNS:-100}
total=$((NS * PER))
ulimit -n $((total + 1024))
t0=$SECONDS

# one ip process makes every namespace
for ((i = 0; i < NS; i++)); do echo "netns add ld$i"; done >"$T/batch"
ip -batch "$T/batch"
ok $? "$NS namespaces made in $((SECONDS - t0)) s"
args=()
for ((i = 0; i < NS; i++)); do
	args+=(--netns "/run/netns/ld$i" "many:stream:$((100000 + i * PER)):$PER")
	LAB_NETNS+=("ld$i")
done
t1=$SECONDS
free -m | sed 's/^/# before: /'
bg /usr/bin/python3 "$NSV_SRCDIR/tests/lab/vsockstat-mksock.py" "${args[@]}" >"$T/mk" 2>&1
mk=$BG_PID
wait_for 900 grep -q READY "$T/mk"
ok $? "$total listeners made in $((SECONDS - t1)) s ($(tail -n 1 "$T/mk"))"
free -m | sed 's/^/# with the sockets: /'

t2=$SECONDS
/usr/bin/time -f '%M %e' -o "$T/time" vsockstat -A -n -H >"$T/list" 2>"$T/err"
rc=$?
read -r rss secs <"$T/time"
diag "vsockstat -A -n: $secs s, peak RSS $((rss / 1024)) MiB"
is "$rc:$(cat "$T/err")" "0:" "vsockstat -A exits 0, no message"
is "$(grep -c ' LISTEN ' "$T/list")" "$total" "it lists $total listeners"
is "$(awk '{ print $1 }' "$T/list" | grep -c '^ld[0-9]*$' )" "$total" "... each with its namespace's name"
is "$(awk '$1 ~ /^ld/ { print $1 }' "$T/list" | sort -u | wc -l)" "$NS" "... in $NS namespaces"
is "$(awk '$1 ~ /^ld/ { print $4 }' "$T/list" | sort -u | wc -l)" "$total" "... no socket twice"
ok $((rss / 1024 >= 256)) "its peak RSS stays under 256 MiB ($((rss / 1024)) MiB)"
out=$(vsockstat -A -s -j 2>&1)
like "$out" "\"total\":$total[,}]" "vsockstat -A -s -j counts $total"
diag "load: $total sockets in $NS namespaces took $((SECONDS - t0)) s in all"
kill -- -"$mk"
del_netns "${LAB_NETNS[@]}"
done_testing
