// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: the /proc and /sys texts the tools read, and netns names. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "fuzz.h"
#include "netns.h"
#include "nsmode.h"
#include "vsockdump/capture.h"
#include "vsockstat/proc.h"
#include "vsockstat/socktab.h"

/*
 * The input is what one of these files or names could hold; each parser
 * gets it: a /proc/PID/fd link ("socket:[INODE]"), a /proc entry name,
 * /proc/sys/net/vsock/ns_mode, /proc/PID/stat (vsockdump's start time of a
 * device's creator), a vsockmon device's alias, and a -N namespace spec.
 * Promises: results only on success, and what a formatter writes its
 * parser reads back the same.
 */

static char *str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static void alias(const char *s)
{
	struct nsv_monitor_owner o = { -1, 7, 7 }, back;
	char buf[128];

	if (nsv_monitor_alias_parse(s, &o) < 0) {
		NSV_FUZZ_CHECK(o.pid == -1 && o.start == 7 && o.pidns == 7);
		return;
	}
	NSV_FUZZ_CHECK(o.pid > 0);
	NSV_FUZZ_CHECK(nsv_monitor_alias_format(&o, buf, sizeof(buf)) > 0);
	/* one spelling per owner: what parses is what we write */
	NSV_FUZZ_CHECK(!strcmp(buf, s));
	NSV_FUZZ_CHECK(nsv_monitor_alias_parse(buf, &back) == 0);
	NSV_FUZZ_CHECK(back.pid == o.pid && back.start == o.start &&
		       back.pidns == o.pidns);
}

static void netns_spec(const char *s)
{
	char path[PATH_MAX], small[16];
	int r;

	r = nsv_netns_path(s, path, sizeof(path));
	NSV_FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENAMETOOLONG);
	if (r == 0)
		NSV_FUZZ_CHECK(
			strlen(path) < sizeof(path) &&
			(strchr(s, '/') ? !strcmp(path, s) : path[0] == '/'));
	r = nsv_netns_path(s, small, sizeof(small));
	NSV_FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENAMETOOLONG);
}

static int one(const uint8_t *data, size_t size)
{
	const char *t = (const char *)data;
	uint64_t v = 42;
	char mode[16];
	int pid = -1;
	char *s;

	if (nsv_proc_socket_ino(t, size, &v) < 0)
		NSV_FUZZ_CHECK(v == 42);
	else
		NSV_FUZZ_CHECK(size >= 10 && t[size - 1] == ']');
	v = 42;
	if (nsv_pid_start_parse(t, size, &v) < 0)
		NSV_FUZZ_CHECK(v == 42);
	if (nsv_nsmode_parse(t, size, mode, sizeof(mode)) > 0)
		NSV_FUZZ_CHECK(mode[0] && strlen(mode) < sizeof(mode) &&
			       !memcmp(mode, t, strlen(mode)));
	else
		NSV_FUZZ_CHECK(mode[0] == '\0');

	s = str(data, size);
	if (nsv_proc_pid_parse(s, &pid) == 0)
		NSV_FUZZ_CHECK(pid >= 0);
	else
		NSV_FUZZ_CHECK(pid == -1);
	alias(s);
	netns_spec(s);
	free(s);
	return 0;
}

static const char *const texts[] = {
	"socket:[12345]",
	"socket:[]",
	"socket:[18446744073709551615]",
	"socket:[18446744073709551616]",
	"pipe:[4026]",
	"anon_inode:[eventfd]",
	"1234",
	"2147483648",
	"global\n",
	"local\n",
	"GLOBAL\n",
	"",
	"1234 (vsockdump) S 1 1234 1234 0 -1 4194560 120 0 0 0 0 0 0 0 20 0 "
	"1 0 5678 9000000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 "
	"17 0 0 0 0 0 0\n",
	"77 (a) b) (c) R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
	"18446744073709551615 1\n",
	"9 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 18446744073709551616\n",
	"vsockdump pid=123 start=4567 pidns=4026531836",
	"vsockdump pid=0 start=1 pidns=1",
	"vsockdump pid=2147483648 start=1 pidns=1",
	"vsockdump pid=01 start=1 pidns=1",
	"vsockdump pid=1 start=1 pidns=1 ",
	"vsockdump pid=1 start=18446744073709551615 pidns=18446744073709551615",
	"blue",
	"1234",
	"/proc/1/ns/net",
	"..",
	".",
	NULL,
};

static void gen(nsv_fuzz_emit emit, void *ctx)
{
	nsv_fuzz_emit_strings(emit, ctx, texts);
}

static const struct nsv_fuzz_target target = {
	.name = "proc",
	.one = one,
	.gen = gen,
};
NSV_FUZZ_TARGET(target)
