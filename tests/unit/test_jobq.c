/* Unit tests for jobq: ticks of many jobs in order, one operation per
 * repository, at most max_parallel in all, delayed and skipped ticks, jobs
 * removed and changed while they run, weekday and monthly schedules. Fixed
 * epoch times in UTC, no clock. (test_jobq_prop.c: the randomized one.) */
#include <stdlib.h>
#include <string.h>

#include "jobq.h"
#include "t.h"

/* 2024-05-06 00:00:00 UTC, a Monday. */
static const time_t t0 = 1714953600;
static const time_t m = 60, h = 3600, d = 86400;

static struct cron_expr parse(const char *e)
{
	struct cron_expr c;
	char err[256];

	if (cron_parse(e, &c, err, sizeof(err)) < 0)
		abort();
	return c;
}

/* A simulated agent: every operation that may start starts at once and runs
 * for its dur (60 s when 0); starts are logged. */
#define SIM_JOBS 64
#define SIM_LOG 256

struct simrun {
	time_t start, end;
	int id;
	enum jobq_opkind op;
};

struct sim {
	struct jobq *q;
	time_t now;
	long dur[SIM_JOBS][JOBQ_NOPS];
	struct simrun run[SIM_JOBS * JOBQ_NOPS]; /* running now */
	int nrun;
	struct simrun log[SIM_LOG];
	int nlog;
	int overlap; /* two runs on one repository were seen */
	int most;    /* most runs at once */
};

static void sim_look(struct sim *s)
{
	for (int a = 0; a < s->nrun; a++)
		for (int b = a + 1; b < s->nrun; b++)
			if (!strcmp(s->q->jobs[s->run[a].id].repo, s->q->jobs[s->run[b].id].repo))
				s->overlap = 1;
	if (s->nrun > s->most)
		s->most = s->nrun;
}

/* Runs the queue until `until` (events at until included). */
static void sim_until(struct sim *s, time_t until)
{
	for (;;) {
		int id;
		enum jobq_opkind op;
		time_t t;

		while (jobq_pick(s->q, s->now, &id, &op)) {
			long dur = id < SIM_JOBS && s->dur[id][op] ? s->dur[id][op] : 60;
			struct simrun r = { s->now, s->now + dur, id, op };

			jobq_start(s->q, id, op, s->now);
			s->run[s->nrun++] = r;
			if (s->nlog < SIM_LOG)
				s->log[s->nlog++] = r;
		}
		sim_look(s);
		t = jobq_wakeup(s->q, s->now);
		for (int i = 0; i < s->nrun; i++)
			if (!t || s->run[i].end < t)
				t = s->run[i].end;
		if (!t || t > until) {
			s->now = until;
			return;
		}
		s->now = t;
		for (int i = 0; i < s->nrun;) {
			if (s->run[i].end == t) {
				jobq_done(s->q, s->run[i].id, s->run[i].op, t);
				s->run[i] = s->run[--s->nrun];
			} else {
				i++;
			}
		}
	}
}

/* How sim_log writes a start time (strftime's format must be a literal). */
enum logfmt { LOG_HM, LOG_HMS, LOG_WEEKDAY, LOG_MONTHDAY };

static void when(char *buf, size_t len, time_t t, enum logfmt fmt)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	switch (fmt) {
	case LOG_HM:
		strftime(buf, len, "%H:%M", &tm);
		break;
	case LOG_HMS:
		strftime(buf, len, "%H:%M:%S", &tm);
		break;
	case LOG_WEEKDAY:
		strftime(buf, len, "%a %d %H:%M", &tm);
		break;
	case LOG_MONTHDAY:
		strftime(buf, len, "%b %d %H:%M", &tm);
		break;
	}
}

/* The log as "<time> id op, ...". */
static const char *sim_log(const struct sim *s, enum logfmt fmt)
{
	static char buf[4096];
	size_t len = 0;

	buf[0] = 0;
	for (int i = 0; i < s->nlog && len < sizeof(buf) - 100; i++) {
		char at[64] = "";

		when(at, sizeof(at), s->log[i].start, fmt);
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s %d %s", i ? ", " : "", at, s->log[i].id,
				jobq_op_name(s->log[i].op));
	}
	return buf;
}

