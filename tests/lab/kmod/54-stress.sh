#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# nsvsock under load and teardown: 10,000 connect/transfer/close cycles in
# four namespaces at once (two global ones talking to each other, two local
# ones to themselves, refused connects mixed in), then namespaces deleted
# while their sockets are connected with data in flight, then unload and
# reload in a loop. Afterwards no vsock socket object is left over (slab),
# the module's counters are back at zero, and the kernel logged no WARN
# (checked by the guest suite).
. "$NSV_SRCDIR/tests/lab/tap.sh"
. "$NSV_SRCDIR/tests/lab/nsvsock.sh"
skip_in_tree "nsvsock under stress"
: "${STRESS_CYCLES:=10000}"

# vsock_objs: AF_VSOCK objects in use, per-CPU caches flushed first.
vsock_objs() {
	echo 1 >/sys/kernel/slab/AF_VSOCK/shrink 2>/dev/null
	awk '$1 == "AF_VSOCK" { print $2 }' /proc/slabinfo
}
# settled: nothing of the module's is in use.
settled() {
	[ "$(nsv_counter module_sockets)" = 0 ] && [ "$(nsv_counter module_skbs)" = 0 ]
}

nsv_load || done_testing
base=$(vsock_objs)
diag "AF_VSOCK objects in use before: $base"
for n in g1 g2 lp; do
	new_netns $n || { ok 1 "ip netns add $n"; done_testing; }
done
"${NSV_PY[@]}" write lp /proc/sys/net/nsvsock/child_ns_mode local >/dev/null
mk_child lp l1 && mk_child lp l2
ok $? "two global and two local namespaces"
locals0=$(nsv_counter module_local_netns)

# --- four namespaces, a quarter of the cycles each, in parallel
per=$((STRESS_CYCLES / 4))
t0=$SECONDS
i=0
pids=()
for job in "g1 g2 l1" "g2 g1 l2" "l1 l1 g1" "l2 l2 l1"; do
	read -r c s r <<<"$job"
	"${NSV_PY[@]}" stress --cycles "$per" --client "$c" --server "$s" \
		--refused "$r" --port $((8000 + i)) >"$LAB_TMP/stress.$i" 2>&1 &
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
	"$STRESS_CYCLES cycles (4 x $per) of connect, 4 KiB, sha256 back, close: all right ($((SECONDS - t0)) s)"
is "$(cat "$LAB_TMP"/stress.* | awk '/^STRESS-DONE/ { n += $3 } END { print n }')" \
	$((4 * ((per + 49) / 50))) "... and every refused connect among them got ECONNRESET"
wait_for 30 settled
ok $? "then no socket and no packet left in the module"
now=$(vsock_objs)
# Slack: one slab's worth per CPU can stay cached after the shrink.
[ "$now" -le $((base + 24)) ]
ok $? "AF_VSOCK objects in use back to where they were ($base before, $now after)"

# --- namespaces deleted under traffic
mk_child lp t1 && new_netns t2
ok $? "a local (t1) and a global (t2) namespace to tear down"
flows=(t1\>t1:8100:noread t1\>t1:8101 t2\>init:8102 init\>t2:8103:noread g1\>t2:8104)
"${NSV_PY[@]}" stream "${flows[@]}" >"$LAB_TMP/flows" &
streams=$!
LAB_PIDS+=("$streams")
wait_for 30 sh -c "[ \$(grep -c STREAMING $LAB_TMP/flows) = ${#flows[@]} ]"
ok $? "${#flows[@]} connections streaming into, out of and inside t1 and t2" ||
	diag "$(cat "$LAB_TMP/flows")"
sleep 1
n=$(nsv_counter module_sockets)
ip netns del t1 && ip netns del t2
ok $? "ip netns del t1 t2 while $n sockets are connected"
LAB_NETNS=(g1 g2 lp l1 l2)
kill "$streams"
wait "$streams" 2>/dev/null
wait_for 30 settled
ok $? "the killed connections leave no socket and no packet in the module"
wait_for 30 sh -c "[ \"\$(awk '\$1 == \"module_local_netns\" { print \$2 }' /proc/net/nsvsock)\" = $locals0 ]"
ok $? "t1 is gone for good: $locals0 local namespaces again"

# --- unload and reload, traffic stopped between
del_netns "${LAB_NETNS[@]}"
loops=0
for i in 1 2 3; do
	bg socat -u VSOCK-LISTEN:8200 OPEN:/dev/null
	wait_vsock_listen 8200 || break
	head -c 1M /dev/zero | socat -u - VSOCK-CONNECT:1:8200 || break
	wait "$BG_PID"
	wait_for 30 settled || break
	nsv_unload || break
	nsv_load || break
	loops=$((loops + 1))
done
is "$loops" 3 "3 rounds of traffic, unload and reload"
wait_for 30 settled
check "and a last unload" -- nsv_unload
now=$(vsock_objs)
[ "$now" -le $((base + 24)) ]
ok $? "AF_VSOCK objects in use at the end: $now (before: $base)"
done_testing
