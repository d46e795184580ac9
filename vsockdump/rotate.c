// SPDX-License-Identifier: LGPL-2.1-or-later
/* Rotating -w files by size (-C), time (-G) and count (-W); -z after each. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rotate.h"

struct nsv_writer {
	struct nsv_writer_opts o;
	char *tmpl; /* o.path, owned */
	struct nsv_savefile *s;
	bool finished;
	bool unfinished; /* the file at path ends inside a frame */
	unsigned int width; /* digits of the -C number, 0: none at 0 */
	unsigned long count; /* -C number of the current file */
	unsigned long periods; /* -G rotations so far */
	int64_t period_start; /* -G: the time the current file is named by */
	unsigned long files;
	char path[PATH_MAX + 1];
	pid_t *cmds; /* -z commands still running */
	size_t ncmds, capcmds;
	char err[PATH_MAX + 256];
	char notice[4096]; /* lines since the last nsv_writer_notice() */
	size_t notice_len;
	unsigned long notices, notices_lost;
	char out[4200]; /* what nsv_writer_notice() hands out */
};

/* The -w name is the user's strftime(3) format, as with tcpdump -G. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static size_t user_strftime(char *buf, size_t len, const char *fmt,
			    const struct tm *tm)
{
	return strftime(buf, len, fmt, tm);
}
#pragma GCC diagnostic pop

/* tcpdump's name for the file: strftime with -G, then the -C number. */
static int make_name(struct nsv_writer *w)
{
	char name[PATH_MAX + 1];
	struct tm tm;
	time_t t = (time_t)w->period_start;
	int n;

	if (w->o.rotate_secs) {
		if (!localtime_r(&t, &tm) ||
		    !user_strftime(name, sizeof(name), w->tmpl, &tm)) {
			snprintf(w->err, sizeof(w->err),
				 "%s: cannot make a file name of it", w->tmpl);
			return -EINVAL;
		}
	} else {
		snprintf(name, sizeof(name), "%s", w->tmpl);
	}
	if (!w->count && !w->width)
		n = snprintf(w->path, sizeof(w->path), "%s", name);
	else
		n = snprintf(w->path, sizeof(w->path), "%s%0*lu", name,
			     (int)w->width, w->count);
	if (n < 0 || (size_t)n >= sizeof(w->path)) {
		snprintf(w->err, sizeof(w->err), "%.*s...: file name too long",
			 64, name);
		return -ENAMETOOLONG;
	}
	return 0;
}

static int open_file(struct nsv_writer *w)
{
	FILE *f;
	int r;

	r = make_name(w);
	if (r < 0)
		return r;
	errno = 0;
	f = strcmp(w->path, "-") ? fopen(w->path, "wb") : stdout;
	if (!f) {
		r = errno > 0 ? -errno : -EIO;
		snprintf(w->err, sizeof(w->err), "%s: %s", w->path,
			 strerror(-r));
		return r;
	}
	r = nsv_savefile_open(&w->s, f, w->o.format, w->o.ifaces, w->o.nifaces,
			      w->o.appl);
	if (r < 0) {
		if (f != stdout)
			fclose(f);
		snprintf(w->err, sizeof(w->err), "%s: %s", w->path,
			 strerror(-r));
		return r;
	}
	w->files++;
	return 0;
}

