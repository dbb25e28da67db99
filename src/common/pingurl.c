/* pingurl: see pingurl.h. */
#include "pingurl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"
#include "utf8.h"

#define SPACE " \t\r\n\v\f"

/* The kind of PING_URL p is: a Kuma push URL is /api/push/TOKEN[/]. */
static enum notifyurl_kind kind_of(const struct url_parts *p)
{
	const char *tok = p->path + 10;
	size_t n = p->pathlen > 10 ? p->pathlen - 10 : 0;

	if (p->pathlen <= 10 || strncmp(p->path, "/api/push/", 10) != 0)
		return NOTIFYURL_PING_HC;
	if (n && tok[n - 1] == '/')
		n--;
	return n && !memchr(tok, '/', n) ? NOTIFYURL_PING_KUMA : NOTIFYURL_PING_HC;
}

int pingurl_parse(const char *url, struct notifyurl *out, char *err, size_t errlen)
{
	char base[URL_BASE_MAX];
	struct url_parts p;
	int rc = -1;

	notifyurl_init(out, url);
	if (url_split(url, &p, err, errlen) < 0)
		goto out;
	if (strcmp(p.scheme, "https") != 0 && strcmp(p.scheme, "http") != 0) {
		snprintf(err, errlen,
			 "not an http:// or https:// URL (a healthchecks.io check or an Uptime Kuma push URL)");
		goto out;
	}
	out->kind = kind_of(&p);
	out->method = out->kind == NOTIFYURL_PING_KUMA ? "GET" : "POST";
	url_base(p.scheme, &p, base, sizeof(base));
	/* The check's key is its path (or in its query): secrets all. */
	if (asprintf(&out->url, "%s%.*s%s%s", base, (int)(p.pathlen ? p.pathlen : 1), p.pathlen ? p.path : "/",
		     p.query ? "?" : "", p.query ? p.query : "") < 0) {
		out->url = NULL;
		goto nomem;
	}
	if (notifyurl_add_userinfo(out, &p) < 0 || notifyurl_add_secret(out, p.path, p.pathlen) < 0 ||
	    (p.query && notifyurl_add_secret(out, p.query, strlen(p.query)) < 0) ||
	    (out->kind == NOTIFYURL_PING_HC &&
	     strvec_push(&out->headers, "Content-Type: text/plain; charset=utf-8") < 0))
		goto nomem;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	url_free(&p);
	return rc;
}

int pingurl_parse_setting(const char *value, struct notifyurl *out, char *err, size_t errlen)
{
	char why[512];

	if (pingurl_parse(value, out, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "PING_URL (%s): %s", out->shown, why);
		return -1;
	}
	return 0;
}

/* Kuma's msg for a failure: the text's first line, whole characters, no
 * control character; "failed" when there is none. */
static void kuma_msg(const char *text, char *dst, size_t cap)
{
	const char *s = text ? text + strspn(text, SPACE) : "";
	size_t n = strcspn(s, "\r\n");

	if (n > cap - 1)
		n = utf8_trim_cut(s, cap - 1);
	if (utf8_copy(dst, cap, s, n, UTF8_CTL_QMARK) == 0)
		snprintf(dst, cap, "failed");
}

int pingurl_request(const struct notifyurl *ping, enum pingurl_signal what, const char *text, char **out)
{
	static const char *const suffix[] = { "/start", "", "/fail" };
	const char *q = strchr(ping->url, '?');
	size_t plen = q ? (size_t)(q - ping->url) : strlen(ping->url), klen = 0;
	char msg[PINGURL_KUMA_MSG_MAX + 1], enc[3 * PINGURL_KUMA_MSG_MAX + 1], *kept;
	int rc;

	*out = NULL;
	if (ping->kind == NOTIFYURL_PING_HC) {
		if (what != PINGURL_SUCCESS && ping->url[plen - 1] == '/')
			plen--;
		rc = asprintf(out, "%.*s%s%s", (int)plen, ping->url, suffix[what], q ? q : "");
		return rc < 0 ? (*out = NULL, -1) : 0;
	}
	if (what == PINGURL_START)
		return 1;
	/* The URL's parameters as written, but status and msg: ours follow. */
	kept = malloc(q ? strlen(q) + 1 : 1);
	if (!kept)
		return -1;
	for (const char *s = q ? q + 1 : ""; *s; s += strcspn(s, "&"), s += *s == '&') {
		size_t len = strcspn(s, "&"), key = strcspn(s, "=&");
		if (!len || (key == 6 && !strncmp(s, "status", 6)) || (key == 3 && !strncmp(s, "msg", 3)))
			continue;
		memcpy(kept + klen, s, len);
		klen += len;
		kept[klen++] = '&';
	}
	kept[klen] = '\0';
	if (what == PINGURL_SUCCESS)
		snprintf(msg, sizeof(msg), "OK");
	else
		kuma_msg(text, msg, sizeof(msg));
	url_encode(msg, enc, sizeof(enc));
	rc = asprintf(out, "%.*s?%sstatus=%s&msg=%s", (int)plen, ping->url, kept,
		      what == PINGURL_SUCCESS ? "up" : "down", enc);
	free(kept);
	return rc < 0 ? (*out = NULL, -1) : 0;
}
