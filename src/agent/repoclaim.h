/* repoclaim: which agent creates a repository that several find missing at
 * once. In label mode a service with a task on every node is backed up by
 * every node's agent into one repository, all on the same schedule, so
 * their first backups start in the same second. Two `restic init` of one
 * repository at once both succeed (0.14 and 0.18): each writes its own key,
 * the config is that of whichever wrote it last, and when restic tries the
 * other key first the repository cannot be opened ("config or key ... is
 * damaged"), by any agent, for good. The claim is an SFTP mkdir of the
 * repository's directory, which the server makes atomically: the agent
 * whose mkdir succeeds runs init; the others find the directory there and
 * wait for the repository to appear (restic writes its config last).
 * Pure builders; jobrestic runs them. */
#ifndef RDS_REPOCLAIM_H
#define RDS_REPOCLAIM_H
#include <stddef.h>

#include "restic.h"
#include "util.h"

/* Largest batch built: it goes whole into a pipe (child.h's stdin_data). */
#define REPOCLAIM_BATCH_MAX 16384

/* Appends the sftp client's argv for r (which restic_remote_check must
 * accept; ssh_log_file and restic_args are not used):
 *   sftp -b - -P PORT -i KEY -o UserKnownHostsFile=F
 *        -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes
 *        [-o OPT]... USER@HOST            (USER@[HOST] for IPv6)
 * The commands come on stdin (repoclaim_batch). sftp exits 0 when every
 * command without a leading '-' succeeded, 1 when one failed, 255 when ssh
 * could not connect. Returns 0, -EINVAL or -ENOMEM; on error out is left as
 * it was. */
int repoclaim_argv(struct strvec *out, const struct restic_remote *r);

/* The batch for repo_path (as in REPO_PATH: relative to the login
 * directory, or absolute): "-mkdir" of each parent directory (an error, a
 * parent that exists, is ignored), then "mkdir" of the repository's
 * directory itself, whose failure is sftp's exit code 1. Each path in
 * double quotes. *out is a new string (the caller frees it), *len its
 * length. Returns 0, -EINVAL for a path that cannot be written in a batch
 * (empty, only '/', a '"', '\' or control character), -E2BIG when the
 * batch would exceed REPOCLAIM_BATCH_MAX, or -ENOMEM. */
int repoclaim_batch(const char *repo_path, char **out, size_t *len);

/* Appends restic's argv that opens the repository and reads nothing but
 * its config: base + cat config. Exit 0 once the repository exists. */
int repoclaim_argv_probe(struct strvec *out, const struct restic_remote *r);

/* ---- the locks of a dead agent on another host ----
 * restic removes a lock by itself (`unlock`) only when its process is gone
 * from this host name, or after 30 minutes: the lock a killed container
 * left is another host's for the container that replaces it. These find
 * and remove the locks of one host name; the caller knows that host's
 * agent is dead (job.c). */

/* base + list locks --no-lock: one lock ID per line on stdout. */
int repoclaim_argv_list_locks(struct strvec *out, const struct restic_remote *r);
/* base + cat lock ID --no-lock: the lock's JSON (hostname, pid, time...).
 * id: 64 lower-case hex digits, else -EINVAL. */
int repoclaim_argv_cat_lock(struct strvec *out, const struct restic_remote *r, const char *id);
/* 1 when s is a lock ID (64 lower-case hex digits). */
int repoclaim_is_lock_id(const char *s);
/* The "hostname" of a lock's JSON into host. Returns 0, or -1 (not a
 * lock's JSON, no hostname, or longer than len - 1). */
int repoclaim_lock_host(const char *json, size_t len, char *host, size_t hostlen);
/* The batch that removes locks ids (NULL-terminated, each a lock ID) of
 * repo_path: `rm "REPO/locks/ID"` per ID. Returns as repoclaim_batch. */
int repoclaim_rm_locks_batch(const char *repo_path, char *const *ids, char **out, size_t *len);

#endif
