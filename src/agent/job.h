/* job: one backup run — pre-hook in the service, restic backup over SFTP,
 * post-hook — and its result in a struct status. */
#ifndef RDS_JOB_H
#define RDS_JOB_H
#include <limits.h>
#include <signal.h>

#include "config.h"
#include "jobspec.h"
#include "restic.h"
#include "status.h"

/* A stop request as a signal handler records it: the flag, and the
 * CLOCK_MONOTONIC time (seconds, milliseconds) at which the first one came,
 * from which STOP_TIMEOUT counts. */
struct job_stop {
	volatile sig_atomic_t requested, at_s, at_ms;
};

/* Records a stop request; async-signal-safe, for a signal handler. */
void job_stop_request(struct job_stop *s);

struct job {
	const struct config *cfg;     /* borrowed: the agent-wide settings */
	const struct jobspec *spec;   /* borrowed: what this job backs up, where, when */
	struct restic_remote remote;  /* strings borrowed from cfg, spec, key_copy, backup_args */
	struct strvec backup_args;    /* -e flags, then the spec's own (owned) */
	/* Owned paths, allocated to size: a label-mode agent holds one job per
	 * service (three PATH_MAX arrays would be 12 KiB of each). */
	char *key_copy;              /* private 0600 copy of SSH_PRIVKEY_FILE */
	char *ssh_log;               /* ssh -E file, truncated before each restic run */
	char *hook_bin;              /* the rds-hook helper, when hooks are set; else NULL */
	const struct job_stop *stop; /* borrowed; may be NULL */
	const volatile sig_atomic_t *stop_flag; /* &stop->requested, or NULL */
	/* The host name of an earlier agent that was killed during a run and
	 * is known dead (its STATUS_FILE says running, and this agent holds
	 * the lock of STATUS_FILE's directory): its restic locks are removed
	 * before this agent's first run. Owned; NULL: none. */
	char *dead_host;
	struct status st;
	/* Where the status goes after each change: NULL writes STATUS_FILE
	 * with this one job (seed mode); the label-mode agent sends it to its
	 * scheduler, which writes every job's. durable as status_write's. */
	void (*publish)(struct job *j, int durable, void *ud);
	void *publish_ud;
};

/* Hands j->st to j->publish (or writes STATUS_FILE); a failed write is
 * logged, never fatal. */
void job_publish(struct job *j, int durable);

/* 1 when a stop was requested (the job's stop flag is set). */
int job_stopping(const struct job *j);

/* Copies the SSH key to a private file in cfg->run_dir, fills the remote and
 * the status's job, repository and run limit for spec (borrowed; it must
 * outlive j). Returns 0 or -1 with err set; job_free in either case. */
int job_prepare(struct job *j, const struct config *cfg, const struct jobspec *spec, const struct job_stop *stop,
		char *err, size_t errlen);

/* Frees what j owns (NULL-safe; j stays usable for job_prepare). */
void job_free(struct job *j);

/* Makes path (copied) j's ssh -E file instead of the one job_prepare set,
 * so that jobs running at once each have their own. Returns 0 or -1 (out of
 * memory; j keeps its file). */
int job_set_ssh_log(struct job *j, const char *path);

/* Takes over what STATUS_FILE says of this job from an earlier agent (the
 * last success, the repository's first sighting, the counters), and logs
 * what it found. A missing or foreign file is not an error. */
void job_load_status(struct job *j);

/* Takes the lock of STATUS_FILE's directory (flock, held until the process
 * ends; forked workers share it; later calls return the first answer): an
 * agent that holds it knows that no other live agent uses this STATUS_FILE,
 * so an earlier agent whose run never finished is dead. Returns 1 held, 0
 * another process holds it, -1 it cannot be taken (no directory, a file
 * system without flock). */
int job_status_dir_lock(const char *status_file);

/* prev: an earlier agent's record of j. When that agent was killed in a
 * run on another host name (a replaced container) and this agent holds the
 * lock of STATUS_FILE's directory (so no other live agent writes it), the
 * locks that host left are marked for removal before j's first run
 * (j->dead_host); otherwise it is logged that they stay. */
void job_adopt_dead_host(struct job *j, const struct status *prev);

/* Before this agent's first restic run of j: removes the locks that a
 * killed predecessor on another host name left (j->dead_host), which
 * restic's own unlock would keep for 30 minutes. */
void job_clear_dead_locks(struct job *j);

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
