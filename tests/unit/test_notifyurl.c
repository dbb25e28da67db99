/* Unit tests for src/common/url.c, notifyurl.c and pingurl.c: every
 * NOTIFY_URLS form (generic, ntfy, gotify, slack in both token forms, a
 * Slack-compatible https:// webhook, discord) with user:password, ports,
 * IPv6 hosts and query options, the requests they stand for (method, URL,
 * headers), bad URLs and their error texts, PING_URL's healthchecks.io and
 * Uptime Kuma forms; no error text and no shown form ever holds a token or
 * a password. */
#include <stdlib.h>

#include "notifyurl.h"
#include "pingurl.h"
#include "t.h"

#define NO_SECRETS ((const char *const[]){ NULL })
#define SECRETS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static int has_header(const struct notifyurl *u, const char *line)
{
	for (size_t i = 0; i < u->headers.n; i++)
		if (!strcmp(u->headers.v[i], line))
			return 1;
	return 0;
}

static int count_prefix(const struct notifyurl *u, const char *prefix)
{
	int n = 0;
	for (size_t i = 0; i < u->headers.n; i++)
		n += !strncmp(u->headers.v[i], prefix, strlen(prefix));
	return n;
}

/* 1 when text holds none of secrets. */
static int clean(const char *text, const char *const *secrets)
{
	for (; *secrets; secrets++)
		if (strstr(text, *secrets))
			return 0;
	return 1;
}

/* Parses url, which must be valid, into *u and checks kind, method, target
 * URL and shown form; the caller checks the rest and frees *u. */
static int good(const char *url, struct notifyurl *u, enum notifyurl_kind kind, const char *method, const char *target,
		const char *shown, const char *const *secrets)
{
	char err[512] = "";
	int rc = notifyurl_parse(url, u, err, sizeof(err));

	CHECK(rc == 0, "[%s] is accepted (%s)", url, err);
	if (rc != 0)
		return 0;
	CHECK_INT(u->kind, kind, "[%s]: kind", url);
	CHECK_STR(u->method, method, "[%s]: method", url);
	CHECK_STR(u->url, target, "[%s]: the request's URL", url);
	CHECK_STR(u->shown, shown, "[%s]: shown as %s", url, shown);
	CHECK(clean(u->shown, secrets), "[%s]: the shown form holds no secret", url);
	return 1;
}

/* url is refused with an error holding needle and no secret, and so is a
 * NOTIFY_URLS of it, naming the setting and the shown form. */
static void bad(const char *url, const char *needle, const char *shown, const char *const *secrets)
{
	struct notifyurl u, *list = NULL;
	char err[512] = "", lerr[700] = "", want[400];
	size_t n = 9;
	int rc = notifyurl_parse(url, &u, err, sizeof(err));

	CHECK(rc < 0 && strstr(err, needle) && clean(err, secrets), "[%.60s] is refused with \"%s\" (got \"%s\")", url,
	      needle, err);
	notifyurl_free(&u);
	if (!*url || strpbrk(url, " \t\n"))
		return; /* NOTIFY_URLS would split it */
	rc = notifyurl_parse_list(url, &list, &n, lerr, sizeof(lerr));
	snprintf(want, sizeof(want), "NOTIFY_URLS: URL 1 of 1 (%s): ", shown);
	CHECK(rc < 0 && !list && n == 0 && !strncmp(lerr, want, strlen(want)) && strstr(lerr, needle) &&
		      clean(lerr, secrets) && !strchr(lerr, '\n'),
	      "as NOTIFY_URLS: \"%s\"", lerr);
}

