/* fuzz_notifymsg: the event document rds-notify reads on its stdin
 * (notify_event_from_json), written back (notify_event_to_json, which must
 * read again to the same event) and rendered for each kind of endpoint
 * (every body JSON); and NOTIFY_ON. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "notifymsg.h"
#include "notifyurl.h"

static const char *const urls[] = {
	"generic+https://u:p@hooks.example/p",
	"ntfy://user:pass@ntfy.example/topic?title=t&tags=a,b",
	"gotify://gotify.example/AbCdEfGhIjKlMnO?priority=9",
	"slack://hook:AAAAAAAAA-BBBBBBBBB-CCCCCCCCCCCCCCCCCCCCCCCC@webhook?botname=rds",
	"discord://token@123456?username=rds",
	"https://chat.example/hooks/abc",
};
static struct notifyurl u[sizeof(urls) / sizeof(urls[0])];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
		if (notifyurl_parse(urls[i], &u[i], err, sizeof(err)) < 0)
			abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct notify_event ev, back;
	char err[512], *doc, *s, title[300];
	enum notify_on on;

	s = fuzz_str(data, size);
	(void)notify_on_parse(s, &on, err, sizeof(err));
	free(s);
	if (notify_event_from_json((const char *)data, size, &ev, err, sizeof(err)) < 0)
		return 0;
	doc = notify_event_to_json(&ev);
	FUZZ_ASSERT(doc);
	FUZZ_ASSERT(notify_event_from_json(doc, strlen(doc), &back, err, sizeof(err)) == 0);
	FUZZ_ASSERT(ev.kind == back.kind && !strcmp(ev.job, back.job) && !strcmp(ev.service, back.service) &&
		    !strcmp(ev.node, back.node) && !strcmp(ev.repo, back.repo) && !strcmp(ev.result, back.result) &&
		    !strcmp(ev.message, back.message));
	free(doc);
	notify_event_title(&ev, title, sizeof(title));
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		char *body = NULL;
		size_t len = 0;
		json_t *js;

		if (notify_render(&u[i], &ev, &body, &len, err, sizeof(err)) < 0)
			continue;
		js = json_loadb(body, len, 0, NULL);
		FUZZ_ASSERT(js);
		json_decref(js);
		free(body);
	}
	return 0;
}
