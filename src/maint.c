/* maint: see maint.h. */
#include "maint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobrestic.h"
#include "log.h"
#include "restic_out.h"
#include "util.h"

enum maint_kind { MAINT_PRUNE, MAINT_CHECK };

static const char *kind_name(enum maint_kind k)
{
	return k == MAINT_PRUNE ? "prune" : "check";
}

/* base + prune|check + the extra words of PRUNE_ARGS or CHECK_ARGS. */
static int maint_argv(struct strvec *out, const struct job *j, enum maint_kind k)
{
	const struct strvec *extra = k == MAINT_PRUNE ? &j->cfg->prune_argv : &j->cfg->check_argv;

	if (restic_argv_base(out, &j->remote) < 0 || strvec_push(out, kind_name(k)) < 0 ||
	    strvec_extend(out, extra->v) < 0)
		return -1;
	return 0;
}

static int stopping(const struct job *j)
{
	return j->stop_flag && *j->stop_flag;
}

static void set_running(struct job *j, const char *op, int on)
{
	j->st.running = on;
	snprintf(j->st.running_op, sizeof(j->st.running_op), "%s", on ? op : "");
	if (status_write(j->cfg->status_file, &j->st, !on) < 0)
		log_warn("cannot write STATUS_FILE %s: %s", j->cfg->status_file, strerror(errno));
}

/* The line of restic's output worth keeping for a successful run: prune's
 * total of what it frees, check's "no errors were found". */
static void summary_line(enum maint_kind k, const char *out, char *buf, size_t len)
{
	const char *needle = k == MAINT_PRUNE ? "this frees" : "no errors were found";
	const char *p = out ? strstr(out, needle) : NULL;
	const char *start, *end;

	buf[0] = '\0';
	if (!p)
		return;
	for (start = p; start > out && start[-1] != '\n'; start--)
		;
	end = strchr(p, '\n');
	snprintf(buf, len, "%.*s", (int)(end ? end - start : (long)strlen(start)), start);
}

static enum status_result maint_run(struct job *j, enum maint_kind k)
{
	struct status_op *o = k == MAINT_PRUNE ? &j->st.prune : &j->st.check;
	const char *name = kind_name(k);
	struct strvec argv = { 0 };
	struct jobrestic_run *r = calloc(1, sizeof(*r));
	enum status_result result = STATUS_FAILED;
	enum restic_outcome out = RESTIC_FAILED;
	long long t0 = mono_ms();
	int tried_unlock = 0;
	char msg[512] = "", last[300], line[300];

	o->last_start = time(NULL);
	o->delayed_s = 0;
	set_running(j, name, 1);
	if (!r || !(r->out = malloc(JOBRESTIC_STDOUT_KEEP + 1)) || maint_argv(&argv, j, k) < 0) {
		snprintf(msg, sizeof(msg), "cannot build the restic %s command line", name);
		goto done;
	}
	for (;;) {
		log_info("%s of sftp:%s:%s started", name, j->cfg->ssh_host, j->cfg->repo_path);
		if (jobrestic_exec(j, name, &argv, r) < 0) {
			snprintf(msg, sizeof(msg), "%.400s", r->err);
			goto done;
		}
		out = restic_classify(r->res.code, r->err);
		if (r->res.stopped)
			out = RESTIC_INTERRUPTED;
		/* Only stale locks go (dead process on this host, or older than
		 * 30 minutes); a live lock of another host is never forced. */
		if (out == RESTIC_LOCKED && !tried_unlock && !stopping(j)) {
			tried_unlock = 1;
			log_warn("repository is locked; removing stale locks with 'restic unlock' and retrying once");
			jobrestic_simple(j, "unlock", jobrestic_unlock_stale, 0, 0);
			continue;
		}
		break;
	}
	restic_last_error(r->err, last, sizeof(last));
	switch (out) {
	case RESTIC_OK:
		result = STATUS_OK;
		summary_line(k, r->out, line, sizeof(line));
		snprintf(msg, sizeof(msg), "%s done in %.1fs%s%s", name, (double)(mono_ms() - t0) / 1000.0,
			 line[0] ? ": " : "", line);
		log_info("%s", msg);
		break;
	case RESTIC_INTERRUPTED:
		if (!r->res.not_started) {
			log_info("%s interrupted; removing its stale lock", name);
			jobrestic_simple(j, "unlock", jobrestic_unlock_stale, jobrestic_unlock_reserve_ms(j), 0);
		}
		snprintf(msg, sizeof(msg), "%s interrupted by a stop request", name);
		break;
	case RESTIC_LOCKED:
		snprintf(msg, sizeof(msg),
			 "%s not run: the repository is locked by another restic (%.200s); it is not forced, the next "
			 "%s tries again",
			 name, last, k == MAINT_PRUNE ? "PRUNE_AT" : "CHECK_AT");
		log_error("%s", msg);
		break;
	default: {
		const char *hint = restic_ssh_hint(r->err);
		snprintf(msg, sizeof(msg), "restic %s failed (exit %d, %s): %.200s%s%.200s", name, r->res.code,
			 restic_outcome_name(out), hint ? hint : last, hint ? " — " : "", hint ? last : "");
		log_error("%s", msg);
	}
	}
done:
	o->result = result;
	o->last_end = time(NULL);
	o->duration_s = (double)(mono_ms() - t0) / 1000.0;
	o->runs++;
	o->agent_runs++;
	if (result == STATUS_FAILED)
		o->failures++;
	o->bytes_freed = -1;
	snprintf(o->message, sizeof(o->message), "%s", msg);
	set_running(j, name, 0);
	strvec_free(&argv);
	if (r)
		free(r->out);
	free(r);
	return result;
}

enum status_result maint_prune(struct job *j)
{
	return maint_run(j, MAINT_PRUNE);
}

enum status_result maint_check(struct job *j)
{
	return maint_run(j, MAINT_CHECK);
}
