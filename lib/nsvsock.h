/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsvsock: the one public header of the library the nsvsock tools share. */
#ifndef NSVSOCK_H
#define NSVSOCK_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <getopt.h>

/*
 * Conventions: every function returns 0 or a count on success and -errno on
 * failure. Nothing here prints or exits; callers turn errors into messages.
 */

/* ---------------------------------------------------------------- addresses */

#define NSV_CID_ANY 0xffffffffU
#define NSV_CID_HYPERVISOR 0U
#define NSV_CID_LOCAL 1U
#define NSV_CID_HOST 2U
#define NSV_PORT_ANY 0xffffffffU

/* Socket type named by an address prefix such as "vsock-seqpacket:". */
enum nsv_socktype {
	NSV_SOCK_UNSPEC = 0,
	NSV_SOCK_STREAM = 1,	/* SOCK_STREAM */
	NSV_SOCK_DGRAM = 2,	/* SOCK_DGRAM */
	NSV_SOCK_SEQPACKET = 5, /* SOCK_SEQPACKET */
};

struct nsv_addr {
	uint32_t cid;
	uint32_t port;
	enum nsv_socktype type; /* NSV_SOCK_UNSPEC unless the prefix said */
};

/* Formatting flags. */
#define NSV_FMT_NUMERIC 0x1 /* numbers instead of CID names */

/* Longest formatted CID or port ("hypervisor", "4294967295") plus NUL. */
#define NSV_CID_STRLEN 16
/* Longest formatted "CID:PORT" plus NUL. */
#define NSV_ADDR_STRLEN 32

/**
 * nsv_cid_parse - parse a context id
 * @s: "any", "*", "hypervisor", "local", "host", decimal or 0x-hex
 * @cid: result
 *
 * Returns 0, or -EINVAL for empty, negative, out-of-range (> 2^32-1) or
 * trailing-garbage input.
 */
int nsv_cid_parse(const char *s, uint32_t *cid);

/**
 * nsv_port_parse - parse a port: decimal, 0x-hex, or "*"/"any" for any port
 *
 * Returns 0 or -EINVAL, with the same rules as nsv_cid_parse().
 */
int nsv_port_parse(const char *s, uint32_t *port);

/**
 * nsv_addr_parse - parse "CID:PORT" or systemd's "vsock:CID:PORT"
 *
 * Also takes "vsock-stream:", "vsock-dgram:" and "vsock-seqpacket:" (which
 * set @a->type) and an empty CID after a prefix ("vsock::PORT" means any CID).
 * Returns 0 or -EINVAL.
 */
int nsv_addr_parse(const char *s, struct nsv_addr *a);

/**
 * nsv_cid_format - write a CID into @buf
 *
 * Prints "*" for any, and the names hypervisor/local/host unless
 * NSV_FMT_NUMERIC is set. Returns the length written or -ENOSPC.
 */
int nsv_cid_format(uint32_t cid, unsigned int flags, char *buf, size_t len);

/** nsv_port_format - write a port ("*" for any); returns length or -ENOSPC */
int nsv_port_format(uint32_t port, char *buf, size_t len);

/** nsv_addr_format - write "CID:PORT"; returns length or -ENOSPC */
int nsv_addr_format(uint32_t cid, uint32_t port, unsigned int flags, char *buf,
		    size_t len);

/* ----------------------------------------------------------- frame decoding */

/* Sizes of the headers on a vsockmon device (all little-endian). */
#define NSV_MON_HDR_LEN 32
#define NSV_VIRTIO_HDR_LEN 44

/* af_vsockmon_hdr.op */
enum nsv_mon_op {
	NSV_MON_OP_UNKNOWN = 0,
	NSV_MON_OP_CONNECT = 1,
	NSV_MON_OP_DISCONNECT = 2,
	NSV_MON_OP_CONTROL = 3,
	NSV_MON_OP_PAYLOAD = 4,
};

/* af_vsockmon_hdr.transport */
enum nsv_mon_transport {
	NSV_TRANSPORT_UNKNOWN = 0,
	NSV_TRANSPORT_NO_INFO = 1,
	NSV_TRANSPORT_VIRTIO = 2,
};

/* virtio_vsock_hdr.type */
enum nsv_virtio_type {
	NSV_VIRTIO_TYPE_STREAM = 1,
	NSV_VIRTIO_TYPE_SEQPACKET = 2,
};

/* virtio_vsock_hdr.op */
enum nsv_virtio_op {
	NSV_VIRTIO_OP_INVALID = 0,
	NSV_VIRTIO_OP_REQUEST = 1,
	NSV_VIRTIO_OP_RESPONSE = 2,
	NSV_VIRTIO_OP_RST = 3,
	NSV_VIRTIO_OP_SHUTDOWN = 4,
	NSV_VIRTIO_OP_RW = 5,
	NSV_VIRTIO_OP_CREDIT_UPDATE = 6,
	NSV_VIRTIO_OP_CREDIT_REQUEST = 7,
};

/* virtio_vsock_hdr.flags: SHUTDOWN ops, then RW ops on SEQPACKET. */
#define NSV_VIRTIO_SHUTDOWN_RCV 0x1
#define NSV_VIRTIO_SHUTDOWN_SEND 0x2
#define NSV_VIRTIO_SEQ_EOM 0x1
#define NSV_VIRTIO_SEQ_EOR 0x2

/* Where a frame ends before its declared end. */
enum nsv_trunc {
	NSV_TRUNC_NONE = 0,	 /* everything that was on the wire is here */
	NSV_TRUNC_MON_HDR,	 /* af_vsockmon_hdr cut short */
	NSV_TRUNC_TRANSPORT_HDR, /* transport header cut short */
	NSV_TRUNC_PAYLOAD,	 /* payload cut short (snaplen) */
};

struct nsv_virtio_hdr {
	uint64_t src_cid;
	uint64_t dst_cid;
	uint32_t src_port;
	uint32_t dst_port;
	uint32_t len; /* payload length the sender declared */
	uint16_t type;
	uint16_t op;
	uint32_t flags;
	uint32_t buf_alloc;
	uint32_t fwd_cnt;
};

/*
 * A decoded frame. Pointers point into the caller's buffer, which must
 * outlive the struct. Fields past the truncation point are zero.
 */
struct nsv_frame {
	/* af_vsockmon_hdr */
	uint64_t src_cid;
	uint64_t dst_cid;
	uint32_t src_port;
	uint32_t dst_port;
	uint16_t op;	     /* enum nsv_mon_op */
	uint16_t transport;  /* enum nsv_mon_transport */
	uint16_t thdr_len;   /* transport header length, as declared */
	uint16_t reserved;

	bool has_virtio;     /* transport VIRTIO with a whole virtio header */
	struct nsv_virtio_hdr virtio;

	const uint8_t *thdr; /* transport header bytes that were captured */
	size_t thdr_caplen;

