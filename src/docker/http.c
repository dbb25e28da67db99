/* http: see http.h. One easy handle driven through a multi handle, so that a
 * wait can be cut short by a deadline or a cancel flag within 100 ms (a
 * signal also interrupts the poll at once; a caller's wait function makes
 * the waits longer, its wake fds end them), and kept connections are reused
 * between requests. */
#include "http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "util.h"

#define HTTP_CONNECT_MS 10000L /* a local daemon answers at once or never */
#define HTTP_ERRBODY_MAX 2048  /* error bodies of a stream request */

struct http {
	CURL *easy;
	CURLM *multi;
	struct curl_slist *json_hdrs;
	char host[256];                                         /* DOCKER_HOST as given, for messages */
	char base[320];                                         /* URL prefix, "http://host:port" */
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* "" for tcp */
	char errbuf[CURL_ERROR_SIZE];
};

/* One transfer's state for the write callback. */
struct xfer {
	struct http *h;
	http_sink_fn sink;
	void *ud;
	long status; /* 0 until the first body byte */
	int divert;  /* error bodies go to errbody, not to the sink */
	int sink_failed;
	char errbody[HTTP_ERRBODY_MAX];
	size_t errlen;
};

const char *http_host(const struct http *h)
{
	return h->host;
}

/* A host part of tcp:// is a name, IPv4 or [IPv6]: nothing that could change
 * the URL we build from it. */
static int host_chars_ok(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(".-_:[]", s[i]))
			return 0;
	return 1;
}

static int parse_tcp(struct http *h, const char *rest, char *err, size_t errlen)
{
	const char *end = rest + strlen(rest), *colon = NULL;
	long port = 2375;

	if (end > rest && end[-1] == '/')
		end--;
	if (*rest == '[') {
		const char *rb = memchr(rest, ']', (size_t)(end - rest));
		if (rb && rb + 1 < end && rb[1] == ':')
			colon = rb + 1;
		else if (!rb || rb + 1 != end)
			goto bad;
	} else {
		colon = memchr(rest, ':', (size_t)(end - rest));
	}
	if (colon) {
		char *pe;
		port = strtol(colon + 1, &pe, 10);
		if (pe != end || colon + 1 == end || port < 1 || port > 65535)
			goto bad;
		end = colon;
	}
	if (!host_chars_ok(rest, (size_t)(end - rest)))
		goto bad;
	snprintf(h->base, sizeof(h->base), "http://%.*s:%ld", (int)(end - rest), rest, port);
	return 0;
bad:
	snprintf(err, errlen, "DOCKER_HOST %s: not a valid tcp://host:port address", h->host);
	return HTTP_E_CONFIG;
}

static int parse_host(struct http *h, const char *dh, char *err, size_t errlen)
{
	const char *tls;

	if (strlen(dh) >= sizeof(h->host)) {
		snprintf(err, errlen, "DOCKER_HOST %.60s...: longer than %zu characters", dh, sizeof(h->host) - 1);
		return HTTP_E_CONFIG;
	}
	strcpy(h->host, dh);
	if (strncmp(dh, "unix://", 7) == 0) {
		const char *path = dh + 7;
		if (path[0] != '/' || strlen(path) >= sizeof(h->sock)) {
			snprintf(err, errlen,
				 "DOCKER_HOST %s: the socket path must be absolute and shorter than %zu bytes", dh,
				 sizeof(h->sock));
			return HTTP_E_CONFIG;
		}
		strcpy(h->sock, path);
		strcpy(h->base, "http://localhost");
		return 0;
	}
	if (strncmp(dh, "tcp://", 6) == 0) {
		tls = getenv("DOCKER_TLS_VERIFY");
		if (tls && *tls) {
			snprintf(err, errlen,
				 "DOCKER_HOST %s: DOCKER_TLS_VERIFY is set but TLS is not supported; "
				 "use unix:// or a socket proxy over plain tcp://",
				 dh);
			return HTTP_E_CONFIG;
		}
		return parse_tcp(h, dh + 6, err, errlen);
	}
	snprintf(err, errlen,
		 "DOCKER_HOST %s: unsupported address (use unix:///path/to/docker.sock or tcp://host:port)", dh);
	return HTTP_E_CONFIG;
}

