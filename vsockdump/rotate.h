/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockdump: -w files rotated by size and time as tcpdump's -C -G -W -z do. */
#ifndef NSV_ROTATE_H
#define NSV_ROTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"
#include "savefile.h"

struct nsv_writer_opts {
	const char *path; /* -w; "-" is stdout; a strftime(3) format with -G */
	enum nsv_savefile_format format;
	const struct nsv_savefile_iface
		*ifaces; /* one or more; kept, not copied */
	unsigned int nifaces;
	const char *appl; /* pcapng shb_userappl */
	uint64_t rotate_bytes; /* -C: a new file once one is larger */
	unsigned int rotate_secs; /* -G: a new file after so many seconds */
	unsigned int max_files; /* -W */
	const char *command; /* -z: run "COMMAND FILE" for each closed file */
	/*
	 * The clock of -G: the first file is named after @start; a frame
	 * whose time stamp is @rotate_secs past the start of the current
	 * file opens the next. With @start < 0 the first file waits for the
	 * first frame and takes its time (a file read with -r).
	 */
	int64_t start;
};

/* Bits of a positive nsv_writer_write() result. */
#define NSV_WRITER_LIMIT 1 /* -G with -W: the last file is done, stop */
#define NSV_WRITER_NOTICE 2 /* a -z command failed: nsv_writer_notice() */

struct nsv_writer;

/**
 * nsv_writer_open - start writing: the first file, unless @o->start < 0
 *
 * File names follow tcpdump: with -G the path goes through strftime(3);
 * with -C a number follows from the second file on (PATH, PATH1, ...) and
 * with -C -W every file has one, zero-padded to the width of -W minus one,
 * counting again from 0 after the last; -G starts the numbers anew.
 * Returns 0, -EINVAL (rotating stdout, or a name strftime cannot make) or
 * -errno with the reason in @err.
 */
int nsv_writer_open(struct nsv_writer **out, const struct nsv_writer_opts *o,
		    char *err, size_t errlen);

/**
 * nsv_writer_write - append one frame seen on interface @iface, first
 *	closing the current file and opening the next if -C or -G say so
 *
 * Returns 0, a positive mix of NSV_WRITER_LIMIT (the frame was not
 * written) and NSV_WRITER_NOTICE, or -errno with the reason in
 * nsv_writer_error().
 */
int nsv_writer_write(struct nsv_writer *w, unsigned int iface,
		     const struct nsv_pkt *pkt);

/** nsv_writer_flush - push buffered frames to the file; 0 or -errno */
int nsv_writer_flush(struct nsv_writer *w);

/**
 * nsv_writer_finish - close the current file (opening it first if no frame
 *	came), run -z on it and wait for every -z command still running
 *
 * Returns 0, NSV_WRITER_NOTICE, or -errno with the reason in
 * nsv_writer_error().
 */
int nsv_writer_finish(struct nsv_writer *w);

/**
 * nsv_writer_discard - after a write error: close, and remove the file
 *	being written, instead of nsv_writer_finish()
 *
 * The file that failed ends inside a frame: it is removed rather than left
 * to look like a capture (files that rotation finished before stay, and
 * get their -z). Only a regular file is removed, never a device or a pipe.
 * Returns 1 (removed), 0 (nothing to remove: no error happened, or not a
 * file) or -errno.
 */
int nsv_writer_discard(struct nsv_writer *w);

/** nsv_writer_free - finish if not done (reporting nothing) and free */
void nsv_writer_free(struct nsv_writer *w);

/** nsv_writer_path - the file being written now (or last) */
const char *nsv_writer_path(const struct nsv_writer *w);
/** nsv_writer_error - what the last -errno was about */
const char *nsv_writer_error(const struct nsv_writer *w);
/** nsv_writer_notice - the -z failures since the last call, a line each */
const char *nsv_writer_notice(struct nsv_writer *w);
/** nsv_writer_files - files opened so far */
unsigned long nsv_writer_files(const struct nsv_writer *w);

#endif /* NSV_ROTATE_H */
