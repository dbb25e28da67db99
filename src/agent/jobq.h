/* jobq: the one queue of every job's operations (backup, prune, check), each
 * on its own cron schedule, for the agent's one scheduler. Rules:
 *   - an operation is due from its tick on; due operations start in the
 *     order of their ticks (ties: lower job id, then backup, prune, check);
 *   - never two operations on one repository at once (jobs with the same
 *     repo key share it), and at most max_parallel operations in all;
 *   - a due operation that cannot start yet waits (never dropped) and runs
 *     as soon as the repository and a slot are free: how late it started
 *     is recorded (delays, delayed_s);
 *   - the ticks of an operation that fall while it waits or runs are
 *     skipped (counted); its next tick is the first after its run ends.
 * Jobs come and go while others run (label mode). Pure logic over times
 * and cron expressions: no clock, no I/O. */
#ifndef RDS_JOBQ_H
#define RDS_JOBQ_H
#include <stddef.h>
#include <time.h>

#include "cron.h"

enum jobq_opkind { JOBQ_BACKUP, JOBQ_PRUNE, JOBQ_CHECK, JOBQ_NOPS };

/* The skipped ticks of one run are counted up to this many (a per-second
 * schedule over a day-long run is counted whole); past it the count stops
 * and the next tick is still the first after the run. */
#define JOBQ_SKIP_COUNT_MAX 100000L

struct jobq_op {
	const struct cron_expr *cron; /* borrowed; NULL: never scheduled */
	time_t next;                  /* its tick (due once <= now); 0: never */
	int running;
	time_t started; /* of the run going on */
	long skipped;   /* ticks that fell while it waited or ran */
	long delays;    /* runs that started late */
	long delayed_s; /* how late its last run started (0: on time) */
	time_t counted; /* its ticks until here are counted already (a
			   jobq_update while it waited or ran); 0: none */
};

struct jobq_job {
	int used;       /* the slot holds a job */
	int gone;       /* removed while running: freed when its run is done */
	char *repo;     /* repository key, owned; the one its running ops hold */
	char *new_repo; /* owned; a jobq_update's repo, taken when no op runs */
	struct jobq_op op[JOBQ_NOPS];
};

struct jobq {
	struct jobq_job *jobs; /* indexed by job id */
	size_t n, cap;
	int max_parallel; /* >= 1 */
	int running;      /* operations running now */
};

/* An empty queue. Returns 0, or -1 when max_parallel < 1. */
int jobq_init(struct jobq *q, int max_parallel);
void jobq_free(struct jobq *q); /* NULL-safe */

/* Adds a job on repository key repo (copied) whose operations run on the
 * given schedules (borrowed, must outlive the job; NULL: never); their first
 * ticks are the first after now. Returns the job id (>= 0; the ids of
 * removed jobs are reused: the lowest free one), or -1 (no memory, or repo
 * NULL). */
int jobq_add(struct jobq *q, const char *repo, const struct cron_expr *backup, const struct cron_expr *prune,
	     const struct cron_expr *check, time_t now);

/* New schedules or repository for job id (a changed label). Operations not
 * running get their first tick after now; a running one keeps its run and
 * takes its next tick from the new schedule when it is done. One that is
 * already due and waits keeps waiting (never dropped), unless its new
 * schedule is NULL: then its due tick is skipped. The old schedule's ticks
 * until now that fell while one waited or ran are skipped. While an
 * operation of the job runs, a new repo takes effect when none runs (the run
 * holds the old one). Counters stay. Pick again afterwards: a waiting one
 * may be free to start on its new repo. Returns 0, or -1 (no such job, or
 * no memory: the job is unchanged). */
int jobq_update(struct jobq *q, int id, const char *repo, const struct cron_expr *backup, const struct cron_expr *prune,
		const struct cron_expr *check, time_t now);

/* Removes job id: it is never picked again; when an operation of it runs,
 * the slot is freed at its jobq_done. */
void jobq_remove(struct jobq *q, int id);

/* A schedule that fires again within this many seconds of a tick is kept
 * at its pace after the wall clock went back (jobq_clock_back). */
#define JOBQ_FREQUENT_S 3600

/* The wall clock went back (the caller saw it against the monotonic
 * clock): an operation's next tick, computed before the step, now lies as
 * far ahead as the step was. Each operation that neither runs nor waits and
 * whose schedule fires between now and that tick is judged by its pace
 * there: one that fires again within JOBQ_FREQUENT_S of that first tick
 * takes it (close to what Vixie cron does for jobs with a wildcard minute
 * or hour: a backup every 5 minutes does not pause for an hour); one that
 * fires more rarely keeps its tick
 * (a daily backup does not run twice in a day). Returns how many took an
 * earlier tick. */
int jobq_clock_back(struct jobq *q, time_t now);

/* The operation to start at now, by the rules above. Returns 1 with *id and
 * *op set, or 0 when none may start. */
int jobq_pick(const struct jobq *q, time_t now, int *id, enum jobq_opkind *op);

/* When to look again: the earliest tick after now of an operation that is
 * neither running nor already due (a due one that waits is started from
 * jobq_done's caller picking again); 0 when nothing is scheduled. */
time_t jobq_wakeup(const struct jobq *q, time_t now);

/* Marks the picked operation running from start; records how late it
 * started against its tick (a second or more is late). */
void jobq_start(struct jobq *q, int id, enum jobq_opkind op, time_t start);

/* Its run ended at end: the ticks in (its tick, end] are skipped (up to
 * JOBQ_SKIP_COUNT_MAX), its next tick is the first after end (0: none).
 * Frees a removed job's slot when none of its operations runs. */
void jobq_done(struct jobq *q, int id, enum jobq_opkind op, time_t end);

/* "backup", "prune", "check". */
const char *jobq_op_name(enum jobq_opkind op);

#endif
