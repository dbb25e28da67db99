/* rds-agent: scheduled restic backups of a Swarm service's volume.
 *   rds-agent [flags]            run on RUN_AT, or once when RUN_AT is empty
 *   rds-agent [flags] health     HEALTHCHECK: exit 0 healthy, 1 unhealthy
 *   rds-agent [flags] hook pre|post   run one hook now (to try it)
 *   rds-agent [flags] forget [--dry-run] | prune | check   maintenance now
 * Exit codes: 0 ok, 1 backup failed, 2 bad configuration, 3 incomplete. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "config.h"
#include "cron.h"
#include "job.h"
#include "jobspec.h"
#include "log.h"
#include "maint.h"
#include "notifier.h"
#include "procenv.h"
#include "runner.h"
#include "status.h"
#include "statusview.h"

#ifndef RDS_VERSION
#define RDS_VERSION "0.1.0"
#endif

static struct job_stop stop;

static void on_stop(int sig)
{
	(void)sig;
	job_stop_request(&stop);
}

static void on_chld(int sig)
{
	(void)sig;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: rds-agent [FLAGS] [status [--json] | health | hook pre|post | forget [--dry-run] | prune | "
		   "check]\n"
		   "\n"
		   "Backs up BACKUP_PATH with restic to sftp:SSH_HOST:REPO_PATH on the RUN_AT schedule,\n"
		   "running PRE_HOOK and POST_HOOK in one running container of SERVICE_NAME on this node.\n"
		   "With RUN_AT empty it takes one backup and exits with its result.\n"
		   "\n"
		   "Label mode (DISCOVER=labels; deploy the agent as a global service): backs up every\n"
		   "service labelled rds.backup=true that runs a task on this node, each its own job:\n"
		   "hooks from rds.backup.pre-hook/post-hook in this node's container, the container's\n"
		   "named volumes from VOLUMES_ROOT, repository rds.backup.repo (default the service\n"
		   "name), schedule rds.backup.at (default RUN_AT). SERVICE_NAME, REPO_PATH, PRE_HOOK\n"
		   "and POST_HOOK are then refused: the labels bring them. runrestic --help lists the jobs.\n"
		   "\n"
		   "Commands:\n"
		   "  (none)        run the schedule (or one backup when RUN_AT is empty)\n"
		   "  status [--json]  a table of every job from STATUS_FILE: state, last success and\n"
		   "                its age, next run, last snapshot, bytes added, runs, failures,\n"
		   "                skipped/delayed ticks, forget/prune/check; --json prints the file\n"
		   "  health        print the health verdict from STATUS_FILE; exit 0 healthy, 1 unhealthy\n"
		   "  hook pre|post run one hook now and print its output\n"
		   "  forget [--dry-run]  apply FORGET_KEEP_* to this job's snapshots now; --dry-run\n"
		   "                shows what it would keep and remove, and removes nothing\n"
		   "  prune         run 'restic prune' now (PRUNE_ARGS); exit 0 ok, 1 failed\n"
		   "  check         run 'restic check' now (CHECK_ARGS); exit 0 ok, 1 failed\n"
		   "\n"
		   "Settings (flag, environment variable, meaning, default):\n");
	config_usage(f);
	fprintf(f, "\n"
		   "Exit codes: 0 ok, 1 backup failed, 2 bad configuration, 3 backup incomplete.\n"
		   "Signals: SIGTERM/SIGINT stop scheduling, interrupt restic (it removes its lock)\n"
		   "and wait up to STOP_TIMEOUT before killing it; the post-hook gets what is left.\n"
		   "\n"
		   "Health (rds-agent health; Swarm replaces a task that stays unhealthy):\n"
		   "  healthy    while a backup runs (unless it overruns every time limit: stuck);\n"
		   "             while the last backup succeeded and one succeeded within\n"
		   "             HEALTH_MAX_AGE (default: twice the schedule's longest gap + 10m)\n"
		   "  unhealthy  after this agent's last backup failed, until the next one starts;\n"
		   "             when no backup succeeded within HEALTH_MAX_AGE of the last success\n"
		   "             or of this agent's start (a new agent always gets its first turn)\n");
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop; /* no SA_RESTART: sleeps and polls wake up */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int exit_code_for(enum status_result r)
{
	return r == STATUS_OK ? 0 : r == STATUS_INCOMPLETE ? 3 : 1;
}

/* Once at start: what is kept, pruned and checked. */
static void log_policy(const struct config *c)
{
	char policy[300];

	retention_describe(&c->retention, policy, sizeof(policy));
	log_info("retention: %s; prune %s%s%s; check %s%s%s", policy, c->prune_scheduled ? "at '" : "never scheduled",
		 c->prune_scheduled ? c->prune_at : "", c->prune_scheduled ? "'" : "",
		 c->check_scheduled ? "at '" : "never scheduled", c->check_scheduled ? c->check_at : "",
		 c->check_scheduled ? "'" : "");
}

