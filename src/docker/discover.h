/* discover: the decisions of rds-discover (discover_main.c), as pure
 * functions over parsed Docker API answers so that they are unit-tested on
 * recorded real answers (tests/data/docker/): which labelled services run a
 * task on this node and what the discovery table line (discovery.h) says
 * about them, and which events call for a new look. Every json_t argument
 * is borrowed. */
#ifndef RDS_DISCOVER_H
#define RDS_DISCOVER_H
#include <jansson.h>
#include <stddef.h>

#include "discovery.h"

/* This daemon's node, from GET /info. */
struct discover_node {
	char id[DISCOVERY_ID_MAX + 1];
	char name[DISCOVERY_NAME_MAX + 1]; /* Name (the hostname), made valid UTF-8 without control characters */
	int manager;                       /* Swarm.ControlAvailable: may list services and tasks */
};

/* From a GET /info body. Returns 0, or a negative enum docker_err with a
 * one-line message in err (DOCKER_E_NOT_SWARM unless Swarm.LocalNodeState
 * is "active"). */
int discover_node(const json_t *info, struct discover_node *node, char *err, size_t errlen);

/* The table line (no newline; *line new, caller frees) from
 *   containers: GET /containers/json?filters={"label":["com.docker.swarm.service.name"],"status":["running"]}
 *   services:   GET /services, NULL on a worker (deploy labels: Spec.Labels)
 *   tasks:      GET /tasks?filters={"node":[ID],"desired-state":["running"]}, NULL on a worker
 * *nservices (may be NULL) gets the number of services listed.
 * A container counts when its State is "running", its Id, task id and
 * service id labels are ids and its service name label is 1 to
 * DISCOVERY_NAME_MAX bytes without control characters (anything else is no
 * task container of a service we can name), and, when tasks is given, its
 * task is in tasks (a task being shut down, e.g. the old one of a rolling
 * update with start-first, is not). Per service (its exact name) the one
 * with the lowest slot, then the lowest task id, is chosen; the service is
 * listed when that container's merged rds.backup label is "true". Returns
 * 0, or -1 with a one-line message in err (more than
 * DISCOVERY_SERVICES_MAX services, a line over DISCOVERY_LINE_MAX, out of
 * memory). */
int discover_table(const struct discover_node *node, const json_t *containers, const json_t *services,
		   const json_t *tasks, char **line, size_t *nservices, char *err, size_t errlen);

/* The error line {"version":1,"error":"<msg>"} for msg (made one line of
 * valid UTF-8 without control characters, cut at DISCOVERY_VALUE_MAX
 * bytes); new, or NULL when out of memory. */
char *discover_error_line(const char *msg);

/* 1 when one line of the GET /events stream calls for a new list: a
 * container start, die, destroy or kill of a swarm task container (its
 * Actor.Attributes has com.docker.swarm.service.name), a service create,
 * update or remove, a node update or remove (managers see these: a
 * promotion or demotion changes what this node can list); and a line that
 * is not a JSON object (better one list too many than a change missed).
 * Else 0. */
int discover_event_relevant(const char *line, size_t len);

/* Splits the event stream into lines of at most DISCOVER_EVENT_MAX bytes.
 * fn gets each line without its newline (borrowed for the call), or NULL
 * and 0 for a line that was longer (the rest of it is skipped). */
#define DISCOVER_EVENT_MAX 65536

struct discover_lines {
	char buf[DISCOVER_EVENT_MAX];
	size_t len;
	int skipping; /* inside an over-long line */
};

void discover_lines_feed(struct discover_lines *l, const char *data, size_t len,
			 void (*fn)(void *ud, const char *line, size_t len), void *ud);

#endif