int http_open(struct http **out, const char *docker_host, char *err, size_t errlen)
{
	struct http *h = NULL;
	int rc;

	*out = NULL;
	if (!docker_host)
		docker_host = getenv("DOCKER_HOST");
	if (!docker_host || !*docker_host)
		docker_host = HTTP_DEFAULT_HOST;
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "DOCKER_HOST %s: out of memory", docker_host);
		return HTTP_E_NOMEM;
	}
	rc = parse_host(h, docker_host, err, errlen);
	if (rc < 0) {
		free(h);
		return rc;
	}
	/* Reference counted by libcurl; balanced in http_close. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "DOCKER_HOST %s: cannot initialise libcurl", h->host);
		free(h);
		return HTTP_E_NOMEM;
	}
	h->easy = curl_easy_init();
	h->multi = curl_multi_init();
	h->json_hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	if (h->json_hdrs) {
		/* No "Expect: 100-continue" round trip for our small bodies. */
		struct curl_slist *l = curl_slist_append(h->json_hdrs, "Expect:");
		if (l)
			h->json_hdrs = l;
		else
			h->json_hdrs = (curl_slist_free_all(h->json_hdrs), NULL);
	}
	if (!h->easy || !h->multi || !h->json_hdrs) {
		snprintf(err, errlen, "DOCKER_HOST %s: cannot initialise libcurl", h->host);
		http_close(h);
		return HTTP_E_NOMEM;
	}
	*out = h;
	return 0;
}

void http_close(struct http *h)
{
	if (!h)
		return;
	if (h->easy)
		curl_easy_cleanup(h->easy);
	if (h->multi)
		curl_multi_cleanup(h->multi);
	curl_slist_free_all(h->json_hdrs);
	free(h);
	curl_global_cleanup();
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;

	if (x->status == 0 && curl_easy_getinfo(x->h->easy, CURLINFO_RESPONSE_CODE, &x->status) != CURLE_OK)
		x->status = 0;
	if (x->divert && x->status >= 300) {
		/* An error body is the daemon's message, not stream data. */
		size_t room = sizeof(x->errbody) - 1 - x->errlen;
		size_t take = len < room ? len : room;
		memcpy(x->errbody + x->errlen, p, take);
		x->errlen += take;
		x->errbody[x->errlen] = '\0';
		return len;
	}
	if (x->sink(x->ud, p, len) != 0) {
		x->sink_failed = 1;
		return 0;
	}
	return len;
}

#define SETOPT(opt, val)                                                        \
	do {                                                                    \
		if ((cc = curl_easy_setopt(h->easy, (opt), (val))) != CURLE_OK) \
			goto setopt_failed;                                     \
	} while (0)

static int prepare(struct http *h, const struct http_req *req, struct xfer *x, char *url, size_t urllen, char *err,
		   size_t errlen)
{
	CURLcode cc;
	long connect_ms = HTTP_CONNECT_MS;

	if (snprintf(url, urllen, "%s%s", h->base, req->path) >= (int)urllen) {
		snprintf(err, errlen, "DOCKER_HOST %s: request path too long", h->host);
		return HTTP_E_CONFIG;
	}
	if (req->timeout_ms > 0 && req->timeout_ms < connect_ms)
		connect_ms = req->timeout_ms;
	curl_easy_reset(h->easy);
	h->errbuf[0] = '\0';
	SETOPT(CURLOPT_ERRORBUFFER, h->errbuf);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_URL, url);
	/* An http_proxy in the environment must not see Docker API calls. */
	SETOPT(CURLOPT_NOPROXY, "*");
	if (h->sock[0])
		SETOPT(CURLOPT_UNIX_SOCKET_PATH, h->sock);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	SETOPT(CURLOPT_WRITEFUNCTION, on_data);
	SETOPT(CURLOPT_WRITEDATA, x);
	if (strcmp(req->method, "GET") != 0)
		SETOPT(CURLOPT_CUSTOMREQUEST, req->method);
	if (req->body) {
		SETOPT(CURLOPT_POSTFIELDSIZE, (long)strlen(req->body));
		SETOPT(CURLOPT_POSTFIELDS, req->body);
		SETOPT(CURLOPT_HTTPHEADER, h->json_hdrs);
	} else if (strcmp(req->method, "POST") == 0) {
		SETOPT(CURLOPT_POSTFIELDSIZE, 0L);
		SETOPT(CURLOPT_POSTFIELDS, "");
		SETOPT(CURLOPT_HTTPHEADER, h->json_hdrs);
	}
	return 0;
