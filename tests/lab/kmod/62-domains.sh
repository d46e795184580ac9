#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CID domains: namespaces given a CID and a domain reach each other by CID
# inside their domain and nothing else does (other domain, no domain, a
# local namespace outside, the initial namespace); CID 1 keeps part 1's
# rules; both ends see each other's CIDs (vsock-domain.py and vsockstat);
# IOCTL_VM_SOCKETS_GET_LOCAL_CID gives the namespace's CID; CIDs are unique
# in a domain (EADDRINUSE) and written once; with vhost_vsock holding a
# slot, writing a CID fails and the kernel log names vhost_vsock.
. "$NSV_SRCDIR/tests/lab/tap.sh"
. "$NSV_SRCDIR/tests/lab/nsvsock.sh"
skip_in_tree "nsvsock CID domains"

DOM=(python3 "$NSV_SRCDIR/tests/lab/vsock-domain.py")
need_modules vsock_diag || done_testing
if lsmod | grep -q '^vhost_vsock '; then
	wait_for 30 rmmod vhost_vsock || ok 1 "rmmod vhost_vsock" || done_testing
fi
nsv_load || done_testing
d=/proc/sys/net/nsvsock
# set NS DOMAIN CID: write both sysctls in NS; prints the two results
set_dom() {
	"${NSV_PY[@]}" write "$1" $d/domain "$2" "$1" $d/cid "$3" | paste -sd' '
}

is "$(cat $d/domain) $(cat $d/cid)" "0 0" "the initial namespace has no domain and no CID"
is "$(nsv_counter module_cid_slots)" 0 "no CID slot is taken before a CID is written"
for n in A B C N; do
	new_netns "$n" || { ok 1 "ip netns add $n"; done_testing; }
done
echo local >$d/child_ns_mode
for n in L M; do
	new_netns "$n" || { ok 1 "ip netns add $n"; done_testing; }
done
is "$(set_dom A 1 10)" "ok ok" "A: domain 1, CID 10"
is "$(set_dom B 1 11)" "ok ok" "B: domain 1, CID 11"
is "$(set_dom C 2 20)" "ok ok" "C: domain 2, CID 20"
is "$(set_dom L 1 12)" "ok ok" "L (local): domain 1, CID 12"
is "$(ip netns exec A cat $d/domain $d/cid | paste -sd' ')" "1 10" "A reads back 1 and 10"
is "$(nsv_counter module_cid_slots)" 1 "the transport now holds vsock's CID slots"
is "$(nsv_counter cid B) $(nsv_counter domain B)" "11 1" "/proc/net/nsvsock in B: cid 11, domain 1"

# --- the write rules
is "$(set_dom N 1 10)" "ok EADDRINUSE" "N: CID 10 again in domain 1: EADDRINUSE"
is "$(set_dom C 2 21)" "ok EBUSY" "C: another CID once set: EBUSY"
is "$("${NSV_PY[@]}" write C $d/domain 3)" EBUSY "C: another domain once set: EBUSY"
is "$("${NSV_PY[@]}" write C $d/cid 20)" ok "C: the same CID again is no change"
is "$("${NSV_PY[@]}" write N $d/cid 2 N $d/cid 1 N $d/cid 4294967295 | paste -sd' ')" \
	"EINVAL EINVAL EINVAL" "CIDs 2, 1 and -1 are not namespace CIDs: EINVAL"
is "$(ip netns exec N cat $d/domain $d/cid | paste -sd' ')" "1 0" \
	"N: in domain 1 after all, with no CID (so it takes no part in it)"
new_netns D2 || ok 1 "ip netns add D2"
is "$(set_dom D2 2 10)" "ok ok" "CID 10 in domain 2 is another CID than in domain 1"

# --- GET_LOCAL_CID
is "$("${DOM[@]}" localcid A B L N init | paste -sd' ')" "A 10 B 11 L 12 N 1 init 1" \
	"IOCTL_VM_SOCKETS_GET_LOCAL_CID: the namespace's CID, 1 without one"

