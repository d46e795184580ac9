#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Header capture from the vsock tracepoints. First next to a vsockmon device
# on the same traffic: every packet the device saw, the tracepoints saw
# exactly once, with the same header fields and credit. Then with vsockmon
# made impossible to load (an install rule that fails, in a modprobe.d bound
# over the read-only one): vsockdump falls back by itself and says so in one
# line; tshark reads the file; --flows counts the bytes of a vncat transfer;
# a port filter picks what tshark's does, live and offline. Last, an
# unprivileged user gets one clear line and no file.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag vsockmon || done_testing
golden=$NSV_SRCDIR/tests/golden/vsockdump
T=$LAB_TMP
PEER=(/usr/bin/python3 "$NSV_SRCDIR/tests/lab/vncat-peer.py")
"${PEER[@]}" mkdata "$T/data" 3
head -c 4321 "$T/data" >>"$T/data" # not a multiple of any buffer
size=$(stat -c %s "$T/data")
tracefs=/sys/kernel/tracing

# headers FILE: one line per frame: ends, type, op, flags, length and the
# header's buf_alloc and fwd_cnt (not the credit computed from the order)
headers() {
	vsockdump -r "$1" -v -n -t 2>/dev/null | sed 's/, \(peer \)\{0,1\}credit .*//'
}

# transfer PORT: vncat sends $T/data to a vncat listener on PORT
transfer() {
	bg vncat -l "$1" >"$T/got.$1"
	local l=$BG_PID
	wait_vsock_listen "$1"
	vncat 1 "$1" <"$T/data"
	wait "$l"
	cmp -s "$T/data" "$T/got.$1"
}

# --------------------------------------- next to vsockmon, the same packets
dev=vsockmon43
ip link add "$dev" type vsockmon && ip link set "$dev" up
trap 'ip link del "$dev" 2>/dev/null; lab_cleanup' EXIT
bg vsockdump -i "$dev" -B 65536 -U -w "$T/mon.pcap" 2>"$T/mon.err"
mon=$BG_PID
bg vsockdump -i tracepoints -U -w "$T/tp.pcap" 2>"$T/tp.err"
tp=$BG_PID
wait_for 30 grep -q listening "$T/mon.err"
wait_for 30 grep -q listening "$T/tp.err"
like "$(cat "$T/tp.err")" 'listening on tracepoints \(headers only\), link-type VSOCK \(271\), snapshot length 76 bytes' \
	"-i tracepoints starts (snapshot length: the two headers)"
check "traffic: stream, seqpacket, refused" -- \
	/usr/bin/python3 "$golden/traffic.py" stream seqpacket refused
check "vncat moves $size bytes over loopback" -- transfer 2430
sleep 1.5 # an alloc waits up to a second for its recv
kill -INT "$mon" "$tp"
wait "$mon"
wait "$tp"
ok $? "SIGINT: -i tracepoints exits 0"
like "$(cat "$T/tp.err")" '^0 frames dropped by kernel' "no event lost by the perf rings"
headers "$T/mon.pcap" | sort >"$T/mon.keys"
headers "$T/tp.pcap" | sort >"$T/tp.keys"
n=$(wc -l <"$T/mon.keys")
if [ "$n" -gt 50 ] && cmp -s "$T/mon.keys" "$T/tp.keys"; then
	ok 0 "the tracepoints saw the $n packets vsockmon saw, each exactly once, headers and credit alike"
else
	ok 1 "the tracepoints saw the packets vsockmon saw, each exactly once"
	diag "vsockmon $n frames (50 at least expected), tracepoints $(wc -l <"$T/tp.keys")"
	diff "$T/mon.keys" "$T/tp.keys" | head -10 | sed 's/^/# /'
fi
is "$(vsockdump -r "$T/tp.pcap" --json 2>/dev/null | grep -c '"source":"tracepoint:alloc+recv"')" "$n" \
	"over loopback every frame was made of both events" ||
	vsockdump -r "$T/tp.pcap" -vv -n 2>/dev/null | grep -v 'alloc+recv' | head | sed 's/^/# /'
ip link del "$dev"

# ------------------------------------------ no vsockmon: the automatic fallback
for d in $(ip -br link show type vsockmon | awk '{ print $1 }'); do
	ip link del "$d"
done
rmmod vsockmon 2>/dev/null
mkdir -p "$T/modprobe.d"
cp -a /etc/modprobe.d/. "$T/modprobe.d/" 2>/dev/null
echo "install vsockmon /bin/false" >"$T/modprobe.d/nsv-no-vsockmon.conf"
mount --bind "$T/modprobe.d" /etc/modprobe.d
trap 'umount /etc/modprobe.d 2>/dev/null; lab_cleanup' EXIT
! modprobe vsockmon 2>/dev/null && ! ip link add vsockmon9 type vsockmon 2>/dev/null
ok $? "vsockmon cannot be loaded now"

