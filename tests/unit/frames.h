/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests: the one builder of vsockmon frames every test lays out by hand. */
#ifndef NSV_TEST_FRAMES_H
#define NSV_TEST_FRAMES_H

#include <stddef.h>
#include <stdint.h>

/*
 * A frame as the tests describe it. The addresses go into both headers;
 * the vsockmon op is what the kernel reports for @op (nsv_mon_op_of).
 * Positional initializers follow this order.
 */
struct test_frame {
	uint64_t scid, dcid;
	uint32_t sport, dport;
	uint16_t transport; /* NSV_TRANSPORT_* */
	uint16_t thdr_len; /* the transport header's declared length */
	uint16_t type, op; /* virtio */
	uint32_t len, flags, buf_alloc, fwd_cnt;
};

/* The bytes of a transport header that is not virtio's. */
#define TEST_FRAME_FILL 0xa5

/*
 * test_frame_build - lay out @t at @buf as a vsockmon device delivers it
 *
 * The transport header is struct virtio_vsock_hdr when @t->transport is
 * VIRTIO and @t->thdr_len has room for it (zeros after it), otherwise
 * @t->thdr_len bytes of TEST_FRAME_FILL; @plen bytes of @payload follow.
 * Returns the frame's length; aborts when @size is too small, which is the
 * test's own mistake.
 */
size_t test_frame_build(uint8_t *buf, size_t size, const struct test_frame *t,
			const void *payload, size_t plen);

#endif /* NSV_TEST_FRAMES_H */
