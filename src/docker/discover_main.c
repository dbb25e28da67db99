/* rds-discover: the label mode helper of rds-agent. Follows this node's
 * Docker daemon and prints the discovery table (discovery.h) on stdout, one
 * line at start and one whenever it changes. A program of its own, like
 * rds-hook, so that the long-lived agent never loads libcurl.
 *
 * One loop: connect (GET /version), list (discover.h says what from), print
 * when the line differs from the last one printed, then follow GET /events
 * on a second connection. A relevant event marks a new list due 200 ms
 * after the last such event, at most 1 s after the first of a burst; the
 * stream's tick makes that list on the first connection while the stream
 * stays open, so no event is missed and no request is made while nothing
 * happens. The tick runs when data arrives, when a list is due, and when
 * stdin or a signal's self-pipe wakes the wait: while nothing happens the
 * helper does not wake at all (at most every HTTP_IDLE_MAX_MS). A broken stream or a failed
 * list prints an error line and starts again after a backoff (0.5 s
 * doubling to 30 s; back to 0.5 s after a stream that lived 30 s); the new
 * stream asks for the events since 1 s before its list (`since`), so a
 * change between the list and the stream is not lost. A container whose
 * "die" came on the stream is left out of every list until Docker's list
 * stops showing it running, which it does a little after the event
 * (discover_dead.h).
 *
 * Stops (exit 0) on SIGTERM, SIGINT or EOF on stdin (the agent holds the
 * pipe's write end: when the agent is gone the helper goes too), at once
 * whatever it waits for: every wait also polls stdin and the self-pipe the
 * signal handler writes to; a request on the first connection checks them
 * at least every 100 ms. A write to a stdout that nobody reads is the
 * exception (a signal ends that one, a dead reader makes it fail);
 * exit 1 when stdout cannot be written (EPIPE), 2 for bad usage. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "discover.h"
#include "discover_dead.h"
#include "docker.h"
#include "log.h"
#include "utf8.h"
#include "util.h"

#define DEBOUNCE_MS 200      /* quiet time after the last event of a burst */
#define DEBOUNCE_MAX_MS 1000 /* the longest a burst delays a list */
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000
#define STREAM_STABLE_MS 30000 /* a stream that lived this long resets the backoff */

enum { RUN_OK = 0, RUN_STOP = -100, RUN_STDOUT = -101 };

static volatile sig_atomic_t stop_signal;
static int sig_pipe[2] = { -1, -1 }; /* the handler writes a byte: a wait wakes */

static void on_signal(int sig)
{
	int e = errno;

	(void)sig;
	stop_signal = 1;
	if (write(sig_pipe[1], "", 1) < 0) {
		/* full: a wake is pending already */
	}
	errno = e;
}

struct run {
	struct docker *d;
	char *last; /* the last line printed */
	int once;   /* --once: the first line, then exit */
	int stdin_eof, stdout_failed;
	struct discover_lines lines;
	int pending;                 /* a list is due */
	long long first_ms, last_ms; /* events of the pending burst */
	int tick_rc;                 /* why the tick ended the stream */
	char tick_err[1024];
	int wake[2]; /* what ends a wait: the self-pipe, and stdin unless --once */
	int n_wake;
	struct discover_dead dead; /* died, maybe still listed as running */
};

/* Drains stdin without blocking; 1 once it is at EOF (or unusable). */
static int stdin_gone(struct run *r)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	char buf[512];
	ssize_t n;

	if (r->stdin_eof)
		return 1;
	while (poll(&p, 1, 0) > 0) {
		if (p.revents & POLLNVAL)
			return r->stdin_eof = 1;
		n = read(0, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return r->stdin_eof = 1;
		if (n < 0)
			break;
	}
	return 0;
}

/* --once ignores stdin: it ends by itself. */
static int stopping(struct run *r)
{
	return stop_signal || r->stdout_failed || (!r->once && stdin_gone(r));
}

/* Every request's tick (docker_open_tick). */
static int conn_tick(void *ud)
{
	return stopping(ud);
}

/* Prints line unless it is the one printed last. */
static int emit(struct run *r, const char *line)
{
	char *copy;

	if (r->last && strcmp(r->last, line) == 0)
		return RUN_OK;
	if (fputs(line, stdout) == EOF || fputc('\n', stdout) == EOF || fflush(stdout) == EOF) {
		if (stop_signal)
			return RUN_STOP; /* the signal cut the write short */
		log_error("rds-discover: cannot write the table to stdout: %s", strerror(errno));
		r->stdout_failed = 1;
		return RUN_STDOUT;
	}
	copy = strdup(line);
	free(r->last);
	r->last = copy; /* NULL when out of memory: the next line prints again */
	return RUN_OK;
}

