#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The rows of the README's fault table that need a kernel, each held to the
# table (exit status and the whole of stderr): a missing module (modprobe
# made to fail), a namespace that does not exist, no permission (nobody), a
# peer that vanishes, a full disk under vsockdump -w and vsockstat --record
# (small tmpfs), signals during a live capture, a recording, a transfer and
# a wait, a reader that goes away, and a capture killed with SIGKILL whose
# device the next vsockdump removes.
. "$NSV_SRCDIR/tests/lab/tap.sh"
. "$NSV_SRCDIR/tests/faults.sh"

report() { ok "$@"; }
fault_load "$NSV_SRCDIR/README.md"
T=$LAB_TMP
chmod 755 "$T"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
need_modules vsock_loopback vsock_diag vsockmon || done_testing
nodev() { [ -z "$(ip -br link show type vsockmon)" ]; }
# a connect nobody listens to: two frames (REQUEST, RST)
refuse() { socat -u /dev/null VSOCK-CONNECT:1:1299 2>/dev/null; true; }

# lab_fault ID -- COMMAND...: run COMMAND, check row ID
lab_fault() {
	local id=$1 rc
	shift 2
	"$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	fault_check "$id" "$rc" "$T/err"
}

# capture_until ERRFILE COMMAND...: start a capture in the background;
# returns once it is listening (BG_PID is its pid)
capture() {
	local err=$1
	shift
	bg "$@" 2>"$err"
	wait_for 30 grep -q listening "$err"
}

# ------------------------------------------------------- missing modules
# modprobe of the module fails as if it were not there: an install rule
# to /bin/false, in a modprobe.d of our own over the host's read-only one
cp -a /etc/modprobe.d "$T/modprobe.d.orig" 2>/dev/null || mkdir "$T/modprobe.d.orig"
mount -t tmpfs tmpfs /etc/modprobe.d
cp -a "$T/modprobe.d.orig/." /etc/modprobe.d/
printf 'install %s /bin/false\n' vsock_diag vsockmon >/etc/modprobe.d/nsv-faults.conf
# the kernel's own module loading too (it would run no rule of ours)
kmodprobe=$(cat /proc/sys/kernel/modprobe)
echo /nonexistent/modprobe >/proc/sys/kernel/modprobe
if wait_for 15 modprobe -r vsock_diag; then
	lab_fault mod-vsock_diag -- vsockstat
else
	ok 1 "vsock_diag can be unloaded: $(lsmod | grep ^vsock_diag)"
fi
if wait_for 15 modprobe -r vsockmon; then
	capture "$T/hdr.err" vsockdump -c 1 -q
	pid=$BG_PID
	refuse
	wait_for 30 sh -c "! kill -0 $pid"
	wait "$pid"
	fault_check mod-vsockmon $? "$T/hdr.err"
	check "... and no device was made" -- nodev
else
	ok 1 "vsockmon can be unloaded: $(lsmod | grep ^vsockmon)"
fi
umount /etc/modprobe.d
echo "$kmodprobe" >/proc/sys/kernel/modprobe
need_modules vsock_diag vsockmon
# Before the rest: on 7.3, once a transfer into a receiver that never reads
# is killed (sig-vncat-send below), vsock_loopback stays referenced with no
# socket left in sock_diag and cannot be unloaded. Sockets of the scripts
# before may hold it for their close timeout.
if wait_for 30 modprobe -r vsock_loopback; then
	lab_fault mod-vsock_loopback -- vncat 1 2600
	need_modules vsock_loopback
else
	ok 1 "vsock_loopback can be unloaded: $(lsmod | grep ^vsock_loopback)"
	diag "the sockets: $(vsockstat -A -a -n -p 2>&1)"
fi
# ----------------------------------------------------- namespaces, nobody
lab_fault netns-vsockdump -- vsockdump -N nosuch -c 1
lab_fault netns-vsockstat -- vsockstat -N nosuch
lab_fault netns-vncat -- vncat -N nosuch -l 2600
lab_fault perm-vsockdump-create -- "${NOBODY[@]}" vsockdump -c 1
check "... and no device was made" -- nodev
ip link add vsockmon0 type vsockmon && ip link set vsockmon0 up
lab_fault perm-vsockdump-capture -- "${NOBODY[@]}" vsockdump -i vsockmon0 -c 1
ip link del vsockmon0
new_netns blue
lab_fault perm-vsockstat-netns -- "${NOBODY[@]}" vsockstat -N blue
lab_fault perm-vncat-port -- "${NOBODY[@]}" vncat -l 80

