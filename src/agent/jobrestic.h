/* jobrestic: one restic command for a job: the restricted environment, the
 * output kept bounded (stdout without progress lines, the tail of stderr
 * and of ssh's -E log), on a stop SIGINT to restic with STOP_TIMEOUT's
 * grace, and an optional deadline. What the output means is restic_out's. */
#ifndef RDS_JOBRESTIC_H
#define RDS_JOBRESTIC_H
#include "child.h"
#include "job.h"
#include "restic_out.h"

#define JOBRESTIC_STDERR_KEEP (16 * 1024)
#define JOBRESTIC_STDOUT_KEEP (256 * 1024)

struct jobrestic_run {
	/* In: a run made while stopping ignores the stop flag and is bounded
	 * by timeout_ms instead. */
	int while_stopping;
	long timeout_ms;
	/* In: mono_ms() by which restic must be done (BACKUP_TIMEOUT), 0 = none. */
	long long deadline_ms;
	/* In: called with every line of stdout (a line longer than
	 * CHILD_LINE_MAX comes in pieces); may be NULL. */
	void (*on_stdout)(void *ud, const char *line);
	void *ud;
	/* Out. */
	char *out; /* stdout minus progress lines, bounded */
	size_t out_len;
	char err[JOBRESTIC_STDERR_KEEP]; /* tail of stderr */
	size_t err_len;
	struct child_result res;
};

/* Runs argv (a restic command line for j's repository; borrowed). r's "in"
 * fields are read; r->out, when not NULL, must hold JOBRESTIC_STDOUT_KEEP + 1
 * bytes. Returns 0 when restic ran (see r->res), or -1 with the reason in
 * r->err. */
int jobrestic_exec(struct job *j, const char *what, const struct strvec *argv, struct jobrestic_run *r);

/* Builds and runs a command whose output does not matter (init, unlock);
 * stopping_ms > 0: run while stopping, bounded by it; deadline_ms as in
 * struct jobrestic_run. Logs a failure. Returns the outcome. */
enum restic_outcome jobrestic_simple(struct job *j, const char *what,
				     int (*build)(struct strvec *, const struct restic_remote *), long stopping_ms,
				     long long deadline_ms);

/* Brings j's missing repository into existence (repoclaim.h): claims its
 * directory with sftp's mkdir and runs restic init when the claim is ours
 * (or when sftp cannot tell: not installed, no connection); when another
 * agent holds the claim, waits up to JOBRESTIC_REPO_WAIT_S for its init
 * (polling every JOBRESTIC_REPO_POLL_MS), and runs init itself only when no
 * repository came (an init that died, a directory made by hand). Returns
 * RESTIC_OK once the repository exists, RESTIC_INTERRUPTED on a stop or at
 * deadline_ms (mono_ms, 0 = none) while no restic ran, else init's
 * outcome (logged). */
#define JOBRESTIC_REPO_WAIT_S 60
#define JOBRESTIC_REPO_POLL_MS 2000
enum restic_outcome jobrestic_create_repo(struct job *j, long long deadline_ms);

/* Removes the locks whose host name is host (an agent known to be dead:
 * its run never finished and the STATUS_FILE directory's lock is ours)
 * from j's repository: `restic list locks`, `restic cat lock` of each (at
 * most 64), sftp rm of those of host. Logs what it did. Returns how many
 * it removed, or -1. */
int jobrestic_remove_host_locks(struct job *j, const char *host);

/* The part of STOP_TIMEOUT kept for the unlock after an interrupted run. */
long jobrestic_unlock_reserve_ms(const struct job *j);

/* restic_argv_unlock for stale locks only, in jobrestic_simple's form. */
int jobrestic_unlock_stale(struct strvec *out, const struct restic_remote *r);

#endif
