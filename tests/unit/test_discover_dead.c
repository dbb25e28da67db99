/* Unit tests for src/docker/discover_dead.c on the worker's answers recorded
 * from a real two-node swarm (tests/data/docker): a "die" event's container
 * is left out of the list (and so its service out of the table, or its
 * replica out of the choice), a "start" brings it back, an id the list no
 * longer holds is forgotten, and the set is bounded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "discover_dead.h"
#include "t.h"
#include "util.h"

#define DATA "tests/data/docker/"
#define DB1 "0e8de1361020" /* rdsd_db slot 1 */
#define DB2 "53d2f5071ba8" /* rdsd_db slot 2 */
#define CTL "9af75d2fe715" /* rdsd_ctl, its only container here */

static json_t *load(const char *name)
{
	json_error_t e;
	json_t *js = json_load_file(name, 0, &e);

	if (!js) {
		printf("Bail out! %s: %s (run from the repository root)\n", name, e.text);
		exit(1);
	}
	return js;
}

/* The full id of the recorded container whose id starts with prefix. */
static const char *full_id(const json_t *cts, const char *prefix)
{
	const json_t *c;
	size_t i;

	json_array_foreach(cts, i, c)
	{
		const char *id = json_string_value(json_object_get(c, "Id"));
		if (id && strncmp(id, prefix, strlen(prefix)) == 0)
			return id;
	}
	printf("Bail out! no recorded container %s\n", prefix);
	exit(1);
}

/* An event line of the recorded form for container id. */
static char *event(const char *action, const char *id, int swarm)
{
	char *s = malloc(1024);

	snprintf(s, 1024,
		 "{\"status\":\"%s\",\"id\":\"%s\",\"from\":\"rds-test/busybox:latest\",\"Type\":\"container\","
		 "\"Action\":\"%s\",\"Actor\":{\"ID\":\"%s\",\"Attributes\":{%s\"image\":\"rds-test/busybox:latest\"}},"
		 "\"scope\":\"local\",\"time\":1764000000,\"timeNano\":1764000000000000000}",
		 action, id, action, id, swarm ? "\"com.docker.swarm.service.name\":\"rdsd_db\"," : "");
	return s;
}

static enum discover_life life_of(const char *action, const char *id, int swarm, char *out)
{
	char *ev = event(action, id, swarm);
	enum discover_life l = discover_event_life(ev, strlen(ev), out);

	free(ev);
	return l;
}

/* The table of the worker from cts (a copy is filtered by d when d). */
static char *table(const json_t *info, const json_t *cts, struct discover_dead *d, size_t *removed)
{
	struct discover_node node;
	json_t *copy = json_deep_copy(cts);
	char *line = NULL, err[256];

	*removed = d ? discover_dead_filter(d, copy) : 0;
	if (discover_node(info, &node, err, sizeof(err)) < 0 ||
	    discover_table(&node, copy, NULL, NULL, &line, NULL, err, sizeof(err)) < 0) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	json_decref(copy);
	return line;
}

static void test_events(void)
{
	char id[DISCOVERY_ID_MAX + 1], big[200];
	const char *full = "0e8de1361020e5b6e80c3e5c9f0e0f2a1d2cdd7a2fd1a0a6cbbd5b0a0f3c5b11";
	size_t len;
	char *rec = NULL, *p, *nl;
	int starts = 0, ok = 1;

	CHECK(life_of("die", full, 1, id) == DISCOVER_LIFE_DIED && strcmp(id, full) == 0,
	      "a swarm task container's die: DIED, with its id");
	CHECK(life_of("start", full, 1, id) == DISCOVER_LIFE_STARTED && strcmp(id, full) == 0, "its start: STARTED");
	CHECK(life_of("kill", full, 1, id) == DISCOVER_LIFE_NONE && id[0] == '\0',
	      "a kill: nothing (the container may live on)");
	CHECK(life_of("destroy", full, 1, id) == DISCOVER_LIFE_NONE, "a destroy: nothing (it died before)");
	CHECK(life_of("die", full, 0, id) == DISCOVER_LIFE_NONE, "the die of a container of no service: nothing");
	CHECK(life_of("die", "../etc", 1, id) == DISCOVER_LIFE_NONE, "an Actor.ID that is no id: nothing");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(life_of("die", big, 1, id) == DISCOVER_LIFE_NONE, "an id longer than %d: nothing", DISCOVERY_ID_MAX);
	CHECK(discover_event_life("die", 3, id) == DISCOVER_LIFE_NONE && id[0] == '\0', "not JSON: nothing");
	{
		const char *svc = "{\"Type\":\"service\",\"Action\":\"remove\",\"Actor\":{\"ID\":\"abc\"}}";
		CHECK(discover_event_life(svc, strlen(svc), id) == DISCOVER_LIFE_NONE, "a service event: nothing");
	}

	/* The recorded worker events: every start is one, nothing else. */
	if (read_file_bounded(DATA "disc-events-worker.jsonl", 1 << 20, &rec, &len) < 0) {
		printf("Bail out! " DATA "disc-events-worker.jsonl\n");
		exit(1);
	}
	for (p = rec; *p; p = nl + 1) {
		json_t *ev;
		const char *action;
		enum discover_life l;
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p) - 1;
		ev = json_loadb(p, (size_t)(nl - p), 0, NULL);
		action = json_string_value(json_object_get(ev, "Action"));
		l = discover_event_life(p, (size_t)(nl - p), id);
		if (action && strcmp(action, "start") == 0) {
			starts++;
			ok &= l == DISCOVER_LIFE_STARTED &&
			      strcmp(id, json_string_value(json_object_get(json_object_get(ev, "Actor"), "ID"))) == 0;
		} else {
			ok &= l == DISCOVER_LIFE_NONE;
		}
		json_decref(ev);
	}
	CHECK(ok && starts == 5,
	      "recorded worker events: the %d starts are STARTED with their ids, the creates nothing", starts);
	free(rec);
}

