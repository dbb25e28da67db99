/* Unit tests for src/agent/labels.c: every rds.backup.* label, its default, every
 * refusal and its message, the attempts to make a label point the agent
 * outside the container's own named volumes (or outside BACKUP_PATH), the
 * per-key retention overrides, the rds.backup.repos form and the warnings
 * for unknown labels. The discovered services are built here directly. */
#include <stdlib.h>

#include "labels.h"
#include "retention.h"
#include "t.h"
#include "utf8.h"

#define ROOT "/var/lib/docker/volumes"

/* A discovered service: fixed room for labels and volume mounts. */
struct fake {
	struct discovery_service svc;
	struct discovery_label labels[80];
	struct discovery_volume vols[80];
};

static const char *agent_keep[8];
static struct labels_defaults defs;

static void reset_defaults(void)
{
	memset(agent_keep, 0, sizeof(agent_keep));
	defs.run_at = "0 3 * * *";
	defs.keep_text = agent_keep;
	defs.host = "node-1";
	defs.volumes_root = ROOT;
	defs.backup_path = "/backup";
}

/* Sets key to value (a new label, or the value of one already there). */
static void lab(struct fake *f, const char *key, const char *value)
{
	for (size_t i = 0; i < f->svc.nlabels; i++)
		if (!strcmp(f->labels[i].key, key)) {
			f->labels[i].value = (char *)value;
			return;
		}
	f->labels[f->svc.nlabels].key = (char *)key;
	f->labels[f->svc.nlabels++].value = (char *)value;
}

static void vol(struct fake *f, const char *name, const char *driver)
{
	struct discovery_volume *v = &f->vols[f->svc.nvolumes++];
	v->name = (char *)name;
	v->destination = (char *)"/data";
	v->driver = (char *)driver;
	v->rw = 1;
}

/* stack_db with rds.backup=true and two local volumes (in reverse order of
 * their names) and one NFS one. */
static void base(struct fake *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->svc.name = (char *)name;
	f->svc.id = (char *)"svcid";
	f->svc.container = (char *)"c0ffee";
	f->svc.task = (char *)"taskid";
	f->svc.slot = 1;
	f->svc.labels = f->labels;
	f->svc.volumes = f->vols;
	lab(f, "rds.backup", "true");
	vol(f, "stack_dump", "local");
	vol(f, "stack_dbdata", "local");
	vol(f, "stack_cache", "nfs");
}

static int one_line_utf8(const char *s)
{
	return s && !strchr(s, '\n') && utf8_valid(s, strlen(s)) && !utf8_has_ctl(s, strlen(s));
}

/* Runs labels_jobs into fresh out and warnings. */
static int run(struct fake *f, struct jobspecs *out, struct strvec *warnings)
{
	memset(out, 0, sizeof(*out));
	memset(warnings, 0, sizeof(*warnings));
	return labels_jobs(&f->svc, &defs, out, warnings);
}

/* One good spec: checks it is not refused and returns it (or NULL). */
static const struct jobspec *good(struct fake *f, struct jobspecs *out, struct strvec *w, const char *what)
{
	int rc = run(f, out, w);
	int ok = rc == 0 && out->n == 1 && !out->v[0].error;

	CHECK(ok, "%s: one job, not refused", what);
	if (!ok && out->n && out->v[0].error)
		printf("#   error: %s\n", out->v[0].error);
	return ok ? &out->v[0] : NULL;
}

static void done(struct jobspecs *out, struct strvec *w)
{
	jobspecs_free(out);
	strvec_free(w);
}

/* The service is refused: one spec with the service's fields, an error
 * holding both needles (needle2 may be NULL) and not holding bad (NULL: no
 * such check), and nothing to run. */
static void expect_refused(struct fake *f, const char *what, const char *needle1, const char *needle2, const char *bad)
{
	struct jobspecs out;
	struct strvec w;
	const struct jobspec *s;
	int rc = run(f, &out, &w), ok;

	ok = rc == 0 && out.n == 1 && out.v[0].error;
	CHECK(ok, "%s: one refused job", what);
	if (!ok) {
		done(&out, &w);
		return;
	}
	s = &out.v[0];
	ok = strstr(s->error, needle1) && (!needle2 || strstr(s->error, needle2)) && (!bad || !strstr(s->error, bad));
	CHECK(ok, "%s: the error says '%s'%s%s", what, needle1, needle2 ? " and " : "", needle2 ? needle2 : "");
	if (!ok)
		printf("#   error: %s\n", s->error);
	CHECK(one_line_utf8(s->error) && strlen(s->error) < LABELS_ERROR_MAX, "%s: one line of UTF-8", what);
	CHECK(s->paths.n == 0 && s->pre_argv.n == 0 && s->backup_args.n == 0 && !s->scheduled && s->repo_path &&
		      !*s->repo_path && s->run_at && !*s->run_at,
	      "%s: a refused job has nothing to run", what);
	CHECK(!strcmp(s->name, f->svc.name ? f->svc.name : "") || !f->svc.name || !one_line_utf8(f->svc.name),
	      "%s: the refused job is named after the service", what);
	CHECK(s->host && s->service && s->container && s->origin && !strncmp(s->origin, "labels of ", 10),
	      "%s: host, service, container and origin are set", what);
	done(&out, &w);
}

static int has_warning(const struct strvec *w, const char *needle1, const char *needle2)
{
	for (size_t i = 0; i < w->n; i++)
		if (strstr(w->v[i], needle1) && (!needle2 || strstr(w->v[i], needle2)))
			return 1;
	return 0;
}

