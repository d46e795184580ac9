// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: vncat's library parts without AF_VSOCK: CID lists, endpoints,
 * error messages, the hybrid vsock handshake and the relay over socketpairs
 * and pipes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "vncat/endpoint.h"
#include "hybrid.h"
#include "vncat/relay.h"
#include "vncat/sock.h"
#include "tap.h"

/* ------------------------------------------------------------- CID lists */

static void test_cidlist(void)
{
	static const struct {
		const char *in;
		int ret;
		const char *inside, *outside; /* comma-separated CIDs */
	} cases[] = {
		{ "3", 0, "3", "2,4" },
		{ "3,5-9,host", 0, "2,3,5,7,9", "1,4,10" },
		{ "0x10-0x20", 0, "16,32", "15,33" },
		{ "local", 0, "1", "0,2" },
		{ "hypervisor,local", 0, "0,1", "2" },
		{ "any", 0, "0,1,2,4294967295", "" },
		{ "*", 0, "7,4294967294", "" },
		{ "4294967294", 0, "4294967294", "4294967295" },
		{ "", -EINVAL, "", "" },
		{ "3-", -EINVAL, "", "" },
		{ "-3", -EINVAL, "", "" },
		{ "9-3", -EINVAL, "", "" },
		{ "3,,4", -EINVAL, "", "" },
		{ "3,", -EINVAL, "", "" },
		{ "guest", -EINVAL, "", "" },
		{ "1 ", -EINVAL, "", "" },
		{ "any-5", -EINVAL, "", "" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nsv_cidlist l = { 0 };
		char buf[128], *p, *save;
		bool good = true;
		int r = nsv_cidlist_parse(&l, cases[i].in);

		tap_is_int(r, cases[i].ret, "cidlist '%s' parses to %d",
			   cases[i].in, cases[i].ret);
		if (r == 0) {
			snprintf(buf, sizeof(buf), "%s", cases[i].inside);
			for (p = strtok_r(buf, ",", &save); p;
			     p = strtok_r(NULL, ",", &save))
				good &= nsv_cidlist_has(&l,
							strtoul(p, NULL, 0));
			snprintf(buf, sizeof(buf), "%s", cases[i].outside);
			for (p = strtok_r(buf, ",", &save); p;
			     p = strtok_r(NULL, ",", &save))
				good &= !nsv_cidlist_has(&l,
							 strtoul(p, NULL, 0));
			tap_ok(good, "cidlist '%s' holds %s and not %s",
			       cases[i].in, cases[i].inside, cases[i].outside);
		} else {
			tap_is_int(l.n, 0, "a bad list '%s' adds nothing",
				   cases[i].in);
		}
		nsv_cidlist_free(&l);
	}
}

static void test_allow_deny(void)
{
	struct nsv_cidlist allow = { 0 }, deny = { 0 };

	tap_ok(nsv_cid_allowed(&allow, &deny, 5),
	       "no lists: every CID is allowed");
	nsv_cidlist_parse(&deny, "3-4");
	tap_ok(!nsv_cid_allowed(&allow, &deny, 3), "--deny-cid 3-4 refuses 3");
	tap_ok(nsv_cid_allowed(&allow, &deny, 5), "--deny-cid 3-4 allows 5");
	nsv_cidlist_parse(&allow, "2-10");
	tap_ok(!nsv_cid_allowed(&allow, &deny, 1),
	       "--allow-cid 2-10 refuses 1");
	tap_ok(!nsv_cid_allowed(&allow, &deny, 4),
	       "deny wins over allow for 4");
	tap_ok(nsv_cid_allowed(&allow, &deny, 10),
	       "allow 2-10, deny 3-4: 10 is in");
	nsv_cidlist_parse(&allow, "local");
	tap_ok(nsv_cid_allowed(&allow, &deny, 1),
	       "a second --allow-cid adds to the list");
	tap_ok(nsv_cid_allowed(NULL, NULL, 1), "NULL lists allow everything");
	nsv_cidlist_free(&allow);
	nsv_cidlist_free(&deny);
}

/* -------------------------------------------------------------- endpoints */

static void test_endpoints(void)
{
	static const struct {
		const char *in;
		int ret;
		const char *out; /* nsv_endpoint_format, numeric */
	} cases[] = {
		{ "vsock:1:5000", 0, "vsock:1:5000" },
		{ "vsock:local:5000", 0, "vsock:1:5000" },
		{ "vsock::22", 0, "vsock:*:22" },
		{ "vsock-seqpacket:3:0x10", 0, "vsock:3:16" },
		{ "VSOCK:2:1", 0, "vsock:2:1" },
		{ "tcp:127.0.0.1:80", 0, "tcp:127.0.0.1:80" },
		{ "tcp:localhost:8080", 0, "tcp:localhost:8080" },
		{ "tcp:[::1]:22", 0, "tcp:[::1]:22" },
		{ "tcp::2222", 0, "tcp:*:2222" },
		{ "tcp:*:2222", 0, "tcp:*:2222" },
		{ "tcp:h:65535", 0, "tcp:h:65535" },
		{ "unix:/run/x.sock", 0, "unix:/run/x.sock" },
		{ "unix:@abstract", 0, "unix:@abstract" },
		{ "unix:rel:with:colons", 0, "unix:rel:with:colons" },
		{ "hybrid:/run/fc.sock:52", 0, "hybrid:/run/fc.sock:52" },
		{ "hybrid:/odd:path:1024", 0, "hybrid:/odd:path:1024" },
		{ "tcp:h:http", -EINVAL, NULL },
		{ "tcp:h:65536", -EINVAL, NULL },
		{ "tcp:::1:22", -EINVAL, NULL },
		{ "tcp:[::1]22", -EINVAL, NULL },
		{ "tcp:[]:22", -EINVAL, NULL },
		{ "tcp:[[x]:2", -EINVAL, NULL },
		{ "tcp:a]:2", -EINVAL, NULL },
		{ "tcp:h", -EINVAL, NULL },
		{ "tcp:h:", -EINVAL, NULL },
		{ "unix:", -EINVAL, NULL },
		{ "unix:@", -EINVAL, NULL },
		{ "hybrid:/x", -EINVAL, NULL },
		{ "hybrid::52", -EINVAL, NULL },
		{ "hybrid:/x:any", -EINVAL, NULL },
		{ "vsock:1", -EINVAL, NULL },
		{ "vsock:guest:1", -EINVAL, NULL },
		{ "udp:h:53", -EINVAL, NULL },
		{ "1:5000", -EINVAL, NULL },
		{ "", -EINVAL, NULL },
	};
	struct nsv_endpoint e;
	char buf[256], longpath[300];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = nsv_endpoint_parse(cases[i].in, &e);

		tap_is_int(r, cases[i].ret, "endpoint '%s' parses to %d",
			   cases[i].in, cases[i].ret);
		if (r == 0 && cases[i].out) {
			nsv_endpoint_format(&e, NSV_FMT_NUMERIC, buf,
					    sizeof(buf));
			tap_is_str(buf, cases[i].out, "endpoint '%s' formats",
				   cases[i].in);
		}
	}
	nsv_endpoint_parse("vsock-seqpacket:3:7", &e);
	tap_is_int(e.vsock.type, NSV_SOCK_SEQPACKET,
		   "vsock-seqpacket: sets the type");
	nsv_endpoint_parse("vsock:local:7", &e);
	nsv_endpoint_format(&e, 0, buf, sizeof(buf));
	tap_is_str(buf, "vsock:local:7", "CID names unless numeric");
	nsv_endpoint_parse("hybrid:/run/fc.sock:52", &e);
	tap_ok(e.kind == NSV_EP_HYBRID && e.vsock.port == 52 &&
		       !strcmp(e.path, "/run/fc.sock"),
	       "hybrid: path and guest port");

	memset(longpath, 'a', sizeof(longpath));
	memcpy(longpath, "unix:/", 6);
	longpath[5 + NSV_UNIX_PATH_MAX] = '\0'; /* a 108-byte path */
	tap_is_int(nsv_endpoint_parse(longpath, &e), -ENAMETOOLONG,
		   "a 108-byte Unix path is too long");
	longpath[5 + NSV_UNIX_PATH_MAX - 1] = '\0';
	tap_is_int(nsv_endpoint_parse(longpath, &e), 0,
		   "a 107-byte Unix path fits");
}