static void test_basics(void)
{
	struct jobq q;
	int id = -1;
	enum jobq_opkind op;

	CHECK_INT(jobq_init(&q, 0), -1, "max_parallel 0 is refused");
	CHECK_INT(jobq_init(NULL, 1), -1, "and a NULL queue");
	jobq_free(NULL);
	CHECK_INT(jobq_init(&q, 2), 0, "an empty queue");
	CHECK_INT(jobq_pick(&q, t0, &id, &op), 0, "picks nothing");
	CHECK_INT(jobq_wakeup(&q, t0), 0, "and never wakes up");
	CHECK_STR(jobq_op_name(JOBQ_BACKUP), "backup", "op names: backup");
	CHECK_STR(jobq_op_name(JOBQ_PRUNE), "prune", "prune");
	CHECK_STR(jobq_op_name(JOBQ_CHECK), "check", "check");
	CHECK_STR(jobq_op_name(JOBQ_NOPS), "?", "and '?' for no op");
	CHECK_INT(jobq_add(&q, NULL, NULL, NULL, NULL, t0), -1, "a job needs a repository key");

	/* A job with no schedule is kept but never runs. */
	CHECK_INT(jobq_add(&q, "srv:/a", NULL, NULL, NULL, t0), 0, "the first job is id 0");
	CHECK(!q.jobs[0].op[0].next && !q.jobs[0].op[1].next && !q.jobs[0].op[2].next, "no ticks");
	CHECK_INT(jobq_wakeup(&q, t0), 0, "no schedule: no wakeup");
	CHECK_INT(jobq_pick(&q, t0 + 400 * d, &id, &op), 0, "and never picked, even a year later");

	/* Ids that name no job are ignored. */
	CHECK_INT(jobq_update(&q, 5, "x", NULL, NULL, NULL, t0), -1, "update of no such job: -1");
	CHECK_INT(jobq_update(&q, -1, "x", NULL, NULL, NULL, t0), -1, "nor of id -1");
	CHECK_INT(jobq_update(&q, 0, NULL, NULL, NULL, NULL, t0), -1, "an update needs a repository key");
	jobq_start(&q, 7, JOBQ_BACKUP, t0);
	jobq_start(&q, 0, JOBQ_NOPS, t0);
	jobq_done(&q, 7, JOBQ_BACKUP, t0);
	jobq_done(&q, 0, JOBQ_BACKUP, t0);
	jobq_remove(&q, 9);
	CHECK(q.running == 0 && q.jobs[0].used, "start/done/remove of no such job or op change nothing");
	jobq_free(&q);
	jobq_free(&q);
	CHECK(!q.jobs && !q.n, "jobq_free empties the queue (twice is fine)");
}

static void test_order(void)
{
	struct jobq q;
	struct sim s = { .q = &q, .now = t0 };
	struct cron_expr b30 = parse("30 * * * *"), b00 = parse("0 * * * *"), p15 = parse("15 * * * *"),
			 c45 = parse("45 */2 * * *");

	jobq_init(&q, 3);
	jobq_add(&q, "srv:/a", &b30, NULL, NULL, t0);
	jobq_add(&q, "srv:/b", &b00, NULL, NULL, t0);
	jobq_add(&q, "srv:/c", NULL, &p15, &c45, t0);
	CHECK_INT(jobq_wakeup(&q, t0), t0 + 15 * m, "first wakeup: the prune's 00:15");
	sim_until(&s, t0 + 3 * h);
	CHECK_STR(sim_log(&s, LOG_HM),
		  "00:15 2 prune, 00:30 0 backup, 00:45 2 check, 01:00 1 backup, 01:15 2 prune, 01:30 0 backup, "
		  "02:00 1 backup, 02:15 2 prune, 02:30 0 backup, 02:45 2 check, 03:00 1 backup",
		  "three jobs' ticks run in their order");
	CHECK(!s.overlap && s.most == 1, "one at a time (each run is a minute)");
	jobq_free(&q);
}

