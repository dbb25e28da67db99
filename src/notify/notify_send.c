/* notify_send: see notify_send.h. Each request is a slot that is idle
 * (waiting for its next attempt), running (its easy handle in the multi
 * handle) or finished; one loop starts what is due, drives the transfers and
 * sleeps until the next transfer event or the next due attempt. */
#include "notify_send.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"
#include "util.h"

#define ANSWER_KEEP 512      /* of a server's answer, for the reason */
#define ANSWER_MAX 65536     /* read no more of an answer than this */
#define BACKOFF_MAX_MS 10000 /* the longest wait between two attempts */
#define REDIRECTS_MAX 3

struct slot {
	const struct notify_req *req;
	CURL *easy;
	struct curl_slist *hdrs;
	char *url; /* this attempt's URL (another after a redirect) */
	int hops, running, finished;
	long long due; /* when idle: the next attempt's time */
	long backoff;  /* the next wait */
	size_t got;    /* bytes of the answer read */
	char answer[ANSWER_KEEP + 1];
	char errbuf[CURL_ERROR_SIZE];
	struct notify_result res;
};

static size_t on_answer(char *p, size_t size, size_t n, void *ud)
{
	struct slot *s = ud;
	size_t len = size * n, keep = s->got < ANSWER_KEEP ? ANSWER_KEEP - s->got : 0;

	if (keep > len)
		keep = len;
	if (keep) {
		memcpy(s->answer + s->got, p, keep);
		s->answer[s->got + keep] = '\0';
	}
	s->got += len;
	/* Enough: the status decides, and a server that talks forever must
	 * not hold us until the timeout. */
	return s->got > ANSWER_MAX ? 0 : len;
}

/* The easy handle of s set up for one attempt. Returns 0 or -1 (reason set). */
static int setup(struct slot *s, const struct notify_opts *o)
{
	const struct notify_req *r = s->req;
	CURLcode cc = CURLE_OK;

	if (!s->easy && !(s->easy = curl_easy_init())) {
		snprintf(s->res.reason, sizeof(s->res.reason), "cannot initialise libcurl");
		return -1;
	}
	curl_easy_reset(s->easy);
	s->errbuf[0] = s->answer[0] = '\0';
	s->got = 0;
#define SET(opt, val)                                                 \
	do {                                                          \
		if (cc == CURLE_OK)                                   \
			cc = curl_easy_setopt(s->easy, (opt), (val)); \
	} while (0)
	SET(CURLOPT_URL, s->url);
	SET(CURLOPT_PRIVATE, s);
	SET(CURLOPT_ERRORBUFFER, s->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TIMEOUT_MS, o->timeout_ms);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file)
		SET(CURLOPT_CAINFO, o->ca_file);
	SET(CURLOPT_USERAGENT, "rds-notify");
	SET(CURLOPT_HTTPHEADER, s->hdrs);
	SET(CURLOPT_WRITEFUNCTION, on_answer);
	SET(CURLOPT_WRITEDATA, s);
	if (r->body) {
		SET(CURLOPT_POSTFIELDSIZE, (long)r->body_len);
		SET(CURLOPT_POSTFIELDS, r->body);
	} else if (strcmp(r->u->method, "GET") != 0) {
		SET(CURLOPT_POSTFIELDSIZE, 0L);
		SET(CURLOPT_POSTFIELDS, "");
	}
	if (strcmp(r->u->method, "PUT") == 0)
		SET(CURLOPT_CUSTOMREQUEST, "PUT");
#undef SET
	if (cc != CURLE_OK) {
		snprintf(s->res.reason, sizeof(s->res.reason), "libcurl option: %s", curl_easy_strerror(cc));
		return -1;
	}
	return 0;
}

/* 1 when url names the same host as s's first URL, and is not a step down
 * from https to http: the only redirects followed. */
