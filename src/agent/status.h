/* status: the result of every backup run, kept in a JSON file that is
 * replaced atomically after each change, read by `rds-agent health`, and
 * read back by the next agent that starts with the same file (a volume), so
 * that the last success and the repository it has seen outlive a container. */
#ifndef RDS_STATUS_H
#define RDS_STATUS_H
#include <stddef.h>
#include <time.h>

enum status_result { STATUS_NONE = 0, STATUS_OK, STATUS_INCOMPLETE, STATUS_FAILED };

/* The last run of a maintenance operation (forget, prune, check). */
struct status_op {
	time_t last_start, last_end, last_success;
	enum status_result result; /* STATUS_NONE: never ran */
	char message[512];         /* one line: its numbers, or why it failed */
	double duration_s;
	long runs, failures, agent_runs; /* agent_runs: of the agent that wrote the file */
	long delayed_s;                  /* how late its last run started (another operation ran) */
	long long bytes_freed;           /* prune: space freed, -1 when restic did not say */
	long removed, kept;              /* forget: snapshots removed and kept */
};

struct status {
	char job[256];        /* the snapshot host: one job per agent */
	char repository[600]; /* where it backs up to, e.g. "sftp:restic@server:db (port 2222)" */
	time_t agent_started; /* of the agent that wrote the file */
	time_t last_start, last_end, last_success, next_run;
	time_t repo_seen;                       /* when a backup or init first succeeded in repository; 0: never */
	long max_age_s;                         /* no success for longer is unhealthy; 0: not checked (one-shot) */
	long run_limit_s;                       /* a run longer than this is stuck; 0: no limit */
	enum status_result result;              /* of the last finished run (maybe an earlier agent's) */
	int running;                            /* a run is in progress */
	char running_op[16];                    /* which: "backup" (or ""), "prune", "check", "forget" */
	char message[512];                      /* one line, no secrets */
	char snapshot_id[80];                   /* of the last successful backup */
	long long bytes_added, bytes_processed; /* of the last backup */
	long files_new, files_changed, files_unmodified;
	double duration_s;
	/* Counters, all agents': runs = ok + incompletes + failures. */
	long runs, failures, incompletes, skipped_ticks;
	long delayed_runs;                          /* backups that started late (maintenance ran) */
	long pre_hook_failures, post_hook_failures; /* hooks that failed, timed out or could not run */
	long agent_runs;                            /* runs of the agent that wrote the file */
	long delayed_s;                             /* how late the last backup started (maintenance ran) */
	struct status_op forget, prune, check;
	/* The host name of the agent that wrote the record (restic's locks of
	 * its runs carry it); "" in a file of an older agent. */
	char agent_host[256];
	/* Label mode. */
	char service[256];   /* the Swarm service it backs up ("" in seed mode) */
	char repo_path[256]; /* the repository's path on the server (runrestic -r) */
	char host[256];      /* restic --host of its snapshots */
	time_t gone;         /* when its service left this node (no longer scheduled); 0: present */
	int refused;         /* its labels were refused: message says why; it never runs */
};

#define STATUS_JOBS_MAX 4096 /* entries in one STATUS_FILE */

const char *status_result_name(enum status_result r);

/* Writes s to path atomically (mode 0644); every string is written as valid
 * UTF-8. durable: fsynced (the end of a run); else a crash may lose it (the
 * start of a run, the next run time). Returns 0 or -1 with errno set. */
int status_write(const char *path, const struct status *s, int durable);

/* The same for n >= 1 jobs in one file, keyed by their job names (which
 * must differ); every entry's agent_started is taken from v[0]. */
int status_write_all(const char *path, const struct status *const *v, size_t n, int durable);

/* Reads path into s; the file must hold exactly one job (seed mode).
 * Returns 0, or -1 with a reason in err. */
int status_read(const char *path, struct status *s, char *err, size_t errlen);

/* Reads every job of path: *out is new (free()), *n entries, in the file's
 * order (sorted by name). Returns 0, or -1 with a reason in err. */
int status_read_all(const char *path, struct status **out, size_t *n, char *err, size_t errlen);

/* Takes over what an earlier agent recorded in prev for the same job and
 * repository: the last run and success, the repository's first sighting and
 * the counters. A run that prev shows as still running never finished (its
 * agent was killed): it is recorded as failed. Returns 1 when taken over, 0
 * when prev is another job's or repository's (nothing is taken). */
int status_carry_over(struct status *s, const struct status *prev);

/* Health verdict at time now: 0 healthy, 1 unhealthy; why gets one line.
 * Unhealthy: a run going on for longer than run_limit_s; the last run of
 * this agent (agent_runs > 0) failed; this agent's last repository check
 * failed; or no successful backup for max_age_s, counted from the later of
 * the last success and the agent's start. Everything else is healthy, a
 * running backup above all; a failed forget or prune, and an earlier
 * agent's failures, are told in the text. */
int status_health(const struct status *s, time_t now, char *why, size_t whylen);

/* The verdict over the n jobs of a label-mode agent (v as status_read_all
 * gives them): unhealthy when a job is unhealthy by status_health, except
 * while another job runs (Swarm would kill that backup to replace the
 * agent) unless the unhealthy one is stuck. Gone jobs are left out; a job
 * whose labels were refused is named but never unhealthy (a new agent would
 * be refused the same). why names every unhealthy job and every warning. */
int status_health_all(const struct status *v, size_t n, time_t now, char *why, size_t whylen);

/* "1.5 MiB", "312 B": a size for people (binary units). */
void status_fmt_bytes(long long b, char *buf, size_t len);

/* "2h13m", "3d4h", "45s": a duration for people. */
void status_fmt_duration(long s, char *buf, size_t len);

#endif
