/* Unit tests for status: atomic round trip, carrying a record over to a new
 * agent, and the health verdict on the schedules users write. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cron.h"
#include "status.h"
#include "t.h"

static char why[1200];

static void test_round_trip(const char *path, time_t now)
{
	struct status s = { 0 }, r;

	snprintf(s.job, sizeof(s.job), "stack_db");
	snprintf(s.repository, sizeof(s.repository), "sftp:restic@server:db (port 2222)");
	s.agent_started = now - 100;
	s.last_start = now - 60;
	s.last_end = now - 50;
	s.last_success = now - 50;
	s.repo_seen = now - 86400;
	s.next_run = now + 3550;
	s.max_age_s = 7800;
	s.run_limit_s = 4000;
	s.result = STATUS_OK;
	snprintf(s.message, sizeof(s.message), "snapshot 1234abcd: 3 new files");
	snprintf(s.snapshot_id, sizeof(s.snapshot_id), "1234abcd5678");
	s.bytes_added = 12345;
	s.runs = 1;
	s.skipped_ticks = 2;
	CHECK_INT(status_write(path, &s, 1), 0, "status written");
	CHECK_INT(status_read(path, &r, why, sizeof(why)), 0, "status read back");
	CHECK_STR(r.job, "stack_db", "job name kept");
	CHECK_STR(r.repository, s.repository, "repository kept");
	CHECK_INT(r.result, STATUS_OK, "result kept");
	CHECK_INT(r.last_success, now - 50, "last success kept");
	CHECK_INT(r.repo_seen, now - 86400, "repository sighting kept");
	CHECK_INT(r.next_run, now + 3550, "next run kept");
	CHECK_INT(r.max_age_s, 7800, "freshness limit kept");
	CHECK_INT(r.run_limit_s, 4000, "run limit kept");
	CHECK_INT(r.bytes_added, 12345, "bytes added kept");
	CHECK_INT(r.skipped_ticks, 2, "skipped ticks kept");
	CHECK_STR(r.snapshot_id, "1234abcd5678", "snapshot id kept");

	/* Bytes that are not UTF-8 (a Latin-1 file name in restic's error) must
	 * not make jansson drop the message, nor a Latin-1 host the job. */
	snprintf(s.message, sizeof(s.message), "restic backup failed: /backup/caf\xe9.txt: permission denied");
	snprintf(s.job, sizeof(s.job), "h\xf6st");
	CHECK_INT(status_write(path, &s, 1), 0, "status with Latin-1 bytes written");
	CHECK_INT(status_read(path, &r, why, sizeof(why)), 0, "and read back: %s", why);
	CHECK(strstr(r.message, "permission denied") != NULL, "the message is kept: %s", r.message);
	CHECK(r.job[0] == 'h', "the job is kept: %s", r.job);
}

/* Every field set (each to its own value) survives a write and a read:
 * the field table misses none. */
static void fill_op(struct status_op *o, long base)
{
	o->last_start = 1600000000 + base;
	o->last_end = 1600000010 + base;
	o->last_success = 1600000020 + base;
	o->result = STATUS_INCOMPLETE;
	snprintf(o->message, sizeof(o->message), "op %ld", base);
	o->duration_s = 1.25 + (double)base;
	o->runs = base + 1;
	o->failures = base + 2;
	o->agent_runs = base + 3;
	o->delayed_s = base + 4;
	o->bytes_freed = base + 5;
	o->removed = base + 6;
	o->kept = base + 7;
}

