#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: vsockstat against ss --vsock in the lab VM.
#   bench/vsockstat.sh [-k KERNEL]     (from the build tree; boots the lab)
# 1. 10,000 sockets in one namespace (listeners and established pairs):
#    wall time of vsockstat and of ss --vsock -a listing them, and the ratio;
#    the same with JSON (-j; ss has none) and with processes (-p).
# 2. 100 namespaces x 100 sockets: vsockstat -A against one
#    ss -N NS --vsock -a per namespace.
# Each time is the median of RUNS runs (default 9), vsockstat and ss taking
# turns, output to /dev/null.
# Prints a Markdown table (also written to lab-build/bench-vsockstat.md).
# Environment: RUNS, BENCH_SOCKETS (10000), BENCH_NETNS (1; 0 skips part
# 2), BENCH_ROWS (append make bench's rows there); LAB_SMP sets the vCPUs as
# for tests/lab/lab (2, but 1 on 7.x unless set: LAB_SMP=2 as make bench).
set -u
if [ -z "${LAB_KERNEL:-}" ]; then
	k=6.12
	[ "${1:-}" = -k ] && k=$2
	here=$(cd "$(dirname "$0")/.." && pwd)
	export LAB_BUILDDIR=$PWD LAB_SRCDIR=$here LAB_MEM=${LAB_MEM:-2G}
	exec "$here/tests/lab/lab" run -k "$k" -- env RUNS="${RUNS:-9}" \
		BENCH_SOCKETS="${BENCH_SOCKETS:-10000}" BENCH_NETNS="${BENCH_NETNS:-1}" \
		bash "$here/bench/vsockstat.sh"
fi
. "$NSV_SRCDIR/bench/lib.sh"

RUNS=${RUNS:-9}
nsock=${BENCH_SOCKETS:-10000}
py=/usr/bin/python3
mk="$NSV_SRCDIR/tests/lab/vsockstat-mksock.py"
out="$NSV_BUILDDIR/lab-build/bench-vsockstat.md"
mkdir -p "${out%/*}"
modprobe vsock_loopback && modprobe vsock_diag || exit 1
ulimit -n 65536
tmp=$(mktemp -d)

# pair A... -- B...: run A and B in turn RUNS times (interleaved, so that
# load from elsewhere hits both alike); prints "medianA medianB" (seconds)
# and then the per-run ratios B/A (how many times faster A was).
pair() {
	local a=() i t0 t1 ta=() tb=()
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s%N)
		"${a[@]}" >/dev/null 2>&1
		t1=$(date +%s%N)
		ta+=($(((t1 - t0) / 1000)))
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		tb+=($(((t1 - t0) / 1000)))
	done
	echo "$(med "${ta[@]}") $(med "${tb[@]}") $(bench_ratios "${tb[*]}" "${ta[*]}")"
}
med() {
	printf '%s\n' "$@" | sort -n | awk -v n=$# \
		'{ v[NR] = $1 } END { printf "%.3f", v[int((n + 1) / 2)] / 1e6 }'
}
# ratio SS VSOCKSTAT: how many times faster vsockstat was
ratio() {
	case "$1$2" in *-*) echo - ;; *) awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }' ;; esac
}
ready() { # FILE PID
	local i
	for i in $(seq 3000); do
		grep -q READY "$1" && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.2
	done
	echo "bench: the helper did not finish: $(tail -n 3 "$1")" >&2
	exit 1
}

# 1. 10,000 sockets: 5,999 listeners, one more with 2,000 connections.
$py "$mk" "many:stream:10000:$((nsock * 6 / 10 - 1))" \
	"pairs:stream:9999:$((nsock / 5))" >"$tmp/m" 2>&1 &
helper=$!
ready "$tmp/m" $helper
nv=$(vsockstat -H | wc -l)
ns=$(ss --vsock -a -H | wc -l)
echo "sockets: vsockstat $nv, ss $ns"
read -r t_vs t_ss r_vs < <(pair vsockstat -- ss --vsock -a)
read -r t_vsn t_ssn r_vsn < <(pair vsockstat -n -- ss --vsock -a -n)
read -r t_vp t_sp _ < <(pair vsockstat -p -- ss --vsock -a -p)
read -r t_vj _ < <(pair vsockstat -j -- true)
kill $helper
wait $helper 2>/dev/null

bench_row "vsockstat / ss --vsock -a, $nv sockets" "$t_vs s" "$t_ss s" ">= 1.5" "$r_vs"
bench_row "vsockstat -n / ss --vsock -a -n, $nv sockets" "$t_vsn s" "$t_ssn s" ">= 1.5" "$r_vsn"

# 2. 100 namespaces x 100 listeners, held by one process.
netns_part() {
	local args=() i
	for i in $(seq 100); do
		ip netns add "bn$i"
		args+=(--netns "/run/netns/bn$i" "many:stream:$((20000 + i * 100)):100")
	done
	$py "$mk" "${args[@]}" >"$tmp/m2" 2>&1 &
	helper=$!
	ready "$tmp/m2" $helper
	na=$(vsockstat -A -H | wc -l)
	echo "sockets under -A: $na"
	ss_each() {
		local n
		for n in /run/netns/bn*; do ss -N "${n##*/}" --vsock -a -H; done
	}
	read -r t_va t_sa _ < <(pair vsockstat -A -- ss_each)
	kill $helper
	wait $helper 2>/dev/null
	for i in $(seq 100); do ip netns del "bn$i"; done
}
t_va=- t_sa=-
[ "${BENCH_NETNS:-1}" = 0 ] || netns_part

rm -rf "$tmp"

{
	echo "Linux $(uname -r), QEMU TCG lab VM, median of $RUNS interleaved runs (wall time, s)"
	echo
	echo "| listing | vsockstat | ss --vsock | vsockstat is faster by |"
	echo "|---|---|---|---|"
	echo "| $nv sockets, 1 netns (vsockstat / ss -a) | $t_vs | $t_ss | $(ratio "$t_ss" "$t_vs") |"
	echo "| same, numeric (-n / ss -a -n) | $t_vsn | $t_ssn | $(ratio "$t_ssn" "$t_vsn") |"
	echo "| same, with processes (-p / ss -a -p) | $t_vp | $t_sp | $(ratio "$t_sp" "$t_vp") |"
	echo "| same, JSON (-j; ss has none) | $t_vj | - | - |"
	echo "| 100 netns x 100 sockets (-A / ss -N per netns) | $t_va | $t_sa | $(ratio "$t_sa" "$t_va") |"
} | tee "$out"
