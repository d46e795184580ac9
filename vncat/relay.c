// SPDX-License-Identifier: LGPL-2.1-or-later
/* The relay: one poll loop moving bytes both ways between two fd pairs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "clock.h"
#include "relay.h"

struct dir {
	int rfd, wfd;
	bool rsock, wsock; /* use recv/send with MSG_DONTWAIT */
	bool rpoll, wpoll; /* blocking fd: touch only when poll says ready */
	bool rfile; /* input is a regular file */
	bool rfifo; /* input is a pipe */
	bool sendfile; /* file to stream socket: sendfile(), no buffer */
	bool zc_sock; /* wfd has SO_ZEROCOPY: map sends with MSG_ZEROCOPY,
			 and its error queue gets notices */
	bool splice; /* pipe to stream socket: splice(), no buffer */
	bool splice_out; /* splice waits for room in the socket */
	bool rready, wready;
	bool eof, done;
	bool user; /* crlf, a line delay or a filter: through our buffer */
	bool cr; /* crlf: the last byte read was CR */
	bool ending; /* the filter said the input ends: EOF once it is dry */
	bool midline; /* into a pty: the last byte written ended no line */
	const struct nsv_relay_dir *cfg;
	int64_t next_us; /* line delay: no write before this */
	char *buf;
	size_t cap, off, len;
	const char *map; /* file to vsock: a window of the file mapped (at
			    file offset mapoff), sent from file offset mpos
			    up to mend, then as the path says */
	size_t maplen, mapoff, mpos, mend, map_chunk;
};

/*
 * A MSG_ZEROCOPY send: one vsock packet. The kernel copies a send that is
 * larger than the peer's credit (it lends pages only for a whole send), and
 * the smaller the send, the more often it fits.
 */
#define ZC_CHUNK (64 * 1024)

/*
 * A file is sent through a window of it mapped at a time: the whole file
 * mapped at once kept every page it had sent mapped to the end, 2 MiB of
 * page tables per GiB. A window that is copied from is populated as it is
 * mapped, which moved a file 7% faster than faulting its pages in as the
 * send touched them (Linux 6.1 in the lab, one vCPU); with MSG_ZEROCOPY the
 * kernel takes the pages itself, and populating them first cost 8%.
 */
#define MAP_WINDOW (16u << 20)

/*
 * Sockets can be asked not to block per call; anything else we do not own
 * (a terminal, a pipe shared with the shell) keeps its flags and is polled.
 * Regular files never block.
 */
static void classify(int fd, bool *sock, bool *needpoll, bool *file, bool *fifo)
{
	struct stat st;

	*sock = false;
	*needpoll = false;
	*file = false;
	*fifo = false;
	if (fd < 0 || fstat(fd, &st) < 0)
		return;
	*fifo = S_ISFIFO(st.st_mode);
	if (S_ISSOCK(st.st_mode)) {
		*sock = true;
		return;
	}
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
		*file = S_ISREG(st.st_mode);
		return;
	}
	*needpoll = !(fcntl(fd, F_GETFL) & O_NONBLOCK);
}

static bool stream_socket(int fd)
{
	int type = 0;
	socklen_t sl = sizeof(type);

	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) == 0 &&
	       type == SOCK_STREAM;
}

static bool vsock_socket(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	return getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	       ss.ss_family == AF_VSOCK;
}