/* ------------------------------------------------------ error messages */

static const char *explain(int err, enum nsv_sock_op op, enum nsv_socktype t,
			   uint32_t cid, uint32_t port, unsigned int tr,
			   bool sibling, int retry_ms, int timeout_ms)
{
	static char buf[512];
	struct nsv_sock_cfg c;

	nsv_sock_cfg_init(&c);
	c.type = t;
	c.sibling = sibling;
	c.retry_ms = retry_ms;
	c.timeout_ms = timeout_ms;
	if (op != NSV_OP_CONNECT) {
		c.local_cid = cid;
		c.local_port = port;
	}
	if (nsv_sock_explain(err, op, &c, cid, port, tr, buf, sizeof(buf)) < 0)
		return "(ENOSPC)";
	return buf;
}

static void test_explain(void)
{
	const enum nsv_socktype S = NSV_SOCK_STREAM, Q = NSV_SOCK_SEQPACKET;
	const enum nsv_sock_op C = NSV_OP_CONNECT;
	char small[8];
	struct nsv_sock_cfg c;

	tap_is_str(explain(-ECONNRESET, C, S, 1, 5000, 0, false, 0, -1),
		   "nothing listening on local:5000",
		   "reset on connect: nothing listening");
	tap_is_str(explain(-ECONNREFUSED, C, Q, 3, 22, 0, false, 0, -1),
		   "nothing listening on 3:22 for SEQPACKET",
		   "refused SEQPACKET connect");
	tap_is_str(explain(-ECONNRESET, C, S, 3, 22, 0, false, 1500, -1),
		   "nothing listening on 3:22 (kept retrying for 1.5 s)",
		   "--retry says how long it tried");
	tap_is_str(
		explain(-ETIMEDOUT, C, S, 42, 1, 0, false, 0, -1),
		"timed out connecting to 42:1: no answer within 2 s (is the VM up and its vsock driver loaded?)",
		"timeout: the kernel's 2 s by default");
	tap_is_str(
		explain(-ETIMEDOUT, C, S, 42, 1, 0, false, 0, 500),
		"timed out connecting to 42:1: no answer within 0.5 s (is the VM up and its vsock driver loaded?)",
		"timeout: -w 0.5");
	tap_is_str(
		explain(-ENODEV, C, S, 1, 1, NSV_TR_CORE, false, 0, -1),
		"no transport for CID 1 (local): load vsock_loopback (loopback needs Linux 5.6+)",
		"CID 1 without loopback names vsock_loopback");
	tap_is_str(
		explain(-ENODEV, C, S, 2, 1, NSV_TR_CORE, false, 0, -1),
		"no transport to the host (CID 2): inside a VM load vmw_vsock_virtio_transport (for loopback to yourself load vsock_loopback)",
		"CID 2 without a guest transport");
	tap_is_str(
		explain(-ENODEV, C, S, 7, 1, NSV_TR_CORE, false, 0, -1),
		"no transport for CID 7: on the VM's host load vhost_vsock (inside a VM, vmw_vsock_virtio_transport)",
		"a guest CID without vhost_vsock");
	tap_is_str(
		explain(-ENODEV, C, S, 7, 1, NSV_TR_CORE | NSV_TR_VHOST, false,
			0, -1),
		"no VM with CID 7: vhost_vsock knows no such guest (is the VM running?)",
		"a guest CID vhost_vsock does not know");
	tap_is_str(
		explain(-ENODEV, C, S, 7, 1, NSV_TR_VHOST, true, 0, -1),
		"no transport for 7:1: --sibling routes through the host, which needs a guest transport (load vmw_vsock_virtio_transport; Linux 5.11+)",
		"--sibling without a guest transport");
	tap_is_str(explain(-EINVAL, C, S, 7, 1, 0, true, 0, -1),
		   "--sibling needs Linux 5.11+ (VMADDR_FLAG_TO_HOST)",
		   "EINVAL with --sibling: an old kernel");
	tap_is_str(
		explain(-ENODEV, NSV_OP_SOCKET, NSV_SOCK_DGRAM, NSV_CID_ANY,
			NSV_PORT_ANY, 0, false, 0, -1),
		"vsock datagrams are not supported here: only the VMCI transport (VMware) has them, virtio and loopback do not",
		"no datagram transport");
	tap_is_str(
		explain(-ESOCKTNOSUPPORT, NSV_OP_SOCKET, Q, NSV_CID_ANY,
			NSV_PORT_ANY, 0, false, 0, -1),
		"SOCK_SEQPACKET is not supported by this kernel (vsock SEQPACKET needs Linux 5.14+)",
		"SEQPACKET socket() on an old kernel");
	tap_is_str(
		explain(-ESOCKTNOSUPPORT, C, Q, 2, 9, 0, false, 0, -1),
		"SOCK_SEQPACKET is not supported by the transport to host:9 (virtio and loopback have it since Linux 5.14)",
		"SEQPACKET connect through a transport without it");
	tap_is_str(
		explain(-EAFNOSUPPORT, NSV_OP_SOCKET, S, NSV_CID_ANY,
			NSV_PORT_ANY, 0, false, 0, -1),
		"this kernel has no AF_VSOCK: load the vsock module (modprobe vsock)",
		"no AF_VSOCK at all");
	tap_is_str(
		explain(-EACCES, NSV_OP_BIND, S, NSV_CID_ANY, 80, 0, false, 0,
			-1),
		"permission denied: binding vsock port 80 needs CAP_NET_BIND_SERVICE (ports below 1024 are privileged)",
		"a privileged port");
	tap_is_str(explain(-EADDRINUSE, NSV_OP_BIND, S, NSV_CID_ANY, 5000, 0,
			   false, 0, -1),
		   "vsock port 5000 is already in use", "a port in use");
	tap_is_str(
		explain(-EADDRNOTAVAIL, NSV_OP_BIND, S, 7, 5000, 0, false, 0,
			-1),
		"cannot bind to CID 7: not a CID of this machine (use any, local, or the CID of a loaded transport)",
		"a CID that is not ours");
	tap_is_str(
		explain(-EHOSTUNREACH, C, S, 42, 5, 0, false, 0, -1),
		"no route to 42:5: the VM with CID 42 is not running (or not in this network namespace)",
		"EHOSTUNREACH: a VM not running");
	tap_is_str(explain(-EMFILE, C, S, 3, 5, 0, false, 0, -1),
		   "cannot connect to 3:5: Too many open files",
		   "anything else: the plain errno text");
	nsv_sock_cfg_init(&c);
	tap_is_int(nsv_sock_explain(-EIO, C, &c, 1, 1, 0, small, sizeof(small)),
		   -ENOSPC, "a short buffer gives -ENOSPC");
}

