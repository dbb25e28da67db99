/* rds-notify: sends one notification for rds-agent, which starts it per
 * event and never waits for it, so that the agent itself never loads
 * libcurl and its TLS libraries (its resident size stays small).
 *   rds-notify                 the event document on stdin (notifymsg.h) to
 *                              every URL of NOTIFY_URLS (notifyurl.h)
 *   rds-notify --ping SIGNAL   start, success or fail to PING_URL
 *                              (pingurl.h), stdin's text as the body
 *   rds-notify --help
 * Prints one line per endpoint, N its place in NOTIFY_URLS (1 for PING_URL):
 *   "ok N" or "fail N SCHEME://HOST: REASON"
 * Exit status: 0 when every endpoint took it, 1 when one did not, 2 for bad
 * usage, a bad document or a bad setting (one line on stderr naming it).
 * No secret of a URL is ever printed. NOTIFY_TIMEOUT_MS, NOTIFY_ATTEMPTS
 * and NOTIFY_CA_FILE tune the sending (see usage). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify_send.h"
#include "notifymsg.h"
#include "notifyurl.h"
#include "pingurl.h"
#include "utf8.h"

#define PING_TEXT_MAX 10240 /* of stdin's text for PING_URL */

static const char USAGE[] =
	"usage: rds-notify               (the event document on stdin, to every URL of NOTIFY_URLS)\n"
	"       rds-notify --ping start|success|fail   (stdin's text, at most 10 KiB, to PING_URL)\n"
	"\n"
	"rds-agent runs this for each event; it can be run by hand to try a URL:\n"
	"  echo '{\"version\":1,\"event\":\"backup_failed\",\"job\":\"stack_db\",\"node\":\"node-1\",\n"
	"        \"message\":\"Fatal: unable to open repository\"}' | NOTIFY_URLS=ntfy://ntfy.sh/mytopic rds-notify\n"
	"\n"
	"NOTIFY_URLS: URLs separated by spaces, at most 16, in shoutrrr's forms:\n"
	"  generic+https://[user:pass@]host[:port]/path   (or generic+http://) the rds event document as\n"
	"      JSON: {\"version\":1,\"event\",\"job\",\"service\",\"node\",\"repo\",\"result\",\"message\",\"time\"}\n"
	"      ?method=PUT, ?@Authorization=Bearer+TOKEN adds a header; other parameters stay in the URL\n"
	"  ntfy://[user:pass@]host/topic, ntfy://:TOKEN@host/topic\n"
	"      ?scheme=http, ?title=, ?priority=1..5|min|low|default|high|max, ?tags=a,b, ?click=, ?icon=\n"
	"  gotify://host[:port][/subpath]/APPTOKEN   ?disabletls=yes (http), ?title=, ?priority=0..10\n"
	"  slack://hook:AAAAAAAAA-BBBBBBBBB-CCCCCCCCCCCCCCCCCCCCCCCC@webhook   (from\n"
	"      https://hooks.slack.com/services/AAAAAAAAA/BBBBBBBBB/CCCC...)   ?botname=, ?icon=, ?title=\n"
	"  https://host/path   any Slack-compatible incoming webhook (Mattermost, Rocket.Chat, Slack)\n"
	"  discord://TOKEN@WEBHOOKID   (from https://discord.com/api/webhooks/WEBHOOKID/TOKEN)\n"
	"      ?username=, ?avatar=, ?title=\n"
	"  Percent-encode what is not a URL character (a password's '@' as %40, '#' as %23).\n"
	"  Examples: ntfy://alice:s3cret@ntfy.example.com/backups?priority=high\n"
	"            gotify://gotify.example.com/AbCdEfGhIjKlMn0?title=Backups\n"
	"            generic+https://hooks.example.com/rds?@Authorization=Bearer+abc123\n"
	"\n"
	"PING_URL: a healthchecks.io check, https://hc-ping.com/UUID (or /PING_KEY/slug?create=1): POST to\n"
	"  URL/start, URL, URL/fail (the query kept), the error as body; or an Uptime Kuma push URL,\n"
	"  https://kuma.example.com/api/push/TOKEN?status=up&msg=OK&ping= : GET with status=up or\n"
	"  status=down&msg=<the error's first line>; Kuma has no start signal (nothing is sent).\n"
	"\n"
	"NOTIFY_TIMEOUT_MS  the longest one attempt may take (100..120000; 10000)\n"
	"NOTIFY_ATTEMPTS    attempts per endpoint (1..10; 3): no answer, 408, 425, 429 and 5xx are tried\n"
	"                   again after 1 s, then 3 s, 9 s, 10 s...; other answers are final\n"
	"NOTIFY_CA_FILE     CA certificates (PEM) to verify TLS servers with, instead of the system's\n"
	"Redirects are followed to the same host only, never from https to http. Every endpoint is sent\n"
	"to at once. Output: one line per endpoint, \"ok N\" or \"fail N SCHEME://HOST: REASON\" (N: its\n"
	"place in NOTIFY_URLS, 1 for PING_URL); no token or password is ever printed.\n"
	"Exit status: 0 all delivered, 1 one was not, 2 bad usage, document or setting.\n";

