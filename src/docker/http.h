/* http: a small libcurl client for the Docker Engine API at DOCKER_HOST.
 *
 * DOCKER_HOST forms: unix:///path/to/docker.sock (the default is
 * /var/run/docker.sock when DOCKER_HOST is unset or empty) and
 * tcp://host[:port] (plain HTTP, default port 2375, e.g. a socket proxy).
 * TLS, ssh:// and npipe:// are refused with a message naming DOCKER_HOST.
 *
 * Every response body is size-bounded, every wait has a deadline and can be
 * cancelled by a flag a signal handler sets. Errors are one line, naming
 * DOCKER_HOST and what failed, written to the caller's err buffer. */
#ifndef RDS_HTTP_H
#define RDS_HTTP_H
#include <stddef.h>

#define HTTP_DEFAULT_HOST "unix:///var/run/docker.sock"
#define HTTP_JSON_MAX (4u << 20) /* bound for one JSON response body */

enum http_err {
	HTTP_E_CONFIG = -1,    /* DOCKER_HOST unusable (scheme, syntax) */
	HTTP_E_CONNECT = -2,   /* cannot connect */
	HTTP_E_IO = -3,        /* the transfer failed after connecting */
	HTTP_E_TOO_BIG = -4,   /* response larger than the caller's bound */
	HTTP_E_TIMEOUT = -5,   /* deadline passed */
	HTTP_E_CANCELLED = -6, /* *cancel became non-zero */
	HTTP_E_NOMEM = -7,
};

struct http;

/* Parses docker_host (NULL: $DOCKER_HOST, else the default) and prepares a
 * connection; does not connect yet. *out is new, owned by the caller (free
 * with http_close); NULL on error. */
int http_open(struct http **out, const char *docker_host, char *err, size_t errlen);
void http_close(struct http *h); /* NULL-safe */

/* The DOCKER_HOST in use, for messages. Borrowed, lives as long as h. */
const char *http_host(const struct http *h);

/* Receives the response body as it arrives (data borrowed for the call).
 * Returns 0 to go on, non-zero to abort the transfer (HTTP_E_IO). */
typedef int (*http_sink_fn)(void *ud, const char *data, size_t len);

/* Called between waits of a transfer, at least every 100 ms (unless wait
 * says otherwise), outside any libcurl callback (so it may use another
 * struct http). Returns 0 to go on, non-zero to end the transfer
 * (HTTP_E_CANCELLED). */
typedef int (*http_tick_fn)(void *ud);

/* How long (ms) the transfer may wait before tick runs again; negative:
 * until data arrives or a wake fd is readable (at most HTTP_IDLE_MAX_MS). */
typedef long (*http_wait_fn)(void *ud);

#define HTTP_IDLE_MAX_MS 600000L /* the longest wait of a transfer with a wait function */
#define HTTP_WAKE_MAX 4

struct http_req {
	const char *method;         /* "GET" or "POST" */
	const char *path;           /* e.g. "/v1.41/info"; already URL-escaped */
	const char *body;           /* JSON request body or NULL */
	long timeout_ms;            /* whole request including connect; 0 = none */
	const volatile int *cancel; /* may be NULL; polled every 100 ms */
	http_tick_fn tick;          /* may be NULL */
	void *tick_ud;
	/* NULL: waits of at most 100 ms. Set: waits as long as it says, also
	 * ended when one of wake_fds (up to HTTP_WAKE_MAX) is readable or at
	 * EOF, or by a signal; cancel is then only polled when tick runs. */
	http_wait_fn wait; /* called with tick_ud */
	const int *wake_fds;
	int n_wake;
};

/* Runs one request, streaming the body to sink. *status gets the HTTP status
 * (0 when none arrived). Returns 0 when a response arrived (whatever its
 * status), or a negative enum http_err with a message in err. A body with a
 * status of 300 or more is the daemon's error, not stream data: it is not
 * passed to sink but left in err (truncated to errlen). */
int http_stream(struct http *h, const struct http_req *req, http_sink_fn sink, void *ud, long *status, char *err,
		size_t errlen);

/* Like http_stream but collects the body, whatever the status, up to max
 * bytes (more is HTTP_E_TOO_BIG): *body is new (caller frees), NUL-terminated,
 * *len its length (len may be NULL). */
int http_fetch(struct http *h, const struct http_req *req, size_t max, long *status, char **body, size_t *len,
	       char *err, size_t errlen);

#endif
