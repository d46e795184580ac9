// SPDX-License-Identifier: GPL-2.0-or-later
/* vsockdump: tcpdump for vsock. Options in, library calls out. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cli.h"
#include "pcapio.h"
#include "vsockdump.h"

/* a build --with-user: whom root becomes without -Z (dump.c) */
#ifdef NSV_DUMP_USER
#define NSV_DUMP_USER_HELP " (root: " NSV_DUMP_USER ")"
#else
#define NSV_DUMP_USER_HELP ""
#endif

enum {
	OPT_NO_CREATE = 256,
	OPT_PRINT,
	OPT_JSON,
	OPT_FLOWS,
	OPT_TCPDUMP_FILTER,
	OPT_NANO,
	OPT_PCAPNG,
	OPT_COUNT,
	OPT_PLOT,
	OPT_FLOW,
	OPT_HYBRID,
	OPT_HYBRID_LISTEN,
	OPT_HYBRID_PORT,
	OPT_TAKEOVER,
	OPT_GUEST_CID,
};

static const struct nsv_opt options[] = {
	{ "interface", 'i', required_argument, "IFACE",
	  "capture on IFACE; 'tracepoints': headers only" },
	{ "no-create", OPT_NO_CREATE, no_argument, NULL,
	  "fail instead of creating vsockmon0" },
	{ "netns", 'N', required_argument, "NAME|PATH|PID",
	  "capture inside this network namespace" },
	{ "list-interfaces", 'D', no_argument, NULL,
	  "list the vsockmon devices (and tracepoints)" },
	{ NULL, 'c', required_argument, "N", "stop after N frames" },
	{ "snapshot-length", 's', required_argument, "LEN",
	  "bytes kept per frame (0: 262144)" },
	{ "buffer-size", 'B', required_argument, "KiB",
	  "capture ring size (default 32768)" },
	{ "packet-buffered", 'U', no_argument, NULL,
	  "write out each frame as it comes" },
	{ NULL, 'l', no_argument, NULL, "same as -U" },
	{ "relinquish-privileges", 'Z', required_argument, "USER",
	  "become USER once capturing" NSV_DUMP_USER_HELP },
	{ "write", 'w', required_argument, "FILE",
	  "write pcap or pcapng (-: stdout)" },
	{ "file-size", 'C', required_argument, "MB",
	  "new file past MB (10^6; k/m/g suffix)" },
	{ "rotate-seconds", 'G', required_argument, "SECS",
	  "new file every SECS (-w name: strftime)" },
	{ "file-count", 'W', required_argument, "N",
	  "-C: reuse N files; -G: stop after N" },
	{ "postrotate-command", 'z', required_argument, "CMD",
	  "run CMD FILE for each file closed" },
	{ "pcapng", OPT_PCAPNG, no_argument, NULL,
	  "write pcapng (default for *.pcapng)" },
	{ "read", 'r', required_argument, "FILE",
	  "read pcap/pcapng (-: stdin); repeat to merge" },
	{ "print", OPT_PRINT, no_argument, NULL, "print frames too with -w" },
	{ "quiet", 'q', no_argument, NULL,
	  "print no frames (e.g. with --flows)" },
	{ "numeric", 'n', no_argument, NULL,
	  "CIDs as numbers, not names (vsock-hosts(5), host...)" },
	{ NULL, 't', no_argument, NULL,
	  "no time; -tt epoch -ttt delta -tttt date" },
	{ "nano", OPT_NANO, no_argument, NULL, "time stamps in nanoseconds" },
	{ "number", '#', no_argument, NULL, "number the frames" },
	{ "verbose", 'v', no_argument, NULL,
	  "credit fields (-vv: flow, vsockmon hdr)" },
	{ NULL, 'x', no_argument, NULL, "payload in hex (-xx: whole frame)" },
	{ NULL, 'X', no_argument, NULL,
	  "payload in hex+ASCII (-XX: whole frame)" },
	{ NULL, 'A', no_argument, NULL, "payload in ASCII" },
	{ "json", OPT_JSON, no_argument, NULL,
	  "one JSON object per frame (NDJSON)" },
	{ "flows", OPT_FLOWS, no_argument, NULL,
	  "connection summary at the end" },
	{ "count", OPT_COUNT, no_argument, NULL,
	  "with -r: print only the number of frames" },
	{ "plot", OPT_PLOT, required_argument, "FILE.svg",
	  "draw credit and throughput at the end" },
	{ "flow", OPT_FLOW, required_argument, "N",
	  "--plot connection N (default: busiest 3)" },
	{ NULL, 'd', no_argument, NULL,
	  "print the filter's BPF (-dd C, -ddd)" },
	{ "tcpdump-filter", OPT_TCPDUMP_FILTER, no_argument, NULL,
	  "print the filter for tcpdump" },
	{ NULL, 'F', required_argument, "FILE",
	  "read the expression from FILE" },
	{ "hybrid", OPT_HYBRID, required_argument, "VMM_SOCKET",
	  "relay and record a hybrid vsock VMM's traffic" },
	{ "hybrid-listen", OPT_HYBRID_LISTEN, required_argument, "PATH",
	  "host-initiated: clients connect to PATH instead" },
	{ "hybrid-port", OPT_HYBRID_PORT, required_argument, "PORT[:APP]",
	  "guest-initiated to PORT: VMM_SOCKET_PORT -> APP" },
	{ "takeover", OPT_TAKEOVER, no_argument, NULL,
	  "swap in at VMM_SOCKET (and _PORT) while running" },
	{ "guest-cid", OPT_GUEST_CID, required_argument, "CID",
	  "the guest's CID in relay frames (default 3)" },
	{ "help", 'h', no_argument, NULL, "show this help" },
	{ "version", 'V', no_argument, NULL, "show the version" },
	{ 0 }
};

