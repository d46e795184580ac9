// SPDX-License-Identifier: GPL-2.0-or-later
/* vncat: the modes: connect, scan, or listen (serve.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hybrid.h"
#include "netns.h"
#include "relay.h"
#include "vncat.h"

static int scan(const struct vncat_opts *o)
{
	unsigned int open_ports = 0;
	char name[160], msg[512];
	uint32_t port;

	for (port = o->scan_lo;; port++) {
		struct nsv_endpoint e = o->ep;
		struct nsv_sock_cfg c = o->sock;
		int fd;

		e.vsock.port = port;
		c.retry_ms = 0;
		fd = nsv_endpoint_connect(&e, &c, NULL, NULL, NULL, NULL, 0);
		vncat_ep_name(o, &e, name, sizeof(name));
		if (fd >= 0) {
			close(fd);
			printf("%s open\n", name);
			fflush(stdout);
			open_ports++;
		} else if (fd == -ECONNRESET || fd == -ECONNREFUSED ||
			   fd == -ETIMEDOUT || fd == -EPROTO) {
			if (o->verbose) {
				nsv_endpoint_explain(fd, NSV_OP_CONNECT, &e, &c,
						     0, NULL, msg, sizeof(msg));
				vncat_info(o, "%s", msg);
			}
		} else {
			nsv_endpoint_explain(fd, NSV_OP_CONNECT, &e, &c,
					     nsv_transports_loaded(NULL), NULL,
					     msg, sizeof(msg));
			nsv_err("%s", msg);
			return NSV_EXIT_FAIL;
		}
		if (port == o->scan_hi)
			break;
	}
	vncat_info(o, "%u of %u ports open", open_ports,
		   o->scan_hi - o->scan_lo + 1);
	return open_ports ? NSV_EXIT_OK : NSV_EXIT_FAIL;
}

static int connect_mode(const struct vncat_opts *o)
{
	struct vncat_conn c;
	int fd, r;

	fd = vncat_connect_target(o, &o->ep);
	if (fd < 0)
		return NSV_EXIT_FAIL;
	memset(&c, 0, sizeof(c));
	c.fd = fd;
	vncat_conn_describe(o, &c);
	r = vncat_serve(o, &c, true);
	if (c.fd >= 0)
		close(c.fd);
	return r;
}

static void show_local_cid(const struct vncat_opts *o)
{
	uint32_t cid;
	char s[NSV_CID_STRLEN];

	if (o->verbose < 1)
		return;
	if (nsv_local_cid(&cid) == 0 &&
	    nsv_cid_format(cid, NSV_FMT_NUMERIC, s, sizeof(s)) > 0)
		vncat_info(o, "local CID %s (from /dev/vsock)", s);
}

/* -o, -x: opened once, so -k connections all append to the same files. */
static int open_log(const char *path, bool append, int *fd)
{
	if (!path)
		return 0;
	*fd = open(path,
		   O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
			   (append ? 0 : O_TRUNC),
		   0666);
	if (*fd < 0) {
		nsv_err("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int vncat_run(struct vncat_opts *o)
{
	/* Messages name CIDs; the names are read before -N moves us. */
	if (!(o->fmt & NSV_FMT_NUMERIC)) {
		o->names = nsv_cli_names();
		if (!o->names)
			return NSV_EXIT_FAIL;
		o->sock.names = o->names;
	}
	if (open_log(o->log_path, o->append, &o->log_fd) < 0 ||
	    open_log(o->hex_path, o->append, &o->hex_fd) < 0)
		return NSV_EXIT_FAIL;
	if (o->netns) {
		int r = nsv_netns_enter_spec(o->netns);

		if (r == -ENOENT) {
			nsv_err("network namespace '%s' not found", o->netns);
			return NSV_EXIT_FAIL;
		}
		if (r == -EPERM) {
			nsv_err("entering network namespace '%s' needs CAP_SYS_ADMIN (permission denied)",
				o->netns);
			return NSV_EXIT_FAIL;
		}
		if (r < 0) {
			nsv_err("cannot enter network namespace '%s': %s",
				o->netns,
				r == -EINVAL ? "not a network namespace" :
					       strerror(-r));
			return NSV_EXIT_FAIL;
		}
		vncat_info(o, "in network namespace %s", o->netns);
	}
	/* a peer that went away is an error we report, not a signal */
	signal(SIGPIPE, SIG_IGN);
	if (o->ep.kind == NSV_EP_VSOCK ||
	    (o->has_target && o->target.kind == NSV_EP_VSOCK))
		show_local_cid(o);
	if (o->scan)
		return scan(o);
	if (o->listen)
		return vncat_listen(o);
	return connect_mode(o);
}
