// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: vncat's command line, parsed by the real option table and
 * vncat_opts_parse() of vncat/opts.c without running anything.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "vncat/vncat.h"

static struct vncat_opts O;
static char err[1024];

/* Parse a command line split at blanks; stderr goes to err[]. */
static int run(const char *line)
{
	char buf[512], *argv[64];
	struct tap_capture cap;
	int argc, r;

	snprintf(buf, sizeof(buf), "vncat %s", line);
	argc = tap_argv(buf, argv, 64);
	vncat_opts_free(&O);
	vncat_opts_init(&O);
	/* a fresh getopt for every command line */
	optind = 0;
	getopt(1, (char *[]){ "x", NULL }, "");
	tap_capture_begin(&cap); /* --help and -V: not on the TAP stream */
	r = vncat_opts_parse(&O, argc, argv);
	tap_capture_end(&cap, err, sizeof(err));
	return r;
}

static const char *ep(const struct nsv_endpoint *e)
{
	static char buf[2][256];
	static int k;

	k = !k;
	if (nsv_endpoint_format(e, NSV_FMT_NUMERIC, buf[k], sizeof(buf[k])) < 0)
		return "?";
	return buf[k];
}

static void test_forms(void)
{
	static const struct {
		const char *line;
		bool listen;
		const char *ep, *target;
	} cases[] = {
		{ "1 5000", false, "vsock:1:5000", NULL },
		{ "local 5000", false, "vsock:1:5000", NULL },
		{ "0x3 22", false, "vsock:3:22", NULL },
		{ "3:22", false, "vsock:3:22", NULL },
		{ "vsock:host:22", false, "vsock:2:22", NULL },
		{ "-l 5000", true, "vsock:*:5000", NULL },
		{ "-l 1 5000", true, "vsock:1:5000", NULL },
		{ "-l local 5000", true, "vsock:1:5000", NULL },
		{ "-l -p 5000", true, "vsock:*:5000", NULL },
		{ "-l -s local -p 5000", true, "vsock:1:5000", NULL },
		{ "-l vsock:1:5000", true, "vsock:1:5000", NULL },
		{ "-l vsock::5000", true, "vsock:*:5000", NULL },
		{ "-l 1:5000", true, "vsock:1:5000", NULL },
		{ "-l any", true, "vsock:*:*", NULL },
		{ "-l 5000 tcp:127.0.0.1:22", true, "vsock:*:5000",
		  "tcp:127.0.0.1:22" },
		{ "-lk 2 5000 unix:/run/s", true, "vsock:2:5000",
		  "unix:/run/s" },
		{ "-l tcp::2222 vsock:3:22", true, "tcp:*:2222", "vsock:3:22" },
		{ "-l unix:/tmp/f vsock:3:22", true, "unix:/tmp/f",
		  "vsock:3:22" },
		{ "--hybrid /run/fc.sock 52", false, "hybrid:/run/fc.sock:52",
		  NULL },
		{ "-l --hybrid /run/fc.sock 1024", true,
		  "hybrid:/run/fc.sock:1024", NULL },
		{ "-l --hybrid /x -p 7", true, "hybrid:/x:7", NULL },
		{ "-l tcp::2222 hybrid:/run/fc.sock:22", true, "tcp:*:2222",
		  "hybrid:/run/fc.sock:22" },
		{ "1 5000 -v -n", false, "vsock:1:5000", NULL },
		{ "-- 1 5000", false, "vsock:1:5000", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = run(cases[i].line);

		tap_ok(r == 0 && O.listen == cases[i].listen &&
			       !strcmp(ep(&O.ep), cases[i].ep) &&
			       O.has_target == !!cases[i].target &&
			       (!cases[i].target ||
				!strcmp(ep(&O.target), cases[i].target)),
		       "'%s': %s %s%s%s", cases[i].line,
		       cases[i].listen ? "listen on" : "connect to",
		       cases[i].ep, cases[i].target ? " -> " : "",
		       cases[i].target ? cases[i].target : "");
		if (r)
			tap_diag("  rc %d, stderr '%s'", r, err);
	}
}

static void test_options(void)
{
	tap_ok(run("-l -k --max-conns 16 -v -v -n 5000") == 0 && O.keep &&
		       O.max_conns == 16 && O.verbose == 2 &&
		       O.fmt == NSV_FMT_NUMERIC,
	       "-l -k --max-conns 16 -v -v -n");
	tap_ok(run("-w 1.5 --retry 30 -q 0 1 5") == 0 &&
		       O.sock.timeout_ms == 1500 && O.sock.retry_ms == 30000 &&
		       O.linger_ms == 0,
	       "-w 1.5 --retry 30 -q 0 in milliseconds");
	tap_ok(run("1 5") == 0 && O.sock.timeout_ms == -1 &&
		       O.sock.retry_ms == 0 && O.linger_ms == -1 &&
		       O.sock.bufsize == 4 << 20 &&
		       O.sock.type == NSV_SOCK_STREAM,
	       "defaults: kernel timeout, no retry, no linger, 4 MiB, stream");
	tap_ok(run("--bufsize 1M 1 5") == 0 && O.sock.bufsize == 1 << 20,
	       "--bufsize 1M");
	tap_ok(run("--bufsize 64KiB 1 5") == 0 && O.sock.bufsize == 65536,
	       "--bufsize 64KiB");
	tap_ok(run("1 5") == 0 && O.path == NSV_RELAY_PATH_AUTO,
	       "--data-path: auto by default");
	tap_ok(run("--data-path copy 1 5") == 0 &&
		       O.path == NSV_RELAY_PATH_COPY,
	       "--data-path copy");
	tap_ok(run("--data-path splice 1 5") == 0 &&
		       O.path == NSV_RELAY_PATH_SPLICE,
	       "--data-path splice");
	tap_ok(run("--seqpacket 1 5") == 0 && O.sock.type == NSV_SOCK_SEQPACKET,
	       "--seqpacket");
	tap_ok(run("vsock-seqpacket:1:5") == 0 &&
		       O.sock.type == NSV_SOCK_SEQPACKET,
	       "vsock-seqpacket: sets SEQPACKET");
	tap_ok(run("--dgram 1 5") == 0 && O.sock.type == NSV_SOCK_DGRAM,
	       "--dgram");
	tap_ok(run("--sibling -s 3 -p 1024 7 9000") == 0 && O.sock.sibling &&
		       O.sock.local_cid == 3 && O.sock.local_port == 1024,
	       "--sibling -s 3 -p 1024: flag and local address");
	tap_ok(run("-l 5 --allow-cid 3-9,host --deny-cid 4 --allow-cid 20") ==
			       0 &&
		       O.allow.n == 3 && O.deny.n == 1 &&
		       nsv_cid_allowed(&O.allow, &O.deny, 20) &&
		       !nsv_cid_allowed(&O.allow, &O.deny, 4),
	       "--allow-cid twice adds up; --deny-cid");
	tap_ok(run("-N vm1 -l 5") == 0 && O.netns && !strcmp(O.netns, "vm1"),
	       "-N NAME");
	tap_ok(run("-z 1 10-20") == 0 && O.scan && O.scan_lo == 10 &&
		       O.scan_hi == 20 && O.ep.vsock.cid == 1,
	       "-z CID LO-HI");
	tap_ok(run("-z local 22") == 0 && O.scan_lo == 22 && O.scan_hi == 22,
	       "-z CID PORT");
	tap_ok(run("-z --hybrid /x 1-3") == 0 && O.ep.kind == NSV_EP_HYBRID &&
		       O.scan_hi == 3,
	       "-z --hybrid UDS LO-HI");
	tap_ok(run("-l 5 -e /bin/echo two words") == 0 && O.exec_argv &&
		       !strcmp(O.exec_argv[0], "/bin/echo") &&
		       !strcmp(O.exec_argv[1], "two") &&
		       !strcmp(O.exec_argv[2], "words") && !O.exec_argv[3],
	       "-e PROG ARGS...: the rest of the line is argv");
	tap_ok(run("-l 5 -e /bin/echo -v") == 0 &&
		       !strcmp(O.exec_argv[1], "-v") && !O.verbose,
	       "-e PROG -v: -v is the program's, not ours");
	tap_ok(run("-l 5 -c true") == 0 && O.sh_cmd &&
		       !strcmp(O.sh_cmd, "true"),
	       "-c CMD");
	tap_ok(run("--no-shutdown 1 5") == 0 && O.no_shutdown, "--no-shutdown");
	tap_ok(run("1 5") == 0 && !O.log_path && !O.hex_path && !O.append &&
		       O.log_fd == -1 && O.hex_fd == -1 && !O.idle_ms &&
		       !O.delay_ms && !O.crlf && !O.send_only && !O.recv_only &&
		       !O.pty && O.progress == VNCAT_PROGRESS_AUTO,
	       "defaults: no logs, no idle timeout, no delay, progress by itself");
	tap_ok(run("-o s.raw -x s.hex --append-output 1 5") == 0 &&
		       !strcmp(O.log_path, "s.raw") &&
		       !strcmp(O.hex_path, "s.hex") && O.append &&
		       O.log_fd == -1,
	       "-o FILE -x FILE --append-output (files opened only when run)");
	tap_ok(run("--output a --hex-dump b 1 5") == 0 &&
		       !strcmp(O.log_path, "a") && !strcmp(O.hex_path, "b"),
	       "--output, --hex-dump");
	tap_ok(run("-i 1.5 -d 0.25 -C 1 5") == 0 && O.idle_ms == 1500 &&
		       O.delay_ms == 250 && O.crlf,
	       "-i 1.5 -d 0.25 -C in milliseconds");
	tap_ok(run("--idle-timeout 30 --delay 1 --crlf 1 5") == 0 &&
		       O.idle_ms == 30000 && O.delay_ms == 1000 && O.crlf,
	       "--idle-timeout, --delay, --crlf");
	tap_ok(run("--send-only 1 5") == 0 && O.send_only && !O.recv_only,
	       "--send-only");
	tap_ok(run("--recv-only -lk 5") == 0 && O.recv_only,
	       "--recv-only, also with -k");
	tap_ok(run("--pty 1 5") == 0 && O.pty && !O.exec_argv,
	       "--pty alone: the terminal's side");
	tap_ok(run("-l -k 5 --pty -c bash") == 0 && O.pty && O.sh_cmd,
	       "--pty -c: the program's side, with -k");
	tap_ok(run("-l 5 -i 2 -C -e /bin/cat") == 0 && O.idle_ms == 2000 &&
		       O.crlf && O.exec_argv,
	       "-i and -C with -e");
	tap_ok(run("--progress 1 5") == 0 && O.progress == VNCAT_PROGRESS_ON,
	       "--progress");
	tap_ok(run("--progress --no-progress 1 5") == 0 &&
		       O.progress == VNCAT_PROGRESS_OFF,
	       "--no-progress after --progress: the last counts");
	tap_ok(run("-l 5 --progress unix:/x") == 0 &&
		       O.progress == VNCAT_PROGRESS_ON,
	       "--progress with a relay");
	tap_is_int(run("--help"), -1, "--help: nothing to run");
	tap_is_int(run("-V"), -1, "-V: nothing to run");
}

/* -e "PROG ARGS" as one argument: split at blanks (no strtok on spaces). */
static void test_exec_split(void)
{
	char *argv[] = { "vncat", "-l", "5", "-e", "/bin/echo  a\tb", NULL };
	int r;

	vncat_opts_free(&O);
	vncat_opts_init(&O);
	optind = 0;
	getopt(1, (char *[]){ "x", NULL }, "");
	r = vncat_opts_parse(&O, 5, argv);
	tap_ok(r == 0 && O.exec_argv && !strcmp(O.exec_argv[0], "/bin/echo") &&
		       !strcmp(O.exec_argv[1], "a") &&
		       !strcmp(O.exec_argv[2], "b") && !O.exec_argv[3],
	       "-e \"PROG ARGS\" alone is split at blanks and tabs");
}

static void test_usage_errors(void)
{
	static const struct {
		const char *line, *msg;
	} cases[] = {
		{ "", "missing CID and PORT" },
		{ "-l", "-l needs a PORT" },
		{ "1", "missing PORT after CID '1'" },
		{ "guest 22",
		  "invalid CID 'guest': use a number, any, hypervisor, local, host or a name (vsock-hosts(5))" },
		{ "1 70000x", "invalid port '70000x'" },
		{ "1 any", "invalid port 'any'" },
		{ "any 5", "cannot connect to CID any" },
		{ "1 2 3", "unexpected operand '3'" },
		{ "--frobnicate 1 2", "unknown option '--frobnicate'" },
		{ "1 2 -w", "option '-w' needs an argument" },
		{ "-w soon 1 2", "invalid -w 'soon': seconds" },
		{ "-w -1 1 2", "invalid -w '-1': seconds" },
		{ "--retry 1e9 1 2", "invalid --retry '1e9': seconds" },
		{ "--bufsize 0 1 2", "invalid --bufsize '0': 4K to 1G bytes" },
		{ "--bufsize 2G 1 2",
		  "invalid --bufsize '2G': 4K to 1G bytes" },
		{ "--data-path zerocopy 1 2",
		  "invalid --data-path 'zerocopy': auto, splice or copy" },
		{ "--max-conns 0 -lk 5", "invalid --max-conns '0'" },
		{ "-k 1 2", "-k needs -l" },
		{ "-l --max-conns 3 5", "--max-conns needs -k" },
		{ "--seqpacket --dgram 1 2",
		  "choose one of --stream, --seqpacket, --dgram" },
		{ "-l 5 --deny-cid 3-1",
		  "invalid CID list '3-1': use CIDs and ranges like 3,5-9,host" },
		{ "--allow-cid 3 1 5",
		  "--allow-cid and --deny-cid need -l on a vsock address" },
		{ "-l 5 tcp:host",
		  "invalid endpoint 'tcp:host': use vsock:CID:PORT, tcp:HOST:PORT, unix:PATH or hybrid:UDS:PORT" },
		{ "-l 5 foo:bar",
		  "invalid endpoint 'foo:bar': use vsock:CID:PORT, tcp:HOST:PORT, unix:PATH or hybrid:UDS:PORT" },
		{ "-l 5 tcp:h:1 -c true",
		  "-e/-c and a relay TARGET exclude each other" },
		{ "-l 5 -c a -c b", "only one -e or -c" },
		{ "-l -z 5", "-l and -z do not go together" },
		{ "-z 1", "-z needs CID PORT[-PORT]" },
		{ "-z --hybrid /x", "missing PORT" },
		{ "--hybrid /x", "missing PORT" },
		{ "-z 1 9-3", "empty port range '9-3'" },
		{ "-l --sibling 5", "--sibling is for connecting" },
		{ "-l tcp::80",
		  "-l on a TCP or Unix endpoint needs a TARGET to relay to" },
		{ "-l 5 vsock:any:6", "a relay TARGET needs a CID and a port" },
		{ "--dgram -l 5 -c cat",
		  "--dgram relays standard input and output only" },
		{ "--hybrid /x 1 2",
		  "unexpected operand '2': --hybrid takes only a PORT" },
		{ "--hybrid /x vsock:1:2",
		  "--hybrid takes a PORT, not 'vsock:1:2'" },
		{ "-l -s 1 2 5",
		  "-s and a CID operand both name the listening CID" },
		{ "-l -p 5 6",
		  "-p and a PORT operand both name the listening port" },
		{ "-l -p 5 1:6",
		  "-s/-p and a CID:PORT operand both name the listening address" },
		{ "-i 0 1 5", "invalid -i '0': seconds, more than 0" },
		{ "-i -1 1 5", "invalid -i '-1': seconds, more than 0" },
		{ "-d soon 1 5", "invalid -d 'soon': seconds, more than 0" },
		{ "-d 0.0001 1 5",
		  "invalid -d '0.0001': seconds, more than 0" },
		{ "1 5 -o", "option '-o' needs an argument" },
		{ "--append-output 1 5", "--append-output needs -o or -x" },
		{ "--send-only --recv-only 1 5",
		  "--send-only and --recv-only exclude each other" },
		{ "--send-only -l 5 -c cat",
		  "--send-only and --recv-only are for standard input and output" },
		{ "--recv-only -l 5 unix:/x",
		  "--send-only and --recv-only are for standard input and output" },
		{ "--send-only -lk 5",
		  "--send-only with -k: -k connections do not read standard input" },
		{ "-C -l 5 unix:/x",
		  "-C and -d shape what standard input or a program sends, not a relay" },
		{ "-d 1 --recv-only 1 5",
		  "-C and -d shape what is sent: not with --recv-only" },
		{ "-d 1 --seqpacket 1 5",
		  "-d sends lines: not with --seqpacket or --dgram" },
		{ "--pty --seqpacket 1 5", "--pty needs a stream connection" },
		{ "--pty -l 5 unix:/x",
		  "--pty is for -e/-c or a terminal, not a relay" },
		{ "--pty -lk 5",
		  "--pty without -e/-c is a terminal: not with -k" },
		{ "--pty -C 1 5",
		  "--pty talks both ways as is: not with -C, -d, --send-only, --recv-only" },
		{ "--pty --recv-only 1 5",
		  "--pty talks both ways as is: not with -C, -d, --send-only, --recv-only" },
		{ "--dgram -l 5 -x f",
		  "--dgram -l only writes the datagrams it receives" },
		{ "-z -o f 1 2", "-z only probes ports" },
		{ "-z -i 3 1 2", "-z only probes ports" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[512];

		snprintf(want, sizeof(want), "vncat: %s. Try 'vncat --help'.",
			 cases[i].msg);
		tap_is_int(run(cases[i].line), NSV_EXIT_USAGE,
			   "'%s': usage error", cases[i].line);
		tap_is_str(err, want, "'%s': the message", cases[i].line);
	}
}

/* CID names from a names file, wherever a CID is written. */
static void test_names(void)
{
	static const struct {
		const char *line;
		const char *ep, *target;
	} cases[] = {
		{ "web1 8080", "vsock:7:8080", NULL },
		{ "WEB1:8080", "vsock:7:8080", NULL },
		{ "vsock:www:22", "vsock:7:22", NULL },
		{ "-l 5000 vsock:web1:22", "vsock:*:5000", "vsock:7:22" },
		{ "-s web1 3 22", "vsock:3:22", NULL },
		{ "-z web1 20-30", "vsock:7:20", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = run(cases[i].line);

		tap_ok(r == 0 && !strcmp(ep(&O.ep), cases[i].ep) &&
			       (!cases[i].target ||
				!strcmp(ep(&O.target), cases[i].target)),
		       "vncat %s: %s%s%s", cases[i].line, ep(&O.ep),
		       cases[i].target ? " -> " : "",
		       cases[i].target ? ep(&O.target) : "");
	}
	tap_ok(!run("-s web1 3 22") && O.sock.local_cid == 7,
	       "-s NAME: the local CID");
	tap_ok(run("web2 80") == 2 &&
		       strstr(err, "invalid CID 'web2': use a number, any, "
				   "hypervisor, local, host or a name"),
	       "an unknown name is a usage error: %s", err);
	tap_ok(run("web2:80") == 2 && strstr(err, "invalid endpoint 'web2:80'"),
	       "... also as NAME:PORT");
}

int main(void)
{
	char path[] = "/tmp/vncat-names-XXXXXX";
	int fd;

	/*
	 * The names are loaded once, on first use, and only from this file:
	 * neither /etc/vsock-hosts nor a VM of this machine lends one.
	 */
	fd = mkstemp(path);
	if (fd < 0 || write(fd, "7 web1 www\n", 11) != 11)
		tap_ok(0, "a names file");
	if (fd >= 0)
		close(fd);
	setenv("NSV_VSOCK_HOSTS", path, 1);

	vncat_opts_init(&O); /* run() frees before each parse */
	test_forms();
	test_options();
	test_exec_split();
	test_usage_errors();
	test_names();
	unlink(path);
	vncat_opts_free(&O);
	return tap_done();
}
