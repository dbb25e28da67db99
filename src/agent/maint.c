/* maint: see maint.h. */
#include "maint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobrestic.h"
#include "log.h"
#include "restic_maint.h"
#include "restic_out.h"
#include "util.h"

enum maint_kind { MAINT_FORGET, MAINT_PRUNE, MAINT_CHECK };

static const char *const kind_names[] = { "forget", "prune", "check" };

static struct status_op *kind_op(struct job *j, enum maint_kind k)
{
	return k == MAINT_FORGET ? &j->st.forget : k == MAINT_PRUNE ? &j->st.prune : &j->st.check;
}

/* The snapshots this job owns: its --host and every one of its tags. */
static int own_tags(const struct job *j, struct strvec *tags)
{
	if (strvec_push(tags, "rds") < 0 ||
	    (*j->spec->service && strvec_pushf(tags, "service=%s", j->spec->service) < 0))
		return -1;
	return 0;
}

static int maint_argv(struct strvec *out, const struct job *j, enum maint_kind k, int dry_run)
{
	struct strvec tags = { 0 };
	int rc = -1;

	switch (k) {
	case MAINT_PRUNE:
		rc = restic_argv_prune(out, &j->remote, j->cfg->prune_argv.v);
		break;
	case MAINT_CHECK:
		rc = restic_argv_check(out, &j->remote, j->cfg->check_argv.v);
		break;
	case MAINT_FORGET:
		if (own_tags(j, &tags) == 0)
			rc = restic_argv_forget(out, &j->remote, j->spec->host, tags.v, &j->spec->retention, dry_run);
		/* A dry run shows restic's own table of what it would keep
		 * and remove, not JSON. */
		for (size_t i = 0; rc == 0 && dry_run && i < out->n; i++)
			if (!strcmp(out->v[i], "--json")) {
				free(out->v[i]);
				memmove(&out->v[i], &out->v[i + 1], (out->n - i) * sizeof(*out->v));
				out->n--;
				break;
			}
		break;
	}
	strvec_free(&tags);
	return rc;
}

static void set_running(struct job *j, const char *op, int on)
{
	j->st.running = on;
	snprintf(j->st.running_op, sizeof(j->st.running_op), "%s", on ? op : "");
	job_publish(j, !on);
}

struct forget_out {
	struct restic_forget_scan scan;
	int dry_run;
};

static void forget_line(void *ud, const char *line)
{
	struct forget_out *f = ud;

	if (f->dry_run) {
		printf("%s\n", line);
		fflush(stdout);
		return;
	}
	restic_forget_scan_feed(&f->scan, line, strlen(line));
	restic_forget_scan_feed(&f->scan, "\n", 1);
}

/* The message of a run that succeeded, and its numbers in o. */
static void success(struct job *j, enum maint_kind k, const struct jobrestic_run *r, const struct forget_out *f,
		    struct status_op *o, double secs, char *msg, size_t len)
{
	struct restic_prune p;
	struct restic_forget counts;
	char policy[300];

	switch (k) {
	case MAINT_PRUNE:
		restic_parse_prune(r->out, r->out_len, &p);
		o->bytes_freed = p.freed_bytes;
		snprintf(msg, len, "prune done in %.1fs: %s%s", secs,
			 p.freed[0] ? "freed " : "freed space not reported", p.freed);
		break;
	case MAINT_CHECK:
		snprintf(msg, len, "check done in %.1fs: no errors were found", secs);
		break;
	case MAINT_FORGET:
		retention_describe(&j->spec->retention, policy, sizeof(policy));
		if (f->dry_run) {
			snprintf(msg, len, "forget --dry-run done in %.1fs (%s): nothing was removed", secs, policy);
		} else if (restic_forget_scan_finish(&f->scan, &counts) == 0) {
			o->removed = counts.removed;
			o->kept = counts.kept;
			snprintf(msg, len, "forget done in %.1fs: %ld snapshot%s removed, %ld kept (%s)", secs,
				 counts.removed, counts.removed == 1 ? "" : "s", counts.kept, policy);
		} else {
			o->removed = o->kept = -1;
			snprintf(msg, len, "forget done in %.1fs (%s); its counts could not be read", secs, policy);
		}
		break;
	}
}

