#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Lab helper for the vsockstat tests: compares vsockstat -j with what the
# test created (vsockstat-mksock.py's lines) and with ss, and re-implements
# the filters independently. Prints "ok - ..." / "not ok - ..." lines; the
# exit status is the number of failures.
#
#   vsockstat-check.py compare CREATED.jsonl VSOCKSTAT.json SS.txt
#   vsockstat-check.py procs CREATED.jsonl VSOCKSTAT-p.json
#   vsockstat-check.py filter ALL.json FILTERED.json OPTIONS...
#   vsockstat-check.py filters ALL.json LIST (lines "FILTERED.json OPTIONS...")
#   vsockstat-check.py netns VSOCKSTAT.json LABEL=CREATED.jsonl...
#   vsockstat-check.py schema [--procs] [--summary] FILE...
# Commands chain with a ";" argument: CMD ARGS... ";" CMD ARGS...
import json
import os
import sys

ANY = 0xFFFFFFFF
failed = 0


def ok(cond, desc, *diag):
    global failed
    print("%s - %s" % ("ok" if cond else "not ok", desc))
    if not cond:
        failed += 1
        for d in diag:
            for line in str(d).splitlines():
                print("# " + line)
    return cond


def load_json(path):
    with open(path) as f:
        return json.loads(f.readline())


def created(path):
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("{"):
                out.append(json.loads(line))
    return out


def tup(s):
    """(type, state, local, peer, inode) of a vsockstat socket."""
    return (s["type"], s["state"], (s["local"]["cid"], s["local"]["port"]),
            (s["peer"]["cid"], s["peer"]["port"]), s["inode"])


def ctup(c):
    return (c["type"], c["state"], tuple(c["local"]), tuple(c["peer"]), c["inode"])


def addr(text):
    cid, port = text.rsplit(":", 1)
    return (ANY if cid == "*" else int(cid), ANY if port == "*" else int(port))


def parse_ss(path):
    """ss --vsock -a -e -p -n -H: the inode comes from the holder's fd."""
    names = {"v_str": "stream", "v_dgr": "dgram"}
    out = []
    with open(path) as f:
        for line in f:
            fld = line.split()
            if len(fld) < 6:
                continue
            netid, state, local, peer = fld[0], fld[1], fld[4], fld[5]
            ino = None
            rest = " ".join(fld[6:])
            if "pid=" in rest:
                pid = rest.split("pid=")[1].split(",")[0]
                fd = rest.split("fd=")[1].split(")")[0]
                try:
                    link = os.readlink("/proc/%s/fd/%s" % (pid, fd))
                    ino = int(link[len("socket:["):-1])
                except OSError:
                    pass
            out.append((names.get(netid, netid), state, addr(local), addr(peer), ino))
    return out


def cmd_compare(cpath, vpath, sspath):
    doc = load_json(vpath)
    v = [tup(s) for s in doc["sockets"]]
    byino = {s["inode"]: s for s in doc["sockets"]}
    cr = created(cpath)
    known = [ctup(c) for c in cr if c["state"]]
    ok(len(v) == len(set(v)), "vsockstat lists each socket once (%d)" % len(v))
    missing = set(known) - set(v)
    ok(not missing, "every socket the test created is listed with its type, state, addresses and inode (%d)" % len(known),
       "missing: %s" % sorted(missing), "listed: %s" % sorted(v))
    mine = {c["inode"] for c in cr}
    extra = [t for t in v if t[4] not in mine]
    ok(not extra, "nothing is listed that the test did not create", extra)
    # The accepted end of a connection whose client shut both ways may be
    # reset and leave the tables: it is listed if and only if ss lists it.
    ss = parse_ss(sspath)
    ok(all(t[4] is not None for t in ss), "ss -p named a holder for every socket (inode known)", ss)
    ss_str = sorted(t for t in ss if t[0] == "stream")
    v_str = sorted(t for t in v if t[0] == "stream")
    ok(ss_str == v_str, "STREAM: (type, state, local, peer, inode) of vsockstat -j equal ss --vsock -a -e (%d)" % len(v_str),
       "ss:        %s" % ss_str, "vsockstat: %s" % v_str)
    ss_unk = sorted(t[1:] for t in ss if t[0] == "???")
    v_seq = sorted(t[1:] for t in v if t[0] == "seqpacket")
    ok(ss_unk == v_seq and len(v_seq) > 0,
       "SEQPACKET: what ss prints as ??? is what vsockstat names seqpacket (%d)" % len(v_seq),
       "ss:        %s" % ss_unk, "vsockstat: %s" % v_seq)
    ok(not any(t[0] not in ("stream", "seqpacket") for t in v), "no socket of an unnamed type")
    shut_ok = all(byino[c["inode"]]["shutdown"] == c["shutdown"] for c in cr
                  if c["inode"] in byino) and any(c["shutdown"] for c in cr)
    ok(shut_ok, "shutdown decoded as the test shut each socket (rcv, send, both, none)",
       [(c["inode"], c["shutdown"], byino.get(c["inode"], {}).get("shutdown")) for c in cr])
    cookies = [s["cookie"] for s in doc["sockets"]]
    ok(len(set(cookies)) == len(cookies), "cookies are unique")


