/* Unit tests for httpd_parse_head: request lines and header lines that are
 * right, wrong and cut short; CRLF and bare LF; the size and line bounds. */
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "t.h"

static int parse(const char *s, struct httpd_req *r)
{
	return httpd_parse_head(s, strlen(s), r);
}

/* The path of a complete head s, or "(not done)". */
static const char *path_of(const char *s)
{
	static char path[256];
	struct httpd_req r;

	if (parse(s, &r) != HTTPD_HEAD_DONE || r.path_len >= sizeof(path))
		return "(not done)";
	memcpy(path, r.path, r.path_len);
	path[r.path_len] = '\0';
	return path;
}

static void test_good(void)
{
	const char *s = "GET /metrics HTTP/1.1\r\nHost: a:9469\r\nUser-Agent: Prometheus/2.53.0\r\n"
			"Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1\r\n\r\n";
	struct httpd_req r;

	CHECK_INT(parse(s, &r), HTTPD_HEAD_DONE, "a Prometheus scrape is a complete head");
	CHECK(r.method_len == 3 && !memcmp(r.method, "GET", 3), "method GET");
	CHECK(r.path_len == 8 && !memcmp(r.path, "/metrics", 8), "path /metrics");
	CHECK(r.major == 1 && r.minor == 1, "HTTP/1.1");
	CHECK_INT(r.head_len, strlen(s), "head_len covers the blank line");

	s = "HEAD /metrics HTTP/1.0\nHost: x\n\n";
	CHECK_INT(parse(s, &r), HTTPD_HEAD_DONE, "bare LF line ends");
	CHECK(r.method_len == 4 && r.major == 1 && r.minor == 0, "HEAD, HTTP/1.0");
	CHECK_INT(r.head_len, strlen(s), "head_len with bare LFs");
	CHECK_INT(parse("GET / HTTP/1.1\r\nA: b\n\r\n", &r), HTTPD_HEAD_DONE, "CRLF and LF mixed");
	CHECK_INT(parse("GET / HTTP/1.1\r\n\r\n", &r), HTTPD_HEAD_DONE, "no header at all");
	CHECK_INT(parse("\r\n\nGET / HTTP/1.1\r\n\r\n", &r), HTTPD_HEAD_DONE, "empty lines before the request");
	CHECK_INT(r.head_len, 21, "they count in head_len");
	CHECK_INT(parse("get /metrics HTTP/1.1\r\n\r\n", &r), HTTPD_HEAD_DONE, "a lower-case method is a token");
	CHECK(r.method_len == 3 && !memcmp(r.method, "get", 3), "kept as sent (routing is case-sensitive)");
	CHECK_INT(parse("M-SEARCH * HTTP/1.1\r\n\r\n", &r), HTTPD_HEAD_DONE, "any token method, asterisk-form");
	CHECK_INT(parse("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &r), HTTPD_HEAD_DONE, "the HTTP/2 preface parses");
	CHECK(r.major == 2 && r.minor == 0, "as version 2.0 (the server answers 505)");
	CHECK_INT(parse("GET / HTTP/0.9\r\n\r\n", &r), HTTPD_HEAD_DONE, "HTTP/0.9 parses");
	CHECK_INT(r.major, 0, "major 0");

	s = "GET /metrics HTTP/1.1\r\n\r\n\x01\x02 GARBAGE";
	CHECK_INT(parse(s, &r), HTTPD_HEAD_DONE, "bytes after the head are not looked at");
	CHECK_INT(r.head_len, 25, "and not in head_len");
	CHECK_INT(parse("GET / HTTP/1.1\r\nX-Empty:\r\nX-Tab: \ta\tb\r\nX-8bit: caf\xc3\xa9 \xff\r\n\r\n", &r),
		  HTTPD_HEAD_DONE, "empty values, tabs and 8-bit bytes in values");
	CHECK_INT(httpd_parse_head("GET / HTTP/1.1\r\n\r\n", 18, NULL), HTTPD_HEAD_DONE, "out may be NULL");
}

static void test_paths(void)
{
	CHECK_STR(path_of("GET /metrics?name[]=up&x=%20 HTTP/1.1\r\n\r\n"), "/metrics", "query string cut off");
	CHECK_STR(path_of("GET /metrics? HTTP/1.1\r\n\r\n"), "/metrics", "empty query");
	CHECK_STR(path_of("GET /?a HTTP/1.1\r\n\r\n"), "/", "root with a query");
	CHECK_STR(path_of("GET /metrics/ HTTP/1.1\r\n\r\n"), "/metrics/", "a trailing slash is kept");
	CHECK_STR(path_of("GET /a/b?c?d HTTP/1.1\r\n\r\n"), "/a/b", "cut at the first '?'");
	CHECK_STR(path_of("GET http://h:9469/metrics?x HTTP/1.1\r\n\r\n"), "/metrics", "absolute-form");
	CHECK_STR(path_of("GET HTTPS://[::1]:9469/metrics HTTP/1.1\r\n\r\n"), "/metrics", "scheme in any case");
	CHECK_STR(path_of("GET http://h HTTP/1.1\r\n\r\n"), "/", "absolute-form without a path");
	CHECK_STR(path_of("GET http://h?x HTTP/1.1\r\n\r\n"), "/", "absolute-form with only a query");
	CHECK_STR(path_of("OPTIONS * HTTP/1.1\r\n\r\n"), "*", "asterisk-form");
	CHECK_STR(path_of("GET http:///metrics HTTP/1.1\r\n\r\n"), "(not done)", "absolute-form without a host");
	CHECK_STR(path_of("GET ftp://h/metrics HTTP/1.1\r\n\r\n"), "(not done)", "another scheme");
	CHECK_STR(path_of("GET metrics HTTP/1.1\r\n\r\n"), "(not done)", "a relative target");
	CHECK_STR(path_of("GET ** HTTP/1.1\r\n\r\n"), "(not done)", "'*' and more");
}

static void test_bad(void)
{
	static const char *const bad[] = {
		"GET  /metrics HTTP/1.1\r\n",
		"GET /metrics  HTTP/1.1\r\n",
		"GET /metrics HTTP/1.1 \r\n",
		" GET /metrics HTTP/1.1\r\n",
		"GET\t/metrics HTTP/1.1\r\n",
		"GET /metrics\r\n",
		"GET\r\n",
		"GET /metrics HTTP/1\r\n",
		"GET /metrics HTTP/1.10\r\n",
		"GET /metrics HTTP/11.1\r\n",
		"GET /metrics http/1.1\r\n",
		"GET /metrics HTTP/a.b\r\n",
		"GET /metrics HTTP/1,1\r\n",
		"GET /metrics HTTPS/1.1\r\n",
		"G(T /metrics HTTP/1.1\r\n",
		"GET /me\x01trics HTTP/1.1\r\n",
		"GET /m\x80 HTTP/1.1\r\n",
		"GET /m\x7f HTTP/1.1\r\n",
		"GET /a\rb HTTP/1.1\r\n",
		"GET / HTTP/1.1\r\r\n",
		"\rGET / HTTP/1.1\r\n",
		"GET / HTTP/1.1\r\nHost : x\r\n",
		"GET / HTTP/1.1\r\n: x\r\n",
		"GET / HTTP/1.1\r\n folded\r\n",
		"GET / HTTP/1.1\r\n\tfolded\r\n",
		"GET / HTTP/1.1\r\nNoColon\r\n",
		"GET / HTTP/1.1\r\nX: a\x01z\r\n",
		"GET / HTTP/1.1\r\nX: a\x7f\r\n",
		"GET / HTTP/1.1\r\nX: a\rb\r\n",
		"GET / HTTP/1.1\r\nX(y): z\r\n",
		"GET / HTTP/1.1\r\nX: 1\r\n\x16\x03\x01\x02\r\n",
		"GET / HTTP/1.1\r\nX: \x1b[31m\r\n",
	};
	struct httpd_req r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(parse(bad[i], &r), HTTPD_HEAD_BAD, "malformed line %zu, found before the blank line", i);
	CHECK_INT(httpd_parse_head("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 26, &r), HTTPD_HEAD_BAD, "NUL in a value");
	CHECK_INT(httpd_parse_head("GET /\0 HTTP/1.1\r\n\r\n", 19, &r), HTTPD_HEAD_BAD, "NUL in the target");
	CHECK_INT(httpd_parse_head("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n", 12, &r), HTTPD_HEAD_BAD,
		  "a TLS hello with a LF in it");
}

static void test_more(void)
{
	const char *s = "\r\nGET /metrics?x=1 HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n";
	size_t n = strlen(s);
	struct httpd_req r;
	int all_more = 1;

	for (size_t k = 0; k < n; k++)
		if (httpd_parse_head(s, k, &r) != HTTPD_HEAD_MORE)
			all_more = 0;
	CHECK(all_more, "every proper prefix of a good head needs more");
	CHECK_INT(httpd_parse_head(s, n, &r), HTTPD_HEAD_DONE, "the whole is done");

	memset(&r, 0x5a, sizeof(r));
	CHECK_INT(parse("GET / HTTP/1.1\r\nHost: h\r\n", &r), HTTPD_HEAD_MORE, "no blank line yet");
	CHECK(((unsigned char *)&r)[0] == 0x5a, "out untouched when not done");
	CHECK_INT(parse("GET  /", &r), HTTPD_HEAD_MORE, "a bad line is judged when complete");
	CHECK_INT(parse("\r\n\r\n\n", &r), HTTPD_HEAD_MORE, "only empty lines: still waiting for the request");
	CHECK_INT(parse("GET / HTTP/1.1\r\n\r", &r), HTTPD_HEAD_MORE, "CR of the blank line");
	CHECK_INT(httpd_parse_head(NULL, 10, &r), HTTPD_HEAD_MORE, "NULL reads as empty");
	CHECK_INT(httpd_parse_head("", 0, &r), HTTPD_HEAD_MORE, "empty");
}

/* "GET / HTTP/1.1\r\nX: aaa...\r\n\r\n" of exactly total bytes (>= 40), owned
 * by the caller. */
static char *head_of_size(size_t total)
{
	char *s = malloc(total + 1);
	size_t n;

	if (!s)
		abort();
	n = (size_t)sprintf(s, "GET / HTTP/1.1\r\nX: ");
	memset(s + n, 'a', total - 4 - n);
	memcpy(s + total - 4, "\r\n\r\n", 5);
	return s;
}

static void test_bounds(void)
{
	char *s, many[8192];
	struct httpd_req r;
	size_t n;

	s = head_of_size(HTTPD_HEAD_MAX);
	CHECK_INT(httpd_parse_head(s, HTTPD_HEAD_MAX, &r), HTTPD_HEAD_DONE, "a head of exactly HTTPD_HEAD_MAX");
	CHECK_INT(r.head_len, HTTPD_HEAD_MAX, "all of it");
	free(s);
	s = head_of_size(HTTPD_HEAD_MAX + 1);
	CHECK_INT(httpd_parse_head(s, HTTPD_HEAD_MAX + 1, &r), HTTPD_HEAD_TOOBIG, "one byte more is too big");
	CHECK_INT(httpd_parse_head(s, HTTPD_HEAD_MAX, &r), HTTPD_HEAD_TOOBIG, "known once HTTPD_HEAD_MAX are in");
	CHECK_INT(httpd_parse_head(s, HTTPD_HEAD_MAX - 1, &r), HTTPD_HEAD_MORE, "not before");
	memset(s, 'A', HTTPD_HEAD_MAX);
	CHECK_INT(httpd_parse_head(s, HTTPD_HEAD_MAX, &r), HTTPD_HEAD_TOOBIG, "a line without end");
	free(s);

	n = (size_t)sprintf(many, "GET / HTTP/1.1\r\n");
	for (int i = 1; i < HTTPD_LINES_MAX; i++)
		n += (size_t)sprintf(many + n, "X: %d\n", i);
	CHECK_INT(httpd_parse_head(many, n, &r), HTTPD_HEAD_MORE, "HTTPD_LINES_MAX lines, no blank line yet");
	memcpy(many + n, "\r\n", 3);
	CHECK_INT(httpd_parse_head(many, n + 2, &r), HTTPD_HEAD_DONE, "HTTPD_LINES_MAX lines are allowed");
	n += (size_t)sprintf(many + n, "X: last\r\n\r\n");
	CHECK_INT(httpd_parse_head(many, n, &r), HTTPD_HEAD_TOOBIG, "one line more is too many");
	memset(many, '\n', HTTPD_LINES_MAX + 1);
	CHECK_INT(httpd_parse_head(many, HTTPD_LINES_MAX, &r), HTTPD_HEAD_MORE, "HTTPD_LINES_MAX empty lines");
	CHECK_INT(httpd_parse_head(many, HTTPD_LINES_MAX + 1, &r), HTTPD_HEAD_TOOBIG, "empty lines count too");
}

int main(void)
{
	test_good();
	test_paths();
	test_bad();
	test_more();
	test_bounds();
	return T_DONE();
}
