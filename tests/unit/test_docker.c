/* Unit tests for docker_json, http and docker without a real daemon.
 * tests/data/docker/ holds real answers recorded from a two-node swarm of
 * dockerd 20.10.24 (API 1.41): node sidj2538... is the manager, tg51krdc...
 * the worker; services capdb (3 replicas: slots 1 and 2 on the worker, 3 on
 * the manager, plus shut-down history after an update), capdb2, capstack_db,
 * caponly2 (constrained to the worker), capfail (exits 1), capzero (0
 * replicas). JSON was pretty-printed, content unchanged. A forked fake
 * daemon on a unix socket replays those answers to drive docker_open and
 * docker_exec_in_service end to end, and hangs to test timeouts and cancel. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "docker_json.h"
#include "http.h"
#include "t.h"
#include "util.h"

#define DATA "tests/data/docker/"
#define MANAGER "sidj253811og8tawzh825nxyc"
#define WORKER "tg51krdcaxkryzuac9qq2ckao"

static json_t *load(const char *name)
{
	json_error_t e;
	char path[256];
	json_t *js;

	snprintf(path, sizeof(path), DATA "%s", name);
	js = json_load_file(path, 0, &e);
	if (!js) {
		printf("Bail out! %s: %s (run from the repository root)\n", path, e.text);
		exit(1);
	}
	return js;
}

static void test_version(void)
{
	const char *cases[][3] = {
		{ "{\"ApiVersion\":\"1.52\",\"MinAPIVersion\":\"1.44\"}", "1.44", "Docker 29: its minimum" },
		{ "{\"ApiVersion\":\"1.50\",\"MinAPIVersion\":\"1.24\"}", "1.41", "Docker 28: capped at 1.41" },
		{ "{\"ApiVersion\":\"1.30\",\"MinAPIVersion\":\"1.12\"}", "1.30", "older daemon: its own" },
		{ "{\"ApiVersion\":\"1.24\"}", "1.24", "1.24 is the oldest accepted" },
	};
	json_t *js = load("version.json");
	char v[16], err[256];
	int rc;

	rc = dj_api_version(js, v, sizeof(v), err, sizeof(err));
	CHECK(rc == 0 && strcmp(v, "1.41") == 0, "recorded 20.10 /version: speak 1.41");
	json_decref(js);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		js = json_loads(cases[i][0], 0, NULL);
		rc = dj_api_version(js, v, sizeof(v), err, sizeof(err));
		CHECK(rc == 0 && strcmp(v, cases[i][1]) == 0, "%s -> %s", cases[i][2], cases[i][1]);
		json_decref(js);
	}
	js = json_loads("{\"ApiVersion\":\"1.23\"}", 0, NULL);
	rc = dj_api_version(js, v, sizeof(v), err, sizeof(err));
	CHECK(rc == DOCKER_E_VERSION && strstr(err, "1.23") && strstr(err, "1.24"),
	      "1.23 refused, naming both versions: %s", err);
	json_decref(js);
	js = json_loads("{\"ApiVersion\":\"2\"}", 0, NULL);
	CHECK_INT(dj_api_version(js, v, sizeof(v), err, sizeof(err)), DOCKER_E_API, "garbage ApiVersion");
	json_decref(js);
}

static void test_info(void)
{
	struct dj_swarm sw;
	char err[512];
	json_t *js = load("info-manager.json");

	CHECK(dj_swarm_info(js, &sw, err, sizeof(err)) == 0 && sw.manager == 1, "manager /info");
	CHECK_STR(sw.node_id, MANAGER, "manager node id");
	json_decref(js);
	js = load("info-worker.json");
	CHECK(dj_swarm_info(js, &sw, err, sizeof(err)) == 0 && sw.manager == 0, "worker /info: not a manager");
	CHECK_STR(sw.node_id, WORKER, "worker node id");
	json_decref(js);
	js = load("info-inactive.json");
	CHECK(dj_swarm_info(js, &sw, err, sizeof(err)) == DOCKER_E_NOT_SWARM && strstr(err, "'inactive'"),
	      "daemon outside a swarm: %s", err);
	json_decref(js);
}

static void test_services(void)
{
	json_t *pre = load("services-prefix.json"), *all = load("services-all.json");
	char id[DJ_ID_MAX + 1] = "", near[512];

	CHECK_INT(json_array_size(pre), 2, "the API's name filter matches prefixes: capdb finds 2");
	CHECK(dj_pick_service(pre, "capdb", id) == 0 && strcmp(id, "petnvzepb9jozazqylfl841rw") == 0,
	      "exact name picked among prefix matches");
	CHECK(dj_pick_service(pre, "capdb2", id) == 0 && strcmp(id, "sxkmcdreubiawhf59bbelol2u") == 0,
	      "the longer name too");
	CHECK_INT(dj_pick_service(pre, "capd", id), -1, "a prefix is not a name");
	CHECK_INT(dj_pick_service(all, "", id), -1, "empty name matches nothing");
	dj_near_services(all, "capd", near, sizeof(near));
	CHECK_STR(near, "; services with that prefix: capdb, capdb2", "suggestions for a prefix");
	json_t *rev = json_array();
	for (size_t i = json_array_size(all); i > 0; i--)
		json_array_append(rev, json_array_get(all, i - 1));
	dj_near_services(rev, "capd", near, sizeof(near));
	CHECK_STR(near, "; services with that prefix: capdb, capdb2", "suggestions sorted, whatever the API's order");
	json_decref(rev);
	dj_near_services(all, "db", near, sizeof(near));
	CHECK_STR(near, "; services with a stack prefix: capstack_db", "suggestion for a missing stack prefix");
	dj_near_services(all, "capdb", near, sizeof(near));
	CHECK_STR(near, "; services with that prefix: capdb2", "the name itself is not suggested");
	dj_near_services(all, "nothing", near, sizeof(near));
	CHECK_STR(near, "", "no suggestion");
	dj_near_services(all, "cap", near, 40);
	CHECK(strlen(near) == 39, "suggestions bounded by the buffer");
	json_decref(pre);
	json_decref(all);
}

static void test_tasks(void)
{
	json_t *js = load("tasks-capdb.json"), *rev = json_array();
	struct dj_task t;
	char others[256];
	int rc;

	rc = dj_pick_task(js, MANAGER, NULL, &t, others, sizeof(others));
	CHECK(rc == 0 && t.slot == 3 && strcmp(t.id, "moe0ry1fc6hj941gjf7f85sj9") == 0,
	      "manager: its own task (slot 3) over lower slots on the worker");
	CHECK_STR(t.container_id, "3e662e8083ef5c3a140388f051f6a35d529a95995c63ced2e07fd35f319664a4",
		  "its container id");
	rc = dj_pick_task(js, WORKER, NULL, &t, others, sizeof(others));
	CHECK(rc == 0 && t.slot == 1 && strcmp(t.id, "402zvv70v7r8fde8elt213kad") == 0,
	      "worker node: lowest slot of its two");
	for (size_t i = json_array_size(js); i > 0; i--)
		json_array_append(rev, json_array_get(js, i - 1));
	rc = dj_pick_task(rev, WORKER, NULL, &t, others, sizeof(others));
	CHECK(rc == 0 && t.slot == 1, "same pick whatever the order of the answer");
	rc = dj_pick_task(js, WORKER, "c70b0b95c7a1", &t, others, sizeof(others));
	CHECK(rc == 0 && t.slot == 2 && strcmp(t.id, "l8cj9g7ogdhx0mi83wlh49o0f") == 0,
	      "worker node, slot 2's container preferred (12-character prefix): taken over slot 1");
	rc = dj_pick_task(js, MANAGER, "c70b0b95c7a1e896bc2cb55ae8ea72d9a80bb0a941e6d7458b81f8fc30a0c9fc", &t, others,
			  sizeof(others));
	CHECK(rc == 0 && t.slot == 3, "manager: a preferred container on another node is not taken");
	rc = dj_pick_task(js, WORKER, "c70b0b95c7a", &t, others, sizeof(others));
	CHECK(rc == 0 && t.slot == 1, "a prefix shorter than 12 characters is no preference");
	rc = dj_pick_task(js, WORKER, "0000000000000000", &t, others, sizeof(others));
	CHECK(rc == 0 && t.slot == 1, "a preferred container that is gone: the usual choice");
	rc = dj_pick_task(js, "othernode", NULL, &t, others, sizeof(others));
	CHECK(rc == DOCKER_E_OTHER_NODE && strcmp(others, WORKER ", " MANAGER) == 0,
	      "on a third node: other nodes named once each: %s", others);
	json_decref(js);
	json_decref(rev);

	js = load("tasks-capdb-all.json");
	CHECK_INT(json_array_size(js), 6, "unfiltered: 3 running + 3 shut down");
	rc = dj_pick_task(js, MANAGER, NULL, &t, others, sizeof(others));
	CHECK(rc == 0 && strcmp(t.id, "moe0ry1fc6hj941gjf7f85sj9") == 0, "shut-down tasks ignored");
	json_decref(js);
	js = load("tasks-caponly2.json");
	rc = dj_pick_task(js, MANAGER, NULL, &t, others, sizeof(others));
	CHECK(rc == DOCKER_E_OTHER_NODE && strcmp(others, WORKER) == 0, "caponly2 runs on the worker only");
	json_decref(js);
	js = load("tasks-capfail.json");
	CHECK_INT(dj_pick_task(js, MANAGER, NULL, &t, others, sizeof(others)), DOCKER_E_NO_TASK,
		  "a task still preparing is not running");
	json_decref(js);
	js = load("tasks-capzero.json");
	CHECK_INT(dj_pick_task(js, MANAGER, NULL, &t, others, sizeof(others)), DOCKER_E_NO_TASK, "0 replicas");
	json_decref(js);
}

static void test_containers_exec(void)
{
	json_t *js = load("containers-worker.json");
	struct dj_task t;
	int running = -2, code = -2;
	char msg[256];

	CHECK(dj_pick_container(js, "capdb", NULL, &t) == 0 && t.slot == 1 &&
		      strcmp(t.id, "402zvv70v7r8fde8elt213kad") == 0 && strcmp(t.node_id, WORKER) == 0,
	      "worker: lowest slot from container labels");
	CHECK_INT(dj_pick_container(js, "capd", NULL, &t), DOCKER_E_NO_TASK, "label must match exactly");
	CHECK(dj_pick_container(js, "capdb", "c70b0b95c7a1e896", &t) == 0 && t.slot == 2,
	      "worker: the preferred container (slot 2) over the lowest slot");
	CHECK(dj_pick_container(js, "capdb", "3e662e8083ef5c3a", &t) == 0 && t.slot == 1,
	      "worker: a preferred container not among its own: the lowest slot");
	CHECK(dj_pick_container(js, "capdb2", "c70b0b95c7a1e896", &t) == DOCKER_E_NO_TASK,
	      "a preferred container of another service is not taken");
	CHECK(dj_task_slot("capdb.2.l8cj9g7ogdhx0mi83wlh49o0f", "capdb") == 2 &&
		      dj_task_slot("g.tg51krdcaxkryzuac9qq2ckao.abc", "g") == 0 &&
		      dj_task_slot("g.3uysa6rhysv2podtpvsxv3xwt.abc", "g") == 0 && dj_task_slot("g. 2.abc", "g") == 0 &&
		      dj_task_slot("g.+2.abc", "g") == 0 && dj_task_slot("gg.2.abc", "g") == 0 &&
		      dj_task_slot(NULL, "g") == 0,
	      "slots from task names: global (node id, even one starting with a digit), malformed, other service");
	json_decref(js);
	const char *cases[][3] = { { "exec-inspect-created.json", "0", "-1" },
				   { "exec-inspect-running.json", "1", "-1" },
				   { "exec-inspect-exit3.json", "0", "3" },
				   { "exec-inspect-notfound.json", "0", "126" } };
	for (size_t i = 0; i < 4; i++) {
		js = load(cases[i][0]);
		CHECK(dj_exec_state(js, &running, &code) == 0 && running == atoi(cases[i][1]) &&
			      code == atoi(cases[i][2]),
		      "%s: Running %s, ExitCode %s", cases[i][0], cases[i][1], cases[i][2]);
		json_decref(js);
	}
	js = load("exec-create.json");
	CHECK_INT(dj_exec_state(js, &running, &code), DOCKER_E_API, "no Running field");
	json_decref(js);
	dj_error_message("{\"message\":\"No such container: 0000\"}\n", msg, sizeof(msg));
	CHECK_STR(msg, "No such container: 0000", "daemon error message");
	dj_error_message("proxy says\nno\n", msg, sizeof(msg));
	CHECK_STR(msg, "proxy says no", "non-JSON error body as one line");
	CHECK(dj_id_ok("3e662e8083ef") && !dj_id_ok("") && !dj_id_ok("../x") && !dj_id_ok("ABC"), "ids safe for URLs");
}

/* ---- a fake daemon on a unix socket, replaying recorded answers ---- */

