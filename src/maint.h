/* maint: a job's repository maintenance: restic prune and restic check,
 * each recorded in the status (j->st.prune, j->st.check) and STATUS_FILE
 * with one log line of its numbers. A stale lock is removed and the run
 * retried once, as for backups; a fresh lock of another host is reported,
 * never forced. A stop interrupts restic as for backups. */
#ifndef RDS_MAINT_H
#define RDS_MAINT_H
#include "job.h"

/* restic prune with PRUNE_ARGS. Returns the result. */
enum status_result maint_prune(struct job *j);

/* restic check with CHECK_ARGS. Returns the result. */
enum status_result maint_check(struct job *j);

#endif