static void help(void)
{
	fputs("Usage: vsockdump [OPTION...] [EXPRESSION]\n"
	      "Capture, decode and follow AF_VSOCK traffic seen by a vsockmon "
	      "device,\nthe vsock tracepoints or a hybrid vsock relay, or "
	      "read it from pcap\nfiles (LINKTYPE_VSOCK).\n\n",
	      stdout);
	nsv_help_print(stdout, options);
	fputs("\nExpression (as with tcpdump; and/or bind equally, left to "
	      "right):\n"
	      "  [src|dst] cid|host CID  CID: number, name, host, local\n"
	      "  [src|dst] port PORT\n"
	      "  op NAME|N               request response rst shutdown rw\n"
	      "                          credit_update credit_request\n"
	      "  type stream|seqpacket|N\n"
	      "  len CMP N               payload length; CMP: > < >= <= = !=\n"
	      "  flags rcv|send|eom|eor|MASK\n"
	      "  not EXPR, EXPR and EXPR, EXPR or EXPR, ( EXPR )\n"
	      "\nExamples:\n"
	      "  vsockdump                          capture (creates "
	      "vsockmon0 if needed)\n"
	      "  vsockdump -n port 1234 and op rw   data on port 1234\n"
	      "  vsockdump -w cap.pcap -C 100 -W 5  a ring of five 100 MB "
	      "files\n"
	      "  vsockdump -w '%H%M.pcapng' -G 600 -z gzip   a file each "
	      "10 min, gzipped\n"
	      "  vsockdump -r cap.pcap -v --flows   decode a file, credit, "
	      "connections\n"
	      "  vsockdump -r cap.pcap --json       NDJSON, one object a "
	      "frame\n"
	      "  vsockdump -r cap.pcap --plot c.svg  credit, throughput of "
	      "the busiest\n"
	      "  vsockdump -d 'cid 3 and not op credit_update'   show the "
	      "BPF\n"
	      "  tcpdump -i vsockmon0 \"$(vsockdump --tcpdump-filter port "
	      "1234)\"\n"
	      "  vsockdump -i tracepoints --flows   headers, where there is "
	      "no vsockmon\n"
	      "  vsockdump --hybrid /run/fc.sock --takeover -w fc.pcap\n"
	      "                                     record a Firecracker "
	      "VM's vsock\n"
	      "\nSources: a vsockmon device sees every virtio vsock packet "
	      "with payload\n(it needs CONFIG_VSOCKMON, so a host kernel). "
	      "-i tracepoints sees the\nheaders of the same packets on any "
	      "kernel with virtio vsock, but no\npayload and, for packets "
	      "this side sends, no credit fields. --hybrid\nsees "
	      "Firecracker/Cloud Hypervisor connections, payload included, "
	      "by\nrelaying them; no kernel packet at all.\n"
	      "\nCID names: /etc/vsock-hosts ($NSV_VSOCK_HOSTS) and running "
	      "VMs.\n"
	      "Exit status: 0 ok, 1 failure, 2 usage error.\n"
	      "See vsockdump(8).\n",
	      stdout);
}