/* The clause a refused loopback connect gets in a local namespace. */
static void test_explain_nsmode(void)
{
	const struct nsv_nsmode mod_local = { .src = NSV_NSMODE_MODULE,
					      .mode = "local",
					      .child = "local" },
				mod_global = { .src = NSV_NSMODE_MODULE,
					       .mode = "global",
					       .child = "local" },
				kern_local = { .src = NSV_NSMODE_KERNEL,
					       .mode = "local",
					       .child = "local" },
				none = { .src = NSV_NSMODE_NONE };
	const char *base = "nothing listening on local:5000";
	char buf[512], small[48];
	int r;

	snprintf(buf, sizeof(buf), "%s", base);
	r = nsv_sock_explain_nsmode(-ECONNRESET, true, &mod_local, buf,
				    sizeof(buf));
	tap_is_str(
		buf,
		"nothing listening on local:5000; this network namespace's vsock mode is local (/proc/sys/net/nsvsock/ns_mode): the listener may be in another namespace, out of its reach",
		"reset over loopback in a local namespace (the module): says so");
	tap_is_int(r, (long long)strlen(buf), "... and returns the new length");
	snprintf(buf, sizeof(buf), "%s", base);
	nsv_sock_explain_nsmode(-ECONNREFUSED, true, &kern_local, buf,
				sizeof(buf));
	tap_ok(strstr(buf, "(/proc/sys/net/vsock/ns_mode)") != NULL,
	       "refused, 7.x's modes: names the kernel's sysctl");

	snprintf(buf, sizeof(buf), "%s", base);
	r = nsv_sock_explain_nsmode(-ECONNRESET, true, &mod_global, buf,
				    sizeof(buf));
	tap_ok(r == (int)strlen(base) && !strcmp(buf, base),
	       "a global namespace (child_ns_mode local): nothing added");
	r = nsv_sock_explain_nsmode(-ECONNRESET, true, &none, buf, sizeof(buf));
	tap_ok(r == (int)strlen(base) && !strcmp(buf, base),
	       "no modes on this kernel: nothing added");
	r = nsv_sock_explain_nsmode(-ECONNRESET, false, &mod_local, buf,
				    sizeof(buf));
	tap_ok(r == (int)strlen(base) && !strcmp(buf, base),
	       "not over loopback (a VM's CID): nothing added");
	r = nsv_sock_explain_nsmode(-ETIMEDOUT, true, &mod_local, buf,
				    sizeof(buf));
	tap_ok(r == (int)strlen(base) && !strcmp(buf, base),
	       "another error (ETIMEDOUT): nothing added");

	snprintf(small, sizeof(small), "%s", base);
	r = nsv_sock_explain_nsmode(-ECONNRESET, true, &mod_local, small,
				    sizeof(small));
	tap_ok(r == -ENOSPC && !strcmp(small, base),
	       "no room for the clause: -ENOSPC, the message as it was");
	memset(small, 'x', sizeof(small));
	tap_ok(nsv_sock_explain_nsmode(-ECONNRESET, true, &mod_local, small,
				       sizeof(small)) == -EINVAL &&
		       nsv_sock_explain_nsmode(-ECONNRESET, true, NULL, buf,
					       sizeof(buf)) == -EINVAL,
	       "a message without its NUL, or no mode: -EINVAL");

	/* No guest transport: no ioctl, so this never opens /dev/vsock. */
	tap_ok(nsv_sock_is_loopback(NSV_CID_LOCAL, 0) &&
		       nsv_sock_is_loopback(NSV_CID_HOST, NSV_TR_CORE) &&
		       !nsv_sock_is_loopback(3, NSV_TR_CORE | NSV_TR_VHOST) &&
		       !nsv_sock_is_loopback(NSV_CID_HYPERVISOR, NSV_TR_CORE),
	       "loopback: CID 1, and the host's 2 where no guest transport is loaded; not a VM's CID");
}

static const char *ep_explain(int err, enum nsv_sock_op op, const char *spec,
			      const char *answer, int timeout_ms)
{
	static char buf[512];
	struct nsv_endpoint e;
	struct nsv_sock_cfg c;

	nsv_sock_cfg_init(&c);
	c.timeout_ms = timeout_ms;
	if (nsv_endpoint_parse(spec, &e) < 0)
		return "(bad spec)";
	if (nsv_endpoint_explain(err, op, &e, &c, 0, answer, buf, sizeof(buf)) <
	    0)
		return "(ENOSPC)";
	return buf;
}

static void test_endpoint_explain(void)
{
	const enum nsv_sock_op C = NSV_OP_CONNECT, L = NSV_OP_LISTEN;

	tap_is_str(ep_explain(-ECONNREFUSED, C, "tcp:127.0.0.1:7", NULL, -1),
		   "nothing listening on tcp:127.0.0.1:7", "TCP refused");
	tap_is_str(ep_explain(-ENXIO, C, "tcp:nowhere:7", NULL, -1),
		   "cannot resolve host 'nowhere' of tcp:nowhere:7",
		   "TCP name unknown");
	tap_is_str(ep_explain(-ENOENT, C, "unix:/x.sock", NULL, -1),
		   "nothing listening on unix:/x.sock (no such file)",
		   "no Unix socket file");
	tap_is_str(ep_explain(-EADDRINUSE, L, "unix:/x.sock", NULL, -1),
		   "unix:/x.sock is already in use (a live listener has it)",
		   "Unix path in use");
	tap_is_str(
		ep_explain(-EACCES, L, "tcp::80", NULL, -1),
		"permission denied: listening on tcp:*:80 needs CAP_NET_BIND_SERVICE",
		"privileged TCP port");
	tap_is_str(
		ep_explain(-EPROTO, C, "hybrid:/run/fc.sock:52", "ERR x", -1),
		"hybrid vsock handshake failed: /run/fc.sock answered 'ERR x' to 'CONNECT 52' instead of 'OK PORT'",
		"hybrid: a bad answer is quoted");
	tap_is_str(
		ep_explain(-ECONNRESET, C, "hybrid:/run/fc.sock:52", "", -1),
		"hybrid vsock: /run/fc.sock closed the connection without answering 'CONNECT 52' (nothing listening on guest port 52?)",
		"hybrid: closed without an answer");
	tap_is_str(
		ep_explain(-ECONNRESET, C, "hybrid:/run/fc.sock:52", "OK", -1),
		"hybrid vsock handshake failed: /run/fc.sock closed the connection after 'OK' without a whole answer line",
		"hybrid: closed in mid-answer");
	tap_is_str(
		ep_explain(-ETIMEDOUT, C, "hybrid:/run/fc.sock:52", "", 1500),
		"hybrid vsock: no answer from /run/fc.sock to 'CONNECT 52' within 1.5 s",
		"hybrid: no answer in time");
	tap_is_str(
		ep_explain(-ENOENT, C, "hybrid:/run/fc.sock:52", NULL, -1),
		"nothing listening on the VMM's socket /run/fc.sock (no such file)",
		"hybrid: no VMM socket");
	tap_is_str(
		ep_explain(-EADDRINUSE, L, "hybrid:/run/fc.sock:52", NULL, -1),
		"unix:/run/fc.sock_52 is already in use (a live listener has it)",
		"hybrid listen: names UDS_PORT");
	tap_is_str(ep_explain(-ECONNRESET, C, "vsock:3:22", NULL, -1),
		   "nothing listening on 3:22",
		   "vsock endpoints go through nsv_sock_explain");
}

