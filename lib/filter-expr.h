/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsvsock: the filter expressions of vsockdump and vsockstat: words, parser, tree. */
#ifndef NSV_FILTER_EXPR_H
#define NSV_FILTER_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/*
 * One language, two tools: both parse with nsv_fexpr_parse() and walk the
 * same tree; vsockdump compiles it to BPF over frames, vsockstat evaluates
 * it on sockets. A tool enables the words that mean something to it.
 */
enum nsv_fexpr_kind {
	NSV_FEXPR_AND,
	NSV_FEXPR_OR,
	NSV_FEXPR_NOT,
	NSV_FEXPR_PRIM,
};

enum nsv_fexpr_field {
	NSV_FEXPR_CID, /* a CID, of the end @dst says */
	NSV_FEXPR_PORT, /* a port, of the end @dst says, compared with @cmp */
	NSV_FEXPR_TYPE, /* the socket type, numbered as the tool's lookup says */
	NSV_FEXPR_OP, /* the virtio op */
	NSV_FEXPR_FLAGS, /* any of the virtio flags in @val */
	NSV_FEXPR_LEN, /* the virtio payload length, compared with @cmp */
	NSV_FEXPR_STATE, /* the socket state is one of the bitmap @val */
};

enum nsv_fexpr_cmp {
	NSV_FEXPR_EQ,
	NSV_FEXPR_NE,
	NSV_FEXPR_GT,
	NSV_FEXPR_GE,
	NSV_FEXPR_LT,
	NSV_FEXPR_LE,
};

struct nsv_fexpr_node {
	enum nsv_fexpr_kind kind;
	struct nsv_fexpr_node *a, *b; /* operands; NOT has only @a */
	enum nsv_fexpr_field field; /* NSV_FEXPR_PRIM: what is compared */
	int dst; /* CID, PORT: 0 the source (local) end, 1 the destination (peer) */
	enum nsv_fexpr_cmp cmp; /* PORT, LEN; EQ for the others */
	uint32_t val;
};

struct nsv_fexpr; /* a parsed expression: its tree and the memory behind it */

/* Why and where an expression was refused. */
struct nsv_fexpr_error {
	size_t off; /* byte offset of the offending word in the expression */
	size_t len; /* its length; 0 at the end of the expression */
	char msg[200];
};

/* The words a tool takes, beside and/&&, or/||, not/! and parentheses. */
#define NSV_FEXPR_W_CID 0x01 /* [src|dst] cid|host CID */
#define NSV_FEXPR_W_PORT 0x02 /* [src|dst] port PORT */
#define NSV_FEXPR_W_TYPE 0x04 /* type NAME|N */
#define NSV_FEXPR_W_OP 0x08 /* op NAME|N */
#define NSV_FEXPR_W_FLAGS 0x10 /* flags NAME|MASK */
#define NSV_FEXPR_W_LEN 0x20 /* len CMP N */
/* ss's: sport|dport [CMP] PORT, src|dst [=] CID[:PORT], state NAME */
#define NSV_FEXPR_W_SS 0x40

/* A lookup: 0 and *@val for @word, or -ENOENT when it names nothing. */
typedef int (*nsv_fexpr_lookup_fn)(const char *word, uint32_t *val, void *data);

/* What one tool's expressions may say, and how its names are looked up. */
struct nsv_fexpr_lang {
	unsigned int words; /* NSV_FEXPR_W_* */
	/* The message for a word that starts no primitive. */
	const char *expected;
	/* type: the tool's type names and numbers; @type_names for messages */
	nsv_fexpr_lookup_fn type;
	const char *type_names;
	/* state (NSV_FEXPR_W_SS): a state name to a bitmap of 1 << state */
	nsv_fexpr_lookup_fn state;
	/* CID names beyond nsv_cid_parse()'s (may be NULL), with @cid_data */
	nsv_cid_lookup_fn cid;
	void *cid_data;
};

/**
 * nsv_fexpr_parse - parse a filter expression in the words of @lang
 * @err: filled on -EINVAL (may be NULL)
 *
 * "and" and "or" bind equally and group from the left, as in tcpdump and
 * ss: "a or b and c" is "(a or b) and c". Returns 0, -EINVAL or -ENOMEM.
 */
int nsv_fexpr_parse(const char *expr, const struct nsv_fexpr_lang *lang,
		    struct nsv_fexpr **out, struct nsv_fexpr_error *err);

/** nsv_fexpr_root - the top of the tree; NULL for a NULL expression */
const struct nsv_fexpr_node *nsv_fexpr_root(const struct nsv_fexpr *e);

/** nsv_fexpr_free - release an expression (NULL is fine) */
void nsv_fexpr_free(struct nsv_fexpr *e);

/**
 * nsv_fexpr_join - join words into one expression, as tcpdump and ss do
 *
 * Returns a malloc'ed string ("" for no words) or NULL.
 */
char *nsv_fexpr_join(int argc, char *const *argv);

/**
 * nsv_fexpr_read_file - an expression from a file, as tcpdump -F reads it
 * @path: the file, or "-" for standard input
 *
 * '#' starts a comment to the end of its line; line ends and tabs become
 * blanks, so that error offsets still point into the text, and the blanks
 * at the end go. Returns a malloc'ed string, or NULL with errno set
 * (EFBIG: more than 1 MiB).
 */
char *nsv_fexpr_read_file(const char *path);

/**
 * nsv_fexpr_cmp_apply - whether @a CMP @b holds
 */
bool nsv_fexpr_cmp_apply(enum nsv_fexpr_cmp cmp, uint32_t a, uint32_t b);

#endif /* NSV_FILTER_EXPR_H */
