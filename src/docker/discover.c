/* discover: see discover.h. Anything missing or of the wrong type in an
 * answer reads as absent, as in docker_json.c. */
#include "discover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"
#include "docker_json.h"
#include "utf8.h"

#define LABEL_SERVICE "com.docker.swarm.service.name"
#define LABEL_SERVICE_ID "com.docker.swarm.service.id"
#define LABEL_TASK_ID "com.docker.swarm.task.id"
#define LABEL_TASK_NAME "com.docker.swarm.task.name"

/* The messages below spell the bounds out. */
_Static_assert(DISCOVERY_VALUE_MAX == 8192 && DISCOVERY_NAME_MAX == 255 && DISCOVERY_LABELS_MAX == 64 &&
		       DISCOVERY_VOLUMES_MAX == 64,
	       "update the messages");

static const char *str_at(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

int discover_node(const json_t *info, struct discover_node *node, char *err, size_t errlen)
{
	struct dj_swarm sw;
	const char *name = str_at(info, "Name");
	int rc;

	memset(node, 0, sizeof(*node));
	if ((rc = dj_swarm_info(info, &sw, err, errlen)) < 0)
		return rc;
	snprintf(node->id, sizeof(node->id), "%s", sw.node_id);
	node->manager = sw.manager;
	/* Only for the reader of the table: shown, never matched. */
	if (name)
		utf8_copy(node->name, sizeof(node->name), name, strlen(name), UTF8_CTL_QMARK);
	return 0;
}

/* One running task container that may stand for its service. */
struct cand {
	const char *service, *service_id;
	const json_t *ct;
	struct dj_task task;
};

static int text_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= max && !utf8_has_ctl(s, n);
}

/* The task ids of tasks (NULL: no check) as a set: a JSON object. */
static json_t *task_set(const json_t *tasks)
{
	json_t *set = json_object();
	const json_t *t;
	size_t i;

	json_array_foreach(tasks, i, t)
	{
		const char *id = str_at(t, "ID");
		if (set && dj_id_ok(id) && json_object_set_new(set, id, json_true()) < 0) {
			json_decref(set);
			return NULL;
		}
	}
	return set;
}

static int cand_from(const json_t *ct, const json_t *running, struct cand *c)
{
	const json_t *labels = json_object_get(ct, "Labels");
	const char *cid = str_at(ct, "Id"), *tid = str_at(labels, LABEL_TASK_ID), *state = str_at(ct, "State");

	memset(c, 0, sizeof(*c));
	c->service = str_at(labels, LABEL_SERVICE);
	c->service_id = str_at(labels, LABEL_SERVICE_ID);
	c->ct = ct;
	if (!state || strcmp(state, "running") != 0 || !dj_id_ok(cid) || !dj_id_ok(tid) || !dj_id_ok(c->service_id) ||
	    !text_ok(c->service, DISCOVERY_NAME_MAX))
		return -1;
	if (running && !json_object_get(running, tid))
		return -1;
	strcpy(c->task.container_id, cid);
	strcpy(c->task.id, tid);
	c->task.slot = dj_task_slot(str_at(labels, LABEL_TASK_NAME), c->service);
	return 0;
}

/* By service name, the chosen one of each service first. */
static int cmp_cand(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	int c = strcmp(a->service, b->service);

	if (c)
		return c;
	if (dj_task_better(&a->task, &b->task))
		return -1;
	return dj_task_better(&b->task, &a->task) ? 1 : 0;
}

/* Spec.Labels of the service with that ID in services (NULL when absent). */
static const json_t *deploy_labels(const json_t *services, const char *id)
{
	const json_t *s;
	size_t i;

	json_array_foreach(services, i, s)
	{
		const char *sid = str_at(s, "ID");
		if (sid && strcmp(sid, id) == 0)
			return json_object_get(json_object_get(s, "Spec"), "Labels");
	}
	return NULL;
}

static int is_ours(const char *key)
{
	return strcmp(key, "rds.backup") == 0 || strncmp(key, "rds.backup.", 11) == 0;
}

