/* notifyurl: see notifyurl.h. A URL is split once (url.h) with every part
 * checked; each form then builds its request from the parts. Decoded values
 * that go into a header may hold no control character (no header can be
 * smuggled in with %0d%0a); values for a JSON body are UTF-8 (url.h). */
#include "notifyurl.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "url.h"
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

size_t notifyurl_redact(const char *url, char *dst, size_t cap)
{
	char scheme[URL_SCHEME_MAX] = "";

	if (!cap)
		return 0;
	url_scheme(url, scheme, sizeof(scheme));
	/* Their host part is a token (or part of one). */
	if (!strcmp(scheme, "slack"))
		snprintf(dst, cap, "slack://hooks.slack.com");
	else if (!strcmp(scheme, "discord"))
		snprintf(dst, cap, "discord://discord.com");
	else
		url_redact(url, dst, cap);
	return strlen(dst);
}

int notifyurl_add_secret(struct notifyurl *u, const char *v, size_t n)
{
	char *t;
	int rc;

	/* Shorter ones would match ordinary words of a message. */
	if (n < 3)
		return 0;
	t = strndup(v, n);
	if (!t)
		return -1;
	rc = strvec_push(&u->secrets, t);
	free(t);
	return rc;
}

void notifyurl_scrub(const struct notifyurl *u, char *text)
{
	for (size_t i = 0; i < u->secrets.n; i++) {
		const char *sec = u->secrets.v[i];
		size_t sl = strlen(sec);
		char *p = text;

		/* On after each mask: a secret that holds "***" would be found
		 * in its own mask for ever. Secrets are 3 bytes or longer, so
		 * the text never grows. */
		while ((p = strstr(p, sec))) {
			memcpy(p, "***", 3);
			memmove(p + 3, p + sl, strlen(p + sl) + 1);
			p += 3;
		}
	}
}

/* Refuses the first parameter no option took. */
static int unused_query(const struct url_parts *p, const char *known, char *err, size_t errlen)
{
	for (size_t i = 0; i < p->nq; i++)
		if (!p->q[i].used) {
			const char *k = p->q[i].key;
			/* Only what looks like an option's name: a token given as
			 * a parameter is not shown. */
			if (strlen(k) <= 24 &&
			    strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_") == strlen(k))
				return fail(err, errlen, "unknown option '%s' (known: %s)", k, known);
			return fail(err, errlen, "an unknown option (known: %s)", known);
		}
	return 0;
}

static int parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "1", "on" }, *const no[] = { "no", "false", "0", "off" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return *out = 1, 0;
		if (!strcasecmp(v, no[i]))
			return *out = 0, 0;
	}
	return -1;
}

