#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# nsvsock.ko itself: its modinfo; one clear line and EBUSY next to
# vsock_loopback; data over it both ways, byte for byte; the vsockmon tap
# sees its traffic (vsockdump's flow totals equal the bytes sent, a refused
# connect from a local namespace shows as refused); the module is held while
# sockets use it and unloads cleanly after, its counters back at zero.
. "$NSV_SRCDIR/tests/lab/tap.sh"
. "$NSV_SRCDIR/tests/lab/nsvsock.sh"
skip_in_tree "nsvsock.ko: load, data, capture, unload"

# --- modinfo
[ -f "$NSV_KO" ] || { ok 1 "$NSV_KO was built (make lab-kmod)"; done_testing; }
is "$(modinfo -F license "$NSV_KO")" GPL "modinfo: license GPL (vsock's symbols are GPL-only)"
is "$(modinfo -F author "$NSV_KO")" nsvsock "modinfo: author nsvsock"
like "$(modinfo -F description "$NSV_KO")" 'per-netns modes' "modinfo: a description"
vermagic=$(modinfo -F vermagic "$NSV_KO")
is "${vermagic%% *}" "$LAB_KERNEL" "modinfo: built for $LAB_KERNEL"
like "$(modinfo -F depends "$NSV_KO")" 'vmw_vsock_virtio_transport_common' \
	"modinfo: depends on the virtio vsock common code"

# --- the LOCAL slot: taken by vsock_loopback, then ours
need_modules vsock_loopback vsock_diag vsockmon || done_testing
before=$(dmesg | grep -c '^\[[ 0-9.]*\] nsvsock: ')
insmod "$NSV_KO" 2>"$LAB_TMP/insmod.err"
rc=$?
[ $rc -ne 0 ] && grep -q 'Device or resource busy' "$LAB_TMP/insmod.err"
ok $? "insmod next to vsock_loopback fails with EBUSY ($(cat "$LAB_TMP/insmod.err"))"
msgs=$(dmesg | grep '^\[[ 0-9.]*\] nsvsock: ' | tail -n +$((before + 1)) |
	grep -v 'taint')
is "$(wc -l <<<"$msgs")" 1 "... and logs one line"
like "$msgs" 'slot is taken \(vsock_loopback loaded\?\): unload it first' \
	"... that names vsock_loopback"
! lsmod | grep -q '^nsvsock '
ok $? "... and is not loaded"
nsv_load || done_testing
ok 0 "after rmmod vsock_loopback, nsvsock loads"
is "$(cat /proc/sys/net/nsvsock/ns_mode) $(cat /proc/sys/net/nsvsock/child_ns_mode)" \
	"global global" "the initial namespace is global"
new_netns pre || { ok 1 "ip netns add pre"; done_testing; }
is "$(ip netns exec pre cat /proc/sys/net/nsvsock/ns_mode)" global \
	"a namespace made while loaded, before any child_ns_mode, is global"

# --- data both ways, captured
head -c 4M /dev/urandom >"$LAB_TMP/up"
head -c 3M /dev/urandom >"$LAB_TMP/down"
# 64 KiB packets and a 128 MiB ring (frames take 256 KiB slots): a capture
# starved by a busy host still loses nothing.
bg vsockdump -B 131072 -U -w "$LAB_TMP/cap.pcap" 2>"$LAB_TMP/dump.err"
dump=$BG_PID
wait_for 20 grep -q listening "$LAB_TMP/dump.err"
ok $? "vsockdump listens on a vsockmon tap"
bg socat -u VSOCK-LISTEN:4100 CREATE:"$LAB_TMP/up.recv"
server=$BG_PID
wait_vsock_listen 4100
check "socat sends 4 MiB to 1:4100 over nsvsock" -- \
	socat -b 65536 -u OPEN:"$LAB_TMP/up" VSOCK-CONNECT:1:4100
