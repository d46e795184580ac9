#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: every benchmark, one table. From the build tree:
#
#   bench/run.sh            (make bench)
#
# On this machine: vsockdump -r against tcpdump -r and tshark -r
# (bench/vsockdump.sh) and the hybrid relay against a direct transfer
# (bench/hybrid-relay.sh). In the lab VM, booted once per kernel and vCPU
# count: vncat against vsock_perf, socat and its own splice path
# (bench/vncat.sh), live capture against tcpdump (bench/capture.sh),
# vsockstat against ss
# (bench/vsockstat.sh), and vncat over the nsvsock module against
# vsock_loopback (bench/nsvsock.sh, where make lab-kmod built it: 6.x; last
# in the VM, as it swaps the modules). bench/nested.sh (a nested guest)
# stays out: it takes longer than all of these. The table (bench/table.sh)
# goes to stdout and to bench/results.md, and replaces the one in
# README.md; each ratio is compared with the last committed
# bench/results.md.
#
# Environment: BENCH_QUICK=1 (a few MiB, one run, one kernel: checks that
# the scripts work; writes lab-build/bench/quick.md, touches nothing in
# git), BENCH_KERNELS ("6.1 6.12 7"), BENCH_VCPUS ("1 2"), BENCH_PARTS
# (default "vsockdump hybrid vncat capture vsockstat nsvsock"), BENCH_RUNS
# (9), BENCH_OUT (where the table goes), BENCH_WORK (scratch:
# lab-build/bench).
# Exit status: 0, or 1 when a ratio regressed against the last table or a
# benchmark failed (the table is written all the same).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)

# ------------------------------------------------ in the lab VM: one boot
if [ -n "${LAB_KERNEL:-}" ]; then
	rc=0
	for part in $BENCH_PARTS; do
		case $part in
		vncat)
			BENCH_TOOLS="vncat vncat-splice vsock_perf socat socat-b65536" \
				bash "$here/vncat.sh" "$BENCH_MIB" || rc=1
			;;
		capture) bash "$here/capture.sh" "$BENCH_CAPTURE_MIB" || rc=1 ;;
		vsockstat) RUNS=$BENCH_RUNS BENCH_NETNS=0 bash "$here/vsockstat.sh" || rc=1 ;;
		nsvsock)
			# last: it swaps vsock_loopback for the module and back
			if [ -e "$NSV_BUILDDIR/kmod-build/$LAB_KERNEL/nsvsock.ko" ]; then
				bash "$here/nsvsock.sh" "$BENCH_MIB" || rc=1
			else
				echo "run.sh: no nsvsock.ko for $LAB_KERNEL (make lab-kmod; 6.x only)" >&2
			fi
			;;
		esac
	done
	exit $rc
fi

# ------------------------------------------------------------ on the host
build=$PWD
[ -x "$build/vncat/vncat" ] || { echo "run.sh: run me from the build tree (make first)" >&2; exit 1; }
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${BENCH_KERNELS:=6.12}" "${BENCH_VCPUS:=1}" "${BENCH_RUNS:=1}"
	mib=4 capture_mib=4 sockets=500 frames=20000 hybrid_mib=8
	out=${BENCH_OUT:-$build/lab-build/bench/quick.md}
else
	: "${BENCH_KERNELS:=6.1 6.12 7}" "${BENCH_VCPUS:=1 2}" "${BENCH_RUNS:=9}"
	mib=256 capture_mib=32 sockets=10000 frames=1000000 hybrid_mib=256
	out=${BENCH_OUT:-$src/bench/results.md}
fi
parts=${BENCH_PARTS:-vsockdump hybrid vncat capture vsockstat nsvsock}
has() { case " $parts " in *" $1 "*) return 0 ;; esac; return 1; }

work=${BENCH_WORK:-$build/lab-build/bench}
mkdir -p "$work" "$(dirname "$out")"
rows=$work/rows.tsv
: >"$rows"
failed=()
load() { cut -d' ' -f1 /proc/loadavg; }
load0=$(load)
t0=$SECONDS

make -s -C "$build" bench/vsockdump-gen bench/hybrid-peer >/dev/null || exit 1
export BENCH_ROWS=$rows

