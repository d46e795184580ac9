# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the nested suite's test scripts (tests/lab/nested/t/*.sh). They
# run in the lab VM, the host (CID 2), while the nested guest (CID 3) serves
# a shell to each connection on vsock port 9000: tap.sh, plus gsh and friends,
# which run the guest's side of a test through it.
#
# Environment from the suite: NESTED_CID, NESTED_CTL, NESTED_DIR (the
# guest's kernel and initramfs; down.bin and up.bin, 4 MiB each: the guest
# has its own copy of up.bin as /up.bin), NESTED_SHARED (a directory for what
# one script leaves to a later one), NESTED_CONSOLE (the guest's console).
. "$NSV_SRCDIR/tests/lab/tap.sh"

GUEST=$NESTED_CID

# gsh [-t SECS] SCRIPT: run SCRIPT in the guest (stdin /dev/null, stderr
# into stdout); print its output, return its status: 124 when it did not end
# within SECS (default 120), 125 when the guest's shell could not be reached.
# Each call is a connection of its own to a fresh shell, which reads the
# whole script from it: nothing in the script may read that stdin. The
# connect waits up to 60 s, not the kernel's 2: a busy guest answers late.
gsh() {
	local t=120 out rc
	if [ "${1:-}" = -t ]; then
		t=$2
		shift 2
	fi
	# The marker follows a newline of its own: output that does not end
	# in one still ends before it. The script writes into a pipe, never
	# to the connection itself: a vncat in it that got EOF shuts down
	# its output, which must not end the connection.
	out=$(printf '( (\n%s\n) </dev/null 2>&1; printf "\\n@@RC %%d\\n" $? ) | cat\n' "$*" |
		timeout -k 5 "$t" vncat -w 60 -n "$GUEST" "$NESTED_CTL" 2>&1)
	rc=$?
	case "$out" in
	*$'\n@@RC '[0-9]*)
		rc=${out##*$'\n@@RC '}
		out=${out%$'\n@@RC '*}
		out=${out%$'\n'}
		[ -z "$out" ] || printf '%s\n' "$out"
		return "$rc"
		;;
	esac
	[ -z "$out" ] || printf '%s\n' "$out"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "gsh: no answer from the guest within $t s"
		return 124
	fi
	echo "gsh: the guest's shell cannot be reached (vncat: $rc)"
	return 125
}

# gbg NAME COMMAND: start COMMAND in the guest in the background; its stdout
# and stderr go to /tmp/NAME.out and /tmp/NAME.err there (unless COMMAND
# redirects them), its exit status to /tmp/NAME.rc once it ends.
gbg() {
	gsh "rm -f /tmp/$1.rc; ( { $2; } >/tmp/$1.out 2>/tmp/$1.err </dev/null; echo \$? >/tmp/$1.rc ) >/dev/null 2>&1 </dev/null &"
}

# gwait NAME [SECS]: wait (default 120 s) for a gbg command to end; return
# its status, 124 if it is still running.
gwait() {
	local s=${2:-120}
	gsh -t $((s + 10)) "i=0
while [ ! -s /tmp/$1.rc ] && [ \$i -lt $((s * 5)) ]; do sleep 0.2; i=\$((i + 1)); done
[ -s /tmp/$1.rc ] || exit 124
exit \$(cat /tmp/$1.rc)"
}

