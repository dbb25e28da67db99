/* Unit tests for src/agent/metrics.c: the series and their values, label
 * escaping, one HELP and TYPE per family with its samples together, gone
 * jobs counted but not exported, maintenance only where it exists. */
#include <stdio.h>
#include <stdlib.h>

#include "metrics.h"
#include "t.h"

static char *text;

/* 1 when the rendered text holds line exactly. */
static int has_line(const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

static int count(const char *needle)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Every family: HELP then TYPE, then only its own samples until the next
 * HELP; no family twice. */
static int grouped(void)
{
	char fam[128] = "", seen[64][128];
	int nseen = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[1024];
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		if (!strncmp(line, "# HELP ", 7)) {
			sscanf(line + 7, "%127s", fam);
			for (int i = 0; i < nseen; i++)
				if (!strcmp(seen[i], fam))
					return 0;
			if (nseen < 64)
				snprintf(seen[nseen++], sizeof(seen[0]), "%s", fam);
		} else if (strncmp(line, "# TYPE ", 7)) {
			size_t fl = strlen(fam);
			if (!fl || strncmp(line, fam, fl) || (line[fl] != '{' && line[fl] != ' '))
				return 0;
		}
		p += len + (nl != NULL);
	}
	return nseen > 10;
}

int main(void)
{
	struct status a = { 0 }, b = { 0 }, gone = { 0 }, bad = { 0 };
	struct metrics_job jobs[4] = {
		{ &a, "stack_db", METRICS_FORGET | METRICS_CHECK },
		{ &b, "", 0 },
		{ &gone, "old", METRICS_FORGET },
		{ &bad, "bad", 0 },
	};
	struct metrics_endpoint ep[] = { { "ntfy://ntfy.example.org", 3, 1 } };
	struct metrics_input in = {
		.jobs = jobs,
		.njobs = 4,
		.node = "node-1",
		.version = "0.2.0",
		.restic_version = "0.18.0",
		.agent_started = 1700000000,
		.endpoints = ep,
		.nendpoints = 1,
		.notify_dropped = 2,
	};
	size_t len;

	snprintf(a.job, sizeof(a.job), "stack_db");
	snprintf(a.repo_path, sizeof(a.repo_path), "stack_db");
	a.last_end = 1700000100;
	a.last_success = 1700000100;
	a.next_run = 1700003700;
	a.result = STATUS_OK;
	a.duration_s = 2.5;
	a.bytes_added = 1234;
	a.bytes_processed = 99999;
	a.files_new = 3;
	a.files_changed = 2;
	a.files_unmodified = 200;
	a.runs = 10;
	a.failures = 2;
	a.incompletes = 1;
	a.skipped_ticks = 4;
	a.pre_hook_failures = 1;
	a.max_age_s = 93600;
	a.check.runs = 1;
	a.check.result = STATUS_FAILED;
	a.check.failures = 1;
	a.check.last_end = 1700000200;
	snprintf(b.job, sizeof(b.job), "we\"ird\\na\nme");
	snprintf(b.repo_path, sizeof(b.repo_path), "r");
	b.prune.runs = 2;
	b.prune.last_success = 1700000300;
	snprintf(gone.job, sizeof(gone.job), "old");
	gone.gone = 1700000000;
	snprintf(bad.job, sizeof(bad.job), "bad");
	bad.refused = 1;

	CHECK_INT(metrics_render(&in, &text, &len), 0, "rendered");
	CHECK(len == strlen(text) && len > 0 && text[len - 1] == '\n', "text of %zu bytes, ending in a newline", len);
	CHECK(grouped(), "every family once, HELP and TYPE first, its samples together");
#define L "backup=\"stack_db\",service=\"stack_db\",repo=\"stack_db\",node=\"node-1\""
	CHECK(has_line("rds_backup_last_success_timestamp_seconds{" L "} 1700000100"), "last success");
	CHECK(has_line("rds_backup_last_run_timestamp_seconds{" L "} 1700000100"), "last run");
	CHECK(has_line("rds_backup_next_run_timestamp_seconds{" L "} 1700003700"), "next run");
	CHECK(has_line("rds_backup_last_result{" L ",result=\"ok\"} 1") &&
		      has_line("rds_backup_last_result{" L ",result=\"failed\"} 0") &&
		      has_line("rds_backup_last_result{" L ",result=\"none\"} 0"),
	      "the last result as a state set");
	CHECK(has_line("rds_backup_runs_total{" L ",result=\"ok\"} 7") &&
		      has_line("rds_backup_runs_total{" L ",result=\"incomplete\"} 1") &&
		      has_line("rds_backup_runs_total{" L ",result=\"failed\"} 2"),
	      "runs by result add up to runs");
	CHECK(has_line("rds_backup_last_duration_seconds{" L "} 2.5"), "duration in seconds");
	CHECK(has_line("rds_backup_last_added_bytes{" L "} 1234") &&
		      has_line("rds_backup_last_processed_bytes{" L "} 99999"),
	      "bytes added and processed");
	CHECK(has_line("rds_backup_last_files{" L ",kind=\"unmodified\"} 200"), "files by kind");
	CHECK(has_line("rds_backup_skipped_ticks_total{" L "} 4"), "skipped ticks");
	CHECK(has_line("rds_backup_hook_failures_total{" L ",hook=\"pre\"} 1") &&
		      has_line("rds_backup_hook_failures_total{" L ",hook=\"post\"} 0"),
	      "hook failures by hook");
	CHECK(has_line("rds_maintenance_last_result{" L ",operation=\"check\",result=\"failed\"} 1"),
	      "the check's failure");
	CHECK(has_line("rds_maintenance_last_success_timestamp_seconds{" L ",operation=\"forget\"} 0"),
	      "a set-up forget that never ran is exported (0), so an alert on it fires");
	CHECK(!strstr(text, "repo=\"stack_db\",node=\"node-1\",operation=\"prune\""),
	      "no prune series where prune is neither set up nor ever ran");
	CHECK(has_line("rds_maintenance_last_success_timestamp_seconds{backup=\"we\\\"ird\\\\na\\nme\",service=\"\","
		       "repo=\"r\",node=\"node-1\",operation=\"prune\"} 1700000300"),
	      "label values escaped (quote, backslash, newline); a prune that ran is exported");
	CHECK(!strstr(text, "backup=\"old\""), "a gone job is not exported");
	CHECK(has_line("rds_jobs{state=\"active\"} 2") && has_line("rds_jobs{state=\"gone\"} 1") &&
		      has_line("rds_jobs{state=\"refused\"} 1"),
	      "jobs counted by state");
	CHECK(has_line("rds_backup_refused{backup=\"bad\",service=\"bad\",repo=\"\",node=\"node-1\"} 1"),
	      "a refused job says so");
	CHECK(has_line("rds_build_info{version=\"0.2.0\",restic_version=\"0.18.0\"} 1"), "build info");
	CHECK(has_line("rds_notify_deliveries_total{endpoint=\"ntfy://ntfy.example.org\",result=\"failed\"} 1"),
	      "deliveries by endpoint");
	CHECK(has_line("rds_notify_dropped_total 2"), "dropped notifications");
	CHECK(!strstr(text, "{job=") && !strstr(text, ",job=") && !strstr(text, "snapshot="),
	      "no job label (Prometheus sets it), no snapshot id");
	{
		/* _total only on counters: every TYPE counter name ends in
		 * _total and no gauge does. */
		int ok = 1;
		for (const char *p = text; (p = strstr(p, "# TYPE ")); p++) {
			char name[128], type[32];
			sscanf(p + 7, "%127s %31s", name, type);
			size_t n = strlen(name);
			int total = n > 6 && !strcmp(name + n - 6, "_total");
			ok &= total == !strcmp(type, "counter");
		}
		CHECK(ok, "_total on counters and only there");
	}
	free(text);

	/* 50 jobs: still grouped; the cost is the scrape's (bench/). */
	{
		struct status many[50];
		struct metrics_job mj[50];
		memset(many, 0, sizeof(many));
		for (int i = 0; i < 50; i++) {
			snprintf(many[i].job, sizeof(many[i].job), "svc%02d", i);
			mj[i] = (struct metrics_job){ &many[i], "s", METRICS_FORGET };
		}
		in.jobs = mj;
		in.njobs = 50;
		CHECK_INT(metrics_render(&in, &text, &len), 0, "50 jobs rendered");
		CHECK(grouped() && count("rds_backup_last_success_timestamp_seconds{") == 50, "50 jobs, grouped");
		free(text);
	}
	return T_DONE();
}