static void test_transports(void)
{
	char dir[] = "/tmp/nsv-sysmod.XXXXXX", p[64];

	if (!mkdtemp(dir)) {
		tap_ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	tap_is_int(nsv_transports_loaded(dir), 0,
		   "an empty /sys/module: nothing loaded");
	snprintf(p, sizeof(p), "%s/vsock", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/vsock_loopback", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/vhost_vsock", dir);
	mkdir(p, 0755);
	tap_is_int(nsv_transports_loaded(dir),
		   NSV_TR_CORE | NSV_TR_LOOPBACK | NSV_TR_VHOST,
		   "vsock, vsock_loopback and vhost_vsock are seen");
	rmdir(p);
	snprintf(p, sizeof(p), "%s/vsock_loopback", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/vsock", dir);
	rmdir(p);
	rmdir(dir);
}

/* ---------------------------------------------------------- hybrid vsock */

static void test_hybrid_parse(void)
{
	static const struct {
		const char *line;
		int ret;
		uint32_t port;
	} cases[] = {
		{ "OK 1073741824\n", 0, 1073741824 },
		{ "OK 52\r\n", 0, 52 },
		{ "OK\n", 0, NSV_PORT_ANY },
		{ "OK 0x10\n", 0, 16 },
		{ "ok 52\n", -EPROTO, 0 },
		{ "OK 52", -EPROTO, 0 },
		{ "OK  52\n", -EPROTO, 0 },
		{ "OK x\n", -EPROTO, 0 },
		{ "OK *\n", -EPROTO, 0 },
		{ "OK 4294967296\n", -EPROTO, 0 },
		{ "OK52\n", -EPROTO, 0 },
		{ "ERR\n", -EPROTO, 0 },
		{ "\n", -EPROTO, 0 },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t port = 0;
		int r = nsv_hybrid_answer_parse(cases[i].line,
						strlen(cases[i].line), &port);

		tap_is_int(r, cases[i].ret, "answer %zu parses to %d", i,
			   cases[i].ret);
		if (!r)
			tap_is_int(port, cases[i].port, "answer %zu: port %u",
				   i, cases[i].port);
	}
	tap_is_int(nsv_hybrid_request(52, buf, sizeof(buf)), 11,
		   "CONNECT 52\\n is 11 bytes");
	tap_is_str(buf, "CONNECT 52\n", "the request line");
	tap_is_int(nsv_hybrid_request(4294967295U, buf, 8), -ENOSPC,
		   "request: short buffer");
	tap_is_int(nsv_hybrid_listen_path("/run/fc.sock", 52, buf, sizeof(buf)),
		   15, "UDS_PORT length");
	tap_is_str(buf, "/run/fc.sock_52",
		   "guest-initiated connections arrive on UDS_PORT");
}

/* Run the handshake against canned VMM bytes already waiting in a socketpair. */
static int handshake(const char *vmm_says, size_t n, bool close_after,
		     int timeout_ms, uint32_t *port, char *answer, size_t alen,
		     char *request, char *rest, size_t restlen)
{
	int sp[2], r;
	ssize_t got;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0)
		return -errno;
	if (n && write(sp[1], vmm_says, n) != (ssize_t)n)
		return -EIO;
	if (close_after)
		shutdown(sp[1], SHUT_WR);
	r = nsv_hybrid_handshake(sp[0], 52, timeout_ms, port, answer, alen);
	got = recv(sp[1], request, 63, MSG_DONTWAIT);
	request[got > 0 ? got : 0] = '\0';
	got = recv(sp[0], rest, restlen - 1, MSG_DONTWAIT);
	rest[got > 0 ? got : 0] = '\0';
	close(sp[0]);
	close(sp[1]);
	return r;
}

static void test_hybrid_handshake(void)
{
	char answer[NSV_HYBRID_LINE_MAX], req[64], rest[64], big[300];
	uint32_t port = 0;
	int r;

	r = handshake("OK 1073741824\nhello from the guest", 35, false, 1000,
		      &port, answer, sizeof(answer), req, rest, sizeof(rest));
	tap_is_int(r, 0, "handshake: OK answer accepted");
	tap_is_str(req, "CONNECT 52\n",
		   "handshake: the VMM got 'CONNECT 52\\n'");
	tap_is_int(port, 1073741824, "handshake: the host port of the answer");
	tap_is_str(answer, "OK 1073741824",
		   "handshake: the answer line without newline");
	tap_is_str(
		rest, "hello from the guest",
		"handshake: bytes right after the answer stay in the socket");

	r = handshake("ERR no such port\n", 17, false, 1000, &port, answer,
		      sizeof(answer), req, rest, sizeof(rest));
	tap_is_int(r, -EPROTO, "handshake: an ERR answer is -EPROTO");
	tap_is_str(answer, "ERR no such port",
		   "handshake: the bad answer is kept for the message");

	r = handshake("", 0, true, 1000, &port, answer, sizeof(answer), req,
		      rest, sizeof(rest));
	tap_is_int(r, -ECONNRESET,
		   "handshake: closed without an answer is -ECONNRESET");
	tap_is_str(answer, "", "handshake: and nothing came back");

	r = handshake("OK 5", 4, true, 1000, &port, answer, sizeof(answer), req,
		      rest, sizeof(rest));
	tap_is_int(r, -ECONNRESET,
		   "handshake: closed in mid-line is -ECONNRESET");
	tap_is_str(answer, "OK 5", "handshake: with the half line kept");

	r = handshake("", 0, false, 50, &port, answer, sizeof(answer), req,
		      rest, sizeof(rest));
	tap_is_int(r, -ETIMEDOUT, "handshake: a silent VMM times out");

	memset(big, 'x', sizeof(big));
	r = handshake(big, sizeof(big), false, 1000, &port, answer,
		      sizeof(answer), req, rest, sizeof(rest));
	tap_is_int(r, -EPROTO,
		   "handshake: a line longer than %d bytes is -EPROTO",
		   NSV_HYBRID_LINE_MAX);

	r = handshake("O\x01K\n", 4, false, 1000, &port, answer, sizeof(answer),
		      req, rest, sizeof(rest));
	tap_ok(r == -EPROTO && !strcmp(answer, "O?K"),
	       "handshake: control bytes of a bad answer are shown as '?'");
}

/* -------------------------------------------------------------- the relay */

struct feeder {
	int fd;
	const char *data;
	size_t len;
	bool shut; /* shutdown(SHUT_WR) instead of close() */
};

static void *feed(void *arg)
{
	struct feeder *f = arg;
	size_t off = 0;

	while (off < f->len) {
		ssize_t n = write(f->fd, f->data + off, f->len - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (f->shut)
		shutdown(f->fd, SHUT_WR);
	else
		close(f->fd);
	return NULL;
}

struct drainer {
	int fd;
	char *buf;
	size_t cap, len;
};

static void *drain(void *arg)
{
	struct drainer *d = arg;

	for (;;) {
		ssize_t n = read(d->fd, d->buf + d->len, d->cap - d->len);

		if (n <= 0)
			break;
		d->len += (size_t)n;
		if (d->len == d->cap)
			break;
	}
	return NULL;
}

static char *pattern(size_t n, unsigned int seed)
{
	char *p = malloc(n);
	uint32_t x = seed * 2654435761U + 1;

	for (size_t i = 0; p && i < n; i++) {
		x = x * 1103515245 + 12345;
		p[i] = (char)(x >> 16);
	}
	return p;
}

static void test_relay_stream(void)
{
	const size_t up = 3 << 20, down = (2 << 20) + 12345;
	char *x = pattern(up, 1), *y = pattern(down, 2);
	char *gx = malloc(up + 1), *gy = malloc(down + 1);
	int in[2], out[2], sp[2], r;
	struct feeder f1, f2;
	struct drainer d1, d2;
	pthread_t t[4];
	struct nsv_relay_stats st;
	struct nsv_relay_cfg c = { .bufsize = 65536, .linger_ms = -1 };

	if (!x || !y || !gx || !gy || pipe(in) || pipe(out) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sp)) {
		tap_ok(0, "pipes and a socketpair");
		goto out;
	}
	/* A: stdin pipe in[0] and stdout pipe out[1]; B: the socket sp[0] */
	f1 = (struct feeder){ in[1], x, up, false };
	f2 = (struct feeder){ sp[1], y, down, true };
	d1 = (struct drainer){ sp[1], gx, up + 1, 0 };
	d2 = (struct drainer){ out[0], gy, down + 1, 0 };
	pthread_create(&t[0], NULL, feed, &f1);
	pthread_create(&t[1], NULL, feed, &f2);
	pthread_create(&t[2], NULL, drain, &d1);
	pthread_create(&t[3], NULL, drain, &d2);
	r = nsv_relay(in[0], out[1], sp[0], sp[0], &c, &st);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	tap_is_int(r, 0, "relay: both directions end at EOF");
	tap_ok(d1.len == up && !memcmp(gx, x, up),
	       "relay: 3 MiB from a pipe reach the socket intact");
	tap_ok(d2.len == down && !memcmp(gy, y, down),
	       "relay: 2 MiB + 12345 from the socket reach the output pipe intact");
	tap_ok(st.bytes[0] == up && st.bytes[1] == down,
	       "relay: byte counts %llu and %llu",
	       (unsigned long long)st.bytes[0],
	       (unsigned long long)st.bytes[1]);
	tap_ok(fcntl(out[1], F_GETFD) < 0 && errno == EBADF,
	       "relay: the output pipe was closed at its EOF, so its reader saw the end");
	close(in[0]);
	close(out[0]);
	close(sp[0]);
	close(sp[1]);
out:
	free(x);
	free(y);
	free(gx);
	free(gy);
}

/* A regular file into a stream socket takes the sendfile() path. */
static void test_relay_sendfile(void)
{
	const size_t n = (1 << 20) + 777;
	char *x = pattern(n, 5), *got = malloc(n + 1);
	char path[] = "/tmp/nsv-relay.XXXXXX";
	struct nsv_relay_cfg c = { .linger_ms = -1 };
	struct nsv_relay_stats st;
	struct drainer d;
	pthread_t t;
	int fd, sp[2], r, fl;

	fd = mkstemp(path);
	if (!x || !got || fd < 0 || write(fd, x, n) != (ssize_t)n ||
	    lseek(fd, 0, SEEK_SET) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sp)) {
		tap_ok(0, "a temporary file and a socketpair");
		free(x);
		free(got);
		return;
	}
	unlink(path);
	shutdown(sp[1], SHUT_WR);
	d = (struct drainer){ sp[1], got, n + 1, 0 };
	pthread_create(&t, NULL, drain, &d);
	r = nsv_relay(fd, -1, sp[0], sp[0], &c, &st);
	pthread_join(t, NULL);
	fl = fcntl(sp[0], F_GETFL);
	tap_ok(r == 0 && d.len == n && !memcmp(got, x, n) && st.bytes[0] == n,
	       "sendfile: a 1 MiB + 777 B file reaches the socket intact");
	tap_ok(fl >= 0 && !(fl & O_NONBLOCK),
	       "sendfile: the socket is blocking again afterwards");
	tap_is_int(st.via[0], NSV_RELAY_VIA_SENDFILE,
		   "sendfile: the stats say so");
	close(fd);
	close(sp[0]);
	close(sp[1]);
	free(x);
	free(got);
}

/*
 * 300 KiB from a file (or through a pipe) into a stream socketpair with
 * @path; returns how the relay says it went, -1 if the bytes or the
 * socket's flags came out wrong.
 */
static int relay_path(enum nsv_relay_path path, bool pipe_in)
{
	const size_t n = 300 * 1024 + 11;
	char *x = pattern(n, 7), *got = malloc(n + 1);
	char tmpl[] = "/tmp/nsv-path.XXXXXX";
	struct nsv_relay_cfg c = { .linger_ms = -1, .path = path };
	struct nsv_relay_stats st;
	struct feeder f;
	struct drainer d;
	pthread_t t[2];
	int in = -1, p[2] = { -1, -1 }, sp[2], r, fl, via = -1;

	if (!x || !got || socketpair(AF_UNIX, SOCK_STREAM, 0, sp))
		goto out;
	if (pipe_in) {
		if (pipe(p))
			goto out;
		in = p[0];
		f = (struct feeder){ p[1], x, n, false };
		pthread_create(&t[1], NULL, feed, &f);
	} else {
		in = mkstemp(tmpl);
		if (in < 0 || write(in, x, n) != (ssize_t)n ||
		    lseek(in, 0, SEEK_SET) != 0)
			goto out;
		unlink(tmpl);
	}
	shutdown(sp[1], SHUT_WR);
	d = (struct drainer){ sp[1], got, n + 1, 0 };
	pthread_create(&t[0], NULL, drain, &d);
	r = nsv_relay(in, -1, sp[0], sp[0], &c, &st);
	pthread_join(t[0], NULL);
	if (pipe_in)
		pthread_join(t[1], NULL);
	fl = fcntl(sp[0], F_GETFL);
	if (r == 0 && d.len == n && !memcmp(got, x, n) && st.bytes[0] == n &&
	    fl >= 0 && !(fl & O_NONBLOCK))
		via = (int)st.via[0];
	close(sp[0]);
	close(sp[1]);
out:
	if (in >= 0)
		close(in);
	free(x);
	free(got);
	return via;
}

static int open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

/*
 * The data path: asked for, or chosen. Only a vsock output consults the
 * splice probe (vsock has no sendpage: the probe's Unix datagram socket
 * takes its path); a Unix stream socket keeps sendfile()/splice().
 */
static void test_relay_paths(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	int fds = open_fds(), a, b, sv[2], fd;
	char tmpl[] = "/tmp/nsv-probe.XXXXXX", *buf = calloc(4, (size_t)pg);
	ssize_t n = -1;

	tap_is_int(
		relay_path(NSV_RELAY_PATH_AUTO, false), NSV_RELAY_VIA_SENDFILE,
		"path auto, file to a Unix socket: sendfile(), bytes intact");
	tap_is_int(relay_path(NSV_RELAY_PATH_AUTO, true), NSV_RELAY_VIA_SPLICE,
		   "path auto, pipe to a Unix socket: splice(), bytes intact");
	tap_is_int(
		relay_path(NSV_RELAY_PATH_COPY, false), NSV_RELAY_VIA_COPY,
		"path copy, file: read() and send(), bytes intact, the socket still blocking");
	tap_is_int(relay_path(NSV_RELAY_PATH_COPY, true), NSV_RELAY_VIA_COPY,
		   "path copy, pipe: read() and send(), bytes intact");
	tap_is_int(relay_path(NSV_RELAY_PATH_SPLICE, false),
		   NSV_RELAY_VIA_SENDFILE, "path splice, file: sendfile()");

	a = nsv_relay_splice_probe();
	tap_ok(a == 0 || a == 1, "splice probe: an answer (%d), no error", a);
	tap_is_int(open_fds(), fds, "splice probe: no fd left open");
	b = nsv_relay_splice_probe();
	tap_is_int(b, a, "splice probe: the same answer again (kept)");

	/*
	 * The same question asked another way: sendfile() of two pages of a
	 * file into a Unix datagram socket arrives as one datagram when the
	 * kernel batches pages, as two when it sends page by page.
	 */
	fd = mkstemp(tmpl);
	if (buf && fd >= 0 && !socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)) {
		unlink(tmpl);
		if (write(fd, buf, 2 * (size_t)pg) == 2 * pg &&
		    lseek(fd, 0, SEEK_SET) == 0 &&
		    sendfile(sv[0], fd, NULL, 2 * (size_t)pg) > 0)
			n = recv(sv[1], buf, 4 * (size_t)pg,
				 MSG_DONTWAIT | MSG_TRUNC);
		close(sv[0]);
		close(sv[1]);
	}
	if (fd >= 0)
		close(fd);
	tap_is_int(
		n == 2 * pg, a == 1,
		"splice probe: agrees with sendfile() into a datagram socket (first datagram %zd bytes)",
		n);
	free(buf);
}

