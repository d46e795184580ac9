// SPDX-License-Identifier: GPL-2.0-or-later
/* vsockstat: ss for vsock, in one, several or all network namespaces, as text or JSON. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cli.h"
#include "names.h"
#include "sockexpr.h"
#include "vsockstat.h"

enum {
	O_STATE = 256,
	O_TYPE,
	O_CID,
	O_PORT,
	O_SPORT,
	O_DPORT,
	O_WAIT,
	O_TIMEOUT,
	O_WATCH,
	O_INTERVAL,
	O_FAIL_EMPTY,
	O_VMS,
	O_RECORD,
	O_REPLAY,
};

static const struct nsv_opt options[] = {
	{ "all", 'a', no_argument, NULL,
	  "sockets in every state (the default; listeners too)" },
	{ "listening", 'l', no_argument, NULL, "listening sockets only" },
	{ "connected", 't', no_argument, NULL,
	  "connected sockets only (all but LISTEN and UNCONN)" },
	{ "state", O_STATE, required_argument, "LIST",
	  "only these states: established,syn-sent,listen,closing,unconn,connected,..." },
	{ "type", O_TYPE, required_argument, "LIST",
	  "only these types: stream,seqpacket,dgram" },
	{ "cid", O_CID, required_argument, "LIST",
	  "local or peer CID is one of LIST (numbers, names, host, local, any)" },
	{ "port", O_PORT, required_argument, "LIST",
	  "local or peer port is one of LIST" },
	{ "sport", O_SPORT, required_argument, "LIST",
	  "local port is one of LIST" },
	{ "dport", O_DPORT, required_argument, "LIST",
	  "peer port is one of LIST" },
	{ "filter", 'F', required_argument, "FILE",
	  "read the filter EXPRESSION from FILE (# comments)" },
	{ "fail-empty", O_FAIL_EMPTY, no_argument, NULL,
	  "exit 1 when no socket matched (as grep does)" },
	{ "quiet", 'q', no_argument, NULL,
	  "print nothing: exit 0 if a socket matched, else 1" },
	{ "numeric", 'n', no_argument, NULL,
	  "CIDs and users as numbers, no names" },
	{ "processes", 'p', no_argument, NULL,
	  "show the owning processes (name, pid, fd) and user" },
	{ "threads", 'T', no_argument, NULL,
	  "show every thread holding a socket (implies -p)" },
	{ "oneline", 'O', no_argument, NULL,
	  "one unaligned line per socket, fields a blank apart" },
	{ "no-header", 'H', no_argument, NULL, "no title line" },
	{ "netns", 'N', required_argument, "NAME|PATH|PID",
	  "list this network namespace (repeatable)" },
	{ "all-netns", 'A', no_argument, NULL,
	  "list every network namespace (/run/netns and /proc/*/ns/net)" },
	{ "json", 'j', no_argument, NULL,
	  "one JSON document (schema vsockstat/1, see vsockstat(8))" },
	{ "summary", 's', no_argument, NULL,
	  "a line per namespace: sockets by type and state" },
	{ "wait-listen", O_WAIT, required_argument, "PORT",
	  "exit 0 once something listens on PORT (with --cid: on that CID)" },
	{ "timeout", O_TIMEOUT, required_argument, "SECS",
	  "with --wait-listen: give up after SECS, exit 1" },
	{ "watch", O_WATCH, required_argument, "SECS",
	  "list again every SECS seconds" },
	{ "events", 'E', no_argument, NULL,
	  "print sockets as they appear, change and go (polls)" },
	{ "interval", O_INTERVAL, required_argument, "SECS",
	  "with -E: ask the kernel every SECS seconds (0.5)" },
	{ "vms", O_VMS, no_argument, NULL,
	  "list the VMs running here: CID, name, VMM, pid" },
	{ "record", O_RECORD, required_argument, "FILE",
	  "also write the raw sock_diag replies to FILE" },
	{ "replay", O_REPLAY, required_argument, "FILE",
	  "list from a recording instead of the kernel" },
	{ "help", 'h', no_argument, NULL, "this help" },
	{ "version", 'V', no_argument, NULL, "print the version" },
	{ 0 },
};

static const char expression[] =
	"Expression (as with ss; and/or bind equally, left to right):\n"
	"  sport|dport [CMP] [:]PORT   local or peer port; CMP: = != < > <= >=\n"
	"  src|dst [=] CID[:PORT]      local or peer address; '*' or nothing: any\n"
	"  state NAME                  as --state takes them\n"
	"  [src|dst] cid|host CID      CID: number, name, host, local, any\n"
	"  [src|dst] port PORT         as in vsockdump\n"
	"  type stream|seqpacket|dgram\n"
	"  not EXPR, EXPR and EXPR, EXPR or EXPR, ( EXPR )\n";

