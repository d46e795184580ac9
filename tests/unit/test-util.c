// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the JSON writer, option tables, messages, parsers, netns specs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "digits.h"
#include "json.h"
#include "netns.h"
#include "tap.h"

static char *buf;
static size_t len;

static FILE *mem(void)
{
	free(buf);
	buf = NULL;
	return open_memstream(&buf, &len);
}

static void test_json(void)
{
	struct nsv_json j;
	FILE *f = mem();

	nsv_json_init(&j, f, false);
	nsv_json_obj_begin(&j, NULL);
	nsv_json_str(&j, "s", "a\"b\\c\n\x01\xff");
	nsv_json_u64(&j, "u", 18446744073709551615ULL);
	nsv_json_i64(&j, "i", -5);
	nsv_json_bool(&j, "t", true);
	nsv_json_null(&j, "n");
	nsv_json_arr_begin(&j, "a");
	nsv_json_u64(&j, NULL, 1);
	nsv_json_obj_begin(&j, NULL);
	nsv_json_obj_end(&j);
	nsv_json_arr_end(&j);
	nsv_json_arr_begin(&j, "e");
	nsv_json_arr_end(&j);
	nsv_json_double(&j, "d", 0.5);
	nsv_json_obj_end(&j);
	nsv_json_obj_begin(&j, NULL);
	nsv_json_obj_end(&j);
	fclose(f);
	tap_is_str(
		buf,
		"{\"s\":\"a\\\"b\\\\c\\n\\u0001\\u00ff\",\"u\":18446744073709551615,"
		"\"i\":-5,\"t\":true,\"n\":null,\"a\":[1,{}],\"e\":[],\"d\":0.5}\n"
		"{}\n",
		"compact JSON: escapes, numbers, nesting, one value a line");

	f = mem();
	nsv_json_init(&j, f, true);
	nsv_json_obj_begin(&j, NULL);
	nsv_json_arr_begin(&j, "x");
	nsv_json_u64(&j, NULL, 1);
	nsv_json_u64(&j, NULL, 2);
	nsv_json_arr_end(&j);
	nsv_json_obj_end(&j);
	fclose(f);
	tap_is_str(buf, "{\n  \"x\": [\n    1,\n    2\n  ]\n}\n",
		   "pretty JSON is indented by two");

	f = mem();
	nsv_json_init(&j, f, false);
	tap_is_int(nsv_json_obj_end(&j), -EINVAL,
		   "closing more than was opened is -EINVAL");
	{
		int i, r = 0;

		for (i = 0; i < NSV_JSON_MAX_DEPTH + 2 && r == 0; i++)
			r = nsv_json_arr_begin(&j, NULL);
		tap_is_int(r, -E2BIG, "nesting deeper than %d is -E2BIG",
			   NSV_JSON_MAX_DEPTH);
	}
	fclose(f);
	f = mem();
	nsv_json_init(&j, f, false);
	nsv_json_double(&j, NULL, __builtin_nan(""));
	fclose(f);
	tap_is_str(buf, "null", "NaN is written as null");

	/* a value longer than the writer's buffer, escapes at its seams */
	{
		static char big[3 * NSV_JSON_BUF + 7], want[sizeof(big) + 64];
		size_t i, w = 0;

		for (i = 0; i + 1 < sizeof(big); i++)
			big[i] = i % 997 == 0 ? '"' : (char)('a' + i % 26);
		want[w++] = '"';
		for (i = 0; big[i]; i++) {
			if (big[i] == '"')
				want[w++] = '\\';
			want[w++] = big[i];
		}
		memcpy(want + w, "\"\n", 3);
		f = mem();
		nsv_json_init(&j, f, false);
		nsv_json_str(&j, NULL, big);
		fputc('\n', f);
		fclose(f);
		tap_is_str(buf, want,
			   "a string of %zu bytes, escaped across "
			   "the writer's buffer",
			   sizeof(big) - 1);
	}

	/* a value reaches the stream whole, once it is complete */
	f = mem();
	nsv_json_init(&j, f, false);
	nsv_json_obj_begin(&j, NULL);
	nsv_json_u64(&j, "n", 1);
	fflush(f);
	tap_is_int((int)len, 0, "nothing is written while a value is open");
	nsv_json_obj_end(&j);
	fflush(f);
	tap_is_str(buf, "{\"n\":1}\n", "... and all of it once it ends");
	fclose(f);

	/* a stream that fails: the value's end says so */
	f = fopen("/dev/full", "w");
	if (f) {
		setvbuf(f, NULL, _IONBF, 0);
		nsv_json_init(&j, f, false);
		nsv_json_obj_begin(&j, NULL);
		nsv_json_str(&j, "s", "x");
		tap_is_int(nsv_json_obj_end(&j), -EIO,
			   "a write that fails (/dev/full) is -EIO at the end "
			   "of the value");
		fclose(f);
	} else {
		tap_ok(0, "open /dev/full: %s", strerror(errno));
	}
}

