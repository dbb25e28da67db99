/* Unit tests for src/common/utf8.c: strict validity (overlong forms, surrogates,
 * past U+10FFFF, Latin-1 bytes, cut characters), repair with U+FFFD, cuts on
 * character boundaries, control-character escapes; every repaired string is
 * accepted by jansson. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "t.h"
#include "utf8.h"

#define R UTF8_REPLACEMENT

static void valid_cases(void)
{
	static const struct {
		const char *s, *what;
		int valid;
	} cases[] = {
		{ "", "empty", 1 },
		{ "plain ascii", "ASCII", 1 },
		{ "h\xc3\xa9llo", "2-byte \xc3\xa9", 1 },
		{ "\xe2\x82\xac", "3-byte U+20AC", 1 },
		{ "\xf0\x9f\x98\x80", "4-byte U+1F600", 1 },
		{ "\xed\x9f\xbf", "U+D7FF, just below the surrogates", 1 },
		{ "\xee\x80\x80", "U+E000, just above the surrogates", 1 },
		{ "\xf4\x8f\xbf\xbf", "U+10FFFF, the last code point", 1 },
		{ "\xc2\x80", "U+0080, the first 2-byte one", 1 },
		{ "\xe0\xa0\x80", "U+0800, the first 3-byte one", 1 },
		{ "\xf0\x90\x80\x80", "U+10000, the first 4-byte one", 1 },
		{ "caf\xe9", "Latin-1 \\xe9", 0 },
		{ "\xff", "\\xff", 0 },
		{ "\xfe", "\\xfe", 0 },
		{ "\x80", "lone continuation byte", 0 },
		{ "\xc0\xaf", "overlong '/' (2 bytes)", 0 },
		{ "\xc1\xbf", "overlong U+007F", 0 },
		{ "\xe0\x80\xaf", "overlong '/' (3 bytes)", 0 },
		{ "\xe0\x9f\xbf", "overlong U+07FF", 0 },
		{ "\xf0\x80\x80\xaf", "overlong '/' (4 bytes)", 0 },
		{ "\xf0\x8f\xbf\xbf", "overlong U+FFFF", 0 },
		{ "\xed\xa0\x80", "surrogate U+D800", 0 },
		{ "\xed\xbf\xbf", "surrogate U+DFFF", 0 },
		{ "\xed\xa0\xbd\xed\xb8\x80", "CESU-8 surrogate pair", 0 },
		{ "\xf4\x90\x80\x80", "U+110000", 0 },
		{ "\xf5\x80\x80\x80", "lead byte F5", 0 },
		{ "\xe2\x82", "3-byte character cut after 2", 0 },
		{ "ab\xf0\x9f\x98", "4-byte character cut after 3", 0 },
		{ "\xc3", "2-byte character cut after 1", 0 },
		{ "\xe2\x28\xa1", "bad continuation", 0 },
		{ "\xc3\xa9\x80", "extra continuation", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_INT(utf8_valid(cases[i].s, strlen(cases[i].s)), cases[i].valid, "%s is %s", cases[i].what,
			  cases[i].valid ? "valid" : "invalid");
	CHECK_INT(utf8_valid("a\0b", 3), 1, "an embedded NUL is U+0000, valid");
	CHECK_INT(utf8_valid("h\xc3\xa9", 2), 0, "n cuts the character: invalid");
	CHECK_INT(utf8_valid(NULL, 0), 1, "nothing is valid");

	CHECK_INT(utf8_trim_cut("ab", 2), 2, "trim_cut: nothing cut");
	CHECK_INT(utf8_trim_cut("a\xc3\xa9", 3), 3, "trim_cut: whole 2-byte character kept");
	CHECK_INT(utf8_trim_cut("a\xc3", 2), 1, "trim_cut: lead byte alone dropped");
	CHECK_INT(utf8_trim_cut("a\xe2\x82", 3), 1, "trim_cut: 2 of 3 bytes dropped");
	CHECK_INT(utf8_trim_cut("a\xf0\x9f\x98", 4), 1, "trim_cut: 3 of 4 bytes dropped");
	CHECK_INT(utf8_trim_cut("a\xf0\x9f\x98\x80", 5), 5, "trim_cut: whole 4-byte character kept");
	CHECK_INT(utf8_trim_cut("a\xe9", 2), 1, "trim_cut: Latin-1 \\xe9 (a lead byte of 3) is taken as cut");
	CHECK_INT(utf8_trim_cut("\x80\x80\x80\x80", 4), 4, "trim_cut: continuation bytes without a lead stay");
	CHECK_INT(utf8_trim_cut("", 0), 0, "trim_cut: empty");
	CHECK_INT(utf8_char_len("a", 1), 1, "char_len ASCII");
	CHECK_INT(utf8_char_len("\xc3\xa9", 2), 2, "char_len 2");
	CHECK_INT(utf8_char_len("\xe2\x82\xac", 3), 3, "char_len 3");
	CHECK_INT(utf8_char_len("\xf0\x9f\x98\x80", 4), 4, "char_len 4");
	CHECK_INT(utf8_char_len("\xf0\x9f\x98\x80", 3), 0, "char_len: cut by n");
	CHECK_INT(utf8_char_len("\xa9", 1), 0, "char_len: continuation byte");
	CHECK_INT(utf8_char_len("", 0), 0, "char_len: empty");
}

static void ctl_cases(void)
{
	CHECK_INT(utf8_has_ctl("plain", 5), 0, "no control character");
	CHECK_INT(utf8_has_ctl("a\tb", 3), 1, "tab");
	CHECK_INT(utf8_has_ctl("a\nb", 3), 1, "newline");
	CHECK_INT(utf8_has_ctl("\x1b[2K", 4), 1, "ESC");
	CHECK_INT(utf8_has_ctl("\x7f", 1), 1, "DEL");
	CHECK_INT(utf8_has_ctl("a\0b", 3), 1, "NUL");
	CHECK_INT(utf8_has_ctl("\xc2\x85", 2), 1, "C1 NEL (U+0085)");
	CHECK_INT(utf8_has_ctl("\xc2\x9b", 2), 1, "C1 CSI (U+009B)");
	CHECK_INT(utf8_has_ctl("\xc2\xa0", 2), 0, "U+00A0 is no control character");
	CHECK_INT(utf8_has_ctl("\xff\xfe", 2), 0, "invalid bytes are not control characters");
	CHECK_INT(utf8_has_ctl("caf\xe9\n", 5), 1, "a control character after an invalid byte");
}

static void copy_is(const char *src, size_t n, size_t cap, unsigned flags, const char *want, const char *what)
{
	char dst[256];
	size_t len;

	memset(dst, 'Z', sizeof(dst));
	len = utf8_copy(dst, cap, src, n, flags);
	CHECK_STR(dst, want, "copy: %s", what);
	CHECK_INT(len, strlen(want), "copy: %s: returned length", what);
	CHECK(cap >= sizeof(dst) || dst[cap] == 'Z', "copy: %s: nothing written past cap", what);
}

static void copy_cases(void)
{
	char one = 'Z';

	copy_is("hello", 5, 64, 0, "hello", "ASCII unchanged");
	copy_is("h\xc3\xa9llo", 6, 64, 0, "h\xc3\xa9llo", "valid UTF-8 unchanged");
	copy_is("caf\xe9 au lait", 12, 64, 0, "caf" R " au lait", "Latin-1 byte becomes U+FFFD");
	copy_is("/srv/\xe9t\xe9", 8, 64, 0, "/srv/" R "t" R, "each invalid byte is one U+FFFD");
	copy_is("\xc0\xaf", 2, 64, 0, R R, "overlong: each byte replaced");
	copy_is("\xed\xa0\x80", 3, 64, 0, R R R, "surrogate: each byte replaced");
	copy_is("\xf4\x90\x80\x80", 4, 64, 0, R R R R, "past U+10FFFF: each byte replaced");
	copy_is("ab\xe2\x82", 4, 64, 0, "ab" R R, "a character cut in the source is replaced");
	copy_is("a\0b", 3, 64, 0, "a" R "b", "an embedded NUL does not end the copy");
	copy_is("a\0b", 3, 64, UTF8_ESCAPE_CTL, "a\\x00b", "an embedded NUL escaped");

	/* Cuts: never inside a character, a replacement or an escape. */
	copy_is("h\xc3\xa9llo", 6, 2, 0, "h", "cap 2: room for h only");
	copy_is("h\xc3\xa9llo", 6, 3, 0, "h", "cap 3: \xc3\xa9 does not fit with the NUL");
	copy_is("h\xc3\xa9llo", 6, 4, 0, "h\xc3\xa9", "cap 4: \xc3\xa9 fits");
	copy_is("ab\xe2\x82\xac", 5, 5, 0, "ab", "a 3-byte character is not split");
	copy_is("ab\xe2\x82\xac", 5, 6, 0, "ab\xe2\x82\xac", "a 3-byte character that fits");
	copy_is("a\xf0\x9f\x98\x80", 5, 5, 0, "a", "a 4-byte character is not split");
	copy_is("a\xff", 2, 4, 0, "a", "a replacement that does not fit is left out");
	copy_is("a\x1b", 2, 5, UTF8_ESCAPE_CTL, "a", "an escape that does not fit is left out");
	copy_is("abc", 3, 1, 0, "", "cap 1: just the NUL");
	CHECK_INT(utf8_copy(&one, 0, "abc", 3, 0), 0, "cap 0 returns 0");
	CHECK(one == 'Z', "cap 0 writes nothing");
	{
		/* What %.200s did: 100 two-byte characters into 200 bytes. */
		char src[400], dst[200];
		size_t len;
		for (int i = 0; i < 200; i++)
			memcpy(src + 2 * i, "\xc3\xa9", 2);
		len = utf8_copy(dst, sizeof(dst), src, sizeof(src), 0);
		CHECK_INT(len, 198, "200-byte buffer of 2-byte characters holds 99 of them");
		CHECK(utf8_valid(dst, len), "the cut result is valid UTF-8");
	}

	/* Control characters. */
	copy_is("a\x1b[2Kb\r\n\tc\x7f", 11, 64, UTF8_ESCAPE_CTL, "a\\x1b[2Kb\\x0d\\x0a\\x09c\\x7f",
		"C0 and DEL escaped");
	copy_is("x\xc2\x9b"
		"31m",
		6, 64, UTF8_ESCAPE_CTL, "x\\u009b31m", "C1 CSI escaped");
	copy_is("a\\b", 3, 64, UTF8_ESCAPE_CTL, "a\\b", "a backslash stays");
	copy_is("a\tb\n", 4, 64, 0, "a\tb\n", "without the flag controls stay");
	copy_is("caf\xe9\n", 5, 64, UTF8_ESCAPE_CTL, "caf" R "\\x0a", "Latin-1 and a newline together");
	copy_is("a\tb\xc2\x85"
		"c\x7f",
		7, 64, UTF8_CTL_QMARK, "a?b?c?", "UTF8_CTL_QMARK: C0, C1 and DEL as '?'");
	copy_is("a\tb", 3, 64, UTF8_CTL_QMARK | UTF8_ESCAPE_CTL, "a\\x09b", "UTF8_ESCAPE_CTL wins over QMARK");
	copy_is("\x1b[2Kdone\x1b[0;31m!\x1b[m", 19, 64, UTF8_DROP_CSI, "done!", "UTF8_DROP_CSI drops ESC [ sequences");
	copy_is("a\x1b[2", 4, 64, UTF8_DROP_CSI, "a", "a CSI cut by the end is dropped");
	copy_is("a\x1b[2\xc3\xa9", 6, 64, UTF8_DROP_CSI, "a\xc3\xa9", "a CSI without a final byte ends before text");
	copy_is("a\x1b"
		"b",
		3, 64, UTF8_DROP_CSI | UTF8_CTL_QMARK, "a?b", "a lone ESC is a control character");
}

