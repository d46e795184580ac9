/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsvsock: decimal numbers without printf, for the tools' hot printers. */
#ifndef NSV_DIGITS_H
#define NSV_DIGITS_H

#include <stdint.h>
#include <string.h>

/* The longest nsv_utoa() writes: UINT64_MAX has 20 digits. */
#define NSV_UTOA_MAX 20

/* "00" to "99": two digits a step halve the divisions. */
static const char nsv_digits2[200] = "0001020304050607080910111213141516171819"
				     "2021222324252627282930313233343536373839"
				     "4041424344454647484950515253545556575859"
				     "6061626364656667686970717273747576777879"
				     "8081828384858687888990919293949596979899";

/* How many decimal digits @v has. */
static inline unsigned int nsv_dec_digits(uint64_t v)
{
	unsigned int n = 1;

	for (;;) {
		if (v < 10)
			return n;
		if (v < 100)
			return n + 1;
		if (v < 1000)
			return n + 2;
		if (v < 10000)
			return n + 3;
		v /= 10000;
		n += 4;
	}
}

/*
 * @v in decimal at @s, which has room for NSV_UTOA_MAX bytes; no NUL.
 * Returns how many bytes it wrote. In place, from the last digit back.
 */
static inline unsigned int nsv_utoa(char *s, uint64_t v)
{
	unsigned int n = nsv_dec_digits(v);
	char *e = s + n;

	while (v >= 100) {
		e -= 2;
		memcpy(e, nsv_digits2 + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10)
		memcpy(e - 2, nsv_digits2 + 2 * v, 2);
	else
		e[-1] = (char)('0' + v);
	return n;
}

/* @v modulo 10^@w in exactly @w digits, zero-padded. */
static inline void nsv_utoa_pad(char *s, uint64_t v, unsigned int w)
{
	while (w >= 2) {
		memcpy(s + w - 2, nsv_digits2 + 2 * (v % 100), 2);
		v /= 100;
		w -= 2;
	}
	if (w)
		s[0] = (char)('0' + v % 10);
}

/* @v < 1000 in exactly three digits: the divisions by constants multiply. */
static inline void nsv_utoa3(char *s, uint32_t v)
{
	s[0] = (char)('0' + v / 100);
	memcpy(s + 1, nsv_digits2 + 2 * (v % 100), 2);
}

#endif
