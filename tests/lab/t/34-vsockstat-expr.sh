#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vsockstat's filter expressions on live sockets, each compared with what ss
# lists for the very same expression; -q and --fail-empty exit statuses;
# -T against ss -T; -E sees sockets appear, change and go; CID names from a
# names file in vsockstat and vncat.
# lab-one-kernel: the tools' own logic, the same on every kernel
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
py=/usr/bin/python3
lab="$NSV_SRCDIR/tests/lab"
T=$LAB_TMP
set -f # '*' in addresses is ours and ss's, not the shell's

bg $py "$lab/vsockstat-mksock.py" listen:stream:2000 pair:stream:2100 \
	pair:seqpacket:3000 bound:stream:4000 shut:stream:5100:wr \
	listen:stream:6000:1 >"$T/made"
wait_for 30 grep -q READY "$T/made"
ok $? "the helper made its sockets" || done_testing

# "LOCAL PEER" per socket, sorted: what both tools print with -n.
ours() {
	# shellcheck disable=SC2068
	vsockstat -n -H -O $@ | awk '{ print $3, $4 }' | sort
}
theirs() {
	# shellcheck disable=SC2068
	ss --vsock -a -n -H $@ | awk '{ print $5, $6 }' | sort
}

# The same words for both tools, in ss's syntax, which vsockstat takes as
# is: ports only, compared below 2^31 (see below for CIDs and large ports).
exprs=(
	"dport = :2100"
	"dport 2100"
	"sport = 2000"
	"sport > :3000 and sport < :100000"
	"sport gt :2000 and sport lt :6001"
	"sport >= :2100 and sport <= :4000"
	"dport != :2100"
	"( sport = :2000 or sport = :3000 )"
	"! sport = :2000"
	"not dport = :2100 and not sport = :2100"
	"sport = :2000 or sport = :3000 and sport = :3000"
	"src *:2000"
	"src :6000"
	"dst :2100"
	"dst *:3000 || src *:3000"
)
nonempty=0
for e in "${exprs[@]}"; do
	o=$(ours "$e")
	s=$(theirs "$e")
	[ -n "$s" ] && nonempty=$((nonempty + 1))
	is "$o" "$s" "vsockstat '$e' lists what ss lists ($(printf '%s' "$s" | grep -c .) sockets)"
done
[ "$nonempty" -ge 14 ]
ok $? "most expressions match something ($nonempty of ${#exprs[@]})"

# Where ss cannot be the reference: it drops the CID of a vsock address
# while parsing it, and it compares ports as signed ints, so that the ports
# above 2^31 autobind hands out sort below 0. There the reference is the
# unfiltered listing, filtered here in Python.
is "$(theirs dst 7)" "$(theirs)" "ss ignores the CID: 'dst 7' lists every socket"
vsockstat -n -H -O >"$T/all.txt"
cat >"$T/cases" <<'CASES'
dst 1	pc == 1
src 1	lc == 1
src 1:6000	(lc, lp) == (1, 6000)
dst 1:2100 or dst any	(pc, pp) == (1, 2100) or pc == 4294967295
cid local and dport < 3000	(lc == 1 or pc == 1) and pp < 3000
sport > 3000	lp > 3000
dport >= 3000	pp >= 3000
dport = 3000 or dport = 2100 and sport < 5000	(pp == 3000 or pp == 2100) and lp < 5000
not (src any or dport > 2147483647)	not (lc == 4294967295 or pp > 2147483647)
CASES
# One Python for every case (each start costs a second under TCG): case N's
# sockets into want.N.
$py - "$T/all.txt" "$T/cases" "$T/want" <<'EOF'
import sys
def split(a):
    c, p = a.rsplit(":", 1)
    n = lambda x: 4294967295 if x == "*" else int(x)
    return n(c), n(p)
socks = []
for line in open(sys.argv[1]):
    f = line.split()
    socks.append((f[2], f[3]) + split(f[2]) + split(f[3]))
