/* url: one URL split into checked parts, for the settings that hold URLs
 * (NOTIFY_URLS, PING_URL). Only RFC 3986's characters are accepted (a
 * space, a control or non-ASCII byte must be percent-encoded), no fragment,
 * a host that is a name, an IPv4 address or an [IPv6] address, a port of
 * 1..65535. The user info and the query parameters are decoded; parts that
 * are kept as written point into the caller's string. */
#ifndef RDS_URL_H
#define RDS_URL_H
#include <stddef.h>

#define URL_MAX 2048      /* longest URL accepted */
#define URL_QUERY_MAX 32  /* most query parameters */
#define URL_SCHEME_MAX 24 /* longest scheme + 1 */
#define URL_BASE_MAX 300  /* "https://" host (at most 253) ":65535" */

struct url_param {
	char *key, *val; /* decoded ('+' is a space); valid UTF-8 */
	const char *raw; /* "key=value" as written */
	size_t rawlen;
	int used; /* set by url_param */
};

struct url_parts {
	char scheme[URL_SCHEME_MAX]; /* lower case */
	const char *user;            /* user info as written, or NULL */
	size_t userlen;
	char *uname, *upass; /* user info decoded, no control character;
			      * upass NULL without ':' */
	const char *host;    /* as written, brackets of IPv6 included */
	size_t hostlen;
	long port;        /* 0: none given */
	const char *path; /* "" or from the first '/' on */
	size_t pathlen;
	const char *query; /* after the '?', or NULL */
	struct url_param q[URL_QUERY_MAX];
	size_t nq;
};

/* Splits url (borrowed for as long as *p is used) into *p. Returns 0, or -1
 * with a one-line reason in err that shows no part of the URL. Free *p with
 * url_free in either case. */
int url_split(const char *url, struct url_parts *p, char *err, size_t errlen);
void url_free(struct url_parts *p); /* zeroes *p */

/* The scheme of url in lower case into dst (capacity cap); its length, or
 * 0 when url does not start with "scheme://". */
size_t url_scheme(const char *url, char *dst, size_t cap);

/* Writes "scheme://host[:port]" of url into dst (always NUL-terminated),
 * without the user info, the path or the query; "scheme://(hidden)" when
 * the host part is not a host[:port] (a password left without its '@'),
 * "(not a URL)" without "scheme://". Returns the length written. */
size_t url_redact(const char *url, char *dst, size_t cap);

/* The value of the query parameter key (case-insensitive), marked used, or
 * NULL. Sets *dup when it is given more than once. */
const char *url_param(struct url_parts *p, const char *key, int *dup);

/* "scheme://host[:port]" of p with another scheme, into dst. */
void url_base(const char *scheme, const struct url_parts *p, char *dst, size_t cap);

/* Percent-encodes every byte of s but RFC 3986's unreserved characters
 * into dst (capacity cap, always NUL-terminated), stopping before an
 * encoded byte that does not fit whole. Returns the length written. */
size_t url_encode(const char *s, char *dst, size_t cap);

#endif
