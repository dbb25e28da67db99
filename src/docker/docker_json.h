/* docker_json: the decisions docker.c takes from Docker API responses, as pure
 * functions over parsed JSON so they are unit-tested on recorded real
 * responses (tests/data/docker/) without a daemon. Every json_t argument is a
 * borrowed reference; nothing here allocates what the caller must free. */
#ifndef RDS_DOCKER_JSON_H
#define RDS_DOCKER_JSON_H
#include <jansson.h>
#include <stddef.h>

#include "docker.h"

#define DJ_ID_MAX 64

/* A daemon-chosen id we may put into a URL: 1..64 of [a-z0-9]. */
int dj_id_ok(const char *s);

/* From a GET /version body: the API version to speak, as "1.41" into out.
 * DOCKER_E_VERSION when the daemon is older than 1.24, DOCKER_E_API when the
 * body has no usable ApiVersion. */
int dj_api_version(const json_t *version, char *out, size_t outlen, char *err, size_t errlen);

struct dj_swarm {
	char node_id[DJ_ID_MAX + 1];
	int manager; /* Swarm.ControlAvailable: may list services and tasks */
};

/* From a GET /info body. DOCKER_E_NOT_SWARM (with the reason: inactive,
 * pending, locked, error) unless Swarm.LocalNodeState is "active". */
int dj_swarm_info(const json_t *info, struct dj_swarm *out, char *err, size_t errlen);

/* From a GET /services body (an array): the ID of the service whose
 * Spec.Name is exactly name into id. 0, or -1 when there is none (the name
 * filter of the API matches prefixes, so "db" also returns "db2"). */
int dj_pick_service(const json_t *services, const char *name, char id[DJ_ID_MAX + 1]);

/* Names in services that the user may have meant by name: those starting
 * with it, and those ending in "_name" (a missing stack prefix). Appends
 * "; services with that prefix: a, b" and/or "; services with a stack
 * prefix: s_name" to out (at most 8 names each); out stays "" when none. */
void dj_near_services(const json_t *services, const char *name, char *out, size_t outlen);

struct dj_task {
	char id[DJ_ID_MAX + 1];
	char node_id[DJ_ID_MAX + 1];
	char container_id[DJ_ID_MAX + 1];
	int slot;
};

/* 1 when a comes before b in the choice of a task: the lower slot, then the
 * lower task id. */
int dj_task_better(const struct dj_task *a, const struct dj_task *b);

/* The slot in a task name "service.slot.taskid" (the label
 * com.docker.swarm.task.name), or 0: a global service's task has the node
 * id there, and a name not of that form (or NULL) has none. */
int dj_task_slot(const char *task_name, const char *service);

/* 1 when prefer (NULL or "" never) names container id: the whole id or a
 * prefix of it of at least 12 characters. */
int dj_container_is(const char *id, const char *prefer);

/* From a GET /tasks body: among tasks with Status.State "running" and a
 * container id, picks the one on node with the lowest Slot, then ID; but
 * the one whose container is prefer (see dj_container_is; may be NULL)
 * when that is among them. Returns 0; DOCKER_E_OTHER_NODE when running
 * tasks exist only on other nodes (their distinct node ids,
 * comma-separated, into others); DOCKER_E_NO_TASK when none runs at all. */
int dj_pick_task(const json_t *tasks, const char *node, const char *prefer, struct dj_task *out, char *others,
		 size_t otherslen);

/* From a GET /containers/json body (a worker node cannot list tasks, but it
 * sees its own containers and their swarm labels): the running container of
 * service (exact com.docker.swarm.service.name) with the lowest slot, then
 * task id; but container prefer (may be NULL) when it is one of them.
 * Returns 0 or DOCKER_E_NO_TASK. */
int dj_pick_container(const json_t *containers, const char *service, const char *prefer, struct dj_task *out);

/* From a GET /exec/{id}/json body: Running, and ExitCode (-1 while null).
 * Returns 0 or DOCKER_E_API. */
int dj_exec_state(const json_t *exec, int *running, int *exit_code);

/* The daemon's message of an error body ({"message":"..."}), or the body
 * itself, as one line into out. */
void dj_error_message(const char *body, char *out, size_t outlen);

#endif