static int emit_error(struct run *r, const char *msg)
{
	char *line = discover_error_line(msg);
	int rc = emit(r, line ? line : "{\"version\":1,\"error\":\"out of memory\"}");

	free(line);
	return rc;
}

/* A failed call: stopping, or its message for the error line. */
static int failed(struct run *r, int rc)
{
	return rc == DOCKER_E_CANCELLED || stopping(r) ? RUN_STOP : rc;
}

static int get(struct run *r, const char *path, json_type type, json_t **out, char *err, size_t errlen)
{
	return failed(r, docker_get_json(r->d, path, type, out, err, errlen));
}

/* GET <prefix>base?filters=<filters> (filters stolen). */
static int get_filtered(struct run *r, const char *base, json_t *filters, json_t **out, char *err, size_t errlen)
{
	char path[1200];
	int rc = -1;

	if (filters && docker_filter_path(r->d, base, filters, NULL, path, sizeof(path)) == 0)
		rc = get(r, path, JSON_ARRAY, out, err, errlen);
	else
		snprintf(err, errlen, "out of memory");
	json_decref(filters);
	return rc;
}

/* Lists and prints the table. RUN_OK, RUN_STOP, RUN_STDOUT, or negative with err. */
static int relist(struct run *r, char *err, size_t errlen)
{
	json_t *info = NULL, *cts = NULL, *svcs = NULL, *tasks = NULL;
	struct discover_node node;
	char path[64], *line = NULL;
	size_t n = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/info", docker_api_prefix(r->d));
	if ((rc = get(r, path, JSON_OBJECT, &info, err, errlen)) < 0 ||
	    (rc = discover_node(info, &node, err, errlen)) < 0)
		goto out;
	rc = get_filtered(r, "/containers/json",
			  json_pack("{s:[s],s:[s]}", "label", "com.docker.swarm.service.name", "status", "running"),
			  &cts, err, errlen);
	if (rc < 0)
		goto out;
	if (r->dead.n) {
		size_t k = discover_dead_filter(&r->dead, cts);
		if (k)
			log_debug("rds-discover: %zu container%s listed as running after %s die event: left out", k,
				  k == 1 ? "" : "s", k == 1 ? "its" : "their");
	}
	if (node.manager) {
		snprintf(path, sizeof(path), "%s/services", docker_api_prefix(r->d));
		if ((rc = get(r, path, JSON_ARRAY, &svcs, err, errlen)) < 0)
			goto out;
		rc = get_filtered(r, "/tasks", json_pack("{s:[s],s:[s]}", "node", node.id, "desired-state", "running"),
				  &tasks, err, errlen);
		if (rc < 0)
			goto out;
	}
	if ((rc = discover_table(&node, cts, svcs, tasks, &line, &n, err, errlen)) < 0)
		goto out;
	if (!r->last || strcmp(r->last, line) != 0)
		log_info("rds-discover: node %s (%s, %s): %zu labelled service%s", node.id, node.name,
			 node.manager ? "manager" : "worker", n, n == 1 ? "" : "s");
	rc = emit(r, line);
out:
	free(line);
	json_decref(info);
	json_decref(cts);
	json_decref(svcs);
	json_decref(tasks);
	/* The answers were parsed into many small blocks, now free: give the
	 * heap back while nothing happens (this runs for the agent's life). */
	malloc_trim(0);
	return rc;
}

static void on_event_line(void *ud, const char *line, size_t len)
{
	struct run *r = ud;
	long long now = mono_ms();

	char id[DISCOVERY_ID_MAX + 1];

	if (line && !discover_event_relevant(line, len))
		return;
	if (line) {
		enum discover_life life = discover_event_life(line, len, id);
		if (life == DISCOVER_LIFE_DIED)
			discover_dead_add(&r->dead, id);
		else if (life == DISCOVER_LIFE_STARTED)
			discover_dead_remove(&r->dead, id);
	}
	/* Cut on a character boundary: the log shows what it gets. */
	log_debug("rds-discover: event: %.*s", line ? (int)(len < 300 ? len : utf8_trim_cut(line, 300)) : 11,
		  line ? line : "(too long)");
	if (!r->pending) {
		r->pending = 1;
		r->first_ms = now;
	}
	r->last_ms = now;
}

static int on_events(void *ud, const char *data, size_t len)
{
	struct run *r = ud;

	discover_lines_feed(&r->lines, data, len, on_event_line, r);
	return 0;
}

