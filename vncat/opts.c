// SPDX-License-Identifier: GPL-2.0-or-later
/* vncat: the option table, the operands and the checks that tie them. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "vncat.h"

enum {
	OPT_MAX_CONNS = 256,
	OPT_SEQPACKET,
	OPT_DGRAM,
	OPT_STREAM,
	OPT_SIBLING,
	OPT_ALLOW,
	OPT_DENY,
	OPT_HYBRID,
	OPT_RETRY,
	OPT_NO_SHUTDOWN,
	OPT_BUFSIZE,
	OPT_SEND_ONLY,
	OPT_RECV_ONLY,
	OPT_PTY,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_APPEND,
	OPT_DATA_PATH,
};

static const struct nsv_opt options[] = {
	{ "listen", 'l', no_argument, NULL,
	  "listen: [CID] PORT, -p PORT, or an endpoint" },
	{ "keep-open", 'k', no_argument, NULL,
	  "with -l: serve clients concurrently, keep listening" },
	{ "max-conns", OPT_MAX_CONNS, required_argument, "N",
	  "with -k: at most N at a time (others wait)" },
	{ "source", 's', required_argument, "CID", "local CID to bind to" },
	{ "source-port", 'p', required_argument, "PORT",
	  "local port (with -l: the port to listen on)" },
	{ "stream", OPT_STREAM, no_argument, NULL,
	  "SOCK_STREAM (the default)" },
	{ "seqpacket", OPT_SEQPACKET, no_argument, NULL,
	  "SOCK_SEQPACKET: one read is one message" },
	{ "dgram", OPT_DGRAM, no_argument, NULL,
	  "SOCK_DGRAM (only where the transport has it)" },
	{ "sibling", OPT_SIBLING, no_argument, NULL,
	  "VMADDR_FLAG_TO_HOST: reach a sibling VM via the host" },
	{ "allow-cid", OPT_ALLOW, required_argument, "LIST",
	  "with -l: accept only these peer CIDs (3,5-9,host)" },
	{ "deny-cid", OPT_DENY, required_argument, "LIST",
	  "with -l: refuse these peer CIDs" },
	{ "exec", 'e', required_argument, "PROG [ARGS]",
	  "run PROG on the connection (no shell; must come last)" },
	{ "sh-exec", 'c', required_argument, "CMD",
	  "run CMD with /bin/sh -c on the connection" },
	{ "hybrid", OPT_HYBRID, required_argument, "UDS",
	  "hybrid vsock through the VMM's Unix socket" },
	{ "netns", 'N', required_argument, "NS",
	  "do everything in network namespace NAME|PATH|PID" },
	{ "wait", 'w', required_argument, "SECS",
	  "connect timeout (SO_VM_SOCKETS_CONNECT_TIMEOUT)" },
	{ "retry", OPT_RETRY, required_argument, "SECS",
	  "retry until a listener appears, for up to SECS" },
	{ "no-shutdown", OPT_NO_SHUTDOWN, no_argument, NULL,
	  "keep the write side open after input EOF" },
	{ "linger", 'q', required_argument, "SECS",
	  "after the first EOF wait at most SECS, then quit" },
	{ "idle-timeout", 'i', required_argument, "SECS",
	  "end a connection idle for SECS (exit 1)" },
	{ "send-only", OPT_SEND_ONLY, no_argument, NULL,
	  "only send; quit at input EOF" },
	{ "recv-only", OPT_RECV_ONLY, no_argument, NULL,
	  "only receive; standard input is not read" },
	{ "crlf", 'C', no_argument, NULL, "send line ends as CRLF" },
	{ "delay", 'd', required_argument, "SECS",
	  "send one line at a time, SECS apart" },
	{ "pty", OPT_PTY, no_argument, NULL,
	  "-e/-c on a pseudo-terminal; alone: be its terminal" },
	{ "output", 'o', required_argument, "FILE",
	  "log the session's bytes to FILE" },
	{ "hex-dump", 'x', required_argument, "FILE",
	  "log the session as a hex dump to FILE" },
	{ "append-output", OPT_APPEND, no_argument, NULL,
	  "append to the -o/-x files" },
	{ "progress", OPT_PROGRESS, no_argument, NULL,
	  "show progress on stderr even when not a terminal" },
	{ "no-progress", OPT_NO_PROGRESS, no_argument, NULL,
	  "never show progress" },
	{ "scan", 'z', no_argument, NULL,
	  "scan: CID PORT[-PORT], print listening ports" },
	{ "bufsize", OPT_BUFSIZE, required_argument, "BYTES",
	  "SO_VM_SOCKETS_BUFFER_SIZE, default 4M (K, M, G)" },
	{ "data-path", OPT_DATA_PATH, required_argument, "HOW",
	  "file or pipe to a stream socket: auto, splice, copy" },
	{ "numeric", 'n', no_argument, NULL,
	  "CIDs as numbers in messages, no names read" },
	{ "verbose", 'v', no_argument, NULL,
	  "addresses, connections, byte counts, throughput" },
	{ "help", 'h', no_argument, NULL, "show this help" },
	{ "version", 'V', no_argument, NULL, "show the version" },
	{ NULL, 0, 0, NULL, NULL },
};

static void usage(FILE *f)
{
	fputs("Usage: vncat [OPTIONS] CID PORT [TARGET]       connect\n"
	      "       vncat [OPTIONS] -l [CID] PORT [TARGET]  listen\n"
	      "       vncat [OPTIONS] --hybrid UDS [-l] PORT [TARGET]\n"
	      "       vncat [OPTIONS] -l ENDPOINT TARGET       relay\n"
	      "       vncat -z [OPTIONS] CID PORT[-PORT]      scan\n"
	      "netcat for AF_VSOCK: connect, listen, relay to TCP and Unix sockets.\n"
	      "CID: a number (decimal or 0x-hex), any, hypervisor, local, host,\n"
	      "  or a name from /etc/vsock-hosts or a running VM (vsock-hosts(5)).\n"
	      "ENDPOINT, TARGET: vsock:CID:PORT, tcp:HOST:PORT, unix:PATH,\n"
	      "  hybrid:UDS:PORT.\n\nOptions:\n",
	      f);
	nsv_help_print(f, options);
	fputs("\nExamples:\n"
	      "  vncat -l 5000 > file            receive a file on port 5000\n"
	      "  vncat 3 5000 < file             send it from the host to CID 3\n"
	      "  vncat -lk 5000 -e /bin/cat      an echo server for many clients\n"
	      "  vncat -l 5000 tcp:127.0.0.1:22  offer this host's ssh on vsock 5000\n"
	      "  vncat -l tcp::2222 vsock:3:22   offer CID 3's port 22 on TCP 2222\n"
	      "  vncat --hybrid /run/fc.sock 52  port 52 of a Firecracker guest\n"
	      "  vncat --retry 30 3 22 -q 0 </dev/null   wait for a booting VM\n"
	      "  vncat -z local 1-1024           which ports listen on loopback\n"
	      "  vncat -l -k 22 --pty -c /bin/bash   a shell with job control\n"
	      "  vncat --pty 3 22                a terminal for it (window size too)\n"
	      "  vncat -x dump.txt 3 80          see both directions in hex\n"
	      "Exit status: 0 ok, 1 failure, 2 usage error. See vncat(1).\n",
	      f);
}

/* "1.5" -> 1500 ms; at most a day. */
static int parse_secs(const char *s, int *ms)
{
	double v;

	if (nsv_parse_secs(s, 86400, &v) < 0)
		return -EINVAL;
	*ms = (int)lround(v * 1000);
	return 0;
}