int nsv_relay_splice_probe(void)
{
	static int answer = -1; /* -1: not known yet */
	long pg = sysconf(_SC_PAGESIZE);
	int sv[2] = { -1, -1 }, p[2] = { -1, -1 }, r;
	char *buf = NULL;
	ssize_t n;

	if (answer >= 0)
		return answer;
	if (pg <= 0)
		pg = 4096;
	buf = calloc(2, (size_t)pg);
	if (!buf)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(p, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	/* one write of two pages fills two pipe buffers */
	n = write(p[1], buf, 2 * (size_t)pg);
	if (n != 2 * pg) {
		r = n < 0 ? -errno : -EIO;
		goto out;
	}
	n = splice(p[0], NULL, sv[0], NULL, 2 * (size_t)pg, SPLICE_F_NONBLOCK);
	if (n < 0) {
		r = -errno;
		goto out;
	}
	n = recv(sv[1], buf, 2 * (size_t)pg, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		r = -errno;
	else if (n == 2 * pg)
		r = answer = 1;
	else if (n == pg)
		r = answer = 0;
	else
		r = -EIO;
out:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	free(buf);
	return r;
}

/*
 * Map the window that holds mpos, in place of the one mapped before (kept
 * if this fails): from mpos's page, MAP_WINDOW bytes or to mend.
 */
static bool map_window(struct dir *d)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), off, len;
	void *m;

	off = d->mpos - d->mpos % pg;
	len = d->mend - off < MAP_WINDOW ? d->mend - off : MAP_WINDOW;
	m = mmap(NULL, len, PROT_READ,
		 MAP_SHARED | (d->zc_sock ? 0 : MAP_POPULATE), d->rfd,
		 (off_t)off);
	if (m == MAP_FAILED)
		return false;
	if (d->map)
		munmap((void *)d->map, d->maplen);
	d->map = m;
	d->maplen = len;
	d->mapoff = off;
	return true;
}

/*
 * A regular file into vsock, sent from the file mapped: with MSG_ZEROCOPY
 * where the kernel has it for vsock (Linux 6.7), else plain. sendfile()
 * copies into vsock on every kernel (vsock takes no spliced pages), and
 * before 6.5 it sends a page per packet; read() and send() copy twice.
 * With MSG_ZEROCOPY the packets borrow the file's pages and the receiver's
 * copy is the only one; plain, the send is the one copy. Whether the kernel
 * can lend is the socket's to say (SO_ZEROCOPY fails where it cannot). The
 * file is sent to its end as it is now, a window at a time; map_end() hands
 * what it grows by afterwards to the path that follows.
 */
static bool map_setup(struct dir *d, bool zerocopy, size_t size)
{
	struct stat st;
	int one = 1;
	off_t pos;

	if (fstat(d->rfd, &st) < 0 || (pos = lseek(d->rfd, 0, SEEK_CUR)) < 0 ||
	    st.st_size <= pos || (uint64_t)st.st_size > SIZE_MAX)
		return false;
	if (zerocopy) {
		if (setsockopt(d->wfd, SOL_SOCKET, SO_ZEROCOPY, &one,
			       sizeof(one)) < 0)
			return false;
		d->zc_sock = true;
	}
	d->mpos = (size_t)pos;
	d->mend = (size_t)st.st_size;
	d->map_chunk = zerocopy ? ZC_CHUNK : size;
	if (!map_window(d)) {
		d->zc_sock = false;
		return false;
	}
	return true;
}

/* On from where the mapping's sends got to, by the path set up after it. */
static void map_end(struct dir *d)
{
	if (!d->map)
		return;
	munmap((void *)d->map, d->maplen);
	d->map = NULL;
	lseek(d->rfd, (off_t)d->mpos, SEEK_SET);
}

/*
 * One send from the mapping, its window moved on first where the last one
 * ended: bytes sent, or -1 with errno; EFAULT when the file has shrunk
 * below the bytes to send (vsock says ENOMEM for pages it could not take or
 * copy) or the next window could not be mapped: the path that follows goes
 * on from there.
 */
