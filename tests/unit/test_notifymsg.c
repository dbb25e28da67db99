/* Unit tests for src/common/notifymsg.c: event names, NOTIFY_ON and its
 * choice of events, the event document (read, refused, written back), and
 * the body of each kind of URL for an event: JSON that names the job, the
 * node, what failed and the message, with the URL's options, valid UTF-8
 * whatever bytes the event held, within each service's size limit. */
#include <jansson.h>
#include <stdlib.h>

#include "notifymsg.h"
#include "t.h"
#include "utf8.h"

static const char DOC[] = "{\"version\":1,\"event\":\"backup_failed\",\"job\":\"stack_db\",\"service\":\"stack_db\","
			  "\"node\":\"node-1\",\"repo\":\"sftp:restic@server:db\",\"result\":\"failed\","
			  "\"message\":\"Fatal: unable to open repository <nil> & more\","
			  "\"time\":\"2024-05-01T03:00:02Z\"}";

static void names(void)
{
	enum notify_event_kind k;
	int all = 1;

	for (int i = 0; i < NOTIFY_EVENT_COUNT; i++)
		all &= notify_event_kind(notify_event_name((enum notify_event_kind)i), &k) == 0 && (int)k == i;
	CHECK(all, "every event's name reads back as the event");
	CHECK(notify_event_kind("backup_exploded", &k) < 0 && !notify_event_name(NOTIFY_EVENT_COUNT),
	      "an unknown name, an unknown kind");
	CHECK(notify_event_is_failure(NOTIFY_BACKUP_STALE) && notify_event_is_failure(NOTIFY_CONFIG_ERROR) &&
		      !notify_event_is_failure(NOTIFY_BACKUP_OK) && !notify_event_is_failure(NOTIFY_BACKUP_RECOVERED),
	      "failures and successes");
}

static void notify_on(void)
{
	enum notify_on on = NOTIFY_ON_ALWAYS;
	char err[200] = "";

	CHECK(notify_on_parse(NULL, &on, err, sizeof(err)) == 0 && on == NOTIFY_ON_FAILURE, "unset: failure");
	CHECK(notify_on_parse("", &on, err, sizeof(err)) == 0 && on == NOTIFY_ON_FAILURE, "empty: failure");
	CHECK(notify_on_parse("Change", &on, err, sizeof(err)) == 0 && on == NOTIFY_ON_CHANGE, "Change");
	CHECK(notify_on_parse("always", &on, err, sizeof(err)) == 0 && on == NOTIFY_ON_ALWAYS, "always");
	CHECK(notify_on_parse("sometimes\x1b", &on, err, sizeof(err)) < 0 &&
		      !strcmp(err, "NOTIFY_ON='sometimes\\x1b': use failure (the default), change or always"),
	      "a bad value names NOTIFY_ON and the valid ones (%s)", err);

	CHECK(notify_on_wants(NOTIFY_ON_FAILURE, NOTIFY_BACKUP_FAILED) &&
		      notify_on_wants(NOTIFY_ON_FAILURE, NOTIFY_PRUNE_FAILED) &&
		      notify_on_wants(NOTIFY_ON_FAILURE, NOTIFY_BACKUP_STALE) &&
		      notify_on_wants(NOTIFY_ON_FAILURE, NOTIFY_CONFIG_ERROR) &&
		      !notify_on_wants(NOTIFY_ON_FAILURE, NOTIFY_BACKUP_RECOVERED) &&
		      !notify_on_wants(NOTIFY_ON_FAILURE, NOTIFY_BACKUP_OK),
	      "failure: every failure, no recovery, no success");
	CHECK(notify_on_wants(NOTIFY_ON_CHANGE, NOTIFY_BACKUP_FAILED) &&
		      notify_on_wants(NOTIFY_ON_CHANGE, NOTIFY_HOOK_FAILED) &&
		      notify_on_wants(NOTIFY_ON_CHANGE, NOTIFY_BACKUP_RECOVERED) &&
		      !notify_on_wants(NOTIFY_ON_CHANGE, NOTIFY_BACKUP_OK),
	      "change: every failure and the first success after one, no other success");
	CHECK(notify_on_wants(NOTIFY_ON_ALWAYS, NOTIFY_BACKUP_OK) &&
		      notify_on_wants(NOTIFY_ON_ALWAYS, NOTIFY_BACKUP_RECOVERED) &&
		      notify_on_wants(NOTIFY_ON_ALWAYS, NOTIFY_BACKUP_FAILED),
	      "always: everything");
}

