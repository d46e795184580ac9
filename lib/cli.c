// SPDX-License-Identifier: LGPL-2.1-or-later
/* The tools' command line: one option table drives getopt_long() and --help;
 * seconds parsed one way; messages in one form; CID names loaded once. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "names.h"

int nsv_getopt_init(struct nsv_getopt *g, const struct nsv_opt *opts)
{
	size_t n = 0, i, s = 0, l = 0;

	for (n = 0; opts[n].name || opts[n].val; n++)
		;
	memset(g, 0, sizeof(*g));
	g->longopts = calloc(n + 1, sizeof(*g->longopts));
	g->shortopts = calloc(3 * n + 3, 1);
	if (!g->longopts || !g->shortopts) {
		nsv_getopt_free(g);
		return -ENOMEM;
	}
	/*
	 * '+' stops at the first operand: "-e prog -x" belongs to prog. ':'
	 * tells a missing argument from an unknown option and keeps getopt
	 * quiet: its own message would name the whole path of the program.
	 */
	g->shortopts[s++] = '+';
	g->shortopts[s++] = ':';
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

int nsv_parse_secs(const char *s, double max, double *secs)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 || v > max)
		return -EINVAL;
	*secs = v;
	return 0;
}

static char prog[64] = "nsvsock";

void nsv_cli_init(const char *argv0)
{
	const char *slash;

	if (!argv0 || !*argv0)
		return;
	slash = strrchr(argv0, '/');
	snprintf(prog, sizeof(prog), "%s", slash ? slash + 1 : argv0);
}

const char *nsv_cli_prog(void)
{
	return prog;
}

/*
 * One fputs() of the whole line: lines of concurrent children stay whole.
 * A message too long for the line is cut, never its tail or newline.
 */
static void say(const char *tail, const char *fmt, va_list ap)
{
	char line[1024];
	size_t room = sizeof(line) - strlen(tail) - 1, n;

	n = (size_t)snprintf(line, room, "%s: ", prog);
	if (n < room)
		vsnprintf(line + n, room - n, fmt, ap);
	strcat(line, tail);
	strcat(line, "\n");
	fputs(line, stderr);
}

void nsv_verr(const char *fmt, va_list ap)
{
	say("", fmt, ap);
}

void nsv_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("", fmt, ap);
	va_end(ap);
}

int nsv_usage_err(const char *fmt, ...)
{
	char tail[128];
	va_list ap;

	snprintf(tail, sizeof(tail), ". Try '%s --help'.", prog);
	va_start(ap, fmt);
	say(tail, fmt, ap);
	va_end(ap);
	return NSV_EXIT_USAGE;
}

int nsv_usage_hint(void)
{
	fprintf(stderr, "Try '%s --help'.\n", prog);
	return NSV_EXIT_USAGE;
}

int nsv_usage_err_at(const char *text, size_t off, size_t len, const char *fmt,
		     ...)
{
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	say("", fmt, ap);
	va_end(ap);
	fprintf(stderr, "  %s\n  ", text);
	/* A tab above stays a tab below, so the caret lines up. */
	for (i = 0; i < off && text[i]; i++)
		fputc(text[i] == '\t' ? '\t' : ' ', stderr);
	fputc('^', stderr);
	for (i = 1; i < len; i++)
		fputc('~', stderr);
	fputc('\n', stderr);
	return nsv_usage_hint();
}

/* Whether getopt stopped inside a cluster of short options ("-xl"). */
static bool in_cluster(int c, char *const argv[])
{
	const char *cur = argv[optind];

	return c && cur && cur[0] == '-' && cur[1] && cur[1] != '-' &&
	       strchr(cur + 1, c);
}

int nsv_getopt_error(int c, char *const argv[])
{
	const char *word = optind > 0 ? argv[optind - 1] : NULL;
	char name[64];

	/*
	 * A long option is the word getopt just passed (up to any '='): an
	 * unknown one leaves optopt 0; a known one given "=ARG" that takes
	 * none sets optopt to its value; a missing argument can only be the
	 * last word's. A short one may sit inside a cluster that getopt has
	 * not passed yet: name it alone.
	 */
	if (word && !strncmp(word, "--", 2) &&
	    (c == ':' || !optopt || !in_cluster(optopt, argv))) {
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(word, "="),
			 word);
		if (c == '?' && optopt && strchr(word, '='))
			return nsv_usage_err("option '%s' takes no argument",
					     name);
	} else if (optopt > 0 && optopt < 256) {
		snprintf(name, sizeof(name), "-%c", optopt);
	} else {
		snprintf(name, sizeof(name), "%s", word ? word : "?");
	}
	if (c == ':')
		return nsv_usage_err("option '%s' needs an argument", name);
	return nsv_usage_err("unknown option '%s'", name);
}

static void names_report(const char *file, unsigned int line, const char *why,
			 void *data)
{
	(void)data;
	if (line)
		nsv_err("%s:%u: %s", file, line, why);
	else
		nsv_err("%s: %s", file, why);
}

const struct nsv_names *nsv_cli_names(void)
{
	static struct nsv_names *names;
	static int state; /* 0 not yet, 1 loaded, -1 failed */

	if (!state)
		state = nsv_names_load(&names, "/proc", names_report, NULL) ?
				-1 :
				1;
	return names;
}

int nsv_cli_cid_lookup(const char *word, uint32_t *cid, void *data)
{
	(void)data;
	return nsv_names_cid(nsv_cli_names(), word, cid);
}