static ssize_t map_send(struct dir *d)
{
	size_t n, at;
	struct stat st;
	ssize_t got;

	if (d->mpos >= d->mapoff + d->maplen && !map_window(d)) {
		errno = EFAULT;
		return -1;
	}
	at = d->mpos - d->mapoff;
	n = d->maplen - at;
	if (n > d->map_chunk)
		n = d->map_chunk;
	got = send(d->wfd, d->map + at, n,
		   (d->zc_sock ? MSG_ZEROCOPY : 0) | MSG_DONTWAIT |
			   MSG_NOSIGNAL);
	if (got >= 0 ||
	    (errno != ENOMEM && errno != ENOBUFS && errno != EFAULT))
		return got;
	if (fstat(d->rfd, &st) == 0 && (uint64_t)st.st_size < d->mpos + n) {
		errno = EFAULT;
		return -1;
	}
	if (!d->zc_sock)
		return got;
	/* no memory for the send's notice: this one is copied */
	return send(d->wfd, d->map + at, n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/*
 * The kernel tells of each MSG_ZEROCOPY send it is done with through the
 * socket's error queue, and poll() says POLLERR while anything waits there.
 * We need no notice (the pages are the file's; nothing of ours to free or
 * reuse): read them away, then ask poll() whether an error remains.
 */
static short zc_notices(int fd)
{
	struct pollfd q = { fd, 0, 0 };
	char ctl[128];
	struct msghdr m;

	do {
		memset(&m, 0, sizeof(m));
		m.msg_control = ctl;
		m.msg_controllen = sizeof(ctl);
	} while (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) >= 0);
	return poll(&q, 1, 0) == 1 ? q.revents : 0;
}

/*
 * A regular file or a pipe going to a stream socket needs no buffer of
 * ours: sendfile() or splice() move page cache or pipe pages straight into
 * the socket, one copy instead of read() plus send(). Both need the socket
 * non-blocking (neither has MSG_DONTWAIT); its flags are restored at the end.
 * Except into vsock on a kernel that splices a page at a time: there each
 * page became a 4 KiB packet and a file moved 3-5x slower (Linux 6.1 in the
 * lab, bench/vncat.sh) than 256 KiB sends, which vsock cuts into 64 KiB
 * packets. A regular file into vsock is sent from a mapping (map_setup()).
 */
static void path_setup(struct dir *d, enum nsv_relay_path path, size_t size,
		       enum nsv_relay_via *via, int *restore_fd,
		       int *restore_fl)
{
	int fl;

	if (!(d->rfile || d->rfifo) || !d->wsock || !stream_socket(d->wfd))
		return;
	if (path == NSV_RELAY_PATH_AUTO && vsock_socket(d->wfd)) {
		if (d->rfile && map_setup(d, true, size)) {
			*via = NSV_RELAY_VIA_ZEROCOPY;
			path = NSV_RELAY_PATH_SPLICE; /* sendfile() after it */
		} else if (nsv_relay_splice_probe() == 0) {
			*via = d->rfile && map_setup(d, false, size) ?
				       NSV_RELAY_VIA_MAP :
				       NSV_RELAY_VIA_COPY;
			return; /* read() and send() after it */
		}
	}
	if (path == NSV_RELAY_PATH_COPY) {
		*via = NSV_RELAY_VIA_COPY;
		return;
	}
	fl = fcntl(d->wfd, F_GETFL);
	if (fl < 0)
		return;
	if (!(fl & O_NONBLOCK)) {
		if (fcntl(d->wfd, F_SETFL, fl | O_NONBLOCK) < 0)
			return;
		*restore_fd = d->wfd;
		*restore_fl = fl;
	}
	if (d->rfile)
		d->sendfile = true;
	else
		d->splice = true;
	if (!d->map)
		*via = d->rfile ? NSV_RELAY_VIA_SENDFILE : NSV_RELAY_VIA_SPLICE;
}

/* Bytes still in a pipe: what a failed splice() did not deliver. */
static uint64_t pipe_left(int fd)
{
	int n = 0;

	return ioctl(fd, FIONREAD, &n) == 0 && n > 0 ? (uint64_t)n : 0;
}

static ssize_t do_read(struct dir *d, size_t size, bool messages, bool pty)
{
	ssize_t n;

	if (d->rsock)
		/* MSG_TRUNC: a message bigger than the buffer says its size */
		n = recv(d->rfd, d->buf, size,
			 MSG_DONTWAIT | (messages ? MSG_TRUNC : 0));
	else
		n = read(d->rfd, d->buf, size);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return -EAGAIN;
		/*
		 * vsock says ENOTCONN, not 0, when a peer's close raced with
		 * our accept; the kernel keeps a closing socket established
		 * while data is queued, so nothing is lost by calling it EOF.
		 */
		if (errno == ENOTCONN && d->rsock)
			return 0;
		/* a pty master once the program's side is closed */
		if (errno == EIO && pty)
			return 0;
		return -errno;
	}
	if (messages && (size_t)n > size)
		return -EMSGSIZE;
	return n;
}

