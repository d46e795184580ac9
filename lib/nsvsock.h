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
