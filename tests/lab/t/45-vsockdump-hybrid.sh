#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vsockdump --hybrid, the recording relay, in front of the lab's own
# Firecracker-style VMM (tests/lab/vncat-peer.py vmm, which reaches "the
# guest" over real vsock loopback): host- and guest-initiated connections
# move 4 MiB each way through it intact, half-closes included; the capture's
# flows count those bytes; tshark decodes every frame as our --json does. A
# VMM that refuses reaches the client unchanged and is one line here. Bad
# paths are one line and no file. --takeover swaps the VMM's socket back on
# SIGINT and on SIGSEGV, and SIGKILL's leftover is refused with advice.
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

bg "${PEER[@]}" vmm "$T/fc.sock" --forward 2441
wait_vsock_listen 2441
bg vncat -l -k 2440 -c "$SERVICE"
wait_vsock_listen 2440
bg vncat -l -k 2442 -c cat # an echo service for the quick checks
wait_vsock_listen 2442
# the host application for guest connections to host port 2441
bg vncat -l -k --hybrid "$T/app" 2441 -c "$SERVICE"
wait_for 20 test -S "$T/app_2441"

bg vsockdump --hybrid "$T/fc.sock" --hybrid-listen "$T/rec.sock" \
	--hybrid-port 2441:"$T/app_2441" -U -w "$T/h.pcap" 2>"$T/h.err"
relay=$BG_PID
wait_for 20 grep -q listening "$T/h.err"
like "$(cat "$T/h.err")" "listening as hybrid vsock relay of $T/fc.sock \(guest CID 3; clients: $T/rec.sock; host port 2441: $T/fc.sock_2441 -> $T/app_2441\)" \
	"the relay names what it listens on"

# host-initiated, through --hybrid-listen's path
timeout 120 vncat -v --hybrid "$T/rec.sock" 2440 <"$T/d.1" >"$T/r1" 2>"$T/r1.err"
ok $? "vncat --hybrid REC.sock 2440 through the relay exits 0"
check_reply "host -> guest port 2440 through the relay" "$T/r1"
hostport=$(sed -n 's/.*(OK \([0-9]*\)).*/\1/p' "$T/r1.err")
like "$hostport" '^[0-9]+$' "the client saw the VMM's own answer (OK $hostport)"

# guest-initiated: the VMM delivers it to FC.sock_2441, where we listen
timeout 120 vncat 1 2441 <"$T/d.1" >"$T/r2"
ok $? "a guest-side vncat 1 2441 through the relay exits 0"
check_reply "guest -> host port 2441 through the relay" "$T/r2"

# a VMM that refuses: its answer reaches the client unchanged
bg "${PEER[@]}" vmm "$T/bad.sock" --answer $'ERR no such port\n'
wait_for 20 test -S "$T/bad.sock"
bg vsockdump --hybrid "$T/bad.sock" --hybrid-listen "$T/badrec.sock" -w "$T/bad.pcap" 2>"$T/bad.err"
badrelay=$BG_PID
wait_for 20 grep -q listening "$T/bad.err"
out=$(vncat --hybrid "$T/badrec.sock" 5 </dev/null 2>&1)
is "$?" 1 "a VMM answering 'ERR ...' through the relay: the client exits 1"
is "$out" "vncat: hybrid vsock handshake failed: $T/badrec.sock answered 'ERR no such port' to 'CONNECT 5' instead of 'OK PORT'" \
	"with the VMM's own answer"
wait_for 10 grep -q "answered 'ERR" "$T/bad.err"
is "$(grep -c "answered 'ERR no such port' to 'CONNECT 5' instead of 'OK PORT'" "$T/bad.err")" 1 \
	"the relay says so in one line"
kill -0 "$badrelay"
ok $? "and goes on relaying"
kill -INT "$badrelay"
wait "$badrelay"
ok $? "SIGINT: exit 0"
is "$(vsockdump -r "$T/bad.pcap" -t -n 2>/dev/null)" \
	"2:* > 3:5: NO_INFO CONNECT, length 10
3:5 > 2:*: NO_INFO DISCONNECT, length 17" "its capture: the request, then the refusal carrying the answer"

sleep 0.5
kill -INT "$relay"
wait "$relay"
ok $? "SIGINT: the relay exits 0"
check "it removed the sockets it listened on" -- \
	test ! -e "$T/rec.sock" -a ! -e "$T/fc.sock_2441"

# what the capture says
flows=$(vsockdump -r "$T/h.pcap" -q --flows -n 2>/dev/null)
diag "$(head -n 1 <<<"$flows")"
like "$(grep -A3 "hybrid 2:$hostport > 3:2440" <<<"$flows")" "> [0-9]+ frames, 4194304 bytes" \
	"--flows: host -> guest 2440: 4194304 bytes"
like "$(grep -A3 "hybrid 2:$hostport > 3:2440" <<<"$flows")" "< [0-9]+ frames, $(stat -c %s "$T/r1") bytes" \
	"--flows: and back the $(stat -c %s "$T/r1") bytes the client got"
like "$(grep -A3 'hybrid 3:\* > 2:2441' <<<"$flows")" "> [0-9]+ frames, 4194304 bytes" \
	"--flows: guest (port unknown) -> host 2441: 4194304 bytes"
like "$(grep -A3 'hybrid 3:\* > 2:2441' <<<"$flows")" "< [0-9]+ frames, $(stat -c %s "$T/r2") bytes" \
	"--flows: and back $(stat -c %s "$T/r2") bytes"
like "$flows" 'history: >CONNECT <CONNECT (>DISCONNECT <DISCONNECT|<DISCONNECT >DISCONNECT)' \
	"--flows: handshake and a half-close each way"
