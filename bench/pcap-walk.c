// SPDX-License-Identifier: GPL-2.0-or-later
/* The floor of reading a pcap: its records followed, nothing decoded. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcapio.h"

/*
 * Usage: pcap-walk FILE.pcap
 *
 * Prints how many records FILE holds, found the way every reader of a pcap
 * must find them: a record's place is known only from the caplen of the
 * one before it. Each 16-byte record header is read and nothing else, with
 * the tricks of vsockdump -r's own reader (the file mapped, the next
 * header prefetched, a page ahead touched, the pages behind dropped), so
 * that bench/vsockdump.sh can say how much of vsockdump -r's time is this
 * walk: the part that no decoder or printer can make faster. Only files in
 * this machine's byte order (as bench/vsockdump-gen writes them).
 */

int main(int argc, char **argv)
{
	size_t len, off = 24, dropped = 0, pg;
	unsigned long long n = 0;
	const uint8_t *m;
	struct stat st;
	uint32_t magic;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap-walk FILE.pcap\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "pcap-walk: %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 24) {
		fprintf(stderr, "pcap-walk: %s: not a pcap file\n", argv[1]);
		return 1;
	}
	len = (size_t)st.st_size;
	m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		fprintf(stderr, "pcap-walk: %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	memcpy(&magic, m, sizeof(magic));
	if (magic != NSV_PCAP_MAGIC_USEC && magic != NSV_PCAP_MAGIC_NSEC) {
		fprintf(stderr,
			"pcap-walk: %s: not a pcap file in this byte order\n",
			argv[1]);
		return 1;
	}
	pg = (size_t)sysconf(_SC_PAGESIZE);
	while (len - off >= 16) {
		uint32_t caplen;

		memcpy(&caplen, m + off + 8, sizeof(caplen));
		if (len - off - 16 < caplen) {
			fprintf(stderr,
				"pcap-walk: %s: truncated at byte %zu\n",
				argv[1], off);
			return 1;
		}
		__builtin_prefetch(m + off + 16 + caplen);
		if (len - off > NSV_PCAP_PAGE_AHEAD)
			__builtin_prefetch(m + off + NSV_PCAP_PAGE_AHEAD);
		if (off - dropped > NSV_PCAP_MAP_WINDOW) {
			size_t to = off / pg * pg;

			madvise((void *)(m + dropped), to - dropped,
				MADV_DONTNEED);
			dropped = to;
		}
		off += 16 + (size_t)caplen;
		n++;
	}
	if (off != len) {
		fprintf(stderr,
			"pcap-walk: %s: %zu bytes after the last record\n",
			argv[1], len - off);
		return 1;
	}
	printf("%llu\n", n);
	return 0;
}
