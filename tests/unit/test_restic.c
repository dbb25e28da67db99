/* Unit tests for src/agent/restic.c: argv shapes (and how restic 0.14/0.18 will
 * read the sftp.command back), backup --json summaries, exit classification,
 * last-error lines and ssh hints, on outputs recorded from real runs in
 * tests/data/restic (see record.sh there). Run from the repository root. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "restic.h"
#include "restic_out.h"
#include "resticver.h"
#include "t.h"
#include "utf8.h"
#include "util.h"

#define DATA "tests/data/restic"

/* ---- argv ---- */

static const struct restic_remote base_remote = {
	.ssh_host = "srv",
	.ssh_port = 2222,
	.repo_path = "/srv/restic/db",
	.key_file = "/run/rds/ssh_key",
	.known_hosts_file = "/run/secrets/restic-ssh-known-hosts",
	.password_file = "/run/secrets/restic-repo-password",
};

#define SSH_TAIL "-o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes"
/* The defaults after the user's options (RESTIC_SSH_DEFAULTS). */
#define SSH_DEFS " -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -o ConnectTimeout=30"

static void check_argv(const struct strvec *sv, const char *const *want, const char *what)
{
	size_t n = 0;

	while (want[n])
		n++;
	CHECK_INT(sv->n, n, "%s: %zu elements", what, n);
	for (size_t i = 0; i < n && i < sv->n; i++)
		CHECK_STR(sv->v[i], want[i], "%s: argv[%zu]", what, i);
	CHECK(sv->n == 0 || sv->v[sv->n] == NULL, "%s: NULL-terminated", what);
}

static void test_argv_default(void)
{
	struct strvec sv = { 0 };
	const char *want[] = { "restic",
			       "-r",
			       "sftp:restic@srv:/srv/restic/db",
			       "-o",
			       "sftp.command=ssh restic@srv -p 2222 -i /run/rds/ssh_key "
			       "-o UserKnownHostsFile=/run/secrets/restic-ssh-known-hosts " SSH_TAIL SSH_DEFS " -s sftp",
			       "--password-file",
			       "/run/secrets/restic-repo-password",
			       NULL };

	CHECK_INT(restic_argv_base(&sv, &base_remote), 0, "base argv builds");
	check_argv(&sv, want, "default");
	strvec_free(&sv);
}

static void test_argv_user_at_host(void)
{
	struct restic_remote r = base_remote;
	struct strvec sv = { 0 };

	r.ssh_user = "restic";
	r.ssh_host = "backup@nas.example.org";
	r.repo_path = "db";
	CHECK_INT(restic_argv_base(&sv, &r), 0, "user@host builds");
	CHECK_STR(sv.n > 2 ? sv.v[2] : NULL, "sftp:backup@nas.example.org:db",
		  "the user in SSH_HOST wins; relative REPO_PATH stays relative");
	CHECK_STR(sv.n > 4 ? sv.v[4] : NULL,
		  "sftp.command=ssh backup@nas.example.org -p 2222 -i /run/rds/ssh_key "
		  "-o UserKnownHostsFile=/run/secrets/restic-ssh-known-hosts " SSH_TAIL SSH_DEFS " -s sftp",
		  "ssh gets the same user");
	strvec_free(&sv);
}

static void test_argv_extras(void)
{
	struct restic_remote r = base_remote;
	struct strvec sv = { 0 };
	char *opts[] = { "ConnectTimeout=10", "ServerAliveInterval=30", NULL };
	char *args[] = { "--verbose", "--limit-upload", "1000", NULL };
	const char *want[] = { "/usr/bin/restic",
			       "-r",
			       "sftp:restic@srv:/srv/restic/db",
			       "-o",
			       "sftp.command=ssh restic@srv -p 22 -E /run/rds/ssh.log -i /run/rds/ssh_key "
			       "-o UserKnownHostsFile=/run/secrets/restic-ssh-known-hosts " SSH_TAIL
			       " -o ConnectTimeout=10 -o ServerAliveInterval=30 -o ServerAliveCountMax=4 -s sftp",
			       "--password-file",
			       "/run/secrets/restic-repo-password",
			       NULL };

	r.restic_bin = "/usr/bin/restic";
	r.ssh_port = 22;
	r.ssh_options = opts;
	r.restic_args = args;
	r.ssh_log_file = "/run/rds/ssh.log";
	CHECK_INT(restic_argv_base(&sv, &r), 0, "extras build");
	check_argv(&sv, want, "extras (restic_args are not in the base argv)");
	strvec_free(&sv);
}

/* -e/--restic-arg values are backup flags: only `restic backup` gets them,
 * after its own flags and before PATH; init and unlock (which would refuse
 * --exclude as an unknown flag) get none. */
static void test_argv_restic_args(void)
{
	struct restic_remote r = base_remote;
	struct strvec sv = { 0 };
	char *args[] = { "--exclude=/backup/cache", "--limit-upload", "1000", NULL };
	char *tags[] = { "rds", NULL };
	const char *want[] = { "backup",         "--json", "--host",  "h", "--tag", "rds", "--exclude=/backup/cache",
			       "--limit-upload", "1000",   "/backup", NULL };
	size_t i;

	r.restic_args = args;
	CHECK_INT(restic_argv_backup(&sv, &r, "h", tags, "/backup"), 0, "backup with restic_args builds");
	CHECK_INT(sv.n, 7 + 10, "backup: base + 6 + 3 restic_args + PATH");
	for (i = 0; want[i] && 7 + i < sv.n; i++)
		CHECK_STR(sv.v[7 + i], want[i], "backup with restic_args: argv[%zu]", 7 + i);
	for (i = 0; i < 7 && i < sv.n; i++)
		CHECK(strcmp(sv.v[i], "--exclude=/backup/cache") != 0, "no restic_arg before the subcommand: [%zu]", i);
	strvec_free(&sv);

	CHECK_INT(restic_argv_init(&sv, &r), 0, "init with restic_args set builds");
	CHECK_INT(sv.n, 8, "init: base + init, no restic_args");
	CHECK_STR(sv.n == 8 ? sv.v[7] : NULL, "init", "init is last");
	strvec_free(&sv);
	CHECK_INT(restic_argv_unlock(&sv, &r, 0), 0, "unlock with restic_args set builds");
	CHECK_INT(sv.n, 8, "unlock: base + unlock, no restic_args");
	strvec_free(&sv);
	CHECK_INT(restic_argv_unlock(&sv, &r, 1), 0, "unlock --remove-all with restic_args set builds");
	CHECK_INT(sv.n, 9, "unlock --remove-all: no restic_args");
	strvec_free(&sv);
	CHECK_INT(restic_argv_base(&sv, &r), 0, "base with restic_args set builds");
	CHECK_INT(sv.n, 7, "base (runrestic's defaults): no restic_args");
	strvec_free(&sv);
}

