#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The tap works: a vsockmon device captures a loopback transfer with tcpdump
# and tshark decodes the pcap's vsock fields.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag vsockmon || done_testing
check "ip link add vsockmon0 type vsockmon" -- ip link add vsockmon0 type vsockmon
ip link set vsockmon0 up
is "$(cat /sys/class/net/vsockmon0/type)" 826 "vsockmon0 is ARPHRD_VSOCKMON (826)"

pcap="$LAB_TMP/cap.pcap"
bg tcpdump -B 32768 -i vsockmon0 --immediate-mode -U -w "$pcap" 2>"$LAB_TMP/tcpdump.err"
dump=$BG_PID
wait_for 20 grep -q 'listening on vsockmon0' "$LAB_TMP/tcpdump.err"
ok $? "tcpdump listens on vsockmon0 (link type VSOCK)"

head -c 65536 /dev/urandom >"$LAB_TMP/data"
bg socat -u VSOCK-LISTEN:3456 OPEN:/dev/null
server=$BG_PID
wait_vsock_listen 3456
socat -u OPEN:"$LAB_TMP/data" VSOCK-CONNECT:1:3456
wait "$server"
sleep 1
kill -INT "$dump"
wait "$dump"
# A ring too small for 64 KiB frames drops them: -B sizes it (lab notes).
like "$(cat "$LAB_TMP/tcpdump.err")" '^0 packets dropped by kernel' "tcpdump dropped nothing"

fields=$(tshark -r "$pcap" -T fields -e vsock.virtio.op -e vsock.virtio.dst_prot \
	-e vsock.virtio.len 2>"$LAB_TMP/tshark.err")
ok $? "tshark reads the pcap" || sed 's/^/# /' "$LAB_TMP/tshark.err"
like "$(tshark -r "$pcap" -T fields -e frame.protocols -c 1 2>/dev/null)" 'vsock' \
	"tshark dissects the frames as vsock"
like "$fields" '^1	3456	0' "tshark: a REQUEST (op 1) to port 3456"
like "$fields" $'^2\t[0-9]+\t0' "tshark: a RESPONSE (op 2) back"
bytes=$(awk -F'\t' '$1 == 5 && $2 == 3456 { s += $3 } END { print s + 0 }' <<<"$fields")
is "$bytes" 65536 "tshark: RW (op 5) payload to port 3456 adds up to 65536 bytes"
ip link del vsockmon0
done_testing
