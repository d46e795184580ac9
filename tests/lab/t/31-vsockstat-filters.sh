#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every vsockstat filter on live sockets, checked against an independent
# implementation of the same rules; -s counts; bad arguments exit 2.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
py=/usr/bin/python3
lab="$NSV_SRCDIR/tests/lab"
T=$LAB_TMP

bg $py "$lab/vsockstat-mksock.py" listen:stream:2000 pair:stream:2100 \
	pair:seqpacket:3000 bound:stream:4000 shut:stream:5100:rdwr >"$T/made"
wait_for 30 grep -q READY "$T/made"
ok $? "the helper made its sockets" || done_testing
vsockstat -j >"$T/all.json"

# Each case: the options, run live, then all compared by the checker.
cases=(
	"-l"
	"-t"
	"-l -t"
	"--state established"
	"--state listening,unconn"
	"--state closing"
	"--state connected --type stream"
	"--type seqpacket"
	"--type stream,seqpacket --state UNCONN"
	"--cid local"
	"--cid any --state listen"
	"--cid 1 --type seqpacket"
	"--port 2100"
	"--sport 2000,3000"
	"--dport 2100"
	"-t --sport 2100,3000"
)
i=0
for c in "${cases[@]}"; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	vsockstat -j $c >"$T/f$i.json" || ok 1 "vsockstat -j $c"
	echo "$T/f$i.json $c" >>"$T/cases"
done

# The state filter goes to the kernel (vdiag_states) and agrees with ours.
is "$(vsockstat -H -l | wc -l)" "$(jq '[.sockets[] | select(.state == "LISTEN")] | length' "$T/all.json")" \
	"-l in text: one line per listener"

# -s: one line for the namespace, as ss -s; its counts equal the listing's.
want=$(jq -r '.sockets | group_by(.type + " " + .state) | map("\(.[0].type) \(.[0].state) \(length)") | sort | .[]' "$T/all.json")
got=$(vsockstat -s -H | $py -c '
import re, sys
lines = sys.stdin.read().splitlines()
assert len(lines) == 1, lines
for t, n, states in re.findall(r"(\S+) (\d+) \(([^)]*)\)", lines[0]):
    for st in states.split(", "):
        name, k = st.split(" ")
        print(t, name, k)
' | sort)
is "$got" "$want" "-s: one line, counting each type and state"
like "$(vsockstat -s | head -n 1)" "^Total: $(jq '.sockets | length' "$T/all.json") sockets in 1 network namespace$" "-s starts with the total"
vsockstat -s -j >"$T/s.json"
$py "$lab/vsockstat-check.py" filters "$T/all.json" "$T/cases" \; schema --summary "$T/s.json" ||
	TAP_FAILED=$((TAP_FAILED + 1))

# Bad arguments: one line, exit 2, nothing listed.
for bad in "--state bogus" "--type raw" "--cid nohost" "--port -1" "--sport 1,,2" \
	"--dport 99999999999" "--watch 0" "--watch x" "--timeout 1" "--wait-listen *" \
	"-N" "-N /nonexistent" "-A -N foo" "--replay" "extra" "--bogus"; do
	# shellcheck disable=SC2086
	vsockstat $bad >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$bad" = "-N /nonexistent" ]; then
		want=1 # a namespace that does not exist is a failure, not a usage error
	else
		want=2
	fi
	[ "$rc" = "$want" ] && [ ! -s "$T/out" ] && [ "$(wc -l <"$T/err")" -ge 1 ]
	ok $? "vsockstat $bad: exit $want with a message (got $rc: $(head -n 1 "$T/err"))"
done
done_testing
