# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034
# Sourced after tap.sh by the lab scripts of kmod-nsvsock (tests/lab/kmod/):
# the module built for this kernel (make lab-kmod), loading and unloading it,
# its counters, and the sysctls of the per-netns modes: the module's on 6.x,
# the kernel's own on 7.x, where the modes are in tree and nsvsock is not
# built.

NSV_KO=$NSV_BUILDDIR/kmod-build/$LAB_KERNEL/nsvsock.ko
NSV_PY=(python3 "$NSV_SRCDIR/tests/lab/vsock-ns.py")

# in_tree: this kernel has per-netns vsock of its own (Linux 7.0+).
in_tree() {
	[ "$(kernel_num)" -ge 700 ]
}

# skip_in_tree WHAT: on 7.x, report this script skipped and leave.
skip_in_tree() {
	if in_tree; then
		skip "$* (Linux $LAB_KERNEL has per-netns vsock in tree; nsvsock is for 6.x)"
		exit 0
	fi
}

# modes_dir: where ns_mode and child_ns_mode are.
modes_dir() {
	if in_tree; then
		echo /proc/sys/net/vsock
	else
		echo /proc/sys/net/nsvsock
	fi
}

# nsv_load: insmod nsvsock, unloading vsock_loopback first if it holds the
# LOCAL slot, and nsvsock itself if an earlier script left it loaded (its
# state, child_ns_mode included, starts afresh). A failure is a test
# failure.
nsv_load() {
	if lsmod | grep -q '^nsvsock '; then
		nsv_unload || ok 1 "rmmod nsvsock left loaded before: $(cat /sys/module/nsvsock/refcnt) users" ||
			return 1
	fi
	if lsmod | grep -q '^vsock_loopback '; then
		# closed sockets of an earlier test may still hold it a while
		wait_for 30 rmmod vsock_loopback ||
			ok 1 "rmmod vsock_loopback: still $(cat /sys/module/vsock_loopback/refcnt) users" ||
			return 1
	fi
	[ -f "$NSV_KO" ] || ok 1 "$NSV_KO was built (make lab-kmod)" || return 1
	modprobe vmw_vsock_virtio_transport_common &&
		insmod "$NSV_KO" 2>"$LAB_TMP/insmod.err" ||
		ok 1 "insmod nsvsock: $(cat "$LAB_TMP/insmod.err")" || return 1
}

# nsv_unload: rmmod nsvsock; closed sockets can linger for vsock's close
# timeout (8 s) when unread data was left behind.
nsv_unload() {
	wait_for 30 rmmod nsvsock
}

# nsv_counter NAME [NETNS]: a line of /proc/net/nsvsock.
nsv_counter() {
	local f=/proc/net/nsvsock
	if [ -n "${2:-}" ]; then
		ip netns exec "$2" awk -v k="$1" '$1 == k { print $2 }' "$f"
	else
		awk -v k="$1" '$1 == k { print $2 }' "$f"
	fi
}

# mk_child PARENT CHILD: a namespace created from inside PARENT (so it
# inherits PARENT's child_ns_mode), named CHILD in /run/netns, lo up.
mk_child() {
	touch "/run/netns/$2" &&
		nsenter --net="/run/netns/$1" unshare --net="/run/netns/$2" true &&
		ip -n "$2" link set lo up && LAB_NETNS+=("$2")
}