static void test_same_repo(void)
{
	struct jobq q;
	struct sim s = { .q = &q, .now = t0 };
	struct cron_expr at3 = parse("0 3 * * *");
	int id;
	enum jobq_opkind op;

	jobq_init(&q, 4);
	jobq_add(&q, "srv:/a", &at3, NULL, NULL, t0);
	jobq_add(&q, "srv:/a", &at3, NULL, NULL, t0);
	jobq_add(&q, "srv:/b", &at3, NULL, NULL, t0);
	s.dur[0][JOBQ_BACKUP] = 600;
	s.dur[1][JOBQ_BACKUP] = 300;
	s.dur[2][JOBQ_BACKUP] = 100;
	sim_until(&s, t0 + 3 * h + 5 * m);
	CHECK_INT(q.running, 1, "03:05: job 0 runs on srv:/a, job 2's run on srv:/b is done");
	CHECK_INT(jobq_pick(&q, s.now, &id, &op), 0, "job 1 (srv:/a too) may not start");
	CHECK_INT(jobq_wakeup(&q, s.now), t0 + d + 3 * h, "the next wakeup is tomorrow's (job 1 waits for a done)");
	sim_until(&s, t0 + 4 * h);
	CHECK_STR(sim_log(&s, LOG_HMS), "03:00:00 0 backup, 03:00:00 2 backup, 03:10:00 1 backup",
		  "job 1 starts right when job 0 ends");
	CHECK(!s.overlap, "never two runs on one repository");
	CHECK(q.jobs[1].op[0].delayed_s == 600 && q.jobs[1].op[0].delays == 1, "job 1 was 600 s late (%ld)",
	      q.jobs[1].op[0].delayed_s);
	CHECK(q.jobs[0].op[0].delayed_s == 0 && q.jobs[0].op[0].delays == 0 && q.jobs[2].op[0].delays == 0,
	      "jobs 0 and 2 were on time");
	CHECK(q.jobs[1].op[0].skipped == 0 && q.jobs[1].op[0].next == t0 + d + 3 * h,
	      "nothing skipped, next tomorrow 03:00");
	jobq_free(&q);
}

static void test_parallel(void)
{
	struct jobq q;
	struct sim s = { .q = &q, .now = t0 };
	struct cron_expr at3 = parse("0 3 * * *");
	const char *repos[] = { "srv:/a", "srv:/b", "srv:/c", "srv:/d" };
	const long dur[] = { 100, 200, 300, 50 };

	jobq_init(&q, 3);
	for (int i = 0; i < 4; i++) {
		jobq_add(&q, repos[i], &at3, NULL, NULL, t0);
		s.dur[i][JOBQ_BACKUP] = dur[i];
	}
	sim_until(&s, t0 + 4 * h);
	CHECK_STR(sim_log(&s, LOG_HMS), "03:00:00 0 backup, 03:00:00 1 backup, 03:00:00 2 backup, 03:01:40 3 backup",
		  "three repositories at once, the fourth when the first is done");
	CHECK(s.most == 3 && !s.overlap, "at most max_parallel (3) ran at once (%d)", s.most);
	CHECK_INT(q.jobs[3].op[0].delayed_s, 100, "job 3 waited 100 s for a slot");
	jobq_free(&q);
}

static void test_serial(void)
{
	struct jobq q;
	struct sim s = { .q = &q, .now = t0 };
	struct cron_expr at3 = parse("0 3 * * *");

	jobq_init(&q, 1);
	jobq_add(&q, "srv:/a", &at3, NULL, &at3, t0);
	jobq_add(&q, "srv:/b", &at3, NULL, &at3, t0);
	jobq_add(&q, "srv:/c", &at3, NULL, &at3, t0);
	jobq_remove(&q, 0);
	CHECK_INT(jobq_add(&q, "srv:/d", &at3, NULL, &at3, t0), 0, "the job added last takes the free id 0");
	sim_until(&s, t0 + 4 * h);
	CHECK_STR(sim_log(&s, LOG_HM),
		  "03:00 0 backup, 03:01 0 check, 03:02 1 backup, 03:03 1 check, 03:04 2 backup, 03:05 2 check",
		  "max_parallel 1: one after another, ties by id, then backup before check");
	CHECK(q.jobs[2].op[JOBQ_CHECK].delayed_s == 300 && q.jobs[0].op[JOBQ_CHECK].delayed_s == 60,
	      "each records its wait");
	jobq_free(&q);
}

