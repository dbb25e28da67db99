/* Unit tests for src/agent/discovery.c: the table line of rds-discover as the
 * agent reads it. A real line printed by rds-discover (recorded in
 * tests/data/docker/discover-table-worker.json) parses into what it says;
 * every bound of discovery.h is hit one beyond; bad strings, keys, versions
 * and duplicates are refused with a message naming where; a refused line
 * leaves the table empty. */
#include <stdlib.h>

#include "discovery.h"
#include "t.h"
#include "util.h"

#define CID "ee5c182e5b8387833065b5afde5084df928484567aeb0908fcb14d784237f645"

/* One service with the given extra members (each ending in ','), labels and
 * volumes; into a new string. */
static char *table_with(const char *svc_extra, const char *labels, const char *volumes)
{
	char *s = NULL;

	if (asprintf(&s,
		     "{\"version\":1,\"node\":{\"id\":\"n1\",\"name\":\"host\",\"manager\":false},"
		     "\"services\":[{%s\"name\":\"s_db\",\"id\":\"sid\",\"container\":\"" CID "\",\"task\":\"t1\","
		     "\"slot\":1,\"labels\":{%s},\"volumes\":[%s]}]}",
		     svc_extra, labels, volumes) < 0)
		exit(1);
	return s;
}

static int parse(const char *line, struct discovery_table *t, char *err, size_t errlen)
{
	return discovery_parse(line, strlen(line), t, err, errlen);
}

static void test_good(void)
{
	struct discovery_table t;
	char err[512] = "", *line = NULL;
	size_t len = 0;
	int rc;

	if (read_file_bounded("tests/data/docker/discover-table-worker.json", DISCOVERY_LINE_MAX, &line, &len) < 0) {
		printf("Bail out! tests/data/docker/discover-table-worker.json (run from the repository root)\n");
		exit(1);
	}
	rc = discovery_parse(line, len, &t, err, sizeof(err));
	CHECK(rc == 0, "a recorded table of a worker parses (%s)", rc ? err : "ok");
	CHECK(t.error == NULL && t.manager == 0 && t.node_id && strlen(t.node_id) == 25 && t.node_name &&
		      strcmp(t.node_name, "node2") == 0,
	      "node: id, name, not a manager");
	CHECK_INT(t.nservices, 3, "three services listed");
	if (t.nservices == 3) {
		const struct discovery_service *s = &t.services[1];
		CHECK(strcmp(t.services[0].name, "rdsd_ctl") == 0 && t.services[0].error &&
			      strstr(t.services[0].error, "rds.backup.pre") &&
			      !discovery_label(&t.services[0], "rds.backup.pre"),
		      "rdsd_ctl (a newline in a label): its error, without that label");
		CHECK_STR(s->name, "rdsd_db", "sorted by name: rdsd_db second");
		CHECK(s->slot == 1 && strlen(s->container) == 64 && strlen(s->task) == 25 && strlen(s->id) == 25 &&
			      s->error == NULL,
		      "slot 1, container, task and service ids, no error");
		CHECK_STR(discovery_label(s, "rds.backup"), "true", "label rds.backup");
		CHECK_STR(discovery_label(s, "rds.backup.at"), "0 3 * * *", "label rds.backup.at");
		CHECK_STR(discovery_label(s, "rds.backup.pre"), "sh -c \"echo pre\"", "label rds.backup.pre");
		CHECK(discovery_label(s, "other") == NULL, "a label not asked for: NULL");
		CHECK(s->nvolumes == 1 && strcmp(s->volumes[0].name, "rdsd_dbdata") == 0 &&
			      strcmp(s->volumes[0].destination, "/data") == 0 &&
			      strcmp(s->volumes[0].driver, "local") == 0 && s->volumes[0].rw == 1,
		      "its one named volume (the bind and tmpfs mounts are not in the table)");
		CHECK(strcmp(t.services[2].name, "rdsd_glob") == 0 && t.services[2].slot == 0,
		      "the global service: slot 0");
	}
	discovery_free(&t);
	CHECK(t.services == NULL && t.nservices == 0 && t.node_id == NULL, "discovery_free zeroes the table");
	discovery_free(&t);
	discovery_free(NULL);
	CHECK(1, "discovery_free twice and on NULL");
	free(line);

	rc = parse("{\"version\":1,\"error\":\"DOCKER_HOST unix:///x: cannot connect\"}\n", &t, err, sizeof(err));
	CHECK(rc == 0 && t.error && strcmp(t.error, "DOCKER_HOST unix:///x: cannot connect") == 0 && !t.node_id &&
		      t.nservices == 0,
	      "an error line, with its newline: only error is set");
	discovery_free(&t);

	rc = parse("{\"version\":1,\"node\":{\"id\":\"n1\",\"name\":\"h\",\"manager\":true},\"services\":[],"
		   "\"future\":{\"x\":1}}",
		   &t, err, sizeof(err));
	CHECK(rc == 0 && t.manager == 1 && t.nservices == 0, "no services, a manager, an unknown key ignored");
	discovery_free(&t);

	line = table_with("\"error\":\"label rds.backup.pre: holds a control character\",", "\"rds.backup\":\"true\"",
			  "");
	rc = parse(line, &t, err, sizeof(err));
	CHECK(rc == 0 && t.nservices == 1 && t.services[0].error && strstr(t.services[0].error, "control character") &&
		      t.services[0].nvolumes == 0,
	      "a service with its own error: kept, error set (%s)", rc ? err : "ok");
	discovery_free(&t);
	free(line);
}

