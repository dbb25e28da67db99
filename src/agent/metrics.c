/* metrics: see metrics.h. A family's HELP, TYPE and samples are written
 * together (the text format wants each family in one group), so the loops
 * go family by family, job by job. */
#include "metrics.h"

#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

static const char *const results[] = { "ok", "incomplete", "failed", "none" };
static const enum status_result result_of[] = { STATUS_OK, STATUS_INCOMPLETE, STATUS_FAILED, STATUS_NONE };
#define NRESULTS (sizeof(results) / sizeof(results[0]))

/* A label value: backslash, double quote and newline escaped. */
static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f), fputc(*s, f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A job's labels, escaped once per scrape:
 * backup="..",service="..",repo="..",node="..". NULL when out of memory. */
static char *job_labels(const struct metrics_input *in, const struct metrics_job *j)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("backup=\"", f);
	esc(f, j->st->job);
	fputs("\",service=\"", f);
	esc(f, j->service ? j->service : "");
	fputs("\",repo=\"", f);
	esc(f, j->st->repo_path);
	fputs("\",node=\"", f);
	esc(f, in->node ? in->node : "");
	fputc('"', f);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	return fclose(f) == 0 ? buf : NULL;
}

/* name{LABELS[,k1="v1"[,k2="v2"]]}; the values k1, k2 are plain words. */
static void series2(FILE *f, const char *name, const char *lab, const char *k1, const char *v1, const char *k2,
		    const char *v2)
{
	fputs(name, f);
	fputc('{', f);
	fputs(lab, f);
	for (int i = 0; i < 2; i++) {
		const char *k = i ? k2 : k1, *v = i ? v2 : v1;
		if (!k)
			continue;
		fputc(',', f);
		fputs(k, f);
		fputs("=\"", f);
		fputs(v, f);
		fputc('"', f);
	}
	fputc('}', f);
}

static void series(FILE *f, const char *name, const char *lab, const char *k1, const char *v1)
{
	series2(f, name, lab, k1, v1, NULL, NULL);
}

/* " N\n" for an integer, without printf's cost. */
static void put_int(FILE *f, long long v)
{
	char b[24], *p = b + sizeof(b);
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;

	*--p = '\n';
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	*--p = ' ';
	fwrite(p, 1, (size_t)(b + sizeof(b) - p), f);
}

static int exported(const struct metrics_job *j)
{
	return !j->st->gone;
}

/* Numbers of a status record, by kind of field. */
enum vkind { V_TIME, V_LONG, V_LLONG, V_REAL, V_BOOL };
struct jfam {
	const char *name, *type, *help;
	enum vkind k;
	size_t off;
};

#define J(n, t, h, k, m)                               \
	{                                              \
		n, t, h, k, offsetof(struct status, m) \
	}
static const struct jfam job_fams[] = {
	J("rds_backup_last_run_timestamp_seconds", "gauge", "When the last backup run ended (0: never).", V_TIME,
	  last_end),
	J("rds_backup_last_success_timestamp_seconds", "gauge",
	  "When the last backup ended with a snapshot, ok or incomplete (0: never).", V_TIME, last_success),
	J("rds_backup_next_run_timestamp_seconds", "gauge", "When the next backup is due (0: not scheduled).", V_TIME,
	  next_run),
	J("rds_backup_running", "gauge", "1 while a backup or maintenance operation of the job runs.", V_BOOL, running),
	J("rds_backup_refused", "gauge", "1 when the job's labels are refused (it never runs; see the log).", V_BOOL,
	  refused),
	J("rds_backup_max_age_seconds", "gauge", "The health window: no success for longer is unhealthy (0: none).",
	  V_LONG, max_age_s),
	J("rds_backup_last_duration_seconds", "gauge", "How long the last backup run took, hooks included.", V_REAL,
	  duration_s),
	J("rds_backup_last_added_bytes", "gauge", "Bytes the last backup added to the repository (after dedup).",
	  V_LLONG, bytes_added),
	J("rds_backup_last_processed_bytes", "gauge", "Bytes the last backup read.", V_LLONG, bytes_processed),
	J("rds_backup_last_delay_seconds", "gauge",
	  "How late the last backup started: another operation held the repository or MAX_PARALLEL.", V_LONG,
	  delayed_s),
	J("rds_backup_skipped_ticks_total", "counter", "Scheduled runs skipped because the job's previous run went on.",
	  V_LONG, skipped_ticks),
	J("rds_backup_delayed_runs_total", "counter", "Backups that started later than scheduled.", V_LONG,
	  delayed_runs),
};

static double value(const struct status *st, enum vkind k, size_t off)
{
	const char *p = (const char *)st + off;
	switch (k) {
	case V_TIME:
		return (double)*(const time_t *)p;
	case V_LONG:
		return (double)*(const long *)p;
	case V_LLONG:
		return (double)*(const long long *)p;
	case V_REAL:
		return *(const double *)p;
	case V_BOOL:
		return *(const int *)p ? 1 : 0;
	}
	return 0;
}

