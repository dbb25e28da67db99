/* runner: see runner.h. The agent's process is the scheduler and the only
 * writer of STATUS_FILE; a run is a fork of it (a worker) that sends its
 * job's struct status through a pipe after every change and exits. */
#include "runner.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "jobq.h"
#include "log.h"
#include "maint.h"
#include "resticver.h"
#include "runner_int.h"

/* Added to twice the schedule's longest gap: a run's own duration and a
 * late start. */
#define HEALTH_GRACE_S 600
/* After a stop, how much longer than STOP_TIMEOUT the workers get before
 * they are killed (the post-hook and the unlock run inside STOP_TIMEOUT). */
#define STOP_MARGIN_S 30
/* The longest the loop sleeps without looking at the wall clock. */
#define WAKE_MAX_MS (60 * 1000)

int runner_health_window(long setting, const struct cron_expr *c, const char *run_at, long *max_age, char *err,
			 size_t errlen)
{
	time_t gap;
	char g[32];

	*max_age = 0;
	if (cron_interval(c, time(NULL), &gap) < 0) {
		if (setting)
			*max_age = setting;
		else
			log_warn("RUN_AT='%s' fires too rarely to judge how fresh backups are; set HEALTH_MAX_AGE "
				 "to have health check it",
				 run_at);
		return 0;
	}
	if (setting && setting <= gap) {
		status_fmt_duration((long)gap, g, sizeof(g));
		snprintf(err, errlen,
			 "HEALTH_MAX_AGE=%lds is not longer than the longest gap between two backups of RUN_AT='%s' "
			 "(%s): the agent would turn unhealthy between good backups and Swarm would replace it; use "
			 "more than %s, or 0 for twice that gap plus 10m",
			 setting, run_at, g, g);
		return -1;
	}
	*max_age = setting ? setting : 2 * (long)gap + HEALTH_GRACE_S;
	return 0;
}

void runner_fmt_local(time_t t, char *buf, size_t len)
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm);
}

/* ---- the status file ---- */

void runner_write_status(struct runner *r, int durable)
{
	const struct status **v;
	size_t n = 0;

	if (!r->n)
		return;
	v = calloc(r->n, sizeof(*v));
	if (!v) {
		log_warn("cannot write STATUS_FILE %s: out of memory", r->cfg->status_file);
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		v[n++] = &r->jobs[i]->job.st;
	if (status_write_all(r->cfg->status_file, v, n, durable) < 0)
		log_warn("cannot write STATUS_FILE %s: %s", r->cfg->status_file, strerror(errno));
	free(v);
}

/* ---- workers ---- */

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the agent is gone: nothing to report to */
		p += w;
		len -= (size_t)w;
	}
}

static void worker_publish(struct job *j, int durable, void *ud)
{
	struct runner_msg m;

	memset(&m, 0, sizeof(m));
	m.durable = durable;
	m.st = j->st;
	write_all(*(int *)ud, &m, sizeof(m));
}

static void worker_main(struct runner *r, struct rjob *rj, int fd)
{
	/* Only this worker's pipe stays open here: the discovery helper must
	 * see its stdin close when the agent ends, not when a worker does. */
	for (size_t i = 0; i < r->n; i++)
		if (r->jobs[i]->fd >= 0)
			close(r->jobs[i]->fd);
	if (r->disco_in >= 0)
		close(r->disco_in);
	if (r->disco_out >= 0)
		close(r->disco_out);
	/* Nor the metrics port: a scrape the agent closed must not stay open
	 * in a worker. */
	if (r->http_on)
		httpd_close(&r->http);
	notifier_free(&r->notify);
	rj->job.publish = worker_publish;
	rj->job.publish_ud = &fd;
	sigprocmask(SIG_SETMASK, &r->orig_mask, NULL);
	if (rj->op == JOBQ_BACKUP)
		job_run(&rj->job);
	else if (rj->op == JOBQ_PRUNE)
		maint_prune(&rj->job);
	else
		maint_check(&rj->job);
	close(fd);
	_exit(0);
}