static const struct nsv_opt opts[] = {
	{ "listen", 'l', no_argument, NULL, "listen" },
	{ "wait", 'w', required_argument, "SECS", "connect timeout" },
	{ "color", 'C', optional_argument, "WHEN", "colours" },
	{ "retry", 256, required_argument, "SECS", "retry" },
	{ "hidden", 257, no_argument, NULL, NULL },
	{ 0 },
};

static void test_cli(void)
{
	struct nsv_getopt g;
	FILE *f;

	tap_is_int(nsv_getopt_init(&g, opts), 0, "option table builds");
	tap_is_str(g.shortopts, "+:lw:C::", "short options string");
	tap_ok(g.longopts[3].val == 256 &&
		       !strcmp(g.longopts[3].name, "retry") &&
		       g.longopts[3].has_arg == required_argument &&
		       g.longopts[5].name == NULL,
	       "long options table, NULL-terminated");
	nsv_getopt_free(&g);
	f = mem();
	nsv_help_print(f, opts);
	fclose(f);
	tap_is_str(buf,
		   "  -l, --listen               listen\n"
		   "  -w, --wait SECS            connect timeout\n"
		   "  -C, --color[=WHEN]         colours\n"
		   "      --retry SECS           retry\n",
		   "help lists visible options aligned");
}

/* What @fn writes, without its last newline. */
static const char *output_of(void (*fn)(void *), void *arg)
{
	static char out[2048];
	struct tap_capture cap;

	tap_capture_begin(&cap);
	fn(arg);
	tap_capture_end(&cap, out, sizeof(out));
	return out;
}

static int status;

static void say_err(void *arg)
{
	nsv_err("cannot open %s: %s", (const char *)arg, "No such file");
}

static void say_usage(void *arg)
{
	status = nsv_usage_err("invalid port '%s'", (const char *)arg);
}

static void say_long(void *arg)
{
	status = nsv_usage_err("%2000s", (const char *)arg);
}

/* getopt_long() over a command line split at blanks, then its error. */
static void say_getopt(void *arg)
{
	char line[128], *argv[8];
	struct nsv_getopt g;
	int argc, c;

	snprintf(line, sizeof(line), "prog %s", (const char *)arg);
	argc = tap_argv(line, argv, 8);
	nsv_getopt_init(&g, opts);
	optind = 0;
	status = 0;
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) !=
	       -1)
		if (c == '?' || c == ':') {
			status = nsv_getopt_error(c, argv);
			break;
		}
	nsv_getopt_free(&g);
}

