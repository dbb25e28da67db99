/* jobsched: which of a job's operations (backup, prune, check) runs next, on
 * their own cron schedules, one at a time: the agent never runs two restic
 * commands against its repository at once. A tick of an operation that
 * falls while the same operation runs is skipped (counted); one that falls
 * while another operation runs is delayed, not lost: it runs as soon as that
 * one ends, and how late is recorded. Pure logic over times, no clock. */
#ifndef RDS_JOBSCHED_H
#define RDS_JOBSCHED_H
#include <time.h>

#include "cron.h"

struct jobsched_op {
	const char *name;             /* "backup", "prune", "check" */
	const struct cron_expr *cron; /* borrowed; NULL: never scheduled */
	time_t next;                  /* the tick it waits for; 0 when never */
	long skipped;                 /* ticks that fell while it ran itself */
	long delayed_s;               /* how late its last run started (0 on time) */
	long delays;                  /* runs that started late */
	int waiting;                  /* its tick fell while another op ran */
};

/* Sets every op's first tick after now. Returns 0, or -1 when no op will
 * ever fire. */
int jobsched_init(struct jobsched_op *ops, int n, time_t now);

/* The op to run next: the earliest tick; on a tie the first in ops (so list
 * the backup first). -1 when none is scheduled. */
int jobsched_pick(const struct jobsched_op *ops, int n);

/* Records that ops[ran] ran from start to end for its tick ops[ran].next:
 * its next tick is the first after end, and the ticks between the two are
 * skipped (those that fell while it waited for another op, and while it
 * ran). Another op whose tick fell before end is due at once: its next
 * stays in the past. */
void jobsched_done(struct jobsched_op *ops, int n, int ran, time_t start, time_t end);

#endif