enum kind { K_JSON, K_STREAM, K_HANG, K_STREAM_HANG, K_BIG };

struct route {
	const char *method, *prefix; /* first route whose prefix starts the path wins */
	int status;
	enum kind kind;
	const char *body; /* a file in DATA, or inline JSON when it starts with '{' */
};

static char fake_sock[108], fake_log[128];

static void put(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Reads one request; logs "METHOD PATH BODY" to fake_log. */
static int read_request(int fd, char *method, char *path, size_t pathlen)
{
	char buf[16384], *hend, *cl, *sp1, *sp2;
	size_t n = 0, want;
	FILE *log;

	while (!(hend = memmem(buf, n, "\r\n\r\n", 4))) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			return -1;
		n += (size_t)r;
	}
	buf[n] = '\0';
	cl = strcasestr(buf, "Content-Length:");
	want = (size_t)(hend + 4 - buf) + (cl && cl < hend ? strtoul(cl + 15, NULL, 10) : 0);
	while (n < want && n < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			return -1;
		n += (size_t)r;
	}
	buf[n] = '\0';
	sp1 = strchr(buf, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp2 || sp1 - buf >= 16 || (size_t)(sp2 - sp1 - 1) >= pathlen)
		return -1;
	snprintf(method, 16, "%.*s", (int)(sp1 - buf), buf);
	snprintf(path, pathlen, "%.*s", (int)(sp2 - sp1 - 1), sp1 + 1);
	if ((log = fopen(fake_log, "a"))) {
		fprintf(log, "%s %s %s\n", method, path, hend + 4);
		fclose(log);
	}
	return 0;
}