static void doc_refused(const char *doc, const char *needle)
{
	struct notify_event ev;
	char err[300] = "";
	int rc = notify_event_from_json(doc, strlen(doc), &ev, err, sizeof(err));

	CHECK(rc < 0 && strstr(err, needle), "refused [%.50s]: \"%s\" (got \"%s\")", doc, needle, err);
}

static void document(void)
{
	struct notify_event ev, back;
	char err[300] = "", *text, big[NOTIFY_MESSAGE_MAX * 2 + 200];
	size_t n;

	CHECK(notify_event_from_json(DOC, strlen(DOC), &ev, err, sizeof(err)) == 0, "the document is read (%s)", err);
	CHECK(ev.kind == NOTIFY_BACKUP_FAILED && !strcmp(ev.job, "stack_db") && !strcmp(ev.node, "node-1") &&
		      !strcmp(ev.repo, "sftp:restic@server:db") && !strcmp(ev.result, "failed") &&
		      !strcmp(ev.time, "2024-05-01T03:00:02Z") && strstr(ev.message, "unable to open"),
	      "every field");
	text = notify_event_to_json(&ev);
	CHECK(text && !strcmp(text, DOC), "written back: the same document, keys in order (%s)", text);
	free(text);

	static const char bare[] = "{\"version\":1,\"event\":\"config_error\",\"node\":\"n\",\"job\":null}";
	CHECK(notify_event_from_json(bare, strlen(bare), &ev, err, sizeof(err)) == 0 && !ev.job[0] &&
		      strlen(ev.time) == 20 && ev.time[10] == 'T' && ev.time[19] == 'Z',
	      "config_error without a job; no time: now (%s)", ev.time);
	text = notify_event_to_json(&ev);
	CHECK(text && strstr(text, "\"job\":\"\"") && strstr(text, "\"service\":\"\"") && strstr(text, "\"repo\":\"\""),
	      "every key is written, \"\" when unknown (%s)", text);
	free(text);

	doc_refused("not json", "not JSON");
	doc_refused("[1]", "not a JSON object");
	doc_refused("{\"version\":2,\"event\":\"backup_ok\",\"job\":\"j\",\"node\":\"n\"}", "version must be 1");
	doc_refused("{\"event\":\"backup_ok\",\"job\":\"j\",\"node\":\"n\"}", "version must be 1");
	doc_refused("{\"version\":1,\"event\":\"backup_gone\",\"job\":\"j\",\"node\":\"n\"}", "event must be one of");
	doc_refused("{\"version\":1,\"event\":\"backup_ok\",\"node\":\"n\"}", "no job");
	doc_refused("{\"version\":1,\"event\":\"backup_ok\",\"job\":\"j\"}", "no node");
	doc_refused("{\"version\":1,\"event\":\"backup_ok\",\"job\":5,\"node\":\"n\"}", "job must be a string");
	doc_refused("{\"version\":1,\"event\":\"backup_ok\",\"job\":\"j\",\"node\":\"n\",\"message\":[]}",
		    "message must be a string");
	doc_refused("{\"version\":1,\"event\":\"backup_ok\",\"job\":\"j\",\"node\":\"n\",\"time\":\"yesterday\"}",
		    "time must be RFC 3339");
	doc_refused("{\"version\":1,\"event\":\"backup_ok\",\"job\":\"j\",\"job\":\"k\",\"node\":\"n\"}", "not JSON");
	{
		char doc[600];
		snprintf(doc, sizeof(doc), "{\"version\":1,\"event\":\"backup_ok\",\"job\":\"%0300d\",\"node\":\"n\"}",
			 0);
		doc_refused(doc, "job is longer than 255 bytes");
	}
	static const char offset[] = "{\"version\":1,\"event\":\"backup_ok\",\"job\":\"j\",\"node\":\"n\","
				     "\"time\":\"2024-05-01T05:00:02.25+02:00\"}";
	CHECK(notify_event_from_json(offset, strlen(offset), &ev, err, sizeof(err)) == 0,
	      "a time with a fraction and an "
	      "offset (%s)",
	      err);

	/* A long message of two-byte characters: byte 4095 would cut one. */
	n = (size_t)snprintf(big, sizeof(big),
			     "{\"version\":1,\"event\":\"backup_failed\",\"job\":\"j\",\"node\":\"n\","
			     "\"message\":\"xx");
	for (int i = 0; i < NOTIFY_MESSAGE_MAX; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "\xc3\xa9");
	snprintf(big + n, sizeof(big) - n, "\"}");
	CHECK(notify_event_from_json(big, strlen(big), &ev, err, sizeof(err)) == 0 &&
		      strlen(ev.message) == NOTIFY_MESSAGE_MAX - 2 && utf8_valid(ev.message, strlen(ev.message)) &&
		      !strcmp(ev.message + strlen(ev.message) - 2, "\xc3\xa9"),
	      "a long message is cut to whole characters (%zu bytes)", strlen(ev.message));

	/* What the agent may hand in: bytes that are not UTF-8, a NUL-free
	 * control character. */
	memset(&ev, 0, sizeof(ev));
	ev.kind = NOTIFY_HOOK_FAILED;
	snprintf(ev.job, sizeof(ev.job), "caf\xe9");
	snprintf(ev.node, sizeof(ev.node), "n1");
	snprintf(ev.message, sizeof(ev.message), "exit 1: \x1b[31mred\xff");
	text = notify_event_to_json(&ev);
	CHECK(text && utf8_valid(text, strlen(text)) && strstr(text, "caf\xef\xbf\xbd") && strstr(text, "\\u001B"),
	      "bad bytes become U+FFFD, control characters are escaped (%s)", text);
	CHECK(text && notify_event_from_json(text, strlen(text), &back, err, sizeof(err)) == 0 &&
		      !strcmp(back.job, "caf\xef\xbf\xbd"),
	      "and the result reads back (%s)", err);
	free(text);
}

