#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# How this kernel packs a file spliced into vsock, seen by the tracepoint,
# and the data path vncat picks from its probes: before Linux 6.5 sendfile()
# and splice() sent a 4 KiB packet per page, and there vncat must send a
# file from a mapping (64 KiB packets) and read and send from a pipe; from
# 6.7 a file goes by MSG_ZEROCOPY from a mapping. Then what a mapping must
# get right: the file's offset, both directions at once, a file cut short.
# Whether a path is faster is for make bench (bench/vncat.sh: vncat against
# vncat --data-path splice), not a test.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
T=$LAB_TMP
tr=/sys/kernel/tracing
[ -d "$tr/events" ] || mount -t tracefs none "$tr"
ev=$tr/events/vsock/virtio_transport_alloc_pkt
[ -d "$ev" ] || { ok 1 "the vsock tracepoints exist"; done_testing; }
/usr/bin/python3 "$NSV_SRCDIR/tests/lab/vncat-peer.py" mkdata "$T/data" 8
port=2400

# send PATH [pipe]: 8 MiB to a listener with --data-path PATH, the packets
# counted at the tracepoint; sets PAGES (RW packets of at most 4 KiB), BIG
# (larger ones), BYTES (their payload) and VIA (what -v said).
send() {
	local p=$((port += 1)) out
	bg sh -c "exec vncat -l $p >'$T/got' </dev/null"
	wait_vsock_listen "$p"
	echo >"$tr/trace"
	echo 1 >"$ev/enable"
	if [ "${2:-}" = pipe ]; then
		cat "$T/data" | vncat -v --data-path "$1" 1 "$p" 2>"$T/err"
	else
		vncat -v --data-path "$1" 1 "$p" <"$T/data" 2>"$T/err"
	fi
	ok $? "--data-path $1${2:+ from a pipe}: vncat exits 0"
	wait "$BG_PID"
	echo 0 >"$ev/enable"
	cmp -s "$T/data" "$T/got"
	ok $? "--data-path $1${2:+ from a pipe}: 8 MiB arrive intact"
	out=$(grep -oE -- "-> 1:$p len=[0-9]+ type=STREAM op=RW" "$tr/trace" |
		sed 's/.*len=\([0-9]*\).*/\1/' |
		awk '{ if ($1 <= 4096) p++; else b++; s += $1 }
			END { printf "%d %d %d", p, b, s }')
	read -r PAGES BIG BYTES <<<"$out"
	VIA=$(grep -o 'by .*' "$T/err")
	diag "--data-path $1${2:+ from a pipe}: $VIA; packets of <= 4 KiB: $PAGES, larger: $BIG"
}

send splice
is "$BYTES" 8388608 "the tracepoint saw every byte of the spliced transfer"
paged=0
[ "$PAGES" -gt $((9 * BIG)) ] && paged=1
diag "this kernel splices into vsock $([ $paged = 1 ] && echo "a page per packet" || echo "many pages per packet")"
is "$VIA" "by sendfile()" "--data-path splice: a file goes by sendfile()"

# Whether this kernel has MSG_ZEROCOPY for vsock (Linux 6.7), asked apart
# from vncat: before that, a vsock socket refuses SO_ZEROCOPY.
zc=$(/usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
try:
    s.setsockopt(socket.SOL_SOCKET, 60, 1)  # SO_ZEROCOPY
    print(1)
except OSError:
    print(0)')
diag "this kernel $([ "$zc" = 1 ] && echo has || echo "has no") MSG_ZEROCOPY for vsock"
ZC="by send(MSG_ZEROCOPY) from the file mapped"
MAP="by send() from the file mapped (this kernel splices a page per vsock packet)"

send auto
is "$BYTES" 8388608 "auto: the tracepoint saw every byte"
if [ "$zc" = 1 ]; then
	is "$VIA" "$ZC" "auto: where vsock has MSG_ZEROCOPY, a file goes by it"
elif [ $paged = 1 ]; then
	is "$VIA" "$MAP" "auto: where splice sends a page per packet, a file goes from a mapping"
else
	is "$VIA" "by sendfile()" "auto: where splice packs pages, vncat keeps sendfile()"
fi
[ "$PAGES" -le $((BIG / 10 + 2)) ]
ok $? "auto: the packets are large ($BIG larger than 4 KiB, $PAGES not)"

send auto pipe
if [ $paged = 1 ]; then
	is "$VIA" "by read() and send() (this kernel splices a page per vsock packet)" \
		"auto, from a pipe: read and send there too"
else
	is "$VIA" "by splice()" "auto, from a pipe: splice()"
fi

send copy
is "$VIA" "by read() and send()" "--data-path copy: read() and send(), no reason given"

# A file sent from a mapping, with MSG_ZEROCOPY or without it.
if [ "$zc" = 1 ]; then
	how=MSG_ZEROCOPY mapped=$ZC
elif [ $paged = 1 ]; then
	how="a mapping" mapped=$MAP
else
	skip "cases of a file sent from a mapping: this kernel has neither MSG_ZEROCOPY for vsock nor a page per spliced packet"
	done_testing
fi

# The mapping starts where the file's offset is and leaves it at the end, as
# sendfile() does.
p=$((port += 1))
bg sh -c "exec vncat -l $p >'$T/got' </dev/null"
wait_vsock_listen "$p"
{
	dd bs=1000 count=1 of=/dev/null status=none
	vncat -v 1 "$p" 2>"$T/err"
	cat >"$T/rest"
} <"$T/data"
wait "$BG_PID"
tail -c +1001 "$T/data" | cmp -s - "$T/got"
ok $? "$how: a file read 1000 bytes into arrives from there on"
is "$(stat -c %s "$T/rest")" 0 "$how: the file's offset is at its end afterwards"
grep -qF "$mapped" "$T/err"
ok $? "$how: -v says so"

# A file larger than the window vncat maps at a time (16 MiB), from an
# offset that is not a page's: the window moves along it, one at a time.
# The receiver takes 32 MiB and then stops reading, the sender stalls on
# its credit a few MiB further, and its mappings of the file are looked at
# there: one, of at most 16 MiB, past the file's first 16 MiB.
/usr/bin/python3 "$NSV_SRCDIR/tests/lab/vncat-peer.py" mkdata "$T/data4" 48 4
head -c 12345 "$T/data" >>"$T/data4"
p=$((port += 1))
rm -f "$T/stalled" "$T/go"
bg sh -c "vncat -l $p </dev/null | { head -c 33554432 >'$T/got'; touch '$T/stalled'; while [ ! -e '$T/go' ]; do sleep 0.1; done; cat >>'$T/got'; }"
wait_vsock_listen "$p"
{
	dd bs=1000 count=1 of=/dev/null status=none
	exec vncat 1 "$p" 2>"$T/err"
} <"$T/data4" &
cpid=$!
for ((i = 0; i < 600; i++)); do [ -e "$T/stalled" ] && break; sleep 0.1; done
sleep 1
maps=$(grep -F "$T/data4" "/proc/$cpid/maps")
diag "the sender's mappings of the file, stalled: ${maps:-none}"
n=0 size=0 off=0
[ -z "$maps" ] || while read -r range _ offhex _; do
	n=$((n + 1)) size=$((16#${range#*-} - 16#${range%-*})) off=$((16#$offhex))
done <<<"$maps"
[ "$n" = 1 ] && [ "$size" -le $((16 << 20)) ] && [ "$off" -ge $((16 << 20)) ]
ok $? "$how, 48 MiB: one window of the file mapped ($n of $size bytes at $off), not the file"
touch "$T/go"
wait "$cpid"
ok $? "$how, 48 MiB: vncat exits 0" || diag "$(cat "$T/err")"
wait "$BG_PID"
tail -c +1001 "$T/data4" | cmp -s - "$T/got"
ok $? "$how, 48 MiB from byte 1000 on: arrives intact across its windows"

# Both ways at once. With MSG_ZEROCOPY each side's completion notices make
# poll() say POLLERR on the socket its other direction reads from; nothing
# may take that for a reset or stall on it.
head -c 3000000 "$T/data" >"$T/data2"
p=$((port += 1))
bg sh -c "exec vncat -l $p <'$T/data2' >'$T/got'"
wait_vsock_listen "$p"
vncat 1 "$p" <"$T/data" >"$T/back" 2>"$T/err"
ok $? "$how, both ways: vncat exits 0" || diag "$(cat "$T/err")"
wait "$BG_PID"
ok $? "$how, both ways: the listener exits 0"
cmp -s "$T/data" "$T/got" && cmp -s "$T/data2" "$T/back"
ok $? "$how, both ways: 8 MiB one way and 3 MB the other arrive intact"

# The file shrinks while it is being sent: vncat never touches the mapping
# itself (no SIGBUS); the send the kernel fails hands over to the path after
# the mapping, which finds the new end. The receiver reads nothing until the
# file is cut, so the sender stops at its credit (4 MiB and the listener's
# buffers) mid-file; the cut comes once the tracepoint counted 2 MiB sent.
cp "$T/data" "$T/data3"
p=$((port += 1))
rm -f "$T/cut"
bg sh -c "vncat -l $p </dev/null | { while [ ! -e '$T/cut' ]; do sleep 0.1; done; cat >'$T/got'; }"
wait_vsock_listen "$p"
echo >"$tr/trace"
echo 1 >"$ev/enable"
vncat 1 "$p" <"$T/data3" 2>"$T/err" &
cpid=$!
for ((i = 0; i < 300; i++)); do
	[ "$(grep -cE -- "-> 1:$p len=[0-9]+ type=STREAM op=RW" "$tr/trace")" -ge 32 ] && break
	sleep 0.1
done
echo 0 >"$ev/enable"
truncate -s 1M "$T/data3"
touch "$T/cut"
wait "$cpid"
ok $? "$how, the file cut to 1 MiB mid-send: vncat exits 0" || diag "$(cat "$T/err")"
wait "$BG_PID"
n=$(stat -c %s "$T/got")
[ "$n" -ge $((2 << 20)) ] && [ "$n" -lt 8388608 ] && cmp -s -n $((1 << 20)) "$T/data" "$T/got"
ok $? "$how, the file cut mid-send: $n bytes arrived (2 MiB were sent before the cut), the first MiB the file's"
done_testing