static void serve(int fd, const struct route *routes)
{
	char method[16], path[2048], head[256], *body = NULL;
	const struct route *r;
	size_t len = 0;

	if (read_request(fd, method, path, sizeof(path)) < 0)
		return;
	for (r = routes; r->method; r++)
		if (strcmp(r->method, method) == 0 && strncmp(path, r->prefix, strlen(r->prefix)) == 0)
			break;
	if (!r->method) {
		const char *nf = "{\"message\":\"fake: no route\"}";
		snprintf(head, sizeof(head),
			 "HTTP/1.1 404 Not Found\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", strlen(nf));
		put(fd, head, strlen(head));
		put(fd, nf, strlen(nf));
		return;
	}
	if (r->kind == K_HANG)
		for (;;)
			pause();
	if (r->kind == K_BIG) {
		static char chunk[65536];
		snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", 5 << 20);
		put(fd, head, strlen(head));
		memset(chunk, ' ', sizeof(chunk));
		for (int i = 0; i < (5 << 20) / (int)sizeof(chunk); i++)
			put(fd, chunk, sizeof(chunk));
		return;
	}
	if (r->body && r->body[0] == '{') {
		body = strdup(r->body);
		len = strlen(body);
	} else if (r->body) {
		char file[256];
		snprintf(file, sizeof(file), DATA "%s", r->body);
		if (read_file_bounded(file, 1 << 20, &body, &len) < 0)
			_exit(1);
	}
	if (r->kind == K_JSON) {
		snprintf(head, sizeof(head),
			 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: "
			 "close\r\n\r\n",
			 r->status, len);
		put(fd, head, strlen(head));
		put(fd, body, len);
	} else {
		/* As dockerd answers a hijacked exec start without Upgrade. */
		snprintf(head, sizeof(head),
			 "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n");
		put(fd, head, strlen(head));
		put(fd, body, len);
		if (r->kind == K_STREAM_HANG)
			for (;;)
				pause();
	}
	free(body);
}

