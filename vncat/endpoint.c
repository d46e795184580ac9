// SPDX-License-Identifier: LGPL-2.1-or-later
/* Endpoints: vsock, TCP, Unix and hybrid vsock, parsed, connected, listened on. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "addr.h"
#include "endpoint.h"
#include "hybrid.h"
#include "retry.h"
#include "sock.h"

static int copy_str(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int parse_tcp(const char *s, struct nsv_endpoint *e)
{
	const char *colon, *host = s;
	size_t hlen;
	uint32_t port;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		host = s + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
		if (!hlen)
			return -EINVAL;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - s);
		/* An IPv6 address needs brackets: the port would be ambiguous. */
		if (memchr(s, ':', hlen))
			return -EINVAL;
	}
	/* brackets only ever wrap the whole address: "tcp:[[x]:2" is no name */
	if (memchr(host, '[', hlen) || memchr(host, ']', hlen))
		return -EINVAL;
	if (hlen == 1 && host[0] == '*')
		hlen = 0;
	/* TCP ports are 16 bits; names like "http" are not taken. */
	if (nsv_port_parse(colon + 1, &port) < 0 || port > 65535)
		return -EINVAL;
	if (copy_str(e->host, sizeof(e->host), host, hlen) < 0)
		return -EINVAL;
	snprintf(e->service, sizeof(e->service), "%u", port);
	return 0;
}

int nsv_endpoint_parse(const char *s, struct nsv_endpoint *e)
{
	return nsv_endpoint_parse_with(s, e, NULL, NULL);
}

int nsv_endpoint_parse_with(const char *s, struct nsv_endpoint *e,
			    nsv_cid_lookup_fn lookup, void *data)
{
	int r;

	if (!s || !e)
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	if (!strncasecmp(s, "tcp:", 4)) {
		e->kind = NSV_EP_TCP;
		return parse_tcp(s + 4, e);
	}
	if (!strncasecmp(s, "unix:", 5)) {
		e->kind = NSV_EP_UNIX;
		s += 5;
		if (!*s || !strcmp(s, "@"))
			return -EINVAL;
		return copy_str(e->path, sizeof(e->path), s, strlen(s));
	}
	if (!strncasecmp(s, "hybrid:", 7)) {
		const char *colon;

		e->kind = NSV_EP_HYBRID;
		s += 7;
		colon = strrchr(s, ':');
		if (!colon || colon == s)
			return -EINVAL;
		if (nsv_port_parse(colon + 1, &e->vsock.port) < 0 ||
		    e->vsock.port == NSV_PORT_ANY)
			return -EINVAL;
		e->vsock.cid = NSV_CID_ANY;
		r = copy_str(e->path, sizeof(e->path), s, (size_t)(colon - s));
		if (r < 0)
			return r;
		/* the listen side appends "_PORT" to the path: keep room */
		return 0;
	}
	if (!strncasecmp(s, "vsock", 5)) {
		e->kind = NSV_EP_VSOCK;
		return nsv_addr_parse_with(s, &e->vsock, lookup, data) < 0 ?
			       -EINVAL :
			       0;
	}
	return -EINVAL;
}