static int usage_error(const char *msg, const char *arg)
{
	if (arg)
		return nsv_usage_err("%s: '%s'", msg, arg);
	return nsv_usage_err("%s", msg);
}

static int num(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!s[0] || s[0] == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 0);
	if (errno || *end || *v > max)
		return -EINVAL;
	return 0;
}

/* tcpdump -C: millions of bytes, or KiB/MiB/GiB with a suffix. */
static int file_size(const char *s, uint64_t *bytes)
{
	unsigned long long v;
	uint64_t unit = 1000000;
	char *end;

	if (!s[0] || s[0] == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		unit = 1024;
	else if (*end == 'm' || *end == 'M')
		unit = 1024 * 1024;
	else if (*end == 'g' || *end == 'G')
		unit = 1024ULL * 1024 * 1024;
	else if (*end)
		return -EINVAL;
	if (*end && end[1])
		return -EINVAL;
	if (!v || v > UINT64_MAX / unit)
		return -EINVAL;
	*bytes = v * unit;
	return 0;
}

/* --hybrid-port PORT[:APP] */
static int hybrid_port(struct vsockdump_opts *o, const char *arg)
{
	struct nsv_hrelay_port *p;
	const char *colon = strchr(arg, ':');
	char num[16];
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);

	if (o->nports == VSOCKDUMP_HYBRID_PORTS_MAX)
		return usage_error("too many --hybrid-port", arg);
	p = &o->ports[o->nports];
	if (!n || n >= sizeof(num))
		return usage_error("--hybrid-port needs PORT[:APP_SOCKET]",
				   arg);
	memcpy(num, arg, n);
	num[n] = '\0';
	if (nsv_port_parse(num, &p->port) < 0 || p->port == NSV_PORT_ANY)
		return usage_error("--hybrid-port needs PORT[:APP_SOCKET]",
				   arg);
	p->app = colon ? colon + 1 : NULL;
	if (p->app && !*p->app)
		return usage_error("--hybrid-port: an empty application path",
				   arg);
	o->nports++;
	return 0;
}