def cmd_procs(cpath, vpath):
    doc = load_json(vpath)
    byino = {s["inode"]: s for s in doc["sockets"]}
    bad = []
    for c in created(cpath):
        s = byino.get(c["inode"])
        if not s:
            continue
        holders = [(p["pid"], p["fd"]) for p in s["processes"]]
        if (c["pid"], c["fd"]) not in holders or s["uid"] != os.getuid() or \
                any(p["name"] != "python3" for p in s["processes"]):
            bad.append((c, s))
    ok(not bad and byino, "-p names the pid, fd and command of the process holding each socket, and its uid",
       *bad)
    ok(all(s["user"] == "root" for s in doc["sockets"]), "-p names the user root")


STATE_BITS = {"ESTAB": 1, "SYN-SENT": 2, "SYN-RECV": 3, "FIN-WAIT-1": 4, "FIN-WAIT-2": 5,
              "TIME-WAIT": 6, "UNCONN": 7, "CLOSE-WAIT": 8, "LAST-ACK": 9, "LISTEN": 10,
              "CLOSING": 11}
STATE_WORDS = {"established": ["ESTAB"], "estab": ["ESTAB"], "listen": ["LISTEN"],
               "listening": ["LISTEN"], "closing": ["CLOSING"], "unconn": ["UNCONN"],
               "closed": ["UNCONN"], "close": ["UNCONN"], "syn-sent": ["SYN-SENT"],
               "connected": [k for k in STATE_BITS if k not in ("LISTEN", "UNCONN")],
               "all": list(STATE_BITS)}
CIDS = {"any": ANY, "*": ANY, "hypervisor": 0, "local": 1, "host": 2}


def num(x, names):
    x = x.lower()
    return names[x] if x in names else (ANY if x in ("*", "any") else int(x, 0))


def cmd_filter(apath, fpath, opts):
    states, types, cids, ports, sports, dports = set(), set(), [], [], [], []
    i = 0
    while i < len(opts):
        o = opts[i]
        if o == "-l":
            states.add("LISTEN")
        elif o == "-t":
            states.update(STATE_WORDS["connected"])
        elif o == "-a":
            states.update(STATE_BITS)
        else:
            i += 1
            vals = opts[i].split(",")
            if o == "--state":
                for w in vals:
                    states.update(STATE_WORDS.get(w.lower(), [w.upper()]))
            elif o == "--type":
                types.update(vals)
            elif o == "--cid":
                cids += [num(x, CIDS) for x in vals]
            elif o == "--port":
                ports += [num(x, {}) for x in vals]
            elif o == "--sport":
                sports += [num(x, {}) for x in vals]
            elif o == "--dport":
                dports += [num(x, {}) for x in vals]
            else:
                sys.exit("unknown option " + o)
        i += 1

    def match(s):
        lc, lp = s["local"]["cid"], s["local"]["port"]
        pc, pp = s["peer"]["cid"], s["peer"]["port"]
        return ((not states or s["state"] in states) and (not types or s["type"] in types)
                and (not cids or lc in cids or pc in cids)
                and (not ports or lp in ports or pp in ports)
                and (not sports or lp in sports) and (not dports or pp in dports))

    every = load_json(apath)["sockets"]
    want = sorted(tup(s) for s in every if match(s))
    got = sorted(tup(s) for s in load_json(fpath)["sockets"])
    # A case that keeps everything or nothing would prove little.
    ok(0 < len(want) < len(every), "filter %s is a real case: keeps %d of %d" % (" ".join(opts), len(want), len(every)))
    ok(got == want, "filter %s selects what an independent implementation selects" % " ".join(opts),
       "got:  %s" % got, "want: %s" % want)


def cmd_netns(vpath, groups):
    doc = load_json(vpath)
    labels = [ns["label"] for ns in doc["netns"]]
    for g in groups:
        label, cpath = g.rsplit("=", 1)
        want = sorted(ctup(c) for c in created(cpath) if c["state"])
        got = sorted(tup(s) for s in doc["sockets"] if s["netns"] == label)
        ok(label in labels, "namespace %s is listed" % label, labels)
        ok(want and got == want, "the sockets made in %s are listed under %s, and only them (%d)" % (label, label, len(want)),
           "got:  %s" % got, "want: %s" % want)


def cmd_schema(argv):
    """The checker of vsockstat-schema.py, in this process."""
    import importlib.util
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vsockstat-schema.py")
    spec = importlib.util.spec_from_file_location("vsockstat_schema", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    files = [a for a in argv if not a.startswith("--")]
    import io
    import contextlib
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = mod.main(argv)
    ok(rc == 0, "%s follows schema vsockstat/1%s" % (
        " ".join(os.path.basename(f) for f in files),
        " (%s)" % " ".join(a for a in argv if a.startswith("--")) if len(files) < len(argv) else ""),
       out.getvalue())


def run(cmd, args):
    if cmd == "compare":
        cmd_compare(*args[:3])
    elif cmd == "procs":
        cmd_procs(*args[:2])
    elif cmd == "filter":
        cmd_filter(args[0], args[1], args[2:])
    elif cmd == "filters":
        # Many cases, one process: each line is "FILTERED.json OPTIONS...".
        with open(args[1]) as f:
            for line in f:
                if line.strip():
                    fld = line.split()
                    cmd_filter(args[0], fld[0], fld[1:])
    elif cmd == "netns":
        cmd_netns(args[0], args[1:])
    elif cmd == "schema":
        cmd_schema(args)
    else:
        sys.exit("unknown command " + cmd)


def main(argv):
    # Commands may be chained with ";" (python starts slowly under TCG).
    while argv:
        end = argv.index(";") if ";" in argv else len(argv)
        run(argv[0], argv[1:end])
        argv = argv[end + 1:]
    return min(failed, 100)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