static void notice(struct nsv_writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void notice(struct nsv_writer *w, const char *fmt, ...)
{
	size_t room = sizeof(w->notice) - w->notice_len;
	va_list ap;
	int n;

	w->notices++;
	va_start(ap, fmt);
	n = vsnprintf(w->notice + w->notice_len, room, fmt, ap);
	va_end(ap);
	/* a line that does not fit whole is left out and counted */
	if (n < 0 || (size_t)n + 1 >= room) {
		w->notice[w->notice_len] = '\0';
		w->notices_lost++;
		return;
	}
	w->notice_len += (size_t)n;
	w->notice[w->notice_len++] = '\n';
	w->notice[w->notice_len] = '\0';
}

/* Collect -z commands that ended; with @block, all of them. */
static void reap(struct nsv_writer *w, bool block)
{
	char what[64];
	size_t i = 0;
	int status;
	pid_t r;

	while (i < w->ncmds) {
		r = waitpid(w->cmds[i], &status, block ? 0 : WNOHANG);
		if (r == 0 || (r < 0 && errno == EINTR && block)) {
			i += r == 0;
			continue;
		}
		if (r > 0 && WIFEXITED(status) && WEXITSTATUS(status)) {
			snprintf(what, sizeof(what), "exit status %d",
				 WEXITSTATUS(status));
			notice(w, "-z %s: %s", w->o.command, what);
		} else if (r > 0 && WIFSIGNALED(status)) {
			snprintf(what, sizeof(what), "killed by %s",
				 strsignal(WTERMSIG(status)));
			notice(w, "-z %s: %s", w->o.command, what);
		}
		w->cmds[i] = w->cmds[--w->ncmds];
	}
}

/*
 * "COMMAND FILE" as tcpdump runs it: no shell, at the lowest priority, in
 * parallel with the capture. Its own process group keeps a Ctrl-C meant
 * for us from killing a gzip half way; its stdin is /dev/null, not a
 * capture we may be reading from there.
 */
static void run_command(struct nsv_writer *w, const char *file)
{
	int pfd[2], e = 0, null;
	pid_t pid;
	ssize_t n;

	if (!w->o.command)
		return;
	reap(w, false);
	if (w->ncmds == w->capcmds) {
		size_t cap = w->capcmds ? 2 * w->capcmds : 8;
		pid_t *p = realloc(w->cmds, cap * sizeof(*p));

		if (!p) {
			notice(w, "-z %s %s: out of memory", w->o.command,
			       file);
			return;
		}
		w->cmds = p;
		w->capcmds = cap;
	}
	if (pipe2(pfd, O_CLOEXEC)) {
		notice(w, "-z %s %s: no pipe", w->o.command, file);
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		setpgid(0, 0);
		setpriority(PRIO_PROCESS, 0, 19);
		signal(SIGPIPE, SIG_DFL);
		null = open("/dev/null", O_RDONLY);
		if (null >= 0 && null != 0) {
			dup2(null, 0);
			close(null);
		}
		execlp(w->o.command, w->o.command, file, (char *)NULL);
		e = errno;
		n = write(pfd[1], &e, sizeof(e));
		(void)n;
		_exit(127);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		notice(w, "-z %s %s: cannot fork", w->o.command, file);
		return;
	}
	/* the pipe closes at exec: a read of 0 bytes means it started */
	do
		n = read(pfd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == sizeof(e)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		notice(w, "-z %s: %s", w->o.command, strerror(e));
		return;
	}
	w->cmds[w->ncmds++] = pid;
}

static int close_file(struct nsv_writer *w)
{
	int r;

	if (!w->s)
		return 0;
	r = nsv_savefile_close(w->s);
	w->s = NULL;
	if (r < 0) {
		w->unfinished = true;
		snprintf(w->err, sizeof(w->err), "%s: %s", w->path,
			 strerror(-r));
		return r;
	}
	run_command(w, w->path);
	return 0;
}

int nsv_writer_open(struct nsv_writer **out, const struct nsv_writer_opts *o,
		    char *err, size_t errlen)
{
	struct nsv_writer *w;
	unsigned int n;
	int r;

	if (!strcmp(o->path, "-") && (o->rotate_bytes || o->rotate_secs)) {
		snprintf(err, errlen, "cannot rotate standard output");
		return -EINVAL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->o = *o;
	w->tmpl = strdup(o->path);
	if (!w->tmpl) {
		free(w);
		return -ENOMEM;
	}
	w->o.path = w->tmpl;
	/* -W N: as many digits as N-1 has (tcpdump's), with -C only */
	if (o->rotate_bytes)
		for (n = o->max_files ? o->max_files - 1 : 0; n; n /= 10)
			w->width++;
	w->period_start = o->start >= 0 ? o->start : 0;
	if (o->start >= 0) {
		r = open_file(w);
		if (r < 0) {
			snprintf(err, errlen, "%s", w->err);
			free(w->tmpl);
			free(w);
			return r;
		}
	}
	*out = w;
	return 0;
}

/* Before a frame of time @sec: the next file if -G or -C say so. */
static int rotate(struct nsv_writer *w, int64_t sec)
{
	int r;

	if (w->o.rotate_secs && sec - w->period_start >= w->o.rotate_secs) {
		r = close_file(w);
		if (r < 0)
			return r;
		w->period_start = sec;
		w->periods++;
		w->count = 0;
		/* -W with -G alone: that many files, then stop */
		if (!w->o.rotate_bytes && w->o.max_files &&
		    w->periods >= w->o.max_files) {
			w->finished = true;
			return NSV_WRITER_LIMIT;
		}
		r = open_file(w);
		if (r < 0)
			return r;
	}
	if (w->o.rotate_bytes && nsv_savefile_size(w->s) > w->o.rotate_bytes) {
		r = close_file(w);
		if (r < 0)
			return r;
		w->count++;
		if (w->o.max_files && w->count >= w->o.max_files)
			w->count = 0;
		r = open_file(w);
		if (r < 0)
			return r;
	}
	return 0;
}

int nsv_writer_write(struct nsv_writer *w, unsigned int iface,
		     const struct nsv_pkt *pkt)
{
	int r;

	if (w->finished)
		return NSV_WRITER_LIMIT;
	if (!w->s && !w->files) { /* -r with -G: named by the first frame */
		w->period_start = pkt->sec;
		r = open_file(w);
		if (r < 0)
			return r;
	}
	r = rotate(w, pkt->sec);
	if (r < 0 || r & NSV_WRITER_LIMIT)
		return r < 0 ? r : r | (w->notices ? NSV_WRITER_NOTICE : 0);
	if (!w->s)
		return -EIO;
	r = nsv_savefile_write(w->s, iface, pkt);
	if (r < 0) {
		w->unfinished = true;
		snprintf(w->err, sizeof(w->err), "%s: %s", w->path,
			 strerror(-r));
		return r;
	}
	return w->notices ? NSV_WRITER_NOTICE : 0;
}

int nsv_writer_flush(struct nsv_writer *w)
{
	int r = w->s ? nsv_savefile_flush(w->s) : 0;

	if (r < 0) {
		w->unfinished = true;
		snprintf(w->err, sizeof(w->err), "%s: %s", w->path,
			 strerror(-r));
	}
	return r;
}

int nsv_writer_discard(struct nsv_writer *w)
{
	struct stat st;
	int r = 0;

	if (w->s)
		nsv_savefile_close(w->s);
	w->s = NULL;
	w->finished = true;
	reap(w, true);
	if (!w->unfinished)
		return 0;
	w->unfinished = false;
	/* only a file of ours goes: never a device (/dev/stdout) or a pipe */
	if (!strcmp(w->path, "-") || stat(w->path, &st) < 0 ||
	    !S_ISREG(st.st_mode))
		return 0;
	if (unlink(w->path) < 0)
		r = -errno;
	return r < 0 ? r : 1;
}

int nsv_writer_finish(struct nsv_writer *w)
{
	int r = 0;

	if (!w->finished) {
		w->finished = true;
		/* -w made a file even if no frame came, as tcpdump's does */
		if (!w->s && !w->files) {
			w->period_start = (int64_t)time(NULL);
			r = open_file(w);
		}
		if (!r)
			r = close_file(w);
	}
	reap(w, true);
	if (r < 0)
		return r;
	return w->notices ? NSV_WRITER_NOTICE : 0;
}

void nsv_writer_free(struct nsv_writer *w)
{
	if (!w)
		return;
	if (w->s)
		nsv_savefile_close(w->s);
	reap(w, true);
	free(w->cmds);
	free(w->tmpl);
	free(w);
}

const char *nsv_writer_path(const struct nsv_writer *w)
{
	return w->path;
}

const char *nsv_writer_error(const struct nsv_writer *w)
{
	return w->err;
}

const char *nsv_writer_notice(struct nsv_writer *w)
{
	if (!w->notices)
		return NULL;
	if (w->notice_len)
		w->notice[--w->notice_len] = '\0'; /* no newline at the end */
	if (w->notices_lost) {
		snprintf(w->out, sizeof(w->out), "%s%s%lu more -z failures",
			 w->notice, w->notice_len ? "\n" : "", w->notices_lost);
	} else {
		snprintf(w->out, sizeof(w->out), "%s", w->notice);
	}
	w->notices = w->notices_lost = 0;
	w->notice_len = 0;
	w->notice[0] = '\0';
	return w->out;
}

unsigned long nsv_writer_files(const struct nsv_writer *w)
{
	return w->files;
}
