#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run a command as an unprivileged user in new user and network namespaces
(lab VM only; run as root).

  userns.py UID COMMAND [ARGS...]

The lab's tests run in a chroot, and unshare(CLONE_NEWUSER) fails with
EPERM in a chroot. So, in a private mount namespace of its own, this leaves
the chroot, moves the chroot's root mount onto "/" (as switch_root does) and
enters it: the same files, now the namespace's root. Then it drops to UID
(and the same GID, no groups) and runs `unshare -Urn COMMAND`: root of a user
namespace that UID made, in a network namespace that user namespace owns.
"""
import ctypes
import os
import sys

CLONE_NEWNS = 0x00020000
MS_MOVE = 0x2000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
libc = ctypes.CDLL(None, use_errno=True)


def check(rc, what):
    if rc != 0:
        e = ctypes.get_errno()
        sys.exit("userns.py: %s: %s" % (what, os.strerror(e)))


def make_private():
    check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None),
          "mount --make-rprivate /")


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    uid = int(argv[0])
    check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    make_private()
    chroot_root = os.stat("/")
    # Out of the chroot: chroot below the cwd, then climb from the old root.
    old = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    os.makedirs("/tmp/.userns-escape", exist_ok=True)
    os.chroot("/tmp/.userns-escape")
    os.fchdir(old)
    os.close(old)
    for _ in range(64):
        os.chdir("..")
    os.chroot(".")
    make_private()
    top = None
    for name in os.listdir("/"):
        st = os.stat("/" + name)
        if (st.st_dev, st.st_ino) == (chroot_root.st_dev, chroot_root.st_ino):
            top = "/" + name
    if top is None:
        sys.exit("userns.py: the chroot's root is not a directory of /")
    os.chdir(top)
    check(libc.mount(b".", b"/", None, MS_MOVE, None), "mount --move . /")
    os.chroot(".")
    os.chdir("/")
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    os.execvp("unshare", ["unshare", "-Urn"] + argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