/* 1 unless argv names a command (health, status, ...): only the agent
 * that would run the schedule sends config_error. */
static int runs_schedule(int argc, char **argv)
{
	static const char *const cmds[] = { "health", "status", "hook", "forget",   "prune",
					    "check",  "--help", "-h",   "--version" };
	for (int i = 1; i < argc; i++)
		for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
			if (!strcmp(argv[i], cmds[k]))
				return 0;
	return 1;
}

/* The scheduler would not start: tell NOTIFY_URLS when they can be read
 * (notifier.h; once an hour for the same error). */
static void notify_config_error(const struct config *c, const char *why)
{
	struct notifier n;
	char err[512], node[256];

	if (!c->notify_urls || !*c->notify_urls || notifier_init(&n, c, err, sizeof(err)) < 0)
		return;
	if (gethostname(node, sizeof(node)) < 0)
		node[0] = '\0';
	rds_log_init(RDS_LOG_INFO, c->log_format && !strcmp(c->log_format, "json"));
	notifier_config_error(&n, c, node, why);
	notifier_free(&n);
}

static int cmd_status(const struct config *c, int json)
{
	struct status *v = NULL;
	size_t n = 0;
	char err[1024];

	if (json) {
		char *text = NULL;
		size_t len = 0;
		/* The file as it is: what the agent wrote, for programs. */
		if (status_read_all(c->status_file, &v, &n, err, sizeof(err)) < 0 ||
		    read_file_bounded(c->status_file, 16 * 1024 * 1024, &text, &len) < 0) {
			fprintf(stderr, "rds-agent: %s\n", v ? strerror(errno) : err);
			free(v);
			return 1;
		}
		fwrite(text, 1, len, stdout);
		if (len && text[len - 1] != '\n')
			putchar('\n');
		free(text);
		free(v);
		return 0;
	}
	if (status_read_all(c->status_file, &v, &n, err, sizeof(err)) < 0) {
		fprintf(stderr, "rds-agent: %s (has the agent run yet?)\n", err);
		return 1;
	}
	statusview_print(stdout, v, n, time(NULL));
	free(v);
	return 0;
}

