// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: CID names (the vsock-hosts format, lookups, formats, loading) and address parsing with names. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "names.h"
#include "tap.h"

/* Every report and refused line, one "LINE: why" a line. */
struct seen {
	char text[2048];
	int n;
};

static int on_bad(unsigned int line, const char *why, void *data)
{
	struct seen *s = data;
	size_t len = strlen(s->text);

	snprintf(s->text + len, sizeof(s->text) - len, "%u: %s\n", line, why);
	s->n++;
	return 0;
}

static void on_report(const char *file, unsigned int line, const char *why,
		      void *data)
{
	struct seen *s = data;
	size_t len = strlen(s->text);
	const char *base = strrchr(file, '/');

	snprintf(s->text + len, sizeof(s->text) - len, "%s:%u: %s\n",
		 base ? base + 1 : file, line, why);
	s->n++;
}

static void test_check(void)
{
	static const struct {
		const char *name;
		const char *why; /* a part of it, or NULL: valid */
	} t[] = {
		{ "web1", NULL },
		{ "Web-1.example_a", NULL },
		{ "a", NULL },
		{ "", "empty" },
		{ "1web", "starts with a letter" },
		{ "0x10", "starts with a letter" },
		{ "-web", "starts with a letter" },
		{ "web:1", "only letters" },
		{ "web 1", "only letters" },
		{ "wéb", "only letters" },
		{ "host", "built-in" },
		{ "HOST", "built-in" },
		{ "any", "built-in" },
		{ "local", "built-in" },
		{ "hypervisor", "built-in" },
		{ "and", "filter words" },
		{ "Not", "filter words" },
		{ "or", "filter words" },
		{ "hosts", NULL },
		{ "a23456789012345678901234567890123456789012345678901234567890123",
		  NULL },
		{ "a234567890123456789012345678901234567890123456789012345678901234",
		  "at most 63" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *why = nsv_names_check(t[i].name);

		tap_ok(t[i].why ? why && strstr(why, t[i].why) != NULL :
				  why == NULL,
		       "name '%.20s': %s", t[i].name, why ? why : "valid");
	}
}

static void test_parse(void)
{
	static const char text[] = "# vsock-hosts\n"
				   "\n"
				   "3\tweb1 www   # the web server\n"
				   "  4 db1\r\n"
				   "0x10 sixteen\n"
				   "2 hv1\n"
				   "3 web-one\n"
				   "x web2\n"
				   "4294967295 everyone\n"
				   "5\n"
				   "6 host\n"
				   "7 db1\n"
				   "8 a b a\n"
				   "9 1st\n"
				   "4294967296 big\n"
				   "10 ten";
	struct nsv_names *n = NULL;
	struct seen s = { .n = 0 };
	char buf[NSV_NAMES_ADDR_STRLEN];
	uint32_t cid = 0;
	int r;

	nsv_names_new(&n);
	r = nsv_names_parse(n, text, strlen(text), on_bad, &s);
	tap_is_int(r, 8, "eight lines refused, the others taken");
	tap_is_str(s.text,
		   "8: 'x' is not a CID (a decimal or 0x number)\n"
		   "9: 4294967295 is VMADDR_CID_ANY, not a machine\n"
		   "10: CID 5 has no name\n"
		   "11: 'host': a built-in CID name cannot be given again\n"
		   "12: 'db1' already names CID 4\n"
		   "13: 'a' twice on one line\n"
		   "14: '1st': a name starts with a letter\n"
		   "15: '4294967296' is not a CID (a decimal or 0x number up "
		   "to 4294967294)\n",
		   "each refused line: its number and why");
	tap_is_str(nsv_names_name(n, 3), "web1",
		   "a CID shows as its first name");
	tap_ok(!nsv_names_cid(n, "www", &cid) && cid == 3 &&
		       !nsv_names_cid(n, "WEB-ONE", &cid) && cid == 3,
	       "aliases, and a second line's names, look up too, any case");
	tap_ok(!nsv_names_cid(n, "sixteen", &cid) && cid == 16, "0x CIDs");
	tap_ok(!nsv_names_cid(n, "ten", &cid) && cid == 10,
	       "the last line needs no newline");
	tap_is_str(nsv_names_name(n, 4), "db1", "CRLF line ends");
	tap_ok(nsv_names_name(n, 5) == NULL && nsv_names_name(n, 7) == NULL &&
		       nsv_names_name(n, 8) == NULL &&
		       nsv_names_cid(n, "b", &cid) == -ENOENT,
	       "a refused line adds none of its names");
	tap_is_int(nsv_names_cid(n, "web2", &cid), -ENOENT,
		   "an unknown name is -ENOENT");
	tap_is_str(nsv_names_name(n, 2), "hv1", "CID 2 may get a name");

	/* formats */
	nsv_names_addr_format(n, 3, 22, 0, buf, sizeof(buf));
	tap_is_str(buf, "web1:22", "CID:PORT with a name");
	nsv_names_addr_format(n, 3, 22, NSV_FMT_NUMERIC, buf, sizeof(buf));
	tap_is_str(buf, "3:22", "-n: the number");
	nsv_names_addr_format(n, 2, NSV_PORT_ANY, 0, buf, sizeof(buf));
	tap_is_str(buf, "hv1:*", "the file's name wins over 'host'");
	nsv_names_addr_format(n, 1, 5, 0, buf, sizeof(buf));
	tap_is_str(buf, "local:5", "built-in names for CIDs without one");
	nsv_names_addr_format(n, NSV_CID_ANY, 5, 0, buf, sizeof(buf));
	tap_is_str(buf, "*:5", "any CID is '*'");
	tap_is_int(nsv_names_cid_format(n, 3, 0, buf, 4), -ENOSPC,
		   "too small a buffer is -ENOSPC");
	tap_is_str(nsv_names_symbol(n, NSV_CID_ANY, NSV_FMT_NUMERIC), "any",
		   "symbol: any, even with -n");
	tap_is_str(nsv_names_symbol(n, 3, 0), "web1", "symbol: the name");
	tap_ok(nsv_names_symbol(n, 3, NSV_FMT_NUMERIC) == NULL &&
		       nsv_names_symbol(n, 99, 0) == NULL,
	       "symbol: none with -n, none for a plain number");
	tap_is_str(nsv_names_symbol(NULL, 0, 0), "hypervisor",
		   "symbol: built-in names without a table");
	nsv_names_free(n);
}

static void test_add(void)
{
	struct nsv_names *n = NULL;
	uint32_t cid;

	nsv_names_new(&n);
	tap_ok(nsv_names_add(n, 9, "b9") == 0 &&
		       nsv_names_add(n, 3, "c3") == 0 &&
		       nsv_names_add(n, 9, "a9") == 0 &&
		       nsv_names_add(n, 3, "c3") == 0,
	       "adding, and adding again the same");
	tap_ok(!strcmp(nsv_names_name(n, 9), "b9") &&
		       !strcmp(nsv_names_name(n, 3), "c3"),
	       "the first name added stays the one shown");
	tap_is_int(nsv_names_add(n, 4, "A9"), -EEXIST,
		   "a name of another CID is -EEXIST, any case");
	tap_is_int(nsv_names_add(n, 4, "9a"), -EINVAL, "a bad name");
	tap_is_int(nsv_names_add(n, NSV_CID_ANY, "all"), -EINVAL,
		   "CID any cannot be named");
	tap_ok(nsv_names_lookup("a9", &cid, n) == 0 && cid == 9,
	       "nsv_names_lookup as a callback");
	nsv_names_free(n);
}

static int collect(uint32_t cid, const char *name, void *data)
{
	char *s = data;

	snprintf(s + strlen(s), 256 - strlen(s), "%u=%s ", cid, name);
	return 0;
}

static void test_each(void)
{
	struct nsv_names *n = NULL;
	char s[256] = "";

	nsv_names_new(&n);
	nsv_names_add(n, 9, "b9");
	nsv_names_add(n, 3, "c3");
	nsv_names_add(n, 9, "a9");
	tap_ok(nsv_names_each(n, collect, s) == 0, "nsv_names_each");
	tap_is_str(s, "9=b9 3=c3 9=a9 ", "... in the order added");
	nsv_names_free(n);
}

static char dir[64];

static const char *write_file(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

static void test_load(void)
{
	struct nsv_names *n = NULL;
	struct seen s = { .n = 0 };
	char good[128], bad[128];
	uint32_t cid;
	int r;

	snprintf(good, sizeof(good), "%s",
		 write_file("good.hosts", "3 web1\n"));
	r = nsv_names_load_file(&n, good, true, NULL, on_report, &s);
	tap_ok(r == 0 && n && s.n == 0 && !nsv_names_cid(n, "web1", &cid) &&
		       cid == 3,
	       "a good file, strictly");
	nsv_names_free(n);

	snprintf(bad, sizeof(bad), "%s",
		 write_file("bad.hosts", "3 web1\n4 host\n5 web5\n"));
	s.text[0] = '\0';
	s.n = 0;
	r = nsv_names_load_file(&n, bad, true, NULL, on_report, &s);
	tap_ok(r == -EINVAL && !n, "strictly, a bad line fails the load");
	tap_is_str(s.text,
		   "bad.hosts:2: 'host': a built-in CID name cannot be given "
		   "again\n",
		   "... and says where");
	s.text[0] = '\0';
	s.n = 0;
	r = nsv_names_load_file(&n, bad, false, NULL, on_report, &s);
	tap_ok(r == 0 && n && !nsv_names_cid(n, "web5", &cid) && cid == 5,
	       "else the line is skipped and the rest kept");
	tap_is_str(s.text,
		   "bad.hosts:2: 'host': a built-in CID name cannot be given "
		   "again (line ignored)\n",
		   "... with a warning");
	nsv_names_free(n);

	s.text[0] = '\0';
	s.n = 0;
	r = nsv_names_load_file(&n, "/nonexistent/vsock-hosts", false, NULL,
				on_report, &s);
	tap_ok(r == 0 && n && s.n == 0,
	       "a missing default file is no names, silently");
	nsv_names_free(n);
	r = nsv_names_load_file(&n, "/nonexistent/vsock-hosts", true, NULL,
				on_report, &s);
	tap_ok(r == -ENOENT && !n && strstr(s.text, "No such file"),
	       "a missing file named on purpose fails, and says so");
	s.text[0] = '\0';
	s.n = 0;
	r = nsv_names_load_file(&n, "", true, NULL, on_report, &s);
	tap_ok(r == 0 && n && s.n == 0 && !nsv_names_name(n, 3),
	       "an empty file name: no names at all");
	nsv_names_free(n);

	/* The variable pins the names to its file. */
	setenv(NSV_NAMES_ENV, good, 1);
	r = nsv_names_load(&n, "/proc", on_report, &s);
	tap_ok(r == 0 && !nsv_names_cid(n, "web1", &cid) && cid == 3,
	       NSV_NAMES_ENV " names the file");
	nsv_names_free(n);
	setenv(NSV_NAMES_ENV, bad, 1);
	r = nsv_names_load(&n, "/proc", NULL, NULL);
	tap_ok(r == -EINVAL, NSV_NAMES_ENV " files are read strictly");
	unsetenv(NSV_NAMES_ENV);
}

static void test_addr(void)
{
	struct nsv_names *n = NULL;
	struct nsv_addr a;

	nsv_names_new(&n);
	nsv_names_add(n, 7, "web7");
	tap_ok(nsv_addr_parse_with("web7:80", &a, nsv_names_lookup, n) == 0 &&
		       a.cid == 7 && a.port == 80,
	       "NAME:PORT");
	tap_ok(nsv_addr_parse_with("vsock-seqpacket:WEB7:1", &a,
				   nsv_names_lookup, n) == 0 &&
		       a.cid == 7 && a.type == NSV_SOCK_SEQPACKET,
	       "a prefix and a name in another case");
	tap_ok(nsv_addr_parse_with("3:80", &a, nsv_names_lookup, n) == 0 &&
		       a.cid == 3,
	       "numbers never reach the lookup");
	tap_is_int(nsv_addr_parse_with("web8:80", &a, nsv_names_lookup, n),
		   -ENOENT, "an unknown name is the lookup's -ENOENT");
	tap_is_int(nsv_addr_parse("web7:80", &a), -EINVAL,
		   "nsv_addr_parse() itself takes no names");
	tap_is_int(nsv_addr_parse_with("web7:x", &a, nsv_names_lookup, n),
		   -EINVAL, "a bad port is still -EINVAL");
	nsv_names_free(n);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test-names-XXXXXX");
	if (!mkdtemp(dir)) {
		tap_ok(0, "a temporary directory");
		return tap_done();
	}
	unsetenv(NSV_NAMES_ENV);
	test_check();
	test_parse();
	test_add();
	test_each();
	test_load();
	test_addr();
	unlink(write_file("good.hosts", ""));
	unlink(write_file("bad.hosts", ""));
	rmdir(dir);
	return tap_done();
}
