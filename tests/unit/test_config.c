/* Unit tests for config: defaults, sources and precedence, and every error
 * message a user can meet at start-up. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgtab.h"
#include "config.h"
#include "fakeenv.h"
#include "t.h"

static char dir[] = "/tmp/rds-test-config-XXXXXX";
static char key[256], kh[256], pw[256], empty[256];

/* A complete, valid environment. */
static void base_env(void)
{
	env_reset();
	setv("SSH_HOST", "backup-server");
	setv("REPO_PATH", "db");
	setv("SSH_PRIVKEY_FILE", key);
	setv("SSH_KNOWN_HOSTS_FILE", kh);
	setv("RESTIC_REPO_PASSWORD_FILE", pw);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* Loads env + argv and validates; returns the stage's rc; err gets the text. */
static int load(struct config *c, char **argv, int argc, char *err, size_t errlen)
{
	int idx = 0, r;
	config_init(c);
	err[0] = '\0';
	if (config_load_env(c, fake_getenv, err, errlen) < 0)
		return -1;
	r = config_parse_args(c, argc, argv, &idx, err, errlen);
	if (r != 0)
		return r;
	return config_validate(c, CONFIG_AGENT, err, errlen);
}

static void expect_error(const char *what, const char *needle1, const char *needle2)
{
	struct config c;
	char err[1024];
	int r = load(&c, NULL, 0, err, sizeof(err));
	CHECK(r < 0 && strstr(err, needle1) && (!needle2 || strstr(err, needle2)), "%s -> error naming '%s'", what,
	      needle1);
	if (!(r < 0 && strstr(err, needle1)))
		printf("#   err: %s\n", err);
	CHECK(!strchr(err, '\n'), "%s: the error is one line", what);
	config_free(&c);
}

static void expect_arg_error(const char *what, char **argv, int argc, const char *needle)
{
	struct config c;
	char err[1024];
	int r = load(&c, argv, argc, err, sizeof(err));
	CHECK(r < 0 && strstr(err, needle), "%s -> error containing '%s' (got '%s')", what, needle, err);
	config_free(&c);
}

/* Label mode: the per-service settings are refused on the agent, the rest
 * is checked as always. */
static void test_label_mode(void)
{
	static const char *const per_service[][2] = {
		{ "SERVICE_NAME", "rds_db" }, { "REPO_PATH", "db" }, { "PRE_HOOK", "true" }, { "POST_HOOK", "true" }
	};
	struct config c;
	char err[1024];

	base_env();
	setv("REPO_PATH", "");
	setv("DISCOVER", "labels");
	CHECK(load(&c, NULL, 0, err, sizeof(err)) == 0 && c.label_mode && c.max_parallel == 1 &&
		      !strcmp(c.volumes_root, "/var/lib/docker/volumes") && !*c.backup_host,
	      "DISCOVER=labels without REPO_PATH: valid, MAX_PARALLEL 1, VOLUMES_ROOT default, no BACKUP_HOST derived "
	      "(%s)",
	      err);
	config_free(&c);
	setv("RUN_AT", "");
	setv("PRUNE_AT", "0 4 * * 0");
	CHECK(load(&c, NULL, 0, err, sizeof(err)) == 0 && c.prune_scheduled,
	      "PRUNE_AT without RUN_AT: valid in label mode (services bring their schedules) (%s)", err);
	config_free(&c);
	setv("PRUNE_AT", "");
	for (size_t i = 0; i < sizeof(per_service) / sizeof(per_service[0]); i++) {
		setv(per_service[i][0], per_service[i][1]);
		expect_error(per_service[i][0], per_service[i][0], "DISCOVER=labels");
		setv(per_service[i][0], "");
	}
	setv("MAX_PARALLEL", "0");
	expect_error("MAX_PARALLEL=0", "MAX_PARALLEL='0'", "1 to 16");
	setv("MAX_PARALLEL", "17");
	expect_error("MAX_PARALLEL=17", "MAX_PARALLEL='17'", "1 to 16");
	setv("MAX_PARALLEL", "2x");
	expect_error("MAX_PARALLEL=2x", "MAX_PARALLEL='2x'", NULL);
	setv("MAX_PARALLEL", "4");
	CHECK(load(&c, NULL, 0, err, sizeof(err)) == 0 && c.max_parallel == 4, "MAX_PARALLEL=4 (%s)", err);
	config_free(&c);
	setv("VOLUMES_ROOT", "volumes");
	expect_error("a relative VOLUMES_ROOT", "VOLUMES_ROOT='volumes'", "absolute");
	setv("VOLUMES_ROOT", "");
	setv("DISCOVER", "label");
	expect_error("DISCOVER=label", "DISCOVER='label'", "'labels'");
	base_env();
}

/* NOTIFY_ON, NOTIFY_URLS, PING_URL and their _FILE forms: checked at start,
 * errors that name the setting and never a token. */
static void test_notify(void)
{
	struct config c;
	char err[1024], f[300];

	base_env();
	CHECK(load(&c, NULL, 0, err, sizeof(err)) == 0 && c.notify == NOTIFY_ON_FAILURE,
	      "NOTIFY_ON defaults to failure");
	config_free(&c);
	setv("NOTIFY_ON", "sometimes");
	expect_error("NOTIFY_ON=sometimes", "NOTIFY_ON", "change");
	setv("NOTIFY_ON", "change");
	setv("NOTIFY_URLS", "ntfy://ntfy.example.org/backups gotify://gotify.example.org/Atoken012345678");
	CHECK(load(&c, NULL, 0, err, sizeof(err)) == 0 && c.notify == NOTIFY_ON_CHANGE, "two good URLs (%s)", err);
	config_free(&c);
	setv("NOTIFY_URLS", "ntfy://ntfy.example.org/backups smtp://user:s3cr3tpw@mail.example.org/");
	expect_error("an unknown scheme", "NOTIFY_URLS: URL 2 of 2", NULL);
	{
		int r = load(&c, NULL, 0, err, sizeof(err));
		CHECK(r < 0 && !strstr(err, "s3cr3tpw"), "the error shows no password (%s)", err);
		config_free(&c);
	}
	setv("NOTIFY_URLS", "");
	setv("PING_URL", "ftp://hc.example.org/uuid");
	expect_error("PING_URL ftp://", "PING_URL", NULL);
	setv("PING_URL", "");
	snprintf(f, sizeof(f), "%s/urls", dir);
	write_file(f, "\n  ntfy://:tok3n123@ntfy.example.org/backups\n");
	setv("NOTIFY_URLS_FILE", f);
	CHECK(load(&c, NULL, 0, err, sizeof(err)) == 0 &&
		      !strcmp(c.notify_urls, "ntfy://:tok3n123@ntfy.example.org/backups"),
	      "NOTIFY_URLS_FILE is read, trimmed (%s)", err);
	config_free(&c);
	setv("NOTIFY_URLS", "ntfy://ntfy.example.org/x");
	expect_error("NOTIFY_URLS and NOTIFY_URLS_FILE", "NOTIFY_URLS and NOTIFY_URLS_FILE are both set", NULL);
	setv("NOTIFY_URLS", "");
	setv("NOTIFY_URLS_FILE", "/nonexistent/urls");
	expect_error("a missing NOTIFY_URLS_FILE", "NOTIFY_URLS_FILE=/nonexistent/urls", NULL);
	base_env();
}

int main(void)
{
	struct config c;
	char err[1024];

	if (!mkdtemp(dir))
		return 1;
	snprintf(key, sizeof(key), "%s/key", dir);
	snprintf(kh, sizeof(kh), "%s/known_hosts", dir);
	snprintf(pw, sizeof(pw), "%s/password", dir);
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	write_file(key,
		   "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-key-material\n-----END OPENSSH PRIVATE KEY-----\n");
	write_file(kh, "[backup-server]:2222 ssh-ed25519 AAAA\n");
	write_file(pw, "hunter2-secret\n");
	write_file(empty, "");

	test_notify();
	/* Defaults are the seed's. */
	base_env();
	CHECK_INT(load(&c, NULL, 0, err, sizeof(err)), 0, "a minimal environment is valid (%s)", err);
	CHECK_INT(c.ssh_port, 2222, "SSH_PORT defaults to 2222");
	CHECK_STR(c.backup_path, "/backup", "BACKUP_PATH defaults to /backup");
	CHECK_STR(c.ssh_user, "restic", "SSH_USER defaults to restic");
	CHECK_STR(c.backup_host, "db", "BACKUP_HOST falls back to REPO_PATH");
	CHECK_INT(c.scheduled, 0, "empty RUN_AT means one-shot");
	CHECK_INT(c.hook_timeout_s, 3600, "HOOK_TIMEOUT defaults to 1h");
	CHECK_INT(c.stop_timeout_s, 30, "STOP_TIMEOUT defaults to 30s");
	config_free(&c);
	config_init(&c);
	CHECK_STR(c.privkey_file, "/run/secrets/restic-ssh-privkey", "SSH_PRIVKEY_FILE default");
	CHECK_STR(c.known_hosts_file, "/run/secrets/restic-ssh-known-hosts", "SSH_KNOWN_HOSTS_FILE default");
	CHECK_STR(c.password_file, "/run/secrets/restic-repo-password", "RESTIC_REPO_PASSWORD_FILE default");
	config_free(&c);

	/* Sources and precedence: env < EXTRA_ARGS < command line. */
	base_env();
	setv("SERVICE_NAME", "stack_db");
	setv("SSH_PORT", "2200");
	setv("PRE_HOOK", "sh -c 'pg_dumpall -U postgres > /dump/db.sql'");
	setv("RUN_AT", "*/5 * * * *");
	setv("EXTRA_ARGS", "--verbose --ssh-port 2201 -e --limit-upload=100");
	{
		char *argv[] = { "--ssh-port", "2202", "-o", "Compression=no" };
		CHECK_INT(load(&c, argv, 4, err, sizeof(err)), 0, "flags parse (%s)", err);
	}
	CHECK_INT(c.ssh_port, 2202, "a command-line flag beats EXTRA_ARGS and the environment");
	CHECK_INT(c.verbose, 1, "EXTRA_ARGS --verbose is honoured");
	CHECK(c.restic_args.n == 1 && !strcmp(c.restic_args.v[0], "--limit-upload=100"),
	      "EXTRA_ARGS -e reaches restic");
	CHECK(c.ssh_options.n == 1 && !strcmp(c.ssh_options.v[0], "Compression=no"), "-o reaches ssh");
	CHECK_STR(c.backup_host, "stack_db", "BACKUP_HOST falls back to SERVICE_NAME");
	CHECK(c.pre_argv.n == 3 && !strcmp(c.pre_argv.v[2], "pg_dumpall -U postgres > /dump/db.sql"),
	      "PRE_HOOK is split into argv");
	CHECK_INT(c.scheduled, 1, "RUN_AT set means scheduled");
	config_free(&c);

	base_env();
	setv("BACKUP_HOST", "my-db");
	CHECK_INT(load(&c, NULL, 0, err, sizeof(err)), 0, "BACKUP_HOST set");
	CHECK_STR(c.backup_host, "my-db", "an explicit BACKUP_HOST wins");
	config_free(&c);

	/* Every misconfiguration: one line naming the setting. */
	base_env();
	setv("SSH_HOST", "");
	expect_error("missing SSH_HOST", "SSH_HOST is empty", NULL);
	base_env();
	setv("SSH_HOST", "-oProxyCommand=x");
	expect_error("SSH_HOST that looks like an option", "SSH_HOST='-oProxyCommand=x'", NULL);
	/* IPv6 literals, bare or in brackets (dropped), with or without a user. */
	{
		static const char *const ok_hosts[][2] = {
			{ "::1", "::1" },
			{ "fd00::5", "fd00::5" },
			{ "restic@::1", "restic@::1" },
			{ "[::1]", "::1" },
			{ "backup@[fd00::5]", "backup@fd00::5" },
			{ "2001:db8::1:2", "2001:db8::1:2" },
			{ "::ffff:192.0.2.1", "::ffff:192.0.2.1" },
			{ "192.0.2.1", "192.0.2.1" },
			{ "backup-server", "backup-server" },
		};
		for (size_t i = 0; i < sizeof(ok_hosts) / sizeof(ok_hosts[0]); i++) {
			base_env();
			setv("SSH_HOST", ok_hosts[i][0]);
			CHECK_INT(load(&c, NULL, 0, err, sizeof(err)), 0, "SSH_HOST=%s is valid (%s)", ok_hosts[i][0],
				  err);
			CHECK_STR(c.ssh_host, ok_hosts[i][1], "SSH_HOST=%s is used as %s", ok_hosts[i][0],
				  ok_hosts[i][1]);
			config_free(&c);
		}
	}
	base_env();
	setv("SSH_HOST", "restic@[fd00::5]");
	config_init(&c);
	CHECK(config_load_env(&c, fake_getenv, err, sizeof(err)) == 0 &&
		      config_validate(&c, CONFIG_RUNRESTIC, err, sizeof(err)) == 0 &&
		      !strcmp(c.ssh_host, "restic@fd00::5"),
	      "runrestic takes an IPv6 SSH_HOST too (%s)", err);
	config_free(&c);
	base_env();
	setv("SSH_HOST", "host:2222");
	expect_error("SSH_HOST with a port", "SSH_HOST='host:2222'", "SSH_PORT");
	base_env();
	setv("SSH_HOST", "[::1]:2222");
	expect_error("bracketed SSH_HOST with a port", "SSH_HOST='[::1]:2222'", "IPv6");
	base_env();
	setv("SSH_HOST", "fd00:::5");
	expect_error("IPv6 with ':::'", "SSH_HOST='fd00:::5'", "IPv6");
	base_env();
	setv("SSH_HOST", "fe80::1%eth0");
	expect_error("IPv6 with a zone", "SSH_HOST='fe80::1%eth0'", "no zone");
	base_env();
	setv("SSH_HOST", "[]");
	expect_error("empty brackets", "SSH_HOST='[]'", "IPv6");
	base_env();
	setv("SSH_HOST", "[::1");
	expect_error("unclosed bracket", "SSH_HOST='[::1'", "IPv6");
	base_env();
	setv("SSH_HOST", "us:er@::1");
	expect_error("':' in the user", "SSH_HOST='us:er@::1'", "USER@NAME");
	base_env();
	setv("SSH_HOST", "@::1");
	expect_error("empty user", "SSH_HOST='@::1'", "USER@NAME");
	base_env();
	setv("SSH_HOST", "restic@");
	expect_error("no host after the user", "SSH_HOST='restic@'", "USER@NAME");
	base_env();
	setv("SSH_HOST", "srv\x1b[2J");
	expect_error("SSH_HOST with ESC", "SSH_HOST='srv\\x1b[2J'", NULL);
	base_env();
	setv("SSH_HOST", "gg::1");
	expect_error("not hex", "SSH_HOST='gg::1'", "IPv6");
	base_env();
	setv("REPO_PATH", "");
	expect_error("missing REPO_PATH", "REPO_PATH is empty", NULL);
	base_env();
	setv("REPO_PATH", "../etc");
	expect_error("REPO_PATH escaping upwards", "REPO_PATH='../etc'", "..");
	base_env();
	setv("SSH_PORT", "70000");
	expect_error("port out of range", "SSH_PORT='70000'", "1 to 65535");
	base_env();
	setv("SSH_PORT", "22x");
	expect_error("port not a number", "SSH_PORT='22x'", NULL);
	base_env();
	setv("RUN_AT", "0 25 * * *");
	expect_error("invalid cron hour", "RUN_AT='0 25 * * *'", NULL);
	base_env();
	setv("RUN_AT", "every day");
	expect_error("cron gibberish", "RUN_AT='every day'", NULL);
	base_env();
	setv("SSH_PRIVKEY_FILE", "/nonexistent/key");
	expect_error("unreadable key", "SSH_PRIVKEY_FILE=/nonexistent/key cannot be read", "secret");
	base_env();
	setv("RESTIC_REPO_PASSWORD_FILE", empty);
	expect_error("empty password file", "RESTIC_REPO_PASSWORD_FILE=", "is empty");
	base_env();
	setv("SSH_KNOWN_HOSTS_FILE", dir);
	expect_error("known_hosts is a directory", "SSH_KNOWN_HOSTS_FILE=", "not a regular file");
	base_env();
	setv("BACKUP_PATH", "backup");
	expect_error("relative BACKUP_PATH", "BACKUP_PATH='backup'", "absolute");
	base_env();
	setv("PRE_HOOK", "pg_dump db | gzip");
	expect_error("hook needing a shell", "PRE_HOOK=", "sh -c");
	base_env();
	setv("SERVICE_NAME", "stack_db");
	setv("POST_HOOK", "rm -f /dump/*.sql");
	expect_error("hook with an unquoted glob", "POST_HOOK=", "sh -c");
	expect_error("hook with an unquoted glob: the word is shown", "'/dump/*.sql'", "'*'");
	base_env();
	setv("SERVICE_NAME", "stack_db");
	setv("PRE_HOOK", "sh -c 'a\nb' \xe9*");
	expect_error("hook error with a newline and Latin-1", "PRE_HOOK='sh -c 'a\\x0ab' \xef\xbf\xbd*'", NULL);
	base_env();
	setv("SERVICE_NAME", "stack_db");
	setv("PRE_HOOK", "ls /dump/db?.sql");
	expect_error("pre-hook with an unquoted ?", "PRE_HOOK=", "'/dump/db?.sql'");
	base_env();
	setv("SERVICE_NAME", "stack_db");
	setv("PRE_HOOK", "rm -f '/dump/*.sql' /dump/\\?");
	CHECK_INT(load(&c, NULL, 0, err, sizeof(err)), 0, "quoted and escaped globs in a hook are allowed (%s)", err);
	CHECK(c.pre_argv.n == 4 && !strcmp(c.pre_argv.v[2], "/dump/*.sql") && !strcmp(c.pre_argv.v[3], "/dump/?"),
	      "quoted globs stay literal");
	config_free(&c);
	base_env();
	setv("EXTRA_ARGS", "-e --exclude=*.tmp -e --exclude=/backup/cache/?");
	CHECK_INT(load(&c, NULL, 0, err, sizeof(err)), 0, "EXTRA_ARGS may hold unquoted globs (%s)", err);
	CHECK(c.restic_args.n == 2 && !strcmp(c.restic_args.v[0], "--exclude=*.tmp"), "EXTRA_ARGS glob kept literally");
	config_free(&c);
	base_env();
	setv("POST_HOOK", "rm -f /dump/x");
	expect_error("hook without SERVICE_NAME", "POST_HOOK is set but SERVICE_NAME is empty", NULL);
	base_env();
	setv("HOOK_TIMEOUT", "soon");
	expect_error("bad duration", "HOOK_TIMEOUT='soon'", "5m");
	/* Values the parser accepts but that overflowed as milliseconds. */
	base_env();
	setv("HOOK_TIMEOUT", "9999999999999h");
	expect_error("huge HOOK_TIMEOUT", "HOOK_TIMEOUT=", "at most 24h");
	base_env();
	setv("STOP_TIMEOUT", "2h");
	expect_error("long STOP_TIMEOUT", "STOP_TIMEOUT=7200s is too long", "at most 1h");
	base_env();
	setv("BACKUP_TIMEOUT", "31d");
	expect_error("long BACKUP_TIMEOUT", "BACKUP_TIMEOUT=2678400s is too long", "at most 30d");
	base_env();
	setv("HEALTH_MAX_AGE", "401d");
	expect_error("long HEALTH_MAX_AGE", "HEALTH_MAX_AGE=", "at most 400d");
	base_env();
	setv("TZ", "Mars/Olympus");
	expect_error("unknown time zone", "TZ='Mars/Olympus'", NULL);
	base_env();
	setv("EXTRA_ARGS", "--frobnicate");
	expect_error("unknown flag in EXTRA_ARGS", "EXTRA_ARGS: unknown option '--frobnicate'", NULL);
	base_env();
	setv("EXTRA_ARGS", "--verbose '");
	expect_error("unbalanced EXTRA_ARGS", "EXTRA_ARGS:", "quote");
	base_env();
	setv("BACKUP_HOST", "caf\xe9");
	expect_error("Latin-1 BACKUP_HOST", "BACKUP_HOST='caf\xef\xbf\xbd'", "not valid UTF-8");
	base_env();
	setv("BACKUP_HOST", "db\x1b[2Jx");
	expect_error("BACKUP_HOST with ESC", "BACKUP_HOST='db\\x1b[2Jx'", "control character");
	base_env();
	setv("BACKUP_HOST", "db\tx");
	expect_error("BACKUP_HOST with a tab", "BACKUP_HOST=", "control character");
	base_env();
	setv("SERVICE_NAME", "stack_\xff");
	expect_error("SERVICE_NAME not UTF-8", "SERVICE_NAME=", "not valid UTF-8");
	base_env();
	setv("SERVICE_NAME", "stack_\xc2\x85"
			     "db");
	expect_error("SERVICE_NAME with a C1 control", "SERVICE_NAME='stack_\\u0085db'", "control character");
	base_env();
	setv("REPO_PATH", "caf\xe9");
	expect_error("REPO_PATH not UTF-8 (the default BACKUP_HOST)", "REPO_PATH=", "not valid UTF-8");
	base_env();
	setv("BACKUP_HOST", "caf\xc3\xa9"
			    "-db");
	setv("SERVICE_NAME", "st\xc3\xa4"
			     "ck_db");
	CHECK_INT(load(&c, NULL, 0, err, sizeof(err)), 0, "UTF-8 BACKUP_HOST and SERVICE_NAME are valid (%s)", err);
	config_free(&c);
	base_env();
	setv("LOG_FORMAT", "xml");
	expect_error("bad LOG_FORMAT", "LOG_FORMAT='xml'", "text or json");
	base_env();
	{
		char *a1[] = { "--bogus" };
		char *a2[] = { "--ssh-port" };
		char *a3[] = { "--verbose=yes" };
		expect_arg_error("unknown flag", a1, 1, "unknown option '--bogus'");
		expect_arg_error("flag without value", a2, 1, "--ssh-port needs a value");
		expect_arg_error("switch with value", a3, 1, "--verbose takes no value");
	}

	/* Secrets never reach a message. */
	base_env();
	setv("SSH_HOST", "");
	load(&c, NULL, 0, err, sizeof(err));
	CHECK(!strstr(err, "hunter2") && !strstr(err, "secret-key-material"), "no secret in an error");
	config_free(&c);

	{
		long v = 0;
		CHECK(cfgtab_parse_duration("90", &v) == 0 && v == 90, "duration 90");
		CHECK(cfgtab_parse_duration("5m", &v) == 0 && v == 300, "duration 5m");
		CHECK(cfgtab_parse_duration("2h", &v) == 0 && v == 7200, "duration 2h");
		CHECK(cfgtab_parse_duration("-1", &v) < 0, "negative duration rejected");
		CHECK(cfgtab_parse_duration("3d", &v) == 0 && v == 3 * 86400, "duration 3d");
		CHECK(cfgtab_parse_duration("1w", &v) < 0, "unknown unit rejected");
	}
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		config_usage(f);
		fclose(f);
		CHECK(strstr(buf, "SSH_HOST") && strstr(buf, "--ssh-host") && strstr(buf, "[default: 2222]") &&
			      strstr(buf, "RESTIC_REPO_PASSWORD_FILE"),
		      "--help lists flags, variables and defaults");
		free(buf);
	}

	test_label_mode();
	unlink(key);
	unlink(kh);
	unlink(pw);
	unlink(empty);
	rmdir(dir);
	return T_DONE();
}