/* Copies the rds.backup* string labels of from into merged (later ones win). */
static int merge(json_t *merged, const json_t *from)
{
	const char *key;
	json_t *val;

	json_object_foreach((json_t *)from, key, val)
	{
		if (is_ours(key) && json_is_string(val) && json_object_set(merged, key, val) < 0)
			return -1;
	}
	return 0;
}

/* The first problem of a service, kept for its "error"; later ones are
 * counted. */
struct problems {
	char first[512];
	int more;
};

static void problem(struct problems *p, const char *kind, const char *name, const char *why)
{
	char shown[80];

	if (p->first[0]) {
		p->more++;
		return;
	}
	/* The offending text may hold the very control character. */
	utf8_copy(shown, sizeof(shown), name, strlen(name), UTF8_ESCAPE_CTL);
	snprintf(p->first, sizeof(p->first), "%s %s%s: %s", kind, shown, strlen(name) > strlen(shown) ? "..." : "",
		 why);
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The "labels" object of the table: merged's keys in order, each checked. */
static json_t *labels_out(const json_t *merged, struct problems *p)
{
	const char **keys = NULL;
	const char *key;
	json_t *val, *out = json_object();
	size_t n = 0, kept = 0;

	if (!out || (json_object_size(merged) && !(keys = calloc(json_object_size(merged), sizeof(*keys)))))
		goto nomem;
	json_object_foreach((json_t *)merged, key, val) keys[n++] = key;
	if (n > 1) /* qsort's base must not be NULL, even for 0 */
		qsort(keys, n, sizeof(*keys), cmp_key);
	for (size_t i = 0; i < n; i++) {
		const char *v = json_string_value(json_object_get(merged, keys[i]));
		size_t klen = strlen(keys[i]), vlen = json_string_length(json_object_get(merged, keys[i]));

		if (strcmp(keys[i], "rds.backup.") == 0) {
			problem(p, "label", keys[i], "nothing after rds.backup.; left out");
		} else if (klen > DISCOVERY_NAME_MAX) {
			problem(p, "label", keys[i], "the key is longer than 255 bytes; left out");
		} else if (utf8_has_ctl(keys[i], klen)) {
			problem(p, "label", keys[i], "the key holds a control character; left out");
		} else if (vlen > DISCOVERY_VALUE_MAX) {
			problem(p, "label", keys[i], "the value is longer than 8192 bytes; left out");
		} else if (utf8_has_ctl(v, vlen)) {
			problem(p, "label", keys[i],
				"the value holds a control character (a newline, a tab or the like); left out");
		} else if (kept == DISCOVERY_LABELS_MAX) {
			problem(p, "label", keys[i],
				"more than 64 rds.backup labels; this one and those after it are left out");
		} else {
			if (json_object_set_new(out, keys[i], json_string(v)) < 0)
				goto nomem;
			kept++;
		}
	}
	free(keys);
	return out;
nomem:
	free(keys);
	json_decref(out);
	return NULL;
}

static int cmp_dest(const void *a, const void *b)
{
	return strcmp(str_at(*(json_t *const *)a, "destination"), str_at(*(json_t *const *)b, "destination"));
}

/* The "volumes" array: the container's mounts of Type "volume". */
static json_t *volumes_out(const json_t *mounts, struct problems *p)
{
	json_t **vols = NULL, *out = json_array(), *m;
	size_t i, n = 0;

	if (!out || (json_array_size(mounts) && !(vols = calloc(json_array_size(mounts), sizeof(*vols)))))
		goto nomem;
	json_array_foreach(mounts, i, m)
	{
		const char *type = str_at(m, "Type"), *name = str_at(m, "Name"), *dest = str_at(m, "Destination");
		const char *driver = str_at(m, "Driver");

		if (!type || strcmp(type, "volume") != 0)
			continue;
		if (!text_ok(name, DISCOVERY_NAME_MAX) || !text_ok(dest, DISCOVERY_VALUE_MAX) || dest[0] != '/' ||
		    (driver && driver[0] && !text_ok(driver, DISCOVERY_NAME_MAX))) {
			problem(p, "volume", name ? name : "(no name)",
				"a name, destination or driver that is empty, too long or holds a control character; "
				"left out");
			continue;
		}
		if (n == DISCOVERY_VOLUMES_MAX) {
			problem(p, "volume", name, "more than 64 volumes; this one and those after it are left out");
			continue;
		}
		vols[n] = json_pack("{s:s,s:s,s:s,s:b}", "name", name, "destination", dest, "driver",
				    driver ? driver : "", "rw", json_is_true(json_object_get(m, "RW")));
		if (!vols[n])
			goto nomem;
		n++;
	}
	if (n > 1)
		qsort(vols, n, sizeof(*vols), cmp_dest);
	for (i = 0; i < n; i++) {
		if (json_array_append_new(out, vols[i]) < 0) {
			vols[i] = NULL;
			goto nomem;
		}
		vols[i] = NULL;
	}
	free(vols);
	return out;
nomem:
	for (i = 0; vols && i < n; i++)
		json_decref(vols[i]);
	free(vols);
	json_decref(out);
	return NULL;
}

/* The table entry of candidate c, or NULL in *out when it is not labelled
 * rds.backup=true. Returns 0 or -1 (out of memory). */
static int service_out(const struct cand *c, const json_t *services, json_t **out)
{
	const json_t *clabels = json_object_get(c->ct, "Labels");
	json_t *merged = json_object(), *labels = NULL, *vols = NULL, *svc = NULL;
	struct problems p = { .more = 0 };
	const char *flag;
	int rc = -1;

	*out = NULL;
	if (!merged || merge(merged, deploy_labels(services, c->service_id)) < 0 || merge(merged, clabels) < 0)
		goto out;
	flag = json_string_value(json_object_get(merged, "rds.backup"));
	if (!flag || strcmp(flag, "true") != 0) {
		rc = 0;
		goto out;
	}
	if (!(labels = labels_out(merged, &p)) || !(vols = volumes_out(json_object_get(c->ct, "Mounts"), &p)))
		goto out;
	svc = json_pack("{s:s,s:s,s:s,s:s,s:i}", "name", c->service, "id", c->service_id, "container",
			c->task.container_id, "task", c->task.id, "slot", c->task.slot);
	if (!svc)
		goto out;
	if (p.first[0]) {
		char msg[600];
		snprintf(msg, sizeof(msg), "%s%s", p.first, p.more ? " (and more problems)" : "");
		if (json_object_set_new(svc, "error", json_string(msg)) < 0)
			goto out;
	}
	if (json_object_set(svc, "labels", labels) < 0 || json_object_set(svc, "volumes", vols) < 0)
		goto out;
	*out = svc;
	svc = NULL;
	rc = 0;
out:
	json_decref(merged);
	json_decref(labels);
	json_decref(vols);
	json_decref(svc);
	return rc;
}

/* Chooses per service and appends the labelled ones to list. */
static int fill(const json_t *containers, const json_t *services, const json_t *running, json_t *list, char *err,
		size_t errlen)
{
	struct cand *cands = NULL;
	const json_t *ct;
	size_t i, n = 0;
	int rc = -1;

	if (json_array_size(containers) && !(cands = calloc(json_array_size(containers), sizeof(*cands))))
		goto nomem;
	json_array_foreach(containers, i, ct)
	{
		if (cand_from(ct, running, &cands[n]) == 0)
			n++;
	}
	if (n > 1)
		qsort(cands, n, sizeof(*cands), cmp_cand);
	for (i = 0; i < n; i++) {
		json_t *svc = NULL;

		if (i > 0 && strcmp(cands[i].service, cands[i - 1].service) == 0)
			continue; /* not the chosen one of its service */
		if (service_out(&cands[i], services, &svc) < 0)
			goto nomem;
		if (!svc)
			continue;
		if (json_array_size(list) == DISCOVERY_SERVICES_MAX) {
			json_decref(svc);
			snprintf(err, errlen, "more than %d labelled services run on this node",
				 DISCOVERY_SERVICES_MAX);
			goto out;
		}
		if (json_array_append_new(list, svc) < 0)
			goto nomem;
	}
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	free(cands);
	return rc;
}

int discover_table(const struct discover_node *node, const json_t *containers, const json_t *services,
		   const json_t *tasks, char **line, size_t *nservices, char *err, size_t errlen)
{
	json_t *running = NULL, *list = json_array(), *root = NULL;
	int rc = -1;

	*line = NULL;
	if (nservices)
		*nservices = 0;
	if (!list || (tasks && !(running = task_set(tasks))))
		goto nomem;
	if (fill(containers, services, running, list, err, errlen) < 0)
		goto out;
	root = json_pack("{s:i,s:{s:s,s:s,s:b},s:O}", "version", 1, "node", "id", node->id, "name", node->name,
			 "manager", node->manager, "services", list);
	if (!root || !(*line = json_dumps(root, JSON_COMPACT)))
		goto nomem;
	if (strlen(*line) > DISCOVERY_LINE_MAX) {
		snprintf(err, errlen, "the table of %zu labelled services is longer than %d bytes",
			 json_array_size(list), DISCOVERY_LINE_MAX);
		free(*line);
		*line = NULL;
		goto out;
	}
	if (nservices)
		*nservices = json_array_size(list);
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	json_decref(running);
	json_decref(list);
	json_decref(root);
	return rc;
}

char *discover_error_line(const char *msg)
{
	char clean[DISCOVERY_VALUE_MAX + 1], *line;
	size_t n = strlen(msg);
	json_t *js;

	/* A character cut by the bound is dropped, not shown as U+FFFD; and
	 * utf8_copy stops before what does not fit whole. */
	if (n > DISCOVERY_VALUE_MAX)
		n = utf8_trim_cut(msg, DISCOVERY_VALUE_MAX);
	utf8_copy(clean, sizeof(clean), msg, n, UTF8_CTL_QMARK);
	js = json_pack("{s:i,s:s}", "version", 1, "error", clean);
	line = js ? json_dumps(js, JSON_COMPACT) : NULL;
	json_decref(js);
	return line;
}

static int one_of(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

int discover_event_relevant(const char *line, size_t len)
{
	static const char *const ct_actions[] = { "start", "die", "destroy", "kill", NULL };
	static const char *const svc_actions[] = { "create", "update", "remove", NULL };
	static const char *const node_actions[] = { "update", "remove", NULL };
	json_t *ev = json_loadb(line, len, 0, NULL);
	const char *type = str_at(ev, "Type"), *action = str_at(ev, "Action");
	int rc;

	if (!json_is_object(ev))
		rc = 1;
	else if (type && strcmp(type, "container") == 0)
		rc = one_of(action, ct_actions) &&
		     json_object_get(json_object_get(json_object_get(ev, "Actor"), "Attributes"), LABEL_SERVICE);
	else if (type && strcmp(type, "service") == 0)
		rc = one_of(action, svc_actions);
	else if (type && strcmp(type, "node") == 0)
		rc = one_of(action, node_actions);
	else
		rc = 0;
	json_decref(ev);
	return rc;
}

void discover_lines_feed(struct discover_lines *l, const char *data, size_t len,
			 void (*fn)(void *ud, const char *line, size_t len), void *ud)
{
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) : len;

		if (!l->skipping && take > sizeof(l->buf) - l->len) {
			l->skipping = 1;
			l->len = 0;
			fn(ud, NULL, 0);
		}
		if (!l->skipping) {
			memcpy(l->buf + l->len, data, take);
			l->len += take;
		}
		if (!nl)
			return;
		if (!l->skipping && l->len > 0)
			fn(ud, l->buf, l->len);
		l->len = 0;
		l->skipping = 0;
		data = nl + 1;
		len -= take + 1;
	}
}
