/* httpd: see httpd.h. Every socket call is non-blocking and sends use
 * MSG_NOSIGNAL, so a client that goes away costs an error code, never
 * SIGPIPE. The only allocations are a connection's head buffer (taken at
 * accept, HTTPD_HEAD_MAX bytes) and render()'s body. */
#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "utf8.h"

#define BACKLOG 64
#define ACCEPT_BURST (2 * HTTPD_MAX_CONN) /* per httpd_service: a flood cannot hold up the caller's loop */
#define ACCEPT_PAUSE_MS 1000              /* after accept4 failed for want of descriptors or memory */
#define LINGER_DROP_MAX 65536             /* bytes read and dropped after the response, then closed anyway */

#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define TEXT_TYPE "text/plain; charset=utf-8"

/* Sent whole by one send() to a connection over the limit. */
#define BUSY_BODY "too many connections, try again\n"
static const char busy_reply[] = "HTTP/1.1 503 Service Unavailable\r\n"
				 "Content-Type: " TEXT_TYPE "\r\n"
				 "Content-Length: 32\r\n"
				 "Retry-After: 1\r\n"
				 "Connection: close\r\n"
				 "\r\n" BUSY_BODY;
_Static_assert(sizeof(BUSY_BODY) - 1 == 32, "Content-Length of the 503 body");

struct status_text {
	int status;
	const char *reason, *body;
};

static const struct status_text statuses[] = {
	{ 200, "OK", "" },
	{ 400, "Bad Request", "bad request\n" },
	{ 404, "Not Found", "not found: the metrics are at /metrics\n" },
	{ 405, "Method Not Allowed", "method not allowed: use GET or HEAD\n" },
	{ 431, "Request Header Fields Too Large", "request head too large\n" },
	{ 500, "Internal Server Error", "the metrics could not be rendered\n" },
	{ 505, "HTTP Version Not Supported", "only HTTP/1.x is served\n" },
};

static const struct status_text *status_of(int status)
{
	static const struct status_text unlisted = { 500, "Internal Server Error", "" };

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == status)
			return &statuses[i];
	return &unlisted; /* not reached: every status used is listed */
}

