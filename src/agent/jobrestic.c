/* jobrestic: see jobrestic.h. */
#include "jobrestic.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
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

