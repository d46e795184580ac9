#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vncat relays: a vsock listener forwarding to TCP and to a Unix socket, and
# TCP and Unix listeners forwarding to vsock; socat plays the outside peers.
# Each service sends back the sha256 of what it got, then 4 MiB of its own.
# lab-one-kernel: the tools' own logic, the same on every kernel
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
ip link set lo up
T=$LAB_TMP
PEER=(/usr/bin/python3 "$NSV_SRCDIR/tests/lab/vncat-peer.py")
"${PEER[@]}" mkdata "$T/up" 4 1
"${PEER[@]}" mkdata "$T/down" 4 2
up_sum=$(sha256sum <"$T/up")
SERVICE="sha256sum; cat $T/down"

# check_reply NAME FILE: the service's reply is our sha256, then its 4 MiB.
check_reply() {
	is "$(head -n 1 "$2")" "$up_sum" "$1: the service got our 4 MiB intact (sha256)"
	tail -c +$(($(head -n 1 "$2" | wc -c) + 1)) "$2" | cmp -s - "$T/down"
	ok $? "$1: we got the service's 4 MiB intact"
}

# vsock -> TCP: offer a TCP service of this machine on vsock port 2300.
bg socat -t 30 TCP-LISTEN:7300,bind=127.0.0.1,reuseaddr SYSTEM:"$SERVICE"
wait_for 20 sh -c "ss -ltnH | grep -q ':7300 '"
bg vncat -l 2300 tcp:127.0.0.1:7300
relay=$BG_PID
wait_vsock_listen 2300
timeout 60 vncat 1 2300 <"$T/up" >"$T/r1"
ok $? "vncat 1 2300 through vncat -l 2300 tcp:127.0.0.1:7300 exits 0"
wait "$relay"
ok $? "the relay exits 0 after the connection"
check_reply "vsock -> tcp" "$T/r1"

# TCP -> vsock: offer vsock port 2301 on TCP 7301; socat is the TCP client.
bg vncat -l 2301 -c "$SERVICE"
wait_vsock_listen 2301
bg vncat -l tcp:127.0.0.1:7301 vsock:1:2301
relay=$BG_PID
wait_for 20 sh -c "ss -ltnH | grep -q ':7301 '"
timeout 60 socat -t 30 - TCP:127.0.0.1:7301 <"$T/up" >"$T/r2"
ok $? "socat through vncat -l tcp:127.0.0.1:7301 vsock:1:2301 exits 0"
wait "$relay"
ok $? "the relay exits 0"
check_reply "tcp -> vsock" "$T/r2"

# vsock -> Unix socket.
bg socat -t 30 UNIX-LISTEN:"$T/svc.sock" SYSTEM:"$SERVICE"
wait_for 20 test -S "$T/svc.sock"
bg vncat -l 2302 unix:"$T/svc.sock"
relay=$BG_PID
wait_vsock_listen 2302
timeout 60 vncat 1 2302 <"$T/up" >"$T/r3"
ok $? "vncat 1 2302 through vncat -l 2302 unix:PATH exits 0"
wait "$relay"
check_reply "vsock -> unix" "$T/r3"

# Unix socket -> vsock, with -k: two clients one after the other.
bg vncat -l -k 2303 -c "$SERVICE"
wait_vsock_listen 2303
bg vncat -l -k unix:"$T/front.sock" vsock:1:2303
relay=$BG_PID
wait_for 20 test -S "$T/front.sock"
for n in 1 2; do
	timeout 60 socat -t 30 - UNIX-CONNECT:"$T/front.sock" <"$T/up" >"$T/r4.$n"
	ok $? "socat client $n through vncat -l -k unix:PATH vsock:1:2303 exits 0"
	check_reply "unix -> vsock, client $n" "$T/r4.$n"
done
kill "$relay"
wait_for 10 test ! -e "$T/front.sock"
ok $? "the relay removes its Unix socket file when it is killed"
done_testing
