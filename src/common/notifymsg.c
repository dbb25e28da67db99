/* notifymsg: see notifymsg.h. Every body is built with jansson from strings
 * that went through utf8_copy, so that none is dropped for a bad byte. */
#include "notifymsg.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "utf8.h"

#define TEXT_MAX 8192         /* the human text of one event */
#define TEXT_MESSAGE_MAX 1500 /* of the message in it */
#define DISCORD_MAX 1900      /* Discord refuses content of more than 2000 characters */
#define NTFY_MAX 3800         /* ntfy makes an attachment of more than 4096 bytes */

static const struct {
	const char *name, *phrase;
	int failure;
} events[NOTIFY_EVENT_COUNT] = {
	[NOTIFY_BACKUP_FAILED] = { "backup_failed", "backup failed", 1 },
	[NOTIFY_BACKUP_INCOMPLETE] = { "backup_incomplete", "backup incomplete", 1 },
	[NOTIFY_BACKUP_RECOVERED] = { "backup_recovered", "backup succeeded again", 0 },
	[NOTIFY_BACKUP_OK] = { "backup_ok", "backup succeeded", 0 },
	[NOTIFY_HOOK_FAILED] = { "hook_failed", "hook failed", 1 },
	[NOTIFY_FORGET_FAILED] = { "forget_failed", "forget failed", 1 },
	[NOTIFY_PRUNE_FAILED] = { "prune_failed", "prune failed", 1 },
	[NOTIFY_CHECK_FAILED] = { "check_failed", "repository check failed", 1 },
	[NOTIFY_BACKUP_STALE] = { "backup_stale", "no recent successful backup", 1 },
	[NOTIFY_CONFIG_ERROR] = { "config_error", "configuration error", 1 },
};

const char *notify_event_name(enum notify_event_kind k)
{
	return (unsigned)k < NOTIFY_EVENT_COUNT ? events[k].name : NULL;
}

int notify_event_kind(const char *name, enum notify_event_kind *out)
{
	for (int i = 0; i < NOTIFY_EVENT_COUNT; i++)
		if (!strcmp(name, events[i].name)) {
			*out = (enum notify_event_kind)i;
			return 0;
		}
	return -1;
}

int notify_event_is_failure(enum notify_event_kind k)
{
	return (unsigned)k < NOTIFY_EVENT_COUNT && events[k].failure;
}

int notify_on_parse(const char *s, enum notify_on *out, char *err, size_t errlen)
{
	static const char *const names[] = { "failure", "change", "always" };
	char shown[64];

	if (!s || !*s) {
		*out = NOTIFY_ON_FAILURE;
		return 0;
	}
	for (int i = 0; i < 3; i++)
		if (!strcasecmp(s, names[i])) {
			*out = (enum notify_on)i;
			return 0;
		}
	utf8_copy(shown, sizeof(shown), s, utf8_trim_cut(s, strnlen(s, sizeof(shown) - 1)), UTF8_ESCAPE_CTL);
	snprintf(err, errlen, "NOTIFY_ON='%s': use failure (the default), change or always", shown);
	return -1;
}

int notify_on_wants(enum notify_on on, enum notify_event_kind k)
{
	if (on == NOTIFY_ON_ALWAYS || notify_event_is_failure(k))
		return 1;
	return on == NOTIFY_ON_CHANGE && k == NOTIFY_BACKUP_RECOVERED;
}

/* YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM) */
static int rfc3339_ok(const char *s)
{
	static const char form[] = "dddd-dd-ddTdd:dd:dd";
	size_t i = 0;

	for (; form[i]; i++)
		if (form[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != form[i])
			return 0;
	if (s[i] == '.') {
		size_t f = ++i;
		while (isdigit((unsigned char)s[i]))
			i++;
		if (i == f)
			return 0;
	}
	if (s[i] == 'Z')
		return s[i + 1] == '\0';
	return (s[i] == '+' || s[i] == '-') && isdigit((unsigned char)s[i + 1]) && isdigit((unsigned char)s[i + 2]) &&
	       s[i + 3] == ':' && isdigit((unsigned char)s[i + 4]) && isdigit((unsigned char)s[i + 5]) && !s[i + 6];
}

static void now_rfc3339(char *dst, size_t cap)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The string key of o into dst. Returns 0; -1 when it is not a string (or
 * null), -2 when it does not fit and cut is 0. */
static int get_str(json_t *o, const char *key, char *dst, size_t cap, int cut)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	size_t n;

	dst[0] = '\0';
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n >= cap) {
		if (!cut)
			return -2;
		n = utf8_trim_cut(s, cap - 1);
	}
	/* jansson keeps a \u0000 as a NUL byte: it becomes U+FFFD here. */
	utf8_copy(dst, cap, s, n, 0);
	return 0;
}

