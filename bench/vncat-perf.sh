#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the kernel's vsock_perf for bench/vncat.sh from a linux-source
# tarball: only tools/testing/vsock and tools/include are unpacked, into the
# build tree's lab-build/ (never into git). Prints the binary's path.
#   bench/vncat-perf.sh [SERIES]        SERIES: 6.12 (default) or 6.1
set -euo pipefail
series=${1:-6.12}
tarball=/usr/src/linux-source-$series.tar.xz
top=linux-source-$series
out=${LAB_BUILDDIR:-$PWD}/lab-build/vsock-src
bin=$out/$top/tools/testing/vsock/vsock_perf

if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi
[ -r "$tarball" ] || {
	echo "vncat-perf: $tarball not found (apt-get install linux-source-$series)" >&2
	exit 1
}
mkdir -p "$out"
tar -xJf "$tarball" -C "$out" --wildcards "$top/tools/testing/vsock/*" "$top/tools/include/*"
make -s -C "$out/$top/tools/testing/vsock" vsock_perf >&2
echo "$bin"
