#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs inside the lab VM (tests/golden/vsockstat/regen --record boots it):
# makes sockets in known states and records what sock_diag says about them
# with vsockstat --record, into the directory $1.
#   record.sh DIR          basic.diag allns.diag nodiag.diag truncated.diag
#   record.sh DIR nsmode   nsmode.diag (Linux 7.x: sets child_ns_mode=local)
#   record.sh DIR nsvsock  nsvsock.diag (Linux 6.x: kmod-build's nsvsock.ko
#                          in vsock_loopback's place, child_ns_mode=local)
set -eu
out=$1
mode=${2:-}
mk="/usr/bin/python3 $NSV_SRCDIR/tests/lab/vsockstat-mksock.py"
mkdir -p "$out"
modprobe vsock_loopback
modprobe vsock_diag
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait; for n in a b g loc; do ip netns del $n 2>/dev/null || true; done' EXIT

# hold SPEC...: start the helper, wait until its sockets exist.
hold() {
	local f
	f=$(mktemp)
	$mk "$@" >"$f" &
	pids+=($!)
	for _ in $(seq 100); do grep -q READY "$f" && return 0; sleep 0.1; done
	echo "record.sh: helper did not start: $*" >&2
	exit 1
}

if [ "$mode" = nsmode ]; then
	# A global namespace made before the switch, a local one after it.
	ip netns add g
	echo local >/proc/sys/net/vsock/child_ns_mode
	ip netns add loc
	hold listen:stream:2000 pair:stream:2100
	hold --netns /run/netns/g listen:stream:2200 bound:seqpacket:4000
	hold --netns /run/netns/loc pair:stream:2000 listen:seqpacket:3000
	vsockstat -A --record "$out/nsmode.diag" >/dev/null
	exit 0
fi

if [ "$mode" = nsvsock ]; then
	# The same with the module's modes; its ports are the machine's, so
	# each namespace binds its own.
	rmmod vsock_loopback
	modprobe vmw_vsock_virtio_transport_common
	insmod "$NSV_BUILDDIR/kmod-build/$LAB_KERNEL/nsvsock.ko"
	ip netns add g
	echo local >/proc/sys/net/nsvsock/child_ns_mode
	ip netns add loc
	hold listen:stream:2000 pair:stream:2100
	hold --netns /run/netns/g listen:stream:2200 bound:seqpacket:4000
	hold --netns /run/netns/loc pair:stream:2300 listen:seqpacket:3000
	vsockstat -A --record "$out/nsvsock.diag" >/dev/null
	exit 0
fi

hold listen:stream:2000 pair:stream:2100 pair:seqpacket:3000 bound:stream:4000 \
	shut:stream:5000:wr shut:seqpacket:5200:rd shut:stream:5100:rdwr
vsockstat --record "$out/basic.diag" >/dev/null
# Cut inside the third socket's message: a malformed recording.
head -c 150 "$out/basic.diag" >"$out/truncated.diag"

ip netns add a
ip netns add b
hold --netns /run/netns/a listen:stream:7000 pair:seqpacket:7100
hold --netns /run/netns/b bound:stream:8000
vsockstat -A --record "$out/allns.diag" >/dev/null

# vsock_diag gone, and the kernel kept from loading it again.
old=$(cat /proc/sys/kernel/modprobe)
rmmod vsock_diag
echo /bin/false >/proc/sys/kernel/modprobe
vsockstat --record "$out/nodiag.diag" >/dev/null 2>&1 || true
echo "$old" >/proc/sys/kernel/modprobe
modprobe vsock_diag
