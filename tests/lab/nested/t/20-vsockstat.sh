#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vsockstat on both sides of real host-guest connections, as JSON: on the
# host the peer is the guest's CID 3, in the guest the host's CID 2, for a
# connection each side opened.
. "$NSV_SRCDIR/tests/lab/nested/lib.sh"

T=$LAB_TMP
# one JSON object a line per socket, only established ones on PORT: type
# and both addresses, as numbers
est() { # PORT < vsockstat -j
	jq -c --argjson p "$1" '.sockets[] | select(.state == "ESTAB" and
		(.local.port == $p or .peer.port == $p)) |
		{type, local: {cid: .local.cid, port: .local.port},
		 peer: {cid: .peer.cid, port: .peer.port}}'
}

# The guest connects to the host's listener on 5300; the host connects to the
# guest's listener on 5301. Both connections stay open while we look.
bg sh -c "sleep 300 | vncat -l 5300 >/dev/null"
wait_vsock_listen 5300
gbg c5300 'sleep 300 | vncat -w 60 -p 6300 host 5300'
gbg l5301 'sleep 300 | vncat -l 5301'
bg sh -c "sleep 300 | vncat --retry 120 -p 6301 3 5301 >/dev/null"
est2() { vsockstat -j | est "$1" | grep -q .; }
wait_for 120 est2 5300 && wait_for 120 est2 5301
ok $? "both connections are established"

vsockstat -j >"$T/host.json"
ok $? "vsockstat -j on the host exits 0"
is "$(est 5300 <"$T/host.json")" \
	'{"type":"stream","local":{"cid":2,"port":5300},"peer":{"cid":3,"port":6300}}' \
	"the host: its listener's connection is 2:5300, its peer the guest's 3:6300"
is "$(est 5301 <"$T/host.json")" \
	'{"type":"stream","local":{"cid":4294967295,"port":6301},"peer":{"cid":3,"port":5301}}' \
	"the host: its connection from port 6301 has the guest's 3:5301 as peer (local CID any, as the kernel reports a connecting socket)"

gsh 'vsockstat -j' >"$T/guest.json"
ok $? "vsockstat -j in the guest exits 0"
check "the guest's JSON parses" -- jq -e '.schema == "vsockstat/1"' "$T/guest.json" >/dev/null
is "$(est 5300 <"$T/guest.json")" \
	'{"type":"stream","local":{"cid":4294967295,"port":6300},"peer":{"cid":2,"port":5300}}' \
	"the guest: its connection from port 6300 has the host's 2:5300 as peer (local CID any here too)"
is "$(est 5301 <"$T/guest.json")" \
	'{"type":"stream","local":{"cid":3,"port":5301},"peer":{"cid":2,"port":6301}}' \
	"the guest: its listener's connection is 3:5301, its peer the host's 2:6301"
is "$(jq -r '.sockets[] | select(.state == "ESTAB" and .local.port == 5301) |
	.peer.cid_name' "$T/guest.json")" host "the guest names its peer CID 2 \"host\""
like "$(gsh 'vsockstat -n -t')" "stream +ESTAB +3:5301 +2:6301 " "the guest's text table shows the same"
# The guest's clients end with their input (all the guest's sleeps are ours).
gsh 'killall sleep' >/dev/null
done_testing
