#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the kernel's own vsock tests (tools/testing/vsock) of a kernel series
# from its linux-source tarball, on the host, into OUT/linux-source-SERIES/
# (only tools/testing/vsock and tools/include are unpacked). Prints the path
# of each program. The lab VM runs them from there.
#
#   vsock-tools.sh OUT SERIES [PROGRAM...]     default PROGRAM: vsock_test
set -euo pipefail
[ $# -ge 2 ] || {
	sed -n '8s/^# \{0,1\}//p' "$0" >&2
	exit 2
}
out=$1
series=$2
shift 2
[ $# -gt 0 ] || set -- vsock_test
tarball=/usr/src/linux-source-$series.tar.xz
top=linux-source-$series
dir=$out/$top/tools/testing/vsock

if [ ! -d "$dir" ]; then
	[ -r "$tarball" ] || {
		echo "vsock-tools: $tarball not found (apt-get install linux-source-$series; scripts/setup does it)" >&2
		exit 1
	}
	mkdir -p "$out"
	tar -xJf "$tarball" -C "$out" --wildcards "$top/tools/testing/vsock/*" "$top/tools/include/*"
fi
make -s -C "$dir" "$@" >&2
for p in "$@"; do
	echo "$dir/$p"
done