static const char examples[] =
	"Examples:\n"
	"  vsockstat                        every socket, listeners included\n"
	"  vsockstat -l -p                  listeners and the processes holding them\n"
	"  vsockstat 'dport = 1234 or cid 3'\n"
	"  vsockstat -q sport = 3785 && echo listening or connected\n"
	"  vsockstat -t --cid host          connections to or from the host (CID 2)\n"
	"  vsockstat --state established,closing --type seqpacket\n"
	"  vsockstat -A -s                  a line per network namespace\n"
	"  vsockstat -N blue -N /proc/1234/ns/net -j | jq '.sockets[]'\n"
	"  vsockstat --wait-listen 1024 --timeout 30 && socat - VSOCK-CONNECT:1:1024\n"
	"  vsockstat -E dport = 22          connections to port 22 as they come and go\n"
	"  vsockstat --vms                  the VMs here and their CIDs\n"
	"  vsockstat --record dump.diag; vsockstat --replay dump.diag -n\n";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [OPTIONS] [EXPRESSION]\n"
		"List AF_VSOCK sockets through sock_diag (module vsock_diag).\n\n");
	nsv_help_print(f, options);
	fprintf(f, "\n%s\n%s", expression, examples);
	fprintf(f,
		"\nThe kernel sends no events for vsock sockets: -E, --watch and\n"
		"--wait-listen ask it again and again.\n"
		"CID names: /etc/vsock-hosts ($" NSV_NAMES_ENV
		") and running VMs; see vsock-hosts(5).\n"
		"Exit status: 0 ok, 1 failure (or nothing matched with -q or\n"
		"--fail-empty), 2 usage error. See vsockstat(8).\n");
}

static int bad(const char *opt, const char *arg, const char *why)
{
	if (arg)
		return nsv_usage_err("%s '%s': %s", opt, arg, why);
	return nsv_usage_err("%s %s", opt, why);
}

static int parse_secs(const char *s, bool zero_ok, double *out)
{
	if (nsv_parse_secs(s, 1e9, out) < 0 || (!zero_ok && *out == 0))
		return -EINVAL;
	return 0;
}

