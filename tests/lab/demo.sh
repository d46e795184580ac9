#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The demo: every tests/lab/demo/*.sh in order, each a short story told
# with real vsock traffic. Run by scripts/demo (in the lab VM by default).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export NSV_DEMO_TMP=$(mktemp -d /tmp/demo.XXXXXX)
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
export -f say run
modprobe vsock_loopback 2>/dev/null
modprobe vsock_diag 2>/dev/null
modprobe vsockmon 2>/dev/null
rc=0
for d in "$here"/demo/*.sh; do
	bash "$d" || rc=1
done
exit $rc