static ssize_t do_write(struct dir *d, size_t len, bool messages)
{
	ssize_t n;

	/*
	 * A non-blocking vsock SEQPACKET send that runs out of credit midway
	 * returns EAGAIN after part of the message went out without its end
	 * mark, and a retry would glue two messages together: messages are
	 * sent blocking, whole.
	 */
	if (d->wsock)
		n = send(d->wfd, d->buf + d->off, len,
			 (messages ? 0 : MSG_DONTWAIT) | MSG_NOSIGNAL);
	else
		n = write(d->wfd, d->buf + d->off, len);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return -EAGAIN;
		return -errno;
	}
	return n;
}

static void finish(struct dir *d, const struct dir *other,
		   const struct nsv_relay_cfg *c)
{
	d->done = true;
	if (d->wsock) {
		if (!c->no_shutdown)
			shutdown(d->wfd, SHUT_WR);
	} else if (d->wfd >= 0 && d->wfd != other->rfd && d->wfd != d->rfd) {
		/* a pipe reader downstream learns of the end only this way */
		close(d->wfd);
		d->wfd = -1;
	}
}

/*
 * The peer sends no more, but a pty cannot be half-closed: the program reads
 * end-of-file as from a terminal's Ctrl-D, after all that came before it (a
 * line cut short takes a first one to go through).
 */
static void pty_eof(const struct dir *d)
{
	struct termios t;
	char eof[2];

	if (tcgetattr(d->wfd, &t) < 0 || t.c_cc[VEOF] == _POSIX_VDISABLE)
		return;
	eof[0] = eof[1] = (char)t.c_cc[VEOF];
	if (write(d->wfd, eof, d->midline ? 2 : 1) < 0) {
		/* the program is gone already: its side ends by itself */
	}
}

/*
 * An input that failed ends like EOF, so the other side is not left
 * waiting. An output that failed ends the direction; if it was not a socket
 * (stdout gone: where SIGPIPE would have killed a filter) it ends both.
 */
static void fail(struct dir *D, int i, int err, bool writing,
		 const struct nsv_relay_cfg *c, struct nsv_relay_stats *st)
{
	struct dir *d = &D[i];

	st->err[i] = err;
	st->err_write[i] = writing;
	st->unsent[i] = d->len - d->off;
	if (!writing)
		finish(d, &D[!i], c);
	d->done = true;
	if (writing && !d->wsock)
		D[!i].done = true;
}

size_t nsv_relay_crlf(char *buf, size_t len, bool *cr)
{
	bool prev = *cr, first = *cr;
	size_t add = 0, i, j;

	for (i = 0; i < len; i++) {
		add += buf[i] == '\n' && !prev;
		prev = buf[i] == '\r';
	}
	*cr = prev;
	if (!add)
		return len;
	/* back to front, so that no byte is overwritten before it moved */
	j = len + add;
	for (i = len; i-- > 0;) {
		buf[--j] = buf[i];
		if (buf[i] == '\n' && !(i ? buf[i - 1] == '\r' : first))
			buf[--j] = '\r';
	}
	return len + add;
}

/* After a read: -C, then the filter. New length, or -errno from the filter. */
static ssize_t shape(struct dir *d, int i, size_t got)
{
	if (d->cfg->crlf)
		got = nsv_relay_crlf(d->buf, got, &d->cr);
	if (d->cfg->filter)
		return d->cfg->filter(d->cfg->arg, i, d->buf, got, d->cap);
	return (ssize_t)got;
}

/* Shorten a poll() timeout in ms so that it ends by @when (µs). */
static void shorten(int *timeout, int64_t now, int64_t when)
{
	int64_t ms = when <= now ? 0 : (when - now + 999) / 1000;

	if (*timeout < 0 || ms < *timeout)
		*timeout = (int)ms;
}

