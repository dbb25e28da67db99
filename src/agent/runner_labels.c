/* runner_labels: label mode's side of the runner: the rds-discover helper
 * (started, read, restarted with backoff), and the job table kept in step
 * with the table it prints: new services are scheduled, changed ones
 * rescheduled (after their run, when one goes on), gone ones unscheduled
 * with their status kept and marked gone. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "discovery.h"
#include "hook.h"
#include "labels.h"
#include "log.h"
#include "runner_int.h"

#define DISCOVER_HELPER "rds-discover"
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000

int runner_labels_init(struct runner *r)
{
	char err[1024];

	if (hook_find_program(DISCOVER_HELPER, "label mode (DISCOVER=labels) needs", r->disco_bin, sizeof(r->disco_bin),
			      err, sizeof(err)) < 0) {
		runner_fatal(r, "%s", err);
		return -1;
	}
	/* What every job shares is checked once, now: a bad key or server
	 * setting is the agent's configuration error (exit 2), not a failure
	 * of each job found later. */
	{
		struct jobspec probe;
		struct job j;
		int rc;

		memset(&probe, 0, sizeof(probe));
		probe.name = probe.host = probe.repo_path = "probe";
		probe.service = probe.container = probe.run_at = probe.origin = "";
		rc = job_prepare(&j, r->cfg, &probe, r->o->stop, err, sizeof(err));
		job_free(&j);
		if (rc < 0) {
			runner_fatal(r, "%s", err);
			return -1;
		}
	}
	/* Held from now on: a later agent on this STATUS_FILE then knows
	 * whether this one is dead (job_adopt_dead_host). */
	job_status_dir_lock(r->cfg->status_file);
	if (access(r->cfg->status_file, F_OK) == 0 &&
	    status_read_all(r->cfg->status_file, &r->prev, &r->nprev, err, sizeof(err)) < 0)
		log_warn("%s; starting without the earlier agent's record", err);
	/* The earlier agent's jobs stay in the file, gone, until their
	 * services are seen again. */
	for (size_t i = 0; i < r->nprev && r->n < RUNNER_GONE_MAX; i++) {
		struct jobspec s;
		struct rjob *rj;

		memset(&s, 0, sizeof(s));
		if (!(s.name = strdup(r->prev[i].job)) || !(rj = runner_add_job(r, &s, err, sizeof(err)))) {
			jobspec_free(&s);
			break;
		}
		rj->job.st = r->prev[i];
		rj->job.st.running = 0;
		rj->job.st.next_run = 0;
		rj->job.st.agent_started = r->o->agent_started;
		if (!rj->job.st.gone)
			rj->job.st.gone = r->o->agent_started;
	}
	r->disco_restart_at = 0;
	r->disco_backoff_ms = BACKOFF_MIN_MS;
	log_info("label mode: backing up the services labelled rds.backup=true that run a task on this node");
	return 0;
}

/* ---- the helper process ---- */

void runner_disco_maybe_start(struct runner *r)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	char *argv[3] = { r->disco_bin, NULL, NULL };
	pid_t pid;

	if (r->disco_pid > 0 || mono_ms() < r->disco_restart_at)
		return;
	if (r->cfg->verbose)
		argv[1] = "-v";
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		log_error("cannot start %s: pipe: %s", DISCOVER_HELPER, strerror(errno));
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		log_error("cannot start %s: fork: %s", DISCOVER_HELPER, strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		child_default_signals();
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(127);
		if (*r->cfg->docker_host)
			setenv("DOCKER_HOST", r->cfg->docker_host, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	r->disco_pid = pid;
	r->disco_in = in[1];
	r->disco_out = out[0];
	r->dlen = 0;
	return;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	r->disco_restart_at = mono_ms() + r->disco_backoff_ms;
}

int runner_disco_timeout(const struct runner *r, int timeout_ms)
{
	long long left;

	if (!r->o->label_mode || r->disco_pid > 0 || r->o->stop->requested)
		return timeout_ms;
	left = r->disco_restart_at - mono_ms();
	if (left < 0)
		left = 0;
	return left < timeout_ms ? (int)left : timeout_ms;
}

void runner_disco_stop(struct runner *r)
{
	if (r->disco_in >= 0)
		close(r->disco_in);
	if (r->disco_out >= 0)
		close(r->disco_out);
	if (r->disco_pid > 0)
		kill(r->disco_pid, SIGTERM);
	r->disco_in = r->disco_out = -1;
	r->disco_pid = 0;
}

/* ---- the job table ---- */

static struct rjob *find_job(struct runner *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->jobs[i]->spec.name && !strcmp(r->jobs[i]->spec.name, name))
			return r->jobs[i];
	return NULL;
}

