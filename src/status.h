/* status: the result of every backup run, kept in a JSON file that is
 * replaced atomically after each change and read by `rds-agent health`. */
#ifndef RDS_STATUS_H
#define RDS_STATUS_H
#include <stddef.h>
#include <time.h>

enum status_result { STATUS_NONE = 0, STATUS_OK, STATUS_INCOMPLETE, STATUS_FAILED };

struct status {
	char job[256]; /* the snapshot host: one job per agent */
	time_t agent_started;
	time_t last_start, last_end, last_success, next_run;
	long interval_s;           /* typical time between runs, 0 when one-shot */
	enum status_result result; /* of the last finished run */
	int running;               /* a run is in progress */
	char message[512];         /* one line, no secrets */
	char snapshot_id[80];
	long long bytes_added;
	long files_new, files_changed;
	double duration_s;
	long runs, failures, skipped_ticks;
};

const char *status_result_name(enum status_result r);

/* Writes s to path atomically (mode 0644). Returns 0 or -1 with errno set. */
int status_write(const char *path, const struct status *s);

/* Reads path into s. Returns 0, or -1 with a reason in err. */
int status_read(const char *path, struct status *s, char *err, size_t errlen);

/* Health verdict at time now: 0 healthy, 1 unhealthy; why gets one line. An
 * agent is unhealthy when its last run failed, or when no backup succeeded
 * within two intervals plus grace_s of the later of start and last success. */
int status_health(const struct status *s, time_t now, long grace_s, char *why, size_t whylen);

#endif
