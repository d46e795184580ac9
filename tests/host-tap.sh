# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the host shell tests (tests/*.test that run built tools on
# files, never on a kernel): TAP lines for automake's tap-driver, a
# throw-away directory, and the paths of the source and build trees.

set -u
src=${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
build=${abs_top_builddir:-$src}
golden=$src/tests/golden/vsockdump
vsockdump=$build/vsockdump/vsockdump
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nsv-host.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# No CID names from /etc/vsock-hosts or this machine's VMs (vsock-hosts(5)).
export TZ=UTC LC_ALL=C NSV_VSOCK_HOSTS=
TAP_N=0

# ok STATUS DESCRIPTION: a result from the status of the last command.
ok() {
	local rc=$1
	shift
	TAP_N=$((TAP_N + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $TAP_N - $*"
	else
		echo "not ok $TAP_N - $*"
	fi
	return "$rc"
}

# is GOT WANT DESCRIPTION: string equality, the two shown on a mismatch.
is() {
	[ "$1" = "$2" ]
	ok $? "$3" || {
		printf '# got:  %q\n' "$1"
		printf '# want: %q\n' "$2"
	}
}

# skip DESCRIPTION: a result that could not be had here (never a pass).
skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $* # SKIP"
}

done_testing() {
	echo "1..$TAP_N"
}
