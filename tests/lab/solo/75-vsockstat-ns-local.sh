#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# lab-min-kernel: 7.0
# vsockstat with upstream per-netns vsock (Linux 7.0): each namespace's
# ns_mode is shown, and a local namespace's sockets appear only under it,
# even where it binds the same port as the initial namespace. Its own VM:
# child_ns_mode is write-once.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
py=/usr/bin/python3
lab="$NSV_SRCDIR/tests/lab"
mk="$lab/vsockstat-mksock.py"
T=$LAB_TMP

new_netns glob || { ok 1 "ip netns add glob"; done_testing; }
echo local >/proc/sys/net/vsock/child_ns_mode
new_netns loc || { ok 1 "ip netns add loc"; done_testing; }
is "$(ip netns exec loc cat /proc/sys/net/vsock/ns_mode)" local "loc is a local namespace"

# The same port (2000) in the initial and the local namespace.
bg $py "$mk" listen:stream:2000 pair:stream:2100 >"$T/m0"
bg $py "$mk" --netns /run/netns/glob listen:stream:2200 >"$T/mg"
bg $py "$mk" --netns /run/netns/loc listen:stream:2000 pair:stream:2100 listen:seqpacket:3000 \
	bound:seqpacket:3100 >"$T/ml"
for f in m0 mg ml; do
	wait_for 30 grep -q READY "$T/$f" || { ok 1 "helper $f: $(cat "$T/$f")"; done_testing; }
done
ok 0 "port 2000 and 2100 are bound in both the initial and the local namespace"

vsockstat -A -j >"$T/all.json"
l0=$(jq -r '.netns[0].label' "$T/all.json")
is "$(jq -r '.netns[] | "\(.label)=\(.ns_mode)"' "$T/all.json" | sort | paste -sd' ')" \
	"$(printf '%s\n' "$l0=global" glob=global loc=local | sort | paste -sd' ')" \
	"each namespace's ns_mode: initial global, glob global, loc local"
$py "$lab/vsockstat-check.py" schema "$T/all.json" \; \
	netns "$T/all.json" "$l0=$T/m0" "glob=$T/mg" "loc=$T/ml" ||
	TAP_FAILED=$((TAP_FAILED + 1))
ino_loc=$(jq -r '[.sockets[] | select(.netns == "loc") | .inode] | sort | join(",")' "$T/all.json")
ino_else=$(jq -r '[.sockets[] | select(.netns != "loc") | .inode] | sort | join(",")' "$T/all.json")
inter=$(comm -12 <(tr , '\n' <<<"$ino_loc" | sort) <(tr , '\n' <<<"$ino_else" | sort))
[ -z "$inter" ] && [ -n "$ino_loc" ]
ok $? "no socket of loc is listed under another namespace"

# The table and the summary show the mode.
vsockstat -A >"$T/all.txt"
like "$(head -n 1 "$T/all.txt")" '^Netns +Mode +Type ' "the table has a Mode column"
is "$(grep -Ec '^loc +local +' "$T/all.txt")" "$(grep -c '^{' "$T/ml" | tr -d ' ')" "every row of loc says local"
! grep -E '^loc +global|^glob +local' "$T/all.txt" >/dev/null
ok $? "no row has another namespace's mode"
vsockstat -A -s >"$T/s.txt"
like "$(cat "$T/s.txt")" 'loc +local +[0-9]+ sockets?: .*seqpacket [0-9]+ \([^)]*UNCONN 1' \
	"-s: loc's line, local, with its bound SEQPACKET socket"
# From inside loc and by -N, only loc's sockets.
is "$(ip netns exec loc vsockstat -j | jq -r '[.sockets[].inode] | sort | join(",")')" "$ino_loc" \
	"inside loc, vsockstat lists loc's sockets only"
is "$(vsockstat -N loc -j | jq -r '.netns[0].ns_mode')" local "-N loc: ns_mode local"
check "--wait-listen 3000 -N loc finds loc's SEQPACKET listener" -- vsockstat --wait-listen 3000 -N loc --timeout 0
vsockstat --wait-listen 3000 --timeout 0.3 2>/dev/null
is "$?" 1 "... which is not in the initial namespace"
done_testing
