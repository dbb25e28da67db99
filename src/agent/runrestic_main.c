/* runrestic: run restic against the agent's configured repository.
 *   runrestic                      help and the default command
 *   runrestic [-r PATH] ARGS...    restic DEFAULTS ARGS...; exit code is restic's
 * With restic 0.16 or later, --retry-lock 1m comes after the defaults: a
 * command typed while the agent holds a lock (forget, prune, check) waits
 * for it instead of failing.
 * restic is exec'd, so an interactive session keeps the terminal, with the
 * agent's restricted environment (job_restic_env) plus TERM, COLUMNS and
 * LINES: a stray RESTIC_PASSWORD_COMMAND or RESTIC_REPOSITORY_FILE in the
 * shell cannot redirect it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "job.h"
#include "log.h"
#include "restic.h"
#include "resticver.h"
#include "status.h"

static void print_argv(FILE *f, char *const *v)
{
	for (; *v; v++) {
		if (strpbrk(*v, " \t'\"\\$"))
			fprintf(f, "'%s'%s", *v, v[1] ? " " : "");
		else
			fprintf(f, "%s%s", *v, v[1] ? " " : "");
	}
	fputc('\n', f);
}

/* restic 0.16 and later wait for a lock with --retry-lock: the agent holds
 * an exclusive one for a moment after every backup with a retention policy
 * (forget), and during a prune or check. 0.14 does not know the flag. */
static int knows_retry_lock(const char *bin, char *const *envp)
{
	char v[64];
	int major, minor;

	if (restic_version(bin, envp, v, sizeof(v)) < 0 || restic_version_parse(v, &major, &minor) < 0)
		return 0;
	return major > 0 || minor >= 16;
}

/* The agent's restricted environment for restic, plus what an interactive
 * restic needs to size and draw its output. */
static int interactive_env(struct strvec *env)
{
	static const char *const keep[] = { "TERM", "COLUMNS", "LINES", NULL };

	if (job_restic_env(env) < 0)
		return -1;
	for (const char *const *k = keep; *k; k++) {
		const char *v = getenv(*k);
		if (v && strvec_pushf(env, "%s=%s", *k, v) < 0)
			return -1;
	}
	return 0;
}

/* The jobs STATUS_FILE names, with the repository of each: label mode's
 * agent backs up many. */
static void print_jobs(FILE *f, const struct config *c)
{
	struct status *v = NULL;
	size_t n = 0;
	char err[600];

	if (status_read_all(c->status_file, &v, &n, err, sizeof(err)) < 0 || !n) {
		free(v);
		return;
	}
	fprintf(f, "\nJobs of this agent (STATUS_FILE %s) and their repositories:\n", c->status_file);
	fprintf(f, "  %-30s %-30s %-24s %s\n", "JOB", "REPOSITORY (-r)", "SNAPSHOT HOST", "LAST RESULT");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-30s %-30s %-24s %s%s\n", v[i].job, v[i].repo_path[0] ? v[i].repo_path : "?",
			v[i].host[0] ? v[i].host : "?", status_result_name(v[i].result),
			v[i].gone ? " (gone from this node)" : v[i].refused ? " (labels refused)" : "");
	fprintf(f, "Reach any of them with: runrestic -r REPOSITORY snapshots --host SNAPSHOT-HOST\n");
	free(v);
}

