/* log: see log.h. One write(2) per line so concurrent writers do not interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "utf8.h"

static enum rds_log_level log_level = RDS_LOG_INFO;
static int log_json;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void rds_log_init(enum rds_log_level level, int json)
{
	log_level = level;
	log_json = json;
}

int rds_log_enabled(enum rds_log_level level)
{
	return level <= log_level;
}

/* Writes s[0..len) (valid UTF-8) into dst as a JSON string body (without quotes),
 * whole characters only, always NUL-terminated. */
static void json_escape(char *dst, size_t cap, const char *s, size_t len)
{
	size_t n = 0, k;

	for (size_t i = 0; i < len; i += k) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		const char *from = esc;
		size_t w;

		k = utf8_char_len(s + i, len - i);
		if (!k) /* not after utf8_copy; kept safe anyway */
			break;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			w = 2;
		} else if (c < 0x20) {
			w = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", c);
		} else {
			from = s + i;
			w = k;
		}
		if (n + w + 1 > cap)
			break;
		memcpy(dst + n, from, w);
		n += w;
	}
	dst[n] = '\0';
}

void rds_log(enum rds_log_level level, const char *fmt, ...)
{
	char msg[4096], clean[8192 - 128], line[8192], ts[40];
	struct timespec now;
	struct tm tm;
	va_list ap;
	size_t len, clen;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = (size_t)n < sizeof(msg) ? (size_t)n : utf8_trim_cut(msg, sizeof(msg) - 1);
	/* Valid UTF-8 for JSON and the terminal alike; in text, control
	 * characters (a restic error with ESC, CR or LF in it) are shown as
	 * \xNN so that one message stays one line and cannot drive the
	 * terminal. JSON escapes them itself. */
	clen = utf8_copy(clean, sizeof(clean), msg, len, log_json ? 0 : UTF8_ESCAPE_CTL);

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

	if (log_json) {
		char esc[sizeof(line) - 128];
		json_escape(esc, sizeof(esc), clean, clen);
		n = snprintf(line, sizeof(line), "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"msg\":\"%s\"}\n", ts,
			     now.tv_nsec / 1000000, level_names[level], esc);
	} else {
		n = snprintf(line, sizeof(line), "%s.%03ldZ %-5s %s\n", ts, now.tv_nsec / 1000000, level_names[level],
			     clean);
	}
	/* The buffers are sized so that a line always fits whole: a cut line
	 * would be broken JSON or end inside a character. */
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	/* A failed log write has nowhere better to be reported. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
