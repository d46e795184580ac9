#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The nsvsockmon tap: three namespaces send at once while a scoped tap in
# each sees exactly the frames of its own connections and one in the
# initial namespace sees them all (vsockdump -r: the same frames, counts and
# addresses); taps cannot change namespace; scoped taps do not hold the
# module, a global one does, and unloading deletes them. Then, from an
# unprivileged user namespace: an nsvsockmon sees that namespace's traffic
# only, while a plain vsockmon there sees the whole machine's. Last,
# vsockdump creates an nsvsockmon when it must create a tap, and says so.
. "$NSV_SRCDIR/tests/lab/tap.sh"
. "$NSV_SRCDIR/tests/lab/nsvsock.sh"
skip_in_tree "nsvsockmon: the scoped tap"

need_modules vsock_diag vsockmon || done_testing
nsv_load || done_testing
like "$(modinfo -F parm "$NSV_KO")" '^transport:.*nsvsockmon' \
	"modinfo describes the transport parameter"

# flows PCAP: each connection vsockdump -r finds, on one line: type,
# addresses, state, history and per-direction counts (not its timing).
flows() {
	vsockdump -r "$1" -q --flows -n 2>/dev/null | awk '
		/^flow / {
			if (l != "") print l
			sub(/^flow [0-9]+ /, ""); sub(/, [0-9.]+ s,.*$/, "")
			l = $0; next
		}
		/^  / && l != "" {
			sub(/^ +/, ""); sub(/ for [0-9.]+ s$/, "")
			l = l " | " $0
		}
		END { if (l != "") print l }' | sort
}

# listening_in NS PORT: NS's vsock listener on PORT is up (sock_diag).
listening_in() {
	vsock_listening "$2" "$1"
}

# capture NS DEV NAME: vsockdump on DEV in NS (or "init") into NAME.pcap.
capture() {
	local ns=()
	[ "$1" = init ] || ns=(ip netns exec "$1")
	bg "${ns[@]}" vsockdump -i "$2" -B 65536 -U -w "$LAB_TMP/$3.pcap" \
		2>"$LAB_TMP/$3.err"
	CAP_PIDS+=("$BG_PID")
	wait_for 60 grep -q listening "$LAB_TMP/$3.err" ||
		ok 1 "vsockdump on $2 in $1 starts: $(cat "$LAB_TMP/$3.err")"
}

# --- taps in three namespaces and the initial one
CAP_PIDS=()
for n in a b c; do
	new_netns "$n" || { ok 1 "ip netns add $n"; done_testing; }
	ip -n "$n" link add "t$n" type nsvsockmon && ip -n "$n" link set "t$n" up
	ok $? "ip link add t$n type nsvsockmon in $n, up"
done
ip link add tg type nsvsockmon && ip link set tg up
ok $? "ip link add tg type nsvsockmon in the initial namespace, up"
is "$(cat "/sys/class/net/tg/type") $(ip netns exec a cat /sys/class/net/ta/type)" \
	"826 826" "both are ARPHRD_VSOCKMON (826)"
! ip -n a link set ta netns b 2>"$LAB_TMP/move.err"
ok $? "a tap cannot move to another namespace ($(cat "$LAB_TMP/move.err"))"
for n in a b c; do
	capture "$n" "t$n" "$n"
done
capture init tg g

