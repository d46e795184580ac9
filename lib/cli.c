// SPDX-License-Identifier: LGPL-2.1-or-later
/* One option table per tool drives both getopt_long() and --help. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int nsv_getopt_init(struct nsv_getopt *g, const struct nsv_opt *opts)
{
	size_t n = 0, i, s = 0, l = 0;

	for (n = 0; opts[n].name || opts[n].val; n++)
		;
	memset(g, 0, sizeof(*g));
	g->longopts = calloc(n + 1, sizeof(*g->longopts));
	g->shortopts = calloc(3 * n + 2, 1);
	if (!g->longopts || !g->shortopts) {
		nsv_getopt_free(g);
		return -ENOMEM;
	}
	/* '+' stops at the first operand: "-e prog -x" belongs to prog. */
	g->shortopts[s++] = '+';
	for (i = 0; i < n; i++) {
		/* A row without a long name is short-only: a NULL name
		 * would end getopt_long()'s table early. */
		if (opts[i].name) {
			g->longopts[l].name = opts[i].name;
			g->longopts[l].has_arg = opts[i].has_arg;
			g->longopts[l].val = opts[i].val;
			l++;
		}
		if (opts[i].val > 0 && opts[i].val < 256) {
			g->shortopts[s++] = (char)opts[i].val;
			if (opts[i].has_arg == required_argument)
				g->shortopts[s++] = ':';
			else if (opts[i].has_arg == optional_argument) {
				g->shortopts[s++] = ':';
				g->shortopts[s++] = ':';
			}
		}
	}
	return 0;
}

void nsv_getopt_free(struct nsv_getopt *g)
{
	free(g->longopts);
	free(g->shortopts);
	g->longopts = NULL;
	g->shortopts = NULL;
}

int nsv_help_print(FILE *f, const struct nsv_opt *opts)
{
	const struct nsv_opt *o;

	for (o = opts; o->name || o->val; o++) {
		char left[64];
		int n = 0;

		if (!o->help)
			continue; /* hidden alias */
		if (o->val > 0 && o->val < 256)
			n = snprintf(left, sizeof(left), "-%c%s", o->val,
				     o->name ? ", " : "");
		else
			n = snprintf(left, sizeof(left), "    ");
		if (o->name)
			n += snprintf(left + n, sizeof(left) - n, "--%s",
				      o->name);
		if (o->arg)
			snprintf(left + n, sizeof(left) - n,
				 o->has_arg == optional_argument ? "[=%s]" :
								   " %s",
				 o->arg);
		/* a left column too wide for the table gets a line of its own */
		if (strlen(left) > 26 &&
		    fprintf(f, "  %s\n  %-26s %s\n", left, "", o->help) < 0)
			return -EIO;
		if (strlen(left) <= 26 &&
		    fprintf(f, "  %-26s %s\n", left, o->help) < 0)
			return -EIO;
	}
	return 0;
}
