#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The lab works: socat moves 4 MiB each way over vsock_loopback (CID 1),
# byte for byte.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
check "/dev/vsock exists once vsock is loaded" -- test -c /dev/vsock

head -c 4M /dev/urandom >"$LAB_TMP/up"
head -c 4M /dev/urandom >"$LAB_TMP/down"

# Upstream: the client sends, the listener writes what it got.
bg socat -u VSOCK-LISTEN:1234 CREATE:"$LAB_TMP/up.recv"
server=$BG_PID
check "socat listens on vsock port 1234" -- wait_vsock_listen 1234
check "socat sends 4 MiB to 1:1234" -- socat -u OPEN:"$LAB_TMP/up" VSOCK-CONNECT:1:1234
wait "$server"
is "$(sha256sum <"$LAB_TMP/up.recv")" "$(sha256sum <"$LAB_TMP/up")" \
	"4 MiB client to server arrive byte-identical (sha256)"

# Downstream: the listener sends, the client writes what it got.
bg socat -u OPEN:"$LAB_TMP/down" VSOCK-LISTEN:1235
server=$BG_PID
check "socat listens on vsock port 1235" -- wait_vsock_listen 1235
check "socat receives from 1:1235" -- socat -u VSOCK-CONNECT:1:1235 CREATE:"$LAB_TMP/down.recv"
wait "$server"
is "$(sha256sum <"$LAB_TMP/down.recv")" "$(sha256sum <"$LAB_TMP/down")" \
	"4 MiB server to client arrive byte-identical (sha256)"
done_testing
