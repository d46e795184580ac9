// SPDX-License-Identifier: GPL-2.0-or-later
/* Runs every fuzz target over its seeds as a unit test, or writes the seeds out. */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

/*
 *   corpus                   every target over its seeds: one TAP result each
 *   corpus NAME...           only those targets
 *   corpus --list            the names, one a line
 *   corpus --export NAME DIR the seeds of NAME as files in DIR (for libFuzzer)
 *
 * Seed files are looked up under $abs_top_srcdir (else "."); besides a
 * target's own patterns, tests/fuzz/regress/NAME/ holds inputs that once
 * crashed it. Each target runs in a child: a crash is that target's "not ok",
 * naming the input it died on, and the others still run.
 */

#define MAX_TARGETS 64

static const struct nsv_fuzz_target *targets[MAX_TARGETS];
static size_t ntargets;
static const char *srcdir = ".";

const char *nsv_fuzz_srcdir(void)
{
	return srcdir;
}

void nsv_fuzz_register(const struct nsv_fuzz_target *t)
{
	if (ntargets < MAX_TARGETS)
		targets[ntargets++] = t;
}

/* What the child is doing, for the parent to name after a crash. */
struct progress {
	unsigned long files, made;
	char input[512];
};

struct walk {
	const struct nsv_fuzz_target *t;
	struct progress *pg;
	const char *export_dir; /* write seeds here instead of running them */
	unsigned long exported;
	int err;
};

static int feed(struct walk *w, const void *buf, size_t len)
{
	char path[4096];
	uint8_t *copy;
	FILE *f;

	if (w->export_dir) {
		snprintf(path, sizeof(path), "%s/seed-%05lu", w->export_dir,
			 w->exported++);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
			w->err = errno ? errno : EIO;
			return -1;
		}
		return 0;
	}
	/* an exact-size heap copy: reading one byte past it is caught */
	copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, buf, len);
	w->t->one(copy, len);
	free(copy);
	return 0;
}

static int emit_made(const void *buf, size_t len, void *ctx)
{
	struct walk *w = ctx;

	if (w->export_dir && w->exported >= 2000)
		return 1; /* libFuzzer finds its way from a few hundred */
	snprintf(w->pg->input, sizeof(w->pg->input), "made seed %lu",
		 w->pg->made);
	w->pg->made++;
	return feed(w, buf, len) < 0;
}

static int feed_file(struct walk *w, const char *path)
{
	struct stat st;
	uint8_t *buf;
	FILE *f;
	int r;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	f = fopen(path, "rb");
	if (!f)
		return -1;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf ||
	    fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	snprintf(w->pg->input, sizeof(w->pg->input), "%s",
		 path + strlen(srcdir) + 1);
	w->pg->files++;
	r = feed(w, buf, (size_t)st.st_size);
	free(buf);
	return r;
}

static int run_glob(struct walk *w, const char *pattern)
{
	char path[4096];
	glob_t g;
	size_t i;
	int r = 0;

	snprintf(path, sizeof(path), "%s/%s", srcdir, pattern);
	if (glob(path, 0, NULL, &g) != 0)
		return 0; /* no match: a seed directory may be empty */
	for (i = 0; i < g.gl_pathc && !r; i++)
		r = feed_file(w, g.gl_pathv[i]);
	globfree(&g);
	return r;
}

/* Every seed of @w->t: its files, the crash inputs kept, what it makes. */
static int walk_seeds(struct walk *w)
{
	const char *const *p;
	char regress[256];

	for (p = w->t->seeds; p && *p; p++)
		if (run_glob(w, *p) < 0)
			return -1;
	snprintf(regress, sizeof(regress), "tests/fuzz/regress/%s/*",
		 w->t->name);
	if (run_glob(w, regress) < 0)
		return -1;
	if (w->t->gen)
		w->t->gen(emit_made, w);
	return w->err ? -1 : 0;
}

static const struct nsv_fuzz_target *find(const char *name)
{
	size_t i;

	for (i = 0; i < ntargets; i++)
		if (!strcmp(targets[i]->name, name))
			return targets[i];
	return NULL;
}

static int run_one(const struct nsv_fuzz_target *t, int n)
{
	struct progress *pg;
	int status, ok;
	pid_t pid;

	pg = mmap(NULL, sizeof(*pg), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pg == MAP_FAILED)
		abort();
	memset(pg, 0, sizeof(*pg));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct walk w = { .t = t, .pg = pg };

		if (walk_seeds(&w) < 0) {
			snprintf(pg->input, sizeof(pg->input),
				 "cannot read seeds: %s", strerror(errno));
			_exit(3);
		}
		if (t->done && t->done(pg->input, sizeof(pg->input)) < 0)
			_exit(4);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (ok)
		printf("ok %d - fuzz target %s: %lu seed files and %lu made "
		       "inputs ran clean\n",
		       n, t->name, pg->files, pg->made);
	else if (WIFSIGNALED(status))
		printf("not ok %d - fuzz target %s: killed by signal %d on "
		       "%s\n",
		       n, t->name, WTERMSIG(status), pg->input);
	else if (WEXITSTATUS(status) == 3 || WEXITSTATUS(status) == 4)
		printf("not ok %d - fuzz target %s: %s\n", n, t->name,
		       pg->input);
	else
		printf("not ok %d - fuzz target %s: exit status %d on %s\n", n,
		       t->name, WEXITSTATUS(status), pg->input);
	munmap(pg, sizeof(*pg));
	return ok;
}

static int export(const char *name, const char *dir)
{
	const struct nsv_fuzz_target *t = find(name);
	struct progress pg = { 0 };
	struct walk w = { .t = t, .pg = &pg, .export_dir = dir };

	if (!t) {
		fprintf(stderr, "corpus: no fuzz target '%s'\n", name);
		return 2;
	}
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		fprintf(stderr, "corpus: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (walk_seeds(&w) < 0) {
		fprintf(stderr, "corpus: %s: %s\n", dir, strerror(w.err));
		return 1;
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct nsv_fuzz_target *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

int main(int argc, char **argv)
{
	int i, n = 0, failed = 0;
	size_t k;

	if (getenv("abs_top_srcdir"))
		srcdir = getenv("abs_top_srcdir");
	qsort(targets, ntargets, sizeof(targets[0]), by_name);
	if (argc == 4 && !strcmp(argv[1], "--export"))
		return export(argv[2], argv[3]);
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (k = 0; k < ntargets; k++)
			printf("%s\n", targets[k]->name);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if (!find(argv[i])) {
			fprintf(stderr, "corpus: no fuzz target '%s'\n",
				argv[i]);
			return 2;
		}
	}
	for (k = 0; k < ntargets; k++) {
		bool want = argc == 1;

		for (i = 1; i < argc && !want; i++)
			want = !strcmp(argv[i], targets[k]->name);
		if (want && !run_one(targets[k], ++n))
			failed++;
	}
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