static void test_skipped(void)
{
	struct jobq q;
	struct cron_expr hourly = parse("0 * * * *"), p = parse("15 2 * * *");
	struct jobq_op *b, *pr;
	int id = -1;
	enum jobq_opkind op = JOBQ_NOPS;

	jobq_init(&q, 2);
	jobq_add(&q, "srv:/a", &hourly, &p, NULL, t0);
	b = &q.jobs[0].op[JOBQ_BACKUP];
	pr = &q.jobs[0].op[JOBQ_PRUNE];
	CHECK(jobq_pick(&q, t0 + h, &id, &op) && id == 0 && op == JOBQ_BACKUP, "01:00: the backup");
	jobq_start(&q, id, op, t0 + h);
	CHECK(b->running && b->started == t0 + h && q.running == 1 && b->delayed_s == 0, "runs from 01:00, on time");
	CHECK_INT(jobq_pick(&q, t0 + 2 * h + 15 * m, &id, &op), 0, "02:15: the prune waits for its own job's backup");
	CHECK_INT(jobq_wakeup(&q, t0 + 2 * h + 15 * m), 0, "nothing to wake up for: the prune is due, the backup runs");
	jobq_done(&q, 0, JOBQ_BACKUP, t0 + 4 * h + 30 * m);
	CHECK(b->skipped == 3 && b->next == t0 + 5 * h && !b->running && q.running == 0,
	      "a 3.5 h run skips the 02:00, 03:00 and 04:00 ticks (%ld), next 05:00", b->skipped);
	CHECK(jobq_pick(&q, t0 + 4 * h + 30 * m, &id, &op) && id == 0 && op == JOBQ_PRUNE,
	      "04:30: the delayed prune goes");
	jobq_start(&q, id, op, t0 + 4 * h + 30 * m);
	jobq_done(&q, id, op, t0 + 4 * h + 31 * m);
	CHECK(pr->skipped == 0 && pr->delayed_s == 8100 && pr->delays == 1 && pr->next == t0 + d + 2 * h + 15 * m,
	      "the prune was delayed 8100 s, not skipped (%ld), next tomorrow", pr->delayed_s);
	jobq_free(&q);
}

static void test_per_second(void)
{
	struct jobq q;
	struct cron_expr every = parse("* * * * * *");
	struct jobq_op *o;
	int id = -1;
	enum jobq_opkind op = JOBQ_NOPS;

	jobq_init(&q, 1);
	jobq_add(&q, "srv:/a", &every, NULL, NULL, t0);
	o = &q.jobs[0].op[0];
	CHECK_INT(o->next, t0 + 1, "a per-second schedule ticks at 00:00:01");
	CHECK(jobq_pick(&q, t0 + 1, &id, &op) && id == 0, "picked");
	jobq_start(&q, 0, JOBQ_BACKUP, t0 + 1);
	jobq_done(&q, 0, JOBQ_BACKUP, t0 + 1 + d);
	CHECK(o->skipped == 86400 && o->next == t0 + d + 2, "a day-long run skips 86400 ticks (%ld), all counted",
	      o->skipped);
	jobq_start(&q, 0, JOBQ_BACKUP, o->next);
	jobq_done(&q, 0, JOBQ_BACKUP, t0 + 31 * d);
	CHECK(o->skipped == 86400 + JOBQ_SKIP_COUNT_MAX, "a 29-day run counts up to the bound (%ld)", o->skipped);
	CHECK_INT(o->next, t0 + 31 * d + 1, "and still ticks right after it");
	jobq_free(&q);
}

static void test_remove(void)
{
	struct jobq q;
	struct cron_expr at3 = parse("0 3 * * *"), at4 = parse("0 4 * * *");
	int id = -1;
	enum jobq_opkind op = JOBQ_NOPS;

	jobq_init(&q, 4);
	jobq_add(&q, "srv:/a", &at3, &at4, NULL, t0);
	jobq_add(&q, "srv:/a", &at3, NULL, NULL, t0);
	CHECK(jobq_pick(&q, t0 + 3 * h, &id, &op) && id == 0, "03:00: job 0 starts");
	jobq_start(&q, id, op, t0 + 3 * h);
	jobq_remove(&q, 0);
	CHECK(q.jobs[0].used && q.jobs[0].gone && q.running == 1, "removed while running: kept until its run ends");
	CHECK_INT(jobq_pick(&q, t0 + 3 * h + m, &id, &op), 0, "its run still holds srv:/a: job 1 waits");
	CHECK_INT(jobq_wakeup(&q, t0 + 3 * h + m), 0, "its prune's 04:00 is no wakeup any more");
	CHECK_INT(jobq_pick(&q, t0 + 4 * h, &id, &op), 0, "nor picked");
	CHECK_INT(jobq_update(&q, 0, "srv:/a", &at3, NULL, NULL, t0 + 3 * h), -1, "a removed job is not updated");
	CHECK_INT(jobq_add(&q, "srv:/b", &at3, NULL, NULL, t0 + 3 * h + m), 2, "its id is not free yet (new: 2)");
	jobq_done(&q, 0, JOBQ_BACKUP, t0 + 3 * h + 10 * m);
	CHECK(!q.jobs[0].used && !q.jobs[0].gone && !q.jobs[0].repo && q.running == 0, "freed at its done");
	CHECK(jobq_pick(&q, t0 + 3 * h + 10 * m, &id, &op) && id == 1, "then job 1 starts");
	jobq_start(&q, id, op, t0 + 3 * h + 10 * m);
	CHECK_INT(q.jobs[1].op[0].delayed_s, 600, "600 s late");
	CHECK_INT(jobq_add(&q, "srv:/c", &at3, NULL, NULL, t0 + 4 * h), 0, "id 0 is reused");
	jobq_remove(&q, 2);
	CHECK(!q.jobs[2].used && !q.jobs[2].repo, "a job with nothing running is freed at once");
	CHECK_INT(jobq_add(&q, "srv:/d", &at3, NULL, NULL, t0 + 4 * h), 2, "the lowest free id is reused");
	jobq_remove(&q, 1);
	CHECK(q.jobs[1].gone, "job 1, running, is removed");
	jobq_free(&q);
	CHECK(!q.jobs && !q.running, "jobq_free with a run going on frees all (valgrind)");
}