static void test_argv_quoting(void)
{
	struct restic_remote r = base_remote;
	struct strvec sv = { 0 };

	/* Spaces: single quotes for restic, double quotes inside for ssh's
	 * own parsing of the -o value; the '"' then makes the -o value a
	 * quoted CSV field with doubled quotes. */
	r.key_file = "/run/my keys/id key";
	r.known_hosts_file = "/run/my keys/known hosts";
	r.repo_path = "/srv/backups/my db";
	CHECK_INT(restic_argv_base(&sv, &r), 0, "paths with spaces build");
	CHECK_STR(sv.n > 2 ? sv.v[2] : NULL, "sftp:restic@srv:/srv/backups/my db",
		  "repository path with a space is one argv element, unquoted");
	CHECK_STR(sv.n > 4 ? sv.v[4] : NULL,
		  "\"sftp.command=ssh restic@srv -p 2222 -i '/run/my keys/id key' "
		  "-o 'UserKnownHostsFile=\"\"/run/my keys/known hosts\"\"' " SSH_TAIL SSH_DEFS " -s sftp\"",
		  "spaces quoted for restic's splitter, ssh and the CSV flag parser");
	strvec_free(&sv);

	/* A single quote in the key path: double quotes for restic. */
	r = base_remote;
	r.key_file = "/run/o'brien/key";
	CHECK_INT(restic_argv_base(&sv, &r), 0, "a key path with ' builds");
	CHECK_STR(sv.n > 4 ? sv.v[4] : NULL,
		  "\"sftp.command=ssh restic@srv -p 2222 -i \"\"/run/o'brien/key\"\" "
		  "-o UserKnownHostsFile=/run/secrets/restic-ssh-known-hosts " SSH_TAIL SSH_DEFS " -s sftp\"",
		  "' in a path: double-quoted word, CSV-escaped");
	strvec_free(&sv);

	/* A comma would split the -o value into two options. */
	r = base_remote;
	r.key_file = "/run/a,b/key";
	CHECK_INT(restic_argv_base(&sv, &r), 0, "a key path with , builds");
	CHECK_STR(sv.n > 4 ? sv.v[4] : NULL,
		  "\"sftp.command=ssh restic@srv -p 2222 -i /run/a,b/key "
		  "-o UserKnownHostsFile=/run/secrets/restic-ssh-known-hosts " SSH_TAIL SSH_DEFS " -s sftp\"",
		  "',' in a path: the whole -o value is a quoted CSV field");
	strvec_free(&sv);

	/* Non-ASCII (Go's IsSpace knows U+00A0) is quoted. */
	r = base_remote;
	r.key_file = "/run/cl\xc3\xa9/key";
	CHECK_INT(restic_argv_base(&sv, &r), 0, "UTF-8 key path builds");
	CHECK(sv.n > 4 && strstr(sv.v[4], "-i '/run/cl\xc3\xa9/key'"), "non-ASCII word quoted");
	strvec_free(&sv);
}

static void test_argv_ipv6(void)
{
	struct restic_remote r = base_remote;
	struct strvec sv = { 0 };

	r.ssh_host = "fd00::10";
	r.repo_path = "/srv/my db";
	CHECK_INT(restic_argv_base(&sv, &r), 0, "IPv6 host builds");
	CHECK_STR(sv.n > 2 ? sv.v[2] : NULL, "sftp://restic@[fd00::10]//srv/my%20db",
		  "IPv6: URL form, absolute path after //, escaped");
	CHECK(sv.n > 4 && strncmp(sv.v[4], "sftp.command=ssh restic@fd00::10 -p 2222 ", 41) == 0,
	      "IPv6: ssh gets the bare address");
	strvec_free(&sv);
	r.repo_path = "db";
	CHECK_INT(restic_argv_base(&sv, &r), 0, "IPv6 relative builds");
	CHECK_STR(sv.n > 2 ? sv.v[2] : NULL, "sftp://restic@[fd00::10]/db", "IPv6: relative path");
	strvec_free(&sv);
}

/* Each case: a change to base_remote that must be refused, and a word that
 * the error message must contain. */