static void generic(void)
{
	struct notifyurl u;

	if (good("generic+https://example.com/hook", &u, NOTIFYURL_GENERIC, "POST", "https://example.com/hook",
		 "generic+https://example.com", NO_SECRETS)) {
		CHECK(has_header(&u, "Content-Type: application/json") && u.headers.n == 1,
		      "generic: JSON, no other header");
	}
	notifyurl_free(&u);
	if (good("generic+http://user:p%40ss@127.0.0.1:8080/in/x?a=1&@xApiKey=k3y-value&b=two+words&disabletls=no", &u,
		 NOTIFYURL_GENERIC, "POST", "http://127.0.0.1:8080/in/x?a=1&b=two+words",
		 "generic+http://127.0.0.1:8080", SECRETS("p%40ss", "p@ss", "k3y-value"))) {
		CHECK(has_header(&u, "Authorization: Basic dXNlcjpwQHNz"), "generic: user:p%%40ss as basic auth");
		CHECK(has_header(&u, "X-Api-Key: k3y-value"), "generic: @xApiKey is the header X-Api-Key");
	}
	notifyurl_free(&u);
	good("generic://[fd00::5]:9000/a/b?disabletls=yes&method=put", &u, NOTIFYURL_GENERIC, "PUT",
	     "http://[fd00::5]:9000/a/b", "generic://[fd00::5]:9000", NO_SECRETS);
	notifyurl_free(&u);
	good("GENERIC://Example.com", &u, NOTIFYURL_GENERIC, "POST", "https://Example.com/", "generic://Example.com",
	     NO_SECRETS);
	notifyurl_free(&u);
	if (good("generic+https://h.example/x?@authorization=Bearer+tok-98765", &u, NOTIFYURL_GENERIC, "POST",
		 "https://h.example/x", "generic+https://h.example", SECRETS("tok-98765")))
		CHECK(has_header(&u, "Authorization: Bearer tok-98765"), "generic: @authorization=Bearer+TOKEN");
	notifyurl_free(&u);

	bad("generic+https://h/x?template=json", "'template' is not supported", "generic+https://h", NO_SECRETS);
	bad("generic+https://h/x?title=Hi", "'title' is not supported", "generic+https://h", NO_SECRETS);
	bad("generic+https://h/x?$extra=1", "extra data", "generic+https://h", NO_SECRETS);
	/* After a parameter kept in the query (leaked it: fuzz/fuzz_notifyurl.c). */
	bad("generic+https://h/x?keep=1&$extra=1", "extra data", "generic+https://h", NO_SECRETS);
	bad("generic+https://h/x?@Host=evil", "header option", "generic+https://h", NO_SECRETS);
	bad("generic+https://h/x?@X_Y=1", "header option", "generic+https://h", NO_SECRETS);
	bad("generic+https://h/x?@X=a%0d%0aEvil:+1", "control character", "generic+https://h", NO_SECRETS);
	bad("generic+https://h/x?method=GET", "method must be POST or PUT", "generic+https://h", NO_SECRETS);
	bad("generic://h/x?disabletls=maybe", "disabletls must be yes or no", "generic://h", NO_SECRETS);
}