/* The stream's tick: stop, or make the list that is due. */
static int on_tick(void *ud)
{
	struct run *r = ud;
	long long due = r->last_ms + DEBOUNCE_MS;
	int rc;

	if (stopping(r))
		return 1;
	if (!r->pending)
		return 0;
	if (due > r->first_ms + DEBOUNCE_MAX_MS)
		due = r->first_ms + DEBOUNCE_MAX_MS;
	if (mono_ms() < due)
		return 0;
	r->pending = 0;
	rc = relist(r, r->tick_err, sizeof(r->tick_err));
	if (rc == RUN_OK)
		return 0;
	r->tick_rc = rc;
	return 1;
}

/* How long the stream may wait: until the due list, else until woken. */
static long on_wait(void *ud)
{
	struct run *r = ud;
	long long due = r->last_ms + DEBOUNCE_MS, left;

	if (!r->pending)
		return -1;
	if (due > r->first_ms + DEBOUNCE_MAX_MS)
		due = r->first_ms + DEBOUNCE_MAX_MS;
	left = due - mono_ms();
	return left > 0 ? (long)left : 0;
}

/* Follows the events since since_ns (wall clock); returns how it ended:
 * RUN_STOP, RUN_STDOUT, or negative with err (the stream broke or ended, or a
 * list failed). */
static int follow(struct run *r, long long since_ns, char *err, size_t errlen)
{
	static const char *const filters =
		"{\"type\":[\"container\",\"service\",\"node\"],"
		"\"event\":[\"start\",\"die\",\"destroy\",\"kill\",\"create\",\"update\",\"remove\"]}";
	json_t *f = json_loads(filters, 0, NULL);
	char path[1200], since[48];
	int rc;

	snprintf(since, sizeof(since), "since=%lld.%09lld", since_ns / 1000000000, since_ns % 1000000000);
	rc = f ? docker_filter_path(r->d, "/events", f, since, path, sizeof(path)) : -1;
	json_decref(f);
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(&r->lines, 0, sizeof(r->lines));
	r->pending = 0;
	r->tick_rc = RUN_OK;
	rc = docker_follow(r->d, path, on_events, on_tick, on_wait, r->wake, r->n_wake, r, err, errlen);
	if (r->tick_rc != RUN_OK) {
		if (r->tick_rc != RUN_STOP && r->tick_rc != RUN_STDOUT)
			snprintf(err, errlen, "%s", r->tick_err);
		return r->tick_rc;
	}
	if (stopping(r))
		return r->stdout_failed ? RUN_STDOUT : RUN_STOP;
	if (rc == 0) {
		snprintf(err, errlen, "DOCKER_HOST %s: the Docker daemon ended the event stream (GET /events)",
			 docker_host(r->d));
		return -1;
	}
	return rc;
}

static long long wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Sleeps ms, woken by stdin or a signal; 1 when a stop came meanwhile. */
static int nap(struct run *r, long ms)
{
	long long end = mono_ms() + ms;

	while (!stopping(r)) {
		long long left = end - mono_ms();
		struct pollfd p[2];

		if (left <= 0)
			return 0;
		for (int i = 0; i < r->n_wake; i++)
			p[i] = (struct pollfd){ .fd = r->wake[i], .events = POLLIN };
		/* stdin with data left unread would wake every poll: stopping()
		 * drains it. */
		if (poll(p, (nfds_t)r->n_wake, (int)left) < 0 && errno != EINTR)
			return 1;
	}
	return 1;
}

/* One connection's life: connect, list, follow. How it ended: RUN_STOP,
 * RUN_STDOUT, RUN_OK (only with --once), or negative with err. */
static int attempt(struct run *r, long *backoff, char *err, size_t errlen)
{
	long long since_ns, started;
	int rc;

	if (!r->d && (rc = failed(r, docker_open_tick(&r->d, NULL, conn_tick, r, err, errlen))) < 0)
		return rc;
	since_ns = wall_ns() - 1000000000LL;
	if ((rc = relist(r, err, errlen)) < 0 || r->once)
		return rc;
	started = mono_ms();
	rc = follow(r, since_ns, err, errlen);
	if (rc < 0 && mono_ms() - started >= STREAM_STABLE_MS)
		*backoff = BACKOFF_MIN_MS;
	return rc == DOCKER_E_CANCELLED ? RUN_STOP : rc;
}

