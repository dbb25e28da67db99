/* jobrestic: see jobrestic.h. */
#include "jobrestic.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "repoclaim.h"
#include "util.h"


static void append_bounded(char *buf, size_t *len, size_t cap, const char *line)
{
	size_t l = strlen(line);
	if (l + 2 > cap)
		l = cap - 2;
	if (*len + l + 2 > cap) { /* keep the tail: drop the oldest half */
		size_t drop = *len / 2;
		memmove(buf, buf + drop, *len - drop);
		*len -= drop;
		if (*len + l + 2 > cap)
			*len = 0;
	}
	memcpy(buf + *len, line, l);
	*len += l;
	buf[(*len)++] = '\n';
	buf[*len] = '\0';
}

static void restic_line(void *ud, int stream, const char *line)
{
	struct jobrestic_run *r = ud;

	if (stream == 2) {
		if (line[0] == '{') { /* restic 0.17+ reports errors as JSON with --json */
			char msg[600];
			restic_last_error(line, msg, sizeof(msg));
			log_info("restic: %s", msg[0] ? msg : line);
		} else if (*line) {
			log_info("restic: %s", line);
		}
		append_bounded(r->err, &r->err_len, sizeof(r->err), line);
		return;
	}
	if (r->on_stdout)
		r->on_stdout(r->ud, line);
	/* Progress lines arrive many times a second and are not kept. */
	if (strstr(line, "\"message_type\":\"status\""))
		return;
	if (line[0] != '{')
		log_debug("restic: %s", line);
	if (r->out)
		append_bounded(r->out, &r->out_len, JOBRESTIC_STDOUT_KEEP, line);
}

/* STOP_TIMEOUT is shared: restic gets most of it to stop after SIGINT, the
 * unlock that follows gets the rest (a third, at most 5 s). */
long jobrestic_unlock_reserve_ms(const struct job *j)
{
	long total = j->cfg->stop_timeout_s * 1000, reserve = total / 3;
	return reserve > 5000 ? 5000 : reserve < 500 ? 500 : reserve;
}

static long stop_grace_ms(const struct job *j)
{
	long grace = j->cfg->stop_timeout_s * 1000 - jobrestic_unlock_reserve_ms(j);
	return grace < 500 ? 500 : grace;
}

/* ssh's own messages (host key, refused key, connection) from its -E log go
 * to our log and to the text the failure is classified by. */
static void collect_ssh_log(struct job *j, struct jobrestic_run *r)
{
	char *text = NULL, *line, *save = NULL;

	/* The end of a long log (ssh -v, many retries) holds the reason. */
	if (read_file_tail(j->ssh_log, JOBRESTIC_STDERR_KEEP / 2, &text, NULL) < 0)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char tagged[600];
		snprintf(tagged, sizeof(tagged), "ssh: %.580s", line);
		log_info("%s", tagged);
		append_bounded(r->err, &r->err_len, sizeof(r->err), tagged);
	}
	free(text);
}

int jobrestic_unlock_stale(struct strvec *out, const struct restic_remote *r)
{
	return restic_argv_unlock(out, r, 0);
}

int jobrestic_exec(struct job *j, const char *what, const struct strvec *argv, struct jobrestic_run *r)
{
	struct strvec env = { 0 };
	struct child_spec spec = { 0 };
	char err[256];
	int rc = -1;

	r->out_len = r->err_len = 0;
	r->err[0] = '\0';
	if (r->out)
		r->out[0] = '\0';
	if (job_restic_env(&env) < 0) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		goto out;
	}
	spec.argv = argv->v;
	spec.envp = env.v;
	spec.on_line = restic_line;
	spec.ud = r;
	spec.stop = r->while_stopping ? NULL : j->stop_flag;
	spec.timeout_ms = r->while_stopping ? r->timeout_ms : 0;
	if (!r->while_stopping && r->deadline_ms) {
		long long left = r->deadline_ms - mono_ms();
		spec.timeout_ms = left > 1 ? left : 1;
	}
	spec.stop_signal = SIGINT; /* restic removes its lock on SIGINT... */
	spec.stop_leader_only = 1; /* ...through its ssh, which must live on */
	spec.kill_grace_ms = stop_grace_ms(j);
	log_debug("running restic %s", what);
	if (truncate(j->ssh_log, 0) < 0 && errno != ENOENT)
		log_debug("cannot truncate %s: %s", j->ssh_log, strerror(errno));
	if (child_run(&spec, &r->res, err, sizeof(err)) < 0) {
		snprintf(r->err, sizeof(r->err), "cannot start %s: %s", j->cfg->restic_bin, err);
		r->err_len = strlen(r->err);
		goto out;
	}
	collect_ssh_log(j, r);
	if (r->res.code == 127)
		append_bounded(r->err, &r->err_len, sizeof(r->err),
			       "restic program not found; install restic or set RESTIC_BINARY");
	rc = 0;
out:
	strvec_free(&env);
	return rc;
}