static void ntfy(void)
{
	struct notifyurl u;

	if (good("ntfy://ntfy.sh/alerts", &u, NOTIFYURL_NTFY, "POST", "https://ntfy.sh/", "ntfy://ntfy.sh",
		 SECRETS("alerts"))) {
		CHECK_STR(u.topic, "alerts", "ntfy: the topic");
		CHECK(u.priority == -1 && !u.title && !u.tags && !count_prefix(&u, "Authorization:"),
		      "ntfy: no options, no auth");
	}
	notifyurl_free(&u);
	if (good("ntfy://alice:s3cret@ntfy.example.com:8443/backup-alerts/?priority=high&Tags=floppy_disk,rds"
		 "&title=Backups+%C3%A9t%C3%A9&click=https://example.com/x&icon=https://example.com/i.png",
		 &u, NOTIFYURL_NTFY, "POST", "https://ntfy.example.com:8443/", "ntfy://ntfy.example.com:8443",
		 SECRETS("s3cret", "alice:", "backup-alerts"))) {
		CHECK(has_header(&u, "Authorization: Basic YWxpY2U6czNjcmV0"), "ntfy: user:password as basic auth");
		CHECK(u.priority == 4 && !strcmp(u.tags, "floppy_disk,rds") &&
			      !strcmp(u.title, "Backups \xc3\xa9t\xc3\xa9"),
		      "ntfy: priority high is 4, tags (key in any case), title decoded ('+' a space, UTF-8)");
		CHECK(!strcmp(u.click, "https://example.com/x") && !strcmp(u.icon, "https://example.com/i.png"),
		      "ntfy: click and icon");
		CHECK_STR(u.topic, "backup-alerts", "ntfy: a trailing '/' after the topic");
	}
	notifyurl_free(&u);
	if (good("ntfy://:tk_abcdef123@127.0.0.1:8080/t1?scheme=http", &u, NOTIFYURL_NTFY, "POST",
		 "http://127.0.0.1:8080/", "ntfy://127.0.0.1:8080", SECRETS("tk_abcdef123")))
		CHECK(has_header(&u, "Authorization: Bearer tk_abcdef123") && count_prefix(&u, "Authorization:") == 1,
		      "ntfy: :token@ is a bearer token");
	notifyurl_free(&u);
	if (good("ntfy://[::1]:2586/topic?scheme=HTTP&priority=urgent", &u, NOTIFYURL_NTFY, "POST",
		 "http://[::1]:2586/", "ntfy://[::1]:2586", NO_SECRETS))
		CHECK_INT(u.priority, 5, "ntfy: urgent is 5");
	notifyurl_free(&u);
	if (good("ntfy://ntfy.sh/t?priority=2", &u, NOTIFYURL_NTFY, "POST", "https://ntfy.sh/", "ntfy://ntfy.sh",
		 NO_SECRETS))
		CHECK_INT(u.priority, 2, "ntfy: priority 2");
	notifyurl_free(&u);

	bad("ntfy://ntfy.sh", "the path must be one topic", "ntfy://ntfy.sh", NO_SECRETS);
	bad("ntfy://ntfy.sh/a/b", "the path must be one topic", "ntfy://ntfy.sh", NO_SECRETS);
	bad("ntfy://ntfy.sh/a.b", "the path must be one topic", "ntfy://ntfy.sh", NO_SECRETS);
	bad("ntfy://bob@ntfy.sh/t", "give user:password@", "ntfy://ntfy.sh", NO_SECRETS);
	bad("ntfy://ntfy.sh/t?scheme=ftp", "scheme must be http or https", "ntfy://ntfy.sh", NO_SECRETS);
	bad("ntfy://ntfy.sh/t?priority=9", "priority must be 1 to 5", "ntfy://ntfy.sh", NO_SECRETS);
	bad("ntfy://ntfy.sh/t?delay=1h", "unknown option 'delay' (known: scheme, title", "ntfy://ntfy.sh", NO_SECRETS);
	bad("ntfy://ntfy.sh/t?title=a&title=b", "an option is given twice", "ntfy://ntfy.sh", NO_SECRETS);
	/* The '@' forgotten: the password would be the "port". */
	bad("ntfy://alice:s3cret/topic", "not a host[:port]", "ntfy://(hidden)", SECRETS("s3cret"));
	bad("ntfy://alice:s3cret@/topic", "no host", "ntfy://(hidden)", SECRETS("s3cret"));
}

static void gotify(void)
{
	struct notifyurl u;

	if (good("gotify://gotify.example.com/AbCdEfGhIjKlMn0", &u, NOTIFYURL_GOTIFY, "POST",
		 "https://gotify.example.com/message", "gotify://gotify.example.com", SECRETS("AbCdEfGhIjKlMn0"))) {
		CHECK(has_header(&u, "X-Gotify-Key: AbCdEfGhIjKlMn0") &&
			      has_header(&u, "Content-Type: application/json"),
		      "gotify: the token in X-Gotify-Key, not in the URL");
		CHECK(u.priority == -1 && !u.title, "gotify: no options");
	}
	notifyurl_free(&u);
	if (good("gotify://10.0.0.2:8080/sub/path/AbCdEfGhIjKlMn0/?disabletls=yes&priority=0&title=Hi+there", &u,
		 NOTIFYURL_GOTIFY, "POST", "http://10.0.0.2:8080/sub/path/message", "gotify://10.0.0.2:8080",
		 SECRETS("AbCdEfGhIjKlMn0")))
		CHECK(u.priority == 0 && !strcmp(u.title, "Hi there"), "gotify: a subpath, priority 0, a title");
	notifyurl_free(&u);
	good("gotify://[fd00::1]/A.b-c_d.e-f_g.h", &u, NOTIFYURL_GOTIFY, "POST", "https://[fd00::1]/message",
	     "gotify://[fd00::1]", NO_SECRETS);
	notifyurl_free(&u);

	bad("gotify://gotify.example.com/Cxxxxxxxxxxxxxx", "an application token", "gotify://gotify.example.com",
	    NO_SECRETS);
	bad("gotify://gotify.example.com/AbCdEf", "an application token", "gotify://gotify.example.com", NO_SECRETS);
	bad("gotify://gotify.example.com", "an application token", "gotify://gotify.example.com", NO_SECRETS);
	bad("gotify://u:pw1234@h/AbCdEfGhIjKlMn0", "no user or password", "gotify://h", SECRETS("pw1234"));
	bad("gotify://h/AbCdEfGhIjKlMn0?priority=11", "priority must be a number from 0 to 10", "gotify://h",
	    SECRETS("AbCdEfGhIjKlMn0"));
	bad("gotify://h/AbCdEfGhIjKlMn0?disabletls=sure", "disabletls must be yes or no", "gotify://h",
	    SECRETS("AbCdEfGhIjKlMn0"));
	bad("gotify://h/AbCdEfGhIjKlMn0?token=x", "unknown option 'token'", "gotify://h", SECRETS("AbCdEfGhIjKlMn0"));
}