/* An IMF-fixdate (RFC 9110 5.6.7) without the locale of strftime. */
static void http_date(char *buf, size_t len)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = time(NULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- connections ---- */

static void conn_close(struct httpd_conn *c)
{
	if (c->fd >= 0)
		close(c->fd); /* a socket: nothing to flush, nothing to learn from an error */
	free(c->buf);
	free(c->body);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Sends what the client takes now. Returns 1 when all is sent, 0 when the
 * rest waits for POLLOUT, -1 when the connection failed. */
static int conn_send(struct httpd_conn *c)
{
	while (c->sent < c->len + c->body_len) {
		struct iovec iov[2];
		struct msghdr m = { .msg_iov = iov };
		ssize_t w;

		if (c->sent < c->len) {
			iov[0] = (struct iovec){ c->buf + c->sent, c->len - c->sent };
			iov[1] = (struct iovec){ c->body, c->body_len };
			m.msg_iovlen = c->body_len ? 2 : 1;
		} else {
			iov[0] = (struct iovec){ c->body + (c->sent - c->len), c->body_len - (c->sent - c->len) };
			m.msg_iovlen = 1;
		}
		w = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		c->sent += (size_t)w;
	}
	return 1;
}

/* The response is out: the write side is shut and the client's own close
 * awaited for a while. Closing with input unread (a request body, the rest
 * of a head too large) would make the kernel send a reset, which can destroy
 * the response in the client's receive queue before it has read it. */
static void conn_sent(struct httpd *h, struct httpd_conn *c, long long now)
{
	h->served++;
	free(c->body);
	c->body = NULL;
	free(c->buf);
	c->buf = NULL;
	c->len = c->body_len = c->sent = 0;
	if (shutdown(c->fd, SHUT_WR) < 0) {
		conn_close(c);
		return;
	}
	c->state = HTTPD_LINGER;
	c->deadline = now + HTTPD_LINGER_MS;
}

static void conn_write(struct httpd *h, struct httpd_conn *c, short revents, long long now)
{
	int rc = conn_send(c);

	if (rc > 0)
		conn_sent(h, c, now);
	else if (rc < 0 || (revents & (POLLERR | POLLHUP)))
		conn_close(c);
}

/* Reads and drops what the client still sends, until its close. */
static void conn_linger(struct httpd_conn *c)
{
	char sink[4096];

	for (;;) {
		ssize_t r = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0 || (c->len += (size_t)r) > LINGER_DROP_MAX) {
			conn_close(c);
			return;
		}
	}
}

/* The status for a complete head: 505, 404, 405 or 200. */
static int route(const struct httpd_req *r)
{
	if (r->major != 1)
		return 505;
	if (r->path_len != 8 || memcmp(r->path, "/metrics", 8))
		return 404;
	if ((r->method_len == 3 && !memcmp(r->method, "GET", 3)) ||
	    (r->method_len == 4 && !memcmp(r->method, "HEAD", 4)))
		return 200;
	return 405;
}

/* Answers the request in c->buf as httpd_parse_head judged it (parsed):
 * the response head (and an error's text) replaces it in c->buf, and as
 * much as the client takes is sent at once. */
static void conn_answer(struct httpd *h, struct httpd_conn *c, int parsed, const struct httpd_req *req, long long now,
			httpd_render_fn render, void *ud)
{
	const struct status_text *st;
	char *body = NULL, date[40];
	size_t blen = 0;
	int status, head_only = 0, n;

	if (parsed == HTTPD_HEAD_DONE) {
		status = route(req);
		head_only = req->method_len == 4 && !memcmp(req->method, "HEAD", 4);
	} else {
		status = parsed == HTTPD_HEAD_TOOBIG ? 431 : 400;
	}
	if (status == 200 && (!render || render(ud, &body, &blen) < 0 || (!body && blen))) {
		body = NULL; /* render failed: not ours to free */
		blen = 0;
		status = 500;
	}
	st = status_of(status);
	if (status != 200)
		blen = strlen(st->body);
	http_date(date, sizeof(date));
	n = snprintf(c->buf, HTTPD_HEAD_MAX,
		     "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: "
		     "close\r\n\r\n%s",
		     status, st->reason, date, status == 200 ? METRICS_TYPE : TEXT_TYPE, blen,
		     status == 405 ? "Allow: GET, HEAD\r\n" : "", head_only ? "" : st->body);
	c->len = n > 0 && n < HTTPD_HEAD_MAX ? (size_t)n : 0; /* always fits: a short head and a short text */
	if (head_only || status != 200) {
		free(body);
		body = NULL;
		blen = 0;
	}
	c->body = body;
	c->body_len = blen;
	c->sent = 0;
	c->state = HTTPD_SEND;
	c->deadline = now + HTTPD_SEND_MS;
	log_debug("metrics: answered %d", status);
	conn_write(h, c, 0, now);
}

/* Reads the request head; answers it once complete or wrong. The parser
 * runs only when a line has ended (or the buffer is full): a client sending
 * a byte at a time costs a scan per line, not per byte. */
static void conn_read(struct httpd *h, struct httpd_conn *c, long long now, httpd_render_fn render, void *ud)
{
	for (;;) {
		struct httpd_req req;
		ssize_t r;
		int parsed;

		r = recv(c->fd, c->buf + c->len, HTTPD_HEAD_MAX - c->len, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			conn_close(c); /* gone before its head was complete */
			return;
		}
		c->len += (size_t)r;
		if (!memchr(c->buf + c->len - (size_t)r, '\n', (size_t)r) && c->len < HTTPD_HEAD_MAX)
			continue;
		parsed = httpd_parse_head(c->buf, c->len, &req);
		if (parsed != HTTPD_HEAD_MORE) {
			conn_answer(h, c, parsed, &req, now, render, ud);
			return;
		}
	}
}

static struct httpd_conn *conn_by_fd(struct httpd *h, int fd)
{
	for (int i = 0; i < HTTPD_MAX_CONN; i++)
		if (h->conn[i].state != HTTPD_FREE && h->conn[i].fd == fd)
			return &h->conn[i];
	return NULL;
}

static void conn_event(struct httpd *h, struct httpd_conn *c, short revents, long long now, httpd_render_fn render,
		       void *ud)
{
	if (revents & POLLNVAL) {
		conn_close(c);
		return;
	}
	switch (c->state) {
	case HTTPD_READ:
		if (revents & (POLLIN | POLLHUP | POLLERR))
			conn_read(h, c, now, render, ud);
		break;
	case HTTPD_SEND:
		if (revents & (POLLOUT | POLLHUP | POLLERR))
			conn_write(h, c, revents, now);
		break;
	case HTTPD_LINGER:
		if (revents & (POLLIN | POLLHUP | POLLERR))
			conn_linger(c);
		break;
	case HTTPD_FREE:
		break;
	}
}

/* ---- accepting ---- */

/* 1 for an accept4 error that concerns the one connection it was about
 * (gone already, or a network error Linux passes on from it): the next
 * may be fine. */
static int accept_again(int e)
{
	return e == EINTR || e == ECONNABORTED || e == EPROTO || e == EPERM || e == ENETDOWN || e == ENOPROTOOPT ||
	       e == EHOSTDOWN || e == ENONET || e == EHOSTUNREACH || e == EOPNOTSUPP || e == ENETUNREACH;
}

/* Accepts what is pending, at most ACCEPT_BURST. */
static void accept_some(struct httpd *h, long long now)
{
	for (int k = 0; k < ACCEPT_BURST; k++) {
		struct httpd_conn *c = NULL;
		int fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (accept_again(errno))
				continue;
			/* Out of descriptors or memory (or worse): the
			 * connection stays pending and the socket readable,
			 * so polling it now would spin. */
			log_warn("metrics: cannot accept a connection: %s; trying again in %d ms", strerror(errno),
				 ACCEPT_PAUSE_MS);
			h->paused_until = now + ACCEPT_PAUSE_MS;
			return;
		}
		for (int i = 0; !c && i < HTTPD_MAX_CONN; i++)
			if (h->conn[i].state == HTTPD_FREE)
				c = &h->conn[i];
		if (c && !(c->buf = malloc(HTTPD_HEAD_MAX)))
			c = NULL;
		if (!c) {
			/* Best effort: a fresh socket's buffer takes it whole, or
			 * the client sees the close alone. */
			if (send(fd, busy_reply, sizeof(busy_reply) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				log_debug("metrics: 503 not sent: %s", strerror(errno));
			close(fd);
			h->refused++;
			continue;
		}
		c->fd = fd;
		c->state = HTTPD_READ;
		c->len = 0;
		c->deadline = now + HTTPD_HEAD_MS;
	}
}

/* ---- listening ---- */

union sockaddr_any {
	struct sockaddr sa;
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
};

/* Where httpd_open listens: addr taken apart. */
struct where {
	union sockaddr_any a;
	socklen_t len;
	int any; /* ":PORT": every interface */
	int port;
};

/* addr (shown: the same, printable) into w. Returns 0, or -1 with err set. */
static int parse_addr(const char *addr, const char *shown, struct where *w, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN];
	const char *h0, *p;
	size_t hlen;
	long port = 0;
	int v6 = addr[0] == '[';

	memset(w, 0, sizeof(*w));
	if (v6) {
		const char *end = strchr(addr, ']');

		if (!end || end[1] != ':')
			goto form;
		h0 = addr + 1;
		hlen = (size_t)(end - h0);
		p = end + 2;
	} else {
		const char *colon = strrchr(addr, ':');

		if (!colon)
			goto form;
		h0 = addr;
		hlen = (size_t)(colon - addr);
		p = colon + 1;
		if (memchr(addr, ':', hlen)) {
			snprintf(err, errlen, "METRICS_ADDR=\"%s\": an IPv6 address goes in brackets, as in [::1]:9469",
				 shown);
			return -1;
		}
	}
	if (!*p)
		goto form;
	for (const char *d = p; *d; d++) {
		if (*d < '0' || *d > '9') {
			snprintf(err, errlen, "METRICS_ADDR=\"%s\": the port must be a decimal number from 0 to 65535",
				 shown);
			return -1;
		}
		if (port <= 65535)
			port = port * 10 + (*d - '0');
	}
	if (port > 65535) {
		snprintf(err, errlen, "METRICS_ADDR=\"%s\": port out of range: at most 65535", shown);
		return -1;
	}
	w->port = (int)port;
	if (!hlen && !v6) {
		w->any = 1;
		return 0;
	}
	if (hlen >= sizeof(host))
		goto badhost;
	memcpy(host, h0, hlen);
	host[hlen] = '\0';
	if (v6) {
		w->a.s6.sin6_family = AF_INET6;
		w->a.s6.sin6_port = htons((unsigned short)port);
		w->len = sizeof(w->a.s6);
		if (inet_pton(AF_INET6, host, &w->a.s6.sin6_addr) != 1)
			goto badhost;
		return 0;
	}
	w->a.s4.sin_family = AF_INET;
	w->a.s4.sin_port = htons((unsigned short)port);
	w->len = sizeof(w->a.s4);
	if (!strcasecmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, &w->a.s4.sin_addr) != 1)
		goto badhost;
	return 0;
form:
	snprintf(err, errlen,
		 "METRICS_ADDR=\"%s\": not HOST:PORT; give e.g. :9469 (every interface), 127.0.0.1:9469 or [::1]:9469",
		 shown);
	return -1;
badhost:
	snprintf(err, errlen,
		 "METRICS_ADDR=\"%s\": the host must be an IP address (IPv6 in brackets), localhost, or nothing "
		 "(every interface); names are not looked up",
		 shown);
	return -1;
}

