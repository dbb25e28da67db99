/* Unit tests for jobsched: one operation at a time, a backup tick during a
 * prune is delayed (not lost), a prune tick during a backup waits, ticks of
 * an operation during its own run are skipped. */
#include <stdlib.h>

#include "jobsched.h"
#include "t.h"

static struct cron_expr parse(const char *e)
{
	struct cron_expr c;
	char err[256];
	if (cron_parse(e, &c, err, sizeof(err)) < 0)
		abort();
	return c;
}

int main(void)
{
	/* 2024-05-06 00:00:00 UTC, a Monday. */
	time_t t0 = 1714953600;
	struct cron_expr backup = parse("0 * * * *"), prune = parse("30 2 * * *"), check = parse("0 1 * * 1");
	struct jobsched_op ops[3] = { { "backup", &backup, 0, 0, 0, 0, 0 },
				      { "prune", &prune, 0, 0, 0, 0, 0 },
				      { "check", &check, 0, 0, 0, 0, 0 } };
	struct jobsched_op none[1] = { { "prune", NULL, 0, 0, 0, 0, 0 } };
	const time_t h = 3600, d = 86400;

	setenv("TZ", "UTC", 1);
	tzset();
	CHECK_INT(jobsched_init(none, 1, t0), -1, "nothing scheduled: -1");
	CHECK_INT(jobsched_pick(none, 1), -1, "and nothing to pick");
	CHECK_INT(jobsched_init(ops, 3, t0), 0, "three schedules");
	CHECK(ops[0].next == t0 + h && ops[1].next == t0 + 2 * h + 1800 && ops[2].next == t0 + h,
	      "first ticks: backup 01:00, prune 02:30, check 01:00");
	CHECK_INT(jobsched_pick(ops, 3), 0, "a tie goes to the backup (listed first)");
	/* 1. The backup runs 01:00-01:10: the check's 01:00 tick waits. */
	jobsched_done(ops, 3, 0, t0 + h, t0 + h + 600);
	CHECK(ops[0].next == t0 + 2 * h && ops[0].skipped == 0 && ops[0].delayed_s == 0,
	      "next backup 02:00, on time, nothing skipped");
	CHECK_INT(jobsched_pick(ops, 3), 2, "then the check that waited");
	/* 2. The check runs 01:10-03:20: backups of 02:00 and 03:00 and the
	 * prune of 02:30 fall in it. */
	jobsched_done(ops, 3, 2, t0 + h + 600, t0 + 3 * h + 1200);
	CHECK(ops[2].delayed_s == 600 && ops[2].delays == 1, "the check started 600 s late (%ld)", ops[2].delayed_s);
	CHECK(ops[2].next == t0 + 7 * d + h, "its next tick is next Monday 01:00");
	CHECK(ops[0].next == t0 + 2 * h && ops[0].waiting, "the backup keeps its 02:00 tick (delayed)");
	CHECK_INT(jobsched_pick(ops, 3), 0, "the backup is due at once after the check (02:00 before 02:30)");
	/* 3. The delayed backup runs 03:20-03:25. */
	jobsched_done(ops, 3, 0, t0 + 3 * h + 1200, t0 + 3 * h + 1500);
	CHECK(ops[0].delayed_s == 4800 && ops[0].delays == 1, "it started 4800 s late (%ld)", ops[0].delayed_s);
	CHECK(ops[0].next == t0 + 4 * h && ops[0].skipped == 1, "its 03:00 tick is skipped, its next is 04:00 (%ld)",
	      ops[0].skipped);
	CHECK_INT(jobsched_pick(ops, 3), 1, "then the prune that waited");
	/* 4. The prune runs 03:25-03:26. */
	jobsched_done(ops, 3, 1, t0 + 3 * h + 1500, t0 + 3 * h + 1560);
	CHECK(ops[1].delayed_s == 3300 && ops[1].next == t0 + d + 2 * h + 1800 && ops[1].skipped == 0,
	      "the prune started 3300 s late, next tomorrow 02:30 (%ld)", ops[1].delayed_s);
	CHECK_INT(jobsched_pick(ops, 3), 0, "the backup is back on its schedule");
	/* 5. A backup of tomorrow 02:00 runs until 04:00:05: its own 03:00 and
	 * 04:00 ticks are skipped, the prune's 02:30 runs right after it. */
	ops[0].next = t0 + d + 2 * h;
	jobsched_done(ops, 3, 0, t0 + d + 2 * h, t0 + d + 4 * h + 5);
	CHECK(ops[0].skipped == 3 && ops[0].next == t0 + d + 5 * h && ops[0].delayed_s == 0,
	      "two own ticks skipped (%ld in all), next 05:00", ops[0].skipped);
	CHECK_INT(jobsched_pick(ops, 3), 1, "the prune goes next");
	jobsched_done(ops, 3, 1, t0 + d + 4 * h + 5, t0 + d + 4 * h + 65);
	CHECK(ops[1].delayed_s == 5405 && ops[1].delays == 2, "the prune started 5405 s late (%ld)", ops[1].delayed_s);
	return T_DONE();
}
