/* Unit tests for src/docker/discover.c over answers recorded from a real two-node
 * swarm of dockerd 20.10.24 by tests/data/docker/record_discover.sh (which
 * says what runs where): the table built from the recorded answers is the
 * very line rds-discover printed from them on each node, and the agent's
 * parser reads it; the worker sees no deploy labels and cannot drop a task
 * being shut down; the choice does not depend on the order of the answer;
 * the recorded events are told apart; the stream splitter is bounded; label,
 * volume, service and line bounds give the documented errors. */
#include <stdlib.h>

#include "discover.h"
#include "discovery.h"
#include "docker.h"
#include "t.h"
#include "util.h"

#define DATA "tests/data/docker/"

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

static char *slurp(const char *name, size_t *len)
{
	char *s = NULL;

	if (read_file_bounded(name, 1 << 20, &s, len) < 0) {
		printf("Bail out! %s (run from the repository root)\n", name);
		exit(1);
	}
	/* The recorded line ends in the newline rds-discover printed. */
	while (*len > 0 && s[*len - 1] == '\n')
		s[--*len] = '\0';
	return s;
}

static json_t *reversed(const json_t *a)
{
	json_t *r = json_array();

	for (size_t i = json_array_size(a); i > 0; i--)
		json_array_append(r, json_array_get(a, i - 1));
	return r;
}

/* The table of the recorded answers of one node, checked against the line
 * rds-discover printed there. */
static void test_node(const char *role, int manager)
{
	char path[128], err[512] = "", *line = NULL, *want;
	json_t *info, *cts, *svcs = NULL, *tasks = NULL, *rev;
	struct discover_node node;
	struct discovery_table t;
	size_t wlen, n = 0;
	int rc;

	snprintf(path, sizeof(path), DATA "disc-info-%s.json", role);
	info = load(path);
	snprintf(path, sizeof(path), DATA "disc-containers-%s.json", role);
	cts = load(path);
	if (manager) {
		svcs = load(DATA "disc-services.json");
		tasks = load(DATA "disc-tasks-manager.json");
	}
	snprintf(path, sizeof(path), DATA "discover-table-%s.json", role);
	want = slurp(path, &wlen);

	rc = discover_node(info, &node, err, sizeof(err));
	CHECK(rc == 0 && node.manager == manager && strlen(node.id) == 25, "%s: /info read (%s)", role,
	      rc ? err : node.id);
	rc = discover_table(&node, cts, svcs, tasks, &line, &n, err, sizeof(err));
	CHECK(rc == 0, "%s: table built (%s)", role, rc ? err : "ok");
	CHECK_STR(line, want, "%s: the very line rds-discover printed from these answers", role);
	CHECK(discovery_parse(line ? line : "", line ? strlen(line) : 0, &t, err, sizeof(err)) == 0 && t.nservices == n,
	      "%s: the agent's parser reads it: %zu services (%s)", role, n, err);
	discovery_free(&t);
	free(line);
	line = NULL;

	rev = reversed(cts);
	rc = discover_table(&node, rev, svcs, tasks, &line, NULL, err, sizeof(err));
	CHECK(rc == 0 && line && strcmp(line, want) == 0, "%s: the same line from the containers in reverse order",
	      role);
	free(line);
	line = NULL;
	json_decref(rev);

	if (manager) {
		/* Without the manager's answers, as a worker would see it. */
		rc = discover_table(&node, cts, NULL, NULL, &line, NULL, err, sizeof(err));
		CHECK(rc == 0 && line && !strstr(line, "\"rdsd_deploy\""),
		      "no deploy labels (a worker's view): rdsd_deploy, labelled by its deploy labels only, is not "
		      "listed");
		CHECK(line && strstr(line, "\"task\":\"") &&
			      discovery_parse(line, strlen(line), &t, err, sizeof(err)) == 0,
		      "... and that table parses");
		for (size_t i = 0; i < t.nservices; i++)
			if (strcmp(t.services[i].name, "rdsd_roll") == 0)
				CHECK(!strstr(want, t.services[i].container),
				      "no task list: rdsd_roll's old container (its task shutting down, lower task id) "
				      "is taken instead of the new one");
		discovery_free(&t);
		free(line);
		line = NULL;
		CHECK(strstr(want, "\"rdsd_deploy\"") && strstr(want, "\"rds.backup.at\":\"0 4 * * *\""),
		      "manager: rdsd_deploy listed by its deploy label, its container label over the deploy label");
	}
	json_decref(info);
	json_decref(cts);
	json_decref(svcs);
	json_decref(tasks);
	free(want);
}

