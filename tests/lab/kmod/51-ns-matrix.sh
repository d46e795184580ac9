#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Linux 7.0's per-netns vsock modes, cell by cell, STREAM and SEQPACKET: on
# 6.x through nsvsock (/proc/sys/net/nsvsock), on 7.x through the kernel's
# own loopback (/proc/sys/net/vsock). Every cell expects the same on both,
# except the two differences the README documents: the bind table (ports
# are machine-wide with nsvsock) and SEQPACKET in local namespaces (7.x
# refuses it).
# The initial namespace's child_ns_mode is never written: parents made for
# the purpose hand modes to their children, so this can share a VM.
. "$NSV_SRCDIR/tests/lab/tap.sh"
. "$NSV_SRCDIR/tests/lab/nsvsock.sh"

if in_tree; then
	need_modules vsock_loopback || done_testing
	impl="Linux $LAB_KERNEL in tree"
else
	nsv_load || done_testing
	impl=nsvsock
fi
d=$(modes_dir)
py=("${NSV_PY[@]}")
# wr NS FILE VALUE...: write each, one result a line (ok or an errno name)
wr() { "${py[@]}" write "$@"; }

# --- the sysctls: who gets which mode, write-once, no way out of local
is "$(cat "$d"/ns_mode) $(cat "$d"/child_ns_mode)" "global global" \
	"[$impl] the initial namespace is global, its children too"
for n in g1 g2 gp lp; do
	new_netns $n || { ok 1 "ip netns add $n"; done_testing; }
done
is "$(ip netns exec g1 cat "$d"/ns_mode)" global "a namespace made from the initial one is global"
mapfile -t r < <(wr gp "$d"/ns_mode local gp "$d"/child_ns_mode bogus \
	gp "$d"/child_ns_mode globalx gp "$d"/child_ns_mode global \
	gp "$d"/child_ns_mode global gp "$d"/child_ns_mode local \
	lp "$d"/child_ns_mode local lp "$d"/child_ns_mode global)
is "${r[0]:-}" EACCES "ns_mode is read-only (EACCES)"
is "${r[1]:-}" EINVAL "child_ns_mode refuses 'bogus' (EINVAL)"
is "${r[2]:-}" EINVAL "child_ns_mode refuses 'globalx' (EINVAL)"
is "${r[3]:-}" ok "child_ns_mode takes 'global'"
is "${r[4]:-}" ok "... and the same value again"
is "${r[5]:-}" EBUSY "... but no other value: write-once (EBUSY)"
is "$(ip netns exec gp cat "$d"/child_ns_mode)" global "... and still reads 'global'"
is "${r[6]:-}" ok "another global namespace sets child_ns_mode 'local'"
is "${r[7]:-}" EBUSY "... and cannot take it back (EBUSY)"
mk_child lp l1 && mk_child lp l2 && mk_child gp gpc && mk_child g1 g1c &&
	mk_child l1 l1c
ok $? "children made inside lp (l1, l2), gp (gpc), g1 (g1c) and l1 (l1c)"
is "$(ip netns exec l1 cat "$d"/ns_mode) $(ip netns exec l2 cat "$d"/ns_mode)" \
	"local local" "lp's children are local"
is "$(ip netns exec gpc cat "$d"/ns_mode) $(ip netns exec g1c cat "$d"/ns_mode)" \
	"global global" "gp's and g1's children are global"
is "$(ip netns exec l1 cat "$d"/child_ns_mode)" local \
	"a local namespace's child_ns_mode reads 'local' until written"
mapfile -t r < <(wr l1 "$d"/child_ns_mode global l1 "$d"/child_ns_mode local \
	l1 "$d"/child_ns_mode global)
is "${r[0]:-}" EPERM "a local namespace cannot make global children (EPERM)"
is "${r[1]:-}" ok "... it may lock 'local'"
is "${r[2]:-}" EPERM "... and 'global' stays EPERM"
is "$(ip netns exec l1c cat "$d"/ns_mode)" local "a local namespace's child is local"

# --- who reaches whom
reach=(init\>g1 g1\>init g1\>g2 g1c\>g1 l1\>l1 l2\>l2 l1c\>l1c)
reset=(l1\>init l1\>g1 init\>l1 g1\>l1 lp\>l1 l1\>l2 l2\>l1 l1c\>l1 l1\>l1c)
cells=()
for t in stream seqpacket; do
	for c in "${reach[@]}"; do cells+=("$c/$t=ok"); done
	for c in "${reset[@]}"; do cells+=("$c/$t=ECONNRESET"); done
done
if in_tree; then
	# 7.x's loopback takes SEQPACKET from global namespaces only; nsvsock
	# carries it in local ones too (README).
	for i in "${!cells[@]}"; do
		case "${cells[$i]}" in
		l[12]\>*/seqpacket=* | l1c\>*/seqpacket=*)
			cells[i]=${cells[$i]%=*}=ESOCKTNOSUPPORT
			;;
		esac
	done
	diag "SEQPACKET from a local namespace: ESOCKTNOSUPPORT on $LAB_KERNEL, carried by nsvsock (README)"
fi
"${py[@]}" matrix --port 7000 "${cells[@]}" || TAP_FAILED=$((TAP_FAILED + 1))

# --- the bind table: machine-wide before 7.0, per local namespace on 7.0
if in_tree; then sep=ok; else sep=EADDRINUSE; fi
"${py[@]}" bind --port 7600 g1:g2=EADDRINUSE init:g1=EADDRINUSE l1:l1=EADDRINUSE \
	"l1:l2=$sep" "init:l1=$sep" "l1:init=$sep" || TAP_FAILED=$((TAP_FAILED + 1))
"${py[@]}" ephemeral l1 l2 "$sep" || TAP_FAILED=$((TAP_FAILED + 1))
[ "$sep" = ok ] || diag "EADDRINUSE across local namespaces: the bind-table limit (README)"

if ! in_tree; then
	# Refusals are counted where the packets came from.
	n=$(nsv_counter refused l2)
	[ "${n:-0}" -ge 2 ]
	ok $? "/proc/net/nsvsock in l2 counts its refused packets ($n)"
fi
done_testing