static int parse_int(const char *v, long lo, long hi, long *out)
{
	char *e;
	long x;

	errno = 0;
	x = strtol(v, &e, 10);
	if (!*v || *e || errno || x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

static int header(struct notifyurl *u, const char *name, const char *value)
{
	return strvec_pushf(&u->headers, "%s: %s", name, value);
}

static void b64(const unsigned char *s, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t k = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v =
			(unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
		out[k++] = t[v >> 18 & 63];
		out[k++] = t[v >> 12 & 63];
		out[k++] = i + 1 < n ? t[v >> 6 & 63] : '=';
		out[k++] = i + 2 < n ? t[v & 63] : '=';
	}
	out[k] = '\0';
}

/* The user info as secrets, as written and decoded. */
static int userinfo_secrets(struct notifyurl *u, const struct url_parts *p)
{
	if (!p->user)
		return 0;
	if (notifyurl_add_secret(u, p->user, p->userlen) < 0 || notifyurl_add_secret(u, p->uname, strlen(p->uname)) < 0)
		return -1;
	return p->upass ? notifyurl_add_secret(u, p->upass, strlen(p->upass)) : 0;
}

int notifyurl_add_userinfo(struct notifyurl *u, const struct url_parts *p)
{
	size_t n;
	char *plain, *enc;
	int rc = -1;

	if (!p->user)
		return 0;
	if (userinfo_secrets(u, p) < 0)
		return -1;
	n = strlen(p->uname) + 1 + (p->upass ? strlen(p->upass) : 0);
	plain = malloc(n + 1);
	enc = malloc(4 * (n / 3 + 1) + 1);
	if (plain && enc) {
		snprintf(plain, n + 1, "%s:%s", p->uname, p->upass ? p->upass : "");
		b64((const unsigned char *)plain, n, enc);
		rc = strvec_pushf(&u->headers, "Authorization: Basic %s", enc);
		if (rc == 0)
			rc = notifyurl_add_secret(u, enc, strlen(enc));
	}
	free(plain);
	free(enc);
	return rc;
}

/* An option's value for a JSON body: *dst = a copy. */
static int opt_str(struct url_parts *p, const char *key, char **dst, int *dup)
{
	const char *v = url_param(p, key, dup);

	if (!v)
		return 0;
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -1;
}

static int set_url(struct notifyurl *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int set_url(struct notifyurl *u, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&u->url, fmt, ap);
	va_end(ap);
	if (rc < 0)
		u->url = NULL;
	return rc < 0 ? -1 : 0;
}

#define NOMEM() fail(err, errlen, "out of memory")

/* shoutrrr's header key form: "@xApiKey" is "X-Api-Key". */
static int header_name(const char *key, char *dst, size_t cap)
{
	size_t k = 0;

	if (!*key)
		return -1;
	for (size_t i = 0; key[i]; i++) {
		char c = key[i];
		if (!isalnum((unsigned char)c) && c != '-')
			return -1;
		if (isupper((unsigned char)c) && i > 0 && key[i - 1] != '-') {
			if (k + 1 >= cap)
				return -1;
			dst[k++] = '-';
		} else if (i == 0 || key[i - 1] == '-') {
			c = (char)toupper((unsigned char)c);
		}
		if (k + 1 >= cap)
			return -1;
		dst[k++] = c;
	}
	dst[k] = '\0';
	return 0;
}

/* generic+https://, generic+http://, generic:// */
static int parse_generic(struct url_parts *p, struct notifyurl *u, char *err, size_t errlen)
{
	const char *v, *scheme = "https";
	static const char *const refused[] = { "template", "contenttype", "messagekey", "titlekey", "title" };
	char *query = NULL, base[URL_BASE_MAX];
	size_t qlen = 0;
	int dup = 0, tls_off = 0, rc;

	if (!strcmp(p->scheme, "generic+http"))
		scheme = "http";
	if ((v = url_param(p, "disabletls", &dup))) {
		if (parse_bool(v, &tls_off) < 0)
			return fail(err, errlen, "disabletls must be yes or no");
		if (tls_off)
			scheme = "http";
	}
	u->method = "POST";
	if ((v = url_param(p, "method", &dup))) {
		if (!strcasecmp(v, "PUT"))
			u->method = "PUT";
		else if (strcasecmp(v, "POST") != 0)
			return fail(err, errlen, "method must be POST or PUT");
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (url_param(p, refused[i], &dup))
			return fail(err, errlen,
				    "the option '%s' is not supported: generic:// sends the rds event document "
				    "(version 1)",
				    refused[i]);
	if (dup)
		return fail(err, errlen, "an option is given twice");
	if (header(u, "Content-Type", "application/json") < 0)
		return NOMEM();
	for (size_t i = 0; i < p->nq; i++) {
		struct url_param *q = &p->q[i];
		char name[64];
		if (q->used)
			continue;
		if (q->key[0] == '$') {
			free(query);
			return fail(err, errlen,
				    "extra data ($key=...) is not supported: the body is the rds event document");
		}
		if (q->key[0] != '@') {
			/* Passed on as written. */
			char *nq = realloc(query, qlen + q->rawlen + 2);
			if (!nq) {
				free(query);
				return NOMEM();
			}
			query = nq;
			query[qlen] = qlen ? '&' : '?';
			qlen++;
			memcpy(query + qlen, q->raw, q->rawlen);
			qlen += q->rawlen;
			query[qlen] = '\0';
			continue;
		}
		q->used = 1;
		if (header_name(q->key + 1, name, sizeof(name)) < 0 || !strcasecmp(name, "Content-Type") ||
		    !strcasecmp(name, "Content-Length") || !strcasecmp(name, "Host") ||
		    !strcasecmp(name, "Transfer-Encoding")) {
			free(query);
			return fail(err, errlen,
				    "a header option must be @Name=value with a name of letters, digits and '-', "
				    "not Host, Content-Type, Content-Length or Transfer-Encoding");
		}
		if (utf8_has_ctl(q->val, strlen(q->val))) {
			free(query);
			return fail(err, errlen, "the header %s holds a control character", name);
		}
		if (header(u, name, q->val) < 0 || notifyurl_add_secret(u, q->val, strlen(q->val)) < 0) {
			free(query);
			return NOMEM();
		}
	}
	url_base(scheme, p, base, sizeof(base));
	rc = set_url(u, "%s%.*s%s", base, (int)(p->pathlen ? p->pathlen : 1), p->pathlen ? p->path : "/",
		     query ? query : "");
	/* The path and the query kept may hold a token too. */
	if (rc < 0 || notifyurl_add_userinfo(u, p) < 0 || notifyurl_add_secret(u, p->path, p->pathlen) < 0 ||
	    (query && notifyurl_add_secret(u, query + 1, qlen - 1) < 0)) {
		free(query);
		return NOMEM();
	}
	free(query);
	return 0;
}

/* One path segment without its slashes: s[0..n) with at most one '/' at
 * each end removed. */
static void trim_slashes(const char **s, size_t *n)
{
	if (*n && (*s)[0] == '/')
		(*s)++, (*n)--;
	if (*n && (*s)[*n - 1] == '/')
		(*n)--;
}

static int chars_in(const char *s, size_t n, const char *extra, int lower_ok)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(isdigit(c) || isupper(c) || (lower_ok && islower(c)) || (extra && strchr(extra, c))))
			return 0;
	}
	return 1;
}

