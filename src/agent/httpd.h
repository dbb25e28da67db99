/* httpd: the agent's /metrics endpoint, a tiny HTTP/1.1 server inside the
 * agent's one ppoll() loop. It never blocks its caller: every socket is
 * non-blocking, work happens only for what poll reported or for a passed
 * deadline. A hostile client costs at most one connection slot and one
 * bounded buffer (a valid request: render()'s body instead), for a bounded
 * time:
 *   - at most HTTPD_MAX_CONN connections at once; one over the limit is
 *     accepted, sent a 503 in one non-blocking write and closed at once, so
 *     the listening backlog never fills with clients nobody serves;
 *   - a request head is at most HTTPD_HEAD_MAX bytes (431 past it), and
 *     must be complete within HTTPD_HEAD_MS of its accept; the response
 *     must be taken within HTTPD_SEND_MS of being ready; either deadline
 *     passed: the connection is closed (counted in timed_out);
 *   - one request per connection (every response says Connection: close);
 *     a request body or a pipelined request is never interpreted. After the
 *     response the client's own close is awaited up to HTTPD_LINGER_MS, what
 *     it still sends read and dropped (64 KiB at most), so that closing with
 *     unread input does not reset the connection under its response.
 * Answers: GET or HEAD /metrics (query string ignored): 200 with render()'s
 * text, as text/plain; version=0.0.4 (Prometheus' text format); any other
 * path: 404; another method on /metrics: 405 with Allow: GET, HEAD; a
 * malformed head: 400; a version other than HTTP/1.x: 505. Nothing is logged
 * per request above debug level, and nothing a client sent is logged. */
#ifndef RDS_HTTPD_H
#define RDS_HTTPD_H
#include <poll.h>
#include <stddef.h>

#define HTTPD_MAX_CONN 16
#define HTTPD_NFDS (HTTPD_MAX_CONN + 1) /* the most httpd_pollfds writes */
#define HTTPD_HEAD_MAX 8192             /* bytes of a request head, its blank line included */
#define HTTPD_LINES_MAX 100             /* lines of a request head before its blank line */
#define HTTPD_HEAD_MS 5000              /* from its accept to the end of the request head */
#define HTTPD_SEND_MS 10000             /* from the response being ready to its last byte sent */
#define HTTPD_LINGER_MS 1000            /* after the response, the client's own close awaited this long */

/* ---- the request head, a pure parser ---- */

enum httpd_head {
	HTTPD_HEAD_MORE = 0,    /* no complete head yet, nothing wrong so far */
	HTTPD_HEAD_DONE = 1,    /* a complete head: out is filled */
	HTTPD_HEAD_BAD = -1,    /* malformed (400) */
	HTTPD_HEAD_TOOBIG = -2, /* no end within HTTPD_HEAD_MAX bytes or HTTPD_LINES_MAX lines (431) */
};

/* What httpd_parse_head found; the pointers point into its buf (path may
 * point to a static "/" instead), nothing is NUL-terminated. */
struct httpd_req {
	const char *method; /* a token, case-sensitive ("GET") */
	size_t method_len;
	const char *path; /* the target's path, its query string cut off */
	size_t path_len;
	int major, minor; /* HTTP/major.minor, one digit each */
	size_t head_len;  /* bytes of buf up to and including the blank line */
};

/* Parses the request head at the start of buf[0..len): optional empty lines,
 * then "METHOD SP TARGET SP HTTP/D.D", then header lines up to an empty
 * line. Lines end in CRLF or a bare LF; a CR anywhere else is malformed.
 * METHOD is a token (RFC 9110 5.6.2); TARGET is visible ASCII in
 * origin-form ("/p?q"), absolute-form ("http://host/p?q", path "/" when it
 * has none) or "*" (path "*"); the separators are single spaces. A header
 * line is a token, a colon right after it, and a value without control
 * characters other than tab; an obsolete folded line (starting with a space
 * or tab) is malformed. Headers are checked, not kept. Bytes after the head
 * are not looked at, nor any past HTTPD_HEAD_MAX. Decisions are taken on
 * complete lines, in order: a head cut anywhere gives HTTPD_HEAD_MORE until
 * its first bad line is complete (HTTPD_HEAD_BAD), its line past
 * HTTPD_LINES_MAX is complete, or HTTPD_HEAD_MAX bytes hold no end (both
 * HTTPD_HEAD_TOOBIG). No allocation, no state; buf NULL reads as empty, out
 * may be NULL. Returns an enum httpd_head; *out is set only for
 * HTTPD_HEAD_DONE. */