static void test_every_field(const char *path, time_t now)
{
	struct status s, *v = NULL;
	const struct status *w[1] = { &s };
	size_t n = 0;

	memset(&s, 0, sizeof(s));
	snprintf(s.job, sizeof(s.job), "stack_db");
	snprintf(s.repository, sizeof(s.repository), "sftp:restic@server:db (port 2222)");
	s.agent_started = now - 1;
	s.last_start = now - 2;
	s.last_end = now - 3;
	s.last_success = now - 4;
	s.next_run = now + 5;
	s.repo_seen = now - 6;
	s.max_age_s = 7;
	s.run_limit_s = 8;
	s.result = STATUS_FAILED;
	s.running = 1;
	snprintf(s.running_op, sizeof(s.running_op), "prune");
	snprintf(s.message, sizeof(s.message), "message");
	snprintf(s.snapshot_id, sizeof(s.snapshot_id), "abcdef12");
	s.bytes_added = 9;
	s.bytes_processed = 10;
	s.files_new = 11;
	s.files_changed = 12;
	s.files_unmodified = 13;
	s.duration_s = 14.5;
	s.runs = 15;
	s.failures = 16;
	s.incompletes = 17;
	s.skipped_ticks = 18;
	s.delayed_runs = 19;
	s.pre_hook_failures = 20;
	s.post_hook_failures = 21;
	s.agent_runs = 22;
	s.delayed_s = 23;
	fill_op(&s.forget, 100);
	fill_op(&s.prune, 200);
	fill_op(&s.check, 300);
	snprintf(s.service, sizeof(s.service), "stack_db");
	snprintf(s.repo_path, sizeof(s.repo_path), "stack/db");
	snprintf(s.host, sizeof(s.host), "node-id");
	snprintf(s.agent_host, sizeof(s.agent_host), "3f2a9c1d7b4e");
	s.gone = now - 24;
	s.refused = 1;
	CHECK_INT(status_write_all(path, w, 1, 0), 0, "an entry with every field set is written");
	CHECK_INT(status_read_all(path, &v, &n, why, sizeof(why)), 0, "and read back: %s", why);
	CHECK(n == 1 && !memcmp(&v[0], &s, sizeof(s)), "every field comes back as it was written");
	free(v);
}

static void test_carry_over(time_t now)
{
	struct status prev = { 0 }, s = { 0 };

	snprintf(prev.job, sizeof(prev.job), "stack_db");
	snprintf(prev.repository, sizeof(prev.repository), "sftp:restic@server:db (port 2222)");
	prev.agent_started = now - 7 * 86400;
	prev.last_success = now - 3 * 86400;
	prev.repo_seen = now - 6 * 86400;
	prev.last_end = now - 86400;
	prev.result = STATUS_FAILED;
	prev.runs = 9;
	prev.agent_runs = 4;
	prev.failures = 2;
	snprintf(prev.message, sizeof(prev.message), "restic backup failed: the server refused the key");
	snprintf(prev.snapshot_id, sizeof(prev.snapshot_id), "feedbeef");

	s = (struct status){ 0 };
	snprintf(s.job, sizeof(s.job), "stack_db");
	snprintf(s.repository, sizeof(s.repository), "sftp:restic@server:other (port 2222)");
	CHECK_INT(status_carry_over(&s, &prev), 0, "another repository's record is not taken");
	CHECK_INT(s.last_success, 0, "and nothing of it is");

	snprintf(s.repository, sizeof(s.repository), "%s", prev.repository);
	s.agent_started = now;
	s.max_age_s = 2 * 86400 + 600;
	CHECK_INT(status_carry_over(&s, &prev), 1, "the same job's record is taken over");
	CHECK_INT(s.last_success, now - 3 * 86400, "the last success survives a new container");
	CHECK_INT(s.repo_seen, now - 6 * 86400, "so does the repository's sighting");
	CHECK_INT(s.runs, 9, "and the counters");
	CHECK_INT(s.agent_runs, 0, "but not as the new agent's own runs");
	/* A new agent is not judged by its predecessor's failure: Swarm has
	 * already replaced that one, and a replacement that starts unhealthy
	 * would be replaced again before it could try. */
	CHECK_INT(status_health(&s, now + 60, why, sizeof(why)), 0, "a new agent after a failure gets its turn: %s",
		  why);
	CHECK(strstr(why, "previous agent") && strstr(why, "refused the key") && strstr(why, "3d0h01m ago"),
	      "and health says what came before: %s", why);
	CHECK_INT(status_health(&s, now + 2 * 86400 + 700, why, sizeof(why)), 1,
		  "but no success within its own window is unhealthy: %s", why);

	/* A run its agent never finished (SIGKILL): recorded as failed. */
	prev.running = 1;
	prev.last_start = now - 600;
	s = (struct status){ 0 };
	snprintf(s.job, sizeof(s.job), "stack_db");
	snprintf(s.repository, sizeof(s.repository), "%s", prev.repository);
	status_carry_over(&s, &prev);
	CHECK(s.result == STATUS_FAILED && s.runs == 10 && s.failures == 3 && strstr(s.message, "never finished"),
	      "a run left running by a killed agent is recorded as failed: %s", s.message);
}