static pid_t fake_start(const struct route *routes)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd;
	pid_t pid;

	snprintf(fake_sock, sizeof(fake_sock), "/tmp/rds-test-docker-%ld.sock", (long)getpid());
	snprintf(fake_log, sizeof(fake_log), "/tmp/rds-test-docker-%ld.log", (long)getpid());
	unlink(fake_sock);
	unlink(fake_log);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fake_sock);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 16) < 0) {
		printf("Bail out! fake daemon socket: %s\n", strerror(errno));
		exit(1);
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("Bail out! fork: %s\n", strerror(errno));
		exit(1);
	}
	if (pid == 0) {
		/* One process per connection (a hanging answer must not block
		 * the next request), all in one group that fake_stop kills. */
		setpgid(0, 0);
		signal(SIGPIPE, SIG_IGN);
		signal(SIGCHLD, SIG_IGN);
		for (;;) {
			int fd = accept(lfd, NULL, NULL);
			if (fd < 0)
				_exit(errno == EINTR ? 0 : 1);
			if (fork() == 0) {
				serve(fd, routes);
				_exit(0);
			}
			close(fd);
		}
	}
	setpgid(pid, pid); /* also here: no race with the first kill */
	close(lfd);
	return pid;
}

static char *fake_stop(pid_t pid)
{
	char *log = NULL;

	kill(-pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(fake_sock);
	if (read_file_bounded(fake_log, 1 << 20, &log, NULL) < 0)
		log = strdup("");
	unlink(fake_log);
	return log;
}

static char host_buf[160];

static const char *fake_host(void)
{
	snprintf(host_buf, sizeof(host_buf), "unix://%s", fake_sock);
	return host_buf;
}

struct lines {
	char buf[16384];
	size_t n;
};

static void collect(void *ud, int stream, const char *line)
{
	struct lines *l = ud;
	int w = snprintf(l->buf + l->n, sizeof(l->buf) - l->n, "%d:%.20s\n", stream, line);

	if (w > 0 && (size_t)w < sizeof(l->buf) - l->n)
		l->n += (size_t)w;
}

static volatile int cancel_flag;
static void on_alarm(int sig)
{
	(void)sig;
	cancel_flag = 1;
}

#define CID_MGR "3e662e8083ef5c3a140388f051f6a35d529a95995c63ced2e07fd35f319664a4"
#define CID_WRK "6c2889be379ce77b9251eaf4ab0b8579af31a1dab5f67db065c9c951d94289de"
#define EXEC_ID "3d2eb16d910b5d1dfd284a9d7573320c3f742f575ba8baf7d6000fed80ec64eb"

/* Runs one docker_exec_in_service against a fresh fake daemon. */
static int run_fake(const struct route *routes, const char *service, char *const argv[], long timeout_ms,
		    struct docker_exec_result *res, struct lines *out, char *err, size_t errlen, char **log,
		    long long *ms)
{
	struct docker *d = NULL;
	pid_t pid = fake_start(routes);
	long long t0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = docker_open(&d, fake_host(), err, errlen);
	t0 = mono_ms();
	if (rc == 0)
		rc = docker_exec_in_service(d, service, argv, timeout_ms, &cancel_flag, collect, out, res, err, errlen);
	*ms = mono_ms() - t0;
	docker_close(d);
	*log = fake_stop(pid);
	return rc;
}

#define R_VERSION                                              \
	{                                                      \
		"GET", "/version", 200, K_JSON, "version.json" \
	}
#define R_INFO_MGR                                                     \
	{                                                              \
		"GET", "/v1.41/info", 200, K_JSON, "info-manager.json" \
	}
#define R_SERVICES                                                             \
	{                                                                      \
		"GET", "/v1.41/services?", 200, K_JSON, "services-prefix.json" \
	}
#define R_EXEC(cid)                                                                       \
	{                                                                                 \
		"POST", "/v1.41/containers/" cid "/exec", 201, K_JSON, "exec-create.json" \
	}
#define R_START(kind, file)                                              \
	{                                                                \
		"POST", "/v1.41/exec/" EXEC_ID "/start", 200, kind, file \
	}
#define R_INSPECT(file)                                                  \
	{                                                                \
		"GET", "/v1.41/exec/" EXEC_ID "/json", 200, K_JSON, file \
	}

static void test_fake_daemon(void)
{
	char *const hook[] = { "sh", "-c", "exit 3", NULL };
	struct docker_exec_result res;
	struct lines *out = malloc(sizeof(*out));
	struct docker *d = NULL;
	char err[1024], *log = NULL;
	long long ms;
	int rc;

	const struct route mgr[] = { R_VERSION,
				     R_INFO_MGR,
				     R_SERVICES,
				     { "GET", "/v1.41/services", 200, K_JSON, "services-all.json" },
				     { "GET", "/v1.41/tasks?", 200, K_JSON, "tasks-capdb.json" },
				     R_EXEC(CID_MGR),
				     R_START(K_STREAM, "exec-stream.bin"),
				     R_INSPECT("exec-inspect-exit3.json"),
				     { NULL } };
	rc = run_fake(mgr, "capdb", hook, 5000, &res, out, err, sizeof(err), &log, &ms);
	CHECK(rc == 0 && res.exit_code == 3, "manager: hook ran, exit code 3 (%s)", rc ? err : "ok");
	CHECK(strcmp(res.container_id, CID_MGR) == 0 && res.slot == 3 && strcmp(res.node_id, MANAGER) == 0,
	      "... in the manager's own task container");
	CHECK_STR(out->buf,
		  "1:out1\n2:err1\n1:partial done\n1:crlf\n1:xxxxxxxxxxxxxxxxxxxx\n1:xxxxxxxxxxxxxxxxxxxx\n"
		  "2:no newline at end\n",
		  "... its output lines per stream");
	CHECK(strstr(log, "services?filters=%7B%22name%22%3A%5B%22capdb%22%5D%7D") != NULL,
	      "service looked up by a URL-escaped name filter");
	CHECK(strstr(log, "\"Cmd\":[\"sh\",\"-c\",\"exit 3\"]") && strstr(log, "\"AttachStdout\":true") &&
		      strstr(log, "\"Tty\":false"),
	      "exec created with argv as Cmd, output attached, no TTY");
	CHECK(strstr(log, "{\"Detach\":false,\"Tty\":false}") != NULL, "exec started attached");
	free(log);

	rc = run_fake(mgr, "capd", hook, 5000, &res, out, err, sizeof(err), &log, &ms);
	CHECK(rc == DOCKER_E_NO_SERVICE &&
		      strstr(err, "service 'capd' not found (names must be complete, including the stack prefix") &&
		      strstr(err, "services with that prefix: capdb, capdb2"),
	      "prefix only: not found, with suggestions: %s", err);
	CHECK(strstr(log, "/exec") == NULL, "... and nothing was run");
	free(log);

	const struct route other[] = { R_VERSION,
				       R_INFO_MGR,
				       R_SERVICES,
				       { "GET", "/v1.41/tasks?", 200, K_JSON, "tasks-caponly2.json" },
				       { NULL } };
	rc = run_fake(other, "capdb", hook, 5000, &res, out, err, sizeof(err), &log, &ms);
	CHECK(rc == DOCKER_E_OTHER_NODE && strstr(err, WORKER) && strstr(err, "can only exec into its own containers"),
	      "running only on another node: %s", err);
	free(log);

	const struct route none[] = { R_VERSION,
				      R_INFO_MGR,
				      R_SERVICES,
				      { "GET", "/v1.41/tasks?", 200, K_JSON, "tasks-capzero.json" },
				      { NULL } };
	rc = run_fake(none, "capdb", hook, 5000, &res, out, err, sizeof(err), &log, &ms);
	CHECK(rc == DOCKER_E_NO_TASK && strstr(err, "service 'capdb' has no running task"), "no running task: %s", err);
	free(log);

	const struct route wrk[] = { R_VERSION,
				     { "GET", "/v1.41/info", 200, K_JSON, "info-worker.json" },
				     { "GET", "/v1.41/containers/json?", 200, K_JSON, "containers-worker.json" },
				     R_EXEC(CID_WRK),
				     R_START(K_STREAM, "exec-stream-notfound.bin"),
				     R_INSPECT("exec-inspect-notfound.json"),
				     { NULL } };
	rc = run_fake(wrk, "capdb", hook, 0, &res, out, err, sizeof(err), &log, &ms);
	CHECK(rc == 0 && res.exit_code == 126 && strcmp(res.container_id, CID_WRK) == 0 && res.slot == 1,
	      "worker: container found by label, exit code 126 (%s)", rc ? err : "ok");
	CHECK(strstr(log, "/services") == NULL && strstr(log, "/tasks") == NULL,
	      "... without the manager-only endpoints");
	CHECK_STR(out->buf, "1:OCI runtime exec fai\n", "... the daemon's message shown as output");
	free(log);

	const struct route inactive[] = { R_VERSION,
					  { "GET", "/v1.41/info", 200, K_JSON, "info-inactive.json" },
					  { NULL } };
	rc = run_fake(inactive, "capdb", hook, 0, &res, out, err, sizeof(err), &log, &ms);
	CHECK(rc == DOCKER_E_NOT_SWARM, "not in a swarm: %s", err);
	free(log);

	const struct route gone[] = { R_VERSION,
				      R_INFO_MGR,
				      R_SERVICES,
				      { "GET", "/v1.41/tasks?", 200, K_JSON, "tasks-capdb.json" },
				      { "POST", "/v1.41/containers/", 404, K_JSON, "error-no-container.json" },
				      { NULL } };
	rc = run_fake(gone, "capdb", hook, 0, &res, out, err, sizeof(err), &log, &ms);
	CHECK(rc == DOCKER_E_EXEC && strstr(err, "No such container: 0000") && strstr(err, "3e662e8083ef"),
	      "container gone meanwhile: %s", err);
	free(log);

	const struct route slow[] = { R_VERSION,       R_INFO_MGR,
				      R_SERVICES,      { "GET", "/v1.41/tasks?", 200, K_JSON, "tasks-capdb.json" },
				      R_EXEC(CID_MGR), R_START(K_STREAM_HANG, "exec-stream-notfound.bin"),
				      { NULL } };
	rc = run_fake(slow, "capdb", hook, 1500, &res, out, err, sizeof(err), &log, &ms);
	CHECK(rc == DOCKER_E_TIMEOUT && strstr(err, "timed out after 1.5 s") && strstr(err, "may still be running"),
	      "hook timeout: %s", err);
	CHECK(ms >= 1450 && ms < 2000, "... after %lld ms (want ~1500)", ms);
	CHECK(out->n > 0, "... output before the timeout still shown");
	free(log);

	/* The agent keeps one connection for all its jobs: a timed-out exec
	 * must leave it usable. */
	const struct route reuse[] = { R_VERSION,       R_INFO_MGR,
				       R_SERVICES,      { "GET", "/v1.41/tasks?", 200, K_JSON, "tasks-capdb.json" },
				       R_EXEC(CID_MGR), R_START(K_STREAM_HANG, "exec-stream.bin"),
				       { NULL } };
	pid_t rpid = fake_start(reuse);
	rc = docker_open(&d, fake_host(), err, sizeof(err));
	if (rc == 0)
		rc = docker_exec_in_service(d, "capdb", hook, 300, NULL, NULL, NULL, &res, err, sizeof(err));
	CHECK_INT(rc, DOCKER_E_TIMEOUT, "first exec on a kept connection times out");
	if (d)
		rc = docker_exec_in_service(d, "capd", hook, 2000, NULL, NULL, NULL, &res, err, sizeof(err));
	CHECK(rc == DOCKER_E_NO_SERVICE, "the same connection answers the next call: %s", err);
	docker_close(d);
	d = NULL;
	free(fake_stop(rpid));

	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { 0, 300000 } };
	sigaction(SIGALRM, &sa, NULL);
	cancel_flag = 0;
	long long t0 = mono_ms();
	setitimer(ITIMER_REAL, &it, NULL);
	rc = run_fake(slow, "capdb", hook, 0, &res, out, err, sizeof(err), &log, &ms);
	ms = mono_ms() - t0;
	CHECK(rc == DOCKER_E_CANCELLED && strstr(err, "interrupted after"), "cancelled: %s", err);
	CHECK(ms >= 290 && ms < 600, "... %lld ms after a 300 ms alarm", ms);
	cancel_flag = 0;
	free(log);

	const struct route hang[] = { R_VERSION, { "GET", "/v1.41/info", 200, K_HANG, NULL }, { NULL } };
	rc = run_fake(hang, "capdb", hook, 300, &res, out, err, sizeof(err), &log, &ms);
	CHECK(rc == DOCKER_E_TIMEOUT && strstr(err, "before the hook started"), "daemon hangs: %s", err);
	free(log);

	const struct route old[] = { { "GET", "/version", 200, K_JSON, "{\"ApiVersion\":\"1.20\"}" }, { NULL } };
	pid_t pid = fake_start(old);
	rc = docker_open(&d, fake_host(), err, sizeof(err));
	CHECK(rc == DOCKER_E_VERSION && d == NULL, "docker_open refuses API 1.20: %s", err);
	free(fake_stop(pid));

	const struct route big[] = { { "GET", "/big", 200, K_BIG, NULL }, { NULL } };
	struct http *h = NULL;
	struct http_req req = { .method = "GET", .path = "/big", .timeout_ms = 10000 };
	char *body = NULL;
	long status = 0;
	pid = fake_start(big);
	rc = http_open(&h, fake_host(), err, sizeof(err));
	if (rc == 0)
		rc = http_fetch(h, &req, HTTP_JSON_MAX, &status, &body, NULL, err, sizeof(err));
	CHECK(rc == HTTP_E_TOO_BIG && body == NULL && strstr(err, "larger than 4194304 bytes"),
	      "5 MiB answer refused: %s", err);
	http_close(h);
	free(fake_stop(pid));
	free(out);
}

