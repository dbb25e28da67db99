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
#include "jobsched.h"
#include "log.h"
#include "maint.h"
#include "procenv.h"
#include "status.h"

#ifndef RDS_VERSION
#define RDS_VERSION "0.1.0"
#endif

/* Added to twice the schedule's longest gap: a run's own duration and a
 * late start. */
#define HEALTH_GRACE_S 600

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
	fprintf(f, "Usage: rds-agent [FLAGS] [health | hook pre|post | forget [--dry-run] | prune | check]\n"
		   "\n"
		   "Backs up BACKUP_PATH with restic to sftp:SSH_HOST:REPO_PATH on the RUN_AT schedule,\n"
		   "running PRE_HOOK and POST_HOOK in one running container of SERVICE_NAME on this node.\n"
		   "With RUN_AT empty it takes one backup and exits with its result.\n"
		   "\n"
		   "Commands:\n"
		   "  (none)        run the schedule (or one backup when RUN_AT is empty)\n"
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

/* Waits until `until` or a stop request. Signals are blocked and taken with
 * sigtimedwait so that one arriving just before the wait is not lost; SIGCHLD
 * wakes us to reap (PID 1 duty). */
static void sleep_until(time_t until)
{
	sigset_t set, old;
	siginfo_t info;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	while (!stop.requested) {
		struct timespec now, ts;
		int sig;

		child_reap_all();
		clock_gettime(CLOCK_REALTIME, &now);
		if (now.tv_sec >= until)
			break;
		/* To the start of second `until`, not a whole number of seconds
		 * from now (that woke up to a second late). At least hourly, so
		 * a changed wall clock is noticed. */
		if (until - now.tv_sec > 3600) {
			ts.tv_sec = 3600;
			ts.tv_nsec = 0;
		} else {
			ts.tv_sec = until - now.tv_sec - 1;
			ts.tv_nsec = 1000000000L - now.tv_nsec;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
		}
		sig = sigtimedwait(&set, &info, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			job_stop_request(&stop);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void fmt_local(time_t t, char *buf, size_t len)
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm);
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

/* Runs ops[i] of the schedule now. */
static void run_op(struct job *j, int i)
{
	if (i == 0)
		job_run(j);
	else if (i == 1)
		maint_prune(j);
	else
		maint_check(j);
}

/* The backup (RUN_AT), prune (PRUNE_AT) and check (CHECK_AT) of the job,
 * one at a time (jobsched): a tick during another operation runs right
 * after it, and the log and the status say how late. */
static int run_scheduled(struct job *j)
{
	const struct config *c = j->cfg;
	struct jobsched_op ops[3] = {
		{ .name = "backup", .cron = &c->cron },
		{ .name = "prune", .cron = c->prune_scheduled ? &c->prune_cron : NULL },
		{ .name = "check", .cron = c->check_scheduled ? &c->check_cron : NULL },
	};
	const char *last = NULL;
	char when[64], late[32];

	if (jobsched_init(ops, 3, time(NULL)) < 0 || !ops[0].next) {
		log_error("RUN_AT='%s' never fires; nothing to do", c->run_at);
		return 2;
	}
	while (!stop.requested) {
		int i = jobsched_pick(ops, 3);
		long skipped;
		time_t start;

		if (i < 0)
			break;
		j->st.next_run = ops[0].next;
		if (status_write(c->status_file, &j->st, 0) < 0)
			log_warn("cannot write STATUS_FILE %s: %s", c->status_file, strerror(errno));
		fmt_local(ops[i].next, when, sizeof(when));
		if (ops[i].waiting && time(NULL) > ops[i].next) {
			status_fmt_duration((long)(time(NULL) - ops[i].next), late, sizeof(late));
			log_warn("%s of %s delayed by %s: the %s ran until now", ops[i].name, when, late, last);
		} else if (ops[i].waiting) {
			log_info("%s of %s right after the %s", ops[i].name, when, last);
		} else {
			log_info("next %s at %s", ops[i].name, when);
			sleep_until(ops[i].next);
			if (stop.requested)
				break;
		}
		start = time(NULL);
		skipped = ops[i].skipped;
		run_op(j, i);
		jobsched_done(ops, 3, i, start, time(NULL));
		last = ops[i].name;
		if (ops[i].skipped > skipped)
			log_warn("skipped %ld scheduled run(s) of the %s: they came while it was waiting or running",
				 ops[i].skipped - skipped, ops[i].name);
		if (i == 0) {
			j->st.skipped_ticks += ops[0].skipped - skipped;
			j->st.delayed_s = ops[0].delayed_s;
		} else {
			(i == 1 ? &j->st.prune : &j->st.check)->delayed_s = ops[i].delayed_s;
		}
	}
	log_info("stopping: no further backups are scheduled");
	j->st.next_run = 0;
	if (status_write(c->status_file, &j->st, 1) < 0)
		log_warn("cannot write STATUS_FILE %s: %s", c->status_file, strerror(errno));
	return 0;
}

/* How long without a successful backup is unhealthy: HEALTH_MAX_AGE, or
 * twice the schedule's longest gap plus HEALTH_GRACE_S (one missed run is
 * tolerated). A HEALTH_MAX_AGE shorter than the longest gap would make the
 * agent unhealthy between two good backups, and Swarm would replace it
 * every time: refused. Returns 0, or -1 with err set. */
static int health_window(const struct config *c, long *max_age, char *err, size_t errlen)
{
	time_t gap;
	char g[32];

	*max_age = 0;
	if (!c->scheduled)
		return 0;
	if (cron_interval(&c->cron, time(NULL), &gap) < 0) {
		if (c->health_max_age_s)
			*max_age = c->health_max_age_s;
		else
			log_warn("RUN_AT='%s' fires too rarely to judge how fresh backups are; set HEALTH_MAX_AGE "
				 "to have health check it",
				 c->run_at);
		return 0;
	}
	if (c->health_max_age_s && c->health_max_age_s <= gap) {
		status_fmt_duration((long)gap, g, sizeof(g));
		snprintf(err, errlen,
			 "HEALTH_MAX_AGE=%lds is not longer than the longest gap between two backups of RUN_AT='%s' "
			 "(%s): the agent would turn unhealthy between good backups and Swarm would replace it; use "
			 "more than %s, or 0 for twice that gap plus 10m",
			 c->health_max_age_s, c->run_at, g, g);
		return -1;
	}
	*max_age = c->health_max_age_s ? c->health_max_age_s : 2 * (long)gap + HEALTH_GRACE_S;
	return 0;
}

static int cmd_health(const struct config *c)
{
	struct status st;
	char why[700];
	int rc;

	if (status_read(c->status_file, &st, why, sizeof(why)) < 0) {
		printf("unhealthy: %s\n", why);
		return 1;
	}
	rc = status_health(&st, time(NULL), why, sizeof(why));
	printf("%s\n", why);
	return rc;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct job job;
	char err[1024];
	int optind_ = 1, rc = 2, r, dry_run = 0;
	const char *cmd = NULL, *hook = NULL;

	config_init(&cfg);
	if (config_load_env(&cfg, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "rds-agent: %s\n", err);
		goto out;
	}
	{
		/* The hooks' text may hold a password: not in /proc/1/environ
		 * for as long as the agent lives (the values are copied now). */
		static const char *const hook_env[] = { "PRE_HOOK", "POST_HOOK", NULL };
		if (procenv_blank(hook_env, err, sizeof(err)) < 0)
			fprintf(stderr, "rds-agent: warning: PRE_HOOK/POST_HOOK stay visible in /proc/%ld/environ: %s\n",
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
	if ((cmd && strcmp(cmd, "health") && strcmp(cmd, "hook") && strcmp(cmd, "run") && strcmp(cmd, "prune") &&
	     strcmp(cmd, "check") && strcmp(cmd, "forget")) ||
	    optind_ < argc ||
	    (cmd && !strcmp(cmd, "hook") && (!hook || (strcmp(hook, "pre") && strcmp(hook, "post"))))) {
		fprintf(stderr,
			"rds-agent: unexpected argument '%s'; commands are: health, hook pre, hook post, forget "
			"[--dry-run], prune, check (see --help)\n",
			optind_ < argc ? argv[optind_] : cmd);
		goto out;
	}
	if (cmd && !strcmp(cmd, "health")) {
		rc = cmd_health(&cfg);
		goto out;
	}
	if (config_validate(&cfg, CONFIG_AGENT, err, sizeof(err)) < 0) {
		fprintf(stderr, "rds-agent: %s\n", err);
		goto out;
	}
	if (*cfg.tz && setenv("TZ", cfg.tz, 1) < 0) {
		fprintf(stderr, "rds-agent: TZ: %s\n", strerror(errno));
		goto out;
	}
	tzset();
	rds_log_init(cfg.verbose ? RDS_LOG_DEBUG : RDS_LOG_INFO, !strcmp(cfg.log_format, "json"));
	install_signals();
	if (job_prepare(&job, &cfg, &stop, err, sizeof(err)) < 0 ||
	    health_window(&cfg, &job.st.max_age_s, err, sizeof(err)) < 0) {
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
	} else if (!cfg.scheduled) {
		log_info("rds-agent %s: one backup now (RUN_AT is empty)", RDS_VERSION);
		log_policy(&cfg);
		rc = exit_code_for(job_run(&job));
	} else {
		log_info("rds-agent %s: schedule '%s'%s%s, host %s", RDS_VERSION, cfg.run_at, *cfg.tz ? " in " : "",
			 cfg.tz, cfg.backup_host);
		log_policy(&cfg);
		rc = run_scheduled(&job);
	}
out:
	config_free(&cfg);
	return rc;
}
