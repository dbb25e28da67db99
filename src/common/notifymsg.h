/* notifymsg: the events the agent reports (NOTIFY_ON chooses which), the
 * JSON event document the agent hands rds-notify on its stdin, and the body
 * each kind of NOTIFY_URLS endpoint gets for an event (notifyurl.h).
 *
 * The event document, version 1, is also the body generic:// URLs get:
 *   {"version":1,"event":"backup_failed","job":"stack_db","service":"stack_db",
 *    "node":"node-1","repo":"sftp:restic@server:db","result":"failed",
 *    "message":"Fatal: unable to open repository ...","time":"2024-05-01T03:00:02Z"}
 * Every key is always there (a string, "" when unknown); time is RFC 3339.
 * event is one of the names below, result the job's last result (ok,
 * incomplete, failed, or ""), message the first useful line of the error
 * (or the summary of a success). Receivers must ignore keys they do not
 * know: later versions may add some, a change of meaning gets a new version.
 *
 * The other bodies are JSON too (valid UTF-8 whatever the event holds),
 * with one text that names the job, what happened, the node, the message
 * and the repository: ntfy's JSON publish (topic, title, message, priority,
 * tags, click, icon), gotify's message (title, message, priority), Slack's
 * webhook (text, username, icon_emoji or icon_url), Discord's webhook
 * (content, username, avatar_url; no mention is ever resolved). Without a
 * priority in the URL a failure is ntfy's high (4) and gotify's 8, other
 * events ntfy's default (3) and gotify's 4. ntfy gets the tags "warning"
 * (failures) or "white_check_mark" (successes) before the URL's own. */
#ifndef RDS_NOTIFYMSG_H
#define RDS_NOTIFYMSG_H
#include <stddef.h>

#include "notifyurl.h"

enum notify_event_kind {
	NOTIFY_BACKUP_FAILED,     /* a backup failed */
	NOTIFY_BACKUP_INCOMPLETE, /* restic could not read some files */
	NOTIFY_BACKUP_RECOVERED,  /* a backup succeeded after a failed one */
	NOTIFY_BACKUP_OK,         /* a backup succeeded (NOTIFY_ON=always) */
	NOTIFY_HOOK_FAILED,       /* PRE_HOOK or POST_HOOK failed */
	NOTIFY_FORGET_FAILED,
	NOTIFY_PRUNE_FAILED,
	NOTIFY_CHECK_FAILED,
	NOTIFY_BACKUP_STALE, /* no successful backup within the window */
	NOTIFY_CONFIG_ERROR, /* a job or the agent refused for its settings */
	NOTIFY_EVENT_COUNT
};

/* The event's name in the document ("backup_failed"), or NULL. */
const char *notify_event_name(enum notify_event_kind k);
/* The kind of a name; 0, or -1 for an unknown name. */
int notify_event_kind(const char *name, enum notify_event_kind *out);
/* 1 for the events that report a fault (all but recovered and ok). */
int notify_event_is_failure(enum notify_event_kind k);

/* NOTIFY_ON: which events are sent.
 *   failure (the default): every failure (every kind but recovered, ok);
 *   change: every failure, and backup_recovered: the first success after
 *     a failure, so that whoever was told of a fault hears it is gone;
 *   always: every event, backup_ok included. */
enum notify_on { NOTIFY_ON_FAILURE, NOTIFY_ON_CHANGE, NOTIFY_ON_ALWAYS };

/* Parses s (NULL or "" is the default, failure). Returns 0, or -1 with err
 * naming NOTIFY_ON, showing the value and the valid ones. */
int notify_on_parse(const char *s, enum notify_on *out, char *err, size_t errlen);

/* 1 when an event of kind k is sent under on. */
int notify_on_wants(enum notify_on on, enum notify_event_kind k);

#define NOTIFY_FIELD_MAX 256 /* job, service, node */
#define NOTIFY_REPO_MAX 1024
#define NOTIFY_MESSAGE_MAX 4096 /* longer messages are cut (whole characters) */
#define NOTIFY_DOC_MAX 65536    /* longest event document read */

/* One event. Strings are NUL-terminated and valid UTF-8 once they come out
 * of notify_event_from_json; notify_event_to_json repairs what is not. */
struct notify_event {
	enum notify_event_kind kind;
	char job[NOTIFY_FIELD_MAX];
	char service[NOTIFY_FIELD_MAX];
	char node[NOTIFY_FIELD_MAX];
	char repo[NOTIFY_REPO_MAX];
	char result[16];
	char message[NOTIFY_MESSAGE_MAX];
	char time[40]; /* RFC 3339; "" means now */
};

/* Reads a document of len bytes into *ev. Returns 0, or -1 with a one-line
 * reason in err: not JSON, not an object, version not 1, an unknown event,
 * no job (only config_error may have none), no node, a value that is not a
 * string, a field too long for ev (the message alone is cut instead), a
 * time that is not RFC 3339. A time that is missing or "" becomes now. */
int notify_event_from_json(const char *text, size_t len, struct notify_event *ev, char *err, size_t errlen);

/* The document of ev as a new string (owned by the caller; compact JSON,
 * one line) or NULL when out of memory. An empty time is written as now. */
char *notify_event_to_json(const struct notify_event *ev);

/* The title of ev ("stack_db: backup failed") into dst (capacity cap). */
void notify_event_title(const struct notify_event *ev, char *dst, size_t cap);

/* The body u gets for ev, as a new string *body of *len bytes (owned by the
 * caller). Returns 0, or -1 (out of memory; err says so). */
int notify_render(const struct notifyurl *u, const struct notify_event *ev, char **body, size_t *len, char *err,
		  size_t errlen);

#endif