# Four connections at once: a -> a, b -> c, c -> c, init -> init.
head -c 1000000 /dev/urandom >"$LAB_TMP/d1"
head -c 1500000 /dev/urandom >"$LAB_TMP/d2"
head -c 500000 /dev/urandom >"$LAB_TMP/d3"
head -c 750000 /dev/urandom >"$LAB_TMP/d4"
i=0
for route in a:a b:c c:c init:init; do
	i=$((i + 1))
	src=${route%:*} dst=${route#*:}
	if [ "$dst" = init ]; then
		bg socat -u VSOCK-LISTEN:510$i CREATE:"$LAB_TMP/r$i"
	else
		bg ip netns exec "$dst" socat -u VSOCK-LISTEN:510$i CREATE:"$LAB_TMP/r$i"
	fi
	srv[i]=$BG_PID
	if [ "$dst" = init ]; then
		wait_vsock_listen 510$i
	else
		wait_for 60 listening_in "$dst" 510$i
	fi
	ok $? "listener $i in $dst on port 510$i"
	cli=(socat -b 65536 -u OPEN:"$LAB_TMP/d$i" VSOCK-CONNECT:1:510$i)
	[ "$src" = init ] || cli=(ip netns exec "$src" "${cli[@]}")
	# started together below
	clients[i]="${cli[*]}"
done
pids=()
for i in 1 2 3 4; do
	${clients[i]} &
	pids+=($!)
done
for i in 1 2 3 4; do
	wait "${pids[i - 1]}"
	ok $? "sender $i done"
	wait "${srv[i]}"
	cmp -s "$LAB_TMP/d$i" "$LAB_TMP/r$i"
	ok $? "connection $i: all bytes arrive intact"
done
# The last resets come after the data: stop capturing once every socket
# is gone and no packet is left in flight.
idle() {
	[ "$(nsv_counter module_sockets) $(nsv_counter module_skbs)" = "0 0" ]
}
wait_for 30 idle
ok $? "every connection closed, no packet in flight"
sleep 0.5
for p in "${CAP_PIDS[@]}"; do
	kill -INT "$p"
	wait "$p"
done
for n in a b c g; do
	like "$(cat "$LAB_TMP/$n.err")" '^0 frames dropped by kernel' \
		"the capture on t$n lost no frame" || diag "$(cat "$LAB_TMP/$n.err")"
done

all=$(flows "$LAB_TMP/g.pcap")
is "$(wc -l <<<"$all")" 4 "the initial namespace's tap sees the four connections"
i=0
for size in 1000000 1500000 500000 750000; do
	i=$((i + 1))
	like "$(grep "> 1:510$i: " <<<"$all")" "^STREAM 1:[0-9]+ > 1:510$i: closed .*\| > [0-9]+ frames, $size bytes" \
		"... with all $size bytes to port 510$i"
done
is "$(flows "$LAB_TMP/a.pcap")" "$(grep '> 1:5101: ' <<<"$all")" \
	"a's tap: exactly its own connection, frame for frame (a -> a)"
is "$(flows "$LAB_TMP/b.pcap")" "$(grep '> 1:5102: ' <<<"$all")" \
	"b's tap: exactly its own connection, frame for frame (b -> c)"
is "$(flows "$LAB_TMP/c.pcap")" "$(grep -E '> 1:510[23]: ' <<<"$all")" \
	"c's tap: exactly its two connections, frame for frame (b -> c, c -> c)"

# --- lifecycle: the global tap holds the module, scoped ones do not
! rmmod nsvsock 2>"$LAB_TMP/rmmod.err"
ok $? "rmmod refuses while the initial namespace's tap is up ($(cat "$LAB_TMP/rmmod.err"))"
ip link del tg
check "deleted, the scoped taps still up, rmmod nsvsock" -- nsv_unload
! ip -n a link show ta >/dev/null 2>&1 && ! ip -n c link show tc >/dev/null 2>&1
ok $? "... deletes the scoped taps"

# --- an unprivileged user namespace: nsvsockmon vs vsockmon
nsv_load || done_testing
d=$LAB_TMP/userns
chmod o+x "$LAB_TMP" # nobody writes its captures in there
mkdir -m 0777 "$d"
cat >"$d/inner.sh" <<'EOF'
d=$1
ip link set lo up
ip link add u0 type nsvsockmon && ip link set u0 up
echo "NSVSOCKMON $?"
ip link add v0 type vsockmon && ip link set v0 up
echo "VSOCKMON $?"
vsockdump -i u0 -B 65536 -U -w "$d/u.pcap" 2>"$d/u.err" &
p1=$!
vsockdump -i v0 -B 65536 -U -w "$d/v.pcap" 2>"$d/v.err" &
p2=$!
socat -u VSOCK-LISTEN:5201 OPEN:/dev/null &
n=0
until grep -q listening "$d/u.err" && grep -q listening "$d/v.err" &&
	ss --vsock -lnH | grep -q ':5201 '; do
	n=$((n + 1)); [ $n -lt 600 ] || break; sleep 0.1
done
touch "$d/ready"
head -c 50000 /dev/urandom | socat -u - VSOCK-CONNECT:1:5201
echo "SENT $?"
n=0
until [ -e "$d/outside-done" ]; do
	n=$((n + 1)); [ $n -lt 600 ] || break; sleep 0.1
done
sleep 0.5
kill -INT $p1 $p2
wait $p1 $p2
echo "DONE"
EOF
bg socat -u VSOCK-LISTEN:5202 OPEN:/dev/null
wait_vsock_listen 5202
python3 "$NSV_SRCDIR/tests/lab/userns.py" 65534 bash "$d/inner.sh" "$d" \
	>"$d/out" 2>&1 &
inner=$!
LAB_PIDS+=("$inner")
wait_for 120 test -e "$d/ready"
ok $? "nobody's user namespace is capturing"
head -c 70000 /dev/urandom | socat -u - VSOCK-CONNECT:1:5202
ok $? "meanwhile, the initial namespace sends 70000 bytes to its port 5202"
touch "$d/outside-done"
wait "$inner"
grep -q DONE "$d/out" || diag "$(cat "$d/out")"
like "$(cat "$d/out")" 'NSVSOCKMON 0' \
	"nobody, root of its own user namespace, creates an nsvsockmon"
like "$(cat "$d/out")" 'VSOCKMON 0' "... and a plain vsockmon (the module loaded)"
like "$(cat "$d/out")" 'SENT 0' "... and sends 50000 bytes to its own port 5201"
u=$(flows "$d/u.pcap")
v=$(flows "$d/v.pcap")
like "$u" '^STREAM 1:[0-9]+ > 1:5201: closed .*\| > [0-9]+ frames, 50000 bytes' \
	"the nsvsockmon sees its namespace's connection"
is "$(wc -l <<<"$u")" 1 "... and nothing else"
like "$(grep '> 1:5202: ' <<<"$v")" '\| > [0-9]+ frames, 70000 bytes' \
	"the plain vsockmon there sees the initial namespace's connection too"
is "$(wc -l <<<"$v")" 2 "... and both connections"

# --- vsockdump, with no tap to use, creates the scoped kind and says so
new_netns e || ok 1 "ip netns add e"
bg ip netns exec e vsockdump -B 65536 -U -w "$LAB_TMP/e.pcapng" 2>"$LAB_TMP/e.err"
dump=$BG_PID
wait_for 60 grep -q listening "$LAB_TMP/e.err"
like "$(cat "$LAB_TMP/e.err")" "created nsvsockmon0, the nsvsock module's tap" \
	"vsockdump in e creates nsvsockmon0 and says so"
like "$(ip -n e -d link show nsvsockmon0)" ' nsvsockmon ' "... a device of kind nsvsockmon"
bg ip netns exec e socat -u VSOCK-LISTEN:5301 OPEN:/dev/null
wait_for 60 listening_in e 5301
head -c 30000 /dev/urandom | ip netns exec e socat -u - VSOCK-CONNECT:1:5301
ok $? "e sends 30000 bytes to its own port 5301"
bg socat -u VSOCK-LISTEN:5302 OPEN:/dev/null
wait_vsock_listen 5302
head -c 40000 /dev/urandom | socat -u - VSOCK-CONNECT:1:5302
ok $? "meanwhile, the initial namespace sends 40000 bytes to its port 5302"
wait_for 30 idle
sleep 0.5
kill -INT "$dump"
wait "$dump"
e=$(flows "$LAB_TMP/e.pcapng")
like "$e" '^STREAM 1:[0-9]+ > 1:5301: closed .*\| > [0-9]+ frames, 30000 bytes' \
	"its capture has e's connection"
is "$(wc -l <<<"$e")" 1 "... and nothing else"
is "$(capinfos -I "$LAB_TMP/e.pcapng" 2>&1 |
	sed -n 's/^ *\(Name\|Description\) = //p')" "nsvsockmon0
netns e, nsvsockmon: this namespace's connections" \
	"pcapng: the interface, its namespace by name and what it sees there"
! ip -n e link show nsvsockmon0 >/dev/null 2>&1
ok $? "vsockdump deleted the device it created"
check "rmmod nsvsock" -- nsv_unload
done_testing
