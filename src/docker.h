/* docker: run a hook command in one running task container of a Swarm
 * service through the Docker Engine API (see http.h for DOCKER_HOST).
 *
 * A Docker daemon can only exec into its own containers, so the container is
 * chosen on the daemon's own node; a service that cannot be found, has no
 * running task, or runs only elsewhere is an error, never a silent skip. */
#ifndef RDS_DOCKER_H
#define RDS_DOCKER_H
#include <stddef.h>

/* Negative results; the one-line message in err says which case it is. */
enum docker_err {
	DOCKER_E_HOST = -1,       /* DOCKER_HOST unusable, cannot connect, I/O failed */
	DOCKER_E_API = -2,        /* the daemon answered something unexpected */
	DOCKER_E_VERSION = -3,    /* the daemon's API is too old */
	DOCKER_E_NOT_SWARM = -4,  /* the daemon is not an active swarm node */
	DOCKER_E_NO_SERVICE = -5, /* no service of exactly that name */
	DOCKER_E_NO_TASK = -6,    /* the service has no running task */
	DOCKER_E_OTHER_NODE = -7, /* running tasks only on other nodes */
	DOCKER_E_EXEC = -8,       /* the exec could not be created or started */
	DOCKER_E_TIMEOUT = -9,    /* out of time (the command may still run) */
	DOCKER_E_CANCELLED = -10, /* *cancel was set (the command may still run) */
	DOCKER_E_NOMEM = -11,
};

/* The oldest API version spoken, and the newest one tested (20.10 = 1.41).
 * A newer daemon is spoken to at 1.41 unless it refuses that (Docker 29
 * accepts 1.44 and up): then at its MinAPIVersion, since every field we send
 * and read is unchanged across those versions. */
#define DOCKER_API_OLDEST_MINOR 24
#define DOCKER_API_TESTED_MINOR 41

struct docker; /* a connection and its negotiated API version */

/* Connects to docker_host (NULL: $DOCKER_HOST, else unix:///var/run/docker.sock)
 * and negotiates the API version (GET /version). *out is new, owned by the
 * caller (docker_close); NULL on error. */
int docker_open(struct docker **out, const char *docker_host, char *err, size_t errlen);
void docker_close(struct docker *d); /* NULL-safe */

/* The version prefix in use, e.g. "/v1.41". Borrowed, lives as long as d. */
const char *docker_api_prefix(const struct docker *d);

/* One line of hook output, without its newline; line is borrowed for the call.
 * stream: 1 stdout, 2 stderr (daemon-side errors come as stderr, prefixed
 * "docker: "). Over-long lines arrive split (see MUX_LINE_MAX). */
typedef void (*docker_line_fn)(void *ud, int stream, const char *line);

struct docker_exec_result {
	int exit_code;         /* the command's exit code when docker_exec_in_service returned 0 */
	char container_id[65]; /* filled as soon as the container is chosen */
	char task_id[65];
	char node_id[65];
	int slot;
};

/* Runs argv (borrowed, NULL-terminated) in exactly one running task container
 * of the swarm service named exactly `service` (the full name, stack prefix
 * included), on this daemon's own node, choosing the lowest slot, then the
 * lowest task id. Streams output lines to fn(ud, ...) (fn may be NULL).
 * timeout_ms bounds the whole call (0 = none); *cancel (may be NULL), once
 * set non-zero (e.g. by a signal handler), ends the wait within 100 ms.
 * Returns 0 when the command ran (its exit code, maybe non-zero, in
 * res->exit_code), or a negative enum docker_err with a one-line message in
 * err. *res is caller-owned and always initialised. */
int docker_exec_in_service(struct docker *d, const char *service, char *const argv[], long timeout_ms,
			   const volatile int *cancel, docker_line_fn fn, void *ud, struct docker_exec_result *res,
			   char *err, size_t errlen);

#endif
