/* url: see url.h. */
#include "url.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

void url_free(struct url_parts *p)
{
	free(p->uname);
	free(p->upass);
	for (size_t i = 0; i < p->nq; i++) {
		free(p->q[i].key);
		free(p->q[i].val);
	}
	memset(p, 0, sizeof(*p));
}

/* RFC 3986's characters: unreserved, reserved and '%'. */
static int url_char_ok(unsigned char c)
{
	return isalnum(c) || strchr("-._~:/?#[]@!$&'()*+,;=%", c);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes s[0..n) (%XX; '+' as a space when plus) into a new string *out.
 * Returns 0, -1 for a bad %-sequence or %00, -2 out of memory. */
static int pct_decode(const char *s, size_t n, int plus, char **out)
{
	char *d = malloc(n + 1);
	size_t k = 0;

	*out = NULL;
	if (!d)
		return -2;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			d[k++] = plus && s[i] == '+' ? ' ' : s[i];
			continue;
		}
		if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
			goto bad;
		d[k] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
		if (d[k++] == '\0')
			goto bad;
		i += 2;
	}
	d[k] = '\0';
	*out = d;
	return 0;
bad:
	free(d);
	return -1;
}

/* A name or IPv4 address of letters, digits, '.', '-' and '_', or an IPv6
 * address in brackets. */
static int host_ok(const char *h, size_t n)
{
	if (n == 0 || n > 253)
		return 0;
	if (h[0] == '[') {
		if (n < 4 || h[n - 1] != ']')
			return 0;
		for (size_t i = 1; i + 1 < n; i++)
			if (!isxdigit((unsigned char)h[i]) && h[i] != ':' && h[i] != '.')
				return 0;
		return 1;
	}
	if (h[0] == '-' || h[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) && !strchr(".-_", h[i]))
			return 0;
	return 1;
}

/* Splits "host[:port]" a[0..n). Returns 0 or -1. */
static int split_hostport(const char *a, size_t n, size_t *hostlen, long *port)
{
	const char *colon = NULL;
	long v = 0;

	*port = 0;
	if (n && a[0] == '[') {
		const char *rb = memchr(a, ']', n);
		if (!rb || (rb + 1 < a + n && rb[1] != ':'))
			return -1;
		if (rb + 1 < a + n)
			colon = rb + 1;
	} else {
		colon = memchr(a, ':', n);
	}
	*hostlen = colon ? (size_t)(colon - a) : n;
	if (colon) {
		size_t plen = (size_t)(a + n - colon - 1);
		if (plen == 0 || plen > 5)
			return -1;
		for (size_t i = 1; i <= plen; i++) {
			if (!isdigit((unsigned char)colon[i]))
				return -1;
			v = v * 10 + (colon[i] - '0');
		}
		if (v < 1 || v > 65535)
			return -1;
		*port = v;
	}
	return host_ok(a, *hostlen) ? 0 : -1;
}

size_t url_scheme(const char *url, char *dst, size_t cap)
{
	size_t n = 0;

	while (isalnum((unsigned char)url[n]) || url[n] == '+' || url[n] == '-' || url[n] == '.')
		n++;
	if (n == 0 || n >= cap || !isalpha((unsigned char)url[0]) || strncmp(url + n, "://", 3) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)tolower((unsigned char)url[i]);
	dst[n] = '\0';
	return n;
}

size_t url_redact(const char *url, char *dst, size_t cap)
{
	char scheme[URL_SCHEME_MAX];
	size_t n = url_scheme(url, scheme, sizeof(scheme)), hostlen;
	const char *a = url + n + 3, *end;
	long port;

	if (!cap)
		return 0;
	if (!n) {
		snprintf(dst, cap, "(not a URL)");
		return strlen(dst);
	}
	end = a + strcspn(a, "/?#");
	for (const char *s = a; s < end; s++)
		if (*s == '@')
			a = s + 1;
	if (end > a && split_hostport(a, (size_t)(end - a), &hostlen, &port) == 0)
		snprintf(dst, cap, "%s://%.*s", scheme, (int)(end - a), a);
	else
		snprintf(dst, cap, "%s://(hidden)", scheme);
	return strlen(dst);
}