/* Runs a simple restic command (init, unlock). Returns its outcome. */
enum restic_outcome jobrestic_simple(struct job *j, const char *what,
					 int (*build)(struct strvec *, const struct restic_remote *), long stopping_ms,
					 long long deadline_ms)
{
	struct strvec argv = { 0 };
	struct jobrestic_run *r = calloc(1, sizeof(*r));
	enum restic_outcome o = RESTIC_FAILED;

	if (r && stopping_ms > 0) {
		r->while_stopping = 1;
		r->timeout_ms = stopping_ms;
	}
	if (r)
		r->deadline_ms = deadline_ms;
	if (!r || build(&argv, &j->remote) < 0 || jobrestic_exec(j, what, &argv, r) < 0)
		goto out;
	o = restic_classify(r->res.code, r->err);
	if (o != RESTIC_OK) {
		char last[300];
		restic_last_error(r->err, last, sizeof(last));
		log_error("restic %s failed (exit %d): %s", what, r->res.code, last);
	}
out:
	strvec_free(&argv);
	free(r);
	return o;
}

/* ---- a new repository ---- */

#define CLAIM_TIMEOUT_MS 30000

enum claim { CLAIM_OURS, CLAIM_TAKEN, CLAIM_UNKNOWN };

static void sftp_line(void *ud, int stream, const char *line)
{
	if (*line)
		log_debug("sftp: %s", line);
}

/* Runs sftp (repoclaim_argv) with the batch on its stdin, bounded by
 * CLAIM_TIMEOUT_MS and deadline_ms (0: none); stops with the job. Returns
 * child_run's answer (-1: could not start, err says why). */