static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	if (*end || v < 4096 || v > (1ULL << 30))
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * An operand with a prefix, or with a colon that does not make CID:PORT, is
 * an endpoint: "foo:bar" is reported as a bad endpoint, not a bad port.
 */
static bool has_prefix(const char *s)
{
	static const char *const p[] = { "vsock:", "vsock-",
					 "tcp:", "unix:", "hybrid:" };
	struct nsv_addr a;
	size_t i;

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (!strncasecmp(s, p[i], strlen(p[i])))
			return true;
	return strchr(s, ':') &&
	       nsv_addr_parse_with(s, &a, nsv_cli_cid_lookup, NULL) < 0;
}

static int parse_endpoint(const char *s, struct nsv_endpoint *e)
{
	int r = nsv_endpoint_parse_with(s, e, nsv_cli_cid_lookup, NULL);

	if (r == -ENAMETOOLONG)
		return nsv_usage_err("'%s': Unix socket path too long", s);
	if (r < 0)
		return nsv_usage_err(
			"invalid endpoint '%s': use vsock:CID:PORT, "
			"tcp:HOST:PORT, unix:PATH or hybrid:UDS:PORT",
			s);
	return 0;
}

static int parse_cid(const char *s, uint32_t *cid)
{
	if (nsv_cid_parse(s, cid) < 0 && nsv_cli_cid_lookup(s, cid, NULL) < 0)
		return nsv_usage_err("invalid CID '%s': use a number, any, "
				     "hypervisor, local, host or a name "
				     "(vsock-hosts(5))",
				     s);
	return 0;
}