static const char NTFY_KNOWN[] = "scheme, title, priority, tags, click, icon";

static int ntfy_priority(const char *v, int *out)
{
	static const char *const names[] = { "min", "low", "default", "high", "max" };
	long n;

	if (parse_int(v, 1, 5, &n) == 0)
		return *out = (int)n, 0;
	for (int i = 0; i < 5; i++)
		if (!strcasecmp(v, names[i]))
			return *out = i + 1, 0;
	if (!strcasecmp(v, "urgent"))
		return *out = 5, 0;
	return -1;
}

static int parse_ntfy(struct url_parts *p, struct notifyurl *u, char *err, size_t errlen)
{
	const char *v, *scheme = "https", *topic = p->path;
	size_t tlen = p->pathlen;
	char base[URL_BASE_MAX];
	int dup = 0;

	trim_slashes(&topic, &tlen);
	if (tlen < 1 || tlen > 64 || !chars_in(topic, tlen, "-_", 1))
		return fail(err, errlen,
			    "the path must be one topic of 1 to 64 letters, digits, '-' and '_': "
			    "ntfy://[user:password@]host/topic");
	if (!(u->topic = strndup(topic, tlen)) || notifyurl_add_secret(u, topic, tlen) < 0)
		return NOMEM();
	if ((v = url_param(p, "scheme", &dup))) {
		if (!strcasecmp(v, "http"))
			scheme = "http";
		else if (strcasecmp(v, "https") != 0)
			return fail(err, errlen, "scheme must be http or https");
	}
	if ((v = url_param(p, "priority", &dup)) && ntfy_priority(v, &u->priority) < 0)
		return fail(err, errlen, "priority must be 1 to 5, min, low, default, high, max or urgent");
	if (opt_str(p, "title", &u->title, &dup) < 0 || opt_str(p, "tags", &u->tags, &dup) < 0 ||
	    opt_str(p, "click", &u->click, &dup) < 0 || opt_str(p, "icon", &u->icon, &dup) < 0)
		return NOMEM();
	if (dup)
		return fail(err, errlen, "an option is given twice");
	if (unused_query(p, NTFY_KNOWN, err, errlen) < 0)
		return -1;
	if (header(u, "Content-Type", "application/json") < 0 || userinfo_secrets(u, p) < 0)
		return NOMEM();
	if (p->user) {
		if (!p->upass || !*p->upass)
			return fail(err, errlen,
				    "give user:password@, or :token@ for an access token "
				    "(ntfy://:tk_...@host/topic)");
		if (*p->uname ? notifyurl_add_userinfo(u, p) < 0
			      : strvec_pushf(&u->headers, "Authorization: Bearer %s", p->upass) < 0)
			return NOMEM();
	}
	url_base(scheme, p, base, sizeof(base));
	return set_url(u, "%s/", base) < 0 ? NOMEM() : 0;
}

static const char GOTIFY_KNOWN[] = "disabletls, title, priority";

/* The token form gotify gives applications: 'A' and 14 more of these. */
static int gotify_token_ok(const char *t, size_t n)
{
	return n == 15 && t[0] == 'A' && chars_in(t, n, "-_.", 1);
}

