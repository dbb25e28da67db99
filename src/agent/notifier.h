/* notifier: the agent's side of notifications and pings. The agent never
 * links libcurl and never waits on a network: each message is sent by a
 * short-lived `rds-notify` process (src/notify) that the notifier starts and
 * watches from the agent's one ppoll loop. At most NOTIFIER_SENDERS run at
 * once; more messages wait in a queue of NOTIFIER_QUEUE (the oldest is
 * dropped and counted when it is full). A sender that outlives
 * NOTIFIER_KILL_MS (rds-notify bounds itself well below) is killed.
 *
 * What is sent: NOTIFY_ON filters the events (notify_on_wants).
 * PING_URL gets start, success and fail of every backup regardless.
 *
 * A delivery failure is logged at most once an hour per endpoint, and
 * counted per endpoint (scheme://host, never a token) for the metrics. */
#ifndef RDS_NOTIFIER_H
#define RDS_NOTIFIER_H
#include <poll.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "metrics.h"
#include "notifymsg.h"

#define NOTIFIER_SENDERS 2
#define NOTIFIER_QUEUE 32
#define NOTIFIER_ENDPOINTS 16
#define NOTIFIER_KILL_MS 60000

struct notifier_endpoint {
	char name[160]; /* scheme://host */
	long sent, failed;
	long long logged_ms; /* when a failure was last logged; 0 never */
};

struct notifier_sender {
	pid_t pid;
	int fd; /* its stdout */
	int ping;
	char buf[2048];
	size_t len;
	long long started_ms;
};

struct notifier_item {
	char *doc;    /* the event document, or the ping body */
	char ping[8]; /* "" = an event; else start, success, fail */
};

struct notifier {
	const struct config *cfg;
	char bin[4096];                                      /* rds-notify */
	int enabled;                                         /* NOTIFY_URLS or PING_URL set */
	struct notifier_endpoint ep[NOTIFIER_ENDPOINTS + 1]; /* NOTIFY_URLS, then PING_URL */
	size_t nurls, nep;
	struct notifier_sender s[NOTIFIER_SENDERS];
	struct notifier_item q[NOTIFIER_QUEUE];
	size_t qhead, qlen;
	long dropped;
};

/* Checks NOTIFY_URLS and PING_URL and finds rds-notify when either is set.
 * Returns 0, or -1 with err naming the setting and the fix. */
int notifier_init(struct notifier *n, const struct config *c, char *err, size_t errlen);

/* Queues ev when NOTIFY_ON wants it (and NOTIFY_URLS is set). */
void notifier_event(struct notifier *n, const struct notify_event *ev);

/* Queues a ping (kind "start", "success" or "fail"; body for fail). */
void notifier_ping(struct notifier *n, const char *kind, const char *body);

/* The poll loop's part: fds of running senders (returns how many, <= max),
 * ms until the next thing to do (-1 none), and what poll reported (fds
 * that are not the notifier's are ignored). */
int notifier_pollfds(const struct notifier *n, struct pollfd *fds, int max);
int notifier_timeout_ms(const struct notifier *n);
void notifier_service(struct notifier *n, const struct pollfd *fds, int nfds);

/* At stop: waits at most ms for the queue and the senders, then kills
 * what is left. */
void notifier_drain(struct notifier *n, long ms);

/* The delivery counters for the metrics (points into n). */
void notifier_metrics(const struct notifier *n, struct metrics_input *in, struct metrics_endpoint *ep, size_t max);

void notifier_free(struct notifier *n);

/* Sends ev now and waits (at most ms) for it: for the configuration error
 * at start, when there is no loop. */
void notifier_send_now(struct notifier *n, const struct notify_event *ev, long ms);

/* The config_error event for message (why the agent will not start; no
 * secret in it), sent and waited for (NOTIFIER_CONFIG_WAIT_MS at most).
 * Swarm restarts a failing agent again and again: the same message is
 * sent once an hour at most (a note beside STATUS_FILE remembers it). n
 * may come from a failed notifier_init (then nothing is sent). */
void notifier_config_error(struct notifier *n, const struct config *c, const char *node, const char *message);
#define NOTIFIER_CONFIG_WAIT_MS 40000

#endif