static int split_query(struct url_parts *p, const char *q, char *err, size_t errlen)
{
	for (const char *s = q; *s;) {
		size_t len = strcspn(s, "&");
		const char *eq = memchr(s, '=', len);
		struct url_param *qp;
		int rc;

		if (len == 0) {
			s++;
			continue;
		}
		if (p->nq == URL_QUERY_MAX)
			return fail(err, errlen, "more than %d query parameters", URL_QUERY_MAX);
		qp = &p->q[p->nq++]; /* freed with p even when half made */
		qp->raw = s;
		qp->rawlen = len;
		rc = pct_decode(s, eq ? (size_t)(eq - s) : len, 1, &qp->key);
		if (rc == 0)
			rc = eq ? pct_decode(eq + 1, (size_t)(s + len - eq - 1), 1, &qp->val)
				: ((qp->val = strdup("")) ? 0 : -2);
		if (rc == -2)
			return fail(err, errlen, "out of memory");
		if (rc == -1)
			return fail(err, errlen, "a bad %%-sequence in the query (write %% as %%25)");
		if (!utf8_valid(qp->key, strlen(qp->key)) || !utf8_valid(qp->val, strlen(qp->val)))
			return fail(err, errlen, "a query parameter is not UTF-8");
		s += len + (s[len] == '&');
	}
	return 0;
}

int url_split(const char *url, struct url_parts *p, char *err, size_t errlen)
{
	const char *a, *end, *at = NULL;
	size_t n, len = strlen(url);

	memset(p, 0, sizeof(*p));
	if (len == 0)
		return fail(err, errlen, "empty URL");
	if (len > URL_MAX)
		return fail(err, errlen, "longer than %d characters", URL_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)url[i];
		if (c <= 0x20 || c >= 0x7f)
			return fail(err, errlen, "a space, control or non-ASCII character: percent-encode it");
		if (!url_char_ok(c))
			return fail(err, errlen, "the character '%c' must be percent-encoded (%%%02X)", c, c);
	}
	if (strchr(url, '#'))
		return fail(err, errlen, "a '#' must be written %%23");
	n = url_scheme(url, p->scheme, sizeof(p->scheme));
	if (!n)
		return fail(err, errlen, "not a URL: it must start with scheme://");
	a = url + n + 3;
	end = a + strcspn(a, "/?");
	for (const char *s = a; s < end; s++)
		if (*s == '@')
			at = s;
	if (at) {
		const char *colon = memchr(a, ':', (size_t)(at - a));
		p->user = a;
		p->userlen = (size_t)(at - a);
		if (pct_decode(a, colon ? (size_t)(colon - a) : p->userlen, 0, &p->uname) != 0 ||
		    (colon && pct_decode(colon + 1, (size_t)(at - colon - 1), 0, &p->upass) != 0))
			return fail(err, errlen, "a bad %%-sequence in the user or password (write %% as %%25)");
		if (utf8_has_ctl(p->uname, strlen(p->uname)) || (p->upass && utf8_has_ctl(p->upass, strlen(p->upass))))
			return fail(err, errlen, "a control character in the user or password");
		a = at + 1;
	}
	if (a == end)
		return fail(err, errlen, "no host");
	p->host = a;
	if (split_hostport(a, (size_t)(end - a), &p->hostlen, &p->port) < 0)
		return fail(err, errlen, "not a host[:port] (a name, an IPv4 address or [IPv6], a port of 1..65535)");
	p->path = end;
	p->pathlen = strcspn(end, "?");
	if (end[p->pathlen] == '?') {
		p->query = end + p->pathlen + 1;
		return split_query(p, p->query, err, errlen);
	}
	return 0;
}

const char *url_param(struct url_parts *p, const char *key, int *dup)
{
	const char *v = NULL;

	for (size_t i = 0; i < p->nq; i++) {
		if (strcasecmp(p->q[i].key, key) != 0)
			continue;
		if (v)
			*dup = 1;
		v = p->q[i].val;
		p->q[i].used = 1;
	}
	return v;
}

void url_base(const char *scheme, const struct url_parts *p, char *dst, size_t cap)
{
	char port[8] = "";

	if (p->port)
		snprintf(port, sizeof(port), ":%ld", p->port);
	snprintf(dst, cap, "%s://%.*s%s", scheme, (int)p->hostlen, p->host, port);
}

size_t url_encode(const char *s, char *dst, size_t cap)
{
	size_t k = 0;

	if (!cap)
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || strchr("-._~", c)) {
			if (k + 1 >= cap)
				break;
			dst[k++] = (char)c;
		} else {
			if (k + 3 >= cap)
				break;
			snprintf(dst + k, cap - k, "%%%02X", c);
			k += 3;
		}
	}
	dst[k] = '\0';
	return k;
}
