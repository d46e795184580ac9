#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/table.sh ROWS [LAST.md]: make bench's one table from the rows the
# benchmarks wrote (bench/lib.sh), each compared with its target and with
# the same row of LAST.md (the last committed table, if given).
#
# A row regressed when even its best run's ratio is worse than the worst run
# of the same row last time: the drop is larger than the run-to-run spread
# both runs measured. Rows match by benchmark, kernel series (6.1, 6.12, 7.3)
# and vCPUs.
# Prints the table and a summary; exit status 1 if a row regressed.
set -euo pipefail
rows=$1
last=${2:-/dev/null}
[ -r "$last" ] || last=/dev/null

awk -F'\t' -v lastfile="$last" '
function series(k,   a) {
	if (k == "host") return k
	split(k, a, /[.-]/)
	return a[1] "." a[2]
}
# better(x, y, dir): x is better than y in the direction of the target
function better(x, y, dir) { return dir == ">=" ? x > y : x < y }
function trim(s) { gsub(/^ +| +$/, "", s); return s }
BEGIN {
	# the last table: | benchmark | kernel | vCPUs | ours | peer | ratio |
	# runs | target | result | last | load |
	while ((getline line < lastfile) > 0) {
		if (line !~ /^\| / || line ~ /^\| benchmark /) continue
		n = split(line, c, "|")
		if (n < 12) continue
		key = trim(c[2]) SUBSEP series(trim(c[3])) SUBSEP trim(c[4])
		split(trim(c[8]), rr, /[- ]/)
		if (rr[1] == "" || trim(c[7]) == "-") continue
		lastratio[key] = trim(c[7])
		sub(/x$/, "", lastratio[key])
		lastmin[key] = rr[1]
		lastmax[key] = rr[2]
	}
	print "| benchmark | kernel | vCPUs | ours | peer | ratio | runs | target | result | last table | host load |"
	print "|---|---|--:|--:|--:|--:|---|---|---|---|--:|"
}
{
	id = $1; kernel = $2; vcpus = $3; ours = $4; peer = $5
	ratio = $6; rmin = $7; rmax = $8; target = $9; n = $10; load = $11
	key = id SUBSEP series(kernel) SUBSEP vcpus
	split(target, t, " ")
	dir = t[1]; want = t[2]
	where = id " [" kernel ", " vcpus " vCPU]"
	if (target == "0 drops") {
		# ours must drop nothing at a rate where the peer dropped nothing
		split(ours, o, " "); split(peer, p, " ")
		if (o[1] == 0) result = "ok"
		else if (p[1] > 0) result = "n/a: both dropped"
		else { result = "**MISS**"; miss[++nmiss] = where ": dropped " o[1] " frames, the peer none" }
		shown = "-"; runs = "-"
	} else {
		shown = ratio "x"
		runs = rmin "-" rmax " (" n ")"
		if (dir == "-") result = "-"
		else if (better(ratio, want, dir) || ratio == want) result = "ok"
		else { result = "**MISS**"; miss[++nmiss] = where ": " ratio "x, target " target "x" }
	}
	if (dir == ">=" || dir == "<=") {
		targets++
		if (result == "ok") held++
	} else if (target == "0 drops") {
		targets++
		if (result != "**MISS**") held++
	}
	cmp = "new"
	if (key in lastratio) {
		d = dir == "<=" ? "<=" : ">="
		# best and worst runs: the highest ratios for >=, the lowest for <=
		nowbest = d == ">=" ? rmax : rmin; nowworst = d == ">=" ? rmin : rmax
		lastbest = d == ">=" ? lastmax[key] : lastmin[key]
		lastworst = d == ">=" ? lastmin[key] : lastmax[key]
		if (better(lastworst, nowbest, d)) {
			cmp = "**REGRESSED** from " lastratio[key] "x (" lastmin[key] "-" lastmax[key] ")"
			reg[++nreg] = where ": " ratio "x (" rmin "-" rmax "), last " lastratio[key] "x (" lastmin[key] "-" lastmax[key] ")"
		} else if (better(nowworst, lastbest, d)) {
			cmp = "better than " lastratio[key] "x"
		} else {
			cmp = "same as " lastratio[key] "x"
		}
	}
	if (target == "0 drops") cmp = "-"
	tshown = target == "-" ? "-" : (target == "0 drops" ? target : target "x")
	printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
		id, kernel, vcpus, ours, peer, shown, runs, tshown, result, cmp, load
}
END {
	print ""
	printf "Targets: %d of %d hold", held, targets
	if (nmiss) {
		printf "; missed (%d):\n\n", nmiss
		for (i = 1; i <= nmiss; i++) print "- " miss[i]
	} else
		print "."
	print ""
	if (nreg) {
		printf "Regressed against the last committed table (%d):\n\n", nreg
		for (i = 1; i <= nreg; i++) print "- " reg[i]
	} else
		print "No ratio fell below the last committed table by more than the run-to-run spread."
	exit nreg > 0
}' "$rows"