static int cmd_health(const struct config *c)
{
	struct status *v = NULL;
	size_t n = 0;
	char why[16384];
	int rc;

	if (status_read_all(c->status_file, &v, &n, why, sizeof(why)) < 0 ||
	    (!(c->discover && !strcmp(c->discover, "labels")) && n != 1)) {
		if (v)
			snprintf(why, sizeof(why), "STATUS_FILE %s is not a status file of this agent", c->status_file);
		printf("unhealthy: %s\n", why);
		free(v);
		return 1;
	}
	if (c->discover && !strcmp(c->discover, "labels"))
		rc = status_health_all(v, n, time(NULL), why, sizeof(why));
	else
		rc = status_health(&v[0], time(NULL), why, sizeof(why));
	printf("%s\n", why);
	free(v);
	return rc;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct jobspec spec;
	struct job job;
	char err[1024];
	int optind_ = 1, rc = 2, r, dry_run = 0, json = 0;
	const char *cmd = NULL, *hook = NULL;

	config_init(&cfg);
	memset(&spec, 0, sizeof(spec));
	memset(&job, 0, sizeof(job));
	if (config_load_env(&cfg, NULL, err, sizeof(err)) < 0) {
		struct config nc;
		char nerr[512];
		fprintf(stderr, "rds-agent: %s\n", err);
		config_init(&nc);
		if (runs_schedule(argc, argv) && config_load_notify(&nc, NULL, nerr, sizeof(nerr)) == 0)
			notify_config_error(&nc, err);
		config_free(&nc);
		goto out;
	}
	{
		/* The hooks' text may hold a password, the URLs a token: not in
		 * /proc/1/environ for as long as the agent lives (the values are
		 * copied now; rds-notify gets the URLs for its few seconds). */
		static const char *const hook_env[] = { "PRE_HOOK", "POST_HOOK", "NOTIFY_URLS", "PING_URL", NULL };
		if (procenv_blank(hook_env, err, sizeof(err)) < 0)
			fprintf(stderr,
				"rds-agent: warning: PRE_HOOK, POST_HOOK, NOTIFY_URLS, PING_URL stay visible in "
				"/proc/%ld/environ: %s\n",
				(long)getpid(), err);
	}
	r = config_parse_args(&cfg, argc, argv, &optind_, err, sizeof(err));
	if (r == 1) {
		usage(stdout);
		rc = 0;
		goto out;
	} else if (r == 2) {
		printf("rds-agent %s\n", RDS_VERSION);
		rc = 0;
		goto out;
	} else if (r < 0) {
		fprintf(stderr, "rds-agent: %s\n", err);
		goto out;
	}
	if (optind_ < argc)
		cmd = argv[optind_++];
	if (cmd && !strcmp(cmd, "hook") && optind_ < argc)
		hook = argv[optind_++];
	if (cmd && !strcmp(cmd, "forget") && optind_ < argc && !strcmp(argv[optind_], "--dry-run")) {
		dry_run = 1;
		optind_++;
	}
	if (cmd && !strcmp(cmd, "status") && optind_ < argc && !strcmp(argv[optind_], "--json")) {
		json = 1;
		optind_++;
	}
	if ((cmd && strcmp(cmd, "health") && strcmp(cmd, "status") && strcmp(cmd, "hook") && strcmp(cmd, "run") &&
	     strcmp(cmd, "prune") && strcmp(cmd, "check") && strcmp(cmd, "forget")) ||
	    optind_ < argc ||
	    (cmd && !strcmp(cmd, "hook") && (!hook || (strcmp(hook, "pre") && strcmp(hook, "post"))))) {
		fprintf(stderr,
			"rds-agent: unexpected argument '%s'; commands are: status [--json], health, hook pre, hook "
			"post, forget "
			"[--dry-run], prune, check (see --help)\n",
			optind_ < argc ? argv[optind_] : cmd);
		goto out;
	}
	if (cmd && !strcmp(cmd, "health")) {
		rc = cmd_health(&cfg);
		goto out;
	}
	if (cmd && !strcmp(cmd, "status")) {
		rc = cmd_status(&cfg, json);
		goto out;
	}
	if (config_validate(&cfg, CONFIG_AGENT, err, sizeof(err)) < 0) {
		fprintf(stderr, "rds-agent: %s\n", err);
		if (!cmd)
			notify_config_error(&cfg, err);
		goto out;
	}
	if (*cfg.tz && setenv("TZ", cfg.tz, 1) < 0) {
		fprintf(stderr, "rds-agent: TZ: %s\n", strerror(errno));
		goto out;
	}
	tzset();
	rds_log_init(cfg.verbose ? RDS_LOG_DEBUG : RDS_LOG_INFO, !strcmp(cfg.log_format, "json"));
	install_signals();
	if (cfg.label_mode) {
		struct runner_opts ro = { &cfg, &stop, 1, time(NULL), RDS_VERSION };
		if (cmd) {
			fprintf(stderr,
				"rds-agent: '%s' works on the one job of seed mode; with DISCOVER=labels use runrestic "
				"-r "
				"REPO (see runrestic --help for the jobs' repositories)\n",
				cmd);
			goto out;
		}
		log_info("rds-agent %s: label mode, default schedule '%s'%s%s, at most %d restic at once", RDS_VERSION,
			 cfg.scheduled ? cfg.run_at : "(none: each service sets rds.backup.at)", *cfg.tz ? " in " : "",
			 cfg.tz, cfg.max_parallel);
		log_policy(&cfg);
		rc = runner_run(&ro, NULL);
		goto out;
	}
	if (jobspec_from_config(&spec, &cfg) < 0) {
		fprintf(stderr, "rds-agent: out of memory\n");
		goto out;
	}
	if (cfg.scheduled && !cmd) {
		struct runner_opts ro = { &cfg, &stop, 0, time(NULL), RDS_VERSION };
		log_info("rds-agent %s: schedule '%s'%s%s, host %s", RDS_VERSION, cfg.run_at, *cfg.tz ? " in " : "",
			 cfg.tz, cfg.backup_host);
		log_policy(&cfg);
		rc = runner_run(&ro, &spec);
		goto out;
	}
	if (job_prepare(&job, &cfg, &spec, &stop, err, sizeof(err)) < 0 ||
	    (cfg.scheduled && runner_health_window(cfg.health_max_age_s, &cfg.cron, cfg.run_at, &job.st.max_age_s, err,
						   sizeof(err)) < 0)) {
		fprintf(stderr, "rds-agent: %s\n", err);
		rc = 2;
		goto out;
	}
	job.st.agent_started = time(NULL);
	if (!hook)
		job_load_status(&job);
	if (hook) {
		rc = job_run_hook(&job, hook) == 0 ? 0 : 1;
	} else if (cmd && !strcmp(cmd, "forget")) {
		if (!retention_is_set(&cfg.retention)) {
			fprintf(stderr, "rds-agent: no FORGET_KEEP_* is set: every snapshot is kept, there is nothing "
					"to forget\n");
			rc = 2;
		} else {
			rc = maint_forget(&job, dry_run) == STATUS_OK ? 0 : 1;
		}
	} else if (cmd && (!strcmp(cmd, "prune") || !strcmp(cmd, "check"))) {
		rc = (!strcmp(cmd, "prune") ? maint_prune(&job) : maint_check(&job)) == STATUS_OK ? 0 : 1;
	} else {
		log_info("rds-agent %s: one backup now (RUN_AT is empty)", RDS_VERSION);
		log_policy(&cfg);
		rc = exit_code_for(job_run(&job));
	}
out:
	job_free(&job);
	jobspec_free(&spec);
	config_free(&cfg);
	return rc;
}