setopt_failed:
	snprintf(err, errlen, "DOCKER_HOST %s: libcurl option: %s", h->host, curl_easy_strerror(cc));
	return HTTP_E_IO;
}

/* Turns a finished transfer's result into our error and message. */
static int result(struct http *h, const struct http_req *req, CURLcode cc, struct xfer *x, char *err, size_t errlen)
{
	const char *why = h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc);
	long oserr = 0;

	if (cc == CURLE_OK)
		return 0;
	if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
	    (cc == CURLE_OPERATION_TIMEDOUT && x->status == 0)) {
		if (curl_easy_getinfo(h->easy, CURLINFO_OS_ERRNO, &oserr) == CURLE_OK && oserr != 0)
			why = strerror((int)oserr);
		snprintf(err, errlen, "DOCKER_HOST %s: cannot connect: %s%s", h->host, why,
			 h->sock[0] ? " - mount the Docker socket or set DOCKER_HOST" : "");
		return HTTP_E_CONNECT;
	}
	if (cc == CURLE_WRITE_ERROR && x->sink_failed)
		why = "the receiver stopped the transfer";
	snprintf(err, errlen, "DOCKER_HOST %s: %s %s: %s", h->host, req->method, req->path, why);
	return HTTP_E_IO;
}

static int transfer(struct http *h, const struct http_req *req, http_sink_fn sink, void *ud, int divert, long *status,
		    char *err, size_t errlen)
{
	struct xfer x = { .h = h, .sink = sink, .ud = ud, .divert = divert };
	long long deadline = req->timeout_ms > 0 ? mono_ms() + req->timeout_ms : 0;
	char url[1024];
	CURLMcode mc;
	CURLcode cc = CURLE_OK;
	struct curl_waitfd wake[HTTP_WAKE_MAX];
	int rc, added = 0;

	*status = 0;
	rc = prepare(h, req, &x, url, sizeof(url), err, errlen);
	if (rc < 0)
		return rc;
	if ((mc = curl_multi_add_handle(h->multi, h->easy)) != CURLM_OK)
		goto multi_failed;
	added = 1;
	if (req->n_wake < 0 || req->n_wake > HTTP_WAKE_MAX) {
		snprintf(err, errlen, "DOCKER_HOST %s: %s %s: too many wake fds", h->host, req->method, req->path);
		return HTTP_E_CONFIG;
	}
	for (int i = 0; i < req->n_wake; i++)
		wake[i] = (struct curl_waitfd){ .fd = req->wake_fds[i], .events = CURL_WAIT_POLLIN };
	for (;;) {
		int running = 0, wait_ms = 100;
		struct CURLMsg *msg;
		int left;

		if ((mc = curl_multi_perform(h->multi, &running)) != CURLM_OK)
			goto multi_failed;
		while ((msg = curl_multi_info_read(h->multi, &left)))
			if (msg->msg == CURLMSG_DONE)
				cc = msg->data.result;
		if (!running)
			break;
		if ((req->cancel && *req->cancel) || (req->tick && req->tick(req->tick_ud) != 0)) {
			snprintf(err, errlen, "DOCKER_HOST %s: %s %s: cancelled", h->host, req->method, req->path);
			rc = HTTP_E_CANCELLED;
			goto out;
		}
		if (req->wait) {
			long w = req->wait(req->tick_ud);
			wait_ms = (int)(w < 0 || w > HTTP_IDLE_MAX_MS ? HTTP_IDLE_MAX_MS : w);
		}
		if (deadline) {
			long long now = mono_ms();
			if (now >= deadline) {
				snprintf(err, errlen, "DOCKER_HOST %s: %s %s: no complete answer within %ld ms",
					 h->host, req->method, req->path, req->timeout_ms);
				rc = HTTP_E_TIMEOUT;
				goto out;
			}
			if (deadline - now < wait_ms)
				wait_ms = (int)(deadline - now);
		}
		if ((mc = curl_multi_poll(h->multi, req->wait ? wake : NULL, req->wait ? (unsigned)req->n_wake : 0,
					  wait_ms, NULL)) != CURLM_OK)
			goto multi_failed;
	}
	if (curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, status) != CURLE_OK)
		*status = 0;
	rc = result(h, req, cc, &x, err, errlen);
	if (rc == 0 && divert && *status >= 300)
		snprintf(err, errlen, "%s", x.errbody);
	goto out;