static void test_argv_refused(void)
{
	struct {
		const char *what, *host, *key, *kh, *repo, *pw, *in_msg;
		int port;
	} cases[] = {
		{ "empty host", "", NULL, NULL, NULL, NULL, "SSH_HOST", 0 },
		{ "host as an ssh option", "-oProxyCommand=sh", NULL, NULL, NULL, NULL, "SSH_HOST", 0 },
		{ "host with a space", "a b", NULL, NULL, NULL, NULL, "SSH_HOST", 0 },
		{ "user with a space", "a b@srv", NULL, NULL, NULL, NULL, "user", 0 },
		{ "empty user", "@srv", NULL, NULL, NULL, NULL, "user", 0 },
		{ "port 0", NULL, NULL, NULL, NULL, NULL, "SSH_PORT", -1 },
		{ "port 70000", NULL, NULL, NULL, NULL, NULL, "SSH_PORT", 70000 },
		{ "relative key", NULL, "key", NULL, NULL, NULL, "SSH_PRIVKEY_FILE", 0 },
		{ "key with %", NULL, "/run/%h/key", NULL, NULL, NULL, "SSH_PRIVKEY_FILE", 0 },
		{ "key with ${}", NULL, "/run/${HOME}/key", NULL, NULL, NULL, "SSH_PRIVKEY_FILE", 0 },
		{ "key with \\", NULL, "/run/a\\b", NULL, NULL, NULL, "SSH_PRIVKEY_FILE", 0 },
		{ "key with both quotes", NULL, "/run/'\"", NULL, NULL, NULL, "SSH_PRIVKEY_FILE", 0 },
		{ "known_hosts with \"", NULL, NULL, "/run/a\"b", NULL, NULL, "SSH_KNOWN_HOSTS_FILE", 0 },
		{ "known_hosts with '", NULL, NULL, "/run/o'b", NULL, NULL, "SSH_KNOWN_HOSTS_FILE", 0 },
		{ "known_hosts with newline", NULL, NULL, "/run/a\nb", NULL, NULL, "SSH_KNOWN_HOSTS_FILE", 0 },
		{ "empty repo", NULL, NULL, NULL, "", NULL, "REPO_PATH", 0 },
		{ "repo with ~", NULL, NULL, NULL, "~/db", NULL, "REPO_PATH", 0 },
		{ "repo with a tab", NULL, NULL, NULL, "a\tb", NULL, "REPO_PATH", 0 },
		{ "empty password file", NULL, NULL, NULL, NULL, "", "RESTIC_REPO_PASSWORD_FILE", 0 },
		{ "invalid UTF-8 key", NULL, "/run/\xff/key", NULL, NULL, NULL, "SSH_PRIVKEY_FILE", 0 },
		{ "UTF-16 surrogate in key", NULL, "/run/\xed\xa0\x80/key", NULL, NULL, NULL, "SSH_PRIVKEY_FILE", 0 },
		{ "cut UTF-8 in key", NULL, "/run/\xc3", NULL, NULL, NULL, "SSH_PRIVKEY_FILE", 0 },
	};
	struct strvec sv = { 0 };
	char err[256];

	CHECK_INT(strvec_push(&sv, "keep"), 0, "prefill");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct restic_remote r = base_remote;
		if (cases[i].host)
			r.ssh_host = cases[i].host;
		if (cases[i].key)
			r.key_file = cases[i].key;
		if (cases[i].kh)
			r.known_hosts_file = cases[i].kh;
		if (cases[i].repo)
			r.repo_path = cases[i].repo;
		if (cases[i].pw)
			r.password_file = cases[i].pw;
		if (cases[i].port)
			r.ssh_port = cases[i].port < 0 ? 0 : cases[i].port;
		CHECK_INT(restic_argv_base(&sv, &r), -EINVAL, "refused: %s", cases[i].what);
		CHECK_INT(sv.n, 1, "refused: %s: out unchanged", cases[i].what);
		err[0] = '\0';
		CHECK_INT(restic_remote_check(&r, err, sizeof(err)), -EINVAL, "check refuses: %s", cases[i].what);
		CHECK(strstr(err, cases[i].in_msg) != NULL, "message for %s names %s: %s", cases[i].what,
		      cases[i].in_msg, err);
	}
	{
		char *opts[RESTIC_MAX_SSH_OPTS + 2];
		struct restic_remote r = base_remote;
		for (int i = 0; i < RESTIC_MAX_SSH_OPTS + 1; i++)
			opts[i] = "ConnectTimeout=5";
		opts[RESTIC_MAX_SSH_OPTS + 1] = NULL;
		r.ssh_options = opts;
		CHECK_INT(restic_argv_base(&sv, &r), -EINVAL, "refused: too many ssh options");
		opts[0] = "-oProxyCommand=x";
		opts[1] = NULL;
		CHECK_INT(restic_argv_base(&sv, &r), -EINVAL, "refused: ssh option not Name=value");
		opts[0] = "ProxyCommand=a\\b";
		CHECK_INT(restic_remote_check(&r, err, sizeof(err)), -EINVAL, "refused: ssh option with a backslash");
		CHECK(strstr(err, "ssh option #1") != NULL, "message names the option: %s", err);
	}
	CHECK_INT(restic_remote_check(&base_remote, err, sizeof(err)), 0, "check accepts the default");
	CHECK_INT(sv.n, 1, "out still holds only its first element");
	strvec_free(&sv);
}

static void test_argv_commands(void)
{
	struct strvec sv = { 0 };
	char *tags[] = { "rds", "stack_db", NULL };
	char *bad_tags[] = { "a,b", NULL };
	const char *want[] = { "backup", "--json", "--host",   "db-backup", "--tag",
			       "rds",    "--tag",  "stack_db", "/backup",   NULL };

	CHECK_INT(restic_argv_backup(&sv, &base_remote, "db-backup", tags, "/backup"), 0, "backup builds");
	CHECK(sv.n == 7 + 9, "backup: base + 9 elements");
	for (size_t i = 0; want[i] && 7 + i < sv.n; i++)
		CHECK_STR(sv.v[7 + i], want[i], "backup argv[%zu]", 7 + i);
	strvec_free(&sv);

	CHECK_INT(restic_argv_backup(&sv, &base_remote, "db-backup", NULL, "/backup"), 0, "backup without tags");
	CHECK_INT(sv.n, 7 + 5, "backup without tags: base + 5");
	strvec_free(&sv);
	CHECK_INT(restic_argv_backup(&sv, &base_remote, "h", bad_tags, "/backup"), -EINVAL,
		  "a tag with ',' is refused (restic would split it)");
	CHECK_INT(restic_argv_backup(&sv, &base_remote, "h", NULL, "backup"), -EINVAL, "relative path refused");
	CHECK_INT(restic_argv_backup(&sv, &base_remote, "h", NULL, "-x"), -EINVAL, "path like a flag refused");
	CHECK_INT(restic_argv_backup(&sv, &base_remote, "", NULL, "/backup"), -EINVAL, "empty host refused");
	{
		char *two[] = { "/v/a/_data", "/v/b/_data", NULL }, *rel[] = { "/v/a/_data", "b", NULL },
		     *none[] = { NULL };
		CHECK_INT(restic_argv_backup_paths(&sv, &base_remote, "h", NULL, rel), -EINVAL,
			  "several paths: a relative one refused");
		CHECK_INT(restic_argv_backup_paths(&sv, &base_remote, "h", NULL, none), -EINVAL, "no path refused");
		CHECK_INT(sv.n, 0, "refusals leave out empty");
		CHECK_INT(restic_argv_backup_paths(&sv, &base_remote, "h", NULL, two), 0, "two paths build");
		CHECK(sv.n > 2 && !strcmp(sv.v[sv.n - 2], "/v/a/_data") && !strcmp(sv.v[sv.n - 1], "/v/b/_data"),
		      "both paths come last, in order");
		strvec_free(&sv);
	}
	CHECK_INT(sv.n, 0, "refusals leave out empty");

	CHECK_INT(restic_argv_init(&sv, &base_remote), 0, "init builds");
	CHECK_STR(sv.n == 8 ? sv.v[7] : NULL, "init", "init: base + init");
	strvec_free(&sv);
	CHECK_INT(restic_argv_unlock(&sv, &base_remote, 0), 0, "unlock builds");
	CHECK_STR(sv.n == 8 ? sv.v[7] : NULL, "unlock", "unlock: stale locks only by default");
	strvec_free(&sv);
	CHECK_INT(restic_argv_unlock(&sv, &base_remote, 1), 0, "unlock --remove-all builds");
	CHECK_STR(sv.n == 9 ? sv.v[8] : NULL, "--remove-all", "unlock --remove-all");
	strvec_free(&sv);
}

