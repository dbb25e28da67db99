/* notifyurl: the notification URLs (NOTIFY_URLS) and the ping URL
 * (PING_URL), each turned into the HTTP request it stands for: method,
 * http(s) URL, headers and the kind of body to send. No libcurl here: the
 * agent links this module to refuse a bad URL at start, rds-notify to send.
 *
 * NOTIFY_URLS forms (those of shoutrrr; the options are query parameters):
 *   generic+https://[user:pass@]host[:port]/path[?query]  (generic+http://;
 *       generic://host/path is https unless ?disabletls=yes). The body is
 *       our JSON event document (notifymsg.h). ?method=POST|PUT; ?@Name=value
 *       adds the header Name (shoutrrr's camelCase form: @xApiKey is
 *       X-Api-Key); the options that shape shoutrrr's own body (template,
 *       title, contenttype, messagekey, titlekey, $key) are refused; every
 *       other parameter stays in the URL requested.
 *   ntfy://[user:pass@]host[:port]/topic, ntfy://:token@host/topic: ntfy's
 *       JSON publish (POST / with the topic in the body), basic auth or
 *       "Authorization: Bearer token". ?scheme=http|https (https),
 *       ?title=, ?priority=1..5|min|low|default|high|max|urgent, ?tags=a,b,
 *       ?click=, ?icon=.
 *   gotify://host[:port][/subpath]/token: POST /subpath/message, the token
 *       in the X-Gotify-Key header. ?disabletls=yes (http), ?title=,
 *       ?priority=0..10.
 *   slack://hook:AAAAAAAAA-BBBBBBBBB-CCCCCCCCCCCCCCCCCCCCCCCC@webhook and the
 *       older slack://[botname@]AAAAAAAAA/BBBBBBBBB/CCCC...: Slack's incoming
 *       webhook https://hooks.slack.com/services/A/B/C. ?botname= (or
 *       ?username=), ?icon= (an emoji, or an http(s) URL), ?title=.
 *       Bot tokens (xoxb:, xoxp:) are refused: they need Slack's API.
 *   https://host/path (or http://): any Slack-compatible incoming webhook
 *       (Slack, Mattermost, Rocket.Chat), requested as written.
 *   discord://token@webhookid: https://discord.com/api/webhooks/ID/TOKEN.
 *       ?username=, ?avatar= (or ?avatarurl=), ?title=.
 * Any other parameter of ntfy, gotify, slack and discord URLs is refused (a
 * typo must not be ignored). A '#' must be written %23, any other character
 * outside RFC 3986's set percent-encoded.
 *
 * PING_URL has its own forms (pingurl.h) over the same struct.
 *
 * Secrets: passwords and tokens are in url and headers only. Every error
 * text and notifyurl_redact show the scheme and host (and port), never a
 * path, user, password, token or a query's value (an unknown option is
 * named only when its name is a short word of letters and '_'). */
#ifndef RDS_NOTIFYURL_H
#define RDS_NOTIFYURL_H
#include <stddef.h>

#include "url.h"
#include "util.h"

#define NOTIFYURL_MAX URL_MAX /* longest URL accepted */
#define NOTIFYURL_LIST_MAX 16 /* most URLs in NOTIFY_URLS */
#define NOTIFYURL_SHOWN_MAX 320

enum notifyurl_kind {
	NOTIFYURL_GENERIC,   /* our JSON event document */
	NOTIFYURL_NTFY,      /* JSON topic/title/message/priority/tags */
	NOTIFYURL_GOTIFY,    /* JSON title/message/priority */
	NOTIFYURL_SLACK,     /* JSON text (Slack and compatible webhooks) */
	NOTIFYURL_DISCORD,   /* JSON content */
	NOTIFYURL_PING_HC,   /* PING_URL, healthchecks.io's form (pingurl.h) */
	NOTIFYURL_PING_KUMA, /* PING_URL, an Uptime Kuma push URL (pingurl.h) */
};

struct notifyurl {
	enum notifyurl_kind kind;
	const char *method;              /* "POST", "PUT" or "GET" (static) */
	char *url;                       /* the http:// or https:// URL (holds secrets) */
	struct strvec headers;           /* "Name: value": Content-Type, Authorization... */
	struct strvec secrets;           /* the URL's secret parts, for notifyurl_scrub */
	char shown[NOTIFYURL_SHOWN_MAX]; /* notifyurl_redact of the URL */
	/* Body options from the URL; NULL (or -1) when not given. */
	char *title;    /* ntfy, gotify, slack, discord */
	int priority;   /* ntfy 1..5, gotify 0..10; -1: chosen by the event */
	char *topic;    /* ntfy */
	char *tags;     /* ntfy, "a,b" */
	char *click;    /* ntfy */
	char *icon;     /* ntfy (URL), slack (emoji or URL) */
	char *username; /* slack botname, discord username */
	char *avatar;   /* discord avatar URL */
	int entities;   /* Slack itself: & < > are written as HTML entities */
};

/* Parses one NOTIFY_URLS URL into *out (every field owned by *out: free with
 * notifyurl_free, also after an error). Returns 0, or -1 with a one-line
 * reason in err that says what is valid (it names no secret and not the
 * URL: the caller shows notifyurl_redact's text). */
int notifyurl_parse(const char *url, struct notifyurl *out, char *err, size_t errlen);

/* Frees what *u owns and zeroes it (NULL-safe, twice-safe). */
void notifyurl_free(struct notifyurl *u);

/* Splits value (NOTIFY_URLS: URLs separated by white space) and parses each
 * into a new array *out of *n entries (owned by the caller: free with
 * notifyurl_free_list). An empty or blank value gives *n = 0. Returns 0, or
 * -1 with err naming the setting, the URL's place and its redacted form:
 * "NOTIFY_URLS: URL 2 of 3 (ntfy://host): REASON"; then *out is NULL. */
int notifyurl_parse_list(const char *value, struct notifyurl **out, size_t *n, char *err, size_t errlen);
void notifyurl_free_list(struct notifyurl *v, size_t n); /* NULL-safe */

/* Writes "scheme://host" (with ":port" when the URL gives one) of url into
 * dst (capacity cap, always NUL-terminated) and returns its length. The
 * slack:// and discord:// forms show the public host they go to
 * (slack://hooks.slack.com, discord://discord.com): their host part is a
 * token. A host part that is no host name (a password left without its
 * '@') shows as "(hidden)", a string without "scheme://" as
 * "(not a URL)". Never more of the URL than that. */
size_t notifyurl_redact(const char *url, char *dst, size_t cap);

/* Replaces every occurrence of one of u's secrets in text (NUL-terminated,
 * changed in place) by "***": for messages that came from elsewhere (a
 * server's answer, libcurl) before they are shown. */
void notifyurl_scrub(const struct notifyurl *u, char *text);

/* For the modules that fill a struct notifyurl (pingurl.c).
 * notifyurl_init: zeroes *u, no priority, method POST, shown from url.
 * notifyurl_add_secret: s[0..n) becomes one of u's secrets; shorter than 3
 *   bytes it is left out (ordinary words of a message would match).
 * notifyurl_add_userinfo: p's user and password as secrets and as the
 *   header "Authorization: Basic ..." (nothing without user info).
 * Both return 0, or -1 out of memory. */
void notifyurl_init(struct notifyurl *u, const char *url);
int notifyurl_add_secret(struct notifyurl *u, const char *s, size_t n);
int notifyurl_add_userinfo(struct notifyurl *u, const struct url_parts *p);

#endif