static void start_worker(struct runner *r, struct rjob *rj, enum jobq_opkind op, time_t now)
{
	struct jobq_op *o = &r->q.jobs[rj->qid].op[op];
	char when[64], late[32], pre[300] = "";
	int p[2];
	pid_t pid;

	if (r->o->label_mode)
		snprintf(pre, sizeof(pre), "job %s: ", rj->spec.name);
	runner_fmt_local(o->next, when, sizeof(when));
	if (now > o->next) {
		status_fmt_duration((long)(now - o->next), late, sizeof(late));
		if (r->last_op[0])
			log_warn("%s%s of %s delayed by %s: the %s ran until now", pre, jobq_op_name(op), when, late,
				 r->last_op);
		else
			log_warn("%s%s of %s delayed by %s", pre, jobq_op_name(op), when, late);
	}
	rj->skipped0 = o->skipped;
	jobq_start(&r->q, rj->qid, op, now);
	rj->op = op;
	rj->have = 0;
	/* Its report buffer (4 KiB) only while it runs: most jobs wait. */
	if (!rj->msg && !(rj->msg = malloc(sizeof(*rj->msg)))) {
		log_error("%scannot start the %s: out of memory", pre, jobq_op_name(op));
		jobq_done(&r->q, rj->qid, op, now);
		return;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		log_error("%scannot start the %s: pipe: %s", pre, jobq_op_name(op), strerror(errno));
		jobq_done(&r->q, rj->qid, op, now);
		return;
	}
	pid = fork();
	if (pid < 0) {
		log_error("%scannot start the %s: fork: %s", pre, jobq_op_name(op), strerror(errno));
		close(p[0]);
		close(p[1]);
		jobq_done(&r->q, rj->qid, op, now);
		return;
	}
	if (pid == 0) {
		close(p[0]);
		worker_main(r, rj, p[1]);
	}
	close(p[1]);
	rj->worker = pid;
	rj->fd = p[0];
	r->running++;
	runner_notify_start(r, rj);
}

/* A status report from rj's worker: the worker's copy replaces the job's,
 * except what the scheduler owns (the next run, the gone mark). */
static void take_report(struct runner *r, struct rjob *rj, const struct runner_msg *m)
{
	time_t next = rj->job.st.next_run, gone = rj->job.st.gone;

	rj->job.st = m->st;
	rj->job.st.next_run = next;
	rj->job.st.gone = gone;
	runner_write_status(r, m->durable);
}

/* rj's worker closed its pipe: the run is over. */
static void worker_done(struct runner *r, struct rjob *rj)
{
	struct jobq_op *o = &r->q.jobs[rj->qid].op[rj->op];
	struct status *st = &rj->job.st;
	time_t now = time(NULL);
	long skipped;

	close(rj->fd);
	rj->fd = -1;
	rj->worker = 0;
	free(rj->msg);
	rj->msg = NULL;
	r->running--;
	if (st->running) {
		/* The worker died before its last report (killed). */
		st->running = 0;
		st->running_op[0] = '\0';
		if (rj->op == JOBQ_BACKUP) {
			st->result = STATUS_FAILED;
			st->runs++;
			st->agent_runs++;
			st->failures++;
			st->last_end = now;
			snprintf(st->message, sizeof(st->message),
				 "the backup's worker process ended without a result");
		}
		log_error("%s%s%s: its worker process ended without a result", r->o->label_mode ? "job " : "",
			  r->o->label_mode ? rj->spec.name : "the ", jobq_op_name(rj->op));
	}
	runner_notify_done(r, rj);
	if (r->q.jobs[rj->qid].gone) {
		/* Its service left the node while it ran: the slot goes. */
		jobq_done(&r->q, rj->qid, rj->op, now);
		rj->qid = -1;
		snprintf(r->last_op, sizeof(r->last_op), "%s", jobq_op_name(rj->op));
		runner_after_run(r, rj);
		runner_write_status(r, 1);
		return;
	}
	jobq_done(&r->q, rj->qid, rj->op, now);
	skipped = o->skipped - rj->skipped0;
	if (skipped > 0)
		log_warn("%s%s%sskipped %ld scheduled run(s) of the %s: they came while it was waiting or running",
			 r->o->label_mode ? "job " : "", r->o->label_mode ? rj->spec.name : "",
			 r->o->label_mode ? ": " : "", skipped, jobq_op_name(rj->op));
	if (rj->op == JOBQ_BACKUP) {
		st->skipped_ticks += skipped;
		st->delayed_s = o->delayed_s;
		if (o->delayed_s > 0)
			st->delayed_runs++;
	} else {
		(rj->op == JOBQ_PRUNE ? &st->prune : &st->check)->delayed_s = o->delayed_s;
	}
	snprintf(r->last_op, sizeof(r->last_op), "%s", jobq_op_name(rj->op));
	runner_after_run(r, rj);
	runner_write_status(r, 1);
}