static int parse_port(const char *s, uint32_t *port, bool any_ok)
{
	if (nsv_port_parse(s, port) < 0 || (!any_ok && *port == NSV_PORT_ANY))
		return nsv_usage_err("invalid port '%s'", s);
	return 0;
}

static int oom(void)
{
	nsv_err("out of memory");
	return NSV_EXIT_FAIL;
}

/*
 * -e PROG ARGS...: PROG and every argument after it are the program's argv.
 * A lone -e "PROG ARGS" is split at blanks, as ncat does (no quoting: use -c
 * for that).
 */
static int take_exec(struct vncat_opts *o, const char *prog, char **rest,
		     int nrest)
{
	size_t n = 0, i = 0;
	char *p, *save = NULL;

	if (nrest == 0 && strpbrk(prog, " \t")) {
		o->exec_split = strdup(prog);
		if (!o->exec_split)
			return oom();
		for (p = o->exec_split; *p; p++)
			n += *p == ' ' || *p == '\t';
		o->exec_argv = calloc(n + 2, sizeof(char *));
		if (!o->exec_argv)
			return oom();
		for (p = strtok_r(o->exec_split, " \t", &save); p;
		     p = strtok_r(NULL, " \t", &save))
			o->exec_argv[i++] = p;
	} else {
		o->exec_argv = calloc((size_t)nrest + 2, sizeof(char *));
		if (!o->exec_argv)
			return oom();
		o->exec_argv[i++] = (char *)prog;
		for (int k = 0; k < nrest; k++)
			o->exec_argv[i++] = rest[k];
	}
	if (!i || !o->exec_argv[0][0])
		return nsv_usage_err("%s", "-e needs a program");
	return 0;
}