static int parse(int argc, char **argv, struct vsockstat_opts *o)
{
	bool interval_set = false;
	struct nsv_getopt g;
	uint32_t mask;
	int c, r, rc = 0;

	memset(o, 0, sizeof(*o));
	o->timeout = -1;
	o->interval = 0.5;
	nsv_cli_init(argv[0]);
	if (nsv_getopt_init(&g, options) < 0) {
		nsv_err("out of memory");
		return NSV_EXIT_FAIL;
	}
	/* Skip the leading '+', keep the ':': options may follow the
	 * expression, as with ss (no filter word starts with '-'). */
	while (!rc && (c = getopt_long(argc, argv, g.shortopts + 1, g.longopts,
				       NULL)) != -1) {
		switch (c) {
		case 'a':
			o->f.states |= NSV_SS_ALL;
			break;
		case 'l':
			o->f.states |= 1U << NSV_SS_LISTEN;
			break;
		case 't':
			o->f.states |= NSV_SS_CONNECTED;
			break;
		case O_STATE:
			if (nsv_sk_states_parse(optarg, &mask) < 0)
				rc = bad("--state", optarg,
					 "unknown state name");
			o->f.states |= mask;
			break;
		case O_TYPE:
			if (nsv_sk_types_parse(optarg, &mask) < 0)
				rc = bad("--type", optarg,
					 "types are stream, seqpacket, dgram");
			o->f.types |= mask;
			break;
		case O_CID:
		case O_PORT:
		case O_SPORT:
		case O_DPORT: {
			static const struct {
				const char *name;
				enum nsv_sockfilter_list list;
			} lists[] = {
				{ "--cid", NSV_SF_CID },
				{ "--port", NSV_SF_PORT },
				{ "--sport", NSV_SF_SPORT },
				{ "--dport", NSV_SF_DPORT },
			};
			const char *name = lists[c - O_CID].name;

			r = nsv_sockfilter_add(&o->f, lists[c - O_CID].list,
					       optarg, nsv_cli_cid_lookup,
					       NULL);
			if (r == -E2BIG)
				rc = bad(name, optarg, "too many values");
			else if (r < 0)
				rc = bad(name, optarg,
					 c == O_CID ? "not a CID" :
						      "not a port");
			break;
		}
		case 'n':
			o->flags |= NSV_FMT_NUMERIC;
			break;
		case 'p':
			o->flags |= NSV_STAT_PROCS;
			break;
		case 'T':
			o->flags |= NSV_STAT_PROCS | NSV_STAT_THREADS;
			break;
		case 'O':
			o->flags |= NSV_STAT_ONELINE;
			break;
		case 'F':
			o->filter_file = optarg;
			break;
		case O_FAIL_EMPTY:
			o->fail_empty = true;
			break;
		case 'q':
			o->quiet = o->fail_empty = true;
			break;
		case 'E':
			o->events = true;
			break;
		case O_INTERVAL:
			if (parse_secs(optarg, false, &o->interval) < 0)
				rc = bad("--interval", optarg,
					 "not a positive number of seconds");
			interval_set = true;
			break;
		case O_VMS:
			o->vms = true;
			break;
		case 'H':
			o->flags |= NSV_STAT_NOHEADER;
			break;
		case 'N':
			if (o->nnetns == MAX_NETNS)
				rc = bad("--netns", optarg,
					 "too many namespaces");
			else
				o->netns[o->nnetns++] = optarg;
			break;
		case 'A':
			o->all_netns = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 's':
			o->summary = true;
			break;
		case O_WAIT:
			o->wait = true;
			if (nsv_port_parse(optarg, &o->wait_port) < 0 ||
			    o->wait_port == NSV_PORT_ANY)
				rc = bad("--wait-listen", optarg, "not a port");
			break;
		case O_TIMEOUT:
			if (parse_secs(optarg, true, &o->timeout) < 0)
				rc = bad("--timeout", optarg,
					 "not a number of seconds");
			break;
		case O_WATCH:
			if (parse_secs(optarg, false, &o->watch) < 0)
				rc = bad("--watch", optarg,
					 "not a positive number of seconds");
			break;
		case O_RECORD:
			o->record = optarg;
			break;
		case O_REPLAY:
			o->replay = optarg;
			break;
		case 'h':
			usage(stdout);
			rc = -1;
			break;
		case 'V':
			printf(PROG " " PACKAGE_VERSION "\n");
			rc = -1;
			break;
		default: /* '?' and ':' */
			rc = nsv_getopt_error(c, argv);
		}
	}
	nsv_getopt_free(&g);
	if (rc)
		return rc;
	if (optind < argc) {
		if (o->filter_file)
			return bad("-F", NULL,
				   "and an expression on the command line "
				   "do not mix");
		o->expr = nsv_fexpr_join(argc - optind, argv + optind);
		if (!o->expr) {
			nsv_err("out of memory");
			return NSV_EXIT_FAIL;
		}
	}
	/* Combinations that cannot mean anything. */
	if (o->vms && (o->expr || o->filter_file || o->f.states || o->f.types ||
		       o->f.ncid || o->f.nport || o->f.nsport || o->f.ndport ||
		       o->nnetns || o->all_netns || o->summary || o->watch ||
		       o->events || o->wait || o->record || o->replay ||
		       (o->flags & ~(NSV_STAT_NOHEADER))))
		return bad("--vms", NULL,
			   "lists VMs: only -j, -H, -q and --fail-empty go "
			   "with it");
	if (o->events &&
	    (o->watch || o->summary || o->record || o->replay || o->fail_empty))
		return bad("--events", NULL,
			   "prints changes as they come: no --watch, -s, "
			   "--record, --replay, -q or --fail-empty");
	if (interval_set && !o->events)
		return bad("--interval", NULL, "only goes with --events");
	if (o->fail_empty && o->watch)
		return bad(o->quiet ? "-q" : "--fail-empty", NULL,
			   "needs one listing, not --watch");
	if (o->timeout >= 0 && !o->wait)
		return bad("--timeout", NULL, "only goes with --wait-listen");
	if (o->wait &&
	    (o->watch || o->record || o->replay || o->json || o->summary ||
	     o->events || o->fail_empty || o->expr || o->filter_file))
		return bad(
			"--wait-listen", NULL,
			"goes with -N, -A, --cid, --type and --timeout only");
	if (o->replay && (o->nnetns || o->all_netns || o->record || o->watch ||
			  (o->flags & NSV_STAT_PROCS)))
		return bad(
			"--replay", NULL,
			"lists what was recorded: no -N, -A, -p, --record or --watch");
	if (o->record && o->watch)
		return bad("--record", NULL,
			   "records one listing, not --watch");
	if (o->all_netns && o->nnetns)
		return bad("--all-netns", NULL,
			   "already lists every namespace; drop -N");
	return 0;
}

/* The expression of the command line or of -F, parsed into o->f.expr. */
static int get_expr(struct vsockstat_opts *o)
{
	struct nsv_fexpr_error err = { 0 };
	const char *s;
	char *text;
	int r;

	if (o->filter_file) {
		o->expr = nsv_fexpr_read_file(o->filter_file);
		if (!o->expr) {
			nsv_err("%s: %s", o->filter_file, strerror(errno));
			return NSV_EXIT_FAIL;
		}
	}
	text = o->expr;
	for (s = text; s && *s == ' '; s++)
		;
	if (!s || !*s)
		return 0; /* an empty -F file: no filter */
	r = nsv_sockexpr_parse(text, nsv_cli_cid_lookup, NULL, &o->fexpr, &err);
	if (r == -EINVAL)
		return nsv_usage_err_at(text, err.off, err.len,
					"bad filter: %s", err.msg);
	if (r < 0) {
		nsv_err("filter: %s", strerror(-r));
		return NSV_EXIT_FAIL;
	}
	o->f.expr = o->fexpr;
	return 0;
}

int main(int argc, char **argv)
{
	struct vsockstat_opts o;
	int rc;

	rc = parse(argc, argv, &o);
	if (!rc)
		rc = get_expr(&o);
	if (!rc) {
		if (o.vms)
			rc = vsockstat_vms(&o);
		else if (o.wait)
			rc = vsockstat_wait(&o);
		else if (o.events)
			rc = vsockstat_events(&o);
		else
			rc = vsockstat_list(&o);
	}
	nsv_fexpr_free(o.fexpr);
	free(o.expr);
	return rc < 0 ? 0 : rc;
}
