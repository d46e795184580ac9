// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: reading a namespace's vsock mode from sysctl trees made here. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nsmode.h"
#include "tap.h"

static void test_parse(void)
{
	static const struct {
		const char *in;
		size_t n; /* 0: strlen(in) */
		int want; /* length, or -errno */
		const char *out;
	} cases[] = {
		{ "global\n", 0, 6, "global" },
		{ "local\n", 0, 5, "local" },
		{ "local", 0, 5, "local" },
		{ "nested-2_x\n", 0, 10, "nested-2_x" },
		{ "local\n\n", 0, -EINVAL, "" },
		{ "\n", 0, -EINVAL, "" },
		{ "", 0, -EINVAL, "" },
		{ " local\n", 0, -EINVAL, "" },
		{ "local \n", 0, -EINVAL, "" },
		{ "Local\n", 0, -EINVAL, "" },
		{ "glo\tbal\n", 0, -EINVAL, "" },
		{ "loc\0al\n", 7, -EINVAL, "" },
		{ "\033[31mlocal\n", 0, -EINVAL, "" },
		/* 15 letters fit the 16 bytes, 16 do not */
		{ "abcdefghijklmno\n", 0, 15, "abcdefghijklmno" },
		{ "abcdefghijklmnop\n", 0, -ENAMETOOLONG, "" },
	};
	char out[NSV_NSMODE_LEN];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = cases[i].n ? cases[i].n : strlen(cases[i].in);
		int r;

		memset(out, 'x', sizeof(out));
		r = nsv_nsmode_parse(cases[i].in, n, out, sizeof(out));
		tap_ok(r == cases[i].want && !strcmp(out, cases[i].out),
		       "parse case %zu: %d '%s' (want %d '%s')", i, r, out,
		       cases[i].want, cases[i].out);
	}
	/* a word exactly as long as the buffer leaves no room for the NUL */
	tap_ok(nsv_nsmode_parse("local", 5, out, 5) == -ENAMETOOLONG &&
		       !out[0] && nsv_nsmode_parse("local", 5, out, 6) == 5,
	       "parse: the NUL needs a byte of its own");
	tap_ok(nsv_nsmode_parse("local", 5, NULL, 6) == -EINVAL &&
		       nsv_nsmode_parse(NULL, 0, out, sizeof(out)) == -EINVAL &&
		       !out[0],
	       "parse: NULL text or buffer is -EINVAL");
}

static char root[] = "/tmp/nsv-nsmode.XXXXXX";

/* put FILE TEXT: FILE under the root, with TEXT (NULL: a directory). */
static void put(const char *file, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, file);
	if (!text) {
		mkdir(path, 0755);
		return;
	}
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static void clean(void)
{
	static const char *const files[] = {
		"vsock/ns_mode",
		"vsock/child_ns_mode",
		"vsock",
		"nsvsock/ns_mode",
		"nsvsock/child_ns_mode",
		"nsvsock/cid",
		"nsvsock/domain",
		"nsvsock",
	};
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, files[i]);
		if (unlink(path) && errno == EISDIR)
			rmdir(path);
	}
}

static int mode_is(const struct nsv_nsmode *m, enum nsv_nsmode_src src,
		   const char *mode, const char *child)
{
	if (m->src == src && !strcmp(m->mode, mode) && !strcmp(m->child, child))
		return 1;
	tap_diag("got src %d mode '%s' child '%s'", m->src, m->mode, m->child);
	return 0;
}