static void describe(const struct jobspec *s, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->paths.n && n + 1 < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", s->paths.v[i]);
}

/* The earlier agent's record of job name in STATUS_FILE, or NULL. */
static struct status *prev_rec(struct runner *r, const char *name)
{
	for (size_t i = 0; i < r->nprev; i++)
		if (!strcmp(r->prev[i].job, name))
			return &r->prev[i];
	return NULL;
}

/* Makes rj a job of its spec: prepared, its status taken over from st0
 * (NULL: none) when that is the same job and repository, scheduled. */
static void activate(struct runner *r, struct rjob *rj, const struct status *st0)
{
	const struct config *c = r->cfg;
	char err[1024], when[64], paths[600], sshlog[PATH_MAX];
	long max_age = 0;

	job_free(&rj->job);
	memset(&rj->job, 0, sizeof(rj->job));
	rj->prepared = 0;
	if (!rj->spec.error && job_prepare(&rj->job, c, &rj->spec, r->o->stop, err, sizeof(err)) < 0) {
		rj->spec.error = strdup(err);
		job_free(&rj->job);
		memset(&rj->job, 0, sizeof(rj->job));
	}
	if (rj->spec.error) {
		/* Refused: recorded, never run; every other job runs on. */
		struct status *st = &rj->job.st;
		if (st0 && !strcmp(st0->job, rj->spec.name))
			*st = *st0;
		snprintf(st->job, sizeof(st->job), "%s", rj->spec.name);
		snprintf(st->service, sizeof(st->service), "%s", rj->spec.service ? rj->spec.service : "");
		snprintf(st->message, sizeof(st->message), "%s", rj->spec.error);
		st->refused = 1;
		st->gone = 0;
		st->running = 0;
		st->next_run = 0;
		st->agent_started = r->o->agent_started;
		log_error("job %s: not scheduled: %s", rj->spec.name, rj->spec.error);
		return;
	}
	rj->prepared = 1;
	/* Its own ssh -E file: jobs may run at once (MAX_PARALLEL). */
	if (snprintf(sshlog, sizeof(sshlog), "%s/ssh-%d.log", c->run_dir, rj->seq) >= (int)sizeof(sshlog) ||
	    job_set_ssh_log(&rj->job, sshlog) < 0) {
		log_error("job %s: cannot be scheduled: out of memory or RDS_RUN_DIR too long", rj->spec.name);
		return;
	}
	rj->job.st.agent_started = r->o->agent_started;
	if (runner_health_window(c->health_max_age_s, &rj->spec.cron, rj->spec.run_at, &max_age, err, sizeof(err)) <
	    0) {
		log_warn("job %s: %s; this job is judged by the default instead", rj->spec.name, err);
		runner_health_window(0, &rj->spec.cron, rj->spec.run_at, &max_age, err, sizeof(err));
	}
	rj->job.st.max_age_s = max_age;
	if (st0 && status_carry_over(&rj->job.st, st0) && st0->last_success) {
		char ok[40];
		struct tm tm;
		gmtime_r(&st0->last_success, &tm);
		strftime(ok, sizeof(ok), "%Y-%m-%d %H:%M:%S UTC", &tm);
		log_info("job %s: last successful backup %s (from STATUS_FILE)", rj->spec.name, ok);
	}
	rj->job.st.refused = 0;
	rj->job.st.gone = 0;
	{
		/* The earlier agent's record as it left it (the placeholder's
		 * copy says not running), taken once. */
		struct status *p = prev_rec(r, rj->spec.name);
		if (p && p->running && !strcmp(p->repository, rj->job.st.repository))
			job_adopt_dead_host(&rj->job, p);
		if (p)
			p->running = 0;
	}
	rj->qid = jobq_add(&r->q, rj->spec.repo_path, &rj->spec.cron, c->prune_scheduled ? &c->prune_cron : NULL,
			   c->check_scheduled ? &c->check_cron : NULL, time(NULL));
	if (rj->qid < 0) {
		log_error("job %s: cannot be scheduled: out of memory", rj->spec.name);
		return;
	}
	describe(&rj->spec, paths, sizeof(paths));
	runner_fmt_local(r->q.jobs[rj->qid].op[JOBQ_BACKUP].next, when, sizeof(when));
	log_info("job %s: scheduled '%s' for service %s: %s to repository %s, next backup at %s", rj->spec.name,
		 rj->spec.run_at, rj->spec.service, paths, rj->spec.repo_path, when);
}

