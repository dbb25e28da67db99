/* discover_dead: see discover_dead.h. */
#include "discover_dead.h"

#include <string.h>

#include "docker_json.h"

#define LABEL_SERVICE "com.docker.swarm.service.name"

static const char *str_at(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

enum discover_life discover_event_life(const char *line, size_t len, char id[DISCOVERY_ID_MAX + 1])
{
	json_t *ev = json_loadb(line, len, 0, NULL);
	const json_t *actor = json_object_get(ev, "Actor");
	const char *type = str_at(ev, "Type"), *action = str_at(ev, "Action"), *aid = str_at(actor, "ID");
	enum discover_life life = DISCOVER_LIFE_NONE;

	id[0] = '\0';
	if (type && action && strcmp(type, "container") == 0 && dj_id_ok(aid) && strlen(aid) <= DISCOVERY_ID_MAX &&
	    json_object_get(json_object_get(actor, "Attributes"), LABEL_SERVICE)) {
		if (strcmp(action, "die") == 0)
			life = DISCOVER_LIFE_DIED;
		else if (strcmp(action, "start") == 0)
			life = DISCOVER_LIFE_STARTED;
		if (life != DISCOVER_LIFE_NONE)
			strcpy(id, aid);
	}
	json_decref(ev);
	return life;
}

static size_t find(const struct discover_dead *d, const char *id)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->id[i], id) == 0)
			break;
	return i;
}

static void drop(struct discover_dead *d, size_t i)
{
	memmove(d->id[i], d->id[i + 1], (d->n - i - 1) * sizeof(d->id[0]));
	d->n--;
}

void discover_dead_add(struct discover_dead *d, const char *id)
{
	if (!dj_id_ok(id) || strlen(id) > DISCOVERY_ID_MAX || find(d, id) < d->n)
		return;
	if (d->n == DISCOVER_DEAD_MAX)
		drop(d, 0);
	strcpy(d->id[d->n++], id);
}

void discover_dead_remove(struct discover_dead *d, const char *id)
{
	size_t i;

	if (id && (i = find(d, id)) < d->n)
		drop(d, i);
}

size_t discover_dead_filter(struct discover_dead *d, json_t *containers)
{
	int listed[DISCOVER_DEAD_MAX] = { 0 };
	size_t removed = 0, i = 0, k;

	while (i < json_array_size(containers)) {
		const char *cid = str_at(json_array_get(containers, i), "Id");
		if (cid && (k = find(d, cid)) < d->n) {
			listed[k] = 1;
			json_array_remove(containers, i);
			removed++;
		} else {
			i++;
		}
	}
	for (k = d->n; k-- > 0;)
		if (!listed[k])
			drop(d, k);
	return removed;
}