static void test_messages(void)
{
	static const struct {
		const char *line, *msg;
	} bad[] = {
		{ "--bogus", "unknown option '--bogus'" },
		{ "--bogus=3", "unknown option '--bogus'" },
		{ "-x", "unknown option '-x'" },
		{ "-lx", "unknown option '-x'" },
		{ "--listen -xl", "unknown option '-x'" },
		{ "-w", "option '-w' needs an argument" },
		{ "-lw", "option '-w' needs an argument" },
		{ "--wait", "option '--wait' needs an argument" },
		{ "--retry", "option '--retry' needs an argument" },
		{ "--listen=1", "option '--listen' takes no argument" },
		{ "--hidden=yes", "option '--hidden' takes no argument" },
		{ "--lis=1", "option '--lis' takes no argument" },
	};
	char want[256];
	size_t i;

	nsv_cli_init("/usr/local/sbin/vsockdump");
	tap_is_str(nsv_cli_prog(), "vsockdump",
		   "the program is named by the last part of argv[0]");
	tap_is_str(output_of(say_err, "x.pcap"),
		   "vsockdump: cannot open x.pcap: No such file",
		   "an error is one line: PROG: message");
	tap_is_str(output_of(say_usage, "70000x"),
		   "vsockdump: invalid port '70000x'. Try 'vsockdump --help'.",
		   "a usage error ends with the hint, on the same line");
	tap_is_int(status, NSV_EXIT_USAGE, "... and gives exit status 2");
	{
		const char *out = output_of(say_long, "x");
		const char *hint = ". Try 'vsockdump --help'.";
		size_t n = strlen(out);

		tap_ok(n < 1024 && n > strlen(hint) && !strchr(out, '\n') &&
			       !strcmp(out + n - strlen(hint), hint),
		       "a message too long is cut, its hint is not");
	}
	nsv_cli_init("tool");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(want, sizeof(want), "tool: %s. Try 'tool --help'.",
			 bad[i].msg);
		tap_is_str(output_of(say_getopt, (void *)bad[i].line), want,
			   "'%s': one line, no getopt message", bad[i].line);
		tap_is_int(status, NSV_EXIT_USAGE, "'%s': exit status 2",
			   bad[i].line);
	}
}