if has vsockdump; then
	echo "== vsockdump -r against tcpdump -r and tshark -r ($frames frames)" >&2
	BENCH_KERNEL_NAME=host BENCH_LOAD=$(load) \
		bash "$here/vsockdump.sh" "$frames" "$BENCH_RUNS" >&2 ||
		failed+=("vsockdump.sh")
fi
if has hybrid; then
	echo "== the hybrid relay against a direct transfer ($hybrid_mib MiB)" >&2
	BENCH_KERNEL_NAME=host BENCH_LOAD=$(load) \
		bash "$here/hybrid-relay.sh" "$hybrid_mib" "$BENCH_RUNS" >&2 ||
		failed+=("hybrid-relay.sh")
fi

lab_parts=
for p in vncat capture vsockstat nsvsock; do has $p && lab_parts+="$p "; done
if [ -n "$lab_parts" ]; then
	perf=$("$here/vncat-perf.sh" 6.12) || exit 1
	# the VM sees the build tree, not necessarily $work
	vmrows=$build/lab-build/bench-rows.$$
	for k in $BENCH_KERNELS; do
		for v in $BENCH_VCPUS; do
			echo "== lab: Linux $k, $v vCPU: $lab_parts" >&2
			LAB_SMP=$v LAB_MEM=${LAB_MEM:-2G} LAB_BUILDDIR=$build LAB_SRCDIR=$src \
				"$src/tests/lab/lab" run -k "$k" -- env \
				BENCH_ROWS="$vmrows" BENCH_LOAD="$(load)" BENCH_PARTS="$lab_parts" \
				BENCH_PERF="$perf" BENCH_RUNS="$BENCH_RUNS" BENCH_MIB="$mib" \
				BENCH_CAPTURE_MIB="$capture_mib" BENCH_SOCKETS="$sockets" \
				bash "$here/run.sh" >&2 ||
				failed+=("lab $k, $v vCPU (exit $?)")
			[ -f "$vmrows" ] && cat "$vmrows" >>"$rows"
			rm -f "$vmrows"
		done
	done
fi

# The table, with what it was measured on.
last=$work/last.md
git -C "$src" show HEAD:bench/results.md >"$last" 2>/dev/null || cp "$src/bench/results.md" "$last" 2>/dev/null || : >"$last"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
{
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`make bench\` ($((SECONDS - t0)) s), nsvsock $(git -C "$src" describe --always --dirty 2>/dev/null || echo "$PACKAGE_VERSION")."
	echo "Host: $(uname -m), ${cpu:-unknown CPU}, $(nproc) cores, Linux $(uname -r);"
	echo "load average (1 min) $load0 at the start, $(load) at the end: other jobs and lab VMs share it."
	echo "Lab: QEMU TCG (no KVM), 2 GiB, one boot per kernel and vCPU count."
	echo "Every figure is the median of $BENCH_RUNS runs in which the two sides take turns;"
	echo "ratio: the median of the per-run ratios, ours against the peer's rate (for"
	echo "times and CPU seconds the peer's against ours), so higher is better except"
	echo "for memory; runs: their lowest and highest, and how many. A row regressed"
	echo "when its best run is worse than the last table's worst."
	echo
	bash "$here/table.sh" "$rows" "$last"
	echo "$?" >"$work/table.rc"
	if [ ${#failed[@]} -gt 0 ]; then
		echo
		echo "Failed, so missing from the table:"
		printf -- '- %s\n' "${failed[@]}"
	fi
} >"$out.new"
mv "$out.new" "$out"
cat "$out"

# README.md shows the latest full table between its two bench markers.
if [ "${BENCH_QUICK:-0}" != 1 ] && [ -z "${BENCH_OUT:-}" ] &&
	grep -q '^<!-- bench: start' "$src/README.md"; then
	awk -v f="$out" '
		/^<!-- bench: end/ { while ((getline l < f) > 0) print l; skip = 0 }
		!skip { print }
		/^<!-- bench: start/ { skip = 1 }' "$src/README.md" >"$src/README.md.new" &&
		mv "$src/README.md.new" "$src/README.md"
fi
[ "$(cat "$work/table.rc")" = 0 ] && [ ${#failed[@]} -eq 0 ]