static void test_read(void)
{
	struct nsv_nsmode m;
	char path[256];
	int r;

	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(1);
	}

	memset(&m, 'x', sizeof(m));
	r = nsv_nsmode_read(root, &m);
	tap_ok(r == 0 && mode_is(&m, NSV_NSMODE_NONE, "", ""),
	       "no source (6.x without the module): 0, all empty");
	put("nsvsock", NULL);
	r = nsv_nsmode_read(root, &m);
	tap_ok(r == 0 && mode_is(&m, NSV_NSMODE_NONE, "", ""),
	       "an empty directory is no source");

	put("nsvsock/ns_mode", "local\n");
	put("nsvsock/child_ns_mode", "local\n");
	r = nsv_nsmode_read(root, &m);
	tap_ok(r == 0 && mode_is(&m, NSV_NSMODE_MODULE, "local", "local"),
	       "the module's directory: local, child local");
	tap_ok(nsv_nsmode_is_local(&m), "... which is local");
	tap_ok(m.cid == 0 && m.domain == 0,
	       "a module without CID domains: cid and domain 0");
	put("nsvsock/cid", "10\n");
	put("nsvsock/domain", "4294967295\n");
	r = nsv_nsmode_read(root, &m);
	tap_ok(r == 0 && m.cid == 10 && m.domain == 4294967295u,
	       "the module's cid (10) and domain (2^32-1)");
	put("nsvsock/cid", "10x\n");
	put("nsvsock/domain", "4294967296\n");
	r = nsv_nsmode_read(root, &m);
	tap_ok(r == 0 && m.cid == 0 && m.domain == 0 &&
		       mode_is(&m, NSV_NSMODE_MODULE, "local", "local"),
	       "a cid or domain that is no u32 reads as none, the mode still");
	put("nsvsock/cid", "11\n");

	put("vsock", NULL);
	put("vsock/ns_mode", "global\n");
	put("vsock/child_ns_mode", "local\n");
	r = nsv_nsmode_read(root, &m);
	tap_ok(r == 0 && mode_is(&m, NSV_NSMODE_KERNEL, "global", "local") &&
		       m.cid == 0,
	       "the kernel's directory wins over the module's (no cid)");
	tap_ok(!nsv_nsmode_is_local(&m), "... and global is not local");
	tap_ok(!strcmp(nsv_nsmode_src_name(m.src), "vsock") &&
		       !strcmp(nsv_nsmode_src_name(NSV_NSMODE_MODULE),
			       "nsvsock") &&
		       !nsv_nsmode_src_name(NSV_NSMODE_NONE),
	       "source names are the sysctl directories");

	snprintf(path, sizeof(path), "%s/vsock/child_ns_mode", root);
	unlink(path);
	r = nsv_nsmode_read(root, &m);
	tap_ok(r == 0 && mode_is(&m, NSV_NSMODE_KERNEL, "global", ""),
	       "no child_ns_mode: the mode alone");

	put("vsock/ns_mode", "\033]0;x\a\n");
	r = nsv_nsmode_read(root, &m);
	tap_ok(r == -EINVAL && mode_is(&m, NSV_NSMODE_KERNEL, "", ""),
	       "garbage in ns_mode: -EINVAL, the source named, no mode");
	tap_ok(!nsv_nsmode_is_local(&m), "... and not local");

	put("vsock/ns_mode",
	    "localllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"
	    "llll\n");
	r = nsv_nsmode_read(root, &m);
	tap_ok(r == -ENAMETOOLONG && !m.mode[0],
	       "a word longer than any read: -ENAMETOOLONG");

	snprintf(path, sizeof(path), "%s/vsock/ns_mode", root);
	unlink(path);
	put("vsock/ns_mode", NULL);
	r = nsv_nsmode_read(root, &m);
	tap_ok(r == -EISDIR && m.src == NSV_NSMODE_KERNEL,
	       "an ns_mode that cannot be read: its -errno (%d)", r);

	memset(&m, 'x', sizeof(m));
	snprintf(path, sizeof(path), "%s/file", root);
	put("file", "x");
	r = nsv_nsmode_read(path, &m);
	tap_ok(r == 0 && mode_is(&m, NSV_NSMODE_NONE, "", ""),
	       "a root that is a file: no source");
	unlink(path);
	tap_ok(nsv_nsmode_read(root, NULL) == -EINVAL, "NULL mode: -EINVAL");

	snprintf(path, sizeof(path), "%s/vsock/ns_mode", root);
	rmdir(path);
	clean();
	if (rmdir(root))
		tap_diag("%s left behind: %s", root, strerror(errno));
}

int main(void)
{
	test_parse();
	test_read();
	return tap_done();
}