/* The socket side stops sending first; our side keeps sending after it. */
static void test_relay_half_close(void)
{
	int sp[2], in[2], r;
	char buf[64] = "";
	struct nsv_relay_stats st;
	struct nsv_relay_cfg c = { .linger_ms = -1 };
	ssize_t n;

	if (pipe(in) || socketpair(AF_UNIX, SOCK_STREAM, 0, sp)) {
		tap_ok(0, "pipes and a socketpair");
		return;
	}
	shutdown(sp[1], SHUT_WR); /* the peer has nothing to say */
	n = write(in[1], "late data", 9); /* we do, after its EOF */
	close(in[1]);
	r = nsv_relay(in[0], -1 /* no output wanted */, sp[0], sp[0], &c, &st);
	tap_ok(r == 0 && n == 9, "half-close: the relay ends cleanly");
	n = recv(sp[1], buf, sizeof(buf) - 1, 0);
	tap_ok(n == 9 && !memcmp(buf, "late data", 9),
	       "half-close: data sent after the peer's EOF still arrives");
	tap_is_int(recv(sp[1], buf, sizeof(buf), MSG_DONTWAIT), 0,
		   "half-close: and then the peer sees our EOF (shutdown)");
	close(in[0]);
	close(sp[0]);
	close(sp[1]);

	/* --no-shutdown: the peer sees no EOF; -q 0 ends the relay. */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	c.no_shutdown = true;
	c.linger_ms = 0;
	r = nsv_relay(-1, -1, sp[0], sp[0], &c, &st);
	tap_ok(r == 0 && st.lingered,
	       "--no-shutdown -q 0: the relay quits at input EOF");
	tap_is_int(recv(sp[1], buf, sizeof(buf), MSG_DONTWAIT), -1,
		   "--no-shutdown: the peer did not get EOF");
	close(sp[0]);
	close(sp[1]);
}

