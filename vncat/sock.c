// SPDX-License-Identifier: LGPL-2.1-or-later
/* vsock sockets: create, connect with timeout and retry, listen, explain. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "addr.h"
#include "retry.h"
#include "sock.h"

void nsv_sock_cfg_init(struct nsv_sock_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->type = NSV_SOCK_STREAM;
	c->local_cid = NSV_CID_ANY;
	c->local_port = NSV_PORT_ANY;
	c->timeout_ms = -1;
}

static int sock_type(const struct nsv_sock_cfg *c)
{
	return c->type == NSV_SOCK_UNSPEC ? SOCK_STREAM : (int)c->type;
}

static void fill_sa(struct sockaddr_vm *sa, uint32_t cid, uint32_t port,
		    bool sibling)
{
	memset(sa, 0, sizeof(*sa));
	sa->svm_family = AF_VSOCK;
	sa->svm_cid = cid;
	sa->svm_port = port;
	if (sibling)
		sa->svm_flags = VMADDR_FLAG_TO_HOST;
}

/*
 * The kernel clamps BUFFER_SIZE to BUFFER_MAX_SIZE (256 KiB by default), so
 * a larger size needs the maximum raised first; a smaller one the minimum
 * lowered.
 */
static int set_bufsize(int fd, uint64_t size)
{
	uint64_t cur = 0;
	socklen_t sl = sizeof(cur);

	if (!size)
		return 0;
	if (getsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_MAX_SIZE, &cur,
		       &sl) == 0 &&
	    size > cur &&
	    setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_MAX_SIZE, &size,
		       sizeof(size)) < 0)
		return -errno;
	sl = sizeof(cur);
	if (getsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_MIN_SIZE, &cur,
		       &sl) == 0 &&
	    size < cur &&
	    setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_MIN_SIZE, &size,
		       sizeof(size)) < 0)
		return -errno;
	if (setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, &size,
		       sizeof(size)) < 0)
		return -errno;
	return 0;
}

/* A socket with the buffer size set, bound when asked or when the
 * configuration names a local address. */