struct follow_seen {
	size_t bytes;
	int ticks, stop_after, relisted;
	struct docker *d;
};

static int follow_sink(void *ud, const char *data, size_t len)
{
	struct follow_seen *f = ud;

	(void)data;
	f->bytes += len;
	return 0;
}

/* Stops after stop_after ticks; on the second tick makes a JSON call on the
 * same struct docker, as rds-discover lists from inside its stream. */
static int follow_tick(void *ud)
{
	struct follow_seen *f = ud;
	char err[256];
	json_t *js = NULL;

	if (++f->ticks == 2 && docker_get_json(f->d, "/v1.41/info", JSON_OBJECT, &js, err, sizeof(err)) == 0)
		f->relisted = json_is_object(json_object_get(js, "Swarm"));
	json_decref(js);
	return f->ticks >= f->stop_after;
}

/* A wait without ticks: until the wake fd (written by SIGALRM) is readable.
 * A few ticks come as the stream starts (and when libcurl's own connect
 * timers, 200 ms and 10 s, expire), none every 100 ms: 15 in the 1.5 s. */
static int wake_pipe[2] = { -1, -1 };

static void on_wake_alarm(int sig)
{
	(void)sig;
	if (write(wake_pipe[1], "", 1) < 0) {
		/* the test then sees no wake */
	}
}

