#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vncat against socat between a host and a real guest: the lab VM is the
# host (vhost-vsock) of a nested guest (virtio), both under TCG, so absolute
# rates are tiny and only the ratio means anything. Host -> guest: a host
# client sends MIB MiB to a guest listener that writes them to /dev/null;
# guest -> host: a host client reads MIB MiB from a guest listener. The clock
# runs from the host client's start to the receiver's end (the guest's
# listener reports its end on the console), so the guest's slow program
# start is not counted. The median of RUNS runs. Not a test.
#
#   bench/nested.sh [MIB]      from the build tree; MIB defaults to 16
# Environment: BENCH_KERNEL (6.1), BENCH_RUNS (3).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
mib=${1:-${BENCH_MIB:-16}}

if [ -z "${LAB_KERNEL:-}" ]; then
	# On the host: a guest with socat in it, then this script in the lab.
	kernel=${BENCH_KERNEL:-6.1}
	[ -x vncat/vncat ] || { echo "nested.sh: build first (make), run from the build tree" >&2; exit 1; }
	dir=$("$src/tests/lab/nested/build-guest" --with "$(command -v socat)" "$kernel") || exit 1
	export LAB_SRCDIR=$src
	exec "$src/tests/lab/lab" run -k "$kernel" -t 3600 -- env BENCH_MIB="$mib" \
		BENCH_RUNS="${BENCH_RUNS:-3}" LAB_SCRIPT_TIMEOUT=3000 \
		bash "$src/tests/lab/nested/suite" "$dir" "$here/nested.sh"
fi

# ------------------------------- in the lab VM, run by the nested suite
. "$NSV_SRCDIR/tests/lab/nested/lib.sh"
bytes=$((mib << 20))
runs=${BENCH_RUNS:-3}
file=/tmp/bench.dat
head -c "$bytes" /dev/zero >"$file"
gsh "head -c $bytes /dev/zero >$file"
ok $? "$mib MiB of data on both sides"
port=7000

now() { date +%s.%N; }
# h2g TOOL: seconds for the host to send the file to a guest listener
h2g() {
	local p=$((++port)) t0 srv cli
	case "$1" in
	vncat) srv="vncat -l $p >/dev/null" cli=(vncat -w 60 3 "$p") ;;
	socat) srv="socat -u VSOCK-LISTEN:$p OPEN:/dev/null" cli=(socat -u STDIN "VSOCK-CONNECT:3:$p,connect-timeout=60") ;;
	esac
	gsh "($srv </dev/null 2>/tmp/srv.err; echo; echo \"@@BENCH \$? $p\") >/dev/console 2>&1 &
vsockstat --wait-listen $p --timeout 60" >/dev/null || return 1
	t0=$(now)
	"${cli[@]}" <"$file" || return 1
	wait_for 600 grep -aq "@@BENCH [0-9]* $p" "$NESTED_CONSOLE" || return 1
	grep -aq "@@BENCH 0 $p" "$NESTED_CONSOLE" || return 1
	echo "$(now) - $t0" | bc -l
}
# g2h TOOL: seconds for the host to read the file from a guest listener
g2h() {
	local p=$((++port)) t0 srv cli
	case "$1" in
	vncat) srv="vncat -l $p" cli=(vncat -w 60 3 "$p") ;;
	socat) srv="socat -u OPEN:$file VSOCK-LISTEN:$p" cli=(socat -u "VSOCK-CONNECT:3:$p,connect-timeout=60" STDOUT) ;;
	esac
	[ "$1" = vncat ] && srv="$srv <$file"
	gsh "$srv >/dev/null 2>&1 </dev/null &
vsockstat --wait-listen $p --timeout 60" >/dev/null || return 1
	t0=$(now)
	"${cli[@]}" </dev/null >"$LAB_TMP/got" || return 1
	[ "$(stat -c %s "$LAB_TMP/got")" = "$bytes" ] || return 1
	echo "$(now) - $t0" | bc -l
}

declare -A ALL
for ((r = 0; r < runs; r++)); do
	for way in h2g g2h; do
		for tool in vncat socat; do
			s=$($way $tool)
			ok $? "run $((r + 1)): $way with $tool: ${s:-failed} s"
			[ -n "$s" ] && ALL[$way.$tool]+="$s "
		done
	done
done
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "# $LAB_KERNEL host <-> nested guest, $mib MiB, median of $runs (MiB/s; TCG in TCG):"
for way in h2g g2h; do
	v=$(median <<<"${ALL[$way.vncat]:-}")
	s=$(median <<<"${ALL[$way.socat]:-}")
	[ -n "$v" ] && [ -n "$s" ] || continue
	printf '# %s  vncat %6.2f  socat %6.2f  vncat/socat %.2f\n' "$way" \
		"$(echo "$mib / $v" | bc -l)" "$(echo "$mib / $s" | bc -l)" "$(echo "$s / $v" | bc -l)"
done
done_testing
