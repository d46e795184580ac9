#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every vncat error: its exit status (1 failure, 2 usage) and its one line.
# Real kernel conditions: nothing listening, no transport (vsock_loopback
# unloaded), no such VM and a connect timeout (vhost_vsock with a guest CID
# that never runs), --sibling routing, a privileged port, a port in use.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
T=$LAB_TMP
PEER=(/usr/bin/python3 "$NSV_SRCDIR/tests/lab/vncat-peer.py")

# fails STATUS MESSAGE DESC -- ARGS...: vncat ARGS exits STATUS saying MESSAGE
fails() {
	local want_rc=$1 want=$2 desc=$3 out rc
	shift 4
	out=$(timeout 30 vncat "$@" </dev/null 2>&1 >/dev/null)
	rc=$?
	is "$rc" "$want_rc" "$desc: exit $want_rc"
	is "$out" "$want" "$desc: the message"
}

# ----------------------------------------------------------- usage: exit 2
fails 2 "vncat: missing CID and PORT. Try 'vncat --help'." "no operands" --
fails 2 "vncat: -l needs a PORT. Try 'vncat --help'." "-l alone" -- -l
fails 2 "vncat: invalid CID 'guest': use a number, any, hypervisor, local, host or a name (vsock-hosts(5)). Try 'vncat --help'." \
	"a CID name that does not exist" -- guest 22
fails 2 "vncat: invalid port '70000x'. Try 'vncat --help'." "a bad port" -- 1 70000x
fails 2 "vncat: unknown option '--frobnicate'. Try 'vncat --help'." "an unknown option" -- --frobnicate 1 2
fails 2 "vncat: option '-w' needs an argument. Try 'vncat --help'." "a missing option argument" -- 1 2 -w
fails 2 "vncat: invalid -w 'soon': seconds. Try 'vncat --help'." "a bad -w" -- -w soon 1 2
fails 2 "vncat: -k needs -l. Try 'vncat --help'." "-k without -l" -- -k 1 2
fails 2 "vncat: choose one of --stream, --seqpacket, --dgram. Try 'vncat --help'." \
	"two socket types" -- --seqpacket --dgram 1 2
fails 2 "vncat: invalid CID list '3-1': use CIDs and ranges like 3,5-9,host. Try 'vncat --help'." \
	"a backwards CID range" -- -l 2600 --deny-cid 3-1
fails 2 "vncat: invalid endpoint 'tcp:host': use vsock:CID:PORT, tcp:HOST:PORT, unix:PATH or hybrid:UDS:PORT. Try 'vncat --help'." \
	"a relay target without a port" -- -l 2600 tcp:host
fails 2 "vncat: -e/-c and a relay TARGET exclude each other. Try 'vncat --help'." \
	"-c with a target" -- -l 2600 tcp:127.0.0.1:1 -c true

# ------------------------------------------------------- failures: exit 1
fails 1 "vncat: nothing listening on local:2600" "nothing listening" -- 1 2600
bg vncat -l -k 2601 </dev/null >/dev/null
wait_vsock_listen 2601
fails 1 "vncat: nothing listening on local:2601 for SEQPACKET" \
	"a SEQPACKET client at a stream listener" -- --seqpacket 1 2601
fails 1 "vncat: vsock port 2601 is already in use" "a port in use" -- -l 2601
fails 1 "vncat: cannot bind to CID 7: not a CID of this machine (use any, local, or the CID of a loaded transport)" \
	"listening on a CID that is not ours" -- -l 7 2602
fails 1 "vncat: vsock datagrams are not supported here: only the VMCI transport (VMware) has them, virtio and loopback do not" \
	"--dgram on virtio/loopback" -- --dgram 1 2600
fails 1 "vncat: no transport for CID 3: on the VM's host load vhost_vsock (inside a VM, vmw_vsock_virtio_transport)" \
	"a guest CID without vhost_vsock" -- 3 2600
fails 1 "vncat: network namespace 'nosuchns' not found" "a netns that does not exist" -- -N nosuchns -l 2603
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups vncat -l 80 2>&1 </dev/null)
is "$?" 1 "a privileged port as nobody: exit 1"
is "$out" "vncat: permission denied: binding vsock port 80 needs CAP_NET_BIND_SERVICE (ports below 1024 are privileged)" \
	"a privileged port as nobody: the message"

