#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The tools read the per-netns modes wherever they are: vsockstat -A shows
# each namespace's mode (table and JSON, also through --record/--replay),
# and vncat's refused connect from a local namespace says it is local. On
# 6.x from nsvsock's /proc/sys/net/nsvsock, on 7.x from the kernel's own
# /proc/sys/net/vsock; on 6.x without the module there is no mode at all.
# The initial namespace's child_ns_mode is never written (shared VM).
. "$NSV_SRCDIR/tests/lab/tap.sh"
. "$NSV_SRCDIR/tests/lab/nsvsock.sh"

if in_tree; then
	need_modules vsock_loopback vsock_diag || done_testing
	impl="Linux $LAB_KERNEL in tree"
else
	nsv_load && need_modules vsock_diag || done_testing
	impl=nsvsock
fi
d=$(modes_dir)
T=$LAB_TMP
mk="$NSV_SRCDIR/tests/lab/vsockstat-mksock.py"

# tg global; tp global, making local children; tl, made inside tp, local.
new_netns tg && new_netns tp || { ok 1 "ip netns add tg tp"; done_testing; }
"${NSV_PY[@]}" write tg "$d"/child_ns_mode global tp "$d"/child_ns_mode local \
	>"$T/wr"
is "$(paste -sd' ' "$T/wr")" "ok ok" "[$impl] tg keeps global children, tp makes local ones"
mk_child tp tl || { ok 1 "tl made inside tp"; done_testing; }

# A listener in the initial namespace, in tl and in tg.
bg python3 "$mk" listen:stream:6100 --netns /run/netns/tl listen:stream:6200 \
	--netns /run/netns/tg listen:stream:6300 >"$T/mk"
held=$BG_PID
wait_for 30 grep -q READY "$T/mk" || { ok 1 "listeners: $(cat "$T/mk")"; done_testing; }

# --- vsockstat -A: JSON
vsockstat -A -j >"$T/all.json"
ok $? "vsockstat -A -j"
mine() { # the initial namespace and ours, one "label=mode/child/sysctl" a line
	jq -r --arg l0 "$(jq -r '.netns[0].label' "$T/all.json")" \
		'.netns[] | select(.label == $l0 or .label == "tg" or .label == "tp" or
			.label == "tl") |
		"\(.label)=\(.ns_mode)/\(.child_ns_mode)/\(.ns_mode_sysctl)"' "$1" |
		sort | paste -sd' '
}
l0=$(jq -r '.netns[0].label' "$T/all.json")
want=$(printf '%s\n' "$l0=global/global/$d" "tg=global/global/$d" \
	"tp=global/local/$d" "tl=local/local/$d" | sort | paste -sd' ')
is "$(mine "$T/all.json")" "$want" \
	"JSON: ns_mode, child_ns_mode and ns_mode_sysctl ($d) of each namespace"
python3 "$NSV_SRCDIR/tests/lab/vsockstat-check.py" schema "$T/all.json" |
	grep -v '^ok' | sed 's/^/# /'
ok "${PIPESTATUS[0]}" "JSON: the vsockstat/1 schema holds"
is "$(jq -r '.sockets[] | select(.local.port == 6200) | .netns' "$T/all.json")" tl \
	"the local namespace's listener is listed under tl"

# --- vsockstat -A: the table and the summary
like "$(vsockstat -A | head -n 1)" '^Netns +Mode +Type ' "table: a Mode column after Netns"
like "$(vsockstat -A -n | grep ' \*:6200 ')" '^tl +local +stream +LISTEN ' \
	"table: tl's listener row says local"
like "$(vsockstat -A -n | grep ' \*:6300 ')" '^tg +global +stream +LISTEN ' \
	"table: tg's listener row says global"
like "$(vsockstat -A -s | grep '^tl ')" '^tl +local +1 socket:' "summary: tl local"

# --- a recording keeps the modes
vsockstat -A --record "$T/rec.diag" >/dev/null &&
	vsockstat --replay "$T/rec.diag" -j >"$T/replay.json"
ok $? "vsockstat -A --record, then --replay"
is "$(mine "$T/replay.json")" "$want" "--replay shows the recorded modes and directory"

# --- vncat: a refused connect from a local namespace says why it may be
hint="; this network namespace's vsock mode is local ($d/ns_mode): the listener may be in another namespace, out of its reach"
ip netns exec tl vncat 1 6100 </dev/null 2>"$T/err"
rc=$?
is "$rc $(cat "$T/err")" "1 vncat: nothing listening on local:6100$hint" \
	"tl -> the initial namespace's listener: refused, and vncat says tl is local"
vncat -N tl 1 6300 </dev/null 2>"$T/err"
rc=$?
is "$rc $(cat "$T/err")" "1 vncat: nothing listening on local:6300$hint" \
	"vncat -N tl -> tg's listener: the same, with the namespace vncat entered"
ip netns exec tl vncat --retry 1 1 6100 </dev/null 2>"$T/err"
rc=$?
is "$rc $(cat "$T/err")" "1 vncat: nothing listening on local:6100 (kept retrying for 1 s)$hint" \
	"... and after --retry"
ip netns exec tp vncat 1 6999 </dev/null 2>"$T/err"
rc=$?
is "$rc $(cat "$T/err")" "1 vncat: nothing listening on local:6999" \
	"tp (global, local children) -> a closed port: no word of modes"
ip netns exec tg vncat 1 6999 </dev/null 2>"$T/err"
rc=$?
is "$rc $(cat "$T/err")" "1 vncat: nothing listening on local:6999" \
	"tg (global) -> a closed port: no word of modes"

if in_tree; then
	done_testing
fi

# --- 6.x without the module: no modes anywhere
kill -TERM -- "-$held" 2>/dev/null
wait "$held" 2>/dev/null
nsv_unload
ok $? "rmmod nsvsock"
vsockstat -A -j >"$T/none.json"
ok $? "vsockstat -A -j without the module"
is "$(jq -r '[.netns[] | "\(.ns_mode)/\(.child_ns_mode)/\(.ns_mode_sysctl)"] | unique | join(",")' \
	"$T/none.json")" "null/null/null" "JSON: every mode null, no directory"
like "$(vsockstat -A | head -n 1)" '^Netns +Type ' "table: no Mode column"
done_testing
