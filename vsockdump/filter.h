/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockdump: its filter words, the classic BPF compiler, the frame evaluator. */
#ifndef NSV_FILTER_H
#define NSV_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "filter-expr.h"

/* A classic BPF instruction, laid out as struct bpf_insn and sock_filter. */
struct nsv_bpf_insn {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

struct nsv_bpf_prog {
	unsigned int len;
	struct nsv_bpf_insn *insns;
};

/**
 * nsv_filter_parse - parse an expression in vsockdump's words
 * @expr: e.g. "port 1234 and (op rw or op shutdown)"
 * @cid: looks up CID names beyond the built-in ones (may be NULL)
 * @err: filled on -EINVAL
 *
 * Primitives: [src|dst] cid|host CID, [src|dst] port PORT, op NAME|N,
 * type stream|seqpacket|N, len CMP N (CMP one of > < >= <= = == !=),
 * flags rcv|send|eom|eor|N; combined with and/&&, or/||, not/!, ( ).
 * Returns 0, -EINVAL or -ENOMEM; nsv_fexpr_free() releases the result.
 */
int nsv_filter_parse(const char *expr, nsv_cid_lookup_fn cid, void *data,
		     struct nsv_fexpr **out, struct nsv_fexpr_error *err);

/**
 * nsv_filter_compile - compile to classic BPF over the vsockmon frame
 * @accept: what the program returns for a matching frame (a snap length)
 *
 * A NULL @f gives the one-instruction program that takes every frame.
 * Frames shorter than af_vsockmon_hdr never match; primitives on virtio
 * fields are false for frames of other transports. A field cut off by the
 * snap length rejects the frame, as in any cBPF program. Returns 0, -ENOMEM
 * or -E2BIG (more than 4096 instructions).
 */
int nsv_filter_compile(const struct nsv_fexpr *f, uint32_t accept,
		       struct nsv_bpf_prog *prog);
void nsv_bpf_prog_free(struct nsv_bpf_prog *prog);

/**
 * nsv_bpf_reach - how many bytes from a frame's start @prog can read
 *
 * Bytes past them cannot change its answer, so a source may keep them out
 * of memory while it filters. UINT32_MAX for a program that reads at an
 * offset it computes (BPF_IND, BPF_MSH): any byte may matter.
 */
uint32_t nsv_bpf_reach(const struct nsv_bpf_prog *prog);

/**
 * nsv_filter_match - evaluate the expression on a frame without BPF
 *
 * Gives the same answer as the compiled program (the reference the tests
 * compare it with).
 */
bool nsv_filter_match(const struct nsv_fexpr *f, const uint8_t *buf,
		      size_t caplen, size_t wirelen);

/**
 * nsv_bpf_dump - print a program as tcpdump -d (@level 1), -dd (2: C
 * initializers) or -ddd (3: decimal); 0 or -EIO
 */
int nsv_bpf_dump(FILE *out, const struct nsv_bpf_prog *prog, int level);

/**
 * nsv_filter_print_tcpdump - the same filter as a tcpdump expression
 *
 * Uses link[...] loads and len, which tcpdump accepts on DLT_VSOCK.
 */
int nsv_filter_print_tcpdump(FILE *out, const struct nsv_fexpr *f);

#endif /* NSV_FILTER_H */