static int same_host(const struct slot *s, const char *url)
{
	CURLU *a = curl_url(), *b = curl_url();
	char *ha = NULL, *hb = NULL, *sa = NULL, *sb = NULL;
	const char *first = s->req->url ? s->req->url : s->req->u->url;
	int same = 0;

	if (a && b && curl_url_set(a, CURLUPART_URL, first, 0) == CURLUE_OK &&
	    curl_url_set(b, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(a, CURLUPART_HOST, &ha, 0) == CURLUE_OK &&
	    curl_url_get(b, CURLUPART_HOST, &hb, 0) == CURLUE_OK &&
	    curl_url_get(a, CURLUPART_SCHEME, &sa, 0) == CURLUE_OK &&
	    curl_url_get(b, CURLUPART_SCHEME, &sb, 0) == CURLUE_OK)
		same = !strcasecmp(ha, hb) && (!strcmp(sb, "https") || (!strcmp(sb, "http") && !strcmp(sa, "http")));
	curl_free(ha);
	curl_free(hb);
	curl_free(sa);
	curl_free(sb);
	curl_url_cleanup(a);
	curl_url_cleanup(b);
	return same;
}

/* The reason of a failed attempt, one clean line without a secret. */
static void set_reason(struct slot *s, const char *what, const char *detail)
{
	char raw[NOTIFY_REASON_MAX + ANSWER_KEEP], line[ANSWER_KEEP + 1];
	size_t n = detail ? strcspn(detail, "\r\n") : 0;

	snprintf(line, sizeof(line), "%.*s", (int)n, detail ? detail : "");
	snprintf(raw, sizeof(raw), "%s%s%s", what, line[0] ? ": " : "", line);
	notifyurl_scrub(s->req->u, raw);
	n = strlen(raw);
	if (n > 200)
		n = utf8_trim_cut(raw, 200);
	utf8_copy(s->res.reason, sizeof(s->res.reason), raw, n, UTF8_CTL_QMARK);
}

enum verdict { DELIVERED, RETRY, GIVE_UP, FOLLOW };

/* What the attempt that ended with cc means. */
static enum verdict judge(struct slot *s, CURLcode cc)
{
	char what[64], *loc = NULL;
	long st = 0;

	if (curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &st) != CURLE_OK)
		st = 0;
	s->res.status = st;
	if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && s->got > ANSWER_MAX && st)) {
		set_reason(s, s->errbuf[0] ? s->errbuf : curl_easy_strerror(cc), NULL);
		switch (cc) {
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_CERTPROBLEM:
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
			return GIVE_UP;
		default:
			return RETRY;
		}
	}
	if (st >= 200 && st < 300)
		return DELIVERED;
	snprintf(what, sizeof(what), "HTTP %ld", st);
	if (st >= 300 && st < 400) {
		if (curl_easy_getinfo(s->easy, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc &&
		    s->hops < REDIRECTS_MAX && same_host(s, loc)) {
			char *next = strdup(loc);
			if (next) {
				free(s->url);
				s->url = next;
				s->hops++;
				return FOLLOW;
			}
		}
		/* Where it pointed is not shown: it may hold a token. */
		set_reason(s, what, s->hops >= REDIRECTS_MAX ? "too many redirects" : "a redirect not followed");
		return GIVE_UP;
	}
	set_reason(s, what, s->answer);
	return st == 408 || st == 425 || st == 429 || st >= 500 ? RETRY : GIVE_UP;
}

static void finish(struct slot *s, int ok, size_t i, notify_done_fn done, void *ud)
{
	char reason[NOTIFY_REASON_MAX];

	s->finished = 1;
	s->res.ok = ok;
	if (!ok && s->res.tries > 1) {
		snprintf(reason, sizeof(reason), "%s (%d attempts)", s->res.reason, s->res.tries);
		snprintf(s->res.reason, sizeof(s->res.reason), "%s", reason);
	}
	if (ok)
		s->res.reason[0] = '\0';
	done(ud, i, &s->res);
}

/* Starts the attempts that are due; the next due time of the others into
 * *next (0: none). */
static void start_due(struct slot *v, size_t n, CURLM *multi, const struct notify_opts *o, notify_done_fn done,
		      void *ud, long long now, long long *next)
{
	*next = 0;
	for (size_t i = 0; i < n; i++) {
		struct slot *s = &v[i];
		if (s->finished || s->running)
			continue;
		if (s->due > now) {
			if (!*next || s->due < *next)
				*next = s->due;
			continue;
		}
		if (setup(s, o) < 0 || curl_multi_add_handle(multi, s->easy) != CURLM_OK) {
			if (!s->res.reason[0])
				snprintf(s->res.reason, sizeof(s->res.reason), "cannot start a transfer");
			finish(s, 0, i, done, ud);
			continue;
		}
		s->running = 1;
		s->res.tries++;
	}
}

