/* config: the agent's settings as one table (environment variable, CLI flag,
 * default, help; parsed by cfgtab) and their validation. Sources in increasing precedence: defaults, the
 * environment, EXTRA_ARGS (split like shell words), the command line.
 * Errors name the setting, show the bad value (never a secret's content) and
 * say what would be valid. */
#ifndef RDS_CONFIG_H
#define RDS_CONFIG_H
#include <stddef.h>
#include <stdio.h>

#include "cron.h"
#include "notifymsg.h"
#include "retention.h"
#include "util.h"

struct config {
	/* The seed's variables. */
	char *ssh_host, *backup_path, *repo_path, *service_name;
	char *pre_hook, *post_hook, *run_at;
	char *privkey_file, *known_hosts_file, *password_file, *extra_args;
	int ssh_port;
	/* Ours. */
	char *ssh_user, *backup_host, *status_file, *docker_host, *tz;
	char *restic_bin, *run_dir, *log_format;
	char *prune_at, *check_at, *prune_args, *check_args;
	char *discover, *max_parallel_text, *volumes_root; /* label mode */
	char *metrics_addr, *notify_urls, *notify_on, *ping_url, *notify_urls_file, *ping_url_file;
	char *keep[8]; /* FORGET_KEEP_LAST..YEARLY, _WITHIN, _TAG: retention_vars' order */
	long hook_timeout_s, stop_timeout_s, backup_timeout_s, health_max_age_s;
	int verbose;
	struct strvec ssh_options, restic_args;
	/* Derived by config_validate. */
	struct strvec pre_argv, post_argv;
	struct cron_expr cron, prune_cron, check_cron;
	int scheduled;                        /* RUN_AT set */
	int prune_scheduled, check_scheduled; /* PRUNE_AT, CHECK_AT set */
	struct strvec prune_argv, check_argv; /* PRUNE_ARGS, CHECK_ARGS split */
	struct retention retention;           /* FORGET_KEEP_* */
	int label_mode;                       /* DISCOVER=labels */
	int max_parallel;                     /* MAX_PARALLEL */
	enum notify_on notify;                /* NOTIFY_ON */
};

enum config_mode { CONFIG_AGENT, CONFIG_RUNRESTIC };

/* Sets every default. */
void config_init(struct config *c);
void config_free(struct config *c);

/* Reads the environment (through getenv_fn, NULL = getenv) and then EXTRA_ARGS.
 * Returns 0 or -1 with err set. */
int config_load_env(struct config *c, const char *(*getenv_fn)(const char *), char *err, size_t errlen);

/* Parses command-line flags starting at argv[*argi]; stops at the first
 * non-flag word or "--" and leaves *argi there. Returns 0, 1 when --help was
 * asked, 2 for --version, -1 with err set. */
int config_parse_args(struct config *c, int argc, char **argv, int *argi, char *err, size_t errlen);

/* For the config_error notification when config_load_env failed: into c
 * (fresh from config_init) only NOTIFY_URLS(_FILE), NOTIFY_ON, STATUS_FILE
 * and LOG_FORMAT from the environment, checked. Returns 0 or -1 (err set). */
int config_load_notify(struct config *c, const char *(*getenv_fn)(const char *), char *err, size_t errlen);

/* Checks every setting for the given program and derives the hook argv and
 * the schedule. Secret files are opened to prove they are readable and
 * non-empty; their content is never copied into err. Returns 0 or -1. */
int config_validate(struct config *c, enum config_mode mode, char *err, size_t errlen);

/* Writes the flag/variable/default table for --help. */
void config_usage(FILE *f);

#endif
