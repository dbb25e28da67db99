/* discover_dead: the containers whose "die" rds-discover has seen on the
 * event stream, until Docker's list stops showing them running. Docker
 * sends a container's "die" before the list (GET /containers/json) shows
 * it stopped: 20.10 kept a dead task container in the "running" list for
 * up to 150 ms on an idle node, more under load. A list made on the event
 * would keep the dead task in the table, and with no further event for it
 * the table would stay wrong: its service "runs" on this node, the agent
 * keeps running its hooks there and failing. So the list leaves out the
 * containers that died, as the event says. Pure functions. */
#ifndef RDS_DISCOVER_DEAD_H
#define RDS_DISCOVER_DEAD_H
#include <jansson.h>
#include <stddef.h>

#include "discovery.h"

/* More deaths at once than this: the oldest is forgotten first (a list
 * made later shows it stopped anyway). */
#define DISCOVER_DEAD_MAX 64

struct discover_dead {
	char id[DISCOVER_DEAD_MAX][DISCOVERY_ID_MAX + 1];
	size_t n;
};

enum discover_life { DISCOVER_LIFE_NONE, DISCOVER_LIFE_DIED, DISCOVER_LIFE_STARTED };

/* For one line of the GET /events stream: DISCOVER_LIFE_DIED for the
 * "die" of a swarm task container (Actor.Attributes has
 * com.docker.swarm.service.name), DISCOVER_LIFE_STARTED for its "start",
 * with its Actor.ID (an id: 1 to DISCOVERY_ID_MAX of [a-z0-9]) in id;
 * else DISCOVER_LIFE_NONE (id is then ""). */
enum discover_life discover_event_life(const char *line, size_t len, char id[DISCOVERY_ID_MAX + 1]);

/* Remembers id (an id as above; anything else is ignored) once. */
void discover_dead_add(struct discover_dead *d, const char *id);
/* Forgets id (it started again: `docker start`, a restart policy). */
void discover_dead_remove(struct discover_dead *d, const char *id);

/* Removes from containers (an array of GET /containers/json entries,
 * changed in place) every entry whose Id d holds, and forgets the ids the
 * array does not hold (the list has caught up with them). Returns the
 * number of entries removed. */
size_t discover_dead_filter(struct discover_dead *d, json_t *containers);

#endif