static void test_relay_messages(void)
{
	static const size_t sizes[] = {
		1, 2, 1000, 65535, 65536, 65537, 150000
	};
	const size_t nsz = sizeof(sizes) / sizeof(sizes[0]);
	int a[2], b[2], r, sb = 1 << 20;
	struct nsv_relay_stats st;
	struct nsv_relay_cfg c = { .bufsize = 200000,
				   .messages = true,
				   .linger_ms = -1 };
	char *buf = malloc(1 << 20), *p;
	size_t i, good = 0;

	if (!buf || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, a) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, b)) {
		tap_ok(0, "SEQPACKET socketpairs");
		free(buf);
		return;
	}
	setsockopt(a[1], SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
	setsockopt(b[0], SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
	for (i = 0; i < nsz; i++) {
		p = pattern(sizes[i], (unsigned int)i);
		send(a[1], p, sizes[i], 0);
		free(p);
	}
	shutdown(a[1], SHUT_WR);
	shutdown(b[1], SHUT_WR);
	r = nsv_relay(a[0], a[0], b[0], b[0], &c, &st);
	tap_is_int(r, 0, "messages: the relay ends cleanly");
	for (i = 0; i < nsz; i++) {
		ssize_t n = recv(b[1], buf, 1 << 20, MSG_DONTWAIT);

		p = pattern(sizes[i], (unsigned int)i);
		if (n == (ssize_t)sizes[i] && !memcmp(buf, p, sizes[i]))
			good++;
		free(p);
	}
	tap_is_int(good, nsz,
		   "messages: each of 1 B .. 150000 B arrives whole and alone");
	tap_is_int(st.writes[0], nsz, "messages: counted as %zu messages", nsz);
	tap_is_int(recv(b[1], buf, 1, MSG_DONTWAIT), 0, "messages: then EOF");
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);

	/* Bigger than the buffer: an error, never a cut message. */
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, a);
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, b);
	setsockopt(a[1], SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
	p = pattern(150000, 9);
	send(a[1], p, 150000, 0);
	free(p);
	shutdown(b[1], SHUT_WR);
	c.bufsize = 100000;
	r = nsv_relay(a[0], a[0], b[0], b[0], &c, &st);
	tap_ok(r == -EMSGSIZE && st.err[0] == -EMSGSIZE && !st.err_write[0],
	       "messages: 150000 B into a 100000 B buffer is -EMSGSIZE on read");
	tap_is_int(recv(b[1], buf, 1 << 20, MSG_DONTWAIT), 0,
		   "messages: nothing was sent, and the other side got EOF");
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	free(buf);
}

static void test_relay_errors(void)
{
	int sp[2], in[2], out[2], r;
	struct nsv_relay_stats st;
	struct nsv_relay_cfg c = { .linger_ms = -1 };
	char block[4096];

	/* The peer is gone: writing to it fails, the count says what was lost. */
	pipe(in);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	close(sp[1]);
	memset(block, 'z', sizeof(block));
	write(in[1], block, sizeof(block));
	close(in[1]);
	r = nsv_relay(in[0], -1, sp[0], sp[0], &c, &st);
	tap_ok(r == -EPIPE && st.err_write[0] && st.unsent[0] == sizeof(block),
	       "a closed peer: -EPIPE on write, %zu bytes not delivered",
	       sizeof(block));
	close(in[0]);
	close(sp[0]);

	/* Standard output is gone: like SIGPIPE for a filter, both end. */
	pipe(in);
	pipe(out);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	close(out[0]);
	send(sp[1], "data", 4, 0);
	r = nsv_relay(in[0], out[1], sp[0], sp[0], &c, &st);
	tap_ok(r == -EPIPE && st.err[1] == -EPIPE && st.err_write[1],
	       "stdout gone: the relay ends with -EPIPE although stdin is open");
	close(in[0]);
	close(in[1]);
	close(sp[0]);
	close(sp[1]);
}