/* The JSON body of url for the event DOC (or ev), parsed; NULL on failure. */
static json_t *body_of(const char *url, const struct notify_event *ev)
{
	struct notifyurl u;
	struct notify_event e;
	char err[300] = "", *body = NULL;
	size_t len = 0;
	json_t *j = NULL;

	if (notifyurl_parse(url, &u, err, sizeof(err)) < 0) {
		CHECK(0, "[%s] parses (%s)", url, err);
		goto out;
	}
	if (!ev) {
		notify_event_from_json(DOC, strlen(DOC), &e, err, sizeof(err));
		ev = &e;
	}
	if (notify_render(&u, ev, &body, &len, err, sizeof(err)) < 0) {
		CHECK(0, "[%s] renders (%s)", url, err);
		goto out;
	}
	CHECK(len == strlen(body) && utf8_valid(body, len), "[%s]: the body is UTF-8 (%zu bytes)", url, len);
	j = json_loadb(body, len, 0, NULL);
	CHECK(j != NULL, "[%s]: the body is JSON", url);
out:
	free(body);
	notifyurl_free(&u);
	return j;
}

static const char *s_of(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));
	return s ? s : "";
}

/* Names the job, the node, what failed, the message, the repository. */
static int complete(const char *text)
{
	return strstr(text, "stack_db: backup failed on node-1\n") && strstr(text, "unable to open repository") &&
	       strstr(text, "repository sftp:restic@server:db");
}