int nsv_endpoint_format(const struct nsv_endpoint *e, unsigned int flags,
			char *buf, size_t len)
{
	char a[NSV_ADDR_STRLEN];
	int n;

	if (!e || !buf)
		return -EINVAL;
	switch (e->kind) {
	case NSV_EP_VSOCK:
		n = nsv_addr_format(e->vsock.cid, e->vsock.port, flags, a,
				    sizeof(a));
		if (n < 0)
			return n;
		n = snprintf(buf, len, "vsock:%s", a);
		break;
	case NSV_EP_TCP:
		n = snprintf(buf, len,
			     strchr(e->host, ':') ? "tcp:[%s]:%s" : "tcp:%s:%s",
			     e->host[0] ? e->host : "*", e->service);
		break;
	case NSV_EP_UNIX:
		n = snprintf(buf, len, "unix:%s", e->path);
		break;
	case NSV_EP_HYBRID:
		n = snprintf(buf, len, "hybrid:%s:%u", e->path, e->vsock.port);
		break;
	default:
		return -EINVAL;
	}
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

static int unix_addr(const char *path, struct sockaddr_un *sun, socklen_t *sl)
{
	size_t n = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memcpy(sun->sun_path, path, n);
	/* "@name" is Linux's abstract namespace: a NUL first, no file. */
	if (path[0] == '@') {
		sun->sun_path[0] = '\0';
		*sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		*sl = (socklen_t)sizeof(*sun);
	}
	return 0;
}

static int unix_type(const struct nsv_sock_cfg *c)
{
	return c && c->type == NSV_SOCK_SEQPACKET ? SOCK_SEQPACKET :
						    SOCK_STREAM;
}

/* A non-blocking connect waited for with poll(), so any fd can time out. */
static int connect_to(int family, int type, const struct sockaddr *sa,
		      socklen_t sl, int timeout_ms)
{
	struct pollfd p;
	int fd, r, err = 0;
	socklen_t el = sizeof(err);

	fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, sa, sl) == 0)
		goto done;
	/* AF_UNIX says EAGAIN for a full backlog: not in progress at all */
	if (errno != EINPROGRESS) {
		r = -errno;
		goto fail;
	}
	p.fd = fd;
	p.events = POLLOUT;
	do
		r = poll(&p, 1, timeout_ms < 0 ? -1 : timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		r = -ETIMEDOUT;
		goto fail;
	}
	if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0) {
		r = -errno;
		goto fail;
	}
	if (err) {
		r = -err;
		goto fail;
	}
done:
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		r = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return r;
}

static int tcp_connect_once(const struct nsv_endpoint *e, int timeout_ms)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	int r, fd = -ECONNREFUSED;

	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	r = getaddrinfo(e->host[0] ? e->host : NULL, e->service, &hints, &res);
	if (r == EAI_SYSTEM)
		return -errno;
	if (r == EAI_MEMORY)
		return -ENOMEM;
	if (r)
		return -ENXIO;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = connect_to(ai->ai_family, SOCK_STREAM, ai->ai_addr,
				ai->ai_addrlen, timeout_ms);
		if (fd >= 0)
			break;
	}
	freeaddrinfo(res);
	return fd;
}

static int unix_connect_once(const char *path, const struct nsv_sock_cfg *c)
{
	struct sockaddr_un sun;
	socklen_t sl;
	int r;

	r = unix_addr(path, &sun, &sl);
	if (r < 0)
		return r;
	return connect_to(AF_UNIX, unix_type(c), (struct sockaddr *)&sun, sl,
			  c ? c->timeout_ms : -1);
}

/* One attempt at a TCP, Unix or hybrid endpoint. */
static int connect_once(const struct nsv_endpoint *e,
			const struct nsv_sock_cfg *c, uint32_t *host_port,
			char *answer, size_t answer_len)
{
	int fd, r;

	switch (e->kind) {
	case NSV_EP_TCP:
		return tcp_connect_once(e, c->timeout_ms);
	case NSV_EP_UNIX:
		return unix_connect_once(e->path, c);
	case NSV_EP_HYBRID:
		fd = unix_connect_once(e->path, NULL);
		if (fd < 0)
			return fd;
		r = nsv_hybrid_handshake(fd, e->vsock.port, c->timeout_ms,
					 host_port, answer, answer_len);
		if (r < 0) {
			close(fd);
			return r;
		}
		return fd;
	default:
		return -EINVAL;
	}
}

int nsv_endpoint_connect(const struct nsv_endpoint *e,
			 const struct nsv_sock_cfg *c, nsv_retry_fn on_retry,
			 void *arg, uint32_t *host_port, char *answer,
			 size_t answer_len)
{
	struct nsv_sock_cfg def;
	struct nsv_retry r;
	int fd;

	if (!e)
		return -EINVAL;
	if (!c) {
		nsv_sock_cfg_init(&def);
		c = &def;
	}
	if (e->kind == NSV_EP_VSOCK) {
		struct nsv_sock_cfg vc = *c;

		if (e->vsock.type != NSV_SOCK_UNSPEC)
			vc.type = e->vsock.type;
		return nsv_sock_connect(&vc, e->vsock.cid, e->vsock.port,
					on_retry, arg);
	}
	nsv_retry_init(&r, c->retry_ms, 0, on_retry, arg);
	do
		fd = connect_once(e, c, host_port, answer, answer_len);
	while (fd < 0 && nsv_retry_wait(&r, fd));
	return fd;
}