static void test_running(time_t now)
{
	struct status s = { 0 };

	/* An hourly schedule, a first backup still running after 2h13m: the
	 * old verdict ("no successful backup") had Swarm kill it, and the new
	 * task started the same first backup again. */
	s.agent_started = now - 3 * 3600;
	s.max_age_s = 2 * 3600 + 600;
	s.running = 1;
	s.last_start = now - (2 * 3600 + 13 * 60);
	CHECK_INT(status_health(&s, now, why, sizeof(why)), 0, "a running first backup is healthy");
	CHECK_STR(why, "healthy: backup running for 2h13m", "and says so");
	s.result = STATUS_FAILED;
	s.last_end = now - 3 * 3600 + 60;
	s.agent_runs = 1;
	CHECK_INT(status_health(&s, now, why, sizeof(why)), 0, "also after an earlier failure");
	s.run_limit_s = 2 * 3600;
	CHECK_INT(status_health(&s, now, why, sizeof(why)), 1, "a run past every time limit is stuck");
	CHECK(strstr(why, "stuck") && strstr(why, "BACKUP_TIMEOUT"), "and says which limits: %s", why);
}

/* A schedule played over weeks: every fire time a run of `dur` seconds that
 * succeeds unless fail(n) says otherwise (n counts the runs), health asked
 * every 7 minutes. Returns the number of unhealthy answers; *while_running
 * counts those given while a backup ran (each would be Swarm killing it). */
static int play(const char *expr, time_t from, int weeks, long dur, int (*fail)(int), int *while_running)
{
	struct cron_expr c;
	struct status s = { 0 };
	time_t gap, next, t, end = from + (time_t)weeks * 7 * 86400;
	int unhealthy = 0, n = 0;

	*while_running = 0;
	if (cron_parse(expr, &c, why, sizeof(why)) < 0 || cron_interval(&c, from, &gap) < 0)
		return -1;
	s.agent_started = from;
	s.max_age_s = 2 * (long)gap + 600;
	cron_next(&c, from, &next);
	for (t = from; t < end; t += 7 * 60) {
		while (!s.running && next <= t) {
			s.running = 1;
			s.last_start = next;
		}
		if (s.running && t >= s.last_start + dur) {
			s.running = 0;
			s.last_end = s.last_start + dur;
			s.result = fail && fail(n) ? STATUS_FAILED : STATUS_OK;
			s.agent_runs++;
			if (s.result == STATUS_OK)
				s.last_success = s.last_end;
			n++;
			cron_next(&c, s.last_end, &next);
		}
		if (status_health(&s, t, why, sizeof(why))) {
			unhealthy++;
			*while_running += s.running;
		}
	}
	return unhealthy;
}

static int third_fails(int n)
{
	return n == 2;
}

static void test_schedules(void)
{
	/* Monday 2024-05-06 00:00 UTC. */
	time_t monday = 1714953600;
	int running;

	CHECK_INT(play("0 3 * * 1-5", monday, 5, 1800, NULL, &running), 0,
		  "weekdays at 03:00, every backup good: healthy all five weeks, weekends too");
	CHECK_INT(play("0 0 * * 1,2", monday, 5, 600, NULL, &running), 0, "Mondays and Tuesdays: healthy all week");
	CHECK_INT(play("*/10 9-17 * * 1-5", monday, 3, 120, NULL, &running), 0,
		  "every 10 minutes in office hours: healthy over nights and weekends");
	CHECK_INT(play("0 3 1 * *", monday, 16, 3600, NULL, &running), 0, "monthly on the 1st: healthy for months");
	CHECK_INT(play("0 * * * *", monday, 2, 3 * 3600, NULL, &running), 0,
		  "hourly backups that take 3 hours: healthy (ticks are skipped, not failed)");
	CHECK(play("0 3 * * 1-5", monday, 2, 1800, third_fails, &running) > 0 && running == 0,
	      "a failed run is unhealthy, and never while a backup runs");
	CHECK(play("0 3 * * *", monday, 2, 1800, third_fails, &running) <= (86400 - 1800) / 420 + 1,
	      "unhealthy after a failure only until the next run starts");
}