static int parse_operands(struct vncat_opts *o, char **ops, int n)
{
	int plain = 0, r;
	uint32_t cid = NSV_CID_ANY, port = NSV_PORT_ANY;

	/* leading operands without a prefix are the vsock address */
	while (plain < n && !has_prefix(ops[plain]))
		plain++;
	if (plain == 0 && n > 0) {
		if (o->hybrid)
			return nsv_usage_err("--hybrid takes a PORT, not '%s'",
					     ops[0]);
		r = parse_endpoint(ops[0], &o->ep);
		if (r)
			return r;
		if (o->ep.kind != NSV_EP_VSOCK && o->local_port_set)
			return nsv_usage_err("%s",
					     "-p names a vsock port; the "
					     "endpoint already says where");
		if (o->scan)
			return nsv_usage_err("%s", "-z takes CID PORT[-PORT]");
		ops++;
		n--;
	} else {
		char *a = plain > 0 ? ops[0] : NULL,
		     *b = plain > 1 ? ops[1] : NULL;

		if (plain > 2)
			return nsv_usage_err("unexpected operand '%s'", ops[2]);
		if (o->hybrid) {
			if (plain > 1)
				return nsv_usage_err(
					"unexpected operand '%s': "
					"--hybrid takes only a PORT",
					b);
			b = a;
			a = NULL;
		} else if (plain == 1 && !o->scan &&
			   (!o->listen || strchr(a, ':'))) {
			/* "CID:PORT" without the vsock: prefix */
			struct nsv_addr ad;

			if (nsv_addr_parse_with(a, &ad, nsv_cli_cid_lookup,
						NULL) < 0)
				return nsv_usage_err(
					"missing PORT after CID '%s'", a);
			if (o->listen &&
			    (o->local_cid_set || o->local_port_set))
				return nsv_usage_err("%s",
						     "-s/-p and a CID:PORT "
						     "operand both name the "
						     "listening address");
			cid = ad.cid;
			port = ad.port;
			a = b = NULL;
			goto have_addr;
		} else if (plain == 1) {
			b = a;
			a = NULL;
		}
		if (o->scan) {
			char *dash;

			if (!a && !o->hybrid)
				return nsv_usage_err(
					"%s", "-z needs CID PORT[-PORT]");
			if (!b)
				return nsv_usage_err("%s",
						     "-z needs a PORT range");
			if (a && (r = parse_cid(a, &cid)))
				return r;
			dash = strchr(b, '-');
			if (dash)
				*dash = '\0';
			if ((r = parse_port(b, &o->scan_lo, false)))
				return r;
			o->scan_hi = o->scan_lo;
			if (dash &&
			    (r = parse_port(dash + 1, &o->scan_hi, false)))
				return r;
			if (o->scan_hi < o->scan_lo) {
				*dash = '-';
				return nsv_usage_err("empty port range '%s'",
						     b);
			}
			port = o->scan_lo;
			goto have_addr;
		}
		if (a) {
			if (o->listen && o->local_cid_set)
				return nsv_usage_err(
					"%s", "-s and a CID operand "
					      "both name the listening CID");
			if ((r = parse_cid(a, &cid)))
				return r;
		} else if (o->listen) {
			cid = o->sock.local_cid;
		} else if (!o->hybrid) {
			return nsv_usage_err("%s", n ? "missing CID and PORT" :
						       "missing CID and PORT");
		}
		if (b) {
			if (o->listen && o->local_port_set)
				return nsv_usage_err(
					"%s", "-p and a PORT operand "
					      "both name the listening port");
			if ((r = parse_port(b, &port, o->listen)))
				return r;
		} else if (o->listen && o->local_port_set) {
			port = o->sock.local_port;
		} else if (o->listen && o->hybrid) {
			return nsv_usage_err("%s", "-l --hybrid needs a PORT");
		} else {
			return nsv_usage_err("%s", o->listen ?
							   "-l needs a PORT "
							   "(or -p PORT)" :
							   "missing PORT");
		}
have_addr:
		if (o->hybrid) {
			char tmp[NSV_UNIX_PATH_MAX + 16];

			snprintf(tmp, sizeof(tmp), "hybrid:%s:%u", o->hybrid,
				 port);
			r = parse_endpoint(tmp, &o->ep);
			if (r)
				return r;
		} else {
			o->ep.kind = NSV_EP_VSOCK;
			o->ep.vsock.cid = cid;
			o->ep.vsock.port = port;
			o->ep.vsock.type = NSV_SOCK_UNSPEC;
		}
		if (o->listen && !o->hybrid) {
			/* the listener's address is given, -s/-p were it */
			o->sock.local_cid = NSV_CID_ANY;
			o->sock.local_port = NSV_PORT_ANY;
		}
		ops += plain;
		n -= plain;
	}
	if (n > 1)
		return nsv_usage_err("unexpected operand '%s'", ops[1]);
	if (n == 1) {
		if (o->scan)
			return nsv_usage_err("unexpected operand '%s'", ops[0]);
		r = parse_endpoint(ops[0], &o->target);
		if (r)
			return r;
		o->has_target = true;
	}
	return 0;
}

