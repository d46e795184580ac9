/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vncat: vsock sockets: create, connect with retry, listen, explain; CID lists. */
#ifndef NSV_SOCK_H
#define NSV_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "names.h"
#include "nsmode.h"
#include "retry.h"

/* How to make a vsock socket; nsv_sock_cfg_init() gives the defaults. */
struct nsv_sock_cfg {
	enum nsv_socktype type; /* NSV_SOCK_UNSPEC means stream */
	uint32_t local_cid; /* bind to this CID (NSV_CID_ANY: any) */
	uint32_t local_port; /* bind to this port (NSV_PORT_ANY: any) */
	bool sibling; /* VMADDR_FLAG_TO_HOST: route via the host */
	uint64_t bufsize; /* SO_VM_SOCKETS_BUFFER_SIZE, 0: kernel's */
	int timeout_ms; /* connect timeout, < 0: the kernel's (2 s) */
	int retry_ms; /* retry a refused connect this long, 0: no */
	const struct nsv_names *names; /* CID names for messages, or NULL */
};

/** nsv_sock_cfg_init - stream, any local address, kernel defaults, no retry */
void nsv_sock_cfg_init(struct nsv_sock_cfg *c);

/**
 * nsv_sock_open - an AF_VSOCK socket made as @c says, bound if @c names a
 * local CID or port
 *
 * The socket is close-on-exec and blocking. Returns the fd or -errno.
 */
int nsv_sock_open(const struct nsv_sock_cfg *c);

/**
 * nsv_sock_connect - connect to @cid:@port
 * @c: socket type, local address, flags, buffer size, timeout and retry time
 * @on_retry: called before each retry (may be NULL)
 *
 * Sets SO_VM_SOCKETS_CONNECT_TIMEOUT to @c->timeout_ms when >= 0, and, when
 * @c->retry_ms > 0, retries what nsv_retryable() lists (-ENODEV too for a
 * guest CID while vhost_vsock is loaded) until that time is up.
 * Returns a connected, close-on-exec, blocking fd or -errno of the last
 * attempt.
 */
int nsv_sock_connect(const struct nsv_sock_cfg *c, uint32_t cid, uint32_t port,
		     nsv_retry_fn on_retry, void *arg);

/**
 * nsv_sock_listen - a listening socket on @c->local_cid:@c->local_port
 *
 * Returns the fd or -errno.
 */
int nsv_sock_listen(const struct nsv_sock_cfg *c, int backlog);

/**
 * nsv_sock_accept - accept one connection on a vsock listener
 * @peer: the peer's address (may be NULL)
 *
 * Returns a close-on-exec fd or -errno (-EINTR when a signal came).
 */
int nsv_sock_accept(int lfd, struct nsv_addr *peer);

/**
 * nsv_sock_names - local and peer address of a vsock socket (either may be
 * NULL); returns 0 or -errno
 */
int nsv_sock_names(int fd, struct nsv_addr *local, struct nsv_addr *peer);

/** nsv_local_cid - this machine's CID (ioctl on /dev/vsock); 0 or -errno */
int nsv_local_cid(uint32_t *cid);

/* vsock modules found loaded in /sys/module (nsv_transports_loaded). */
#define NSV_TR_CORE 0x01 /* vsock */
#define NSV_TR_LOOPBACK 0x02 /* vsock_loopback: CID 1 */
#define NSV_TR_VIRTIO 0x04 /* vmw_vsock_virtio_transport: guest to host */
#define NSV_TR_VHOST 0x08 /* vhost_vsock: host to guests */
#define NSV_TR_VMCI 0x10 /* vmw_vsock_vmci_transport */
#define NSV_TR_HYPERV 0x20 /* hv_sock */
#define NSV_TR_G2H (NSV_TR_VIRTIO | NSV_TR_VMCI | NSV_TR_HYPERV)

/**
 * nsv_transports_loaded - which vsock modules are loaded
 * @sysmod: the /sys/module directory (NULL: the real one)
 *
 * Returns a mask of NSV_TR_* (0 when none or unknown).
 */
unsigned int nsv_transports_loaded(const char *sysmod);

/* What was being done when an error came (nsv_sock_explain). */
enum nsv_sock_op {
	NSV_OP_SOCKET,
	NSV_OP_BIND,
	NSV_OP_LISTEN,
	NSV_OP_CONNECT,
	NSV_OP_ACCEPT,
};

/**
 * nsv_sock_explain - one line saying why a vsock operation failed
 * @err: the -errno
 * @c: the socket's configuration (type, local address, flags, timeouts)
 * @cid: the peer CID of a connect (@c->local_cid for socket/bind/listen)
 * @port: the peer port of a connect (@c->local_port otherwise)
 * @transports: nsv_transports_loaded(), so the message can name the module
 *
 * Tells "nothing listening" from "no transport" from "no such VM" and names
 * the module to load. No trailing newline. Returns the length or -ENOSPC.
 */
int nsv_sock_explain(int err, enum nsv_sock_op op, const struct nsv_sock_cfg *c,
		     uint32_t cid, uint32_t port, unsigned int transports,
		     char *buf, size_t len);

/**
 * nsv_sock_is_loopback - whether a connect to @cid goes over vsock's
 * loopback transport
 * @transports: nsv_transports_loaded()
 *
 * CID 1 always; the machine's own CID too, which vsock hands to loopback:
 * the host's (2) where no guest transport is loaded, else the guest's own
 * (asked of /dev/vsock).
 */
bool nsv_sock_is_loopback(uint32_t cid, unsigned int transports);

/**
 * nsv_sock_explain_nsmode - add to a refused connect's message that the
 * caller's namespace keeps loopback to itself
 * @err: the connect's -errno
 * @loopback: nsv_sock_is_loopback() of the CID connected to
 * @m: the caller's namespace's vsock mode (nsv_nsmode_read())
 * @buf: the message so far (nsv_sock_explain()), a string in @len bytes
 *
 * Only a connect over loopback from a local namespace that was refused or
 * reset gets the clause: there a listener in another namespace looks just
 * like no listener. Returns the new length (the old one when nothing
 * applies), -ENOSPC with @buf unchanged, or -EINVAL for a NULL argument or
 * a @buf without its NUL.
 */
int nsv_sock_explain_nsmode(int err, bool loopback, const struct nsv_nsmode *m,
			    char *buf, size_t len);

/* A list of CIDs and CID ranges ("3,5-9,host"). */
struct nsv_cidrange {
	uint32_t lo, hi;
};

struct nsv_cidlist {
	struct nsv_cidrange *v;
	size_t n;
};

/**
 * nsv_cidlist_parse - add the CIDs of @s to @l
 * @s: comma-separated CIDs (any nsv_cid_parse() form) or LO-HI ranges;
 *     "any" or "*" stands for every CID
 *
 * Returns 0, -EINVAL (then @l is unchanged) or -ENOMEM.
 */
int nsv_cidlist_parse(struct nsv_cidlist *l, const char *s);

/** nsv_cidlist_has - whether @cid is in @l */
bool nsv_cidlist_has(const struct nsv_cidlist *l, uint32_t cid);

/**
 * nsv_cid_allowed - the allow/deny decision for a peer
 *
 * A peer is allowed when @allow is empty or holds @cid, and @deny does not.
 */
bool nsv_cid_allowed(const struct nsv_cidlist *allow,
		     const struct nsv_cidlist *deny, uint32_t cid);

void nsv_cidlist_free(struct nsv_cidlist *l);

#endif /* NSV_SOCK_H */