static void test_defaults(void)
{
	struct fake f;
	struct jobspecs out;
	struct strvec w;
	const struct jobspec *s;

	reset_defaults();
	agent_keep[0] = "3"; /* FORGET_KEEP_LAST */
	agent_keep[2] = "7"; /* FORGET_KEEP_DAILY */
	base(&f, "stack_db");
	vol(&f, "stack_dbdata", "local"); /* mounted twice, at two places */
	s = good(&f, &out, &w, "only rds.backup=true");
	if (s) {
		CHECK_STR(s->name, "stack_db", "name: the service");
		CHECK_STR(s->host, "node-1", "host: the agent's");
		CHECK_STR(s->service, "stack_db", "service: the hooks' service");
		CHECK_STR(s->container, "c0ffee", "container: the discovered one");
		CHECK_STR(s->origin, "labels of stack_db", "origin names the labels");
		CHECK_STR(s->repo_path, "stack_db", "repository: the full service name");
		CHECK_INT(s->paths.n, 2, "two local volumes, the one mounted twice once");
		CHECK_STR(s->paths.v[0], ROOT "/stack_dbdata/_data", "data: the volumes' _data, sorted (1)");
		CHECK_STR(s->paths.v[1], ROOT "/stack_dump/_data", "data: the volumes' _data, sorted (2)");
		CHECK(s->paths.v[2] == NULL, "paths NULL-terminated");
		CHECK_STR(s->run_at, "0 3 * * *", "schedule: the agent's RUN_AT");
		CHECK(s->scheduled && s->cron.hours == 1u << 3 && s->cron.minutes == 1u, "the schedule is parsed");
		CHECK(s->pre_argv.n == 0 && s->post_argv.n == 0, "no hooks");
		CHECK_INT(s->backup_args.n, 0, "no extra backup args");
		CHECK(s->retention.last == 3 && s->retention.daily == 7 && s->retention.weekly == 0,
		      "retention: the agent's FORGET_KEEP_*");
	}
	CHECK(has_warning(&w, "stack_db", "'stack_cache' (driver 'nfs') is not backed up"),
	      "the NFS volume is left out with a warning naming service, volume and driver");
	CHECK_INT(w.n, 1, "and nothing else is warned of");
	CHECK(w.n && one_line_utf8(w.v[0]), "the warning is one line");
	done(&out, &w);

	/* Rediscovery of the same service yields an equal spec. */
	{
		struct jobspecs a, b;
		struct strvec wa, wb;
		run(&f, &a, &wa);
		run(&f, &b, &wb);
		CHECK(a.n == 1 && b.n == 1 && jobspec_equal(&a.v[0], &b.v[0]), "the same labels give an equal spec");
		f.svc.container = (char *)"deadbeef";
		jobspecs_free(&b);
		strvec_free(&wb);
		run(&f, &b, &wb);
		CHECK(b.n == 1 && !jobspec_equal(&a.v[0], &b.v[0]), "a new container gives a different spec");
		done(&a, &wa);
		done(&b, &wb);
	}

	/* No retention anywhere: nothing forgotten. */
	reset_defaults();
	defs.keep_text = NULL;
	base(&f, "stack_db");
	s = good(&f, &out, &w, "no FORGET_KEEP_* at all (keep_text NULL)");
	CHECK(s && !retention_is_set(&s->retention), "no retention policy");
	done(&out, &w);

	/* Warnings may be NULL; specs already in out stay. */
	reset_defaults();
	base(&f, "stack_db");
	memset(&out, 0, sizeof(out));
	CHECK_INT(labels_jobs(&f.svc, &defs, &out, NULL), 0, "warnings NULL is fine");
	base(&f, "stack_web");
	CHECK_INT(labels_jobs(&f.svc, &defs, &out, NULL), 0, "a second service appends");
	CHECK(out.n == 2 && !strcmp(out.v[0].name, "stack_db") && !strcmp(out.v[1].name, "stack_web"),
	      "both services' jobs are in out, in order");
	jobspecs_free(&out);

	/* Trailing '/' on VOLUMES_ROOT. */
	defs.volumes_root = ROOT "//";
	base(&f, "stack_db");
	s = good(&f, &out, &w, "VOLUMES_ROOT with trailing '/'");
	CHECK(s && !strcmp(s->paths.v[0], ROOT "/stack_dbdata/_data"), "one '/' between root and volume");
	done(&out, &w);
	defs.volumes_root = "volumes";
	expect_refused(&f, "relative VOLUMES_ROOT", "VOLUMES_ROOT='volumes' is not an absolute path", NULL, NULL);
	defs.volumes_root = NULL;
	expect_refused(&f, "no VOLUMES_ROOT", "VOLUMES_ROOT='' is not an absolute path", NULL, NULL);
}

static void test_enable(void)
{
	struct fake f;
	struct jobspecs out;
	struct strvec w;

	reset_defaults();
	base(&f, "stack_db");
	f.svc.nlabels = 0;
	CHECK(run(&f, &out, &w) == 0 && out.n == 0 && w.n == 0, "no rds.backup: no job, no warning");
	done(&out, &w);
	lab(&f, "rds.backup", "false");
	CHECK(run(&f, &out, &w) == 0 && out.n == 0 && w.n == 0, "rds.backup=false: no job, no warning");
	done(&out, &w);
	lab(&f, "rds.backup", "yes");
	CHECK(run(&f, &out, &w) == 0 && out.n == 0 && w.n == 1 &&
		      has_warning(&w, "service stack_db: rds.backup='yes' is not 'true'", NULL),
	      "rds.backup=yes: no job, a warning");
	done(&out, &w);
	lab(&f, "rds.backup", "True");
	CHECK(run(&f, &out, &w) == 0 && out.n == 0 && w.n == 1, "rds.backup=True: no job (exactly 'true')");
	done(&out, &w);
}