	const uint8_t *payload; /* payload bytes that were captured */
	size_t payload_caplen;
	size_t payload_len;	/* payload bytes on the wire */

	size_t caplen;		/* bytes captured */
	size_t wirelen;		/* bytes on the wire */
	enum nsv_trunc trunc;
};

/**
 * nsv_frame_decode - decode af_vsockmon_hdr, transport header and payload
 * @buf: captured bytes
 * @caplen: how many bytes of @buf are valid
 * @wirelen: frame length on the wire (>= @caplen; pass @caplen if unknown)
 * @f: result
 *
 * Never reads past @caplen. A frame cut short by the capture is decoded as far
 * as it goes and reported in @f->trunc; that is not an error. An unknown or
 * NO_INFO transport header is skipped by its declared length.
 * Returns 0, or -EINVAL when @wirelen < @caplen or @buf is NULL with a
 * non-zero @caplen, or -EBADMSG when a virtio transport header declares a
 * length shorter than struct virtio_vsock_hdr: then @f is filled as for an
 * unknown transport (has_virtio false) so the header can still be shown.
 */
int nsv_frame_decode(const uint8_t *buf, size_t caplen, size_t wirelen,
		     struct nsv_frame *f);

/* Names; each returns NULL for a value it does not know. */
const char *nsv_mon_op_name(unsigned int op);
const char *nsv_transport_name(unsigned int transport);
const char *nsv_virtio_op_name(unsigned int op);
const char *nsv_virtio_type_name(unsigned int type);
const char *nsv_trunc_name(enum nsv_trunc t);

/** nsv_virtio_op_lookup - op number for a name (case-insensitive), or -EINVAL */
int nsv_virtio_op_lookup(const char *name);

/** nsv_virtio_type_lookup - type number for a name, or -EINVAL */
int nsv_virtio_type_lookup(const char *name);

/**
 * nsv_virtio_flags_format - name the flags of a virtio header
 *
 * SHUTDOWN: "rcv", "send", "rcv|send"; RW on SEQPACKET: "eom", "eor",
 * "eom|eor". Unknown bits, and any flag where the op defines none, print as
 * hex ("0x10"). No flags give "". Returns the length or -ENOSPC.
 */
int nsv_virtio_flags_format(unsigned int op, unsigned int type, uint32_t flags,
			    char *buf, size_t len);

/* ------------------------------------------------------ network namespaces */

struct nsv_netns_info {
	uint64_t ino;	 /* the namespace's nsfs inode: its identity */
	int pid;	 /* a process inside, 0 if none was seen */
	char name[256];	 /* ip-netns name, "" if it has none */
	char path[4096]; /* a path that opens it */
};

/**
 * nsv_netns_path - where a namespace named by the user lives
 * @spec: an ip-netns NAME (/run/netns/NAME), a PATH (contains '/'), or a PID
 *
 * A name in /run/netns wins over a pid of the same digits. Returns 0,
 * -EINVAL or -ENAMETOOLONG.
 */
int nsv_netns_path(const char *spec, char *buf, size_t len);

/** nsv_netns_open - open a namespace by spec; returns an O_CLOEXEC fd or -errno */
int nsv_netns_open(const char *spec);

/** nsv_netns_enter - move the calling thread into the namespace @fd */
int nsv_netns_enter(int fd);

/** nsv_netns_enter_spec - nsv_netns_open() then nsv_netns_enter() */
int nsv_netns_enter_spec(const char *spec);

/** nsv_netns_ino - the namespace identity (nsfs inode) of @fd */
int nsv_netns_ino(int fd, uint64_t *ino);

/**
 * nsv_netns_list - every namespace this process can reach
 *
 * Our own first, then /run/netns/ *, then /proc/ * /ns/net; deduplicated by
 * inode, with a name and a pid where one is known. *@out is malloc'ed
 * (free() it). Returns the count or -errno.
 */
int nsv_netns_list(struct nsv_netns_info **out);

/* ------------------------------------------------------ command-line tables */

/* One row of a tool's option table; a zeroed row ends it. */
struct nsv_opt {
	const char *name; /* long name, or NULL */
	int val;	  /* short option character, or an id >= 256 */
	int has_arg;	  /* no_argument, required_argument, optional_argument */
	const char *arg;  /* placeholder in --help, e.g. "SECS" */
	const char *help; /* one line; NULL hides the option */
};

struct nsv_getopt {
	struct option *longopts;
	char *shortopts;
};

/** nsv_getopt_init - build getopt_long() tables from @opts; -ENOMEM */
int nsv_getopt_init(struct nsv_getopt *g, const struct nsv_opt *opts);
void nsv_getopt_free(struct nsv_getopt *g);

/** nsv_help_print - one aligned line per visible option; 0 or -EIO */
int nsv_help_print(FILE *f, const struct nsv_opt *opts);

/* --------------------------------------------------------------------- JSON */

#define NSV_JSON_MAX_DEPTH 16

/* A streaming writer: each top-level value ends with a newline (NDJSON). */
struct nsv_json {
	FILE *f;
	int depth;
	bool pretty;
	bool first[NSV_JSON_MAX_DEPTH];
};

void nsv_json_init(struct nsv_json *j, FILE *f, bool pretty);
/* @key is the member name inside an object, NULL inside an array or at top. */
int nsv_json_obj_begin(struct nsv_json *j, const char *key);
int nsv_json_obj_end(struct nsv_json *j);
int nsv_json_arr_begin(struct nsv_json *j, const char *key);
int nsv_json_arr_end(struct nsv_json *j);
int nsv_json_str(struct nsv_json *j, const char *key, const char *v);
int nsv_json_strn(struct nsv_json *j, const char *key, const char *v,
		  size_t len);
int nsv_json_u64(struct nsv_json *j, const char *key, uint64_t v);
int nsv_json_i64(struct nsv_json *j, const char *key, int64_t v);
int nsv_json_double(struct nsv_json *j, const char *key, double v);
int nsv_json_bool(struct nsv_json *j, const char *key, bool v);
int nsv_json_null(struct nsv_json *j, const char *key);
/** nsv_json_escape - write @len bytes as a JSON string (quotes included) */
int nsv_json_escape(FILE *f, const char *s, size_t len);

/* ========================================================================
 * vncat: sockets, connect/listen, relays, hybrid vsock (lib/sock.c, ...)
 * ======================================================================== */

/* ------------------------------------------------ lib/sock.c: vsock sockets */