/* One value of a status record, as the exposition format writes it. */
static void put_value(FILE *f, const struct status *st, enum vkind k, size_t off)
{
	if (k == V_REAL)
		fprintf(f, " %.17g\n", value(st, k, off));
	else if (k == V_TIME)
		put_int(f, (long long)*(const time_t *)((const char *)st + off));
	else if (k == V_LONG)
		put_int(f, *(const long *)((const char *)st + off));
	else if (k == V_LLONG)
		put_int(f, *(const long long *)((const char *)st + off));
	else
		put_int(f, *(const int *)((const char *)st + off) ? 1 : 0);
}

static void job_families(FILE *f, const struct metrics_input *in, char *const *lab)
{
	for (size_t k = 0; k < sizeof(job_fams) / sizeof(job_fams[0]); k++) {
		const struct jfam *m = &job_fams[k];
		family(f, m->name, m->type, m->help);
		for (size_t i = 0; i < in->njobs; i++) {
			if (!exported(&in->jobs[i]))
				continue;
			series(f, m->name, lab[i], NULL, NULL);
			put_value(f, in->jobs[i].st, m->k, m->off);
		}
	}
	family(f, "rds_backup_last_result", "gauge",
	       "The last backup run's result: 1 for the result it had, 0 for the others (none: never ran).");
	for (size_t i = 0; i < in->njobs; i++)
		for (size_t r = 0; exported(&in->jobs[i]) && r < NRESULTS; r++) {
			series(f, "rds_backup_last_result", lab[i], "result", results[r]);
			put_int(f, in->jobs[i].st->result == result_of[r]);
		}
	family(f, "rds_backup_runs_total", "counter", "Backup runs by result.");
	for (size_t i = 0; i < in->njobs; i++) {
		const struct status *st = in->jobs[i].st;
		long by[] = { st->runs - st->incompletes - st->failures, st->incompletes, st->failures };
		for (size_t r = 0; exported(&in->jobs[i]) && r < 3; r++) {
			series(f, "rds_backup_runs_total", lab[i], "result", results[r]);
			put_int(f, by[r] < 0 ? 0 : by[r]);
		}
	}
	family(f, "rds_backup_last_files", "gauge", "Files of the last backup: new, changed, unmodified.");
	for (size_t i = 0; i < in->njobs; i++) {
		const struct status *st = in->jobs[i].st;
		const char *kind[] = { "new", "changed", "unmodified" };
		long n[] = { st->files_new, st->files_changed, st->files_unmodified };
		for (size_t r = 0; exported(&in->jobs[i]) && r < 3; r++) {
			series(f, "rds_backup_last_files", lab[i], "kind", kind[r]);
			put_int(f, n[r]);
		}
	}
	family(f, "rds_backup_hook_failures_total", "counter",
	       "Hooks that failed, timed out or could not run, by hook (pre, post).");
	for (size_t i = 0; i < in->njobs; i++) {
		const struct status *st = in->jobs[i].st;
		if (!exported(&in->jobs[i]))
			continue;
		series(f, "rds_backup_hook_failures_total", lab[i], "hook", "pre");
		put_int(f, st->pre_hook_failures);
		series(f, "rds_backup_hook_failures_total", lab[i], "hook", "post");
		put_int(f, st->post_hook_failures);
	}
}

/* The maintenance operations: label operation="forget|prune|check". */
static const char *const op_names[] = { "forget", "prune", "check" };

static const struct status_op *op_of(const struct status *st, size_t i)
{
	return i == 0 ? &st->forget : i == 1 ? &st->prune : &st->check;
}

static int has_op(const struct metrics_job *j, size_t i)
{
	return exported(j) && ((j->ops & (1 << i)) || op_of(j->st, i)->runs > 0);
}

/* name{backup..,node..,operation="op"[,result="r"]} */
static void op_series(FILE *f, const char *name, const char *lab, size_t op, const char *result)
{
	series2(f, name, lab, "operation", op_names[op], result ? "result" : NULL, result);
}