/* The options that put vncat between the two sides of a connection. */
static int check_session(struct vncat_opts *o)
{
	bool exec = o->exec_argv || o->sh_cmd;
	bool messages = o->sock.type == NSV_SOCK_SEQPACKET ||
			o->sock.type == NSV_SOCK_DGRAM;

	if (o->scan && (o->log_path || o->hex_path || o->idle_ms || o->crlf ||
			o->delay_ms || o->send_only || o->recv_only || o->pty ||
			o->progress == VNCAT_PROGRESS_ON))
		return nsv_usage_err("%s", "-z only probes ports");
	if (o->append && !o->log_path && !o->hex_path)
		return nsv_usage_err("%s", "--append-output needs -o or -x");
	if (o->send_only && o->recv_only)
		return nsv_usage_err("%s", "--send-only and --recv-only "
					   "exclude each other");
	if ((o->send_only || o->recv_only) && (exec || o->has_target))
		return nsv_usage_err("%s", "--send-only and --recv-only are "
					   "for standard input and output");
	if (o->send_only && o->keep)
		return nsv_usage_err("%s", "--send-only with -k: -k "
					   "connections do not read standard "
					   "input");
	if ((o->crlf || o->delay_ms) && o->has_target)
		return nsv_usage_err("%s",
				     "-C and -d shape what standard input "
				     "or a program sends, not a relay");
	if ((o->crlf || o->delay_ms) && o->recv_only)
		return nsv_usage_err("%s", "-C and -d shape what is sent: not "
					   "with --recv-only");
	if (o->delay_ms && messages)
		return nsv_usage_err("%s", "-d sends lines: not with "
					   "--seqpacket or --dgram");
	if (o->pty) {
		if (messages)
			return nsv_usage_err("%s", "--pty needs a stream "
						   "connection");
		if (o->has_target)
			return nsv_usage_err("%s", "--pty is for -e/-c or a "
						   "terminal, not a relay");
		if (o->keep && !exec)
			return nsv_usage_err("%s", "--pty without -e/-c is a "
						   "terminal: not with -k");
		if (o->crlf || o->delay_ms || o->send_only || o->recv_only)
			return nsv_usage_err("%s", "--pty talks both ways as "
						   "is: not with -C, -d, "
						   "--send-only, --recv-only");
	}
	if (o->sock.type == NSV_SOCK_DGRAM && o->listen &&
	    (o->log_path || o->hex_path || o->idle_ms || o->crlf ||
	     o->send_only || o->recv_only || o->progress == VNCAT_PROGRESS_ON))
		return nsv_usage_err("%s", "--dgram -l only writes the "
					   "datagrams it receives");
	return 0;
}

static int check(struct vncat_opts *o)
{
	bool exec = o->exec_argv || o->sh_cmd;
	bool vsock_listen = o->listen && o->ep.kind == NSV_EP_VSOCK;

	if (o->listen && o->scan)
		return nsv_usage_err("%s", "-l and -z do not go together");
	if (o->keep && !o->listen)
		return nsv_usage_err("%s", "-k needs -l");
	if (o->max_conns && !o->keep)
		return nsv_usage_err("%s", "--max-conns needs -k");
	if ((o->allow.n || o->deny.n) && !vsock_listen)
		return nsv_usage_err("%s", "--allow-cid and --deny-cid need -l "
					   "on a vsock address");
	if (exec && o->has_target)
		return nsv_usage_err("%s",
				     "-e/-c and a relay TARGET exclude each "
				     "other");
	if (o->scan && (exec || o->has_target))
		return nsv_usage_err("%s", "-z only probes ports");
	if (o->sock.sibling && o->listen && !o->has_target)
		return nsv_usage_err("%s", "--sibling is for connecting");
	if (o->listen && !o->has_target && o->ep.kind != NSV_EP_VSOCK &&
	    o->ep.kind != NSV_EP_HYBRID)
		return nsv_usage_err("%s",
				     "-l on a TCP or Unix endpoint needs a "
				     "TARGET to relay to");
	if (!o->listen && o->ep.kind == NSV_EP_VSOCK &&
	    o->ep.vsock.port == NSV_PORT_ANY)
		return nsv_usage_err("%s", "cannot connect to port any");
	if (!o->listen && o->ep.kind == NSV_EP_VSOCK &&
	    o->ep.vsock.cid == NSV_CID_ANY)
		return nsv_usage_err("%s", "cannot connect to CID any");
	if (o->has_target && o->target.kind == NSV_EP_VSOCK &&
	    (o->target.vsock.cid == NSV_CID_ANY ||
	     o->target.vsock.port == NSV_PORT_ANY))
		return nsv_usage_err("%s",
				     "a relay TARGET needs a CID and a port");
	if (o->sock.type == NSV_SOCK_DGRAM &&
	    (exec || o->has_target || o->keep))
		return nsv_usage_err("%s", "--dgram relays standard input and "
					   "output only");
	if (o->ep.kind == NSV_EP_VSOCK && o->ep.vsock.type != NSV_SOCK_UNSPEC)
		o->sock.type = o->ep.vsock.type;
	return check_session(o);
}