for i, case in enumerate(open(sys.argv[2])):
    expr = case.rstrip("\n").split("\t")[1]
    with open("%s.%d" % (sys.argv[3], i), "w") as out:
        for local, peer, lc, lp, pc, pp in sorted(socks):
            if eval(expr):
                out.write("%s %s\n" % (local, peer))
EOF
i=0
while IFS=$'\t' read -r e _; do
	want=$(sort "$T/want.$i")
	is "$(ours "$e")" "$want" \
		"vsockstat '$e' lists what an evaluation of its own lists ($(printf '%s' "$want" | grep -c .) sockets)"
	i=$((i + 1))
done <"$T/cases"

# vsockdump's words mean the same here; state and type as the options do.
is "$(ours cid local and type seqpacket)" "$(ours --cid local --type seqpacket)" \
	"cid local and type seqpacket = --cid local --type seqpacket"
is "$(ours state listening)" "$(ours -l)" "state listening = -l"
is "$(ours port 2100 and state established)" "$(ours --port 2100 --state established)" \
	"port 2100 and state established = --port 2100 --state established"
is "$(ours -l sport = 2000)" "$(ours -l --sport 2000)" "options and an expression add up"
printf '# comment\nsport = :2000\n\tor sport = :3000\n' >"$T/expr"
is "$(ours -F "$T/expr")" "$(theirs -F "$T/expr")" "-F FILE, as ss -F reads it"

# Exit statuses for scripts (the tp-qemu wish: ss always exits 0).
vsockstat -q sport = 2000 >"$T/out" 2>&1
is "$?:$(cat "$T/out")" "0:" "-q with a match: exit 0, nothing printed"
vsockstat -q sport = 1 >"$T/out" 2>&1
is "$?:$(cat "$T/out")" "1:" "-q without one: exit 1, nothing printed"
vsockstat --fail-empty -H dport = :1 >"$T/out" 2>&1
is "$?:$(cat "$T/out")" "1:" "--fail-empty: exit 1 for an empty listing"
vsockstat --fail-empty -H -l >/dev/null
is "$?" 0 "--fail-empty: exit 0 when something is listed"
vsockstat 'sport = ' >"$T/out" 2>"$T/err"
is "$?:$(head -n 1 "$T/err")" \
	"2:vsockstat: bad filter: expected a port after 'sport' at the end of the expression" \
	"a bad expression: exit 2, the message first"

# -T: every thread holding a socket, as ss -T lists them.
bg $py -c '
import ctypes, socket, threading, time
libc = ctypes.CDLL(None)
s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
s.bind((socket.VMADDR_CID_ANY, 7100))
s.listen(1)
def work():
    libc.prctl(15, b"vss-worker")  # PR_SET_NAME
    time.sleep(3600)
threading.Thread(target=work, daemon=True).start()
time.sleep(0.5)
print("READY", flush=True)
time.sleep(3600)
' >"$T/threads"
wait_for 30 grep -q READY "$T/threads"
ours_t=$(vsockstat -T -n -H -O sport = 7100 | grep -o '[^ ,]*(pid=[0-9]*,tid=[0-9]*,fd=[0-9]*)' |
	sed -E 's/^(.*)\(pid=([0-9]+),tid=([0-9]+),fd=([0-9]+)\)$/\1 \2 \3 \4/' | sort)
ss_t=$(ss --vsock -l -n -H -T sport = :7100 | grep -o '("[^"]*",pid=[0-9]*,tid=[0-9]*,fd=[0-9]*)' |
	sed -E 's/^\("(.*)",pid=([0-9]+),tid=([0-9]+),fd=([0-9]+)\)$/\1 \2 \3 \4/' | sort)
