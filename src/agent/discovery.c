/* discovery: see discovery.h. The line is parsed by jansson, then every
 * field is checked and copied into owned strings; the first problem found
 * ends the parse with a message naming where it is. */
#include "discovery.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* What a parse needs to report a problem: the message buffer. */
struct pctx {
	char *err;
	size_t errlen;
};

static int fail(struct pctx *p, const char *what, const char *why)
{
	snprintf(p->err, p->errlen, "discovery table: %s: %s", what, why);
	return -1;
}

enum skind { S_ID, S_NAME, S_VALUE };

/* Copies the string member key of obj into *out (new). */
static int get_str(struct pctx *p, const json_t *obj, const char *key, enum skind kind, const char *where, char **out)
{
	const json_t *v = json_object_get(obj, key);
	const char *s = json_string_value(v);
	size_t n = json_string_length(v), max = kind == S_ID     ? DISCOVERY_ID_MAX
						: kind == S_NAME ? DISCOVERY_NAME_MAX
								 : DISCOVERY_VALUE_MAX;
	char what[96];

	*out = NULL;
	snprintf(what, sizeof(what), "%s%s%s", where, *where ? "." : "", key);
	if (!s)
		return fail(p, what, v ? "not a string" : "missing");
	if (n > max) {
		snprintf(p->err, p->errlen, "discovery table: %s: longer than %zu bytes", what, max);
		return -1;
	}
	if (kind == S_ID) {
		if (n == 0)
			return fail(p, what, "empty");
		for (size_t i = 0; i < n; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
				return fail(p, what, "not an id of [a-z0-9]");
	}
	/* jansson decodes \u0000 and holds strict UTF-8 already; checked
	 * again so that the claim does not rest on its version. */
	if (!utf8_valid(s, n))
		return fail(p, what, "not valid UTF-8");
	if (utf8_has_ctl(s, n))
		return fail(p, what, "holds a control character");
	if (!(*out = strdup(s)))
		return fail(p, what, "out of memory");
	return 0;
}

static int label_key_ok(const char *k)
{
	return strcmp(k, "rds.backup") == 0 || (strncmp(k, "rds.backup.", 11) == 0 && k[11] != '\0');
}

static int parse_labels(struct pctx *p, const json_t *obj, const char *where, struct discovery_service *svc)
{
	const json_t *labels = json_object_get(obj, "labels");
	const char *key;
	json_t *val;
	char what[DISCOVERY_NAME_MAX + 128];
	size_t n, klen;

	snprintf(what, sizeof(what), "%s.labels", where);
	if (!json_is_object(labels))
		return fail(p, what, labels ? "not an object" : "missing");
	n = json_object_size(labels);
	if (n > DISCOVERY_LABELS_MAX) {
		snprintf(p->err, p->errlen, "discovery table: %s: more than %d labels", what, DISCOVERY_LABELS_MAX);
		return -1;
	}
	if (n && !(svc->labels = calloc(n, sizeof(*svc->labels))))
		return fail(p, what, "out of memory");
	json_object_foreach((json_t *)labels, key, val)
	{
		struct discovery_label *l = &svc->labels[svc->nlabels];

		klen = strlen(key);
		if (klen > DISCOVERY_NAME_MAX || !utf8_valid(key, klen) || utf8_has_ctl(key, klen))
			return fail(p, what, "a key too long, not valid UTF-8 or with a control character");
		if (!label_key_ok(key)) {
			snprintf(what, sizeof(what), "%s.labels.%s", where, key);
			return fail(p, what, "not an rds.backup label");
		}
		if (!(l->key = strdup(key)))
			return fail(p, what, "out of memory");
		svc->nlabels++;
		/* get_str wants the value inside an object; labels is one. */
		if (get_str(p, labels, key, S_VALUE, what, &l->value) < 0)
			return -1;
	}
	if (!discovery_label(svc, "rds.backup") || strcmp(discovery_label(svc, "rds.backup"), "true") != 0)
		return fail(p, what, "rds.backup is not \"true\" (only such services are listed)");
	return 0;
}

static int parse_volumes(struct pctx *p, const json_t *obj, const char *where, struct discovery_service *svc)
{
	const json_t *vols = json_object_get(obj, "volumes"), *v;
	char what[DISCOVERY_NAME_MAX + 128];
	size_t i, n;

	snprintf(what, sizeof(what), "%s.volumes", where);
	if (!json_is_array(vols))
		return fail(p, what, vols ? "not an array" : "missing");
	n = json_array_size(vols);
	if (n > DISCOVERY_VOLUMES_MAX) {
		snprintf(p->err, p->errlen, "discovery table: %s: more than %d volumes", what, DISCOVERY_VOLUMES_MAX);
		return -1;
	}
	if (n && !(svc->volumes = calloc(n, sizeof(*svc->volumes))))
		return fail(p, what, "out of memory");
	json_array_foreach(vols, i, v)
	{
		struct discovery_volume *dv = &svc->volumes[i];
		const json_t *rw = json_object_get(v, "rw");

		snprintf(what, sizeof(what), "%s.volumes[%zu]", where, i);
		svc->nvolumes = i + 1;
		if (!json_is_object(v))
			return fail(p, what, "not an object");
		if (get_str(p, v, "name", S_NAME, what, &dv->name) < 0 ||
		    get_str(p, v, "destination", S_VALUE, what, &dv->destination) < 0 ||
		    get_str(p, v, "driver", S_NAME, what, &dv->driver) < 0)
			return -1;
		if (!dv->name[0] || dv->destination[0] != '/')
			return fail(p, what, "an empty name or a destination that is not an absolute path");
		if (!json_is_boolean(rw))
			return fail(p, what, "rw is not true or false");
		dv->rw = json_is_true(rw);
	}
	return 0;
}

static int parse_service(struct pctx *p, const json_t *obj, size_t i, struct discovery_service *svc)
{
	const json_t *slot = json_object_get(obj, "slot"), *error = json_object_get(obj, "error");
	char where[DISCOVERY_NAME_MAX + 32];

	snprintf(where, sizeof(where), "services[%zu]", i);
	if (!json_is_object(obj))
		return fail(p, where, "not an object");
	if (get_str(p, obj, "name", S_NAME, where, &svc->name) < 0)
		return -1;
	if (!svc->name[0])
		return fail(p, where, "an empty name");
	/* From here on the messages name the service. */
	snprintf(where, sizeof(where), "service %s", svc->name);
	if (get_str(p, obj, "id", S_ID, where, &svc->id) < 0 ||
	    get_str(p, obj, "container", S_ID, where, &svc->container) < 0 ||
	    get_str(p, obj, "task", S_ID, where, &svc->task) < 0)
		return -1;
	if (!json_is_integer(slot) || json_integer_value(slot) < 0 || json_integer_value(slot) > 1000000)
		return fail(p, where, "slot is not an integer from 0 to 1000000");
	svc->slot = (int)json_integer_value(slot);
	if (error && get_str(p, obj, "error", S_VALUE, where, &svc->error) < 0)
		return -1;
	if (parse_labels(p, obj, where, svc) < 0 || parse_volumes(p, obj, where, svc) < 0)
		return -1;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each name once: the agent keys its jobs by service name. */
static int check_unique(struct pctx *p, const struct discovery_table *t)
{
	char **names;
	int rc = 0;

	if (t->nservices < 2)
		return 0;
	if (!(names = malloc(t->nservices * sizeof(*names))))
		return fail(p, "services", "out of memory");
	for (size_t i = 0; i < t->nservices; i++)
		names[i] = t->services[i].name;
	qsort(names, t->nservices, sizeof(*names), cmp_name);
	for (size_t i = 1; i < t->nservices && rc == 0; i++)
		if (strcmp(names[i - 1], names[i]) == 0) {
			snprintf(p->err, p->errlen, "discovery table: service %s: listed twice", names[i]);
			rc = -1;
		}
	free(names);
	return rc;
}

static int parse_table(struct pctx *p, const json_t *root, struct discovery_table *t)
{
	const json_t *ver = json_object_get(root, "version"), *node, *svcs, *mgr;
	size_t i, n;

	if (!json_is_object(root))
		return fail(p, "the line", "not a JSON object");
	if (!json_is_integer(ver) || json_integer_value(ver) != 1)
		return fail(p, "version", ver ? "not 1 (a helper of another version?)" : "missing");
	if (json_object_get(root, "error"))
		return get_str(p, root, "error", S_VALUE, "", &t->error);
	node = json_object_get(root, "node");
	if (!json_is_object(node))
		return fail(p, "node", node ? "not an object" : "missing");
	if (get_str(p, node, "id", S_ID, "node", &t->node_id) < 0 ||
	    get_str(p, node, "name", S_NAME, "node", &t->node_name) < 0)
		return -1;
	mgr = json_object_get(node, "manager");
	if (!json_is_boolean(mgr))
		return fail(p, "node.manager", "not true or false");
	t->manager = json_is_true(mgr);
	svcs = json_object_get(root, "services");
	if (!json_is_array(svcs))
		return fail(p, "services", svcs ? "not an array" : "missing");
	n = json_array_size(svcs);
	if (n > DISCOVERY_SERVICES_MAX) {
		snprintf(p->err, p->errlen, "discovery table: more than %d services", DISCOVERY_SERVICES_MAX);
		return -1;
	}
	if (n && !(t->services = calloc(n, sizeof(*t->services))))
		return fail(p, "services", "out of memory");
	for (i = 0; i < n; i++) {
		t->nservices = i + 1;
		if (parse_service(p, json_array_get(svcs, i), i, &t->services[i]) < 0)
			return -1;
	}
	return check_unique(p, t);
}

int discovery_parse(const char *line, size_t len, struct discovery_table *t, char *err, size_t errlen)
{
	struct pctx p = { .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *root = NULL;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (len > DISCOVERY_LINE_MAX) {
		snprintf(err, errlen, "discovery table: the line is longer than %d bytes", DISCOVERY_LINE_MAX);
		goto out;
	}
	/* Duplicate keys would make "which one counts" a jansson detail. */
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "discovery table: not valid JSON: %s (column %d)", jerr.text, jerr.column);
		goto out;
	}
	rc = parse_table(&p, root, t);
out:
	json_decref(root);
	if (rc < 0)
		discovery_free(t);
	return rc;
}

const char *discovery_label(const struct discovery_service *svc, const char *key)
{
	for (size_t i = 0; i < svc->nlabels; i++)
		if (svc->labels[i].key && strcmp(svc->labels[i].key, key) == 0)
			return svc->labels[i].value;
	return NULL;
}

static void free_service(struct discovery_service *s)
{
	free(s->name);
	free(s->id);
	free(s->container);
	free(s->task);
	free(s->error);
	for (size_t i = 0; i < s->nlabels; i++) {
		free(s->labels[i].key);
		free(s->labels[i].value);
	}
	free(s->labels);
	for (size_t i = 0; i < s->nvolumes; i++) {
		free(s->volumes[i].name);
		free(s->volumes[i].destination);
		free(s->volumes[i].driver);
	}
	free(s->volumes);
}

void discovery_free(struct discovery_table *t)
{
	if (!t)
		return;
	free(t->error);
	free(t->node_id);
	free(t->node_name);
	for (size_t i = 0; i < t->nservices; i++)
		free_service(&t->services[i]);
	free(t->services);
	memset(t, 0, sizeof(*t));
}
