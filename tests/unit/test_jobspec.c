/* Unit tests for src/agent/jobspec.c: a copy is deep and equal, every field takes
 * part in jobspec_equal (and all but the container in jobspec_same_job), freeing is NULL-safe, and the array owns its
 * specs. */
#include <stdlib.h>

#include "jobspec.h"
#include "t.h"

/* A spec with every field set. */
static void fill(struct jobspec *s)
{
	char err[128];

	memset(s, 0, sizeof(*s));
	s->name = strdup("stack_db");
	s->host = strdup("node-1");
	s->service = strdup("stack_db");
	s->repo_path = strdup("stack_db");
	strvec_push(&s->paths, "/var/lib/docker/volumes/stack_dbdata/_data");
	strvec_push(&s->paths, "/var/lib/docker/volumes/stack_dump/_data");
	strvec_push(&s->pre_argv, "sh");
	strvec_push(&s->pre_argv, "-c");
	strvec_push(&s->pre_argv, "pg_dumpall > /dump/all.sql");
	strvec_push(&s->post_argv, "rm");
	s->run_at = strdup("0 3 * * *");
	cron_parse(s->run_at, &s->cron, err, sizeof(err));
	s->scheduled = 1;
	s->retention.daily = 7;
	s->retention.within_days = 3;
	strvec_push(&s->retention.keep_tags, "keep");
	strvec_push(&s->backup_args, "--exclude=*.tmp");
	s->container = strdup("c0ffee");
	s->origin = strdup("labels of stack_db");
	s->error = NULL;
}

static void ch_container(struct jobspec *s);

/* Copies a, applies change to the copy and checks that equal sees it, and
 * that jobspec_same_job sees it unless only the container changed. */
static void expect_differs(const struct jobspec *a, const char *what, void (*change)(struct jobspec *))
{
	struct jobspec b;

	CHECK_INT(jobspec_copy(&b, a), 0, "copy for '%s'", what);
	change(&b);
	CHECK(!jobspec_equal(a, &b) && !jobspec_equal(&b, a), "a changed %s makes the specs differ", what);
	if (change == ch_container)
		CHECK(jobspec_same_job(a, &b) && jobspec_same_job(&b, a), "a changed container is still the same job");
	else
		CHECK(!jobspec_same_job(a, &b) && !jobspec_same_job(&b, a), "a changed %s is another job", what);
	jobspec_free(&b);
}

static void set_str(char **f, const char *v)
{
	free(*f);
	*f = v ? strdup(v) : NULL;
}

static void ch_name(struct jobspec *s)
{
	set_str(&s->name, "stack_db2");
}
static void ch_host(struct jobspec *s)
{
	set_str(&s->host, "node-2");
}
static void ch_service(struct jobspec *s)
{
	set_str(&s->service, "");
}
static void ch_repo(struct jobspec *s)
{
	set_str(&s->repo_path, "other");
}
static void ch_path(struct jobspec *s)
{
	set_str(&s->paths.v[1], "/var/lib/docker/volumes/x/_data");
}
static void ch_path_count(struct jobspec *s)
{
	free(s->paths.v[--s->paths.n]);
	s->paths.v[s->paths.n] = NULL;
}
static void ch_pre(struct jobspec *s)
{
	set_str(&s->pre_argv.v[2], "pg_dumpall>/dump/all.sql");
}
static void ch_post(struct jobspec *s)
{
	strvec_push(&s->post_argv, "-f");
}
static void ch_run_at(struct jobspec *s)
{
	set_str(&s->run_at, "0 3 * * * ");
}
static void ch_cron(struct jobspec *s)
{
	s->cron.hours = 1u << 4;
}
static void ch_scheduled(struct jobspec *s)
{
	s->scheduled = 0;
}
static void ch_daily(struct jobspec *s)
{
	s->retention.daily = 8;
}
static void ch_within(struct jobspec *s)
{
	s->retention.within_days = 0;
	s->retention.within_hours = 72;
}
static void ch_tags(struct jobspec *s)
{
	strvec_free(&s->retention.keep_tags);
}
static void ch_args(struct jobspec *s)
{
	set_str(&s->backup_args.v[0], "--exclude=*.TMP");
}
static void ch_container(struct jobspec *s)
{
	set_str(&s->container, "deadbeef");
}
static void ch_origin(struct jobspec *s)
{
	set_str(&s->origin, "env");
}
static void ch_error(struct jobspec *s)
{
	set_str(&s->error, "rds.backup.repo='/x' is absolute");
}
static void ch_name_null(struct jobspec *s)
{
	set_str(&s->name, NULL);
}

