// SPDX-License-Identifier: GPL-2.0-or-later
/* vncat: listening, accepting, -k children, -e/-c programs, datagrams. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "hybrid.h"
#include "relay.h"
#include "vncat.h"

/* The Unix socket file we created, removed when a signal ends us. */
static char unlink_path[NSV_UNIX_PATH_MAX + 16];

static void on_term(int sig)
{
	if (unlink_path[0])
		unlink(unlink_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void setenv_u32(const char *name, uint32_t v)
{
	char s[16];

	snprintf(s, sizeof(s), "%u", v);
	setenv(name, s, 1);
}

/*
 * The child side of -e and -c: @fd (the connection, our end of a
 * socketpair, or a pseudo-terminal) becomes stdin and stdout. On a
 * terminal (@ti) the program gets a session of its own with it as the
 * controlling terminal, for job control, and stderr too.
 */
static void __attribute__((noreturn))
exec_child(const struct vncat_opts *o, const struct vncat_conn *c, int fd,
	   const struct vncat_term_info *ti)
{
	const char *prog = o->sh_cmd ? "/bin/sh" : o->exec_argv[0];
	int e;

	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	if (ti && (setsid() < 0 || ioctl(fd, TIOCSCTTY, 0) < 0)) {
		nsv_err("cannot give %s its terminal: %s", prog,
			strerror(errno));
		_exit(126);
	}
	if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || (ti && dup2(fd, 2) < 0)) {
		nsv_err("cannot hand the connection to %s: %s", prog,
			strerror(errno));
		_exit(126);
	}
	if (fd > 2)
		close(fd);
	if (ti && ti->term[0])
		setenv("TERM", ti->term, 1);
	if (c->vsock) {
		uint32_t lcid = c->local.cid;

		/*
		 * A connecting socket reports CID any as its own; the peer
		 * sees 1 on loopback and our transport's CID otherwise.
		 */
		if (lcid == NSV_CID_ANY && c->peer.cid == NSV_CID_LOCAL)
			lcid = NSV_CID_LOCAL;
		else if (lcid == NSV_CID_ANY)
			nsv_local_cid(&lcid);
		setenv_u32("VNCAT_PEER_CID", c->peer.cid);
		setenv_u32("VNCAT_PEER_PORT", c->peer.port);
		setenv_u32("VNCAT_LOCAL_CID", lcid);
		setenv_u32("VNCAT_LOCAL_PORT", c->local.port);
	} else if (o->ep.kind == NSV_EP_HYBRID) {
		/* the VMM hides the guest's CID; the port is all we know */
		setenv_u32(o->listen ? "VNCAT_LOCAL_PORT" : "VNCAT_PEER_PORT",
			   o->ep.vsock.port);
	}
	if (o->sh_cmd)
		execl("/bin/sh", "sh", "-c", o->sh_cmd, (char *)NULL);
	else
		execvp(prog, o->exec_argv);
	e = errno;
	nsv_err("cannot run %s: %s", prog, strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

static int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return NSV_EXIT_FAIL;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

/*
 * Whether vncat stays between the connection and a program, to log, time
 * out, convert or count what passes; otherwise the program gets the socket.
 */
static bool interpose(const struct vncat_opts *o)
{
	return o->pty || o->log_fd >= 0 || o->hex_fd >= 0 || o->idle_ms ||
	       o->crlf || o->delay_ms || o->progress == VNCAT_PROGRESS_ON;
}

/* --pty: SIGCHLD wakes the relay, which ends the session with the program. */
static int chld_pipe[2] = { -1, -1 };

static void on_chld(int sig)
{
	int e = errno;

	(void)sig;
	if (write(chld_pipe[1], "c", 1) < 0) {
		/* full: the relay has a wakeup pending already */
	}
	errno = e;
}

/* A program on a socketpair or a pseudo-terminal, with us in between. */
static int run_prog(const struct vncat_opts *o, struct vncat_conn *c)
{
	struct vncat_term_info ti, *tip = NULL;
	struct nsv_pty_dec dec = { 0 };
	struct vncat_ends e = { .side = VNCAT_SIDE_PROG,
				.chld_fd = -1,
				.winch_fd = -1 };
	int sp[2], r, st;
	pid_t pid;

	if (o->pty) {
		struct sigaction sa = { 0 };

		r = vncat_term_accept(o, c, &ti);
		if (r < 0)
			return NSV_EXIT_FAIL;
		e.dec = r == 1 ? &dec : NULL;
		r = nsv_pty_open(&sp[0], &sp[1]);
		if (r < 0) {
			nsv_err("cannot open a pseudo-terminal: %s",
				strerror(-r));
			return NSV_EXIT_FAIL;
		}
		if (ti.ws.ws_row)
			ioctl(sp[1], TIOCSWINSZ, &ti.ws);
		if (pipe2(chld_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
			nsv_err("pipe: %s", strerror(errno));
			return NSV_EXIT_FAIL;
		}
		sa.sa_handler = on_chld;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_NOCLDSTOP;
		sigaction(SIGCHLD, &sa, NULL);
		e.side = VNCAT_SIDE_PTY;
		e.chld_fd = chld_pipe[0];
		tip = &ti;
	} else if (socketpair(AF_UNIX,
			      (o->sock.type == NSV_SOCK_SEQPACKET ?
				       SOCK_SEQPACKET :
				       SOCK_STREAM) |
				      SOCK_CLOEXEC,
			      0, sp) < 0) {
		nsv_err("socketpair: %s", strerror(errno));
		return NSV_EXIT_FAIL;
	}
	pid = fork();
	if (pid < 0) {
		nsv_err("fork: %s", strerror(errno));
		return NSV_EXIT_FAIL;
	}
	if (pid == 0) {
		close(sp[0]);
		exec_child(o, c, sp[1], tip);
	}
	close(sp[1]);
	e.pid = pid;
	e.a_r = e.a_w = sp[0];
	e.b_r = e.b_w = c->fd;
	e.a_name = o->sh_cmd ? "the command" : o->exec_argv[0];
	e.b_name = c->name;
	r = vncat_relay(o, c, &e);
	/* closing the pty's master hangs up the program's terminal */
	close(sp[0]);
	close(c->fd);
	c->fd = -1;
	/* the connection ended under it: a hangup, as for a modem */
	if (r != NSV_EXIT_OK)
		kill(pid, SIGHUP);
	st = wait_status(pid);
	vncat_info(o, "%s: program exited with status %d", c->name, st);
	return r != NSV_EXIT_OK ? r : st;
}

/*
 * One connection: hand it to a program, relay it to the target, or relay it
 * to stdin/stdout (@use_stdin false: -k children only write stdout).
 */
int vncat_serve(const struct vncat_opts *o, struct vncat_conn *c,
		bool use_stdin)
{
	struct vncat_ends e = { .side = VNCAT_SIDE_STDIO,
				.chld_fd = -1,
				.winch_fd = -1 };
	char tname[160];
	int t, r;

	if (o->exec_argv || o->sh_cmd) {
		pid_t pid;

		if (interpose(o))
			return run_prog(o, c);
		if (o->keep)
			exec_child(o, c, c->fd, NULL); /* our own process */
		pid = fork();
		if (pid < 0) {
			nsv_err("fork: %s", strerror(errno));
			return NSV_EXIT_FAIL;
		}
		if (pid == 0)
			exec_child(o, c, c->fd, NULL);
		/* the program alone holds the connection: its close is the end */
		close(c->fd);
		c->fd = -1;
		r = wait_status(pid);
		vncat_info(o, "%s: program exited with status %d", c->name, r);
		return r;
	}
	if (o->has_target) {
		t = vncat_connect_target(o, &o->target);
		if (t < 0)
			return NSV_EXIT_FAIL;
		vncat_ep_name(o, &o->target, tname, sizeof(tname));
		e.side = VNCAT_SIDE_TARGET;
		e.a_r = e.a_w = c->fd;
		e.b_r = e.b_w = t;
		e.a_name = c->name;
		e.b_name = tname;
		r = vncat_relay(o, c, &e);
		close(t);
		return r;
	}
	if (o->pty)
		return vncat_term_run(o, c);
	/* --send-only: the peer learns at once that we will not read */
	if (o->send_only)
		shutdown(c->fd, SHUT_RD);
	e.a_r = use_stdin && !o->recv_only ? 0 : -1;
	e.a_w = o->send_only ? -1 : 1;
	e.b_r = o->send_only ? -1 : c->fd;
	e.b_w = c->fd;
	e.a_name = e.a_r < 0 ? "stdout" : e.a_w < 0 ? "stdin" : "stdio";
	e.b_name = c->name;
	return vncat_relay(o, c, &e);
}

static int accept_one(const struct vncat_opts *o, int lfd, struct vncat_conn *c)
{
	int fd;

	memset(c, 0, sizeof(*c));
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	c->fd = fd;
	vncat_conn_describe(o, c);
	if (!c->vsock) {
		/* TCP, Unix and hybrid: name what we listen on */
		vncat_ep_name(o, &o->ep, c->name, sizeof(c->name));
	}
	return fd;
}

static int dgram_listen(const struct vncat_opts *o, int fd)
{
	size_t size = NSV_RELAY_BUFSIZE;
	char *buf = malloc(size);

	if (!buf) {
		nsv_err("out of memory");
		return NSV_EXIT_FAIL;
	}
	for (;;) {
		struct sockaddr_vm sa = { 0 };
		socklen_t sl = sizeof(sa);
		ssize_t n = recvfrom(fd, buf, size, MSG_TRUNC,
				     (struct sockaddr *)&sa, &sl);
		char from[NSV_NAMES_ADDR_STRLEN];

		if (n < 0) {
			if (errno == EINTR)
				continue;
			nsv_err("receiving datagrams: %s", strerror(errno));
			break;
		}
		nsv_names_addr_format(o->names, sa.svm_cid, sa.svm_port, o->fmt,
				      from, sizeof(from));
		if ((size_t)n > size) {
			nsv_err("a datagram of %zd bytes from %s was larger than the buffer: raise --bufsize",
				n, from);
			break;
		}
		vncat_info(o, "datagram of %zd bytes from %s", n, from);
		if (write(1, buf, (size_t)n) != n) {
			nsv_err("writing to stdout: %s", strerror(errno));
			break;
		}
	}
	free(buf);
	return NSV_EXIT_FAIL;
}

static void reap(unsigned int *nchild, bool block)
{
	while (*nchild) {
		pid_t p = waitpid(-1, NULL, block ? 0 : WNOHANG);

		if (p > 0) {
			(*nchild)--;
			block = false;
			continue;
		}
		if (p < 0 && errno == EINTR)
			continue;
		break;
	}
}

int vncat_listen(const struct vncat_opts *o)
{
	char name[160], msg[512];
	unsigned int nchild = 0;
	struct vncat_conn c;
	int lfd, r;

	lfd = nsv_endpoint_listen(&o->ep, &o->sock, 128);
	if (lfd < 0) {
		nsv_endpoint_explain(lfd, NSV_OP_LISTEN, &o->ep, &o->sock,
				     nsv_transports_loaded(NULL), NULL, msg,
				     sizeof(msg));
		nsv_err("%s", msg);
		return NSV_EXIT_FAIL;
	}
	if ((o->ep.kind == NSV_EP_UNIX && o->ep.path[0] != '@') ||
	    o->ep.kind == NSV_EP_HYBRID) {
		if (o->ep.kind == NSV_EP_HYBRID)
			nsv_hybrid_listen_path(o->ep.path, o->ep.vsock.port,
					       unlink_path,
					       sizeof(unlink_path));
		else
			snprintf(unlink_path, sizeof(unlink_path), "%s",
				 o->ep.path);
		signal(SIGINT, on_term);
		signal(SIGTERM, on_term);
		signal(SIGHUP, on_term);
	}
	if (o->ep.kind == NSV_EP_VSOCK) {
		struct nsv_addr l;

		if (nsv_sock_names(lfd, &l, NULL) == 0)
			nsv_names_addr_format(o->names, l.cid, l.port, o->fmt,
					      name, sizeof(name));
		else
			vncat_ep_name(o, &o->ep, name, sizeof(name));
		/* a port the kernel chose is worth saying even without -v */
		if (o->ep.vsock.port == NSV_PORT_ANY && !o->verbose)
			nsv_err("listening on %s", name);
		vncat_info(o, "listening on %s (%s)", name,
			   o->sock.type == NSV_SOCK_SEQPACKET ? "seqpacket" :
			   o->sock.type == NSV_SOCK_DGRAM     ? "dgram" :
								"stream");
	} else if (o->ep.kind == NSV_EP_HYBRID) {
		vncat_info(o,
			   "listening on %s for guest connections to port %u",
			   unlink_path, o->ep.vsock.port);
	} else {
		vncat_ep_name(o, &o->ep, name, sizeof(name));
		vncat_info(o, "listening on %s", name);
	}
	if (o->sock.type == NSV_SOCK_DGRAM) {
		r = dgram_listen(o, lfd);
		goto out;
	}

	for (;;) {
		pid_t pid;

		reap(&nchild, false);
		if (o->max_conns && nchild >= o->max_conns) {
			reap(&nchild, true);
			continue;
		}
		r = accept_one(o, lfd, &c);
		if (r < 0) {
			if (r == -EINTR || r == -ECONNABORTED)
				continue;
			nsv_err("accept: %s", strerror(-r));
			r = NSV_EXIT_FAIL;
			goto out;
		}
		if (c.vsock &&
		    !nsv_cid_allowed(&o->allow, &o->deny, c.peer.cid)) {
			vncat_info(o,
				   "refused connection from %s (CID %u is %s)",
				   c.name, c.peer.cid,
				   nsv_cidlist_has(&o->deny, c.peer.cid) ?
					   "in --deny-cid" :
					   "not in --allow-cid");
			close(c.fd);
			continue;
		}
		vncat_info(o, "connection from %s", c.name);
		if (!o->keep) {
			close(lfd);
			lfd = -1;
			r = vncat_serve(o, &c, true);
			if (c.fd >= 0)
				close(c.fd);
			goto out;
		}
		pid = fork();
		if (pid < 0) {
			nsv_err("fork: %s", strerror(errno));
			close(c.fd);
			continue;
		}
		if (pid == 0) {
			close(lfd);
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			signal(SIGHUP, SIG_DFL);
			unlink_path[0] = '\0';
			_exit(vncat_serve(o, &c, false));
		}
		close(c.fd);
		nchild++;
	}
out:
	if (lfd >= 0)
		close(lfd);
	if (unlink_path[0])
		unlink(unlink_path);
	return r;
}
