#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Capture in the guest, which has no vsockmon, of its real virtio traffic.
# First the vsock tracepoints: vsockdump -i tracepoints, and vsockdump with
# no -i falling back to them by itself, see a guest <-> host transfer each
# packet once (to the host as an alloc event, from it as a recv), with
# --flows byte totals equal to the bytes sent. Then nsvsock.ko: writing a
# namespace CID fails with EBUSY and the kernel log names the virtio
# transport holding the guest-to-host slot; vsockdump with no -i creates
# nsvsockmon0, says so, and its capture of a guest -> host transfer counts
# the bytes sent; tshark on the host reads both captures, CIDs 2 and 3 only;
# the module unloads and the guest's log stays clean.
. "$NSV_SRCDIR/tests/lab/nested/lib.sh"

T=$LAB_TMP
D=$NESTED_DIR
UP=300000   # guest -> host over the tracepoints' connection
DOWN=100000 # and back
NSV_UP=250000
sha() { sha256sum | cut -d' ' -f1; }

# gstart NAME COMMAND: gbg, with COMMAND's pid in the guest's /tmp/NAME.pid
# for gstop.
gstart() {
	gbg "$1" "$2 & echo \$! >/tmp/$1.pid; wait \$!"
}
# gready NAME: wait (60 s at most) until the vsockdump of gstart NAME is
# listening; print its stderr.
gready() {
	gsh -t 90 "i=0
while ! grep -q listening /tmp/$1.err 2>/dev/null && [ \$i -lt 300 ]; do sleep 0.2; i=\$((i + 1)); done
cat /tmp/$1.err"
}
# gstop NAME...: SIGINT to each gstart NAME once the alloc events of the
# last packets have waited out their second for a recv that never comes
# (the guest's packets to the host have none); wait (60 s at most) for them
# to end; print NAME=STATUS for each.
gstop() {
	local n pids='' rcs=''
	for n in "$@"; do
		pids+=" \$(cat /tmp/$n.pid)"
		rcs+=" $n=\$(cat /tmp/$n.rc 2>/dev/null)"
	done
	gsh -t 90 "sleep 1.5; kill -INT$pids
i=0
while [ \$i -lt 300 ]; do
	for n in $*; do [ -s /tmp/\$n.rc ] || break; done
	[ -s /tmp/\$n.rc ] && break
	sleep 0.2; i=\$((i + 1))
done
echo$rcs"
}
# reap PID SECS: wait at most SECS for the bg command PID to end; its exit
# status, 124 (and it is killed) if it did not.
reap() {
	if ! wait_for "$2" sh -c "! kill -0 $1"; then
		kill -TERM -- "-$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 124
	fi
	wait "$1"
}
# total FLOWS DIR PORT: the bytes the flows to PORT carried in DIR (">"
# from the connecting side)
total() {
	awk -v p=" > [0-9]+:$3: " -v d="$2" '
		/^flow / { on = $0 ~ p }
		on && $1 == d { for (i = 2; i < NF; i++) if ($(i + 1) ~ /^bytes/) n += $i }
		END { print n + 0 }' <<<"$1"
}
# cids TEXT: the distinct "SRC>DST" CID pairs of vsockdump -t -n lines
cids() {
	awk '{ split($1, a, ":"); split($3, b, ":"); print a[1] ">" b[1] }' <<<"$1" |
		sort -u | tr '\n' ' '
}

# ------------------------------- the tracepoints: no vsockmon in the guest
gstart tp 'vsockdump -i tracepoints -U -w /tmp/tp.pcap'
like "$(gready tp)" 'listening on tracepoints \(headers only\), link-type VSOCK \(271\)' \
	"guest: vsockdump -i tracepoints starts"
# started after the first, which unmounts the tracefs it mounted
gstart fb 'vsockdump -U -w /tmp/fb.pcap'
out=$(gready fb)
is "$(grep -c 'vsockdump: headers only: no vsockmon on this kernel' <<<"$out")" 1 \
	"guest: vsockdump with no -i says in one line that it has no vsockmon" || diag "$out"
like "$out" 'listening on tracepoints' "... and captures from the tracepoints"
check "guest: vsockmon is not loaded and cannot be" -- \
	gsh '! modprobe -q vsockmon 2>/dev/null && ! test -e /sys/module/vsockmon'

