/* jobq: see jobq.h. */
#include "jobq.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[JOBQ_NOPS] = { "backup", "prune", "check" };

const char *jobq_op_name(enum jobq_opkind op)
{
	return (unsigned)op < JOBQ_NOPS ? op_names[op] : "?";
}

static struct jobq_job *job_of(const struct jobq *q, int id)
{
	if (!q || id < 0 || (size_t)id >= q->n || !q->jobs[id].used)
		return NULL;
	return &q->jobs[id];
}

static struct jobq_op *op_of(const struct jobq *q, int id, enum jobq_opkind op)
{
	struct jobq_job *j = job_of(q, id);

	return j && (unsigned)op < JOBQ_NOPS ? &j->op[op] : NULL;
}

static int job_runs(const struct jobq_job *j)
{
	for (int k = 0; k < JOBQ_NOPS; k++)
		if (j->op[k].running)
			return 1;
	return 0;
}

static void slot_free(struct jobq_job *j)
{
	free(j->repo);
	free(j->new_repo);
	memset(j, 0, sizeof(*j));
}

/* The first tick of c after t; 0 when c is NULL or never fires again. */
static time_t first_after(const struct cron_expr *c, time_t t)
{
	time_t next;

	if (!c || cron_next(c, t, &next) < 0)
		return 0;
	return next;
}

/* Ticks of c in (from, to], at most JOBQ_SKIP_COUNT_MAX: a per-second
 * schedule over a long run costs a bounded number of cron_next calls. */
static long ticks_in(const struct cron_expr *c, time_t from, time_t to)
{
	long n = 0;
	time_t t = from;

	while (c && n < JOBQ_SKIP_COUNT_MAX && cron_next(c, t, &t) == 0 && t <= to)
		n++;
	return n;
}

/* Where the ticks a run or wait skipped start: after its tick, or after
 * what a jobq_update counted already. */
static time_t count_from(const struct jobq_op *o)
{
	time_t from = o->next > o->counted ? o->next : o->counted;

	return from ? from : o->started;
}

int jobq_init(struct jobq *q, int max_parallel)
{
	if (!q)
		return -1;
	memset(q, 0, sizeof(*q));
	if (max_parallel < 1)
		return -1;
	q->max_parallel = max_parallel;
	return 0;
}

void jobq_free(struct jobq *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->n; i++)
		slot_free(&q->jobs[i]);
	free(q->jobs);
	q->jobs = NULL;
	q->n = q->cap = 0;
	q->running = 0;
}

/* The lowest free slot, growing the array when none is; -1 (no memory). */
static int free_slot(struct jobq *q)
{
	struct jobq_job *jobs;
	size_t cap;

	for (size_t i = 0; i < q->n; i++)
		if (!q->jobs[i].used)
			return (int)i;
	if (q->n < q->cap)
		return (int)q->n++;
	if (q->cap >= INT_MAX / 2)
		return -1;
	cap = q->cap ? q->cap * 2 : 16;
	jobs = realloc(q->jobs, cap * sizeof(*jobs));
	if (!jobs)
		return -1;
	memset(jobs + q->cap, 0, (cap - q->cap) * sizeof(*jobs));
	q->jobs = jobs;
	q->cap = cap;
	return (int)q->n++;
}

int jobq_add(struct jobq *q, const char *repo, const struct cron_expr *backup, const struct cron_expr *prune,
	     const struct cron_expr *check, time_t now)
{
	const struct cron_expr *crons[JOBQ_NOPS] = { backup, prune, check };
	struct jobq_job *j;
	char *key;
	int id;

	if (!q || !repo)
		return -1;
	key = strdup(repo);
	if (!key)
		return -1;
	id = free_slot(q);
	if (id < 0) {
		free(key);
		return -1;
	}
	j = &q->jobs[id];
	memset(j, 0, sizeof(*j));
	j->used = 1;
	j->repo = key;
	for (int k = 0; k < JOBQ_NOPS; k++) {
		j->op[k].cron = crons[k];
		j->op[k].next = first_after(crons[k], now);
	}
	return id;
}

/* Op o takes schedule c at now (jobq_update's rules). */
static void op_update(struct jobq_op *o, const struct cron_expr *c, time_t now)
{
	int waits = !o->running && o->next && o->next <= now;

	if (o->running || waits) {
		/* The old schedule's ticks until now fell during its run or
		 * its wait; at its jobq_done the new one's are counted. */
		o->skipped += ticks_in(o->cron, count_from(o), now);
		o->counted = now;
	}
	o->cron = c;
	if (o->running || (waits && c))
		return;
	if (waits)
		o->skipped++; /* its due tick will never run */
	o->next = first_after(c, now);
	o->counted = 0;
}

