# SPDX-License-Identifier: GPL-2.0-or-later
# bench/lib.sh: sourced by the benchmark scripts: medians and the rows of
# the one table that bench/run.sh (make bench) prints.
#
# A row is one line of tab-separated fields appended to $BENCH_ROWS (when it
# is set): id, kernel, vCPUs, ours, peer, ratio (median of the per-run
# ratios), lowest and highest per-run ratio, target, runs, load average, note.
# The scripts measure the two sides of a row back to back in every run, so
# a busy moment of the shared machine hits both; each run gives one ratio.

# bench_med NUMBER...: the median (the lower middle of an even count)
bench_med() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR) print v[int((NR + 1) / 2)] }'
}

# bench_ratios "A1 A2 ..." "B1 B2 ...": the per-run ratios Ai / Bi
bench_ratios() {
	awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++)
			printf "%s%.4f", (i > 1 ? " " : ""), (y[i] > 0 ? x[i] / y[i] : 0)
		print "" }'
}

# bench_row ID OURS PEER TARGET "RATIOS" [NOTE]
# OURS and PEER are what the table shows (a median with its unit); TARGET
# is ">= X" or "<= X" on the ratio, "-" for none, or "0 drops" for a row
# whose OURS and PEER are counts of dropped frames (RATIOS "-").
bench_row() {
	local id=$1 ours=$2 peer=$3 target=$4 ratios=$5 note=${6:-} kernel n load
	kernel=${BENCH_KERNEL_NAME:-$(uname -r)}
	load=${BENCH_LOAD:-$(cut -d' ' -f1 /proc/loadavg)}
	if [ "$ratios" = - ]; then
		set -- - - - 1
	else
		# shellcheck disable=SC2086
		set -- $(printf '%s\n' $ratios | sort -g | awk '{ v[NR] = $1 }
			END { printf "%.2f %.2f %.2f %d", v[int((NR + 1) / 2)], v[1], v[NR], NR }')
	fi
	n=$4
	printf '# %s: %s against %s, ratio %s (runs %s-%s), target %s\n' \
		"$id" "$ours" "$peer" "$1" "$2" "$3" "$target" >&2
	[ -n "${BENCH_ROWS:-}" ] || return 0
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$kernel" \
		"$(nproc)" "$ours" "$peer" "$1" "$2" "$3" "$target" "$n" "$load" \
		"$note" >>"$BENCH_ROWS"
}
