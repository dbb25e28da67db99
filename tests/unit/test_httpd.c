/* Unit tests for the httpd server: real clients on 127.0.0.1, the server
 * driven by a small poll loop as the agent's would, with a simulated clock
 * (now) so that deadlines are tested without waiting for them. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpd.h"
#include "t.h"

static long long now = 1000000; /* the simulated monotonic clock, ms */

struct text {
	const char *s; /* the rendered body; NULL: render fails */
	size_t big;    /* else a body of this many 'm' */
	int calls;
};

static int render(void *ud, char **body, size_t *len)
{
	struct text *t = ud;

	t->calls++;
	if (!t->s && !t->big)
		return -1;
	*len = t->big ? t->big : strlen(t->s);
	*body = malloc(*len ? *len : 1);
	if (!*body)
		return -1;
	if (t->big)
		memset(*body, 'm', *len);
	else
		memcpy(*body, t->s, *len);
	return 0;
}

/* One turn of the caller's loop: poll what the server wants (at most
 * wait_ms), then let it work at the simulated now. */
static void turn(struct httpd *h, struct text *t, int wait_ms)
{
	struct pollfd fds[HTTPD_NFDS + 1];
	int n = httpd_pollfds(h, fds + 1, HTTPD_NFDS) + 1;

	fds[0] = (struct pollfd){ .fd = -1 }; /* one of the caller's own: ignored */
	if (poll(fds, (nfds_t)n, wait_ms) < 0)
		for (int i = 0; i < n; i++)
			fds[i].revents = 0;
	httpd_service(h, fds, n, now, render, t);
}

static int nconn(const struct httpd *h, enum httpd_conn_state st)
{
	int n = 0;

	for (int i = 0; i < HTTPD_MAX_CONN; i++)
		n += h->conn[i].state == st;
	return n;
}

/* Turns until every connection is gone (bounded). */
static void settle(struct httpd *h, struct text *t)
{
	for (int i = 0; i < 200 && nconn(h, HTTPD_FREE) < HTTPD_MAX_CONN; i++)
		turn(h, t, 5);
}

static int client(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		abort();
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		abort();
	return fd;
}

/* What fd has to read now, appended to buf (cap bytes, NUL-kept). Returns
 * 1 at its end of file (or reset), else 0. */
static int drain(int fd, char *buf, size_t cap, size_t *len)
{
	for (;;) {
		char sink[65536];
		ssize_t r = recv(fd, sink, sizeof(sink), 0);

		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : 1;
		if (r == 0)
			return 1;
		if (*len + (size_t)r < cap) {
			memcpy(buf + *len, sink, (size_t)r);
			*len += (size_t)r;
			buf[*len] = '\0';
		}
	}
}

/* Sends req[0..n) on a new connection, then turns the server until the
 * response has ended. The response goes into resp (cap bytes). */
static void exchange(struct httpd *h, struct text *t, const char *req, size_t n, char *resp, size_t cap)
{
	int fd = client(h->port), eof = 0;
	size_t len = 0, off = 0;

	resp[0] = '\0';
	for (int i = 0; i < 400 && !eof; i++) {
		if (off < n) {
			ssize_t w = send(fd, req + off, n - off, MSG_NOSIGNAL);
			if (w > 0)
				off += (size_t)w;
		}
		turn(h, t, 5);
		eof = drain(fd, resp, cap, &len);
	}
	close(fd);
	settle(h, t);
}

static int status_of(const char *resp)
{
	int st = 0;

	return sscanf(resp, "HTTP/1.1 %d ", &st) == 1 ? st : 0;
}

static const char *body_of(const char *resp)
{
	const char *b = strstr(resp, "\r\n\r\n");

	return b ? b + 4 : "";
}

/* A header line of resp's head, e.g. "Connection: close". */
static int has(const char *resp, const char *line)
{
	size_t hl = (size_t)(body_of(resp) - resp), n = strlen(line);

	for (const char *p = strstr(resp, "\r\n"); p && (size_t)(p - resp) < hl; p = strstr(p + 2, "\r\n"))
		if (!strncmp(p + 2, line, n) && !strncmp(p + 2 + n, "\r\n", 2))
			return 1;
	return 0;
}

