/* Unit tests for the maintenance commands: restic.c's forget, prune and
 * check argv, and restic_maint.c's readers of their output, over every case
 * recorded from real restic 0.14 and 0.18 (tests/data/restic/maint.tsv, see
 * record_maint.sh) and synthetic ones. Run from the repository root. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "restic.h"
#include "restic_maint.h"
#include "restic_out.h"
#include "retention.h"
#include "t.h"
#include "utf8.h"
#include "util.h"

#define DATA "tests/data/restic"
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

/* ---- recorded output ---- */

static char *slurp_case(const char *ver, const char *name, const char *ext, size_t *len)
{
	char path[512], *buf = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), DATA "/%s/%s.%s", ver, name, ext);
	if (read_file_bounded(path, 1 << 22, &buf, &n) < 0)
		buf = NULL;
	if (len)
		*len = buf ? n : 0;
	return buf;
}

/* Of a `snapshots --json` output: how many, and how many have both tags. */
static void count_tagged(const char *text, int *all, int *both)
{
	json_t *a = text ? json_loads(text, 0, NULL) : NULL, *sn;
	size_t i;

	*all = *both = 0;
	json_array_foreach(a, i, sn)
	{
		json_t *tags = json_object_get(sn, "tags"), *t;
		size_t k;
		int rds = 0, svc = 0;
		json_array_foreach(tags, k, t)
		{
			rds |= json_string_value(t) && strcmp(json_string_value(t), "rds") == 0;
			svc |= json_string_value(t) && strcmp(json_string_value(t), "service=db") == 0;
		}
		(*all)++;
		*both += rds && svc;
	}
	json_decref(a);
}

/* The forget cases: groups, kept, removed as record_maint.sh made them
 * (11 snapshots of one path over 10 days, 1 of another path, 1 with an
 * extra tag; --keep-daily 3 keeps 3 of the 11). */
static int forget_want(const char *ver, const char *name, struct restic_forget *w)
{
	static const struct {
		const char *name;
		struct restic_forget f;
	} map[] = {
		{ "forget-dry-run", { 3, 5, 8 } },
		{ "forget", { 3, 5, 8 } },
		{ "forget-nothing", { 3, 5, 0 } },
		{ "forget-no-match", { 0, 0, 0 } },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].name, name) == 0) {
			*w = map[i].f;
			return 1;
		}
	if (strcmp(ver, "0.14") != 0)
		return 0;
	/* 0.14 applies --keep-tag alone and removes every snapshot; it
	 * ignores a policy of zeros and prints nothing. */
	if (strcmp(name, "forget-keep-tag-only") == 0) {
		*w = (struct restic_forget){ 3, 0, 13 };
		return 1;
	}
	if (strcmp(name, "forget-empty-policy") == 0) {
		*w = (struct restic_forget){ 0, 0, 0 };
		return 1;
	}
	return 0;
}

static void test_recorded_forget(const char *ver, const char *name, int code, const char *out, size_t len,
				 const char *err)
{
	struct restic_forget f, w;
	char last[256];

	if (forget_want(ver, name, &w)) {
		CHECK_INT(code, 0, "%s %s: exit 0", ver, name);
		CHECK_INT(restic_parse_forget_json(out, len, &f), 0, "%s %s: forget output read", ver, name);
		CHECK(f.groups == w.groups && f.kept == w.kept && f.removed == w.removed,
		      "%s %s: %ld groups, %ld kept, %ld removed (got %ld, %ld, %ld)", ver, name, w.groups, w.kept,
		      w.removed, f.groups, f.kept, f.removed);
		return;
	}
	/* 0.18 refuses these with a JSON exit_error. */
	CHECK(code != 0 && restic_parse_forget_json(out, len, &f) == 0 && f.groups == 0, "%s %s: exit %d, no groups",
	      ver, name, code);
	restic_last_error(err, last, sizeof(last));
	if (strcmp(name, "forget-keep-tag-only") == 0)
		CHECK(strncmp(last, "refusing to delete last snapshot of snapshot group", 50) == 0, "%s %s: '%s'", ver,
		      name, last);
	else if (strcmp(name, "forget-empty-policy") == 0)
		CHECK_STR(last, "no policy was specified, no snapshots will be removed", "%s %s", ver, name);
	else
		CHECK(restic_classify(code, err) == RESTIC_LOCKED, "%s %s: exit %d is locked", ver, name, code);
}

