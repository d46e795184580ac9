// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: who made a vsockmon device (its alias) and whether it is gone. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "vsockdump/capture.h"

static void stat_texts(void)
{
	static const struct {
		const char *text;
		int r;
		uint64_t start;
	} t[] = {
		{ "1 (init) S 0 1 1 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 42 "
		  "100 200\n",
		  0, 42 },
		/* a command name with blanks and parentheses */
		{ "77 (a) b) (c) R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
		  "18446744073709551615 1\n",
		  0, 18446744073709551615ULL },
		/* no ')' at all, a field short, a number too big, a sign */
		{ "77 a R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5\n", -EINVAL,
		  0 },
		{ "77 (x) R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0\n", -EINVAL,
		  0 },
		{ "77 (x) R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
		  "18446744073709551616\n",
		  -EINVAL, 0 },
		{ "77 (x) R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -5\n",
		  -EINVAL, 0 },
		{ "", -EINVAL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t v = 7;
		int r = nsv_pid_start_parse(t[i].text, strlen(t[i].text), &v);

		tap_ok(r == t[i].r && (r < 0 ? v == 7 : v == t[i].start),
		       "/proc/PID/stat text %zu: %d, start %llu", i, r,
		       (unsigned long long)v);
	}
}

static void aliases(void)
{
	static const char *const bad[] = {
		"",
		"vsockdump",
		"vsockdump pid=0 start=1 pidns=1",
		"vsockdump pid=01 start=1 pidns=1",
		"vsockdump pid=1 start=1 pidns=1 ",
		"vsockdump pid=-1 start=1 pidns=1",
		"vsockdump pid=2147483648 start=1 pidns=1",
		"vsockdump  pid=1 start=1 pidns=1",
		"tcpdump pid=1 start=1 pidns=1",
	};
	struct nsv_monitor_owner o = { 4194304, 18446744073709551615ULL,
				       4026531836ULL },
				 back;
	char buf[128];
	size_t i;

	tap_ok(nsv_monitor_alias_format(&o, buf, sizeof(buf)) > 0 &&
		       !strcmp(buf, "vsockdump pid=4194304 "
				    "start=18446744073709551615 "
				    "pidns=4026531836"),
	       "an alias names pid, start time and pid namespace: '%s'", buf);
	tap_ok(nsv_monitor_alias_parse(buf, &back) == 0 && back.pid == o.pid &&
		       back.start == o.start && back.pidns == o.pidns,
	       "... and reads back the same");
	tap_is_int(nsv_monitor_alias_format(&o, buf, 20), -ENOSPC,
		   "an alias that does not fit is -ENOSPC");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		tap_is_int(nsv_monitor_alias_parse(bad[i], &back), -EINVAL,
			   "'%s' is not one of our aliases", bad[i]);
	tap_is_int(nsv_monitor_alias_parse(NULL, &back), -EINVAL,
		   "a device without an alias is not ours");
}

static void owners(void)
{
	struct nsv_monitor_owner me, o;
	int status;
	pid_t pid;

	tap_is_int(nsv_monitor_owner_self(&me), 0, "who we are");
	tap_ok(me.pid == (int)getpid() && me.start > 0 && me.pidns > 0,
	       "... pid %d, started at tick %llu, pid namespace %llu", me.pid,
	       (unsigned long long)me.start, (unsigned long long)me.pidns);
	tap_is_int(nsv_monitor_owner_gone(&me), 0, "we are not gone");
	o = me;
	o.start++;
	tap_is_int(nsv_monitor_owner_gone(&o), 1,
		   "our pid with another start time: that creator is gone");
	o = me;
	o.pidns++;
	tap_is_int(nsv_monitor_owner_gone(&o), -EXDEV,
		   "another pid namespace's creator: cannot tell");
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, &status, 0);
	o = me;
	o.pid = (int)pid;
	tap_is_int(nsv_monitor_owner_gone(&o), 1,
		   "a pid that exited: its creator is gone");
}

int main(void)
{
	stat_texts();
	aliases();
	owners();
	return tap_done();
}