static void test_missed(time_t now)
{
	struct status s = { 0 };

	s.agent_started = now - 100;
	s.last_start = now - 60;
	s.last_end = now - 50;
	s.last_success = now - 50;
	s.max_age_s = 2 * 3600 + 600;
	s.result = STATUS_OK;
	CHECK_INT(status_health(&s, now, why, sizeof(why)), 0, "recent success is healthy: %s", why);
	CHECK_INT(status_health(&s, now + 2 * 3600 + 700, why, sizeof(why)), 1,
		  "no success within the window is unhealthy: %s", why);
	CHECK(strstr(why, "no successful backup for 2h") != NULL, "and says for how long: %s", why);
	CHECK_INT(status_health(&s, now + 2 * 3600 + 500, why, sizeof(why)), 0, "within the window still healthy");
	s.max_age_s = 0;
	CHECK_INT(status_health(&s, now + 86400 * 30, why, sizeof(why)), 0, "no window: freshness not judged");
	memset(&s, 0, sizeof(s));
	s.agent_started = now;
	s.max_age_s = 60;
	CHECK_INT(status_health(&s, now + 10, why, sizeof(why)), 0, "a fresh agent is healthy while waiting");
	CHECK(strstr(why, "waiting") != NULL, "and says it is waiting: %s", why);
	s.result = STATUS_FAILED;
	s.last_end = now + 5;
	s.agent_runs = 1;
	snprintf(s.message, sizeof(s.message), "restic backup failed: the server refused the key");
	CHECK_INT(status_health(&s, now + 10, why, sizeof(why)), 1, "this agent's failed run is unhealthy");
	CHECK(strstr(why, "refused the key") != NULL, "the verdict says why: %s", why);
}

static void test_maintenance(const char *path, time_t now)
{
	struct status s = { 0 }, r, n = { 0 };

	snprintf(s.job, sizeof(s.job), "stack_db");
	s.agent_started = now - 1000;
	s.last_success = now - 100;
	s.max_age_s = 3600;
	s.result = STATUS_OK;
	s.check.runs = s.check.agent_runs = 1;
	s.check.result = STATUS_FAILED;
	s.check.last_end = now - 50;
	snprintf(s.check.message, sizeof(s.check.message), "pack 3f2a1b0c: data does not match its hash");
	s.prune.runs = 2;
	s.prune.result = STATUS_OK;
	s.prune.bytes_freed = 123456;
	s.forget.runs = 1;
	s.forget.result = STATUS_OK;
	s.forget.removed = 7;
	s.forget.kept = 12;
	CHECK_INT(status_write(path, &s, 1), 0, "status with maintenance written");
	CHECK_INT(status_read(path, &r, why, sizeof(why)), 0, "and read back");
	CHECK(r.check.result == STATUS_FAILED && strstr(r.check.message, "does not match") && r.check.agent_runs == 1,
	      "the check's result kept");
	CHECK(r.prune.bytes_freed == 123456 && r.prune.runs == 2, "the prune's freed bytes kept");
	CHECK(r.forget.removed == 7 && r.forget.kept == 12, "the forget's counts kept");
	CHECK_INT(status_health(&r, now, why, sizeof(why)), 1, "this agent's failed check is unhealthy");
	CHECK(strstr(why, "repository check") && strstr(why, "does not match its hash"), "and says why: %s", why);
	r.running = 1;
	r.last_start = now - 10;
	CHECK_INT(status_health(&r, now, why, sizeof(why)), 0, "but a running backup is not killed for it");
	r.running = 0;

	/* A new agent takes the record over: the damage is told, the verdict
	 * waits for its own check (else it would be replaced at every start). */
	snprintf(n.job, sizeof(n.job), "stack_db");
	n.agent_started = now;
	n.max_age_s = 3600;
	CHECK_INT(status_carry_over(&n, &r), 1, "carried over");
	CHECK_INT(status_health(&n, now + 10, why, sizeof(why)), 0, "the new agent is healthy");
	CHECK(strstr(why, "warning: the previous agent's last check") && strstr(why, "does not match"),
	      "and warns of the failed check: %s", why);

	/* A failed prune or forget is a warning, not a verdict. */
	r.check.result = STATUS_OK;
	r.prune.result = STATUS_FAILED;
	r.prune.agent_runs = 1;
	snprintf(r.prune.message, sizeof(r.prune.message), "repository is already locked by another host");
	CHECK_INT(status_health(&r, now, why, sizeof(why)), 0, "a failed prune is healthy");
	CHECK(strstr(why, "warning: the last prune") && strstr(why, "locked"), "with a warning: %s", why);

	/* A long check keeps the backups waiting: healthy while it runs, even
	 * past the freshness window. */
	r.running = 1;
	snprintf(r.running_op, sizeof(r.running_op), "check");
	r.check.last_start = now - 3 * 3600;
	CHECK_INT(status_health(&r, now + 2 * 3600, why, sizeof(why)), 0, "a check running for hours is healthy");
	CHECK(strstr(why, "check running for 5h00m") != NULL, "and says so: %s", why);
	/* Its agent killed mid-check: the check is recorded as failed. */
	memset(&n, 0, sizeof(n));
	snprintf(n.job, sizeof(n.job), "stack_db");
	status_carry_over(&n, &r);
	CHECK(n.check.result == STATUS_FAILED && strstr(n.check.message, "check started") && n.result == STATUS_OK,
	      "a check left running is recorded as a failed check, the backup result stays: %s", n.check.message);
}