static void test_update_running(void)
{
	struct jobq q;
	struct cron_expr hourly = parse("0 * * * *"), p230 = parse("30 2 * * *"), every10 = parse("*/10 * * * *"),
			 p200 = parse("0 2 * * *"), at140 = parse("40 1 * * *");
	struct jobq_op *b, *p;
	int id = -1;
	enum jobq_opkind op = JOBQ_NOPS;

	jobq_init(&q, 4);
	jobq_add(&q, "srv:/a", &hourly, &p230, NULL, t0);
	jobq_add(&q, "srv:/a", &at140, NULL, NULL, t0);
	jobq_add(&q, "srv:/b", &at140, NULL, NULL, t0);
	b = &q.jobs[0].op[JOBQ_BACKUP];
	p = &q.jobs[0].op[JOBQ_PRUNE];
	CHECK(jobq_pick(&q, t0 + h, &id, &op) && id == 0 && op == JOBQ_BACKUP, "01:00: job 0's backup");
	jobq_start(&q, id, op, t0 + h);
	/* 01:30: its label moves it to srv:/b, a backup every 10 minutes and
	 * a prune at 02:00. */
	CHECK_INT(jobq_update(&q, 0, "srv:/b", &every10, &p200, NULL, t0 + h + 30 * m), 0, "updated while running");
	CHECK(b->running && q.running == 1, "the backup keeps running");
	CHECK_STR(q.jobs[0].repo, "srv:/a", "and holds srv:/a until it is done");
	CHECK_INT(p->next, t0 + 2 * h, "the prune takes its new tick (02:00)");
	CHECK(jobq_pick(&q, t0 + h + 40 * m, &id, &op) && id == 2, "01:40: job 2 on srv:/b starts");
	jobq_start(&q, id, op, t0 + h + 40 * m);
	CHECK_INT(jobq_pick(&q, t0 + h + 40 * m, &id, &op), 0, "job 1 on srv:/a waits for job 0's backup");
	jobq_done(&q, 0, JOBQ_BACKUP, t0 + 2 * h + 5 * m);
	CHECK(b->skipped == 3 && b->next == t0 + 2 * h + 10 * m,
	      "done 02:05: the new schedule's 01:40, 01:50, 02:00 are skipped (%ld), next 02:10", b->skipped);
	CHECK_STR(q.jobs[0].repo, "srv:/b", "now job 0 is on srv:/b");
	CHECK(jobq_pick(&q, t0 + 2 * h + 5 * m, &id, &op) && id == 1, "job 1 starts on the freed srv:/a");
	jobq_start(&q, id, op, t0 + 2 * h + 5 * m);
	CHECK_INT(jobq_pick(&q, t0 + 2 * h + 5 * m, &id, &op), 0, "job 0's prune waits for job 2 on srv:/b");
	jobq_done(&q, 2, JOBQ_BACKUP, t0 + 2 * h + 7 * m);
	CHECK(jobq_pick(&q, t0 + 2 * h + 7 * m, &id, &op) && id == 0 && op == JOBQ_PRUNE, "then it goes");
	jobq_start(&q, id, op, t0 + 2 * h + 7 * m);
	CHECK_INT(p->delayed_s, 7 * m, "420 s late");

	/* Back to srv:/a and to nothing while the prune runs: no pending
	 * change, and no next prune after it. */
	CHECK_INT(jobq_update(&q, 0, "srv:/c", &every10, NULL, NULL, t0 + 2 * h + 8 * m), 0, "repo change pending");
	CHECK_STR(q.jobs[0].new_repo, "srv:/c", "waits");
	CHECK_INT(jobq_update(&q, 0, "srv:/b", &every10, NULL, NULL, t0 + 2 * h + 9 * m), 0, "and is taken back");
	CHECK(!q.jobs[0].new_repo, "none pending");
	jobq_done(&q, 0, JOBQ_PRUNE, t0 + 2 * h + 30 * m);
	CHECK(p->next == 0 && p->skipped == 0, "the prune, unscheduled while it ran, has no next tick");
	CHECK_STR(q.jobs[0].repo, "srv:/b", "repo unchanged");
	jobq_free(&q);
}

