#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: a hybrid vsock transfer straight to a (fake) VMM against the
# same transfer through vsockdump --hybrid, recording to a pcap file on
# tmpfs, with a short snap length, and recording nothing. Unix sockets only:
# no vsock, safe on any host. Run from the build tree:
#
#   bench/hybrid-relay.sh [MIB [RUNS]]      (default 512 MiB, 5 runs)
#
# The three relays run side by side; in each run every path moves MIB MiB
# each way in turn. Prints a Markdown table: the median rate each way and
# against direct; with BENCH_ROWS set, make bench's rows (bench/lib.sh).
# Then the floor of -w: dd writing MIB MiB into a new file where the pcap
# files go, one copy of each byte, which the relay must make as well.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
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
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || :; done
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

# rate DIR PATH: MB/s of one transfer
rate() {
	"$peer" client "$2" "$1" "$bytes" | awk '{ printf "%.1f", $1 / $2 / 1e6 }'
}

# relay NAME VSOCKDUMP-OPTIONS...: a relay in between, listening on its own
# path, recording to its own files (a ring of two, so that tmpfs holds them)
declare -A PATHOF UP DOWN
rpids=()
names=(direct)
PATHOF[direct]=$tmp/vmm.sock
relay() {
	local name=$1 n=${#names[@]}
	shift
	"$vd" --hybrid "$tmp/vmm.sock" --hybrid-listen "$tmp/rec$n.sock" "$@" \
		2>"$tmp/vd$n.err" &
	pids+=($!)
	rpids+=($!)
	wait_sock "$tmp/rec$n.sock"
	names+=("$name")
	PATHOF[$name]=$tmp/rec$n.sock
}
relay "relay -w (whole payload)" -w "$tmp/cap1.pcap" -C 100 -W 2
relay "relay -w -s 128" -w "$tmp/cap2.pcap" -C 100 -W 2 -s 128
relay "relay -q (no output)" -q

# dd_rate: MB/s of writing MIB MiB into a new file on $shm
dd_rate() {
	LC_ALL=C dd if=/dev/zero of="$tmp/dd" bs=256K count=$((mib * 4)) 2>&1 |
		awk -F', ' '/copied/ { split($1, b, " "); split($3, t, " ");
			printf "%.1f", b[1] / t[1] / 1e6 }'
	rm -f "$tmp/dd"
}

DD=
for ((r = 0; r < runs; r++)); do
	for n in "${names[@]}"; do
		UP[$n]+="$(rate up "${PATHOF[$n]}") "
		DOWN[$n]+="$(rate down "${PATHOF[$n]}") "
	done
	DD+="$(dd_rate) "
done

# each relay must end cleanly at SIGINT, its files closed
for ((i = 0; i < ${#rpids[@]}; i++)); do
	kill -INT "${rpids[$i]}"
	wait "${rpids[$i]}" || { echo "hybrid-relay.sh: vsockdump failed:" >&2; cat "$tmp/vd$((i + 1)).err" >&2; exit 1; }
done
pids=("${pids[0]}")

# shellcheck disable=SC2086
med() { bench_med $1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", (b > 0 ? 100 * a / b : 0) }'; }
echo
echo "$mib MiB each way over Unix sockets ($(uname -m), $(nproc) CPUs); median of $runs runs taking turns; pcap on $shm"
echo
echo "| path | client -> VMM MB/s | vs direct | VMM -> client MB/s | vs direct |"
echo "|---|---:|---:|---:|---:|"
for n in "${names[@]}"; do
	echo "| $n | $(med "${UP[$n]}") | $(ratio "$(med "${UP[$n]}")" "$(med "${UP[direct]}")") | $(med "${DOWN[$n]}") | $(ratio "$(med "${DOWN[$n]}")" "$(med "${DOWN[direct]}")") |"
done
echo
echo "The floor of -w: dd writes $mib MiB into a new file on $shm at $(med "$DD") MB/s" \
	"($(ratio "$(med "$DD")" "$(med "${UP[direct]}")") of direct client -> VMM), one copy of each byte."
echo

# make bench: the relay recording everything, and recording nothing, against
# direct, each way (no target)
for n in "relay -w (whole payload)" "relay -q (no output)"; do
	o=${n%% (*}
	bench_row "hybrid $o / direct, client to VMM, $mib MiB" "$(med "${UP[$n]}") MB/s" \
		"$(med "${UP[direct]}") MB/s" - "$(bench_ratios "${UP[$n]}" "${UP[direct]}")"
	bench_row "hybrid $o / direct, VMM to client, $mib MiB" "$(med "${DOWN[$n]}") MB/s" \
		"$(med "${DOWN[direct]}") MB/s" - "$(bench_ratios "${DOWN[$n]}" "${DOWN[direct]}")"
done
