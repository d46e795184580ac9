/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vncat: the options, and the calls between its files (main -> run -> serve -> conn). */
#ifndef VNCAT_H
#define VNCAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "cli.h"
#include "endpoint.h"
#include "pty.h"
#include "relay.h"
#include "sock.h"

enum vncat_progress {
	VNCAT_PROGRESS_AUTO, /* on a terminal, for a transfer */
	VNCAT_PROGRESS_ON,
	VNCAT_PROGRESS_OFF,
};

struct vncat_opts {
	bool listen; /* -l */
	bool keep; /* -k */
	bool scan; /* -z */
	unsigned int fmt; /* NSV_FMT_NUMERIC with -n */
	const struct nsv_names *names; /* CID names for messages, or NULL */
	int verbose; /* -v, repeatable */
	bool no_shutdown; /* --no-shutdown */
	unsigned int max_conns; /* --max-conns, 0: no limit */
	int linger_ms; /* -q, -1: wait for both directions */
	int idle_ms; /* -i, 0: none */
	int delay_ms; /* -d, 0: none */
	bool crlf; /* -C */
	bool send_only, recv_only; /* --send-only, --recv-only */
	bool pty; /* --pty */
	enum vncat_progress progress; /* --progress, --no-progress */
	const char *log_path; /* -o */
	const char *hex_path; /* -x */
	bool append; /* --append-output */
	int log_fd, hex_fd; /* -o, -x once vncat_run() opened them, or -1 */
	enum nsv_relay_path path; /* --data-path */

	struct nsv_sock_cfg
		sock; /* type, -s/-p, --sibling, --bufsize, -w, --retry */
	bool local_cid_set, local_port_set;
	struct nsv_cidlist allow, deny;

	char **exec_argv; /* -e PROG [ARGS...] */
	char *exec_split; /* storage when -e "PROG ARGS" was split */
	const char *sh_cmd; /* -c CMD */
	const char *hybrid; /* --hybrid UDS_PATH */
	const char *netns; /* -N */

	struct nsv_endpoint ep; /* what we connect to or listen on */
	bool has_target;
	struct nsv_endpoint target; /* relay: the other side */
	uint32_t scan_lo, scan_hi; /* -z port range */
};

/*
 * Our default SO_VM_SOCKETS_BUFFER_SIZE: how much a peer may send before we
 * read. The kernel's 256 KiB stalls a loopback sender on credit; 4 MiB moved
 * 3-4x more per second in the lab (bench/vncat.sh).
 */
#define VNCAT_BUFSIZE (4U << 20)

/*
 * opts.c: the command line. Parsing returns 0, an exit status after one
 * message (NSV_EXIT_USAGE, NSV_EXIT_FAIL), or -1 after --help or --version.
 */
void vncat_opts_init(struct vncat_opts *o);
int vncat_opts_parse(struct vncat_opts *o, int argc, char **argv);
void vncat_opts_free(struct vncat_opts *o);

/* run.c: connect, scan or listen as @o says; returns the exit status. */
int vncat_run(struct vncat_opts *o);

/* serve.c: listen and hand each connection to a program, a relay or stdio. */
int vncat_listen(const struct vncat_opts *o);

/* Who is on either end of a connection, for -v and the -e environment. */
struct vncat_conn {
	int fd;
	bool vsock; /* local/peer are valid */
	struct nsv_addr local, peer;
	char name[160]; /* how -v names the peer */
};

/*
 * One connection: hand it to a program, relay it to the target, or relay it
 * to stdin/stdout (@use_stdin false: -k children only write stdout).
 */
int vncat_serve(const struct vncat_opts *o, struct vncat_conn *c,
		bool use_stdin);

/* What side A of a relay is; side B is the connection (or the target). */
enum vncat_side {
	VNCAT_SIDE_STDIO, /* standard input and output */
	VNCAT_SIDE_TARGET, /* the accepted connection, B is the target */
	VNCAT_SIDE_PROG, /* a program's socket (-e/-c) */
	VNCAT_SIDE_PTY, /* a program's pseudo-terminal (--pty -e/-c) */
	VNCAT_SIDE_TERM, /* our terminal talking to a --pty program */
};

struct vncat_ends {
	enum vncat_side side;
	int a_r, a_w, b_r, b_w; /* -1: that way is not used */
	const char *a_name, *b_name;
	struct nsv_pty_dec *dec; /* PTY: the terminal's frames, or NULL */
	pid_t pid; /* PTY: the program */
	int chld_fd; /* PTY: readable after SIGCHLD */
	bool encode; /* TERM: send frames */
	int winch_fd; /* TERM: readable after SIGWINCH, or -1 */
};

/* conn.c: what every mode uses; it calls nothing above it. */
void vncat_info(const struct vncat_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vncat_ep_name(const struct vncat_opts *o, const struct nsv_endpoint *e,
		   char *buf, size_t len);
/* Connect to @e with -w, --retry, -s/-p, --sibling; a message on failure. */
int vncat_connect_target(const struct vncat_opts *o,
			 const struct nsv_endpoint *e);
void vncat_conn_describe(const struct vncat_opts *o, struct vncat_conn *c);
size_t vncat_bufsize(const struct vncat_opts *o);
/* Relay @e both ways with everything the options put between; exit status. */
int vncat_relay(const struct vncat_opts *o, const struct vncat_conn *c,
		struct vncat_ends *e);

/*
 * term.c: --pty. The program's side: send our hello, learn whether the
 * peer is a vncat terminal (1) or plain (0), with its TERM and window size.
 */
struct vncat_term_info {
	char term[NSV_PTY_TERM_MAX + 1]; /* "" if none */
	struct winsize ws; /* 0 rows if none */
};
int vncat_term_accept(const struct vncat_opts *o, const struct vncat_conn *c,
		      struct vncat_term_info *ti);
/* The terminal's side: handshake, raw mode, relay; the exit status. */
int vncat_term_run(const struct vncat_opts *o, struct vncat_conn *c);

#endif
