#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Where we are: the kernel and its vsock pieces.
say "Linux $(uname -r) with vsock loopback (CID 1), sock_diag and vsockmon"
run lsmod | grep -E '^(vsock|vmw_vsock|vsockmon)' || true
