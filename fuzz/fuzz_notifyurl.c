/* fuzz_notifyurl: NOTIFY_URLS and PING_URL: the input as one URL through
 * notifyurl_parse, pingurl_parse and url_split, as a whole NOTIFY_URLS
 * value through notifyurl_parse_list, and the redacted form of it. For a
 * URL that parses: the body each kind gets for an event must be JSON, the
 * requests of the ping signals are made, and scrubbing its secrets from a
 * text that holds them leaves none. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "notifymsg.h"
#include "notifyurl.h"
#include "pingurl.h"
#include "url.h"

static const struct notify_event ev = {
	.kind = NOTIFY_BACKUP_FAILED,
	.job = "stack_db",
	.service = "stack_db",
	.node = "node-1",
	.repo = "sftp:restic@server:db",
	.result = "failed",
	.message = "Fatal: unable to open repository <&>",
	.time = "2024-05-01T03:00:02Z",
};

static void render(const struct notifyurl *u)
{
	char *body = NULL, err[256];
	size_t len = 0;
	json_t *js;

	if (notify_render(u, &ev, &body, &len, err, sizeof(err)) < 0)
		return;
	js = json_loadb(body, len, 0, NULL);
	FUZZ_ASSERT(js);
	json_decref(js);
	free(body);
}

static void scrub(const struct notifyurl *u)
{
	char text[2 * NOTIFYURL_MAX + 64] = "error: ";

	for (size_t i = 0; i < u->secrets.n && strlen(text) + strlen(u->secrets.v[i]) + 2 < sizeof(text); i++) {
		strcat(text, u->secrets.v[i]);
		strcat(text, " ");
	}
	notifyurl_scrub(u, text);
	for (size_t i = 0; i < u->secrets.n; i++)
		FUZZ_ASSERT(!strstr(text, u->secrets.v[i]) || strchr(u->secrets.v[i], '*') ||
			    strstr("error: ", u->secrets.v[i]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum pingurl_signal sig[] = { PINGURL_START, PINGURL_SUCCESS, PINGURL_FAIL };
	char *s = fuzz_str(data, size), err[512], shown[NOTIFYURL_SHOWN_MAX], *req;
	struct notifyurl u, *list = NULL;
	struct url_parts p;
	size_t n = 0;

	if (notifyurl_parse(s, &u, err, sizeof(err)) == 0) {
		FUZZ_ASSERT(u.url && (!strncmp(u.url, "https://", 8) || !strncmp(u.url, "http://", 7)));
		render(&u);
		scrub(&u);
	}
	notifyurl_free(&u);
	if (pingurl_parse(s, &u, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < 3; i++)
			if (pingurl_request(&u, sig[i], "backup failed: \xff\n<detail> & more", &req) == 0)
				free(req);
		scrub(&u);
	}
	notifyurl_free(&u);
	(void)url_split(s, &p, err, sizeof(err));
	url_free(&p);
	if (notifyurl_parse_list(s, &list, &n, err, sizeof(err)) == 0)
		FUZZ_ASSERT(n <= NOTIFYURL_LIST_MAX);
	else
		FUZZ_ASSERT(!list);
	notifyurl_free_list(list, n);
	FUZZ_ASSERT(notifyurl_redact(s, shown, sizeof(shown)) < sizeof(shown));
	free(s);
	return 0;
}