/* Content-Length equals the body (a HEAD: no body), Connection: close. */
static int well_formed(const char *resp, int head)
{
	char cl[64];
	size_t blen = strlen(body_of(resp));
	const char *p = strstr(resp, "\r\nContent-Length: ");

	if (!p || sscanf(p, "\r\nContent-Length: %63[0-9]", cl) != 1)
		return 0;
	if (head ? blen != 0 : strtoul(cl, NULL, 10) != blen)
		return 0;
	return has(resp, "Connection: close");
}

static char *resp; /* RESP_MAX bytes */
#define RESP_MAX (1 << 20)

#define SEND(h, t, s) exchange(h, t, s, strlen(s), resp, RESP_MAX)

static void test_answers(struct httpd *h)
{
	struct text t = { "up 1\nx{a=\"b\"} 2\n", 0, 0 };

	SEND(h, &t, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	CHECK_INT(status_of(resp), 200, "GET /metrics: 200");
	CHECK_STR(body_of(resp), "up 1\nx{a=\"b\"} 2\n", "the rendered body");
	CHECK(has(resp, "Content-Type: text/plain; version=0.0.4; charset=utf-8"), "Prometheus' content type");
	CHECK(has(resp, "Content-Length: 16"), "its length");
	CHECK(well_formed(resp, 0), "Connection: close");
	CHECK(strstr(resp, "\r\nDate: ") && strstr(resp, " GMT\r\n"), "a Date");
	CHECK_INT(t.calls, 1, "rendered once");
	CHECK_INT(h->served, 1, "counted as served");

	SEND(h, &t, "HEAD /metrics HTTP/1.1\r\n\r\n");
	CHECK_INT(status_of(resp), 200, "HEAD /metrics: 200");
	CHECK(has(resp, "Content-Length: 16") && !*body_of(resp), "the length of the body, not the body");
	CHECK(well_formed(resp, 1), "HEAD well formed");

	SEND(h, &t, "GET /metrics?name[]=up HTTP/1.0\n\n");
	CHECK_INT(status_of(resp), 200, "HTTP/1.0, bare LF and a query string: 200");
	SEND(h, &t, "GET http://localhost:9469/metrics HTTP/1.1\r\n\r\n");
	CHECK_INT(status_of(resp), 200, "absolute-form: 200");
	CHECK_INT(t.calls, 4, "rendered for each");

	SEND(h, &t, "GET / HTTP/1.1\r\n\r\n");
	CHECK_INT(status_of(resp), 404, "GET /: 404");
	CHECK(well_formed(resp, 0) && strstr(body_of(resp), "/metrics"), "a text naming /metrics");
	CHECK(has(resp, "Content-Type: text/plain; charset=utf-8"), "plain text");
	SEND(h, &t, "GET /metrics/ HTTP/1.1\r\n\r\n");
	CHECK_INT(status_of(resp), 404, "/metrics/: 404");
	SEND(h, &t, "HEAD /nothing HTTP/1.1\r\n\r\n");
	CHECK(status_of(resp) == 404 && well_formed(resp, 1), "HEAD of another path: 404 without a body");
	SEND(h, &t, "POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
	CHECK_INT(status_of(resp), 405, "POST /metrics: 405");
	CHECK(has(resp, "Allow: GET, HEAD") && well_formed(resp, 0), "with Allow");
	SEND(h, &t, "get /metrics HTTP/1.1\r\n\r\n");
	CHECK_INT(status_of(resp), 405, "methods are case-sensitive");
	SEND(h, &t, "hello\r\n\r\n");
	CHECK(status_of(resp) == 400 && well_formed(resp, 0), "malformed: 400");
	SEND(h, &t, "GET / HTTP/1.1\r\nbad header\r\n");
	CHECK_INT(status_of(resp), 400, "a bad header line: 400 before the head ends");
	SEND(h, &t, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
	CHECK(status_of(resp) == 505 && well_formed(resp, 0), "HTTP/2 preface: 505");
	SEND(h, &t, "GET /metrics HTTP/3.0\r\n\r\n");
	CHECK_INT(status_of(resp), 505, "HTTP/3.0: 505");
	CHECK_INT(t.calls, 4, "render is called for /metrics GET and HEAD only");

	t.s = NULL;
	SEND(h, &t, "GET /metrics HTTP/1.1\r\n\r\n");
	CHECK(status_of(resp) == 500 && well_formed(resp, 0), "render fails: 500");
	t.s = "";
	SEND(h, &t, "GET /metrics HTTP/1.1\r\n\r\n");
	CHECK(status_of(resp) == 200 && has(resp, "Content-Length: 0"), "an empty body");
	CHECK_INT(h->served, 15, "every response sent in full counted");
	CHECK_INT(h->timed_out + h->refused, 0, "none timed out or refused");
}

static void test_split(struct httpd *h)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n";
	struct text t = { "split 1\n", 0, 0 };
	int fd = client(h->port), eof = 0;
	size_t len = 0;

	resp[0] = '\0';
	for (size_t i = 0; i < sizeof(req) - 1; i++) {
		if (send(fd, req + i, 1, MSG_NOSIGNAL) != 1)
			break;
		turn(h, &t, 1);
		turn(h, &t, 0);
	}
	for (int i = 0; i < 100 && !eof; i++) {
		turn(h, &t, 5);
		eof = drain(fd, resp, RESP_MAX, &len);
	}
	CHECK(status_of(resp) == 200 && !strcmp(body_of(resp), "split 1\n"), "a head sent a byte at a time: 200");
	close(fd);
	settle(h, &t);
}

static void test_oversized(struct httpd *h)
{
	struct text t = { "x 1\n", 0, 0 };
	size_t n = 3 * HTTPD_HEAD_MAX;
	char *req = malloc(n);

	if (!req)
		abort();
	memset(req, 'a', n);
	memcpy(req, "GET /metrics HTTP/1.1\r\nX-Big: ", 30);
	exchange(h, &t, req, n, resp, RESP_MAX);
	CHECK_INT(status_of(resp), 431, "a head over HTTPD_HEAD_MAX: 431");
	CHECK(well_formed(resp, 0), "the whole 431 arrives although the client was still sending");
	CHECK_INT(t.calls, 0, "not rendered");
	memset(req, 'a', n);
	exchange(h, &t, req, HTTPD_HEAD_MAX + 1, resp, RESP_MAX);
	CHECK_INT(status_of(resp), 431, "a line without end: 431");
	free(req);
}

/* A client sending one byte a second is cut at HTTPD_HEAD_MS from its
 * connect, whatever it sends. */
static void test_slow(struct httpd *h)
{
	struct text t = { "x 1\n", 0, 0 };
	const char *req = "GET /metrics HTTP/1.1\r\nX: y\r\n\r\n";
	long long t0 = now, timed = h->timed_out;
	int fd = client(h->port), eof = 0;
	size_t len = 0;

	turn(h, &t, 50);
	CHECK_INT(nconn(h, HTTPD_READ), 1, "accepted");
	CHECK_INT(httpd_timeout_ms(h, now), HTTPD_HEAD_MS, "the head deadline is the next");
	for (int i = 0; i < 5; i++) {
		now = t0 + 1000 * i + 999;
		if (send(fd, req + i, 1, MSG_NOSIGNAL) != 1)
			break;
		turn(h, &t, 5);
	}
	CHECK_INT(httpd_timeout_ms(h, now), 1, "1 ms left");
	eof = drain(fd, resp, RESP_MAX, &len);
	CHECK(!eof && len == 0 && nconn(h, HTTPD_READ) == 1, "still open at 4999 ms");
	now = t0 + HTTPD_HEAD_MS;
	CHECK_INT(httpd_timeout_ms(h, now), 0, "the deadline has come");
	turn(h, &t, 0);
	CHECK_INT(nconn(h, HTTPD_FREE), HTTPD_MAX_CONN, "closed at 5000 ms");
	CHECK_INT(h->timed_out, timed + 1, "counted as timed out");
	CHECK_INT(httpd_timeout_ms(h, now), -1, "no deadline left");
	for (int i = 0; i < 50 && !eof; i++) {
		poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 10);
		eof = drain(fd, resp, RESP_MAX, &len);
	}
	CHECK(eof && len == 0, "the client sees the close, no response");
	CHECK_INT(t.calls, 0, "never rendered");
	close(fd);
}

/* HTTPD_MAX_CONN idle connections hold their slots; more are answered 503
 * and closed at once; the held ones are still served. */
static void test_limit(struct httpd *h)
{
	enum { N = HTTPD_MAX_CONN + 4 };
	struct text t = { "many 1\n", 0, 0 };
	unsigned long long refused = h->refused;
	int fd[N], eof[N] = { 0 }, busy = 0, ok = 0, quiet = 0;
	size_t len[N] = { 0 };
	char *buf[N];

	for (int i = 0; i < N; i++) {
		fd[i] = client(h->port);
		buf[i] = calloc(1, 4096);
	}
	for (int k = 0; k < 50 && h->refused - refused < N - HTTPD_MAX_CONN; k++)
		turn(h, &t, 10);
	CHECK_INT(nconn(h, HTTPD_READ), HTTPD_MAX_CONN, "HTTPD_MAX_CONN connections held");
	CHECK_INT(h->refused - refused, N - HTTPD_MAX_CONN, "the others refused and counted");
	CHECK(httpd_pollfds(h, (struct pollfd[HTTPD_NFDS]){ 0 }, HTTPD_NFDS) == HTTPD_NFDS, "HTTPD_NFDS polled");
	for (int k = 0; k < 20; k++) {
		turn(h, &t, 5);
		for (int i = 0; i < N; i++)
			if (!eof[i])
				eof[i] = drain(fd[i], buf[i], 4096, &len[i]);
	}
	for (int i = 0; i < N; i++) {
		if (eof[i] && status_of(buf[i]) == 503 && well_formed(buf[i], 0) && has(buf[i], "Retry-After: 1"))
			busy++;
		else if (!eof[i] && len[i] == 0)
			quiet++;
	}
	CHECK_INT(busy, N - HTTPD_MAX_CONN, "they got a 503 and the close");
	CHECK_INT(quiet, HTTPD_MAX_CONN, "the held ones wait, untouched");
	for (int i = 0; i < N; i++)
		if (!eof[i] && send(fd[i], "GET /metrics HTTP/1.1\r\n\r\n", 25, MSG_NOSIGNAL) != 25)
			abort();
	for (int k = 0; k < 100 && ok < HTTPD_MAX_CONN; k++) {
		turn(h, &t, 5);
		ok = 0;
		for (int i = 0; i < N; i++) {
			if (status_of(buf[i]) == 503)
				continue;
			if (!eof[i])
				eof[i] = drain(fd[i], buf[i], 4096, &len[i]);
			ok += eof[i] && status_of(buf[i]) == 200 && !strcmp(body_of(buf[i]), "many 1\n");
		}
	}
	CHECK_INT(ok, HTTPD_MAX_CONN, "every held connection is served");
	for (int i = 0; i < N; i++) {
		close(fd[i]);
		free(buf[i]);
	}
	settle(h, &t);
	CHECK_INT(nconn(h, HTTPD_FREE), HTTPD_MAX_CONN, "all slots free again");
	SEND(h, &t, "GET /metrics HTTP/1.1\r\n\r\n");
	CHECK_INT(status_of(resp), 200, "and new clients are served");
}

static struct httpd_conn *the_conn(struct httpd *h)
{
	for (int i = 0; i < HTTPD_MAX_CONN; i++)
		if (h->conn[i].state != HTTPD_FREE)
			return &h->conn[i];
	return NULL;
}

/* A client that asks for a large response and never reads it is dropped
 * HTTPD_SEND_MS after the response was ready. */
static void test_never_reads(struct httpd *h)
{
	struct text t = { NULL, 32 << 20, 0 };
	unsigned long long timed = h->timed_out, served = h->served;
	int fd = client(h->port), small = 4096;
	struct httpd_conn *c;
	long long t0 = now;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) < 0)
		abort();
	if (send(fd, "GET /metrics HTTP/1.1\r\n\r\n", 25, MSG_NOSIGNAL) != 25)
		abort();
	for (int i = 0; i < 20; i++)
		turn(h, &t, 5);
	c = the_conn(h);
	CHECK(c && c->state == HTTPD_SEND && c->sent < c->len + c->body_len, "sending, stuck on the full socket");
	CHECK_INT(t.calls, 1, "rendered once");
	CHECK_INT(httpd_timeout_ms(h, now), HTTPD_SEND_MS, "the send deadline is the next");
	now = t0 + HTTPD_SEND_MS - 1;
	turn(h, &t, 5);
	CHECK(the_conn(h) != NULL, "still trying at 9999 ms");
	now = t0 + HTTPD_SEND_MS;
	turn(h, &t, 0);
	CHECK(the_conn(h) == NULL, "dropped at 10000 ms");
	CHECK_INT(h->timed_out, timed + 1, "counted as timed out");
	CHECK_INT(h->served, served, "not as served");
	close(fd);
}