# ------------------------------------------------------- a peer that vanishes
# the receiver dies while vncat still sends
bg vncat -l 2700 -c 'head -c 100000 >/dev/null; sleep 60'
recv=$BG_PID
wait_vsock_listen 2700
head -c 64M /dev/zero >"$T/64m"
bg sh -c "vncat 1 2700 <'$T/64m' >/dev/null 2>'$T/send.err'; echo \$? >'$T/send.rc'"
# connected, and past what the receiver reads before it stops
wait_for 60 sh -c "ss --vsock -nH | grep ESTAB | grep -Eq ':2700( |\$)'"
sleep 1
kill -KILL -- -"$recv"
wait_for 60 test -s "$T/send.rc"
fault_check peer-gone-send "$(cat "$T/send.rc")" "$T/send.err"
# the sender dies while vncat receives: what came is kept
bg sh -c "vncat -l 2701 >'$T/recv.out' 2>'$T/recv.err'; echo \$? >'$T/recv.rc'"
wait_vsock_listen 2701
bg sh -c "cat '$T/64m' '$T/64m' | vncat 1 2701"
sender=$BG_PID
wait_for 30 sh -c "[ \$(stat -c %s '$T/recv.out') -gt 1000000 ]"
kill -KILL -- -"$sender"
wait_for 60 test -s "$T/recv.rc"
fault_check peer-gone-recv "$(cat "$T/recv.rc")" "$T/recv.err"
got=$(stat -c %s "$T/recv.out")
check "... $got bytes of zeros kept, none made up" -- \
	cmp -s "$T/recv.out" <(head -c "$got" /dev/zero)
rm -f "$T/64m" "$T/recv.out"

# ------------------------------------------------------ signals while live
capture "$T/int.err" vsockdump -q
pid=$BG_PID
refuse
kill -INT "$pid"
wait "$pid"
fault_check sig-capture-int $? "$T/int.err"
check "... and the device it made is gone" -- nodev
capture "$T/term.err" vsockdump -U -w "$T/term.pcap"
pid=$BG_PID
refuse
wait_for 10 sh -c "[ \$(stat -c %s '$T/term.pcap') -ge 208 ]"
kill -TERM "$pid"
wait "$pid"
fault_check sig-capture-term $? "$T/term.err"
is "$(vsockdump -r "$T/term.pcap" -n -t 2>/dev/null | awk '{ print $4, $5 }')" \
	"STREAM REQUEST,
STREAM RST," "... the -w file is a complete capture"
check "... and the device it made is gone" -- nodev
# a reader that goes away
bg bash -c "vsockdump -U -t 2>'$T/pipe.err' | head -n 1 >/dev/null; echo \${PIPESTATUS[0]} >'$T/pipe.rc'"
wait_for 30 grep -q listening "$T/pipe.err"
refuse
refuse
wait_for 30 test -s "$T/pipe.rc"
fault_check sigpipe-live "$(cat "$T/pipe.rc")" "$T/pipe.err"
check "... and the device it made is gone" -- nodev

# ---------------------------------------------- signals to vncat, vsockstat
# sig_run ERRFILE READY SIGNAL COMMAND...: run COMMAND (stdout in
# ERRFILE.out), send SIGNAL once the shell command READY succeeds; the
# status in $rc. A background job ignores SIGINT: env gives it back.
sig_run() {
	local err=$1 ready=$2 sig=$3 pid
	shift 3
	env --default-signal=INT "$@" >"$err.out" 2>"$err" &
	pid=$!
	wait_for 30 sh -c "$ready"
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
}
sig_run "$T/watch.err" "test -s '$T/watch.err.out'" INT vsockstat --watch 1
fault_check sig-vsockstat-watch "$rc" "$T/watch.err"
sig_run "$T/listen.err" "ss --vsock -lnH | grep -q ':2731 '" TERM \
	vncat -l 2731
fault_check sig-vncat-listen "$rc" "$T/listen.err"
bg vncat -l 2732 -c 'sleep 60'
wait_vsock_listen 2732
head -c 16M /dev/zero >"$T/16m"
sig_run "$T/send.err" "ss --vsock -nH | grep ESTAB | grep -Eq ':2732( |\$)'" \
	INT sh -c "exec vncat 1 2732 <'$T/16m'"
fault_check sig-vncat-send "$rc" "$T/send.err"
rm -f "$T/16m"
diag "vsock_loopback once the transfer is killed: $(lsmod | grep ^vsock_loopback)"

# ------------------------------------------------------------ a full disk
mkdir -p /mnt/full
mount -t tmpfs -o size=1m tmpfs /mnt/full
# frames of 64 KiB: a 64 KiB SEQPACKET message a time, until the disk is full
flood() {
	head -c 4M /dev/urandom >"$T/4m"
	bg vncat -l 2710 --seqpacket -c 'cat >/dev/null'
	wait_vsock_listen 2710
	vncat --seqpacket 1 2710 <"$T/4m" >/dev/null 2>&1
}
capture "$T/full.err" vsockdump -w /mnt/full/cap.pcap
pid=$BG_PID
flood
wait_for 60 sh -c "! kill -0 $pid"
wait "$pid"
fault_check w-full $? "$T/full.err"
check "... the unfinished file is gone" -- test ! -e /mnt/full/cap.pcap
check "... and the device it made too" -- nodev
# rotation: the files finished before the disk filled stay, and are whole
capture "$T/rot.err" vsockdump -w /mnt/full/ring -C 300k
pid=$BG_PID
flood
wait_for 60 sh -c "! kill -0 $pid"
wait "$pid"
fault_check w-full-rotate $? "$T/rot.err"
gone=$(sed -n 's/^vsockdump: \(.*\): No space left.*/\1/p' "$T/rot.err")
check "... the unfinished file ${gone##*/} is gone" -- test -n "$gone" -a ! -e "$gone"
left=0
for f in /mnt/full/ring*; do
	[ -e "$f" ] || continue
	left=$((left + 1))
	out=$(vsockdump -r "$f" -q 2>&1)
	is "$?:$(echo "$out" | grep -v '^reading from file')" "0:" \
		"... the finished ${f##*/} stays and reads to its end"