static int unix_listen(const char *path, const struct nsv_sock_cfg *c,
		       int backlog)
{
	struct sockaddr_un sun;
	struct stat st;
	socklen_t sl;
	int fd, r;

	r = unix_addr(path, &sun, &sl);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, unix_type(c) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sl) < 0) {
		r = -errno;
		/*
		 * A socket file whose listener died refuses connects: replace
		 * it. A live listener, or a file that is not a socket, stays.
		 */
		if (r != -EADDRINUSE || path[0] == '@' || stat(path, &st) < 0 ||
		    !S_ISSOCK(st.st_mode))
			goto fail;
		r = unix_connect_once(path, c);
		if (r >= 0) {
			close(r);
			r = -EADDRINUSE;
			goto fail;
		}
		if (r != -ECONNREFUSED) {
			r = -EADDRINUSE;
			goto fail;
		}
		if (unlink(path) < 0 ||
		    bind(fd, (struct sockaddr *)&sun, sl) < 0) {
			r = -errno;
			goto fail;
		}
	}
	if (listen(fd, backlog) < 0) {
		r = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return r;
}

static int tcp_listen(const struct nsv_endpoint *e, int backlog)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	int r, fd = -EADDRNOTAVAIL, one = 1;

	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	r = getaddrinfo(e->host[0] ? e->host : NULL, e->service, &hints, &res);
	if (r == EAI_SYSTEM)
		return -errno;
	if (r == EAI_MEMORY)
		return -ENOMEM;
	if (r)
		return -ENXIO;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			fd = -errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, backlog) == 0)
			break;
		r = -errno;
		close(fd);
		fd = r;
	}
	freeaddrinfo(res);
	return fd;
}

int nsv_endpoint_listen(const struct nsv_endpoint *e,
			const struct nsv_sock_cfg *c, int backlog)
{
	char path[NSV_UNIX_PATH_MAX];
	struct nsv_sock_cfg vc;
	int r;

	if (!e)
		return -EINVAL;
	switch (e->kind) {
	case NSV_EP_VSOCK:
		if (c)
			vc = *c;
		else
			nsv_sock_cfg_init(&vc);
		vc.local_cid = e->vsock.cid;
		vc.local_port = e->vsock.port;
		if (e->vsock.type != NSV_SOCK_UNSPEC)
			vc.type = e->vsock.type;
		return nsv_sock_listen(&vc, backlog);
	case NSV_EP_TCP:
		return tcp_listen(e, backlog);
	case NSV_EP_UNIX:
		return unix_listen(e->path, c, backlog);
	case NSV_EP_HYBRID:
		r = nsv_hybrid_listen_path(e->path, e->vsock.port, path,
					   sizeof(path));
		if (r < 0)
			return r;
		/* The VMM connects with a stream socket, whatever we relay. */
		return unix_listen(path, NULL, backlog);
	}
	return -EINVAL;
}

