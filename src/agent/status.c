/* status: see status.h. Times are stored as RFC 3339 UTC strings for people
 * and as epoch seconds for programs. */
#include "status.h"

#include <errno.h>
#include <stddef.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "util.h"

#define STATUS_ALL_MAX (16 * 1024 * 1024)
#define STATUS_VERSION 2

static const char *const result_names[] = { "none", "ok", "incomplete", "failed" };

const char *status_result_name(enum status_result r)
{
	return (unsigned)r < sizeof(result_names) / sizeof(result_names[0]) ? result_names[r] : "unknown";
}

static void put_time(json_t *o, const char *key, time_t t)
{
	char iso[40], k[64];
	struct tm tm;

	snprintf(k, sizeof(k), "%s_epoch", key);
	if (!t) {
		json_object_set_new(o, key, json_null());
		json_object_set_new(o, k, json_null());
		return;
	}
	gmtime_r(&t, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(o, key, json_string(iso));
	json_object_set_new(o, k, json_integer((json_int_t)t));
}

/* Bounds of what a file may say, so that the arithmetic on what was read
 * (ages, counters incremented, differences of counters) cannot overflow:
 * a time after 9999-12-31 or before 1970, or a count or duration outside
 * 0..STATUS_COUNT_MAX, is no agent's and reads as absent (0). */
#define STATUS_TIME_MAX 253402300799LL
#define STATUS_COUNT_MAX (LONG_MAX / 4)

static time_t get_time(json_t *o, const char *key)
{
	char k[64];
	json_int_t t;

	snprintf(k, sizeof(k), "%s_epoch", key);
	t = json_integer_value(json_object_get(o, k));
	return t >= 0 && t <= STATUS_TIME_MAX ? (time_t)t : 0;
}

static long get_count(const json_t *v)
{
	json_int_t c = json_integer_value(v);

	return c >= 0 && c <= STATUS_COUNT_MAX ? (long)c : 0;
}

/* A JSON string of s; bytes that are not UTF-8 are replaced, so that
 * jansson never drops the key. */
static json_t *text(const char *s)
{
	char clean[2048];

	/* A message cut by a bounded snprintf may end inside a character. */
	utf8_copy(clean, sizeof(clean), s, utf8_trim_cut(s, strlen(s)), 0);
	return json_string(clean);
}

/* The fields of an entry and of its operations, for writing and reading
 * alike: a field added to struct status or struct status_op needs one line
 * here (and, when old files lack it, nothing else: it reads as 0). */
enum ftype {
	F_TIME,      /* "KEY" RFC 3339 and "KEY_epoch", null when 0 */
	F_TIME_OPT,  /* the same, left out when 0 */
	F_LONG,      /* long */
	F_LLONG,     /* long long */
	F_REAL,      /* double */
	F_RESULT,    /* enum status_result by name */
	F_TEXT,      /* char[] */
	F_TEXT_NULL, /* char[], null when empty */
	F_TEXT_OPT,  /* char[], left out when empty */
	F_TRUE_OPT,  /* int, true or left out */
};

struct field {
	const char *key;
	enum ftype t;
	size_t off, size;
};

#define SF(k, t, m)                                                               \
	{                                                                         \
		k, t, offsetof(struct status, m), sizeof(((struct status *)0)->m) \
	}
#define OF(k, t, m)                                                                     \
	{                                                                               \
		k, t, offsetof(struct status_op, m), sizeof(((struct status_op *)0)->m) \
	}

static const struct field job_fields[] = {
	SF("result", F_RESULT, result),
	SF("message", F_TEXT, message),
	SF("repository", F_TEXT, repository),
	SF("last_start", F_TIME, last_start),
	SF("last_end", F_TIME, last_end),
	SF("last_success", F_TIME, last_success),
	SF("next_run", F_TIME, next_run),
	SF("repository_seen", F_TIME, repo_seen),
	SF("max_age_s", F_LONG, max_age_s),
	SF("run_limit_s", F_LONG, run_limit_s),
	SF("snapshot_id", F_TEXT_NULL, snapshot_id),
	SF("bytes_added", F_LLONG, bytes_added),
	SF("bytes_processed", F_LLONG, bytes_processed),
	SF("files_new", F_LONG, files_new),
	SF("files_changed", F_LONG, files_changed),
	SF("files_unmodified", F_LONG, files_unmodified),
	SF("duration_s", F_REAL, duration_s),
	SF("runs", F_LONG, runs),
	SF("failures", F_LONG, failures),
	SF("incompletes", F_LONG, incompletes),
	SF("skipped_ticks", F_LONG, skipped_ticks),
	SF("delayed_runs", F_LONG, delayed_runs),
	SF("pre_hook_failures", F_LONG, pre_hook_failures),
	SF("post_hook_failures", F_LONG, post_hook_failures),
	SF("agent_runs", F_LONG, agent_runs),
	SF("delayed_s", F_LONG, delayed_s),
	SF("agent_host", F_TEXT_OPT, agent_host),
	/* Label mode only; seed mode's file keeps the fields it had. */
	SF("service", F_TEXT_OPT, service),
	SF("repo_path", F_TEXT_OPT, repo_path),
	SF("host", F_TEXT_OPT, host),
	SF("gone", F_TIME_OPT, gone),
	SF("refused", F_TRUE_OPT, refused),
};

static const struct field op_fields[] = {
	OF("result", F_RESULT, result),
	OF("message", F_TEXT, message),
	OF("last_start", F_TIME, last_start),
	OF("last_end", F_TIME, last_end),
	OF("last_success", F_TIME, last_success),
	OF("duration_s", F_REAL, duration_s),
	OF("runs", F_LONG, runs),
	OF("failures", F_LONG, failures),
	OF("agent_runs", F_LONG, agent_runs),
	OF("delayed_s", F_LONG, delayed_s),
	OF("bytes_freed", F_LLONG, bytes_freed),
	OF("removed", F_LONG, removed),
	OF("kept", F_LONG, kept),
};

#define NFIELDS(a) (sizeof(a) / sizeof(a[0]))

static void fields_put(json_t *o, const void *base, const struct field *f, size_t n)
{
	for (size_t i = 0; i < n; i++, f++) {
		const char *p = (const char *)base + f->off;
		switch (f->t) {
		case F_TIME_OPT:
			if (!*(const time_t *)p)
				break;
			/* fall through */
		case F_TIME:
			put_time(o, f->key, *(const time_t *)p);
			break;
		case F_LONG:
			json_object_set_new(o, f->key, json_integer(*(const long *)p));
			break;
		case F_LLONG:
			json_object_set_new(o, f->key, json_integer(*(const long long *)p));
			break;
		case F_REAL:
			json_object_set_new(o, f->key, json_real(*(const double *)p));
			break;
		case F_RESULT:
			json_object_set_new(o, f->key, json_string(status_result_name(*(const enum status_result *)p)));
			break;
		case F_TEXT_OPT:
		case F_TEXT_NULL:
			if (!*p) {
				if (f->t == F_TEXT_NULL)
					json_object_set_new(o, f->key, json_null());
				break;
			}
			/* fall through */
		case F_TEXT:
			json_object_set_new(o, f->key, text(p));
			break;
		case F_TRUE_OPT:
			if (*(const int *)p)
				json_object_set_new(o, f->key, json_true());
			break;
		}
	}
}

static void fields_get(json_t *o, void *base, const struct field *f, size_t n)
{
	for (size_t i = 0; i < n; i++, f++) {
		char *p = (char *)base + f->off;
		json_t *v = json_object_get(o, f->key);
		switch (f->t) {
		case F_TIME:
		case F_TIME_OPT:
			*(time_t *)p = get_time(o, f->key);
			break;
		case F_LONG:
			*(long *)p = get_count(v);
			break;
		case F_LLONG:
			*(long long *)p = json_integer_value(v);
			break;
		case F_REAL:
			*(double *)p = json_number_value(v);
			break;
		case F_RESULT: {
			const char *res = json_string_value(v);
			for (size_t k = 0; res && k < NFIELDS(result_names); k++)
				if (!strcmp(res, result_names[k]))
					*(enum status_result *)p = (enum status_result)k;
			break;
		}
		case F_TEXT:
		case F_TEXT_NULL:
		case F_TEXT_OPT:
			snprintf(p, f->size, "%s", json_string_value(v) ?: "");
			break;
		case F_TRUE_OPT:
			*(int *)p = json_is_true(v);
			break;
		}
	}
}

static json_t *op_json(const struct status_op *o)
{
	json_t *j;

	if (!o->runs)
		return json_null();
	if ((j = json_object()))
		fields_put(j, o, op_fields, NFIELDS(op_fields));
	return j;
}

static void op_read(json_t *j, struct status_op *o)
{
	memset(o, 0, sizeof(*o));
	if (json_is_object(j))
		fields_get(j, o, op_fields, NFIELDS(op_fields));
}

static json_t *job_json(const struct status *s)
{
	json_t *job = json_object();

	if (!job)
		return NULL;
	fields_put(job, s, job_fields, NFIELDS(job_fields));
	json_object_set_new(job, "running", json_boolean(s->running));
	json_object_set_new(job, "running_op",
			    s->running ? json_string(s->running_op[0] ? s->running_op : "backup") : json_null());
	json_object_set_new(job, "forget", op_json(&s->forget));
	json_object_set_new(job, "prune", op_json(&s->prune));
	json_object_set_new(job, "check", op_json(&s->check));
	return job;
}

int status_write(const char *path, const struct status *s, int durable)
{
	return status_write_all(path, &s, 1, durable);
}

int status_write_all(const char *path, const struct status *const *v, size_t n, int durable)
{
	json_t *root = json_object(), *jobs = json_object();
	char *text_ = NULL, key[sizeof(v[0]->job) * 3];
	int rc = -1;

	if (!root || !jobs || !n)
		goto out;
	json_object_set_new(root, "version", json_integer(STATUS_VERSION));
	put_time(root, "agent_started", v[0]->agent_started);
	for (size_t i = 0; i < n; i++) {
		json_t *job = job_json(v[i]);
		utf8_copy(key, sizeof(key), v[i]->job, strlen(v[i]->job), 0);
		if (!job || json_object_set_new(jobs, key, job) < 0)
			goto out;
	}
	json_object_set_new(root, "jobs", jobs);
	jobs = NULL;
	text_ = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text_)
		goto out;
	rc = write_file_replace(path, text_, strlen(text_), 0644, durable);
out:
	free(text_);
	json_decref(jobs);
	json_decref(root);
	return rc;
}

