#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vsockdump and its capture device: it creates vsockmon0 only when there is
# none and removes only what it created (after -c, SIGTERM, and -Z too),
# --no-create refuses, -i checks the device, -Z drops root while capturing,
# -N captures from inside another network namespace, SIGUSR1 prints counts.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag vsockmon || done_testing
# a connect nobody listens to: REQUEST, RST (socat starts faster than python)
refuse() { socat -u /dev/null VSOCK-CONNECT:1:1299 2>/dev/null; true; }
nodev() { [ -z "$(ip -br link show type vsockmon)" ]; }
check "no vsockmon device to begin with" -- nodev

# --no-create with nothing there: a clear error, nothing created
out=$(vsockdump --no-create -c 1 2>&1)
ok $(($? != 1)) "--no-create without a device exits 1"
like "$out" 'no vsockmon device in this network namespace' "... and says why"
check "... and creates nothing" -- nodev

# -c: the device it created is gone after the last frame
bg vsockdump -c 2 -t 2>"$LAB_TMP/c.err" >"$LAB_TMP/c.out"
pid=$BG_PID
wait_for 20 grep -q listening "$LAB_TMP/c.err"
check "vsockmon0 exists while capturing" -- test -e /sys/class/net/vsockmon0
refuse
wait "$pid"
ok $? "-c 2: exits 0 after two frames"
like "$(cat "$LAB_TMP/c.out")" '^local:[0-9]+ > local:1299: STREAM REQUEST, length 0
local:1299 > local:[0-9]+: STREAM RST, length 0$' "-c 2 printed the REQUEST and the RST"
check "-c 2: vsockmon0 is gone" -- nodev

# an existing device: used, left in place, brought back down
ip link add vsockmon7 type vsockmon
bg vsockdump -q 2>"$LAB_TMP/e.err"
pid=$BG_PID
wait_for 20 grep -q listening "$LAB_TMP/e.err"
like "$(cat "$LAB_TMP/e.err")" 'listening on vsockmon7,' "an existing vsockmon7 is used, not a new one"
like "$(ip -br link show vsockmon7)" 'UP|UNKNOWN' "... and brought up"
is "$(ip -br link show type vsockmon | wc -l)" 1 "... and nothing else created"
kill -TERM "$pid"
wait "$pid"
ok $? "SIGTERM: exits 0"
check "vsockmon7 is still there" -- test -e /sys/class/net/vsockmon7
like "$(ip -br link show vsockmon7)" 'DOWN' "... and down again, as it was"
is "$(vsockdump -D)" "vsockmon7
tracepoints (headers only)" "-D lists it, and the tracepoints pseudo-device"
ip link del vsockmon7

# -i: checked
out=$(vsockdump -i lo -c 1 2>&1)
ok $(($? != 1)) "-i lo exits 1"
like "$out" 'lo is not a vsockmon device' "... lo is not a vsockmon device"
out=$(vsockdump -i nosuch0 -c 1 2>&1)
ok $(($? != 1)) "-i nosuch0 exits 1 ($out)"

# -Z nobody: root is gone while capturing, the capture goes on, and the
# device is still deleted (through the netlink socket opened as root)
chmod 755 "$LAB_TMP"
mkdir -m 777 "$LAB_TMP/z"
bg vsockdump -Z nobody -U -w "$LAB_TMP/z/cap.pcap" 2>"$LAB_TMP/z.err"
pid=$BG_PID
wait_for 20 grep -q listening "$LAB_TMP/z.err"
wait_for 10 test -e "$LAB_TMP/z/cap.pcap"
# a root parent stays only to remove the device; the child captures
child=$(cat "/proc/$pid/task/$pid/children")
like "$child" '^[0-9]+ ?$' "-Z: the capture runs in one child process"
child=${child% }
like "$(grep -E '^(Uid|Gid|Groups):' "/proc/$child/status")" \
	"^Uid:	65534	65534	65534	65534