static int run(struct run *r)
{
	long backoff = BACKOFF_MIN_MS;
	char err[1024];
	int rc;

	while (!stopping(r)) {
		rc = attempt(r, &backoff, err, sizeof(err));
		if (rc == RUN_STOP || rc == RUN_STDOUT || (r->once && rc == RUN_OK))
			return rc;
		if (r->once)
			log_error("rds-discover: %s", err);
		else
			log_warn("rds-discover: %s; trying again in %.1f s", err, (double)backoff / 1000);
		if (emit_error(r, err) == RUN_STDOUT)
			return RUN_STDOUT;
		if (r->once)
			return -1;
		docker_close(r->d);
		r->d = NULL;
		if (nap(r, backoff))
			break;
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
	return r->stdout_failed ? RUN_STDOUT : RUN_STOP;
}

static void usage(void)
{
	printf("Usage: rds-discover [-v] [--once]\n"
	       "\n"
	       "Prints, one JSON line each, the table of the services labelled rds.backup=true that run a\n"
	       "task on this node's Docker daemon (DOCKER_HOST; default unix:///var/run/docker.sock): at\n"
	       "start, and again whenever it changes (never the same line twice in a row):\n"
	       "  {\"version\":1,\"node\":{\"id\":...,\"name\":...,\"manager\":true|false},\"services\":[\n"
	       "    {\"name\":...,\"id\":...,\"container\":...,\"task\":...,\"slot\":N,[\"error\":...,]\n"
	       "     \"labels\":{\"rds.backup\":\"true\",\"rds.backup.*\":...},\"volumes\":[{\"name\":...,\n"
	       "     \"destination\":...,\"driver\":...,\"rw\":true|false}]}]}\n"
	       "or, when Docker cannot be reached or answers an error, {\"version\":1,\"error\":\"...\"},\n"
	       "and tries again (0.5 s doubling to 30 s). Per service: the running task container with the\n"
	       "lowest slot, then task id; labels: the service's deploy labels (managers only) under the\n"
	       "container's, rds.backup* only; volumes: that container's named volumes; error: what could\n"
	       "not be passed on whole (a label with a newline, too long, too many), left out: fail that job.\n"
	       "\n"
	       "Docker API calls (vX: the version negotiated by GET /version):\n"
	       "  GET /version, GET /vX/info\n"
	       "  GET /vX/containers/json?filters={\"label\":[\"com.docker.swarm.service.name\"],"
	       "\"status\":[\"running\"]}\n"
	       "  manager only: GET /vX/services, GET /vX/tasks?filters={\"node\":[ID],"
	       "\"desired-state\":[\"running\"]}\n"
	       "  GET /vX/events?filters={\"type\":[\"container\",\"service\",\"node\"],\"event\":[...]}&since=T\n"
	       "  (held open; a container start/die/destroy/kill of a swarm task, a service create/update/\n"
	       "  remove or a node update/remove lists again, 200 ms after the last of a burst, at most 1 s\n"
	       "  after its first). Nothing else, and no request at all while nothing happens.\n"
	       "\n"
	       "  -v      log every Docker API call and relevant event on stderr\n"
	       "  --once  print the first line and exit (0 for a table, 1 for an error line); stdin\n"
	       "          is not watched then\n"
	       "\n"
	       "Runs until stdin reaches EOF, SIGTERM or SIGINT (exit 0); exit 1 when stdout cannot be\n"
	       "written, 2 for bad usage. Log lines go to stderr.\n");
}

int main(int argc, char **argv)
{
	struct run *r = calloc(1, sizeof(*r));
	struct sigaction sa;
	int verbose = 0, rc;

	if (!r) {
		fprintf(stderr, "rds-discover: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) {
			verbose = 1;
		} else if (!strcmp(argv[i], "--once")) {
			r->once = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
			free(r);
			return 0;
		} else {
			fprintf(stderr,
				"rds-discover: unknown argument '%s'\nusage: rds-discover [-v] [--once] "
				"(--help says more)\n",
				argv[i]);
			free(r);
			return 2;
		}
	}
	rds_log_init(verbose ? RDS_LOG_DEBUG : RDS_LOG_INFO, 0);
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		fprintf(stderr, "rds-discover: pipe: %s\n", strerror(errno));
		free(r);
		return 1;
	}
	r->wake[r->n_wake++] = sig_pipe[0];
	if (!r->once)
		r->wake[r->n_wake++] = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a wait must wake at once */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
	    signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		fprintf(stderr, "rds-discover: sigaction: %s\n", strerror(errno));
		free(r);
		return 1;
	}
	rc = run(r);
	docker_close(r->d);
	free(r->last);
	free(r);
	if (rc == RUN_STDOUT)
		return 1;
	return rc < 0 && rc != RUN_STOP ? 1 : 0;
}
