#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel's own vsock_test with CID domains on: once over CID 1 in the
# initial namespace after the transport took vsock's CID slots, once inside
# a namespace over its own domain CID (server and client there, control over
# TCP on its loopback). Both pass every case that passes over CID 1 before
# any CID was written.
. "$NSV_SRCDIR/tests/lab/tap.sh"
. "$NSV_SRCDIR/tests/lab/nsvsock.sh"
skip_in_tree "the kernel's vsock_test with nsvsock's CID domains"

series=${LAB_KERNEL%.*-*}
vt=$NSV_BUILDDIR/lab-build/vsock-src/linux-source-$series/tools/testing/vsock/vsock_test
[ -x "$vt" ] || { ok 1 "$vt was built (make lab-kmod)"; done_testing; }

# run NAME PEER-CID [NETNS]: one vsock_test run; NAME.ok gets the passed
# case numbers, one a line.
run() {
	local in=()
	[ -n "${3:-}" ] && in=(ip netns exec "$3")
	"${in[@]}" "$vt" --mode=server --control-port=15000 --peer-cid="$2" \
		>"$LAB_TMP/$1.server" 2>&1 &
	local server=$!
	wait_for 60 sh -c "${in[*]} ss -ltnH | grep -q ':15000 '"
	timeout 300 "${in[@]}" "$vt" --mode=client --control-host=127.0.0.1 \
		--control-port=15000 --peer-cid="$2" >"$LAB_TMP/$1.client" 2>&1
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null
	tr '\r' '\n' <"$LAB_TMP/$1.client" | sed 's/\(\.\.\.\(ok\|skipped\)\)/\1\n/g' |
		sed -n 's/^\([0-9]*\) - .*\.\.\.ok$/\1/p' >"$LAB_TMP/$1.ok"
}

if lsmod | grep -q '^vhost_vsock '; then
	wait_for 30 rmmod vhost_vsock || ok 1 "rmmod vhost_vsock" || done_testing
fi
nsv_load || done_testing
run before 1
n=$(wc -l <"$LAB_TMP/before.ok")
[ "$n" -gt 0 ]
ok $? "vsock_test over CID 1, no CID written yet: $n cases pass" ||
	diag "$(tail -n 3 "$LAB_TMP/before.client")"

new_netns vd || ok 1 "ip netns add vd"
is "$("${NSV_PY[@]}" write vd /proc/sys/net/nsvsock/domain 7 vd /proc/sys/net/nsvsock/cid 77 |
	paste -sd' ')" "ok ok" "vd: domain 7, CID 77"
is "$(nsv_counter module_cid_slots)" 1 "the transport holds vsock's CID slots"
wait_for 30 sh -c '[ "$(awk "\$1 == \"module_sockets\" { print \$2 }" /proc/net/nsvsock)" = 0 ]'
run cid1 1
is "$(paste -sd' ' "$LAB_TMP/cid1.ok")" "$(paste -sd' ' "$LAB_TMP/before.ok")" \
	"vsock_test over CID 1 with the CID slots taken: the same $n cases pass" ||
	diag "$(tail -n 3 "$LAB_TMP/cid1.client")"
run dom 77 vd
is "$(paste -sd' ' "$LAB_TMP/dom.ok")" "$(paste -sd' ' "$LAB_TMP/before.ok")" \
	"vsock_test inside vd over its domain CID 77: the same $n cases pass" ||
	diag "$(tail -n 3 "$LAB_TMP/dom.client")"
del_netns "${LAB_NETNS[@]}"
check "rmmod nsvsock" -- nsv_unload
done_testing