multi_failed:
	snprintf(err, errlen, "DOCKER_HOST %s: %s %s: %s", h->host, req->method, req->path, curl_multi_strerror(mc));
	rc = HTTP_E_IO;
out:
	/* Removing an unfinished transfer closes its connection: the daemon
	 * sees the client go away. */
	if (added && curl_multi_remove_handle(h->multi, h->easy) != CURLM_OK && rc == 0) {
		snprintf(err, errlen, "DOCKER_HOST %s: cannot finish a transfer", h->host);
		rc = HTTP_E_IO;
	}
	return rc;
}

int http_stream(struct http *h, const struct http_req *req, http_sink_fn sink, void *ud, long *status, char *err,
		size_t errlen)
{
	return transfer(h, req, sink, ud, 1, status, err, errlen);
}

struct collect {
	char *buf;
	size_t len, cap, max;
	int too_big, nomem;
};

static int collect_sink(void *ud, const char *data, size_t len)
{
	struct collect *c = ud;

	if (len > c->max - c->len) {
		c->too_big = 1;
		return -1;
	}
	if (c->len + len + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 16384;
		while (cap < c->len + len + 1)
			cap *= 2;
		char *b = realloc(c->buf, cap);
		if (!b) {
			c->nomem = 1;
			return -1;
		}
		c->buf = b;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, data, len);
	c->len += len;
	c->buf[c->len] = '\0';
	return 0;
}

int http_fetch(struct http *h, const struct http_req *req, size_t max, long *status, char **body, size_t *len,
	       char *err, size_t errlen)
{
	struct collect c = { .max = max };
	int rc;

	*body = NULL;
	if (len)
		*len = 0;
	rc = transfer(h, req, collect_sink, &c, 0, status, err, errlen);
	if (rc == HTTP_E_IO && c.too_big) {
		snprintf(err, errlen, "DOCKER_HOST %s: %s %s: response larger than %zu bytes", h->host, req->method,
			 req->path, max);
		rc = HTTP_E_TOO_BIG;
	} else if (rc == HTTP_E_IO && c.nomem) {
		snprintf(err, errlen, "DOCKER_HOST %s: %s %s: out of memory", h->host, req->method, req->path);
		rc = HTTP_E_NOMEM;
	}
	if (rc < 0)
		goto out;
	if (!c.buf) {
		c.buf = calloc(1, 1);
		if (!c.buf) {
			snprintf(err, errlen, "DOCKER_HOST %s: out of memory", h->host);
			rc = HTTP_E_NOMEM;
			goto out;
		}
	}
	*body = c.buf;
	c.buf = NULL;
	if (len)
		*len = c.len;
out:
	free(c.buf);
	return rc;
}
