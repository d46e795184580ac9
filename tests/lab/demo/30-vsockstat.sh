#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vsockstat: ss for vsock, listeners, SEQPACKET, shutdown, namespaces, JSON.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mk="$here/vsockstat-mksock.py"
tmp=${NSV_DEMO_TMP:-/tmp}/vsockstat
mkdir -p "$tmp"
pids=()
cleanup() {
	kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	ip netns del demo-blue 2>/dev/null
}
trap cleanup EXIT
hold() { # FILE ARGS...: sockets held by the test helper until the end
	local f=$1
	shift
	/usr/bin/python3 "$mk" "$@" >"$f" &
	pids+=($!)
	for _ in $(seq 100); do grep -q READY "$f" && return; sleep 0.1; done
}

hold "$tmp/m0" listen:stream:1024 pair:stream:2000 pair:seqpacket:3000 \
	bound:stream:4000 shut:stream:5000:wr
say "vsockstat: every vsock socket, listeners included; SEQPACKET named, shutdown decoded"
run vsockstat
say "ss --vsock hides listeners and prints ??? for SEQPACKET"
run ss --vsock
say "listeners and the processes that hold them"
run vsockstat -l -p
say "filters: connected SEQPACKET sockets, or one port"
run vsockstat -t --type seqpacket
run vsockstat --sport 5000 -n
ip netns add demo-blue
hold "$tmp/m1" --netns /run/netns/demo-blue listen:stream:7000 pair:seqpacket:7100
say "every network namespace at once (ss needs one run per namespace)"
run vsockstat -A
run vsockstat -A -s
say "JSON with a documented schema (vsockstat/1)"
run sh -c "vsockstat -A -j | jq -c '.sockets[] | select(.state == \"LISTEN\") | {netns, port: .local.port, type}'"
say "scripts wait for a listener instead of polling ss"
run sh -c "(sleep 1; exec /usr/bin/python3 '$mk' listen:stream:6000 >/dev/null) & vsockstat --wait-listen 6000 --timeout 10 && echo 'port 6000 is listening'; kill \$! 2>/dev/null"
run sh -c "vsockstat --wait-listen 6001 --timeout 1; echo \"exit status \$?\""
