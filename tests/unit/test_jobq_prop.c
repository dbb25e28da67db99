/* Randomized property test for jobq (fixed seeds, simulated time, no
 * clock): jobs on a few repositories are added, moved to another repository
 * and removed while their operations run for random times. After every
 * step of the simulation:
 *   - no two running operations work on one repository (the key each run
 *     was started on, as the test records it), and at most max_parallel run;
 *   - what jobq_pick chose is what a brute-force search over the rules picks;
 *   - no due operation is left waiting while its repository and a slot are
 *     free, and none has waited longer than operations ran meanwhile;
 *   - every tick of every schedule (counted here with cron_next alone) has
 *     either run or been counted skipped;
 *   - ids: a new job takes the lowest free one; a removed job's slot is
 *     freed once its run is done. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jobq.h"
#include "t.h"

#define P_IDS 64  /* ids the test follows */
#define P_LIVE 8  /* jobs at most at once */
#define P_REPOS 4 /* repository keys */

static const char *const pool[] = { "*/7 * * * *", "*/13 * * * *",  "0 * * * *",   "30 */2 * * *",
				    "*/5 * * * *", "15,45 * * * *", "0 */6 * * *", "* * * * *",
				    "0 3 * * *",   "0 3 * * 1-5",   "20 4 1 * *" };
#define P_POOL (sizeof(pool) / sizeof(pool[0]))

struct pop {
	long ran;         /* runs started */
	time_t tick_t;    /* independent count: ticks in (added, tick_t] */
	time_t tick_next; /* the first after tick_t (0: none) */
	long ticks;
	time_t end;      /* of the run going on; 0: not running */
	time_t due_seen; /* the tick whose arrival was noted */
	long due_busy;   /* busy time then */
};

struct pjob {
	int state;        /* 0 free, 1 live, 2 removed while running */
	char repo[8];     /* the latest key asked for */
	char run_repo[8]; /* the key its run was started on */
	const struct cron_expr *c[JOBQ_NOPS];
	struct pop op[JOBQ_NOPS];
};

struct prop {
	struct jobq q;
	time_t now;
	long busy; /* seconds during which at least one operation ran */
	uint64_t rng;
	struct cron_expr crons[P_POOL];
	struct pjob job[P_IDS];
	long steps, runs, skipped, waited;
	long f_repo, f_parallel, f_pick, f_idle, f_wait, f_account, f_ids, f_tick, f_key;
};