/* A transfer ended: deliver, follow, try again later, or give up. */
static void ended(struct slot *v, struct slot *s, CURLM *multi, CURLcode cc, const struct notify_opts *o,
		  notify_done_fn done, void *ud)
{
	enum verdict vd = judge(s, cc);

	curl_multi_remove_handle(multi, s->easy);
	s->running = 0;
	if (vd == FOLLOW) {
		s->res.tries--; /* the same attempt, at its new place */
		s->due = 0;
	} else if (vd == RETRY && s->res.tries < o->attempts) {
		s->due = mono_ms() + s->backoff;
		s->backoff = s->backoff * 3 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff * 3;
	} else {
		finish(s, vd == DELIVERED, (size_t)(s - v), done, ud);
	}
}

/* The header list of r: the URL's, and no "Expect: 100-continue" wait. */
static struct curl_slist *headers_of(const struct notify_req *r)
{
	struct curl_slist *l = curl_slist_append(NULL, "Expect:"), *t;

	for (size_t i = 0; l && i < r->u->headers.n; i++) {
		if (!(t = curl_slist_append(l, r->u->headers.v[i]))) {
			curl_slist_free_all(l);
			return NULL;
		}
		l = t;
	}
	return l;
}

int notify_send(const struct notify_req *reqs, size_t n, const struct notify_opts *o, notify_done_fn done, void *ud,
		char *err, size_t errlen)
{
	struct slot *v = NULL;
	CURLM *multi = NULL;
	size_t left = n;
	int rc = -1;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return -1;
	}
	v = calloc(n ? n : 1, sizeof(*v));
	multi = curl_multi_init();
	if (!v || !multi)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		v[i].req = &reqs[i];
		v[i].backoff = o->backoff_ms;
		v[i].url = strdup(reqs[i].url ? reqs[i].url : reqs[i].u->url);
		v[i].hdrs = headers_of(&reqs[i]);
		if (!v[i].url || !v[i].hdrs)
			goto nomem;
	}
	while (left) {
		long long now = mono_ms(), next;
		int running = 0, wait_ms = 1000, k;
		struct CURLMsg *msg;

		start_due(v, n, multi, o, done, ud, now, &next);
		if (curl_multi_perform(multi, &running) != CURLM_OK)
			goto multi_failed;
		while ((msg = curl_multi_info_read(multi, &k))) {
			struct slot *s = NULL;
			if (msg->msg != CURLMSG_DONE ||
			    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s) != CURLE_OK || !s)
				continue;
			ended(v, s, multi, msg->data.result, o, done, ud);
		}
		left = 0;
		for (size_t i = 0; i < n; i++)
			left += !v[i].finished;
		if (!left)
			break;
		/* Due attempts (a redirect) start at once; else sleep until the
		 * next one is due or a transfer wakes us. */
		now = mono_ms();
		for (size_t i = 0; i < n; i++)
			if (!v[i].finished && !v[i].running && v[i].due <= now)
				wait_ms = 0;
		if (wait_ms && next && next - now < wait_ms)
			wait_ms = next - now > 0 ? (int)(next - now) : 0;
		if (curl_multi_poll(multi, NULL, 0, wait_ms, NULL) != CURLM_OK)
			goto multi_failed;
	}
	rc = 0;
	goto out;
multi_failed:
	snprintf(err, errlen, "the transfers failed (libcurl multi interface)");
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	for (size_t i = 0; v && i < n; i++) {
		if (v[i].easy) {
			if (v[i].running)
				curl_multi_remove_handle(multi, v[i].easy);
			curl_easy_cleanup(v[i].easy);
		}
		curl_slist_free_all(v[i].hdrs);
		free(v[i].url);
	}
	free(v);
	if (multi)
		curl_multi_cleanup(multi);
	curl_global_cleanup();
	return rc;
}
