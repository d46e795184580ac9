#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The gaps kmod-nsvsock closes, asserted as facts of these kernels: loopback
# vsock crosses network namespaces (global mode, the only one before 7.0), a
# vsockmon in one namespace sees another's traffic, and only sock_diag is
# scoped to a namespace.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag vsockmon || done_testing
new_netns nsa || { ok 1 "ip netns add nsa"; done_testing; }

if [ -e /proc/sys/net/vsock/ns_mode ]; then
	is "$(ip netns exec nsa cat /proc/sys/net/vsock/ns_mode)" global \
		"a new namespace is in global vsock mode by default ($LAB_KERNEL)"
fi

# A listener in the initial namespace, a client in nsa.
bg socat -u VSOCK-LISTEN:3000 CREATE:"$LAB_TMP/recv"
server=$BG_PID
wait_vsock_listen 3000
echo crossing >"$LAB_TMP/msg"
ip netns exec nsa socat -u OPEN:"$LAB_TMP/msg" VSOCK-CONNECT:1:3000
ok $? "a client in netns nsa connects to a listener in the initial netns"
wait "$server"
is "$(cat "$LAB_TMP/recv")" crossing "the data crossed the namespaces (global mode)"

# sock_diag is per namespace: nsa does not list the initial netns's sockets.
bg socat -u VSOCK-LISTEN:3001 OPEN:/dev/null
wait_vsock_listen 3001
is "$(ip netns exec nsa ss --vsock -a -n -H | grep -c ':3001')" 0 \
	"ss inside nsa does not list the initial netns's listener"

# The tap is global: a vsockmon inside nsa sees the initial netns's traffic.
ip -n nsa link add vsockmon1 type vsockmon && ip -n nsa link set vsockmon1 up
ok $? "a vsockmon device can be created inside nsa"
bg ip netns exec nsa tcpdump -B 32768 -i vsockmon1 --immediate-mode -U -w "$LAB_TMP/nsa.pcap" \
	2>"$LAB_TMP/tcpdump.err"
dump=$BG_PID
wait_for 20 grep -q 'listening on' "$LAB_TMP/tcpdump.err"
socat -u OPEN:"$LAB_TMP/msg" VSOCK-CONNECT:1:3001
sleep 1
kill -INT "$dump"
wait "$dump"
n=$(tcpdump -r "$LAB_TMP/nsa.pcap" -n 2>/dev/null | grep -c '> 1\.3001')
[ "$n" -gt 0 ]
ok $? "vsockmon1 in nsa captured $n frames of the initial netns's connection to port 3001"
done_testing