static void job_read(json_t *job, const char *key, json_int_t version, struct status *s)
{
	snprintf(s->job, sizeof(s->job), "%s", key);
	fields_get(job, s, job_fields, NFIELDS(job_fields));
	s->running = json_is_true(json_object_get(job, "running"));
	snprintf(s->running_op, sizeof(s->running_op), "%s",
		 json_string_value(json_object_get(job, "running_op")) ?: "");
	op_read(json_object_get(job, "forget"), &s->forget);
	op_read(json_object_get(job, "prune"), &s->prune);
	op_read(json_object_get(job, "check"), &s->check);
	/* Version 1 had only the schedule's interval and judged two of them
	 * plus ten minutes, and no agent_runs. */
	if (version < 2 && get_count(json_object_get(job, "interval_s")) > 0)
		s->max_age_s = 2 * get_count(json_object_get(job, "interval_s")) + 600;
	if (version < 2)
		s->agent_runs = s->runs;
}

int status_read_all(const char *path, struct status **out, size_t *n, char *err, size_t errlen)
{
	json_t *root = NULL, *jobs, *job;
	json_error_t jerr;
	const char *key;
	char *text = NULL;
	size_t len, i = 0;
	json_int_t version;
	time_t started;
	int rc = -1, r;

	*out = NULL;
	*n = 0;
	r = read_file_bounded(path, STATUS_ALL_MAX, &text, &len);
	if (r < 0) {
		snprintf(err, errlen, "cannot read STATUS_FILE %s: %s", path,
			 r == -2 ? "larger than 16 MiB" : strerror(errno));
		goto out;
	}
	root = json_loadb(text, len, 0, &jerr);
	jobs = json_object_get(root, "jobs");
	if (!root || !json_is_object(jobs) || json_object_size(jobs) > STATUS_JOBS_MAX) {
		snprintf(err, errlen, "STATUS_FILE %s is not a status file of this agent", path);
		goto out;
	}
	version = json_integer_value(json_object_get(root, "version"));
	started = get_time(root, "agent_started");
	if (json_object_size(jobs) && !(*out = calloc(json_object_size(jobs), sizeof(**out)))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	json_object_foreach(jobs, key, job)
	{
		(*out)[i].agent_started = started;
		job_read(job, key, version, &(*out)[i++]);
	}
	*n = i;
	rc = 0;
out:
	json_decref(root);
	free(text);
	return rc;
}

int status_read(const char *path, struct status *s, char *err, size_t errlen)
{
	struct status *v;
	size_t n;

	memset(s, 0, sizeof(*s));
	if (status_read_all(path, &v, &n, err, errlen) < 0)
		return -1;
	if (n != 1) {
		free(v);
		snprintf(err, errlen, "STATUS_FILE %s is not a status file of this agent", path);
		return -1;
	}
	*s = v[0];
	free(v);
	return 0;
}

void status_fmt_bytes(long long b, char *buf, size_t len)
{
	const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

void status_fmt_duration(long s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%lds", s);
	else if (s < 3600)
		snprintf(buf, len, "%ldm%02lds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	else if (s % 3600 / 60)
		snprintf(buf, len, "%ldd%ldh%02ldm", s / 86400, s % 86400 / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%ldd%ldh", s / 86400, s % 86400 / 3600);
}

static void fmt_utc(time_t t, char *buf, size_t len)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

int status_carry_over(struct status *s, const struct status *prev)
{
	if (strcmp(s->job, prev->job) || strcmp(s->repository, prev->repository))
		return 0;
	s->last_start = prev->last_start;
	s->last_end = prev->last_end;
	s->last_success = prev->last_success;
	s->repo_seen = prev->repo_seen;
	s->result = prev->result;
	s->runs = prev->runs;
	s->failures = prev->failures;
	s->incompletes = prev->incompletes;
	s->skipped_ticks = prev->skipped_ticks;
	s->delayed_runs = prev->delayed_runs;
	s->pre_hook_failures = prev->pre_hook_failures;
	s->post_hook_failures = prev->post_hook_failures;
	s->bytes_added = prev->bytes_added;
	s->bytes_processed = prev->bytes_processed;
	s->files_new = prev->files_new;
	s->files_changed = prev->files_changed;
	s->files_unmodified = prev->files_unmodified;
	s->duration_s = prev->duration_s;
	memcpy(s->snapshot_id, prev->snapshot_id, sizeof(s->snapshot_id));
	s->forget = prev->forget;
	s->prune = prev->prune;
	s->check = prev->check;
	s->forget.agent_runs = s->prune.agent_runs = s->check.agent_runs = 0;
	memcpy(s->message, prev->message, sizeof(s->message));
	if (prev->running && (!strcmp(prev->running_op, "prune") || !strcmp(prev->running_op, "check"))) {
		struct status_op *o = !strcmp(prev->running_op, "prune") ? &s->prune : &s->check;
		char when[40];
		fmt_utc(o->last_start, when, sizeof(when));
		o->result = STATUS_FAILED;
		o->runs++;
		o->failures++;
		o->last_end = o->last_start;
		snprintf(o->message, sizeof(o->message), "the %s started at %s never finished: its agent was killed",
			 prev->running_op, when);
	} else if (prev->running) {
		char when[40];
		fmt_utc(prev->last_start, when, sizeof(when));
		s->result = STATUS_FAILED;
		s->runs++;
		s->failures++;
		s->last_end = prev->last_start;
		snprintf(s->message, sizeof(s->message),
			 "the backup started at %s never finished: its agent was killed", when);
	}
	return 1;
}

/* Appends a failed maintenance operation to a healthy verdict. */
static void op_warning(char *why, size_t whylen, const char *name, const struct status_op *o)
{
	size_t n = strlen(why);
	char when[40];

	if (o->result != STATUS_FAILED || n + 1 >= whylen)
		return;
	fmt_utc(o->last_end, when, sizeof(when));
	snprintf(why + n, whylen - n, "; warning: the %s%s at %s failed: %s",
		 o->agent_runs ? "last " : "previous agent's last ", name, when, o->message);
}

int status_health(const struct status *s, time_t now, char *why, size_t whylen)
{
	time_t since = s->last_success > s->agent_started ? s->last_success : s->agent_started;
	char d[32], lim[32], when[40];

	if (s->running && s->running_op[0] && strcmp(s->running_op, "backup")) {
		/* A prune or check: its ticks have no time limit; the backups
		 * wait for it, and their freshness with them. */
		const struct status_op *o = !strcmp(s->running_op, "prune")   ? &s->prune
					    : !strcmp(s->running_op, "check") ? &s->check
									      : &s->forget;
		status_fmt_duration((long)(now - o->last_start), d, sizeof(d));
		snprintf(why, whylen, "healthy: %s running for %s", s->running_op, d);
		return 0;
	}
	if (s->running) {
		status_fmt_duration((long)(now - s->last_start), d, sizeof(d));
		if (s->run_limit_s > 0 && now - s->last_start > s->run_limit_s) {
			status_fmt_duration(s->run_limit_s, lim, sizeof(lim));
			snprintf(why, whylen,
				 "unhealthy: a backup has been running for %s, longer than its time limits allow (%s: "
				 "HOOK_TIMEOUT, BACKUP_TIMEOUT and STOP_TIMEOUT); the agent is stuck",
				 d, lim);
			return 1;
		}
		snprintf(why, whylen, "healthy: backup running for %s", d);
		return 0;
	}
	if (s->result == STATUS_FAILED && s->agent_runs > 0) {
		snprintf(why, whylen, "unhealthy: the last backup failed: %s", s->message);
		return 1;
	}
	if (s->check.result == STATUS_FAILED && s->check.agent_runs > 0) {
		fmt_utc(s->check.last_end, when, sizeof(when));
		snprintf(why, whylen, "unhealthy: the repository check at %s failed: %s", when, s->check.message);
		return 1;
	}
	if (s->max_age_s > 0 && now - since > s->max_age_s) {
		status_fmt_duration((long)(now - since), d, sizeof(d));
		status_fmt_duration(s->max_age_s, lim, sizeof(lim));
		snprintf(why, whylen, "unhealthy: no successful backup for %s (the limit is %s)", d, lim);
		return 1;
	}
	if (s->last_success) {
		status_fmt_duration((long)(now - s->last_success), d, sizeof(d));
		snprintf(why, whylen, "healthy: last successful backup %s ago%s%.8s%s", d,
			 s->snapshot_id[0] ? ", snapshot " : "", s->snapshot_id,
			 s->max_age_s > 0 && now - s->last_success > s->max_age_s
				 ? " (older than the limit; this agent started since and has not had its turn yet)"
				 : "");
	} else {
		snprintf(why, whylen, "healthy: waiting for the first backup");
	}
	if (s->result == STATUS_FAILED) {
		/* An earlier agent's failure: this one has not tried yet. */
		size_t n = strlen(why);
		fmt_utc(s->last_end, when, sizeof(when));
		snprintf(why + n, whylen - n, "; the previous agent's last backup failed at %s: %s", when, s->message);
	}
	op_warning(why, whylen, "check", &s->check);
	op_warning(why, whylen, "prune", &s->prune);
	op_warning(why, whylen, "forget", &s->forget);
	if (s->next_run) {
		size_t n = strlen(why);
		fmt_utc(s->next_run, when, sizeof(when));
		snprintf(why + n, whylen - n, "; next at %s", when);
	}
	return 0;
}

/* Appends "; A: B" to why, within whylen. */
static void append(char *why, size_t whylen, const char *a, const char *b)
{
	size_t n = strlen(why);

	if (n + 3 < whylen)
		snprintf(why + n, whylen - n, "; %s: %s", a, b);
}

int status_health_all(const struct status *v, size_t n, time_t now, char *why, size_t whylen)
{
	char one[1200];
	const char *running = NULL;
	size_t present = 0, bad = 0, stuck = 0;

	why[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (v[i].gone)
			continue;
		present++;
		if (v[i].running && !running)
			running = v[i].job;
		if (!v[i].refused && status_health(&v[i], now, one, sizeof(one))) {
			bad++;
			stuck += v[i].running;
		}
	}
	if (!present) {
		snprintf(why, whylen, "healthy: no labelled service runs a task on this node%s",
			 n ? " (the ones seen before are gone)" : "");
		return 0;
	}
	/* Swarm replaces an unhealthy agent: while one job's backup runs,
	 * another job's failure must not have it killed (unless it is stuck). */
	if (bad && (stuck || !running))
		snprintf(why, whylen, "unhealthy: %zu of %zu jobs", bad, present);
	else
		snprintf(why, whylen, "healthy: %zu job%s", present, present == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		const char *text_;
		int r;

		if (v[i].gone)
			continue;
		if (v[i].refused) {
			snprintf(one, sizeof(one), "its labels are refused: %s", v[i].message);
			append(why, whylen, v[i].job, one);
			continue;
		}
		r = status_health(&v[i], now, one, sizeof(one));
		text_ = one + (r ? strlen("unhealthy: ") : strlen("healthy: "));
		if (r || strstr(text_, "warning:") || strstr(text_, "previous agent") || v[i].running)
			append(why, whylen, v[i].job, text_);
	}
	if (bad && running && !stuck)
		append(why, whylen, "not unhealthy while a job runs", running);
	return bad && (stuck || !running);
}
