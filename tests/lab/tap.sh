# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by every lab test script (tests/lab/t/*.sh, tests/lab/solo/*.sh).
# Scripts run as root inside the lab VM, in the build tree, and print one
# result a line: "ok - what" or "not ok - what", "# ..." for diagnostics.
# The runner numbers the results and prefixes the kernel; a script's non-zero
# exit status or a timeout counts as one more failure.
#
# Environment: LAB_KERNEL (uname -r of the guest), NSV_BUILDDIR, NSV_SRCDIR,
# PATH starting with the build tree's tool directories.

set -u

# No CID names but those a test asks for: the host's /etc/vsock-hosts is
# mounted in the VM, and the VM's own processes are scanned for VMs.
export NSV_VSOCK_HOSTS=

TAP_FAILED=0
LAB_TMP=$(mktemp -d /tmp/lab.XXXXXX)
LAB_NETNS=()
LAB_PIDS=()

# ok COND-EXIT-STATUS DESCRIPTION: report the status of the last command.
# Usage: cmp a b; ok $? "a equals b"
ok() {
	local rc=$1
	shift
	if [ "$rc" -eq 0 ]; then
		echo "ok - $*"
	else
		echo "not ok - $*"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
	return "$rc"
}

# check DESCRIPTION -- COMMAND...: run COMMAND, report whether it succeeded.
check() {
	local desc=$1
	shift
	[ "${1:-}" = "--" ] && shift
	"$@"
	ok $? "$desc"
}

# is GOT WANT DESCRIPTION: string equality, with a diagnostic on mismatch.
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		diag "got:  $(printf %q "$1")"
		diag "want: $(printf %q "$2")"
		ok 1 "$3"
	fi
}

# matches TEXT REGEX: a line of TEXT matches the extended REGEX, as with
# grep -E; a REGEX of several lines: as many lines in a row, each matching
# its line. Short texts without a program (each costs ~0.1 s in the VM).
matches() {
	local l i k
	local -a parts lines
	[ -n "$1" ] || return 1
	if [[ $2 != *$'\n'* ]]; then
		if [ ${#1} -gt 8192 ]; then
			printf '%s' "$1" | grep -Eq -- "$2"
			return
		fi
		while IFS= read -r l; do
			[[ $l =~ $2 ]] && return 0
		done <<<"${1%$'\n'}"
		return 1
	fi
	mapfile -t parts <<<"$2"
	mapfile -t lines <<<"${1%$'\n'}"
	for ((i = 0; i + ${#parts[@]} <= ${#lines[@]}; i++)); do
		for ((k = 0; k < ${#parts[@]}; k++)); do
			[[ ${lines[i + k]} =~ ${parts[k]} ]] || break
		done
		[ "$k" = ${#parts[@]} ] && return 0
	done
	return 1
}

# like GOT REGEX DESCRIPTION: extended-regex match.
like() {
	if matches "$1" "$2"; then
		ok 0 "$3"
	else
		diag "got:  $(printf %q "$1")"
		diag "want: /$2/"
		ok 1 "$3"
	fi
}

skip() {
	echo "ok - $* # SKIP"
}

diag() {
	printf '# %s\n' "$*"
}

# Load kernel modules; a failure is reported as a test failure.
need_modules() {
	local m
	for m in "$@"; do
		modprobe "$m" 2>"$LAB_TMP/modprobe.err" ||
			ok 1 "modprobe $m: $(cat "$LAB_TMP/modprobe.err")" || return 1
	done
}

# The kernel's major.minor as a comparable number: 6.12 -> 612, 7.3 -> 703.
kernel_num() {
	local maj min
	IFS=. read -r maj min _ <<<"$LAB_KERNEL"
	echo $((maj * 100 + min))
}

# new_netns NAME: a throw-away network namespace with lo up, deleted at exit.
new_netns() {
	ip netns add "$1" && ip -n "$1" link set lo up && LAB_NETNS+=("$1")
}

# bg COMMAND...: start COMMAND in the background in a process group of its
# own, so that it and all its children are killed at exit; sets BG_PID.
bg() {
	setsid "$@" &
	BG_PID=$!
	LAB_PIDS+=("$BG_PID")
}

# wait_for SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" 2>/dev/null; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# vsock_listening PORT [NETNS]: sock_diag (ss from iproute2) lists a vsock
# listener on PORT. One program a poll: under emulation each costs ~0.1 s.
vsock_listening() {
	local out
	if [ -n "${2:-}" ]; then
		out=$(ip netns exec "$2" ss --vsock -lnH 2>/dev/null)
	else
		out=$(ss --vsock -lnH 2>/dev/null)
	fi
	[[ $out == *":$1 "* ]]
}

# wait_vsock_listen PORT [SECONDS [NETNS]]: until a listener is ready.
wait_vsock_listen() {
	wait_for "${2:-20}" vsock_listening "$1" "${3:-}"
}

# del_netns NAME...: delete these namespaces with one ip process (one
# process a namespace costs a second per 15 under emulation) and forget
# them; ip names each that could not go, and then they are kept.
del_netns() {
	local n keep=()
	local -A gone=()
	[ $# -gt 0 ] || return 0
	printf 'netns del %s\n' "$@" | ip -force -batch - || return 1
	for n in "$@"; do gone[$n]=1; done
	for n in "${LAB_NETNS[@]}"; do
		[ -n "${gone[$n]:-}" ] || keep+=("$n")
	done
	LAB_NETNS=("${keep[@]}")
}

lab_cleanup() {
	local p
	for p in "${LAB_PIDS[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null
	done
	for p in "${LAB_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	del_netns "${LAB_NETNS[@]}" >/dev/null 2>&1
	rm -rf "$LAB_TMP"
}
trap lab_cleanup EXIT

# done_testing: the last line of every script; exit status = failures seen.
done_testing() {
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}