#define SLACK_C "XXXXXXXXXXXXXXXXXXXXXXXX"
#define SLACK_HOOK "https://hooks.slack.com/services/T00000000/B00000000/" SLACK_C

static void slack(void)
{
	struct notifyurl u;

	if (good("slack://hook:T00000000-B00000000-" SLACK_C "@webhook", &u, NOTIFYURL_SLACK, "POST", SLACK_HOOK,
		 "slack://hooks.slack.com", SECRETS(SLACK_C, "T00000000")))
		CHECK(u.entities && !u.username && has_header(&u, "Content-Type: application/json"),
		      "slack: Slack's entities, no bot name");
	notifyurl_free(&u);
	if (good("slack://rdsbot@T00000000/B00000000/" SLACK_C "?icon=:floppy_disk:&title=Backups", &u, NOTIFYURL_SLACK,
		 "POST", SLACK_HOOK, "slack://hooks.slack.com", SECRETS(SLACK_C, "T00000000")))
		CHECK(!strcmp(u.username, "rdsbot") && !strcmp(u.icon, ":floppy_disk:") && !strcmp(u.title, "Backups"),
		      "slack, the older form: bot name, icon, title");
	notifyurl_free(&u);
	if (good("slack://hook:T00000000,B00000000," SLACK_C "@mychannel?botname=rds", &u, NOTIFYURL_SLACK, "POST",
		 SLACK_HOOK, "slack://hooks.slack.com", SECRETS(SLACK_C)))
		CHECK_STR(u.username, "rds", "slack: ',' separators, ?botname=");
	notifyurl_free(&u);
	good("slack://:T00000000-B00000000-" SLACK_C "@webhook?username=x", &u, NOTIFYURL_SLACK, "POST", SLACK_HOOK,
	     "slack://hooks.slack.com", SECRETS(SLACK_C));
	notifyurl_free(&u);

	bad("slack://xoxb:123456789012-1234567890123-ABCDEFGHIJKLMNOPQRSTUVWX@C0123456789", "a bot token",
	    "slack://hooks.slack.com", SECRETS("ABCDEFGHIJKLMNOPQRSTUVWX"));
	bad("slack://hook:short-token-xyz@webhook", "not a Slack webhook token", "slack://hooks.slack.com",
	    SECRETS("short-token-xyz"));
	bad("slack://hook:T00000000-B00000000," SLACK_C "@webhook", "not a Slack webhook token",
	    "slack://hooks.slack.com", SECRETS(SLACK_C));
	bad("slack://webhook", "no token", "slack://hooks.slack.com", NO_SECRETS);
	bad("slack://hook:T00000000-B00000000-" SLACK_C "@webhook?color=good", "unknown option 'color'",
	    "slack://hooks.slack.com", SECRETS(SLACK_C));
	bad("slack://hook:T00000000-B00000000-" SLACK_C "@webhook:443", "no port", "slack://hooks.slack.com",
	    SECRETS(SLACK_C));
}

