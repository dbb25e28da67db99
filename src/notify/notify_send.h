/* notify_send: delivers prepared requests (notifyurl.h) with libcurl, all
 * of them at once over one multi handle, so that the whole run takes about
 * as long as its slowest endpoint, not the sum of them:
 *   - every attempt is bounded by timeout_ms, connecting included;
 *   - an attempt that got no answer, or a 408, 425, 429 or 5xx status, is
 *     tried again after a wait of backoff_ms, tripled each time (at most
 *     10 s), until attempts are used up; any other 4xx, a 3xx not followed
 *     and a TLS verification failure are not tried again;
 *   - a redirect is followed (at most 3, the same method and body) only to
 *     the same host and never from https to http; any other is a failure;
 *   - TLS peers and host names are always verified (ca_file may name other
 *     CAs than the system's); only http and https are spoken.
 * So one run ends within attempts * timeout_ms plus the waits between them
 * (3 * 10 s + 1 s + 3 s with the defaults). Reasons are one line of valid
 * UTF-8 without a secret: the request's secrets (notifyurl_scrub) are
 * removed from what libcurl and the server said. */
#ifndef RDS_NOTIFY_SEND_H
#define RDS_NOTIFY_SEND_H
#include <stddef.h>

#include "notifyurl.h"

struct notify_req {
	const struct notifyurl *u; /* method, headers, secrets (borrowed) */
	const char *url;           /* NULL: u->url */
	const char *body;          /* NULL: none */
	size_t body_len;
};

struct notify_opts {
	long timeout_ms;     /* one attempt, 1 or more */
	int attempts;        /* 1 or more */
	long backoff_ms;     /* the first wait between two attempts */
	const char *ca_file; /* NULL: the system's CA certificates */
};

#define NOTIFY_REASON_MAX 320

struct notify_result {
	int ok;
	int tries;                      /* attempts made */
	long status;                    /* the last HTTP status, 0 when none came */
	char reason[NOTIFY_REASON_MAX]; /* when !ok */
};

/* Called once per request as soon as it is delivered or given up
 * (i: its index in reqs; r borrowed for the call). */
typedef void (*notify_done_fn)(void *ud, size_t i, const struct notify_result *r);

/* Sends reqs[0..n). Returns 0 when every request got its result through
 * done, or -1 with err set when libcurl failed (it could not be set up, or
 * its multi interface failed): a request without a result by then gets
 * none. */
int notify_send(const struct notify_req *reqs, size_t n, const struct notify_opts *o, notify_done_fn done, void *ud,
		char *err, size_t errlen);

#endif
