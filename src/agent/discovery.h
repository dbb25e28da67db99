/* discovery: the table of labelled services that run a task on this node,
 * as the rds-discover helper (discover_main.c) sees them through the Docker
 * API and prints them to the agent, one JSON document per line, whole each
 * time it changes:
 *
 *   {"version":1,"node":{"id":"<swarm node id>","name":"<hostname>","manager":true},
 *    "services":[{"name":"stack_db","id":"<service id>",
 *                 "container":"<container id>","task":"<task id>","slot":1,
 *                 "labels":{"rds.backup":"true","rds.backup.at":"0 3 * * *",...},
 *                 "volumes":[{"name":"stack_dbdata","destination":"/var/lib/postgresql/data",
 *                             "driver":"local","rw":true}]}]}
 *
 * or, when Docker cannot be reached or answers an error, a line
 *
 *   {"version":1,"error":"<one line>"}
 *
 * after which the helper retries with backoff and prints a table again.
 * labels: the service's deploy labels (managers only) overlaid by the
 * container's labels, only keys "rds.backup" and "rds.backup.*". Only
 * services with rds.backup=true are listed. container: the running task
 * container with the lowest slot on this node whose task is meant to run
 * (desired state running where the node can tell: on a manager). volumes:
 * that container's mounts of Type "volume" only (no bind, tmpfs, npipe).
 * Services are sorted by name, labels by key, volumes by destination, so
 * that the same state always prints the same line.
 *
 * A service whose labels or volumes the helper cannot pass on whole (a
 * control character in a value, a value or key too long, too many of them)
 * is listed with "error":"<one line>" and without the offending entries:
 * the agent must fail that job loudly rather than run it with a label
 * silently missing or changed.
 *
 * This module is the agent's side: it parses one such line. Pure: no I/O. */
#ifndef RDS_DISCOVERY_H
#define RDS_DISCOVERY_H
#include <stddef.h>

#define DISCOVERY_LINE_MAX (4 * 1024 * 1024) /* longest table line accepted */
#define DISCOVERY_SERVICES_MAX 1000
#define DISCOVERY_LABELS_MAX 64  /* rds.backup* labels per service */
#define DISCOVERY_VOLUMES_MAX 64 /* volume mounts per container */
/* Longest strings in bytes. Ids (node, service, container, task) are 1 to
 * DISCOVERY_ID_MAX of [a-z0-9]; names are service, node, volume and driver
 * names and label keys; values are label values, destinations and error
 * lines. */
#define DISCOVERY_ID_MAX 64
#define DISCOVERY_NAME_MAX 255
#define DISCOVERY_VALUE_MAX 8192

struct discovery_label {
	char *key, *value;
};

struct discovery_volume {
	char *name, *destination, *driver;
	int rw;
};

struct discovery_service {
	char *name, *id, *container, *task;
	int slot;    /* 0: none (a global service's task) */
	char *error; /* NULL, or why labels or volumes are incomplete: fail the job */
	struct discovery_label *labels;
	size_t nlabels;
	struct discovery_volume *volumes;
	size_t nvolumes;
};

struct discovery_table {
	char *error; /* non-NULL: the helper's error line; nothing else is set */
	char *node_id, *node_name;
	int manager;
	struct discovery_service *services;
	size_t nservices;
};

/* Parses one line (len bytes, no newline needed) into t (no initialisation
 * needed). Every string is checked to be valid UTF-8 without control
 * characters and bounded; a table breaking any limit above is refused, and
 * so is one with a duplicate key or service name, a label key outside
 * rds.backup*, a listed service without rds.backup=true, or a version other
 * than 1. Keys this version does not know are ignored.
 * Returns 0, or -1 with one line in err (t left empty). */
int discovery_parse(const char *line, size_t len, struct discovery_table *t, char *err, size_t errlen);

/* The value of label key in svc, or NULL. Borrowed. */
const char *discovery_label(const struct discovery_service *svc, const char *key);

void discovery_free(struct discovery_table *t); /* NULL-safe; zeroes t */

#endif