static void test_schedule(void)
{
	struct fake f;
	struct jobspecs out;
	struct strvec w;
	const struct jobspec *s;

	reset_defaults();
	base(&f, "stack_db");
	lab(&f, "rds.backup.at", "30 1 * * 1-5");
	s = good(&f, &out, &w, "rds.backup.at");
	CHECK(s && !strcmp(s->run_at, "30 1 * * 1-5") && s->cron.hours == 1u << 1 && s->cron.dow == 0x3e,
	      "rds.backup.at replaces RUN_AT");
	done(&out, &w);

	base(&f, "stack_db");
	lab(&f, "rds.backup.run-at", "@daily");
	s = good(&f, &out, &w, "rds.backup.run-at");
	CHECK(s && !strcmp(s->run_at, "@daily") && s->cron.hours == 1u, "rds.backup.run-at is the same label");
	done(&out, &w);

	lab(&f, "rds.backup.at", "@daily");
	s = good(&f, &out, &w, "both, equal");
	CHECK(s && !strcmp(s->run_at, "@daily"), "both set alike are fine");
	done(&out, &w);

	base(&f, "stack_db");
	lab(&f, "rds.backup.at", "*/30 * * * * *");
	s = good(&f, &out, &w, "six fields");
	CHECK(s && s->cron.has_seconds, "six fields: seconds");
	done(&out, &w);

	lab(&f, "rds.backup.run-at", "0 4 * * *");
	expect_refused(&f, "both, different", "rds.backup.at='*/30 * * * * *' and rds.backup.run-at='0 4 * * *' differ",
		       "set only one", NULL);
	base(&f, "stack_db");
	lab(&f, "rds.backup.at", "0 25 * * *");
	expect_refused(&f, "bad hour", "rds.backup.at='0 25 * * *': ", "hour", NULL);
	base(&f, "stack_db");
	lab(&f, "rds.backup.run-at", "every day");
	expect_refused(&f, "bad run-at", "rds.backup.run-at='every day': ", NULL, NULL);
	base(&f, "stack_db");
	lab(&f, "rds.backup.at", "");
	expect_refused(&f, "empty at", "rds.backup.at is empty", "remove the label to use the agent's RUN_AT", NULL);

	base(&f, "stack_db");
	defs.run_at = "";
	expect_refused(&f, "no schedule anywhere",
		       "no schedule: set rds.backup.at on the service or RUN_AT on the agent", NULL, NULL);
	defs.run_at = NULL;
	expect_refused(&f, "no schedule (NULL)", "no schedule: set rds.backup.at", NULL, NULL);
	lab(&f, "rds.backup.at", "15 2 * * *");
	s = good(&f, &out, &w, "label without RUN_AT");
	CHECK(s && !strcmp(s->run_at, "15 2 * * *"), "the label alone schedules it");
	done(&out, &w);
	base(&f, "stack_db");
	defs.run_at = "61 * * * *";
	expect_refused(&f, "bad agent RUN_AT", "the agent's RUN_AT='61 * * * *': ", NULL, NULL);
}

static void test_hooks(void)
{
	struct fake f;
	struct jobspecs out;
	struct strvec w;
	const struct jobspec *s;
	static char big[LABELS_VALUE_MAX + 2];

	reset_defaults();
	base(&f, "stack_db");
	lab(&f, "rds.backup.pre-hook", "sh -c 'pg_dumpall -U postgres > /dump/all.sql'");
	lab(&f, "rds.backup.post-hook", "rm -f /dump/all.sql");
	s = good(&f, &out, &w, "both hooks");
	CHECK(s && s->pre_argv.n == 3 && !strcmp(s->pre_argv.v[2], "pg_dumpall -U postgres > /dump/all.sql"),
	      "the pre-hook is split like PRE_HOOK");
	CHECK(s && s->post_argv.n == 3 && !strcmp(s->post_argv.v[0], "rm") && s->post_argv.v[3] == NULL,
	      "the post-hook is split like POST_HOOK");
	done(&out, &w);

	lab(&f, "rds.backup.post-hook", "");
	s = good(&f, &out, &w, "empty post-hook");
	CHECK(s && s->post_argv.n == 0, "an empty hook label is no hook");
	done(&out, &w);

	lab(&f, "rds.backup.post-hook", "rm -f /dump/*.sql");
	expect_refused(&f, "unquoted glob", "rds.backup.post-hook='rm -f /dump/*.sql': ", "sh -c", NULL);
	lab(&f, "rds.backup.post-hook", "rm -f '/dump/*.sql'");
	s = good(&f, &out, &w, "quoted glob");
	CHECK(s && !strcmp(s->post_argv.v[2], "/dump/*.sql"), "a quoted glob is literal");
	done(&out, &w);
	lab(&f, "rds.backup.pre-hook", "pg_dump db | gzip");
	expect_refused(&f, "pipe", "rds.backup.pre-hook='pg_dump db | gzip': ", "would need a shell", NULL);
	lab(&f, "rds.backup.pre-hook", "echo 'unterminated");
	expect_refused(&f, "open quote", "rds.backup.pre-hook=", "unterminated single quote", NULL);
	lab(&f, "rds.backup.pre-hook", "   ");
	expect_refused(&f, "blank hook", "rds.backup.pre-hook is blank; remove the label or give a command", NULL,
		       NULL);
	memset(big, 'a', LABELS_VALUE_MAX + 1);
	lab(&f, "rds.backup.pre-hook", big);
	expect_refused(&f, "hook too long", "rds.backup.pre-hook: value is 4097 bytes long; at most 4096", NULL, NULL);
	big[LABELS_VALUE_MAX] = '\0';
	s = good(&f, &out, &w, "hook of exactly the bound");
	done(&out, &w);
	lab(&f, "rds.backup.pre-hook", "echo 'a\nb'");
	expect_refused(&f, "newline in a hook", "rds.backup.pre-hook='echo 'a\\x0ab'' contains a control character",
		       NULL, NULL);
	lab(&f, "rds.backup.pre-hook", "echo \xe9t\xe9");
	expect_refused(&f, "Latin-1 in a hook",
		       "rds.backup.pre-hook='echo \xef\xbf\xbdt\xef\xbf\xbd' is not valid UTF-8", NULL, NULL);
}

static void test_repo(void)
{
	static const char *const bad[] = { "/srv/db", "a/../b",      "..",    "../db", "db/..", "a//b",
					   "db/",     "./db",        "a/./b", ".",     "a b",   "db;rm",
					   "db'",     "caf\xc3\xa9", "a\\b",  "~db",   "db*" };
	static char long_ok[LABELS_REPO_MAX + 1], long_bad[LABELS_REPO_MAX + 2];
	struct fake f;
	struct jobspecs out;
	struct strvec w;
	const struct jobspec *s;
	char what[64];

	reset_defaults();
	base(&f, "stack_db");
	lab(&f, "rds.backup.repo", "prod/stack-db_1.v2");
	s = good(&f, &out, &w, "rds.backup.repo");
	CHECK(s && !strcmp(s->repo_path, "prod/stack-db_1.v2") && !strcmp(s->name, "stack_db"),
	      "the label sets the repository, the name stays the service's");
	done(&out, &w);
	memset(long_ok, 'r', LABELS_REPO_MAX);
	lab(&f, "rds.backup.repo", long_ok);
	s = good(&f, &out, &w, "200-byte repository");
	done(&out, &w);
	memset(long_bad, 'r', LABELS_REPO_MAX + 1);
	lab(&f, "rds.backup.repo", long_bad);
	expect_refused(&f, "201-byte repository", "is not a repository path: it is longer than 200 bytes", NULL, NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char needle[64];
		snprintf(what, sizeof(what), "repo '%s'", bad[i]);
		snprintf(needle, sizeof(needle), "rds.backup.repo='%s' is not a repository path: ", bad[i]);
		lab(&f, "rds.backup.repo", bad[i]);
		expect_refused(&f, what, needle, "use components of A-Z a-z 0-9 . _ - joined by single '/'", NULL);
	}
	lab(&f, "rds.backup.repo", "/srv/db");
	expect_refused(&f, "absolute repo says why", "it is absolute", NULL, NULL);
	lab(&f, "rds.backup.repo", "a/../b");
	expect_refused(&f, "'..' says why", "it has a '.' or '..' component", NULL, NULL);
	lab(&f, "rds.backup.repo", "a//b");
	expect_refused(&f, "'//' says why", "it has an empty component ('//')", NULL, NULL);
	lab(&f, "rds.backup.repo", "db/");
	expect_refused(&f, "trailing '/' says why", "it ends with '/'", NULL, NULL);
	lab(&f, "rds.backup.repo", "a b");
	expect_refused(&f, "space says why", "a character other than A-Z a-z 0-9 . _ - and '/'", NULL, NULL);
	lab(&f, "rds.backup.repo", "");
	expect_refused(&f, "empty repo", "rds.backup.repo='' is not a repository path: it is empty", NULL, NULL);

	/* The service name as the default must pass the same rule. */
	base(&f, "stack db");
	expect_refused(&f, "service name unusable as repo",
		       "the service name 'stack db' is not a repository path (it has a character",
		       "set rds.backup.repo", NULL);
	lab(&f, "rds.backup.repo", "stack-db");
	s = good(&f, &out, &w, "service name with a space, repo set");
	CHECK(s && !strcmp(s->name, "stack db") && !strcmp(s->repo_path, "stack-db"), "the label's repository is used");
	done(&out, &w);
}

