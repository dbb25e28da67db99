/* job: one backup run — pre-hook in the service, restic backup over SFTP,
 * post-hook — and its result in a struct status. */
#ifndef RDS_JOB_H
#define RDS_JOB_H
#include <limits.h>
#include <signal.h>

#include "config.h"
#include "restic.h"
#include "status.h"

struct job {
	const struct config *cfg;    /* borrowed */
	struct restic_remote remote; /* strings borrowed from cfg and key_copy */
	char key_copy[PATH_MAX];     /* private 0600 copy of SSH_PRIVKEY_FILE */
	char ssh_log[PATH_MAX];      /* ssh -E file, truncated before each restic run */
	char hook_bin[PATH_MAX];     /* the rds-hook helper, when hooks are set */
	int repo_ready;              /* a backup or init succeeded in this process */
	const volatile sig_atomic_t *stop;
	struct status st;
};

/* Copies the SSH key to a private file in cfg->run_dir and fills the remote.
 * Returns 0 or -1 with err set. */
int job_prepare(struct job *j, const struct config *cfg, const volatile sig_atomic_t *stop, char *err, size_t errlen);

/* Runs one backup; updates j->st and writes the status file. Returns the
 * result. */
enum status_result job_run(struct job *j);

/* Runs only one hook now ("pre" or "post"); returns its exit code, or -1 when
 * it could not run. For trying a hook from the command line. */
int job_run_hook(struct job *j, const char *which);

/* Makes the private key copy (0600) of src in dir; dst gets its path. Logs a
 * warning when src is readable by group or others. Returns 0 or -1. */
int job_copy_key(const char *src, const char *dir, char *dst, size_t dstlen, char *err, size_t errlen);

/* The environment restic runs with: a few inherited variables only, so a
 * stray RESTIC_PASSWORD or RESTIC_REPOSITORY cannot redirect a backup. The
 * result is owned by the caller (strvec_free). */
int job_restic_env(struct strvec *env);

#endif
