/* hook: see hook.h. */
#include "hook.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "util.h"
#include "words.h"

#define HELPER_GRACE_MS 5000 /* the helper's own timeout fires first */
#define HOOK_LOG_HEAD 200     /* output lines logged as they come, per hook run */
#define HOOK_LOG_TAIL 20      /* then the last ones, logged when the hook ends */

struct reply {
	const char *which;
	int have_result, exit_code, slot;
	char container[65], task[65], error[512];
	/* Output beyond HOOK_LOG_HEAD lines: counted, the last HOOK_LOG_TAIL
	 * kept (a hook with endless output must not fill the log). */
	unsigned long lines, skipped, skipped_bytes;
	char *tail[HOOK_LOG_TAIL];
};

static void output_line(struct reply *r, const char *line)
{
	char **slot;

	if (++r->lines <= HOOK_LOG_HEAD) {
		log_info("%s-hook[%s]: %s", r->which, line[0] == '1' ? "stdout" : "stderr", line + 2);
		return;
	}
	slot = &r->tail[(r->lines - HOOK_LOG_HEAD - 1) % HOOK_LOG_TAIL];
	if (*slot) {
		r->skipped++;
		r->skipped_bytes += strlen(*slot + 2);
		free(*slot);
	}
	*slot = strdup(line); /* out of memory: that line is only counted as lost */
	if (!*slot)
		r->skipped++;
}

/* The kept last lines, after a note of how much was not logged. */
static void output_end(struct reply *r)
{
	unsigned long kept = 0, first;

	if (r->lines <= HOOK_LOG_HEAD)
		return;
	first = r->lines - HOOK_LOG_HEAD < HOOK_LOG_TAIL ? 0 : (r->lines - HOOK_LOG_HEAD) % HOOK_LOG_TAIL;
	for (int i = 0; i < HOOK_LOG_TAIL; i++)
		kept += r->tail[i] != NULL;
	if (r->skipped)
		log_warn("%s-hook: %lu lines of output in all; %lu of them (%lu bytes) not logged, the last %lu follow",
			 r->which, r->lines, r->skipped, r->skipped_bytes, kept);
	for (int i = 0; i < HOOK_LOG_TAIL; i++) {
		char **slot = &r->tail[(first + (unsigned long)i) % HOOK_LOG_TAIL];
		if (!*slot)
			continue;
		log_info("%s-hook[%s]: %s", r->which, (*slot)[0] == '1' ? "stdout" : "stderr", *slot + 2);
		free(*slot);
		*slot = NULL;
	}
}

/* Lines of the helper: "1 ..."/"2 ..." hook output, "R ..." result,
 * "E CODE MESSAGE" failure; its stderr is its own trouble. */
static void helper_line(void *ud, int stream, const char *line)
{
	struct reply *r = ud;
	int code;

	if (stream == 2) {
		log_warn("%s-hook: %s: %s", r->which, HOOK_HELPER, line);
	} else if ((line[0] == '1' || line[0] == '2') && line[1] == ' ') {
		output_line(r, line);
	} else if (line[0] == 'R' && sscanf(line, "R exit=%d container=%64s task=%64s node=%*s slot=%d", &r->exit_code,
					    r->container, r->task, &r->slot) == 4) {
		r->have_result = 1;
	} else if (line[0] == 'E' && sscanf(line, "E %d", &code) == 1 && strchr(line + 2, ' ')) {
		snprintf(r->error, sizeof(r->error), "%s", strchr(line + 2, ' ') + 1);
	} else {
		log_warn("%s-hook: unexpected line from %s: %.200s", r->which, HOOK_HELPER, line);
	}
}

/* The helper's environment: DOCKER_HOST, PATH, and the Docker client
 * settings from ours, so that rds-hook refuses DOCKER_TLS_VERIFY by name
 * (http.c) instead of failing to connect. It reads no DOCKER_API_VERSION (it
 * negotiates) and does no TLS, so DOCKER_CERT_PATH only comes along. */
static int helper_env(const struct hook_spec *h, struct strvec *env, char *msg, size_t msglen)
{
	static const char *const pass[] = { "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", NULL };

	if ((h->docker_host && *h->docker_host && strvec_pushf(env, "DOCKER_HOST=%s", h->docker_host) < 0) ||
	    strvec_push(env, "PATH=/usr/local/bin:/usr/bin:/bin") < 0)
		goto nomem;
	for (const char *const *k = pass; *k; k++) {
		const char *v = getenv(*k);
		if (!v)
			continue;
		if (strlen(v) > PATH_MAX) {
			snprintf(msg, msglen, "%s-hook not run: %s is longer than %d bytes; fix or unset it", h->which,
				 *k, PATH_MAX);
			return -1;
		}
		if (strvec_pushf(env, "%s=%s", *k, v) < 0)
			goto nomem;
	}
	return 0;
nomem:
	snprintf(msg, msglen, "%s-hook not run: out of memory", h->which);
	return -1;
}