static void test_info(void)
{
	json_t *js = json_loads("{\"Name\":\"h\\u001bx\",\"Swarm\":{\"LocalNodeState\":\"inactive\"}}", 0, NULL);
	struct discover_node node;
	char err[512];

	CHECK(discover_node(js, &node, err, sizeof(err)) == DOCKER_E_NOT_SWARM && strstr(err, "'inactive'"),
	      "not in a swarm: %s", err);
	json_decref(js);
	js = json_loads("{\"Name\":\"h\\u001bx\",\"Swarm\":{\"LocalNodeState\":\"active\",\"NodeID\":\"n1\","
			"\"ControlAvailable\":true}}",
			0, NULL);
	CHECK(discover_node(js, &node, err, sizeof(err)) == 0 && strcmp(node.name, "h?x") == 0 && node.manager,
	      "a control character in the host name shown as '?'");
	json_decref(js);
}

struct seen {
	int lines, overlong;
	size_t bytes;
};

static void count_line(void *ud, const char *line, size_t len)
{
	struct seen *s = ud;

	if (!line)
		s->overlong++;
	else
		s->lines++, s->bytes += len;
}

static int relevant_s(const char *line)
{
	return discover_event_relevant(line, strlen(line));
}

static void test_events(void)
{
	static const size_t chunks[] = { 1, 7, 100, 4096, 1 << 20 };
	size_t len, relevant = 0, lines = 0;
	char *text = slurp(DATA "disc-events-manager.jsonl", &len), *p, *nl;
	struct discover_lines *l = calloc(1, sizeof(*l));

	for (p = text; (nl = strchr(p, '\n')) || *p; p = nl + 1) {
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		json_t *ev = json_loadb(p, n, 0, NULL);
		const char *type = json_string_value(json_object_get(ev, "Type"));
		const char *action = json_string_value(json_object_get(ev, "Action"));
		/* The stream's filter lets only these actions through, and
		 * the recorded containers are all swarm tasks. */
		int want =
			type && action &&
			(strcmp(type, "service") == 0 || (strcmp(type, "node") == 0 && strcmp(action, "create") != 0) ||
			 (strcmp(type, "container") == 0 && strcmp(action, "create") != 0));

		lines++;
		if (discover_event_relevant(p, n) != want)
			CHECK(0, "event %zu (%s %s) misjudged", lines, type, action);
		relevant += (size_t)want;
		json_decref(ev);
		if (!nl)
			break;
	}
	CHECK(lines > 10 && relevant > 5 && relevant < lines,
	      "recorded manager events: %zu of %zu call for a list (a container or node create does not)", relevant,
	      lines);
	CHECK(relevant_s("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"Attributes\":{}}}") == 0,
	      "a container start of no swarm task: no list");
	CHECK(relevant_s("{\"Type\":\"network\",\"Action\":\"create\"}") == 0, "a network event: no list");
	CHECK(relevant_s("not json") == 1, "a line that is not JSON: a list (better one too many)");
	CHECK(relevant_s("{\"Type\":\"node\",\"Action\":\"update\",\"Actor\":{\"ID\":\"n1\",\"Attributes\":"
			 "{\"name\":\"h\"}}}") == 1,
	      "a node update (a promotion, say): a list");

	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		struct seen s = { 0 };
		memset(l, 0, sizeof(*l));
		for (size_t off = 0; off < len; off += chunks[c])
			discover_lines_feed(l, text + off, len - off < chunks[c] ? len - off : chunks[c], count_line,
					    &s);
		discover_lines_feed(l, "\n", 1, count_line, &s);
		CHECK(s.lines == (int)lines && s.overlong == 0 && s.bytes == len - (lines - 1),
		      "the stream fed in pieces of %zu bytes: the same %zu lines", chunks[c], lines);
	}

	/* One line longer than the bound, between two short ones. */
	struct seen s = { 0 };
	char *big = malloc(DISCOVER_EVENT_MAX + 10);
	memset(big, 'x', DISCOVER_EVENT_MAX + 10);
	memset(l, 0, sizeof(*l));
	discover_lines_feed(l, "{}\n", 3, count_line, &s);
	discover_lines_feed(l, big, DISCOVER_EVENT_MAX / 2, count_line, &s);
	discover_lines_feed(l, big, DISCOVER_EVENT_MAX, count_line, &s);
	discover_lines_feed(l, "y\n{}\n", 5, count_line, &s);
	CHECK(s.lines == 2 && s.overlong == 1, "an over-long line is reported once as such, the next line is whole");
	memset(l, 0, sizeof(*l));
	s = (struct seen){ 0 };
	discover_lines_feed(l, big, DISCOVER_EVENT_MAX, count_line, &s);
	discover_lines_feed(l, "\n", 1, count_line, &s);
	CHECK(s.lines == 1 && s.overlong == 0 && s.bytes == DISCOVER_EVENT_MAX, "a line of exactly the bound is whole");
	free(big);
	free(l);
	free(text);
}