Gid:	65534	65534	65534	65534
Groups:	65534 ?\$" "-Z nobody: uid, gid and groups are nobody's"
is "$(grep '^CapEff' "/proc/$child/status")" "CapEff:	0000000000000000" "... with no capabilities left"
is "$(stat -c %U "$LAB_TMP/z/cap.pcap")" nobody "... and the -w file is nobody's"
refuse
sleep 0.5
kill -INT "$pid"
wait "$pid"
ok $? "-Z: exits 0"
is "$(vsockdump -r "$LAB_TMP/z/cap.pcap" -n -t 2>/dev/null | awk '{ print $4, $5 }')" \
	"STREAM REQUEST,
STREAM RST," "-Z: the capture went on as nobody"
check "-Z: the device it created is gone" -- nodev
like "$(cat "$LAB_TMP/z.err")" '^2 frames captured' "-Z: counts on exit"

# -N: create and capture inside a namespace (the tap is global)
new_netns vd42
bg vsockdump -N vd42 -c 2 -s 60 -w "$LAB_TMP/ns.pcap" 2>"$LAB_TMP/ns.err"
pid=$BG_PID
wait_for 20 grep -q listening "$LAB_TMP/ns.err"
like "$(ip -n vd42 -br link show type vsockmon)" '^vsockmon0' "-N vd42: vsockmon0 created inside vd42"
check "... not in the initial namespace" -- nodev
refuse
wait "$pid"
ok $? "-N: traffic of the initial namespace captured from vd42"
is "$(ip -n vd42 -br link show type vsockmon)" "" "-N: and removed from vd42 at exit"
is "$(vsockdump -r "$LAB_TMP/ns.pcap" --json 2>/dev/null | grep -o '"caplen":[0-9]*,"wirelen":[0-9]*')" \
	'"caplen":60,"wirelen":76
"caplen":60,"wirelen":76' "-s 60 keeps exactly 60 bytes of each frame"
out=$(vsockdump -N nosuchns -c 1 2>&1)
ok $(($? != 1)) "-N nosuchns exits 1"
like "$out" 'network namespace nosuchns' "... naming it"

# a reader that goes away (| head): a quiet end, and the device still goes
bg sh -c "vsockdump -U -t 2>'$LAB_TMP/h.err' | head -n 1 >'$LAB_TMP/h.out'"
pid=$BG_PID
wait_for 20 grep -q listening "$LAB_TMP/h.err"
refuse
refuse
wait_for 20 sh -c "! kill -0 $pid"
ok $? "| head -n 1: vsockdump ends when head has gone"
like "$(cat "$LAB_TMP/h.out")" '^local:[0-9]+ > local:1299: STREAM REQUEST' "head got the first frame"
is "$(grep -c vsockdump: "$LAB_TMP/h.err")" 1 "no error but the listening line"
check "and the device it created is gone" -- nodev

# SIGUSR1: counts now, capture goes on
bg vsockdump -q --flows -n 2>"$LAB_TMP/u.err" >"$LAB_TMP/u.out"
pid=$BG_PID
wait_for 20 grep -q listening "$LAB_TMP/u.err"
refuse
kill -USR1 "$pid"
wait_for 10 grep -q 'frames captured' "$LAB_TMP/u.err"
like "$(cat "$LAB_TMP/u.err")" '^2 frames captured' "SIGUSR1 prints the counts"
check "... and the capture goes on" -- kill -0 "$pid"
refuse
kill -INT "$pid"
wait "$pid"
like "$(tail -n 3 "$LAB_TMP/u.err")" '^4 frames captured' "SIGINT: 4 frames in all"
like "$(cat "$LAB_TMP/u.out")" '^2 connections, 2 refused
flow 1 STREAM 1:[0-9]+ > 1:1299: refused' "SIGINT: --flows prints the summary"
check "no vsockmon device left behind" -- nodev
done_testing