static int parse_gotify(struct url_parts *p, struct notifyurl *u, char *err, size_t errlen)
{
	const char *v, *scheme = "https", *path = p->path, *tok;
	size_t plen = p->pathlen, tlen;
	char base[URL_BASE_MAX];
	long prio;
	int dup = 0, tls_off = 0;

	if (p->user)
		return fail(err, errlen, "no user or password: the token is the last part of the path");
	if (plen && path[plen - 1] == '/')
		plen--;
	tok = path + plen;
	while (tok > path && tok[-1] != '/')
		tok--;
	tlen = (size_t)(path + plen - tok);
	if (!gotify_token_ok(tok, tlen))
		return fail(err, errlen,
			    "the last part of the path must be an application token (15 characters, the first "
			    "'A'): gotify://host[:port][/subpath]/token");
	if (notifyurl_add_secret(u, tok, tlen) < 0 || header(u, "Content-Type", "application/json") < 0 ||
	    strvec_pushf(&u->headers, "X-Gotify-Key: %.*s", (int)tlen, tok) < 0)
		return NOMEM();
	if ((v = url_param(p, "disabletls", &dup))) {
		if (parse_bool(v, &tls_off) < 0)
			return fail(err, errlen, "disabletls must be yes or no");
		if (tls_off)
			scheme = "http";
	}
	if ((v = url_param(p, "priority", &dup))) {
		if (parse_int(v, 0, 10, &prio) < 0)
			return fail(err, errlen, "priority must be a number from 0 to 10");
		u->priority = (int)prio;
	}
	if (opt_str(p, "title", &u->title, &dup) < 0)
		return NOMEM();
	if (dup)
		return fail(err, errlen, "an option is given twice");
	if (unused_query(p, GOTIFY_KNOWN, err, errlen) < 0)
		return -1;
	url_base(scheme, p, base, sizeof(base));
	/* tok - path: the subpath with its leading and trailing '/'. */
	return set_url(u, "%s%.*smessage", base, (int)(tok - path), tok > path ? path : "/") < 0 ? NOMEM() : 0;
}

static const char SLACK_KNOWN[] = "botname (username), icon, title";

/* A Slack webhook token: [hook:|hook-|:]P1<sep>P2<sep>P3, the separator
 * one of "-/,", P1 and P2 of 9 or more A-Z and 0-9, P3 of 24 or more
 * letters and digits. Into dst as "P1/P2/P3". */
static int slack_token(const char *t, size_t n, char *dst, size_t cap, char *err, size_t errlen)
{
	const char *part[3], *end = t + n;
	size_t len[3];
	char sep = 0;

	if (n >= 5 && !strncmp(t, "xox", 3) && (t[4] == ':' || t[4] == '-'))
		return fail(err, errlen,
			    "a bot token (xox...) needs Slack's API, which is not supported: use an incoming webhook, "
			    "slack://hook:AAAAAAAAA-BBBBBBBBB-CCCC...@webhook");
	if (n >= 5 && !strncmp(t, "hook", 4) && (t[4] == ':' || t[4] == '-'))
		t += 5;
	else if (n && t[0] == ':')
		t++;
	for (int i = 0; i < 3; i++) {
		part[i] = t;
		while (t < end && isalnum((unsigned char)*t))
			t++;
		len[i] = (size_t)(t - part[i]);
		if (i < 2) {
			if (t == end || !strchr("-/,", *t) || (sep && *t != sep))
				goto bad;
			sep = *t++;
		}
	}
	if (t != end || len[0] < 9 || len[1] < 9 || len[2] < 24 || len[0] > 64 || len[1] > 64 || len[2] > 128 ||
	    !chars_in(part[0], len[0], NULL, 0) || !chars_in(part[1], len[1], NULL, 0))
		goto bad;
	snprintf(dst, cap, "%.*s/%.*s/%.*s", (int)len[0], part[0], (int)len[1], part[1], (int)len[2], part[2]);
	return 0;
bad:
	return fail(err, errlen,
		    "not a Slack webhook token: use slack://hook:AAAAAAAAA-BBBBBBBBB-CCCC...@webhook (the three parts "
		    "of https://hooks.slack.com/services/AAAAAAAAA/BBBBBBBBB/CCCC...)");
}