static void webhook(void)
{
	struct notifyurl u;

	if (good("https://mattermost.example.com/hooks/abc123xyz", &u, NOTIFYURL_SLACK, "POST",
		 "https://mattermost.example.com/hooks/abc123xyz", "https://mattermost.example.com",
		 SECRETS("abc123xyz")))
		CHECK(!u.entities && u.headers.n == 1, "a Mattermost webhook: no entities, only Content-Type");
	notifyurl_free(&u);
	if (good(SLACK_HOOK, &u, NOTIFYURL_SLACK, "POST", SLACK_HOOK, "https://hooks.slack.com", SECRETS(SLACK_C)))
		CHECK(u.entities, "Slack's own webhook URL: entities");
	notifyurl_free(&u);
	if (good("http://bot:pw-5678@127.0.0.1:3000/hooks/x?token=abc987", &u, NOTIFYURL_SLACK, "POST",
		 "http://127.0.0.1:3000/hooks/x?token=abc987", "http://127.0.0.1:3000", SECRETS("pw-5678", "abc987")))
		CHECK(has_header(&u, "Authorization: Basic Ym90OnB3LTU2Nzg="),
		      "http:// webhook: query kept, basic auth");
	notifyurl_free(&u);
	good("https://[2001:db8::7]:8443", &u, NOTIFYURL_SLACK, "POST", "https://[2001:db8::7]:8443/",
	     "https://[2001:db8::7]:8443", NO_SECRETS);
	notifyurl_free(&u);
}

static void discord(void)
{
	struct notifyurl u;

	if (good("discord://AbC-dEf_123token@123456789012345678", &u, NOTIFYURL_DISCORD, "POST",
		 "https://discord.com/api/webhooks/123456789012345678/AbC-dEf_123token", "discord://discord.com",
		 SECRETS("AbC-dEf_123token", "123456789012345678")))
		CHECK(!u.username && !u.avatar && !u.title, "discord: no options");
	notifyurl_free(&u);
	if (good("discord://tok_42x@1234/?username=rds&avatarurl=https%3A%2F%2Fexample.com%2Fa.png&title=Backups", &u,
		 NOTIFYURL_DISCORD, "POST", "https://discord.com/api/webhooks/1234/tok_42x", "discord://discord.com",
		 SECRETS("tok_42x")))
		CHECK(!strcmp(u.username, "rds") && !strcmp(u.avatar, "https://example.com/a.png") &&
			      !strcmp(u.title, "Backups"),
		      "discord: username, avatarurl (decoded), title");
	notifyurl_free(&u);

	bad("discord://123456789012345678", "the token must come before the '@'", "discord://discord.com", NO_SECRETS);
	bad("discord://tok:en@1234", "the token must come before the '@'", "discord://discord.com", SECRETS("tok:en"));
	bad("discord://tok123@notanumber", "must be a number", "discord://discord.com", SECRETS("tok123"));
	bad("discord://tok123@1234:80", "must be a number", "discord://discord.com", SECRETS("tok123"));
	bad("discord://tok123@1234/raw", "no path", "discord://discord.com", SECRETS("tok123"));
	bad("discord://tok123@1234?splitlines=yes", "unknown option 'splitlines'", "discord://discord.com",
	    SECRETS("tok123"));
	bad("discord://tok123@1234?s3cr3t-t0ken", "an unknown option (known: username", "discord://discord.com",
	    SECRETS("tok123", "s3cr3t-t0ken"));
}