struct run {
	struct notifyurl *urls; /* the endpoints (one for PING_URL) */
	int *reported;
	int failed;
};

static void on_done(void *ud, size_t i, const struct notify_result *r)
{
	struct run *run = ud;

	run->reported[i] = 1;
	if (r->ok) {
		printf("ok %zu\n", i + 1);
	} else {
		run->failed = 1;
		printf("fail %zu %s: %s\n", i + 1, run->urls[i].shown, r->reason);
	}
	fflush(stdout);
}

/* Reads stdin, at most max bytes, into a new NUL-terminated buffer. Returns
 * its length, -1 on a read error, -2 when there was more (*out holds max). */
static long read_stdin(size_t max, char **out)
{
	char *buf = malloc(max + 2);
	size_t n = 0;

	*out = buf;
	if (!buf)
		return -1;
	while (n < max + 1) {
		ssize_t r = read(0, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n > max ? max : n] = '\0';
	return n > max ? -2 : (long)n;
}

/* An integer setting from the environment. Returns 0, or -1 after saying why. */
static int env_long(const char *name, long lo, long hi, long *out)
{
	const char *v = getenv(name);
	char *end;
	long x;

	if (!v || !*v)
		return 0;
	errno = 0;
	x = strtol(v, &end, 10);
	if (*end || errno || x < lo || x > hi) {
		char shown[32];
		utf8_copy(shown, sizeof(shown), v, utf8_trim_cut(v, strnlen(v, sizeof(shown) - 1)), UTF8_ESCAPE_CTL);
		fprintf(stderr, "rds-notify: %s='%s': use a number from %ld to %ld\n", name, shown, lo, hi);
		return -1;
	}
	*out = x;
	return 0;
}

static int options(struct notify_opts *o)
{
	long attempts = 3;

	o->timeout_ms = 10000;
	o->backoff_ms = 1000;
	o->ca_file = getenv("NOTIFY_CA_FILE");
	if (o->ca_file && !*o->ca_file)
		o->ca_file = NULL;
	if (env_long("NOTIFY_TIMEOUT_MS", 100, 120000, &o->timeout_ms) < 0 ||
	    env_long("NOTIFY_ATTEMPTS", 1, 10, &attempts) < 0)
		return -1;
	o->attempts = (int)attempts;
	if (o->ca_file && access(o->ca_file, R_OK) < 0) {
		fprintf(stderr, "rds-notify: NOTIFY_CA_FILE=%s cannot be read: %s\n", o->ca_file, strerror(errno));
		return -1;
	}
	return 0;
}

/* Sends reqs[0..n) to run->urls and prints a line for each. Returns the
 * exit status. */
static int send_all(struct run *run, const struct notify_req *reqs, size_t n, const struct notify_opts *o)
{
	char err[256];

	run->reported = calloc(n, sizeof(*run->reported));
	if (!run->reported) {
		fprintf(stderr, "rds-notify: out of memory\n");
		return 1;
	}
	if (notify_send(reqs, n, o, on_done, run, err, sizeof(err)) < 0)
		for (size_t i = 0; i < n; i++)
			if (!run->reported[i]) {
				printf("fail %zu %s: %s\n", i + 1, run->urls[i].shown, err);
				run->failed = 1;
			}
	free(run->reported);
	if (fflush(stdout) != 0 || ferror(stdout))
		return 1;
	return run->failed ? 1 : 0;
}

static int notify_event(const struct notify_opts *o)
{
	struct notify_event ev;
	struct notify_req *reqs = NULL;
	struct run run = { 0 };
	char err[700], *doc = NULL, **bodies = NULL;
	size_t n = 0;
	long len = read_stdin(NOTIFY_DOC_MAX, &doc);
	int rc = 2;

	if (len < 0) {
		fprintf(stderr, "rds-notify: the event on stdin: %s\n",
			len == -2 ? "longer than 64 KiB" : "cannot be read");
		goto out;
	}
	if (notify_event_from_json(doc, (size_t)len, &ev, err, sizeof(err)) < 0) {
		fprintf(stderr, "rds-notify: the event on stdin: %s\n", err);
		goto out;
	}
	if (notifyurl_parse_list(getenv("NOTIFY_URLS"), &run.urls, &n, err, sizeof(err)) < 0) {
		fprintf(stderr, "rds-notify: %s\n", err);
		goto out;
	}
	if (n == 0) {
		fprintf(stderr, "rds-notify: NOTIFY_URLS is empty: there is nowhere to send to\n");
		goto out;
	}
	reqs = calloc(n, sizeof(*reqs));
	bodies = calloc(n, sizeof(*bodies));
	if (!reqs || !bodies) {
		fprintf(stderr, "rds-notify: out of memory\n");
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (notify_render(&run.urls[i], &ev, &bodies[i], &reqs[i].body_len, err, sizeof(err)) < 0) {
			fprintf(stderr, "rds-notify: %s\n", err);
			rc = 1;
			goto out;
		}
		reqs[i].u = &run.urls[i];
		reqs[i].body = bodies[i];
	}
	rc = send_all(&run, reqs, n, o);
out:
	for (size_t i = 0; bodies && i < n; i++)
		free(bodies[i]);
	free(bodies);
	free(reqs);
	notifyurl_free_list(run.urls, n);
	free(doc);
	return rc;
}

static int ping(const char *signal_name, const struct notify_opts *o)
{
	static const char *const names[] = { "start", "success", "fail" };
	struct notifyurl u = { 0 };
	struct notify_req req = { 0 };
	struct run run = { .urls = &u };
	char err[700], *text = NULL, *clean = NULL, *url = NULL;
	const char *value = getenv("PING_URL");
	enum pingurl_signal what;
	long len;
	int rc = 2, k;

	for (k = 0; k < 3 && strcmp(signal_name, names[k]) != 0; k++)
		;
	if (k == 3) {
		fprintf(stderr, "rds-notify: --ping %s: use start, success or fail\n", signal_name);
		return 2;
	}
	what = (enum pingurl_signal)k;
	if (!value || !*value) {
		fprintf(stderr, "rds-notify: PING_URL is empty: there is nowhere to send to\n");
		return 2;
	}
	if (pingurl_parse_setting(value, &u, err, sizeof(err)) < 0) {
		fprintf(stderr, "rds-notify: %s\n", err);
		goto out;
	}
	/* A longer text is cut: the ping matters more than its last lines. */
	len = read_stdin(PING_TEXT_MAX, &text);
	if (len == -1) {
		fprintf(stderr, "rds-notify: the text on stdin cannot be read\n");
		goto out;
	}
	len = (long)strlen(text);
	clean = malloc(3 * (size_t)len + 1);
	if (!clean) {
		rc = 1;
		goto out;
	}
	utf8_copy(clean, 3 * (size_t)len + 1, text, utf8_trim_cut(text, (size_t)len), 0);
	k = pingurl_request(&u, what, clean, &url);
	if (k == 1) {
		printf("ok 1\n"); /* Kuma: nothing to send for this signal */
		rc = fflush(stdout) != 0 ? 1 : 0;
		goto out;
	}
	if (k < 0) {
		rc = 1;
		goto out;
	}
	req.u = &u;
	req.url = url;
	if (u.kind == NOTIFYURL_PING_HC) {
		req.body = clean;
		req.body_len = strlen(clean);
	}
	rc = send_all(&run, &req, 1, o);
out:
	free(url);
	free(clean);
	free(text);
	notifyurl_free(&u);
	return rc;
}

int main(int argc, char **argv)
{
	struct notify_opts o;

	/* A closed stdout is an error to see, not a death by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(USAGE, stdout);
		return fflush(stdout) != 0 ? 1 : 0;
	}
	if (argc != 1 && !(argc == 3 && !strcmp(argv[1], "--ping"))) {
		fputs(USAGE, stderr);
		return 2;
	}
	if (options(&o) < 0)
		return 2;
	return argc == 3 ? ping(argv[2], &o) : notify_event(&o);
}
