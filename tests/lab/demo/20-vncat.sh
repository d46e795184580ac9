#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vncat: netcat for vsock, over loopback (CID 1 is "local").
T=$NSV_DEMO_TMP
pids=()
trap 'kill "${pids[@]}" 2>/dev/null' EXIT
listening() { ss --vsock -lnH | grep -q ":$1 "; }
wait_listen() { for _ in $(seq 100); do listening "$1" && return; sleep 0.1; done; }

say "vncat: 16 MiB over vsock, counted with -v, byte for byte"
head -c 16M /dev/urandom >"$T/file"
vncat -l 5000 >"$T/copy" &
pids+=($!)
wait_listen 5000
run vncat -v local 5000 <"$T/file"
wait
run cmp "$T/file" "$T/copy" && echo "identical"

say "vncat: errors say what is wrong, one line, exit 1 (2 for usage)"
run vncat local 5999 </dev/null
run vncat 3 22 </dev/null
run vncat --dgram local 5999 </dev/null
run vncat --seqpacket local 5000 </dev/null
run vncat -l 7 5000
run vncat -k local 5000

say "vncat -lk: a program per connection, told who called"
vncat -l -k 5001 -c 'echo "hello CID $VNCAT_PEER_CID port $VNCAT_PEER_PORT, I am $VNCAT_LOCAL_CID:$VNCAT_LOCAL_PORT"' &
pids+=($!)
wait_listen 5001
run vncat -p 7001 local 5001 </dev/null
run vncat -p 7002 local 5001 </dev/null

say "vncat relays: a TCP service offered on vsock port 5002"
ip link set lo up
socat TCP-LISTEN:8080,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo "HTTP/1.0 200 OK"; echo; echo "served over TCP, reached over vsock"' &
pids+=($!)
vncat -l -k 5002 tcp:127.0.0.1:8080 &
pids+=($!)
wait_listen 5002
sleep 0.3
run vncat local 5002 </dev/null

say "vncat --retry: wait for a listener that comes late"
( sleep 1; exec vncat -l 5003 -c 'echo "late listener here"' ) &
pids+=($!)
run vncat -v --retry 10 local 5003 </dev/null

say "vncat -z: which ports listen (stream, then SEQPACKET)"
vncat -l -k 5010 </dev/null >/dev/null &
pids+=($!)
vncat -l -k --seqpacket 5012 </dev/null >/dev/null &
pids+=($!)
wait_listen 5010
wait_listen 5012
run vncat -z local 5005-5015
run vncat -z --seqpacket local 5005-5015
