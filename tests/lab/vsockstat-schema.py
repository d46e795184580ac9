#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Check vsockstat -j output against the vsockstat/1 schema documented in
# man/vsockstat.8: every member, its type and range, and the cross-references
# (socket -> namespace label, counts). Reads files (or stdin) holding one
# JSON document a line; prints one line per problem; exit 0 when all valid.
#
#   vsockstat -j | vsockstat-schema.py
#   vsockstat-schema.py [--procs] [--threads] [--summary] [--events] [--vms] FILE...
# --procs: the documents must carry -p's members (--threads: -T's too);
# --summary: -s's; --events: each line is one -E event; --vms: --vms's.
import json
import re
import sys

U32 = 0xFFFFFFFF
U64 = 0xFFFFFFFFFFFFFFFF
TYPES = re.compile(r"^(stream|seqpacket|dgram|type-[0-9]+)$")
STATES = re.compile(r"^(ESTAB|SYN-SENT|SYN-RECV|FIN-WAIT-1|FIN-WAIT-2|TIME-WAIT|"
                    r"UNCONN|CLOSE-WAIT|LAST-ACK|LISTEN|CLOSING|STATE-[0-9]+)$")
SHUT = re.compile(r"^(rcv|send|0x[0-9a-f]+)$")
problems = []


def bad(where, msg):
    problems.append("%s: %s" % (where, msg))


def is_int(v, hi):
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= hi


def keys(where, obj, required, optional=()):
    if not isinstance(obj, dict):
        bad(where, "not an object")
        return False
    missing = [k for k in required if k not in obj]
    # Unknown members are allowed by the schema's rules (consumers ignore
    # them), but this version must not emit any: catch typos.
    extra = [k for k in obj if k not in required and k not in optional]
    if missing:
        bad(where, "missing %s" % ", ".join(missing))
    if extra:
        bad(where, "unexpected %s" % ", ".join(extra))
    return not missing


def check_addr(where, a):
    if keys(where, a, ("cid", "port", "cid_name", "port_name")):
        for k in ("cid", "port"):
            if not is_int(a[k], U32):
                bad(where, "%s is not a u32 number: %r" % (k, a[k]))
        nullable(where, a, "cid_name", "str")
        if a["cid"] == U32 and a["cid_name"] != "any":
            bad(where, "cid 4294967295 is named %r, not 'any'" % a["cid_name"])
        if a["cid"] != U32 and a["cid_name"] == "any":
            bad(where, "cid %r is named 'any'" % a["cid"])
        if a["port_name"] != ("any" if a["port"] == U32 else None):
            bad(where, "port %r has port_name %r" % (a["port"], a["port_name"]))


def nullable(where, obj, key, kind):
    v = obj[key]
    if v is None:
        return
    if kind == "str" and not isinstance(v, str):
        bad(where, "%s is neither a string nor null" % key)
    if kind == "u32" and not is_int(v, U32):
        bad(where, "%s is neither a number nor null" % key)


