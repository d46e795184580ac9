#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vncat over vsock loopback: -i (a client, a -k server per connection, a -e
# program, a relay: it fires after the idle time and not before), --send-only
# and --recv-only (which way stays open), -C and -d seen by a peer that
# stamps each line, and the progress line (--progress to a file, by itself on
# a terminal, never with --no-progress or when stderr is not a terminal).
# Times are lower bounds or order only: TCG on a loaded host is slow.
# lab-one-kernel: the tools' own logic, the same on every kernel
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
T=$LAB_TMP
PEER=(/usr/bin/python3 "$NSV_SRCDIR/tests/lab/vncat-peer.py")

# -------------------------------------------------------------- -i: client
# A line a second for 3 s keeps the connection alive; then the input stays
# open but silent and -i 4 ends it. One python process writes the lines
# into a FIFO, started before vncat: its start-up (seconds under TCG on a
# loaded host) must not count as idle time.
printf '%s\n' 'import sys, time' 'open(sys.argv[2], "w").close()' \
	'f = open(sys.argv[1], "w")' 'for n in range(1, 5):' \
	'    print("tick", n, file=f, flush=True)' '    time.sleep(1)' \
	'time.sleep(60)' >"$T/ticker.py"
mkfifo "$T/ticks"
bg /usr/bin/python3 "$T/ticker.py" "$T/ticks" "$T/ticker.up"
wait_for 60 test -e "$T/ticker.up"
bg sh -c "exec vncat -l 2800 >'$T/i.srv' </dev/null"
wait_vsock_listen 2800
t0=$SECONDS
bg sh -c "vncat -i 4 1 2800 <'$T/ticks' 2>'$T/i.err'; echo \$? >'$T/i.rc'"
wait_for 90 test -s "$T/i.rc"
dt=$((SECONDS - t0))
is "$(cat "$T/i.rc")" 1 "-i 4: the client exits 1 when the connection goes idle"
is "$(cat "$T/i.err")" "vncat: idle timeout: nothing sent or received for 4 s" "-i 4: and says why"
wait_for 20 test "$(wc -l <"$T/i.srv")" = 4
is "$(tr '\n' ' ' <"$T/i.srv")" "tick 1 tick 2 tick 3 tick 4 " \
	"-i 4: a line every second kept it alive: all 4 arrived before it fired"
check "-i 4: it fired after the last line plus the idle time (${dt} s)" -- test "$dt" -ge 7

# --------------------------------------------- -i: a -k server, per connection
# A client that sends nothing and keeps its stdin open: the server's process
# for it says so and ends; the listener goes on. (The clients run in the
# background: a pipeline "sleep N | vncat" lasts N seconds whatever vncat
# does.)
bg sh -c "exec vncat -l -k -i 2 2801 -c 'exec cat' 2>'$T/ik.err'"
server=$BG_PID
wait_vsock_listen 2801
t0=$SECONDS
bg sh -c 'sleep 60 | vncat 1 2801 >/dev/null'
wait_for 60 grep -q "idle timeout" "$T/ik.err"
ok $? "-k -i 2: the idle connection's process ends and says why"
check "-k -i 2: after the idle time ($((SECONDS - t0)) s)" -- test $((SECONDS - t0)) -ge 2
check "-k -i 2: the server keeps listening" -- kill -0 "$server"
is "$(echo again | vncat 1 2801)" again "-k -i 2: and serves the next client"
kill "$server"

# ------------------------------------------- -i: a -e program that hangs on
bg sh -c "vncat -l -i 2 2802 -c 'exec sleep 120' 2>'$T/ie.err'; echo \$? >'$T/ie.rc'"
wait_vsock_listen 2802
bg sh -c 'sleep 60 | vncat 1 2802'
wait_for 60 test -s "$T/ie.rc"
is "$(cat "$T/ie.rc" 2>/dev/null)" 1 "-i 2 -e: the server exits 1, not after the program's 120 s"
like "$(cat "$T/ie.err")" "idle timeout: nothing sent or received for 2 s" "-i 2 -e: and says why"

# ------------------------------------------------------- -i: a relay
bg socat UNIX-LISTEN:"$T/slow.sock" SYSTEM:'sleep 120'
wait_for 20 test -S "$T/slow.sock"
bg sh -c "vncat -l -i 2 2803 unix:'$T/slow.sock' 2>/dev/null; echo \$? >'$T/ir.rc'"
wait_vsock_listen 2803
bg sh -c 'sleep 60 | vncat 1 2803'
wait_for 60 test -s "$T/ir.rc"
is "$(cat "$T/ir.rc" 2>/dev/null)" 1 "-i 2 on a relay: the relay ends and exits 1"

# ------------------------------------------------------------ --send-only
# We shut down our read side before sending anything, so once the peer's
# program has read our line it cannot write to us: its echo fails with
# EPIPE while we still have stdin open. (Linux 6.1 returns EPIPE without
# raising SIGPIPE, later kernels raise it too: the program ignores it.)
bg sh -c "vncat -l 2810 -c 'trap \"\" PIPE; read l; echo \"\$l\" >$T/so.srv; echo unwanted; echo \$? >$T/so.rc; exec sleep 60' 2>/dev/null"
wait_vsock_listen 2810
bg sh -c "{ echo sent; sleep 60; } | vncat --send-only 1 2810 >'$T/so.out'"
client=$BG_PID
wait_for 60 test -s "$T/so.rc"
check "--send-only: the peer's write to us fails (status $(cat "$T/so.rc" 2>/dev/null))" -- \
	test "$(cat "$T/so.rc" 2>/dev/null)" -gt 0