static void test_copy_equal(void)
{
	struct jobspec a, b;

	fill(&a);
	CHECK_INT(jobspec_copy(&b, &a), 0, "a full spec copies");
	CHECK(jobspec_equal(&a, &b), "the copy equals the original");
	CHECK(b.name != a.name && b.paths.v != a.paths.v && b.paths.v[0] != a.paths.v[0] &&
		      b.retention.keep_tags.v != a.retention.keep_tags.v &&
		      b.retention.keep_tags.v[0] != a.retention.keep_tags.v[0] && b.backup_args.v != a.backup_args.v,
	      "the copy shares no string or vector with the original (keep_tags included)");
	CHECK(b.paths.v[b.paths.n] == NULL && b.pre_argv.v[3] == NULL, "copied vectors stay NULL-terminated");
	CHECK(b.error == NULL, "a NULL error stays NULL");
	/* Changing the copy leaves the original as it was. */
	set_str(&b.paths.v[0], "/elsewhere");
	CHECK_STR(a.paths.v[0], "/var/lib/docker/volumes/stack_dbdata/_data", "the original keeps its path");
	jobspec_free(&b);

	expect_differs(&a, "name", ch_name);
	expect_differs(&a, "name (NULL)", ch_name_null);
	expect_differs(&a, "host", ch_host);
	expect_differs(&a, "service", ch_service);
	expect_differs(&a, "repo_path", ch_repo);
	expect_differs(&a, "path", ch_path);
	expect_differs(&a, "number of paths", ch_path_count);
	expect_differs(&a, "pre-hook word", ch_pre);
	expect_differs(&a, "post-hook words", ch_post);
	expect_differs(&a, "run_at text", ch_run_at);
	expect_differs(&a, "parsed cron", ch_cron);
	expect_differs(&a, "scheduled", ch_scheduled);
	expect_differs(&a, "keep daily", ch_daily);
	expect_differs(&a, "keep within", ch_within);
	expect_differs(&a, "keep tags", ch_tags);
	expect_differs(&a, "backup args", ch_args);
	expect_differs(&a, "container", ch_container);
	expect_differs(&a, "origin", ch_origin);
	expect_differs(&a, "error", ch_error);

	/* Unscheduled: the cron fields mean nothing and are not compared. */
	a.scheduled = 0;
	CHECK_INT(jobspec_copy(&b, &a), 0, "unscheduled copy");
	b.cron.hours = 0xffffff;
	CHECK(jobspec_equal(&a, &b), "unscheduled specs ignore leftover cron bits");
	jobspec_free(&b);
	jobspec_free(&a);
	CHECK(a.name == NULL && a.paths.v == NULL && a.paths.n == 0 && a.retention.keep_tags.n == 0,
	      "jobspec_free zeroes the spec");
	jobspec_free(&a);
	jobspec_free(NULL);
	CHECK(1, "jobspec_free twice and on NULL is harmless");
}

static void test_empty(void)
{
	struct jobspec a, b;

	memset(&a, 0, sizeof(a));
	CHECK_INT(jobspec_copy(&b, &a), 0, "an empty spec copies");
	CHECK(b.name == NULL && b.paths.n == 0 && b.paths.v == NULL, "its copy is empty too");
	CHECK(jobspec_equal(&a, &b), "two empty specs are equal");
	set_str(&b.name, "");
	CHECK(!jobspec_equal(&a, &b), "NULL and \"\" differ");
	jobspec_free(&b);
}

static void test_array(void)
{
	struct jobspecs arr = { 0 };
	struct jobspec s;
	int ok = 1;

	for (int i = 0; i < 20; i++) {
		fill(&s);
		set_str(&s.name, i % 2 ? "odd" : "even");
		ok &= jobspecs_take(&arr, &s) == 0 && s.name == NULL && s.paths.v == NULL;
	}
	CHECK(ok && arr.n == 20, "jobspecs_take moves 20 specs in (growing) and zeroes each source");
	CHECK_STR(arr.v[19].name, "odd", "the last one is where it was put");
	CHECK_STR(arr.v[0].paths.v[1], "/var/lib/docker/volumes/stack_dump/_data", "the first one kept its data");
	jobspecs_truncate(&arr, 5);
	CHECK_INT(arr.n, 5, "jobspecs_truncate frees back to 5");
	jobspecs_truncate(&arr, 9);
	CHECK_INT(arr.n, 5, "truncating past the end changes nothing");
	jobspecs_free(&arr);
	CHECK(arr.v == NULL && arr.n == 0 && arr.cap == 0, "jobspecs_free empties the array");
	jobspecs_free(&arr);
	jobspecs_free(NULL);
}

int main(void)
{
	test_copy_equal();
	test_empty();
	test_array();
	return T_DONE();
}
