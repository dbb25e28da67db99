/* runner_notify: the runner's events for the notifier (notifier.h): what a
 * finished run changed, a backup gone stale, a start-up that failed. Each
 * message names the job, the node and what failed, with the status
 * message (one line, no secrets) as its text. */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "runner_int.h"

static void event_of(const struct runner *r, const struct rjob *rj, enum notify_event_kind k, const char *message,
		     struct notify_event *ev)
{
	const struct status *st = &rj->job.st;

	memset(ev, 0, sizeof(*ev));
	ev->kind = k;
	snprintf(ev->job, sizeof(ev->job), "%s", st->job);
	snprintf(ev->service, sizeof(ev->service), "%s", rj->spec.service ? rj->spec.service : "");
	snprintf(ev->node, sizeof(ev->node), "%s", r->node);
	snprintf(ev->repo, sizeof(ev->repo), "%s", st->repository);
	snprintf(ev->result, sizeof(ev->result), "%s", st->runs ? status_result_name(st->result) : "");
	snprintf(ev->message, sizeof(ev->message), "%s", message ? message : st->message);
}

static void send_event(struct runner *r, const struct rjob *rj, enum notify_event_kind k, const char *message)
{
	static struct notify_event ev; /* 6 KiB: not on the loop's stack */

	event_of(r, rj, k, message, &ev);
	notifier_event(&r->notify, &ev);
}

void runner_notify_start(struct runner *r, struct rjob *rj)
{
	const struct status *st = &rj->job.st;
	struct runner_mark *m = &rj->mark;

	m->result = st->result;
	m->pre = st->pre_hook_failures;
	m->post = st->post_hook_failures;
	m->forget = st->forget.failures;
	m->prune = st->prune.failures;
	m->check = st->check.failures;
	if (rj->op == JOBQ_BACKUP)
		notifier_ping(&r->notify, "start", "");
}

void runner_notify_done(struct runner *r, struct rjob *rj)
{
	const struct status *st = &rj->job.st;
	const struct runner_mark *m = &rj->mark;

	if (rj->op == JOBQ_PRUNE) {
		if (st->prune.failures > m->prune)
			send_event(r, rj, NOTIFY_PRUNE_FAILED, st->prune.message);
		return;
	}
	if (rj->op == JOBQ_CHECK) {
		if (st->check.failures > m->check)
			send_event(r, rj, NOTIFY_CHECK_FAILED, st->check.message);
		return;
	}
	switch (st->result) {
	case STATUS_FAILED:
		send_event(r, rj,
			   st->pre_hook_failures > m->pre || st->post_hook_failures > m->post ? NOTIFY_HOOK_FAILED
											      : NOTIFY_BACKUP_FAILED,
			   NULL);
		break;
	case STATUS_INCOMPLETE:
		send_event(r, rj, NOTIFY_BACKUP_INCOMPLETE, NULL);
		break;
	case STATUS_OK:
		send_event(r, rj,
			   m->result == STATUS_FAILED || m->result == STATUS_INCOMPLETE ? NOTIFY_BACKUP_RECOVERED
											: NOTIFY_BACKUP_OK,
			   NULL);
		break;
	default:
		break;
	}
	if (st->forget.failures > m->forget)
		send_event(r, rj, NOTIFY_FORGET_FAILED, st->forget.message);
	notifier_ping(&r->notify, st->result == STATUS_OK ? "success" : "fail", st->message);
}

/* The time from which a job's freshness is counted (status_health's). */
static time_t fresh_base(const struct status *st)
{
	return st->last_success > st->agent_started ? st->last_success : st->agent_started;
}

static int judged(const struct rjob *rj)
{
	const struct status *st = &rj->job.st;
	return rj->qid >= 0 && !st->gone && !st->refused && st->max_age_s > 0 && !rj->worker;
}

void runner_notify_stale(struct runner *r, time_t now)
{
	for (size_t i = 0; i < r->n; i++) {
		struct rjob *rj = r->jobs[i];
		const struct status *st = &rj->job.st;
		time_t base = fresh_base(st);
		char msg[256], d[32], lim[32];

		if (!judged(rj) || now - base <= st->max_age_s || rj->stale_base == base)
			continue;
		rj->stale_base = base; /* once per breach: until the next success */
		status_fmt_duration((long)(now - base), d, sizeof(d));
		status_fmt_duration(st->max_age_s, lim, sizeof(lim));
		snprintf(msg, sizeof(msg), "no successful backup for %s (the limit is %s); the last run: %s", d, lim,
			 st->runs ? status_result_name(st->result) : "none yet");
		log_warn("%s%s%s%s", r->o->label_mode ? "job " : "", r->o->label_mode ? st->job : "",
			 r->o->label_mode ? ": " : "", msg);
		send_event(r, rj, NOTIFY_BACKUP_STALE, msg);
	}
}

int runner_notify_timeout(const struct runner *r, time_t now)
{
	long best = -1;

	if (!r->notify.nurls)
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		const struct rjob *rj = r->jobs[i];
		const struct status *st = &rj->job.st;
		time_t base = fresh_base(st);
		long left;
		if (!judged(rj) || rj->stale_base == base)
			continue;
		left = (long)(base + st->max_age_s + 1 - now);
		if (left < 0)
			left = 0;
		if (best < 0 || left < best)
			best = left;
	}
	return best < 0 ? -1 : best > 3600 ? 3600 * 1000 : (int)best * 1000;
}
