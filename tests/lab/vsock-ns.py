#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vsock across network namespaces, for the lab's nsvsock tests (VM only).

One process moves between namespaces with setns(2), so sockets of several
namespaces live side by side. Namespaces are names under /run/netns, or
"init" for the initial one. Results are TAP lines ("ok - ..."), errors are
errno names (ECONNRESET, EADDRINUSE, ...).

  vsock-ns.py write NS FILE VALUE...     each: a line, ok or the errno name
  vsock-ns.py matrix [--port P] SRC>DST/TYPE=EXPECT...
  vsock-ns.py bind [--port P] HOLDER:BINDER=EXPECT...
  vsock-ns.py ephemeral NS1 NS2 EXPECT   NS2 binds the port NS1 got from bind(ANY)
  vsock-ns.py stress --cycles N --client NS --server NS [--refused NS]
                     [--port P] [--size BYTES]
  vsock-ns.py stream CLIENT>SERVER:PORT[:noread]...
"""
import ctypes
import errno
import hashlib
import os
import signal
import socket
import struct
import sys
import threading
import time

CLONE_NEWNET = 0x40000000
SO_VM_SOCKETS_CONNECT_TIMEOUT = 6  # struct timeval; vsock's default is 2 s
CID_LOCAL = 1
TYPES = {"stream": socket.SOCK_STREAM, "seqpacket": socket.SOCK_SEQPACKET}
libc = ctypes.CDLL(None, use_errno=True)


def enter(ns):
    path = "/proc/1/ns/net" if ns == "init" else "/run/netns/" + ns
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns %s: %s" % (ns, os.strerror(e)))
    finally:
        os.close(fd)


def ename(e):
    return errno.errorcode.get(e.errno, str(e.errno)) if e.errno else str(e)


def connect_timeout(s, secs):
    """SO_VM_SOCKETS_CONNECT_TIMEOUT takes a struct timeval, which Python's
    setsockopt cannot pass for AF_VSOCK: through libc."""
    tv = struct.pack("ll", secs, 0)
    if libc.setsockopt(s.fileno(), socket.AF_VSOCK,
                       SO_VM_SOCKETS_CONNECT_TIMEOUT, tv, len(tv)) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def tap(good, what):
    print("%s - %s" % ("ok" if good else "not ok", what), flush=True)
    return good


def vsock(kind="stream"):
    return socket.socket(socket.AF_VSOCK, TYPES[kind])


def listener(ns, port, kind="stream"):
    enter(ns)
    s = vsock(kind)
    s.bind((socket.VMADDR_CID_ANY, port))
    s.listen(64)
    return s


def cmd_write(args):
    for ns, path, value in zip(args[0::3], args[1::3], args[2::3]):
        enter(ns)
        try:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, (value + "\n").encode())
            finally:
                os.close(fd)
            print("ok")
        except OSError as e:
            print(ename(e))


def try_connect(src, port, kind):
    """connect from src to local:port; the socket and "ok" or an errno."""
    enter(src)
    c = vsock(kind)
    try:
        c.connect((CID_LOCAL, port))
        return c, "ok"
    except OSError as e:
        c.close()
        return None, ename(e)


def cmd_matrix(port, cells):
    """Each SRC>DST/TYPE=EXPECT: a client in SRC connects to a listener of
    DST. "ok" means it connected, its bytes reached the listener of DST and
    the answer came back; otherwise connect() must fail with EXPECT and the
    listener must have nothing to accept."""
    listeners = {}
    plan = []
    for cell in cells:
        route, expect = cell.split("=")
        pair, kind = route.split("/")
        src, dst = pair.split(">")
        if (dst, kind) not in listeners:
            listeners[(dst, kind)] = (port, listener(dst, port, kind))
            port += 1
        plan.append((src, dst, kind, expect))
    failed = 0
    for src, dst, kind, expect in plan:
        lport, ls = listeners[(dst, kind)]
        what = "%s -> %s %s: " % (src, dst, kind)
        c, got = try_connect(src, lport, kind)
        if c:
            ls.settimeout(5)
            try:
                a, _ = ls.accept()
                msg = ("%s to %s" % (src, dst)).encode()
                c.sendall(msg)
                a.settimeout(5)
                if a.recv(100) == msg:
                    a.sendall(msg[::-1])
                    got = "ok" if c.recv(100) == msg[::-1] else "EBADMSG"
                else:
                    got = "EBADMSG"
                a.close()
            except OSError as e:
                got = "accept " + ename(e)
            c.close()
        else:
            # Nothing may have reached the listener.
            ls.setblocking(False)
            try:
                a, peer = ls.accept()
                a.close()
                got += ", yet the listener accepted %s" % (peer,)
            except BlockingIOError:
                pass
        if expect == "ok":
            text = "connects, data both ways"
        else:
            text = "connect() fails with %s, the listener gets nothing" % expect
        failed += not tap(got == expect, what + text +
                          ("" if got == expect else " (got %s)" % got))
    return failed


def hold_bind(ns, port, kind="stream"):
    enter(ns)
    s = vsock(kind)
    s.bind((socket.VMADDR_CID_ANY, port))
    return s


def try_bind(ns, port, kind="stream"):
    try:
        s = hold_bind(ns, port, kind)
        s.close()
        return "ok"
    except OSError as e:
        return ename(e)


def cmd_bind(port, cells):
    failed = 0
    for cell in cells:
        pair, expect = cell.split("=")
        holder, binder = pair.split(":")
        held = hold_bind(holder, port)
        got = try_bind(binder, port)
        held.close()
        failed += not tap(got == expect, "port %d held in %s, bound in %s: %s"
                          % (port, holder, binder, got))
        port += 1
    return failed


def cmd_ephemeral(ns1, ns2, expect):
    enter(ns1)
    s = vsock()
    s.bind((socket.VMADDR_CID_ANY, socket.VMADDR_PORT_ANY))
    port = s.getsockname()[1]
    got = try_bind(ns2, port)
    s.close()
    return not tap(got == expect, "%s binds the port %s got from the ephemeral "
                   "range (%d): %s" % (ns2, ns1, port, got))


def cmd_stress(cycles, client, server, refused, port, size):
    """cycles x (connect, size bytes, sha256 answered, close), client in one
    namespace and the listener in another (or the same); with --refused,
    every 50th cycle a client in that namespace must be reset."""
    ls = listener(server, port)
    ls.settimeout(30)
    data = os.urandom(size)
    digest = hashlib.sha256(data).digest()
    resets = 0
    slowest = 0.0
    t0 = time.monotonic()
    for i in range(cycles):
        if refused and i % 50 == 0:
            c, got = try_connect(refused, port, "stream")
            if got != "ECONNRESET":
                print("# cycle %d: %s -> %s gave %s, not ECONNRESET"
                      % (i, refused, server, got))
                return 1
            resets += 1
        enter(client)
        c = vsock()
        # A busy host can delay an answer past vsock's 2 s; a lost one
        # still fails, after 20 s.
        connect_timeout(c, 20)
        t = time.monotonic()
        try:
            c.connect((CID_LOCAL, port))
        except OSError as e:
            print("# cycle %d: connect %s after %.2f s (slowest before: "
                  "%.2f s)" % (i, ename(e), time.monotonic() - t, slowest))
            return 1
        slowest = max(slowest, time.monotonic() - t)
        c.settimeout(30)
        a, _ = ls.accept()
        a.settimeout(30)
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)
        h = hashlib.sha256()
        n = 0
        while True:
            b = a.recv(65536)
            if not b:
                break
            h.update(b)
            n += len(b)
        a.sendall(h.digest())
        a.close()
        back = c.recv(64)
        c.close()
        if n != size or back != digest:
            print("# cycle %d: %d of %d bytes, digest %s" % (i, n, size,
                  "ok" if back == digest else "wrong"))
            return 1
    print("# %s -> %s: %d cycles of %d bytes in %.1f s, %d resets seen, "
          "slowest connect %.2f s" % (client, server, cycles, size,
                                      time.monotonic() - t0, resets, slowest))
    print("STRESS-DONE %d %d" % (cycles, resets), flush=True)
    return 0


def drain(s):
    while s.recv(65536):
        pass


def cmd_stream(specs):
    """Each CLIENT>SERVER:PORT[:noread] in a child process of its own: a
    connection that sends until killed, its accepted end read by a thread
    (or, with noread, letting the data pile up in flight). SIGTERM to this
    process kills the children at once, sockets open."""
    children = []
    for spec in specs:
        route, port, *rest = spec.split(":")
        client, server = route.split(">")
        pid = os.fork()
        if pid:
            children.append(pid)
            continue
        ls = listener(server, int(port))
        enter(client)
        c = vsock()
        c.connect((CID_LOCAL, int(port)))
        a, _ = ls.accept()
        if "noread" not in rest:
            threading.Thread(target=drain, args=(a,), daemon=True).start()
        print("STREAMING %s" % spec, flush=True)
        block = b"\0" * 65536
        while True:
            c.sendall(block)

    def die(signum, frame):
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        os._exit(0)

    signal.signal(signal.SIGTERM, die)
    signal.signal(signal.SIGINT, die)
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return 0


def main(argv):
    def opt(name, default=None, conv=str):
        if name in argv:
            i = argv.index(name)
            val = argv[i + 1]
            del argv[i:i + 2]
            return conv(val)
        return default

    if not argv:
        sys.exit(__doc__)
    cmd = argv.pop(0)
    if cmd == "write":
        cmd_write(argv)
        return 0
    if cmd == "matrix":
        return 1 if cmd_matrix(opt("--port", 7000, int), argv) else 0
    if cmd == "bind":
        return 1 if cmd_bind(opt("--port", 7500, int), argv) else 0
    if cmd == "ephemeral":
        return 1 if cmd_ephemeral(*argv) else 0
    if cmd == "stress":
        return cmd_stress(opt("--cycles", 1000, int), opt("--client"),
                          opt("--server"), opt("--refused"),
                          opt("--port", 8000, int), opt("--size", 4096, int))
    if cmd == "stream":
        return cmd_stream(argv)
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
