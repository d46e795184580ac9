#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Load: vncat -l -k serves 64 concurrent clients sending 16 MiB each, every
# stream checked by sha256 at both ends, while two vsockdump captures with a
# filter run: A with a large ring (it must drop nothing and hold every byte
# sent), B with a ring of 64 KiB and -X output (it drops). Each capture's
# counts must be honest: what it reports dropped is exactly what it lacks
# of what was sent (A's frames), and received = captured + dropped.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsockmon || done_testing
T=$LAB_TMP
N=${LOAD_CLIENTS:-64}
MIB=${LOAD_MIB:-16}
PORT=2800
ulimit -n 8192
t0=$SECONDS

head -c "${MIB}M" /dev/urandom >"$T/base"
mkdir "$T/got" "$T/want"
# what a client sends: its number on a line, then the 16 MiB
bg vncat -l -k --max-conns "$N" "$PORT" \
	-c "sha256sum >'$T/got/'\$VNCAT_PEER_PORT"
server=$BG_PID
wait_vsock_listen "$PORT"
ip link add vsockmon0 type vsockmon
ip link set vsockmon0 up
filter="dst port $PORT and op rw"
# -s 76: af_vsockmon_hdr and the virtio header whole, where the flows find
# each packet's length; none of the payload
bg vsockdump -i vsockmon0 -B 131072 -s 76 -w "$T/a.pcap" $filter 2>"$T/a.err"
capa=$BG_PID
bg sh -c "exec vsockdump -i vsockmon0 -B 64 -X $filter >/dev/null 2>'$T/b.err'"
capb=$BG_PID
wait_for 30 grep -q listening "$T/a.err"
wait_for 30 grep -q listening "$T/b.err"
ok $? "two captures with the filter '$filter' are listening"

t1=$SECONDS
for ((i = 0; i < N; i++)); do
	{ { echo "client $i"; cat "$T/base"; } |
		tee >(sha256sum >"$T/want/$i") |
		vncat -w 60 -q 5 1 "$PORT" >/dev/null 2>"$T/client.$i.err"
	echo $? >"$T/client.$i.rc"; } &
done
wait_for 900 sh -c "[ \$(ls '$T' | grep -c '^client\..*\.rc$') = $N ]"
ok $? "$N clients finished in $((SECONDS - t1)) s"
bad=0
for ((i = 0; i < N; i++)); do
	[ "$(cat "$T/client.$i.rc" 2>/dev/null)" = 0 ] || {
		bad=$((bad + 1))
		diag "client $i: status $(cat "$T/client.$i.rc" 2>/dev/null): $(cat "$T/client.$i.err")"
	}
done
is "$bad" 0 "every client exits 0"
wait_for 120 sh -c "[ \$(ls '$T/got' | wc -l) = $N ] && [ \$(ls '$T/want' | wc -l) = $N ] &&
	! grep -L . '$T'/got/* '$T'/want/* | grep -q ."
is "$(cat "$T"/got/* | sort)" "$(cat "$T"/want/* | sort)" \
	"the server read $N streams whose sha256 are those of the $N sent"
is "$(cat "$T"/want/* | sort -u | wc -l)" "$N" "... all different"
kill "$server"

# Let B catch up with what its ring still holds, then stop both captures.
sleep 5
kill -INT "$capa" "$capb"
wait "$capa"
ok $? "capture A exits 0"
wait "$capb"
ok $? "capture B exits 0"
count() { sed -n "s/^\([0-9]*\) frames\{0,1\} $2\$/\1/p" "$1"; }
a_cap=$(count "$T/a.err" captured)
a_recv=$(count "$T/a.err" "received by filter")
a_drop=$(count "$T/a.err" "dropped by kernel")
b_cap=$(count "$T/b.err" captured)
b_recv=$(count "$T/b.err" "received by filter")
b_drop=$(count "$T/b.err" "dropped by kernel")
diag "A: $a_cap captured, $a_recv received, $a_drop dropped"
diag "B: $b_cap captured, $b_recv received, $b_drop dropped"
is "$a_drop" 0 "A (a 128 MiB ring) drops nothing"
is "$a_recv" "$a_cap" "A: received by filter = captured"
bytes=$(vsockdump -r "$T/a.pcap" -q --flows -n 2>/dev/null |
	awk '$1 == ">" { s += $4 } END { print s + 0 }')
want=0
for ((i = 0; i < N; i++)); do
	want=$((want + MIB * 1048576 + ${#i} + 8))
done
is "$bytes" "$want" "A holds every byte the clients sent ($want)"
is "$((b_cap + b_drop))" "$b_recv" "B: received by filter = captured + dropped"
is "$b_recv" "$a_cap" "B saw every frame A saw"
is "$b_drop" "$((a_cap - b_cap))" "B's dropped count is exactly what it lacks ($b_drop)"
ip link del vsockmon0
diag "load: $N x $MIB MiB with two captures took $((SECONDS - t0)) s"
done_testing
