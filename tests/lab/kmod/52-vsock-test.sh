#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel's own vsock_test (tools/testing/vsock of this kernel's
# linux-source, built on the host by make lab-kmod), server and client in
# this VM over CID 1: first on vsock_loopback, then on nsvsock in the
# initial namespace and inside a local one. Every case that passes on
# vsock_loopback must pass on nsvsock, case by case.
. "$NSV_SRCDIR/tests/lab/tap.sh"
. "$NSV_SRCDIR/tests/lab/nsvsock.sh"
skip_in_tree "the kernel's vsock_test on nsvsock"

series=${LAB_KERNEL%.*-*}
vt=$NSV_BUILDDIR/lab-build/vsock-src/linux-source-$series/tools/testing/vsock/vsock_test
[ -x "$vt" ] || { ok 1 "$vt was built (make lab-kmod)"; done_testing; }
mapfile -t names < <("$vt" --list | awk -F'\t' 'NR > 1 { print $2 }')
[ ${#names[@]} -gt 0 ] || { ok 1 "vsock_test --list names its cases"; done_testing; }

# suite OUT [NETNS]: every case, once; vsock_test stops at the first case
# that fails, so each round skips what is known and starts after it. OUT
# gets "ID ok|fail" lines.
suite() {
	local out=$1 ns=${2:-} done=() id line last round=0 skips log
	local in=()
	[ -n "$ns" ] && in=(ip netns exec "$ns")
	: >"$out"
	while [ ${#done[@]} -lt ${#names[@]} ] && [ $round -lt 10 ]; do
		round=$((round + 1))
		skips=()
		for id in "${done[@]}"; do skips+=(--skip "$id"); done
		log=$LAB_TMP/client.log
		"${in[@]}" "$vt" --mode=server --control-port=15000 --peer-cid=1 \
			"${skips[@]}" >"$LAB_TMP/server.log" 2>&1 &
		local server=$!
		wait_for 20 sh -c "${in[*]} ss -ltnH | grep -q ':15000 '"
		timeout 300 "${in[@]}" "$vt" --mode=client --control-host=127.0.0.1 \
			--control-port=15000 --peer-cid=1 "${skips[@]}" >"$log" 2>&1
		kill "$server" 2>/dev/null
		wait "$server" 2>/dev/null
		last=
		while IFS= read -r line; do
			case "$line" in
			[0-9]*" - "*...ok)
				id=${line%% *}
				echo "$id ok" >>"$out"
				done+=("$id")
				;;
			[0-9]*" - "*...skipped) ;;
			[0-9]*" - "*) last=${line%% *} ;;
			esac
		done < <(tr '\r' '\n' <"$log" | sed 's/\(\.\.\.\(ok\|skipped\)\)/\1\n/g')
		if [ -n "$last" ] && ! grep -q "^$last " "$out"; then
			echo "$last fail" >>"$out"
			done+=("$last")
			diag "$(basename "$out" .res): case $last fails: $(tail -n 3 "$log" | tr '\n' ' ')"
		elif ! grep -q 'All tests have been executed' "$log"; then
			diag "vsock_test stopped without naming a case: $(tail -n 3 "$log" | tr '\n' ' ')"
			break
		fi
	done
}


lsmod | grep -q '^nsvsock ' && nsv_unload
need_modules vsock_loopback || done_testing
t0=$SECONDS
suite "$LAB_TMP/loopback.res"
diag "vsock_test on vsock_loopback: $((SECONDS - t0)) s"
check "vsock_loopback unloads once vsock_test's sockets are gone" -- wait_for 30 rmmod vsock_loopback
nsv_load || done_testing
t0=$SECONDS
suite "$LAB_TMP/nsvsock.res"
diag "vsock_test on nsvsock: $((SECONDS - t0)) s"
new_netns vtp && "${NSV_PY[@]}" write vtp /proc/sys/net/nsvsock/child_ns_mode local >/dev/null &&
	mk_child vtp vtl
is "$(ip netns exec vtl cat /proc/sys/net/nsvsock/ns_mode 2>&1)" local "a local namespace for the third run"
t0=$SECONDS
suite "$LAB_TMP/local.res" vtl
diag "vsock_test on nsvsock in a local namespace: $((SECONDS - t0)) s"

declare -A res
for run in loopback nsvsock local; do
	while read -r id r; do res[$run.$id]=$r; done <"$LAB_TMP/$run.res"
done
diag "$(printf '%-3s %-46s %-8s %-8s %s' ID case loopback nsvsock 'nsvsock (local)')"
for id in "${!names[@]}"; do
	lo=${res[loopback.$id]:-}
	ns=${res[nsvsock.$id]:-}
	lc=${res[local.$id]:-}
	diag "$(printf '%-3s %-46s %-8s %-8s %s' "$id" "${names[$id]}" "${lo:--}" "${ns:--}" "${lc:--}")"
	if [ "$lo" != ok ]; then
		skip "vsock_test $id ${names[$id]}: fails on vsock_loopback (${lo:-not run}), nothing to compare"
		continue
	fi
	[ "$ns" = ok ] && [ "$lc" = ok ]
	ok $? "vsock_test $id ${names[$id]}: ok on vsock_loopback, ${ns:-not run} on nsvsock, ${lc:-not run} in a local namespace"
done
is "$(nsv_counter module_refused)" 0 "no packet of vsock_test was refused"
done_testing
