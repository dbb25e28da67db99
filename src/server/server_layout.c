/* server_layout: see server_layout.h. */
#include "server_layout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "log.h"

#define SCAN_MAX 10000 /* REPO_ROOT entries looked at for foreign owners */

static void log_child_line(void *ud, int stream, const char *line)
{
	log_warn("%s: %s", (const char *)ud, line);
}

int server_user_prepare(const char *user, struct server_user *u, char *err, size_t errlen)
{
	char *argv[] = { "usermod", "-p", "*", (char *)user, NULL };
	struct child_spec spec = { .argv = argv, .on_line = log_child_line, .ud = "usermod", .timeout_ms = 30000 };
	struct child_result res;
	struct passwd *pw;
	struct spwd *sp;
	const char *hash;
	char msg[256];

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen,
			 "SSH_USER=%s is not a user of this system; the image must create it (useradd --system "
			 "--home-dir /home/restic --shell /usr/sbin/nologin %s)",
			 user, user);
		return -2;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	if (u->uid == 0) {
		snprintf(err, errlen, "SSH_USER=%s has uid 0; the SFTP user must not be root", user);
		return -2;
	}
	/* sshd refuses accounts whose shell is missing, even for internal-sftp. */
	if (pw->pw_shell && *pw->pw_shell && access(pw->pw_shell, X_OK) < 0) {
		snprintf(err, errlen,
			 "SSH_USER=%s has the login shell %s, which cannot be executed, and sshd refuses such "
			 "accounts; give it /usr/sbin/nologin",
			 user, pw->pw_shell);
		return -2;
	}
	sp = getspnam(user);
	hash = sp ? sp->sp_pwdp : pw->pw_passwd;
	if (!hash || hash[0] != '!')
		return 0;
	log_warn("account %s is locked ('!' in its password field), and sshd without PAM refuses even key logins to "
		 "locked accounts: running usermod -p '*' %s (no password, not locked)",
		 user, user);
	if (child_run(&spec, &res, msg, sizeof(msg)) < 0 || res.code != 0) {
		snprintf(
			err, errlen,
			"account %s is locked and usermod could not unlock it (%s); run usermod -p '*' %s in the image",
			user, res.code ? "usermod failed" : msg, user);
		return -1;
	}
	return 0;
}

int server_become_user(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "SSH_USER=%s is not a user of this system", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "SSH_USER=%s has uid 0; the SFTP user must not be root", user);
		return -1;
	}
	if (initgroups(user, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		snprintf(err, errlen,
			 "cannot become user %s (uid %u): %s; the container needs the SETUID and SETGID capabilities",
			 user, (unsigned)pw->pw_uid, strerror(errno));
		return -1;
	}
	return 0;
}

/* mkdir -p: missing components are created with mode 0755 (the last one
 * with mode), owned by us (root in the server); existing ones are not
 * touched. */
static int mkdirs(const char *path, mode_t mode, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		{
			char saved = *p;
			*p = '\0';
			if (mkdir(buf, saved ? 0755 : mode) < 0 && errno != EEXIST) {
				snprintf(err, errlen, "cannot create %s: %s", buf, strerror(errno));
				return -1;
			}
			*p = saved;
		}
		if (!*p)
			break;
	}
	return 0;
}

int server_make_dirs(const char *path, mode_t mode, char *err, size_t errlen)
{
	struct stat st;

	if (mkdirs(path, mode, err, errlen) < 0)
		return -1;
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", path);
		return -1;
	}
	return 0;
}

