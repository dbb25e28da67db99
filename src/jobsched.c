/* jobsched: see jobsched.h. */
#include "jobsched.h"

/* Ticks of c in (from, to], at most a bound's worth (a per-second schedule
 * over a day-long run), and the first tick after to in *next. */
static long ticks_until(const struct cron_expr *c, time_t from, time_t to, time_t *next)
{
	long n = 0;
	time_t t = from;

	while (cron_next(c, t, &t) == 0) {
		if (t > to) {
			*next = t;
			return n;
		}
		if (++n >= 1000000)
			break;
	}
	*next = 0;
	return n;
}

int jobsched_init(struct jobsched_op *ops, int n, time_t now)
{
	int any = 0;

	for (int i = 0; i < n; i++) {
		ops[i].next = 0;
		ops[i].waiting = 0;
		if (ops[i].cron && cron_next(ops[i].cron, now, &ops[i].next) == 0)
			any = 1;
	}
	return any ? 0 : -1;
}

int jobsched_pick(const struct jobsched_op *ops, int n)
{
	int best = -1;

	for (int i = 0; i < n; i++)
		if (ops[i].next && (best < 0 || ops[i].next < ops[best].next))
			best = i;
	return best;
}

void jobsched_done(struct jobsched_op *ops, int n, int ran, time_t start, time_t end)
{
	for (int i = 0; i < n; i++) {
		struct jobsched_op *o = &ops[i];
		time_t next;

		if (!o->next)
			continue;
		if (i == ran) {
			o->delayed_s = o->waiting && start > o->next ? (long)(start - o->next) : 0;
			if (o->delayed_s)
				o->delays++;
			o->waiting = 0;
			o->skipped += ticks_until(o->cron, o->next, end, &next);
			o->next = next;
		} else if (o->next <= end) {
			/* Due while ops[ran] ran: it goes next, at once. Its
			 * further ticks until its own run ends are skipped
			 * then. */
			o->waiting = 1;
		}
	}
}
