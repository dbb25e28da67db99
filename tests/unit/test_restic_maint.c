/* Unit tests for the maintenance commands: restic.c's forget, prune and
 * check argv. Run from the repository root. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "restic.h"
#include "retention.h"
#include "t.h"
#include "util.h"

#define BASE_N 7 /* elements of the base argv */

static const struct restic_remote remote = {
	.ssh_host = "srv",
	.ssh_port = 2222,
	.repo_path = "/srv/restic/db",
	.key_file = "/run/rds/ssh_key",
	.known_hosts_file = "/run/secrets/restic-ssh-known-hosts",
	.password_file = "/run/secrets/restic-repo-password",
};

/* The argv after the base one. */
static void check_tail(const struct strvec *sv, const char *const *want, const char *what)
{
	size_t n = 0;

	while (want[n])
		n++;
	CHECK_INT(sv->n, BASE_N + n, "%s: base + %zu elements", what, n);
	for (size_t i = 0; i < n && BASE_N + i < sv->n; i++)
		CHECK_STR(sv->v[BASE_N + i], want[i], "%s: argv[%zu]", what, BASE_N + i);
	CHECK(sv->n == 0 || sv->v[sv->n] == NULL, "%s: NULL-terminated", what);
}

/* ---- argv ---- */

static void test_argv_forget(void)
{
	struct retention p = { .daily = 7, .weekly = 5, .monthly = 12, .yearly = 3 };
	struct restic_remote r = remote;
	struct strvec sv = { 0 };
	char *tags[] = { "rds", "service=db", NULL };
	char *eargs[] = { "--exclude=/backup/cache", NULL };
	const char *want[] = { "forget",
			       "--json",
			       "--host",
			       "db-backup",
			       "--tag",
			       "rds,service=db",
			       "--group-by",
			       "host,paths,tags",
			       "--keep-daily",
			       "7",
			       "--keep-weekly",
			       "5",
			       "--keep-monthly",
			       "12",
			       "--keep-yearly",
			       "3",
			       NULL };
	const char *want_all[] = { "forget",         "--json",   "--host",        "h",
				   "--tag",          "rds",      "--group-by",    "host,paths,tags",
				   "--keep-last",    "3",        "--keep-hourly", "24",
				   "--keep-daily",   "7",        "--keep-weekly", "5",
				   "--keep-monthly", "12",       "--keep-yearly", "3",
				   "--keep-within",  "1y2m7d3h", "--keep-tag",    "keep,monthly",
				   "--dry-run",      NULL };
	char *one_tag[] = { "rds", NULL };

	/* -e values are backup flags: forget never gets them. */
	r.restic_args = eargs;
	CHECK_INT(restic_argv_forget(&sv, &r, "db-backup", tags, &p, 0), 0, "forget builds");
	check_tail(&sv, want, "forget: one --tag with the comma list (AND), grouped, the keep-* rules above 0");
	strvec_free(&sv);

	p.last = 3;
	p.hourly = 24;
	p.within_years = 1;
	p.within_months = 2;
	p.within_days = 7;
	p.within_hours = 3;
	strvec_push(&p.keep_tags, "keep");
	strvec_push(&p.keep_tags, "monthly");
	CHECK_INT(restic_argv_forget(&sv, &remote, "h", one_tag, &p, 1), 0, "forget with every rule builds");
	check_tail(&sv, want_all, "forget: every rule, keep tags as one --keep-tag, --dry-run last");
	strvec_free(&sv);
	retention_free(&p);

	p = (struct retention){ .within_days = 30 };
	CHECK_INT(restic_argv_forget(&sv, &remote, "h", one_tag, &p, 0), 0, "within alone builds");
	CHECK_STR(sv.n == BASE_N + 10 ? sv.v[BASE_N + 9] : NULL, "30d", "--keep-within 30d");
	strvec_free(&sv);
}

