#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vncat -N runs everything in another network namespace (its vsock listener
# is listed there, its TCP relay reaches that namespace's 127.0.0.1),
# --retry waits for a listener that starts late, -z finds listening ports.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
T=$LAB_TMP
new_netns nsv25 || { ok 1 "ip netns add nsv25"; done_testing; }

# ------------------------------------------------------------------ --netns
# A TCP service only nsv25 has; the initial netns has no lo address up even.
bg ip netns exec nsv25 socat -t 30 TCP-LISTEN:7500,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo inside nsv25'
svc=$BG_PID
wait_for 20 sh -c "ip netns exec nsv25 ss -ltnH | grep -q ':7500 '"
for spec in nsv25 /run/netns/nsv25 PID; do
	[ "$spec" = PID ] && spec=$svc
	bg vncat -N "$spec" -l 2500 tcp:127.0.0.1:7500
	relay=$BG_PID
	wait_vsock_listen 2500 20 nsv25
	ok $? "vncat -N $spec -l 2500: the listener is in nsv25 (sock_diag there lists it)"
	is "$(ss --vsock -lnH | grep -c ':2500 ')" 0 "and sock_diag of the initial netns does not"
	is "$(vncat 1 2500 </dev/null)" "inside nsv25" "its relay reached 127.0.0.1:7500 inside nsv25"
	wait "$relay"
done

# ------------------------------------------------------------------ --retry
bg sh -c "exec vncat -v --retry 30 1 2510 <'$T/msg' >/dev/null 2>'$T/retry.err'"
client=$BG_PID
echo "late but there" >"$T/msg"
wait_for 20 grep -q retrying "$T/retry.err"
ok $? "--retry: the client keeps trying while nothing listens"
like "$(<"$T/retry.err")" "vncat: nothing listening on local:2510; retrying \(attempt 1\)" \
	"-v says why it retries"
vncat -l 2510 >"$T/late" </dev/null
ok $? "a listener started late gets the connection"
wait "$client"
ok $? "the retrying client exits 0"
is "$(<"$T/late")" "late but there" "and its data arrived"

out=$(vncat --retry 1 1 2511 </dev/null 2>&1)
is "$?" 1 "--retry 1 with no listener at all: exit 1"
is "$out" "vncat: nothing listening on local:2511 (kept retrying for 1 s)" \
	"and the message says how long it kept trying"

# --------------------------------------------------------------------- -z
bg vncat -l -k 2520 </dev/null >/dev/null
bg vncat -l -k 2522 </dev/null >/dev/null
bg vncat -l -k --seqpacket 2525 </dev/null >/dev/null
for p in 2520 2522 2525; do wait_vsock_listen $p; done
out=$(vncat -z 1 2519-2526 2>"$T/z.err")
is "$?" 0 "vncat -z 1 2519-2526 exits 0 when a port listens"
is "$out" "local:2520 open
local:2522 open" "one line per open stream port"
is "$(vncat -z --seqpacket -n 1 2519-2526)" "1:2525 open" \
	"--seqpacket -n: only the SEQPACKET listener, CID as a number"
is "$(vncat -z -v local 2521 2>&1)" "vncat: local CID 1 (from /dev/vsock)
vncat: nothing listening on local:2521
vncat: 0 of 1 ports open" "-v says why a port is closed"
out=$(vncat -z 1 2530-2532 2>&1)
is "$?:$out" "1:" "nothing open: exit 1, no output"
done_testing