head -c $DOWN "$D/down.bin" >"$T/tp.down"
bg sh -c "exec vncat -l 5601 <'$T/tp.down' >'$T/tp.got' 2>'$T/tp.err'"
server=$BG_PID
wait_vsock_listen 5601 60
out=$(gsh -t 300 "head -c $UP /up.bin | vncat -w 60 host 5601 >/tmp/tp.got
sha256sum </tmp/tp.got | cut -d' ' -f1; rm -f /tmp/tp.got")
ok $? "the guest sends $UP bytes to the host's vncat -l 5601, which sends $DOWN back" ||
	diag "$out"
is "$out" "$(sha <"$T/tp.down")" "the guest got the host's $DOWN bytes"
reap "$server" 60
ok $? "the host's listener exits 0" || diag "$(cat "$T/tp.err")"
is "$(sha <"$T/tp.got")" "$(head -c $UP "$D/up.bin" | sha)" "the host got the guest's $UP bytes"
is "$(gstop tp fb)" "tp=0 fb=0" "SIGINT: both captures exit 0"
out=$(gsh 'cat /tmp/tp.err /tmp/fb.err')
is "$(grep -c '^0 frames dropped by kernel' <<<"$out")" 2 "no event lost by the perf rings" ||
	diag "$out"

diag "the tracepoints' part took $SECONDS s"
t0=$SECONDS
# ------------------------------------- nsvsock.ko: slots and the scoped tap
if [ "$(kernel_num)" -ge 700 ]; then
	skip "nsvsock in the guest (Linux $LAB_KERNEL has per-netns vsock in tree)"
else
	check "guest: insmod nsvsock.ko (next to vmw_vsock_virtio_transport)" -- \
		gsh 'insmod /lib/modules/nsvsock.ko'

	# A CID in a namespace of its own (busybox echo: "write error: ...").
	out=$(gsh 'n=$(dmesg | grep -c "nsvsock: ")
d=/proc/sys/net/nsvsock
unshare -n sh -c "echo 1 >$d/domain && echo 30 >$d/cid; echo rc=\$?; cat $d/domain $d/cid"
dmesg | grep "nsvsock: " | tail -n +$((n + 1))
awk "\$1 == \"module_cid_slots\" { print \"slots\", \$2 }" /proc/net/nsvsock')
	like "$out" '^sh: write error: Device or resource busy$' \
		"guest: writing a namespace CID fails with EBUSY" || diag "$out"
	is "$(grep -A2 '^rc=' <<<"$out" | tr '\n' ' ')" "rc=1 1 0 " \
		"... the domain is written, the CID is not"
	like "$out" "nsvsock: namespace CIDs need vsock's host-to-guest and guest-to-host transport slots, taken by vmw_vsock_virtio_transport: unload it first" \
		"... and the kernel log names the holder, vmw_vsock_virtio_transport"
	like "$out" '^slots 0$' "... and the module holds no slot"

	gstart nsv 'vsockdump -B 16384 -w /tmp/nsv.pcap'
	out=$(gready nsv)
	like "$out" "created nsvsockmon0, the nsvsock module's tap" \
		"guest: vsockdump with no -i creates nsvsockmon0 and says so"
	like "$out" 'listening on nsvsockmon0 \(created\), link-type VSOCK' "... and captures on it"
	bg sh -c "exec vncat -l 5602 >'$T/nsv.got' </dev/null"
	server=$BG_PID
	wait_vsock_listen 5602 60
	out=$(gsh -t 300 "cat /sys/class/net/nsvsockmon0/type
head -c $NSV_UP /up.bin | vncat -w 60 host 5602")
	ok $? "the guest sends $NSV_UP bytes to the host's vncat -l 5602" || diag "$out"
	is "$out" 826 "... while nsvsockmon0 is there, of type ARPHRD_VSOCKMON"
	reap "$server" 60
	ok $? "the host's listener exits 0"
	is "$(sha <"$T/nsv.got")" "$(head -c $NSV_UP "$D/up.bin" | sha)" \
		"the host got the guest's $NSV_UP bytes"
	is "$(gstop nsv)" "nsv=0" "SIGINT: exit 0"
	out=$(gsh 'cat /tmp/nsv.err; test -e /sys/class/net/nsvsockmon0 && echo left')
	like "$out" '^0 frames dropped by kernel' "no frame dropped" || diag "$out"
	! grep -qx left <<<"$out"
	ok $? "vsockdump deleted nsvsockmon0"

	out=$(gsh 'i=0
until rmmod nsvsock 2>/tmp/rmmod.err; do
	[ $i -lt 30 ] || { cat /tmp/rmmod.err; exit 1; }
	sleep 1; i=$((i + 1))
done
! test -e /sys/module/nsvsock')
	ok $? "guest: rmmod nsvsock" || diag "$out"
	out=$(gsh "dmesg | grep -E 'Call Trace|WARNING|BUG'")
	ok $(($? != 1)) "guest: no Call Trace, WARNING or BUG in dmesg" || diag "$out"
fi

diag "nsvsock's part took $((SECONDS - t0)) s"
t0=$SECONDS
# ------------------------------- the captures, read on the host: it is fast
bg sh -c "vncat -l --recv-only 5609 | tar -C '$T' -xf -"
copy=$BG_PID
wait_vsock_listen 5609 60
out=$(gsh 'cd /tmp && tar -cf - *.pcap | vncat -w 60 host 5609 && rm -f /tmp/*.pcap')
ok $? "the guest sends its captures to the host" || diag "$out"
reap "$copy" 60

flows=$(vsockdump -r "$T/tp.pcap" -q --flows -n 2>&1)
ok $? "vsockdump -r --flows reads the tracepoints' capture" || diag "$flows"
is "$(total "$flows" '>' 5601) $(total "$flows" '<' 5601)" "$UP $DOWN" \
	"--flows: $UP bytes guest -> host and $DOWN back on 5601"
like "$flows" "STREAM 3:[0-9]+ > 2:5601: closed" "--flows: 3 > 2:5601, closed"
frames=$(vsockdump -r "$T/tp.pcap" -t -n port 5601 2>/dev/null)
is "$(cids "$frames")" "2>3 3>2 " "its frames of port 5601 go between CIDs 3 and 2"
is "$(vsockdump -r "$T/fb.pcap" -t -n port 5601 2>/dev/null)" "$frames" \
	"the fallback capture has the same $(grep -c . <<<"$frames") frames of port 5601"
is "$(vsockdump -r "$T/tp.pcap" -n --json port 5601 2>/dev/null |
	jq -r '"\(.src_cid)>\(.dst_cid) \(.source)"' | sort -u | tr '\n' ' ')" \
	"2>3 tracepoint:recv 3>2 tracepoint:alloc " \
	"each packet once: to the host an alloc event, from it a recv"
if [ -e "$T/nsv.pcap" ]; then
	flows=$(vsockdump -r "$T/nsv.pcap" -q --flows -n 2>&1)
	ok $? "vsockdump -r --flows reads the nsvsockmon0 capture" || diag "$flows"
	is "$(total "$flows" '>' 5602) $(total "$flows" '<' 5602)" "$NSV_UP 0" \
		"--flows: $NSV_UP bytes guest -> host on 5602, none back"
	like "$flows" "STREAM 3:[0-9]+ > 2:5602: closed" "--flows: 3 > 2:5602, closed"
	is "$(cids "$(vsockdump -r "$T/nsv.pcap" -t -n 2>/dev/null)")" "2>3 3>2 " \
		"vsockdump -r: every frame goes between CIDs 3 and 2"
fi
for f in tp nsv; do
	[ -e "$T/$f.pcap" ] || continue
	tshark -r "$T/$f.pcap" -T fields -E separator=, -e vsock.src_cid -e vsock.dst_cid \
		>"$T/$f.cids" 2>"$T/$f.tshark"
	ok $? "tshark reads $f.pcap" || diag "$(cat "$T/$f.tshark")"
	is "$(sort -u "$T/$f.cids" | tr '\n' ' ')" "2,3 3,2 " \
		"tshark: every frame of $f.pcap goes between CIDs 2 and 3"
	is "$(wc -l <"$T/$f.cids")" "$(vsockdump -r "$T/$f.pcap" --json 2>/dev/null | wc -l)" \
		"tshark reads as many frames of $f.pcap as vsockdump"
done
diag "reading the captures took $((SECONDS - t0)) s"
done_testing