static void test_argv_forget_refused(void)
{
	struct retention p = { .daily = 7 }, none = { 0 }, tags_only = { 0 };
	struct restic_remote bad = remote;
	struct strvec sv = { 0 };
	char *tags[] = { "rds", NULL }, *no_tags[] = { NULL }, *comma[] = { "a,b", NULL }, *empty[] = { "", NULL };
	char *ctl[] = { "a\nb", NULL };

	strvec_push(&sv, "keep-me");
	CHECK_INT(restic_argv_forget(&sv, &remote, "h", tags, &none, 0), -EINVAL, "a policy with no rule is refused");
	strvec_push(&tags_only.keep_tags, "keep");
	CHECK_INT(restic_argv_forget(&sv, &remote, "h", tags, &tags_only, 0), -EINVAL, "keep tags alone are refused");
	retention_free(&tags_only);
	CHECK_INT(restic_argv_forget(&sv, &remote, "h", tags, NULL, 0), -EINVAL, "no policy is refused");
	CHECK_INT(restic_argv_forget(&sv, &remote, "h", NULL, &p, 0), -EINVAL,
		  "no tags: refused (not the agent's own)");
	CHECK_INT(restic_argv_forget(&sv, &remote, "h", no_tags, &p, 0), -EINVAL, "an empty tag list is refused");
	CHECK_INT(restic_argv_forget(&sv, &remote, "h", comma, &p, 0), -EINVAL, "a tag with ',' is refused");
	CHECK_INT(restic_argv_forget(&sv, &remote, "h", empty, &p, 0), -EINVAL, "an empty tag is refused");
	CHECK_INT(restic_argv_forget(&sv, &remote, "h", ctl, &p, 0), -EINVAL, "a tag with a newline is refused");
	CHECK_INT(restic_argv_forget(&sv, &remote, "", tags, &p, 0), -EINVAL, "an empty host is refused");
	CHECK_INT(restic_argv_forget(&sv, &remote, NULL, tags, &p, 0), -EINVAL, "no host is refused");
	bad.ssh_port = 0;
	CHECK_INT(restic_argv_forget(&sv, &bad, "h", tags, &p, 0), -EINVAL, "a bad remote is refused");

	p.daily = -1;
	p.weekly = 5;
	CHECK_INT(restic_argv_forget(&sv, &remote, "h", tags, &p, 0), -EINVAL, "a negative count is refused");
	p.daily = RETENTION_COUNT_MAX + 1;
	CHECK_INT(restic_argv_forget(&sv, &remote, "h", tags, &p, 0), -EINVAL, "a count too large is refused");
	p.daily = 7;
	p.within_hours = -2;
	CHECK_INT(restic_argv_forget(&sv, &remote, "h", tags, &p, 0), -EINVAL, "a negative within is refused");
	p.within_hours = 0;
	strvec_push(&p.keep_tags, "x,y");
	CHECK_INT(restic_argv_forget(&sv, &remote, "h", tags, &p, 0), -EINVAL, "a keep tag with ',' is refused");
	retention_free(&p);
	CHECK(sv.n == 1 && strcmp(sv.v[0], "keep-me") == 0 && sv.v[1] == NULL, "refusals leave out as it was");
	strvec_free(&sv);
}

static void test_argv_prune_check(void)
{
	struct restic_remote r = remote;
	struct strvec sv = { 0 };
	char *eargs[] = { "--exclude=/backup/cache", NULL };
	char *pargs[] = { "--max-unused", "10%", NULL }, *cargs[] = { "--read-data-subset", "5%", NULL };
	char *empty[] = { "", NULL }, *ctl[] = { "--max-unused\t10%", NULL };
	char *many[RESTIC_MAX_ARGS + 2];
	const char *want_p[] = { "prune", "--max-unused", "10%", NULL },
		   *want_c[] = { "check", "--read-data-subset", "5%", NULL };
	const char *want_p0[] = { "prune", NULL }, *want_c0[] = { "check", NULL };

	r.restic_args = eargs;
	CHECK_INT(restic_argv_prune(&sv, &r, pargs), 0, "prune builds");
	check_tail(&sv, want_p, "prune: PRUNE_ARGS after the command, no -e values");
	strvec_free(&sv);
	CHECK_INT(restic_argv_check(&sv, &r, cargs), 0, "check builds");
	check_tail(&sv, want_c, "check: CHECK_ARGS after the command, no -e values");
	strvec_free(&sv);
	CHECK_INT(restic_argv_prune(&sv, &remote, NULL), 0, "prune without extra args");
	check_tail(&sv, want_p0, "prune alone");
	strvec_free(&sv);
	CHECK_INT(restic_argv_check(&sv, &remote, NULL), 0, "check without extra args");
	check_tail(&sv, want_c0, "check alone");
	strvec_free(&sv);

	CHECK_INT(restic_argv_prune(&sv, &remote, empty), -EINVAL, "an empty extra word is refused");
	CHECK_INT(restic_argv_check(&sv, &remote, ctl), -EINVAL, "a control character is refused");
	for (size_t i = 0; i <= RESTIC_MAX_ARGS; i++)
		many[i] = "--verbose";
	many[RESTIC_MAX_ARGS + 1] = NULL;
	CHECK_INT(restic_argv_check(&sv, &remote, many), -EINVAL, "more than %d extra words are refused",
		  RESTIC_MAX_ARGS);
	many[RESTIC_MAX_ARGS] = NULL;
	CHECK_INT(restic_argv_check(&sv, &remote, many), 0, "%d extra words are taken", RESTIC_MAX_ARGS);
	strvec_free(&sv);
	r = remote;
	r.password_file = "";
	CHECK_INT(restic_argv_prune(&sv, &r, NULL), -EINVAL, "a bad remote is refused");
	CHECK_INT(sv.n, 0, "refusals leave out empty");
}

int main(void)
{
	test_argv_forget();
	test_argv_forget_refused();
	test_argv_prune_check();
	return T_DONE();
}
