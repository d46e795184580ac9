#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vsockdump captures real loopback traffic (stream, seqpacket, a refused
# connect, shutdowns, 64 KiB packets) into a pcap on a vsockmon device it
# creates and removes; tshark decodes every field of every frame of that
# file exactly as our --json does, and tcpdump -v agrees with our text on
# addresses, ops and lengths.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag vsockmon || done_testing
golden=$NSV_SRCDIR/tests/golden/vsockdump
pcap=$LAB_TMP/cap.pcap
is "$(ip -br link show type vsockmon)" "" "no vsockmon device to begin with"

bg vsockdump -U -w "$pcap" 2>"$LAB_TMP/dump.err"
dump=$BG_PID
wait_for 20 grep -q listening "$LAB_TMP/dump.err"
like "$(cat "$LAB_TMP/dump.err")" 'listening on vsockmon0 \(created\), link-type VSOCK' \
	"vsockdump creates vsockmon0 and listens on it"
is "$(cat /sys/class/net/vsockmon0/type 2>/dev/null)" 826 "vsockmon0 is ARPHRD_VSOCKMON"
like "$(ip -br link show vsockmon0)" 'UP|UNKNOWN' "vsockmon0 is up"

# Conversations: stream with a half-close, seqpacket with EOR, a refused
# connect, then 1 MiB through socat in 64 KiB packets.
check "stream, seqpacket and refused conversations" -- \
	/usr/bin/python3 "$golden/traffic.py" stream seqpacket refused
head -c 1M /dev/urandom >"$LAB_TMP/data"
bg socat -u VSOCK-LISTEN:1240 OPEN:/dev/null
server=$BG_PID
wait_vsock_listen 1240
check "socat sends 1 MiB to 1:1240" -- socat -b 65536 -u OPEN:"$LAB_TMP/data" VSOCK-CONNECT:1:1240
wait "$server"
sleep 0.5
kill -INT "$dump"
wait "$dump"
ok $? "SIGINT: vsockdump exits 0"
like "$(cat "$LAB_TMP/dump.err")" '[0-9]+ frames captured' "it prints the frame count"
like "$(cat "$LAB_TMP/dump.err")" '^0 frames dropped by kernel' "no frame dropped (large ring, immediate mode)"
is "$(ip -br link show type vsockmon)" "" "the vsockmon0 it created is gone"

# What the flow table makes of it.
flows=$(vsockdump -r "$pcap" -q --flows -n 2>/dev/null)
like "$flows" 'STREAM 1:[0-9]+ > 1:1234: closed' "flows: the stream connection, closed"
like "$flows" 'SEQPACKET 1:[0-9]+ > 1:1235: closed' "flows: the seqpacket connection"
like "$flows" 'STREAM 1:[0-9]+ > 1:1299: refused' "flows: the refused connect"
like "$flows" 'history: >REQUEST <RESPONSE >SHUTDOWN\[send\]' "flows: the half-close in the history"
like "$(grep -A2 '> 1:1240' <<<"$flows")" '> [0-9]+ frames, 1048576 bytes' \
	"flows: 1048576 bytes to port 1240"
like "$flows" '[0-9]+ connections, 1 refused' "flows: one refused connect counted"
is "$(vsockdump -r "$pcap" -n op rw and port 1240 2>/dev/null |
	awk '{ n += $NF == 65536 } END { print n }')" 16 "sixteen 64 KiB packets to port 1240"

# tshark's dissector against our --json, field by field, frame by frame.
fields="vsock.src_cid vsock.dst_cid vsock.src_port vsock.dst_port vsock.op
	vsock.trans vsock.trans_len vsock.virtio.src_cid vsock.virtio.dst_cid
	vsock.virtio.src_prot vsock.virtio.dst_prot vsock.virtio.len
	vsock.virtio.type vsock.virtio.op vsock.virtio.flags
	vsock.virtio.buf_alloc vsock.virtio.fwd_cnt vsock.payload"