static void test_volumes(void)
{
	struct fake f;
	struct jobspecs out;
	struct strvec w;
	const struct jobspec *s;

	reset_defaults();
	base(&f, "stack_db");
	lab(&f, "rds.backup.volumes", "stack_dbdata");
	s = good(&f, &out, &w, "one volume named");
	CHECK(s && s->paths.n == 1 && !strcmp(s->paths.v[0], ROOT "/stack_dbdata/_data"), "only that volume");
	CHECK_INT(w.n, 0, "naming volumes: no warning for the NFS one left out");
	done(&out, &w);
	lab(&f, "rds.backup.volumes", " stack_dump ,  stack_dbdata,stack_dump ");
	s = good(&f, &out, &w, "two named, spaces, one twice");
	CHECK(s && s->paths.n == 2 && !strcmp(s->paths.v[0], ROOT "/stack_dbdata/_data") &&
		      !strcmp(s->paths.v[1], ROOT "/stack_dump/_data"),
	      "sorted, each once, spaces dropped");
	done(&out, &w);

	f.svc.error = "the label rds.backup.pre-hook is longer than 8192 bytes";
	expect_refused(&f, "a service the helper could not pass on whole",
		       "the label rds.backup.pre-hook is longer than 8192 bytes", NULL, NULL);
	f.svc.error = NULL;
	lab(&f, "rds.backup.volumes", "stack_other");
	expect_refused(&f, "volume not mounted",
		       "rds.backup.volumes names 'stack_other', which the container of stack_db does not mount; it "
		       "mounts stack_dump, stack_dbdata, stack_cache (driver nfs)",
		       NULL, "did you mean");
	lab(&f, "rds.backup.volumes", "dump");
	s = good(&f, &out, &w, "a volume named without the stack's prefix");
	CHECK(s && s->paths.n == 1 && !strcmp(s->paths.v[0], ROOT "/stack_dump/_data"),
	      "is the one mount named stack_dump");
	done(&out, &w);
	lab(&f, "rds.backup.volumes", "cache");
	expect_refused(&f, "a prefix-less name of a non-local volume",
		       "rds.backup.volumes names 'stack_cache', whose driver is 'nfs', not local", NULL, NULL);
	lab(&f, "rds.backup.volumes", "stack_dbdata,stack_cache");
	expect_refused(&f, "NFS volume named",
		       "rds.backup.volumes names 'stack_cache', whose driver is 'nfs', not local", "VOLUMES_ROOT",
		       NULL);
	lab(&f, "rds.backup.volumes", "");
	expect_refused(&f, "empty volumes", "rds.backup.volumes is empty", "remove the label", NULL);
	lab(&f, "rds.backup.volumes", "stack_dbdata,,stack_dump");
	expect_refused(&f, "empty entry", "rds.backup.volumes='stack_dbdata,,stack_dump' has an empty entry", NULL,
		       NULL);
	lab(&f, "rds.backup.volumes", "stack_dbdata,");
	expect_refused(&f, "trailing ','", "has an empty entry", NULL, NULL);

	/* Nothing local to back up. */
	base(&f, "stack_web");
	f.svc.nvolumes = 0;
	expect_refused(&f, "no mounts",
		       "the container mounts no named local volume; bind mounts and tmpfs are not backed up",
		       "rds.backup.repos", NULL);
	lab(&f, "rds.backup.volumes", "web");
	expect_refused(&f, "named, none mounted", "it mounts no named volume", NULL, NULL);
	base(&f, "stack_web");
	f.svc.nvolumes = 0;
	vol(&f, "shared", "rexray/ebs");
	run(&f, &out, &w);
	CHECK(out.n == 1 && out.v[0].error && strstr(out.v[0].error, "mounts no named local volume") &&
		      has_warning(&w, "'shared' (driver 'rexray/ebs') is not backed up", NULL),
	      "only a non-local volume: refused, and the volume warned of");
	done(&out, &w);
	vol(&f, "other", NULL);
	run(&f, &out, &w);
	CHECK(out.n == 1 && out.v[0].error && has_warning(&w, "'other' (driver '')", NULL),
	      "a mount without a driver is not local");
	done(&out, &w);
}

/* Every path of s is ROOT/<name>/_data for a name the container mounts
 * with driver local that is a Docker volume name: nothing else is ever
 * read. */
