#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs as root in the lab VM (see ./regen): captures each conversation of
# traffic.py with vsockdump -w into the build tree's golden directory.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: make-pcaps.sh OUTDIR}
mkdir -p "$out"
modprobe vsock_loopback
modprobe vsockmon

# capture NAME VSOCKDUMP-OPTIONS... -- TRAFFIC...
capture() {
	local name=$1 opts=() pid
	shift
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	vsockdump -U "${opts[@]}" -w "$out/$name.pcap" 2>"/tmp/$name.err" &
	pid=$!
	until grep -q listening "/tmp/$name.err"; do
		kill -0 "$pid" || { cat "/tmp/$name.err"; exit 1; }
		sleep 0.1
	done
	/usr/bin/python3 "$here/traffic.py" "$@"
	sleep 0.5
	kill -INT "$pid"
	wait "$pid"
	echo "$name: $(vsockdump -r "$out/$name.pcap" 2>/dev/null | wc -l) frames"
}

capture stream -- stream
capture seqpacket -- seqpacket
capture refused -- refused
capture credit -- credit
# cut short by the snapshot length: inside the virtio header, in the payload
capture snap60 -s 60 -- stream
capture snap90 -s 90 -- seqpacket
editcap -F pcapng "$out/stream.pcap" "$out/stream.pcapng"