static void test_recorded_prune(const char *ver, const char *name, int code, const char *out, size_t len,
				const char *err)
{
	struct restic_prune p;
	const char *line = out ? strstr(out, "total prune:") : NULL;
	char shown[32] = "";

	restic_parse_prune(out, len, &p);
	if (strcmp(name, "prune-locked") == 0) {
		CHECK(restic_classify(code, err) == RESTIC_LOCKED, "%s %s: exit %d is locked", ver, name, code);
		CHECK(p.freed_bytes == -1 && p.freed[0] == '\0', "%s %s: freed unknown", ver, name);
		return;
	}
	CHECK_INT(code, 0, "%s %s: exit 0", ver, name);
	if (line)
		sscanf(strchr(line, '/') + 1, " %31[^\n]", shown);
	CHECK_STR(p.freed, shown, "%s %s: freed as restic wrote it", ver, name);
	if (strcmp(name, "prune-nothing") == 0) {
		CHECK(p.freed_bytes == 0 && strcmp(p.freed, "0 B") == 0, "%s %s: nothing freed", ver, name);
	} else {
		double v = atof(p.freed);
		CHECK(strstr(p.freed, " KiB") && p.freed_bytes == (long long)(v * 1024) && p.freed_bytes > 10000,
		      "%s %s: %s is %lld bytes", ver, name, p.freed, p.freed_bytes);
	}
}

static void test_recorded_check(const char *ver, const char *name, int code, const char *err)
{
	char first[1024], last[256];
	int old = strcmp(ver, "0.14") == 0;

	restic_check_error(err, first, sizeof(first));
	restic_last_error(err, last, sizeof(last));
	CHECK(utf8_valid(first, strlen(first)) && !strchr(first, '\n'), "%s %s: one line of UTF-8", ver, name);
	if (strcmp(name, "check") == 0 || strcmp(name, "check-read-data") == 0 ||
	    strcmp(name, "check-corrupt-noread") == 0) {
		CHECK(code == 0 && first[0] == '\0', "%s %s: exit 0, no error line", ver, name);
	} else if (strcmp(name, "check-locked") == 0) {
		CHECK(restic_classify(code, err) == RESTIC_LOCKED, "%s %s: exit %d is locked", ver, name, code);
		CHECK(strncmp(first, "unable to create lock in backend: repository is already locked exclusively",
			      74) == 0,
		      "%s %s: '%s'", ver, name, first);
	} else {
		/* check-corrupt, check-corrupt-subset */
		CHECK(code == 1 && restic_classify(code, err) == RESTIC_FAILED, "%s %s: exit 1, failed", ver, name);
		if (old)
			CHECK(strncmp(first, "Pack ID does not match, want ", 29) == 0, "%s %s: '%s'", ver, name,
			      first);
		else
			CHECK(strncmp(first, "pack ", 5) == 0 && strstr(first, " contains ") &&
				      strstr(first, "ciphertext verification failed"),
			      "%s %s: '%.120s...'", ver, name, first);
		CHECK_STR(last, "repository contains errors", "%s %s: the last error is only the summary", ver, name);
	}
}

