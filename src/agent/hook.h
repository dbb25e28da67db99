/* hook: run PRE_HOOK or POST_HOOK in the service through the rds-hook helper
 * program (see hook_main.c), so that the agent itself never links libcurl.
 * The hook's words reach the helper on its stdin (words_pack), never in its
 * argv, so they are not in /proc/PID/cmdline. The hook's output is logged
 * line by line ("pre-hook[stdout]: ..."), its exit code comes back, and a
 * hook that cannot run says why. */
#ifndef RDS_HOOK_H
#define RDS_HOOK_H
#include <signal.h>
#include <stddef.h>

#define HOOK_HELPER "rds-hook"

struct hook_spec {
	const char *which;       /* "pre" or "post" */
	const char *helper;      /* the rds-hook program (absolute path) */
	const char *docker_host; /* "" = the helper's default */
	const char *service;
	char *const *argv;                   /* the hook, already split into words */
	long timeout_ms;                     /* 0 = none */
	const volatile sig_atomic_t *cancel; /* may be NULL */
	int verbose;                         /* the helper logs its Docker API calls */
	const char *container;               /* NULL or "": none; else the container to prefer (rds-hook --container) */
	long cancel_delay_ms;                /* > 0: a cancel ends the hook only this long after it came */
};

/* Runs the hook once. Returns its exit code (0 ok), or -1 when it could not
 * run; msg gets a one-line reason for anything but 0. */
int hook_run(const struct hook_spec *h, char *msg, size_t msglen);

/* The helper next to this program's own executable (/proc/self/exe), else
 * the first HOOK_HELPER on PATH. Returns 0 with its path in out, or -1. */
int hook_find_helper(char *out, size_t len, char *err, size_t errlen);

/* The same for any helper program name; purpose starts the error message
 * ("the hooks need", "label mode needs"). */
int hook_find_program(const char *name, const char *purpose, char *out, size_t len, char *err, size_t errlen);

#endif