static void test_update_idle(void)
{
	struct jobq q;
	struct cron_expr hourly = parse("0 * * * *"), at4 = parse("0 4 * * *"), sun5 = parse("0 5 * * 0"),
			 at3 = parse("0 3 * * *"), at3copy = parse("0 3 * * *");
	struct jobq_op *b;
	int id = -1;
	enum jobq_opkind op = JOBQ_NOPS;

	jobq_init(&q, 4);
	jobq_add(&q, "srv:/a", &hourly, NULL, NULL, t0);
	b = &q.jobs[0].op[JOBQ_BACKUP];
	jobq_start(&q, 0, JOBQ_BACKUP, t0 + h + 30);
	jobq_done(&q, 0, JOBQ_BACKUP, t0 + 3 * h + 30 * m);
	CHECK(b->skipped == 2 && b->delays == 1 && b->next == t0 + 4 * h, "a late, long run: 2 skipped, 1 delay");
	CHECK_INT(jobq_update(&q, 0, "srv:/a", &at4, NULL, &sun5, t0 + 3 * h + 40 * m), 0, "updated while idle");
	CHECK(b->next == t0 + 4 * h && q.jobs[0].op[JOBQ_CHECK].next == t0 + 6 * d + 5 * h,
	      "first ticks after now: backup 04:00, check Sunday 05:00");
	CHECK(b->skipped == 2 && b->delays == 1 && b->delayed_s == 30, "counters stay");
	CHECK_INT(jobq_update(&q, 0, "srv:/a", NULL, NULL, &sun5, t0 + 3 * h + 50 * m), 0, "backup unscheduled");
	CHECK(b->next == 0 && b->skipped == 2, "no backup tick, nothing counted");
	CHECK_INT(jobq_wakeup(&q, t0 + 3 * h + 50 * m), t0 + 6 * d + 5 * h, "the check's tick is the wakeup");
	CHECK_INT(jobq_update(&q, 0, "srv:/z", NULL, NULL, &sun5, t0 + 3 * h + 50 * m), 0, "repo changed");
	CHECK(!strcmp(q.jobs[0].repo, "srv:/z") && !q.jobs[0].new_repo, "at once when nothing runs");
	jobq_free(&q);

	/* A due operation that waits is not dropped by an update. */
	jobq_init(&q, 4);
	jobq_add(&q, "srv:/s", &at3, NULL, NULL, t0);
	jobq_add(&q, "srv:/s", &at3, NULL, NULL, t0);
	jobq_add(&q, "srv:/s", &at3, NULL, NULL, t0);
	jobq_start(&q, 0, JOBQ_BACKUP, t0 + 3 * h);
	jobq_update(&q, 1, "srv:/s", &at3copy, NULL, NULL, t0 + 3 * h + 5 * m);
	CHECK_INT(q.jobs[1].op[0].next, t0 + 3 * h, "an update with the same schedule keeps job 1's due tick");
	jobq_update(&q, 2, "srv:/s", &hourly, NULL, NULL, t0 + 3 * h + 5 * m);
	CHECK_INT(q.jobs[2].op[0].next, t0 + 3 * h, "and so does one with another schedule");
	jobq_done(&q, 0, JOBQ_BACKUP, t0 + 4 * h + 10 * m);
	CHECK(jobq_pick(&q, t0 + 4 * h + 10 * m, &id, &op) && id == 1, "job 1 runs when job 0 is done");
	jobq_start(&q, id, op, t0 + 4 * h + 10 * m);
	CHECK(q.jobs[1].op[0].delayed_s == h + 10 * m && q.jobs[1].op[0].delays == 1, "70 minutes late");
	jobq_done(&q, 1, JOBQ_BACKUP, t0 + 4 * h + 20 * m);
	CHECK(q.jobs[1].op[0].skipped == 0 && q.jobs[1].op[0].next == t0 + d + 3 * h, "nothing skipped");
	CHECK(jobq_pick(&q, t0 + 4 * h + 20 * m, &id, &op) && id == 2, "then job 2");
	jobq_start(&q, id, op, t0 + 4 * h + 20 * m);
	jobq_done(&q, id, op, t0 + 5 * h + 30 * m);
	CHECK(q.jobs[2].op[0].skipped == 2 && q.jobs[2].op[0].next == t0 + 6 * h,
	      "its new hourly schedule from 03:05 on: 04:00 and 05:00 skipped (%ld)", q.jobs[2].op[0].skipped);

	/* Unscheduled while due: the due tick is skipped. A move to a free
	 * repository lets it start at once. */
	jobq_update(&q, 2, "srv:/s", &at3, NULL, NULL, t0 + 5 * h + 30 * m);
	jobq_start(&q, 0, JOBQ_BACKUP, t0 + d + 3 * h);
	jobq_update(&q, 1, "srv:/s", NULL, NULL, NULL, t0 + d + 3 * h + m);
	CHECK(q.jobs[1].op[0].next == 0 && q.jobs[1].op[0].skipped == 1, "an unscheduled due tick is skipped");
	jobq_update(&q, 2, "srv:/t", &at3, NULL, NULL, t0 + d + 3 * h + m);
	CHECK(jobq_pick(&q, t0 + d + 3 * h + m, &id, &op) && id == 2, "job 2, moved to srv:/t, starts");
	jobq_free(&q);
}

