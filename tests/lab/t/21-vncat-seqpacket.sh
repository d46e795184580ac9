#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vncat --seqpacket keeps message boundaries end to end: with a SOCK_SEQPACKET
# Unix socket as stdin/stdout, a peer receives exactly the sizes sent, 1 byte
# to 200000 (more than three 64 KiB virtio packets), in both directions.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
T=$LAB_TMP
PEER=(/usr/bin/python3 "$NSV_SRCDIR/tests/lab/vncat-peer.py")
SIZES=1,2,4095,4096,65535,65536,65537,131072,200000
want=$(tr , '\n' <<<"$SIZES")

# vncat sends: every read of stdin becomes one vsock message.
bg "${PEER[@]}" seq-recv 2100 "$T/got1"
recv=$BG_PID
wait_vsock_listen 2100
timeout 60 "${PEER[@]}" unix-seq "$T/back1" "$SIZES" -- vncat --seqpacket 1 2100
ok $? "vncat --seqpacket 1 2100 sends 9 messages and exits 0"
wait "$recv"
ok $? "the SEQPACKET peer checked every message's bytes"
is "$(<"$T/got1")" "$want" "the peer received exactly the sizes sent, 1 B to 200000 B"

# vncat receives: every message is written whole to stdout.
bg "${PEER[@]}" seq-send-server 2101 "$SIZES"
wait_vsock_listen 2101
timeout 60 "${PEER[@]}" unix-seq "$T/got2" - -- vncat --seqpacket 1 2101
ok $? "vncat --seqpacket 1 2101 receives and exits 0"
is "$(<"$T/got2")" "$want" "stdout got exactly the message sizes the peer sent"

# A listening vncat receives messages too.
bg sh -c "exec ${PEER[*]} unix-seq $T/got3 - -- vncat --seqpacket -v -l 2102 2>$T/v3"
listener=$BG_PID
wait_vsock_listen 2102
"${PEER[@]}" seq-send 1 2102 "$SIZES"
ok $? "a SEQPACKET client sends to vncat --seqpacket -l 2102"
wait "$listener"
ok $? "the listener exits 0"
is "$(<"$T/got3")" "$want" "the listener wrote each message whole"
like "$(<"$T/v3")" "-> stdio: 535874 bytes in 9 messages" "-v counts 9 messages and their bytes"

# A message bigger than vncat's buffer (--bufsize) is an error, never cut
# silently ...
bg "${PEER[@]}" seq-recv 2103 "$T/got4"
wait_vsock_listen 2103
err=$(timeout 60 "${PEER[@]}" unix-seq "$T/back4" 150000 -- vncat --seqpacket --bufsize 128K 1 2103 2>&1)
is "$?" 1 "a 150000-byte message with --bufsize 128K: exit 1"
is "$err" "vncat: a message from stdio was larger than the 131072-byte buffer: raise --bufsize" \
	"the error says which side sent it and what to raise"
kill "$BG_PID" 2>/dev/null

# ... and the default 4 MiB buffer takes the largest a Unix socket sends.
bg "${PEER[@]}" seq-recv 2104 "$T/got5"
recv=$BG_PID
wait_vsock_listen 2104
timeout 60 "${PEER[@]}" unix-seq "$T/back5" 300000,1 -- vncat --seqpacket 1 2104
ok $? "the default buffer: a 300000-byte message goes through"
wait "$recv"
is "$(<"$T/got5")" "300000
1" "the peer received 300000 and 1"

# A relay to a Unix SOCK_SEQPACKET socket keeps the boundaries as well.
bg "${PEER[@]}" seq-recv "$T/seq.sock" "$T/got6"
recv=$BG_PID
wait_for 20 test -S "$T/seq.sock"
bg vncat --seqpacket -l 2105 unix:"$T/seq.sock"
wait_vsock_listen 2105
timeout 60 "${PEER[@]}" unix-seq "$T/back6" "$SIZES" -- vncat --seqpacket 1 2105
ok $? "vncat --seqpacket 1 2105 through vncat --seqpacket -l 2105 unix:PATH exits 0"
wait "$recv"
is "$(<"$T/got6")" "$want" "the Unix SEQPACKET peer behind the relay got exactly the sizes sent"
done_testing