/* The client resets the connection while its response is being sent: the
 * send fails with EPIPE or ECONNRESET, and SIGPIPE (left at its default,
 * which kills) is never raised. */
static void test_reset(struct httpd *h)
{
	struct text t = { NULL, 32 << 20, 0 };
	int fd = client(h->port), small = 4096;
	struct linger lg = { 1, 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) < 0 ||
	    send(fd, "GET /metrics HTTP/1.1\r\n\r\n", 25, MSG_NOSIGNAL) != 25)
		abort();
	for (int i = 0; i < 10; i++)
		turn(h, &t, 5);
	CHECK(the_conn(h) && the_conn(h)->state == HTTPD_SEND, "sending");
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		abort();
	close(fd);
	for (int i = 0; i < 50 && the_conn(h); i++)
		turn(h, &t, 5);
	CHECK(the_conn(h) == NULL, "the reset connection is closed, the process lives on");
}

/* A connection that goes away before its head ends, and descriptor flags. */
static void test_misc(struct httpd *h)
{
	struct text t = { "x 1\n", 0, 0 };
	unsigned long long served = h->served, timed = h->timed_out;
	struct pollfd few[1];
	int fd = client(h->port);
	struct httpd_conn *c;

	turn(h, &t, 50);
	c = the_conn(h);
	CHECK(c && (fcntl(c->fd, F_GETFL) & O_NONBLOCK) && (fcntl(c->fd, F_GETFD) & FD_CLOEXEC),
	      "an accepted socket is non-blocking and close-on-exec");
	CHECK(fcntl(h->fd, F_GETFD) & FD_CLOEXEC, "the listening socket is close-on-exec");
	CHECK_INT(httpd_pollfds(h, few, 1), 1, "pollfds writes at most max");
	CHECK_INT(httpd_pollfds(h, few, 0), 0, "or none");
	if (send(fd, "GET /met", 8, MSG_NOSIGNAL) != 8)
		abort();
	close(fd);
	for (int i = 0; i < 50 && the_conn(h); i++)
		turn(h, &t, 5);
	CHECK(the_conn(h) == NULL, "a client gone before its head ended: closed");
	CHECK(h->served == served && h->timed_out == timed && t.calls == 0, "neither served nor timed out");

	/* The caller's own descriptor, readable, among the server's. */
	{
		struct pollfd fds[HTTPD_NFDS + 1];
		int p[2], n;
		char c1 = 0;

		if (pipe(p) < 0 || write(p[1], "z", 1) != 1)
			abort();
		fds[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
		n = httpd_pollfds(h, fds + 1, HTTPD_NFDS) + 1;
		CHECK(poll(fds, (nfds_t)n, 100) >= 1 && (fds[0].revents & POLLIN), "the caller's pipe is readable");
		httpd_service(h, fds, n, now, render, &t);
		CHECK(read(p[0], &c1, 1) == 1 && c1 == 'z', "and left alone");
		close(p[0]);
		close(p[1]);
	}
}

/* accept4 out of descriptors: the listening socket is left alone for
 * a while (it would poll readable at once, for ever), then served again.
 * Not under valgrind: it enforces RLIMIT_NOFILE itself, after the kernel
 * accepted, by closing the new connection. */
static void test_emfile(struct httpd *h)
{
	struct text t = { "x 1\n", 0, 0 };
	const char *preload = getenv("LD_PRELOAD");
	struct rlimit old, low;
	int probe, fd;
	struct pollfd fds[HTTPD_NFDS];

	if (preload && strstr(preload, "vgpreload")) {
		printf("# skipped under valgrind: accept4 out of descriptors\n");
		return;
	}
	probe = dup(0);
	fd = client(h->port);
	if (probe < 0 || getrlimit(RLIMIT_NOFILE, &old) < 0)
		abort();
	close(probe);
	low = old;
	low.rlim_cur = (rlim_t)probe; /* the lowest free number: no new one now */
	if (setrlimit(RLIMIT_NOFILE, &low) < 0)
		abort();
	turn(h, &t, 50);
	if (setrlimit(RLIMIT_NOFILE, &old) < 0)
		abort();
	CHECK(!the_conn(h) && h->paused_until == now + 1000, "accepting paused for a second");
	CHECK_INT(httpd_pollfds(h, fds, HTTPD_NFDS), 0, "the listening socket is not polled meanwhile");
	CHECK_INT(httpd_timeout_ms(h, now), 1000, "the pause's end is a deadline");
	now += 999;
	turn(h, &t, 0);
	CHECK_INT(httpd_pollfds(h, fds, HTTPD_NFDS), 0, "not at 999 ms");
	now += 1;
	turn(h, &t, 0);
	CHECK_INT(httpd_pollfds(h, fds, HTTPD_NFDS), 1, "polled again at 1000 ms");
	for (int i = 0; i < 20 && !the_conn(h); i++)
		turn(h, &t, 10);
	CHECK(the_conn(h) != NULL, "the waiting client is accepted");
	close(fd);
	settle(h, &t);
}

static void test_addrs(void)
{
	static const struct {
		const char *addr, *why;
	} bad[] = {
		{ "", "empty" },
		{ "9469", "not HOST:PORT" },
		{ ":", "not HOST:PORT" },
		{ "127.0.0.1:", "not HOST:PORT" },
		{ ":abc", "decimal number" },
		{ ":-1", "decimal number" },
		{ ": 80", "decimal number" },
		{ ":65536", "out of range" },
		{ ":99999999999999999999999", "out of range" },
		{ "::1:9469", "brackets" },
		{ "[::1", "not HOST:PORT" },
		{ "[::1]9469", "not HOST:PORT" },
		{ "[127.0.0.1]:9469", "names are not looked up" },
		{ "[]:9469", "names are not looked up" },
		{ "example.com:9469", "names are not looked up" },
		{ "1.2.3:9469", "names are not looked up" },
		{ "1.2.3.4.5:9469", "names are not looked up" },
		{ "192.0.2.1:0", "not an address of this host" },
	};
	struct httpd a, b;
	char err[512] = "";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = httpd_open(&a, bad[i].addr, err, sizeof(err));

		CHECK(rc < 0 && !strncmp(err, "METRICS_ADDR", 12) && strstr(err, bad[i].why), "%s: refused (%s)",
		      bad[i].addr, err);
		httpd_close(&a);
	}
	CHECK(httpd_open(&a, NULL, err, sizeof(err)) < 0, "NULL refused");
	CHECK(httpd_open(&a, "\x1b[2J:x", err, sizeof(err)) < 0 && !strchr(err, '\x1b') && strstr(err, "\\x1b"),
	      "control characters in the setting are shown escaped");

	CHECK_INT(httpd_open(&a, "127.0.0.1:0", err, sizeof(err)), 0, "127.0.0.1:0");
	snprintf(err, sizeof(err), "127.0.0.1:%d", a.port);
	CHECK(httpd_open(&b, err, err, sizeof(err)) < 0 && strstr(err, "address in use"), "port in use: %s", err);
	httpd_close(&b);
	httpd_close(&a);
	httpd_close(&a);
	CHECK(a.fd == -1, "closed twice, safely");

	err[0] = '\0';
	CHECK_INT(httpd_open(&a, ":0", err, sizeof(err)), 0, ":0, every interface: %s", err);
	{
		struct text t = { "any 1\n", 0, 0 };
		SEND(&a, &t, "GET /metrics HTTP/1.1\r\n\r\n");
		CHECK_INT(status_of(resp), 200, "reached on 127.0.0.1");
	}
	httpd_close(&a);
	CHECK_INT(httpd_open(&a, "0.0.0.0:0", err, sizeof(err)), 0, "0.0.0.0:0");
	httpd_close(&a);
	CHECK_INT(httpd_open(&a, "LocalHost:0", err, sizeof(err)), 0, "localhost:0");
	httpd_close(&a);
	if (httpd_open(&a, "[::1]:0", err, sizeof(err)) == 0)
		CHECK(a.port > 0, "[::1]:0");
	else
		printf("# no IPv6 loopback here: %s\n", err);
	httpd_close(&a);
	httpd_close(NULL);
}

int main(void)
{
	struct httpd h;
	char err[512] = "";

	resp = malloc(RESP_MAX + 1);
	if (!resp)
		return 1;
	CHECK_INT(httpd_open(&h, "127.0.0.1:0", err, sizeof(err)), 0, "open on 127.0.0.1:0 (%s)", err);
	CHECK(h.port > 0, "bound port %d", h.port);
	CHECK_INT(httpd_timeout_ms(&h, now), -1, "idle: no deadline");
	test_answers(&h);
	test_split(&h);
	test_oversized(&h);
	test_slow(&h);
	test_limit(&h);
	test_never_reads(&h);
	test_reset(&h);
	test_misc(&h);
	test_emfile(&h);
	httpd_close(&h);
	test_addrs();
	free(resp);
	return T_DONE();
}
