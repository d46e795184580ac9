#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Build nsvsock.ko for one or more kernels, each in a tree of its own:
# OUT/KVER/ gets a copy of the sources and Kbuild's objects, so that builds
# for several kernels never mix. `make module` runs this.
#
#   kbuild-trees.sh [-W] [-s] [-i] OUT KDIR...
#
#   -W   warnings are errors (the build runs with W=1 either way)
#   -s   skip, with a note, a kernel the module is not for (Linux 7.0+ has
#        the modes in tree) instead of failing
#   -i   then install it (modules_install, depmod)
set -eu

werror=0
skip=0
install=0
while [ $# -gt 0 ]; do
	case "$1" in
	-W) werror=1 ;;
	-s) skip=1 ;;
	-i) install=1 ;;
	*) break ;;
	esac
	shift
done
[ $# -ge 2 ] || {
	sed -n '6,11s/^# \{0,1\}//p' "$0" >&2
	exit 2
}
src=$(cd "$(dirname "$0")" && pwd)
out=$1
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
sources="Kbuild compat.sh nsvsock.h main.c domain.c netns.c tap.c transport.c"

for kdir in "$@"; do
	# The release the kernel reports (uname -r), not the source's version.
	kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$kdir/include/generated/utsrelease.h" 2>/dev/null) || true
	if [ -z "$kver" ]; then
		echo "nsvsock: no kernel headers in $kdir (install linux-headers-<version>)" >&2
		exit 1
	fi
	case "$kver" in
	[0-5].* | 6.*) ;;
	*)
		if [ "$skip" = 1 ]; then
			echo "nsvsock: $kver has per-netns vsock in tree: no module to build"
			continue
		fi
		;;
	esac
	tree=$out/$kver
	mkdir -p "$tree"
	# cp -p keeps the sources' times: Kbuild rebuilds only what changed.
	for f in $sources; do
		cmp -s "$src/$f" "$tree/$f" || cp -p "$src/$f" "$tree/$f"
	done
	log=$tree/build.log
	if ! make -C "$kdir" M="$tree" W=1 modules >"$log" 2>&1; then
		cat "$log" >&2
		echo "nsvsock: the build for $kver failed" >&2
		exit 1
	fi
	if [ "$werror" = 1 ] && grep -q 'warning:' "$log"; then
		grep -B2 -A4 'warning:' "$log" >&2
		echo "nsvsock: the build for $kver has warnings" >&2
		exit 1
	fi
	echo "nsvsock: $tree/nsvsock.ko"
	if [ "$install" = 1 ]; then
		make -C "$kdir" M="$tree" modules_install
		depmod -a "$kver"
	fi
done