is "$ours_t" "$ss_t" "-T: the same threads, names, pids, tids and fds as ss -T"
like "$ours_t" "vss-worker" "... a thread by its own name"
is "$(printf '%s\n' "$ours_t" | grep -c .)" 2 "... both threads of the process"
vsockstat -T -j sport = 7100 | $py "$lab/vsockstat-schema.py" --threads
ok $? "-T -j follows the schema: a tid for each holder"

# -E: sockets as they come, change and go (by polling: no kernel events).
bg sh -c "exec vsockstat -E --interval 0.2 -n 'sport = 7200 or dport = 7200' >'$T/ev'"
w1=$BG_PID
bg sh -c "exec vsockstat -E -j --interval 0.2 'sport = 7200 or dport = 7200' >'$T/ev.json'"
w2=$BG_PID
sleep 1.5
bg $py "$lab/vsockstat-mksock.py" pair:stream:7200 >"$T/m7200"
maker=$BG_PID
wait_for 30 grep -q READY "$T/m7200"
wait_for 20 sh -c "[ \$(grep -c '^new ' '$T/ev') -ge 3 ]"
ok $? "-E: three new sockets (listener, client, accepted end)" || diag "$(cat "$T/ev")"
kill -TERM -- "-$maker"
wait_for 20 sh -c "[ \$(grep -c '^gone ' '$T/ev') -ge 3 ]"
ok $? "-E: ... and gone once closed" || diag "$(cat "$T/ev")"
like "$(grep '^new ' "$T/ev" | grep LISTEN)" "^new stream LISTEN \*:7200 \*:\* - [0-9]+ [0-9]+$" \
	"-E: an event line is the event, then the socket's fields"
wait_for 20 sh -c "[ \$(grep -c '\"event\":\"gone\"' '$T/ev.json') -ge 3 ]"
ok $? "-E -j: the same events as JSON"
$py "$lab/vsockstat-schema.py" --events "$T/ev.json"
ok $? "-E -j: each event follows the schema"
kill -TERM -- "-$w1" "-$w2"

# CID names from a file: shown, looked up, and -n turns them off.
printf '1 lo1 loop\n' >"$T/hosts"
like "$(NSV_VSOCK_HOSTS=$T/hosts vsockstat -H dport = 2100)" " lo1:2100 " \
	"names show for CIDs (lo1:2100)"
is "$(NSV_VSOCK_HOSTS=$T/hosts vsockstat -n -H -O dst loop:2100)" "$(vsockstat -n -H -O dst 1:2100)" \
	"an alias in an expression is its CID"
like "$(NSV_VSOCK_HOSTS=$T/hosts vsockstat -j dport = 2100)" '"cid":1,"port":2100,"cid_name":"lo1"' \
	"-j: cid_name beside the number"
bg sh -c "exec vncat -l 7300 >'$T/got'"
wait_vsock_listen 7300
echo hello | NSV_VSOCK_HOSTS=$T/hosts vncat -v lo1 7300 2>"$T/vncat.err"
is "$?" 0 "vncat lo1 7300: a name as the CID"
wait_for 10 grep -q hello "$T/got"
ok $? "... and the bytes got there"
like "$(cat "$T/vncat.err")" "connected to lo1:7300" "... and -v names the peer by its name"
NSV_VSOCK_HOSTS=$T/hosts vncat nosuch 7300 </dev/null 2>"$T/err"
is "$?:$(cat "$T/err")" \
	"2:vncat: invalid CID 'nosuch': use a number, any, hypervisor, local, host or a name (vsock-hosts(5)). Try 'vncat --help'." \
	"an unknown name is a usage error"
printf 'x y\n' >"$T/bad.hosts"
NSV_VSOCK_HOSTS=$T/bad.hosts vsockstat -l >/dev/null 2>"$T/err"
is "$?:$(cat "$T/err")" "1:vsockstat: $T/bad.hosts:1: 'x' is not a CID (a decimal or 0x number)" \
	"a bad file named by NSV_VSOCK_HOSTS: its line, exit 1"
done_testing
