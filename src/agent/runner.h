/* runner: the agent's one scheduler. It runs every job's backup, prune and
 * check on their schedules through one queue (jobq: one operation per
 * repository, MAX_PARALLEL in all), each run in a worker process forked
 * from the agent, so that the waiting agent blocks in one place (ppoll) on
 * the clock, signals, the workers' reports and, in label mode, the
 * discovery helper's table. The agent alone writes STATUS_FILE: the
 * workers send their job's status to it after every change.
 *
 * Seed mode: one job from the environment. Label mode: the jobs of the
 * labelled services on this node, kept current from rds-discover's table
 * (see discovery.h and labels.h); a job whose service leaves the node is
 * unscheduled and its status stays, marked gone.
 *
 * SIGTERM/SIGINT: nothing new starts; the workers get SIGTERM and stop as
 * a seed-mode run does (restic interrupted, post-hook in what is left of
 * STOP_TIMEOUT); the agent waits for them, writes the status and returns. */
#ifndef RDS_RUNNER_H
#define RDS_RUNNER_H
#include <time.h>

#include "config.h"
#include "job.h"
#include "jobspec.h"

struct runner_opts {
	const struct config *cfg; /* borrowed */
	struct job_stop *stop;    /* set by the agent's signal handler */
	int label_mode;           /* DISCOVER=labels */
	time_t agent_started;
	const char *version; /* ours, for the metrics */
};

/* Runs until a stop request. seed: seed mode's one job (stolen: freed by
 * the runner; NULL in label mode), scheduled on RUN_AT. Returns the exit
 * code: 0 after a stop, 2 when nothing could ever be scheduled. */
int runner_run(const struct runner_opts *o, struct jobspec *seed);

/* How long without a successful backup is unhealthy for a job on cron
 * schedule c (text run_at, for messages): setting (HEALTH_MAX_AGE) when not
 * 0, else twice the schedule's longest gap plus 10 minutes. *max_age 0: not
 * judged. A setting not longer than the gap is refused (-1, err set): Swarm
 * would replace the agent between good backups. */
int runner_health_window(long setting, const struct cron_expr *c, const char *run_at, long *max_age, char *err,
			 size_t errlen);

#endif
