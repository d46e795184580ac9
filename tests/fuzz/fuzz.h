/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz targets: one entry point per parser of outside bytes, two ways to run it. */
#ifndef NSV_FUZZ_H
#define NSV_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * A target is tests/fuzz/NAME.c: a function that takes any bytes, feeds
 * them to a parser and checks what it can about the result (aborting on a
 * broken promise), with the seeds to start from. Built with clang and
 * libFuzzer (make fuzz, -DNSV_LIBFUZZER) the function is the binary's
 * LLVMFuzzerTestOneInput; in the unit build (make check) tests/fuzz/corpus.c
 * runs every target over its seeds, each in a child, one TAP result each.
 */

/* Called for each seed a target makes; a non-zero return asks for no more. */
typedef int (*nsv_fuzz_emit)(const void *buf, size_t len, void *ctx);

struct nsv_fuzz_target {
	const char *name;
	/* one input; never fails but by aborting */
	int (*one)(const uint8_t *data, size_t size);
	/* seed files: glob patterns relative to the source tree (NULL ends) */
	const char *const *seeds;
	/* seeds made here (and inputs that once crashed, as fixed bytes) */
	void (*gen)(nsv_fuzz_emit emit, void *ctx);
	/* after every seed ran: 0, or -1 with why in @msg (may be NULL) */
	int (*done)(char *msg, size_t len);
};

/* A promise the code under test broke: say which, then crash. */
#define NSV_FUZZ_CHECK(cond)                                              \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "%s:%d: fuzz check failed: %s\n", \
				__FILE__, __LINE__, #cond);               \
			abort();                                          \
		}                                                         \
	} while (0)

#ifdef NSV_LIBFUZZER
#define NSV_FUZZ_TARGET(t)                                            \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)  \
	{                                                             \
		return (t).one(data, size);                           \
	}
#else
void nsv_fuzz_register(const struct nsv_fuzz_target *t);
#define NSV_FUZZ_TARGET(t)                                                  \
	__attribute__((constructor)) static void nsv_fuzz_register_me(void) \
	{                                                                   \
		nsv_fuzz_register(&(t));                                    \
	}
#endif

/* The source tree, where seed files are ($abs_top_srcdir, else "."). */
#ifdef NSV_LIBFUZZER
static inline const char *nsv_fuzz_srcdir(void)
{
	return ".";
}
#else
const char *nsv_fuzz_srcdir(void);
#endif

/* Emit each string of a NULL-terminated list as one seed (without NUL). */
static inline int nsv_fuzz_emit_strings(nsv_fuzz_emit emit, void *ctx,
					const char *const *list)
{
	for (; *list; list++)
		if (emit(*list, __builtin_strlen(*list), ctx))
			return 1;
	return 0;
}

#endif /* NSV_FUZZ_H */
