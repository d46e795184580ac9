#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hybrid vsock (Firecracker, Cloud Hypervisor): vncat --hybrid against a tiny
# VMM (tests/lab/vncat-peer.py vmm) that speaks the documented protocol and
# reaches "the guest" over real vsock loopback: host-initiated connections
# ("CONNECT PORT\n" / "OK PORT\n"), guest-initiated ones (UDS_PORT), and
# every way the handshake can fail.
# lab-one-kernel: the tools' own logic, the same on every kernel
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
T=$LAB_TMP
PEER=(/usr/bin/python3 "$NSV_SRCDIR/tests/lab/vncat-peer.py")
"${PEER[@]}" mkdata-n "$T/d" 2 4
up_sum=$(sha256sum <"$T/d.1")
SERVICE="sha256sum; cat $T/d.2"
check_reply() {
	is "$(head -n 1 "$2")" "$up_sum" "$1: the far end got our 4 MiB intact (sha256)"
	tail -c +$(($(head -n 1 "$2" | wc -c) + 1)) "$2" | cmp -s - "$T/d.2"
	ok $? "$1: we got its 4 MiB intact"
}

bg "${PEER[@]}" vmm "$T/fc.sock" --forward 2401
wait_vsock_listen 2401

# Host to guest: CONNECT 2400 through the VMM's socket.
bg vncat -l 2400 -c "$SERVICE"
wait_vsock_listen 2400
timeout 60 vncat -v --hybrid "$T/fc.sock" 2400 <"$T/d.1" >"$T/r1" 2>"$T/r1.err"
ok $? "vncat --hybrid UDS 2400 exits 0"
check_reply "host -> guest port 2400" "$T/r1"
like "$(<"$T/r1.err")" "connected to guest port 2400 through $T/fc.sock \(OK [0-9]+\)" \
	"-v shows the VMM's OK answer"

# Guest to host: the VMM delivers guest connections to host port 2401 on
# UDS_2401, where vncat -l --hybrid listens.
bg vncat -l --hybrid "$T/fc.sock" 2401 -c "$SERVICE"
listener=$BG_PID
wait_for 20 test -S "$T/fc.sock_2401"
ok $? "vncat -l --hybrid UDS 2401 listens on UDS_2401"
timeout 60 vncat 1 2401 <"$T/d.1" >"$T/r2"
ok $? "a guest-side vncat 1 2401 exits 0"
check_reply "guest -> host port 2401" "$T/r2"
wait "$listener"
ok $? "the hybrid listener exits 0"
check "and removes UDS_2401" -- test ! -e "$T/fc.sock_2401"

# A relay from TCP to a guest port through the VMM: hybrid:UDS:PORT target.
ip link set lo up
bg vncat -l 2402 -c "$SERVICE"
wait_vsock_listen 2402
bg vncat -l tcp:127.0.0.1:7402 hybrid:"$T/fc.sock":2402
wait_for 20 sh -c "ss -ltnH | grep -q ':7402 '"
timeout 60 socat -t 30 - TCP:127.0.0.1:7402 <"$T/d.1" >"$T/r3"
ok $? "socat through vncat -l tcp:... hybrid:UDS:2402 exits 0"
check_reply "tcp -> hybrid guest port 2402" "$T/r3"

# -z through the VMM: which guest ports listen.
bg vncat -l -k 2410 </dev/null >/dev/null
wait_vsock_listen 2410
is "$(vncat -z --hybrid "$T/fc.sock" 2409-2411)" "hybrid:$T/fc.sock:2410 open" \
	"vncat -z --hybrid UDS 2409-2411 finds guest port 2410"

# ------------------------------------------------------------- failures
out=$(vncat --hybrid "$T/fc.sock" 2499 </dev/null 2>&1)
is "$?" 1 "nothing on guest port 2499: exit 1"
is "$out" "vncat: hybrid vsock: $T/fc.sock closed the connection without answering 'CONNECT 2499' (nothing listening on guest port 2499?)" \
	"and the message says the VMM closed without answering"

bg "${PEER[@]}" vmm "$T/bad.sock" --answer $'ERR no such port\n'
wait_for 20 test -S "$T/bad.sock"
out=$(vncat --hybrid "$T/bad.sock" 5 </dev/null 2>&1)
is "$?" 1 "a VMM answering 'ERR ...': exit 1"
is "$out" "vncat: hybrid vsock handshake failed: $T/bad.sock answered 'ERR no such port' to 'CONNECT 5' instead of 'OK PORT'" \
	"and the message quotes what came back"

bg "${PEER[@]}" vmm "$T/half.sock" --answer "OK 12"
wait_for 20 test -S "$T/half.sock"
out=$(vncat --hybrid "$T/half.sock" 5 </dev/null 2>&1)
is "$?" 1 "a VMM that closes after half an answer: exit 1"
is "$out" "vncat: hybrid vsock handshake failed: $T/half.sock closed the connection after 'OK 12' without a whole answer line" \
	"and the message quotes the half line"

bg "${PEER[@]}" vmm "$T/mute.sock" --silent
wait_for 20 test -S "$T/mute.sock"
out=$(timeout 30 vncat -w 1 --hybrid "$T/mute.sock" 5 </dev/null 2>&1)
is "$?" 1 "a VMM that never answers, -w 1: exit 1"
is "$out" "vncat: hybrid vsock: no answer from $T/mute.sock to 'CONNECT 5' within 1.0 s" \
	"and the message says how long it waited"

out=$(vncat --hybrid "$T/none.sock" 5 </dev/null 2>&1)
is "$?" 1 "no VMM socket at all: exit 1"
is "$out" "vncat: nothing listening on the VMM's socket $T/none.sock (no such file)" \
	"and the message names the missing socket"
done_testing