static void test_fifty(void)
{
	struct jobq q;
	struct sim s = { .q = &q, .now = t0 };
	struct cron_expr at3 = parse("30 3 * * *");
	long delayed = 0, delays = 0, skipped = 0;
	int runs[50] = { 0 }, ids = 1, inorder = 1, ontime = 1, twice = 1;

	jobq_init(&q, 1);
	for (int i = 0; i < 50; i++) {
		char repo[32];

		snprintf(repo, sizeof(repo), "srv:/r%d", i % 7);
		if (jobq_add(&q, repo, &at3, NULL, NULL, t0) != i)
			ids = 0;
	}
	CHECK(ids && q.n == 50 && q.cap >= 50, "50 jobs on 7 repositories, ids 0-49");
	sim_until(&s, t0 + d + 2 * h);
	for (int i = 0; i < 50; i++) {
		delayed += q.jobs[i].op[0].delayed_s;
		delays += q.jobs[i].op[0].delays;
		skipped += q.jobs[i].op[0].skipped;
	}
	sim_until(&s, t0 + 2 * d);
	for (int i = 0; i < s.nlog; i++) {
		int day = i / 50, k = i % 50;

		runs[s.log[i].id]++;
		if (s.log[i].id != k)
			inorder = 0;
		if (s.log[i].start != t0 + day * d + 3 * h + 30 * m + k * m)
			ontime = 0;
	}
	CHECK_INT(s.nlog, 100, "two days: 100 runs");
	CHECK(inorder && ontime, "each day in id order, one a minute from 03:30");
	for (int i = 0; i < 50; i++)
		if (runs[i] != 2)
			twice = 0;
	CHECK(twice, "every job ran on both days");
	CHECK(s.most == 1 && !s.overlap, "one at a time");
	CHECK(delayed == 60 * 1225 && delays == 49 && skipped == 0,
	      "day 1: 49 late starts, 73500 s of delay in all (%ld), none skipped", delayed);
	delays = skipped = 0;
	for (int i = 0; i < 50; i++) {
		delays += q.jobs[i].op[0].delays;
		skipped += q.jobs[i].op[0].skipped;
	}
	CHECK(delays == 98 && skipped == 0, "day 2: 98 late starts in all, none lost");
	jobq_free(&q);
}

