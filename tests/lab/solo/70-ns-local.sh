#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# lab-min-kernel: 7.0
# Upstream per-netns vsock (Linux 7.0): a "local" namespace keeps loopback to
# itself. Its own VM: child_ns_mode is write-once and cannot be undone.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag vsockmon || done_testing
is "$(cat /proc/sys/net/vsock/ns_mode)" global "the initial netns is global"
check "child_ns_mode accepts 'local'" -- sh -c 'echo local > /proc/sys/net/vsock/child_ns_mode'
bash -c 'echo global > /proc/sys/net/vsock/child_ns_mode' 2>"$LAB_TMP/err"
[ $? -ne 0 ] && grep -qi 'busy' "$LAB_TMP/err"
ok $? "a second write of child_ns_mode is refused (EBUSY)"
new_netns loc || { ok 1 "ip netns add loc"; done_testing; }
is "$(ip netns exec loc cat /proc/sys/net/vsock/ns_mode)" local "the new namespace is local"

bg socat -u VSOCK-LISTEN:4000 OPEN:/dev/null
wait_vsock_listen 4000
echo hi | ip netns exec loc socat -u - VSOCK-CONNECT:1:4000 2>"$LAB_TMP/err"
ok $((! $?)) "a client in the local netns cannot reach the initial netns's listener"

# The same port in two namespaces, and a local namespace reaches itself.
bg ip netns exec loc socat -u VSOCK-LISTEN:4000 CREATE:"$LAB_TMP/loc.recv"
server=$BG_PID
wait_vsock_listen 4000 20 loc
ok $? "port 4000 can be bound in the local netns while the initial netns holds it"

# Capture in the initial netns while loc talks to itself: the tap is global.
ip link add vsockmon0 type vsockmon && ip link set vsockmon0 up
bg tcpdump -B 32768 -i vsockmon0 --immediate-mode -U -w "$LAB_TMP/g.pcap" 2>"$LAB_TMP/tcpdump.err"
dump=$BG_PID
wait_for 20 grep -q 'listening on' "$LAB_TMP/tcpdump.err"
echo private | ip netns exec loc socat -u - VSOCK-CONNECT:1:4000
ok $? "a client in the local netns reaches its own listener"
wait "$server"
is "$(cat "$LAB_TMP/loc.recv")" private "the data arrived inside the local netns"
sleep 1
kill -INT "$dump"
wait "$dump"
n=$(tcpdump -r "$LAB_TMP/g.pcap" -n 2>/dev/null | grep -c '1\.4000')
[ "$n" -gt 0 ]
ok $? "a vsockmon in the initial netns still sees the local netns's connection ($n frames)"
done_testing
