/* docker: see docker.h. The API calls of a hook, in order:
 *   GET  /version                           (once, in docker_open)
 *   GET  /vX/info                           own node id, manager or worker
 *   manager: GET /vX/services?filters={"name":[S]}    (prefix match)
 *            GET /vX/services                          (only to suggest names)
 *            GET /vX/tasks?filters={"service":[ID],"desired-state":["running"]}
 *            GET /vX/nodes/{id}                        (only to name other nodes)
 *   worker:  GET /vX/containers/json?filters={"label":[...service.name=S],"status":["running"]}
 *   POST /vX/containers/{id}/exec, POST /vX/exec/{id}/start (multiplexed
 *   stream, see mux.h), GET /vX/exec/{id}/json until Running is false.
 * docker_get_json and docker_follow make the calls their callers name.
 * Decisions on the answers live in docker_json.c. */
#include "docker.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker_json.h"
#include "http.h"
#include "log.h"
#include "mux.h"
#include "util.h"

#define JSON_CALL_MS 60000L  /* no single API call may hang longer */
#define SERVICE_NAME_MAX 255 /* Docker allows 63; keeps our URLs bounded */

struct docker {
	struct http *http;
	struct http *stream; /* docker_follow's own connection; opened on first use */
	http_tick_fn tick;   /* docker_open_tick's: every request calls it */
	void *tick_ud;
	char prefix[16]; /* "/v1.41" */
};

/* State of one docker_exec_in_service call (or of docker_open). */
struct ctx {
	struct docker *d;
	const char *service;
	const char *prefer; /* the container to take when it is a candidate; NULL: none */
	long timeout_ms;
	long long start, deadline; /* deadline 0: none */
	const volatile int *cancel;
	int started;          /* the exec start was sent: the command may run */
	int no_hook;          /* a plain call: messages do not speak of a hook */
	char cid[13];         /* short container id, for messages */
	char daemon_msg[512]; /* the daemon's message of the last error status */
	char *err;
	size_t errlen;
};

const char *docker_api_prefix(const struct docker *d)
{
	return d->prefix;
}

const char *docker_host(const struct docker *d)
{
	return http_host(d->http);
}

void docker_close(struct docker *d)
{
	if (!d)
		return;
	http_close(d->http);
	http_close(d->stream);
	free(d);
}

static void fmt_secs(long ms, char *out, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(out, len, "%ld s", ms / 1000);
	else
		snprintf(out, len, "%.1f s", (double)ms / 1000);
}

/* The message for running out of time or being cancelled, by phase. */
static int stopped(struct ctx *c, int rc, const char *what)
{
	char t[32];
	int cancelled = rc == DOCKER_E_CANCELLED;

	fmt_secs(cancelled ? (long)(mono_ms() - c->start) : c->timeout_ms, t, sizeof(t));
	if (c->started)
		snprintf(c->err, c->errlen,
			 "hook in service '%s' (container %s) %s after %s; the command may still be "
			 "running in the container (Docker cannot stop an exec)",
			 c->service, c->cid, cancelled ? "interrupted" : "timed out", t);
	else
		snprintf(c->err, c->errlen, "%s after %s %s(waiting for %s)", cancelled ? "interrupted" : "timed out",
			 t, c->no_hook ? "" : "before the hook started ", what);
	return rc;
}

/* Time left for one call: the call's deadline, capped at JSON_CALL_MS. */
static long call_ms(struct ctx *c, long cap)
{
	long long left;

	if (!c->deadline)
		return cap;
	left = c->deadline - mono_ms();
	if (left <= 0)
		return 0;
	return cap && left > cap ? cap : (long)left;
}

/* Maps an http error; http's own message (naming DOCKER_HOST) is kept. */
static int http_failed(struct ctx *c, int hrc, const char *method, const char *path)
{
	char what[320];

	snprintf(what, sizeof(what), "%s %s on DOCKER_HOST %s", method, path, http_host(c->d->http));
	if (hrc == HTTP_E_CANCELLED)
		return stopped(c, DOCKER_E_CANCELLED, what);
	if (hrc == HTTP_E_TIMEOUT && c->deadline && mono_ms() >= c->deadline)
		return stopped(c, DOCKER_E_TIMEOUT, what);
	if (hrc == HTTP_E_TIMEOUT)
		return DOCKER_E_TIMEOUT; /* JSON_CALL_MS: http's message says it */
	return hrc == HTTP_E_NOMEM ? DOCKER_E_NOMEM : DOCKER_E_HOST;
}

