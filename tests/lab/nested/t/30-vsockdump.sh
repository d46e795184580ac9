#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What vsockdump captured on the host during 10-traffic.sh (vhost-vsock
# feeds the tap): --flows counts exactly the bytes sent on each connection,
# each way, although a 6.1 host reports each fragment of a packet it split
# for the guest with the rest of the packet; tshark opens the file and sees
# CIDs 2 and 3. Then a small capture (-s 128) of 200000 bytes, kept for the
# golden tests (tests/golden/vsockdump/regen --nested).
. "$NSV_SRCDIR/tests/lab/nested/lib.sh"

T=$LAB_TMP
D=$NESTED_DIR
cap=$NESTED_SHARED/traffic.pcap
check "10-traffic.sh left its capture" -- test -s "$cap" || done_testing

flows=$(vsockdump -r "$cap" -q --flows -n 2>&1)
ok $? "vsockdump -r --flows reads the capture"
# total DIR PORT: the bytes the flows to PORT carried in DIR (">" from the
# connecting side); the refused connects of vncat --retry add nothing.
total() {
	awk -v p=" > [0-9]+:$2: " -v d="$1" '
		/^flow / { on = $0 ~ p }
		on && $1 == d { for (i = 2; i < NF; i++) if ($(i + 1) ~ /^bytes/) n += $i }
		END { print n + 0 }' <<<"$flows"
}
is "$(total '>' 5001)" 4194304 "--flows: host -> guest on 5001: 4194304 bytes"
is "$(total '>' 5002)" 4194304 "--flows: guest -> host on 5002: 4194304 bytes"
is "$(total '>' 5100) $(total '>' 5101)" "535874 535874" \
	"--flows: SEQPACKET host -> guest relay -> host: 535874 bytes on each leg"
is "$(total '>' 5200) $(total '<' 5200)" "1048576 1048576" \
	"--flows: the 4 -k clients sent 4 x 256 KiB and got as much back"
is "$(total '<' 5001) $(total '<' 5002)" "0 0" "--flows: nothing came back on 5001 and 5002"
like "$flows" "STREAM 2:[0-9]+ > 3:5001: closed" "--flows: 2 > 3:5001, closed"
like "$flows" "STREAM 3:[0-9]+ > 2:5002: closed" "--flows: 3 > 2:5002, closed"
like "$flows" "SEQPACKET 3:[0-9]+ > 2:5101: closed" "--flows: the guest relay's SEQPACKET 3 > 2:5101"
diag "$(grep -A3 '> 3:5001: closed\|> 2:5002: closed' <<<"$flows" | grep -v history)"

# The 6.1 vhost quirk: frames of a split packet carry more than their
# header's len. Whichever this kernel does, the totals above must hold.
split=$(vsockdump -r "$cap" --json 2>/dev/null |
	jq -s '[.[] | select(.virtio.op == 5 and .payload_len > .virtio.len)] | length')
if [ "$(kernel_num)" -lt 612 ]; then
	like "$split" '^[1-9][0-9]*$' "6.1: the capture has frames of split packets longer than their len ($split)"
	like "$flows" "frames carried more than the packet \(a 6.1 vhost split\)" \
		"6.1: --flows says so"
else
	is "$split" 0 "$LAB_KERNEL: no frame carries more than its len"
fi

# tshark reads the file and sees both CIDs.
tshark -r "$cap" -T fields -E separator=, -e vsock.src_cid -e vsock.dst_cid \
	>"$T/cids" 2>"$T/tshark.err"
ok $? "tshark reads the -w file" || diag "$(cat "$T/tshark.err")"
is "$(sort -u "$T/cids" | tr '\n' ' ')" "2,3 3,2 " "tshark: every frame goes between CIDs 2 and 3"
is "$(wc -l <"$T/cids")" "$(vsockdump -r "$cap" --json 2>/dev/null | wc -l)" \
	"tshark reads as many frames as vsockdump"

# A small capture for the golden tests: 200000 bytes host -> guest, 128
# bytes of each frame.
small=$D/vhost.pcap
rm -f "$small"
bg vsockdump -s 128 -U -w "$small" port 5402 2>"$T/small.err"
dump=$BG_PID
wait_for 60 grep -q listening "$T/small.err"
head -c 200000 "$D/down.bin" >"$T/200k"
gbg d5402 'vncat -l 5402 >/tmp/d5402'
vncat --retry 120 3 5402 <"$T/200k"
ok $? "the host sends 200000 bytes to 3:5402 under vsockdump -s 128"
gwait d5402 300
is "$(gsh 'wc -c </tmp/d5402; rm -f /tmp/d5402')" 200000 "... and the guest got them"
sleep 1
kill -INT "$dump"
wait "$dump"
is "$(vsockdump -r "$small" -q --flows -n 2>&1 | awk '/> [0-9]+:5402: closed/ { on = 1 } on && $1 == ">" { print $4; exit }')" \
	200000 "the snapped capture (-s 128) still counts 200000 bytes"
done_testing