static void help(FILE *f, const struct config *c, char *const *defaults)
{
	fprintf(f,
		"Usage: runrestic [-r|--repo PATH] RESTIC-ARGS...\n"
		"\n"
		"Runs restic on the repository this agent backs up to. Every argument is passed\n"
		"to restic after the default ones; the exit code is restic's.\n"
		"  -r, --repo PATH   use another repository PATH on the same server (default REPO_PATH=%s;\n"
		"                    with DISCOVER=labels there is none: the jobs' repositories are listed below)\n"
		"-e/--restic-arg values (EXTRA_ARGS) are for the agent's restic backup only:\n"
		"they are not added here. restic runs with the agent's environment (PATH, HOME,\n"
		"TZ, LANG, cache directories) plus TERM, COLUMNS and LINES: other RESTIC_*\n"
		"variables (RESTIC_PASSWORD, RESTIC_REPOSITORY...) are not passed on.\n"
		"With restic 0.16 or later --retry-lock 1m follows the defaults: a command\n"
		"waits for a lock the agent holds (forget after a backup, prune, check).\n"
		"\n"
		"Default command (the password is read from the file, never shown):\n  ",
		c->repo_path);
	if (defaults)
		print_argv(f, defaults);
	else
		fprintf(f, "(not available: the configuration is incomplete)\n");
	fprintf(f,
		"\n"
		"Examples:\n"
		"  runrestic snapshots\n"
		"  runrestic snapshots --host %s\n"
		"  runrestic restore latest --host %s --target /tmp/restore\n"
		"  runrestic ls latest\n"
		"  runrestic -r other-repo init\n",
		c->backup_host && *c->backup_host ? c->backup_host : "HOST",
		c->backup_host && *c->backup_host ? c->backup_host : "HOST");
	print_jobs(f, c);
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct strvec args = { 0 }, env = { 0 };
	struct restic_remote remote = { 0 };
	char err[1024], key[4096];
	int i = 1, rc = 2;

	config_init(&cfg);
	if (config_load_env(&cfg, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "runrestic: %s\n", err);
		goto out;
	}
	if (i < argc && (!strcmp(argv[i], "-r") || !strcmp(argv[i], "--repo"))) {
		if (i + 1 >= argc) {
			fprintf(stderr, "runrestic: %s needs a repository path\n", argv[i]);
			goto out;
		}
		free(cfg.repo_path);
		cfg.repo_path = strdup(argv[i + 1]);
		i += 2;
	} else if (i < argc && !strncmp(argv[i], "--repo=", 7)) {
		free(cfg.repo_path);
		cfg.repo_path = strdup(argv[i] + 7);
		i++;
	}
	if (!cfg.repo_path) {
		fprintf(stderr, "runrestic: out of memory\n");
		goto out;
	}
	if (!*cfg.repo_path && cfg.discover && !strcmp(cfg.discover, "labels")) {
		/* Label mode: a repository per job, none by default. */
		help(stdout, &cfg, NULL);
		fprintf(stderr, "runrestic: with DISCOVER=labels each job has its own repository: name one with -r "
				"REPOSITORY (the jobs are listed above)\n");
		goto out;
	}
	if (config_validate(&cfg, CONFIG_RUNRESTIC, err, sizeof(err)) < 0) {
		if (i >= argc) {
			help(stdout, &cfg, NULL);
			fprintf(stdout, "\n");
		}
		fprintf(stderr, "runrestic: %s\n", err);
		goto out;
	}
	snprintf(key, sizeof(key), "%s/ssh-key", cfg.run_dir);
	remote.restic_bin = cfg.restic_bin;
	remote.ssh_user = cfg.ssh_user;
	remote.ssh_host = cfg.ssh_host;
	remote.ssh_port = cfg.ssh_port;
	remote.repo_path = cfg.repo_path;
	remote.key_file = key;
	remote.known_hosts_file = cfg.known_hosts_file;
	remote.password_file = cfg.password_file;
	remote.ssh_options = cfg.ssh_options.v;
	remote.restic_args = cfg.restic_args.v;
	/* The reason a value cannot reach restic, naming the setting. */
	if (restic_remote_check(&remote, err, sizeof(err)) < 0) {
		if (i >= argc) {
			help(stdout, &cfg, NULL);
			fprintf(stdout, "\n");
		}
		fprintf(stderr, "runrestic: %s\n", err);
		goto out;
	}
	if (restic_argv_base(&args, &remote) < 0) {
		fprintf(stderr, "runrestic: out of memory\n");
		goto out;
	}
	if (i >= argc || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
		help(stdout, &cfg, args.v);
		rc = 0;
		goto out;
	}
	/* The agent's log says once that a 0444 key secret is copied; here,
	 * in front of every restic command typed by hand, it is noise. */
	rds_log_init(RDS_LOG_ERROR, 0);
	if (job_copy_key(cfg.privkey_file, cfg.run_dir, key, sizeof(key), err, sizeof(err)) < 0) {
		fprintf(stderr, "runrestic: %s\n", err);
		rc = 1;
		goto out;
	}
	if (interactive_env(&env) < 0 ||
	    (knows_retry_lock(args.v[0], env.v) &&
	     (strvec_push(&args, "--retry-lock") < 0 || strvec_push(&args, "1m") < 0))) {
		fprintf(stderr, "runrestic: out of memory\n");
		goto out;
	}
	for (; i < argc; i++)
		if (strvec_push(&args, argv[i]) < 0) {
			fprintf(stderr, "runrestic: out of memory\n");
			goto out;
		}
	fflush(NULL);
	/* execvpe searches our own PATH, which env passes on when it is set. */
	execvpe(args.v[0], args.v, env.v);
	fprintf(stderr, "runrestic: cannot run %s: %s; install restic or set RESTIC_BINARY\n", args.v[0],
		strerror(errno));
	rc = errno == ENOENT ? 127 : 126;
out:
	strvec_free(&env);
	strvec_free(&args);
	config_free(&cfg);
	return rc;
}