/* One JSON call. Returns 0 with *status; *out (new reference) is the parsed
 * body of a 2xx answer, else NULL with the daemon's message in daemon_msg. */
static int call(struct ctx *c, const char *method, const char *path, const json_t *body, long *status, json_t **out)
{
	struct http_req req = {
		.method = method, .path = path, .cancel = c->cancel, .tick = c->d->tick, .tick_ud = c->d->tick_ud
	};
	char *text = NULL, *resp = NULL;
	json_error_t jerr;
	int rc;

	*out = NULL;
	c->daemon_msg[0] = '\0';
	if (body && !(text = json_dumps(body, JSON_COMPACT))) {
		snprintf(c->err, c->errlen, "out of memory");
		return DOCKER_E_NOMEM;
	}
	req.body = text;
	req.timeout_ms = call_ms(c, JSON_CALL_MS);
	if (req.timeout_ms == 0) {
		rc = http_failed(c, HTTP_E_TIMEOUT, method, path);
		goto out;
	}
	log_debug("docker: %s %s", method, path);
	rc = http_fetch(c->d->http, &req, HTTP_JSON_MAX, status, &resp, NULL, c->err, c->errlen);
	if (rc < 0) {
		rc = http_failed(c, rc, method, path);
		goto out;
	}
	if (*status < 200 || *status >= 300) {
		dj_error_message(resp, c->daemon_msg, sizeof(c->daemon_msg));
		goto out;
	}
	*out = json_loads(resp, 0, &jerr);
	if (!*out) {
		snprintf(c->err, c->errlen, "%s %s: the Docker daemon answered invalid JSON (%s)", method, path,
			 jerr.text);
		rc = DOCKER_E_API;
	}
out:
	free(text);
	free(resp);
	return rc;
}

/* A call that must answer 2xx with a JSON value of the given type. */
static int call_ok(struct ctx *c, const char *method, const char *path, const json_t *body, json_type type,
		   json_t **out)
{
	long status = 0;
	int rc = call(c, method, path, body, &status, out);

	if (rc < 0)
		return rc;
	if (!*out) {
		snprintf(c->err, c->errlen, "%s %s: the Docker daemon answered %ld: %s", method, path, status,
			 c->daemon_msg);
		return DOCKER_E_API;
	}
	if (json_typeof(*out) != type) {
		snprintf(c->err, c->errlen, "%s %s: unexpected answer from the Docker daemon", method, path);
		json_decref(*out);
		*out = NULL;
		return DOCKER_E_API;
	}
	return 0;
}

int docker_open(struct docker **out, const char *docker_host, char *err, size_t errlen)
{
	return docker_open_tick(out, docker_host, NULL, NULL, err, errlen);
}

int docker_open_tick(struct docker **out, const char *docker_host, http_tick_fn tick, void *ud, char *err,
		     size_t errlen)
{
	struct docker *d = NULL;
	struct ctx c = { .err = err, .errlen = errlen, .service = "", .no_hook = 1 };
	json_t *ver = NULL;
	char v[12];
	int rc;

	*out = NULL;
	if (!(d = calloc(1, sizeof(*d)))) {
		snprintf(err, errlen, "out of memory");
		return DOCKER_E_NOMEM;
	}
	d->tick = tick;
	d->tick_ud = ud;
	rc = http_open(&d->http, docker_host, err, errlen);
	if (rc < 0) {
		rc = rc == HTTP_E_NOMEM ? DOCKER_E_NOMEM : DOCKER_E_HOST;
		goto out;
	}
	c.d = d;
	c.start = mono_ms();
	/* Unversioned: the one call every API version answers. */
	if ((rc = call_ok(&c, "GET", "/version", NULL, JSON_OBJECT, &ver)) < 0)
		goto out;
	if ((rc = dj_api_version(ver, v, sizeof(v), err, errlen)) < 0)
		goto out;
	snprintf(d->prefix, sizeof(d->prefix), "/v%s", v);
	log_debug("docker: %s speaks API %s", http_host(d->http), v);
	*out = d;
	d = NULL;
out:
	json_decref(ver);
	docker_close(d);
	return rc;
}