/* The keep-alive defaults bound a dead connection; the user's own value of
 * one (any case, as ssh compares names) replaces it, never duplicated. */
static void test_argv_ssh_defaults(void)
{
	struct restic_remote r = base_remote;
	struct strvec sv = { 0 };
	char *opts[] = { "serveraliveinterval=5", "ServerAliveCountMaxX=1", NULL };

	r.ssh_options = opts;
	CHECK_INT(restic_argv_base(&sv, &r), 0, "builds with user keep-alive");
	CHECK_STR(sv.n > 4 ? sv.v[4] : NULL,
		  "sftp.command=ssh restic@srv -p 2222 -i /run/rds/ssh_key "
		  "-o UserKnownHostsFile=/run/secrets/restic-ssh-known-hosts " SSH_TAIL
		  " -o serveraliveinterval=5 -o ServerAliveCountMaxX=1 -o ServerAliveCountMax=4 -o ConnectTimeout=30"
		  " -s sftp",
		  "the user's ServerAliveInterval replaces the default; a longer name is another option");
	strvec_free(&sv);
}

/* ---- how restic reads sftp.command back ----
 * Ports of restic's code, to prove the quoting above means what we want:
 * pflag reads -o values as one CSV record; restic 0.14-0.18 split words with
 * quotes ending words and '\' as a separator (shellSplitter); later versions
 * treat '\' as an escape and join quoted parts. Our quoting must mean the
 * same to both. */

#define MAXW 32
#define WLEN 512

/* One CSV record that must hold exactly one field. */
static int csv_one_field(const char *s, char *out, size_t len)
{
	size_t o = 0;

	if (*s != '"') {
		if (strchr(s, '"') || strchr(s, ','))
			return -1; /* bare quote, or a second field */
		snprintf(out, len, "%s", s);
		return 0;
	}
	for (s++; *s; s++) {
		if (*s == '"') {
			if (s[1] != '"')
				break;
			s++;
		}
		if (o + 1 >= len)
			return -1;
		out[o++] = *s;
	}
	out[o] = '\0';
	return (*s == '"' && s[1] == '\0') ? 0 : -1;
}

/* restic 0.14 to 0.18 (shellSplitter). */
static int split_old(const char *s, char w[MAXW][WLEN])
{
	int n = 0, start = -1;
	char quote = 0, last = 0;

	for (int i = 0;; i++) {
		char c = s[i];
		int split;
		if (!c) {
			if (start >= 0 && n < MAXW)
				snprintf(w[n++], WLEN, "%.*s", i - start, s + start);
			break;
		}
		split = 0;
		if (last != '\\' && quote && c == quote) {
			quote = 0;
			split = 1;
		} else if (last != '\\' && !quote && (c == '"' || c == '\'')) {
			quote = c;
			split = 1;
		} else {
			last = c;
			split = !quote && (c == '\\' || c == ' ' || c == '\t');
		}
		if (split) {
			if (start >= 0 && n < MAXW)
				snprintf(w[n++], WLEN, "%.*s", i - start, s + start);
			start = -1;
		} else if (start < 0) {
			start = i;
		}
	}
	return quote ? -1 : n;
}

/* Later restic: '\' escapes, quoted parts join the word around them. */
static int split_new(const char *s, char w[MAXW][WLEN])
{
	int n = 0, in = 0, esc = 0;
	size_t o = 0;
	char quote = 0, cur[WLEN];

	for (; *s; s++) {
		char c = *s;
		if (esc) {
			esc = 0;
			in = 1;
			cur[o++] = c;
		} else if (c == '\\') {
			esc = in = 1;
		} else if (quote && c == quote) {
			quote = 0;
		} else if (!quote && (c == '"' || c == '\'')) {
			quote = c;
			in = 1;
		} else if (quote || !(c == ' ' || c == '\t')) {
			in = 1;
			cur[o++] = c;
		} else if (in) {
			cur[o] = '\0';
			if (n < MAXW)
				snprintf(w[n++], WLEN, "%s", cur);
			in = 0;
			o = 0;
		}
		if (o >= WLEN - 1)
			return -1;
	}
	if (in && n < MAXW) {
		cur[o] = '\0';
		snprintf(w[n++], WLEN, "%s", cur);
	}
	return quote || esc ? -1 : n;
}

static void check_words(const struct restic_remote *r, const char *const *want, const char *what)
{
	static char w[MAXW][WLEN];
	char value[4096];
	struct strvec sv = { 0 };
	int n, k = 0;

	while (want[k])
		k++;
	CHECK_INT(restic_argv_base(&sv, r), 0, "%s: builds", what);
	if (sv.n < 5) {
		strvec_free(&sv);
		return;
	}
	CHECK_INT(csv_one_field(sv.v[4], value, sizeof(value)), 0, "%s: one CSV field", what);
	CHECK(strncmp(value, "sftp.command=", 13) == 0, "%s: option name", what);
	for (int v = 0; v < 2; v++) {
		n = v ? split_new(value + 13, w) : split_old(value + 13, w);
		CHECK_INT(n, k, "%s: %s splitter: word count", what, v ? "new" : "0.14-0.18");
		for (int i = 0; i < n && i < k; i++)
			CHECK_STR(w[i], want[i], "%s: %s splitter: word %d", what, v ? "new" : "0.14-0.18", i);
	}
	strvec_free(&sv);
}