static int sftp_batch(struct job *j, const char *batch, size_t len, long long deadline_ms, struct child_result *res,
		      char *err, size_t errlen)
{
	struct strvec argv = { 0 }, env = { 0 };
	struct child_spec spec = { 0 };
	int rc = -1;

	if (repoclaim_argv(&argv, &j->remote) < 0 || job_restic_env(&env) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	spec.argv = argv.v;
	spec.envp = env.v;
	spec.on_line = sftp_line;
	spec.stdin_data = batch;
	spec.stdin_len = len;
	spec.stop = j->stop_flag;
	spec.kill_grace_ms = 2000;
	spec.timeout_ms = CLAIM_TIMEOUT_MS;
	if (deadline_ms && deadline_ms - mono_ms() < spec.timeout_ms)
		spec.timeout_ms = deadline_ms - mono_ms() > 1 ? deadline_ms - mono_ms() : 1;
	rc = child_run(&spec, res, err, errlen);
out:
	strvec_free(&argv);
	strvec_free(&env);
	return rc;
}

static enum claim claim(struct job *j, long long deadline_ms)
{
	struct child_result res;
	char *batch = NULL, err[256];
	size_t len;
	enum claim c = CLAIM_UNKNOWN;
	int rc;

	if ((rc = repoclaim_batch(j->spec->repo_path, &batch, &len)) < 0) {
		log_warn("cannot claim the creation of repository %s with sftp (%s)", j->spec->repo_path,
			 rc == -E2BIG    ? "path too deep"
			 : rc == -EINVAL ? "path not writable in an sftp batch"
					 : "out of memory");
		goto out;
	}
	if (sftp_batch(j, batch, len, deadline_ms, &res, err, sizeof(err)) < 0) {
		log_warn("cannot claim the creation of repository %s: cannot start sftp: %s", j->spec->repo_path, err);
		goto out;
	}
	if (res.code == 0)
		c = CLAIM_OURS;
	else if (res.code == 1 && !res.timed_out && !res.stopped)
		c = CLAIM_TAKEN;
	else if (!res.stopped)
		log_warn("cannot claim the creation of repository %s: sftp %s", j->spec->repo_path,
			 res.timed_out     ? "timed out"
			 : res.code == 127 ? "is not installed"
					   : "could not connect");
out:
	free(batch);
	return c;
}

/* Sleeps ms, or less when a stop comes or deadline_ms passes: then -1. */
static int pause_ms(struct job *j, long ms, long long deadline_ms)
{
	long long until = mono_ms() + ms;

	for (;;) {
		long long now = mono_ms(), left = until - now;
		struct timespec ts;
		if (job_stopping(j) || (deadline_ms && now >= deadline_ms))
			return -1;
		if (left <= 0)
			return 0;
		if (left > 100)
			left = 100;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000L;
		nanosleep(&ts, NULL);
	}
}

static int probe(struct job *j, long long deadline_ms)
{
	struct strvec argv = { 0 };
	struct jobrestic_run *r = calloc(1, sizeof(*r));
	int exists = 0;

	if (r && repoclaim_argv_probe(&argv, &j->remote) == 0) {
		r->deadline_ms = deadline_ms;
		exists = jobrestic_exec(j, "cat config", &argv, r) == 0 &&
			 restic_classify(r->res.code, r->err) == RESTIC_OK;
	}
	strvec_free(&argv);
	free(r);
	return exists;
}

enum restic_outcome jobrestic_create_repo(struct job *j, long long deadline_ms)
{
	const char *host = j->cfg->ssh_host, *repo = j->spec->repo_path;
	long long until;

	switch (claim(j, deadline_ms)) {
	case CLAIM_OURS:
	case CLAIM_UNKNOWN:
		if (job_stopping(j) || (deadline_ms && mono_ms() >= deadline_ms))
			return RESTIC_INTERRUPTED;
		log_info("no repository at sftp:%s:%s; initialising it", host, repo);
		return jobrestic_simple(j, "init", restic_argv_init, 0, deadline_ms);
	case CLAIM_TAKEN:
		break;
	}
	log_info("no repository at sftp:%s:%s, but its directory is there: another agent is creating it; waiting "
		 "up to %ds for it",
		 host, repo, JOBRESTIC_REPO_WAIT_S);
	until = mono_ms() + JOBRESTIC_REPO_WAIT_S * 1000LL;
	while (mono_ms() < until) {
		if (pause_ms(j, JOBRESTIC_REPO_POLL_MS, deadline_ms) < 0)
			return RESTIC_INTERRUPTED;
		if (probe(j, deadline_ms)) {
			log_info("the repository sftp:%s:%s is there now (made by another agent)", host, repo);
			return RESTIC_OK;
		}
		if (job_stopping(j) || (deadline_ms && mono_ms() >= deadline_ms))
			return RESTIC_INTERRUPTED;
	}
	log_warn("still no repository at sftp:%s:%s after %ds, though its directory is there (an init that was "
		 "interrupted, or a directory made by hand); initialising it",
		 host, repo, JOBRESTIC_REPO_WAIT_S);
	return jobrestic_simple(j, "init", restic_argv_init, 0, deadline_ms);
}

/* ---- the locks of a dead agent on another host ---- */

#define DEAD_LOCKS_MAX 64 /* lock files looked at */

/* Runs a built restic command with output kept in r->out; 0 when it
 * succeeded. */
static int run_kept(struct job *j, const char *what, struct strvec *argv, struct jobrestic_run *r)
{
	int ok = jobrestic_exec(j, what, argv, r) == 0 && !r->res.stopped && !r->res.timed_out &&
		 restic_classify(r->res.code, r->err) == RESTIC_OK;

	strvec_free(argv);
	return ok ? 0 : -1;
}

int jobrestic_remove_host_locks(struct job *j, const char *host)
{
	struct strvec argv = { 0 }, ids = { 0 }, mine = { 0 };
	struct jobrestic_run *r = calloc(1, sizeof(*r));
	struct child_result res = { 0 };
	char *batch = NULL, *save = NULL, *line, *list = NULL, lock_host[256], err[256];
	size_t len;
	int removed = -1;

	if (!r || !(r->out = malloc(JOBRESTIC_STDOUT_KEEP + 1)) || repoclaim_argv_list_locks(&argv, &j->remote) < 0 ||
	    run_kept(j, "list locks", &argv, r) < 0) {
		log_warn("cannot list the repository's locks to remove those of the killed agent on host %s", host);
		goto out;
	}
	if (!(list = strdup(r->out)))
		goto out;
	for (line = strtok_r(list, "\n", &save); line && ids.n < DEAD_LOCKS_MAX; line = strtok_r(NULL, "\n", &save))
		if (repoclaim_is_lock_id(line) && strvec_push(&ids, line) < 0)
			goto out;
	for (size_t i = 0; i < ids.n; i++) {
		if (repoclaim_argv_cat_lock(&argv, &j->remote, ids.v[i]) < 0 || run_kept(j, "cat lock", &argv, r) < 0)
			continue; /* gone meanwhile (its restic ended), or unreadable */
		if (repoclaim_lock_host(r->out, r->out_len, lock_host, sizeof(lock_host)) == 0 &&
		    !strcmp(lock_host, host) && strvec_push(&mine, ids.v[i]) < 0)
			goto out;
	}
	removed = 0;
	if (!mine.n)
		goto out;
	if (repoclaim_rm_locks_batch(j->spec->repo_path, mine.v, &batch, &len) < 0) {
		removed = -1;
		goto out;
	}
	if (sftp_batch(j, batch, len, 0, &res, err, sizeof(err)) < 0 || res.code != 0) {
		log_warn("cannot remove the %zu lock(s) of the killed agent on host %s with sftp%s%s", mine.n, host,
			 res.code ? "" : ": ", res.code ? "" : err);
		removed = -1;
		goto out;
	}
	removed = (int)mine.n;
out:
	if (removed > 0)
		log_info("removed %d lock(s) that the killed agent on host %s left in the repository", removed, host);
	else if (removed == 0)
		log_info("no lock of the killed agent on host %s in the repository", host);
	free(batch);
	free(list);
	strvec_free(&argv);
	strvec_free(&ids);
	strvec_free(&mine);
	if (r)
		free(r->out);
	free(r);
	return removed;
}
