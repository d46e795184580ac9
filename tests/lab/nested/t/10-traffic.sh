#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vncat between the host (CID 2, vhost-vsock) and a real guest (CID 3,
# virtio), all of it captured by vsockdump on the host for
# 30-vsockdump.sh: 4 MiB each way with the same sha256, a guest listener
# reached by CID 3, SEQPACKET message sizes kept across both transports
# (messages larger than one 64 KiB packet too), -k on the host serving 4
# guest clients at once, and the one-line error for a CID no guest has.
. "$NSV_SRCDIR/tests/lab/nested/lib.sh"

T=$LAB_TMP
D=$NESTED_DIR
# The guest's connects wait up to 60 s (-w 60), not the kernel's 2: a host
# busy on a loaded machine answered two of four -k clients too late.
PEER=(/usr/bin/python3 "$NSV_SRCDIR/tests/lab/vncat-peer.py")
sha() { sha256sum "$1" | cut -d' ' -f1; }

# ------------------------------------------------------------- the capture
# A ring of 64 MiB, filled a block at a time as only -w asks (no -U):
# frames packed by their size, where -U's immediate mode gives each one a
# slot of the snap length, a few hundred at most; with -U a host busy for
# a few seconds dropped 600 frames of the 4 MiB host -> guest transfer.
cap=$NESTED_SHARED/traffic.pcap
rm -f "$cap"
check "no vsockmon device to begin with" -- test -z "$(ip -br link show type vsockmon)"
bg vsockdump -B 65536 -w "$cap" 2>"$T/dump.err"
dump=$BG_PID
wait_for 60 grep -q listening "$T/dump.err"
like "$(cat "$T/dump.err")" 'listening on vsockmon0 \(created\), link-type VSOCK' \
	"vsockdump creates vsockmon0 and captures on it"

# ------------------------------------------------- host -> guest, 4 MiB
gbg down 'vncat -v -l 5001 >/tmp/down'
vncat --retry 120 -v 3 5001 <"$D/down.bin" 2>"$T/down.err"
ok $? "the host sends 4 MiB to a guest vncat -l 5001 by CID 3" || diag "$(cat "$T/down.err")"
gwait down 600
ok $? "the guest's listener exits 0"
is "$(gsh 'sha256sum /tmp/down | cut -d" " -f1; wc -c </tmp/down; rm -f /tmp/down')" \
	"$(sha "$D/down.bin")
4194304" "the guest received 4194304 bytes with the sha256 the host sent"
like "$(gsh 'cat /tmp/down.err')" "connection from host:[0-9]+$" \
	"the guest's -v names the peer: the host (CID 2)"
like "$(cat "$T/down.err")" "connected to 3:5001 from \*:[0-9]+ \(stream\)" \
	"the host's -v: connected to 3:5001 (a connecting socket's own CID reads *)"

# ------------------------------------------------- guest -> host, 4 MiB
bg sh -c "exec vncat -v -l 5002 >'$T/up' 2>'$T/up.err' </dev/null"
server=$BG_PID
wait_vsock_listen 5002 60
out=$(gsh -t 600 'vncat -w 60 -v host 5002 </up.bin')
ok $? "the guest sends 4 MiB to the host's vncat -l 5002 (CID 2 named host)" || diag "$out"
like "$out" "stdio -> host:5002: 4194304 bytes" "the guest's -v counts 4194304 bytes sent"
wait "$server"
ok $? "the host's listener exits 0"
is "$(sha "$T/up")" "$(sha "$D/up.bin")" "the host received the guest's 4 MiB, sha256-identical"
like "$(cat "$T/up.err")" "connection from 3:[0-9]+$" "the host's -v names the peer: CID 3"
rm -f "$T/up"

# --------------------------------------------- SEQPACKET across both ways
# host -> guest relay -> host: each message crosses vhost into the guest's
# 4 KiB rx buffers and comes back through the guest's virtio transport.
SIZES=1,2,4095,4096,65535,65536,65537,131072,200000
bg "${PEER[@]}" seq-recv 5101 "$T/seq"
recv=$BG_PID
gbg relay 'vncat --seqpacket -w 60 -v -l 5100 vsock:2:5101'
wait_vsock_listen 5101 60
ok $? "the host's SEQPACKET receiver listens on 5101"
# until the guest's relay listens, a connect is reset (or, the guest busy,
# times out)
for _ in $(seq 120); do
	"${PEER[@]}" seq-send 3 5100 "$SIZES" 2>"$T/seq.err" && break
	grep -q 'Connection reset\|timed out' "$T/seq.err" || break
	sleep 1