def check(doc, where, procs, summary):
    top = ("schema", "netns") + (("total", "summary") if summary else ("sockets",))
    if not keys(where, doc, top):
        return
    if doc["schema"] != "vsockstat/1":
        bad(where, "schema is %r" % doc["schema"])
    labels = {}
    if not isinstance(doc["netns"], list) or not doc["netns"]:
        bad(where, "netns is not a non-empty array")
        return
    for i, ns in enumerate(doc["netns"]):
        w = "%s.netns[%d]" % (where, i)
        if not keys(w, ns, ("label", "ino", "name", "pid", "ns_mode", "child_ns_mode",
                            "ns_mode_sysctl", "cid", "domain", "error", "sockets")):
            continue
        if not isinstance(ns["label"], str) or not ns["label"]:
            bad(w, "label is not a non-empty string")
        elif ns["label"] in labels:
            bad(w, "label %r twice" % ns["label"])
        labels[ns["label"]] = ns
        if not is_int(ns["ino"], U64):
            bad(w, "ino is not a number")
        nullable(w, ns, "name", "str")
        nullable(w, ns, "pid", "u32")
        nullable(w, ns, "error", "str")
        for k in ("ns_mode", "child_ns_mode"):
            if ns[k] not in (None, "global", "local"):
                bad(w, "%s is %r" % (k, ns[k]))
        if ns["ns_mode_sysctl"] not in (None, "/proc/sys/net/vsock", "/proc/sys/net/nsvsock"):
            bad(w, "ns_mode_sysctl is %r" % ns["ns_mode_sysctl"])
        # a live listing reads both modes from the directory it names
        if (ns["ns_mode_sysctl"] is None) != (ns["ns_mode"] is None) and ns["error"] is None:
            bad(w, "ns_mode %r from ns_mode_sysctl %r" % (ns["ns_mode"], ns["ns_mode_sysctl"]))
        if ns["child_ns_mode"] is not None and ns["ns_mode"] is None:
            bad(w, "child_ns_mode without ns_mode")
        # nsvsock's CID domain: numbers, or null for none
        for k in ("cid", "domain"):
            if ns[k] is not None and (not is_int(ns[k], U32) or ns[k] == 0):
                bad(w, "%s is %r" % (k, ns[k]))
        if ns["cid"] is not None and ns["ns_mode_sysctl"] != "/proc/sys/net/nsvsock":
            bad(w, "a cid without nsvsock")
        if not is_int(ns["sockets"], U64):
            bad(w, "sockets is not a count")
        if ns["name"] is not None and ns["label"] != ns["name"]:
            bad(w, "a named namespace is labelled by its name")
        if ns["name"] is None and ns["pid"] == 1 and ns["label"] != "(init)":
            bad(w, "process 1's namespace is labelled %r, not (init)" % ns["label"])
    if summary:
        total = 0
        for i, s in enumerate(doc["summary"]):
            w = "%s.summary[%d]" % (where, i)
            if not keys(w, s, ("netns", "type", "state", "count")):
                continue
            if s["netns"] not in labels:
                bad(w, "netns %r is not in netns[]" % s["netns"])
            if not isinstance(s["type"], str) or not TYPES.match(s["type"]):
                bad(w, "type %r" % s["type"])
            if not isinstance(s["state"], str) or not STATES.match(s["state"]):
                bad(w, "state %r" % s["state"])
            if not is_int(s["count"], U64) or s["count"] == 0:
                bad(w, "count %r" % s["count"])
            else:
                total += s["count"]
        if doc["total"] != total:
            bad(where, "total %r is not the sum of the counts %d" % (doc["total"], total))
        if sum(ns.get("sockets", 0) for ns in doc["netns"]) != total:
            bad(where, "netns[].sockets do not add up to total")
        return
    count = {}
    for i, s in enumerate(doc["sockets"]):
        w = "%s.sockets[%d]" % (where, i)
        if not check_sock(w, s, procs):
            continue
        if s["netns"] not in labels:
            bad(w, "netns %r is not in netns[]" % s["netns"])
        count[s["netns"]] = count.get(s["netns"], 0) + 1
    for label, ns in labels.items():
        if ns.get("sockets") != count.get(label, 0):
            bad(where, "netns %r says %r sockets, %d listed" % (label, ns.get("sockets"), count.get(label, 0)))


