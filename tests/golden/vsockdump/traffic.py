#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Vsock conversations over loopback (CID 1) for the golden captures; run in
# the lab VM only. Payloads are fixed text, so -X/-A outputs are readable.
import socket
import sys
import threading
import time

CID = 1


def listener(port, kind=socket.SOCK_STREAM, bufsize=None):
    s = socket.socket(socket.AF_VSOCK, kind)
    if bufsize:
        s.setsockopt(socket.AF_VSOCK, socket.SO_VM_SOCKETS_BUFFER_SIZE,
                     bufsize)
    s.bind((socket.VMADDR_CID_ANY, port))
    s.listen(1)
    return s


def serve(s, handler):
    t = threading.Thread(target=lambda: handler(s.accept()[0]))
    t.start()
    return t


def lines(n):
    return b"".join(b"line %03d of a vsock stream\n" % i for i in range(n))


def stream():
    """Request, reply, half-close (SHUTDOWN send), close."""
    def echo(c):
        got = b""
        while True:
            b = c.recv(4096)
            if not b:
                break
            got += b
        c.sendall(b"got %d bytes\n" % len(got))
        c.close()
    s = listener(1234)
    t = serve(s, echo)
    c = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
    c.connect((CID, 1234))
    c.sendall(b"hello vsock\n")
    c.sendall(lines(40))
    c.shutdown(socket.SHUT_WR)
    assert c.recv(100).startswith(b"got ")
    c.close()
    t.join()
    s.close()


def seqpacket():
    """Messages keep their bounds; MSG_EOR marks a record."""
    def reply(c):
        n = 0
        while True:
            m = c.recv(4096)
            if not m:
                break
            n += 1
        c.send(b"%d messages" % n)
        c.close()
    s = listener(1235, socket.SOCK_SEQPACKET)
    t = serve(s, reply)
    c = socket.socket(socket.AF_VSOCK, socket.SOCK_SEQPACKET)
    c.connect((CID, 1235))
    c.send(b"first message")
    c.sendmsg([b"a record"], [], socket.MSG_EOR)
    c.send(b"x" * 700)
    c.shutdown(socket.SHUT_WR)
    assert c.recv(100).endswith(b"messages")
    c.close()
    t.join()
    s.close()


def refused():
    """Nobody listens on port 1299: REQUEST answered by RST."""
    c = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
    try:
        c.connect((CID, 1299))
        sys.exit("connect to 1299 succeeded")
    except ConnectionResetError:
        pass
    c.close()


def credit():
    """A 4 KiB receive buffer read slowly: the sender runs out of credit."""
    def slow(c):
        while True:
            time.sleep(0.05)
            if not c.recv(1024):
                break
        c.close()
    s = listener(1236, bufsize=4096)
    t = serve(s, slow)
    c = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
    c.connect((CID, 1236))
    c.sendall(b"".join(b"%04d credit test payload.....\n" % i
                       for i in range(512)))
    c.close()
    t.join()
    s.close()


def trickle():
    """A line every 0.1 s for 4 s over one connection (for -G in the lab)."""
    def drain(c):
        while c.recv(4096):
            pass
        c.close()
    s = listener(1250)
    t = serve(s, drain)
    c = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
    c.connect((CID, 1250))
    end = time.monotonic() + 4
    i = 0
    while time.monotonic() < end:
        c.sendall(b"line %d\n" % i)
        i += 1
        time.sleep(0.1)
    c.close()
    t.join()
    s.close()


if __name__ == "__main__":
    for name in sys.argv[1:]:
        globals()[name]()