static void read_worker(struct runner *r, struct rjob *rj)
{
	char *buf = (char *)rj->msg;
	ssize_t n;

	for (;;) {
		n = read(rj->fd, buf + rj->have, sizeof(*rj->msg) - rj->have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			worker_done(r, rj);
			return;
		}
		rj->have += (size_t)n;
		if (rj->have == sizeof(*rj->msg)) {
			rj->have = 0;
			take_report(r, rj, rj->msg);
		}
		return;
	}
}

/* ---- the loop ---- */

/* "next backup at ...", once per change, for the earliest operation (seed
 * mode) and the status's next run of every job. */
static void note_next(struct runner *r)
{
	int changed = 0;
	char when[64];

	for (size_t i = 0; i < r->n; i++) {
		struct rjob *rj = r->jobs[i];
		time_t next = rj->qid >= 0 ? r->q.jobs[rj->qid].op[JOBQ_BACKUP].next : 0;
		if (rj->job.st.next_run != next) {
			rj->job.st.next_run = next;
			changed = 1;
			if (r->o->label_mode && next && !rj->worker) {
				runner_fmt_local(next, when, sizeof(when));
				log_info("job %s: next backup at %s", rj->spec.name, when);
			}
		}
	}
	if (!r->o->label_mode && !r->running && r->n && r->jobs[0]->qid >= 0) {
		struct jobq_job *qj = &r->q.jobs[r->jobs[0]->qid];
		int best = -1;
		for (int k = 0; k < JOBQ_NOPS; k++)
			if (qj->op[k].next && (best < 0 || qj->op[k].next < qj->op[best].next))
				best = k;
		if (best >= 0 && (qj->op[best].next != r->logged_next || best != r->logged_op)) {
			r->logged_next = qj->op[best].next;
			r->logged_op = best;
			runner_fmt_local(qj->op[best].next, when, sizeof(when));
			log_info("next %s at %s", jobq_op_name((enum jobq_opkind)best), when);
		}
	}
	if (changed)
		runner_write_status(r, 0);
}

static struct rjob *job_by_qid(struct runner *r, int qid)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->jobs[i]->qid == qid)
			return r->jobs[i];
	return NULL;
}

/* A wall clock stepped back more than this (against the monotonic one) is
 * a step, not NTP's slewing. */
#define CLOCK_BACK_MS 2000

/* After the wall clock went back, frequent schedules keep their pace
 * (jobq_clock_back). */
static void clock_look(struct runner *r)
{
	struct timespec ts;
	long long off, prev = r->clock_off_ms;
	int moved;

	clock_gettime(CLOCK_REALTIME, &ts);
	off = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - mono_ms();
	r->clock_off_ms = off;
	if (!prev || off >= prev - CLOCK_BACK_MS)
		return;
	moved = jobq_clock_back(&r->q, ts.tv_sec);
	log_warn("the wall clock went back %llds; %s", (prev - off + 500) / 1000,
		 moved ? "schedules that fire at least hourly go on at their pace on the new time (a time may come "
			 "twice); the others keep their next time"
		       : "every schedule keeps its next time (none runs twice)");
}

static void start_due(struct runner *r, time_t now)
{
	enum jobq_opkind op;
	int id;

	clock_look(r);

	while (jobq_pick(&r->q, now, &id, &op)) {
		struct rjob *rj = job_by_qid(r, id);
		if (!rj) {
			jobq_remove(&r->q, id);
			continue;
		}
		start_worker(r, rj, op, now);
		if (!r->q.jobs[id].op[op].running)
			break; /* could not start: try again at the next wake-up */
	}
}

/* Milliseconds until the start of second `until`, at most a minute: the
 * wait is counted on the monotonic clock and the ticks on the wall clock,
 * so a wall clock stepped forward over a tick (NTP, a VM resumed) is
 * noticed within a minute, not after the whole wait computed before the
 * step (an hour, for a daily schedule: a backup that late). */
static int ms_until(time_t until)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_REALTIME, &now);
	if (!until)
		return WAKE_MAX_MS;
	ms = ((long long)until - now.tv_sec) * 1000 - now.tv_nsec / 1000000;
	if (ms < 0)
		return 0;
	return ms > WAKE_MAX_MS ? WAKE_MAX_MS : (int)ms;
}