/* A container of service name (id sid) with the given Labels members and
 * Mounts elements (JSON text). */
static json_t *container(const char *name, const char *cid, const char *tid, int slot, const char *labels,
			 const char *mounts)
{
	char *text = NULL;
	json_t *js;

	if (asprintf(&text,
		     "{\"Id\":\"%s\",\"State\":\"running\",\"Labels\":{\"com.docker.swarm.service.name\":\"%s\","
		     "\"com.docker.swarm.service.id\":\"sid%s\",\"com.docker.swarm.task.id\":\"%s\","
		     "\"com.docker.swarm.task.name\":\"%s.%d.%s\"%s},\"Mounts\":[%s]}",
		     cid, name, cid, tid, name, slot, tid, labels, mounts) < 0)
		exit(1);
	js = json_loads(text, 0, NULL);
	free(text);
	if (!js) {
		printf("Bail out! bad test container\n");
		exit(1);
	}
	return js;
}

static void test_bounds(void)
{
	struct discover_node node = { .id = "n1", .name = "h", .manager = 0 };
	json_t *cts = json_array();
	char err[512] = "", *line = NULL, *labels = NULL, *mounts = NULL, *p;
	struct discovery_table t;
	int rc;

	/* 70 rds.backup labels, and 70 volumes. */
	labels = calloc(1, 70 * 40 + 40);
	p = labels + sprintf(labels, ",\"rds.backup\":\"true\"");
	for (int i = 1; i < 70; i++)
		p += sprintf(p, ",\"rds.backup.l%02d\":\"v\"", i);
	mounts = calloc(1, 70 * 120);
	p = mounts;
	for (int i = 0; i < 70; i++)
		p += sprintf(
			p,
			"%s{\"Type\":\"volume\",\"Name\":\"v%02d\",\"Destination\":\"/d%02d\",\"Driver\":\"local\","
			"\"RW\":true}",
			i ? "," : "", i, i);
	json_array_append_new(cts, container("many", "c1", "t1", 1, labels, mounts));
	json_array_append_new(cts,
			      container("ctl", "c2", "t2", 1,
					",\"rds.backup\":\"true\",\"rds.backup.at\":\"@daily\",\"rds.backup.pre\":"
					"\"a\\tb\",\"rds.backup.\":\"x\"",
					"{\"Type\":\"bind\",\"Source\":\"/x\",\"Destination\":\"/y\",\"RW\":true}"));
	json_array_append_new(cts, container("two", "c4", "t4", 2, ",\"rds.backup\":\"true\"", ""));
	json_array_append_new(cts, container("two", "c3", "t3", 1, ",\"rds.backup\":\"true\"", ""));
	json_array_append_new(cts, container("off", "c5", "t5", 1, ",\"rds.backup\":\"True\"", ""));
	rc = discover_table(&node, cts, NULL, NULL, &line, NULL, err, sizeof(err));
	CHECK(rc == 0 && discovery_parse(line, strlen(line), &t, err, sizeof(err)) == 0 && t.nservices == 3,
	      "a table with problems still parses: 3 services (rds.backup=True is not true) (%s)", err);
	if (t.nservices == 3) {
		const struct discovery_service *ctl = &t.services[0], *many = &t.services[1], *two = &t.services[2];
		CHECK(ctl->error && strstr(ctl->error, "label rds.backup.: nothing after rds.backup.") &&
			      strstr(ctl->error, "(and more problems)") && !discovery_label(ctl, "rds.backup.pre") &&
			      discovery_label(ctl, "rds.backup.at") && ctl->nvolumes == 0,
		      "ctl: the first problem named, more counted, the tab's label left out, a bind mount is no "
		      "volume: "
		      "%s",
		      ctl->error ? ctl->error : "(none)");
		CHECK(many->nlabels == 64 && many->nvolumes == 64 && many->error &&
			      strstr(many->error, "more than 64 rds.backup labels"),
		      "70 labels and 70 volumes: 64 of each kept, the error says so: %s",
		      many->error ? many->error : "(none)");
		CHECK(strcmp(two->container, "c3") == 0 && two->slot == 1, "two replicas: slot 1 chosen");
	}
	discovery_free(&t);
	free(line);
	free(labels);
	free(mounts);
	json_decref(cts);

	/* A value of 8193 bytes: left out. 1001 services: an error. */
	cts = json_array();
	labels = malloc(9000);
	p = labels + sprintf(labels, ",\"rds.backup\":\"true\",\"rds.backup.pre\":\"");
	memset(p, 'x', 8193);
	strcpy(p + 8193, "\"");
	json_array_append_new(cts, container("big", "c1", "t1", 1, labels, ""));
	rc = discover_table(&node, cts, NULL, NULL, &line, NULL, err, sizeof(err));
	CHECK(rc == 0 && strstr(line, "the value is longer than 8192 bytes") && !strstr(line, "xxxx"),
	      "a label value of 8193 bytes left out, with an error");
	free(line);
	json_decref(cts);
	cts = json_array();
	for (int i = 0; i <= DISCOVERY_SERVICES_MAX; i++) {
		char name[16], cid[16];
		snprintf(name, sizeof(name), "s%04d", i);
		snprintf(cid, sizeof(cid), "c%04d", i);
		json_array_append_new(cts, container(name, cid, "t1", 1, ",\"rds.backup\":\"true\"", ""));
	}
	rc = discover_table(&node, cts, NULL, NULL, &line, NULL, err, sizeof(err));
	CHECK(rc == -1 && line == NULL && strstr(err, "more than 1000 labelled services"), "1001 services: %s", err);
	json_decref(cts);
	/* 900 services with a 5000-byte label each: past 4 MiB. */
	cts = json_array();
	labels[strlen(",\"rds.backup\":\"true\",\"rds.backup.pre\":\"") + 5000] = '\0';
	strcat(labels, "\"");
	for (int i = 0; i < 900; i++) {
		char name[16], cid[16];
		snprintf(name, sizeof(name), "s%04d", i);
		snprintf(cid, sizeof(cid), "c%04d", i);
		json_array_append_new(cts, container(name, cid, "t1", 1, labels, ""));
	}
	rc = discover_table(&node, cts, NULL, NULL, &line, NULL, err, sizeof(err));
	CHECK(rc == -1 && line == NULL && strstr(err, "longer than 4194304 bytes"), "a table of 4.3 MB: %s", err);
	json_decref(cts);
	free(labels);

	line = discover_error_line("a\nb\x1b[2Kc \xff");
	CHECK_STR(line, "{\"version\":1,\"error\":\"a?b?[2Kc \xef\xbf\xbd\"}",
		  "error line: control characters as '?', a bad byte as U+FFFD");
	CHECK(discovery_parse(line, strlen(line), &t, err, sizeof(err)) == 0 && t.error, "... and the parser reads it");
	discovery_free(&t);
	free(line);
	p = malloc(DISCOVERY_VALUE_MAX + 100);
	memset(p, 'e', DISCOVERY_VALUE_MAX + 99);
	strcpy(p + DISCOVERY_VALUE_MAX - 1, "\xc3\xa9tail");
	line = discover_error_line(p);
	CHECK(line && discovery_parse(line, strlen(line), &t, err, sizeof(err)) == 0 && t.error &&
		      strlen(t.error) == DISCOVERY_VALUE_MAX - 1,
	      "a long error message cut to fit, not inside the character at the cut");
	discovery_free(&t);
	free(line);
	free(p);
}

int main(void)
{
	test_node("manager", 1);
	test_node("worker", 0);
	test_info();
	test_events();
	test_bounds();
	return T_DONE();
}