static void test_parse_secs(void)
{
	static const struct {
		const char *s;
		double max;
		int ret;
		double v;
	} cases[] = {
		{ "1.5", 10, 0, 1.5 },
		{ "0", 10, 0, 0 },
		{ "2e1", 100, 0, 20 },
		{ "86400", 86400, 0, 86400 },
		{ "86400.5", 86400, -EINVAL, 0 },
		{ "-1", 10, -EINVAL, 0 },
		{ "", 10, -EINVAL, 0 },
		{ "1s", 10, -EINVAL, 0 },
		{ "nan", 10, -EINVAL, 0 },
		{ "inf", 1e9, -EINVAL, 0 },
		{ " ", 10, -EINVAL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double v = -1;
		int r = nsv_parse_secs(cases[i].s, cases[i].max, &v);

		tap_ok(r == cases[i].ret && (r || v == cases[i].v),
		       "seconds '%s' (at most %g): %s", cases[i].s,
		       cases[i].max, r ? "refused" : "taken");
	}
}

static void test_netns_path(void)
{
	char p[64];

	tap_ok(nsv_netns_path("/proc/1/ns/net", p, sizeof(p)) == 0 &&
		       !strcmp(p, "/proc/1/ns/net"),
	       "a path is used as it is");
	tap_ok(nsv_netns_path("nsv-test-no-such-ns", p, sizeof(p)) == 0 &&
		       !strcmp(p, "/run/netns/nsv-test-no-such-ns"),
	       "a name is looked up in /run/netns");
	tap_ok(nsv_netns_path("4194305", p, sizeof(p)) == 0 &&
		       !strcmp(p, "/proc/4194305/ns/net"),
	       "a number that names no netns is a pid");
	tap_is_int(nsv_netns_path("", p, sizeof(p)), -EINVAL,
		   "an empty spec is -EINVAL");
	tap_is_int(nsv_netns_path("..", p, sizeof(p)), -EINVAL,
		   "'..' is -EINVAL");
	tap_is_int(
		nsv_netns_path("a-very-long-name-that-does-not-fit-here-at-all",
			       p, 20),
		-ENAMETOOLONG, "a name too long for the buffer");
	tap_is_int(nsv_netns_open("nsv-test-no-such-ns"), -ENOENT,
		   "opening a missing netns is -ENOENT");
	tap_is_int(nsv_netns_open("/etc/hostname"), -EINVAL,
		   "a regular file is not a netns");
	{
		/* nsfs inodes claim to be regular files: ours must open. */
		int fd = nsv_netns_open("/proc/self/ns/net");

		tap_ok(fd >= 0, "our own netns opens by path (got %d)", fd);
		if (fd >= 0)
			close(fd);
	}
	tap_is_int(nsv_netns_open("/proc/self/ns/uts"), -EINVAL,
		   "another kind of namespace is not a netns");
}

/* Names are matched by device and inode: a hard link is a name. */
static void test_netns_name(void)
{
	char dir[] = "/tmp/nsv-test-netns-XXXXXX", a[128], b[128], c[128];
	char name[64] = "";
	int fd, other;

	tap_ok(mkdtemp(dir) != NULL, "a directory of names");
	snprintf(a, sizeof(a), "%s/target", dir);
	snprintf(b, sizeof(b), "%s/other", dir);
	snprintf(c, sizeof(c), "%s/ns-with-a-long-name", dir);
	fd = open(a, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	other = open(b, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	tap_ok(fd >= 0 && other >= 0, "two files stand for two namespaces");
	tap_is_int(nsv_netns_name(dir, other, name, sizeof(name)), 0,
		   "a namespace with a name");
	tap_is_str(name, "other", "... is named");
	unlink(a);
	tap_is_int(nsv_netns_name(dir, fd, name, sizeof(name)), -ENOENT,
		   "one whose name is gone has none");
	tap_ok(link(b, c) == 0 && unlink(b) == 0, "renamed (a long name)");
	tap_is_int(nsv_netns_name(dir, other, name, 8), -ENAMETOOLONG,
		   "a name longer than the buffer is -ENAMETOOLONG");
	tap_is_int(nsv_netns_name(dir, other, name, sizeof(name)), 0,
		   "... that fits in a larger one");
	tap_is_str(name, "ns-with-a-long-name", "... and is the new name");
	tap_is_int(nsv_netns_name("/nonexistent-nsv-dir", fd, name,
				  sizeof(name)),
		   -ENOENT, "no directory: -ENOENT");
	tap_is_int(nsv_netns_name(dir, -1, name, sizeof(name)), -EBADF,
		   "a bad fd: -EBADF");
	unlink(c);
	close(fd);
	close(other);
	rmdir(dir);
}

/* The decimal writers against printf, at every digit count's edges. */
static void test_digits(void)
{
	char got[NSV_UTOA_MAX + 8], want[32];
	uint64_t v, p10 = 1;
	unsigned int n, w, bad = 0;
	int i;

	for (i = 0; i <= 19; i++) {
		uint64_t edge[3] = { p10 - 1, p10, p10 + 1 };

		for (n = 0; n < 3; n++) {
			v = edge[n];
			memset(got, 'x', sizeof(got));
			w = nsv_utoa(got, v);
			snprintf(want, sizeof(want), "%" PRIu64, v);
			if (w != strlen(want) || memcmp(got, want, w) ||
			    got[w] != 'x' || nsv_dec_digits(v) != w) {
				tap_diag("nsv_utoa(%" PRIu64 "): %.*s", v,
					 (int)w, got);
				bad++;
			}
		}
		if (i < 19)
			p10 *= 10;
	}
	tap_ok(!bad, "nsv_utoa() writes as printf at 0-2, 9-11, ..., "
		     "10^19 +- 1, and nothing past its digits");
	w = nsv_utoa(got, UINT64_MAX);
	tap_ok(w == NSV_UTOA_MAX && !memcmp(got, "18446744073709551615", w),
	       "UINT64_MAX takes NSV_UTOA_MAX digits");
	memset(got, 'x', sizeof(got));
	nsv_utoa_pad(got, 7, 2);
	nsv_utoa_pad(got + 2, 123456789, 9);
	nsv_utoa_pad(got + 11, 1234, 3);
	nsv_utoa3(got + 14, 5);
	nsv_utoa3(got + 17, 999);
	tap_ok(!memcmp(got, "07123456789234005999x", 21),
	       "zero-padded and three-digit writers: %.21s", got);
}

int main(void)
{
	test_digits();
	test_json();
	test_cli();
	test_messages();
	test_parse_secs();
	test_netns_path();
	test_netns_name();
	free(buf);
	return tap_done();
}
