#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CID domains under load and teardown: 10,000 (DOMAIN_STRESS_CYCLES)
# connect/transfer/close cycles
# between domain CIDs in four pairs of namespaces at once, with connects
# from another domain mixed in (each reset), then namespaces holding domain
# CIDs deleted while their connections stream, their CIDs free again after.
# No vsock socket object is left over (slab), the module's counters are back
# at zero, and the kernel logged no WARN (checked by the guest suite).
. "$NSV_SRCDIR/tests/lab/tap.sh"
. "$NSV_SRCDIR/tests/lab/nsvsock.sh"
skip_in_tree "nsvsock CID domains under stress"
: "${DOMAIN_STRESS_CYCLES:=10000}"
DOM=(python3 "$NSV_SRCDIR/tests/lab/vsock-domain.py")
d=/proc/sys/net/nsvsock

vsock_objs() {
	echo 1 >/sys/kernel/slab/AF_VSOCK/shrink 2>/dev/null
	awk '$1 == "AF_VSOCK" { print $2 }' /proc/slabinfo
}
settled() {
	[ "$(nsv_counter module_sockets)" = 0 ] && [ "$(nsv_counter module_skbs)" = 0 ]
}
# dom NS DOMAIN CID: a new namespace with that domain and CID
dom() {
	new_netns "$1" &&
		[ "$("${NSV_PY[@]}" write "$1" $d/domain "$2" "$1" $d/cid "$3" | paste -sd' ')" = "ok ok" ]
}

if lsmod | grep -q '^vhost_vsock '; then
	wait_for 30 rmmod vhost_vsock || ok 1 "rmmod vhost_vsock" || done_testing
fi
nsv_load || done_testing
base=$(vsock_objs)
dom A 1 10 && dom B 1 11 && dom C 1 12 && dom D 1 13 && dom X 2 30
ok $? "A B C D in domain 1 (CIDs 10 to 13), X in domain 2 (CID 30)"

per=$((DOMAIN_STRESS_CYCLES / 4))
t0=$SECONDS
i=0
pids=()
for job in "A B 11" "B A 10" "C D 13" "D C 12"; do
	read -r c s cid <<<"$job"
	"${DOM[@]}" --cid "$cid" stress --cycles "$per" --client "$c" --server "$s" \
		--refused X --port $((8000 + i)) >"$LAB_TMP/stress.$i" 2>&1 &
	pids+=($!)
	i=$((i + 1))
done
fails=0
for p in "${pids[@]}"; do
	wait "$p" || fails=$((fails + 1))
done
for i in 0 1 2 3; do
	grep '^#' "$LAB_TMP/stress.$i"
	grep -q "^STRESS-DONE $per " "$LAB_TMP/stress.$i" || sed 's/^/# /' "$LAB_TMP/stress.$i"
done
is "$fails $(cat "$LAB_TMP"/stress.* | grep -c '^STRESS-DONE')" "0 4" \
	"$DOMAIN_STRESS_CYCLES cycles (4 x $per) between domain CIDs: connect, 4 KiB, sha256 back, close ($((SECONDS - t0)) s)"
is "$(cat "$LAB_TMP"/stress.* | awk '/^STRESS-DONE/ { n += $3 } END { print n }')" \
	$((4 * ((per + 49) / 50))) "... and every connect from domain 2 among them got ECONNRESET"
wait_for 30 settled
ok $? "then no socket and no packet left in the module"
now=$(vsock_objs)
[ "$now" -le $((base + 24)) ]
ok $? "AF_VSOCK objects in use back to where they were ($base before, $now after)"

# --- namespaces with domain CIDs deleted under traffic
dom T1 1 40 && dom T2 1 41
ok $? "T1 and T2 in domain 1 (CIDs 40, 41) to tear down"
"${DOM[@]}" --cid 41 stream 'T1>T2:8100' 'A>T2:8101:noread' >"$LAB_TMP/f41" &
s41=$!
"${DOM[@]}" --cid 40 stream 'B>T1:8102' >"$LAB_TMP/f40" &
s40=$!
"${DOM[@]}" --cid 10 stream 'T2>A:8103:noread' >"$LAB_TMP/f10" &
s10=$!
LAB_PIDS+=("$s41" "$s40" "$s10")
streaming() {
	[ "$(cat "$LAB_TMP"/f41 "$LAB_TMP"/f40 "$LAB_TMP"/f10 | grep -c STREAMING)" = 4 ]
}
wait_for 30 streaming
ok $? "4 connections streaming into, out of and between T1 and T2" ||
	diag "$(cat "$LAB_TMP"/f41 "$LAB_TMP"/f40 "$LAB_TMP"/f10)"
sleep 1
n=$(nsv_counter module_sockets)
ip netns del T1 && ip netns del T2
ok $? "ip netns del T1 T2 while $n sockets are connected"
kill "$s41" "$s40" "$s10"
wait "$s41" "$s40" "$s10" 2>/dev/null
wait_for 30 settled
ok $? "the killed connections leave no socket and no packet in the module"
new_netns T3 || ok 1 "ip netns add T3"
take() {
	[ "$("${NSV_PY[@]}" write T3 $d/domain 1 T3 $d/cid 40 | paste -sd' ')" = "ok ok" ]
}
wait_for 30 take
ok $? "T1 gone for good: its CID 40 is free in domain 1 again"
del_netns "${LAB_NETNS[@]}" 2>/dev/null
wait_for 30 settled
check "rmmod nsvsock" -- nsv_unload
now=$(vsock_objs)
[ "$now" -le $((base + 24)) ]
ok $? "AF_VSOCK objects in use at the end: $now (before: $base)"
done_testing
