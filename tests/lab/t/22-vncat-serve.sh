#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vncat as a server: -k serves 16 clients at once (each stream checked by
# sha256), --max-conns holds the rest back, --allow-cid/--deny-cid refuse
# peers, -e and -c run programs with VNCAT_* in their environment.
# lab-one-kernel: the tools' own logic, the same on every kernel
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
T=$LAB_TMP
PEER=(/usr/bin/python3 "$NSV_SRCDIR/tests/lab/vncat-peer.py")

# ------------------------------------------------ -k: 16 clients at once
# No client may end its input before the server has a child for each of the
# 16: their input ends with reading the FIFO "go", whose only writer (a
# sleep) we kill when 16 children exist. A server taking one client after
# another would never get there.
mkdir "$T/bar"
"${PEER[@]}" mkdata-n "$T/in" 16 1
mkfifo "$T/go"
sleep 600 >"$T/go" &
holder=$!
bg vncat -l -k 2200 -c "touch $T/bar/\$VNCAT_PEER_PORT; exec cat"
server=$BG_PID
wait_vsock_listen 2200
pids=()
for i in $(seq 16); do
	{ exec 4<"$T/go"; touch "$T/bar/opened.$i"; cat "$T/in.$i"; cat <&4; } |
		timeout 120 vncat -w 30 1 2200 >"$T/out.$i" &
	pids+=($!)
done
all32() { local f=("$T"/bar/*); [ ${#f[@]} -ge 32 ]; }
wait_for 60 all32
ok $? "vncat -l -k: 16 connections served at the same time"
kill "$holder"
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
is "$bad" 0 "16 concurrent clients of vncat -l -k all exit 0"
same=0
for i in $(seq 16); do
	[ "$(sha256sum <"$T/in.$i")" = "$(sha256sum <"$T/out.$i")" ] && same=$((same + 1))
done
is "$same" 16 "each of the 16 echoed streams has the sha256 of what was sent"
check "the -k server keeps listening after its clients left" -- kill -0 "$server"
kill "$server"

# ------------------------------------------- --max-conns 2: the third waits
mkdir "$T/mc"
bg vncat -l -k --max-conns 2 2201 -c "touch $T/mc/\$VNCAT_PEER_PORT; exec cat >/dev/null"
wait_vsock_listen 2201
bg sh -c 'sleep 60 | vncat -p 2301 1 2201'
first=$BG_PID
bg sh -c 'sleep 60 | vncat -p 2302 1 2201'
wait_for 20 test -e "$T/mc/2301" -a -e "$T/mc/2302"
ok $? "--max-conns 2: two clients are served" || diag "served: $(ls "$T/mc")"
bg sh -c 'sleep 60 | vncat -p 2303 1 2201'
wait_for 10 sh -c "ss --vsock -anH | grep -q ':2303 '"
sleep 1
check "the third client is not served while two are" -- test ! -e "$T/mc/2303"
kill -- "-$first"
wait_for 20 test -e "$T/mc/2303"
ok $? "the third client is served once the first one left"

# ------------------------------------------------------ allow and deny CIDs
refused() { # PORT REGEX ARGS...: a listener that must refuse CID 1
	local port=$1 re=$2
	shift 2
	bg sh -c "exec vncat -v -l $port $* >'$T/ad.$port' 2>'$T/ad.$port.err' </dev/null"
	wait_vsock_listen "$port"
	echo secret | timeout 20 vncat 1 "$port" >"$T/ad.$port.client" 2>/dev/null
	wait_for 10 grep -q refused "$T/ad.$port.err"
	like "$(<"$T/ad.$port.err")" "refused connection from local:[0-9]+ \(CID 1 is $re\)" \
		"vncat -l $* refuses CID 1 and says why"
	is "$(<"$T/ad.$port")$(<"$T/ad.$port.client")" "" "nothing crossed the refused connection"
	check "the listener still waits for an allowed peer" -- kill -0 "$BG_PID"
	kill "$BG_PID"
}
refused 2210 "in --deny-cid" --deny-cid 1
refused 2211 "not in --allow-cid" --allow-cid 2-10,0x20
refused 2212 "in --deny-cid" --allow-cid any --deny-cid host,local

bg sh -c "exec vncat -l 2213 --allow-cid 3,local --deny-cid 2-9 >'$T/ad.ok' </dev/null"
wait_vsock_listen 2213
echo welcome | vncat 1 2213
wait "$BG_PID"
is "$(<"$T/ad.ok")" welcome "--allow-cid 3,local --deny-cid 2-9 lets CID 1 in"

# ------------------------------------------------------------- -e and -c
bg vncat -l 2220 -e /usr/bin/env
wait_vsock_listen 2220
env_out=$(vncat -p 2320 1 2220 </dev/null)
is "$(grep ^VNCAT_ <<<"$env_out" | sort | tr '\n' ' ')" \
	"VNCAT_LOCAL_CID=1 VNCAT_LOCAL_PORT=2220 VNCAT_PEER_CID=1 VNCAT_PEER_PORT=2320 " \
	"-e PROG sees VNCAT_PEER_CID/PORT and VNCAT_LOCAL_CID/PORT"

bg vncat -l 2221 -e /bin/echo two words
wait_vsock_listen 2221
is "$(vncat 1 2221 </dev/null)" "two words" "-e PROG ARGS...: the arguments after -e are the program's"
bg vncat -l 2222 -e "/bin/echo split at blanks"
wait_vsock_listen 2222
is "$(vncat 1 2222 </dev/null)" "split at blanks" "-e 'PROG ARGS' alone is split at blanks"

bg vncat -l 2223 -c 'echo "$VNCAT_PEER_CID:$VNCAT_PEER_PORT>$VNCAT_LOCAL_CID:$VNCAT_LOCAL_PORT"; tr a-z A-Z'
wait_vsock_listen 2223
is "$(echo abc | vncat -p 2323 1 2223)" "1:2323>1:2223
ABC" "-c CMD runs through /bin/sh with the VNCAT_* variables, stdin and stdout are the connection"

# Connecting side: the program talks to the listener.
bg sh -c "exec vncat -l 2224 >'$T/cx' </dev/null"
wait_vsock_listen 2224
vncat -p 2324 1 2224 -c 'echo "$VNCAT_LOCAL_CID $VNCAT_LOCAL_PORT $VNCAT_PEER_CID $VNCAT_PEER_PORT"'
ok $? "vncat CID PORT -c CMD exits with CMD's status 0"
wait "$BG_PID"
is "$(<"$T/cx")" "1 2324 1 2224" "-c on the connecting side: local 1:2324, peer 1:2224"

# The program's exit status is vncat's (without -k).
bg sh -c "vncat -l 2225 -c 'exit 3'; echo \$? >'$T/st'"
wait_vsock_listen 2225
vncat 1 2225 </dev/null
wait_for 10 test -s "$T/st"
is "$(<"$T/st")" 3 "vncat -l -c 'exit 3' exits 3"
done_testing