static int paths_inside(const struct jobspec *s, const struct discovery_service *svc)
{
	for (size_t i = 0; i < s->paths.n; i++) {
		const char *p = s->paths.v[i], *name, *end;
		size_t n;
		int found = 0;

		if (strncmp(p, ROOT "/", sizeof(ROOT)))
			return 0;
		name = p + sizeof(ROOT);
		end = strchr(name, '/');
		if (!end || strcmp(end, "/_data"))
			return 0;
		n = (size_t)(end - name);
		if (n == 0 || (n <= 2 && !strncmp(name, "..", n)) || memchr(name, '\\', n) || name[0] == '-' ||
		    name[0] == '.')
			return 0;
		for (size_t j = 0; j < svc->nvolumes; j++)
			if (svc->volumes[j].name && strlen(svc->volumes[j].name) == n &&
			    !strncmp(svc->volumes[j].name, name, n) && svc->volumes[j].driver &&
			    !strcmp(svc->volumes[j].driver, "local"))
				found = 1;
		if (!found)
			return 0;
	}
	return 1;
}

static void test_escape(void)
{
	/* What a label might try, alone and mixed with a real volume. */
	static const char *const tries[] = { "../",
					     "..",
					     ".",
					     "/etc",
					     "/",
					     "../../etc/shadow",
					     "../../../",
					     "stack_dbdata/../../..",
					     "stack_dbdata/..",
					     "stack_dbdata/../stack_dump",
					     "stack_dbdata/",
					     "/var/lib/docker/volumes/stack_dbdata/_data",
					     ROOT "/../../../etc",
					     "a/b",
					     "-rf",
					     ".hidden",
					     "_x",
					     "stack\\dbdata",
					     "*",
					     "stack_db*",
					     "~root",
					     "$HOME",
					     "stack%2fdbdata",
					     "stack_dbdata\t",
					     "\xc3\xa9t\xc3\xa9",
					     "stack_dbdata,../",
					     "../,stack_dbdata",
					     "stack_dbdata, /etc",
					     "stack_dbdata,..",
					     "stack_dbdata,stack_dump/../../../etc" };
	/* Mounts a broken or hostile discovery might report. */
	static const char *const bad_mounts[] = { "../../etc", "..", ".", "/etc", "a/b", "" };
	struct fake f;
	struct jobspecs out;
	struct strvec w;
	int all_ok = 1;

	reset_defaults();
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		base(&f, "stack_db");
		lab(&f, "rds.backup.volumes", tries[i]);
		run(&f, &out, &w);
		int ok = out.n == 1 && out.v[0].error && out.v[0].paths.n == 0 && one_line_utf8(out.v[0].error);
		CHECK(ok, "rds.backup.volumes='%s' is refused", tries[i]);
		all_ok &= ok;
		done(&out, &w);
	}
	/* A hostile name that is also "mounted": still refused by its form. */
	for (size_t i = 0; i < sizeof(bad_mounts) / sizeof(bad_mounts[0]); i++) {
		base(&f, "stack_db");
		vol(&f, bad_mounts[i], "local");
		run(&f, &out, &w);
		CHECK(out.n == 1 && out.v[0].error && out.v[0].paths.n == 0 &&
			      strstr(out.v[0].error, "is not a Docker volume name"),
		      "a mounted volume named '%s' refuses the default set", bad_mounts[i]);
		done(&out, &w);
		lab(&f, "rds.backup.volumes", bad_mounts[i]);
		run(&f, &out, &w);
		CHECK(out.n == 1 && out.v[0].error && out.v[0].paths.n == 0,
		      "naming a mounted volume '%s' is refused too", bad_mounts[i]);
		done(&out, &w);
		lab(&f, "rds.backup.volumes", "stack_dbdata");
		run(&f, &out, &w);
		CHECK(out.n == 1 && !out.v[0].error && paths_inside(&out.v[0], &f.svc) && out.v[0].paths.n == 1,
		      "with '%s' mounted, naming a good volume backs up just that one", bad_mounts[i]);
		done(&out, &w);
	}
	/* Everything that is accepted stays inside. */
	{
		static const char *const fine[] = { "stack_dbdata", "stack_dump,stack_dbdata", "a..", "A.b-c_d" };
		for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
			base(&f, "stack_db");
			vol(&f, "a..", "local");
			vol(&f, "A.b-c_d", "local");
			lab(&f, "rds.backup.volumes", fine[i]);
			const struct jobspec *s = good(&f, &out, &w, fine[i]);
			CHECK(s && paths_inside(s, &f.svc), "'%s': every path is ROOT/<mounted volume>/_data", fine[i]);
			done(&out, &w);
		}
		base(&f, "stack_db");
		vol(&f, "a..", "local");
		const struct jobspec *s = good(&f, &out, &w, "default set with 'a..' mounted");
		CHECK(s && s->paths.n == 3 && paths_inside(s, &f.svc) && !strcmp(s->paths.v[0], ROOT "/a../_data"),
		      "'a..' is a name, not a parent: ROOT/a../_data");
		done(&out, &w);
	}
	CHECK(all_ok, "no attempt produced a path");
	base(&f, "stack_db");
	lab(&f, "rds.backup.volumes", "../x");
	expect_refused(&f, "the message on a path",
		       "rds.backup.volumes entry '../x' is not a Docker volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*",
		       "never a path", NULL);
}