static int sock_new(const struct nsv_sock_cfg *c, bool always_bind)
{
	struct sockaddr_vm sa;
	int fd, r;

	fd = socket(AF_VSOCK, sock_type(c) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = set_bufsize(fd, c->bufsize);
	if (r < 0)
		goto fail;
	if (always_bind || c->local_cid != NSV_CID_ANY ||
	    c->local_port != NSV_PORT_ANY) {
		fill_sa(&sa, c->local_cid, c->local_port, false);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			r = -errno;
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return r;
}

int nsv_sock_open(const struct nsv_sock_cfg *c)
{
	return sock_new(c, false);
}

static int connect_once(const struct nsv_sock_cfg *c, uint32_t cid,
			uint32_t port)
{
	struct sockaddr_vm sa;
	int fd, r;

	fd = nsv_sock_open(c);
	if (fd < 0)
		return fd;
	if (c->timeout_ms >= 0) {
		struct timeval tv = { c->timeout_ms / 1000,
				      (c->timeout_ms % 1000) * 1000 };

		if (setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, &tv,
			       sizeof(tv)) < 0) {
			r = -errno;
			goto fail;
		}
	}
	fill_sa(&sa, cid, port, c->sibling);
	/* The kernel enforces the timeout; a blocking connect waits for it. */
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno != EINTR) {
			r = -errno;
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return r;
}

/*
 * Beyond nsv_retryable()'s list: -ENODEV from a guest CID is worth a retry
 * when vhost_vsock is here to learn the guest later (a VM still booting).
 */
static unsigned int retry_flags(const struct nsv_sock_cfg *c, uint32_t cid)
{
	if (c->retry_ms <= 0 || c->sibling || cid <= NSV_CID_HOST ||
	    cid == NSV_CID_ANY)
		return 0;
	return nsv_transports_loaded(NULL) & NSV_TR_VHOST ? NSV_RETRY_GUEST : 0;
}

int nsv_sock_connect(const struct nsv_sock_cfg *c, uint32_t cid, uint32_t port,
		     nsv_retry_fn on_retry, void *arg)
{
	struct nsv_retry r;
	int fd;

	nsv_retry_init(&r, c->retry_ms, retry_flags(c, cid), on_retry, arg);
	do
		fd = connect_once(c, cid, port);
	while (fd < 0 && nsv_retry_wait(&r, fd));
	return fd;
}

int nsv_sock_listen(const struct nsv_sock_cfg *c, int backlog)
{
	int fd = sock_new(c, true), r;

	if (fd < 0)
		return fd;
	if (listen(fd, backlog) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int nsv_sock_accept(int lfd, struct nsv_addr *peer)
{
	struct sockaddr_vm sa;
	socklen_t sl = sizeof(sa);
	int fd;

	memset(&sa, 0, sizeof(sa));
	fd = accept4(lfd, (struct sockaddr *)&sa, &sl, SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (peer) {
		peer->cid = sa.svm_cid;
		peer->port = sa.svm_port;
		peer->type = NSV_SOCK_UNSPEC;
	}
	return fd;
}

/* getsockname() or getpeername() of a vsock socket into @a. */
static int vsock_name(int fd, int (*get)(int, struct sockaddr *, socklen_t *),
		      int type, struct nsv_addr *a)
{
	struct sockaddr_vm sa;
	socklen_t sl = sizeof(sa);

	memset(&sa, 0, sizeof(sa));
	if (get(fd, (struct sockaddr *)&sa, &sl) < 0)
		return -errno;
	if (sa.svm_family != AF_VSOCK)
		return -EAFNOSUPPORT;
	a->cid = sa.svm_cid;
	a->port = sa.svm_port;
	a->type = (enum nsv_socktype)type;
	return 0;
}

int nsv_sock_names(int fd, struct nsv_addr *local, struct nsv_addr *peer)
{
	socklen_t sl;
	int type, r;

	sl = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) < 0)
		return -errno;
	if (local && (r = vsock_name(fd, getsockname, type, local)) < 0)
		return r;
	if (peer && (r = vsock_name(fd, getpeername, type, peer)) < 0)
		return r;
	return 0;
}

int nsv_local_cid(uint32_t *cid)
{
	unsigned int v = 0;
	int fd, r = 0;

	fd = open("/dev/vsock", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &v) < 0)
		r = -errno;
	else
		*cid = v;
	close(fd);
	return r;
}

unsigned int nsv_transports_loaded(const char *sysmod)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} mods[] = {
		{ "vsock", NSV_TR_CORE },
		{ "vsock_loopback", NSV_TR_LOOPBACK },
		{ "vmw_vsock_virtio_transport", NSV_TR_VIRTIO },
		{ "vhost_vsock", NSV_TR_VHOST },
		{ "vmw_vsock_vmci_transport", NSV_TR_VMCI },
		{ "hv_sock", NSV_TR_HYPERV },
	};
	unsigned int mask = 0;
	char path[4096];
	struct stat st;
	size_t i;

	if (!sysmod)
		sysmod = "/sys/module";
	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		int n = snprintf(path, sizeof(path), "%s/%s", sysmod,
				 mods[i].name);

		if (n > 0 && (size_t)n < sizeof(path) && stat(path, &st) == 0)
			mask |= mods[i].bit;
	}
	return mask;
}

