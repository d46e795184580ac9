#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs as root in the lab VM (see ./regen): copies the format files of the
# two vsock tracepoints of the running kernel to OUTDIR/<kernel series>/.
set -eu
out=${1:?usage: record.sh OUTDIR}
modprobe vsock_loopback
t=/sys/kernel/tracing
grep -q " $t tracefs " /proc/mounts || mount -t tracefs nodev "$t"
series=$(uname -r | cut -d. -f1,2)
mkdir -p "$out/$series"
for e in virtio_transport_alloc_pkt virtio_transport_recv_pkt; do
	cp "$t/events/vsock/$e/format" "$out/$series/$e.format"
done
echo "$series: $(uname -r)" >"$out/$series/KERNEL"