bg vsockdump -U -w "$T/fb.pcap" 2>"$T/fb.err"
fb=$BG_PID
bg vsockdump -U -w "$T/fbport.pcap" port 2431 2>"$T/fbport.err"
fbport=$BG_PID
wait_for 30 grep -q listening "$T/fb.err"
wait_for 30 grep -q listening "$T/fbport.err"
is "$(grep -c 'vsockdump: headers only: no vsockmon on this kernel' "$T/fb.err")" 1 \
	"without vsockmon vsockdump says so in one line"
like "$(cat "$T/fb.err")" 'listening on tracepoints' "and captures from the tracepoints"
check "traffic: a stream conversation" -- /usr/bin/python3 "$golden/traffic.py" stream
check "vncat moves $size bytes to port 2431" -- transfer 2431
sleep 1.5
kill -INT "$fb" "$fbport"
wait "$fb"
ok $? "SIGINT: exit 0"
wait "$fbport"
frames=$(vsockdump -r "$T/fb.pcap" 2>/dev/null | wc -l)
like "$(cat "$T/fb.err")" "^$frames frames captured" "the frame count ($frames)"
tshark -r "$T/fb.pcap" -T fields -e vsock.virtio.op -e frame.len >"$T/tshark.txt" 2>"$T/tshark.err"
ok $? "tshark reads the file" || sed 's/^/# /' "$T/tshark.err"
is "$(wc -l <"$T/tshark.txt")" "$frames" "tshark finds the same $frames frames"
is "$(awk '$1 == 5 { n += $2 - 76 } END { print n + 0 }' "$T/tshark.txt")" \
	"$(vsockdump -r "$T/fb.pcap" -n op rw 2>/dev/null | awk '{ n += $(NF) } END { print n + 0 }')" \
	"tshark's wire lengths carry the payload our frames announce"
flows=$(vsockdump -r "$T/fb.pcap" -q --flows -n 2>/dev/null)
like "$(grep -A2 '> 1:2431' <<<"$flows")" "> [0-9]+ frames, $size bytes" \
	"--flows: the connection to port 2431 carried the $size bytes sent"
like "$flows" 'STREAM 1:[0-9]+ > 1:1234: closed' "--flows: the stream conversation, closed"
ours=$(vsockdump -r "$T/fb.pcap" -t -n port 2431 2>/dev/null)
theirs=$(tshark -r "$T/fb.pcap" -Y 'vsock.dst_port == 2431 || vsock.src_port == 2431' \
	-T fields -e frame.number 2>/dev/null | wc -l)
n=$(grep -c . <<<"$ours")
if [ "$n" -gt 0 ] && [ "$n" = "$theirs" ] && [ "$n" -lt "$frames" ]; then
	ok 0 "'port 2431' picks the $n of $frames frames tshark's vsock.dst_port/src_port picks"
else
	ok 1 "'port 2431' picks what tshark picks (ours $n, tshark $theirs, of $frames)"
fi
is "$(vsockdump -r "$T/fbport.pcap" -t -n 2>/dev/null)" "$ours" \
	"the same filter live (in user space) kept exactly those frames"
like "$(cat "$T/fbport.err")" "^$n frames received by filter" "and counts them as received by the filter"

# ------------------------------------------------- unprivileged: one clear line
umount /etc/modprobe.d
trap 'lab_cleanup' EXIT
mkdir -p "$T/np" && chmod 1777 "$T/np" && chmod 755 "$T"
grep -q " $tracefs tracefs " /proc/mounts && umount "$tracefs"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	vsockdump -i tracepoints -w "$T/np/a.pcap" 2>&1)
is "$?" 1 "unprivileged, tracefs not mounted: exit 1"
is "$(wc -l <<<"$out")" 1 "one line"
like "$out" '^vsockdump: tracefs is not mounted and we may not mount it' "saying why: $out"
mount -t tracefs nodev "$tracefs"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	vsockdump -i tracepoints -w "$T/np/b.pcap" 2>&1)
is "$?" 1 "unprivileged, tracefs mounted but closed to us: exit 1"
like "$out" "^vsockdump: $tracefs/events.*: Permission denied \(the vsock tracepoints need root" \
	"one line naming the directory: $out"
umount "$tracefs"
is "$(ls "$T/np")" "" "no capture file was left behind"
done_testing