void vncat_opts_init(struct vncat_opts *o)
{
	memset(o, 0, sizeof(*o));
	nsv_sock_cfg_init(&o->sock);
	o->sock.bufsize = VNCAT_BUFSIZE;
	o->linger_ms = -1;
	o->log_fd = -1;
	o->hex_fd = -1;
}

void vncat_opts_free(struct vncat_opts *o)
{
	nsv_cidlist_free(&o->allow);
	nsv_cidlist_free(&o->deny);
	free(o->exec_argv);
	free(o->exec_split);
	if (o->log_fd >= 0)
		close(o->log_fd);
	if (o->hex_fd >= 0)
		close(o->hex_fd);
	o->log_fd = o->hex_fd = -1;
}

int vncat_opts_parse(struct vncat_opts *o, int argc, char **argv)
{
	struct nsv_getopt g;
	char **ops;
	int nops = 0, c, r = 0, typeset = 0, ms = 0;
	uint64_t v = 0;

	ops = calloc((size_t)argc + 1, sizeof(char *));
	nsv_cli_init(argv[0]);
	if (!ops || nsv_getopt_init(&g, options) < 0) {
		free(ops);
		return oom();
	}
	optind = 1;
	/* Options and operands may mix; "--" ends options. */
	while (optind < argc && !r) {
		const char *arg = argv[optind];

		if (!strcmp(arg, "--")) {
			for (optind++; optind < argc; optind++)
				ops[nops++] = argv[optind];
			break;
		}
		if (arg[0] != '-' || !arg[1]) {
			ops[nops++] = argv[optind++];
			continue;
		}
		c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL);
		switch (c) {
		case -1:
			break;
		case 'l':
			o->listen = true;
			break;
		case 'k':
			o->keep = true;
			break;
		case 'z':
			o->scan = true;
			break;
		case 'n':
			o->fmt |= NSV_FMT_NUMERIC;
			break;
		case 'v':
			o->verbose++;
			break;
		case OPT_NO_SHUTDOWN:
			o->no_shutdown = true;
			break;
		case OPT_SIBLING:
			o->sock.sibling = true;
			break;
		case OPT_STREAM:
			typeset++;
			o->sock.type = NSV_SOCK_STREAM;
			break;
		case OPT_SEQPACKET:
			typeset++;
			o->sock.type = NSV_SOCK_SEQPACKET;
			break;
		case OPT_DGRAM:
			typeset++;
			o->sock.type = NSV_SOCK_DGRAM;
			break;
		case OPT_MAX_CONNS: {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);

			if (*optarg < '1' || *optarg > '9' || *end ||
			    n > 1000000)
				r = nsv_usage_err("invalid --max-conns '%s'",
						  optarg);
			o->max_conns = (unsigned int)n;
			break;
		}
		case 's':
			r = parse_cid(optarg, &o->sock.local_cid);
			o->local_cid_set = true;
			break;
		case 'p':
			r = parse_port(optarg, &o->sock.local_port, true);
			o->local_port_set = true;
			break;
		case OPT_ALLOW:
		case OPT_DENY:
			if (nsv_cidlist_parse(c == OPT_ALLOW ? &o->allow :
							       &o->deny,
					      optarg) < 0)
				r = nsv_usage_err(
					"invalid CID list '%s': use "
					"CIDs and ranges like 3,5-9,host",
					optarg);
			break;
		case 'e':
			if (o->exec_argv || o->sh_cmd) {
				r = nsv_usage_err("%s", "only one -e or -c");
				break;
			}
			r = take_exec(o, optarg, argv + optind, argc - optind);
			optind = argc;
			break;
		case 'c':
			if (o->exec_argv || o->sh_cmd)
				r = nsv_usage_err("%s", "only one -e or -c");
			o->sh_cmd = optarg;
			break;
		case OPT_HYBRID:
			if (!*optarg)
				r = nsv_usage_err("%s",
						  "--hybrid needs a path");
			o->hybrid = optarg;
			break;
		case 'N':
			o->netns = optarg;
			break;
		case 'w':
			if (parse_secs(optarg, &ms) < 0)
				r = nsv_usage_err("invalid -w '%s': seconds",
						  optarg);
			o->sock.timeout_ms = ms;
			break;
		case OPT_RETRY:
			if (parse_secs(optarg, &ms) < 0)
				r = nsv_usage_err(
					"invalid --retry '%s': seconds",
					optarg);
			o->sock.retry_ms = ms;
			break;
		case 'q':
			if (parse_secs(optarg, &ms) < 0)
				r = nsv_usage_err("invalid -q '%s': seconds",
						  optarg);
			o->linger_ms = ms;
			break;
		case 'i':
		case 'd':
			if (parse_secs(optarg, &ms) < 0 || ms <= 0)
				r = nsv_usage_err(
					"invalid -%c '%s': seconds, more than 0",
					c, optarg);
			*(c == 'i' ? &o->idle_ms : &o->delay_ms) = ms;
			break;
		case 'C':
			o->crlf = true;
			break;
		case OPT_SEND_ONLY:
			o->send_only = true;
			break;
		case OPT_RECV_ONLY:
			o->recv_only = true;
			break;
		case OPT_PTY:
			o->pty = true;
			break;
		case OPT_PROGRESS:
			o->progress = VNCAT_PROGRESS_ON;
			break;
		case OPT_NO_PROGRESS:
			o->progress = VNCAT_PROGRESS_OFF;
			break;
		case 'o':
		case 'x':
			if (!*optarg)
				r = nsv_usage_err("-%c needs a file name", c);
			*(c == 'o' ? &o->log_path : &o->hex_path) = optarg;
			break;
		case OPT_APPEND:
			o->append = true;
			break;
		case OPT_BUFSIZE:
			if (parse_size(optarg, &v) < 0)
				r = nsv_usage_err(
					"invalid --bufsize '%s': 4K to 1G "
					"bytes",
					optarg);
			o->sock.bufsize = v;
			break;
		case OPT_DATA_PATH:
			if (!strcmp(optarg, "auto"))
				o->path = NSV_RELAY_PATH_AUTO;
			else if (!strcmp(optarg, "splice"))
				o->path = NSV_RELAY_PATH_SPLICE;
			else if (!strcmp(optarg, "copy"))
				o->path = NSV_RELAY_PATH_COPY;
			else
				r = nsv_usage_err("invalid --data-path '%s': "
						  "auto, splice or copy",
						  optarg);
			break;
		case 'h':
			usage(stdout);
			r = -1;
			goto out;
		case 'V':
			printf("vncat (%s) %s\n", PACKAGE_NAME,
			       PACKAGE_VERSION);
			r = -1;
			goto out;
		default: /* '?' and ':' */
			r = nsv_getopt_error(c, argv);
			break;
		}
	}
out:
	nsv_getopt_free(&g);
	if (!r && typeset > 1)
		r = nsv_usage_err("%s", "choose one of --stream, --seqpacket, "
					"--dgram");
	if (!r && o->listen && o->scan)
		r = nsv_usage_err("%s", "-l and -z do not go together");
	if (!r && nops == 0 && !(o->listen && (o->local_port_set)))
		r = nsv_usage_err("%s", o->listen ? "-l needs a PORT" :
					o->hybrid ? "missing PORT" :
						    "missing CID and PORT");
	if (!r)
		r = parse_operands(o, ops, nops);
	if (!r)
		r = check(o);
	free(ops);
	return r;
}