static void test_exclude(void)
{
	struct fake f;
	struct jobspecs out;
	struct strvec w;
	const struct jobspec *s;
	static char many[LABELS_EXCLUDES_MAX * 3 + 8], big[LABELS_EXCLUDE_MAX + 2];

	reset_defaults();
	base(&f, "stack_db");
	lab(&f, "rds.backup.exclude", "*.tmp \"cache dir/*\" 'pg_wal' [ab]?.log");
	s = good(&f, &out, &w, "exclude patterns");
	CHECK(s && s->backup_args.n == 4 && !strcmp(s->backup_args.v[0], "--exclude=*.tmp") &&
		      !strcmp(s->backup_args.v[1], "--exclude=cache dir/*") &&
		      !strcmp(s->backup_args.v[2], "--exclude=pg_wal") &&
		      !strcmp(s->backup_args.v[3], "--exclude=[ab]?.log") && s->backup_args.v[4] == NULL,
	      "one --exclude=PATTERN per word, globs kept, quotes honoured");
	done(&out, &w);
	lab(&f, "rds.backup.exclude", "");
	s = good(&f, &out, &w, "empty exclude");
	CHECK(s && s->backup_args.n == 0, "no patterns");
	done(&out, &w);
	lab(&f, "rds.backup.exclude", "-rf --password-file=/x");
	s = good(&f, &out, &w, "patterns looking like flags");
	CHECK(s && !strcmp(s->backup_args.v[0], "--exclude=-rf") &&
		      !strcmp(s->backup_args.v[1], "--exclude=--password-file=/x"),
	      "a pattern never becomes a flag of its own");
	done(&out, &w);

	lab(&f, "rds.backup.exclude", "*.tmp | rm");
	expect_refused(&f, "operator", "rds.backup.exclude='*.tmp | rm' cannot be split into patterns: '|' at offset 6",
		       "quote one that holds", "sh -c");
	lab(&f, "rds.backup.exclude", "a;b");
	expect_refused(&f, "';' operator",
		       "cannot be split into patterns: ';' at offset 1 would need a shell; patterns", NULL, "sh -c");
	lab(&f, "rds.backup.exclude", "'a;b' \"x|y\"");
	s = good(&f, &out, &w, "quoted operators");
	CHECK(s && s->backup_args.n == 2 && !strcmp(s->backup_args.v[0], "--exclude=a;b") &&
		      !strcmp(s->backup_args.v[1], "--exclude=x|y"),
	      "quoted operators are part of the pattern");
	done(&out, &w);
	lab(&f, "rds.backup.exclude", "'open");
	expect_refused(&f, "open quote", "rds.backup.exclude=''open' cannot be split into patterns: unterminated", NULL,
		       NULL);
	lab(&f, "rds.backup.exclude", "a '' b");
	expect_refused(&f, "empty pattern", "rds.backup.exclude='a '' b' has an empty pattern", NULL, NULL);
	lab(&f, "rds.backup.exclude", "a\tb");
	expect_refused(&f, "tab", "rds.backup.exclude='a\\x09b' contains a control character", NULL, NULL);
	memset(big, 'x', LABELS_EXCLUDE_MAX + 1);
	lab(&f, "rds.backup.exclude", big);
	expect_refused(&f, "pattern too long", "has a pattern that is too long", "1 to 1024 bytes", NULL);
	big[LABELS_EXCLUDE_MAX] = '\0';
	s = good(&f, &out, &w, "pattern of 1024 bytes");
	done(&out, &w);
	many[0] = '\0';
	for (int i = 0; i < LABELS_EXCLUDES_MAX; i++)
		strcat(many, "p ");
	lab(&f, "rds.backup.exclude", many);
	s = good(&f, &out, &w, "64 patterns");
	CHECK(s && s->backup_args.n == LABELS_EXCLUDES_MAX, "64 --exclude args");
	done(&out, &w);
	strcat(many, "p");
	expect_refused(&f, "65 patterns", "rds.backup.exclude has 65 patterns; at most 64", NULL, NULL);
}

static void test_retention(void)
{
	static const char *const keys[8] = { "rds.backup.forget.keep-last",    "rds.backup.forget.keep-hourly",
					     "rds.backup.forget.keep-daily",   "rds.backup.forget.keep-weekly",
					     "rds.backup.forget.keep-monthly", "rds.backup.forget.keep-yearly",
					     "rds.backup.forget.keep-within",  "rds.backup.forget.keep-tag" };
	struct fake f;
	struct jobspecs out;
	struct strvec w;
	const struct jobspec *s;

	reset_defaults();
	CHECK(retention_vars[8] == NULL && retention_vars[7] && !strcmp(retention_vars[7], "FORGET_KEEP_TAG"),
	      "retention_vars has the 8 variables the labels stand for");
	agent_keep[0] = "3";
	agent_keep[2] = "7";
	base(&f, "stack_db");
	lab(&f, keys[2], "14");
	s = good(&f, &out, &w, "keep-daily label");
	CHECK(s && s->retention.daily == 14 && s->retention.last == 3, "keep-daily replaces only FORGET_KEEP_DAILY");
	done(&out, &w);
	lab(&f, keys[2], "");
	s = good(&f, &out, &w, "empty keep-daily label");
	CHECK(s && s->retention.daily == 0 && s->retention.last == 3, "an empty label drops the agent's rule");
	done(&out, &w);

	/* Each label reaches its own rule. */
	reset_defaults();
	base(&f, "stack_db");
	lab(&f, keys[0], "1");
	lab(&f, keys[1], "2");
	lab(&f, keys[2], "3");
	lab(&f, keys[3], "4");
	lab(&f, keys[4], "5");
	lab(&f, keys[5], "6");
	lab(&f, keys[6], "1y2m3d4h");
	lab(&f, keys[7], " keep , monthly ");
	s = good(&f, &out, &w, "every retention label");
	CHECK(s && s->retention.last == 1 && s->retention.hourly == 2 && s->retention.daily == 3 &&
		      s->retention.weekly == 4 && s->retention.monthly == 5 && s->retention.yearly == 6,
	      "each count label sets its count");
	CHECK(s && s->retention.within_years == 1 && s->retention.within_months == 2 && s->retention.within_days == 3 &&
		      s->retention.within_hours == 4,
	      "keep-within sets the within");
	CHECK(s && s->retention.keep_tags.n == 2 && !strcmp(s->retention.keep_tags.v[1], "monthly"),
	      "keep-tag sets the tags");
	CHECK(w.n == 1 && !has_warning(&w, "not known", NULL), "no warning for known labels (only the NFS volume)");
	done(&out, &w);

	/* Refusals name the label, not the variable. */
	reset_defaults();
	agent_keep[2] = "7";
	base(&f, "stack_db");
	lab(&f, keys[2], "seven");
	expect_refused(&f, "bad count label", "rds.backup.forget.keep-daily='seven' is not a count", NULL,
		       "FORGET_KEEP_DAILY");
	base(&f, "stack_db");
	lab(&f, keys[6], "1x");
	expect_refused(&f, "bad within label", "rds.backup.forget.keep-within='1x' is not a restic duration", NULL,
		       "FORGET_KEEP_WITHIN");
	base(&f, "stack_db");
	lab(&f, keys[7], "a,,b");
	expect_refused(&f, "bad tag label", "rds.backup.forget.keep-tag='a,,b' has an empty tag", NULL,
		       "FORGET_KEEP_TAG");
	base(&f, "stack_db");
	lab(&f, keys[2], "0");
	expect_refused(&f, "label zeroes the only rule", "rds.backup.forget.keep-daily=0: every retention rule is 0",
		       "unset all rds.backup.forget.keep-* labels and the agent's FORGET_KEEP_* variables", NULL);
	reset_defaults();
	agent_keep[0] = "0";
	base(&f, "stack_db");
	lab(&f, keys[2], "0");
	expect_refused(&f, "agent's 0 and label's 0", "the agent's FORGET_KEEP_LAST=0, rds.backup.forget.keep-daily=0",
		       NULL, NULL);
	reset_defaults();
	base(&f, "stack_db");
	lab(&f, keys[7], "keep");
	expect_refused(&f, "tag label without a count",
		       "rds.backup.forget.keep-tag='keep' without a count above 0 or rds.backup.forget.keep-within",
		       "(e.g. rds.backup.forget.keep-last=1)", "FORGET_KEEP");
	reset_defaults();
	agent_keep[0] = "3";
	agent_keep[7] = "keep";
	base(&f, "stack_db");
	lab(&f, keys[0], "0");
	expect_refused(&f, "label removes the count the agent's tag needs",
		       "the agent's FORGET_KEEP_TAG='keep' without a count",
		       "e.g. rds.backup.forget.keep-last=1) or rds.backup.forget.keep-within", NULL);
	reset_defaults();
	agent_keep[1] = "many";
	base(&f, "stack_db");
	expect_refused(&f, "bad agent value", "the agent's FORGET_KEEP_HOURLY='many' is not a count", NULL, NULL);
}