# The relay's far side is down: the connection is dropped and said so.
ip link set lo up
bg sh -c "vncat -l 2604 tcp:127.0.0.1:7999 2>'$T/relay.err'; echo \$? >'$T/relay.rc'"
wait_vsock_listen 2604
vncat 1 2604 </dev/null >/dev/null 2>&1
wait_for 10 test -s "$T/relay.rc"
is "$(<"$T/relay.rc"):$(<"$T/relay.err")" "1:vncat: nothing listening on tcp:127.0.0.1:7999" \
	"a relay whose target refuses: exit 1 and the message"

# A program that cannot run.
bg sh -c "vncat -l 2605 -e /nonexistent/prog 2>'$T/exec.err'; echo \$? >'$T/exec.rc'"
wait_vsock_listen 2605
vncat 1 2605 </dev/null >/dev/null 2>&1
wait_for 10 test -s "$T/exec.rc"
is "$(<"$T/exec.rc"):$(<"$T/exec.err")" "127:vncat: cannot run /nonexistent/prog: No such file or directory" \
	"-e with a missing program: exit 127 and the message"

# The peer stops reading while we still send.
bg vncat -l 2606 -c 'head -c 1000 >/dev/null'
wait_vsock_listen 2606
out=$(yes | timeout 30 vncat 1 2606 2>&1 >/dev/null)
is "$?" 1 "a peer that stops reading: exit 1"
like "$out" "^vncat: local:2606 stopped reading \((Broken pipe|Connection reset by peer)\): [0-9]+ bytes not delivered$" \
	"a peer that stops reading: the message counts what was not delivered"

# A live Unix listener is not replaced; a stale socket file is.
bg vncat -l unix:"$T/u.sock" vsock:1:2600
wait_for 10 test -S "$T/u.sock"
fails 1 "vncat: unix:$T/u.sock is already in use (a live listener has it)" \
	"a Unix path with a live listener" -- -l unix:"$T/u.sock" vsock:1:2600
/usr/bin/python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/stale.sock"
bg vncat -l unix:"$T/stale.sock" vsock:1:2601
wait_for 10 sh -c "ss -xlnH | grep -q '$T/stale.sock'"
ok $? "a stale Unix socket file left by a dead listener is replaced"

# -------------------------------------------- no loopback transport at all
# Sockets of earlier tests may hold vsock_loopback for their close timeout.
kill $(jobs -p) 2>/dev/null
if wait_for 15 rmmod vsock_loopback; then
	fails 1 "vncat: no transport for CID 1 (local): load vsock_loopback (loopback needs Linux 5.6+)" \
		"CID 1 without vsock_loopback" -- 1 2600
	modprobe vsock_loopback
	ok $? "vsock_loopback is back"
else
	skip "vsock_loopback is busy and cannot be unloaded: $(lsmod | grep ^vsock_loopback)"
fi

# ------------------------- vhost_vsock: no such VM, a timeout, --sibling
if [ -e /sys/module/vhost_vsock ]; then
	had_vhost=1
else
	had_vhost=0
	need_modules vhost_vsock || done_testing
fi
# CID 42 exists for vhost but never runs: its packets are queued, unanswered.
bg sh -c "exec ${PEER[*]} vhost-ghost 42 >'$T/ghost'"
ghost=$BG_PID
wait_for 20 grep -q ready "$T/ghost"
ok $? "a guest CID 42 is registered with vhost_vsock"
if [ "$(kernel_num)" -ge 700 ]; then
	# 7.x refuses at once what is registered but never started
	fails 1 "vncat: no route to 42:5000: the VM with CID 42 is not running (or not in this network namespace)" \
		"a VM that was never started (7.x: EHOSTUNREACH)" -- -w 1 42 5000
else
	fails 1 "vncat: timed out connecting to 42:5000: no answer within 1 s (is the VM up and its vsock driver loaded?)" \
		"a VM that does not answer, -w 1" -- -w 1 42 5000
fi
fails 1 "vncat: no VM with CID 43: vhost_vsock knows no such guest (is the VM running?)" \
	"a CID vhost_vsock does not know" -- 43 5000
# --sibling sets VMADDR_FLAG_TO_HOST: CID 42 now goes to the (missing) guest
# transport and fails at once instead of timing out through vhost.
fails 1 "vncat: no transport for 42:5000: --sibling routes through the host, which needs a guest transport (load vmw_vsock_virtio_transport; Linux 5.11+)" \
	"--sibling with no guest transport" -- --sibling -w 5 42 5000
kill "$ghost"
wait "$ghost" 2>/dev/null
[ "$had_vhost" = 0 ] && wait_for 15 rmmod vhost_vsock
done_testing
