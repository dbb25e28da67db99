/* Unit tests for mux: recorded real exec streams (tests/data/docker/exec-stream*.bin,
 * captured from dockerd 20.10 / API 1.41) and synthetic frames, fed in every
 * chunking; the decoded transcript must not depend on how bytes arrive. */
#include <stdlib.h>

#include "mux.h"
#include "t.h"
#include "util.h"

#define DATA "tests/data/docker/"

/* Transcript of decoded lines: "<stream>:<line>\n" each. */
struct tr {
	char buf[65536];
	size_t n;
	int lines;
};

static void on_line(void *ud, enum mux_stream s, const char *line, size_t len)
{
	struct tr *t = ud;
	int w = snprintf(t->buf + t->n, sizeof(t->buf) - t->n, "%d:", (int)s);

	if (w < 0 || (size_t)w + len + 2 > sizeof(t->buf) - t->n)
		abort(); /* transcript too small: a test bug */
	t->n += (size_t)w;
	memcpy(t->buf + t->n, line, len);
	t->n += len;
	t->buf[t->n++] = '\n';
	t->buf[t->n] = '\0';
	t->lines++;
}

/* Decodes data fed in chunks of size chunk (0: all at once). */
static int decode(const char *data, size_t len, int raw, size_t chunk, struct tr *t, int *malformed)
{
	struct mux m;
	int rc;

	memset(t, 0, sizeof(*t));
	mux_init(&m, raw, on_line, t);
	if (chunk == 0)
		chunk = len ? len : 1;
	for (size_t off = 0; off < len; off += chunk)
		mux_feed(&m, data + off, len - off < chunk ? len - off : chunk);
	rc = mux_finish(&m);
	if (malformed)
		*malformed = m.malformed;
	return rc;
}

/* Appends one frame to a buffer. */
static size_t frame(char *out, size_t at, int type, const char *payload, size_t len)
{
	unsigned char *h = (unsigned char *)out + at;

	h[0] = (unsigned char)type;
	h[1] = h[2] = h[3] = 0;
	h[4] = (unsigned char)(len >> 24);
	h[5] = (unsigned char)(len >> 16);
	h[6] = (unsigned char)(len >> 8);
	h[7] = (unsigned char)len;
	memcpy(out + at + 8, payload, len);
	return at + 8 + len;
}

static char *load(const char *name, size_t *len)
{
	char *buf = NULL;

	if (read_file_bounded(name, 1 << 20, &buf, len) < 0) {
		printf("Bail out! cannot read %s (run from the repository root)\n", name);
		exit(1);
	}
	return buf;
}

static void test_recorded(void)
{
	char want[8192], xs[4097];
	size_t len, n = 0;
	char *s = load(DATA "exec-stream.bin", &len);
	struct tr *t = malloc(sizeof(*t)), *t2 = malloc(sizeof(*t2));
	int bad = 0, rc;

	memset(xs, 'x', 4096);
	xs[4096] = '\0';
	/* sh -c 'echo out1; echo err1 >&2; printf partial; sleep 0.1; echo " done";
	 * printf "crlf\r\n"; 5000 x; echo; printf "no newline at end" >&2; exit 3' */
	n += (size_t)snprintf(want + n, sizeof(want) - n, "1:out1\n2:err1\n1:partial done\n1:crlf\n");
	n += (size_t)snprintf(want + n, sizeof(want) - n, "1:%s\n1:%.904s\n", xs, xs);
	snprintf(want + n, sizeof(want) - n, "2:no newline at end\n");

	rc = decode(s, len, 0, 0, t, NULL);
	CHECK_INT(rc, 0, "recorded stream: complete");
	CHECK_STR(t->buf, want, "recorded stream: lines per stream, CRLF, 5000-byte line split at %d", MUX_LINE_MAX);
	for (size_t chunk = 1; chunk <= len && !bad; chunk++)
		if (decode(s, len, 0, chunk, t2, NULL) != 0 || strcmp(t2->buf, want) != 0)
			bad = (int)chunk;
	CHECK_INT(bad, 0, "recorded stream: same lines for every chunk size 1..%zu", len);
	for (size_t cut = 0; cut <= len && !bad; cut++) {
		struct mux m;
		memset(t2, 0, sizeof(*t2));
		mux_init(&m, 0, on_line, t2);
		mux_feed(&m, s, cut);
		mux_feed(&m, s + cut, len - cut);
		if (mux_finish(&m) != 0 || strcmp(t2->buf, want) != 0)
			bad = (int)cut + 1;
	}
	CHECK_INT(bad, 0, "recorded stream: same lines for every split point");
	rc = decode(s, len - 3, 0, 1, t2, NULL);
	CHECK_INT(rc, -1, "recorded stream cut 3 bytes short: reported truncated");
	CHECK(strstr(t2->buf, "2:no newline at \n") != NULL, "truncated: the bytes that arrived are passed on");
	free(s);

	s = load(DATA "exec-stream-notfound.bin", &len);
	decode(s, len, 0, 1, t, NULL);
	CHECK_STR(t->buf,
		  "1:OCI runtime exec failed: exec failed: unable to start container process: exec: "
		  "\"nosuchcmd\": executable file not found in $PATH: unknown\n",
		  "recorded 'command not found' stream: one stdout line, CR stripped");
	free(s);

	s = load(DATA "exec-stream-tty.bin", &len);
	for (size_t chunk = 0; chunk <= len; chunk++) {
		rc = decode(s, len, 1, chunk, t, NULL);
		if (rc != 0 || strcmp(t->buf, "1:out1\n1:err1\n1:partial\n") != 0)
			bad = (int)chunk + 1;
	}
	CHECK_INT(bad, 0, "recorded TTY (raw) stream: all stdout, CRLF stripped, every chunking");
	free(s);
	free(t);
	free(t2);
}