static int put(char *buf, size_t len, int n)
{
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

int nsv_endpoint_explain(int err, enum nsv_sock_op op,
			 const struct nsv_endpoint *e,
			 const struct nsv_sock_cfg *c, unsigned int transports,
			 const char *answer, char *buf, size_t len)
{
	struct nsv_sock_cfg def;
	char name[NSV_UNIX_PATH_MAX + 64], t[48];
	int en = err < 0 ? -err : err;
	bool listen = op != NSV_OP_CONNECT;

	if (!e || !buf)
		return -EINVAL;
	if (!c) {
		nsv_sock_cfg_init(&def);
		c = &def;
	}
	if (e->kind == NSV_EP_VSOCK) {
		struct nsv_sock_cfg vc = *c;

		if (e->vsock.type != NSV_SOCK_UNSPEC)
			vc.type = e->vsock.type;
		if (listen) {
			vc.local_cid = e->vsock.cid;
			vc.local_port = e->vsock.port;
		}
		return nsv_sock_explain(err, op, &vc, e->vsock.cid,
					e->vsock.port, transports, buf, len);
	}
	if (e->kind == NSV_EP_HYBRID && listen) {
		char p[NSV_UNIX_PATH_MAX];

		if (nsv_hybrid_listen_path(e->path, e->vsock.port, p,
					   sizeof(p)) < 0)
			return put(
				buf, len,
				snprintf(
					buf, len,
					"hybrid vsock path %s_%u is too long for a Unix socket (%d bytes at most)",
					e->path, e->vsock.port,
					NSV_UNIX_PATH_MAX - 1));
		snprintf(name, sizeof(name), "unix:%s", p);
	} else if (e->kind == NSV_EP_HYBRID) {
		snprintf(name, sizeof(name), "the VMM's socket %s", e->path);
	} else if (nsv_endpoint_format(e, 0, name, sizeof(name)) < 0) {
		snprintf(name, sizeof(name), "?");
	}
	t[0] = '\0';
	if (c->retry_ms > 0 && !listen) {
		char s[24];

		if (c->retry_ms % 1000)
			snprintf(s, sizeof(s), "%.1f s", c->retry_ms / 1000.0);
		else
			snprintf(s, sizeof(s), "%d s", c->retry_ms / 1000);
		snprintf(t, sizeof(t), " (kept retrying for %s)", s);
	}

	if (e->kind == NSV_EP_HYBRID && !listen) {
		switch (en) {
		case EPROTO:
			return put(
				buf, len,
				snprintf(
					buf, len,
					"hybrid vsock handshake failed: %s answered '%s' to 'CONNECT %u' instead of 'OK PORT'",
					e->path, answer ? answer : "",
					e->vsock.port));
		case ECONNRESET:
			if (answer && answer[0])
				return put(
					buf, len,
					snprintf(
						buf, len,
						"hybrid vsock handshake failed: %s closed the connection after '%s' without a whole answer line",
						e->path, answer));
			return put(
				buf, len,
				snprintf(
					buf, len,
					"hybrid vsock: %s closed the connection without answering 'CONNECT %u' (nothing listening on guest port %u?)%s",
					e->path, e->vsock.port, e->vsock.port,
					t));
		case ETIMEDOUT:
			snprintf(name, sizeof(name), "%.1f s",
				 (c->timeout_ms < 0 ? 0 : c->timeout_ms) /
					 1000.0);
			return put(
				buf, len,
				snprintf(
					buf, len,
					"hybrid vsock: no answer from %s to 'CONNECT %u' within %s%s",
					e->path, e->vsock.port, name, t));
		}
	}

	switch (en) {
	case ENXIO:
		if (e->kind == NSV_EP_TCP)
			return put(buf, len,
				   snprintf(buf, len,
					    "cannot resolve host '%s' of %s",
					    e->host, name));
		break;
	case ENOENT:
		if (!listen)
			return put(
				buf, len,
				snprintf(
					buf, len,
					"nothing listening on %s (no such file)%s",
					name, t));
		break;
	case ECONNREFUSED:
	case ECONNRESET:
		if (!listen)
			return put(buf, len,
				   snprintf(buf, len,
					    "nothing listening on %s%s", name,
					    t));
		break;
	case ETIMEDOUT:
		if (!listen)
			return put(buf, len,
				   snprintf(buf, len,
					    "timed out connecting to %s%s",
					    name, t));
		break;
	case EADDRINUSE:
		return put(buf, len,
			   snprintf(buf, len, "%s is already in use%s", name,
				    e->kind == NSV_EP_TCP ?
					    "" :
					    " (a live listener has it)"));
	case ENAMETOOLONG:
		return put(
			buf, len,
			snprintf(buf, len,
				 "%s: Unix socket paths hold %d bytes at most",
				 name, NSV_UNIX_PATH_MAX - 1));
	case EACCES:
	case EPERM:
		if (e->kind == NSV_EP_TCP && listen &&
		    strtoul(e->service, NULL, 10) < 1024)
			return put(
				buf, len,
				snprintf(
					buf, len,
					"permission denied: listening on %s needs CAP_NET_BIND_SERVICE",
					name));
		return put(buf, len,
			   snprintf(buf, len, "permission denied on %s", name));
	}
	return put(buf, len,
		   snprintf(buf, len, "cannot %s %s: %s",
			    listen ? "listen on" : "connect to", name,
			    strerror(en)));
}