static long wait_forever(void *ud)
{
	(void)ud;
	return -1;
}

static int wake_tick(void *ud)
{
	struct follow_seen *f = ud;
	struct pollfd p = { .fd = wake_pipe[0], .events = POLLIN };

	f->ticks++;
	return poll(&p, 1, 0) > 0;
}

static void check_follow_wait(struct docker *d)
{
	struct follow_seen f = { .d = d };
	struct itimerval it = { .it_value = { 1, 500000 } };
	struct sigaction sa = { .sa_handler = on_wake_alarm }, old;
	char err[512] = "";
	long long t0, ms;
	int rc;

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0 || sigaction(SIGALRM, &sa, &old) < 0) {
		CHECK(0, "pipe2 and sigaction");
		return;
	}
	t0 = mono_ms();
	setitimer(ITIMER_REAL, &it, NULL);
	rc = docker_follow(d, "/v1.41/events?x", follow_sink, wake_tick, wait_forever, wake_pipe, 1, &f, err,
			   sizeof(err));
	ms = mono_ms() - t0;
	CHECK(rc == DOCKER_E_CANCELLED && ms >= 1450 && ms < 4000 && f.ticks <= 8,
	      "docker_follow with a wait function: no tick while nothing arrives (%d ticks in %lld ms), "
	      "the wake fd ends the wait (%s)",
	      f.ticks, ms, rc ? err : "rc 0");
	sigaction(SIGALRM, &old, NULL);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
}

