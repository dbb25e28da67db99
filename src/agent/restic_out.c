/* restic_out: see restic_out.h. */
#include "restic_out.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#define JSON_LINE_MAX (1 << 20) /* longer stdout/stderr lines are skipped */

/* ---- backup --json ---- */

/* Copies s[0..n) into dst (len bytes, NUL-terminated) as one line of valid
 * UTF-8: terminal escapes (restic clears the status line with ESC [ 2 K)
 * dropped, other control characters as '?', invalid bytes (a Latin-1 file
 * name) as U+FFFD; a cut falls between characters. */
static void copy_clean(char *dst, size_t len, const char *s, size_t n)
{
	utf8_copy(dst, len, s, n, UTF8_DROP_CSI | UTF8_CTL_QMARK);
}

/* Parses one line that should hold a JSON object; tolerates a prefix (a
 * terminal escape) before '{' and anything after the object. Returns a new
 * reference or NULL. */
static json_t *line_json(const char *l, size_t n)
{
	const char *b = memchr(l, '{', n);
	json_error_t e;
	json_t *o;

	if (!b)
		return NULL;
	n -= (size_t)(b - l);
	if (n > JSON_LINE_MAX)
		return NULL;
	o = json_loadb(b, n, JSON_DISABLE_EOF_CHECK, &e);
	if (o && !json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

static const char *msg_type(json_t *o)
{
	const char *t = json_string_value(json_object_get(o, "message_type"));
	return t ? t : "";
}

static void get_long(json_t *o, const char *k, long *dst)
{
	json_t *v = json_object_get(o, k);
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= LONG_MAX)
		*dst = (long)json_integer_value(v);
}

static void get_ll(json_t *o, const char *k, long long *dst)
{
	json_t *v = json_object_get(o, k);
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		*dst = json_integer_value(v);
}

static void take_summary(json_t *o, struct restic_summary *s)
{
	const char *id = json_string_value(json_object_get(o, "snapshot_id"));
	double d = json_number_value(json_object_get(o, "total_duration"));
	size_t n;

	get_long(o, "files_new", &s->files_new);
	get_long(o, "files_changed", &s->files_changed);
	get_long(o, "files_unmodified", &s->files_unmodified);
	get_long(o, "dirs_new", &s->dirs_new);
	get_long(o, "dirs_changed", &s->dirs_changed);
	get_ll(o, "data_added", &s->data_added);
	get_ll(o, "total_bytes_processed", &s->total_bytes_processed);
	if (isfinite(d) && d >= 0)
		s->duration_s = d;
	s->snapshot_id[0] = '\0';
	if (id && (n = strlen(id)) > 0 && n < sizeof(s->snapshot_id) && strspn(id, "0123456789abcdef") == n)
		memcpy(s->snapshot_id, id, n + 1);
	s->have = 1;
}

/* "ITEM: MESSAGE" of a JSON error line. 0.17+ writes the Go error as
 * {"message": "..."}; 0.14 marshals its fields, e.g. {"Op": "open", "Path":
 * "...", "Err": 13} for an errno. */
static void error_text(json_t *o, char *dst, size_t len)
{
	json_t *e = json_object_get(o, "error");
	const char *item = json_string_value(json_object_get(o, "item"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *op = json_string_value(json_object_get(e, "Op"));
	json_t *errno_v = json_object_get(e, "Err");
	char tmp[768], eb[160], sb[96], ob[41], ib[401], mb[301];

	if (!msg && op && json_is_integer(errno_v) && json_integer_value(errno_v) > 0 &&
	    json_integer_value(errno_v) < 4096) {
		/* GNU strerror_r: thread-safe, returns the text. */
		utf8_copy(ob, sizeof(ob), op, strlen(op), 0);
		snprintf(eb, sizeof(eb), "%s: %s", ob, strerror_r((int)json_integer_value(errno_v), sb, sizeof(sb)));
		msg = eb;
	}
	if (!msg)
		msg = json_string_value(json_object_get(o, "during"));
	if (!msg)
		msg = "error";
	/* Bounded parts, each cut between characters. */
	utf8_copy(mb, sizeof(mb), msg, strlen(msg), 0);
	if (item && *item) {
		utf8_copy(ib, sizeof(ib), item, strlen(item), 0);
		snprintf(tmp, sizeof(tmp), "%s: %s", ib, mb);
	} else {
		snprintf(tmp, sizeof(tmp), "%s", mb);
	}
	copy_clean(dst, len, tmp, strlen(tmp));
}

int restic_parse_backup_json(const char *out, size_t len, struct restic_summary *s)
{
	const char *p = out, *end = out + len;

	memset(s, 0, sizeof(*s));
	while (out && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		json_t *o;

		/* Status lines are most of the output: only lines that can
		 * be a summary are decoded. */
		if (memmem(p, n, "summary", 7) && (o = line_json(p, n))) {
			if (strcmp(msg_type(o), "summary") == 0)
				take_summary(o, s);
			json_decref(o);
		}
		p = nl ? nl + 1 : end;
	}
	return s->have ? 0 : -ENOENT;
}

/* ---- how a run ended ---- */

/* 1 when a line of text is a 0.17+ JSON exit_error message: such a restic
 * has an exit code for each outcome, so its text decides nothing. */
static int has_exit_error(const char *text)
{
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n && p[0] == '{' && memmem(p, n, "exit_error", 10)) {
			json_t *o = line_json(p, n);
			int is = o && strcmp(msg_type(o), "exit_error") == 0;
			json_decref(o);
			if (is)
				return 1;
		}
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* restic before 0.17 on a missing repository: "unable to open config file:
 * Lstat: file does not exist" (sftp), "...: stat PATH: no such file or
 * directory" (local). The same prefix with another error (permission
 * denied, I/O) is a repository that exists but cannot be read. */
static int says_config_missing(const char *text)
{
	static const char prefix[] = "unable to open config file";
	const char *p = text;

	while ((p = strstr(p, prefix))) {
		size_t n = strcspn(p, "\n");
		if (memmem(p, n, "file does not exist", 19) || memmem(p, n, "no such file or directory", 25))
			return 1;
		p += n;
	}
	return 0;
}

enum restic_outcome restic_classify(int exit_code, const char *err)
{
	switch (exit_code) {
	case 0:
		return RESTIC_OK;
	case 3:
		return RESTIC_INCOMPLETE;
	case 10:
		return RESTIC_NO_REPO;
	case 11:
		return RESTIC_LOCKED;
	case 12:
		return RESTIC_WRONG_PASSWORD;
	case 128 + SIGHUP:
	case 128 + SIGINT:
	case 128 + SIGKILL:
	case 128 + SIGTERM:
		return RESTIC_INTERRUPTED;
	case 1:
		break;
	default:
		return RESTIC_FAILED;
	}
	/* Before 0.17 exit code 1 covered all of these: the text decides. */
	if (!err)
		return RESTIC_FAILED;
	if (strstr(err, "wrong password or no key found"))
		return RESTIC_WRONG_PASSWORD;
	/* Not "unable to create lock" alone: that prefix also comes with a
	 * permission error or a cancelled context, which unlock cannot fix. */
	if (strstr(err, "repository is already locked"))
		return RESTIC_LOCKED;
	/* 0.17+ prints "Is there a repository at the following location?"
	 * after ANY error reading the config, and exits 10 when it is
	 * missing: exit 1 next to its exit_error line is a plain failure. */
	if (says_config_missing(err) && !has_exit_error(err))
		return RESTIC_NO_REPO;
	return RESTIC_FAILED;
}

const char *restic_outcome_name(enum restic_outcome o)
{
	switch (o) {
	case RESTIC_OK:
		return "ok";
	case RESTIC_INCOMPLETE:
		return "incomplete";
	case RESTIC_NO_REPO:
		return "no-repository";
	case RESTIC_LOCKED:
		return "locked";
	case RESTIC_WRONG_PASSWORD:
		return "wrong-password";
	case RESTIC_INTERRUPTED:
		return "interrupted";
	case RESTIC_FAILED:
		break;
	}
	return "failed";
}

static int starts(const char *l, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(l, prefix, k) == 0;
}

/* Lines that never explain a failure: help text, ssh's banner art, the
 * location echoed after "Is there a repository...", the details restic
 * adds under "repository is already locked". */
static int noise(const char *l, size_t n, int after_location_question)
{
	static const char *const pfx[] = { "Usage:",
					   "Flags:",
					   "Global Flags:",
					   "Available Commands:",
					   "Examples:",
					   "Aliases:",
					   "Use \"restic",
					   "EXIT STATUS",
					   "Is there a repository at the following location?",
					   "lock was created at",
					   "storage ID ",
					   "the `unlock` command" };
	size_t i;

	if (after_location_question)
		return 1;
	if (n == 0 || l[0] == ' ' || l[0] == '\t')
		return 1;
	for (i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++)
		if (starts(l, n, pfx[i]))
			return 1;
	if (strspn(l, "@ ") >= n)
		return 1;
	return 0;
}

void restic_last_error(const char *text, char *buf, size_t len)
{
	const char *p = text, *fatal = NULL, *plain = NULL;
	size_t fatal_n = 0, plain_n = 0;
	char exit_msg[512] = "", json_err[512] = "";
	int plain_is_json = 0, after_q = 0;

	if (!len)
		return;
	buf[0] = '\0';
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
			n--;
		if (n && p[0] == '{') {
			json_t *o = line_json(p, n);
			const char *t = o ? msg_type(o) : "";
			if (strcmp(t, "exit_error") == 0) {
				const char *m = json_string_value(json_object_get(o, "message"));
				if (m && strncmp(m, "Fatal: ", 7) == 0)
					m += 7;
				if (m)
					copy_clean(exit_msg, sizeof(exit_msg), m, strcspn(m, "\n"));
			} else if (strcmp(t, "error") == 0) {
				error_text(o, json_err, sizeof(json_err));
				plain_is_json = 1;
				plain = p;
			}
			json_decref(o);
		} else if (starts(p, n, "Fatal: ")) {
			fatal = p + 7;
			fatal_n = n - 7;
		} else if (!noise(p, n, after_q)) {
			plain = p;
			plain_n = n;
			plain_is_json = 0;
		}
		after_q = starts(p, n, "Is there a repository at the following location?");
		p = nl ? nl + 1 : NULL;
	}
	if (exit_msg[0])
		copy_clean(buf, len, exit_msg, strlen(exit_msg));
	else if (fatal)
		copy_clean(buf, len, fatal, fatal_n);
	else if (plain && plain_is_json)
		copy_clean(buf, len, json_err, strlen(json_err));
	else if (plain)
		copy_clean(buf, len, plain, plain_n);
}

/* ---- ssh failures ---- */

struct hint {
	const char *needle, *needle2; /* both must occur (needle2 may be NULL) */
	const char *hint;
};

/* Most specific first: "Host key verification failed" ends all three host
 * key cases. */
static const struct hint hints[] = {
	{ "REMOTE HOST IDENTIFICATION HAS CHANGED", NULL,
	  "the server's host key does not match SSH_KNOWN_HOSTS_FILE (a different server, or one that lost its host "
	  "keys)" },
	{ "host key is known for", "strict checking",
	  "SSH_KNOWN_HOSTS_FILE has no entry for this server (it must name [SSH_HOST]:SSH_PORT)" },
	{ "Host key verification failed", NULL,
	  "the server's host key could not be verified against SSH_KNOWN_HOSTS_FILE" },
	{ "UNPROTECTED PRIVATE KEY FILE", NULL,
	  "ssh ignored the private key because others can read it (use a private 0600 copy of SSH_PRIVKEY_FILE)" },
	{ "Load key", "invalid format", "SSH_PRIVKEY_FILE is not a private key that ssh can read" },
	{ "Identity file", "not accessible", "SSH_PRIVKEY_FILE cannot be read" },
	{ "Permission denied (publickey", NULL,
	  "the server refused the key in SSH_PRIVKEY_FILE (not in its authorized keys, or wrong SSH user)" },
	{ "Connection refused", NULL, "nothing accepts connections at SSH_HOST:SSH_PORT (server down, or wrong port)" },
	{ "Could not resolve hostname", NULL,
	  "SSH_HOST does not resolve (misspelt, or the server is not on a network shared with this agent)" },
	{ "Connection timed out", NULL, "the server at SSH_HOST:SSH_PORT did not answer (firewall, or wrong address)" },
	{ "Operation timed out", NULL, "the server at SSH_HOST:SSH_PORT did not answer (firewall, or wrong address)" },
	{ "No route to host", NULL, "there is no network route to SSH_HOST" },
	{ "Network is unreachable", NULL, "there is no network route to SSH_HOST" },
	{ "subsystem request failed", NULL, "the server does not offer the sftp subsystem" },
	{ "kex_exchange_identification", NULL,
	  "the server closed the connection before the SSH handshake (not an SSH server, or overloaded)" },
	{ "Connection closed by", NULL,
	  "the server closed the connection (is it an SSH server, and does it accept this user?)" },
	{ "Connection reset by", NULL, "the server reset the connection" },
	/* ssh's ServerAlive gave up (restic.h's defaults): packets dropped. */
	{ "Timeout, server", "not responding",
	  "the server stopped answering during the run (the network dropped, or the server hung): ssh gave up "
	  "after ServerAliveInterval x ServerAliveCountMax" },
	/* SFTP v3 has no "disk full": the server says only "Failure". */
	{ "SSH_FX_FAILURE", NULL, "the server could not write (SSH_FX_FAILURE): most often its disk is full" },
	{ "executable file not found", "ssh", "the ssh client is not installed (ssh not in PATH)" },
	/* Last: restic's own words when its ssh ended without any of the
	 * above (a server killed mid-run: its TCP connection just closes). */
	{ "ssh command exited", NULL,
	  "the connection to the server ended during the run (the server stopped or restarted, or dropped the "
	  "connection)" },
};

const char *restic_ssh_hint(const char *text)
{
	size_t i;

	if (!text)
		return NULL;
	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (strstr(text, hints[i].needle) && (!hints[i].needle2 || strstr(text, hints[i].needle2)))
			return hints[i].hint;
	return NULL;
}