/* -C: fixed inputs, fixed bytes, a CR at the end of one read remembered. */
static void test_relay_crlf(void)
{
	static const struct {
		const char *in, *out;
		bool cr_before, cr_after;
	} cases[] = {
		{ "", "", false, false },
		{ "abc", "abc", false, false },
		{ "a\n", "a\r\n", false, false },
		{ "\n\n", "\r\n\r\n", false, false },
		{ "a\r\nb\n", "a\r\nb\r\n", false, false },
		{ "\n", "\n", true, false }, /* CR came in the last read */
		{ "\nx", "\nx", true, false },
		{ "x\r", "x\r", false, true },
		{ "\r\r\n\n", "\r\r\n\r\n", false, false },
		{ "line 1\nline 2\n", "line 1\r\nline 2\r\n", false, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64];
		size_t len = strlen(cases[i].in), n;
		bool cr = cases[i].cr_before;

		memcpy(buf, cases[i].in, len);
		n = nsv_relay_crlf(buf, len, &cr);
		buf[n] = '\0';
		tap_ok(n == strlen(cases[i].out) &&
			       !strcmp(buf, cases[i].out) &&
			       cr == cases[i].cr_after,
		       "crlf case %zu: %zu bytes in, %zu out, CR at end %d", i,
		       len, strlen(cases[i].out), cases[i].cr_after);
	}
}

/* A filter that upper-cases what it sees and counts its calls. */
struct upper {
	int calls[2], woken;
	int wake_fd;
	char seen[2][256];
	size_t nseen[2];
};

static ssize_t upper_filter(void *arg, int dir, char *buf, size_t len,
			    size_t cap)
{
	struct upper *u = arg;

	(void)cap;
	u->calls[dir]++;
	if (len == 0) {
		char c;

		u->woken++;
		while (read(u->wake_fd, &c, 1) == 1)
			;
		memcpy(buf, "[W]", 3);
		return 3;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] >= 'a' && buf[i] <= 'z')
			buf[i] = (char)(buf[i] - 32);
		if (u->nseen[dir] < sizeof(u->seen[dir]) - 1)
			u->seen[dir][u->nseen[dir]++] = buf[i];
	}
	return (ssize_t)len;
}

static ssize_t failing_filter(void *arg, int dir, char *buf, size_t len,
			      size_t cap)
{
	(void)arg;
	(void)dir;
	(void)buf;
	(void)len;
	(void)cap;
	return -ENOSPC;
}