wait "$server"
is "$(sha256sum <"$LAB_TMP/up.recv")" "$(sha256sum <"$LAB_TMP/up")" "4 MiB arrive byte-identical (sha256)"
bg socat -b 65536 -u OPEN:"$LAB_TMP/down" VSOCK-LISTEN:4101
server=$BG_PID
wait_vsock_listen 4101
check "socat receives 3 MiB from 1:4101" -- \
	socat -u VSOCK-CONNECT:1:4101 CREATE:"$LAB_TMP/down.recv"
wait "$server"
is "$(sha256sum <"$LAB_TMP/down.recv")" "$(sha256sum <"$LAB_TMP/down")" "3 MiB back, byte-identical (sha256)"
# a refused connect: from a local namespace to the initial one's listener
echo local >/proc/sys/net/nsvsock/child_ns_mode
new_netns loc || { ok 1 "ip netns add loc"; done_testing; }
bg socat -u VSOCK-LISTEN:4102 OPEN:/dev/null
wait_vsock_listen 4102
echo x | ip netns exec loc socat -u - VSOCK-CONNECT:1:4102 2>"$LAB_TMP/refused.err"
like "$(cat "$LAB_TMP/refused.err")" 'Connection reset by peer' \
	"local -> initial namespace: Connection reset by peer"
sleep 0.5
kill -INT "$dump"
wait "$dump"
ok $? "vsockdump stops cleanly"
like "$(cat "$LAB_TMP/dump.err")" '^0 frames dropped by kernel' "... having lost no frame" ||
	diag "$(cat "$LAB_TMP/dump.err")"
flows=$(vsockdump -r "$LAB_TMP/cap.pcap" -q --flows -n 2>/dev/null)
like "$(grep -A2 '> 1:4100:' <<<"$flows")" '> [0-9]+ frames, 4194304 bytes' \
	"the tap saw all 4194304 bytes to port 4100"
like "$(grep -A3 '> 1:4101:' <<<"$flows")" '< [0-9]+ frames, 3145728 bytes' \
	"... and all 3145728 bytes back from port 4101"
like "$flows" 'STREAM 1:[0-9]+ > 1:4102: refused' \
	"... and the refused connect as refused (REQUEST, then our RST)"

# --- held while in use, then unloaded clean
"${NSV_PY[@]}" stream init\>init:4200:noread >"$LAB_TMP/held" &
held=$!
LAB_PIDS+=("$held")
wait_for 20 grep -q STREAMING "$LAB_TMP/held"
refs=$(cat /sys/module/nsvsock/refcnt)
[ "$refs" -ge 2 ]
ok $? "two connected sockets hold the module (refcnt $refs)"
rmmod nsvsock 2>"$LAB_TMP/rmmod.err"
[ $? -ne 0 ] && grep -qi 'in use' "$LAB_TMP/rmmod.err"
ok $? "rmmod refuses while they live ($(cat "$LAB_TMP/rmmod.err"))"
is "$(nsv_counter module_sockets)" 2 "/proc/net/nsvsock counts the two sockets"
kill "$held"
wait "$held" 2>/dev/null
# Unread data keeps a closed connection for vsock's close timeout (8 s).
wait_for 30 sh -c '[ "$(cat /sys/module/nsvsock/refcnt)" = 0 ]'
ok $? "closed, they let go of the module"
is "$(nsv_counter module_sockets) $(nsv_counter module_skbs)" "0 0" \
	"no socket and no packet left in the module"
check "rmmod nsvsock" -- nsv_unload
! test -e /proc/sys/net/nsvsock
ok $? "its sysctls are gone"
check "and it loads again" -- insmod "$NSV_KO"
is "$(cat /proc/sys/net/nsvsock/child_ns_mode)" global "with fresh state: child_ns_mode global again"
is "$(ip netns exec loc cat /proc/sys/net/nsvsock/ns_mode)" global \
	"loc, local before the reload, existed before this load: global now"
check "rmmod again" -- nsv_unload
done_testing