is "$(cat "$T/so.srv" 2>/dev/null)" sent "--send-only: what we sent arrived"
check "--send-only: while we still have input open" -- kill -0 "$client"
is "$(wc -c <"$T/so.out")" 0 "--send-only: nothing was written to our stdout"

# With a peer that never closes, --send-only quits at input EOF.
bg vncat -l 2811 -c "cat >'$T/so2.srv'; exec sleep 120"
wait_vsock_listen 2811
t0=$SECONDS
echo bye | timeout 60 vncat --send-only 1 2811
is "$?" 0 "--send-only: exits 0 at input EOF though the peer stays ($((SECONDS - t0)) s)"
wait_for 10 test -s "$T/so2.srv"
is "$(cat "$T/so2.srv")" bye "--send-only: and the peer got all of it"

# ------------------------------------------------------------ --recv-only
bg vncat -l 2812 -c "cat >'$T/ro.srv'; echo reply"
wait_vsock_listen 2812
echo SECRET >"$T/ro.in"
out=$(timeout 60 vncat --recv-only 1 2812 <"$T/ro.in")
is "$?|$out" "0|reply" "--recv-only: the peer sees EOF at once and its answer arrives"
is "$(wc -c <"$T/ro.srv")" 0 "--recv-only: nothing of our stdin was sent"

# ------------------------------------------------------------------ -C, -d
bg "${PEER[@]}" lines 2820 "$T/crlf.lines"
wait_vsock_listen 2820
printf 'a\nb\r\nc\n' | vncat -C 1 2820
wait "$BG_PID"
is "$(cut -d' ' -f3- "$T/crlf.lines")" "b'a\r\n'
b'b\r\n'
b'c\r\n'" "-C: each LF goes as CRLF, a CRLF stays one"

bg vncat -l 2821 -C -c 'printf "x\ny\n"'
wait_vsock_listen 2821
is "$(vncat 1 2821 </dev/null | od -An -c | tr -s ' ')" " x \r \n y \r \n" \
	"-C -c: the program's line ends go as CRLF"

# The peer's stamps show the order; the gaps it sees shrink when it is
# slow to read the first line, so the time vncat itself took is what tells
# the delays happened: at least 3 x 0.5 s.
bg "${PEER[@]}" lines 2822 "$T/d.lines"
wait_vsock_listen 2822
t0=$(date +%s%N)
printf '1\n2\n3\n4\n' | vncat -d 0.5 1 2822
t1=$(date +%s%N)
wait "$BG_PID"
is "$(cut -d' ' -f3- "$T/d.lines" | tr '\n' ' ')" "b'1\\n' b'2\\n' b'3\\n' b'4\\n' " \
	"-d 0.5: the four lines arrive whole, in order"
check "-d 0.5: vncat took the three delays ($(((t1 - t0) / 1000000)) ms; the peer saw $(cut -d' ' -f1 "$T/d.lines" | tr '\n' ' '))" -- \
	test $(((t1 - t0) / 1000000)) -ge 1500

bg "${PEER[@]}" lines 2823 "$T/nod.lines"
wait_vsock_listen 2823
printf '1\n2\n3\n4\n' | vncat 1 2823
wait "$BG_PID"
is "$(cut -d' ' -f2 "$T/nod.lines" | sort -u)" 0 \
	"without -d the four lines come in one read"

# ------------------------------------------------------------ progress
head -c 1048576 /dev/zero >"$T/1m"
bg sh -c "exec vncat -l -k 2830 >/dev/null </dev/null"
wait_vsock_listen 2830
vncat --progress 1 2830 <"$T/1m" 2>"$T/p1.err"
like "$(cat "$T/p1.err")" "^vncat: sent 1\.0 MiB, received 0 B, [0-9]+:[0-9]{2}:[0-9]{2}, [0-9.]+ [KMG]?i?B/s$" \
	"--progress to a file: a last line with bytes, time and rate"

# a transfer of 3 s: a line each second, then the totals
{ cat "$T/1m"; sleep 3.5; cat "$T/1m"; } | vncat --progress 1 2830 2>"$T/p2.err"
n=$(grep -c '^vncat: sent ' "$T/p2.err")
check "--progress to a file: lines while it runs ($n lines)" -- test "$n" -ge 3
like "$(tail -n 1 "$T/p2.err")" "^vncat: sent 2\.0 MiB, received 0 B, [0-9]+:[0-9]{2}:[0-9]{2}, " \
	"--progress: the last line has the totals"

# stderr on a terminal, stdin a pipe: shown by itself, in place, erased
{ cat "$T/1m"; sleep 3.5; cat "$T/1m"; } |
	"${PEER[@]}" on-pty "$T/p3.tty" -- vncat 1 2830 >/dev/null
like "$(tr '\r' '\n' <"$T/p3.tty")" "vncat: sent 1\.0 MiB, received 0 B, [0-9]+:[0-9]{2}:[0-9]{2}" \
	"on a terminal: the progress shows by itself"
check "on a terminal: it is redrawn in place ('\\r')" -- grep -q $'\r' "$T/p3.tty"
is "$(tail -c 2 "$T/p3.tty" | od -An -tx1 | tr -d ' ')" 200d \
	"on a terminal: erased at the end (blanks, then '\\r')"

{ cat "$T/1m"; sleep 3.5; cat "$T/1m"; } |
	"${PEER[@]}" on-pty "$T/p4.tty" -- vncat --no-progress 1 2830 >/dev/null
is "$(wc -c <"$T/p4.tty")" 0 "--no-progress on a terminal: nothing on stderr"

{ cat "$T/1m"; sleep 3.5; cat "$T/1m"; } | vncat 1 2830 2>"$T/p5.err"
is "$(wc -c <"$T/p5.err")" 0 "stderr not a terminal: no progress unless asked"
done_testing