static void job(struct status *s, const char *name, time_t now)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->job, sizeof(s->job), "%s", name);
	snprintf(s->service, sizeof(s->service), "%s", name);
	snprintf(s->repository, sizeof(s->repository), "sftp:restic@server:%s (port 2222)", name);
	snprintf(s->repo_path, sizeof(s->repo_path), "%s", name);
	snprintf(s->host, sizeof(s->host), "node1");
	s->agent_started = now - 7200;
	s->last_success = s->last_end = now - 600;
	s->result = STATUS_OK;
	s->runs = s->agent_runs = 2;
	s->max_age_s = 86400 * 2 + 600;
}

/* Label mode: many jobs in one file, and the verdict over all of them. */
static void test_many(const char *path, time_t now)
{
	struct status v[4], *back = NULL;
	const struct status *p[4] = { &v[0], &v[1], &v[2], &v[3] };
	size_t n = 0;

	job(&v[0], "app_db", now);
	job(&v[1], "app_files", now);
	job(&v[2], "app_bad", now);
	v[2].refused = 1;
	v[2].result = STATUS_FAILED;
	v[2].runs = v[2].agent_runs = 0;
	snprintf(v[2].message, sizeof(v[2].message), "rds.backup.repo='../x' may not contain '..'");
	job(&v[3], "app_old", now);
	v[3].gone = now - 60;
	v[3].result = STATUS_FAILED;
	CHECK_INT(status_write_all(path, p, 4, 0), 0, "four jobs written to one file");
	CHECK_INT(status_read_all(path, &back, &n, why, sizeof(why)), 0, "and read back");
	CHECK_INT(n, 4, "four entries");
	CHECK(n == 4 && !strcmp(back[0].job, "app_bad") && back[0].refused && back[1].job[0] && back[2].gone == 0 &&
		      !strcmp(back[3].job, "app_old") && back[3].gone == now - 60 &&
		      !strcmp(back[2].repo_path, "app_files") && !strcmp(back[2].host, "node1") &&
		      !strcmp(back[1].service, "app_db") && back[1].agent_started == now - 7200,
	      "sorted by name, with service, repo_path, host, gone, refused and the agent's start");
	CHECK(status_read(path, &v[0], why, sizeof(why)) < 0, "a seed-mode read refuses a file of many jobs");
	job(&v[0], "app_db", now);
	free(back);

	CHECK_INT(status_health_all(v, 4, now, why, sizeof(why)), 0, "two ok, one refused, one gone: healthy");
	CHECK(strstr(why, "healthy: 3 jobs") && strstr(why, "app_bad: its labels are refused") &&
		      !strstr(why, "app_old"),
	      "the refused job is named, the gone one is not (%s)", why);
	v[1].result = STATUS_FAILED;
	v[1].agent_runs = 3;
	snprintf(v[1].message, sizeof(v[1].message), "restic backup failed (exit 1)");
	CHECK_INT(status_health_all(v, 4, now, why, sizeof(why)), 1, "a job whose last run failed: unhealthy");
	CHECK(strstr(why, "unhealthy: 1 of 3 jobs") && strstr(why, "app_files: the last backup failed"),
	      "and it names that job (%s)", why);
	v[0].running = 1;
	v[0].last_start = now - 30;
	CHECK_INT(status_health_all(v, 4, now, why, sizeof(why)), 0,
		  "while another job's backup runs: healthy (Swarm would kill that backup)");
	CHECK(strstr(why, "app_files: the last backup failed") && strstr(why, "not unhealthy while a job runs: app_db"),
	      "still naming the failed job (%s)", why);
	v[0].run_limit_s = 10;
	CHECK_INT(status_health_all(v, 4, now, why, sizeof(why)), 1, "a stuck run makes it unhealthy all the same");
	v[0].running = 0;
	v[0].run_limit_s = 0;
	v[1].result = STATUS_OK;
	v[1].last_success = now - 3 * 86400;
	CHECK_INT(status_health_all(v, 4, now, why, sizeof(why)), 0,
		  "no success for 3 days, but the agent started 2 h ago: it gets its window");
	for (int i = 0; i < 4; i++)
		v[i].agent_started = now - 4 * 86400;
	CHECK_INT(status_health_all(v, 4, now, why, sizeof(why)), 1, "a stale job: unhealthy");
	CHECK(strstr(why, "app_files: no successful backup for"), "naming it (%s)", why);
	CHECK_INT(status_health_all(v, 0, now, why, sizeof(why)), 0, "no job at all: healthy");
	CHECK(strstr(why, "no labelled service"), "saying so (%s)", why);
	CHECK_INT(status_health_all(&v[3], 1, now, why, sizeof(why)), 0, "only gone jobs: healthy");
}