static void test_recorded(void)
{
	char *index = slurp_case(".", "maint", "tsv", NULL), *line, *save = NULL;
	int rows = 0, per[2] = { 0, 0 };

	CHECK(index != NULL, "maint.tsv present");
	for (line = index ? strtok_r(index, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		char ver[16], name[64];
		int code, all, both;
		size_t len;
		char *out, *err;

		if (sscanf(line, "%15s %63s %d", ver, name, &code) != 3)
			continue;
		rows++;
		per[strcmp(ver, "0.14") != 0]++;
		out = slurp_case(ver, name, "stdout", &len);
		err = slurp_case(ver, name, "stderr", NULL);
		if (strncmp(name, "tag-", 4) == 0) {
			/* The evidence for restic_argv_forget's --tag form. */
			count_tagged(out, &all, &both);
			if (strcmp(name, "tag-and") == 0)
				CHECK(code == 0 && all == 13 && both == 13,
				      "%s --tag rds,service=db: only the 13 snapshots with both tags (%d, %d)", ver,
				      all, both);
			else
				CHECK(code == 0 && all == 15 && both == 13,
				      "%s --tag rds --tag service=db: 15 with either tag (%d, %d)", ver, all, both);
		} else if (strncmp(name, "forget", 6) == 0) {
			test_recorded_forget(ver, name, code, out, len, err);
		} else if (strncmp(name, "prune", 5) == 0) {
			test_recorded_prune(ver, name, code, out, len, err);
		} else if (strncmp(name, "check", 5) == 0) {
			test_recorded_check(ver, name, code, err);
		} else {
			CHECK(0, "%s %s: a case without a test", ver, name);
		}
		free(out);
		free(err);
	}
	CHECK(rows == 36 && per[0] == 18 && per[1] == 18, "18 cases for each version (%d, %d)", per[0], per[1]);
	free(index);
}

/* ---- the forget scanner ---- */

static void test_forget_pieces(void)
{
	struct restic_forget whole, f;
	size_t len;
	char *out = slurp_case("0.18", "forget", "stdout", &len);
	int bad = 0;

	if (!out) {
		CHECK(0, "0.18 forget.stdout present");
		return;
	}
	CHECK_INT(restic_parse_forget_json(out, len, &whole), 0, "0.18 forget read whole");
	/* child.c cuts a long line in pieces; the agent joins them with '\n'. */
	for (size_t piece = 1; piece < len && !bad; piece += piece < 64 ? 1 : 97) {
		struct restic_forget_scan s;
		restic_forget_scan_init(&s);
		for (size_t off = 0; off < len; off += piece) {
			restic_forget_scan_feed(&s, out + off, off + piece < len ? piece : len - off);
			restic_forget_scan_feed(&s, "\n", 1);
		}
		if (restic_forget_scan_finish(&s, &f) != 0 || f.groups != whole.groups || f.kept != whole.kept ||
		    f.removed != whole.removed) {
			CHECK(0, "pieces of %zu bytes joined by newlines count the same", piece);
			bad = 1;
		}
	}
	CHECK(!bad, "pieces of any size, joined by newlines, count the same");

	/* Cut short anywhere, or its head lost (a kept tail): never a count.
	 * Only what ends after the last ']' is whole; only what starts after
	 * it is empty. Every cut near the ends, every 13th in between. */
	size_t end = len;
	while (end && out[end - 1] != ']')
		end--;
	for (size_t cut = 1; cut < len && !bad; cut += cut < 512 || cut + 512 > len ? 1 : 13) {
		int head = restic_parse_forget_json(out, cut, &f),
		    tail = restic_parse_forget_json(out + cut, len - cut, &f);
		if (head != (cut >= end ? 0 : -ENOENT) || tail != (cut >= end ? 0 : -ENOENT)) {
			CHECK(0, "cut at %zu: head %d, tail %d", cut, head, tail);
			bad = 1;
		}
	}
	CHECK(!bad, "no head and no tail of it reads as complete output (%zu bytes)", len);
	CHECK(restic_parse_forget_json(out, len / 2, &f) == -ENOENT && f.groups == 0 && f.kept == 0 && f.removed == 0,
	      "a refused output leaves zeros");
	free(out);
}

static void forget_case(const char *text, int rc, long groups, long kept, long removed, const char *what)
{
	struct restic_forget f;
	int got = restic_parse_forget_json(text, strlen(text), &f);

	CHECK(got == rc && f.groups == groups && f.kept == kept && f.removed == removed,
	      "%s: rc %d, %ld/%ld/%ld (got %d, %ld/%ld/%ld)", what, rc, groups, kept, removed, got, f.groups, f.kept,
	      f.removed);
}

static void test_forget_synthetic(void)
{
	char deep[200];
	struct restic_forget f;

	forget_case("", 0, 0, 0, 0, "empty output: no snapshot matched");
	forget_case(" \n\t\n", 0, 0, 0, 0, "white space only");
	forget_case("[]\n", 0, 0, 0, 0, "an empty array");
	forget_case("[{\"keep\":null,\"remove\":null}]", 0, 1, 0, 0, "nulls count 0");
	forget_case("[{\"tags\":[\"a\"],\"keep\":[{\"id\":\"1\"},{\"id\":\"2\"}],\"remove\":[{\"id\":\"3\"}],"
		    "\"reasons\":[{\"snapshot\":{\"keep\":[1]},\"matches\":[\"daily snapshot\"]}]},"
		    "{\"keep\":[{}],\"remove\":null}]",
		    0, 2, 3, 1, "two groups; \"keep\" inside a reason is not a group's");
	forget_case("[0:00] 100.00%  3 / 3 files deleted\n"
		    "[{\"keep\":[{}],\"remove\":[{},{}]}]\n",
		    0, 1, 1, 2, "a progress line before the array");
	forget_case("note [{\"keep\":[{}],\"remove\":[]}]", -ENOENT, 0, 0, 0, "an array that does not start a line");
	forget_case("[{\"host\":\"a\\\"]},{\\\\\",\"keep\":[\"x\\\\\"],\"remove\":[]}]", 0, 1, 1, 0,
		    "brackets and escapes inside strings");
	forget_case("[{\"host\":\"a\\\n\"\",\"keep\":[],\"remove\":[]}]", 0, 1, 0, 0,
		    "a cut (newline) right after a backslash");
	forget_case("[{\"ke\\u0065p\":[{}],\"remove\":[]}]", -ENOENT, 0, 0, 0, "an escaped key is not \"keep\"");
	forget_case("[{\"keep\":[{}]}]", -ENOENT, 0, 0, 0, "a group without \"remove\"");
	forget_case("[{\"time\":\"x\",\"paths\":[\"/\"]}]", -ENOENT, 0, 0, 0, "snapshots output is not forget output");
	forget_case("[{\"keep\":[{}],\"remove\":[]]]", -ENOENT, 0, 0, 0, "a mismatched bracket");
	forget_case("[\"a\"]", -ENOENT, 0, 0, 0, "a group that is not an object");
	forget_case("[{\"keep\":[{}],\"remove\":[]}", -ENOENT, 0, 0, 0, "cut before the end");
	forget_case("Fatal: something\n", -ENOENT, 0, 0, 0, "text only");
	forget_case("[{\"keep\":[],\"remove\":[]}] trailing [{}", 0, 1, 0, 0, "what follows the array is not read");

	memset(deep, 0, sizeof(deep));
	strcpy(deep, "[{\"keep\":[");
	for (int i = 0; i < 40; i++)
		strcat(deep, "[");
	CHECK_INT(restic_parse_forget_json(deep, strlen(deep), &f), -ENOENT, "nesting past %d is refused",
		  RESTIC_FORGET_DEPTH);
	CHECK_INT(restic_parse_forget_json(NULL, 0, &f), 0, "NULL output is empty output");
}

/* ---- prune and check, synthetic ---- */

static void prune_case(const char *text, long long bytes, const char *shown, const char *what)
{
	struct restic_prune p;

	restic_parse_prune(text, text ? strlen(text) : 0, &p);
	CHECK(p.freed_bytes == bytes && strcmp(p.freed, shown) == 0, "%s: %lld '%s' (got %lld '%s')", what, bytes,
	      shown, p.freed_bytes, p.freed);
}

static void test_prune_synthetic(void)
{
	prune_case("total prune:          74 blobs / 1.072 MiB\n", 1124073, "1.072 MiB", "MiB");
	prune_case("to delete: 7 blobs / 25.726 KiB\r\ntotal prune:   2 blobs / 488 B\r\n", 488, "488 B",
		   "bytes, CRLF");
	prune_case("total prune: 1 blobs / 2.5 GiB", 2684354560LL, "2.5 GiB", "one decimal, no newline");
	prune_case("total prune: 1 blobs / 3.000 TiB\n", 3298534883328LL, "3.000 TiB", "TiB");
	prune_case("total prune: 1 blobs / 1.5 B\n", -1, "", "bytes have no fraction");
	prune_case("total prune: 1 blobs / 1.5 XB\n", -1, "", "an unknown unit");
	prune_case("total prune: 1 blobs / 12345678 TiB\n", -1, "", "too many digits");
	prune_case("total prune: 1 blobs / 1.5MiB\n", -1, "", "no space before the unit");
	prune_case("total prune: 1 blobs\n", -1, "", "no size");
	prune_case("  total prune: 1 blobs / 1 B\n", -1, "", "indented: not the line");
	prune_case("done\n", -1, "", "no such line");
	prune_case("", -1, "", "empty");
	prune_case(NULL, -1, "", "NULL");
}

static void test_check_synthetic(void)
{
	char buf[256], small[8], big[2000];

	restic_check_error("error for tree 1234abcd:\n  tree 1234abcd: file \"x\" blob 0 size could not be found\n"
			   "Fatal: repository contains errors\n",
			   buf, sizeof(buf));
	CHECK_STR(buf, "error for tree 1234abcd: tree 1234abcd: file \"x\" blob 0 size could not be found",
		  "a heading ending in ':' gets its indented detail");
	restic_check_error("Load(<lock/39ebc0c026>, 0, 0) returned error, retrying after 5.6s: file does not exist\n"
			   "Fatal: unable to open config file: Lstat: file does not exist\n"
			   "Is there a repository at the following location?\nsftp:restic@srv:/db\n",
			   buf, sizeof(buf));
	CHECK_STR(buf, "unable to open config file: Lstat: file does not exist",
		  "only a Fatal line: restic_last_error's choice");
	restic_check_error("", buf, sizeof(buf));
	CHECK_STR(buf, "", "empty stderr");
	restic_check_error(NULL, buf, sizeof(buf));
	CHECK_STR(buf, "", "NULL stderr");
	restic_check_error("\x1b[2Kpack 1: damaged \xff\x01\n", buf, sizeof(buf));
	CHECK_STR(buf, "pack 1: damaged " UTF8_REPLACEMENT "?", "escapes dropped, bad bytes replaced");
	restic_check_error("pack \xc3\xa9\xc3\xa9\xc3\xa9\n", small, sizeof(small));
	CHECK(utf8_valid(small, strlen(small)) && strlen(small) < sizeof(small), "cut between characters: '%s'", small);
	memset(big, 'x', sizeof(big) - 3);
	strcpy(big + sizeof(big) - 3, ":\n");
	restic_check_error(big, buf, sizeof(buf));
	CHECK(strlen(buf) == sizeof(buf) - 1, "a long line fills the buffer");
	restic_check_error("x", buf, 0);
	CHECK(1, "len 0 is safe");
}

int main(void)
{
	test_argv_forget();
	test_argv_forget_refused();
	test_argv_prune_check();
	test_recorded();
	test_forget_pieces();
	test_forget_synthetic();
	test_prune_synthetic();
	test_check_synthetic();
	return T_DONE();
}