done
ok $? "9 SEQPACKET messages go to the guest's vncat --seqpacket -l 5100 relay" ||
	diag "$(cat "$T/seq.err")"
wait_for 600 sh -c "! kill -0 $recv 2>/dev/null"
wait "$recv"
ok $? "the host's peer checked each message's bytes"
is "$(tr '\n' , <"$T/seq" 2>/dev/null)" "$SIZES," \
	"through host -> guest -> host every message kept its size, 1 B to 200000 B"
gwait relay 120
ok $? "the guest's relay exits 0"
like "$(gsh 'cat /tmp/relay.err')" "535874 bytes in 9 messages" \
	"the guest's relay counted 9 messages, 535874 bytes"

# --------------------------------------- -k: 4 guest clients at the same time
# The host's children can end only once their client's input ends, and the
# guest ends all four inputs only after the host saw four children at once.
# (No /dev/urandom in the guest: its first read waits for the entropy pool,
# minutes under TCG.)
mkdir "$T/bar"
bg vncat -l -k 5200 -c "touch $T/bar/\$VNCAT_PEER_CID:\$VNCAT_PEER_PORT; exec cat"
server=$BG_PID
wait_vsock_listen 5200 60
gsh 'rm -rf /tmp/k; mkdir /tmp/k; cd /tmp/k; mkfifo go
sleep 600 >go 2>/dev/null </dev/null &
echo $! >holder
for i in 1 2 3 4; do
	dd if=/up.bin of=in.$i bs=65536 skip=$((i * 4)) count=4 2>/dev/null
	( { exec 4<go; cat in.$i; cat <&4; } | vncat -w 60 2 5200 >out.$i 2>err.$i; echo $? >rc.$i ) </dev/null >/dev/null 2>&1 &
done'
ok $? "the guest starts 4 clients of the host's vncat -l -k 5200"
four() { local f=("$T"/bar/*); [ ${#f[@]} -ge 4 ]; }
wait_for 300 four
ok $? "vncat -l -k on the host serves 4 guest connections at the same time"
is "$(ls "$T/bar" | cut -d: -f1 | sort -u)" 3 "all four came from CID 3"
out=$(gsh -t 600 'cd /tmp/k; kill $(cat holder)
n=0; while [ $n -lt 2400 ] && [ "$(cat rc.* 2>/dev/null | wc -l)" -lt 4 ]; do sleep 0.2; n=$((n + 1)); done
for i in 1 2 3 4; do
	[ "$(cat rc.$i 2>/dev/null)" = 0 ] || echo "client $i: status $(cat rc.$i 2>/dev/null) $(cat err.$i)"
	[ "$(sha256sum <in.$i)" = "$(sha256sum <out.$i)" ] || echo "client $i: echo differs"
done; cd /; rm -rf /tmp/k')
is "$out" "" "the 4 clients exit 0, each got back the sha256 of its 256 KiB"
check "the -k server is still listening after they left" -- kill -0 "$server"
kill "$server"

# ------------------------------------------------- a CID with no guest
out=$(timeout 30 vncat 4 5000 </dev/null 2>&1)
is "$?" 1 "vncat 4 5000 (no guest has CID 4) exits 1"
is "$out" "vncat: no VM with CID 4: vhost_vsock knows no such guest (is the VM running?)" \
	"... with one line naming the problem"

# ------------------------------------------------------- the capture ends
sleep 1
kill -INT "$dump"
wait "$dump"
ok $? "SIGINT: vsockdump exits 0"
like "$(cat "$T/dump.err")" '[0-9]+ frames captured' "it counts the frames"
like "$(cat "$T/dump.err")" '^0 frames dropped by kernel' "-B 65536: the kernel dropped no frame" ||
	diag "$(cat "$T/dump.err")"
check "the vsockmon0 it created is gone" -- test -z "$(ip -br link show type vsockmon)"
done_testing
