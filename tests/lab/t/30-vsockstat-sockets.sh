#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vsockstat lists what the test made: listeners, established STREAM and
# SEQPACKET pairs, bound sockets and half-shut ones, as ss sees them (for the
# types ss can name), with inodes, shutdown, processes, as text and as JSON
# that follows the documented schema.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
py=/usr/bin/python3
lab="$NSV_SRCDIR/tests/lab"
gold="$NSV_SRCDIR/tests/golden/vsockstat" # the golden JSON must follow it too
T=$LAB_TMP

bg $py "$lab/vsockstat-mksock.py" listen:stream:2000 pair:stream:2100 \
	pair:seqpacket:3000 listen:seqpacket:3100 bound:stream:4000 \
	bound:seqpacket:4100 shut:stream:5000:wr shut:seqpacket:5200:rd \
	shut:stream:5100:rdwr >"$T/made"
wait_for 30 grep -q READY "$T/made"
ok $? "the helper made its sockets" || done_testing

vsockstat -j >"$T/v.json"
ok $? "vsockstat -j exits 0"
ss --vsock -a -e -p -n -H >"$T/ss.txt"
vsockstat -p -j >"$T/p.json"
ok $? "vsockstat -p -j exits 0"
check "the JSON parses with jq" -- jq -e '.sockets | length > 0' "$T/v.json" >/dev/null
# One python for all the comparisons: it starts slowly under TCG.
$py "$lab/vsockstat-check.py" compare "$T/made" "$T/v.json" "$T/ss.txt" \; \
	procs "$T/made" "$T/p.json" \; schema "$T/v.json" \; schema --procs "$T/p.json" \; \
	schema "$gold/basic-json.out" "$gold/allns-json.out" "$gold/nsmode-json.out" \; \
	schema --summary "$gold/basic-summary-json.out" ||
	TAP_FAILED=$((TAP_FAILED + 1))

# The text table says the same as the JSON, a line per socket.
vsockstat >"$T/v.txt"
n=$(jq '.sockets | length' "$T/v.json")
is "$(($(wc -l <"$T/v.txt") - 1))" "$n" "the text table has a line per socket under its title"
like "$(head -n 1 "$T/v.txt")" '^Type +State +Local +Peer +Shut +Inode +Cookie$' "the title names the columns"
! grep -q '???' "$T/v.txt"
ok $? "no ??? anywhere: SEQPACKET is named"
like "$(cat "$T/v.txt")" 'seqpacket +LISTEN +\*:3100 +\*:\* +- ' "a SEQPACKET listener"
like "$(cat "$T/v.txt")" 'stream +UNCONN +\*:4000 +\*:\* ' "a bound, unconnected socket is UNCONN"
like "$(cat "$T/v.txt")" 'stream +ESTAB +local:2100 +local:[0-9]+ +- ' "the accepted end: local:2100, CID 1 named local"
like "$(cat "$T/v.txt")" 'stream +ESTAB +\*:[0-9]+ +local:5000 +send ' "the connecting end reports CID *; SHUT_WR shows send"
like "$(cat "$T/v.txt")" 'seqpacket +ESTAB +\*:[0-9]+ +local:5200 +rcv ' "SHUT_RD on SEQPACKET shows rcv"
like "$(cat "$T/v.txt")" 'stream +[A-Z-]+ +\*:[0-9]+ +local:5100 +rcv\|send ' "SHUT_RDWR shows rcv|send"
like "$(vsockstat -n)" 'stream +ESTAB +1:2100 +1:[0-9]+ ' "-n prints CID 1 as a number"
like "$(vsockstat -p)" 'root +python3\(pid=[0-9]+,fd=[0-9]+\)' "-p adds the user and the process"
like "$(vsockstat -H | head -n 1)" '^(stream|seqpacket) ' "-H drops the title"

# A recording made live replays to the same listing.
vsockstat --record "$T/rec.diag" -j >"$T/live.json"
vsockstat --replay "$T/rec.diag" -j >"$T/replayed.json"
cmp -s "$T/live.json" "$T/replayed.json"
ok $? "--record then --replay gives the listing back"

# Without vsock_diag, and with the kernel kept from loading it: one line.
old=$(cat /proc/sys/kernel/modprobe)
echo /bin/false >/proc/sys/kernel/modprobe
rmmod vsock_diag
vsockstat >"$T/out" 2>"$T/err"
rc=$?
echo "$old" >/proc/sys/kernel/modprobe
modprobe vsock_diag
is "$rc" 1 "vsock_diag missing: exit 1"
is "$(wc -l <"$T/err")$(wc -c <"$T/out")" "10" "... one line on stderr, nothing on stdout"
like "$(cat "$T/err")" '^vsockstat: .*modprobe vsock_diag' "... the line names the module"
done_testing