static void test_calendar(void)
{
	struct jobq q;
	struct sim s = { .q = &q, .now = t0 };
	struct sim s2;
	struct cron_expr wd = parse("0 3 * * 1-5"), mon = parse("0 3 1 * *");
	time_t jan15 = 1705276800; /* 2024-01-15 00:00 UTC */
	struct jobq_op *o;

	jobq_init(&q, 1);
	jobq_add(&q, "srv:/a", &wd, NULL, NULL, t0);
	s.dur[0][0] = 600;
	sim_until(&s, t0 + 14 * d);
	CHECK_STR(sim_log(&s, LOG_WEEKDAY),
		  "Mon 06 03:00 0 backup, Tue 07 03:00 0 backup, Wed 08 03:00 0 backup, Thu 09 03:00 0 backup, "
		  "Fri 10 03:00 0 backup, Mon 13 03:00 0 backup, Tue 14 03:00 0 backup, Wed 15 03:00 0 backup, "
		  "Thu 16 03:00 0 backup, Fri 17 03:00 0 backup",
		  "0 3 * * 1-5 over two weeks: weekdays only");
	/* Friday's run lasting into Tuesday 02:00 skips Monday only. */
	o = &q.jobs[0].op[0];
	sim_until(&s, t0 + 18 * d);
	s.dur[0][0] = 4 * d - h;
	sim_until(&s, t0 + 22 * d + 2 * h);
	CHECK(o->skipped == 1 && o->next == t0 + 22 * d + 3 * h, "a run from Friday to Tuesday skips Monday (%ld)",
	      o->skipped);
	jobq_free(&q);

	memset(&s2, 0, sizeof(s2));
	s2.q = &q;
	s2.now = jan15;
	jobq_init(&q, 1);
	jobq_add(&q, "srv:/a", NULL, &mon, NULL, jan15);
	sim_until(&s2, jan15 + 182 * d);
	CHECK_STR(sim_log(&s2, LOG_MONTHDAY),
		  "Feb 01 03:00 0 prune, Mar 01 03:00 0 prune, Apr 01 03:00 0 prune, May 01 03:00 0 prune, "
		  "Jun 01 03:00 0 prune, Jul 01 03:00 0 prune",
		  "0 3 1 * * from January 15th: the 1st of each month");
	CHECK_INT(q.jobs[0].op[JOBQ_PRUNE].next, 1722481200, "next: Aug 1st 03:00");
	jobq_free(&q);
}

/* The wall clock stepped back an hour: frequent schedules keep their pace,
 * rare ones keep their tick (weekdays, monthly, daily, hourly, every 5 s). */
static void test_clock_back(void)
{
	struct jobq q;
	struct cron_expr s5 = parse("*/5 * * * * *"), hourly = parse("0 * * * *"), daily = parse("0 2 * * *"),
			 wd = parse("0 3 * * 1-5"), mon = parse("0 3 1 * *"), q15 = parse("*/15 9-17 * * 1-5");
	time_t now = t0 + 2 * h + 30 * m; /* Monday 02:30: today's 02:00 ran */
	time_t back = now - h;            /* the clock now says 01:30 */

	jobq_init(&q, 4);
	jobq_add(&q, "srv:/a", &s5, NULL, NULL, now);     /* 0 */
	jobq_add(&q, "srv:/b", &hourly, NULL, NULL, now); /* 1 */
	jobq_add(&q, "srv:/c", &daily, &mon, NULL, now);  /* 2 */
	jobq_add(&q, "srv:/d", &wd, NULL, NULL, now);     /* 3 */
	jobq_add(&q, "srv:/e", &q15, NULL, NULL, now);    /* 4 */
	CHECK_INT(jobq_clock_back(&q, now), 0, "no step: nothing moves");
	CHECK_INT(q.jobs[0].op[0].next, now + 5, "(every 5 s: next at 02:30:05)");
	CHECK_INT(jobq_clock_back(&q, back), 2, "an hour back: two schedules move");
	CHECK_INT(q.jobs[0].op[0].next, back + 5, "every 5 s: the next is 5 s after the new time, not an hour later");
	CHECK_INT(q.jobs[1].op[0].next, t0 + 2 * h, "hourly: 02:00 on the new clock (an hour after 02:00 ran)");
	CHECK_INT(q.jobs[2].op[0].next, t0 + d + 2 * h, "daily 02:00: tomorrow's, today's does not run twice");
	CHECK_INT(q.jobs[2].op[1].next, t0 + 26 * d + 3 * h, "monthly prune: June 1st still");
	CHECK_INT(q.jobs[3].op[0].next, t0 + 3 * h, "weekdays 03:00: Monday 03:00, no earlier tick in the hour");
	CHECK_INT(q.jobs[4].op[0].next, t0 + 9 * h, "every 15 min 9-17 on weekdays: 09:00, none in the hour back");
	CHECK_INT(jobq_clock_back(&q, back), 0, "looked at again: nothing more moves");

	/* A running or a waiting operation is left alone. */
	jobq_start(&q, 0, JOBQ_BACKUP, back + 5);
	q.jobs[1].op[0].next = back - h - 1; /* due, waiting */
	CHECK_INT(jobq_clock_back(&q, back - h), 0, "another hour back: the running and the waiting are kept");
	CHECK(q.jobs[0].op[0].running && q.jobs[1].op[0].next == back - h - 1, "they are as they were");
	jobq_free(&q);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_basics();
	test_order();
	test_same_repo();
	test_parallel();
	test_serial();
	test_skipped();
	test_per_second();
	test_remove();
	test_update_running();
	test_update_idle();
	test_fifty();
	test_calendar();
	test_clock_back();
	return T_DONE();
}
