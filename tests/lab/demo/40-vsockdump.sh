#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vsockdump: capture a vncat transfer (kernel filter, pcap written), then read the
# file back: frames with credit, the connection summary, JSON, the filter.
pcap=$NSV_DEMO_TMP/vsockdump.pcap
say "vsockdump: capture port 5000 while vncat sends 256 KiB over loopback"
head -c 256K /dev/urandom >"$NSV_DEMO_TMP/data"
printf '$ %s\n' "vsockdump -n --print -w $pcap port 5000 &"
vsockdump -n --print -w "$pcap" port 5000 >"$NSV_DEMO_TMP/live.txt" 2>"$NSV_DEMO_TMP/live.err" &
dump=$!
until grep -q listening "$NSV_DEMO_TMP/live.err"; do sleep 0.1; done
cat "$NSV_DEMO_TMP/live.err"
vncat -l 5000 >/dev/null &
vsockstat --wait-listen 5000 --timeout 10
run vncat local 5000 <"$NSV_DEMO_TMP/data"
wait $!
sleep 0.5
run kill -INT "$dump"
wait "$dump"
head -n 8 "$NSV_DEMO_TMP/live.txt"
echo "... ($(wc -l <"$NSV_DEMO_TMP/live.txt") frames, filtered in the kernel)"
tail -n 3 "$NSV_DEMO_TMP/live.err"
run ip -br link show type vsockmon
echo "(vsockmon0 was created for the capture and is gone again)"

say "vsockdump: the capture file, with -v (credit) and the connection summary"
run vsockdump -r "$pcap" -v -c 4 -t
run vsockdump -r "$pcap" -q --flows
echo "pcap: $pcap ($(stat -c %s "$pcap") bytes, LINKTYPE_VSOCK: Wireshark and tshark read it)"

say "vsockdump: one frame as JSON, and the filter as BPF and as a tcpdump expression"
run vsockdump -r "$pcap" --json -c 1
run vsockdump -d port 5000 and op rw
run vsockdump --tcpdump-filter port 5000 and op rw