static void test_filter(void)
{
	json_t *info = load(DATA "disc-info-worker.json"), *cts = load(DATA "disc-containers-worker.json");
	struct discover_dead d = { 0 };
	char *all, *line, other[DISCOVERY_ID_MAX + 1];
	const char *db1 = full_id(cts, DB1), *db2 = full_id(cts, DB2), *ctl = full_id(cts, CTL);
	size_t removed;

	all = table(info, cts, NULL, &removed);
	CHECK(strstr(all, db1) && !strstr(all, db2) && strstr(all, "\"rdsd_ctl\""),
	      "without deaths: rdsd_db by its slot 1 container, rdsd_ctl listed");

	discover_dead_add(&d, ctl);
	discover_dead_add(&d, ctl);
	CHECK_INT(d.n, 1, "an id is held once");
	line = table(info, cts, &d, &removed);
	CHECK(removed == 1 && !strstr(line, "\"rdsd_ctl\"") && strstr(line, db1),
	      "rdsd_ctl's only container died but is still listed: rdsd_ctl is out of the table, rdsd_db stays");
	CHECK_INT(d.n, 1, "... and its id is kept while the list shows it");
	free(line);

	discover_dead_add(&d, db1);
	line = table(info, cts, &d, &removed);
	CHECK(removed == 2 && strstr(line, db2) && !strstr(line, db1),
	      "rdsd_db's slot 1 container died: its slot 2 container stands for it");
	free(line);

	discover_dead_remove(&d, db1);
	line = table(info, cts, &d, &removed);
	CHECK(removed == 1 && strstr(line, db1) && d.n == 1, "slot 1 started again: chosen again");
	free(line);

	/* The list caught up: it no longer holds rdsd_ctl's container. */
	{
		json_t *later = json_deep_copy(cts);
		size_t i;
		for (i = 0; i < json_array_size(later); i++)
			if (!strcmp(json_string_value(json_object_get(json_array_get(later, i), "Id")), ctl))
				json_array_remove(later, i);
		line = table(info, later, &d, &removed);
		CHECK(removed == 0 && d.n == 0, "a list without the dead container: its id is forgotten");
		free(line);
		json_decref(later);
	}
	line = table(info, cts, &d, &removed);
	CHECK(removed == 0 && strcmp(line, all) == 0, "with nothing held the table is the unfiltered one");
	free(line);

	/* Bounded: the 65th death forgets the first. */
	for (int i = 0; i < DISCOVER_DEAD_MAX + 1; i++) {
		snprintf(other, sizeof(other), "%064d", i);
		discover_dead_add(&d, other);
	}
	snprintf(other, sizeof(other), "%064d", 0);
	discover_dead_remove(&d, other);
	CHECK_INT(d.n, DISCOVER_DEAD_MAX, "at most %d held; the oldest went first", DISCOVER_DEAD_MAX);
	snprintf(other, sizeof(other), "%064d", 1);
	discover_dead_remove(&d, other);
	CHECK_INT(d.n, DISCOVER_DEAD_MAX - 1, "... the second is still held");
	discover_dead_add(&d, "Bad-Id");
	discover_dead_add(&d, "");
	CHECK_INT(d.n, DISCOVER_DEAD_MAX - 1, "no id, no entry");
	line = table(info, cts, &d, &removed);
	CHECK(removed == 0 && d.n == 0, "none of them listed: all forgotten");
	free(line);

	free(all);
	json_decref(info);
	json_decref(cts);
}

int main(void)
{
	test_events();
	test_filter();
	return T_DONE();
}