#define PFAIL(p, f, ...)                      \
	do {                                  \
		if (!(p)->f++) {              \
			printf("# %s: ", #f); \
			printf(__VA_ARGS__);  \
			printf("\n");         \
		}                             \
	} while (0)

static long rnd(struct prop *p, long n)
{
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return (long)((p->rng * 2685821657736338717ULL) >> 33) % n;
}

static int runs_of(const struct pjob *j)
{
	int n = 0;

	for (int k = 0; k < JOBQ_NOPS; k++)
		n += j->op[k].end != 0;
	return n;
}

/* The ticks of c in (added, upto], counted on from the last call. */
static long ticks_to(const struct cron_expr *c, struct pop *o, time_t upto)
{
	while (o->tick_next && o->tick_next <= upto) {
		o->ticks++;
		o->tick_t = o->tick_next;
		if (cron_next(c, o->tick_t, &o->tick_next) < 0)
			o->tick_next = 0;
	}
	return o->ticks;
}

/* The key job i works on now: its run's, or the latest asked for. */
static const char *key_of(const struct pjob *j)
{
	return runs_of(j) ? j->run_repo : j->repo;
}

/* May live job i's op k start now, by the rules (blocked by repository or
 * slots)? */
static int may_start(const struct prop *p, int i, int k)
{
	const struct jobq_op *o = &p->q.jobs[i].op[k];

	if (p->job[i].state != 1 || !o->next || o->next > p->now || o->running)
		return 0;
	if (p->q.running >= p->q.max_parallel || runs_of(&p->job[i]))
		return 0;
	for (int x = 0; x < P_IDS; x++)
		if (p->job[x].state && runs_of(&p->job[x]) && !strcmp(p->job[x].run_repo, p->job[i].repo))
			return 0;
	return 1;
}

/* The brute-force pick: the least (tick, id, op) that may start. */
static int ref_pick(const struct prop *p, int *id, int *op)
{
	int found = 0;

	for (int i = 0; i < P_IDS; i++)
		for (int k = 0; k < JOBQ_NOPS; k++)
			if (may_start(p, i, k) && (!found || p->q.jobs[i].op[k].next < p->q.jobs[*id].op[*op].next)) {
				*id = i;
				*op = k;
				found = 1;
			}
	return found;
}

static void add_job(struct prop *p)
{
	int want = 0, live = 0, id;
	struct pjob *j;

	for (int i = 0; i < P_IDS; i++)
		live += p->job[i].state == 1;
	if (live >= P_LIVE)
		return;
	while (want < P_IDS && p->job[want].state)
		want++;
	if (want == P_IDS)
		return;
	j = &p->job[want];
	memset(j, 0, sizeof(*j));
	snprintf(j->repo, sizeof(j->repo), "r%ld", rnd(p, P_REPOS));
	for (int k = 0; k < JOBQ_NOPS; k++) {
		long c = rnd(p, (long)P_POOL + (k ? 3 : 1)); /* prune and check: NULL more often */

		j->c[k] = c < (long)P_POOL ? &p->crons[c] : NULL;
		j->op[k].tick_t = p->now;
		if (!j->c[k] || cron_next(j->c[k], p->now, &j->op[k].tick_next) < 0)
			j->op[k].tick_next = 0;
	}
	id = jobq_add(&p->q, j->repo, j->c[0], j->c[1], j->c[2], p->now);
	if (id != want)
		PFAIL(p, f_ids, "jobq_add gave id %d, the lowest free is %d", id, want);
	if (id >= 0 && id < P_IDS)
		j->state = 1;
}

static int pick_live(struct prop *p)
{
	int live[P_IDS], n = 0;

	for (int i = 0; i < P_IDS; i++)
		if (p->job[i].state == 1)
			live[n++] = i;
	return n ? live[rnd(p, n)] : -1;
}

/* A label change: a job is added, removed or moved to another repository. */
static void churn(struct prop *p)
{
	long what = rnd(p, 10);
	int i = pick_live(p);

	if (what < 4 || i < 0) {
		add_job(p);
	} else if (what < 7) {
		jobq_remove(&p->q, i);
		p->job[i].state = runs_of(&p->job[i]) ? 2 : 0;
		if (p->job[i].state != (p->q.jobs[i].used ? 2 : 0) || p->q.jobs[i].gone != (p->job[i].state == 2))
			PFAIL(p, f_ids, "job %d removed with %d runs: used %d gone %d", i, runs_of(&p->job[i]),
			      p->q.jobs[i].used, p->q.jobs[i].gone);
	} else {
		struct pjob *j = &p->job[i];

		snprintf(j->repo, sizeof(j->repo), "r%ld", rnd(p, P_REPOS));
		if (jobq_update(&p->q, i, j->repo, j->c[0], j->c[1], j->c[2], p->now) < 0)
			PFAIL(p, f_ids, "jobq_update of live job %d failed", i);
	}
}

/* A tick is reached at a step, never passed over (the wakeup). */
static void note_due(struct prop *p)
{
	for (int i = 0; i < P_IDS; i++)
		for (int k = 0; p->job[i].state == 1 && k < JOBQ_NOPS; k++) {
			const struct jobq_op *o = &p->q.jobs[i].op[k];
			struct pop *po = &p->job[i].op[k];

			if (!o->next || o->next > p->now || o->running || po->due_seen == o->next)
				continue;
			if (o->next != p->now)
				PFAIL(p, f_tick, "job %d %s: tick %ld passed unseen (now %ld)", i, jobq_op_name(k),
				      (long)o->next, (long)p->now);
			po->due_seen = o->next;
			po->due_busy = p->busy;
		}
}

static void start_all(struct prop *p)
{
	int id, ref_id = -1, ref_op = -1;
	enum jobq_opkind op;

	while (jobq_pick(&p->q, p->now, &id, &op)) {
		struct pjob *j = &p->job[id];
		const struct jobq_op *o = &p->q.jobs[id].op[op];
		long dur = rnd(p, 8) ? 1 + rnd(p, 300) : 300 + rnd(p, 2 * 3600);

		if (!ref_pick(p, &ref_id, &ref_op) || ref_id != id || ref_op != (int)op)
			PFAIL(p, f_pick, "picked job %d %s, the rules pick %d %d", id, jobq_op_name(op), ref_id,
			      ref_op);
		if (id < 0 || id >= P_IDS || j->state != 1 || j->op[op].end)
			return;
		if (p->now - o->next > p->busy - j->op[op].due_busy)
			PFAIL(p, f_wait, "job %d %s waited %ld s, operations ran %ld s meanwhile", id, jobq_op_name(op),
			      (long)(p->now - o->next), p->busy - j->op[op].due_busy);
		p->waited += (long)(p->now - o->next);
		jobq_start(&p->q, id, op, p->now);
		memcpy(j->run_repo, j->repo, sizeof(j->repo));
		j->op[op].end = p->now + dur;
		j->op[op].ran++;
		p->runs++;
	}
	if (ref_pick(p, &ref_id, &ref_op))
		PFAIL(p, f_pick, "nothing picked, the rules pick job %d op %d", ref_id, ref_op);
}

static void check_all(struct prop *p)
{
	int running = 0;

	for (int i = 0; i < P_IDS; i++) {
		struct pjob *j = &p->job[i];

		if (!j->state) {
			if (i < (int)p->q.n && p->q.jobs[i].used)
				PFAIL(p, f_ids, "slot %d is still used", i);
			continue;
		}
		running += runs_of(j);
		if (runs_of(j) > 1)
			PFAIL(p, f_repo, "job %d runs %d operations at once", i, runs_of(j));
		for (int x = i + 1; x < P_IDS; x++)
			if (p->job[x].state && runs_of(j) && runs_of(&p->job[x]) &&
			    !strcmp(j->run_repo, p->job[x].run_repo))
				PFAIL(p, f_repo, "jobs %d and %d both run on %s", i, x, j->run_repo);
		if (strcmp(p->q.jobs[i].repo, key_of(j)))
			PFAIL(p, f_key, "job %d holds key %s, should %s", i, p->q.jobs[i].repo, key_of(j));
		for (int k = 0; j->state == 1 && k < JOBQ_NOPS; k++) {
			const struct jobq_op *o = &p->q.jobs[i].op[k];
			struct pop *po = &p->job[i].op[k];
			long ticks;

			if (o->running != (po->end != 0))
				PFAIL(p, f_account, "job %d %s: running %d", i, jobq_op_name(k), o->running);
			if (!o->running && o->next && o->next <= p->now) {
				if (may_start(p, i, k))
					PFAIL(p, f_idle, "job %d %s is due and free to start, but waits", i,
					      jobq_op_name(k));
				if (p->now - o->next > p->busy - po->due_busy)
					PFAIL(p, f_wait, "job %d %s waits %ld s, operations ran %ld s", i,
					      jobq_op_name(k), (long)(p->now - o->next), p->busy - po->due_busy);
			}
			/* The ticks before its next (with its running one),
			 * and until what a jobq_update counted, ran or were
			 * skipped; a due one that waits may be among them. */
			if (!j->c[k]) {
				ticks = 0;
			} else if (!o->next) {
				continue;
			} else {
				time_t upto = o->running ? o->next : o->next - 1;

				if (o->counted > upto)
					upto = o->counted;
				ticks = ticks_to(j->c[k], po, upto) - (!o->running && o->next <= upto);
			}
			if (po->ran + o->skipped != ticks)
				PFAIL(p, f_account, "job %d %s: %ld ran + %ld skipped, %ld ticks (next %ld, now %ld)",
				      i, jobq_op_name(k), po->ran, o->skipped, ticks, (long)o->next, (long)p->now);
		}
	}
	if (running != p->q.running || running > p->q.max_parallel)
		PFAIL(p, f_parallel, "%d running (queue says %d), max %d", running, p->q.running, p->q.max_parallel);
}

/* Ends the runs that end now; a removed job's slot goes with its last. */
static void done_at(struct prop *p)
{
	for (int i = 0; i < P_IDS; i++)
		for (int k = 0; k < JOBQ_NOPS; k++) {
			struct pjob *j = &p->job[i];

			if (!j->state || j->op[k].end != p->now)
				continue;
			jobq_done(&p->q, i, k, p->now);
			j->op[k].end = 0;
			if (j->state == 2 && !runs_of(j)) {
				j->state = 0;
				if (p->q.jobs[i].used)
					PFAIL(p, f_ids, "removed job %d kept its slot after its run", i);
			}
		}
}

static void round_of(int max_parallel, uint64_t seed, long days)
{
	static struct prop p; /* big: not on the stack */
	time_t t0 = 1714953600, churn_at, stop = t0 + days * 86400;

	memset(&p, 0, sizeof(p));
	p.rng = seed;
	p.now = t0;
	for (size_t c = 0; c < P_POOL; c++)
		if (cron_parse(pool[c], &p.crons[c], NULL, 0) < 0)
			abort();
	jobq_init(&p.q, max_parallel);
	for (int i = 0; i < 6; i++)
		add_job(&p);
	churn_at = t0 + 3600;
	while (p.now < stop) {
		time_t t;

		note_due(&p);
		start_all(&p);
		check_all(&p);
		p.steps++;
		t = jobq_wakeup(&p.q, p.now);
		for (int i = 0; i < P_IDS; i++)
			for (int k = 0; p.job[i].state && k < JOBQ_NOPS; k++)
				if (p.job[i].op[k].end && (!t || p.job[i].op[k].end < t))
					t = p.job[i].op[k].end;
		if (!t || churn_at < t)
			t = churn_at;
		if (t <= p.now) {
			PFAIL(&p, f_tick, "time does not advance at %ld", (long)p.now);
			break;
		}
		if (p.q.running)
			p.busy += (long)(t - p.now);
		p.now = t;
		done_at(&p);
		if (p.now == churn_at) {
			churn(&p);
			churn_at = p.now + 600 + rnd(&p, 4 * 3600);
		}
	}
	for (int i = 0; i < P_IDS; i++)
		for (int k = 0; p.job[i].state == 1 && k < JOBQ_NOPS; k++)
			p.skipped += p.q.jobs[i].op[k].skipped;
	printf("# max_parallel %d: %ld steps, %ld runs, %ld s waited, %ld skipped among live jobs\n", max_parallel,
	       p.steps, p.runs, p.waited, p.skipped);
	CHECK(p.runs > 1000 && p.waited > 0 && p.skipped > 0, "max_parallel %d: a busy simulation", max_parallel);
	CHECK(!p.f_repo, "max_parallel %d: never two runs on one repository (%ld)", max_parallel, p.f_repo);
	CHECK(!p.f_parallel, "max_parallel %d: never more than max_parallel (%ld)", max_parallel, p.f_parallel);
	CHECK(!p.f_pick, "max_parallel %d: every pick is the rules' (%ld)", max_parallel, p.f_pick);
	CHECK(!p.f_idle, "max_parallel %d: nothing due waits while it could run (%ld)", max_parallel, p.f_idle);
	CHECK(!p.f_wait, "max_parallel %d: no wait longer than the runs ahead of it (%ld)", max_parallel, p.f_wait);
	CHECK(!p.f_account, "max_parallel %d: every tick ran or was skipped (%ld)", max_parallel, p.f_account);
	CHECK(!p.f_tick, "max_parallel %d: no tick passed over by the wakeup (%ld)", max_parallel, p.f_tick);
	CHECK(!p.f_ids, "max_parallel %d: ids and slots (%ld)", max_parallel, p.f_ids);
	CHECK(!p.f_key, "max_parallel %d: a running job keeps its key (%ld)", max_parallel, p.f_key);
	jobq_free(&p.q);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	round_of(1, 0x9e3779b97f4a7c15ULL, 10);
	round_of(2, 0x2545f4914f6cdd1dULL, 10);
	round_of(3, 0xd1b54a32d192ed03ULL, 10);
	return T_DONE();
}