/* How to make a vsock socket; nsv_sock_cfg_init() gives the defaults. */
struct nsv_sock_cfg {
	enum nsv_socktype type; /* NSV_SOCK_UNSPEC means stream */
	uint32_t local_cid;	/* bind to this CID (NSV_CID_ANY: any) */
	uint32_t local_port;	/* bind to this port (NSV_PORT_ANY: any) */
	bool sibling;		/* VMADDR_FLAG_TO_HOST: route via the host */
	uint64_t bufsize;	/* SO_VM_SOCKETS_BUFFER_SIZE, 0: kernel's */
	int timeout_ms;		/* connect timeout, < 0: the kernel's (2 s) */
	int retry_ms;		/* retry a refused connect this long, 0: no */
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

/*
 * Called before each retry of a connect that may succeed later (nothing
 * listening yet, guest not there yet): @err is the -errno of the attempt.
 */
typedef void (*nsv_retry_fn)(int err, unsigned int attempt, void *arg);

/**
 * nsv_sock_connect - connect to @cid:@port
 * @c: socket type, local address, flags, buffer size, timeout and retry time
 * @on_retry: called before each retry (may be NULL)
 *
 * Sets SO_VM_SOCKETS_CONNECT_TIMEOUT to @c->timeout_ms when >= 0, and, when
 * @c->retry_ms > 0, retries a reset, refused or timed-out connect (and one
 * to a guest CID that vhost does not know yet) until that time is up.
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
#define NSV_TR_CORE 0x01     /* vsock */
#define NSV_TR_LOOPBACK 0x02 /* vsock_loopback: CID 1 */
#define NSV_TR_VIRTIO 0x04   /* vmw_vsock_virtio_transport: guest to host */
#define NSV_TR_VHOST 0x08    /* vhost_vsock: host to guests */
#define NSV_TR_VMCI 0x10     /* vmw_vsock_vmci_transport */
#define NSV_TR_HYPERV 0x20   /* hv_sock */
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
int nsv_sock_explain(int err, enum nsv_sock_op op,
		     const struct nsv_sock_cfg *c, uint32_t cid,
		     uint32_t port, unsigned int transports, char *buf,
		     size_t len);

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

/* ----------------------------------- lib/endpoint.c: vsock, TCP, Unix, hybrid */

enum nsv_ep_kind {
	NSV_EP_VSOCK,  /* vsock:CID:PORT */
	NSV_EP_TCP,    /* tcp:HOST:PORT, tcp:[V6]:PORT */
	NSV_EP_UNIX,   /* unix:PATH, unix:@ABSTRACT */
	NSV_EP_HYBRID, /* hybrid:UDS_PATH:PORT (Firecracker-style) */
};

#define NSV_UNIX_PATH_MAX 108

struct nsv_endpoint {
	enum nsv_ep_kind kind;
	struct nsv_addr vsock; /* VSOCK; HYBRID: .port is the guest port */
	char host[256];	       /* TCP: name or address, "" for any */
	char service[32];      /* TCP: port */
	char path[NSV_UNIX_PATH_MAX]; /* UNIX, HYBRID: '@' first: abstract */
};

/**
 * nsv_endpoint_parse - parse an endpoint with its prefix
 *
 * "vsock:CID:PORT" (and the other nsv_addr_parse() prefixes), "tcp:HOST:PORT"
 * ("tcp::PORT" or "tcp:*:PORT" for any address, "tcp:[::1]:PORT"),
 * "unix:PATH", "hybrid:UDS_PATH:PORT" (the port after the last colon).
 * Returns 0, -EINVAL or -ENAMETOOLONG (Unix path too long).
 */
int nsv_endpoint_parse(const char *s, struct nsv_endpoint *e);

/** nsv_endpoint_format - the endpoint as it would be parsed; length or -ENOSPC */
int nsv_endpoint_format(const struct nsv_endpoint *e, unsigned int flags,
			char *buf, size_t len);

/**
 * nsv_endpoint_connect - connect to @e
 * @c: socket options; for TCP, Unix and hybrid only type (Unix sockets are
 *     SOCK_SEQPACKET when @c->type is), timeout_ms and retry_ms count
 * @host_port: for a hybrid endpoint, the port of the "OK PORT" answer (may be
 *     NULL)
 * @answer: for a hybrid endpoint whose handshake failed, what came back
 *     (may be NULL)
 *
 * Hybrid endpoints connect to the Unix socket and run nsv_hybrid_handshake().
 * TCP names are resolved here: a name that does not resolve gives -ENXIO.
 * Returns a connected, close-on-exec, blocking fd or -errno.
 */
int nsv_endpoint_connect(const struct nsv_endpoint *e,
			 const struct nsv_sock_cfg *c, nsv_retry_fn on_retry,
			 void *arg, uint32_t *host_port, char *answer,
			 size_t answer_len);

/**
 * nsv_endpoint_listen - listen on @e
 *
 * vsock listens on @e's CID and port with @c's type and buffer size; a
 * hybrid endpoint listens on the Unix socket "UDS_PATH_PORT" where the VMM
 * delivers guest-initiated connections. A Unix socket file left by a dead
 * listener (connect refused) is replaced; a live one gives -EADDRINUSE.
 * Returns the fd or -errno.
 */
int nsv_endpoint_listen(const struct nsv_endpoint *e,
			const struct nsv_sock_cfg *c, int backlog);

/**
 * nsv_endpoint_explain - one line saying why connecting to or listening on @e
 * failed (vsock errors go through nsv_sock_explain()); length or -ENOSPC
 */
int nsv_endpoint_explain(int err, enum nsv_sock_op op,
			 const struct nsv_endpoint *e,
			 const struct nsv_sock_cfg *c, unsigned int transports,
			 const char *answer, char *buf, size_t len);

/* ----------------------------------------- lib/hybrid.c: hybrid vsock (UDS) */

/* The longest answer line we accept ("OK 4294967295\n" is 14 bytes). */
#define NSV_HYBRID_LINE_MAX 128

/** nsv_hybrid_request - write "CONNECT PORT\n" into @buf; length or -ENOSPC */
int nsv_hybrid_request(uint32_t port, char *buf, size_t len);

/**
 * nsv_hybrid_answer_parse - check the VMM's answer line
 * @line: the bytes up to and including '\n'
 * @host_port: the number after "OK " (NSV_PORT_ANY if there is none)
 *
 * Returns 0 for "OK" or "OK PORT", -EPROTO for anything else.
 */
int nsv_hybrid_answer_parse(const char *line, size_t len, uint32_t *host_port);

/**
 * nsv_hybrid_handshake - ask the VMM behind @fd for guest port @port
 * @fd: a connected stream socket to the VMM's Unix socket (blocking)
 * @timeout_ms: how long to wait for the answer (< 0: forever)
 * @answer: receives the answer line without its '\n', NUL-terminated, so a
 *     caller can quote it (may be NULL)
 *
 * Sends "CONNECT PORT\n" and reads exactly one line back, never past its
 * '\n': bytes the guest sends right after the answer stay in the socket.
 * Returns 0, -EPROTO (bad answer), -ECONNRESET (closed before answering),
 * -ETIMEDOUT, or another -errno.
 */
int nsv_hybrid_handshake(int fd, uint32_t port, int timeout_ms,
			 uint32_t *host_port, char *answer, size_t answer_len);

/**
 * nsv_hybrid_listen_path - "UDS_PATH_PORT", where a Firecracker-style VMM
 * connects for guest-initiated connections to host port @port; length,
 * -ENAMETOOLONG
 */
int nsv_hybrid_listen_path(const char *uds, uint32_t port, char *buf,
			   size_t len);

/* ---------------------------------------- lib/relay.c: moving bytes across */

/* Bytes moved per read by default: many 64 KiB virtio-vsock packets. */
#define NSV_RELAY_BUFSIZE (256 * 1024)

struct nsv_relay_cfg {
	size_t bufsize;	  /* bytes per read, 0: NSV_RELAY_BUFSIZE */
	bool messages;	  /* one read is one message (SEQPACKET, DGRAM) */
	bool no_shutdown; /* keep a socket's write side open after EOF */
	int linger_ms;	  /* after the first EOF, wait at most this for the
			     other direction; < 0: until it ends */
};

/* Direction 0 goes from side A to side B, direction 1 from B to A. */
struct nsv_relay_stats {
	uint64_t bytes[2];    /* bytes written */
	uint64_t writes[2];   /* messages (or write calls) done */
	uint64_t usec;	      /* wall time */
	int err[2];	      /* -errno that ended a direction, 0 if EOF */
	bool err_write[2];    /* whether err came from writing (else reading) */
	uint64_t unsent[2];   /* bytes read but never written */
	bool lingered;	      /* -q cut a direction short */
};

/**
 * nsv_relay - move data both ways between side A and side B until both
 * directions are done
 * @a_rfd, @a_wfd: side A (may be the same fd; @a_rfd -1: A sends nothing)
 * @b_rfd, @b_wfd: side B
 *
 * One poll loop. A direction ends at EOF on its input: then a socket output
 * is shut down for writing (unless @c->no_shutdown) and any other output fd
 * that is not also an input is closed. Sockets are used with MSG_DONTWAIT;
 * other fds are left as they are and, unless they are regular files, only
 * touched after poll() says they are ready. A regular file or a pipe going
 * to a stream socket is moved with sendfile() or splice(), without our
 * buffer (the socket is non-blocking meanwhile; its flags are restored).
 * An input that fails ends like EOF; an output that is not a socket and
 * fails (stdout gone) ends both directions.
 * In message mode each read is written with a single write: message
 * boundaries survive between SEQPACKET/DGRAM sockets, and a message larger
 * than the buffer is an error (-EMSGSIZE), never silently cut.
 * Returns 0 when both directions ended at EOF, else the first -errno (see
 * @st->err for which).
 */
int nsv_relay(int a_rfd, int a_wfd, int b_rfd, int b_wfd,
	      const struct nsv_relay_cfg *c, struct nsv_relay_stats *st);

/* (end of the vncat section) */

/* ========================================================================
 * vsockstat: sock_diag dumps, record/replay, socket tables (lib/diag.c, ...)
 * ======================================================================== */

/*
 * Socket states as vsock_diag reports them: the kernel reuses the TCP state
 * numbers (vsock itself uses ESTABLISHED, SYN_SENT, CLOSE, LISTEN, CLOSING).
 */
enum nsv_sk_state {
	NSV_SS_ESTABLISHED = 1,
	NSV_SS_SYN_SENT = 2,
	NSV_SS_SYN_RECV = 3,
	NSV_SS_FIN_WAIT1 = 4,
	NSV_SS_FIN_WAIT2 = 5,
	NSV_SS_TIME_WAIT = 6,
	NSV_SS_CLOSE = 7,
	NSV_SS_CLOSE_WAIT = 8,
	NSV_SS_LAST_ACK = 9,
	NSV_SS_LISTEN = 10,
	NSV_SS_CLOSING = 11,
};
#define NSV_SS_ALL 0xfffU /* bitmap of 1 << state, states 0..11 */
/* ss's "connected": every state but LISTEN and CLOSE (UNCONN). */
#define NSV_SS_CONNECTED \
	(NSV_SS_ALL & ~(1U << NSV_SS_LISTEN | 1U << NSV_SS_CLOSE | 1U))

/* vdiag_shutdown bits (the socket's own sk_shutdown). */
#define NSV_SHUT_RCV 0x1
#define NSV_SHUT_SEND 0x2

/* One socket as struct vsock_diag_msg describes it, in host order. */
struct nsv_diag_sock {
	uint8_t type;	  /* SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5 */
	uint8_t state;	  /* enum nsv_sk_state */
	uint8_t shutdown; /* NSV_SHUT_* */
	uint32_t src_cid;
	uint32_t src_port;
	uint32_t dst_cid;
	uint32_t dst_port;
	uint32_t ino;
	uint64_t cookie;
};

/* Called once per socket; a negative return stops the walk with that error. */
typedef int (*nsv_diag_cb)(const struct nsv_diag_sock *s, void *data);

/**
 * nsv_diag_parse - decode netlink messages of a sock_diag reply
 * @buf: bytes as received from (or recorded off) a NETLINK_SOCK_DIAG socket
 * @len: how many bytes of @buf are valid
 * @cb: called for each SOCK_DIAG_BY_FAMILY message
 *
 * Never reads past @len; needs no alignment of @buf. NLMSG_NOOP is skipped.
 * Returns 0 when more messages may follow, 1 after NLMSG_DONE, the -errno
 * of an NLMSG_ERROR (or of NLMSG_DONE carrying one), -EBADMSG for a message
 * cut short, a length field that lies, a reply shorter than struct
 * vsock_diag_msg, a family other than AF_VSOCK or an unknown message type,
 * -EOVERFLOW for NLMSG_OVERRUN, or what @cb returned.
 */
int nsv_diag_parse(const void *buf, size_t len, nsv_diag_cb cb, void *data);

/**
 * nsv_diag_dump - list the vsock sockets of the caller's network namespace
 * @states: bitmap of 1 << state to ask the kernel for (NSV_SS_ALL for all)
 * @record: if not NULL, every reply is also written there, byte for byte
 * @cb: called once per socket
 *
 * Returns 0, -ENOENT when vsock_diag is not loaded (and could not be
 * autoloaded), -EIO when writing @record failed, or another -errno.
 */
int nsv_diag_dump(uint32_t states, FILE *record, nsv_diag_cb cb, void *data);

/* ----- filters */

#define NSV_FILTER_MAX 16 /* values per list (--cid 1,2,...) */

/*
 * What a socket must match: every non-empty criterion (AND); inside one
 * list any value (OR). Zero masks and empty lists match everything.
 */
struct nsv_sockfilter {
	uint32_t states; /* 1 << state */
	uint32_t types;	 /* 1 << type */
	uint32_t cid[NSV_FILTER_MAX];	/* local or peer CID */
	uint32_t port[NSV_FILTER_MAX];	/* local or peer port */
	uint32_t sport[NSV_FILTER_MAX]; /* local port */
	uint32_t dport[NSV_FILTER_MAX]; /* peer port */
	size_t ncid, nport, nsport, ndport;
};

/** nsv_sk_state_name - ss's name for a state ("ESTAB", "UNCONN"...), or NULL */
const char *nsv_sk_state_name(unsigned int state);

/**
 * nsv_sk_states_parse - bitmap of states for a comma-separated list
 *
 * Takes ss's state names (established, syn-sent, syn-recv, fin-wait-1,
 * fin-wait-2, time-wait, closed, close-wait, last-ack, listening, closing),
 * the names nsv_sk_state_name() prints (ESTAB, UNCONN, LISTEN...), the
 * groups all, connected and synchronized, in any case. Returns 0 and sets
 * *@mask, or -EINVAL (an empty item, an unknown name).
 */
int nsv_sk_states_parse(const char *list, uint32_t *mask);

/** nsv_sk_type_name - "stream", "dgram", "seqpacket", or NULL if unknown */
const char *nsv_sk_type_name(unsigned int type);

/** nsv_sk_types_parse - bitmap of 1 << type for "stream,seqpacket,..." */
int nsv_sk_types_parse(const char *list, uint32_t *mask);

/**
 * nsv_sockfilter_add - append a comma-separated list to one criterion
 * @what: 'c' CIDs (names as nsv_cid_parse), 'p' ports, 's' local ports,
 *        'd' peer ports (ports as nsv_port_parse)
 *
 * Returns 0, -EINVAL for a bad value or @what, -E2BIG past NSV_FILTER_MAX.
 */
int nsv_sockfilter_add(struct nsv_sockfilter *f, int what, const char *list);

/** nsv_sockfilter_match - whether @s passes @f */
bool nsv_sockfilter_match(const struct nsv_sockfilter *f,
			  const struct nsv_diag_sock *s);

/* ----- processes owning sockets (/proc/ * /fd) */

/* Called for each open socket fd; a negative return stops the scan. */
typedef int (*nsv_proc_cb)(uint64_t ino, int pid, int fd, void *data);

/**
 * nsv_proc_sockets - walk /proc/ * /fd and report every socket descriptor
 *
 * Processes that vanish or that we may not inspect are skipped: the scan
 * sees what ss -p would. Returns 0, -errno when /proc cannot be read, or
 * what @cb returned.
 */
int nsv_proc_sockets(nsv_proc_cb cb, void *data);

/**
 * nsv_proc_comm - a process's command name (/proc/PID/comm, no newline)
 *
 * Returns the length, or -errno (-ESRCH when the process is gone).
 */
int nsv_proc_comm(int pid, char *buf, size_t len);

/**
 * nsv_proc_fd_uid - the owner of the file behind /proc/PID/fd/FD
 *
 * For a socket that is the user who created it (what ss shows as uid).
 */
int nsv_proc_fd_uid(int pid, int fd, uint32_t *uid);

/* ----- socket tables over network namespaces */

/* One namespace of a table. */
struct nsv_stat_ns {
	struct nsv_netns_info info; /* path "" is the caller's own netns */
	char mode[16];		    /* ns_mode ("global", "local"), "" if none */
	int err;		    /* -errno when it could not be listed */
	bool err_enter;		    /* ... because setns() or open() failed */
	size_t nsocks;		    /* sockets of it in the table */
};

/* A process holding a socket. */
struct nsv_stat_proc {
	int pid;
	int fd;
	char comm[16];
};

struct nsv_stat_sock {
	struct nsv_diag_sock d;
	unsigned int ns; /* index into the table's namespaces */
	bool has_uid;	 /* uid and procs are filled by nsv_socktab_procs() */
	uint32_t uid;
	size_t proc0, nprocs; /* slice of the table's procs */
};

struct nsv_stat_user {
	uint32_t uid;
	char name[64]; /* "" when the uid has no name */
};

struct nsv_socktab {
	struct nsv_stat_ns *ns;
	size_t nns, nscap;
	struct nsv_stat_sock *socks;
	size_t nsocks, scap;
	struct nsv_stat_proc *procs;
	size_t nprocs, pcap;
	struct nsv_stat_user *users;
	size_t nusers, ucap;
};

/* Longest namespace label ("net:[4026531840],pid=4194304", or a name). */
#define NSV_NS_LABEL_LEN 256

/** nsv_socktab_init - an empty table: no namespaces, no sockets */
void nsv_socktab_init(struct nsv_socktab *t);
/** nsv_socktab_free - release what the table holds; it is empty again */
void nsv_socktab_free(struct nsv_socktab *t);

/**
 * nsv_socktab_add_self - list the caller's own namespace
 *
 * Its name is looked up in /run/netns. Returns 0 or -errno.
 */
int nsv_socktab_add_self(struct nsv_socktab *t);

/**
 * nsv_socktab_add_spec - list a namespace named as nsv_netns_open() takes it
 *
 * A namespace already in the table (same inode) is not added twice. Its
 * label is its /run/netns name if it has one, else its inode and the pid
 * of the spec. Returns 0, or -errno from opening @spec.
 */
int nsv_socktab_add_spec(struct nsv_socktab *t, const char *spec);

/** nsv_socktab_add_all - every namespace nsv_netns_list() finds; 0 or -errno */
int nsv_socktab_add_all(struct nsv_socktab *t);

/**
 * nsv_socktab_ns_label - a namespace's label for tables: its name, or
 * "net:[INODE],pid=PID" (",pid=" left out when no process is known)
 */
int nsv_socktab_ns_label(const struct nsv_stat_ns *ns, char *buf, size_t len);

/**
 * nsv_socktab_collect - (re)fill the table from the kernel
 * @states: bitmap of states to ask for; @f is applied on top (may be NULL)
 * @record: if not NULL, the replies of every namespace are written there
 *          (see nsv_socktab_replay for the format)
 *
 * Enters each namespace in turn (setns: needs CAP_SYS_ADMIN for others than
 * our own), dumps it and reads its ns_mode, then returns to the caller's
 * namespace. A namespace that cannot be entered or listed gets ns->err and
 * the others are still listed. Returns 0, or -errno for what stops it all:
 * no memory, or failing to return to our own namespace.
 */
int nsv_socktab_collect(struct nsv_socktab *t, uint32_t states,
			const struct nsv_sockfilter *f, FILE *record);

/*
 * A recording is the stream of netlink messages nsv_diag_dump() received,
 * each namespace's preceded by one message of this type whose payload holds
 * netlink attributes (NSV_REC_A_*). A file without any such message (a bare
 * dump, as ss -D writes them) replays as one unnamed namespace.
 */
#define NSV_REC_NETNS 0x7e56
enum {
	NSV_REC_A_UNSPEC,
	NSV_REC_A_INO,	/* u64 */
	NSV_REC_A_PID,	/* u32 */
	NSV_REC_A_NAME, /* NUL-terminated string */
	NSV_REC_A_MODE, /* NUL-terminated string */
	NSV_REC_A_ERR,	/* u32: the errno that kept the namespace unlisted */
	NSV_REC_A_ENTER_ERR, /* u32 flag: ... when entering it */
	NSV_REC_A_MAX,
};

/**
 * nsv_socktab_replay - fill the table from a recording held in memory
 * @f: filter applied to each socket (may be NULL)
 *
 * Replaces the table's namespaces with the recorded ones. Returns 0 or
 * -EBADMSG for a malformed recording (*@off, if not NULL, tells where),
 * -ENOMEM.
 */
int nsv_socktab_replay(struct nsv_socktab *t, const void *buf, size_t len,
		       const struct nsv_sockfilter *f, size_t *off);

/**
 * nsv_socktab_procs - find the processes and user of every socket
 *
 * Scans /proc once; sockets nobody holds (or whose holders we may not see)
 * keep nprocs 0 and has_uid false. Returns 0 or -errno.
 */
int nsv_socktab_procs(struct nsv_socktab *t);

/** nsv_socktab_user - the name of @uid as nsv_socktab_procs() found it, or NULL */
const char *nsv_socktab_user(const struct nsv_socktab *t, uint32_t uid);

/* Printer flags. */
#define NSV_STAT_NUMERIC 0x1  /* CIDs and users as numbers */
#define NSV_STAT_NETNS 0x2    /* a netns column (and mode, if the kernel has it) */
#define NSV_STAT_PROCS 0x4    /* user and process columns */
#define NSV_STAT_NOHEADER 0x8 /* no title line */

/** nsv_socktab_print - the table as aligned text; 0 or -EIO/-ENOMEM */
int nsv_socktab_print(FILE *f, const struct nsv_socktab *t,
		      unsigned int flags);

/** nsv_socktab_summary - counts per netns, type and state as text */
int nsv_socktab_summary(FILE *f, const struct nsv_socktab *t,
			unsigned int flags);

/**
 * nsv_socktab_json - the table as one JSON document (schema "vsockstat/1",
 * man/vsockstat.8); @summary replaces "sockets" with "summary"
 */
int nsv_socktab_json(struct nsv_json *j, const struct nsv_socktab *t,
		     unsigned int flags, bool summary);

/* (end of the vsockstat section) */

/* ========================================================================
 * vsockdump: capture, pcap, flows, filters, printers (lib/capture.c, ...)
 * ======================================================================== */

/* pcap LINKTYPE_VSOCK / DLT_VSOCK, and the ARPHRD of a vsockmon device. */
#define NSV_DLT_VSOCK 271
#define NSV_ARPHRD_VSOCKMON 826
/* Default snapshot length: a 64 KiB payload plus both headers fits. */
#define NSV_SNAPLEN_MAX 262144

/* One captured frame as it comes out of libpcap (live or from a file). */
struct nsv_pkt {
	int64_t sec;
	uint32_t nsec;
	uint32_t caplen;
	uint32_t wirelen;
	const uint8_t *data;
};

/* ---- vsockmon devices (lib/capture.c) */

/* A vsockmon device we capture on, and what we changed to get it. */
struct nsv_monitor {
	char name[16];	 /* IFNAMSIZ */
	int ifindex;
	bool created;	 /* we created it: delete it on close */
	bool raised;	 /* we brought it up: bring it down on close */
	void *nl;	 /* rtnetlink socket opened with our privileges */
};

/**
 * nsv_monitor_open - find or create the vsockmon device to capture on
 * @m: result; call nsv_monitor_close() whatever this returns
 * @ifname: a device to use (checked to be a vsockmon), or NULL for the first
 *	vsockmon device of the current network namespace
 * @create: with @ifname NULL and no vsockmon device, create "vsockmon0" (or
 *	the next free vsockmonN); the kernel loads the module itself
 *
 * The device is brought up. The rtnetlink socket stays open so that
 * nsv_monitor_close() can undo our changes after privileges were dropped.
 * Returns 0, -ENODEV (none and @create false, or @ifname does not exist),
 * -EMEDIUMTYPE (@ifname is not a vsockmon device), -EOPNOTSUPP (the kernel
 * has no vsockmon link type), -EPERM, or another -errno.
 */
int nsv_monitor_open(struct nsv_monitor *m, const char *ifname, bool create);

/** nsv_monitor_close - undo what nsv_monitor_open() did; 0 or -errno */
int nsv_monitor_close(struct nsv_monitor *m);

/** nsv_monitor_list - names of the vsockmon devices here, ", "-separated */
int nsv_monitor_list(char *buf, size_t len);

/* ---- pcap sources and files (lib/pcapio.c) */

struct nsv_pcap; /* a live capture or a file being read */
struct nsv_bpf_prog;

struct nsv_live_opts {
	const char *ifname;
	unsigned int snaplen;	/* 0: NSV_SNAPLEN_MAX */
	unsigned int bufsize;	/* kernel ring in bytes; 0: 32 MiB */
	bool immediate;		/* deliver each frame at once */
};

/**
 * nsv_pcap_open_live - start a libpcap capture on a vsockmon device
 * @err: receives libpcap's message on failure (PCAP_ERRBUF_SIZE is enough)
 *
 * Returns 0, -EMEDIUMTYPE if the device's link type is not DLT_VSOCK,
 * -EPERM, -ENODEV, or -EIO with the reason in @err.
 */
int nsv_pcap_open_live(struct nsv_pcap **out, const struct nsv_live_opts *o,
		       char *err, size_t errlen);

/**
 * nsv_pcap_open_file - read a pcap or pcapng file ("-" is stdin)
 *
 * Returns 0, -EMEDIUMTYPE if its link type is not DLT_VSOCK, or -errno with
 * the reason in @err.
 */
int nsv_pcap_open_file(struct nsv_pcap **out, const char *path, char *err,
		       size_t errlen);

/**
 * nsv_pcap_set_filter - filter frames with @prog
 *
 * Live: attached in the kernel (pcap_setfilter). Files: run in userspace on
 * each frame (pcap_offline_filter). Returns 0 or -errno (reason in
 * nsv_pcap_error()).
 */
int nsv_pcap_set_filter(struct nsv_pcap *p, const struct nsv_bpf_prog *prog);

typedef void (*nsv_pkt_cb)(const struct nsv_pkt *pkt, void *user);

/**
 * nsv_pcap_loop - call @cb for each frame that passes the filter
 * @count: stop after that many frames; 0 for no limit
 *
 * Returns the number of frames handed to @cb (>= 0) at the end of a file,
 * after @count frames or after nsv_pcap_break(); -EIO on a read error (the
 * reason in nsv_pcap_error(); frames before it were delivered).
 */
long nsv_pcap_loop(struct nsv_pcap *p, unsigned long count, nsv_pkt_cb cb,
		   void *user);

/** nsv_pcap_break - make nsv_pcap_loop() return; async-signal-safe */
void nsv_pcap_break(struct nsv_pcap *p);

struct nsv_pcap_stats {
	uint64_t received; /* frames the kernel filter passed */
	uint64_t dropped;  /* frames the ring had no room for */
	uint64_t if_dropped;
};

/** nsv_pcap_stats - kernel counters of a live capture; -EOPNOTSUPP for files */
int nsv_pcap_stats(struct nsv_pcap *p, struct nsv_pcap_stats *st);
/** nsv_pcap_error - the last libpcap message */
const char *nsv_pcap_error(struct nsv_pcap *p);
/** nsv_pcap_snaplen - the snapshot length of the capture or file */
unsigned int nsv_pcap_snaplen(struct nsv_pcap *p);
void nsv_pcap_close(struct nsv_pcap *p);

struct nsv_pcap_writer; /* pcap files written with rotation */

/**
 * nsv_pcap_writer_open - write LINKTYPE_VSOCK pcap to @path ("-": stdout)
 * @rotate_bytes: with > 0, start a new file when the current one is larger:
 *	PATH, PATH1, PATH2, ... (as tcpdump -C)
 * @max_files: with > 0 (and @rotate_bytes), reuse PATH0..PATH<N-1>, numbers
 *	zero-padded to the width of N-1 (as tcpdump -W)
 *
 * Returns 0, -EINVAL (rotation of stdout), or -errno with the reason in @err.
 */
int nsv_pcap_writer_open(struct nsv_pcap_writer **out, const char *path,
			 unsigned int snaplen, uint64_t rotate_bytes,
			 unsigned int max_files, char *err, size_t errlen);
/** nsv_pcap_writer_write - append one frame; 0 or -errno (-EPIPE, -ENOSPC...) */
int nsv_pcap_writer_write(struct nsv_pcap_writer *w, const struct nsv_pkt *pkt);
/** nsv_pcap_writer_flush - push buffered frames to the file */
int nsv_pcap_writer_flush(struct nsv_pcap_writer *w);
/** nsv_pcap_writer_path - the file being written now */
const char *nsv_pcap_writer_path(const struct nsv_pcap_writer *w);
const char *nsv_pcap_writer_error(const struct nsv_pcap_writer *w);
/** nsv_pcap_writer_close - flush and close; 0 or -EIO */
int nsv_pcap_writer_close(struct nsv_pcap_writer *w);

/* ---- connections and credit flow control (lib/flow.c) */

enum nsv_flow_state {
	NSV_FLOW_SEEN = 0,    /* traffic, but no handshake seen */
	NSV_FLOW_REQUESTED,   /* REQUEST sent, no answer yet */
	NSV_FLOW_ESTABLISHED, /* RESPONSE seen */
	NSV_FLOW_CLOSING,     /* a SHUTDOWN seen */
	NSV_FLOW_CLOSED,      /* RST after a handshake or a SHUTDOWN */
	NSV_FLOW_REFUSED,     /* REQUEST answered by RST */
};

#define NSV_FLOW_MAX_EVENTS 12

/* A state change of a connection: one REQUEST/RESPONSE/SHUTDOWN/RST. */
struct nsv_flow_event {
	uint16_t op;
	uint8_t dir;	/* 0: from the initiator, 1: from the other end */
	uint8_t flags;	/* SHUTDOWN flags */
	uint32_t count; /* the same event repeated this often in a row */
	int64_t sec;
	uint32_t nsec;
};

/* What one direction of a connection did; [0] is initiator to acceptor. */
struct nsv_flow_dir {
	uint64_t pkts;
	uint64_t bytes;		 /* RW payload, fragment-quirk corrected */
	uint64_t credit_updates; /* CREDIT_UPDATE sent */
	uint64_t credit_requests;/* CREDIT_REQUEST sent */
	uint64_t zero_credit;	 /* stalls: no credit, then more data sent */
	uint64_t zero_credit_ns; /* their total length */
	uint64_t oversized;	 /* frames holding more than their header's len */
	/* credit state: what this side last advertised, what it sent */
	uint32_t buf_alloc;
	uint32_t fwd_cnt;
	uint32_t tx_cnt;	 /* bytes sent, modulo 2^32 as in the kernel */
	bool advertised;	 /* buf_alloc/fwd_cnt seen */
	bool tx_known;		 /* tx_cnt is exact (handshake seen) or synced */
	bool blocked;		 /* at zero credit now */
	int64_t blocked_sec;
	uint32_t blocked_nsec;
	bool stall_pending;	 /* credit came back: a stall if data follows */
	uint64_t stall_ns;
};

/* One connection: socket type plus both CID:PORT ends. */
struct nsv_flow {
	uint64_t id; /* 1, 2, ... in order of first frame */
	uint16_t type; /* virtio type; 0 for frames of other transports */
	uint64_t cid[2];
	uint32_t port[2]; /* [0] is the initiator when the REQUEST was seen */
	enum nsv_flow_state state;
	bool handshake; /* REQUEST or RESPONSE seen: credit is exact */
	int64_t first_sec, last_sec;
	uint32_t first_nsec, last_nsec;
	struct nsv_flow_dir dir[2];
	struct nsv_flow_event events[NSV_FLOW_MAX_EVENTS];
	unsigned int nevents;	 /* stored */
	uint64_t events_lost;	 /* seen beyond NSV_FLOW_MAX_EVENTS */
};

/* What the flow tracker says about one frame. */
struct nsv_flow_note {
	const struct nsv_flow *flow; /* NULL for a frame without its header */
	int dir;		     /* 0 or 1: index into flow->dir */
	bool credit_known;	     /* credit is meaningful */
	int64_t credit;		     /* what the sender of this frame may
				      * still send, this frame counted */
	bool peer_credit_known;	     /* peer_credit is meaningful */
	int64_t peer_credit;	     /* what the receiver of this frame may
				      * still send to its sender */
	uint32_t bytes;		     /* payload bytes this frame counted */
};

struct nsv_flows;

/** nsv_flows_new - an empty connection table; 0 or -ENOMEM */
int nsv_flows_new(struct nsv_flows **out);
void nsv_flows_free(struct nsv_flows *t);

/**
 * nsv_flows_update - account one decoded frame
 * @note: receives the flow and credit state for printing; may be NULL
 *
 * Payload bytes count the virtio header's len, but never more than the frame
 * carries: a 6.1 vhost host repeats the rest of a split packet in each
 * fragment's frame. Returns 0 or -ENOMEM.
 */
int nsv_flows_update(struct nsv_flows *t, const struct nsv_pkt *pkt,
		     const struct nsv_frame *f, struct nsv_flow_note *note);

/** nsv_flows_count - connections seen so far */
size_t nsv_flows_count(const struct nsv_flows *t);
/** nsv_flows_get - the @i-th connection in order of appearance, or NULL */
const struct nsv_flow *nsv_flows_get(const struct nsv_flows *t, size_t i);
/** nsv_flows_refused - connects answered by RST */
uint64_t nsv_flows_refused(const struct nsv_flows *t);
const char *nsv_flow_state_name(enum nsv_flow_state s);

/**
 * nsv_flow_credit - free credit of the sender in direction @dir
 *
 * peer buf_alloc - (tx_cnt - peer fwd_cnt); returns false when unknown.
 */
bool nsv_flow_credit(const struct nsv_flow *fl, int dir, int64_t *credit);

/* ---- the filter language (lib/filter.c) */

/* A classic BPF instruction, laid out as struct bpf_insn and sock_filter. */
struct nsv_bpf_insn {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

struct nsv_bpf_prog {
	unsigned int len;
	struct nsv_bpf_insn *insns;
};

/* Why and where an expression was refused. */
struct nsv_filter_error {
	size_t off; /* byte offset of the offending word in the expression */
	size_t len; /* its length; 0 at the end of the expression */
	char msg[160];
};

struct nsv_filter; /* a parsed expression */

/**
 * nsv_filter_parse - parse a filter expression
 * @expr: e.g. "port 1234 and (op rw or op shutdown)"
 * @err: filled on -EINVAL
 *
 * Primitives: [src|dst] cid CID, [src|dst] port PORT, op NAME|N,
 * type stream|seqpacket|N, len CMP N (CMP one of > < >= <= = == !=),
 * flags rcv|send|eom|eor|N; combined with and/&&, or/||, not/!, ( ).
 * Returns 0, -EINVAL or -ENOMEM.
 */
int nsv_filter_parse(const char *expr, struct nsv_filter **out,
		     struct nsv_filter_error *err);
void nsv_filter_free(struct nsv_filter *f);

/**
 * nsv_filter_join - join words into one expression, as tcpdump does
 *
 * Returns a malloc'ed string ("" for no words) or NULL.
 */
char *nsv_filter_join(int argc, char *const *argv);

/**
 * nsv_filter_compile - compile to classic BPF over the vsockmon frame
 * @accept: what the program returns for a matching frame (a snap length)
 *
 * A NULL @f gives the one-instruction program that takes every frame.
 * Frames shorter than af_vsockmon_hdr never match; primitives on virtio
 * fields are false for frames of other transports. A field cut off by the
 * snap length rejects the frame, as in any cBPF program. Returns 0, -ENOMEM
 * or -E2BIG (more than 4096 instructions).
 */
int nsv_filter_compile(const struct nsv_filter *f, uint32_t accept,
		       struct nsv_bpf_prog *prog);
void nsv_bpf_prog_free(struct nsv_bpf_prog *prog);

/**
 * nsv_filter_match - evaluate the expression on a frame without BPF
 *
 * Gives the same answer as the compiled program (the reference the tests
 * compare it with).
 */
bool nsv_filter_match(const struct nsv_filter *f, const uint8_t *buf,
		      size_t caplen, size_t wirelen);

/**
 * nsv_bpf_dump - print a program as tcpdump -d (@level 1), -dd (2: C
 * initializers) or -ddd (3: decimal); 0 or -EIO
 */
int nsv_bpf_dump(FILE *out, const struct nsv_bpf_prog *prog, int level);

/**
 * nsv_filter_print_tcpdump - the same filter as a tcpdump expression
 *
 * Uses link[...] loads and len, which tcpdump accepts on DLT_VSOCK.
 */
int nsv_filter_print_tcpdump(FILE *out, const struct nsv_filter *f);

/* ---- printing frames (lib/print.c) */

enum nsv_tstamp {
	NSV_TS_TIME = 0,   /* HH:MM:SS.frac (local time) */
	NSV_TS_NONE,	   /* -t */
	NSV_TS_EPOCH,	   /* -tt: seconds since 1970 */
	NSV_TS_DELTA,	   /* -ttt: since the previous frame */
	NSV_TS_DATE,	   /* -tttt: date and time */
	NSV_TS_SINCE_FIRST,/* -ttttt: since the first frame */
};

struct nsv_print_opts {
	enum nsv_tstamp tstamp;
	bool numeric;	 /* -n: no CID names */
	int verbose;	 /* -v: credit fields, -vv: vsockmon header, flow */
	int hex;	 /* -X: payload in hex and ASCII, -XX: the whole frame */
	bool ascii;	 /* -A: payload in ASCII */
	bool json;	 /* one JSON object per frame */
	bool nano;	 /* nanosecond time stamps */
	bool number;	 /* -#: start each line with the frame number */
	bool flush_each; /* -U: flush after each frame */
};

struct nsv_printer;

/**
 * nsv_printer_new - a frame printer writing to @out
 *
 * Text is formatted into one large buffer and written with fwrite() when it
 * fills (or after each frame with @o->flush_each). Returns 0 or -ENOMEM.
 */
int nsv_printer_new(struct nsv_printer **out, FILE *f,
		    const struct nsv_print_opts *o);

/**
 * nsv_print_frame - print one frame
 * @num: the frame's number (1, 2, ...)
 * @note: flow state from nsv_flows_update(), or NULL
 *
 * Returns 0 or the -errno of a failed write (-EPIPE, -ENOSPC, -EIO).
 */
int nsv_print_frame(struct nsv_printer *p, uint64_t num,
		    const struct nsv_pkt *pkt, const struct nsv_frame *f,
		    const struct nsv_flow_note *note);

/** nsv_printer_flush - write out what is buffered; 0 or -errno (-EPIPE...) */
int nsv_printer_flush(struct nsv_printer *p);
/** nsv_printer_free - flush and free */
int nsv_printer_free(struct nsv_printer *p);

/**
 * nsv_flows_print - the connection summary (--flows), text or JSON
 *
 * Open zero-credit episodes are counted up to the last frame seen.
 */
int nsv_flows_print(FILE *out, const struct nsv_flows *t,
		    const struct nsv_print_opts *o);

/* (end of the vsockdump section) */

/* Little-endian loads that do not care about alignment. */
static inline uint16_t nsv_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t nsv_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t nsv_le64(const uint8_t *p)
{
	return (uint64_t)nsv_le32(p) | (uint64_t)nsv_le32(p + 4) << 32;
}

/* Little-endian stores, the inverse of the loads above. */
static inline void nsv_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void nsv_put_le32(uint8_t *p, uint32_t v)
{
	nsv_put_le16(p, (uint16_t)v);
	nsv_put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void nsv_put_le64(uint8_t *p, uint64_t v)
{
	nsv_put_le32(p, (uint32_t)v);
	nsv_put_le32(p + 4, (uint32_t)(v >> 32));
}

#endif /* NSVSOCK_H */
