/* restic: build restic's argv (never a shell string) for one repository over
 * SFTP: the sftp.command quoted for the three layers that read it. What the
 * output means is restic_out's. Pure functions: spawning is the child
 * module's job.
 * Checked against restic 0.14 (Debian bookworm) and 0.18 (Debian trixie). */
#ifndef RDS_RESTIC_H
#define RDS_RESTIC_H
#include <stddef.h>

#include "retention.h"
#include "util.h"

/* Limits on what goes into one argv. */
#define RESTIC_MAX_PATH 4096 /* any path, REPO_PATH included */
#define RESTIC_MAX_HOST 253  /* SSH_HOST without the user */
#define RESTIC_MAX_USER 64
#define RESTIC_MAX_SSH_OPTS 32 /* entries of ssh_options */
#define RESTIC_MAX_ARGS 256    /* entries of restic_args, tags */

/* The ssh options every sftp.command gets after the user's own (-o
 * Name=value; one the user sets, by name, is left out): a dead server or
 * network ends the run within a minute. */
#define RESTIC_SSH_DEFAULTS "ServerAliveInterval=15", "ServerAliveCountMax=4", "ConnectTimeout=30"

/* Everything needed to reach one repository over SFTP. All strings are
 * borrowed; the struct is read only. */
struct restic_remote {
	const char *restic_bin;       /* NULL means "restic" */
	const char *ssh_user;         /* NULL means "restic"; "user@" in ssh_host wins */
	const char *ssh_host;         /* SSH_HOST: name, IPv4, IPv6 (no brackets), or user@host */
	int ssh_port;                 /* SSH_PORT, 1..65535 */
	const char *repo_path;        /* REPO_PATH: absolute, or relative to the login dir */
	const char *key_file;         /* absolute path of the private 0600 copy of the key */
	const char *known_hosts_file; /* absolute path */
	const char *password_file;
	char *const *ssh_options; /* NULL-terminated "Name=value" entries, each
				   * passed as `-o Name=value`; may be NULL */
	char *const *restic_args; /* NULL-terminated, for `restic backup` only:
				   * after its flags, before PATH (init, unlock,
				   * forget, prune, check and the base argv get
				   * none); may be NULL */
	const char *ssh_log_file; /* optional: `ssh -E FILE`. restic forwards
				   * ssh's stderr racily (a fast failure often
				   * loses it), a log file always has it. NULL:
				   * no -E. The caller truncates it per run. */
};

/* Validates r; on failure writes one line naming the setting and the problem
 * into err (when err != NULL). Returns 0, -EINVAL or -ENOMEM. */
int restic_remote_check(const struct restic_remote *r, char *err, size_t errlen);

/* The SSH user and host of a remote that restic_remote_check accepts (the
 * "user@" of ssh_host wins; an IPv6 host without brackets) into user (ulen
 * >= RESTIC_MAX_USER + 1) and host (hlen >= RESTIC_MAX_HOST + 1). Returns
 * 0, -EINVAL (a refused remote, a buffer too small) or -ENOMEM. */
int restic_remote_target(const struct restic_remote *r, char *user, size_t ulen, char *host, size_t hlen);

/* The argv builders append to out (which may already hold elements); on any
 * error out is left exactly as it was. They return 0, -EINVAL for a value
 * that cannot be passed safely (see restic_remote_check for why), or -ENOMEM.
 *
 * Base: RESTIC -r sftp:USER@HOST:PATH
 *   -o sftp.command=ssh USER@HOST -p PORT [-E LOG] -i KEY
 *      -o UserKnownHostsFile=F -o StrictHostKeyChecking=yes -o BatchMode=yes
 *      -o IdentitiesOnly=yes [-o OPT]... [-o DEFAULT]... -s sftp
 *   --password-file F
 * The sftp.command value is one argv element; words in it are quoted only as
 * restic's own splitter needs (paths with spaces), and the element is
 * CSV-quoted when it holds '"' or ',' because restic reads -o values as CSV.
 * An IPv6 host uses the sftp://USER@[HOST]/PATH form. */
int restic_argv_base(struct strvec *out, const struct restic_remote *r);
/* base + backup --json --host HOST [--tag T]... [restic_args...] PATH (PATH
 * absolute; tags non-empty without ','; tags may be NULL). restic_args come
 * only here: they are the user's backup flags (--exclude, --limit-upload),
 * which init and unlock would refuse as unknown. */
int restic_argv_backup(struct strvec *out, const struct restic_remote *r, const char *host, char *const *tags,
		       const char *path);
/* The same with several paths (NULL-terminated, 1 to RESTIC_MAX_ARGS, each
 * absolute) backed up into one snapshot: label mode's volumes. */
int restic_argv_backup_paths(struct strvec *out, const struct restic_remote *r, const char *host, char *const *tags,
			     char *const *paths);
/* base + init */
int restic_argv_init(struct strvec *out, const struct restic_remote *r);
/* base + unlock [--remove-all]. Without remove_all restic removes only stale
 * locks (dead process on this host, or older than 30 minutes). */
int restic_argv_unlock(struct strvec *out, const struct restic_remote *r, int remove_all);

/* base + forget --json --host HOST --tag T1,T2,... --group-by host,paths,tags
 *   [--keep-last N] [--keep-hourly N] [--keep-daily N] [--keep-weekly N]
 *   [--keep-monthly N] [--keep-yearly N] [--keep-within D]
 *   [--keep-tag K1,K2,...] [--dry-run]
 * Only HOST's snapshots that have ALL of tags are considered: restic reads
 * the comma list of one --tag as AND, repeated --tag as OR (0.14 and 0.18
 * alike; tests/data/restic tag-and, tag-or). Grouping by host, paths and
 * tags weighs a snapshot only against snapshots exactly like it: one with a
 * tag added by hand is a group of its own, kept by any count. tags: 1 to
 * RESTIC_MAX_ARGS, each 1..255 bytes without ',' or a control character
 * (host too). The keep-* flags are the
 * policy's rules above 0 (keep_tags as one --keep-tag: snapshots with all of
 * them). A policy that retention_is_set refuses, or whose values are out of
 * retention.h's bounds, is -EINVAL: no forget without a --keep-* count or
 * within is ever built. */
int restic_argv_forget(struct strvec *out, const struct restic_remote *r, const char *host, char *const *tags,
		       const struct retention *policy, int dry_run);
/* base + prune [extra_args...], base + check [extra_args...]. extra_args
 * (NULL-terminated, may be NULL) are that command's own (PRUNE_ARGS,
 * CHECK_ARGS: --max-unused 10%, --read-data-subset 5%): up to
 * RESTIC_MAX_ARGS, each non-empty, at most RESTIC_MAX_PATH bytes, without
 * control characters. */
int restic_argv_prune(struct strvec *out, const struct restic_remote *r, char *const *extra_args);
int restic_argv_check(struct strvec *out, const struct restic_remote *r, char *const *extra_args);

#endif
