#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Filters run in the kernel: several vsockdump processes capture the same
# traffic at once, each with a filter attached to its socket, next to one
# unfiltered capture. Each filtered capture holds exactly the frames the same
# expression selects offline from the unfiltered one (pcap_offline_filter),
# and tcpdump with --tcpdump-filter's expression captures them too.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag vsockmon || done_testing
golden=$NSV_SRCDIR/tests/golden/vsockdump
dev=vsockmon41
check "ip link add $dev type vsockmon" -- ip link add "$dev" type vsockmon
ip link set "$dev" up
trap 'ip link del "$dev" 2>/dev/null; lab_cleanup' EXIT

exprs=(
	"port 1234"
	"op rw and len > 100"
	"type seqpacket and (flags eor or op request)"
	"not op credit_update and src cid local and dst port 1299"
	"flags send or flags rcv or op rst or op response"
)
# 64 ports: far jumps past the 255-instruction reach of cBPF's jt/jf, and
# still within 6.1's net.core.optmem_max of 20 KiB (80 ports are not: then
# libpcap warns and filters in user space)
long="($(seq -f 'port %g' 2000 2062 | paste -sd'|' | sed 's/|/ or /g') or port 1235) and op rw and len > 10"
bpf=$(vsockdump -d "$long")
[ "$(wc -l <<<"$bpf")" -gt 256 ] && grep -q '^([0-9]*) ja ' <<<"$bpf"
ok $? "the 64-port filter is $(wc -l <<<"$bpf") instructions, with far jumps"
exprs+=("$long")

pids=()
bg vsockdump -i "$dev" -U -w "$LAB_TMP/all.pcap" 2>"$LAB_TMP/all.err"
pids+=("$BG_PID")
for i in "${!exprs[@]}"; do
	bg vsockdump -i "$dev" -U -w "$LAB_TMP/f$i.pcap" "${exprs[$i]}" 2>"$LAB_TMP/f$i.err"
	pids+=("$BG_PID")
done
tdexpr=$(vsockdump --tcpdump-filter "${exprs[1]}")
bg tcpdump -i "$dev" -B 32768 --immediate-mode -U -w "$LAB_TMP/td.pcap" "$tdexpr" 2>"$LAB_TMP/td.err"
pids+=("$BG_PID")
for i in all "${!exprs[@]}"; do
	f=$LAB_TMP/$( [ "$i" = all ] && echo all || echo "f$i").err
	wait_for 30 grep -q listening "$f" || { ok 1 "capture $i started"; sed 's/^/# /' "$f"; }
done
wait_for 30 grep -q listening "$LAB_TMP/td.err"
ok $? "tcpdump takes the translated filter live" || sed 's/^/# /' "$LAB_TMP/td.err"

check "traffic: stream, seqpacket, refused" -- \
	/usr/bin/python3 "$golden/traffic.py" stream seqpacket refused
sleep 0.5
for p in "${pids[@]}"; do
	kill -INT "$p"
done
for p in "${pids[@]}"; do
	wait "$p"
done

total=$(vsockdump -r "$LAB_TMP/all.pcap" 2>/dev/null | wc -l)
diag "$total frames in the unfiltered capture"
for i in "${!exprs[@]}"; do
	name=${exprs[$i]}
	[ ${#name} -gt 60 ] && name="${name:0:40}... (${#name} chars)"
	live=$(vsockdump -r "$LAB_TMP/f$i.pcap" -t -n -XX 2>/dev/null)
	offline=$(vsockdump -r "$LAB_TMP/all.pcap" -t -n -XX "${exprs[$i]}" 2>/dev/null)
	n=$(grep -c '^[0-9]' <<<"$live")
	if [ "$live" = "$offline" ] && [ "$n" -gt 0 ] && [ "$n" -lt "$total" ]; then
		ok 0 "'$name': kernel and offline filters keep the same $n of $total frames"
	else
		ok 1 "'$name': kernel and offline filters keep the same frames"
		diff <(echo "$live") <(echo "$offline") | head -20 | sed 's/^/# /'
	fi
	like "$(cat "$LAB_TMP/f$i.err")" "^$n frames received by filter" \
		"'$name': the kernel passed only those $n"
done
is "$(vsockdump -r "$LAB_TMP/td.pcap" -t -n -XX 2>/dev/null)" \
	"$(vsockdump -r "$LAB_TMP/all.pcap" -t -n -XX "${exprs[1]}" 2>/dev/null)" \
	"tcpdump with --tcpdump-filter captured the same frames"
like "$(cat "$LAB_TMP/all.err")" '^0 frames dropped by kernel' "nothing dropped"
done_testing