done
ok $((left == 0)) "... $left finished files stay"
umount /mnt/full
check "... and the device it made is gone" -- nodev

# vsockstat --record on a disk of one page: 200 listeners do not fit
mkdir -p /mnt/tiny
mount -t tmpfs -o size=4k tmpfs /mnt/tiny
bg /usr/bin/python3 "$NSV_SRCDIR/tests/lab/vsockstat-mksock.py" many:stream:3000:200 >"$T/mk" 2>&1
mk=$BG_PID
wait_for 60 grep -q READY "$T/mk"
lab_fault record-full -- vsockstat --record /mnt/tiny/rec.diag
check "... the unfinished recording is gone" -- test ! -e /mnt/tiny/rec.diag
kill -- -"$mk"
umount /mnt/tiny
# SIGTERM while -A records: 300 namespaces keep it busy long enough to
# catch it after its first 4 KiB reached the file (and before its last)
recs=(rec{0..299})
printf 'netns add %s\n' "${recs[@]}" | ip -batch -
LAB_NETNS+=("${recs[@]}")
for try in 1 2 3; do
	rm -f "$T/rec.diag"
	vsockstat -A --record "$T/rec.diag" >/dev/null 2>"$T/rec.err" &
	pid=$!
	until [ -s "$T/rec.diag" ] || ! kill -0 "$pid" 2>/dev/null; do :; done
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] || break
	diag "try $try: the recording was whole before the signal came"
done
fault_check record-signal "$rc" "$T/rec.err"
check "... the unfinished recording is gone" -- test ! -e "$T/rec.diag"
del_netns "${recs[@]}"

# ----------------------------------------- SIGKILL, then the next capture
capture "$T/k1.err" vsockdump -q
killed=$BG_PID
kill -KILL "$killed"
wait "$killed" 2>/dev/null
like "$(ip -d link show vsockmon0)" "alias vsockdump pid=$killed start=[0-9]+ pidns=[0-9]+" \
	"a capture killed with SIGKILL leaves vsockmon0, its alias naming pid $killed"
capture "$T/k2.err" vsockdump -c 1 -q
pid=$BG_PID
refuse
wait "$pid"
fault_check stale-device $? "$T/k2.err"
like "$(cat "$T/k2.err")" "pid $killed \\(gone\\)" "... naming pid $killed"
check "... and the device it made at once is gone at its end" -- nodev

# Whose devices are removed: a dead creator's, or one whose pid now belongs
# to a process that started at another time; never a live capture's, one
# from another pid namespace, or one without our alias.
pidns=$(stat -L -c %i /proc/self/ns/pid)
alias_dev() { # NAME ALIAS
	ip link add "$1" type vsockmon && ip link set "$1" alias "$2"
}
sleep 600 &
live=$!
live_start=$(awk '{ print $22 }' "/proc/$live/stat")
alias_dev vsockmon3 "vsockdump pid=$live start=$((live_start + 1)) pidns=$pidns"
alias_dev vsockmon4 "vsockdump pid=$live start=$live_start pidns=$pidns"
alias_dev vsockmon5 "vsockdump pid=$live start=$((live_start + 1)) pidns=$((pidns + 1))"
alias_dev vsockmon6 "somebody else's"
ip link add vsockmon7 type vsockmon
vsockdump -D >/dev/null 2>&1
check "-D lists devices, it removes none" -- test -e /sys/class/net/vsockmon3
capture "$T/r.err" vsockdump -c 1 -q
pid=$BG_PID
refuse
wait "$pid"
like "$(head -n 1 "$T/r.err")" "^vsockdump: removed vsockmon3, left behind by vsockdump pid $live \\(gone\\)$" \
	"a pid now used by a process that started later: its device is removed"
is "$(ip -br link show type vsockmon | awk '{ print $1 }' | sort | tr '\n' ' ')" \
	"vsockmon4 vsockmon5 vsockmon6 vsockmon7 " \
	"a live creator's, another pid namespace's, an unknown alias's and no alias's devices stay"
kill "$live"
for d in 4 5 6 7; do ip link del "vsockmon$d"; done

done_testing