/* A listening socket on a; -1 with errno set. */
static int listen_on(const union sockaddr_any *a, socklen_t len, int v6only)
{
	int fd = socket(a->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, e;

	if (fd < 0)
		return -1;
	/* SO_REUSEADDR: a restarted agent listens again while its old
	 * connections wait in TIME_WAIT. On Linux it never lets two sockets
	 * listen on one port: "in use" is still found. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (a->sa.sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0) ||
	    bind(fd, &a->sa, len) < 0 || listen(fd, BACKLOG) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void listen_error(const char *shown, int port, int e, char *err, size_t errlen)
{
	if (e == EADDRINUSE)
		snprintf(err, errlen,
			 "METRICS_ADDR=\"%s\": address in use: something else listens on port %d there; choose "
			 "another port",
			 shown, port);
	else if (e == EACCES)
		snprintf(err, errlen,
			 "METRICS_ADDR=\"%s\": not allowed to listen on port %d (below 1024 needs "
			 "CAP_NET_BIND_SERVICE); choose a port from 1024 on",
			 shown, port);
	else if (e == EADDRNOTAVAIL)
		snprintf(err, errlen,
			 "METRICS_ADDR=\"%s\": not an address of this host; give one of its addresses, or :%d for "
			 "every interface",
			 shown, port);
	else
		snprintf(err, errlen, "METRICS_ADDR=\"%s\": cannot listen: %s", shown, strerror(e));
}

int httpd_open(struct httpd *h, const char *addr, char *err, size_t errlen)
{
	union sockaddr_any bound;
	socklen_t blen = sizeof(bound);
	struct where w;
	char shown[96];

	if (!h)
		return -1;
	memset(h, 0, sizeof(*h));
	h->fd = -1;
	for (int i = 0; i < HTTPD_MAX_CONN; i++)
		h->conn[i].fd = -1;
	if (!addr || !*addr) {
		snprintf(err, errlen, "METRICS_ADDR is empty: give [HOST]:PORT, e.g. :9469");
		return -1;
	}
	utf8_copy(shown, sizeof(shown), addr, strlen(addr), UTF8_ESCAPE_CTL);
	if (parse_addr(addr, shown, &w, err, errlen) < 0)
		return -1;
	if (w.any) {
		/* One IPv6 socket takes IPv4 too (V6ONLY off); a host without
		 * IPv6 gets an IPv4 one. */
		union sockaddr_any a = { .s6 = { .sin6_family = AF_INET6,
						 .sin6_port = htons((unsigned short)w.port),
						 .sin6_addr = IN6ADDR_ANY_INIT } };

		h->fd = listen_on(&a, sizeof(a.s6), 0);
		if (h->fd < 0 && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT || errno == EADDRNOTAVAIL ||
				  errno == ENOPROTOOPT)) {
			memset(&a, 0, sizeof(a));
			a.s4.sin_family = AF_INET;
			a.s4.sin_port = htons((unsigned short)w.port);
			a.s4.sin_addr.s_addr = htonl(INADDR_ANY);
			h->fd = listen_on(&a, sizeof(a.s4), 0);
		}
	} else {
		h->fd = listen_on(&w.a, w.len, 1);
	}
	if (h->fd < 0) {
		listen_error(shown, w.port, errno, err, errlen);
		return -1;
	}
	if (getsockname(h->fd, &bound.sa, &blen) < 0) {
		snprintf(err, errlen, "METRICS_ADDR=\"%s\": cannot read the port listened on: %s", shown,
			 strerror(errno));
		httpd_close(h);
		return -1;
	}
	h->port = ntohs(bound.sa.sa_family == AF_INET6 ? bound.s6.sin6_port : bound.s4.sin_port);
	return 0;
}

