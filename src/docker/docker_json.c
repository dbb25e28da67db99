/* docker_json: see docker_json.h. Anything missing or of the wrong type in a
 * response reads as absent, so a field a future API drops cannot crash us. */
#include "docker_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEAR_MAX 8

int dj_id_ok(const char *s)
{
	size_t n = 0;

	if (!s)
		return 0;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9')))
			return 0;
	return n > 0 && n <= DJ_ID_MAX;
}

static const char *str_at(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* Copies an id field; 0 when present and well-formed. */
static int id_at(const json_t *obj, const char *key, char out[DJ_ID_MAX + 1])
{
	const char *s = str_at(obj, key);

	if (!dj_id_ok(s))
		return -1;
	strcpy(out, s);
	return 0;
}

/* "1.41" -> 41; -1 unless it is 1.N. */
static int api_minor(const char *v)
{
	char *end;
	long minor;

	if (!v || strncmp(v, "1.", 2) != 0)
		return -1;
	minor = strtol(v + 2, &end, 10);
	if (end == v + 2 || *end || minor < 0 || minor > 999)
		return -1;
	return (int)minor;
}

int dj_api_version(const json_t *version, char *out, size_t outlen, char *err, size_t errlen)
{
	const char *max_s = str_at(version, "ApiVersion");
	int max = api_minor(max_s), min = api_minor(str_at(version, "MinAPIVersion")), use;

	if (max < 0) {
		snprintf(err, errlen, "the Docker daemon's /version has no usable ApiVersion (%s)",
			 max_s ? max_s : "missing");
		return DOCKER_E_API;
	}
	if (max < DOCKER_API_OLDEST_MINOR) {
		snprintf(err, errlen,
			 "the Docker daemon speaks API %s, older than 1.%d, the oldest supported; upgrade Docker",
			 max_s, DOCKER_API_OLDEST_MINOR);
		return DOCKER_E_VERSION;
	}
	use = max < DOCKER_API_TESTED_MINOR ? max : DOCKER_API_TESTED_MINOR;
	if (min > use)
		use = min;
	snprintf(out, outlen, "1.%d", use);
	return 0;
}

int dj_swarm_info(const json_t *info, struct dj_swarm *out, char *err, size_t errlen)
{
	const json_t *sw = json_object_get(info, "Swarm");
	const char *state = str_at(sw, "LocalNodeState");
	const char *why = str_at(sw, "Error");

	memset(out, 0, sizeof(*out));
	if (!state || strcmp(state, "active") != 0) {
		snprintf(err, errlen,
			 "this Docker daemon is not an active swarm node (Swarm.LocalNodeState is '%s'%s%s); "
			 "hooks run in swarm services, so run the agent on a swarm node",
			 state ? state : "missing", why && *why ? ": " : "", why && *why ? why : "");
		return DOCKER_E_NOT_SWARM;
	}
	if (id_at(sw, "NodeID", out->node_id) < 0) {
		snprintf(err, errlen, "the Docker daemon's /info has no usable Swarm.NodeID");
		return DOCKER_E_API;
	}
	out->manager = json_is_true(json_object_get(sw, "ControlAvailable"));
	return 0;
}

static const char *service_name(const json_t *svc)
{
	return str_at(json_object_get(svc, "Spec"), "Name");
}

int dj_pick_service(const json_t *services, const char *name, char id[DJ_ID_MAX + 1])
{
	size_t i;
	const json_t *svc;

	json_array_foreach(services, i, svc)
	{
		const char *n = service_name(svc);
		if (n && strcmp(n, name) == 0 && id_at(svc, "ID", id) == 0)
			return 0;
	}
	return -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends "; <title>: a, b" for names starting with name (suffix: ending in
 * "_name"), sorted: the API lists services in no stable order. */
static void near_list(const json_t *services, const char *name, int suffix, const char *title, char *out, size_t outlen)
{
	const char *hits[NEAR_MAX + 1];
	size_t i, len = strlen(name), used, n = 0;
	const json_t *svc;

	json_array_foreach(services, i, svc)
	{
		const char *s = service_name(svc);
		size_t sl = s ? strlen(s) : 0;
		int hit;

		if (!s || strcmp(s, name) == 0)
			continue;
		if (suffix)
			hit = sl > len + 1 && s[sl - len - 1] == '_' && strcmp(s + sl - len, name) == 0;
		else
			hit = strncmp(s, name, len) == 0;
		if (hit && n < NEAR_MAX + 1)
			hits[n++] = s;
	}
	/* One more than shown tells that the list goes on; which ones are
	 * shown then depends on the order of the answer. */
	qsort(hits, n < NEAR_MAX ? n : NEAR_MAX, sizeof(hits[0]), cmp_str);
	for (i = 0; i < n; i++) {
		used = strlen(out);
		if (i == NEAR_MAX) {
			snprintf(out + used, outlen - used, ", ...");
			break;
		}
		snprintf(out + used, outlen - used, "%s%s", i ? ", " : title, hits[i]);
	}
}

void dj_near_services(const json_t *services, const char *name, char *out, size_t outlen)
{
	if (outlen == 0)
		return;
	out[0] = '\0';
	near_list(services, name, 0, "; services with that prefix: ", out, outlen);
	near_list(services, name, 1, "; services with a stack prefix: ", out, outlen);
}

/* Lower slot first, then lower id: the same replica on every run while it
 * lives, so a hook's side effects land in one predictable place. */
int dj_task_better(const struct dj_task *a, const struct dj_task *b)
{
	if (a->slot != b->slot)
		return a->slot < b->slot;
	return strcmp(a->id, b->id) < 0;
}

/* Appends id to a comma-separated list unless it is already there. */
static void add_unique(char *list, size_t len, const char *id)
{
	size_t used = strlen(list), idl = strlen(id);

	for (const char *p = list; (p = strstr(p, id)); p += idl)
		if ((p == list || p[-1] == ' ') && (p[idl] == ',' || p[idl] == '\0'))
			return;
	snprintf(list + used, len - used, "%s%s", used ? ", " : "", id);
}

int dj_container_is(const char *id, const char *prefer)
{
	size_t n = prefer ? strlen(prefer) : 0;

	return n >= 12 && n <= DJ_ID_MAX && strncmp(id, prefer, n) == 0;
}

/* Takes candidate c into *out when it is the preferred container or a
 * better one than *out (which is not the preferred one). */
static void consider(const struct dj_task *c, const char *prefer, struct dj_task *out, int *found, int *preferred)
{
	if (*preferred)
		return;
	if (dj_container_is(c->container_id, prefer)) {
		*out = *c;
		*preferred = 1;
	} else if (!*found || dj_task_better(c, out)) {
		*out = *c;
	}
	*found = 1;
}

int dj_pick_task(const json_t *tasks, const char *node, const char *prefer, struct dj_task *out, char *others,
		 size_t otherslen)
{
	size_t i;
	const json_t *t;
	struct dj_task c;
	int found = 0, elsewhere = 0, preferred = 0;

	if (otherslen)
		others[0] = '\0';
	json_array_foreach(tasks, i, t)
	{
		const json_t *st = json_object_get(t, "Status");
		const char *state = str_at(st, "State");

		memset(&c, 0, sizeof(c));
		if (!state || strcmp(state, "running") != 0)
			continue;
		if (id_at(json_object_get(st, "ContainerStatus"), "ContainerID", c.container_id) < 0 ||
		    id_at(t, "ID", c.id) < 0 || id_at(t, "NodeID", c.node_id) < 0)
			continue;
		c.slot = (int)json_integer_value(json_object_get(t, "Slot"));
		if (strcmp(c.node_id, node) != 0) {
			elsewhere = 1;
			if (otherslen)
				add_unique(others, otherslen, c.node_id);
			continue;
		}
		consider(&c, prefer, out, &found, &preferred);
	}
	if (found)
		return 0;
	return elsewhere ? DOCKER_E_OTHER_NODE : DOCKER_E_NO_TASK;
}

int dj_task_slot(const char *task_name, const char *service)
{
	size_t n = strlen(service);
	char *end;
	long slot;

	if (!task_name || strncmp(task_name, service, n) != 0 || task_name[n] != '.' || task_name[n + 1] < '0' ||
	    task_name[n + 1] > '9')
		return 0;
	slot = strtol(task_name + n + 1, &end, 10);
	return *end == '.' && slot > 0 && slot < 1000000 ? (int)slot : 0;
}

int dj_pick_container(const json_t *containers, const char *service, const char *prefer, struct dj_task *out)
{
	size_t i;
	const json_t *ct;
	struct dj_task c;
	int found = 0, preferred = 0;

	json_array_foreach(containers, i, ct)
	{
		const json_t *labels = json_object_get(ct, "Labels");
		const char *svc = str_at(labels, "com.docker.swarm.service.name");
		const char *state = str_at(ct, "State");

		memset(&c, 0, sizeof(c));
		if (!svc || strcmp(svc, service) != 0 || !state || strcmp(state, "running") != 0)
			continue;
		if (id_at(ct, "Id", c.container_id) < 0 || id_at(labels, "com.docker.swarm.task.id", c.id) < 0)
			continue;
		if (id_at(labels, "com.docker.swarm.node.id", c.node_id) < 0)
			c.node_id[0] = '\0';
		c.slot = dj_task_slot(str_at(labels, "com.docker.swarm.task.name"), service);
		consider(&c, prefer, out, &found, &preferred);
	}
	return found ? 0 : DOCKER_E_NO_TASK;
}

int dj_exec_state(const json_t *exec, int *running, int *exit_code)
{
	const json_t *r = json_object_get(exec, "Running");
	const json_t *code = json_object_get(exec, "ExitCode");

	if (!json_is_boolean(r))
		return DOCKER_E_API;
	*running = json_is_true(r);
	*exit_code = json_is_integer(code) ? (int)json_integer_value(code) : -1;
	return 0;
}

void dj_error_message(const char *body, char *out, size_t outlen)
{
	json_t *js = json_loads(body, 0, NULL);
	const char *msg = str_at(js, "message");
	char *p;

	snprintf(out, outlen, "%s", msg ? msg : body);
	json_decref(js);
	/* One line, whatever the daemon sent. */
	for (p = out; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	while (p > out && p[-1] == ' ')
		*--p = '\0';
}
