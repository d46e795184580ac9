#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Independent peers for vncat's lab tests (runs inside the lab VM only):
#   vmm UDS [--cid C] [--forward PORT]... [--answer TEXT | --silent]
#       a tiny Firecracker-style VMM over real vsock: "CONNECT P\n" on UDS is
#       answered "OK <port>\n" and relayed to vsock C:P; a vsock connection
#       to a --forward PORT is relayed to the Unix socket UDS_PORT.
#   seq-recv PORT|PATH OUT   accept one SEQPACKET connection (vsock PORT, or
#                            Unix socket PATH), write the size of each
#                            message received to OUT, one a line
#   seq-send-server PORT SIZES  accept one SEQPACKET connection, send
#                            messages of SIZES (comma-separated), close
#   seq-send CID PORT SIZES  connect with SEQPACKET and send SIZES
#   unix-seq OUT SIZES -- CMD...  run CMD with a SOCK_SEQPACKET Unix socket
#                            as stdin and stdout: send it messages of SIZES
#                            ("-" for none), then record each message CMD
#                            writes back in OUT
#   mkdata FILE MIB [SEED]   MIB MiB of test data, fast under emulation: one
#                            random MiB, each copy stamped with its number
#   mkdata-n PREFIX N MIB    the same for PREFIX.1 .. PREFIX.N (seeds 1..N)
#   vhost-ghost CID          register guest CID with vhost_vsock and never
#                            run it: connects to CID wait until they time out
#   hexlog FILE SENT RECV [TAG]  check a vncat -x dump line by line (format,
#                            ASCII column, offsets without gaps) and write the
#                            bytes of each direction ('>' and '<') to SENT
#                            and RECV; with TAG only lines of that connection
#   lines PORT OUT           accept one vsock connection, write a line to
#                            OUT for each line received: seconds since the
#                            first one, the number of the read that completed
#                            it (from 0), the line with its ending (repr)
#   on-pty OUT -- CMD...     run CMD with stderr on a pseudo-terminal (stdin
#                            and stdout are ours); what it shows goes to OUT
#   pty-session SCRIPT -- CMD...  run CMD as on a terminal (30x100, TERM
#                            xterm-256color) and follow SCRIPT: "send TEXT",
#                            "expect REGEX", "resize ROWS COLS", "wait-exit",
#                            "check-termios", "kill SIG", "wait-foreground
#                            ARGV" (a process running ARGV holds the
#                            terminal); one result a step
# Message n of SIZES carries bytes (n + i) & 0xff so reordering shows.
import os
import socket
import struct
import subprocess
import sys
import threading
import time

AF_VSOCK = socket.AF_VSOCK