static void stop_workers(struct runner *r)
{
	if (!r->stop_sent) {
		r->stop_sent = 1;
		r->stop_deadline = mono_ms() + (r->cfg->stop_timeout_s + STOP_MARGIN_S) * 1000;
		log_info("stopping: no further backups are scheduled");
		for (size_t i = 0; i < r->n; i++)
			if (r->jobs[i]->worker > 0)
				kill(r->jobs[i]->worker, SIGTERM);
		runner_disco_stop(r);
	} else if (mono_ms() >= r->stop_deadline) {
		for (size_t i = 0; i < r->n; i++)
			if (r->jobs[i]->worker > 0) {
				log_error("job %s: its worker did not stop within STOP_TIMEOUT; killing it",
					  r->jobs[i]->spec.name);
				kill(r->jobs[i]->worker, SIGKILL);
			}
		r->stop_deadline = mono_ms() + 5000;
	}
}

static int loop(struct runner *r)
{
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &r->orig_mask);
	for (;;) {
		struct pollfd *fds;
		struct rjob **who;
		size_t nf = 0, nw;
		int timeout, rc;
		/* One now for starting and for the wake-up: a tick that comes
		 * due between the two would otherwise count as neither (not
		 * started, and no longer ahead), and the loop would sleep past
		 * it. */
		time_t now = time(NULL);

		child_reap_all();
		if (r->o->stop->requested) {
			stop_workers(r);
			if (!r->running)
				break;
		} else {
			start_due(r, now);
			note_next(r);
			runner_notify_stale(r, now);
		}
		if (r->o->label_mode && !r->o->stop->requested)
			runner_disco_maybe_start(r);
		fds = calloc(r->n + 1 + HTTPD_NFDS + NOTIFIER_SENDERS, sizeof(*fds));
		who = calloc(r->n + 1 + HTTPD_NFDS + NOTIFIER_SENDERS, sizeof(*who));
		if (!fds || !who) {
			free(fds);
			free(who);
			sleep(1);
			continue;
		}
		if (r->disco_out >= 0) {
			fds[nf].fd = r->disco_out;
			fds[nf].events = POLLIN;
			who[nf++] = NULL;
		}
		for (size_t i = 0; i < r->n; i++)
			if (r->jobs[i]->fd >= 0) {
				fds[nf].fd = r->jobs[i]->fd;
				fds[nf].events = POLLIN;
				who[nf++] = r->jobs[i];
			}
		nw = nf; /* [0, nw): the workers' and the helper's */
		if (r->http_on)
			nf += (size_t)httpd_pollfds(&r->http, fds + nf, HTTPD_NFDS);
		nf += (size_t)notifier_pollfds(&r->notify, fds + nf, NOTIFIER_SENDERS);
		timeout = r->o->stop->requested ? 200 : ms_until(jobq_wakeup(&r->q, now));
		timeout = runner_disco_timeout(r, timeout);
		{
			int t[3] = { r->http_on ? httpd_timeout_ms(&r->http, mono_ms()) : -1,
				     notifier_timeout_ms(&r->notify), runner_notify_timeout(r, now) };
			for (int k = 0; k < 3; k++)
				if (t[k] >= 0 && t[k] < timeout)
					timeout = t[k];
		}
		{
			struct timespec ts = { timeout / 1000, (long)(timeout % 1000) * 1000000L };
			rc = ppoll(fds, nf, &ts, &r->orig_mask);
		}
		if (r->http_on)
			httpd_service(&r->http, fds, (int)nf, mono_ms(), runner_metrics_render, r);
		notifier_service(&r->notify, fds, (int)nf);
		if (rc > 0)
			for (size_t i = 0; i < nw; i++) {
				if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				if (who[i])
					read_worker(r, who[i]);
				else
					runner_disco_read(r);
			}
		free(fds);
		free(who);
	}
	sigprocmask(SIG_SETMASK, &r->orig_mask, NULL);
	for (size_t i = 0; i < r->n; i++)
		r->jobs[i]->job.st.next_run = 0;
	runner_write_status(r, 1);
	/* What the last runs reported goes out if it can, in a few seconds. */
	notifier_drain(&r->notify, NOTIFY_DRAIN_MS);
	return 0;
}

/* ---- jobs ---- */

struct rjob *runner_add_job(struct runner *r, struct jobspec *spec, char *err, size_t errlen)
{
	struct rjob *rj = calloc(1, sizeof(*rj));

