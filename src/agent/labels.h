/* labels: label mode's reading of one discovered service (discovery.h): its
 * rds.backup.* labels, checked and turned into the job specs (jobspec.h)
 * that back it up. Pure: no I/O, no clock; the agent's settings come in as
 * struct labels_defaults. What data and repository a label may name is
 * checked by labeldata.h.
 *
 * The labels (the value of each is checked to be at most LABELS_VALUE_MAX
 * bytes of UTF-8 without control characters; a value breaking that is
 * refused):
 *   rds.backup=true        the service is backed up ("false": it is not,
 *                          quietly; any other value: not, with a warning).
 *   rds.backup.at          the backup's cron schedule (cron.h: 5 or 6
 *                          fields, @daily...). rds.backup.run-at is the same
 *                          label; both set must agree. Neither: the agent's
 *                          RUN_AT. An empty value is refused.
 *   rds.backup.pre-hook    command run in the service's container before
 *   rds.backup.post-hook   / after the backup, split like PRE_HOOK/POST_HOOK
 *                          (shell words, no operators, unquoted globs
 *                          refused); empty: no hook; blank: refused.
 *   rds.backup.repo        repository path on the server (default: the
 *                          service's full name), in the form LABELS_REPO_MAX
 *                          describes.
 *   rds.backup.volumes     ','-separated names of the container's named
 *                          volumes to back up (spaces around a name dropped;
 *                          a name given twice counts once). Default:
 *                          every mounted volume whose driver is "local" (other
 *                          drivers are left out with a warning). Each name
 *                          must be a Docker volume name
 *                          ([a-zA-Z0-9][a-zA-Z0-9_.-]*, at most
 *                          LABELS_VOLUME_MAX bytes) that the container
 *                          mounts, with driver "local", by its Docker name
 *                          (volume dump of stack app is app_dump; naming
 *                          it dump is refused, suggesting that). The data
 *                          backed up is VOLUMES_ROOT/<name>/_data of each,
 *                          sorted by name, all in one snapshot: a label can
 *                          never point the agent anywhere else.
 *   rds.backup.exclude     restic exclude patterns split like shell words
 *                          (quotes honoured; globs are the point, so they
 *                          pass), each one backup argument --exclude=PATTERN;
 *                          at most LABELS_EXCLUDES_MAX patterns of at most
 *                          LABELS_EXCLUDE_MAX bytes, none empty.
 *   rds.backup.forget.keep-last, -hourly, -daily, -weekly, -monthly,
 *   -yearly, -within, -tag
 *                          each replaces the agent's FORGET_KEEP_<X> for
 *                          this service (an empty value: that rule is not
 *                          used here); the others stay the agent's. The
 *                          result is checked by retention_parse, its message
 *                          naming the label where a label set the value.
 *   rds.backup.repos       the original project's form: ','-separated
 *                          paths relative to BACKUP_PATH (mounted into the
 *                          agent by hand; at most LABELS_REPOS_MAX, spaces
 *                          around each dropped, each in the rds.backup.repo
 *                          form, one given twice counts once). Each is its own job "<service>:<entry>"
 *                          with repository <entry> and data
 *                          BACKUP_PATH/<entry>; schedule, hooks, excludes
 *                          and retention are shared. Conflicts with
 *                          rds.backup.repo and rds.backup.volumes (refused).
 * Any other label of the service (discovery passes only rds.backup and
 * rds.backup.*) is ignored with a warning, which suggests the known label it
 * is likely a typo of when there is one (at most two edits away, or the same
 * last part: rds.backup.keep-daily). */
#ifndef RDS_LABELS_H
#define RDS_LABELS_H
#include <stddef.h>

#include "discovery.h"
#include "jobspec.h"
#include "util.h"

#define LABELS_VALUE_MAX 4096 /* bytes of one label value (CFGTAB_VALUE_MAX, as for PRE_HOOK) */
/* rds.backup.repo, an rds.backup.repos entry and a service name used as the
 * default repository: 1..LABELS_REPO_MAX bytes of components made of
 * A-Z a-z 0-9 . _ -, joined by single '/'; relative (no leading '/'), no
 * trailing '/', no empty, "." or ".." component. One repository has one
 * spelling, and an entry stays inside BACKUP_PATH. */
#define LABELS_REPO_MAX 200
#define LABELS_REPOS_MAX 32     /* entries of rds.backup.repos */
#define LABELS_VOLUME_MAX 255   /* bytes of one volume name (a directory name) */
#define LABELS_EXCLUDES_MAX 64  /* patterns of rds.backup.exclude */
#define LABELS_EXCLUDE_MAX 1024 /* bytes of one pattern */
#define LABELS_ERROR_MAX 1024   /* a refusal's message, NUL included */

/* The agent's settings a service's labels fall back on or build upon. All
 * borrowed. They are expected to be config_validate'd already, but are
 * checked again: a bad one refuses the service's job, naming the agent's
 * setting. */
struct labels_defaults {
	const char *run_at;           /* the agent's RUN_AT; NULL or "" = none */
	const char *const *keep_text; /* the agent's FORGET_KEEP_* texts in retention_vars order (8 entries;
					 NULL or "" = not set); NULL: none set */
	const char *host;             /* restic --host of this node's jobs (the node's name) */
	const char *volumes_root;     /* VOLUMES_ROOT, absolute, e.g. /var/lib/docker/volumes */
	const char *backup_path;      /* BACKUP_PATH, absolute: where rds.backup.repos entries are */
};

/* Appends the jobs of svc to out: none when rds.backup is not "true"; one
 * (named after the service); or one per rds.backup.repos entry. Every spec
 * owns all its strings, none NULL except error, and is scheduled unless
 * refused. A service whose labels are refused still yields exactly one
 * spec, named after the service, with error set to the one-line refusal
 * (valid UTF-8 that names the label, or the agent's setting, shows the bad
 * value with control characters as \xNN, and says what would be valid),
 * host, service, container and origin set, and nothing to run (no paths,
 * repo_path and run_at ""); the agent records that job failed and runs
 * every other. The first refusal found is the one reported. A service
 * name, container id or host that is not 1..JOBSPEC_NAME_MAX bytes of
 * printable UTF-8 (container: 0..) refuses the service too; the refused
 * spec's texts are then made printable (\xNN, U+FFFD; an empty name
 * "(no name)").
 * When warnings is not NULL, one line is appended to it for each label not
 * known, each volume left out by default, and an rds.backup value other than
 * "true" or "false"; each line names the service.
 * Returns 0, or -ENOMEM with out as it was before the call (warnings may
 * have gained lines). */
int labels_jobs(const struct discovery_service *svc, const struct labels_defaults *d, struct jobspecs *out,
		struct strvec *warnings);

#endif