static int parse_slack(struct url_parts *p, struct notifyurl *u, char *err, size_t errlen)
{
	char tok[400], *legacy = NULL;
	int dup = 0, rc;

	if (p->port)
		return fail(err, errlen, "no port: slack:// goes to https://hooks.slack.com");
	if (p->pathlen > 1) {
		/* The older form: the token is host and path, the user the bot's name. */
		if (asprintf(&legacy, "%.*s%.*s", (int)p->hostlen, p->host, (int)p->pathlen, p->path) < 0)
			return NOMEM();
		rc = slack_token(legacy, strlen(legacy), tok, sizeof(tok), err, errlen);
		if (rc == 0 && notifyurl_add_secret(u, legacy, strlen(legacy)) < 0)
			rc = NOMEM();
		free(legacy);
		if (rc < 0)
			return -1;
		if (p->user && !(u->username = strdup(p->uname)))
			return NOMEM();
	} else {
		if (!p->user)
			return fail(err, errlen, "no token: use slack://hook:AAAAAAAAA-BBBBBBBBB-CCCC...@webhook");
		if (slack_token(p->user, p->userlen, tok, sizeof(tok), err, errlen) < 0)
			return -1;
		if (userinfo_secrets(u, p) < 0)
			return NOMEM();
	}
	if (notifyurl_add_secret(u, strrchr(tok, '/') + 1, strlen(strrchr(tok, '/') + 1)) < 0)
		return NOMEM();
	if (opt_str(p, "botname", &u->username, &dup) < 0 || opt_str(p, "username", &u->username, &dup) < 0 ||
	    opt_str(p, "icon", &u->icon, &dup) < 0 || opt_str(p, "title", &u->title, &dup) < 0)
		return NOMEM();
	if (dup)
		return fail(err, errlen, "an option is given twice");
	if (unused_query(p, SLACK_KNOWN, err, errlen) < 0)
		return -1;
	u->entities = 1;
	if (header(u, "Content-Type", "application/json") < 0)
		return NOMEM();
	return set_url(u, "https://hooks.slack.com/services/%s", tok) < 0 ? NOMEM() : 0;
}

/* https:// or http://: a Slack-compatible webhook, requested as written. */
static int parse_webhook(struct url_parts *p, struct notifyurl *u, const char *url, char *err, size_t errlen)
{
	const char *q = strchr(url, '?');
	char base[URL_BASE_MAX];

	url_base(p->scheme, p, base, sizeof(base));
	if (set_url(u, "%s%.*s%s", base, (int)(p->pathlen ? p->pathlen : 1), p->pathlen ? p->path : "/", q ? q : "") <
		    0 ||
	    header(u, "Content-Type", "application/json") < 0 || notifyurl_add_userinfo(u, p) < 0 ||
	    notifyurl_add_secret(u, p->path, p->pathlen) < 0 ||
	    (q && notifyurl_add_secret(u, q + 1, strlen(q + 1)) < 0))
		return NOMEM();
	u->entities = p->hostlen == 15 && !strncasecmp(p->host, "hooks.slack.com", 15);
	return 0;
}

static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return n > 0;
}

static const char DISCORD_KNOWN[] = "username, avatar (avatarurl), title";

static int parse_discord(struct url_parts *p, struct notifyurl *u, char *err, size_t errlen)
{
	int dup = 0;

	if (!p->user || p->upass || p->userlen < 1 || p->userlen > 128 || !chars_in(p->user, p->userlen, "-_", 1))
		return fail(err, errlen,
			    "the token must come before the '@': discord://token@webhookid (the two last parts of "
			    "https://discord.com/api/webhooks/ID/TOKEN)");
	if (notifyurl_add_secret(u, p->user, p->userlen) < 0)
		return NOMEM();
	if (p->port || p->hostlen > 20 || !digits(p->host, p->hostlen))
		return fail(err, errlen, "the webhook id after the '@' must be a number: discord://token@webhookid");
	if (p->pathlen > 1)
		return fail(err, errlen, "no path: discord://token@webhookid");
	if (opt_str(p, "username", &u->username, &dup) < 0 || opt_str(p, "avatar", &u->avatar, &dup) < 0 ||
	    opt_str(p, "avatarurl", &u->avatar, &dup) < 0 || opt_str(p, "title", &u->title, &dup) < 0)
		return NOMEM();
	if (dup)
		return fail(err, errlen, "an option is given twice");
	if (unused_query(p, DISCORD_KNOWN, err, errlen) < 0)
		return -1;
	if (header(u, "Content-Type", "application/json") < 0)
		return NOMEM();
	return set_url(u, "https://discord.com/api/webhooks/%.*s/%.*s", (int)p->hostlen, p->host, (int)p->userlen,
		       p->user) < 0
		       ? NOMEM()
		       : 0;
}

