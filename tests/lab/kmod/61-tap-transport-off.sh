#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Capture where vsockmon is missing: with vsockmon not loadable (as on a
# guest kernel built without it) and nsvsock loaded with transport=0 next to
# vsock_loopback, an nsvsockmon in the initial namespace captures a
# vsock_loopback transfer that tshark decodes byte for byte.
. "$NSV_SRCDIR/tests/lab/tap.sh"
. "$NSV_SRCDIR/tests/lab/nsvsock.sh"
skip_in_tree "nsvsockmon with the transport off"

need_modules vsock_diag || done_testing
if lsmod | grep -q '^nsvsock '; then
	nsv_unload || ok 1 "rmmod nsvsock left loaded before" || done_testing
fi
for dev in $(ip -o link show type vsockmon | awk -F': ' '{ print $2 }'); do
	ip link del "$dev"
done
if lsmod | grep -q '^vsockmon '; then
	rmmod vsockmon || ok 1 "rmmod vsockmon" || done_testing
fi
# vsockmon cannot be loaded: modprobe (the kernel's too) runs /bin/false
# for it instead, from a modprobe.d of this test's own.
mount -t tmpfs nsv-modprobe.d /etc/modprobe.d || {
	ok 1 "a modprobe.d of our own"
	done_testing
}
trap 'umount /etc/modprobe.d; lab_cleanup' EXIT
echo 'install vsockmon /bin/false' >/etc/modprobe.d/no-vsockmon.conf
! modprobe vsockmon 2>/dev/null
ok $? "vsockmon cannot be loaded"
! ip link add vm0 type vsockmon 2>"$LAB_TMP/vsockmon.err"
ok $? "... so ip link add type vsockmon fails ($(cat "$LAB_TMP/vsockmon.err"))"

need_modules vsock_loopback || done_testing
insmod "$NSV_KO" transport=0 2>"$LAB_TMP/insmod.err"
ok $? "insmod nsvsock transport=0 next to vsock_loopback ($(cat "$LAB_TMP/insmod.err"))" ||
	done_testing
is "$(cat /sys/module/nsvsock/parameters/transport)" N "its transport parameter reads N"
! test -e /proc/sys/net/nsvsock
ok $? "... and it has no modes (no /proc/sys/net/nsvsock)"
ip link add m0 type nsvsockmon && ip link set m0 up
ok $? "ip link add m0 type nsvsockmon in the initial namespace, up"

head -c 300000 /dev/urandom >"$LAB_TMP/data"
bg vsockdump -i m0 -B 65536 -U -w "$LAB_TMP/cap.pcap" 2>"$LAB_TMP/dump.err"
dump=$BG_PID
wait_for 60 grep -q listening "$LAB_TMP/dump.err"
ok $? "vsockdump listens on m0"
bg socat -u VSOCK-LISTEN:6101 CREATE:"$LAB_TMP/recv"
server=$BG_PID
wait_vsock_listen 6101
check "socat sends 300000 bytes to 1:6101 over vsock_loopback" -- \
	socat -b 65536 -u OPEN:"$LAB_TMP/data" VSOCK-CONNECT:1:6101
wait "$server"
cmp -s "$LAB_TMP/data" "$LAB_TMP/recv"
ok $? "... intact"
# the last resets of the close follow the data
wait_for 60 sh -c '! ss --vsock -anH | grep -q ":6101 "'
sleep 0.5
kill -INT "$dump"
wait "$dump"
like "$(cat "$LAB_TMP/dump.err")" '^0 frames dropped by kernel' "the capture lost no frame"

# tshark decodes the vsockmon header and the virtio header of each frame.
tshark -r "$LAB_TMP/cap.pcap" -T fields -E separator=' ' -e vsock.dst_port \
	-e vsock.virtio.op -e vsock.virtio.len -e vsock.payload \
	>"$LAB_TMP/fields" 2>"$LAB_TMP/tshark.err"
ok $? "tshark reads the capture" || diag "$(cat "$LAB_TMP/tshark.err")"
read -r frames req rw bytes < <(awk '
	{ n++ }
	$1 == 6101 && $2 == 1 { req++ }
	$1 == 6101 && $2 == 5 { rw++; bytes += $3 }
	END { print n + 0, req + 0, rw + 0, bytes + 0 }' "$LAB_TMP/fields")
diag "tshark: $frames frames, $rw payload frames to port 6101"
is "$req" 1 "tshark: one REQUEST to port 6101"
[ "$rw" -ge 5 ]
ok $? "tshark: the payload in $rw RW frames"
is "$bytes" 300000 "tshark: their virtio lengths add up to the 300000 bytes sent"
awk '$1 == 6101 && $2 == 5 { printf "%s", $4 }' "$LAB_TMP/fields" | tr -d ':' >"$LAB_TMP/payload"
od -An -v -tx1 "$LAB_TMP/data" | tr -d ' \n' >"$LAB_TMP/data.hex"
cmp -s "$LAB_TMP/payload" "$LAB_TMP/data.hex"
ok $? "tshark's vsock.payload fields, in order, are the bytes sent"

ip link del m0
check "rmmod nsvsock" -- nsv_unload
wait_for 30 rmmod vsock_loopback
ok $? "rmmod vsock_loopback"
done_testing
