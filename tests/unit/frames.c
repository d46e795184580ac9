// SPDX-License-Identifier: GPL-2.0-or-later
/* Tests: vsockmon frames laid out through the library's encoder. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "proto.h"

size_t test_frame_build(uint8_t *buf, size_t size, const struct test_frame *t,
			const void *payload, size_t plen)
{
	struct nsv_frame f = {
		.src_cid = t->scid,
		.dst_cid = t->dcid,
		.src_port = t->sport,
		.dst_port = t->dport,
		.op = (uint16_t)nsv_mon_op_of(t->op),
		.transport = t->transport,
		.thdr_len = t->thdr_len,
		.has_virtio = t->transport == NSV_TRANSPORT_VIRTIO &&
			      t->thdr_len >= NSV_VIRTIO_HDR_LEN,
		.virtio = {
			.src_cid = t->scid,
			.dst_cid = t->dcid,
			.src_port = t->sport,
			.dst_port = t->dport,
			.len = t->len,
			.type = t->type,
			.op = t->op,
			.flags = t->flags,
			.buf_alloc = t->buf_alloc,
			.fwd_cnt = t->fwd_cnt,
		},
	};
	size_t n = NSV_MON_HDR_LEN + t->thdr_len + plen;
	int hdrs;

	if (n > size)
		abort();
	memset(buf, f.has_virtio ? 0 : TEST_FRAME_FILL,
	       NSV_MON_HDR_LEN + t->thdr_len);
	hdrs = nsv_frame_encode(&f, buf, size);
	if (hdrs < 0)
		abort();
	if (plen)
		memcpy(buf + NSV_MON_HDR_LEN + t->thdr_len, payload, plen);
	return n;
}
