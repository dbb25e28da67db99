/* metrics: the agent's state as Prometheus text (exposition format 0.0.4),
 * rendered from the jobs' status records at each scrape. Every series and
 * its labels are listed in the README ("Metrics"). Per job the labels are
 * backup (the job's name), service, repo (the repository's path on the
 * server) and node; never a snapshot id or anything else that would make a
 * new series per run. Gone jobs (their service left the node) are counted,
 * not exported: an alert on their age would fire for ever. */
#ifndef RDS_METRICS_H
#define RDS_METRICS_H
#include <stddef.h>
#include <time.h>

#include "status.h"

/* Which maintenance operations a job has (scheduled, or run before): only
 * those are exported, so that an alert on a never-run check fires only
 * where checks are set up. */
enum { METRICS_FORGET = 1, METRICS_PRUNE = 2, METRICS_CHECK = 4 };

struct metrics_job {
	const struct status *st;
	const char *service; /* the service label: SERVICE_NAME or the labelled service ("" = none) */
	int ops;             /* METRICS_* bits */
};

/* One notification endpoint's delivery counters (scheme://host only). */
struct metrics_endpoint {
	const char *name;
	long sent, failed;
};

struct metrics_input {
	const struct metrics_job *jobs;
	size_t njobs;
	const char *node;           /* the node label: the Swarm node's name, or BACKUP_HOST */
	const char *version;        /* ours */
	const char *restic_version; /* "" when unknown */
	time_t agent_started;
	const struct metrics_endpoint *endpoints; /* NOTIFY_URLS, then PING_URL */
	size_t nendpoints;
	long notify_dropped; /* events not sent: too many at once */
	long http_refused;   /* scrape connections refused: too many at once */
};

/* Renders in into *out (malloc'd, *len bytes, NUL-terminated). Returns 0,
 * or -1 when out of memory. */
int metrics_render(const struct metrics_input *in, char **out, size_t *len);

#endif