/* A file with times and counters no agent writes (hand-edited, or another
 * program's) reads them as absent: the ages, the counters a carry-over
 * increments and the health verdict are computed without overflow
 * (fuzz/regress/status). */
static void test_out_of_range(const char *path, time_t now)
{
	static const char text[] =
		"{\"version\":2,\"agent_started_epoch\":-9223372036854775807,\"jobs\":{\"db\":{\"running\":true,"
		"\"last_start_epoch\":-9223372036854775807,\"last_success_epoch\":9223372036854775807,"
		"\"runs\":9223372036854775807,\"failures\":-5,\"max_age_s\":9223372036854775807,"
		"\"run_limit_s\":10}}}";
	struct status r, s = { 0 };
	FILE *f = fopen(path, "w");

	CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0, "an out-of-range status file is written");
	CHECK_INT(status_read(path, &r, why, sizeof(why)), 0, "and read: %s", why);
	CHECK(r.last_start == 0 && r.last_success == 0 && r.agent_started == 0, "times out of range read as absent");
	CHECK(r.runs == 0 && r.failures == 0 && r.max_age_s == 0 && r.run_limit_s == 10,
	      "counters out of range read as absent, the others are kept");
	CHECK_INT(status_health(&r, now, why, sizeof(why)), 1, "a run since 1970 is stuck: %s", why);
	snprintf(s.job, sizeof(s.job), "db");
	CHECK_INT(status_carry_over(&s, &r), 1, "the record is carried over");
	CHECK(s.runs == 1 && s.failures == 1, "the run that never finished counts as failed");
}

int main(void)
{
	char dir[] = "/tmp/rds-test-status-XXXXXX", path[256];
	struct status r;
	time_t now = 1700000000;

	if (!mkdtemp(dir))
		return 1;
	setenv("TZ", "UTC", 1);
	tzset();
	snprintf(path, sizeof(path), "%s/status.json", dir);
	test_round_trip(path, now);
	test_every_field(path, now);
	test_carry_over(now);
	test_running(now);
	test_schedules();
	test_missed(now);
	test_maintenance(path, now);
	test_many(path, now);
	test_out_of_range(path, now);
	CHECK(status_read("/nonexistent/status.json", &r, why, sizeof(why)) < 0 && strstr(why, "STATUS_FILE"),
	      "a missing status file is reported naming STATUS_FILE");
	unlink(path);
	rmdir(dir);
	return T_DONE();
}