static int parse(int argc, char **argv, struct vsockdump_opts *o)
{
	bool hex_ascii_seen = false;
	struct nsv_getopt g;
	unsigned long v;
	int c, r = 0;

	nsv_cli_init(argv[0]);
	if (nsv_getopt_init(&g, options) < 0) {
		nsv_err("out of memory");
		return NSV_EXIT_FAIL;
	}
	/* Skip the leading '+', keep the ':': options may follow the
	 * expression, as with tcpdump (no filter word starts with '-'). */
	while ((c = getopt_long(argc, argv, g.shortopts + 1, g.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'i':
			o->ifname = optarg;
			break;
		case OPT_NO_CREATE:
			o->no_create = true;
			break;
		case 'N':
			o->netns = optarg;
			break;
		case 'D':
			o->list = true;
			break;
		case 'c':
			if (num(optarg, (unsigned long)-1, &v) || !v)
				r = usage_error("-c needs a count > 0", optarg);
			o->count = v;
			break;
		case 's':
			if (num(optarg, NSV_SNAPLEN_MAX, &v))
				r = usage_error("-s needs a length 0..262144",
						optarg);
			o->snaplen = v ? (unsigned int)v : NSV_SNAPLEN_MAX;
			break;
		case 'B':
			if (num(optarg, 4 * 1024 * 1024, &v) || v < 64)
				r = usage_error("-B needs KiB 64..4194304",
						optarg);
			o->bufsize = (unsigned int)v * 1024;
			break;
		case 'U':
		case 'l':
			o->pr.flush_each = true;
			break;
		case 'Z':
			o->user = optarg;
			break;
		case 'w':
			o->wfile = optarg;
			break;
		case 'C':
			if (file_size(optarg, &o->rotate_bytes))
				r = usage_error("-C needs a size in MB, e.g. "
						"100 or 64m",
						optarg);
			break;
		case 'G':
			if (num(optarg, 100000000, &v) || !v)
				r = usage_error("-G needs seconds 1..100000000",
						optarg);
			o->rotate_secs = (unsigned int)v;
			break;
		case 'W':
			if (num(optarg, 1000000, &v) || !v)
				r = usage_error("-W needs a count 1..1000000",
						optarg);
			o->max_files = (unsigned int)v;
			break;
		case 'z':
			o->postrotate = optarg;
			break;
		case OPT_PCAPNG:
			o->pcapng = true;
			break;
		case 'r':
			if (!o->rfiles)
				o->rfiles = calloc((size_t)argc,
						   sizeof(*o->rfiles));
			if (!o->rfiles) {
				nsv_err("out of memory");
				r = NSV_EXIT_FAIL;
				break;
			}
			o->rfiles[o->nrfiles++] = optarg;
			o->rfile = o->rfiles[0];
			break;
		case OPT_PRINT:
			o->print = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'n':
			o->pr.fmt |= NSV_FMT_NUMERIC;
			break;
		case 't':
			if (o->pr.tstamp < NSV_TS_SINCE_FIRST)
				o->pr.tstamp++;
			break;
		case OPT_NANO:
			o->pr.nano = true;
			break;
		case '#':
			o->pr.number = true;
			break;
		case 'v':
			o->pr.verbose++;
			break;
		case 'x':
			o->pr.hex++;
			o->pr.hex_only = true;
			break;
		case 'X':
			o->pr.hex++;
			hex_ascii_seen = true;
			break;
		case 'A':
			o->pr.ascii = true;
			break;
		case OPT_JSON:
			o->pr.json = true;
			break;
		case OPT_FLOWS:
			o->flows = true;
			break;
		case OPT_COUNT:
			o->count_only = true;
			break;
		case OPT_PLOT:
			o->plot = optarg;
			break;
		case OPT_FLOW:
			if (num(optarg, (unsigned long)-1, &v) || !v)
				r = usage_error("--flow needs a flow number "
						"> 0 (as --flows shows)",
						optarg);
			o->plot_flow = v;
			break;
		case 'd':
			o->dump_bpf++;
			break;
		case OPT_TCPDUMP_FILTER:
			o->tcpdump_filter = true;
			break;
		case 'F':
			o->filter_file = optarg;
			break;
		case OPT_HYBRID:
			o->hybrid = optarg;
			break;
		case OPT_HYBRID_LISTEN:
			o->hybrid_listen = optarg;
			break;
		case OPT_HYBRID_PORT:
			r = hybrid_port(o, optarg);
			break;
		case OPT_TAKEOVER:
			o->takeover = true;
			break;
		case OPT_GUEST_CID:
			if (nsv_cid_parse(optarg, &o->guest_cid) < 0 ||
			    o->guest_cid < 3 || o->guest_cid == NSV_CID_ANY)
				r = usage_error("--guest-cid needs a guest CID "
						"(3 or more)",
						optarg);
			break;
		case 'h':
			help();
			nsv_getopt_free(&g);
			exit(0);
		case 'V':
			printf("vsockdump %s\n", PACKAGE_VERSION);
			nsv_getopt_free(&g);
			exit(0);
		default: /* '?' and ':' */
			r = nsv_getopt_error(c, argv);
		}
		if (r)
			break;
	}
	nsv_getopt_free(&g);
	if (r)
		return r;

	if (!o->hybrid &&
	    (o->hybrid_listen || o->nports || o->takeover || o->guest_cid))
		return usage_error("--hybrid-listen, --hybrid-port, "
				   "--takeover and --guest-cid go with "
				   "--hybrid",
				   NULL);
	if (o->hybrid && (o->rfile || o->ifname || o->no_create || o->list))
		return usage_error("--hybrid relays and records: no -i, -r, "
				   "-D or --no-create with it",
				   NULL);
	if (o->hybrid && !o->hybrid_listen && !o->nports && !o->takeover)
		return usage_error("--hybrid: nothing to relay (give "
				   "--hybrid-listen PATH, --hybrid-port "
				   "PORT:APP or --takeover)",
				   NULL);
	if (o->takeover && o->hybrid_listen)
		return usage_error("--takeover listens at the VMM's own path: "
				   "no --hybrid-listen with it",
				   NULL);
	for (size_t i = 0; i < o->nports; i++)
		if (!o->ports[i].app && !o->takeover)
			return usage_error("--hybrid-port PORT needs "
					   ":APP_SOCKET (where the application "
					   "listens) unless --takeover",
					   NULL);
	if (o->hybrid && !o->guest_cid)
		o->guest_cid = NSV_HRELAY_GUEST_CID;
	if (o->rfile && (o->ifname || o->no_create))
		return usage_error("-r reads a file: -i and --no-create are "
				   "for live captures",
				   NULL);
	if (o->rfile && o->list)
		return usage_error("-D and -r do not mix", NULL);
	if (o->rotate_bytes && !o->wfile)
		return usage_error("-C needs -w", NULL);
	if (o->rotate_secs && !o->wfile)
		return usage_error("-G needs -w", NULL);
	if (o->max_files && !o->rotate_bytes && !o->rotate_secs)
		return usage_error("-W needs -C or -G", NULL);
	if (o->postrotate && !o->rotate_bytes && !o->rotate_secs)
		return usage_error("-z needs -w and -C or -G", NULL);
	if (o->pcapng && !o->wfile)
		return usage_error("--pcapng needs -w", NULL);
	if (o->wfile && (o->rotate_bytes || o->rotate_secs) &&
	    !strcmp(o->wfile, "-"))
		return usage_error("-C and -G cannot rotate standard output",
				   NULL);
	for (v = 0, c = 0; v < o->nrfiles; v++)
		if (!strcmp(o->rfiles[v], "-") && c++)
			return usage_error("-r - given twice: standard input "
					   "is read once",
					   NULL);
	if (o->wfile && !strcmp(o->wfile, "-") && o->print && !o->quiet)
		return usage_error("-w - and --print both want standard output",
				   NULL);
	if (o->pr.hex_only && hex_ascii_seen)
		return usage_error("-x and -X do not mix", NULL);
	if (o->pr.hex && o->pr.ascii)
		return usage_error(o->pr.hex_only ? "-x and -A do not mix" :
						    "-X and -A do not mix",
				   NULL);
	if (o->count_only && !o->rfile)
		return usage_error("--count needs -r", NULL);
	if (o->plot_flow && !o->plot)
		return usage_error("--flow needs --plot", NULL);
	if (o->filter_file && optind < argc)
		return usage_error("-F and an expression on the command line "
				   "do not mix",
				   NULL);
	if (optind < argc) {
		o->expr = nsv_fexpr_join(argc - optind, argv + optind);
		if (!o->expr) {
			nsv_err("out of memory");
			return NSV_EXIT_FAIL;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct vsockdump_opts o = { 0 };
	int r;

	r = parse(argc, argv, &o);
	if (r) {
		free(o.rfiles);
		return r;
	}
	r = vsockdump_run(&o);
	free(o.expr);
	free(o.rfiles);
	return r;
}