# --- reachability: every namespace listens on port 9000 bound to its own
# CID (two namespaces can, unlike with CID any), B also on 9100 with any.
"${DOM[@]}" matrix --listen A:10:9000 --listen B:11:9000 --listen C:20:9000 \
	--listen L:12:9000 --listen B:any:9100 \
	'A>11:9000=ok' 'B>10:9000=ok' 'L>10:9000=ok' 'A>12:9000=ok' \
	'A>10:9000=ok' 'B>12:9000=ok' \
	'C>10:9000=ECONNRESET' 'A>20:9000=ECONNRESET' 'D2>10:9000=ECONNRESET' \
	'N>10:9000=ECONNRESET' 'M>12:9000=ECONNRESET' 'init>10:9000=ECONNRESET' \
	'A>99:9000=ECONNRESET' \
	'A>1:9100=ok' 'N>1:9100=ok' 'init>1:9100=ok' 'L>1:9100=ECONNRESET' \
	'M>1:9100=ECONNRESET' 2>&1
# (its own results: TAP lines)

# --- both ends as vsockstat shows them
"${DOM[@]}" hold 'A>11:9200' B:11 >"$LAB_TMP/hold" 2>&1 &
held=$!
LAB_PIDS+=("$held")
wait_for 60 grep -q HOLDING "$LAB_TMP/hold"
ok $? "a connection from A to 11:9200 is held open" || diag "$(cat "$LAB_TMP/hold")"
inb=$(vsockstat -N B -t -n -H 2>&1)
ina=$(vsockstat -N A -t -n -H 2>&1)
like "$inb" '11:9200 +10:[0-9]+' "vsockstat in B: 11:9200 connected to 10:PORT" ||
	diag "$inb"
like "$ina" ':[0-9]+ +11:9200' "vsockstat in A: connected to 11:9200" || diag "$ina"
all=$(vsockstat -A -t -n 2>&1)
like "$(grep -E '^A ' <<<"$all")" '^A +global +10 +1 +stream ' \
	"vsockstat -A: A's row shows mode, CID 10 and domain 1" || diag "$all"
like "$(head -n 1 <<<"$all")" '^Netns +Mode +CID +Domain +Type' "... under CID and Domain columns"
like "$(vsockstat -A -s -n 2>&1 | grep -E '^L ')" '^L +local +cid 12 +domain 1 ' \
	"vsockstat -A -s: L local, cid 12, domain 1"
vsockstat -A -j >"$LAB_TMP/all.json" 2>&1
is "$(jq -r '[.netns[] | select(.label == "A" or .label == "C" or .label == "M") |
	"\(.label)=\(.cid)/\(.domain)"] | sort | join(" ")' "$LAB_TMP/all.json")" \
	"A=10/1 C=20/2 M=null/null" "vsockstat -A -j: cid and domain, null for none"
python3 "$NSV_SRCDIR/tests/lab/vsockstat-schema.py" "$LAB_TMP/all.json" >"$LAB_TMP/schema" 2>&1
ok $? "... valid vsockstat/1" || diag "$(cat "$LAB_TMP/schema")"
kill "$held"
wait "$held" 2>/dev/null

# --- a namespace with a CID deleted: its CID is free again (once its
# sockets, which hold it, are gone)
ip netns del B
take_11() {
	[ "$("${NSV_PY[@]}" write N $d/cid 11)" = ok ]
}
wait_for 30 take_11
ok $? "B deleted, N takes its CID 11 in domain 1"

# --- a slot taken by vhost_vsock
nsv_unload || ok 1 "rmmod nsvsock"
nsv_load || done_testing
need_modules vhost_vsock || done_testing
new_netns V || ok 1 "ip netns add V"
before=$(dmesg | grep -c 'nsvsock: ')
is "$(set_dom V 1 30)" "ok EBUSY" "vhost_vsock loaded: writing a CID fails with EBUSY"
like "$(dmesg | grep 'nsvsock: ' | tail -n +$((before + 1)))" \
	'slots, taken by vhost_vsock: unload it first' \
	"... and the kernel log names vhost_vsock"
is "$(nsv_counter module_cid_slots) $(ip netns exec V cat $d/cid)" "0 0" \
	"... no slot is taken and V has no CID"
new_netns W || ok 1 "ip netns add W"
echo local >$d/child_ns_mode
new_netns X || ok 1 "ip netns add X"
"${NSV_PY[@]}" matrix --port 9300 'V>W/stream=ok' 'W>V/stream=ok' \
	'X>W/stream=ECONNRESET' 'W>X/stream=ECONNRESET' 'X>X/stream=ok'
wait_for 30 rmmod vhost_vsock
ok $? "rmmod vhost_vsock"
check "rmmod nsvsock" -- nsv_unload
done_testing