int hook_run(const struct hook_spec *h, char *msg, size_t msglen)
{
	struct strvec argv = { 0 }, env = { 0 };
	struct child_spec cs = { 0 };
	struct child_result res;
	struct reply r = { .which = h->which };
	char err[256], *words = NULL;
	size_t words_len = 0;
	int rc = -1;

	/* The hook's words go on the helper's stdin, not in its argv: a
	 * password in them would show in /proc/PID/cmdline. */
	if (words_pack(h->argv, &words, &words_len, err, sizeof(err)) < 0) {
		snprintf(msg, msglen, "%s-hook not run: %s", h->which, err);
		goto out;
	}
	if (strvec_push(&argv, h->helper) < 0 || (h->verbose && strvec_push(&argv, "-v") < 0) ||
	    (h->container && *h->container &&
	     (strvec_push(&argv, "--container") < 0 || strvec_push(&argv, h->container) < 0)) ||
	    strvec_push(&argv, h->service) < 0 || strvec_pushf(&argv, "%ld", h->timeout_ms) < 0 ||
	    strvec_push(&argv, "--stdin") < 0) {
		snprintf(msg, msglen, "%s-hook not run: out of memory", h->which);
		goto out;
	}
	if (helper_env(h, &env, msg, msglen) < 0)
		goto out;
	cs.argv = argv.v;
	cs.envp = env.v;
	cs.stdin_data = words;
	cs.stdin_len = words_len;
	cs.on_line = helper_line;
	cs.ud = &r;
	cs.timeout_ms = h->timeout_ms ? h->timeout_ms + HELPER_GRACE_MS : 0;
	cs.stop = h->cancel;
	cs.stop_delay_ms = h->cancel_delay_ms;
	cs.kill_grace_ms = 2000;
	if (child_run(&cs, &res, err, sizeof(err)) < 0) {
		snprintf(msg, msglen, "%s-hook not run: cannot start %s: %s", h->which, h->helper, err);
		goto out;
	}
	output_end(&r);
	if (r.have_result) {
		log_info("%s-hook: exit code %d in container %.12s (task %.12s, slot %d)", h->which, r.exit_code,
			 r.container, r.task, r.slot);
		if (r.exit_code != 0)
			snprintf(msg, msglen, "%s-hook exited with code %d in container %.12s", h->which, r.exit_code,
				 r.container);
		rc = r.exit_code;
	} else if (r.error[0]) {
		snprintf(msg, msglen, "%s-hook failed: %s", h->which, r.error);
	} else if (res.not_started) {
		snprintf(msg, msglen, "%s-hook not run: a stop was requested", h->which);
	} else {
		snprintf(msg, msglen, "%s-hook failed: %s ended with code %d and no result%s", h->which, h->helper,
			 res.code,
			 res.timed_out ? " (killed: no answer in time)"
			 : res.stopped ? " (stopped)"
				       : "");
	}
out:
	for (int i = 0; i < HOOK_LOG_TAIL; i++)
		free(r.tail[i]);
	strvec_free(&argv);
	strvec_free(&env);
	free(words);
	return rc;
}

int hook_find_program(const char *name, const char *purpose, char *out, size_t len, char *err, size_t errlen)
{
	char self[PATH_MAX], *slash, *path, *save = NULL, *dir;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash && snprintf(out, len, "%.*s/%s", (int)(slash - self), self, name) < (int)len &&
		    access(out, X_OK) == 0)
			return 0;
	}
	path = strdup(getenv("PATH") ? getenv("PATH") : "/usr/local/bin:/usr/bin:/bin");
	for (dir = path ? strtok_r(path, ":", &save) : NULL; dir; dir = strtok_r(NULL, ":", &save))
		if (*dir == '/' && snprintf(out, len, "%s/%s", dir, name) < (int)len && access(out, X_OK) == 0) {
			free(path);
			return 0;
		}
	free(path);
	snprintf(err, errlen,
		 "%s the program %s, which is neither next to this program (%s) nor on PATH; install it with "
		 "rds-agent",
		 purpose, name, n > 0 ? self : "?");
	return -1;
}

int hook_find_helper(char *out, size_t len, char *err, size_t errlen)
{
	return hook_find_program(HOOK_HELPER, "the hooks need", out, len, err, errlen);
}
