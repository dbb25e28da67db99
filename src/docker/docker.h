/* docker: run a hook command in one running task container of a Swarm
 * service through the Docker Engine API (see http.h for DOCKER_HOST), and
 * the plain JSON and streamed GET calls that rds-discover makes.
 *
 * A Docker daemon can only exec into its own containers, so the container is
 * chosen on the daemon's own node; a service that cannot be found, has no
 * running task, or runs only elsewhere is an error, never a silent skip. */
#ifndef RDS_DOCKER_H
#define RDS_DOCKER_H
#include <jansson.h>
#include <stddef.h>

#include "http.h"

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

/* docker_open for a program that must notice a stop while it waits: every
 * request made on this connection, docker_open's own included, calls
 * tick(ud) at least every 100 ms, and ends with DOCKER_E_CANCELLED as soon
 * as it returns non-zero. tick may be NULL. */
int docker_open_tick(struct docker **out, const char *docker_host, http_tick_fn tick, void *ud, char *err,
		     size_t errlen);

/* The version prefix in use, e.g. "/v1.41". Borrowed, lives as long as d. */
const char *docker_api_prefix(const struct docker *d);

/* The DOCKER_HOST in use, for messages. Borrowed, lives as long as d. */
const char *docker_host(const struct docker *d);

/* Into path (len bytes): "<prefix><base>?filters=<URL-escaped JSON of
 * filters>" (filters borrowed), followed by "&<extra>" when extra is not
 * NULL (extra is put in as it is: already escaped). Returns 0, or -1 when
 * it does not fit or memory runs out. */
int docker_filter_path(const struct docker *d, const char *base, const json_t *filters, const char *extra, char *path,
		       size_t len);

/* GET path (the prefix included, e.g. from docker_filter_path; at most
 * HTTP_JSON_MAX bytes of answer, within 60 s). Returns 0 with *out (new
 * reference) the parsed 2xx answer, of JSON type type, or a negative enum
 * docker_err with a one-line message in err (a non-2xx answer is
 * DOCKER_E_API, with the daemon's message). */
int docker_get_json(struct docker *d, const char *path, json_type type, json_t **out, char *err, size_t errlen);

/* Follows GET path, a streamed answer such as /events, on a connection of
 * its own, so that docker_get_json on d may be called from tick meanwhile.
 * The body goes to sink as it arrives (see http.h); tick(ud) (may be NULL)
 * runs after the connection's own tick: at least every 100 ms when wait is
 * NULL, else when wait(ud) says, when data arrives and when one of wake_fds
 * (n_wake of them, at most HTTP_WAKE_MAX) is readable (http.h). No time
 * limit but the connect timeout. Returns 0 when the daemon ended the
 * answer, DOCKER_E_CANCELLED when a tick returned non-zero, DOCKER_E_API
 * for a non-2xx status (with the daemon's message), else DOCKER_E_HOST or
 * DOCKER_E_NOMEM; err says which. */
int docker_follow(struct docker *d, const char *path, http_sink_fn sink, http_tick_fn tick, http_wait_fn wait,
		  const int *wake_fds, int n_wake, void *ud, char *err, size_t errlen);

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

/* docker_exec_in_service, but in container prefer (its id, or a prefix of
 * at least 12 characters; NULL or "": none) when that is a running task
 * container of the service on this node (on a manager: of a task whose
 * desired state is running); otherwise the container chosen as there. The
 * preference costs no API call of its own: it is looked for among the
 * candidates the choice lists anyway. */
int docker_exec_prefer(struct docker *d, const char *service, const char *prefer, char *const argv[], long timeout_ms,
		       const volatile int *cancel, docker_line_fn fn, void *ud, struct docker_exec_result *res,
		       char *err, size_t errlen);

#endif
