#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: a hybrid vsock transfer straight to a (fake) VMM against the
# same transfer through vsockdump --hybrid, recording to a pcap file on
# tmpfs, with a short snap length, and recording nothing. Unix sockets only:
# no vsock, safe on any host. Run from the build tree:
#
#   bench/hybrid-relay.sh [MIB [RUNS]]      (default 512 MiB, best of 5)
#
# Prints a Markdown table: rate each way (best run) and against direct.
set -euo pipefail
mib=${1:-512}
runs=${2:-5}
build=${abs_top_builddir:-$PWD}
[ -x "$build/vsockdump/vsockdump" ] || { echo "hybrid-relay.sh: run me from the build tree (make first)" >&2; exit 1; }
make -s -C "$build" bench/hybrid-peer >/dev/null
peer=$build/bench/hybrid-peer
vd=$build/vsockdump/vsockdump
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$shm/hybrid-bench.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
bytes=$((mib * 1024 * 1024))

wait_sock() {
	local i
	for ((i = 0; i < 100; i++)); do [ -S "$1" ] && return 0; sleep 0.05; done
	echo "hybrid-relay.sh: $1 never appeared" >&2
	exit 1
}

"$peer" vmm "$tmp/vmm.sock" &
pids+=($!)
wait_sock "$tmp/vmm.sock"

# best DIR PATH: the best rate in MB/s over the runs
best() {
	local i out b=0
	for ((i = 0; i < runs; i++)); do
		out=$("$peer" client "$2" "$1" "$bytes")
		b=$(awk -v b="$b" -v o="$out" 'BEGIN { split(o, f, " ");
			r = f[1] / f[2] / 1e6; printf "%.1f", (r > b ? r : b) }')
	done
	echo "$b"
}

# through NAME VSOCKDUMP-OPTIONS...: the relay in between
declare -A up down
through() {
	local name=$1 pid
	shift
	rm -f "$tmp/rec.sock" "$tmp/cap.pcap"
	"$vd" --hybrid "$tmp/vmm.sock" --hybrid-listen "$tmp/rec.sock" "$@" \
		2>"$tmp/vd.err" &
	pid=$!
	wait_sock "$tmp/rec.sock"
	up[$name]=$(best up "$tmp/rec.sock")
	down[$name]=$(best down "$tmp/rec.sock")
	kill -INT "$pid"
	wait "$pid" || { echo "hybrid-relay.sh: vsockdump failed:" >&2; cat "$tmp/vd.err" >&2; exit 1; }
}

up[direct]=$(best up "$tmp/vmm.sock")
down[direct]=$(best down "$tmp/vmm.sock")
through "relay -w (whole payload)" -w "$tmp/cap.pcap"
through "relay -w -s 128" -w "$tmp/cap.pcap" -s 128
through "relay -q (no output)" -q

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", (b > 0 ? 100 * a / b : 0) }'; }
echo
echo "$mib MiB each way over Unix sockets ($(uname -m), $(nproc) CPUs); best of $runs runs; pcap on $shm"
echo
echo "| path | client -> VMM MB/s | vs direct | VMM -> client MB/s | vs direct |"
echo "|---|---:|---:|---:|---:|"
for n in direct "relay -w (whole payload)" "relay -w -s 128" "relay -q (no output)"; do
	echo "| $n | ${up[$n]} | $(ratio "${up[$n]}" "${up[direct]}") | ${down[$n]} | $(ratio "${down[$n]}" "${down[direct]}") |"
done