	if (!rj || (r->n == r->cap && runner_grow(r) < 0)) {
		free(rj);
		jobspec_free(spec);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rj->spec = *spec; /* stolen */
	memset(spec, 0, sizeof(*spec));
	rj->qid = -1;
	rj->fd = -1;
	r->jobs[r->n++] = rj;
	return rj;
}

int runner_grow(struct runner *r)
{
	size_t cap = r->cap ? r->cap * 2 : 8;
	struct rjob **v = realloc(r->jobs, cap * sizeof(*v));

	if (!v)
		return -1;
	r->jobs = v;
	r->cap = cap;
	return 0;
}

void runner_free_job(struct rjob *rj)
{
	if (!rj)
		return;
	job_free(&rj->job);
	jobspec_free(&rj->spec);
	jobspec_free(&rj->pending);
	free(rj->msg);
	free(rj);
}

/* Seed mode: the one job, its status taken over from STATUS_FILE. */
static int seed_job(struct runner *r, struct jobspec *seed)
{
	const struct config *c = r->cfg;
	struct rjob *rj;
	char err[1024];

	rj = runner_add_job(r, seed, err, sizeof(err));
	if (!rj || job_prepare(&rj->job, c, &rj->spec, r->o->stop, err, sizeof(err)) < 0 ||
	    runner_health_window(c->health_max_age_s, &rj->spec.cron, rj->spec.run_at, &rj->job.st.max_age_s, err,
				 sizeof(err)) < 0) {
		runner_fatal(r, "%s", err);
		return -1;
	}
	rj->job.st.agent_started = r->o->agent_started;
	job_load_status(&rj->job);
	rj->qid = jobq_add(&r->q, rj->spec.repo_path, &rj->spec.cron, c->prune_scheduled ? &c->prune_cron : NULL,
			   c->check_scheduled ? &c->check_cron : NULL, time(NULL));
	if (rj->qid < 0 || !r->q.jobs[rj->qid].op[JOBQ_BACKUP].next) {
		runner_fatal(r, "RUN_AT='%s' never fires; nothing to do", c->run_at);
		return -1;
	}
	return 0;
}

void runner_fatal(struct runner *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->init_err, sizeof(r->init_err), fmt, ap);
	va_end(ap);
	log_error("%s", r->init_err);
}

/* METRICS_ADDR: the port opened before the first run (a bad address is a
 * configuration error), restic's version asked once for the build info. */
static int metrics_open(struct runner *r)
{
	const struct config *c = r->cfg;
	char err[512];

	if (!c->metrics_addr || !*c->metrics_addr)
		return 0;
	if (httpd_open(&r->http, c->metrics_addr, err, sizeof(err)) < 0) {
		runner_fatal(r, "%s", err);
		return -1;
	}
	r->http_on = 1;
	restic_version(c->restic_bin, NULL, r->restic_version, sizeof(r->restic_version));
	log_info("metrics: serving Prometheus metrics on %s (port %d), path /metrics", c->metrics_addr, r->http.port);
	return 0;
}

int runner_run(const struct runner_opts *o, struct jobspec *seed)
{
	struct runner r;
	int rc = 2;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.cfg = o->cfg;
	r.disco_in = r.disco_out = -1;
	r.disco_pid = 0;
	r.logged_op = -1;
	if (jobq_init(&r.q, o->cfg->max_parallel) < 0) {
		log_error("MAX_PARALLEL=%d must be at least 1", o->cfg->max_parallel);
		jobspec_free(seed);
		goto out;
	}
	/* The node in metrics and messages: the Swarm node's name once label
	 * mode's discovery says it, the host name until then and in seed mode. */
	if (gethostname(r.node, sizeof(r.node)) < 0)
		r.node[0] = '\0';
	if (notifier_init(&r.notify, o->cfg, r.init_err, sizeof(r.init_err)) < 0) {
		log_error("%s", r.init_err);
		jobspec_free(seed);
		goto out;
	}
	if (o->label_mode) {
		if (runner_labels_init(&r) < 0)
			goto fatal;
	} else if (seed_job(&r, seed) < 0) {
		goto fatal;
	}
	if (metrics_open(&r) < 0)
		goto fatal;
	rc = loop(&r);
	goto out;
fatal:
	notifier_config_error(&r.notify, o->cfg, r.node, r.init_err);
out:
	if (r.http_on)
		httpd_close(&r.http);
	notifier_free(&r.notify);
	runner_disco_stop(&r);
	for (size_t i = 0; i < r.n; i++)
		runner_free_job(r.jobs[i]);
	free(r.jobs);
	free(r.prev);
	free(r.dbuf);
	jobq_free(&r.q);
	return rc;
}
