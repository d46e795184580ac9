#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: live capture with a CID/port filter, vsockdump against tcpdump
# with the same filter (vsockdump --tcpdump-filter), in the lab VM (never
# on the host). Two vncat transfers of MIB MiB run at once over loopback,
# one to the port the filter keeps and one to a port it drops, while one
# capture writes a pcap to tmpfs; vsockdump and tcpdump take turns, RUNS
# times. Each reports the frames the kernel dropped (its own counters, as
# it prints them at exit); /usr/bin/time gives its CPU time (user + sys).
# Both get the same 32 MiB ring (tcpdump -B 32768; vsockdump's default).
#
#   bench/capture.sh [MIB]     from the build tree; boots the lab on 6.12
# Environment: BENCH_KERNEL (6.12), BENCH_RUNS (3), BENCH_ROWS (append
# make bench's rows there), LAB_SMP (the lab's default).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mib=${1:-${BENCH_MIB:-64}}

if [ -z "${LAB_KERNEL:-}" ]; then
	[ -x vncat/vncat ] || { echo "capture.sh: build first (make), run from the build tree" >&2; exit 1; }
	export LAB_MEM=${LAB_MEM:-2G} LAB_SRCDIR=$(cd "$here/.." && pwd)
	exec "$here/../tests/lab/lab" run -k "${BENCH_KERNEL:-6.12}" -- \
		env BENCH_RUNS="${BENCH_RUNS:-3}" bash "$here/capture.sh" "$mib"
fi

# ------------------------------------------------------------ in the lab VM
. "$here/lib.sh"
runs=${BENCH_RUNS:-3}
modprobe vsock_loopback && modprobe vsockmon || exit 1
ip link add vsockmon0 type vsockmon 2>/dev/null
ip link set vsockmon0 up || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; ip link del vsockmon0 2>/dev/null' EXIT
head -c "$((mib << 20))" /dev/zero >"$tmp/data" || exit 1
port=7100
expr="cid 1 and port"

listening() { ss --vsock -lnH 2>/dev/null | grep -q ":$1 "; }

# traffic: one transfer to port P (kept) and one to P+1 (filtered out)
traffic() {
	local p=$1 i pids=()
	vncat -l "$p" </dev/null >/dev/null 2>>"$tmp/vncat.err" &
	pids+=($!)
	vncat -l "$((p + 1))" </dev/null >/dev/null 2>>"$tmp/vncat.err" &
	pids+=($!)
	for ((i = 0; i < 200; i++)); do
		listening "$p" && listening "$((p + 1))" && break
		sleep 0.05
	done
	vncat 1 "$p" <"$tmp/data" 2>>"$tmp/vncat.err" &
	pids+=($!)
	vncat 1 "$((p + 1))" <"$tmp/data" 2>>"$tmp/vncat.err"
	wait "${pids[@]}"
}

# one TOOL: capture one round of traffic; prints "frames drops cpu_seconds"
one() {
	local tool=$1 p f pid cap i
	port=$((port + 2))
	p=$port
	f=$(vsockdump --tcpdump-filter "$expr $p") || return 1
	rm -f "$tmp/cap.pcap" "$tmp/cap.err" "$tmp/time"
	if [ "$tool" = vsockdump ]; then
		/usr/bin/time -f '%U %S' -o "$tmp/time" \
			vsockdump -i vsockmon0 --no-create -w "$tmp/cap.pcap" "$expr $p" 2>"$tmp/cap.err" &
	else
		/usr/bin/time -f '%U %S' -o "$tmp/time" \
			tcpdump -i vsockmon0 -B 32768 -w "$tmp/cap.pcap" "$f" 2>"$tmp/cap.err" &
	fi
	pid=$!
	# both say so on stderr once the ring is set up and the filter on
	for ((i = 0; i < 200; i++)); do
		grep -q -i 'listening on' "$tmp/cap.err" && break
		sleep 0.05
	done
	sleep 0.2
	traffic "$p"
	sleep 0.5
	cap=$(pgrep -P "$pid")
	kill -INT "$cap"
	wait "$pid"
	awk -v t="$(cat "$tmp/time" 2>/dev/null)" '
		/(packets|frames) captured/ { c = $1 }
		/dropped by kernel/ { d = $1 }
		END { split(t, x, " "); printf "%d %d %.2f\n", c, d, x[1] + x[2] }' "$tmp/cap.err"
}

declare -A FR DR CPU
for ((r = 0; r < runs; r++)); do
	for t in vsockdump tcpdump; do
		read -r f d c < <(one "$t")
		FR[$t]+="$f "
		DR[$t]+="$d "
		CPU[$t]+="$c "
	done
done
if ! grep -q -i 'listening on' "$tmp/cap.err"; then
	echo "capture.sh: the last capture never started:" >&2
	cat "$tmp/cap.err" >&2
fi

sum() { awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s + 0 }' <<<"$1"; }
echo
echo "Live capture, filter '$expr P', $mib MiB to P and $mib MiB to P+1 at once, Linux $(uname -r), $(nproc) vCPU, $runs runs"
echo
echo "| tool | frames captured (runs) | dropped (runs) | CPU s (runs) |"
echo "|---|---|---|---|"
for t in vsockdump tcpdump; do
	echo "| $t | ${FR[$t]}| ${DR[$t]}| ${CPU[$t]}|"
done

# make bench: drops over all runs; CPU run by run (tcpdump's / ours)
bench_row "capture -w, $expr P: frames dropped, $mib+$mib MiB" \
	"$(sum "${DR[vsockdump]}") of $(sum "${FR[vsockdump]}")" \
	"$(sum "${DR[tcpdump]}") of $(sum "${FR[tcpdump]}")" "0 drops" -
bench_row "capture -w, $expr P: tcpdump CPU / ours" \
	"$(bench_med ${CPU[vsockdump]}) s" "$(bench_med ${CPU[tcpdump]}) s" ">= 1.0" \
	"$(bench_ratios "${CPU[tcpdump]}" "${CPU[vsockdump]}")"