def pattern(n, size):
    return bytes((n + i) & 0xFF for i in range(256)) * (size // 256) + \
        bytes((n + i) & 0xFF for i in range(size % 256))


def sizes_of(arg):
    return [] if arg == "-" else [int(x) for x in arg.split(",")]


def pump(src, dst):
    try:
        while True:
            b = src.recv(262144)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def relay(a, b):
    t = threading.Thread(target=pump, args=(b, a), daemon=True)
    t.start()
    pump(a, b)
    t.join()
    a.close()
    b.close()


def read_line(s):
    line = b""
    while not line.endswith(b"\n") and len(line) < 256:
        c = s.recv(1)
        if not c:
            break
        line += c
    return line


def vmm(args):
    uds = args[0]
    cid, forwards, answer, silent = 1, [], None, False
    i = 1
    while i < len(args):
        if args[i] == "--cid":
            cid = int(args[i + 1]); i += 2
        elif args[i] == "--forward":
            forwards.append(int(args[i + 1])); i += 2
        elif args[i] == "--answer":
            answer = args[i + 1]; i += 2
        elif args[i] == "--silent":
            silent = True; i += 1
        else:
            sys.exit("vmm: unknown argument " + args[i])

    def host_side(c):
        line = read_line(c)
        if silent:
            time.sleep(3600)
        if answer is not None:
            c.sendall(answer.encode())
            c.close()
            return
        parts = line.decode(errors="replace").split()
        if len(parts) != 2 or parts[0] != "CONNECT" or not line.endswith(b"\n"):
            c.close()
            return
        v = socket.socket(AF_VSOCK, socket.SOCK_STREAM)
        try:
            v.connect((cid, int(parts[1])))
        except OSError:
            c.close()  # what Firecracker does: no answer, just close
            return
        c.sendall(b"OK %d\n" % v.getsockname()[1])
        relay(c, v)

    def guest_side(c, port):
        u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            u.connect("%s_%d" % (uds, port))
        except OSError:
            c.close()
            return
        relay(c, u)

    def serve(lsock, fn, *extra):
        while True:
            c, _ = lsock.accept()
            threading.Thread(target=fn, args=(c,) + extra, daemon=True).start()

    if os.path.exists(uds):
        os.unlink(uds)
    u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    u.bind(uds)
    u.listen(64)
    for p in forwards:
        v = socket.socket(AF_VSOCK, socket.SOCK_STREAM)
        v.bind((socket.VMADDR_CID_ANY, p))
        v.listen(64)
        threading.Thread(target=serve, args=(v, guest_side, p), daemon=True).start()
    print("ready", flush=True)
    serve(u, host_side)


def seq_listen(port):
    if isinstance(port, str):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        s.bind(port)
        s.listen(1)
        print("ready", flush=True)
        c, _ = s.accept()
        return c
    s = socket.socket(AF_VSOCK, socket.SOCK_SEQPACKET)
    # Python passes an int option of an AF_VSOCK socket as the u64 it is
    s.setsockopt(AF_VSOCK, socket.SO_VM_SOCKETS_BUFFER_MAX_SIZE, 1 << 20)
    s.setsockopt(AF_VSOCK, socket.SO_VM_SOCKETS_BUFFER_SIZE, 1 << 20)
    s.bind((socket.VMADDR_CID_ANY, port))
    s.listen(1)
    print("ready", flush=True)
    c, _ = s.accept()
    return c


def check_msg(n, m):
    if m != pattern(n, len(m)):
        sys.exit("message %d has the wrong bytes" % n)


def seq_recv(port, out):
    c = seq_listen(port)
    got = []
    while True:
        m = c.recv(1 << 20)
        if not m:
            break
        check_msg(len(got), m)
        got.append(len(m))
    with open(out, "w") as f:
        f.write("".join("%d\n" % n for n in got))


def seq_send_server(port, sizes):
    c = seq_listen(port)
    for n, size in enumerate(sizes_of(sizes)):
        c.send(pattern(n, size))
    c.close()


def seq_send(cid, port, sizes):
    s = socket.socket(AF_VSOCK, socket.SOCK_SEQPACKET)
    s.connect((int(cid), int(port)))
    for n, size in enumerate(sizes_of(sizes)):
        s.send(pattern(n, size))
    s.close()


def unix_seq(out, sizes, cmd):
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    for s in (ours, theirs):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    p = subprocess.Popen(cmd, stdin=theirs, stdout=theirs)
    theirs.close()
    for n, size in enumerate(sizes_of(sizes)):
        ours.send(pattern(n, size))
    ours.shutdown(socket.SHUT_WR)
    got = []
    while True:
        m = ours.recv(1 << 20)
        if not m:
            break
        check_msg(len(got), m)
        got.append(len(m))
    with open(out, "w") as f:
        f.write("".join("%d\n" % n for n in got))
    sys.exit(p.wait())


def mkdata(path, mib, seed="0"):
    import hashlib
    # Neither os.urandom nor the random module (which seeds itself from it):
    # getrandom() blocks for many seconds in a freshly booted VM.
    r = hashlib.shake_256(b"%s/%s" % (seed.encode(), mib.encode())).digest(1 << 20)
    with open(path, "wb") as f:
        for i in range(int(mib)):
            f.write(i.to_bytes(8, "little") + r[8:])


def vhost_ghost(cid):
    import fcntl
    fd = os.open("/dev/vhost-vsock", os.O_RDWR)
    fcntl.ioctl(fd, 0xAF01)  # VHOST_SET_OWNER
    fcntl.ioctl(fd, 0x4008AF60, struct.pack("Q", int(cid)))  # SET_GUEST_CID
    print("ready", flush=True)
    while True:
        time.sleep(3600)


def hexlog(path, sent, recv, tag=None):
    import re
    line_re = re.compile(r"^(?:(\S+) )?([<>]) ([0-9a-f]{8,16})  "
                         r"((?:[0-9a-f ]{2} ){8} (?:[0-9a-f ]{2} ){8}) "
                         r"\|(.{1,16})\|$")
    out = {">": bytearray(), "<": bytearray()}
    with open(path, "rb") as f:
        for n, raw in enumerate(f.read().decode("latin-1").split("\n")[:-1], 1):
            m = line_re.match(raw)
            if not m:
                sys.exit("%s:%d: not a hex dump line: %r" % (path, n, raw))
            if tag is not None and m.group(1) != tag:
                continue
            cells = m.group(4).replace("  ", " ").split(" ")
            data = bytes(int(c, 16) for c in cells if c)
            ascii_ = "".join(chr(b) if 0x20 <= b < 0x7f else "." for b in data)
            if ascii_ != m.group(5):
                sys.exit("%s:%d: the ASCII column does not match" % (path, n))
            d = out[m.group(2)]
            if int(m.group(3), 16) != len(d):
                sys.exit("%s:%d: offset %s, expected %x" %
                         (path, n, m.group(3), len(d)))
            d.extend(data)
    with open(sent, "wb") as f:
        f.write(out[">"])
    with open(recv, "wb") as f:
        f.write(out["<"])


def lines(port, out):
    s = socket.socket(AF_VSOCK, socket.SOCK_STREAM)
    s.bind((socket.VMADDR_CID_ANY, int(port)))
    s.listen(1)
    print("ready", flush=True)
    c, _ = s.accept()
    buf, t0, got, reads = b"", None, [], -1
    while True:
        b = c.recv(65536)
        if not b:
            break
        reads += 1
        now = time.monotonic()
        t0 = t0 if t0 is not None else now
        buf += b
        while b"\n" in buf:
            i = buf.index(b"\n") + 1
            got.append("%.3f %d %r" % (now - t0, reads, buf[:i]))
            buf = buf[i:]
    if buf:
        got.append("end %r" % buf)
    with open(out, "w") as f:
        f.write("".join(g + "\n" for g in got))


def on_pty(out, cmd):
    import pty
    m, s = pty.openpty()
    p = subprocess.Popen(cmd, stderr=s)
    os.close(s)
    got = b""
    while True:
        try:
            b = os.read(m, 65536)
        except OSError:  # EIO: the last holder of the terminal is gone
            break
        if not b:
            break
        got += b
    with open(out, "wb") as f:
        f.write(got)
    sys.exit(p.wait())


def holds_terminal(argv):
    """Whether a process running ARGV is in its terminal's foreground
    process group: keys such as Ctrl-C and Ctrl-Z reach it, not its shell."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if f.read().rstrip(b"\0").split(b"\0") != argv:
                    continue
            with open("/proc/%s/stat" % pid) as f:
                # after "(comm)": state ppid pgrp session tty_nr tpgid
                st = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if st[2] == st[5]:
            return True
    return False


def pty_session(script, cmd):
    """Drive CMD on a terminal of its own; one "ok"/"not ok" line a step."""
    import fcntl
    import pty
    import re
    import select
    import signal
    import termios
    m, s = pty.openpty()
    fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    before = termios.tcgetattr(s)
    env = dict(os.environ, TERM="xterm-256color")
    p = subprocess.Popen(cmd, stdin=s, stdout=s, stderr=s, env=env,
                         start_new_session=True,
                         preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    seen = b""
    failed = 0

    def read_for(secs, until=None):
        nonlocal seen
        end = time.monotonic() + secs
        while time.monotonic() < end:
            if until and until(seen):
                return True
            r, _, _ = select.select([m], [], [], 0.2)
            if r:
                try:
                    b = os.read(m, 65536)
                except OSError:
                    return bool(until and until(seen))
                seen += b
        return bool(until and until(seen))

    def result(good, what):
        nonlocal failed
        print("%s - %s" % ("ok" if good else "not ok", what), flush=True)
        if not good:
            failed += 1
            tail = seen[-400:].decode("latin-1")
            print("# terminal shows: %r" % tail, flush=True)

    with open(script) as f:
        steps = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    for step in steps:
        word, _, arg = step.partition(" ")
        if word == "send":
            seen = b""
            os.write(m, arg.encode().decode("unicode_escape").encode("latin-1"))
        elif word == "expect":
            what, _, rx = arg.partition(" :: ")
            pat = re.compile(rx.encode())
            result(read_for(60, lambda b: pat.search(b)), what)
        elif word == "resize":
            rows, cols = (int(x) for x in arg.split())
            fcntl.ioctl(m, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        elif word == "sleep":
            read_for(float(arg))
        elif word == "kill":
            os.kill(p.pid, getattr(signal, arg))
        elif word == "wait-exit":
            want, _, what = arg.partition(" ")
            read_for(1)
            try:
                rc = p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                rc = "still running"
            result(str(rc) == want, "%s (exit status %s)" % (what, rc))
        elif word == "wait-foreground":
            argv = arg.encode().split(b" ")
            result(read_for(60, lambda b: holds_terminal(argv)),
                   "%s holds the terminal" % arg)
        elif word == "check-termios":
            now = termios.tcgetattr(s)
            result(now == before, arg)
        else:
            sys.exit("pty-session: unknown step " + step)
    if p.poll() is None:
        p.kill()
    sys.exit(1 if failed else 0)


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__ or "usage: see the comment at the top")
    mode, a = a[0], a[1:]
    if mode == "vmm":
        vmm(a)
    elif mode == "seq-recv":
        seq_recv(a[0] if a[0].startswith("/") else int(a[0]), a[1])
    elif mode == "seq-send-server":
        seq_send_server(int(a[0]), a[1])
    elif mode == "seq-send":
        seq_send(a[0], a[1], a[2])
    elif mode == "unix-seq":
        if a[2] != "--":
            sys.exit("unix-seq OUT SIZES -- CMD...")
        unix_seq(a[0], a[1], a[3:])
    elif mode == "mkdata":
        mkdata(*a)
    elif mode == "mkdata-n":
        for i in range(1, int(a[1]) + 1):
            mkdata("%s.%d" % (a[0], i), a[2], str(i))
    elif mode == "vhost-ghost":
        vhost_ghost(a[0])
    elif mode == "hexlog":
        hexlog(*a)
    elif mode == "lines":
        lines(a[0], a[1])
    elif mode == "on-pty":
        if a[1] != "--":
            sys.exit("on-pty OUT -- CMD...")
        on_pty(a[0], a[2:])
    elif mode == "pty-session":
        if a[1] != "--":
            sys.exit("pty-session SCRIPT -- CMD...")
        pty_session(a[0], a[2:])
    else:
        sys.exit("unknown mode " + mode)


main()
