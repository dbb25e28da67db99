/* status: see status.h. Times are stored as RFC 3339 UTC strings for people
 * and as epoch seconds for programs. */
#include "status.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define STATUS_MAX (64 * 1024)

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

static time_t get_time(json_t *o, const char *key)
{
	char k[64];
	snprintf(k, sizeof(k), "%s_epoch", key);
	return (time_t)json_integer_value(json_object_get(o, k));
}

int status_write(const char *path, const struct status *s)
{
	json_t *root = json_object(), *job = json_object(), *jobs = json_object();
	char *text = NULL;
	int rc = -1;

	if (!root || !job || !jobs)
		goto out;
	json_object_set_new(root, "version", json_integer(1));
	put_time(root, "agent_started", s->agent_started);
	json_object_set_new(job, "result", json_string(status_result_name(s->result)));
	json_object_set_new(job, "message", json_string(s->message));
	json_object_set_new(job, "running", json_boolean(s->running));
	put_time(job, "last_start", s->last_start);
	put_time(job, "last_end", s->last_end);
	put_time(job, "last_success", s->last_success);
	put_time(job, "next_run", s->next_run);
	json_object_set_new(job, "interval_s", json_integer(s->interval_s));
	json_object_set_new(job, "snapshot_id", s->snapshot_id[0] ? json_string(s->snapshot_id) : json_null());
	json_object_set_new(job, "bytes_added", json_integer(s->bytes_added));
	json_object_set_new(job, "files_new", json_integer(s->files_new));
	json_object_set_new(job, "files_changed", json_integer(s->files_changed));
	json_object_set_new(job, "duration_s", json_real(s->duration_s));
	json_object_set_new(job, "runs", json_integer(s->runs));
	json_object_set_new(job, "failures", json_integer(s->failures));
	json_object_set_new(job, "skipped_ticks", json_integer(s->skipped_ticks));
	json_object_set_new(jobs, s->job, job);
	job = NULL;
	json_object_set_new(root, "jobs", jobs);
	jobs = NULL;
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text)
		goto out;
	rc = write_file_atomic(path, text, strlen(text), 0644);
out:
	free(text);
	json_decref(job);
	json_decref(jobs);
	json_decref(root);
	return rc;
}

int status_read(const char *path, struct status *s, char *err, size_t errlen)
{
	json_t *root = NULL, *jobs, *job;
	json_error_t jerr;
	const char *key, *res;
	char *text = NULL;
	size_t len;
	int rc = -1, r;

	memset(s, 0, sizeof(*s));
	r = read_file_bounded(path, STATUS_MAX, &text, &len);
	if (r < 0) {
		snprintf(err, errlen, "cannot read STATUS_FILE %s: %s", path,
			 r == -2 ? "larger than 64 KiB" : strerror(errno));
		goto out;
	}
	root = json_loadb(text, len, 0, &jerr);
	jobs = json_object_get(root, "jobs");
	if (!root || !json_is_object(jobs) || json_object_size(jobs) != 1) {
		snprintf(err, errlen, "STATUS_FILE %s is not a status file of this agent", path);
		goto out;
	}
	s->agent_started = get_time(root, "agent_started");
	json_object_foreach(jobs, key, job)
	{
		snprintf(s->job, sizeof(s->job), "%s", key);
		res = json_string_value(json_object_get(job, "result"));
		for (size_t i = 0; res && i < sizeof(result_names) / sizeof(result_names[0]); i++)
			if (!strcmp(res, result_names[i]))
				s->result = (enum status_result)i;
		snprintf(s->message, sizeof(s->message), "%s",
			 json_string_value(json_object_get(job, "message")) ?: "");
		snprintf(s->snapshot_id, sizeof(s->snapshot_id), "%s",
			 json_string_value(json_object_get(job, "snapshot_id")) ?: "");
		s->running = json_is_true(json_object_get(job, "running"));
		s->last_start = get_time(job, "last_start");
		s->last_end = get_time(job, "last_end");
		s->last_success = get_time(job, "last_success");
		s->next_run = get_time(job, "next_run");
		s->interval_s = (long)json_integer_value(json_object_get(job, "interval_s"));
		s->bytes_added = json_integer_value(json_object_get(job, "bytes_added"));
		s->runs = (long)json_integer_value(json_object_get(job, "runs"));
		s->failures = (long)json_integer_value(json_object_get(job, "failures"));
	}
	rc = 0;
out:
	json_decref(root);
	free(text);
	return rc;
}

int status_health(const struct status *s, time_t now, long grace_s, char *why, size_t whylen)
{
	time_t since = s->last_success > s->agent_started ? s->last_success : s->agent_started;

	if (s->result == STATUS_FAILED) {
		snprintf(why, whylen, "unhealthy: the last backup failed: %s", s->message);
		return 1;
	}
	if (s->interval_s > 0 && now - since > 2 * s->interval_s + grace_s) {
		snprintf(why, whylen, "unhealthy: no successful backup for %lds (schedule interval %lds)",
			 (long)(now - since), s->interval_s);
		return 1;
	}
	if (s->result == STATUS_NONE)
		snprintf(why, whylen, "healthy: waiting for the first backup");
	else
		snprintf(why, whylen, "healthy: last backup %s%s%s", status_result_name(s->result),
			 s->snapshot_id[0] ? ", snapshot " : "", s->snapshot_id);
	return 0;
}