int notify_event_from_json(const char *text, size_t len, struct notify_event *ev, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t off, cap;
	} fields[] = {
		{ "job", offsetof(struct notify_event, job), NOTIFY_FIELD_MAX },
		{ "service", offsetof(struct notify_event, service), NOTIFY_FIELD_MAX },
		{ "node", offsetof(struct notify_event, node), NOTIFY_FIELD_MAX },
		{ "repo", offsetof(struct notify_event, repo), NOTIFY_REPO_MAX },
		{ "result", offsetof(struct notify_event, result), sizeof(ev->result) },
		{ "time", offsetof(struct notify_event, time), sizeof(ev->time) },
	};
	json_error_t jerr;
	json_t *root, *v;
	const char *name;
	int rc = -1;

	memset(ev, 0, sizeof(*ev));
	if (len > NOTIFY_DOC_MAX) {
		snprintf(err, errlen, "the event document is longer than %d bytes", NOTIFY_DOC_MAX);
		return -1;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "the event document is not JSON: %s (line %d)", jerr.text, jerr.line);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "the event document is not a JSON object");
		goto out;
	}
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) != 1) {
		snprintf(err, errlen, "the event document's version must be 1");
		goto out;
	}
	name = json_string_value(json_object_get(root, "event"));
	if (!name || notify_event_kind(name, &ev->kind) < 0) {
		snprintf(err, errlen,
			 "event must be one of backup_failed, backup_incomplete, backup_recovered, "
			 "backup_ok, hook_failed, forget_failed, prune_failed, check_failed, "
			 "backup_stale, config_error");
		goto out;
	}
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		int r = get_str(root, fields[i].key, (char *)ev + fields[i].off, fields[i].cap, 0);
		if (r < 0) {
			snprintf(err, errlen, r == -1 ? "%s must be a string" : "%s is longer than %zu bytes",
				 fields[i].key, fields[i].cap - 1);
			goto out;
		}
	}
	if (get_str(root, "message", ev->message, sizeof(ev->message), 1) < 0) {
		snprintf(err, errlen, "message must be a string");
		goto out;
	}
	if (!ev->job[0] && ev->kind != NOTIFY_CONFIG_ERROR) {
		snprintf(err, errlen, "no job: every event but config_error names its job");
		goto out;
	}
	if (!ev->node[0]) {
		snprintf(err, errlen, "no node");
		goto out;
	}
	if (!ev->time[0])
		now_rfc3339(ev->time, sizeof(ev->time));
	else if (!rfc3339_ok(ev->time)) {
		snprintf(err, errlen, "time must be RFC 3339 (2024-05-01T03:00:02Z)");
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

static json_t *jstr(const char *s)
{
	size_t n = strlen(s);
	char *clean = malloc(3 * n + 1);
	json_t *j;

	if (!clean)
		return NULL;
	utf8_copy(clean, 3 * n + 1, s, n, 0);
	j = json_string(clean);
	free(clean);
	return j;
}

/* Adds key: s to o; NULL-safe for o (then it fails). */
static int put(json_t *o, const char *key, const char *s)
{
	return o ? json_object_set_new(o, key, jstr(s)) : -1;
}

char *notify_event_to_json(const struct notify_event *ev)
{
	json_t *o = json_object();
	char now[40], *text = NULL;
	int bad = !o || json_object_set_new(o, "version", json_integer(1)) < 0 || !notify_event_name(ev->kind);

	if (!bad) {
		if (!ev->time[0])
			now_rfc3339(now, sizeof(now));
		bad = put(o, "event", notify_event_name(ev->kind)) < 0 || put(o, "job", ev->job) < 0 ||
		      put(o, "service", ev->service) < 0 || put(o, "node", ev->node) < 0 ||
		      put(o, "repo", ev->repo) < 0 || put(o, "result", ev->result) < 0 ||
		      put(o, "message", ev->message) < 0 || put(o, "time", ev->time[0] ? ev->time : now) < 0;
	}
	if (!bad)
		text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text;
}

void notify_event_title(const struct notify_event *ev, char *dst, size_t cap)
{
	const char *phrase = (unsigned)ev->kind < NOTIFY_EVENT_COUNT ? events[ev->kind].phrase : "event";

	snprintf(dst, cap, "%s: %s", ev->job[0] ? ev->job : "rds-agent", phrase);
}

/* The human text: what happened to which job on which node, the message
 * (cut), the service and the repository; a title of the URL's first.
 * Slack's & < > as entities when asked. */
static void event_text(const struct notify_event *ev, const char *title, int entities, char *dst, size_t cap)
{
	char raw[TEXT_MAX], clean[TEXT_MAX], head[NOTIFY_FIELD_MAX + 64];
	size_t n = strlen(ev->message), k = 0;
	int cut = n > TEXT_MESSAGE_MAX, svc = ev->service[0] && strcmp(ev->service, ev->job) != 0;

	notify_event_title(ev, head, sizeof(head));
	snprintf(raw, sizeof(raw), "%s%s%s on %s%s%.*s%s%s%s%s%s", title ? title : "", title ? "\n" : "", head,
		 ev->node, n ? "\n" : "", (int)(cut ? utf8_trim_cut(ev->message, TEXT_MESSAGE_MAX) : n), ev->message,
		 cut ? "\xe2\x80\xa6" : "", svc ? "\nservice " : "", svc ? ev->service : "",
		 ev->repo[0] ? "\nrepository " : "", ev->repo);
	utf8_copy(clean, sizeof(clean), raw, utf8_trim_cut(raw, strlen(raw)), 0);
	if (!entities) {
		snprintf(dst, cap, "%s", clean);
		k = strlen(dst);
	} else {
		for (const char *s = clean; *s && k + 6 < cap; s++) {
			const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : NULL;
			if (e) {
				memcpy(dst + k, e, strlen(e));
				k += strlen(e);
			} else {
				dst[k++] = *s;
			}
		}
	}
	dst[utf8_trim_cut(dst, k)] = '\0';
}

/* s cut to at most max bytes, whole characters. */
static void cut_to(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		s[utf8_trim_cut(s, max)] = '\0';
}

static json_t *ntfy_body(const struct notifyurl *u, const struct notify_event *ev, const char *title, const char *text)
{
	int fault = notify_event_is_failure(ev->kind);
	json_t *o = json_object(), *tags = json_array();

	if (!o || !tags || json_array_append_new(tags, json_string(fault ? "warning" : "white_check_mark")) < 0)
		goto bad;
	/* The URL's tags follow ours, comma separated, blanks left out. */
	for (const char *s = u->tags ? u->tags : ""; *s; s += *s == ',') {
		size_t n = strcspn(s, ",");
		char *t = strndup(s, n);
		int rc = t && *t ? json_array_append_new(tags, jstr(t)) : (t ? 0 : -1);
		free(t);
		if (rc < 0)
			goto bad;
		s += n;
	}
	if (put(o, "topic", u->topic) < 0 || put(o, "title", title) < 0 || put(o, "message", text) < 0 ||
	    json_object_set_new(o, "priority",
				json_integer(u->priority > 0 ? u->priority
					     : fault         ? 4
							     : 3)) < 0)
		goto bad;
	if (json_object_set_new(o, "tags", tags) < 0) /* takes tags, also on failure */
		goto bad_o;
	if ((u->click && put(o, "click", u->click) < 0) || (u->icon && put(o, "icon", u->icon) < 0))
		goto bad_o;
	return o;
bad:
	json_decref(tags);
bad_o:
	json_decref(o);
	return NULL;
}

static json_t *body_json(const struct notifyurl *u, const struct notify_event *ev)
{
	char title[NOTIFY_FIELD_MAX + 64], text[TEXT_MAX];
	int fault = notify_event_is_failure(ev->kind);
	json_t *o = NULL;

	notify_event_title(ev, title, sizeof(title));
	switch (u->kind) {
	case NOTIFYURL_NTFY:
		event_text(ev, NULL, 0, text, sizeof(text));
		cut_to(text, NTFY_MAX);
		return ntfy_body(u, ev, u->title ? u->title : title, text);
	case NOTIFYURL_GOTIFY:
		event_text(ev, NULL, 0, text, sizeof(text));
		o = json_object();
		if (put(o, "title", u->title ? u->title : title) < 0 || put(o, "message", text) < 0 ||
		    json_object_set_new(o, "priority",
					json_integer(u->priority >= 0 ? u->priority
						     : fault          ? 8
								      : 4)) < 0)
			goto bad;
		return o;
	case NOTIFYURL_SLACK:
		event_text(ev, u->title, u->entities, text, sizeof(text));
		o = json_object();
		if (put(o, "text", text) < 0 || (u->username && put(o, "username", u->username) < 0))
			goto bad;
		if (u->icon &&
		    put(o,
			strncmp(u->icon, "http://", 7) && strncmp(u->icon, "https://", 8) ? "icon_emoji" : "icon_url",
			u->icon) < 0)
			goto bad;
		return o;
	case NOTIFYURL_DISCORD:
		event_text(ev, u->title, 0, text, sizeof(text));
		cut_to(text, DISCORD_MAX);
		o = json_object();
		/* An "@everyone" in a restic error must not ping anybody. */
		if (put(o, "content", text) < 0 || (u->username && put(o, "username", u->username) < 0) ||
		    (u->avatar && put(o, "avatar_url", u->avatar) < 0) ||
		    json_object_set_new(o, "allowed_mentions", json_pack("{s:[]}", "parse")) < 0)
			goto bad;
		return o;
	default:
		return NULL;
	}
bad:
	json_decref(o);
	return NULL;
}

int notify_render(const struct notifyurl *u, const struct notify_event *ev, char **body, size_t *len, char *err,
		  size_t errlen)
{
	json_t *o = NULL;

	*body = NULL;
	*len = 0;
	if (u->kind == NOTIFYURL_GENERIC) {
		*body = notify_event_to_json(ev);
	} else if (u->kind == NOTIFYURL_PING_HC || u->kind == NOTIFYURL_PING_KUMA) {
		snprintf(err, errlen, "%s: a PING_URL gets no event", u->shown);
		return -1;
	} else if ((o = body_json(u, ev))) {
		*body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
	}
	if (!*body) {
		snprintf(err, errlen, "%s: out of memory", u->shown);
		return -1;
	}
	*len = strlen(*body);
	return 0;
}
