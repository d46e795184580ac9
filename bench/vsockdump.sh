#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: vsockdump -r against tcpdump -r and tshark -r on one synthetic
# capture, each printing text to /dev/null. Reads files only: no vsock, safe
# on any host. Run from the build tree:
#
#   bench/vsockdump.sh [FRAMES [RUNS]]      (default 1000000 frames, best of 3)
#
# Prints a Markdown table: wall time (best run), frames per second, peak RSS
# (max over runs, /usr/bin/time -v), and each tool's rate against ours.
set -euo pipefail
frames=${1:-1000000}
runs=${2:-3}
build=${abs_top_builddir:-$PWD}
[ -x "$build/vsockdump/vsockdump" ] || { echo "vsockdump.sh: run me from the build tree (make first)" >&2; exit 1; }
make -s -C "$build" bench/vsockdump-gen >/dev/null
for t in tcpdump tshark /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "vsockdump.sh: $t is missing" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vsockdump-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cap=$tmp/cap.pcap

"$build/bench/vsockdump-gen" "$frames" "$cap"
size=$(stat -c %s "$cap")
cat "$cap" >/dev/null # into the page cache: time the tools, not the disk

# measure NAME CMD...: best wall time and peak RSS over the runs
declare -A wall rss
measure() {
	local name=$1 i w m t0 t1 best= peak=0
	shift
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s%N)
		/usr/bin/time -v -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" ||
			{ echo "vsockdump.sh: $name failed:" >&2; cat "$tmp/err" >&2; exit 1; }
		t1=$(date +%s%N)
		w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
		m=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tmp/time")
		if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$w
		fi
		[ "$m" -gt "$peak" ] && peak=$m
	done
	wall[$name]=$best
	rss[$name]=$peak
}

vd="$build/vsockdump/vsockdump"
measure "vsockdump -r -n" "$vd" -r "$cap" -n
measure "vsockdump -r -n -v --flows" "$vd" -r "$cap" -n -v --flows
measure "vsockdump -r --json" "$vd" -r "$cap" --json
measure "tcpdump -r -n" tcpdump -r "$cap" -n
measure "tshark -r" tshark -r "$cap"

rate() { awk -v f="$frames" -v s="$1" 'BEGIN { printf "%.0f", (s > 0 ? f / s : 0) }'; }
ref=$(rate "${wall[vsockdump -r -n]}")
echo
echo "$frames frames, $((size / 1000000)) MB ($(uname -m), $(nproc) CPUs); best of $runs runs, output to /dev/null"
echo
echo "| command | wall s | frames/s | peak RSS MiB | vsockdump -r -n is faster by |"
echo "|---|---:|---:|---:|---:|"
for name in "vsockdump -r -n" "vsockdump -r -n -v --flows" "vsockdump -r --json" \
	"tcpdump -r -n" "tshark -r"; do
	r=$(rate "${wall[$name]}")
	awk -v n="$name" -v w="${wall[$name]}" -v r="$r" -v m="${rss[$name]}" -v ref="$ref" \
		'BEGIN { printf "| `%s` | %.3f | %d | %.1f | %.1fx |\n", n, w, r, m / 1024, (r > 0 ? ref / r : 0) }'
done
echo
awk -v a="$ref" -v t="$(rate "${wall[tcpdump -r -n]}")" -v s="$(rate "${wall[tshark -r]}")" \
	'BEGIN { printf "vsockdump/tcpdump: %.1fx (target >= 5x), vsockdump/tshark: %.1fx (target >= 10x)\n", a / t, a / s
	exit !(a >= 5 * t && a >= 10 * s) }'