static void test_split_roundtrip(void)
{
	struct restic_remote r = base_remote;
	char *opts[] = { "ConnectTimeout=10", NULL };
	const char *plain[] = { "ssh", "restic@srv",
				"-p",  "2222",
				"-i",  "/run/rds/ssh_key",
				"-o",  "UserKnownHostsFile=/run/secrets/restic-ssh-known-hosts",
				"-o",  "StrictHostKeyChecking=yes",
				"-o",  "BatchMode=yes",
				"-o",  "IdentitiesOnly=yes",
				"-o",  "ServerAliveInterval=15",
				"-o",  "ServerAliveCountMax=4",
				"-o",  "ConnectTimeout=30",
				"-s",  "sftp",
				NULL };
	const char *spaced[] = { "ssh", "restic@srv",
				 "-p",  "2222",
				 "-E",  "/run/my logs/ssh.log",
				 "-i",  "/run/my keys/id key",
				 "-o",  "UserKnownHostsFile=\"/run/my keys/known hosts\"",
				 "-o",  "StrictHostKeyChecking=yes",
				 "-o",  "BatchMode=yes",
				 "-o",  "IdentitiesOnly=yes",
				 "-o",  "ConnectTimeout=10",
				 "-o",  "ServerAliveInterval=15",
				 "-o",  "ServerAliveCountMax=4",
				 "-s",  "sftp",
				 NULL };
	const char *quotes[] = { "ssh", "restic@srv",
				 "-p",  "2222",
				 "-i",  "/run/o'brien/k,ey",
				 "-o",  "UserKnownHostsFile=\"/run/a,b/known hosts\"",
				 "-o",  "StrictHostKeyChecking=yes",
				 "-o",  "BatchMode=yes",
				 "-o",  "IdentitiesOnly=yes",
				 "-o",  "ServerAliveInterval=15",
				 "-o",  "ServerAliveCountMax=4",
				 "-o",  "ConnectTimeout=30",
				 "-s",  "sftp",
				 NULL };

	/* Calibration: what real 0.14.0 and 0.18.0 passed to a stub command
	 * for "/s \"x y\"z 'p\q' a\ b '/u v/w' '' \"it's\"" (checked by hand
	 * with a script printing its argv). */
	{
		static char w[MAXW][WLEN];
		const char *real[] = { "/s", "x y", "z", "p\\q", "a", "b", "/u v/w", "it's" };
		int n = split_old("/s \"x y\"z 'p\\q' a\\ b '/u v/w' '' \"it's\"", w);
		CHECK_INT(n, 8, "splitter port matches real restic: word count");
		for (int i = 0; i < n && i < 8; i++)
			CHECK_STR(w[i], real[i], "splitter port matches real restic: word %d", i);
	}
	check_words(&r, plain, "plain");
	r.ssh_log_file = "/run/my logs/ssh.log";
	r.key_file = "/run/my keys/id key";
	r.known_hosts_file = "/run/my keys/known hosts";
	r.ssh_options = opts;
	check_words(&r, spaced, "spaces");
	r = base_remote;
	r.key_file = "/run/o'brien/k,ey";
	r.known_hosts_file = "/run/a,b/known hosts";
	check_words(&r, quotes, "quotes and comma");
}

/* ---- recorded outputs ---- */

static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;

	if (read_file_bounded(path, 1 << 22, &buf, &n) < 0)
		return NULL;
	if (len)
		*len = n;
	return buf;
}

static char *slurp_case(const char *ver, const char *name, const char *ext)
{
	char path[512];
	snprintf(path, sizeof(path), DATA "/%s/%s.%s", ver, name, ext);
	return slurp(path, NULL);
}

static void test_summaries(const char *ver)
{
	struct restic_summary s1, s2;
	char path[256], *b1, *b2, *snaps;
	size_t l1 = 0, l2 = 0, idlen = strcmp(ver, "0.14") == 0 ? 8 : 64;
	json_t *arr;
	json_error_t e;

	snprintf(path, sizeof(path), DATA "/%s/backup1.stdout", ver);
	b1 = slurp(path, &l1);
	snprintf(path, sizeof(path), DATA "/%s/backup2.stdout", ver);
	b2 = slurp(path, &l2);
	CHECK(b1 && b2, "%s: recorded backups present", ver);
	if (!b1 || !b2)
		goto out;
	CHECK_INT(restic_parse_backup_json(b1, l1, &s1), 0, "%s: first backup has a summary", ver);
	CHECK_INT(s1.have, 1, "%s: have", ver);
	CHECK_INT(strlen(s1.snapshot_id), idlen, "%s: snapshot id length", ver);
	CHECK_INT(s1.files_new, 3, "%s: first: 3 new files", ver);
	CHECK_INT(s1.files_changed + s1.files_unmodified, 0, "%s: first: nothing old", ver);
	CHECK_INT(s1.dirs_new, 7, "%s: first: 7 new dirs (the path down to src)", ver);
	CHECK_INT(s1.total_bytes_processed, 2000018, "%s: first: bytes processed", ver);
	CHECK(s1.data_added >= 2000000, "%s: first: data added %lld", ver, s1.data_added);
	CHECK(s1.duration_s > 0 && s1.duration_s < 600, "%s: duration %.3f", ver, s1.duration_s);

	CHECK_INT(restic_parse_backup_json(b2, l2, &s2), 0, "%s: second backup has a summary", ver);
	CHECK_INT(s2.files_new, 1, "%s: second: 1 new file", ver);
	CHECK_INT(s2.files_changed, 1, "%s: second: 1 changed file", ver);
	CHECK_INT(s2.files_unmodified, 2, "%s: second: 2 unmodified (parent used)", ver);
	CHECK_INT(s2.dirs_changed, 7, "%s: second: 7 changed dirs", ver);
	CHECK(s2.data_added > 0 && s2.data_added < 100000, "%s: second: small increment %lld", ver, s2.data_added);
	CHECK(strcmp(s1.snapshot_id, s2.snapshot_id) != 0, "%s: two snapshots", ver);

	/* The recorded snapshot list: the second names the first as parent. */
	snaps = slurp_case(ver, "snapshots", "stdout");
	arr = snaps ? json_loads(snaps, 0, &e) : NULL;
	CHECK(json_is_array(arr) && json_array_size(arr) == 2, "%s: snapshots --json lists 2", ver);
	if (json_array_size(arr) == 2) {
		const char *id1 = json_string_value(json_object_get(json_array_get(arr, 0), "id"));
		const char *parent = json_string_value(json_object_get(json_array_get(arr, 1), "parent"));
		CHECK(id1 && strncmp(id1, s1.snapshot_id, strlen(s1.snapshot_id)) == 0,
		      "%s: summary id is the first snapshot's", ver);
		CHECK(parent && id1 && strcmp(parent, id1) == 0, "%s: second snapshot's parent is the first", ver);
	}
	json_decref(arr);
	free(snaps);
out:
	free(b1);
	free(b2);
}

