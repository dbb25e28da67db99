/* server_layout: the files and directories sshd's chroot needs, and the SFTP
 * account. The layout (defaults shown):
 *
 *   /home                 ChrootDirectory: the parent of REPO_ROOT; root-owned,
 *                         not group/other writable, like every directory above
 *                         it (sshd refuses the login otherwise).
 *   /home/restic          REPO_ROOT, a volume: owned by SSH_USER, 0700. Inside
 *                         the chroot it is /restic, the SFTP start directory
 *                         (ForceCommand internal-sftp -d /restic), so a relative
 *                         REPO_PATH "db" is /home/restic/db on the server.
 *   /home/home/restic     a symlink to ../restic, so that inside the chroot the
 *                         path /home/restic leads to the same place: agents may
 *                         use REPO_PATH=db, /restic/db or /home/restic/db.
 *
 * Everything else the server writes (host keys, authorized_keys, sshd_config,
 * known_hosts) lives outside the chroot.
 *
 * Return codes: 0, -1 for a failure of the system (exit 1), -2 when the
 * machine is set up in a way the user must change (exit 2). */
#ifndef RDS_SERVER_LAYOUT_H
#define RDS_SERVER_LAYOUT_H
#include <stddef.h>
#include <sys/types.h>

#include "server_config.h"

struct server_user {
	uid_t uid;
	gid_t gid;
};

/* Looks SSH_USER up and makes it usable by sshd without PAM: an account whose
 * password field starts with '!' (locked, useradd's default) is refused even
 * for key logins, so it is changed to '*' (no password, not locked) with
 * usermod. */
int server_user_prepare(const char *user, struct server_user *u, char *err, size_t errlen);

/* Becomes user for good (supplementary groups, gid, uid) so that what
 * follows reads and writes REPO_ROOT the way sshd's sessions do: a
 * repository file created by root could not be changed over SFTP later, and
 * root in the container (capabilities dropped) cannot read REPO_ROOT.
 * A no-op when not root. Returns 0 or -1 with err set. */
int server_become_user(const char *user, char *err, size_t errlen);

/* Creates path and its missing parents (root-owned, parents 0755), then
 * gives path exactly the owner and mode asked for. */
int server_ensure_dir(const char *path, uid_t uid, gid_t gid, mode_t mode, char *err, size_t errlen);

/* Creates the missing directories of path like mkdir -p (parents 0755, path
 * itself mode, both as far as the umask allows) and checks that path is a
 * directory (or a symlink to one). A directory that exists already is left
 * exactly as it is: it is the image's or the host's (KNOWN_HOSTS_FILE=/tmp/kh
 * must not make /tmp 0755). Returns 0 or -1 with err set. */
int server_make_dirs(const char *path, mode_t mode, char *err, size_t errlen);

/* Checks and fixes the chroot and REPO_ROOT as described above, and creates
 * the alias symlink (a failure there is only a warning). */
int server_layout_prepare(const struct server_config *c, const struct server_user *u, char *err, size_t errlen);

#endif
