#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Lab helper for the vsockstat tests: create vsock sockets in precise states
# (inside the lab VM only), print one JSON line per socket with what the
# kernel should report for it, then "READY", and hold them until killed.
#
#   vsockstat-mksock.py [--netns PATH] SPEC... [--netns PATH SPEC...]...
#   SPEC: listen:TYPE:PORT[:CID] a listener (bound to CID, default any)
#         bound:TYPE:PORT        bound, never connected (UNCONN)
#         pair:TYPE:PORT         listener + connected client + accepted end
#         shut:TYPE:PORT:HOW     a pair whose client called shutdown(HOW),
#                                HOW = rd, wr or rdwr
#         many:TYPE:PORT:N       N listeners on PORT, PORT+1, ... (not reported)
#         pairs:TYPE:PORT:N      one listener on PORT and N connections to it
#                                (2N sockets; not reported)
#   TYPE: stream or seqpacket. --netns enters that namespace (setns) for
#   the specs that follow it, so that one process can hold sockets of
#   several namespaces.
import ctypes
import json
import os
import signal
import socket
import struct
import sys
import time

ANY = socket.VMADDR_CID_ANY
TYPES = {"stream": socket.SOCK_STREAM, "seqpacket": socket.SOCK_SEQPACKET}
HOW = {"rd": socket.SHUT_RD, "wr": socket.SHUT_WR, "rdwr": socket.SHUT_RDWR}
held = []


def setns(path):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
        e = ctypes.get_errno()
        raise OSError(e, "setns %s: %s" % (path, os.strerror(e)))
    os.close(fd)


def report(s, tname, role, state, shutdown=(), peer=None):
    held.append(s)
    local = s.getsockname()
    try:
        peer = peer or s.getpeername()
    except OSError:
        peer = (ANY, 0xFFFFFFFF)
    print(json.dumps({
        "type": tname, "role": role, "state": state,
        "local": [local[0], local[1]], "peer": [peer[0], peer[1]],
        "shutdown": list(shutdown), "inode": os.fstat(s.fileno()).st_ino,
        "pid": os.getpid(), "fd": s.fileno()}), flush=True)


def listener(t, port, cid=ANY):
    s = socket.socket(socket.AF_VSOCK, TYPES[t])
    s.bind((cid, port))
    s.listen(64)
    return s


# SO_VM_SOCKETS_CONNECT_TIMEOUT (its old number: a struct timeval of two
# longs), through libc: Python takes only integers for AF_VSOCK options.
# The kernel's 2 s ran out on a loaded machine's TCG lab VM.
CONNECT_TIMEOUT = 6


def client(t):
    c = socket.socket(socket.AF_VSOCK, TYPES[t])
    tv = ctypes.create_string_buffer(struct.pack("ll", 60, 0))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setsockopt(c.fileno(), socket.AF_VSOCK, CONNECT_TIMEOUT, tv,
                       len(tv.raw)) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "SO_VM_SOCKETS_CONNECT_TIMEOUT: " + os.strerror(e))
    return c


def pair(t, port):
    ls = listener(t, port)
    c = client(t)
    c.connect((1, port))  # VMADDR_CID_LOCAL: loopback
    a, _ = ls.accept()
    return ls, c, a


def main(argv):
    # Each --netns enters a namespace for the specs after it: one process
    # can hold sockets of several namespaces.
    group = []
    while argv:
        if argv[0] == "--netns":
            make(group)
            group = []
            setns(argv[1])
            argv = argv[2:]
        else:
            group.append(argv.pop(0))
    make(group)
    print("READY", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


def make(argv):
    for spec in argv:
        f = spec.split(":")
        kind, t, port = f[0], f[1], int(f[2])
        if kind == "listen":
            cid = int(f[3]) if len(f) > 3 else ANY
            report(listener(t, port, cid), t, "listener", "LISTEN")
        elif kind == "many":
            for i in range(int(f[3])):
                held.append(listener(t, port + i))
        elif kind == "pairs":
            ls = listener(t, port)
            held.append(ls)
            for i in range(int(f[3])):
                c = client(t)
                c.connect((1, port))
                a, _ = ls.accept()
                held.extend((c, a))
        elif kind == "bound":
            s = socket.socket(socket.AF_VSOCK, TYPES[t])
            s.bind((ANY, port))
            report(s, t, "bound", "UNCONN")
        elif kind == "pair":
            ls, c, a = pair(t, port)
            report(ls, t, "listener", "LISTEN")
            report(c, t, "client", "ESTAB")
            report(a, t, "accepted", "ESTAB")
        elif kind == "shut":
            ls, c, a = pair(t, port)
            peer = c.getpeername()  # getpeername() fails once shut
            c.shutdown(HOW[f[3]])
            bits = {"rd": ["rcv"], "wr": ["send"], "rdwr": ["rcv", "send"]}[f[3]]
            report(ls, t, "listener", "LISTEN")
            # Shut both ways, the peer resets the connection and both ends
            # move on as the kernel sees fit (CLOSING, or gone from the
            # tables): the test compares those with ss rather than guessing.
            both = f[3] == "rdwr"
            if both:
                # Let that settle before anyone looks: the accepted end
                # reads EOF once the SHUTDOWN arrived, its RST follows.
                a.settimeout(10)
                try:
                    a.recv(1)
                except OSError:
                    pass
                time.sleep(0.5)
            report(c, t, "client", None if both else "ESTAB", bits, peer)
            report(a, t, "accepted", None if both else "ESTAB")
        else:
            sys.exit("unknown spec " + spec)


if __name__ == "__main__":
    main(sys.argv[1:])
