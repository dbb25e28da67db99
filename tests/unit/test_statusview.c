/* Unit tests for src/agent/statusview.c: the table's columns and states,
 * ages, and the notes under it for every job that is not ok. */
#include <stdio.h>
#include <stdlib.h>

#include "statusview.h"
#include "t.h"

int main(void)
{
	struct status v[4];
	time_t now = 1700000000;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	setenv("TZ", "UTC", 1);
	tzset();
	memset(v, 0, sizeof(v));
	snprintf(v[0].job, sizeof(v[0].job), "stack_db");
	v[0].runs = 12;
	v[0].failures = 1;
	v[0].result = STATUS_OK;
	v[0].last_success = now - 3 * 3600;
	v[0].next_run = now + 3600;
	snprintf(v[0].snapshot_id, sizeof(v[0].snapshot_id), "1234abcd5678ffff");
	v[0].bytes_added = 3 * 1024 * 1024;
	v[0].skipped_ticks = 2;
	v[0].delayed_runs = 1;
	v[0].forget.runs = 3;
	v[0].forget.result = STATUS_OK;
	v[0].forget.last_end = now - 3 * 3600;
	v[0].check.runs = 1;
	v[0].check.result = STATUS_FAILED;
	v[0].check.last_end = now - 86400;
	snprintf(v[0].check.message, sizeof(v[0].check.message), "restic check failed: pack abc damaged");
	snprintf(v[1].job, sizeof(v[1].job), "stack_files");
	v[1].runs = 2;
	v[1].failures = 2;
	v[1].result = STATUS_FAILED;
	snprintf(v[1].message, sizeof(v[1].message), "pre-hook failed (exit 1)");
	snprintf(v[2].job, sizeof(v[2].job), "stack_bad");
	v[2].refused = 1;
	snprintf(v[2].message, sizeof(v[2].message), "rds.backup.repo='../x' is not a repository path");
	snprintf(v[3].job, sizeof(v[3].job), "stack_old");
	v[3].gone = now - 60;
	v[3].runs = 1;
	v[3].result = STATUS_FAILED;
	snprintf(v[3].message, sizeof(v[3].message), "old failure");

	f = open_memstream(&out, &len);
	statusview_print(f, v, 4, now);
	fclose(f);
	printf("%s", out);
	CHECK(!strncmp(out, "JOB ", 4) && strstr(out, "LAST SUCCESS") && strstr(out, "NEXT RUN") &&
		      strstr(out, "SNAPSHOT") && strstr(out, "ADDED") && strstr(out, "SKIP/DLY") &&
		      strstr(out, "CHECK"),
	      "the header names the columns");
	CHECK(strstr(out, "stack_db     ok ") && strstr(out, "2023-11-14 19:13") && strstr(out, "3h00m"),
	      "an ok job: its state, last success (local time) and age");
	CHECK(strstr(out, "2023-11-14 23:13") != NULL, "its next run");
	CHECK(strstr(out, "1234abcd ") && strstr(out, "3.0 MiB") && strstr(out, "2/1"),
	      "its snapshot (short), bytes added, skipped/delayed");
	CHECK(strstr(out, "ok 3h00m") && strstr(out, "failed 1d0h"), "forget ok 3h ago, check failed a day ago");
	CHECK(strstr(out, "stack_files  failed") != NULL, "a failed job");
	CHECK(strstr(out, "stack_bad    refused") != NULL, "a refused job");
	CHECK(strstr(out, "stack_old    gone") != NULL, "a gone job");
	CHECK(strstr(out, "\nstack_files: pre-hook failed (exit 1)\n") &&
		      strstr(out, "\nstack_bad: rds.backup.repo='../x' is not a repository path\n") &&
		      strstr(out, "\nstack_db: check: restic check failed: pack abc damaged\n"),
	      "notes name why each job is not ok");
	CHECK(!strstr(out, "old failure"), "a gone job's old failure is no note");
	free(out);
	return T_DONE();
}
