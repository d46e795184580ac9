#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vncat basics over vsock loopback: 64 MiB each way byte for byte, every way
# to name a listener and a peer, half-close, --no-shutdown, -q, -v counts.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
T=$LAB_TMP
/usr/bin/python3 "$NSV_SRCDIR/tests/lab/vncat-peer.py" mkdata "$T/big" 64

# ------------------------------------------------------------ 64 MiB each way
bg sh -c "exec vncat -v -l 2000 >'$T/up' 2>'$T/up.err' </dev/null"
server=$BG_PID
check "a listener appears on port 2000" -- wait_vsock_listen 2000
vncat -v 1 2000 <"$T/big" 2>"$T/up.cerr"
ok $? "vncat 1 2000 sends 64 MiB and exits 0"
wait "$server"
ok $? "the listener exits 0 once both directions are done"
check "64 MiB client -> listener arrive byte-identical" -- cmp "$T/big" "$T/up"
like "$(cat "$T/up.err")" "connection from local:[0-9]+" "-v on the listener names the peer"
like "$(cat "$T/up.err")" "-> stdio: 67108864 bytes in [0-9.]+ s \([0-9.]+ MiB/s\)" \
	"-v on the listener counts 67108864 bytes received, with time and rate"
like "$(cat "$T/up.cerr")" "stdio -> local:2000: 67108864 bytes" "-v on the client counts 67108864 bytes sent"
like "$(cat "$T/up.cerr")" "connected to local:2000 from \*:[0-9]+ \(stream\)" \
	"-v on the client shows both addresses and the socket type"

# From a pipe (splice) as well as from a file (sendfile).
bg sh -c "exec vncat -l 2014 >'$T/up2' </dev/null"
server=$BG_PID
wait_vsock_listen 2014
cat "$T/big" | vncat 1 2014
ok $? "cat 64 MiB | vncat 1 2014 exits 0"
wait "$server"
check "64 MiB from a pipe arrive byte-identical" -- cmp "$T/big" "$T/up2"

bg sh -c "exec vncat -l 2001 <'$T/big'"
server=$BG_PID
wait_vsock_listen 2001
vncat 1 2001 >"$T/down" </dev/null
ok $? "vncat 1 2001 receives 64 MiB and exits 0"
wait "$server"
ok $? "the sending listener exits 0"
check "64 MiB listener -> client arrive byte-identical" -- cmp "$T/big" "$T/down"

# ------------------------------------------------- listen and connect forms
# Each listener: its arguments, where ss must show it, how a client names it.
forms=(
	"2002|-l 2002|[*]:2002|1 2002"
	"2003|-l local 2003|1:2003|local 2003"
	"2004|-l 0x1 2004|1:2004|0x1 2004"
	"2005|-l -p 2005|[*]:2005|vsock:1:2005"
	"2006|-l vsock:1:2006|1:2006|1:2006"
	"2007|-l vsock::2007|[*]:2007|vsock:local:2007"
	"2008|-l -s local -p 2008|1:2008|-s 1 -p 2108 1 2008"
)
for f in "${forms[@]}"; do
	IFS='|' read -r port largs _ _ <<<"$f"
	bg sh -c "exec vncat $largs >'$T/form.$port' </dev/null"
done
for p in 2002 2003 2004 2005 2006 2007 2008; do wait_vsock_listen $p; done
listening=$(ss --vsock -lnH)
for f in "${forms[@]}"; do
	IFS='|' read -r port largs where cargs <<<"$f"
	like "$listening" " $where " "vncat $largs listens on $where"
	echo "form $port" | vncat $cargs
	ok $? "vncat $cargs connects to it"
done
for f in "${forms[@]}"; do
	IFS='|' read -r port largs _ cargs <<<"$f"
	wait_for 10 test -s "$T/form.$port"
	is "$(<"$T/form.$port")" "form $port" "vncat $largs received what vncat $cargs sent"
done

# -s/-p choose the client's own address: the listener sees port 2109.
bg sh -c "exec vncat -v -l 2009 >/dev/null 2>'$T/src.err' </dev/null"
wait_vsock_listen 2009
vncat -p 2109 1 2009 </dev/null
ok $? "vncat -p 2109 connects from port 2109"
wait "$BG_PID"
like "$(cat "$T/src.err")" "connection from local:2109$" "the listener sees the chosen source port 2109"

# ----------------------------------------------------------------- half-close
# The server answers only after EOF: our shutdown(SHUT_WR) must reach it
# while we keep reading.
bg vncat -l 2010 -c 'wc -c; echo done'
wait_vsock_listen 2010
out=$(printf 'hello\n' | vncat 1 2010)
ok $? "a half-closing client exits 0"
is "$out" "6
done" "EOF reached the server, and its answer after EOF reached us"

# --no-shutdown: the server never sees EOF, so it never answers; -q 3 ends
# the client. (Were EOF sent, "done" would come back well within 3 s.)
bg vncat -l 2011 -c 'cat >/dev/null; echo done 2>/dev/null'
wait_vsock_listen 2011
out=$(echo hi | timeout 20 vncat --no-shutdown -q 3 1 2011)
ok $? "--no-shutdown -q 3 quits after the linger time"
is "$out" "" "the server did not see EOF (no answer)"

# Without -q a client with a silent server waits for both directions; with
# -q 0 it quits at input EOF.
bg vncat -l 2012 -c 'exec sleep 60'
wait_vsock_listen 2012
timeout 20 vncat -q 0 1 2012 </dev/null
ok $? "-q 0: vncat quits at input EOF although the peer never closes"
# -q after the peer's EOF: the listener's stdin never ends, the client goes.
bg sh -c "sleep 60 | { vncat -q 0.5 -l 2013 >'$T/q.out'; echo \$? >'$T/q.rc'; }"
wait_vsock_listen 2013
echo bye | vncat 1 2013
wait_for 20 test -s "$T/q.rc"
is "$(cat "$T/q.rc" 2>/dev/null)" 0 "-q 0.5: the listener quits (status 0) after the peer's EOF though stdin is open"
is "$(cat "$T/q.out")" bye "and it wrote what came before the EOF"
done_testing