int httpd_parse_head(const char *buf, size_t len, struct httpd_req *out);

/* ---- the server ---- */

/* Renders the response body for GET or HEAD /metrics: returns 0 with *body
 * a malloc'd text of *len bytes (ownership passes to the server, which
 * frees it; NULL with *len 0 is an empty body), or -1 (answered 500;
 * *body is not looked at). */
typedef int (*httpd_render_fn)(void *ud, char **body, size_t *len);

enum httpd_conn_state { HTTPD_FREE = 0, HTTPD_READ, HTTPD_SEND, HTTPD_LINGER };

/* One connection slot. Private to httpd.c; visible for the size. */
struct httpd_conn {
	int fd; /* -1 when HTTPD_FREE */
	enum httpd_conn_state state;
	long long deadline;    /* monotonic ms */
	char *buf;             /* HTTPD_HEAD_MAX bytes, owned: the request head, then the response head */
	size_t len;            /* bytes in buf; while lingering, bytes read and dropped */
	char *body;            /* owned, render()'s text; NULL for none */
	size_t body_len, sent; /* sent counts the response head and body */
};

struct httpd {
	int fd;                 /* listening socket, -1 when closed */
	int port;               /* the bound port (useful after asking for port 0) */
	long long paused_until; /* accept4 failed but for its connection: not polled until then (0: not paused) */
	struct httpd_conn conn[HTTPD_MAX_CONN];
	/* Counters for the server's own metrics, from httpd_open on. */
	unsigned long long served;    /* responses sent in full, any status (not the refusals' 503) */
	unsigned long long refused;   /* connections closed for being over HTTPD_MAX_CONN (or memory) */
	unsigned long long timed_out; /* connections closed at the head or the send deadline */
};

/* Listens on addr: ":PORT" (every interface: IPv6 dual-stack, IPv4 when this
 * host has no IPv6), "A.B.C.D:PORT", "[IPV6]:PORT" (IPv6 only),
 * "localhost:PORT" (127.0.0.1); PORT is decimal, 0..65535 (0: any free port,
 * see h->port). No name is looked up. The socket is non-blocking and
 * close-on-exec. Returns 0, or -1 with err naming METRICS_ADDR and what to
 * fix (form, port, address in use or not of this host, permission); then h
 * holds nothing to close (httpd_close is still safe). */
int httpd_open(struct httpd *h, const char *addr, char *err, size_t errlen);

/* Writes the descriptors the server waits on into fds[0..max): the
 * listening socket for POLLIN (unless accepting is paused), each connection
 * for POLLIN (reading its head, or its close) or POLLOUT (sending). Returns
 * how many were written (at most max; HTTPD_NFDS always suffice). */
int httpd_pollfds(const struct httpd *h, struct pollfd *fds, int max);

/* Milliseconds from now_ms (monotonic) to the server's earliest deadline
 * (0 when one has passed), or -1 when there is none. */
int httpd_timeout_ms(const struct httpd *h, long long now_ms);

/* Does the work poll reported in fds[0..nfds) (revents of descriptors that
 * are not the server's are ignored) and closes the connections whose
 * deadline is at or before now_ms; new connections are stamped with now_ms.
 * A pause of accepting (accept4 out of descriptors or memory: paused_until)
 * ends once now_ms reaches it.
 * render is called once per valid GET or HEAD /metrics request, from here. */
void httpd_service(struct httpd *h, const struct pollfd *fds, int nfds, long long now_ms, httpd_render_fn render,
		   void *ud);

/* Closes the listening socket and every connection, frees their buffers.
 * NULL-safe, and safe after a failed httpd_open or a second time. */
void httpd_close(struct httpd *h);

#endif