static void malformed(void)
{
	char big[3000];

	bad("", "empty URL", "(not a URL)", NO_SECRETS);
	bad("ntfy.sh/topic", "it must start with scheme://", "(not a URL)", NO_SECRETS);
	bad("hooks.slack.com/services/T0/B0/sekrit-part", "scheme://", "(not a URL)", SECRETS("sekrit-part"));
	bad("ftp://files.example.com/x", "unknown scheme 'ftp'", "ftp://files.example.com", NO_SECRETS);
	bad("ntfy://ntfy.sh/top ic", "percent-encode it", "ntfy://ntfy.sh", NO_SECRETS);
	bad("ntfy://ntfy.sh/t\xc3\xa9", "non-ASCII", "ntfy://ntfy.sh", NO_SECRETS);
	bad("ntfy://ntfy.sh/t#x", "a '#' must be written %23", "ntfy://ntfy.sh", NO_SECRETS);
	bad("ntfy://ntfy.sh/\"x", "the character '\"' must be percent-encoded (%22)", "ntfy://ntfy.sh", NO_SECRETS);
	bad("ntfy://ntfy.sh:99999/t", "a port of 1..65535", "ntfy://(hidden)", NO_SECRETS);
	bad("ntfy://ntfy.sh:0/t", "a port of 1..65535", "ntfy://(hidden)", NO_SECRETS);
	bad("ntfy://[fd00::zz]/t", "not a host[:port]", "ntfy://(hidden)", NO_SECRETS);
	bad("ntfy://[fd00::1/t", "not a host[:port]", "ntfy://(hidden)", NO_SECRETS);
	bad("ntfy://-x.example/t", "not a host[:port]", "ntfy://(hidden)", NO_SECRETS);
	bad("ntfy://ntfy.sh/t?title=%zz", "a bad %-sequence in the query", "ntfy://ntfy.sh", NO_SECRETS);
	bad("ntfy://ntfy.sh/t?title=a%00b", "a bad %-sequence in the query", "ntfy://ntfy.sh", NO_SECRETS);
	bad("ntfy://ntfy.sh/t?title=%ff", "not UTF-8", "ntfy://ntfy.sh", NO_SECRETS);
	bad("ntfy://u:p%zz@ntfy.sh/t", "a bad %-sequence in the user or password", "ntfy://ntfy.sh", SECRETS("p%zz"));
	bad("ntfy://u:p%0a1@ntfy.sh/t", "a control character in the user or password", "ntfy://ntfy.sh",
	    SECRETS("p%0a1"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "ntfy://ntfy.sh/", 15);
	bad(big, "longer than 2048 characters", "ntfy://ntfy.sh", NO_SECRETS);
}

static void lists(void)
{
	struct notifyurl *v = NULL;
	char err[700] = "", many[2048] = "";
	size_t n = 0;

	CHECK(notifyurl_parse_list("  ntfy://ntfy.sh/a\n\tdiscord://tok123@1234  ", &v, &n, err, sizeof(err)) == 0 &&
		      n == 2 && v[0].kind == NOTIFYURL_NTFY && v[1].kind == NOTIFYURL_DISCORD,
	      "NOTIFY_URLS: two URLs between blanks (%s)", err);
	notifyurl_free_list(v, n);
	CHECK(notifyurl_parse_list(" \t ", &v, &n, err, sizeof(err)) == 0 && n == 0 && !v, "blank: no URL");
	CHECK(notifyurl_parse_list(NULL, &v, &n, err, sizeof(err)) == 0 && n == 0 && !v, "unset: no URL");
	CHECK(notifyurl_parse_list("ntfy://ntfy.sh/a discord://tok123@x", &v, &n, err, sizeof(err)) < 0 && !v &&
		      !strncmp(err, "NOTIFY_URLS: URL 2 of 2 (discord://discord.com): the webhook id", 63) &&
		      !strstr(err, "tok123"),
	      "the second URL's error names its place (%s)", err);
	for (int i = 0; i < NOTIFYURL_LIST_MAX + 1; i++)
		strcat(many, "ntfy://ntfy.sh/a ");
	CHECK(notifyurl_parse_list(many, &v, &n, err, sizeof(err)) < 0 && strstr(err, "17 URLs, at most 16"),
	      "17 URLs: refused (%s)", err);
}

static void ping(void)
{
	struct notifyurl u;
	char err[512] = "", *url = NULL;

	CHECK(pingurl_parse("https://hc-ping.com/1f2e3d4c-aaaa", &u, err, sizeof(err)) == 0 &&
		      u.kind == NOTIFYURL_PING_HC && !strcmp(u.method, "POST") &&
		      has_header(&u, "Content-Type: text/plain; charset=utf-8") &&
		      !strcmp(u.shown, "https://hc-ping.com"),
	      "PING_URL: a healthchecks.io check, POST of text (%s)", err);
	CHECK(pingurl_request(&u, PINGURL_START, NULL, &url) == 0 &&
		      !strcmp(url, "https://hc-ping.com/1f2e3d4c-aaaa/start"),
	      "start: /start (%s)", url);
	free(url);
	CHECK(pingurl_request(&u, PINGURL_SUCCESS, NULL, &url) == 0 &&
		      !strcmp(url, "https://hc-ping.com/1f2e3d4c-aaaa"),
	      "success: the URL itself (%s)", url);
	free(url);
	CHECK(pingurl_request(&u, PINGURL_FAIL, "x", &url) == 0 &&
		      !strcmp(url, "https://hc-ping.com/1f2e3d4c-aaaa/fail"),
	      "fail: /fail (%s)", url);
	free(url);
	notifyurl_free(&u);

	pingurl_parse("https://hc-ping.com/pingkey/my-slug?create=1", &u, err, sizeof(err));
	CHECK(pingurl_request(&u, PINGURL_FAIL, NULL, &url) == 0 &&
		      !strcmp(url, "https://hc-ping.com/pingkey/my-slug/fail?create=1"),
	      "the suffix goes on the path, the query is kept (%s)", url);
	free(url);
	notifyurl_free(&u);

	pingurl_parse("https://hc.example.com/ping/uuid-1/", &u, err, sizeof(err));
	CHECK(pingurl_request(&u, PINGURL_START, NULL, &url) == 0 &&
		      !strcmp(url, "https://hc.example.com/ping/uuid-1/start"),
	      "a trailing '/' is not doubled (%s)", url);
	free(url);
	notifyurl_free(&u);

	CHECK(pingurl_parse("http://user:pw-4321@[::1]:8000/ping/abc", &u, err, sizeof(err)) == 0 &&
		      !strcmp(u.url, "http://[::1]:8000/ping/abc") &&
		      has_header(&u, "Authorization: Basic dXNlcjpwdy00MzIx") && !strcmp(u.shown, "http://[::1]:8000"),
	      "user:password: basic auth, not in the URL requested (%s)", u.url);
	notifyurl_free(&u);

	CHECK(pingurl_parse("https://kuma.example.com:3001/api/push/AbCdEf123?status=up&msg=OK&ping=", &u, err,
			    sizeof(err)) == 0 &&
		      u.kind == NOTIFYURL_PING_KUMA && !strcmp(u.method, "GET") && u.headers.n == 0,
	      "an Uptime Kuma push URL: GET (%s)", err);
	CHECK(pingurl_request(&u, PINGURL_START, NULL, &url) == 1 && !url, "Kuma: nothing sent at start");
	CHECK(pingurl_request(&u, PINGURL_SUCCESS, NULL, &url) == 0 &&
		      !strcmp(url, "https://kuma.example.com:3001/api/push/AbCdEf123?ping=&status=up&msg=OK"),
	      "Kuma success: status=up&msg=OK, ping= kept (%s)", url);
	free(url);
	CHECK(pingurl_request(&u, PINGURL_FAIL, "\n Fatal: repository is locked by PID 12 & more\nsecond line", &url) ==
			      0 &&
		      !strcmp(url, "https://kuma.example.com:3001/api/push/AbCdEf123?ping=&status=down&msg="
				   "Fatal%3A%20repository%20is%20locked%20by%20PID%2012%20%26%20more"),
	      "Kuma failure: status=down, the first line as msg (%s)", url);
	free(url);
	CHECK(pingurl_request(&u, PINGURL_FAIL, "", &url) == 0 && strstr(url, "status=down&msg=failed"),
	      "Kuma failure without text: msg=failed (%s)", url);
	free(url);
	notifyurl_free(&u);
	pingurl_parse("https://kuma.example.com/api/push/Tok9/", &u, err, sizeof(err));
	CHECK(u.kind == NOTIFYURL_PING_KUMA && pingurl_request(&u, PINGURL_SUCCESS, NULL, &url) == 0 &&
		      !strcmp(url, "https://kuma.example.com/api/push/Tok9/?status=up&msg=OK"),
	      "Kuma without a query (%s)", url);
	free(url);
	notifyurl_free(&u);
	pingurl_parse("https://hc.example.com/api/push/a/b", &u, err, sizeof(err));
	CHECK_INT(u.kind, NOTIFYURL_PING_HC, "/api/push/a/b is not Kuma's form");
	notifyurl_free(&u);

	CHECK(pingurl_parse_setting("ntfy://ntfy.sh/t", &u, err, sizeof(err)) < 0 &&
		      !strcmp(err,
			      "PING_URL (ntfy://ntfy.sh): not an http:// or https:// URL (a healthchecks.io check or "
			      "an Uptime Kuma push URL)"),
	      "PING_URL: another scheme is refused naming the setting (%s)", err);
	notifyurl_free(&u);
	CHECK(pingurl_parse_setting("https://hc-ping.com/uuid-5 x", &u, err, sizeof(err)) < 0 &&
		      strstr(err, "PING_URL (https://hc-ping.com): ") && !strstr(err, "uuid-5"),
	      "PING_URL: a space is refused, the key not shown (%s)", err);
	notifyurl_free(&u);
}

static void redaction(void)
{
	static const struct {
		const char *url, *shown;
	} cases[] = {
		{ "ntfy://alice:s3cret@ntfy.sh/topic", "ntfy://ntfy.sh" },
		{ "ntfy://alice:s3cret@ntfy.sh:8080/topic?x", "ntfy://ntfy.sh:8080" },
		{ "https://u:p@[fd00::5]:443/p?q", "https://[fd00::5]:443" },
		{ "gotify://h/AbCdEfGhIjKlMn0", "gotify://h" },
		{ "ntfy://alice:s3cret/topic", "ntfy://(hidden)" },
		{ "ntfy://a@b@h/x", "ntfy://h" },
		{ "slack://T00000000/B00000000/XXXX", "slack://hooks.slack.com" },
		{ "Discord://tok@1234", "discord://discord.com" },
		{ "no url at all", "(not a URL)" },
	};
	char dst[64], tiny[8];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		notifyurl_redact(cases[i].url, dst, sizeof(dst));
		CHECK_STR(dst, cases[i].shown, "redact [%s]", cases[i].url);
	}
	CHECK(notifyurl_redact("ntfy://alice:s3cret@ntfy.example.com/topic", tiny, sizeof(tiny)) == 7 &&
		      !strcmp(tiny, "ntfy://"),
	      "redact into a small buffer: cut, terminated");
}