/* Takes the job off the queue (its run, when one goes on, ends first). */
static void deactivate(struct runner *r, struct rjob *rj)
{
	if (rj->qid >= 0) {
		jobq_remove(&r->q, rj->qid);
		if (!rj->worker)
			rj->qid = -1;
	}
}

/* A new spec for an existing job (stolen). */
static void change(struct runner *r, struct rjob *rj, struct jobspec *s)
{
	struct status old = rj->job.st;

	if (rj->worker) {
		jobspec_free(&rj->pending);
		rj->pending = *s;
		rj->has_pending = 1;
		memset(s, 0, sizeof(*s));
		return;
	}
	deactivate(r, rj);
	job_free(&rj->job);
	jobspec_free(&rj->spec);
	rj->spec = *s;
	memset(s, 0, sizeof(*s));
	log_info("job %s: its labels changed", rj->spec.name);
	activate(r, rj, &old);
}

void runner_after_run(struct runner *r, struct rjob *rj)
{
	if (rj->has_pending) {
		struct jobspec s = rj->pending;
		memset(&rj->pending, 0, sizeof(rj->pending));
		rj->has_pending = 0;
		rj->revive = 0;
		if (rj->job.st.gone) {
			jobspec_free(&s);
			return;
		}
		change(r, rj, &s);
		return;
	}
	if (rj->revive && rj->qid < 0) {
		struct status old = rj->job.st;
		rj->revive = 0;
		activate(r, rj, &old);
	}
}

static void mark_gone(struct runner *r, struct rjob *rj, time_t now)
{
	if (rj->job.st.gone)
		return;
	rj->job.st.gone = now;
	rj->revive = 0;
	if (rj->has_pending) {
		jobspec_free(&rj->pending);
		rj->has_pending = 0;
	}
	deactivate(r, rj);
	log_info("job %s: service %s has no task on this node any more: no further backups (its status stays)",
		 rj->spec.name, rj->spec.service ? rj->spec.service : "?");
}

/* Keeps at most RUNNER_GONE_MAX gone jobs, or peak_live when more: the
 * oldest go first. */
static void trim_gone(struct runner *r)
{
	for (;;) {
		size_t gone = 0, oldest = 0;
		int found = 0;
		for (size_t i = 0; i < r->n; i++) {
			struct rjob *rj = r->jobs[i];
			if (!rj->job.st.gone || rj->worker)
				continue;
			gone++;
			if (!found || rj->job.st.gone < r->jobs[oldest]->job.st.gone)
				oldest = i, found = 1;
		}
		if (gone <= RUNNER_GONE_MAX || gone <= r->peak_live || !found)
			return;
		runner_free_job(r->jobs[oldest]);
		memmove(&r->jobs[oldest], &r->jobs[oldest + 1], (r->n - oldest - 1) * sizeof(*r->jobs));
		r->n--;
	}
}

/* Takes s's container as rj's (s keeps nothing). */
static void take_container(struct rjob *rj, struct jobspec *s)
{
	free(rj->spec.container);
	rj->spec.container = s->container;
	s->container = NULL;
}

/* One spec of the new table (stolen). */
static void apply_spec(struct runner *r, struct jobspec *s)
{
	struct rjob *rj = find_job(r, s->name);
	char err[256];

	if (rj && rj->seen) {
		log_warn("job %s: two services give this job name; the second (%s) is ignored", s->name,
			 s->origin ? s->origin : "?");
		jobspec_free(s);
		return;
	}
	if (rj && !rj->prepared && !rj->spec.error && !rj->spec.service) {
		/* A placeholder for the earlier agent's record. */
		struct status old = rj->job.st;
		jobspec_free(&rj->spec);
		rj->spec = *s;
		memset(s, 0, sizeof(*s));
		rj->seen = 1;
		rj->seq = ++r->seq;
		activate(r, rj, &old);
		return;
	}
	if (rj) {
		rj->seen = 1;
		if (rj->job.st.gone) {
			rj->job.st.gone = 0;
			log_info("job %s: service %s runs a task on this node again", s->name, s->service);
			if (rj->worker) {
				rj->revive = 1;
				if (!jobspec_same_job(&rj->spec, s))
					change(r, rj, s);
				jobspec_free(s);
				return;
			}
			{
				struct status old = rj->job.st;
				jobspec_free(&rj->spec);
				rj->spec = *s;
				memset(s, 0, sizeof(*s));
				activate(r, rj, &old);
			}
			return;
		}
		if (rj->has_pending ? !jobspec_same_job(&rj->pending, s) : !jobspec_same_job(&rj->spec, s))
			change(r, rj, s);
		else if (!rj->has_pending)
			take_container(rj, s);
		jobspec_free(s);
		return;
	}
	rj = runner_add_job(r, s, err, sizeof(err));
	if (!rj) {
		log_error("job %s: %s", s->name ? s->name : "?", err);
		return;
	}
	rj->seen = 1;
	rj->seq = ++r->seq;
	activate(r, rj, prev_rec(r, rj->spec.name));
}