int server_ensure_dir(const char *path, uid_t uid, gid_t gid, mode_t mode, char *err, size_t errlen)
{
	struct stat st;

	if (mkdirs(path, mode, err, errlen) < 0)
		return -1;
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", path);
		return -1;
	}
	if ((st.st_uid != uid || st.st_gid != gid) && chown(path, uid, gid) < 0) {
		snprintf(err, errlen, "cannot chown %s: %s", path, strerror(errno));
		return -1;
	}
	if ((st.st_mode & 07777) != mode && chmod(path, mode) < 0) {
		snprintf(err, errlen, "cannot chmod %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Every directory above the chroot: what sshd's ChrootDirectory demands. Not
 * changed here: they are the image's or the host's, not ours. */
static int check_parents(const struct server_config *c, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	char *slash;
	struct stat st;

	snprintf(buf, sizeof(buf), "%s", c->chroot_dir);
	while ((slash = strrchr(buf, '/'))) {
		slash[slash == buf ? 1 : 0] = '\0';
		if (stat(buf, &st) < 0) {
			snprintf(err, errlen, "REPO_ROOT=%s: cannot stat %s: %s", c->repo_root, buf, strerror(errno));
			return -1;
		}
		if (st.st_uid != 0 || (st.st_mode & 022)) {
			snprintf(err, errlen,
				 "REPO_ROOT=%s: sshd's chroot needs every directory above %s root-owned and not "
				 "group/other writable, but %s is uid %u mode %04o",
				 c->repo_root, c->chroot_dir, buf, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
			return -2;
		}
		if (!strcmp(buf, "/"))
			break;
	}
	return 0;
}

static int prepare_chroot(const struct server_config *c, char *err, size_t errlen)
{
	struct stat st;

	if (mkdirs(c->chroot_dir, 0755, err, errlen) < 0)
		return -1;
	if (stat(c->chroot_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "REPO_ROOT=%s: its parent %s is not a directory", c->repo_root, c->chroot_dir);
		return -2;
	}
	if (st.st_uid != 0 || st.st_gid != 0 || (st.st_mode & 022)) {
		log_warn("chroot %s was uid %u mode %04o; making it root-owned 0755 as sshd requires", c->chroot_dir,
			 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		if (chown(c->chroot_dir, 0, 0) < 0 || chmod(c->chroot_dir, 0755) < 0) {
			snprintf(err, errlen, "cannot make the chroot %s root-owned 0755: %s", c->chroot_dir,
				 strerror(errno));
			return -1;
		}
	}
	return check_parents(c, err, errlen);
}

/* Entries directly in REPO_ROOT that SSH_USER does not own cannot be written
 * over SFTP; chown -R of a large volume at every start would be slow and
 * surprising, so they are reported instead. */
static void report_foreign(const struct server_config *c, const struct server_user *u)
{
	DIR *d = opendir(c->repo_root);
	struct dirent *e;
	size_t seen = 0, foreign = 0;
	char first[256] = "";

	if (!d)
		return;
	while ((e = readdir(d)) && seen < SCAN_MAX) {
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		seen++;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_uid != u->uid) {
			if (!foreign++)
				snprintf(first, sizeof(first), "%s", e->d_name);
		}
	}
	closedir(d);
	if (foreign)
		log_warn("%zu entr%s in REPO_ROOT %s (first: %s) not owned by %s; restic cannot write there (fix: "
			 "chown -R %s: %s)",
			 foreign, foreign == 1 ? "y is" : "ies are", c->repo_root, first, c->ssh_user, c->ssh_user,
			 c->repo_root);
}

static int prepare_repo_root(const struct server_config *c, const struct server_user *u, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(c->repo_root, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create REPO_ROOT %s: %s", c->repo_root, strerror(errno));
		return -1;
	}
	if (lstat(c->repo_root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen,
			 "REPO_ROOT=%s is not a directory (a symlink cannot be followed inside the chroot); mount the "
			 "volume there",
			 c->repo_root);
		return -2;
	}
	if (st.st_uid != u->uid || st.st_gid != u->gid) {
		log_info("REPO_ROOT %s: owner %u:%u -> %s (%u:%u)", c->repo_root, (unsigned)st.st_uid,
			 (unsigned)st.st_gid, c->ssh_user, (unsigned)u->uid, (unsigned)u->gid);
		if (chown(c->repo_root, u->uid, u->gid) < 0) {
			snprintf(err, errlen, "cannot chown REPO_ROOT %s: %s", c->repo_root, strerror(errno));
			return -1;
		}
	}
	if ((st.st_mode & 0700) != 0700 || (st.st_mode & 077)) {
		if (chmod(c->repo_root, 0700) < 0) {
			snprintf(err, errlen, "cannot chmod REPO_ROOT %s: %s", c->repo_root, strerror(errno));
			return -1;
		}
	}
	report_foreign(c, u);
	return 0;
}

/* <chroot><REPO_ROOT> -> ../../login: inside the chroot, REPO_ROOT's own path
 * leads to the login directory. Skipped when that path would lie inside
 * REPO_ROOT itself (REPO_ROOT=/x/x). */
static void make_alias(const struct server_config *c)
{
	char link[PATH_MAX], target[PATH_MAX], dir[PATH_MAX], err[512], cur[PATH_MAX];
	const char *first = c->repo_root + 1;
	size_t firstlen = strcspn(first, "/"), n = 0;
	ssize_t len;

	if (firstlen == strlen(c->login_dir + 1) && !strncmp(first, c->login_dir + 1, firstlen))
		return;
	if (snprintf(link, sizeof(link), "%s%s", c->chroot_dir, c->repo_root) >= (int)sizeof(link))
		return;
	/* One "../" per directory between the chroot and the link. */
	for (const char *p = c->repo_root + 1; (p = strchr(p, '/')); p++)
		n += (size_t)snprintf(target + n, sizeof(target) - n, "../");
	snprintf(target + n, sizeof(target) - n, "%s", c->login_dir + 1);
	snprintf(dir, sizeof(dir), "%s", link);
	*strrchr(dir, '/') = '\0';
	if (mkdirs(dir, 0755, err, sizeof(err)) < 0) {
		log_warn("no alias %s inside the chroot (%s); agents must use relative paths or %s/...", c->repo_root,
			 err, c->login_dir);
		return;
	}
	len = readlink(link, cur, sizeof(cur) - 1);
	if (len >= 0) {
		cur[len] = '\0';
		if (!strcmp(cur, target))
			return;
	}
	if (len >= 0 || errno != ENOENT || symlink(target, link) < 0) {
		log_warn("no alias %s inside the chroot (%s is in the way or cannot be created); agents must use "
			 "relative paths or %s/...",
			 c->repo_root, link, c->login_dir);
		return;
	}
	log_debug("alias %s -> %s", link, target);
}

int server_layout_prepare(const struct server_config *c, const struct server_user *u, char *err, size_t errlen)
{
	int r = prepare_chroot(c, err, errlen);

	if (r < 0)
		return r;
	if ((r = prepare_repo_root(c, u, err, errlen)) < 0)
		return r;
	make_alias(c);
	return 0;
}
