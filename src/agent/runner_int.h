/* runner_int: what runner.c (the loop, the workers) and runner_labels.c
 * (label mode's discovery and job table) share. Not a public API. */
#ifndef RDS_RUNNER_INT_H
#define RDS_RUNNER_INT_H
#include <limits.h>
#include <signal.h>
#include <sys/types.h>

#include "httpd.h"
#include "jobq.h"
#include "notifier.h"
#include "runner.h"

/* Gone jobs whose status is kept (the newest): this many, or as many as the
 * most jobs that were live at once, whichever is more, so that a dockerd
 * restart, whose re-listing finds no container running yet, loses no record. */
#define RUNNER_GONE_MAX 32

/* A worker's report: its job's status after a change. */
struct runner_msg {
	int durable;
	struct status st;
};

/* What a run may change, taken when it starts: what it changed is what is
 * notified (runner_notify.c). */
struct runner_mark {
	enum status_result result;
	long pre, post, forget, prune, check; /* failure counters */
};

struct rjob {
	struct jobspec spec;    /* owned; job borrows it */
	struct job job;         /* job.st is the scheduler's record of the job */
	int qid;                /* in the queue; -1: not scheduled (refused, gone) */
	int prepared;           /* job_prepare succeeded */
	pid_t worker;           /* the run going on, 0: none */
	int fd;                 /* its report pipe, -1: none */
	enum jobq_opkind op;    /* what it runs */
	long skipped0;          /* the op's skipped count when it started */
	struct runner_msg *msg; /* a report being read; owned, only while a worker runs */
	size_t have;            /* bytes of *msg read */
	struct jobspec pending; /* a change that came while it ran */
	int has_pending, revive, seen, seq;
	struct runner_mark mark; /* at the start of the run going on */
	time_t stale_base;       /* the freshness base a stale event was sent for; 0 none */
};

struct runner {
	const struct runner_opts *o;
	const struct config *cfg;
	struct jobq q;
	struct rjob **jobs;
	size_t n, cap;
	int running;
	sigset_t orig_mask;
	char last_op[16];
	time_t logged_next;
	int logged_op;
	int stop_sent;
	long long stop_deadline;
	long long clock_off_ms; /* wall clock minus monotonic clock at the last look; 0: not yet */
	/* Label mode. */
	struct status *prev; /* the earlier agent's record */
	size_t nprev;
	char disco_bin[PATH_MAX];
	pid_t disco_pid;
	int disco_in, disco_out;
	char *dbuf;
	size_t dlen;
	long long disco_restart_at;
	long disco_backoff_ms;
	char disco_err[512];
	int seq;
	size_t peak_live; /* the most jobs live at once */
	/* METRICS_ADDR */
	struct httpd http;
	int http_on;
	char node[256];          /* the node label: the Swarm node's name, else the host name */
	char restic_version[64]; /* "" unknown */
	struct notifier notify;  /* NOTIFY_URLS, PING_URL */
	char init_err[512];      /* why the start failed (the config_error event) */
};

void runner_fmt_local(time_t t, char *buf, size_t len);
/* Logs why the start failed and keeps it for the config_error event. */
void runner_fatal(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define NOTIFY_DRAIN_MS 5000 /* at stop, the most the last messages may take */
void runner_write_status(struct runner *r, int durable);
struct rjob *runner_add_job(struct runner *r, struct jobspec *spec, char *err, size_t errlen);
int runner_grow(struct runner *r);
void runner_free_job(struct rjob *rj);

/* runner_labels.c; each does nothing in seed mode. */
int runner_labels_init(struct runner *r);
void runner_disco_maybe_start(struct runner *r);
int runner_disco_timeout(const struct runner *r, int timeout_ms);
void runner_disco_read(struct runner *r);
void runner_disco_stop(struct runner *r);
void runner_after_run(struct runner *r, struct rjob *rj);

/* runner_notify.c: a run starts (the mark; a ping), a run ended (what it
 * changed, notified), freshness breaches (once each), and when the next
 * breach is due (ms, -1 none). */
void runner_notify_start(struct runner *r, struct rjob *rj);
void runner_notify_done(struct runner *r, struct rjob *rj);
void runner_notify_stale(struct runner *r, time_t now);
int runner_notify_timeout(const struct runner *r, time_t now);

/* runner_metrics.c: an httpd_render_fn (ud: the runner). */
int runner_metrics_render(void *ud, char **body, size_t *len);

#endif
