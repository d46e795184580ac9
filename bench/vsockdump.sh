#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: vsockdump -r against tcpdump -r and tshark -r on one synthetic
# capture, each printing text to /dev/null. Reads files only: no vsock, safe
# on any host. Run from the build tree:
#
#   bench/vsockdump.sh [FRAMES [RUNS]]      (default 1000000 frames, 3 runs)
#
# The commands take turns, run after run. Each is timed: CPU seconds (user +
# sys, from bash's time in ms; on a shared machine the wall time mostly says
# how long it waited for a core), wall seconds, and peak RSS (/usr/bin/time). vsockdump also
# reads a capture of a tenth of the frames: its memory must not grow with
# the number of frames. bench/pcap-walk follows the same file's records and
# decodes nothing: the floor, as a record's place is known only from the one
# before it. Prints a Markdown table of medians; with BENCH_ROWS set, adds
# make bench's rows (bench/lib.sh).
set -euo pipefail
frames=${1:-1000000}
runs=${2:-3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
build=${abs_top_builddir:-$PWD}
[ -x "$build/vsockdump/vsockdump" ] || { echo "vsockdump.sh: run me from the build tree (make first)" >&2; exit 1; }
make -s -C "$build" bench/vsockdump-gen bench/pcap-walk >/dev/null
for t in tcpdump tshark /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "vsockdump.sh: $t is missing" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vsockdump-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cap=$tmp/cap.pcap
small=$tmp/small.pcap

"$build/bench/vsockdump-gen" "$frames" "$cap"
"$build/bench/vsockdump-gen" "$((frames / 10))" "$small"
size=$(stat -c %s "$cap")
cat "$cap" "$small" >/dev/null # into the page cache: time the tools, not the disk
walked=$("$build/bench/pcap-walk" "$cap")
[ "$walked" = "$frames" ] || { echo "vsockdump.sh: pcap-walk found $walked records, not $frames" >&2; exit 1; }

vd="$build/vsockdump/vsockdump"
names=("vsockdump -r -n" "vsockdump -r -n -v --flows" "vsockdump -r --json"
	"tcpdump -r -n" "tshark -n -r" "vsockdump -r -n (a tenth of the frames)"
	"pcap-walk (the records followed, nothing decoded)")
cmds=("$vd -r $cap -n" "$vd -r $cap -n -v --flows" "$vd -r $cap --json"
	"tcpdump -r $cap -n" "tshark -n -r $cap" "$vd -r $small -n"
	"$build/bench/pcap-walk $cap")
declare -A CPU WALL RSS
TIMEFORMAT='%3R %3U %3S'
for ((r = 0; r < runs; r++)); do
	for i in "${!names[@]}"; do
		# shellcheck disable=SC2086
		{ time /usr/bin/time -f '%M' -o "$tmp/rss" ${cmds[$i]} >/dev/null 2>"$tmp/err"; } 2>"$tmp/time" ||
			{ echo "vsockdump.sh: ${names[$i]} failed:" >&2; cat "$tmp/err" >&2; exit 1; }
		read -r w u s <"$tmp/time"
		CPU[$i]+="$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }') "
		WALL[$i]+="$w "
		RSS[$i]+="$(cat "$tmp/rss") "
	done
done

# shellcheck disable=SC2086
med() { bench_med $1; }
rate() { awk -v f="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? f / s : 0) }'; }
ref=$(med "${CPU[0]}")
echo
echo "$frames frames, $((size / 1000000)) MB ($(uname -m), $(nproc) CPUs); median of $runs runs taking turns, output to /dev/null"
echo
echo "| command | CPU s | frames per CPU s | wall s | peak RSS MiB | vsockdump -r -n is faster by |"
echo "|---|---:|---:|---:|---:|---:|"
for i in 0 1 2 3 4 5 6; do
	f=$frames
	[ "$i" = 5 ] && f=$((frames / 10))
	c=$(med "${CPU[$i]}")
	awk -v n="${names[$i]}" -v c="$c" -v w="$(med "${WALL[$i]}")" -v r="$(rate "$f" "$c")" \
		-v m="$(med "${RSS[$i]}")" -v ref="$(rate "$frames" "$ref")" \
		'BEGIN { printf "| `%s` | %.3f | %d | %.2f | %.1f | %s |\n", n, c, r, w, m / 1024,
			(r > 0 && n !~ /tenth/ ? sprintf("%.1fx", ref / r) : "-") }'
done
echo

# make bench: frames per CPU second, run by run; memory at 10x the frames
bench_row "vsockdump -r / tcpdump -r, $frames frames (CPU time)" \
	"$(rate "$frames" "$ref") frames/s" "$(rate "$frames" "$(med "${CPU[3]}")") frames/s" \
	">= 15" "$(bench_ratios "${CPU[3]}" "${CPU[0]}")"
bench_row "vsockdump -r / tshark -r, $frames frames (CPU time)" \
	"$(rate "$frames" "$ref") frames/s" "$(rate "$frames" "$(med "${CPU[4]}")") frames/s" \
	">= 20" "$(bench_ratios "${CPU[4]}" "${CPU[0]}")"
bench_row "vsockdump -r peak RSS: $frames frames / a tenth of them" \
	"$(awk -v m="$(med "${RSS[0]}")" 'BEGIN { printf "%.1f MiB", m / 1024 }')" \
	"$(awk -v m="$(med "${RSS[5]}")" 'BEGIN { printf "%.1f MiB", m / 1024 }')" \
	"<= 1.25" "$(bench_ratios "${RSS[0]}" "${RSS[5]}")"
# no target: how near vsockdump -r comes to the walk alone (1x: no nearer)
bench_row "vsockdump -r / the records walked alone (pcap-walk), $frames frames (CPU time)" \
	"$(rate "$frames" "$ref") frames/s" "$(rate "$frames" "$(med "${CPU[6]}")") frames/s" \
	"-" "$(bench_ratios "${CPU[6]}" "${CPU[0]}")"