int jobq_update(struct jobq *q, int id, const char *repo, const struct cron_expr *backup, const struct cron_expr *prune,
		const struct cron_expr *check, time_t now)
{
	const struct cron_expr *crons[JOBQ_NOPS] = { backup, prune, check };
	struct jobq_job *j = job_of(q, id);

	if (!j || j->gone || !repo)
		return -1;
	if (strcmp(repo, j->repo) == 0) {
		free(j->new_repo);
		j->new_repo = NULL;
	} else if (!j->new_repo || strcmp(repo, j->new_repo) != 0) {
		char *key = strdup(repo);

		if (!key)
			return -1;
		if (job_runs(j)) {
			/* The running restic works on the old repository:
			 * its key stays held until the run ends. */
			free(j->new_repo);
			j->new_repo = key;
		} else {
			free(j->repo);
			j->repo = key;
		}
	}
	for (int k = 0; k < JOBQ_NOPS; k++)
		op_update(&j->op[k], crons[k], now);
	return 0;
}

void jobq_remove(struct jobq *q, int id)
{
	struct jobq_job *j = job_of(q, id);

	if (!j)
		return;
	if (job_runs(j))
		j->gone = 1;
	else
		slot_free(j);
}

/* Whether an operation of any job (a removed one's too) runs on key repo. */
static int repo_busy(const struct jobq *q, const char *repo)
{
	if (!q->running)
		return 0;
	for (size_t i = 0; i < q->n; i++) {
		const struct jobq_job *j = &q->jobs[i];

		if (j->used && job_runs(j) && strcmp(j->repo, repo) == 0)
			return 1;
	}
	return 0;
}

int jobq_clock_back(struct jobq *q, time_t now)
{
	int moved = 0;

	for (size_t i = 0; q && i < q->n; i++) {
		struct jobq_job *j = &q->jobs[i];

		if (!j->used || j->gone)
			continue;
		for (int k = 0; k < JOBQ_NOPS; k++) {
			struct jobq_op *o = &j->op[k];
			time_t first, then;

			if (o->running || !o->next || o->next <= now)
				continue;
			first = first_after(o->cron, now);
			if (!first || first >= o->next)
				continue;
			then = first_after(o->cron, first);
			if (then && then - first <= JOBQ_FREQUENT_S) {
				o->next = first;
				moved++;
			}
		}
	}
	return moved;
}

int jobq_pick(const struct jobq *q, time_t now, int *id, enum jobq_opkind *op)
{
	const struct jobq_op *best = NULL;
	size_t best_id = 0;
	int best_k = 0;

	if (!q || q->running >= q->max_parallel)
		return 0;
	/* In id and op order, so that only an earlier tick replaces the best:
	 * ties go to the lower id, then backup, prune, check. The repository
	 * is looked at only for a candidate that would win. */
	for (size_t i = 0; i < q->n; i++) {
		const struct jobq_job *j = &q->jobs[i];
		int busy = -1;

		if (!j->used || j->gone)
			continue;
		for (int k = 0; k < JOBQ_NOPS; k++) {
			const struct jobq_op *o = &j->op[k];

			if (!o->next || o->next > now || o->running || (best && o->next >= best->next))
				continue;
			if (busy < 0)
				busy = repo_busy(q, j->repo);
			if (busy)
				break;
			best = o;
			best_id = i;
			best_k = k;
		}
	}
	if (!best)
		return 0;
	*id = (int)best_id;
	*op = (enum jobq_opkind)best_k;
	return 1;
}

time_t jobq_wakeup(const struct jobq *q, time_t now)
{
	time_t best = 0;

	for (size_t i = 0; q && i < q->n; i++) {
		const struct jobq_job *j = &q->jobs[i];

		if (!j->used || j->gone)
			continue;
		for (int k = 0; k < JOBQ_NOPS; k++) {
			const struct jobq_op *o = &j->op[k];

			if (!o->running && o->next > now && (!best || o->next < best))
				best = o->next;
		}
	}
	return best;
}

void jobq_start(struct jobq *q, int id, enum jobq_opkind op, time_t start)
{
	struct jobq_op *o = op_of(q, id, op);

	if (!o || o->running)
		return;
	o->running = 1;
	o->started = start;
	q->running++;
	o->delayed_s = o->next && start - o->next >= 1 ? (long)(start - o->next) : 0;
	if (o->delayed_s)
		o->delays++;
}

void jobq_done(struct jobq *q, int id, enum jobq_opkind op, time_t end)
{
	struct jobq_job *j = job_of(q, id);
	struct jobq_op *o = op_of(q, id, op);

	if (!o || !o->running)
		return;
	o->running = 0;
	q->running--;
	o->skipped += ticks_in(o->cron, count_from(o), end);
	o->next = first_after(o->cron, end);
	o->counted = 0;
	if (job_runs(j))
		return;
	if (j->gone) {
		slot_free(j);
	} else if (j->new_repo) {
		free(j->repo);
		j->repo = j->new_repo;
		j->new_repo = NULL;
	}
}