void notifyurl_init(struct notifyurl *u, const char *url)
{
	memset(u, 0, sizeof(*u));
	u->priority = -1;
	u->method = "POST";
	notifyurl_redact(url, u->shown, sizeof(u->shown));
}

int notifyurl_parse(const char *url, struct notifyurl *out, char *err, size_t errlen)
{
	struct url_parts p;
	const char *s;
	int rc;

	notifyurl_init(out, url);
	if (url_split(url, &p, err, errlen) < 0) {
		rc = -1;
		goto out;
	}
	s = p.scheme;
	if (!strcmp(s, "generic") || !strcmp(s, "generic+https") || !strcmp(s, "generic+http")) {
		out->kind = NOTIFYURL_GENERIC;
		rc = parse_generic(&p, out, err, errlen);
	} else if (!strcmp(s, "ntfy")) {
		out->kind = NOTIFYURL_NTFY;
		rc = parse_ntfy(&p, out, err, errlen);
	} else if (!strcmp(s, "gotify")) {
		out->kind = NOTIFYURL_GOTIFY;
		rc = parse_gotify(&p, out, err, errlen);
	} else if (!strcmp(s, "slack")) {
		out->kind = NOTIFYURL_SLACK;
		rc = parse_slack(&p, out, err, errlen);
	} else if (!strcmp(s, "https") || !strcmp(s, "http")) {
		out->kind = NOTIFYURL_SLACK;
		rc = parse_webhook(&p, out, url, err, errlen);
	} else if (!strcmp(s, "discord")) {
		out->kind = NOTIFYURL_DISCORD;
		rc = parse_discord(&p, out, err, errlen);
	} else {
		rc = fail(err, errlen,
			  "unknown scheme '%s': use generic+https://, ntfy://, gotify://, slack://, discord:// or "
			  "a Slack-compatible https:// webhook URL",
			  s);
	}
out:
	url_free(&p);
	return rc;
}

void notifyurl_free(struct notifyurl *u)
{
	if (!u)
		return;
	free(u->url);
	strvec_free(&u->headers);
	strvec_free(&u->secrets);
	free(u->title);
	free(u->topic);
	free(u->tags);
	free(u->click);
	free(u->icon);
	free(u->username);
	free(u->avatar);
	memset(u, 0, sizeof(*u));
	u->priority = -1;
}

void notifyurl_free_list(struct notifyurl *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		notifyurl_free(&v[i]);
	free(v);
}

#define SPACE " \t\r\n\v\f"

int notifyurl_parse_list(const char *value, struct notifyurl **out, size_t *n, char *err, size_t errlen)
{
	struct notifyurl *v = NULL;
	size_t total = 0, k = 0;
	const char *s;
	char why[512], one[NOTIFYURL_MAX + 2];

	*out = NULL;
	*n = 0;
	for (s = value ? value + strspn(value, SPACE) : ""; *s; s += strspn(s, SPACE)) {
		total++;
		s += strcspn(s, SPACE);
	}
	if (total == 0)
		return 0;
	if (total > NOTIFYURL_LIST_MAX)
		return fail(err, errlen, "NOTIFY_URLS: %zu URLs, at most %d are allowed", total, NOTIFYURL_LIST_MAX);
	v = calloc(total, sizeof(*v));
	if (!v)
		return fail(err, errlen, "NOTIFY_URLS: out of memory");
	for (s = value + strspn(value, SPACE); *s; s += strspn(s, SPACE), k++) {
		size_t len = strcspn(s, SPACE);
		char shown[NOTIFYURL_SHOWN_MAX];

		/* A URL longer than the limit keeps one character more than
		 * it allows, and is refused for its length. */
		snprintf(one, sizeof(one), "%.*s", (int)len, s);
		s += len;
		if (notifyurl_parse(one, &v[k], why, sizeof(why)) < 0) {
			snprintf(shown, sizeof(shown), "%s", v[k].shown);
			notifyurl_free_list(v, k + 1);
			return fail(err, errlen, "NOTIFY_URLS: URL %zu of %zu (%s): %s", k + 1, total, shown, why);
		}
	}
	*out = v;
	*n = total;
	return 0;
}
