/* statusview: `rds-agent status`, the jobs of a status file as a table for
 * people: per job its state (ok, incomplete, failed, running, refused,
 * gone, never), the last success and its age, the next run, the last
 * snapshot and what it added, runs and failures, skipped and delayed ticks,
 * and each maintenance operation's last result and age. Times are local
 * (TZ). Below the table, the message of every job that is not ok. */
#ifndef RDS_STATUSVIEW_H
#define RDS_STATUSVIEW_H
#include <stdio.h>
#include <time.h>

#include "status.h"

void statusview_print(FILE *f, const struct status *v, size_t n, time_t now);

#endif
