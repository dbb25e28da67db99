/* Unit tests for status: atomic round trip and the health verdict. */
#include <stdlib.h>
#include <unistd.h>

#include "status.h"
#include "t.h"

int main(void)
{
	char dir[] = "/tmp/rds-test-status-XXXXXX", path[256], why[700];
	struct status s = { 0 }, r;
	time_t now = 1700000000;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/status.json", dir);
	snprintf(s.job, sizeof(s.job), "stack_db");
	s.agent_started = now - 100;
	s.last_start = now - 60;
	s.last_end = now - 50;
	s.last_success = now - 50;
	s.next_run = now + 3550;
	s.interval_s = 3600;
	s.result = STATUS_OK;
	snprintf(s.message, sizeof(s.message), "snapshot 1234abcd: 3 new files");
	snprintf(s.snapshot_id, sizeof(s.snapshot_id), "1234abcd5678");
	s.bytes_added = 12345;
	s.runs = 1;
	CHECK_INT(status_write(path, &s), 0, "status written");
	CHECK_INT(status_read(path, &r, why, sizeof(why)), 0, "status read back");
	CHECK_STR(r.job, "stack_db", "job name kept");
	CHECK_INT(r.result, STATUS_OK, "result kept");
	CHECK_INT(r.last_success, now - 50, "last success kept");
	CHECK_INT(r.next_run, now + 3550, "next run kept");
	CHECK_INT(r.bytes_added, 12345, "bytes added kept");
	CHECK_STR(r.snapshot_id, "1234abcd5678", "snapshot id kept");

	CHECK_INT(status_health(&r, now, 600, why, sizeof(why)), 0, "recent success is healthy: %s", why);
	r.result = STATUS_FAILED;
	snprintf(r.message, sizeof(r.message), "restic backup failed: the server refused the key");
	CHECK_INT(status_health(&r, now, 600, why, sizeof(why)), 1, "a failed last run is unhealthy");
	CHECK(strstr(why, "refused the key") != NULL, "the verdict says why: %s", why);
	r.result = STATUS_OK;
	CHECK_INT(status_health(&r, now + 2 * 3600 + 700, 600, why, sizeof(why)), 1,
		  "no success within two intervals plus grace is unhealthy");
	CHECK_INT(status_health(&r, now + 2 * 3600 + 500, 600, why, sizeof(why)), 0, "within the grace still healthy");
	memset(&r, 0, sizeof(r));
	r.agent_started = now;
	r.interval_s = 60;
	CHECK_INT(status_health(&r, now + 10, 600, why, sizeof(why)), 0, "a fresh agent is healthy while waiting");
	CHECK(strstr(why, "waiting") != NULL, "and says it is waiting: %s", why);

	CHECK(status_read("/nonexistent/status.json", &r, why, sizeof(why)) < 0 && strstr(why, "STATUS_FILE"),
	      "a missing status file is reported naming STATUS_FILE");
	unlink(path);
	rmdir(dir);
	return T_DONE();
}
