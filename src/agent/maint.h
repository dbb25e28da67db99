/* maint: a job's repository maintenance: restic forget (the FORGET_KEEP_*
 * policy, this job's own snapshots only: its --host and all its tags),
 * prune and check, each recorded in the status (j->st.forget, .prune,
 * .check) and STATUS_FILE with one log line of its numbers. A stale lock is
 * removed and the run retried once, as for backups; a lock that another
 * restic holds is reported, never forced. A stop interrupts restic as for
 * backups. */
#ifndef RDS_MAINT_H
#define RDS_MAINT_H
#include "job.h"

/* restic forget with the policy. dry_run: restic's table of what it would
 * keep and remove goes to stdout, nothing is removed and nothing recorded.
 * Returns the result; STATUS_NONE when no policy is set (nothing runs). */
enum status_result maint_forget(struct job *j, int dry_run);

/* restic prune with PRUNE_ARGS. Returns the result. */
enum status_result maint_prune(struct job *j);

/* restic check with CHECK_ARGS. Returns the result. */
enum status_result maint_check(struct job *j);

#endif