static void test_summary_garbage(void)
{
	struct restic_summary s;
	const char good[] = "{\"message_type\":\"summary\",\"files_new\":2,\"data_added\":5,"
			    "\"total_duration\":1.5,\"snapshot_id\":\"abc123\"}";
	char buf[2048];
	char *big;
	int n;

	n = snprintf(buf, sizeof(buf),
		     "garbage\n\n{not json\n\x1b[2K{\"message_type\":\"status\",\"percent_done\":0.5}\n"
		     "{\"message_type\":\"error\",\"error\":{\"message\":\"x\"},\"item\":\"/a\"}\n"
		     "[1,2]\n\"summary\"\n%s\r\ntrailing {\"summary\"",
		     good);
	CHECK_INT(restic_parse_backup_json(buf, (size_t)n, &s), 0, "summary found among garbage");
	CHECK_INT(s.files_new, 2, "files_new from the summary line");
	CHECK_STR(s.snapshot_id, "abc123", "snapshot id");
	CHECK(s.duration_s == 1.5, "duration");

	CHECK_INT(restic_parse_backup_json(good, sizeof(good) - 1, &s), 0, "no trailing newline");
	CHECK_INT(restic_parse_backup_json(good, 40, &s), -ENOENT, "a cut summary is no summary");
	CHECK_INT(restic_parse_backup_json("", 0, &s), -ENOENT, "empty input");
	CHECK_INT(restic_parse_backup_json(NULL, 0, &s), -ENOENT, "NULL input");
	CHECK_INT(s.have, 0, "have stays 0");

	n = snprintf(buf, sizeof(buf),
		     "{\"message_type\":\"summary\",\"files_new\":-4,\"files_changed\":\"7\","
		     "\"data_added\":1.5,\"total_duration\":-2,\"snapshot_id\":\"not/hex\"}");
	CHECK_INT(restic_parse_backup_json(buf, (size_t)n, &s), 0, "summary with bad values is still one");
	CHECK(s.files_new == 0 && s.files_changed == 0 && s.data_added == 0 && s.duration_s == 0,
	      "negative or mistyped numbers are ignored");
	CHECK_STR(s.snapshot_id, "", "a non-hex id is dropped");

	/* An embedded NUL ends nothing: lines are found by length. */
	memcpy(buf, "x\0y\n", 4);
	memcpy(buf + 4, good, sizeof(good));
	CHECK_INT(restic_parse_backup_json(buf, 4 + sizeof(good) - 1, &s), 0, "NUL bytes in earlier lines");

	/* A line over the bound is skipped, not parsed. */
	big = malloc((1 << 20) + 200);
	if (big) {
		memset(big, ' ', (1 << 20) + 100);
		memcpy(big, good, sizeof(good) - 2);
		memcpy(big + (1 << 20) + 99, "}", 1);
		CHECK_INT(restic_parse_backup_json(big, (1 << 20) + 100, &s), -ENOENT, "over-long line skipped");
		free(big);
	}
}

static enum restic_outcome expected_outcome(const char *name)
{
	static const struct {
		const char *name;
		enum restic_outcome o;
	} map[] = {
		{ "no-repo", RESTIC_NO_REPO },
		{ "wrong-password", RESTIC_WRONG_PASSWORD },
		{ "locked", RESTIC_LOCKED },
		{ "stale-lock", RESTIC_LOCKED },
		{ "interrupted", RESTIC_INTERRUPTED },
		{ "terminated", RESTIC_INTERRUPTED },
		{ "killed", RESTIC_INTERRUPTED },
		{ "incomplete", RESTIC_INCOMPLETE },
		{ "init-exists", RESTIC_FAILED },
		{ "config-unreadable", RESTIC_FAILED },
		{ "repo-unreadable", RESTIC_FAILED },
		{ "hostkey-mismatch", RESTIC_FAILED },
		{ "hostkey-unknown", RESTIC_FAILED },
		{ "permission-denied", RESTIC_FAILED },
		{ "connection-refused", RESTIC_FAILED },
		{ "unresolvable", RESTIC_FAILED },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].name, name) == 0)
			return map[i].o;
	return RESTIC_OK;
}

/* What the ssh -E log must be hinted as; NULL: no log for the case. */
static const char *expected_hint(const char *name)
{
	if (strcmp(name, "hostkey-mismatch") == 0)
		return "does not match SSH_KNOWN_HOSTS_FILE";
	if (strcmp(name, "hostkey-unknown") == 0)
		return "has no entry for this server";
	if (strcmp(name, "permission-denied") == 0)
		return "refused the key in SSH_PRIVKEY_FILE";
	if (strcmp(name, "connection-refused") == 0)
		return "nothing accepts connections";
	if (strcmp(name, "unresolvable") == 0)
		return "SSH_HOST does not resolve";
	return NULL;
}

/* The start of the expected last error line for a case, per version. */
static const char *expected_last(const char *ver, const char *name)
{
	int old = strcmp(ver, "0.14") == 0;

	if (strcmp(name, "no-repo") == 0)
		return old ? "unable to open config file: Lstat: file does not exist"
			   : "repository does not exist: unable to open config file";
	if (strcmp(name, "wrong-password") == 0)
		return "wrong password or no key found";
	if (strcmp(name, "config-unreadable") == 0)
		return "config cannot be loaded: ";
	if (strcmp(name, "repo-unreadable") == 0)
		return old ? "unable to open repository at sftp:restic@127.0.0.1:repo-unreadable-0.14: ReadDir: "
			   : "unable to open config file: Lstat repo-unreadable-0.18/config: permission denied";
	if (strcmp(name, "locked") == 0 || strcmp(name, "stale-lock") == 0)
		return "unable to create lock in backend: repository is already locked exclusively by PID";
	if (strcmp(name, "incomplete") == 0)
		return "Warning: at least one source file could not be read";
	if (strcmp(name, "init-exists") == 0)
		return "create repository at sftp:restic@127.0.0.1:";
	if (strcmp(name, "interrupted") == 0)
		return old ? "signal interrupt received, cleaning up" : "context canceled";
	if (expected_hint(name))
		return "unable to open repository at sftp:restic@";
	return NULL;
}

