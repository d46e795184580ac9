#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vsockstat --wait-listen returns when a listener appears and times out when
# none does (with --cid, --type, -N); --watch lists again and sees changes.
# lab-one-kernel: the tools' own logic, the same on every kernel
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
py=/usr/bin/python3
lab="$NSV_SRCDIR/tests/lab"
mk="$lab/vsockstat-mksock.py"
T=$LAB_TMP

# A watcher over every namespace, from before anything exists.
bg sh -c "exec vsockstat --watch 0.3 -A -j >'$T/w.json'"
watcher=$BG_PID
wait_for 30 test -s "$T/w.json"

# Waiting first, then the listener comes.
bg vsockstat --wait-listen 6000 --timeout 60
waiter=$BG_PID
sleep 1
kill -0 "$waiter" 2>/dev/null
ok $? "--wait-listen 6000 keeps waiting while nothing listens"
bg $py "$mk" listen:stream:6000 listen:seqpacket:6001 listen:stream:6002:1 \
	bound:stream:6200 pair:stream:6100 >"$T/m"
wait "$waiter"
is "$?" 0 "--wait-listen 6000 exits 0 once the listener exists"
grep -q READY "$T/m" || wait_for 30 grep -q READY "$T/m"

vsockstat --wait-listen 6003 --timeout 1 2>"$T/err"
is "$?" 1 "--wait-listen 6003 --timeout 1 with no listener: exit 1"
is "$(cat "$T/err")" "vsockstat: no listener on port 6003 after 1 s" "... and says so in one line"
check "--timeout 0 checks once: 6000 is there" -- vsockstat --wait-listen 6000 --timeout 0
check "a listener bound to any CID serves --cid host" -- vsockstat --wait-listen 6000 --cid host --timeout 0
check "a listener bound to CID 1 serves --cid local" -- vsockstat --wait-listen 6002 --cid local --timeout 0
vsockstat --wait-listen 6002 --cid host --timeout 0.3 2>/dev/null
is "$?" 1 "... but not --cid host"
check "--type seqpacket finds the SEQPACKET listener" -- vsockstat --wait-listen 6001 --type seqpacket --timeout 0
vsockstat --wait-listen 6000 --type seqpacket --timeout 0.3 2>/dev/null
is "$?" 1 "--type seqpacket ignores a STREAM listener"
vsockstat --wait-listen 6200 --timeout 0.3 2>/dev/null
is "$?" 1 "a bound socket that does not listen does not count"
check "an established socket's port does not count, its listener does" -- vsockstat --wait-listen 6100 --timeout 0

# Namespaces: sock_diag is per netns, so is waiting.
new_netns vsw || { ok 1 "ip netns add vsw"; done_testing; }
bg $py "$mk" --netns /run/netns/vsw listen:stream:6300 >"$T/mw"
wait_for 30 grep -q READY "$T/mw"
vsockstat --wait-listen 6300 --timeout 0.3 2>/dev/null
is "$?" 1 "a listener in another namespace is not waited for without -N"
check "-N vsw finds it" -- vsockstat --wait-listen 6300 -N vsw --timeout 0
check "-A finds it" -- vsockstat --wait-listen 6300 -A --timeout 0

# --watch lists again: what was made meanwhile, in a namespace made
# meanwhile too, shows up in a later listing under its own label.
wait_for 30 sh -c "grep '\"port\":6300' '$T/w.json' | grep -q '\"netns\":\"vsw\"'"
ok $? "--watch -A -j: a listener made later, in a namespace made later, appears under its label"
kill "$watcher"
wait "$watcher" 2>/dev/null
n=$(grep -c '^{' "$T/w.json")
[ "$n" -ge 2 ] && [ "$(grep -c . "$T/w.json")" = "$n" ]
ok $? "--watch -j writes one JSON document a line ($n)"
out=$($py "$lab/vsockstat-schema.py" "$T/w.json")
ok $? "every --watch document follows the schema${out:+: $out}"
head -n 1 "$T/w.json" >"$T/first"
! grep -q '"port":6000' "$T/first"
ok $? "... and the first listing came before those sockets"
# Stopped once it has listed three times, by a signal that may come at any
# moment: each listing arrives whole, with its separator. (It ran for a
# fixed second, which in CI's busy VM, sanitized, once ended with the
# counts off; the output was not kept.)
bg sh -c "exec vsockstat --watch 0.2 --sport 6000 -H >'$T/w.txt'"
watcher=$BG_PID
wait_for 60 sh -c "[ \$(grep -c LISTEN '$T/w.txt') -ge 3 ]"
ok $? "--watch as text lists again and again" || diag "$(cat "$T/w.txt")"
kill "$watcher"
wait "$watcher" 2>/dev/null
is "$(grep -c 'LISTEN' "$T/w.txt")" "$(($(grep -c '^$' "$T/w.txt") + 1))" \
	"--watch as text: one table per listing, an empty line between them" ||
	diag "$(cat "$T/w.txt")"
done_testing