static void test_synthetic(void)
{
	static char s[40000], big[20000];
	struct tr *t = malloc(sizeof(*t));
	size_t n = 0;
	int bad = 0, malformed = 0, rc;

	/* Interleaved partial lines: each stream keeps its own buffer. */
	n = frame(s, n, 2, "err-a", 5);
	n = frame(s, n, 1, "out-a\nout-", 10);
	n = frame(s, n, 2, "-end\n", 5);
	n = frame(s, n, 1, "", 0);    /* empty frame */
	n = frame(s, n, 0, "b\n", 2); /* stdin: documented as written on stdout */
	n = frame(s, n, 3, "daemon says no\n", 15);
	for (size_t chunk = 0; chunk <= n; chunk++) {
		decode(s, n, 0, chunk, t, NULL);
		if (strcmp(t->buf, "1:out-a\n2:err-a-end\n1:out-b\n3:daemon says no\n") != 0)
			bad = (int)chunk + 1;
	}
	CHECK_INT(bad, 0, "interleaved streams, empty frame, type 0 and 3, every chunking");

	/* Line lengths around the bound. */
	memset(big, 'y', sizeof(big));
	n = frame(s, 0, 1, big, MUX_LINE_MAX);
	n = frame(s, n, 1, "\n", 1);
	decode(s, n, 0, 1, t, NULL);
	CHECK_INT(t->lines, 1, "a line of exactly MUX_LINE_MAX bytes stays one line");
	CHECK_INT(t->n, 2 + MUX_LINE_MAX + 1, "... with no empty line after it");
	n = frame(s, 0, 2, big, MUX_LINE_MAX + 1);
	n = frame(s, n, 2, "\n", 1);
	decode(s, n, 0, 7, t, NULL);
	CHECK_INT(t->lines, 2, "MUX_LINE_MAX + 1 bytes: split into two lines");
	CHECK(strcmp(t->buf + t->n - 4, "2:y\n") == 0, "... the second holds the last byte");
	n = frame(s, 0, 1, big, 10000);
	rc = decode(s, n, 0, 1, t, NULL);
	CHECK(rc == 0 && t->lines == 3, "10000 bytes, no newline: 3 pieces, the last flushed at the end");

	/* A line ending in '\r' only at a split point keeps it; CRLF loses it. */
	n = frame(s, 0, 1, "a\rb\r\n\r\n", 7);
	decode(s, n, 0, 1, t, NULL);
	CHECK_STR(t->buf, "1:a\rb\n1:\n", "CR inside a line kept, CRLF ending stripped");

	/* NUL bytes inside a line: the length says where it ends. */
	n = frame(s, 0, 1, "a\0b\n", 4);
	decode(s, n, 0, 1, t, NULL);
	CHECK(t->n == 6 && memcmp(t->buf, "1:a\0b\n", 6) == 0, "NUL inside a line passed on with its length");

	/* Truncated inside a header. */
	n = frame(s, 0, 1, "ok\n", 3);
	memcpy(s + n, "\1\0\0\0\0", 5);
	rc = decode(s, n + 5, 0, 1, t, NULL);
	CHECK(rc == -1 && strcmp(t->buf, "1:ok\n") == 0, "stream cut inside a header: truncated, earlier lines kept");
	rc = decode("", 0, 0, 0, t, NULL);
	CHECK(rc == 0 && t->lines == 0, "empty stream: no lines, not truncated");

	/* Not a multiplexed stream: shown raw rather than lost. */
	rc = decode("hello world\nbye", 15, 0, 1, t, &malformed);
	CHECK(malformed == 1 && rc == 0, "bad header ('h' = type 104): marked malformed");
	CHECK_STR(t->buf, "1:hello world\n1:bye\n", "... and every byte shown as stdout");
	n = frame(s, 0, 1, "x\n", 2);
	memcpy(s + n, "\2\0\1\0\0\0\0\1z\n", 10); /* non-zero padding */
	rc = decode(s, n + 10, 0, 3, t, &malformed);
	CHECK(malformed == 1 && strncmp(t->buf, "1:x\n1:", 6) == 0, "non-zero padding: malformed after the good frame");
	free(t);
}

int main(void)
{
	test_recorded();
	test_synthetic();
	return T_DONE();
}