/* docker_get_json, docker_follow and docker_exec_prefer against the fake. */
static void test_follow_prefer(void)
{
	char *const hook[] = { "true", NULL };
	const struct route routes[] = { R_VERSION,
					{ "GET", "/v1.41/info", 200, K_JSON, "info-worker.json" },
					{ "GET", "/v1.41/events?", 200, K_STREAM_HANG, "exec-stream.bin" },
					{ "GET", "/v1.41/ended", 200, K_STREAM, "exec-stream.bin" },
					{ "GET", "/v1.41/containers/json?", 200, K_JSON, "containers-worker.json" },
					R_EXEC("c70b0b95c7a1e896bc2cb55ae8ea72d9a80bb0a941e6d7458b81f8fc30a0c9fc"),
					R_START(K_STREAM, "exec-stream-notfound.bin"),
					R_INSPECT("exec-inspect-notfound.json"),
					{ NULL } };
	struct follow_seen f = { .stop_after = 5 };
	struct docker_exec_result res;
	struct docker *d = NULL;
	char err[1024] = "", path[256], *log;
	json_t *js = NULL, *flt = NULL;
	long long t0;
	int rc;
	pid_t pid = fake_start(routes);

	/* After the fork: the fake's processes must not inherit it. */
	flt = json_pack("{s:[s]}", "type", "container");

	rc = docker_open(&d, fake_host(), err, sizeof(err));
	CHECK(rc == 0, "docker_open on the fake (%s)", err);
	if (rc != 0)
		goto out;
	CHECK(docker_filter_path(d, "/events", flt, "since=12.5", path, sizeof(path)) == 0 &&
		      strcmp(path, "/v1.41/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D&since=12.5") == 0,
	      "docker_filter_path: prefix, escaped filters, the extra parameter: %s", path);
	CHECK(docker_filter_path(d, "/events", flt, NULL, path, 20) == -1, "docker_filter_path: too long is -1");
	rc = docker_get_json(d, "/v1.41/info", JSON_OBJECT, &js, err, sizeof(err));
	CHECK(rc == 0 && js, "docker_get_json: /info");
	json_decref(js);
	js = NULL;
	rc = docker_get_json(d, "/v1.41/info", JSON_ARRAY, &js, err, sizeof(err));
	CHECK(rc == DOCKER_E_API && !js && strstr(err, "unexpected answer"), "docker_get_json: wrong type: %s", err);
	rc = docker_get_json(d, "/v1.41/nothing", JSON_OBJECT, &js, err, sizeof(err));
	CHECK(rc == DOCKER_E_API && strstr(err, "answered 404: fake: no route"), "docker_get_json: 404: %s", err);
	f.d = d;
	t0 = mono_ms();
	rc = docker_follow(d, "/v1.41/events?x", follow_sink, follow_tick, NULL, NULL, 0, &f, err, sizeof(err));
	CHECK(rc == DOCKER_E_CANCELLED && f.bytes > 0 && f.ticks == 5 && mono_ms() - t0 < 2000,
	      "docker_follow: the stream's bytes reach the sink, 5 ticks, then the tick ends it (%lld ms)",
	      mono_ms() - t0);
	CHECK(f.relisted, "... a JSON call on the same struct docker from inside the tick");
	check_follow_wait(d);
	f = (struct follow_seen){ .stop_after = 1000000, .d = d };
	rc = docker_follow(d, "/v1.41/ended", follow_sink, follow_tick, NULL, NULL, 0, &f, err, sizeof(err));
	CHECK(rc == 0 && f.bytes > 0, "docker_follow: a stream the daemon ends returns 0");
	rc = docker_follow(d, "/v1.41/nothing", follow_sink, NULL, NULL, NULL, 0, &f, err, sizeof(err));
	CHECK(rc == DOCKER_E_API && strstr(err, "answered 404: fake: no route"), "docker_follow: 404: %s", err);
	rc = docker_exec_prefer(d, "capdb", "c70b0b95c7a1", hook, 5000, NULL, NULL, NULL, &res, err, sizeof(err));
	CHECK(rc == 0 && res.slot == 2 && strncmp(res.container_id, "c70b0b95c7a1", 12) == 0,
	      "worker: docker_exec_prefer ran in the preferred slot 2 container (%s)", rc ? err : "ok");
out:
	json_decref(flt);
	docker_close(d);
	log = fake_stop(pid);
	free(log);
}

