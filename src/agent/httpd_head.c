/* httpd_head: httpd_parse_head (see httpd.h), apart from the server so that
 * it can be tested and fuzzed on its own: pure, no allocation, no state.
 * Grammar from RFC 9112 (request line, field lines) and RFC 9110 (tokens). */
#include "httpd.h"

#include <string.h>
#include <strings.h>

/* tchar of RFC 9110 5.6.2, without the locale of isalnum. */
static int is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Length of a leading "http://" or "https://" (any case), else 0. */
static size_t scheme_len(const char *t, size_t n)
{
	static const char *const schemes[] = { "http://", "https://" };

	for (size_t k = 0; k < 2; k++) {
		size_t sl = strlen(schemes[k]);

		if (n >= sl && !strncasecmp(t, schemes[k], sl))
			return sl;
	}
	return 0;
}

/* The path of request target t[0..n) (visible ASCII, n >= 1) into r.
 * Returns 0, or -1 for a form that is none of origin, absolute or "*". */
static int target_path(const char *t, size_t n, struct httpd_req *r)
{
	const char *q;

	if (n == 1 && t[0] == '*') {
		r->path = t;
		r->path_len = 1;
		return 0;
	}
	if (t[0] != '/') {
		size_t s = scheme_len(t, n), a = s;

		if (!s)
			return -1;
		while (a < n && t[a] != '/' && t[a] != '?')
			a++;
		if (a == s)
			return -1; /* no host */
		t += a;
		n -= a;
		if (!n || t[0] == '?') {
			r->path = "/";
			r->path_len = 1;
			return 0;
		}
	}
	q = memchr(t, '?', n);
	r->path = t;
	r->path_len = q ? (size_t)(q - t) : n;
	return 0;
}

/* "METHOD SP TARGET SP HTTP/D.D" in s[0..n) into r. Returns 0 or -1. */
static int request_line(const char *s, size_t n, struct httpd_req *r)
{
	size_t i = 0, t0;

	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != ' ')
		return -1;
	r->method = s;
	r->method_len = i;
	t0 = ++i;
	while (i < n && (unsigned char)s[i] > ' ' && (unsigned char)s[i] < 0x7f)
		i++;
	if (i == t0 || i >= n || s[i] != ' ')
		return -1;
	if (target_path(s + t0, i - t0, r) < 0)
		return -1;
	s += i + 1;
	n -= i + 1;
	if (n != 8 || memcmp(s, "HTTP/", 5) || !is_digit(s[5]) || s[6] != '.' || !is_digit(s[7]))
		return -1;
	r->major = s[5] - '0';
	r->minor = s[7] - '0';
	return 0;
}

/* "NAME:VALUE" in s[0..n): checked, not kept. Returns 0 or -1. */
static int header_line(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != ':')
		return -1;
	for (i++; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < ' ' && c != '\t') || c == 0x7f)
			return -1;
	}
	return 0;
}

int httpd_parse_head(const char *buf, size_t len, struct httpd_req *out)
{
	struct httpd_req r = { 0 };
	size_t pos = 0, lines = 0, n = len < HTTPD_HEAD_MAX ? len : HTTPD_HEAD_MAX;
	int seen_request = 0;

	if (!buf)
		n = 0;
	while (pos < n) {
		const char *line = buf + pos, *lf = memchr(line, '\n', n - pos);
		size_t llen;

		if (!lf)
			break;
		llen = (size_t)(lf - line);
		pos += llen + 1;
		if (llen && line[llen - 1] == '\r')
			llen--;
		if (!llen && seen_request) {
			r.head_len = pos;
			if (out)
				*out = r;
			return HTTPD_HEAD_DONE;
		}
		/* Empty lines before the request line count too: they are
		 * allowed (RFC 9112 2.2), not without end. */
		if (++lines > HTTPD_LINES_MAX)
			return HTTPD_HEAD_TOOBIG;
		if (!llen)
			continue;
		if (memchr(line, '\r', llen))
			return HTTPD_HEAD_BAD;
		if (seen_request ? header_line(line, llen) < 0 : request_line(line, llen, &r) < 0)
			return HTTPD_HEAD_BAD;
		seen_request = 1;
	}
	return n >= HTTPD_HEAD_MAX ? HTTPD_HEAD_TOOBIG : HTTPD_HEAD_MORE;
}
