#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vsockstat across network namespaces: -A finds the initial one, two named
# ones and an unnamed one, labels each (name, (init) for process 1's, else
# inode and a pid), lists
# each socket under its own; -N by name, path and pid; ns_mode on 7.x.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
py=/usr/bin/python3
lab="$NSV_SRCDIR/tests/lab"
mk="$lab/vsockstat-mksock.py"
T=$LAB_TMP

new_netns vsa && new_netns vsb || { ok 1 "ip netns add"; done_testing; }
bg $py "$mk" listen:stream:2000 pair:stream:2100 >"$T/m0"
bg $py "$mk" --netns /run/netns/vsa listen:stream:7000 pair:seqpacket:7100 >"$T/ma"
pa=$BG_PID
bg $py "$mk" --netns /run/netns/vsb bound:stream:8000 >"$T/mb"
# A namespace without a name, held only by the helper itself.
bg unshare -n $py "$mk" listen:stream:9000 listen:seqpacket:9100 >"$T/mu"
pu=$BG_PID
for f in m0 ma mb mu; do
	wait_for 30 grep -q READY "$T/$f" || { ok 1 "helper $f"; done_testing; }
done
ino0=$(stat -L -c %i /proc/1/ns/net)
inou=$(stat -L -c %i /proc/$pu/ns/net)
lu="net:[$inou],pid=$pu"
l0="(init)"
diag "unnamed namespace: $lu"

vsockstat -A -j >"$T/all.json"
ok $? "vsockstat -A -j exits 0"
is "$(jq -r '.netns[0].label' "$T/all.json")" "$l0" "our own namespace comes first, labelled (init): process 1's"
is "$(jq -r '.netns[0] | "\(.ino) \(.pid)"' "$T/all.json")" "$ino0 1" \
	"... its inode and pid 1 kept in JSON"
is "$(jq '.netns | length' "$T/all.json")" "$(jq '.netns | map(.ino) | unique | length' "$T/all.json")" \
	"each namespace once (deduplicated by inode)"
is "$(jq -r '.netns | map(.label) | sort | join(" ")' "$T/all.json")" \
	"$(printf '%s\n' "$l0" "$lu" vsa vsb | sort | paste -sd' ')" \
	"four namespaces: two by name, (init), one by inode and pid"
is "$(jq -r '.netns[] | select(.label == "vsa") | "\(.name) \(.ino)"' "$T/all.json")" \
	"vsa $(stat -L -c %i /run/netns/vsa)" "vsa: its name and inode"

# ns_mode: shown where the kernel has it (7.0+), "global" outside a local setup.
if [ -e /proc/sys/net/vsock/ns_mode ]; then
	is "$(jq -r '[.netns[].ns_mode] | unique | map(tostring) | join(",")' "$T/all.json")" global \
		"7.x: every namespace's ns_mode is global"
	like "$(vsockstat -A | head -n 1)" '^Netns +Mode +Type ' "7.x: the table has a Mode column"
	like "$(vsockstat -A | grep '^vsb ')" '^vsb +global +stream +UNCONN +\*:8000 ' "7.x: vsb's row says global"
	like "$(vsockstat -A -s)" "vsa +global +4 sockets: stream 1 \(LISTEN 1\), seqpacket 3 \(ESTAB 2, LISTEN 1\)" "7.x: -s shows the mode"
else
	is "$(jq -r '[.netns[].ns_mode] | unique | map(tostring) | join(",")' "$T/all.json")" null \
		"before 7.0 there is no ns_mode"
	like "$(vsockstat -A | head -n 1)" '^Netns +Type ' "before 7.0: no Mode column"
fi
like "$(vsockstat -A)" "$(printf '%s' "$lu" | sed 's/[][]/\\&/g') +([a-z]+ +)?seqpacket +LISTEN +\*:9100 " \
	"text: the unnamed namespace's row carries its label"
like "$(vsockstat -A -s)" 'vsb +([a-z]+ +)?1 socket: stream 1 \(UNCONN 1\)' "-A -s: a line per namespace"

# -p across namespaces names the right pid.
vsockstat -A -p -j >"$T/p.json"
is "$(jq -r '.sockets[] | select(.netns == "vsa" and .local.port == 7000) | .processes[0].pid' "$T/p.json")" "$pa" \
	"-A -p: vsa's listener is held by the helper that entered vsa"

# Without -A only our own namespace: before 7.0 vsock is global, but
# sock_diag is not.
vsockstat -j >"$T/self.json"
is "$(jq '.netns | length' "$T/self.json")" 1 "no -N, no -A: one namespace"

# -N by name, path and pid: one namespace, however it is named.
vsockstat -N vsa -N /run/netns/vsa -N "$pa" -j >"$T/a.json"
is "$(jq -r '[.netns[].label] | join(",")' "$T/a.json")" vsa "-N vsa, its path and a pid inside: listed once, labelled vsa"
# The sockets made in each namespace are listed under it, and only them:
# with -A, without (our own only), with -N vsa. One python for all.
$py "$lab/vsockstat-check.py" schema "$T/all.json" \; \
	netns "$T/all.json" "$l0=$T/m0" "vsa=$T/ma" "vsb=$T/mb" "$lu=$T/mu" \; \
	netns "$T/self.json" "(init)=$T/m0" \; netns "$T/a.json" "vsa=$T/ma" ||
	TAP_FAILED=$((TAP_FAILED + 1))
! vsockstat -N vsa | head -n 1 | grep -q Netns
ok $? "-N with one namespace: no Netns column"
is "$(vsockstat -N vsa -N vsb -H | awk '{ print $1 }' | sort -u | paste -sd' ')" "vsa vsb" \
	"-N vsa -N vsb: a Netns column with both"
is "$(vsockstat -N "$pu" -j | jq -r '.netns[0].label')" "$lu" "-N PID of an unnamed namespace: inode and that pid"
vsockstat -N nosuchns >/dev/null 2>"$T/err"
is "$?" 1 "-N of a namespace that does not exist: exit 1"
like "$(cat "$T/err")" '^vsockstat: netns nosuchns: No such file or directory$' "... with one line naming it"
done_testing
