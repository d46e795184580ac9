/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsvsock: one option table per tool drives getopt_long() and --help. */
#ifndef NSV_CLI_H
#define NSV_CLI_H

#include <getopt.h>
#include <stdio.h>

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

#endif /* NSV_CLI_H */