static void apply_table(struct runner *r, const struct discovery_table *t)
{
	const struct config *c = r->cfg;
	struct labels_defaults d = {
		.run_at = c->scheduled ? c->run_at : "",
		.keep_text = (const char *const *)c->keep,
		.host = *c->backup_host ? c->backup_host : t->node_id,
		.volumes_root = c->volumes_root,
		.backup_path = c->backup_path,
	};
	time_t now = time(NULL);

	if (t->node_name && *t->node_name)
		snprintf(r->node, sizeof(r->node), "%s", t->node_name);
	if (r->disco_err[0]) {
		log_info("discovery: Docker answers again");
		r->disco_err[0] = '\0';
	}
	for (size_t i = 0; i < r->n; i++)
		r->jobs[i]->seen = 0;
	for (size_t i = 0; i < t->nservices; i++) {
		struct jobspecs specs = { 0 };
		struct strvec warn = { 0 };

		if (labels_jobs(&t->services[i], &d, &specs, &warn) < 0) {
			log_error("service %s: out of memory", t->services[i].name);
		} else {
			for (size_t k = 0; k < specs.n; k++) {
				struct rjob *old = find_job(r, specs.v[k].name);
				int fresh = !old || old->job.st.gone || !jobspec_same_job(&old->spec, &specs.v[k]);
				if (fresh)
					for (size_t w = 0; w < warn.n && k == 0; w++)
						log_warn("service %s: %s", t->services[i].name, warn.v[w]);
				apply_spec(r, &specs.v[k]);
			}
		}
		jobspecs_free(&specs);
		strvec_free(&warn);
	}
	{
		size_t live = 0;
		for (size_t i = 0; i < r->n; i++)
			live += r->jobs[i]->seen;
		if (live > r->peak_live)
			r->peak_live = live;
	}
	for (size_t i = 0; i < r->n; i++)
		if (!r->jobs[i]->seen)
			mark_gone(r, r->jobs[i], now);
	trim_gone(r);
	runner_write_status(r, 0);
}

static void apply_line(struct runner *r, const char *line, size_t len)
{
	struct discovery_table t;
	char err[600];

	if (discovery_parse(line, len, &t, err, sizeof(err)) < 0) {
		log_error("discovery: %s's table cannot be read: %s", DISCOVER_HELPER, err);
		return;
	}
	if (t.error) {
		/* The jobs stay scheduled as they were: a backup whose hook
		 * cannot reach Docker fails loudly on its own. */
		if (strcmp(r->disco_err, t.error))
			log_error("discovery: %s (the jobs found before stay scheduled)", t.error);
		snprintf(r->disco_err, sizeof(r->disco_err), "%s", t.error);
	} else {
		apply_table(r, &t);
	}
	discovery_free(&t);
}

void runner_disco_read(struct runner *r)
{
	ssize_t n;
	char *nl;

	if (r->disco_out < 0)
		return;
	if (!r->dbuf && !(r->dbuf = malloc(DISCOVERY_LINE_MAX + 1)))
		return;
	n = read(r->disco_out, r->dbuf + r->dlen, DISCOVERY_LINE_MAX + 1 - r->dlen);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		runner_disco_stop(r);
		if (!r->o->stop->requested) {
			log_error("discovery: %s ended; starting it again in %lds", DISCOVER_HELPER,
				  r->disco_backoff_ms / 1000);
			r->disco_restart_at = mono_ms() + r->disco_backoff_ms;
			r->disco_backoff_ms =
				r->disco_backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : r->disco_backoff_ms * 2;
		}
		return;
	}
	r->dlen += (size_t)n;
	while ((nl = memchr(r->dbuf, '\n', r->dlen))) {
		size_t len = (size_t)(nl - r->dbuf);
		apply_line(r, r->dbuf, len);
		r->disco_backoff_ms = BACKOFF_MIN_MS;
		memmove(r->dbuf, nl + 1, r->dlen - len - 1);
		r->dlen -= len + 1;
	}
	if (r->dlen > DISCOVERY_LINE_MAX) {
		log_error("discovery: a table line longer than %d bytes; dropped", DISCOVERY_LINE_MAX);
		r->dlen = 0;
	}
}
