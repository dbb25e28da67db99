/* utf8: strict UTF-8 checks and repair for text from outside (restic's
 * stderr, file names in it, settings) before it reaches JSON, the status
 * file or a terminal. jansson refuses a string that is not valid UTF-8, and
 * a cut in the middle of a multi-byte character makes one.
 * Strict means RFC 3629: no overlong forms, no UTF-16 surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF. Pure functions over caller
 * buffers: nothing is allocated, no pointer is kept. */
#ifndef RDS_UTF8_H
#define RDS_UTF8_H
#include <stddef.h>

/* U+FFFD REPLACEMENT CHARACTER, what utf8_copy writes for a bad byte. */
#define UTF8_REPLACEMENT "\xef\xbf\xbd"

/* Length (1..4) of the valid character that starts s[0..n), or 0 when s[0]
 * starts none (n == 0, a stray continuation byte, an invalid lead byte, an
 * overlong form, a surrogate, past U+10FFFF, or cut short by n). */
size_t utf8_char_len(const char *s, size_t n);

/* 1 when s[0..n) is valid UTF-8 throughout, else 0. A NUL byte counts as
 * U+0000 (valid). utf8_valid(s, strlen(s)) checks a C string. */
int utf8_valid(const char *s, size_t n);

/* n without a character cut short at the end of s[0..n): a lead byte
 * followed by fewer continuation bytes than it announces (what snprintf's
 * truncation leaves) is dropped. Use it before utf8_copy on text that was
 * cut, so the cut does not show as U+FFFD. */
size_t utf8_trim_cut(const char *s, size_t n);

/* 1 when s[0..n) holds a control character: C0 (U+0000..U+001F, NUL, tab,
 * CR and LF included), DEL (U+007F), or C1 (U+0080..U+009F, encoded C2 80 to
 * C2 9F, which some terminals obey like ESC [). Invalid bytes are not
 * control characters here; check utf8_valid for them. */
int utf8_has_ctl(const char *s, size_t n);

/* utf8_copy flags.
 * UTF8_ESCAPE_CTL: control characters (as in utf8_has_ctl) are written as
 *   text: C0 and DEL as \xNN (ESC: \x1b), C1 as \u00NN. A backslash is
 *   copied as it is.
 * UTF8_CTL_QMARK: each control character is written as '?' (unless
 *   UTF8_ESCAPE_CTL is given too).
 * UTF8_DROP_CSI: terminal control sequences, ESC [ parameters final-byte
 *   (restic clears its status line with ESC [ 2 K), are left out; this
 *   comes before the two above. */
#define UTF8_ESCAPE_CTL 1u
#define UTF8_CTL_QMARK 2u
#define UTF8_DROP_CSI 4u

/* Copies src[0..n) into dst, whose capacity is cap bytes, and returns the
 * length written (dst always ends in a NUL when cap > 0; with cap == 0 dst
 * is not touched and 0 is returned). Every byte of src that does not start
 * a valid character (see utf8_char_len) becomes one U+FFFD (3 bytes). A NUL
 * byte in src becomes U+FFFD too (\x00 with UTF8_ESCAPE_CTL, '?' with
 * UTF8_CTL_QMARK), so that dst is never cut short by one. When dst is too
 * small the copy stops before the first character (or replacement, or
 * escape) that does not fit whole: dst never ends inside a character. The
 * result is always valid UTF-8. src and dst must not overlap. */
size_t utf8_copy(char *dst, size_t cap, const char *src, size_t n, unsigned flags);

#endif