static int put(char *buf, size_t len, int n)
{
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

static const char *type_word(const struct nsv_sock_cfg *c)
{
	switch (c->type) {
	case NSV_SOCK_SEQPACKET:
		return "SEQPACKET ";
	case NSV_SOCK_DGRAM:
		return "datagram ";
	default:
		return "";
	}
}

/* The seconds of a millisecond count, without a useless ".0". */
static void secs(char *buf, size_t len, int ms)
{
	if (ms % 1000)
		snprintf(buf, len, "%.1f s", ms / 1000.0);
	else
		snprintf(buf, len, "%d s", ms / 1000);
}

static int explain_nodev(const struct nsv_sock_cfg *c, uint32_t cid,
			 const char *where, unsigned int tr, char *buf,
			 size_t len)
{
	if (c->sibling)
		return put(
			buf, len,
			snprintf(
				buf, len,
				"no transport for %s: --sibling routes through the host, which needs a guest transport (load vmw_vsock_virtio_transport; Linux 5.11+)",
				where));
	if (cid == NSV_CID_LOCAL)
		return put(
			buf, len,
			snprintf(
				buf, len,
				"no transport for CID 1 (local): load vsock_loopback (loopback needs Linux 5.6+)"));
	if (cid <= NSV_CID_HOST)
		return put(
			buf, len,
			snprintf(
				buf, len,
				"no transport to the %s (CID %u): inside a VM load vmw_vsock_virtio_transport (for loopback to yourself load vsock_loopback)",
				cid == NSV_CID_HOST ? "host" : "hypervisor",
				cid));
	if (tr & NSV_TR_VHOST)
		return put(
			buf, len,
			snprintf(
				buf, len,
				"no VM with CID %u: vhost_vsock knows no such guest (is the VM running?)",
				cid));
	return put(
		buf, len,
		snprintf(
			buf, len,
			"no transport for CID %u: on the VM's host load vhost_vsock (inside a VM, vmw_vsock_virtio_transport)",
			cid));
}

int nsv_sock_explain(int err, enum nsv_sock_op op, const struct nsv_sock_cfg *c,
		     uint32_t cid, uint32_t port, unsigned int tr, char *buf,
		     size_t len)
{
	char where[NSV_NAMES_ADDR_STRLEN], t[32];
	int e = err < 0 ? -err : err;

	if (!buf || !c)
		return -EINVAL;
	if (nsv_names_addr_format(c->names, cid, port, 0, where,
				  sizeof(where)) < 0)
		snprintf(where, sizeof(where), "?");

	switch (e) {
	case EAFNOSUPPORT:
		return put(
			buf, len,
			snprintf(
				buf, len,
				"this kernel has no AF_VSOCK: load the vsock module (modprobe vsock)"));
	case ESOCKTNOSUPPORT:
	case EPROTONOSUPPORT:
	case EOPNOTSUPP:
		if (c->type == NSV_SOCK_SEQPACKET && op == NSV_OP_SOCKET)
			return put(
				buf, len,
				snprintf(
					buf, len,
					"SOCK_SEQPACKET is not supported by this kernel (vsock SEQPACKET needs Linux 5.14+)"));
		if (c->type == NSV_SOCK_SEQPACKET)
			return put(
				buf, len,
				snprintf(
					buf, len,
					"SOCK_SEQPACKET is not supported by the transport to %s (virtio and loopback have it since Linux 5.14)",
					where));
		if (c->type == NSV_SOCK_DGRAM)
			return put(
				buf, len,
				snprintf(
					buf, len,
					"vsock datagrams are not supported here: only the VMCI transport (VMware) has them, virtio and loopback do not"));
		break;
	case ENODEV:
		if (c->type == NSV_SOCK_DGRAM)
			return put(
				buf, len,
				snprintf(
					buf, len,
					"vsock datagrams are not supported here: only the VMCI transport (VMware) has them, virtio and loopback do not"));
		if (op == NSV_OP_CONNECT)
			return explain_nodev(c, cid, where, tr, buf, len);
		break;
	case ECONNRESET:
	case ECONNREFUSED:
		if (op != NSV_OP_CONNECT)
			break;
		if (c->retry_ms > 0) {
			secs(t, sizeof(t), c->retry_ms);
			return put(
				buf, len,
				snprintf(
					buf, len,
					"nothing listening on %s%s (kept retrying for %s)",
					where,
					c->type == NSV_SOCK_SEQPACKET ?
						" for SEQPACKET" :
						"",
					t));
		}
		return put(buf, len,
			   snprintf(buf, len, "nothing listening on %s%s",
				    where,
				    c->type == NSV_SOCK_SEQPACKET ?
					    " for SEQPACKET" :
					    ""));
	case ETIMEDOUT:
		if (op != NSV_OP_CONNECT)
			break;
		secs(t, sizeof(t), c->timeout_ms >= 0 ? c->timeout_ms : 2000);
		if (c->retry_ms > 0) {
			char r[32];

			secs(r, sizeof(r), c->retry_ms);
			return put(
				buf, len,
				snprintf(
					buf, len,
					"timed out connecting to %s (no answer within %s, kept retrying for %s)",
					where, t, r));
		}
		return put(
			buf, len,
			snprintf(
				buf, len,
				"timed out connecting to %s: no answer within %s (is the VM up and its vsock driver loaded?)",
				where, t));
	case EACCES:
	case EPERM:
		if ((op == NSV_OP_BIND || op == NSV_OP_LISTEN ||
		     op == NSV_OP_CONNECT) &&
		    c->local_port != NSV_PORT_ANY && c->local_port < 1024) {
			nsv_port_format(c->local_port, t, sizeof(t));
			return put(
				buf, len,
				snprintf(
					buf, len,
					"permission denied: binding vsock port %s needs CAP_NET_BIND_SERVICE (ports below 1024 are privileged)",
					t));
		}
		return put(buf, len,
			   snprintf(buf, len, "permission denied (%s %s)",
				    op == NSV_OP_CONNECT ? "connecting to" :
							   "on",
				    where));
	case EADDRINUSE:
		nsv_port_format(c->local_port, t, sizeof(t));
		return put(buf, len,
			   snprintf(buf, len, "vsock port %s is already in use",
				    t));
	case EADDRNOTAVAIL:
		nsv_cid_format(c->local_cid, 0, t, sizeof(t));
		return put(
			buf, len,
			snprintf(
				buf, len,
				"cannot bind to CID %s: not a CID of this machine (use any, local, or the CID of a loaded transport)",
				t));
	case EINVAL:
		if (op == NSV_OP_CONNECT && c->sibling)
			return put(
				buf, len,
				snprintf(
					buf, len,
					"--sibling needs Linux 5.11+ (VMADDR_FLAG_TO_HOST)"));
		break;
	case EHOSTUNREACH:
		if (op != NSV_OP_CONNECT)
			break;
		/* 7.x vhost: the CID is registered but its device is not up */
		return put(
			buf, len,
			snprintf(
				buf, len,
				"no route to %s: the VM with CID %u is not running (or not in this network namespace)",
				where, cid));
	case ENETUNREACH:
		return put(
			buf, len,
			snprintf(
				buf, len,
				"%s is unreachable: the transport does not allow it",
				where));
	}
	switch (op) {
	case NSV_OP_SOCKET:
		return put(buf, len,
			   snprintf(buf, len,
				    "cannot create a %svsock socket: %s",
				    type_word(c), strerror(e)));
	case NSV_OP_BIND:
	case NSV_OP_LISTEN:
		return put(buf, len,
			   snprintf(buf, len, "cannot listen on vsock %s: %s",
				    where, strerror(e)));
	case NSV_OP_ACCEPT:
		return put(buf, len,
			   snprintf(buf, len, "accept on %s failed: %s", where,
				    strerror(e)));
	case NSV_OP_CONNECT:
	default:
		return put(buf, len,
			   snprintf(buf, len, "cannot connect to %s: %s", where,
				    strerror(e)));
	}
}

bool nsv_sock_is_loopback(uint32_t cid, unsigned int tr)
{
	uint32_t self;

	if (cid == NSV_CID_LOCAL)
		return true;
	if (!(tr & NSV_TR_G2H))
		return cid == NSV_CID_HOST;
	return nsv_local_cid(&self) == 0 && cid == self;
}

int nsv_sock_explain_nsmode(int err, bool loopback, const struct nsv_nsmode *m,
			    char *buf, size_t len)
{
	size_t n;
	int r;

	if (!buf || !m || !len)
		return -EINVAL;
	n = strnlen(buf, len);
	if (n == len)
		return -EINVAL;
	if ((err != -ECONNRESET && err != -ECONNREFUSED) || !loopback ||
	    !nsv_nsmode_is_local(m))
		return (int)n;
	r = put(buf + n, len - n,
		snprintf(
			buf + n, len - n,
			"; this network namespace's vsock mode is local (" NSV_NSMODE_ROOT
			"/%s/ns_mode): the listener may be in another namespace, out of its reach",
			nsv_nsmode_src_name(m->src)));
	if (r < 0) {
		buf[n] = '\0';
		return r;
	}
	return (int)n + r;
}

/* -------------------------------------------------------------- CID lists */

static int parse_one(const char *s, size_t n, struct nsv_cidrange *r)
{
	char tmp[64];
	const char *dash;
	uint32_t lo, hi;

	if (n == 0 || n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (!strcmp(tmp, "*") || !strcasecmp(tmp, "any")) {
		r->lo = 0;
		r->hi = UINT32_MAX;
		return 0;
	}
	dash = strchr(tmp, '-');
	if (!dash) {
		if (nsv_cid_parse(tmp, &lo) < 0)
			return -EINVAL;
		r->lo = r->hi = lo;
		return 0;
	}
	tmp[dash - tmp] = '\0';
	if (nsv_cid_parse(tmp, &lo) < 0 || nsv_cid_parse(dash + 1, &hi) < 0 ||
	    lo == NSV_CID_ANY || lo > hi)
		return -EINVAL;
	r->lo = lo;
	r->hi = hi;
	return 0;
}

int nsv_cidlist_parse(struct nsv_cidlist *l, const char *s)
{
	struct nsv_cidrange *v;
	size_t count = 1, i, n = 0;
	const char *p;

	if (!l || !s || !*s)
		return -EINVAL;
	for (p = s; *p; p++)
		count += *p == ',';
	v = realloc(l->v, (l->n + count) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	for (p = s, i = 0; i < count; i++) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (parse_one(p, len, &v[l->n + n]) < 0)
			return -EINVAL;
		n++;
		p += len + 1;
	}
	l->n += n;
	return 0;
}

bool nsv_cidlist_has(const struct nsv_cidlist *l, uint32_t cid)
{
	size_t i;

	for (i = 0; l && i < l->n; i++)
		if (cid >= l->v[i].lo && cid <= l->v[i].hi)
			return true;
	return false;
}

bool nsv_cid_allowed(const struct nsv_cidlist *allow,
		     const struct nsv_cidlist *deny, uint32_t cid)
{
	if (allow && allow->n && !nsv_cidlist_has(allow, cid))
		return false;
	return !nsv_cidlist_has(deny, cid);
}

void nsv_cidlist_free(struct nsv_cidlist *l)
{
	if (!l)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