/* Percent-encodes s (a JSON filter) for a query string. */
static int url_escape(const char *s, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		int plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			    strchr("-._~", ch);
		if (n + (plain ? 1 : 3) >= outlen)
			return -1;
		if (plain) {
			out[n++] = (char)ch;
		} else {
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	out[n] = '\0';
	return 0;
}

int docker_filter_path(const struct docker *d, const char *base, const json_t *filters, const char *extra, char *path,
		       size_t len)
{
	char *text = filters ? json_dumps(filters, JSON_COMPACT) : NULL;
	char esc[1024];
	int rc = -1;

	if (text && url_escape(text, esc, sizeof(esc)) == 0 &&
	    snprintf(path, len, "%s%s?filters=%s%s%s", d->prefix, base, esc, extra ? "&" : "", extra ? extra : "") <
		    (int)len)
		rc = 0;
	free(text);
	return rc;
}

/* path = "<prefix><base>?filters=<escaped JSON of filters>"; steals filters. */
static int filter_path(struct ctx *c, const char *base, json_t *filters, char *path, size_t len)
{
	int rc = filters ? docker_filter_path(c->d, base, filters, NULL, path, len) : -1;

	json_decref(filters);
	if (rc < 0) {
		/* The filters hold the name: only a long one makes them too long. */
		snprintf(c->err, c->errlen, "service name '%s' too long (or out of memory)", c->service);
		return DOCKER_E_NO_SERVICE;
	}
	return 0;
}

int docker_get_json(struct docker *d, const char *path, json_type type, json_t **out, char *err, size_t errlen)
{
	struct ctx c = { .d = d, .service = "", .no_hook = 1, .err = err, .errlen = errlen };

	c.start = mono_ms();
	return call_ok(&c, "GET", path, NULL, type, out);
}

/* docker_follow's tick: the connection's, then the caller's. */
struct follow {
	struct docker *d;
	http_tick_fn tick;
	http_wait_fn wait;
	void *ud;
};

static long follow_wait(void *ud)
{
	struct follow *f = ud;

	return f->wait(f->ud);
}

static int follow_tick(void *ud)
{
	struct follow *f = ud;

	if (f->d->tick && f->d->tick(f->d->tick_ud) != 0)
		return 1;
	return f->tick ? f->tick(f->ud) : 0;
}

int docker_follow(struct docker *d, const char *path, http_sink_fn sink, http_tick_fn tick, http_wait_fn wait,
		  const int *wake_fds, int n_wake, void *ud, char *err, size_t errlen)
{
	struct follow f = { .d = d, .tick = tick, .wait = wait, .ud = ud };
	struct http_req req = { .method = "GET",
				.path = path,
				.tick = follow_tick,
				.tick_ud = &f,
				.wait = wait ? follow_wait : NULL,
				.wake_fds = wake_fds,
				.n_wake = n_wake };
	char msg[512];
	long status = 0;
	int rc;

	if (!d->stream && (rc = http_open(&d->stream, http_host(d->http), err, errlen)) < 0)
		return rc == HTTP_E_NOMEM ? DOCKER_E_NOMEM : DOCKER_E_HOST;
	log_debug("docker: GET %s (a stream)", path);
	rc = http_stream(d->stream, &req, sink, ud, &status, err, errlen);
	if (rc == HTTP_E_CANCELLED)
		return DOCKER_E_CANCELLED;
	if (rc < 0)
		return rc == HTTP_E_NOMEM ? DOCKER_E_NOMEM : DOCKER_E_HOST;
	if (status < 200 || status >= 300) {
		/* http left the daemon's error body in err. */
		dj_error_message(err, msg, sizeof(msg));
		snprintf(err, errlen, "GET %s: the Docker daemon answered %ld: %s", path, status, msg);
		return DOCKER_E_API;
	}
	return 0;
}

/* Best effort: "abc (hostname h1), def" for a list of node ids. */
static void name_nodes(struct ctx *c, const char *ids, char *out, size_t outlen)
{
	char list[512], path[128], *save = NULL, *id;
	size_t used;

	snprintf(list, sizeof(list), "%s", ids);
	out[0] = '\0';
	for (id = strtok_r(list, ", ", &save); id; id = strtok_r(NULL, ", ", &save)) {
		json_t *node = NULL;
		const char *host = NULL;
		long status = 0;

		snprintf(path, sizeof(path), "%s/nodes/%s", c->d->prefix, id);
		if (call(c, "GET", path, NULL, &status, &node) == 0 && node)
			host = json_string_value(json_object_get(json_object_get(node, "Description"), "Hostname"));
		used = strlen(out);
		snprintf(out + used, outlen - used, "%s%s%s%s%s", used ? ", " : "", id, host ? " (hostname " : "",
			 host ? host : "", host ? ")" : "");
		json_decref(node);
	}
}

static int not_found(struct ctx *c)
{
	char path[64], near[768] = "";
	json_t *all = NULL;

	/* Only on this error path: list every service to suggest names. */
	snprintf(path, sizeof(path), "%s/services", c->d->prefix);
	if (call_ok(c, "GET", path, NULL, JSON_ARRAY, &all) == 0)
		dj_near_services(all, c->service, near, sizeof(near));
	json_decref(all);
	snprintf(c->err, c->errlen,
		 "service '%s' not found (names must be complete, including the stack prefix, "
		 "e.g. mystack_db)%s",
		 c->service, near);
	return DOCKER_E_NO_SERVICE;
}

/* A manager lists the service's tasks and picks one on its own node. */
static int find_on_manager(struct ctx *c, const char *node, struct dj_task *task)
{
	char path[1200], sid[DJ_ID_MAX + 1], others[512], named[768];
	json_t *js = NULL;
	int rc;

	rc = filter_path(c, "/services", json_pack("{s:[s]}", "name", c->service), path, sizeof(path));
	if (rc < 0 || (rc = call_ok(c, "GET", path, NULL, JSON_ARRAY, &js)) < 0)
		goto out;
	if (dj_pick_service(js, c->service, sid) < 0) {
		rc = not_found(c);
		goto out;
	}
	json_decref(js);
	js = NULL;
	rc = filter_path(c, "/tasks", json_pack("{s:[s],s:[s]}", "service", sid, "desired-state", "running"), path,
			 sizeof(path));
	if (rc < 0 || (rc = call_ok(c, "GET", path, NULL, JSON_ARRAY, &js)) < 0)
		goto out;
	rc = dj_pick_task(js, node, c->prefer, task, others, sizeof(others));
	if (rc == DOCKER_E_NO_TASK) {
		snprintf(c->err, c->errlen,
			 "service '%s' has no running task (scaled to 0, or its tasks fail to start: "
			 "see docker service ps %s)",
			 c->service, c->service);
	} else if (rc == DOCKER_E_OTHER_NODE) {
		name_nodes(c, others, named, sizeof(named));
		snprintf(c->err, c->errlen,
			 "service '%s' runs only on other nodes: %s; this is node %s; a Docker daemon "
			 "can only exec into its own containers, so run the agent on the same node as the "
			 "service (placement constraint, e.g. node.id==%.25s)",
			 c->service, named, node, others);
	}
out:
	json_decref(js);
	return rc;
}

/* A worker cannot list services or tasks, but it sees its own containers. */
static int find_on_worker(struct ctx *c, const char *node, struct dj_task *task)
{
	char path[1200], label[SERVICE_NAME_MAX + 40];
	json_t *js = NULL;
	int rc;

	snprintf(label, sizeof(label), "com.docker.swarm.service.name=%s", c->service);
	rc = filter_path(c, "/containers/json", json_pack("{s:[s],s:[s]}", "label", label, "status", "running"), path,
			 sizeof(path));
	if (rc < 0 || (rc = call_ok(c, "GET", path, NULL, JSON_ARRAY, &js)) < 0)
		goto out;
	rc = dj_pick_container(js, c->service, c->prefer, task);
	if (rc == DOCKER_E_NO_TASK)
		snprintf(c->err, c->errlen,
			 "service '%s' has no running container on this node %s; this node is a swarm "
			 "worker, which cannot see other nodes' tasks, so run the agent on a node where "
			 "the service runs (placement constraint) and check the name is complete, "
			 "including the stack prefix (e.g. mystack_db)",
			 c->service, node);
out:
	json_decref(js);
	return rc;
}

struct out_ctx {
	docker_line_fn fn;
	void *ud;
	struct mux mux;
};

static void on_line(void *ud, enum mux_stream s, const char *line, size_t len)
{
	struct out_ctx *o = ud;
	char buf[MUX_LINE_MAX + 16];
	size_t off = 0;

	if (!o->fn)
		return;
	if (s == MUX_SYSERR)
		off = (size_t)snprintf(buf, sizeof(buf), "docker: ");
	memcpy(buf + off, line, len);
	buf[off + len] = '\0';
	/* A NUL byte would silently cut the line for a C-string consumer. */
	for (size_t i = off; i < off + len; i++)
		if (buf[i] == '\0')
			buf[i] = '?';
	o->fn(o->ud, s == MUX_STDOUT ? 1 : 2, buf);
}

static int on_stream(void *ud, const char *data, size_t len)
{
	struct out_ctx *o = ud;

	mux_feed(&o->mux, data, len);
	return 0;
}

/* Sleeps ms, waking early on a signal; DOCKER_E_CANCELLED when *cancel. */
static int nap(struct ctx *c, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (c->cancel && *c->cancel)
		return DOCKER_E_CANCELLED;
	if (nanosleep(&ts, NULL) < 0 && errno != EINTR)
		return 0;
	return c->cancel && *c->cancel ? DOCKER_E_CANCELLED : 0;
}

/* The output stream ended; the exit code is set a moment after the process
 * exits, and a command that closed its output may still run: poll. */
static int wait_exit(struct ctx *c, const char *eid, int *exit_code)
{
	char path[128];
	long pause = 10;
	int rc, running = 1, nulls = 0;

	snprintf(path, sizeof(path), "%s/exec/%s/json", c->d->prefix, eid);
	for (;;) {
		json_t *js = NULL;

		if ((rc = call_ok(c, "GET", path, NULL, JSON_OBJECT, &js)) < 0)
			return rc;
		rc = dj_exec_state(js, &running, exit_code);
		json_decref(js);
		if (rc < 0) {
			snprintf(c->err, c->errlen, "GET %s: no Running field in the answer", path);
			return rc;
		}
		/* Running false with no exit code yet: give it a few rounds. */
		if (!running && (*exit_code >= 0 || ++nulls > 10))
			break;
		if (c->deadline && mono_ms() + pause >= c->deadline)
			return stopped(c, DOCKER_E_TIMEOUT, path);
		if (nap(c, pause) < 0)
			return stopped(c, DOCKER_E_CANCELLED, path);
		pause = pause * 2 > 500 ? 500 : pause * 2;
	}
	if (*exit_code < 0) {
		snprintf(c->err, c->errlen, "hook in service '%s' (container %s) ended without an exit code",
			 c->service, c->cid);
		return DOCKER_E_API;
	}
	return 0;
}

/* The "Id" of a POST /containers/{id}/exec answer. */
static int id_of(const json_t *js, char out[DJ_ID_MAX + 1])
{
	const char *id = json_string_value(json_object_get(js, "Id"));

	if (!dj_id_ok(id))
		return -1;
	strcpy(out, id);
	return 0;
}

static int run_exec(struct ctx *c, const struct dj_task *task, char *const argv[], struct out_ctx *o, int *exit_code)
{
	struct http_req req = { .method = "POST", .cancel = c->cancel, .tick = c->d->tick, .tick_ud = c->d->tick_ud };
	char path[160], eid[DJ_ID_MAX + 1];
	json_t *cmd = json_array(), *body = NULL, *js = NULL;
	long status = 0;
	int rc;

	for (size_t i = 0; cmd && argv[i]; i++)
		if (json_array_append_new(cmd, json_string(argv[i])) < 0) {
			snprintf(c->err, c->errlen, "hook argument %zu is not valid UTF-8", i);
			rc = DOCKER_E_EXEC;
			goto out;
		}
	body = json_pack("{s:b,s:b,s:b,s:b,s:O}", "AttachStdin", 0, "AttachStdout", 1, "AttachStderr", 1, "Tty", 0,
			 "Cmd", cmd);
	snprintf(path, sizeof(path), "%s/containers/%s/exec", c->d->prefix, task->container_id);
	if (!body) {
		snprintf(c->err, c->errlen, "out of memory");
		rc = DOCKER_E_NOMEM;
		goto out;
	}
	if ((rc = call(c, "POST", path, body, &status, &js)) < 0)
		goto out;
	if (!js || id_of(js, eid) < 0) {
		/* 404: the task's container went away meanwhile; 409: not running. */
		snprintf(c->err, c->errlen, "cannot exec in container %s of service '%s': %s (%ld)", c->cid, c->service,
			 js ? "no exec id in the answer" : c->daemon_msg, status);
		rc = DOCKER_E_EXEC;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/exec/%s/start", c->d->prefix, eid);
	req.path = path;
	req.body = "{\"Detach\":false,\"Tty\":false}";
	req.timeout_ms = call_ms(c, 0);
	if (c->deadline && req.timeout_ms == 0) {
		rc = http_failed(c, HTTP_E_TIMEOUT, "POST", path);
		goto out;
	}
	c->started = 1;
	log_debug("docker: POST %s", path);
	rc = http_stream(c->d->http, &req, on_stream, o, &status, c->err, c->errlen);
	if (mux_finish(&o->mux) < 0)
		log_warn("docker: output of the hook in container %s ended inside a frame", c->cid);
	if (o->mux.malformed)
		log_warn("docker: output of the hook in container %s was not multiplexed; shown as is", c->cid);
	if (rc < 0) {
		rc = http_failed(c, rc, "POST", path);
		goto out;
	}
	if (status < 200 || status >= 300) {
		char msg[512];
		dj_error_message(c->err, msg, sizeof(msg));
		snprintf(c->err, c->errlen, "cannot start the hook in container %s of service '%s': %s (%ld)", c->cid,
			 c->service, msg, status);
		rc = DOCKER_E_EXEC;
		goto out;
	}
	rc = wait_exit(c, eid, exit_code);
out:
	json_decref(cmd);
	json_decref(body);
	json_decref(js);
	return rc;
}

static int check_args(struct ctx *c, char *const argv[])
{
	json_t *probe;

	if (!c->service[0] || strlen(c->service) > SERVICE_NAME_MAX) {
		snprintf(c->err, c->errlen, "service name must be 1 to %d characters", SERVICE_NAME_MAX);
		return DOCKER_E_NO_SERVICE;
	}
	probe = json_string(c->service);
	if (!probe) {
		snprintf(c->err, c->errlen, "service name is not valid UTF-8");
		return DOCKER_E_NO_SERVICE;
	}
	json_decref(probe);
	if (!argv || !argv[0] || !argv[0][0]) {
		snprintf(c->err, c->errlen, "hook command for service '%s' is empty", c->service);
		return DOCKER_E_EXEC;
	}
	return 0;
}

int docker_exec_in_service(struct docker *d, const char *service, char *const argv[], long timeout_ms,
			   const volatile int *cancel, docker_line_fn fn, void *ud, struct docker_exec_result *res,
			   char *err, size_t errlen)
{
	return docker_exec_prefer(d, service, NULL, argv, timeout_ms, cancel, fn, ud, res, err, errlen);
}

int docker_exec_prefer(struct docker *d, const char *service, const char *prefer, char *const argv[], long timeout_ms,
		       const volatile int *cancel, docker_line_fn fn, void *ud, struct docker_exec_result *res,
		       char *err, size_t errlen)
{
	struct ctx c = { .d = d,
			 .service = service ? service : "",
			 .prefer = prefer && *prefer ? prefer : NULL,
			 .timeout_ms = timeout_ms,
			 .cancel = cancel,
			 .err = err,
			 .errlen = errlen };
	struct out_ctx *o = NULL;
	struct dj_swarm sw;
	struct dj_task task = { .slot = 0 };
	char path[64];
	json_t *info = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	res->exit_code = -1;
	c.start = mono_ms();
	c.deadline = timeout_ms > 0 ? c.start + timeout_ms : 0;
	if ((rc = check_args(&c, argv)) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/info", d->prefix);
	if ((rc = call_ok(&c, "GET", path, NULL, JSON_OBJECT, &info)) < 0)
		goto out;
	if ((rc = dj_swarm_info(info, &sw, err, errlen)) < 0)
		goto out;
	rc = sw.manager ? find_on_manager(&c, sw.node_id, &task) : find_on_worker(&c, sw.node_id, &task);
	if (rc < 0)
		goto out;
	snprintf(res->container_id, sizeof(res->container_id), "%s", task.container_id);
	snprintf(res->task_id, sizeof(res->task_id), "%s", task.id);
	snprintf(res->node_id, sizeof(res->node_id), "%s", task.node_id[0] ? task.node_id : sw.node_id);
	res->slot = task.slot;
	snprintf(c.cid, sizeof(c.cid), "%.12s", task.container_id);
	log_debug("docker: service %s: task %s slot %d container %s", service, task.id, task.slot, c.cid);
	if (c.prefer && !dj_container_is(task.container_id, c.prefer))
		log_info("docker: service %s: container %.12s is not a running task container of it on this "
			 "node; using %s",
			 service, c.prefer, c.cid);
	/* The line buffers are 16 KiB: not for the stack of a small thread. */
	if (!(o = calloc(1, sizeof(*o)))) {
		snprintf(err, errlen, "out of memory");
		rc = DOCKER_E_NOMEM;
		goto out;
	}
	o->fn = fn;
	o->ud = ud;
	mux_init(&o->mux, 0, on_line, o);
	rc = run_exec(&c, &task, argv, o, &res->exit_code);
out:
	free(o);
	json_decref(info);
	return rc;
}