def check_sock(w, s, procs):
    optional = ("uid", "user", "processes")
    req = ("netns", "type", "state", "local", "peer", "shutdown", "inode", "cookie")
    if not keys(w, s, req + (optional if procs else ()), () if procs else optional):
        return False
    if not isinstance(s["netns"], str) or not s["netns"]:
        bad(w, "netns %r" % s["netns"])
    if not isinstance(s["type"], str) or not TYPES.match(s["type"]):
        bad(w, "type %r" % s["type"])
    if not isinstance(s["state"], str) or not STATES.match(s["state"]):
        bad(w, "state %r" % s["state"])
    check_addr(w + ".local", s["local"])
    check_addr(w + ".peer", s["peer"])
    if not isinstance(s["shutdown"], list) or not all(
            isinstance(x, str) and SHUT.match(x) for x in s["shutdown"]):
        bad(w, "shutdown %r" % s["shutdown"])
    if not is_int(s["inode"], U32):
        bad(w, "inode %r" % s["inode"])
    if not is_int(s["cookie"], U64):
        bad(w, "cookie %r" % s["cookie"])
    if procs:
        nullable(w, s, "uid", "u32")
        nullable(w, s, "user", "str")
        if s["uid"] is None and s["user"] is not None:
            bad(w, "a user without a uid")
        if not isinstance(s["processes"], list):
            bad(w, "processes is not an array")
            return True
        for k, p in enumerate(s["processes"]):
            pw = "%s.processes[%d]" % (w, k)
            if keys(pw, p, ("pid", "name", "fd") + (("tid",) if procs == "threads" else ())):
                if not is_int(p["pid"], U32) or p["pid"] == 0:
                    bad(pw, "pid %r" % p["pid"])
                if not is_int(p["fd"], U32):
                    bad(pw, "fd %r" % p["fd"])
                if not isinstance(p["name"], str):
                    bad(pw, "name %r" % p["name"])
                if procs == "threads" and (not is_int(p["tid"], U32) or p["tid"] == 0):
                    bad(pw, "tid %r" % p["tid"])
    return True


def check_event(doc, where, procs):
    if not keys(where, doc, ("schema", "event", "socket")):
        return
    if doc["schema"] != "vsockstat/1":
        bad(where, "schema is %r" % doc["schema"])
    if doc["event"] not in ("new", "gone", "changed"):
        bad(where, "event %r" % doc["event"])
    check_sock(where + ".socket", doc["socket"], procs)


VMMS = ("qemu", "crosvm", "firecracker", "cloud-hypervisor", "vhost-device-vsock")


def check_vms(doc, where):
    if not keys(where, doc, ("schema", "vms")):
        return
    if doc["schema"] != "vsockstat/1":
        bad(where, "schema is %r" % doc["schema"])
    if not isinstance(doc["vms"], list):
        bad(where, "vms is not an array")
        return
    for i, v in enumerate(doc["vms"]):
        w = "%s.vms[%d]" % (where, i)
        if not keys(w, v, ("cid", "name", "vmm", "pid", "transport", "uds_path")):
            continue
        nullable(w, v, "cid", "u32")
        nullable(w, v, "name", "str")
        nullable(w, v, "uds_path", "str")
        if v["vmm"] not in VMMS:
            bad(w, "vmm %r" % v["vmm"])
        if not is_int(v["pid"], U32) or v["pid"] == 0:
            bad(w, "pid %r" % v["pid"])
        if v["transport"] not in ("vhost", "hybrid"):
            bad(w, "transport %r" % v["transport"])
        if v["transport"] == "vhost" and v["uds_path"] is not None:
            bad(w, "a vhost VM with a Unix socket")


def main(argv):
    procs = "threads" if "--threads" in argv else "--procs" in argv
    summary = "--summary" in argv
    events = "--events" in argv
    vms = "--vms" in argv
    files = [a for a in argv if not a.startswith("--")] or ["-"]
    docs = 0
    for name in files:
        f = sys.stdin if name == "-" else open(name)
        for n, line in enumerate(f, 1):
            where = "%s:%d" % (name, n)
            try:
                doc = json.loads(line)
            except ValueError as e:
                bad(where, "not JSON: %s" % e)
                continue
            docs += 1
            if events:
                check_event(doc, where, procs)
            elif vms:
                check_vms(doc, where)
            else:
                check(doc, where, procs, summary)
    if not docs:
        bad("input", "no document")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