static void op_families(FILE *f, const struct metrics_input *in, char *const *lab)
{
	static const struct {
		const char *name, *type, *help;
		int which; /* 0 last_end, 1 last_success, 2 duration */
	} fams[] = {
		{ "rds_maintenance_last_run_timestamp_seconds", "gauge",
		  "When the operation (forget, prune, check) last ended (0: never).", 0 },
		{ "rds_maintenance_last_success_timestamp_seconds", "gauge",
		  "When the operation last succeeded (0: never).", 1 },
		{ "rds_maintenance_last_duration_seconds", "gauge", "How long the operation's last run took.", 2 },
	};

	for (size_t k = 0; k < sizeof(fams) / sizeof(fams[0]); k++) {
		family(f, fams[k].name, fams[k].type, fams[k].help);
		for (size_t i = 0; i < in->njobs; i++)
			for (size_t op = 0; op < 3; op++) {
				const struct status_op *o = op_of(in->jobs[i].st, op);
				if (!has_op(&in->jobs[i], op))
					continue;
				op_series(f, fams[k].name, lab[i], op, NULL);
				if (fams[k].which == 2)
					fprintf(f, " %.17g\n", o->duration_s);
				else
					put_int(f, (long long)(fams[k].which ? o->last_success : o->last_end));
			}
	}
	family(f, "rds_maintenance_last_result", "gauge",
	       "The operation's last result: 1 for the result it had, 0 for the others.");
	for (size_t i = 0; i < in->njobs; i++)
		for (size_t op = 0; op < 3; op++)
			for (size_t r = 0; has_op(&in->jobs[i], op) && r < NRESULTS; r++) {
				op_series(f, "rds_maintenance_last_result", lab[i], op, results[r]);
				put_int(f, op_of(in->jobs[i].st, op)->result == result_of[r]);
			}
	family(f, "rds_maintenance_runs_total", "counter", "Runs of the operation by result (ok, failed).");
	for (size_t i = 0; i < in->njobs; i++)
		for (size_t op = 0; op < 3; op++) {
			const struct status_op *o = op_of(in->jobs[i].st, op);
			if (!has_op(&in->jobs[i], op))
				continue;
			op_series(f, "rds_maintenance_runs_total", lab[i], op, "ok");
			put_int(f, o->runs - o->failures);
			op_series(f, "rds_maintenance_runs_total", lab[i], op, "failed");
			put_int(f, o->failures);
		}
}

static void agent_families(FILE *f, const struct metrics_input *in)
{
	size_t active = 0, gone = 0, refused = 0;

	family(f, "rds_build_info", "gauge", "The agent's version and restic's; always 1.");
	fputs("rds_build_info{version=\"", f);
	esc(f, in->version ? in->version : "");
	fputs("\",restic_version=\"", f);
	esc(f, in->restic_version ? in->restic_version : "");
	fputs("\"} 1\n", f);
	family(f, "rds_agent_start_time_seconds", "gauge", "When the agent started.");
	fprintf(f, "rds_agent_start_time_seconds %lld\n", (long long)in->agent_started);
	for (size_t i = 0; i < in->njobs; i++) {
		const struct status *st = in->jobs[i].st;
		if (st->gone)
			gone++;
		else if (st->refused)
			refused++;
		else
			active++;
	}
	family(f, "rds_jobs", "gauge", "The agent's jobs: active, refused (bad labels), gone (service left the node).");
	fprintf(f, "rds_jobs{state=\"active\"} %zu\nrds_jobs{state=\"refused\"} %zu\nrds_jobs{state=\"gone\"} %zu\n",
		active, refused, gone);
	family(f, "rds_notify_deliveries_total", "counter",
	       "Notifications and pings by endpoint (scheme://host) and result (ok, failed).");
	for (size_t i = 0; i < in->nendpoints; i++) {
		const char *res[] = { "ok", "failed" };
		long n[] = { in->endpoints[i].sent, in->endpoints[i].failed };
		for (size_t r = 0; r < 2; r++) {
			fputs("rds_notify_deliveries_total{endpoint=\"", f);
			esc(f, in->endpoints[i].name);
			fprintf(f, "\",result=\"%s\"} %ld\n", res[r], n[r]);
		}
	}
	family(f, "rds_notify_dropped_total", "counter", "Notifications not sent: too many were waiting at once.");
	fprintf(f, "rds_notify_dropped_total %ld\n", in->notify_dropped);
	family(f, "rds_metrics_refused_connections_total", "counter",
	       "Connections to the metrics port closed at once: too many were open.");
	fprintf(f, "rds_metrics_refused_connections_total %ld\n", in->http_refused);
}

int metrics_render(const struct metrics_input *in, char **out, size_t *len)
{
	char **lab = calloc(in->njobs ? in->njobs : 1, sizeof(*lab));
	FILE *f = NULL;
	int rc = -1;

	*out = NULL;
	if (!lab)
		return -1;
	for (size_t i = 0; i < in->njobs; i++)
		if (!(lab[i] = job_labels(in, &in->jobs[i])))
			goto out;
	if (!(f = open_memstream(out, len)))
		goto out;
	/* One thread writes this stream: no lock per character. */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	job_families(f, in, lab);
	op_families(f, in, lab);
	agent_families(f, in);
	if (ferror(f)) {
		fclose(f);
		free(*out);
		*out = NULL;
		goto out;
	}
	rc = fclose(f) == 0 ? 0 : -1;
out:
	for (size_t i = 0; i < in->njobs; i++)
		free(lab[i]);
	free(lab);
	return rc;
}