/* Random bytes: every copy is valid UTF-8, jansson takes it, and with
 * UTF8_ESCAPE_CTL no control character is left. */
static void random_cases(void)
{
	uint32_t x = 12345;
	int bad_valid = 0, bad_json = 0, bad_ctl = 0, bad_len = 0;

	for (int round = 0; round < 3000; round++) {
		unsigned char src[64];
		char dst[96];
		size_t n = (size_t)round % sizeof(src), cap, len;
		unsigned flags = round & 1 ? UTF8_ESCAPE_CTL : 0;
		json_t *j;

		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			src[i] = (unsigned char)(x >> 16);
			/* Mostly high bytes, to hit multi-byte forms. */
			if (i % 3 == 0)
				src[i] |= 0x80;
		}
		x = x * 1103515245u + 12345u;
		cap = 1 + (x >> 16) % sizeof(dst);
		len = utf8_copy(dst, cap, (const char *)src, n, flags);
		bad_len += len >= cap || strlen(dst) != len;
		bad_valid += !utf8_valid(dst, len);
		j = json_string(dst);
		bad_json += j == NULL;
		json_decref(j);
		bad_ctl += (flags && utf8_has_ctl(dst, len));
	}
	CHECK_INT(bad_len, 0, "random: length below cap, no NUL inside");
	CHECK_INT(bad_valid, 0, "random: every copy is valid UTF-8");
	CHECK_INT(bad_json, 0, "random: jansson accepts every copy");
	CHECK_INT(bad_ctl, 0, "random: no control character left with UTF8_ESCAPE_CTL");
}

int main(void)
{
	valid_cases();
	ctl_cases();
	copy_cases();
	random_cases();
	return T_DONE();
}
