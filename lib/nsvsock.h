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

/* (end of the vsockstat section) */

/* ========================================================================
 * vsockdump: capture, pcap, flows, filters, printers (lib/capture.c, ...)
 * ======================================================================== */

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

#endif /* NSVSOCK_H */