/* Each case must be refused; want is a piece of the message. */
static void refused(const char *line, size_t len, const char *want, const char *what)
{
	struct discovery_table t;
	char err[512] = "";
	int rc = discovery_parse(line, len, &t, err, sizeof(err));

	CHECK(rc == -1 && strstr(err, want) && t.nservices == 0 && t.services == NULL && t.node_id == NULL &&
		      t.error == NULL,
	      "refused: %s (%s)", what, err);
}

static void refused_s(const char *line, const char *want, const char *what)
{
	refused(line, strlen(line), want, what);
}

static void refused_svc(const char *extra, const char *labels, const char *volumes, const char *want, const char *what)
{
	char *line = table_with(extra, labels, volumes);

	refused(line, strlen(line), want, what);
	free(line);
}

static void test_refused(void)
{
	static const char *const ok_labels = "\"rds.backup\":\"true\"";
	static const char *const vol = "{\"name\":\"v\",\"destination\":\"/d\",\"driver\":\"local\",\"rw\":true}";
	char *big, *line;
	size_t n;

	refused_s("", "not valid JSON", "empty");
	refused_s("[1]", "not a JSON object", "an array");
	refused_s("{\"version\":2,\"error\":\"x\"}", "version: not 1", "version 2");
	refused_s("{\"error\":\"x\"}", "version: missing", "no version");
	refused_s("{\"version\":1,\"error\":\"a\\nb\"}", "error: holds a control character", "error with LF");
	refused_s("{\"version\":1,\"error\":1}", "error: not a string", "error not a string");
	refused_s("{\"version\":1,\"version\":1,\"error\":\"x\"}", "not valid JSON", "a duplicate key");
	refused_s("{\"version\":1,\"error\":\"\xff\"}", "not valid JSON", "invalid UTF-8 (jansson refuses it)");
	refused_s("{\"version\":1,\"error\":\"a\\u0000b\"}", "not valid JSON", "an escaped NUL");
	refused_s("{\"version\":1,\"services\":[]}", "node: missing", "no node");
	refused_s("{\"version\":1,\"node\":{\"id\":\"N1\",\"name\":\"h\",\"manager\":true},\"services\":[]}",
		  "node.id: not an id", "an upper-case node id");
	refused_s("{\"version\":1,\"node\":{\"id\":\"n1\",\"name\":\"h\",\"manager\":1},\"services\":[]}",
		  "node.manager", "manager not a boolean");
	refused_s("{\"version\":1,\"node\":{\"id\":\"n1\",\"name\":\"h\",\"manager\":true}}", "services: missing",
		  "no services");

	refused_svc("", "\"rds.backup\":\"true\",\"rds.backup.pre\":\"a\\tb\"", "",
		    "service s_db.labels.rds.backup.pre: holds a control character", "a tab in a label value");
	refused_svc("", "\"rds.backup\":\"true\",\"rds.backup.pre\":\"\\u007f\"", "", "control character", "DEL");
	refused_svc("", "\"rds.backup\":\"true\",\"rds.backup.pre\":\"\\u0085\"", "", "control character", "C1 U+0085");
	refused_svc("", "\"rds.backup\":\"true\",\"other\":\"x\"", "", "not an rds.backup label", "a foreign label");
	refused_svc("", "\"rds.backup\":\"true\",\"rds.backup.\":\"x\"", "", "not an rds.backup label",
		    "the key rds.backup. alone");
	refused_svc("", "\"rds.backup\":\"false\"", "", "rds.backup is not \"true\"", "rds.backup=false listed");
	refused_svc("", "\"rds.backup.at\":\"@daily\"", "", "rds.backup is not \"true\"", "no rds.backup label");
	refused_svc("", ok_labels, "{\"name\":\"v\",\"destination\":\"d\",\"driver\":\"local\",\"rw\":true}",
		    "not an absolute path", "a relative destination");
	refused_svc("", ok_labels, "{\"name\":\"v\",\"destination\":\"/d\",\"driver\":\"local\",\"rw\":\"yes\"}",
		    "rw is not true or false", "rw not a boolean");
	refused_svc("", ok_labels, "{\"name\":\"v\",\"destination\":\"/d\",\"rw\":true}",
		    "service s_db.volumes[0].driver: missing", "a volume without a driver");
	refused_svc("\"slot\":-1,", ok_labels, "", "not valid JSON", "a duplicate slot key");

	refused_s("{\"version\":1,\"node\":{\"id\":\"n1\",\"name\":\"h\",\"manager\":true},\"services\":[{\"name\":"
		  "\"a\",\"id\":\"x\",\"container\":\"c\",\"task\":\"t\",\"slot\":-1,\"labels\":{\"rds.backup\":"
		  "\"true\"},\"volumes\":[]}]}",
		  "slot is not an integer", "a negative slot");
	refused_s("{\"version\":1,\"node\":{\"id\":\"n1\",\"name\":\"h\",\"manager\":true},\"services\":[{\"name\":"
		  "\"a\",\"id\":\"x/y\",\"container\":\"c\",\"task\":\"t\",\"slot\":1,\"labels\":{\"rds.backup\":"
		  "\"true\"},\"volumes\":[]}]}",
		  "service a.id: not an id", "a service id with a slash");

	/* Two services of one name. */
	const char *dup = "{\"version\":1,\"node\":{\"id\":\"n1\",\"name\":\"h\",\"manager\":true},\"services\":["
			  "{\"name\":\"a\",\"id\":\"x\",\"container\":\"c\",\"task\":\"t\",\"slot\":1,\"labels\":{"
			  "\"rds.backup\":\"true\"},\"volumes\":[]},"
			  "{\"name\":\"a\",\"id\":\"y\",\"container\":\"d\",\"task\":\"u\",\"slot\":1,\"labels\":{"
			  "\"rds.backup\":\"true\"},\"volumes\":[]}]}";
	refused(dup, strlen(dup), "service a: listed twice", "a service listed twice");

	/* Strings one beyond their bound. */
	n = DISCOVERY_VALUE_MAX + 1;
	big = malloc(n + 1);
	memset(big, 'x', n);
	big[n] = '\0';
	if (asprintf(&line, "\"rds.backup\":\"true\",\"rds.backup.pre\":\"%s\"", big) < 0)
		exit(1);
	refused_svc("", line, "", "longer than 8192 bytes", "a label value of 8193 bytes");
	free(line);
	big[DISCOVERY_VALUE_MAX] = '\0';
	if (asprintf(&line, "\"rds.backup\":\"true\",\"rds.backup.pre\":\"%s\"", big) < 0)
		exit(1);
	char *at_max = table_with("", line, "");
	struct discovery_table t;
	char err[256] = "";
	CHECK(discovery_parse(at_max, strlen(at_max), &t, err, sizeof(err)) == 0, "a label value of 8192 bytes: ok");
	discovery_free(&t);
	free(at_max);
	free(line);
	big[DISCOVERY_NAME_MAX + 1] = '\0';
	if (asprintf(&line, "\"rds.backup\":\"true\",\"rds.backup.%s\":\"x\"", big) < 0)
		exit(1);
	refused_svc("", line, "", "a key too long", "a label key longer than 255 bytes");
	free(line);
	if (asprintf(&line, "{\"name\":\"%s\",\"destination\":\"/d\",\"driver\":\"local\",\"rw\":true}", big) < 0)
		exit(1);
	refused_svc("", ok_labels, line, "volumes[0].name: longer than 255 bytes", "a volume name of 256 bytes");
	free(line);
	big[DISCOVERY_ID_MAX + 1] = '\0';
	if (asprintf(&line, "{\"version\":1,\"node\":{\"id\":\"%s\",\"name\":\"h\",\"manager\":true},\"services\":[]}",
		     big) < 0)
		exit(1);
	refused(line, strlen(line), "node.id: longer than 64 bytes", "a node id of 65 bytes");
	free(line);
	free(big);

	/* Counts one beyond their bound. */
	struct strvec parts = { 0 };
	size_t total = 0;
	char *p;
	if (strvec_push(&parts, "\"rds.backup\":\"true\"") < 0)
		exit(1);
	for (int i = 1; i <= DISCOVERY_LABELS_MAX; i++)
		if (strvec_pushf(&parts, ",\"rds.backup.l%d\":\"v\"", i) < 0)
			exit(1);
	for (size_t i = 0; i < parts.n; i++)
		total += strlen(parts.v[i]);
	p = big = calloc(1, total + 1);
	for (size_t i = 0; i < parts.n; i++)
		p = stpcpy(p, parts.v[i]);
	refused_svc("", big, "", "more than 64 labels", "65 labels");
	free(big);
	strvec_free(&parts);

	big = calloc(1, (DISCOVERY_VOLUMES_MAX + 1) * (strlen(vol) + 1) + 1);
	p = big;
	for (int i = 0; i <= DISCOVERY_VOLUMES_MAX; i++)
		p += sprintf(p, "%s%s", i ? "," : "", vol);
	refused_svc("", ok_labels, big, "more than 64 volumes", "65 volumes");
	free(big);

#define SVC                                                                                                          \
	"{\"name\":\"a%04d\",\"id\":\"x\",\"container\":\"c\",\"task\":\"t\",\"slot\":1,\"labels\":{\"rds.backup\":" \
	"\"true\"},\"volumes\":[]}"
	big = calloc(1, (DISCOVERY_SERVICES_MAX + 1) * (strlen(SVC) + 8) + 200);
	p = big +
	    sprintf(big, "{\"version\":1,\"node\":{\"id\":\"n1\",\"name\":\"h\",\"manager\":true},\"services\":[");
	for (int i = 0; i <= DISCOVERY_SERVICES_MAX; i++) {
		if (i)
			*p++ = ',';
		p += sprintf(p, SVC, i);
	}
	strcpy(p, "]}");
	refused(big, strlen(big), "more than 1000 services", "1001 services");
	/* The same with 1000: accepted. */
	p = strstr(big, ",{\"name\":\"a1000\"");
	strcpy(p, "]}");
	CHECK(discovery_parse(big, strlen(big), &t, err, sizeof(err)) == 0 && t.nservices == 1000,
	      "1000 services: ok (%s)", err);
	discovery_free(&t);
	free(big);

	n = DISCOVERY_LINE_MAX + 1;
	big = malloc(n);
	memset(big, ' ', n);
	memcpy(big, "{\"version\":1,\"error\":\"x\"}", 25);
	refused(big, n, "longer than 4194304 bytes", "a line of 4 MiB + 1 (even if its JSON is short)");
	free(big);
}

int main(void)
{
	test_good();
	test_refused();
	return T_DONE();
}