static void test_repos(void)
{
	struct fake f;
	struct jobspecs out;
	struct strvec w;
	static char long_entry[LABELS_REPO_MAX + 1];

	reset_defaults();
	agent_keep[2] = "7";
	base(&f, "stack_app");
	f.svc.nvolumes = 0; /* the data is mounted into the agent, not a volume here */
	lab(&f, "rds.backup.repos", "db, files/uploads,db");
	lab(&f, "rds.backup.pre-hook", "sync");
	lab(&f, "rds.backup.at", "@hourly");
	lab(&f, "rds.backup.exclude", "*.tmp");
	CHECK(run(&f, &out, &w) == 0 && out.n == 2, "two entries (one given twice): two jobs");
	if (out.n == 2) {
		const struct jobspec *a = &out.v[0], *b = &out.v[1];
		CHECK(!a->error && !b->error, "neither refused");
		CHECK_STR(a->name, "stack_app:db", "job name service:entry (1)");
		CHECK_STR(b->name, "stack_app:files/uploads", "job name service:entry (2)");
		CHECK(!strcmp(a->repo_path, "db") && !strcmp(b->repo_path, "files/uploads"), "repository: the entry");
		CHECK(a->paths.n == 1 && !strcmp(a->paths.v[0], "/backup/db") && b->paths.n == 1 &&
			      !strcmp(b->paths.v[0], "/backup/files/uploads"),
		      "data: BACKUP_PATH/entry");
		CHECK(a->pre_argv.n == 1 && b->pre_argv.n == 1 && !strcmp(b->pre_argv.v[0], "sync") &&
			      !strcmp(a->run_at, "@hourly") && !strcmp(b->run_at, "@hourly") && b->scheduled,
		      "hooks and schedule shared");
		CHECK(b->backup_args.n == 1 && b->retention.daily == 7, "excludes and retention shared");
		CHECK(!strcmp(b->service, "stack_app") && !strcmp(b->host, "node-1") &&
			      !strcmp(b->container, "c0ffee") && !strcmp(b->origin, "labels of stack_app"),
		      "service, host, container, origin: the service's");
		CHECK(a->pre_argv.v != b->pre_argv.v, "each job owns its own copy");
	}
	done(&out, &w);
	defs.backup_path = "/backup/";
	CHECK(run(&f, &out, &w) == 0 && out.n == 2 && !strcmp(out.v[0].paths.v[0], "/backup/db"),
	      "BACKUP_PATH with a trailing '/'");
	done(&out, &w);
	defs.backup_path = "backup";
	expect_refused(&f, "relative BACKUP_PATH", "BACKUP_PATH='backup' is not an absolute path", "/backup", NULL);
	reset_defaults();
	defs.volumes_root = NULL;
	CHECK(run(&f, &out, &w) == 0 && out.n == 2 && !out.v[0].error, "the repos form needs no VOLUMES_ROOT");
	done(&out, &w);
	reset_defaults();
	defs.backup_path = NULL;
	base(&f, "stack_db");
	CHECK(run(&f, &out, &w) == 0 && out.n == 1 && !out.v[0].error, "the volumes form needs no BACKUP_PATH");
	done(&out, &w);
	reset_defaults();
	base(&f, "stack_app");
	f.svc.nvolumes = 0;
	lab(&f, "rds.backup.repos", "db, files/uploads,db");

	lab(&f, "rds.backup.repo", "x");
	expect_refused(&f, "repos and repo", "rds.backup.repos and rds.backup.repo are both set", "remove one", NULL);
	base(&f, "stack_app");
	lab(&f, "rds.backup.repos", "db");
	lab(&f, "rds.backup.volumes", "stack_dump");
	expect_refused(&f, "repos and volumes", "rds.backup.repos and rds.backup.volumes are both set", NULL, NULL);

	static const char *const bad[] = { "../etc", "/etc", "db/../../x", ".", "..", "db//x", "db/", "a b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char needle[64], what[64];
		base(&f, "stack_app");
		lab(&f, "rds.backup.repos", bad[i]);
		snprintf(needle, sizeof(needle), "rds.backup.repos entry '%s' is not a path: ", bad[i]);
		snprintf(what, sizeof(what), "repos entry '%s'", bad[i]);
		expect_refused(&f, what, needle, "use components", NULL);
	}
	base(&f, "stack_app");
	lab(&f, "rds.backup.repos", "db,../etc");
	expect_refused(&f, "a bad entry after a good one", "entry '../etc'", NULL, NULL);
	lab(&f, "rds.backup.repos", "");
	expect_refused(&f, "empty repos", "rds.backup.repos is empty", NULL, NULL);
	lab(&f, "rds.backup.repos", "a,,b");
	expect_refused(&f, "repos with an empty entry", "rds.backup.repos='a,,b' has an empty entry", NULL, NULL);
	{
		char many[LABELS_REPOS_MAX * 4 + 8];
		size_t o = 0;
		for (int i = 0; i <= LABELS_REPOS_MAX; i++)
			o += (size_t)snprintf(many + o, sizeof(many) - o, "%sr%d", i ? "," : "", i);
		lab(&f, "rds.backup.repos", many);
		expect_refused(&f, "33 entries", "has more than 32 entries", NULL, NULL);
	}
	memset(long_entry, 'e', LABELS_REPO_MAX);
	base(&f, "stack_app_with_a_really_long_service_name_that_is_still_a_fine_docker_name_really");
	lab(&f, "rds.backup.repos", long_entry);
	expect_refused(&f, "name too long", "longer than 255 bytes; use a shorter entry", NULL, NULL);
}

