#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vsock between CID domains of namespaces, for nsvsock's lab tests (VM only).

Namespaces as in vsock-ns.py (names under /run/netns, or "init").

  vsock-domain.py localcid NS...
        each: IOCTL_VM_SOCKETS_GET_LOCAL_CID on /dev/vsock in NS
  vsock-domain.py matrix --listen NS:CID:PORT... SRC>CID:PORT=EXPECT...
        listeners bound to CID (a number or "any") in NS; then each cell
        connects from SRC. "ok": connected, data both ways, and both ends
        named (the TAP line gives the peer each end sees); otherwise
        connect() fails with EXPECT and no listener has anything to accept.
  vsock-domain.py hold SRC>CID:PORT LISTEN-NS:BIND-CID
        one connection kept open until killed ("HOLDING" once connected)
  vsock-domain.py --cid CID stress|stream ARGS...
        vsock-ns.py's stress or stream, connecting to CID instead of 1
"""
import array
import fcntl
import importlib.util
import os
import select
import signal
import socket
import sys

spec = importlib.util.spec_from_file_location(
    "vsock_ns", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             "vsock-ns.py"))
ns = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ns)


def cid_of(text):
    return socket.VMADDR_CID_ANY if text == "any" else int(text)


def cmd_localcid(names):
    for name in names:
        ns.enter(name)
        buf = array.array("I", [0])
        with open("/dev/vsock", "rb") as f:
            fcntl.ioctl(f, socket.IOCTL_VM_SOCKETS_GET_LOCAL_CID, buf, True)
        print("%s %d" % (name, buf[0]))
    return 0


def listen(where, cid, port):
    ns.enter(where)
    s = ns.vsock()
    s.bind((cid, port))
    s.listen(16)
    s.setblocking(False)
    return s


def connect(src, cid, port):
    ns.enter(src)
    c = ns.vsock()
    ns.connect_timeout(c, 20)
    try:
        c.connect((cid, port))
        return c, "ok"
    except OSError as e:
        c.close()
        return None, ns.ename(e)


def accept_any(listeners, timeout):
    r, _, _ = select.select(listeners, [], [], timeout)
    for s in r:
        try:
            return s.accept()
        except BlockingIOError:
            pass
    return None, None


def cmd_matrix(listens, cells):
    listeners = [listen(w, cid_of(c), int(p))
                 for w, c, p in (x.split(":") for x in listens)]
    failed = 0
    for cell in cells:
        route, expect = cell.split("=")
        src, dst = route.split(">")
        cid, port = (int(x) for x in dst.split(":"))
        what = "%s -> %d:%d: " % (src, cid, port)
        c, got = connect(src, cid, port)
        detail = ""
        if c:
            a, peer = accept_any(listeners, 5)
            if a is None:
                got = "nothing to accept"
            else:
                a.settimeout(5)
                c.settimeout(5)
                msg = route.encode()
                c.sendall(msg)
                if a.recv(100) == msg:
                    a.sendall(msg[::-1])
                    if c.recv(100) != msg[::-1]:
                        got = "EBADMSG"
                else:
                    got = "EBADMSG"
                detail = " (the connector sees %d:%d, the listener %d:%d)" % (
                    c.getpeername() + peer)
                a.close()
            c.close()
        else:
            a, peer = accept_any(listeners, 0.2)
            if a is not None:
                got += ", yet a listener accepted %s" % (peer,)
                a.close()
        if expect == "ok":
            text = "connects, data both ways" + detail
        else:
            text = "connect() fails with %s, no listener gets anything" % expect
        failed += not ns.tap(got == expect, what + text +
                             ("" if got == expect else " (got %s)" % got))
    return failed


def cmd_hold(route, listener):
    src, dst = route.split(">")
    cid, port = (int(x) for x in dst.split(":"))
    where, bind = listener.split(":")
    ls = listen(where, cid_of(bind), port)
    ls.setblocking(True)
    c, got = connect(src, cid, port)
    if not c:
        print("# hold %s: %s" % (route, got))
        return 1
    a, _ = ls.accept()
    print("HOLDING", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.pause()
    return 0


def main(argv):
    if not argv:
        sys.exit(__doc__)
    cmd = argv.pop(0)
    if cmd == "--cid":
        # vsock-ns.py connects to its CID_LOCAL: point it at a domain CID
        ns.CID_LOCAL = int(argv.pop(0))
        return ns.main(argv)
    if cmd == "localcid":
        return cmd_localcid(argv)
    if cmd == "matrix":
        listens = []
        while argv and argv[0] == "--listen":
            listens.append(argv[1])
            del argv[:2]
        return 1 if cmd_matrix(listens, argv) else 0
    if cmd == "hold":
        return cmd_hold(*argv)
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