static enum status_result maint_run(struct job *j, enum maint_kind k, int dry_run)
{
	struct status_op *o = kind_op(j, k);
	const char *name = kind_names[k];
	const char *at = k == MAINT_PRUNE ? "PRUNE_AT" : k == MAINT_CHECK ? "CHECK_AT" : "backup";
	struct strvec argv = { 0 };
	struct jobrestic_run *r = calloc(1, sizeof(*r));
	struct forget_out *f = calloc(1, sizeof(*f));
	enum status_result result = STATUS_FAILED;
	enum restic_outcome out = RESTIC_FAILED;
	long long t0 = mono_ms();
	int tried_unlock = 0;
	char msg[512] = "", last[300];

	if (!dry_run) {
		job_clear_dead_locks(j);
		o->last_start = time(NULL);
		o->delayed_s = 0;
		o->bytes_freed = -1;
		o->removed = o->kept = 0;
		set_running(j, name, 1);
	}
	if (!r || !f || !(r->out = malloc(JOBRESTIC_STDOUT_KEEP + 1)) || maint_argv(&argv, j, k, dry_run) < 0) {
		snprintf(msg, sizeof(msg), "cannot build the restic %s command line", name);
		log_error("%s", msg);
		goto done;
	}
	if (k == MAINT_FORGET) {
		restic_forget_scan_init(&f->scan);
		f->dry_run = dry_run;
		r->on_stdout = forget_line;
		r->ud = f;
	}
	for (;;) {
		log_info("%s%s of sftp:%s:%s started", name, dry_run ? " --dry-run" : "", j->cfg->ssh_host,
			 j->spec->repo_path);
		if (jobrestic_exec(j, name, &argv, r) < 0) {
			snprintf(msg, sizeof(msg), "%.400s", r->err);
			log_error("%s", msg);
			goto done;
		}
		out = restic_classify(r->res.code, r->err);
		if (r->res.stopped)
			out = RESTIC_INTERRUPTED;
		/* Only stale locks go (dead process on this host, or older than
		 * 30 minutes); a live lock of another restic is never forced. */
		if (out == RESTIC_LOCKED && !tried_unlock && !job_stopping(j)) {
			tried_unlock = 1;
			log_warn("repository is locked; removing stale locks with 'restic unlock' and retrying once");
			jobrestic_simple(j, "unlock", jobrestic_unlock_stale, 0, 0);
			if (k == MAINT_FORGET) {
				restic_forget_scan_init(&f->scan);
			}
			continue;
		}
		break;
	}
	restic_last_error(r->err, last, sizeof(last));
	switch (out) {
	case RESTIC_OK:
		result = STATUS_OK;
		success(j, k, r, f, o, (double)(mono_ms() - t0) / 1000.0, msg, sizeof(msg));
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
			 name, last, at);
		log_error("%s", msg);
		break;
	default: {
		const char *hint = restic_ssh_hint(r->err);
		if (k == MAINT_CHECK && !hint)
			restic_check_error(r->err, last, sizeof(last));
		snprintf(msg, sizeof(msg), "restic %s failed (exit %d, %s): %.200s%s%.200s", name, r->res.code,
			 restic_outcome_name(out), hint ? hint : last, hint ? " — " : "", hint ? last : "");
		log_error("%s", msg);
	}
	}
done:
	if (!dry_run) {
		o->result = result;
		o->last_end = time(NULL);
		o->duration_s = (double)(mono_ms() - t0) / 1000.0;
		o->runs++;
		o->agent_runs++;
		if (result == STATUS_FAILED)
			o->failures++;
		else
			o->last_success = o->last_end;
		snprintf(o->message, sizeof(o->message), "%s", msg);
		set_running(j, name, 0);
	}
	strvec_free(&argv);
	if (r)
		free(r->out);
	free(r);
	free(f);
	return result;
}

enum status_result maint_forget(struct job *j, int dry_run)
{
	if (!retention_is_set(&j->spec->retention))
		return STATUS_NONE;
	return maint_run(j, MAINT_FORGET, dry_run);
}

enum status_result maint_prune(struct job *j)
{
	return maint_run(j, MAINT_PRUNE, 0);
}

enum status_result maint_check(struct job *j)
{
	return maint_run(j, MAINT_CHECK, 0);
}
