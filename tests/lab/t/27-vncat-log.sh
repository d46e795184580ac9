#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vncat -o and -x over vsock loopback: the session log holds exactly what
# crossed (sha256 per direction, rebuilt from the hex dump line by line), in
# order, for a client, a -e program, a -k server (one file, each line naming
# its connection), a relay and --append-output; exact hex lines for a small
# exchange; a log that cannot be opened.
# lab-one-kernel: the tools' own logic, the same on every kernel
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
T=$LAB_TMP
PEER=(/usr/bin/python3 "$NSV_SRCDIR/tests/lab/vncat-peer.py")
"${PEER[@]}" mkdata "$T/big" 1 1
"${PEER[@]}" mkdata "$T/down.1m" 1 2
# hex dumps are 5 times the data, and checking them line by line in python
# under TCG is slow: 64 KiB each way
head -c 65536 "$T/big" >"$T/up"
head -c 65536 "$T/down.1m" >"$T/down"
sum() { sha256sum <"$1" | cut -d' ' -f1; }

# ----------------------------------------------- a client logs both ways
# The service answers only after our EOF, so the log is: all we sent, then
# all we got.
bg vncat -l -k 2700 -c "sha256sum; cat $T/down"
server=$BG_PID
wait_vsock_listen 2700
vncat -o "$T/b.o" 1 2700 <"$T/big" >"$T/b.got"
ok $? "vncat -o 1 2700 exits 0"
cat "$T/big" "$T/b.got" >"$T/b.want"
is "$(sum "$T/b.o")" "$(sum "$T/b.want")" "-o: 1 MiB sent, then the answer, byte for byte"
vncat -o "$T/c.o" -x "$T/c.x" 1 2700 <"$T/up" >"$T/c.got"
ok $? "vncat -o -x 1 2700 exits 0"
cat "$T/up" "$T/c.got" >"$T/c.want"
is "$(sum "$T/c.o")" "$(sum "$T/c.want")" "-o with -x: the same bytes in the raw log"
"${PEER[@]}" hexlog "$T/c.x" "$T/c.sent" "$T/c.recv"
ok $? "-x: every line well formed, offsets without gaps in each direction"
is "$(sum "$T/c.sent")" "$(sum "$T/up")" "-x: the '>' lines hold the 64 KiB sent"
is "$(sum "$T/c.recv")" "$(sum "$T/c.got")" "-x: the '<' lines hold what was received"
kill "$server"

# ------------------------------------------------ exact lines, in order
bg vncat -l 2701 -c 'read -r l; echo "got $l"'
wait_vsock_listen 2701
echo hello | vncat -x "$T/small.x" 1 2701 >/dev/null
is "$(cat "$T/small.x")" \
	"> 00000000  68 65 6c 6c 6f 0a                                 |hello.|
< 00000000  67 6f 74 20 68 65 6c 6c  6f 0a                    |got hello.|" \
	"-x: a small exchange gives exactly these two lines, in order"

# ------------------------------------- the program's side: -e with a log
bg vncat -l 2702 -o "$T/e.o" -x "$T/e.x" -e /bin/cat
server=$BG_PID
wait_vsock_listen 2702
vncat 1 2702 <"$T/up" >"$T/e.got"
ok $? "a client of vncat -l -o -x -e /bin/cat exits 0"
wait "$server"
ok $? "the logging -e server exits with cat's status 0"
is "$(sum "$T/e.got")" "$(sum "$T/up")" "through vncat in between, cat echoed 64 KiB intact"
"${PEER[@]}" hexlog "$T/e.x" "$T/e.sent" "$T/e.recv"
ok $? "-e -x: every line well formed"
is "$(sum "$T/e.recv")" "$(sum "$T/up")" "-e -x: '<' is what the client sent"
is "$(sum "$T/e.sent")" "$(sum "$T/up")" "-e -x: '>' is what cat sent back"
is "$(stat -c %s "$T/e.o")" 131072 "-e -o: 128 KiB, both directions"

# --------------------------- -k: one file, each hex line names its peer
bg vncat -l -k 2703 -o "$T/k.o" -x "$T/k.x" -e /bin/cat
server=$BG_PID
wait_vsock_listen 2703
for p in 2781 2782 2783; do
	is "$(echo "client $p" | vncat -p $p 1 2703)" "client $p" "-k -x: client from port $p gets its echo"
done
kill "$server"
for p in 2781 2782 2783; do
	"${PEER[@]}" hexlog "$T/k.x" "$T/k.s.$p" "$T/k.r.$p" "local:$p"
	is "$(cat "$T/k.r.$p")|$(cat "$T/k.s.$p")" "client $p|client $p" \
		"-k -x: the lines of local:$p hold its line both ways, offsets from 0"
done
is "$(sort "$T/k.o" | uniq -c | awk '{ print $1 }' | sort -u)" 2 \
	"-k -o: all connections append to one file, each line there twice"

# ------------------------------------------------- a relay logs too
bg socat -t 30 UNIX-LISTEN:"$T/svc.sock" SYSTEM:"sha256sum; cat $T/down"
wait_for 20 test -S "$T/svc.sock"
bg vncat -l 2704 -x "$T/r.x" unix:"$T/svc.sock"
relay=$BG_PID
wait_vsock_listen 2704
vncat 1 2704 <"$T/up" >"$T/r.got"
wait "$relay"
"${PEER[@]}" hexlog "$T/r.x" "$T/r.sent" "$T/r.recv"
is "$(sum "$T/r.sent")|$(sum "$T/r.recv")" "$(sum "$T/up")|$(sum "$T/r.got")" \
	"relay -x: '>' is the client's 64 KiB to the target, '<' the answer"

# ---------------------------------------------------- --append-output
bg vncat -l -k 2705 -e /bin/cat
wait_vsock_listen 2705
echo one | vncat -o "$T/a.o" 1 2705 >/dev/null
echo two | vncat -o "$T/a.o" 1 2705 >/dev/null
is "$(cat "$T/a.o")" "two
two" "without --append-output -o starts the file afresh"
echo three | vncat -o "$T/a.o" --append-output 1 2705 >/dev/null
is "$(tail -n 2 "$T/a.o")" "three
three" "--append-output adds to it"
is "$(wc -l <"$T/a.o")" 4 "--append-output kept what was there"

# -------------------------------------------------------------- errors
out=$(vncat -o /nonexistent/dir/log 1 2705 </dev/null 2>&1)
is "$?|$out" "1|vncat: cannot open /nonexistent/dir/log: No such file or directory" \
	"-o into a missing directory: exit 1 and why"
done_testing
