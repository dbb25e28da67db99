/* log: see log.h. One write(2) per line so concurrent writers do not interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* Appends s to dst as a JSON string body (without quotes). */
static size_t json_escape(char *dst, size_t cap, const char *s)
{
	size_t n = 0;
	for (; *s && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			dst[n++] = '\\';
			dst[n++] = (char)c;
		} else if (c < 0x20) {
			n += (size_t)snprintf(dst + n, cap - n, "\\u%04x", c);
		} else {
			dst[n++] = (char)c;
		}
	}
	dst[n] = '\0';
	return n;
}

void rds_log(enum rds_log_level level, const char *fmt, ...)
{
	char msg[4096], line[8192], ts[40];
	struct timespec now;
	struct tm tm;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

	if (log_json) {
		char esc[sizeof(line) - 128];
		json_escape(esc, sizeof(esc), msg);
		n = snprintf(line, sizeof(line), "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"msg\":\"%s\"}\n", ts,
			     now.tv_nsec / 1000000, level_names[level], esc);
	} else {
		n = snprintf(line, sizeof(line), "%s.%03ldZ %-5s %s\n", ts, now.tv_nsec / 1000000, level_names[level],
			     msg);
	}
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* A failed log write has nowhere better to be reported. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
