/* jobspec: what one backup job is — which service's hooks, which data, which
 * repository, on which schedule, kept how long — apart from the agent-wide
 * settings (connection, secrets, defaults) in struct config. Seed mode builds
 * one spec from the environment (jobspec_from_config); label mode builds one
 * per labelled service (labels.h). A spec owns all its strings. */
#ifndef RDS_JOBSPEC_H
#define RDS_JOBSPEC_H
#include <stddef.h>

#include "config.h"
#include "cron.h"
#include "retention.h"
#include "util.h"

#define JOBSPEC_NAME_MAX 255

struct jobspec {
	char *name;                        /* unique among the agent's jobs; the status entry's key */
	char *host;                        /* restic --host of its snapshots */
	char *service;                     /* the Swarm service whose container runs the hooks; "" = none */
	char *repo_path;                   /* on the server, as REPO_PATH */
	struct strvec paths;               /* absolute directories backed up together (one snapshot) */
	struct strvec pre_argv, post_argv; /* split hooks; n == 0: none */
	char *run_at;                      /* the schedule's text; "" = one-shot (seed mode only) */
	struct cron_expr cron;             /* parsed run_at when scheduled */
	int scheduled;
	struct retention retention; /* own copy: the agent's FORGET_KEEP_* or the labels' */
	struct strvec backup_args;  /* extra `restic backup` flags (--exclude=...) after the agent's -e */
	/* Label mode. */
	char *container; /* the container chosen at discovery ("" in seed mode) */
	char *origin;    /* where it came from, for the log: "env", "labels of stack_db" */
	char *error;     /* non-NULL: a refused spec (bad label); the job fails with this, never runs */
};

/* Builds the one job of seed mode from the validated configuration: name and
 * host BACKUP_HOST, service SERVICE_NAME, repository REPO_PATH, data
 * BACKUP_PATH, PRE_HOOK/POST_HOOK, RUN_AT, FORGET_KEEP_*. Returns 0 or
 * -ENOMEM. */
int jobspec_from_config(struct jobspec *s, const struct config *c);

/* Deep copy of src into dst (dst needs no initialisation); a NULL string
 * stays NULL. Returns 0, or -ENOMEM with dst left zeroed. */
int jobspec_copy(struct jobspec *dst, const struct jobspec *src);

/* 1 when a and b describe the same job in every field (a rediscovery that
 * changed nothing), else 0. Strings compare byte for byte, a NULL only
 * equal to a NULL; cron is compared only when both are scheduled (it means
 * nothing otherwise: run_at, compared always, is its source). */
int jobspec_equal(const struct jobspec *a, const struct jobspec *b);

/* jobspec_equal apart from the container: 1 when a and b differ at most in
 * the container chosen (a task restarted), which changes only the hooks'
 * preferred container, never the schedule. */
int jobspec_same_job(const struct jobspec *a, const struct jobspec *b);

/* Frees what s owns and zeroes it (NULL-safe). */
void jobspec_free(struct jobspec *s);

/* A growable array of specs that owns them. Zero-initialised is empty. */
struct jobspecs {
	struct jobspec *v;
	size_t n, cap;
};

/* Moves *s onto the end of a (a owns it then; *s is zeroed). Returns 0, or
 * -ENOMEM with *s untouched (still the caller's). */
int jobspecs_take(struct jobspecs *a, struct jobspec *s);

/* Frees specs [from, n) and sets n = from: what a failed step appended. */
void jobspecs_truncate(struct jobspecs *a, size_t from);

/* Frees every spec and the array; leaves a empty (NULL-safe). */
void jobspecs_free(struct jobspecs *a);

#endif
