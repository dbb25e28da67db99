/* Unit tests for src/common/log.c: every line is one line, JSON lines are valid
 * UTF-8 JSON with the message intact, text lines show control characters
 * as \xNN instead of sending them to the terminal. The log writes to fd 2:
 * each case redirects it to a file and reads the file back. */
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "t.h"
#include "utf8.h"
#include "util.h"

static char path[] = "/tmp/rds-test-log-XXXXXX";

/* Runs rds_log(INFO, "%s", msg) with fd 2 on a fresh file; returns what was
 * written (owned by the caller) or NULL. */
static char *logged(int json, const char *msg)
{
	char *text = NULL;
	int fd, saved;

	fd = open(path, O_WRONLY | O_TRUNC);
	saved = dup(STDERR_FILENO);
	if (fd < 0 || saved < 0 || dup2(fd, STDERR_FILENO) < 0)
		return NULL;
	rds_log_init(RDS_LOG_INFO, json);
	rds_log(RDS_LOG_INFO, "%s", msg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	if (read_file_bounded(path, 1 << 20, &text, NULL) < 0)
		return NULL;
	return text;
}

static int one_line(const char *t)
{
	size_t n = strlen(t);
	return n > 0 && t[n - 1] == '\n' && memchr(t, '\n', n - 1) == NULL;
}

/* The msg of one JSON line, compared with want. */
static void check_json(const char *msg, const char *want, size_t min_len, const char *what)
{
	char *t = logged(1, msg);
	json_error_t e;
	json_t *o = t ? json_loads(t, 0, &e) : NULL;
	const char *got = json_string_value(json_object_get(o, "msg"));

	CHECK(t && one_line(t), "json: %s: one line", what);
	CHECK(t && utf8_valid(t, strlen(t)), "json: %s: valid UTF-8", what);
	CHECK(o != NULL, "json: %s: parses (%s)", what, o ? "ok" : e.text);
	CHECK_STR(json_string_value(json_object_get(o, "level")), "info", "json: %s: level kept", what);
	if (want)
		CHECK_STR(got, want, "json: %s: message", what);
	else
		CHECK(got && strlen(got) >= min_len && utf8_valid(got, strlen(got)),
		      "json: %s: at least %zu bytes kept, valid", what, min_len);
	json_decref(o);
	free(t);
}

/* The message part of one text line ("TIME LEVEL MSG\n"). */
static void check_text(const char *msg, const char *want, size_t min_len, const char *what)
{
	char *t = logged(0, msg), *m = t ? strstr(t, " info  ") : NULL;

	CHECK(t && one_line(t), "text: %s: one line", what);
	CHECK(t && utf8_valid(t, strlen(t)) && !utf8_has_ctl(t, strlen(t) - 1), "text: %s: no raw control character",
	      what);
	if (m) {
		m += 7;
		m[strlen(m) - 1] = '\0';
	}
	if (want)
		CHECK_STR(m, want, "text: %s: message", what);
	else
		CHECK(m && strlen(m) >= min_len, "text: %s: at least %zu bytes kept", what, min_len);
	free(t);
}

int main(void)
{
	char big[6000];
	int fd = mkstemp(path);

	if (fd < 0)
		return 1;
	close(fd);

	check_json("plain", "plain", 0, "plain message");
	check_json("restic: open /srv/caf\xe9: denied", "restic: open /srv/caf\xef\xbf\xbd: denied", 0,
		   "Latin-1 byte as U+FFFD, other keys kept");
	check_json("a\x1b[2Kb\r\nc\t\"q\" \\", "a\x1b[2Kb\r\nc\t\"q\" \\", 0, "control characters and quotes escaped");
	check_json("\xed\xa0\x80 \xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd", 0,
		   "surrogate and overlong replaced");

	check_text("plain", "plain", 0, "plain message");
	check_text("restic: Fatal: x\x1b[31mred\x1b[0m", "restic: Fatal: x\\x1b[31mred\\x1b[0m", 0,
		   "ESC shown as \\x1b");
	check_text("line1\r\nline2\tend", "line1\\x0d\\x0aline2\\x09end", 0, "CR, LF and TAB escaped: one line");
	check_text("caf\xe9", "caf\xef\xbf\xbd", 0, "Latin-1 byte as U+FFFD");
	check_text("x\xc2\x9b"
		   "2J",
		   "x\\u009b2J", 0, "C1 CSI escaped");

	/* Longer than the 4096-byte message buffer: 2-byte characters from
	 * offset 0, so the 4095 bytes that fit end in the first byte of one. */
	memset(big, 0, sizeof(big));
	for (size_t i = 0; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	check_json(big, NULL, 4000, "long UTF-8 message cut by the buffer");
	check_text(big, NULL, 4000, "long UTF-8 message cut by the buffer");
	{
		char *t = logged(1, big);
		CHECK(t && !strstr(t, "\xef\xbf\xbd"), "the buffer's cut does not show as U+FFFD");
		free(t);
	}
	for (size_t i = 0; i + 1 < sizeof(big); i++)
		big[i] = "\x1b\n"[i % 2];
	check_json(big, NULL, 1000, "long message of control characters");
	check_text(big, NULL, 1000, "long message of control characters");

	rds_log_init(RDS_LOG_WARN, 0);
	CHECK(!rds_log_enabled(RDS_LOG_INFO) && rds_log_enabled(RDS_LOG_ERROR), "the level threshold holds");
	unlink(path);
	return T_DONE();
}
