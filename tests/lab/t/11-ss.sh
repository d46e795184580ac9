#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sock_diag works in the lab: ss --vsock -a shows a listener and both ends of
# an established loopback connection.
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing

bg socat -u VSOCK-LISTEN:2000 OPEN:/dev/null
wait_vsock_listen 2000
out=$(ss --vsock -a -n)
like "$out" 'LISTEN +0 +0 +\*:2000 +\*:\*' "ss shows the listener *:2000"

# Hold a connection open: the client's input never ends until killed.
bg sh -c 'sleep 60 | socat -u - VSOCK-CONNECT:1:2000'
wait_for 20 sh -c "ss --vsock -a -n | grep -q 'ESTAB.* 1:2000 '"
out=$(ss --vsock -a -n)
diag "$out"
like "$out" 'ESTAB +0 +0 +1:2000 +1:[0-9]+' "ss shows the accepted end 1:2000"
# The connecting end reports CID * (VMADDR_CID_ANY) as its local address.
like "$out" 'ESTAB +0 +0 +(\*|1):[0-9]+ +1:2000' "ss shows the connecting end, peer 1:2000"
done_testing
