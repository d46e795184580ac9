#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vncat throughput over nsvsock against vsock_loopback, in one lab VM (never
# on the host): MIB MiB from a tmpfs file to /dev/null, taking turns round
# after round (each round starting with the next setup): vsock_loopback,
# nsvsock in the initial namespace (no local namespace exists, so no packet
# is checked), and nsvsock with both ends in a local namespace (every
# packet checked). A rate is bytes over the wall time from the sender's
# start to the receiver's exit; each gets the median and the best of RUNS
# rounds, and the ratio to vsock_loopback is the median of the rounds'
# ratios. Not a test.
#
#   bench/nsvsock.sh [MIB]       from the build tree, after make lab-kmod
# Environment: BENCH_KERNEL (6.12), BENCH_RUNS (5), LAB_MEM (2G here),
# LAB_SMP (1 here, as in bench/vncat.sh: stable rates on a shared host),
# BENCH_ROWS (append make bench's rows there, bench/lib.sh).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
mib=${1:-${BENCH_MIB:-256}}

if [ -z "${LAB_KERNEL:-}" ]; then
	kernel=${BENCH_KERNEL:-6.12}
	[ -x vncat/vncat ] && ls kmod-build/"$kernel"*/nsvsock.ko >/dev/null 2>&1 || {
		echo "nsvsock.sh: run from the build tree after make and make lab-kmod" >&2
		exit 1
	}
	export LAB_MEM=${LAB_MEM:-2G} LAB_SMP=${LAB_SMP:-1} LAB_SRCDIR=$src
	exec "$src/tests/lab/lab" run -k "$kernel" -- env \
		BENCH_RUNS="${BENCH_RUNS:-5}" bash "$here/nsvsock.sh" "$mib"
fi

# ------------------------------------------------------------ in the lab VM
. "$here/lib.sh"
ko=$NSV_BUILDDIR/kmod-build/$LAB_KERNEL/nsvsock.ko
bytes=$((mib << 20))
file=/tmp/bench.dat
head -c "$bytes" /dev/zero >"$file" || exit 1
runs=${BENCH_RUNS:-5}
port=6000
modprobe vmw_vsock_virtio_transport_common
modprobe vsock_diag

use() { # loopback | nsvsock
	rmmod vsock_loopback nsvsock 2>/dev/null
	case $1 in
	loopback) modprobe vsock_loopback ;;
	nsvsock) insmod "$ko" ;;
	esac
}

# The local namespace for the third setup, made once with nsvsock loaded;
# its mode lives in the module, so it is remade after each reload.
mklocal() {
	ip netns del benchp 2>/dev/null
	ip netns del benchl 2>/dev/null
	ip netns add benchp
	ip netns exec benchp sh -c 'echo local >/proc/sys/net/nsvsock/child_ns_mode'
	touch /run/netns/benchl
	nsenter --net=/run/netns/benchp unshare --net=/run/netns/benchl true
	ip -n benchl link set lo up
	[ "$(ip netns exec benchl cat /proc/sys/net/nsvsock/ns_mode)" = local ]
}

listening() { ss --vsock -lnH 2>/dev/null | grep -q ":$1 "; }

# one [NETNS]: seconds from the client's start to both ends' exit. Both
# ends enter their namespace the same way in every setup, the initial one
# through init's handle: entering one costs 0.1-0.2 s under TCG (measured),
# a tenth of a 256 MiB transfer, which only the local setup paid before.
one() {
	local in=(nsenter --net="/proc/1/ns/net") t0 t1 spid i
	[ -n "${1:-}" ] && in=(nsenter --net="/run/netns/$1")
	port=$((port + 1))
	"${in[@]}" vncat -l "$port" </dev/null >/dev/null &
	spid=$!
	for ((i = 0; i < 200; i++)); do
		"${in[@]}" ss --vsock -lnH 2>/dev/null | grep -q ":$port " && break
		sleep 0.05
	done
	t0=$EPOCHREALTIME # no date process timed with the transfer
	"${in[@]}" vncat 1 "$port" <"$file" || echo "# client failed" >&2
	wait "$spid" || echo "# server failed" >&2
	t1=$EPOCHREALTIME
	echo "$bytes / 1048576 / ($t1 - $t0)" | bc -l
}

SETUPS=(loopback nsvsock nsvsock-local)
declare -A RUN
# run SETUP ROUND: one measurement with that setup, its module loaded.
run() {
	case $1 in
	loopback) use loopback && RUN[$1.$2]=$(one) ;;
	nsvsock) use nsvsock && RUN[$1.$2]=$(one) ;;
	nsvsock-local)
		use nsvsock && mklocal || { echo "# cannot make a local namespace" >&2; exit 1; }
		RUN[$1.$2]=$(one benchl)
		ip netns del benchl
		ip netns del benchp
		;;
	esac
}
# Each round starts with another setup, so that none is always first after
# a module load or always follows a given one.
for ((r = 0; r < runs; r++)); do
	for ((i = 0; i < ${#SETUPS[@]}; i++)); do
		run "${SETUPS[(r + i) % ${#SETUPS[@]}]}" "$r"
	done
done
use none

median() { sort -g | sed -n "$(((runs + 1) / 2))p"; }
# The ratio is taken round by round (paired runs, minutes apart at most:
# a busy host slows both alike), then its median.
echo
echo "vncat over vsock loopback, $mib MiB, Linux $(uname -r), $(nproc) vCPU, $runs rounds"
echo
echo "| transport | median MiB/s | best MiB/s | of vsock_loopback (median of rounds) |"
echo "|---|---:|---:|---:|"
for t in "${SETUPS[@]}"; do
	case $t in
	loopback) label="vsock_loopback" ;;
	nsvsock) label="nsvsock, initial namespace" ;;
	nsvsock-local) label="nsvsock, both ends in a local namespace" ;;
	esac
	rates=$(for ((r = 0; r < runs; r++)); do echo "${RUN[$t.$r]}"; done)
	ratio=$(for ((r = 0; r < runs; r++)); do
		echo "${RUN[$t.$r]} / ${RUN[loopback.$r]}" | bc -l
	done | median)
	printf '# %-14s runs: %s MiB/s\n' "$t" "$(printf '%.0f ' $rates)" >&2
	printf '| %s | %.0f | %.0f | %.2f |\n' "$label" "$(median <<<"$rates")" \
		"$(sort -g <<<"$rates" | tail -n 1)" "$ratio"
done
rm -f "$file"

# make bench: each nsvsock setup against vsock_loopback, round by round
for t in nsvsock nsvsock-local; do
	ours= peer=
	for ((r = 0; r < runs; r++)); do
		ours+="${RUN[$t.$r]} "
		peer+="${RUN[loopback.$r]} "
	done
	# shellcheck disable=SC2086
	bench_row "vncat over $([ $t = nsvsock ] && echo "nsvsock, initial netns" || echo "nsvsock, local netns") / vsock_loopback, $mib MiB" \
		"$(printf '%.0f MiB/s' "$(bench_med $ours)")" \
		"$(printf '%.0f MiB/s' "$(bench_med $peer)")" ">= 0.9" \
		"$(bench_ratios "$ours" "$peer")"
done