/* ---- the API ---- */

int httpd_pollfds(const struct httpd *h, struct pollfd *fds, int max)
{
	int n = 0;

	if (!h || !fds)
		return 0;
	if (h->fd >= 0 && !h->paused_until && n < max)
		fds[n++] = (struct pollfd){ .fd = h->fd, .events = POLLIN };
	for (int i = 0; i < HTTPD_MAX_CONN && n < max; i++) {
		const struct httpd_conn *c = &h->conn[i];

		if (c->state != HTTPD_FREE)
			fds[n++] = (struct pollfd){ .fd = c->fd, .events = c->state == HTTPD_SEND ? POLLOUT : POLLIN };
	}
	return n;
}

int httpd_timeout_ms(const struct httpd *h, long long now_ms)
{
	long long first = h && h->paused_until ? h->paused_until : -1;

	for (int i = 0; h && i < HTTPD_MAX_CONN; i++)
		if (h->conn[i].state != HTTPD_FREE && (first < 0 || h->conn[i].deadline < first))
			first = h->conn[i].deadline;
	if (first < 0)
		return -1;
	if (first <= now_ms)
		return 0;
	return first - now_ms > INT_MAX ? INT_MAX : (int)(first - now_ms);
}

void httpd_service(struct httpd *h, const struct pollfd *fds, int nfds, long long now_ms, httpd_render_fn render,
		   void *ud)
{
	int listening = 0;

	if (!h)
		return;
	/* Connections first, accepting last: a descriptor closed here and
	 * reused by accept4 never gets the closed one's revents. */
	for (int i = 0; fds && i < nfds; i++) {
		struct httpd_conn *c;

		if (!fds[i].revents || fds[i].fd < 0)
			continue;
		if (fds[i].fd == h->fd) {
			listening = 1;
			continue;
		}
		c = conn_by_fd(h, fds[i].fd);
		if (c)
			conn_event(h, c, fds[i].revents, now_ms, render, ud);
	}
	for (int i = 0; i < HTTPD_MAX_CONN; i++) {
		struct httpd_conn *c = &h->conn[i];

		if (c->state == HTTPD_FREE || c->deadline > now_ms)
			continue;
		if (c->state != HTTPD_LINGER)
			h->timed_out++;
		conn_close(c);
	}
	if (h->paused_until && h->paused_until <= now_ms)
		h->paused_until = 0; /* polled again from the next httpd_pollfds */
	else if (listening && h->fd >= 0 && !h->paused_until)
		accept_some(h, now_ms);
}

void httpd_close(struct httpd *h)
{
	if (!h)
		return;
	for (int i = 0; i < HTTPD_MAX_CONN; i++)
		if (h->conn[i].state != HTTPD_FREE)
			conn_close(&h->conn[i]);
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}