static void test_unknown(void)
{
	static const struct {
		const char *key, *suggestion;
	} typos[] = {
		{ "rds.backup.volume", "rds.backup.volumes" },
		{ "rds.backup.prehook", "rds.backup.pre-hook" },
		{ "rds.backup.post_hook", "rds.backup.post-hook" },
		{ "rds.backup.forget.keep-dialy", "rds.backup.forget.keep-daily" },
		{ "rds.backup.keep-daily", "rds.backup.forget.keep-daily" },
		{ "rds.backup.forget.keep_last", "rds.backup.forget.keep-last" },
		{ "rds.backup.runat", "rds.backup.run-at" },
		{ "rds.backup.excludes", "rds.backup.exclude" },
		{ "rds.backup.Repo", "rds.backup.repo" },
		{ "rds.backup.colour", NULL },
		{ "rds.backup.x", NULL },
		{ "rds.backup.ta", "rds.backup.at" },
		{ "rds.backup.tA", NULL },
		{ "rds.backup.atx", "rds.backup.at" },
		{ "rds.backup.schedule.daily.at.three.in.the.morning.every.day.of.the.week", NULL },
	};
	struct fake f;
	struct jobspecs out;
	struct strvec w;
	const struct jobspec *s;

	reset_defaults();
	base(&f, "stack_db");
	for (size_t i = 0; i < sizeof(typos) / sizeof(typos[0]); i++)
		lab(&f, typos[i].key, "x");
	s = good(&f, &out, &w, "unknown labels");
	CHECK(s != NULL, "unknown labels do not refuse the service");
	CHECK_INT(w.n, sizeof(typos) / sizeof(typos[0]) + 1, "one warning per unknown label (and the NFS volume)");
	for (size_t i = 0; i < sizeof(typos) / sizeof(typos[0]); i++) {
		char want[256];
		snprintf(want, sizeof(want), "service stack_db: label '%s' is not known and is ignored", typos[i].key);
		if (typos[i].suggestion) {
			char sug[128];
			snprintf(sug, sizeof(sug), "; did you mean '%s'?", typos[i].suggestion);
			CHECK(has_warning(&w, want, sug), "'%s' is warned of, suggesting '%s'", typos[i].key,
			      typos[i].suggestion);
		} else {
			int found = 0;
			for (size_t j = 0; j < w.n; j++)
				if (strstr(w.v[j], want))
					found = !strstr(w.v[j], "did you mean");
			CHECK(found, "'%s' is warned of, without a suggestion", typos[i].key);
		}
	}
	for (size_t j = 0; j < w.n; j++)
		CHECK(one_line_utf8(w.v[j]), "warning %zu is one line of UTF-8", j);
	done(&out, &w);

	base(&f, "stack_db");
	lab(&f, "rds.backup.\x1b[31mred", "x");
	run(&f, &out, &w);
	CHECK(has_warning(&w, "label 'rds.backup.\\x1b[31mred'", NULL) && one_line_utf8(w.v[0]),
	      "a key with ESC is shown escaped");
	done(&out, &w);
	/* An unknown label warns even when the service is refused. */
	lab(&f, "rds.backup.repo", "/abs");
	run(&f, &out, &w);
	CHECK(out.n == 1 && out.v[0].error && has_warning(&w, "rds.backup.\\x1b[31mred", NULL),
	      "warnings come with a refusal too");
	done(&out, &w);
	/* Values of unknown labels are not checked (they are not used). */
	base(&f, "stack_db");
	lab(&f, "rds.backup.note", "caf\xe9");
	s = good(&f, &out, &w, "an unknown label with a Latin-1 value");
	done(&out, &w);
}

static void test_service_fields(void)
{
	struct fake f;
	struct jobspecs out;
	struct strvec w;
	const struct jobspec *s;
	static char long_name[JOBSPEC_NAME_MAX + 2];

	reset_defaults();
	base(&f, "stack_db");
	f.svc.container = NULL;
	s = good(&f, &out, &w, "no container");
	CHECK(s && s->container && !*s->container, "container NULL: \"\"");
	done(&out, &w);

	base(&f, "bad\x01name");
	run(&f, &out, &w);
	CHECK(out.n == 1 && out.v[0].error && !strcmp(out.v[0].name, "bad\\x01name") &&
		      strstr(out.v[0].error,
			     "the service name 'bad\\x01name' is not 1 to 255 bytes of printable UTF-8") &&
		      one_line_utf8(out.v[0].name) && one_line_utf8(out.v[0].origin),
	      "a service name with a control character: refused, shown escaped");
	done(&out, &w);
	base(&f, "");
	run(&f, &out, &w);
	CHECK(out.n == 1 && out.v[0].error && !strcmp(out.v[0].name, "(no name)"), "an empty service name: refused");
	done(&out, &w);
	memset(long_name, 'n', JOBSPEC_NAME_MAX + 1);
	base(&f, long_name);
	run(&f, &out, &w);
	CHECK(out.n == 1 && out.v[0].error && strlen(out.v[0].name) <= JOBSPEC_NAME_MAX,
	      "a 256-byte service name: refused, the job's name bounded");
	done(&out, &w);
	base(&f, "stack_db");
	f.svc.container = (char *)"c\n";
	expect_refused(&f, "container with a newline", "the container id 'c\\x0a'", NULL, NULL);
	base(&f, "stack_db");
	defs.host = NULL;
	expect_refused(&f, "no host", "the agent's snapshot host '' is not 1 to 255 bytes", NULL, NULL);
	defs.host = "node\xff";
	expect_refused(&f, "host not UTF-8", "the agent's snapshot host 'node\xef\xbf\xbd'", NULL, NULL);
	reset_defaults();
	base(&f, "stack_db");
	lab(&f, "rds.backup.repo", "caf\xe9");
	expect_refused(&f, "Latin-1 repo", "rds.backup.repo='caf\xef\xbf\xbd' is not valid UTF-8", NULL, NULL);
}

int main(void)
{
	test_defaults();
	test_enable();
	test_schedule();
	test_hooks();
	test_repo();
	test_volumes();
	test_escape();
	test_exclude();
	test_retention();
	test_repos();
	test_unknown();
	test_service_fields();
	return T_DONE();
}
