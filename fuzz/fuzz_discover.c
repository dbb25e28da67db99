/* fuzz_discover: rds-discover's reading of Docker's answers (discover.h):
 * discover_node over GET /info and discover_table over the container,
 * service and task lists, with discover_dead_filter before it as the
 * helper does. The input is either one JSON array
 * [info, containers, services, tasks] (services and tasks null on a
 * worker) or any other JSON value, then used as the container list of a
 * worker. Every table line made must be one the agent's discovery_parse
 * accepts, and so must every error line. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "discover_dead.h"
#include "discovery.h"
#include "fuzz.h"

static void check_line(const char *line)
{
	struct discovery_table t;
	char err[512];

	FUZZ_ASSERT(discovery_parse(line, strlen(line), &t, err, sizeof(err)) == 0);
	discovery_free(&t);
}

static void table(const struct discover_node *node, json_t *cts, const json_t *svcs, const json_t *tasks)
{
	struct discover_dead dead = { .n = 0 };
	char err[512], *line = NULL;
	size_t n = 0, i;
	json_t *ct;

	/* The helper leaves out what died: say the second container did. */
	json_array_foreach(cts, i, ct)
	{
		if (i == 1)
			discover_dead_add(&dead, json_string_value(json_object_get(ct, "Id")));
	}
	(void)discover_dead_filter(&dead, cts);
	if (discover_table(node, cts, svcs, tasks, &line, &n, err, sizeof(err)) == 0) {
		check_line(line);
		free(line);
	} else {
		FUZZ_ASSERT(!line);
		line = discover_error_line(err);
		FUZZ_ASSERT(line);
		check_line(line);
		free(line);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct discover_node node = { .id = "tg51krdcaxkryzuac9qq2ckao", .name = "node2", .manager = 0 };
	json_t *js = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	char err[512];

	if (!js)
		return 0;
	if (json_is_array(js) && json_array_size(js) == 4 && json_is_object(json_array_get(js, 0))) {
		json_t *svcs = json_array_get(js, 2), *tasks = json_array_get(js, 3);

		if (discover_node(json_array_get(js, 0), &node, err, sizeof(err)) == 0)
			table(&node, json_array_get(js, 1), json_is_null(svcs) ? NULL : svcs,
			      json_is_null(tasks) ? NULL : tasks);
	} else {
		struct discover_node n2;

		(void)discover_node(js, &n2, err, sizeof(err));
		table(&node, js, NULL, NULL);
	}
	json_decref(js);
	return 0;
}
