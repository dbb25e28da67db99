/* statusview: see statusview.h. */
#include "statusview.h"

#include <string.h>

static const char *state_of(const struct status *s)
{
	if (s->gone)
		return "gone";
	if (s->refused)
		return "refused";
	if (s->running)
		return s->running_op[0] && strcmp(s->running_op, "backup") ? s->running_op : "running";
	return s->runs ? status_result_name(s->result) : "never";
}

static void when(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!t) {
		snprintf(buf, len, "-");
		return;
	}
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

static void age(time_t t, time_t now, char *buf, size_t len)
{
	if (!t)
		snprintf(buf, len, "-");
	else
		status_fmt_duration((long)(now - t), buf, len);
}

/* "ok 2d3h", "failed 5m", "-": an operation's last result and its age. */
static void op_cell(const struct status_op *o, time_t now, char *buf, size_t len)
{
	char a[32];

	if (!o->runs) {
		snprintf(buf, len, "-");
		return;
	}
	age(o->last_end, now, a, sizeof(a));
	snprintf(buf, len, "%s %s", status_result_name(o->result), a);
}

void statusview_print(FILE *f, const struct status *v, size_t n, time_t now)
{
	int w = 3; /* the JOB column: the longest name, 3 to 40 */
	int notes = 0;

	for (size_t i = 0; i < n; i++) {
		int l = (int)strlen(v[i].job);
		if (l > w)
			w = l > 40 ? 40 : l;
	}
	fprintf(f, "%-*s  %-10s  %-16s  %-9s  %-16s  %-8s  %10s  %5s  %5s  %9s  %-12s  %-12s  %s\n", w, "JOB", "STATE",
		"LAST SUCCESS", "AGE", "NEXT RUN", "SNAPSHOT", "ADDED", "RUNS", "FAIL", "SKIP/DLY", "FORGET", "PRUNE",
		"CHECK");
	for (size_t i = 0; i < n; i++) {
		const struct status *s = &v[i];
		char ok[32], a[32], next[32], added[32], sd[32], fo[48], pr[48], ch[48];

		when(s->last_success, ok, sizeof(ok));
		age(s->last_success, now, a, sizeof(a));
		when(s->gone || s->refused ? 0 : s->next_run, next, sizeof(next));
		if (s->runs)
			status_fmt_bytes(s->bytes_added, added, sizeof(added));
		else
			snprintf(added, sizeof(added), "-");
		snprintf(sd, sizeof(sd), "%ld/%ld", s->skipped_ticks, s->delayed_runs);
		op_cell(&s->forget, now, fo, sizeof(fo));
		op_cell(&s->prune, now, pr, sizeof(pr));
		op_cell(&s->check, now, ch, sizeof(ch));
		fprintf(f, "%-*.*s  %-10s  %-16s  %-9s  %-16s  %-8.8s  %10s  %5ld  %5ld  %9s  %-12s  %-12s  %s\n", w, w,
			s->job, state_of(s), ok, a, next, s->snapshot_id[0] ? s->snapshot_id : "-", added, s->runs,
			s->failures, sd, fo, pr, ch);
	}
	for (size_t i = 0; i < n; i++) {
		const struct status *s = &v[i];
		const struct status_op *ops[] = { &s->forget, &s->prune, &s->check };
		const char *names[] = { "forget", "prune", "check" };
		int bad = !s->gone && (s->refused || (s->runs && s->result != STATUS_OK));

		if (bad) {
			if (!notes++)
				fputc('\n', f);
			fprintf(f, "%s: %s\n", s->job, s->message);
		}
		for (int k = 0; k < 3 && !s->gone; k++)
			if (ops[k]->runs && ops[k]->result == STATUS_FAILED) {
				if (!notes++)
					fputc('\n', f);
				fprintf(f, "%s: %s: %s\n", s->job, names[k], ops[k]->message);
			}
	}
}
