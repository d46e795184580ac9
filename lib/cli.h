/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsvsock: the tools' command line: option tables, parsers, messages. */
#ifndef NSV_CLI_H
#define NSV_CLI_H

#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

struct nsv_names;

/* Exit statuses of every tool. */
#define NSV_EXIT_OK 0
#define NSV_EXIT_FAIL 1
#define NSV_EXIT_USAGE 2

/* One row of a tool's option table; a zeroed row ends it. */
struct nsv_opt {
	const char *name; /* long name, or NULL */
	int val; /* short option character, or an id >= 256 */
	int has_arg; /* no_argument, required_argument, optional_argument */
	const char *arg; /* placeholder in --help, e.g. "SECS" */
	const char *help; /* one line; NULL hides the option */
};

struct nsv_getopt {
	struct option *longopts;
	char *shortopts;
};

/**
 * nsv_getopt_init - build getopt_long() tables from @opts
 *
 * The short options start with "+:": getopt_long() stops at the first
 * operand, returns ':' for a missing argument and '?' for an unknown
 * option, and prints nothing (see nsv_getopt_error()). Returns 0 or
 * -ENOMEM.
 */
int nsv_getopt_init(struct nsv_getopt *g, const struct nsv_opt *opts);
void nsv_getopt_free(struct nsv_getopt *g);

/** nsv_help_print - one aligned line per visible option; 0 or -EIO */
int nsv_help_print(FILE *f, const struct nsv_opt *opts);

/**
 * nsv_parse_secs - a number of seconds ("1.5", "0", "2e3")
 * @max: the largest number taken
 *
 * Returns 0, or -EINVAL for empty, negative, infinite or NaN input, input
 * above @max or with anything after the number.
 */
int nsv_parse_secs(const char *s, double max, double *secs);

/*
 * Messages. A tool's messages are lines on stderr that start with its name;
 * these are the only functions of the library that write anything.
 */

/** nsv_cli_init - take the program's name for messages from @argv0 */
void nsv_cli_init(const char *argv0);

/** nsv_cli_prog - the program's name: the last part of argv[0] */
const char *nsv_cli_prog(void);

/** nsv_err - "PROG: MESSAGE" on stderr, in one write */
void nsv_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void nsv_verr(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

/**
 * nsv_usage_err - "PROG: MESSAGE. Try 'PROG --help'." on stderr
 *
 * Returns NSV_EXIT_USAGE, so that a parser can return what it returns.
 */
int nsv_usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * nsv_usage_hint - "Try 'PROG --help'." alone, after a message that needed
 * more than one line (a filter expression with a caret under the mistake)
 *
 * Returns NSV_EXIT_USAGE.
 */
int nsv_usage_hint(void);

/**
 * nsv_usage_err_at - a mistake inside a text the user gave (an expression)
 *
 * "PROG: MESSAGE", then @text indented by two blanks with a caret under
 * its bytes @off to @off + @len ('~' after the first), then the usage hint.
 * Returns NSV_EXIT_USAGE.
 */
int nsv_usage_err_at(const char *text, size_t off, size_t len, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

/**
 * nsv_getopt_error - the usage error for getopt_long()'s '?' or ':'
 * @c: what getopt_long() returned
 * @argv: its argv, with optind and optopt as it left them
 *
 * "unknown option '--foo'" or "option '-w' needs an argument", through
 * nsv_usage_err(). Returns NSV_EXIT_USAGE.
 */
int nsv_getopt_error(int c, char *const argv[]);

/**
 * nsv_cli_names - the CID names of this run, loaded on first use
 *
 * nsv_names_load() with the VMs of /proc; each problem with the names is
 * one message line ("PROG: FILE:LINE: why"), printed once. Returns the
 * table, or NULL when NSV_VSOCK_HOSTS names a file that cannot be used
 * (the caller fails: the user asked for exactly that file).
 */
const struct nsv_names *nsv_cli_names(void);

/**
 * nsv_cli_cid_lookup - an nsv_cid_lookup_fn over nsv_cli_names()
 *
 * For the parsers of addresses and filters: 0 and *@cid, or -ENOENT.
 */
int nsv_cli_cid_lookup(const char *word, uint32_t *cid, void *data);

#endif /* NSV_CLI_H */
