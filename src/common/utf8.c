/* utf8: see utf8.h. The byte ranges are RFC 3629's table (section 4). */
#include "utf8.h"

#include <stdio.h>
#include <string.h>

static int cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

size_t utf8_char_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the 2nd byte */
	size_t len;

	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0; /* below: overlong */
		else if (p[0] == 0xed)
			hi = 0x9f; /* above: surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90; /* below: overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f; /* above: past U+10FFFF */
	} else {
		return 0; /* continuation byte, C0/C1 (overlong), F5..FF */
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (!cont(p[i]))
			return 0;
	return len;
}

int utf8_valid(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		k = utf8_char_len(s + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

size_t utf8_trim_cut(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = n, need;

	/* Back over at most 3 continuation bytes to their lead byte. */
	while (i > 0 && n - i < 3 && cont(p[i - 1]))
		i--;
	if (i == 0 || p[i - 1] < 0xc0)
		return n;
	need = p[i - 1] >= 0xf0 ? 4 : p[i - 1] >= 0xe0 ? 3 : 2;
	return n - (i - 1) < need ? i - 1 : n;
}

/* The code point of a control character starting s[0..k) (k from
 * utf8_char_len), or -1. */
static int ctl_code(const char *s, size_t k)
{
	unsigned char c = (unsigned char)s[0];

	if (k == 1 && (c < 0x20 || c == 0x7f))
		return c;
	if (k == 2 && c == 0xc2 && (unsigned char)s[1] < 0xa0)
		return (unsigned char)s[1]; /* C2 80..9F: U+0080..U+009F */
	return -1;
}

int utf8_has_ctl(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		k = utf8_char_len(s + i, n - i);
		if (!k) {
			i++;
			continue;
		}
		if (ctl_code(s + i, k) >= 0)
			return 1;
		i += k;
	}
	return 0;
}

size_t utf8_copy(char *dst, size_t cap, const char *src, size_t n, unsigned flags)
{
	size_t i = 0, o = 0;

	if (cap == 0)
		return 0;
	while (i < n) {
		size_t k, w;
		char esc[8];
		const char *from = src + i;
		int code;

		if ((flags & UTF8_DROP_CSI) && src[i] == 0x1b && i + 1 < n && src[i + 1] == '[') {
			/* ECMA-48: parameter and intermediate bytes 0x20..0x3f,
			 * then one final byte 0x40..0x7e. */
			for (i += 2; i < n && (unsigned char)src[i] >= 0x20 && (unsigned char)src[i] < 0x40; i++)
				;
			if (i < n && (unsigned char)src[i] >= 0x40 && (unsigned char)src[i] <= 0x7e)
				i++;
			continue;
		}
		k = utf8_char_len(src + i, n - i);
		code = k ? ctl_code(src + i, k) : -1;
		if (code >= 0 && (flags & UTF8_ESCAPE_CTL)) {
			snprintf(esc, sizeof(esc), code < 0x80 ? "\\x%02x" : "\\u%04x", (unsigned)code);
			from = esc;
			w = strlen(esc);
		} else if (code >= 0 && (flags & UTF8_CTL_QMARK)) {
			from = "?";
			w = 1;
		} else if (!k || src[i] == '\0') {
			from = UTF8_REPLACEMENT;
			w = sizeof(UTF8_REPLACEMENT) - 1;
			k = 1;
		} else {
			w = k;
		}
		if (o + w + 1 > cap)
			break;
		memcpy(dst + o, from, w);
		o += w;
		i += k;
	}
	dst[o] = '\0';
	return o;
}
