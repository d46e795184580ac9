#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vncat against the others over vsock loopback, in the lab VM (never on the
# host): SIZE bytes from a tmpfs file to /dev/null with vncat, socat with its
# defaults, socat -b 65536, ncat --vsock, and the kernel's vsock_perf (the
# raw limit: no file, no copy out). Each rate is bytes / wall time from the
# sender's start to the receiver's exit, the median of RUNS runs. Not a test.
#
#   bench/vncat.sh [MIB]       from the build tree; boots the lab on 6.12
# Environment: BENCH_KERNEL (6.12), BENCH_RUNS (3), BENCH_TOOLS (which of
# vncat vncat-splice socat socat-b65536 ncat vsock_perf vsock_perf-4M;
# default all),
# BENCH_ROWS (append make bench's rows there), BENCH_BASELINE (another
# vncat binary inside the build tree, e.g. one built from main: it gets a row
# "vncat (baseline)" and runs in the same turns), LAB_MEM (2G by default
# here, so a 512 MiB file fits in the VM's tmpfs), LAB_SMP (1 by default
# here: with two vCPUs, each a host thread, every wakeup waits for the host
# scheduler and on a shared machine rates swung 10x from run to run).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
mib=${1:-${BENCH_MIB:-512}}

if [ -z "${LAB_KERNEL:-}" ]; then
	# On the host: build vsock_perf, then run this script inside the lab.
	kernel=${BENCH_KERNEL:-6.12}
	# vsock_perf is a user-space tool: 6.12's source (6.1 has none) serves all
	perf=$("$here/vncat-perf.sh" 6.12) || exit 1
	[ -x vncat/vncat ] || { echo "vncat.sh: build first (make), run from the build tree" >&2; exit 1; }
	export LAB_MEM=${LAB_MEM:-2G} LAB_SMP=${LAB_SMP:-1} LAB_SRCDIR=$src
	if [ -n "${BENCH_BASELINE:-}" ]; then
		BENCH_BASELINE=$(realpath "$BENCH_BASELINE") || exit 1
		case $BENCH_BASELINE in
		"$PWD"/*) ;;
		*) echo "vncat.sh: BENCH_BASELINE must be inside the build tree (the VM sees only that)" >&2; exit 1 ;;
		esac
	fi
	exec "$src/tests/lab/lab" run -k "$kernel" -- env BENCH_PERF="$perf" \
		BENCH_RUNS="${BENCH_RUNS:-3}" BENCH_BASELINE="${BENCH_BASELINE:-}" \
		BENCH_TOOLS="${BENCH_TOOLS:-}" bash "$here/vncat.sh" "$mib"
fi
. "$here/lib.sh"

# ------------------------------------------------------------ in the lab VM
modprobe vsock_loopback
modprobe vsock_diag
bytes=$((mib << 20))
file=/tmp/bench.dat
head -c "$bytes" /dev/zero >"$file" || exit 1
runs=${BENCH_RUNS:-3}
port=6000

listening() { ss --vsock -lnH 2>/dev/null | grep -q ":$1 "; }

# one SERVER-CMD CLIENT-CMD: seconds from the client's start to both ends'
# exit; the server gets the port in $P. The clock is bash's
# $EPOCHREALTIME, read by the shell that then execs the client and by this
# one after the wait: starting a bash or a date costs 0.1-0.3 s in the VM,
# which would be timed with every transfer (half of a 64 MiB one at 200
# MiB/s) and pull every ratio towards 1.
one() {
	local server=$1 client=$2 t0 t1 spid i
	port=$((port + 1))
	P=$port bash -c "$server" 2>/tmp/server.err &
	spid=$!
	for ((i = 0; i < 200; i++)); do listening "$port" && break; sleep 0.05; done
	rm -f /tmp/t0
	P=$port bash -c 'echo "$EPOCHREALTIME" >/tmp/t0; '"$client" 2>/tmp/client.err ||
		{ echo "# client failed: $client" >&2; cat /tmp/client.err >&2; }
	wait "$spid" || { echo "# server failed: $server" >&2; cat /tmp/server.err >&2; }
	t1=$EPOCHREALTIME
	t0=$(cat /tmp/t0)
	echo "$t1 - $t0" | bc -l
}

# The tools take turns, run after run, so that a busy moment of the machine
# (the lab shares it) hurts all of them alike; each gets the median.
# shellcheck disable=SC2206
TOOLS=(${BENCH_TOOLS:-vncat vncat-splice socat socat-b65536 ncat vsock_perf vsock_perf-4M})
declare -A SERVER CLIENT RATE ALL
if [ -n "${BENCH_BASELINE:-}" ]; then
	TOOLS=(vncat vncat-base "${TOOLS[@]:1}")
	SERVER[vncat-base]="exec $BENCH_BASELINE -l \$P </dev/null >/dev/null"
	CLIENT[vncat-base]="exec $BENCH_BASELINE 1 \$P <$file"
fi
SERVER[vncat]='exec vncat -l $P </dev/null >/dev/null'
# -v: which data path its probe chose (the last run's, in /tmp/vncat.err)
CLIENT[vncat]="exec vncat -v 1 \$P <$file 2>/tmp/vncat.err"
# the data path vncat picks by its probe (auto) against the one it avoids
# on kernels that splice a page per packet (before 6.5)
SERVER[vncat-splice]=${SERVER[vncat]}
CLIENT[vncat-splice]="exec vncat --data-path splice 1 \$P <$file"
SERVER[socat]='exec socat -u VSOCK-LISTEN:$P GOPEN:/dev/null'
CLIENT[socat]="exec socat -u GOPEN:$file VSOCK-CONNECT:1:\$P"
SERVER[socat-b65536]='exec socat -b 65536 -u VSOCK-LISTEN:$P GOPEN:/dev/null'
CLIENT[socat-b65536]="exec socat -b 65536 -u GOPEN:$file VSOCK-CONNECT:1:\$P"
SERVER[ncat]='exec ncat --vsock --recv-only -l $P >/dev/null'
CLIENT[ncat]="exec ncat --vsock --send-only 1 \$P <$file"
# vsock_perf's receiver stops at POLLRDHUP, possibly before reading all:
# its rate is what it says it received over the wall time.
SERVER[vsock_perf]="exec $BENCH_PERF --port \$P >/tmp/perf.out"
CLIENT[vsock_perf]="exec $BENCH_PERF --sender 1 --port \$P --bytes $bytes >/dev/null"
# the same with the socket buffer vncat uses by default, for fairness
SERVER[vsock_perf-4M]="exec $BENCH_PERF --vsk-size 4M --port \$P >/tmp/perf.out"
CLIENT[vsock_perf-4M]="exec $BENCH_PERF --vsk-size 4M --sender 1 --port \$P --bytes $bytes >/dev/null"

for ((r = 0; r < runs; r++)); do
	for t in "${TOOLS[@]}"; do
		rm -f /tmp/perf.out
		s=$(one "${SERVER[$t]}" "${CLIENT[$t]}")
		got=$bytes
		if [ -e /tmp/perf.out ]; then
			got=$(sed -n 's/^total bytes received: //p' /tmp/perf.out)
			[ "$got" = "$bytes" ] || echo "# $t received $got of $bytes bytes" >&2
		fi
		ALL[$t]+="$(echo "$got / 1048576 / $s" | bc -l) "
	done
done
for t in "${TOOLS[@]}"; do
	# shellcheck disable=SC2086
	RATE[$t]=$(printf '%s\n' ${ALL[$t]} | sort -g | sed -n "$(((runs + 1) / 2))p")
	printf '# %-16s runs: %s MiB/s\n' "$t" "$(printf '%.0f ' ${ALL[$t]})" >&2
done

echo
echo "vsock loopback, $mib MiB, Linux $(uname -r), $(nproc) vCPU, median of $runs runs"
echo
echo "| tool | MiB/s | vncat is |"
echo "|---|---:|---:|"
for t in "${TOOLS[@]}"; do
	case $t in
	vncat-splice) label="vncat --data-path splice" ;;
	socat) label="socat (defaults)" ;;
	socat-b65536) label="socat -b 65536" ;;
	ncat) label="ncat --vsock" ;;
	vsock_perf) label="vsock_perf (kernel's tool, defaults)" ;;
	vsock_perf-4M) label="vsock_perf --vsk-size 4M" ;;
	vncat-base) label="vncat (baseline: $BENCH_BASELINE)" ;;
	*) label=$t ;;
	esac
	if [ "$t" = vncat ]; then
		printf '| %s | %.0f | |\n' "$label" "${RATE[$t]}"
	else
		printf '| %s | %.0f | %.2fx |\n' "$label" "${RATE[$t]}" \
			"$(echo "${RATE[vncat]} / ${RATE[$t]}" | bc -l)"
	fi
done
rm -f "$file"

# make bench: vncat against each peer, ratios run by run
for t in vncat-splice vsock_perf socat socat-b65536; do
	[ -n "${ALL[$t]:-}" ] || continue
	case $t in
	vncat-splice)
		# a target only where vncat chose another path than splice's
		target="-"
		grep -q 'this kernel splices a page per vsock packet' /tmp/vncat.err 2>/dev/null &&
			target=">= 1"
		;;
	vsock_perf) target=">= 0.9" ;;
	socat) target=">= 3" ;;
	socat-b65536) target=">= 1.5" ;;
	esac
	label=${t/-b65536/ -b 65536}
	label=${label/vncat-splice/vncat --data-path splice}
	bench_row "vncat / $label, $mib MiB" \
		"$(printf '%.0f MiB/s' "${RATE[vncat]}")" \
		"$(printf '%.0f MiB/s' "${RATE[$t]}")" "$target" \
		"$(bench_ratios "${ALL[vncat]}" "${ALL[$t]}")"
done