static void bodies(void)
{
	struct notify_event ev;
	char err[200];
	json_t *j, *tags;

	j = body_of("generic+https://h/x", NULL);
	CHECK(json_integer_value(json_object_get(j, "version")) == 1 && !strcmp(s_of(j, "event"), "backup_failed") &&
		      !strcmp(s_of(j, "job"), "stack_db") && !strcmp(s_of(j, "time"), "2024-05-01T03:00:02Z") &&
		      json_object_size(j) == 9,
	      "generic: the event document");
	json_decref(j);

	j = body_of("ntfy://ntfy.sh/alerts?tags=floppy_disk,,rds", NULL);
	tags = json_object_get(j, "tags");
	CHECK(!strcmp(s_of(j, "topic"), "alerts") && !strcmp(s_of(j, "title"), "stack_db: backup failed") &&
		      complete(s_of(j, "message")) && json_integer_value(json_object_get(j, "priority")) == 4,
	      "ntfy: topic, title, the whole story, a failure is priority 4 (%s)", s_of(j, "message"));
	CHECK(json_array_size(tags) == 3 && !strcmp(json_string_value(json_array_get(tags, 0)), "warning") &&
		      !strcmp(json_string_value(json_array_get(tags, 2)), "rds") && !json_object_get(j, "click"),
	      "ntfy: warning, then the URL's tags, blanks left out");
	json_decref(j);
	j = body_of(
		"ntfy://ntfy.sh/alerts?priority=min&title=Mine&click=https://x.example&icon=https://i.example/a.png",
		NULL);
	CHECK(json_integer_value(json_object_get(j, "priority")) == 1 && !strcmp(s_of(j, "title"), "Mine") &&
		      !strcmp(s_of(j, "click"), "https://x.example") &&
		      !strcmp(s_of(j, "icon"), "https://i.example/a.png"),
	      "ntfy: the URL's priority, title, click and icon");
	json_decref(j);

	j = body_of("gotify://h/AbCdEfGhIjKlMn0", NULL);
	CHECK(!strcmp(s_of(j, "title"), "stack_db: backup failed") && complete(s_of(j, "message")) &&
		      json_integer_value(json_object_get(j, "priority")) == 8 && json_object_size(j) == 3,
	      "gotify: title, message, a failure is priority 8");
	json_decref(j);
	j = body_of("gotify://h/AbCdEfGhIjKlMn0?priority=0&title=T", NULL);
	CHECK(json_integer_value(json_object_get(j, "priority")) == 0 && !strcmp(s_of(j, "title"), "T"),
	      "gotify: the URL's priority 0 and title");
	json_decref(j);

	j = body_of(
		"slack://hook:T00000000-B00000000-XXXXXXXXXXXXXXXXXXXXXXXX@webhook?title=Backups&botname=rds&icon=:x:",
		NULL);
	CHECK(!strncmp(s_of(j, "text"), "Backups\nstack_db: backup failed on node-1\n", 42) &&
		      strstr(s_of(j, "text"), "repository &lt;nil&gt; &amp; more") &&
		      !strcmp(s_of(j, "username"), "rds") && !strcmp(s_of(j, "icon_emoji"), ":x:"),
	      "slack: the title first, & < > as entities, bot name, icon emoji (%s)", s_of(j, "text"));
	json_decref(j);
	j = body_of("https://chat.example.com/hooks/abc", NULL);
	CHECK(complete(s_of(j, "text")) && strstr(s_of(j, "text"), "<nil> & more") && json_object_size(j) == 1,
	      "a Mattermost webhook: only text, no entities");
	json_decref(j);
	j = body_of("slack://hook:T00000000-B00000000-XXXXXXXXXXXXXXXXXXXXXXXX@webhook?icon=https://i.example/a.png",
		    NULL);
	CHECK(!strcmp(s_of(j, "icon_url"), "https://i.example/a.png") && !json_object_get(j, "icon_emoji"),
	      "slack: an icon URL is icon_url");
	json_decref(j);

	j = body_of("discord://tok123@1234?username=rds&avatar=https://i.example/a.png", NULL);
	CHECK(complete(s_of(j, "content")) && !strcmp(s_of(j, "username"), "rds") &&
		      !strcmp(s_of(j, "avatar_url"), "https://i.example/a.png") &&
		      json_array_size(json_object_get(json_object_get(j, "allowed_mentions"), "parse")) == 0 &&
		      json_is_array(json_object_get(json_object_get(j, "allowed_mentions"), "parse")),
	      "discord: content, username, avatar, no mention resolved");
	json_decref(j);

	/* A long message, a long repository, bytes that are not UTF-8. */
	notify_event_from_json(DOC, strlen(DOC), &ev, err, sizeof(err));
	memset(ev.message, 'm', sizeof(ev.message) - 1);
	ev.message[sizeof(ev.message) - 1] = '\0';
	ev.message[10] = '\xff';
	memset(ev.repo, 'r', sizeof(ev.repo) - 1);
	ev.repo[sizeof(ev.repo) - 1] = '\0';
	j = body_of("discord://tok123@1234", &ev);
	CHECK(strlen(s_of(j, "content")) <= 1900 && strstr(s_of(j, "content"), "m\xe2\x80\xa6"),
	      "discord: within 2000 characters, the message cut with an ellipsis (%zu)", strlen(s_of(j, "content")));
	json_decref(j);
	j = body_of("ntfy://ntfy.sh/t", &ev);
	CHECK(strlen(s_of(j, "message")) <= 3800 && strstr(s_of(j, "message"), "\xef\xbf\xbd"),
	      "ntfy: within 4096 bytes, a bad byte is U+FFFD (%zu)", strlen(s_of(j, "message")));
	json_decref(j);
	j = body_of("generic://h/x", &ev);
	CHECK(strlen(s_of(j, "message")) >= NOTIFY_MESSAGE_MAX - 1, "generic: the whole message");
	json_decref(j);

	ev.kind = NOTIFY_BACKUP_RECOVERED;
	j = body_of("ntfy://ntfy.sh/t", &ev);
	CHECK(json_integer_value(json_object_get(j, "priority")) == 3 &&
		      !strcmp(json_string_value(json_array_get(json_object_get(j, "tags"), 0)), "white_check_mark") &&
		      !strcmp(s_of(j, "title"), "stack_db: backup succeeded again"),
	      "ntfy: a recovery is priority 3 with a check mark");
	json_decref(j);
	j = body_of("gotify://h/AbCdEfGhIjKlMn0", &ev);
	CHECK_INT(json_integer_value(json_object_get(j, "priority")), 4, "gotify: a recovery is priority 4");
	json_decref(j);

	memset(&ev, 0, sizeof(ev));
	ev.kind = NOTIFY_CONFIG_ERROR;
	snprintf(ev.node, sizeof(ev.node), "node-2");
	snprintf(ev.message, sizeof(ev.message), "NOTIFY_URLS: URL 1 of 1 (ntfy://ntfy.sh): no topic");
	j = body_of("https://chat.example.com/hooks/abc", &ev);
	CHECK(!strncmp(s_of(j, "text"), "rds-agent: configuration error on node-2\nNOTIFY_URLS", 52),
	      "config_error without a job: the agent's (%s)", s_of(j, "text"));
	json_decref(j);
	{
		struct notifyurl u;
		char *body = NULL;
		size_t len;
		notifyurl_init(&u, "https://hc-ping.com/x");
		u.kind = NOTIFYURL_PING_HC;
		CHECK(notify_render(&u, &ev, &body, &len, err, sizeof(err)) < 0 && !body &&
			      strstr(err, "gets no event"),
		      "a PING_URL gets no event body (%s)", err);
		notifyurl_free(&u);
	}
}

int main(void)
{
	names();
	notify_on();
	document();
	bodies();
	return T_DONE();
}