static void test_host_errors(void)
{
	struct docker *d = NULL;
	char err[512];
	int rc;

	rc = docker_open(&d, "unix:///nonexistent/docker.sock", err, sizeof(err));
	CHECK(rc == DOCKER_E_HOST && d == NULL, "missing socket: DOCKER_E_HOST");
	CHECK_STR(err,
		  "DOCKER_HOST unix:///nonexistent/docker.sock: cannot connect: No such file or directory"
		  " - mount the Docker socket or set DOCKER_HOST",
		  "missing socket: message");
	rc = docker_open(&d, "tcp://127.0.0.1:1", err, sizeof(err));
	CHECK(rc == DOCKER_E_HOST && strstr(err, "DOCKER_HOST tcp://127.0.0.1:1: cannot connect: Connection refused"),
	      "tcp refused: %s", err);
	const char *bad[] = { "ssh://user@host",      "npipe:////./pipe/docker_engine",
			      "https://x:2376",       "tcp://a b:1",
			      "tcp://host:0",         "tcp://host:99999",
			      "tcp://host:1/path",    "tcp://",
			      "unix://relative.sock", "fd://" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = docker_open(&d, bad[i], err, sizeof(err));
		CHECK(rc == DOCKER_E_HOST && strncmp(err, "DOCKER_HOST ", 12) == 0 && strstr(err, bad[i]),
		      "refused: %s", err);
	}
	setenv("DOCKER_TLS_VERIFY", "1", 1);
	rc = docker_open(&d, "tcp://127.0.0.1:2376", err, sizeof(err));
	CHECK(rc == DOCKER_E_HOST && strstr(err, "TLS is not supported"), "TLS asked for: %s", err);
	unsetenv("DOCKER_TLS_VERIFY");
	setenv("DOCKER_HOST", "unix:///nonexistent/env.sock", 1);
	rc = docker_open(&d, NULL, err, sizeof(err));
	CHECK(rc == DOCKER_E_HOST && strstr(err, "unix:///nonexistent/env.sock"), "DOCKER_HOST from the environment");
	setenv("DOCKER_HOST", "", 1);
	rc = docker_open(&d, NULL, err, sizeof(err));
	CHECK(rc == 0 || strstr(err, "DOCKER_HOST unix:///var/run/docker.sock: "),
	      "empty DOCKER_HOST: the default socket");
	docker_close(d);
	unsetenv("DOCKER_HOST");
}

int main(void)
{
	test_version();
	test_info();
	test_services();
	test_tasks();
	test_containers_exec();
	test_host_errors();
	test_follow_prefer();
	test_fake_daemon();
	return T_DONE();
}
