#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vsockstat --vms finds a real QEMU with a vhost-vsock device, started here
# (paused, under TCG: nothing boots), and its -name names its CID for
# vsockstat, vsockdump's filters and vncat when no names file says
# otherwise.
. "$NSV_SRCDIR/tests/lab/tap.sh"

# vhost_vsock goes again at the end if it was not there: later scripts may
# check what happens without it.
had_vhost=$(grep -c '^vhost_vsock ' /proc/modules)
need_modules vhost_vsock vsock_diag || done_testing
py=/usr/bin/python3
lab="$NSV_SRCDIR/tests/lab"
T=$LAB_TMP

# Discovery is for when NSV_VSOCK_HOSTS is not set; the host's own
# /etc/vsock-hosts (the VM mounts the host's /etc) must not take part.
unset NSV_VSOCK_HOSTS
names() {
	if [ -e /etc/vsock-hosts ]; then
		unshare -m sh -c 'mount --bind /dev/null /etc/vsock-hosts && exec "$@"' sh "$@"
	else
		"$@"
	fi
}

vsockstat --vms -q
is "$?" 1 "--vms -q before any VM: exit 1"

qemu=$(command -v qemu-system-x86_64) || {
	ok 1 "qemu-system-x86_64 is installed"
	done_testing
}
bg "$qemu" -accel tcg -S -display none -nodefaults -no-user-config -m 64 \
	-name guest=vmname,debug-threads=on -monitor none -serial none \
	-device vhost-vsock-pci,id=vsock0,guest-cid=5
qpid=$BG_PID
wait_for 60 sh -c "vsockstat --vms -H | grep -q ' vmname '"
ok $? "--vms lists the QEMU once it runs" || {
	diag "$(vsockstat --vms 2>&1)"
	done_testing
}
like "$(vsockstat --vms -H)" "^5 vmname qemu +$qpid vhost-vsock$" \
	"--vms: CID 5, the -name, the VMM, its pid, vhost-vsock"
vsockstat --vms -j >"$T/vms.json"
$py "$lab/vsockstat-schema.py" --vms "$T/vms.json"
ok $? "--vms -j follows the schema"
is "$(jq -c '.vms[] | [.cid, .name, .vmm, .pid, .transport, .uds_path]' "$T/vms.json")" \
	"[5,\"vmname\",\"qemu\",$qpid,\"vhost\",null]" "--vms -j: the same VM"
vsockstat --vms -q
is "$?" 0 "--vms -q with a VM: exit 0"

# The kernel knows CID 5 now. Before 7.0 a connect waits for the paused
# guest (long enough for the checks below; under TCG each vsockstat takes a
# while); 7.x refuses it at once, as the guest never started its device.
names vncat -w 15 vmname 1234 </dev/null 2>"$T/vncat.err" &
vpid=$!
wait_for 20 sh -c "vsockstat -H -n -O dst 5:1234 | grep -q . || ! kill -0 $vpid"
if [ "$(kernel_num)" -lt 700 ]; then
	want=$(vsockstat -H -n -O dst 5)
	like "$want" "SYN-SENT \\*:[0-9]+ 5:1234 " \
		"vncat vmname 1234: the name found the VM's CID (a socket towards 5:1234)" ||
		diag "vncat: $(cat "$T/vncat.err")"
	like "$(names vsockstat -H -O dst 5:1234)" " vmname:1234 " \
		"vsockstat shows the peer by the VM's name"
	is "$(names vsockstat -H -n -O dst vmname)" "$want" \
		"the VM's name in an expression"
	is "$(names vsockstat -H -n -O --cid vmname)" "$want" "... and in --cid"
	like "$(NSV_VSOCK_HOSTS='' vsockstat -H -O dst 5:1234)" " 5:1234 " \
		"with NSV_VSOCK_HOSTS set (here: empty) no VM lends a name"
	wait "$vpid"
	is "$?" 1 "vncat gives up on the paused guest"
	like "$(cat "$T/vncat.err")" "vmname:1234" "... and names it by its name"
else
	wait "$vpid"
	is "$?" 1 "7.x: vncat vmname 1234 is refused at once"
	like "$(cat "$T/vncat.err")" "^vncat: no route to vmname:1234: the VM with CID 5 is not running" \
		"7.x: ... after the name found CID 5"
	skip "7.x: vsockstat naming a socket's peer by the VM (no socket towards a guest that never started)"
fi
is "$(names vsockdump -d host vmname)" "$(vsockdump -d host 5)" \
	"vsockdump's filter takes the VM's name too"

kill -TERM -- "-$qpid"
wait "$qpid" 2>/dev/null
wait_for 20 sh -c "! vsockstat --vms -q"
ok $? "the VM gone, --vms lists nothing"
[ "$had_vhost" = 0 ] && wait_for 10 modprobe -r vhost_vsock
done_testing