is "$(vsockdump -r "$T/h.pcap" -n -A -c 2 2>/dev/null | sed -n '2p;4p')" \
	"CONNECT 2440
OK $hostport" "the handshake frames carry the request and the VMM's answer"

# tshark against our --json, frame by frame
fields="vsock.src_cid vsock.dst_cid vsock.src_port vsock.dst_port vsock.op
	vsock.trans vsock.trans_len frame.len frame.cap_len"
tshark -r "$T/h.pcap" -T fields -E separator=, $(printf -- '-e %s ' $fields) \
	>"$T/tshark.csv" 2>"$T/tshark.err"
ok $? "tshark reads the relay's pcap" || sed 's/^/# /' "$T/tshark.err"
vsockdump -r "$T/h.pcap" --json >"$T/ours.json" 2>/dev/null
out=$(/usr/bin/python3 - "$T/tshark.csv" "$T/ours.json" <<'EOF'
import json, sys
keys = ["src_cid", "dst_cid", "src_port", "dst_port", "op", "transport",
        "hdr_len", "wirelen", "caplen"]
theirs = [l.rstrip("\n").split(",") for l in open(sys.argv[1])]
ours = [json.loads(l) for l in open(sys.argv[2])]
bad = 0 if len(theirs) == len(ours) and ours else 1
for i, (t, o) in enumerate(zip(theirs, ours)):
    for k, tv in zip(keys, t):
        if int(tv, 0) != o[k]:
            bad += 1
            print("frame %d %s: tshark %s, vsockdump %s" % (i + 1, k, tv, o[k]))
print("%d frames, %d fields each, %d differences" % (len(ours), len(keys), bad))
sys.exit(bad != 0)
EOF
)
ok $? "tshark and --json agree on every frame" || diag "$out"
diag "$(tail -n 1 <<<"$out")"
ours=$(vsockdump -r "$T/h.pcap" -t -n port 2440 2>/dev/null | wc -l)
theirs=$(tshark -r "$T/h.pcap" -Y 'vsock.dst_port == 2440 || vsock.src_port == 2440' \
	-T fields -e frame.number 2>/dev/null | wc -l)
is "$ours" "$theirs" "'port 2440' picks the $theirs frames tshark picks"

# ----------------------------------------------------------- bad input
: >"$T/plain"
out=$(vsockdump --hybrid "$T/plain" --hybrid-listen "$T/x.sock" -w "$T/x.pcap" 2>&1)
is "$?" 1 "a VMM path that is no socket: exit 1"
is "$out" "vsockdump: the VMM's socket $T/plain: not a socket" "one line saying so"
check "no capture file, no listening socket left" -- test ! -e "$T/x.pcap" -a ! -e "$T/x.sock"
out=$(vsockdump --hybrid "$T/fc.sock" --hybrid-port 2441 2>&1)
is "$?" 2 "--hybrid-port without an application and without --takeover: exit 2"
like "$out" "needs :APP_SOCKET .*Try 'vsockdump --help'" "a usage error"

# ------------------------------------------------------------ --takeover
bg vsockdump --hybrid "$T/fc.sock" --takeover -w "$T/t.pcap" 2>"$T/t.err"
take=$BG_PID
wait_for 20 grep -q listening "$T/t.err"
check "--takeover: the VMM's socket waits aside" -- test -S "$T/fc.sock.vsockdump-aside"
out=$(echo "through the takeover" | timeout 60 vncat --hybrid "$T/fc.sock" 2442)
is "$out" "through the takeover" "a client of the VMM's own path, taken over, is answered"
kill -INT "$take"
wait "$take"
ok $? "SIGINT: exit 0"
check "the VMM's socket is back in place, nothing aside" -- test ! -e "$T/fc.sock.vsockdump-aside"
like "$(vsockdump -r "$T/t.pcap" -q --flows -n 2>/dev/null)" '> [0-9]+ frames, 21 bytes' \
	"the takeover recorded the exchange"
out=$(vncat -v --hybrid "$T/fc.sock" 2442 </dev/null 2>&1 >/dev/null)
like "$out" "connected to guest port 2442 through $T/fc.sock" "clients reach the VMM directly again"

bg vsockdump --hybrid "$T/fc.sock" --takeover -q 2>"$T/t2.err"
take=$BG_PID
wait_for 20 grep -q listening "$T/t2.err"
kill -SEGV "$take"
wait "$take"
is "$?" 139 "--takeover killed by SIGSEGV: died of it"
check "and put the VMM's socket back first" -- test ! -e "$T/fc.sock.vsockdump-aside"
vncat --hybrid "$T/fc.sock" 2442 </dev/null >/dev/null 2>&1
ok $? "clients reach the VMM directly"

bg vsockdump --hybrid "$T/fc.sock" --takeover -q 2>"$T/t3.err"
take=$BG_PID
wait_for 20 grep -q listening "$T/t3.err"
kill -KILL "$take"
wait "$take"
check "SIGKILL cannot be caught: the VMM's socket stays aside" -- test -S "$T/fc.sock.vsockdump-aside"
out=$(vsockdump --hybrid "$T/fc.sock" --takeover -q 2>&1)
is "$?" 1 "the next --takeover refuses: exit 1"
is "$out" "vsockdump: $T/fc.sock.vsockdump-aside exists: left by a vsockdump --takeover that was killed? If $T/fc.sock is a dead socket: mv $T/fc.sock.vsockdump-aside $T/fc.sock" \
	"and says how to put it back"
mv "$T/fc.sock.vsockdump-aside" "$T/fc.sock"
vncat --hybrid "$T/fc.sock" 2442 </dev/null >/dev/null 2>&1
ok $? "after that mv, clients reach the VMM again"
done_testing