int nsv_relay(int a_rfd, int a_wfd, int b_rfd, int b_wfd,
	      const struct nsv_relay_cfg *c, struct nsv_relay_stats *st)
{
	struct nsv_relay_cfg def = { 0 };
	struct dir D[2];
	int rfd[2] = { -1, -1 }, rfl[2] = { 0, 0 };
	size_t size;
	int64_t t0 = nsv_clock_us(), now = t0, linger_end = 0, last_io = t0;
	int64_t next_tick = 0;
	bool lingering = false, timed, woken[2] = { false, false };
	int i, r = 0;

	if (!st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	if (!c)
		c = &def;
	size = c->bufsize ? c->bufsize : NSV_RELAY_BUFSIZE;
	memset(D, 0, sizeof(D));
	D[0].rfd = a_rfd;
	D[0].wfd = b_wfd;
	D[1].rfd = b_rfd;
	D[1].wfd = a_wfd;
	timed = c->idle_ms > 0;
	if (c->tick && c->tick_ms > 0) {
		next_tick = t0 + (int64_t)c->tick_ms * 1000;
		timed = true;
	}
	for (i = 0; i < 2; i++) {
		struct dir *d = &D[i];
		bool dummy, dummy2;

		classify(d->rfd, &d->rsock, &d->rpoll, &d->rfile, &d->rfifo);
		classify(d->wfd, &d->wsock, &d->wpoll, &dummy, &dummy2);
		d->cfg = &c->dir[i];
		d->user = d->cfg->crlf || d->cfg->line_delay_ms > 0 ||
			  d->cfg->filter;
		if (d->cfg->line_delay_ms > 0)
			timed = true;
		if (!c->messages && !d->user)
			path_setup(d, c->path, size, &st->via[i], &rfd[i],
				   &rfl[i]);
		/* -C may double every byte; a filter may add a little */
		d->cap = d->user ? 2 * size + 64 : size;
		d->buf = malloc(d->cap);
		if (!d->buf) {
			r = -ENOMEM;
			goto out;
		}
		if (d->rfd < 0)
			d->eof = true;
	}

	for (;;) {
		struct pollfd p[6];
		int np = 0, idx[6], what[6], timeout = -1, n;
		bool progress = false, moved = false;

		for (i = 0; i < 2; i++) {
			struct dir *d = &D[i];
			ssize_t got;

			if (d->done)
				continue;
			if (d->map) {
				got = map_send(d);
				if (got > 0) {
					d->mpos += (size_t)got;
					st->bytes[i] += (uint64_t)got;
					st->writes[i]++;
					progress = moved = true;
					if (d->mpos == d->mend)
						map_end(d);
				} else if (got < 0 && (errno == EAGAIN ||
						       errno == EINTR)) {
					d->wready = false;
				} else if (got < 0 && errno == EFAULT) {
					/* the file shrank, or no window: what
					 * follows finds its end, or that it
					 * is past it */
					map_end(d);
					progress = true;
				} else {
					fail(D, i, got < 0 ? -errno : -EIO,
					     true, c, st);
					progress = true;
				}
				continue;
			}
			if (d->sendfile && !d->eof) {
				got = sendfile(d->wfd, d->rfd, NULL, size);
				if (got > 0) {
					st->bytes[i] += (uint64_t)got;
					st->writes[i]++;
					progress = moved = true;
				} else if (got == 0) {
					d->eof = true;
					progress = true;
				} else if (errno == EAGAIN || errno == EINTR) {
					d->wready = false;
				} else if (!st->bytes[i] && (errno == EINVAL ||
							     errno == ENOSYS)) {
					d->sendfile = false; /* read + send */
					st->via[i] = NSV_RELAY_VIA_BUFFER;
					progress = true;
				} else {
					fail(D, i, -errno, true, c, st);
					progress = true;
				}
				if (!d->eof)
					continue;
			}
			if (d->splice && !d->eof) {
				got = splice(d->rfd, NULL, d->wfd, NULL, size,
					     SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
				if (got > 0) {
					st->bytes[i] += (uint64_t)got;
					st->writes[i]++;
					progress = moved = true;
				} else if (got == 0) {
					d->eof = true;
					progress = true;
				} else if (errno == EAGAIN || errno == EINTR) {
					struct pollfd q = { d->rfd, POLLIN, 0 };

					/* data in the pipe: the socket is full */
					d->splice_out = poll(&q, 1, 0) == 1 &&
							(q.revents & POLLIN);
				} else if (!st->bytes[i] && (errno == EINVAL ||
							     errno == ENOSYS)) {
					d->splice = false; /* read + send */
					st->via[i] = NSV_RELAY_VIA_BUFFER;
					progress = true;
				} else {
					fail(D, i, -errno, true, c, st);
					st->unsent[i] = pipe_left(d->rfd);
					progress = true;
				}
				if (!d->eof)
					continue;
			}
			if (woken[i] && d->len == 0 && !d->eof) {
				woken[i] = false;
				got = d->cfg->filter(d->cfg->arg, i, d->buf, 0,
						     d->cap);
				if (got == -ESHUTDOWN) {
					d->ending = true;
					got = 0;
				}
				if (got < 0) {
					st->err[i] = r = (int)got;
					goto out;
				}
				d->len = (size_t)got;
				d->off = 0;
				progress = true;
			}
			if (d->len == 0 && !d->eof &&
			    (d->rready || !d->rpoll)) {
				got = do_read(d, size, c->messages,
					      c->a_pty && i == 0);
				d->rready = false;
				if (got > 0) {
					progress = moved = true;
					if (d->user)
						got = shape(d, i, (size_t)got);
					if (got < 0) {
						st->err[i] = r = (int)got;
						goto out;
					}
					d->len = (size_t)got;
					d->off = 0;
				} else if (got == 0 ||
					   (got == -EAGAIN && d->ending)) {
					d->eof = true;
					progress = true;
				} else if (got != -EAGAIN) {
					fail(D, i, (int)got, false, c, st);
					progress = true;
					continue;
				}
			}
			if (d->len > d->off && (d->wready || !d->wpoll)) {
				size_t len = d->len - d->off;
				int delay = d->cfg->line_delay_ms;

				if (delay > 0) {
					char *nl;

					if (nsv_clock_us() < d->next_us)
						goto written;
					nl = memchr(d->buf + d->off, '\n', len);
					if (nl)
						len = (size_t)(nl - d->buf) +
						      1 - d->off;
				}
				got = do_write(d, len, c->messages);
				d->wready = false;
				if (got > 0) {
					bool nl = d->buf[d->off + (size_t)got -
							 1] == '\n';

					if (delay > 0 && nl)
						d->next_us = nsv_clock_us() +
							     delay * 1000LL;
					d->midline = !nl;
					d->off += (size_t)got;
					st->bytes[i] += (uint64_t)got;
					if (d->off == d->len) {
						d->off = d->len = 0;
						st->writes[i]++;
					}
					progress = moved = true;
				} else if (got == -EIO && c->a_pty && i == 1) {
					/* the program is gone: nobody reads */
					st->unsent[i] = d->len - d->off;
					d->done = true;
					progress = true;
					continue;
				} else if (got != -EAGAIN) {
					fail(D, i, got ? (int)got : -EIO, true,
					     c, st);
					progress = true;
					continue;
				}
			}
written:
			if (d->eof && d->len == 0) {
				if (c->a_pty && i == 1)
					pty_eof(d);
				finish(d, &D[!i], c);
				progress = true;
			}
		}
		if (D[0].done && D[1].done)
			break;
		/* a pty's session lasts until its program ends, not its input */
		if ((D[0].done || (D[1].done && !c->a_pty)) &&
		    c->linger_ms >= 0 && !lingering) {
			lingering = timed = true;
			linger_end = nsv_clock_us() + c->linger_ms * 1000LL;
		}
		if (timed) {
			now = nsv_clock_us();
			if (moved)
				last_io = now;
			if (lingering && now >= linger_end) {
				st->lingered = true;
				break;
			}
			if (c->idle_ms > 0 &&
			    now - last_io >= c->idle_ms * 1000LL) {
				st->idle = true;
				r = -ETIMEDOUT;
				break;
			}
			if (next_tick && now >= next_tick) {
				st->usec = (uint64_t)(now - t0);
				c->tick(c->tick_arg, st);
				next_tick = now + c->tick_ms * 1000LL;
			}
		}
		if (progress)
			continue;

		if (timed) {
			if (lingering)
				shorten(&timeout, now, linger_end);
			if (c->idle_ms > 0)
				shorten(&timeout, now,
					last_io + c->idle_ms * 1000LL);
			if (next_tick)
				shorten(&timeout, now, next_tick);
		}
		for (i = 0; i < 2; i++) {
			struct dir *d = &D[i];

			if (d->done)
				continue;
			if ((d->map || d->sendfile ||
			     (d->splice && d->splice_out)) &&
			    !d->eof) {
				p[np] = (struct pollfd){ d->wfd, POLLOUT, 0 };
				idx[np] = i;
				what[np++] = 1;
			} else if (d->len == 0 && !d->eof) {
				p[np] = (struct pollfd){ d->rfd, POLLIN, 0 };
				idx[np] = i;
				what[np++] = 0;
				/*
				 * Waiting for input, still learn if the other
				 * end of our output went away or was reset.
				 */
				if (d->wsock) {
					p[np] = (struct pollfd){ d->wfd, 0, 0 };
					idx[np] = i;
					what[np++] = 2;
				}
				if (d->cfg->filter && d->cfg->wake_fd > 0) {
					p[np] = (struct pollfd){
						d->cfg->wake_fd, POLLIN, 0
					};
					idx[np] = i;
					what[np++] = 3;
				}
			} else if (d->len > d->off) {
				if (d->cfg->line_delay_ms > 0 &&
				    now < d->next_us) {
					shorten(&timeout, now, d->next_us);
					continue;
				}
				p[np] = (struct pollfd){ d->wfd, POLLOUT, 0 };
				idx[np] = i;
				what[np++] = 1;
			}
		}
		n = poll(p, (nfds_t)np, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		for (int k = 0; k < np; k++) {
			short ev;

			if (!(p[k].revents & POLLERR) ||
			    !((D[0].zc_sock && p[k].fd == D[0].wfd) ||
			      (D[1].zc_sock && p[k].fd == D[1].wfd)))
				continue;
			ev = zc_notices(p[k].fd);
			for (int j = k; j < np; j++)
				if (p[j].fd == p[k].fd)
					p[j].revents = (short)((p[j].revents &
								~POLLERR) |
							       (ev & POLLERR));
		}
		for (int k = 0; k < np; k++) {
			struct dir *d = &D[idx[k]];

			if (!p[k].revents)
				continue;
			if (what[k] == 0) {
				d->rready = true;
			} else if (what[k] == 1) {
				d->wready = true;
			} else if (what[k] == 3) {
				woken[idx[k]] = true;
			} else if (!d->done && !d->rready &&
				   (p[k].revents & (POLLERR | POLLHUP))) {
				/*
				 * With input ready, let the write say what
				 * failed and what was lost; else stop here.
				 */
				int err = 0;
				socklen_t el = sizeof(err);

				if (getsockopt(d->wfd, SOL_SOCKET, SO_ERROR,
					       &err, &el) == 0 &&
				    err)
					fail(D, idx[k], -err, true, c, st);
				else
					d->done = true; /* nobody reads */
			}
		}
	}
	for (i = 0; i < 2; i++)
		if (st->err[i] && !r)
			r = st->err[i];
out:
	for (i = 0; i < 2; i++) {
		map_end(&D[i]);
		if (rfd[i] >= 0)
			fcntl(rfd[i], F_SETFL, rfl[i]);
	}
	st->usec = (uint64_t)(nsv_clock_us() - t0);
	free(D[0].buf);
	free(D[1].buf);
	return r;
}