static void test_relay_filters(void)
{
	struct nsv_relay_cfg c = { .linger_ms = -1 };
	struct nsv_relay_stats st;
	struct upper u = { .wake_fd = -1 };
	int in[2], out[2], sp[2], wk[2], r;
	char buf[256] = "";
	ssize_t n;

	/* -C and a filter on direction 0, the other direction untouched */
	pipe(in);
	pipe(out);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	write(in[1], "one\ntwo\n", 8);
	close(in[1]);
	send(sp[1], "back\n", 5, 0);
	shutdown(sp[1], SHUT_WR);
	c.dir[0].crlf = true;
	c.dir[0].filter = upper_filter;
	c.dir[0].arg = &u;
	r = nsv_relay(in[0], out[1], sp[0], sp[0], &c, &st);
	n = recv(sp[1], buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	tap_ok(r == 0 && !strcmp(buf, "ONE\r\nTWO\r\n"),
	       "filter: -C then the filter shape what is sent");
	tap_ok(u.nseen[0] == 10 && u.calls[1] == 0,
	       "filter: it saw the 10 converted bytes, and nothing of the other direction");
	tap_is_int(st.bytes[0], 10, "filter: the count is of bytes written");
	n = read(out[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	tap_is_str(buf, "back\n", "filter: the other direction is as it came");
	close(out[0]);
	close(in[0]);
	close(sp[0]);
	close(sp[1]);

	/* a filter error ends the relay with that error */
	pipe(in);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	write(in[1], "x", 1);
	memset(&c, 0, sizeof(c));
	c.linger_ms = -1;
	c.dir[0].filter = failing_filter;
	r = nsv_relay(in[0], -1, sp[0], sp[0], &c, &st);
	tap_ok(r == -ENOSPC && st.err[0] == -ENOSPC,
	       "filter: its -ENOSPC ends the relay, though the input is open");
	close(in[0]);
	close(in[1]);
	close(sp[0]);
	close(sp[1]);

	/* the wake fd: the filter is called with no data and sends its own */
	memset(&u, 0, sizeof(u));
	memset(&c, 0, sizeof(c));
	pipe(in);
	pipe2(wk, O_NONBLOCK);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	u.wake_fd = wk[0];
	c.linger_ms = -1;
	c.idle_ms = 300; /* the way out: nothing else ends this relay */
	c.dir[0].filter = upper_filter;
	c.dir[0].arg = &u;
	c.dir[0].wake_fd = wk[0];
	write(wk[1], "w", 1);
	r = nsv_relay(in[0], -1, sp[0], sp[0], &c, &st);
	n = recv(sp[1], buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	tap_ok(u.woken == 1 && !strcmp(buf, "[W]"),
	       "wake fd: the filter was called once with no data, its bytes were sent");
	tap_ok(r == -ETIMEDOUT && st.idle,
	       "idle: then 300 ms of nothing end the relay with -ETIMEDOUT");
	close(in[0]);
	close(in[1]);
	close(wk[0]);
	close(wk[1]);
	close(sp[0]);
	close(sp[1]);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

struct stamped {
	int fd;
	int64_t t[8];
	char lines[8][32];
	int n;
};

/* Read lines, each with the time it arrived. */
static void *stamp(void *arg)
{
	struct stamped *s = arg;
	char buf[256];
	size_t have = 0;

	for (;;) {
		ssize_t n = read(s->fd, buf + have, sizeof(buf) - 1 - have);
		char *nl;

		if (n <= 0)
			break;
		have += (size_t)n;
		while ((nl = memchr(buf, '\n', have)) && s->n < 8) {
			size_t l = (size_t)(nl - buf) + 1;

			snprintf(s->lines[s->n], sizeof(s->lines[0]), "%.*s",
				 (int)l - 1, buf);
			s->t[s->n++] = now_ms();
			memmove(buf, buf + l, have - l);
			have -= l;
		}
	}
	return NULL;
}

static void test_relay_timers(void)
{
	struct nsv_relay_cfg c = { .linger_ms = -1 };
	struct nsv_relay_stats st;
	struct stamped s = { 0 };
	pthread_t t;
	int in[2], sp[2], r;
	int64_t t0, dt;

	/*
	 * -d: one line per write, 400 ms between lines, none before the
	 * first; that long, so that a loaded machine's scheduling delays
	 * (the lab's VMs run beside these tests) cannot pass for a delay.
	 */
	pipe(in);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	write(in[1], "a\nb\nc\n", 6);
	close(in[1]);
	shutdown(sp[1], SHUT_WR);
	s.fd = sp[1];
	c.dir[0].line_delay_ms = 400;
	pthread_create(&t, NULL, stamp, &s);
	t0 = now_ms();
	r = nsv_relay(in[0], -1, sp[0], sp[0], &c, &st);
	dt = now_ms() - t0;
	pthread_join(t, NULL);
	tap_ok(r == 0 && s.n == 3 && !strcmp(s.lines[0], "a") &&
		       !strcmp(s.lines[1], "b") && !strcmp(s.lines[2], "c"),
	       "-d: three lines arrive whole and in order");
	tap_ok(s.n == 3 && s.t[1] - s.t[0] >= 390 && s.t[2] - s.t[1] >= 390,
	       "-d 0.4: at least 400 ms between lines (%lld, %lld ms)",
	       (long long)(s.t[1] - s.t[0]), (long long)(s.t[2] - s.t[1]));
	tap_ok(s.n == 3 && s.t[0] - t0 < 390,
	       "-d: the first line goes at once (%lld ms)",
	       (long long)(s.t[0] - t0));
	tap_ok(dt >= 790, "-d: the relay took the delays (%lld ms)",
	       (long long)dt);
	close(in[0]);
	close(sp[0]);
	close(sp[1]);

	/* -i: data keeps the relay alive, silence ends it */
	pipe(in);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	memset(&c, 0, sizeof(c));
	c.linger_ms = -1;
	c.idle_ms = 200;
	t0 = now_ms();
	r = nsv_relay(in[0], -1, sp[0], sp[0], &c, &st);
	dt = now_ms() - t0;
	tap_ok(r == -ETIMEDOUT && st.idle && !st.err[0] && !st.err[1],
	       "-i 0.2: a silent relay ends with -ETIMEDOUT, no direction failed");
	tap_ok(dt >= 195 && dt < 2000, "-i 0.2: after 200 ms (%lld ms)",
	       (long long)dt);
	close(in[0]);
	close(in[1]);
	close(sp[0]);
	close(sp[1]);
}

/* The tick sees the counts grow; a pty master's EIO is EOF. */
struct ticks {
	int n;
	uint64_t last;
};

static void on_tick(void *arg, const struct nsv_relay_stats *st)
{
	struct ticks *k = arg;

	k->n++;
	k->last = st->usec;
}

static void test_relay_tick_pty(void)
{
	struct nsv_relay_cfg c = { .linger_ms = -1 };
	struct nsv_relay_stats st;
	struct ticks k = { 0 };
	int in[2], sp[2], r, m, sl;
	char buf[64] = "";
	ssize_t n;

	pipe(in);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	c.idle_ms = 350;
	c.tick_ms = 100;
	c.tick = on_tick;
	c.tick_arg = &k;
	r = nsv_relay(in[0], -1, sp[0], sp[0], &c, &st);
	tap_ok(r == -ETIMEDOUT && k.n >= 2 && k.n <= 4 && k.last >= 100000,
	       "tick: every 100 ms of a 350 ms relay (%d calls)", k.n);
	close(in[0]);
	close(in[1]);
	close(sp[0]);
	close(sp[1]);

	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m) ||
	    (sl = open(ptsname(m), O_RDWR | O_NOCTTY)) < 0) {
		tap_skip("no pseudo-terminal here");
		return;
	}
	fcntl(m, F_SETFL, O_NONBLOCK);
	write(sl, "from pty\n", 9);
	close(sl); /* the program's side is gone: the master reads EIO */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	shutdown(sp[1], SHUT_WR);
	memset(&c, 0, sizeof(c));
	c.linger_ms = -1;
	c.a_pty = true;
	r = nsv_relay(m, m, sp[0], sp[0], &c, &st);
	n = recv(sp[1], buf, sizeof(buf) - 1, MSG_DONTWAIT);
	tap_ok(r == 0 && n > 0 && strstr(buf, "from pty"),
	       "pty: what the program wrote arrives, then its EIO is EOF");
	close(m);
	close(sp[0]);
	close(sp[1]);
}

/*
 * A peer's EOF reaches a program on a pty as end-of-file, after every byte
 * before it, a line cut short included; and the session, though it lingers
 * for nobody (linger 0, as vncat's terminal sessions), lasts until the
 * program has ended and its last words are out.
 */
static void test_relay_pty_eof(void)
{
	struct nsv_relay_cfg c = { .linger_ms = 0, .a_pty = true };
	struct nsv_relay_stats st;
	char buf[512] = "", *name;
	int m, sl, sp[2], r, status;
	size_t got = 0;
	pid_t pid;
	ssize_t n;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m) || !(name = ptsname(m))) {
		tap_skip("no pseudo-terminal here");
		return;
	}
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	pid = fork();
	if (pid == 0) {
		char line[64], out[256];
		size_t len = 0;
		ssize_t k;

		alarm(10); /* an EOF that never comes fails, not hangs */
		sl = open(name, O_RDWR | O_NOCTTY);
		if (sl < 0)
			_exit(1);
		/* canonical mode: each read is a line, or what VEOF pushed */
		while ((k = read(sl, line, sizeof(line) - 1)) > 0) {
			line[k] = '\0';
			if (line[k - 1] == '\n')
				line[k - 1] = '/';
			len += (size_t)snprintf(out + len, sizeof(out) - len,
						"[%s]", line);
		}
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s\n",
					k == 0 ? "EOF" : "ERR");
		sleep(1); /* the relay would have left by now, if it lingered */
		if (write(sl, out, len) < 0)
			_exit(1);
		_exit(0);
	}
	send(sp[1], "one\npart", 8, 0);
	shutdown(sp[1], SHUT_WR);
	fcntl(m, F_SETFL, O_NONBLOCK);
	r = nsv_relay(m, m, sp[0], sp[0], &c, &st);
	while (got < sizeof(buf) - 1 &&
	       (n = recv(sp[1], buf + got, sizeof(buf) - 1 - got,
			 MSG_DONTWAIT)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	waitpid(pid, &status, 0);
	tap_ok(r == 0 && strstr(buf, "[one/][part]EOF"),
	       "pty: the peer's EOF is the program's end-of-file, after a line "
	       "cut short; the relay waits for the program");
	if (!strstr(buf, "[one/][part]EOF"))
		tap_diag("the relay gave %d, the program's side: %s", r, buf);
	close(m);
	close(sp[0]);
	close(sp[1]);
}

int main(void)
{
	/* a relay bug that hangs must fail, not stall the suite */
	signal(SIGPIPE, SIG_IGN);
	alarm(60);
	test_cidlist();
	test_allow_deny();
	test_endpoints();
	test_explain();
	test_explain_nsmode();
	test_endpoint_explain();
	test_transports();
	test_hybrid_parse();
	test_hybrid_handshake();
	test_relay_stream();
	test_relay_sendfile();
	test_relay_paths();
	test_relay_half_close();
	test_relay_messages();
	test_relay_errors();
	test_relay_crlf();
	test_relay_filters();
	test_relay_timers();
	test_relay_tick_pty();
	test_relay_pty_eof();
	return tap_done();
}