static void test_recorded_runs(void)
{
	char *index = slurp(DATA "/index.tsv", NULL), *line, *save = NULL;
	int rows = 0, versions = 0;
	char last_ver[16] = "";

	CHECK(index != NULL, "index.tsv present");
	for (line = index ? strtok_r(index, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		char ver[16], name[64], last[256];
		int code;
		char *err, *sshlog;
		enum restic_outcome want, got;
		const char *hint, *want_last;

		if (sscanf(line, "%15s %63s %d", ver, name, &code) != 3)
			continue;
		rows++;
		if (strcmp(ver, last_ver) != 0) {
			versions++;
			snprintf(last_ver, sizeof(last_ver), "%s", ver);
		}
		err = slurp_case(ver, name, "stderr");
		sshlog = slurp_case(ver, name, "ssh.log");
		want = expected_outcome(name);
		got = restic_classify(code, err);
		CHECK(got == want, "%s %s (exit %d) is %s (got %s)", ver, name, code, restic_outcome_name(want),
		      restic_outcome_name(got));
		/* The lock and password texts alone, as 0.14 would exit (1),
		 * must tell the same: 0.18's JSON exit_error messages carry the
		 * same words. Not so for a missing repository: 0.17+ says "Is
		 * there a repository..." for any config read error, and its
		 * exit_error line carries the exit code, so exit 1 with one is
		 * a plain failure. */
		if (code == 11 || code == 12)
			CHECK(restic_classify(1, err) == want, "%s %s: text alone gives %s", ver, name,
			      restic_outcome_name(want));
		if (code == 10)
			CHECK(restic_classify(1, err) == RESTIC_FAILED,
			      "%s %s: exit 1 with a 0.17+ exit_error line is a plain failure", ver, name);

		want_last = expected_last(ver, name);
		if (want_last) {
			restic_last_error(err, last, sizeof(last));
			CHECK(strncmp(last, want_last, strlen(want_last)) == 0, "%s %s: last error '%s'", ver, name,
			      last);
		}
		if (expected_hint(name)) {
			hint = restic_ssh_hint(sshlog);
			CHECK(hint && strstr(hint, expected_hint(name)), "%s %s: ssh log hint: %s", ver, name,
			      hint ? hint : "(none)");
			/* Without -E, restic's stderr rarely keeps ssh's words. */
			CHECK(restic_ssh_hint(err) == NULL || restic_ssh_hint(err) == hint,
			      "%s %s: stderr hint, if any, agrees", ver, name);
		} else if (err) {
			CHECK(restic_ssh_hint(err) == NULL, "%s %s: no ssh hint for a restic-level error", ver, name);
		}
		free(err);
		free(sshlog);
	}
	CHECK(rows >= 30, "index has %d rows", rows);
	CHECK(versions == 2, "both versions recorded (%d)", versions);
	free(index);
}

static void test_classify_codes(void)
{
	CHECK_INT(restic_classify(0, NULL), RESTIC_OK, "0 ok");
	CHECK_INT(restic_classify(3, NULL), RESTIC_INCOMPLETE, "3 incomplete");
	CHECK_INT(restic_classify(10, NULL), RESTIC_NO_REPO, "10 no repo");
	CHECK_INT(restic_classify(11, NULL), RESTIC_LOCKED, "11 locked");
	CHECK_INT(restic_classify(12, NULL), RESTIC_WRONG_PASSWORD, "12 wrong password");
	CHECK_INT(restic_classify(130, NULL), RESTIC_INTERRUPTED, "130 interrupted");
	CHECK_INT(restic_classify(143, NULL), RESTIC_INTERRUPTED, "SIGTERM death");
	CHECK_INT(restic_classify(137, NULL), RESTIC_INTERRUPTED, "SIGKILL death");
	CHECK_INT(restic_classify(139, NULL), RESTIC_FAILED, "SIGSEGV is a failure");
	CHECK_INT(restic_classify(1, NULL), RESTIC_FAILED, "1 without text");
	CHECK_INT(restic_classify(1, "unable to create lock in backend: repository is already locked by PID 7 on h"),
		  RESTIC_LOCKED, "1 + lock text");
	CHECK_INT(restic_classify(1, "Fatal: unable to create lock in backend: Save(<lock/1>): permission denied"),
		  RESTIC_FAILED, "a lock that cannot be written is no lock conflict");
	CHECK_INT(restic_classify(2, "wrong password or no key found"), RESTIC_FAILED, "text decides only for exit 1");
	/* A missing repository with exit 1: only the "does not exist" texts,
	 * and never next to a 0.17+ exit_error line. */
	CHECK_INT(restic_classify(1, "Fatal: unable to open config file: Lstat: file does not exist\n"
				     "Is there a repository at the following location?\nsftp:u@h:r\n"),
		  RESTIC_NO_REPO, "0.14 missing repository");
	CHECK_INT(restic_classify(1, "Fatal: unable to open config file: stat /srv/r/config: no such file or "
				     "directory\nIs there a repository at the following location?\n/srv/r\n"),
		  RESTIC_NO_REPO, "missing local repository (no such file or directory)");
	CHECK_INT(restic_classify(1, "Fatal: unable to open config file: Lstat: permission denied\n"
				     "Is there a repository at the following location?\nsftp:u@h:r\n"),
		  RESTIC_FAILED, "a config that cannot be read is no missing repository");
	CHECK_INT(restic_classify(1, "Fatal: unable to open config file: <config/> does not exist: input/output error\n"
				     "Is there a repository at the following location?\n"),
		  RESTIC_FAILED, "'does not exist' only as 'file does not exist'");
	CHECK_INT(restic_classify(1, "Is there a repository at the following location?\n"), RESTIC_FAILED,
		  "the question alone is no missing repository");
	CHECK_INT(restic_classify(1, "{\"message_type\":\"exit_error\",\"code\":1,\"message\":\"Fatal: unable to open "
				     "config file: Lstat r/config: file does not exist\\nIs there a repository at the "
				     "following location?\"}\n"),
		  RESTIC_FAILED, "exit 1 with a 0.17+ exit_error line: plain failure, whatever the text");
	CHECK_INT(restic_classify(-1, NULL), RESTIC_FAILED, "could not run");
	CHECK_STR(restic_outcome_name(RESTIC_OK), "ok", "name ok");
	CHECK_STR(restic_outcome_name(RESTIC_NO_REPO), "no-repository", "name no-repository");
	CHECK_STR(restic_outcome_name(RESTIC_WRONG_PASSWORD), "wrong-password", "name wrong-password");
	CHECK_STR(restic_outcome_name((enum restic_outcome)99), "failed", "unknown outcome name");
}

static void test_last_error_synthetic(void)
{
	char buf[64], small[8];

	restic_last_error(NULL, buf, sizeof(buf));
	CHECK_STR(buf, "", "NULL text");
	restic_last_error("\n\n  \n", buf, sizeof(buf));
	CHECK_STR(buf, "", "only blanks");
	restic_last_error("first problem\r\nUsage:\n  restic backup [flags]\n\nFlags:\n  -h, --help\n"
			  "Use \"restic backup --help\" for more\n\n",
			  buf, sizeof(buf));
	CHECK_STR(buf, "first problem", "usage noise and CR skipped");
	restic_last_error("unknown flag: --foo", buf, sizeof(buf));
	CHECK_STR(buf, "unknown flag: --foo", "no trailing newline");
	restic_last_error("Fatal: early\nlater line\n", buf, sizeof(buf));
	CHECK_STR(buf, "early", "a Fatal: line beats later lines");
	restic_last_error("{\"message_type\":\"error\",\"error\":{\"Op\":\"open\",\"Path\":\"/d/f\",\"Err\":13},"
			  "\"during\":\"archival\",\"item\":\"/d/f\"}\n",
			  buf, sizeof(buf));
	CHECK_STR(buf, "/d/f: open: Permission denied", "0.14 JSON error line");
	restic_last_error("{\"message_type\":\"error\",\"error\":{\"message\":\"read: boom\"},\"item\":\"/x\"}\n", buf,
			  sizeof(buf));
	CHECK_STR(buf, "/x: read: boom", "0.18 JSON error line");
	restic_last_error("a\x01"
			  "b\x1b[2Kc\n",
			  buf, sizeof(buf));
	CHECK_STR(buf, "a?bc", "escapes dropped, control characters replaced");
	restic_last_error("Fatal: a rather long message\n", small, sizeof(small));
	CHECK_STR(small, "a rathe", "truncated to the buffer");
	restic_last_error("x", buf, 0);
	CHECK(1, "zero-length buffer is left alone");

	/* Valid UTF-8 always: a Latin-1 file name, a cut, a C1 control. */
	restic_last_error("Fatal: open /srv/caf\xe9: permission denied\n", buf, sizeof(buf));
	CHECK_STR(buf, "open /srv/caf\xef\xbf\xbd: permission denied", "a Latin-1 byte becomes U+FFFD");
	restic_last_error("Fatal: abcdef\xc3\xa9\n", small, sizeof(small));
	CHECK_STR(small, "abcdef", "a cut falls before a character that does not fit");
	restic_last_error("Fatal: a\xc2\x9b"
			  "31mb\n",
			  buf, sizeof(buf));
	CHECK_STR(buf, "a?31mb", "a C1 control character becomes '?'");
	{
		char item[1200], line[1400], big[600];
		size_t n = 0;
		for (int i = 0; i < 500; i++)
			memcpy(item + 2 * i, "\xc3\xa9", 2), n += 2;
		item[n] = '\0';
		snprintf(line, sizeof(line),
			 "{\"message_type\":\"error\",\"error\":{\"message\":\"read: boom\"},\"item\":\"/%s\"}\n",
			 item);
		restic_last_error(line, big, sizeof(big));
		CHECK(utf8_valid(big, strlen(big)) && strstr(big, ": read: boom"),
		      "a long UTF-8 item is cut between characters (%zu bytes)", strlen(big));
	}
}

static void test_hints_synthetic(void)
{
	CHECK(restic_ssh_hint(NULL) == NULL, "NULL text: no hint");
	CHECK(restic_ssh_hint("all fine") == NULL, "no hint for unrelated text");
	CHECK(restic_ssh_hint("subprocess ssh: ssh: connect to host srv port 2222: Connection timed out") != NULL,
	      "timeout hinted");
	CHECK(restic_ssh_hint("subprocess ssh: kex_exchange_identification: Connection closed by remote host") != NULL,
	      "handshake closed hinted");
	CHECK(strstr(restic_ssh_hint("Load key \"/k\": invalid format") ?: "", "not a private key") != NULL,
	      "bad key file hinted");
	CHECK(strstr(restic_ssh_hint("WARNING: UNPROTECTED PRIVATE KEY FILE!") ?: "", "0600") != NULL,
	      "key mode hinted");
	CHECK(strstr(restic_ssh_hint("ssh: Timeout, server 127.0.0.1 not responding.") ?: "", "ServerAliveInterval") !=
		      NULL,
	      "ServerAlive's timeout hinted");
	CHECK(strstr(restic_ssh_hint("Save(<data/1a2b>) returned error: sftp: \"Failure\" (SSH_FX_FAILURE)") ?: "",
		     "disk is full") != NULL,
	      "an sftp write failure hints at a full disk");
	CHECK(strstr(restic_ssh_hint("error in cleanup handler: ssh command exited: exit status 255") ?: "",
		     "connection to the server ended") != NULL,
	      "ssh ending mid-run is hinted");
	CHECK(strstr(restic_ssh_hint("ssh: connect to host srv port 2222: Connection refused\n"
				     "ssh command exited: exit status 255") ?: "",
		     "nothing accepts") != NULL,
	      "a refused connection keeps its own hint");
}

/* `restic version`'s number: MAJOR.MINOR of up to 6 digits each; a longer
 * number was sscanf's undefined behaviour (fuzz/regress/restic_out). */
static void test_version_parse(void)
{
	int major = -1, minor = -1;

	CHECK(restic_version_parse("0.18.0", &major, &minor) == 0 && major == 0 && minor == 18, "0.18.0 is 0.18");
	CHECK(restic_version_parse("0.14.0-dev", &major, &minor) == 0 && major == 0 && minor == 14, "0.14.0-dev");
	CHECK(restic_version_parse("1.2", &major, &minor) == 0 && major == 1 && minor == 2, "1.2");
	CHECK_INT(restic_version_parse("0.58888888888888888888888", &major, &minor), -1,
		  "a minor number too large for an int is refused");
	CHECK_INT(restic_version_parse("-1.5", &major, &minor), -1, "a sign is refused");
	CHECK_INT(restic_version_parse(" 0.18", &major, &minor), -1, "so is a leading space");
	CHECK_INT(restic_version_parse("0.", &major, &minor), -1, "a minor number is needed");
	CHECK_INT(restic_version_parse("", &major, &minor), -1, "an empty text is no version");
	CHECK(major == 1 && minor == 2, "a refused text leaves major and minor as they were");
}

int main(void)
{
	test_version_parse();
	test_argv_default();
	test_argv_user_at_host();
	test_argv_extras();
	test_argv_ssh_defaults();
	test_argv_restic_args();
	test_argv_quoting();
	test_argv_ipv6();
	test_argv_refused();
	test_argv_commands();
	test_split_roundtrip();
	test_summaries("0.14");
	test_summaries("0.18");
	test_summary_garbage();
	test_recorded_runs();
	test_classify_codes();
	test_last_error_synthetic();
	test_hints_synthetic();
	return T_DONE();
}