tshark -r "$pcap" -T fields -E separator=, $(printf -- '-e %s ' $fields) \
	>"$LAB_TMP/tshark.csv" 2>"$LAB_TMP/tshark.err"
ok $? "tshark reads our pcap" || sed 's/^/# /' "$LAB_TMP/tshark.err"
vsockdump -r "$pcap" --json -X >"$LAB_TMP/ours.json" 2>/dev/null
ok $? "vsockdump --json -X reads it back"
out=$(/usr/bin/python3 - "$LAB_TMP/tshark.csv" "$LAB_TMP/ours.json" <<'EOF'
import json, sys
keys = [("src_cid",), ("dst_cid",), ("src_port",), ("dst_port",), ("op",),
        ("transport",), ("hdr_len",)] + [("virtio", k) for k in
        ("src_cid", "dst_cid", "src_port", "dst_port", "len", "type", "op",
         "flags", "buf_alloc", "fwd_cnt")]
theirs = [l.rstrip("\n").split(",") for l in open(sys.argv[1])]
ours = [json.loads(l) for l in open(sys.argv[2])]
bad = 0
if len(theirs) != len(ours):
    print("frames: tshark %d, vsockdump %d" % (len(theirs), len(ours)))
    bad += 1
for i, (t, o) in enumerate(zip(theirs, ours)):
    for k, tv in zip(keys, t):
        ov = o
        for p in k:
            ov = ov[p]
        if int(tv, 0) != ov:
            bad += 1
            print("frame %d %s: tshark %s, vsockdump %s" % (i + 1, ".".join(k), tv, ov))
    if t[-1] != o.get("payload", ""):
        bad += 1
        print("frame %d payload differs" % (i + 1))
print("%d frames, %d fields each, %d differences" % (len(ours), len(keys) + 1, bad))
sys.exit(bad != 0)
EOF
)
ok $? "tshark and --json agree on every field of every frame" || diag "$out"
diag "$(tail -n 1 <<<"$out")"

# tcpdump -v against our text: addresses, virtio ops, lengths.
tcpdump -r "$pcap" -v -n -tt >"$LAB_TMP/tcpdump.txt" 2>/dev/null
vsockdump -r "$pcap" -n -tt >"$LAB_TMP/ours.txt" 2>/dev/null
out=$(/usr/bin/python3 - "$LAB_TMP/tcpdump.txt" "$LAB_TMP/ours.txt" <<'EOF'
import re, sys
# tcpdump -v: "TS VIRTIO (len L, type T, op OP, ...)\n\tC.P > C.P MONOP, length N"
t = open(sys.argv[1]).read()
theirs = re.findall(r"^(\S+) VIRTIO \(len (\d+), type [^,]+, op ([^,]+),.*\n\s+"
                    r"(\d+)\.(\d+) > (\d+)\.(\d+) \w+, length (\d+)", t, re.M)
ours = re.findall(r"^(\S+) (\d+):(\d+) > (\d+):(\d+): \w+ (\w+)(?: \[[^]]*\])?, "
                  r"length (\d+)", open(sys.argv[2]).read(), re.M)
bad = 0 if len(theirs) == len(ours) and ours else 1
for a, b in zip(theirs, ours):
    ts, vlen, op, sc, sp, dc, dp, flen = a
    op = op.replace(" ", "_")  # tcpdump says CREDIT UPDATE
    if (ts, sc, sp, dc, dp, op, vlen) != b or int(flen) != 76 + int(vlen):
        bad += 1
        if bad < 5:
            print("tcpdump %s / vsockdump %s" % (a, b))
print("%d frames compared, %d differ" % (len(ours), bad))
sys.exit(bad != 0)
EOF
)
ok $? "tcpdump -v and our text agree on time, ends, op and length" || diag "$out"
diag "$(tail -n 1 <<<"$out")"
done_testing