static void scrub(void)
{
	struct notifyurl u;
	char err[256], text[200];

	notifyurl_parse("ntfy://:tk_abcdef123@ntfy.sh/t1", &u, err, sizeof(err));
	snprintf(text, sizeof(text), "HTTP 401: token tk_abcdef123 invalid (tk_abcdef123)");
	notifyurl_scrub(&u, text);
	CHECK_STR(text, "HTTP 401: token *** invalid (***)", "scrub: every occurrence of a secret");
	notifyurl_free(&u);
	/* A password that holds the mask (found by the fuzzer: it looped). */
	CHECK_INT(notifyurl_parse("ntfy://bob:***@ntfy.sh/t1", &u, err, sizeof(err)), 0, "a password of '***'");
	snprintf(text, sizeof(text), "denied: *** and ***x");
	notifyurl_scrub(&u, text);
	CHECK_STR(text, "denied: *** and ***x", "scrub of a secret '***' ends, the text as it was");
	notifyurl_free(&u);
	CHECK_INT(notifyurl_parse("ntfy://bob:a***@ntfy.sh/t1", &u, err, sizeof(err)), 0, "a password of 'a***'");
	snprintf(text, sizeof(text), "x a***a*** y");
	notifyurl_scrub(&u, text);
	CHECK_STR(text, "x ****** y", "scrub of 'a***' masks both");
	notifyurl_free(&u);
	notifyurl_free(&u);
	CHECK(u.url == NULL && u.headers.n == 0, "notifyurl_free twice");
}

int main(void)
{
	generic();
	ntfy();
	gotify();
	slack();
	webhook();
	discord();
	malformed();
	lists();
	ping();
	redaction();
	scrub();
	return T_DONE();
}
