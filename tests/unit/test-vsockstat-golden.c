// SPDX-License-Identifier: GPL-2.0-or-later
/* Golden tests: vsockstat --replay of recorded sock_diag dumps against expected output. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

/*
 * tests/golden/vsockstat/cases: "NAME RECORDING [OPTIONS...]" a line; each
 * runs `vsockstat --replay RECORDING OPTIONS` in that directory (so messages
 * name the file as given) and compares stdout, then "--- stderr" and its
 * text, then "--- exit N" when N is not 0, with NAME.out. --regen writes
 * NAME.out instead. Every case replays a recording: no kernel is asked.
 * CID names come from NSV_VSOCK_HOSTS=/dev/null, so that neither
 * /etc/vsock-hosts nor the VMs of the machine running the test show; a first
 * option "@hosts=FILE" names another file.
 */

#define MAX_ARGS 32

static char *slurp(const char *path, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	ssize_t m;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !b) {
		free(b);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((m = read(fd, b + n, cap - n - 1)) > 0) {
		n += (size_t)m;
		if (n + 1 == cap) {
			char *nb = realloc(b, cap *= 2);

			if (!nb) {
				free(b);
				close(fd);
				return NULL;
			}
			b = nb;
		}
	}
	close(fd);
	b[n] = '\0';
	if (len)
		*len = n;
	return b;
}

/* Runs the tool; returns what NAME.out must hold (malloc'ed) or NULL. */
static char *run(const char *prog, const char *dir, char **argv,
		 const char *hosts)
{
	char out_path[] = "/tmp/vsockstat-golden-XXXXXX";
	char err_path[] = "/tmp/vsockstat-golden-XXXXXX";
	char *o = NULL, *e = NULL, *res = NULL;
	int fo, fe, status;
	size_t lo, le;
	pid_t pid;

	fo = mkstemp(out_path);
	fe = mkstemp(err_path);
	if (fo < 0 || fe < 0)
		return NULL;
	pid = fork();
	if (pid == 0) {
		dup2(fo, 1);
		dup2(fe, 2);
		if (chdir(dir) < 0 || setenv("NSV_VSOCK_HOSTS", hosts, 1) < 0)
			_exit(126);
		execv(prog, argv);
		_exit(127);
	}
	close(fo);
	close(fe);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		goto out;
	o = slurp(out_path, &lo);
	e = slurp(err_path, &le);
	if (!o || !e)
		goto out;
	res = malloc(lo + le + 64);
	if (!res)
		goto out;
	memcpy(res, o, lo);
	res[lo] = '\0';
	if (le)
		sprintf(res + strlen(res), "--- stderr\n%s", e);
	if (!WIFEXITED(status))
		sprintf(res + strlen(res), "--- signal %d\n", WTERMSIG(status));
	else if (WEXITSTATUS(status))
		sprintf(res + strlen(res), "--- exit %d\n",
			WEXITSTATUS(status));
out:
	unlink(out_path);
	unlink(err_path);
	free(o);
	free(e);
	return res;
}

int main(int argc, char **argv)
{
	const char *src = getenv("abs_top_srcdir");
	const char *build = getenv("abs_top_builddir");
	bool regen = argc > 1 && !strcmp(argv[1], "--regen");
	char dir[4096], prog[4096], path[4200];
	char *cases, *line, *save = NULL;
	int ncases = 0;

	snprintf(dir, sizeof(dir), "%s/tests/golden/vsockstat",
		 src ? src : ".");
	snprintf(prog, sizeof(prog), "%s/vsockstat/vsockstat",
		 build ? build : ".");
	snprintf(path, sizeof(path), "%s/cases", dir);
	cases = slurp(path, NULL);
	if (!cases) {
		tap_ok(0, "read %s", path);
		return tap_done();
	}
	for (line = strtok_r(cases, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *args[MAX_ARGS + 4], *tok, *s2 = NULL, *name, *got, *want;
		const char *hosts = "/dev/null";
		char desc[512];
		int n = 0, k;

		if (line[0] == '#' || !line[strspn(line, " \t")])
			continue;
		name = strtok_r(line, " \t", &s2);
		args[n++] = "vsockstat";
		args[n++] = "--replay";
		while ((tok = strtok_r(NULL, " \t", &s2)) && n < MAX_ARGS) {
			if (!strncmp(tok, "@hosts=", 7))
				hosts = tok + 7;
			else
				args[n++] = tok;
		}
		args[n] = NULL;
		if (n < 3) {
			tap_ok(0, "%s: a case needs a recording", name);
			continue;
		}
		ncases++;
		got = run(prog, dir, args, hosts);
		snprintf(path, sizeof(path), "%s/%s.out", dir, name);
		if (regen) {
			FILE *f = got ? fopen(path, "w") : NULL;

			tap_ok(f && fputs(got, f) >= 0 && fclose(f) == 0,
			       "wrote %s.out", name);
			free(got);
			continue;
		}
		want = slurp(path, NULL);
		desc[0] = '\0';
		for (k = 1; k < n; k++)
			snprintf(desc + strlen(desc),
				 sizeof(desc) - strlen(desc), " %s", args[k]);
		if (!tap_ok(got && want && !strcmp(got, want),
			    "%s: vsockstat%s", name, desc)) {
			tap_diag("got:\n%s",
				 got ? got : "(nothing: could not run)");
			tap_diag("want (%s):\n%s", path,
				 want ? want : "(missing)");
		}
		free(got);
		free(want);
	}
	tap_ok(ncases >= 20, "%d golden cases", ncases);
	free(cases);
	return tap_done();
}
